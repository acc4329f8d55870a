"""Value checkpoints raise exactly one CSM task per event, however often the event is seen."""

import datetime as dt

import pytest

from accounts.models import DailyEventCount
from accounts.plans import checkpoints, services
from accounts.plans.models import CsmTask
from accounts.plans.tests.factories import GoalFactory, KpiFactory, MilestoneFactory, SuccessPlanFactory
from accounts.tests.factories import AccountFactory, ContractLineFactory

TODAY = dt.date.today()


def test_completing_a_milestone_raises_one_value_dashboard_task(acme, bob):
    account = AccountFactory(organization=acme, owner=bob)
    milestone = MilestoneFactory(plan=SuccessPlanFactory(account=account), title="First suite automated")
    # When it is completed, reopened and completed again
    services.milestone_set_status(organization=acme, milestone=milestone, status="done", actor=bob)
    services.milestone_set_status(organization=acme, milestone=milestone, status="in_progress", actor=bob)
    services.milestone_set_status(organization=acme, milestone=milestone, status="done", actor=bob)
    # Then exactly one task, assigned to the CSM, suggests the value dashboard
    task = CsmTask.objects.get(account=account, kind="milestone_completed")
    assert task.reference == f"milestone:{milestone.pk}"
    assert task.suggested_experience == "value_dashboard"
    assert task.assignee == bob
    assert "First suite automated" in task.title


def test_reaching_a_kpi_target_by_measurement_raises_one_task(acme, alice):
    account = AccountFactory(organization=acme)
    kpi = KpiFactory(goal=GoalFactory(plan=SuccessPlanFactory(account=account, start_date=TODAY - dt.timedelta(days=30))), baseline=0, target=80)
    services.measurement_record(organization=acme, kpi=kpi, actor=alice, measured_on=TODAY - dt.timedelta(days=2), value=50)
    assert not CsmTask.objects.filter(account=account).exists()
    services.measurement_record(organization=acme, kpi=kpi, actor=alice, measured_on=TODAY - dt.timedelta(days=1), value=81)
    services.measurement_record(organization=acme, kpi=kpi, actor=alice, measured_on=TODAY, value=85)
    assert CsmTask.objects.filter(account=account, kind="kpi_target_reached", reference=f"kpi:{kpi.pk}").count() == 1


def test_finishing_the_onboarding_milestones_raises_the_health_check_task_once(acme, alice):
    account = AccountFactory(organization=acme)
    plan = SuccessPlanFactory(account=account)
    first = MilestoneFactory(plan=plan, is_onboarding=True)
    second = MilestoneFactory(plan=plan, is_onboarding=True)
    MilestoneFactory(plan=plan, is_onboarding=False)
    services.milestone_set_status(organization=acme, milestone=first, status="done", actor=alice)
    assert not CsmTask.objects.filter(account=account, kind="onboarding_ended").exists()
    services.milestone_set_status(organization=acme, milestone=second, status="done", actor=alice)
    # And the nightly sweep, seeing the same state, adds nothing
    checkpoints.checkpoints_for_onboarding(organization=acme, as_of=TODAY)
    task = CsmTask.objects.get(account=account, kind="onboarding_ended")
    assert task.suggested_experience == "health_check"


def test_leaving_the_onboarding_stage_raises_the_task_in_the_nightly_sweep(acme):
    recent = AccountFactory(organization=acme, lifecycle_stage="adopting", start_date=TODAY - dt.timedelta(days=60))
    still_onboarding = AccountFactory(organization=acme, lifecycle_stage="onboarding", start_date=TODAY - dt.timedelta(days=20))
    long_ago = AccountFactory(organization=acme, lifecycle_stage="mature", start_date=TODAY - dt.timedelta(days=900))
    created = checkpoints.checkpoints_for_onboarding(organization=acme, as_of=TODAY)
    assert [t.account_id for t in created] == [recent.pk]
    assert checkpoints.checkpoints_for_onboarding(organization=acme, as_of=TODAY) == []
    assert not CsmTask.objects.filter(account__in=[still_onboarding, long_ago]).exists()


