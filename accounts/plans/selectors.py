"""Reads of success plans: the outcome progress other parts of the product consume, the plan
page, the plans list, templates, value drivers and CSM tasks."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q
from django.shortcuts import get_object_or_404

from accounts.models import Account, Contact

from .models import CsmTask, Goal, Kpi, Measurement, Milestone, MilestoneStatus, PlanActivity, PlanStakeholder, PlanTemplate, SuccessPlan, ValueDriver
from .progress import KpiProgress, as_date, kpi_figures, mean_outcome, progress_for_kpis
from .templating import register_template_dir
from .value import ValueTotals, value_totals_for_account, value_totals_for_accounts

__all__ = [
    "outcome_progress_for_accounts",
    "value_totals_for_account",
    "value_totals_for_accounts",
    "plan_detail",
    "plan_list",
]


def outcome_progress_for_accounts(*, organization, account_ids: Iterable[int], as_of: dt.date | dt.datetime) -> dict[int, float | None]:
    """Each account's plan outcome progress at ``as_of``: 0..1, KPI progress relative to the time
    elapsed (mean over the plan's measurable KPIs; see ``accounts.plans.progress``). None when the
    account has no plan or no KPI with a value. Only data known on ``as_of`` is used, so the
    backtest can replay past dates. At most five queries for any number of accounts."""
    account_ids = list(account_ids)
    as_of = as_date(as_of)
    kpis = kpi_figures(Kpi.objects.filter(organization=organization, goal__plan__account_id__any=account_ids, start_date__lte=as_of))
    account_of = {k.id: k.account_id for k in kpis}
    progress = progress_for_kpis(organization=organization, kpis=kpis, account_of=account_of, as_of=as_of)
    outcomes: dict[int, list[float | None]] = {account_id: [] for account_id in account_ids}
    for k in kpis:
        outcomes[k.account_id].append(progress[k.id].outcome)
    return {account_id: mean_outcome(values) for account_id, values in outcomes.items()}


def account_get(*, organization, account_id: int) -> Account:
    return get_object_or_404(Account.objects.select_related("owner"), organization=organization, pk=account_id)


def plan_for_account(*, organization, account: Account) -> SuccessPlan | None:
    return SuccessPlan.objects.filter(organization=organization, account=account).first()


@dataclass
class KpiView:
    kpi: Kpi
    progress: KpiProgress


@dataclass
class GoalView:
    goal: Goal
    kpis: list[KpiView]


@dataclass
class PlanDetail:
    account: Account
    plan: SuccessPlan | None
    as_of: dt.date
    goals: list[GoalView] = field(default_factory=list)
    milestones: list[Milestone] = field(default_factory=list)
    stakeholders: list[PlanStakeholder] = field(default_factory=list)
    signals: list = field(default_factory=list)
    activities: list[PlanActivity] = field(default_factory=list)
    outcome: float | None = None
    value: ValueTotals | None = None
    contacts: list[Contact] = field(default_factory=list)

    @property
    def kpis(self) -> list[KpiView]:
        return [k for g in self.goals for k in g.kpis]

    @property
    def status_counts(self) -> dict[str, int]:
        counts: dict[str, int] = {}
        for k in self.kpis:
            counts[k.progress.status] = counts.get(k.progress.status, 0) + 1
        return counts

    @property
    def milestones_done(self) -> int:
        return sum(1 for m in self.milestones if m.status == MilestoneStatus.DONE)

    @property
    def milestones_overdue(self) -> int:
        return sum(1 for m in self.milestones if m.status != MilestoneStatus.DONE and m.due_date and m.due_date < self.as_of)

    def milestones_by_phase(self) -> list[tuple[str, str, list[Milestone]]]:
        from .models import MilestonePhase

        return [(value, label, [m for m in self.milestones if m.phase == value]) for value, label in MilestonePhase.choices]


def plan_detail(*, organization, account: Account, as_of: dt.date, with_history: bool = True) -> PlanDetail:
    """Everything the plan page and its summary partial show, in a fixed number of queries."""
    register_template_dir()  # callers render plans/_plan_summary.html with this (see templating.py)
    detail = PlanDetail(account=account, plan=plan_for_account(organization=organization, account=account), as_of=as_of)
    if detail.plan is None:
        return detail
    plan = detail.plan
    goals = list(
        Goal.objects.filter(organization=organization, plan=plan).prefetch_related(
            Prefetch(
                "kpis",
                queryset=Kpi.objects.filter(organization=organization).prefetch_related(
                    Prefetch("measurements", queryset=Measurement.objects.filter(organization=organization).select_related("recorded_by"))
                ),
            )
        )
    )
    kpis = [k for g in goals for k in g.kpis.all()]
    progress = progress_for_kpis(organization=organization, kpis=kpis, account_of={k.id: account.pk for k in kpis}, as_of=as_of)
    detail.goals = [GoalView(goal=g, kpis=[KpiView(kpi=k, progress=progress[k.id]) for k in g.kpis.all()]) for g in goals]
    detail.outcome = mean_outcome(progress[k.id].outcome for k in kpis)
    detail.milestones = list(Milestone.objects.filter(organization=organization, plan=plan).select_related("owner_user", "owner_contact"))
    if with_history:
        detail.stakeholders = list(PlanStakeholder.objects.filter(organization=organization, plan=plan).select_related("contact"))
        detail.signals = list(plan.expansion_signals.filter(organization=organization).select_related("noted_by"))
        detail.activities = list(PlanActivity.objects.filter(organization=organization, plan=plan).select_related("actor_user", "actor_api_key")[:20])
        detail.contacts = list(Contact.objects.filter(organization=organization, account=account).order_by("name"))
        detail.value = value_totals_for_account(organization=organization, account=account)
    return detail


@dataclass
class PlanRow:
    plan: SuccessPlan
    outcome: float | None
    milestones_total: int
    milestones_done: int
    milestones_overdue: int


def plan_list(*, organization, as_of: dt.date, owner=None) -> list[PlanRow]:
    """Every plan with its outcome progress and milestone counts (a fixed number of queries)."""
    plans = SuccessPlan.objects.filter(organization=organization).select_related("account", "account__owner").order_by("account__name")
    if owner is not None:
        plans = plans.filter(account__owner=owner)
    plans = list(
        plans.annotate(
            m_total=Count("milestones"),
            m_done=Count("milestones", filter=Q(milestones__status=MilestoneStatus.DONE)),
            m_overdue=Count("milestones", filter=~Q(milestones__status=MilestoneStatus.DONE) & Q(milestones__due_date__lt=as_of)),
        )
    )
    outcomes = outcome_progress_for_accounts(organization=organization, account_ids=[p.account_id for p in plans], as_of=as_of)
    return [
        PlanRow(plan=p, outcome=outcomes.get(p.account_id), milestones_total=p.m_total, milestones_done=p.m_done, milestones_overdue=p.m_overdue) for p in plans
    ]


def template_list(*, organization, active_only: bool = False) -> list[PlanTemplate]:
    templates = PlanTemplate.objects.filter(organization=organization).annotate(
        goal_count=Count("goals", distinct=True), milestone_count=Count("milestones", distinct=True)
    )
    if active_only:
        templates = templates.filter(is_active=True)
    return list(templates)


def template_get(*, organization, template_id: int) -> PlanTemplate:
    return get_object_or_404(PlanTemplate, organization=organization, pk=template_id)


def templates_for_account(*, organization, account: Account) -> list[PlanTemplate]:
    """Active templates that fit the account's segment (or any segment), best fit first."""
    templates = [t for t in template_list(organization=organization, active_only=True) if t.segment in ("", account.segment)]
    return sorted(templates, key=lambda t: (t.segment != account.segment, t.name))


def value_driver_list(*, organization) -> list[ValueDriver]:
    return list(ValueDriver.objects.filter(organization=organization))


def task_list(*, organization, status: str = CsmTask.Status.OPEN, assignee=None) -> list[CsmTask]:
    tasks = CsmTask.objects.filter(organization=organization).select_related("account", "assignee")
    if status:
        tasks = tasks.filter(status=status)
    if assignee is not None:
        tasks = tasks.filter(assignee=assignee)
    return list(tasks)
