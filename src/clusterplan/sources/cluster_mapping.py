"""US Cluster Mapping Project (CMP) cluster definitions: which NAICS industries make up each cluster.

Two vintages are read, as they are published:

* the **current** benchmark definitions (Delgado, Porter & Stern 2016), 51
  *traded* clusters, each a set of NAICS 6-digit industries (NAICS 2012 codes
  plus those added in the NAICS 2017 revision), as a flat CSV
  ``cluster_id, cluster_name, naics`` (:func:`read_traded_clusters`);
* the **earlier** 2007-vintage definitions, 67 clusters (51 traded under older
  names plus 16 *local* clusters) over NAICS 2007 codes, with the names of
  their sub-clusters: the Cluster Mapping portal's ``clusters-list.json`` or
  its flat form ``naics2007_to_cluster.csv``
  (:func:`read_clusters_2007`, :func:`read_sub_clusters_2007`).

A traded cluster is a group of industries that locate where they have a
competitive advantage and sell outside the region; a local cluster serves the
local market and is found in every region in proportion to population. In both
vintages every NAICS code belongs to exactly one cluster; a file that puts a
code in two clusters is rejected.

The 2007 JSON lists sub-cluster names per cluster but does not say which NAICS
codes make up each sub-cluster, so sub-clusters are a separate table.

References
----------
Delgado, M., Porter, M. E. and Stern, S. (2016), "Defining clusters of related
industries", *Journal of Economic Geography* 16(1), 1-38.
US Cluster Mapping Project, Institute for Strategy and Competitiveness, Harvard
Business School, and the US Economic Development Administration.
"""

from __future__ import annotations

import io
import json
from pathlib import Path

import numpy as np
import pandas as pd

from .._exceptions import DataValidationError
from ._csv import read_text_csv

__all__ = [
    "CLUSTER_2007_COLUMNS",
    "TRADED_CLUSTER_COLUMNS",
    "read_clusters_2007",
    "read_sub_clusters_2007",
    "read_traded_clusters",
]

TRADED_CLUSTER_COLUMNS = ["cluster_id", "cluster_name", "naics_code"]
CLUSTER_2007_COLUMNS = ["cluster_id", "cluster_key", "cluster_name", "cluster_type", "naics_code"]

_JSON_FIELDS = ("id", "key_t", "name_t", "naics_txt")


def _label(path: str | Path | io.StringIO, file_label: str | None) -> str:
    return file_label or ("<buffer>" if isinstance(path, io.StringIO) else str(path))


def _read_csv(path: str | Path | io.StringIO, label: str) -> pd.DataFrame:
    raw = read_text_csv(path, label)
    raw.columns = [c.strip() for c in raw.columns]
    return raw.apply(lambda column: column.str.strip())


def _require(raw: pd.DataFrame, columns: list[str], label: str, hint: str) -> None:
    missing = [c for c in columns if c not in raw.columns]
    if missing:
        raise DataValidationError(
            f"missing column(s) {', '.join(missing)}; found {', '.join(raw.columns)}", file=label, hint=hint
        )
    if len(raw) == 0:
        raise DataValidationError("no data rows", file=label)


def _check(df: pd.DataFrame, label: str, rows: np.ndarray, name_column: str = "cluster_name") -> None:
    """Codes are 6-digit NAICS, ids are whole numbers, one name per id, each code in exactly one cluster."""
    bad = ~df["naics_code"].str.fullmatch(r"\d{6}").to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataValidationError(
            f"{df['naics_code'].iloc[i]!r} is not a 6-digit NAICS code",
            file=label,
            row=int(rows[i]),
            column="naics",
            hint="cluster definitions list NAICS national industries (6 digits)",
        )
    first_name = df.groupby("cluster_id")[name_column].transform("first")
    renamed = (df[name_column] != first_name).to_numpy()
    if renamed.any():
        i = int(np.flatnonzero(renamed)[0])
        raise DataValidationError(
            f"cluster {df['cluster_id'].iloc[i]} is named {df[name_column].iloc[i]!r} here and "
            f"{first_name.iloc[i]!r} earlier",
            file=label,
            row=int(rows[i]),
            column=name_column,
            hint="one name per cluster id",
        )
    dup = df.duplicated("naics_code", keep="first").to_numpy()
    if dup.any():
        i = int(np.flatnonzero(dup)[0])
        code = df["naics_code"].iloc[i]
        first = int(np.flatnonzero((df["naics_code"] == code).to_numpy())[0])
        one, two = df.iloc[first], df.iloc[i]
        where = (
            f"listed twice in cluster {one['cluster_id']} {one[name_column]!r}"
            if one["cluster_id"] == two["cluster_id"]
            else f"in two clusters: {one['cluster_id']} {one[name_column]!r} (row {int(rows[first])}) and "
            f"{two['cluster_id']} {two[name_column]!r}"
        )
        raise DataValidationError(
            f"NAICS {code} is {where}",
            file=label,
            row=int(rows[i]),
            code=code,
            hint="each industry must belong to exactly one cluster",
        )


