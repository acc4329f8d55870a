"""Builders of the portfolio tests: daily scores, zones, risks and save plans written directly."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from django.utils import timezone

from accounts.tests.factories import AccountFactory, ContractLineFactory
from dashboards.models import AccountScore, AccountZones, RiskIndicator, SavePlan, SavePlanAction
from dashboards.scorecards import scorecard_get_active
from dashboards.zones import CHAIN

BAND_OF = lambda score: "green" if score >= 70 else "yellow" if score >= 40 else "red"  # noqa: E731


def today() -> dt.date:
    return timezone.localdate()


def measures(*, depth: float = 80, recency_status: str = "ok") -> dict:
    return {
        "usage_depth": {"label": "Usage depth", "status": "ok", "raw": depth, "normalized": depth, "weight": 15, "contribution": depth * 15 / 25, "detail": {}},
        "recency": {
            "label": "Recency",
            "status": recency_status,
            "raw": 3 if recency_status == "ok" else None,
            "normalized": 90 if recency_status == "ok" else None,
            "weight": 10,
            "contribution": 36 if recency_status == "ok" else None,
            "detail": {} if recency_status == "ok" else {"reason": "The newest usage data is 40 days old."},
        },
        "sentiment": {
            "label": "Sentiment",
            "status": "missing",
            "raw": None,
            "normalized": None,
            "weight": 10,
            "contribution": None,
            "detail": {"reason": "No answer."},
        },
    }


def score(account, *, day: dt.date | None = None, value: float | None = 50.0, band: str | None = None, change_7d: float | None = None, **kw) -> AccountScore:
    day = day or today()
    scorecard = scorecard_get_active(organization=account.organization)
    return AccountScore.objects.create(
        organization=account.organization,
        account=account,
        day=day,
        scorecard=scorecard,
        scorecard_version=scorecard.version,
        score=value,
        band=band or (BAND_OF(value) if value is not None else "unknown"),
        coverage=0.8,
        measures=kw.pop("measures", None) or measures(depth=value or 0),
        change_7d=change_7d,
        **kw,
    )


def history(account, values: list[float]) -> None:
    """One score per day ending today, oldest first."""
    start = today() - dt.timedelta(days=len(values) - 1)
    for index, value in enumerate(values):
        score(account, day=start + dt.timedelta(days=index), value=value)


def zones(account, *, attention: str = "activation", day: dt.date | None = None) -> AccountZones:
    data = {}
    for key in CHAIN:
        if attention and CHAIN.index(key) == CHAIN.index(attention):
            data[key] = {"score": 20.0, "status": "broken", "evidence": [{"text": f"{key} evidence is weak", "value": 20.0}]}
        elif attention and CHAIN.index(key) > CHAIN.index(attention):
            data[key] = {"score": 55.0, "status": "at_risk", "evidence": [{"text": f"{key} evidence", "value": 55.0}]}
        else:
            data[key] = {"score": 85.0, "status": "holding", "evidence": [{"text": f"{key} holds", "value": 85.0}]}
    data["trust"] = {"score": 30.0, "status": "broken", "evidence": [{"text": "Detractor NPS", "value": 30.0}]}
    data["intelligence"] = {"score": 90.0, "status": "holding", "evidence": [{"text": "Usage data flowing", "value": 90.0}]}
    return AccountZones.objects.create(
        organization=account.organization, account=account, day=day or today(), zones=data, attention_zone=attention, broken_layers=["trust"]
    )


def risk(account, kind: str = "usage_drop", *, closed: bool = False) -> RiskIndicator:
    day = today() - dt.timedelta(days=5)
    return RiskIndicator.objects.create(
        organization=account.organization,
        account=account,
        kind=kind,
        opened_on=day,
        last_seen_on=day,
        closed_on=today() if closed else None,
        evidence={"last_28_days": 10, "previous_28_days": 40},
    )


def save_plan(account, *, owner=None, actions: int = 1, status: str = "open") -> SavePlan:
    plan = SavePlan.objects.create(
        organization=account.organization, account=account, owner=owner, status=status, opened_on=today(), due_on=today() + dt.timedelta(days=30)
    )
    for n in range(actions):
        SavePlanAction.objects.create(
            organization=account.organization, save_plan=plan, title=f"Executive call {n + 1}", owner=owner, due_on=today() + dt.timedelta(days=7)
        )
    return plan


def customer(organization, name: str, *, mrr: str = "1000", renewal_in: int | None = 200, segment: str = "mid_market", owner=None, **kw):
    account = AccountFactory(organization=organization, name=name, segment=segment, owner=owner, **kw)
    start = today() - dt.timedelta(days=400)
    ContractLineFactory(
        account=account, mrr=Decimal(mrr), start_date=start, renewal_date=today() + dt.timedelta(days=renewal_in) if renewal_in is not None else None
    )
    return account
