"""Questionnaires (versioned definitions) and the responses customers give through shared links.

A questionnaire's content lives in ``QuestionnaireVersion.definition`` (JSON, validated by
``healthchecks.definitions``): dimensions with their recommendations, and question groups. A
published version is never changed; editing starts a new draft version. A response records the
version it answered and the scores computed at submission, so results never shift afterwards.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from retention.models import SharedLink, TenantModel


class Kind(models.TextChoices):
    ADOPTION = "adoption", "Adoption health check"
    RETENTION = "retention", "Retention-architecture assessment"


class Questionnaire(TenantModel):
    name = models.CharField(max_length=120)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    # The built-in questionnaire of its kind; copies made by admins are not defaults.
    is_default = models.BooleanField(default=False)
    copied_from = models.ForeignKey("self", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="questionnaire_unique_name"),
            models.UniqueConstraint(fields=["organization", "kind"], condition=Q(is_default=True), name="questionnaire_one_default_per_kind"),
        ]

    def __str__(self) -> str:
        return self.name


class QuestionnaireVersion(TenantModel):
    class Status(models.TextChoices):
        DRAFT = "draft", "Draft"
        PUBLISHED = "published", "Published"

    questionnaire = models.ForeignKey(Questionnaire, on_delete=models.CASCADE, related_name="versions")
    number = models.PositiveIntegerField()
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.DRAFT)
    definition = models.JSONField()
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    published_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["questionnaire_id", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "questionnaire", "number"], name="questionnaireversion_unique_number"),
            models.UniqueConstraint(fields=["organization", "questionnaire"], condition=Q(status="draft"), name="questionnaireversion_one_draft"),
        ]

    def __str__(self) -> str:
        return f"{self.questionnaire} v{self.number}"


class Response(TenantModel):
    """One person's completed questionnaire for one account, with the scores computed on submit."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    version = models.ForeignKey(QuestionnaireVersion, on_delete=models.PROTECT, related_name="responses")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    shared_link = models.ForeignKey(SharedLink, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    respondent_name = models.CharField(max_length=120, blank=True)
    respondent_email = models.EmailField(blank=True)
    respondent_role = models.CharField(max_length=120, blank=True)
    answers = models.JSONField(default=dict)
    barrier_text = models.TextField(blank=True)
    dimension_scores = models.JSONField(default=dict, help_text="Dimension key → 0–100, only dimensions with at least one answer.")
    overall_score = models.FloatField(null=True, blank=True)
    submitted_at = models.DateTimeField(default=timezone.now)

    class Meta:
        indexes = [
            models.Index(fields=["organization", "account", "kind", "submitted_at"]),
            models.Index(fields=["organization", "kind", "submitted_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} response"

    @property
    def respondent_display(self) -> str:
        return self.respondent_name or self.respondent_email or "Anonymous"
