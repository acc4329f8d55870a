"""The backtest on a small synthetic book with a known answer: accounts whose usage died churn
within 90 days, healthy ones never do."""

from __future__ import annotations

import datetime as dt
import io
from decimal import Decimal

import pytest
from django.core.management import call_command

from accounts.tests.factories import AccountFactory, ContractLineFactory
from dashboards.backtest import backtest_accept_weights, replay, run_backtest, separation
from dashboards.models import Scorecard
from dashboards.scorecards import default_definition, scorecard_get_active

from .helpers import D, active_users, days_before, events

pytestmark = pytest.mark.django_db
DATES = [days_before(60), days_before(30), D]


@pytest.fixture
def synthetic(acme):
    """10 healthy accounts active around every replay date; 5 dead-looking accounts per date that
    churn 30 days after it (their last usage is 100 days before the first date)."""
    start = days_before(400)
    healthy = []
    for i in range(10):
        account = AccountFactory(organization=acme, name=f"Healthy {i}", start_date=start)
        ContractLineFactory(account=account, seats_licensed=10, mrr=Decimal("1000"), start_date=start)
        for t in DATES:
            events(account, t - dt.timedelta(days=1), "report_generated", 20 + i)
            events(account, t - dt.timedelta(days=2), "automation_run", 5)
            events(account, t - dt.timedelta(days=20), "report_generated", 15 + i)
            active_users(account, t - dt.timedelta(days=1), [f"u{j}" for j in range(3 + i % 3)])
        healthy.append(account)
    dying = []
    for t in DATES:
        for i in range(5):
            account = AccountFactory(
                organization=acme, name=f"Dying {t} {i}", start_date=start, churned_on=t + dt.timedelta(days=30), lifecycle_stage="churned"
            )
            ContractLineFactory(account=account, seats_licensed=10, mrr=Decimal("1000"), start_date=start, end_date=t + dt.timedelta(days=30))
            events(account, DATES[0] - dt.timedelta(days=100), "report_generated", 50)
            dying.append(account)
    return {"healthy": healthy, "dying": dying}


def test_a_score_that_separates_perfectly_has_auc_1_and_the_expected_lift_and_band_rates(acme, synthetic):
    # Given the default scorecard replayed on day D: 10 healthy + 5 dying accounts
    observations = replay(organization=acme, definition=default_definition(), dates=[D])
    report = separation(observations, "churned")

    assert (report["observations"], report["events"]) == (15, 5)
    assert report["auc"] == 1.0
    # the 2 lowest (ceil 10% of 15) both churned: rate 1.0 / overall 1/3 = lift 3
    assert report["top_decile_lift"] == pytest.approx(3.0)
    assert report["bands"]["red"] == {"observations": 5, "events": 5, "rate": 1.0}
    assert report["bands"]["green"]["events"] + report["bands"]["yellow"]["events"] == 0


def test_a_contraction_counts_for_the_contraction_outcome_only(acme, synthetic):
    # Given one healthy account whose plan is cut to half 10 days after D
    account = synthetic["healthy"][0]
    account.contract_lines.update(end_date=D + dt.timedelta(days=10))
    ContractLineFactory(account=account, seats_licensed=5, mrr=Decimal("500"), start_date=D + dt.timedelta(days=11))
    observations = replay(organization=acme, definition=default_definition(), dates=[D])
    assert separation(observations, "churned")["events"] == 5
    assert separation(observations, "contracted")["events"] == 6


def test_refitted_weights_are_proposed_and_judged_on_the_later_hold_out_period(acme, synthetic):
    scorecard = scorecard_get_active(organization=acme)
    run = run_backtest(organization=acme, scorecard=scorecard, dates=DATES)
    proposal = run.report["proposal"]

    # trained on the two earlier dates, judged on the last one
    assert proposal["train_dates"] == [DATES[0].isoformat(), DATES[1].isoformat()]
    assert proposal["holdout_dates"] == [D.isoformat()]
    assert (proposal["train_observations"], proposal["holdout_observations"]) == (45, 15)
    # usage separates the classes; measures without data (outcome, sentiment, support, relationship) get no weight
    assert sum(proposal["weights"].values()) == pytest.approx(100, abs=0.5)
    assert {k for k, w in proposal["weights"].items() if w > 0} <= {"usage_depth", "usage_trend", "breadth", "key_feature_adoption", "recency"}
    assert proposal["holdout_auc_proposed"] == 1.0
    assert run.report["churn"]["auc"] == 1.0


def test_an_admin_accepts_the_proposed_weights_as_a_new_scorecard_version(acme, synthetic, alice):
    run = run_backtest(organization=acme, scorecard=scorecard_get_active(organization=acme), dates=DATES)
    scorecard = backtest_accept_weights(organization=acme, run=run, by=alice)
    assert scorecard.version == 2 and scorecard.is_active
    assert {k: m["weight"] for k, m in scorecard.definition["measures"].items()} == run.report["proposal"]["weights"]
    assert Scorecard.objects.filter(organization=acme).count() == 2


def test_backtest_command_prints_the_figures(acme, synthetic):
    out = io.StringIO()
    call_command("backtest", "--org", "acme", "--until", D.isoformat(), "--periods", "3", stdout=out)
    text = out.getvalue()
    assert "churn: n=60 events=30" in text and "AUC=1.000" in text
    assert "Proposed weights" in text


def test_replay_dates_without_56_days_of_usage_history_are_skipped(acme, synthetic):
    # the first rollup day is 100 days before the first replay date (D − 160): D − 110 lacks history
    from dashboards.backtest import usable_dates

    assert usable_dates(organization=acme, dates=[days_before(110), days_before(100), D]) == [days_before(100), D]
