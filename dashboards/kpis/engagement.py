"""Engagement and activation KPIs: DAU/MAU, WAU/MAU, DAU/WAU, activation cohort retention
(day 7 / day 30), feature adoption, activation-milestone completion, time to first value and
time to first repeat action.

A *user* is one person of one customer account (account + the user's external id); days are UTC
calendar days, as in the ``DailyActiveUser`` and ``DailyEventCount`` rollups.
"""

from __future__ import annotations

import datetime as dt
import statistics
from collections import defaultdict
from collections.abc import Collection, Hashable, Iterable, Mapping
from dataclasses import dataclass, field

from .registry import Unit, kpi
from .revenue import ratio

MONTH_WINDOW_DAYS = 30
WEEK_WINDOW_DAYS = 7
RETENTION_WINDOW_DAYS = 7  # day-N retention looks at days N … N+6 after the first active day


def window(as_of: dt.date, days: int) -> list[dt.date]:
    """The ``days`` calendar days ending with ``as_of`` (inclusive), oldest first."""
    return [as_of - dt.timedelta(days=n) for n in range(days - 1, -1, -1)]


# --- Stickiness --------------------------------------------------------------------------------


@dataclass(frozen=True)
class ActiveUserCounts:
    """Distinct active users around ``as_of``: per day, over the last 7 days and the last 30 days."""

    as_of: dt.date
    daily: Mapping[dt.date, int] = field(default_factory=dict)  # a missing day had no active user
    weekly_active: int = 0  # distinct users active in the 7 days ending as_of
    monthly_active: int = 0  # distinct users active in the 30 days ending as_of

    def average_daily(self, days: int) -> float:
        return sum(self.daily.get(day, 0) for day in window(self.as_of, days)) / days


def active_user_counts(activity: Iterable[tuple[Hashable, dt.date]], *, as_of: dt.date) -> ActiveUserCounts:
    """Count distinct users from ``(user, day)`` activity pairs (duplicates are harmless)."""
    month = set(window(as_of, MONTH_WINDOW_DAYS))
    week = set(window(as_of, WEEK_WINDOW_DAYS))
    per_day: dict[dt.date, set[Hashable]] = defaultdict(set)
    weekly: set[Hashable] = set()
    monthly: set[Hashable] = set()
    for user, day in activity:
        if day in month:
            per_day[day].add(user)
            monthly.add(user)
            if day in week:
                weekly.add(user)
    return ActiveUserCounts(as_of=as_of, daily={d: len(u) for d, u in per_day.items()}, weekly_active=len(weekly), monthly_active=len(monthly))


@kpi("dau_mau", name="Stickiness (DAU/MAU)", unit=Unit.RATIO, higher_is_better=True)
def dau_mau(counts: ActiveUserCounts) -> float | None:
    """Stickiness (DAU/MAU): the average number of users active per day over the last 30 days ÷ the number of distinct users active in those 30 days.

    100 % means every monthly user comes back every day; about 5 of 7 working days is near 70 %.
    Days without activity count as zero. Unit: percent. No active user in 30 days: no value.

    Inputs: ``ActiveUserCounts``.
    """
    return ratio(counts.average_daily(MONTH_WINDOW_DAYS), counts.monthly_active)


@kpi("wau_mau", name="WAU/MAU", unit=Unit.RATIO, higher_is_better=True)
def wau_mau(counts: ActiveUserCounts) -> float | None:
    """WAU/MAU: distinct users active in the last 7 days ÷ distinct users active in the last 30 days.

    Unit: percent. No active user in 30 days: no value.

    Inputs: ``ActiveUserCounts``.
    """
    return ratio(counts.weekly_active, counts.monthly_active)


@kpi("dau_wau", name="DAU/WAU", unit=Unit.RATIO, higher_is_better=True)
def dau_wau(counts: ActiveUserCounts) -> float | None:
    """DAU/WAU: the average number of users active per day over the last 7 days ÷ the number of distinct users active in those 7 days.

    Days without activity count as zero. Unit: percent. No active user in 7 days: no value.

    Inputs: ``ActiveUserCounts``.
    """
    return ratio(counts.average_daily(WEEK_WINDOW_DAYS), counts.weekly_active)


# --- Activation cohort retention ---------------------------------------------------------------


@dataclass(frozen=True)
class CohortRetention:
    """Of ``eligible`` users of the cohort, ``retained`` came back in days ``day`` … ``day + 6``."""

    day: int
    eligible: int = 0
    retained: int = 0

    @property
    def rate(self) -> float | None:
        return ratio(self.retained, self.eligible)


def cohort_retention(
    activity: Mapping[Hashable, Collection[dt.date]],
    *,
    day: int,
    as_of: dt.date,
    cohort_start: dt.date | None = None,
    cohort_end: dt.date | None = None,
) -> CohortRetention:
    """Day-``day`` retention of the users first active between ``cohort_start`` and ``cohort_end``.

    ``activity`` holds each user's active days over their *whole* history (the first active day
    is its minimum). A user is eligible once day ``day + 6`` after the first active day is on or
    before ``as_of``; retained when active on any day from ``day`` to ``day + 6``.
    """
    eligible = retained = 0
    for days in activity.values():
        if not days:
            continue
        first = min(days)
        if (cohort_start and first < cohort_start) or (cohort_end and first > cohort_end):
            continue
        window_start = first + dt.timedelta(days=day)
        window_end = window_start + dt.timedelta(days=RETENTION_WINDOW_DAYS - 1)
        if window_end > as_of:
            continue
        eligible += 1
        if any(window_start <= d <= window_end for d in days):
            retained += 1
    return CohortRetention(day=day, eligible=eligible, retained=retained)


