"""Interactive charts for the self-contained HTML report, as Plotly figure specifications.

Each chart is a :class:`Chart`: a Plotly ``data``/``layout`` pair (plain
JSON, drawn in the browser by the plotly.js bundle inlined once in the
report), a caption that says what the chart shows in words, and a
:class:`DataTable` with the same numbers for screen readers, for print and
for anyone who cannot tell the colours apart.

Accessibility rules kept by every chart here: categorical colours come from
the Okabe-Ito palette and sequential ones from cividis/viridis (readable with
colour-vision deficiencies); the focus region is marked by an outline, a
pattern or a label as well as by colour; values are written on bars.

Maps use Plotly ``choropleth`` traces on a ``geo`` subplot with the areas'
own GeoJSON and no base map, so nothing is fetched: the report supplies an
empty world topology to plotly.js (``window.PlotlyGeoAssets``), which
otherwise downloads one from a CDN.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import cache
from typing import Any, NamedTuple

import numpy as np

from .._cache import kept_on_disk

__all__ = [
    "CIVIDIS",
    "LISA_CLASSES",
    "OKABE_ITO",
    "Chart",
    "DataTable",
    "Inset",
    "bar_chart",
    "bubble_chart",
    "choropleth_map",
    "dumbbell_chart",
    "feature_centroid",
    "line_chart",
    "lisa_map",
    "rank_chart",
    "report_geojson",
    "scatter_chart",
    "small_multiple_maps",
    "to_json",
    "to_number",
    "waterfall_chart",
]

#: Okabe & Ito (2008) colour-blind-safe categorical palette.
OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
#: The benchmark and "other areas" colour: a neutral grey with enough contrast on white.
GREY = "#8C8C8C"
#: Nuñez, Anderton and Renslow (2018): a sequential scale designed for colour-vision deficiencies.
CIVIDIS = "Cividis"
VIRIDIS = "Viridis"
_FONT = {"family": 'system-ui, -apple-system, "Segoe UI", Roboto, sans-serif', "size": 13, "color": "#1b1b1b"}
#: Most point labels a scatter chart writes (more overlap).
MAX_LABELS = 12
#: Shared-data references inside a spec: the string is replaced in the browser by the named shared value.
SHARED_PREFIX = "@@shared:"


@dataclass
class DataTable:
    """The numbers of a chart as a table: formatted cells, in reading order."""

    columns: list[str]
    rows: list[list[str]]
    note: str = ""


@dataclass
class Chart:
    """One interactive chart: a Plotly figure, its text alternative and its data table."""

    id: str
    title: str
    caption: str
    data: list[dict[str, Any]]
    layout: dict[str, Any]
    table: DataTable | None = None
    height: int = 420
    kind: str = "chart"
    extra: dict[str, Any] = field(default_factory=dict)

    def spec(self) -> str:
        """The figure as JSON safe to place inside ``<script type="application/json">``."""
        return to_json({"data": self.data, "layout": self.layout})


class _Clean(dict[str, Any]):
    """A dict that already holds JSON as :func:`to_json` writes it (finite numbers, whole ones as integers):
    :func:`to_json` takes it as it is instead of walking again every coordinate of a report's map shapes."""


def _finite(value: Any) -> Any:
    if type(value) is _Clean:
        return value
    if isinstance(value, float | np.floating):
        number = float(value)
        if not math.isfinite(number):
            return None
        # Whole numbers as integers: the same JSON whether a column was read as int or float.
        return int(number) if number.is_integer() and abs(number) < 2**53 else number
    if isinstance(value, np.integer):
        return int(value)
    if isinstance(value, np.bool_):
        return bool(value)
    if isinstance(value, Mapping):
        return {str(k): _finite(v) for k, v in value.items()}
    if isinstance(value, np.ndarray) and value.dtype.kind in "fiub":
        value = value.tolist()  # plain floats, ints and bools: what float(), int() and bool() give each element
    if isinstance(value, list | tuple | np.ndarray):
        kinds = set(map(type, value))
        if kinds <= _PLAIN:  # a long list of numbers or labels (a chart's trace): in one pass, not a call each
            if float not in kinds:
                return list(value)
            return [
                v
                if type(v) is not float
                else (int(v) if v.is_integer() and abs(v) < 2**53 else v)
                if v - v == 0.0  # finite
                else None
                for v in value
            ]
        if kinds == {list}:  # rows of plain cells (a map's customdata, one row per area): all cells in one pass
            cells = [v for row in value for v in row]
            if set(map(type, cells)) <= _PLAIN:
                clean = iter(_finite(cells))
                return [[next(clean) for _ in row] for row in value]
        return [_finite(v) for v in value]
    return value


#: Types :func:`_finite` leaves as they are, but floats (made finite, whole ones integers).
_PLAIN = frozenset({float, int, bool, str, type(None)})


def to_number(value: Any) -> float | None:
    """A finite float, or None (JSON null) for anything missing."""
    try:
        number = float(value)
    except (TypeError, ValueError):
        return None
    return number if math.isfinite(number) else None


def to_json(value: Any) -> str:
    """Compact JSON with NaN/inf as null, safe inside an HTML ``<script>`` element."""
    text = json.dumps(_finite(value), separators=(",", ":"), ensure_ascii=False, allow_nan=False)
    # "</" and "<!--" can only occur inside JSON strings, where "\/" and "\u003c" mean the same.
    return text.replace("</", "<\\/").replace("<!--", "\\u003c!--")


def _layout(title: str | None = None, **extra: Any) -> dict[str, Any]:
    layout: dict[str, Any] = {
        "font": _FONT,
        "margin": {"l": 60, "r": 20, "t": 40 if title else 16, "b": 50},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "hoverlabel": {"font": {"family": _FONT["family"]}},
        "showlegend": False,
        "separators": ".,",
    }
    if title:
        layout["title"] = {"text": title, "x": 0, "xanchor": "left", "font": {"size": 14}}
    layout.update(extra)
    return layout


def _axis(title: str, **extra: Any) -> dict[str, Any]:
    return {
        "title": {"text": title},
        "gridcolor": "#e5e5e5",
        "zerolinecolor": "#6b6b6b",
        "linecolor": "#6b6b6b",
        "automargin": True,
        **extra,
    }


def _fmt(value: Any, spec: str) -> str:
    if value is None or (isinstance(value, float) and not math.isfinite(value)):
        return "–"
    return format(value, spec)


# -- bars, lines, points ---------------------------------------------------------------------------------


