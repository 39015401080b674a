r"""Spatial hotspots of a cluster measure across Great Britain: Moran's I, LISA and Getis-Ord Gi*.

A location quotient says that an area is specialised; it does not say whether
the specialisation is part of a geographic concentration that spans several
areas (a hotspot) or an isolated value that could be noise. This module asks
that question with the standard exploratory spatial data analysis tools of
PySAL (``libpysal`` weights, ``esda`` statistics), computed here for many
clusters at once with the same draws and arithmetic as esda, so each result is
what esda gives (a test checks it):

* **global Moran's I** — do similar values sit next to each other across GB?
* **local Moran's I (LISA)** — for each area, is it part of a cluster of high
  values (HH), of low values (LL), or a spatial outlier (HL: high among low,
  LH: low among high)?
* **Getis-Ord Gi\*** — is the area and its neighbourhood's total unusually
  high (hot spot) or low (cold spot)?

Choices (all recorded in :attr:`HotspotResult.parameters`)
-----------------------------------------------------------
Areas
    Great Britain only: ITL3 areas for GVA-based measures (the finest level
    of the ONS GVA tables), ITL2 areas for the embedded BRES, local authority
    districts when the user has loaded LAD employment. Northern Ireland is
    left out (BRES covers GB, and it shares no border with GB).
Weights
    Queen contiguity (areas sharing a boundary point are neighbours, as
    :class:`libpysal.weights.Queen` finds them) from the vertices of the
    packaged boundary shapes; row-standardised for Moran's I and LISA, binary
    with the area itself included for Gi\*.
Islands
    Areas without a land neighbour (at ITL3 the Isle of Wight, Anglesey,
    Orkney, Shetland and Na h-Eileanan Siar; at LAD level also the Isles of
    Scilly; at ITL2 none) have no spatial lag and would make the statistics
    undefined; so do groups cut off by areas without a value. Rule
    ``islands="attach"`` (default): a nearest-neighbour rule applied group by
    group — the unconnected group nearest to the connected areas (shortest
    distance between the shapes, British National Grid metres) is joined by
    one extra neighbour link between its nearest area and the nearest
    connected area, and so on until every area is connected (at ITL3:
    Anglesey to Gwynedd, the Isle of Wight to Central Hampshire, Orkney to
    Caithness, Sutherland and Ross, the Western Isles to Lochaber, Skye and
    Lochalsh, Shetland to Orkney). Rule ``"drop"`` leaves every area outside
    the largest connected group out of the inference and lists it. Either
    way :attr:`HotspotResult.islands` says what was done to which area.
Inference
    Conditional permutation inference with ``permutations`` (default 999)
    random permutations and a fixed ``seed`` (default 12345), so results are
    reproducible. The draws depend only on the areas, the seed and the
    number of permutations, so one set serves every cluster of a map (as
    esda's conditional randomisation shares one set across areas): mapping
    all clusters costs little more than mapping one (:func:`hotspots_by_cluster`).
    Pseudo p-values are esda's folded ones: the share of
    permutations at least as extreme as the observed statistic in its own
    direction, :math:`(\min(m, P - m) + 1) / (P + 1)`. With one test per
    area, false discoveries are controlled by the Benjamini-Hochberg rule at
    level ``alpha`` (esda's :func:`esda.fdr` threshold); ``*_p_fdr`` columns
    give the BH-adjusted p-values.

References
----------
Anselin, L. (1995). Local indicators of spatial association — LISA.
*Geographical Analysis* 27(2), 93-115.

Getis, A. and Ord, J. K. (1992). The analysis of spatial association by use
of distance statistics. *Geographical Analysis* 24(3), 189-206.

Benjamini, Y. and Hochberg, Y. (1995). Controlling the false discovery rate.
*Journal of the Royal Statistical Society B* 57(1), 289-300.

Rey, S. J. and Anselin, L. (2007). PySAL: a Python library of spatial
analytical methods. *Review of Regional Studies* 37(1), 5-27.
"""

from __future__ import annotations

import functools
import math
import warnings
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cache
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd

from .._exceptions import ClusterplanError, ParameterError
from .._json import plain
from ..regions import GREAT_BRITAIN
from ..taxonomy import load_taxonomy
from .subregional import (
    resolve_taxonomy,
)

if TYPE_CHECKING:  # pragma: no cover - imported for annotations only
    import libpysal

    from ..taxonomy import Taxonomy

__all__ = [
    "HOTSPOT_COLUMNS",
    "HOTSPOT_LEVELS",
    "HOTSPOT_MEASURES",
    "ISLAND_RULES",
    "LISA_COLOURS",
    "QUADRANTS",
    "ContiguityWeights",
    "HotspotResult",
    "benjamini_hochberg",
    "contiguity_weights",
    "spatial_autocorrelation",
]

#: Measures :func:`hotspots` maps.
HOTSPOT_MEASURES = ("lq", "employment", "share", "gva", "gva_per_job")
#: Area levels :func:`hotspots` knows.
HOTSPOT_LEVELS = ("itl3", "itl2", "lad", "cbsa")
#: Neighbours of a US CBSA: the nearest CBSAs by centroid (CBSAs do not tile the country, so most touch none).
US_NEIGHBOURS = 6

