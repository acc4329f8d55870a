"""factory_boy factories for success plans. Pass ``organization=``/``account=`` explicitly."""

import datetime as dt

import factory

from accounts.plans.models import (
    CsmTask,
    ExpansionSignal,
    Goal,
    Kpi,
    Measurement,
    Milestone,
    PlanStakeholder,
    PlanTemplate,
    SuccessPlan,
    TemplateGoal,
    TemplateKpi,
    TemplateMilestone,
    ValueDriver,
)
from accounts.tests.factories import AccountFactory, ContactFactory


class SuccessPlanFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SuccessPlan

    account = factory.SubFactory(AccountFactory)
    organization = factory.SelfAttribute("account.organization")
    title = factory.LazyAttribute(lambda o: f"{o.account.name} success plan")
    start_date = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=30))


class GoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Goal

    plan = factory.SubFactory(SuccessPlanFactory)
    organization = factory.SelfAttribute("plan.organization")
    title = "Automate regression testing"


class KpiFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Kpi

    goal = factory.SubFactory(GoalFactory)
    organization = factory.SelfAttribute("goal.organization")
    name = "Regression test cases automated"
    unit = "%"
    baseline = 0.0
    target = 80.0
    start_date = factory.LazyAttribute(lambda o: o.goal.plan.start_date)
    target_date = factory.LazyAttribute(lambda o: o.start_date + dt.timedelta(days=90))
    source = "manual"


class MeasurementFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Measurement

    kpi = factory.SubFactory(KpiFactory)
    organization = factory.SelfAttribute("kpi.organization")
    measured_on = factory.LazyFunction(dt.date.today)
    value = 10.0


class MilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Milestone

    plan = factory.SubFactory(SuccessPlanFactory)
    organization = factory.SelfAttribute("plan.organization")
    title = "Kickoff held with the sponsor"
    phase = "day_30"
    due_date = factory.LazyFunction(lambda: dt.date.today() + dt.timedelta(days=10))


class PlanStakeholderFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanStakeholder

    plan = factory.SubFactory(SuccessPlanFactory)
    organization = factory.SelfAttribute("plan.organization")
    contact = factory.LazyAttribute(lambda o: ContactFactory(account=o.plan.account))


class ExpansionSignalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ExpansionSignal

    plan = factory.SubFactory(SuccessPlanFactory)
    organization = factory.SelfAttribute("plan.organization")
    kind = "adjacent_team"
    description = "Support team asked for access"


class PlanTemplateFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = PlanTemplate

    name = factory.Sequence(lambda n: f"QA automation template {n}")


class TemplateGoalFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TemplateGoal

    template = factory.SubFactory(PlanTemplateFactory)
    organization = factory.SelfAttribute("template.organization")
    title = "Automate regression testing"


class TemplateKpiFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TemplateKpi

    goal = factory.SubFactory(TemplateGoalFactory)
    organization = factory.SelfAttribute("goal.organization")
    name = "Regression test cases automated"
    unit = "%"
    baseline = 0.0
    target = 80.0
    target_offset_days = 90


class TemplateMilestoneFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TemplateMilestone

    template = factory.SubFactory(PlanTemplateFactory)
    organization = factory.SelfAttribute("template.organization")
    title = "Kickoff"
    phase = "day_30"
    due_offset_days = 14


class ValueDriverFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ValueDriver

    name = factory.Sequence(lambda n: f"Reports automated {n}")
    basis = "event"
    event_name = "report_generated"
    kind = "hours_saved"
    hours_per_unit = "0.25"
    money_per_hour = "60.00"


class CsmTaskFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = CsmTask

    account = factory.SubFactory(AccountFactory)
    organization = factory.SelfAttribute("account.organization")
    kind = "renewal_upcoming"
    reference = factory.Sequence(lambda n: f"renewal:test-{n}")
    title = factory.LazyAttribute(lambda o: f"{o.account.name} renews soon")
    suggested_experience = "renewal_case"
