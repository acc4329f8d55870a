"""Renewal business cases, the renewal pipeline and forecast, save plans and expansion."""
