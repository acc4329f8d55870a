"""Measurement: KPIs, health scores, zones, risk rules, the nightly pipeline, and the dashboards."""
