"""KPI progress that means something: progress towards the target measured against the time
elapsed, and KPI values at any date from manual measurements or the usage rollups.

The rule (the same words appear as tooltips on the plan page):

- **progress** = (current − baseline) ÷ (target − baseline). 0 at the baseline, 1 at the target;
  it works for "lower is better" KPIs (target below baseline) too, and can be negative.
- **expected** = (as_of − start) ÷ (target_date − start), clamped to 0..1: the share of the
  time to the target date that has elapsed.
- **status**: *achieved* when progress ≥ 1; *on track* when progress ≥ expected − 10 points
  (``TOLERANCE``); *behind* otherwise; *no data* without a current value; *not started* before
  the start date.
- **outcome** (the KPI's contribution to the plan's outcome progress) = progress ÷ expected,
  clamped to 0..1 — 1 when achieved or when nothing was expected yet. The plan's outcome
  progress is the mean outcome of its measurable KPIs.

Usage-sourced KPI values at a date ``d`` over a trailing window of ``w`` days (days d−w+1 … d,
UTC) come from the rollups:

- ``event_count`` = Σ DailyEventCount.count of the event in the window;
- ``rate_per_active_user`` = that count ÷ distinct active users in the window (DailyActiveUser);
- ``seat_active_share`` = 100 × distinct active users in the window ÷ seats licensed on the
  contract lines running on ``d``.

A manual KPI's value at ``d`` is its latest measurement on or before ``d``.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import NamedTuple

from django.db.models import Q, Sum

from accounts.models import ContractLine, DailyActiveUser, DailyEventCount
from accounts.selectors import active_users_by_window
from retention.memo import RunMemo

from .models import Kpi, KpiSource, Measurement

TOLERANCE = 0.10


class Status:
    ACHIEVED = "achieved"
    ON_TRACK = "on_track"
    BEHIND = "behind"
    NO_DATA = "no_data"
    NOT_STARTED = "not_started"

    LABELS = {ACHIEVED: "Achieved", ON_TRACK: "On track", BEHIND: "Behind", NO_DATA: "No data", NOT_STARTED: "Not started"}
    BADGES = {ACHIEVED: "badge-green", ON_TRACK: "badge-blue", BEHIND: "badge-red", NO_DATA: "", NOT_STARTED: ""}


@dataclass(frozen=True)
class KpiProgress:
    current: float | None
    progress: float | None  # (current − baseline) ÷ (target − baseline)
    expected: float  # share of the time to the target date elapsed, 0..1
    status: str
    outcome: float | None  # progress relative to time elapsed, 0..1; None without a value

    @property
    def label(self) -> str:
        return Status.LABELS[self.status]

    @property
    def badge(self) -> str:
        return Status.BADGES[self.status]

    @property
    def progress_pct(self) -> float | None:
        return None if self.progress is None else self.progress * 100

    @property
    def bar_pct(self) -> float:
        """The progress bar's width: progress clamped to 0..100 %."""
        return 0.0 if self.progress is None else max(0.0, min(1.0, self.progress)) * 100


def as_date(value: dt.date | dt.datetime) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def time_elapsed_share(*, start: dt.date, target_date: dt.date, as_of: dt.date) -> float:
    """(as_of − start) ÷ (target_date − start), clamped to 0..1."""
    span = (target_date - start).days
    if span <= 0:
        return 1.0
    return max(0.0, min(1.0, (as_of - start).days / span))


def kpi_progress(
    *, baseline: float, target: float, current: float | None, start: dt.date, target_date: dt.date, as_of: dt.date, tolerance: float = TOLERANCE
) -> KpiProgress:
    """Progress of one KPI at ``as_of`` by the rule in this module's docstring."""
    expected = time_elapsed_share(start=start, target_date=target_date, as_of=as_of)
    if as_of < start:
        return KpiProgress(current=current, progress=None, expected=0.0, status=Status.NOT_STARTED, outcome=None)
    if current is None or target == baseline:
        return KpiProgress(current=current, progress=None, expected=expected, status=Status.NO_DATA, outcome=None)
    progress = (current - baseline) / (target - baseline)
    if progress >= 1:
        status, outcome = Status.ACHIEVED, 1.0
    else:
        status = Status.ON_TRACK if progress >= expected - tolerance else Status.BEHIND
        outcome = 1.0 if expected == 0 else max(0.0, min(1.0, progress / expected))
    return KpiProgress(current=current, progress=progress, expected=expected, status=status, outcome=outcome)


def mean_outcome(outcomes: Iterable[float | None]) -> float | None:
    """The plan's outcome progress: mean of its measurable KPIs' outcomes; None if none is."""
    values = [o for o in outcomes if o is not None]
    return sum(values) / len(values) if values else None


