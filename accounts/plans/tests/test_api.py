"""The success-plan API: CRUD through the services, validation errors as JSON, scopes, progress
fields, and 404s for another organization's objects."""

import datetime as dt

import pytest
from rest_framework.test import APIClient

from accounts.plans.models import CsmTask, Kpi, Measurement, Milestone, SuccessPlan
from accounts.plans.tests.factories import GoalFactory, KpiFactory, MeasurementFactory, MilestoneFactory, SuccessPlanFactory
from accounts.tests.factories import AccountFactory
from retention import services as kernel

TODAY = dt.date.today()


@pytest.fixture
def plan(acme):
    return SuccessPlanFactory(account=AccountFactory(organization=acme, name="Initech"), start_date=TODAY - dt.timedelta(days=45))


def test_creating_a_plan_goal_kpi_measurement_and_milestone(acme_api, acme):
    account = AccountFactory(organization=acme)
    r = acme_api.post(
        "/api/v1/success-plans/", {"account": account.pk, "title": "Ship weekly", "start_date": str(TODAY - dt.timedelta(days=45))}, format="json"
    )
    assert r.status_code == 201, r.json()
    plan_id = r.json()["id"]
    assert r.json()["outcome_progress"] is None

    r = acme_api.post("/api/v1/plan-goals/", {"plan": plan_id, "title": "Automate regression"}, format="json")
    assert r.status_code == 201
    goal_id = r.json()["id"]

    r = acme_api.post(
        "/api/v1/kpis/",
        {"goal": goal_id, "name": "Automated", "unit": "%", "baseline": 0, "target": 80, "target_date": str(TODAY + dt.timedelta(days=45))},
        format="json",
    )
    assert r.status_code == 201, r.json()
    kpi_id = r.json()["id"]
    assert r.json()["start_date"] == str(TODAY - dt.timedelta(days=45))
    assert r.json()["status"] == "no_data"

    r = acme_api.post("/api/v1/kpi-measurements/", {"kpi": kpi_id, "measured_on": str(TODAY), "value": 40, "note": "export"}, format="json")
    assert r.status_code == 201

    kpi = acme_api.get(f"/api/v1/kpis/{kpi_id}/").json()
    assert kpi["current"] == 40 and kpi["progress"] == pytest.approx(0.5) and kpi["expected"] == pytest.approx(0.5) and kpi["status"] == "on_track"
    assert acme_api.get(f"/api/v1/success-plans/{plan_id}/").json()["outcome_progress"] == pytest.approx(1.0)

    r = acme_api.post("/api/v1/milestones/", {"plan": plan_id, "title": "Kickoff", "phase": "day_30", "due_date": str(TODAY)}, format="json")
    assert r.status_code == 201
    milestone_id = r.json()["id"]
    r = acme_api.patch(f"/api/v1/milestones/{milestone_id}/", {"status": "done"}, format="json")
    assert r.status_code == 200 and r.json()["status"] == "done" and r.json()["completed_on"] == str(TODAY)
    assert CsmTask.objects.filter(kind="milestone_completed", reference=f"milestone:{milestone_id}").count() == 1


def test_validation_errors_are_json_with_a_message_per_field(acme_api, plan):
    goal = GoalFactory(plan=plan)
    r = acme_api.post(
        "/api/v1/kpis/",
        {"goal": goal.pk, "name": "Flat", "baseline": 5, "target": 5, "target_date": str(plan.start_date - dt.timedelta(days=1))},
        format="json",
    )
    assert r.status_code == 400
    body = r.json()
    assert body["code"] == "invalid"
    assert "differ from the baseline" in body["errors"]["target"][0]
    assert "after the start date" in body["errors"]["target_date"][0]
    assert not Kpi.objects.filter(goal=goal).exists()

    r = acme_api.post("/api/v1/kpis/", {"goal": goal.pk, "name": "x", "baseline": "lots", "target": 5}, format="json")
    assert r.status_code == 400 and set(r.json()["errors"]) >= {"baseline", "target_date"}


def test_a_usage_kpi_refuses_manual_measurements_and_future_dates_are_refused(acme_api, plan):
    usage = KpiFactory(goal=GoalFactory(plan=plan), source="event_count", event_name="test_run")
    r = acme_api.post("/api/v1/kpi-measurements/", {"kpi": usage.pk, "measured_on": str(TODAY), "value": 3}, format="json")
    assert r.status_code == 400 and "usage data" in r.json()["errors"]["kpi"][0]
    manual = KpiFactory(goal=usage.goal)
    r = acme_api.post("/api/v1/kpi-measurements/", {"kpi": manual.pk, "measured_on": str(TODAY + dt.timedelta(days=3)), "value": 3}, format="json")
    assert r.status_code == 400 and "future" in r.json()["errors"]["measured_on"][0]
    assert not Measurement.objects.exists()


