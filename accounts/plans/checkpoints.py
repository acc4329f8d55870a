"""Value checkpoints: lifecycle moments that raise a CSM task suggesting the next experience.

| moment | task kind | reference | suggests |
|---|---|---|---|
| a milestone is completed | milestone_completed | ``milestone:<id>`` | value dashboard |
| a KPI reaches its target | kpi_target_reached | ``kpi:<id>`` | value dashboard |
| onboarding ends (stage leaves onboarding, or every onboarding milestone is done) | onboarding_ended | ``onboarding`` | adoption health check |
| a renewal is 120 days away or closer | renewal_upcoming | ``renewal:<date>`` | renewal business case |

``CsmTask`` is unique per (organization, account, kind, reference) and every task is inserted
with ``ON CONFLICT DO NOTHING``, so each moment raises exactly one task however often it is seen
(a re-run night, a milestone ticked twice, two requests racing).
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Q
from django.utils import timezone

from accounts.models import Account, ContractLine, LifecycleStage

from .models import CsmTask, Kpi, Milestone, MilestoneStatus, SuccessPlan
from .progress import Status, as_date, kpi_figures, progress_for_kpis

RENEWAL_HORIZON_DAYS = 120
ONBOARDING_RECENT_DAYS = 180  # a stage change older than this is not news any more
Kind = CsmTask.Kind
Experience = CsmTask.Experience


@dataclass(frozen=True)
class TaskSpec:
    account_id: int
    assignee_id: int | None
    kind: str
    reference: str
    title: str
    experience: str
    due_date: dt.date | None


def raise_tasks(*, organization, specs: list[TaskSpec]) -> list[CsmTask]:
    """Insert the tasks that do not exist yet; return the ones this call created."""
    if not specs:
        return []
    keys = {(s.account_id, s.kind, s.reference) for s in specs}
    existing = set(
        CsmTask.objects.filter(
            organization=organization, account_id__in={k[0] for k in keys}, kind__in={k[1] for k in keys}, reference__in={k[2] for k in keys}
        ).values_list("account_id", "kind", "reference")
    )
    new, seen = [], set()
    for s in specs:
        key = (s.account_id, s.kind, s.reference)
        if key in existing or key in seen:
            continue
        seen.add(key)
        new.append(
            CsmTask(
                organization=organization,
                account_id=s.account_id,
                assignee_id=s.assignee_id,
                kind=s.kind,
                reference=s.reference,
                title=s.title[:300],
                suggested_experience=s.experience,
                due_date=s.due_date,
            )
        )
    if not new:
        return []
    # ignore_conflicts: a concurrent request may have raised the same task since the read above.
    CsmTask.objects.bulk_create(new, ignore_conflicts=True)
    created = CsmTask.objects.filter(organization=organization, account_id__in={t.account_id for t in new}, reference__in={t.reference for t in new})
    wanted = {(t.account_id, t.kind, t.reference) for t in new}
    return [t for t in created if (t.account_id, t.kind, t.reference) in wanted]


def _soon(days: int = 7) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def milestone_completed(*, organization, milestone: Milestone, account: Account) -> list[CsmTask]:
    return raise_tasks(
        organization=organization,
        specs=[
            TaskSpec(
                account_id=account.pk,
                assignee_id=account.owner_id,
                kind=Kind.MILESTONE_COMPLETED,
                reference=f"milestone:{milestone.pk}",
                title=f"{account.name} completed “{milestone.title}”: share the progress on their value dashboard",
                experience=Experience.VALUE_DASHBOARD,
                due_date=_soon(),
            )
        ],
    )


def _kpi_spec(*, kpi_id: int, name: str, target: float, unit: str, account_id: int, account_name: str, owner_id: int | None) -> TaskSpec:
    return TaskSpec(
        account_id=account_id,
        assignee_id=owner_id,
        kind=Kind.KPI_TARGET_REACHED,
        reference=f"kpi:{kpi_id}",
        title=f"{account_name} reached the target of “{name}” ({target:g} {unit}): show it on their value dashboard",
        experience=Experience.VALUE_DASHBOARD,
        due_date=_soon(),
    )


def kpi_target_checkpoint(*, organization, kpi: Kpi, account: Account, as_of: dt.date) -> list[CsmTask]:
    progress = progress_for_kpis(organization=organization, kpis=[kpi], account_of={kpi.pk: account.pk}, as_of=as_of)[kpi.pk]
    if progress.status != Status.ACHIEVED:
        return []
    spec = _kpi_spec(
        kpi_id=kpi.pk, name=kpi.name, target=kpi.target, unit=kpi.unit, account_id=account.pk, account_name=account.name, owner_id=account.owner_id
    )
    return raise_tasks(organization=organization, specs=[spec])


def _onboarding_spec(account_id: int, account_name: str, owner_id: int | None) -> TaskSpec:
    return TaskSpec(
        account_id=account_id,
        assignee_id=owner_id,
        kind=Kind.ONBOARDING_ENDED,
        reference="onboarding",
        title=f"{account_name} finished onboarding: send the adoption health check",
        experience=Experience.HEALTH_CHECK,
        due_date=_soon(),
    )


def onboarding_ended(*, organization, account: Account) -> list[CsmTask]:
    """Call when an account leaves the onboarding stage (or finishes its onboarding milestones)."""
    return raise_tasks(organization=organization, specs=[_onboarding_spec(account.pk, account.name, account.owner_id)])


def onboarding_milestones_checkpoint(*, organization, plan: SuccessPlan) -> list[CsmTask]:
    onboarding = Milestone.objects.filter(organization=organization, plan=plan, is_onboarding=True)
    if onboarding.exists() and not onboarding.exclude(status=MilestoneStatus.DONE).exists():
        return onboarding_ended(organization=organization, account=plan.account)
    return []


# --- Nightly ------------------------------------------------------------------------------------


def checkpoints_for_upcoming_renewals(*, organization, as_of: dt.date | dt.datetime) -> list[CsmTask]:
    """A task per account and renewal date falling in the next 120 days (on a running contract
    line). Called nightly; each renewal raises its task once."""
    as_of = as_date(as_of)
    horizon = as_of + dt.timedelta(days=RENEWAL_HORIZON_DAYS)
    lines = (
        ContractLine.objects.filter(organization=organization, renewal_date__gt=as_of, renewal_date__lte=horizon)
        .filter(Q(end_date__isnull=True) | Q(end_date__gte=as_of))
        .exclude(account__lifecycle_stage=LifecycleStage.CHURNED)
        .values_list("account_id", "account__name", "account__owner_id", "renewal_date")
        .distinct()
    )
    specs = [
        TaskSpec(
            account_id=account_id,
            assignee_id=owner_id,
            kind=Kind.RENEWAL_UPCOMING,
            reference=f"renewal:{renewal_date.isoformat()}",
            title=f"{name} renews on {renewal_date:%b %-d, %Y}: build and share the renewal business case",
            experience=Experience.RENEWAL_CASE,
            due_date=min(renewal_date, as_of + dt.timedelta(days=30)),
        )
        for account_id, name, owner_id, renewal_date in lines
    ]
    return raise_tasks(organization=organization, specs=specs)


def checkpoints_for_kpi_targets(*, organization, as_of: dt.date | dt.datetime) -> list[CsmTask]:
    """A task for every KPI that has reached its target (usage KPIs move without anyone
    recording anything, so the nightly run looks)."""
    as_of = as_date(as_of)
    kpis = kpi_figures(Kpi.objects.filter(organization=organization, start_date__lte=as_of))
    progress = progress_for_kpis(organization=organization, kpis=kpis, account_of={k.id: k.account_id for k in kpis}, as_of=as_of)
    achieved = Kpi.objects.filter(organization=organization, id__in=[k.id for k in kpis if progress[k.id].status == Status.ACHIEVED])
    columns = ("id", "name", "target", "unit", "goal__plan__account_id", "goal__plan__account__name", "goal__plan__account__owner_id")
    specs = [
        _kpi_spec(kpi_id=kpi_id, name=name, target=target, unit=unit, account_id=account_id, account_name=account_name, owner_id=owner_id)
        for kpi_id, name, target, unit, account_id, account_name, owner_id in achieved.order_by("id").values_list(*columns)
    ]
    return raise_tasks(organization=organization, specs=specs)


def checkpoints_for_onboarding(*, organization, as_of: dt.date | dt.datetime) -> list[CsmTask]:
    """Accounts that left onboarding recently (stage past onboarding, started in the last 180
    days), and plans whose onboarding milestones are all done."""
    as_of = as_date(as_of)
    recent = Account.objects.filter(
        organization=organization,
        lifecycle_stage__in=[LifecycleStage.ADOPTING, LifecycleStage.MATURE, LifecycleStage.AT_RISK],
        start_date__gte=as_of - dt.timedelta(days=ONBOARDING_RECENT_DAYS),
    ).values_list("pk", "name", "owner_id")
    done = (
        SuccessPlan.objects.filter(organization=organization, milestones__is_onboarding=True)
        .exclude(milestones__in=Milestone.objects.filter(organization=organization, is_onboarding=True).exclude(status=MilestoneStatus.DONE))
        .values_list("account_id", "account__name", "account__owner_id")
        .distinct()
    )
    specs = [_onboarding_spec(*row) for row in [*recent, *done]]
    return raise_tasks(organization=organization, specs=specs)


def checkpoints_nightly(*, organization, as_of: dt.date | dt.datetime) -> dict[str, int]:
    """Every time-driven checkpoint for one organization; returns how many tasks each raised."""
    return {
        "renewal_upcoming": len(checkpoints_for_upcoming_renewals(organization=organization, as_of=as_of)),
        "kpi_target_reached": len(checkpoints_for_kpi_targets(organization=organization, as_of=as_of)),
        "onboarding_ended": len(checkpoints_for_onboarding(organization=organization, as_of=as_of)),
    }