def _cluster_ids(ids: pd.Series, label: str, rows: np.ndarray, column: str) -> pd.Series:
    bad = ~ids.str.fullmatch(r"\d+").to_numpy()
    if bad.any():
        i = int(np.flatnonzero(bad)[0])
        raise DataValidationError(
            f"cluster id {ids.iloc[i]!r} is not a whole number", file=label, row=int(rows[i]), column=column
        )
    return ids.astype("int64")


def read_traded_clusters(path: str | Path | io.StringIO, *, file_label: str | None = None) -> pd.DataFrame:
    """Read the current CMP traded-cluster definitions (51 clusters -> NAICS 6-digit codes).

    Parameters
    ----------
    path
        CSV with columns ``cluster_id, cluster_name, naics`` (``naics_code`` is accepted too).
    file_label
        Name used in error messages (defaults to the path).

    Returns
    -------
    pandas.DataFrame
        ``cluster_id`` (int), ``cluster_name``, ``naics_code`` (6-digit string),
        one row per code, in file order.

    Raises
    ------
    DataValidationError
        Missing columns, a code that is not 6 digits, a cluster id with two
        names, or a code in two clusters (the message names the code and both).

    Examples
    --------
    >>> text = "cluster_id,cluster_name,naics\\n5,Biopharmaceuticals,325411\\n5,Biopharmaceuticals,325412\\n"
    >>> read_traded_clusters(io.StringIO(text)).values.tolist()
    [[5, 'Biopharmaceuticals', '325411'], [5, 'Biopharmaceuticals', '325412']]
    """
    label = _label(path, file_label)
    raw = _read_csv(path, label)
    if "naics_code" in raw.columns and "naics" not in raw.columns:
        raw = raw.rename(columns={"naics_code": "naics"})
    _require(raw, ["cluster_id", "cluster_name", "naics"], label, "expected cluster_id, cluster_name, naics")
    rows = np.arange(1, len(raw) + 1)
    out = pd.DataFrame(
        {
            "cluster_id": _cluster_ids(raw["cluster_id"], label, rows, "cluster_id"),
            "cluster_name": raw["cluster_name"],
            "naics_code": raw["naics"],
        }
    )
    _check(out, label, rows)
    return out[TRADED_CLUSTER_COLUMNS]


def _cluster_type(key: pd.Series) -> pd.Series:
    # The portal's local clusters are the ones whose key (and name) starts with "local".
    return pd.Series(np.where(key.str.startswith("local_"), "local", "traded"), index=key.index)


def _load_json(path: str | Path | io.StringIO, label: str) -> list[dict]:
    try:
        if isinstance(path, io.StringIO):
            data = json.load(path)
        else:
            with open(path, encoding="utf-8") as handle:
                data = json.load(handle)
    except FileNotFoundError:
        raise DataValidationError("file not found", file=label) from None
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise DataValidationError(f"not readable JSON ({exc})", file=label) from None
    if not isinstance(data, list) or not all(isinstance(item, dict) for item in data):
        raise DataValidationError(
            "expected a JSON list of cluster objects", file=label, hint="use the portal's clusters-list.json"
        )
    for i, item in enumerate(data):
        missing = [k for k in _JSON_FIELDS if k not in item]
        if missing:
            raise DataValidationError(
                f"cluster object lacks {', '.join(missing)}", file=label, row=i + 1, code=str(item.get("id", ""))
            )
    return data


def _json_cluster_id(value: str, label: str, row: int) -> int:
    # Portal ids look like "clusterData/8".
    tail = str(value).rsplit("/", 1)[-1]
    if not tail.isdigit():
        raise DataValidationError(f"cluster id {value!r} does not end in a number", file=label, row=row, column="id")
    return int(tail)


def _is_json(path: str | Path | io.StringIO) -> bool:
    if isinstance(path, io.StringIO):
        return path.getvalue().lstrip().startswith("[")
    return Path(path).suffix.lower() == ".json"


