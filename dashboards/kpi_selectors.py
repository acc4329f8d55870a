"""Reads that load the inputs of the KPI library (``dashboards.kpis``) for one organization.

Set-based: every selector is a fixed number of queries whatever the number of accounts, with the
aggregation done in SQL; the formulas themselves stay in ``dashboards.kpis``. The SQL is plain
enough to run on PostgreSQL and on the embedded SQLite default; the one difference (adding days
to a date) goes through ``_plus_days``.

``kpi_overview`` gathers the headline KPIs, with their definitions, for the leader page.
"""

from __future__ import annotations

import datetime as dt
from collections import Counter, defaultdict
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Count, Exists, Min, OuterRef, Q, Sum

from accounts.models import Account, ContractLine, DailyActiveUser, DailyEventCount, SurveyAnswer
from accounts.mrr import MonthMovements, add_months, month_end, month_start
from accounts.plans.models import Milestone, MilestoneStatus, ValueDriver
from accounts.selectors import contract_line_rows
from retention.models import Organization

from . import kpis
from .kpis.engagement import MONTH_WINDOW_DAYS, RETENTION_WINDOW_DAYS, WEEK_WINDOW_DAYS, window

ZERO = Decimal("0")


def _money(value: Any) -> Decimal:
    """SQL sums come back as Decimal on PostgreSQL (already in cents: the column has 2 decimal
    places) and as int/float on SQLite."""
    if isinstance(value, Decimal):
        return value
    return Decimal(str(value or 0)).quantize(kpis.revenue.CENT)


def _plus_days(column: str) -> str:
    """SQL for ``column + %s days`` (the day count is the next query parameter)."""
    if connection.vendor == "postgresql":
        return f"({column} + %s)"
    return f"date({column}, '+' || %s || ' days')"


def _fetchall(sql: str, params: Sequence[Any]) -> list[tuple]:
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall()


def _iso(day: dt.date) -> str:
    # Dates go to raw SQL as ISO strings: SQLite compares its stored ISO text, PostgreSQL casts.
    return day.isoformat()


# --- Revenue -----------------------------------------------------------------------------------


def mrr_on(*, organization: Organization, on: dt.date) -> Decimal:
    """Total MRR of the lines running on ``on`` (``kpis.monthly_recurring_revenue``, in SQL)."""
    total = (
        ContractLine.objects.filter(organization=organization, start_date__lte=on)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        .aggregate(total=Sum("mrr"))["total"]
    )
    return _money(total)


def mrr_by_account_on(*, organization: Organization, on: dt.date) -> dict[int, Decimal]:
    """MRR per paying account on ``on`` (account id → MRR above zero)."""
    rows = (
        ContractLine.objects.filter(organization=organization, start_date__lte=on)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=on))
        .values("account_id")
        .annotate(total=Sum("mrr"))
        .filter(total__gt=0)
        .values_list("account_id", "total")
    )
    return {account_id: _money(total) for account_id, total in rows}


def mrr_movements(*, organization: Organization, first_month: dt.date, last_month: dt.date) -> list[MonthMovements]:
    """MRR movements per month, from ``accounts.mrr`` over ``accounts.selectors.contract_line_rows``.

    New versus reactivation needs each account's whole history, so this loads every line once
    (one query) and classifies in Python. For the leader page's expansion figures use
    ``revenue_cohorts``, which needs no history and aggregates in SQL.
    """
    return kpis.mrr_movements(contract_line_rows(organization=organization), first_month=first_month, last_month=last_month)


