"""Reads for the account pages: the filtered account list with ARR and next renewal computed in
the query, the stakeholder map, MRR history, and who may edit an account.

Every function takes the organization explicitly; row-level security is only the backstop.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from django.db import connection
from django.db.models import DecimalField, F, Func, IntegerField, Min, OuterRef, Prefetch, Q, QuerySet, Subquery, Sum, Value
from django.db.models.functions import Coalesce, Lower

from retention.memo import RunMemo
from retention.models import Membership, Role

from . import mrr
from .models import Account, Contact, ContractLine, DailyActiveUser, Note, StakeholderRole, SupportTicket, SurveyAnswer, Touchpoint, UserLastActive

# ---------------------------------------------------------------------------------------------
# Definitions shown on the pages (tooltips use these words).

ARR_HELP = "Annual recurring revenue: 12 × the MRR of the contract lines active today (started, and last day of service not passed)."
MRR_HELP = "Monthly recurring revenue of the contract lines active today, after discount."
SEATS_HELP = "Seats licensed on the contract lines active today."
RENEWAL_HELP = "The earliest renewal date, today or later, of the contract lines active today."
MRR_HISTORY_HELP = "Month-end snapshot: a month's MRR is the sum of the lines active on the month's last day. The current month uses the lines as known today."
MOVEMENT_HELP = {
    "new": "First MRR ever: the account had no MRR last month and never had any before.",
    "reactivation": "MRR returns after at least one month at zero.",
    "expansion": "MRR was positive last month and is higher now (the increase).",
    "contraction": "MRR was positive last month and is lower but not zero now (the decrease).",
    "churn": "MRR was positive last month and is zero now (last month's MRR).",
}
ENGAGED_WITHIN_DAYS = 90
RECENT_WITHIN_DAYS = 30
MULTITHREADING_HELP = (
    f"Multithreading: the number of distinct stakeholder roles with at least one current contact (not left) engaged in the last {ENGAGED_WITHIN_DAYS} days."
)
NPS_HELP = "Net Promoter Score over the last 12 months: % promoters (9–10) − % detractors (0–6) of the NPS answers."
CSAT_HELP = "Average CSAT (1–5) of the answers in the last 12 months."
HISTORY_MONTHS = 24  # months of MRR history shown on the account page

PAGE_SIZE = 25

SORTS = {
    "name": (Lower("name").asc(), "pk"),
    "-name": (Lower("name").desc(), "-pk"),
    "arr": ("arr", Lower("name").asc()),
    "-arr": ("-arr", Lower("name").asc()),
    "renewal": ("next_renewal", Lower("name").asc()),
    "-renewal": ("-next_renewal", Lower("name").asc()),
    "start": ("start_date", Lower("name").asc()),
    "-start": ("-start_date", Lower("name").asc()),
}
SORT_LABELS = {
    "name": "Name (A–Z)",
    "-name": "Name (Z–A)",
    "-arr": "ARR (highest first)",
    "arr": "ARR (lowest first)",
    "renewal": "Next renewal (soonest first)",
    "-renewal": "Next renewal (latest first)",
    "-start": "Start date (newest first)",
    "start": "Start date (oldest first)",
}


# ---------------------------------------------------------------------------------------------
# Accounts with their current figures


def active_lines_q(*, today: dt.date, prefix: str = "") -> Q:
    """Lines active on ``today``: started, and their last day of service not passed."""
    return Q(**{f"{prefix}start_date__lte": today}) & (Q(**{f"{prefix}end_date__isnull": True}) | Q(**{f"{prefix}end_date__gte": today}))


def accounts_with_figures(*, organization, today: dt.date) -> QuerySet[Account]:
    """Accounts of ``organization`` annotated in the same query (subqueries, so no row fan-out)
    with ``mrr``, ``arr``, ``seats`` and ``next_renewal`` (definitions: the ``*_HELP`` texts)."""
    active = ContractLine.objects.filter(active_lines_q(today=today), organization=organization, account=OuterRef("pk")).order_by().values("account")
    money = DecimalField(max_digits=14, decimal_places=2)
    mrr_sum = Subquery(active.annotate(total=Sum("mrr")).values("total"), output_field=money)
    seats_sum = Subquery(active.annotate(total=Sum("seats_licensed")).values("total"), output_field=IntegerField())
    next_renewal = Subquery(active.filter(renewal_date__gte=today).annotate(first=Min("renewal_date")).values("first"))
    return (
        Account.objects.filter(organization=organization)
        .select_related("owner")
        .annotate(
            mrr=Coalesce(mrr_sum, Value(Decimal("0")), output_field=money),
            seats=Coalesce(seats_sum, Value(0)),
            next_renewal=next_renewal,
        )
        .annotate(arr=Coalesce(mrr_sum, Value(Decimal("0")), output_field=money) * Value(Decimal("12"), output_field=money))
    )


@dataclass(frozen=True)
class AccountFilters:
    q: str = ""
    segment: str = ""
    lifecycle_stage: str = ""
    owner: str = ""  # "" any, "none" unassigned, or a user id
    touch_model: str = ""
    sort: str = "name"


def account_list(*, organization, filters: AccountFilters, today: dt.date) -> QuerySet[Account]:
    """The account list: search on name, external id and domain; filters; one of ``SORTS``."""
    qs = accounts_with_figures(organization=organization, today=today)
    if filters.q:
        qs = qs.filter(Q(name__icontains=filters.q) | Q(external_id__icontains=filters.q) | Q(domain__icontains=filters.q))
    if filters.segment:
        qs = qs.filter(segment=filters.segment)
    if filters.lifecycle_stage:
        qs = qs.filter(lifecycle_stage=filters.lifecycle_stage)
    if filters.touch_model:
        qs = qs.filter(touch_model=filters.touch_model)
    if filters.owner == "none":
        qs = qs.filter(owner__isnull=True)
    elif filters.owner:
        qs = qs.filter(owner_id=int(filters.owner))
    order = SORTS.get(filters.sort, SORTS["name"])
    # Accounts without a renewal date go last whichever way renewal is sorted.
    if filters.sort in ("renewal", "-renewal"):
        field_expr = F("next_renewal").asc(nulls_last=True) if filters.sort == "renewal" else F("next_renewal").desc(nulls_last=True)
        order = (field_expr, *order[1:])
    return qs.order_by(*order)


def account_owner_choices(*, organization) -> list[tuple[int, str]]:
    """Members who can own accounts (CSM or higher), as ``(user id, display name)``."""
    memberships = (
        Membership.objects.filter(organization=organization, role__in=[Role.CSM, Role.ADMIN, Role.OWNER])
        .select_related("user")
        .order_by("user__full_name", "user__email")
    )
    return [(m.user_id, m.user.display_name) for m in memberships]


def can_edit_account(*, membership: Membership, account: Account | None = None) -> bool:
    """Admins and owners edit every account; CSMs edit the accounts they own (and may create
    accounts); viewers read only (DESIGN.md §3)."""
    if membership.has_role(Role.ADMIN):
        return True
    if not membership.has_role(Role.CSM):
        return False
    return account is None or account.owner_id == membership.user_id


# ---------------------------------------------------------------------------------------------
# Stakeholder map


@dataclass(frozen=True)
class ContactEngagement:
    contact: Contact
    status: str  # recent | engaged | cold | never | left
    label: str
    days_since: int | None


@dataclass
class RoleGroup:
    role: str
    label: str
    contacts: list[ContactEngagement] = field(default_factory=list)

    @property
    def engaged(self) -> bool:
        return any(c.status in ("recent", "engaged") for c in self.contacts)


@dataclass
class StakeholderMap:
    groups: list[RoleGroup]
    gaps: list[str]
    multithreading: int
    engaged_roles: list[str]
    contact_count: int
    help: str = MULTITHREADING_HELP


def engagement(contact: Contact, *, today: dt.date) -> ContactEngagement:
    """How recently a contact engaged: recent (≤ 30 days), engaged (≤ 90), cold, never, or left."""
    if contact.left_on and contact.left_on <= today:
        return ContactEngagement(contact, "left", f"Left on {contact.left_on:%b %-d, %Y}", None)
    if contact.last_engaged_at is None:
        return ContactEngagement(contact, "never", "Never engaged", None)
    days = max((today - contact.last_engaged_at.date()).days, 0)
    when = "today" if days == 0 else f"{days} day{'s' if days != 1 else ''} ago"
    if days <= RECENT_WITHIN_DAYS:
        return ContactEngagement(contact, "recent", f"Engaged {when}", days)
    if days <= ENGAGED_WITHIN_DAYS:
        return ContactEngagement(contact, "engaged", f"Engaged {when}", days)
    return ContactEngagement(contact, "cold", f"Cold: last engaged {when}", days)


def stakeholder_map(*, contacts: list[Contact], today: dt.date) -> StakeholderMap:
    """Contacts grouped by stakeholder role (every role shown, empty ones too), the gaps a CSM
    must act on, and multithreading (see ``MULTITHREADING_HELP``)."""
    groups = {role.value: RoleGroup(role=role.value, label=role.label) for role in StakeholderRole}
    for contact in contacts:
        groups.setdefault(contact.stakeholder_role, RoleGroup(contact.stakeholder_role, contact.stakeholder_role)).contacts.append(
            engagement(contact, today=today)
        )
    for group in groups.values():
        order = {"recent": 0, "engaged": 1, "cold": 2, "never": 3, "left": 4}
        group.contacts.sort(key=lambda c: (order[c.status], c.days_since or 0, c.contact.name.lower()))

    gaps: list[str] = []
    for role, missing, left in (
        (StakeholderRole.EXECUTIVE_SPONSOR, "No executive sponsor", "Executive sponsor left"),
        (StakeholderRole.CHAMPION, "No champion", "Champion left"),
    ):
        members = groups[role.value].contacts
        current = [c for c in members if c.status != "left"]
        for departed in (c for c in members if c.status == "left"):
            replaced = " — a replacement is on file" if current else " — no replacement on file"
            gaps.append(f"{left}: {departed.contact.name} (on {departed.contact.left_on:%b %-d, %Y}){replaced}.")
        if not current and not any(c.status == "left" for c in members):
            gaps.append(f"{missing} identified.")
        elif current and not any(c.status in ("recent", "engaged") for c in current):
            gaps.append(f"{role.label} not engaged in the last {ENGAGED_WITHIN_DAYS} days.")

    engaged_roles = [g.label for g in groups.values() if g.engaged]
    if len(engaged_roles) <= 1 and contacts:
        gaps.append(f"Single-threaded: {len(engaged_roles)} engaged stakeholder role{'s' if len(engaged_roles) != 1 else ''}.")
    if not contacts:
        gaps.append("No contacts on file.")
    return StakeholderMap(groups=list(groups.values()), gaps=gaps, multithreading=len(engaged_roles), engaged_roles=engaged_roles, contact_count=len(contacts))


# ---------------------------------------------------------------------------------------------
# MRR history


def contract_line_rows(*, organization, account: Account | None = None) -> list[mrr.LineRow]:
    """The contract lines of an organization (or of one of its accounts) as ``mrr.LineRow``s."""
    qs = ContractLine.objects.filter(organization=organization)
    if account is not None:
        qs = qs.filter(account=account)
    return [
        mrr.LineRow(account_id=account_id, mrr=amount, start_date=start, end_date=end)
        for account_id, amount, start, end in qs.values_list("account_id", "mrr", "start_date", "end_date")
    ]


def rows_from_lines(lines: list[ContractLine]) -> list[mrr.LineRow]:
    """``mrr.LineRow``s from contract lines already loaded (saves a query on the account page)."""
    return [mrr.LineRow(account_id=line.account_id, mrr=line.mrr, start_date=line.start_date, end_date=line.end_date) for line in lines]


@dataclass(frozen=True)
class MrrHistory:
    months: list[mrr.MonthMovements]  # oldest first

    @property
    def with_movement(self) -> list[mrr.MonthMovements]:
        """Months where something moved, newest first (for the movements table)."""
        return [m for m in reversed(self.months) if m.has_movement]


def mrr_history(*, rows: list[mrr.LineRow], today: dt.date, months: int = HISTORY_MONTHS) -> MrrHistory:
    """Month-end MRR and movements from the first line's month (at most ``months`` back) to this month."""
    if not rows:
        return MrrHistory(months=[])
    this_month = mrr.month_start(today)
    first = max(mrr.month_start(min(r.start_date for r in rows)), mrr.add_months(this_month, -(months - 1)))
    first = min(first, this_month)
    return MrrHistory(months=mrr.movements_by_month(rows, first_month=first, last_month=this_month))


