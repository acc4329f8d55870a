"""Reads of the renewals app: cases, snapshots and their PDFs, always by organization."""

from __future__ import annotations

from django.db.models import Count, Max, OuterRef, Subquery
from django.shortcuts import get_object_or_404

from accounts.models import Account

from .models import BusinessCase, CasePdf, CaseSnapshot


def account_get(*, organization, account_id: int) -> Account:
    return get_object_or_404(Account.objects.select_related("owner"), organization=organization, pk=account_id)


def case_for_account(*, organization, account: Account) -> BusinessCase | None:
    return BusinessCase.objects.filter(organization=organization, account=account).first()


def snapshot_list(*, organization, account: Account | None = None):
    """Snapshots newest first, without their content, with whether the PDF is ready."""
    queryset = CaseSnapshot.objects.filter(organization=organization).select_related("account", "published_by").defer("content")
    if account is not None:
        queryset = queryset.filter(account=account)
    ready = CasePdf.objects.filter(organization=organization, snapshot=OuterRef("pk")).values("size")[:1]
    return queryset.annotate(pdf_size=Subquery(ready)).order_by("-published_at", "-id")


def snapshot_get(*, organization, snapshot_id: int, account: Account | None = None) -> CaseSnapshot:
    queryset = CaseSnapshot.objects.filter(organization=organization).select_related("account")
    if account is not None:
        queryset = queryset.filter(account=account)
    return get_object_or_404(queryset, pk=snapshot_id)


def case_list(*, organization):
    """Every account's case with its latest version (one query)."""
    return (
        BusinessCase.objects.filter(organization=organization)
        .select_related("account", "account__owner")
        .annotate(latest_version=Max("snapshots__version"), published=Count("snapshots"))
        .order_by("account__name")
    )
