"""Employment matrices read from the warehouse for the traded/local and coverage measures.

The measures themselves (:mod:`clusterplan.measures.traded`) take frames; this
reads one dataset's facts through the warehouse's named queries and hands them over.
"""

from __future__ import annotations

from .._exceptions import ParameterError
from ..measures.traded import EmploymentMatrix
from .profile import AnyWarehouse

__all__ = ["warehouse_employment_matrix"]


def warehouse_employment_matrix(
    warehouse: AnyWarehouse,
    dataset: str,
    *,
    year: int | None = None,
    measure: str = "employment",
    total_code: str | None = "auto",
) -> EmploymentMatrix:
    """One dataset's employment in the warehouse as an :class:`~clusterplan.measures.traded.EmploymentMatrix`.

    Parameters
    ----------
    warehouse
        An open warehouse.
    dataset
        Dataset name, e.g. ``us_cbp_2019_cbsa``.
    year, measure
        As for :meth:`EmploymentMatrix.from_facts`.
    total_code
        Industry code of the published all-industries total. ``"auto"``: the
        code(s) the warehouse's industry dimension calls ``total``. None: sum
        the finest industries.

    Returns
    -------
    EmploymentMatrix

    Raises
    ------
    UnknownCodeError
        An unknown dataset, or a year the data do not have.
    ParameterError
        The dataset is not a facts table.
    """
    info = warehouse.dataset_info(dataset)  # UnknownCodeError for an unknown dataset
    if info["kind"] != "facts":
        raise ParameterError(f"dataset {dataset!r} is a {info['kind']} table, not facts")
    rows = warehouse.facts_frame(
        dataset, ("area_code", "industry_code", "year", "value", "classification"), measure=measure, breakdown="all"
    )
    classes = sorted(set(rows["classification"].dropna()))
    classification = classes[0] if len(classes) == 1 else None
    totals = warehouse.published_total_codes(classification) if total_code == "auto" else total_code
    return EmploymentMatrix.from_facts(
        rows.assign(measure=measure), dataset, year=year, measure=measure, total_code=totals
    )
