"""Writes: plans from templates, validation with clear messages and nothing half-written, the
plan's history and the audit log."""

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from accounts.ingest import last_active_rebuild
from accounts.models import DailyActiveUser, DailyEventCount
from accounts.plans import catalog, services
from accounts.plans.models import Goal, Kpi, Measurement, Milestone, PlanActivity, SuccessPlan
from accounts.plans.tests.factories import (
    GoalFactory,
    KpiFactory,
    MilestoneFactory,
    PlanTemplateFactory,
    SuccessPlanFactory,
    TemplateGoalFactory,
    TemplateKpiFactory,
    TemplateMilestoneFactory,
)
from accounts.tests.factories import AccountFactory, ContactFactory, ContractLineFactory
from retention.models import AuditLogEntry


@pytest.fixture
def qa_template(acme):
    template = PlanTemplateFactory(organization=acme, name="QA automation", segment="mid_market")
    goal = TemplateGoalFactory(template=template, title="Automate regression testing")
    TemplateKpiFactory(goal=goal, name="Regression test cases automated", unit="%", baseline=0, target=80, target_offset_days=90)
    TemplateKpiFactory(
        goal=goal,
        name="Automated runs per week",
        unit="runs",
        baseline=None,
        target=50,
        target_offset_days=120,
        source="event_count",
        event_name="test_run",
        window_days=7,
    )
    TemplateMilestoneFactory(template=template, title="Kickoff with the sponsor", phase="day_30", due_offset_days=7, owner_side="vendor", is_onboarding=True)
    TemplateMilestoneFactory(template=template, title="First suite automated", phase="day_60", due_offset_days=45, owner_side="customer")
    return template


def test_a_plan_from_a_template_copies_goals_kpis_and_milestones_dated_from_the_start(acme, bob, qa_template):
    # Given an account owned by bob with a champion and 12 test runs in the week before the start
    account = AccountFactory(organization=acme, owner=bob)
    champion = ContactFactory(account=account, stakeholder_role="champion", name="Chris Champion")
    start = dt.date(2026, 3, 1)
    for offset, count in [(0, 5), (3, 7), (9, 40)]:
        DailyEventCount.objects.create(organization=acme, account=account, day=start - dt.timedelta(days=offset), event="test_run", count=count)

    # When a plan is created from the template
    plan = services.plan_create_from_template(organization=acme, account=account, template=qa_template, actor=bob, start_date=start)

    # Then goals and KPIs are copied, dated from the start
    assert plan.template == qa_template and plan.title == "QA automation"
    (goal,) = plan.goals.all()
    kpis = {k.name: k for k in goal.kpis.all()}
    manual = kpis["Regression test cases automated"]
    assert (manual.baseline, manual.target, manual.target_date) == (0, 80, start + dt.timedelta(days=90))
    # And the usage KPI's empty baseline is measured from the rollups: 5 + 7 in the 7-day window
    usage = kpis["Automated runs per week"]
    assert usage.baseline == 12 and usage.source == "event_count" and usage.window_days == 7
    # And milestones go to the CSM (vendor side) and the champion (customer side)
    milestones = {m.title: m for m in plan.milestones.all()}
    assert milestones["Kickoff with the sponsor"].owner_user == bob
    assert milestones["Kickoff with the sponsor"].due_date == start + dt.timedelta(days=7)
    assert milestones["Kickoff with the sponsor"].is_onboarding
    assert milestones["First suite automated"].owner_contact == champion
    # And the plan's history and the audit log say so
    assert PlanActivity.objects.filter(plan=plan, action="plan.from_template").exists()
    assert AuditLogEntry.objects.filter(organization=acme, action="plan.created", object_id=str(plan.pk)).exists()


def test_an_account_has_one_plan_only(acme, alice, qa_template):
    account = AccountFactory(organization=acme)
    services.plan_create(organization=acme, account=account, actor=alice, title="First", start_date=dt.date(2026, 1, 1))
    with pytest.raises(ValidationError, match="already has a success plan"):
        services.plan_create_from_template(organization=acme, account=account, template=qa_template, actor=alice, start_date=dt.date(2026, 1, 1))
    assert SuccessPlan.objects.filter(account=account).count() == 1
    assert not Goal.objects.filter(plan__account=account).exists()  # nothing half-written


