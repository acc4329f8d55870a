"""Account pages for CSMs: the account list, the account page (stakeholder map, contracts, MRR
history, activity) and the create/edit forms. Thin: parse, call a selector or service, render."""

from __future__ import annotations

import plotly.graph_objects as go
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from retention import charts
from retention.models import Role
from retention.tenancy import org_view

from . import selectors, services
from .forms import AccountFilterForm, AccountForm, ContactForm, ContractLineForm, NoteForm
from .models import Account, Contact, ContractLine

ACCOUNT_FIELDS = tuple(AccountForm.base_fields)
CONTACT_FIELDS = tuple(ContactForm.base_fields)
LINE_FIELDS = tuple(ContractLineForm.base_fields)


def _today():
    return timezone.localdate()


def _form_errors(form, error: ValidationError) -> None:
    """Put a service's ValidationError on the form, by field where the form has the field."""
    if hasattr(error, "error_dict"):
        for name, errors in error.error_dict.items():
            for e in errors:
                form.add_error(name if name in form.fields else None, e)
    else:
        for message in error.messages:
            form.add_error(None, message)


def _account_or_404(request: HttpRequest, account_id: int) -> Account:
    account = Account.objects.filter(organization=request.organization, pk=account_id).select_related("owner").first()
    if account is None:
        raise Http404("No such account.")
    return account


def _require_edit(request: HttpRequest, account: Account | None) -> None:
    if not selectors.can_edit_account(membership=request.membership, account=account):
        raise PermissionDenied("Only the account's owner, an admin or an owner of the organization can change this account.")


def _form_page(request, template: str, context: dict, form) -> HttpResponse:
    return render(request, template, {**context, "form": form}, status=400 if form.errors else 200)


# --- Reading ---------------------------------------------------------------------------------


@org_view()
def account_list(request: HttpRequest) -> HttpResponse:
    organization = request.organization
    form = AccountFilterForm(request.GET or None, owner_choices=selectors.account_owner_choices(organization=organization))
    filters = form.filters()
    accounts = selectors.account_list(organization=organization, filters=filters, today=_today())
    page = Paginator(accounts, selectors.PAGE_SIZE).get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    context = {
        "form": form,
        "page": page,
        "query": query.urlencode(),
        "filtered": any(getattr(filters, f) for f in ("q", "segment", "lifecycle_stage", "owner", "touch_model")),
        "can_create": selectors.can_edit_account(membership=request.membership),
        "help": _help(),
    }
    return render(request, "accounts/account_list.html", context, status=400 if form.errors else 200)


@org_view()
def account_detail(request: HttpRequest, account_id: int) -> HttpResponse:
    page = selectors.account_page(organization=request.organization, account_id=account_id, today=_today())
    if page is None:
        raise Http404("No such account.")
    context = {
        "page": page,
        "account": page.account,
        "mrr_chart": mrr_chart(page.history),
        "can_edit": selectors.can_edit_account(membership=request.membership, account=page.account),
        "can_note": request.membership.has_role(Role.CSM),
        "note_form": NoteForm(),
        "help": _help(),
    }
    return render(request, "accounts/account_detail.html", context)


def _help() -> dict:
    return {
        "arr": selectors.ARR_HELP,
        "mrr": selectors.MRR_HELP,
        "seats": selectors.SEATS_HELP,
        "renewal": selectors.RENEWAL_HELP,
        "mrr_history": selectors.MRR_HISTORY_HELP,
        "movement": selectors.MOVEMENT_HELP,
        "multithreading": selectors.MULTITHREADING_HELP,
        "nps": selectors.NPS_HELP,
        "csat": selectors.CSAT_HELP,
    }


def mrr_chart(history: selectors.MrrHistory) -> charts.Chart:
    """Month-end MRR as bars, coloured by the month's net movement direction."""
    months = history.months
    fig = go.Figure()
    if months:
        fig.add_trace(
            go.Bar(
                x=[m.month.strftime("%b %Y") for m in months],
                y=[float(m.ending_mrr) for m in months],
                marker_color=charts.SERIES[0],
                name="MRR",
                hovertemplate="%{x}: $%{y:,.0f}<extra></extra>",
            )
        )
    fig.update_yaxes(tickprefix="$", tickformat=",.0f", rangemode="tozero")
    return charts.render(
        fig,
        title="MRR by month",
        x_title="Month (month-end snapshot)",
        y_title="MRR (USD)",
        height=300,
        empty_reason="No contract lines yet: add one to see MRR by month.",
        description=selectors.MRR_HISTORY_HELP,
        chart_id="mrr-history",
    )


# --- Accounts --------------------------------------------------------------------------------


