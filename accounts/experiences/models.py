"""Data of the retention experiences: roadmap priorities, the vendor's capability mapping for
expansion, learning items and per-contact progress, advocacy status and story drafts.

Recommendations and opportunities themselves are computed on read (``recommend.py``,
``expansion.py``) from zones, KPIs and usage; only what a person decides or writes is stored.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from retention.models import TenantModel

__all__ = [
    "RoadmapPhase",
    "RoadmapItem",
    "CapabilityMapping",
    "LearningRole",
    "LearningItem",
    "LearningProgress",
    "AdvocacyStatus",
    "StoryDraft",
]


class RoadmapPhase(models.TextChoices):
    DAY_30 = "day_30", "Next 30 days"
    DAY_60 = "day_60", "Days 31–60"
    DAY_90 = "day_90", "Days 61–90"


class RoadmapItem(TenantModel):
    """One priority on an account's 30-60-90 roadmap, raised by a rule or written by the CSM.

    The customer answers each item through the roadmap's shared link (agreed / not now); adding
    the roadmap to the success plan turns each item into a milestone (``milestone``).
    """

    class Decision(models.TextChoices):
        PENDING = "pending", "Awaiting the customer"
        AGREED = "agreed", "Agreed"
        NOT_NOW = "not_now", "Not now"

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="roadmap_items")
    phase = models.CharField(max_length=10, choices=RoadmapPhase.choices, default=RoadmapPhase.DAY_30)
    title = models.CharField(max_length=200)
    why = models.TextField(blank=True, help_text="The evidence behind the priority, shown to the customer.")
    rule = models.CharField(max_length=40, blank=True, help_text="The recommendation rule that raised it; empty when written by the CSM.")
    position = models.PositiveIntegerField(default=0)
    decision = models.CharField(max_length=10, choices=Decision.choices, default=Decision.PENDING)
    customer_note = models.CharField(max_length=500, blank=True)
    decided_at = models.DateTimeField(null=True, blank=True)
    milestone = models.ForeignKey("accounts.Milestone", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["phase", "position", "id"]
        constraints = [
            # A rule raises at most one item per account, so regenerating never duplicates.
            models.UniqueConstraint(fields=["organization", "account", "rule"], condition=~Q(rule=""), name="roadmapitem_once_per_rule"),
        ]
        indexes = [models.Index(fields=["organization", "account", "phase"])]

    def __str__(self) -> str:
        return self.title


class CapabilityMapping(TenantModel):
    """The vendor's map from usage to what could come next.

    ``addon``: heavy use of ``event_name`` (at least ``threshold`` events in 28 days) suggests the
    add-on or advanced tier ``product``, worth ``estimated_mrr`` a month, when the account does not
    have it. ``integration``: ``event_name`` shows the integration ``name`` is in use; an account
    without it in 90 days has an unused integration.
    """

    class Kind(models.TextChoices):
        ADDON = "addon", "Add-on or advanced tier"
        INTEGRATION = "integration", "Integration"

    kind = models.CharField(max_length=12, choices=Kind.choices, default=Kind.ADDON)
    name = models.CharField(max_length=120, help_text="What the customer would call it, e.g. “Advanced reporting”.")
    event_name = models.CharField(max_length=100)
    product = models.CharField(max_length=100, blank=True, help_text="Contract line product name of the add-on (add-ons only).")
    threshold = models.PositiveIntegerField(default=100, help_text="Events in 28 days that count as heavy use (add-ons only).")
    estimated_mrr = models.DecimalField(max_digits=12, decimal_places=2, default=0, help_text="Monthly value of the add-on or integration package.")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["kind", "name"]
        constraints = [models.UniqueConstraint(fields=["organization", "kind", "event_name"], name="capabilitymapping_unique_event")]

    def __str__(self) -> str:
        return self.name


class LearningRole(models.TextChoices):
    ADMIN = "admin", "Admin"
    MANAGER = "manager", "Manager"
    END_USER = "end_user", "End user"


class LearningItem(TenantModel):
    """A learning step defined by the vendor, chosen for a path by what it addresses: a weak
    health-check ``dimension``, low adoption of ``feature_event``, or a lifecycle ``stage``."""

    title = models.CharField(max_length=200)
    url = models.URLField(max_length=500)
    duration_minutes = models.PositiveIntegerField(default=15)
    role = models.CharField(max_length=10, choices=LearningRole.choices, default=LearningRole.END_USER)
    prerequisite = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    dimension = models.CharField(max_length=60, blank=True, help_text="Health-check dimension key it strengthens, e.g. training_completion.")
    feature_event = models.CharField(max_length=100, blank=True, help_text="Usage event of the feature it teaches.")
    stage = models.CharField(max_length=20, blank=True, help_text="Lifecycle stage it suits; empty for any.")
    is_active = models.BooleanField(default=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["role", "position", "id"]
        indexes = [models.Index(fields=["organization", "role"])]

    def __str__(self) -> str:
        return self.title


class LearningProgress(TenantModel):
    """One contact's progress on one learning item."""

    class Status(models.TextChoices):
        STARTED = "started", "Started"
        COMPLETED = "completed", "Completed"

    contact = models.ForeignKey("accounts.Contact", on_delete=models.CASCADE, related_name="learning_progress")
    item = models.ForeignKey(LearningItem, on_delete=models.CASCADE, related_name="progress")
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.STARTED)
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "contact", "item"], name="learningprogress_unique")]


class AdvocacyStatus(TenantModel):
    """An account's standing as an advocate: a reference, a case study or a testimonial given.
    Read by the Recognition zone through ``selectors.advocacy_status_for_accounts``."""

    class Kind(models.TextChoices):
        REFERENCE = "reference", "Reference"
        CASE_STUDY = "case_study", "Case study"
        TESTIMONIAL = "testimonial", "Testimonial"

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="advocacy")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    since = models.DateField(default=timezone.localdate)
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "account", "kind"], name="advocacystatus_unique")]


class StoryDraft(TenantModel):
    """A draft the advocacy story builder wrote from recorded outcomes, then edited by the CSM."""

    class Kind(models.TextChoices):
        TESTIMONIAL = "testimonial", "Testimonial"
        CASE_STUDY = "case_study", "Case-study outline"
        REFERRAL = "referral", "Referral note"
        WIN_SUMMARY = "win_summary", "Internal win summary"

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="story_drafts")
    kind = models.CharField(max_length=12, choices=Kind.choices)
    body = models.TextField()
    shareable = models.BooleanField(default=False, help_text="Shown on the advocacy shared link.")
    updated_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    updated_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "account", "kind"], name="storydraft_unique")]