def test_a_template_of_another_organization_is_refused(acme, globex, alice):
    foreign = PlanTemplateFactory(organization=globex)
    with pytest.raises(ValidationError):
        services.plan_create_from_template(
            organization=acme, account=AccountFactory(organization=acme), template=foreign, actor=alice, start_date=dt.date(2026, 1, 1)
        )


def test_kpi_validation_names_each_bad_field(acme, alice):
    goal = GoalFactory(plan=SuccessPlanFactory(account=AccountFactory(organization=acme)))
    with pytest.raises(ValidationError) as caught:
        services.kpi_create(
            organization=acme,
            goal=goal,
            actor=alice,
            name="",
            baseline=5,
            target=5,
            start_date=dt.date(2026, 3, 1),
            target_date=dt.date(2026, 2, 1),
            source="event_count",
            event_name="",
        )
    errors = caught.value.message_dict
    assert set(errors) == {"name", "target", "target_date", "event_name"}
    assert "differ from the baseline" in errors["target"][0]
    assert not Kpi.objects.filter(goal=goal).exists()


def test_a_measurement_on_the_same_day_replaces_the_earlier_one(acme, alice):
    kpi = KpiFactory(goal=GoalFactory(plan=SuccessPlanFactory(account=AccountFactory(organization=acme))))
    day = dt.date.today() - dt.timedelta(days=1)
    services.measurement_record(organization=acme, kpi=kpi, actor=alice, measured_on=day, value=10, note="first")
    services.measurement_record(organization=acme, kpi=kpi, actor=alice, measured_on=day, value=12, note="corrected")
    (m,) = Measurement.objects.filter(kpi=kpi)
    assert (m.value, m.note) == (12, "corrected")
    entry = AuditLogEntry.objects.filter(organization=acme, action="measurement.recorded").first()
    assert entry.before == {"value": 10.0, "note": "first"}


def test_usage_kpis_and_future_dates_refuse_manual_measurements(acme, alice):
    plan = SuccessPlanFactory(account=AccountFactory(organization=acme))
    usage = KpiFactory(goal=GoalFactory(plan=plan), source="event_count", event_name="test_run")
    with pytest.raises(ValidationError, match="computed from usage data"):
        services.measurement_record(organization=acme, kpi=usage, actor=alice, measured_on=dt.date.today(), value=3)
    manual = KpiFactory(goal=GoalFactory(plan=plan))
    with pytest.raises(ValidationError, match="future"):
        services.measurement_record(organization=acme, kpi=manual, actor=alice, measured_on=dt.date.today() + dt.timedelta(days=1), value=3)
    assert not Measurement.objects.exists()


def test_milestone_done_gets_a_completion_date_and_reopening_clears_it(acme, alice):
    milestone = MilestoneFactory(plan=SuccessPlanFactory(account=AccountFactory(organization=acme)))
    services.milestone_set_status(organization=acme, milestone=milestone, status="done", actor=alice)
    milestone.refresh_from_db()
    assert milestone.completed_on == dt.date.today()
    services.milestone_set_status(organization=acme, milestone=milestone, status="in_progress", actor=alice)
    milestone.refresh_from_db()
    assert milestone.completed_on is None
    with pytest.raises(ValidationError):
        services.milestone_set_status(organization=acme, milestone=milestone, status="finished", actor=alice)


def test_a_milestone_owner_must_be_of_the_account_or_the_organization(acme, globex, alice, charlie):
    plan = SuccessPlanFactory(account=AccountFactory(organization=acme))
    other_contact = ContactFactory(account=AccountFactory(organization=acme))
    with pytest.raises(ValidationError, match="contact of this account"):
        services.milestone_create(organization=acme, plan=plan, actor=alice, title="Kickoff", phase="day_30", owner_contact=other_contact)
    with pytest.raises(ValidationError, match="member of your organization"):
        services.milestone_create(organization=acme, plan=plan, actor=alice, title="Kickoff", phase="day_30", owner_user=charlie)
    assert not Milestone.objects.filter(plan=plan).exists()


