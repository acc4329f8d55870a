"""Objects of one organization for the tenancy sweep (see tests/sweep.py): scores, zones, risks."""

import datetime as dt
import itertools

from accounts.tests.factories import AccountFactory
from dashboards.models import AccountScore, AccountZones, BandOverride, RiskIndicator, SavePlan, SavePlanAction
from dashboards.scorecards import scorecard_get_active
from tests.sweep import registers, registers_model

DAY = dt.date(2026, 6, 30)
_serial = itertools.count(1)


def _account(organization):
    return AccountFactory(
        organization=organization,
        name=f"{organization.name} scored customer",
        external_id=f"{organization.slug}-scored-{next(_serial)}",
    )


@registers_model(AccountScore)
def account_score(organization):
    scorecard = scorecard_get_active(organization=organization)
    return AccountScore.objects.create(
        organization=organization,
        account=_account(organization),
        day=DAY,
        scorecard=scorecard,
        scorecard_version=scorecard.version,
        score=55.0,
        band="yellow",
        coverage=1.0,
        measures={
            "recency": {"label": f"{organization.name} recency", "status": "ok", "raw": 1, "normalized": 55, "weight": 10, "contribution": 55, "detail": {}}
        },
    )


@registers_model(AccountZones)
def account_zones(organization):
    zones = {"belief": {"label": "Belief", "score": 30.0, "status": "broken", "evidence": [{"text": f"{organization.name} evidence", "value": 30.0}]}}
    return AccountZones.objects.create(organization=organization, account=_account(organization), day=DAY, zones=zones, attention_zone="belief")


@registers_model(RiskIndicator)
def risk_indicator(organization):
    return RiskIndicator.objects.create(
        organization=organization, account=_account(organization), kind="detractor_nps", opened_on=DAY, last_seen_on=DAY, evidence={"note": organization.name}
    )


@registers("band_override_id")
def band_override_id(organization):
    return BandOverride.objects.create(
        organization=organization, account=_account(organization), band="green", reason=f"{organization.name} reason", expires_on=DAY
    ).pk


@registers("backtest_run_id")
def backtest_run_id(organization):
    from dashboards.models import BacktestRun

    scorecard = scorecard_get_active(organization=organization)
    return BacktestRun.objects.create(organization=organization, scorecard=scorecard, report={"note": organization.name, "proposal": None}).pk


@registers_model(SavePlan)
def save_plan(organization):
    account = _account(organization)
    plan = SavePlan.objects.create(organization=organization, account=account, opened_on=DAY, due_on=DAY, trigger={"note": f"{organization.name} plan"})
    SavePlanAction.objects.create(organization=organization, save_plan=plan, title=f"{organization.name} call", due_on=DAY)
    return plan
