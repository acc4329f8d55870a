"""KPI selectors (dashboards.kpi_selectors) on small database fixtures with hand-computed results.

Every fixture also gives Globex data that would change the figures if it leaked into Acme's.
"""

import datetime as dt
from decimal import Decimal as D

import pytest

from accounts.models import Account, DailyActiveUser, DailyEventCount
from accounts.mrr import month_range, movements_by_month
from accounts.plans.models import ValueDriver
from accounts.plans.tests.factories import MilestoneFactory, SuccessPlanFactory
from accounts.selectors import contract_line_rows
from accounts.tests.factories import AccountFactory, ContractLineFactory, SurveyAnswerFactory
from dashboards import kpi_selectors as sel
from dashboards import kpis
from retention.rls import tenant_context

pytestmark = pytest.mark.django_db

d = dt.date
START, END = d(2026, 1, 31), d(2026, 6, 30)


def _line(account, mrr, start, end=None, renewal=None):
    return ContractLineFactory(organization=account.organization, account=account, mrr=D(mrr), start_date=start, end_date=end, renewal_date=renewal)


@pytest.fixture
def revenue_book(acme, globex):
    """Acme's accounts, month-end MRR hand-computed:

    A: 100 since Jun 2025, +30 add-on from 1 Mar 2026        → 31 Jan 100, 30 Jun 130 (expansion)
    B: 200 until 30 Apr 2026, then 150 from 1 May            → 200 → 150 (contraction, renewal on 1 May kept)
    C: 50 until 15 May 2026 (renewal due 16 May, not kept)   → 50 → 0 (churn)
    D: a free line                                           → never paying
    E: 500 from 1 Mar 2026                                   → new, not in the January cohort
    """
    a, b, c, d_, e = (AccountFactory(organization=acme, name=name) for name in "ABCDE")
    _line(a, "100", d(2025, 6, 1), renewal=d(2026, 6, 1))
    _line(a, "30", d(2026, 3, 1))
    _line(b, "200", d(2025, 1, 1), end=d(2026, 4, 30), renewal=d(2026, 5, 1))
    _line(b, "150", d(2026, 5, 1), renewal=d(2027, 5, 1))
    _line(c, "50", d(2025, 10, 1), end=d(2026, 5, 15), renewal=d(2026, 5, 16))
    _line(d_, "0", d(2025, 1, 1))
    _line(e, "500", d(2026, 3, 1), renewal=d(2027, 3, 1))
    other = AccountFactory(organization=globex)
    _line(other, "1000", d(2025, 1, 1), end=d(2026, 2, 28), renewal=d(2026, 3, 1))
    return {"A": a, "B": b, "C": c, "D": d_, "E": e}


def test_mrr_selectors_sum_only_the_organizations_running_lines(acme, revenue_book, django_assert_num_queries):
    with django_assert_num_queries(2):
        total = sel.mrr_on(organization=acme, on=END)
        per_account = sel.mrr_by_account_on(organization=acme, on=END)
    # 130 (A) + 150 (B) + 0 (C) + 0 (D) + 500 (E) = 780; Globex's 1000 ended in February anyway
    assert total == D("780.00")
    assert per_account == {revenue_book["A"].pk: D("130.00"), revenue_book["B"].pk: D("150.00"), revenue_book["E"].pk: D("500.00")}


def test_revenue_cohort_follows_the_accounts_paying_at_the_start_in_one_query(acme, revenue_book, django_assert_num_queries):
    with django_assert_num_queries(1):
        cohort = sel.revenue_cohort(organization=acme, start=START, end=END)

    # cohort A 100, B 200, C 50 (Globex's 1000 on 31 Jan must not be in it); E is new
    assert (cohort.accounts, cohort.starting_mrr, cohort.ending_mrr, cohort.retained_mrr) == (3, D("350"), D("280"), D("250"))
    assert (cohort.churned_accounts, cohort.downgraded_accounts) == (1, 1)
    assert (cohort.expansion, cohort.contraction, cohort.churn) == (D("30"), D("50"), D("50"))
    assert kpis.net_revenue_retention(cohort) == pytest.approx(0.8)  # 280 / 350
    assert kpis.gross_revenue_retention(cohort) == pytest.approx(250 / 350)


