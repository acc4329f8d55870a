"""The account page: header figures, stakeholder map and its gaps, contracts and MRR history,
activity sections, query counts, and tenancy."""

import datetime as dt
import json
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts import mrr
from accounts.models import TouchpointAttendee
from accounts.selectors import stakeholder_map
from accounts.tests.factories import (
    AccountFactory,
    ContactFactory,
    ContractLineFactory,
    NoteFactory,
    SupportTicketFactory,
    SurveyAnswerFactory,
    TouchpointFactory,
)

pytestmark = pytest.mark.django_db

TODAY = timezone.localdate()
NOW = timezone.now()


def _url(account) -> str:
    return f"/o/{account.organization.slug}/accounts/{account.pk}/"


def _days_ago(days: int):
    return NOW - dt.timedelta(days=days)


# --- Header ----------------------------------------------------------------------------------


def test_the_header_shows_arr_seats_owner_and_next_renewal_with_days_to_go(acme, bob, alice_client):
    account = AccountFactory(organization=acme, name="Initech", owner=bob, segment="enterprise", lifecycle_stage="adopting", touch_model="human")
    ContractLineFactory(account=account, mrr=Decimal("2000"), seats_licensed=40, renewal_date=TODAY + dt.timedelta(days=45))
    ContractLineFactory(account=account, mrr=Decimal("500"), seats_licensed=10, renewal_date=TODAY + dt.timedelta(days=300))

    body = alice_client.get(_url(account)).content.decode()

    assert "<h1>Initech</h1>" in body
    assert "$30,000" in body  # ARR = 12 × 2,500
    assert ">50<" in body  # seats on active lines
    assert "in 45 days" in body and (TODAY + dt.timedelta(days=45)).strftime("%b %-d, %Y") in body
    assert "Bob Csm" in body and "Enterprise" in body and "Adopting" in body and "Human-touch" in body


# --- Stakeholder map -------------------------------------------------------------------------


def test_the_stakeholder_map_calls_out_a_missing_sponsor_and_champion(acme, alice_client):
    account = AccountFactory(organization=acme)
    ContactFactory(account=account, name="Uma User", stakeholder_role="user", last_engaged_at=_days_ago(3))

    body = alice_client.get(_url(account)).content.decode()

    assert "No executive sponsor identified." in body
    assert "No champion identified." in body
    assert "Single-threaded: 1 engaged stakeholder role." in body
    assert "Multithreading: 1 engaged role" in body


def test_the_stakeholder_map_flags_a_departed_champion_and_counts_engaged_roles(acme, alice_client):
    # Given a sponsor engaged last week, a champion who left, a cold budget holder and a power user
    account = AccountFactory(organization=acme)
    ContactFactory(account=account, name="Sam Sponsor", stakeholder_role="executive_sponsor", last_engaged_at=_days_ago(7))
    ContactFactory(account=account, name="Chloe Champion", stakeholder_role="champion", last_engaged_at=_days_ago(20), left_on=TODAY - dt.timedelta(days=2))
    ContactFactory(account=account, name="Bill Budget", stakeholder_role="budget_holder", last_engaged_at=_days_ago(200))
    ContactFactory(account=account, name="Pat Power", stakeholder_role="power_user", last_engaged_at=_days_ago(60))

    body = alice_client.get(_url(account)).content.decode()

    # Then the departure is called out, and only current contacts engaged within 90 days count
    assert "Champion left: Chloe Champion" in body and "no replacement on file" in body
    assert "No executive sponsor" not in body
    assert "Multithreading: 2 engaged roles" in body  # sponsor + power user
    assert "Cold: last engaged 200 days ago" in body
    assert "Engaged 7 days ago" in body


