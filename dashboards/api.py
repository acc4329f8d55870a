"""Read API of scores (current and history, with each measure's contribution), zones and risks.

Every view derives from ``TenantViewSet``: the organization comes from the API key (read scope)
or the session's ``X-Organization`` header; another organization's rows are a 404.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.decorators import action
from rest_framework.response import Response

from retention.api import ApiKeyThrottle, StableCursorPagination, TenantViewSet, cursor_pagination

from .models import AccountScore, AccountZones, RiskIndicator, SavePlan, SavePlanAction
from .selectors import overrides_in_force


class OverrideSerializer(serializers.Serializer):
    band = serializers.CharField()
    reason = serializers.CharField()
    expires_on = serializers.DateField()


class AccountScoreSerializer(serializers.ModelSerializer):
    account_external_id = serializers.CharField(source="account.external_id", read_only=True)
    effective_band = serializers.SerializerMethodField(help_text="The band in force: a CSM's unexpired override, else the computed band.")
    override = serializers.SerializerMethodField()

    class Meta:
        model = AccountScore
        fields = [
            "id",
            "account",
            "account_external_id",
            "day",
            "score",
            "band",
            "effective_band",
            "override",
            "coverage",
            "scorecard_version",
            "change_7d",
            "change_30d",
            "measures",
            "computed_at",
        ]

    def _override(self, obj):
        return (self.context.get("overrides") or {}).get(obj.account_id)

    def get_effective_band(self, obj) -> str:
        override = self._override(obj)
        return override.band if override else obj.band

    def get_override(self, obj) -> dict | None:
        override = self._override(obj)
        return OverrideSerializer(override).data if override else None


class AccountZonesSerializer(serializers.ModelSerializer):
    account_external_id = serializers.CharField(source="account.external_id", read_only=True)

    class Meta:
        model = AccountZones
        fields = ["id", "account", "account_external_id", "day", "zones", "attention_zone", "broken_layers", "computed_at"]


class RiskIndicatorSerializer(serializers.ModelSerializer):
    account_external_id = serializers.CharField(source="account.external_id", read_only=True)
    label = serializers.CharField(source="get_kind_display", read_only=True)
    is_open = serializers.BooleanField(read_only=True)

    class Meta:
        model = RiskIndicator
        fields = ["id", "account", "account_external_id", "kind", "label", "is_open", "opened_on", "closed_on", "last_seen_on", "evidence"]


class FilterSerializer(serializers.Serializer):
    account = serializers.CharField(required=False, help_text="The account's external id.")
    account_id = serializers.IntegerField(required=False, min_value=1)
    since = serializers.DateField(required=False)
    until = serializers.DateField(required=False)
    updated_since = serializers.DateTimeField(required=False, help_text="Only rows computed (or, for risks, seen) at or after this time.")


ACCOUNT_PARAMS = [
    OpenApiParameter("account", str, description="Only this account (its external id)."),
    OpenApiParameter("account_id", int, description="Only this account (its id)."),
]
DAY_PARAMS = [
    OpenApiParameter("since", dt.date, description="First day (YYYY-MM-DD)."),
    OpenApiParameter("until", dt.date, description="Last day."),
    OpenApiParameter("updated_since", dt.datetime, description="Only rows (re)computed at or after this ISO-8601 time: what changed since your last pull."),
]


class _ReadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    throttle_classes = [ApiKeyThrottle]
    pagination_class = StableCursorPagination
    http_method_names = ["get", "head", "options"]

    def safely_get_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("account")

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.action == "retrieve":
            return queryset
        params = FilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        if "account" in data:
            queryset = queryset.filter(account__external_id=data["account"])
        if "account_id" in data:
            queryset = queryset.filter(account_id=data["account_id"])
        if "updated_since" in data:
            if hasattr(queryset.model, "computed_at"):
                queryset = queryset.filter(computed_at__gte=data["updated_since"])
            else:
                queryset = queryset.filter(last_seen_on__gte=data["updated_since"].date())
        if hasattr(queryset.model, "day"):
            if "since" in data:
                queryset = queryset.filter(day__gte=data["since"])
            if "until" in data:
                queryset = queryset.filter(day__lte=data["until"])
        return queryset

    def _latest_day_only(self, queryset: QuerySet) -> QuerySet:
        day = queryset.aggregate(m=Max("day"))["m"]
        return queryset.filter(day=day)


class AccountScoreViewSet(_ReadViewSet):
    """Daily health scores; ``/scores/current/`` gives the newest day's score of every account."""

    queryset = AccountScore.objects.all()
    serializer_class = AccountScoreSerializer

    def safely_get_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("account").order_by("account_id", "-day")

    def get_serializer_context(self):
        context = super().get_serializer_context()
        context["overrides"] = getattr(self, "_overrides", {})
        return context

    def paginate_queryset(self, queryset):
        page = super().paginate_queryset(queryset)
        rows = page if page is not None else queryset
        self._overrides = overrides_in_force(organization=self.organization, account_ids={r.account_id for r in rows}, on=timezone.now().date())
        return page

    def retrieve(self, request, *args, **kwargs):
        instance = self.get_object()
        self._overrides = overrides_in_force(organization=self.organization, account_ids=[instance.account_id])
        return Response(self.get_serializer(instance).data)

    @extend_schema(parameters=ACCOUNT_PARAMS, responses=AccountScoreSerializer(many=True))
    @action(detail=False, methods=["get"])
    def current(self, request):
        """The newest scored day's score of each account, with each measure's contribution."""
        queryset = self._latest_day_only(self.filter_queryset(self.get_queryset()))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(parameters=ACCOUNT_PARAMS + DAY_PARAMS)
    def list(self, request, *args, **kwargs):
        """Score history (newest day first per account), filterable by account and days."""
        return super().list(request, *args, **kwargs)


