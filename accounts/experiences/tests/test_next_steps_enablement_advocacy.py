"""Natural next steps, the enablement path and the advocacy story builder."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.experiences import enablement, next_steps, selectors
from accounts.experiences.expansion import ExpansionResult, Opportunity
from accounts.experiences.models import AdvocacyStatus, LearningItem, LearningProgress, StoryDraft
from accounts.plans.tests.factories import GoalFactory, KpiFactory, MeasurementFactory, SuccessPlanFactory
from accounts.tests.factories import ContactFactory, SurveyAnswerFactory

from .builders import inputs, seed_account, seed_zones, zones

pytestmark = pytest.mark.django_db


def steps(i, *, expansion=None, roadmap=None, renewal=None):
    return next_steps.next_steps(
        i=i,
        expansion=expansion or ExpansionResult(account_id=1),
        roadmap=roadmap or next_steps.RoadmapState(items=2, agreed=0),
        org_slug="acme",
        renewal_within_120=renewal,
    )


def keys(found) -> list[str]:
    return [s.key for s in found]


# --- Next steps (pure) ------------------------------------------------------------------------------


def test_underuse_in_the_health_check_leads_to_the_enablement_path():
    found = steps(inputs(healthcheck={"dimensions": {"usage_frequency": 35.0}}))
    assert keys(found) == ["enablement"]
    assert found[0].url == "/o/acme/experiences/enablement/1/" and "usage frequency scored 35" in found[0].why


def test_a_weak_dimension_that_is_not_underuse_does_not_lead_to_enablement():
    assert "enablement" not in keys(steps(inputs(healthcheck={"dimensions": {"stakeholder_alignment": 20.0}})))


def test_an_empty_roadmap_leads_to_building_it_and_agreed_items_to_the_plan():
    assert keys(steps(inputs(), roadmap=next_steps.RoadmapState())) == ["roadmap"]
    found = steps(inputs(), roadmap=next_steps.RoadmapState(items=3, agreed=2, agreed_not_in_plan=2))
    assert keys(found) == ["roadmap_to_plan"] and "agreed 2 priorities" in found[0].why


def test_an_agreed_roadmap_with_opportunities_leads_to_expansion_planning():
    opp = Opportunity("seats", "Add 4 seats", "22 users on 20 seats", 2400.0, "Prepare a scoped recommendation")
    found = steps(inputs(), expansion=ExpansionResult(account_id=1, opportunities=[opp]), roadmap=next_steps.RoadmapState(items=2, agreed=2))
    assert [(s.key, s.title) for s in found] == [("expansion", "Plan the expansion with the customer")]
    without_agreement = steps(inputs(), expansion=ExpansionResult(account_id=1, opportunities=[opp]))
    assert [(s.key, s.title) for s in without_agreement] == [("expansion", "Prepare a scoped recommendation")]


def test_a_suppressed_expansion_never_becomes_a_next_step():
    found = steps(inputs(), expansion=ExpansionResult(account_id=1, suppressed=True, reason="broken"), roadmap=next_steps.RoadmapState(items=2, agreed=2))
    assert "expansion" not in keys(found)


def test_value_holding_before_a_renewal_leads_to_the_renewal_summary():
    [renewal] = steps(inputs(), renewal=dt.date(2027, 1, 1))
    assert renewal.key == "renewal" and renewal.url in ("/o/acme/renewals/cases/1/", "/o/acme/plans/1/")
    assert "renewal" not in keys(steps(inputs(zones=zones(realization="at_risk")), renewal=dt.date(2027, 1, 1)))


def test_a_promoter_with_value_holding_leads_to_the_advocacy_story_until_a_case_study_exists():
    assert "advocacy" in keys(steps(inputs(latest_nps=10)))
    assert "advocacy" not in keys(steps(inputs(latest_nps=8)))
    assert "advocacy" not in keys(steps(inputs(latest_nps=10, advocacy={"case_study"})))


def test_the_next_steps_partial_for_the_account_page(acme, alice_client, charlie_client, django_assert_max_num_queries):
    account = seed_account(acme)
    path = reverse("experiences:next_steps", kwargs={"org_slug": acme.slug, "account_id": account.pk})
    with django_assert_max_num_queries(25):
        body = alice_client.get(path).content.decode()
    assert "What to do next" in body and "Build the 30-60-90 roadmap" in body
    assert charlie_client.get(path).status_code == 404


# --- Enablement ---------------------------------------------------------------------------------------


def test_the_path_picks_items_for_weak_dimensions_unused_features_and_stage_with_prerequisites_first():
    basics = LearningItem(pk=1, title="Admin basics", url="https://l.test/1", role="admin")
    training = LearningItem(pk=2, title="Run a training day", url="https://l.test/2", role="admin", prerequisite_id=1, dimension="training_completion")
    reports = LearningItem(pk=3, title="Your first report", url="https://l.test/3", role="end_user", feature_event="report_generated")
    mature = LearningItem(pk=4, title="Scaling up", url="https://l.test/4", role="manager", stage="mature")
    unrelated = LearningItem(pk=5, title="Unrelated", url="https://l.test/5", role="manager", dimension="usage_frequency")

    path = enablement.path_for(
        inputs(stage="adopting", healthcheck={"dimensions": {"training_completion": 30.0, "usage_frequency": 80.0}}),
        [basics, training, reports, mature, unrelated],
    )

    assert [s.item.title for s in path["admin"]] == ["Admin basics", "Run a training day"]
    assert path["admin"][0].reason == "Needed before “Run a training day”."
    assert [s.item.title for s in path["end_user"]] == ["Your first report"]
    assert path["manager"] == []  # not mature; usage frequency is not weak


def test_an_adopted_feature_drops_its_learning_item():
    reports = LearningItem(pk=3, title="Your first report", url="https://l.test/3", role="end_user", feature_event="report_generated")
    assert enablement.path_for(inputs(event_counts_recent={"report_generated": 5}), [reports])["end_user"] == []


def test_the_csm_records_progress_per_contact_and_the_page_shows_it(acme, bob, bob_client, django_assert_max_num_queries):
    account = seed_account(acme, owner=bob)
    ann = ContactFactory(organization=acme, account=account, name="Ann Admin", stakeholder_role="power_user")
    item = LearningItem.objects.create(organization=acme, title="Admin basics", url="https://l.test/1", role="admin", stage="adopting")
    path = reverse("experiences:enablement", kwargs={"org_slug": acme.slug, "account_id": account.pk})

    response = bob_client.post(path + "progress/", {"contact": ann.pk, "item": item.pk, "status": "completed"})

    assert response.status_code == 302
    assert LearningProgress.objects.get(contact=ann, item=item).status == "completed"
    with django_assert_max_num_queries(30):
        body = bob_client.get(path).content.decode()
    assert "Admin basics" in body and "Ann Admin" in body and "Done" in body


def test_progress_for_a_contact_of_another_account_is_refused(acme, bob, bob_client):
    account = seed_account(acme, owner=bob)
    stranger = ContactFactory(organization=acme, account=seed_account(acme, name="Other"), name="Stranger")
    item = LearningItem.objects.create(organization=acme, title="Admin basics", url="https://l.test/1")
    path = reverse("experiences:enablement_progress", kwargs={"org_slug": acme.slug, "account_id": account.pk})
    bob_client.post(path, {"contact": stranger.pk, "item": item.pk, "status": "completed"})
    assert not LearningProgress.objects.exists()


def test_an_admin_defines_learning_items_and_bad_input_is_a_400(acme, alice_client, bob_client):
    path = reverse("experiences:learning_items", kwargs={"org_slug": acme.slug})
    assert alice_client.post(path, {"title": "Basics", "url": "not a url", "duration_minutes": 10, "role": "admin"}).status_code == 400
    assert (
        alice_client.post(
            path, {"title": "Basics", "url": "https://l.test/b", "duration_minutes": 10, "role": "admin", "dimension": "training_completion"}
        ).status_code
        == 302
    )
    assert bob_client.post(path, {"title": "CSM try", "url": "https://l.test/c", "duration_minutes": 10, "role": "admin"}).status_code == 403
    assert list(LearningItem.objects.values_list("title", flat=True)) == ["Basics"]


# --- Advocacy ------------------------------------------------------------------------------------------


def test_the_story_builder_drafts_from_recorded_outcomes_and_promoter_quotes(acme, alice_client):
    account = seed_account(acme, name="Initech")
    plan = SuccessPlanFactory(organization=acme, account=account)
    kpi = KpiFactory(organization=acme, goal=GoalFactory(organization=acme, plan=plan), name="Reports per week", unit="reports", baseline=10, target=50)
    MeasurementFactory(organization=acme, kpi=kpi, measured_on=timezone.localdate(), value=40)
    SurveyAnswerFactory(organization=acme, account=account, kind="nps", score=10, comment="It changed how we work")

    body = alice_client.get(reverse("experiences:advocacy", kwargs={"org_slug": acme.slug, "account_id": account.pk})).content.decode()

    assert "Reports per week: from 10 to 40 reports (target 50)" in body
    assert "“It changed how we work”" in body and "Promoter (NPS 10)" in body


def test_the_csm_saves_an_edited_draft_and_records_advocacy_status(acme, alice_client):
    account = seed_account(acme)
    base = {"org_slug": acme.slug, "account_id": account.pk}
    alice_client.post(reverse("experiences:advocacy_draft_save", kwargs=base), {"kind": "testimonial", "body": "Edited words", "shareable": "on"})
    alice_client.post(reverse("experiences:advocacy_status", kwargs=base), {"kind": "case_study", "active": "1"})
    assert StoryDraft.objects.get(account=account).body == "Edited words"
    assert selectors.advocacy_status_for_accounts(organization=acme, account_ids=[account.pk]) == {account.pk: {"case_study"}}
    alice_client.post(reverse("experiences:advocacy_draft_save", kwargs=base), {"kind": "testimonial", "body": "  "})
    assert StoryDraft.objects.get(account=account).body == "Edited words"  # an empty draft is refused


def test_advocacy_status_for_accounts_is_scoped_to_the_organization(acme, globex):
    mine, theirs = seed_account(acme), seed_account(globex, name="Globex customer")
    AdvocacyStatus.objects.create(organization=acme, account=mine, kind="reference")
    AdvocacyStatus.objects.create(organization=globex, account=theirs, kind="testimonial")
    assert selectors.advocacy_status_for_accounts(organization=acme, account_ids=[mine.pk, theirs.pk]) == {mine.pk: {"reference"}, theirs.pk: set()}


def test_next_steps_for_account_reads_the_database(acme):
    account = seed_account(acme)
    seed_zones(acme, account)
    SurveyAnswerFactory(organization=acme, account=account, kind="nps", score=9)
    found = selectors.next_steps_for_account(organization=acme, account=account, as_of=timezone.localdate())
    assert "advocacy" in keys(found) and "roadmap" in keys(found)


def test_the_default_catalogue_installs_once_and_builds_a_path(acme):
    from accounts.experiences.defaults import experience_defaults_install

    experience_defaults_install(organization=acme)
    experience_defaults_install(organization=acme)
    assert LearningItem.objects.filter(organization=acme).count() == 9
    account = seed_account(acme, stage="adopting")
    _, tracks = selectors.enablement_for_account(organization=acme, account=account, as_of=timezone.localdate())
    manager = next(t for t in tracks if t.role == "manager")
    assert [s.item.title for s in manager.steps] == ["Set team goals and read the adoption dashboard"]
