"""Shared links (``/s/<token>``): create, resolve, revoke, count, rate-limit.

A shared link lets a person without a login (a customer's respondent or champion) see exactly one
thing: one purpose for one account of one organization. The token carries 256 bits of randomness
and only its SHA-256 hash is stored. Unknown, expired, revoked and wrong-purpose tokens all get
the same neutral 404 page, so a visitor learns nothing about which case applies.

Features register the view that serves their purpose with ``register_entry``; ``entry`` (the view
behind ``/s/<token>/``) resolves the link and hands it over.
"""

from __future__ import annotations

import functools
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime, timedelta
from ipaddress import ip_address

from django.conf import settings
from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models import F
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone

from . import rls
from .keys import hash_secret, new_secret
from .models import Organization, SharedLink, User

MAX_TOKEN_LENGTH = 100
MAX_EXPIRY_DAYS = 365


@dataclass(frozen=True)
class IssuedLink:
    """A new link and its token: the token is shown once and never stored."""

    link: SharedLink
    token: str

    @property
    def path(self) -> str:
        return reverse("shared_link", kwargs={"token": self.token})

    @property
    def url(self) -> str:
        return settings.SITE_URL.rstrip("/") + self.path


# --- Writes ----------------------------------------------------------------------------------


@transaction.atomic
def shared_link_create(
    *,
    organization: Organization,
    account,
    purpose: str,
    created_by: User | None,
    expires_at: datetime,
    target: models.Model | None = None,
    respondent_limit: int | None = None,
    label: str = "",
) -> IssuedLink:
    """Issue a link for one account of ``organization``. Raises ValidationError on bad input."""
    from .services import audit_record

    errors: dict[str, str] = {}
    if account.organization_id != organization.id:
        errors["account"] = "Choose one of your organization's accounts."
    if purpose not in SharedLink.Purpose.values:
        errors["purpose"] = "Unknown purpose."
    now = timezone.now()
    if expires_at <= now:
        errors["expires_at"] = "The expiry must be in the future."
    elif expires_at > now + timedelta(days=MAX_EXPIRY_DAYS):
        errors["expires_at"] = f"A link can live at most {MAX_EXPIRY_DAYS} days."
    if respondent_limit is not None and respondent_limit < 1:
        errors["respondent_limit"] = "The respondent limit must be at least 1, or empty for no limit."
    if target is not None and getattr(target, "organization_id", organization.id) != organization.id:
        errors["target"] = "The link can only open your organization's objects."
    if errors:
        raise ValidationError(errors)
    token = new_secret()
    link = SharedLink.objects.create(
        organization=organization,
        account=account,
        purpose=purpose,
        target_type=target._meta.label_lower if target is not None else "",
        target_id=target.pk if target is not None else None,
        label=label[:120],
        token_hash=hash_secret(token),
        created_by=created_by,
        expires_at=expires_at,
        respondent_limit=respondent_limit,
    )
    audit_record(
        organization=organization,
        actor=created_by,
        action="shared_link.created",
        target=link,
        after={"purpose": purpose, "account": account.name, "expires_at": expires_at.isoformat(), "respondent_limit": respondent_limit},
    )
    return IssuedLink(link=link, token=token)


@transaction.atomic
def shared_link_revoke(*, organization: Organization, link_id: int, by: User | None) -> SharedLink:
    link = SharedLink.objects.select_for_update().get(organization=organization, pk=link_id)
    if link.revoked_at is None:
        link.revoked_at = timezone.now()
        link.save(update_fields=["revoked_at"])
        from .services import audit_record

        audit_record(organization=organization, actor=by, action="shared_link.revoked", target=link, after={"revoked_at": link.revoked_at.isoformat()})
    return link


def shared_link_record_open(*, link: SharedLink) -> None:
    """Count one visitor opening the link (a new draft, not every page view)."""
    SharedLink.objects.filter(pk=link.pk, organization_id=link.organization_id).update(opened_count=F("opened_count") + 1, last_opened_at=timezone.now())


def shared_link_claim_response(*, link: SharedLink) -> bool:
    """Take one response slot; False when the respondent limit is reached (or the link died).

    A compare-and-swap in one UPDATE, so concurrent respondents can never exceed the limit.
    Plain SQL because it runs on every submission (the ORM's query building cost more than
    the statement).
    """
    table = connection.ops.quote_name(SharedLink._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"UPDATE {table} SET response_count = response_count + 1 WHERE id = %s AND organization_id = %s AND revoked_at IS NULL "
            "AND expires_at > %s AND (respondent_limit IS NULL OR response_count < respondent_limit)",
            [link.pk, link.organization_id, timezone.now()],
        )
        return cursor.rowcount == 1


# --- Reads -----------------------------------------------------------------------------------


