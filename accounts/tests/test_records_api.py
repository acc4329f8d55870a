"""The customer-records API over real HTTP: list, retrieve, create, update, upsert by external id
for every resource; scopes, keys and organization boundaries; JSON errors."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import Account, Contact, ContractLine, SupportTicket, SurveyAnswer, Touchpoint
from accounts.tests.factories import (
    AccountFactory,
    ContactFactory,
    ContractLineFactory,
    SupportTicketFactory,
    SurveyAnswerFactory,
    TouchpointFactory,
)
from retention import services as kernel
from retention.models import AuditLogEntry

pytestmark = pytest.mark.django_db


@dataclass(frozen=True)
class Resource:
    path: str
    model: type
    make: object  # factory(organization) -> instance
    payload: object  # function(account) -> valid create body (without external_id)
    change: dict  # a valid partial update
    label: str  # audit label

    def __str__(self) -> str:
        return self.path


def _account(org, ext="cust-1"):
    return Account.objects.filter(organization=org, external_id=ext).first() or AccountFactory(organization=org, external_id=ext)


RESOURCES = [
    Resource(
        "accounts",
        Account,
        lambda org: AccountFactory(organization=org),
        lambda account: {"name": "Initech", "segment": "enterprise", "start_date": "2025-01-15"},
        {"lifecycle_stage": "mature"},
        "account",
    ),
    Resource(
        "contacts",
        Contact,
        lambda org: ContactFactory(organization=org, account=_account(org)),
        lambda account: {"account": account.external_id, "name": "Pat Lee", "stakeholder_role": "champion"},
        {"title": "CTO"},
        "contact",
    ),
    Resource(
        "contracts",
        ContractLine,
        lambda org: ContractLineFactory(organization=org, account=_account(org)),
        lambda account: {"account": account.external_id, "product": "Growth", "mrr": "1200.00", "seats_licensed": 10, "start_date": "2025-01-01"},
        {"mrr": "1500.00"},
        "contract_line",
    ),
    Resource(
        "tickets",
        SupportTicket,
        lambda org: SupportTicketFactory(organization=org, account=_account(org)),
        lambda account: {"account": account.external_id, "subject": "Export fails", "opened_at": "2025-03-01T08:00:00Z"},
        {"status": "solved", "resolved_at": "2030-01-01T00:00:00Z"},
        "ticket",
    ),
    Resource(
        "survey-answers",
        SurveyAnswer,
        lambda org: SurveyAnswerFactory(organization=org, account=_account(org)),
        lambda account: {"account": account.external_id, "kind": "csat", "score": 4, "answered_at": "2025-03-01T08:00:00Z"},
        {"comment": "Fast support"},
        "survey_answer",
    ),
    Resource(
        "touchpoints",
        Touchpoint,
        lambda org: TouchpointFactory(organization=org, account=_account(org)),
        lambda account: {"account": account.external_id, "kind": "qbr", "occurred_at": "2025-03-01T15:00:00Z", "contacts": []},
        {"summary": "Agreed on next steps"},
        "touchpoint",
    ),
]


def url(resource: Resource, suffix: str = "") -> str:
    return f"/api/v1/{resource.path}/{suffix}"


def _client(key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


@pytest.fixture
def read_only_api(acme):
    return _client(kernel.api_key_create(organization=acme, name="Read only", scopes=["read"]).raw)


# --- Every resource: list, retrieve, create, update, upsert ---------------------------------


@pytest.mark.parametrize("resource", RESOURCES, ids=str)
def test_list_shows_only_the_keys_organization(resource, acme, globex, acme_api):
    mine = [resource.make(acme) for _ in range(2)]
    resource.make(globex)

    response = acme_api.get(url(resource))

    assert response.status_code == 200
    body = response.json()
    assert sorted(row["id"] for row in body["results"]) == sorted(o.pk for o in mine)
    assert body["next"] is None


@pytest.mark.parametrize("resource", RESOURCES, ids=str)
def test_retrieve_answers_own_records_and_404_for_foreign_ones(resource, acme, globex, acme_api):
    mine, foreign = resource.make(acme), resource.make(globex)
    assert acme_api.get(url(resource, f"{mine.pk}/")).json()["id"] == mine.pk
    response = acme_api.get(url(resource, f"{foreign.pk}/"))
    assert response.status_code == 404
    assert response.json() == {"code": "not_found", "detail": "Not found."}


@pytest.mark.parametrize("resource", RESOURCES, ids=str)
def test_create_stores_the_record_through_the_services_and_audits_the_key(resource, acme, acme_api):
    account = _account(acme)
    body = {"external_id": "new-1", **resource.payload(account)}

    response = acme_api.post(url(resource), body, format="json")

    assert response.status_code == 201, response.json()
    created = resource.model.objects.get(organization=acme, external_id="new-1")
    assert response.json()["id"] == created.pk
    if resource.path != "accounts":
        assert response.json()["account"] == account.external_id
    entry = AuditLogEntry.objects.get(organization=acme, action=f"{resource.label}.created", object_id=str(created.pk))
    assert entry.actor_api_key is not None and entry.actor_api_key.organization == acme


@pytest.mark.parametrize("resource", RESOURCES, ids=str)
def test_patch_changes_only_the_fields_sent(resource, acme, acme_api):
    record = resource.make(acme)
    response = acme_api.patch(url(resource, f"{record.pk}/"), resource.change, format="json")
    assert response.status_code == 200, response.json()
    for name, value in resource.change.items():
        assert str(response.json()[name]).replace("+00:00", "Z") == value
    assert AuditLogEntry.objects.filter(organization=acme, action=f"{resource.label}.updated", object_id=str(record.pk)).exists()


@pytest.mark.parametrize("resource", RESOURCES, ids=str)
def test_put_replaces_and_requires_the_full_record(resource, acme, acme_api):
    record = resource.make(acme)
    full = {"external_id": "replaced", **resource.payload(_account(acme))}
    response = acme_api.put(url(resource, f"{record.pk}/"), full, format="json")
    assert response.status_code == 200, response.json()
    assert resource.model.objects.get(pk=record.pk).external_id == "replaced"

    # a PUT missing a required field is a 400 naming it
    required = "name" if "name" in full else next(k for k in ("product", "subject", "kind") if k in full)
    response = acme_api.put(url(resource, f"{record.pk}/"), {k: v for k, v in full.items() if k != required}, format="json")
    assert response.status_code == 400
    assert required in response.json()["errors"]


@pytest.mark.parametrize("resource", RESOURCES, ids=str)
def test_upsert_creates_with_201_then_updates_with_200(resource, acme, acme_api):
    body = {"external_id": "up-1", **resource.payload(_account(acme))}

    first = acme_api.put(url(resource, "upsert/"), body, format="json")
    second = acme_api.put(url(resource, "upsert/"), {"external_id": "up-1", **resource.change}, format="json")

    assert first.status_code == 201, first.json()
    assert second.status_code == 200, second.json()
    assert first.json()["id"] == second.json()["id"]
    assert resource.model.objects.filter(organization=acme, external_id="up-1").count() == 1
    actions = list(AuditLogEntry.objects.filter(organization=acme, object_id=str(first.json()["id"])).order_by("id").values_list("action", flat=True))
    assert actions == [f"{resource.label}.created", f"{resource.label}.updated"]


@pytest.mark.parametrize("resource", RESOURCES, ids=str)
def test_upsert_without_an_external_id_is_a_400(resource, acme, acme_api):
    response = acme_api.put(url(resource, "upsert/"), resource.payload(_account(acme)), format="json")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "external_id" in response.json()["errors"]


@pytest.mark.parametrize("resource", RESOURCES, ids=str)
def test_get_by_external_id(resource, acme, globex, acme_api):
    mine = resource.make(acme)
    mine.external_id = "lookup-me"
    mine.save()
    foreign = resource.make(globex)
    foreign.external_id = "globex-only"
    foreign.save()
    assert acme_api.get(url(resource, "by-external-id/lookup-me/")).json()["id"] == mine.pk
    assert acme_api.get(url(resource, "by-external-id/globex-only/")).status_code == 404


# --- Filtering and pagination ---------------------------------------------------------------


@pytest.mark.parametrize("resource", RESOURCES, ids=str)
def test_updated_since_returns_only_records_changed_since(resource, acme, acme_api):
    old, recent = resource.make(acme), resource.make(acme)
    resource.model.objects.filter(pk=old.pk).update(updated_at=timezone.now() - dt.timedelta(days=10))
    since = (timezone.now() - dt.timedelta(days=1)).strftime("%Y-%m-%dT%H:%M:%SZ")

    response = acme_api.get(url(resource), {"updated_since": since})

    assert [row["id"] for row in response.json()["results"]] == [recent.pk]


@pytest.mark.parametrize("value", ["yesterday", "2025-13-45", "2025-01-01T25:00:00Z"])
def test_a_bad_updated_since_is_a_400_with_a_clear_message(value, acme_api):
    response = acme_api.get("/api/v1/accounts/", {"updated_since": value})
    assert response.status_code == 400
    body = response.json()
    assert body["code"] == "invalid"
    assert "ISO-8601" in body["errors"]["updated_since"][0]


def test_updated_since_accepts_a_date_and_an_offset(acme, acme_api):
    account = AccountFactory(organization=acme)
    Account.objects.filter(pk=account.pk).update(updated_at=dt.datetime(2025, 5, 2, 12, tzinfo=dt.UTC))
    assert len(acme_api.get("/api/v1/accounts/", {"updated_since": "2025-05-02"}).json()["results"]) == 1
    assert len(acme_api.get("/api/v1/accounts/", {"updated_since": "2025-05-02T14:00:00+02:00"}).json()["results"]) == 1
    assert len(acme_api.get("/api/v1/accounts/", {"updated_since": "2025-05-03"}).json()["results"]) == 0


def test_pagination_walks_every_row_once_in_update_order_even_with_equal_timestamps(acme, acme_api):
    accounts = [AccountFactory(organization=acme) for _ in range(7)]
    same = timezone.now() - dt.timedelta(hours=1)
    Account.objects.filter(pk__in=[a.pk for a in accounts[:4]]).update(updated_at=same)  # ties broken by id

    seen, link = [], "/api/v1/accounts/?limit=3"
    while link:
        body = acme_api.get(link).json()
        seen += [row["id"] for row in body["results"]]
        link = body["next"]

    assert seen == [a.pk for a in accounts]
    assert len(acme_api.get("/api/v1/accounts/?limit=3").json()["results"]) == 3


def test_a_bad_cursor_or_limit_is_a_400(acme_api):
    assert acme_api.get("/api/v1/accounts/?cursor=not-a-cursor").json()["errors"]["cursor"]
    assert acme_api.get("/api/v1/accounts/?limit=0").status_code == 400


def test_list_filters_by_account_external_id(acme, acme_api):
    a, b = AccountFactory(organization=acme, external_id="a"), AccountFactory(organization=acme, external_id="b")
    ContactFactory(organization=acme, account=a)
    ContactFactory(organization=acme, account=b)
    rows = acme_api.get("/api/v1/contacts/", {"account": "a"}).json()["results"]
    assert [row["account"] for row in rows] == ["a"]


@pytest.mark.parametrize("resource", RESOURCES, ids=str)
def test_list_query_count_does_not_grow_with_rows(resource, acme, acme_api):
    resource.make(acme)
    acme_api.get(url(resource))  # warm up: the key's last-used time is written once a minute
    with CaptureQueriesContext(connection) as one:
        acme_api.get(url(resource))
    for _ in range(5):
        record = resource.make(acme)
        if isinstance(record, Touchpoint):
            record.contacts.add(ContactFactory(organization=acme, account=record.account), through_defaults={"organization": acme})
    with CaptureQueriesContext(connection) as six:
        assert len(acme_api.get(url(resource)).json()["results"]) == 6
    assert len(six) == len(one) <= 7  # key lookup, tenant setting, rows, prefetched attendees, transaction


# --- Validation errors ----------------------------------------------------------------------


def test_a_foreign_accounts_external_id_is_rejected_as_a_validation_error(acme, globex, acme_api):
    AccountFactory(organization=globex, external_id="globex-cust")
    response = acme_api.post("/api/v1/contacts/", {"account": "globex-cust", "name": "Spy"}, format="json")
    assert response.status_code == 400
    assert response.json()["errors"] == {"account": ["No account with external id 'globex-cust' in this organization."]}
    assert not Contact.objects.exists()


@pytest.mark.parametrize(
    "path, body, field",
    [
        ("contracts", {"product": "P", "mrr": "-5", "start_date": "2025-01-01"}, "mrr"),
        ("contracts", {"product": "P", "mrr": "5", "discount_percent": "150", "start_date": "2025-01-01"}, "discount_percent"),
        ("contracts", {"product": "P", "mrr": "5", "start_date": "2025-01-01", "end_date": "2024-01-01"}, "end_date"),
        ("survey-answers", {"kind": "nps", "score": 11, "answered_at": "2025-01-01T00:00:00Z"}, "score"),
        ("survey-answers", {"kind": "csat", "score": 0, "answered_at": "2025-01-01T00:00:00Z"}, "score"),
        ("tickets", {"subject": "S", "opened_at": "not a time"}, "opened_at"),
        ("touchpoints", {"kind": "party", "occurred_at": "2025-01-01T00:00:00Z"}, "kind"),
        ("touchpoints", {"kind": "qbr", "occurred_at": "2025-01-01T00:00:00Z", "contacts": ["nobody"]}, "contacts"),
        ("contacts", {"name": "N", "email": "nope"}, "email"),
    ],
)
def test_bad_values_are_400s_naming_the_field(path, body, field, acme, acme_api):
    _account(acme)
    response = acme_api.post(f"/api/v1/{path}/", {"account": "cust-1", **body}, format="json")
    assert response.status_code == 400, response.json()
    assert response.json()["code"] == "invalid"
    assert field in response.json()["errors"]
    assert not AuditLogEntry.objects.filter(
        action__endswith=".created", object_type__in=["contractline", "surveyanswer", "supportticket", "touchpoint", "contact"]
    ).exists()


def test_an_owner_outside_the_organization_is_rejected(acme, acme_api, charlie):
    response = acme_api.post("/api/v1/accounts/", {"external_id": "x", "name": "X", "owner": charlie.email}, format="json")
    assert response.status_code == 400
    assert "not a member" in response.json()["errors"]["owner"][0]


def test_an_owner_by_email_is_shown_by_email(acme, acme_api, bob):
    response = acme_api.post("/api/v1/accounts/", {"external_id": "x", "name": "X", "owner": "BOB@acme.test"}, format="json")
    assert response.status_code == 201 and response.json()["owner"] == "bob@acme.test"


def test_touchpoint_attendees_by_external_id_and_id(acme, acme_api):
    account = _account(acme)
    sponsor = ContactFactory(organization=acme, account=account, external_id="boss", stakeholder_role="executive_sponsor")
    other = ContactFactory(organization=acme, account=account)
    response = acme_api.post(
        "/api/v1/touchpoints/", {"account": "cust-1", "kind": "ebr", "occurred_at": "2025-02-01T10:00:00Z", "contacts": ["boss", other.pk]}, format="json"
    )
    assert response.status_code == 201, response.json()
    assert sorted(response.json()["contacts"], key=str) == sorted(["boss", other.pk], key=str)
    assert response.json()["executive_present"] is True
    assert set(Touchpoint.objects.get().contacts.all()) == {sponsor, other}


def test_malformed_json_is_a_400(acme_api):
    response = acme_api.post("/api/v1/accounts/", "{not json", content_type="application/json")
    assert response.status_code == 400 and response.json()["code"] == "parse_error"


# --- Keys, scopes and organizations ---------------------------------------------------------


@pytest.mark.parametrize("resource", RESOURCES, ids=str)
def test_a_read_only_key_reads_but_cannot_write(resource, acme, read_only_api):
    record = resource.make(acme)
    assert read_only_api.get(url(resource)).status_code == 200
    for response in (
        read_only_api.post(url(resource), {"external_id": "w"}, format="json"),
        read_only_api.patch(url(resource, f"{record.pk}/"), resource.change, format="json"),
        read_only_api.put(url(resource, "upsert/"), {"external_id": "w"}, format="json"),
    ):
        assert response.status_code == 403
        assert response.json()["code"] == "missing_scope"
    assert resource.model.objects.filter(organization=acme).count() == 1


def test_unknown_and_revoked_keys_get_401(acme, acme_key, acme_api):
    assert _client("rk_live_" + "x" * 43).get("/api/v1/accounts/").status_code == 401
    assert APIClient().get("/api/v1/accounts/").status_code == 401
    key = acme.api_keys.get()
    kernel.api_key_revoke(organization=acme, api_key_id=key.pk, by=None)
    response = acme_api.get("/api/v1/accounts/")
    assert response.status_code == 401 and response.json()["detail"] == "Unknown or revoked API key."


@pytest.mark.parametrize("resource", RESOURCES, ids=str)
def test_another_organizations_key_can_neither_read_nor_write_foreign_records(resource, acme, globex, globex_api):
    record = resource.make(acme)
    before = resource.model.objects.filter(pk=record.pk).values().get()

    assert globex_api.get(url(resource, f"{record.pk}/")).status_code == 404
    assert globex_api.patch(url(resource, f"{record.pk}/"), resource.change, format="json").status_code == 404
    assert (
        globex_api.put(
            url(resource, f"{record.pk}/"), {"external_id": "x", **resource.payload(record if resource.path == "accounts" else record.account)}, format="json"
        ).status_code
        == 404
    )
    assert globex_api.get(url(resource, f"by-external-id/{record.external_id or 'none'}/")).status_code == 404
    assert globex_api.get(url(resource)).json()["results"] == []

    assert resource.model.objects.filter(pk=record.pk).values().get() == before


def test_an_upsert_with_another_organizations_external_id_creates_a_separate_record(acme, globex, globex_api):
    # External ids are namespaced per organization: Globex's upsert never touches Acme's row.
    acme_account = AccountFactory(organization=acme, external_id="shared-id", name="Acme's customer")
    response = globex_api.put("/api/v1/accounts/upsert/", {"external_id": "shared-id", "name": "Globex's customer"}, format="json")
    assert response.status_code == 201
    acme_account.refresh_from_db()
    assert acme_account.name == "Acme's customer"
    assert Account.objects.get(organization=globex).name == "Globex's customer"


def test_a_session_user_writes_with_the_organization_header(alice_client, acme):
    response = alice_client.post(
        "/api/v1/accounts/", {"external_id": "s-1", "name": "Via session"}, content_type="application/json", HTTP_X_ORGANIZATION="acme"
    )
    assert response.status_code == 201
    assert AuditLogEntry.objects.get(action="account.created").actor_user.email == "alice@acme.test"


def test_the_schema_documents_the_records_endpoints(alice_client):
    response = alice_client.get("/api/v1/schema/?format=json")
    assert response.status_code == 200
    paths = response.json()["paths"]
    for resource in RESOURCES:
        assert {f"/api/v1/{resource.path}/", f"/api/v1/{resource.path}/{{id}}/", f"/api/v1/{resource.path}/upsert/"} <= set(paths)
    assert paths["/api/v1/accounts/upsert/"]["put"]["responses"].keys() >= {"200", "201", "400"}
    assert alice_client.get("/api/v1/docs/").status_code == 200


@pytest.mark.parametrize("path", ["/api/v1/accounts/", "/api/v1/accounts/upsert/", "/api/v1/touchpoints/upsert/"])
def test_options_answers_without_loading_an_object(path, acme_api):
    response = acme_api.options(path)
    assert response.status_code == 200
    assert "PUT" in response["Allow"] or "POST" in response["Allow"]


def test_requests_beyond_the_keys_rate_get_429_with_retry_after(acme, acme_api, settings):
    settings.API_THROTTLE_RATE = "2/min"
    assert [acme_api.get("/api/v1/accounts/").status_code for _ in range(2)] == [200, 200]
    response = acme_api.get("/api/v1/accounts/")
    assert response.status_code == 429
    assert response.json()["code"] == "throttled" and int(response["Retry-After"]) > 0


def test_nul_characters_are_refused_not_crashing_the_database(acme, acme_api):
    _account(acme)
    assert acme_api.get("/api/v1/contracts/", {"external_id": "a\x00b", "account": "x"}).status_code == 400
    assert acme_api.get("/api/v1/contracts/by-external-id/a%00b/").status_code == 404
    response = acme_api.post("/api/v1/contacts/", {"account": "cust-1\x00", "name": "Pat"}, format="json")
    assert response.status_code == 400 and "NUL" in response.json()["errors"]["account"][0]


def test_a_csm_session_changes_only_the_accounts_they_own(acme, alice, bob, bob_client):
    theirs = AccountFactory(organization=acme, owner=alice, external_id="alices")
    mine = AccountFactory(organization=acme, owner=bob, external_id="bobs")
    headers = {"HTTP_X_ORGANIZATION": "acme", "content_type": "application/json"}

    assert bob_client.patch(f"/api/v1/accounts/{mine.pk}/", {"tier": "gold"}, **headers).status_code == 200
    refused = bob_client.patch(f"/api/v1/accounts/{theirs.pk}/", {"tier": "gold"}, **headers)
    assert refused.status_code == 403 and refused.json()["code"] == "not_account_owner"
    assert bob_client.post("/api/v1/contacts/", {"account": "alices", "name": "Pat"}, **headers).status_code == 403
    assert bob_client.put("/api/v1/accounts/upsert/", {"external_id": "alices", "name": "Renamed"}, **headers).status_code == 403
    assert bob_client.post("/api/v1/contacts/", {"account": "bobs", "name": "Pat"}, **headers).status_code == 201
    theirs.refresh_from_db()
    assert theirs.tier == "" and theirs.name != "Renamed" and not Contact.objects.filter(account=theirs).exists()
