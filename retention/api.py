"""The base of every organization-scoped API view.

The organization comes from the API key, or, for a logged-in browser session, from the
``X-Organization`` header (slug) checked against the user's memberships. ``TenantViewSet``
filters every queryset by it; subclasses provide ``safely_get_queryset`` and cannot override
``get_queryset``/``get_object``, so no endpoint can forget the filter.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied as DjangoPermissionDenied
from django.http import Http404
from rest_framework import exceptions, status, viewsets
from rest_framework.pagination import CursorPagination
from rest_framework.response import Response
from rest_framework.throttling import SimpleRateThrottle
from rest_framework.views import exception_handler as drf_exception_handler

from .models import ApiKey
from .permissions import HasOrganizationAccess  # noqa: F401  (re-exported for settings)


class TenantViewSet(viewsets.GenericViewSet):
    """Every query is filtered by ``request.organization``. Override ``safely_get_queryset``."""

    lookup_value_regex = r"[0-9]+"

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        for forbidden in ("get_queryset", "get_object"):
            if forbidden in cls.__dict__:
                raise TypeError(f"{cls.__name__} must not override {forbidden}; override safely_{forbidden} instead.")

    @property
    def organization(self):
        return self.request.organization

    def safely_get_queryset(self, queryset):
        return queryset

    def get_queryset(self):
        queryset = self.safely_get_queryset(self.queryset.all())
        return queryset.filter(organization=self.request.organization)

    def get_object(self):
        value = self.kwargs.get(self.lookup_url_kwarg or self.lookup_field)
        if value is not None and not str(value).isdigit() and self.lookup_field == "pk":
            raise exceptions.NotFound()
        return super().get_object()


class ApiKeyThrottle(SimpleRateThrottle):
    """Requests per API key (or per user for sessions), shared across processes through the cache."""

    scope = "api"

    def get_rate(self) -> str:
        from django.conf import settings

        return settings.API_THROTTLE_RATE

    def get_cache_key(self, request, view):
        if isinstance(request.auth, ApiKey):
            ident = f"key-{request.auth.pk}"
        elif request.user and request.user.is_authenticated:
            ident = f"user-{request.user.pk}"
        else:
            ident = self.get_ident(request)
        return f"throttle:{self.scope}:{ident}"


def _error_code(exc) -> str:
    codes = exc.get_codes() if hasattr(exc, "get_codes") else None
    if isinstance(codes, str):
        return codes
    return getattr(exc, "default_code", "error")


def exception_handler(exc, context):
    """Every API error is JSON: ``{"code": stable, "detail": human, "errors": {field: [...]}}``."""
    if isinstance(exc, Http404):
        exc = exceptions.NotFound()
    elif isinstance(exc, DjangoPermissionDenied):
        exc = exceptions.PermissionDenied()
    response = drf_exception_handler(exc, context)
    if response is None:
        return None
    if isinstance(exc, exceptions.ValidationError):
        body = {"code": "invalid", "detail": "The request has invalid fields; see errors.", "errors": exc.detail}
        if isinstance(exc.detail, list):
            body = {"code": "invalid", "detail": " ".join(str(d) for d in exc.detail), "errors": {}}
    else:
        detail = exc.detail if isinstance(exc.detail, str) else str(exc.detail)
        body = {"code": _error_code(exc), "detail": str(detail)}
    if isinstance(exc, exceptions.Throttled) and exc.wait is not None:
        body["retry_after_seconds"] = int(exc.wait + 0.999)
    response.data = body
    return response


def error_response(*, code: str, detail: str, http_status: int = status.HTTP_400_BAD_REQUEST, **extra) -> Response:
    return Response({"code": code, "detail": detail, **extra}, status=http_status)


class EventsThrottle(ApiKeyThrottle):
    """Requests per API key to the event-ingestion endpoints, at ``EVENTS_THROTTLE_RATE``."""

    scope = "events"

    def get_rate(self) -> str:
        from django.conf import settings

        return settings.EVENTS_THROTTLE_RATE


class StableCursorPagination(CursorPagination):
    """Cursor pagination for integrations: newest (re)computed rows first, then by id. A client
    that follows ``next`` sees every row once even while new rows arrive (they land before its
    cursor, and ``updated_since`` picks them up on the next pull)."""

    ordering = ("-computed_at", "-id")
    page_size = 100
    page_size_query_param = "limit"
    max_page_size = 500


UPDATED_SINCE_HELP = "Only rows created or changed at or after this ISO-8601 time (e.g. 2026-11-23T09:00:00Z): what changed since your last pull."


def parse_instant(raw: str):
    """An ISO-8601 timestamp (or a date, meaning its midnight UTC); naive values are UTC. None when
    the text is neither."""
    import datetime as dt

    from django.utils import timezone
    from django.utils.dateparse import parse_date, parse_datetime

    raw = raw.strip().replace(" ", "+")  # a '+' offset arrives as a space when not URL-encoded
    if "\x00" in raw:
        return None
    try:
        value = parse_datetime(raw)
        if value is None and (day := parse_date(raw)) is not None:
            value = dt.datetime.combine(day, dt.time.min)
    except ValueError:
        return None
    if value is not None and timezone.is_naive(value):
        value = timezone.make_aware(value, dt.UTC)
    return value


def reject_nul(request, *names: str) -> None:
    """PostgreSQL text cannot hold NUL: a filter containing one is a clear 400, not a 500."""
    for name in names:
        if "\x00" in request.query_params.get(name, ""):
            raise exceptions.ValidationError({name: ["Remove the NUL character (%00) from this filter."]})


def updated_since_param(request):
    """The ``updated_since`` query parameter as an aware datetime, None when absent; a clear 400
    when it is not an ISO-8601 date or time."""
    raw = request.query_params.get("updated_since")
    if raw is None:
        return None
    value = parse_instant(raw)
    if value is None:
        raise exceptions.ValidationError({"updated_since": ["Give an ISO-8601 date or time, e.g. 2026-11-23T09:00:00Z."]})
    return value


def cursor_pagination(*ordering: str) -> type[StableCursorPagination]:
    """A ``StableCursorPagination`` ordered by the given fields (newest first, then id)."""
    return type("CursorPagination", (StableCursorPagination,), {"ordering": ordering})
