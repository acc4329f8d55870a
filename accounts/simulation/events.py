"""Usage events from daily active users, vectorised per account with numpy.

Who is active on a day is a weighted draw without replacement (power users and the champion
more often); what they do depends on the day's latent satisfaction and friction.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .latent import Latent
from .profiles import FRICTION_WEIGHTS, NEUTRAL_EVENTS, NEUTRAL_WEIGHTS, VALUE_EVENTS, VALUE_WEIGHTS

N_VALUE, N_NEUTRAL = len(VALUE_EVENTS), len(NEUTRAL_EVENTS)
_VALUE_P = np.array(VALUE_WEIGHTS) / sum(VALUE_WEIGHTS)
_NEUTRAL_P = np.array(NEUTRAL_WEIGHTS) / sum(NEUTRAL_WEIGHTS)
_FRICTION_P = np.array(FRICTION_WEIGHTS) / sum(FRICTION_WEIGHTS)
# Indices into EVENT_NAMES (value, then neutral, then friction) of the events with a numeric value.
AUTOMATION_RUN, WORKFLOW_COMPLETED, INTEGRATION_SYNCED = 2, 3, 4


@dataclass
class EventArrays:
    """One account's events as parallel arrays (sorted by day, then second)."""

    day: np.ndarray  # int, window day
    second: np.ndarray  # int, seconds after midnight UTC
    user: np.ndarray  # int, user index within the account
    event: np.ndarray  # int, index into EVENT_NAMES
    value: np.ndarray  # float, NaN when the event carries no value

    def __len__(self) -> int:
        return len(self.day)


def empty_events() -> EventArrays:
    z = np.zeros(0, dtype=np.int64)
    return EventArrays(z, z, z, z, np.zeros(0))


def active_user_matrix(rng: np.random.Generator, *, active: np.ndarray, weights: np.ndarray, available: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(day, user) pairs: on each day, ``active[day]`` distinct users drawn by weight.

    ``available`` is a (days, users) boolean mask (in the team, not departed). Weighted
    sampling without replacement by exponential keys (Efraimidis–Spirakis).
    """
    days_with_use = np.flatnonzero(active > 0)
    if len(days_with_use) == 0:
        return np.zeros(0, dtype=np.int64), np.zeros(0, dtype=np.int64)
    n_users = len(weights)
    keys = rng.random((len(days_with_use), n_users)) ** (1.0 / np.maximum(weights, 1e-6))
    keys[~available[days_with_use]] = -1.0
    order = np.argsort(-keys, axis=1, kind="stable")
    counts = np.minimum(active[days_with_use], available[days_with_use].sum(axis=1))
    width = int(counts.max()) if len(counts) else 0
    mask = np.arange(width)[None, :] < counts[:, None]
    day_idx = np.repeat(days_with_use, counts)
    user_idx = order[:, :width][mask]
    return day_idx, user_idx


def generate_events(
    rng: np.random.Generator, *, latent: Latent, day_idx: np.ndarray, user_idx: np.ndarray, per_user: float, tz_offset_hours: float
) -> EventArrays:
    """Events for the active (day, user) pairs: one or more each, kinds by the day's mood."""
    if len(day_idx) == 0:
        return empty_events()
    sat = latent.satisfaction[day_idx]
    extra = rng.poisson(per_user * (0.5 + 1.0 * sat))
    n_per_pair = 1 + extra
    day = np.repeat(day_idx, n_per_pair)
    user = np.repeat(user_idx, n_per_pair)
    n = len(day)

    u = rng.random(n)
    friction = latent.friction_share[day]
    value_share = latent.value_share[day]
    event = np.where(
        u < friction,
        N_VALUE + N_NEUTRAL + rng.choice(len(_FRICTION_P), size=n, p=_FRICTION_P),
        np.where(u < friction + value_share, rng.choice(N_VALUE, size=n, p=_VALUE_P), N_VALUE + rng.choice(N_NEUTRAL, size=n, p=_NEUTRAL_P)),
    )
    local = rng.normal(13.0 * 3600, 2.6 * 3600, size=n) - tz_offset_hours * 3600
    second = np.clip(local, 0, 86399).astype(np.int64)

    value = np.full(n, np.nan)
    m = event == AUTOMATION_RUN
    value[m] = np.round(rng.lognormal(2.3, 0.6, size=int(m.sum())), 1)
    m = event == WORKFLOW_COMPLETED
    value[m] = np.round(rng.lognormal(3.2, 0.5, size=int(m.sum())), 1)
    m = event == INTEGRATION_SYNCED
    value[m] = rng.poisson(180, size=int(m.sum())).astype(float)

    order = np.lexsort((second, day))
    return EventArrays(day[order], second[order], user[order], event[order], value[order])
