"""Reads of the leader overview: health distribution by segment and its weekly trend, ARR by
band (at-risk ARR), renewals in the next 120 days by band, NRR/GRR/churn over time (from the
KPI library), accounts by the zone that needs attention first, open risk indicators by type.

Every figure is one aggregate query whatever the number of accounts; the definitions shown
beside the numbers are in ``DEFINITIONS`` and ``dashboards.kpis.KPI_DEFINITIONS``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from decimal import Decimal

from django.core.cache import cache
from django.db.models import Count, Max, Q, Subquery, Sum
from django.db.models.functions import TruncMonth

from accounts.models import ContractLine, Segment
from accounts.mrr import add_months, month_end, month_start
from accounts.selectors import active_lines_q
from retention.models import Organization

from . import kpis
from .kpi_selectors import revenue_cohorts
from .models import AccountScore, AccountZones, Band, RiskIndicator, RiskKind
from .zones import CHAIN, LABELS

TREND_WEEKS = 12
RENEWAL_HORIZON_DAYS = 120
RETENTION_MONTHS = 12
BANDS = (Band.RED, Band.YELLOW, Band.GREEN, Band.UNKNOWN)
AT_RISK_BANDS = (Band.RED, Band.YELLOW)

DEFINITIONS = {
    "distribution": "Accounts by the band of their newest daily health score (green ≥ 70, yellow 40–69, red below 40; "
    "“no data” when no measure had fresh data). Accounts never scored are counted apart.",
    "trend": f"Accounts by band on the newest scored day and on the same weekday of each of the {TREND_WEEKS - 1} weeks before.",
    "at_risk_arr": "At-risk ARR: 12 × the MRR of today's active contract lines of the accounts whose newest health band is red or yellow.",
    "total_arr": "ARR: 12 × the MRR of all contract lines active today.",
    "renewals": f"ARR of active contract lines with a renewal date in the next {RENEWAL_HORIZON_DAYS} days, by renewal month and the "
    "account's newest health band.",
    "retention": "Each point follows the accounts paying 12 months before the month's end (the fixed starting cohort) to that day.",
    "zones": "Accounts by the zone that needs attention first on their newest zone computation: the earliest zone in the chain "
    "that is not holding. “None” means every zone with evidence holds.",
    "risks": "Risk indicators open now, by type, and how many accounts have each.",
}


@dataclass(frozen=True)
class RetentionPoint:
    day: dt.date
    nrr: float | None
    grr: float | None
    customer_churn: float | None
    revenue_churn: float | None


@dataclass
class Overview:
    as_of: dt.date
    scored_day: dt.date | None
    segment: str
    distribution: dict[str, dict[str, int]]  # segment -> band -> accounts
    trend: dict[dt.date, dict[str, int]]  # day -> band -> accounts
    arr_by_band: dict[str, Decimal]  # band ("" = never scored) -> ARR
    renewals: dict[dt.date, dict[str, Decimal]]  # renewal month -> band -> ARR
    renewal_accounts: dict[str, int]  # band -> accounts renewing in the horizon
    retention: list[RetentionPoint]
    zones: list[tuple[str, str, int]]  # (key, label, accounts), chain order, then "holding"
    risks: list[tuple[str, str, int, int]]  # (kind, label, open indicators, accounts)

    @property
    def renewal_arr_by_band(self) -> dict[str, Decimal]:
        """ARR renewing in the horizon per band, all months together."""
        totals: dict[str, Decimal] = {}
        for bands in self.renewals.values():
            for band, arr in bands.items():
                totals[band] = totals.get(band, Decimal("0")) + arr
        return totals

    @property
    def total_arr(self) -> Decimal:
        return sum(self.arr_by_band.values(), Decimal("0"))

    @property
    def at_risk_arr(self) -> Decimal:
        return sum((self.arr_by_band.get(b, Decimal("0")) for b in AT_RISK_BANDS), Decimal("0"))

    @property
    def at_risk_share(self) -> float | None:
        return float(self.at_risk_arr / self.total_arr) if self.total_arr else None

    @property
    def accounts_scored(self) -> int:
        return sum(sum(bands.values()) for bands in self.distribution.values())

    @property
    def latest_retention(self) -> RetentionPoint | None:
        return self.retention[-1] if self.retention else None


def overview(*, organization: Organization, as_of: dt.date, segment: str = "") -> Overview:
    """Everything the leader overview shows, optionally for one segment (8 queries).

    "Current" health is the organization's newest scored day: the nightly run scores every
    customer each day (and drops accounts no longer customers), so that day's rows are the book.
    Money is joined to bands with ``account IN (accounts of the band)`` conditional sums, which
    PostgreSQL runs as hashed subplans, never a subquery per contract line.
    """
    scores = AccountScore.objects.filter(organization=organization)
    lines = ContractLine.objects.filter(active_lines_q(today=as_of), organization=organization)
    if segment:
        scores = scores.filter(account__segment=segment)
        lines = lines.filter(account__segment=segment)
    scored_day = AccountScore.objects.filter(organization=organization).aggregate(day=Max("day"))["day"]
    current = scores.filter(day=scored_day)

    distribution: dict[str, dict[str, int]] = {s.value: {} for s in Segment if not segment or s.value == segment}
    trend: dict[dt.date, dict[str, int]] = {}
    if scored_day is not None:
        for seg, band, n in current.values_list("account__segment", "band").annotate(n=Count("id")).order_by():
            distribution.setdefault(seg, {})[band] = n
        days = [scored_day - dt.timedelta(weeks=w) for w in range(TREND_WEEKS - 1, -1, -1)]
        trend = {day: {} for day in days}
        for day, band, n in scores.filter(day__in=days).values_list("day", "band").annotate(n=Count("id")).order_by():
            trend[day][band] = n

    def in_band(band: str) -> Q:
        return Q(account_id__in=current.filter(band=band).values("account_id"))

    band_sums = {band.value: Sum("mrr", filter=in_band(band.value)) for band in BANDS}
    totals = lines.aggregate(total=Sum("mrr"), **band_sums)
    arr_by_band = {band.value: Decimal(totals[band.value] or 0) * 12 for band in BANDS}
    arr_by_band[""] = Decimal(totals["total"] or 0) * 12 - sum(arr_by_band.values(), Decimal("0"))  # never scored

    horizon = as_of + dt.timedelta(days=RENEWAL_HORIZON_DAYS)
    renewing = lines.filter(renewal_date__gte=as_of, renewal_date__lte=horizon)
    renewals: dict[dt.date, dict[str, Decimal]] = {}
    month = month_start(as_of)
    while month <= horizon:
        renewals[month] = {}
        month = add_months(month, 1)
    per_band = {f"mrr_{band.value}": Sum("mrr", filter=in_band(band.value)) for band in BANDS}
    per_band |= {f"n_{band.value}": Count("account", distinct=True, filter=in_band(band.value)) for band in BANDS}
    renewal_accounts: dict[str, int] = {}
    for row in (
        renewing.annotate(month=TruncMonth("renewal_date"))
        .values("month")
        .annotate(total=Sum("mrr"), accounts=Count("account", distinct=True), **per_band)
        .order_by()
    ):
        month = row["month"].date() if isinstance(row["month"], dt.datetime) else row["month"]
        bucket = renewals.setdefault(month, {})
        scored_mrr = Decimal("0")
        for band in BANDS:
            mrr = Decimal(row[f"mrr_{band.value}"] or 0)
            scored_mrr += mrr
            if mrr:
                bucket[band.value] = mrr * 12
            if row[f"n_{band.value}"]:
                renewal_accounts[band.value] = renewal_accounts.get(band.value, 0) + row[f"n_{band.value}"]
        unscored = Decimal(row["total"] or 0) - scored_mrr
        if unscored:
            bucket[""] = unscored * 12
            renewal_accounts[""] = renewal_accounts.get("", 0) + max(0, row["accounts"] - sum(row[f"n_{b.value}"] for b in BANDS))

    retention = _retention_over_time(organization=organization, as_of=as_of) if not segment else []

    zone_counts: dict[str, int] = {}
    zones_qs = AccountZones.objects.filter(organization=organization)
    newest_zones_day = zones_qs.order_by("-day").values("day")[:1]  # evaluated once (uncorrelated)
    zones_qs = zones_qs.filter(day=Subquery(newest_zones_day))
    if segment:
        zones_qs = zones_qs.filter(account__segment=segment)
    for zone, n in zones_qs.values_list("attention_zone").annotate(n=Count("id")).values_list("attention_zone", "n").order_by():
        zone_counts[zone or "holding"] = n
    zones = [(key, LABELS[key], zone_counts.get(key, 0)) for key in CHAIN] + [("holding", "None: every zone holds", zone_counts.get("holding", 0))]

    open_risks = RiskIndicator.objects.filter(organization=organization, closed_on__isnull=True)
    if segment:
        open_risks = open_risks.filter(account__segment=segment)
    risk_counts = {
        kind: (n, accounts) for kind, n, accounts in open_risks.values_list("kind").annotate(n=Count("id"), accounts=Count("account", distinct=True)).order_by()
    }
    risks = [(kind.value, kind.label, *risk_counts.get(kind.value, (0, 0))) for kind in RiskKind]
    risks.sort(key=lambda r: -r[2])

    return Overview(
        as_of=as_of,
        scored_day=scored_day,
        segment=segment,
        distribution=distribution,
        trend=trend,
        arr_by_band={band: arr for band, arr in arr_by_band.items() if arr},
        renewals=renewals,
        renewal_accounts=renewal_accounts,
        retention=retention,
        zones=zones,
        risks=risks,
    )


def _retention_over_time(*, organization: Organization, as_of: dt.date) -> list[RetentionPoint]:
    """Trailing-12-month NRR, GRR and churn at each of the last month ends and today.

    The cohort query reads every contract line for 24 dates, so its result is cached for the
    day, keyed by the state of the organization's contract lines (their number and newest
    change): any new, edited or deleted line computes it afresh.
    """
    state = ContractLine.objects.filter(organization=organization).aggregate(n=Count("id"), changed=Max("updated_at"))
    changed = state["changed"].timestamp() if state["changed"] else 0
    key = f"portfolio:retention:v1:{organization.pk}:{as_of.isoformat()}:{state['n']}:{changed}"
    return cache.get_or_set(key, lambda: _compute_retention(organization=organization, as_of=as_of), timeout=24 * 3600)


def _compute_retention(*, organization: Organization, as_of: dt.date) -> list[RetentionPoint]:
    ends = [month_end(add_months(month_start(as_of), -n)) for n in range(RETENTION_MONTHS - 1, 0, -1)] + [as_of]
    periods = [(end - dt.timedelta(days=365), end) for end in ends]
    return [
        RetentionPoint(
            day=cohort.end,
            nrr=kpis.net_revenue_retention(cohort),
            grr=kpis.gross_revenue_retention(cohort),
            customer_churn=kpis.customer_churn_rate(cohort),
            revenue_churn=kpis.revenue_churn_rate(cohort),
        )
        for cohort in revenue_cohorts(organization=organization, periods=periods)
    ]


def segment_label(segment: str) -> str:
    return Segment(segment).label if segment in Segment.values else "All segments"


__all__ = ["DEFINITIONS", "Overview", "RetentionPoint", "overview", "segment_label"]
