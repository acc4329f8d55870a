"""API endpoints that take usage events in: our batch format and Segment's HTTP tracking API.

Thin edges over ``accounts.ingest.event_batch_ingest``: they bound the request (events and
bytes, checked before parsing), parse JSON, translate Segment's shape, and render the per-item
results. The organization is the API key's (or the session's ``X-Organization``); an account
external id of another organization is simply unknown.
"""

from __future__ import annotations

import orjson
from django.conf import settings
from django.db import connection, transaction
from django.http import HttpResponse
from django.http.request import RawPostDataException
from drf_spectacular.utils import OpenApiExample, OpenApiResponse, extend_schema, inline_serializer
from rest_framework import exceptions, serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from retention.api import EventsThrottle

from .ingest import BatchResult, ItemResult, event_batch_ingest

MAX_BATCH_EVENTS = 1000
MAX_BATCH_BYTES = 1024 * 1024


class RequestTooLarge(exceptions.APIException):
    status_code = status.HTTP_413_REQUEST_ENTITY_TOO_LARGE
    default_code = "payload_too_large"
    default_detail = f"A request may carry at most {MAX_BATCH_BYTES:,} bytes."


def _json_body(request):
    """The parsed body, refusing an oversized one before reading or parsing it."""
    http_request = request._request
    try:
        declared = int(http_request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > MAX_BATCH_BYTES:
        raise RequestTooLarge()
    try:
        body = http_request.read(MAX_BATCH_BYTES + 1)
    except RawPostDataException:  # something upstream already read it (e.g. a form-encoded CSRF check)
        body = http_request.body
    if len(body) > MAX_BATCH_BYTES:
        raise RequestTooLarge()
    try:
        return orjson.loads(body)  # strict: no NaN, no unpaired surrogates, UTF-8 only
    except orjson.JSONDecodeError as exc:
        raise exceptions.ParseError(f"The body is not valid JSON: {exc}", code="malformed_json")


def _items_of(body, key: str) -> list:
    if not isinstance(body, dict) or not isinstance(body.get(key), list):
        raise exceptions.ValidationError({key: [f"Send a JSON object with a '{key}' list."]})
    items = body[key]
    if len(items) > MAX_BATCH_EVENTS:
        raise RequestTooLarge(f"A batch may carry at most {MAX_BATCH_EVENTS:,} events; this one has {len(items):,}.", code="too_many_events")
    return items


def _item_json(item: ItemResult, *, index: int | None = None) -> dict:
    return {
        "index": item.index if index is None else index,
        "status": item.status,
        "message_id": item.message_id,
        "code": item.code,
        "detail": item.detail,
    }


def _json_response(body: dict) -> HttpResponse:
    # orjson renders the ItemResult dataclasses directly: a 1,000-item answer costs well under a millisecond.
    return HttpResponse(orjson.dumps(body), content_type="application/json")


def _batch_json(result: BatchResult) -> dict:
    return {"accepted": result.accepted, "duplicates": result.duplicates, "rejected": result.rejected, "results": result.results}


# --- schema (documentation only: the views parse the raw body themselves) ----------------------

_EVENT_FIELDS = {
    "account": serializers.CharField(max_length=100, help_text="The account's external id (your own id for the customer)."),
    "user": serializers.CharField(max_length=100, required=False, help_text="The user's external id; counts towards daily active users."),
    "event": serializers.CharField(max_length=100, help_text="The event name."),
    "timestamp": serializers.DateTimeField(help_text="ISO-8601; without an offset it is UTC. More than 1 hour in the future is rejected."),
    "properties": serializers.DictField(required=False, help_text="Any JSON object (at most 32 KiB)."),
    "value": serializers.FloatField(required=False, help_text="Optional number, summed per account, day and event."),
    "message_id": serializers.CharField(max_length=100, help_text="Your idempotency key, unique per organization: a re-sent event is a duplicate."),
}
_ITEM_FIELDS = {
    "index": serializers.IntegerField(help_text="Position of the event in the request."),
    "status": serializers.ChoiceField(choices=["accepted", "duplicate", "rejected"]),
    "message_id": serializers.CharField(allow_null=True),
    "code": serializers.CharField(
        allow_null=True,
        help_text="For a rejected event: unknown_account, missing_field, invalid_type, invalid_value or timestamp_in_future.",
    ),
    "detail": serializers.CharField(allow_null=True),
}
_BATCH_RESPONSE = inline_serializer(
    "EventBatchResult",
    {
        "accepted": serializers.IntegerField(help_text="Events stored by this request."),
        "duplicates": serializers.IntegerField(help_text="Events whose message_id was already stored or repeated in the batch; not counted again."),
        "rejected": serializers.IntegerField(help_text="Events refused; see their code and detail."),
        "results": inline_serializer("EventItemResult", _ITEM_FIELDS, many=True),
    },
)
_ERROR = inline_serializer("EventError", {"code": serializers.CharField(), "detail": serializers.CharField(), "errors": serializers.DictField(required=False)})
_ERRORS = {
    400: OpenApiResponse(_ERROR, description="Malformed JSON (`malformed_json`) or not the documented shape (`invalid`)."),
    403: OpenApiResponse(_ERROR, description="The API key lacks the write scope (`missing_scope`)."),
    413: OpenApiResponse(_ERROR, description="More than 1,000 events (`too_many_events`) or 1 MiB (`payload_too_large`)."),
    429: OpenApiResponse(_ERROR, description="Too many requests for this key; wait `Retry-After` seconds."),
}
_BATCH_EXAMPLE_REQUEST = {
    "events": [
        {
            "account": "cust-042",
            "user": "u-17",
            "event": "report_generated",
            "timestamp": "2026-05-01T12:30:00Z",
            "properties": {"format": "pdf"},
            "value": 1,
            "message_id": "9b2f6c1e-5d0a-4c55-9a35-1f1f2a7e0001",
        },
        {"account": "nobody", "event": "login", "timestamp": "2026-05-01T12:31:00Z", "message_id": "9b2f6c1e-5d0a-4c55-9a35-1f1f2a7e0002"},
    ]
}
_BATCH_EXAMPLE_RESPONSE = {
    "accepted": 1,
    "duplicates": 0,
    "rejected": 1,
    "results": [
        {"index": 0, "status": "accepted", "message_id": "9b2f6c1e-5d0a-4c55-9a35-1f1f2a7e0001", "code": None, "detail": None},
        {
            "index": 1,
            "status": "rejected",
            "message_id": "9b2f6c1e-5d0a-4c55-9a35-1f1f2a7e0002",
            "code": "unknown_account",
            "detail": "No account with external id 'nobody'.",
        },
    ],
}


class IngestView(APIView):
    """Base of the event endpoints: throttled per key, and outside the request-wide transaction.

    ``event_batch_ingest`` runs its own transaction and commits as soon as the rollups are
    written. Under ATOMIC_REQUESTS the commit would wait for the response to be built, while the
    rows of today's rollups -- which every concurrent batch needs -- stay locked.
    """

    throttle_classes = [EventsThrottle]

    @classmethod
    def as_view(cls, **initkwargs):
        return transaction.non_atomic_requests(super().as_view(**initkwargs))

    def dispatch(self, request, *args, **kwargs):
        if connection.in_atomic_block:
            # Called inside a caller's transaction (the test client's): a savepoint, so that an
            # error response rolls back this request only, as under ATOMIC_REQUESTS.
            with transaction.atomic():
                return super().dispatch(request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)


class EventBatchView(IngestView):
    """Store up to 1,000 usage events; each is accepted, a duplicate, or rejected with a code."""

    @extend_schema(
        operation_id="events_batch",
        summary="Send a batch of usage events",
        description=(
            "At most 1,000 events and 1 MiB per request (413 beyond). Each event is accepted or rejected on its own; "
            "a `message_id` already stored, or repeated in the batch, is acknowledged as a duplicate and never counted twice. "
            "Needs an API key with the `write` scope. Rollups (daily counts per event, daily active users) are updated in the same transaction."
        ),
        request=inline_serializer("EventBatch", {"events": inline_serializer("Event", _EVENT_FIELDS, many=True)}),
        responses={200: _BATCH_RESPONSE, **_ERRORS},
        examples=[
            OpenApiExample("A batch with one unknown account", value=_BATCH_EXAMPLE_REQUEST, request_only=True),
            OpenApiExample("Per-event results", value=_BATCH_EXAMPLE_RESPONSE, response_only=True, status_codes=["200"]),
        ],
        tags=["events"],
    )
    def post(self, request):
        events = _items_of(_json_body(request), "events")
        result = event_batch_ingest(organization=request.organization, events=events)
        return _json_response(_batch_json(result))


# --- Segment -------------------------------------------------------------------------------------

IGNORED = "ignored"


def _segment_account(message: dict) -> str | None:
    context = message.get("context") if isinstance(message.get("context"), dict) else {}
    properties = message.get("properties") if isinstance(message.get("properties"), dict) else {}
    traits = context.get("traits") if isinstance(context.get("traits"), dict) else {}
    name = settings.SEGMENT_ACCOUNT_PROPERTY
    for candidate in (context.get("groupId"), message.get("groupId"), properties.get(name), traits.get(name)):
        if candidate not in (None, ""):
            return _segment_id(candidate)
    return None


def _segment_id(value):
    # Some Segment libraries send numeric ids; ours are strings. Anything else is left for
    # ingest to reject with invalid_type.
    if isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    return value


def segment_track_as_event(message: dict) -> dict:
    """Translate a Segment ``track`` call into our event shape (validation happens in ingest).

    A missing ``timestamp`` falls back to ``originalTimestamp`` and then to the time of receipt,
    as Segment itself does; ``properties.value`` becomes the event's value when it is a number.
    """
    properties = message.get("properties")
    value = properties.get("value") if isinstance(properties, dict) else None
    if isinstance(value, bool) or not isinstance(value, int | float):
        value = None
    timestamp = message.get("timestamp") or message.get("originalTimestamp")
    event = {
        "account": _segment_account(message),
        "user": _segment_id(message.get("userId")),
        "event": message.get("event"),
        "timestamp": timestamp,
        "properties": properties,
        "value": value,
        "message_id": message.get("messageId"),
    }
    if not timestamp:
        from django.utils import timezone

        event["timestamp"] = timezone.now()
    return event


def _segment_ingest(request, messages: list) -> dict:
    """Store the ``track`` calls among ``messages``; acknowledge every other type as ignored."""
    track_positions: list[int] = []
    events: list = []
    ignored: dict[int, dict] = {}
    for position, message in enumerate(messages):
        kind = message.get("type", "track") if isinstance(message, dict) else None
        if kind == "track":
            track_positions.append(position)
            events.append(segment_track_as_event(message))
        elif isinstance(message, dict):
            ignored[position] = {
                "index": position,
                "status": IGNORED,
                "message_id": message.get("messageId") if isinstance(message.get("messageId"), str) else None,
                "code": "unsupported_type",
                "detail": f"Only 'track' calls are stored; this '{kind}' call is acknowledged and ignored.",
            }
        else:
            track_positions.append(position)
            events.append(message)  # not an object: ingest rejects it as invalid_type
    result = event_batch_ingest(organization=request.organization, events=events)
    items = dict(ignored)
    for item in result.results:
        position = track_positions[item.index]
        items[position] = _item_json(item, index=position)
        if item.code == "missing_field" and events[item.index].get("account") is None:
            items[position]["detail"] = f"No account: send context.groupId, groupId, or '{settings.SEGMENT_ACCOUNT_PROPERTY}' in properties or context.traits."
    return {
        "success": True,
        "accepted": result.accepted,
        "duplicates": result.duplicates,
        "rejected": result.rejected,
        "ignored": len(ignored),
        "results": [items[position] for position in range(len(messages))],
    }


_SEGMENT_RESPONSE = inline_serializer(
    "SegmentResult",
    {
        "success": serializers.BooleanField(),
        "accepted": serializers.IntegerField(),
        "duplicates": serializers.IntegerField(),
        "rejected": serializers.IntegerField(),
        "ignored": serializers.IntegerField(help_text="Calls of other types than track (identify, page …): acknowledged, not stored."),
        "results": inline_serializer(
            "SegmentItemResult", {**_ITEM_FIELDS, "status": serializers.ChoiceField(choices=["accepted", "duplicate", "rejected", IGNORED])}, many=True
        ),
    },
)
_SEGMENT_TRACK_EXAMPLE = {
    "type": "track",
    "userId": "u-17",
    "event": "Report Generated",
    "properties": {"format": "pdf", "value": 1},
    "context": {"groupId": "cust-042"},
    "timestamp": "2026-05-01T12:30:00.000Z",
    "messageId": "ajs-next-1714566600000-0001",
}
_SEGMENT_DESCRIPTION = (
    "Point a Segment HTTP destination (or any Segment library) here. Authenticate as Segment sends its write key: HTTP Basic with an "
    "API key (write scope) as the user name and an empty password. The account is `context.groupId`, else `groupId`, else the "
    "`SEGMENT_ACCOUNT_PROPERTY` key (default `account_id`) of `properties`, then of `context.traits`. `userId` is the user; "
    "`messageId` the idempotency key."
)


class SegmentTrackView(IngestView):
    """Segment's ``track`` call: one event."""

    @extend_schema(
        operation_id="segment_track",
        summary="Segment-compatible track",
        description=_SEGMENT_DESCRIPTION + " A rejected event answers 400 with its code; accepted and duplicate answer 200.",
        request=inline_serializer("SegmentTrack", {"type": serializers.CharField(required=False), "event": serializers.CharField()}),
        responses={200: _SEGMENT_RESPONSE, **_ERRORS},
        examples=[OpenApiExample("A track call", value=_SEGMENT_TRACK_EXAMPLE, request_only=True)],
        tags=["events"],
    )
    def post(self, request):
        message = _json_body(request)
        if not isinstance(message, dict):
            raise exceptions.ValidationError({"event": ["Send a Segment track call as a JSON object."]})
        body = _segment_ingest(request, [{**message, "type": message.get("type", "track")}])
        item = body["results"][0]
        if item["status"] == "rejected":
            return Response({"code": item["code"], "detail": item["detail"], **body}, status=status.HTTP_400_BAD_REQUEST)
        return _json_response(body)


class SegmentBatchView(IngestView):
    """Segment's ``batch`` call: up to 1,000 calls; ``track`` ones are stored, others acknowledged."""

    @extend_schema(
        operation_id="segment_batch",
        summary="Segment-compatible batch",
        description=_SEGMENT_DESCRIPTION + " At most 1,000 calls and 1 MiB per request; calls other than `track` are acknowledged with status `ignored`.",
        request=inline_serializer("SegmentBatch", {"batch": serializers.ListField(child=serializers.DictField())}),
        responses={200: _SEGMENT_RESPONSE, **_ERRORS},
        examples=[
            OpenApiExample(
                "A batch from Segment",
                value={"batch": [_SEGMENT_TRACK_EXAMPLE, {"type": "identify", "userId": "u-17", "traits": {"email": "pat@example.com"}, "messageId": "m-2"}]},
                request_only=True,
            )
        ],
        tags=["events"],
    )
    def post(self, request):
        messages = _items_of(_json_body(request), "batch")
        return _json_response(_segment_ingest(request, messages))
