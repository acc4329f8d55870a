"""Revenue KPIs: MRR and ARR, MRR movements, retention over a fixed starting cohort, churn,
renewals, downgrades, expansion, lifespan and lifetime value.

Month-end snapshots and the movement rules come from ``accounts.mrr`` (one definition of "an
account's MRR in a month" for the whole product); this module builds the KPIs on top of them.
Money is ``Decimal`` in and out; ratios are ``float`` fractions (1.0 = 100 %); a ratio whose
denominator is empty is ``None``, never 0.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Hashable, Iterable, Mapping
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from accounts.mrr import ZERO, LineRow, MonthMovements, add_months, is_active_on, movements_by_month

from .registry import Unit, kpi

CENT = Decimal("0.01")


def ratio(numerator: Decimal | int | float, denominator: Decimal | int | float) -> float | None:
    """``numerator / denominator`` as a float, or ``None`` when the denominator is zero.

    Division happens in ``Decimal`` so money ratios are exact before the final conversion.
    """
    if not denominator:
        return None
    return float(Decimal(str(numerator)) / Decimal(str(denominator)))


# --- MRR and ARR -------------------------------------------------------------------------------


def mrr_by_account_on(lines: Iterable[LineRow], *, on: dt.date) -> dict[Hashable, Decimal]:
    """Each paying account's MRR on ``on`` (accounts whose active lines sum to zero are left out)."""
    totals: dict[Hashable, Decimal] = {}
    for line in lines:
        if is_active_on(line, on):
            totals[line.account_id] = totals.get(line.account_id, ZERO) + line.mrr
    return {account: amount for account, amount in totals.items() if amount > ZERO}


@kpi("mrr", name="MRR", unit=Unit.MONEY, higher_is_better=True)
def monthly_recurring_revenue(lines: Iterable[LineRow], *, on: dt.date) -> Decimal:
    """Monthly recurring revenue: the sum of the monthly amounts (after discount) of every contract line running on the day.

    A line runs from its start date through its last day of service. Unit: money per month. No
    running line: $0.

    Inputs: ``lines`` — contract lines as ``accounts.mrr.LineRow``; ``on`` — the day.
    """
    return sum((line.mrr for line in lines if is_active_on(line, on)), ZERO)


@kpi("arr", name="ARR", unit=Unit.MONEY, higher_is_better=True)
def annual_recurring_revenue(*, mrr: Decimal) -> Decimal:
    """Annual recurring revenue: MRR × 12.

    Unit: money per year. It annualizes today's run rate; it is not revenue booked over the past
    year.

    Inputs: ``mrr`` — the MRR on the day.
    """
    return mrr * 12


@kpi("arpa", name="Average MRR per account", unit=Unit.MONEY, higher_is_better=True)
def average_revenue_per_account(*, total_mrr: Decimal, paying_accounts: int) -> Decimal | None:
    """Average MRR per paying account: total MRR ÷ number of accounts with MRR above zero.

    Unit: money per month, rounded to the cent. No paying account: no value.

    Inputs: the MRR total and the number of paying accounts on one day (``mrr_by_account_on``
    gives both: ``sum(m.values())`` and ``len(m)``).
    """
    if not paying_accounts:
        return None
    return (total_mrr / paying_accounts).quantize(CENT, rounding=ROUND_HALF_UP)


# --- MRR movements -----------------------------------------------------------------------------


def mrr_movements(lines: Iterable[LineRow], *, first_month: dt.date, last_month: dt.date) -> list[MonthMovements]:
    """MRR movements per calendar month (see ``accounts.mrr`` for the rules), oldest first."""
    return movements_by_month(lines, first_month=first_month, last_month=last_month)


def _movement_total(movements: MonthMovements | Iterable[MonthMovements | RevenueCohort], kind: str) -> Decimal:
    months = [movements] if isinstance(movements, MonthMovements) else list(movements)
    return sum((getattr(month, kind) for month in months), ZERO)


@kpi("mrr_new", name="New MRR", unit=Unit.MONEY, higher_is_better=True)
def new_mrr(movements: MonthMovements | Iterable[MonthMovements]) -> Decimal:
    """New MRR: the month-end MRR of accounts that paid nothing the month before and had never paid before.

    Compares each account's MRR on the last day of the month with the last day of the month
    before. Unit: money per month, summed over the months shown.

    Inputs: one ``MonthMovements`` or several (summed).
    """
    return _movement_total(movements, "new")


