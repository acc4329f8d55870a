"""Health scores: each measure of the scorecard from the facts of one day, and the composite.

Pure functions over ``dashboards.facts`` (which does the set-based SQL). The composite is the
weighted mean of the measures with fresh data; stale and missing measures are recorded with
their reason and count neither as healthy nor as unhealthy. ``coverage`` is the share of the
scorecard's weight that had fresh data.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from .facts import RECENCY_LOOKBACK, AccountFacts, OrgFacts
from .models import Band
from .scorecards import MEASURES

OK, STALE, MISSING = "ok", "stale", "missing"
USAGE_MEASURES = ("usage_depth", "usage_trend", "breadth", "key_feature_adoption", "recency")


@dataclass
class Measure:
    status: str
    raw: float | None = None
    normalized: float | None = None
    detail: dict = field(default_factory=dict)


@dataclass
class ScoreResult:
    score: float | None
    band: str
    coverage: float
    measures: dict[str, dict]


def normalize(raw: float, zero_at: float, full_at: float) -> float:
    """``raw`` mapped linearly so that ``zero_at`` → 0 and ``full_at`` → 100, clamped to 0–100."""
    fraction = (raw - zero_at) / (full_at - zero_at)
    return max(0.0, min(100.0, fraction * 100.0))


def percentile_ranks(values: dict[int, float]) -> dict[int, float]:
    """Each key's mid-rank percentile among ``values`` (0 = lowest, 100 = highest; ties share)."""
    if not values:
        return {}
    if len(values) == 1:
        return dict.fromkeys(values, 50.0)
    ordered = sorted(values.values())
    n = len(ordered)
    result = {}
    import bisect

    for key, value in values.items():
        below = bisect.bisect_left(ordered, value)
        equal = bisect.bisect_right(ordered, value) - below
        result[key] = (below + (equal - 1) / 2) / (n - 1) * 100.0
    return result


def depth_raw_values(org_facts: OrgFacts, account_ids: list[int]) -> dict[int, float]:
    """Value events per active user over 28 days for each account of the population."""
    out = {}
    for aid in account_ids:
        users = org_facts.active_users_28.get(aid, 0)
        out[aid] = org_facts.value_28.get(aid, 0) / users if users else 0.0
    return out


def _usage_status(org_facts: OrgFacts, definition: dict) -> tuple[str, str]:
    if org_facts.latest_event_day is None:
        return MISSING, f"No usage data received in the last {RECENCY_LOOKBACK} days."
    age = (org_facts.day - org_facts.latest_event_day).days
    if age > definition.get("usage_stale_after_days", 3):
        return STALE, f"The newest usage data is {age} days old."
    return OK, ""


def compute_measures(
    *, aid: int, day: dt.date, org_facts: OrgFacts, facts: AccountFacts, definition: dict, depth_percentile: dict[int, float]
) -> dict[str, Measure]:
    specs = definition["measures"]
    out: dict[str, Measure] = {}
    usage_status, usage_reason = _usage_status(org_facts, definition)

    # --- usage measures (all from the rollups)
    users = org_facts.active_users_28.get(aid, 0)
    value_28 = org_facts.value_28.get(aid, 0)
    if usage_status != OK:
        for key in USAGE_MEASURES:
            out[key] = Measure(usage_status, detail={"reason": usage_reason})
    else:
        depth = value_28 / users if users else 0.0
        pct = depth_percentile.get(aid, 0.0)
        out["usage_depth"] = Measure(
            OK,
            depth,
            normalize(pct, specs["usage_depth"]["zero_at"], specs["usage_depth"]["full_at"]),
            {"value_events": value_28, "active_users": users, "percentile": round(pct, 2)},
        )
        prev = org_facts.value_prev_28.get(aid, 0)
        if value_28 == 0 and prev == 0:
            out["usage_trend"] = Measure(MISSING, detail={"reason": "No value events in either 28-day period."})
        else:
            change = 1.0 if prev == 0 else (value_28 - prev) / prev
            out["usage_trend"] = Measure(OK, change, _norm(change, specs["usage_trend"]), {"last_28_days": value_28, "previous_28_days": prev})
        seats = facts.seats.get(aid, 0)
        if seats:
            ratio = users / seats
            out["breadth"] = Measure(OK, ratio, _norm(ratio, specs["breadth"]), {"active_users": users, "seats_licensed": seats})
        else:
            out["breadth"] = Measure(MISSING, detail={"reason": "No running contract line with licensed seats."})
        if org_facts.key_features:
            used = org_facts.key_features_used.get(aid, 0)
            share = used / len(org_facts.key_features)
            out["key_feature_adoption"] = Measure(
                OK, share, _norm(share, specs["key_feature_adoption"]), {"used": used, "key_features": org_facts.key_features}
            )
        else:
            out["key_feature_adoption"] = Measure(MISSING, detail={"reason": "No key features configured or seen."})
        last = org_facts.last_event_day.get(aid)
        days = (day - last).days if last else RECENCY_LOOKBACK
        detail = {"last_event_day": last.isoformat() if last else None}
        if not last:
            detail["reason"] = f"No event in the last {RECENCY_LOOKBACK} days."
        out["recency"] = Measure(OK, days, _norm(days, specs["recency"]), detail)

    out["outcome_progress"] = _outcome(aid, facts, specs)
    out["sentiment"] = _sentiment(aid, day, facts, specs)
    out["support"] = _support(aid, facts, specs)
    out["relationship"] = _relationship(aid, day, facts, specs)
    return out


def _norm(raw: float, spec: dict) -> float:
    return normalize(raw, spec["zero_at"], spec["full_at"])


