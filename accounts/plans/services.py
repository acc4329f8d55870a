"""Writes of success plans: plans (from scratch or from a template), goals, KPIs, measurements,
milestones, stakeholders and expansion signals. (Templates, value drivers and task status:
``accounts.plans.catalog``.)

Every write validates first (``ValidationError`` with a message per field, nothing written on
failure), records the plan's history (``PlanActivity``) and the audit log, and raises value
checkpoints (``accounts.plans.checkpoints``) where an event calls for one.
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Account, Contact, StakeholderRole
from retention.models import ApiKey, Membership, Organization, User
from retention.services import audit_record

from . import checkpoints
from .models import (
    USAGE_SOURCES,
    ExpansionSignal,
    Goal,
    Kpi,
    KpiSource,
    Measurement,
    Milestone,
    MilestoneStatus,
    PlanActivity,
    PlanStakeholder,
    PlanTemplate,
    SuccessPlan,
    TemplateGoal,
    TemplateKpi,
    TemplateMilestone,
)
from .progress import UsageQuery, usage_values_at

Actor = User | ApiKey | None


# --- Permissions ---------------------------------------------------------------------------------


def can_edit_account(*, membership: Membership | None, account: Account, api_key: ApiKey | None = None) -> bool:
    """DESIGN §3: viewers read; CSMs edit the accounts they own; admins and owners edit all.
    An API key edits when it has the write scope."""
    if api_key is not None:
        return api_key.has_scope(ApiKey.Scope.WRITE)
    if membership is None or not membership.can_edit:
        return False
    return membership.can_manage or account.owner_id == membership.user_id


# --- History --------------------------------------------------------------------------------------


def _snapshot(obj, fields: list[str]) -> dict[str, Any]:
    out = {}
    for name in fields:
        value = getattr(obj, name)
        out[name] = value.isoformat() if isinstance(value, dt.date) else value
    return out


def _record(*, plan: SuccessPlan, actor: Actor, action: str, summary: str, target, before=None, after=None) -> None:
    PlanActivity.objects.create(
        organization_id=plan.organization_id,
        plan=plan,
        action=action,
        summary=summary[:300],
        actor_user=actor if isinstance(actor, User) else None,
        actor_api_key=actor if isinstance(actor, ApiKey) else None,
    )
    audit_record(organization=plan.organization, actor=actor, action=action, target=target, before=before, after=after)


def _clean(obj, exclude: list[str] | None = None) -> None:
    """Model validation (choices, lengths, constraints) with per-field messages."""
    obj.full_clean(exclude=exclude)


def _text(value: str | None) -> str:
    return (value or "").strip()


# --- Plans ----------------------------------------------------------------------------------------

PLAN_FIELDS = ["title", "summary", "start_date"]


@transaction.atomic
def plan_create(*, organization: Organization, account: Account, actor: Actor, title: str, start_date: dt.date, summary: str = "") -> SuccessPlan:
    if account.organization_id != organization.id:
        raise ValidationError({"account": "No such account."})
    if SuccessPlan.objects.filter(organization=organization, account=account).exists():
        raise ValidationError("This account already has a success plan. Edit it instead of starting another.")
    plan = SuccessPlan(
        organization=organization,
        account=account,
        title=_text(title) or f"{account.name} success plan",
        summary=_text(summary),
        start_date=start_date,
        created_by=actor if isinstance(actor, User) else None,
    )
    _clean(plan, exclude=["template"])
    try:
        with transaction.atomic():
            plan.save()
    except IntegrityError:
        raise ValidationError("This account already has a success plan. Edit it instead of starting another.")
    _record(
        plan=plan,
        actor=actor,
        action="plan.created",
        summary=f"Plan “{plan.title}” started on {start_date:%b %-d, %Y}",
        target=plan,
        after=_snapshot(plan, PLAN_FIELDS),
    )
    return plan


@transaction.atomic
def plan_create_from_template(*, organization: Organization, account: Account, template: PlanTemplate, actor: Actor, start_date: dt.date) -> SuccessPlan:
    """A plan for ``account`` with the template's goals, KPIs and milestones, dated from
    ``start_date``. A usage KPI without a baseline in the template gets the account's value at
    ``start_date`` from the rollups; a manual one gets 0. Vendor-side milestones go to the
    account's owner; customer-side ones to its champion (when one is known)."""
    if template.organization_id != organization.id:
        raise ValidationError({"template": "No such template."})
    plan = plan_create(organization=organization, account=account, actor=actor, title=template.name, start_date=start_date, summary=template.description)
    plan.template = template
    plan.save(update_fields=["template"])

    goals = list(TemplateGoal.objects.filter(organization=organization, template=template).prefetch_related("kpis"))
    template_kpis = [tk for g in goals for tk in g.kpis.all()]
    usage = {
        tk.id: UsageQuery(account.pk, tk.source, tk.event_name, tk.window_days) for tk in template_kpis if tk.source in USAGE_SOURCES and tk.baseline is None
    }
    measured = usage_values_at(organization=organization, queries=list(set(usage.values())), as_of=start_date) if usage else {}
    for tg in goals:
        goal = Goal.objects.create(organization=organization, plan=plan, title=tg.title, description=tg.description, position=tg.position)
        for tk in tg.kpis.all():
            baseline = tk.baseline if tk.baseline is not None else _measured_baseline(tk, measured.get(usage[tk.id]) if tk.id in usage else None)
            Kpi.objects.create(
                organization=organization,
                goal=goal,
                name=tk.name,
                unit=tk.unit,
                baseline=baseline,
                target=tk.target,
                start_date=start_date,
                target_date=start_date + dt.timedelta(days=tk.target_offset_days),
                source=tk.source,
                event_name=tk.event_name if tk.source != KpiSource.MANUAL else "",
                window_days=tk.window_days,
                position=tk.position,
            )
    champion = (
        Contact.objects.filter(organization=organization, account=account, stakeholder_role=StakeholderRole.CHAMPION, left_on__isnull=True)
        .order_by("id")
        .first()
    )
    for tm in TemplateMilestone.objects.filter(organization=organization, template=template):
        Milestone.objects.create(
            organization=organization,
            plan=plan,
            title=tm.title,
            phase=tm.phase,
            due_date=start_date + dt.timedelta(days=tm.due_offset_days),
            owner_user=account.owner if tm.owner_side == TemplateMilestone.OwnerSide.VENDOR else None,
            owner_contact=champion if tm.owner_side == TemplateMilestone.OwnerSide.CUSTOMER else None,
            is_onboarding=tm.is_onboarding,
            position=tm.position,
        )
    _record(plan=plan, actor=actor, action="plan.from_template", summary=f"Goals, KPIs and milestones taken from the template “{template.name}”", target=plan)
    return plan


