"""The respondent's flow through a shared link: steps, validation, resuming, limits, results."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import reverse

from healthchecks.models import Response
from healthchecks.tests.factories import all_answers, healthcheck_link
from retention.models import SharedLink


def _start(client: Client, token: str):
    return client.get(reverse("shared_link", kwargs={"token": token}))


def _step(client: Client, token: str, step: int, data: dict):
    return client.post(reverse("healthcheck_step", kwargs={"token": token, "step": step}), data)


def _definition(link):
    from healthchecks.selectors import published_version

    return published_version(organization_id=link.organization_id, version_id=link.target_id).definition


def _answer_everything(client: Client, issued, value: int = 4, barrier: str = "", respondent: dict | None = None):
    token = issued.token
    assert _start(client, token).status_code == 200
    assert _step(client, token, 0, respondent or {}).status_code == 302
    definition = _definition(issued.link)
    last = None
    for index, group in enumerate(definition["groups"], start=1):
        data = {q["key"]: value for q in group["questions"] if q["type"] == "likert"}
        data.update({q["key"]: barrier for q in group["questions"] if q["type"] == "barrier"})
        last = _step(client, token, index, data)
        assert last.status_code == 302, last.content.decode()[:500]
    return last


def test_the_landing_page_names_the_vendor_and_the_account_and_counts_the_open(acme, acme_account):
    # Given a health-check link for Initech, a customer of Acme
    issued = healthcheck_link(organization=acme, account=acme_account)

    # When a respondent opens it without logging in
    response = _start(Client(), issued.token)

    # Then the page names both, says it is step 1, and the link counts one opening
    body = response.content.decode()
    assert response.status_code == 200
    assert "Acme Analytics" in body and "Initech" in body
    assert "Step 1 of 5" in body
    assert response["Cache-Control"] == "no-store"
    issued.link.refresh_from_db()
    assert issued.link.opened_count == 1


def test_a_respondent_completes_the_check_and_sees_scores_and_next_steps(acme, acme_account):
    # Given a link
    issued = healthcheck_link(organization=acme, account=acme_account)
    client = Client()

    # When they answer every step with "agree" except usage, where they strongly disagree
    token = issued.token
    _start(client, token)
    _step(client, token, 0, {"name": "Pat Lee", "email": "pat@initech.test", "role": "Ops lead"})
    definition = _definition(issued.link)
    for index, group in enumerate(definition["groups"], start=1):
        data = {q["key"]: 4 for q in group["questions"] if q["type"] == "likert"}
        if index == 1:
            data.update({"uf_weekly": 1, "uf_core": 1, "uf_dropoff": 5})
        data.update({q["key"]: "Exports to our BI tool break every week." for q in group["questions"] if q["type"] == "barrier"})
        final = _step(client, token, index, data)

    # Then one response is stored with the hand-computed scores
    assert final.status_code == 302 and final["Location"].endswith("/result/")
    stored = Response.objects.get(shared_link=issued.link)
    assert stored.respondent_name == "Pat Lee" and stored.account_id == acme_account.id
    assert stored.dimension_scores["usage_frequency"] == 0.0  # 1,1 → 0,0; reversed 5 → 0
    assert stored.dimension_scores["team_engagement"] == 75.0
    assert stored.barrier_text == "Exports to our BI tool break every week."
    # the two dimensions with a reversed statement answered "agree" (25) get (25 + 75) / 2 = 50
    assert stored.dimension_scores["unresolved_barriers"] == 50.0
    assert stored.dimension_scores["process_integration"] == 50.0
    # overall: 0 + five dimensions at 75 + two at 50, over eight dimensions = 59.375
    assert stored.overall_score == 59.38

    # And the result page shows the weak dimension with its natural next step
    page = client.get(final["Location"])
    body = page.content.decode()
    assert page.status_code == 200
    assert "Usage frequency" in body and "Targeted training or onboarding support" in body
    assert "How the scores are computed" in body
    issued.link.refresh_from_db()
    assert issued.link.response_count == 1


def test_an_unanswered_statement_is_refused_with_a_clear_message_and_nothing_is_stored(acme, acme_account):
    # Given a respondent on the first question step
    issued = healthcheck_link(organization=acme, account=acme_account)
    client = Client()
    _start(client, issued.token)
    _step(client, issued.token, 0, {})

    # When they skip one statement and send a value outside the scale for another
    response = _step(client, issued.token, 1, {"uf_weekly": 4, "uf_core": 9, "uf_dropoff": 2, "te_teams": 3})

    # Then the step is shown again with messages next to the two statements
    body = response.content.decode()
    assert response.status_code == 400
    assert "Choose an answer" in body and "Choose one of the answers shown." in body
    assert 'aria-invalid="true"' in body
    assert Response.objects.count() == 0


def test_an_invalid_email_is_refused_on_the_first_step(acme, acme_account):
    issued = healthcheck_link(organization=acme, account=acme_account)
    client = Client()
    _start(client, issued.token)

    response = _step(client, issued.token, 0, {"email": "not-an-address"})

    assert response.status_code == 400
    assert "Enter an email address" in response.content.decode()


def test_a_respondent_who_closes_the_tab_resumes_with_their_answers(acme, acme_account):
    # Given a respondent who answered step 1 and closed the tab
    issued = healthcheck_link(organization=acme, account=acme_account)
    client = Client()
    _start(client, issued.token)
    _step(client, issued.token, 0, {"name": "Sam"})
    definition = _definition(issued.link)
    _step(client, issued.token, 1, all_answers({"groups": [definition["groups"][0]]}, value=2))

    # When they open the link again in the same browser
    landing = _start(client, issued.token)
    step_one = client.get(reverse("healthcheck_step", kwargs={"token": issued.token, "step": 1}))

    # Then they continue where they left off, with their answers filled in, and no new opening is counted
    assert "Continue where you left off" in landing.content.decode()
    assert 'value="Sam"' in landing.content.decode()
    assert 'name="uf_weekly" value="2" checked' in step_one.content.decode()
    issued.link.refresh_from_db()
    assert issued.link.opened_count == 1


def test_several_people_answer_the_same_link_anonymously(acme, acme_account):
    issued = healthcheck_link(organization=acme, account=acme_account)

    for value in (2, 4, 5):
        _answer_everything(Client(), issued, value=value)

    assert Response.objects.filter(shared_link=issued.link).count() == 3
    assert set(Response.objects.values_list("respondent_name", flat=True)) == {""}


def test_a_full_link_refuses_further_respondents_and_stores_nothing(acme, acme_account):
    # Given a link limited to one respondent, already answered once
    issued = healthcheck_link(organization=acme, account=acme_account, respondent_limit=1)
    _answer_everything(Client(), issued)

    # When a second person opens it
    second = _start(Client(), issued.token)

    # Then they are told it is complete and nothing more is stored
    assert second.status_code == 410
    assert "no longer accepts new ones" in second.content.decode()
    assert Response.objects.count() == 1


def test_the_limit_holds_for_respondents_who_started_before_it_was_reached(acme, acme_account):
    # Given two people who both started while one slot was free
    issued = healthcheck_link(organization=acme, account=acme_account, respondent_limit=1)
    late = Client()
    _start(late, issued.token)
    _step(late, issued.token, 0, {})
    _answer_everything(Client(), issued)

    # When the second one sends the last step
    definition = _definition(issued.link)
    response = _step(late, issued.token, len(definition["groups"]), all_answers(definition))

    # Then it is refused and only one response exists
    assert response.status_code == 410
    assert Response.objects.count() == 1
    assert SharedLink.objects.get(pk=issued.link.pk).response_count == 1


def test_posting_without_the_csrf_token_is_refused(acme, acme_account):
    issued = healthcheck_link(organization=acme, account=acme_account)
    client = Client(enforce_csrf_checks=True)
    _start(client, issued.token)

    response = _step(client, issued.token, 0, {"name": "Mallory"})

    assert response.status_code == 403


def test_the_result_page_without_a_submission_sends_the_visitor_to_the_start(acme, acme_account):
    issued = healthcheck_link(organization=acme, account=acme_account)

    response = Client().get(reverse("healthcheck_result", kwargs={"token": issued.token}))

    assert response.status_code == 302
    assert response["Location"] == reverse("shared_link", kwargs={"token": issued.token})


@pytest.mark.parametrize("kind", ["retention"])
def test_the_assessment_result_names_the_zone_that_needs_attention_first(acme, acme_account, kind):
    # Given a retention assessment where Belief and Commitment hold but Activation does not
    issued = healthcheck_link(organization=acme, account=acme_account, kind=kind)
    client = Client()
    token = issued.token
    _start(client, token)
    _step(client, token, 0, {})
    definition = _definition(issued.link)
    low = {"ac_onboarded": 2, "ac_first_value": 1, "re_measured": 1, "re_tracked": 1}
    for index, group in enumerate(definition["groups"], start=1):
        data = {q["key"]: low.get(q["key"], 5) for q in group["questions"] if q["type"] == "likert"}
        final = _step(client, token, index, data)

    # When they see their result
    body = client.get(final["Location"]).content.decode()

    # Then Activation is named first (Realization is broken too, but comes later in the chain)
    assert "Needs attention first: Activation" in body
    assert "Onboarding completion plan" in body
