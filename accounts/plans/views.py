"""Pages of success plans: the plans list, the plan page and its inline edits. (Templates,
value drivers and CSM tasks: ``views_catalog``.)

Thin: parse the form, check the right to edit (DESIGN §3: viewers read, CSMs edit the accounts
they own, admins everything), call a service, redirect (or, for htmx, return the changed row).
Invalid input re-renders the page with the form's messages and status 400.
"""

from __future__ import annotations

import functools

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from accounts.models import Account, Contact
from retention.models import Role, User
from retention.tenancy import org_view

from . import selectors, services
from .charts import kpi_history_chart
from .forms import (
    ExpansionSignalForm,
    GoalForm,
    KpiEditForm,
    KpiForm,
    MeasurementForm,
    MilestoneForm,
    MilestoneStatusForm,
    PlanCreateForm,
    PlanForm,
    StakeholderForm,
    StatusForm,
)
from .models import (
    ExpansionSignal,
    Goal,
    Kpi,
    Milestone,
    MilestoneStatus,
    PlanStakeholder,
    SuccessPlan,
)


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errs in error.error_dict.items():
            for e in errs:
                form.add_error(field if field in form.fields else None, e)
    else:
        for e in error.messages:
            form.add_error(None, e)


def _can_edit(request: HttpRequest, account: Account) -> bool:
    return services.can_edit_account(membership=request.membership, account=account)


def _require_edit(request: HttpRequest, account: Account) -> None:
    if not _can_edit(request, account):
        raise PermissionDenied("Only the account's CSM or an admin can change its success plan.")


def _is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def _members(organization) -> list[User]:
    return list(
        User.objects.filter(memberships__organization=organization, memberships__role__in=[Role.OWNER, Role.ADMIN, Role.CSM]).order_by("full_name", "email")
    )


# --- Plans list and plan page -----------------------------------------------------------------------


@org_view()
@require_GET
def plan_list(request: HttpRequest) -> HttpResponse:
    mine = request.GET.get("mine") == "1"
    rows = selectors.plan_list(organization=request.organization, as_of=timezone.localdate(), owner=request.user if mine else None)
    return render(request, "plans/plan_list.html", {"rows": rows, "mine": mine})


def _plan_forms(request, detail, **bound) -> dict:
    plan, account = detail.plan, detail.account
    contacts = detail.contacts
    forms = {
        "plan_form": PlanForm(initial={"title": plan.title, "summary": plan.summary, "start_date": plan.start_date}),
        "goal_form": GoalForm(),
        "kpi_form": KpiForm(plan=plan, initial={"start_date": plan.start_date}),
        "measurement_form": MeasurementForm(plan=plan, initial={"kpi": request.GET.get("kpi")}),
        "milestone_form": MilestoneForm(plan=plan, members=_members(request.organization), contacts=contacts),
        "stakeholder_form": StakeholderForm(account=account),
        "signal_form": ExpansionSignalForm(),
    }
    forms.update(bound)
    return forms


def _render_plan(request: HttpRequest, account: Account, *, status: int = 200, **bound) -> HttpResponse:
    organization = request.organization
    detail = selectors.plan_detail(organization=organization, account=account, as_of=timezone.localdate())
    context = {
        "detail": detail,
        "account": account,
        "can_edit": _can_edit(request, account),
        "milestone_statuses": MilestoneStatus.choices,
        "signal_statuses": ExpansionSignal.Status.choices,
    }
    if detail.plan is None:
        templates = selectors.templates_for_account(organization=organization, account=account)
        context["create_form"] = bound.get("create_form") or PlanCreateForm(templates=templates)
        context["templates"] = templates
    elif context["can_edit"]:
        context.update(_plan_forms(request, detail, **bound))
    return render(request, "plans/plan_page.html", context, status=status)


@org_view()
@require_GET
def plan_page(request: HttpRequest, account_id: int) -> HttpResponse:
    account = selectors.account_get(organization=request.organization, account_id=account_id)
    if request.GET.get("fragment") == "stats":  # htmx refresh after an inline edit
        detail = selectors.plan_detail(organization=request.organization, account=account, as_of=timezone.localdate())
        return render(request, "plans/_plan_stats.html", {"detail": detail})
    return _render_plan(request, account)


