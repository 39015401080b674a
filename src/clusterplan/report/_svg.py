"""Static SVG charts: the plan's priority chart and the two-panel hotspot map.

Self-contained SVG text (no JavaScript), for ``clusterplan hotspots --svg`` and
for anyone who wants a picture outside the HTML report; the numbers they draw
come from :mod:`clusterplan.scenarios.priorities` and
:mod:`clusterplan.geography.hotspots`.
"""

from __future__ import annotations

import math
from html import escape
from typing import Any

import numpy as np
import pandas as pd

from .._exceptions import ParameterError
from ..geography.hotspots import (
    _ATTRIBUTION,
    _US_ATTRIBUTION,
    LISA_COLOURS,
    HotspotResult,
    _rings,
    _to_albers,
    _to_bng,
)
from ..regions import contiguous_cbsas
from ..sources.ons_geography import load_boundaries

__all__ = ["hotspot_map_svg", "priority_chart_svg"]

_SEQUENTIAL = ["#FFFFCC", "#C7E9B4", "#7FCDBB", "#41B6C4", "#2C7FB8", "#253494"]  # ColorBrewer YlGnBu, CB-safe


def priority_chart_svg(priorities: pd.DataFrame, *, title: str = "Cluster priorities") -> str:
    """The plan's chart: growth potential (y) against regional strength (x), bubble = jobs, colour = pay.

    Parameters
    ----------
    priorities
        Needs ``cluster`` (label), ``comparative_advantage`` (x, location
        quotient), ``growth_potential`` (y, %), ``employment`` (bubble area)
        and ``pay`` (colour, light = low, dark = high; grey when missing).

    Returns
    -------
    str
        A self-contained SVG element.
    """
    width, height, pad = 860, 540, 80
    needed = ["cluster", "comparative_advantage", "growth_potential", "employment"]
    absent = [c for c in needed if c not in priorities.columns]
    if absent:
        raise ParameterError(f"the priority chart needs columns {absent}")
    rows = priorities.dropna(subset=needed[1:])
    header = (
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" role="img" '
        f'font-family="sans-serif"><title>{escape(title)}</title>'
    )
    if rows.empty:
        return header + '<text x="20" y="40">no data</text></svg>'
    xs = rows["comparative_advantage"].astype(float).tolist()
    ys = rows["growth_potential"].astype(float).tolist()
    x0, x1 = min([*xs, 0.0]), max([*xs, 1.0]) * 1.1
    y0 = min([*ys, 0.0])
    y1 = max([*ys, 1e-9]) * 1.15
    pays = rows["pay"].astype(float) if "pay" in rows.columns else pd.Series(np.nan, index=rows.index)
    low_pay, high_pay = pays.min(), pays.max()
    biggest = float(rows["employment"].max()) or 1.0

    def px(v: float) -> float:
        return pad + (v - x0) / (x1 - x0) * (width - 2 * pad)

    def py(v: float) -> float:
        return height - pad - (v - y0) / ((y1 - y0) or 1.0) * (height - 2 * pad)

    def colour(p: float) -> str:
        if not np.isfinite(p) or not np.isfinite(low_pay):
            return "#999999"
        t = 0.5 if high_pay == low_pay else (p - low_pay) / (high_pay - low_pay)
        light, dark = (198, 219, 239), (8, 48, 107)  # ColorBrewer Blues, light to dark
        r, g, b = (round(a + (d - a) * t) for a, d in zip(light, dark, strict=True))
        return f"#{r:02x}{g:02x}{b:02x}"

    parts = [header]
    parts.append(f'<line x1="{pad}" x2="{width - pad}" y1="{py(0):.1f}" y2="{py(0):.1f}" stroke="#444"/>')
    parts.append(f'<line x1="{px(x0):.1f}" x2="{px(x0):.1f}" y1="{pad}" y2="{height - pad}" stroke="#444"/>')
    if x0 <= 1.0 <= x1:
        parts.append(
            f'<line x1="{px(1.0):.1f}" x2="{px(1.0):.1f}" y1="{pad}" y2="{height - pad}" stroke="#888" '
            'stroke-dasharray="4 4"/>'
        )
    parts.append(
        f'<text x="{width / 2}" y="{height - 24}" text-anchor="middle">regional strength: location quotient</text>'
    )
    parts.append(
        f'<text x="20" y="{height / 2}" transform="rotate(-90 20 {height / 2})" text-anchor="middle">'
        "growth potential: additional jobs, % of baseline</text>"
    )
    for tick in range(5):
        vx = x0 + (x1 - x0) * tick / 4
        vy = y0 + (y1 - y0) * tick / 4
        parts.append(
            f'<text x="{px(vx):.1f}" y="{height - pad + 18}" text-anchor="middle" font-size="11">{vx:.2f}</text>'
        )
        parts.append(f'<text x="{pad - 8}" y="{py(vy) + 4:.1f}" text-anchor="end" font-size="11">{vy:.0f}%</text>')
    order = rows.assign(pay=pays).sort_values("employment", ascending=False)
    for name, lq, growth, jobs, pay in zip(
        order["cluster"].astype(str),
        order["comparative_advantage"].to_numpy(dtype=float),
        order["growth_potential"].to_numpy(dtype=float),
        order["employment"].to_numpy(dtype=float),
        order["pay"].to_numpy(dtype=float),
        strict=True,
    ):
        r = 6 + 34 * math.sqrt(jobs / biggest)
        pay_text = f"£{pay:,.0f}" if np.isfinite(pay) else "not available"
        label = escape(name)
        parts.append(
            f'<circle cx="{px(lq):.1f}" cy="{py(growth):.1f}" r="{r:.1f}" fill="{colour(pay)}" fill-opacity="0.75" '
            f'stroke="#333"><title>{label}: LQ {lq:.2f}, growth potential {growth:.1f}%, {jobs:,.0f} jobs, '
            f"pay {pay_text}</title></circle>"
        )
        parts.append(
            f'<text x="{px(lq):.1f}" y="{py(growth) - r - 4:.1f}" text-anchor="middle" font-size="11">{label}</text>'
        )
    if np.isfinite(low_pay):
        parts.append(
            f'<text x="{width - pad}" y="{pad - 30}" text-anchor="end" font-size="11">colour: pay per job, '
            f"£{low_pay:,.0f} (light) to £{high_pay:,.0f} (dark); bubble area: jobs</text>"
        )
    parts.append("</svg>")
    return "".join(parts)


