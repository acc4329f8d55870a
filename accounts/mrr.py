"""MRR per account per month and the MRR movements derived from contract lines.

Pure functions over plain rows (``LineRow``), so they are testable without a database;
``accounts.selectors.contract_line_rows`` loads the rows of an organization or of one account.

Definitions (the pages' tooltips use the same words):

* **Month-end snapshot.** An account's MRR for a month is the sum of the MRR of its contract
  lines that are *active on the month's last day*. A line is active on day ``d`` when
  ``start_date <= d`` and (``end_date`` is empty or ``end_date >= d``) — ``end_date`` is the
  last day of service. So a line starting on 31 January counts in January; a line ending on
  15 March does not count in March (it counted in February).
* **Movements** compare each account's MRR in a month with the month before (per account, then
  summed):

  - **new**: the account had no MRR last month and has never had MRR before; amount = this
    month's MRR.
  - **reactivation**: the account had no MRR last month but had MRR in some earlier month
    (MRR returns after at least one month at zero); amount = this month's MRR.
  - **expansion**: MRR was positive last month and is higher now; amount = the increase.
  - **contraction**: MRR was positive last month, is lower now but still positive;
    amount = the decrease (a positive number).
  - **churn**: MRR was positive last month and is zero now; amount = last month's MRR
    (a positive number).

  For every month: ``ending = starting + new + reactivation + expansion - contraction - churn``.
"""

from __future__ import annotations

import datetime as dt
from calendar import monthrange
from collections import defaultdict
from collections.abc import Hashable, Iterable
from dataclasses import dataclass, field
from decimal import Decimal

ZERO = Decimal("0")


@dataclass(frozen=True)
class LineRow:
    """The facts of one contract line that MRR needs. ``end_date`` is the last day of service."""

    account_id: Hashable
    mrr: Decimal
    start_date: dt.date
    end_date: dt.date | None = None


@dataclass(frozen=True)
class MonthMovements:
    """MRR movements of one month (all amounts non-negative; see the module docstring)."""

    month: dt.date  # first day of the month
    starting_mrr: Decimal = ZERO
    new: Decimal = ZERO
    reactivation: Decimal = ZERO
    expansion: Decimal = ZERO
    contraction: Decimal = ZERO
    churn: Decimal = ZERO
    ending_mrr: Decimal = ZERO
    # How many accounts made each kind of movement this month.
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def net_change(self) -> Decimal:
        """New + reactivation + expansion − contraction − churn."""
        return self.new + self.reactivation + self.expansion - self.contraction - self.churn

    @property
    def net_change_abs(self) -> Decimal:
        """The size of the net change, for display with its sign shown separately."""
        return abs(self.net_change)

    @property
    def has_movement(self) -> bool:
        return any((self.new, self.reactivation, self.expansion, self.contraction, self.churn))


MOVEMENT_KINDS = ("new", "reactivation", "expansion", "contraction", "churn")


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def month_end(month: dt.date) -> dt.date:
    return month.replace(day=monthrange(month.year, month.month)[1])


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + (month.month - 1) + n
    return dt.date(index // 12, index % 12 + 1, 1)


def month_range(first: dt.date, last: dt.date) -> list[dt.date]:
    """First days of every month from ``first``'s month to ``last``'s month, inclusive."""
    months, current, stop = [], month_start(first), month_start(last)
    while current <= stop:
        months.append(current)
        current = add_months(current, 1)
    return months


def is_active_on(line: LineRow, day: dt.date) -> bool:
    """A line is active on ``day`` when it has started and its last day of service is not before it."""
    return line.start_date <= day and (line.end_date is None or line.end_date >= day)


def mrr_on(lines: Iterable[LineRow], day: dt.date) -> Decimal:
    """Total MRR of the lines active on ``day``."""
    return sum((line.mrr for line in lines if is_active_on(line, day)), ZERO)


def mrr_by_month(lines: Iterable[LineRow], *, first_month: dt.date, last_month: dt.date) -> dict[Hashable, dict[dt.date, Decimal]]:
    """``{account_id: {month: MRR}}`` for every month in the range (month-end snapshot).

    Every account that has a line gets every month of the range, zero where nothing is active.
    """
    by_account: dict[Hashable, list[LineRow]] = defaultdict(list)
    for line in lines:
        by_account[line.account_id].append(line)
    months = month_range(first_month, last_month)
    return {account_id: {m: mrr_on(account_lines, month_end(m)) for m in months} for account_id, account_lines in by_account.items()}


def total_mrr_by_month(lines: Iterable[LineRow], *, first_month: dt.date, last_month: dt.date) -> dict[dt.date, Decimal]:
    """``{month: MRR summed over accounts}`` for every month in the range (month-end snapshot)."""
    totals = dict.fromkeys(month_range(first_month, last_month), ZERO)
    for per_month in mrr_by_month(lines, first_month=first_month, last_month=last_month).values():
        for m, amount in per_month.items():
            totals[m] += amount
    return totals


def classify(*, previous: Decimal, current: Decimal, had_mrr_before: bool) -> tuple[str, Decimal] | None:
    """One account's movement from one month to the next: ``(kind, amount)`` or ``None``."""
    if previous == current:
        return None
    if previous == ZERO:
        return ("reactivation" if had_mrr_before else "new", current)
    if current == ZERO:
        return ("churn", previous)
    if current > previous:
        return ("expansion", current - previous)
    return ("contraction", previous - current)


def movements_by_month(lines: Iterable[LineRow], *, first_month: dt.date, last_month: dt.date) -> list[MonthMovements]:
    """MRR movements for each month in the range, oldest first.

    History before ``first_month`` is taken into account: the starting MRR of ``first_month`` is
    the month-end MRR of the month before, and a return to MRR counts as a reactivation when the
    account had MRR in *any* earlier month, not only in the range.
    """
    lines = list(lines)
    first_month, last_month = month_start(first_month), month_start(last_month)
    if not lines:
        return [MonthMovements(month=m) for m in month_range(first_month, last_month)]
    # Start one month before the earliest line (MRR zero there) so "ever had MRR" is complete.
    earliest = min(add_months(month_start(min(line.start_date for line in lines)), -1), add_months(first_month, -1))
    series = mrr_by_month(lines, first_month=earliest, last_month=last_month)
    all_months = month_range(earliest, last_month)

    result: list[MonthMovements] = []
    had_mrr: dict[Hashable, bool] = dict.fromkeys(series, False)
    for index, month in enumerate(all_months):
        if index == 0:
            for account_id, per_month in series.items():
                had_mrr[account_id] = per_month[month] > ZERO
            continue
        previous_month = all_months[index - 1]
        amounts = dict.fromkeys(MOVEMENT_KINDS, ZERO)
        counts = dict.fromkeys(MOVEMENT_KINDS, 0)
        starting = ending = ZERO
        for account_id, per_month in series.items():
            previous, current = per_month[previous_month], per_month[month]
            starting += previous
            ending += current
            movement = classify(previous=previous, current=current, had_mrr_before=had_mrr[account_id])
            if movement is not None:
                kind, amount = movement
                amounts[kind] += amount
                counts[kind] += 1
            if current > ZERO:
                had_mrr[account_id] = True
        if month >= first_month:
            result.append(MonthMovements(month=month, starting_mrr=starting, ending_mrr=ending, counts=counts, **amounts))
    return result
