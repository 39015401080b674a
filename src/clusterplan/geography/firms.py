r"""Firm-level clusters from a business register: located firms, agglomerations, localisation, area panels.

Starting from Companies House Basic Company Data
(:func:`~clusterplan.sources.companies_house.read_basic_company_data`) and the
ONS Postcode Directory (:func:`~clusterplan.sources.postcodes.read_onspd`):

* :func:`locate_firms` joins firms to postcode centroids and their LAD and
  ITL3 area, keeping every firm and counting those it cannot place
  (:class:`FirmMatchReport`): nothing is dropped silently.
* :func:`firm_agglomerations` finds dense groups of a cluster's firms with
  DBSCAN (or HDBSCAN) on great-circle distances, ignoring council boundaries;
  :func:`agglomerations_geojson` maps them (hulls and labelled points).
* :func:`duranton_overman` tests whether a cluster's firms are *localised* —
  closer to each other than firms drawn at random from all firms — with the
  K-density of Duranton and Overman (2005) and simulated global confidence
  bands.
* :func:`firm_panel` counts active firms by area x SIC code x year as an Ibis
  expression, so that a national register of millions of rows is aggregated
  inside the warehouse (DuckDB, or Spark through Ibis), not in a Python loop.

A firm is *active at the end of year* :math:`t` if it was incorporated on or
before 31 December :math:`t` and not dissolved on or before that day.

Caveats: Companies House gives the *registered office* postcode, often an
accountant's or formation agent's address (one postcode can host hundreds of
companies, and will then form an "agglomeration" on its own: see the
``postcodes`` count of each agglomeration), and no employment, so firms are
unweighted. Dormant companies (SIC 99999, accounts category DORMANT) are
left out of the panels by default.

References
----------
Duranton, G. and Overman, H. G. (2005). Testing for localization using
micro-geographic data. *Review of Economic Studies* 72(4), 1077-1106.

Ester, M., Kriegel, H.-P., Sander, J. and Xu, X. (1996). A density-based
algorithm for discovering clusters in large spatial databases with noise.
*Proceedings of KDD-96*, 226-231.

Campello, R. J. G. B., Moulavi, D. and Sander, J. (2013). Density-based
clustering based on hierarchical density estimates. *PAKDD 2013*, 160-172.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import ibis
import ibis.expr.types as ir
import numpy as np
import pandas as pd

from .._exceptions import ParameterError

__all__ = [
    "AGGLOMERATION_METHODS",
    "DORMANT_SIC_CODE",
    "EARTH_RADIUS_KM",
    "LOCATION_STATUSES",
    "PANEL_LEVELS",
    "FirmMatchReport",
    "LocalisationResult",
    "active_at_year_end",
    "agglomerations_geojson",
    "duranton_overman",
    "firm_agglomerations",
    "firm_match_summary",
    "firm_panel",
    "firm_panel_facts",
    "firms_in_codes",
    "k_density",
    "locate_firms",
]

#: Mean Earth radius (IUGG), for great-circle distances.
EARTH_RADIUS_KM = 6371.0088
#: Companies House's SIC code for a dormant company (not a SIC 2007 subclass).
DORMANT_SIC_CODE = "99999"
#: How :func:`locate_firms` describes each firm's location.
LOCATION_STATUSES = ("located", "no postcode", "postcode not in directory", "postcode without location")
#: Density-based methods of :func:`firm_agglomerations`.
AGGLOMERATION_METHODS = ("dbscan", "hdbscan")
#: Area levels of :func:`firm_panel`.
PANEL_LEVELS = ("lad", "itl3", "itl2")


# -- locating firms --------------------------------------------------------------------------------------------------
@dataclass
class FirmMatchReport:
    """How many firms could be placed on the map, and why the others could not."""

    firms: int
    located: int
    no_postcode: int
    postcode_not_in_directory: int
    postcode_without_location: int
    outside_lookup: int
    unmatched_postcodes: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """One line: located firms and each kind of failure."""
        return (
            f"{self.located:,} of {self.firms:,} firms located; {self.no_postcode:,} without a valid postcode, "
            f"{self.postcode_not_in_directory:,} with a postcode not in the directory, "
            f"{self.postcode_without_location:,} at a postcode without a grid reference, "
            f"{self.outside_lookup:,} in a LAD not in the LAD → ITL3 lookup"
        )


def locate_firms(
    firms: pd.DataFrame, postcodes: pd.DataFrame, *, lookup: pd.DataFrame
) -> tuple[pd.DataFrame, FirmMatchReport]:
    """Join firms to postcode centroids, LADs and ITL3 areas; count the firms that cannot be placed.

    Parameters
    ----------
    firms
        From :func:`~clusterplan.sources.companies_house.read_basic_company_data`
        (needs ``company_number`` and ``postcode`` in the one-space form).
    postcodes
        From :func:`~clusterplan.sources.postcodes.read_onspd`.
    lookup
        LAD → ITL lookup (``lad_code, itl3_code, itl2_code``), e.g. the packaged
        May 2023 one (:func:`~clusterplan.sources.ons_geography.load_lad_itl_lookup`).

    Returns
    -------
    (pandas.DataFrame, FirmMatchReport)
        Every firm, in input order, with ``lat, long, lad_code, itl3_code,
        itl2_code`` (missing where unknown) and ``location_status`` (one of
        :data:`LOCATION_STATUSES`); and the counts.
    """
    centroids = postcodes[["postcode", "lat", "long", "lad_code", "has_location"]]
    out = firms.merge(centroids, on="postcode", how="left", validate="many_to_one", indicator=True)
    areas = lookup[["lad_code", "itl3_code", "itl2_code"]].drop_duplicates("lad_code")
    out = out.merge(areas, on="lad_code", how="left")
    no_postcode = (out["postcode"].fillna("") == "").to_numpy()
    not_found = (~no_postcode) & (out["_merge"] == "left_only").to_numpy()
    no_location = (~no_postcode) & (~not_found) & ~out["has_location"].fillna(False).astype(bool).to_numpy()
    status = np.select(
        [no_postcode, not_found, no_location],
        ["no postcode", "postcode not in directory", "postcode without location"],
        default="located",
    )
    out["location_status"] = status
    located = status == "located"
    outside = located & out["lad_code"].notna().to_numpy() & out["itl3_code"].isna().to_numpy()
    out = out.drop(columns=["_merge", "has_location"])
    report = FirmMatchReport(
        firms=len(out),
        located=int(located.sum()),
        no_postcode=int(no_postcode.sum()),
        postcode_not_in_directory=int(not_found.sum()),
        postcode_without_location=int(no_location.sum()),
        outside_lookup=int(outside.sum()),
        unmatched_postcodes=sorted(set(out.loc[not_found, "postcode"])),
    )
    return out, report


def active_at_year_end(firms: pd.DataFrame, year: int) -> np.ndarray:
    """True for firms incorporated by 31 December *year* and not dissolved on or before it.

    Examples
    --------
    >>> firms = pd.DataFrame({"incorporation_date": pd.to_datetime(["2010-05-01", "2015-01-01", "2010-01-01"]),
    ...                       "dissolution_date": pd.to_datetime([None, None, "2012-12-31"])})
    >>> active_at_year_end(firms, 2012).tolist()
    [True, False, False]
    """
    end = pd.Timestamp(year=int(year), month=12, day=31)
    incorporated = (firms["incorporation_date"] <= end).to_numpy()
    dissolved = firms["dissolution_date"].notna().to_numpy() & (firms["dissolution_date"] <= end).to_numpy()
    return np.asarray(incorporated & ~dissolved, dtype=bool)


def firms_in_codes(firms: pd.DataFrame, codes: Iterable[str], *, all_sic_codes: bool = True) -> np.ndarray:
    """True for firms with a SIC code in *codes* (any of their four codes, or the first only).

    *codes* are 5-digit subclasses (e.g. a cluster's, from
    :meth:`~clusterplan.taxonomy.Taxonomy.mapping`) or shorter prefixes.
    """
    wanted = tuple(str(c) for c in codes)
    columns = [f"sic_code_{i}" for i in (range(1, 5) if all_sic_codes else [1])]
    hit = np.zeros(len(firms), dtype=bool)
    for column in columns:
        values = firms[column].fillna("").astype(str)
        hit |= values.str.startswith(wanted).to_numpy() & (values != "").to_numpy()
    return hit


# -- agglomerations --------------------------------------------------------------------------------------------------
def _located_points(firms: pd.DataFrame) -> pd.DataFrame:
    points = firms[np.isfinite(firms["lat"].astype(float)) & np.isfinite(firms["long"].astype(float))]
    if "location_status" in points.columns:
        points = points[points["location_status"] == "located"]
    return points


def firm_agglomerations(
    firms: pd.DataFrame,
    *,
    method: str = "dbscan",
    eps_km: float = 1.0,
    min_samples: int = 10,
    min_cluster_size: int | None = None,
) -> pd.DataFrame:
    r"""Density-based agglomerations of located firms (DBSCAN or HDBSCAN on great-circle distances).

    Parameters
    ----------
    firms
        Located firms (``lat``, ``long``; e.g. a cluster's firms from
        :func:`locate_firms`); firms without a location are ignored.
    method
        ``"dbscan"``: a firm with at least *min_samples* firms (itself
        included) within *eps_km* is a core firm; agglomerations are the core
        firms linked through such neighbourhoods, plus the firms within
        *eps_km* of them. ``"hdbscan"``: agglomerations of varying density,
        at least *min_cluster_size* firms (default *min_samples*).
    eps_km
        DBSCAN neighbourhood radius in kilometres (default 1 km: a walkable
        business district; use 5-10 km for city-region scale).
    min_samples
        DBSCAN core size (default 10 firms).
    min_cluster_size
        HDBSCAN smallest agglomeration.

    Returns
    -------
    pandas.DataFrame
        The located firms with ``agglomeration`` (0, 1, ... numbered by
        decreasing size; -1 for firms in no agglomeration).
        ``attrs["parameters"]`` records the method and parameters.

    Notes
    -----
    Distances are haversine great-circle distances on a sphere of radius
    6,371 km between postcode centroids (scikit-learn's ball tree). Firms at
    one postcode are separate points at the same place, so a postcode with
    *min_samples* firms is a core on its own.
    """
    from sklearn.cluster import DBSCAN, HDBSCAN

    if method not in AGGLOMERATION_METHODS:
        raise ParameterError(f"method must be one of {', '.join(AGGLOMERATION_METHODS)}, not {method!r}")
    if eps_km <= 0 or min_samples < 2:
        raise ParameterError("eps_km must be positive and min_samples at least 2")
    points = _located_points(firms).copy()
    parameters: dict[str, Any] = {"method": method, "metric": "haversine"}
    if len(points) == 0:
        points["agglomeration"] = pd.Series(dtype=int)
        points.attrs["parameters"] = parameters
        return points
    radians = np.radians(points[["lat", "long"]].to_numpy(dtype=float))
    if method == "dbscan":
        model = DBSCAN(eps=eps_km / EARTH_RADIUS_KM, min_samples=min_samples, metric="haversine", algorithm="ball_tree")
        labels = model.fit_predict(radians)
        parameters.update(eps_km=float(eps_km), min_samples=int(min_samples))
    else:
        size = int(min_cluster_size or min_samples)
        if len(points) < 2:
            labels = np.full(len(points), -1)
        else:
            labels = HDBSCAN(min_cluster_size=size, metric="haversine", algorithm="ball_tree", copy=True).fit_predict(
                radians
            )
        parameters.update(min_cluster_size=size)
    # Number agglomerations by decreasing size (then first firm) so labels are stable and meaningful.
    found = pd.Series(labels[labels >= 0])
    order = found.value_counts().rename_axis("label").reset_index(name="n")
    order["first"] = order["label"].map({label: int(np.flatnonzero(labels == label)[0]) for label in order["label"]})
    order = order.sort_values(["n", "first"], ascending=[False, True]).reset_index(drop=True)
    relabel = {int(old): new for new, old in enumerate(order["label"])}
    points["agglomeration"] = [relabel.get(int(label), -1) for label in labels]
    points.attrs["parameters"] = parameters
    return points


def _hull(lat: np.ndarray, long: np.ndarray, buffer_m: float = 100.0) -> dict[str, Any]:
    """Convex hull of points (buffered by *buffer_m* so that one or two sites still make a shape), as GeoJSON."""
    import shapely
    from pyproj import Transformer
    from shapely.geometry import MultiPoint, mapping

    to_bng = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)
    to_wgs = Transformer.from_crs("EPSG:27700", "EPSG:4326", always_xy=True)
    x, y = to_bng.transform(long, lat)
    hull = MultiPoint(np.column_stack([x, y])).convex_hull.buffer(buffer_m, quad_segs=4)
    shape = shapely.transform(hull, lambda xy: np.column_stack(to_wgs.transform(xy[:, 0], xy[:, 1])))
    geometry: dict[str, Any] = mapping(shape)
    geometry["coordinates"] = _round(geometry["coordinates"])
    return geometry


def _round(value: Any) -> Any:
    if isinstance(value, (list, tuple)):
        return [_round(v) for v in value]
    return round(float(value), 5)


def agglomerations_geojson(labelled: pd.DataFrame, *, include_points: bool = True) -> dict[str, Any]:
    """Agglomerations as a GeoJSON FeatureCollection: one hull polygon each, and optionally every firm.

    Parameters
    ----------
    labelled
        Output of :func:`firm_agglomerations`.
    include_points
        Add a Point feature per firm (``kind: "firm"``) with its company
        number, name, postcode and ``agglomeration`` label (-1 = none).

    Returns
    -------
    dict
        Polygon features (``kind: "agglomeration"``) carry ``agglomeration``,
        ``firms``, ``postcodes`` (distinct postcodes: 1 means a single address
        such as a formation agent's), ``lad_codes``, ``itl3_codes``,
        ``centre_lat``, ``centre_long`` and ``radius_km`` (largest distance
        from the centre). The hull is the convex hull of the firms buffered
        by 100 m. The collection's ``clusterplan`` member records the method
        and parameters.
    """
    features: list[dict[str, Any]] = []
    groups = labelled[labelled["agglomeration"] >= 0].groupby("agglomeration", sort=True)
    for label, group in groups:
        lat = group["lat"].to_numpy(dtype=float)
        long = group["long"].to_numpy(dtype=float)
        centre_lat, centre_long = float(lat.mean()), float(long.mean())
        radius = float(_haversine_km(np.full_like(lat, centre_lat), np.full_like(long, centre_long), lat, long).max())
        properties = {
            "kind": "agglomeration",
            "agglomeration": int(str(label)),
            "firms": len(group),
            "postcodes": int(group["postcode"].nunique()) if "postcode" in group else None,
            "lad_codes": sorted(set(group["lad_code"].dropna().astype(str))) if "lad_code" in group else [],
            "itl3_codes": sorted(set(group["itl3_code"].dropna().astype(str))) if "itl3_code" in group else [],
            "centre_lat": round(centre_lat, 5),
            "centre_long": round(centre_long, 5),
            "radius_km": round(radius, 3),
        }
        features.append({"type": "Feature", "properties": properties, "geometry": _hull(lat, long)})
    if include_points:
        for record in labelled.to_dict("records"):
            properties = {
                "kind": "firm",
                "agglomeration": int(record["agglomeration"]),
                "company_number": record.get("company_number"),
                "company_name": record.get("company_name"),
                "postcode": record.get("postcode"),
            }
            point = [round(float(record["long"]), 6), round(float(record["lat"]), 6)]
            features.append(
                {"type": "Feature", "properties": properties, "geometry": {"type": "Point", "coordinates": point}}
            )
    return {
        "type": "FeatureCollection",
        "features": features,
        "clusterplan": {
            "kind": "firm_agglomerations",
            "parameters": dict(labelled.attrs.get("parameters", {})),
            "note": "firm locations are registered-office postcode centroids (ONS Postcode Directory)",
        },
    }


def _haversine_km(lat1: np.ndarray, long1: np.ndarray, lat2: np.ndarray, long2: np.ndarray) -> np.ndarray:
    p1, p2 = np.radians(lat1), np.radians(lat2)
    dp, dl = p2 - p1, np.radians(long2 - long1)
    a = np.sin(dp / 2) ** 2 + np.cos(p1) * np.cos(p2) * np.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * np.arcsin(np.sqrt(np.clip(a, 0.0, 1.0)))


# -- Duranton-Overman localisation -----------------------------------------------------------------------------------
@dataclass
class LocalisationResult:
    """Result of :func:`duranton_overman`.

    Attributes
    ----------
    table
        One row per distance: ``distance_km, k_density, local_lower,
        local_upper, global_lower, global_upper, localised, dispersed``.
    firms
        Firms of the industry used (after any sampling).
    bandwidth_km
        Kernel bandwidth (Silverman's rule of thumb on the industry's distances).
    localisation_index, dispersion_index
        :math:`\\Gamma = \\sum_d \\max(K(d) - \\bar{K}(d), 0)` and, when
        :math:`\\Gamma = 0`, :math:`\\Psi = \\sum_d \\max(\\underline{K}(d) -
        K(d), 0)` (0 otherwise), summed over the distance grid.
    localised, dispersed
        :math:`\\Gamma > 0`; :math:`\\Gamma = 0` and :math:`\\Psi > 0`.
    parameters
        Simulations, seed, grid, confidence, pool size, sampling.
    """

    table: pd.DataFrame
    firms: int
    bandwidth_km: float
    localisation_index: float
    dispersion_index: float
    localised: bool
    dispersed: bool
    parameters: dict[str, Any] = field(default_factory=dict)

    def summary(self) -> str:
        """One line: the verdict, the index and the distances where the K-density is above the global band."""
        above = self.table.loc[self.table["localised"], "distance_km"]
        if len(above):
            low, high = float(above.min()), float(above.max())
            span = f" at {low:g} km" if low == high else f" at {low:g}-{high:g} km"
        else:
            span = ""
        verdict = (
            "localised" if self.localised else "dispersed" if self.dispersed else "neither localised nor dispersed"
        )
        return (
            f"{self.firms} firms {verdict}{span} (Γ = {self.localisation_index:.4g}, Ψ = {self.dispersion_index:.4g}; "
            f"{self.parameters.get('simulations')} simulations, seed {self.parameters.get('seed')})"
        )


def _project(lat: np.ndarray, long: np.ndarray) -> np.ndarray:
    from pyproj import Transformer

    x, y = Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True).transform(long, lat)
    return np.column_stack([np.asarray(x) / 1000.0, np.asarray(y) / 1000.0])


def _silverman(distances: np.ndarray) -> float:
    spread = float(np.std(distances, ddof=1)) if len(distances) > 1 else 0.0
    q75, q25 = np.percentile(distances, [75, 25]) if len(distances) else (0.0, 0.0)
    scale = min(spread, float(q75 - q25) / 1.34) or spread
    return max(0.9 * scale * len(distances) ** (-0.2), 1e-3) if scale > 0 else 1.0


def k_density(distances_km: np.ndarray, grid_km: np.ndarray, bandwidth_km: float) -> np.ndarray:
    r"""Kernel density of bilateral distances with a Gaussian kernel reflected at zero.

    .. math::

        \hat{K}(d) = \frac{1}{N h} \sum_{k=1}^{N}
            \left[\phi\!\left(\frac{d - d_k}{h}\right) + \phi\!\left(\frac{d + d_k}{h}\right)\right]

    over the :math:`N` distances :math:`d_k`; reflection keeps the density
    on :math:`d \ge 0` and integrating to one (Duranton and Overman 2005).
    Distances are binned to 10 m before smoothing (exact to well within the
    bandwidth), which keeps simulations fast.

    Examples
    --------
    >>> grid = np.linspace(0, 50, 501)
    >>> density = k_density(np.array([5.0, 10.0, 12.0]), grid, 2.0)
    >>> round(float(density.sum() * (grid[1] - grid[0])), 3)
    1.0
    """
    distances = np.asarray(distances_km, dtype=float)
    if len(distances) == 0:
        return np.zeros(len(grid_km))
    step = 0.01
    top = float(max(distances.max(), grid_km.max())) + 5 * bandwidth_km
    bins = math.ceil(top / step) + 1
    counts, edges = np.histogram(distances, bins=bins, range=(0.0, bins * step))
    centres = (edges[:-1] + edges[1:]) / 2
    used = counts > 0
    centres, counts = centres[used], counts[used].astype(float)
    norm = 1.0 / (len(distances) * bandwidth_km * math.sqrt(2 * math.pi))
    grid = np.asarray(grid_km, dtype=float)[:, None]
    kernel = np.exp(-0.5 * ((grid - centres) / bandwidth_km) ** 2) + np.exp(
        -0.5 * ((grid + centres) / bandwidth_km) ** 2
    )
    return np.asarray(norm * kernel @ counts)


def _global_bands(simulated: np.ndarray, confidence: float) -> tuple[np.ndarray, np.ndarray]:
    """Upper and lower global bands: the narrowest common local quantiles hit by at most 1 - confidence of draws."""
    ranked = np.sort(simulated, axis=0)
    draws = simulated.shape[0]
    allowed = (1 - confidence) * draws

    def upper_hits(k: int) -> int:
        return int((simulated > ranked[k]).any(axis=1).sum())

    def lower_hits(k: int) -> int:
        return int((simulated < ranked[k]).any(axis=1).sum())

    lo, hi = 0, draws - 1  # smallest k whose upper band is hit by at most `allowed` draws
    while lo < hi:
        mid = (lo + hi) // 2
        if upper_hits(mid) <= allowed:
            hi = mid
        else:
            lo = mid + 1
    upper = ranked[lo]
    lo, hi = 0, draws - 1  # largest k whose lower band is hit by at most `allowed` draws
    while lo < hi:
        mid = (lo + hi + 1) // 2
        if lower_hits(mid) <= allowed:
            lo = mid
        else:
            hi = mid - 1
    return ranked[lo], upper


def duranton_overman(
    firms: pd.DataFrame,
    in_industry: Sequence[bool] | np.ndarray,
    *,
    simulations: int = 1000,
    seed: int = 12345,
    max_distance_km: float | None = None,
    step_km: float = 1.0,
    confidence: float = 0.95,
    max_firms: int = 1000,
) -> LocalisationResult:
    r"""Duranton-Overman test of localisation: are an industry's firms closer together than chance?

    Parameters
    ----------
    firms
        All located firms (``lat``, ``long``): the population of sites.
    in_industry
        Boolean mask over *firms*: the industry (cluster) to test.
    simulations
        Counterfactual draws (Duranton and Overman use 1,000).
    seed
        Seed of the draws and of any sampling.
    max_distance_km
        Largest distance examined; default the median distance between all
        pairs of firms (Duranton and Overman's 180 km for the UK), computed on
        up to 2,000 sampled firms.
    step_km
        Distance grid step.
    confidence
        Of the local and global bands (0.95: 5th/95th percentiles locally;
        global bands hit by 5% of draws anywhere on the grid).
    max_firms
        An industry with more firms is tested on a seeded random sample of
        this many (the cost grows with firms squared times simulations).

    Returns
    -------
    LocalisationResult

    Raises
    ------
    ParameterError
        Fewer than 5 located firms in the industry, an industry as large as
        the population, or bad parameters.

    Notes
    -----
    For the :math:`n` firms of the industry, the K-density :func:`k_density`
    of their :math:`n(n-1)/2` bilateral distances is compared with the
    K-densities of :math:`n` firms drawn without replacement from all firms,
    which controls for the overall concentration of economic activity. The
    industry is *localised* at distance :math:`d` when :math:`K(d)` exceeds
    the upper global band :math:`\bar{K}(d)`, chosen (as a common local
    quantile) so that only :math:`1 - \text{confidence}` of the simulated
    industries exceed it anywhere on the grid. Distances are straight-line
    distances between postcode centroids on the British National Grid (within
    0.1% of great-circle distances across Great Britain); firms are
    unweighted (the register has no employment). The bandwidth (Silverman's
    rule of thumb on the industry's distances) is kept for the simulations so
    that every K-density is smoothed alike.
    """
    from scipy.spatial.distance import pdist

    mask = np.asarray(in_industry, dtype=bool)
    if len(mask) != len(firms):
        raise ParameterError("in_industry must have one entry per firm")
    if simulations < 19 or not 0 < confidence < 1 or step_km <= 0:
        raise ParameterError("need at least 19 simulations, 0 < confidence < 1 and a positive step")
    finite = np.isfinite(firms["lat"].to_numpy(dtype=float)) & np.isfinite(firms["long"].to_numpy(dtype=float))
    if "location_status" in firms.columns:
        finite &= (firms["location_status"] == "located").to_numpy()
    xy = _project(firms["lat"].to_numpy(dtype=float)[finite], firms["long"].to_numpy(dtype=float)[finite])
    industry = np.flatnonzero(mask[finite])
    rng = np.random.default_rng(seed)
    sampled = False
    if len(industry) > max_firms:
        industry = np.sort(rng.choice(industry, size=max_firms, replace=False))
        sampled = True
    n, pool = len(industry), len(xy)
    if n < 5:
        raise ParameterError(f"only {n} located firms in the industry; the K-density test needs at least 5")
    if n >= pool:
        raise ParameterError("the industry is all the firms: there is nothing to compare it with")
    if max_distance_km is None:
        reference = xy if pool <= 2000 else xy[rng.choice(pool, size=2000, replace=False)]
        max_distance_km = float(np.median(pdist(reference)))
    grid = np.arange(0.0, float(max_distance_km) + step_km / 2, step_km)
    observed_distances = pdist(xy[industry])
    bandwidth = _silverman(observed_distances)
    observed = k_density(observed_distances, grid, bandwidth)
    simulated = np.empty((simulations, len(grid)))
    for s in range(simulations):
        draw = rng.choice(pool, size=n, replace=False)
        simulated[s] = k_density(pdist(xy[draw]), grid, bandwidth)
    alpha = 1 - confidence
    local_lower, local_upper = np.quantile(simulated, [alpha / 2, 1 - alpha / 2], axis=0)
    global_lower, global_upper = _global_bands(simulated, confidence)
    excess = np.maximum(observed - global_upper, 0.0)
    deficit = np.maximum(global_lower - observed, 0.0)
    gamma = float(excess.sum())
    psi = float(deficit.sum()) if gamma == 0 else 0.0
    table = pd.DataFrame(
        {
            "distance_km": grid,
            "k_density": observed,
            "local_lower": local_lower,
            "local_upper": local_upper,
            "global_lower": global_lower,
            "global_upper": global_upper,
            "localised": excess > 0,
            "dispersed": (deficit > 0) & (gamma == 0),
        }
    )
    return LocalisationResult(
        table=table,
        firms=n,
        bandwidth_km=float(bandwidth),
        localisation_index=gamma,
        dispersion_index=psi,
        localised=gamma > 0,
        dispersed=gamma == 0 and psi > 0,
        parameters={
            "simulations": int(simulations),
            "seed": int(seed),
            "max_distance_km": float(max_distance_km),
            "step_km": float(step_km),
            "confidence": float(confidence),
            "pool": int(pool),
            "sampled": sampled,
            "distance": "straight line between postcode centroids, British National Grid",
            "kernel": "Gaussian, reflected at 0, Silverman bandwidth",
        },
    )


# -- the area x industry x year panel in the warehouse ---------------------------------------------------------------
def _sic_rows(firms: ir.Table, all_sic_codes: bool) -> ir.Table:
    keep = ["company_number", "postcode", "incorporation_date", "dissolution_date", "accounts_category"]
    positions = range(1, 5) if all_sic_codes else [1]
    # Cast: a code column that is empty throughout (e.g. SicText_4 of a small extract) has no type of its own.
    pieces = [firms.select(*keep, sic_code=firms[f"sic_code_{i}"].cast("string")) for i in positions]
    rows = pieces[0]
    for piece in pieces[1:]:
        rows = rows.union(piece, distinct=False)
    return rows.filter(rows.sic_code.notnull() & (rows.sic_code != ""))


def firm_panel(
    firms: ir.Table,
    postcodes: ir.Table,
    lookup: ir.Table | None = None,
    *,
    years: Sequence[int],
    level: str = "lad",
    sic_digits: int = 5,
    all_sic_codes: bool = False,
    exclude_dormant: bool = True,
) -> ir.Table:
    """Active firms by area x SIC code x year, as one Ibis expression (runs in DuckDB, or Spark via Ibis).

    Parameters
    ----------
    firms
        Table with the columns of
        :data:`~clusterplan.sources.companies_house.FIRM_COLUMNS` (e.g. made
        by :func:`~clusterplan.warehouse.load_basic_company_data_duckdb`,
        or ``ibis.memtable`` of :func:`~clusterplan.sources.companies_house.read_basic_company_data`).
    postcodes
        ``postcode, lad_code`` (e.g. :func:`~clusterplan.warehouse.load_onspd_duckdb`);
        ONSPD's pseudo codes ``X99999999`` (Channel Islands, Isle of Man) are
        not areas and are left out.
    lookup
        ``lad_code, itl3_code, itl2_code`` (the warehouse's ``lad_itl_lookup``
        table); needed for ``level="itl3"`` or ``"itl2"``.
    years
        Years to count (firms active at 31 December).
    level
        ``"lad"``, ``"itl3"`` or ``"itl2"``.
    sic_digits
        Cut SIC codes to 2-5 digits (division ... subclass).
    all_sic_codes
        Count a firm under each of its up to four codes (then the counts of
        different codes overlap); default its first code only.
    exclude_dormant
        Leave out dormant companies (SIC 99999 or accounts category DORMANT).

    Returns
    -------
    ibis.expr.types.Table
        ``area_code, industry_code, year, active_firms``, in no particular
        order. Firms whose postcode
        is not in *postcodes* (or whose LAD is not in *lookup*) are not in the
        panel: count them with :func:`firm_match_summary`.

    Notes
    -----
    Each firm is active from the year of its incorporation to the year
    before its dissolution (inclusive), and the years are attached with one
    range join, so the work is one scan of the register whatever the number
    of years.
    """
    if level not in PANEL_LEVELS:
        raise ParameterError(f"level must be one of {', '.join(PANEL_LEVELS)}, not {level!r}")
    if not 2 <= sic_digits <= 5:
        raise ParameterError(f"sic_digits must be 2-5, not {sic_digits}")
    if level != "lad" and lookup is None:
        raise ParameterError(f"level {level!r} needs the LAD → ITL lookup table")
    rows = _sic_rows(firms, all_sic_codes)
    if exclude_dormant:
        rows = rows.filter((rows.sic_code != DORMANT_SIC_CODE) & (rows.accounts_category.fill_null("") != "DORMANT"))
    rows = rows.filter(rows.incorporation_date.notnull())
    rows = rows.select(
        "company_number",
        "postcode",
        industry_code=rows.sic_code.substr(0, sic_digits),
        first_year=rows.incorporation_date.year(),
        last_year=(rows.dissolution_date.year() - 1).fill_null(9999),
    )
    places = postcodes.select("postcode", "lad_code")
    # ONSPD's pseudo codes (L99999999 Channel Islands, M99999999 Isle of Man) are not local authorities.
    places = places.filter(places.lad_code.notnull() & ~places.lad_code.endswith("99999999"))
    located = rows.join(places, rows.postcode == places.postcode).select(rows, places.lad_code)
    if level == "lad":
        located = located.mutate(area_code=located.lad_code)
    else:
        assert lookup is not None
        areas = lookup.select(lookup.lad_code, area=lookup[f"{level}_code"]).distinct()
        located = located.join(areas, located.lad_code == areas.lad_code).select(located, area_code=areas.area)
    calendar = ibis.memtable(pd.DataFrame({"year": [int(y) for y in years]}))
    spans = located.join(calendar, [located.first_year <= calendar.year, located.last_year >= calendar.year])
    keys = ["area_code", "industry_code", "year"]
    counted = spans.company_number.nunique() if all_sic_codes else spans.count()
    # Unordered: sorting millions of cells costs as much as counting them; order the result if it matters.
    return spans.group_by(keys).aggregate(active_firms=counted)


def firm_match_summary(firms: ir.Table, postcodes: ir.Table) -> dict[str, int]:
    """Counts of a register's firms by whether their postcode is in the directory (an Ibis query).

    Returns ``firms``, ``no_postcode``, ``postcode_not_in_directory``,
    ``postcode_without_location`` and ``located``.
    """
    places = postcodes.select("postcode", "has_location")
    joined = firms.select("postcode").left_join(places, "postcode")
    empty = joined.postcode.isnull() | (joined.postcode == "")
    found = joined.has_location.notnull()
    summary = joined.aggregate(
        firms=joined.count(),
        no_postcode=empty.cast("int64").sum(),
        postcode_not_in_directory=(~empty & ~found).cast("int64").sum(),
        postcode_without_location=(found & ~joined.has_location.fill_null(False)).cast("int64").sum(),
        located=(found & joined.has_location.fill_null(False)).cast("int64").sum(),
    ).to_pandas()
    return {str(k): int(v) for k, v in summary.iloc[0].items()}


def firm_panel_facts(panel: pd.DataFrame, *, dataset: str = "companies_house_active_firms") -> pd.DataFrame:
    """A computed panel as canonical facts (measure ``active_companies``, unit ``count``) for the warehouse.

    Import with ``Warehouse.import_facts`` to use the counts like any other
    area x industry dataset (codes other than SIC 2007 subclasses need
    ``allow_unknown_codes``).
    """
    return pd.DataFrame(
        {
            "dataset": dataset,
            "area_code": panel["area_code"].astype(str),
            "industry_code": panel["industry_code"].astype(str),
            "classification": "sic2007",
            "year": panel["year"].astype(int),
            "measure": "active_companies",
            "breakdown": "all",
            "value": panel["active_firms"].astype(float),
            "unit": "count",
            "flag": None,
        }
    )