def bar_chart(
    chart_id: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    caption: str,
    value_label: str,
    fmt: str = ".2f",
    highlight: Sequence[bool] | None = None,
    highlight_name: str = "",
    other_name: str = "",
    reference: float | None = None,
    reference_label: str = "",
    low: Sequence[float] | None = None,
    high: Sequence[float] | None = None,
    table_columns: Sequence[str] | None = None,
    bar_px: int = 24,
) -> Chart:
    """Horizontal bars, largest first at the top, with value labels.

    Highlighted bars are blue *and* hatched (the rest grey, plain), and the
    legend names both groups, so the highlight survives greyscale printing.
    *low*/*high* draw an interval around each value (e.g. the LQ's range
    under rounding and suppression).
    """
    flags = list(highlight) if highlight is not None else [False] * len(labels)
    traces = []
    for flag, name, colour, shape in ((True, highlight_name, OKABE_ITO[0], "/"), (False, other_name, GREY, "")):
        idx = [i for i, f in enumerate(flags) if f == flag]
        if not idx:
            continue
        trace: dict[str, Any] = {
            "type": "bar",
            "orientation": "h",
            "name": name or value_label,
            "y": [labels[i] for i in idx],
            "x": [values[i] for i in idx],
            "text": [_fmt(values[i], fmt) for i in idx],
            "textposition": "outside",
            "cliponaxis": False,
            "marker": {"color": colour, "line": {"color": "#1b1b1b", "width": 0.6}, "pattern": {"shape": shape}},
            "hovertemplate": "%{y}: %{x:" + fmt + "}<extra></extra>",
        }
        if low is not None and high is not None:
            trace["error_x"] = {
                "type": "data",
                "symmetric": False,
                "array": [max(high[i] - values[i], 0) if _ok(high[i], values[i]) else None for i in idx],
                "arrayminus": [max(values[i] - low[i], 0) if _ok(low[i], values[i]) else None for i in idx],
                "color": "#1b1b1b",
                "thickness": 1,
                "width": 3,
            }
            # Values are written past the whisker instead (a label on a hatched bar is unreadable).
            trace["text"] = None
        traces.append(trace)
    shapes, annotations = [], []
    if low is not None and high is not None:
        for i, label in enumerate(labels):
            if not _ok(values[i]):
                continue
            end = max(values[i], high[i]) if _ok(high[i]) else values[i]
            text = _fmt(values[i], fmt) + (
                f" ({_fmt(low[i], fmt)}–{_fmt(high[i], fmt)})" if _ok(low[i], high[i]) else ""
            )
            annotations.append(
                {
                    "x": end,
                    "y": label,
                    "text": text,
                    "showarrow": False,
                    "xanchor": "left",
                    "xshift": 4,
                    "font": {"size": 11},
                }
            )
    if reference is not None:
        shapes.append(_vline(reference))
        annotations.append(
            {
                "x": reference,
                "y": 1,
                "yref": "paper",
                "text": reference_label,
                "showarrow": False,
                "yanchor": "bottom",
                "font": {"size": 11},
            }
        )
    height = 90 + bar_px * len(labels)
    tick_size = 12 if bar_px >= 20 else 10
    layout = _layout(
        None,
        height=height,
        barmode="overlay",
        showlegend=bool(highlight_name and other_name and any(flags) and not all(flags)),
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom", "x": 1, "xanchor": "right"},
        xaxis=_axis(value_label),
        yaxis=_axis(
            "",
            categoryorder="array",
            categoryarray=list(reversed(labels)),
            ticksuffix=" ",
            tickfont={"size": tick_size},
            dtick=1,
        ),
        shapes=shapes,
        annotations=annotations,
        margin={"l": 10, "r": 120 if low is not None else 40, "t": 36, "b": 50},
    )
    columns = list(table_columns or ["", value_label])
    rows = []
    for i, label in enumerate(labels):
        row = [label, _fmt(values[i], fmt)]
        if low is not None and high is not None:
            row.append(f"{_fmt(low[i], fmt)} to {_fmt(high[i], fmt)}")
        if highlight is not None and len(columns) > len(row):
            row.append(highlight_name if flags[i] else other_name)
        rows.append(row)
    return Chart(chart_id, title, caption, traces, layout, DataTable(columns, rows), height=height)


def _ok(*values: Any) -> bool:
    return all(v is not None and isinstance(v, int | float) and math.isfinite(v) for v in values)


def _vline(x: float, dash: str = "dash") -> dict[str, Any]:
    return {
        "type": "line",
        "x0": x,
        "x1": x,
        "y0": 0,
        "y1": 1,
        "yref": "paper",
        "line": {"color": "#1b1b1b", "width": 1.2, "dash": dash},
    }


def _hline(y: float, dash: str = "dash") -> dict[str, Any]:
    return {
        "type": "line",
        "y0": y,
        "y1": y,
        "x0": 0,
        "x1": 1,
        "xref": "paper",
        "line": {"color": "#1b1b1b", "width": 1.2, "dash": dash},
    }


def line_chart(
    chart_id: str,
    x: Sequence[int],
    series: Mapping[str, Sequence[float]],
    *,
    title: str,
    caption: str,
    y_label: str,
    fmt: str = ".1f",
    reference: float | None = None,
    raw: Mapping[str, Sequence[float]] | None = None,
    raw_label: str = "",
) -> Chart:
    """Lines over years; each series differs in colour, dash *and* marker, and is labelled at its end."""
    dashes, symbols = ["solid", "dash", "dot", "dashdot"], ["circle", "square", "diamond", "triangle-up"]
    traces, annotations = [], []
    for i, (name, values) in enumerate(series.items()):
        colour = OKABE_ITO[i % len(OKABE_ITO)] if i == 0 else [GREY, OKABE_ITO[1], OKABE_ITO[2]][(i - 1) % 3]
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": name,
                "x": list(x),
                "y": list(values),
                "line": {"color": colour, "width": 2.5, "dash": dashes[i % 4]},
                "marker": {"symbol": symbols[i % 4], "size": 7, "color": colour},
                "hovertemplate": f"{name}<br>%{{x}}: %{{y:{fmt}}}<extra></extra>",
            }
        )
        if len(values):
            annotations.append(
                {
                    "x": x[-1],
                    "y": values[-1],
                    "text": " " + "<br> ".join(_wrap(name, 20)),
                    "showarrow": False,
                    "xanchor": "left",
                    "xshift": 6,
                    "font": {"color": "#1b1b1b", "size": 11},
                }
            )
    layout = _layout(
        None,
        height=340,
        showlegend=True,
        legend={"orientation": "h", "y": -0.22, "x": 0},
        xaxis=_axis("", dtick=1, range=[x[0] - 0.3, x[-1] + 0.3]),
        yaxis=_axis(y_label),
        annotations=annotations,
        shapes=[_hline(reference, "dot")] if reference is not None else [],
        margin={"l": 10, "r": 150, "t": 16, "b": 60},
    )
    columns = ["Year", *[f"{name} ({y_label})" for name in series]]
    if raw:
        columns += [f"{name} ({raw_label})" for name in raw]
    rows = []
    for j, year in enumerate(x):
        row = [str(year), *[_fmt(v[j], fmt) for v in series.values()]]
        if raw:
            row += [_fmt(v[j], ",.0f") for v in raw.values()]
        rows.append(row)
    return Chart(chart_id, title, caption, traces, layout, DataTable(columns, rows), height=340)


