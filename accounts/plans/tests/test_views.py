"""The success-plan pages: reading, starting a plan, inline (htmx) milestone ticks, form
validation, permissions, admin pages, query counts, and other organizations' 404s."""

import datetime as dt

import pytest
from django.urls import reverse

from accounts.models import DailyEventCount
from accounts.plans.models import CsmTask, Kpi, Measurement, Milestone, PlanTemplate, SuccessPlan, ValueDriver
from accounts.plans.tests.factories import (
    CsmTaskFactory,
    GoalFactory,
    KpiFactory,
    MeasurementFactory,
    MilestoneFactory,
    PlanStakeholderFactory,
    PlanTemplateFactory,
    SuccessPlanFactory,
    TemplateGoalFactory,
    TemplateKpiFactory,
    ValueDriverFactory,
)
from accounts.tests.factories import AccountFactory, ContactFactory, ContractLineFactory
from retention.models import AuditLogEntry, Role
from retention.tests.factories import MembershipFactory, UserFactory

TODAY = dt.date.today()


def url(name, **kwargs):
    return reverse(f"plans:{name}", kwargs={"org_slug": "acme", **kwargs})


@pytest.fixture
def bobs_account(acme, bob):
    return AccountFactory(organization=acme, owner=bob, name="Initech")


def _full_plan(account, *, goals=1, kpis_per_goal=2, milestones=3):
    plan = SuccessPlanFactory(account=account, start_date=TODAY - dt.timedelta(days=45), summary="Ship weekly.")
    for g in range(goals):
        goal = GoalFactory(plan=plan, title=f"Goal {g}")
        for k in range(kpis_per_goal):
            kpi = KpiFactory(goal=goal, name=f"KPI {g}.{k}", start_date=plan.start_date, target_date=plan.start_date + dt.timedelta(days=90))
            MeasurementFactory(kpi=kpi, measured_on=TODAY - dt.timedelta(days=1), value=30)
        KpiFactory(
            goal=goal,
            name=f"Runs {g}",
            source="rate_per_active_user",
            event_name="test_run",
            start_date=plan.start_date,
            target_date=plan.start_date + dt.timedelta(days=90),
        )
    contact = ContactFactory(account=account, name="Chris Champion")
    for m in range(milestones):
        MilestoneFactory(plan=plan, title=f"Milestone {m}", phase=["day_30", "day_60", "beyond"][m % 3], owner_contact=contact if m % 2 else None)
    PlanStakeholderFactory(plan=plan, contact=contact)
    return plan


