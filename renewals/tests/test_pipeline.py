"""The renewal pipeline page and forecast: rows in the next 180 days with their health, the
expected renewing ARR per band from the backtest (or the documented fallback), save plans, and
a query count that does not grow with rows."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import AccountFactory, ContractLineFactory
from dashboards.models import AccountScore, AccountZones, BacktestRun, BandOverride, RiskIndicator, SavePlan
from dashboards.scorecards import scorecard_get_active
from renewals.pipeline import FALLBACK_CHURN_RATES, renewal_pipeline

TODAY = timezone.localdate()
URL = "/o/acme/renewals/"


def renewing(organization, name, *, days: int, mrr: str = "1000", band: str | None = None, zone: str = "", risks: int = 0, save_plan: bool = False):
    account = AccountFactory(organization=organization, name=name)
    ContractLineFactory(account=account, mrr=Decimal(mrr), start_date=TODAY - dt.timedelta(days=300), renewal_date=TODAY + dt.timedelta(days=days))
    if band:
        scorecard = scorecard_get_active(organization=organization)
        for offset, b in ((3, "green"), (1, band)):  # only the latest score counts
            AccountScore.objects.create(
                organization=organization,
                account=account,
                day=TODAY - dt.timedelta(days=offset),
                scorecard=scorecard,
                scorecard_version=scorecard.version,
                score=50,
                band=b,
                coverage=1,
                measures={},
            )
    if zone:
        AccountZones.objects.create(organization=organization, account=account, day=TODAY - dt.timedelta(days=1), zones={}, attention_zone=zone)
    kinds = ["usage_drop", "detractor_nps", "support_escalation"]
    for kind in kinds[:risks]:
        RiskIndicator.objects.create(organization=organization, account=account, kind=kind, opened_on=TODAY, last_seen_on=TODAY)
    if save_plan:
        SavePlan.objects.create(organization=organization, account=account, opened_on=TODAY, due_on=TODAY + dt.timedelta(days=14))
    return account


def test_the_pipeline_lists_renewals_in_the_next_180_days_with_their_health(acme):
    renewing(acme, "Soon Red", days=30, mrr="2000", band="red", zone="activation", risks=3, save_plan=True)
    renewing(acme, "Later Green", days=170, band="green", zone="")
    renewing(acme, "Too Far", days=200, band="green")
    renewing(acme, "Unscored", days=90)

    p = renewal_pipeline(organization=acme, today=TODAY)

    assert [r.name for r in p.rows] == ["Soon Red", "Unscored", "Later Green"]
    soon = p.rows[0]
    assert soon.arr == Decimal("24000.00") and soon.band == "red" and soon.attention_label == "Activation"
    assert soon.open_risks == 3 and soon.save_plan is not None and soon.days_left == 30
    assert p.rows[1].band == "unknown"


def test_the_forecast_uses_the_latest_backtests_churn_rate_per_band(acme):
    renewing(acme, "Red One", days=30, mrr="1000", band="red")
    renewing(acme, "Green One", days=60, mrr="3000", band="green")
    scorecard = scorecard_get_active(organization=acme)
    BacktestRun.objects.create(
        organization=acme, scorecard=scorecard, report={"horizon_days": 90, "churn": {"bands": {"red": {"rate": 0.5}, "green": {"rate": 0.1}}}}
    )

    forecast = renewal_pipeline(organization=acme, today=TODAY).forecast

    by_band = {b.band: b for b in forecast.bands}
    assert by_band["red"].churn_rate == 0.5 and by_band["red"].source == "backtest"
    assert by_band["red"].expected_arr == Decimal("6000.00")  # 12,000 × (1 − 0.5)
    assert by_band["green"].expected_arr == Decimal("32400.00")  # 36,000 × (1 − 0.1)
    assert forecast.expected_arr == Decimal("38400.00")
    assert by_band["yellow"].source == "fallback"  # the backtest saw no yellow observation
    assert not forecast.uses_fallback  # ... but no renewing account is yellow


def test_without_a_backtest_the_documented_fallback_applies(acme, bob_client):
    renewing(acme, "Yellow One", days=30, mrr="1000", band="yellow")

    forecast = renewal_pipeline(organization=acme, today=TODAY).forecast
    response = bob_client.get(URL)

    yellow = next(b for b in forecast.bands if b.band == "yellow")
    assert yellow.churn_rate == FALLBACK_CHURN_RATES["yellow"] and forecast.uses_fallback
    assert yellow.expected_arr == Decimal("12000.00") * Decimal(str(1 - FALLBACK_CHURN_RATES["yellow"]))
    assert "No backtest has been run yet" in response.content.decode()
    assert "planning defaults apply" in response.content.decode()


def test_a_band_override_in_force_sets_the_band(acme, alice):
    account = renewing(acme, "Overridden", days=30, band="red")
    BandOverride.objects.create(
        organization=acme, account=account, band="green", reason="Exec sponsor re-committed", expires_on=TODAY + dt.timedelta(days=10), created_by=alice
    )

    row = renewal_pipeline(organization=acme, today=TODAY).rows[0]

    assert row.band == "green" and row.overridden


def test_the_page_shows_rows_forecast_and_save_plans(acme, bob_client):
    renewing(acme, "Soon Red", days=30, mrr="2000", band="red", zone="activation", risks=3, save_plan=True)

    response = bob_client.get(URL)

    body = response.content.decode()
    assert response.status_code == 200
    assert "Soon Red" in body and "$24,000" in body and "Activation" in body
    assert "Forecast by band" in body and "Save plans" in body
    assert reverse("renewals:case_builder", kwargs={"org_slug": "acme", "account_id": response.context["p"].rows[0].account_id}) in body


def test_the_page_query_count_does_not_grow_with_rows(acme, bob_client):
    renewing(acme, "Row 0", days=10, band="red", zone="belief", risks=1, save_plan=True)
    with CaptureQueriesContext(connection) as one:
        assert bob_client.get(URL).status_code == 200
    for i in range(1, 8):
        renewing(acme, f"Row {i}", days=10 + i, band=["green", "yellow", "red"][i % 3], zone="commitment", risks=i % 3, save_plan=i % 2 == 0)

    with CaptureQueriesContext(connection) as many:
        response = bob_client.get(URL)

    assert len(response.context["p"].rows) == 8
    assert len(many) == len(one) <= 20


def test_the_pipeline_empty_state_explains_itself(acme, bob_client):
    body = bob_client.get(URL).content.decode()
    assert "No renewal falls in the next 180 days" in body
    assert "No save plans open or recently closed" in body


@pytest.mark.parametrize("slug", ["acme", "globex"])
def test_another_organizations_member_cannot_see_the_pipeline(acme, globex, charlie_client, slug):
    renewing(acme, "Acme Secret Renewal", days=30, band="red")
    response = charlie_client.get(f"/o/{slug}/renewals/")
    if slug == "acme":
        assert response.status_code == 404
    else:
        assert "Acme Secret Renewal" not in response.content.decode()