def _per_account_mrr_sql(
    *, organization: Organization, days: Sequence[dt.date], ending_between: tuple[dt.date, dt.date] | None = None
) -> tuple[str, list[Any]]:
    """A subquery with each account's MRR running on each of ``days`` (columns ``d0``, ``d1`` …)
    over the lines that started by the last day, and its parameters.

    ``ending_between=(first, last)`` keeps only accounts with a line whose last day of service
    is in ``[first, last)``: the only way an account's MRR can drop between those days.
    """
    columns, params = [], []
    for index, day in enumerate(days):
        columns.append(f"SUM(CASE WHEN start_date <= %s AND (end_date IS NULL OR end_date >= %s) THEN mrr ELSE 0 END) AS d{index}")
        params += [_iso(day), _iso(day)]
    table = ContractLine._meta.db_table
    where = "organization_id = %s AND start_date <= %s"
    params += [organization.pk, _iso(max(days))]
    if ending_between is not None:
        where += f" AND account_id IN (SELECT account_id FROM {table} WHERE organization_id = %s AND end_date >= %s AND end_date < %s)"
        params += [organization.pk, _iso(ending_between[0]), _iso(ending_between[1])]
    return f"(SELECT account_id, {', '.join(columns)} FROM {table} WHERE {where} GROUP BY account_id) per_account", params


def revenue_cohorts(*, organization: Organization, periods: Sequence[tuple[dt.date, dt.date]]) -> list[kpis.RevenueCohort]:
    """A ``kpis.RevenueCohort`` for each ``(start, end)`` period, all in one query.

    The inner query computes each account's MRR on every distinct day; the outer one sums, per
    period, over the accounts paying on its start day (the fixed starting cohort).
    """
    if not periods:
        return []
    days = sorted({day for period in periods for day in period})
    column_of = {day: f"d{index}" for index, day in enumerate(days)}
    per_account, params = _per_account_mrr_sql(organization=organization, days=days)
    outer: list[str] = []
    for start, end in periods:
        s, e = column_of[start], column_of[end]
        in_cohort = f"{s} > 0"
        outer += [
            f"SUM(CASE WHEN {in_cohort} THEN 1 ELSE 0 END)",
            f"SUM(CASE WHEN {in_cohort} THEN {s} ELSE 0 END)",
            f"SUM(CASE WHEN {in_cohort} THEN {e} ELSE 0 END)",
            f"SUM(CASE WHEN {in_cohort} AND {e} < {s} THEN {e} WHEN {in_cohort} THEN {s} ELSE 0 END)",
            f"SUM(CASE WHEN {in_cohort} AND {e} <= 0 THEN 1 ELSE 0 END)",
            f"SUM(CASE WHEN {in_cohort} AND {e} > 0 AND {e} < {s} THEN 1 ELSE 0 END)",
            f"SUM(CASE WHEN {in_cohort} AND {e} > {s} THEN {e} - {s} ELSE 0 END)",
            f"SUM(CASE WHEN {in_cohort} AND {e} > 0 AND {e} < {s} THEN {s} - {e} ELSE 0 END)",
            f"SUM(CASE WHEN {in_cohort} AND {e} <= 0 THEN {s} ELSE 0 END)",
        ]
    row = _fetchall(f"SELECT {', '.join(outer)} FROM {per_account}", params)[0]
    cohorts = []
    for index, (start, end) in enumerate(periods):
        accounts, starting, ending, retained, churned, downgraded, expansion, contraction, churn = row[index * 9 : index * 9 + 9]
        cohorts.append(
            kpis.RevenueCohort(
                start=start,
                end=end,
                accounts=int(accounts or 0),
                starting_mrr=_money(starting),
                ending_mrr=_money(ending),
                retained_mrr=_money(retained),
                churned_accounts=int(churned or 0),
                downgraded_accounts=int(downgraded or 0),
                expansion=_money(expansion),
                contraction=_money(contraction),
                churn=_money(churn),
            )
        )
    return cohorts


def revenue_cohort(*, organization: Organization, start: dt.date, end: dt.date) -> kpis.RevenueCohort:
    """The accounts paying on ``start`` followed to ``end`` (for NRR, GRR, churn, downgrades)."""
    return revenue_cohorts(organization=organization, periods=[(start, end)])[0]


