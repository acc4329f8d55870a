"""End to end in headless Chromium: one account from a weak health check to its enablement path,
a roadmap the customer agrees on through a shared link (on a phone), and an advocacy draft."""

from __future__ import annotations

import pytest

from accounts.experiences.defaults import experience_defaults_install
from accounts.experiences.models import RoadmapItem
from accounts.tests.factories import ContactFactory
from healthchecks.tests.factories import submit_response

from .builders import seed_account, seed_active_users, seed_zones

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_csm_follows_an_account_from_a_weak_health_check_to_an_agreed_roadmap(live_server, page, phone_page, artifacts, acme, bob):
    # Given an account of bob's with a weak adoption health check and few active seats
    bob.set_password("correct horse battery staple")
    bob.save()
    experience_defaults_install(organization=acme)
    account = seed_account(acme, name="Initech", seats=30, owner=bob, stage="adopting")
    ContactFactory(organization=acme, account=account, name="Pat Power", stakeholder_role="power_user")
    seed_zones(acme, account, activation="broken", attention="activation")
    seed_active_users(acme, account, 6)
    submit_response(organization=acme, account=account, value=1)

    # When bob logs in and opens the account's roadmap
    page.goto(f"{live_server.url}/login/?next=/o/acme/experiences/roadmap/{account.pk}/")
    page.get_by_label("Email").fill("bob@acme.test")
    page.get_by_label("Password").fill("correct horse battery staple")
    page.get_by_role("button", name="Log in").click()
    page.get_by_role("heading", name="30-60-90 roadmap").wait_for()

    # Then the health check's underuse leads him to the enablement path
    page.get_by_role("link", name="Send the enablement path").click()
    page.get_by_role("heading", name="Enablement path").wait_for()
    assert "Roll out training to your team" in page.content()
    artifacts.screenshot(page, "experiences-enablement")

    # And he builds the roadmap from the recommendations and shares it
    page.get_by_role("link", name="Roadmap", exact=True).click()
    page.get_by_role("button", name="Add all to the roadmap").click()
    page.get_by_role("button", name="Create a customer link").click()
    link = page.locator(".secret code").inner_text()
    artifacts.screenshot(page, "experiences-roadmap")

    # When the customer agrees to the first priority on a phone
    phone_page.goto(link)
    phone_page.get_by_role("heading", name="Your next 90 days").wait_for()
    phone_page.get_by_role("button", name="Agreed").first.click()
    phone_page.get_by_text("Agreed", exact=True).first.wait_for()
    artifacts.screenshot(phone_page, "experiences-roadmap-customer")

    # Then bob sees the answer and the advocacy page drafts from what is recorded
    page.reload()
    assert RoadmapItem.objects.filter(account=account, decision="agreed").count() == 1
    assert "Add the agreed priorities to the success plan" in page.content()
    page.get_by_role("link", name="Plan the expansion with the customer").click()  # roadmap agreed → expansion planning
    page.get_by_role("heading", name="Expansion opportunities").wait_for()
    artifacts.screenshot(page, "experiences-expansion")
    page.get_by_role("link", name="Advocacy", exact=True).click()
    page.get_by_role("heading", name="Advocacy story").wait_for()
    artifacts.screenshot(page, "experiences-advocacy")
    assert not page.js_errors
