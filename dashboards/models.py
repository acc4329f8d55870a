"""Measurement records: scorecards, daily account scores, band overrides, zones, risks, save plans.

Scores and zones are one row per account per day (recomputing a day replaces the row); each row
stores its inputs so that history never changes when a scorecard changes.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from accounts.models import Account
from retention.models import Organization, TenantModel


class Band(models.TextChoices):
    GREEN = "green", "Green"
    YELLOW = "yellow", "Yellow"
    RED = "red", "Red"
    UNKNOWN = "unknown", "No data"


class Scorecard(TenantModel):
    """One version of an organization's health-score definition. Versions are never edited.

    ``definition`` holds the measures (weight, normalization thresholds, freshness), the band
    limits and the event configuration; see ``dashboards.scorecards.default_definition``.
    """

    version = models.PositiveIntegerField()
    is_active = models.BooleanField(default=False)
    definition = models.JSONField()
    note = models.CharField(max_length=300, blank=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "version"], name="scorecard_unique_version"),
            models.UniqueConstraint(fields=["organization"], condition=Q(is_active=True), name="scorecard_one_active"),
        ]
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"Scorecard v{self.version}"


class AccountScore(TenantModel):
    """An account's health score on one day, with every measure's inputs and contribution.

    ``measures`` maps a measure key to ``{"label", "status" (ok|stale|missing), "raw", "normalized"
    (0–100), "weight", "contribution" (points of the composite), "detail"}``.
    """

    # Written for every customer every night: no indexes beyond what the pages read (the unique
    # key starts with organization and serves newest-first reads of one account backwards).
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    scorecard = models.ForeignKey(Scorecard, on_delete=models.PROTECT, related_name="+", db_index=False)
    scorecard_version = models.PositiveIntegerField()
    score = models.FloatField(null=True, blank=True, help_text="Weighted mean (0–100) of the measures with fresh data.")
    band = models.CharField(max_length=10, choices=Band.choices)
    coverage = models.FloatField(help_text="Share (0–1) of the scorecard's weight backed by fresh data.")
    measures = models.JSONField()
    change_7d = models.FloatField(null=True, blank=True, help_text="Score minus the score 7 days before.")
    change_30d = models.FloatField(null=True, blank=True, help_text="Score minus the score 30 days before.")
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "account", "day"], name="accountscore_unique_day")]
        indexes = [models.Index(fields=["organization", "day", "band"])]

    def __str__(self) -> str:
        return f"{self.account_id} on {self.day}: {self.score}"


class BandOverride(TenantModel):
    """A CSM's judgement replacing the computed band until ``expires_on``; the score stays beside it."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    band = models.CharField(max_length=10, choices=[c for c in Band.choices if c[0] != Band.UNKNOWN])
    reason = models.TextField()
    expires_on = models.DateField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "account", "expires_on"])]
        ordering = ["-created_at", "-id"]

    def is_in_force(self, on) -> bool:
        return self.revoked_at is None and self.expires_on >= on


class ZoneStatus(models.TextChoices):
    HOLDING = "holding", "Holding"
    AT_RISK = "at_risk", "At risk"
    BROKEN = "broken", "Broken"
    UNKNOWN = "unknown", "No evidence"


class AccountZones(TenantModel):
    """The retention-architecture zones and layers of one account on one day.

    ``zones`` maps each zone and layer key to ``{"score", "status", "evidence": [...]}``.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    day = models.DateField()
    zones = models.JSONField()
    attention_zone = models.CharField(max_length=20, blank=True, help_text="The earliest zone in the chain that is not holding.")
    broken_layers = models.JSONField(default=list, blank=True)
    computed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "account", "day"], name="accountzones_unique_day")]
        indexes = [models.Index(fields=["organization", "day", "attention_zone"])]


class RiskKind(models.TextChoices):
    USAGE_DROP = "usage_drop", "Usage dropped more than 20% month over month"
    STAKEHOLDER_LEFT = "stakeholder_left", "Champion or sponsor left"
    NO_EXECUTIVE_TOUCHPOINT = "no_executive_touchpoint", "No executive touchpoint in 90 days"
    RENEWAL_AT_RISK = "renewal_at_risk", "Renewal within 120 days with a red or yellow band"
    SUPPORT_ESCALATION = "support_escalation", "Support escalation"
    DETRACTOR_NPS = "detractor_nps", "Detractor NPS"
    OVERDUE_MILESTONES = "overdue_milestones", "Overdue success-plan milestones"
    PAYMENT_ISSUE = "payment_issue", "Payment issue"


class RiskIndicator(TenantModel):
    """One risk condition on one account, open from ``opened_on`` until ``closed_on``."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=30, choices=RiskKind.choices)
    opened_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    last_seen_on = models.DateField()
    evidence = models.JSONField(default=dict, blank=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "account", "kind"], condition=Q(closed_on__isnull=True), name="riskindicator_one_open_per_kind"),
        ]
        indexes = [models.Index(fields=["organization", "account", "opened_on"])]
        ordering = ["-opened_on", "kind"]

    @property
    def is_open(self) -> bool:
        return self.closed_on is None


class SavePlan(TenantModel):
    """A save-plan review, opened automatically when three risk indicators are open."""

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        SAVED = "saved", "Closed: saved"
        LOST = "lost", "Closed: lost"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    opened_on = models.DateField()
    due_on = models.DateField()
    closed_on = models.DateField(null=True, blank=True)
    trigger = models.JSONField(default=dict, blank=True, help_text="The open risk indicators that opened the plan.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "account"], condition=Q(status="open"), name="saveplan_one_open_per_account"),
        ]
        ordering = ["-opened_on", "-id"]


class SavePlanAction(TenantModel):
    class Status(models.TextChoices):
        TODO = "todo", "To do"
        DONE = "done", "Done"
        CANCELLED = "cancelled", "Cancelled"

    save_plan = models.ForeignKey(SavePlan, on_delete=models.CASCADE, related_name="actions")
    title = models.CharField(max_length=300)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.TODO)

    class Meta:
        ordering = ["due_on", "id"]


class BacktestRun(TenantModel):
    """A stored backtest report (and the weights it proposes), shown on the validation page."""

    scorecard = models.ForeignKey(Scorecard, on_delete=models.CASCADE, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    report = models.JSONField()

    class Meta:
        ordering = ["-created_at", "-id"]


from dashboards.saved_views import SavedView  # noqa: E402,F401
