"""Writes of the renewals app: the business-case draft, publishing snapshots, champion links."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import re

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import Account
from retention import sharing
from retention.models import Organization, SharedLink, User
from retention.services import audit_record
from retention.webhooks import webhook_emit

from . import case_data, sections
from .models import BusinessCase, CaseSnapshot

HEX_COLOR = re.compile(r"^#[0-9a-fA-F]{6}$")
MAX_QUOTES = 6
DEFAULT_LINK_DAYS = 90


def business_case_get_or_create(*, organization: Organization, account: Account, user: User | None) -> BusinessCase:
    case, _ = BusinessCase.objects.get_or_create(
        organization=organization,
        account=account,
        defaults={"title": f"The value of our partnership with {account.name}"[:200], "sections": sections.default_sections(), "created_by": user},
    )
    return case


def case_settings_update(*, case: BusinessCase, title: str, accent_color: str) -> BusinessCase:
    errors = {}
    title = (title or "").strip()
    if not title:
        errors["title"] = "Give the case a title."
    elif len(title) > 200:
        errors["title"] = "Keep the title under 200 characters."
    if not HEX_COLOR.match(accent_color or ""):
        errors["accent_color"] = "Use a colour like #2d5bd7."
    if errors:
        raise ValidationError(errors)
    case.title, case.accent_color = title, accent_color.lower()
    case.save(update_fields=["title", "accent_color", "updated_at"])
    return case


def case_section_update(*, case: BusinessCase, key: str, title: str, body: str, included: bool, suggestion: str) -> BusinessCase:
    """Save one section's wording. Text identical to the suggestion is stored as empty, so the
    section keeps following the figures until the CSM really changes it."""
    stored = sections.normalized_sections(case.sections)
    if key not in sections.DEFAULT_TITLES:
        raise ValidationError({"key": "Unknown section."})
    title, body = (title or "").strip(), (body or "").replace("\r\n", "\n").strip()
    errors = {}
    if len(title) > sections.MAX_TITLE:
        errors["title"] = f"Keep the title under {sections.MAX_TITLE} characters."
    if len(body) > sections.MAX_BODY:
        errors["body"] = f"Keep the text under {sections.MAX_BODY} characters."
    if errors:
        raise ValidationError(errors)
    for section in stored:
        if section["key"] == key:
            section["title"] = title or sections.DEFAULT_TITLES[key]
            section["body"] = "" if body == suggestion.strip() else body
            section["included"] = included
    case.sections = stored
    case.save(update_fields=["sections", "updated_at"])
    return case


def case_section_move(*, case: BusinessCase, key: str, direction: str) -> BusinessCase:
    """Move a section one place up or down (the document follows the list's order)."""
    stored = sections.normalized_sections(case.sections)
    keys = [s["key"] for s in stored]
    if key not in keys or direction not in ("up", "down"):
        raise ValidationError({"key": "Unknown section or direction."})
    i = keys.index(key)
    j = i - 1 if direction == "up" else i + 1
    if 0 <= j < len(stored):
        stored[i], stored[j] = stored[j], stored[i]
    case.sections = stored
    case.save(update_fields=["sections", "updated_at"])
    return case


def case_quotes_set(*, organization: Organization, case: BusinessCase, keys: list[str]) -> BusinessCase:
    available = {c["key"] for c in case_data.quote_candidates(organization=organization, account=case.account, limit=200)}
    chosen = [k for k in dict.fromkeys(keys) if k in available]
    if len(chosen) > MAX_QUOTES:
        raise ValidationError({"quotes": f"Choose at most {MAX_QUOTES} quotes; a few strong ones read better."})
    case.quote_keys = chosen
    case.save(update_fields=["quote_keys", "updated_at"])
    return case


def snapshot_content(*, organization: Organization, case: BusinessCase, today: dt.date, version: int | None, user: User | None) -> dict:
    """The document's content: live figures and the draft's text, as they are now."""
    facts = case_data.case_facts(organization=organization, account=case.account, today=today, quote_keys=case.quote_keys)
    return {
        **facts,
        "schema": 1,
        "title": case.title,
        "accent": case.accent_color,
        "version": version,
        "published_on": today.isoformat(),
        "prepared_by": (user.display_name if user else "") or "",
        "sections": [{"key": s["key"], "title": s["title"], "body": s["body"]} for s in sections.resolved_sections(case.sections, facts)],
    }


def content_digest(content: dict) -> str:
    return hashlib.sha256(json.dumps(content, sort_keys=True, separators=(",", ":")).encode()).hexdigest()


@transaction.atomic
def case_publish(*, organization: Organization, case: BusinessCase, user: User | None, today: dt.date | None = None) -> CaseSnapshot:
    """Freeze the case into a new snapshot (the next version), announce it, render its PDF."""
    today = today or timezone.localdate()
    # Lock the draft: two CSMs publishing at once get consecutive versions, never the same one.
    case = BusinessCase.objects.select_for_update().select_related("account").get(organization=organization, pk=case.pk)
    version = (CaseSnapshot.objects.filter(organization=organization, account=case.account).aggregate(m=Max("version"))["m"] or 0) + 1
    content = snapshot_content(organization=organization, case=case, today=today, version=version, user=user)
    snapshot = CaseSnapshot.objects.create(
        organization=organization,
        case=case,
        account=case.account,
        version=version,
        title=case.title,
        content=content,
        content_sha256=content_digest(content),
        published_by=user,
    )
    audit_record(
        organization=organization, actor=user, action="renewal_case.published", target=snapshot, after={"account": case.account.name, "version": version}
    )
    webhook_emit(
        organization=organization,
        event_type="renewal_case.published",
        data={
            "snapshot_id": snapshot.pk,
            "account_id": case.account_id,
            "account_external_id": case.account.external_id,
            "version": version,
            "title": snapshot.title,
            "published_at": snapshot.published_at.isoformat(),
            "value_delivered": content["value"]["money"],
            "roi": content["value"]["roi"],
        },
    )

    def render_later():
        from .tasks import render_case_pdf

        render_case_pdf.delay(organization.id, snapshot.pk)

    transaction.on_commit(render_later)
    return snapshot


def champion_link_create(
    *, organization: Organization, account: Account, purpose: str, user: User | None, days: int = DEFAULT_LINK_DAYS, snapshot: CaseSnapshot | None = None
) -> sharing.IssuedLink:
    """A shared link for the customer's champion: the live value dashboard, or one published
    business case (its frozen summary and PDF)."""
    if purpose == SharedLink.Purpose.RENEWAL_CASE and snapshot is None:
        raise ValidationError({"snapshot": "Publish the business case before sharing it."})
    if purpose not in (SharedLink.Purpose.RENEWAL_CASE, SharedLink.Purpose.VALUE_DASHBOARD):
        raise ValidationError({"purpose": "Unknown purpose."})
    if not 1 <= days <= sharing.MAX_EXPIRY_DAYS:
        raise ValidationError({"days": f"Choose between 1 and {sharing.MAX_EXPIRY_DAYS} days."})
    label = f"{account.name}: business case v{snapshot.version}" if snapshot else f"{account.name}: value dashboard"
    return sharing.shared_link_create(
        organization=organization,
        account=account,
        purpose=purpose,
        created_by=user,
        expires_at=timezone.now() + dt.timedelta(days=days),
        target=snapshot if purpose == SharedLink.Purpose.RENEWAL_CASE else None,
        label=label,
    )
