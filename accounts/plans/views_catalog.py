"""Pages of the organization's catalog: plan templates and value drivers (admins edit, everyone
reads), and the CSM tasks raised at value checkpoints."""

from __future__ import annotations

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.views.decorators.http import require_GET, require_POST

from retention.models import Role
from retention.tenancy import org_view

from . import catalog, selectors
from .forms import StatusForm, TemplateForm, TemplateGoalForm, TemplateKpiForm, TemplateMilestoneForm, ValueDriverForm
from .models import CsmTask, PlanTemplate, TemplateGoal, TemplateKpi, TemplateMilestone, ValueDriver
from .views import _form_errors, _require_edit

# --- Templates (admins edit; CSMs read) ---------------------------------------------------------


@org_view(min_role=Role.CSM)
def template_list(request: HttpRequest) -> HttpResponse:
    can_manage = request.membership.can_manage
    form = TemplateForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("Only admins edit plan templates.")
        if form.is_valid():
            try:
                template = catalog.template_create(
                    organization=request.organization, actor=request.user, **{k: v for k, v in form.cleaned_data.items() if k != "is_active"}
                )
            except ValidationError as error:
                _form_errors(form, error)
            else:
                messages.success(request, f"Template “{template.name}” created. Add its goals, KPIs and milestones.")
                return redirect("plans:template_detail", org_slug=request.organization.slug, template_id=template.pk)
    context = {"templates": selectors.template_list(organization=request.organization), "form": form, "can_manage": can_manage}
    return render(request, "plans/template_list.html", context, status=400 if form.errors else 200)


def _template_page(request, template: PlanTemplate, *, status: int = 200, **bound) -> HttpResponse:
    goals = list(TemplateGoal.objects.filter(organization=request.organization, template=template).prefetch_related("kpis"))
    context = {
        "template": template,
        "goals": goals,
        "milestones": list(TemplateMilestone.objects.filter(organization=request.organization, template=template)),
        "can_manage": request.membership.can_manage,
        "form": TemplateForm(
            initial={
                "name": template.name,
                "description": template.description,
                "segment": template.segment,
                "product": template.product,
                "is_active": template.is_active,
            }
        ),
        "goal_form": TemplateGoalForm(),
        "kpi_form": TemplateKpiForm(template=template),
        "milestone_form": TemplateMilestoneForm(),
    }
    context.update(bound)
    return render(request, "plans/template_detail.html", context, status=status)


@org_view(min_role=Role.CSM)
def template_detail(request: HttpRequest, template_id: int) -> HttpResponse:
    template = selectors.template_get(organization=request.organization, template_id=template_id)
    if request.method != "POST":
        return _template_page(request, template)
    if not request.membership.can_manage:
        raise PermissionDenied("Only admins edit plan templates.")
    form = TemplateForm(request.POST)
    if form.is_valid():
        try:
            catalog.template_update(organization=request.organization, template=template, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, "Template saved.")
            return redirect("plans:template_detail", org_slug=request.organization.slug, template_id=template.pk)
    template.refresh_from_db()
    return _template_page(request, template, status=400, form=form)


def _template_post(request, template: PlanTemplate, form, key: str, action, success: str) -> HttpResponse:
    if form.is_valid():
        try:
            action(form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, success)
            return redirect("plans:template_detail", org_slug=request.organization.slug, template_id=template.pk)
    return _template_page(request, template, status=400, **{key: form})


@org_view(min_role=Role.ADMIN)
@require_POST
def template_delete(request: HttpRequest, template_id: int) -> HttpResponse:
    template = selectors.template_get(organization=request.organization, template_id=template_id)
    catalog.template_delete(organization=request.organization, template=template, actor=request.user)
    messages.success(request, f"Template “{template.name}” deleted. Plans started from it keep their goals.")
    return redirect("plans:template_list", org_slug=request.organization.slug)


@org_view(min_role=Role.ADMIN)
@require_POST
def template_goal_add(request: HttpRequest, template_id: int) -> HttpResponse:
    template = selectors.template_get(organization=request.organization, template_id=template_id)
    return _template_post(
        request,
        template,
        TemplateGoalForm(request.POST),
        "goal_form",
        lambda d: catalog.template_goal_add(organization=request.organization, template=template, actor=request.user, **d),
        "Goal added to the template.",
    )


@org_view(min_role=Role.ADMIN)
@require_POST
def template_kpi_add(request: HttpRequest, template_id: int) -> HttpResponse:
    template = selectors.template_get(organization=request.organization, template_id=template_id)

    def action(d):
        goal = d.pop("goal")
        catalog.template_kpi_add(organization=request.organization, goal=goal, actor=request.user, **d)

    return _template_post(request, template, TemplateKpiForm(request.POST, template=template), "kpi_form", action, "KPI added to the template.")


@org_view(min_role=Role.ADMIN)
@require_POST
def template_milestone_add(request: HttpRequest, template_id: int) -> HttpResponse:
    template = selectors.template_get(organization=request.organization, template_id=template_id)
    return _template_post(
        request,
        template,
        TemplateMilestoneForm(request.POST),
        "milestone_form",
        lambda d: catalog.template_milestone_add(organization=request.organization, template=template, actor=request.user, **d),
        "Milestone added to the template.",
    )


