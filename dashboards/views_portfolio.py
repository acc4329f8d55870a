"""Pages of the portfolio (mounted under /o/<org_slug>/portfolio/): the CSM portfolio with its
CSV export and saved views, the leader overview, and the account page's health, plan and
timeline sections (loaded into ``accounts/<id>/`` by htmx). Thin: parse, call a selector, render.
"""

from __future__ import annotations

import csv

from django.contrib import messages
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from accounts.models import Account, Segment
from retention.models import Role
from retention.tenancy import org_view

from . import portfolio, portfolio_charts
from .forms_portfolio import PortfolioFilterForm, SavedViewForm
from .kpis import KPI_DEFINITIONS, format_kpi
from .portfolio_account import MEASURE_HELP, USAGE_HELP, account_health, account_timeline
from .portfolio_overview import DEFINITIONS, overview, segment_label
from .scorecards import MEASURES


def _today():
    return timezone.localdate()


def _filter_data(request: HttpRequest):
    """The GET parameters, defaulting the owner filter to "Mine" for someone who owns accounts."""
    data = request.GET.copy()
    if "owner" not in data and Account.objects.filter(organization=request.organization, owner=request.user).exists():
        data["owner"] = "me"
    return data


@org_view()
def portfolio_page(request: HttpRequest) -> HttpResponse:
    organization, today = request.organization, _today()
    data = _filter_data(request)
    form = PortfolioFilterForm(data, owner_choices=portfolio.owner_choices(organization=organization))
    filters = form.filters()
    accounts = portfolio.portfolio_accounts(organization=organization, filters=filters, user_id=request.user.pk, today=today)
    if request.GET.get("format") == "csv":
        return _csv_response(organization=organization, accounts=accounts, today=today)
    number = request.GET.get("page", "1")
    accounts.prepare_page(number=int(number) if number.isdigit() else 1, size=portfolio.PAGE_SIZE)
    page = Paginator(accounts, portfolio.PAGE_SIZE).get_page(number)
    rows = portfolio.portfolio_rows(organization=organization, accounts=list(page.object_list), today=today)
    view_query = portfolio.clean_view_query(data)
    context = {
        "form": form,
        "page": page,
        "rows": rows,
        "query": view_query,
        "unsorted_query": portfolio.clean_view_query({k: v for k, v in data.items() if k != "sort"}),
        "filters": filters,
        "filtered": any((filters.q, filters.owner, filters.segment, filters.band, filters.zone, filters.renewal)),
        "saved_views": portfolio.saved_views_for(organization=organization, user=request.user),
        "save_form": SavedViewForm(initial={"query": view_query}),
        "help": portfolio.HELP,
        "sorts": portfolio.SORTS,
    }
    return render(request, "portfolio/portfolio.html", context, status=400 if form.errors else 200)


def _csv_response(*, organization, accounts, today) -> HttpResponse:
    # Built in full inside the request's transaction (ATOMIC_REQUESTS and row-level security are
    # scoped to it), rather than streamed after the view has returned.
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="portfolio-{organization.slug}-{today.isoformat()}.csv"'
    writer = csv.writer(response)
    for row in portfolio.portfolio_csv_rows(organization=organization, accounts=accounts, today=today):
        writer.writerow(row)
    return response


@org_view()
@require_POST
def saved_view_create(request: HttpRequest) -> HttpResponse:
    form = SavedViewForm(request.POST)
    url = reverse("portfolio:portfolio", kwargs={"org_slug": request.organization.slug})
    if not form.is_valid():
        messages.error(request, "The view was not saved: " + " ".join(e for errors in form.errors.values() for e in errors))
        return redirect(url)
    query = portfolio.clean_view_query(QueryDict(form.cleaned_data["query"]))
    try:
        view = portfolio.saved_view_save(organization=request.organization, user=request.user, name=form.cleaned_data["name"], query=query)
    except ValidationError as error:
        messages.error(request, "The view was not saved: " + " ".join(error.messages))
        return redirect(url)
    messages.success(request, f"View “{view.name}” saved.")
    return redirect(f"{url}?{view.query}" if view.query else url)


