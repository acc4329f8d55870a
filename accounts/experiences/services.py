"""Writes of the experiences: the roadmap (generate, edit, the customer's answers, add to the
success plan), the capability mapping, learning items and progress, advocacy status and drafts.

Every write validates first (``ValidationError`` per field, nothing written on failure) and
records the audit log.
"""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone

from accounts.models import Account, Contact
from accounts.plans import services as plan_services
from accounts.plans.models import MilestonePhase, SuccessPlan
from retention.services import audit_record

from .inputs import inputs_for_account
from .models import AdvocacyStatus, CapabilityMapping, LearningItem, LearningProgress, RoadmapItem, RoadmapPhase, StoryDraft
from .recommend import recommend

PHASE_DAYS = {RoadmapPhase.DAY_30: 30, RoadmapPhase.DAY_60: 60, RoadmapPhase.DAY_90: 90}
PHASE_TO_MILESTONE = {RoadmapPhase.DAY_30: MilestonePhase.DAY_30, RoadmapPhase.DAY_60: MilestonePhase.DAY_60, RoadmapPhase.DAY_90: MilestonePhase.DAY_90}


def _text(value: str | None) -> str:
    return (value or "").strip()


# --- Roadmap ----------------------------------------------------------------------------------


@transaction.atomic
def roadmap_generate(*, organization, account: Account, actor, as_of: dt.date) -> list[RoadmapItem]:
    """Add the current recommendations as roadmap items. A rule already on the roadmap (even
    edited or answered) is left alone, so regenerating never duplicates or overwrites."""
    existing = set(RoadmapItem.objects.filter(organization=organization, account=account).exclude(rule="").values_list("rule", flat=True))
    position = RoadmapItem.objects.filter(organization=organization, account=account).aggregate(m=Max("position"))["m"] or 0
    created = []
    for rec in recommend(inputs_for_account(organization=organization, account=account, as_of=as_of)):
        if rec.rule in existing:
            continue
        position += 1
        created.append(
            RoadmapItem.objects.create(
                organization=organization, account=account, phase=rec.phase, title=rec.title, why=rec.why, rule=rec.rule, position=position, created_by=actor
            )
        )
    if created:
        audit_record(organization=organization, actor=actor, action="roadmap.generated", target=account, after={"items": [i.title for i in created]})
    return created


def _validate_item(item: RoadmapItem) -> None:
    errors = {}
    if not item.title:
        errors["title"] = "Say what the priority is, e.g. “Activate the unused seats”."
    if item.phase not in RoadmapPhase.values:
        errors["phase"] = "Choose 30, 60 or 90 days."
    if errors:
        raise ValidationError(errors)
    item.full_clean(exclude=["organization", "account", "milestone", "created_by"])


@transaction.atomic
def roadmap_item_create(*, organization, account: Account, actor, title: str, phase: str, why: str = "") -> RoadmapItem:
    position = (RoadmapItem.objects.filter(organization=organization, account=account).aggregate(m=Max("position"))["m"] or 0) + 1
    item = RoadmapItem(organization=organization, account=account, title=_text(title), phase=phase, why=_text(why), position=position, created_by=actor)
    _validate_item(item)
    item.save()
    audit_record(organization=organization, actor=actor, action="roadmap.item_created", target=item, after={"title": item.title, "phase": item.phase})
    return item


@transaction.atomic
def roadmap_item_update(*, organization, item: RoadmapItem, actor, title: str, phase: str, why: str) -> RoadmapItem:
    before = {"title": item.title, "phase": item.phase, "why": item.why}
    item.title, item.phase, item.why = _text(title), phase, _text(why)
    _validate_item(item)
    item.save()
    audit_record(
        organization=organization,
        actor=actor,
        action="roadmap.item_updated",
        target=item,
        before=before,
        after={"title": item.title, "phase": item.phase, "why": item.why},
    )
    return item


@transaction.atomic
def roadmap_item_delete(*, organization, item: RoadmapItem, actor) -> None:
    audit_record(organization=organization, actor=actor, action="roadmap.item_deleted", target=item, before={"title": item.title})
    item.delete()


@transaction.atomic
def roadmap_item_decide(*, organization_id: int, account_id: int, item_id: int, decision: str, note: str = "") -> RoadmapItem:
    """The customer's answer through the roadmap link: agreed or not now, with an optional note."""
    if decision not in (RoadmapItem.Decision.AGREED, RoadmapItem.Decision.NOT_NOW):
        raise ValidationError({"decision": "Choose “Agreed” or “Not now”."})
    item = RoadmapItem.objects.select_for_update().filter(organization_id=organization_id, account_id=account_id, pk=item_id).first()
    if item is None:
        raise ValidationError({"item": "This priority is no longer on the roadmap."})
    item.decision, item.customer_note, item.decided_at = decision, _text(note)[:500], timezone.now()
    item.save(update_fields=["decision", "customer_note", "decided_at", "updated_at"])
    audit_record(
        organization=item.organization, actor=None, action="roadmap.item_decided", target=item, after={"decision": decision, "note": item.customer_note}
    )
    return item


