"""Create/edit forms for accounts, contacts, contract lines and notes: validation shown on the
form (400), and who may write (viewers never; CSMs their own accounts; admins and owners all)."""

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import Account, Contact, ContractLine, Note
from accounts.tests.factories import AccountFactory, ContactFactory, ContractLineFactory
from retention.models import AuditLogEntry, Role
from retention.tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

ACCOUNT_DATA = {
    "name": "Umbrella Corp",
    "external_id": "crm-umbrella",
    "domain": "umbrella.example",
    "segment": "enterprise",
    "tier": "Gold",
    "lifecycle_stage": "onboarding",
    "touch_model": "human",
    "start_date": "2026-01-15",
    "churned_on": "",
}


@pytest.fixture
def viewer_client(acme, client):
    user = UserFactory(email="vera@acme.test", full_name="Vera Viewer")
    MembershipFactory(organization=acme, user=user, role=Role.VIEWER)
    client.force_login(user)
    return client


@pytest.fixture
def bobs_account(acme, bob):
    return AccountFactory(organization=acme, name="Bob's customer", owner=bob)


@pytest.fixture
def alices_account(acme, alice):
    return AccountFactory(organization=acme, name="Alice's customer", owner=alice)


# --- Accounts --------------------------------------------------------------------------------


def test_a_csm_creates_an_account_owned_by_them_by_default(acme, bob, bob_client):
    form = bob_client.get("/o/acme/accounts/new/")
    assert form.status_code == 200 and f'<option value="{bob.pk}" selected>' in form.content.decode()

    response = bob_client.post("/o/acme/accounts/new/", {**ACCOUNT_DATA, "owner": bob.pk})

    account = Account.objects.get(organization=acme, external_id="crm-umbrella")
    assert response.status_code == 302 and response["Location"] == f"/o/acme/accounts/{account.pk}/"
    assert (account.name, account.segment, account.touch_model, account.owner, account.start_date) == (
        "Umbrella Corp",
        "enterprise",
        "human",
        bob,
        dt.date(2026, 1, 15),
    )
    assert AuditLogEntry.objects.filter(organization=acme, action="account.created").count() == 1


def test_an_invalid_account_is_a_400_with_the_messages_on_the_form(acme, bob_client):
    response = bob_client.post("/o/acme/accounts/new/", {**ACCOUNT_DATA, "name": "", "segment": "galactic"})
    body = response.content.decode()
    assert response.status_code == 400
    assert "This field is required." in body and "Select a valid choice" in body
    assert not Account.objects.exists()


def test_a_duplicate_external_id_from_the_service_is_shown_on_the_form(acme, bob_client):
    AccountFactory(organization=acme, external_id="crm-umbrella")
    response = bob_client.post("/o/acme/accounts/new/", ACCOUNT_DATA)
    assert response.status_code == 400
    assert "already has the external id" in response.content.decode()
    assert Account.objects.count() == 1


def test_a_churn_date_before_the_start_is_refused_by_the_service(acme, bob_client):
    response = bob_client.post("/o/acme/accounts/new/", {**ACCOUNT_DATA, "churned_on": "2025-01-01"})
    assert response.status_code == 400 and "The churn date cannot be before the start date." in response.content.decode()


def test_viewers_cannot_open_or_post_any_form(acme, bobs_account, viewer_client):
    contact = ContactFactory(account=bobs_account)
    line = ContractLineFactory(account=bobs_account)
    for path in (
        "/o/acme/accounts/new/",
        f"/o/acme/accounts/{bobs_account.pk}/edit/",
        f"/o/acme/accounts/{bobs_account.pk}/contacts/new/",
        f"/o/acme/accounts/contacts/{contact.pk}/edit/",
        f"/o/acme/accounts/{bobs_account.pk}/contract-lines/new/",
        f"/o/acme/accounts/contract-lines/{line.pk}/edit/",
    ):
        assert viewer_client.get(path).status_code == 403, path
        assert viewer_client.post(path, ACCOUNT_DATA).status_code == 403, path
    assert viewer_client.post(f"/o/acme/accounts/{bobs_account.pk}/notes/", {"body": "hi", "sentiment": "neutral"}).status_code == 403
    assert Account.objects.count() == 1 and not Note.objects.exists()