def hotspot_map_svg(
    result: HotspotResult, boundaries: dict[str, Any] | None = None, *, title: str | None = None
) -> str:
    """A static two-panel SVG map: the measure's values (quantiles) and the LISA classes.

    Pure Python from the GeoJSON shapes (projected to the British National
    Grid; US CBSAs to the Conus Albers projection). Colour-blind-safe palettes (ColorBrewer YlGnBu for values,
    Okabe-Ito for LISA classes); significant areas carry their class as a
    text label, so the map does not rely on colour alone; dashed lines show
    the island links; a legend gives the counts, and the footer the global
    Moran's I and the attribution.

    Parameters
    ----------
    result
        A :class:`HotspotResult`.
    boundaries
        The shapes (default the packaged boundaries of the result's level).
    title
        Default: measure, cluster, level and year.
    """
    level = str(result.parameters.get("level", "itl3"))
    shapes = boundaries if boundaries is not None else load_boundaries(level)
    table = result.table.set_index("area_code")
    # GB on the British National Grid; US CBSAs (contiguous states) on the Conus Albers projection.
    to_bng = _to_albers() if level == "cbsa" else _to_bng()
    projected: dict[str, list[np.ndarray]] = {}
    for feature in shapes["features"]:
        code = str(feature["properties"]["code"])
        if code.startswith(("TLN", "N")) or (level == "cbsa" and code not in contiguous_cbsas()):
            continue
        rings = []
        for ring in _rings(feature["geometry"]):
            xy = np.asarray(ring, dtype=float)
            x, y = to_bng.transform(xy[:, 0], xy[:, 1])
            rings.append(np.column_stack([x, y]))
        projected[code] = rings
    every = np.vstack([r for rings in projected.values() for r in rings])
    (x0, y0), (x1, y1) = every.min(axis=0), every.max(axis=0)
    panel_w, panel_h, top, gap = (640.0, 420.0, 60.0, 20.0) if level == "cbsa" else (500.0, 640.0, 60.0, 20.0)
    scale = min((panel_w - 130) / (x1 - x0), panel_h / (y1 - y0))
    width, height = int(2 * panel_w + gap + 40), int(top + panel_h + 150)
    # London's areas are too small to read at GB scale: an inset repeats them, enlarged, off the east coast.
    london = [c for c in projected if c.startswith(("TLI", "E09"))]
    inset_w, inset_h = 150.0, 120.0
    views: list[tuple[list[str], float, float, float, float, float]] = [(sorted(projected), x0, y1, scale, 20.0, top)]
    if london:
        box = np.vstack([r for c in london for r in projected[c]])
        (lx0, ly0), (lx1, ly1) = box.min(axis=0), box.max(axis=0)
        inset_scale = min(inset_w / (lx1 - lx0), inset_h / (ly1 - ly0))
        views.append((sorted(london), lx0, ly1, inset_scale, 20.0 + panel_w - inset_w - 10, top + 300))

    def path(code: str, dx: float, view: tuple[list[str], float, float, float, float, float]) -> str:
        _, vx0, vy1, vscale, ox, oy = view
        parts = []
        for ring in projected[code]:
            px = ox + dx + (ring[:, 0] - vx0) * vscale
            py = oy + (vy1 - ring[:, 1]) * vscale
            parts.append("M" + "L".join(f"{a:.1f},{b:.1f}" for a, b in zip(px, py, strict=True)) + "Z")
        return "".join(parts)

    def centre(code: str, dx: float, view: tuple[list[str], float, float, float, float, float]) -> tuple[float, float]:
        _, vx0, vy1, vscale, ox, oy = view
        ring = max(projected[code], key=len)
        return ox + dx + (ring[:, 0].mean() - vx0) * vscale, oy + (vy1 - ring[:, 1].mean()) * vscale

    values = table["value"].astype(float)
    finite = values[np.isfinite(values.to_numpy())]
    edges = np.unique(np.quantile(finite.to_numpy(), np.linspace(0, 1, len(_SEQUENTIAL) + 1)))
    positive = finite[finite > 0].to_numpy()
    if len(edges) < 4 and len(positive) > len(_SEQUENTIAL):
        # Mostly zeros (an industry many areas lack): zero is one class, quantiles of the rest the others.
        upper = np.quantile(positive, np.linspace(0, 1, len(_SEQUENTIAL)))
        edges = np.unique(np.concatenate([[float(finite.min())], [np.nextafter(0.0, 1.0)], upper[1:]]))
    palette = _SEQUENTIAL[-(len(edges) - 1) :] if len(edges) > 1 else _SEQUENTIAL[:1]

    def value_colour(v: float) -> str:
        if not np.isfinite(v):
            return LISA_COLOURS["no data"]
        i = int(np.searchsorted(edges, v, side="right") - 1)
        return palette[min(max(i, 0), len(palette) - 1)]

    p = result.parameters
    heading = title or (
        f"{p.get('measure_label', p.get('measure', ''))}: {p.get('cluster_name', p.get('cluster', ''))}, "
        f"{level.upper()} areas, {p.get('year', '')}"
    )
    desc = result.summary().replace("\n", "; ")
    out = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" '
        'role="img" aria-labelledby="map-title map-desc" font-family="system-ui, sans-serif" font-size="12">',
        f'<title id="map-title">{escape(heading)}</title><desc id="map-desc">{escape(desc)}</desc>',
        f'<rect width="{width}" height="{height}" fill="#fff"/>',
        f'<text x="20" y="24" font-size="16" font-weight="bold">{escape(heading)}</text>',
        f'<text x="20" y="{top - 14}" font-weight="bold">Values</text>',
        f'<text x="{20 + panel_w + gap}" y="{top - 14}" font-weight="bold">'
        f"Local Moran (LISA) clusters, FDR {p.get('alpha')}</text>",
    ]
    for number, view in enumerate(views):
        for dx in (0.0, panel_w + gap):
            if number:
                ox, oy = view[4] + dx, view[5]
                out.append(
                    f'<rect x="{ox - 4:.1f}" y="{oy - 4:.1f}" width="{inset_w + 8}" height="{inset_h + 22}" '
                    'fill="#fff" stroke="#000" stroke-width="0.6"/>'
                )
                out.append(f'<text x="{ox:.1f}" y="{oy + inset_h + 14:.1f}" font-size="10">London, enlarged</text>')
        for code in view[0]:
            v = float(values.get(code, np.nan))
            label = str(table["lisa_class"].get(code, "no data")) if code in table.index else "no data"
            name = escape(str(table["area_name"].get(code, code))) if code in table.index else code
            tip = f"{name} ({code}): {v:.4g}" if np.isfinite(v) else f"{name} ({code}): no data"
            out.append(
                f'<path d="{path(code, 0, view)}" fill="{value_colour(v)}" stroke="#555" stroke-width="0.3">'
                f"<title>{tip}</title></path>"
            )
            lisa_fill = LISA_COLOURS.get(label, LISA_COLOURS["no data"])
            out.append(
                f'<path d="{path(code, panel_w + gap, view)}" fill="{lisa_fill}" stroke="#555" stroke-width="0.3">'
                f"<title>{tip}; {escape(label)}</title></path>"
            )
        for code in view[0]:
            if code in table.index and table.loc[code, "lisa_class"] in ("HH", "LL", "HL", "LH"):
                if number == 0 and code in london:
                    continue  # labelled in the inset
                cx, cy = centre(code, panel_w + gap, view)
                colour = "#fff" if table.loc[code, "lisa_class"] in ("LL", "HH") else "#000"
                out.append(
                    f'<text x="{cx:.1f}" y="{cy + 3:.1f}" text-anchor="middle" font-size="8" font-weight="bold" '
                    f'fill="{colour}">{escape(str(table.loc[code, "lisa_class"]))}</text>'
                )
    if london:
        box = np.vstack([r for c in london for r in projected[c]])
        (lx0, ly0), (lx1, ly1) = box.min(axis=0), box.max(axis=0)
        for dx in (0.0, panel_w + gap):
            out.append(
                f'<rect x="{20 + dx + (lx0 - x0) * scale:.1f}" y="{top + (y1 - ly1) * scale:.1f}" '
                f'width="{(lx1 - lx0) * scale:.1f}" height="{(ly1 - ly0) * scale:.1f}" fill="none" stroke="#000" '
                'stroke-width="0.6"/>'
            )
    main_view = views[0]
    links = result.islands[result.islands["action"] == "attached"] if len(result.islands) else result.islands
    for island, target in zip(links.get("area_code", []), links.get("attached_to", []), strict=True):
        if target and str(island) in projected and str(target) in projected:
            for dx in (0.0, panel_w + gap):
                ax, ay = centre(str(island), dx, main_view)
                bx, by = centre(str(target), dx, main_view)
                out.append(
                    f'<line x1="{ax:.1f}" y1="{ay:.1f}" x2="{bx:.1f}" y2="{by:.1f}" stroke="#000" '
                    'stroke-width="0.8" stroke-dasharray="3 2"/>'
                )
    legend_y = top + panel_h + 20
    for i, colour in enumerate(palette):
        low, high = edges[i], edges[i + 1]
        y = legend_y + i * 16
        out.append(f'<rect x="20" y="{y}" width="14" height="12" fill="{colour}" stroke="#555" stroke-width="0.3"/>')
        tiny = np.nextafter(0.0, 1.0)
        text = "0" if high <= tiny else (f"above 0 – {high:.3g}" if low == tiny else f"{low:.3g} – {high:.3g}")
        out.append(f'<text x="40" y="{y + 10}">{text}</text>')
    counts = result.table["lisa_class"].value_counts()
    names = {
        "HH": "HH high among high",
        "LL": "LL low among low",
        "HL": "HL high among low",
        "LH": "LH low among high",
        "not significant": "not significant",
    }
    for i, key in enumerate(names):
        y = legend_y + i * 16
        x = 20 + panel_w + gap
        swatch = LISA_COLOURS[key]
        out.append(f'<rect x="{x}" y="{y}" width="14" height="12" fill="{swatch}" stroke="#555" stroke-width="0.3"/>')
        out.append(f'<text x="{x + 20}" y="{y + 10}">{escape(names[key])} ({int(counts.get(key, 0))})</text>')
    footer_y = height - 22
    out.append(
        f'<text x="20" y="{footer_y}">Global Moran\'s I {result.moran_i:.3f}, pseudo p {result.moran_p:.3f} '
        f"({p.get('permutations')} permutations, seed {p.get('seed')}); "
        + (
            escape(f"neighbours: {p.get('weights')}.")
            if level == "cbsa"
            else f"islands {p.get('islands')}, dashed lines = island links."
        )
        + "</text>"
    )
    attribution = _US_ATTRIBUTION if level == "cbsa" else _ATTRIBUTION
    out.append(f'<text x="20" y="{footer_y + 14}" font-size="9">{escape(attribution)}</text>')
    out.append("</svg>")
    return "\n".join(out)
