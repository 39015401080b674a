"""Cluster definitions (taxonomies): named groups of industry codes, loaded from YAML or CSV.

A *taxonomy* assigns industry codes of one classification (SIC 2007 in the UK,
NAICS in the US) to clusters. A code is either an exact code at the level the
data are published (a 5-digit SIC 2007 subclass, a 6-digit NAICS industry) or a
shorter prefix standing for every such code under it: SIC ``"29"`` is the six
subclasses 29100 ... 29320 of division 29. Prefixes are expanded against the
codes actually present in the data (:meth:`Taxonomy.mapping`), so a definition
cannot silently refer to industries the data do not have: an unknown code is a
:class:`~clusterplan.TaxonomyError` naming the file, the cluster and the code.

Built-in taxonomies are YAML files in the package data folder
``clusterplan/data/taxonomies``; users can load their own YAML or CSV files
through the same :func:`load_taxonomy`.

YAML layout::

    name: my_clusters                # optional, defaults to the file name
    title: My clusters               # optional
    classification: sic2007          # sic2007, naics2017, naics2012 or naics2007
    source: where the definitions come from
    description: what they are for
    clusters:
      - id: motor_vehicles           # snake_case, unique
        name: Motor vehicles         # display name
        description: ...             # optional
        codes: ["29", "45111"]       # codes or prefixes; quote them
        note: why these codes        # optional
        confidence: medium           # optional: high, medium or low

CSV layout: one row per code, columns ``cluster`` (the cluster id) and
``code``, optionally ``cluster_name``, ``description``, ``note``,
``confidence`` and ``classification`` (default ``sic2007``).

Example
-------
>>> from clusterplan.taxonomy import load_taxonomy
>>> plan = load_taxonomy("wmca_plan_for_growth")
>>> plan.classification, len(plan.clusters)
('sic2007', 8)
>>> plan.cluster("logistics").codes
('49200', '49410', '51210', '52', '53')
>>> mapping = plan.mapping(["49410", "52103", "52290", "53100", "29100"], strict=False)
>>> mapping[mapping["cluster_id"] == "logistics"]["industry_code"].tolist()
['49410', '52103', '52290', '53100']
"""

from __future__ import annotations

import os
import re
from bisect import bisect_left
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from functools import cache, lru_cache
from importlib import resources
from pathlib import Path
from typing import Any

import pandas as pd
import yaml

from .._exceptions import ClusterplanError, TaxonomyError, UnknownCodeError
from .._paths import MAX_TAXONOMY_BYTES, describe_path, path_problem

__all__ = [
    "CLASSIFICATIONS",
    "CONFIDENCE_LEVELS",
    "MAPPING_COLUMNS",
    "OVERLAP_COLUMNS",
    "Cluster",
    "Taxonomy",
    "TaxonomyInfo",
    "list_taxonomies",
    "load_taxonomy",
    "sic2007_codes",
]

#: Columns of :meth:`Taxonomy.mapping`.
MAPPING_COLUMNS = ["cluster_id", "cluster_name", "industry_code"]
#: Columns of :meth:`Taxonomy.overlaps`.
OVERLAP_COLUMNS = ["industry_code", "cluster_id", "cluster_name"]
#: How well a cluster's codes represent it.
CONFIDENCE_LEVELS = ("high", "medium", "low")

_ID = re.compile(r"^[a-z0-9][a-z0-9_]*$")
_RANGE = re.compile(r"^(\d+)-(\d+)$")
_TAXONOMY_FOLDER = ("data", "taxonomies")
_TOP_KEYS = ("name", "title", "classification", "source", "description", "clusters")
_CLUSTER_KEYS = ("id", "name", "description", "codes", "note", "confidence")
_CSV_COLUMNS = ("cluster", "code", "cluster_name", "description", "note", "confidence", "classification")


@dataclass(frozen=True)
class _Scheme:
    """What codes of one industry classification look like."""

    label: str
    leaf_digits: int  # digits of a code at the published (finest) level
    exact: str  # how the finest codes are described in messages
    example: str

    @property
    def code_pattern(self) -> re.Pattern[str]:
        return re.compile(rf"^\d{{2,{self.leaf_digits}}}$")

    @property
    def hint(self) -> str:
        return f"valid codes are {self.exact} such as {self.example}, or 2-{self.leaf_digits - 1} digit prefixes"


