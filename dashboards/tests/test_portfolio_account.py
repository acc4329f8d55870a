"""The account page's health, plan and timeline sections (loaded by htmx into accounts:detail)."""

from __future__ import annotations

import datetime as dt

from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from accounts.ingest import last_active_rebuild
from accounts.models import DailyActiveUser, DailyEventCount, TouchpointAttendee
from accounts.tests.factories import ContactFactory, NoteFactory, SupportTicketFactory, SurveyAnswerFactory, TouchpointFactory
from dashboards.models import BandOverride

from .portfolio_builders import customer, history, measures, risk, save_plan, score, today, zones


def _url(account, section: str) -> str:
    return f"/o/acme/portfolio/accounts/{account.pk}/{section}/"


def _usage(account, days: int) -> None:
    for n in range(days):
        day = today() - dt.timedelta(days=n)
        DailyEventCount.objects.create(organization=account.organization, account=account, day=day, event="report_generated", count=3)
        DailyEventCount.objects.create(organization=account.organization, account=account, day=day, event=f"feature_{n % 9}", count=1)
        DailyActiveUser.objects.create(organization=account.organization, account=account, day=day, user_external_id=f"u{n % 4}")
    last_active_rebuild(organization=account.organization)


def test_the_account_page_loads_its_health_plan_and_timeline_sections(acme, alice_client):
    account = customer(acme, "Initech")

    html = alice_client.get(f"/o/acme/accounts/{account.pk}/").content.decode()

    assert f'hx-get="/o/acme/portfolio/accounts/{account.pk}/health/"' in html
    assert f'hx-get="/o/acme/portfolio/accounts/{account.pk}/plan/"' in html
    assert f'hx-get="/o/acme/portfolio/accounts/{account.pk}/timeline/"' in html
    assert "portfolio.css" in html and "window.print()" in html  # print styles and a Print button


def test_the_health_section_explains_the_score_and_shows_zones_risks_and_usage(acme, bob, alice_client):
    # Given a score today (usage depth 30, recency stale) and one 7 days before (usage depth 50)
    account = customer(acme, "Initech", owner=bob)
    score(account, value=30, change_7d=-20.0, change_30d=-25.0, measures=measures(depth=30, recency_status="stale"))
    score(account, value=50, day=today() - dt.timedelta(days=7), measures=measures(depth=50))
    zones(account, attention="realization")
    risk(account, "usage_drop")
    save_plan(account, owner=bob, actions=2)
    _usage(account, 20)

    response = alice_client.get(_url(account, "health"))

    assert response.status_code == 200
    health = response.context["health"]
    rows = {m.key: m for m in health.measures}
    assert rows["usage_depth"].change == -20  # 30 now vs 50 a week ago
    assert rows["recency"].status == "stale" and rows["recency"].change is None
    assert rows["sentiment"].status == "missing"
    html = response.content.decode()
    assert "does not count (stale)" in html and "does not count (missing)" in html
    assert "The newest usage data is 40 days old." in html
    assert 'class="link status-broken attention"' in html and "Needs attention first" in html
    assert html.count('class="link status-') == 8  # six zones and two layers
    assert "Trust layer broken" in html
    assert "Usage dropped more than 20% month over month" in html
    assert "Executive call 2" in html
    for chart_id in ("score-history", "zones-radar", "usage-events", "usage-active"):
        assert f'id="{chart_id}" data-plotly-chart' in html
    assert "Override band" in html  # alice is an owner
    events = dict(health.events_by_week)
    assert sum(events["report_generated"].values()) == 60
    assert max(health.active_by_week.values()) == 4


def test_a_band_override_in_force_is_shown_beside_the_computed_band(acme, alice, alice_client):
    account = customer(acme, "Overridden")
    score(account, value=20)
    BandOverride.objects.create(organization=acme, account=account, band="green", reason="Renewal signed", expires_on=today(), created_by=alice)

    html = alice_client.get(_url(account, "health")).content.decode()

    assert "Green (override)" in html and "computed: Red" in html and "Renewal signed" in html


