"""Set-based reads of what scores, zones and risks need about accounts on one day.

Every read is one aggregate query over the rollups (``DailyEventCount``, ``DailyActiveUser``) or
the account records, grouped by account and bounded by a window of days, so the nightly cost
grows with accounts and recent data, never with all history. Raw ``UsageEvent`` rows are never
read. Organization-wide usage (needed for percentiles) is read once per run in ``OrgFacts``;
everything else per chunk of accounts in ``AccountFacts``.
"""

from __future__ import annotations

import datetime as dt
import importlib
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Case, Count, IntegerField, Max, Min, OuterRef, Q, Subquery, Sum, Value, When

from accounts.models import (
    Account,
    Contact,
    ContractLine,
    DailyEventCount,
    Note,
    SupportTicket,
    SurveyAnswer,
    Touchpoint,
    TouchpointAttendee,
)
from accounts.selectors import active_users_by_window
from retention.models import Organization

WINDOW = 28
RECENCY_LOOKBACK = 60  # also the span of the usage-trend windows (2 × 28 days + slack)
SURVEY_LOOKBACK = 180
ENGAGEMENT_LOOKBACK = 90
EXECUTIVE_KINDS = ("ebr", "executive_sync")
REVIEW_KINDS = ("qbr", "ebr")


def day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time.min, tzinfo=dt.UTC)


def day_end(day: dt.date) -> dt.datetime:
    """The first instant after ``day`` (exclusive bound)."""
    return day_start(day + dt.timedelta(days=1))


@dataclass
class OrgFacts:
    """Organization-wide usage on ``day``: one entry per account that had any usage."""

    day: dt.date
    value_events: list[str]
    key_features: list[str]
    latest_event_day: dt.date | None
    value_28: dict[int, int] = field(default_factory=dict)
    value_prev_28: dict[int, int] = field(default_factory=dict)
    value_30: dict[int, int] = field(default_factory=dict)
    value_prev_30: dict[int, int] = field(default_factory=dict)
    active_users_28: dict[int, int] = field(default_factory=dict)
    last_event_day: dict[int, dt.date] = field(default_factory=dict)
    key_features_used: dict[int, int] = field(default_factory=dict)
    first_value_day: dict[int, dt.date] = field(default_factory=dict)  # within the 60-day window


CUSTOMER_STAGES = ["onboarding", "adopting", "mature", "at_risk"]


def population_queryset(*, organization: Organization, day: dt.date):
    """The accounts that are customers on ``day``: started, and not churned by then."""
    started = Q(start_date__isnull=True) | Q(start_date__lte=day)
    not_churned = Q(churned_on__isnull=True, lifecycle_stage__in=CUSTOMER_STAGES) | Q(churned_on__gt=day)
    return Account.objects.filter(started & not_churned, organization=organization)


def population(*, organization: Organization, day: dt.date) -> list[int]:
    """Ids of the customers on ``day``, in id order."""
    return list(population_queryset(organization=organization, day=day).order_by("id").values_list("id", flat=True))


def _resolve_events(*, organization: Organization, day: dt.date, definition: dict) -> tuple[list[str], list[str]]:
    """The value events and key features in force: the configured names that occur in the last 90
    days, or, when none does, every event seen (so a vendor with another product vocabulary still
    gets scores until an admin names its events). One cheap EXISTS per configured name."""
    recent = DailyEventCount.objects.filter(organization=organization, day__range=(day - dt.timedelta(days=89), day))
    configured = sorted(set(definition.get("value_events", [])) | set(definition.get("key_features", [])))
    seen = {name for name in configured if recent.filter(event=name).exists()}
    value_events = [e for e in definition.get("value_events", []) if e in seen]
    if not value_events:
        value_events = list(recent.values_list("event", flat=True).distinct())
    key_features = [e for e in definition.get("key_features", []) if e in seen] or sorted(value_events)[:5]
    return sorted(value_events), sorted(key_features)


