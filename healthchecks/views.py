"""The CSM's health-check pages: links, questionnaires, per-account results, portfolio insights."""

from __future__ import annotations

import json

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.models import Account
from retention import sharing
from retention.models import Role, SharedLink
from retention.tenancy import org_view

from . import definitions, selectors, services
from .forms import CopyForm, DefinitionForm, LinkForm
from .models import Kind, Questionnaire


def _add_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errs in error.error_dict.items():
            for e in errs:
                form.add_error(field if field in form.fields else None, e)
    else:
        for e in error.messages:
            form.add_error(None, e)


@org_view(min_role=Role.VIEWER)
def index(request: HttpRequest) -> HttpResponse:
    services.questionnaire_ensure_defaults(organization=request.organization)
    context = {
        "questionnaires": selectors.questionnaire_list(organization=request.organization),
        "links": selectors.healthcheck_links(organization=request.organization),
    }
    return render(request, "healthchecks/index.html", context)


@org_view(min_role=Role.CSM)
def link_create(request: HttpRequest) -> HttpResponse:
    services.questionnaire_ensure_defaults(organization=request.organization)
    questionnaires = selectors.questionnaire_list(organization=request.organization)
    initial = {"account": request.GET.get("account", ""), "expires_in_days": 30}
    form = LinkForm(request.POST or None, organization=request.organization, questionnaires=questionnaires, initial=initial)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.healthcheck_link_create(
                organization=request.organization,
                account_id=form.cleaned_data["account"],
                questionnaire_id=form.cleaned_data["questionnaire"],
                expires_in_days=form.cleaned_data["expires_in_days"],
                respondent_limit=form.cleaned_data["respondent_limit"],
                by=request.user,
            )
        except ValidationError as error:
            _add_errors(form, error)
    context = {"form": form, "issued": issued, "issued_url": request.build_absolute_uri(issued.path) if issued else ""}
    return render(request, "healthchecks/link_create.html", context, status=400 if form.errors else 200)


@org_view(min_role=Role.CSM)
@require_POST
def link_revoke(request: HttpRequest, link_id: int) -> HttpResponse:
    if not SharedLink.objects.filter(organization=request.organization, purpose=SharedLink.Purpose.HEALTHCHECK, pk=link_id).exists():
        raise Http404
    link = sharing.shared_link_revoke(organization=request.organization, link_id=link_id, by=request.user)
    messages.success(request, f"Link “{link}” revoked. Anyone opening it now sees a “not available” page.")
    next_path = request.POST.get("next", "")
    if next_path.startswith(f"/o/{request.organization.slug}/healthchecks/"):  # only back to our own pages
        return redirect(next_path)
    return redirect("healthchecks:index", org_slug=request.organization.slug)


def _chart(history: list[dict], labels: dict[str, str]) -> str:
    """Plotly figure JSON: overall and per-dimension scores per quarter (0–100)."""
    periods = [h["period"] for h in history]
    traces = [{"type": "scatter", "mode": "lines+markers", "name": "Overall", "x": periods, "y": [h["overall"] for h in history], "line": {"width": 4}}]
    keys = sorted({k for h in history for k in h["dimensions"]})
    for key in keys:
        traces.append(
            {
                "type": "scatter",
                "mode": "lines+markers",
                "name": labels.get(key, key),
                "x": periods,
                "y": [h["dimensions"].get(key) for h in history],
                "visible": "legendonly",
            }
        )
    layout = {
        "title": {"text": "Adoption health check score per quarter (0–100)"},
        "yaxis": {"range": [0, 100], "title": {"text": "Score (0–100)"}},
        "xaxis": {"title": {"text": "Quarter"}, "type": "category"},
        "margin": {"l": 50, "r": 10, "t": 40, "b": 40},
        "height": 320,
    }
    return json.dumps({"data": traces, "layout": layout})


@org_view(min_role=Role.VIEWER)
def account_results(request: HttpRequest, account_id: int) -> HttpResponse:
    organization = request.organization
    account = Account.objects.filter(organization=organization, pk=account_id).first()
    if account is None:
        raise Http404
    now = timezone.now()
    latest = selectors.latest_results_for_accounts(organization=organization, account_ids=[account.id], as_of=now).get(account.id)
    zones = selectors.zone_answers_for_accounts(organization=organization, account_ids=[account.id], as_of=now).get(account.id, {})
    adoption_labels = selectors.dimension_labels(organization=organization, kind=Kind.ADOPTION)
    default_adoption = definitions.default_definition(Kind.ADOPTION)
    found = []
    if latest:
        found = definitions.findings(
            default_adoption | {"dimensions": _dimensions_for(default_adoption, latest["dimensions"], adoption_labels)}, latest["dimensions"]
        )
    history = selectors.account_history(organization=organization, account_id=account.id, kind=Kind.ADOPTION)
    responses = selectors.account_responses(organization=organization, account_id=account.id)
    zone_rows = [
        {
            "name": definitions.ZONE_NAMES[z],
            "score": zones.get(z),
            "status": definitions.zone_status(zones.get(z)).replace("_", " "),
            "layer": z in definitions.LAYERS,
        }
        for z in definitions.ZONES + definitions.LAYERS
    ]
    first_zone = definitions.first_zone_needing_attention({k: v for k, v in zones.items() if v is not None})
    context = {
        "account": account,
        "latest": latest,
        "findings": found,
        "next_steps": definitions.next_steps(found),
        "history": history,
        "history_rows": [{**h, "named": [(adoption_labels.get(k, k), v) for k, v in h["dimensions"].items()]} for h in history],
        "chart": _chart(history, adoption_labels) if history else "",
        "zones": zone_rows if zones else [],
        "first_zone": definitions.ZONE_NAMES.get(first_zone) if first_zone else None,
        "barriers": [r for r in responses if r.barrier_text],
        "responses": responses,
        "links": selectors.healthcheck_links(organization=organization, account_id=account.id, limit=20),
        "period_days": selectors.LATEST_PERIOD_DAYS,
        "strong_at": definitions.STRONG_AT,
        "weak_below": definitions.WEAK_BELOW,
    }
    return render(request, "healthchecks/account_results.html", context)