def monthly_cohorts(*, organization: Organization, months: Sequence[dt.date]) -> list[kpis.RevenueCohort]:
    """One-month cohorts (previous month end → month end) for each month, in one query."""
    periods = [(month_end(add_months(month_start(m), -1)), month_end(month_start(m))) for m in months]
    return revenue_cohorts(organization=organization, periods=periods)


def downgrade_outcomes(*, organization: Organization, last_month: dt.date, months: int = 24, within_months: int = 6) -> list[kpis.DowngradeOutcome]:
    """``kpis.DowngradeOutcome`` per account over the ``months`` months ending ``last_month``.

    The SQL returns the month-end series only of accounts whose MRR dropped (but not to zero)
    in some month, so the Python work grows with downgraded accounts, not with all accounts.
    """
    firsts = [add_months(month_start(last_month), -n) for n in range(months - 1, -1, -1)]
    ends = [month_end(m) for m in firsts]
    per_account, params = _per_account_mrr_sql(organization=organization, days=ends, ending_between=(ends[0], ends[-1]))
    dropped = " OR ".join(f"(d{i} > 0 AND d{i} < d{i - 1})" for i in range(1, len(ends)))
    rows = _fetchall(f"SELECT * FROM {per_account} WHERE {dropped}", params)
    series = {row[0]: {m: _money(v) for m, v in zip(firsts, row[1:], strict=True)} for row in rows}
    return kpis.downgrade_outcomes(series, within_months=within_months)


def renewal_outcomes(*, organization: Organization, start: dt.date, end: dt.date) -> list[kpis.RenewalOutcome]:
    """Renewals due from ``start`` to ``end`` (inclusive) and whether each happened.

    Due: a paying contract line has its renewal date in the window. Happened: some paying line of
    the account is running on that renewal date. Call with ``end`` no later than today.
    """
    covering = ContractLine.objects.filter(
        organization=organization, account_id=OuterRef("account_id"), mrr__gt=0, start_date__lte=OuterRef("renewal_date")
    ).filter(Q(end_date__isnull=True) | Q(end_date__gte=OuterRef("renewal_date")))
    rows = (
        ContractLine.objects.filter(organization=organization, mrr__gt=0, renewal_date__gte=start, renewal_date__lte=end)
        .values("account_id", "renewal_date")
        .distinct()
        .annotate(renewed=Exists(covering))
        .values_list("account_id", "renewal_date", "renewed")
    )
    return [kpis.RenewalOutcome(account_id, renewal_date, renewed) for account_id, renewal_date, renewed in rows]


# --- Sentiment ---------------------------------------------------------------------------------


def survey_score_counts(*, organization: Organization, kind: str, since: dt.datetime, until: dt.datetime, account_id: int | None = None) -> Counter[int]:
    """How many answers of ``kind`` ("nps" or "csat") gave each score in ``[since, until)``.

    Feed ``counts.elements()`` to ``kpis.net_promoter_score`` / ``kpis.customer_satisfaction``.
    """
    answers = SurveyAnswer.objects.filter(organization=organization, kind=kind, answered_at__gte=since, answered_at__lt=until)
    if account_id is not None:
        answers = answers.filter(account_id=account_id)
    return Counter(dict(answers.values("score").annotate(n=Count("id")).values_list("score", "n")))


# --- Engagement --------------------------------------------------------------------------------


