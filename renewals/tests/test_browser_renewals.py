"""End to end in headless Chromium: a CSM opens the renewal pipeline, builds the business case
(htmx edits update the live preview, a section moves up), publishes it and shares it; the
champion opens the link on a phone and downloads the PDF."""

from __future__ import annotations

import re

import pytest

from dashboards.models import AccountScore, AccountZones
from dashboards.scorecards import scorecard_get_active
from renewals.models import CaseSnapshot
from renewals.tests.factories import case_account

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_csm_builds_publishes_and_shares_a_case_and_the_champion_reads_it(live_server, page, phone_page, artifacts, acme, bob, settings):
    settings.SHARED_LINK_RATE_PER_ADDRESS = "10000/m"
    bob.set_password("correct horse battery staple")
    bob.save()
    account = case_account(organization=acme, history_days=330)
    account.owner = bob
    account.save()
    scorecard = scorecard_get_active(organization=acme)
    AccountScore.objects.create(
        organization=acme,
        account=account,
        day=account.start_date,
        scorecard=scorecard,
        scorecard_version=scorecard.version,
        score=64,
        band="yellow",
        coverage=1,
        measures={},
    )
    AccountZones.objects.create(organization=acme, account=account, day=account.start_date, zones={}, attention_zone="recognition")

    # The CSM logs in and lands on the renewal pipeline
    page.goto(f"{live_server.url}/login/?next=/o/acme/renewals/")
    page.get_by_label("Email").fill("bob@acme.test")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="Renewal pipeline").wait_for()
    assert "Northwind Traders" in page.locator("table").nth(1).inner_text()
    artifacts.screenshot(page, "renewal-pipeline-1366")

    # ... opens the business case: every section is prefilled, the preview shows the figures
    page.get_by_role("link", name="Business case").nth(1).click()
    page.get_by_role("heading", name="Business case: Northwind Traders").wait_for()
    assert page.locator("#preview svg").count() >= 3

    # ... rewrites the executive summary: the preview follows without a page load
    summary = page.locator("textarea[name=body]").first
    summary.fill("Northwind cut its release cycle from three weeks to twelve days.")
    page.locator("#preview").get_by_text("Northwind cut its release cycle").wait_for()

    # ... moves "Value delivered" up above "Milestones reached"
    page.locator("li.section-editor", has=page.locator("input[name=key][value=value]")).get_by_title("Move up").click()
    page.wait_for_function(
        "document.querySelector('#section-value') && document.querySelector('#section-value').compareDocumentPosition(document.querySelector('#section-milestones')) & Node.DOCUMENT_POSITION_FOLLOWING"
    )
    artifacts.screenshot(page, "renewal-case-builder-1366", full_page=False)

    # ... publishes version 1 and creates a champion link
    page.get_by_role("button", name="Publish version 1").click()
    page.get_by_text("Version 1 published").wait_for()
    page.get_by_role("button", name="Create champion link").click()
    url = page.locator(".secret code").inner_text()
    assert re.match(rf"^{re.escape(live_server.url)}/s/[\w-]+/$", url)
    assert CaseSnapshot.objects.get(account=account).content["sections"][0]["body"].startswith("Northwind cut")
    assert not page.js_errors

    # The champion opens it on a phone and downloads the PDF
    phone_page.goto(url)
    phone_page.get_by_role("heading", name="Northwind Traders: renewal business case").wait_for()
    assert "Northwind cut its release cycle" in phone_page.content()
    artifacts.screenshot(phone_page, "renewal-case-champion-375")
    with phone_page.expect_download() as download:
        phone_page.get_by_role("link", name="Download the PDF").click()
    assert download.value.suggested_filename == "northwind-traders-business-case-v1.pdf"