#: How areas without land neighbours are handled.
ISLAND_RULES = ("attach", "drop")
#: LISA quadrants (esda's ``q`` 1-4).
QUADRANTS = {1: "HH", 2: "LH", 3: "LL", 4: "HL"}
#: Colour-blind-safe colours (Okabe-Ito) of the LISA classes on maps.
LISA_COLOURS = {
    "HH": "#D55E00",
    "HL": "#E69F00",
    "LH": "#56B4E9",
    "LL": "#0072B2",
    "not significant": "#E6E6E6",
    "no data": "#FFFFFF",
}
#: Columns of :attr:`HotspotResult.table`.
HOTSPOT_COLUMNS = [
    "area_code",
    "area_name",
    "value",
    "standardised_value",
    "spatial_lag",
    "neighbours",
    "attached_to",
    "local_moran_i",
    "quadrant",
    "local_moran_p",
    "local_moran_p_fdr",
    "local_moran_significant",
    "lisa_class",
    "gi_star_z",
    "gi_star_p",
    "gi_star_p_fdr",
    "gi_star_significant",
    "hotspot",
]

_MEASURE_LABELS = {
    "lq": "location quotient",
    "employment": "employment (jobs)",
    "share": "share of the area's total",
    "gva": "estimated GVA (£ million)",
    "gva_per_job": "estimated GVA per job (£)",
}
_ATTRIBUTION = (
    "Contains National Statistics data © Crown copyright and database right; contains OS data © Crown "
    "copyright and database right. Open Government Licence v3.0."
)
_US_ATTRIBUTION = (
    "US Census Bureau: County Business Patterns 2019 and cartographic boundaries (us-atlas); OMB CBSA "
    "delineation of April 2018. Public domain. Alaska, Hawaii and Puerto Rico not shown."
)


# -- weights ---------------------------------------------------------------------------------------------------------
@dataclass
class ContiguityWeights:
    """Queen contiguity weights of a set of areas, after the island rule.

    Attributes
    ----------
    neighbours
        The neighbours of each area kept, in the order of the areas given
        (island links included).
    islands
        One row per area that had no path to the largest connected group:
        ``area_code, area_name, action`` (``attached`` or ``dropped``),
        ``attached_to`` (the area it was linked to, for the one area of its
        group that carries the link), ``linked_by`` (that area), and
        ``distance_km`` (length of the group's link: shortest distance between
        the two shapes; NaN when dropped).
    rule
        ``"attach"`` or ``"drop"``.
    """

    neighbours: dict[str, list[str]]
    islands: pd.DataFrame
    rule: str
    _w: Any = field(default=None, repr=False, compare=False)

    @property
    def w(self) -> libpysal.weights.W:
        """The same weights as a :class:`libpysal.weights.W` (ids are area codes), built when first asked for."""
        if self._w is None:
            import libpysal

            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                self._w = libpysal.weights.W(
                    {c: sorted(n) for c, n in self.neighbours.items()},
                    id_order=list(self.neighbours),
                    silence_warnings=True,
                )
        return self._w


def _features(boundaries: dict[str, Any], codes: list[str]) -> dict[str, Any]:
    by_code = {str(f["properties"]["code"]): f for f in boundaries["features"]}
    missing = [c for c in codes if c not in by_code]
    if missing:
        raise ParameterError(
            f"{len(missing)} areas have no boundary shape (first {missing[0]!r})",
            hint="values and boundaries must be for the same areas and level",
        )
    return {c: by_code[c] for c in codes}


def _shapes(boundaries: dict[str, Any], codes: list[str]) -> dict[str, Any]:
    from shapely.geometry import shape

    return {c: shape(f["geometry"]) for c, f in _features(boundaries, codes).items()}


def _queen_neighbours(boundaries: dict[str, Any], codes: list[str]) -> dict[str, list[str]]:
    """Areas sharing at least one boundary vertex, as :class:`libpysal.weights.Queen` finds them (exact
    coordinates), from the GeoJSON rings directly: no shapes are built."""
    features = _features(boundaries, codes)
    points, owners = [], []
    for k, code in enumerate(codes):
        for ring in _rings(features[code]["geometry"]):
            xy = np.asarray(ring, dtype=float)[:, :2]
            points.append(xy)
            owners.append(np.full(len(xy), k))
    if not points:
        return {c: [] for c in codes}
    # + 0.0 makes -0.0 and 0.0 (a vertex on the Greenwich meridian) the same point, as tuple equality does.
    frame = pd.DataFrame(np.vstack(points) + 0.0, columns=["x", "y"])
    frame["area"] = np.concatenate(owners)
    frame = frame.drop_duplicates()
    pairs = frame.merge(frame, on=["x", "y"])
    pairs = pairs.loc[pairs["area_x"] != pairs["area_y"], ["area_x", "area_y"]].drop_duplicates()
    neighbours: dict[str, list[str]] = {c: [] for c in codes}
    for a, b in zip(pairs["area_x"].to_numpy(), pairs["area_y"].to_numpy(), strict=True):
        neighbours[codes[a]].append(codes[b])
    return {c: sorted(n) for c, n in neighbours.items()}