def active_user_counts(*, organization: Organization, as_of: dt.date, account_id: int | None = None) -> kpis.ActiveUserCounts:
    """``kpis.ActiveUserCounts`` for the 30 days ending ``as_of`` from the DailyActiveUser rollup (two queries)."""
    first_day = window(as_of, MONTH_WINDOW_DAYS)[0]
    rows = DailyActiveUser.objects.filter(organization=organization, day__gte=first_day, day__lte=as_of)
    if account_id is not None:
        rows = rows.filter(account_id=account_id)
    # The rollup holds one row per (account, day, user), so counting rows per day counts users.
    daily = dict(rows.values("day").annotate(n=Count("id")).values_list("day", "n"))
    table = DailyActiveUser._meta.db_table
    account_filter = "AND account_id = %s" if account_id is not None else ""
    sql = (
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN last_day >= %s THEN 1 ELSE 0 END), 0) FROM ("
        f"SELECT account_id, user_external_id, MAX(day) AS last_day FROM {table} "
        f"WHERE organization_id = %s AND day >= %s AND day <= %s {account_filter} "
        "GROUP BY account_id, user_external_id) users"
    )
    params: list[Any] = [_iso(window(as_of, WEEK_WINDOW_DAYS)[0]), organization.pk, _iso(first_day), _iso(as_of)]
    if account_id is not None:
        params.append(account_id)
    monthly, weekly = _fetchall(sql, params)[0]
    return kpis.ActiveUserCounts(as_of=as_of, daily=daily, weekly_active=int(weekly), monthly_active=int(monthly))


def cohort_retentions(
    *, organization: Organization, days: Sequence[int], as_of: dt.date, cohort_start: dt.date, cohort_end: dt.date
) -> dict[int, kpis.CohortRetention]:
    """``kpis.CohortRetention`` for each of ``days`` (e.g. 7 and 30), all in one query.

    Users first active (over their whole history) in ``[cohort_start, cohort_end]``; for day N a
    user is eligible once day N + 6 has passed by ``as_of``, and retained when active on a day
    from N to N + 6 after the first. The first active days come from one grouped pass over the
    rollup; the return visits are index lookups for the cohort's users only.
    """
    last_eligible = {day: min(cohort_end, as_of - dt.timedelta(days=day + RETENTION_WINDOW_DAYS - 1)) for day in days}
    measurable = [day for day in days if last_eligible[day] >= cohort_start]
    result = {day: kpis.CohortRetention(day=day) for day in days}
    if not measurable:
        return result
    table = DailyActiveUser._meta.db_table
    columns: list[str] = []
    params: list[Any] = []
    for day in measurable:
        eligible = "f.first_day <= %s"
        returned = (
            f"EXISTS (SELECT 1 FROM {table} later WHERE later.organization_id = f.organization_id AND later.account_id = f.account_id"
            f" AND later.day >= {_plus_days('f.first_day')} AND later.day <= {_plus_days('f.first_day')} AND later.user_external_id = f.user_external_id)"
        )
        # CASE evaluates lazily: the EXISTS lookup runs only for eligible users.
        columns += [f"COALESCE(SUM(CASE WHEN {eligible} THEN 1 ELSE 0 END), 0)", f"COALESCE(SUM(CASE WHEN {eligible} AND {returned} THEN 1 ELSE 0 END), 0)"]
        params += [_iso(last_eligible[day]), _iso(last_eligible[day]), day, day + RETENTION_WINDOW_DAYS - 1]
    sql = (
        f"SELECT {', '.join(columns)} FROM ("
        f"SELECT organization_id, account_id, user_external_id, MIN(day) AS first_day FROM {table}"
        " WHERE organization_id = %s AND day <= %s GROUP BY organization_id, account_id, user_external_id"
        " HAVING MIN(day) >= %s AND MIN(day) <= %s) f"
    )
    params += [organization.pk, _iso(as_of), _iso(cohort_start), _iso(max(last_eligible[day] for day in measurable))]
    row = _fetchall(sql, params)[0]
    for index, day in enumerate(measurable):
        result[day] = kpis.CohortRetention(day=day, eligible=int(row[2 * index]), retained=int(row[2 * index + 1]))
    return result


