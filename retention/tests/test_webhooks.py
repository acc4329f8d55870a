"""Webhooks delivered to a real local HTTP receiver: signatures, retries, disabling, the log."""

from __future__ import annotations

import http.server
import json
import threading

import pytest
from django.core import mail

from retention import webhooks
from retention.models import Membership, Role
from retention.webhook_models import WebhookDelivery, WebhookSubscription

pytestmark = pytest.mark.django_db


class Receiver:
    """A local HTTP server that answers with the scripted status codes and records requests."""

    def __init__(self, statuses):
        self.statuses = list(statuses)
        self.requests: list[tuple[dict, bytes]] = []
        receiver = self

        class Handler(http.server.BaseHTTPRequestHandler):
            def do_POST(self):
                body = self.rfile.read(int(self.headers["Content-Length"]))
                receiver.requests.append((dict(self.headers), body))
                status = receiver.statuses.pop(0) if receiver.statuses else 200
                self.send_response(status)
                self.end_headers()

            def log_message(self, *args):
                pass

        self.server = http.server.HTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, daemon=True)

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.server.server_port}/hook"

    def __enter__(self):
        self.thread.start()
        return self

    def __exit__(self, *exc):
        self.server.shutdown()
        self.server.server_close()


def _subscribe(organization, url, events=("risk.opened",)):
    return webhooks.webhook_subscription_create(organization=organization, url=url, event_types=list(events), actor=None)


def test_an_event_is_delivered_signed_after_commit(acme, django_capture_on_commit_callbacks):
    with Receiver([200]) as receiver:
        subscription = _subscribe(acme, receiver.url)
        with django_capture_on_commit_callbacks(execute=False) as callbacks:
            webhooks.webhook_emit(organization=acme, event_type="risk.opened", data={"account": "ext-1", "risk": "usage_drop"})
        assert receiver.requests == []  # nothing leaves before the transaction commits
        for callback in callbacks:
            callback()
    headers, body = receiver.requests[0]
    assert json.loads(body)["type"] == "risk.opened" and json.loads(body)["data"]["risk"] == "usage_drop"
    assert headers["Retention-Event"] == "risk.opened"
    assert webhooks.verify_signature(secret=subscription.secret, body=body, header=headers["Retention-Signature"])
    assert not webhooks.verify_signature(secret="whsec_wrong", body=body, header=headers["Retention-Signature"])
    assert not webhooks.verify_signature(secret=subscription.secret, body=body + b" ", header=headers["Retention-Signature"])
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "succeeded" and delivery.attempts == 1 and delivery.last_status_code == 200


def test_a_stale_signature_is_rejected_by_the_verifier():
    header = webhooks.sign(secret="s", body=b"{}", timestamp=1_000_000)
    assert webhooks.verify_signature(secret="s", body=b"{}", header=header, now=1_000_100)
    assert not webhooks.verify_signature(secret="s", body=b"{}", header=header, now=1_000_000 + 301)


def test_failures_are_retried_with_exponential_backoff_until_delivered(acme, django_capture_on_commit_callbacks):
    with Receiver([500, 503, 200]) as receiver:
        _subscribe(acme, receiver.url)
        with django_capture_on_commit_callbacks(execute=True):
            webhooks.webhook_emit(organization=acme, event_type="risk.opened", data={})
    assert len(receiver.requests) == 3
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "succeeded" and delivery.attempts == 3
    assert [webhooks.backoff_seconds(n) for n in range(1, 6)] == [30, 60, 120, 240, 480]


def test_repeated_failed_deliveries_disable_the_subscription_and_email_the_admins(acme, alice, django_capture_on_commit_callbacks):
    with Receiver([500] * 100) as receiver:
        subscription = _subscribe(acme, receiver.url)
        for _ in range(webhooks.DISABLE_AFTER_FAILED_DELIVERIES):
            with django_capture_on_commit_callbacks(execute=True):
                webhooks.webhook_emit(organization=acme, event_type="risk.opened", data={})
    subscription.refresh_from_db()
    assert not subscription.is_active and subscription.disabled_at is not None
    assert len(receiver.requests) == webhooks.DISABLE_AFTER_FAILED_DELIVERIES * webhooks.MAX_ATTEMPTS
    assert set(WebhookDelivery.objects.values_list("status", flat=True)) == {"failed"}
    assert mail.outbox and mail.outbox[-1].to == ["alice@acme.test"]
    # a disabled subscription receives nothing more
    assert webhooks.webhook_emit(organization=acme, event_type="risk.opened", data={}) == []


def test_an_unreachable_endpoint_is_logged_with_the_error(acme, django_capture_on_commit_callbacks):
    _subscribe(acme, "http://127.0.0.1:9/nothing-listens-here")
    with django_capture_on_commit_callbacks(execute=True):
        webhooks.webhook_emit(organization=acme, event_type="risk.opened", data={})
    delivery = WebhookDelivery.objects.get()
    assert delivery.status == "failed" and delivery.last_status_code is None and "Connection" in delivery.last_error


def test_only_subscribed_event_types_of_the_same_organization_are_sent(acme, globex):
    _subscribe(acme, "http://127.0.0.1:9/a", events=["risk.closed"])
    _subscribe(globex, "http://127.0.0.1:9/b", events=["risk.opened"])
    assert webhooks.webhook_emit(organization=acme, event_type="risk.opened", data={}) == []


def test_admins_create_a_webhook_see_the_log_and_redeliver(alice_client, acme, django_capture_on_commit_callbacks):
    with Receiver([200, 200]) as receiver:
        response = alice_client.post("/o/acme/settings/webhooks/", {"url": receiver.url, "event_types": ["risk.opened", "save_plan.opened"]})
        subscription = WebhookSubscription.objects.get(organization=acme)
        assert response["Location"] == f"/o/acme/settings/webhooks/{subscription.pk}/"
        with django_capture_on_commit_callbacks(execute=True):
            webhooks.webhook_emit(organization=acme, event_type="save_plan.opened", data={"account": "x"})
        page = alice_client.get(response["Location"]).content.decode()
        assert "delivered" in page and subscription.secret in page
        delivery = WebhookDelivery.objects.get()
        with django_capture_on_commit_callbacks(execute=True):
            alice_client.post(f"/o/acme/settings/webhooks/deliveries/{delivery.pk}/redeliver/")
        assert len(receiver.requests) == 2
        assert receiver.requests[0][0]["Retention-Delivery"] == receiver.requests[1][0]["Retention-Delivery"]


def test_webhook_form_rejects_bad_input(alice_client, bob_client):
    response = alice_client.post("/o/acme/settings/webhooks/", {"url": "ftp://x", "event_types": []})
    assert response.status_code == 400 and not WebhookSubscription.objects.exists()
    assert bob_client.get("/o/acme/settings/webhooks/").status_code == 403


def test_admins_can_re_enable_a_disabled_webhook(alice_client, acme):
    subscription = _subscribe(acme, "http://127.0.0.1:9/x")
    WebhookSubscription.objects.filter(pk=subscription.pk).update(is_active=False, consecutive_failures=5, disabled_reason="x")
    alice_client.post(f"/o/acme/settings/webhooks/{subscription.pk}/toggle/")
    subscription.refresh_from_db()
    assert subscription.is_active and subscription.consecutive_failures == 0
    assert Membership.objects.get(organization=acme, role=Role.OWNER)
