"""The CSM's pages: links, per-account results, portfolio insights, questionnaire editing."""

from __future__ import annotations

from datetime import timedelta

from django.urls import reverse
from django.utils import timezone

from accounts.tests.factories import AccountFactory
from healthchecks.models import Questionnaire, QuestionnaireVersion
from healthchecks.tests.factories import default_questionnaire, healthcheck_link, submit_response
from retention.models import AuditLogEntry, SharedLink


def _url(name, **kwargs):
    return reverse(f"healthchecks:{name}", kwargs={"org_slug": "acme", **kwargs})


def test_a_csm_creates_a_link_and_sees_the_full_url_once(acme, bob, bob_client, acme_account):
    # Given Acme's adoption health check
    questionnaire = default_questionnaire(acme)

    # When bob creates a link for Initech with a respondent limit
    response = bob_client.post(
        _url("link_create"), {"account": acme_account.id, "questionnaire": questionnaire.id, "expires_in_days": 14, "respondent_limit": 5}
    )

    # Then the page shows the full URL with a copy button; only its hash is stored
    body = response.content.decode()
    link = SharedLink.objects.get()
    assert response.status_code == 200
    assert "Copy link" in body and "/s/" in body
    token = body.split("/s/")[1].split("/")[0]
    assert link.token_hash != token and len(token) >= 22
    assert link.respondent_limit == 5 and link.account_id == acme_account.id and link.created_by == bob
    assert abs((link.expires_at - timezone.now()) - timedelta(days=14)) < timedelta(minutes=1)
    assert AuditLogEntry.objects.filter(action="shared_link.created").count() == 1


def test_creating_a_link_for_another_organizations_account_is_refused(acme, bob_client, globex_account):
    questionnaire = default_questionnaire(acme)

    response = bob_client.post(_url("link_create"), {"account": globex_account.id, "questionnaire": questionnaire.id, "expires_in_days": 14})

    assert response.status_code == 400
    assert SharedLink.objects.count() == 0


def test_bad_link_settings_get_form_errors(acme, bob_client, acme_account):
    questionnaire = default_questionnaire(acme)

    response = bob_client.post(
        _url("link_create"), {"account": acme_account.id, "questionnaire": questionnaire.id, "expires_in_days": 0, "respondent_limit": -1}
    )

    assert response.status_code == 400
    assert SharedLink.objects.count() == 0


def test_a_viewer_cannot_create_or_revoke_links(acme, acme_account):
    from django.test import Client

    from retention.models import Role
    from retention.tests.factories import MembershipFactory, UserFactory

    viewer = UserFactory(email="viewer@acme.test")
    MembershipFactory(organization=acme, user=viewer, role=Role.VIEWER)
    client = Client()
    client.force_login(viewer)
    issued = healthcheck_link(organization=acme, account=acme_account)

    assert client.get(_url("link_create")).status_code == 403
    assert client.post(_url("link_revoke", link_id=issued.link.pk)).status_code == 403
    assert client.get(_url("index")).status_code == 200


def test_revoking_a_link_makes_it_a_neutral_404_at_once(acme, bob_client, acme_account):
    issued = healthcheck_link(organization=acme, account=acme_account)

    response = bob_client.post(_url("link_revoke", link_id=issued.link.pk))

    assert response.status_code == 302
    assert bob_client.get(reverse("shared_link", kwargs={"token": issued.token})).status_code == 404
    assert SharedLink.objects.get().revoked_at is not None


def test_the_index_lists_links_with_their_status_in_a_fixed_number_of_queries(acme, alice_client, acme_account, django_assert_max_num_queries):
    for n in range(6):
        account = AccountFactory(organization=acme, name=f"Customer {n}")
        submit_response(organization=acme, account=account)
    default_questionnaire(acme)

    with django_assert_max_num_queries(14):
        response = alice_client.get(_url("index"))

    body = response.content.decode()
    assert response.status_code == 200
    assert body.count('badge badge-green">active') == 6
    assert "Adoption health check" in body and "Retention-architecture assessment" in body


def test_the_account_page_aggregates_respondents_and_lists_barriers(acme, alice_client, acme_account, django_assert_max_num_queries):
    # Given two respondents, one weak on usage who describes a barrier, and an assessment
    submit_response(organization=acme, account=acme_account, value=4, respondent_name="Pat")
    submit_response(
        organization=acme,
        account=acme_account,
        value=4,
        overrides={"uf_weekly": 1, "uf_core": 1, "uf_dropoff": 5},
        barrier_text="Our SSO setup locks out contractors.",
        respondent_name="Sam",
    )
    submit_response(organization=acme, account=acme_account, kind="retention", value=4, overrides={"be_problem": 1, "be_expectations": 2})

    # When alice opens the account's results
    with django_assert_max_num_queries(20):
        response = alice_client.get(_url("account_results", account_id=acme_account.id))

    # Then usage is the mean of 58.33 and 0, the barrier is quoted, and Belief needs attention first
    body = response.content.decode()
    assert response.status_code == 200
    assert "Our SSO setup locks out contractors." in body and "Sam" in body
    assert "Targeted training or onboarding support" in body
    assert "Needs attention first: Belief" in body
    assert "plotly.min.js" in body and "score per quarter" in body


