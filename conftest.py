"""Fixtures every test module shares: two organizations, alice (owner) and bob (CSM) in Acme,
charlie (owner) in Globex, their logged-in clients and API keys."""

from __future__ import annotations

import pytest
from django.db.backends.signals import connection_created
from rest_framework.test import APIClient

from retention.models import Role
from retention.tests.factories import MembershipFactory, OrganizationFactory, UserFactory

pytest_plugins = ["tests.browser"]


def _bypass_rls_outside_requests(sender, connection, **kwargs):
    """Test set-up and assertions see every organization's rows.

    Each request still runs with row-level security on: the tenancy kernel sets
    ``app.rls_bypass = off`` for the request's transaction, and the test settings restore the
    bypass afterwards. ``retention/tests/test_rls.py`` turns it off to test the policies.
    """
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('app.rls_bypass', 'on', false)")


connection_created.connect(_bypass_rls_outside_requests, dispatch_uid="test-rls-bypass")


@pytest.fixture
def acme(db):
    return OrganizationFactory(name="Acme Analytics", slug="acme")


@pytest.fixture
def globex(db):
    return OrganizationFactory(name="Globex Systems", slug="globex")


@pytest.fixture
def alice(acme):
    user = UserFactory(email="alice@acme.test", full_name="Alice Owner")
    MembershipFactory(organization=acme, user=user, role=Role.OWNER)
    return user


@pytest.fixture
def bob(acme):
    user = UserFactory(email="bob@acme.test", full_name="Bob Csm")
    MembershipFactory(organization=acme, user=user, role=Role.CSM)
    return user


@pytest.fixture
def charlie(globex):
    user = UserFactory(email="charlie@globex.test", full_name="Charlie Other")
    MembershipFactory(organization=globex, user=user, role=Role.OWNER)
    return user


def _client_for(user):
    from django.test import Client

    client = Client()
    client.force_login(user)
    return client


@pytest.fixture
def alice_client(alice):
    return _client_for(alice)


@pytest.fixture
def bob_client(bob):
    return _client_for(bob)


@pytest.fixture
def charlie_client(charlie):
    return _client_for(charlie)


@pytest.fixture
def acme_key(acme):
    from retention import services

    return services.api_key_create(organization=acme, name="Acme integration", scopes=["read", "write"]).raw


@pytest.fixture
def globex_key(globex):
    from retention import services

    return services.api_key_create(organization=globex, name="Globex integration", scopes=["read", "write"]).raw


@pytest.fixture
def acme_api(acme_key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {acme_key}")
    return client


@pytest.fixture
def globex_api(globex_key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {globex_key}")
    return client