def test_a_viewer_sees_the_account_page_without_edit_controls(acme, bobs_account, viewer_client):
    body = viewer_client.get(f"/o/acme/accounts/{bobs_account.pk}/").content.decode()
    assert "Edit account" not in body and "Add contact" not in body and "Add note" not in body


def test_a_csm_edits_an_account_they_own(acme, bob, bobs_account, bob_client):
    response = bob_client.post(f"/o/acme/accounts/{bobs_account.pk}/edit/", {**ACCOUNT_DATA, "name": "Renamed", "owner": bob.pk})
    bobs_account.refresh_from_db()
    assert response.status_code == 302
    assert bobs_account.name == "Renamed" and bobs_account.owner == bob


def test_a_csm_cannot_edit_someone_elses_account_but_can_read_it(acme, alices_account, bob_client):
    assert bob_client.get(f"/o/acme/accounts/{alices_account.pk}/edit/").status_code == 403
    assert bob_client.post(f"/o/acme/accounts/{alices_account.pk}/edit/", {**ACCOUNT_DATA, "name": "Hijacked"}).status_code == 403
    alices_account.refresh_from_db()
    assert alices_account.name == "Alice's customer"
    page = bob_client.get(f"/o/acme/accounts/{alices_account.pk}/")
    assert page.status_code == 200 and "Edit account" not in page.content.decode()


def test_an_owner_edits_any_account(acme, bob, bobs_account, alice_client):
    form = alice_client.get(f"/o/acme/accounts/{bobs_account.pk}/edit/")
    assert form.status_code == 200 and 'value="Bob&#x27;s customer"' in form.content.decode()
    response = alice_client.post(f"/o/acme/accounts/{bobs_account.pk}/edit/", {**ACCOUNT_DATA, "owner": ""})
    bobs_account.refresh_from_db()
    assert response.status_code == 302 and bobs_account.owner is None and bobs_account.name == "Umbrella Corp"


def test_editing_another_organizations_account_is_404(acme, globex, charlie_client, bobs_account):
    assert charlie_client.get(f"/o/globex/accounts/{bobs_account.pk}/edit/").status_code == 404
    assert charlie_client.post(f"/o/acme/accounts/{bobs_account.pk}/edit/", ACCOUNT_DATA).status_code == 404


# --- Contacts --------------------------------------------------------------------------------

CONTACT_DATA = {"name": "Chloe Champion", "email": "chloe@umbrella.example", "title": "Head of Ops", "stakeholder_role": "champion"}


def test_a_csm_adds_a_contact_to_their_account_and_it_appears_in_the_map(acme, bobs_account, bob_client):
    response = bob_client.post(f"/o/acme/accounts/{bobs_account.pk}/contacts/new/", {**CONTACT_DATA, "last_engaged_at": "2026-01-02T10:00"})
    contact = Contact.objects.get(account=bobs_account)
    assert response.status_code == 302
    assert (contact.name, contact.stakeholder_role, contact.organization_id) == ("Chloe Champion", "champion", acme.pk)
    body = bob_client.get(f"/o/acme/accounts/{bobs_account.pk}/").content.decode()
    assert "Chloe Champion" in body and "No champion identified." not in body


def test_an_invalid_contact_is_a_400_with_the_message(acme, bobs_account, bob_client):
    response = bob_client.post(f"/o/acme/accounts/{bobs_account.pk}/contacts/new/", {**CONTACT_DATA, "email": "not-an-email"})
    assert response.status_code == 400 and "Enter a valid email address." in response.content.decode()
    assert not Contact.objects.exists()


