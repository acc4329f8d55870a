"""The read API of scores, zones and risks."""

from __future__ import annotations

import datetime as dt

import pytest
from rest_framework.test import APIClient

from dashboards.models import AccountScore, BandOverride, RiskIndicator, SavePlan
from dashboards.pipeline import run_organization_day
from retention import services

from .helpers import D, days_before

pytestmark = pytest.mark.django_db


@pytest.fixture
def scored(acme, book):
    run_organization_day(organization_id=acme.id, day=days_before(1))
    run_organization_day(organization_id=acme.id, day=D)
    return book


def test_current_scores_give_each_accounts_newest_score_with_contributions(acme_api, scored, django_assert_max_num_queries):
    with django_assert_max_num_queries(10):  # key, RLS, newest day, count, page, overrides: not per account
        response = acme_api.get("/api/v1/scores/current/")
    assert response.status_code == 200
    rows = {r["account"]: r for r in response.json()["results"]}
    assert set(rows) == {scored["a"], scored["b"], scored["c"]}
    alpha = rows[scored["a"]]
    assert alpha["day"] == "2026-06-30" and alpha["band"] == "green" and alpha["effective_band"] == "green"
    assert alpha["measures"]["breadth"]["normalized"] == 50
    assert alpha["measures"]["outcome_progress"]["status"] == "missing"
    assert alpha["coverage"] == 0.85


def test_score_history_filters_by_account_external_id_and_days(acme_api, scored):
    external_id = AccountScore.objects.filter(account_id=scored["a"]).first().account.external_id
    response = acme_api.get(f"/api/v1/scores/?account={external_id}&since=2026-06-30")
    assert [(r["account"], r["day"]) for r in response.json()["results"]] == [(scored["a"], "2026-06-30")]
    response = acme_api.get(f"/api/v1/scores/?account_id={scored['a']}")
    assert [r["day"] for r in response.json()["results"]] == ["2026-06-30", "2026-06-29"]


def test_a_band_override_is_shown_beside_the_computed_band(acme, acme_api, scored, bob):
    BandOverride.objects.create(
        organization=acme,
        account_id=scored["b"],
        band="green",
        reason="Exec sponsor re-committed",
        expires_on=dt.date.today() + dt.timedelta(days=10),
        created_by=bob,
    )
    row = next(r for r in acme_api.get("/api/v1/scores/current/").json()["results"] if r["account"] == scored["b"])
    assert row["band"] != "green" and row["effective_band"] == "green"
    assert row["override"]["reason"] == "Exec sponsor re-committed"


def test_bad_filters_are_a_clear_400(acme_api, scored):
    response = acme_api.get("/api/v1/scores/?since=last-week")
    assert response.status_code == 400
    assert response.json()["code"] == "invalid" and "since" in response.json()["errors"]
    response = acme_api.get("/api/v1/risks/?kind=bankrupt")
    assert response.status_code == 400 and "kind" in response.json()["errors"]


def test_zones_and_risks_per_account(acme_api, scored):
    zones = acme_api.get(f"/api/v1/zones/current/?account_id={scored['a']}").json()["results"]
    assert len(zones) == 1 and zones[0]["attention_zone"] == "belief" and zones[0]["zones"]["recognition"]["score"] == 100
    risks = acme_api.get(f"/api/v1/risks/?account_id={scored['b']}&open=true").json()["results"]
    assert {r["kind"] for r in risks} == {"usage_drop", "no_executive_touchpoint"}
    assert all(r["is_open"] and r["label"] for r in risks)


def test_another_organizations_scores_are_invisible_and_a_404(globex_api, scored):
    assert globex_api.get("/api/v1/scores/current/").json()["results"] == []
    score = AccountScore.objects.filter(account_id=scored["a"]).first()
    assert globex_api.get(f"/api/v1/scores/{score.pk}/").status_code == 404
    risk = RiskIndicator.objects.first()
    assert globex_api.get(f"/api/v1/risks/{risk.pk}/").status_code == 404


def test_a_read_only_key_can_read_but_nothing_is_writable(acme, scored):
    raw = services.api_key_create(organization=acme, name="Reader", scopes=["read"]).raw
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {raw}")
    assert client.get("/api/v1/scores/current/").status_code == 200
    assert client.post("/api/v1/scores/", {}, format="json").status_code in (403, 405)


def test_updated_since_returns_only_scores_computed_since_then(acme_api, scored):
    from django.utils import timezone

    everything = acme_api.get("/api/v1/scores/").json()["results"]
    assert everything
    cutoff = timezone.now()
    AccountScore.objects.filter(account_id=scored["a"], day=D).update(computed_at=cutoff + dt.timedelta(seconds=5))
    changed = acme_api.get("/api/v1/scores/", {"updated_since": cutoff.isoformat()}).json()["results"]
    assert [(r["account"], r["day"]) for r in changed] == [(scored["a"], D.isoformat())]
    assert acme_api.get("/api/v1/scores/", {"updated_since": "yesterday"}).status_code == 400


def test_save_plans_are_listed_with_their_actions_and_filtered(acme, acme_api, globex_api, scored):
    from dashboards.models import SavePlanAction

    account_id = scored["a"]
    plan = SavePlan.objects.create(organization=acme, account_id=account_id, opened_on=D, due_on=D + dt.timedelta(days=21), trigger={"risks": 3})
    SavePlanAction.objects.create(organization=acme, save_plan=plan, title="Executive sync", due_on=D + dt.timedelta(days=7))
    rows = acme_api.get("/api/v1/save-plans/", {"status": "open"}).json()["results"]
    assert [(r["id"], r["status"], [a["title"] for a in r["actions"]]) for r in rows] == [(plan.pk, "open", ["Executive sync"])]
    assert acme_api.get("/api/v1/save-plans/", {"status": "saved"}).json()["results"] == []
    assert acme_api.get("/api/v1/save-plans/", {"status": "nonsense"}).status_code == 400
    assert globex_api.get(f"/api/v1/save-plans/{plan.pk}/").status_code == 404


def test_score_pages_follow_a_stable_cursor(acme_api, scored):
    seen, url, params = [], "/api/v1/scores/", {"limit": 2}
    while url:
        page = acme_api.get(url, params).json()
        seen += [r["id"] for r in page["results"]]
        url, params = page["next"], None
    assert len(seen) == len(set(seen)) == AccountScore.objects.count()
    assert acme_api.get("/api/v1/scores/", {"cursor": "garbage"}).status_code == 404
