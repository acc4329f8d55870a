"""Plotly figures of the portfolio pages (leader overview, account health) in the house style of
``retention.charts``: titled, units on the axes, band colours for bands, an explained empty
state when there is nothing to draw.

The figures are built as plain dicts (the JSON plotly.js draws) rather than ``plotly`` Python
objects: validating those costs 10–20 ms per chart, which the overview (six charts) and the
account page (four) cannot afford. The house layout itself still comes from
``retention.charts.apply_layout``, computed once; the markup is the one ``charts.render`` emits,
so ``includes/plotly.html`` draws these charts like any other.
"""

from __future__ import annotations

import copy
import functools
import itertools
import json

import plotly.graph_objects as go
from django.utils.html import format_html
from django.utils.safestring import mark_safe

from accounts.models import Segment
from retention import charts

from .models import Band
from .portfolio_account import USAGE_HELP, AccountHealth, top_events
from .portfolio_overview import BANDS, DEFINITIONS, Overview
from .zones import CHAIN, LABELS, LAYERS

BAND_LABELS = {b.value: b.label for b in Band}
BAND_LABELS[""] = "Not scored"


def _band_color(band: str) -> str:
    return charts.band_color(band)


_ids = itertools.count(1)


@functools.cache
def _house_layout() -> dict:
    """The layout ``charts.apply_layout`` gives a figure (with plotly's default template), once."""
    fig = go.Figure()
    charts.apply_layout(fig, title="-", x_title="-", y_title="-")
    return json.loads(fig.to_json())["layout"]


def _merge(into: dict, extra: dict) -> dict:
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value)
        else:
            into[key] = value
    return into


def _has_data(traces: list[dict]) -> bool:
    return any(len(trace.get(axis) or []) > 0 for trace in traces for axis in ("y", "x", "r", "values"))


def _render(
    traces: list[dict],
    *,
    title: str,
    x_title: str = "",
    y_title: str = "",
    height: int = 320,
    layout: dict | None = None,
    empty_reason: str,
    description: str = "",
    chart_id: str,
) -> charts.Chart:
    """``charts.render`` for a figure given as plain dicts (same markup, same empty state)."""
    chart_id = f"{chart_id}" if chart_id else f"portfolio-chart-{next(_ids)}"
    if not _has_data(traces):
        return charts.empty(title=title, reason=empty_reason, chart_id=chart_id, height=height)
    fig_layout = copy.deepcopy(_house_layout())
    _merge(fig_layout, {"title": {"text": title}, "height": height, "xaxis": {"title": {"text": x_title}}, "yaxis": {"title": {"text": y_title}}})
    _merge(fig_layout, layout or {})
    figure = {"data": traces, "layout": fig_layout}
    payload = json.dumps({"figure": figure, "config": charts.CONFIG}, separators=(",", ":"), default=str)
    # The same escaping as Django's json_script: the JSON can never close the <script> element.
    payload = payload.replace("&", "\\u0026").replace("<", "\\u003c").replace(">", "\\u003e")
    html = format_html(
        '<figure class="chart" aria-label="{title}">'
        '<div class="chart-plot" id="{id}" data-plotly-chart style="min-height:{height}px"></div>'
        '<script type="application/json" data-plotly-figure-for="{id}">{payload}</script>'
        "{caption}"
        "</figure>",
        title=title,
        id=chart_id,
        height=height,
        payload=mark_safe(payload),  # noqa: S308 - escaped above for a <script> context
        caption=format_html('<figcaption class="small muted">{}</figcaption>', description) if description else "",
    )
    return charts.Chart(id=chart_id, title=title, html=html, figure_json=json.dumps(figure, default=str))


# --- Account page ------------------------------------------------------------------------------


def score_history_chart(health: AccountHealth) -> charts.Chart:
    points = [(day, score, band) for day, score, band in health.history if score is not None]
    traces, shapes = [], []
    if points:
        traces.append(
            {
                "type": "scatter",
                "x": [d.isoformat() for d, _, _ in points],
                "y": [round(s, 1) for _, s, _ in points],
                "mode": "lines+markers",
                "name": "Health score",
                "line": {"color": charts.SERIES[0], "width": 2},
                "marker": {"color": [_band_color(b) for _, _, b in points], "size": 6},
                "customdata": [BAND_LABELS.get(b, b) for _, _, b in points],
                "hovertemplate": "%{x|%b %-d}: %{y:.0f} (%{customdata})<extra></extra>",
            }
        )
        bands = (health.score.scorecard.definition.get("bands") or {}) if health.score else {}
        green, yellow = float(bands.get("green", 70)), float(bands.get("yellow", 40))
        for y0, y1, band in ((0, yellow, "red"), (yellow, green, "yellow"), (green, 100, "green")):
            shapes.append(
                {
                    "type": "rect",
                    "xref": "paper",
                    "x0": 0,
                    "x1": 1,
                    "y0": y0,
                    "y1": y1,
                    "fillcolor": _band_color(band),
                    "opacity": 0.07,
                    "line": {"width": 0},
                    "layer": "below",
                }
            )
    return _render(
        traces,
        title="Health score, last 90 days",
        x_title="Day",
        y_title="Score (0–100)",
        height=280,
        layout={"shapes": shapes, "yaxis": {"range": [0, 100]}, "showlegend": False},
        empty_reason="No daily score in the last 90 days: the nightly run has not scored this account yet.",
        description="Daily health score; the shaded bands are red, yellow and green, the markers take the day's band colour.",
        chart_id="score-history",
    )


