"""POST /api/v1/events/batch over HTTP: limits, parsing, auth, throttling, per-item results."""

from __future__ import annotations

import json

import pytest
from django.core.cache import cache
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from accounts.models import DailyEventCount, UsageEvent
from accounts.tests.factories import AccountFactory
from retention import services
from retention.models import ApiKey

URL = "/api/v1/events/batch"


def _event(n: int, **overrides) -> dict:
    event = {
        "account": "cust-1",
        "user": "u-1",
        "event": "report_generated",
        "timestamp": timezone.now().isoformat(),
        "properties": {"format": "pdf"},
        "message_id": f"m-{n}",
    }
    event.update(overrides)
    return event


def _post(client, body, **extra):
    raw = body if isinstance(body, bytes | str) else json.dumps(body)
    return client.post(URL, data=raw, content_type="application/json", **extra)


@pytest.fixture
def customer(acme):
    return AccountFactory(organization=acme, external_id="cust-1")


def test_the_route_is_named():
    assert reverse("api:events-batch") == URL


def test_a_mixed_batch_gets_a_result_per_event(acme_api, acme, customer):
    # Given a batch with a good event, an unknown account, a missing field and a future timestamp
    future = (timezone.now() + timezone.timedelta(hours=2)).isoformat()
    events = [_event(1), _event(2, account="nobody"), {"account": "cust-1", "event": "x", "message_id": "m-3"}, _event(4, timestamp=future)]

    # When it is posted
    response = _post(acme_api, {"events": events})

    # Then the request succeeds and each event has its own result
    assert response.status_code == 200
    body = response.json()
    assert (body["accepted"], body["duplicates"], body["rejected"]) == (1, 0, 3)
    assert [(r["index"], r["status"], r["message_id"], r["code"]) for r in body["results"]] == [
        (0, "accepted", "m-1", None),
        (1, "rejected", "m-2", "unknown_account"),
        (2, "rejected", "m-3", "missing_field"),
        (3, "rejected", "m-4", "timestamp_in_future"),
    ]
    assert all(r["detail"] for r in body["results"][1:])
    assert list(UsageEvent.objects.filter(organization=acme).values_list("message_id", flat=True)) == ["m-1"]


def test_a_resent_batch_is_acknowledged_and_not_counted_twice(acme_api, acme, customer):
    # Given a batch already posted
    first = _post(acme_api, {"events": [_event(1), _event(2)]}).json()

    # When it is posted again (a client retry) with one repeat inside it
    second = _post(acme_api, {"events": [_event(1), _event(2), _event(3), _event(3)]}).json()

    # Then nothing is stored or counted twice
    assert first["accepted"] == 2
    assert [r["status"] for r in second["results"]] == ["duplicate", "duplicate", "accepted", "duplicate"]
    assert (second["accepted"], second["duplicates"]) == (1, 3)
    assert UsageEvent.objects.filter(organization=acme).count() == 3
    assert DailyEventCount.objects.get(account=customer).count == 3


def test_bad_types_are_rejected_per_event(acme_api, customer):
    events = [_event(1, value="ten"), _event(2, properties=[1]), _event(3, user=5), _event(4, timestamp=17), "not an object"]

    body = _post(acme_api, {"events": events}).json()

    assert [r["code"] for r in body["results"]] == ["invalid_type"] * 5
    assert body["rejected"] == 5


def test_it_rejects_a_batch_over_1000_events_with_413(acme_api, acme, customer):
    response = _post(acme_api, {"events": [_event(n) for n in range(1001)]})

    assert response.status_code == 413
    assert response.json()["code"] == "too_many_events"
    assert "1,000" in response.json()["detail"]
    assert not UsageEvent.objects.exists()


def test_it_accepts_exactly_1000_events(acme_api, customer):
    response = _post(acme_api, {"events": [_event(n) for n in range(1000)]})

    assert response.status_code == 200
    assert response.json()["accepted"] == 1000


def test_it_rejects_a_body_over_one_mebibyte_with_413_before_parsing(acme_api, customer):
    # Given a body over 1 MiB that is not even JSON: the size is refused before any parsing
    response = _post(acme_api, b"{" + b" " * (1024 * 1024))

    assert response.status_code == 413
    assert response.json()["code"] == "payload_too_large"