def test_an_unscored_account_explains_each_empty_section(acme, alice_client):
    account = customer(acme, "New")

    html = alice_client.get(_url(account, "health")).content.decode()

    assert "No health score yet" in html
    assert "No zones yet" in html
    assert "No product events in the last 13 weeks" in html
    assert "No risk indicator has ever opened" in html


def test_a_viewer_of_another_csms_account_gets_no_override_control(acme, bob, bob_client):
    account = customer(acme, "Not Bob's")
    score(account, value=50)

    html = bob_client.get(_url(account, "health")).content.decode()

    assert "Override band" not in html


def _fill(account, n: int) -> None:
    history(account, [40 + (k % 30) for k in range(n * 10)])
    zones(account)
    for _ in range(n):
        risk(account, "usage_drop", closed=True)
        save_plan(account, actions=3, status="saved")
    _usage(account, n * 5)
    contact = ContactFactory(account=account, stakeholder_role="champion")
    for k in range(n):
        tp = TouchpointFactory(account=account, occurred_at=timezone.now() - dt.timedelta(days=k))
        TouchpointAttendee.objects.create(organization=account.organization, touchpoint=tp, contact=contact)
        NoteFactory(account=account, author=None)
        SupportTicketFactory(account=account)
        SurveyAnswerFactory(account=account, contact=contact)


def test_the_sections_query_counts_do_not_grow_with_history(acme, alice_client, django_assert_max_num_queries):
    small, large = customer(acme, "Small"), customer(acme, "Large")
    _fill(small, 1)
    _fill(large, 9)

    for section, most in (("health", 18), ("timeline", 14), ("plan", 14)):
        with CaptureQueriesContext(connection) as few:
            assert alice_client.get(_url(small, section)).status_code == 200
        with django_assert_max_num_queries(most):
            assert alice_client.get(_url(large, section)).status_code == 200
        with CaptureQueriesContext(connection) as many:
            alice_client.get(_url(large, section))
        assert len(many.captured_queries) == len(few.captured_queries), section


def test_the_timeline_merges_touchpoints_notes_tickets_surveys_and_band_changes_newest_first(acme, alice_client):
    account = customer(acme, "Timeline")
    now = timezone.now()
    champion = ContactFactory(account=account, name="Dana Champion", stakeholder_role="champion")
    qbr = TouchpointFactory(account=account, kind="qbr", occurred_at=now - dt.timedelta(days=1), summary="Reviewed outcomes")
    TouchpointAttendee.objects.create(organization=acme, touchpoint=qbr, contact=champion)
    NoteFactory(account=account, author=None, body="Budget freeze coming", sentiment="negative", created_at=now - dt.timedelta(days=2))
    SupportTicketFactory(account=account, subject="SSO broken", escalated=True, opened_at=now - dt.timedelta(days=3))
    SurveyAnswerFactory(account=account, contact=champion, kind="nps", score=4, answered_at=now - dt.timedelta(days=4))
    history(account, [80, 80, 30, 30, 30, 30, 30])  # green → red 4 days ago (the 3rd of 7 days)

    response = alice_client.get(_url(account, "timeline"))

    items = response.context["items"]
    assert [i.kind for i in items] == ["touchpoint", "note", "ticket", "survey", "band"]
    assert items[0].people == ["Dana Champion"]
    assert items[4].title == "Health band changed from green to red"
    html = response.content.decode()
    assert "Ticket opened: SSO broken — escalated" in html and "NPS 4 from Dana Champion" in html


def test_the_plan_section_embeds_the_success_plan_summary(acme, alice_client):
    account = customer(acme, "No plan yet")

    html = alice_client.get(_url(account, "plan")).content.decode()

    assert "Success plan" in html and "No success plan yet" in html


def test_another_organizations_account_is_404_in_every_section(acme, globex, alice_client, charlie_client):
    account = customer(acme, "Secret")
    foreign = customer(globex, "Globex customer")

    for section in ("health", "plan", "timeline"):
        assert charlie_client.get(_url(account, section)).status_code == 404
        assert charlie_client.get(f"/o/globex/portfolio/accounts/{account.pk}/{section}/").status_code == 404
        assert alice_client.get(f"/o/acme/portfolio/accounts/{foreign.pk}/{section}/").status_code == 404