def test_the_plan_page_shows_progress_vs_time_for_each_kpi(alice_client, bobs_account):
    plan = _full_plan(bobs_account)
    response = alice_client.get(url("plan_page", account_id=bobs_account.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert plan.title in body and "KPI 0.1" in body and "Milestone 2" in body
    # 30 of 80 = 38 % done at 45 of 90 days (50 %): more than 10 points behind
    assert "38 % vs 50 % time" in body
    assert "Behind" in body
    assert "plans/_plan_summary" not in body  # templates render, not leak their names


def test_the_plan_page_query_count_does_not_grow_with_goals_kpis_and_milestones(alice_client, acme, bobs_account, django_assert_num_queries):
    small = _full_plan(bobs_account, goals=1, kpis_per_goal=1, milestones=1)
    ValueDriverFactory(organization=acme)
    big_account = AccountFactory(organization=acme)
    _full_plan(big_account, goals=4, kpis_per_goal=3, milestones=9)

    def count(account):
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as ctx:
            assert alice_client.get(url("plan_page", account_id=account.pk)).status_code == 200
        return len(ctx.captured_queries)

    small_count = count(small.account)
    assert count(big_account) == small_count
    with django_assert_num_queries(small_count):
        alice_client.get(url("plan_page", account_id=big_account.pk))
    assert small_count <= 30


def test_a_viewer_reads_the_plan_without_edit_forms(acme, bobs_account):
    from django.test import Client

    viewer = UserFactory(email="vera@acme.test")
    MembershipFactory(organization=acme, user=viewer, role=Role.VIEWER)
    _full_plan(bobs_account)
    client = Client()
    client.force_login(viewer)
    body = client.get(url("plan_page", account_id=bobs_account.pk)).content.decode()
    assert "Read only" in body and "Add a goal" not in body
    assert client.post(url("goal_add", account_id=bobs_account.pk), {"title": "Sneaky"}).status_code == 403


def test_starting_a_plan_from_a_template(bob_client, acme, bobs_account):
    template = PlanTemplateFactory(organization=acme, name="QA automation", segment="mid_market")
    TemplateKpiFactory(goal=TemplateGoalFactory(template=template), name="Test cases automated")
    page = bob_client.get(url("plan_page", account_id=bobs_account.pk))
    assert "Start the success plan" in page.content.decode() and "QA automation" in page.content.decode()

    response = bob_client.post(url("plan_create", account_id=bobs_account.pk), {"template": template.pk, "start_date": "2026-01-05"})

    assert response.status_code == 302
    plan = SuccessPlan.objects.get(account=bobs_account)
    assert plan.template == template and plan.start_date == dt.date(2026, 1, 5)
    assert Kpi.objects.filter(goal__plan=plan, name="Test cases automated").exists()


def test_a_csm_cannot_edit_an_account_someone_else_owns(bob_client, acme, alice):
    account = AccountFactory(organization=acme, owner=alice)
    response = bob_client.post(url("plan_create", account_id=account.pk), {"start_date": "2026-01-05"})
    assert response.status_code == 403
    assert not SuccessPlan.objects.filter(account=account).exists()


def test_ticking_a_milestone_with_htmx_returns_the_updated_row_only(bob_client, bobs_account):
    plan = _full_plan(bobs_account)
    milestone = plan.milestones.first()

    response = bob_client.post(url("milestone_status", milestone_id=milestone.pk), {"status": "done"}, HTTP_HX_REQUEST="true")

    assert response.status_code == 200
    body = response.content.decode()
    assert body.lstrip().startswith(f'<tr id="milestone-{milestone.pk}"')
    assert "is-done" in body and "<html" not in body
    milestone.refresh_from_db()
    assert milestone.status == "done" and milestone.completed_on == TODAY
    assert CsmTask.objects.filter(account=bobs_account, kind="milestone_completed").count() == 1
    assert AuditLogEntry.objects.filter(action="milestone.status_changed", object_id=str(milestone.pk)).exists()
    # And the summary cards are told to refresh, and their fragment counts the tick
    assert response["HX-Trigger"] == "planChanged"
    stats = bob_client.get(url("plan_page", account_id=bobs_account.pk) + "?fragment=stats", HTTP_HX_REQUEST="true").content.decode()
    assert 'id="plan-stats"' in stats and "1 / 3" in stats and "<html" not in stats


def test_a_bad_htmx_status_answers_400_with_the_message_in_the_row(bob_client, bobs_account):
    milestone = _full_plan(bobs_account).milestones.first()
    response = bob_client.post(url("milestone_status", milestone_id=milestone.pk), {"status": "finished"}, HTTP_HX_REQUEST="true")
    assert response.status_code == 400
    assert "Choose one of" in response.content.decode()
    milestone.refresh_from_db()
    assert milestone.status == "not_started"


def test_without_htmx_the_tick_redirects_back_to_the_plan(bob_client, bobs_account):
    milestone = _full_plan(bobs_account).milestones.first()
    response = bob_client.post(url("milestone_status", milestone_id=milestone.pk), {"status": "in_progress"})
    assert response.status_code == 302 and response.url.endswith("#milestones")


def test_an_invalid_kpi_is_refused_with_messages_on_the_page(bob_client, bobs_account):
    plan = _full_plan(bobs_account)
    goal = plan.goals.first()
    before = Kpi.objects.count()
    response = bob_client.post(
        url("kpi_add", account_id=bobs_account.pk),
        {"goal": goal.pk, "name": "Flat", "baseline": "10", "target": "10", "target_date": "2020-01-01", "source": "manual", "window_days": "28"},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "The target must differ from the baseline" in body
    assert "The target date must come after the start date" in body
    assert Kpi.objects.count() == before


def test_adding_a_kpi_goal_milestone_and_measurement(bob_client, bobs_account):
    plan = _full_plan(bobs_account, goals=1, kpis_per_goal=0, milestones=0)
    goal = plan.goals.first()
    assert bob_client.post(url("goal_add", account_id=bobs_account.pk), {"title": "Release weekly"}).status_code == 302
    r = bob_client.post(
        url("kpi_add", account_id=bobs_account.pk),
        {
            "goal": goal.pk,
            "name": "Test cases automated",
            "unit": "%",
            "baseline": "0",
            "target": "80",
            "target_date": str(TODAY + dt.timedelta(days=60)),
            "source": "manual",
            "window_days": "28",
        },
    )
    assert r.status_code == 302
    kpi = Kpi.objects.get(name="Test cases automated")
    assert kpi.start_date == plan.start_date
    r = bob_client.post(url("measurement_add", account_id=bobs_account.pk), {"kpi": kpi.pk, "measured_on": str(TODAY), "value": "20", "note": "TestRail"})
    assert r.status_code == 302
    assert Measurement.objects.get(kpi=kpi).value == 20
    r = bob_client.post(
        url("milestone_add", account_id=bobs_account.pk),
        {"title": "Kickoff", "phase": "day_30", "due_date": str(TODAY), "owner": f"user:{bobs_account.owner_id}"},
    )
    assert r.status_code == 302
    assert Milestone.objects.get(plan=plan, title="Kickoff").owner_user_id == bobs_account.owner_id


def test_the_kpi_history_partial_charts_usage_from_the_rollups(alice_client, acme, bobs_account):
    plan = SuccessPlanFactory(account=bobs_account, start_date=TODAY - dt.timedelta(days=40))
    kpi = KpiFactory(
        goal=GoalFactory(plan=plan), name="Runs", unit="runs", source="event_count", event_name="test_run", window_days=7, start_date=plan.start_date
    )
    DailyEventCount.objects.create(organization=acme, account=bobs_account, day=TODAY - dt.timedelta(days=2), event="test_run", count=9)
    response = alice_client.get(url("kpi_history", kpi_id=kpi.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert "data-plotly-chart" in body and "Runs (runs)" in body and "Expected path" in body


def test_the_summary_partial_renders_for_the_account_page(rf, acme, alice, bobs_account):
    from django.template.loader import render_to_string

    from accounts.plans.selectors import plan_detail

    _full_plan(bobs_account)
    detail = plan_detail(organization=acme, account=bobs_account, as_of=TODAY, with_history=False)
    html = render_to_string("plans/_plan_summary.html", {"detail": detail, "current_organization": acme})
    assert "Outcome progress vs time" in html and "KPI 0.0" in html


def test_templates_are_read_by_csms_and_edited_by_admins(alice_client, bob_client, acme):
    assert bob_client.get(url("template_list")).status_code == 200
    assert bob_client.post(url("template_list"), {"name": "Sneaky"}).status_code == 403
    response = alice_client.post(url("template_list"), {"name": "QA automation", "segment": "mid_market"})
    template = PlanTemplate.objects.get(organization=acme, name="QA automation")
    assert response.status_code == 302
    assert alice_client.post(url("template_goal_add", template_id=template.pk), {"title": "Automate regression"}).status_code == 302
    goal = template.goals.get()
    r = alice_client.post(
        url("template_kpi_add", template_id=template.pk),
        {
            "goal": goal.pk,
            "name": "Regression test cases automated",
            "unit": "%",
            "baseline": "0",
            "target": "80",
            "target_offset_days": "90",
            "source": "manual",
            "window_days": "28",
        },
    )
    assert r.status_code == 302
    r = alice_client.post(
        url("template_milestone_add", template_id=template.pk), {"title": "Kickoff", "phase": "day_30", "due_offset_days": "7", "owner_side": "vendor"}
    )
    assert r.status_code == 302
    page = alice_client.get(url("template_detail", template_id=template.pk)).content.decode()
    assert "Regression test cases automated" in page and "Kickoff" in page
    assert alice_client.post(url("template_list"), {"name": "qa AUTOMATION"}).status_code == 400


def test_value_drivers_admin(alice_client, bob_client, acme):
    assert bob_client.get(url("value_driver_list")).status_code == 200
    assert bob_client.post(url("value_driver_list"), {"name": "x"}).status_code == 403
    bad = alice_client.post(url("value_driver_list"), {"name": "Reports", "basis": "event", "kind": "hours_saved"})
    assert bad.status_code == 400 and "Name the usage event" in bad.content.decode()
    ok = alice_client.post(
        url("value_driver_list"),
        {
            "name": "Reports",
            "basis": "event",
            "event_name": "report_generated",
            "kind": "hours_saved",
            "hours_per_unit": "0.25",
            "money_per_hour": "60",
            "is_active": "on",
        },
    )
    assert ok.status_code == 302
    driver = ValueDriver.objects.get(organization=acme)
    assert driver.value_per_unit == 15
    r = alice_client.post(
        url("value_driver_edit", driver_id=driver.pk),
        {"name": "Reports", "basis": "event", "event_name": "report_generated", "kind": "revenue", "money_per_unit": "3"},
    )
    assert r.status_code == 302
    driver.refresh_from_db()
    assert driver.kind == "revenue" and driver.hours_per_unit is None


def _queries(client, path) -> int:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as ctx:
        assert client.get(path).status_code == 200
    return len(ctx.captured_queries)


def test_the_plan_list_and_tasks_pages(alice_client, bob_client, acme, bobs_account, django_assert_max_num_queries):
    _full_plan(AccountFactory(organization=acme, name="Listed first"))
    one_plan = _queries(alice_client, url("plan_list"))
    for i in range(4):
        _full_plan(AccountFactory(organization=acme, name=f"Listed {i}"))
    CsmTaskFactory(account=bobs_account, assignee=bobs_account.owner, title="Initech renews soon")
    with django_assert_max_num_queries(one_plan):
        listing = alice_client.get(url("plan_list"))
    assert listing.status_code == 200 and "Listed 3" in listing.content.decode()
    assert one_plan <= 15
    with django_assert_max_num_queries(10):
        tasks = bob_client.get(url("task_list") + "?mine=1")
    assert "Initech renews soon" in tasks.content.decode()
    task = CsmTask.objects.get(account=bobs_account)
    assert bob_client.post(url("task_status", task_id=task.pk), {"status": "done"}).status_code == 302
    task.refresh_from_db()
    assert task.status == "done" and task.closed_at is not None
    assert bob_client.post(url("task_status", task_id=task.pk), {"status": "bogus"}).status_code == 400


def test_another_organizations_member_gets_404_everywhere(charlie_client, acme, bobs_account):
    plan = _full_plan(bobs_account)
    milestone = plan.milestones.first()
    kpi = Kpi.objects.filter(goal__plan=plan).first()
    for path in (url("plan_page", account_id=bobs_account.pk), url("kpi_history", kpi_id=kpi.pk), url("plan_list"), url("task_list")):
        assert charlie_client.get(path).status_code == 404
    # Under his own slug, Acme's objects do not exist
    own = reverse("plans:plan_page", kwargs={"org_slug": "globex", "account_id": bobs_account.pk})
    assert charlie_client.get(own).status_code == 404
    own_tick = reverse("plans:milestone_status", kwargs={"org_slug": "globex", "milestone_id": milestone.pk})
    assert charlie_client.post(own_tick, {"status": "done"}, HTTP_HX_REQUEST="true").status_code == 404
    milestone.refresh_from_db()
    assert milestone.status == "not_started"


def test_the_value_card_shows_roi(alice_client, acme, bobs_account):
    bobs_account.start_date = TODAY - dt.timedelta(days=73)
    bobs_account.save()
    ContractLineFactory(account=bobs_account, mrr=1000, start_date=TODAY - dt.timedelta(days=300))
    DailyEventCount.objects.create(organization=acme, account=bobs_account, day=TODAY - dt.timedelta(days=3), event="report_generated", count=400)
    ValueDriverFactory(organization=acme, name="Reports", event_name="report_generated")
    _full_plan(bobs_account)
    body = alice_client.get(url("plan_page", account_id=bobs_account.pk)).content.decode()
    # 400 × $15 = $6,000 against 1,000 × 74 days × 12 / 365 = $2,433 of spend
    assert "$6,000" in body and "$2,433" in body