def _component_labels(neighbours: dict[str, list[str]], codes: list[str]) -> np.ndarray:
    from scipy.sparse import csr_matrix
    from scipy.sparse.csgraph import connected_components

    position = {c: i for i, c in enumerate(codes)}
    rows = [position[c] for c in codes for _ in neighbours[c]]
    cols = [position[n] for c in codes for n in neighbours[c]]
    graph = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(len(codes), len(codes)))
    return np.asarray(connected_components(graph, directed=False)[1])


def _taxonomy_for(taxonomy: str | Taxonomy, level: str) -> Taxonomy:
    """The taxonomy: SIC 2007 for GB levels (checked there), NAICS for US CBSAs (checked with the data)."""
    if level == "cbsa":
        return load_taxonomy(taxonomy) if isinstance(taxonomy, str) else taxonomy
    return resolve_taxonomy(taxonomy)


def _is_cbsa(code: str) -> bool:
    return len(code) == 5 and code.isdigit()


def _nearest_neighbours(boundaries: dict[str, Any], codes: list[str], k: int) -> dict[str, list[str]]:
    """Each area's *k* nearest areas by centroid (US Albers, metres), made symmetric (a neighbour of a
    neighbour's list is a neighbour), as for areas that do not tile the map."""
    from scipy.spatial import cKDTree

    shapes = _shapes(boundaries, codes)
    to_albers = _to_albers()
    points = np.array([shapes[c].representative_point().coords[0] for c in codes])
    x, y = to_albers.transform(points[:, 0], points[:, 1])
    xy = np.column_stack([x, y])
    _, index = cKDTree(xy).query(xy, k=min(k + 1, len(codes)))
    neighbours: dict[str, set[str]] = {c: set() for c in codes}
    for i, row in enumerate(index):
        for j in row[1:]:
            neighbours[codes[i]].add(codes[int(j)])
            neighbours[codes[int(j)]].add(codes[i])
    return {c: sorted(n) for c, n in neighbours.items()}


@cache
def _to_albers() -> Any:
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", "EPSG:5070", always_xy=True)  # NAD83 / Conus Albers


@cache
def _to_bng() -> Any:
    from pyproj import Transformer

    return Transformer.from_crs("EPSG:4326", "EPSG:27700", always_xy=True)


def _to_metres(geometry: Any) -> Any:
    import shapely

    to_bng = _to_bng()
    return shapely.transform(geometry, lambda xy: np.column_stack(to_bng.transform(xy[:, 0], xy[:, 1])))


#: Neighbour structures already computed, by shapes object and request: a run maps every cluster on the
#: same areas, and the web app maps them again and again.
_NEIGHBOURS: dict[tuple[Any, ...], tuple[dict[str, Any], tuple[dict[str, list[str]], list[Any], list[str]]]] = {}


def _neighbour_structure(
    boundaries: dict[str, Any], codes: list[str], islands: str, names: dict[str, str]
) -> tuple[dict[str, list[str]], list[tuple[str, str, str, str, str, float]], list[str]]:
    key = (id(boundaries), tuple(codes), islands, tuple(sorted(names.items())))
    cached = _NEIGHBOURS.get(key)
    # The cache keeps the shapes object alive, so its id cannot be reused by another object.
    if cached is not None and cached[0] is boundaries:
        known_neighbours, known_rows, known_kept = cached[1]
        return {c: list(n) for c, n in known_neighbours.items()}, list(known_rows), list(known_kept)
    if codes and all(_is_cbsa(c) for c in codes):
        neighbours = _nearest_neighbours(boundaries, codes, US_NEIGHBOURS)
        _NEIGHBOURS[key] = (boundaries, ({c: list(n) for c, n in neighbours.items()}, [], list(codes)))
        return neighbours, [], list(codes)
    neighbours = _queen_neighbours(boundaries, codes)
    labels = dict(zip(codes, _component_labels(neighbours, codes).tolist(), strict=True))
    sizes = pd.Series(labels).value_counts()
    main = sizes.index[0]
    mainland = [c for c in codes if labels[c] == main]
    rows: list[tuple[str, str, str, str, str, float]] = []
    others = [label for label in sizes.index if label != main]
    if islands == "attach" and others:
        shapes = _shapes(boundaries, codes)
        metric = {c: _to_metres(shapes[c]) for c in codes}
        outside = [c for c in codes if labels[c] != main]
        distance = {(m, t): metric[m].distance(metric[t]) for m in outside for t in codes if labels[t] != labels[m]}
        connected = set(mainland)
        pending = {label: [c for c in codes if labels[c] == label] for label in others}
        # Kruskal-style: link the unconnected group nearest to the connected set, merge it, repeat.
        while pending:
            gap, label, member, target = min(
                (distance[(m, t)], label, m, t)
                for label, members in pending.items()
                for m in members
                for t in connected
                if (m, t) in distance
            )
            neighbours[member].append(target)
            neighbours[target].append(member)
            for m in pending.pop(label):
                rows.append((m, names.get(m, ""), "attached", target if m == member else "", member, gap / 1000.0))
            connected.update(c for c in codes if labels[c] == label)
        kept = codes
    else:
        for label in others:
            for m in (c for c in codes if labels[c] == label):
                rows.append((m, names.get(m, ""), "dropped", "", "", math.nan))
        kept = mainland
        neighbours = {c: [n for n in neighbours[c] if n in set(kept)] for c in kept}
    if len(_NEIGHBOURS) >= 32:  # callers passing fresh shapes each time must not grow the cache forever
        _NEIGHBOURS.clear()
    _NEIGHBOURS[key] = (boundaries, ({c: list(n) for c, n in neighbours.items()}, list(rows), list(kept)))
    return neighbours, rows, kept