# ---------------------------------------------------------------------------------------------
# The account page


@dataclass(frozen=True)
class SurveySummary:
    nps: int | None
    nps_answers: int
    csat: float | None
    csat_answers: int


def survey_summary(*, answers: list[SurveyAnswer], today: dt.date) -> SurveySummary:
    """NPS and average CSAT over the answers of the last 12 months (see ``NPS_HELP``, ``CSAT_HELP``)."""
    since = today - dt.timedelta(days=365)
    recent = [a for a in answers if a.answered_at.date() >= since]
    nps_scores = [a.score for a in recent if a.kind == SurveyAnswer.Kind.NPS]
    csat_scores = [a.score for a in recent if a.kind == SurveyAnswer.Kind.CSAT]
    nps = None
    if nps_scores:
        promoters = sum(1 for s in nps_scores if s >= 9)
        detractors = sum(1 for s in nps_scores if s <= 6)
        nps = round(100 * (promoters - detractors) / len(nps_scores))
    csat = round(sum(csat_scores) / len(csat_scores), 1) if csat_scores else None
    return SurveySummary(nps=nps, nps_answers=len(nps_scores), csat=csat, csat_answers=len(csat_scores))


@dataclass
class AccountPage:
    account: Account
    stakeholders: StakeholderMap
    contract_lines: list[ContractLine]
    history: MrrHistory
    tickets: list[SupportTicket]
    open_tickets: int
    surveys: list[SurveyAnswer]
    survey_summary: SurveySummary
    touchpoints: list[Touchpoint]
    notes: list[Note]
    days_to_renewal: int | None