@kpi("mrr_expansion", name="Expansion MRR", unit=Unit.MONEY, higher_is_better=True)
def expansion_mrr(movements: MonthMovements | Iterable[MonthMovements]) -> Decimal:
    """Expansion MRR: the increase in MRR of accounts that were already paying the month before.

    Counted per account, month end against the previous month end. Unit: money per month, summed
    over the months shown.

    Inputs: one ``MonthMovements`` or several (summed).
    """
    return _movement_total(movements, "expansion")


@kpi("mrr_contraction", name="Contraction MRR", unit=Unit.MONEY, higher_is_better=False)
def contraction_mrr(movements: MonthMovements | Iterable[MonthMovements]) -> Decimal:
    """Contraction MRR: the decrease in MRR of accounts that still pay something but less than the month before.

    Counted per account, month end against the previous month end, as a positive amount. Unit:
    money per month, summed over the months shown.

    Inputs: one ``MonthMovements`` or several (summed).
    """
    return _movement_total(movements, "contraction")


@kpi("mrr_churn", name="Churned MRR", unit=Unit.MONEY, higher_is_better=False)
def churned_mrr(movements: MonthMovements | Iterable[MonthMovements]) -> Decimal:
    """Churned MRR: the previous month's MRR of accounts that paid the month before and pay nothing now.

    A positive amount. Unit: money per month, summed over the months shown.

    Inputs: one ``MonthMovements`` or several (summed).
    """
    return _movement_total(movements, "churn")


@kpi("mrr_reactivation", name="Reactivation MRR", unit=Unit.MONEY, higher_is_better=True)
def reactivation_mrr(movements: MonthMovements | Iterable[MonthMovements]) -> Decimal:
    """Reactivation MRR: the month-end MRR of accounts that paid nothing the month before but had paid in some earlier month.

    Unit: money per month, summed over the months shown.

    Inputs: one ``MonthMovements`` or several (summed).
    """
    return _movement_total(movements, "reactivation")


@kpi("mrr_net_new", name="Net new MRR", unit=Unit.MONEY, higher_is_better=True)
def net_new_mrr(movements: MonthMovements | Iterable[MonthMovements]) -> Decimal:
    """Net new MRR: new + reactivation + expansion − contraction − churned MRR.

    Equals the change in total MRR between the month ends. Unit: money per month; negative when
    MRR shrank.

    Inputs: one ``MonthMovements`` or several (summed).
    """
    months = [movements] if isinstance(movements, MonthMovements) else list(movements)
    return sum((month.net_change for month in months), ZERO)


@kpi("expansion_revenue", name="Expansion revenue", unit=Unit.MONEY, higher_is_better=True)
def expansion_revenue(movements: Iterable[MonthMovements | RevenueCohort]) -> Decimal:
    """Expansion revenue: the expansion MRR added over the period, summed month by month.

    Only growth of accounts that were already paying counts (upsell, more seats, add-ons); new
    and reactivated accounts do not. Unit: money per month of added recurring revenue. No month
    in the period: $0.

    Inputs: per month of the period, its ``MonthMovements`` or its one-month ``RevenueCohort``
    (previous month end → month end); both carry the same ``expansion`` amount.
    """
    return _movement_total(movements, "expansion")


@kpi("expansion_revenue_growth", name="Expansion revenue growth", unit=Unit.RATIO, higher_is_better=True)
def expansion_revenue_growth(*, current: Decimal, previous: Decimal) -> float | None:
    """Expansion revenue growth: (expansion revenue this period − the period before) ÷ the period before.

    Unit: percent, negative when expansion slowed. No expansion revenue in the period before: no
    value (growth from zero is undefined).

    Inputs: the two ``expansion_revenue`` amounts of equally long periods.
    """
    return ratio(current - previous, previous)


# --- Retention over a fixed starting cohort ----------------------------------------------------


@dataclass(frozen=True)
class RevenueCohort:
    """The accounts paying on ``start`` followed to ``end``: everything the cohort KPIs need.

    ``retained_mrr`` is the sum over the cohort of min(MRR at end, MRR at start), i.e. starting
    MRR minus churn and contraction, with expansion left out.
    """

    start: dt.date
    end: dt.date
    accounts: int = 0
    starting_mrr: Decimal = ZERO
    ending_mrr: Decimal = ZERO
    retained_mrr: Decimal = ZERO
    churned_accounts: int = 0  # paying at start, paying nothing at end
    downgraded_accounts: int = 0  # paying less at end, but more than zero
    # The cohort's movements between the two days, as positive amounts. For a one-month cohort
    # (previous month end → month end) they equal that month's ``MonthMovements`` amounts.
    expansion: Decimal = ZERO
    contraction: Decimal = ZERO
    churn: Decimal = ZERO