def _measured_baseline(tk: TemplateKpi, value: float | None) -> float:
    """The baseline of a KPI whose template leaves it empty: the usage value at the start (0 when
    there is none). A value already at or past the target starts the KPI as achieved: the
    baseline is put on the far side of the target instead, so the direction stays right."""
    value = value or 0.0
    if tk.lower_is_better and value <= tk.target:
        return tk.target * 2 if tk.target > 0 else tk.target + 1
    if not tk.lower_is_better and value >= tk.target:
        return 0.0 if tk.target > 0 else tk.target - 1
    return value


@transaction.atomic
def plan_update(*, organization: Organization, plan: SuccessPlan, actor: Actor, **changes) -> SuccessPlan:
    before = _snapshot(plan, PLAN_FIELDS)
    for name in PLAN_FIELDS:
        if name in changes:
            setattr(plan, name, _text(changes[name]) if isinstance(changes[name], str) else changes[name])
    if not plan.title:
        raise ValidationError({"title": "Give the plan a title."})
    _clean(plan, exclude=["template", "account"])
    plan.save()
    after = _snapshot(plan, PLAN_FIELDS)
    if after != before:
        _record(plan=plan, actor=actor, action="plan.updated", summary="Plan details edited", target=plan, before=before, after=after)
    return plan


# --- Goals ----------------------------------------------------------------------------------------


@transaction.atomic
def goal_create(*, organization: Organization, plan: SuccessPlan, actor: Actor, title: str, description: str = "") -> Goal:
    title = _text(title)
    if not title:
        raise ValidationError({"title": "Say what the customer wants to achieve."})
    position = plan.goals.count()
    goal = Goal(organization=organization, plan=plan, title=title, description=_text(description), position=position)
    _clean(goal)
    goal.save()
    _record(plan=plan, actor=actor, action="goal.created", summary=f"Goal added: {title}", target=goal, after={"title": title})
    return goal


@transaction.atomic
def goal_update(*, organization: Organization, goal: Goal, actor: Actor, title: str, description: str = "") -> Goal:
    before = _snapshot(goal, ["title", "description"])
    goal.title, goal.description = _text(title), _text(description)
    if not goal.title:
        raise ValidationError({"title": "Say what the customer wants to achieve."})
    _clean(goal)
    goal.save()
    _record(
        plan=goal.plan,
        actor=actor,
        action="goal.updated",
        summary=f"Goal edited: {goal.title}",
        target=goal,
        before=before,
        after=_snapshot(goal, ["title", "description"]),
    )
    return goal


