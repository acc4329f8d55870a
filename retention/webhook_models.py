"""Webhook subscriptions and their delivery log (imported by ``retention.models``)."""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.utils import timezone

from .models import TenantModel


class WebhookEventType(models.TextChoices):
    SCORE_BAND_CHANGED = "score.band_changed", "Health band changed"
    RISK_OPENED = "risk.opened", "Risk indicator opened"
    RISK_CLOSED = "risk.closed", "Risk indicator closed"
    SAVE_PLAN_OPENED = "save_plan.opened", "Save plan opened"
    HEALTHCHECK_COMPLETED = "healthcheck.completed", "Health check completed"
    RENEWAL_CASE_PUBLISHED = "renewal_case.published", "Renewal case published"


class WebhookSubscription(TenantModel):
    """An endpoint of the vendor's that receives signed POSTs for chosen event types."""

    url = models.URLField(max_length=500)
    description = models.CharField(max_length=200, blank=True)
    secret = models.CharField(max_length=100, help_text="Signing secret (whsec_…); shown to admins, used for HMAC-SHA256.")
    event_types = models.JSONField(default=list)
    is_active = models.BooleanField(default=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.url

    def wants(self, event_type: str) -> bool:
        return self.is_active and event_type in self.event_types


class WebhookDelivery(TenantModel):
    """One event sent (or to be sent) to one subscription, with the outcome of each attempt."""

    class Status(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Delivered"
        RETRYING = "retrying", "Retrying"
        FAILED = "failed", "Failed"

    subscription = models.ForeignKey(WebhookSubscription, on_delete=models.CASCADE, related_name="deliveries")
    event_id = models.UUIDField(default=uuid.uuid4, editable=False)
    event_type = models.CharField(max_length=40)
    payload = models.JSONField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    last_status_code = models.PositiveSmallIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=300, blank=True)
    last_attempt_at = models.DateTimeField(null=True, blank=True)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    delivered_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "subscription", "created_at"])]

    def __str__(self) -> str:
        return f"{self.event_type} → {self.subscription_id} ({self.status})"
