"""Reads of the portfolio page: a CSM's (or everyone's) accounts with their current health, first
broken zone, open risks, save plan, ARR and renewal date; saved views; the CSV export.

The page's query count does not depend on the number of accounts: sorting and filtering join
the facts set-wise in one SQL statement (``PortfolioAccounts``), and the page's 50 rows are then
completed by one query per kind of fact (scores, sparklines, zones, risks, save plans,
overrides) for those ids. The order "risk" is: red first, then yellow, green, "no data", and
accounts never scored last; within a band, the lowest score first.
"""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, OuterRef, Subquery

from accounts.models import Account, Segment
from accounts.selectors import accounts_with_figures
from retention.models import Membership, Organization

from .models import AccountScore, AccountZones, Band, BandOverride, RiskIndicator, SavePlan
from .saved_views import SavedView
from .zones import CHAIN, LABELS

PAGE_SIZE = 50
SPARKLINE_DAYS = 30
RENEWAL_WINDOWS = (30, 60, 90, 120, 180)

SORTS = {
    "risk": "Risk (red first, lowest score first)",
    "score": "Score (lowest first)",
    "-score": "Score (highest first)",
    "-arr": "ARR (highest first)",
    "arr": "ARR (lowest first)",
    "renewal": "Renewal date (soonest first)",
    "name": "Name (A–Z)",
}
DEFAULT_SORT = "risk"

# Definitions shown beside the columns (tooltips use these words).
HELP = {
    "band": "Health band of the newest daily score: green ≥ 70, yellow 40–69, red below 40 (the scorecard's limits). "
    "A CSM's band override in force is shown instead, marked as such.",
    "trend": "Score now minus the score 7 days before: ▲ up by more than 2 points, ▼ down by more than 2, ► within 2.",
    "sparkline": f"Daily health score (0–100) over the last {SPARKLINE_DAYS} days.",
    "zone": "The zone that needs attention first: the earliest retention zone in the chain (Belief → Commitment → "
    "Activation → Realization → Expansion → Recognition) that is not holding.",
    "risks": "Risk indicators open now (usage drop, champion left, no executive touchpoint, renewal at risk, escalations, "
    "detractor NPS, overdue milestones, payment issues). Three open at once open a save plan.",
    "save_plan": "Status of the account's newest save plan (opened by three open risk indicators).",
    "arr": "Annual recurring revenue: 12 × the MRR of the contract lines active today.",
    "renewal": "The earliest renewal date, today or later, of the contract lines active today.",
}
TREND_FLAT_WITHIN = 2.0  # points of score: smaller moves are shown as flat

# The query parameters a portfolio view is made of (saved views keep only these).
VIEW_PARAMS = ("q", "owner", "segment", "band", "zone", "renewal", "sort")


@dataclass(frozen=True)
class PortfolioFilters:
    q: str = ""
    owner: str = ""  # "" everyone, "me", "none" (unassigned) or a user id
    segment: str = ""
    band: str = ""  # a Band value or "none" (never scored)
    zone: str = ""  # a zone key, or "holding" (no zone needs attention)
    renewal: int | None = None  # renewal within this many days
    sort: str = DEFAULT_SORT


# ---------------------------------------------------------------------------------------------
# The filtered, sorted queryset (everything the sort and filters need, in one query)