def shared_link_resolve(*, token: str, purpose: str | None = None, scope: bool = False) -> SharedLink | None:
    """The usable link for ``token``, or None (unknown, expired, revoked or another purpose).

    With ``scope=True`` the transaction is also scoped to the link's organization for row-level
    security. On PostgreSQL that happens inside the lookup itself (``set_config`` evaluated on
    the one matching row), saving a round trip on every shared-link request; nothing is set
    when no row matches.
    """
    if not token or len(token) > MAX_TOKEN_LENGTH:
        return None
    if scope and rls.is_enabled():
        link = _lookup_and_scope(hash_secret(token))
    else:
        link = SharedLink.objects.select_related("organization").filter(token_hash=hash_secret(token)).first()
        if link is not None and scope:
            rls.activate(link.organization_id)
    if link is None or not link.is_usable:
        return None
    if purpose is not None and link.purpose != purpose:
        return None
    return link


def _lookup_and_scope(token_hash: str) -> SharedLink | None:
    """The link and its organization in one statement that also sets the RLS context."""
    link_fields = SharedLink._meta.concrete_fields
    org_fields = Organization._meta.concrete_fields
    quote = connection.ops.quote_name
    columns = [f"l.{quote(f.column)}" for f in link_fields] + [f"o.{quote(f.column)}" for f in org_fields]
    sql = (
        f"SELECT {', '.join(columns)}, set_config(%s, l.organization_id::text, true), set_config(%s, 'off', true) "
        f"FROM {quote(SharedLink._meta.db_table)} l JOIN {quote(Organization._meta.db_table)} o ON o.id = l.organization_id "
        "WHERE l.token_hash = %s"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [rls.ORG_SETTING, rls.BYPASS_SETTING, token_hash])
        row = cursor.fetchone()
    if row is None:
        return None
    link = SharedLink.from_db(connection.alias, [f.attname for f in link_fields], row[: len(link_fields)])
    organization = Organization.from_db(connection.alias, [f.attname for f in org_fields], row[len(link_fields) : len(link_fields) + len(org_fields)])
    link.organization = organization
    return link


def shared_link_list(*, organization: Organization, purpose: str | None = None, account_id: int | None = None):
    queryset = SharedLink.objects.filter(organization=organization).select_related("created_by").order_by("-created_at", "-id")
    if purpose:
        queryset = queryset.filter(purpose=purpose)
    if account_id is not None:
        queryset = queryset.filter(account_id=account_id)
    return queryset


def activate_for_request(request: HttpRequest, link: SharedLink, *, already_scoped: bool = False) -> None:
    """Scope the request's transaction to the link's organization (row-level security)."""
    if not already_scoped:
        rls.activate(link.organization_id)
    request.rls_activated = True
    request.shared_link = link


# --- Responses every purpose shares -------------------------------------------------------------


def not_found_response(request: HttpRequest) -> HttpResponse:
    """The one page for unknown, expired, revoked and wrong-purpose tokens. Says nothing specific."""
    response = render(request, "shared/link_unavailable.html", status=404)
    return _private(response)


def rate_limited_response(request: HttpRequest, retry_after: int) -> HttpResponse:
    response = render(request, "shared/rate_limited.html", {"retry_after": retry_after}, status=429)
    response["Retry-After"] = str(retry_after)
    return _private(response)


def _private(response: HttpResponse) -> HttpResponse:
    # Token URLs must stay out of caches, search engines and other sites' Referer headers.
    # ("same-origin", not "no-referrer": the latter makes browsers send ``Origin: null`` on the
    # page's own form posts, which the CSRF check rightly refuses.)
    response["Cache-Control"] = "no-store"
    response["X-Robots-Tag"] = "noindex, nofollow"
    response["Referrer-Policy"] = "same-origin"
    return response


private = _private


# --- Rate limiting ---------------------------------------------------------------------------


def _parse_rate(rate: str) -> tuple[int, int]:
    """``"120/m"`` → (120, 60). Units: s, m, h (also ``min``)."""
    count, _, unit = rate.partition("/")
    seconds = {"s": 1, "m": 60, "h": 3600}[unit.strip()[:1].lower()]
    return int(count), seconds


def client_address(request: HttpRequest) -> str:
    """The visitor's address. ``X-Forwarded-For`` is believed only from a configured proxy.

    With ``SHARED_LINK_TRUSTED_PROXIES`` set (the addresses of our own reverse proxies), the
    right-most address in ``X-Forwarded-For`` that is not one of them is the client; otherwise
    the header is ignored, since anyone can send it.
    """
    remote = request.META.get("REMOTE_ADDR", "") or "unknown"
    trusted = getattr(settings, "SHARED_LINK_TRUSTED_PROXIES", [])
    if remote not in trusted:
        return remote
    forwarded = [part.strip() for part in request.META.get("HTTP_X_FORWARDED_FOR", "").split(",") if part.strip()]
    for candidate in reversed(forwarded):
        if candidate in trusted:
            continue
        try:
            return str(ip_address(candidate))
        except ValueError:
            return remote
    return remote