def test_revenue_cohort_in_sql_matches_the_pure_function_over_the_same_lines(acme, revenue_book):
    lines = contract_line_rows(organization=acme)
    for start, end in [(START, END), (d(2026, 2, 28), d(2026, 3, 31)), (d(2026, 4, 30), d(2026, 5, 31)), (d(2026, 5, 15), d(2026, 5, 16))]:
        assert sel.revenue_cohort(organization=acme, start=start, end=end) == kpis.revenue_cohort_from_lines(lines, start=start, end=end)


def test_monthly_cohorts_give_the_same_expansion_contraction_and_churn_as_the_mrr_movements(acme, revenue_book, django_assert_num_queries):
    months = month_range(d(2026, 2, 1), d(2026, 6, 1))
    with django_assert_num_queries(1):
        cohorts = sel.monthly_cohorts(organization=acme, months=months)
    movements = movements_by_month(contract_line_rows(organization=acme), first_month=months[0], last_month=months[-1])

    for cohort, month in zip(cohorts, movements, strict=True):
        assert (cohort.expansion, cohort.contraction, cohort.churn) == (month.expansion, month.contraction, month.churn)
    # March: A +30; May: B −50, C −50 (C's last day is 15 May)
    assert kpis.expansion_revenue(cohorts) == D("30")
    assert [c.contraction for c in cohorts] == [0, 0, 0, D("50"), 0]
    assert [c.churn for c in cohorts] == [0, 0, 0, D("50"), 0]


def test_mrr_movements_selector_reuses_accounts_mrr(acme, revenue_book, django_assert_num_queries):
    with django_assert_num_queries(1):
        months = sel.mrr_movements(organization=acme, first_month=d(2026, 3, 1), last_month=d(2026, 3, 1))
    # March: A +30 expansion, E 500 new
    assert (months[0].expansion, months[0].new) == (D("30"), D("500"))


def test_downgrade_outcomes_return_downgraded_accounts_only(acme, revenue_book, django_assert_num_queries):
    # F: 300 until end of Feb, 100 in March, nothing from April → downgrade in March, churn in April
    f = AccountFactory(organization=acme, name="F")
    _line(f, "300", d(2025, 1, 1), end=d(2026, 2, 28))
    _line(f, "100", d(2026, 3, 1), end=d(2026, 3, 31))

    with django_assert_num_queries(1):
        outcomes = sel.downgrade_outcomes(organization=acme, last_month=d(2026, 6, 1), months=12, within_months=1)

    # B downgrades in May (200 → 150) and still pays in June; F converts. 1 / 2
    assert sorted((o.account_id, o.downgraded_in, o.churned) for o in outcomes) == sorted(
        [(revenue_book["B"].pk, d(2026, 5, 1), False), (f.pk, d(2026, 3, 1), True)]
    )
    assert kpis.downgrade_to_churn_conversion(outcomes) == pytest.approx(0.5)


def test_renewal_outcomes_check_a_paying_line_runs_on_the_renewal_date(acme, revenue_book, django_assert_num_queries):
    with django_assert_num_queries(1):
        outcomes = sel.renewal_outcomes(organization=acme, start=d(2026, 1, 1), end=END)

    # due: B 1 May (150 runs from 1 May: renewed), C 16 May (ended 15 May: lost), A 1 Jun (running: renewed)
    # Globex's renewal on 1 Mar must not appear; E's is in 2027.
    assert sorted((o.account_id, o.renewal_date, o.renewed) for o in outcomes) == sorted(
        [(revenue_book["B"].pk, d(2026, 5, 1), True), (revenue_book["C"].pk, d(2026, 5, 16), False), (revenue_book["A"].pk, d(2026, 6, 1), True)]
    )
    assert kpis.renewal_rate(outcomes) == pytest.approx(2 / 3)


