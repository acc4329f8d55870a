"""Celery tasks of the renewals app: rendering a published business case's PDF.

The task loads the snapshot by id inside its organization's row-level-security context and calls
``renewals.pdf.case_pdf_get_or_render``, which is idempotent: a redelivered task (worker lost,
retry) finds the stored PDF and returns.
"""

from __future__ import annotations

from celery import shared_task
from django.db import DatabaseError

from retention import rls

RENDER_OPTIONS = {
    "bind": True,
    "acks_late": True,
    "reject_on_worker_lost": True,
    "autoretry_for": (DatabaseError,),
    "retry_backoff": 10,
    "retry_backoff_max": 300,
    "retry_jitter": True,
    "max_retries": 5,
}


@shared_task(name="renewals.render_case_pdf", soft_time_limit=60, time_limit=90, **RENDER_OPTIONS)
def render_case_pdf(self, organization_id: int, snapshot_id: int) -> dict | None:
    """Render and store the PDF of one snapshot (nothing to do when it is stored already)."""
    from .models import CaseSnapshot
    from .pdf import case_pdf_get_or_render

    with rls.tenant_context(organization_id):
        snapshot = CaseSnapshot.objects.filter(organization_id=organization_id, pk=snapshot_id).first()
        if snapshot is None:  # deleted with its account since it was enqueued
            return None
        pdf = case_pdf_get_or_render(snapshot=snapshot)
        return {"snapshot_id": snapshot_id, "pages": pdf.page_count, "bytes": pdf.size}