def test_value_driver_validation(acme, alice):
    with pytest.raises(ValidationError) as caught:
        catalog.value_driver_create(
            organization=acme, actor=alice, name="Reports", basis="event", event_name="", kind="hours_saved", hours_per_unit=None, money_per_hour=None
        )
    assert set(caught.value.message_dict) == {"event_name", "hours_per_unit", "money_per_hour"}


def test_can_edit_account_follows_the_roles(acme, alice, bob):
    from retention.models import Membership

    owned_by_bob = AccountFactory(organization=acme, owner=bob)
    someone_elses = AccountFactory(organization=acme, owner=alice)
    bob_m = Membership.objects.get(user=bob, organization=acme)
    alice_m = Membership.objects.get(user=alice, organization=acme)
    assert services.can_edit_account(membership=bob_m, account=owned_by_bob)
    assert not services.can_edit_account(membership=bob_m, account=someone_elses)
    assert services.can_edit_account(membership=alice_m, account=owned_by_bob)
    bob_m.role = "viewer"
    assert not services.can_edit_account(membership=bob_m, account=owned_by_bob)


def test_seat_share_template_kpi_uses_seats_at_the_start(acme, alice):
    template = PlanTemplateFactory(organization=acme)
    TemplateKpiFactory(
        goal=TemplateGoalFactory(template=template), name="Seats active", baseline=None, target=90, source="seat_active_share", event_name="", window_days=28
    )
    account = AccountFactory(organization=acme)
    start = dt.date(2026, 3, 1)
    ContractLineFactory(account=account, seats_licensed=20, start_date=dt.date(2025, 1, 1), end_date=None)
    for user in ("a", "b", "c", "d", "e"):
        DailyActiveUser.objects.create(organization=acme, account=account, day=start - dt.timedelta(days=3), user_external_id=user)
    last_active_rebuild(organization=acme)
    plan = services.plan_create_from_template(organization=acme, account=account, template=template, actor=alice, start_date=start)
    assert Kpi.objects.get(goal__plan=plan).baseline == 25.0  # 5 of 20 seats


def test_a_measured_baseline_already_past_the_target_starts_the_kpi_as_achieved(acme, alice):
    from accounts.plans.progress import Status, progress_for_kpis

    template = PlanTemplateFactory(organization=acme)
    goal = TemplateGoalFactory(template=template)
    TemplateKpiFactory(goal=goal, name="Runs", baseline=None, target=10, source="event_count", event_name="run", window_days=7)
    TemplateKpiFactory(goal=goal, name="Errors", baseline=None, target=50, source="event_count", event_name="error", window_days=7, lower_is_better=True)
    account = AccountFactory(organization=acme)
    start = dt.date(2026, 3, 1)
    DailyEventCount.objects.create(organization=acme, account=account, day=start, event="run", count=25)
    DailyEventCount.objects.create(organization=acme, account=account, day=start, event="error", count=5)

    plan = services.plan_create_from_template(organization=acme, account=account, template=template, actor=alice, start_date=start)

    kpis = list(Kpi.objects.filter(goal__plan=plan))
    assert {k.name: (k.baseline, k.target) for k in kpis} == {"Runs": (0.0, 10.0), "Errors": (100.0, 50.0)}
    progress = progress_for_kpis(organization=acme, kpis=kpis, account_of={k.id: account.pk for k in kpis}, as_of=start)
    assert {p.status for p in progress.values()} == {Status.ACHIEVED}


def test_the_starter_template_and_drivers_are_created_once(acme):
    from accounts.plans import defaults
    from accounts.plans.models import PlanTemplate, ValueDriver

    first = defaults.ensure_default_template(organization=acme)
    again = defaults.ensure_default_template(organization=acme)
    defaults.ensure_default_value_drivers(organization=acme)
    assert defaults.ensure_default_value_drivers(organization=acme) == []
    assert first == again and PlanTemplate.objects.filter(organization=acme).count() == 1
    assert first.goals.count() == 2 and first.milestones.filter(is_onboarding=True).count() == 3
    assert ValueDriver.objects.filter(organization=acme).count() == 2
