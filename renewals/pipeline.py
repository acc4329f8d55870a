"""The renewal pipeline: accounts renewing in the next 180 days, and the forecast of renewing ARR.

Definitions (shown on the page):

- **In the pipeline**: an account whose next renewal (the earliest renewal date, today or later,
  of its contract lines active today) falls within the next ``WINDOW_DAYS`` days.
- **Band**: the band in force — a CSM's unexpired override, else the latest computed band.
- **First broken zone**: the earliest retention-architecture zone that is not holding, from the
  latest zone computation.
- **Expected renewing ARR** of a band = Σ ARR of its accounts × (1 − churn rate of the band).
- **Churn rate of a band**: from the latest backtest, the share of that band's scored
  observations whose account churned within the backtest's horizon (90 days). Where no backtest
  exists, or it saw no observation of the band, the documented fallback ``FALLBACK_CHURN_RATES``
  applies (and the page says so). The horizon is shorter than the window, so the forecast is a
  lower bound on churn for renewals far out; it is a planning figure, not a prediction per account.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import Case, Count, IntegerField, OuterRef, Q, Subquery, Value, When

from accounts.selectors import accounts_with_figures
from dashboards.models import AccountScore, AccountZones, BacktestRun, Band, RiskIndicator, SavePlan
from dashboards.selectors import overrides_in_force
from dashboards.zones import LABELS as ZONE_LABELS

WINDOW_DAYS = 180
# Used when no backtest has measured a band. Conservative industry-style planning rates: a green
# account rarely churns at renewal, a red one often does; "no score" sits between yellow and red.
FALLBACK_CHURN_RATES = {Band.GREEN: 0.05, Band.YELLOW: 0.20, Band.RED: 0.45, Band.UNKNOWN: 0.25}
BAND_ORDER = [Band.GREEN, Band.YELLOW, Band.RED, Band.UNKNOWN]


@dataclass
class PipelineRow:
    account_id: int
    name: str
    owner: str
    arr: Decimal
    next_renewal: dt.date
    days_left: int
    band: str
    band_label: str
    score: float | None
    overridden: bool
    attention_zone: str
    attention_label: str
    open_risks: int
    save_plan: SavePlan | None


@dataclass
class BandForecast:
    band: str
    label: str
    accounts: int = 0
    arr: Decimal = Decimal("0")
    churn_rate: float = 0.0
    source: str = "fallback"  # "backtest" | "fallback"

    @property
    def expected_arr(self) -> Decimal:
        return self.arr * Decimal(str(1 - self.churn_rate))


@dataclass
class Forecast:
    bands: list[BandForecast]
    backtest: BacktestRun | None
    horizon_days: int | None = None
    uses_fallback: bool = False

    @property
    def arr(self) -> Decimal:
        return sum((b.arr for b in self.bands), Decimal("0"))

    @property
    def expected_arr(self) -> Decimal:
        return sum((b.expected_arr for b in self.bands), Decimal("0"))

    @property
    def at_risk_arr(self) -> Decimal:
        return self.arr - self.expected_arr


@dataclass
class Pipeline:
    rows: list[PipelineRow]
    forecast: Forecast
    save_plans: list[SavePlan] = field(default_factory=list)
    window_days: int = WINDOW_DAYS


def _latest_per_account(queryset, account_ids: list[int]):
    queryset = queryset.filter(account_id__in=account_ids)
    if connection.vendor == "postgresql":
        return queryset.order_by("account_id", "-day").distinct("account_id")
    newest = queryset.model.objects.filter(organization=OuterRef("organization"), account=OuterRef("account")).order_by("-day").values("day")[:1]
    return queryset.filter(day=Subquery(newest))


def churn_rates(*, organization) -> tuple[dict[str, tuple[float, str]], BacktestRun | None]:
    """Churn rate and its source per band: the latest backtest where it measured the band."""
    run = BacktestRun.objects.filter(organization=organization).order_by("-created_at", "-id").first()
    measured = ((run.report or {}).get("churn") or {}).get("bands", {}) if run else {}
    rates = {}
    for band in BAND_ORDER:
        rate = (measured.get(band.value) or {}).get("rate")
        rates[band.value] = (float(rate), "backtest") if rate is not None else (FALLBACK_CHURN_RATES[band], "fallback")
    return rates, run


def renewal_pipeline(*, organization, today: dt.date, window_days: int = WINDOW_DAYS) -> Pipeline:
    """Rows, forecast and save plans in a fixed number of queries, whatever the number of rows."""
    accounts = list(
        accounts_with_figures(organization=organization, today=today)
        .filter(next_renewal__gte=today, next_renewal__lte=today + dt.timedelta(days=window_days))
        .order_by("next_renewal", "name")
    )
    ids = [a.pk for a in accounts]
    scores = {
        s.account_id: s for s in _latest_per_account(AccountScore.objects.filter(organization=organization).only("account_id", "day", "score", "band"), ids)
    }
    zones = dict(_latest_per_account(AccountZones.objects.filter(organization=organization), ids).values_list("account_id", "attention_zone"))
    overrides = overrides_in_force(organization=organization, account_ids=ids, on=today)
    risks = dict(
        RiskIndicator.objects.filter(organization=organization, account_id__in=ids, closed_on__isnull=True)
        .values("account_id")
        .annotate(n=Count("id"))
        .values_list("account_id", "n")
    )
    plans = {
        p.account_id: p for p in SavePlan.objects.filter(organization=organization, account_id__in=ids, status=SavePlan.Status.OPEN).select_related("owner")
    }
    rates, run = churn_rates(organization=organization)
    bands = {band.value: BandForecast(band=band.value, label=band.label) for band in BAND_ORDER}
    rows = []
    for account in accounts:
        score = scores.get(account.pk)
        override = overrides.get(account.pk)
        band = override.band if override else (score.band if score else Band.UNKNOWN.value)
        zone = zones.get(account.pk, "")
        rows.append(
            PipelineRow(
                account_id=account.pk,
                name=account.name,
                owner=account.owner.display_name if account.owner else "",
                arr=account.arr,
                next_renewal=account.next_renewal,
                days_left=(account.next_renewal - today).days,
                band=band,
                band_label=Band(band).label,
                score=score.score if score else None,
                overridden=override is not None,
                attention_zone=zone,
                attention_label=ZONE_LABELS.get(zone, ""),
                open_risks=risks.get(account.pk, 0),
                save_plan=plans.get(account.pk),
            )
        )
        forecast = bands[band]
        forecast.accounts += 1
        forecast.arr += account.arr
    for key, forecast in bands.items():
        forecast.churn_rate, forecast.source = rates[key]
    forecast = Forecast(
        bands=list(bands.values()),
        backtest=run,
        horizon_days=(run.report or {}).get("horizon_days") if run else None,
        uses_fallback=any(b.source == "fallback" and b.accounts for b in bands.values()),
    )
    save_plans = list(
        SavePlan.objects.filter(organization=organization)
        .filter(Q(status=SavePlan.Status.OPEN) | Q(closed_on__gte=today - dt.timedelta(days=90)))
        .select_related("account", "owner")
        .annotate(actions_total=Count("actions"), actions_done=Count("actions", filter=Q(actions__status="done")))
        .annotate(open_first=Case(When(status=SavePlan.Status.OPEN, then=Value(0)), default=Value(1), output_field=IntegerField()))
        .order_by("open_first", "due_on", "-id")[:50]
    )
    return Pipeline(rows=rows, forecast=forecast, save_plans=save_plans, window_days=window_days)
