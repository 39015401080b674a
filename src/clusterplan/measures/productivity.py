r"""Labour productivity (GVA per job) by industry and by cluster, from regional GVA and BRES employment.

Two published sources meet here:

* ONS *Regional gross value added (balanced) by industry* (datasets
  ``gva_itl1_*``, ``gva_itl2_*``, ``gva_itl3_*``): £ million for a fixed set of
  industry *rows* per area, classification ``ons_gva_sic07``. The rows overlap
  and differ by level: the ITL2 table has 96 rows (``Total``, the sectors
  ``A-E`` and ``G-T``, sections such as ``C (10-33)``, sub-sections such as
  ``CA (10-12)``, divisions such as ``29`` and groups of divisions such as
  ``14-15``), the ITL3 table only 64 (manufacturing is split no finer than
  sub-sections such as ``CK-CL (28-30)``; services into divisions and groups
  such as ``49-51``), the ITL1 table 107.
* BRES employment (employees plus working owners) by SIC 2007 division or
  subclass (``bres_itl2_sic2``, ``bres_itl2_sic5``; 40 GB ITL2 areas,
  2015-2021), or employment a user imported for ITL3 areas or local authority
  districts.

**The SIC → GVA row mapping** is derived at run time from the row codes
themselves, never typed in: each row code states the SIC 2007 divisions it
covers (``14-15`` is divisions 14 and 15, ``CD-CF (19-21)`` divisions 19-21,
``G-T`` sections G to T, ``Total`` every division). :func:`gva_row_divisions`
lists every division of every row; :func:`sic_to_gva_rows` picks, for each of
the 88 SIC 2007 divisions, the *finest* row containing it (fewest divisions;
on a tie the more detailed kind of row, so division 68 maps to ``68`` rather
than ``L (68)``); :func:`map_sic_codes` carries that to 5-digit subclasses
through their division. In the published tables the finest rows partition the
divisions (every division of a finest row maps to that row), which is what
lets :func:`cluster_productivity` apportion each row's GVA without loss
(``Total``, the finest row of division 99 alone, is the one exception).

**Imputed rent.** Row ``68IMP`` is owner-occupiers' imputed rental: the rent
home owners are deemed to pay themselves. It is part of GVA (of ``L (68)``,
``G-T`` and ``Total``) but no one is employed to produce it, so a GVA per job
that includes it overstates productivity, most where house prices are high
(in the West Midlands, TLG3, it was £5.3 bn of £70.0 bn GVA in 2021). By
default (``exclude_imputed_rent=True``) it is subtracted from every row that
contains it; real estate's GVA per job is then that of row ``68`` ("real
estate activities, excluding imputed rental"). ``68IMP`` itself is never
given an employment count.

**Division 99** (section U, extraterritorial organisations) is in no row of the
GVA tables except ``Total``, so it maps to ``Total``; BRES publishes 0 jobs
for it in every ITL2 area, 2015-2021.

The warehouse reading (which GVA table, which employment, Great Britain's sums)
and :func:`~clusterplan.pipeline.productivity.gva_per_job` and
:func:`~clusterplan.pipeline.productivity.cluster_productivity` are in
:mod:`clusterplan.pipeline.productivity`; this module is the maths on frames.

References
----------
Office for National Statistics (2024). *Regional gross value added (balanced)
by industry: all ITL regions*, release of 24 April 2024.

Office for National Statistics (2018). *Regional and sub-regional productivity
in the UK: February 2018* (GVA per filled job as a measure of labour
productivity).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._exceptions import ParameterError, UnknownCodeError
from ..datasets import BRES_DIVISION, BRES_SUBCLASS

if TYPE_CHECKING:  # pragma: no cover - imported for annotations only
    from ..taxonomy import Taxonomy

__all__ = [
    "CLUSTER_PRODUCTIVITY_COLUMNS",
    "GREAT_BRITAIN",
    "GVA_LEVELS",
    "GVA_PER_JOB_COLUMNS",
    "IMPUTED_RENT",
    "SIC2007_DIVISIONS",
    "SIC2007_SECTIONS",
    "gva_row_divisions",
    "map_sic_codes",
    "sic_to_gva_rows",
]

#: SIC 2007 sections and the range of divisions each contains (first, last).
SIC2007_SECTIONS: dict[str, tuple[int, int]] = {
    "A": (1, 3),
    "B": (5, 9),
    "C": (10, 33),
    "D": (35, 35),
    "E": (36, 39),
    "F": (41, 43),
    "G": (45, 47),
    "H": (49, 53),
    "I": (55, 56),
    "J": (58, 63),
    "K": (64, 66),
    "L": (68, 68),
    "M": (69, 75),
    "N": (77, 82),
    "O": (84, 84),
    "P": (85, 85),
    "Q": (86, 88),
    "R": (90, 93),
    "S": (94, 96),
    "T": (97, 98),
    "U": (99, 99),
}
#: The 88 SIC 2007 divisions, as two-digit strings ("01" ... "99"; 04, 34, 40, 44, 48, 54, 57, 67, 76, 83, 89
#: do not exist).
SIC2007_DIVISIONS: tuple[str, ...] = tuple(
    f"{d:02d}" for first, last in SIC2007_SECTIONS.values() for d in range(first, last + 1)
)
#: Kinds of GVA row, finest first: the order that breaks ties between rows covering the same divisions.
GVA_LEVELS = ("division", "division_group", "subsection", "section", "section_group", "sector", "total")
#: The GVA row of owner-occupiers' imputed rental.
IMPUTED_RENT = "68IMP"
#: GSS code of Great Britain, the benchmark (BRES covers Great Britain only).
GREAT_BRITAIN = "K03000001"

#: Columns of :func:`gva_per_job`.
GVA_PER_JOB_COLUMNS = [
    "area_code",
    "gva_industry_code",
    "gva_industry_name",
    "gva_level",
    "year",
    "gva_gbp_million",
    "employment",
    "gva_per_job_gbp",
]
#: Columns of :func:`cluster_productivity`.
CLUSTER_PRODUCTIVITY_COLUMNS = [
    "cluster_id",
    "cluster_name",
    "area_code",
    "year",
    "employment",
    "gva_gbp_million",
    "gva_per_job_gbp",
    "benchmark_employment",
    "benchmark_gva_gbp_million",
    "benchmark_gva_per_job_gbp",
    "relative_productivity",
    "gva_rows",
]

_LEVELS = ("itl1", "itl2", "itl3")
_PRICES = {"current": "current_prices", "chained_volume": "chained_volume"}
_EMBEDDED_EMPLOYMENT = {"division": BRES_DIVISION, "subclass": BRES_SUBCLASS}
_SIC = "sic2007"
_GVA_CLASSIFICATION = "ons_gva_sic07"
# Finer geographies whose employment can be summed to each ITL level (coarsest first).
_SOURCE_LEVELS = {"itl1": ("itl1", "itl2", "itl3", "lad"), "itl2": ("itl2", "itl3", "lad"), "itl3": ("itl3", "lad")}
_NUMERIC_ROW = re.compile(r"^(\d{1,2})(?:-(\d{1,2}))?$")
_LETTERED_ROW = re.compile(r"^([A-Z]{1,2})(?:-([A-Z]{1,2}))? \((\d{1,2})(?:-(\d{1,2}))?\)$")
_SECTOR_ROW = re.compile(r"^([A-Z])-([A-Z])$")
_IMPORT_HINT = (
    "download BRES employment for local authority districts or ITL3 areas by SIC 2007 division or subclass "
    "from NOMIS and load it with `clusterplan data import FILE --format nomis`, or use level='itl2'"
)


# -- the SIC 2007 -> GVA row mapping --------------------------------------------------------------------------------
def _division_range(first: int, last: int) -> list[str]:
    return [d for d in SIC2007_DIVISIONS if first <= int(d) <= last]


def _row_divisions(code: str) -> tuple[list[str], str] | None:
    """The SIC divisions a GVA row covers and the kind of row; None for imputed rent (no divisions)."""
    code = code.strip()
    if code == IMPUTED_RENT:
        return None
    if code == "Total":
        return list(SIC2007_DIVISIONS), "total"
    numeric = _NUMERIC_ROW.match(code)
    if numeric:
        first = int(numeric.group(1))
        last = int(numeric.group(2) or first)
        return _division_range(first, last), "division" if numeric.group(2) is None else "division_group"
    lettered = _LETTERED_ROW.match(code)
    if lettered:
        letters, to_letters, first_text, last_text = lettered.groups()
        first = int(first_text)
        last = int(last_text or first)
        if re.fullmatch(r"C[A-M]", letters):
            kind = "subsection"  # CA (10-12) ... CM (31-33) and their combinations (CD-CF)
        elif len(letters) == 1 and to_letters is None:
            kind = "section"
        else:
            kind = "section_group"  # AB (1-9), DE (35-39)
        return _division_range(first, last), kind
    sector = _SECTOR_ROW.match(code)
    if sector and sector.group(1) in SIC2007_SECTIONS and sector.group(2) in SIC2007_SECTIONS:
        sections = [s for s in SIC2007_SECTIONS if sector.group(1) <= s <= sector.group(2)]
        return [d for s in sections for d in _division_range(*SIC2007_SECTIONS[s])], "sector"
    raise ParameterError(
        f"cannot tell which SIC 2007 divisions the GVA industry row {code!r} covers; expected 'Total', a sector "
        "such as 'A-E', a section such as 'C (10-33)', a division such as '29', a group such as '14-15' or '68IMP'"
    )


def gva_row_divisions(gva_industry_codes: Iterable[str]) -> pd.DataFrame:
    """Every SIC 2007 division each GVA industry row covers, read from the row codes.

    Parameters
    ----------
    gva_industry_codes
        Industry row codes of an ONS regional GVA table (classification
        ``ons_gva_sic07``), e.g. ``["Total", "C (10-33)", "14-15", "68IMP"]``.

    Returns
    -------
    pandas.DataFrame
        ``sic2_code, gva_industry_code, gva_level``: one row per row and
        division it covers; ``gva_level`` is one of :data:`GVA_LEVELS`.
        ``68IMP`` (imputed rent) covers no division and is left out.

    Raises
    ------
    ParameterError
        A code is not in any of the forms the GVA tables use.

    Examples
    --------
    >>> rows = gva_row_divisions(["B (5-9)", "14-15", "68IMP"])
    >>> rows.groupby("gva_industry_code")["sic2_code"].apply(list).to_dict()
    {'14-15': ['14', '15'], 'B (5-9)': ['05', '06', '07', '08', '09']}
    """
    records: list[tuple[str, str, str]] = []
    for code in dict.fromkeys(str(c).strip() for c in gva_industry_codes):
        parsed = _row_divisions(code)
        if parsed is None:
            continue
        divisions, kind = parsed
        records.extend((division, code, kind) for division in divisions)
    return pd.DataFrame(records, columns=["sic2_code", "gva_industry_code", "gva_level"])


def sic_to_gva_rows(gva_industry_codes: Iterable[str], *, strict: bool = True) -> pd.DataFrame:
    """The finest GVA industry row containing each SIC 2007 division.

    Parameters
    ----------
    gva_industry_codes
        The industry row codes of one GVA table (they differ between the ITL1,
        ITL2 and ITL3 tables).
    strict
        Raise if a division is in no row; with False such divisions are
        returned with a missing ``gva_industry_code`` so that they can be
        counted.

    Returns
    -------
    pandas.DataFrame
        ``sic2_code, gva_industry_code, gva_level``: one row for each of the 88
        divisions (:data:`SIC2007_DIVISIONS`), in order.

    Raises
    ------
    ParameterError
        (*strict*) some divisions are in no row; the message counts and lists them.

    Notes
    -----
    The finest row is the one covering the fewest divisions; between rows
    covering the same divisions the more detailed kind wins (order of
    :data:`GVA_LEVELS`): ``68`` (real estate excluding imputed rental) beats
    ``L (68)``, ``9`` beats ``B (5-9)`` where both exist. In the ITL3 table
    manufacturing divisions map to sub-sections (division 29 to
    ``CK-CL (28-30)``), in the ITL2 table mostly to divisions (29 to ``29``).

    Examples
    --------
    >>> rows = sic_to_gva_rows(["Total", "C (10-33)", "CL (29-30)", "29", "L (68)", "68", "68IMP"])
    >>> rows.set_index("sic2_code").loc[["29", "30", "68", "01"], "gva_industry_code"].tolist()
    ['29', 'CL (29-30)', '68', 'Total']
    """
    contains = gva_row_divisions(gva_industry_codes)
    sizes = contains.groupby("gva_industry_code")["sic2_code"].transform("size")
    ranked = contains.assign(_size=sizes, _rank=contains["gva_level"].map(GVA_LEVELS.index))
    finest = ranked.sort_values(["sic2_code", "_size", "_rank"]).drop_duplicates("sic2_code")
    out = pd.DataFrame({"sic2_code": list(SIC2007_DIVISIONS)}).merge(
        finest[["sic2_code", "gva_industry_code", "gva_level"]], on="sic2_code", how="left"
    )
    unmatched = out.loc[out["gva_industry_code"].isna(), "sic2_code"].tolist()
    if unmatched and strict:
        raise ParameterError(
            f"{len(unmatched)} SIC 2007 divisions are in no GVA industry row: {', '.join(unmatched)}",
            hint="pass every row code of the GVA table, including 'Total'",
        )
    return out


def map_sic_codes(sic_codes: Iterable[str], mapping: pd.DataFrame) -> pd.DataFrame:
    """The GVA row of each SIC 2007 code (a 2-digit division or a 3- to 5-digit group, class or subclass).

    Parameters
    ----------
    sic_codes
        SIC 2007 codes; a code maps through its division (first two digits).
    mapping
        Output of :func:`sic_to_gva_rows`.

    Returns
    -------
    pandas.DataFrame
        ``sic_code, sic2_code, gva_industry_code, gva_level``, one row per code.

    Raises
    ------
    UnknownCodeError
        A code is not 2-5 digits or its division does not exist in SIC 2007.

    Examples
    --------
    >>> mapping = sic_to_gva_rows(["Total", "C (10-33)", "29"])
    >>> map_sic_codes(["29100", "10110"], mapping)["gva_industry_code"].tolist()
    ['29', 'C (10-33)']
    """
    codes = [str(c).strip() for c in sic_codes]
    for code in codes:
        if not re.fullmatch(r"\d{2,5}", code) or code[:2] not in SIC2007_DIVISIONS:
            raise UnknownCodeError(
                "SIC 2007 code", code, hint="give 2-digit divisions to 5-digit subclasses such as '29' or '29100'"
            )
    frame = pd.DataFrame({"sic_code": codes, "sic2_code": [c[:2] for c in codes]})
    return frame.merge(mapping[["sic2_code", "gva_industry_code", "gva_level"]], on="sic2_code", how="left")


# -- checks ----------------------------------------------------------------------------------------------------------
def _check_choice(name: str, value: str, choices: Sequence[str]) -> None:
    if value not in choices:
        raise ParameterError(f"{name} must be one of {', '.join(map(repr, choices))}, not {value!r}")


# -- GVA per job by GVA industry row ---------------------------------------------------------------------------------
def _gva_dataset(level: str, prices: str) -> str:
    _check_choice("level", level, _LEVELS)
    _check_choice("prices", prices, tuple(_PRICES))
    return f"gva_{level}_{_PRICES[prices]}"


def _years(wanted: int | Sequence[int] | None, gva_years: Iterable[int], employment_years: Iterable[int]) -> list[int]:
    common = sorted(set(int(y) for y in gva_years) & set(int(y) for y in employment_years))
    if not common:
        raise ParameterError("the GVA and employment datasets have no year in common")
    if wanted is None:
        return common
    asked = [int(wanted)] if isinstance(wanted, int | np.integer) else [int(y) for y in wanted]
    for year in asked:
        if year not in common:
            raise UnknownCodeError(
                "year", str(year), [str(y) for y in common], hint="only years in both the GVA and employment data"
            )
    return sorted(set(asked))


def _without_imputed_rent(gva: pd.DataFrame, contains: pd.DataFrame) -> pd.DataFrame:
    """Subtract row 68IMP from every aggregate row covering division 68 (L (68), G-T, Total)."""
    with_68 = set(
        contains.loc[(contains["sic2_code"] == "68") & (contains["gva_level"] != "division"), "gva_industry_code"]
    )
    rent = gva[gva["gva_industry_code"] == IMPUTED_RENT].set_index(["area_code", "year"])["gva_gbp_million"]
    if rent.empty or not with_68:
        return gva.assign(_adjusted=False)
    adjusted = gva["gva_industry_code"].isin(with_68).to_numpy()
    keys = pd.MultiIndex.from_frame(gva[["area_code", "year"]])
    subtract = rent.reindex(keys).fillna(0.0).to_numpy()
    values = gva["gva_gbp_million"].to_numpy(dtype=float) - np.where(adjusted, subtract, 0.0)
    return gva.assign(gva_gbp_million=values, _adjusted=adjusted)


def _row_employment(employment: pd.DataFrame, mapping: pd.DataFrame) -> pd.DataFrame:
    """Division employment summed to GVA rows; NaN where a division or constituent area is missing."""
    expected = mapping.groupby("gva_industry_code")["sic2_code"].nunique().rename("expected")
    usable = employment.assign(
        employment=employment["employment"].where(employment["sources"] >= employment["members"])
    )
    joined = usable.merge(
        mapping[["sic2_code", "gva_industry_code"]], left_on="code", right_on="sic2_code", how="inner"
    )
    joined["_missing"] = joined["employment"].isna()
    grouped = joined.groupby(["area_code", "year", "gva_industry_code"], as_index=False).agg(
        employment=("employment", "sum"), missing=("_missing", "sum"), divisions=("sic2_code", "nunique")
    )
    grouped = grouped.join(expected, on="gva_industry_code")
    complete = (grouped["missing"] == 0) & (grouped["divisions"] == grouped["expected"])
    grouped["employment"] = grouped["employment"].where(complete)
    return grouped[["area_code", "year", "gva_industry_code", "employment"]]


# -- clusters ----------------------------------------------------------------------------------------------------------
def _cluster_mapping(taxonomy_mapping: pd.DataFrame | Taxonomy, codes: Sequence[str], dataset: str) -> pd.DataFrame:
    if isinstance(taxonomy_mapping, pd.DataFrame):
        mapping = taxonomy_mapping
    elif hasattr(taxonomy_mapping, "mapping"):
        mapping = taxonomy_mapping.mapping(codes)
    else:
        raise ParameterError("taxonomy_mapping must be a Taxonomy or a DataFrame with cluster_id and industry_code")
    missing = {"cluster_id", "industry_code"} - set(mapping.columns)
    if missing:
        raise ParameterError(f"taxonomy mapping lacks columns {sorted(missing)}; use Taxonomy.mapping()")
    mapping = mapping.assign(industry_code=mapping["industry_code"].astype(str).str.strip())
    if "cluster_name" not in mapping.columns:
        mapping = mapping.assign(cluster_name=mapping["cluster_id"])
    unknown = sorted(set(mapping["industry_code"]) - set(codes))
    if unknown:
        raise ParameterError(
            f"{len(unknown)} codes of the taxonomy mapping are not among the codes of dataset {dataset!r} "
            f"(first {unknown[0]!r})",
            hint="expand the taxonomy against the data's codes: taxonomy.mapping(codes)",
        )
    return mapping[["cluster_id", "cluster_name", "industry_code"]].drop_duplicates()


def _cluster_gva(codes: pd.DataFrame, per_job: pd.Series) -> pd.DataFrame:
    """Apportion row GVA to codes by employment; sum to clusters. *codes* has cluster, code, row, employment."""
    rate = codes["gva_industry_code"].map(per_job).to_numpy(dtype=float)
    jobs = codes["employment"].to_numpy(dtype=float)
    # A code without jobs contributes nothing, even where its row's GVA per job is undefined.
    gva = np.where(jobs == 0, 0.0, jobs * rate / 1e6)
    groups = codes.groupby("cluster_id", sort=False)
    grouped = groups.agg(employment=("employment", "sum"))
    # Each cluster's GVA is the sum of its codes' in row order (numpy's sum, as Series.sum gives it), unknown
    # when any code's is: one sum per cluster over the positions grouped once, not a Python function per group.
    positions = groups.indices
    parts = [gva[positions[cluster]] for cluster in grouped.index]
    grouped["gva_gbp_million"] = np.array(
        [float(part.sum()) if not np.isnan(part).any() else np.nan for part in parts], dtype=float
    )
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = grouped["gva_gbp_million"].to_numpy(dtype=float) * 1e6 / grouped["employment"].to_numpy(dtype=float)
    grouped["gva_per_job_gbp"] = np.where(np.isfinite(ratio), ratio, np.nan)
    return grouped


def _row_key(code: Any) -> tuple[str, int]:
    parsed = _row_divisions(str(code))
    divisions = parsed[0] if parsed else ["68"]
    return divisions[0], -len(divisions)