@transaction.atomic
def goal_delete(*, organization: Organization, goal: Goal, actor: Actor) -> None:
    plan = goal.plan
    _record(plan=plan, actor=actor, action="goal.deleted", summary=f"Goal removed with its KPIs: {goal.title}", target=goal, before={"title": goal.title})
    goal.delete()


# --- KPIs -----------------------------------------------------------------------------------------

KPI_FIELDS = ["name", "unit", "baseline", "target", "start_date", "target_date", "source", "event_name", "window_days"]


def _validate_kpi(kpi: Kpi) -> None:
    errors: dict[str, str] = {}
    if not kpi.name:
        errors["name"] = "Name the KPI, e.g. “Regression tests automated”."
    if kpi.baseline is not None and kpi.target is not None and kpi.baseline == kpi.target:
        errors["target"] = "The target must differ from the baseline, or there is no progress to measure."
    if kpi.start_date and kpi.target_date and kpi.target_date <= kpi.start_date:
        errors["target_date"] = "The target date must come after the start date."
    if kpi.source in (KpiSource.EVENT_COUNT, KpiSource.RATE_PER_ACTIVE_USER) and not kpi.event_name:
        errors["event_name"] = "Name the usage event this KPI counts."
    if kpi.window_days is not None and not 1 <= kpi.window_days <= 365:
        errors["window_days"] = "The window is between 1 and 365 days."
    if errors:
        raise ValidationError(errors)
    if kpi.source == KpiSource.MANUAL or kpi.source == KpiSource.SEAT_ACTIVE_SHARE:
        kpi.event_name = ""
    _clean(kpi)


@transaction.atomic
def kpi_create(*, organization: Organization, goal: Goal, actor: Actor, **fields) -> Kpi:
    plan = goal.plan
    values = {name: fields[name] for name in KPI_FIELDS if name in fields}
    values.setdefault("start_date", plan.start_date)
    values.setdefault("source", KpiSource.MANUAL)
    values.setdefault("window_days", 28)
    for name in ("name", "unit", "event_name"):
        values[name] = _text(values.get(name))
    kpi = Kpi(organization=organization, goal=goal, position=goal.kpis.count(), **values)
    _validate_kpi(kpi)
    kpi.save()
    _record(
        plan=plan,
        actor=actor,
        action="kpi.created",
        summary=f"KPI added: {kpi.name} ({kpi.baseline:g} → {kpi.target:g} {kpi.unit})",
        target=kpi,
        after=_snapshot(kpi, KPI_FIELDS),
    )
    return kpi


@transaction.atomic
def kpi_update(*, organization: Organization, kpi: Kpi, actor: Actor, **changes) -> Kpi:
    before = _snapshot(kpi, KPI_FIELDS)
    for name in KPI_FIELDS:
        if name in changes:
            setattr(kpi, name, _text(changes[name]) if name in ("name", "unit", "event_name") else changes[name])
    if "goal" in changes and changes["goal"] is not None:
        if changes["goal"].plan_id != kpi.goal.plan_id:
            raise ValidationError({"goal": "A KPI can move only between goals of the same plan."})
        kpi.goal = changes["goal"]
    _validate_kpi(kpi)
    kpi.save()
    after = _snapshot(kpi, KPI_FIELDS)
    if after != before:
        _record(plan=kpi.goal.plan, actor=actor, action="kpi.updated", summary=f"KPI edited: {kpi.name}", target=kpi, before=before, after=after)
    return kpi


@transaction.atomic
def kpi_delete(*, organization: Organization, kpi: Kpi, actor: Actor) -> None:
    _record(plan=kpi.goal.plan, actor=actor, action="kpi.deleted", summary=f"KPI removed: {kpi.name}", target=kpi, before=_snapshot(kpi, KPI_FIELDS))
    kpi.delete()


