"""Expansion opportunity finder: the logical next steps after realized value, with evidence.

Suppressed entirely while the Realization zone is broken (DESIGN §1, "not a sales trap"): the
finder then returns no opportunity and the reason instead. Each opportunity carries its evidence,
an estimated annual value (formula in ``VALUE_HELP``) and the natural next step.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

from .inputs import AccountInputs
from .models import CapabilityMapping

SEATS_NEAR_LIMIT = 0.9  # active users ÷ seats at or above this: near the limit
SEAT_HEADROOM = 0.1  # a seat expansion proposal adds 10 % headroom above today's users
ADJACENT_TEAM_MIN_SEATS = 5  # a team is assumed to need at least this many seats
VALUE_MULTIPLE_FOR_NEXT_STEP = 3.0  # value delivered ≥ 3× spend justifies a growth conversation
NEXT_STEP_SHARE_OF_ARR = 0.2  # a growth workshop is sized at 20 % of current ARR

SCOPED_RECOMMENDATION = "Prepare a scoped recommendation"
GROWTH_WORKSHOP = "Run a growth workshop"
ENABLEMENT = "Include it in the enablement path"

VALUE_HELP = {
    "seats": "Seat price (MRR of the plan lines ÷ seats) × 12 × (users over the limit + 10 % headroom).",
    "addon": "The add-on's monthly value in the capability mapping × 12.",
    "adjacent_team": f"Seat price × 12 × the team's contacts (at least {ADJACENT_TEAM_MIN_SEATS}).",
    "integration": "The integration's monthly value in the capability mapping × 12.",
    "realized_value": f"{NEXT_STEP_SHARE_OF_ARR:.0%} of current ARR.",
}
KIND_LABELS = {
    "seats": "Seats near the limit",
    "addon": "Add-on they lack",
    "adjacent_team": "Adjacent team",
    "integration": "Unused integration",
    "realized_value": "Value realized",
}


@dataclass(frozen=True)
class Opportunity:
    kind: str
    title: str
    evidence: str
    estimated_value: float  # per year, in the organization's currency
    next_step: str

    @property
    def kind_label(self) -> str:
        return KIND_LABELS[self.kind]

    @property
    def value_help(self) -> str:
        return VALUE_HELP[self.kind]


@dataclass
class ExpansionResult:
    account_id: int
    suppressed: bool = False
    reason: str = ""
    realization_status: str = "unknown"
    opportunities: list[Opportunity] = field(default_factory=list)

    @property
    def total_value(self) -> float:
        return sum(o.estimated_value for o in self.opportunities)


def seats_opportunity(i: AccountInputs) -> Opportunity | None:
    utilization = i.seat_utilization
    if utilization is None or utilization < SEATS_NEAR_LIMIT:
        return None
    extra = max(i.active_users_recent - i.seats, 0) + math.ceil(i.seats * SEAT_HEADROOM)
    over = "over" if i.active_users_recent > i.seats else "near"
    return Opportunity(
        "seats",
        f"Add {extra} seats",
        f"{i.active_users_recent} users active in 28 days on {i.seats} licensed seats ({utilization:.0%}, {over} the limit).",
        round(i.seat_price * 12 * extra, 2),
        SCOPED_RECOMMENDATION,
    )


def addon_opportunities(i: AccountInputs) -> list[Opportunity]:
    found = []
    for m in i.mappings:
        if m.kind != CapabilityMapping.Kind.ADDON or (m.product and m.product.strip().lower() in i.products):
            continue
        count = i.event_counts_recent.get(m.event_name, 0)
        if count >= m.threshold:
            found.append(
                Opportunity(
                    "addon",
                    f"{m.name}",
                    f"{count:,} “{m.event_name}” events in 28 days (heavy use from {m.threshold:,}) without {m.product or m.name}.",
                    round(float(m.estimated_mrr) * 12, 2),
                    SCOPED_RECOMMENDATION,
                )
            )
    return found


def adjacent_team_opportunities(i: AccountInputs) -> list[Opportunity]:
    """Departments whose contacts use nothing while other departments do (matched on the
    contact's external id or email against the active users' ids)."""
    departments: dict[str, list] = {}
    for c in i.contacts:
        if c.department.strip():
            departments.setdefault(c.department.strip(), []).append(c)
    active = i.active_users_seen

    def is_active(c) -> bool:
        return bool((c.external_id and c.external_id in active) or (c.email and c.email.lower() in {u.lower() for u in active}))

    using = {d for d, people in departments.items() if any(is_active(c) for c in people)}
    if not using:
        return []  # nobody matched: we cannot tell licensed teams from adjacent ones
    found = []
    for name, people in sorted(departments.items()):
        if name in using:
            continue
        seats = max(len(people), ADJACENT_TEAM_MIN_SEATS)
        found.append(
            Opportunity(
                "adjacent_team",
                f"Bring in {name}",
                f"{len(people)} contact(s) in {name} and none active in 90 days, while {', '.join(sorted(using))} use the product.",
                round(i.seat_price * 12 * seats, 2),
                GROWTH_WORKSHOP,
            )
        )
    return found


def integration_opportunities(i: AccountInputs) -> list[Opportunity]:
    return [
        Opportunity(
            "integration",
            f"Connect {m.name}",
            f"No “{m.event_name}” event in 90 days: the {m.name} integration is unused.",
            round(float(m.estimated_mrr) * 12, 2),
            ENABLEMENT,
        )
        for m in i.mappings
        if m.kind == CapabilityMapping.Kind.INTEGRATION and m.event_name not in i.events_seen
    ]


def realized_value_opportunity(i: AccountInputs) -> Opportunity | None:
    multiple = i.value.value_multiple if i.value else None
    if multiple is None or multiple < VALUE_MULTIPLE_FOR_NEXT_STEP:
        return None
    return Opportunity(
        "realized_value",
        "Plan the next phase of value",
        f"Value delivered is {multiple:.1f}× the spend so far (a next step is justified from {VALUE_MULTIPLE_FOR_NEXT_STEP:.0f}×).",
        round(i.mrr * 12 * NEXT_STEP_SHARE_OF_ARR, 2),
        GROWTH_WORKSHOP,
    )


def suppression_reason(i: AccountInputs) -> str:
    realization = (i.zones or {}).get("realization") or {}
    if realization.get("status") != "broken":
        return ""
    score = realization.get("score")
    weakest = sorted((e for e in realization.get("evidence", []) if e.get("value") is not None), key=lambda e: e["value"])
    detail = f" Evidence: {weakest[0]['text']}." if weakest else ""
    score_text = f" (score {score:.0f} of 100)" if score is not None else ""
    return f"The Realization zone is broken{score_text}: value is not yet proven, so no expansion is proposed.{detail}"


def find_opportunities(i: AccountInputs) -> ExpansionResult:
    result = ExpansionResult(account_id=i.account.pk, realization_status=i.zone_status.get("realization", "unknown"))
    reason = suppression_reason(i)
    if reason:
        result.suppressed, result.reason = True, reason
        return result
    found: list[Opportunity] = []
    seats = seats_opportunity(i)
    if seats:
        found.append(seats)
    found += addon_opportunities(i)
    found += adjacent_team_opportunities(i)
    found += integration_opportunities(i)
    value = realized_value_opportunity(i)
    if value:
        found.append(value)
    result.opportunities = sorted(found, key=lambda o: -o.estimated_value)
    return result