RECENT_ITEMS = 10


def account_page(*, organization, account_id: int, today: dt.date) -> AccountPage | None:
    """Everything the account page shows, in a fixed number of queries (None if not found)."""
    open_tickets = (
        SupportTicket.objects.filter(organization=organization, account=OuterRef("pk"), status__in=[SupportTicket.Status.OPEN, SupportTicket.Status.PENDING])
        .order_by()
        .annotate(n=Func(F("pk"), function="COUNT"))
        .values("n")
    )
    account = (
        accounts_with_figures(organization=organization, today=today)
        .annotate(open_tickets=Coalesce(Subquery(open_tickets, output_field=IntegerField()), Value(0)))
        .filter(pk=account_id)
        .first()
    )
    if account is None:
        return None
    contacts = list(Contact.objects.filter(organization=organization, account=account).order_by("name"))
    lines = list(ContractLine.objects.filter(organization=organization, account=account).order_by("-start_date", "product"))
    tickets = list(SupportTicket.objects.filter(organization=organization, account=account).order_by("-opened_at")[:RECENT_ITEMS])
    surveys = list(
        SurveyAnswer.objects.filter(organization=organization, account=account, answered_at__date__gte=today - dt.timedelta(days=365))
        .select_related("contact")
        .order_by("-answered_at")
    )
    attendees = Prefetch("contacts", queryset=Contact.objects.filter(organization=organization).order_by("name"))
    touchpoints = list(
        Touchpoint.objects.filter(organization=organization, account=account).prefetch_related(attendees).order_by("-occurred_at")[:RECENT_ITEMS]
    )
    notes = list(Note.objects.filter(organization=organization, account=account).select_related("author").order_by("-created_at")[:RECENT_ITEMS])
    return AccountPage(
        account=account,
        stakeholders=stakeholder_map(contacts=contacts, today=today),
        contract_lines=lines,
        history=mrr_history(rows=rows_from_lines(lines), today=today),
        tickets=tickets,
        open_tickets=account.open_tickets,
        surveys=surveys,
        survey_summary=survey_summary(answers=surveys, today=today),
        touchpoints=touchpoints,
        notes=notes,
        days_to_renewal=(account.next_renewal - today).days if account.next_renewal else None,
    )


