"""Revenue KPIs (dashboards.kpis.revenue) on hand-computed data; the arithmetic is in the comments."""

import datetime as dt
from decimal import Decimal as D

import pytest

from accounts.mrr import LineRow
from dashboards import kpis
from dashboards.kpis import DowngradeOutcome, RenewalOutcome

JAN, FEB, MAR, APR, MAY, JUN, JUL = (dt.date(2026, m, 1) for m in range(1, 8))


def _lines():
    return [
        LineRow("a", D("100"), start_date=JAN),
        LineRow("a", D("20.50"), start_date=FEB, end_date=dt.date(2026, 2, 28)),  # add-on for February
        LineRow("b", D("300"), start_date=dt.date(2026, 2, 15), end_date=dt.date(2026, 3, 10)),
        LineRow("c", D("0"), start_date=JAN),  # a free plan: running, but not paying
    ]


def test_mrr_sums_the_lines_running_on_the_day_including_their_last_day():
    lines = _lines()
    # 20 Feb: a 100 + a's add-on 20.50 + b 300 = 420.50
    assert kpis.monthly_recurring_revenue(lines, on=dt.date(2026, 2, 20)) == D("420.50")
    # 10 Mar is b's last day of service: 100 + 300 = 400; on 11 Mar only a's 100 is left
    assert kpis.monthly_recurring_revenue(lines, on=dt.date(2026, 3, 10)) == D("400")
    assert kpis.monthly_recurring_revenue(lines, on=dt.date(2026, 3, 11)) == D("100")


def test_mrr_of_no_running_line_is_zero_dollars():
    assert kpis.monthly_recurring_revenue([], on=JAN) == D("0")
    assert kpis.monthly_recurring_revenue(_lines(), on=dt.date(2025, 12, 31)) == D("0")


def test_arr_is_twelve_times_mrr_and_stays_decimal():
    # 420.50 × 12 = 5,046.00
    arr = kpis.annual_recurring_revenue(mrr=D("420.50"))
    assert arr == D("5046.00")
    assert isinstance(arr, D)


def test_mrr_by_account_leaves_out_accounts_that_pay_nothing():
    assert kpis.mrr_by_account_on(_lines(), on=dt.date(2026, 2, 20)) == {"a": D("120.50"), "b": D("300")}


def test_arpa_divides_total_mrr_by_paying_accounts_rounded_to_the_cent():
    # 420.50 / 2 = 210.25; 100 / 3 = 33.333… → 33.33
    assert kpis.average_revenue_per_account(total_mrr=D("420.50"), paying_accounts=2) == D("210.25")
    assert kpis.average_revenue_per_account(total_mrr=D("100"), paying_accounts=3) == D("33.33")
    assert kpis.average_revenue_per_account(total_mrr=D("0"), paying_accounts=0) is None


def _movement_lines():
    # Month-end MRR, hand-computed:
    #   a: Jan 100 (new), Feb 150 (expansion +50), Mar 120 (contraction −30), Apr 0 (churn 120), May 90 (reactivation)
    #   b: Feb 200 (new), then 200 every month
    return [
        LineRow("a", D("100"), start_date=dt.date(2026, 1, 5), end_date=dt.date(2026, 3, 31)),
        LineRow("a", D("50"), start_date=FEB, end_date=dt.date(2026, 2, 28)),
        LineRow("a", D("20"), start_date=MAR, end_date=dt.date(2026, 3, 31)),
        LineRow("a", D("90"), start_date=MAY),
        LineRow("b", D("200"), start_date=dt.date(2026, 2, 3)),
    ]


def test_movement_kpis_sum_the_months_they_are_given():
    months = kpis.mrr_movements(_movement_lines(), first_month=JAN, last_month=MAY)
    by_month = {m.month: m for m in months}

    # new: a 100 in January + b 200 in February = 300
    assert kpis.new_mrr(months) == D("300")
    assert kpis.new_mrr(by_month[FEB]) == D("200")
    assert kpis.expansion_mrr(months) == D("50")
    assert kpis.contraction_mrr(months) == D("30")
    assert kpis.churned_mrr(months) == D("120")
    assert kpis.reactivation_mrr(months) == D("90")
    # net new = 300 + 50 − 30 − 120 + 90 = 290 = May-end MRR (a 90 + b 200) − MRR before January (0)
    assert kpis.net_new_mrr(months) == D("290")
    # April alone: a churns 120, b unchanged → −120
    assert kpis.net_new_mrr(by_month[APR]) == D("-120")