def revenue_cohort(*, starting: Mapping[Hashable, Decimal], ending: Mapping[Hashable, Decimal], start: dt.date, end: dt.date) -> RevenueCohort:
    """Follow the accounts with MRR above zero in ``starting`` to ``ending``; newcomers are ignored."""
    cohort = {account: amount for account, amount in starting.items() if amount > ZERO}
    finals = {account: ending.get(account, ZERO) for account in cohort}
    return RevenueCohort(
        start=start,
        end=end,
        accounts=len(cohort),
        starting_mrr=sum(cohort.values(), ZERO),
        ending_mrr=sum(finals.values(), ZERO),
        retained_mrr=sum((min(finals[a], cohort[a]) for a in cohort), ZERO),
        churned_accounts=sum(1 for a in cohort if finals[a] <= ZERO),
        downgraded_accounts=sum(1 for a in cohort if ZERO < finals[a] < cohort[a]),
        expansion=sum((finals[a] - cohort[a] for a in cohort if finals[a] > cohort[a]), ZERO),
        contraction=sum((cohort[a] - finals[a] for a in cohort if ZERO < finals[a] < cohort[a]), ZERO),
        churn=sum((cohort[a] for a in cohort if finals[a] <= ZERO), ZERO),
    )


def revenue_cohort_from_lines(lines: Iterable[LineRow], *, start: dt.date, end: dt.date) -> RevenueCohort:
    lines = list(lines)
    return revenue_cohort(starting=mrr_by_account_on(lines, on=start), ending=mrr_by_account_on(lines, on=end), start=start, end=end)


@kpi("nrr", name="Net revenue retention", unit=Unit.RATIO, higher_is_better=True)
def net_revenue_retention(cohort: RevenueCohort) -> float | None:
    """Net revenue retention: the MRR today of the accounts that were paying at the start of the period ÷ their MRR at the start.

    The group of accounts is fixed on the start date: expansion, contraction, churn and
    reactivation of those accounts count; accounts that started paying later do not. Unit:
    percent; above 100 % the existing customers grew. No paying account at the start: no value.

    Inputs: a ``RevenueCohort``.
    """
    return ratio(cohort.ending_mrr, cohort.starting_mrr)


@kpi("grr", name="Gross revenue retention", unit=Unit.RATIO, higher_is_better=True)
def gross_revenue_retention(cohort: RevenueCohort) -> float | None:
    """Gross revenue retention: the starting MRR of the accounts paying at the start of the period, minus their churn and contraction, ÷ that starting MRR.

    Each account counts with at most its starting MRR, so expansion never lifts it: it is at
    most 100 %. The group of accounts is fixed on the start date. Unit: percent. No paying
    account at the start: no value.

    Inputs: a ``RevenueCohort``.
    """
    return ratio(cohort.retained_mrr, cohort.starting_mrr)


@kpi("revenue_churn_rate", name="Revenue churn", unit=Unit.RATIO, higher_is_better=False)
def revenue_churn_rate(cohort: RevenueCohort) -> float | None:
    """Revenue churn: the MRR lost to churn and contraction over the period ÷ the MRR at the start, for the accounts paying at the start.

    Expansion does not offset it (it equals 100 % minus gross revenue retention). Unit: percent
    of starting MRR over the period. No paying account at the start: no value.

    Inputs: a ``RevenueCohort``.
    """
    return ratio(cohort.starting_mrr - cohort.retained_mrr, cohort.starting_mrr)


@kpi("customer_churn_rate", name="Customer churn", unit=Unit.RATIO, higher_is_better=False)
def customer_churn_rate(cohort: RevenueCohort) -> float | None:
    """Customer churn: accounts paying at the start of the period that pay nothing at its end ÷ accounts paying at the start.

    An account that left and came back within the period is not counted as churned. Unit:
    percent of accounts over the period. No paying account at the start: no value.

    Inputs: a ``RevenueCohort``.
    """
    return ratio(cohort.churned_accounts, cohort.accounts)


@kpi("downgrade_rate", name="Downgrade rate", unit=Unit.RATIO, higher_is_better=False)
def downgrade_rate(cohort: RevenueCohort) -> float | None:
    """Downgrade rate: accounts paying at the start of the period that pay less, but still something, at its end ÷ accounts paying at the start.

    Accounts that stopped paying are churn, not downgrades. Unit: percent of accounts over the
    period. No paying account at the start: no value.

    Inputs: a ``RevenueCohort``.
    """
    return ratio(cohort.downgraded_accounts, cohort.accounts)


