"""Pages of health scoring: an account's score explained, band overrides, the scorecard editor and
the validation (backtest) page. Thin: parse, call a selector or service, render."""

from __future__ import annotations

import plotly.graph_objects as go
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import transaction
from django.shortcuts import get_object_or_404, redirect, render
from django.views.decorators.http import require_POST

from retention import charts
from retention.models import Role
from retention.tenancy import org_view

from . import selectors
from .backtest import backtest_accept_weights
from .forms import BandOverrideForm, ScorecardForm
from .models import BacktestRun, BandOverride, Scorecard
from .scorecards import MEASURES, scorecard_create_version, scorecard_get_active
from .services import band_override_create, band_override_revoke
from .tasks import run_backtest_task
from .zones import CHAIN, LABELS, LAYERS, QUESTIONS


def _history_chart(history):
    fig = go.Figure()
    if history:
        fig.add_trace(go.Scatter(x=[s.day.isoformat() for s in history], y=[s.score for s in history], mode="lines+markers", name="Health score"))
    return charts.render(
        fig,
        title="Health score over time",
        x_title="Day",
        y_title="Score (0–100)",
        height=260,
        empty_reason="No daily scores yet: the nightly run has not scored this account.",
    )


def _zones_chart(zones):
    fig = go.Figure()
    keys = [k for k in CHAIN + LAYERS if zones and zones.zones.get(k, {}).get("score") is not None]
    if keys:
        fig.add_trace(go.Scatterpolar(r=[zones.zones[k]["score"] for k in keys], theta=[LABELS[k] for k in keys], fill="toself", name="Zone score"))
        fig.update_layout(polar={"radialaxis": {"range": [0, 100]}})
    return charts.render(fig, title="Retention zones (0–100)", height=300, empty_reason="No zone has evidence yet.")


@org_view(min_role=Role.VIEWER)
def account_score(request, account_id: int):
    """Why is this account red? The score, each measure's contribution, zones, risks, save plans."""
    organization = request.organization
    account = selectors.account_get(organization=organization, account_id=account_id)
    score = selectors.account_latest_score(organization=organization, account_id=account.id)
    zones = selectors.account_latest_zones(organization=organization, account_id=account.id)
    override = selectors.overrides_in_force(organization=organization, account_ids=[account.id]).get(account.id)
    history = selectors.account_score_history(organization=organization, account_id=account.id)
    chain = [(k, LABELS[k], QUESTIONS[k], zones.zones.get(k) if zones else None) for k in CHAIN]
    layers = [(k, LABELS[k], QUESTIONS[k], zones.zones.get(k) if zones else None) for k in LAYERS]
    return render(
        request,
        "dashboards/account_score.html",
        {
            "account": account,
            "score": score,
            "measures": sorted((score.measures.items() if score else []), key=lambda kv: -(kv[1]["contribution"] or -1)),
            "definitions": {k: v[1] for k, v in MEASURES.items()},
            "override": override,
            "zones": zones,
            "chain": chain,
            "layers": layers,
            "attention": LABELS.get(zones.attention_zone) if zones and zones.attention_zone else "",
            "risks": selectors.account_risks(organization=organization, account_id=account.id),
            "save_plans": selectors.account_save_plans(organization=organization, account_id=account.id),
            "history_chart": _history_chart(history),
            "zones_chart": _zones_chart(zones),
            "can_override": request.membership.can_manage or account.owner_id == request.user.id,
        },
    )


@org_view(min_role=Role.CSM)
def band_override(request, account_id: int):
    organization = request.organization
    account = selectors.account_get(organization=organization, account_id=account_id)
    form = BandOverrideForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            band_override_create(membership=request.membership, account=account, **form.cleaned_data)
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(field if field in form.fields else None, error)
        else:
            messages.success(request, f"{account.name} shows the {form.cleaned_data['band']} band until {form.cleaned_data['expires_on']:%b %-d, %Y}.")
            return redirect("dashboards:account_score", org_slug=organization.slug, account_id=account.id)
    overrides = BandOverride.objects.filter(organization=organization, account=account).select_related("created_by")[:20]
    score = selectors.account_latest_score(organization=organization, account_id=account.id)
    return render(request, "dashboards/band_override.html", {"account": account, "form": form, "overrides": overrides, "score": score})


@org_view(min_role=Role.CSM)
@require_POST
def band_override_revoke_view(request, band_override_id: int):
    organization = request.organization
    override = get_object_or_404(BandOverride.objects.select_related("account"), organization=organization, pk=band_override_id)
    band_override_revoke(membership=request.membership, override=override, by=request.user)
    messages.success(request, f"The override on {override.account.name} is revoked; the computed band is in force again.")
    return redirect("dashboards:account_score", org_slug=organization.slug, account_id=override.account_id)


@org_view(min_role=Role.ADMIN)
def scorecard_edit(request):
    organization = request.organization
    active = scorecard_get_active(organization=organization)
    form = ScorecardForm(request.POST or None, definition=active.definition)
    if request.method == "POST" and form.is_valid():
        try:
            created = scorecard_create_version(organization=organization, definition=form.definition(), by=request.user, note=form.cleaned_data["note"])
        except ValidationError as exc:
            for field, errors in exc.message_dict.items():
                for error in errors:
                    form.add_error(None, f"{field.replace('_', ' ')}: {error}")
        else:
            messages.success(request, f"Scorecard version {created.version} is active. Scores from the next nightly run use it; past scores keep theirs.")
            return redirect("dashboards:scorecard", org_slug=organization.slug)
    versions = Scorecard.objects.filter(organization=organization).select_related("created_by")[:20]
    return render(request, "dashboards/scorecard.html", {"form": form, "active": active, "versions": versions})


@org_view(min_role=Role.ADMIN)
def validation(request):
    """The backtest: is the score predictive? Running it replays a year of monthly dates."""
    organization = request.organization
    if request.method == "POST":
        # A year of replays can take minutes on a large book: a worker runs it after this commit.
        organization_id, user_id = organization.id, request.user.id
        transaction.on_commit(lambda: run_backtest_task.delay(organization_id, user_id))
        messages.success(request, "The backtest is running. Its report appears here when it is done (reload in a minute).")
        return redirect("dashboards:validation", org_slug=organization.slug)
    run = BacktestRun.objects.filter(organization=organization).select_related("scorecard", "created_by").first()
    active = scorecard_get_active(organization=organization)
    proposal = run.report.get("proposal") if run else None
    weights = [(MEASURES[k][0], active.definition["measures"][k]["weight"], proposal["weights"].get(k) if proposal else None) for k in MEASURES]
    return render(request, "dashboards/validation.html", {"run": run, "active": active, "proposal": proposal, "weights": weights})


@org_view(min_role=Role.ADMIN)
@require_POST
def validation_accept(request, backtest_run_id: int):
    organization = request.organization
    run = get_object_or_404(BacktestRun, organization=organization, pk=backtest_run_id)
    try:
        scorecard = backtest_accept_weights(organization=organization, run=run, by=request.user)
    except ValidationError as exc:
        messages.error(request, " ".join(exc.messages))
    else:
        messages.success(request, f"The re-fitted weights are scorecard version {scorecard.version}.")
    return redirect("dashboards:validation", org_slug=organization.slug)
