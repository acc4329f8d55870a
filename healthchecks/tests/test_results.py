"""Scoring and aggregation on hand-computed answers; the mapping to zones; the selectors other
apps rely on."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from accounts.tests.factories import AccountFactory
from healthchecks import definitions, selectors
from healthchecks.tests.factories import submit_response

TINY = {
    "title": "Tiny",
    "dimensions": [
        {"key": "a", "name": "A", "zone": "activation"},
        {"key": "b", "name": "B", "zone": "trust"},
        {"key": "c", "name": "C", "zone": "activation"},
    ],
    "groups": [
        {
            "key": "g",
            "title": "G",
            "questions": [
                {"key": "a1", "text": "a1", "dimension": "a", "type": "likert", "reverse": False},
                {"key": "a2", "text": "a2", "dimension": "a", "type": "likert", "reverse": True},
                {"key": "b1", "text": "b1", "dimension": "b", "type": "likert", "reverse": False},
                {"key": "c1", "text": "c1", "dimension": "c", "type": "likert", "reverse": False},
                {"key": "t", "text": "t", "dimension": "b", "type": "barrier", "reverse": False},
            ],
        }
    ],
}


def test_answers_score_25_points_per_step_reversed_items_flip_and_dont_know_is_left_out():
    # a1 = agree (75), a2 reversed strongly agree (0) → A = 37.5; b1 don't know → B unscored; c1 = 5 → 100
    dims, overall = definitions.score_answers(TINY, {"a1": 4, "a2": 5, "b1": 0, "c1": 5})

    assert dims == {"a": 37.5, "c": 100.0}
    assert overall == 68.75  # (37.5 + 100) / 2: an unscored dimension does not count as 0


def test_findings_split_strong_steady_and_weak_and_recommend_for_the_weak_ones_weakest_first():
    definition = definitions.default_definition("adoption")
    scores = {"usage_frequency": 20.0, "stakeholder_alignment": 45.0, "team_engagement": 60.0, "training_completion": 90.0}

    found = definitions.findings(definition, scores)
    steps = definitions.next_steps(found)

    assert {f.key: f.level for f in found} == {
        "usage_frequency": "weak",
        "team_engagement": "steady",
        "stakeholder_alignment": "weak",
        "training_completion": "strong",
    }
    assert [f.key for f in steps] == ["usage_frequency", "stakeholder_alignment"]
    assert steps[0].recommendation["title"] == "Targeted training or onboarding support"
    assert steps[1].recommendation["title"] == "Executive alignment session"


def test_without_a_weak_dimension_the_lowest_steady_one_is_the_next_focus():
    definition = definitions.default_definition("adoption")
    found = definitions.findings(definition, {"usage_frequency": 80.0, "unresolved_barriers": 55.0, "team_engagement": 65.0})

    assert [f.key for f in definitions.next_steps(found)] == ["unresolved_barriers"]
    assert found[-1].recommendation["title"] == "Barrier working session"


def test_zone_scores_average_the_dimensions_mapped_to_each_zone():
    assert definitions.zone_scores(TINY, {"a": 40.0, "b": 80.0, "c": 100.0}) == {"activation": 70.0, "trust": 80.0}


def test_the_first_zone_needing_attention_is_the_earliest_in_the_chain_not_holding():
    zones = {"belief": 90.0, "commitment": 72.0, "activation": 65.0, "realization": 10.0, "trust": 20.0}

    assert definitions.first_zone_needing_attention(zones) == "activation"
    assert definitions.zone_status(65.0) == "at_risk" and definitions.zone_status(39.9) == "broken" and definitions.zone_status(70) == "holding"


def test_every_default_definition_is_valid_and_maps_every_dimension_to_a_zone():
    for kind in ("adoption", "retention"):
        definition = definitions.default_definition(kind)
        assert definitions.validate_definition(definition) == []
        assert all(d["zone"] in definitions.ZONE_NAMES for d in definition["dimensions"])
    retention = definitions.default_definition("retention")
    assert {d["zone"] for d in retention["dimensions"]} == set(definitions.ZONES + definitions.LAYERS)
    assert [d["key"] for d in definitions.default_definition("adoption")["dimensions"]] == definitions.ADOPTION_DIMENSIONS


def test_validation_names_a_question_mapped_to_a_missing_dimension():
    broken = {
        **TINY,
        "groups": [{**TINY["groups"][0], "questions": [*TINY["groups"][0]["questions"], {"key": "x", "text": "X?", "dimension": "nope", "type": "likert"}]}],
    }

    assert any("dimension that does not exist" in e for e in definitions.validate_definition(broken))


def test_latest_results_average_respondents_of_the_latest_90_days_only(acme, acme_account):
    # Given three respondents: two recent (all 4s → 75 everywhere except reversed items; all 2s) and one
    # 200 days ago (all 5s) that falls outside the latest period
    now = timezone.now()
    submit_response(organization=acme, account=acme_account, value=5, submitted_at=now - timedelta(days=200))
    submit_response(organization=acme, account=acme_account, value=4, submitted_at=now - timedelta(days=10))
    last = submit_response(organization=acme, account=acme_account, value=2, submitted_at=now - timedelta(days=1))

    # When the selector runs
    result = selectors.latest_results_for_accounts(organization=acme, account_ids=[acme_account.id], as_of=now)[acme_account.id]

    # Then each dimension is the mean of the two recent respondents. Team engagement (no reversed
    # statement): 4 → 75, 2 → 25, mean 50. Usage frequency: (75+75+25)/3 = 58.33 and (25+25+75)/3 = 41.67 → 50.
    assert result["respondents"] == 2
    assert result["dimensions"]["team_engagement"] == 50.0
    assert result["dimensions"]["usage_frequency"] == 50.0
    assert result["overall"] == 50.0
    assert result["taken_at"] == last.submitted_at


def test_latest_results_respect_as_of_and_leave_out_accounts_without_answers(acme, acme_account):
    now = timezone.now()
    quiet = AccountFactory(organization=acme, name="Quiet Co")
    submit_response(organization=acme, account=acme_account, value=5, submitted_at=now - timedelta(days=30))
    submit_response(organization=acme, account=acme_account, value=1, submitted_at=now - timedelta(days=2))

    before = selectors.latest_results_for_accounts(organization=acme, account_ids=[acme_account.id, quiet.id], as_of=now - timedelta(days=20))

    assert set(before) == {acme_account.id}
    assert before[acme_account.id]["dimensions"]["team_engagement"] == 100.0
    assert before[acme_account.id]["respondents"] == 1


def test_latest_results_never_include_another_organizations_responses(acme, globex, acme_account, globex_account):
    submit_response(organization=globex, account=globex_account, value=1)

    assert selectors.latest_results_for_accounts(organization=acme, account_ids=[globex_account.id], as_of=timezone.now()) == {}


def test_zone_answers_come_from_the_retention_assessment(acme, acme_account):
    # Given two assessments: one with Activation statements at 1 (0) and the rest at 4 (75), one all 4s
    now = timezone.now()
    submit_response(organization=acme, account=acme_account, kind="retention", value=4, overrides={"ac_onboarded": 1, "ac_first_value": 1})
    submit_response(organization=acme, account=acme_account, kind="retention", value=4)
    submit_response(organization=acme, account=acme_account, kind="adoption", value=1)

    zones = selectors.zone_answers_for_accounts(organization=acme, account_ids=[acme_account.id], as_of=now + timedelta(seconds=5))[acme_account.id]

    assert zones["activation"] == 37.5  # (0 + 75) / 2
    assert zones["belief"] == 75.0 and zones["trust"] == 75.0 and zones["intelligence"] == 75.0
    assert set(zones) == set(definitions.ZONES + definitions.LAYERS)


def test_portfolio_insights_rank_dimensions_by_segment(acme):
    # Given an enterprise account weak on usage and an SMB account weak on stakeholder alignment
    big = AccountFactory(organization=acme, name="Big", segment="enterprise")
    small = AccountFactory(organization=acme, name="Small", segment="smb")
    submit_response(organization=acme, account=big, value=4, overrides={"uf_weekly": 1, "uf_core": 1, "uf_dropoff": 5})
    submit_response(organization=acme, account=small, value=4, overrides={"sa_goals": 2, "sa_sponsor": 1})

    insights = selectors.portfolio_insights(organization=acme, as_of=timezone.now())

    rows = {r["key"]: r for r in insights["rows"]}
    # Then usage ranks weakest: enterprise 0; SMB (75 + 75 + reversed 25) / 3 = 58.33; mean 29.17.
    # Alignment next: enterprise 75; SMB (25 + 0) / 2 = 12.5; mean 43.75.
    assert [r["key"] for r in insights["rows"][:2]] == ["usage_frequency", "stakeholder_alignment"]
    assert rows["usage_frequency"]["all"] == pytest.approx(29.165, abs=0.01)
    assert rows["stakeholder_alignment"]["all"] == 43.75
    assert [s for s, _ in insights["segments"]] == ["smb", "enterprise"]
    assert rows["usage_frequency"]["by_segment"] == [58.33, 0.0]
    assert rows["usage_frequency"]["weakest_for"] == 1 and rows["stakeholder_alignment"]["weakest_for"] == 1
