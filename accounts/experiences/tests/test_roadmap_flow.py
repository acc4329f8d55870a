"""The roadmap builder end to end: recommendations on the page, generate, edit, share with the
customer, the customer's answers, and the one action that adds the roadmap to the success plan."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from accounts.experiences import links
from accounts.experiences.models import RoadmapItem
from accounts.plans.models import Milestone
from accounts.plans.tests.factories import SuccessPlanFactory
from retention.models import SharedLink

from .builders import seed_account, seed_active_users, seed_zones

pytestmark = pytest.mark.django_db


@pytest.fixture
def account(acme, bob):
    # Given an adopting account whose Activation zone is broken and whose seats are mostly unused
    account = seed_account(acme, name="Initech", seats=20, owner=bob, stage="adopting")
    seed_zones(acme, account, activation="broken", attention="activation")
    seed_active_users(acme, account, 4)
    return account


def url(name, acme, **kwargs):
    return reverse(f"experiences:{name}", kwargs={"org_slug": acme.slug, **kwargs})


def test_the_roadmap_page_shows_recommendations_with_their_evidence(acme, account, bob_client, django_assert_max_num_queries):
    with django_assert_max_num_queries(30):
        response = bob_client.get(url("roadmap", acme, account_id=account.pk))
    assert response.status_code == 200
    body = response.content.decode()
    assert "Complete onboarding and activate the licensed seats" in body
    assert "4 of 20 licensed seats were active in the last 28 days" in body
    assert "Build the 30-60-90 roadmap" in body  # the next step while the roadmap is empty


def test_the_roadmap_page_query_count_does_not_grow_with_items(acme, account, bob, bob_client, django_assert_max_num_queries):
    for n in range(3):
        RoadmapItem.objects.create(organization=acme, account=account, title=f"Priority {n}")
    with django_assert_max_num_queries(30) as few:
        bob_client.get(url("roadmap", acme, account_id=account.pk))
    for n in range(3, 15):
        RoadmapItem.objects.create(organization=acme, account=account, title=f"Priority {n}", phase="day_60")
    with django_assert_max_num_queries(len(few.captured_queries)):
        bob_client.get(url("roadmap", acme, account_id=account.pk))


def test_generating_adds_each_rule_once_even_when_run_twice(acme, account, bob_client):
    bob_client.post(url("roadmap_generate", acme, account_id=account.pk))
    first = set(RoadmapItem.objects.filter(account=account).values_list("rule", flat=True))
    bob_client.post(url("roadmap_generate", acme, account_id=account.pk))
    assert {"attention_zone", "success_plan", "seat_activation", "maturity"} <= first
    assert RoadmapItem.objects.filter(account=account).count() == len(first)


def test_the_csm_edits_a_priority_and_bad_input_is_a_400_that_changes_nothing(acme, account, bob_client):
    item = RoadmapItem.objects.create(organization=acme, account=account, title="Old", phase="day_30")
    response = bob_client.post(url("roadmap_item_edit", acme, roadmap_item_id=item.pk), {"title": "New title", "phase": "day_90", "why": "Because"})
    assert response.status_code == 302
    item.refresh_from_db()
    assert (item.title, item.phase, item.why) == ("New title", "day_90", "Because")
    response = bob_client.post(url("roadmap_item_edit", acme, roadmap_item_id=item.pk), {"title": "", "phase": "day_365"})
    assert response.status_code == 400
    item.refresh_from_db()
    assert item.title == "New title"


def test_adding_a_priority_with_no_title_shows_the_form_error(acme, account, bob_client):
    response = bob_client.post(url("roadmap_item_add", acme, account_id=account.pk), {"title": " ", "phase": "day_30"})
    assert response.status_code == 400
    assert "This field is required" in response.content.decode()
    assert not RoadmapItem.objects.filter(account=account).exists()


def test_a_viewer_reads_the_roadmap_but_cannot_change_it(acme, account, alice, bob_client):
    from retention.models import Membership, Role

    Membership.objects.filter(organization=acme, user__email="bob@acme.test").update(role=Role.VIEWER)
    assert bob_client.get(url("roadmap", acme, account_id=account.pk)).status_code == 200
    assert bob_client.post(url("roadmap_generate", acme, account_id=account.pk)).status_code == 403
    assert not RoadmapItem.objects.exists()


def test_adding_the_roadmap_to_the_success_plan_is_one_action_skipping_not_now(acme, account, bob_client):
    plan = SuccessPlanFactory(organization=acme, account=account, start_date=dt.date.today())
    agreed = RoadmapItem.objects.create(organization=acme, account=account, title="Agreed one", phase="day_60", decision="agreed")
    RoadmapItem.objects.create(organization=acme, account=account, title="Later", phase="day_30", decision="not_now")
    pending = RoadmapItem.objects.create(organization=acme, account=account, title="Pending one", phase="day_30")

    response = bob_client.post(url("roadmap_add_to_plan", acme, account_id=account.pk))

    assert response.status_code == 302
    milestones = {m.title: m for m in Milestone.objects.filter(plan=plan)}
    assert set(milestones) == {"Agreed one", "Pending one"}
    assert milestones["Agreed one"].phase == "day_60" and milestones["Agreed one"].due_date == dt.date.today() + dt.timedelta(days=60)
    agreed.refresh_from_db(), pending.refresh_from_db()
    assert agreed.milestone_id and pending.milestone_id
    bob_client.post(url("roadmap_add_to_plan", acme, account_id=account.pk))  # again: nothing doubles
    assert Milestone.objects.filter(plan=plan).count() == 2


def test_adding_to_a_missing_success_plan_says_to_start_one(acme, account, bob_client):
    RoadmapItem.objects.create(organization=acme, account=account, title="Something")
    response = bob_client.post(url("roadmap_add_to_plan", acme, account_id=account.pk))
    assert response.status_code == 400
    assert "Start the success plan first" in response.content.decode()


def _share(client, acme, account, purpose="roadmap") -> str:
    response = client.post(url("share", acme, account_id=account.pk), {"purpose": purpose, "days": 30})
    assert response.status_code == 302
    new_link = client.session.get("experience_link") if hasattr(client, "session") else None
    page = client.get(response["Location"]).content.decode()
    token_url = page.split("<code>")[1].split("</code>")[0]
    assert new_link is None or new_link == token_url
    return token_url.split("/s/")[1].rstrip("/")


def test_the_customer_marks_priorities_agreed_or_not_now_and_the_csm_sees_it(acme, account, bob_client, client):
    item = RoadmapItem.objects.create(organization=acme, account=account, title="Activate seats", why="4 of 20 active")
    token = _share(bob_client, acme, account)
    link = SharedLink.objects.get(account=account)
    assert link.purpose == links.ROADMAP

    page = client.get(f"/s/{token}/")
    assert page.status_code == 200 and "Activate seats" in page.content.decode()
    answer = client.post(f"/s/{token}/", {"item": item.pk, "decision": "agreed", "note": "Yes, before Q1"})
    assert answer.status_code == 302

    item.refresh_from_db()
    assert item.decision == "agreed" and item.customer_note == "Yes, before Q1" and item.decided_at
    csm_page = bob_client.get(url("roadmap", acme, account_id=account.pk)).content.decode()
    assert "Yes, before Q1" in csm_page and "Add the agreed priorities to the success plan" in csm_page


def test_a_bad_answer_through_the_link_is_a_clear_400(acme, account, bob_client, client):
    item = RoadmapItem.objects.create(organization=acme, account=account, title="Activate seats")
    token = _share(bob_client, acme, account)
    assert client.post(f"/s/{token}/", {"item": item.pk, "decision": "maybe"}).status_code == 400
    assert client.post(f"/s/{token}/", {"item": 999999, "decision": "agreed"}).status_code == 400
    item.refresh_from_db()
    assert item.decision == "pending"


def test_charlie_gets_404_on_the_roadmap_of_acme(acme, account, charlie_client):
    assert charlie_client.get(url("roadmap", acme, account_id=account.pk)).status_code == 404
