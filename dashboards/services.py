"""Writes of the dashboards app made by people: band overrides (scores are written by the pipeline)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from accounts.models import Account
from retention.models import Membership, User
from retention.services import audit_record

from .models import BandOverride

MAX_OVERRIDE_DAYS = 180


def _check_can_edit(*, membership: Membership, account: Account) -> None:
    """CSMs edit the accounts they own; admins and owners edit every account."""
    if not membership.can_manage and account.owner_id != membership.user_id:
        raise PermissionDenied("Only the account's CSM or an admin can override its band.")


def band_override_create(*, membership: Membership, account: Account, band: str, reason: str, expires_on: dt.date) -> BandOverride:
    _check_can_edit(membership=membership, account=account)
    today = timezone.now().date()
    if not today <= expires_on <= today + dt.timedelta(days=MAX_OVERRIDE_DAYS):
        raise ValidationError({"expires_on": [f"Choose a day from today to {MAX_OVERRIDE_DAYS} days ahead."]})
    if not reason.strip():
        raise ValidationError({"reason": ["Say why the computed band is wrong."]})
    override = BandOverride.objects.create(
        organization=account.organization, account=account, band=band, reason=reason.strip(), expires_on=expires_on, created_by=membership.user
    )
    audit_record(
        organization=account.organization,
        actor=membership.user,
        action="band_override.created",
        target=override,
        object_repr=f"{account.name}: {band} until {expires_on}",
        after={"band": band, "reason": override.reason, "expires_on": expires_on.isoformat()},
    )
    return override


def band_override_revoke(*, membership: Membership, override: BandOverride, by: User) -> BandOverride:
    _check_can_edit(membership=membership, account=override.account)
    if override.revoked_at is None:
        override.revoked_at = timezone.now()
        override.save(update_fields=["revoked_at"])
        audit_record(
            organization=override.organization,
            actor=by,
            action="band_override.revoked",
            target=override,
            object_repr=f"{override.account.name}: {override.band}",
        )
    return override
