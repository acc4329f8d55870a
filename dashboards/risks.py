"""Risk indicators (kept apart from the score) and the 3-strike rule that opens a save plan.

``risk_conditions`` decides from one day's facts which indicators hold for each account (pure).
``risks_apply`` turns that into open/close dates so that re-running a day replaces what that
day did: an indicator opened on the day and no longer holding is removed, one closed on the day
and holding again is re-opened. ``save_plans_open_for_three_strikes`` opens a save plan for
every account with three or more open indicators that has none open.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import Count, Q

from .facts import AccountFacts, OrgFacts
from .models import Band, BandOverride, RiskIndicator, RiskKind, SavePlan, SavePlanAction

USAGE_DROP_SHARE = 0.2
USAGE_DROP_MIN_EVENTS = 10
RENEWAL_HORIZON_DAYS = 120
NO_EXEC_DAYS = 90
STRIKES = 3
SAVE_PLAN_DAYS = 30

ACTIONS = {
    RiskKind.USAGE_DROP: "Review the usage drop with the champion and agree a re-adoption plan",
    RiskKind.STAKEHOLDER_LEFT: "Identify and engage a new champion or executive sponsor",
    RiskKind.NO_EXECUTIVE_TOUCHPOINT: "Schedule an executive sync with the sponsor",
    RiskKind.RENEWAL_AT_RISK: "Prepare the renewal business case and review the risks with the champion",
    RiskKind.SUPPORT_ESCALATION: "Review open escalations with support and follow up with the customer",
    RiskKind.DETRACTOR_NPS: "Call the detractor, understand the cause and close the loop",
    RiskKind.OVERDUE_MILESTONES: "Re-plan the overdue success-plan milestones with the customer",
    RiskKind.PAYMENT_ISSUE: "Resolve the payment issue with finance and the budget holder",
}


def effective_bands(*, organization, day: dt.date, account_ids: list[int], computed: dict[int, str]) -> dict[int, str]:
    """The band in force per account: a CSM's override on ``day`` wins over the computed band."""
    bands = dict(computed)
    overrides = BandOverride.objects.filter(
        organization=organization, account_id__any=account_ids, revoked_at__isnull=True, expires_on__gte=day, created_at__date__lte=day
    ).order_by("account_id", "created_at", "id")
    for aid, band in overrides.values_list("account_id", "band"):
        bands[aid] = band  # newest last
    return bands


def risk_conditions(*, aid: int, day: dt.date, org_facts: OrgFacts, facts: AccountFacts, band: str | None) -> dict[str, dict]:
    """The indicators that hold for one account on ``day``, each with its evidence."""
    out: dict[str, dict] = {}
    cur, prev = org_facts.value_30.get(aid, 0), org_facts.value_prev_30.get(aid, 0)
    if org_facts.latest_event_day is not None and prev >= USAGE_DROP_MIN_EVENTS and cur < (1 - USAGE_DROP_SHARE) * prev:
        out[RiskKind.USAGE_DROP] = {"last_30_days": cur, "previous_30_days": prev, "change": round((cur - prev) / prev, 4)}
    left = (facts.roles_left.get(aid, set()) & {"champion", "executive_sponsor"}) - facts.current_roles.get(aid, set())
    if left:
        out[RiskKind.STAKEHOLDER_LEFT] = {"roles": sorted(left)}
    start = facts.start_date.get(aid)
    if start is None or (day - start).days >= NO_EXEC_DAYS:
        last = facts.last_exec_touch.get(aid)
        if last is None or (day - last).days > NO_EXEC_DAYS:
            out[RiskKind.NO_EXECUTIVE_TOUCHPOINT] = {"last_executive_touchpoint": last.isoformat() if last else None}
    renewal = facts.next_renewal.get(aid)
    if renewal and (renewal - day).days <= RENEWAL_HORIZON_DAYS and band in (Band.RED, Band.YELLOW):
        out[RiskKind.RENEWAL_AT_RISK] = {"renewal_date": renewal.isoformat(), "band": band}
    if facts.escalations.get(aid):
        out[RiskKind.SUPPORT_ESCALATION] = {"escalated_tickets": facts.escalations[aid]}
    if aid in facts.nps_latest and facts.nps_latest[aid] <= 6:
        out[RiskKind.DETRACTOR_NPS] = {"latest_nps": facts.nps_latest[aid]}
    if facts.overdue_milestones.get(aid):
        out[RiskKind.OVERDUE_MILESTONES] = {"overdue_milestones": facts.overdue_milestones[aid]}
    return out


@dataclass(slots=True)
class _Indicator:
    """An indicator as ``risks_apply`` reads it: plain values (a night reads every open one)."""

    pk: int
    account_id: int
    kind: str
    opened_on: dt.date
    closed_on: dt.date | None
    last_seen_on: dt.date
    evidence: dict

    def as_model(self) -> RiskIndicator:
        return RiskIndicator(pk=self.pk, opened_on=self.opened_on, closed_on=self.closed_on, evidence=self.evidence)