# Org-wide results of active_users_by_window kept for the span of a nightly run:
# (organization id, as_of, window) -> {account id: users}.
_memo: RunMemo[dict[int, int]] = RunMemo()


def active_users_memo():
    """Within this block, distinct active users are computed once per organization, day and
    window for all accounts, and every narrower call (a chunk of accounts, the success-plan KPIs)
    is answered from that. The nightly pipeline asks the same question from several places."""
    return _memo.active()


def active_users_by_window(*, organization, as_of: dt.date, windows: Sequence[int], account_ids: Iterable[int] | None = None) -> dict[tuple[int, int], int]:
    """Distinct active users of each account over each trailing window of days ending ``as_of``.

    Keys are (account id, window); accounts without any active user are absent. Read from
    ``UserLastActive``: each (account, user) pair's latest active day on or before ``as_of`` is
    its ``last_day``, or, when the user came back after ``as_of``, its ``previous_day``; a range
    read on the pairs seen in the widest window. Only for accounts with a user active on two
    days after ``as_of`` (a replay of the past) are the daily rows of the window counted.
    """
    windows = sorted(set(windows))
    if account_ids is not None:
        account_ids = list(account_ids)
        if not account_ids:
            return {}
    if not windows:
        return {}
    if not _memo.is_active:
        return _active_users_query(organization=organization, as_of=as_of, windows=windows, account_ids=account_ids)
    wanted = None if account_ids is None else set(account_ids)
    answer = {}
    for w in windows:
        everyone = _memo.get(
            (organization.pk, as_of, w),
            lambda w=w: {aid: n for (aid, _), n in _active_users_query(organization=organization, as_of=as_of, windows=[w], account_ids=None).items()},
        )
        answer.update({(aid, w): n for aid, n in everyone.items() if wanted is None or aid in wanted})
    return answer


