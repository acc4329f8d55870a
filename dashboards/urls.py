"""Organization-scoped pages of the dashboards app (mounted under /o/<org_slug>/dashboards/)."""

from django.urls import path

from . import views

app_name = "dashboards"

urlpatterns = [
    path("accounts/<int:account_id>/score/", views.account_score, name="account_score"),
    path("accounts/<int:account_id>/band-override/", views.band_override, name="band_override"),
    path("band-overrides/<int:band_override_id>/revoke/", views.band_override_revoke_view, name="band_override_revoke"),
    path("scorecard/", views.scorecard_edit, name="scorecard"),
    path("validation/", views.validation, name="validation"),
    path("validation/<int:backtest_run_id>/accept/", views.validation_accept, name="validation_accept"),
]