@org_view(min_role=Role.CSM)
def account_create(request: HttpRequest) -> HttpResponse:
    _require_edit(request, None)
    organization = request.organization
    owner_choices = selectors.account_owner_choices(organization=organization)
    initial = {"owner": request.user.pk if any(pk == request.user.pk for pk, _ in owner_choices) else None}
    form = AccountForm(request.POST or None, initial=initial, owner_choices=owner_choices)
    if request.method == "POST" and form.is_valid():
        try:
            account = services.account_create(organization=organization, actor=request.user, data=form.to_data())
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, f"{account.name} created.")
            return redirect("accounts:detail", org_slug=organization.slug, account_id=account.pk)
    return _form_page(request, "accounts/account_form.html", {"account": None}, form)


@org_view(min_role=Role.CSM)
def account_edit(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _account_or_404(request, account_id)
    _require_edit(request, account)
    organization = request.organization
    initial = {name: getattr(account, name) for name in ACCOUNT_FIELDS if name != "owner"} | {"owner": account.owner_id}
    form = AccountForm(request.POST or None, initial=initial, owner_choices=selectors.account_owner_choices(organization=organization))
    if request.method == "POST" and form.is_valid():
        try:
            services.account_update(organization=organization, account=account, actor=request.user, data=form.to_data())
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, f"{account.name} saved.")
            return redirect("accounts:detail", org_slug=organization.slug, account_id=account.pk)
    return _form_page(request, "accounts/account_form.html", {"account": account}, form)


# --- Contacts --------------------------------------------------------------------------------


@org_view(min_role=Role.CSM)
def contact_create(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _account_or_404(request, account_id)
    _require_edit(request, account)
    form = ContactForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            contact = services.contact_create(organization=request.organization, actor=request.user, data={**form.to_data(), "account": account})
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, f"{contact.name} added to {account.name}.")
            return redirect("accounts:detail", org_slug=request.organization.slug, account_id=account.pk)
    return _form_page(request, "accounts/contact_form.html", {"account": account, "contact": None}, form)


@org_view(min_role=Role.CSM)
def contact_edit(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = Contact.objects.filter(organization=request.organization, pk=contact_id).select_related("account").first()
    if contact is None:
        raise Http404("No such contact.")
    account = contact.account
    _require_edit(request, account)
    initial = {name: getattr(contact, name) for name in CONTACT_FIELDS}
    form = ContactForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.contact_update(organization=request.organization, contact=contact, actor=request.user, data=form.to_data())
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, f"{contact.name} saved.")
            return redirect("accounts:detail", org_slug=request.organization.slug, account_id=account.pk)
    return _form_page(request, "accounts/contact_form.html", {"account": account, "contact": contact}, form)


# --- Contract lines --------------------------------------------------------------------------


@org_view(min_role=Role.CSM)
def contract_line_create(request: HttpRequest, account_id: int) -> HttpResponse:
    account = _account_or_404(request, account_id)
    _require_edit(request, account)
    form = ContractLineForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            services.contract_line_create(organization=request.organization, actor=request.user, data={**form.to_data(), "account": account})
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, f"Contract line added to {account.name}.")
            return redirect("accounts:detail", org_slug=request.organization.slug, account_id=account.pk)
    return _form_page(request, "accounts/contract_line_form.html", {"account": account, "line": None}, form)


@org_view(min_role=Role.CSM)
def contract_line_edit(request: HttpRequest, contract_line_id: int) -> HttpResponse:
    line = ContractLine.objects.filter(organization=request.organization, pk=contract_line_id).select_related("account").first()
    if line is None:
        raise Http404("No such contract line.")
    account = line.account
    _require_edit(request, account)
    form = ContractLineForm(request.POST or None, initial={name: getattr(line, name) for name in LINE_FIELDS})
    if request.method == "POST" and form.is_valid():
        try:
            services.contract_line_update(organization=request.organization, contract_line=line, actor=request.user, data=form.to_data())
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, f"{line.product} saved.")
            return redirect("accounts:detail", org_slug=request.organization.slug, account_id=account.pk)
    return _form_page(request, "accounts/contract_line_form.html", {"account": account, "line": line}, form)


# --- Notes -----------------------------------------------------------------------------------


@org_view(min_role=Role.CSM)
@require_POST
def note_create(request: HttpRequest, account_id: int) -> HttpResponse:
    """Any CSM may leave a note on any account (a note records an observation; it changes no
    account data), so colleagues covering an account can write down what they learned."""
    account = _account_or_404(request, account_id)
    form = NoteForm(request.POST)
    if form.is_valid():
        try:
            services.note_create(organization=request.organization, account=account, author=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, "Note added.")
            return redirect(reverse("accounts:detail", kwargs={"org_slug": request.organization.slug, "account_id": account.pk}) + "#notes")
    return render(request, "accounts/note_form.html", {"account": account, "form": form}, status=400)