def test_movement_kpis_of_no_month_are_zero_dollars():
    assert kpis.new_mrr([]) == D("0")
    assert kpis.expansion_revenue([]) == D("0")


def _cohort():
    # Start: a 100, b 200, c 50 (d pays nothing, so it is not in the cohort)
    # End:   a 130 (+30 expansion), b 150 (−50 contraction), c 0 (churn), e 500 (new: ignored)
    starting = {"a": D("100"), "b": D("200"), "c": D("50"), "d": D("0")}
    ending = {"a": D("130"), "b": D("150"), "e": D("500")}
    return kpis.revenue_cohort(starting=starting, ending=ending, start=JAN, end=JUL)


def test_revenue_cohort_follows_only_the_accounts_paying_at_the_start():
    cohort = _cohort()
    assert cohort.accounts == 3
    assert cohort.starting_mrr == D("350")  # 100 + 200 + 50
    assert cohort.ending_mrr == D("280")  # 130 + 150 + 0; e's 500 is not counted
    assert cohort.retained_mrr == D("250")  # min(130,100) + min(150,200) + min(0,50) = 100 + 150 + 0
    assert (cohort.churned_accounts, cohort.downgraded_accounts) == (1, 1)
    assert (cohort.expansion, cohort.contraction, cohort.churn) == (D("30"), D("50"), D("50"))


def test_nrr_grr_and_churn_over_a_fixed_starting_cohort():
    cohort = _cohort()
    assert kpis.net_revenue_retention(cohort) == pytest.approx(280 / 350)  # 0.8
    assert kpis.gross_revenue_retention(cohort) == pytest.approx(250 / 350)  # 0.714…
    assert kpis.revenue_churn_rate(cohort) == pytest.approx(100 / 350)  # (50 churn + 50 contraction) / 350
    assert kpis.customer_churn_rate(cohort) == pytest.approx(1 / 3)  # c of a, b, c
    assert kpis.downgrade_rate(cohort) == pytest.approx(1 / 3)  # b of a, b, c


def test_nrr_exceeds_one_when_expansion_outweighs_losses_but_grr_never_does():
    # a 100 → 300 (+200), b 100 → 50 (−50): NRR = 350 / 200 = 1.75; GRR = (100 + 50) / 200 = 0.75
    cohort = kpis.revenue_cohort(starting={"a": D("100"), "b": D("100")}, ending={"a": D("300"), "b": D("50")}, start=JAN, end=JUL)
    assert kpis.net_revenue_retention(cohort) == pytest.approx(1.75)
    assert kpis.gross_revenue_retention(cohort) == pytest.approx(0.75)


def test_cohort_kpis_of_an_empty_cohort_are_none():
    empty = kpis.revenue_cohort(starting={"d": D("0")}, ending={"d": D("100")}, start=JAN, end=JUL)
    for kpi in (kpis.net_revenue_retention, kpis.gross_revenue_retention, kpis.revenue_churn_rate, kpis.customer_churn_rate, kpis.downgrade_rate):
        assert kpi(empty) is None


def test_revenue_cohort_from_lines_snapshots_both_days():
    # 20 Feb: a 120.50, b 300; 11 Mar: a 100, b 0 → NRR = 100 / 420.50; b churned
    cohort = kpis.revenue_cohort_from_lines(_lines(), start=dt.date(2026, 2, 20), end=dt.date(2026, 3, 11))
    assert (cohort.accounts, cohort.starting_mrr, cohort.ending_mrr, cohort.churned_accounts) == (2, D("420.50"), D("100"), 1)
    assert kpis.net_revenue_retention(cohort) == pytest.approx(100 / 420.50)


