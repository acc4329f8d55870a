"""The account list page: search, filters, sort, pagination, ARR and next renewal, query counts."""

import datetime as dt
import re
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from accounts.models import Account
from accounts.tests.factories import AccountFactory, ContractLineFactory
from retention.models import Role
from retention.tests.factories import MembershipFactory, UserFactory

pytestmark = pytest.mark.django_db

URL = "/o/acme/accounts/"
TODAY = dt.date.today()


def _names(response) -> list[str]:
    """Account names in table order."""
    return re.findall(r'/accounts/\d+/"><strong>([^<]+)</strong>', response.content.decode())


@pytest.fixture
def viewer_client(acme, client):
    user = UserFactory(email="vera@acme.test", full_name="Vera Viewer")
    MembershipFactory(organization=acme, user=user, role=Role.VIEWER)
    client.force_login(user)
    return client


def test_it_lists_the_organizations_accounts_with_arr_and_next_renewal(acme, globex, alice_client):
    # Given an account with an active line, an ended line and a future line
    account = AccountFactory(organization=acme, name="Initech")
    ContractLineFactory(account=account, mrr=Decimal("1000"), renewal_date=TODAY + dt.timedelta(days=40))
    ContractLineFactory(account=account, mrr=Decimal("250.50"), renewal_date=TODAY + dt.timedelta(days=100))
    ContractLineFactory(account=account, mrr=Decimal("9999"), start_date=TODAY - dt.timedelta(days=400), end_date=TODAY - dt.timedelta(days=1))
    ContractLineFactory(account=account, mrr=Decimal("7777"), start_date=TODAY + dt.timedelta(days=10))
    AccountFactory(organization=globex, name="Globex's customer")

    # When alice opens the list
    response = alice_client.get(URL)

    # Then ARR is 12 × the MRR active today and the next renewal is the earliest upcoming one
    body = response.content.decode()
    assert response.status_code == 200
    assert _names(response) == ["Initech"]
    assert "$15,006" in body  # 12 × 1,250.50
    assert (TODAY + dt.timedelta(days=40)).strftime("%b %-d, %Y") in body
    assert "Globex" not in body.replace("Globex Systems", "")


def test_search_matches_name_external_id_and_domain(acme, alice_client):
    AccountFactory(organization=acme, name="Hooli", external_id="crm-001", domain="hooli.example")
    AccountFactory(organization=acme, name="Pied Piper", external_id="crm-002", domain="piedpiper.example")
    AccountFactory(organization=acme, name="Aviato", external_id="av-9", domain="aviato.example")

    assert _names(alice_client.get(URL, {"q": "hoo"})) == ["Hooli"]
    assert _names(alice_client.get(URL, {"q": "CRM-00"})) == ["Hooli", "Pied Piper"]
    assert _names(alice_client.get(URL, {"q": "aviato.ex"})) == ["Aviato"]
    response = alice_client.get(URL, {"q": "nothing-like-this"})
    assert _names(response) == [] and "No account matches these filters." in response.content.decode()


def test_filters_by_segment_stage_owner_and_touch_model(acme, alice, bob, alice_client):
    AccountFactory(organization=acme, name="A", segment="smb", lifecycle_stage="onboarding", owner=bob, touch_model="tech")
    AccountFactory(organization=acme, name="B", segment="enterprise", lifecycle_stage="at_risk", owner=alice, touch_model="human")
    AccountFactory(organization=acme, name="C", segment="enterprise", lifecycle_stage="mature", owner=None, touch_model="human")

    assert _names(alice_client.get(URL, {"segment": "enterprise"})) == ["B", "C"]
    assert _names(alice_client.get(URL, {"lifecycle_stage": "at_risk"})) == ["B"]
    assert _names(alice_client.get(URL, {"owner": str(bob.pk)})) == ["A"]
    assert _names(alice_client.get(URL, {"owner": "none"})) == ["C"]
    assert _names(alice_client.get(URL, {"touch_model": "human", "segment": "enterprise", "lifecycle_stage": "mature"})) == ["C"]


