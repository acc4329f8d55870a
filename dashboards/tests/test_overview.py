"""The leader overview: hand-computed figures, definitions, empty states, queries, tenancy."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.cache import cache
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.tests.factories import ContractLineFactory

from .portfolio_builders import customer, risk, score, today, zones

URL = "/o/acme/portfolio/overview/"


@pytest.fixture(autouse=True)
def _own_cache(settings):
    """A private in-memory cache, so clearing it never touches another test run's Redis keys."""
    settings.CACHES = {"default": {"BACKEND": "django.core.cache.backends.locmem.LocMemCache", "LOCATION": "overview-tests"}}
    cache.clear()


def _small_book(acme):
    """Red $1,000 MRR renewing in 20 days, yellow $500 in 70 days, green $2,000 in 300 days."""
    red = customer(acme, "Red", mrr="1000", renewal_in=20, segment="enterprise")
    yellow = customer(acme, "Yellow", mrr="500", renewal_in=70, segment="smb")
    green = customer(acme, "Green", mrr="2000", renewal_in=300, segment="smb")
    score(red, value=20)
    score(yellow, value=50)
    score(green, value=90)
    zones(red, attention="activation")
    zones(yellow, attention="activation")
    zones(green, attention="")
    risk(red, "usage_drop")
    risk(red, "detractor_nps")
    risk(yellow, "usage_drop")
    risk(green, "usage_drop", closed=True)
    return red, yellow, green


def test_at_risk_arr_is_the_arr_of_red_and_yellow_accounts(acme, alice_client):
    _small_book(acme)

    response = alice_client.get(URL)

    data = response.context["data"]
    assert data.at_risk_arr == Decimal("18000")  # 12 × (1,000 + 500)
    assert data.total_arr == Decimal("42000")  # 12 × 3,500
    html = response.content.decode()
    assert "$18,000" in html and "43 % of $42,000 ARR" in html
    assert "12 × the MRR of today&#x27;s active contract lines" in html  # the definition is beside the number


def test_it_counts_health_by_segment_renewals_zones_and_risks(acme, alice_client):
    _small_book(acme)

    data = alice_client.get(URL).context["data"]

    assert data.distribution["enterprise"] == {"red": 1}
    assert data.distribution["smb"] == {"yellow": 1, "green": 1}
    assert data.renewal_accounts == {"red": 1, "yellow": 1}
    assert data.renewal_arr_by_band == {"red": Decimal("12000"), "yellow": Decimal("6000")}
    zone_counts = {key: n for key, _, n in data.zones}
    assert zone_counts["activation"] == 2 and zone_counts["holding"] == 1 and zone_counts["belief"] == 0
    assert {kind: (n, accounts) for kind, _, n, accounts in data.risks if n} == {"usage_drop": (2, 2), "detractor_nps": (1, 1)}


def test_the_weekly_trend_counts_bands_on_the_same_weekday(acme, alice_client):
    account = customer(acme, "Trending")
    score(account, value=20)
    score(account, value=80, day=today() - dt.timedelta(days=7))
    score(account, value=80, day=today() - dt.timedelta(days=3))  # not a weekly day: ignored

    trend = alice_client.get(URL).context["data"].trend

    assert len(trend) == 12
    assert trend[today()] == {"red": 1}
    assert trend[today() - dt.timedelta(days=7)] == {"green": 1}


def test_nrr_grr_and_churn_follow_the_accounts_paying_a_year_before(acme, alice_client):
    # Given two accounts paying $1,000 a year ago: one grew to $1,500, the other churned
    grown = customer(acme, "Grown", mrr="1000")
    lost = customer(acme, "Lost", mrr="1000")
    ContractLineFactory(account=grown, mrr=Decimal("500"), start_date=today() - dt.timedelta(days=30))
    line = lost.contract_lines.get()
    line.end_date = today() - dt.timedelta(days=10)
    line.save()

    response = alice_client.get(URL)

    latest = response.context["data"].latest_retention
    assert latest.nrr == 0.75  # 1,500 ÷ 2,000
    assert latest.grr == 0.5  # (1,000 + 0) ÷ 2,000
    assert latest.customer_churn == 0.5
    figures = {k["name"]: k["display"] for k in response.context["kpi_figures"]}
    assert figures["Net revenue retention"] == "75.0 %"
    assert figures["Gross revenue retention"] == "50.0 %"


def test_a_segment_narrows_every_figure(acme, alice_client):
    _small_book(acme)

    data = alice_client.get(URL + "?segment=smb").context["data"]

    assert data.at_risk_arr == Decimal("6000")
    assert list(data.distribution) == ["smb"]
    assert {kind: n for kind, _, n, _ in data.risks if n} == {"usage_drop": 1}


def test_an_empty_organization_explains_every_chart(acme, alice_client):
    response = alice_client.get(URL + "?segment=bogus")

    assert response.status_code == 200
    html = response.content.decode()
    assert "No account has a health score yet" in html
    assert "No active contract line renews in the next 120 days" in html
    assert "No zones computed yet" in html
    assert "No risk indicator is open" in html
    assert 'class="chart-plot"' not in html  # no blank axes anywhere


def test_the_query_count_does_not_grow_with_the_accounts(acme, alice_client, django_assert_max_num_queries):
    _small_book(acme)
    with CaptureQueriesContext(connection) as few:
        assert alice_client.get(URL).status_code == 200
    for n in range(20):
        account = customer(acme, f"More {n}", renewal_in=n * 10)
        score(account, value=n * 5)
        zones(account)
        risk(account)

    with django_assert_max_num_queries(20):
        alice_client.get(URL)
    cache.clear()  # compare like with like: the retention series computed, not cached
    with CaptureQueriesContext(connection) as many:
        alice_client.get(URL)
    with CaptureQueriesContext(connection) as cached:
        alice_client.get(URL)

    assert len(many.captured_queries) == len(few.captured_queries)
    assert len(cached.captured_queries) == len(few.captured_queries) - 1  # the cohort query is cached


def test_another_organization_gets_404(acme, charlie_client, alice_client):
    _small_book(acme)

    assert charlie_client.get(URL).status_code == 404
    assert alice_client.get("/o/globex/portfolio/overview/").status_code == 404


def test_the_retention_series_is_recomputed_when_a_contract_line_changes(acme, alice_client):
    # Given the overview was shown (and its retention series cached) with one growing account
    grown = customer(acme, "Grown", mrr="1000")
    assert alice_client.get(URL).context["data"].latest_retention.nrr == 1.0

    # When a line is added, Then the next overview follows it
    ContractLineFactory(account=grown, mrr=Decimal("1000"), start_date=today() - dt.timedelta(days=5))
    assert alice_client.get(URL).context["data"].latest_retention.nrr == 2.0
