"""Each health-score measure and the composite, on small hand-computed cases."""

from __future__ import annotations

import sys
import types

import pytest

from accounts.tests.factories import AccountFactory
from dashboards import facts as facts_module
from dashboards.scorecards import default_definition, validate_definition
from dashboards.scoring import composite, compute_measures, depth_raw_values, normalize, percentile_ranks, score_accounts

from .helpers import D, at, days_before

pytestmark = pytest.mark.django_db


def test_normalize_maps_thresholds_to_0_and_100_and_clamps():
    assert normalize(0.4, 0, 0.8) == 50
    assert normalize(2.0, 0, 0.8) == 100
    assert normalize(-1, 0, 0.8) == 0
    # lower is better: 1 day since the last event with 30 → 0 and 0 → 100
    assert normalize(1, 30, 0) == pytest.approx(100 * 29 / 30)


def test_percentile_ranks_use_mid_ranks_and_share_ties():
    assert percentile_ranks({1: 0.0, 2: 5.0, 3: 10.0}) == {1: 0.0, 2: 50.0, 3: 100.0}
    assert percentile_ranks({1: 3.0, 2: 3.0, 3: 9.0}) == {1: 25.0, 2: 25.0, 3: 100.0}
    assert percentile_ranks({7: 1.0}) == {7: 50.0}


def _measures(acme, definition=None):
    definition = definition or default_definition()
    ids = facts_module.population(organization=acme, day=D)
    org_facts = facts_module.load_org_facts(organization=acme, day=D, definition=definition)
    facts = facts_module.load_account_facts(organization=acme, day=D, account_ids=ids, org_facts=org_facts)
    pct = percentile_ranks(depth_raw_values(org_facts, ids))
    return {aid: compute_measures(aid=aid, day=D, org_facts=org_facts, facts=facts, definition=definition, depth_percentile=pct) for aid in ids}


def test_usage_measures_come_from_the_rollups_and_count_only_value_events(acme, book):
    m = _measures(acme)
    a, b, c = m[book["a"]], m[book["b"]], m[book["c"]]
    # depth: Alpha 40 value events / 4 users = 10; Beta 10 / 2 = 5; Gamma 0 → percentiles 100, 50, 0
    assert (a["usage_depth"].raw, a["usage_depth"].normalized) == (10, 100)
    assert (b["usage_depth"].raw, b["usage_depth"].normalized) == (5, 50)
    assert (c["usage_depth"].raw, c["usage_depth"].normalized) == (0, 0)
    # trend: Alpha 40 vs 20 = +100% → 100; Beta 10 vs 20 = −50% → 0; Gamma no usage either period → missing
    assert (a["usage_trend"].raw, a["usage_trend"].normalized) == (1.0, 100)
    assert (b["usage_trend"].raw, b["usage_trend"].normalized) == (-0.5, 0)
    assert c["usage_trend"].status == "missing"
    # breadth: 4 / 10 seats = 0.4 → 50; 2 / 20 = 0.1 → 12.5; 0 / 5 → 0
    assert (a["breadth"].raw, a["breadth"].normalized) == (0.4, 50)
    assert (b["breadth"].raw, b["breadth"].normalized) == (0.1, 12.5)
    assert c["breadth"].normalized == 0
    # key features seen in the data: automation_run only (of the defaults) → Alpha 1/1, Beta 0/1
    assert a["key_feature_adoption"].normalized == 100
    assert b["key_feature_adoption"].normalized == 0
    # recency: 1 day → 96.67, 10 days → 66.67, none in the 60-day lookback → 60 days → 0
    assert a["recency"].normalized == pytest.approx(100 * 29 / 30)
    assert b["recency"].normalized == pytest.approx(100 * 20 / 30)
    assert (c["recency"].raw, c["recency"].normalized) == (60, 0)


def test_sentiment_support_and_relationship_on_hand_computed_cases(acme, book):
    m = _measures(acme)
    a, b, c = m[book["a"]], m[book["b"]], m[book["c"]]
    # sentiment: NPS mean 8 → 80, CSAT 5 → 100, mean 90; Beta's only answer is 200 days old → stale
    assert a["sentiment"].normalized == pytest.approx(90)
    assert b["sentiment"].status == "stale"
    assert c["sentiment"].status == "missing"
    # support: load 1 → 90; trend 1 vs 0 → 0; 0.7 × 90 + 0.3 × 0 = 63. Beta: no tickets → 100
    assert a["support"].normalized == pytest.approx(63)
    assert b["support"].normalized == pytest.approx(100)
    # relationship: EBR 30 days ago → 100; engaged roles sponsor (attended) + champion = 2 of 3 → 66.67
    assert a["relationship"].normalized == pytest.approx(0.5 * 100 + 0.5 * 200 / 3)
    assert a["relationship"].detail["engaged_roles"] == ["champion", "executive_sponsor"]
    assert b["relationship"].normalized == 0
    assert c["relationship"].status == "missing"


