"""End to end in headless Chromium on a phone: a customer completes an adoption health check
through a shared link and reads their result."""

from __future__ import annotations

import pytest

from accounts.tests.factories import AccountFactory
from healthchecks.models import Response
from healthchecks.tests.factories import healthcheck_link

pytestmark = [pytest.mark.browser, pytest.mark.slow]


@pytest.fixture(autouse=True)
def _generous_rate_limits(settings):
    settings.SHARED_LINK_RATE_PER_ADDRESS = "100000/m"
    settings.SHARED_LINK_RATE_PER_LINK = "100000/m"


def _fits_the_screen(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth <= window.innerWidth")


def test_a_respondent_completes_a_health_check_on_a_phone(live_server, phone_page, artifacts, acme):
    # Given a link for Initech, a customer of Acme
    account = AccountFactory(organization=acme, name="Initech", external_id="initech")
    issued = healthcheck_link(organization=acme, account=account)
    page = phone_page

    # When a respondent opens it on a 375 px wide phone
    page.goto(live_server.url + issued.path)

    # Then they see who is asking, for whom, and where they are
    assert page.get_by_role("heading", name="Adoption health check").is_visible()
    assert page.get_by_text("Acme Analytics").first.is_visible()
    assert page.get_by_text("for Initech").is_visible()
    assert page.get_by_text("Step 1 of 5").is_visible()
    assert _fits_the_screen(page)
    artifacts.screenshot(page, "healthcheck-start-375")

    # When they give a name and start
    page.get_by_label("Your name").fill("Pat Lee")
    page.get_by_role("button", name="Start").click()

    # And answer each step, strongly disagreeing on usage (answered with the keyboard on the first statement)
    step = 2
    while True:
        page.get_by_text(f"Step {step} of 5").wait_for()
        assert _fits_the_screen(page)
        groups = page.get_by_role("group")
        for index in range(groups.count()):
            group = groups.nth(index)
            legend = group.locator("legend").inner_text()
            choice = "Strongly disagree" if "at least once a week" in legend or "core features" in legend else "Agree"
            if "dropped off" in legend:
                choice = "Strongly agree"
            if step == 2 and index == 0:
                group.get_by_role("radio", name=choice, exact=True).focus()
                page.keyboard.press("Space")
            else:
                group.get_by_role("radio", name=choice, exact=True).check()
        barrier = page.get_by_label("What is the biggest obstacle")
        if barrier.count():
            barrier.fill("Contractors cannot log in through our SSO.")
        button = page.get_by_role("button", name="See my results")
        if button.count():
            button.click()
            break
        page.get_by_role("button", name="Next").click()
        step += 1

    # Then the result page shows the scores, the weak dimension and its natural next step
    page.get_by_role("heading", name="Your adoption health check results").wait_for()
    assert page.get_by_role("heading", name="Recommended next steps").is_visible()
    assert page.get_by_text("Targeted training or onboarding support").is_visible()
    assert page.get_by_role("img", name="Usage frequency: 0 out of 100, weak").count() == 1
    assert _fits_the_screen(page)
    assert page.js_errors == []
    shot = artifacts.screenshot(page, "healthcheck-result-375")
    assert shot.exists() and shot.stat().st_size > 10_000

    # And exactly one response is stored, for Initech
    stored = Response.objects.get()
    assert stored.account_id == account.id and stored.respondent_name == "Pat Lee"
    assert stored.barrier_text == "Contractors cannot log in through our SSO."
    assert stored.dimension_scores["usage_frequency"] == 0.0


def test_an_unknown_link_shows_the_neutral_page_in_the_browser(live_server, page):
    response = page.goto(live_server.url + "/s/" + "q" * 43 + "/")

    assert response.status == 404
    assert page.get_by_role("heading", name="This link is not available").is_visible()