def contiguity_weights(
    boundaries: dict[str, Any], codes: list[str], *, islands: str = "attach", names: dict[str, str] | None = None
) -> ContiguityWeights:
    """Queen contiguity weights between *codes*, with islands attached to the mainland or dropped.

    Parameters
    ----------
    boundaries
        A GeoJSON FeatureCollection (WGS84) whose features have property
        ``code`` (e.g. :func:`~clusterplan.sources.ons_geography.load_boundaries`).
    codes
        The areas to weight (their order is kept).
    islands
        ``"attach"``: starting from the largest connected group, repeatedly
        take the unconnected group nearest to the connected areas and join it
        by one link between its area and the connected area nearest each
        other (shortest distance between the shapes, in metres on the British
        National Grid), until all are connected. ``"drop"``: leave every area
        outside the largest connected group out.
    names
        Area names for the islands table.

    Returns
    -------
    ContiguityWeights

    Raises
    ------
    ParameterError
        Unknown island rule, or areas without a shape.

    Examples
    --------
    >>> from clusterplan.sources.ons_geography import load_boundaries, load_areas
    >>> itl3 = [c for c in load_areas("itl3")["area_code"] if not c.startswith("TLN")]
    >>> weights = contiguity_weights(load_boundaries("itl3"), itl3)
    >>> weights.w.n, weights.w.n_components
    (168, 1)
    >>> weights.islands.set_index("area_code").loc["TLJ34", "attached_to"]  # Isle of Wight -> Central Hampshire
    'TLJ36'
    """
    if islands not in ISLAND_RULES:
        raise ParameterError(f"islands must be one of {', '.join(ISLAND_RULES)}, not {islands!r}")
    codes = [str(c) for c in codes]
    neighbours, rows, kept = _neighbour_structure(boundaries, codes, islands, names or {})
    table = pd.DataFrame(rows, columns=["area_code", "area_name", "action", "attached_to", "linked_by", "distance_km"])
    return ContiguityWeights(neighbours={c: sorted(neighbours[c]) for c in kept}, islands=table, rule=islands)


# -- statistics ------------------------------------------------------------------------------------------------------
def benjamini_hochberg(p_values: Any) -> np.ndarray:
    """Benjamini-Hochberg adjusted p-values (NaN kept as NaN).

    An area is significant at false-discovery rate :math:`\\alpha` when its
    adjusted p-value is below :math:`\\alpha`, which is the same set of areas
    as ``p < esda.fdr(p, alpha)``.

    Examples
    --------
    >>> benjamini_hochberg([0.01, 0.04, 0.03, 0.5]).round(3).tolist()
    [0.04, 0.053, 0.053, 0.5]
    """
    values = np.asarray(p_values, dtype=float)
    out = np.full(values.shape, np.nan)
    finite = np.isfinite(values)
    p = values[finite]
    if p.size <= 1:
        out[finite] = p
        return out
    # Scale the k-th smallest by m / k, then take the running minimum from the largest down (R's p.adjust).
    order = np.argsort(p)
    ranked = p[order] * (p.size / np.arange(1, p.size + 1, dtype=float))
    np.minimum.accumulate(ranked[::-1], out=ranked[::-1])
    adjusted = np.empty_like(ranked)
    adjusted[order] = ranked
    out[finite] = np.clip(adjusted, 0.0, 1.0)
    return out