def load_org_facts(*, organization: Organization, day: dt.date, definition: dict, active_users=None) -> OrgFacts:
    """Usage of every account in one pass over the last 60 days of the daily rollup, plus distinct
    active users over 28 days (``active_users``: a callable returning them, when the caller has
    them loaded elsewhere, as ``accounts.selectors.active_users_by_window`` does)."""
    value_events, key_features = _resolve_events(organization=organization, day=day, definition=definition)
    window = DailyEventCount.objects.filter(organization=organization, day__range=(day - dt.timedelta(days=RECENCY_LOOKBACK - 1), day))
    latest = window.aggregate(m=Max("day"))["m"]
    facts = OrgFacts(day=day, value_events=value_events, key_features=key_features, latest_event_day=latest)
    if latest is None:
        return facts

    def value_sum(start_offset: int, end_offset: int):
        # Value events counted with day in [day - start_offset, day - end_offset]. FILTER rather
        # than SUM(CASE …): rows outside the window skip the aggregate instead of adding 0.
        days = (day - dt.timedelta(days=start_offset), day - dt.timedelta(days=end_offset))
        return Sum("count", filter=Q(event__in=value_events, day__range=days))

    last_28 = (day - dt.timedelta(days=WINDOW - 1), day)
    # Only the rows of the value events and key features: the other events (most rows) matter
    # only for each account's last event day, read below along the rollup's unique index.
    rows = (
        window.filter(event__in=sorted({*value_events, *key_features}))
        .values("account_id")
        .annotate(
            first_value=Min("day", filter=Q(event__in=value_events)),
            v28=value_sum(27, 0),
            p28=value_sum(55, 28),
            v30=value_sum(29, 0),
            p30=value_sum(59, 30),
            # One count per key feature rather than COUNT(DISTINCT), which forces a sort.
            **{f"kf_{i}": Count("id", filter=Q(event=name, day__range=last_28)) for i, name in enumerate(key_features)},
        )
    )
    for r in rows:
        aid = r["account_id"]
        if r["first_value"] is not None:
            facts.first_value_day[aid] = r["first_value"]
        facts.value_28[aid], facts.value_prev_28[aid] = r["v28"] or 0, r["p28"] or 0
        facts.value_30[aid], facts.value_prev_30[aid] = r["v30"] or 0, r["p30"] or 0
        facts.key_features_used[aid] = sum(1 for i in range(len(key_features)) if r[f"kf_{i}"])
    # Each account's last day with any event in the window: one short backward step along the
    # unique index (organization, account, day, event) per account.
    newest = window.filter(account_id=OuterRef("pk")).order_by("-day").values("day")[:1]
    for aid, last in Account.objects.filter(organization=organization).annotate(last=Subquery(newest)).values_list("id", "last"):
        if last is not None:
            facts.last_event_day[aid] = last
    users = active_users() if active_users else active_users_by_window(organization=organization, as_of=day, windows=[WINDOW])
    facts.active_users_28 = {aid: n for (aid, _), n in users.items()}
    return facts


@dataclass
class AccountFacts:
    """Per-account records for one chunk of accounts on one day. Absent keys mean no data."""

    start_date: dict[int, dt.date | None] = field(default_factory=dict)
    owner_id: dict[int, int | None] = field(default_factory=dict)
    seats: dict[int, int] = field(default_factory=dict)
    mrr: dict[int, float] = field(default_factory=dict)
    next_renewal: dict[int, dt.date] = field(default_factory=dict)
    nps_avg: dict[int, float] = field(default_factory=dict)
    csat_avg: dict[int, float] = field(default_factory=dict)
    nps_latest: dict[int, int] = field(default_factory=dict)
    last_survey_day: dict[int, dt.date] = field(default_factory=dict)
    support_28: dict[int, int] = field(default_factory=dict)
    support_prev_28: dict[int, int] = field(default_factory=dict)
    escalations: dict[int, int] = field(default_factory=dict)
    org_has_tickets: bool = False
    last_exec_touch: dict[int, dt.date] = field(default_factory=dict)
    last_review: dict[int, dt.date] = field(default_factory=dict)
    kickoff_held: set[int] = field(default_factory=set)
    has_relationship_data: set[int] = field(default_factory=set)
    engaged_roles: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    current_roles: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    roles_left: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))
    note_sentiment: dict[int, float] = field(default_factory=dict)
    outcome_progress: dict[int, float | None] = field(default_factory=dict)
    outcome_available: bool = False
    healthcheck: dict[int, dict] = field(default_factory=dict)
    healthcheck_available: bool = False
    overdue_milestones: dict[int, int] = field(default_factory=dict)
    onboarding_milestones: dict[int, tuple[int, int]] = field(default_factory=dict)
    zone_answers: dict[int, dict[str, float]] = field(default_factory=dict)


