"""The Segment-compatible endpoints: Segment's shapes, its Basic-auth write key, our results."""

from __future__ import annotations

import base64
import json

import pytest
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import DailyActiveUser, UsageEvent
from accounts.tests.factories import AccountFactory
from retention import services

TRACK = "/api/v1/segment/track"
BATCH = "/api/v1/segment/batch"


def _segment_client(raw_key: str) -> APIClient:
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Basic " + base64.b64encode(f"{raw_key}:".encode()).decode())
    return client


@pytest.fixture
def segment(acme_key):
    return _segment_client(acme_key)


@pytest.fixture
def customer(acme):
    return AccountFactory(organization=acme, external_id="cust-1")


def _track(n: int, **overrides) -> dict:
    message = {
        "type": "track",
        "userId": "u-1",
        "anonymousId": "anon-1",
        "event": "Report Generated",
        "properties": {"format": "pdf", "value": 3},
        "context": {"groupId": "cust-1", "library": {"name": "analytics.js"}},
        "timestamp": timezone.now().isoformat(),
        "messageId": f"seg-{n}",
    }
    message.update(overrides)
    return message


def _post(client, url, body):
    return client.post(url, data=json.dumps(body), content_type="application/json")


def test_the_routes_are_named():
    assert (reverse("api:segment-track"), reverse("api:segment-batch")) == (TRACK, BATCH)


def test_a_track_call_with_the_write_key_as_basic_user_is_stored(segment, acme, customer):
    # When Segment sends a track call with the account in context.groupId
    response = _post(segment, TRACK, _track(1))

    # Then it is stored for that account with Segment's fields mapped to ours
    assert response.status_code == 200
    assert response.json()["success"] is True
    assert response.json()["results"][0]["status"] == "accepted"
    stored = UsageEvent.objects.get(organization=acme)
    assert (stored.account_id, stored.user_external_id, stored.event, stored.message_id, stored.value) == (customer.pk, "u-1", "Report Generated", "seg-1", 3.0)
    assert stored.properties == {"format": "pdf", "value": 3}
    assert DailyActiveUser.objects.filter(account=customer, user_external_id="u-1").exists()


def test_a_resent_track_call_is_a_duplicate(segment, customer):
    _post(segment, TRACK, _track(1))

    response = _post(segment, TRACK, _track(1))

    assert response.status_code == 200
    assert response.json()["results"][0]["status"] == "duplicate"
    assert UsageEvent.objects.count() == 1


@pytest.mark.parametrize(
    "where",
    [
        {"context": {}, "groupId": "cust-1"},
        {"context": {}, "properties": {"account_id": "cust-1"}},
        {"context": {"traits": {"account_id": "cust-1"}}},
    ],
)
def test_the_account_may_come_from_group_id_or_the_configured_property(segment, customer, where):
    response = _post(segment, TRACK, _track(1, **where))

    assert response.json()["results"][0]["status"] == "accepted"
    assert UsageEvent.objects.get().account_id == customer.pk


def test_the_account_property_name_is_configurable(segment, customer, settings):
    settings.SEGMENT_ACCOUNT_PROPERTY = "company_code"

    response = _post(segment, TRACK, _track(1, context={}, properties={"company_code": "cust-1"}))

    assert response.json()["results"][0]["status"] == "accepted"


def test_a_track_call_without_an_account_is_a_400_that_names_group_id(segment, customer):
    response = _post(segment, TRACK, _track(1, context={}))

    assert response.status_code == 400
    assert response.json()["code"] == "missing_field"
    assert "groupId" in response.json()["detail"]
    assert not UsageEvent.objects.exists()


def test_a_track_call_for_an_unknown_account_is_a_400(segment, customer):
    response = _post(segment, TRACK, _track(1, context={"groupId": "nobody"}))

    assert response.status_code == 400
    assert response.json()["code"] == "unknown_account"


def test_a_track_call_without_a_timestamp_is_stamped_on_receipt(segment, customer):
    message = _track(1)
    del message["timestamp"]

    response = _post(segment, TRACK, message)

    assert response.status_code == 200
    assert abs((UsageEvent.objects.get().timestamp - timezone.now()).total_seconds()) < 60


def test_a_batch_stores_track_calls_and_acknowledges_other_types(segment, acme, customer):
    # Given a Segment batch mixing track, identify, page and a bad track call
    batch = [
        _track(1),
        {"type": "identify", "userId": "u-1", "traits": {"email": "pat@example.com"}, "messageId": "seg-2"},
        _track(3, event=None),
        {"type": "page", "name": "Home", "messageId": "seg-4"},
        _track(5, context={"groupId": "nobody"}),
    ]

    # When it is posted
    response = _post(segment, BATCH, {"batch": batch, "sentAt": timezone.now().isoformat()})

    # Then each call has a result in its own position
    assert response.status_code == 200
    body = response.json()
    assert (body["accepted"], body["rejected"], body["ignored"]) == (1, 2, 2)
    assert [(r["index"], r["status"], r["code"]) for r in body["results"]] == [
        (0, "accepted", None),
        (1, "ignored", "unsupported_type"),
        (2, "rejected", "missing_field"),
        (3, "ignored", "unsupported_type"),
        (4, "rejected", "unknown_account"),
    ]
    assert list(UsageEvent.objects.filter(organization=acme).values_list("message_id", flat=True)) == ["seg-1"]


def test_a_batch_over_1000_calls_is_a_413(segment, customer):
    response = _post(segment, BATCH, {"batch": [_track(n) for n in range(1001)]})

    assert response.status_code == 413
    assert response.json()["code"] == "too_many_events"


@pytest.mark.parametrize("body", [{"events": []}, {"batch": {}}, ["x"]])
def test_a_batch_of_the_wrong_shape_is_a_400(segment, body):
    response = _post(segment, BATCH, body)

    assert response.status_code == 400
    assert "batch" in response.json()["errors"]


def test_malformed_json_is_a_400(segment):
    response = segment.post(TRACK, data=b"{nope", content_type="application/json")

    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"


def test_a_read_only_write_key_is_refused(acme, customer):
    reader = _segment_client(services.api_key_create(organization=acme, name="Reader", scopes=["read"]).raw)

    assert _post(reader, TRACK, _track(1)).status_code == 403
    assert _post(reader, BATCH, {"batch": [_track(1)]}).status_code == 403
    assert not UsageEvent.objects.exists()


def test_a_wrong_write_key_is_refused(customer):
    stranger = _segment_client("rk_live_not-a-real-key")

    assert _post(stranger, TRACK, _track(1)).status_code in (401, 403)


def test_another_organizations_write_key_cannot_write_to_acmes_account(globex_key, customer):
    response = _post(_segment_client(globex_key), BATCH, {"batch": [_track(1)]})

    assert response.json()["results"][0]["code"] == "unknown_account"
    assert not UsageEvent.objects.exists()


def test_numeric_user_and_group_ids_are_taken_as_strings(segment, acme):
    account = AccountFactory(organization=acme, external_id="4711")

    response = _post(segment, TRACK, _track(1, userId=42, context={"groupId": 4711}))

    assert response.status_code == 200
    stored = UsageEvent.objects.get()
    assert (stored.account_id, stored.user_external_id) == (account.pk, "42")