def usage_metric(*, source: str, event_count: float, active_users: int, seats: int) -> float | None:
    """One usage metric from its window's totals (see the module docstring)."""
    if source == KpiSource.EVENT_COUNT:
        return float(event_count)
    if source == KpiSource.RATE_PER_ACTIVE_USER:
        return event_count / active_users if active_users else None
    if source == KpiSource.SEAT_ACTIVE_SHARE:
        return 100.0 * active_users / seats if seats else None
    raise ValueError(f"{source} is not a usage source")


def seats_on(lines: Iterable[tuple[dt.date, dt.date | None, int]], day: dt.date) -> int:
    """Seats licensed on ``day``: the sum over lines (start, end, seats) running that day."""
    return sum(seats for start, end, seats in lines if start <= day and (end is None or end >= day))


# --- Values at a date, set-based -----------------------------------------------------------------


@dataclass(frozen=True)
class UsageQuery:
    account_id: int
    source: str
    event_name: str
    window_days: int


def usage_values_at(*, organization, queries: Sequence[UsageQuery], as_of: dt.date) -> dict[UsageQuery, float | None]:
    """Usage metrics for many (account, metric) pairs at ``as_of`` in at most five queries: event
    counts, active users (two, three when the past is replayed) and seats."""
    if not queries:
        return {}
    account_ids = {q.account_id for q in queries}
    windows = sorted({q.window_days for q in queries})
    oldest = as_of - dt.timedelta(days=max(windows) - 1)

    events = {q.event_name for q in queries if q.source in (KpiSource.EVENT_COUNT, KpiSource.RATE_PER_ACTIVE_USER)}
    counts: dict[tuple[int, str, int], float] = {}
    if events:
        annotations = {f"w{w}": Sum("count", filter=Q(day__gte=as_of - dt.timedelta(days=w - 1))) for w in windows}
        rows = (
            DailyEventCount.objects.filter(organization=organization, account_id__any=list(account_ids), event__in=events, day__gte=oldest, day__lte=as_of)
            .values("account_id", "event")
            .annotate(**annotations)
        )
        for row in rows:
            for w in windows:
                counts[(row["account_id"], row["event"], w)] = row[f"w{w}"] or 0

    users: dict[tuple[int, int], int] = {}
    if any(q.source in (KpiSource.RATE_PER_ACTIVE_USER, KpiSource.SEAT_ACTIVE_SHARE) for q in queries):
        users = active_users_by_window(organization=organization, as_of=as_of, windows=windows, account_ids=account_ids)

    seats: dict[int, int] = {}
    if any(q.source == KpiSource.SEAT_ACTIVE_SHARE for q in queries):
        rows = (
            ContractLine.objects.filter(organization=organization, account_id__any=list(account_ids), start_date__lte=as_of)
            .filter(Q(end_date__isnull=True) | Q(end_date__gte=as_of))
            .values("account_id")
            .annotate(seats=Sum("seats_licensed"))
        )
        seats = {row["account_id"]: row["seats"] or 0 for row in rows}

    return {
        q: usage_metric(
            source=q.source,
            event_count=counts.get((q.account_id, q.event_name, q.window_days), 0),
            active_users=users.get((q.account_id, q.window_days), 0),
            seats=seats.get(q.account_id, 0),
        )
        for q in queries
    }


def usage_query_for(kpi: Kpi, account_id: int) -> UsageQuery:
    return UsageQuery(account_id=account_id, source=kpi.source, event_name=kpi.event_name, window_days=kpi.window_days)


class KpiFigures(NamedTuple):
    """What progress needs of a KPI, read as plain values: the nightly run reads thousands of KPIs,
    and model instances cost more than the arithmetic. Stands in for ``Kpi`` wherever a
    function here takes KPIs."""

    id: int
    source: str
    event_name: str
    window_days: int
    baseline: float
    target: float
    start_date: dt.date
    target_date: dt.date
    account_id: int


def kpi_figures(kpis) -> list[KpiFigures]:
    """``KpiFigures`` of a ``Kpi`` queryset, with the account of each KPI's plan."""
    fields = [f for f in KpiFigures._fields if f != "account_id"]
    return [KpiFigures(*row) for row in kpis.values_list(*fields, "goal__plan__account_id")]


# KPI values at a date for every KPI of an organization, kept for the span of a nightly run:
# (organization id, as_of) -> {KPI id: value}.
_memo: RunMemo[dict[int, float | None]] = RunMemo()


def kpi_values_memo():
    """Within this block, KPI values are computed once per organization and day for every KPI of
    the organization, and any set of its KPIs is answered from that. The nightly pipeline asks
    for them from each chunk of accounts (outcome progress) and for the KPI-target checkpoints;
    the first caller computes, concurrent ones wait for its answer."""
    return _memo.active()


