"""Per-account latent state and its daily trajectory.

The latent state (product fit, satisfaction, team size, champion strength, executive
engagement) is never written to the product's tables; only its traces are (usage, friction
events, survey scores, tickets, touchpoints, notes, contract changes). Everything here is a
pure function of a numpy ``Generator``.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

# Weekday activity factors, Monday first: people work on weekdays, a few on weekends.
WEEKDAY_FACTOR = np.array([0.97, 1.0, 1.0, 0.96, 0.84, 0.13, 0.08])


def sigmoid(x):
    return 1.0 / (1.0 + np.exp(-x))


@dataclass
class Latent:
    """The hidden state of one customer over the simulated window (arrays indexed by day)."""

    fit: float
    satisfaction: np.ndarray
    team_size: np.ndarray
    champion_strength: float
    exec_engagement: float
    trend_per_year: float
    champion_left_day: int | None
    champion_replaced_day: int | None
    incident_days: list[int]
    incident_burst: np.ndarray
    engagement: np.ndarray
    friction_share: np.ndarray
    value_share: np.ndarray
    extra: dict = field(default_factory=dict)


def simulate_latent(rng: np.random.Generator, *, days: int, start_day: int, seats: int, weekday0: int, touch_human: bool) -> Latent:
    """Draw one account's hidden state and roll it forward over ``days`` days.

    ``start_day`` is the first contract day relative to the window (negative: before it);
    ``weekday0`` is the weekday (Monday = 0) of window day 0.
    """
    t = np.arange(days)
    fit = float(rng.beta(4.0, 2.5))
    sat0 = 0.22 + 0.62 * fit + rng.normal(0.0, 0.1)

    # Most accounts drift little; some sour over the year, some warm up.
    kind = rng.random()
    if kind < 0.27:
        trend = -rng.uniform(0.3, 0.8)
    elif kind < 0.45:
        trend = rng.uniform(0.1, 0.35)
    else:
        trend = rng.normal(0.0, 0.07)
    trend_start = int(rng.integers(0, max(1, days // 2)))
    trend_component = trend * np.clip(t - trend_start, 0, None) / 365.0

    # Mean-reverting day-to-day noise (AR(1)).
    shocks = rng.normal(0.0, 0.012, size=days)
    noise = np.empty(days)
    acc = 0.0
    for i in range(days):
        acc = 0.97 * acc + shocks[i]
        noise[i] = acc

    # The champion may leave; a successor, if found, is weaker at first.
    champion_strength = float(rng.beta(3.0, 2.0))
    champion_left_day = None
    champion_replaced_day = None
    champion_effect = np.zeros(days)
    if rng.random() < 0.2:
        champion_left_day = int(rng.integers(max(0, start_day + 30), days)) if start_day + 30 < days else None
    if champion_left_day is not None:
        loss = 0.1 + 0.22 * champion_strength
        champion_effect[champion_left_day:] -= loss
        if rng.random() < (0.65 if touch_human else 0.4):
            champion_replaced_day = champion_left_day + int(rng.integers(30, 150))
            if champion_replaced_day < days:
                champion_effect[champion_replaced_day:] += loss * 0.6
            else:
                champion_replaced_day = None

    # Product incidents: a burst of friction and a dent in satisfaction that heals.
    incident_days = sorted(int(d) for d in rng.integers(0, days, size=rng.poisson(1.3 * days / 365.0)))
    incident_burst = np.zeros(days)
    incident_effect = np.zeros(days)
    for d in incident_days:
        length = int(rng.integers(5, 22))
        incident_burst[d : d + length] += rng.uniform(0.06, 0.18)
        dent = rng.uniform(0.03, 0.12)
        incident_effect[d:] -= dent * np.exp(-(t[d:] - d) / 60.0)

    exec_engagement = float(rng.beta(2.2, 2.0) if touch_human else rng.beta(1.2, 3.0))
    satisfaction = np.clip(sat0 + trend_component + noise + champion_effect + incident_effect, 0.02, 0.98)

    # Team size (people who could use the product) grows with fit, shrinks with poor fit.
    growth = rng.normal(0.35 * (fit - 0.45), 0.12)
    team0 = max(2.0, seats * rng.uniform(0.6, 1.05))
    team_size = np.maximum(1, np.round(team0 * np.exp(growth * t / 365.0))).astype(np.int64)

    ramp = np.where(t < start_day, 0.0, 1.0 - np.exp(-(t - start_day + 1) / 18.0))
    weekday = WEEKDAY_FACTOR[(weekday0 + t) % 7]
    engagement = np.clip(sigmoid(7.0 * (satisfaction - 0.4)) * (0.75 + 0.35 * fit) * ramp * weekday * 0.78, 0.0, 0.95)
    friction_share = np.clip(0.025 + 0.3 * (1.0 - satisfaction) ** 2 + incident_burst, 0.0, 0.6)
    value_share = np.clip(0.12 + 0.4 * satisfaction * fit, 0.0, 0.7)
    return Latent(
        fit=fit,
        satisfaction=satisfaction,
        team_size=team_size,
        champion_strength=champion_strength,
        exec_engagement=exec_engagement,
        trend_per_year=float(trend),
        champion_left_day=champion_left_day,
        champion_replaced_day=champion_replaced_day,
        incident_days=incident_days,
        incident_burst=incident_burst,
        engagement=engagement,
        friction_share=friction_share,
        value_share=value_share,
    )
