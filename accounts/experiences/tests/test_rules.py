"""Each roadmap and expansion rule on hand-built accounts: why it fires, why it does not."""

from __future__ import annotations

from accounts.experiences import expansion, recommend
from accounts.experiences.models import CapabilityMapping
from accounts.models import Contact

from .builders import inputs, value, zones


def rules_fired(i) -> set[str]:
    return {r.rule for r in recommend.recommend(i)}


def test_no_rule_fires_on_a_healthy_unremarkable_account():
    assert recommend.recommend(inputs()) == []
    assert expansion.find_opportunities(inputs()).opportunities == []


# --- Roadmap rules ---------------------------------------------------------------------------------


def test_attention_zone_rule_fires_for_the_first_zone_not_holding_with_its_weakest_evidence():
    rec = recommend.rule_attention_zone(inputs(zones=zones(commitment="broken"), attention_zone="commitment"))
    assert rec.phase == "day_30"
    assert rec.title == "Engage an executive sponsor and a champion"
    assert "Commitment is the first zone that is not holding (score 20 of 100)" in rec.why
    assert "commitment evidence" in rec.why


def test_attention_zone_rule_never_turns_expansion_into_a_priority():
    assert recommend.rule_attention_zone(inputs(zones=zones(expansion="at_risk"), attention_zone="expansion")) is None
    assert recommend.rule_attention_zone(inputs(attention_zone="")) is None


def test_success_plan_rule_fires_without_a_plan_and_when_kpis_are_behind():
    assert recommend.rule_success_plan(inputs(has_plan=False)).title.startswith("Agree goals")
    behind = recommend.rule_success_plan(inputs(outcome=0.5))
    assert behind.title == "Recover the KPIs that are behind target" and "50%" in behind.why


def test_success_plan_rule_is_quiet_when_kpis_are_on_track_or_unmeasured():
    assert recommend.rule_success_plan(inputs(outcome=0.8)) is None
    assert recommend.rule_success_plan(inputs(outcome=None)) is None


def test_seat_activation_rule_fires_below_half_the_seats_active():
    rec = recommend.rule_seat_activation(inputs(seats=20, active_users_recent=9))
    assert rec.phase == "day_60" and "9 of 20 licensed seats" in rec.why
    assert recommend.rule_seat_activation(inputs(seats=20, active_users_recent=10)) is None
    assert recommend.rule_seat_activation(inputs(seats=0, active_users_recent=0)) is None  # no seats: nothing to activate


def test_weak_dimension_rule_picks_the_weakest_health_check_dimension_below_60():
    hc = {"dimensions": {"usage_frequency": 55.0, "training_completion": 30.0, "team_engagement": 90.0}}
    rec = recommend.rule_weak_dimension(inputs(healthcheck=hc))
    assert rec.title == "Strengthen training completion" and "30 of 100" in rec.why
    assert recommend.rule_weak_dimension(inputs(healthcheck={"dimensions": {"usage_frequency": 60.0}})) is None
    assert recommend.rule_weak_dimension(inputs(healthcheck=None)) is None


def test_maturity_rule_follows_stage_and_tenure():
    assert recommend.rule_maturity(inputs(stage="onboarding", tenure=30)).title == "Reach the first measurable outcome"
    assert recommend.rule_maturity(inputs(stage="onboarding", tenure=120)) is None  # late onboarding is the zones' job
    assert recommend.rule_maturity(inputs(stage="adopting", tenure=120)).phase == "day_90"
    assert "executive business review" in recommend.rule_maturity(inputs(stage="mature", tenure=400)).title
    assert recommend.rule_maturity(inputs(stage="mature", tenure=200)) is None


def test_team_scale_rule_needs_a_large_and_activated_team():
    assert recommend.rule_team_scale(inputs(seats=60, active_users_recent=40)).rule == "team_scale"
    assert recommend.rule_team_scale(inputs(seats=60, active_users_recent=20)) is None  # activation first
    assert recommend.rule_team_scale(inputs(seats=40, active_users_recent=40)) is None


def test_value_story_rule_needs_realization_holding_and_value_above_spend():
    assert recommend.rule_value_story(inputs(value=value(money=3000, spend=1000))).rule == "value_story"
    assert recommend.rule_value_story(inputs(value=value(money=500, spend=1000))) is None
    assert recommend.rule_value_story(inputs(value=value(money=3000, spend=1000), zones=zones(realization="at_risk"))) is None


