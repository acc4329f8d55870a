"""Reads of the experiences for pages, the API and other apps.

For other apps: ``next_steps_for_account`` (the account page's "what to do next") and
``advocacy_status_for_accounts`` (the Recognition zone).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Count, Q
from django.shortcuts import get_object_or_404

from accounts.models import Account, Contact

from . import links
from .enablement import TRACK_FOR_STAKEHOLDER, PathStep, path_for
from .expansion import ExpansionResult, find_opportunities
from .inputs import AccountInputs, inputs_for_account, inputs_for_accounts
from .models import AdvocacyStatus, LearningItem, LearningProgress, LearningRole, RoadmapItem, RoadmapPhase, StoryDraft
from .next_steps import NextStep, RoadmapState, next_steps
from .recommend import Recommendation, recommend

RENEWAL_SOON_DAYS = 120


def account_get(*, organization, account_id: int) -> Account:
    return get_object_or_404(Account.objects.select_related("owner"), organization=organization, pk=account_id)


def advocacy_status_for_accounts(*, organization, account_ids) -> dict[int, set[str]]:
    """Advocacy kinds (``reference``, ``case_study``, ``testimonial``) per account; every
    requested account is present (an empty set when it has none). One query."""
    result: dict[int, set[str]] = {int(a): set() for a in account_ids}
    for account_id, kind in AdvocacyStatus.objects.filter(organization=organization, account_id__in=list(result)).values_list("account_id", "kind"):
        result[account_id].add(kind)
    return result


def roadmap_state(*, organization, account_ids) -> dict[int, RoadmapState]:
    rows = (
        RoadmapItem.objects.filter(organization=organization, account_id__in=list(account_ids))
        .values("account_id")
        .annotate(
            items=Count("id"),
            agreed=Count("id", filter=Q(decision=RoadmapItem.Decision.AGREED)),
            agreed_not_in_plan=Count("id", filter=Q(decision=RoadmapItem.Decision.AGREED, milestone__isnull=True)),
            pending=Count("id", filter=Q(decision=RoadmapItem.Decision.PENDING)),
        )
        .order_by()
    )
    state = {a: RoadmapState() for a in account_ids}
    for r in rows:
        state[r["account_id"]] = RoadmapState(items=r["items"], agreed=r["agreed"], agreed_not_in_plan=r["agreed_not_in_plan"], pending=r["pending"])
    return state


def _renewal_soon(i: AccountInputs) -> dt.date | None:
    if i.next_renewal and (i.next_renewal - i.as_of).days <= RENEWAL_SOON_DAYS:
        return i.next_renewal
    return None


def next_steps_for_inputs(*, organization, i: AccountInputs) -> list[NextStep]:
    state = roadmap_state(organization=organization, account_ids=[i.account.pk])[i.account.pk]
    return next_steps(i=i, expansion=find_opportunities(i), roadmap=state, org_slug=organization.slug, renewal_within_120=_renewal_soon(i))


def next_steps_for_account(*, organization, account: Account, as_of: dt.date) -> list[NextStep]:
    """“What to do next” for the CSM: title, why and link of each step (see ``next_steps``)."""
    return next_steps_for_inputs(organization=organization, i=inputs_for_account(organization=organization, account=account, as_of=as_of))


# --- Roadmap ----------------------------------------------------------------------------------------


@dataclass
class RoadmapPage:
    account: Account
    inputs: AccountInputs
    phases: list[tuple[str, str, list[RoadmapItem]]]
    new_recommendations: list[Recommendation]
    steps: list[NextStep]
    links: list = field(default_factory=list)

    @property
    def items(self) -> list[RoadmapItem]:
        return [item for _, _, items in self.phases for item in items]

    @property
    def to_add(self) -> int:
        return sum(1 for item in self.items if item.milestone_id is None and item.decision != RoadmapItem.Decision.NOT_NOW)


def roadmap_items(*, organization, account: Account) -> list[tuple[str, str, list[RoadmapItem]]]:
    items = list(RoadmapItem.objects.filter(organization=organization, account=account).select_related("milestone"))
    return [(value, label, [i for i in items if i.phase == value]) for value, label in RoadmapPhase.choices]


def roadmap_page(*, organization, account: Account, as_of: dt.date) -> RoadmapPage:
    inputs = inputs_for_account(organization=organization, account=account, as_of=as_of)
    phases = roadmap_items(organization=organization, account=account)
    on_roadmap = {item.rule for _, _, items in phases for item in items if item.rule}
    return RoadmapPage(
        account=account,
        inputs=inputs,
        phases=phases,
        new_recommendations=[r for r in recommend(inputs) if r.rule not in on_roadmap],
        steps=next_steps_for_inputs(organization=organization, i=inputs),
        links=links.active_links(organization=organization, account=account, purpose=links.ROADMAP),
    )


# --- Expansion --------------------------------------------------------------------------------------


def expansion_for_account(*, organization, account: Account, as_of: dt.date) -> tuple[AccountInputs, ExpansionResult]:
    inputs = inputs_for_account(organization=organization, account=account, as_of=as_of)
    return inputs, find_opportunities(inputs)


@dataclass
class PortfolioRow:
    account: Account
    result: ExpansionResult


def expansion_portfolio(*, organization, as_of: dt.date, include_suppressed: bool = False) -> list[PortfolioRow]:
    """Expansion-ready accounts (not churned; opportunities found; not suppressed), highest
    estimated value first. A fixed number of queries for the whole book."""
    accounts = list(Account.objects.filter(organization=organization).exclude(lifecycle_stage="churned").select_related("owner").order_by("name"))
    inputs = inputs_for_accounts(organization=organization, accounts=accounts, as_of=as_of)
    rows = [PortfolioRow(account=i.account, result=find_opportunities(i)) for i in inputs.values()]
    rows = [r for r in rows if r.result.opportunities or (include_suppressed and r.result.suppressed)]
    return sorted(rows, key=lambda r: (r.result.suppressed, -r.result.total_value, r.account.name))


# --- Enablement ---------------------------------------------------------------------------------------


@dataclass
class Track:
    role: str
    label: str
    steps: list[PathStep]
    contacts: list[Contact]
    progress: dict[tuple[int, int], str]  # (contact id, item id) -> status

    @property
    def minutes(self) -> int:
        return sum(s.item.duration_minutes for s in self.steps)

    def rows(self) -> list[tuple[Contact, list[str]]]:
        return [(c, [self.progress.get((c.pk, s.item.pk), "") for s in self.steps]) for c in self.contacts]


def enablement_for_account(*, organization, account: Account, as_of: dt.date) -> tuple[AccountInputs, list[Track]]:
    inputs = inputs_for_account(organization=organization, account=account, as_of=as_of)
    items = list(LearningItem.objects.filter(organization=organization, is_active=True))
    path = path_for(inputs, items)
    progress = {
        (p.contact_id, p.item_id): p.status
        for p in LearningProgress.objects.filter(organization=organization, contact__account=account).only("contact_id", "item_id", "status")
    }
    tracks = []
    for role, label in LearningRole.choices:
        people = [c for c in inputs.contacts if TRACK_FOR_STAKEHOLDER.get(c.stakeholder_role) == role]
        tracks.append(Track(role=role, label=label, steps=path[role], contacts=people, progress=progress))
    return inputs, tracks


def learning_items(*, organization) -> list[LearningItem]:
    return list(LearningItem.objects.filter(organization=organization).select_related("prerequisite"))


def story_drafts(*, organization, account: Account) -> dict[str, StoryDraft]:
    return {d.kind: d for d in StoryDraft.objects.filter(organization=organization, account=account)}