def _days_ago(day: dt.date, n: int) -> dt.date:
    return day - dt.timedelta(days=n)


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def load_account_facts(*, organization: Organization, day: dt.date, account_ids: list[int], org_facts: OrgFacts) -> AccountFacts:
    facts = AccountFacts()
    org = {"organization": organization}
    ids = {"account_id__any": account_ids}
    end = day_end(day)
    for aid, start, owner in Account.objects.filter(**org, id__any=account_ids).values_list("id", "start_date", "owner_id"):
        facts.start_date[aid], facts.owner_id[aid] = start, owner

    running = Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gte=day))
    for r in ContractLine.objects.filter(running, **org, **ids).values("account_id").annotate(seats=Sum("seats_licensed"), mrr=Sum("mrr")):
        facts.seats[r["account_id"]], facts.mrr[r["account_id"]] = r["seats"] or 0, float(r["mrr"] or 0)
    facts.next_renewal = dict(
        ContractLine.objects.filter(running, **org, **ids, renewal_date__gte=day)
        .values("account_id")
        .annotate(m=Min("renewal_date"))
        .values_list("account_id", "m")
    )

    surveys = SurveyAnswer.objects.filter(**org, **ids, answered_at__lt=end)
    recent = surveys.filter(answered_at__gte=day_end(_days_ago(day, SURVEY_LOOKBACK)))
    for r in recent.values("account_id", "kind").annotate(avg=_avg("score")):
        target = facts.nps_avg if r["kind"] == "nps" else facts.csat_avg
        target[r["account_id"]] = r["avg"]
    facts.last_survey_day = {a: _as_date(m) for a, m in surveys.values("account_id").annotate(m=Max("answered_at")).values_list("account_id", "m")}
    # Latest NPS answer per account: order so the newest comes last and overwrites.
    for aid, score in recent.filter(kind="nps").order_by("account_id", "answered_at", "id").values_list("account_id", "score"):
        facts.nps_latest[aid] = score

    facts.org_has_tickets = SupportTicket.objects.filter(**org, opened_at__lt=end).exists()
    weight = Case(
        When(Q(escalated=True) | Q(priority="urgent"), then=Value(3)),
        When(priority="high", then=Value(2)),
        default=Value(1),
        output_field=IntegerField(),
    )
    tickets = SupportTicket.objects.filter(**org, **ids)
    for r in (
        tickets.filter(opened_at__gte=day_end(_days_ago(day, 2 * WINDOW)), opened_at__lt=end)
        .values("account_id")
        .annotate(
            cur=Sum(Case(When(opened_at__gte=day_end(_days_ago(day, WINDOW)), then=weight), default=Value(0), output_field=IntegerField())),
            prev=Sum(Case(When(opened_at__lt=day_end(_days_ago(day, WINDOW)), then=weight), default=Value(0), output_field=IntegerField())),
        )
    ):
        facts.support_28[r["account_id"]], facts.support_prev_28[r["account_id"]] = r["cur"] or 0, r["prev"] or 0
    escalated = Q(escalated=True, opened_at__lt=end) & (Q(opened_at__gte=day_end(_days_ago(day, 30))) | Q(resolved_at__isnull=True) | Q(resolved_at__gte=end))
    facts.escalations = dict(tickets.filter(escalated).values("account_id").annotate(n=Count("id")).values_list("account_id", "n"))

    touchpoints = Touchpoint.objects.filter(**org, **ids, occurred_at__lt=end)
    for r in touchpoints.values("account_id").annotate(
        exec_at=Max(Case(When(Q(executive_present=True) | Q(kind__in=EXECUTIVE_KINDS), then="occurred_at"))),
        review_at=Max(Case(When(kind__in=REVIEW_KINDS, then="occurred_at"))),
        kickoffs=Count("id", filter=Q(kind="kickoff")),
    ):
        aid = r["account_id"]
        facts.has_relationship_data.add(aid)
        if r["exec_at"]:
            facts.last_exec_touch[aid] = _as_date(r["exec_at"])
        if r["review_at"]:
            facts.last_review[aid] = _as_date(r["review_at"])
        if r["kickoffs"]:
            facts.kickoff_held.add(aid)

    engaged_since = day_end(_days_ago(day, ENGAGEMENT_LOOKBACK))
    contacts = Contact.objects.filter(**org, **ids)
    for aid, role, left_on, last_engaged in contacts.values_list("account_id", "stakeholder_role", "left_on", "last_engaged_at"):
        facts.has_relationship_data.add(aid)
        if left_on is not None and left_on <= day:
            if left_on > _days_ago(day, ENGAGEMENT_LOOKBACK):
                facts.roles_left[aid].add(role)
            continue
        facts.current_roles[aid].add(role)
        if last_engaged is not None and engaged_since <= last_engaged < end:
            facts.engaged_roles[aid].add(role)
    attended = TouchpointAttendee.objects.filter(
        **org, touchpoint__account_id__any=account_ids, touchpoint__occurred_at__gte=engaged_since, touchpoint__occurred_at__lt=end
    )
    for aid, role in attended.values_list("touchpoint__account_id", "contact__stakeholder_role").distinct():
        facts.engaged_roles[aid].add(role)

    sentiment_value = Case(
        When(sentiment="positive", then=Value(100)), When(sentiment="negative", then=Value(0)), default=Value(50), output_field=IntegerField()
    )
    facts.note_sentiment = dict(
        Note.objects.filter(**org, **ids, created_at__gte=engaged_since, created_at__lt=end)
        .values("account_id")
        .annotate(s=_avg(sentiment_value))
        .values_list("account_id", "s")
    )
    _load_cross_team_inputs(facts, organization=organization, day=day, account_ids=account_ids)
    return facts