_SCHEMES = {
    "sic2007": _Scheme("SIC 2007", 5, "5-digit SIC 2007 subclasses", "29100"),
    "naics2017": _Scheme("NAICS 2017", 6, "6-digit NAICS 2017 industries", "336411"),
    "naics2012": _Scheme("NAICS 2012", 6, "6-digit NAICS 2012 industries", "336411"),
    "naics2007": _Scheme("NAICS 2007", 6, "6-digit NAICS 2007 industries", "336411"),
}
#: Industry classifications a taxonomy may use.
CLASSIFICATIONS = tuple(_SCHEMES)


@dataclass(frozen=True)
class Cluster:
    """One cluster: a named set of industry codes.

    Attributes
    ----------
    id
        Short snake_case identifier, unique in its taxonomy.
    name
        Display name.
    description
        What the cluster is.
    codes
        Codes as written in the definition: exact codes or prefixes.
    note
        Why these codes, and what they miss or over-include.
    confidence
        ``"high"``, ``"medium"`` or ``"low"``: how well the codes represent the
        cluster, or None when the definition does not say.
    expanded_codes
        The codes at the data's finest level that the written codes stand for,
        once the taxonomy has been checked against a list of valid codes
        (:meth:`Taxonomy.validate`); None before.
    """

    id: str
    name: str
    description: str
    codes: tuple[str, ...]
    note: str = ""
    confidence: str | None = None
    expanded_codes: tuple[str, ...] | None = None

    def __post_init__(self) -> None:
        object.__setattr__(self, "codes", tuple(self.codes))
        if self.expanded_codes is not None:
            object.__setattr__(self, "expanded_codes", tuple(self.expanded_codes))


@dataclass(frozen=True)
class TaxonomyInfo:
    """Summary of a built-in taxonomy, as listed by :func:`list_taxonomies`."""

    name: str
    title: str
    classification: str
    clusters: int
    source: str


