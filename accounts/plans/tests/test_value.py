"""Value totals and ROI on hand-computed data: event drivers, KPI drivers, periods, spend."""

import datetime as dt
from decimal import Decimal

import pytest

from accounts.models import DailyEventCount
from accounts.plans.tests.factories import GoalFactory, KpiFactory, MeasurementFactory, SuccessPlanFactory, ValueDriverFactory
from accounts.plans.value import improvement, spend_in_period, value_totals_for_account, value_totals_for_accounts
from accounts.tests.factories import AccountFactory, ContractLineFactory

START = dt.date(2026, 1, 1)
END = dt.date(2026, 3, 31)  # 90 days


def test_spend_is_mrr_times_months_in_the_period():
    # 1,000/month over 73 days (a fifth of a year) = 1,000 × 73 × 12 / 365 = 2,400
    assert spend_in_period(lines=[(1000, dt.date(2025, 1, 1), None)], start=START, end=START + dt.timedelta(days=72)) == pytest.approx(2400)
    # A line that ended before the period costs nothing; one starting inside counts from its start
    assert spend_in_period(lines=[(500, dt.date(2025, 1, 1), dt.date(2025, 12, 31))], start=START, end=END) == 0
    assert spend_in_period(lines=[(365, dt.date(2026, 3, 2), None)], start=START, end=END) == pytest.approx(365 * 30 * 12 / 365)


def test_improvement_is_signed_towards_the_target_and_never_negative():
    assert improvement(baseline=10, target=50, start_value=None, end_value=30) == 20
    assert improvement(baseline=200, target=50, start_value=None, end_value=120) == 80
    assert improvement(baseline=10, target=50, start_value=None, end_value=5) == 0
    assert improvement(baseline=10, target=50, start_value=20, end_value=35) == 15
    assert improvement(baseline=10, target=50, start_value=None, end_value=None) == 0


@pytest.fixture
def valued_account(acme):
    account = AccountFactory(organization=acme, start_date=START)
    # 1,000 MRR for the whole period (90 days) → spend = 1,000 × 90 × 12 / 365
    ContractLineFactory(account=account, mrr=Decimal("1000.00"), start_date=dt.date(2025, 12, 1), end_date=None)
    for day, count in [(dt.date(2025, 12, 20), 1000), (dt.date(2026, 1, 10), 100), (dt.date(2026, 2, 10), 200), (dt.date(2026, 4, 5), 5000)]:
        DailyEventCount.objects.create(organization=acme, account=account, day=day, event="report_generated", count=count)
    DailyEventCount.objects.create(organization=acme, account=account, day=dt.date(2026, 1, 10), event="login", count=700)
    return account


def test_event_driver_values_occurrences_since_the_account_started(acme, valued_account):
    # Given each report saves 0.25 h at $60/h = $15 per report
    ValueDriverFactory(organization=acme, name="Reports", event_name="report_generated", hours_per_unit=Decimal("0.25"), money_per_hour=Decimal("60"))
    # When totals since start (2026-01-01) to 2026-03-31 are computed
    totals = value_totals_for_account(organization=acme, account=valued_account, end=END)
    # Then only the 300 reports inside the period count (not December's nor April's)
    (line,) = totals.drivers
    assert line.units == 300
    assert line.hours == pytest.approx(75)
    assert totals.money == pytest.approx(4500)
    spend = 1000 * 90 * 12 / 365
    assert totals.spend == pytest.approx(spend)
    assert totals.roi == pytest.approx((4500 - spend) / spend)
    assert totals.value_multiple == pytest.approx(4500 / spend)


def test_totals_for_a_given_period(acme, valued_account):
    ValueDriverFactory(organization=acme, name="Reports", event_name="report_generated")
    ValueDriverFactory(
        organization=acme, name="Logins worth $2", event_name="login", kind="revenue", hours_per_unit=None, money_per_hour=None, money_per_unit=Decimal("2")
    )
    totals = value_totals_for_account(organization=acme, account=valued_account, start=dt.date(2026, 2, 1), end=dt.date(2026, 2, 28))
    by_name = {d.name: d for d in totals.drivers}
    assert by_name["Reports"].units == 200
    assert by_name["Logins worth $2"].units == 0
    assert totals.money == pytest.approx(200 * 15)
    assert totals.spend == pytest.approx(1000 * 28 * 12 / 365)


def test_kpi_driver_values_the_improvement_of_kpis_with_its_name(acme, valued_account):
    # Given a KPI "Test cases automated" 100 → 500 measured at 300 on 2026-02-01 and 400 on 2026-03-01
    plan = SuccessPlanFactory(account=valued_account, start_date=START)
    kpi = KpiFactory(goal=GoalFactory(plan=plan), name="Test cases automated", baseline=100, target=500, start_date=START, target_date=END)
    MeasurementFactory(kpi=kpi, measured_on=dt.date(2026, 2, 1), value=300)
    MeasurementFactory(kpi=kpi, measured_on=dt.date(2026, 3, 1), value=400)
    # And each automated test case saves 2 hours at $50/h
    ValueDriverFactory(
        organization=acme,
        name="Automation",
        basis="kpi",
        event_name="",
        kpi_name="test cases AUTOMATED",
        hours_per_unit=Decimal("2"),
        money_per_hour=Decimal("50"),
    )
    # When: since start, units = 400 − 100 = 300; February only: 400 − 300 = 100
    since_start = value_totals_for_account(organization=acme, account=valued_account, end=END)
    february = value_totals_for_account(organization=acme, account=valued_account, start=dt.date(2026, 2, 2), end=dt.date(2026, 3, 31))
    # Then
    assert since_start.drivers[0].units == 300
    assert since_start.money == pytest.approx(300 * 2 * 50)
    assert february.drivers[0].units == 100


def test_set_based_totals_for_many_accounts_in_fixed_queries(acme, globex, valued_account, django_assert_max_num_queries):
    ValueDriverFactory(organization=acme, name="Reports", event_name="report_generated")
    ValueDriverFactory(organization=acme, name="Automation", basis="kpi", event_name="", kpi_name="Test cases automated")
    others = [AccountFactory(organization=acme, start_date=START) for _ in range(5)]
    for other in others:
        ContractLineFactory(account=other, start_date=START)
        DailyEventCount.objects.create(organization=acme, account=other, day=dt.date(2026, 1, 5), event="report_generated", count=4)
    foreign = AccountFactory(organization=globex)
    ids = [valued_account.pk, *[o.pk for o in others], foreign.pk]
    with django_assert_max_num_queries(6):
        totals = value_totals_for_accounts(organization=acme, account_ids=ids, end=END)
    reports = {account_id: next(d for d in t.drivers if d.name == "Reports") for account_id, t in totals.items()}
    assert reports[valued_account.pk].units == 300
    assert all(reports[o.pk].units == 4 for o in others)
    assert foreign.pk not in totals


def test_no_spend_means_no_roi(acme):
    account = AccountFactory(organization=acme, start_date=START)
    totals = value_totals_for_account(organization=acme, account=account, end=END)
    assert totals.spend == 0
    assert totals.roi is None
    assert not totals.has_value
