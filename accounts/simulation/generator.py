"""Generate a customer base in memory: plain data, no database. ``writer`` stores it.

Account ``i`` of a simulation depends only on ``(seed, i)`` and the window, so the same seed
always produces the same base, however it is chunked, and accounts can be generated lazily.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from . import names
from .contracts import ContractContext, Line, run_contract
from .events import EventArrays, active_user_matrix, empty_events, generate_events
from .interactions import make_contacts, schedule_notes, schedule_nps, schedule_tickets, schedule_touchpoints, user_weights
from .latent import simulate_latent
from .profiles import SEGMENTS, SimulationProfile

HUMAN_TOUCH_MRR = 1000.0
TZ_OFFSETS = [-8.0, -5.0, -5.0, 0.0, 1.0, 1.0, 2.0, 5.5, 8.0, 10.0]
ORG_STREAM = 2**31 - 1  # the rng stream for organization-level draws (account streams are 0..N-1)


@dataclass
class Window:
    """The simulated days: ``start`` .. ``end - 1`` (``end`` itself, e.g. today, is not simulated)."""

    end: dt.date
    days: int

    @property
    def start(self) -> dt.date:
        return self.end - dt.timedelta(days=self.days)

    def date(self, day: int) -> dt.date:
        return self.start + dt.timedelta(days=int(day))

    def datetime(self, day: int, second: int) -> dt.datetime:
        return dt.datetime.combine(self.date(day), dt.time(), tzinfo=dt.UTC) + dt.timedelta(seconds=int(second))


@dataclass
class SimAccount:
    """One generated customer with everything the product will see, plus its latent truth."""

    index: int
    external_id: str
    name: str
    domain: str
    segment: str
    tier: str
    human: bool
    start_day: int
    owner: int | None  # index into the CSM list
    note_author: int | None
    lifecycle_stage: str
    churn_day: int | None
    contacts: list[dict]
    lines: list[Line]
    touchpoints: list[dict]
    surveys: list[dict]
    tickets: list[dict]
    notes: list[dict]
    active: np.ndarray
    events: EventArrays
    latent: dict = field(default_factory=dict)


def account_stream(seed: int, index: int) -> np.random.Generator:
    return np.random.default_rng([int(seed), int(index)])


def csm_names(seed: int, count: int) -> list[str]:
    rng = np.random.default_rng([int(seed), ORG_STREAM, 1])
    out: list[str] = []
    while len(out) < count:
        name = names.person_name(rng)
        if name not in out:
            out.append(name)
    return out


def csm_count(accounts: int, profile: SimulationProfile) -> int:
    return int(np.clip(math.ceil(accounts * 0.35 / profile.csm_accounts_per_human_csm), profile.csm_min, profile.csm_max))


def account_names(seed: int, count: int) -> list[str]:
    return names.company_names(np.random.default_rng([int(seed), ORG_STREAM, 2]), count)


def generate_account(*, seed: int, index: int, name: str, window: Window, profile: SimulationProfile, n_csms: int) -> SimAccount:
    rng = account_stream(seed, index)
    days = window.days
    seg = SEGMENTS[int(rng.choice(len(SEGMENTS), p=[s.share for s in SEGMENTS]))]
    low, high = max(2, round(seg.seats_range[0] * profile.seat_scale)), max(3, round(seg.seats_range[1] * profile.seat_scale))
    seats = int(np.clip(round(math.exp(rng.uniform(math.log(low), math.log(high)))), low, high))
    billing = "annual" if rng.random() < seg.annual_share else "monthly"
    discount = round(float(rng.uniform(*seg.discount_range)), 2) if billing == "annual" else 0.0
    price = seg.list_price_per_seat * (1 - discount / 100)
    if rng.random() < profile.new_customer_share:
        start_day = int(rng.integers(0, max(1, days - 20)))
    else:
        start_day = -int(rng.integers(20, 3 * 365))
    # Mid-market and enterprise customers get a CSM; small ones only when they pay a lot.
    human = seg.key != "smb" or seats * price >= HUMAN_TOUCH_MRR
    domain = names.domain_for(name, rng)

    latent = simulate_latent(rng, days=days, start_day=start_day, seats=seats, weekday0=window.start.weekday(), touch_human=human)
    contacts = make_contacts(rng, segment=seg.key, domain=domain, latent=latent, start_day=start_day, days=days)
    n_users = int(max(latent.team_size.max(), len(contacts)))
    demand = rng.binomial(latent.team_size, latent.engagement).astype(np.int64)

    touchpoints = schedule_touchpoints(rng, latent=latent, contacts=contacts, start_day=start_day, days=days, human=human)
    surveys = schedule_nps(rng, latent=latent, contacts=contacts, start_day=start_day, days=days, interval=profile.nps_interval_days)
    exec_days = [t["day"] for t in touchpoints if t["executive_present"]]
    outcome = run_contract(
        ContractContext(
            rng=rng,
            latent=latent,
            demand=demand,
            start_day=start_day,
            days=days,
            window_start=window.start,
            segment=seg,
            billing=billing,
            price_per_seat=price,
            discount=discount,
            seats=seats,
            nps_by_day=[(s["day"], s["score"]) for s in surveys],
            exec_touch_days=exec_days,
        )
    )
    end_day = outcome.churn_day if outcome.churn_day is not None else days
    touchpoints = [t for t in touchpoints if t["day"] < end_day]
    surveys = [s for s in surveys if s["day"] < end_day]
    tickets = schedule_tickets(rng, latent=latent, segment=seg.key, start_day=start_day, end_day=end_day, days=days, scale=profile.ticket_rate_scale)
    for ticket in tickets:
        if ticket["resolved"] is not None and rng.random() < 0.35:
            score = int(np.clip(np.round(1.2 + 4.0 * ticket["satisfaction"] - 0.012 * min(ticket["hours"], 120) + rng.normal(0, 0.6)), 1, 5))
            day = ticket["resolved"] // 86400
            if day < end_day:
                surveys.append({"day": int(day), "second": int(ticket["resolved"] % 86400), "kind": "csat", "score": score, "contact": None, "comment": ""})
    notes = schedule_notes(rng, latent=latent, contacts=contacts, start_day=start_day, end_day=end_day, human=human, scale=profile.notes_scale)

    # Who may be active when: in the team by then, joined, not departed.
    t = np.arange(days)
    available = np.arange(n_users)[None, :] < latent.team_size[:, None]
    for c in contacts:
        available[:, c["user"]] &= t >= c["joined_day"]
        if c["left_day"] is not None:
            available[:, c["user"]] &= t < c["left_day"]
    weights = user_weights(contacts, n_users, rng)
    day_idx, user_idx = active_user_matrix(rng, active=outcome.active, weights=weights, available=available)
    events = generate_events(
        rng,
        latent=latent,
        day_idx=day_idx,
        user_idx=user_idx,
        per_user=profile.events_per_active_user,
        tz_offset_hours=TZ_OFFSETS[int(rng.integers(len(TZ_OFFSETS)))],
    )
    if profile.event_days is not None and len(events):
        keep = events.day >= days - profile.event_days
        events = EventArrays(events.day[keep], events.second[keep], events.user[keep], events.event[keep], events.value[keep])
    if len(events) == 0:
        events = empty_events()

    # Contacts' engagement recency: last touchpoint attended or last product use.
    for i, c in enumerate(contacts):
        last = [tp["day"] * 86400 + tp["second"] for tp in touchpoints if i in tp["contacts"]]
        used = np.flatnonzero(events.user == c["user"])
        if len(used):
            last.append(int(events.day[used[-1]]) * 86400 + int(events.second[used[-1]]))
        c["last_engaged"] = max(last) if last else None

    sat_end = float(latent.satisfaction[end_day - 1])
    if outcome.churn_day is not None:
        stage = "churned"
    elif days - start_day < 45:
        stage = "onboarding"
    elif sat_end < 0.3:
        stage = "at_risk"
    elif days - start_day < 180:
        stage = "adopting"
    else:
        stage = "mature"
    owner = int(rng.integers(n_csms)) if n_csms and (human or rng.random() < 0.4) else None
    # Notes on an unowned (tech-touch) account are written by a CSM of the pooled team.
    note_author = owner if owner is not None else (int(rng.integers(n_csms)) if n_csms else None)

    return SimAccount(
        index=index,
        external_id=f"C{index + 1:05d}",
        name=name,
        domain=domain,
        segment=seg.key,
        tier=seg.plan,
        human=human,
        start_day=start_day,
        owner=owner,
        note_author=note_author,
        lifecycle_stage=stage,
        churn_day=outcome.churn_day,
        contacts=contacts,
        lines=outcome.lines,
        touchpoints=touchpoints,
        surveys=surveys,
        tickets=tickets,
        notes=notes,
        active=outcome.active,
        events=events,
        latent={
            "fit": round(latent.fit, 3),
            "satisfaction_start": round(float(latent.satisfaction[max(0, start_day)]), 3),
            "satisfaction_end": round(sat_end, 3),
            "trend_per_year": round(latent.trend_per_year, 3),
            "team_size_start": int(latent.team_size[0]),
            "team_size_end": int(latent.team_size[-1]),
            "champion_strength": round(latent.champion_strength, 3),
            "champion_left_on": None if latent.champion_left_day is None else window.date(latent.champion_left_day).isoformat(),
            "champion_replaced_on": None if latent.champion_replaced_day is None else window.date(latent.champion_replaced_day).isoformat(),
            "exec_engagement": round(latent.exec_engagement, 3),
            "incidents": [window.date(d).isoformat() for d in latent.incident_days],
            "decisions": [{**d, "date": window.date(d.pop("day")).isoformat()} for d in outcome.decisions],
        },
    )


def generate(*, seed: int, accounts: int, window: Window, profile: SimulationProfile, n_csms: int) -> Iterator[SimAccount]:
    """The customer base, one account at a time (lazily, so 10,000 accounts fit in memory)."""
    for index, name in enumerate(account_names(seed, accounts)):
        yield generate_account(seed=seed, index=index, name=name, window=window, profile=profile, n_csms=n_csms)
