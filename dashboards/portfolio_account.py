"""Reads of the account page's health sections: the score with its history and "why" (each
measure's contribution, freshness and change since last week), the band override in force,
zones, risk indicators and save plans, usage trends (rollups), and the account timeline.

Each function is a fixed number of queries whatever the account's history holds.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Sum
from django.db.models.functions import TruncWeek

from accounts.models import Account, Contact, DailyActiveUser, DailyEventCount, Note, SupportTicket, SurveyAnswer, Touchpoint
from accounts.selectors import accounts_with_figures
from retention.models import Organization

from .models import AccountScore, AccountZones, Band, BandOverride, RiskIndicator, SavePlan, SavePlanAction
from .scorecards import MEASURES
from .selectors import overrides_in_force
from .zones import CHAIN, LABELS, LAYERS, QUESTIONS

HISTORY_DAYS = 90
USAGE_DAYS = 91  # 13 whole weeks
TOP_EVENTS = 6  # event types drawn separately; the rest are summed as "other events"
TIMELINE_ITEMS = 40
BAND_CHANGE_DAYS = 365

MEASURE_HELP = {
    "status": "Fresh: computed from recent data and counted. Stale: the newest data is too old to count. Missing: no data; "
    "a stale or missing measure counts neither way and lowers the score's coverage.",
    "contribution": "Points of the health score this measure contributes: weight × score ÷ total weight of the fresh measures.",
    "change": "Change of the measure's 0–100 score since the score 7 days before.",
}
USAGE_HELP = {
    "events": "Product events per week (Monday to Sunday), by event name, from the daily rollups.",
    "active": "Distinct users active at least once in the week, against the seats licensed on today's active contract lines.",
}


@dataclass(frozen=True)
class MeasureRow:
    key: str
    label: str
    definition: str
    status: str  # ok | stale | missing
    raw: float | None
    normalized: float | None
    weight: float
    contribution: float | None
    reason: str
    change: float | None  # normalized now − normalized 7 days before (both fresh)


@dataclass
class AccountHealth:
    account: Account
    score: AccountScore | None
    previous: AccountScore | None  # the score 7 days before ``score``
    history: list[tuple[dt.date, float | None, str]]  # (day, score, band), oldest first
    override: BandOverride | None
    measures: list[MeasureRow]
    zones: AccountZones | None
    chain: list[tuple[str, str, str, dict | None]]
    layers: list[tuple[str, str, str, dict | None]]
    risks: list[RiskIndicator]
    save_plans: list[SavePlan]
    events_by_week: dict[str, dict[dt.date, int]]  # event -> week -> count
    active_by_week: dict[dt.date, int]
    weeks: list[dt.date]

    @property
    def open_risks(self) -> list[RiskIndicator]:
        return [r for r in self.risks if r.closed_on is None]

    @property
    def attention_label(self) -> str:
        return LABELS.get(self.zones.attention_zone, "") if self.zones else ""

    @property
    def shown_band(self) -> str:
        if self.override is not None:
            return self.override.band
        return self.score.band if self.score else ""


def _weeks(today: dt.date) -> list[dt.date]:
    this_monday = today - dt.timedelta(days=today.weekday())
    return [this_monday - dt.timedelta(weeks=n) for n in range(USAGE_DAYS // 7 - 1, -1, -1)]


def _as_date(value) -> dt.date:
    return value.date() if isinstance(value, dt.datetime) else value


def measure_rows(score: AccountScore | None, previous: AccountScore | None) -> list[MeasureRow]:
    """The score's measures, counted ones first by contribution, then stale and missing ones."""
    if score is None:
        return []
    before = previous.measures if previous else {}
    rows = []
    for key, m in score.measures.items():
        old = before.get(key) or {}
        change = None
        if m.get("status") == "ok" and old.get("status") == "ok" and m.get("normalized") is not None and old.get("normalized") is not None:
            change = m["normalized"] - old["normalized"]
        rows.append(
            MeasureRow(
                key=key,
                label=m.get("label") or MEASURES.get(key, (key, ""))[0],
                definition=MEASURES.get(key, ("", ""))[1],
                status=m.get("status", "missing"),
                raw=m.get("raw") if isinstance(m.get("raw"), int | float) else None,
                normalized=m.get("normalized"),
                weight=m.get("weight") or 0,
                contribution=m.get("contribution"),
                reason=(m.get("detail") or {}).get("reason", "") if isinstance(m.get("detail"), dict) else "",
                change=change,
            )
        )
    rows.sort(key=lambda r: (r.status != "ok", -(r.contribution or 0), r.label))
    return rows