def cohort_retention(*, organization: Organization, day: int, as_of: dt.date, cohort_start: dt.date, cohort_end: dt.date) -> kpis.CohortRetention:
    """Day-``day`` retention of one cohort (see ``cohort_retentions``)."""
    return cohort_retentions(organization=organization, days=[day], as_of=as_of, cohort_start=cohort_start, cohort_end=cohort_end)[day]


def feature_adoption(*, organization: Organization, as_of: dt.date, events: Collection[str] | None = None) -> dict[str, float | None]:
    """``kpis.feature_adoption_rate`` for each event (or only ``events``) over the 30 days ending ``as_of`` (two queries)."""
    rows = DailyEventCount.objects.filter(organization=organization, day__gte=window(as_of, MONTH_WINDOW_DAYS)[0], day__lte=as_of, count__gt=0)
    active = rows.aggregate(n=Count("account_id", distinct=True))["n"]
    by_event = rows.filter(event__in=list(events)) if events is not None else rows
    adopting = dict(by_event.values("event").annotate(n=Count("account_id", distinct=True)).values_list("event", "n"))
    names = sorted(events) if events is not None else sorted(adopting)
    return {name: kpis.feature_adoption_rate(active_accounts=active, adopting_accounts=adopting.get(name, 0)) for name in names}


def first_value_delays(*, organization: Organization, value_events: Collection[str]) -> tuple[list[int], int]:
    """``(delays, accounts_without_value)``: days from each account's start date to its first
    value event (input of ``kpis.time_to_first_value``), and how many started accounts have none yet."""
    if not value_events:
        return [], 0  # no value driver defined: nothing counts as value yet
    first_value = (
        DailyEventCount.objects.filter(organization=organization, account_id=OuterRef("pk"), event__in=list(value_events), count__gt=0)
        .values("account_id")
        .annotate(first=Min("day"))
        .values("first")
    )
    rows = (
        Account.objects.filter(organization=organization, start_date__isnull=False)
        .annotate(first_value=first_value[:1])
        .values_list("pk", "start_date", "first_value")
    )
    started, reached = {}, {}
    for pk, start_date, first in rows:
        started[pk] = start_date
        if first is not None:
            reached[pk] = first
    return kpis.first_value_delays(started_on=started, first_value_on=reached), len(started) - len(reached)


def first_repeat_gaps(*, organization: Organization, events: Collection[str]) -> list[int]:
    """Per account, days between the first and second time it did one of ``events`` (input of
    ``kpis.time_to_first_repeat_action``). SQL keeps at most the first two active days per account."""
    events = list(events)
    if not events:
        return []
    table = DailyEventCount._meta.db_table
    placeholders = ", ".join(["%s"] * len(events))
    sql = (
        "SELECT account_id, day, total FROM ("
        "  SELECT account_id, day, SUM(count) AS total, ROW_NUMBER() OVER (PARTITION BY account_id ORDER BY day) AS position"
        f"  FROM {table} WHERE organization_id = %s AND event IN ({placeholders}) AND count > 0 GROUP BY account_id, day"
        ") ranked WHERE position <= 2"
    )
    occurrences: dict[int, dict[dt.date, int]] = defaultdict(dict)
    for account_id, day, total in _fetchall(sql, [organization.pk, *events]):
        occurrences[account_id][day if isinstance(day, dt.date) else dt.date.fromisoformat(day)] = int(total)
    return kpis.first_repeat_gaps(occurrences)


def value_event_names(*, organization: Organization) -> list[str]:
    """The events the organization's active value drivers turn into business value."""
    drivers = ValueDriver.objects.filter(organization=organization, is_active=True, basis=ValueDriver.Basis.EVENT)
    return sorted(set(drivers.values_list("event_name", flat=True)))


def activation_milestone_progress(*, organization: Organization) -> list[tuple[int, int]]:
    """``(done, total)`` onboarding milestones per account that has any (input of
    ``kpis.activation_milestone_completion``), counted in SQL."""
    rows = (
        Milestone.objects.filter(organization=organization, is_onboarding=True)
        .values("plan__account_id")
        .annotate(total=Count("id"), done=Count("id", filter=Q(status=MilestoneStatus.DONE)))
        .values_list("done", "total")
    )
    return list(rows)


