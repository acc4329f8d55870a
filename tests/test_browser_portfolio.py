"""End to end in headless Chromium on a 1366×768 laptop: a CSM logs in, opens the portfolio,
sorts it by risk, opens the riskiest account and sees its score, zones and charts."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.ingest import last_active_rebuild
from accounts.models import DailyActiveUser, DailyEventCount
from dashboards.tests.portfolio_builders import customer, history, risk, save_plan, today, zones

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _book(acme, owner):
    steady = customer(acme, "Alpha Steady", mrr="3000", owner=owner)
    history(steady, [75 + (n % 5) for n in range(40)])
    zones(steady, attention="")
    slipping = customer(acme, "Bravo Slipping", mrr="1500", renewal_in=60, owner=owner)
    history(slipping, [70 - n for n in range(40)])
    zones(slipping, attention="realization")
    failing = customer(acme, "Zulu Failing", mrr="800", renewal_in=25, owner=owner)
    history(failing, [60 - n * 1.2 for n in range(40)])
    zones(failing, attention="commitment")
    for kind in ("usage_drop", "detractor_nps", "no_executive_touchpoint"):
        risk(failing, kind)
    save_plan(failing, owner=owner, actions=2)
    for n in range(60):
        day = today() - dt.timedelta(days=n)
        DailyEventCount.objects.create(organization=acme, account=failing, day=day, event="report_generated", count=max(1, 20 - n // 3))
        DailyActiveUser.objects.create(organization=acme, account=failing, day=day, user_external_id=f"user-{n % 6}")
    last_active_rebuild(organization=acme)
    return failing


def test_a_csm_sorts_the_portfolio_by_risk_and_reads_the_riskiest_account(live_server, page, artifacts, acme, bob):
    # Given bob, a CSM of Acme with three accounts, one of them failing
    bob.set_password("correct horse battery staple")
    bob.save()
    _book(acme, bob)

    # When he logs in through the login form, landing on his portfolio
    page.goto(f"{live_server.url}/login/?next=/o/acme/portfolio/%3Fsort%3Dname")
    page.get_by_label("Email").fill("bob@acme.test")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Portfolio").wait_for()
    rows = page.locator(".portfolio-table tbody tr")
    assert rows.count() == 3
    names = [rows.nth(i).locator("td strong").inner_text() for i in range(rows.count())]
    assert names == ["Alpha Steady", "Bravo Slipping", "Zulu Failing"]

    # And sorts it by risk
    page.get_by_role("link", name="Band").click()
    page.wait_for_url("**sort=risk**")
    names = [rows.nth(i).locator("td strong").inner_text() for i in range(rows.count())]
    assert names == ["Zulu Failing", "Bravo Slipping", "Alpha Steady"]  # red and lowest score first
    assert page.locator(".sparkline polyline").count() == 3
    artifacts.screenshot(page, "portfolio-by-risk-1366")

    # And opens the riskiest account
    page.get_by_role("link", name="Zulu Failing", exact=True).click()
    page.get_by_role("heading", name="Zulu Failing").wait_for()

    # Then its score, zones and charts are rendered (plotly drew SVG)
    page.locator("#account-health").wait_for()
    assert page.locator(".health-score .score-big").inner_text().strip() == "13"
    assert page.locator(".health-score .badge").first.inner_text() == "Red"
    assert page.locator(".chain .link").count() == 6
    attention = page.locator(".chain .link.attention").inner_text()
    assert "2. Commitment" in attention and "needs attention first" in attention.lower()
    for chart in ("score-history", "zones-radar", "usage-events", "usage-active"):
        page.locator(f"#{chart} svg.main-svg").first.wait_for()
    assert page.get_by_role("heading", name="Timeline").is_visible()
    assert page.get_by_role("heading", name="Success plan").is_visible()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.js_errors == []
    artifacts.screenshot(page, "account-page-1366")

    # And it prints without the navigation and controls
    page.emulate_media(media="print")
    assert not page.locator(".sidebar").is_visible()
    assert not page.get_by_role("button", name="Print").is_visible()
    assert page.locator("#zones").is_visible() and page.locator("#timeline").is_visible()
    artifacts.screenshot(page, "account-page-print")
    page.emulate_media(media="screen")

    # And the leader overview draws its charts too
    page.goto(f"{live_server.url}/o/acme/portfolio/overview/")
    for chart in ("overview-distribution", "overview-trend", "overview-renewals", "overview-zones", "overview-risks"):
        page.locator(f"#{chart} svg.main-svg").first.wait_for()
    assert page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")
    assert page.js_errors == []
    artifacts.screenshot(page, "leader-overview-1366")