@dataclass(frozen=True)
class Taxonomy:
    """A set of clusters over one industry classification.

    Attributes
    ----------
    name
        Identifier, e.g. ``"wmca_plan_for_growth"``.
    title, source, description
        What the taxonomy is and where its definitions come from.
    classification
        One of :data:`CLASSIFICATIONS`.
    clusters
        The clusters, in the order of the definition.
    file
        Where the definition was read from, for error messages (not compared).

    Examples
    --------
    >>> motor = Cluster("motor", "Motor vehicles", "", ("29", "45111"))
    >>> demo = Taxonomy("demo", "Demo", "sic2007", "", "", (motor,))
    >>> demo.validate(["29100", "29310", "45111", "30300"]).cluster("motor").expanded_codes
    ('29100', '29310', '45111')
    >>> demo.validate(["29100", "30300"])
    Traceback (most recent call last):
    ...
    clusterplan._exceptions.TaxonomyError: unknown SIC 2007 code '45111' in cluster 'motor' of demo; valid codes are 5-digit SIC 2007 subclasses such as 29100, or 2-4 digit prefixes
    """  # noqa: E501

    name: str
    title: str
    classification: str
    source: str
    description: str
    clusters: tuple[Cluster, ...]
    file: str = field(default="", compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "clusters", tuple(self.clusters))
        if self.classification not in _SCHEMES:
            raise TaxonomyError(
                f"{self.label}: unknown classification {self.classification!r}",
                hint=f"use one of {', '.join(CLASSIFICATIONS)}",
            )

    @property
    def label(self) -> str:
        """The file the taxonomy came from, or its name: how error messages refer to it."""
        return self.file or self.name

    @property
    def cluster_ids(self) -> tuple[str, ...]:
        """Cluster ids in definition order."""
        return tuple(c.id for c in self.clusters)

    @property
    def is_expanded(self) -> bool:
        """True once every cluster's prefixes have been expanded by :meth:`validate`."""
        return all(c.expanded_codes is not None for c in self.clusters)

    @property
    def info(self) -> TaxonomyInfo:
        """A one-line summary."""
        return TaxonomyInfo(self.name, self.title, self.classification, len(self.clusters), self.source)

    def cluster(self, cluster_id: str) -> Cluster:
        """The cluster with id *cluster_id*; :class:`UnknownCodeError` if there is none."""
        for cluster in self.clusters:
            if cluster.id == cluster_id:
                return cluster
        raise UnknownCodeError(f"cluster of {self.name}", cluster_id, list(self.cluster_ids))

    def validate(self, valid_codes: Iterable[str], *, strict: bool = True) -> Taxonomy:
        """Check every code against *valid_codes* and return a copy with expanded codes.

        Parameters
        ----------
        valid_codes
            The industry codes the data have, e.g. the 729 SIC 2007 subclasses
            of BRES (:func:`sic2007_codes`) or the codes in the warehouse. Codes
            at any level may be given: only the finest ones (those that are not
            a prefix of another valid code) are used, and for SIC 2007 only
            5-digit subclasses.
        strict
            If True (default), a written code that matches no valid code is an
            error. If False it is skipped: useful when the data lack some
            industries (US County Business Patterns do not publish every NAICS
            code in every year).

        Returns
        -------
        Taxonomy
            A copy whose clusters have ``expanded_codes`` set (sorted, unique).
            Without *strict*, a cluster none of whose codes is valid gets an
            empty tuple.

        Raises
        ------
        TaxonomyError
            A code matches nothing (with *strict*), or *valid_codes* holds no
            code of the taxonomy's classification.
        """
        scheme = _SCHEMES[self.classification]
        leaves = _leaf_codes(valid_codes, scheme)
        if not leaves:
            raise TaxonomyError(
                f"{self.label}: no {scheme.label} codes to check the clusters against",
                hint=f"pass the {scheme.exact} present in the data",
            )
        clusters = []
        for cluster in self.clusters:
            found: set[str] = set()
            for code in cluster.codes:
                matched = _expand(code, leaves)
                if not matched and strict:
                    raise TaxonomyError(
                        f"unknown {scheme.label} code {code!r} in cluster {cluster.id!r} of {self.label}",
                        hint=scheme.hint,
                    )
                found.update(matched)
            clusters.append(replace(cluster, expanded_codes=tuple(sorted(found))))
        return replace(self, clusters=tuple(clusters))

    def _expanded(self, industry_codes: Iterable[str] | None, strict: bool) -> Taxonomy:
        if industry_codes is not None:
            return self.validate(industry_codes, strict=strict)
        if self.is_expanded:
            return self
        if self.classification == "sic2007":
            return self.validate(sic2007_codes(), strict=strict)
        raise TaxonomyError(
            f"{self.label}: {self.classification} codes cannot be expanded without a list of valid codes",
            hint="pass the industry codes in the data, e.g. taxonomy.mapping(codes)",
        )

    def mapping(self, industry_codes: Iterable[str] | None = None, *, strict: bool = True) -> pd.DataFrame:
        """The cluster of every industry code: one row per (cluster, code).

        Parameters
        ----------
        industry_codes
            Valid industry codes to expand prefixes against (see :meth:`validate`).
            If None: the codes already expanded by :meth:`validate`, or for a
            SIC 2007 taxonomy the 729 subclasses of :func:`sic2007_codes`.
        strict
            See :meth:`validate`.

        Returns
        -------
        pandas.DataFrame
            Columns :data:`MAPPING_COLUMNS` (``cluster_id, cluster_name,
            industry_code``), clusters in definition order, codes sorted. A code
            in two clusters appears twice (see :meth:`overlaps`).

        Examples
        --------
        >>> mapping = load_taxonomy("wmca_plan_for_growth").mapping()
        >>> mapping[mapping["cluster_id"] == "aerospace"].values.tolist()
        [['aerospace', 'Aerospace', '30300'], ['aerospace', 'Aerospace', '33160']]
        """
        expanded = self._expanded(industry_codes, strict)
        rows = [(c.id, c.name, code) for c in expanded.clusters for code in c.expanded_codes or ()]
        return pd.DataFrame(rows, columns=MAPPING_COLUMNS)

    def overlaps(self, industry_codes: Iterable[str] | None = None, *, strict: bool = True) -> pd.DataFrame:
        """Industry codes that belong to more than one cluster (allowed, but worth knowing).

        Overlapping clusters double-count employment if their totals are added up.

        Parameters
        ----------
        industry_codes, strict
            As for :meth:`mapping`.

        Returns
        -------
        pandas.DataFrame
            Columns :data:`OVERLAP_COLUMNS`, one row per (code, cluster) for each
            code in two or more clusters, sorted by code; empty if none.

        Examples
        --------
        >>> load_taxonomy("wmca_plan_for_growth").overlaps()["cluster_id"].tolist()
        ['professional_financial_services', 'low_carbon_utilities']
        """
        mapping = self.mapping(industry_codes, strict=strict)
        shared = mapping[mapping["industry_code"].duplicated(keep=False)]
        order = {cluster_id: i for i, cluster_id in enumerate(self.cluster_ids)}
        shared = shared.assign(_order=shared["cluster_id"].map(order)).sort_values(["industry_code", "_order"])
        return shared[OVERLAP_COLUMNS].reset_index(drop=True)

    def advisories(self, industry_codes: Iterable[str] | None = None) -> list[str]:
        """What a user should know before reading results of this taxonomy: clusters that share industry codes
        (which, how many, how the double counting is handled) and clusters with the same display name.

        Codes are expanded against *industry_codes* (see :meth:`mapping`; codes that match nothing are skipped);
        without them a NAICS taxonomy is compared as written.

        Examples
        --------
        >>> load_taxonomy("wmca_plan_for_growth").advisories()  # doctest: +ELLIPSIS
        ["clusters 'professional_financial_services' and 'low_carbon_utilities' share 1 industry code (...): ..."]
        """
        if industry_codes is None and self.classification != "sic2007" and not self.is_expanded:
            industry_codes = sorted({code for cluster in self.clusters for code in cluster.codes})
        mapping = self.mapping(industry_codes, strict=False)
        notes = []
        members = mapping.groupby("industry_code", sort=True)["cluster_id"].apply(tuple)
        pairs: dict[tuple[str, str], list[str]] = {}
        for code, clusters in members.items():
            for i, first in enumerate(clusters):
                for second in clusters[i + 1 :]:
                    pairs.setdefault((first, second), []).append(str(code))
        for (first, second), codes in pairs.items():
            shown = ", ".join(codes[:5]) + (f" and {len(codes) - 5} more" if len(codes) > 5 else "")
            notes.append(
                f"clusters {first!r} and {second!r} share {len(codes)} industry code{'s' if len(codes) > 1 else ''} "
                f"({shown}): each cluster's figures count those jobs in full, so adding the two double-counts them; "
                "the total of all clusters counts each job once"
            )
        seen: dict[str, str] = {}
        for cluster in self.clusters:
            key = " ".join(cluster.name.lower().split())
            if key in seen:
                notes.append(
                    f"clusters {seen[key]!r} and {cluster.id!r} have the same name {_shown(cluster.name)}: "
                    "tables and charts cannot tell them apart; give each its own name"
                )
            else:
                seen[key] = cluster.id
        return notes

    def to_frame(self) -> pd.DataFrame:
        """The definition as written, one row per (cluster, code): the CSV layout :func:`load_taxonomy` reads."""
        rows = [
            (c.id, code, c.name, c.description, c.note, c.confidence or "", self.classification)
            for c in self.clusters
            for code in c.codes
        ]
        return pd.DataFrame(rows, columns=list(_CSV_COLUMNS))

    def to_csv(self, path: str | Path) -> Path:
        """Write :meth:`to_frame` as a UTF-8 CSV that :func:`load_taxonomy` reads back; returns the path."""
        out = Path(path)
        self.to_frame().to_csv(out, index=False)
        return out