def test_a_replaced_champion_is_still_reported_with_the_replacement_noted():
    today = dt.date(2026, 6, 30)
    engaged = timezone.make_aware(dt.datetime(2026, 6, 20, 12))
    account = AccountFactory.build(pk=1)
    contacts = [
        ContactFactory.build(account=account, name="Old", stakeholder_role="champion", left_on=dt.date(2026, 5, 1), last_engaged_at=engaged),
        ContactFactory.build(account=account, name="New", stakeholder_role="champion", last_engaged_at=engaged),
        ContactFactory.build(account=account, name="Exec", stakeholder_role="executive_sponsor", last_engaged_at=engaged),
        ContactFactory.build(account=account, name="Inf", stakeholder_role="influencer", last_engaged_at=engaged),
    ]

    sm = stakeholder_map(contacts=contacts, today=today)

    assert sm.gaps == ["Champion left: Old (on May 1, 2026) — a replacement is on file."]
    assert sm.multithreading == 3 and sm.engaged_roles == ["Executive sponsor", "Champion", "Influencer"]
    champion = next(g for g in sm.groups if g.role == "champion")
    assert [c.contact.name for c in champion.contacts] == ["New", "Old"]  # current first, departed last


def test_an_account_without_contacts_says_so(acme, alice_client):
    account = AccountFactory(organization=acme)
    body = alice_client.get(_url(account)).content.decode()
    assert "No contacts on file." in body and "Multithreading: 0 engaged roles" in body


# --- Contracts and MRR history ---------------------------------------------------------------


def test_the_mrr_history_shows_month_end_mrr_and_the_movements(acme, alice_client):
    # Given a plan started three months ago (1,000) and an add-on from last month (+500)
    this_month = mrr.month_start(TODAY)
    three_ago, last = mrr.add_months(this_month, -3), mrr.add_months(this_month, -1)
    account = AccountFactory(organization=acme)
    ContractLineFactory(account=account, product="Growth plan", mrr=Decimal("1000"), start_date=three_ago, renewal_date=TODAY + dt.timedelta(days=90))
    ContractLineFactory(account=account, product="Analytics add-on", is_addon=True, mrr=Decimal("500"), start_date=last)

    response = alice_client.get(_url(account))
    body = response.content.decode()

    # Then the chart's data are the four month-end MRRs
    spec = json.loads(re.search(r'data-plotly-figure-for="mrr-history">(.*?)</script>', body, re.S).group(1))
    assert spec["figure"]["data"][0]["y"] == [1000.0, 1000.0, 1500.0, 1500.0]
    assert spec["figure"]["layout"]["yaxis"]["title"]["text"] == "MRR (USD)"
    # And the movements table lists the expansion (newest first) and the new business
    rows = re.findall(r"<tr>\s*<td>(\w{3} \d{4})</td>(.*?)</tr>", body, re.S)
    assert [month for month, _ in rows] == [last.strftime("%b %Y"), three_ago.strftime("%b %Y")]
    assert "+$500" in rows[0][1] and "$1,500" in rows[0][1]
    assert "$1,000" in rows[1][1]
    # And the contracts table lists both lines
    assert "Growth plan" in body and "Analytics add-on" in body and "add-on</span>" in body
    assert "/static/js/plotly.min.js" in body and "cdn" not in body.lower()


def test_an_account_without_contract_lines_explains_the_empty_history(acme, alice_client):
    account = AccountFactory(organization=acme)
    body = alice_client.get(_url(account)).content.decode()
    assert "No contract lines on file" in body
    assert "No contract lines yet: add one to see MRR by month." in body
    assert 'data-plotly-figure-for="mrr-history"' not in body


# --- Activity --------------------------------------------------------------------------------


def test_it_shows_tickets_survey_answers_touchpoints_and_notes(acme, bob, alice_client):
    account = AccountFactory(organization=acme)
    champion = ContactFactory(account=account, name="Chloe Champion", stakeholder_role="champion")
    SupportTicketFactory(account=account, subject="Exports time out", priority="urgent", escalated=True)
    SupportTicketFactory(account=account, subject="Old question", status="closed")
    SurveyAnswerFactory(account=account, kind="nps", score=10, contact=champion, comment="Love the reports")
    SurveyAnswerFactory(account=account, kind="nps", score=3)
    SurveyAnswerFactory(account=account, kind="csat", score=4)
    touchpoint = TouchpointFactory(account=account, kind="qbr", summary="Reviewed Q3 outcomes")
    TouchpointAttendee.objects.create(organization=acme, touchpoint=touchpoint, contact=champion)
    NoteFactory(account=account, author=bob, body="Champion is worried about budget.", sentiment="negative")

    body = alice_client.get(_url(account)).content.decode()

    assert "Exports time out" in body and "escalated" in body and "1 open" in body
    assert "NPS 10" in body and "Love the reports" in body
    assert re.search(r'title="Net Promoter Score[^"]*">NPS</span><span class="value">0</span>', body)  # 1 promoter, 1 detractor
    assert "4.0 / 5" in body
    assert "Reviewed Q3 outcomes" in body and "Chloe Champion" in body
    assert "Champion is worried about budget." in body and "Negative" in body


