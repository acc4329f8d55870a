"""Roadmap builder rules: the next priorities of an account as a 30-60-90 plan.

Each rule is a pure function of ``AccountInputs`` returning a ``Recommendation`` (or None) whose
``why`` states the evidence, so the CSM and the customer see why it was proposed. Rules look at
the zone that needs attention first, KPI progress, adoption gaps and maturity (lifecycle stage,
tenure, team size). ``recommend`` runs them all, in the order of the chain.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from .inputs import AccountInputs
from .models import RoadmapPhase

BEHIND_BELOW = 0.8  # KPI progress below 80 % of the time elapsed is behind plan
LOW_SEAT_ACTIVATION = 0.5  # fewer than half the licensed seats active in 28 days
LARGE_TEAM_SEATS = 50  # a team this size needs internal champions, not one admin
NEW_ACCOUNT_DAYS = 90
MATURE_ACCOUNT_DAYS = 365

ZONE_PRIORITIES = {
    "belief": ("Re-confirm the outcomes you bought for", "Belief"),
    "commitment": ("Engage an executive sponsor and a champion", "Commitment"),
    "activation": ("Complete onboarding and activate the licensed seats", "Activation"),
    "realization": ("Agree KPI targets and measure progress against them", "Realization"),
    "recognition": ("Hold a business review to show the results to leadership", "Recognition"),
}


@dataclass(frozen=True)
class Recommendation:
    rule: str
    phase: str
    title: str
    why: str


def _pct(value: float) -> str:
    return f"{value:.0%}"


def rule_attention_zone(i: AccountInputs) -> Recommendation | None:
    """The earliest zone not holding comes first (expansion is never a fix)."""
    zone = i.attention_zone
    if zone not in ZONE_PRIORITIES or not i.zones:
        return None
    data = i.zones.get(zone) or {}
    title, label = ZONE_PRIORITIES[zone]
    weakest = sorted((e for e in data.get("evidence", []) if e.get("value") is not None), key=lambda e: e["value"])
    evidence = f" Weakest evidence: {weakest[0]['text']}." if weakest else ""
    score = data.get("score")
    score_text = f" (score {score:.0f} of 100)" if score is not None else ""
    return Recommendation("attention_zone", RoadmapPhase.DAY_30, title, f"{label} is the first zone that is not holding{score_text}.{evidence}")


def rule_success_plan(i: AccountInputs) -> Recommendation | None:
    """No plan, or KPIs behind: agree or recover the outcomes."""
    if not i.has_plan:
        return Recommendation(
            "success_plan", RoadmapPhase.DAY_30, "Agree goals and KPI targets in a success plan", "No success plan records what the product should achieve yet."
        )
    if i.outcome is not None and i.outcome < BEHIND_BELOW:
        return Recommendation(
            "success_plan",
            RoadmapPhase.DAY_30,
            "Recover the KPIs that are behind target",
            f"KPI progress is {_pct(i.outcome)} of what the time elapsed calls for (behind below {_pct(BEHIND_BELOW)}).",
        )
    return None


def rule_seat_activation(i: AccountInputs) -> Recommendation | None:
    """Adoption gap: licensed seats that nobody uses."""
    utilization = i.seat_utilization
    if utilization is None or utilization >= LOW_SEAT_ACTIVATION:
        return None
    return Recommendation(
        "seat_activation",
        RoadmapPhase.DAY_60,
        "Activate the unused seats with role-based training",
        f"{i.active_users_recent} of {i.seats} licensed seats were active in the last 28 days ({_pct(utilization)}).",
    )


def rule_weak_dimension(i: AccountInputs) -> Recommendation | None:
    """Adoption gap seen by the customer themselves: the weakest health-check dimension."""
    weak = i.weak_dimensions
    if not weak:
        return None
    key, score = weak[0]
    name = key.replace("_", " ")
    return Recommendation(
        "weak_dimension", RoadmapPhase.DAY_60, f"Strengthen {name}", f"The latest health check scored {name} {score:.0f} of 100 (weak below 60)."
    )


def rule_maturity(i: AccountInputs) -> Recommendation | None:
    """What the next phase looks like for the account's stage and tenure."""
    stage, tenure = i.account.lifecycle_stage, i.tenure_days
    if tenure is None:
        return None
    if stage == "onboarding" and tenure <= NEW_ACCOUNT_DAYS:
        return Recommendation(
            "maturity", RoadmapPhase.DAY_30, "Reach the first measurable outcome", f"{tenure} days in and still onboarding: the first outcome anchors belief."
        )
    if stage == "adopting":
        return Recommendation(
            "maturity",
            RoadmapPhase.DAY_90,
            "Embed the product in a second business process",
            f"Adopting for {tenure} days: a second process makes the value harder to lose.",
        )
    if stage == "mature" and tenure >= MATURE_ACCOUNT_DAYS:
        return Recommendation(
            "maturity",
            RoadmapPhase.DAY_90,
            "Set the next year's goals in an executive business review",
            f"A mature customer for {tenure} days: new goals keep the value growing.",
        )
    return None


def rule_team_scale(i: AccountInputs) -> Recommendation | None:
    """Large, well-activated teams need internal champions."""
    utilization = i.seat_utilization
    if i.seats < LARGE_TEAM_SEATS or utilization is None or utilization < LOW_SEAT_ACTIVATION:
        return None
    return Recommendation(
        "team_scale",
        RoadmapPhase.DAY_90,
        "Build a network of internal champions across teams",
        f"{i.seats} seats with {_pct(utilization)} active: one admin cannot carry a team this size.",
    )


def rule_value_story(i: AccountInputs) -> Recommendation | None:
    """Realization holds and value exceeds spend: make the win visible."""
    if i.zone_status.get("realization") != "holding" or i.value is None or not i.value.value_multiple or i.value.value_multiple < 1:
        return None
    return Recommendation(
        "value_story",
        RoadmapPhase.DAY_90,
        "Share the value story with leadership",
        f"Value delivered is {i.value.value_multiple:.1f}× the spend so far, and Realization holds.",
    )


RULES: list[Callable[[AccountInputs], Recommendation | None]] = [
    rule_attention_zone,
    rule_success_plan,
    rule_seat_activation,
    rule_weak_dimension,
    rule_maturity,
    rule_team_scale,
    rule_value_story,
]


def recommend(i: AccountInputs) -> list[Recommendation]:
    """Every rule that fires, in rule order (each rule at most once)."""
    return [r for r in (rule(i) for rule in RULES) if r is not None]