# The sort keys, as SQL over the joined row: ``s`` the account's score on the organization's
# newest scored day, ``l`` its active contract lines, ``z`` its newest zones, ``a`` the account.
_RISK_KEY = "(CASE {t}.band WHEN 'red' THEN 0 WHEN 'yellow' THEN 1 WHEN 'green' THEN 2 WHEN 'unknown' THEN 3 ELSE 4 END) * 1000 + COALESCE({t}.score, 999)"
_NEWER = "SELECT {col} FROM dashboards_accountscore o WHERE o.organization_id = a.organization_id AND o.account_id = a.id ORDER BY o.day DESC LIMIT 1"
_NAME = "LOWER(a.name) ASC, a.id ASC"
# NULLs last, written so that PostgreSQL and SQLite agree.
_ORDER_BY = {
    "risk": f"COALESCE({_RISK_KEY.format(t='s')}, ({_NEWER.format(col=_RISK_KEY.format(t='o'))}), 9999) ASC, {_NAME}",
    "score": f"COALESCE(s.score, ({_NEWER.format(col='o.score')})) IS NULL, COALESCE(s.score, ({_NEWER.format(col='o.score')})) ASC, {_NAME}",
    "-score": f"COALESCE(s.score, ({_NEWER.format(col='o.score')})) IS NULL, COALESCE(s.score, ({_NEWER.format(col='o.score')})) DESC, {_NAME}",
    "arr": f"COALESCE(l.mrr, 0) ASC, {_NAME}",
    "-arr": f"COALESCE(l.mrr, 0) DESC, {_NAME}",
    "renewal": f"l.next_renewal IS NULL, l.next_renewal ASC, {_NAME}",
    "name": _NAME,
}


class PortfolioAccounts:
    """The filtered, ordered accounts of a portfolio view, sliceable like a queryset (so Django's
    ``Paginator`` pages it): ``count()`` is one query, a slice two (the ordered ids, then those
    accounts with their figures), whatever the number of accounts.

    Ordering and filtering join the facts set-wise (the organization's newest scored day, the
    active contract lines grouped per account, the newest zones) instead of running a
    correlated subquery per account; an account not scored on the newest day (e.g. churned
    since) falls back to its own newest score.
    """

    def __init__(self, *, organization: Organization, filters: PortfolioFilters, user_id: int, today: dt.date):
        self.organization, self.filters, self.user_id, self.today = organization, filters, user_id, today
        self._count: int | None = None
        self._page: tuple[int, int, list[int]] | None = None  # (offset, limit, ids) fetched with the count

    def _from_where(self) -> tuple[str, list]:
        org, today = self.organization.pk, self.today.isoformat()
        sql = """
            FROM accounts_account a
            LEFT JOIN dashboards_accountscore s ON s.organization_id = a.organization_id AND s.account_id = a.id
                AND s.day = (SELECT MAX(day) FROM dashboards_accountscore WHERE organization_id = %s)
            LEFT JOIN (
                SELECT account_id, SUM(mrr) AS mrr, MIN(CASE WHEN renewal_date >= %s THEN renewal_date END) AS next_renewal
                FROM accounts_contractline
                WHERE organization_id = %s AND start_date <= %s AND (end_date IS NULL OR end_date >= %s)
                GROUP BY account_id
            ) l ON l.account_id = a.id
            LEFT JOIN dashboards_accountzones z ON z.organization_id = a.organization_id AND z.account_id = a.id
                AND z.day = (SELECT MAX(day) FROM dashboards_accountzones WHERE organization_id = %s)
            WHERE a.organization_id = %s"""
        params: list = [org, today, org, today, today, org, org]
        f = self.filters
        if f.q:
            pattern = "%" + f.q.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_") + "%"
            sql += " AND (" + " OR ".join(f"UPPER(a.{col}) LIKE UPPER(%s) ESCAPE '\\'" for col in ("name", "external_id", "domain")) + ")"
            params += [pattern] * 3
        if f.owner == "me":
            sql += " AND a.owner_id = %s"
            params.append(self.user_id)
        elif f.owner == "none":
            sql += " AND a.owner_id IS NULL"
        elif f.owner:
            sql += " AND a.owner_id = %s"
            params.append(int(f.owner))
        if f.segment:
            sql += " AND a.segment = %s"
            params.append(f.segment)
        if f.band:
            band = f"COALESCE(s.band, ({_NEWER.format(col='o.band')}))"
            sql += f" AND {band} IS NULL" if f.band == "none" else f" AND {band} = %s"
            params += [] if f.band == "none" else [f.band]
        if f.zone:
            newest_zone = "SELECT o.attention_zone FROM dashboards_accountzones o WHERE o.organization_id = a.organization_id AND o.account_id = a.id ORDER BY o.day DESC LIMIT 1"
            sql += f" AND COALESCE(z.attention_zone, ({newest_zone})) = %s"
            params.append("" if f.zone == "holding" else f.zone)
        if f.renewal:
            sql += " AND l.next_renewal >= %s AND l.next_renewal <= %s"
            params += [today, (self.today + dt.timedelta(days=f.renewal)).isoformat()]
        return sql, params

    def prepare_page(self, *, number: int, size: int) -> None:
        """Fetch page ``number``'s ids and the total count in one statement (``COUNT(*) OVER ()``),
        so the paginator's ``count()`` and slice need no further query."""
        offset = max(number - 1, 0) * size
        rows = self._ids_query(offset=offset, limit=size, with_total=True)
        if rows:
            self._count = rows[0][1]
            self._page = (offset, size, [row[0] for row in rows])

    def count(self) -> int:
        if self._count is None:
            sql, params = self._from_where()
            with connection.cursor() as cursor:
                cursor.execute(f"SELECT COUNT(*) {sql}", params)
                self._count = cursor.fetchone()[0]
        return self._count

    def __len__(self) -> int:
        return self.count()

    def _ids_query(self, *, offset: int = 0, limit: int | None = None, with_total: bool = False) -> list[tuple]:
        sql, params = self._from_where()
        total = ", COUNT(*) OVER ()" if with_total else ""
        sql = f"SELECT a.id{total} {sql} ORDER BY {_ORDER_BY.get(self.filters.sort, _ORDER_BY['name'])}"
        if limit is not None:
            sql += " LIMIT %s OFFSET %s"
            params = [*params, limit, offset]
        with connection.cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchall()

    def ids(self, *, offset: int = 0, limit: int | None = None) -> list[int]:
        if self._page is not None and self._page[:2] == (offset, limit):
            return self._page[2]
        return [row[0] for row in self._ids_query(offset=offset, limit=limit)]

    def accounts(self, ids: list[int]) -> list[Account]:
        """Those accounts with their figures (``mrr``, ``arr``, ``seats``, ``next_renewal``), in order."""
        by_id = {a.pk: a for a in accounts_with_figures(organization=self.organization, today=self.today).filter(pk__in=ids)}
        return [by_id[pk] for pk in ids if pk in by_id]

    def __getitem__(self, item):
        if isinstance(item, slice):
            start, stop = item.start or 0, item.stop
            return self.accounts(self.ids(offset=start, limit=None if stop is None else stop - start))
        return self[item : item + 1][0]