def risks_apply(*, organization, day: dt.date, account_ids: list[int], conditions: dict[int, dict[str, dict]]) -> None:
    """Open, refresh, close (or, for a re-run of the same day, undo) indicators of one chunk."""
    state: dict[int, dict[str, _Indicator]] = defaultdict(dict)
    current = RiskIndicator.objects.filter(organization=organization, account_id__any=account_ids).filter(Q(closed_on__isnull=True) | Q(closed_on=day))
    columns = ("pk", "account_id", "kind", "opened_on", "closed_on", "last_seen_on", "evidence")
    for row in current.order_by("opened_on", "id").values_list(*columns):
        indicator = _Indicator(*row)
        state[indicator.account_id][indicator.kind] = indicator  # the newest wins
    to_create, to_update, to_delete, seen = [], [], [], []
    for aid in account_ids:
        holding = conditions.get(aid, {})
        known = state.get(aid, {})
        for kind, evidence in holding.items():
            indicator = known.get(kind)
            if indicator is None:
                to_create.append(RiskIndicator(organization=organization, account_id=aid, kind=kind, opened_on=day, last_seen_on=day, evidence=evidence))
            elif indicator.opened_on > day:
                # A backfill of an earlier day: the indicator a later day opened was open already.
                indicator.opened_on = day
                to_update.append(indicator)
            else:
                if indicator.closed_on is not None or indicator.evidence != evidence:
                    indicator.closed_on, indicator.evidence = None, evidence
                    to_update.append(indicator)
                if indicator.last_seen_on < day:
                    seen.append(indicator.pk)
        for kind, indicator in known.items():
            if kind in holding or indicator.opened_on > day or indicator.last_seen_on > day:
                continue  # a later day saw it: an out-of-order replay does not cut it short
            if indicator.opened_on == day:
                to_delete.append(indicator.pk)
            elif indicator.closed_on is None:
                indicator.closed_on = day
                to_update.append(indicator)
    if to_delete:
        RiskIndicator.objects.filter(organization=organization, pk__in=to_delete).delete()
    if to_update:
        RiskIndicator.objects.bulk_update([i.as_model() for i in to_update], ["opened_on", "closed_on", "evidence"], batch_size=500)
    if seen:
        # Most open indicators only need the day they were last seen: one UPDATE, not a CASE per row.
        RiskIndicator.objects.filter(organization=organization, pk__in=seen).update(last_seen_on=day)
    if to_create:
        RiskIndicator.objects.bulk_create(to_create)


def save_plans_open_for_three_strikes(*, organization, day: dt.date, account_ids: list[int], owners: dict[int, int | None]) -> list[SavePlan]:
    """Open a save plan (with one action per open indicator) where three or more are open."""
    open_kinds: dict[int, list[str]] = defaultdict(list)
    for aid, kind in (
        RiskIndicator.objects.filter(organization=organization, account_id__any=account_ids, closed_on__isnull=True)
        .order_by("kind")
        .values_list("account_id", "kind")
    ):
        open_kinds[aid].append(kind)
    plans = {p.account_id: p for p in SavePlan.objects.filter(organization=organization, account_id__any=account_ids, status=SavePlan.Status.OPEN)}
    # A re-run of the day undoes a plan that the day itself opened and that no longer applies.
    undo = [p.pk for aid, p in plans.items() if p.opened_on == day and len(open_kinds.get(aid, [])) < STRIKES and not p.trigger.get("manual")]
    if undo:
        SavePlan.objects.filter(organization=organization, pk__in=undo).delete()
    created = []
    for aid in account_ids:
        kinds = open_kinds.get(aid, [])
        if len(kinds) < STRIKES or aid in plans:
            continue
        created.append(
            SavePlan(
                organization=organization,
                account_id=aid,
                owner_id=owners.get(aid),
                opened_on=day,
                due_on=day + dt.timedelta(days=SAVE_PLAN_DAYS),
                trigger={"rule": "3-strike", "indicators": kinds},
            )
        )
    if not created:
        return []
    SavePlan.objects.bulk_create(created)
    actions = []
    for plan in created:
        actions.append(
            SavePlanAction(
                organization=organization,
                save_plan=plan,
                title="Hold the save-plan review with the account team",
                owner_id=plan.owner_id,
                due_on=day + dt.timedelta(days=7),
            )
        )
        for kind in plan.trigger["indicators"]:
            actions.append(
                SavePlanAction(organization=organization, save_plan=plan, title=ACTIONS[kind], owner_id=plan.owner_id, due_on=day + dt.timedelta(days=14))
            )
    SavePlanAction.objects.bulk_create(actions)
    return created


def open_indicator_counts(*, organization, account_ids: list[int]) -> dict[int, int]:
    return dict(
        RiskIndicator.objects.filter(organization=organization, account_id__any=account_ids, closed_on__isnull=True)
        .values("account_id")
        .annotate(n=Count("id"))
        .values_list("account_id", "n")
    )
