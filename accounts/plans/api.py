"""REST endpoints for success plans, goals, KPIs, measurements and milestones.

Reads need the ``read`` scope, writes the ``write`` scope (a browser session: the CSM role and,
per DESIGN §3, ownership of the account unless admin). Every write calls one
``accounts.plans.services`` function; its ``ValidationError`` becomes a 400 with
``{"code": "invalid", "detail", "errors": {field: [...]}}``. Ids of another organization's
objects are invalid like missing ones (400 in a body, 404 in a URL).
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field, extend_schema_view
from rest_framework import serializers, status
from rest_framework.response import Response

from accounts.models import Account, Contact
from retention.api import ApiKeyThrottle, TenantViewSet, cursor_pagination, updated_since_param
from retention.models import ApiKey, User

from . import services
from .models import Goal, Kpi, Measurement, Milestone, PlanTemplate, SuccessPlan
from .progress import progress_for_kpis
from .selectors import outcome_progress_for_accounts


class TenantPK(serializers.PrimaryKeyRelatedField):
    """A primary key resolved within the request's organization only."""

    def get_queryset(self):
        return self.queryset.filter(organization=self.context["request"].organization)


class MemberPK(serializers.PrimaryKeyRelatedField):
    """A user id, resolved among the members of the request's organization only."""

    def get_queryset(self):
        return User.objects.filter(memberships__organization=self.context["request"].organization)


def _as_drf(error: DjangoValidationError) -> serializers.ValidationError:
    if hasattr(error, "error_dict"):
        return serializers.ValidationError({field: [m for e in errs for m in e.messages] for field, errs in error.error_dict.items()})
    return serializers.ValidationError({"non_field_errors": error.messages})


# --- Serializers ------------------------------------------------------------------------------------


class PlanSerializer(serializers.ModelSerializer):
    account = TenantPK(queryset=Account.objects.all())
    template = TenantPK(
        queryset=PlanTemplate.objects.all(), required=False, allow_null=True, help_text="On create: start from this template's goals, KPIs and milestones."
    )
    outcome_progress = serializers.SerializerMethodField(help_text="0..1: KPI progress relative to time elapsed; null when no KPI is measured.")

    class Meta:
        model = SuccessPlan
        fields = ["id", "account", "title", "summary", "start_date", "template", "outcome_progress", "created_at", "updated_at"]
        read_only_fields = ["created_at", "updated_at"]
        extra_kwargs = {"title": {"required": False, "allow_blank": True, "help_text": "Default: the template's name, or the account's name."}}

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_outcome_progress(self, plan) -> float | None:
        return self.context.get("outcomes", {}).get(plan.account_id)


class PlanUpdateSerializer(serializers.ModelSerializer):
    class Meta:
        model = SuccessPlan
        fields = ["title", "summary", "start_date"]


class GoalSerializer(serializers.ModelSerializer):
    plan = TenantPK(queryset=SuccessPlan.objects.all())

    class Meta:
        model = Goal
        fields = ["id", "plan", "title", "description", "position"]
        read_only_fields = ["position"]


class KpiSerializer(serializers.ModelSerializer):
    goal = TenantPK(queryset=Goal.objects.all())
    start_date = serializers.DateField(required=False, help_text="Default: the plan's start date.")
    current = serializers.SerializerMethodField(help_text="Latest measurement, or the usage metric today.")
    progress = serializers.SerializerMethodField(help_text="(current − baseline) ÷ (target − baseline).")
    expected = serializers.SerializerMethodField(help_text="Share of the time to the target date elapsed, 0..1.")
    status = serializers.SerializerMethodField(help_text="achieved, on_track, behind, no_data or not_started.")

    class Meta:
        model = Kpi
        fields = [
            "id",
            "goal",
            "name",
            "unit",
            "baseline",
            "target",
            "start_date",
            "target_date",
            "source",
            "event_name",
            "window_days",
            "current",
            "progress",
            "expected",
            "status",
        ]
        # The services validate the rules (target ≠ baseline, dates in order) with clear messages.
        validators: list = []

    def _p(self, kpi):
        return self.context.get("progress", {}).get(kpi.pk)

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_current(self, kpi):
        p = self._p(kpi)
        return p.current if p else None

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_progress(self, kpi):
        p = self._p(kpi)
        return p.progress if p else None

    @extend_schema_field(serializers.FloatField(allow_null=True))
    def get_expected(self, kpi):
        p = self._p(kpi)
        return p.expected if p else None

    @extend_schema_field(serializers.CharField(allow_null=True))
    def get_status(self, kpi):
        p = self._p(kpi)
        return p.status if p else None


class MeasurementSerializer(serializers.ModelSerializer):
    kpi = TenantPK(queryset=Kpi.objects.all())

    class Meta:
        model = Measurement
        fields = ["id", "kpi", "measured_on", "value", "note", "created_at"]
        read_only_fields = ["created_at"]
        validators: list = []  # same-day measurements replace each other (service upsert)


