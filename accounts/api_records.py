"""REST endpoints for customer records (accounts, contacts, contract lines, tickets, survey
answers, touchpoints): list, retrieve, create, update, and upsert by external id.

Thin by design: parse with a serializer, call one ``accounts.services`` function, render. Lists
are keyset-paginated on ``(updated_at, id)`` so an integration can sync incrementally with
``updated_since`` and a cursor that never skips or repeats a row.
"""

from __future__ import annotations

import base64
import binascii
import datetime as dt
from collections.abc import Callable
from urllib.parse import urlencode

from django.core.exceptions import ValidationError as DjangoValidationError
from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiExample, OpenApiParameter, OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import exceptions, mixins, serializers, status
from rest_framework.decorators import action
from rest_framework.metadata import SimpleMetadata
from rest_framework.pagination import BasePagination
from rest_framework.response import Response

from retention.api import ApiKeyThrottle, TenantViewSet, parse_instant, reject_nul
from retention.models import ApiKey

from . import serializers as s
from . import services
from .models import Account, Contact, ContractLine, SupportTicket, SurveyAnswer, Touchpoint
from .selectors import can_edit_account

# --- Pagination and filters -----------------------------------------------------------------


class UpdatedAtCursorPagination(BasePagination):
    """Keyset pagination on ``(updated_at, id)``: stable while rows are added or changed."""

    page_size = 100
    max_page_size = 500
    cursor_query_param = "cursor"
    limit_query_param = "limit"

    def _limit(self, request) -> int:
        raw = request.query_params.get(self.limit_query_param)
        if raw is None:
            return self.page_size
        if not raw.isdigit() or int(raw) < 1:
            raise serializers.ValidationError({self.limit_query_param: [f"Give a page size between 1 and {self.max_page_size}."]})
        return min(int(raw), self.max_page_size)

    @staticmethod
    def encode(updated_at: dt.datetime, pk: int) -> str:
        return base64.urlsafe_b64encode(f"{updated_at.isoformat()}|{pk}".encode()).decode().rstrip("=")

    @staticmethod
    def decode(cursor: str) -> tuple[dt.datetime, int]:
        try:
            text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
            instant, _, pk = text.partition("|")
            updated_at = dt.datetime.fromisoformat(instant)
            return updated_at, int(pk)
        except (binascii.Error, UnicodeDecodeError, ValueError):
            raise serializers.ValidationError({"cursor": ["This cursor is not one the API gave out; start again without it."]})

    def paginate_queryset(self, queryset: QuerySet, request, view=None) -> list:
        self.request = request
        limit = self._limit(request)
        queryset = queryset.order_by("updated_at", "id")
        cursor = request.query_params.get(self.cursor_query_param)
        if cursor:
            updated_at, pk = self.decode(cursor)
            queryset = queryset.filter(Q(updated_at__gt=updated_at) | Q(updated_at=updated_at, id__gt=pk))
        rows = list(queryset[: limit + 1])
        self.next_cursor = self.encode(rows[limit - 1].updated_at, rows[limit - 1].pk) if len(rows) > limit else None
        return rows[:limit]

    def get_next_link(self) -> str | None:
        if self.next_cursor is None:
            return None
        params = self.request.query_params.copy()
        params[self.cursor_query_param] = self.next_cursor
        return self.request.build_absolute_uri(self.request.path) + "?" + urlencode(params)

    def get_paginated_response(self, data) -> Response:
        return Response({"next": self.get_next_link(), "results": data})

    def get_paginated_response_schema(self, schema: dict) -> dict:
        return {
            "type": "object",
            "required": ["next", "results"],
            "properties": {
                "next": {"type": "string", "format": "uri", "nullable": True, "description": "The next page, or null on the last page."},
                "results": schema,
            },
        }

    def get_schema_operation_parameters(self, view) -> list[dict]:
        return [
            {
                "name": self.cursor_query_param,
                "in": "query",
                "required": False,
                "description": "Opaque position from a previous page's `next` link.",
                "schema": {"type": "string"},
            },
            {
                "name": self.limit_query_param,
                "in": "query",
                "required": False,
                "description": f"Page size, 1–{self.max_page_size} (default {self.page_size}).",
                "schema": {"type": "integer", "minimum": 1, "maximum": self.max_page_size},
            },
        ]


LIST_PARAMETERS = [
    OpenApiParameter(
        "updated_since",
        OpenApiTypes.DATETIME,
        description="Only records changed at or after this ISO-8601 time (e.g. 2025-01-31T00:00:00Z; a date means its midnight UTC).",
    ),
    OpenApiParameter("external_id", OpenApiTypes.STR, description="Only the record with this external id."),
]
ACCOUNT_FILTER = OpenApiParameter("account", OpenApiTypes.STR, description="Only records of the account with this external id.")


