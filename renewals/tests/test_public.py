"""The champion's shared links: each exposes only its purpose; unknown, expired and revoked links
are the neutral 404; nothing else of the account or organization is reachable."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from pypdf import PdfReader

from accounts.models import Note
from dashboards.models import RiskIndicator
from renewals import services
from renewals.tests.factories import case_account
from retention import sharing
from retention.models import SharedLink


@pytest.fixture(autouse=True)
def _no_rate_limit(settings):
    settings.SHARED_LINK_RATE_PER_ADDRESS = "10000/m"


@pytest.fixture
def account(acme):
    account = case_account(organization=acme, history_days=150)
    Note.objects.create(organization=acme, account=account, body="Internal: pricing pushback expected from procurement.", sentiment="negative")
    RiskIndicator.objects.create(organization=acme, account=account, kind="detractor_nps", opened_on=timezone.localdate(), last_seen_on=timezone.localdate())
    return account


@pytest.fixture
def snapshot(acme, account):
    case = services.business_case_get_or_create(organization=acme, account=account, user=None)
    return services.case_publish(organization=acme, case=case, user=None)


def _path(issued) -> str:
    return reverse("shared_link", kwargs={"token": issued.token})


def test_the_value_dashboard_shows_what_changed_and_nothing_internal(client, acme, account):
    issued = services.champion_link_create(organization=acme, account=account, purpose=SharedLink.Purpose.VALUE_DASHBOARD, user=None)

    response = client.get(_path(issued))

    assert response.status_code == 200
    body = response.content.decode()
    assert "Northwind Traders" in body
    for shown in ("Regression tests automated", "Monthly active users", "Kickoff held with the sponsor", "Value delivered", "Spend to date"):
        assert shown in body
    for hidden in ("pricing pushback", "Detractor", "nobody dreads", "ARR", "/o/acme/"):
        assert hidden not in body
    assert response["Cache-Control"] == "no-store"
    assert "noindex" in response["X-Robots-Tag"]


def test_the_value_dashboard_link_does_not_open_a_pdf(client, acme, account, snapshot):
    issued = services.champion_link_create(organization=acme, account=account, purpose=SharedLink.Purpose.VALUE_DASHBOARD, user=None)

    response = client.get(_path(issued) + "?download=pdf")

    assert response.status_code == 404
    assert response["Content-Type"].startswith("text/html")


def test_the_renewal_case_link_shows_the_frozen_case_and_downloads_its_pdf(client, acme, account, snapshot):
    issued = services.champion_link_create(organization=acme, account=account, purpose=SharedLink.Purpose.RENEWAL_CASE, user=None, snapshot=snapshot)
    account.name = "Renamed After Publishing"
    account.save()

    page = client.get(_path(issued))
    download = client.get(_path(issued) + "?download=pdf")

    assert page.status_code == 200
    assert "Northwind Traders" in page.content.decode()  # the snapshot, not today's data
    assert "Renamed After Publishing" not in page.content.decode()
    assert "?download=pdf" in page.content.decode()
    assert download.status_code == 200 and download["Content-Type"] == "application/pdf"
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(download.content)).pages)
    assert "Northwind Traders" in text
    assert download["Cache-Control"] == "no-store"


def test_a_renewal_case_link_opens_only_its_own_version(client, acme, account, snapshot):
    second = services.case_publish(organization=acme, case=snapshot.case, user=None)
    issued = services.champion_link_create(organization=acme, account=account, purpose=SharedLink.Purpose.RENEWAL_CASE, user=None, snapshot=snapshot)

    body = client.get(_path(issued)).content.decode()

    assert "version 1" in body and "version 2" not in body
    assert second.version == 2


@pytest.mark.parametrize("purpose", [SharedLink.Purpose.VALUE_DASHBOARD, SharedLink.Purpose.RENEWAL_CASE])
def test_revoked_and_expired_links_are_the_neutral_404(client, acme, account, snapshot, purpose):
    revoked = services.champion_link_create(organization=acme, account=account, purpose=purpose, user=None, snapshot=snapshot)
    expired = services.champion_link_create(organization=acme, account=account, purpose=purpose, user=None, snapshot=snapshot)
    sharing.shared_link_revoke(organization=acme, link_id=revoked.link.pk, by=None)
    SharedLink.objects.filter(pk=expired.link.pk).update(expires_at=timezone.now() - dt.timedelta(minutes=1))
    unknown_body = client.get(reverse("shared_link", kwargs={"token": "x" * 43})).content

    for issued in (revoked, expired):
        for suffix in ("", "?download=pdf"):
            response = client.get(_path(issued) + suffix)
            assert response.status_code == 404
            assert response.content == unknown_body  # the same page as an unknown token
            assert b"Northwind" not in response.content


def test_an_unknown_token_is_a_404(client, db):
    response = client.get(reverse("shared_link", kwargs={"token": "not-a-real-token"}))
    assert response.status_code == 404


def test_a_renewal_case_link_to_a_foreign_snapshot_is_a_404(client, acme, globex, account):
    # Given a Globex snapshot, and an Acme link whose target id was pointed at it
    foreign_account = case_account(organization=globex, name="Globex customer", history_days=60)
    foreign = services.case_publish(
        organization=globex, case=services.business_case_get_or_create(organization=globex, account=foreign_account, user=None), user=None
    )
    own = services.case_publish(organization=acme, case=services.business_case_get_or_create(organization=acme, account=account, user=None), user=None)
    issued = services.champion_link_create(organization=acme, account=account, purpose=SharedLink.Purpose.RENEWAL_CASE, user=None, snapshot=own)
    SharedLink.objects.filter(pk=issued.link.pk).update(target_id=foreign.pk)

    # Then neither the page nor the PDF opens
    assert client.get(_path(issued)).status_code == 404
    assert client.get(_path(issued) + "?download=pdf").status_code == 404


def test_a_renewal_case_link_cannot_be_created_without_a_published_version(acme, account):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError):
        services.champion_link_create(organization=acme, account=account, purpose=SharedLink.Purpose.RENEWAL_CASE, user=None)


def test_the_dashboard_query_count_does_not_grow_with_history(client, acme, django_assert_max_num_queries):
    short = case_account(organization=acme, name="Short history", history_days=40)
    long = case_account(organization=acme, name="Long history", history_days=730)
    counts = []
    for account in (short, long):
        issued = services.champion_link_create(organization=acme, account=account, purpose=SharedLink.Purpose.VALUE_DASHBOARD, user=None)
        from django.db import connection
        from django.test.utils import CaptureQueriesContext

        with CaptureQueriesContext(connection) as queries:
            assert client.get(_path(issued)).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1] <= 30