@dataclass
class HotspotResult:
    """Result of :func:`hotspots` / :func:`spatial_autocorrelation`.

    Attributes
    ----------
    table
        :data:`HOTSPOT_COLUMNS`, one row per area with a value (areas dropped
        by the island rule keep their value, with NaN statistics).
    moran_i, moran_expected, moran_z, moran_p
        Global Moran's I, its expectation :math:`-1/(n-1)`, the z-score
        against the permutation distribution and the pseudo p-value.
    parameters
        What was computed and how: measure, cluster, taxonomy, level, year,
        permutations, seed, alpha, island rule, weights, basis of the measure.
    islands
        :attr:`ContiguityWeights.islands`.
    excluded
        Areas of the level that had no value (left out of the weights).
    """

    table: pd.DataFrame
    moran_i: float
    moran_expected: float
    moran_z: float
    moran_p: float
    parameters: dict[str, Any] = field(default_factory=dict)
    islands: pd.DataFrame = field(default_factory=pd.DataFrame)
    excluded: list[str] = field(default_factory=list)

    def summary(self) -> str:
        """A few lines for a terminal: global Moran's I and the significant areas by class."""
        p = self.parameters
        lines = [
            f"{p.get('measure_label', p.get('measure', ''))} of {p.get('cluster_name', p.get('cluster', ''))} "
            f"across {len(self.table)} {str(p.get('level', '')).upper()} areas, {p.get('year', '')}",
            f"global Moran's I = {self.moran_i:.3f} (expected {self.moran_expected:.3f}), z = {self.moran_z:.2f}, "
            f"pseudo p = {self.moran_p:.3f} ({p.get('permutations')} permutations, seed {p.get('seed')})",
        ]
        counts = self.table["lisa_class"].value_counts()
        lines.append(
            f"LISA at FDR {p.get('alpha')}: "
            + ", ".join(f"{k} {int(counts.get(k, 0))}" for k in ("HH", "LL", "HL", "LH", "not significant"))
        )
        for label in ("HH", "HL"):
            areas = self.table[self.table["lisa_class"] == label]
            if len(areas):
                shown = ", ".join(f"{n} ({c})" for c, n in zip(areas["area_code"], areas["area_name"], strict=True))
                lines.append(f"  {label}: {shown}")
        hot = self.table[self.table["hotspot"] == "hot spot"]
        lines.append(f"Gi* hot spots: {len(hot)}, cold spots: {int((self.table['hotspot'] == 'cold spot').sum())}")
        if len(self.islands):
            lines.append(
                "islands "
                + ", ".join(
                    f"{code} {action}" + (f" to {target}" if target else "")
                    for code, action, target in zip(
                        self.islands["area_code"], self.islands["action"], self.islands["attached_to"], strict=True
                    )
                )
            )
        return "\n".join(lines)

    def global_statistics(self) -> dict[str, float]:
        """Global Moran's I, expectation, z and pseudo p as a dict."""
        return {
            "moran_i": self.moran_i,
            "moran_expected": self.moran_expected,
            "moran_z": self.moran_z,
            "moran_p": self.moran_p,
        }

    def to_geojson(self, boundaries: dict[str, Any]) -> dict[str, Any]:
        """A GeoJSON FeatureCollection: one feature per area with the table's columns as properties.

        Global statistics, parameters, islands and attribution go in the
        collection's ``clusterplan`` member. *boundaries* are the shapes of the
        result's level (a FeatureCollection with ``code`` properties;
        :func:`clusterplan.pipeline.hotspots.hotspot_geojson` passes the packaged ones).
        """
        by_code = {str(f["properties"]["code"]): f for f in boundaries["features"]}
        features = []
        for record in self.table.to_dict("records"):
            code = str(record["area_code"])
            if code not in by_code:
                continue
            properties = {k: plain(v) for k, v in record.items()}
            features.append(
                {"type": "Feature", "id": code, "properties": properties, "geometry": by_code[code]["geometry"]}
            )
        return {
            "type": "FeatureCollection",
            "features": features,
            "clusterplan": {
                "kind": "hotspots",
                "parameters": {k: plain(v) for k, v in self.parameters.items()},
                "global_moran": {k: plain(v) for k, v in self.global_statistics().items()},
                "islands": [{k: plain(v) for k, v in r.items()} for r in self.islands.to_dict("records")],
                "excluded": list(self.excluded),
                "attribution": _ATTRIBUTION,
            },
        }


def _check_inference(permutations: int, alpha: float) -> None:
    if permutations < 99:
        raise ParameterError(f"permutations must be at least 99, not {permutations}")
    if not 0 < alpha < 1:
        raise ParameterError(f"alpha must be between 0 and 1, not {alpha}")


def _fdr_threshold(p_values: np.ndarray, alpha: float) -> float:
    """The Benjamini-Hochberg cut-off as :func:`esda.fdr` gives it: the largest :math:`k\\alpha/n` with the
    k-th smallest p-value below it, or :math:`\\alpha/n` (Bonferroni) when there is none."""
    n = len(p_values)
    ranked = np.sort(p_values)
    bounds = np.arange(1, n + 1) * alpha / n
    below = np.nonzero(ranked < bounds)[0]
    return float(bounds[below[-1]]) if len(below) else alpha / n


@functools.lru_cache(maxsize=8)
def _permutation_draws(n: int, permutations: int, seed: int) -> np.ndarray:
    """Orderings of the n areas for global Moran's I: the draws of esda's ``Moran`` after ``np.random.seed``."""
    generator = np.random.RandomState(seed)
    draws = np.stack([generator.permutation(n) for _ in range(permutations)])
    draws.flags.writeable = False
    return draws


@functools.lru_cache(maxsize=8)
def _conditional_draws(size: int, n: int, permutations: int, seed: int) -> np.ndarray:
    """Neighbour sets for conditional randomisation, as esda's ``crand`` draws them: *size* of the n - 1
    other areas without replacement, one row per permutation, the same rows for every area."""
    generator = np.random.RandomState(seed)
    draws = np.stack([generator.choice(n - 1, size=size, replace=False) for _ in range(permutations)])
    draws.flags.writeable = False
    return draws