def kpi_values_at(*, organization, kpis: Sequence[Kpi], account_of: dict[int, int], as_of: dt.date) -> dict[int, float | None]:
    """The value of each KPI at ``as_of``. ``account_of`` maps KPI id → account id.

    One query for the manual KPIs' latest measurements, at most five for the usage KPIs; none
    inside ``kpi_values_memo`` once the organization's values at ``as_of`` are known.
    """
    if not _memo.is_active:
        return _kpi_values_query(organization=organization, kpis=kpis, account_of=account_of, as_of=as_of)

    def everything() -> dict[int, float | None]:
        every_kpi = kpi_figures(Kpi.objects.filter(organization=organization))
        return _kpi_values_query(organization=organization, kpis=every_kpi, account_of={k.id: k.account_id for k in every_kpi}, as_of=as_of)

    values = _memo.get((organization.pk, as_of), everything)
    unknown = [k for k in kpis if k.id not in values]  # created since: asked for directly
    if unknown:
        values = values | _kpi_values_query(organization=organization, kpis=unknown, account_of=account_of, as_of=as_of)
    return {k.id: values[k.id] for k in kpis}


def _kpi_values_query(*, organization, kpis: Sequence[Kpi], account_of: dict[int, int], as_of: dt.date) -> dict[int, float | None]:
    values: dict[int, float | None] = {k.id: None for k in kpis}
    manual_ids = [k.id for k in kpis if k.source == KpiSource.MANUAL]
    if manual_ids:
        rows = Measurement.objects.filter(organization=organization, kpi_id__in=manual_ids, measured_on__lte=as_of).order_by("kpi_id", "measured_on", "id")
        for kpi_id, value in rows.values_list("kpi_id", "value"):
            values[kpi_id] = value  # ordered by date: the last one wins
    usage = {k.id: usage_query_for(k, account_of[k.id]) for k in kpis if k.source != KpiSource.MANUAL}
    if usage:
        metrics = usage_values_at(organization=organization, queries=list(set(usage.values())), as_of=as_of)
        for kpi_id, query in usage.items():
            values[kpi_id] = metrics[query]
    return values


def progress_for_kpis(*, organization, kpis: Sequence[Kpi], account_of: dict[int, int], as_of: dt.date) -> dict[int, KpiProgress]:
    """Each KPI's progress at ``as_of`` (see the module docstring), set-based."""
    as_of = as_date(as_of)
    values = kpi_values_at(organization=organization, kpis=kpis, account_of=account_of, as_of=as_of)
    return {
        k.id: kpi_progress(baseline=k.baseline, target=k.target, current=values[k.id], start=k.start_date, target_date=k.target_date, as_of=as_of) for k in kpis
    }


# --- History for charts ---------------------------------------------------------------------------


def series_points(*, start: dt.date, end: dt.date, max_points: int = 26) -> list[dt.date]:
    """Evenly spaced dates from ``start`` to ``end`` (both included), at most ``max_points``, at
    least a week apart."""
    if end <= start:
        return [end]
    span = (end - start).days
    step = max(7, -(-span // (max_points - 1)))
    points = [start + dt.timedelta(days=i) for i in range(0, span, step)]
    return [*points, end]


def usage_series(*, organization, kpi: Kpi, account_id: int, end: dt.date) -> list[tuple[dt.date, float | None]]:
    """A usage KPI's value at evenly spaced dates from its start to ``end``, from the rollups.

    Reads the account's daily rows once (two or three queries) and computes each trailing window
    in Python, so a chart costs the same whatever the number of points.
    """
    points = series_points(start=kpi.start_date, end=end)
    oldest = kpi.start_date - dt.timedelta(days=kpi.window_days - 1)
    daily_counts: dict[dt.date, int] = defaultdict(int)
    daily_users: dict[dt.date, set[str]] = defaultdict(set)
    lines: list[tuple[dt.date, dt.date | None, int]] = []
    if kpi.source in (KpiSource.EVENT_COUNT, KpiSource.RATE_PER_ACTIVE_USER):
        rows = DailyEventCount.objects.filter(organization=organization, account_id=account_id, event=kpi.event_name, day__gte=oldest, day__lte=end)
        for day, count in rows.values_list("day", "count"):
            daily_counts[day] += count
    if kpi.source in (KpiSource.RATE_PER_ACTIVE_USER, KpiSource.SEAT_ACTIVE_SHARE):
        rows = DailyActiveUser.objects.filter(organization=organization, account_id=account_id, day__gte=oldest, day__lte=end)
        for day, user in rows.values_list("day", "user_external_id"):
            daily_users[day].add(user)
    if kpi.source == KpiSource.SEAT_ACTIVE_SHARE:
        lines = list(ContractLine.objects.filter(organization=organization, account_id=account_id).values_list("start_date", "end_date", "seats_licensed"))

    series = []
    for point in points:
        window = [point - dt.timedelta(days=i) for i in range(kpi.window_days)]
        count = sum(daily_counts.get(day, 0) for day in window)
        active = len(set().union(*(daily_users.get(day, set()) for day in window)))
        series.append((point, usage_metric(source=kpi.source, event_count=count, active_users=active, seats=seats_on(lines, point))))
    return series