class MilestoneSerializer(serializers.ModelSerializer):
    plan = TenantPK(queryset=SuccessPlan.objects.all())
    owner_user = MemberPK(required=False, allow_null=True, help_text="A member of your organization (user id).")
    owner_contact = TenantPK(queryset=Contact.objects.all(), required=False, allow_null=True)

    class Meta:
        model = Milestone
        fields = ["id", "plan", "title", "phase", "owner_user", "owner_contact", "due_date", "status", "completed_on", "is_onboarding"]


# --- Views ------------------------------------------------------------------------------------------


class PlanApiViewSet(TenantViewSet):
    throttle_classes = [ApiKeyThrottle]

    @property
    def actor(self):
        return self.request.auth if isinstance(self.request.auth, ApiKey) else self.request.user

    def check_edit(self, account: Account) -> None:
        api_key = self.request.auth if isinstance(self.request.auth, ApiKey) else None
        membership = getattr(self.request._request, "membership", None)
        if not services.can_edit_account(membership=membership, account=account, api_key=api_key):
            raise PermissionDenied("Only the account's CSM or an admin can change its success plan.")

    def run(self, func, **kwargs):
        try:
            return func(organization=self.request.organization, actor=self.actor, **kwargs)
        except DjangoValidationError as error:
            raise _as_drf(error)

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        serializer = self.get_serializer(page, many=True, context={**self.get_serializer_context(), **self.extra_context(page)})
        return self.get_paginated_response(serializer.data)

    def retrieve(self, request, *args, **kwargs):
        obj = self.get_object()
        return Response(self.get_serializer(obj, context={**self.get_serializer_context(), **self.extra_context([obj])}).data)

    def extra_context(self, objects) -> dict:
        return {}

    def respond(self, obj, http_status=status.HTTP_200_OK) -> Response:
        return Response(self.get_serializer(obj, context={**self.get_serializer_context(), **self.extra_context([obj])}).data, status=http_status)