def rank_chart(
    chart_id: str,
    labels: Sequence[str],
    values: Sequence[float],
    focus: str,
    *,
    title: str,
    caption: str,
    value_label: str,
    fmt: str = ".2f",
    names: str | None = None,
    reference: float | None = None,
    table_limit: int = 25,
    focus_name: str | None = None,
) -> Chart:
    """Every area's value sorted from highest to lowest, the focus area a labelled diamond.

    For many areas (US CBSAs), where a bar per area would be unreadable. The
    value axis is logarithmic when any value is positive; zeros are left off
    the chart (not the table) and counted in the axis title. *names* is a
    shared-data key holding the labels (sent once per report).
    """
    ok = [_ok(v) for v in values]  # once per value: a US chart has 933, each looked at four times
    order = sorted(range(len(values)), key=lambda i: -(values[i] if ok[i] else -math.inf))
    ranks = list(range(1, len(order) + 1))
    ys = [values[i] for i in order]
    text = [labels[i] for i in order]
    focus_pos = next((r for r, i in zip(ranks, order, strict=True) if labels[i] == focus), None)
    traces: list[dict[str, Any]] = [
        {
            "type": "scatter",
            "mode": "markers",
            "name": "other areas",
            "x": ranks,
            "y": ys,
            "text": SHARED_PREFIX + names if names else text,
            "marker": {"color": GREY, "size": 4},
            "hovertemplate": "%{text}<br>rank %{x}: %{y:" + fmt + "}<extra></extra>",
        }
    ]
    position = [0] * len(order)
    for rank, i in zip(ranks, order, strict=True):
        position[i] = rank
    log = any(good and v > 0 for good, v in zip(ok, values, strict=True))
    zeros = sum(1 for good, v in zip(ok, values, strict=True) if good and v <= 0) if log else 0

    def shown(v: float) -> float | None:
        return v if _ok(v) and (v > 0 or not log) else None

    def shown_at(i: int) -> float | None:  # shown(values[i])
        return values[i] if ok[i] and (values[i] > 0 or not log) else None

    if names:
        # The labels are shared in the order given; plot in that order too so they line up.
        traces[0]["x"] = position
        traces[0]["y"] = [shown_at(i) for i in range(len(values))]
    else:
        traces[0]["y"] = [shown_at(i) for i in order]
    annotations = []
    label = focus_name or focus
    if focus_pos is not None:
        fy = ys[focus_pos - 1]
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": label,
                "x": [focus_pos],
                "y": [shown(fy)],
                "marker": {"color": OKABE_ITO[0], "size": 13, "symbol": "diamond", "line": {"width": 1.5}},
                "hovertemplate": f"{label}<br>rank %{{x}}: %{{y:{fmt}}}<extra></extra>",
            }
        )
        annotations.append(
            {
                "x": focus_pos,
                "text": f"{label}: {_fmt(fy, fmt)} (rank {focus_pos} of {len(ys)})",
                # Annotations on a log axis take log10 coordinates.
                "y": math.log10(fy) if log and _ok(fy) and fy > 0 else fy,
                "showarrow": True,
                "arrowhead": 2,
                "ax": 40,
                "ay": -40,
                "bgcolor": "#ffffff",
                "bordercolor": "#1b1b1b",
            }
        )
    layout = _layout(
        None,
        height=340,
        xaxis=_axis("rank (1 = highest)"),
        yaxis=_axis(value_label + (" (log scale)" if log else ""), **({"type": "log", "dtick": 1} if log else {})),
        annotations=annotations,
        shapes=[_hline(reference)] if reference is not None else [],
        margin={"l": 10, "r": 20, "t": 16, "b": 50},
    )
    listed = [i for r, i in zip(ranks, order, strict=True) if r <= table_limit or labels[i] == focus]
    rows = [[str(position[i]), labels[i], _fmt(values[i], fmt)] for i in listed]
    note = f"The top {table_limit} of {len(values)} areas and the focus area; the workbook has all." * (
        len(values) > table_limit
    )
    if zeros:
        caption += f" {zeros} areas have none of it (0), which a log scale cannot show."
    return Chart(
        chart_id, title, caption, traces, layout, DataTable(["Rank", "Area", value_label], rows, note), height=340
    )


def waterfall_chart(
    chart_id: str,
    labels: Sequence[str],
    values: Sequence[float],
    *,
    total_label: str,
    title: str,
    caption: str,
    value_label: str,
    fmt: str = "+,.0f",
) -> Chart:
    """Components adding up to a total (shift-share): rises and falls differ in colour and sign label."""
    measure = ["relative"] * len(values) + ["total"]
    total = float(np.nansum(np.asarray(values, dtype=float)))
    trace = {
        "type": "waterfall",
        "orientation": "v",
        "x": [*labels, total_label],
        "y": [*values, total],
        "measure": measure,
        "text": [_fmt(v, fmt) for v in [*values, total]],
        "textposition": "outside",
        "cliponaxis": False,
        "increasing": {"marker": {"color": OKABE_ITO[0]}},
        "decreasing": {"marker": {"color": OKABE_ITO[3]}},
        "totals": {"marker": {"color": "#4d4d4d"}},
        "connector": {"line": {"color": "#6b6b6b", "dash": "dot"}},
        "hovertemplate": "%{x}: %{y:" + fmt + "}<extra></extra>",
    }
    layout = _layout(
        None,
        height=320,
        xaxis=_axis(""),
        yaxis=_axis(value_label),
        margin={"l": 10, "r": 20, "t": 30, "b": 50},
    )
    rows = [[lab, _fmt(v, fmt)] for lab, v in zip([*labels, total_label], [*values, total], strict=True)]
    return Chart(chart_id, title, caption, [trace], layout, DataTable(["Component", value_label], rows), height=320)


def dumbbell_chart(
    chart_id: str,
    labels: Sequence[str],
    low: Sequence[float],
    high: Sequence[float],
    *,
    title: str,
    caption: str,
    value_label: str,
    fmt: str = ",.0f",
    point: Sequence[float] | None = None,
    point_label: str = "",
) -> Chart:
    """A low–high range per row (a scenario's range), with an optional central point."""
    traces: list[dict[str, Any]] = []
    xs: list[float | None] = []
    ys: list[str | None] = []
    for label, lo, hi in zip(labels, low, high, strict=True):
        xs += [lo, hi, None]
        ys += [label, label, None]
    traces.append(
        {
            "type": "scatter",
            "mode": "lines+markers",
            "name": "range (low to high)",
            "x": xs,
            "y": ys,
            "line": {"color": OKABE_ITO[0], "width": 6},
            "marker": {"symbol": ["line-ns-open", "line-ns-open", "circle"] * len(labels), "size": 14},
            "hovertemplate": "%{y}: %{x:" + fmt + "}<extra></extra>",
        }
    )
    if point is not None:
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": point_label,
                "x": list(point),
                "y": list(labels),
                "marker": {"symbol": "diamond", "size": 11, "color": OKABE_ITO[1], "line": {"width": 1}},
                "hovertemplate": "%{y}: %{x:" + fmt + "}<extra>" + point_label + "</extra>",
            }
        )
    height = 90 + 30 * len(labels)
    layout = _layout(
        None,
        height=height,
        showlegend=point is not None,
        legend={"orientation": "h", "y": 1.02, "yanchor": "bottom"},
        xaxis=_axis(value_label),
        yaxis=_axis("", categoryorder="array", categoryarray=list(reversed(list(labels))), ticksuffix=" "),
        margin={"l": 10, "r": 20, "t": 30, "b": 50},
    )
    columns = ["", f"Low ({value_label})", f"High ({value_label})"] + ([point_label] if point is not None else [])
    rows = []
    for i, label in enumerate(labels):
        row = [label, _fmt(low[i], fmt), _fmt(high[i], fmt)]
        if point is not None:
            row.append(_fmt(point[i], fmt))
        rows.append(row)
    return Chart(chart_id, title, caption, traces, layout, DataTable(columns, rows), height=height)