@transaction.atomic
def roadmap_add_to_plan(*, organization, account: Account, actor, start: dt.date) -> list[RoadmapItem]:
    """One action: every roadmap item not answered “not now” and not yet in the success plan
    becomes a milestone of its phase, due 30/60/90 days after ``start``."""
    plan = SuccessPlan.objects.filter(organization=organization, account=account).first()
    if plan is None:
        raise ValidationError({"plan": "Start the success plan first: the roadmap's priorities become its milestones."})
    items = list(
        RoadmapItem.objects.select_for_update()
        .filter(organization=organization, account=account, milestone__isnull=True)
        .exclude(decision=RoadmapItem.Decision.NOT_NOW)
        .order_by("phase", "position", "id")
    )
    for item in items:
        item.milestone = plan_services.milestone_create(
            organization=organization,
            plan=plan,
            actor=actor,
            title=item.title,
            phase=PHASE_TO_MILESTONE[item.phase],
            due_date=start + dt.timedelta(days=PHASE_DAYS[item.phase]),
        )
        item.save(update_fields=["milestone", "updated_at"])
    return items


# --- Capability mapping -------------------------------------------------------------------------


@transaction.atomic
def capability_mapping_create(
    *, organization, actor, kind: str, name: str, event_name: str, product: str = "", threshold: int = 100, estimated_mrr=0
) -> CapabilityMapping:
    mapping = CapabilityMapping(
        organization=organization,
        kind=kind,
        name=_text(name),
        event_name=_text(event_name),
        product=_text(product),
        threshold=threshold,
        estimated_mrr=estimated_mrr,
    )
    errors = {}
    if mapping.kind == CapabilityMapping.Kind.ADDON and not mapping.product:
        errors["product"] = "Name the add-on's product as it appears on contract lines."
    if CapabilityMapping.objects.filter(organization=organization, kind=mapping.kind, event_name=mapping.event_name).exists():
        errors["event_name"] = "This event is already mapped for this kind."
    if errors:
        raise ValidationError(errors)
    mapping.full_clean(exclude=["organization"])
    mapping.save()
    audit_record(
        organization=organization, actor=actor, action="capability_mapping.created", target=mapping, after={"name": mapping.name, "event": mapping.event_name}
    )
    return mapping


@transaction.atomic
def capability_mapping_delete(*, organization, mapping: CapabilityMapping, actor) -> None:
    audit_record(organization=organization, actor=actor, action="capability_mapping.deleted", target=mapping, before={"name": mapping.name})
    mapping.delete()


# --- Enablement -----------------------------------------------------------------------------------


@transaction.atomic
def learning_progress_record(*, organization, contact: Contact, item: LearningItem, status: str, actor) -> LearningProgress:
    if contact.organization_id != organization.id or item.organization_id != organization.id:
        raise ValidationError({"contact": "No such contact or learning item."})
    if status not in LearningProgress.Status.values:
        raise ValidationError({"status": "Choose started or completed."})
    progress, _ = LearningProgress.objects.update_or_create(
        organization=organization, contact=contact, item=item, defaults={"status": status, "updated_at": timezone.now()}
    )
    audit_record(
        organization=organization,
        actor=actor,
        action="learning.progress",
        target=progress,
        after={"contact": contact.name, "item": item.title, "status": status},
    )
    return progress


# --- Advocacy -------------------------------------------------------------------------------------


@transaction.atomic
def advocacy_status_set(*, organization, account: Account, actor, kind: str, active: bool, note: str = "") -> None:
    if kind not in AdvocacyStatus.Kind.values:
        raise ValidationError({"kind": "Choose reference, case study or testimonial."})
    if active:
        AdvocacyStatus.objects.update_or_create(organization=organization, account=account, kind=kind, defaults={"note": _text(note)[:300]})
    else:
        AdvocacyStatus.objects.filter(organization=organization, account=account, kind=kind).delete()
    audit_record(organization=organization, actor=actor, action="advocacy.status", target=account, after={"kind": kind, "active": active})


@transaction.atomic
def story_draft_save(*, organization, account: Account, actor, kind: str, body: str, shareable: bool) -> StoryDraft:
    if kind not in StoryDraft.Kind.values:
        raise ValidationError({"kind": "Unknown draft."})
    if not _text(body):
        raise ValidationError({"body": "The draft is empty."})
    draft, _ = StoryDraft.objects.update_or_create(
        organization=organization,
        account=account,
        kind=kind,
        defaults={"body": _text(body), "shareable": shareable, "updated_by": actor, "updated_at": timezone.now()},
    )
    audit_record(organization=organization, actor=actor, action="advocacy.draft_saved", target=draft, after={"kind": kind, "shareable": shareable})
    return draft