def _at(day):
    return dt.datetime.combine(day, dt.time(12), tzinfo=dt.UTC)


def test_survey_score_counts_feed_nps_and_csat(acme, globex, django_assert_num_queries):
    a = AccountFactory(organization=acme)
    for score in (10, 9, 6, 8):
        SurveyAnswerFactory(organization=acme, account=a, kind="nps", score=score, answered_at=_at(d(2026, 6, 1)))
    SurveyAnswerFactory(organization=acme, account=a, kind="nps", score=0, answered_at=_at(d(2025, 6, 1)))  # too old
    SurveyAnswerFactory(organization=globex, account=AccountFactory(organization=globex), kind="nps", score=0, answered_at=_at(d(2026, 6, 1)))
    SurveyAnswerFactory(organization=acme, account=a, kind="csat", score=5, answered_at=_at(d(2026, 6, 2)))
    SurveyAnswerFactory(organization=acme, account=a, kind="csat", score=2, answered_at=_at(d(2026, 6, 2)))
    since, until = _at(d(2026, 4, 1)), _at(d(2026, 7, 1))

    with django_assert_num_queries(2):
        nps_counts = sel.survey_score_counts(organization=acme, kind="nps", since=since, until=until)
        csat_counts = sel.survey_score_counts(organization=acme, kind="csat", since=since, until=until)

    # promoters 10, 9; detractor 6; passive 8: (2 − 1) / 4 × 100 = +25
    assert kpis.net_promoter_score(nps_counts.elements()) == pytest.approx(25)
    # satisfied 5 of 5, 2 → 1 / 2
    assert kpis.customer_satisfaction(csat_counts.elements()) == pytest.approx(0.5)


AS_OF = d(2026, 3, 31)


def _active(account, user, *days):
    DailyActiveUser.objects.bulk_create([DailyActiveUser(organization=account.organization, account=account, user_external_id=user, day=day) for day in days])


def test_active_user_counts_from_the_rollup(acme, globex, django_assert_num_queries):
    a, b = AccountFactory(organization=acme), AccountFactory(organization=acme)
    _active(a, "u1", d(2026, 3, 31), d(2026, 3, 30), d(2026, 3, 29))
    _active(a, "u2", d(2026, 3, 31), d(2026, 3, 10))
    _active(b, "u1", d(2026, 3, 2))  # another account's "u1" is another person
    _active(b, "u4", d(2026, 3, 1))  # before the 30-day window
    _active(AccountFactory(organization=globex), "g1", *(AS_OF - dt.timedelta(days=n) for n in range(30)))

    with django_assert_num_queries(2):
        counts = sel.active_user_counts(organization=acme, as_of=AS_OF)

    # Same figures as the pure example: daily user-days 6, WAU {a:u1, a:u2}, MAU {a:u1, a:u2, b:u1}
    assert counts == kpis.active_user_counts(
        [
            ("a:u1", d(2026, 3, 31)),
            ("a:u1", d(2026, 3, 30)),
            ("a:u1", d(2026, 3, 29)),
            ("a:u2", d(2026, 3, 31)),
            ("a:u2", d(2026, 3, 10)),
            ("b:u1", d(2026, 3, 2)),
        ],
        as_of=AS_OF,
    )
    assert (counts.weekly_active, counts.monthly_active) == (2, 3)
    assert kpis.dau_mau(counts) == pytest.approx(0.2 / 3)
    # one account only: b has one monthly user active on one day → DAU/MAU = (1 / 30) / 1
    assert kpis.dau_mau(sel.active_user_counts(organization=acme, as_of=AS_OF, account_id=b.pk)) == pytest.approx(1 / 30)


