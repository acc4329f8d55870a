"""Organization-scoped pages of the portfolio (mounted under /o/<org_slug>/portfolio/)."""

from django.urls import path

from . import views_portfolio as views

app_name = "portfolio"

urlpatterns = [
    path("", views.portfolio_page, name="portfolio"),
    path("overview/", views.overview_page, name="overview"),
    path("views/", views.saved_view_create, name="saved_view_create"),
    path("views/<int:saved_view_id>/delete/", views.saved_view_delete, name="saved_view_delete"),
    # Sections of the account page (accounts:detail), loaded by htmx.
    path("accounts/<int:account_id>/health/", views.account_health_section, name="account_health"),
    path("accounts/<int:account_id>/plan/", views.account_plan_section, name="account_plan"),
    path("accounts/<int:account_id>/timeline/", views.account_timeline_section, name="account_timeline"),
]
