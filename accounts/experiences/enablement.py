"""Enablement path: role-based learning steps chosen from weak health-check dimensions, low
feature adoption and the lifecycle stage, with the prerequisites they need placed before them."""

from __future__ import annotations

from dataclasses import dataclass

from .inputs import AccountInputs
from .models import LearningItem, LearningRole

# A contact's stakeholder role decides which learning track they follow.
TRACK_FOR_STAKEHOLDER = {
    "power_user": LearningRole.ADMIN,
    "executive_sponsor": LearningRole.MANAGER,
    "budget_holder": LearningRole.MANAGER,
    "champion": LearningRole.MANAGER,
    "influencer": LearningRole.MANAGER,
    "user": LearningRole.END_USER,
}


@dataclass(frozen=True)
class PathStep:
    item: LearningItem
    reason: str


def _reason(item: LearningItem, i: AccountInputs, weak: dict[str, float]) -> str:
    if item.dimension and item.dimension in weak:
        return f"The health check scored {item.dimension.replace('_', ' ')} {weak[item.dimension]:.0f} of 100."
    if item.feature_event and i.event_counts_recent.get(item.feature_event, 0) == 0:
        return f"No “{item.feature_event}” event in the last 28 days: the feature is not adopted."
    if item.stage and item.stage == i.account.lifecycle_stage:
        return f"Suits the {i.account.get_lifecycle_stage_display().lower()} stage."
    return ""


def path_for(i: AccountInputs, items: list[LearningItem]) -> dict[str, list[PathStep]]:
    """Role → ordered steps. An item is chosen when it addresses a weak dimension, an unused
    feature or the account's stage; its prerequisites (active ones) come before it."""
    weak = dict(i.weak_dimensions)
    by_id = {item.pk: item for item in items if item.is_active}
    chosen: dict[int, str] = {}
    for item in by_id.values():
        reason = _reason(item, i, weak)
        if reason:
            chosen[item.pk] = reason
    for item_id in list(chosen):
        seen = {item_id}
        parent = by_id[item_id].prerequisite_id
        while parent in by_id and parent not in seen:  # a cycle in the vendor's data stops here
            seen.add(parent)
            chosen.setdefault(parent, f"Needed before “{by_id[item_id].title}”.")
            parent = by_id[parent].prerequisite_id

    def depth(item_id: int) -> int:
        seen, n, parent = {item_id}, 0, by_id[item_id].prerequisite_id
        while parent in by_id and parent not in seen:
            seen.add(parent)
            n += 1
            parent = by_id[parent].prerequisite_id
        return n

    path: dict[str, list[PathStep]] = {role: [] for role in LearningRole.values}
    for item_id in sorted(chosen, key=lambda pk: (depth(pk), by_id[pk].position, pk)):
        item = by_id[item_id]
        path[item.role].append(PathStep(item=item, reason=chosen[item_id]))
    return path
