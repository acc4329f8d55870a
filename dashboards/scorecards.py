"""Scorecard definitions: the default measures, validation of an edited definition, versions.

A definition is plain JSON so that every stored score can be explained with the exact rules it
was computed with. Measures map a raw value onto 0–100 linearly between ``zero_at`` (→ 0) and
``full_at`` (→ 100); ``zero_at`` may be above ``full_at`` when lower raw values are better.
"""

from __future__ import annotations

import copy

from django.core.exceptions import ValidationError
from django.db import transaction

from retention.models import Organization, User

from .models import Scorecard

# key -> (label, definition a user can read: the same words as the formula)
MEASURES: dict[str, tuple[str, str]] = {
    "usage_depth": (
        "Usage depth",
        "Value events per active user over the last 28 days, as a percentile among the organization's accounts (0 = lowest, 100 = highest).",
    ),
    "usage_trend": ("Usage trend", "Change in value events: last 28 days versus the 28 days before (+0.1 = 10% more)."),
    "breadth": ("Breadth", "Distinct active users in the last 28 days divided by seats licensed."),
    "key_feature_adoption": ("Key-feature adoption", "Share of the key features used at least once in the last 28 days."),
    "outcome_progress": ("Outcome progress", "Success-plan KPI progress relative to the time elapsed (1 = on track)."),
    "sentiment": ("Sentiment", "Mean of NPS (×10) and CSAT (1–5 → 0–100) answers of the last 180 days and the latest health check (0–100)."),
    "support": (
        "Support load and trend",
        "Weighted tickets opened in the last 28 days (urgent or escalated ×3, high ×2), 30% of it by the change versus the 28 days before.",
    ),
    "relationship": (
        "Relationship",
        "Days since the last executive touchpoint, combined half-and-half with the number of engaged stakeholder roles in the last 90 days.",
    ),
    "recency": ("Recency", "Days since the account's last product event."),
}

# Value events: what the product exists for (the simulator's vocabulary); an admin edits these.
DEFAULT_VALUE_EVENTS = [
    "report_generated",
    "report_shared",
    "automation_run",
    "workflow_completed",
    "integration_synced",
    "dashboard_shared",
    "insight_acted_on",
    "forecast_published",
]
DEFAULT_KEY_FEATURES = ["report_shared", "automation_run", "workflow_completed", "integration_synced", "insight_acted_on"]


def default_definition() -> dict:
    return {
        "measures": {
            "usage_depth": {"weight": 15, "zero_at": 0, "full_at": 100},
            "usage_trend": {"weight": 15, "zero_at": -0.5, "full_at": 0.2},
            "breadth": {"weight": 10, "zero_at": 0, "full_at": 0.8},
            "key_feature_adoption": {"weight": 10, "zero_at": 0, "full_at": 1},
            "outcome_progress": {"weight": 15, "zero_at": 0, "full_at": 1},
            "sentiment": {"weight": 10, "zero_at": 0, "full_at": 100, "stale_after_days": 180},
            "support": {"weight": 5, "zero_at": 10, "full_at": 0},
            "relationship": {"weight": 10, "zero_at": 180, "full_at": 30, "roles_full_at": 3},
            "recency": {"weight": 10, "zero_at": 30, "full_at": 0},
        },
        "bands": {"green": 70, "yellow": 40},
        "value_events": list(DEFAULT_VALUE_EVENTS),
        "key_features": list(DEFAULT_KEY_FEATURES),
        # Usage data counts as stale when the organization's newest event is older than this.
        "usage_stale_after_days": 3,
    }


def validate_definition(definition: dict) -> dict:
    """A complete, clean copy of ``definition`` or a ValidationError naming each problem."""
    errors: dict[str, list[str]] = {}
    clean = default_definition()
    measures = definition.get("measures") or {}
    for key, spec in measures.items():
        if key not in MEASURES:
            errors.setdefault("measures", []).append(f"Unknown measure {key!r}.")
            continue
        merged = {**clean["measures"][key], **spec}
        try:
            merged["weight"] = float(merged["weight"])
            merged["zero_at"] = float(merged["zero_at"])
            merged["full_at"] = float(merged["full_at"])
        except (TypeError, ValueError):
            errors.setdefault(key, []).append("Weight and thresholds must be numbers.")
            continue
        if merged["weight"] < 0:
            errors.setdefault(key, []).append("A weight cannot be negative.")
        if merged["zero_at"] == merged["full_at"]:
            errors.setdefault(key, []).append("The 0 and 100 thresholds must differ.")
        clean["measures"][key] = merged
    if not errors and sum(m["weight"] for m in clean["measures"].values()) <= 0:
        errors.setdefault("measures", []).append("At least one measure needs a positive weight.")
    bands = {**clean["bands"], **(definition.get("bands") or {})}
    try:
        green, yellow = float(bands["green"]), float(bands["yellow"])
    except (TypeError, ValueError):
        errors.setdefault("bands", []).append("Band limits must be numbers.")
    else:
        if not 0 < yellow < green <= 100:
            errors.setdefault("bands", []).append("Band limits must satisfy 0 < yellow < green ≤ 100.")
        clean["bands"] = {"green": green, "yellow": yellow}
    for key in ("value_events", "key_features"):
        if key in definition:
            names = [str(n).strip() for n in definition[key] if str(n).strip()]
            if any(len(n) > 100 for n in names):
                errors.setdefault(key, []).append("Event names are at most 100 characters.")
            clean[key] = sorted(set(names))
    if "usage_stale_after_days" in definition:
        try:
            clean["usage_stale_after_days"] = max(1, int(definition["usage_stale_after_days"]))
        except (TypeError, ValueError):
            errors.setdefault("usage_stale_after_days", []).append("Must be a whole number of days.")
    if errors:
        raise ValidationError(errors)
    return clean


def scorecard_get_active(*, organization: Organization) -> Scorecard:
    """The organization's active scorecard; the default one is created on first use."""
    scorecard = Scorecard.objects.filter(organization=organization, is_active=True).first()
    if scorecard is not None:
        return scorecard
    with transaction.atomic():
        if not Scorecard.objects.filter(organization=organization).exists():
            return Scorecard.objects.create(organization=organization, version=1, is_active=True, definition=default_definition(), note="Default scorecard")
    return Scorecard.objects.get(organization=organization, is_active=True)


def scorecard_create_version(*, organization: Organization, definition: dict, by: User | None, note: str = "") -> Scorecard:
    """Validate ``definition`` and make it the active version; earlier versions stay for history."""
    from retention.services import audit_record

    clean = validate_definition(copy.deepcopy(definition))
    with transaction.atomic():
        current = Scorecard.objects.select_for_update().filter(organization=organization, is_active=True).first()
        last = Scorecard.objects.filter(organization=organization).order_by("-version").values_list("version", flat=True).first() or 0
        Scorecard.objects.filter(organization=organization, is_active=True).update(is_active=False)
        scorecard = Scorecard.objects.create(organization=organization, version=last + 1, is_active=True, definition=clean, note=note[:300], created_by=by)
        audit_record(
            organization=organization,
            actor=by,
            action="scorecard.version_created",
            target=scorecard,
            before=current.definition if current else None,
            after=clean,
        )
    return scorecard
