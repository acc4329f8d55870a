"""Health-check results over the API (read scope): per-account aggregates and single responses."""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view, inline_serializer
from rest_framework import mixins, serializers
from rest_framework.response import Response as ApiResponse

from accounts.models import Account
from retention.api import UPDATED_SINCE_HELP, ApiKeyThrottle, TenantViewSet, cursor_pagination, reject_nul, updated_since_param

from . import selectors
from .models import Response

_RESULT = inline_serializer(
    name="HealthcheckAccountResult",
    fields={
        "account_id": serializers.IntegerField(),
        "account": serializers.CharField(help_text="The account's external id."),
        "account_name": serializers.CharField(),
        "adoption": serializers.DictField(
            allow_null=True,
            help_text="Latest-period adoption health check: overall (0–100), dimensions {key: 0–100}, taken_at, respondents. "
            "The latest period is the 90 days up to the account's most recent response; scores are means over respondents.",
        ),
        "zones": serializers.DictField(allow_null=True, help_text="Zone → 0–100 from the latest-period retention-architecture assessments."),
    },
)


class ResponseSerializer(serializers.ModelSerializer):
    account = serializers.CharField(source="account.external_id", read_only=True)
    questionnaire = serializers.CharField(source="version.questionnaire.name", read_only=True)
    version = serializers.IntegerField(source="version.number", read_only=True)

    class Meta:
        model = Response
        fields = [
            "id",
            "account",
            "kind",
            "questionnaire",
            "version",
            "respondent_name",
            "respondent_role",
            "dimension_scores",
            "overall_score",
            "barrier_text",
            "submitted_at",
        ]


def _account_param(request) -> str:
    reject_nul(request, "account")
    return request.query_params["account"]


@extend_schema_view(
    list=extend_schema(
        summary="Health-check results of every account that has answered",
        parameters=[
            OpenApiParameter("account", OpenApiTypes.STR, description="Only the account with this external id."),
            OpenApiParameter("updated_since", OpenApiTypes.DATETIME, description="Only accounts with a response submitted at or after this ISO-8601 time."),
        ],
        responses=_RESULT,
    ),
    retrieve=extend_schema(summary="Health-check results of one account (by its id)", responses=_RESULT),
)
class HealthcheckResultViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Aggregated results per account. Accounts without any response are left out of the list."""

    queryset = Account.objects.all()
    throttle_classes = [ApiKeyThrottle]
    http_method_names = ["get", "head", "options"]
    pagination_class = cursor_pagination("id")

    def safely_get_queryset(self, queryset):
        queryset = queryset.order_by("id").only("id", "external_id", "name")
        if self.action == "list":
            answered = Response.objects.filter(organization=self.request.organization)
            since = updated_since_param(self.request)
            if since is not None:
                answered = answered.filter(submitted_at__gte=since)
            answered = answered.values("account_id")
            queryset = queryset.filter(id__in=answered)
            if "account" in self.request.query_params:
                queryset = queryset.filter(external_id=_account_param(self.request))
        return queryset

    def _rows(self, accounts: list[Account]) -> list[dict]:
        ids = [a.id for a in accounts]
        now = timezone.now()
        results = selectors.latest_results_for_accounts(organization=self.request.organization, account_ids=ids, as_of=now)
        zones = selectors.zone_answers_for_accounts(organization=self.request.organization, account_ids=ids, as_of=now)
        return [
            {"account_id": a.id, "account": a.external_id, "account_name": a.name, "adoption": results.get(a.id), "zones": zones.get(a.id)} for a in accounts
        ]

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self._rows(list(page)))

    def retrieve(self, request, *args, **kwargs):
        return ApiResponse(self._rows([self.get_object()])[0])


@extend_schema_view(
    list=extend_schema(
        summary="Individual health-check responses, newest first",
        parameters=[
            OpenApiParameter("account", OpenApiTypes.STR, description="Only responses of the account with this external id."),
            OpenApiParameter("updated_since", OpenApiTypes.DATETIME, description=UPDATED_SINCE_HELP),
        ],
    ),
    retrieve=extend_schema(summary="One health-check response"),
)
class HealthcheckResponseViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    queryset = Response.objects.all()
    serializer_class = ResponseSerializer
    throttle_classes = [ApiKeyThrottle]
    http_method_names = ["get", "head", "options"]
    pagination_class = cursor_pagination("-submitted_at", "-id")

    def safely_get_queryset(self, queryset):
        queryset = queryset.select_related("account", "version__questionnaire").order_by("-submitted_at", "-id")
        if self.action == "list" and "account" in self.request.query_params:
            queryset = queryset.filter(account__external_id=_account_param(self.request))
        if self.action == "list" and (since := updated_since_param(self.request)) is not None:
            queryset = queryset.filter(submitted_at__gte=since)
        return queryset