_redis_clients: dict[int, object] = {}


def _incr_window(keys: list[tuple[str, int]]) -> list[int]:
    """Increment fixed-window counters; one Redis round trip when the cache is Redis."""
    backend = getattr(cache, "_cache", None)
    if backend is not None and hasattr(backend, "get_client"):
        full_keys = [(cache.make_and_validate_key(key), ttl) for key, ttl in keys]
        client = _redis_clients.get(id(backend))
        if client is None:  # one client per process: building one per call showed in profiles
            client = _redis_clients.setdefault(id(backend), backend.get_client(full_keys[0][0], write=True))
        pipe = client.pipeline(transaction=False)
        for key, ttl in full_keys:
            pipe.incr(key)
            pipe.expire(key, ttl + 1, nx=True)
        results = pipe.execute()
        return [int(results[i * 2]) for i in range(len(full_keys))]
    counts = []
    for key, ttl in keys:
        cache.add(key, 0, ttl + 1)
        try:
            counts.append(cache.incr(key))
        except ValueError:  # expired between add and incr
            cache.set(key, 1, ttl + 1)
            counts.append(1)
    return counts


def rate_limit(request: HttpRequest, *, link_id: int | None = None) -> int | None:
    """Count this request against the visitor's address (and the link); seconds to wait, or None.

    Limits come from ``SHARED_LINK_RATE_PER_ADDRESS`` and ``SHARED_LINK_RATE_PER_LINK``. The
    address limit also applies to unknown tokens, which is what slows down token guessing.
    """
    now = int(time.time())
    checks: list[tuple[str, int, int]] = []
    limit, period = _parse_rate(settings.SHARED_LINK_RATE_PER_ADDRESS)
    checks.append((f"sl:rl:a:{client_address(request)}:{now // period}", period, limit))
    if link_id is not None:
        limit, period = _parse_rate(settings.SHARED_LINK_RATE_PER_LINK)
        checks.append((f"sl:rl:l:{link_id}:{now // period}", period, limit))
    counts = _incr_window([(key, period) for key, period, _ in checks])
    waits = [period - now % period for (key, period, limit), count in zip(checks, counts, strict=True) if count > limit]
    return max(waits) if waits else None


# --- The /s/<token>/ entry point ----------------------------------------------------------------

_ENTRY_VIEWS: dict[str, Callable[..., HttpResponse]] = {}


def register_entry(purpose: str, view: Callable[..., HttpResponse]) -> None:
    """Serve ``/s/<token>/`` for links of ``purpose`` with ``view(request, link=..., token=...)``."""
    _ENTRY_VIEWS[purpose] = view


def entry(request: HttpRequest, token: str) -> HttpResponse:
    """Resolve the token and hand the request to the purpose's view (the same 404 otherwise)."""
    link, refusal = _resolve_for_request(request, token, purpose=None)
    if refusal is not None:
        return refusal
    if link.purpose not in _ENTRY_VIEWS:
        return not_found_response(request)
    return _private(_ENTRY_VIEWS[link.purpose](request, link=link, token=token))


def _resolve_for_request(request: HttpRequest, token: str, *, purpose: str | None) -> tuple[SharedLink | None, HttpResponse | None]:
    """(link, None) for a usable link within the rate limits, else (None, the response to send).

    The visitor's address is counted for every token, known or not (that is what slows down
    guessing); the link's own counter only for a real link. Both in one cache round trip.
    """
    link = shared_link_resolve(token=token, purpose=purpose, scope=True)
    # The lookup may have scoped the transaction even for an expired link: let the middleware
    # reset it wherever the transaction outlives the request (tests).
    request.rls_activated = True
    retry_after = rate_limit(request, link_id=link.pk if link else None)
    if retry_after:
        return None, rate_limited_response(request, retry_after)
    if link is None:
        return None, not_found_response(request)
    activate_for_request(request, link, already_scoped=True)
    return link, None


def guarded(purpose: str):
    """Decorate a view ``(request, token, ...)`` under ``/s/<token>/``: rate limits, resolution
    for ``purpose``, the neutral 404, RLS scoping and private headers. It receives ``link=``."""

    def decorator(view):
        @functools.wraps(view)
        def wrapper(request: HttpRequest, token: str, *args, **kwargs) -> HttpResponse:
            link, refusal = _resolve_for_request(request, token, purpose=purpose)
            if refusal is not None:
                return refusal
            return _private(view(request, *args, link=link, token=token, **kwargs))

        wrapper.shared_link_purpose = purpose
        return wrapper

    return decorator