def test_the_account_page_explains_an_empty_state(acme, alice_client, acme_account):
    body = alice_client.get(_url("account_results", account_id=acme_account.id)).content.decode()

    assert "No adoption health check answered yet" in body


def test_portfolio_insights_show_the_weakest_dimension_by_segment(acme, alice_client, django_assert_max_num_queries):
    for n in range(5):
        account = AccountFactory(organization=acme, name=f"Ent {n}", segment="enterprise")
        submit_response(organization=acme, account=account, value=4, overrides={"tc_trained": 1, "tc_confident": 1})

    with django_assert_max_num_queries(12):
        response = alice_client.get(_url("portfolio"))

    body = response.content.decode()
    table = body.split('class="hc-heat"')[1]
    assert response.status_code == 200
    assert table.index("Training completion") < table.index("Team engagement")
    assert "5 accounts" in body and "Enterprise" in body


def test_portfolio_insights_explain_the_empty_state(acme, alice_client):
    assert "No customer has answered" in alice_client.get(_url("portfolio")).content.decode()


def test_an_admin_copies_edits_and_publishes_while_published_versions_stay_unchanged(acme, alice, alice_client):
    # Given the built-in health check
    source = default_questionnaire(acme)
    original = QuestionnaireVersion.objects.get(questionnaire=source)

    # When alice copies it, rewords a statement, remaps it, adds one, and publishes
    response = alice_client.post(_url("questionnaire_copy", questionnaire_id=source.id), {"name": "Health check for EMEA"})
    copy_ = Questionnaire.objects.get(name="Health check for EMEA")
    assert response.status_code == 302
    form_page = alice_client.get(_url("questionnaire_edit", questionnaire_id=copy_.id))
    data = _form_data(form_page.context["form"])
    data["q_uf_weekly_text"] = "Our users log in at least weekly."
    data["q_uf_weekly_dimension"] = "team_engagement"
    data["dim0_rec_title"] = "Usage clinic"
    data["new0_text"] = "Managers check usage reports monthly."
    data["new0_dimension"] = "usage_frequency"
    data["publish"] = "1"
    saved = alice_client.post(_url("questionnaire_edit", questionnaire_id=copy_.id), data)

    # Then the copy's v1 is published with the edits, and the built-in version is untouched
    assert saved.status_code == 302, saved.content.decode()[:2000]
    published = QuestionnaireVersion.objects.get(questionnaire=copy_)
    assert published.status == "published"
    questions = {q["key"]: q for g in published.definition["groups"] for q in g["questions"]}
    assert questions["uf_weekly"]["text"] == "Our users log in at least weekly."
    assert questions["uf_weekly"]["dimension"] == "team_engagement"
    assert any(q["text"] == "Managers check usage reports monthly." for q in questions.values())
    assert published.definition["dimensions"][0]["recommendation"]["title"] == "Usage clinic"
    original.refresh_from_db()
    assert original.definition["groups"][0]["questions"][0]["text"].startswith("The people who should use")

    # And editing it again starts draft v2, leaving v1 as published
    alice_client.get(_url("questionnaire_edit", questionnaire_id=copy_.id))
    assert list(copy_.versions.order_by("number").values_list("number", "status")) == [(1, "published"), (2, "draft")]


def test_an_edit_that_leaves_a_dimension_without_statements_is_refused(acme, alice_client):
    source = default_questionnaire(acme)
    form_page = alice_client.get(_url("questionnaire_edit", questionnaire_id=source.id))
    data = _form_data(form_page.context["form"])
    data["q_uf_weekly_remove"] = "on"
    data["q_uf_core_remove"] = "on"
    data["q_uf_dropoff_remove"] = "on"

    response = alice_client.post(_url("questionnaire_edit", questionnaire_id=source.id), data)

    assert response.status_code == 400
    assert "could never be scored" in response.content.decode()
    draft = QuestionnaireVersion.objects.get(questionnaire=source, status="draft")
    assert any(q["key"] == "uf_weekly" for q in draft.definition["groups"][0]["questions"])


def test_a_csm_cannot_edit_questionnaires(acme, bob_client):
    source = default_questionnaire(acme)

    assert bob_client.get(_url("questionnaire_edit", questionnaire_id=source.id)).status_code == 403
    assert bob_client.get(_url("questionnaire_detail", questionnaire_id=source.id)).status_code == 200


def test_another_organizations_objects_are_404_under_its_own_slug(acme, globex, charlie_client, acme_account):
    issued = healthcheck_link(organization=acme, account=acme_account)
    questionnaire = default_questionnaire(acme)

    def globex_url(name, **kwargs):
        return reverse(f"healthchecks:{name}", kwargs={"org_slug": "globex", **kwargs})

    assert charlie_client.get(globex_url("account_results", account_id=acme_account.id)).status_code == 404
    assert charlie_client.post(globex_url("link_revoke", link_id=issued.link.pk)).status_code == 404
    assert charlie_client.get(globex_url("questionnaire_detail", questionnaire_id=questionnaire.id)).status_code == 404
    assert charlie_client.get(_url("index")).status_code == 404
    assert SharedLink.objects.get().revoked_at is None


def _form_data(form) -> dict:
    data = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, bool):
            if value:
                data[name] = "on"
        elif value is not None:
            data[name] = value
    return data
