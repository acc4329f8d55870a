"""Fixtures of the dashboards tests: a small book of accounts built for hand-computed cases."""

from __future__ import annotations

from decimal import Decimal

import pytest

from accounts.models import TouchpointAttendee
from accounts.tests.factories import AccountFactory, ContactFactory, ContractLineFactory, SupportTicketFactory, SurveyAnswerFactory, TouchpointFactory

from .helpers import active_users, at, days_before, events


@pytest.fixture
def book(acme):
    """Three accounts of Acme on day D, built so each measure can be computed by hand."""
    a = AccountFactory(organization=acme, name="Alpha", start_date=days_before(300))
    b = AccountFactory(organization=acme, name="Beta", start_date=days_before(300))
    c = AccountFactory(organization=acme, name="Gamma", start_date=days_before(300))
    for account, seats in ((a, 10), (b, 20), (c, 5)):
        ContractLineFactory(account=account, seats_licensed=seats, mrr=Decimal("500"), start_date=days_before(300), renewal_date=days_before(-200))
    # Alpha: 30 report_generated + 10 automation_run in the last 28 days, 20 in the 28 before; 4 users.
    events(a, days_before(1), "report_generated", 30)
    events(a, days_before(2), "automation_run", 10)
    events(a, days_before(1), "login", 50)  # not a value event: never counts
    events(a, days_before(40), "report_generated", 20)
    active_users(a, days_before(1), ["u1", "u2", "u3"])
    active_users(a, days_before(5), ["u1", "u4"])
    # Beta: 10 in the last 28 days, 20 in the 28 before; 2 users; last event 10 days ago.
    events(b, days_before(10), "report_generated", 10)
    events(b, days_before(30), "report_generated", 20)
    active_users(b, days_before(10), ["x", "y"])
    # Gamma: no usage in the last 120 days.
    events(c, days_before(200), "report_generated", 5)
    # Sentiment: Alpha NPS 9 and 7 and CSAT 5 within 180 days; Beta only an old NPS.
    SurveyAnswerFactory(account=a, kind="nps", score=9, answered_at=at(days_before(10)))
    SurveyAnswerFactory(account=a, kind="nps", score=7, answered_at=at(days_before(100)))
    SurveyAnswerFactory(account=a, kind="csat", score=5, answered_at=at(days_before(20)))
    SurveyAnswerFactory(account=b, kind="nps", score=3, answered_at=at(days_before(200)))
    # Support: one normal ticket for Alpha in the last 28 days, none before.
    SupportTicketFactory(account=a, opened_at=at(days_before(3)))
    # Relationship: Alpha had an EBR 30 days ago attended by the sponsor; the champion engaged 5 days ago.
    sponsor = ContactFactory(account=a, stakeholder_role="executive_sponsor", last_engaged_at=at(days_before(100)))
    ContactFactory(account=a, stakeholder_role="champion", last_engaged_at=at(days_before(5)))
    ContactFactory(account=a, stakeholder_role="user")
    ebr = TouchpointFactory(account=a, kind="ebr", occurred_at=at(days_before(30)))
    TouchpointAttendee.objects.create(organization=acme, touchpoint=ebr, contact=sponsor)
    ContactFactory(account=b, stakeholder_role="user")
    return {"a": a.id, "b": b.id, "c": c.id}