def bubble_chart(
    chart_id: str,
    labels: Sequence[str],
    x: Sequence[float],
    y: Sequence[float],
    size: Sequence[float],
    colour: Sequence[float] | None,
    *,
    title: str,
    caption: str,
    x_label: str,
    y_label: str,
    size_label: str,
    colour_label: str,
    x_fmt: str = ".2f",
    y_fmt: str = ".2f",
    colour_fmt: str = ",.0f",
    x_reference: float | None = 1.0,
    y_reference: float | None = 0.0,
    x_log: bool = True,
) -> Chart:
    """The plan-style chart: growth potential (y) against regional strength (x).

    Bubble area is proportional to *size* (employment) and fill follows
    *colour* (pay, viridis); every bubble is labelled, so the chart reads
    without colour.
    """
    sizes = np.nan_to_num(np.asarray(size, dtype=float), nan=0.0)
    sizeref = 2.0 * (sizes.max() if sizes.size and sizes.max() > 0 else 1.0) / 60.0**2
    marker: dict[str, Any] = {
        "size": list(sizes),
        "sizemode": "area",
        "sizeref": sizeref,
        "sizemin": 4,
        "line": {"color": "#1b1b1b", "width": 1},
        "opacity": 0.85,
    }
    have_colour = colour is not None and any(_ok(c) for c in colour)
    if have_colour and colour is not None:
        marker.update(
            {
                "color": list(colour),
                "colorscale": VIRIDIS,
                "showscale": True,
                "colorbar": {"title": {"text": colour_label, "side": "right"}, "thickness": 14, "len": 0.8},
            }
        )
    else:
        marker["color"] = OKABE_ITO[0]
    custom = [[s, c] for s, c in zip(sizes, colour if have_colour and colour is not None else sizes, strict=True)]
    trace = {
        "type": "scatter",
        "mode": "markers+text",
        "x": list(x),
        "y": list(y),
        "text": list(labels),
        "textposition": "top center",
        "textfont": {"size": 11},
        "customdata": custom,
        "marker": marker,
        "cliponaxis": False,
        "hovertemplate": (
            "<b>%{text}</b><br>"
            f"{x_label}: %{{x:{x_fmt}}}<br>{y_label}: %{{y:{y_fmt}}}<br>{size_label}: %{{customdata[0]:,.0f}}"
            + (f"<br>{colour_label}: %{{customdata[1]:{colour_fmt}}}" if have_colour else "")
            + "<extra></extra>"
        ),
    }
    shapes = []
    if x_reference is not None:
        shapes.append(_vline(x_reference))
    if y_reference is not None:
        shapes.append(_hline(y_reference))
    finite_x = [v for v in x if _ok(v) and v > 0]
    use_log = x_log and len(finite_x) == len(list(x)) and bool(finite_x)
    if use_log:
        low_x, high_x = math.log10(min(finite_x)), math.log10(max(finite_x))
        pad = max(0.12, (high_x - low_x) * 0.12)
        ticks = [t for t in (0.1, 0.25, 0.5, 1, 2, 4, 8, 16) if low_x - pad <= math.log10(t) <= high_x + pad]
        x_axis = _axis(
            x_label, type="log", range=[low_x - pad, high_x + pad], tickvals=ticks, ticktext=[f"{t:g}" for t in ticks]
        )
    else:
        x_axis = _axis(x_label)
    layout = _layout(
        None,
        height=560,
        xaxis=x_axis,
        yaxis=_axis(y_label),
        shapes=shapes,
        margin={"l": 10, "r": 10, "t": 24, "b": 50},
    )
    columns = ["Cluster", x_label, y_label, size_label] + ([colour_label] if have_colour else [])
    rows = []
    for i, label in enumerate(labels):
        row = [label, _fmt(x[i], x_fmt), _fmt(y[i], y_fmt), _fmt(size[i], ",.0f")]
        if have_colour and colour is not None:
            row.append(_fmt(colour[i], colour_fmt))
        rows.append(row)
    return Chart(chart_id, title, caption, [trace], layout, DataTable(columns, rows), height=560)


def scatter_chart(
    chart_id: str,
    labels: Sequence[str],
    x: Sequence[float],
    y: Sequence[float],
    *,
    title: str,
    caption: str,
    x_label: str,
    y_label: str,
    groups: Sequence[str] | None = None,
    label_top: int = 12,
    label_mask: Sequence[bool] | None = None,
    fmt: str = ".2f",
    reference: tuple[float, float] | None = None,
    grey_group: str | None = None,
    table_mask: Sequence[bool] | None = None,
    table_limit: int = 40,
    axis_range: tuple[float, float] | None = None,
    backdrop: tuple[str, str] | None = None,
    backdrop_name: str = "",
) -> Chart:
    """Points by two measures (an opportunity chart: feasibility against attractiveness).

    Groups get Okabe-Ito colours *and* distinct marker symbols; *grey_group*
    is drawn small, grey and without hover text underneath the others (the
    backdrop). Labelled: the points of *label_mask*, or else the *label_top*
    points highest on both measures. The data table lists the *table_mask*
    points (default all), at most *table_limit*, highest first.
    """
    symbols = ["circle", "square", "diamond", "triangle-up", "cross", "x", "star", "hexagon"]
    group_list = list(groups) if groups is not None else ["" for _ in labels]
    names = list(dict.fromkeys(group_list))
    if grey_group in names:
        names.remove(grey_group)
        names.insert(0, grey_group)
    traces: list[dict[str, Any]] = []
    if backdrop is not None:
        # Every point of a shared series, small and grey, behind the highlighted ones (sent once per report).
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": backdrop_name,
                "x": SHARED_PREFIX + backdrop[0],
                "y": SHARED_PREFIX + backdrop[1],
                "marker": {"color": "#c4c4c4", "symbol": "square", "size": 5},
                "hoverinfo": "skip",
            }
        )
    colour_index = 0
    for group in names:
        idx = [i for i, g in enumerate(group_list) if g == group]
        if group == grey_group:
            traces.append(
                {
                    "type": "scatter",
                    "mode": "markers",
                    "name": group,
                    "x": [x[i] for i in idx],
                    "y": [y[i] for i in idx],
                    "marker": {"color": "#c4c4c4", "symbol": "square", "size": 5},
                    "hoverinfo": "skip",
                }
            )
            continue
        traces.append(
            {
                "type": "scatter",
                "mode": "markers",
                "name": group or "points",
                "x": [x[i] for i in idx],
                "y": [y[i] for i in idx],
                "text": [labels[i] for i in idx],
                "marker": {
                    "color": OKABE_ITO[colour_index % len(OKABE_ITO)],
                    "symbol": symbols[colour_index % len(symbols)],
                    "size": 9,
                    "line": {"color": "#1b1b1b", "width": 0.6},
                },
                "hovertemplate": "%{text}<br>" + f"{x_label}: %{{x:{fmt}}}<br>{y_label}: %{{y:{fmt}}}<extra></extra>",
            }
        )
        colour_index += 1
    score = [(x[i] if _ok(x[i]) else -math.inf) + (y[i] if _ok(y[i]) else -math.inf) for i in range(len(labels))]
    order = sorted(range(len(labels)), key=lambda i: -score[i])
    labelled = [i for i in order if label_mask[i]] if label_mask is not None else order[:label_top]
    annotations = [
        # Long names wrap onto a second line rather than being cut ("Professional and financial servi").
        {
            "x": x[i],
            "y": y[i],
            "text": "<br>".join(_wrap(labels[i], 24)),
            "showarrow": False,
            "yshift": 14,
            "font": {"size": 10},
        }
        for i in labelled[:MAX_LABELS]
        if _ok(x[i], y[i])
    ]
    shapes = [_vline(reference[0]), _hline(reference[1])] if reference is not None else []
    layout = _layout(
        None,
        height=540,
        showlegend=groups is not None or backdrop is not None,
        legend={"orientation": "h", "y": -0.16},
        xaxis=_axis(x_label, zeroline=False, **({"range": list(axis_range)} if axis_range else {})),
        yaxis=_axis(y_label, zeroline=False, **({"range": list(axis_range)} if axis_range else {})),
        annotations=annotations,
        shapes=shapes,
        margin={"l": 10, "r": 20, "t": 20, "b": 60},
    )
    columns = ["", x_label, y_label] + (["Group"] if groups is not None else [])
    listed = [i for i in order if table_mask is None or table_mask[i]]
    rows = [
        [labels[i], _fmt(x[i], fmt), _fmt(y[i], fmt)] + ([group_list[i]] if groups is not None else [])
        for i in listed[:table_limit]
    ]
    note = f"The {table_limit} highest of {len(listed)}; the workbook has all." if len(listed) > table_limit else ""
    return Chart(chart_id, title, caption, traces, layout, DataTable(columns, rows, note), height=540)


