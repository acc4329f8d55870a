"""Organization-scoped pages of the renewals app (mounted under /o/<org_slug>/renewals/)."""

from django.urls import path

from . import views

app_name = "renewals"

urlpatterns = [
    path("", views.pipeline_page, name="pipeline"),
    path("cases/", views.case_list, name="case_list"),
    path("cases/<int:account_id>/", views.case_builder, name="case_builder"),
    path("cases/<int:account_id>/preview/", views.case_preview, name="case_preview"),
    path("cases/<int:account_id>/settings/", views.case_settings, name="case_settings"),
    path("cases/<int:account_id>/section/", views.case_section, name="case_section"),
    path("cases/<int:account_id>/move/", views.case_move, name="case_move"),
    path("cases/<int:account_id>/quotes/", views.case_quotes, name="case_quotes"),
    path("cases/<int:account_id>/publish/", views.case_publish, name="case_publish"),
    path("cases/<int:account_id>/share/", views.case_share, name="case_share"),
    path("cases/<int:account_id>/links/revoke/", views.case_link_revoke, name="case_link_revoke"),
    path("cases/versions/<int:snapshot_id>/pdf/", views.snapshot_pdf, name="snapshot_pdf"),
]