@transaction.atomic
def measurement_record(*, organization: Organization, kpi: Kpi, actor: Actor, measured_on: dt.date, value: float, note: str = "") -> Measurement:
    """Record a manual KPI's value on a day (a second value on the same day replaces the first).
    Raises the "KPI target reached" checkpoint when the new value reaches the target."""
    errors = {}
    if kpi.source != KpiSource.MANUAL:
        errors["kpi"] = "This KPI is computed from usage data; it cannot take manual measurements."
    if measured_on is None:
        errors["measured_on"] = "Give the date the value was measured."
    elif measured_on > timezone.localdate():
        errors["measured_on"] = "A measurement cannot be dated in the future."
    if value is None:
        errors["value"] = "Enter the measured value."
    if errors:
        raise ValidationError(errors)
    note = _text(note)[:500]
    measurement = Measurement.objects.filter(organization=organization, kpi=kpi, measured_on=measured_on).first()
    before = {"value": measurement.value, "note": measurement.note} if measurement else None
    if measurement is None:
        measurement = Measurement(organization=organization, kpi=kpi, measured_on=measured_on)
    measurement.value, measurement.note = float(value), note
    measurement.recorded_by = actor if isinstance(actor, User) else None
    measurement.save()
    plan = kpi.goal.plan
    _record(
        plan=plan,
        actor=actor,
        action="measurement.recorded",
        summary=f"{kpi.name}: {value:g} {kpi.unit} on {measured_on:%b %-d, %Y}",
        target=measurement,
        before=before,
        after={"kpi": kpi.name, "measured_on": measured_on.isoformat(), "value": float(value), "note": note},
    )
    checkpoints.kpi_target_checkpoint(organization=organization, kpi=kpi, account=plan.account, as_of=timezone.localdate())
    return measurement


# --- Milestones -----------------------------------------------------------------------------------

MILESTONE_FIELDS = ["title", "phase", "due_date", "status", "completed_on", "is_onboarding", "owner_user_id", "owner_contact_id"]


def _owner_checks(*, organization: Organization, plan: SuccessPlan, owner_user, owner_contact) -> None:
    if owner_user is not None and owner_contact is not None:
        raise ValidationError({"owner": "Choose one owner: someone at your company or a customer contact."})
    if owner_user is not None and not Membership.objects.filter(organization=organization, user=owner_user).exists():
        raise ValidationError({"owner": "The owner must be a member of your organization."})
    if owner_contact is not None and owner_contact.account_id != plan.account_id:
        raise ValidationError({"owner": "The owner must be a contact of this account."})


@transaction.atomic
def milestone_create(
    *,
    organization: Organization,
    plan: SuccessPlan,
    actor: Actor,
    title: str,
    phase: str,
    due_date: dt.date | None = None,
    owner_user: User | None = None,
    owner_contact: Contact | None = None,
    is_onboarding: bool = False,
) -> Milestone:
    title = _text(title)
    if not title:
        raise ValidationError({"title": "Say what will be done, e.g. “Kickoff held with the sponsor”."})
    _owner_checks(organization=organization, plan=plan, owner_user=owner_user, owner_contact=owner_contact)
    milestone = Milestone(
        organization=organization,
        plan=plan,
        title=title,
        phase=phase,
        due_date=due_date,
        owner_user=owner_user,
        owner_contact=owner_contact,
        is_onboarding=is_onboarding,
        position=plan.milestones.count(),
    )
    _clean(milestone)
    milestone.save()
    _record(
        plan=plan, actor=actor, action="milestone.created", summary=f"Milestone added: {title}", target=milestone, after=_snapshot(milestone, MILESTONE_FIELDS)
    )
    return milestone


@transaction.atomic
def milestone_update(*, organization: Organization, milestone: Milestone, actor: Actor, **changes) -> Milestone:
    before = _snapshot(milestone, MILESTONE_FIELDS)
    for name in ("title", "phase", "due_date", "is_onboarding"):
        if name in changes:
            setattr(milestone, name, _text(changes[name]) if name == "title" else changes[name])
    if "owner_user" in changes or "owner_contact" in changes:
        milestone.owner_user = changes.get("owner_user")
        milestone.owner_contact = changes.get("owner_contact")
    if not milestone.title:
        raise ValidationError({"title": "Say what will be done."})
    _owner_checks(organization=organization, plan=milestone.plan, owner_user=milestone.owner_user, owner_contact=milestone.owner_contact)
    _clean(milestone)
    milestone.save()
    after = _snapshot(milestone, MILESTONE_FIELDS)
    if after != before:
        _record(
            plan=milestone.plan,
            actor=actor,
            action="milestone.updated",
            summary=f"Milestone edited: {milestone.title}",
            target=milestone,
            before=before,
            after=after,
        )
    if "status" in changes:
        milestone_set_status(organization=organization, milestone=milestone, status=changes["status"], actor=actor, completed_on=changes.get("completed_on"))
    return milestone