def test_cohort_retention_in_sql_matches_the_hand_computed_cohort(acme, globex, django_assert_num_queries):
    a, b = AccountFactory(organization=acme), AccountFactory(organization=acme)
    j, f = (lambda n: d(2026, 1, n)), (lambda n: d(2026, 2, n))
    _active(a, "u1", j(1), j(8), f(5))  # d7 and d30
    _active(a, "u2", j(1), j(15), j(31))  # d30 only
    _active(b, "u3", j(2), f(1))  # d30 only
    _active(b, "u6", j(3), j(16), f(9))  # d7 only (day 13); day 37 is too late for d30
    _active(b, "u4", d(2026, 3, 28), d(2026, 3, 29))  # too recent for either
    _active(a, "u5", d(2025, 12, 20), j(1), j(8))  # first active before the cohort
    _active(AccountFactory(organization=globex), "u1", j(1), j(2))  # Globex: not retained, must not count

    with django_assert_num_queries(2):
        d7 = sel.cohort_retention(organization=acme, day=7, as_of=AS_OF, cohort_start=j(1), cohort_end=AS_OF)
        d30 = sel.cohort_retention(organization=acme, day=30, as_of=AS_OF, cohort_start=j(1), cohort_end=AS_OF)

    assert d7 == kpis.CohortRetention(day=7, eligible=4, retained=2)
    assert d30 == kpis.CohortRetention(day=30, eligible=4, retained=3)


def test_cohort_retention_of_a_cohort_too_recent_to_measure_is_empty_without_a_query(acme, django_assert_num_queries):
    with django_assert_num_queries(0):
        retention = sel.cohort_retention(organization=acme, day=30, as_of=AS_OF, cohort_start=d(2026, 3, 1), cohort_end=AS_OF)
    assert kpis.day_30_retention(retention) is None


def _events(account, event, *day_counts):
    DailyEventCount.objects.bulk_create(
        [DailyEventCount(organization=account.organization, account=account, event=event, day=day, count=n) for day, n in day_counts]
    )


def test_feature_adoption_per_event_among_active_accounts(acme, globex, django_assert_num_queries):
    a, b, c, d_, e = (AccountFactory(organization=acme) for _ in range(5))
    _events(a, "report", (d(2026, 3, 30), 1))
    _events(b, "login", (d(2026, 3, 20), 3))
    _events(c, "report", (d(2026, 2, 1), 1))  # outside the 30 days
    _events(c, "login", (d(2026, 3, 31), 1))
    _events(d_, "report", (d(2026, 3, 3), 2))
    _events(e, "report", (d(2026, 3, 1), 1))  # outside the 30 days: e is not active
    _events(AccountFactory(organization=globex), "report", (d(2026, 3, 30), 1))

    with django_assert_num_queries(2):
        adoption = sel.feature_adoption(organization=acme, as_of=AS_OF)

    # active a, b, c, d (4): report a, d → 0.5; login b, c → 0.5
    assert adoption == {"login": pytest.approx(0.5), "report": pytest.approx(0.5)}
    assert sel.feature_adoption(organization=acme, as_of=AS_OF, events=["export"]) == {"export": 0.0}


def test_first_value_delays_from_account_start_to_first_value_event(acme, globex, django_assert_num_queries):
    a = AccountFactory(organization=acme, start_date=d(2026, 1, 1))
    b = AccountFactory(organization=acme, start_date=d(2026, 1, 10))
    c = AccountFactory(organization=acme, start_date=d(2026, 2, 1))
    AccountFactory(organization=acme, start_date=d(2026, 3, 1))  # no value yet
    no_start = AccountFactory(organization=acme, start_date=None)
    _events(a, "report", (d(2026, 1, 15), 1), (d(2026, 1, 20), 1))
    _events(a, "login", (d(2026, 1, 2), 1))  # not a value event
    _events(b, "dashboard", (d(2026, 1, 13), 1))
    _events(c, "report", (d(2026, 1, 25), 1))  # during a trial, before the start date
    _events(no_start, "report", (d(2026, 1, 5), 1))
    _events(AccountFactory(organization=globex, start_date=d(2026, 1, 1)), "report", (d(2026, 6, 1), 1))

    with django_assert_num_queries(1):
        delays, without_value = sel.first_value_delays(organization=acme, value_events=["report", "dashboard"])

    # a 14 days, b 3 days, c 0 (trial); one started account without value yet → median 3 days
    assert (sorted(delays), without_value) == ([0, 3, 14], 1)
    assert kpis.time_to_first_value(delays) == 3


