"""Read API of published business cases: list snapshots, read one, download its PDF.

Derives from ``TenantViewSet``: the organization comes from the API key (read scope) or the
session's ``X-Organization`` header; another organization's snapshot is a 404.
"""

from __future__ import annotations

import json

from django.db.models import Exists, OuterRef
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, OpenApiResponse, extend_schema
from rest_framework import mixins, renderers, serializers
from rest_framework.decorators import action
from rest_framework.settings import api_settings

from retention.api import ApiKeyThrottle, TenantViewSet, cursor_pagination, updated_since_param

from .models import CasePdf, CaseSnapshot
from .views import pdf_response


class PdfRenderer(renderers.BaseRenderer):
    """Lets a client ask for ``Accept: application/pdf``; errors still come out as JSON bytes."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(self, data, accepted_media_type=None, renderer_context=None):
        return data if isinstance(data, bytes) else json.dumps(data).encode()


class CaseSnapshotSerializer(serializers.ModelSerializer):
    account_external_id = serializers.CharField(source="account.external_id", read_only=True)
    account_name = serializers.CharField(source="account.name", read_only=True)
    pdf_ready = serializers.BooleanField(read_only=True, help_text="Whether the PDF has been rendered already (downloading renders it if not).")

    class Meta:
        model = CaseSnapshot
        fields = ["id", "account", "account_external_id", "account_name", "version", "title", "published_at", "content_sha256", "pdf_ready"]


class CaseSnapshotDetailSerializer(CaseSnapshotSerializer):
    class Meta(CaseSnapshotSerializer.Meta):
        fields = [*CaseSnapshotSerializer.Meta.fields, "content"]


@extend_schema(tags=["renewal cases"])
class CaseSnapshotViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """Published renewal business cases (immutable snapshots), newest first."""

    queryset = CaseSnapshot.objects.all()
    serializer_class = CaseSnapshotSerializer
    throttle_classes = [ApiKeyThrottle]
    pagination_class = cursor_pagination("-published_at", "-id")

    def safely_get_queryset(self, queryset):
        rendered = CasePdf.objects.filter(organization=self.request.organization, snapshot=OuterRef("pk"))
        queryset = queryset.select_related("account").annotate(pdf_ready=Exists(rendered)).order_by("-published_at", "-id")
        if self.action == "list":
            queryset = queryset.defer("content")
            account = self.request.query_params.get("account", "")
            if account.isdigit():
                queryset = queryset.filter(account_id=int(account))
            if (since := updated_since_param(self.request)) is not None:
                queryset = queryset.filter(published_at__gte=since)
        return queryset

    def get_serializer_class(self):
        return CaseSnapshotDetailSerializer if self.action == "retrieve" else CaseSnapshotSerializer

    def handle_exception(self, exc):
        # Errors are JSON even on the PDF download, whatever renderer was negotiated.
        if getattr(self, "action", None) == "pdf":
            self.request.accepted_renderer = renderers.JSONRenderer()
            self.request.accepted_media_type = "application/json"
        return super().handle_exception(exc)

    @extend_schema(
        parameters=[
            OpenApiParameter("account", int, description="Only this account's snapshots (its id)."),
            OpenApiParameter("updated_since", OpenApiTypes.DATETIME, description="Only snapshots published at or after this ISO-8601 time."),
        ]
    )
    def list(self, request, *args, **kwargs):
        return super().list(request, *args, **kwargs)

    @extend_schema(responses={(200, "application/pdf"): OpenApiResponse(response=OpenApiTypes.BINARY, description="The business case as a PDF.")})
    @action(detail=True, methods=["get"], url_path="pdf", renderer_classes=[PdfRenderer, *api_settings.DEFAULT_RENDERER_CLASSES])
    def pdf(self, request, pk=None):
        """The snapshot's PDF (rendered once and cached; the same bytes on every download)."""
        return pdf_response(self.get_object())
