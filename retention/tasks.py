"""Celery tasks of the kernel: webhook delivery. Each loads by id, calls a service, returns."""

from __future__ import annotations

from celery import shared_task
from django.utils import timezone

from . import rls, webhooks
from .webhook_models import WebhookDelivery


def _attempt(organization_id: int, delivery_id: int) -> tuple[str, float]:
    """One try; returns the delivery's status and the seconds until the next try is due."""
    with rls.tenant_context(organization_id):
        delivery = (
            WebhookDelivery.objects.select_related("subscription", "subscription__organization").filter(organization_id=organization_id, pk=delivery_id).first()
        )
        if delivery is None or delivery.status in (WebhookDelivery.Status.SUCCEEDED, WebhookDelivery.Status.FAILED):
            return "nothing to do", 0
        if not delivery.subscription.is_active:
            return "subscription disabled", 0
        webhooks.delivery_attempt(delivery=delivery)
        wait = (delivery.next_attempt_at - timezone.now()).total_seconds() if delivery.next_attempt_at else 0
        return delivery.status, wait


@shared_task(name="retention.deliver_webhook", bind=True, acks_late=True, max_retries=webhooks.MAX_ATTEMPTS, soft_time_limit=30, time_limit=40)
def deliver_webhook(self, organization_id: int, delivery_id: int) -> str:
    while True:
        status, wait = _attempt(organization_id, delivery_id)
        if status != WebhookDelivery.Status.RETRYING:
            return status
        if not self.request.is_eager:
            raise self.retry(countdown=max(1, int(wait)))
        # In-process mode (demo, tests): try again at once rather than sleeping through the backoff.
