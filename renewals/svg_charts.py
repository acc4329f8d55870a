"""Small server-side SVG charts for the business-case PDF (and its HTML preview).

WeasyPrint draws inline SVG itself, so the PDF needs no browser and no image export. Each chart
has a title and says its unit; every label is escaped. Output is deterministic for given input,
so a snapshot renders the same charts every time.
"""

from __future__ import annotations

import math
from html import escape

from django.utils.safestring import SafeString, mark_safe

FONT = "Liberation Sans, DejaVu Sans, sans-serif"
INK, MUTED, GRID = "#1d2430", "#5c6675", "#e2e6eb"


def nice_ceiling(value: float) -> float:
    """The smallest 1, 2, 2.5 or 5 × 10ⁿ at or above ``value`` (an axis maximum people can read)."""
    if value <= 0:
        return 1.0
    exponent = math.floor(math.log10(value))
    for step in (1, 2, 2.5, 5, 10):
        candidate = step * 10**exponent
        if candidate >= value - 1e-9:
            return float(candidate)
    return float(10 ** (exponent + 1))


def axis_top(value: float) -> float:
    """The axis maximum: four gridline steps, each a readable 1, 2, 2.5 or 5 × 10ⁿ."""
    return 4 * nice_ceiling(value / 4)


def compact(value: float, *, prefix: str = "") -> str:
    """1 234 → "1.2k", 2 500 000 → "2.5M" (axis labels only; tables show full figures)."""
    sign = "-" if value < 0 else ""
    value = abs(value)
    for limit, suffix in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if value >= limit:
            text = f"{value / limit:.1f}".rstrip("0").rstrip(".")
            return f"{sign}{prefix}{text}{suffix}"
    text = f"{value:.1f}".rstrip("0").rstrip(".") if value % 1 else f"{value:.0f}"
    return f"{sign}{prefix}{text}"


def _text(x: float, y: float, content: str, *, size: float = 10, anchor: str = "start", fill: str = MUTED, weight: str = "normal") -> str:
    return (
        f'<text x="{x:.1f}" y="{y:.1f}" font-family="{FONT}" font-size="{size}" text-anchor="{anchor}" '
        f'fill="{fill}" font-weight="{weight}">{escape(content)}</text>'
    )


def _frame(width: int, height: int, title: str, body: list[str]) -> SafeString:
    parts = [
        f'<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {height}" width="{width}" height="{height}" role="img" aria-label="{escape(title)}">',
        _text(0, 14, title, size=12, fill=INK, weight="bold"),
        *body,
        "</svg>",
    ]
    return mark_safe("".join(parts))


def _empty(width: int, height: int, title: str, reason: str) -> SafeString:
    return _frame(width, height, title, [_text(width / 2, height / 2, reason, size=11, anchor="middle")])


def _axis(*, left: float, top: float, plot_w: float, plot_h: float, top_value: float, y_label: str, prefix: str) -> list[str]:
    parts = []
    for i in range(5):
        value = top_value * i / 4
        y = top + plot_h - plot_h * i / 4
        parts.append(f'<line x1="{left:.1f}" x2="{left + plot_w:.1f}" y1="{y:.1f}" y2="{y:.1f}" stroke="{GRID}" stroke-width="1"/>')
        parts.append(_text(left - 6, y + 3.5, compact(value, prefix=prefix), size=9, anchor="end"))
    parts.append(_text(left, top - 6, y_label, size=9))
    return parts


def _x_labels(categories: list[str], *, left: float, slot: float, y: float) -> list[str]:
    # Thin the labels out so they never overlap: at most ~12 across the plot.
    every = max(1, math.ceil(len(categories) / 12))
    return [
        _text(left + slot * (i + 0.5), y, label, size=9, anchor="middle") for i, label in enumerate(categories) if i % every == 0 or i == len(categories) - 1
    ]