def test_an_unknown_filter_value_is_a_400_with_a_message(acme, alice_client):
    AccountFactory(organization=acme, name="A")
    response = alice_client.get(URL, {"segment": "galactic"})
    assert response.status_code == 400
    assert "Select a valid choice" in response.content.decode()


def test_sorts_by_name_arr_renewal_and_start_date(acme, alice_client):
    # Given three accounts with different ARR, renewals and start dates (one without any line)
    big = AccountFactory(organization=acme, name="big", start_date=TODAY - dt.timedelta(days=30))
    small = AccountFactory(organization=acme, name="Small", start_date=TODAY - dt.timedelta(days=900))
    AccountFactory(organization=acme, name="none", start_date=TODAY - dt.timedelta(days=300))
    ContractLineFactory(account=big, mrr=Decimal("5000"), renewal_date=TODAY + dt.timedelta(days=200))
    ContractLineFactory(account=small, mrr=Decimal("100"), renewal_date=TODAY + dt.timedelta(days=20))

    assert _names(alice_client.get(URL)) == ["big", "none", "Small"]  # case-insensitive name order
    assert _names(alice_client.get(URL, {"sort": "-name"})) == ["Small", "none", "big"]
    assert _names(alice_client.get(URL, {"sort": "-arr"})) == ["big", "Small", "none"]
    assert _names(alice_client.get(URL, {"sort": "arr"})) == ["none", "Small", "big"]
    assert _names(alice_client.get(URL, {"sort": "renewal"})) == ["Small", "big", "none"]  # no renewal last
    assert _names(alice_client.get(URL, {"sort": "-renewal"})) == ["big", "Small", "none"]
    assert _names(alice_client.get(URL, {"sort": "-start"})) == ["big", "none", "Small"]


def test_it_paginates_25_per_page_and_keeps_the_filters_in_page_links(acme, alice_client):
    for n in range(30):
        AccountFactory(organization=acme, name=f"Account {n:02d}", segment="smb")
    AccountFactory(organization=acme, name="Enterprise one", segment="enterprise")

    first = alice_client.get(URL, {"segment": "smb"})
    second = alice_client.get(URL, {"segment": "smb", "page": 2})

    assert _names(first) == [f"Account {n:02d}" for n in range(25)]
    assert _names(second) == [f"Account {n:02d}" for n in range(25, 30)]
    assert "segment=smb&amp;page=2" in first.content.decode()
    assert "Page 2 of 2" in second.content.decode()


def test_new_account_button_shows_for_csms_but_not_viewers(acme, bob_client, viewer_client):
    assert "New account" in bob_client.get(URL).content.decode()
    response = viewer_client.get(URL)
    assert response.status_code == 200 and "New account" not in response.content.decode()


def test_an_empty_organization_explains_where_accounts_come_from(acme, alice_client):
    assert "No accounts yet." in alice_client.get(URL).content.decode()


def _make_accounts(acme, owner, count: int) -> None:
    for _ in range(count):
        account = AccountFactory(organization=acme, owner=owner)
        ContractLineFactory(account=account)
        ContractLineFactory(account=account, product="Add-on", is_addon=True, mrr=Decimal("50"))


def test_the_list_query_count_does_not_grow_with_the_accounts_shown(acme, bob, alice_client, django_assert_max_num_queries):
    # Given 2 accounts, then 20 accounts (each with an owner and two contract lines)
    _make_accounts(acme, bob, 2)
    with CaptureQueriesContext(connection) as few:
        assert alice_client.get(URL).status_code == 200
    _make_accounts(acme, bob, 18)

    # When the list is rendered again, Then it needs the same, small number of queries
    with django_assert_max_num_queries(12):
        response = alice_client.get(URL)
    with CaptureQueriesContext(connection) as many:
        alice_client.get(URL)
    assert len(_names(response)) == 20
    assert len(many.captured_queries) == len(few.captured_queries)


def test_another_organizations_member_gets_404(acme, charlie_client):
    AccountFactory(organization=acme, name="Secret customer")
    response = charlie_client.get(URL)
    assert response.status_code == 404 and "Secret customer" not in response.content.decode()
    assert Account.objects.count() == 1
