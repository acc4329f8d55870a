"""Pages of the renewals app: the renewal pipeline, the business-case builder (htmx), publishing,
sharing with the champion and PDF downloads. Views parse input, call a service or selector and
render; the organization comes from ``org_view``."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.selectors import can_edit_account
from retention import sharing
from retention.models import Role, SharedLink
from retention.tenancy import org_view

from . import case_data, pipeline, sections, selectors, services
from .document import document_context
from .models import BusinessCase
from .pdf import case_pdf_get_or_render, pdf_filename

CHAMPION_PURPOSES = (SharedLink.Purpose.VALUE_DASHBOARD, SharedLink.Purpose.RENEWAL_CASE)


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _editable_account(request: HttpRequest, account_id: int):
    account = selectors.account_get(organization=request.organization, account_id=account_id)
    if not can_edit_account(membership=request.membership, account=account):
        raise PermissionDenied("Only the account's CSM or an admin can change its business case.")
    return account


def _draft(request: HttpRequest, account) -> BusinessCase:
    """The saved draft, or an unsaved one with the default sections (GET never writes)."""
    case = selectors.case_for_account(organization=request.organization, account=account)
    if case is None:
        case = BusinessCase(
            organization=request.organization, account=account, title=f"The value of our partnership with {account.name}", sections=sections.default_sections()
        )
    return case


def _builder_context(request: HttpRequest, account, case: BusinessCase, *, errors: dict | None = None) -> dict:
    today = timezone.localdate()
    content = services.snapshot_content(organization=request.organization, case=case, today=today, version=None, user=request.user)
    facts_sections = sections.normalized_sections(case.sections)
    editors = [{**s, "text": s["body"] or sections.suggested_text(s["key"], content), "edited": bool(s["body"])} for s in facts_sections]
    candidates = case_data.quote_candidates(organization=request.organization, account=account)
    snapshots = list(selectors.snapshot_list(organization=request.organization, account=account)[:20])
    links = list(sharing.shared_link_list(organization=request.organization, account_id=account.pk).filter(purpose__in=CHAMPION_PURPOSES)[:20])
    return {
        **document_context(content),
        "account": account,
        "case": case,
        "editors": editors,
        "candidates": candidates,
        "chosen": set(case.quote_keys or []),
        "snapshots": snapshots,
        "links": links,
        "can_edit": can_edit_account(membership=request.membership, account=account),
        "errors": errors or {},
        "max_quotes": services.MAX_QUOTES,
    }


def _back(request: HttpRequest, account_id: int) -> HttpResponse:
    return redirect("renewals:case_builder", org_slug=request.organization.slug, account_id=account_id)


# --- Pipeline ----------------------------------------------------------------------------------


@org_view(min_role=Role.VIEWER)
@require_GET
def pipeline_page(request: HttpRequest) -> HttpResponse:
    data = pipeline.renewal_pipeline(organization=request.organization, today=timezone.localdate())
    return render(request, "renewals/pipeline.html", {"p": data, "fallback_rates": pipeline.FALLBACK_CHURN_RATES})


@org_view(min_role=Role.VIEWER)
@require_GET
def case_list(request: HttpRequest) -> HttpResponse:
    return render(request, "renewals/case_list.html", {"cases": list(selectors.case_list(organization=request.organization))})


# --- Builder -----------------------------------------------------------------------------------


@org_view(min_role=Role.VIEWER)
@require_GET
def case_builder(request: HttpRequest, account_id: int) -> HttpResponse:
    account = selectors.account_get(organization=request.organization, account_id=account_id)
    return render(request, "renewals/case_builder.html", _builder_context(request, account, _draft(request, account)))


@org_view(min_role=Role.VIEWER)
@require_GET
def case_preview(request: HttpRequest, account_id: int) -> HttpResponse:
    account = selectors.account_get(organization=request.organization, account_id=account_id)
    return render(request, "renewals/_preview.html", _builder_context(request, account, _draft(request, account)))


def _respond(request: HttpRequest, account, case: BusinessCase, *, partial: str, errors: dict | None = None, status: int = 200) -> HttpResponse:
    if _is_htmx(request):
        return render(request, partial, _builder_context(request, account, case, errors=errors), status=status)
    if errors:
        return render(request, "renewals/case_builder.html", _builder_context(request, account, case, errors=errors), status=status)
    return _back(request, account.pk)


@org_view(min_role=Role.CSM)
@require_POST
def case_settings(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _editable_account(request, account_id)
    case = services.business_case_get_or_create(organization=request.organization, account=account, user=request.user)
    try:
        services.case_settings_update(case=case, title=request.POST.get("title", ""), accent_color=request.POST.get("accent_color", ""))
    except ValidationError as exc:
        return _respond(request, account, case, partial="renewals/_builder.html", errors=exc.message_dict, status=400)
    return _respond(request, account, case, partial="renewals/_builder.html")


@org_view(min_role=Role.CSM)
@require_POST
def case_section(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _editable_account(request, account_id)
    case = services.business_case_get_or_create(organization=request.organization, account=account, user=request.user)
    key = request.POST.get("key", "")
    suggestion = ""
    if key in sections.DEFAULT_TITLES:
        content = services.snapshot_content(organization=request.organization, case=case, today=timezone.localdate(), version=None, user=request.user)
        suggestion = sections.suggested_text(key, content)
    try:
        services.case_section_update(
            case=case,
            key=key,
            title=request.POST.get("title", ""),
            body=request.POST.get("body", ""),
            included=request.POST.get("included") == "on",
            suggestion=suggestion,
        )
    except ValidationError as exc:
        return _respond(request, account, case, partial="renewals/_builder.html", errors=exc.message_dict, status=400)
    return _respond(request, account, case, partial="renewals/_preview.html")


@org_view(min_role=Role.CSM)
@require_POST
def case_move(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _editable_account(request, account_id)
    case = services.business_case_get_or_create(organization=request.organization, account=account, user=request.user)
    try:
        services.case_section_move(case=case, key=request.POST.get("key", ""), direction=request.POST.get("direction", ""))
    except ValidationError as exc:
        return _respond(request, account, case, partial="renewals/_builder.html", errors=exc.message_dict, status=400)
    return _respond(request, account, case, partial="renewals/_builder.html")


@org_view(min_role=Role.CSM)
@require_POST
def case_quotes(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _editable_account(request, account_id)
    case = services.business_case_get_or_create(organization=request.organization, account=account, user=request.user)
    try:
        services.case_quotes_set(organization=request.organization, case=case, keys=request.POST.getlist("quotes"))
    except ValidationError as exc:
        return _respond(request, account, case, partial="renewals/_builder.html", errors=exc.message_dict, status=400)
    return _respond(request, account, case, partial="renewals/_preview.html")


@org_view(min_role=Role.CSM)
@require_POST
def case_publish(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _editable_account(request, account_id)
    case = services.business_case_get_or_create(organization=request.organization, account=account, user=request.user)
    snapshot = services.case_publish(organization=request.organization, case=case, user=request.user)
    messages.success(request, f"Version {snapshot.version} published. Its figures and text are frozen; publish again to make a new version.")
    return _back(request, account.pk)


@org_view(min_role=Role.CSM)
@require_POST
def case_share(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _editable_account(request, account_id)
    purpose = request.POST.get("purpose", "")
    snapshot = None
    if purpose == SharedLink.Purpose.RENEWAL_CASE:
        raw = request.POST.get("snapshot", "")
        if not raw.isdigit():
            messages.error(request, "Choose a published version to share.")
            return _back(request, account.pk)
        snapshot = selectors.snapshot_get(organization=request.organization, snapshot_id=int(raw), account=account)
    raw_days = request.POST.get("days", str(services.DEFAULT_LINK_DAYS))
    try:
        issued = services.champion_link_create(
            organization=request.organization,
            account=account,
            purpose=purpose,
            user=request.user,
            days=int(raw_days) if raw_days.isdigit() else 0,
            snapshot=snapshot,
        )
    except ValidationError as exc:
        messages.error(request, " ".join(m for ms in exc.message_dict.values() for m in ms))
        return _back(request, account.pk)
    return render(request, "renewals/link_created.html", {"account": account, "issued": issued, "url": request.build_absolute_uri(issued.path)})


@org_view(min_role=Role.CSM)
@require_POST
def case_link_revoke(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _editable_account(request, account_id)
    raw = request.POST.get("link_id", "")
    if not raw.isdigit():
        messages.error(request, "Choose a link to revoke.")
        return _back(request, account.pk)
    exists = SharedLink.objects.filter(organization=request.organization, account=account, purpose__in=CHAMPION_PURPOSES, pk=int(raw)).exists()
    if not exists:  # another account's or organization's link: the same 404 as a missing one
        raise Http404("No such link.")
    link = sharing.shared_link_revoke(organization=request.organization, link_id=int(raw), by=request.user)
    messages.success(request, f"Link “{link}” revoked. Anyone opening it now sees a “not available” page.")
    return _back(request, account.pk)


@org_view(min_role=Role.VIEWER)
@require_GET
def snapshot_pdf(request: HttpRequest, snapshot_id: int) -> HttpResponse:
    snapshot = selectors.snapshot_get(organization=request.organization, snapshot_id=snapshot_id)
    return pdf_response(snapshot)


def pdf_response(snapshot, *, inline: bool = False) -> HttpResponse:
    pdf = case_pdf_get_or_render(snapshot=snapshot)
    response = HttpResponse(bytes(pdf.data), content_type="application/pdf")
    disposition = "inline" if inline else "attachment"
    response["Content-Disposition"] = f'{disposition}; filename="{pdf_filename(snapshot)}"'
    response["Content-Length"] = str(pdf.size)
    return response