def test_a_second_plan_for_an_account_is_a_400(acme_api, plan):
    r = acme_api.post("/api/v1/success-plans/", {"account": plan.account_id, "title": "Again", "start_date": str(TODAY)}, format="json")
    assert r.status_code == 400 and "already has a success plan" in r.json()["detail"] + str(r.json()["errors"])
    assert SuccessPlan.objects.filter(account=plan.account).count() == 1


def test_a_bad_milestone_status_is_a_400(acme_api, plan):
    milestone = MilestoneFactory(plan=plan)
    r = acme_api.patch(f"/api/v1/milestones/{milestone.pk}/", {"status": "finished"}, format="json")
    assert r.status_code == 400 and "status" in r.json()["errors"]


def test_a_read_only_key_cannot_write(acme, plan):
    raw = kernel.api_key_create(organization=acme, name="Reader", scopes=["read"]).raw
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/success-plans/").status_code == 200
    r = client.post("/api/v1/plan-goals/", {"plan": plan.pk, "title": "x"}, format="json")
    assert r.status_code == 403 and r.json()["code"] == "missing_scope"


def test_a_session_csm_edits_only_the_accounts_they_own(bob_client, acme, bob, alice):
    own = SuccessPlanFactory(account=AccountFactory(organization=acme, owner=bob))
    other = SuccessPlanFactory(account=AccountFactory(organization=acme, owner=alice))
    headers = {"HTTP_X_ORGANIZATION": "acme"}
    ok = bob_client.post("/api/v1/plan-goals/", {"plan": own.pk, "title": "Mine"}, content_type="application/json", **headers)
    assert ok.status_code == 201
    refused = bob_client.post("/api/v1/plan-goals/", {"plan": other.pk, "title": "Not mine"}, content_type="application/json", **headers)
    assert refused.status_code == 403


def test_another_organizations_objects_are_404_in_urls_and_invalid_in_bodies(globex_api, acme, plan):
    kpi = KpiFactory(goal=GoalFactory(plan=plan))
    MeasurementFactory(kpi=kpi)
    milestone = MilestoneFactory(plan=plan)
    for path in (f"/api/v1/success-plans/{plan.pk}/", f"/api/v1/kpis/{kpi.pk}/", f"/api/v1/milestones/{milestone.pk}/", f"/api/v1/plan-goals/{kpi.goal_id}/"):
        assert globex_api.get(path).status_code == 404
        assert globex_api.patch(path, {"title": "hijack"}, format="json").status_code == 404
    assert globex_api.delete(f"/api/v1/milestones/{milestone.pk}/").status_code == 404
    r = globex_api.post("/api/v1/kpi-measurements/", {"kpi": kpi.pk, "measured_on": str(TODAY), "value": 1}, format="json")
    assert r.status_code == 400 and "kpi" in r.json()["errors"]
    assert globex_api.get("/api/v1/kpis/").json()["results"] == []
    assert Milestone.objects.filter(pk=milestone.pk).exists()


def test_lists_filter_by_plan_and_do_not_grow_queries_with_rows(acme_api, acme, plan, django_assert_max_num_queries):
    for _ in range(3):
        KpiFactory(goal=GoalFactory(plan=plan), source="rate_per_active_user", event_name="run")
    other = SuccessPlanFactory(account=AccountFactory(organization=acme))
    KpiFactory(goal=GoalFactory(plan=other))
    with django_assert_max_num_queries(12):
        r = acme_api.get(f"/api/v1/kpis/?plan={plan.pk}")
    assert r.status_code == 200 and len(r.json()["results"]) == 3


def test_a_plan_can_start_from_a_template_and_foreign_templates_are_invalid(acme_api, acme, globex):
    from accounts.plans.tests.factories import PlanTemplateFactory, TemplateGoalFactory, TemplateKpiFactory

    template = PlanTemplateFactory(organization=acme, name="QA")
    TemplateKpiFactory(goal=TemplateGoalFactory(template=template), name="Automated")
    foreign = PlanTemplateFactory(organization=globex, name="Globex secret template")
    account = AccountFactory(organization=acme)
    r = acme_api.post("/api/v1/success-plans/", {"account": account.pk, "template": foreign.pk, "start_date": str(TODAY)}, format="json")
    assert r.status_code == 400 and "template" in r.json()["errors"]
    r = acme_api.post(
        "/api/v1/success-plans/", {"account": account.pk, "template": template.pk, "start_date": str(TODAY), "title": "Initech QA"}, format="json"
    )
    assert r.status_code == 201 and r.json()["template"] == template.pk and r.json()["title"] == "Initech QA"
    assert Kpi.objects.filter(goal__plan_id=r.json()["id"], name="Automated").exists()