def read_clusters_2007(path: str | Path | io.StringIO, *, file_label: str | None = None) -> pd.DataFrame:
    """Read the 2007-vintage CMP definitions (67 clusters, 16 of them local) from the JSON or the flat CSV.

    Parameters
    ----------
    path
        The portal's ``clusters-list.json`` (a list of objects with ``id``
        ``"clusterData/8"``, ``key_t``, ``name_t``, ``naics_txt``) or its flat form
        ``naics2007_to_cluster.csv`` (``cluster_id, cluster_key, cluster_name,
        cluster_type, naics2007``).
    file_label
        Name used in error messages (defaults to the path).

    Returns
    -------
    pandas.DataFrame
        ``cluster_id`` (int), ``cluster_key``, ``cluster_name``, ``cluster_type``
        (``"traded"`` or ``"local"``), ``naics_code`` (NAICS 2007, 6 digits); one
        row per code, sorted by cluster id then code.

    Raises
    ------
    DataValidationError
        Unreadable file, missing fields, a code that is not 6 digits, a type
        other than traded/local, or a code in two clusters.

    Notes
    -----
    ``cluster_key`` is not unique: ids 11 and 1001 are both
    ``agricultural_products``; use ``cluster_id``. The JSON has no type field; a
    cluster is local when its key starts with ``local_`` (ids 101-116), which is
    how the flat CSV classifies them too.

    Examples
    --------
    >>> text = '[{"id": "clusterData/39", "key_t": "biopharmaceuticals", "name_t": "Biopharmaceuticals",'
    >>> text += ' "naics_txt": ["325412", "325411"]}]'
    >>> read_clusters_2007(io.StringIO(text)).values.tolist()  # doctest: +NORMALIZE_WHITESPACE
    [[39, 'biopharmaceuticals', 'Biopharmaceuticals', 'traded', '325411'],
     [39, 'biopharmaceuticals', 'Biopharmaceuticals', 'traded', '325412']]
    """
    label = _label(path, file_label)
    if _is_json(path):
        data = _load_json(path, label)
        records = []
        for i, item in enumerate(data):
            cluster_id = _json_cluster_id(item["id"], label, i + 1)
            if not isinstance(item["naics_txt"], list) or not item["naics_txt"]:
                raise DataValidationError(
                    "naics_txt is not a non-empty list of codes", file=label, row=i + 1, code=str(item["id"])
                )
            for code in item["naics_txt"]:
                records.append((cluster_id, str(item["key_t"]), str(item["name_t"]), str(code).strip(), i + 1))
        frame = pd.DataFrame(records, columns=["cluster_id", "cluster_key", "cluster_name", "naics_code", "_row"])
        frame["cluster_type"] = _cluster_type(frame["cluster_key"])
        rows = frame["_row"].to_numpy()
    else:
        raw = _read_csv(path, label)
        _require(
            raw,
            ["cluster_id", "cluster_key", "cluster_name", "cluster_type", "naics2007"],
            label,
            "expected cluster_id, cluster_key, cluster_name, cluster_type, naics2007",
        )
        rows = np.arange(1, len(raw) + 1)
        frame = pd.DataFrame(
            {
                "cluster_id": _cluster_ids(raw["cluster_id"], label, rows, "cluster_id"),
                "cluster_key": raw["cluster_key"],
                "cluster_name": raw["cluster_name"],
                "cluster_type": raw["cluster_type"].str.lower(),
                "naics_code": raw["naics2007"],
            }
        )
        bad = ~frame["cluster_type"].isin(["traded", "local"]).to_numpy()
        if bad.any():
            i = int(np.flatnonzero(bad)[0])
            raise DataValidationError(
                f"cluster_type {raw['cluster_type'].iloc[i]!r} is not 'traded' or 'local'",
                file=label,
                row=int(rows[i]),
                column="cluster_type",
            )
    _check(frame, label, rows)
    out = frame[CLUSTER_2007_COLUMNS].sort_values(["cluster_id", "naics_code"], kind="stable")
    return out.reset_index(drop=True)


def read_sub_clusters_2007(path: str | Path | io.StringIO, *, file_label: str | None = None) -> pd.DataFrame:
    """Sub-cluster names of the 2007-vintage clusters from the portal's ``clusters-list.json``.

    Returns
    -------
    pandas.DataFrame
        ``cluster_id`` (int), ``sub_cluster_id`` (int, unique within a cluster
        only), ``sub_cluster_name``; sorted by cluster and sub-cluster. The
        file does not say which NAICS codes form each sub-cluster. Clusters
        without sub-clusters (the portal writes ``{"": ""}``) have no rows.

    Examples
    --------
    >>> text = '[{"id": "clusterData/39", "key_t": "biopharmaceuticals", "name_t": "Biopharmaceuticals",'
    >>> text += ' "naics_txt": ["325411"], "sub_clusters": {"1002": "Biological Products", "1001": "Medicinals"}}]'
    >>> read_sub_clusters_2007(io.StringIO(text)).values.tolist()
    [[39, 1001, 'Medicinals'], [39, 1002, 'Biological Products']]
    """
    label = _label(path, file_label)
    data = _load_json(path, label)
    records = []
    for i, item in enumerate(data):
        cluster_id = _json_cluster_id(item["id"], label, i + 1)
        subs = item.get("sub_clusters") or {}
        if not isinstance(subs, dict):
            raise DataValidationError(
                "sub_clusters is not an object of id: name", file=label, row=i + 1, code=str(item["id"])
            )
        for key, name in subs.items():
            if str(key).strip() == "" and str(name).strip() == "":
                continue  # the portal's placeholder for "no sub-clusters"
            if not str(key).isdigit():
                raise DataValidationError(
                    f"sub-cluster id {key!r} is not a whole number", file=label, row=i + 1, code=str(item["id"])
                )
            records.append((cluster_id, int(key), str(name).strip()))
    out = pd.DataFrame(records, columns=["cluster_id", "sub_cluster_id", "sub_cluster_name"])
    return out.sort_values(["cluster_id", "sub_cluster_id"]).reset_index(drop=True)
