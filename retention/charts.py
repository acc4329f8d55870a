"""Shared chart helper: plotly figures rendered as an HTML ``<figure>`` holding a ``<div>`` and
the figure's JSON, drawn in the browser by the locally served ``static/js/plotly.min.js``.

Usage in a view::

    from retention import charts

    fig = go.Figure(go.Bar(x=months, y=values, marker_color=charts.SERIES[0]))
    chart = charts.render(fig, title="MRR by month", x_title="Month", y_title="MRR (USD)",
                          empty_reason="No contract lines yet.")
    return render(request, "page.html", {"mrr_chart": chart})

and in the template: ``{% include "includes/plotly.html" %}`` once (it loads plotly.js once, even
if included again, and draws every chart on the page, also after htmx swaps), then
``{{ mrr_chart }}`` where the chart goes.

No plotly.js is ever inlined or loaded from a CDN (``include_plotlyjs=False`` semantics: only the
figure JSON is emitted). A figure without data renders as an explained empty state instead of
blank axes.
"""

from __future__ import annotations

import itertools
import json
from dataclasses import dataclass

import plotly.graph_objects as go
from django.utils.html import format_html
from django.utils.safestring import SafeString, mark_safe

# Band colours, identical to --green/--yellow/--red in static/css/app.css: distinguishable for
# the common colour-vision deficiencies, and always paired with a text label on the page.
BAND_COLORS = {"green": "#1a7f5a", "yellow": "#9a6700", "red": "#c2362c"}
GREY = "#8a94a3"
# Series colours for non-band data (brand blue first), chosen to stay apart from the bands.
SERIES = ("#2d5bd7", "#6f42c1", "#0f7b8a", "#b35900", "#5c6675", "#a3316f")

FONT_FAMILY = 'system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif'
INK, MUTED, LINE = "#1d2430", "#5c6675", "#e2e6eb"

# Plotly's "config": no mode bar clutter, no logo, resizes with its container.
CONFIG = {"displayModeBar": False, "displaylogo": False, "responsive": True, "scrollZoom": False}

_ids = itertools.count(1)


@dataclass(frozen=True)
class Chart:
    """A rendered chart: ``html`` goes into the page; ``figure_json`` is what plotly.js draws."""

    id: str
    title: str
    html: SafeString
    figure_json: str | None  # None for an empty chart

    @property
    def is_empty(self) -> bool:
        return self.figure_json is None

    def __str__(self) -> str:  # ``{{ chart }}`` in a template renders the markup
        return self.html

    def __html__(self) -> str:
        return self.html


def apply_layout(fig: go.Figure, *, title: str, x_title: str = "", y_title: str = "", height: int = 320) -> go.Figure:
    """The house layout: titled, axis titles (say the unit, e.g. "MRR (USD)"), readable fonts,
    light grid, legend below, transparent background so cards show through."""
    fig.update_layout(
        title={"text": title, "x": 0, "xanchor": "left", "font": {"size": 16, "color": INK}},
        font={"family": FONT_FAMILY, "size": 13, "color": INK},
        height=height,
        autosize=True,
        margin={"l": 64, "r": 16, "t": 48, "b": 56},
        paper_bgcolor="rgba(0,0,0,0)",
        plot_bgcolor="#ffffff",
        colorway=list(SERIES),
        hovermode="x unified",
        hoverlabel={"font": {"family": FONT_FAMILY, "size": 13}},
        legend={"orientation": "h", "yanchor": "top", "y": -0.18, "x": 0},
        separators=".,",
    )
    axis = {"gridcolor": LINE, "linecolor": LINE, "zerolinecolor": LINE, "tickfont": {"color": MUTED, "size": 12}, "automargin": True}
    fig.update_xaxes(title={"text": x_title, "font": {"color": MUTED, "size": 12}}, **axis)
    fig.update_yaxes(title={"text": y_title, "font": {"color": MUTED, "size": 12}}, **axis)
    return fig


def has_data(fig: go.Figure) -> bool:
    """True when at least one trace has a point to draw."""
    for trace in fig.data:
        for attr in ("y", "x", "values", "r", "z"):
            values = getattr(trace, attr, None)
            if values is not None and len(values) > 0:
                return True
    return False


def _json_for_script(payload: str) -> str:
    # The same escaping as Django's json_script: the JSON can never close the <script> element.
    return payload.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")


def render(
    fig: go.Figure,
    *,
    title: str,
    x_title: str = "",
    y_title: str = "",
    height: int = 320,
    empty_reason: str = "There is no data to show yet.",
    description: str = "",
    chart_id: str | None = None,
) -> Chart:
    """Render ``fig`` with the house layout. Without data, an explained empty state instead.

    ``description`` is a one-line reading of the chart for screen readers and the caption.
    """
    chart_id = chart_id or f"chart-{next(_ids)}"
    if not has_data(fig):
        return empty(title=title, reason=empty_reason, chart_id=chart_id, height=height)
    apply_layout(fig, title=title, x_title=x_title, y_title=y_title, height=height)
    figure_json = fig.to_json()
    payload = json.dumps({"figure": json.loads(figure_json), "config": CONFIG}, separators=(",", ":"))
    html = format_html(
        '<figure class="chart" aria-label="{title}">'
        '<div class="chart-plot" id="{id}" data-plotly-chart style="min-height:{height}px"></div>'
        '<script type="application/json" data-plotly-figure-for="{id}">{payload}</script>'
        "{caption}"
        "</figure>",
        title=title,
        id=chart_id,
        height=height,
        payload=mark_safe(_json_for_script(payload)),  # noqa: S308 - escaped above for a <script> context
        caption=format_html('<figcaption class="small muted">{}</figcaption>', description) if description else "",
    )
    return Chart(id=chart_id, title=title, html=html, figure_json=figure_json)


def empty(*, title: str, reason: str, chart_id: str | None = None, height: int = 320) -> Chart:
    """A chart-shaped card that says why there is nothing to draw."""
    chart_id = chart_id or f"chart-{next(_ids)}"
    html = format_html(
        '<figure class="chart chart-empty" id="{id}" aria-label="{title}" style="min-height:{height}px">'
        '<div class="chart-empty-title">{title}</div><p class="empty">{reason}</p></figure>',
        id=chart_id,
        title=title,
        height=max(height // 2, 120),
        reason=reason,
    )
    return Chart(id=chart_id, title=title, html=html, figure_json=None)


def band_color(band: str) -> str:
    """The colour of a health band (``green``/``yellow``/``red``); grey for unknown or missing."""
    return BAND_COLORS.get(band, GREY)


__all__ = ["BAND_COLORS", "CONFIG", "GREY", "SERIES", "Chart", "apply_layout", "band_color", "empty", "has_data", "render"]
