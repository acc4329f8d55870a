"""Contract lines and the decisions that change them: renewal, churn, contraction, expansion.

Decisions are taken day by day in calendar order and only look at the past: realized usage up
to the decision day, survey answers already given, touchpoints already held, whether the
champion is still there. Churn and contraction are *caused* by those traces (and the latent
satisfaction behind them); a small share of churn has no visible cause at all.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field

import numpy as np

from .latent import Latent, sigmoid
from .profiles import ADDONS, SegmentSpec

UNEXPLAINED_ANNUAL = 0.025
UNEXPLAINED_MONTHLY = 0.003


def add_months(day: dt.date, months: int) -> dt.date:
    month_index = day.month - 1 + months
    year, month = day.year + month_index // 12, month_index % 12 + 1
    for candidate in (day.day, 30, 29, 28):
        try:
            return dt.date(year, month, min(day.day, candidate))
        except ValueError:
            continue
    raise AssertionError("unreachable")


def anniversaries(start: dt.date, *, monthly: bool, after: dt.date, until: dt.date) -> list[dt.date]:
    """Billing anniversaries of ``start`` strictly after ``after`` and before ``until``."""
    step = 1 if monthly else 12
    out, k = [], 1
    if not monthly and after > start:
        k = max(1, (after.year - start.year) - 1)
    elif monthly and after > start:
        k = max(1, (after.year - start.year) * 12 + after.month - start.month - 1)
    while True:
        day = add_months(start, step * k)
        if day >= until:
            return out
        if day > after:
            out.append(day)
        k += 1


@dataclass
class Line:
    key: int
    product: str
    is_addon: bool
    seats: int
    mrr: float
    start: int
    billing: str
    discount: float
    end: int | None = None
    renewal: int | None = None


@dataclass
class ContractOutcome:
    lines: list[Line]
    active: np.ndarray
    churn_day: int | None
    decisions: list[dict] = field(default_factory=list)


@dataclass
class ContractContext:
    """What the decision walk needs to know about one account."""

    rng: np.random.Generator
    latent: Latent
    demand: np.ndarray
    start_day: int
    days: int
    window_start: dt.date
    segment: SegmentSpec
    billing: str
    price_per_seat: float
    discount: float
    seats: int
    nps_by_day: list[tuple[int, int]]
    exec_touch_days: list[int]


def _mrr(seats: int, price: float) -> float:
    return round(seats * price, 2)


def _usage_ratio(active: np.ndarray, d: int, start_day: int) -> float | None:
    """Mean active users in the 28 days before ``d`` over the same 28 days three months earlier."""
    lo = d - 119
    if lo < max(0, start_day + 30):
        return None
    before = active[lo : lo + 28].mean()
    recent = active[d - 28 : d].mean()
    return float(recent / before) if before > 0 else None


def _risk(ctx: ContractContext, active: np.ndarray, d: int) -> tuple[float, dict]:
    """Churn log-odds at day ``d`` and each driver's contribution (for the ground truth)."""
    lat = ctx.latent
    ratio = _usage_ratio(active, d, ctx.start_day)
    recent_nps = [s for day, s in ctx.nps_by_day if d - 200 <= day < d]
    champion_lost = lat.champion_left_day is not None and lat.champion_left_day < d and (lat.champion_replaced_day is None or lat.champion_replaced_day > d)
    no_exec = ctx.segment.key != "smb" and not any(d - 180 <= x < d for x in ctx.exec_touch_days)
    friction = float(lat.friction_share[max(0, d - 28) : d].mean())
    drivers = {
        "usage_decline": 2.8 * max(0.0, 1.0 - ratio) if ratio is not None else 0.0,
        "friction": 5.0 * max(0.0, friction - 0.07),
        "detractor_nps": 1.1 if recent_nps and recent_nps[-1] <= 6 else 0.0,
        "champion_lost": 1.0 if champion_lost else 0.0,
        "no_executive_touchpoint": 0.7 if no_exec else 0.0,
        "low_satisfaction": 2.5 * max(0.0, 0.5 - float(lat.satisfaction[d - 1])),
    }
    return -3.6 + sum(drivers.values()), {k: round(v, 3) for k, v in drivers.items() if v > 0} | {"usage_ratio": None if ratio is None else round(ratio, 3)}