def test_first_repeat_gaps_from_the_first_two_days_with_the_action(acme, globex, django_assert_num_queries):
    a, b, c, d_ = (AccountFactory(organization=acme) for _ in range(4))
    _events(a, "report", (d(2026, 1, 1), 1), (d(2026, 1, 5), 2), (d(2026, 1, 9), 1))  # 4 days
    _events(b, "report", (d(2026, 1, 3), 1))
    _events(b, "export", (d(2026, 1, 3), 1))  # two key actions the same day → 0
    _events(c, "report", (d(2026, 1, 7), 1))  # only once
    _events(d_, "report", (d(2026, 1, 2), 1), (d(2026, 1, 12), 1))  # 10 days
    _events(d_, "login", (d(2026, 1, 3), 5))  # not a key action
    _events(AccountFactory(organization=globex), "report", (d(2026, 1, 1), 1), (d(2026, 3, 1), 1))

    with django_assert_num_queries(1):
        gaps = sel.first_repeat_gaps(organization=acme, events=["report", "export"])

    assert sorted(gaps) == [0, 4, 10]
    assert kpis.time_to_first_repeat_action(gaps) == 4


def _milestones(account, *statuses, onboarding=True):
    plan = SuccessPlanFactory(organization=account.organization, account=account)
    for status in statuses:
        MilestoneFactory(
            organization=account.organization, plan=plan, status=status, completed_on=d(2026, 1, 10) if status == "done" else None, is_onboarding=onboarding
        )


def test_activation_milestone_progress_counts_onboarding_milestones_per_account(acme, globex, django_assert_num_queries):
    a, b, c, d_ = (AccountFactory(organization=acme) for _ in range(4))
    _milestones(a, "done", "done")
    _milestones(b, "done", "in_progress")
    _milestones(c, "not_started", onboarding=False)  # not an activation milestone: c is left out
    _milestones(d_, "done")
    _milestones(AccountFactory(organization=globex), "blocked")

    with django_assert_num_queries(1):
        progress = sel.activation_milestone_progress(organization=acme)

    assert sorted(progress) == [(1, 1), (1, 2), (2, 2)]
    # all done: a, d of a, b, d → 2 / 3
    assert kpis.activation_milestone_completion(progress) == pytest.approx(2 / 3)


def test_value_event_names_come_from_active_event_value_drivers(acme, globex):
    ValueDriver.objects.create(organization=acme, name="Reports", event_name="report", hours_per_unit=D("0.25"), money_per_hour=D("60"))
    ValueDriver.objects.create(organization=acme, name="Old", event_name="legacy_export", is_active=False, money_per_unit=D("1"))
    ValueDriver.objects.create(organization=acme, name="Pipeline", basis="kpi", kpi_name="Pipeline", event_name="", money_per_unit=D("1"))
    ValueDriver.objects.create(organization=globex, name="Theirs", event_name="globex_event", money_per_unit=D("1"))

    assert sel.value_event_names(organization=acme) == ["report"]


def test_without_value_events_time_to_first_value_has_no_input_and_runs_no_query(acme, django_assert_num_queries):
    with django_assert_num_queries(0):
        assert sel.first_value_delays(organization=acme, value_events=[]) == ([], 0)
        assert sel.first_repeat_gaps(organization=acme, events=[]) == []


