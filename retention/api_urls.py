"""The REST API, version 1. Each app contributes its routes; the schema and docs are served here."""

from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularRedocView, SpectacularSwaggerView

from . import api_views

app_name = "api"

urlpatterns = [
    path("organization/", api_views.OrganizationView.as_view(), name="organization"),
    path("schema/", SpectacularAPIView.as_view(), name="schema"),
    path("docs/", SpectacularSwaggerView.as_view(url_name="api:schema"), name="docs"),
    path("redoc/", SpectacularRedocView.as_view(url_name="api:schema"), name="redoc"),
    path("", include("accounts.api_urls")),
    path("", include("accounts.plans.api_urls")),
    path("", include("dashboards.api_urls")),
    path("", include("healthchecks.api_urls")),
    path("", include("renewals.api_urls")),
    path("", include("accounts.experiences.api_urls")),
]
