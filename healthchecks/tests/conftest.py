"""Fixtures of the health-check tests."""

import pytest

from accounts.tests.factories import AccountFactory


@pytest.fixture(autouse=True)
def _generous_rate_limits(settings):
    # The counters live in the shared Redis for a minute; tests that are not about rate limiting
    # must not trip over requests made by earlier tests. test_rate_limits.py sets its own limits.
    settings.SHARED_LINK_RATE_PER_ADDRESS = "100000/m"
    settings.SHARED_LINK_RATE_PER_LINK = "100000/m"


@pytest.fixture
def acme_account(acme):
    return AccountFactory(organization=acme, name="Initech", external_id="initech", segment="enterprise")


@pytest.fixture
def globex_account(globex):
    return AccountFactory(organization=globex, name="Umbrella Corp", external_id="umbrella", segment="smb")
