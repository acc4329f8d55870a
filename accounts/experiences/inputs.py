"""What every experience reads about an account, loaded for many accounts at once.

``inputs_for_accounts`` gathers zones, outcome progress, the latest health check, contract lines,
usage rollups, contacts, value totals and advocacy signals in a fixed number of queries whatever
the number of accounts, so the portfolio view and the API stay flat. The rules
(``recommend``, ``expansion``, ``next_steps``) are pure functions over ``AccountInputs``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from django.db.models import Max, OuterRef, Subquery, Sum
from django.utils import timezone

from accounts.models import Account, Contact, ContractLine, DailyActiveUser, DailyEventCount, SurveyAnswer
from accounts.plans.models import SuccessPlan
from accounts.plans.selectors import outcome_progress_for_accounts, value_totals_for_accounts
from accounts.plans.value import ValueTotals
from accounts.selectors import active_lines_q

from .models import AdvocacyStatus, CapabilityMapping

RECENT_DAYS = 28  # "recent" usage: the trailing window the scorecard also uses
SEEN_DAYS = 90  # a capability or a user not seen in this window counts as unused / inactive


@dataclass
class AccountInputs:
    account: Account
    as_of: dt.date
    zones: dict | None = None  # zone -> {"score", "status", "evidence"} (latest nightly run)
    attention_zone: str = ""
    outcome: float | None = None  # KPI progress relative to time elapsed, 0..1 (None: not measured)
    has_plan: bool = False
    healthcheck: dict | None = None  # {"overall", "dimensions", "taken_at"}
    seats: int = 0  # seats licensed on active lines
    mrr: float = 0.0  # MRR of active lines
    base_mrr: float = 0.0  # MRR of active non-add-on lines (the seat price basis)
    products: set[str] = field(default_factory=set)  # active line products, lower case
    next_renewal: dt.date | None = None
    active_users_recent: int = 0  # distinct users active in the last RECENT_DAYS
    active_users_seen: set[str] = field(default_factory=set)  # user ids active in the last SEEN_DAYS
    event_counts_recent: dict[str, int] = field(default_factory=dict)
    events_seen: set[str] = field(default_factory=set)
    contacts: list[Contact] = field(default_factory=list)
    value: ValueTotals | None = None
    latest_nps: int | None = None
    advocacy: set[str] = field(default_factory=set)
    mappings: list[CapabilityMapping] = field(default_factory=list)

    @property
    def zone_status(self) -> dict[str, str]:
        return {key: z.get("status", "unknown") for key, z in (self.zones or {}).items()}

    @property
    def seat_utilization(self) -> float | None:
        """Distinct users active in the last 28 days ÷ seats licensed."""
        return self.active_users_recent / self.seats if self.seats else None

    @property
    def seat_price(self) -> float:
        """Monthly price of one seat: MRR of the active non-add-on lines ÷ seats licensed."""
        return self.base_mrr / self.seats if self.seats else 0.0

    @property
    def tenure_days(self) -> int | None:
        return (self.as_of - self.account.start_date).days if self.account.start_date else None

    @property
    def weak_dimensions(self) -> list[tuple[str, float]]:
        """Health-check dimensions below 60, weakest first."""
        dims = (self.healthcheck or {}).get("dimensions") or {}
        return sorted(((k, float(v)) for k, v in dims.items() if v is not None and float(v) < WEAK_DIMENSION_BELOW), key=lambda kv: kv[1])

    @property
    def weak_dimension_rows(self) -> list[tuple[str, float]]:
        """(readable name, score) of the weak dimensions, for pages."""
        return [(key.replace("_", " ").capitalize(), score) for key, score in self.weak_dimensions]


WEAK_DIMENSION_BELOW = 60.0


def _latest_zones(*, organization, account_ids: list[int]) -> dict[int, tuple[dict, str]]:
    from dashboards.models import AccountZones

    newest = AccountZones.objects.filter(organization=organization, account=OuterRef("account")).order_by("-day").values("day")[:1]
    rows = AccountZones.objects.filter(organization=organization, account_id__in=account_ids, day=Subquery(newest))
    return {r.account_id: (r.zones or {}, r.attention_zone) for r in rows}


def _healthchecks(*, organization, account_ids: list[int], as_of: dt.date) -> dict[int, dict]:
    try:
        from healthchecks.selectors import latest_results_for_accounts
    except ImportError:  # the healthchecks app is optional for these experiences
        return {}
    end = timezone.make_aware(dt.datetime.combine(as_of, dt.time.max))
    return latest_results_for_accounts(organization=organization, account_ids=account_ids, as_of=end)


def inputs_for_accounts(*, organization, accounts: list[Account], as_of: dt.date, with_value: bool = True) -> dict[int, AccountInputs]:
    """``AccountInputs`` per account of ``organization`` (see the module docstring)."""
    ids = [a.pk for a in accounts]
    result = {a.pk: AccountInputs(account=a, as_of=as_of) for a in accounts}
    if not ids:
        return result
    for account_id, (zones, attention) in _latest_zones(organization=organization, account_ids=ids).items():
        result[account_id].zones, result[account_id].attention_zone = zones, attention
    for account_id, outcome in outcome_progress_for_accounts(organization=organization, account_ids=ids, as_of=as_of).items():
        result[account_id].outcome = outcome
    for account_id in SuccessPlan.objects.filter(organization=organization, account_id__in=ids).values_list("account_id", flat=True):
        result[account_id].has_plan = True
    for account_id, hc in _healthchecks(organization=organization, account_ids=ids, as_of=as_of).items():
        result[account_id].healthcheck = hc

    lines = ContractLine.objects.filter(active_lines_q(today=as_of), organization=organization, account_id__in=ids)
    for account_id, product, is_addon, mrr, seats, renewal in lines.values_list("account_id", "product", "is_addon", "mrr", "seats_licensed", "renewal_date"):
        inputs = result[account_id]
        if renewal and renewal >= as_of and (inputs.next_renewal is None or renewal < inputs.next_renewal):
            inputs.next_renewal = renewal
        inputs.mrr += float(mrr)
        inputs.products.add(product.strip().lower())
        if not is_addon:
            inputs.base_mrr += float(mrr)
            inputs.seats += seats

    recent_from, seen_from = as_of - dt.timedelta(days=RECENT_DAYS - 1), as_of - dt.timedelta(days=SEEN_DAYS - 1)
    events = DailyEventCount.objects.filter(organization=organization, account_id__in=ids, day__gte=seen_from, day__lte=as_of)
    for account_id, event in events.order_by().values_list("account_id", "event").distinct():
        result[account_id].events_seen.add(event)
    for row in events.filter(day__gte=recent_from).order_by().values("account_id", "event").annotate(n=Sum("count")):
        result[row["account_id"]].event_counts_recent[row["event"]] = row["n"] or 0

    users = DailyActiveUser.objects.filter(organization=organization, account_id__in=ids, day__gte=seen_from, day__lte=as_of)
    for row in users.order_by().values("account_id", "user_external_id").annotate(last=Max("day")):
        result[row["account_id"]].active_users_seen.add(row["user_external_id"])
        if row["last"] >= recent_from:
            result[row["account_id"]].active_users_recent += 1

    for contact in Contact.objects.filter(organization=organization, account_id__in=ids, left_on__isnull=True).order_by("name", "id"):
        result[contact.account_id].contacts.append(contact)

    nps = SurveyAnswer.objects.filter(organization=organization, account_id__in=ids, kind=SurveyAnswer.Kind.NPS, answered_at__date__lte=as_of)
    for account_id, score in nps.order_by("account_id", "answered_at", "id").values_list("account_id", "score"):
        result[account_id].latest_nps = score  # ordered ascending: the last one wins
    for account_id, kind in AdvocacyStatus.objects.filter(organization=organization, account_id__in=ids).values_list("account_id", "kind"):
        result[account_id].advocacy.add(kind)

    mappings = list(CapabilityMapping.objects.filter(organization=organization))
    for inputs in result.values():
        inputs.mappings = mappings
    if with_value:
        for account_id, totals in value_totals_for_accounts(organization=organization, account_ids=ids, end=as_of).items():
            result[account_id].value = totals
    return result


def inputs_for_account(*, organization, account: Account, as_of: dt.date) -> AccountInputs:
    return inputs_for_accounts(organization=organization, accounts=[account], as_of=as_of)[account.pk]
