"""The nightly pipeline: idempotent rows, chunks, history, commands, scorecard versions."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.management import CommandError, call_command

from accounts.tests.factories import AccountFactory
from dashboards.models import AccountScore, AccountZones, RiskIndicator, SavePlan, Scorecard
from dashboards.pipeline import run_organization_day
from dashboards.scorecards import default_definition, scorecard_create_version

from .helpers import D, days_before, events

pytestmark = pytest.mark.django_db
VOLATILE = {"id", "computed_at"}


def _rows(model):
    return sorted(({k: v for k, v in row.items() if k not in VOLATILE} for row in model.objects.values()), key=lambda r: (r["account_id"], str(r.get("day"))))


def _snapshot():
    return {
        "scores": _rows(AccountScore),
        "zones": _rows(AccountZones),
        "risks": sorted(RiskIndicator.objects.values_list("account_id", "kind", "opened_on", "closed_on", "last_seen_on")),
        "plans": sorted(SavePlan.objects.values_list("account_id", "status", "opened_on")),
    }


def test_running_the_pipeline_twice_gives_identical_rows(acme, globex, book):
    AccountFactory(organization=globex, start_date=days_before(100))
    run_organization_day(organization_id=acme.id, day=D)
    first = _snapshot()
    run_organization_day(organization_id=acme.id, day=D)
    assert _snapshot() == first
    assert AccountScore.objects.filter(organization=acme, day=D).count() == 3
    assert not AccountScore.objects.filter(organization=globex).exists()


def test_chunk_size_does_not_change_the_result(acme, book):
    run_organization_day(organization_id=acme.id, day=D, size=500)
    whole = _snapshot()
    run_organization_day(organization_id=acme.id, day=D, size=1)
    assert _snapshot() == whole


def test_recomputing_a_day_replaces_its_rows(acme, book):
    run_organization_day(organization_id=acme.id, day=D)
    before = AccountScore.objects.get(account_id=book["b"], day=D)
    # When Beta's usage for the window turns out higher and the day is recomputed
    events(AccountScore.objects.get(account_id=book["b"], day=D).account, days_before(2), "automation_run", 30)
    run_organization_day(organization_id=acme.id, day=D)
    after = AccountScore.objects.get(account_id=book["b"], day=D)
    assert after.pk == before.pk and after.score > before.score
    assert AccountScore.objects.filter(account_id=book["b"]).count() == 1


def test_a_churned_account_is_no_longer_scored_and_its_row_for_the_day_goes(acme, book):
    run_organization_day(organization_id=acme.id, day=D)
    AccountScore.objects.get(account_id=book["c"]).account.__class__.objects.filter(pk=book["c"]).update(churned_on=days_before(1), lifecycle_stage="churned")
    run_organization_day(organization_id=acme.id, day=D)
    assert not AccountScore.objects.filter(account_id=book["c"], day=D).exists()


def test_scores_record_their_scorecard_version_and_history_keeps_the_old_one(acme, book, alice):
    run_organization_day(organization_id=acme.id, day=days_before(7))
    definition = default_definition()
    definition["measures"]["usage_depth"]["weight"] = 0
    scorecard_create_version(organization=acme, definition=definition, by=alice, note="No depth")
    run_organization_day(organization_id=acme.id, day=D)

    old, new = AccountScore.objects.get(account_id=book["a"], day=days_before(7)), AccountScore.objects.get(account_id=book["a"], day=D)
    assert (old.scorecard_version, new.scorecard_version) == (1, 2)
    assert old.measures["usage_depth"]["weight"] == 15 and new.measures["usage_depth"]["weight"] == 0
    # and the trend versus 7 days before is the difference of the two stored scores
    assert new.change_7d == pytest.approx(round(new.score - old.score, 2))
    assert new.change_30d is None
    assert Scorecard.objects.filter(organization=acme, is_active=True).get().version == 2


def test_run_nightly_command_scores_one_organization_for_a_date(acme, globex, book):
    AccountFactory(organization=globex, start_date=days_before(100))
    out = io.StringIO()
    call_command("run_nightly", "--date", D.isoformat(), "--org", "acme", stdout=out)
    assert "3 accounts scored for 2026-06-30" in out.getvalue()
    assert AccountScore.objects.filter(day=D).count() == 3


def test_backfill_command_replays_each_day_in_order(acme, book):
    out = io.StringIO()
    call_command("backfill_scores", "--from", days_before(2).isoformat(), "--to", D.isoformat(), "--org", "acme", "--no-progress", stdout=out)
    assert sorted(set(AccountScore.objects.values_list("day", flat=True))) == [days_before(2), days_before(1), D]
    assert "Backfilled 3 day(s) for 1 organization(s)." in out.getvalue()


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--date", "yesterday"], "is not a date"),
        (["--org", "nope"], "No organization with the slug"),
    ],
)
def test_run_nightly_rejects_bad_input_clearly(acme, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("run_nightly", *args)


def test_backfill_rejects_a_reversed_range(acme):
    with pytest.raises(CommandError, match="--to must not be before --from"):
        call_command("backfill_scores", "--from", "2026-06-30", "--to", "2026-06-01")


def test_the_celery_task_runs_the_pipeline_in_process(acme, book):
    from dashboards.tasks import nightly_fanout

    # CELERY_TASK_ALWAYS_EAGER in the test settings: the fan-out runs each organization's task at once
    assert nightly_fanout.delay(D.isoformat()).get() >= 1
    assert AccountScore.objects.filter(organization=acme, day=D).count() == 3


def test_the_nightly_run_raises_the_renewal_checkpoint_task_once(acme):
    from accounts.plans.models import CsmTask
    from accounts.tests.factories import ContractLineFactory

    account = AccountFactory(organization=acme, start_date=days_before(300))
    ContractLineFactory(account=account, start_date=days_before(300), renewal_date=D + dt.timedelta(days=100))
    run_organization_day(organization_id=acme.id, day=D)
    run_organization_day(organization_id=acme.id, day=D)
    tasks = CsmTask.objects.filter(organization=acme, account=account, kind="renewal_upcoming")
    assert tasks.count() == 1
    assert tasks.get().suggested_experience == "renewal_case"


def test_a_database_error_while_writing_scores_is_a_django_database_error(acme, book, monkeypatch):
    # The Celery task retries on django.db.DatabaseError; the fast row writer must raise Django's
    # class for the failure (here a DataError: the row is refused), not the driver's own.
    from django.db import DataError, connection

    from dashboards import pipeline

    if connection.vendor != "postgresql":
        pytest.skip("the fast writer is PostgreSQL's")
    monkeypatch.setattr(pipeline, "_json_text", lambda value: "{not json")  # PostgreSQL refuses the row
    with pytest.raises(DataError):
        run_organization_day(organization_id=acme.id, day=D)