def portfolio_accounts(*, organization: Organization, filters: PortfolioFilters, user_id: int, today: dt.date) -> PortfolioAccounts:
    """The accounts of a portfolio view (see ``PortfolioAccounts``)."""
    return PortfolioAccounts(organization=organization, filters=filters, user_id=user_id, today=today)


# ---------------------------------------------------------------------------------------------
# The rows of one page (a fixed number of queries for any number of rows)


@dataclass
class PortfolioRow:
    account: Account
    score: AccountScore | None = None
    override: BandOverride | None = None
    zone: str = ""  # attention zone key; "" when every zone with evidence holds
    zones_known: bool = False
    open_risks: int = 0
    save_plan: SavePlan | None = None
    sparkline: list[tuple[dt.date, float]] = field(default_factory=list)

    @property
    def band(self) -> str:
        """The band shown: the override in force, else the newest computed band ('' if never scored)."""
        if self.override is not None:
            return self.override.band
        return self.score.band if self.score else ""

    @property
    def band_label(self) -> str:
        return Band(self.band).label if self.band else "Not scored"

    @property
    def trend(self) -> str:
        """``up``, ``down``, ``flat`` or ``""`` (no score 7 days before)."""
        change = self.score.change_7d if self.score else None
        if change is None:
            return ""
        if change > TREND_FLAT_WITHIN:
            return "up"
        if change < -TREND_FLAT_WITHIN:
            return "down"
        return "flat"

    @property
    def zone_label(self) -> str:
        return LABELS.get(self.zone, "")

    @property
    def sparkline_points(self) -> str:
        return sparkline_points([score for _, score in self.sparkline])