# --------------------------------------------------------------------------- expansion


def _leaf_codes(valid_codes: Iterable[str], scheme: _Scheme) -> list[str]:
    """Sorted finest-level codes: digit codes that are not a prefix of another valid code."""
    digits = sorted(_digit_codes(valid_codes, scheme))
    if scheme.leaf_digits == 5:  # SIC: BRES and the hierarchy table publish subclasses at exactly 5 digits
        return [c for c in digits if len(c) == 5]
    # Sorted order puts a code's extensions right after it, so a prefix is followed by one of its children.
    return [c for i, c in enumerate(digits) if i + 1 == len(digits) or not digits[i + 1].startswith(c)]


def _digit_codes(valid_codes: Iterable[str], scheme: _Scheme) -> set[str]:
    pattern = scheme.code_pattern
    return {text for text in (str(c).strip() for c in valid_codes) if pattern.match(text)}


def _expand(code: str, leaves: Sequence[str]) -> list[str]:
    """Leaf codes under *code* (an exact code, a prefix, or a range of prefixes like ``31-33``)."""
    found: list[str] = []
    for prefix in _prefixes(code):
        # Leaves are sorted digit strings and ':' sorts after '9', so prefix..prefix+':' is the block under prefix.
        found.extend(leaves[bisect_left(leaves, prefix) : bisect_left(leaves, prefix + ":")])
    return found


