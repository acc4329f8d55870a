"""Celery tasks of the nightly pipeline: the beat entry fans out one task per organization.

Tasks take ids and a day (ISO string), call ``dashboards.pipeline`` and return; the pipeline is
idempotent, so a redelivered task (worker lost, retry) simply recomputes the same rows.
"""

from __future__ import annotations

import datetime as dt

from celery import shared_task
from django.db import DatabaseError

from retention.models import Organization

from . import pipeline

TASK_OPTIONS = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (DatabaseError,),
    "retry_backoff": 30,
    "retry_backoff_max": 600,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name="dashboards.nightly_fanout", soft_time_limit=120, time_limit=150, **TASK_OPTIONS)
def nightly_fanout(self, day: str | None = None) -> int:
    """Enqueue one scoring task per organization for ``day`` (default: yesterday, UTC)."""
    day = day or pipeline.default_day().isoformat()
    ids = list(Organization.objects.order_by("id").values_list("id", flat=True))
    for organization_id in ids:
        score_organization.delay(organization_id, day)
    return len(ids)


@shared_task(name="dashboards.score_organization", soft_time_limit=50 * 60, time_limit=55 * 60, **TASK_OPTIONS)
def score_organization(self, organization_id: int, day: str) -> dict:
    """Scores, zones, risks and save plans of one organization for one day, in chunks."""
    summary = pipeline.run_organization_day(organization_id=organization_id, day=dt.date.fromisoformat(day))
    return {"organization_id": summary.organization_id, "day": day, "accounts": summary.accounts, "chunks": summary.chunks}


@shared_task(name="dashboards.run_backtest", soft_time_limit=50 * 60, time_limit=55 * 60, **TASK_OPTIONS)
def run_backtest_task(self, organization_id: int, user_id: int | None = None) -> int:
    """Replay the active scorecard over the default dates and store the report."""
    from retention import rls
    from retention.models import User

    from .backtest import default_dates, run_backtest
    from .scorecards import scorecard_get_active

    organization = Organization.objects.get(pk=organization_id)
    user = User.objects.filter(pk=user_id).first() if user_id else None
    with rls.tenant_context(organization.id):
        return run_backtest(organization=organization, scorecard=scorecard_get_active(organization=organization), dates=default_dates(), by=user).pk
