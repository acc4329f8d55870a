"""Renewal business cases: the CSM's editable draft, its immutable published snapshots, and the
PDF rendered once per snapshot.

A draft (``BusinessCase``) holds only what the CSM decides — section order, wording, which quotes
to use, the accent colour; the figures are read live while drafting. Publishing freezes figures
and text into ``CaseSnapshot.content`` (JSON), so what a champion downloads never changes; a later
publication is a new snapshot with the next version number.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone

from accounts.models import Account
from retention.models import TenantModel


class BusinessCase(TenantModel):
    """The working draft of an account's renewal business case (one per account)."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    title = models.CharField(max_length=200)
    # [{"key": str, "title": str, "body": str, "included": bool}] in display order. An empty body
    # means "use the text suggested from the data", so an untouched section follows the data.
    sections = models.JSONField(default=list)
    # Quotes chosen by the CSM, as "note:<id>", "survey:<id>" or "response:<id>".
    quote_keys = models.JSONField(default=list, blank=True)
    accent_color = models.CharField(max_length=7, default="#2d5bd7", help_text="The vendor colour used on the cover and headings (#rrggbb).")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "account"], name="businesscase_one_per_account")]

    def __str__(self) -> str:
        return self.title


class CaseSnapshot(TenantModel):
    """A published, immutable version of a business case: data and text frozen into ``content``."""

    case = models.ForeignKey(BusinessCase, on_delete=models.CASCADE, related_name="snapshots")
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+")
    version = models.PositiveIntegerField()
    title = models.CharField(max_length=200)
    content = models.JSONField()
    content_sha256 = models.CharField(max_length=64, help_text="SHA-256 of the canonical JSON of content, to prove it never changed.")
    published_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    published_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "account", "version"], name="casesnapshot_unique_version")]
        ordering = ["-version"]

    def __str__(self) -> str:
        return f"{self.title} (version {self.version})"


class CasePdf(TenantModel):
    """The PDF of one snapshot, rendered once (a snapshot never changes, so neither does its PDF)."""

    snapshot = models.ForeignKey(CaseSnapshot, on_delete=models.CASCADE, related_name="pdfs")
    data = models.BinaryField()
    sha256 = models.CharField(max_length=64)
    size = models.PositiveIntegerField()
    page_count = models.PositiveSmallIntegerField()
    render_seconds = models.FloatField()
    rendered_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "snapshot"], name="casepdf_one_per_snapshot")]