@dataclass(frozen=True)
class DowngradeOutcome:
    """An account's first downgrade month and whether it churned within the follow-up window."""

    account_id: Hashable
    downgraded_in: dt.date  # first day of the month whose month-end MRR dropped (but not to zero)
    churned: bool


def downgrade_outcomes(series: Mapping[Hashable, Mapping[dt.date, Decimal]], *, within_months: int) -> list[DowngradeOutcome]:
    """From month-end MRR per account (``accounts.mrr.mrr_by_month``), each account's first
    downgrade whose whole follow-up window lies inside the series, and whether MRR reached zero
    in the ``within_months`` months after it."""
    outcomes = []
    for account_id, per_month in series.items():
        months = sorted(per_month)
        if not months:
            continue
        last_observed = months[-1]
        for previous, month in zip(months, months[1:], strict=False):
            before, after = per_month[previous], per_month[month]
            if not ZERO < after < before:
                continue
            if add_months(month, within_months) > last_observed:
                break  # too recent to know the outcome yet
            window = [m for m in months if month < m <= add_months(month, within_months)]
            outcomes.append(DowngradeOutcome(account_id, month, any(per_month[m] <= ZERO for m in window)))
            break
    return outcomes


@kpi("downgrade_to_churn", name="Downgrade-to-churn conversion", unit=Unit.RATIO, higher_is_better=False)
def downgrade_to_churn_conversion(outcomes: Iterable[DowngradeOutcome]) -> float | None:
    """Downgrade-to-churn conversion: accounts that stopped paying within the follow-up window after their first downgrade ÷ accounts that downgraded.

    A downgrade is a month-end MRR lower than the month before but above zero. Only downgrades
    old enough for the whole window to have passed count, so recent downgrades do not dilute the
    rate. Unit: percent of downgraded accounts. No such downgrade: no value.

    Inputs: ``DowngradeOutcome`` per account (see ``downgrade_outcomes``).
    """
    outcomes = list(outcomes)
    return ratio(sum(1 for o in outcomes if o.churned), len(outcomes))


# --- Renewals ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RenewalOutcome:
    account_id: Hashable
    renewal_date: dt.date
    renewed: bool  # the account had a paying line running on its renewal date


@kpi("renewal_rate", name="Renewal rate", unit=Unit.RATIO, higher_is_better=True)
def renewal_rate(outcomes: Iterable[RenewalOutcome]) -> float | None:
    """Renewal rate: renewals that happened ÷ renewals that fell due in the period.

    A renewal falls due on a contract line's renewal date; it happened when the account still
    has a paying contract line running on that date. An account with two lines due on the same
    day counts once. Unit: percent of renewals due. No renewal due: no value.

    Inputs: ``RenewalOutcome`` per (account, renewal date), already limited to the period.
    """
    unique = {(o.account_id, o.renewal_date): o.renewed for o in outcomes}
    return ratio(sum(1 for renewed in unique.values() if renewed), len(unique))


# --- Lifespan and lifetime value ---------------------------------------------------------------


@kpi("customer_lifespan", name="Average customer lifespan", unit=Unit.MONTHS, higher_is_better=True)
def average_customer_lifespan(*, churn_rate: float | None, period_months: int) -> float | None:
    """Average customer lifespan: the length of the churn period ÷ customer churn over that period, in months.

    For example 12 months ÷ 20 % annual churn = 60 months: the expected life of a customer if
    churn stays at today's rate. Unit: months. No churn (or no churn figure): no value, because
    the expected lifespan is unbounded.

    Inputs: ``churn_rate`` — a customer churn rate (fraction) measured over ``period_months``.
    """
    if not churn_rate:
        return None
    return period_months / churn_rate


@kpi("ltv", name="Customer lifetime value", unit=Unit.MONEY, higher_is_better=True)
def customer_lifetime_value(*, arpa: Decimal | None, lifespan_months: float | None, gross_margin: Decimal = Decimal(1)) -> Decimal | None:
    """Customer lifetime value: average MRR per paying account × gross margin × average customer lifespan in months.

    Unit: money over a customer's life, rounded to the cent. Gross margin is 100 % unless the
    organization sets one. No paying account or no churn (unbounded lifespan): no value.

    Inputs: ``arpa`` — average MRR per account; ``lifespan_months``; ``gross_margin`` as a fraction.
    """
    if arpa is None or lifespan_months is None:
        return None
    # The lifespan is a float (a ratio); bring it into Decimal through its repr so cents stay exact.
    return (arpa * gross_margin * Decimal(repr(lifespan_months))).quantize(CENT, rounding=ROUND_HALF_UP)
