"""Natural next steps: what the CSM should do next for an account, from the experiences' signals.

Each experience leads to the next one (health check finds underuse → enablement path; roadmap
agreed → expansion planning; expansion finder → scoped recommendation; value holding → renewal
summary; promoter → advocacy story). Links to pages of apps not installed yet are left out.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.urls import NoReverseMatch, reverse

from .expansion import ExpansionResult
from .inputs import AccountInputs

UNDERUSE_DIMENSIONS = {"usage_frequency", "training_completion", "content_adoption", "team_engagement"}
PROMOTER_FROM = 9


@dataclass(frozen=True)
class NextStep:
    key: str
    title: str
    why: str
    url: str | None


def _url(name: str, **kwargs) -> str | None:
    try:
        return reverse(name, kwargs=kwargs)
    except NoReverseMatch:
        return None


@dataclass(frozen=True)
class RoadmapState:
    items: int = 0
    agreed: int = 0
    agreed_not_in_plan: int = 0
    pending: int = 0


def next_steps(
    *, i: AccountInputs, expansion: ExpansionResult, roadmap: RoadmapState, org_slug: str, renewal_within_120: dt.date | None = None
) -> list[NextStep]:
    a = i.account.pk
    steps: list[NextStep] = []
    underused = [(k, v) for k, v in i.weak_dimensions if k in UNDERUSE_DIMENSIONS]
    if underused:
        key, score = underused[0]
        steps.append(
            NextStep(
                "enablement",
                "Send the enablement path",
                f"The health check found underuse: {key.replace('_', ' ')} scored {score:.0f} of 100.",
                _url("experiences:enablement", org_slug=org_slug, account_id=a),
            )
        )
    if roadmap.items == 0:
        steps.append(
            NextStep(
                "roadmap",
                "Build the 30-60-90 roadmap",
                "No priorities agreed with the customer yet.",
                _url("experiences:roadmap", org_slug=org_slug, account_id=a),
            )
        )
    elif roadmap.agreed_not_in_plan:
        steps.append(
            NextStep(
                "roadmap_to_plan",
                "Add the agreed priorities to the success plan",
                f"The customer agreed {roadmap.agreed_not_in_plan} priorit{'y' if roadmap.agreed_not_in_plan == 1 else 'ies'} not yet in the plan.",
                _url("experiences:roadmap", org_slug=org_slug, account_id=a),
            )
        )
    if expansion.suppressed:
        pass  # never propose growth ahead of value; the expansion page shows why
    elif roadmap.agreed and expansion.opportunities:
        steps.append(
            NextStep(
                "expansion",
                "Plan the expansion with the customer",
                f"Roadmap agreed and {len(expansion.opportunities)} {'opportunity' if len(expansion.opportunities) == 1 else 'opportunities'} with evidence.",
                _url("experiences:expansion", org_slug=org_slug, account_id=a),
            )
        )
    elif expansion.opportunities:
        top = expansion.opportunities[0]
        steps.append(NextStep("expansion", top.next_step, f"{top.title}: {top.evidence}", _url("experiences:expansion", org_slug=org_slug, account_id=a)))
    if i.zone_status.get("realization") == "holding" and renewal_within_120:
        steps.append(
            NextStep(
                "renewal",
                "Prepare the renewal summary",
                f"Value holds and the renewal is on {renewal_within_120:%b %-d, %Y}.",
                _url("renewals:case_builder", org_slug=org_slug, account_id=a) or _url("plans:plan_page", org_slug=org_slug, account_id=a),
            )
        )
    promoter = i.latest_nps is not None and i.latest_nps >= PROMOTER_FROM
    if promoter and i.zone_status.get("realization") == "holding" and "case_study" not in i.advocacy:
        steps.append(
            NextStep(
                "advocacy",
                "Draft the advocacy story",
                f"A promoter (latest NPS {i.latest_nps}) with value holding, and no case study yet.",
                _url("experiences:advocacy", org_slug=org_slug, account_id=a),
            )
        )
    return steps
