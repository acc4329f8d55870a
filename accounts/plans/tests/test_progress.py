"""KPI progress arithmetic on hand-computed cases, usage-sourced KPIs against the rollups, and the
outcome-progress selector the health score consumes."""

import datetime as dt

import pytest

from accounts.ingest import last_active_rebuild
from accounts.models import DailyActiveUser, DailyEventCount
from accounts.plans.models import Kpi
from accounts.plans.progress import (
    Status,
    kpi_figures,
    kpi_progress,
    kpi_values_at,
    kpi_values_memo,
    mean_outcome,
    series_points,
    time_elapsed_share,
    usage_metric,
)
from accounts.plans.selectors import outcome_progress_for_accounts
from accounts.plans.tests.factories import GoalFactory, KpiFactory, MeasurementFactory, SuccessPlanFactory
from accounts.tests.factories import AccountFactory, ContractLineFactory

START = dt.date(2026, 1, 1)
TARGET_DATE = dt.date(2026, 4, 11)  # 100 days after START


def progress(current, as_of_days, baseline=0.0, target=80.0):
    return kpi_progress(baseline=baseline, target=target, current=current, start=START, target_date=TARGET_DATE, as_of=START + dt.timedelta(days=as_of_days))


# --- Pure arithmetic --------------------------------------------------------------------------------


def test_progress_is_the_share_of_the_way_from_baseline_to_target():
    # Given 0 → 80 %, at 40 % after half the time
    result = progress(40.0, 50)
    # Then progress = 40/80 = 0.5, expected = 50/100 = 0.5, on track, outcome 1
    assert result.progress == pytest.approx(0.5)
    assert result.expected == pytest.approx(0.5)
    assert result.status == Status.ON_TRACK
    assert result.outcome == pytest.approx(1.0)


def test_a_kpi_more_than_ten_points_behind_the_time_elapsed_is_behind():
    # Given 20/80 = 0.25 progress at 60 % of the time: 0.25 < 0.60 − 0.10
    result = progress(20.0, 60)
    assert result.status == Status.BEHIND
    # And its outcome is progress ÷ expected = 0.25 / 0.6
    assert result.outcome == pytest.approx(0.25 / 0.6)


def test_a_kpi_within_the_tolerance_is_still_on_track():
    # 0.55 progress at 0.60 elapsed: within 10 points
    result = progress(44.0, 60)
    assert result.progress == pytest.approx(0.55)
    assert result.status == Status.ON_TRACK
    assert result.outcome == pytest.approx(0.55 / 0.6)


def test_reaching_the_target_is_achieved_whatever_the_date():
    assert progress(80.0, 10).status == Status.ACHIEVED
    assert progress(95.0, 200).outcome == 1.0


def test_lower_is_better_kpis_progress_downwards():
    # Given ticket backlog 200 → 50, now 125 after 50 of 100 days: (125−200)/(50−200) = 0.5
    result = progress(125.0, 50, baseline=200.0, target=50.0)
    assert result.progress == pytest.approx(0.5)
    assert result.status == Status.ON_TRACK
    # And getting worse is negative progress, behind, outcome 0
    worse = progress(230.0, 50, baseline=200.0, target=50.0)
    assert worse.progress == pytest.approx(-0.2)
    assert worse.status == Status.BEHIND
    assert worse.outcome == 0.0


def test_without_a_value_there_is_no_progress_and_before_the_start_nothing_is_judged():
    assert progress(None, 50).status == Status.NO_DATA
    assert progress(None, 50).outcome is None
    early = kpi_progress(baseline=0, target=80, current=10, start=START, target_date=TARGET_DATE, as_of=START - dt.timedelta(days=1))
    assert early.status == Status.NOT_STARTED
    assert early.outcome is None


def test_on_the_start_day_nothing_is_expected_yet():
    result = progress(0.0, 0)
    assert result.expected == 0.0
    assert result.status == Status.ON_TRACK
    assert result.outcome == 1.0


def test_time_elapsed_is_clamped_after_the_target_date():
    assert time_elapsed_share(start=START, target_date=TARGET_DATE, as_of=START + dt.timedelta(days=250)) == 1.0
    assert progress(40.0, 250).status == Status.BEHIND


def test_usage_metrics_from_window_totals():
    assert usage_metric(source="event_count", event_count=42, active_users=7, seats=10) == 42
    assert usage_metric(source="rate_per_active_user", event_count=42, active_users=7, seats=10) == 6
    assert usage_metric(source="seat_active_share", event_count=0, active_users=7, seats=10) == 70
    assert usage_metric(source="rate_per_active_user", event_count=42, active_users=0, seats=10) is None
    assert usage_metric(source="seat_active_share", event_count=0, active_users=7, seats=0) is None


