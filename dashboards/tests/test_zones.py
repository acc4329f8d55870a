"""Retention-architecture zones on hand-computed cases, and the zone that needs attention first."""

from __future__ import annotations

import sys
import types

import pytest

from dashboards import facts as facts_module
from dashboards.scorecards import default_definition
from dashboards.scoring import compute_measures, depth_raw_values, percentile_ranks
from dashboards.zones import compute_zones, status_for

from .helpers import D, at, days_before

pytestmark = pytest.mark.django_db


def _zones(acme, aid):
    definition = default_definition()
    ids = facts_module.population(organization=acme, day=D)
    org_facts = facts_module.load_org_facts(organization=acme, day=D, definition=definition)
    facts = facts_module.load_account_facts(organization=acme, day=D, account_ids=ids, org_facts=org_facts)
    pct = percentile_ranks(depth_raw_values(org_facts, ids))
    measures = compute_measures(aid=aid, day=D, org_facts=org_facts, facts=facts, definition=definition, depth_percentile=pct)
    return compute_zones(aid=aid, day=D, org_facts=org_facts, facts=facts, measures=measures)


def test_status_thresholds():
    assert [status_for(s) for s in (70, 69.99, 40, 39.99, None)] == ["holding", "at_risk", "at_risk", "broken", "unknown"]


def test_each_zone_on_a_hand_computed_account(acme, book):
    result = _zones(acme, book["a"])
    scores = {k: v["score"] for k, v in result.zones.items()}
    # Belief: no success-plan goal captured → 0
    assert scores["belief"] == 0
    # Commitment: sponsor 100, champion 100, no kickoff 0, 2 of 3 roles engaged 66.67 → 66.67
    assert scores["commitment"] == pytest.approx((100 + 100 + 0 + 200 / 3) / 4, abs=0.01)
    # Activation: seats activated (breadth 50), key features (100) → 75
    assert scores["activation"] == 75
    # Realization: no KPI progress → no evidence
    assert scores["realization"] is None and result.zones["realization"]["status"] == "unknown"
    # Expansion: utilization 40% → 0 (near the limit from 50% to 90%), usage trend 100 → 50
    assert scores["expansion"] == 50
    # Recognition: EBR 30 days ago → 100, latest NPS 9 (promoter) → 100
    assert scores["recognition"] == 100
    # Trust: sentiment 90, support 63, relationship 83.33 → 78.78
    assert scores["trust"] == pytest.approx((90 + 63 + 50 + 100 / 3) / 3, abs=0.01)
    # Intelligence: usage flowing (1 day) 100, no KPI measured 0, no health check this quarter 0
    assert scores["intelligence"] == pytest.approx(100 / 3, abs=0.01)
    # Then the first zone that does not hold is Belief, and the Intelligence layer is broken
    assert result.attention_zone == "belief"
    assert result.broken_layers == ["intelligence"]
    assert result.zones["commitment"]["evidence"][2] == {"text": "No kickoff recorded", "value": 0.0}


def test_attention_moves_to_the_next_zone_once_belief_holds(acme, book, monkeypatch):
    # Given a success plan on track at 80% for Alpha
    fake = types.SimpleNamespace(outcome_progress_for_accounts=lambda *, organization, account_ids, as_of: {book["a"]: 0.8})
    monkeypatch.setitem(sys.modules, "accounts.plans.selectors", fake)
    result = _zones(acme, book["a"])
    assert result.zones["belief"]["status"] == "holding"
    assert result.zones["realization"]["score"] == 80
    assert result.attention_zone == "commitment"


def test_health_check_dimensions_and_assessments_feed_the_zones(acme, book, monkeypatch):
    # Given an adoption health check (training 20, usage frequency 40) and an assessment (Belief 90)
    def results(*, organization, account_ids, as_of):
        return {book["a"]: {"overall": 50, "dimensions": {"training_completion": 20, "usage_frequency": 40}, "taken_at": at(days_before(10))}}

    def zones(*, organization, account_ids, as_of):
        return {book["a"]: {"belief": 90.0}}

    monkeypatch.setitem(sys.modules, "healthchecks.selectors", types.SimpleNamespace(latest_results_for_accounts=results, zone_answers_for_accounts=zones))
    result = _zones(acme, book["a"])
    # Activation: training 20, usage frequency 40, seats 50, key features 100 → 52.5
    assert result.zones["activation"]["score"] == 52.5
    # Belief: assessment 90 and no goal captured 0 → 45
    assert result.zones["belief"]["score"] == 45
    # Intelligence now sees a health check this quarter: (100 + 0 + 100) / 3
    assert result.zones["intelligence"]["score"] == pytest.approx(200 / 3, abs=0.01)


def test_activation_counts_the_time_to_first_value_of_a_new_account(acme, book):
    from accounts.tests.factories import AccountFactory

    from .helpers import events

    # Given an account that started 40 days ago and did its first value event 34 days later (6 days ago)
    account = AccountFactory(organization=acme, start_date=days_before(40))
    events(account, days_before(6), "report_generated", 3)
    evidence = _zones(acme, account.id).zones["activation"]["evidence"]
    # Then 34 days scores (60 − 34) / (60 − 14) × 100
    assert {"text": "First value event 34 days after the start", "value": round(100 * 26 / 46, 2)} in evidence
