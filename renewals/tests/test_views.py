"""The CSM's pages: builder (htmx edits, reorder, quotes, publish, share), PDF download, case
list — with permissions, cross-tenant 404s and query counts."""

from __future__ import annotations

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import Note
from renewals import services
from renewals.models import BusinessCase, CaseSnapshot
from renewals.tests.factories import case_account
from retention.models import Role, SharedLink
from retention.tests.factories import MembershipFactory, UserFactory

HTMX = {"HTTP_HX_REQUEST": "true"}


@pytest.fixture
def account(acme, bob):
    account = case_account(organization=acme, history_days=150)
    account.owner = bob
    account.save()
    return account


def _url(name, account, **kwargs):
    return reverse(f"renewals:{name}", kwargs={"org_slug": account.organization.slug, "account_id": account.pk, **kwargs})


def test_the_builder_prefills_every_section_from_the_data_without_writing(bob_client, account):
    response = bob_client.get(_url("case_builder", account))

    assert response.status_code == 200
    body = response.content.decode()
    for title in ("Executive summary", "Goals and results against targets", "Adoption and usage", "Value delivered", "Next steps"):
        assert title in body
    assert "Regression tests automated" in body  # the KPI table in the live preview
    assert "<svg" in body  # charts
    assert "Sponsor said the weekly release report" in body  # a quote candidate
    assert not BusinessCase.objects.exists()  # a GET never creates the draft


def test_the_builder_page_query_count_does_not_grow_with_the_data(bob_client, account, acme):
    url = _url("case_builder", account)
    services.case_publish(organization=acme, case=services.business_case_get_or_create(organization=acme, account=account, user=None), user=None)
    before, _ = _count(bob_client, url)
    for i in range(5):
        Note.objects.create(organization=acme, account=account, body=f"Another happy note {i}.", sentiment="positive")
        services.champion_link_create(organization=acme, account=account, purpose="value_dashboard", user=None)
    services.case_publish(organization=acme, case=BusinessCase.objects.get(account=account), user=None)

    after, body = _count(bob_client, url)

    assert after == before <= 45
    assert "Another happy note 4." in body


def test_editing_a_section_over_htmx_saves_it_and_returns_the_preview(bob_client, account):
    response = bob_client.post(
        _url("case_section", account), {"key": "summary", "title": "Why renew", "body": "Three results hit their targets.", "included": "on"}, **HTMX
    )

    assert response.status_code == 200
    assert "Three results hit their targets." in response.content.decode()
    assert "<html" not in response.content.decode()  # a fragment for #preview
    case = BusinessCase.objects.get(account=account)
    assert case.sections[0] == {"key": "summary", "title": "Why renew", "body": "Three results hit their targets.", "included": True}


def test_excluding_a_section_removes_it_from_the_preview(bob_client, account):
    response = bob_client.post(_url("case_section", account), {"key": "milestones", "title": "Milestones reached", "body": ""}, **HTMX)

    assert response.status_code == 200
    assert 'id="section-milestones"' not in response.content.decode()


def test_reordering_returns_the_builder_in_the_new_order(bob_client, account):
    response = bob_client.post(_url("case_move", account), {"key": "value", "direction": "up"}, **HTMX)

    assert response.status_code == 200
    body = response.content.decode()
    assert body.index('id="section-value"') < body.index('id="section-milestones"')


def test_bad_section_input_is_a_400_with_a_message(bob_client, account):
    response = bob_client.post(_url("case_section", account), {"key": "summary", "title": "x" * 300, "body": ""}, **HTMX)

    assert response.status_code == 400
    assert "Keep the title under" in response.content.decode()


def test_choosing_quotes_puts_them_in_the_preview(bob_client, account):
    note = Note.objects.get(account=account)
    response = bob_client.post(_url("case_quotes", account), {"quotes": [f"note:{note.pk}"]}, **HTMX)

    assert response.status_code == 200
    assert "In their own words" in response.content.decode()
    assert "saves her team a full day" in response.content.decode()