def sparkline_points(values: list[float], *, width: int = 100, height: int = 24, pad: float = 2.0) -> str:
    """SVG polyline points for ``values`` on a fixed 0–100 scale (so lines compare across rows)."""
    if len(values) < 2:
        return ""
    step = (width - 2 * pad) / (len(values) - 1)
    usable = height - 2 * pad
    points = []
    for index, value in enumerate(values):
        y = pad + usable * (1 - max(0.0, min(100.0, value)) / 100)
        points.append(f"{pad + index * step:.1f},{y:.1f}")
    return " ".join(points)


def _newest_ids(model, *, organization: Organization, account_ids: list[int]) -> list[int]:
    """The ids of each account's newest row of ``model``: one backward index probe per account.

    Fetched as a list first (rather than nested in the caller's query) because row-level
    security hides the table's size from the planner, which then prefers hashing the whole
    score history over a few probes.
    """
    newest = model.objects.filter(organization=organization, account=OuterRef("pk")).order_by("-day").values("id")[:1]
    rows = Account.objects.filter(organization=organization, pk__in=account_ids).annotate(newest=Subquery(newest)).values_list("newest", flat=True)
    return [pk for pk in rows if pk is not None]


def latest_scores_for(*, organization: Organization, account_ids: list[int]) -> dict[int, AccountScore]:
    """The newest score of each account in ``account_ids`` (one query)."""
    qs = AccountScore.objects.filter(organization=organization, pk__in=_newest_ids(AccountScore, organization=organization, account_ids=account_ids))
    return {score.account_id: score for score in qs.defer("measures")}


def _latest_zones_for(*, organization: Organization, account_ids: list[int]) -> dict[int, str]:
    qs = AccountZones.objects.filter(organization=organization, pk__in=_newest_ids(AccountZones, organization=organization, account_ids=account_ids))
    return dict(qs.values_list("account_id", "attention_zone"))


def portfolio_rows(*, organization: Organization, accounts: list[Account], today: dt.date, with_sparklines: bool = True) -> list[PortfolioRow]:
    """Complete ``accounts`` (one page) with their health facts: at most 6 queries, any size."""
    ids = [account.pk for account in accounts]
    if not ids:
        return []
    scores = latest_scores_for(organization=organization, account_ids=ids)
    zones = _latest_zones_for(organization=organization, account_ids=ids)
    risks = dict(
        RiskIndicator.objects.filter(organization=organization, account_id__in=ids, closed_on__isnull=True)
        .values("account_id")
        .annotate(n=Count("id"))
        .values_list("account_id", "n")
    )
    plans: dict[int, SavePlan] = {}
    for plan in SavePlan.objects.filter(organization=organization, account_id__in=ids).order_by("account_id", "opened_on", "id"):
        plans[plan.account_id] = plan  # the newest one wins
    overrides: dict[int, BandOverride] = {}
    in_force = BandOverride.objects.filter(organization=organization, account_id__in=ids, revoked_at__isnull=True, expires_on__gte=today)
    for override in in_force.order_by("account_id", "created_at", "id"):
        overrides[override.account_id] = override
    lines: dict[int, list[tuple[dt.date, float]]] = defaultdict(list)
    if with_sparklines:
        since = today - dt.timedelta(days=SPARKLINE_DAYS - 1)
        history = AccountScore.objects.filter(organization=organization, account_id__in=ids, day__gte=since, score__isnull=False)
        for account_id, day, score in history.order_by("account_id", "day").values_list("account_id", "day", "score"):
            lines[account_id].append((day, score))
    return [
        PortfolioRow(
            account=account,
            score=scores.get(account.pk),
            override=overrides.get(account.pk),
            zone=zones.get(account.pk, ""),
            zones_known=account.pk in zones,
            open_risks=risks.get(account.pk, 0),
            save_plan=plans.get(account.pk),
            sparkline=lines.get(account.pk, []),
        )
        for account in accounts
    ]