def _folded_p(simulated: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """Pseudo p-values :math:`(\\min(m, P - m) + 1) / (P + 1)` of *observed* (k,) against *simulated* (P, k)."""
    permutations = simulated.shape[0]
    larger = (simulated >= observed).sum(axis=0)
    larger = np.where(permutations - larger < larger, permutations - larger, larger)
    return np.asarray((larger + 1.0) / (permutations + 1.0))


@dataclass
class _Statistics:
    """The statistics of several value columns over the same weights (arrays with one column per value set)."""

    moran_i: np.ndarray
    moran_expected: float
    moran_z: np.ndarray
    moran_p: np.ndarray
    z: np.ndarray
    lag: np.ndarray
    local_i: np.ndarray
    quadrant: np.ndarray
    local_p: np.ndarray
    gi_z: np.ndarray
    gi_p: np.ndarray


def _statistics(y: np.ndarray, neighbours: dict[str, list[str]], permutations: int, seed: int) -> _Statistics:
    """Global Moran's I, LISA and Gi* of every column of *y* (areas x value sets) at once.

    The permutation draws are made once and shared by every column and by both local statistics, exactly as
    esda draws them for one column with the same seed, and each column's arithmetic is esda's, so each
    column gets what ``esda.Moran``, ``esda.Moran_Local`` and ``esda.G_Local(star=True)`` give for it.
    """
    from scipy.sparse import csr_matrix, identity

    codes = list(neighbours)
    n, columns = y.shape
    position = {c: i for i, c in enumerate(codes)}
    rows = np.array([position[c] for c in codes for _ in neighbours[c]], dtype=np.int64)
    cols = np.array([position[m] for c in codes for m in neighbours[c]], dtype=np.int64)
    cardinality = np.array([len(neighbours[c]) for c in codes])
    row_standardised = csr_matrix(((1.0 / cardinality)[rows], (rows, cols)), shape=(n, n))
    star = csr_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n)) + identity(n, format="csr")
    weight = np.asarray(star.sum(axis=1)).ravel()
    s0 = row_standardised.sum()
    orderings = _permutation_draws(n, permutations, seed)
    out = {name: np.empty(columns) for name in ("moran_i", "moran_z", "moran_p", "den", "total")}
    z_all, lag_all, local_all, gi_all, gi_z_all = (np.empty((n, columns)) for _ in range(5))
    for k in range(columns):
        values = np.ascontiguousarray(y[:, k])
        # Global Moran's I on deviations from the mean, against P random orderings of the areas.
        centred = values - values.mean()
        squares = (centred * centred).sum()
        moran_i = n / s0 * (centred * (row_standardised @ centred)).sum() / squares
        shuffled = centred[orderings]
        simulated = n / s0 * (shuffled * np.ascontiguousarray((row_standardised @ shuffled.T).T)).sum(axis=1)
        simulated = simulated / squares
        out["moran_i"][k] = moran_i
        out["moran_p"][k] = _folded_p(simulated[:, None], np.array([moran_i]))[0]
        with np.errstate(divide="ignore", invalid="ignore"):
            out["moran_z"][k] = (moran_i - simulated.sum() / permutations) / simulated.std()
        # LISA on standardised values.
        z = values - values.mean()
        with np.errstate(all="ignore"):
            z /= values.std()
        lag = row_standardised @ z
        den = (z * z).sum()
        z_all[:, k], lag_all[:, k], out["den"][k] = z, lag, den
        local_all[:, k] = (n - 1) * z * lag / den
        # Gi* on the values, binary weights with the area itself, and esda's analytical z-score.
        total = values.sum()
        out["total"][k] = total
        gi_all[:, k] = (star @ values) / total
        mean, mean_of_squares = total / n, (values**2).sum() / n
        expected_variance = weight * (n - weight) / (n - 1) * (1 / n**2) * ((mean_of_squares - mean**2) / mean**2)
        gi_z_all[:, k] = (gi_all[:, k] - weight / n) / np.sqrt(expected_variance)
    positive, lag_positive = z_all > 0, lag_all > 0
    quadrant = np.select([positive & lag_positive, ~positive & lag_positive, ~positive & ~lag_positive], [1, 2, 3], 4)

    # Conditional randomisation: area i keeps its value, its neighbours' are drawn from the other n - 1.
    draws = _conditional_draws(int(cardinality.max()), n, permutations, seed)
    scaling = (n - 1) / out["den"]
    local_p = np.empty((n, columns))
    gi_p = np.empty((n, columns), dtype=np.float32)  # esda keeps Gi*'s pseudo p-values in single precision
    z_rows, y_rows = np.ascontiguousarray(z_all.T), np.ascontiguousarray(y.T)
    scale, total = scaling[:, None], out["total"][:, None]
    for i in range(n):
        picked = draws[:, : cardinality[i]]
        picked = picked + (picked >= i)  # positions among the other areas -> positions among all areas
        lisa_weights, star_weights = np.full(cardinality[i], 1.0 / cardinality[i]), np.ones(cardinality[i])
        # One (permutations x neighbours) product per column, as esda computes it: a tie between a draw and
        # the observed value then falls the same way. np.take makes each column's block C-contiguous, and a
        # stack of contiguous blocks times a vector is the same BLAS product block by block, with every
        # column's at once (not 2 gathers and 2 products per column and area: a third of a US run's hotspots).
        lags = np.take(z_rows, picked, axis=1) @ lisa_weights
        sums = np.take(y_rows, picked, axis=1) @ star_weights
        local_p[i] = _folded_p((z_all[i][:, None] * lags * scale).T, local_all[i])
        gi_p[i] = _folded_p(((sums + y[i][:, None]) / total).T, gi_all[i])
    return _Statistics(
        moran_i=out["moran_i"],
        moran_expected=-1.0 / (n - 1),
        moran_z=out["moran_z"],
        moran_p=out["moran_p"],
        z=z_all,
        lag=lag_all,
        local_i=local_all,
        quadrant=quadrant,
        local_p=local_p,
        gi_z=gi_z_all,
        gi_p=gi_p,
    )