def zones_radar_chart(health: AccountHealth) -> charts.Chart:
    zones = health.zones.zones if health.zones else {}
    keys = [k for k in CHAIN + LAYERS if (zones.get(k) or {}).get("score") is not None]
    traces = []
    if keys:
        r = [round(zones[k]["score"]) for k in keys]
        traces.append(
            {
                "type": "scatterpolar",
                "r": [*r, r[0]],
                "theta": [LABELS[k] for k in keys] + [LABELS[keys[0]]],
                "fill": "toself",
                "name": "Zone score",
                "line": {"color": charts.SERIES[0]},
                "hovertemplate": "%{theta}: %{r:.0f} / 100<extra></extra>",
            }
        )
    return _render(
        traces,
        title="Retention zones (score 0–100)",
        height=320,
        layout={"polar": {"radialaxis": {"range": [0, 100], "tickvals": [40, 70, 100], "angle": 90}}, "showlegend": False, "hovermode": "closest"},
        empty_reason="No zone has evidence yet: zones are computed nightly with the score.",
        description="Each zone's score: holding at 70 and above, broken below 40. Zones without evidence are left out.",
        chart_id="zones-radar",
    )


def _bar(x, y, *, name: str, color, hovertemplate: str, orientation: str = "v") -> dict:
    trace = {"type": "bar", "x": list(x), "y": list(y), "name": name, "marker": {"color": color}, "hovertemplate": hovertemplate}
    if orientation == "h":
        trace["orientation"] = "h"
    return trace


def events_chart(health: AccountHealth) -> charts.Chart:
    weeks = [w.isoformat() for w in health.weeks]
    traces = [
        _bar(
            weeks,
            [by_week.get(w, 0) for w in health.weeks],
            name=event.replace("_", " "),
            color=charts.SERIES[index % len(charts.SERIES)],
            hovertemplate="%{y:,} events<extra>%{fullData.name}</extra>",
        )
        for index, (event, by_week) in enumerate(top_events(health.events_by_week))
    ]
    return _render(
        traces,
        title="Product events by type, per week (week starting)",
        y_title="Events",
        height=300,
        layout={"barmode": "stack"},
        empty_reason="No product events in the last 13 weeks: usage data is not flowing for this account.",
        description=USAGE_HELP["events"],
        chart_id="usage-events",
    )


def active_users_chart(health: AccountHealth) -> charts.Chart:
    weeks = [w.isoformat() for w in health.weeks]
    traces = []
    if health.active_by_week:
        traces.append(
            _bar(
                weeks,
                [health.active_by_week.get(w, 0) for w in health.weeks],
                name="Active users",
                color=charts.SERIES[0],
                hovertemplate="%{y:,} active users<extra></extra>",
            )
        )
        seats = int(health.account.seats or 0)
        if seats:
            traces.append(
                {
                    "type": "scatter",
                    "x": weeks,
                    "y": [seats] * len(weeks),
                    "mode": "lines",
                    "name": "Seats licensed",
                    "line": {"color": charts.GREY, "dash": "dash"},
                    "hovertemplate": "%{y:,} seats<extra></extra>",
                }
            )
    return _render(
        traces,
        title="Active users vs seats licensed, per week (week starting)",
        y_title="Users",
        height=300,
        layout={"yaxis": {"rangemode": "tozero"}},
        empty_reason="No active users recorded in the last 13 weeks.",
        description=USAGE_HELP["active"],
        chart_id="usage-active",
    )


# --- Leader overview ---------------------------------------------------------------------------


def distribution_chart(data: Overview) -> charts.Chart:
    segments = [s for s in data.distribution if sum(data.distribution[s].values())]
    labels = [Segment(s).label if s in Segment.values else s for s in segments]
    traces = []
    if segments:
        traces = [
            _bar(
                [data.distribution[s].get(band.value, 0) for s in segments],
                labels,
                name=band.label,
                color=_band_color(band.value),
                hovertemplate="%{y}: %{x:,} accounts<extra>" + band.label + "</extra>",
                orientation="h",
            )
            for band in BANDS
        ]
    return _render(
        traces,
        title="Health by segment (accounts)",
        y_title="Segment",
        height=280,
        layout={"barmode": "stack", "hovermode": "closest"},
        empty_reason="No account has a health score yet: scores are computed every night.",
        description=DEFINITIONS["distribution"],
        chart_id="overview-distribution",
    )


