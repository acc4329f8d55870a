"""The nightly pipeline: scores, zones, risk indicators and save plans of one organization for one
day, in bounded chunks of accounts.

Each chunk is one transaction inside ``rls.tenant_context``; rows are upserted on their unique
keys, so a chunk that is interrupted leaves nothing half-written and re-running a day replaces
its rows. The Celery tasks and the ``run_nightly``/``backfill_scores`` commands all call
``run_organization_day``.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from dataclasses import dataclass

from django.conf import settings
from django.db import connection
from django.utils import timezone

from accounts.plans.checkpoints import checkpoints_nightly
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
    started = time.monotonic()
    size = size or chunk_size()
    pause = getattr(settings, "SCORING_CHUNK_PAUSE_SECONDS", 0.0) if pause is None else pause
    organization = Organization.objects.get(pk=organization_id)
    with rls.tenant_context(organization.id):
        _more_memory_for_aggregates()
        scorecard = scorecard_get_active(organization=organization)
        account_ids = facts_module.population(organization=organization, day=day)
        org_facts = facts_module.load_org_facts(organization=organization, day=day, definition=scorecard.definition)
        depth_percentile = percentile_ranks(depth_raw_values(org_facts, account_ids))
        _remove_rows_outside_population(organization=organization, day=day)
    chunks = 0
    for start in range(0, len(account_ids), size):
        chunk = account_ids[start : start + size]
        with rls.tenant_context(organization.id):
            _more_memory_for_aggregates()
            process_chunk(organization=organization, day=day, account_ids=chunk, scorecard=scorecard, org_facts=org_facts, depth_percentile=depth_percentile)
        chunks += 1
        if pause:
            time.sleep(pause)  # leaves room for other work on the database between chunks
    with rls.tenant_context(organization.id):
        # Value checkpoints that time raises (renewal in 120 days, KPI target reached, onboarding
        # over) become CSM tasks, each exactly once however often the night is replayed.
        checkpoints_nightly(organization=organization, as_of=day)
    summary = RunSummary(organization_id=organization.id, day=day, accounts=len(account_ids), chunks=chunks, seconds=time.monotonic() - started)
    logger.info("scored %s accounts of organization %s for %s in %.2fs", summary.accounts, organization.id, day, summary.seconds)
    return summary


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
    score_rows, zone_rows, computed_bands, measures_by_account = [], [], {}, {}
    for aid in account_ids:
        measures = compute_measures(aid=aid, day=day, org_facts=org_facts, facts=facts, definition=definition, depth_percentile=depth_percentile)
        measures_by_account[aid] = measures
        result = composite(measures, definition)
        computed_bands[aid] = result.band
        score_rows.append(
            AccountScore(
                organization=organization,
                account_id=aid,
                day=day,
                scorecard=scorecard,
                scorecard_version=scorecard.version,
                score=result.score,
                band=result.band,
                coverage=result.coverage,
                measures=result.measures,
                change_7d=_change(result.score, previous.get((aid, day - dt.timedelta(days=7)))),
                change_30d=_change(result.score, previous.get((aid, day - dt.timedelta(days=30)))),
                computed_at=now,
            )
        )
        zones = compute_zones(aid=aid, day=day, org_facts=org_facts, facts=facts, measures=measures)
        zone_rows.append(
            AccountZones(
                organization=organization,
                account_id=aid,
                day=day,
                zones=zones.zones,
                attention_zone=zones.attention_zone,
                broken_layers=zones.broken_layers,
                computed_at=now,
            )
        )
    AccountScore.objects.bulk_create(
        score_rows,
        update_conflicts=True,
        unique_fields=["organization", "account", "day"],
        update_fields=["scorecard", "scorecard_version", "score", "band", "coverage", "measures", "change_7d", "change_30d", "computed_at"],
    )
    AccountZones.objects.bulk_create(
        zone_rows,
        update_conflicts=True,
        unique_fields=["organization", "account", "day"],
        update_fields=["zones", "attention_zone", "broken_layers", "computed_at"],
    )
    bands = effective_bands(organization=organization, day=day, account_ids=account_ids, computed=computed_bands)
    conditions = {aid: risk_conditions(aid=aid, day=day, org_facts=org_facts, facts=facts, band=bands.get(aid)) for aid in account_ids}
    risks_apply(organization=organization, day=day, account_ids=account_ids, conditions=conditions)
    save_plans_open_for_three_strikes(organization=organization, day=day, account_ids=account_ids, owners=facts.owner_id)


def _previous_scores(*, organization: Organization, day: dt.date, account_ids: list[int]) -> dict[tuple[int, dt.date], float | None]:
    days = [day - dt.timedelta(days=7), day - dt.timedelta(days=30)]
    rows = AccountScore.objects.filter(organization=organization, account_id__in=account_ids, day__in=days).values_list("account_id", "day", "score")
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
