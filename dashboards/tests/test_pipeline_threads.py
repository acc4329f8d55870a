"""The nightly run on a pool of connections: the same rows as chunk after chunk, and fresh planner
statistics for the pages afterwards. Committed data (the pool's connections cannot see a test's
open transaction)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db import connection
from django.utils import timezone

from accounts.tests.factories import AccountFactory, ContractLineFactory
from dashboards import pipeline
from dashboards.pipeline import run_organization_day

from .helpers import D, active_users, days_before, events, nightly_clear, nightly_snapshot

ACCOUNTS = 9


def _last_analyze(table: str) -> dt.datetime | None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT last_analyze FROM pg_stat_user_tables WHERE relname = %s", [table])
        return cursor.fetchone()[0]


@pytest.mark.slow
@pytest.mark.django_db(transaction=True)
def test_chunks_scored_on_a_pool_of_connections_give_the_rows_of_a_sequential_run(acme, settings):
    # Given committed customers with different usage
    for i in range(ACCOUNTS):
        account = AccountFactory(organization=acme, name=f"Pool customer {i}", start_date=days_before(300))
        ContractLineFactory(account=account, seats_licensed=5 + i, start_date=days_before(300))
        events(account, days_before(1 + i % 4), "report_generated", 3 + 4 * i)
        events(account, days_before(40), "report_generated", 20)
        active_users(account, days_before(2), [f"u{j}" for j in range(1 + i % 3)])
    started = timezone.now()

    # When the night runs chunk after chunk, and again on a pool of three connections
    settings.SCORING_THREADS = 1
    run_organization_day(organization_id=acme.id, day=D, size=2)
    sequential = nightly_snapshot(acme)
    nightly_clear(acme)
    settings.SCORING_THREADS = 3
    assert pipeline._threads() == 3  # outside any transaction: the pool is used
    summary = run_organization_day(organization_id=acme.id, day=D, size=2)

    # Then every row is the same, for every account
    assert summary.chunks == 5
    assert len(sequential["scores"]) == ACCOUNTS
    assert nightly_snapshot(acme) == sequential
    # And the score and zone tables were analyzed after the writes, for the pages' query plans
    for table in pipeline.ANALYZED:
        assert _last_analyze(table) is not None and _last_analyze(table) >= started


@pytest.mark.django_db
def test_inside_a_callers_transaction_the_run_stays_on_the_callers_connection(settings):
    settings.SCORING_THREADS = 4
    # The test's own transaction holds uncommitted rows that only its connection can see.
    assert connection.in_atomic_block
    assert pipeline._threads() == 1
