"""Customer-data services: validation with human messages per field, audit entries, no half-writes,
and organization boundaries on every reference."""

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from accounts import services
from accounts.models import Account, Contact, ContractLine, Note, SupportTicket, SurveyAnswer, Touchpoint
from accounts.tests.factories import AccountFactory, ContactFactory, ContractLineFactory, TouchpointFactory
from retention.models import ApiKey, AuditLogEntry

pytestmark = pytest.mark.django_db


def _errors(excinfo) -> dict:
    return excinfo.value.message_dict


# --- Accounts -------------------------------------------------------------------------------


def test_account_create_writes_the_account_and_an_audit_entry_naming_the_user(acme, alice, bob):
    # Given valid data with an owner who is a member
    data = {"external_id": "cust-1", "name": "Initech", "segment": "enterprise", "owner": bob.email, "start_date": "2025-01-15"}

    # When alice creates the account
    account = services.account_create(organization=acme, actor=alice, data=data)

    # Then it is stored with typed values, and the audit log says who did it
    account.refresh_from_db()
    assert (account.name, account.owner, account.start_date) == ("Initech", bob, dt.date(2025, 1, 15))
    entry = AuditLogEntry.objects.get(organization=acme, action="account.created")
    assert entry.actor_user == alice and entry.object_id == str(account.pk)
    assert entry.after["owner"] == bob.email and entry.after["start_date"] == "2025-01-15"


def test_account_create_reports_every_bad_field_at_once_and_writes_nothing(acme, alice):
    with pytest.raises(ValidationError) as excinfo:
        services.account_create(organization=acme, actor=alice, data={"external_id": "", "name": "", "segment": "galactic", "start_date": "2025-13-01"})
    errors = _errors(excinfo)
    assert set(errors) == {"external_id", "name", "segment", "start_date"}
    assert "not a valid choice" in errors["segment"][0]
    assert not Account.objects.exists() and not AuditLogEntry.objects.filter(action="account.created").exists()


def test_account_owner_must_be_a_member_of_the_organization(acme, alice, charlie):
    with pytest.raises(ValidationError) as excinfo:
        services.account_create(organization=acme, actor=alice, data={"external_id": "x", "name": "X", "owner": charlie})
    assert "not a member" in _errors(excinfo)["owner"][0]


def test_account_external_id_is_unique_per_organization_only(acme, globex, alice, charlie):
    services.account_create(organization=acme, actor=alice, data={"external_id": "same", "name": "A"})
    # the same external id in another organization is fine
    services.account_create(organization=globex, actor=charlie, data={"external_id": "same", "name": "B"})
    with pytest.raises(ValidationError) as excinfo:
        services.account_create(organization=acme, actor=alice, data={"external_id": "same", "name": "C"})
    assert "already has the external id" in _errors(excinfo)["external_id"][0]


def test_account_rejects_unknown_fields_and_inconsistent_dates(acme, alice):
    with pytest.raises(ValidationError) as excinfo:
        services.account_create(organization=acme, actor=alice, data={"external_id": "a", "name": "A", "colour": "red"})
    assert "Unknown field" in _errors(excinfo)["colour"][0]
    with pytest.raises(ValidationError) as excinfo:
        services.account_create(organization=acme, actor=alice, data={"external_id": "a", "name": "A", "start_date": "2025-02-01", "churned_on": "2025-01-01"})
    assert _errors(excinfo) == {"churned_on": ["The churn date cannot be before the start date."]}


def test_account_update_audits_only_the_changed_fields_with_an_api_key_as_actor(acme, alice):
    account = AccountFactory(organization=acme, name="Old", tier="gold")
    key = services_key(acme)

    services.account_update(organization=acme, account=account, actor=key, data={"name": "New", "tier": "gold"})

    account.refresh_from_db()
    assert account.name == "New"
    entry = AuditLogEntry.objects.get(organization=acme, action="account.updated")
    assert entry.actor_api_key == key and entry.actor_user is None
    assert entry.before == {"name": "Old"} and entry.after == {"name": "New"}


