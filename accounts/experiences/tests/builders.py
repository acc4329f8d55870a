"""Hand-built accounts for the experience tests: in memory (``inputs``) for the pure rules, and
in the database (``seed_*``) for pages, links and the API."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from accounts.experiences.inputs import AccountInputs
from accounts.ingest import last_active_rebuild
from accounts.models import Account, DailyActiveUser, DailyEventCount
from accounts.plans.value import DriverTotal, ValueTotals
from accounts.tests.factories import AccountFactory, ContractLineFactory

TODAY = dt.date(2026, 11, 23)


def zones(**statuses) -> dict:
    """{"realization": "broken", ...} → the zones JSON with scores matching the statuses."""
    score = {"holding": 80.0, "at_risk": 55.0, "broken": 20.0}
    out = {}
    for key in ["belief", "commitment", "activation", "realization", "expansion", "recognition", "trust", "intelligence"]:
        status = statuses.get(key, "holding")
        out[key] = {"label": key.title(), "score": score.get(status), "status": status, "evidence": [{"text": f"{key} evidence", "value": score.get(status)}]}
    return out


def value(*, money: float, spend: float) -> ValueTotals:
    return ValueTotals(
        account_id=1, start=None, end=TODAY, drivers=[DriverTotal(driver_id=1, name="Reports", kind="money_saved", units=1, money=money)], spend=spend
    )


def inputs(**overrides) -> AccountInputs:
    """A healthy, unremarkable account on which no rule fires; override what a test needs."""
    account = Account(
        pk=overrides.pop("pk", 1),
        name="Initech",
        lifecycle_stage=overrides.pop("stage", "mature"),
        start_date=TODAY - dt.timedelta(days=overrides.pop("tenure", 200)),
    )
    base = {
        "account": account,
        "as_of": TODAY,
        "zones": zones(),
        "attention_zone": "",
        "outcome": 1.0,
        "has_plan": True,
        "seats": 20,
        "mrr": 1000.0,
        "base_mrr": 1000.0,
        "active_users_recent": 12,
    }
    base.update(overrides)
    return AccountInputs(**base)


def seed_account(organization, *, name="Initech", seats=20, mrr="1000.00", stage="adopting", **kwargs) -> Account:
    account = AccountFactory(organization=organization, name=name, lifecycle_stage=stage, **kwargs)
    ContractLineFactory(organization=organization, account=account, seats_licensed=seats, mrr=Decimal(mrr))
    return account


def seed_zones(organization, account, *, day=None, attention="", **statuses):
    from dashboards.models import AccountZones

    return AccountZones.objects.create(
        organization=organization, account=account, day=day or dt.date.today(), zones=zones(**statuses), attention_zone=attention
    )


def seed_active_users(organization, account, n: int, *, day=None, prefix="u"):
    day = day or dt.date.today()
    DailyActiveUser.objects.bulk_create(
        [DailyActiveUser(organization=organization, account=account, day=day, user_external_id=f"{prefix}{i}") for i in range(n)]
    )
    last_active_rebuild(organization=organization)


def seed_events(organization, account, event: str, count: int, *, day=None):
    DailyEventCount.objects.create(organization=organization, account=account, day=day or dt.date.today(), event=event, count=count)