@org_view(min_role=Role.CSM)
@require_POST
def plan_create(request: HttpRequest, account_id: int) -> HttpResponse:
    organization = request.organization
    account = selectors.account_get(organization=organization, account_id=account_id)
    _require_edit(request, account)
    templates = selectors.templates_for_account(organization=organization, account=account)
    form = PlanCreateForm(request.POST, templates=templates)
    if form.is_valid():
        data = form.cleaned_data
        try:
            if data["template"]:
                plan = services.plan_create_from_template(
                    organization=organization, account=account, template=data["template"], actor=request.user, start_date=data["start_date"]
                )
                if data["title"]:
                    services.plan_update(organization=organization, plan=plan, actor=request.user, title=data["title"])
            else:
                services.plan_create(organization=organization, account=account, actor=request.user, title=data["title"], start_date=data["start_date"])
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, "Success plan started. Agree the goals and targets with the customer next.")
            return redirect("plans:plan_page", org_slug=organization.slug, account_id=account.pk)
    return _render_plan(request, account, status=400, create_form=form)


class NoPlanYet(Exception):
    def __init__(self, account: Account):
        self.account = account


def _plan_of(request, account_id: int) -> tuple[Account, SuccessPlan]:
    account = selectors.account_get(organization=request.organization, account_id=account_id)
    _require_edit(request, account)
    plan = SuccessPlan.objects.filter(organization=request.organization, account=account).first()
    if plan is None:
        raise NoPlanYet(account)
    return account, plan


def _needs_plan(view):
    """The account exists but has no plan yet: a 400 that says to start one, not a 404."""

    @functools.wraps(view)
    def wrapper(request, *args, **kwargs):
        try:
            return view(request, *args, **kwargs)
        except NoPlanYet as exc:
            messages.error(request, "This account has no success plan yet. Start one first.")
            return _render_plan(request, exc.account, status=400)

    return wrapper


def _back(request, account: Account, anchor: str = "") -> HttpResponse:
    url = f"/o/{request.organization.slug}/plans/{account.pk}/"
    return redirect(url + (f"#{anchor}" if anchor else ""))


def _handle(request, account: Account, form, form_key: str, action, success: str, anchor: str = "") -> HttpResponse:
    """Validate ``form``, run ``action(cleaned_data)``; redirect with a message, or re-render 400."""
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, success)
            return _back(request, account, anchor)
    return _render_plan(request, account, status=400, **{form_key: form})


@org_view(min_role=Role.CSM)
@require_POST
@_needs_plan
def plan_edit(request: HttpRequest, account_id: int) -> HttpResponse:
    account, plan = _plan_of(request, account_id)
    return _handle(
        request,
        account,
        PlanForm(request.POST),
        "plan_form",
        lambda d: services.plan_update(organization=request.organization, plan=plan, actor=request.user, **d),
        "Plan details saved.",
    )


@org_view(min_role=Role.CSM)
@require_POST
@_needs_plan
def goal_add(request: HttpRequest, account_id: int) -> HttpResponse:
    account, plan = _plan_of(request, account_id)
    return _handle(
        request,
        account,
        GoalForm(request.POST),
        "goal_form",
        lambda d: services.goal_create(organization=request.organization, plan=plan, actor=request.user, **d),
        "Goal added. Give it a KPI so progress can be measured.",
        "goals",
    )


def _goal(request, goal_id: int) -> Goal:
    goal = get_object_or_404(Goal.objects.select_related("plan__account"), organization=request.organization, pk=goal_id)
    _require_edit(request, goal.plan.account)
    return goal


@org_view(min_role=Role.CSM)
@require_POST
def goal_delete(request: HttpRequest, goal_id: int) -> HttpResponse:
    goal = _goal(request, goal_id)
    services.goal_delete(organization=request.organization, goal=goal, actor=request.user)
    messages.success(request, f"Goal “{goal.title}” removed.")
    return _back(request, goal.plan.account, "goals")