def _prefixes(code: str) -> list[str]:
    match = _RANGE.match(code)
    if match is None:
        return [code]
    first, last = match.groups()
    return [str(n).zfill(len(first)) for n in range(int(first), int(last) + 1)]


# --------------------------------------------------------------------------- parsing


def _fail(label: str, where: str, problem: str, hint: str | None = None) -> TaxonomyError:
    return TaxonomyError(f"{label}: {where}: {problem}" if where else f"{label}: {problem}", hint=hint)


def _shown(value: object, limit: int = 40) -> str:
    """A cell as quoted in a message: at most *limit* characters of it, so a wrong file is never echoed whole."""
    text = repr(value)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _type_name(value: object, *, whole_file: bool = False) -> str:
    if isinstance(value, dict):
        return "a mapping"
    if isinstance(value, list):
        return "a list"
    if whole_file:  # a file that is one scalar (say, a symlink to a system file) is never echoed, not even in part
        return "text"
    return _shown(value)


def _text(value: object, label: str, where: str, *, required: bool = False) -> str:
    if value is None or (isinstance(value, str) and not value.strip()):
        if required:
            raise _fail(label, where, "empty value", "give it a value")
        return ""
    if isinstance(value, dict | list):
        raise _fail(label, where, f"expected text, got {_type_name(value)}")
    return str(value).strip()


def _classification(value: object, label: str, where: str) -> str:
    text = re.sub(r"[\s_-]", "", _text(value, label, where, required=True).lower())
    if text not in _SCHEMES:
        raise _fail(label, where, f"unknown classification {_shown(value)}", f"use one of {', '.join(CLASSIFICATIONS)}")
    return text


def _identifier(value: object, label: str, where: str) -> str:
    text = _text(value, label, where, required=True)
    if not _ID.match(text):
        raise _fail(
            label,
            where,
            f"{_shown(text)} is not a valid id",
            "use lower-case letters, digits and underscores (snake_case), e.g. 'health_tech'",
        )
    return text


def _confidence(value: object, label: str, where: str) -> str | None:
    text = _text(value, label, where).lower()
    if not text:
        return None
    if text not in CONFIDENCE_LEVELS:
        raise _fail(label, where, f"confidence {_shown(value)} is not one of {', '.join(CONFIDENCE_LEVELS)}")
    return text


def _code(value: object, scheme: _Scheme, label: str, where: str) -> str:
    if isinstance(value, dict | list) or value is None:
        raise _fail(label, where, f"expected a code, got {_type_name(value)}", scheme.hint)
    # Accept dotted SIC notation ("29.10" -> "2910") and stray spaces.
    text = str(value).strip().replace(".", "").replace(" ", "")
    match = _RANGE.match(text)
    parts = match.groups() if match else (text,)
    pattern = scheme.code_pattern
    if not all(pattern.match(p) for p in parts) or (match and (len(parts[0]) != len(parts[1]) or parts[0] > parts[1])):
        raise _fail(label, where, f"{_shown(value)} is not a {scheme.label} code", scheme.hint)
    return text


def _yaml_loader() -> type[yaml.SafeLoader]:
    """A safe loader that keeps every plain scalar as text (so ``01000`` stays ``'01000'``) and rejects
    duplicate keys (PyYAML would silently keep the last)."""

    # libyaml's parser when PyYAML has it (about 10 times faster on a large file), with the same safe constructors.
    base: type[yaml.SafeLoader] = getattr(yaml, "CSafeLoader", yaml.SafeLoader)

    class Loader(base):  # type: ignore[valid-type,misc]
        pass

    dropped = {
        "tag:yaml.org,2002:int",
        "tag:yaml.org,2002:float",
        "tag:yaml.org,2002:bool",
        "tag:yaml.org,2002:timestamp",
    }
    Loader.yaml_implicit_resolvers = {
        first: [(tag, regexp) for tag, regexp in resolvers if tag not in dropped]
        for first, resolvers in yaml.SafeLoader.yaml_implicit_resolvers.items()
    }

    def mapping(loader: yaml.SafeLoader, node: yaml.MappingNode) -> dict[Any, Any]:
        loader.flatten_mapping(node)
        seen: set[Any] = set()
        for key_node, _ in node.value:
            key = loader.construct_object(key_node)
            if key in seen:
                raise yaml.constructor.ConstructorError(
                    "while reading a mapping", node.start_mark, f"found duplicate key {key!r}", key_node.start_mark
                )
            seen.add(key)
        return loader.construct_mapping(node, deep=True)

    Loader.add_constructor(yaml.resolver.BaseResolver.DEFAULT_MAPPING_TAG, mapping)
    return Loader


