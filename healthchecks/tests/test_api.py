"""Health-check results over the API (read scope), scoped to the key's organization."""

from __future__ import annotations

from rest_framework.test import APIClient

from accounts.tests.factories import AccountFactory
from healthchecks.tests.factories import submit_response
from retention import services


def test_results_list_gives_each_answering_accounts_latest_period(acme, acme_api, acme_account, django_assert_max_num_queries):
    # Given two respondents for Initech, an assessment, and an account without answers
    submit_response(organization=acme, account=acme_account, value=4)
    submit_response(organization=acme, account=acme_account, value=2)
    submit_response(organization=acme, account=acme_account, kind="retention", value=5)
    AccountFactory(organization=acme, name="Silent")

    # When the integration lists results
    with django_assert_max_num_queries(13):
        response = acme_api.get("/api/v1/healthcheck-results/")

    # Then only Initech appears, with the mean of its respondents and its zones
    body = response.json()
    assert response.status_code == 200
    assert len(body["results"]) == 1
    row = body["results"][0]
    assert row["account"] == "initech" and row["account_name"] == "Initech"
    assert row["adoption"]["respondents"] == 2
    assert row["adoption"]["dimensions"]["team_engagement"] == 50.0  # (75 + 25) / 2
    assert row["zones"]["belief"] == 100.0


def test_results_of_one_account_and_an_account_without_answers(acme, acme_api, acme_account):
    silent = AccountFactory(organization=acme, name="Silent")
    submit_response(organization=acme, account=acme_account, value=5)

    one = acme_api.get(f"/api/v1/healthcheck-results/{acme_account.id}/").json()
    empty = acme_api.get(f"/api/v1/healthcheck-results/{silent.id}/").json()

    # all "strongly agree": 100 per statement, 0 for the three reversed ones → usage 66.67,
    # process integration 50, unresolved barriers 50, the other five 100 → overall 666.67 / 8
    assert one["adoption"]["overall"] == 83.33
    assert empty["adoption"] is None and empty["zones"] is None


def test_responses_list_filters_by_account_external_id(acme, acme_api, acme_account):
    other = AccountFactory(organization=acme, name="Other", external_id="other")
    submit_response(organization=acme, account=acme_account, barrier_text="Slow exports")
    submit_response(organization=acme, account=other)

    body = acme_api.get("/api/v1/healthcheck-responses/?account=initech").json()

    assert len(body["results"]) == 1
    assert body["results"][0]["barrier_text"] == "Slow exports"
    assert body["results"][0]["questionnaire"] == "Adoption health check"


def test_another_organizations_key_sees_none_of_it(acme, globex, globex_api, acme_account):
    submit_response(organization=acme, account=acme_account)

    listing = globex_api.get("/api/v1/healthcheck-results/")
    one = globex_api.get(f"/api/v1/healthcheck-results/{acme_account.id}/")

    assert listing.json()["results"] == []
    assert one.status_code == 404 and one.json()["code"] == "not_found"


def test_a_read_scope_key_may_read_but_nothing_can_be_written(acme, acme_account):
    issued = services.api_key_create(organization=acme, name="BI", scopes=["read"])
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {issued.raw}")

    assert client.get("/api/v1/healthcheck-results/").status_code == 200
    assert client.post("/api/v1/healthcheck-results/", {}, format="json").status_code in (403, 405)


def test_a_nul_character_in_the_account_filter_is_a_clear_400(acme_api):
    for path in ("/api/v1/healthcheck-results/", "/api/v1/healthcheck-responses/"):
        response = acme_api.get(path, {"account": "a\x00b"})
        assert response.status_code == 400 and "account" in response.json()["errors"]