# ---------------------------------------------------------------------------------------------
# CSV export

CSV_HEADER = [
    "Account",
    "External id",
    "Segment",
    "Owner",
    "Band",
    "Band overridden",
    "Health score",
    "Score change 7 days",
    "Scored on",
    "Needs attention first",
    "Open risk indicators",
    "Save plan",
    "ARR (USD)",
    "Next renewal",
]


def portfolio_csv_rows(*, organization: Organization, accounts: PortfolioAccounts, today: dt.date, chunk: int = 500):
    """Yield the CSV header then one list per account of the view (in its order), completing
    the accounts in chunks so memory and query count grow with ``len / chunk`` only."""
    yield CSV_HEADER
    ids = accounts.ids()
    for start in range(0, len(ids), chunk):
        page = accounts.accounts(ids[start : start + chunk])
        for row in portfolio_rows(organization=organization, accounts=page, today=today, with_sparklines=False):
            a, s = row.account, row.score
            yield [
                a.name,
                a.external_id,
                a.get_segment_display(),
                a.owner.display_name if a.owner else "",
                row.band_label,
                "yes" if row.override else "",
                f"{s.score:.1f}" if s and s.score is not None else "",
                f"{s.change_7d:+.1f}" if s and s.change_7d is not None else "",
                s.day.isoformat() if s else "",
                row.zone_label if row.zones_known else "",
                row.open_risks,
                row.save_plan.get_status_display() if row.save_plan else "",
                f"{a.arr:.2f}",
                a.next_renewal.isoformat() if a.next_renewal else "",
            ]


# ---------------------------------------------------------------------------------------------
# Filters' choices and saved views


def owner_choices(*, organization: Organization) -> list[tuple[int, str]]:
    memberships = Membership.objects.filter(organization=organization).select_related("user").order_by("user__full_name", "user__email")
    return [(m.user_id, m.user.display_name) for m in memberships]


def zone_choices() -> list[tuple[str, str]]:
    return [(key, LABELS[key]) for key in CHAIN] + [("holding", "None: every zone holds")]


def band_choices() -> list[tuple[str, str]]:
    return [(b.value, b.label) for b in (Band.RED, Band.YELLOW, Band.GREEN, Band.UNKNOWN)] + [("none", "Not scored")]


def segment_choices() -> list[tuple[str, str]]:
    return list(Segment.choices)


def clean_view_query(params) -> str:
    """The portfolio parameters of ``params`` (a QueryDict or dict) as a query string."""
    pairs = [(key, params.get(key)) for key in VIEW_PARAMS if params.get(key)]
    return urlencode(pairs)


def saved_views_for(*, organization: Organization, user) -> list[SavedView]:
    return list(SavedView.objects.filter(organization=organization, user=user))


def saved_view_save(*, organization: Organization, user, name: str, query: str) -> SavedView:
    """Create a saved view, or replace the query of the user's view with the same name."""
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the view a name."})
    if len(name) > 80:
        raise ValidationError({"name": "Keep the name under 80 characters."})
    try:
        with transaction.atomic():
            view, _ = SavedView.objects.update_or_create(organization=organization, user=user, name=name, defaults={"query": query[:500]})
    except IntegrityError as exc:  # a concurrent save of the same name
        raise ValidationError({"name": "A view with this name was just saved; try again."}) from exc
    return view


def saved_view_delete(*, organization: Organization, user, saved_view_id: int) -> bool:
    deleted, _ = SavedView.objects.filter(organization=organization, user=user, pk=saved_view_id).delete()
    return bool(deleted)