_LOADER = _yaml_loader()


def _parse_yaml(text: str, label: str, default_name: str) -> Taxonomy:
    try:
        data = yaml.load(text, Loader=_LOADER)  # a SafeLoader subclass: no arbitrary objects
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark is not None else ""
        problem = getattr(exc, "problem", None) or str(exc).splitlines()[0]
        hint = "give each key once" if "duplicate key" in problem else "check indentation, colons and quotes"
        raise _fail(label, "", f"not valid YAML{where}: {problem}", hint) from None
    if not isinstance(data, dict):
        raise _fail(
            label,
            "",
            f"expected a mapping with keys {', '.join(_TOP_KEYS)}, got {_type_name(data, whole_file=True)}",
            None,
        )
    _check_keys(data, _TOP_KEYS, ("classification", "clusters"), label, "")
    name = _identifier(data["name"], label, "name") if data.get("name") is not None else default_name
    classification = _classification(data["classification"], label, "classification")
    scheme = _SCHEMES[classification]
    raw_clusters = data["clusters"]
    if not isinstance(raw_clusters, list):
        raise _fail(label, "clusters", f"expected a list of clusters, got {_type_name(raw_clusters)}")
    if not raw_clusters:
        raise _fail(label, "clusters", "empty list", "define at least one cluster")
    clusters: list[Cluster] = []
    first_seen: dict[str, int] = {}
    for i, raw in enumerate(raw_clusters):
        where = f"clusters[{i}]"
        if not isinstance(raw, dict):
            raise _fail(label, where, f"expected a mapping with keys {', '.join(_CLUSTER_KEYS)}, got {_type_name(raw)}")
        _check_keys(raw, _CLUSTER_KEYS, ("id", "name", "codes"), label, where)
        cluster_id = _identifier(raw["id"], label, f"{where}.id")
        if cluster_id in first_seen:
            raise _fail(
                label,
                f"{where}.id",
                f"duplicate cluster id {cluster_id!r} (also clusters[{first_seen[cluster_id]}].id)",
            )
        first_seen[cluster_id] = i
        raw_codes = raw["codes"]
        if not isinstance(raw_codes, list):
            raise _fail(
                label,
                f"{where}.codes",
                f"expected a list of codes, got {_type_name(raw_codes)}",
                f'write a list, e.g. codes: ["{scheme.example}"]',
            )
        if not raw_codes:
            raise _fail(label, f"{where}.codes", "empty list", "a cluster needs at least one code")
        codes: list[str] = []
        for j, value in enumerate(raw_codes):
            code = _code(value, scheme, label, f"{where}.codes[{j}]")
            if code in codes:
                raise _fail(label, f"{where}.codes[{j}]", f"code {code!r} is listed twice in cluster {cluster_id!r}")
            codes.append(code)
        clusters.append(
            Cluster(
                id=cluster_id,
                name=_text(raw["name"], label, f"{where}.name", required=True),
                description=_text(raw.get("description"), label, f"{where}.description"),
                codes=tuple(codes),
                note=_text(raw.get("note"), label, f"{where}.note"),
                confidence=_confidence(raw.get("confidence"), label, f"{where}.confidence"),
            )
        )
    return Taxonomy(
        name=name,
        title=_text(data.get("title"), label, "title") or name,
        classification=classification,
        source=_text(data.get("source"), label, "source"),
        description=_text(data.get("description"), label, "description"),
        clusters=tuple(clusters),
        file=label,
    )


def _check_keys(data: dict[Any, Any], allowed: Sequence[str], required: Sequence[str], label: str, where: str) -> None:
    for key in data:
        if key not in allowed:
            raise _fail(label, where, f"unknown key {key!r}", f"expected keys: {', '.join(allowed)}")
    for key in required:
        if key not in data:
            path = f"{where}.{key}" if where else key
            raise _fail(label, path, "missing key", f"required keys: {', '.join(required)}")