# -- maps ------------------------------------------------------------------------------------------------

#: LQ colour scale: log2(LQ) between 1/4 and 4, so LQ = 1 sits in the middle of the scale.
LQ_RANGE = (-2.0, 2.0)
_LQ_TICKS = {"tickvals": [-2, -1, 0, 1, 2], "ticktext": ["≤0.25", "0.5", "1", "2", "≥4"]}


def _log2_lq(values: Sequence[float]) -> list[float | None]:
    out: list[float | None] = []
    for v in values:
        if not _ok(v):
            out.append(None)
        elif v <= 0:
            out.append(LQ_RANGE[0])
        else:
            out.append(min(max(math.log2(v), LQ_RANGE[0]), LQ_RANGE[1]))
    return out


def _geo(domain: dict[str, Any] | None = None) -> dict[str, Any]:
    geo = {
        "fitbounds": "locations",
        "visible": False,
        "projection": {"type": "mercator"},
        "bgcolor": "rgba(0,0,0,0)",
    }
    if domain:
        geo["domain"] = domain
    return geo


def _outline(geojson_key: str, code: str, name: str, geo: str = "geo", width: float = 1.8) -> list[dict[str, Any]]:
    """The focus area drawn on top: a thick black outline, no fill."""
    return [
        {
            "type": "choropleth",
            "geojson": SHARED_PREFIX + geojson_key,
            "featureidkey": "properties.code",
            "locations": [code],
            "z": [0],
            "zmin": 0,
            "zmax": 1,
            "colorscale": [[0, "rgba(255,255,255,0)"], [1, "rgba(255,255,255,0)"]],
            "showscale": False,
            "marker": {"line": {"color": "#000000", "width": width}},
            "hovertemplate": f"{name} (focus region)<extra></extra>",
            "geo": geo,
            "name": name,
        }
    ]


def _focus_label(
    point: tuple[float, float] | None, name: str, geo: str = "geo", size: int = 12
) -> list[dict[str, Any]]:
    """The focus area's name beside it, so the map reads without colour."""
    if point is None:
        return []
    return [
        {
            "type": "scattergeo",
            "geo": geo,
            "lon": [point[0]],
            "lat": [point[1]],
            "mode": "text",
            "text": ["   " + name],
            "textposition": "middle right",
            "textfont": {"size": size, "color": "#000000"},
            "hoverinfo": "skip",
            "showlegend": False,
        }
    ]


def feature_centroid(collection: Mapping[str, Any], code: str) -> tuple[float, float] | None:
    """Centroid (lon, lat) of the largest polygon of an area in a FeatureCollection, for its label."""
    for feature in collection.get("features", []):
        if feature["properties"].get("code") != code:
            continue
        best, best_area = None, 0.0
        for polygon in feature["geometry"]["coordinates"]:
            ring = np.asarray(polygon[0], dtype=float)
            x, y = ring[:, 0], ring[:, 1]
            cross = x[:-1] * y[1:] - x[1:] * y[:-1]
            area = cross.sum() / 2
            if area and abs(area) > best_area:
                cx = ((x[:-1] + x[1:]) * cross).sum() / (6 * area)
                cy = ((y[:-1] + y[1:]) * cross).sum() / (6 * area)
                best, best_area = (float(cx), float(cy)), abs(area)
        return best
    return None


def choropleth_map(
    chart_id: str,
    geojson_key: str,
    codes: Sequence[str],
    names: Sequence[str],
    values: Sequence[float],
    *,
    focus: str | None,
    focus_name: str,
    title: str,
    caption: str,
    focus_point: tuple[float, float] | None = None,
    value_label: str = "location quotient",
    fmt: str = ".2f",
    log_lq: bool = True,
    table_columns: Sequence[str] | None = None,
    height: int = 520,
) -> Chart:
    """Areas coloured by a value (cividis), the focus area outlined in black and named."""
    z = _log2_lq(values) if log_lq else list(values)
    trace: dict[str, Any] = {
        "type": "choropleth",
        "geojson": SHARED_PREFIX + geojson_key,
        "featureidkey": "properties.code",
        "locations": list(codes),
        "z": z,
        "customdata": [[n, v] for n, v in zip(names, values, strict=True)],
        "colorscale": CIVIDIS,
        "marker": {"line": {"color": "#ffffff", "width": 0.6}},
        "colorbar": {"title": {"text": value_label, "side": "right"}, "thickness": 14, "len": 0.75},
        "hovertemplate": "%{customdata[0]} (%{location})<br>" + value_label + ": %{customdata[1]:" + fmt + "}"
        "<extra></extra>",
    }
    if log_lq:
        trace.update({"zmin": LQ_RANGE[0], "zmax": LQ_RANGE[1]})
        trace["colorbar"].update(_LQ_TICKS)
    traces = [trace]
    if focus is not None and focus in codes:
        traces += _outline(geojson_key, focus, focus_name) + _focus_label(focus_point, focus_name)
    layout = _layout(None, height=height, geo=_geo(), margin={"l": 0, "r": 0, "t": 10, "b": 0})
    rows = sorted(zip(names, codes, values, strict=True), key=lambda r: -(r[2] if _ok(r[2]) else -math.inf))
    table = DataTable(
        list(table_columns or ["Area", "Code", value_label]),
        [[n + (" (focus)" if c == focus else ""), c, _fmt(v, fmt)] for n, c, v in rows],
    )
    return Chart(chart_id, title, caption, traces, layout, table, height=height, kind="map")