def trend_chart(data: Overview) -> charts.Chart:
    days = list(data.trend)
    traces = []
    if any(sum(v.values()) for v in data.trend.values()):
        traces = [
            _bar(
                [d.isoformat() for d in days],
                [data.trend[d].get(band.value, 0) for d in days],
                name=band.label,
                color=_band_color(band.value),
                hovertemplate="%{y:,} accounts<extra>" + band.label + "</extra>",
            )
            for band in BANDS
        ]
    return _render(
        traces,
        title="Health bands, week by week (scored day)",
        y_title="Accounts",
        height=300,
        layout={"barmode": "stack"},
        empty_reason="No scores yet: the weekly trend appears after the first nightly run.",
        description=DEFINITIONS["trend"],
        chart_id="overview-trend",
    )


def renewals_chart(data: Overview) -> charts.Chart:
    months = list(data.renewals)
    traces = []
    if any(data.renewals[m] for m in months):
        for band in [*(b.value for b in BANDS), ""]:
            values = [float(data.renewals[m].get(band, 0)) for m in months]
            if any(values):
                label = BAND_LABELS[band]
                traces.append(
                    _bar(
                        [m.strftime("%b %Y") for m in months],
                        values,
                        name=label,
                        color=_band_color(band),
                        hovertemplate="$%{y:,.0f}<extra>" + label + "</extra>",
                    )
                )
    return _render(
        traces,
        title="ARR renewing in the next 120 days, by month and band",
        y_title="ARR (USD)",
        height=300,
        layout={"barmode": "stack", "yaxis": {"tickprefix": "$", "tickformat": ",.0f"}},
        empty_reason="No active contract line renews in the next 120 days.",
        description=DEFINITIONS["renewals"],
        chart_id="overview-renewals",
    )


def retention_chart(data: Overview) -> charts.Chart:
    points = [p for p in data.retention if p.nrr is not None]
    traces = []
    if points:
        x = [p.day.isoformat() for p in points]
        for index, (name, attr) in enumerate((("Net revenue retention", "nrr"), ("Gross revenue retention", "grr"), ("Customer churn", "customer_churn"))):
            traces.append(
                {
                    "type": "scatter",
                    "x": x,
                    "y": [None if getattr(p, attr) is None else round(getattr(p, attr) * 100, 1) for p in points],
                    "mode": "lines+markers",
                    "name": name,
                    "line": {"color": charts.SERIES[index]},
                    "hovertemplate": "%{y:.1f} %<extra>" + name + "</extra>",
                }
            )
    return _render(
        traces,
        title="Revenue retention and churn, trailing 12 months",
        y_title="% of the starting cohort",
        height=300,
        layout={"yaxis": {"ticksuffix": " %", "rangemode": "tozero"}},
        empty_reason="No account was paying 12 months before any of these dates, so there is no cohort to follow yet.",
        description=DEFINITIONS["retention"],
        chart_id="overview-retention",
    )


def zones_chart(data: Overview) -> charts.Chart:
    traces = []
    if any(n for _, _, n in data.zones):
        traces.append(
            _bar(
                [label if key != "holding" else "None" for key, label, _ in data.zones],
                [n for _, _, n in data.zones],
                name="Accounts",
                color=[charts.SERIES[0]] * len(CHAIN) + [_band_color("green")],
                hovertemplate="%{x}: %{y:,} accounts<extra></extra>",
            )
        )
    return _render(
        traces,
        title="Accounts by the zone that needs attention first",
        x_title="Zone (in chain order)",
        y_title="Accounts",
        height=300,
        layout={"showlegend": False},
        empty_reason="No zones computed yet: they are computed nightly with the score.",
        description=DEFINITIONS["zones"],
        chart_id="overview-zones",
    )


def risks_chart(data: Overview) -> charts.Chart:
    rows = [r for r in data.risks if r[2]]
    traces = []
    if rows:
        traces.append(
            _bar(
                [n for _, _, n, _ in rows][::-1],
                [label for _, label, _, _ in rows][::-1],
                name="Open indicators",
                color=_band_color("red"),
                hovertemplate="%{x:,} open<extra></extra>",
                orientation="h",
            )
        )
    return _render(
        traces,
        title="Open risk indicators by type",
        x_title="Open indicators",
        height=max(220, 60 + 34 * len(rows)),
        layout={"hovermode": "closest", "showlegend": False},
        empty_reason="No risk indicator is open.",
        description=DEFINITIONS["risks"],
        chart_id="overview-risks",
    )


__all__ = [
    "active_users_chart",
    "distribution_chart",
    "events_chart",
    "renewals_chart",
    "retention_chart",
    "risks_chart",
    "score_history_chart",
    "trend_chart",
    "zones_chart",
    "zones_radar_chart",
]
