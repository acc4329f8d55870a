"""Sentiment, engagement and activation KPIs on hand-computed data; the arithmetic is in the comments."""

import datetime as dt

import pytest

from dashboards import kpis
from dashboards.kpis import ActiveUserCounts, CohortRetention

D = dt.date


# --- NPS and CSAT ------------------------------------------------------------------------------


def test_nps_is_percent_promoters_minus_percent_detractors():
    # promoters 10, 10, 9 (3); passive 7; detractor 2 (1): (3 − 1) / 5 × 100 = +40
    assert kpis.net_promoter_score([10, 10, 9, 7, 2]) == pytest.approx(40)
    # promoters 10, 9, 9, 10 (4); passives 8, 7; detractors 6, 3, 0, 5 (4): (4 − 4) / 10 = 0
    assert kpis.net_promoter_score([10, 9, 9, 8, 7, 6, 3, 0, 10, 5]) == pytest.approx(0)
    # all detractors: −100
    assert kpis.net_promoter_score([0, 6]) == pytest.approx(-100)


def test_nps_of_no_answer_is_none_and_an_out_of_range_answer_is_refused():
    assert kpis.net_promoter_score([]) is None
    with pytest.raises(ValueError, match="0–10"):
        kpis.net_promoter_score([9, 11])


def test_csat_is_the_share_of_answers_of_four_or_five():
    # satisfied 5, 4, 5, 4, 4 of 8 answers = 0.625
    assert kpis.customer_satisfaction([5, 4, 3, 5, 1, 2, 4, 4]) == pytest.approx(0.625)
    assert kpis.customer_satisfaction([]) is None
    with pytest.raises(ValueError, match="1–5"):
        kpis.customer_satisfaction([0])


# --- DAU/MAU, WAU/MAU, DAU/WAU ------------------------------------------------------------------

AS_OF = D(2026, 3, 31)  # 30-day window: 2 Mar – 31 Mar; 7-day window: 25 Mar – 31 Mar


def _activity():
    return [
        ("u1", D(2026, 3, 31)),
        ("u1", D(2026, 3, 31)),  # a duplicate row changes nothing
        ("u1", D(2026, 3, 30)),
        ("u1", D(2026, 3, 29)),
        ("u2", D(2026, 3, 31)),
        ("u2", D(2026, 3, 10)),
        ("u3", D(2026, 3, 2)),  # first day of the 30-day window
        ("u4", D(2026, 3, 1)),  # one day before it: not counted
        ("u5", D(2026, 4, 1)),  # after as_of: not counted
    ]


def test_active_user_counts_count_distinct_users_per_day_week_and_month():
    counts = kpis.active_user_counts(_activity(), as_of=AS_OF)
    assert counts.daily == {D(2026, 3, 31): 2, D(2026, 3, 30): 1, D(2026, 3, 29): 1, D(2026, 3, 10): 1, D(2026, 3, 2): 1}
    assert (counts.weekly_active, counts.monthly_active) == (2, 3)  # {u1, u2}; {u1, u2, u3}


def test_stickiness_ratios():
    counts = kpis.active_user_counts(_activity(), as_of=AS_OF)
    # DAU/MAU: 6 user-days / 30 days = 0.2 average DAU; / 3 MAU = 0.0667
    assert kpis.dau_mau(counts) == pytest.approx(0.2 / 3)
    # WAU/MAU: 2 / 3
    assert kpis.wau_mau(counts) == pytest.approx(2 / 3)
    # DAU/WAU: 4 user-days in 25–31 Mar (2 + 1 + 1) / 7 days = 0.571 average DAU; / 2 WAU = 0.2857
    assert kpis.dau_wau(counts) == pytest.approx(4 / 7 / 2)


def test_everyone_active_every_day_is_fully_sticky():
    users = ["u1", "u2"]
    activity = [(u, AS_OF - dt.timedelta(days=n)) for u in users for n in range(30)]
    counts = kpis.active_user_counts(activity, as_of=AS_OF)
    assert (kpis.dau_mau(counts), kpis.wau_mau(counts), kpis.dau_wau(counts)) == (1.0, 1.0, 1.0)


def test_stickiness_without_active_users_is_none():
    counts = ActiveUserCounts(as_of=AS_OF)
    assert (kpis.dau_mau(counts), kpis.wau_mau(counts), kpis.dau_wau(counts)) == (None, None, None)


# --- Activation cohort retention -----------------------------------------------------------------


def _cohort_activity():
    j, f, m = (lambda d, month=month: D(2026, month, d) for month in (1, 2, 3))
    return {
        "u1": {j(1), j(8), f(5)},  # first 1 Jan; day 7 (8 Jan) → d7; day 35 (5 Feb) → d30
        "u2": {j(1), j(15), j(31)},  # day 14 (15 Jan) misses d7 (days 7–13); day 30 (31 Jan) → d30
        "u3": {j(2), f(1)},  # first 2 Jan; 1 Feb is day 30 → d30 only
        "u6": {j(3), j(16), f(9)},  # first 3 Jan; 16 Jan is day 13 → d7 (last day); 9 Feb is day 37 → no d30
        "u4": {m(28), m(29)},  # first 28 Mar: day 13 (10 Apr) is after as_of → not eligible yet
        "u5": {D(2025, 12, 20), j(1), j(8)},  # first active before the cohort starts → not in it
    }


