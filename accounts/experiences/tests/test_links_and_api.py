"""Shared links expose only their purpose; the expansion finder page, portfolio and API; the
read-only API endpoints and their scope."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from accounts.experiences import links
from accounts.experiences.models import LearningItem, LearningProgress, RoadmapItem, StoryDraft
from accounts.tests.factories import ContactFactory
from retention import services as retention_services
from retention import sharing

from .builders import seed_account, seed_active_users, seed_zones

pytestmark = pytest.mark.django_db


def issue(acme, account, purpose):
    return links.experience_link_create(organization=acme, account=account, purpose=purpose, created_by=None).token


@pytest.fixture
def two_accounts(acme):
    initech = seed_account(acme, name="Initech")
    hooli = seed_account(acme, name="Hooli")
    RoadmapItem.objects.create(organization=acme, account=initech, title="Initech priority")
    RoadmapItem.objects.create(organization=acme, account=hooli, title="Hooli secret priority")
    StoryDraft.objects.create(organization=acme, account=initech, kind="testimonial", body="Initech private draft", shareable=False)
    StoryDraft.objects.create(organization=acme, account=initech, kind="referral", body="Initech shared note", shareable=True)
    return initech, hooli


def test_a_roadmap_link_shows_its_own_accounts_roadmap_and_nothing_else(acme, two_accounts, client):
    initech, _ = two_accounts
    body = client.get(f"/s/{issue(acme, initech, links.ROADMAP)}/").content.decode()
    assert "Initech priority" in body
    assert "Hooli secret priority" not in body and "Initech shared note" not in body


def test_a_roadmap_link_cannot_answer_another_accounts_priority(acme, two_accounts, client):
    initech, hooli = two_accounts
    other = RoadmapItem.objects.get(account=hooli)
    response = client.post(f"/s/{issue(acme, initech, links.ROADMAP)}/", {"item": other.pk, "decision": "agreed"})
    assert response.status_code == 400
    other.refresh_from_db()
    assert other.decision == "pending"


def test_an_advocacy_link_shows_only_shareable_drafts_and_an_enablement_link_no_roadmap(acme, two_accounts, client):
    initech, _ = two_accounts
    body = client.get(f"/s/{issue(acme, initech, links.ADVOCACY)}/").content.decode()
    assert "Initech shared note" in body and "Initech private draft" not in body and "Initech priority" not in body
    body = client.get(f"/s/{issue(acme, initech, links.ENABLEMENT)}/").content.decode()
    assert "Initech priority" not in body and "Initech shared note" not in body


def test_an_enablement_link_does_not_accept_roadmap_answers(acme, two_accounts, client):
    initech, _ = two_accounts
    item = RoadmapItem.objects.get(account=initech)
    client.post(f"/s/{issue(acme, initech, links.ENABLEMENT)}/", {"item": item.pk, "decision": "agreed"})
    item.refresh_from_db()
    assert item.decision == "pending"


def test_expired_and_revoked_experience_links_get_the_neutral_404(acme, two_accounts, client):
    initech, _ = two_accounts
    issued = links.experience_link_create(organization=acme, account=initech, purpose=links.ROADMAP, created_by=None)
    sharing.shared_link_revoke(organization=acme, link_id=issued.link.pk, by=None)
    assert client.get(f"/s/{issued.token}/").status_code == 404
    expired = links.experience_link_create(organization=acme, account=initech, purpose=links.ROADMAP, created_by=None)
    expired.link.expires_at = timezone.now() - dt.timedelta(seconds=1)
    expired.link.save()
    assert client.get(f"/s/{expired.token}/").status_code == 404


def test_a_share_request_with_bad_input_creates_no_link(acme, two_accounts, alice_client):
    initech, _ = two_accounts
    path = reverse("experiences:share", kwargs={"org_slug": acme.slug, "account_id": initech.pk})
    alice_client.post(path, {"purpose": "healthcheck", "days": 30})
    alice_client.post(path, {"purpose": "roadmap", "days": 0})
    from retention.models import SharedLink

    assert not SharedLink.objects.exists()


# --- Expansion page, portfolio, API -------------------------------------------------------------------


@pytest.fixture
def crowded(acme):
    """25 users active on 20 seats: a seat opportunity, unless Realization is broken."""
    account = seed_account(acme, name="Crowded Co", seats=20)
    seed_active_users(acme, account, 25)
    return account


def test_the_expansion_page_shows_opportunities_with_evidence_and_value(acme, crowded, alice_client):
    seed_zones(acme, crowded)
    body = alice_client.get(reverse("experiences:expansion", kwargs={"org_slug": acme.slug, "account_id": crowded.pk})).content.decode()
    assert "Add 7 seats" in body and "25 users active in 28 days on 20 licensed seats (125%, over the limit)" in body
    assert "4,200" in body  # (5 over the limit + 2 headroom) seats × 50/month × 12


def test_the_expansion_page_and_api_suppress_opportunities_while_realization_is_broken(acme, crowded, alice_client, acme_api):
    seed_zones(acme, crowded, realization="broken", attention="realization")
    body = alice_client.get(reverse("experiences:expansion", kwargs={"org_slug": acme.slug, "account_id": crowded.pk})).content.decode()
    assert "No expansion proposed" in body and "The Realization zone is broken" in body and "Add 7 seats" not in body
    data = acme_api.get(f"/api/v1/expansion-opportunities/{crowded.pk}/").json()
    assert data["suppressed"] is True and data["opportunities"] == [] and data["reason"].startswith("The Realization zone is broken")


def test_the_portfolio_lists_expansion_ready_accounts_and_holds_back_broken_realization(acme, crowded, alice_client, django_assert_max_num_queries):
    seed_zones(acme, crowded)
    held = seed_account(acme, name="Held Back Ltd", seats=10)
    seed_active_users(acme, held, 12, prefix="h")
    seed_zones(acme, held, realization="broken")
    path = reverse("experiences:expansion_portfolio", kwargs={"org_slug": acme.slug})
    with django_assert_max_num_queries(30):
        body = alice_client.get(path).content.decode()
    assert "Crowded Co" in body and "Held Back Ltd" not in body
    assert "Held Back Ltd" in alice_client.get(path + "?suppressed=1").content.decode()


def test_the_portfolio_query_count_is_flat_in_the_number_of_accounts(acme, alice_client, django_assert_max_num_queries):
    path = reverse("experiences:expansion_portfolio", kwargs={"org_slug": acme.slug})
    for n in range(2):
        seed_active_users(acme, seed_account(acme, name=f"A{n}", seats=5), 6, prefix=f"a{n}-")
    with django_assert_max_num_queries(40) as few:
        alice_client.get(path)
    for n in range(2, 12):
        seed_active_users(acme, seed_account(acme, name=f"A{n}", seats=5), 6, prefix=f"a{n}-")
    with django_assert_max_num_queries(len(few.captured_queries)):
        alice_client.get(path)


def test_the_recommendations_api_lists_rules_and_roadmap_in_flat_queries(acme, acme_api, django_assert_max_num_queries):
    for n in range(3):
        account = seed_account(acme, name=f"R{n}", seats=20)
        RoadmapItem.objects.create(organization=acme, account=account, title=f"Priority {n}", decision="agreed")
    with django_assert_max_num_queries(30) as few:
        response = acme_api.get("/api/v1/experience-recommendations/")
    assert response.status_code == 200
    rows = response.json()["results"]
    assert {r["account_name"] for r in rows} == {"R0", "R1", "R2"}
    assert rows[0]["roadmap"][0]["decision"] == "agreed"
    assert any(rec["rule"] == "seat_activation" for rec in rows[0]["recommendations"])  # 0 of 20 seats active
    for n in range(3, 10):
        seed_account(acme, name=f"R{n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        acme_api.get("/api/v1/experience-recommendations/")


def test_the_enablement_progress_api_filters_by_account_and_rejects_bad_filters(acme, acme_api):
    account = seed_account(acme)
    contact = ContactFactory(organization=acme, account=account, name="Ann")
    item = LearningItem.objects.create(organization=acme, title="Admin basics", url="https://learn.test/a", role="admin")
    LearningProgress.objects.create(organization=acme, contact=contact, item=item, status="completed")
    data = acme_api.get(f"/api/v1/enablement-progress/?account={account.pk}").json()
    assert [(r["contact_name"], r["item_title"], r["status"]) for r in data["results"]] == [("Ann", "Admin basics", "completed")]
    bad = acme_api.get("/api/v1/enablement-progress/?account=abc")
    assert bad.status_code == 400 and bad.json()["code"]


def test_a_key_without_the_read_scope_is_refused(acme):
    from rest_framework.test import APIClient

    raw = retention_services.api_key_create(organization=acme, name="Writer", scopes=["write"]).raw
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/expansion-opportunities/").status_code == 403


def test_another_organizations_key_gets_404_for_an_acme_account(acme, crowded, globex_api):
    assert globex_api.get(f"/api/v1/expansion-opportunities/{crowded.pk}/").status_code == 404
    assert globex_api.get(f"/api/v1/experience-recommendations/{crowded.pk}/").status_code == 404