def test_composite_is_the_weighted_mean_of_fresh_measures_and_records_coverage(acme, book):
    # Given Alpha's measures (outcome progress is missing: no success plan)
    definition = default_definition()
    measures = _measures(acme, definition)[book["a"]]
    assert measures["outcome_progress"].status == "missing"

    # When the composite is computed
    result = composite(measures, definition)

    # Then the 85 points of weight with fresh data count, and each contribution is in score points
    expected = (15 * 100 + 15 * 100 + 10 * 50 + 10 * 100 + 10 * 90 + 5 * 63 + 10 * (50 + 100 / 3) + 10 * 100 * 29 / 30) / 85
    assert result.score == pytest.approx(expected, abs=0.01)
    assert result.coverage == 0.85
    assert result.band == "green"
    assert sum(m["contribution"] for m in result.measures.values() if m["contribution"] is not None) == pytest.approx(result.score, abs=0.05)
    assert result.measures["outcome_progress"] == {
        "label": "Outcome progress",
        "status": "missing",
        "raw": None,
        "normalized": None,
        "weight": 15,
        "contribution": None,
        "detail": {"reason": "No success-plan KPI with a target."},
    }


def test_band_limits_come_from_the_scorecard(acme, book):
    definition = validate_definition({"bands": {"green": 95, "yellow": 85}})
    result = composite(_measures(acme, definition)[book["a"]], definition)
    assert result.band == "yellow"


def test_configured_value_events_change_what_counts(acme, book):
    # Given an admin who names only automation_run as a value event
    definition = validate_definition({"value_events": ["automation_run"], "key_features": ["automation_run"]})
    m = _measures(acme, definition)
    # Then Alpha's depth is 10 events / 4 users, and Beta, without automation_run, has none
    assert m[book["a"]]["usage_depth"].raw == 2.5
    assert m[book["b"]]["usage_depth"].raw == 0


def test_usage_is_stale_when_the_organizations_data_stopped_flowing(acme, book):
    # When scoring 10 days after the newest event the organization sent
    later = days_before(-9)
    definition = default_definition()
    ids = facts_module.population(organization=acme, day=later)
    org_facts = facts_module.load_org_facts(organization=acme, day=later, definition=definition)
    facts = facts_module.load_account_facts(organization=acme, day=later, account_ids=ids, org_facts=org_facts)
    measures = compute_measures(aid=book["a"], day=later, org_facts=org_facts, facts=facts, definition=definition, depth_percentile={})
    # Then usage measures are stale, not zero, and do not count
    assert {measures[k].status for k in ("usage_depth", "usage_trend", "breadth", "key_feature_adoption", "recency")} == {"stale"}
    # only sentiment (10), support (5) and relationship (10) of 100 points have fresh data
    assert composite(measures, definition).coverage == pytest.approx(0.25)


def test_outcome_progress_uses_the_success_plan_selector(acme, book, monkeypatch):
    # Given a plans selector reporting Alpha at 75% of the expected progress
    fake = types.SimpleNamespace(outcome_progress_for_accounts=lambda *, organization, account_ids, as_of: {book["a"]: 0.75})
    monkeypatch.setitem(sys.modules, "accounts.plans.selectors", fake)
    m = _measures(acme)
    assert (m[book["a"]]["outcome_progress"].raw, m[book["a"]]["outcome_progress"].normalized) == (0.75, 75)
    assert m[book["b"]]["outcome_progress"].status == "missing"


def test_outcome_progress_is_missing_while_success_plans_are_not_connected(acme, book, monkeypatch):
    monkeypatch.setitem(sys.modules, "accounts.plans.selectors", None)  # import fails
    m = _measures(acme)
    assert m[book["a"]]["outcome_progress"].detail == {"reason": "Success plans are not connected yet."}


def test_sentiment_includes_the_latest_health_check(acme, book, monkeypatch):
    # Given a health check of 60 taken 30 days ago for Gamma (no surveys)
    fake = types.SimpleNamespace(
        latest_results_for_accounts=lambda *, organization, account_ids, as_of: {
            book["c"]: {"overall": 60.0, "dimensions": {}, "taken_at": at(days_before(30))}
        }
    )
    monkeypatch.setitem(sys.modules, "healthchecks.selectors", fake)
    m = _measures(acme)
    assert m[book["c"]]["sentiment"].normalized == 60
    # and Alpha's sentiment is unchanged by it (no health check of its own)
    assert m[book["a"]]["sentiment"].normalized == pytest.approx(90)


def test_score_accounts_reads_a_fixed_number_of_queries_for_any_number_of_accounts(acme, book, django_assert_max_num_queries):
    definition = default_definition()
    for i in range(20):
        AccountFactory(organization=acme, name=f"Extra {i}", start_date=days_before(300))
    ids = facts_module.population(organization=acme, day=D)
    with django_assert_max_num_queries(30):
        org_facts = facts_module.load_org_facts(organization=acme, day=D, definition=definition)
        facts = facts_module.load_account_facts(organization=acme, day=D, account_ids=ids, org_facts=org_facts)
        results = score_accounts(day=D, account_ids=ids, org_facts=org_facts, facts=facts, definition=definition, depth_percentile={})
    assert len(results) == 23
