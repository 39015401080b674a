"""Economic impact of a change in final demand, output or jobs: direct, indirect and induced effects.

A change in what final users buy from an industry (or a cluster of industries)
in a region ripples through its supply chain: the industry's own extra output
(direct effect), the extra output of its suppliers, their suppliers and so on
(indirect effect, the Type I Leontief model) and the extra output bought with
the wages those jobs pay (induced effect, the model closed to households, Type
II). Each output effect is turned into GVA and jobs with the direct
coefficients (GVA per £ of output, jobs per £1m of output).

With :math:`\\Delta f` the change in final demand (£ million), :math:`L` the
Leontief inverse and :math:`\\bar{L}_{nn}` the industry block of the inverse
of the household-closed model:

* direct output :math:`\\Delta f`;
* indirect output :math:`L \\Delta f - \\Delta f`;
* induced output :math:`\\bar{L}_{nn} \\Delta f - L \\Delta f`;
* GVA :math:`\\hat{v}` and jobs :math:`\\hat{e}` times each output effect.

The change can be given three ways (``unit``):

``gbp_m``
    final demand, £ million;
``output``
    direct output, £ million. New output sold to final users outside the
    model (a new plant's sales, say) buys inputs :math:`A \\Delta x`, whose
    supply chain adds :math:`L A \\Delta x = (L - I) \\Delta x`: the same
    arithmetic as a change in final demand of the same size;
``jobs``
    direct jobs, converted to direct output with the (regional) employment
    coefficient, jobs per £1m of output: :math:`\\Delta x_j = \\Delta jobs_j / e_j`.

A cluster's change is shared among its industries in proportion to the
cluster's output in each (or employment, for ``jobs``); see
:func:`direct_change`.

References
----------
Miller, R. E. and Blair, P. D. (2009). *Input-Output Analysis: Foundations and
Extensions*, 2nd ed., sections 2.5 and 6.2. Cambridge University Press.

Office for National Statistics (2022). *Input-output analytical tables: guidance for use*.

Examples
--------
Miller and Blair's two-sector economy, £100m more final demand for sector 1:

>>> import pandas as pd
>>> from clusterplan.inputoutput.iomath import technical_coefficients
>>> Z = pd.DataFrame([[150.0, 500.0], [200.0, 100.0]], index=["1", "2"], columns=["1", "2"])
>>> A = technical_coefficients(Z, pd.Series([1000.0, 2000.0], index=["1", "2"]))
>>> result = impact_effects(A, pd.Series({"1": 100.0, "2": 0.0}))
>>> result.totals["output_gbp_m"].round(2).tolist()
[100.0, 51.82, 0.0, 151.82]
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd

from .._exceptions import ParameterError, UnknownCodeError
from .clusters import _sic_taxonomy, taxonomy_weights
from .regional import national_view, regional_model
from .tables import ReferenceTables

__all__ = [
    "EFFECTS",
    "MEASURES",
    "UNITS",
    "ImpactResult",
    "cluster_impact",
    "direct_change",
    "impact_effects",
    "leontief_system",
    "output_effects",
]

#: How a change may be given: £ million of final demand, £ million of output, or jobs.
UNITS = ("gbp_m", "output", "jobs")
#: Rows of :attr:`ImpactResult.totals`.
EFFECTS = ("direct", "indirect", "induced", "total")
#: Measures of each effect (columns of :attr:`ImpactResult.totals`).
MEASURES = ("output_gbp_m", "gva_gbp_m", "jobs")
_MEASURE_PREFIX = {"output_gbp_m": "output", "gva_gbp_m": "gva", "jobs": "jobs"}


@dataclass
class ImpactResult:
    """Direct, indirect and induced output, GVA and jobs of a change, by industry and in total.

    Attributes
    ----------
    by_industry
        One row per industry: ``industry_code``, ``industry_name``, then
        ``{direct,indirect,induced,total}_{output,gva,jobs}`` (output and GVA in
        £ million, jobs in persons), sorted by total output, largest first.
    totals
        Index :data:`EFFECTS` (``direct``, ``indirect``, ``induced``,
        ``total``), columns :data:`MEASURES` (``output_gbp_m``,
        ``gva_gbp_m``, ``jobs``). Induced effects are 0 when the model has no
        household closure.
    parameters
        What was changed, by how much, and with which model.
    """

    by_industry: pd.DataFrame
    totals: pd.DataFrame
    parameters: dict[str, Any] = field(default_factory=dict)

    def top_industries(self, n: int = 10, by: str = "total_output") -> pd.DataFrame:
        """The *n* industries most affected, by the column *by* (default total output)."""
        if by not in self.by_industry.columns:
            raise UnknownCodeError("impact column", by, [c for c in self.by_industry.columns if "_" in c])
        return self.by_industry.sort_values(by, ascending=False, kind="stable").head(n).reset_index(drop=True)

    def to_frame(self) -> pd.DataFrame:
        """Tidy long form: ``industry_code, industry_name, effect, measure, value`` (plus a ``TOTAL`` row per cell)."""
        rows = []
        for measure, prefix in _MEASURE_PREFIX.items():
            for effect in EFFECTS:
                part = self.by_industry[["industry_code", "industry_name"]].copy()
                part["effect"] = effect
                part["measure"] = measure
                part["value"] = self.by_industry[f"{effect}_{prefix}"].to_numpy()
                rows.append(part)
                total = pd.DataFrame(
                    {
                        "industry_code": ["TOTAL"],
                        "industry_name": ["All industries"],
                        "effect": [effect],
                        "measure": [measure],
                        "value": [float(self.totals[measure].to_numpy()[EFFECTS.index(effect)])],
                    }
                )
                rows.append(total)
        return pd.concat(rows, ignore_index=True)

    def summary(self, top: int = 10) -> str:
        """The totals and the most affected industries as aligned text."""
        lines = []
        p = self.parameters
        if p:
            where = p.get("region_name") or p.get("region") or "national"
            lines.append(
                f"impact of {p.get('change')} {p.get('unit')} in {p.get('target', '?')} ({where}; "
                f"{p.get('model', '')})".replace("; )", ")")
            )
        header = f"{'effect':<9}{'output £m':>14}{'GVA £m':>14}{'jobs':>12}"
        lines.append(header)
        for effect in EFFECTS:
            row = self.totals.loc[effect]
            lines.append(f"{effect:<9}{row['output_gbp_m']:>14,.2f}{row['gva_gbp_m']:>14,.2f}{row['jobs']:>12,.1f}")
        lines.append("")
        lines.append(f"top {top} industries by total output:")
        top_rows = self.top_industries(top)
        width = max([len(str(c)) for c in top_rows["industry_code"]] + [4])
        for r in top_rows.itertuples():
            lines.append(
                f"  {r.industry_code!s:<{width}}  {str(r.industry_name)[:50]:<50}"
                f"{r.total_output:>12,.2f} £m {r.total_jobs:>10,.1f} jobs"
            )
        return "\n".join(lines)


def direct_change(
    shares: pd.Series, change: float, unit: str = "gbp_m", employment_coefficients: pd.Series | None = None
) -> pd.Series:
    r"""Direct change in each industry's final demand or output (£ million) from a change in *unit*.

    Parameters
    ----------
    shares
        How the change is spread over industries (non-negative; normalised here).
        For a cluster, its output in each industry for ``gbp_m``/``output``, its
        employment for ``jobs``; a single industry is a one-hot series.
    change
        Size of the change (negative for a loss).
    unit
        ``gbp_m`` (final demand, £ million), ``output`` (£ million) or ``jobs``.
    employment_coefficients
        Jobs per £1m of output by industry; required for ``jobs``.

    Returns
    -------
    pandas.Series
        :math:`\Delta f` in £ million by industry: ``change * share`` for
        ``gbp_m`` and ``output``; ``change * share / e_j`` for ``jobs``.

    Examples
    --------
    >>> direct_change(pd.Series({"a": 3.0, "b": 1.0}), 100.0).tolist()
    [75.0, 25.0]
    >>> direct_change(pd.Series({"a": 1.0}), 20.0, "jobs", pd.Series({"a": 8.0})).tolist()
    [2.5]
    """
    key = str(unit).strip().lower()
    if key not in UNITS:
        raise UnknownCodeError("unit", str(unit), list(UNITS))
    try:
        size = float(change)
    except (TypeError, ValueError):
        raise ParameterError(f"change must be a number, got {change!r}") from None
    if not np.isfinite(size):
        raise ParameterError(f"change must be a finite number, got {change!r}")
    weights = shares.astype(float).fillna(0.0)
    if (weights < 0).any():
        raise ParameterError("shares of the change must be >= 0")
    total = float(weights.sum())
    if total <= 0:
        raise ParameterError("the change has nowhere to go: every share is zero", hint="the target has no output")
    spread = weights / total * size
    if key != "jobs":
        return spread.rename("final_demand_change")
    if employment_coefficients is None:
        raise ParameterError("a change in jobs needs employment coefficients (jobs per £1m of output)")
    e = employment_coefficients.reindex(spread.index).astype(float)
    bad = spread.index[(spread != 0) & ~(e > 0)]
    if len(bad):
        raise ParameterError(
            f"industry {bad[0]!r} employs nobody in the model, so a change in jobs cannot be converted to output",
            hint="give the change in £ million (--unit gbp_m or output)",
        )
    return (spread / e.where(e > 0, 1.0)).where(spread != 0, 0.0).rename("final_demand_change")


def leontief_system(
    A: pd.DataFrame,
    closed: pd.DataFrame | None = None,
) -> tuple[pd.Index, np.ndarray, np.ndarray | None]:
    r"""The matrices :func:`output_effects` solves: the industries, :math:`I - A`, and :math:`I - \bar{A}` of
    the model closed to households (None without *closed*), made once for many changes in final demand.

    Raises
    ------
    ParameterError
        *closed* does not start with the industries of *A*, in order.

    Examples
    --------
    >>> A = pd.DataFrame([[0.1, 0.2], [0.3, 0.1]], index=["a", "b"], columns=["a", "b"])
    >>> leontief_system(A)[1].tolist()
    [[0.9, -0.2], [-0.3, 0.9]]
    """
    industries = A.index
    n = len(industries)
    leontief = np.eye(n) - A.to_numpy(dtype=float)
    if closed is None:
        return industries, leontief, None
    if list(closed.index[:n]) != list(industries):
        raise ParameterError("the household-closed matrix must start with the industries of A, in order")
    return industries, leontief, np.eye(closed.shape[0]) - closed.to_numpy(dtype=float)


def output_effects(
    system: tuple[pd.Index, np.ndarray, np.ndarray | None], final_demand_change: pd.Series
) -> dict[str, np.ndarray]:
    r"""Output effects of a change in final demand, by industry of :func:`leontief_system`'s *system*.

    Returns ``direct`` :math:`\Delta f`, ``indirect`` :math:`(I - A)^{-1} \Delta f - \Delta f`, ``induced``
    :math:`[(I - \bar{A})^{-1}]_{nn} \Delta f - (I - A)^{-1} \Delta f` (0 without a closed model) and
    ``total``, each solved rather than inverted (see :func:`impact_effects`).

    Raises
    ------
    UnknownCodeError
        The change names an industry the model lacks.
    ParameterError
        A matrix is singular.

    Examples
    --------
    >>> A = pd.DataFrame([[0.1, 0.2], [0.3, 0.1]], index=["a", "b"], columns=["a", "b"])
    >>> effects = output_effects(leontief_system(A), pd.Series({"a": 1.0}))
    >>> [round(float(v), 4) for v in effects["total"]], [round(float(v), 4) for v in effects["indirect"]]
    ([1.2, 0.4], [0.2, 0.4])
    """
    industries, leontief, closed = system
    f = final_demand_change.reindex(industries).fillna(0.0).to_numpy(dtype=float)
    unknown = [c for c in final_demand_change.index if c not in industries]
    if unknown:
        raise UnknownCodeError("industry", str(unknown[0]), [str(c) for c in industries])
    n = len(industries)
    try:
        type_one = np.linalg.solve(leontief, f)
    except np.linalg.LinAlgError:
        raise ParameterError("I - A is singular: the model has no Leontief inverse") from None
    if closed is not None:
        f_closed = np.zeros(closed.shape[0])
        f_closed[:n] = f
        try:
            type_two = np.linalg.solve(closed, f_closed)[:n]
        except np.linalg.LinAlgError:
            raise ParameterError("I - A closed to households is singular: no Type II inverse") from None
    else:
        type_two = type_one
    output = {"direct": f, "indirect": type_one - f, "induced": type_two - type_one}
    output["total"] = output["direct"] + output["indirect"] + output["induced"]
    return output


def impact_effects(
    A: pd.DataFrame,
    final_demand_change: pd.Series,
    *,
    gva_coefficients: pd.Series | None = None,
    employment_coefficients: pd.Series | None = None,
    closed: pd.DataFrame | None = None,
    industry_names: pd.Series | None = None,
    parameters: dict[str, Any] | None = None,
) -> ImpactResult:
    r"""Direct, indirect and (with *closed*) induced effects of a change in final demand.

    Parameters
    ----------
    A
        (Regional) technical coefficients, industries x industries.
    final_demand_change
        :math:`\Delta f`, £ million by industry (missing industries are 0);
        see :func:`direct_change`.
    gva_coefficients
        GVA per £ of output by industry (default: GVA is not reported, 0).
    employment_coefficients
        Jobs per £1m of output by industry (default: 0).
    closed
        The coefficient matrix closed to households
        (:func:`clusterplan.inputoutput.iomath.close_to_households`), whose
        first rows/columns are the industries of *A* in the same order; without
        it there is no induced effect.
    industry_names
        Names by industry code, for the tables.
    parameters
        Recorded in :attr:`ImpactResult.parameters`.

    Returns
    -------
    ImpactResult

    Notes
    -----
    Output effects: direct :math:`\Delta f`, indirect
    :math:`(I - A)^{-1} \Delta f - \Delta f`, induced
    :math:`[(I - \bar{A})^{-1}]_{nn} \Delta f - (I - A)^{-1} \Delta f`, each
    solved rather than inverted. GVA and jobs: the direct coefficients times
    each output effect (jobs coefficients are per £1m, output is £ million).
    """
    industries = A.index
    n = len(industries)
    output = output_effects(leontief_system(A, closed), final_demand_change)

    def coefficient(series: pd.Series | None) -> np.ndarray:
        if series is None:
            return np.zeros(n)
        return series.reindex(industries).fillna(0.0).to_numpy(dtype=float)

    v = coefficient(gva_coefficients)
    e = coefficient(employment_coefficients)
    names = (
        industry_names.reindex(industries).fillna("").astype(str).to_numpy()
        if industry_names is not None
        else np.array([""] * n, dtype=object)
    )
    table = pd.DataFrame({"industry_code": list(industries), "industry_name": names})
    for prefix, factor in (("output", np.ones(n)), ("gva", v), ("jobs", e)):
        for effect in EFFECTS:
            table[f"{effect}_{prefix}"] = output[effect] * factor
    table = table.sort_values("total_output", ascending=False, kind="stable").reset_index(drop=True)
    totals = pd.DataFrame(
        {
            measure: [float(table[f"{effect}_{prefix}"].sum()) for effect in EFFECTS]
            for measure, prefix in _MEASURE_PREFIX.items()
        },
        index=pd.Index(EFFECTS, name="effect"),
    )
    return ImpactResult(by_industry=table, totals=totals, parameters=dict(parameters or {}))


# --------------------------------------------------------------------------- facade over the reference tables


def _find_cluster(taxonomy: Any, cluster: str) -> tuple[str, str]:
    """(id, name) of a cluster given by id or name, case-insensitively; lists the choices if unknown."""
    key = str(cluster).strip().lower()
    for c in taxonomy.clusters:
        if key in (c.id.lower(), c.name.lower()):
            return c.id, c.name
    raise UnknownCodeError(
        f"cluster of {taxonomy.name}", str(cluster), [f"{c.id} ({c.name})" for c in taxonomy.clusters]
    )


def _find_industry(names: pd.Series, industry: str) -> str:
    text = str(industry).strip()
    codes = [str(c) for c in names.index]
    if text in codes:
        return text
    for code in codes:
        if code.lower() == text.lower() or str(names[code]).lower() == text.lower():
            return code
    raise UnknownCodeError("IOAT industry", text, codes)


def cluster_impact(
    tables: ReferenceTables,
    change: float,
    *,
    region: str | None = None,
    cluster: str | None = None,
    industry: str | None = None,
    unit: str = "gbp_m",
    taxonomy: Any = None,
    method: str = "flq",
    delta: float = 0.3,
    year: int = 2019,
    induced: bool = True,
    sic_employment: pd.DataFrame | None = None,
) -> ImpactResult:
    """Impact of a change in a cluster's (or one industry's) final demand, output or jobs in a region.

    Parameters
    ----------
    tables
        The reference tables (:func:`clusterplan.pipeline.tables.reference_tables`).
    change
        Size of the change in *unit* (negative for a loss).
    region
        A GB ITL2 area (regional model of
        :func:`~clusterplan.inputoutput.regional.regional_model`), or None for
        the national (UK) model.
    cluster
        Cluster id or name in *taxonomy*; its change is spread over the IOAT
        industries in proportion to the cluster's output in each (its
        employment for ``jobs``): weights of
        :func:`~clusterplan.inputoutput.clusters.taxonomy_weights` times the
        region's output (employment) by industry.
    industry
        An IOAT industry code or name instead of a cluster.
    unit
        ``gbp_m`` (final demand, £ million), ``output`` (£ million of direct
        output) or ``jobs`` (direct jobs); see :func:`direct_change`.
    taxonomy
        SIC 2007 taxonomy for *cluster* (default ``wmca_plan_for_growth``).
    method, delta, year
        Regionalisation (ignored without *region*).
    induced
        Include induced effects (the model closed to households); default True.
    sic_employment
        Employment of the GB areas by 5-digit SIC code that regionalises the
        model and weights the cluster, as the pipeline reads it from the
        warehouse (:func:`clusterplan.pipeline.regional_sic_employment`);
        default the *tables*' BRES.

    Returns
    -------
    ImpactResult

    Examples
    --------
    The total output effect of £1m of final demand is the output multiplier:

    >>> from clusterplan.inputoutput.regional import regional_model
    >>> from clusterplan.pipeline.tables import reference_tables
    >>> tables = reference_tables()
    >>> result = cluster_impact(tables, 1.0, region="TLG3", industry="C29", induced=False)
    >>> multipliers = regional_model(tables, "TLG3").multipliers(1).set_index("industry_code")
    >>> round(float(result.totals.loc["total", "output_gbp_m"]), 6)
    1.077509
    >>> round(float(multipliers.loc["C29", "output_multiplier"]), 6)
    1.077509
    """
    if (cluster is None) == (industry is None):
        raise ParameterError("give either a cluster or an industry")
    tax = _sic_taxonomy(taxonomy) if cluster is not None else None
    model = (
        national_view(tables, year, sic_employment=sic_employment)
        if region is None
        else regional_model(tables, region, method=method, delta=delta, year=year, sic_employment=sic_employment)
    )
    key = str(unit).strip().lower()
    if key not in UNITS:
        raise UnknownCodeError("unit", str(unit), list(UNITS))
    size = model.employment if key == "jobs" else model.x
    # The change's unit wins over the model's currency unit, which shares the key.
    parameters: dict[str, Any] = {**model.parameters(), "change": change, "unit": key}
    if cluster is not None and tax is not None:
        cluster_id, cluster_name = _find_cluster(tax, cluster)
        where_code = None if region is None else model.region_code
        weights = taxonomy_weights(tables, tax, where_code, year=year, sic_employment=sic_employment)[cluster_id]
        shares = weights * size.reindex(weights.index).fillna(0.0)
        parameters.update({"taxonomy": tax.name, "cluster_id": cluster_id, "target": f"{cluster_name} (cluster)"})
        where = model.region_name
        if float(shares.sum()) <= 0:
            raise ParameterError(f"cluster {cluster_id!r} has no output in {where}, so it has no industries to change")
    else:
        code = _find_industry(model.industry_names, str(industry))
        shares = pd.Series({code: 1.0})
        parameters.update({"industry_code": code, "target": f"{code} {model.industry_names[code]}"})
    f = direct_change(shares, change, key, model.employment_coefficients)
    parameters["final_demand_change_gbp_m"] = float(f.sum())
    parameters["model"] = (
        "national (UK IOAT 2019)"
        if region is None
        else f"{model.method.upper()}" + (f" delta={model.delta:g}" if model.method in ("flq", "aflq") else "")
    ) + (", Type II" if induced else ", Type I")
    return impact_effects(
        model.A,
        f,
        gva_coefficients=model.gva_coefficients,
        employment_coefficients=model.employment_coefficients,
        closed=model.closed() if induced else None,
        industry_names=model.industry_names,
        parameters=parameters,
    )