def test_a_renewal_120_days_away_raises_one_business_case_task_per_renewal(acme, globex, bob):
    account = AccountFactory(organization=acme, owner=bob)
    renewal = TODAY + dt.timedelta(days=120)
    ContractLineFactory(account=account, start_date=TODAY - dt.timedelta(days=245), renewal_date=renewal)
    ContractLineFactory(account=account, product="Add-on", start_date=TODAY - dt.timedelta(days=245), renewal_date=renewal)  # same renewal: one task
    later = AccountFactory(organization=acme)
    ContractLineFactory(account=later, start_date=TODAY - dt.timedelta(days=200), renewal_date=TODAY + dt.timedelta(days=121))
    foreign = AccountFactory(organization=globex)
    ContractLineFactory(account=foreign, start_date=TODAY - dt.timedelta(days=245), renewal_date=renewal)

    first = checkpoints.checkpoints_for_upcoming_renewals(organization=acme, as_of=TODAY)
    again = checkpoints.checkpoints_for_upcoming_renewals(organization=acme, as_of=TODAY + dt.timedelta(days=1))

    assert [(t.account_id, t.reference) for t in first] == [(account.pk, f"renewal:{renewal.isoformat()}")]
    assert first[0].suggested_experience == "renewal_case" and first[0].assignee == bob
    # And the next night adds only the renewal that has come within 120 days since
    assert [t.account_id for t in again] == [later.pk]
    assert CsmTask.objects.filter(account=account).count() == 1
    assert not CsmTask.objects.filter(account=foreign).exists()


def test_the_nightly_run_is_idempotent_and_catches_usage_kpis_reaching_target(acme):
    account = AccountFactory(organization=acme)
    plan = SuccessPlanFactory(account=account, start_date=TODAY - dt.timedelta(days=30))
    kpi = KpiFactory(goal=GoalFactory(plan=plan), source="event_count", event_name="test_run", window_days=7, baseline=0, target=20)
    DailyEventCount.objects.create(organization=acme, account=account, day=TODAY, event="test_run", count=25)
    ContractLineFactory(account=account, start_date=TODAY - dt.timedelta(days=300), renewal_date=TODAY + dt.timedelta(days=65))

    first = checkpoints.checkpoints_nightly(organization=acme, as_of=TODAY)
    second = checkpoints.checkpoints_nightly(organization=acme, as_of=TODAY)

    assert first == {"renewal_upcoming": 1, "kpi_target_reached": 1, "onboarding_ended": 0}
    assert second == {"renewal_upcoming": 0, "kpi_target_reached": 0, "onboarding_ended": 0}
    assert CsmTask.objects.filter(account=account, reference=f"kpi:{kpi.pk}").count() == 1


def test_the_database_refuses_a_duplicate_task(acme):
    from django.db import IntegrityError, transaction

    account = AccountFactory(organization=acme)
    checkpoints.onboarding_ended(organization=acme, account=account)
    with pytest.raises(IntegrityError), transaction.atomic():
        CsmTask.objects.create(
            organization=acme, account=account, kind="onboarding_ended", reference="onboarding", title="dup", suggested_experience="health_check"
        )


def test_the_nightly_sweep_notices_onboarding_milestones_done_outside_the_services(acme):
    done_plan = SuccessPlanFactory(account=AccountFactory(organization=acme, lifecycle_stage="onboarding"))
    MilestoneFactory(plan=done_plan, is_onboarding=True, status="done", completed_on=TODAY)
    MilestoneFactory(plan=done_plan, is_onboarding=False)  # not part of onboarding: does not hold it up
    open_plan = SuccessPlanFactory(account=AccountFactory(organization=acme, lifecycle_stage="onboarding"))
    MilestoneFactory(plan=open_plan, is_onboarding=True, status="done", completed_on=TODAY)
    MilestoneFactory(plan=open_plan, is_onboarding=True, status="in_progress")
    no_onboarding = SuccessPlanFactory(account=AccountFactory(organization=acme, lifecycle_stage="onboarding"))
    MilestoneFactory(plan=no_onboarding, status="done", completed_on=TODAY)

    created = checkpoints.checkpoints_for_onboarding(organization=acme, as_of=TODAY)

    assert [t.account_id for t in created] == [done_plan.account_id]
