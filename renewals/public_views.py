"""The champion's pages behind shared links (``/s/<token>/``), no login.

Registered with ``retention.sharing.register_entry`` (see ``apps.py``), so the shared-link
resolver has already checked the token (unknown, expired, revoked → the neutral 404), the rate
limits and the purpose, and scoped the transaction to the link's organization.

- ``value_dashboard``: the account's live value dashboard (adoption, milestones, KPI progress,
  value against spend). Nothing else of the account or organization.
- ``renewal_case``: one published snapshot — its frozen document and, with ``?download=pdf``,
  its PDF. Only the snapshot the link names.
"""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone

from accounts.models import Account
from retention import sharing
from retention.models import SharedLink

from . import case_data, sections
from .document import document_context
from .models import CaseSnapshot
from .views import pdf_response

SNAPSHOT_TARGET = "renewals.casesnapshot"
DASHBOARD_SECTIONS = [
    ("goals", "Results against the agreed targets"),
    ("adoption", "Adoption and usage"),
    ("milestones", "Milestones reached"),
    ("value", "Value delivered against spend"),
]


def value_dashboard(request: HttpRequest, *, link: SharedLink, token: str) -> HttpResponse:
    if "download" in request.GET:  # this link serves the dashboard and nothing else (no PDF)
        return sharing.not_found_response(request)
    account = Account.objects.filter(organization_id=link.organization_id, pk=link.account_id).first()
    if account is None:
        return sharing.not_found_response(request)
    facts = case_data.champion_facts(organization=link.organization, account=account, today=timezone.localdate())
    content = {
        **facts,
        "title": "Value dashboard",
        "accent": None,
        "version": None,
        "published_on": facts["as_of"],
        "prepared_by": "",
        "sections": [{"key": key, "title": title, "body": sections.suggested_text(key, facts)} for key, title in DASHBOARD_SECTIONS],
    }
    return render(request, "renewals/public/value_dashboard.html", {**document_context(content), "live": True})


def renewal_case(request: HttpRequest, *, link: SharedLink, token: str) -> HttpResponse:
    if link.target_type != SNAPSHOT_TARGET or link.target_id is None:
        return sharing.not_found_response(request)
    snapshot = CaseSnapshot.objects.filter(organization_id=link.organization_id, account_id=link.account_id, pk=link.target_id).first()
    if snapshot is None:
        return sharing.not_found_response(request)
    download = request.GET.get("download")
    if download == "pdf":
        return pdf_response(snapshot)
    if download is not None or set(request.GET) - {"download"}:
        return sharing.not_found_response(request)
    return render(request, "renewals/public/renewal_case.html", {**document_context(snapshot.content), "snapshot": snapshot, "token": token})