def _parse_csv(path: Path, label: str, classification: str | None) -> Taxonomy:
    try:
        raw = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
    except (UnicodeDecodeError, pd.errors.ParserError, pd.errors.EmptyDataError) as exc:
        raise _fail(label, "", f"not a readable CSV ({exc.__class__.__name__}: {exc})") from None
    raw.columns = [str(c).strip().lower() for c in raw.columns]
    unknown = [c for c in raw.columns if c not in _CSV_COLUMNS]
    if unknown:
        raise _fail(
            label, "", f"unknown column(s) {', '.join(unknown)}", f"expected columns: {', '.join(_CSV_COLUMNS)}"
        )
    missing = [c for c in ("cluster", "code") if c not in raw.columns]
    if missing:
        raise _fail(label, "", f"missing column(s) {', '.join(missing)}", "a taxonomy CSV needs columns cluster, code")
    if raw.empty:
        raise _fail(label, "", "no data rows", "one row per (cluster, code)")
    column_classes = {v.strip() for v in raw.get("classification", pd.Series(dtype=str)) if v.strip()}
    if len(column_classes) > 1:
        raise _fail(
            label, "column 'classification'", f"more than one classification ({', '.join(sorted(column_classes))})"
        )
    written = column_classes.pop() if column_classes else (classification or "sic2007")
    chosen = _classification(written, label, "column 'classification'")
    scheme = _SCHEMES[chosen]
    order: list[str] = []
    codes: dict[str, list[str]] = {}
    attributes: dict[str, dict[str, tuple[str, int]]] = {}
    for i, row in enumerate(raw.to_dict("records"), start=1):
        where = f"row {i}"
        cluster_id = _identifier(row["cluster"], label, f"{where}, column 'cluster'")
        code = _code(row["code"], scheme, label, f"{where}, column 'code'")
        if cluster_id not in codes:
            order.append(cluster_id)
            codes[cluster_id] = []
            attributes[cluster_id] = {}
        if code in codes[cluster_id]:
            raise _fail(label, where, f"code {code!r} is listed twice in cluster {cluster_id!r}")
        codes[cluster_id].append(code)
        for column in ("cluster_name", "description", "note", "confidence"):
            value = str(row.get(column, "")).strip()
            if not value:
                continue
            previous = attributes[cluster_id].get(column)
            if previous is not None and previous[0] != value:
                raise _fail(
                    label,
                    f"{where}, column {column!r}",
                    f"cluster {cluster_id!r} has {column} {value!r} here but {previous[0]!r} in row {previous[1]}",
                    "give it once, or the same on every row",
                )
            attributes[cluster_id][column] = (value, i)
    clusters = []
    for cluster_id in order:
        values = {column: value for column, (value, _) in attributes[cluster_id].items()}
        clusters.append(
            Cluster(
                id=cluster_id,
                name=values.get("cluster_name", cluster_id),
                description=values.get("description", ""),
                codes=tuple(codes[cluster_id]),
                note=values.get("note", ""),
                confidence=_confidence(values.get("confidence"), label, f"cluster {cluster_id!r}, column 'confidence'"),
            )
        )
    return Taxonomy(
        name=path.stem,
        title=path.stem,
        classification=chosen,
        source=f"user definitions in {path.name}",
        description="",
        clusters=tuple(clusters),
        file=label,
    )


# --------------------------------------------------------------------------- public loaders


def _builtin_folder() -> Any:
    return resources.files("clusterplan").joinpath(*_TAXONOMY_FOLDER)


def _builtin_names() -> list[str]:
    folder = _builtin_folder()
    return sorted(entry.name[: -len(".yaml")] for entry in folder.iterdir() if entry.name.endswith(".yaml"))


def list_taxonomies() -> list[TaxonomyInfo]:
    """The built-in taxonomies (package data ``clusterplan/data/taxonomies/*.yaml``), sorted by name.

    Examples
    --------
    >>> [(t.name, t.classification, t.clusters) for t in list_taxonomies()]  # doctest: +ELLIPSIS
    [...('wmca_plan_for_growth', 'sic2007', 8)...]
    """
    return [load_taxonomy(name).info for name in _builtin_names()]


