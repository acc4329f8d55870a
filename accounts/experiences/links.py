"""Shared links of the experiences: purposes ``roadmap``, ``enablement`` and ``advocacy``,
issued through the kernel's ``retention.sharing`` (256-bit token, only its hash stored, expiry,
audit)."""

from __future__ import annotations

from datetime import timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from retention import sharing
from retention.models import SharedLink

ROADMAP, ENABLEMENT, ADVOCACY = "roadmap", "enablement", "advocacy"
PURPOSES = {ROADMAP: "Roadmap", ENABLEMENT: "Enablement path", ADVOCACY: "Advocacy story"}
DEFAULT_DAYS = 30


@transaction.atomic
def experience_link_create(*, organization, account, purpose: str, created_by, days: int = DEFAULT_DAYS) -> sharing.IssuedLink:
    if purpose not in PURPOSES:
        raise ValidationError({"purpose": "Unknown purpose."})
    if account.organization_id != organization.id:
        raise ValidationError({"account": "Choose one of your organization's accounts."})
    expires_at = timezone.now() + timedelta(days=days)
    label = f"{PURPOSES[purpose]} for {account.name}"
    return sharing.shared_link_create(organization=organization, account=account, purpose=purpose, created_by=created_by, expires_at=expires_at, label=label)


def active_links(*, organization, account, purpose: str) -> list[SharedLink]:
    now = timezone.now()
    return list(
        SharedLink.objects.filter(organization=organization, account=account, purpose=purpose, revoked_at__isnull=True, expires_at__gt=now).order_by(
            "-created_at"
        )
    )