def _retention_rate(retention: CohortRetention, day: int) -> float | None:
    if retention.day != day:
        raise ValueError(f"expected day-{day} retention, got day {retention.day}")
    return retention.rate


@kpi("retention_d7", name="Day-7 retention", unit=Unit.RATIO, higher_is_better=True)
def day_7_retention(retention: CohortRetention) -> float | None:
    """Day-7 retention: of the users first active during the cohort period, the share active again 7 to 13 days after their first active day.

    Only users whose day 13 has passed are counted, so new users do not pull the rate down.
    Unit: percent of the cohort. No such user: no value.

    Inputs: a ``CohortRetention`` with ``day=7``.
    """
    return _retention_rate(retention, 7)


@kpi("retention_d30", name="Day-30 retention", unit=Unit.RATIO, higher_is_better=True)
def day_30_retention(retention: CohortRetention) -> float | None:
    """Day-30 retention: of the users first active during the cohort period, the share active again 30 to 36 days after their first active day.

    Only users whose day 36 has passed are counted, so new users do not pull the rate down.
    Unit: percent of the cohort. No such user: no value.

    Inputs: a ``CohortRetention`` with ``day=30``.
    """
    return _retention_rate(retention, 30)


# --- Adoption and activation -------------------------------------------------------------------


@kpi("feature_adoption", name="Feature adoption", unit=Unit.RATIO, higher_is_better=True)
def feature_adoption_rate(*, active_accounts: int, adopting_accounts: int) -> float | None:
    """Feature adoption: accounts that used the feature at least once in the last 30 days ÷ accounts active at all in the last 30 days.

    Unit: percent of active accounts. No active account: no value.

    Inputs: the two account counts over the same window (an account using the feature is active,
    so ``adopting_accounts <= active_accounts``; see ``feature_users`` for the pure counting).
    """
    if adopting_accounts > active_accounts:
        raise ValueError("more adopting accounts than active accounts: the windows differ")
    return ratio(adopting_accounts, active_accounts)


def feature_users(activity: Iterable[tuple[Hashable, str, dt.date]], *, feature: str, as_of: dt.date) -> tuple[int, int]:
    """``(active_accounts, adopting_accounts)`` in the 30 days ending ``as_of`` from
    ``(account, event, day)`` rows."""
    days = set(window(as_of, MONTH_WINDOW_DAYS))
    active: set[Hashable] = set()
    adopting: set[Hashable] = set()
    for account, event, day in activity:
        if day in days:
            active.add(account)
            if event == feature:
                adopting.add(account)
    return len(active), len(adopting)


@kpi("activation_milestones", name="Activation milestones completed", unit=Unit.RATIO, higher_is_better=True)
def activation_milestone_completion(progress: Iterable[tuple[int, int]]) -> float | None:
    """Activation completed: accounts whose activation (onboarding) milestones are all done ÷ accounts that have activation milestones.

    Accounts without any activation milestone are left out rather than counted as done. Unit:
    percent of accounts. No account with activation milestones: no value.

    Inputs: per account, ``(milestones done, activation milestones)``.
    """
    progress = [(done, total) for done, total in progress if total > 0]
    return ratio(sum(1 for done, total in progress if done >= total), len(progress))


def _median(values: Iterable[int | float]) -> float | None:
    values = list(values)
    return float(statistics.median(values)) if values else None


def first_value_delays(*, started_on: Mapping[Hashable, dt.date], first_value_on: Mapping[Hashable, dt.date]) -> list[int]:
    """Days from each account's start to its first value event; value before the start (a trial)
    counts as day 0; accounts without a start date or without a value event are left out."""
    return [max(0, (first_value_on[a] - started_on[a]).days) for a in first_value_on if a in started_on]


@kpi("time_to_first_value", name="Time to first value", unit=Unit.DAYS, higher_is_better=False)
def time_to_first_value(delays: Iterable[int]) -> float | None:
    """Time to first value: the median number of days from an account's start date to the first day it performed a value event.

    Value events are the events the organization maps to business value. Accounts that have not
    reached value yet are left out (the page shows how many). Value reached before the start
    date (during a trial) counts as 0 days. Unit: days. No account has reached value: no value.

    Inputs: the per-account delays in days (see ``first_value_delays``).
    """
    return _median(delays)


def first_repeat_gaps(occurrences: Mapping[Hashable, Mapping[dt.date, int]]) -> list[int]:
    """Per account, days from the first day with the action to the next time it happened
    (0 when it happened twice on the first day); accounts that did it only once are left out."""
    gaps = []
    for per_day in occurrences.values():
        days = sorted(d for d, count in per_day.items() if count > 0)
        if not days:
            continue
        if per_day[days[0]] >= 2:
            gaps.append(0)
        elif len(days) >= 2:
            gaps.append((days[1] - days[0]).days)
    return gaps


@kpi("time_to_first_repeat", name="Time to first repeat action", unit=Unit.DAYS, higher_is_better=False)
def time_to_first_repeat_action(gaps: Iterable[int]) -> float | None:
    """Time to first repeat action: the median number of days between the first time an account performed the key action and the second time.

    Twice on the first day counts as 0 days. Accounts that performed it only once are left out.
    Unit: days. No account repeated the action: no value.

    Inputs: the per-account gaps in days (see ``first_repeat_gaps``).
    """
    return _median(gaps)
