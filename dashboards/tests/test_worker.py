"""A real Celery worker on Redis, killed with SIGKILL in the middle of a nightly run and restarted,
leaves exactly the scores of an uninterrupted run (acks_late + reject on worker loss + idempotent
chunks)."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
import uuid
from pathlib import Path

import pytest
from django.db import connection

from accounts.tests.factories import AccountFactory, ContractLineFactory
from dashboards.models import AccountScore
from dashboards.pipeline import run_organization_day
from retention.celery import app

from .helpers import D, active_users, days_before, events, nightly_clear, nightly_snapshot

ROOT = Path(__file__).resolve().parents[2]
ACCOUNTS = 24
CHUNK = 3  # 8 chunks


def _database_url() -> str:
    s = connection.settings_dict
    return f"postgres://{s['USER']}@{s['HOST'] or '127.0.0.1'}:{s['PORT'] or 5432}/{s['NAME']}"


def _start_worker(queue: str, log: Path) -> subprocess.Popen:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "retention.settings.test",
        "DATABASE_URL": _database_url(),  # the test database, where this test's rows are committed
        "CELERY_TASK_ALWAYS_EAGER": "false",
        "CELERY_VISIBILITY_TIMEOUT": "2",  # redeliver the killed worker's task quickly
        "SCORING_CHUNK_SIZE": str(CHUNK),
        "SCORING_CHUNK_PAUSE_SECONDS": "0.4",
    }
    command = [
        sys.executable,
        "-m",
        "celery",
        "-A",
        "retention",
        "worker",
        "-Q",
        queue,
        "-c",
        "1",
        "--prefetch-multiplier",
        "1",
        "-l",
        "info",
        "-n",
        f"{queue}@%h",
    ]
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=log.open("ab"), stderr=subprocess.STDOUT, start_new_session=True)


def _kill_hard(worker: subprocess.Popen) -> None:
    os.killpg(worker.pid, signal.SIGKILL)  # the whole process group: main process and pool child
    worker.wait(timeout=10)


def _wait_for(predicate, timeout: float, what: str, log: Path):
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(0.05)
    raise AssertionError(f"timed out waiting for {what}; worker log:\n{log.read_text()[-4000:]}")


@pytest.mark.slow
@pytest.mark.filterwarnings("ignore::celery.exceptions.AlwaysEagerIgnored")
@pytest.mark.django_db(transaction=True)
def test_a_worker_killed_mid_run_and_restarted_leaves_the_scores_of_an_uninterrupted_run(acme, tmp_path):
    # Given an organization of 24 accounts with usage, committed to the test database
    for i in range(ACCOUNTS):
        account = AccountFactory(organization=acme, name=f"Worker customer {i}", start_date=days_before(300))
        ContractLineFactory(account=account, seats_licensed=10 + i, start_date=days_before(300))
        events(account, days_before(1 + i % 5), "report_generated", 5 + i)
        events(account, days_before(35), "report_generated", 30)
        active_users(account, days_before(2), [f"u{j}" for j in range(1 + i % 4)])
    # ... and the rows an uninterrupted run produces
    run_organization_day(organization_id=acme.id, day=D)
    expected = nightly_snapshot(acme)
    assert len(expected["scores"]) == ACCOUNTS
    nightly_clear(acme)

    queue = f"test-nightly-{uuid.uuid4().hex[:8]}"
    log = tmp_path / "worker.log"
    worker = _start_worker(queue, log)
    try:
        # When the nightly task is sent to a real worker and the worker is killed half-way
        app.send_task("dashboards.score_organization", args=[acme.id, D.isoformat()], queue=queue)
        done_at_kill = _wait_for(lambda: AccountScore.objects.filter(organization=acme).count() >= 2 * CHUNK, 90, "the first chunks", log)
        _kill_hard(worker)
        done_at_kill = AccountScore.objects.filter(organization=acme).count()
        assert 0 < done_at_kill < ACCOUNTS, f"the kill did not land mid-run ({done_at_kill} of {ACCOUNTS} scored)"

        # And a worker is started again
        worker = _start_worker(queue, log)
        _wait_for(lambda: AccountScore.objects.filter(organization=acme).count() == ACCOUNTS, 120, "the redelivered task to finish", log)
        time.sleep(1.5)  # let the last chunk's transaction and the ack settle
    finally:
        if worker.poll() is None:
            os.killpg(worker.pid, signal.SIGTERM)
            try:
                worker.wait(timeout=20)
            except subprocess.TimeoutExpired:
                _kill_hard(worker)

    # Then the final rows equal those of the uninterrupted run
    assert nightly_snapshot(acme) == expected