@org_view(min_role=Role.CSM)
@require_POST
@_needs_plan
def kpi_add(request: HttpRequest, account_id: int) -> HttpResponse:
    account, plan = _plan_of(request, account_id)

    def action(d):
        goal = d.pop("goal")
        if d.get("start_date") is None:
            d.pop("start_date")
        services.kpi_create(organization=request.organization, goal=goal, actor=request.user, **d)

    return _handle(request, account, KpiForm(request.POST, plan=plan), "kpi_form", action, "KPI added.", "goals")


def _kpi(request, kpi_id: int) -> Kpi:
    kpi = get_object_or_404(Kpi.objects.select_related("goal__plan__account"), organization=request.organization, pk=kpi_id)
    return kpi


@org_view(min_role=Role.CSM)
def kpi_edit(request: HttpRequest, kpi_id: int) -> HttpResponse:
    kpi = _kpi(request, kpi_id)
    account = kpi.goal.plan.account
    _require_edit(request, account)
    form = KpiEditForm(request.POST or None, kpi=kpi)
    if request.method == "POST" and form.is_valid():
        data = dict(form.cleaned_data)
        if data.get("start_date") is None:
            data["start_date"] = kpi.goal.plan.start_date
        try:
            services.kpi_update(organization=request.organization, kpi=kpi, actor=request.user, **data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, f"KPI “{kpi.name}” saved.")
            return _back(request, account, "goals")
    return render(request, "plans/kpi_edit.html", {"form": form, "kpi": kpi, "account": account}, status=400 if form.errors else 200)


@org_view(min_role=Role.CSM)
@require_POST
def kpi_delete(request: HttpRequest, kpi_id: int) -> HttpResponse:
    kpi = _kpi(request, kpi_id)
    account = kpi.goal.plan.account
    _require_edit(request, account)
    services.kpi_delete(organization=request.organization, kpi=kpi, actor=request.user)
    messages.success(request, f"KPI “{kpi.name}” removed.")
    return _back(request, account, "goals")


@org_view()
@require_GET
def kpi_history(request: HttpRequest, kpi_id: int) -> HttpResponse:
    """The KPI's measurement history: a chart and, for manual KPIs, the table (htmx partial)."""
    kpi = _kpi(request, kpi_id)
    account = kpi.goal.plan.account
    chart = kpi_history_chart(organization=request.organization, kpi=kpi, account_id=account.pk, end=timezone.localdate())
    measurements = list(kpi.measurements.filter(organization=request.organization).select_related("recorded_by").order_by("-measured_on"))
    return render(request, "plans/_kpi_history.html", {"kpi": kpi, "chart": chart, "measurements": measurements, "account": account})


@org_view(min_role=Role.CSM)
@require_POST
@_needs_plan
def measurement_add(request: HttpRequest, account_id: int) -> HttpResponse:
    account, plan = _plan_of(request, account_id)

    def action(d):
        services.measurement_record(organization=request.organization, actor=request.user, **d)

    return _handle(request, account, MeasurementForm(request.POST, plan=plan), "measurement_form", action, "Measurement recorded.", "goals")


@org_view(min_role=Role.CSM)
@require_POST
@_needs_plan
def milestone_add(request: HttpRequest, account_id: int) -> HttpResponse:
    account, plan = _plan_of(request, account_id)
    contacts = list(Contact.objects.filter(organization=request.organization, account=account))
    form = MilestoneForm(request.POST, plan=plan, members=_members(request.organization), contacts=contacts)

    def action(d):
        owner_user, owner_contact = form.owners()
        services.milestone_create(
            organization=request.organization,
            plan=plan,
            actor=request.user,
            title=d["title"],
            phase=d["phase"],
            due_date=d["due_date"],
            owner_user=owner_user,
            owner_contact=owner_contact,
            is_onboarding=d["is_onboarding"],
        )

    return _handle(request, account, form, "milestone_form", action, "Milestone added.", "milestones")


