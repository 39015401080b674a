"""The national input-output model: one year's industry-by-industry flows, final demand and primary inputs.

:class:`NationalModel` is what every builder returns (the ONS analytical tables in
:mod:`~clusterplan.inputoutput.national`, the supply and use tables in
:mod:`~clusterplan.inputoutput.supply_use`, the BEA tables in
:mod:`~clusterplan.inputoutput.bea`), so it lives apart from all of them.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from .._exceptions import DataValidationError, UnknownCodeError
from .iomath import leontief_inverse, spectral_radius, technical_coefficients

__all__ = ["PRIMARY_INPUTS", "NationalModel"]

#: Rows of :attr:`NationalModel.primary_inputs` (ESA 2010 codes as the ONS prints them) and their names.
PRIMARY_INPUTS: dict[str, str] = {
    "P7": "Use of imported products, cif",
    "D21-D31": "Taxes less subsidies on products",
    "D1": "Compensation of employees",
    "GOS & MI": "Gross operating surplus and mixed income",
    "D29-D39": "Other taxes less subsidies on production",
    "GVA": "Gross value added at basic prices",
}


def _per_output(values: pd.Series, output: pd.Series) -> pd.Series:
    """values / output, 0 where output is 0 (an industry with no output has no coefficients)."""
    x = output.to_numpy(dtype=float)
    v = values.reindex(output.index).to_numpy(dtype=float)
    with np.errstate(divide="ignore", invalid="ignore"):
        out = np.where(x > 0, v / x, 0.0)
    return pd.Series(out, index=output.index)


@dataclass(frozen=True)
class NationalModel:
    """One year's industry-by-industry input-output model of a national economy.

    Attributes
    ----------
    Z
        Inter-industry flows (rows sell to columns), in :attr:`unit`.
    final_demand
        Final use of each industry's output by final-use column (no subtotals).
    output
        Total output *x* of each industry.
    primary_inputs
        Rows :data:`PRIMARY_INPUTS` (``P7`` imports, ``D21-D31`` taxes less
        subsidies on products, ``D1`` compensation of employees, ``GOS & MI``,
        ``D29-D39`` other taxes on production, ``GVA``) by industry; a row is
        NaN where the source does not separate it (BEA imports).
    household_consumption
        Household final consumption of each industry's output (the column the
        Type II model closes with).
    industry_names
        Names of the industry codes.
    year, source, unit
        Reference year, ``"ons"``/``"sut"``/``"bea"``, and the money unit
        (``"£ million"``, ``"$ million"``).
    employment
        Jobs by industry, or None when there is no employment for the year.
    unmatched_employment
        Jobs in SIC codes the lookup maps to no industry (by SIC code).
    notes
        What the model was built from and its caveats, one line each.
    A, L
        Technical coefficients :math:`A = Z\\hat{x}^{-1}` and the Leontief
        inverse :math:`L = (I - A)^{-1}` (computed on construction).

    Raises
    ------
    DataValidationError
        Labels that do not line up (Z not square, output or final demand for
        other industries), missing or negative output, or a coefficient matrix
        that is not productive (spectral radius 1 or more, so the Leontief
        inverse does not exist or has negative entries).
    """

    Z: pd.DataFrame
    final_demand: pd.DataFrame
    output: pd.Series
    primary_inputs: pd.DataFrame
    household_consumption: pd.Series
    industry_names: pd.Series
    year: int
    source: str
    unit: str
    employment: pd.Series | None = None
    unmatched_employment: pd.Series | None = None
    notes: tuple[str, ...] = ()
    A: pd.DataFrame = field(init=False, repr=False)
    L: pd.DataFrame = field(init=False, repr=False)

    def __post_init__(self) -> None:
        Z = self.Z
        if Z.shape[0] != Z.shape[1] or list(Z.index) != list(Z.columns):
            raise DataValidationError(
                f"the flow matrix Z must be square with the same industry codes on rows and columns "
                f"(got {Z.shape[0]} rows x {Z.shape[1]} columns)",
                hint="the row and column classifications differ",
            )
        industries = list(Z.index)
        for name, labels in (
            ("output", self.output.index),
            ("final_demand", self.final_demand.index),
            ("household_consumption", self.household_consumption.index),
            ("primary_inputs", self.primary_inputs.columns),
        ):
            if list(labels) != industries:
                missing = [c for c in industries if c not in set(labels)]
                extra = [c for c in labels if c not in set(industries)]
                raise DataValidationError(
                    f"{name} is not labelled by the industries of Z (missing {missing[:5]}, unknown {extra[:5]})",
                    hint="build every part of the model on one classification, in one order",
                )
        missing_rows = [r for r in PRIMARY_INPUTS if r not in self.primary_inputs.index]
        if missing_rows:
            raise DataValidationError(f"primary_inputs lacks rows {missing_rows}", hint="see PRIMARY_INPUTS")
        x = self.output.to_numpy(dtype=float)
        if np.isnan(x).any() or (x < 0).any():
            bad = industries[int(np.flatnonzero(np.isnan(x) | (x < 0))[0])]
            raise DataValidationError("output is missing or negative", code=bad)
        A = technical_coefficients(Z, self.output)
        # Published tables can hold a few small negative flows (BEA: sales by government enterprises), so
        # productivity is judged by the spectral radius alone.
        radius = spectral_radius(A)
        if not radius < 1.0:
            sums = A.sum(axis=0)
            raise DataValidationError(
                f"the coefficient matrix is not productive (spectral radius {radius:.4f} >= 1; "
                f"largest column sum {float(sums.max()):.4f} for {sums.idxmax()!r})",
                hint="an industry buys more than a unit of inputs per unit of output: check output and flows",
            )
        object.__setattr__(self, "A", A)
        object.__setattr__(self, "L", leontief_inverse(A))
        if self.employment is not None and list(self.employment.index) != industries:
            raise DataValidationError("employment is not labelled by the industries of Z")

    # -- convenience --------------------------------------------------------------------------------------
    @property
    def industries(self) -> pd.Index:
        """Industry codes in table order."""
        return self.Z.index

    @property
    def x(self) -> pd.Series:
        """Total output (alias of :attr:`output`, as in the literature)."""
        return self.output

    @property
    def total_final_demand(self) -> pd.Series:
        """Final demand for each industry's output, summed over the final-use columns."""
        return self.final_demand.sum(axis=1).rename("final_demand")

    def coefficients(self, row: str) -> pd.Series:
        """Direct coefficient of one primary input (a :data:`PRIMARY_INPUTS` code) per unit of output."""
        if row not in self.primary_inputs.index:
            raise UnknownCodeError("primary input", row, list(self.primary_inputs.index))
        values = pd.Series(self.primary_inputs.loc[row].to_numpy(dtype=float), index=self.industries)
        if values.isna().all():
            return pd.Series(np.nan, index=self.industries, name=row)
        return _per_output(values.fillna(0.0), self.output).rename(row)

    @property
    def gva_coefficients(self) -> pd.Series:
        """Gross value added per unit of output."""
        return self.coefficients("GVA")

    @property
    def compensation_coefficients(self) -> pd.Series:
        """Compensation of employees per unit of output (the ONS's employment costs)."""
        return self.coefficients("D1")

    @property
    def import_coefficients(self) -> pd.Series:
        """Imported inputs per unit of output (NaN where the source does not separate imports)."""
        return self.coefficients("P7")

    @property
    def employment_coefficients(self) -> pd.Series | None:
        """Jobs per one million (£ or $) of output, or None without employment."""
        if self.employment is None:
            return None
        return _per_output(self.employment, self.output).rename("employment")