def small_multiple_maps(
    chart_id: str,
    geojson_key: str,
    panels: Sequence[tuple[str, Sequence[str], Sequence[float]]],
    names: Mapping[str, str],
    *,
    focus: str | None,
    focus_name: str,
    title: str,
    caption: str,
    columns: int = 4,
    table_by_area: bool = False,
    panel_height: int = 230,
) -> Chart:
    """One small LQ map per cluster on a shared log scale, the focus area outlined in each.

    The data table gives, for each cluster, the focus area's LQ and rank; with
    *table_by_area* (no focus: the areas inside a region) every area's LQ.
    """
    rows_n = max(1, math.ceil(len(panels) / columns))
    height = rows_n * (panel_height + 30) + 40
    traces: list[dict[str, Any]] = []
    layout = _layout(None, height=height, margin={"l": 0, "r": 0, "t": 10, "b": 0})
    annotations = []
    gap_x, gap_y = 0.02, 0.06 / rows_n
    for k, (label, codes, values) in enumerate(panels):
        r, c = divmod(k, columns)
        x0, x1 = c / columns + gap_x / 2, (c + 1) / columns - gap_x / 2
        top = 1 - r / rows_n
        bottom = 1 - (r + 1) / rows_n
        y0, y1 = bottom + gap_y, top - 2.2 * gap_y
        geo = "geo" if k == 0 else f"geo{k + 1}"
        layout[geo] = _geo({"x": [x0, x1], "y": [y0, y1]})
        traces.append(
            {
                "type": "choropleth",
                "geo": geo,
                "geojson": SHARED_PREFIX + geojson_key,
                "featureidkey": "properties.code",
                "locations": list(codes),
                "z": _log2_lq(values),
                "zmin": LQ_RANGE[0],
                "zmax": LQ_RANGE[1],
                "colorscale": CIVIDIS,
                "showscale": k == 0,
                "colorbar": {
                    "title": {"text": "LQ", "side": "right"},
                    "thickness": 12,
                    "len": min(0.9, 1.0 / rows_n * 1.6),
                    "y": 1,
                    "yanchor": "top",
                    **_LQ_TICKS,
                },
                "customdata": [[names.get(code, code), v] for code, v in zip(codes, values, strict=True)],
                "marker": {"line": {"color": "#ffffff", "width": 0.4}},
                "hovertemplate": f"{label}<br>%{{customdata[0]}}: LQ %{{customdata[1]:.2f}}<extra></extra>",
                "name": label,
            }
        )
        if focus is not None and focus in codes:
            traces += _outline(geojson_key, focus, focus_name, geo, width=1.3)
        annotations.append(
            {
                "text": "<b>" + "<br>".join(_wrap(label, 22)[:2]) + "</b>",
                "x": (x0 + x1) / 2,
                "y": top - 0.4 * gap_y,
                "xref": "paper",
                "yref": "paper",
                "showarrow": False,
                "yanchor": "top",
                "font": {"size": 11},
            }
        )
    layout["annotations"] = annotations
    focus_rows = []
    for label, codes, values in panels:
        lookup = dict(zip(codes, values, strict=True))
        ranked = sorted((v for v in values if _ok(v)), reverse=True)
        value = lookup.get(focus or "")
        rank = ranked.index(value) + 1 if _ok(value) and value in ranked else None
        focus_rows.append([label, _fmt(value, ".2f"), f"{rank} of {len(ranked)}" if rank else "–"])
    table = DataTable(["Cluster", f"LQ of {focus_name}", "Rank among areas"], focus_rows)
    if table_by_area:
        codes_all = list(dict.fromkeys(code for _, codes, _ in panels for code in codes))
        table = DataTable(
            ["Cluster", *[names.get(c, c) for c in codes_all]],
            [
                [label, *[_fmt(dict(zip(codes, values, strict=True)).get(c), ".2f") for c in codes_all]]
                for label, codes, values in panels
            ],
        )
    return Chart(chart_id, title, caption, traces, layout, table, height=height, kind="map")


#: LISA classes in legend order: colour (Okabe-Ito, as ``clusterplan.geography.hotspots.LISA_COLOURS``), the
#: colour of the class letters written on the area (the better contrast), and the legend's words.
LISA_CLASSES: dict[str, tuple[str, str, str]] = {
    "HH": ("#D55E00", "#ffffff", "HH high among high"),
    "HL": ("#E69F00", "#000000", "HL high among low"),
    "LH": ("#56B4E9", "#000000", "LH low among high"),
    "LL": ("#0072B2", "#ffffff", "LL low among low"),
    "not significant": ("#E6E6E6", "#000000", "not significant"),
}


def _bounded(geo: dict[str, Any], bounds: tuple[float, float, float, float] | None) -> dict[str, Any]:
    """A geo subplot showing exactly *bounds* (west, east, south, north) instead of fitting its locations."""
    if bounds is None:
        return geo
    west, east, south, north = bounds
    out = {k: v for k, v in geo.items() if k != "fitbounds"}
    out.update(lonaxis={"range": [west, east]}, lataxis={"range": [south, north]})
    return out


class Inset(NamedTuple):
    """A map inset: its title, the areas it shows enlarged and lettered, what it shows (west, east, south, north;
    None: fit the areas) and whether the focus area is outlined in it too."""

    title: str
    codes: Sequence[str]
    bounds: tuple[float, float, float, float] | None = None
    focus: bool = False