def _django_to_drf(exc: DjangoValidationError) -> serializers.ValidationError:
    if hasattr(exc, "error_dict"):
        errors = {("non_field_errors" if k == "__all__" else k): v for k, v in exc.message_dict.items()}
        return serializers.ValidationError(errors)
    return serializers.ValidationError({"non_field_errors": exc.messages})


class RecordMetadata(SimpleMetadata):
    """OPTIONS without the per-method field listing: DRF builds it by loading the object, which
    a collection route answering PUT (the upsert) does not have. The OpenAPI schema documents
    the fields instead."""

    def determine_actions(self, request, view) -> dict:
        return {}


# --- The shared view ------------------------------------------------------------------------


class RecordViewSet(mixins.ListModelMixin, mixins.RetrieveModelMixin, TenantViewSet):
    """List, retrieve, create, update (PUT/PATCH) and upsert one record type through its services."""

    throttle_classes = [ApiKeyThrottle]
    pagination_class = UpdatedAtCursorPagination
    metadata_class = RecordMetadata
    http_method_names = ["get", "post", "put", "patch", "head", "options"]
    select_related: tuple[str, ...] = ("account",)
    prefetch_related: tuple[str, ...] = ()
    filters_by_account = True
    # Set by each resource: services.<type>_create / _update / _upsert, and _update's instance kwarg.
    create_service: Callable
    update_service: Callable
    upsert_service: Callable
    instance_kwarg: str

    def safely_get_queryset(self, queryset: QuerySet) -> QuerySet:
        return queryset.select_related(*self.select_related).prefetch_related(*self.prefetch_related)

    def filter_queryset(self, queryset: QuerySet) -> QuerySet:
        if self.action != "list":
            return queryset
        params = self.request.query_params
        reject_nul(self.request, "updated_since", "external_id", "account")
        if "updated_since" in params:
            since = parse_instant(params["updated_since"])
            if since is None:
                raise serializers.ValidationError(
                    {"updated_since": [f"'{params['updated_since']}' is not an ISO-8601 time; use e.g. 2025-01-31T00:00:00Z or 2025-01-31."]}
                )
            queryset = queryset.filter(updated_at__gte=since)
        if "external_id" in params:
            queryset = queryset.filter(external_id=params["external_id"])
        if self.filters_by_account and "account" in params:
            queryset = queryset.filter(account__external_id=params["account"])
        return queryset

    @property
    def actor(self):
        return self.request.auth if isinstance(self.request.auth, ApiKey) else self.request.user

    def _check_may_edit(self, *, record=None, data: dict | None = None) -> None:
        """A logged-in CSM changes only the accounts they own (DESIGN.md §3), as in the pages.
        API keys are not tied to a person: their ``write`` scope is the permission."""
        membership = getattr(self.request._request, "membership", None)
        if isinstance(self.request.auth, ApiKey) or membership is None:
            return
        accounts = []
        if record is not None:
            accounts.append(record if isinstance(record, Account) else record.account)
        if data and isinstance(data.get("account"), str):
            accounts += list(Account.objects.filter(organization=self.organization, external_id=data["account"]))
        for account in accounts or [None]:
            if not can_edit_account(membership=membership, account=account):
                raise exceptions.PermissionDenied("You can change only the accounts you own; ask an admin.", code="not_account_owner")

    def _respond(self, instance, http_status: int) -> Response:
        # Re-read through the tenant queryset so the body shows stored values with their relations.
        fresh = self.get_queryset().get(pk=instance.pk)
        return Response(self.get_serializer(fresh).data, status=http_status)

    def create(self, request, *args, **kwargs) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        self._check_may_edit(data=serializer.validated_data)
        try:
            instance = type(self).create_service(organization=self.organization, actor=self.actor, data=dict(serializer.validated_data))
        except DjangoValidationError as exc:
            raise _django_to_drf(exc)
        return self._respond(instance, status.HTTP_201_CREATED)

    def update(self, request, *args, **kwargs) -> Response:
        instance = self.get_object()
        serializer = self.get_serializer(instance, data=request.data, partial=kwargs.get("partial", False))
        serializer.is_valid(raise_exception=True)
        self._check_may_edit(record=instance, data=serializer.validated_data)
        try:
            instance = type(self).update_service(
                organization=self.organization, actor=self.actor, data=dict(serializer.validated_data), **{self.instance_kwarg: instance}
            )
        except DjangoValidationError as exc:
            raise _django_to_drf(exc)
        return self._respond(instance, status.HTTP_200_OK)

    def partial_update(self, request, *args, **kwargs) -> Response:
        return self.update(request, *args, partial=True, **kwargs)

    @action(detail=False, methods=["put"], url_path="upsert")
    def upsert(self, request) -> Response:
        serializer = self.get_serializer(data=request.data, partial=True)
        serializer.is_valid(raise_exception=True)
        data = dict(serializer.validated_data)
        if not data.get("external_id"):
            raise serializers.ValidationError({"external_id": ["An upsert matches on external_id; send it."]})
        existing = self.get_queryset().filter(external_id=data["external_id"]).first()
        self._check_may_edit(record=existing, data=data)
        try:
            instance, created = type(self).upsert_service(organization=self.organization, external_id=data.pop("external_id"), actor=self.actor, data=data)
        except DjangoValidationError as exc:
            raise _django_to_drf(exc)
        return self._respond(instance, status.HTTP_201_CREATED if created else status.HTTP_200_OK)

    @action(detail=False, methods=["get"], url_path=r"by-external-id/(?P<external_id>[^/]+)")
    def by_external_id(self, request, external_id: str) -> Response:
        if "\x00" in external_id:
            raise Http404  # no stored external id can contain NUL
        instance = get_object_or_404(self.get_queryset(), external_id=external_id)
        return Response(self.get_serializer(instance).data)


