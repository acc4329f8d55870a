"""``seed_demo`` seeds the demo organizations once: running it again adds nothing."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from accounts.models import Account, ContractLine, Note, UsageEvent
from retention.models import Membership, Organization, User


@pytest.fixture(autouse=True)
def _simulation_dir(settings, tmp_path):
    settings.SIMULATION_DIR = tmp_path


def _counts() -> dict:
    return {
        "organizations": Organization.objects.filter(slug__in=["northwind", "bluebird"]).count(),
        "users": User.objects.count(),
        "memberships": Membership.objects.count(),
        "accounts": Account.objects.count(),
        "contract_lines": ContractLine.objects.count(),
        "notes": Note.objects.count(),
        "events": UsageEvent.objects.count(),
    }


@pytest.mark.django_db(transaction=True)
def test_seed_demo_is_idempotent_and_prints_the_logins():
    options = {"small_accounts": 3, "large_accounts": 5, "days": 60, "backfill_days": 0, "skip_nightly": True, "no_progress": True}
    out = io.StringIO()

    # given a first run
    call_command("seed_demo", stdout=out, **options)
    first = _counts()

    # when it runs again
    call_command("seed_demo", stdout=io.StringIO(), **options)

    # then nothing was added, and both organizations hold their simulated customers
    assert _counts() == first
    assert first["organizations"] == 2 and first["accounts"] == 8 and first["events"] > 0
    assert Account.objects.filter(organization__slug="bluebird").count() == 5
    # the demo CSM owns some accounts, and the logins are printed
    csm = User.objects.get(email="csm@demo.test")
    assert Membership.objects.filter(user=csm, organization__slug="bluebird", role="csm").exists()
    for email in ("owner@demo.test", "csm@demo.test", "viewer@demo.test"):
        assert email in out.getvalue()
    assert "retention-demo" in out.getvalue()