def _avg(expression):
    from django.db.models import Avg, FloatField

    return Avg(expression, output_field=FloatField())


def _load_cross_team_inputs(facts: AccountFacts, *, organization: Organization, day: dt.date, account_ids: list[int]) -> None:
    """Success plans and health checks belong to other apps; their selectors are imported here,
    lazily. While an app does not provide one, the measures that need it are reported missing."""
    as_of = day_end(day) - dt.timedelta(microseconds=1)
    try:
        from accounts.plans.selectors import outcome_progress_for_accounts
    except ImportError:
        outcome_progress_for_accounts = None
    if outcome_progress_for_accounts is not None:
        facts.outcome_available = True
        facts.outcome_progress = outcome_progress_for_accounts(organization=organization, account_ids=account_ids, as_of=day)
        _load_milestones(facts, organization=organization, day=day, account_ids=account_ids)
    try:
        healthchecks_selectors = importlib.import_module("healthchecks.selectors")
    except ImportError:
        healthchecks_selectors = None
    latest_results = getattr(healthchecks_selectors, "latest_results_for_accounts", None)
    if latest_results is not None:
        facts.healthcheck_available = True
        facts.healthcheck = latest_results(organization=organization, account_ids=account_ids, as_of=as_of)
    zone_answers = getattr(healthchecks_selectors, "zone_answers_for_accounts", None)
    if zone_answers is not None:
        facts.zone_answers = zone_answers(organization=organization, account_ids=account_ids, as_of=as_of)


def _load_milestones(facts: AccountFacts, *, organization: Organization, day: dt.date, account_ids: list[int]) -> None:
    try:
        from accounts.plans.models import Milestone
    except ImportError:
        return
    done = Q(completed_on__isnull=False, completed_on__lte=day)
    rows = (
        Milestone.objects.filter(organization=organization, plan__account_id__any=account_ids, created_at__lt=day_end(day))
        .values("plan__account_id")
        .annotate(
            overdue=Count("id", filter=Q(due_date__lt=day) & ~done),
            onboarding=Count("id", filter=Q(is_onboarding=True)),
            onboarding_done=Count("id", filter=Q(is_onboarding=True) & done),
        )
    )
    for r in rows:
        aid = r["plan__account_id"]
        if r["overdue"]:
            facts.overdue_milestones[aid] = r["overdue"]
        if r["onboarding"]:
            facts.onboarding_milestones[aid] = (r["onboarding_done"], r["onboarding"])