def test_downgrade_to_churn_counts_first_downgrades_whose_follow_up_window_has_passed():
    months = [dt.date(2026, m, 1) for m in range(1, 13)]

    def series(*amounts):
        return dict(zip(months, [D(a) for a in amounts], strict=True))

    mrr = {
        # a: downgrade in Feb (100 → 60), zero in Apr: churned within 3 months → converted
        "a": series(100, 60, 60, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        # b: downgrade in Feb, keeps paying 80 → not converted
        "b": series(100, 80, 80, 80, 80, 80, 80, 80, 80, 80, 80, 80),
        # c: downgrade in Nov: Nov + 3 months = Feb, past the last month (Dec) → too recent, left out
        "c": series(100, 100, 100, 100, 100, 100, 100, 100, 100, 100, 50, 50),
        # d: churns without ever downgrading → not a downgrade
        "d": series(100, 100, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0),
        # e: downgrade in Feb, churn in Jul (5 months later, outside the 3-month window) → not converted
        "e": series(100, 50, 50, 50, 50, 50, 0, 0, 0, 0, 0, 0),
        # f: downgrades twice (Mar, then May) then churns in Oct: only the first downgrade (Mar) counts
        "f": series(100, 100, 80, 80, 60, 60, 60, 60, 60, 0, 0, 0),
    }
    outcomes = {o.account_id: o for o in kpis.downgrade_outcomes(mrr, within_months=3)}

    assert set(outcomes) == {"a", "b", "e", "f"}
    assert outcomes["a"] == DowngradeOutcome("a", FEB, churned=True)
    assert outcomes["f"] == DowngradeOutcome("f", MAR, churned=False)
    # converted: a of a, b, e, f = 1 / 4
    assert kpis.downgrade_to_churn_conversion(outcomes.values()) == pytest.approx(0.25)


def test_downgrade_to_churn_without_downgrades_is_none():
    assert kpis.downgrade_to_churn_conversion([]) is None


def test_renewal_rate_counts_each_account_renewal_date_once():
    outcomes = [
        RenewalOutcome("a", MAR, renewed=True),
        RenewalOutcome("a", MAR, renewed=True),  # a second line of a due the same day
        RenewalOutcome("b", APR, renewed=False),
        RenewalOutcome("c", MAY, renewed=True),
    ]
    # renewed a, c of a, b, c = 2 / 3
    assert kpis.renewal_rate(outcomes) == pytest.approx(2 / 3)
    assert kpis.renewal_rate([]) is None


def test_expansion_revenue_growth_compares_to_the_previous_period():
    # (150 − 100) / 100 = +50 %; (50 − 100) / 100 = −50 %
    assert kpis.expansion_revenue_growth(current=D("150"), previous=D("100")) == pytest.approx(0.5)
    assert kpis.expansion_revenue_growth(current=D("50"), previous=D("100")) == pytest.approx(-0.5)
    assert kpis.expansion_revenue_growth(current=D("50"), previous=D("0")) is None


def test_expansion_revenue_accepts_monthly_cohorts_as_well_as_movements():
    january = kpis.revenue_cohort(starting={"a": D("100")}, ending={"a": D("130")}, start=dt.date(2025, 12, 31), end=dt.date(2026, 1, 31))
    february = kpis.revenue_cohort(starting={"a": D("130")}, ending={"a": D("140.25")}, start=dt.date(2026, 1, 31), end=dt.date(2026, 2, 28))
    # 30 + 10.25 = 40.25
    assert kpis.expansion_revenue([january, february]) == D("40.25")


def test_lifespan_is_the_churn_period_divided_by_the_churn_rate():
    # 12 months / 20 % = 60 months; 1 month / 2.5 % = 40 months
    assert kpis.average_customer_lifespan(churn_rate=0.2, period_months=12) == pytest.approx(60)
    assert kpis.average_customer_lifespan(churn_rate=0.025, period_months=1) == pytest.approx(40)
    assert kpis.average_customer_lifespan(churn_rate=0.0, period_months=12) is None
    assert kpis.average_customer_lifespan(churn_rate=None, period_months=12) is None


def test_ltv_is_arpa_times_margin_times_lifespan_in_decimal():
    # 210.25 × 60 = 12,615.00; × 80 % margin = 10,092.00
    assert kpis.customer_lifetime_value(arpa=D("210.25"), lifespan_months=60.0) == D("12615.00")
    assert kpis.customer_lifetime_value(arpa=D("210.25"), lifespan_months=60.0, gross_margin=D("0.8")) == D("10092.00")
    # 33.33 × 40 / 3 months (13.333…) = 444.40
    assert kpis.customer_lifetime_value(arpa=D("33.33"), lifespan_months=40 / 3) == D("444.40")
    assert kpis.customer_lifetime_value(arpa=None, lifespan_months=60.0) is None
    assert kpis.customer_lifetime_value(arpa=D("210.25"), lifespan_months=None) is None