def account_health(*, organization: Organization, account_id: int, today: dt.date) -> AccountHealth | None:
    """Everything of the account page's health section (about 12 queries), None if not found."""
    account = accounts_with_figures(organization=organization, today=today).filter(pk=account_id).first()
    if account is None:
        return None
    since = today - dt.timedelta(days=HISTORY_DAYS - 1)
    scores = AccountScore.objects.filter(organization=organization, account=account)
    history = list(scores.filter(day__gte=since).order_by("day").values_list("day", "score", "band"))
    score = scores.select_related("scorecard").order_by("-day").first()
    previous = scores.filter(day=score.day - dt.timedelta(days=7)).first() if score else None
    zones = AccountZones.objects.filter(organization=organization, account=account).order_by("-day").first()
    week_start = _weeks(today)[0]
    events: dict[str, dict[dt.date, int]] = defaultdict(dict)
    counts = (
        DailyEventCount.objects.filter(organization=organization, account=account, day__gte=week_start, day__lte=today)
        .annotate(week=TruncWeek("day"))
        .values_list("week", "event")
        .annotate(n=Sum("count"))
        .values_list("week", "event", "n")
        .order_by()
    )
    for week, event, n in counts:
        events[event][_as_date(week)] = int(n or 0)
    active = (
        DailyActiveUser.objects.filter(organization=organization, account=account, day__gte=week_start, day__lte=today)
        .annotate(week=TruncWeek("day"))
        .values_list("week")
        .annotate(n=Count("user_external_id", distinct=True))
        .values_list("week", "n")
        .order_by()
    )
    save_plans = list(
        SavePlan.objects.filter(organization=organization, account=account)
        .select_related("owner")
        .prefetch_related(Prefetch("actions", queryset=SavePlanAction.objects.filter(organization=organization).select_related("owner")))
    )
    return AccountHealth(
        account=account,
        score=score,
        previous=previous,
        history=history,
        override=overrides_in_force(organization=organization, account_ids=[account.pk], on=today).get(account.pk),
        measures=measure_rows(score, previous),
        zones=zones,
        chain=[(k, LABELS[k], QUESTIONS[k], zones.zones.get(k) if zones else None) for k in CHAIN],
        layers=[(k, LABELS[k], QUESTIONS[k], zones.zones.get(k) if zones else None) for k in LAYERS],
        risks=list(RiskIndicator.objects.filter(organization=organization, account=account).order_by("closed_on", "-opened_on")),
        save_plans=save_plans,
        events_by_week=dict(events),
        active_by_week={_as_date(week): n for week, n in active},
        weeks=_weeks(today),
    )


def top_events(events_by_week: dict[str, dict[dt.date, int]], limit: int = TOP_EVENTS) -> list[tuple[str, dict[dt.date, int]]]:
    """The ``limit`` most frequent events, then the rest summed as "Other events"."""
    ranked = sorted(events_by_week.items(), key=lambda kv: (-sum(kv[1].values()), kv[0]))
    shown, rest = ranked[:limit], ranked[limit:]
    if rest:
        other: dict[dt.date, int] = defaultdict(int)
        for _, weeks in rest:
            for week, n in weeks.items():
                other[week] += n
        shown.append((f"Other events ({len(rest)} types)", dict(other)))
    return shown


# ---------------------------------------------------------------------------------------------
# Timeline


@dataclass(frozen=True)
class TimelineItem:
    at: dt.datetime
    kind: str  # touchpoint | note | ticket | survey | band
    title: str
    detail: str = ""
    badge: str = ""  # CSS badge class
    people: list[str] = field(default_factory=list)


def _day_start(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(0, 0), tzinfo=dt.UTC)


def band_changes(history: list[tuple[dt.date, str]]) -> list[tuple[dt.date, str, str]]:
    """``(day, from band, to band)`` for each day whose band differs from the day before's."""
    changes = []
    for (_, before), (day, after) in zip(history, history[1:], strict=False):
        if before != after:
            changes.append((day, before, after))
    return changes


_BAND_BADGE = {"green": "badge-green", "yellow": "badge-yellow", "red": "badge-red"}


def account_timeline(*, organization: Organization, account_id: int, today: dt.date, limit: int = TIMELINE_ITEMS) -> tuple[Account, list[TimelineItem]] | None:
    """Touchpoints, notes, tickets, survey answers and score band changes, newest first (6 queries)."""
    account = Account.objects.filter(organization=organization, pk=account_id).first()
    if account is None:
        return None
    items: list[TimelineItem] = []
    attendees = Prefetch("contacts", queryset=Contact.objects.filter(organization=organization).order_by("name"))
    for tp in Touchpoint.objects.filter(organization=organization, account=account).prefetch_related(attendees).order_by("-occurred_at")[:limit]:
        title = tp.get_kind_display() + (" (executive present)" if tp.executive_present else "")
        items.append(TimelineItem(tp.occurred_at, "touchpoint", title, tp.summary, "badge-blue", [c.name for c in tp.contacts.all()]))
    for note in Note.objects.filter(organization=organization, account=account).select_related("author").order_by("-created_at")[:limit]:
        author = note.author.display_name if note.author else "Someone who left"
        items.append(
            TimelineItem(note.created_at, "note", f"Note by {author} ({note.get_sentiment_display().lower()})", note.body, f"sentiment-{note.sentiment}")
        )
    for t in SupportTicket.objects.filter(organization=organization, account=account).order_by("-opened_at")[:limit]:
        title = f"Ticket opened: {t.subject}" + (" — escalated" if t.escalated else "")
        items.append(
            TimelineItem(
                t.opened_at, "ticket", title, f"{t.get_priority_display()} priority, {t.get_status_display().lower()}", "badge-red" if t.escalated else ""
            )
        )
    for a in SurveyAnswer.objects.filter(organization=organization, account=account).select_related("contact").order_by("-answered_at")[:limit]:
        if a.kind == SurveyAnswer.Kind.NPS:
            badge = "badge-green" if a.score >= 9 else "badge-yellow" if a.score >= 7 else "badge-red"
        else:
            badge = "badge-green" if a.score >= 4 else "badge-yellow" if a.score == 3 else "badge-red"
        who = a.contact.name if a.contact else "Anonymous"
        items.append(TimelineItem(a.answered_at, "survey", f"{a.get_kind_display()} {a.score} from {who}", a.comment, badge))
    since = today - dt.timedelta(days=BAND_CHANGE_DAYS)
    history = list(AccountScore.objects.filter(organization=organization, account=account, day__gte=since).order_by("day").values_list("day", "band"))
    for day, before, after in band_changes(history):
        title = f"Health band changed from {Band(before).label.lower()} to {Band(after).label.lower()}"
        items.append(TimelineItem(_day_start(day), "band", title, "", _BAND_BADGE.get(after, "")))
    items.sort(key=lambda item: item.at, reverse=True)
    return account, items[:limit]