def test_publishing_creates_version_one_and_the_pdf_downloads(bob_client, account):
    response = bob_client.post(_url("case_publish", account))
    assert response.status_code == 302
    snapshot = CaseSnapshot.objects.get(account=account)
    assert snapshot.version == 1

    pdf = bob_client.get(reverse("renewals:snapshot_pdf", kwargs={"org_slug": "acme", "snapshot_id": snapshot.pk}))
    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert b"".join(pdf.streaming_content if pdf.streaming else [pdf.content]).startswith(b"%PDF")
    assert "attachment" in pdf["Content-Disposition"] and "northwind-traders-business-case-v1.pdf" in pdf["Content-Disposition"]


def test_a_viewer_reads_but_cannot_edit(acme, account, client):
    viewer = UserFactory(email="viewer@acme.test")
    MembershipFactory(organization=acme, user=viewer, role=Role.VIEWER)
    client.force_login(viewer)

    assert client.get(_url("case_builder", account)).status_code == 200
    assert client.post(_url("case_publish", account)).status_code == 403
    assert not CaseSnapshot.objects.exists()


def test_a_csm_cannot_edit_another_csms_account(acme, account, client):
    other = UserFactory(email="other-csm@acme.test")
    MembershipFactory(organization=acme, user=other, role=Role.CSM)
    client.force_login(other)

    assert client.post(_url("case_section", account), {"key": "summary", "title": "t", "body": "b"}).status_code == 403


def test_sharing_a_version_shows_the_link_once(bob_client, account, acme):
    snapshot = services.case_publish(organization=acme, case=services.business_case_get_or_create(organization=acme, account=account, user=None), user=None)

    response = bob_client.post(_url("case_share", account), {"purpose": "renewal_case", "snapshot": snapshot.pk, "days": "30"})

    assert response.status_code == 200
    link = SharedLink.objects.get(account=account)
    assert link.purpose == "renewal_case" and link.target_id == snapshot.pk and link.target_type == "renewals.casesnapshot"
    assert "/s/" in response.content.decode()


def test_revoking_a_champion_link(bob_client, account, acme):
    issued = services.champion_link_create(organization=acme, account=account, purpose="value_dashboard", user=None)

    response = bob_client.post(_url("case_link_revoke", account), {"link_id": issued.link.pk})

    assert response.status_code == 302
    issued.link.refresh_from_db()
    assert issued.link.revoked_at is not None


def test_another_organizations_member_gets_404_everywhere(charlie_client, account, acme):
    snapshot = services.case_publish(organization=acme, case=services.business_case_get_or_create(organization=acme, account=account, user=None), user=None)
    for name in ("case_builder", "case_preview"):
        assert charlie_client.get(_url(name, account)).status_code == 404
        assert charlie_client.get(_url(name, account).replace("/o/acme/", "/o/globex/")).status_code == 404
    for name in ("case_section", "case_move", "case_quotes", "case_publish", "case_share", "case_link_revoke"):
        assert charlie_client.post(_url(name, account).replace("/o/acme/", "/o/globex/"), {"key": "summary"}).status_code == 404
    pdf_url = reverse("renewals:snapshot_pdf", kwargs={"org_slug": "globex", "snapshot_id": snapshot.pk})
    assert charlie_client.get(pdf_url).status_code == 404
    assert CaseSnapshot.objects.count() == 1


def _count(client, url) -> tuple[int, str]:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries), response.content.decode()


def _publish_case(acme, name):
    account = case_account(organization=acme, name=name, history_days=40)
    return services.case_publish(organization=acme, case=services.business_case_get_or_create(organization=acme, account=account, user=None), user=None)


def test_the_case_list_query_count_does_not_grow_with_rows(bob_client, acme, django_assert_max_num_queries):
    url = reverse("renewals:case_list", kwargs={"org_slug": "acme"})
    _publish_case(acme, "Listed 0")
    one, _ = _count(bob_client, url)
    for i in range(1, 5):
        _publish_case(acme, f"Listed {i}")

    many, body = _count(bob_client, url)

    assert many == one <= 10
    assert "Listed 4" in body and "v1" in body
