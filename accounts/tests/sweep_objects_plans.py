"""Objects of one organization for the tenancy sweep (see tests/sweep.py): success plans,
templates, value drivers and CSM tasks."""

from accounts.plans.models import CsmTask, Goal, Kpi, Measurement, Milestone, SuccessPlan
from accounts.plans.tests import factories as f
from accounts.tests.factories import AccountFactory
from tests.sweep import registers, registers_model


def _plan(organization):
    n = SuccessPlan.objects.count()
    account = AccountFactory(organization=organization, name=f"{organization.name} planned customer {n}", external_id=f"{organization.slug}-plan-{n}")
    return f.SuccessPlanFactory(account=account, title=f"{organization.name} success plan")


def _goal(organization):
    return f.GoalFactory(plan=_plan(organization), title=f"{organization.name} goal")


@registers_model(SuccessPlan)
def plan(organization):
    return _plan(organization)


@registers_model(Goal)
def goal(organization):
    return _goal(organization)


@registers("goal_id")
def goal_id(organization):
    return _goal(organization).pk


@registers_model(Kpi)
def kpi(organization):
    return f.KpiFactory(goal=_goal(organization), name=f"{organization.name} KPI")


@registers("kpi_id")
def kpi_id(organization):
    return kpi(organization).pk


@registers_model(Measurement)
def measurement(organization):
    return f.MeasurementFactory(kpi=kpi(organization), note=f"{organization.name} measurement")


@registers_model(Milestone)
def milestone(organization):
    return f.MilestoneFactory(plan=_plan(organization), title=f"{organization.name} milestone")


@registers("milestone_id")
def milestone_id(organization):
    return milestone(organization).pk


@registers("stakeholder_id")
def stakeholder_id(organization):
    return f.PlanStakeholderFactory(plan=_plan(organization), responsibility=f"{organization.name} sponsor").pk


@registers("signal_id")
def signal_id(organization):
    return f.ExpansionSignalFactory(plan=_plan(organization), description=f"{organization.name} signal").pk


def _template(organization):
    return f.PlanTemplateFactory(organization=organization, name=f"{organization.name} template {f.PlanTemplate.objects.count()}")


@registers("template_id")
def template_id(organization):
    return _template(organization).pk


@registers("template_goal_id")
def template_goal_id(organization):
    return f.TemplateGoalFactory(template=_template(organization), title=f"{organization.name} template goal").pk


@registers("template_kpi_id")
def template_kpi_id(organization):
    goal = f.TemplateGoalFactory(template=_template(organization), title=f"{organization.name} template goal")
    return f.TemplateKpiFactory(goal=goal, name=f"{organization.name} template KPI").pk


@registers("template_milestone_id")
def template_milestone_id(organization):
    return f.TemplateMilestoneFactory(template=_template(organization), title=f"{organization.name} template milestone").pk


@registers("driver_id")
def driver_id(organization):
    return f.ValueDriverFactory(organization=organization, name=f"{organization.name} driver {f.ValueDriver.objects.count()}").pk


@registers("task_id")
def task_id(organization):
    n = CsmTask.objects.count()
    account = AccountFactory(organization=organization, name=f"{organization.name} tasked customer {n}", external_id=f"{organization.slug}-task-{n}")
    return f.CsmTaskFactory(account=account, title=f"{organization.name} task").pk
