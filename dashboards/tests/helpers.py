"""Small builders for scoring tests: rollup rows written directly, records on given days."""

from __future__ import annotations

import datetime as dt

from accounts.ingest import last_active_rebuild
from accounts.models import DailyActiveUser, DailyEventCount
from dashboards.facts import day_start
from dashboards.models import AccountScore, AccountZones, RiskIndicator, SavePlan

D = dt.date(2026, 6, 30)  # the scored day in hand-computed cases


def at(day: dt.date, hour: int = 12) -> dt.datetime:
    return day_start(day) + dt.timedelta(hours=hour)


def days_before(n: int, day: dt.date = D) -> dt.date:
    return day - dt.timedelta(days=n)


def events(account, day: dt.date, event: str, count: int) -> None:
    """``count`` occurrences of ``event`` by the account on ``day`` (as the rollup holds them)."""
    DailyEventCount.objects.update_or_create(
        organization=account.organization, account=account, day=day, event=event, defaults={"count": count, "value_sum": 0}
    )


def active_users(account, day: dt.date, users: list[str]) -> None:
    DailyActiveUser.objects.bulk_create(
        [DailyActiveUser(organization=account.organization, account=account, day=day, user_external_id=u) for u in users], ignore_conflicts=True
    )
    last_active_rebuild(organization=account.organization)


def nightly_snapshot(organization) -> dict:
    """Everything a nightly run writes for one organization, without ids and timestamps."""

    def rows(model):
        return sorted(
            ({k: v for k, v in r.items() if k not in {"id", "computed_at"}} for r in model.objects.filter(organization=organization).values()),
            key=lambda r: (r["account_id"], str(r["day"])),
        )

    return {
        "scores": rows(AccountScore),
        "zones": rows(AccountZones),
        "risks": sorted(RiskIndicator.objects.filter(organization=organization).values_list("account_id", "kind", "opened_on", "closed_on", "evidence")),
        "plans": sorted(SavePlan.objects.filter(organization=organization).values_list("account_id", "status", "opened_on", "trigger")),
    }


def nightly_clear(organization) -> None:
    """Remove what nightly runs wrote for one organization."""
    for model in (SavePlan, RiskIndicator, AccountZones, AccountScore):
        model.objects.filter(organization=organization).delete()