def spatial_autocorrelation(
    values: pd.Series,
    boundaries: dict[str, Any],
    *,
    permutations: int = 999,
    seed: int = 12345,
    alpha: float = 0.05,
    islands: str = "attach",
    names: dict[str, str] | None = None,
    parameters: dict[str, Any] | None = None,
) -> HotspotResult:
    r"""Global Moran's I, local Moran's I (LISA) and Getis-Ord Gi* of values by area.

    Parameters
    ----------
    values
        One value per area, indexed by area code (NaN values are left out).
    boundaries
        GeoJSON FeatureCollection of the areas (property ``code``).
    permutations
        Random permutations for the pseudo p-values (at least 99).
    seed
        Seed of the permutations (results are reproducible).
    alpha
        False-discovery rate for the local tests (Benjamini-Hochberg).
    islands
        ``"attach"`` or ``"drop"`` (see :func:`contiguity_weights`).
    names
        Area names.
    parameters
        Extra entries for :attr:`HotspotResult.parameters`.

    Returns
    -------
    HotspotResult

    Raises
    ------
    ParameterError
        Fewer than 10 areas with values, values that do not vary, a bad
        number of permutations or alpha, or areas without a shape.

    Notes
    -----
    With :math:`z_i = (x_i - \bar{x}) / s` and row-standardised weights
    :math:`w_{ij}`:

    .. math::

        I = \frac{n}{\sum_{ij} w_{ij}} \frac{\sum_{ij} w_{ij} z_i z_j}{\sum_i z_i^2}, \qquad
        I_i = z_i \sum_j w_{ij} z_j, \qquad
        G^*_i = \frac{\sum_j w^*_{ij} x_j}{\sum_j x_j}

    where :math:`w^*` are binary weights including :math:`i` itself. The
    quadrant is HH when :math:`z_i > 0` and its lag :math:`\sum_j w_{ij} z_j
    > 0`, LL when both are negative, HL and LH otherwise; it is reported for
    every area, and ``lisa_class`` keeps it only where the local Moran test is
    significant after the false-discovery-rate correction. ``gi_star_z`` is
    esda's analytical z-score of :math:`G^*_i`; ``gi_star_p`` its permutation
    pseudo p-value. Gi* assumes non-negative values (all the measures here
    are).

    Examples
    --------
    >>> import pandas as pd
    >>> from clusterplan.sources.ons_geography import load_boundaries
    >>> fc = load_boundaries("itl2")
    >>> codes = [f["properties"]["code"] for f in fc["features"] if not f["properties"]["code"].startswith("TLN")]
    >>> london = pd.Series([1.0 if c.startswith(("TLI", "TLJ")) else 0.0 for c in codes], index=codes)
    >>> result = spatial_autocorrelation(london, fc, permutations=99, seed=1)
    >>> round(result.moran_i, 3), result.moran_p
    (0.768, 0.01)
    """
    _check_inference(permutations, alpha)
    series = pd.Series(values, dtype=float)
    series.index = series.index.astype(str)
    result = _autocorrelations(
        series.to_frame("values"),
        boundaries,
        permutations=permutations,
        seed=seed,
        alpha=alpha,
        islands=islands,
        names=names,
        parameters={"values": dict(parameters or {})},
    )["values"]
    if isinstance(result, ClusterplanError):
        raise result
    return result