class AccountZonesViewSet(_ReadViewSet):
    """Zones and layers per account and day; ``/zones/current/`` gives the newest day."""

    queryset = AccountZones.objects.all()
    serializer_class = AccountZonesSerializer

    def safely_get_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("account").order_by("account_id", "-day")

    @extend_schema(parameters=ACCOUNT_PARAMS, responses=AccountZonesSerializer(many=True))
    @action(detail=False, methods=["get"])
    def current(self, request):
        queryset = self._latest_day_only(self.filter_queryset(self.get_queryset()))
        page = self.paginate_queryset(queryset)
        return self.get_paginated_response(self.get_serializer(page, many=True).data)

    @extend_schema(parameters=ACCOUNT_PARAMS + DAY_PARAMS)
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


class RiskFilterSerializer(FilterSerializer):
    open = serializers.BooleanField(required=False, allow_null=True, default=None)
    kind = serializers.ChoiceField(choices=RiskIndicator._meta.get_field("kind").choices, required=False)


class RiskIndicatorViewSet(_ReadViewSet):
    """Risk indicators with their open and close dates; ``?open=true`` for the open ones."""

    queryset = RiskIndicator.objects.all()
    serializer_class = RiskIndicatorSerializer

    pagination_class = cursor_pagination("opened_on", "id")

    def safely_get_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("account").order_by("-opened_on", "id")

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        queryset = super().filter_queryset(queryset)
        if self.action == "retrieve":
            return queryset
        params = RiskFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        if params.validated_data.get("open") is not None:
            queryset = queryset.filter(closed_on__isnull=params.validated_data["open"])
        if "kind" in params.validated_data:
            queryset = queryset.filter(kind=params.validated_data["kind"])
        return queryset

    @extend_schema(
        parameters=ACCOUNT_PARAMS
        + DAY_PARAMS[2:]
        + [OpenApiParameter("open", bool, description="true: open only; false: closed only."), OpenApiParameter("kind", str, description="Indicator kind.")]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)


class SavePlanActionSerializer(serializers.ModelSerializer):
    owner = serializers.EmailField(source="owner.email", read_only=True, allow_null=True, default=None)

    class Meta:
        model = SavePlanAction
        fields = ["id", "title", "owner", "due_on", "status"]


class SavePlanSerializer(serializers.ModelSerializer):
    account_external_id = serializers.CharField(source="account.external_id", read_only=True)
    owner = serializers.EmailField(source="owner.email", read_only=True, allow_null=True, default=None)
    actions = SavePlanActionSerializer(many=True, read_only=True)

    class Meta:
        model = SavePlan
        fields = ["id", "account", "account_external_id", "owner", "status", "opened_on", "due_on", "closed_on", "trigger", "actions", "created_at"]


class SavePlanFilterSerializer(serializers.Serializer):
    account = serializers.CharField(required=False, help_text="The account's external id.")
    account_id = serializers.IntegerField(required=False, min_value=1)
    status = serializers.ChoiceField(choices=SavePlan.Status.choices, required=False)
    updated_since = serializers.DateTimeField(required=False)


class SavePlanViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Save plans opened by the 3-strike rule (three open risk indicators), with their actions."""

    queryset = SavePlan.objects.all()
    serializer_class = SavePlanSerializer
    throttle_classes = [ApiKeyThrottle]
    http_method_names = ["get", "head", "options"]

    pagination_class = cursor_pagination("created_at", "id")

    def safely_get_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related("account", "owner").prefetch_related("actions__owner")

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.action == "retrieve":
            return queryset
        params = SavePlanFilterSerializer(data=self.request.query_params)
        params.is_valid(raise_exception=True)
        data = params.validated_data
        if "account" in data:
            queryset = queryset.filter(account__external_id=data["account"])
        if "account_id" in data:
            queryset = queryset.filter(account_id=data["account_id"])
        if "status" in data:
            queryset = queryset.filter(status=data["status"])
        if "updated_since" in data:
            since = data["updated_since"]
            queryset = queryset.filter(Q(created_at__gte=since) | Q(closed_on__gte=since.date()))
        return queryset

    @extend_schema(
        parameters=ACCOUNT_PARAMS
        + [
            OpenApiParameter("status", str, description="open, saved or lost."),
            OpenApiParameter("updated_since", dt.datetime, description="Plans opened or closed at or after this ISO-8601 time."),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)