def test_plan_outcome_is_the_mean_of_measurable_kpis():
    assert mean_outcome([1.0, 0.5, None]) == pytest.approx(0.75)
    assert mean_outcome([None, None]) is None


def test_series_points_cover_the_range_at_most_26_points_a_week_apart():
    points = series_points(start=START, end=START + dt.timedelta(days=365))
    assert points[0] == START and points[-1] == START + dt.timedelta(days=365)
    assert len(points) <= 27
    assert all((b - a).days >= 1 for a, b in zip(points, points[1:], strict=False))


# --- Against the rollups ----------------------------------------------------------------------------


@pytest.fixture
def usage_account(acme):
    """An account with hand-made rollups on 2026-02-01 … 2026-02-28 (as_of is 2026-02-28)."""
    account = AccountFactory(organization=acme)
    ContractLineFactory(account=account, seats_licensed=10, start_date=dt.date(2025, 6, 1), end_date=None)
    ContractLineFactory(account=account, seats_licensed=5, start_date=dt.date(2025, 6, 1), end_date=dt.date(2026, 1, 31))  # ended: not counted
    as_of = dt.date(2026, 2, 28)
    for offset, count in [(0, 10), (1, 5), (6, 3), (7, 100)]:  # day as_of−7 is outside a 7-day window
        DailyEventCount.objects.create(organization=acme, account=account, day=as_of - dt.timedelta(days=offset), event="test_run", count=count)
    DailyEventCount.objects.create(organization=acme, account=account, day=as_of, event="other_event", count=999)
    for offset, user in [(0, "u1"), (1, "u1"), (2, "u2"), (5, "u3"), (10, "u4")]:
        DailyActiveUser.objects.create(organization=acme, account=account, day=as_of - dt.timedelta(days=offset), user_external_id=user)
    last_active_rebuild(organization=acme)
    return account, as_of


def _usage_kpi(account, source, window, event="test_run", baseline=0.0, target=100.0):
    plan = SuccessPlanFactory(account=account, start_date=dt.date(2026, 1, 1))
    goal = GoalFactory(plan=plan)
    return KpiFactory(
        goal=goal,
        source=source,
        event_name=event,
        window_days=window,
        baseline=baseline,
        target=target,
        start_date=dt.date(2026, 1, 1),
        target_date=dt.date(2026, 4, 11),
    )


def test_event_count_kpi_sums_the_event_over_the_trailing_window(acme, usage_account):
    account, as_of = usage_account
    # Given a 7-day window: days as_of−6 … as_of hold 10 + 5 + 3 = 18 (the 100 on as_of−7 is outside)
    kpi = _usage_kpi(account, "event_count", 7, baseline=0, target=36)
    # When the outcome is computed on as_of: progress 18/36 = 0.5 at 58/100 days elapsed
    outcome = outcome_progress_for_accounts(organization=acme, account_ids=[account.pk], as_of=as_of)
    # Then outcome = 0.5 / 0.58
    assert outcome[account.pk] == pytest.approx(0.5 / 0.58)
    assert kpi.pk


def test_rate_per_active_user_divides_by_distinct_users_in_the_window(acme, usage_account):
    account, as_of = usage_account
    # 7-day window: 18 events, distinct users u1, u2, u3 = 3 → 6 per user; target 6 → achieved
    _usage_kpi(account, "rate_per_active_user", 7, baseline=1, target=6)
    assert outcome_progress_for_accounts(organization=acme, account_ids=[account.pk], as_of=as_of)[account.pk] == 1.0


def test_seat_share_uses_seats_of_running_lines_only(acme, usage_account):
    account, as_of = usage_account
    # 28-day window: u1..u4 = 4 active of 10 running seats = 40 %; target 80 % from 0 → progress 0.5
    _usage_kpi(account, "seat_active_share", 28, event="", baseline=0, target=80)
    result = outcome_progress_for_accounts(organization=acme, account_ids=[account.pk], as_of=as_of)
    assert result[account.pk] == pytest.approx(0.5 / 0.58)