def _active_users_query(*, organization, as_of: dt.date, windows: list[int], account_ids: list[int] | None) -> dict[tuple[int, int], int]:
    widest = as_of - dt.timedelta(days=windows[-1] - 1)
    accounts_filter, account_params = _accounts_filter(account_ids)
    columns = ", ".join(f"count(*) FILTER (WHERE day >= %s) AS w{i}" for i in range(len(windows)))
    starts = [as_of - dt.timedelta(days=w - 1) for w in windows]
    table = UserLastActive._meta.db_table
    latest_sql = f"""
        SELECT account_id, {columns} FROM (
            SELECT account_id, CASE WHEN last_day <= %s THEN last_day ELSE previous_day END AS day FROM {table}
            WHERE organization_id = %s AND last_day >= %s {accounts_filter}
        ) pairs WHERE day >= %s AND day <= %s GROUP BY account_id
    """
    # Pairs whose two stored days both come after as_of: their day on or before it is not stored.
    unknown_sql = f"SELECT DISTINCT account_id FROM {table} WHERE organization_id = %s AND last_day > %s AND previous_day > %s {accounts_filter}"
    with connection.cursor() as cursor:
        cursor.execute(latest_sql, [*starts, as_of, organization.pk, widest, *account_params, widest, as_of])
        counts = {row[0]: row[1:] for row in cursor.fetchall()}
        cursor.execute(unknown_sql, [organization.pk, as_of, as_of, *account_params])
        replay = sorted(row[0] for row in cursor.fetchall())
    if replay:
        recounted = set(replay)
        counts = {aid: row for aid, row in counts.items() if aid not in recounted}
        counts.update(_daily_rows_query(organization=organization, as_of=as_of, windows=windows, account_ids=replay))
    return {(aid, w): row[i] for aid, row in counts.items() for i, w in enumerate(windows) if row[i]}


def _accounts_filter(account_ids: list[int] | None) -> tuple[str, list[int]]:
    if account_ids is None:
        return "", []
    return f"AND account_id IN ({', '.join(['%s'] * len(account_ids))})", list(account_ids)


def _daily_rows_query(*, organization, as_of: dt.date, windows: list[int], account_ids: list[int]) -> dict[int, tuple[int, ...]]:
    """The same counts from every ``DailyActiveUser`` row of the widest window: each pair's last
    active day in it, then, per account, how many pairs fall in each window (hash aggregates only,
    where ``COUNT(DISTINCT …)`` per window would sort every row)."""
    accounts_filter, account_params = _accounts_filter(account_ids)
    params: list = [as_of - dt.timedelta(days=w - 1) for w in windows]
    params += [organization.pk, as_of - dt.timedelta(days=windows[-1] - 1), as_of, *account_params]
    columns = ", ".join(f"count(*) FILTER (WHERE last_day >= %s) AS w{i}" for i in range(len(windows)))
    table = DailyActiveUser._meta.db_table
    sql = f"""
        SELECT account_id, {columns} FROM (
            SELECT account_id, user_external_id, max(day) AS last_day FROM {table}
            WHERE organization_id = %s AND day >= %s AND day <= %s {accounts_filter}
            GROUP BY account_id, user_external_id
        ) pairs GROUP BY account_id
    """
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return {row[0]: row[1:] for row in cursor.fetchall()}
