"""Retention-architecture zones: six stages in order plus the Trust and Intelligence layers.

Each zone's score (0–100) is the mean of its pieces of evidence, each itself 0–100 and stored
with a sentence saying what it is. A zone without any evidence is ``unknown`` and is skipped
when finding the zone that needs attention first (the earliest zone that does not hold).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from .facts import RECENCY_LOOKBACK, AccountFacts, OrgFacts
from .models import ZoneStatus
from .scoring import OK, Measure, normalize, taken_on

CHAIN = ["belief", "commitment", "activation", "realization", "expansion", "recognition"]
LAYERS = ["trust", "intelligence"]
LABELS = {
    "belief": "Belief",
    "commitment": "Commitment",
    "activation": "Activation",
    "realization": "Realization",
    "expansion": "Expansion",
    "recognition": "Recognition",
    "trust": "Trust",
    "intelligence": "Intelligence",
}
QUESTIONS = {
    "belief": "Did they buy for the right reasons?",
    "commitment": "Is the organization behind the decision?",
    "activation": "Did onboarding land?",
    "realization": "Is it provably working?",
    "expansion": "Is there a logical next step?",
    "recognition": "Is the win seen?",
    "trust": "Is the relationship healthy?",
    "intelligence": "Can we see what is happening?",
}
HOLDING_AT, BROKEN_BELOW = 70.0, 40.0
# Adoption health-check dimensions that evidence each zone (retention-architecture assessments
# answer per zone directly).
HEALTHCHECK_DIMENSIONS = {
    "belief": ["internal_feedback", "unresolved_barriers"],
    "commitment": ["stakeholder_alignment", "team_engagement"],
    "activation": ["training_completion", "usage_frequency"],
    "realization": ["process_integration", "content_adoption"],
}


@dataclass
class ZoneResult:
    zones: dict[str, dict]
    attention_zone: str
    broken_layers: list[str]


def status_for(score: float | None) -> str:
    if score is None:
        return ZoneStatus.UNKNOWN
    if score >= HOLDING_AT:
        return ZoneStatus.HOLDING
    if score >= BROKEN_BELOW:
        return ZoneStatus.AT_RISK
    return ZoneStatus.BROKEN


def _key(name: str) -> str:
    return name.strip().lower().replace(" ", "_").replace("-", "_")


def _healthcheck_evidence(zone: str, result: dict | None) -> list[tuple[str, float]]:
    if not result:
        return []
    dims = {_key(k): v for k, v in (result.get("dimensions") or {}).items() if v is not None}
    return [(f"Health check: {name.replace('_', ' ')}", float(dims[name])) for name in HEALTHCHECK_DIMENSIONS.get(zone, []) if name in dims]


def _ok(measure: Measure | None) -> bool:
    return measure is not None and measure.status == OK


def compute_zones(*, aid: int, day: dt.date, org_facts: OrgFacts, facts: AccountFacts, measures: dict[str, Measure]) -> ZoneResult:
    ev: dict[str, list[tuple[str, float]]] = {z: [] for z in CHAIN + LAYERS}
    hc = facts.healthcheck.get(aid)
    for zone in CHAIN:
        ev[zone].extend(_healthcheck_evidence(zone, hc))
    for zone, value in sorted(facts.zone_answers.get(aid, {}).items()):
        if zone in ev and value is not None:
            ev[zone].append(("Retention-architecture assessment", float(value)))
    roles = facts.current_roles.get(aid, set())
    engaged = facts.engaged_roles.get(aid, set())

    if facts.outcome_available:
        captured = facts.outcome_progress.get(aid) is not None
        ev["belief"].append(
            ("Success-plan goals with KPI targets captured" if captured else "No success-plan goal with a KPI target", 100.0 if captured else 0.0)
        )

    ev["commitment"] += [
        ("Executive sponsor identified" if "executive_sponsor" in roles else "No executive sponsor identified", 100.0 if "executive_sponsor" in roles else 0.0),
        ("Champion identified" if "champion" in roles else "No champion identified", 100.0 if "champion" in roles else 0.0),
        ("Kickoff held" if aid in facts.kickoff_held else "No kickoff recorded", 100.0 if aid in facts.kickoff_held else 0.0),
        (f"{len(engaged)} stakeholder role(s) engaged in the last 90 days (3 or more = multithreaded)", min(len(engaged) / 3, 1.0) * 100.0),
    ]

    if aid in facts.onboarding_milestones:
        done, total = facts.onboarding_milestones[aid]
        ev["activation"].append((f"Onboarding milestones done: {done} of {total}", done / total * 100.0))
    if _ok(measures.get("breadth")):
        ev["activation"].append((f"Seats activated: {measures['breadth'].raw:.0%} of licensed seats active", measures["breadth"].normalized))
    if _ok(measures.get("key_feature_adoption")):
        ev["activation"].append((f"Key features used: {measures['key_feature_adoption'].raw:.0%}", measures["key_feature_adoption"].normalized))
    start = facts.start_date.get(aid)
    # Time to first value, for accounts that started within the usage window (60 days).
    if start and org_facts.latest_event_day and 0 <= (day - start).days < RECENCY_LOOKBACK:
        first = org_facts.first_value_day.get(aid)
        if first and first >= start:
            ttfv = (first - start).days
            ev["activation"].append((f"First value event {ttfv} days after the start", normalize(ttfv, 60, 14)))
        elif (day - start).days > 30:
            ev["activation"].append((f"No value event in the {(day - start).days} days since the start", 0.0))

    if _ok(measures.get("outcome_progress")):
        ev["realization"].append((f"KPI progress versus time elapsed: {measures['outcome_progress'].raw:.0%}", measures["outcome_progress"].normalized))

    if _ok(measures.get("breadth")):
        ev["expansion"].append((f"Seat utilization {measures['breadth'].raw:.0%} (near the limit at 90%)", normalize(measures["breadth"].raw, 0.5, 0.9)))
    if _ok(measures.get("usage_trend")):
        ev["expansion"].append((f"Usage trend {measures['usage_trend'].raw:+.0%} over 28 days", measures["usage_trend"].normalized))

    last_review = facts.last_review.get(aid)
    if last_review:
        days = (day - last_review).days
        ev["recognition"].append((f"Last QBR/EBR {days} days ago", 100.0 if days <= 90 else normalize(days, 180, 90)))
    elif aid in facts.has_relationship_data:
        ev["recognition"].append(("No QBR or EBR held yet", 0.0))
    if aid in facts.nps_latest:
        nps = facts.nps_latest[aid]
        ev["recognition"].append((f"Latest NPS answer {nps} (promoter ≥ 9)", 100.0 if nps >= 9 else 50.0 if nps >= 7 else 0.0))

    for key, label in (("sentiment", "Sentiment"), ("support", "Support load and trend"), ("relationship", "Executive engagement")):
        if _ok(measures.get(key)):
            ev["trust"].append((f"{label} score", measures[key].normalized))
    if aid in facts.note_sentiment:
        ev["trust"].append(("CSM note sentiment in the last 90 days", facts.note_sentiment[aid]))

    if org_facts.latest_event_day is not None:
        last = org_facts.last_event_day.get(aid)
        days = (day - last).days if last else None
        ev["intelligence"].append(
            (
                f"Usage data: last event {days} days ago" if days is not None else "No usage data from this account",
                normalize(days, 30, 7) if days is not None else 0.0,
            )
        )
    if facts.outcome_available:
        measured = facts.outcome_progress.get(aid) is not None
        ev["intelligence"].append(("KPIs measured" if measured else "No KPI measured", 100.0 if measured else 0.0))
    if facts.healthcheck_available:
        taken = taken_on(hc)
        recent = taken is not None and (day - taken).days <= 90
        ev["intelligence"].append(("Health check taken this quarter" if recent else "No health check in the last 90 days", 100.0 if recent else 0.0))

    zones = {}
    for zone in CHAIN + LAYERS:
        items = ev[zone]
        score = round(sum(v for _, v in items) / len(items), 2) if items else None
        zones[zone] = {
            "label": LABELS[zone],
            "score": score,
            "status": status_for(score),
            "evidence": [{"text": text, "value": round(value, 2)} for text, value in items],
        }
    if zones["realization"]["status"] != ZoneStatus.HOLDING:
        zones["expansion"]["evidence"].append({"text": "Expansion is only meaningful once Realization holds.", "value": None})
    attention = next((z for z in CHAIN if zones[z]["status"] in (ZoneStatus.AT_RISK, ZoneStatus.BROKEN)), "")
    broken_layers = [z for z in LAYERS if zones[z]["status"] == ZoneStatus.BROKEN]
    return ZoneResult(zones=zones, attention_zone=attention, broken_layers=broken_layers)