@extend_schema_view(
    list=extend_schema(
        parameters=[
            OpenApiParameter("account", OpenApiTypes.INT, description="Only this account's plan (its id)."),
            OpenApiParameter("updated_since", OpenApiTypes.DATETIME, description="Only plans changed at or after this ISO-8601 time."),
        ]
    )
)
class SuccessPlanViewSet(PlanApiViewSet):
    """Success plans, one per account. ``outcome_progress`` is the plan's KPI progress relative to
    the time elapsed (0..1)."""

    queryset = SuccessPlan.objects.order_by("id")
    serializer_class = PlanSerializer
    pagination_class = cursor_pagination("-updated_at", "-id")

    def safely_get_queryset(self, queryset):
        account = self.request.query_params.get("account")
        if account is not None and account.isdigit():
            queryset = queryset.filter(account_id=int(account))
        if self.action == "list" and (since := updated_since_param(self.request)) is not None:
            queryset = queryset.filter(updated_at__gte=since)
        return queryset

    def get_serializer_class(self):
        return PlanUpdateSerializer if self.action == "partial_update" else PlanSerializer

    def extra_context(self, objects) -> dict:
        outcomes = outcome_progress_for_accounts(
            organization=self.request.organization, account_ids=[p.account_id for p in objects], as_of=timezone.localdate()
        )
        return {"outcomes": outcomes}

    def create(self, request):
        serializer = PlanSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        self.check_edit(data["account"])
        if data.get("template"):
            plan = self.run(services.plan_create_from_template, account=data["account"], template=data["template"], start_date=data["start_date"])
            changes = {k: data[k] for k in ("title", "summary") if data.get(k)}
            if changes:
                plan = self.run(services.plan_update, plan=plan, **changes)
        else:
            plan = self.run(
                services.plan_create, account=data["account"], title=data.get("title", ""), summary=data.get("summary", ""), start_date=data["start_date"]
            )
        return self.respond(plan, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        plan = self.get_object()
        self.check_edit(plan.account)
        serializer = PlanUpdateSerializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        plan = self.run(services.plan_update, plan=plan, **serializer.validated_data)
        return Response(PlanSerializer(plan, context={**self.get_serializer_context(), **self.extra_context([plan])}).data)


class GoalViewSet(PlanApiViewSet):
    queryset = Goal.objects.select_related("plan__account").order_by("plan_id", "position", "id")
    serializer_class = GoalSerializer

    def safely_get_queryset(self, queryset):
        plan = self.request.query_params.get("plan")
        return queryset.filter(plan_id=int(plan)) if plan and plan.isdigit() else queryset

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        plan = serializer.validated_data["plan"]
        self.check_edit(plan.account)
        goal = self.run(services.goal_create, plan=plan, title=serializer.validated_data["title"], description=serializer.validated_data.get("description", ""))
        return self.respond(goal, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        goal = self.get_object()
        self.check_edit(goal.plan.account)
        serializer = self.get_serializer(goal, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        goal = self.run(services.goal_update, goal=goal, title=data.get("title", goal.title), description=data.get("description", goal.description))
        return self.respond(goal)

    def destroy(self, request, pk=None):
        goal = self.get_object()
        self.check_edit(goal.plan.account)
        self.run(services.goal_delete, goal=goal)
        return Response(status=status.HTTP_204_NO_CONTENT)


class KpiViewSet(PlanApiViewSet):
    """KPIs with their progress today: ``current``, ``progress``, ``expected`` and ``status``."""

    queryset = Kpi.objects.select_related("goal__plan__account").order_by("goal_id", "position", "id")
    serializer_class = KpiSerializer

    def safely_get_queryset(self, queryset):
        for param, field in (("goal", "goal_id"), ("plan", "goal__plan_id")):
            value = self.request.query_params.get(param)
            if value and value.isdigit():
                queryset = queryset.filter(**{field: int(value)})
        return queryset

    def extra_context(self, objects) -> dict:
        kpis = list(objects)
        account_of = {k.pk: k.goal.plan.account_id for k in kpis}
        return {"progress": progress_for_kpis(organization=self.request.organization, kpis=kpis, account_of=account_of, as_of=timezone.localdate())}

    FIELDS = ["name", "unit", "baseline", "target", "start_date", "target_date", "source", "event_name", "window_days"]

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        goal = data.pop("goal")
        self.check_edit(goal.plan.account)
        kpi = self.run(services.kpi_create, goal=goal, **{k: v for k, v in data.items() if k in self.FIELDS})
        return self.respond(kpi, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        kpi = self.get_object()
        self.check_edit(kpi.goal.plan.account)
        serializer = self.get_serializer(kpi, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        kpi = self.run(services.kpi_update, kpi=kpi, **serializer.validated_data)
        return self.respond(kpi)

    def destroy(self, request, pk=None):
        kpi = self.get_object()
        self.check_edit(kpi.goal.plan.account)
        self.run(services.kpi_delete, kpi=kpi)
        return Response(status=status.HTTP_204_NO_CONTENT)


class MeasurementViewSet(PlanApiViewSet):
    """Manual measurements of KPIs. A second measurement on the same day replaces the first."""

    queryset = Measurement.objects.select_related("kpi").order_by("kpi_id", "measured_on", "id")
    serializer_class = MeasurementSerializer

    def safely_get_queryset(self, queryset):
        kpi = self.request.query_params.get("kpi")
        return queryset.filter(kpi_id=int(kpi)) if kpi and kpi.isdigit() else queryset

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        kpi = Kpi.objects.select_related("goal__plan__account").get(pk=data["kpi"].pk)
        self.check_edit(kpi.goal.plan.account)
        measurement = self.run(services.measurement_record, kpi=kpi, measured_on=data["measured_on"], value=data["value"], note=data.get("note", ""))
        return self.respond(measurement, status.HTTP_201_CREATED)


class MilestoneViewSet(PlanApiViewSet):
    """Milestones. PATCH ``status`` to ``done`` completes one (``completed_on`` defaults to today)
    and raises the value checkpoint."""

    queryset = Milestone.objects.select_related("plan__account").order_by("plan_id", "due_date", "id")
    serializer_class = MilestoneSerializer

    def safely_get_queryset(self, queryset):
        plan = self.request.query_params.get("plan")
        return queryset.filter(plan_id=int(plan)) if plan and plan.isdigit() else queryset

    def create(self, request):
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        plan = data.pop("plan")
        self.check_edit(plan.account)
        status_value, completed_on = data.pop("status", None), data.pop("completed_on", None)
        milestone = self.run(
            services.milestone_create,
            plan=plan,
            title=data["title"],
            phase=data.get("phase", "day_30"),
            due_date=data.get("due_date"),
            owner_user=data.get("owner_user"),
            owner_contact=data.get("owner_contact"),
            is_onboarding=data.get("is_onboarding", False),
        )
        if status_value and status_value != milestone.status:
            milestone = self.run(services.milestone_set_status, milestone=milestone, status=status_value, completed_on=completed_on)
        return self.respond(milestone, status.HTTP_201_CREATED)

    def partial_update(self, request, pk=None):
        milestone = self.get_object()
        self.check_edit(milestone.plan.account)
        serializer = self.get_serializer(milestone, data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        data.pop("plan", None)
        milestone = self.run(services.milestone_update, milestone=milestone, **data)
        return self.respond(milestone)

    def destroy(self, request, pk=None):
        milestone = self.get_object()
        self.check_edit(milestone.plan.account)
        self.run(services.milestone_delete, milestone=milestone)
        return Response(status=status.HTTP_204_NO_CONTENT)