def test_recommend_runs_every_rule_that_fires_in_chain_order():
    i = inputs(zones=zones(activation="broken"), attention_zone="activation", has_plan=False, seats=20, active_users_recent=2)
    assert [r.rule for r in recommend.recommend(i)] == ["attention_zone", "success_plan", "seat_activation"]


# --- Expansion rules -------------------------------------------------------------------------------


def test_seats_opportunity_fires_at_90_percent_with_a_priced_estimate():
    opp = expansion.seats_opportunity(inputs(seats=20, active_users_recent=22, base_mrr=1000.0))
    # 2 users over the limit + 10 % headroom (2 seats) = 4 seats × 50/month × 12
    assert opp.title == "Add 4 seats" and opp.estimated_value == 2400.0
    assert "over the limit" in opp.evidence and opp.next_step == expansion.SCOPED_RECOMMENDATION
    assert expansion.seats_opportunity(inputs(seats=20, active_users_recent=17)) is None


def test_addon_opportunity_fires_on_heavy_use_without_the_addon():
    mapping = CapabilityMapping(
        kind="addon", name="Advanced reporting", event_name="report_generated", product="Reporting Pro", threshold=100, estimated_mrr=200
    )
    heavy = inputs(mappings=[mapping], event_counts_recent={"report_generated": 150})
    [opp] = expansion.addon_opportunities(heavy)
    assert opp.estimated_value == 2400.0 and "150" in opp.evidence
    assert expansion.addon_opportunities(inputs(mappings=[mapping], event_counts_recent={"report_generated": 99})) == []
    owned = inputs(mappings=[mapping], event_counts_recent={"report_generated": 150}, products={"reporting pro"})
    assert expansion.addon_opportunities(owned) == []


def test_adjacent_team_opportunity_fires_for_a_department_whose_contacts_use_nothing():
    contacts = [
        Contact(name="Ann", email="ann@x.test", department="Finance", external_id="u1"),
        Contact(name="Ben", email="ben@x.test", department="Legal"),
        Contact(name="Cid", email="cid@x.test", department="Legal"),
    ]
    [opp] = expansion.adjacent_team_opportunities(inputs(contacts=contacts, active_users_seen={"u1"}))
    assert opp.title == "Bring in Legal" and opp.next_step == expansion.GROWTH_WORKSHOP
    assert opp.estimated_value == 50.0 * 12 * 5  # at least five seats per team


def test_adjacent_team_opportunity_is_quiet_when_no_department_can_be_matched_to_usage():
    contacts = [Contact(name="Ben", email="ben@x.test", department="Legal")]
    assert expansion.adjacent_team_opportunities(inputs(contacts=contacts, active_users_seen={"someone"})) == []


def test_integration_opportunity_fires_only_for_an_unseen_integration():
    mapping = CapabilityMapping(kind="integration", name="Slack", event_name="slack_message_sent", estimated_mrr=0)
    assert [o.title for o in expansion.integration_opportunities(inputs(mappings=[mapping]))] == ["Connect Slack"]
    assert expansion.integration_opportunities(inputs(mappings=[mapping], events_seen={"slack_message_sent"})) == []


def test_realized_value_opportunity_needs_three_times_the_spend():
    opp = expansion.realized_value_opportunity(inputs(value=value(money=3000, spend=1000), mrr=1000.0))
    assert opp.estimated_value == 2400.0 and opp.next_step == expansion.GROWTH_WORKSHOP
    assert expansion.realized_value_opportunity(inputs(value=value(money=2900, spend=1000))) is None


def test_expansion_is_suppressed_while_realization_is_broken_with_the_reason_shown():
    strong = {"seats": 20, "active_users_recent": 25, "value": value(money=9000, spend=1000)}
    assert expansion.find_opportunities(inputs(**strong)).opportunities  # the signals are there…
    result = expansion.find_opportunities(inputs(zones=zones(realization="broken"), **strong))
    assert result.suppressed and result.opportunities == []  # …but none is shown
    assert result.reason.startswith("The Realization zone is broken (score 20 of 100)")


def test_expansion_is_not_suppressed_while_realization_is_only_at_risk_or_unknown():
    strong = {"seats": 20, "active_users_recent": 25}
    assert not expansion.find_opportunities(inputs(zones=zones(realization="at_risk"), **strong)).suppressed
    assert not expansion.find_opportunities(inputs(zones=None, **strong)).suppressed