@org_view()
@require_POST
def saved_view_delete(request: HttpRequest, saved_view_id: int) -> HttpResponse:
    if not portfolio.saved_view_delete(organization=request.organization, user=request.user, saved_view_id=saved_view_id):
        raise Http404("No such saved view.")
    messages.success(request, "Saved view deleted.")
    return redirect("portfolio:portfolio", org_slug=request.organization.slug)


@org_view()
def overview_page(request: HttpRequest) -> HttpResponse:
    segment = request.GET.get("segment", "")
    if segment and segment not in Segment.values:
        segment = ""
    data = overview(organization=request.organization, as_of=_today(), segment=segment)
    latest = data.latest_retention
    kpi_figures = []
    if latest is not None:
        for key, value in (
            ("nrr", latest.nrr),
            ("grr", latest.grr),
            ("customer_churn_rate", latest.customer_churn),
            ("revenue_churn_rate", latest.revenue_churn),
        ):
            kpi_figures.append(
                {
                    "name": KPI_DEFINITIONS[key].name,
                    "display": format_kpi(key, value),
                    "formula": KPI_DEFINITIONS[key].formula,
                    "definition": KPI_DEFINITIONS[key].definition,
                }
            )
    context = {
        "data": data,
        "segment": segment,
        "segment_label": segment_label(segment),
        "segments": list(Segment.choices),
        "definitions": DEFINITIONS,
        "kpi_figures": kpi_figures,
        "bands": [("red", "Red"), ("yellow", "Yellow"), ("green", "Green"), ("unknown", "No data"), ("", "Not scored")],
        "renewal_accounts": data.renewal_accounts,
        "arr_by_band": data.renewal_arr_by_band,
        "charts": {
            "distribution": portfolio_charts.distribution_chart(data),
            "trend": portfolio_charts.trend_chart(data),
            "renewals": portfolio_charts.renewals_chart(data),
            "retention": portfolio_charts.retention_chart(data) if not segment else None,
            "zones": portfolio_charts.zones_chart(data),
            "risks": portfolio_charts.risks_chart(data),
        },
    }
    return render(request, "portfolio/overview.html", context)


# --- The account page's sections (htmx fragments) --------------------------------------------


@org_view()
def account_health_section(request: HttpRequest, account_id: int) -> HttpResponse:
    health = account_health(organization=request.organization, account_id=account_id, today=_today())
    if health is None:
        raise Http404("No such account.")
    membership = request.membership
    context = {
        "health": health,
        "account": health.account,
        "measure_help": MEASURE_HELP,
        "usage_help": USAGE_HELP,
        "definitions": {k: v[1] for k, v in MEASURES.items()},
        "can_override": membership.has_role(Role.CSM) and (membership.can_manage or health.account.owner_id == request.user.pk),
        "charts": {
            "history": portfolio_charts.score_history_chart(health),
            "radar": portfolio_charts.zones_radar_chart(health),
            "events": portfolio_charts.events_chart(health),
            "active": portfolio_charts.active_users_chart(health),
        },
    }
    return render(request, "portfolio/account/_health.html", context)


@org_view()
def account_plan_section(request: HttpRequest, account_id: int) -> HttpResponse:
    from accounts.plans.selectors import plan_detail

    account = Account.objects.filter(organization=request.organization, pk=account_id).first()
    if account is None:
        raise Http404("No such account.")
    detail = plan_detail(organization=request.organization, account=account, as_of=_today(), with_history=False)
    return render(request, "portfolio/account/_plan.html", {"detail": detail, "account": account})


@org_view()
def account_timeline_section(request: HttpRequest, account_id: int) -> HttpResponse:
    found = account_timeline(organization=request.organization, account_id=account_id, today=_today())
    if found is None:
        raise Http404("No such account.")
    account, items = found
    return render(request, "portfolio/account/_timeline.html", {"account": account, "items": items})
