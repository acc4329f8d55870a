"""Writes of the organization's catalog: plan templates and value drivers (admins), and the
status of CSM tasks. Each write validates first, then records the audit log."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone

from retention.models import Organization
from retention.services import audit_record

from .models import KpiSource, PlanTemplate, TemplateGoal, TemplateKpi, TemplateMilestone, ValueDriver
from .services import Actor, _clean, _snapshot, _text

# --- Templates (admins) ---------------------------------------------------------------------------


def _template_audit(*, organization, actor, action, target, after=None, before=None) -> None:
    audit_record(organization=organization, actor=actor, action=action, target=target, after=after, before=before)


@transaction.atomic
def template_create(*, organization: Organization, actor: Actor, name: str, description: str = "", segment: str = "", product: str = "") -> PlanTemplate:
    name = _text(name)
    if not name:
        raise ValidationError({"name": "Name the template, e.g. “Mid-market QA automation”."})
    if PlanTemplate.objects.filter(organization=organization, name__iexact=name).exists():
        raise ValidationError({"name": "A template with this name exists already."})
    template = PlanTemplate(organization=organization, name=name, description=_text(description), segment=segment or "", product=_text(product))
    _clean(template)
    template.save()
    _template_audit(
        organization=organization, actor=actor, action="plan_template.created", target=template, after={"name": name, "segment": segment, "product": product}
    )
    return template


@transaction.atomic
def template_update(*, organization: Organization, template: PlanTemplate, actor: Actor, **changes) -> PlanTemplate:
    fields = ["name", "description", "segment", "product", "is_active"]
    before = _snapshot(template, fields)
    for name in fields:
        if name in changes:
            setattr(template, name, _text(changes[name]) if isinstance(changes[name], str) else changes[name])
    if not template.name:
        raise ValidationError({"name": "Name the template."})
    if PlanTemplate.objects.filter(organization=organization, name__iexact=template.name).exclude(pk=template.pk).exists():
        raise ValidationError({"name": "A template with this name exists already."})
    _clean(template)
    template.save()
    _template_audit(organization=organization, actor=actor, action="plan_template.updated", target=template, before=before, after=_snapshot(template, fields))
    return template


@transaction.atomic
def template_delete(*, organization: Organization, template: PlanTemplate, actor: Actor) -> None:
    _template_audit(organization=organization, actor=actor, action="plan_template.deleted", target=template, before={"name": template.name})
    template.delete()


@transaction.atomic
def template_goal_add(*, organization: Organization, template: PlanTemplate, actor: Actor, title: str, description: str = "") -> TemplateGoal:
    title = _text(title)
    if not title:
        raise ValidationError({"title": "Say what the customer wants to achieve."})
    goal = TemplateGoal.objects.create(
        organization=organization, template=template, title=title, description=_text(description), position=template.goals.count()
    )
    _template_audit(organization=organization, actor=actor, action="plan_template.goal_added", target=template, after={"goal": title})
    return goal


@transaction.atomic
def template_kpi_add(*, organization: Organization, goal: TemplateGoal, actor: Actor, **fields) -> TemplateKpi:
    kpi = TemplateKpi(
        organization=organization,
        goal=goal,
        name=_text(fields.get("name")),
        unit=_text(fields.get("unit")),
        baseline=fields.get("baseline"),
        target=fields.get("target"),
        target_offset_days=fields.get("target_offset_days") or 90,
        source=fields.get("source") or KpiSource.MANUAL,
        event_name=_text(fields.get("event_name")),
        window_days=fields.get("window_days") or 28,
        lower_is_better=bool(fields.get("lower_is_better")),
        position=goal.kpis.count(),
    )
    errors = {}
    if not kpi.name:
        errors["name"] = "Name the KPI."
    if kpi.target is None:
        errors["target"] = "Give the target value."
    elif kpi.baseline is not None and kpi.baseline == kpi.target:
        errors["target"] = "The target must differ from the baseline."
    elif kpi.baseline is not None and (kpi.target < kpi.baseline) != kpi.lower_is_better:
        errors["lower_is_better"] = "Tick “lower is better” when the target is below the baseline (and only then)."
    if kpi.source in (KpiSource.EVENT_COUNT, KpiSource.RATE_PER_ACTIVE_USER) and not kpi.event_name:
        errors["event_name"] = "Name the usage event this KPI counts."
    if errors:
        raise ValidationError(errors)
    _clean(kpi)
    kpi.save()
    _template_audit(
        organization=organization, actor=actor, action="plan_template.kpi_added", target=goal.template, after={"kpi": kpi.name, "target": kpi.target}
    )
    return kpi


@transaction.atomic
def template_milestone_add(
    *,
    organization: Organization,
    template: PlanTemplate,
    actor: Actor,
    title: str,
    phase: str,
    due_offset_days: int,
    owner_side: str,
    is_onboarding: bool = False,
) -> TemplateMilestone:
    milestone = TemplateMilestone(
        organization=organization,
        template=template,
        title=_text(title),
        phase=phase,
        due_offset_days=due_offset_days,
        owner_side=owner_side,
        is_onboarding=is_onboarding,
        position=template.milestones.count(),
    )
    if not milestone.title:
        raise ValidationError({"title": "Say what will be done."})
    _clean(milestone)
    milestone.save()
    _template_audit(organization=organization, actor=actor, action="plan_template.milestone_added", target=template, after={"milestone": milestone.title})
    return milestone


@transaction.atomic
def template_item_delete(*, organization: Organization, item: TemplateGoal | TemplateKpi | TemplateMilestone, actor: Actor) -> None:
    template = item.goal.template if isinstance(item, TemplateKpi) else item.template
    _template_audit(organization=organization, actor=actor, action="plan_template.item_removed", target=template, before={item._meta.model_name: str(item)})
    item.delete()


# --- Value drivers (admins) ---------------------------------------------------------------------

DRIVER_FIELDS = ["name", "basis", "event_name", "kpi_name", "kind", "hours_per_unit", "money_per_hour", "money_per_unit", "is_active"]


def _validate_driver(driver: ValueDriver) -> None:
    errors = {}
    if not driver.name:
        errors["name"] = "Name the driver, e.g. “Reports automated”."
    if driver.basis == ValueDriver.Basis.EVENT and not driver.event_name:
        errors["event_name"] = "Name the usage event that creates the value."
    if driver.basis == ValueDriver.Basis.KPI and not driver.kpi_name:
        errors["kpi_name"] = "Name the KPI whose improvement creates the value."
    if driver.kind == ValueDriver.Kind.HOURS_SAVED:
        if not driver.hours_per_unit or driver.hours_per_unit <= 0:
            errors["hours_per_unit"] = "Give the hours saved per unit (more than 0)."
        if driver.money_per_hour is None or driver.money_per_hour < 0:
            errors["money_per_hour"] = "Give the cost of an hour (0 or more)."
        driver.money_per_unit = None
    else:
        if driver.money_per_unit is None or driver.money_per_unit <= 0:
            errors["money_per_unit"] = "Give the money per unit (more than 0)."
        driver.hours_per_unit = driver.money_per_hour = None
    if errors:
        raise ValidationError(errors)
    if driver.basis == ValueDriver.Basis.EVENT:
        driver.kpi_name = ""
    else:
        driver.event_name = ""
    if ValueDriver.objects.filter(organization=driver.organization, name__iexact=driver.name).exclude(pk=driver.pk).exists():
        raise ValidationError({"name": "A value driver with this name exists already."})
    _clean(driver)


@transaction.atomic
def value_driver_create(*, organization: Organization, actor: Actor, **fields) -> ValueDriver:
    driver = ValueDriver(organization=organization, **{k: (_text(v) if isinstance(v, str) else v) for k, v in fields.items() if k in DRIVER_FIELDS})
    _validate_driver(driver)
    driver.save()
    audit_record(organization=organization, actor=actor, action="value_driver.created", target=driver, after=_snapshot_driver(driver))
    return driver


@transaction.atomic
def value_driver_update(*, organization: Organization, driver: ValueDriver, actor: Actor, **changes) -> ValueDriver:
    before = _snapshot_driver(driver)
    for name in DRIVER_FIELDS:
        if name in changes:
            setattr(driver, name, _text(changes[name]) if isinstance(changes[name], str) else changes[name])
    _validate_driver(driver)
    driver.save()
    audit_record(organization=organization, actor=actor, action="value_driver.updated", target=driver, before=before, after=_snapshot_driver(driver))
    return driver


@transaction.atomic
def value_driver_delete(*, organization: Organization, driver: ValueDriver, actor: Actor) -> None:
    audit_record(organization=organization, actor=actor, action="value_driver.deleted", target=driver, before=_snapshot_driver(driver))
    driver.delete()


def _snapshot_driver(driver: ValueDriver) -> dict:
    return {name: (str(v) if v is not None and not isinstance(v, bool | str) else v) for name in DRIVER_FIELDS for v in [getattr(driver, name)]}


# --- Tasks ----------------------------------------------------------------------------------------


@transaction.atomic
def task_set_status(*, organization: Organization, task, actor: Actor, status: str):
    if status not in type(task).Status.values:
        raise ValidationError({"status": "Choose open, done or dismissed."})
    before = {"status": task.status}
    task.status = status
    task.closed_at = None if status == type(task).Status.OPEN else timezone.now()
    task.save(update_fields=["status", "closed_at"])
    audit_record(organization=organization, actor=actor, action="csm_task.updated", target=task, before=before, after={"status": status})
    return task
