"""MRR month-end snapshots and movements (accounts.mrr) on hand-computed cases."""

import datetime as dt
from decimal import Decimal as D

from accounts.mrr import LineRow, month_end, month_range, movements_by_month, mrr_by_month, total_mrr_by_month

JAN, FEB, MAR, APR, MAY, JUN = (dt.date(2026, m, 1) for m in range(1, 7))


def test_month_helpers_handle_leap_years_and_year_boundaries():
    assert month_end(dt.date(2028, 2, 1)) == dt.date(2028, 2, 29)
    assert month_range(dt.date(2025, 11, 17), dt.date(2026, 2, 3)) == [dt.date(2025, 11, 1), dt.date(2025, 12, 1), JAN, FEB]


def test_a_line_counts_in_a_month_when_active_on_its_last_day():
    # Given a line starting on the last day of January and ending mid-March
    lines = [LineRow("a", D("100"), start_date=dt.date(2026, 1, 31), end_date=dt.date(2026, 3, 15))]

    # When MRR is snapshotted at month ends
    series = mrr_by_month(lines, first_month=JAN, last_month=APR)

    # Then it counts in January and February only
    assert series == {"a": {JAN: D("100"), FEB: D("100"), MAR: D("0"), APR: D("0")}}


def test_a_line_ending_on_the_last_day_of_a_month_still_counts_in_that_month():
    lines = [LineRow("a", D("50"), start_date=dt.date(2025, 12, 1), end_date=dt.date(2026, 2, 28))]
    assert mrr_by_month(lines, first_month=FEB, last_month=MAR)["a"] == {FEB: D("50"), MAR: D("0")}


def test_a_line_starting_mid_month_first_counts_at_that_month_end():
    lines = [LineRow("a", D("80"), start_date=dt.date(2026, 2, 10))]
    assert mrr_by_month(lines, first_month=JAN, last_month=MAR)["a"] == {JAN: D("0"), FEB: D("80"), MAR: D("80")}


def test_total_mrr_sums_accounts_and_concurrent_lines():
    lines = [
        LineRow("a", D("100"), start_date=dt.date(2026, 1, 1)),
        LineRow("a", D("20.50"), start_date=dt.date(2026, 2, 1), end_date=dt.date(2026, 2, 28)),  # add-on for February
        LineRow("b", D("300"), start_date=dt.date(2026, 2, 15)),
    ]
    assert total_mrr_by_month(lines, first_month=JAN, last_month=MAR) == {JAN: D("100"), FEB: D("420.50"), MAR: D("400")}


def test_movements_classify_new_expansion_contraction_churn_and_reactivation():
    # Given one account's lines, hand-computed month-end MRR:
    #   Jan 100 (new), Feb 150 (expansion +50), Mar 120 (contraction -30),
    #   Apr 0 (churn 120), May 0, Jun 90 (reactivation after months at zero)
    lines = [
        LineRow("a", D("100"), start_date=dt.date(2026, 1, 5), end_date=dt.date(2026, 3, 31)),
        LineRow("a", D("50"), start_date=dt.date(2026, 2, 1), end_date=dt.date(2026, 2, 28)),
        LineRow("a", D("20"), start_date=dt.date(2026, 3, 1), end_date=dt.date(2026, 3, 31)),
        LineRow("a", D("90"), start_date=dt.date(2026, 6, 1)),
    ]

    # When movements are derived
    months = movements_by_month(lines, first_month=JAN, last_month=JUN)

    # Then each month carries exactly the expected movement
    summary = [(m.month, m.starting_mrr, m.new, m.expansion, m.contraction, m.churn, m.reactivation, m.ending_mrr) for m in months]
    assert summary == [
        (JAN, D("0"), D("100"), D("0"), D("0"), D("0"), D("0"), D("100")),
        (FEB, D("100"), D("0"), D("50"), D("0"), D("0"), D("0"), D("150")),
        (MAR, D("150"), D("0"), D("0"), D("30"), D("0"), D("0"), D("120")),
        (APR, D("120"), D("0"), D("0"), D("0"), D("120"), D("0"), D("0")),
        (MAY, D("0"), D("0"), D("0"), D("0"), D("0"), D("0"), D("0")),
        (JUN, D("0"), D("0"), D("0"), D("0"), D("0"), D("90"), D("90")),
    ]
    assert [m.has_movement for m in months] == [True, True, True, True, False, True]


def test_movements_are_summed_across_accounts_with_counts_and_balance():
    # Given in March: a expands 100→160, b contracts 200→150, c churns (80), d is new (40)
    lines = [
        LineRow("a", D("100"), start_date=dt.date(2026, 1, 1)),
        LineRow("a", D("60"), start_date=dt.date(2026, 3, 1)),
        LineRow("b", D("200"), start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 2, 28)),
        LineRow("b", D("150"), start_date=dt.date(2026, 3, 1)),
        LineRow("c", D("80"), start_date=dt.date(2026, 1, 1), end_date=dt.date(2026, 3, 20)),
        LineRow("d", D("40"), start_date=dt.date(2026, 3, 2)),
    ]

    [march] = movements_by_month(lines, first_month=MAR, last_month=MAR)

    assert (march.starting_mrr, march.ending_mrr) == (D("380"), D("350"))
    assert (march.new, march.expansion, march.contraction, march.churn, march.reactivation) == (D("40"), D("60"), D("50"), D("80"), D("0"))
    assert march.counts == {"new": 1, "expansion": 1, "contraction": 1, "churn": 1, "reactivation": 0}
    assert march.starting_mrr + march.net_change == march.ending_mrr


def test_history_before_the_window_makes_a_return_a_reactivation_not_new():
    # Given an account that paid in 2025, left, and came back in February 2026
    lines = [
        LineRow("a", D("70"), start_date=dt.date(2025, 3, 1), end_date=dt.date(2025, 6, 30)),
        LineRow("a", D("75"), start_date=dt.date(2026, 2, 1)),
    ]

    # When only 2026 is asked for
    months = movements_by_month(lines, first_month=JAN, last_month=FEB)

    # Then February is a reactivation (MRR returned after months at zero), never "new"
    assert [(m.month, m.new, m.reactivation) for m in months] == [(JAN, D("0"), D("0")), (FEB, D("0"), D("75"))]


def test_starting_mrr_of_the_first_month_comes_from_the_month_before_the_window():
    lines = [LineRow("a", D("100"), start_date=dt.date(2025, 10, 1))]
    [jan] = movements_by_month(lines, first_month=JAN, last_month=JAN)
    assert (jan.starting_mrr, jan.ending_mrr, jan.has_movement) == (D("100"), D("100"), False)


def test_no_lines_gives_empty_months():
    months = movements_by_month([], first_month=JAN, last_month=MAR)
    assert [(m.month, m.ending_mrr, m.has_movement) for m in months] == [(JAN, D("0"), False), (FEB, D("0"), False), (MAR, D("0"), False)]