def lisa_map(
    chart_id: str,
    geojson_key: str,
    codes: Sequence[str],
    names: Sequence[str],
    classes: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    caption: str,
    value_label: str,
    fmt: str = ".2f",
    label_points: Sequence[tuple[float, float] | None] | None = None,
    focus: str | None = None,
    focus_name: str = "",
    focus_key: str | None = None,
    focus_point: tuple[float, float] | None = None,
    insets: Sequence[Inset] = (),
    bounds: tuple[float, float, float, float] | None = None,
    table_columns: Sequence[tuple[str, Sequence[str]]] = (),
    table_mask: Sequence[bool] | None = None,
    table_note: str = "",
    letter_size: int = 10,
    height: int = 640,
) -> Chart:
    """Areas coloured by their local Moran (LISA) class, each significant one carrying its class letters.

    One choropleth trace per class, so the legend names each class with its
    count of areas; colours are Okabe-Ito (:data:`LISA_CLASSES`), significant
    areas have a dark border and their letters (HH, HL, LH, LL) written on
    them at *label_points* (with a halo, so they read on any background), so
    the map reads without colour. The focus area (on *focus_key*'s shapes, by
    default the map's own) is outlined in black and named, with its class
    when it is one of the areas. Areas too small to label at national scale
    (the focus region's own areas on a finer map, London's) are repeated,
    enlarged and labelled, in up to two *insets* beside the map, each marked
    on the map by a dashed box. *bounds* (west, east, south, north in
    degrees) fixes what the map shows, which lets plotly fill the space
    (fitting to the locations leaves a tall country small). The data table
    lists the areas by class, then by value, with any further
    *table_columns* (heading, formatted cells); *table_mask* keeps some of
    them (*table_note* says what is left out).
    """
    count = len(codes)
    known = [str(c) if str(c) in LISA_CLASSES else "not significant" for c in classes]
    points = list(label_points) if label_points is not None else [None] * count
    insets = list(insets)[:2]
    views: list[tuple[str, set[str] | None]] = [("geo", None)]
    views += [(f"geo{k + 2}", set(inset.codes)) for k, inset in enumerate(insets)]
    enlarged = set().union(*(shown for _, shown in views[1:] if shown is not None))
    traces: list[dict[str, Any]] = []
    for geo, shown in views:
        for label, (colour, _, words) in LISA_CLASSES.items():
            idx = [i for i in range(count) if known[i] == label and (shown is None or codes[i] in shown)]
            if shown is not None and not idx:
                continue
            significant = label != "not significant"
            traces.append(
                {
                    "type": "choropleth",
                    "geo": geo,
                    "geojson": SHARED_PREFIX + geojson_key,
                    "featureidkey": "properties.code",
                    "locations": [codes[i] for i in idx],
                    "z": [1] * len(idx),
                    "zmin": 0,
                    "zmax": 1,
                    "colorscale": [[0, colour], [1, colour]],
                    "showscale": False,
                    "customdata": [[names[i], values[i]] for i in idx],
                    "marker": {
                        "line": {"color": "#1b1b1b" if significant else "#ffffff", "width": 0.8 if significant else 0.5}
                    },
                    "hovertemplate": "%{customdata[0]} (%{location})<br>"
                    + value_label
                    + ": %{customdata[1]:"
                    + fmt
                    + "}"
                    f"<br>{words}<extra></extra>",
                    "name": f"{words} ({len(idx)})",
                    "legendgroup": label,
                    "showlegend": shown is None,
                }
            )
    focus_class = next((known[i] for i in range(count) if codes[i] == focus), None)
    for geo, shown in views:
        # Each significant area is lettered once: in its inset when it has one. The focus area's class goes in
        # its name label instead.
        lettered = [
            i
            for i in range(count)
            if known[i] != "not significant"
            and points[i] is not None
            and codes[i] != focus
            and (codes[i] in shown if shown is not None else codes[i] not in enlarged)
        ]
        for ink, halo in (("#ffffff", "#000000"), ("#000000", "#ffffff")):
            group = [i for i in lettered if LISA_CLASSES[known[i]][1] == ink]
            if not group:
                continue
            traces.append(
                {
                    "type": "scattergeo",
                    "geo": geo,
                    "lon": [points[i][0] for i in group],  # type: ignore[index]
                    "lat": [points[i][1] for i in group],  # type: ignore[index]
                    "mode": "text",
                    "text": [known[i] for i in group],
                    "textfont": {
                        "size": letter_size if shown is None else 9,
                        "color": ink,
                        "family": _FONT["family"],
                        "weight": "bold",
                        "shadow": f"0 0 2px {halo}, 0 0 2px {halo}, 0 0 1px {halo}",
                    },
                    "hoverinfo": "skip",
                    "showlegend": False,
                }
            )
    if focus is not None:
        named = focus_name + (f" ({focus_class})" if focus_class not in (None, "not significant") else "")
        outlined = ["geo"] + [geo for (geo, _), inset in zip(views[1:], insets, strict=True) if inset.focus]
        for geo in outlined:
            traces += _outline(focus_key or geojson_key, focus, focus_name, geo)
        traces += _focus_label(focus_point, named)
    for inset in insets:
        if inset.bounds is not None:  # where the inset is, on the map
            west, east, south, north = inset.bounds
            traces.append(
                {
                    "type": "scattergeo",
                    "geo": "geo",
                    "lon": [west, east, east, west, west],
                    "lat": [south, south, north, north, south],
                    "mode": "lines",
                    "line": {"color": "#1b1b1b", "width": 0.8, "dash": "dot"},
                    "hoverinfo": "skip",
                    "showlegend": False,
                }
            )
    legend: dict[str, Any] = {
        "title": {"text": "LISA class (areas)"},
        "x": 0,
        "xanchor": "left",
        "y": 1,
        "yanchor": "top",
        "bgcolor": "rgba(255,255,255,0.85)",
        "font": {"size": 11},
        "itemclick": False,
        "itemdoubleclick": False,
    }
    layout = _layout(
        None,
        height=height,
        geo=_bounded(_geo({"x": [0, 0.64], "y": [0, 1]} if insets else None), bounds),
        showlegend=True,
        legend=legend,
        margin={"l": 0, "r": 0, "t": 10, "b": 0},
    )
    # The insets, framed and titled, in a column on the right.
    boxes = [(0.45, 0.93)] if len(views) == 2 else [(0.53, 0.93), (0.05, 0.45)]
    shapes, annotations = [], []
    for (geo, _), inset, (low, high) in zip(views[1:], insets, boxes, strict=False):
        layout[geo] = _bounded(_geo({"x": [0.66, 1.0], "y": [low, high]}), inset.bounds)
        shapes.append(
            {
                "type": "rect",
                "xref": "paper",
                "yref": "paper",
                "x0": 0.66,
                "x1": 1.0,
                "y0": low,
                "y1": high + 0.05,
                "line": {"color": "#1b1b1b", "width": 0.8},
            }
        )
        annotations.append(
            {
                "text": f"<b>{inset.title}</b>",
                "x": 0.83,
                "y": high + 0.045,
                "xref": "paper",
                "yref": "paper",
                "showarrow": False,
                "xanchor": "center",
                "yanchor": "top",
                "font": {"size": 11},
            }
        )
    if shapes:
        layout.update(shapes=shapes, annotations=annotations)
    order = {label: k for k, label in enumerate(LISA_CLASSES)}
    listed = [i for i in range(count) if table_mask is None or table_mask[i]]
    listed.sort(key=lambda i: (order[known[i]], -(values[i] if _ok(values[i]) else -math.inf)))
    rows = [
        [names[i], codes[i], _fmt(values[i], fmt), known[i], *[cells[i] for _, cells in table_columns]] for i in listed
    ]
    note = table_note if len(listed) < count else ""
    table = DataTable(["Area", "Code", value_label, "LISA class", *[h for h, _ in table_columns]], rows, note)
    return Chart(chart_id, title, caption, traces, layout, table, height=height, kind="map")


def _wrap(text: str, width: int) -> list[str]:
    lines: list[str] = []
    for word in str(text).split():
        if lines and len(lines[-1]) + 1 + len(word) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def _ring_area(ring: np.ndarray) -> float:
    x, y = ring[:, 0], ring[:, 1]
    return float(np.dot(x[:-1], y[1:]) - np.dot(x[1:], y[:-1])) / 2.0