def _outcome(aid: int, facts: AccountFacts, specs: dict) -> Measure:
    if not facts.outcome_available:
        return Measure(MISSING, detail={"reason": "Success plans are not connected yet."})
    progress = facts.outcome_progress.get(aid)
    if progress is None:
        return Measure(MISSING, detail={"reason": "No success-plan KPI with a target."})
    return Measure(OK, progress, _norm(progress, specs["outcome_progress"]), {"progress_vs_time": progress})


def _sentiment(aid: int, day: dt.date, facts: AccountFacts, specs: dict) -> Measure:
    spec = specs["sentiment"]
    stale_after = spec.get("stale_after_days", 180)
    parts: dict[str, float] = {}
    if aid in facts.nps_avg:
        parts["nps"] = facts.nps_avg[aid] * 10
    if aid in facts.csat_avg:
        parts["csat"] = (facts.csat_avg[aid] - 1) * 25
    result = facts.healthcheck.get(aid)
    taken = taken_on(result)
    if result and taken and (day - taken).days <= stale_after and result.get("overall") is not None:
        parts["health_check"] = float(result["overall"])
    if parts:
        raw = sum(parts.values()) / len(parts)
        return Measure(OK, raw, _norm(raw, spec), {k: round(v, 2) for k, v in parts.items()})
    if aid in facts.last_survey_day or taken:
        newest = max(d for d in (facts.last_survey_day.get(aid), taken) if d)
        return Measure(STALE, detail={"reason": f"Newest answer is from {newest.isoformat()}, older than {stale_after} days."})
    return Measure(MISSING, detail={"reason": "No NPS, CSAT or health-check answer yet."})


def taken_on(result: dict | None) -> dt.date | None:
    if not result or not result.get("taken_at"):
        return None
    taken = result["taken_at"]
    if isinstance(taken, str):
        taken = dt.datetime.fromisoformat(taken) if "T" in taken else dt.date.fromisoformat(taken)
    return taken.date() if isinstance(taken, dt.datetime) else taken


def _support(aid: int, facts: AccountFacts, specs: dict) -> Measure:
    if not facts.org_has_tickets:
        return Measure(MISSING, detail={"reason": "No support tickets are recorded for this organization."})
    cur, prev = facts.support_28.get(aid, 0), facts.support_prev_28.get(aid, 0)
    load_score = _norm(cur, specs["support"])
    trend_score = 100.0 if cur <= prev else max(0.0, 100.0 - 100.0 * (cur - prev) / max(prev, 1))
    return Measure(OK, cur, 0.7 * load_score + 0.3 * trend_score, {"weighted_tickets_28_days": cur, "previous_28_days": prev})


def _relationship(aid: int, day: dt.date, facts: AccountFacts, specs: dict) -> Measure:
    if aid not in facts.has_relationship_data:
        return Measure(MISSING, detail={"reason": "No contacts or touchpoints recorded."})
    spec = specs["relationship"]
    last = facts.last_exec_touch.get(aid)
    days = (day - last).days if last else None
    exec_score = _norm(days, spec) if days is not None else 0.0
    roles = sorted(facts.engaged_roles.get(aid, set()))
    roles_score = min(len(roles) / spec.get("roles_full_at", 3), 1.0) * 100.0
    return Measure(
        OK,
        days,
        0.5 * exec_score + 0.5 * roles_score,
        {"days_since_executive_touchpoint": days, "engaged_roles": roles},
    )


def band_for(score: float | None, bands: dict) -> str:
    if score is None:
        return Band.UNKNOWN
    if score >= bands["green"]:
        return Band.GREEN
    if score >= bands["yellow"]:
        return Band.YELLOW
    return Band.RED


def composite(measures: dict[str, Measure], definition: dict) -> ScoreResult:
    """Weighted mean of the fresh measures; each measure's contribution is in score points."""
    specs = definition["measures"]
    total_weight = sum(s["weight"] for s in specs.values() if s["weight"] > 0)
    fresh_weight = sum(specs[k]["weight"] for k, m in measures.items() if m.status == OK and specs[k]["weight"] > 0)
    stored: dict[str, dict] = {}
    score = 0.0
    for key, m in measures.items():
        weight = specs[key]["weight"]
        counts = m.status == OK and weight > 0 and fresh_weight > 0
        contribution = weight * m.normalized / fresh_weight if counts else None
        if contribution is not None:
            score += contribution
        stored[key] = {
            "label": MEASURES[key][0],
            "status": m.status,
            "raw": _round(m.raw, 4),
            "normalized": _round(m.normalized, 2),
            "weight": weight,
            "contribution": _round(contribution, 2),
            "detail": m.detail,
        }
    final = round(score, 2) if fresh_weight > 0 else None
    coverage = round(fresh_weight / total_weight, 4) if total_weight else 0.0
    return ScoreResult(score=final, band=band_for(final, definition["bands"]), coverage=coverage, measures=stored)


def _round(value: float | None, digits: int) -> float | None:
    return None if value is None else round(float(value), digits)


def score_accounts(
    *, day: dt.date, account_ids: list[int], org_facts: OrgFacts, facts: AccountFacts, definition: dict, depth_percentile: dict[int, float]
) -> dict[int, ScoreResult]:
    """Scores of one chunk of accounts, in memory (the pipeline stores them, the backtest not)."""
    return {
        aid: composite(
            compute_measures(aid=aid, day=day, org_facts=org_facts, facts=facts, definition=definition, depth_percentile=depth_percentile),
            definition,
        )
        for aid in account_ids
    }