def run_contract(ctx: ContractContext) -> ContractOutcome:
    """Walk the account's renewal, month-end and expansion-check days in order."""
    rng, lat, days = ctx.rng, ctx.latent, ctx.days
    window_end = ctx.window_start + dt.timedelta(days=days)
    start_date = ctx.window_start + dt.timedelta(days=ctx.start_day)
    monthly = ctx.billing == "monthly"

    keys = iter(range(1, 1000))
    lines = [Line(next(keys), f"{ctx.segment.plan} plan", False, ctx.seats, _mrr(ctx.seats, ctx.price_per_seat), ctx.start_day, ctx.billing, ctx.discount)]
    # Some older mid-market and enterprise customers already bought an add-on.
    if ctx.segment.key != "smb" and ctx.start_day < -180 and rng.random() < 0.3:
        name, per10, minimum = ADDONS[int(rng.integers(len(ADDONS)))]
        lines.append(
            Line(next(keys), name, True, 0, round(max(minimum, per10 * ctx.seats / 10) * (1 - ctx.discount / 100), 2), ctx.start_day, ctx.billing, ctx.discount)
        )

    cap = np.full(days, math.ceil(ctx.seats * 1.1), dtype=np.int64)
    points = [(_day(ctx, a), 0, "renewal") for a in anniversaries(start_date, monthly=monthly, after=max(start_date, ctx.window_start), until=window_end)]
    # Expansion checks every 30 days, at a phase of the account's own (not all on one day).
    points += [(d, 1, "expansion_check") for d in range(max(ctx.start_day + 60, 0) + int(rng.integers(1, 31)), days, 30)]
    points.sort()

    outcome = ContractOutcome(lines=lines, active=np.zeros(days, dtype=np.int64), churn_day=None)
    last_expansion = -10_000
    for d, _order, kind in points:
        if d <= 0 or d >= days:
            continue
        active = np.minimum(ctx.demand, cap)
        running = [ln for ln in lines if ln.end is None]
        seat_lines = [ln for ln in running if not ln.is_addon]
        seats = sum(ln.seats for ln in seat_lines)
        recent = active[max(0, d - 28) : d]
        peak = float(np.percentile(recent, 90)) if len(recent) else 0.0
        utilization = peak / seats if seats else 0.0
        sat = float(lat.satisfaction[d - 1])
        if kind == "renewal":
            logit, drivers = _risk(ctx, active, d)
            p_churn = float(sigmoid(logit if not monthly else logit - 2.2))
            unexplained = UNEXPLAINED_MONTHLY if monthly else UNEXPLAINED_ANNUAL
            decision = {"day": d, "kind": "renewal", "p_churn": round(p_churn, 4), "drivers": drivers, "utilization": round(utilization, 3)}
            if rng.random() < p_churn:
                decision["outcome"] = "churn"
            elif rng.random() < unexplained:
                decision["outcome"] = "churn"
                decision["drivers"] = {"unexplained": 1.0}
            elif utilization < (0.5 if monthly else 0.62) and rng.random() < (0.12 if monthly else 0.4) + p_churn:
                decision["outcome"] = "contraction"
            else:
                decision["outcome"] = "renewed"
            if decision["outcome"] == "churn":
                for ln in running:
                    ln.end = d - 1
                outcome.churn_day = d
                cap[d:] = 0
                outcome.decisions.append(decision)
                break
            if decision["outcome"] == "contraction":
                new_seats = max(2, math.ceil(seats * 0.5), math.ceil(max(peak, 1.0) * 1.2))
                if new_seats < seats:
                    main = seat_lines[0]
                    for ln in seat_lines:
                        ln.end = d - 1
                    lines.append(Line(next(keys), main.product, False, new_seats, _mrr(new_seats, ctx.price_per_seat), d, ctx.billing, main.discount))
                    decision["seats_before"], decision["seats_after"] = seats, new_seats
                    cap[d:] = math.ceil(new_seats * 1.1)
                addons = [ln for ln in running if ln.is_addon]
                if addons and sat < 0.5 and rng.random() < 0.5:
                    addons[0].end = d - 1
                    decision["addon_dropped"] = addons[0].product
                if "seats_after" not in decision and "addon_dropped" not in decision:
                    decision["outcome"] = "renewed"
            outcome.decisions.append(decision)
        else:
            wanted = float(np.percentile(ctx.demand[max(0, d - 28) : d], 90)) if d > 0 else 0.0
            if d - last_expansion >= 90 and seats and wanted >= 0.92 * seats and sat >= 0.55 and rng.random() < 0.6:
                extra = max(1, math.ceil(seats * rng.uniform(0.15, 0.5)))
                lines.append(
                    Line(next(keys), f"{ctx.segment.plan} plan — additional seats", False, extra, _mrr(extra, ctx.price_per_seat), d, ctx.billing, ctx.discount)
                )
                cap[d:] = math.ceil((seats + extra) * 1.1)
                last_expansion = d
                outcome.decisions.append(
                    {
                        "day": d,
                        "kind": "expansion",
                        "outcome": "seats_added",
                        "seats_before": seats,
                        "seats_after": seats + extra,
                        "utilization": round(wanted / seats, 3),
                    }
                )
            elif sat >= 0.68 and lat.fit >= 0.55 and rng.random() < 0.05:
                owned = {ln.product for ln in running}
                options = [a for a in ADDONS if a[0] not in owned]
                if options:
                    name, per10, minimum = options[int(rng.integers(len(options)))]
                    mrr = round(max(minimum, per10 * seats / 10) * (1 - ctx.discount / 100), 2)
                    lines.append(Line(next(keys), name, True, 0, mrr, d, ctx.billing, ctx.discount))
                    last_expansion = d
                    outcome.decisions.append({"day": d, "kind": "expansion", "outcome": "addon_added", "product": name})

    outcome.active = np.minimum(ctx.demand, cap)
    if outcome.churn_day is not None:
        outcome.active[outcome.churn_day :] = 0
    # Renewal dates as the product sees them at the end of the window.
    for ln in lines:
        if ln.end is not None:
            ln.renewal = ln.end + 1
        else:
            upcoming = anniversaries(start_date, monthly=monthly, after=window_end - dt.timedelta(days=1), until=window_end + dt.timedelta(days=400))
            ln.renewal = _day(ctx, upcoming[0])
    return outcome


def _day(ctx: ContractContext, day: dt.date) -> int:
    return (day - ctx.window_start).days
