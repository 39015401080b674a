"""Small, dependency-free SVG charts for the self-contained HTML report.

Charts carry a <title> and <desc> for screen readers, use the Okabe-Ito
colour-blind-safe palette, and never rely on colour alone (labels and shapes
say the same thing).
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from html import escape

__all__ = ["OKABE_ITO", "bar_chart", "bubble_chart", "line_chart", "strip_chart"]

OKABE_ITO = ["#0072B2", "#E69F00", "#009E73", "#D55E00", "#CC79A7", "#56B4E9", "#F0E442", "#000000"]
_FONT = 'font-family="system-ui, sans-serif" font-size="12"'


def _open(width: int, height: int, title: str, desc: str) -> list[str]:
    return [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="100%" '
        f'role="img" aria-labelledby="t d" {_FONT}>',
        f"<title>{escape(title)}</title><desc>{escape(desc)}</desc>",
    ]


def _dashed(x1: float, x2: float, y1: float, y2: float) -> str:
    """A dashed reference line (LQ = 1, the benchmark)."""
    return f'<line x1="{x1:.1f}" x2="{x2:.1f}" y1="{y1:.1f}" y2="{y2:.1f}" stroke="#000" stroke-dasharray="4 3"/>'


def _nice_max(value: float) -> float:
    if value <= 0 or not math.isfinite(value):
        return 1.0
    exponent = 10 ** math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        if value <= step * exponent:
            return step * exponent
    return 10 * exponent


def bar_chart(
    labels: Sequence[str],
    values: Sequence[float],
    *,
    title: str,
    reference: float | None = None,
    fmt: str = "{:.2f}",
    highlight: Sequence[bool] | None = None,
) -> str:
    """Horizontal bars with value labels and an optional reference line (e.g. LQ = 1)."""
    left, right, row = 300, 70, 26
    width, height = 860, 40 + row * len(labels)
    finite = [v for v in values if v is not None and math.isfinite(v)]
    top = _nice_max(max([*finite, reference or 0]))
    scale = (width - left - right) / top
    parts = _open(
        width, height, title, "; ".join(f"{lab}: {fmt.format(v)}" for lab, v in zip(labels, values, strict=True))
    )
    for i, (label, value) in enumerate(zip(labels, values, strict=True)):
        y = 20 + i * row
        parts.append(f'<text x="{left - 8}" y="{y + 16}" text-anchor="end">{escape(label)}</text>')
        if value is None or not math.isfinite(value):
            parts.append(f'<text x="{left + 4}" y="{y + 16}">no data</text>')
            continue
        colour = OKABE_ITO[0] if not highlight or highlight[i] else "#9a9a9a"
        parts.append(f'<rect x="{left}" y="{y + 3}" width="{value * scale:.1f}" height="{row - 8}" fill="{colour}"/>')
        parts.append(f'<text x="{left + value * scale + 4:.1f}" y="{y + 16}">{fmt.format(value)}</text>')
    if reference is not None:
        x = left + reference * scale
        parts.append(
            f'<line x1="{x:.1f}" x2="{x:.1f}" y1="10" y2="{height - 10}" stroke="#000" stroke-dasharray="4 3"/>'
        )
        parts.append(f'<text x="{x + 3:.1f}" y="12" font-size="11">{fmt.format(reference)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def bubble_chart(
    labels: Sequence[str],
    x: Sequence[float],
    y: Sequence[float],
    size: Sequence[float],
    *,
    title: str,
    x_label: str,
    y_label: str,
    x_ref: float | None = None,
    y_ref: float | None = None,
) -> str:
    """Scatter of x against y with bubble area proportional to *size*, every bubble labelled."""
    width, height, pad = 860, 520, 70
    points = [
        (lab, a, b, s)
        for lab, a, b, s in zip(labels, x, y, size, strict=True)
        if all(v is not None and math.isfinite(v) for v in (a, b, s))
    ]
    parts = _open(
        width, height, title, "; ".join(f"{p[0]}: {x_label} {p[1]:.2f}, {y_label} {p[2]:.2%}" for p in points)
    )
    if not points:
        parts.append('<text x="20" y="40">no data</text></svg>')
        return "".join(parts)
    xs = [p[1] for p in points] + ([x_ref] if x_ref is not None else [])
    ys = [p[2] for p in points] + ([y_ref] if y_ref is not None else [])
    x0, x1 = min([*xs, 0.0]), max(xs) * 1.1 or 1.0
    spread = (max(ys) - min(ys)) or 0.01
    y0, y1 = min(ys) - 0.1 * spread, max(ys) + 0.1 * spread

    def px(v: float) -> float:
        return pad + (v - x0) / (x1 - x0) * (width - 2 * pad)

    def py(v: float) -> float:
        return height - pad - (v - y0) / (y1 - y0) * (height - 2 * pad)

    parts.append(f'<line x1="{pad}" x2="{width - pad}" y1="{height - pad}" y2="{height - pad}" stroke="#444"/>')
    parts.append(f'<line x1="{pad}" x2="{pad}" y1="{pad}" y2="{height - pad}" stroke="#444"/>')
    parts.append(f'<text x="{width / 2}" y="{height - 20}" text-anchor="middle">{escape(x_label)}</text>')
    parts.append(
        f'<text x="18" y="{height / 2}" transform="rotate(-90 18 {height / 2})" text-anchor="middle">'
        f"{escape(y_label)}</text>"
    )
    for tick in range(5):
        vx = x0 + (x1 - x0) * tick / 4
        vy = y0 + (y1 - y0) * tick / 4
        parts.append(
            f'<text x="{px(vx):.1f}" y="{height - pad + 16}" text-anchor="middle" font-size="11">{vx:.2f}</text>'
        )
        parts.append(f'<text x="{pad - 6}" y="{py(vy) + 4:.1f}" text-anchor="end" font-size="11">{vy:.1%}</text>')
    if x_ref is not None:
        parts.append(_dashed(px(x_ref), px(x_ref), pad, height - pad))
    if y_ref is not None:
        parts.append(_dashed(pad, width - pad, py(y_ref), py(y_ref)))
    biggest = max(p[3] for p in points) or 1.0
    for i, (label, a, b, s) in enumerate(points):
        r = 5 + 26 * math.sqrt(s / biggest)
        colour = OKABE_ITO[i % len(OKABE_ITO)]
        parts.append(
            f'<circle cx="{px(a):.1f}" cy="{py(b):.1f}" r="{r:.1f}" fill="{colour}" fill-opacity="0.55" '
            f'stroke="{colour}">'
            f"<title>{escape(label)}: {x_label} {a:.2f}, {y_label} {b:.2%}, employment {s:,.0f}</title></circle>"
        )
        parts.append(
            f'<text x="{px(a):.1f}" y="{py(b) - r - 3:.1f}" text-anchor="middle" font-size="11">{escape(label)}</text>'
        )
    parts.append("</svg>")
    return "".join(parts)


def line_chart(years: Sequence[int], series: Mapping[str, Sequence[float]], *, title: str, y_label: str) -> str:
    """Lines over years, each labelled at its end, dashes distinguishing series as well as colour."""
    width, height, pad = 420, 220, 48
    values = [v for vs in series.values() for v in vs if v is not None and math.isfinite(v)]
    parts = _open(
        width,
        height,
        title,
        "; ".join(
            f"{k}: " + ", ".join(f"{y} {v:.1f}" for y, v in zip(years, vs, strict=True)) for k, vs in series.items()
        ),
    )
    if not values or len(years) < 2:
        parts.append('<text x="20" y="40">no data</text></svg>')
        return "".join(parts)
    lo, hi = min(values), max(values)
    lo, hi = (lo - 1, hi + 1) if hi == lo else (lo - 0.05 * (hi - lo), hi + 0.05 * (hi - lo))

    def px(year: int) -> float:
        return pad + (year - years[0]) / (years[-1] - years[0]) * (width - 2 * pad - 40)

    def py(v: float) -> float:
        return height - pad + 10 - (v - lo) / (hi - lo) * (height - 2 * pad)

    parts.append(f'<text x="{pad}" y="16" font-size="11">{escape(y_label)}</text>')
    for v in (lo, (lo + hi) / 2, hi):
        parts.append(f'<text x="{pad - 4}" y="{py(v) + 4:.1f}" text-anchor="end" font-size="10">{v:.0f}</text>')
        parts.append(f'<line x1="{pad}" x2="{width - pad - 40}" y1="{py(v):.1f}" y2="{py(v):.1f}" stroke="#ddd"/>')
    for year in (years[0], years[-1]):
        parts.append(f'<text x="{px(year):.1f}" y="{height - 12}" text-anchor="middle" font-size="10">{year}</text>')
    dashes = ["", "6 4", "2 3", "8 3 2 3"]
    label_ys: list[float] = []
    for i, (name, vs) in enumerate(series.items()):
        pts = " ".join(
            f"{px(y):.1f},{py(v):.1f}" for y, v in zip(years, vs, strict=True) if v is not None and math.isfinite(v)
        )
        parts.append(
            f'<polyline points="{pts}" fill="none" stroke="{OKABE_ITO[i]}" stroke-width="2.5" '
            f'stroke-dasharray="{dashes[i % 4]}"/>'
        )
        last = vs[-1]
        if last is not None and math.isfinite(last):
            y = py(last) + 4
            # Keep end labels of lines that finish close together from overprinting each other.
            while any(abs(y - other) < 12 for other in label_ys):
                y += 12
            label_ys.append(y)
            parts.append(f'<text x="{px(years[-1]) + 4:.1f}" y="{y:.1f}" font-size="10">{escape(name)}</text>')
    parts.append("</svg>")
    return "".join(parts)


def strip_chart(
    labels: Sequence[str], values: Sequence[float], focus: str, *, title: str, reference: float = 1.0
) -> str:
    """Every region's value as a dot on one axis, the focus region drawn larger, labelled and outlined."""
    width, height, pad = 860, 70, 30
    pairs = [(lab, v) for lab, v in zip(labels, values, strict=True) if v is not None and math.isfinite(v)]
    parts = _open(width, height, title, "; ".join(f"{lab}: {v:.2f}" for lab, v in pairs))
    if not pairs:
        parts.append('<text x="20" y="40">no data</text></svg>')
        return "".join(parts)
    top = _nice_max(max(v for _, v in pairs))

    def px(v: float) -> float:
        return pad + v / top * (width - 2 * pad)

    parts.append(f'<line x1="{pad}" x2="{width - pad}" y1="35" y2="35" stroke="#999"/>')
    parts.append(_dashed(px(reference), px(reference), 20, 50))
    for tick in range(5):
        v = top * tick / 4
        parts.append(f'<text x="{px(v):.1f}" y="64" text-anchor="middle" font-size="10">{v:.1f}</text>')
    for label, v in pairs:
        if label == focus:
            continue
        parts.append(
            f'<circle cx="{px(v):.1f}" cy="35" r="4" fill="#9a9a9a"><title>{escape(label)}: {v:.2f}</title></circle>'
        )
    for label, v in pairs:
        if label == focus:
            parts.append(
                f'<circle cx="{px(v):.1f}" cy="35" r="8" fill="{OKABE_ITO[3]}" stroke="#000" stroke-width="1.5">'
                f"<title>{escape(label)}: {v:.2f}</title></circle>"
            )
            parts.append(
                f'<text x="{px(v):.1f}" y="18" text-anchor="middle" font-size="11" font-weight="bold">'
                f"{escape(label)} {v:.2f}</text>"
            )
    parts.append("</svg>")
    return "".join(parts)
