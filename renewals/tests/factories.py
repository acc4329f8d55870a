"""Test data for business cases: an account with a plan, usage history, value and free text."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from accounts.ingest import last_active_rebuild
from accounts.models import DailyActiveUser, DailyEventCount, Note
from accounts.plans.models import ExpansionSignal, ValueDriver
from accounts.plans.tests.factories import GoalFactory, KpiFactory, MeasurementFactory, MilestoneFactory, SuccessPlanFactory, ValueDriverFactory
from accounts.tests.factories import AccountFactory, ContractLineFactory, NoteFactory, SurveyAnswerFactory


def usage_history(*, organization, account, days: int, users: int, today: dt.date, per_user_per_day: int = 3) -> None:
    """Daily rollups for ``days`` days up to ``today``: adoption ramps up over the first months."""
    counts, actives = [], []
    for offset in range(days):
        day = today - dt.timedelta(days=days - 1 - offset)
        ramp = min(1.0, 0.3 + offset / max(days * 0.6, 1))
        active = max(1, int(users * ramp))
        if day.weekday() >= 5:
            active = max(1, active // 4)
        actives.extend(DailyActiveUser(organization=organization, account=account, day=day, user_external_id=f"u{u}") for u in range(active))
        counts.append(DailyEventCount(organization=organization, account=account, day=day, event="report_generated", count=active * per_user_per_day))
        counts.append(DailyEventCount(organization=organization, account=account, day=day, event="test_run", count=active * 5))
    DailyEventCount.objects.bulk_create(counts, batch_size=2000)
    DailyActiveUser.objects.bulk_create(actives, batch_size=5000)
    last_active_rebuild(organization=organization)


def case_account(*, organization, name: str = "Northwind Traders", history_days: int = 365, users: int = 24, today: dt.date | None = None):
    """An account a CSM would build a renewal case for: two goals with three KPIs, milestones,
    a value driver, a year of usage, a renewal in 60 days, notes and an NPS comment."""
    today = today or timezone.localdate()
    start = today - dt.timedelta(days=history_days)
    account = AccountFactory(organization=organization, name=name, start_date=start)
    ContractLineFactory(account=account, mrr=Decimal("2500.00"), seats_licensed=30, start_date=start, renewal_date=today + dt.timedelta(days=60))
    plan = SuccessPlanFactory(account=account, start_date=start, title=f"{name} success plan", summary="Ship releases faster with fewer regressions.")
    goal_a = GoalFactory(plan=plan, title="Automate regression testing")
    goal_b = GoalFactory(plan=plan, title="Cut release cycle time")
    k1 = KpiFactory(
        goal=goal_a,
        name="Regression tests automated",
        unit="%",
        baseline=10,
        target=80,
        start_date=start,
        target_date=max(start + dt.timedelta(days=30), today - dt.timedelta(days=30)),
    )
    k2 = KpiFactory(
        goal=goal_a, name="Escaped defects per release", unit="defects", baseline=12, target=4, start_date=start, target_date=today + dt.timedelta(days=90)
    )
    k3 = KpiFactory(goal=goal_b, name="Release cycle time", unit="days", baseline=21, target=7, start_date=start, target_date=today + dt.timedelta(days=60))
    MeasurementFactory(kpi=k1, measured_on=today - dt.timedelta(days=20), value=84)
    MeasurementFactory(kpi=k2, measured_on=today - dt.timedelta(days=10), value=6)
    MeasurementFactory(kpi=k3, measured_on=today - dt.timedelta(days=5), value=12)
    for i, title in enumerate(["Kickoff held with the sponsor", "Test suite connected", "First automated release", "Quarterly business review"]):
        milestone = MilestoneFactory(
            plan=plan, title=title, phase=["day_30", "day_60", "day_90", "beyond"][i], due_date=start + dt.timedelta(days=30 * (i + 1))
        )
        milestone.status, milestone.completed_on = "done", start + dt.timedelta(days=28 * (i + 1))
        milestone.save()
    MilestoneFactory(plan=plan, title="Roll out to the support team", phase="beyond", due_date=today + dt.timedelta(days=45))
    ExpansionSignal.objects.create(
        organization=organization, plan=plan, kind="adjacent_team", description="The support team asked for access to automated reports."
    )
    if not ValueDriver.objects.filter(organization=organization, name="Reports automated").exists():  # one driver per organization
        ValueDriverFactory(organization=organization, name="Reports automated", event_name="report_generated", hours_per_unit="0.25", money_per_hour="60.00")
    usage_history(organization=organization, account=account, days=history_days, users=users, today=today)
    NoteFactory(account=account, body="Sponsor said the weekly release report saves her team a full day every sprint.", sentiment=Note.Sentiment.POSITIVE)
    SurveyAnswerFactory(account=account, kind="nps", score=10, comment="We ship twice as often and nobody dreads release day any more.")
    return account