def test_account_update_refuses_another_organizations_account(acme, globex, alice):
    foreign = AccountFactory(organization=globex)
    with pytest.raises(ValueError):
        services.account_update(organization=acme, account=foreign, actor=alice, data={"name": "Mine now"})
    foreign.refresh_from_db()
    assert foreign.name != "Mine now"


def test_account_upsert_creates_then_updates_by_external_id(acme, alice):
    account, created = services.account_upsert(organization=acme, external_id="ext-9", actor=alice, data={"name": "First"})
    assert created and account.external_id == "ext-9"
    again, created = services.account_upsert(organization=acme, external_id="ext-9", actor=alice, data={"name": "Second"})
    assert not created and again.pk == account.pk and again.name == "Second"
    assert Account.objects.filter(organization=acme).count() == 1
    assert list(AuditLogEntry.objects.filter(organization=acme).order_by("id").values_list("action", flat=True)) == ["account.created", "account.updated"]


def test_upsert_refuses_a_different_external_id_in_the_data(acme, alice):
    with pytest.raises(ValidationError) as excinfo:
        services.account_upsert(organization=acme, external_id="a", actor=alice, data={"name": "A", "external_id": "b"})
    assert "external_id" in _errors(excinfo)


# --- Contacts and references ----------------------------------------------------------------


def test_contact_references_the_account_by_external_id(acme, alice):
    account = AccountFactory(organization=acme, external_id="acct-ext")
    contact = services.contact_create(
        organization=acme, actor=alice, data={"account": "acct-ext", "name": "Pat", "email": "pat@initech.test", "stakeholder_role": "champion"}
    )
    assert contact.account == account and contact.organization == acme


def test_a_foreign_accounts_external_id_is_a_validation_error(acme, globex, alice):
    AccountFactory(organization=globex, external_id="globex-only")
    with pytest.raises(ValidationError) as excinfo:
        services.contact_create(organization=acme, actor=alice, data={"account": "globex-only", "name": "Pat"})
    assert "No account with external id 'globex-only'" in _errors(excinfo)["account"][0]
    with pytest.raises(ValidationError):
        services.contact_create(organization=acme, actor=alice, data={"account": Account.objects.get(external_id="globex-only"), "name": "Pat"})
    assert not Contact.objects.exists()


def test_contact_upsert_requires_an_account_on_create(acme, alice):
    with pytest.raises(ValidationError) as excinfo:
        services.contact_upsert(organization=acme, external_id="c-1", actor=alice, data={"name": "Pat"})
    assert "account" in _errors(excinfo)


def test_contact_rejects_a_bad_email(acme, alice):
    AccountFactory(organization=acme, external_id="a")
    with pytest.raises(ValidationError) as excinfo:
        services.contact_create(organization=acme, actor=alice, data={"account": "a", "name": "Pat", "email": "not-an-email"})
    assert "email" in _errors(excinfo)


# --- Contract lines -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "change, field",
    [
        ({"mrr": "-1"}, "mrr"),
        ({"discount_percent": "101"}, "discount_percent"),
        ({"discount_percent": "-5"}, "discount_percent"),
        ({"end_date": "2024-12-31"}, "end_date"),
        ({"renewal_date": "2024-06-01"}, "renewal_date"),
        ({"seats_licensed": -3}, "seats_licensed"),
        ({"mrr": "lots"}, "mrr"),
        ({"billing_period": "weekly"}, "billing_period"),
    ],
)
def test_contract_line_rejects_impossible_values(acme, alice, change, field):
    AccountFactory(organization=acme, external_id="a")
    data = {"account": "a", "product": "Growth", "mrr": "100", "start_date": "2025-01-01", **change}
    with pytest.raises(ValidationError) as excinfo:
        services.contract_line_create(organization=acme, actor=alice, data=data)
    assert field in _errors(excinfo)
    assert not ContractLine.objects.exists()


def test_contract_line_create_and_upsert(acme, alice):
    AccountFactory(organization=acme, external_id="a")
    data = {"account": "a", "product": "Growth", "mrr": "1250.50", "seats_licensed": 25, "start_date": "2025-01-01", "discount_percent": "10"}
    line, created = services.contract_line_upsert(organization=acme, external_id="line-1", actor=alice, data=data)
    assert created and line.mrr == Decimal("1250.50")
    line, created = services.contract_line_upsert(organization=acme, external_id="line-1", actor=alice, data={"mrr": "1500"})
    assert not created
    line.refresh_from_db()
    assert line.mrr == Decimal("1500.00") and line.seats_licensed == 25