# --- The leader page's headline ----------------------------------------------------------------


@dataclass(frozen=True)
class KpiValue:
    """One headline figure: its value, display string, the period it covers and its definition."""

    key: str
    value: Any
    period: str  # in words, e.g. "trailing 12 months" — shown under the number
    definition: kpis.KpiDefinition

    @property
    def name(self) -> str:
        return self.definition.name

    @property
    def display(self) -> str:
        return kpis.format_kpi(self.key, self.value)

    @property
    def help_text(self) -> str:
        """The definition to show beside the number (tooltip or help text)."""
        return self.definition.definition


def _since(as_of: dt.date, days: int) -> tuple[dt.datetime, dt.datetime]:
    """``[as_of - days + 1, as_of]`` as an aware datetime half-open interval (UTC)."""
    until = dt.datetime.combine(as_of + dt.timedelta(days=1), dt.time.min, tzinfo=dt.UTC)
    return until - dt.timedelta(days=days), until


Figure = tuple[str, Any, str]  # (KPI key, value, period in words)


def _revenue_figures(*, organization: Organization, as_of: dt.date) -> list[Figure]:
    """Revenue headline: 3 queries (one for every revenue cohort, downgrades, renewals)."""
    year_ago = as_of - dt.timedelta(days=365)
    last_complete = add_months(month_start(as_of), -1)
    expansion_months = [add_months(last_complete, -n) for n in range(5, -1, -1)]
    month_periods = [(month_end(add_months(m, -1)), month_end(m)) for m in expansion_months]
    # One query for every revenue cohort: today's paying accounts (MRR, ARPA), the year, the months.
    today, year, *month_cohorts = revenue_cohorts(organization=organization, periods=[(as_of, as_of), (year_ago, as_of), *month_periods])
    mrr_today = today.starting_mrr
    churn = kpis.customer_churn_rate(year)
    lifespan = kpis.average_customer_lifespan(churn_rate=churn, period_months=12)
    arpa = kpis.average_revenue_per_account(total_mrr=today.starting_mrr, paying_accounts=today.accounts)
    expansion_recent = kpis.expansion_revenue(month_cohorts[3:])
    expansion_before = kpis.expansion_revenue(month_cohorts[:3])
    downgrades = downgrade_outcomes(organization=organization, last_month=month_start(as_of))
    renewals = renewal_outcomes(organization=organization, start=year_ago + dt.timedelta(days=1), end=as_of)
    on_day, trailing_year, last_quarter = f"on {as_of:%d %b %Y}", "trailing 12 months", "last 3 complete months"
    return [
        ("mrr", mrr_today, on_day),
        ("arr", kpis.annual_recurring_revenue(mrr=mrr_today), on_day),
        ("nrr", kpis.net_revenue_retention(year), trailing_year),
        ("grr", kpis.gross_revenue_retention(year), trailing_year),
        ("revenue_churn_rate", kpis.revenue_churn_rate(year), trailing_year),
        ("customer_churn_rate", churn, trailing_year),
        ("downgrade_rate", kpis.downgrade_rate(year), trailing_year),
        ("downgrade_to_churn", kpis.downgrade_to_churn_conversion(downgrades), "downgrades of the last 24 months, churn within 6 months"),
        ("renewal_rate", kpis.renewal_rate(renewals), trailing_year),
        ("expansion_revenue", expansion_recent, last_quarter),
        ("expansion_revenue_growth", kpis.expansion_revenue_growth(current=expansion_recent, previous=expansion_before), f"{last_quarter} vs the 3 before"),
        ("customer_lifespan", lifespan, f"from {trailing_year} churn"),
        ("ltv", kpis.customer_lifetime_value(arpa=arpa, lifespan_months=lifespan), f"from {trailing_year} churn"),
    ]


