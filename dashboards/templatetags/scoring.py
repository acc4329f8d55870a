"""Template filters for scores: badge colours for bands and zone statuses."""

from django import template

register = template.Library()

_STATUS_BADGE = {
    "holding": "badge-green",
    "at_risk": "badge-yellow",
    "broken": "badge-red",
    "green": "badge-green",
    "yellow": "badge-yellow",
    "red": "badge-red",
}
_STATUS_LABEL = {
    "holding": "Holding",
    "at_risk": "At risk",
    "broken": "Broken",
    "unknown": "No evidence",
    "ok": "Fresh",
    "stale": "Stale",
    "missing": "Missing",
}


@register.filter
def badge_class(value: str) -> str:
    """CSS badge class for a band (green/yellow/red) or a zone status (holding/at_risk/broken)."""
    return _STATUS_BADGE.get(value, "")


@register.filter
def status_label(value: str) -> str:
    return _STATUS_LABEL.get(value, str(value).replace("_", " ").capitalize())


@register.filter
def get_item(mapping: dict, key):
    return mapping.get(key, "") if mapping else ""


@register.filter
def key_label(value: str) -> str:
    """``last_30_days`` → ``Last 30 days``."""
    return str(value).replace("_", " ").capitalize()