def test_a_body_of_exactly_one_mebibyte_is_parsed(acme_api, customer):
    body = json.dumps({"events": [_event(1)]})
    padded = body + " " * (1024 * 1024 - len(body))

    response = _post(acme_api, padded)

    assert response.status_code == 200
    assert response.json()["accepted"] == 1


@pytest.mark.parametrize("raw", [b'{"events": [', b"not json", b'{"events": [{"value": NaN}]}', b"\xff\xfe"])
def test_malformed_json_is_a_400(acme_api, raw):
    response = _post(acme_api, raw)

    assert response.status_code == 400
    assert response.json()["code"] == "malformed_json"


@pytest.mark.parametrize("body", [[], {"events": {}}, {"event": []}, {"events": "x"}, 5])
def test_the_wrong_shape_is_a_400_naming_the_events_list(acme_api, body):
    response = _post(acme_api, body)

    assert response.status_code == 400
    assert response.json()["code"] == "invalid"
    assert "events" in response.json()["errors"]


def test_it_throttles_per_key_with_429_and_retry_after(acme_api, globex_api, customer, settings):
    # Given a rate of two requests a minute, and no earlier history for these keys (ids repeat
    # across tests on SQLite, and the throttle's history lives in the shared cache)
    settings.EVENTS_THROTTLE_RATE = "2/min"
    for key in ApiKey.objects.all():
        cache.delete(f"throttle:events:key-{key.pk}")

    # When a key sends three
    statuses = [_post(acme_api, {"events": [_event(n)]}).status_code for n in range(3)]
    limited = _post(acme_api, {"events": [_event(9)]})

    # Then the third and later answer 429 with Retry-After, and another key is not affected
    assert statuses == [200, 200, 429]
    assert limited.status_code == 429
    assert int(limited["Retry-After"]) > 0
    assert limited.json()["code"] == "throttled"
    assert _post(globex_api, {"events": []}).status_code == 200


def test_a_read_only_key_is_refused_with_403(acme, customer):
    client = APIClient()
    raw = services.api_key_create(organization=acme, name="Reader", scopes=["read"]).raw
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")

    response = _post(client, {"events": [_event(1)]})

    assert response.status_code == 403
    assert response.json()["code"] == "missing_scope"
    assert not UsageEvent.objects.exists()


def test_without_credentials_it_is_401_or_403(db):
    response = _post(APIClient(), {"events": []})

    assert response.status_code in (401, 403)
    assert response.json()["code"] == "not_authenticated"


def test_another_organizations_key_cannot_write_to_an_account_it_does_not_own(globex_api, acme, globex, customer):
    # Given "cust-1" exists only in Acme
    # When Globex's key sends an event for "cust-1"
    body = _post(globex_api, {"events": [_event(1)]}).json()

    # Then it is an unknown account and nothing is stored for anyone
    assert (body["rejected"], body["results"][0]["code"]) == (1, "unknown_account")
    assert not UsageEvent.objects.exists()
    assert not DailyEventCount.objects.exists()


def test_a_csm_session_may_post_events_naming_the_organization(bob_client, acme, customer):
    response = bob_client.post(URL, data=json.dumps({"events": [_event(1)]}), content_type="application/json", HTTP_X_ORGANIZATION="acme")

    assert response.status_code == 200
    assert response.json()["accepted"] == 1


def test_a_session_of_another_organization_gets_404(charlie_client, acme, customer):
    response = charlie_client.post(URL, data=json.dumps({"events": [_event(1)]}), content_type="application/json", HTTP_X_ORGANIZATION="acme")

    assert response.status_code == 404
    assert not UsageEvent.objects.exists()


def test_get_is_not_allowed(acme_api):
    assert acme_api.get(URL).status_code == 405


def test_the_schema_documents_the_event_endpoints(acme_api):
    response = acme_api.get("/api/v1/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")

    assert response.status_code == 200
    schema = json.loads(response.content)
    assert {"/api/v1/events/batch", "/api/v1/segment/track", "/api/v1/segment/batch"} <= set(schema["paths"])
    operation = schema["paths"]["/api/v1/events/batch"]["post"]
    assert {"200", "400", "413", "429"} <= set(operation["responses"])
    assert operation["requestBody"]["content"]["application/json"]["examples"]