@transaction.atomic
def milestone_set_status(*, organization: Organization, milestone: Milestone, status: str, actor: Actor, completed_on: dt.date | None = None) -> Milestone:
    """Move a milestone to ``status``. Done needs a completion date (default today, never in
    the future); completing raises the "milestone completed" checkpoint and, when it was the last
    onboarding milestone, the "onboarding ended" one."""
    if status not in MilestoneStatus.values:
        raise ValidationError({"status": f"Choose one of: {', '.join(MilestoneStatus.labels)}."})
    today = timezone.localdate()
    if completed_on is not None and completed_on > today:
        raise ValidationError({"completed_on": "A milestone cannot be completed in the future."})
    before = {"status": milestone.status, "completed_on": milestone.completed_on.isoformat() if milestone.completed_on else None}
    if status == milestone.status and (status != MilestoneStatus.DONE or completed_on in (None, milestone.completed_on)):
        return milestone
    milestone.status = status
    milestone.completed_on = (completed_on or milestone.completed_on or today) if status == MilestoneStatus.DONE else None
    milestone.save(update_fields=["status", "completed_on"])
    after = {"status": milestone.status, "completed_on": milestone.completed_on.isoformat() if milestone.completed_on else None}
    plan = milestone.plan
    _record(
        plan=plan,
        actor=actor,
        action="milestone.status_changed",
        summary=f"Milestone “{milestone.title}”: {MilestoneStatus(status).label.lower()}",
        target=milestone,
        before=before,
        after=after,
    )
    if status == MilestoneStatus.DONE:
        checkpoints.milestone_completed(organization=organization, milestone=milestone, account=plan.account)
        if milestone.is_onboarding:
            checkpoints.onboarding_milestones_checkpoint(organization=organization, plan=plan)
    return milestone


@transaction.atomic
def milestone_delete(*, organization: Organization, milestone: Milestone, actor: Actor) -> None:
    _record(
        plan=milestone.plan,
        actor=actor,
        action="milestone.deleted",
        summary=f"Milestone removed: {milestone.title}",
        target=milestone,
        before={"title": milestone.title},
    )
    milestone.delete()


# --- Stakeholders and expansion signals ---------------------------------------------------------


@transaction.atomic
def stakeholder_add(*, organization: Organization, plan: SuccessPlan, contact: Contact, actor: Actor, responsibility: str = "") -> PlanStakeholder:
    if contact.account_id != plan.account_id:
        raise ValidationError({"contact": "Choose a contact of this account."})
    if PlanStakeholder.objects.filter(organization=organization, plan=plan, contact=contact).exists():
        raise ValidationError({"contact": f"{contact.name} is already a stakeholder of this plan."})
    stakeholder = PlanStakeholder.objects.create(organization=organization, plan=plan, contact=contact, responsibility=_text(responsibility)[:200])
    _record(
        plan=plan, actor=actor, action="stakeholder.added", summary=f"Stakeholder linked: {contact.name}", target=stakeholder, after={"contact": contact.name}
    )
    return stakeholder


@transaction.atomic
def stakeholder_remove(*, organization: Organization, stakeholder: PlanStakeholder, actor: Actor) -> None:
    _record(plan=stakeholder.plan, actor=actor, action="stakeholder.removed", summary=f"Stakeholder unlinked: {stakeholder.contact.name}", target=stakeholder)
    stakeholder.delete()


@transaction.atomic
def expansion_signal_create(*, organization: Organization, plan: SuccessPlan, actor: Actor, kind: str, description: str) -> ExpansionSignal:
    description = _text(description)
    if not description:
        raise ValidationError({"description": "Describe what you noticed, e.g. “Support team asked for access”."})
    signal = ExpansionSignal(organization=organization, plan=plan, kind=kind, description=description, noted_by=actor if isinstance(actor, User) else None)
    _clean(signal)
    signal.save()
    _record(plan=plan, actor=actor, action="expansion_signal.created", summary=f"Expansion signal noted: {description}", target=signal, after={"kind": kind})
    return signal


@transaction.atomic
def expansion_signal_set_status(*, organization: Organization, signal: ExpansionSignal, actor: Actor, status: str) -> ExpansionSignal:
    if status not in ExpansionSignal.Status.values:
        raise ValidationError({"status": "Choose open, pursued or dismissed."})
    before = {"status": signal.status}
    signal.status = status
    signal.save(update_fields=["status"])
    _record(
        plan=signal.plan,
        actor=actor,
        action="expansion_signal.updated",
        summary=f"Expansion signal {signal.get_status_display().lower()}: {signal.description}",
        target=signal,
        before=before,
        after={"status": status},
    )
    return signal