def _milestone(request, milestone_id: int) -> Milestone:
    milestone = get_object_or_404(
        Milestone.objects.select_related("plan__account", "owner_user", "owner_contact"), organization=request.organization, pk=milestone_id
    )
    _require_edit(request, milestone.plan.account)
    return milestone


@org_view(min_role=Role.CSM)
@require_POST
def milestone_status(request: HttpRequest, milestone_id: int) -> HttpResponse:
    """Tick a milestone (or move it to another status). htmx gets the updated row back."""
    milestone = _milestone(request, milestone_id)
    form = MilestoneStatusForm(request.POST)
    error = ""
    if form.is_valid():
        try:
            services.milestone_set_status(
                organization=request.organization,
                milestone=milestone,
                status=form.cleaned_data["status"],
                actor=request.user,
                completed_on=form.cleaned_data["completed_on"],
            )
        except ValidationError as exc:
            error = " ".join(exc.messages)
    else:
        error = "Choose one of: not started, in progress, blocked, done."
    if _is_htmx(request):
        context = {"m": milestone, "can_edit": True, "error": error, "today": timezone.localdate(), "statuses": MilestoneStatus.choices}
        response = render(request, "plans/_milestone_row.html", context, status=400 if error else 200)
        if not error:
            response["HX-Trigger"] = "planChanged"  # the plan's summary cards refresh themselves
        return response
    if error:
        messages.error(request, error)
    else:
        messages.success(request, f"Milestone “{milestone.title}” is {milestone.get_status_display().lower()}.")
    return _back(request, milestone.plan.account, "milestones")


@org_view(min_role=Role.CSM)
@require_POST
def milestone_delete(request: HttpRequest, milestone_id: int) -> HttpResponse:
    milestone = _milestone(request, milestone_id)
    services.milestone_delete(organization=request.organization, milestone=milestone, actor=request.user)
    messages.success(request, f"Milestone “{milestone.title}” removed.")
    return _back(request, milestone.plan.account, "milestones")


@org_view(min_role=Role.CSM)
@require_POST
@_needs_plan
def stakeholder_add(request: HttpRequest, account_id: int) -> HttpResponse:
    account, plan = _plan_of(request, account_id)
    return _handle(
        request,
        account,
        StakeholderForm(request.POST, account=account),
        "stakeholder_form",
        lambda d: services.stakeholder_add(organization=request.organization, plan=plan, actor=request.user, **d),
        "Stakeholder linked to the plan.",
        "stakeholders",
    )


@org_view(min_role=Role.CSM)
@require_POST
def stakeholder_remove(request: HttpRequest, stakeholder_id: int) -> HttpResponse:
    stakeholder = get_object_or_404(PlanStakeholder.objects.select_related("plan__account", "contact"), organization=request.organization, pk=stakeholder_id)
    account = stakeholder.plan.account
    _require_edit(request, account)
    services.stakeholder_remove(organization=request.organization, stakeholder=stakeholder, actor=request.user)
    messages.success(request, f"{stakeholder.contact.name} unlinked from the plan.")
    return _back(request, account, "stakeholders")


@org_view(min_role=Role.CSM)
@require_POST
@_needs_plan
def signal_add(request: HttpRequest, account_id: int) -> HttpResponse:
    account, plan = _plan_of(request, account_id)
    return _handle(
        request,
        account,
        ExpansionSignalForm(request.POST),
        "signal_form",
        lambda d: services.expansion_signal_create(organization=request.organization, plan=plan, actor=request.user, **d),
        "Expansion signal noted.",
        "signals",
    )


@org_view(min_role=Role.CSM)
@require_POST
def signal_status(request: HttpRequest, signal_id: int) -> HttpResponse:
    signal = get_object_or_404(ExpansionSignal.objects.select_related("plan__account"), organization=request.organization, pk=signal_id)
    account = signal.plan.account
    _require_edit(request, account)
    form = StatusForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("Choose open, pursued or dismissed.")
        services.expansion_signal_set_status(organization=request.organization, signal=signal, actor=request.user, status=form.cleaned_data["status"])
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _render_plan(request, account, status=400)
    messages.success(request, "Expansion signal updated.")
    return _back(request, account, "signals")