def test_the_sections_are_empty_states_when_nothing_is_recorded(acme, alice_client):
    body = alice_client.get(_url(AccountFactory(organization=acme))).content.decode()
    assert "No support tickets on file" in body
    assert "No NPS or CSAT answers in the last 12 months." in body
    assert "No meetings recorded yet" in body
    assert "No notes yet." in body


# --- Queries and tenancy ---------------------------------------------------------------------


def _fill(account, n: int) -> None:
    contacts = [ContactFactory(account=account, stakeholder_role=role, last_engaged_at=_days_ago(5)) for role in ["champion", "user"] * n]
    for _ in range(n):
        ContractLineFactory(account=account)
        SupportTicketFactory(account=account)
        SurveyAnswerFactory(account=account, contact=contacts[0])
        NoteFactory(account=account, author=None)
        touchpoint = TouchpointFactory(account=account)
        for contact in contacts[:3]:
            TouchpointAttendee.objects.create(organization=account.organization, touchpoint=touchpoint, contact=contact)


def test_the_detail_query_count_does_not_grow_with_contacts_and_activity(acme, alice_client, django_assert_max_num_queries):
    small, large = AccountFactory(organization=acme), AccountFactory(organization=acme)
    _fill(small, 1)
    _fill(large, 8)

    with CaptureQueriesContext(connection) as few:
        assert alice_client.get(_url(small)).status_code == 200
    with django_assert_max_num_queries(18):
        assert alice_client.get(_url(large)).status_code == 200
    with CaptureQueriesContext(connection) as many:
        alice_client.get(_url(large))

    assert len(many.captured_queries) == len(few.captured_queries)


def test_another_organizations_account_is_404_under_either_slug(acme, globex, alice_client, charlie_client):
    account = AccountFactory(organization=acme, name="Secret customer")
    foreign = AccountFactory(organization=globex, name="Globex customer")

    assert charlie_client.get(_url(account)).status_code == 404
    assert charlie_client.get(f"/o/globex/accounts/{account.pk}/").status_code == 404
    assert alice_client.get(f"/o/acme/accounts/{foreign.pk}/").status_code == 404
    assert alice_client.get("/o/acme/accounts/999999/").status_code == 404


def test_a_sponsor_not_engaged_for_90_days_is_a_gap_and_never_engaged_contacts_do_not_count():
    today = dt.date(2026, 6, 30)
    account = AccountFactory.build(pk=1)
    contacts = [
        ContactFactory.build(
            account=account, name="Exec", stakeholder_role="executive_sponsor", last_engaged_at=timezone.make_aware(dt.datetime(2026, 3, 1, 9))
        ),
        ContactFactory.build(account=account, name="Champ", stakeholder_role="champion", last_engaged_at=timezone.make_aware(dt.datetime(2026, 6, 29, 9))),
        ContactFactory.build(account=account, name="Quiet", stakeholder_role="influencer", last_engaged_at=None),
    ]

    sm = stakeholder_map(contacts=contacts, today=today)

    assert sm.gaps == ["Executive sponsor not engaged in the last 90 days.", "Single-threaded: 1 engaged stakeholder role."]
    assert sm.multithreading == 1
    labels = {c.contact.name: (c.status, c.label) for g in sm.groups for c in g.contacts}
    assert labels == {"Exec": ("cold", "Cold: last engaged 121 days ago"), "Champ": ("recent", "Engaged 1 day ago"), "Quiet": ("never", "Never engaged")}
