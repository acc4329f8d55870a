"""API routes of the accounts app (mounted under /api/v1/). Each topic keeps its own route module."""

from django.urls import include, path

urlpatterns = [
    path("", include("accounts.api_records_urls")),
    path("", include("accounts.api_events_urls")),
]
