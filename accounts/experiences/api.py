"""Read-only REST endpoints of the experiences (``read`` scope): roadmap recommendations,
expansion opportunities and enablement progress.

Recommendations and opportunities are computed per page of accounts in a fixed number of
queries (``inputs.inputs_for_accounts``).
"""

from __future__ import annotations

from django.utils import timezone
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import mixins, serializers
from rest_framework.response import Response

from accounts.models import Account
from retention.api import ApiKeyThrottle, TenantViewSet

from .expansion import find_opportunities
from .inputs import inputs_for_accounts
from .models import LearningProgress, RoadmapItem
from .recommend import recommend


class RecommendationSerializer(serializers.Serializer):
    rule = serializers.CharField()
    phase = serializers.CharField(help_text="day_30, day_60 or day_90")
    title = serializers.CharField()
    why = serializers.CharField(help_text="The evidence behind the recommendation.")


class RoadmapItemSerializer(serializers.ModelSerializer):
    in_success_plan = serializers.SerializerMethodField()

    class Meta:
        model = RoadmapItem
        fields = ["id", "phase", "title", "why", "rule", "decision", "customer_note", "decided_at", "in_success_plan"]

    def get_in_success_plan(self, item) -> bool:
        return item.milestone_id is not None


class AccountRecommendationsSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    account_name = serializers.CharField()
    recommendations = RecommendationSerializer(many=True)
    roadmap = RoadmapItemSerializer(many=True)


class OpportunitySerializer(serializers.Serializer):
    kind = serializers.CharField()
    title = serializers.CharField()
    evidence = serializers.CharField()
    estimated_value = serializers.FloatField(help_text="Per year; formula per kind in the page's help.")
    next_step = serializers.CharField()


class AccountOpportunitiesSerializer(serializers.Serializer):
    account = serializers.IntegerField()
    account_name = serializers.CharField()
    suppressed = serializers.BooleanField(help_text="True while the Realization zone is broken: no opportunity is proposed.")
    reason = serializers.CharField(allow_blank=True)
    realization_status = serializers.CharField()
    total_estimated_value = serializers.FloatField()
    opportunities = OpportunitySerializer(many=True)


class _AccountReadViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    queryset = Account.objects.all()
    throttle_classes = [ApiKeyThrottle]

    def safely_get_queryset(self, queryset):
        return queryset.order_by("name", "id")

    def _inputs(self, accounts):
        return inputs_for_accounts(organization=self.organization, accounts=list(accounts), as_of=timezone.localdate())

    def list(self, request, *args, **kwargs):
        page = self.paginate_queryset(self.filter_queryset(self.get_queryset()))
        return self.get_paginated_response(self._rows(page))

    def retrieve(self, request, *args, **kwargs):
        return Response(self._rows([self.get_object()])[0])


@extend_schema(tags=["experiences"])
class RecommendationViewSet(_AccountReadViewSet):
    """Roadmap recommendations (rules that fire now) and the roadmap with the customer's answers."""

    serializer_class = AccountRecommendationsSerializer

    def _rows(self, accounts):
        inputs = self._inputs(accounts)
        items: dict[int, list] = {a.pk: [] for a in accounts}
        for item in RoadmapItem.objects.filter(organization=self.organization, account_id__in=list(items)):
            items[item.account_id].append(item)
        return [
            {
                "account": a.pk,
                "account_name": a.name,
                "recommendations": RecommendationSerializer(recommend(inputs[a.pk]), many=True).data,
                "roadmap": RoadmapItemSerializer(items[a.pk], many=True).data,
            }
            for a in accounts
        ]


@extend_schema(tags=["experiences"])
class OpportunityViewSet(_AccountReadViewSet):
    """Expansion opportunities with evidence; suppressed (with the reason) while Realization is broken."""

    serializer_class = AccountOpportunitiesSerializer

    def _rows(self, accounts):
        inputs = self._inputs(accounts)
        rows = []
        for a in accounts:
            result = find_opportunities(inputs[a.pk])
            rows.append(
                {
                    "account": a.pk,
                    "account_name": a.name,
                    "suppressed": result.suppressed,
                    "reason": result.reason,
                    "realization_status": result.realization_status,
                    "total_estimated_value": result.total_value,
                    "opportunities": OpportunitySerializer(result.opportunities, many=True).data,
                }
            )
        return rows


class LearningProgressSerializer(serializers.ModelSerializer):
    account = serializers.IntegerField(source="contact.account_id", read_only=True)
    contact_name = serializers.CharField(source="contact.name", read_only=True)
    item_title = serializers.CharField(source="item.title", read_only=True)
    role = serializers.CharField(source="item.role", read_only=True)

    class Meta:
        model = LearningProgress
        fields = ["id", "account", "contact", "contact_name", "item", "item_title", "role", "status", "updated_at"]


@extend_schema(tags=["experiences"], parameters=[OpenApiParameter("account", int, description="Only this account's contacts.")])
class LearningProgressViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Enablement progress: each contact's status on each learning step."""

    queryset = LearningProgress.objects.all()
    serializer_class = LearningProgressSerializer
    throttle_classes = [ApiKeyThrottle]

    def safely_get_queryset(self, queryset):
        queryset = queryset.select_related("contact", "item").order_by("id")
        account = self.request.query_params.get("account", "")
        if account:
            if not account.isdigit():
                raise serializers.ValidationError({"account": ["Give an account id."]})
            queryset = queryset.filter(contact__account_id=int(account))
        return queryset
