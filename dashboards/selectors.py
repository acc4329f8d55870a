"""Reads of scores, zones, risks and save plans for pages and the API (always by organization)."""

from __future__ import annotations

import datetime as dt

from django.db.models import Max, QuerySet
from django.shortcuts import get_object_or_404
from django.utils import timezone

from accounts.models import Account
from retention.models import Organization

from .models import AccountScore, AccountZones, BandOverride, RiskIndicator, SavePlan


def latest_scored_day(*, organization: Organization) -> dt.date | None:
    return AccountScore.objects.filter(organization=organization).aggregate(m=Max("day"))["m"]


def current_scores(*, organization: Organization) -> QuerySet[AccountScore]:
    """The scores of the newest scored day (one per account)."""
    day = latest_scored_day(organization=organization)
    return AccountScore.objects.filter(organization=organization, day=day).select_related("account")


def current_zones(*, organization: Organization) -> QuerySet[AccountZones]:
    day = AccountZones.objects.filter(organization=organization).aggregate(m=Max("day"))["m"]
    return AccountZones.objects.filter(organization=organization, day=day).select_related("account")


def overrides_in_force(*, organization: Organization, account_ids, on: dt.date | None = None) -> dict[int, BandOverride]:
    """The newest band override in force per account (one query)."""
    on = on or timezone.now().date()
    result = {}
    rows = BandOverride.objects.filter(organization=organization, account_id__any=account_ids, revoked_at__isnull=True, expires_on__gte=on)
    for override in rows.select_related("created_by").order_by("account_id", "created_at", "id"):
        result[override.account_id] = override
    return result


def account_get(*, organization: Organization, account_id: int) -> Account:
    return get_object_or_404(Account, organization=organization, pk=account_id)


def account_score_history(*, organization: Organization, account_id: int, days: int = 180) -> list[AccountScore]:
    since = timezone.now().date() - dt.timedelta(days=days)
    return list(AccountScore.objects.filter(organization=organization, account_id=account_id, day__gte=since).order_by("day"))


def account_latest_score(*, organization: Organization, account_id: int) -> AccountScore | None:
    return AccountScore.objects.filter(organization=organization, account_id=account_id).select_related("scorecard").order_by("-day").first()


def account_latest_zones(*, organization: Organization, account_id: int) -> AccountZones | None:
    return AccountZones.objects.filter(organization=organization, account_id=account_id).order_by("-day").first()


def account_risks(*, organization: Organization, account_id: int) -> list[RiskIndicator]:
    return list(RiskIndicator.objects.filter(organization=organization, account_id=account_id).order_by("closed_on", "-opened_on"))


def account_save_plans(*, organization: Organization, account_id: int) -> list[SavePlan]:
    return list(SavePlan.objects.filter(organization=organization, account_id=account_id).prefetch_related("actions", "actions__owner").select_related("owner"))