# --- Schema documentation -------------------------------------------------------------------

# Error responses (401, 403, 404, 429 …) are added to every operation by retention.openapi;
# the 400 is declared here too so that it can carry a validation example.
ERROR_REF = {"$ref": "#/components/schemas/Error"}
ERRORS = {400: OpenApiResponse(ERROR_REF, description="Invalid input; `errors` has a list of messages per field.")}
VALIDATION_EXAMPLE = OpenApiExample(
    "Validation error",
    value={
        "code": "invalid",
        "detail": "The request has invalid fields; see errors.",
        "errors": {"account": ["No account with external id 'acme-9' in this organization."]},
    },
    response_only=True,
    status_codes=["400"],
)


def _documented(*, plural: str, singular: str, serializer, example: dict, by_account: bool = True):
    """OpenAPI descriptions and examples for one resource's operations."""
    list_parameters = [*LIST_PARAMETERS, *([ACCOUNT_FILTER] if by_account else [])]
    a = f"{'an' if singular[0] in 'aeiou' else 'a'} {singular}"
    request_example = OpenApiExample(a.capitalize(), value=example, request_only=True)
    response_example = OpenApiExample(
        a.capitalize(), value={"id": 42, **example, "created_at": "2025-02-01T09:30:00Z", "updated_at": "2025-02-03T14:00:00Z"}, response_only=True
    )
    tags = [plural.replace("-", " ")]
    return extend_schema_view(
        list=extend_schema(
            summary=f"List {plural.replace('-', ' ')}",
            description="Ordered by last change; follow `next` for more. Use `updated_since` to fetch only what changed since your last sync.",
            parameters=list_parameters,
            responses={200: serializer(many=True), **ERRORS},
            tags=tags,
        ),
        retrieve=extend_schema(summary=f"Get {a}", responses={200: serializer, **ERRORS}, examples=[response_example], tags=tags),
        create=extend_schema(
            summary=f"Create {a}",
            request=serializer,
            responses={201: serializer, **ERRORS},
            examples=[request_example, response_example, VALIDATION_EXAMPLE],
            tags=tags,
        ),
        update=extend_schema(
            summary=f"Update {a}",
            description="Send every required field; fields left out keep their current values.",
            request=serializer,
            responses={200: serializer, **ERRORS},
            examples=[request_example, VALIDATION_EXAMPLE],
            tags=tags,
        ),
        partial_update=extend_schema(summary=f"Change some fields of {a}", responses={200: serializer, **ERRORS}, tags=tags),
        upsert=extend_schema(
            summary=f"Create or update {a} by external id",
            description="Send `external_id` (required here) and the fields to set. Matches `external_id` within your organization: creates the record (201) when it is new, otherwise changes the fields sent (200).",
            request=serializer,
            responses={
                200: OpenApiResponse(serializer, description="An existing record was updated."),
                201: OpenApiResponse(serializer, description="A new record was created."),
                **ERRORS,
            },
            examples=[request_example, VALIDATION_EXAMPLE],
            tags=tags,
        ),
        by_external_id=extend_schema(
            summary=f"Get {a} by external id",
            parameters=[OpenApiParameter("external_id", OpenApiTypes.STR, OpenApiParameter.PATH, description="Your id for the record.")],
            responses={200: serializer, **ERRORS},
            tags=tags,
        ),
    )


# --- Resources ------------------------------------------------------------------------------


