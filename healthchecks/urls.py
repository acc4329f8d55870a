"""Organization-scoped pages of the healthchecks app (mounted under /o/<org_slug>/healthchecks/)."""

from django.urls import path

from . import views

app_name = "healthchecks"

urlpatterns = [
    path("", views.index, name="index"),
    path("links/new/", views.link_create, name="link_create"),
    path("links/<int:link_id>/revoke/", views.link_revoke, name="link_revoke"),
    path("accounts/<int:account_id>/", views.account_results, name="account_results"),
    path("insights/", views.portfolio, name="portfolio"),
    path("questionnaires/<int:questionnaire_id>/", views.questionnaire_detail, name="questionnaire_detail"),
    path("questionnaires/<int:questionnaire_id>/copy/", views.questionnaire_copy, name="questionnaire_copy"),
    path("questionnaires/<int:questionnaire_id>/edit/", views.questionnaire_edit, name="questionnaire_edit"),
    path("questionnaires/<int:questionnaire_id>/publish/", views.questionnaire_publish, name="questionnaire_publish"),
]