def test_kpi_overview_gives_the_headline_with_definitions_in_a_fixed_number_of_queries(acme, revenue_book, django_assert_num_queries):
    a, b = revenue_book["A"], revenue_book["B"]
    SurveyAnswerFactory(organization=acme, account=a, kind="nps", score=10, answered_at=_at(d(2026, 6, 20)))
    _milestones(a, "done")
    _milestones(b, "done", "blocked")

    # under row-level security, as a request or task would run it
    with tenant_context(acme.pk), django_assert_num_queries(6):
        overview = sel.kpi_overview(organization=acme, as_of=END)

    figures = {figure.key: figure for figure in overview}
    assert figures["mrr"].value == D("780.00")
    assert figures["arr"].display == "$9,360"  # 780 × 12
    # the year's cohort: paying on 30 Jun 2025 = A 100, B 200 (C and E started later) → A 130, B 150
    assert figures["nrr"].value == pytest.approx(280 / 300)
    assert figures["nrr"].display == "93.3 %"
    assert figures["customer_churn_rate"].value == 0
    assert figures["customer_lifespan"].value is None  # no churn: unbounded lifespan
    assert figures["ltv"].display == "—"
    # renewals from 1 Jul 2025 to 30 Jun 2026: B kept, C lost, A kept → 2 / 3
    assert figures["renewal_rate"].value == pytest.approx(2 / 3)
    # last 3 complete months Mar–May: A's add-on +30 in March; Dec–Feb had none → growth from zero is undefined
    assert (figures["expansion_revenue"].value, figures["expansion_revenue_growth"].value) == (D("30"), None)
    assert figures["expansion_revenue_growth"].display == "—"
    assert figures["nps"].display == "+100"
    assert figures["activation_milestones"].display == "50.0 %"  # A done; B 1 of 2
    assert figures["nrr"].help_text.startswith("Net revenue retention:")
    assert all(figure.period for figure in overview)
    # usage KPIs are not in the page's own request unless asked for
    assert "dau_mau" not in figures


def test_usage_overview_reads_the_rollups_and_the_value_drivers(acme, revenue_book, django_assert_num_queries):
    a, b = revenue_book["A"], revenue_book["B"]
    _active(a, "u1", d(2026, 6, 30), d(2026, 6, 29))
    _active(b, "u1", d(2026, 6, 30))
    ValueDriver.objects.create(organization=acme, name="Reports", event_name="report", hours_per_unit=D("0.25"), money_per_hour=D("60"))
    Account.objects.filter(pk__in=[a.pk, b.pk]).update(start_date=d(2026, 1, 1))
    _events(a, "report", (d(2026, 1, 5), 1), (d(2026, 1, 7), 1))  # first value after 4 days; repeat after 2
    _events(b, "report", (d(2026, 1, 11), 3))  # 10 days; repeat the same day (0)

    with tenant_context(acme.pk), django_assert_num_queries(6):
        figures = {figure.key: figure for figure in sel.usage_overview(organization=acme, as_of=END)}

    # 3 user-days / 30 days = 0.1 DAU; / 2 monthly users (a:u1, b:u1) = 5 %
    assert figures["dau_mau"].display == "5.0 %"
    assert figures["wau_mau"].display == "100.0 %"
    # every user was first active in the last 13 days: nobody is eligible yet
    assert (figures["retention_d7"].display, figures["retention_d30"].display) == ("—", "—")
    # time to first value: median of 4 and 10 days = 7; first repeat: median of 2 and 0 = 1 day
    assert (figures["time_to_first_value"].display, figures["time_to_first_repeat"].display) == ("7 days", "1 day")


def test_kpi_overview_of_an_organization_without_data_shows_no_values_instead_of_failing(globex):
    overview = sel.kpi_overview(organization=globex, as_of=END, include_usage=True)

    shown = {figure.key: figure.display for figure in overview}
    assert shown["mrr"] == "$0"
    empty = (
        "nrr",
        "grr",
        "customer_churn_rate",
        "renewal_rate",
        "nps",
        "csat",
        "dau_mau",
        "retention_d7",
        "ltv",
        "time_to_first_value",
        "activation_milestones",
    )
    assert {shown[k] for k in empty} == {"—"}