def load_taxonomy(
    name_or_path: str | Path,
    *,
    valid_codes: Iterable[str] | None = None,
    classification: str | None = None,
    strict: bool = True,
) -> Taxonomy:
    """Load a built-in taxonomy by name, or a user's YAML or CSV file.

    Parameters
    ----------
    name_or_path
        A built-in name (see :func:`list_taxonomies`), or the path of a
        ``.yaml``/``.yml`` or ``.csv`` file (layouts in the module docstring).
    valid_codes
        If given, check the codes against them and expand prefixes
        (:meth:`Taxonomy.validate`); otherwise the codes are only checked for
        their form and expanded later by :meth:`Taxonomy.mapping`.
    classification
        For a CSV without a ``classification`` column: its classification
        (default ``"sic2007"``). Ignored for YAML, which must say.
    strict
        See :meth:`Taxonomy.validate`.

    Raises
    ------
    UnknownCodeError
        *name_or_path* is neither a built-in name nor an existing file.
    TaxonomyError
        The file is unreadable or invalid; the message names the file, the key
        path (``clusters[2].codes``) or CSV row, and the problem.

    Examples
    --------
    >>> plan = load_taxonomy("wmca_plan_for_growth", valid_codes=sic2007_codes())
    >>> plan.cluster("ev_batteries").expanded_codes
    ('27200', '29100', '29310', '29320')
    """
    text = str(name_or_path)
    looks_like_path = isinstance(name_or_path, Path) or "/" in text or "\\" in text or "." in text
    if not looks_like_path and text in _builtin_names():
        taxonomy = _builtin_taxonomy(text)
    else:
        path = Path(text)
        if not looks_like_path and not os.path.lexists(text):
            raise UnknownCodeError(
                "taxonomy", text, _builtin_names(), hint="or give the path of a .yaml or .csv taxonomy file"
            )
        problem = path_problem(path, max_bytes=MAX_TAXONOMY_BYTES, limit_name="taxonomy files")
        text = describe_path(path)
        if problem is not None:
            raise TaxonomyError(f"{text}: {problem}", hint="give the path of a .yaml or .csv file")
        suffix = path.suffix.lower()
        if suffix in (".yaml", ".yml"):
            try:
                content = path.read_text(encoding="utf-8")
            except UnicodeDecodeError:
                raise _fail(text, "", "not UTF-8 text", "save the file as UTF-8") from None
            taxonomy = _parse_yaml(content, text, path.stem)
        elif suffix == ".csv":
            taxonomy = _parse_csv(path, text, classification)
        else:
            raise TaxonomyError(f"{text}: unknown taxonomy file type {suffix!r}", hint="use .yaml, .yml or .csv")
    if valid_codes is not None:
        taxonomy = taxonomy.validate(valid_codes, strict=strict)
    return taxonomy


@cache
def _builtin_taxonomy(name: str) -> Taxonomy:
    """A built-in taxonomy, parsed once per process (a Taxonomy is immutable, so every caller can share it: the
    web app asks for one on every profile, and parsing its YAML again took about 6 ms)."""
    resource = _builtin_folder().joinpath(f"{name}.yaml")
    return _parse_yaml(resource.read_text(encoding="utf-8"), f"{name}.yaml", name)


@lru_cache(maxsize=1)
def _sic2007_subclasses() -> tuple[str, ...]:
    resource = resources.files("clusterplan").joinpath("data", "industries_sic2007.parquet")
    try:
        with resources.as_file(resource) as path:
            table = pd.read_parquet(path, columns=["industry_code", "industry_level"])
    except (FileNotFoundError, OSError):
        raise ClusterplanError(
            "package data industries_sic2007.parquet is missing",
            hint="reinstall clusterplan, or rebuild the package data (builder 'lookups')",
        ) from None
    codes = table.loc[table["industry_level"] == "subclass", "industry_code"].astype(str)
    return tuple(sorted(codes))


def sic2007_codes() -> list[str]:
    """The 729 SIC 2007 5-digit codes BRES publishes (package data ``industries_sic2007.parquet``).

    They are the SIC 2007 subclasses plus ``01000``, NOMIS's row for DEFRA /
    Scottish Government agricultural data, which BRES uses instead of the
    subclasses of group 011-015.

    Examples
    --------
    >>> codes = sic2007_codes()
    >>> len(codes), codes[0], codes[-1]
    (729, '01000', '99000')
    """
    return list(_sic2007_subclasses())