def _sentiment_and_activation_figures(*, organization: Organization, as_of: dt.date) -> list[Figure]:
    """NPS, CSAT and activation milestones: 3 small queries."""
    since, until = _since(as_of, 90)
    nps_counts = survey_score_counts(organization=organization, kind="nps", since=since, until=until)
    csat_counts = survey_score_counts(organization=organization, kind="csat", since=since, until=until)
    milestones = activation_milestone_progress(organization=organization)
    return [
        ("nps", kpis.net_promoter_score(nps_counts.elements()), "last 90 days"),
        ("csat", kpis.customer_satisfaction(csat_counts.elements()), "last 90 days"),
        ("activation_milestones", kpis.activation_milestone_completion(milestones), "accounts with onboarding milestones"),
    ]


def _usage_figures(*, organization: Organization, as_of: dt.date) -> list[Figure]:
    """Stickiness, activation cohort retention, time to first value and to first repeat action:
    6 queries (4 without value drivers) over the usage rollups."""
    activity = active_user_counts(organization=organization, as_of=as_of)
    retention = cohort_retentions(organization=organization, days=[7, 30], as_of=as_of, cohort_start=as_of - dt.timedelta(days=179), cohort_end=as_of)
    value_events = value_event_names(organization=organization)
    delays, _ = first_value_delays(organization=organization, value_events=value_events)
    repeat_gaps = first_repeat_gaps(organization=organization, events=value_events)
    cohort = "users first active in the last 180 days"
    return [
        ("dau_mau", kpis.dau_mau(activity), "last 30 days"),
        ("wau_mau", kpis.wau_mau(activity), "last 30 days"),
        ("dau_wau", kpis.dau_wau(activity), "last 7 days"),
        ("retention_d7", kpis.day_7_retention(retention[7]), cohort),
        ("retention_d30", kpis.day_30_retention(retention[30]), cohort),
        ("time_to_first_value", kpis.time_to_first_value(delays), "value events of the value drivers"),
        ("time_to_first_repeat", kpis.time_to_first_repeat_action(repeat_gaps), "value events of the value drivers"),
    ]


def _values(figures: list[Figure]) -> list[KpiValue]:
    return [KpiValue(key=key, value=value, period=period, definition=kpis.KPI_DEFINITIONS[key]) for key, value, period in figures]


def kpi_overview(*, organization: Organization, as_of: dt.date, include_usage: bool = False) -> list[KpiValue]:
    """The headline KPIs of the organization on ``as_of`` with their definitions, in display order.

    Periods: revenue retention, churn, downgrades, renewals, lifespan and LTV over the trailing
    12 months (cohort = accounts paying one year before ``as_of``); expansion revenue over the
    last 3 complete months against the 3 before; NPS and CSAT over the last 90 days; activation
    milestones as they stand. 6 queries whatever the size of the organization, each reading
    contract lines, survey answers or milestones only.

    ``include_usage`` adds the usage KPIs (``usage_overview``). They read the usage rollups, whose
    size grows with every day of history, so a page should load them separately (an htmx panel)
    or from a nightly snapshot rather than in the page's own request.
    """
    figures = _revenue_figures(organization=organization, as_of=as_of) + _sentiment_and_activation_figures(organization=organization, as_of=as_of)
    if include_usage:
        figures += _usage_figures(organization=organization, as_of=as_of)
    return _values(figures)


def usage_overview(*, organization: Organization, as_of: dt.date) -> list[KpiValue]:
    """The usage KPIs of the organization on ``as_of``: DAU/MAU, WAU/MAU, DAU/WAU (last 30 / 7
    days), day-7 and day-30 retention of users first active in the last 180 days, time to first
    value and to first repeat action (value-driver events). 6 queries over the usage rollups."""
    return _values(_usage_figures(organization=organization, as_of=as_of))
