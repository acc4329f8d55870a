"""The KPI history chart: measured values (or the usage metric over time), the target, and the
expected path from baseline to target, drawn with ``retention.charts``."""

from __future__ import annotations

import datetime as dt

import plotly.graph_objects as go

from retention import charts

from .models import Kpi, KpiSource
from .progress import usage_series


def kpi_history_chart(*, organization, kpi: Kpi, account_id: int, end: dt.date) -> charts.Chart:
    unit = kpi.unit or "value"
    title = f"{kpi.name} ({unit})"
    if kpi.source == KpiSource.MANUAL:
        points = [(m.measured_on, m.value) for m in kpi.measurements.filter(organization=organization, measured_on__lte=end).order_by("measured_on")]
        empty_reason = "No measurement recorded yet. Record one with the form on the plan page."
        name = "Measured"
    else:
        points = [(day, value) for day, value in usage_series(organization=organization, kpi=kpi, account_id=account_id, end=end) if value is not None]
        empty_reason = "No usage data for this KPI yet."
        name = f"Usage ({kpi.window_days}-day window)"
    fig = go.Figure()
    if points:
        fig.add_trace(
            go.Scatter(x=[p[0] for p in points], y=[p[1] for p in points], mode="lines+markers", name=name, line={"color": charts.SERIES[0], "width": 2})
        )
        fig.add_trace(
            go.Scatter(
                x=[kpi.start_date, kpi.target_date],
                y=[kpi.baseline, kpi.target],
                mode="lines",
                name="Expected path (baseline → target)",
                line={"color": charts.GREY, "dash": "dash"},
            )
        )
        fig.add_trace(
            go.Scatter(
                x=[kpi.target_date], y=[kpi.target], mode="markers", name="Target", marker={"color": charts.BAND_COLORS["green"], "size": 11, "symbol": "star"}
            )
        )
    return charts.render(
        fig,
        title=title,
        x_title="Date",
        y_title=unit,
        height=280,
        empty_reason=empty_reason,
        description=f"From {kpi.baseline:g} on {kpi.start_date:%b %-d, %Y} to {kpi.target:g} by {kpi.target_date:%b %-d, %Y}.",
        chart_id=f"kpi-chart-{kpi.pk}",
    )