def test_outcome_progress_uses_only_measurements_known_on_the_date(acme):
    # Given a manual KPI 0 → 80 over 100 days from 2026-01-01, measured 40 on day 50 and 80 on day 90
    account = AccountFactory(organization=acme)
    kpi = _usage_kpi(account, "manual", 28, event="", baseline=0, target=80)
    MeasurementFactory(kpi=kpi, measured_on=START + dt.timedelta(days=50), value=40)
    MeasurementFactory(kpi=kpi, measured_on=START + dt.timedelta(days=90), value=80)
    # When replayed on day 60 (progress 0.5, expected 0.6) and on day 95 (achieved)
    day60 = outcome_progress_for_accounts(organization=acme, account_ids=[account.pk], as_of=START + dt.timedelta(days=60))
    day95 = outcome_progress_for_accounts(organization=acme, account_ids=[account.pk], as_of=START + dt.timedelta(days=95))
    # Then
    assert day60[account.pk] == pytest.approx(0.5 / 0.6)
    assert day95[account.pk] == 1.0


def test_outcome_progress_is_none_without_plan_or_measurement_and_averages_kpis(acme, globex):
    no_plan = AccountFactory(organization=acme)
    unmeasured = AccountFactory(organization=acme)
    _usage_kpi(unmeasured, "manual", 28, event="")
    two_kpis = AccountFactory(organization=acme)
    k1 = _usage_kpi(two_kpis, "manual", 28, event="")
    k2 = KpiFactory(goal=k1.goal, baseline=0, target=100, start_date=START, target_date=TARGET_DATE)
    MeasurementFactory(kpi=k1, measured_on=START + dt.timedelta(days=10), value=80)  # achieved → 1
    MeasurementFactory(kpi=k2, measured_on=START + dt.timedelta(days=10), value=10)  # 0.1 at 0.5 → 0.2
    foreign = AccountFactory(organization=globex)

    result = outcome_progress_for_accounts(
        organization=acme, account_ids=[no_plan.pk, unmeasured.pk, two_kpis.pk, foreign.pk], as_of=START + dt.timedelta(days=50)
    )

    assert result[no_plan.pk] is None
    assert result[unmeasured.pk] is None
    assert result[two_kpis.pk] == pytest.approx((1.0 + 0.2) / 2)
    assert result[foreign.pk] is None  # another organization's account is never measured


def test_outcome_progress_costs_a_fixed_number_of_queries(acme, usage_account, django_assert_max_num_queries):
    account, as_of = usage_account
    accounts = [account]
    for i in range(5):
        other = AccountFactory(organization=acme)
        ContractLineFactory(account=other)
        _usage_kpi(other, ["event_count", "rate_per_active_user", "seat_active_share", "manual", "event_count"][i], 7 + i)
        accounts.append(other)
    _usage_kpi(account, "seat_active_share", 28, event="")
    with django_assert_max_num_queries(7):
        outcome_progress_for_accounts(organization=acme, account_ids=[a.pk for a in accounts], as_of=as_of)


def test_within_a_kpi_memo_the_organizations_values_are_computed_once(acme, usage_account, django_assert_num_queries):
    # The nightly run asks for KPI values from every chunk of accounts and for the checkpoints:
    # inside kpi_values_memo the first call computes every KPI of the organization, later calls
    # for any subset read no more, and the values are those computed without the memo.
    account, as_of = usage_account
    other = AccountFactory(organization=acme)
    ContractLineFactory(account=other, seats_licensed=4, start_date=dt.date(2025, 6, 1), end_date=None)
    k1 = _usage_kpi(account, "event_count", 7, baseline=0, target=36)
    k2 = _usage_kpi(other, "seat_active_share", 28, event="", baseline=0, target=80)
    k3 = KpiFactory(
        goal=k1.goal, source="rate_per_active_user", event_name="test_run", window_days=7, baseline=1, target=6, start_date=START, target_date=TARGET_DATE
    )
    kpis = kpi_figures(Kpi.objects.filter(organization=acme))
    account_of = {k.id: k.account_id for k in kpis}
    expected = kpi_values_at(organization=acme, kpis=kpis, account_of=account_of, as_of=as_of)
    assert expected == {k1.pk: 18, k2.pk: 0.0, k3.pk: 6.0}
    with kpi_values_memo():
        first = kpi_values_at(organization=acme, kpis=[k for k in kpis if k.id == k1.pk], account_of=account_of, as_of=as_of)
        with django_assert_num_queries(0):
            rest = kpi_values_at(organization=acme, kpis=[k for k in kpis if k.id != k1.pk], account_of=account_of, as_of=as_of)
        with django_assert_num_queries(1):  # the accounts' KPIs; their values are known
            progress = outcome_progress_for_accounts(organization=acme, account_ids=[other.pk], as_of=as_of)
    assert first | rest == expected
    assert progress == {other.pk: 0.0}  # no active user of the 4 seats
