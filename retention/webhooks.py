"""Outgoing webhooks: emit after commit, sign with HMAC-SHA256, deliver with retries and backoff,
disable a subscription after repeated failures and tell the admins.

Signature header (documented in the README)::

    Retention-Signature: t=<unix seconds>,v1=<hex HMAC-SHA256(secret, "<t>.<raw body>")>

A receiver recomputes the HMAC over the timestamp, a dot and the raw body, compares in constant
time, and rejects timestamps older than five minutes (replay protection).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import secrets
import time
import urllib.error
import urllib.request
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from .models import Membership, Organization, Role, User
from .webhook_models import WebhookDelivery, WebhookEventType, WebhookSubscription

SIGNATURE_HEADER = "Retention-Signature"
SIGNATURE_TOLERANCE_SECONDS = 300
MAX_ATTEMPTS = 6  # first try + 5 retries: 30 s, 1 min, 2 min, 4 min, 8 min after each failure
BACKOFF_BASE_SECONDS = 30
DISABLE_AFTER_FAILED_DELIVERIES = 5
DELIVERY_TIMEOUT_SECONDS = 5
USER_AGENT = "Retention-Webhooks/1.0"


# --- Signing ---------------------------------------------------------------------------------


def new_webhook_secret() -> str:
    return "whsec_" + secrets.token_urlsafe(32)


def sign(*, secret: str, body: bytes, timestamp: int) -> str:
    mac = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return f"t={timestamp},v1={mac}"


def verify_signature(*, secret: str, body: bytes, header: str, now: float | None = None, tolerance: int = SIGNATURE_TOLERANCE_SECONDS) -> bool:
    """What a receiver does; used by our tests and shown in the docs."""
    try:
        parts = dict(item.split("=", 1) for item in header.split(","))
        timestamp = int(parts["t"])
        received = parts["v1"]
    except (KeyError, ValueError):
        return False
    if abs((now or time.time()) - timestamp) > tolerance:
        return False
    expected = hmac.new(secret.encode(), f"{timestamp}.".encode() + body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, received)


# --- Subscriptions ---------------------------------------------------------------------------


def _clean_event_types(event_types) -> list[str]:
    cleaned = sorted({e for e in event_types if e})
    unknown = [e for e in cleaned if e not in WebhookEventType.values]
    if unknown or not cleaned:
        raise ValidationError({"event_types": f"Choose at least one of: {', '.join(WebhookEventType.values)}."})
    return cleaned


def _clean_url(url: str) -> str:
    url = (url or "").strip()
    if not url.startswith(("https://", "http://")):
        raise ValidationError({"url": "The URL must start with https:// (or http:// for testing)."})
    return url


@transaction.atomic
def webhook_subscription_create(*, organization: Organization, url: str, event_types, actor: User | None, description: str = "") -> WebhookSubscription:
    from .services import audit_record

    subscription = WebhookSubscription.objects.create(
        organization=organization,
        url=_clean_url(url),
        description=description.strip()[:200],
        secret=new_webhook_secret(),
        event_types=_clean_event_types(event_types),
        created_by=actor,
    )
    audit_record(
        organization=organization,
        actor=actor,
        action="webhook.created",
        target=subscription,
        after={"url": subscription.url, "event_types": subscription.event_types},
    )
    return subscription


@transaction.atomic
def webhook_subscription_update(*, organization: Organization, subscription: WebhookSubscription, actor: User | None, **changes) -> WebhookSubscription:
    from .services import audit_record

    before = {"url": subscription.url, "event_types": subscription.event_types, "is_active": subscription.is_active}
    if "url" in changes:
        subscription.url = _clean_url(changes["url"])
    if "event_types" in changes:
        subscription.event_types = _clean_event_types(changes["event_types"])
    if "is_active" in changes:
        subscription.is_active = bool(changes["is_active"])
        if subscription.is_active:
            subscription.disabled_at, subscription.disabled_reason, subscription.consecutive_failures = None, "", 0
    subscription.save()
    after = {"url": subscription.url, "event_types": subscription.event_types, "is_active": subscription.is_active}
    audit_record(organization=organization, actor=actor, action="webhook.updated", target=subscription, before=before, after=after)
    return subscription


# --- Emitting --------------------------------------------------------------------------------


def webhook_emit(*, organization: Organization | int, event_type: str, data: dict) -> list[WebhookDelivery]:
    """Record one delivery per interested subscription; send them once the transaction commits.

    Call it from services, inside the transaction that made the change: if that transaction
    rolls back, nothing is sent.
    """
    organization_id = organization if isinstance(organization, int) else organization.id
    if event_type not in WebhookEventType.values:
        raise ValueError(f"Unknown webhook event type {event_type!r}")
    subscriptions = [s for s in WebhookSubscription.objects.filter(organization_id=organization_id, is_active=True) if event_type in s.event_types]
    if not subscriptions:
        return []
    created = timezone.now()
    deliveries = []
    for subscription in subscriptions:
        delivery = WebhookDelivery(organization_id=organization_id, subscription=subscription, event_type=event_type, created_at=created, payload={})
        delivery.payload = {"id": str(delivery.event_id), "type": event_type, "created_at": created.isoformat(), "data": data}
        deliveries.append(delivery)
    WebhookDelivery.objects.bulk_create(deliveries)
    ids = [d.pk for d in deliveries]

    def enqueue():
        from .tasks import deliver_webhook

        for delivery_id in ids:
            deliver_webhook.delay(organization_id, delivery_id)

    transaction.on_commit(enqueue)
    return deliveries


# --- Delivering ------------------------------------------------------------------------------


def backoff_seconds(attempt: int) -> int:
    """Seconds to wait after the ``attempt``-th failed try (1-based): 30, 60, 120, 240, 480."""
    return BACKOFF_BASE_SECONDS * 2 ** (attempt - 1)


def _post(url: str, body: bytes, headers: dict[str, str]) -> tuple[int | None, str]:
    request = urllib.request.Request(url, data=body, headers=headers, method="POST")
    try:
        with urllib.request.urlopen(request, timeout=DELIVERY_TIMEOUT_SECONDS) as response:  # noqa: S310 - admin-configured URL
            return response.status, ""
    except urllib.error.HTTPError as exc:
        return exc.code, f"HTTP {exc.code}"
    except (urllib.error.URLError, TimeoutError, OSError) as exc:
        reason = getattr(exc, "reason", exc)
        return None, f"{reason.__class__.__name__}: {reason}"[:300]


def delivery_attempt(*, delivery: WebhookDelivery) -> bool:
    """Try one delivery once and record the outcome. Returns True when the receiver said 2xx."""
    subscription = delivery.subscription
    body = json.dumps(delivery.payload, cls=DjangoJSONEncoder, separators=(",", ":")).encode()
    timestamp = int(time.time())
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        SIGNATURE_HEADER: sign(secret=subscription.secret, body=body, timestamp=timestamp),
        "Retention-Event": delivery.event_type,
        "Retention-Delivery": str(delivery.event_id),
    }
    status_code, error = _post(subscription.url, body, headers)
    now = timezone.now()
    delivery.attempts += 1
    delivery.last_attempt_at = now
    delivery.last_status_code = status_code
    ok = status_code is not None and 200 <= status_code < 300
    delivery.last_error = "" if ok else (error or f"HTTP {status_code}")
    if ok:
        delivery.status = WebhookDelivery.Status.SUCCEEDED
        delivery.delivered_at = now
        delivery.next_attempt_at = None
    elif delivery.attempts < MAX_ATTEMPTS:
        delivery.status = WebhookDelivery.Status.RETRYING
        delivery.next_attempt_at = now + timedelta(seconds=backoff_seconds(delivery.attempts))
    else:
        delivery.status = WebhookDelivery.Status.FAILED
        delivery.next_attempt_at = None
    delivery.save()
    if ok:
        WebhookSubscription.objects.filter(pk=subscription.pk).update(consecutive_failures=0)
    elif delivery.status == WebhookDelivery.Status.FAILED:
        _record_failed_delivery(subscription)
    return ok


def _record_failed_delivery(subscription: WebhookSubscription) -> None:
    subscription.refresh_from_db()
    subscription.consecutive_failures += 1
    fields = ["consecutive_failures"]
    if subscription.is_active and subscription.consecutive_failures >= DISABLE_AFTER_FAILED_DELIVERIES:
        subscription.is_active = False
        subscription.disabled_at = timezone.now()
        subscription.disabled_reason = f"Disabled after {subscription.consecutive_failures} deliveries in a row failed every retry."
        fields += ["is_active", "disabled_at", "disabled_reason"]
        transaction.on_commit(lambda: _notify_admins_of_disabling(subscription))
    subscription.save(update_fields=fields)


def _notify_admins_of_disabling(subscription: WebhookSubscription) -> None:
    admins = Membership.objects.filter(organization_id=subscription.organization_id, role__in=[Role.ADMIN, Role.OWNER]).select_related("user")
    recipients = [m.user.email for m in admins]
    if not recipients:
        return
    send_mail(
        subject=f"Retention disabled a webhook: {subscription.url}",
        message=(
            f"The webhook endpoint {subscription.url} failed {subscription.consecutive_failures} deliveries in a row, "
            "each after every retry, so it has been disabled. Fix the endpoint, then re-enable it under "
            f"Organization → Webhooks: {settings.SITE_URL.rstrip('/')}/o/{subscription.organization.slug}/settings/webhooks/"
        ),
        from_email=None,
        recipient_list=recipients,
    )


def webhook_redeliver(*, organization: Organization, delivery: WebhookDelivery, actor: User | None) -> WebhookDelivery:
    """Queue a fresh copy of a delivery (same event id, so receivers can de-duplicate)."""
    from .services import audit_record

    copy = WebhookDelivery.objects.create(
        organization=organization, subscription=delivery.subscription, event_id=delivery.event_id, event_type=delivery.event_type, payload=delivery.payload
    )
    audit_record(organization=organization, actor=actor, action="webhook.redelivered", target=copy)

    def enqueue():
        from .tasks import deliver_webhook

        deliver_webhook.delay(organization.id, copy.pk)

    transaction.on_commit(enqueue)
    return copy