def test_contract_line_update_keeps_dates_consistent_with_existing_values(acme, alice):
    line = ContractLineFactory(organization=acme, account=AccountFactory(organization=acme), start_date=dt.date(2025, 1, 1), renewal_date=None)
    with pytest.raises(ValidationError) as excinfo:
        services.contract_line_update(organization=acme, contract_line=line, actor=alice, data={"end_date": "2024-01-01"})
    assert "end_date" in _errors(excinfo)


# --- Tickets, survey answers -----------------------------------------------------------------


def test_ticket_resolution_cannot_precede_opening(acme, alice):
    AccountFactory(organization=acme, external_id="a")
    with pytest.raises(ValidationError) as excinfo:
        services.ticket_create(
            organization=acme,
            actor=alice,
            data={"account": "a", "subject": "Broken", "opened_at": "2025-03-02T10:00:00Z", "resolved_at": "2025-03-01T10:00:00Z"},
        )
    assert "resolved_at" in _errors(excinfo)


def test_ticket_naive_timestamps_are_read_as_utc(acme, alice):
    AccountFactory(organization=acme, external_id="a")
    ticket = services.ticket_create(organization=acme, actor=alice, data={"account": "a", "subject": "Slow", "opened_at": "2025-03-02T10:00:00"})
    assert ticket.opened_at == dt.datetime(2025, 3, 2, 10, tzinfo=dt.UTC)
    ticket, created = services.ticket_upsert(
        organization=acme, external_id="t-1", actor=alice, data={"account": "a", "subject": "S", "opened_at": "2025-03-02"}
    )
    assert created and SupportTicket.objects.count() == 2


@pytest.mark.parametrize(
    "kind, score, ok", [("nps", 0, True), ("nps", 10, True), ("nps", 11, False), ("csat", 0, False), ("csat", 5, True), ("csat", 6, False)]
)
def test_survey_scores_are_in_range_for_their_kind(acme, alice, kind, score, ok):
    AccountFactory(organization=acme, external_id="a")
    data = {"account": "a", "kind": kind, "score": score, "answered_at": "2025-03-01T09:00:00Z"}
    if ok:
        assert services.survey_answer_create(organization=acme, actor=alice, data=data).score == score
    else:
        with pytest.raises(ValidationError) as excinfo:
            services.survey_answer_create(organization=acme, actor=alice, data=data)
        assert "score" in _errors(excinfo)
        assert not SurveyAnswer.objects.exists()


def test_survey_contact_must_belong_to_the_same_account(acme, alice):
    account = AccountFactory(organization=acme, external_id="a")
    other = AccountFactory(organization=acme, external_id="b")
    ContactFactory(organization=acme, account=other, external_id="c-other")
    mine = ContactFactory(organization=acme, account=account, external_id="c-mine")
    data = {"account": "a", "kind": "nps", "score": 9, "answered_at": "2025-03-01T09:00:00Z"}
    with pytest.raises(ValidationError) as excinfo:
        services.survey_answer_create(organization=acme, actor=alice, data={**data, "contact": "c-other"})
    assert "another account" in _errors(excinfo)["contact"][0]
    answer, _ = services.survey_answer_upsert(organization=acme, external_id="s-1", actor=alice, data={**data, "contact": "c-mine"})
    assert answer.contact == mine


def test_survey_answer_in_the_future_is_rejected(acme, alice):
    AccountFactory(organization=acme, external_id="a")
    future = (timezone.now() + dt.timedelta(days=2)).isoformat()
    with pytest.raises(ValidationError) as excinfo:
        services.survey_answer_create(organization=acme, actor=alice, data={"account": "a", "kind": "nps", "score": 9, "answered_at": future})
    assert "answered_at" in _errors(excinfo)


# --- Touchpoints ----------------------------------------------------------------------------


