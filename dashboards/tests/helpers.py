"""Small builders for scoring tests: rollup rows written directly, records on given days."""

from __future__ import annotations

import datetime as dt

from accounts.models import DailyActiveUser, DailyEventCount
from dashboards.facts import day_start

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
