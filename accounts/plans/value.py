"""Value totals: activity and outcomes translated into business value, and ROI against spend.

Definitions (shown as tooltips wherever the numbers appear):

- An **event driver** counts each occurrence of its event (DailyEventCount) in the period.
- A **KPI driver** counts the improvement of every KPI of the account's plan with the driver's
  KPI name: value at the period's end − value at its start (the KPI's baseline when the period
  starts on or before the KPI's start), signed so that moving towards the target is positive;
  a KPI below its baseline counts as zero.
- **Value** of a unit = hours per unit × money per hour (hours saved) or money per unit
  (revenue influenced, cost saved).
- **Spend** = Σ over contract lines of MRR × days of the line within the period × 12 ÷ 365.
- **ROI** = (value − spend) ÷ spend; the **value multiple** = value ÷ spend. Both are empty when
  there was no spend in the period.
- "Since start" runs from the account's start date (all history when it has none) to today.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import F, Sum, Value
from django.db.models.functions import Coalesce, Lower
from django.utils import timezone

from accounts.models import Account, ContractLine, DailyEventCount

from .models import Kpi, ValueDriver
from .progress import as_date, kpi_values_at

DAYS_PER_MONTH = 365 / 12


@dataclass
class DriverTotal:
    driver_id: int
    name: str
    kind: str
    units: float = 0.0
    hours: float = 0.0
    money: float = 0.0

    @property
    def kind_label(self) -> str:
        return ValueDriver.Kind(self.kind).label


@dataclass
class ValueTotals:
    account_id: int
    start: dt.date | None
    end: dt.date
    drivers: list[DriverTotal] = field(default_factory=list)
    spend: float = 0.0

    @property
    def hours(self) -> float:
        return sum(d.hours for d in self.drivers)

    @property
    def money(self) -> float:
        return sum(d.money for d in self.drivers)

    @property
    def roi(self) -> float | None:
        return (self.money - self.spend) / self.spend if self.spend else None

    @property
    def value_multiple(self) -> float | None:
        return self.money / self.spend if self.spend else None

    @property
    def has_value(self) -> bool:
        return any(d.units for d in self.drivers)


def spend_in_period(*, lines: Iterable[tuple[float, dt.date, dt.date | None]], start: dt.date, end: dt.date) -> float:
    """Σ MRR × days of each (mrr, start, end) line inside [start, end] × 12 ÷ 365."""
    total = 0.0
    for mrr, line_start, line_end in lines:
        first, last = max(start, line_start), min(end, line_end or end)
        days = (last - first).days + 1
        if days > 0:
            total += float(mrr) * days / DAYS_PER_MONTH
    return total


def improvement(*, baseline: float, target: float, start_value: float | None, end_value: float | None) -> float:
    """Units gained between two values, positive towards the target, never below zero."""
    if end_value is None:
        return 0.0
    direction = 1.0 if target >= baseline else -1.0
    start_value = baseline if start_value is None else start_value
    return max(0.0, (end_value - start_value) * direction)


def value_totals_for_accounts(*, organization, account_ids: Iterable[int], start: dt.date | None = None, end: dt.date | None = None) -> dict[int, ValueTotals]:
    """Value totals per account over [start, end] (default: since each account's start, to today).

    A fixed number of queries whatever the number of accounts: drivers, accounts, event counts,
    contract lines, and (when KPI drivers exist) KPIs and their values.
    """
    account_ids = list(account_ids)
    end = as_date(end) if end else timezone.localdate()
    start = as_date(start) if start else None
    drivers = list(ValueDriver.objects.filter(organization=organization, is_active=True))
    starts = dict(Account.objects.filter(organization=organization, pk__in=account_ids).values_list("pk", "start_date"))
    totals = {
        account_id: ValueTotals(
            account_id=account_id,
            start=start or starts.get(account_id),
            end=end,
            drivers=[DriverTotal(driver_id=d.id, name=d.name, kind=d.kind) for d in drivers],
        )
        for account_id in starts
    }
    if not totals:
        return {}

    units: dict[tuple[int, int], float] = defaultdict(float)
    event_drivers = [d for d in drivers if d.basis == ValueDriver.Basis.EVENT]
    if event_drivers:
        rows = DailyEventCount.objects.filter(organization=organization, account_id__in=totals, event__in={d.event_name for d in event_drivers}, day__lte=end)
        if start:
            rows = rows.filter(day__gte=start)
        else:
            rows = rows.filter(day__gte=Coalesce(F("account__start_date"), Value(dt.date.min)))
        for row in rows.values("account_id", "event").annotate(n=Sum("count")):
            for d in event_drivers:
                if d.event_name == row["event"]:
                    units[(row["account_id"], d.id)] += row["n"] or 0

    kpi_drivers = [d for d in drivers if d.basis == ValueDriver.Basis.KPI]
    if kpi_drivers:
        _add_kpi_units(organization=organization, account_ids=list(totals), drivers=kpi_drivers, start=start, end=end, units=units)

    lines = ContractLine.objects.filter(organization=organization, account_id__in=totals, start_date__lte=end).values_list(
        "account_id", "mrr", "start_date", "end_date"
    )
    by_account: dict[int, list] = defaultdict(list)
    for account_id, mrr, line_start, line_end in lines:
        by_account[account_id].append((mrr, line_start, line_end))

    for account_id, total in totals.items():
        period_start = total.start or min((s for _, s, _ in by_account[account_id]), default=end)
        total.spend = spend_in_period(lines=by_account[account_id], start=period_start, end=end)
        for driver, line in zip(drivers, total.drivers, strict=True):
            line.units = units.get((account_id, driver.id), 0.0)
            line.money = line.units * driver.value_per_unit
            if driver.kind == ValueDriver.Kind.HOURS_SAVED:
                line.hours = line.units * float(driver.hours_per_unit or 0)
    return totals


def _add_kpi_units(*, organization, account_ids: list[int], drivers: list[ValueDriver], start: dt.date | None, end: dt.date, units) -> None:
    names = {d.kpi_name.strip().lower(): d for d in drivers}
    kpis = list(
        Kpi.objects.filter(organization=organization, goal__plan__account_id__in=account_ids, start_date__lte=end)
        .annotate(lname=Lower("name"), account_id=F("goal__plan__account_id"))
        .filter(lname__in=names)
    )
    if not kpis:
        return
    account_of = {k.id: k.account_id for k in kpis}
    end_values = kpi_values_at(organization=organization, kpis=kpis, account_of=account_of, as_of=end)
    later = [k for k in kpis if start and start > k.start_date]
    start_values = kpi_values_at(organization=organization, kpis=later, account_of=account_of, as_of=start - dt.timedelta(days=1)) if later else {}
    for k in kpis:
        gained = improvement(baseline=k.baseline, target=k.target, start_value=start_values.get(k.id), end_value=end_values[k.id])
        units[(k.account_id, names[k.lname].id)] += gained


def value_totals_for_account(*, organization, account: Account, start: dt.date | None = None, end: dt.date | None = None) -> ValueTotals:
    """Value totals of one account over [start, end]; see the module docstring."""
    return value_totals_for_accounts(organization=organization, account_ids=[account.pk], start=start, end=end)[account.pk]