def test_marking_a_champion_as_left_flags_it_on_the_account_page(acme, bobs_account, bob_client):
    contact = ContactFactory(account=bobs_account, name="Chloe Champion", stakeholder_role="champion")
    response = bob_client.post(f"/o/acme/accounts/contacts/{contact.pk}/edit/", {**CONTACT_DATA, "left_on": "2026-03-01"})
    assert response.status_code == 302
    body = bob_client.get(f"/o/acme/accounts/{bobs_account.pk}/").content.decode()
    assert "Champion left: Chloe Champion (on Mar 1, 2026)" in body


def test_a_csm_cannot_add_or_edit_contacts_of_someone_elses_account(acme, alices_account, bob_client):
    contact = ContactFactory(account=alices_account, name="Untouched")
    assert bob_client.post(f"/o/acme/accounts/{alices_account.pk}/contacts/new/", CONTACT_DATA).status_code == 403
    assert bob_client.post(f"/o/acme/accounts/contacts/{contact.pk}/edit/", CONTACT_DATA).status_code == 403
    contact.refresh_from_db()
    assert contact.name == "Untouched" and Contact.objects.count() == 1


# --- Contract lines --------------------------------------------------------------------------

LINE_DATA = {
    "product": "Enterprise plan",
    "mrr": "3000",
    "seats_licensed": "60",
    "start_date": "2026-01-01",
    "billing_period": "annual",
    "discount_percent": "0",
}


def test_a_csm_adds_a_contract_line_and_the_arr_follows(acme, bobs_account, bob_client):
    response = bob_client.post(f"/o/acme/accounts/{bobs_account.pk}/contract-lines/new/", LINE_DATA)
    line = ContractLine.objects.get(account=bobs_account)
    assert response.status_code == 302 and line.mrr == Decimal("3000.00") and line.seats_licensed == 60
    assert "$36,000" in bob_client.get(f"/o/acme/accounts/{bobs_account.pk}/").content.decode()


def test_a_contract_line_ending_before_it_starts_is_a_400(acme, bobs_account, bob_client):
    response = bob_client.post(f"/o/acme/accounts/{bobs_account.pk}/contract-lines/new/", {**LINE_DATA, "end_date": "2025-12-01"})
    assert response.status_code == 400 and "The end date cannot be before the start date." in response.content.decode()
    assert not ContractLine.objects.exists()


def test_a_csm_edits_a_contract_line_of_their_account_only(acme, bobs_account, alices_account, bob_client):
    own, other = ContractLineFactory(account=bobs_account), ContractLineFactory(account=alices_account)
    assert bob_client.post(f"/o/acme/accounts/contract-lines/{own.pk}/edit/", {**LINE_DATA, "mrr": "1200"}).status_code == 302
    assert bob_client.post(f"/o/acme/accounts/contract-lines/{other.pk}/edit/", {**LINE_DATA, "mrr": "1"}).status_code == 403
    own.refresh_from_db(), other.refresh_from_db()
    assert own.mrr == Decimal("1200.00") and other.mrr == Decimal("1000.00")


# --- Notes -----------------------------------------------------------------------------------


def test_a_csm_adds_a_note_with_a_sentiment(acme, bob, alices_account, bob_client):
    response = bob_client.post(f"/o/acme/accounts/{alices_account.pk}/notes/", {"body": "Covering for Alice: renewal looks fine.", "sentiment": "positive"})
    note = Note.objects.get()
    assert response.status_code == 302 and response["Location"].endswith(f"/accounts/{alices_account.pk}/#notes")
    assert (note.account, note.author, note.sentiment, note.organization_id) == (alices_account, bob, "positive", acme.pk)


def test_an_empty_note_is_a_400_with_the_message(acme, bobs_account, bob_client):
    response = bob_client.post(f"/o/acme/accounts/{bobs_account.pk}/notes/", {"body": "", "sentiment": "positive"})
    assert response.status_code == 400 and "This field is required." in response.content.decode()
    assert not Note.objects.exists()


def test_a_note_on_another_organizations_account_is_404(acme, globex, bobs_account, charlie_client):
    response = charlie_client.post(f"/o/globex/accounts/{bobs_account.pk}/notes/", {"body": "x", "sentiment": "neutral"})
    assert response.status_code == 404 and not Note.objects.exists()