def _dimensions_for(default: dict, scores: dict[str, float], labels: dict[str, str]) -> list[dict]:
    """Dimension entries for the scored keys: the built-in text, or a bare entry for custom ones."""
    known = {d["key"]: d for d in default["dimensions"]}
    return [
        known.get(key, {"key": key, "name": labels.get(key, key), "description": "", "recommendation": {}}) | {"name": labels.get(key, key)} for key in scores
    ]


@org_view(min_role=Role.VIEWER)
def portfolio(request: HttpRequest) -> HttpResponse:
    insights = selectors.portfolio_insights(organization=request.organization, as_of=timezone.now())
    rows = insights["rows"]
    chart = ""
    if rows:
        chart = json.dumps(
            {
                "data": [
                    {
                        "type": "bar",
                        "orientation": "h",
                        "x": [r["all"] for r in rows][::-1],
                        "y": [r["name"] for r in rows][::-1],
                        "marker": {"color": "#2d5bd7"},
                    }
                ],
                "layout": {
                    "title": {"text": "Mean adoption score per dimension across accounts (0–100)"},
                    "xaxis": {"range": [0, 100], "title": {"text": "Mean account score (0–100)"}},
                    "margin": {"l": 170, "r": 10, "t": 40, "b": 40},
                    "height": 340,
                },
            }
        )
    return render(request, "healthchecks/portfolio.html", {"insights": insights, "chart": chart, "period_days": selectors.LATEST_PERIOD_DAYS})


def _questionnaire(request: HttpRequest, questionnaire_id: int) -> Questionnaire:
    questionnaire = Questionnaire.objects.filter(organization=request.organization, pk=questionnaire_id).first()
    if questionnaire is None:
        raise Http404
    return questionnaire


@org_view(min_role=Role.VIEWER)
def questionnaire_detail(request: HttpRequest, questionnaire_id: int) -> HttpResponse:
    questionnaire = _questionnaire(request, questionnaire_id)
    versions = list(questionnaire.versions.select_related("created_by").order_by("-number"))
    shown = versions[0]
    if request.GET.get("version", "").isdigit():
        shown = next((v for v in versions if v.number == int(request.GET["version"])), shown)
    context = {"questionnaire": questionnaire, "versions": versions, "shown": shown, "copy_form": CopyForm(initial={"name": f"{questionnaire.name} (copy)"})}
    return render(request, "healthchecks/questionnaire_detail.html", context)


@org_view(min_role=Role.ADMIN)
@require_POST
def questionnaire_copy(request: HttpRequest, questionnaire_id: int) -> HttpResponse:
    source = _questionnaire(request, questionnaire_id)
    form = CopyForm(request.POST)
    if form.is_valid():
        try:
            copy_ = services.questionnaire_copy(organization=request.organization, questionnaire_id=source.id, name=form.cleaned_data["name"], by=request.user)
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, f"“{copy_.name}” created as a draft. Edit it, then publish it to use it in links.")
            return redirect("healthchecks:questionnaire_edit", org_slug=request.organization.slug, questionnaire_id=copy_.id)
    else:
        messages.error(request, "Give the copy a name of at most 120 characters.")
    return redirect("healthchecks:questionnaire_detail", org_slug=request.organization.slug, questionnaire_id=source.id)


@org_view(min_role=Role.ADMIN)
def questionnaire_edit(request: HttpRequest, questionnaire_id: int) -> HttpResponse:
    questionnaire = _questionnaire(request, questionnaire_id)
    draft = services.version_draft_for_edit(organization=request.organization, questionnaire_id=questionnaire.id, by=request.user)
    form = DefinitionForm(request.POST or None, definition=draft.definition)
    if request.method == "POST" and form.is_valid():
        try:
            services.version_update_draft(organization=request.organization, version_id=draft.id, definition=form.edited_definition(), by=request.user)
        except ValidationError as error:
            _add_errors(form, error)
        else:
            if "publish" in request.POST:
                services.version_publish(organization=request.organization, questionnaire_id=questionnaire.id, by=request.user)
                messages.success(request, f"Version {draft.number} published. New links use it; existing links keep the version they were made with.")
                return redirect("healthchecks:questionnaire_detail", org_slug=request.organization.slug, questionnaire_id=questionnaire.id)
            messages.success(request, f"Draft version {draft.number} saved.")
            return redirect("healthchecks:questionnaire_edit", org_slug=request.organization.slug, questionnaire_id=questionnaire.id)
    context = {"questionnaire": questionnaire, "draft": draft, "form": form}
    return render(request, "healthchecks/questionnaire_edit.html", context, status=400 if form.errors else 200)


@org_view(min_role=Role.ADMIN)
@require_POST
def questionnaire_publish(request: HttpRequest, questionnaire_id: int) -> HttpResponse:
    questionnaire = _questionnaire(request, questionnaire_id)
    try:
        version = services.version_publish(organization=request.organization, questionnaire_id=questionnaire.id, by=request.user)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"Version {version.number} published.")
    return redirect("healthchecks:questionnaire_detail", org_slug=request.organization.slug, questionnaire_id=questionnaire.id)