def _template_item_delete(request, model, pk: int) -> HttpResponse:
    item = get_object_or_404(model, organization=request.organization, pk=pk)
    template = item.goal.template if isinstance(item, TemplateKpi) else item.template
    catalog.template_item_delete(organization=request.organization, item=item, actor=request.user)
    messages.success(request, f"“{item}” removed from the template.")
    return redirect("plans:template_detail", org_slug=request.organization.slug, template_id=template.pk)


@org_view(min_role=Role.ADMIN)
@require_POST
def template_goal_delete(request: HttpRequest, template_goal_id: int) -> HttpResponse:
    return _template_item_delete(request, TemplateGoal, template_goal_id)


@org_view(min_role=Role.ADMIN)
@require_POST
def template_kpi_delete(request: HttpRequest, template_kpi_id: int) -> HttpResponse:
    return _template_item_delete(request, TemplateKpi, template_kpi_id)


@org_view(min_role=Role.ADMIN)
@require_POST
def template_milestone_delete(request: HttpRequest, template_milestone_id: int) -> HttpResponse:
    return _template_item_delete(request, TemplateMilestone, template_milestone_id)


# --- Value drivers (admins edit; everyone reads) -----------------------------------------------------


@org_view()
def value_driver_list(request: HttpRequest) -> HttpResponse:
    can_manage = request.membership.can_manage
    form = ValueDriverForm(request.POST or None)
    if request.method == "POST":
        if not can_manage:
            raise PermissionDenied("Only admins edit value drivers.")
        if form.is_valid():
            try:
                driver = catalog.value_driver_create(organization=request.organization, actor=request.user, **form.cleaned_data)
            except ValidationError as error:
                _form_errors(form, error)
            else:
                messages.success(request, f"Value driver “{driver.name}” added. Value totals include it from now on.")
                return redirect("plans:value_driver_list", org_slug=request.organization.slug)
    context = {"drivers": selectors.value_driver_list(organization=request.organization), "form": form, "can_manage": can_manage}
    return render(request, "plans/value_drivers.html", context, status=400 if form.errors else 200)


@org_view(min_role=Role.ADMIN)
def value_driver_edit(request: HttpRequest, driver_id: int) -> HttpResponse:
    driver = get_object_or_404(ValueDriver, organization=request.organization, pk=driver_id)
    initial = {f: getattr(driver, f) for f in catalog.DRIVER_FIELDS}
    form = ValueDriverForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            catalog.value_driver_update(organization=request.organization, driver=driver, actor=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, f"Value driver “{driver.name}” saved.")
            return redirect("plans:value_driver_list", org_slug=request.organization.slug)
    return render(request, "plans/value_driver_edit.html", {"form": form, "driver": driver}, status=400 if form.errors else 200)


@org_view(min_role=Role.ADMIN)
@require_POST
def value_driver_delete(request: HttpRequest, driver_id: int) -> HttpResponse:
    driver = get_object_or_404(ValueDriver, organization=request.organization, pk=driver_id)
    catalog.value_driver_delete(organization=request.organization, driver=driver, actor=request.user)
    messages.success(request, f"Value driver “{driver.name}” deleted.")
    return redirect("plans:value_driver_list", org_slug=request.organization.slug)


# --- CSM tasks -------------------------------------------------------------------------------------


@org_view()
@require_GET
def task_list(request: HttpRequest) -> HttpResponse:
    status = request.GET.get("status", CsmTask.Status.OPEN)
    if status not in CsmTask.Status.values and status != "all":
        status = CsmTask.Status.OPEN
    mine = request.GET.get("mine") == "1"
    tasks = selectors.task_list(organization=request.organization, status="" if status == "all" else status, assignee=request.user if mine else None)
    context = {"tasks": tasks, "status": status, "mine": mine, "statuses": CsmTask.Status.choices, "today": timezone.localdate()}
    return render(request, "plans/tasks.html", context)


@org_view(min_role=Role.CSM)
@require_POST
def task_status(request: HttpRequest, task_id: int) -> HttpResponse:
    task = get_object_or_404(CsmTask.objects.select_related("account"), organization=request.organization, pk=task_id)
    _require_edit(request, task.account)
    form = StatusForm(request.POST)
    try:
        if not form.is_valid():
            raise ValidationError("Choose open, done or dismissed.")
        catalog.task_set_status(organization=request.organization, task=task, actor=request.user, status=form.cleaned_data["status"])
    except ValidationError as error:
        tasks = selectors.task_list(organization=request.organization)
        context = {
            "tasks": tasks,
            "status": "open",
            "mine": False,
            "statuses": CsmTask.Status.choices,
            "today": timezone.localdate(),
            "error": " ".join(error.messages),
        }
        return render(request, "plans/tasks.html", context, status=400)
    messages.success(request, f"Task marked {task.get_status_display().lower()}.")
    return redirect("plans:task_list", org_slug=request.organization.slug)