def test_touchpoint_records_attendees_and_marks_an_executive_sponsor_as_executive_presence(acme, alice):
    account = AccountFactory(organization=acme, external_id="a")
    sponsor = ContactFactory(organization=acme, account=account, external_id="boss", stakeholder_role="executive_sponsor")
    user = ContactFactory(organization=acme, account=account)
    touchpoint = services.touchpoint_create(
        organization=acme, actor=alice, data={"account": "a", "kind": "qbr", "occurred_at": "2025-04-01T15:00:00Z", "contacts": ["boss", user.pk]}
    )
    assert set(touchpoint.contacts.all()) == {sponsor, user}
    assert touchpoint.executive_present is True
    entry = AuditLogEntry.objects.get(action="touchpoint.created")
    assert entry.after["contacts"] == sorted(["boss", user.pk], key=str)


def test_touchpoint_update_replaces_attendees_and_rejects_foreign_contacts(acme, globex, alice):
    account = AccountFactory(organization=acme, external_id="a")
    first, second = ContactFactory(organization=acme, account=account), ContactFactory(organization=acme, account=account)
    foreign = ContactFactory(organization=globex, account=AccountFactory(organization=globex), external_id="foreign")
    touchpoint = TouchpointFactory(organization=acme, account=account)
    services.touchpoint_update(organization=acme, touchpoint=touchpoint, actor=alice, data={"contacts": [first]})
    services.touchpoint_update(organization=acme, touchpoint=touchpoint, actor=alice, data={"contacts": [second.pk]})
    assert list(touchpoint.contacts.all()) == [second]
    with pytest.raises(ValidationError) as excinfo:
        services.touchpoint_update(organization=acme, touchpoint=touchpoint, actor=alice, data={"contacts": ["foreign", foreign.pk]})
    assert "No contact" in _errors(excinfo)["contacts"][0]
    assert list(touchpoint.contacts.all()) == [second]


def test_touchpoint_upsert(acme, alice):
    AccountFactory(organization=acme, external_id="a")
    tp, created = services.touchpoint_upsert(
        organization=acme, external_id="tp-1", actor=alice, data={"account": "a", "kind": "kickoff", "occurred_at": "2025-01-01"}
    )
    assert created
    tp, created = services.touchpoint_upsert(organization=acme, external_id="tp-1", actor=alice, data={"summary": "Went well"})
    assert not created and Touchpoint.objects.get().summary == "Went well"


# --- Notes ----------------------------------------------------------------------------------


def test_note_create_requires_a_member_author_and_a_body(acme, alice, charlie):
    account = AccountFactory(organization=acme)
    note = services.note_create(organization=acme, account=account, author=alice, body=" Great QBR ", sentiment="positive")
    assert note.body == "Great QBR" and AuditLogEntry.objects.filter(action="note.created", actor_user=alice).exists()
    with pytest.raises(ValidationError) as excinfo:
        services.note_create(organization=acme, account=account, author=charlie, body="", sentiment="ecstatic")
    assert set(_errors(excinfo)) == {"author", "body", "sentiment"}
    assert Note.objects.count() == 1


# --- helpers --------------------------------------------------------------------------------


def services_key(organization) -> ApiKey:
    from retention import services as kernel

    return kernel.api_key_create(organization=organization, name="Test key", scopes=["read", "write"]).api_key


def test_nul_characters_are_validation_errors(acme, alice):
    with pytest.raises(ValidationError) as excinfo:
        services.account_create(organization=acme, actor=alice, data={"external_id": "a\x00", "name": "A"})
    assert "NUL" in _errors(excinfo)["external_id"][0]
    with pytest.raises(ValidationError):
        services.note_create(organization=acme, account="a\x00", author=alice, body="hi\x00", sentiment="neutral")


def test_every_bad_attendee_is_reported(acme, alice):
    AccountFactory(organization=acme, external_id="a")
    with pytest.raises(ValidationError) as excinfo:
        services.touchpoint_create(organization=acme, actor=alice, data={"account": "a", "kind": "qbr", "occurred_at": "2025-01-01", "contacts": ["x", "y"]})
    assert _errors(excinfo)["contacts"] == ["No contact 'x' in this organization.", "No contact 'y' in this organization."]