@_documented(
    plural="accounts",
    singular="account",
    serializer=s.AccountSerializer,
    example={
        "external_id": "cus_1042",
        "name": "Initech",
        "domain": "initech.example",
        "segment": "mid_market",
        "tier": "gold",
        "owner": "csm@vendor.example",
        "lifecycle_stage": "adopting",
        "touch_model": "human",
        "start_date": "2025-01-15",
        "churned_on": None,
    },
    by_account=False,
)
class AccountViewSet(RecordViewSet):
    queryset = Account.objects.all()
    serializer_class = s.AccountSerializer
    select_related = ("owner",)
    filters_by_account = False
    create_service = staticmethod(services.account_create)
    update_service = staticmethod(services.account_update)
    upsert_service = staticmethod(services.account_upsert)
    instance_kwarg = "account"


@_documented(
    plural="contacts",
    singular="contact",
    serializer=s.ContactSerializer,
    example={
        "external_id": "usr_77",
        "account": "cus_1042",
        "name": "Pat Lee",
        "email": "pat@initech.example",
        "title": "VP Operations",
        "department": "Operations",
        "stakeholder_role": "executive_sponsor",
        "last_engaged_at": "2025-03-04T16:00:00Z",
        "left_on": None,
    },
)
class ContactViewSet(RecordViewSet):
    queryset = Contact.objects.all()
    serializer_class = s.ContactSerializer
    create_service = staticmethod(services.contact_create)
    update_service = staticmethod(services.contact_update)
    upsert_service = staticmethod(services.contact_upsert)
    instance_kwarg = "contact"


@_documented(
    plural="contracts",
    singular="contract line",
    serializer=s.ContractLineSerializer,
    example={
        "external_id": "sub_5531",
        "account": "cus_1042",
        "product": "Growth plan",
        "is_addon": False,
        "mrr": "2400.00",
        "seats_licensed": 40,
        "start_date": "2025-01-15",
        "end_date": None,
        "renewal_date": "2026-01-15",
        "billing_period": "annual",
        "discount_percent": "10.00",
    },
)
class ContractLineViewSet(RecordViewSet):
    queryset = ContractLine.objects.all()
    serializer_class = s.ContractLineSerializer
    create_service = staticmethod(services.contract_line_create)
    update_service = staticmethod(services.contract_line_update)
    upsert_service = staticmethod(services.contract_line_upsert)
    instance_kwarg = "contract_line"


@_documented(
    plural="tickets",
    singular="support ticket",
    serializer=s.TicketSerializer,
    example={
        "external_id": "zd_88812",
        "account": "cus_1042",
        "subject": "CSV export times out",
        "priority": "high",
        "status": "open",
        "escalated": True,
        "opened_at": "2025-03-01T08:12:00Z",
        "resolved_at": None,
    },
)
class TicketViewSet(RecordViewSet):
    queryset = SupportTicket.objects.all()
    serializer_class = s.TicketSerializer
    create_service = staticmethod(services.ticket_create)
    update_service = staticmethod(services.ticket_update)
    upsert_service = staticmethod(services.ticket_upsert)
    instance_kwarg = "ticket"


@_documented(
    plural="survey-answers",
    singular="survey answer",
    serializer=s.SurveyAnswerSerializer,
    example={
        "external_id": "nps_2025q1_77",
        "account": "cus_1042",
        "contact": "usr_77",
        "kind": "nps",
        "score": 9,
        "comment": "Reporting saves us a day a week.",
        "answered_at": "2025-03-10T12:00:00Z",
    },
)
class SurveyAnswerViewSet(RecordViewSet):
    queryset = SurveyAnswer.objects.all()
    serializer_class = s.SurveyAnswerSerializer
    select_related = ("account", "contact")
    create_service = staticmethod(services.survey_answer_create)
    update_service = staticmethod(services.survey_answer_update)
    upsert_service = staticmethod(services.survey_answer_upsert)
    instance_kwarg = "survey_answer"


@_documented(
    plural="touchpoints",
    singular="touchpoint",
    serializer=s.TouchpointSerializer,
    example={
        "external_id": "mtg_301",
        "account": "cus_1042",
        "kind": "qbr",
        "occurred_at": "2025-03-20T15:00:00Z",
        "executive_present": True,
        "summary": "Reviewed Q1 outcomes; agreed on rollout to the finance team.",
        "contacts": ["usr_77", "usr_80"],
    },
)
class TouchpointViewSet(RecordViewSet):
    queryset = Touchpoint.objects.all()
    serializer_class = s.TouchpointSerializer
    prefetch_related = ("contacts",)
    create_service = staticmethod(services.touchpoint_create)
    update_service = staticmethod(services.touchpoint_update)
    upsert_service = staticmethod(services.touchpoint_upsert)
    instance_kwarg = "touchpoint"
