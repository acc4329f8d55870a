"""Risk indicators open and close with the facts; three open indicators open a save plan."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import DailyEventCount
from accounts.tests.factories import AccountFactory, ContactFactory, ContractLineFactory, SupportTicketFactory, SurveyAnswerFactory, TouchpointFactory
from dashboards.models import BandOverride, RiskIndicator, SavePlan
from dashboards.pipeline import run_organization_day

from .helpers import D, active_users, at, days_before, events

pytestmark = pytest.mark.django_db


def _open(account_id):
    return set(RiskIndicator.objects.filter(account_id=account_id, closed_on__isnull=True).values_list("kind", flat=True))


def test_indicators_open_from_the_facts(acme, book):
    run_organization_day(organization_id=acme.id, day=D)
    # Beta: 10 value events in the last 30 days versus 20 before (−50%), no executive touchpoint ever
    assert _open(book["b"]) == {"usage_drop", "no_executive_touchpoint"}
    beta_drop = RiskIndicator.objects.get(account_id=book["b"], kind="usage_drop")
    assert (beta_drop.opened_on, beta_drop.evidence) == (D, {"last_30_days": 10, "previous_30_days": 20, "change": -0.5})
    # Alpha: growing usage, an EBR 30 days ago → nothing
    assert _open(book["a"]) == set()


def test_an_indicator_closes_when_its_condition_ends_and_keeps_its_dates(acme, book, bob):
    # Given Beta's open "no executive touchpoint" indicator
    run_organization_day(organization_id=acme.id, day=D)

    # When an executive sync happens the next day and the next day is scored
    TouchpointFactory(account_id=book["b"], organization=acme, kind="executive_sync", occurred_at=at(days_before(-1)))
    run_organization_day(organization_id=acme.id, day=days_before(-1))

    indicator = RiskIndicator.objects.get(account_id=book["b"], kind="no_executive_touchpoint")
    assert (indicator.opened_on, indicator.closed_on) == (D, days_before(-1))


def test_rerunning_a_day_undoes_what_that_day_opened(acme, book):
    run_organization_day(organization_id=acme.id, day=D)
    assert "usage_drop" in _open(book["b"])
    # When the data for the day is corrected (the drop was a late upload) and the day re-run
    DailyEventCount.objects.filter(account_id=book["b"], day=days_before(30)).update(count=10)
    run_organization_day(organization_id=acme.id, day=D)
    # Then the indicator the day had opened is gone, not closed
    assert not RiskIndicator.objects.filter(account_id=book["b"], kind="usage_drop").exists()


def test_renewal_risk_uses_the_band_in_force_including_an_override(acme, bob):
    # Given a red-scored account renewing in 60 days, with no usage for months
    account = AccountFactory(organization=acme, start_date=days_before(400))
    ContractLineFactory(account=account, seats_licensed=10, start_date=days_before(400), renewal_date=days_before(-60))
    other = AccountFactory(organization=acme, start_date=days_before(400))
    events(other, days_before(1), "report_generated", 5)
    run_organization_day(organization_id=acme.id, day=D)
    assert "renewal_at_risk" in _open(account.id)

    # When a CSM overrides the band to green (until after the day) and the day is re-run
    BandOverride.objects.create(
        organization=acme, account=account, band="green", reason="Signed early", expires_on=days_before(-30), created_by=bob, created_at=at(D)
    )
    run_organization_day(organization_id=acme.id, day=D)
    # Then the renewal is no longer flagged
    assert "renewal_at_risk" not in _open(account.id)


def test_three_open_indicators_open_one_save_plan_with_actions_regardless_of_renewal(acme, bob):
    # Given an account renewing in 300 days with a usage drop, no executive touchpoint and a detractor
    account = AccountFactory(organization=acme, start_date=days_before(400), owner=bob)
    ContractLineFactory(account=account, seats_licensed=10, start_date=days_before(400), renewal_date=days_before(-300))
    events(account, days_before(5), "report_generated", 5)
    events(account, days_before(40), "report_generated", 50)
    active_users(account, days_before(5), ["u1"])
    SurveyAnswerFactory(account=account, kind="nps", score=2, answered_at=at(days_before(3)))
    ContactFactory(account=account, stakeholder_role="champion")

    # When the night runs, twice, and the next night too
    run_organization_day(organization_id=acme.id, day=D)
    run_organization_day(organization_id=acme.id, day=D)
    run_organization_day(organization_id=acme.id, day=days_before(-1))

    # Then exactly one open save plan exists, owned by the account's CSM, with one action per indicator
    plan = SavePlan.objects.get(account=account)
    assert (plan.status, plan.owner, plan.opened_on, plan.due_on) == ("open", bob, D, D + dt.timedelta(days=30))
    assert plan.trigger == {"rule": "3-strike", "indicators": ["detractor_nps", "no_executive_touchpoint", "usage_drop"]}
    titles = list(plan.actions.values_list("title", flat=True))
    assert len(titles) == 4 and titles[0] == "Hold the save-plan review with the account team"
    assert set(plan.actions.values_list("owner", flat=True)) == {bob.id}


def test_two_indicators_do_not_open_a_save_plan(acme, book):
    run_organization_day(organization_id=acme.id, day=D)
    assert len(_open(book["b"])) == 2
    assert not SavePlan.objects.exists()


def test_support_escalation_opens_an_indicator(acme, book):
    SupportTicketFactory(account_id=book["a"], organization=acme, escalated=True, opened_at=at(days_before(50)))
    run_organization_day(organization_id=acme.id, day=D)
    indicator = RiskIndicator.objects.get(account_id=book["a"], kind="support_escalation")
    assert indicator.evidence == {"escalated_tickets": 1}


def test_replaying_an_earlier_day_after_a_later_one_extends_the_open_indicator_backwards(acme, book):
    # Given the night of D already ran (Beta: no executive touchpoint, opened on D)
    run_organization_day(organization_id=acme.id, day=D)
    # When the day before is backfilled afterwards, where it already held
    run_organization_day(organization_id=acme.id, day=days_before(1))
    # Then there is still one indicator, open since the earlier day, last seen on D
    indicator = RiskIndicator.objects.get(account_id=book["b"], kind="no_executive_touchpoint")
    assert (indicator.opened_on, indicator.closed_on, indicator.last_seen_on) == (days_before(1), None, D)