def _simplified_rings(rings: Sequence[np.ndarray], tolerance: float) -> list[np.ndarray]:
    """Douglas–Peucker on each closed ring (first point = last point): the points each ring keeps.

    Every ring is worked at once, one level of the recursion at a time (a ring's kept points do not depend on
    the order its pieces are split in): one pass per level over all pieces rather than some 20 NumPy calls per
    piece, a third of a second of a first US run. The arithmetic is each piece's own, as one ring alone would
    have it: the same points are kept. Rings of at most 4 points, and any ring when *tolerance* <= 0, are kept
    whole.
    """
    out = list(rings)
    chosen = [k for k, ring in enumerate(rings) if len(ring) > 4] if tolerance > 0 else []
    if not chosen:
        return out
    lengths = np.array([len(rings[k]) for k in chosen], dtype=np.int64)
    points = np.concatenate([rings[k] for k in chosen])
    ends = np.cumsum(lengths)
    starts = ends - lengths
    ring_of = np.repeat(np.arange(len(chosen)), lengths)
    keep = np.zeros(len(points), dtype=bool)
    keep[starts] = keep[ends - 1] = True
    # Each ring is split at its farthest point from the start (the first, on a tie), so that the two halves are
    # open polylines.
    far = _first_maximum(((points - points[starts][ring_of]) ** 2).sum(axis=1), starts, lengths)
    keep[far] = True
    first, last = np.concatenate([starts, far]), np.concatenate([far, ends - 1])
    x, y = points[:, 0], points[:, 1]
    while len(first := first[(wide := last - first >= 2)]):
        last = last[wide]
        inside = last - first - 1
        piece = np.repeat(np.arange(len(first)), inside)
        at = np.arange(int(inside.sum())) - np.repeat(np.cumsum(inside) - inside, inside) + first[piece] + 1
        ax, ay = x[first], y[first]
        dx, dy = x[last] - ax, y[last] - ay
        norm = np.array([math.hypot(u, v) for u, v in zip(dx.tolist(), dy.tolist(), strict=True)])
        px, py, apx, apy = x[at], y[at], ax[piece], ay[piece]
        flat = (norm == 0)[piece]
        distance = np.empty(len(at))
        distance[flat] = np.hypot(px[flat] - apx[flat], py[flat] - apy[flat])
        upright = ~flat
        distance[upright] = (
            np.abs(
                dx[piece][upright] * (py[upright] - apy[upright]) - dy[piece][upright] * (px[upright] - apx[upright])
            )
            / norm[piece][upright]
        )
        offsets = np.cumsum(inside) - inside
        middle = at[_first_maximum(distance, offsets, inside)]
        split = np.maximum.reduceat(distance, offsets) > tolerance
        middle = middle[split]
        keep[middle] = True
        first, last = np.concatenate([first[split], middle]), np.concatenate([middle, last[split]])
    for k, (begin, end) in zip(chosen, zip(starts.tolist(), ends.tolist(), strict=True), strict=True):
        out[k] = points[begin:end][keep[begin:end]]
    return out


def _first_maximum(values: np.ndarray, offsets: np.ndarray, lengths: np.ndarray) -> np.ndarray:
    """The position in *values* of each run's largest value (the first of equals, as ``np.argmax``); the runs are
    consecutive, none empty, starting at *offsets*."""
    largest = np.maximum.reduceat(values, offsets)
    positions = np.arange(len(values))
    where = np.where(values == np.repeat(largest, lengths), positions, len(values))
    return np.minimum.reduceat(where, offsets)


def _wound_shapes(shapes: list[list[Any]], tolerance: float) -> list[list[list[list[list[float]]]]]:
    """Each shape's polygons (a GeoJSON MultiPolygon's coordinates) simplified, rounded to 3 decimals and wound
    for d3-geo; a polygon whose exterior ring vanishes is left out. The rings of all shapes are simplified at once
    (:func:`_simplified_rings`)."""
    rings = [np.asarray(ring, dtype=float) for polygons in shapes for polygon in polygons for ring in polygon]
    simplified = _simplified_rings(rings, tolerance)
    if not simplified:
        return [[] for _ in shapes]
    lengths = np.array([len(ring) for ring in simplified], dtype=np.int64)
    points = np.round(np.concatenate(simplified), 3)
    # Rounding can make neighbours equal and slivers flat: drop repeats (each ring keeps its first point), then
    # rings with no area.
    fresh = np.r_[True, np.any(np.diff(points, axis=0) != 0, axis=1)]
    fresh[(np.cumsum(lengths) - lengths)[lengths > 0]] = True
    ring_of = np.repeat(np.arange(len(lengths)), lengths)
    ends = np.cumsum(np.bincount(ring_of[fresh], minlength=len(lengths))).tolist()
    kept_points = points[fresh]
    pieces = iter([kept_points[begin:end] for begin, end in zip([0, *ends[:-1]], ends, strict=True)])
    min_area = max(1e-9, tolerance**2 / 10)
    out = []
    for polygons in shapes:
        kept = []
        for polygon in polygons:
            wound = []
            for k, simple in enumerate([next(pieces) for _ in polygon]):
                area = _ring_area(simple) if len(simple) >= 4 else 0.0
                if abs(area) <= min_area:
                    if k == 0:
                        break  # the exterior vanished at this tolerance: so does the polygon
                    continue
                # d3-geo (plotly.js) wants exterior rings clockwise and holes anticlockwise: the
                # reverse of RFC 7946 GeoJSON; the wrong winding paints the whole globe.
                if (k == 0 and area > 0) or (k > 0 and area < 0):
                    simple = simple[::-1]
                # Whole numbers as integers, as to_json writes them (the coordinates are finite); few rings have any.
                listed = simple.tolist()
                if np.any(simple == np.floor(simple)):
                    listed = [[int(v) if v.is_integer() else v for v in point] for point in listed]
                wound.append(listed)
            if wound:
                kept.append(wound)
        out.append(kept)
    return out


@cache
def _report_geojson(level: str, codes: tuple[str, ...] | None, tolerance: float) -> str:
    # The same package boundaries give the same shapes in every run: kept on disk, they cost a read, not 0.1-0.5 s.
    return kept_on_disk(
        ("report_geojson", level, codes, tolerance), lambda: _simplified_geojson(level, codes, tolerance)
    )


def _simplified_geojson(level: str, codes: tuple[str, ...] | None, tolerance: float) -> str:
    from ..sources.ons_geography import load_boundaries

    collection = load_boundaries(level)
    chosen = [f for f in collection["features"] if codes is None or f["properties"]["code"] in codes]
    shapes = [
        f["geometry"]["coordinates"] if f["geometry"]["type"] == "MultiPolygon" else [f["geometry"]["coordinates"]]
        for f in chosen
    ]
    features = []
    for feature, polygons, simplified in zip(chosen, shapes, _wound_shapes(shapes, tolerance), strict=True):
        code = feature["properties"]["code"]
        kept = simplified or _wound_shapes([polygons], 0.0)[0]
        if not kept:
            continue
        features.append(
            {
                "type": "Feature",
                "properties": {"code": code, "name": feature["properties"]["name"]},
                "geometry": {"type": "MultiPolygon", "coordinates": kept},
            }
        )
    return to_json(_Clean({"type": "FeatureCollection", "features": features}))


def report_geojson(level: str, codes: Sequence[str] | None = None, *, tolerance: float = 0.002) -> dict[str, Any]:
    """Area shapes for the report's maps: simplified, rounded to 3 decimals, wound for d3-geo.

    Parameters
    ----------
    level
        A boundary level of :func:`clusterplan.sources.ons_geography.load_boundaries`.
    codes
        Keep only these areas (all when None).
    tolerance
        Douglas–Peucker tolerance in degrees (0.002° is about 150 m).
    """
    key = tuple(sorted(codes)) if codes is not None else None
    return _Clean(json.loads(_report_geojson(level, key, tolerance).replace("<\\/", "</")))
