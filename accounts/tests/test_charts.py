"""The shared chart helper (retention.charts): house layout, local plotly.js only, empty states."""

import json
import re

import plotly.graph_objects as go
from django.conf import settings
from django.template.loader import render_to_string

from retention import charts


def _figure_spec(chart: charts.Chart) -> dict:
    match = re.search(r'<script type="application/json" data-plotly-figure-for="([^"]+)">(.*?)</script>', chart.html, re.S)
    assert match and match.group(1) == chart.id
    return json.loads(match.group(2))


def test_a_chart_renders_a_div_and_its_figure_json_without_plotly_js():
    # Given a figure with data
    fig = go.Figure(go.Bar(x=["Jan 2026", "Feb 2026"], y=[100, 150]))

    # When it is rendered
    chart = charts.render(fig, title="MRR by month", x_title="Month", y_title="MRR (USD)", chart_id="mrr")

    # Then the markup holds a div to draw in and the figure JSON, and never plotly.js itself
    assert '<div class="chart-plot" id="mrr" data-plotly-chart' in chart.html
    assert "<script src" not in chart.html and "cdn" not in chart.html.lower()
    assert len(chart.html) < 10_000
    spec = _figure_spec(chart)
    assert spec["figure"]["data"][0]["y"] == [100, 150]
    assert not chart.is_empty


def test_the_house_layout_sets_titles_units_fonts_and_hides_the_mode_bar():
    chart = charts.render(go.Figure(go.Scatter(x=[1, 2], y=[3, 4])), title="Active users", x_title="Day", y_title="Users (count)")
    spec = _figure_spec(chart)
    layout = spec["figure"]["layout"]
    assert layout["title"]["text"] == "Active users"
    assert layout["xaxis"]["title"]["text"] == "Day" and layout["yaxis"]["title"]["text"] == "Users (count)"
    assert layout["font"]["size"] >= 12 and "system-ui" in layout["font"]["family"]
    assert spec["config"] == {"displayModeBar": False, "displaylogo": False, "responsive": True, "scrollZoom": False}


def test_a_figure_without_data_renders_an_explained_empty_state():
    chart = charts.render(go.Figure(go.Bar(x=[], y=[])), title="MRR by month", empty_reason="No contract lines yet.")
    assert chart.is_empty and chart.figure_json is None
    assert "No contract lines yet." in chart.html and "MRR by month" in chart.html
    assert "data-plotly-chart" not in chart.html


def test_the_figure_json_cannot_close_its_script_element():
    chart = charts.render(go.Figure(go.Bar(x=["</script><script>alert(1)</script>"], y=[1])), title="Escaping")
    assert "</script><script>" not in chart.html
    assert _figure_spec(chart)["figure"]["data"][0]["x"] == ["</script><script>alert(1)</script>"]


def test_titles_and_reasons_are_html_escaped():
    chart = charts.empty(title="<b>x</b>", reason="<img src=x>")
    assert "<img" not in chart.html and "&lt;img src=x&gt;" in chart.html


def test_band_colours_match_the_site_stylesheet():
    css = (settings.BASE_DIR / "static/css/app.css").read_text()
    for band, colour in charts.BAND_COLORS.items():
        assert f"--{band}: {colour};" in css
    assert charts.band_color("red") == "#c2362c" and charts.band_color("unknown") == charts.GREY


def test_the_plotly_include_loads_the_local_script_once():
    snippet = render_to_string("includes/plotly.html")
    assert "/static/js/plotly.min.js" in snippet
    assert "if (window.RetentionCharts) { return; }" in snippet  # a second include is a no-op
    assert "http" not in snippet
