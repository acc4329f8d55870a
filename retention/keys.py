"""Secrets shown once and stored only as hashes: API keys, invitation and shared-link tokens."""

import hashlib
import secrets

API_KEY_PREFIX = "rk_live_"
# 32 bytes of randomness (256 bits), URL-safe.
_SECRET_BYTES = 32


def new_secret() -> str:
    return secrets.token_urlsafe(_SECRET_BYTES)


def new_api_key() -> str:
    return API_KEY_PREFIX + new_secret()


def hash_secret(raw: str) -> str:
    # The secrets carry 256 bits of entropy, so a fast hash is sufficient (no dictionary to attack).
    return hashlib.sha256(raw.encode("utf-8")).hexdigest()


def looks_like_api_key(raw: str) -> bool:
    return raw.startswith(API_KEY_PREFIX) and 20 <= len(raw) <= 200


def display_prefix(raw: str) -> str:
    return raw[: len(API_KEY_PREFIX) + 6]