def _autocorrelations(
    values: pd.DataFrame,
    boundaries: dict[str, Any],
    *,
    permutations: int,
    seed: int,
    alpha: float,
    islands: str,
    names: dict[str, str] | None,
    parameters: Mapping[str, Mapping[str, Any]],
) -> dict[str, HotspotResult | ClusterplanError]:
    """:func:`spatial_autocorrelation` of every column of *values* (indexed by area code), with one set of
    permutation draws for all of them; a column that cannot be tested gets the error that says why."""
    results: dict[str, HotspotResult | ClusterplanError] = {}
    groups: dict[tuple[str, ...], list[str]] = {}
    for column in values.columns:
        series = values[column]
        known = series[np.isfinite(series.to_numpy())]
        if len(known) < 10:
            results[column] = ParameterError(
                f"only {len(known)} areas have a value; spatial statistics need at least 10"
            )
            continue
        groups.setdefault(tuple(known.index), []).append(column)
    for codes_key, columns in groups.items():
        codes = list(codes_key)
        try:
            weights = contiguity_weights(boundaries, codes, islands=islands, names=names)
        except ClusterplanError as exc:
            results.update(dict.fromkeys(columns, exc))
            continue
        kept = list(weights.neighbours)
        matrix = values.loc[kept, columns].to_numpy(dtype=float)
        flat = matrix.std(axis=0) == 0.0
        for column in np.asarray(columns)[flat]:
            results[column] = ParameterError("the values do not vary across areas; there is no spatial pattern to test")
        columns = [c for c, f in zip(columns, flat, strict=True) if not f]
        if not columns:
            continue
        matrix = matrix[:, ~flat]
        stats = _statistics(matrix, weights.neighbours, permutations, seed)
        links = weights.islands[weights.islands["action"] == "attached"].set_index("area_code")["attached_to"]
        link_of = {str(k): str(v) for k, v in links.items()}
        dropped = [c for c in codes if c not in set(kept)]
        for k, column in enumerate(columns):
            local_p, gi_p = stats.local_p[:, k], stats.gi_p[:, k]
            threshold_local, threshold_gi = _fdr_threshold(local_p, alpha), _fdr_threshold(gi_p, alpha)
            table = pd.DataFrame(
                {
                    "area_code": kept,
                    "value": matrix[:, k],
                    "standardised_value": stats.z[:, k],
                    "spatial_lag": stats.lag[:, k],
                    "neighbours": [len(weights.neighbours[c]) for c in kept],
                    "local_moran_i": stats.local_i[:, k],
                    "quadrant": [QUADRANTS[int(q)] for q in stats.quadrant[:, k]],
                    "local_moran_p": local_p,
                    "local_moran_p_fdr": benjamini_hochberg(local_p),
                    "local_moran_significant": local_p < threshold_local,
                    "gi_star_z": stats.gi_z[:, k],
                    "gi_star_p": gi_p,
                    "gi_star_p_fdr": benjamini_hochberg(gi_p),
                    "gi_star_significant": gi_p < threshold_gi,
                }
            )
            table["lisa_class"] = np.where(table["local_moran_significant"], table["quadrant"], "not significant")
            table["hotspot"] = np.where(
                table["gi_star_significant"],
                np.where(table["gi_star_z"] > 0, "hot spot", "cold spot"),
                "not significant",
            )
            table["attached_to"] = [link_of.get(str(c), "") for c in table["area_code"]]
            if dropped:
                extra = pd.DataFrame({"area_code": dropped, "value": values.loc[dropped, column].to_numpy()})
                extra["lisa_class"] = "not tested"
                extra["hotspot"] = "not tested"
                extra["attached_to"] = ""
                table = pd.concat([table, extra], ignore_index=True)
            table["area_name"] = [(names or {}).get(str(c), "") for c in table["area_code"]]
            table = table[HOTSPOT_COLUMNS].sort_values("area_code").reset_index(drop=True)
            params = dict(parameters.get(column, {}))
            params.update(
                permutations=int(permutations),
                seed=int(seed),
                alpha=float(alpha),
                islands=islands,
                weights=(
                    f"{US_NEIGHBOURS} nearest CBSAs by centroid (made symmetric)"
                    if all(_is_cbsa(c) for c in kept)
                    else "queen contiguity"
                )
                + ", row-standardised for Moran's I and LISA, binary with self for Gi*",
                fdr="Benjamini-Hochberg",
                areas_tested=len(kept),
                local_moran_p_threshold=float(threshold_local),
                gi_star_p_threshold=float(threshold_gi),
            )
            series = values[column]
            results[column] = HotspotResult(
                table=table,
                moran_i=float(stats.moran_i[k]),
                moran_expected=float(stats.moran_expected),
                moran_z=float(stats.moran_z[k]),
                moran_p=float(stats.moran_p[k]),
                parameters=params,
                islands=weights.islands,
                excluded=sorted(set(series.index) - set(codes)),
            )
    return {column: results[column] for column in values.columns}


# -- measures --------------------------------------------------------------------------------------------------------
def _gb_codes(index: pd.Index) -> np.ndarray:
    text = pd.Series(index.astype(str))
    return (~text.str.startswith("TLN") & ~text.str.startswith("N")).to_numpy()


def _measure(value: pd.DataFrame, total: pd.DataFrame, measure: str) -> tuple[pd.DataFrame, dict[str, ParameterError]]:
    if measure in ("gva", "employment"):
        return value, {}
    share = value / total.where(total > 0)
    if measure == "share":
        return share, {}
    benchmark = share.loc[GREAT_BRITAIN] if GREAT_BRITAIN in share.index else pd.Series(np.nan, index=share.columns)
    missing = ~np.isfinite(benchmark.to_numpy()) | (benchmark.to_numpy() == 0)
    errors = {
        str(c): ParameterError(
            "no Great Britain benchmark for the location quotient in this year",
            hint="the benchmark is the embedded BRES (2015-2021); choose a year it covers or measure share",
        )
        for c in share.columns[missing]
    }
    return share / benchmark.where(~missing), errors


def _rings(geometry: dict[str, Any]) -> list[list[list[float]]]:
    if geometry["type"] == "Polygon":
        return list(geometry["coordinates"])
    if geometry["type"] == "MultiPolygon":
        return [ring for polygon in geometry["coordinates"] for ring in polygon]
    return []
