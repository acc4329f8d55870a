"""The nightly pipeline: scores, zones, risk indicators and save plans of one organization for one
day, in bounded chunks of accounts.

Each chunk is one transaction inside ``rls.tenant_context``; rows are upserted on their unique
keys, so a chunk that is interrupted leaves nothing half-written and re-running a day replaces
its rows. On PostgreSQL ``SCORING_THREADS`` chunks run at once, each on its own connection, so
that one chunk's Python work overlaps another's queries; called inside a caller's transaction
(a test's), chunks run one after the other on the caller's connection, which alone sees its
uncommitted rows. The Celery tasks and the ``run_nightly``/``backfill_scores`` commands all call
``run_organization_day``.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass

import orjson
from django.conf import settings
from django.db import connection, connections
from django.utils import timezone

from accounts.plans.checkpoints import checkpoints_nightly
from accounts.plans.progress import kpi_values_memo
from accounts.selectors import active_users_by_window, active_users_memo
from retention import rls
from retention.models import Organization

from . import facts as facts_module
from .models import AccountScore, AccountZones, Scorecard
from .risks import effective_bands, risk_conditions, risks_apply, save_plans_open_for_three_strikes
from .scorecards import scorecard_get_active
from .scoring import composite, compute_measures, depth_raw_values, percentile_ranks
from .zones import compute_zones

logger = logging.getLogger(__name__)


@dataclass
class RunSummary:
    organization_id: int
    day: dt.date
    accounts: int
    chunks: int
    seconds: float


def chunk_size() -> int:
    return int(getattr(settings, "SCORING_CHUNK_SIZE", 500))


def default_day() -> dt.date:
    """The nightly run scores yesterday (UTC): the last complete day of data."""
    return timezone.now().date() - dt.timedelta(days=1)


def run_organization_day(*, organization_id: int, day: dt.date, size: int | None = None, pause: float | None = None) -> RunSummary:
    with active_users_memo(), kpi_values_memo():
        return _run_organization_day(organization_id=organization_id, day=day, size=size, pause=pause)


def _run_organization_day(*, organization_id: int, day: dt.date, size: int | None, pause: float | None) -> RunSummary:
    started = time.monotonic()
    size = size or chunk_size()
    pause = getattr(settings, "SCORING_CHUNK_PAUSE_SECONDS", 0.0) if pause is None else pause
    organization = Organization.objects.get(pk=organization_id)
    with _Runner(organization=organization, threads=_threads()) as runner:
        # Distinct active users (one of the two organization-wide reads) load beside the rest.
        users_loaded = runner.submit(active_users_by_window, organization=organization, as_of=day, windows=[facts_module.WINDOW])
        # Value checkpoints that time raises (renewal in 120 days, KPI target reached, onboarding
        # over) become CSM tasks, each exactly once however often the night is replayed. They do
        # not depend on the night's scores, so they run beside the organization-wide reads.
        pending = [runner.submit(checkpoints_nightly, organization=organization, as_of=day)]
        with rls.tenant_context(organization.id):
            _more_memory_for_aggregates()
            scorecard = scorecard_get_active(organization=organization)
            account_ids = facts_module.population(organization=organization, day=day)
            org_facts = facts_module.load_org_facts(
                organization=organization, day=day, definition=scorecard.definition, active_users=lambda: users_loaded.result()
            )
            depth_percentile = percentile_ranks(depth_raw_values(org_facts, account_ids))
            _remove_rows_outside_population(organization=organization, day=day)
        chunks = [account_ids[start : start + size] for start in range(0, len(account_ids), size)]
        for chunk in chunks:
            pending.append(
                runner.submit(
                    process_chunk,
                    organization=organization,
                    day=day,
                    account_ids=chunk,
                    scorecard=scorecard,
                    org_facts=org_facts,
                    depth_percentile=depth_percentile,
                )
            )
            if pause:
                time.sleep(pause)  # leaves room for other work on the database between chunks
        for future in pending:
            future.result()  # re-raises the first failure; a failed chunk's transaction is rolled back
        _refresh_statistics(runner)
    summary = RunSummary(organization_id=organization.id, day=day, accounts=len(account_ids), chunks=len(chunks), seconds=time.monotonic() - started)
    logger.info("scored %s accounts of organization %s for %s in %.2fs", summary.accounts, organization.id, day, summary.seconds)
    return summary


class _Runner:
    """Runs the night's independent steps, each in its own tenant transaction: on a pool of
    threads with a connection each (``SCORING_THREADS``), or, with one thread, right away in
    the caller's thread, on the caller's connection."""

    def __init__(self, *, organization: Organization, threads: int):
        self.organization = organization
        self.executor = ThreadPoolExecutor(max_workers=threads, thread_name_prefix="scoring") if threads > 1 else None

    def __enter__(self) -> _Runner:
        return self

    def __exit__(self, *exc_info) -> None:
        if self.executor is not None:
            self.executor.shutdown(wait=True, cancel_futures=exc_info[0] is not None)

    def _step(self, work, kwargs):
        with rls.tenant_context(self.organization.id):
            _more_memory_for_aggregates()
            return work(**kwargs)

    def submit(self, work, **kwargs) -> Future:
        if self.executor is not None:
            return self.executor.submit(_on_own_connection, self._step, work, kwargs)
        future: Future = Future()
        future.set_result(self._step(work, kwargs))  # a failure propagates at once
        return future


def _threads() -> int:
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return 1
    return max(1, int(getattr(settings, "SCORING_THREADS", 1)))


def _on_own_connection(work, *args):
    """Run ``work`` in a pool thread, closing the thread's connection afterwards (Django opens
    one per thread; left open it would outlive the pool)."""
    try:
        return work(*args)
    finally:
        connections.close_all()


# What the night wrote, for the planner: the pages join "the newest day's scores" with an
# equality on a day PostgreSQL's statistics have not seen yet (autovacuum re-analyzes a table
# only after a tenth of it changed: a month of nights), and a one-row estimate for 10,000 rows
# turns a 30 ms page into a 3 s nested loop.
ANALYZED = {
    "dashboards_accountscore": ("organization_id", "account_id", "day", "band"),
    "dashboards_accountzones": ("organization_id", "account_id", "day", "attention_zone"),
}


def _analyze(table: str) -> None:
    # Only the columns the pages filter and join on: sampling the JSON columns would double the time.
    with connection.cursor() as cursor:
        cursor.execute(f"ANALYZE {table} ({', '.join(ANALYZED[table])})")


def _refresh_statistics(runner: _Runner) -> None:
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return  # a caller's transaction (a test's) has nothing committed to sample yet
    for future in [runner.submit(_analyze, table=table) for table in ANALYZED]:
        future.result()


def _more_memory_for_aggregates() -> None:
    """Let this transaction's GROUP BY over two months of rollups hash in memory rather than spill
    to disk (PostgreSQL's default work_mem is 4 MB). Transaction-local: nothing else changes."""
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SET LOCAL work_mem = %s", [getattr(settings, "SCORING_WORK_MEM", "64MB")])
            # Compiling each short aggregate with JIT costs more than it saves here.
            cursor.execute("SET LOCAL jit = off")


def _remove_rows_outside_population(*, organization: Organization, day: dt.date) -> None:
    """Re-running a day replaces it: rows of accounts no longer customers that day go."""
    active = facts_module.population_queryset(organization=organization, day=day)
    for model in (AccountScore, AccountZones):
        model.objects.filter(organization=organization, day=day).exclude(account_id__in=active.values("id")).delete()


def process_chunk(
    *, organization: Organization, day: dt.date, account_ids: list[int], scorecard: Scorecard, org_facts, depth_percentile: dict[int, float]
) -> None:
    definition = scorecard.definition
    facts = facts_module.load_account_facts(organization=organization, day=day, account_ids=account_ids, org_facts=org_facts)
    previous = _previous_scores(organization=organization, day=day, account_ids=account_ids)
    now = timezone.now()
    score_rows, zone_rows, computed_bands = [], [], {}
    week_ago, month_ago = day - dt.timedelta(days=7), day - dt.timedelta(days=30)
    for aid in account_ids:
        measures = compute_measures(aid=aid, day=day, org_facts=org_facts, facts=facts, definition=definition, depth_percentile=depth_percentile)
        result = composite(measures, definition)
        computed_bands[aid] = result.band
        change_7d, change_30d = _change(result.score, previous.get((aid, week_ago))), _change(result.score, previous.get((aid, month_ago)))
        score_rows.append(
            (
                organization.pk,
                aid,
                day,
                scorecard.pk,
                scorecard.version,
                result.score,
                result.band,
                result.coverage,
                result.measures,
                change_7d,
                change_30d,
                now,
            )
        )
        zones = compute_zones(aid=aid, day=day, org_facts=org_facts, facts=facts, measures=measures)
        zone_rows.append((organization.pk, aid, day, zones.zones, zones.attention_zone, zones.broken_layers, now))
    _upsert_day_rows(AccountScore, SCORE_COLUMNS, score_rows)
    _upsert_day_rows(AccountZones, ZONE_COLUMNS, zone_rows)
    bands = effective_bands(organization=organization, day=day, account_ids=account_ids, computed=computed_bands)
    conditions = {aid: risk_conditions(aid=aid, day=day, org_facts=org_facts, facts=facts, band=bands.get(aid)) for aid in account_ids}
    risks_apply(organization=organization, day=day, account_ids=account_ids, conditions=conditions)
    save_plans_open_for_three_strikes(organization=organization, day=day, account_ids=account_ids, owners=facts.owner_id)


SCORE_COLUMNS = (
    "organization_id",
    "account_id",
    "day",
    "scorecard_id",
    "scorecard_version",
    "score",
    "band",
    "coverage",
    "measures",
    "change_7d",
    "change_30d",
    "computed_at",
)
ZONE_COLUMNS = ("organization_id", "account_id", "day", "zones", "attention_zone", "broken_layers", "computed_at")
_DAY_KEY = ("organization_id", "account_id", "day")


def _upsert_day_rows(model, columns: tuple[str, ...], rows: list[tuple]) -> None:
    """Insert one day's rows of a chunk, replacing any row of the same (organization, account, day).

    On PostgreSQL the whole chunk goes as one JSON array, encoded by orjson (nested measures and
    evidence included) and unpacked by ``json_populate_recordset`` into the table's own row type,
    in one ``INSERT … ON CONFLICT`` statement: the ORM's model instances and per-value quoting
    cost more than the computation of the scores themselves. Elsewhere (SQLite) the ORM.
    """
    if not rows:
        return
    if connection.vendor != "postgresql":
        objects = [model(**dict(zip(columns, row, strict=True))) for row in rows]
        updates = [c.removesuffix("_id") for c in columns if c not in _DAY_KEY]
        model.objects.bulk_create(objects, update_conflicts=True, unique_fields=["organization", "account", "day"], update_fields=updates)
        return
    table, names = model._meta.db_table, ", ".join(columns)
    updates = ", ".join(f"{c} = EXCLUDED.{c}" for c in columns if c not in _DAY_KEY)
    sql = (
        f"INSERT INTO {table} ({names}) SELECT {names} FROM json_populate_recordset(NULL::{table}, %s) "
        f"ON CONFLICT ({', '.join(_DAY_KEY)}) DO UPDATE SET {updates}"
    )
    with connection.cursor() as cursor:  # Django's cursor: a failure is a django.db.DatabaseError (the Celery task retries)
        cursor.execute(sql, [_json_text([dict(zip(columns, row, strict=True)) for row in rows])])


def _json_text(value) -> str:
    return orjson.dumps(value, option=orjson.OPT_NON_STR_KEYS).decode()


def _previous_scores(*, organization: Organization, day: dt.date, account_ids: list[int]) -> dict[tuple[int, dt.date], float | None]:
    days = [day - dt.timedelta(days=7), day - dt.timedelta(days=30)]
    rows = AccountScore.objects.filter(organization=organization, account_id__any=account_ids, day__in=days).values_list("account_id", "day", "score")
    return {(aid, d): score for aid, d, score in rows}


def _change(score: float | None, before: float | None) -> float | None:
    if score is None or before is None:
        return None
    return round(score - before, 2)


def run_nightly(*, day: dt.date | None = None, organization_ids: list[int] | None = None) -> list[RunSummary]:
    """Every organization (or the given ones), in-process: the ``run_nightly`` command."""
    day = day or default_day()
    ids = organization_ids if organization_ids is not None else list(Organization.objects.order_by("id").values_list("id", flat=True))
    return [run_organization_day(organization_id=oid, day=day) for oid in ids]
