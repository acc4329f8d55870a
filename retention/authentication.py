"""DRF authentication by API key: ``Authorization: Bearer rk_live_…``, ``X-Api-Key``, or HTTP
Basic with the key as the user name (the way Segment sends its write key)."""

from __future__ import annotations

import base64
import binascii
from datetime import timedelta

from django.contrib.auth.models import AnonymousUser
from django.utils import timezone
from rest_framework import authentication, exceptions

from .keys import hash_secret, looks_like_api_key
from .models import ApiKey

LAST_USED_RESOLUTION = timedelta(minutes=1)


def api_key_from_request(request) -> str | None:
    header = request.META.get("HTTP_AUTHORIZATION", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value:
        return value.strip()
    if scheme.lower() == "basic" and value:
        try:
            decoded = base64.b64decode(value.strip(), validate=True).decode("utf-8")
        except (binascii.Error, UnicodeDecodeError):
            raise exceptions.AuthenticationFailed("Malformed Basic authorization header.") from None
        username, _, _password = decoded.partition(":")
        return username.strip() or None
    return request.META.get("HTTP_X_API_KEY") or None


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request):
        raw = api_key_from_request(request)
        if raw is None:
            return None
        if not looks_like_api_key(raw):
            raise exceptions.AuthenticationFailed("That is not a Retention API key (they start with rk_live_).")
        try:
            # get(), not first(): the hash is unique, and an ORDER BY only costs compiling it.
            key = ApiKey.objects.select_related("organization").get(key_hash=hash_secret(raw))
        except ApiKey.DoesNotExist:
            key = None
        if key is None or not key.is_active:
            raise exceptions.AuthenticationFailed("Unknown or revoked API key.")
        now = timezone.now()
        if key.last_used_at is None or now - key.last_used_at > LAST_USED_RESOLUTION:
            ApiKey.objects.filter(pk=key.pk).update(last_used_at=now)
            key.last_used_at = now
        return (AnonymousUser(), key)

    def authenticate_header(self, request) -> str:
        return f'{self.keyword} realm="api"'