def test_day_7_retention_counts_returns_in_days_7_to_13_among_eligible_users():
    retention = kpis.cohort_retention(_cohort_activity(), day=7, as_of=AS_OF, cohort_start=D(2026, 1, 1), cohort_end=AS_OF)
    # eligible u1, u2, u3, u6; retained u1, u6 → 2 / 4
    assert retention == CohortRetention(day=7, eligible=4, retained=2)
    assert kpis.day_7_retention(retention) == pytest.approx(0.5)


def test_day_30_retention_counts_returns_in_days_30_to_36():
    retention = kpis.cohort_retention(_cohort_activity(), day=30, as_of=AS_OF, cohort_start=D(2026, 1, 1), cohort_end=AS_OF)
    # eligible (first day + 36 ≤ 31 Mar) u1, u2, u3, u6; retained u1, u2, u3 → 3 / 4
    assert retention == CohortRetention(day=30, eligible=4, retained=3)
    assert kpis.day_30_retention(retention) == pytest.approx(0.75)


def test_retention_of_a_cohort_with_no_eligible_user_is_none():
    retention = kpis.cohort_retention(_cohort_activity(), day=30, as_of=AS_OF, cohort_start=D(2026, 3, 1), cohort_end=AS_OF)
    assert retention.eligible == 0
    assert kpis.day_30_retention(retention) is None


def test_a_day_30_kpi_refuses_day_7_figures():
    with pytest.raises(ValueError, match="day-30"):
        kpis.day_30_retention(CohortRetention(day=7, eligible=4, retained=2))


# --- Adoption and activation --------------------------------------------------------------------


def test_feature_adoption_is_accounts_using_the_feature_among_active_accounts():
    rows = [
        ("A", "report", D(2026, 3, 30)),
        ("B", "login", D(2026, 3, 20)),
        ("C", "report", D(2026, 2, 1)),  # outside the 30 days: C is active only through its login
        ("C", "login", D(2026, 3, 31)),
        ("D", "report", D(2026, 3, 3)),
        ("E", "report", D(2026, 3, 1)),  # outside the window: E is not active at all
    ]
    active, adopting = kpis.feature_users(rows, feature="report", as_of=AS_OF)
    # active A, B, C, D (4); using "report" A, D (2) → 0.5
    assert (active, adopting) == (4, 2)
    assert kpis.feature_adoption_rate(active_accounts=active, adopting_accounts=adopting) == pytest.approx(0.5)


def test_feature_adoption_without_active_accounts_is_none_and_inconsistent_counts_are_refused():
    assert kpis.feature_adoption_rate(active_accounts=0, adopting_accounts=0) is None
    with pytest.raises(ValueError):
        kpis.feature_adoption_rate(active_accounts=1, adopting_accounts=2)


def test_activation_milestone_completion_counts_accounts_with_all_milestones_done():
    # (done, total) per account: a 2 of 2, b 1 of 2, c has none, d 1 of 1
    progress = [(2, 2), (1, 2), (0, 0), (1, 1)]
    # accounts with activation milestones: a, b, d (c has none); all done: a, d → 2 / 3
    assert kpis.activation_milestone_completion(progress) == pytest.approx(2 / 3)
    assert kpis.activation_milestone_completion([(0, 0)]) is None
    assert kpis.activation_milestone_completion([]) is None


def test_time_to_first_value_is_the_median_delay_from_start_to_first_value_event():
    started = {"a": D(2026, 1, 1), "b": D(2026, 1, 10), "c": D(2026, 2, 1), "d": D(2026, 3, 1)}
    first_value = {"a": D(2026, 1, 15), "b": D(2026, 1, 13), "c": D(2026, 1, 25), "e": D(2026, 1, 5)}
    # a 14 days; b 3 days; c reached value during a trial → 0; d has none yet; e has no start date
    delays = kpis.first_value_delays(started_on=started, first_value_on=first_value)
    assert sorted(delays) == [0, 3, 14]
    assert kpis.time_to_first_value(delays) == 3
    # an even number of accounts takes the mean of the middle two: (3 + 14) / 2 = 8.5
    assert kpis.time_to_first_value([14, 3]) == 8.5
    assert kpis.time_to_first_value([]) is None


def test_time_to_first_repeat_action_is_the_median_gap_between_first_and_second_occurrence():
    occurrences = {
        "a": {D(2026, 1, 1): 1, D(2026, 1, 5): 2, D(2026, 1, 9): 1},  # 4 days
        "b": {D(2026, 1, 3): 2},  # twice on the first day → 0
        "c": {D(2026, 1, 7): 1},  # only once → left out
        "d": {D(2026, 1, 2): 1, D(2026, 1, 12): 1},  # 10 days
        "e": {D(2026, 1, 1): 0, D(2026, 1, 4): 1, D(2026, 1, 6): 1},  # a zero day is no occurrence → 2 days
    }
    gaps = kpis.first_repeat_gaps(occurrences)
    assert sorted(gaps) == [0, 2, 4, 10]
    # median of 0, 2, 4, 10 = (2 + 4) / 2 = 3
    assert kpis.time_to_first_repeat_action(gaps) == 3
    assert kpis.time_to_first_repeat_action([]) is None