def bar_chart(
    *,
    title: str,
    categories: list[str],
    series: list[tuple[str, list[float], str]],
    y_label: str,
    prefix: str = "",
    width: int = 640,
    height: int = 230,
    empty_reason: str = "No data yet.",
    bar_colors: list[str] | None = None,
) -> SafeString:
    """Vertical bars, grouped when there are several series ``(name, values, colour)``;
    ``bar_colors`` colours the bars of a single series one by one."""
    values = [v for _, vals, _ in series for v in vals if v is not None]
    if not categories or not values or max(values) <= 0:
        return _empty(width, height, title, empty_reason)
    left, top, bottom = 52.0, 40.0, 28.0 + (14 if len(series) > 1 else 0)
    plot_w, plot_h = width - left - 8, height - top - bottom
    top_value = axis_top(max(values))
    slot = plot_w / len(categories)
    bar_w = slot * 0.7 / len(series)
    body = _axis(left=left, top=top, plot_w=plot_w, plot_h=plot_h, top_value=top_value, y_label=y_label, prefix=prefix)
    for s_index, (_, vals, color) in enumerate(series):
        for i, value in enumerate(vals):
            if not value or value <= 0:
                continue
            h = plot_h * value / top_value
            x = left + slot * i + slot * 0.15 + bar_w * s_index
            fill = bar_colors[i] if bar_colors and len(series) == 1 else color
            body.append(f'<rect x="{x:.1f}" y="{top + plot_h - h:.1f}" width="{bar_w:.1f}" height="{h:.1f}" fill="{fill}" rx="1.5"/>')
            if len(categories) <= 6:
                body.append(_text(x + bar_w / 2, top + plot_h - h - 4, compact(value, prefix=prefix), size=9, anchor="middle", fill=INK))
    body += _x_labels(categories, left=left, slot=slot, y=top + plot_h + 14)
    if len(series) > 1:
        x = left
        for name, _, color in series:
            body.append(f'<rect x="{x:.1f}" y="{height - 11:.1f}" width="9" height="9" fill="{color}"/>')
            body.append(_text(x + 13, height - 3, name, size=9))
            x += 24 + 6 * len(name)
    return _frame(width, height, title, body)


def line_chart(
    *, title: str, categories: list[str], values: list[float], color: str, y_label: str, width: int = 640, height: int = 230, empty_reason: str = "No data yet."
) -> SafeString:
    """One series over time, with a light area under the line and the last value labelled."""
    if not categories or not values or max(values) <= 0:
        return _empty(width, height, title, empty_reason)
    left, top, bottom = 52.0, 40.0, 28.0
    plot_w, plot_h = width - left - 24, height - top - bottom
    top_value = axis_top(max(values))
    slot = plot_w / len(categories)
    points = [(left + slot * (i + 0.5), top + plot_h - plot_h * (v or 0) / top_value) for i, v in enumerate(values)]
    body = _axis(left=left, top=top, plot_w=plot_w, plot_h=plot_h, top_value=top_value, y_label=y_label, prefix="")
    path = " ".join(f"{x:.1f},{y:.1f}" for x, y in points)
    base = top + plot_h
    body.append(f'<polygon points="{points[0][0]:.1f},{base:.1f} {path} {points[-1][0]:.1f},{base:.1f}" fill="{color}" fill-opacity="0.12"/>')
    body.append(f'<polyline points="{path}" fill="none" stroke="{color}" stroke-width="2.2" stroke-linejoin="round"/>')
    if len(points) <= 13:
        body += [f'<circle cx="{x:.1f}" cy="{y:.1f}" r="2.4" fill="{color}"/>' for x, y in points]
    body.append(_text(points[-1][0], points[-1][1] - 7, compact(values[-1]), size=9, anchor="middle", fill=INK, weight="bold"))
    body += _x_labels(categories, left=left, slot=slot, y=top + plot_h + 14)
    return _frame(width, height, title, body)


def progress_chart(
    *, title: str, rows: list[tuple[str, float | None, str]], color: str, width: int = 640, empty_reason: str = "No measured results yet."
) -> SafeString:
    """Horizontal bars of progress towards target (0–100 %, a marker at the target); rows are
    ``(label, progress 0..1 or None, status label)``."""
    rows = rows[:12]
    row_h, top = 24.0, 26.0
    height = int(top + row_h * max(len(rows), 1) + 20)
    if not rows:
        return _empty(width, 80, title, empty_reason)
    label_w, right = 230.0, 96.0
    plot_w = width - label_w - right
    body = []
    for i, (label, progress, status) in enumerate(rows):
        y = top + row_h * i
        short = label if len(label) <= 38 else label[:36] + "…"
        body.append(_text(0, y + 14, short, size=10, fill=INK))
        body.append(f'<rect x="{label_w:.1f}" y="{y + 5:.1f}" width="{plot_w:.1f}" height="12" fill="{GRID}" rx="2"/>')
        if progress is not None and progress > 0:
            w = plot_w * min(progress, 1.0)
            body.append(f'<rect x="{label_w:.1f}" y="{y + 5:.1f}" width="{w:.1f}" height="12" fill="{color}" rx="2"/>')
        pct = "no data" if progress is None else f"{progress * 100:.0f}%"
        body.append(_text(label_w + plot_w + 8, y + 14, f"{pct} · {status}", size=9))
    end = label_w + plot_w
    body.append(
        f'<line x1="{end:.1f}" x2="{end:.1f}" y1="{top:.1f}" y2="{top + row_h * len(rows):.1f}" stroke="{INK}" stroke-width="1" stroke-dasharray="3,2"/>'
    )
    body.append(_text(end, top + row_h * len(rows) + 12, "target", size=9, anchor="middle"))
    return _frame(width, height, title, body)
