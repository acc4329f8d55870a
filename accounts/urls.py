"""Organization-scoped pages of the accounts app (mounted under /o/<org_slug>/accounts/)."""

from django.urls import path

from . import views

app_name = "accounts"

urlpatterns = [
    path("", views.account_list, name="list"),
    path("new/", views.account_create, name="create"),
    path("<int:account_id>/", views.account_detail, name="detail"),
    path("<int:account_id>/edit/", views.account_edit, name="edit"),
    path("<int:account_id>/contacts/new/", views.contact_create, name="contact_create"),
    path("<int:account_id>/contract-lines/new/", views.contract_line_create, name="contract_line_create"),
    path("<int:account_id>/notes/", views.note_create, name="note_create"),
    # Contacts and lines are addressed by their own id (not nested under an account id), so a
    # URL can never pair an object with another account.
    path("contacts/<int:contact_id>/edit/", views.contact_edit, name="contact_edit"),
    path("contract-lines/<int:contract_line_id>/edit/", views.contract_line_edit, name="contract_line_edit"),
]
