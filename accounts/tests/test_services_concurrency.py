"""Upserts racing on the same external id: the loser of the insert race updates the winner's row
instead of failing or creating a duplicate. Needs real transactions in two threads."""

import threading
import time

import pytest
from django.db import connection, transaction

from accounts import services
from accounts.models import Account
from retention.models import AuditLogEntry
from retention.tests.factories import OrganizationFactory


@pytest.mark.django_db(transaction=True)
def test_a_concurrent_upsert_of_the_same_external_id_updates_instead_of_failing():
    # Given an organization, and a first upsert whose transaction stays open after inserting
    organization = OrganizationFactory(slug="race")
    inserted, release, outcome = threading.Event(), threading.Event(), {}

    def first():
        try:
            with transaction.atomic():
                services.account_upsert(organization=organization, external_id="same", actor=None, data={"name": "First"})
                inserted.set()
                release.wait(10)
        finally:
            connection.close()

    def second():
        try:
            outcome["result"] = services.account_upsert(organization=organization, external_id="same", actor=None, data={"name": "Second"})
        except Exception as exc:  # noqa: BLE001  (reported by the assertion below)
            outcome["error"] = exc
        finally:
            connection.close()

    first_thread = threading.Thread(target=first)
    first_thread.start()
    assert inserted.wait(10)

    # When a second upsert of the same external id starts (it waits on the first's uncommitted row)
    second_thread = threading.Thread(target=second)
    second_thread.start()
    time.sleep(0.5)
    release.set()
    first_thread.join(10)
    second_thread.join(10)

    # Then it neither fails nor duplicates: it updates the row the first one created
    assert "error" not in outcome, outcome.get("error")
    account, created = outcome["result"]
    assert created is False
    assert list(Account.objects.filter(organization=organization).values_list("external_id", "name")) == [("same", "Second")]
    assert sorted(AuditLogEntry.objects.filter(organization=organization).values_list("action", flat=True)) == ["account.created", "account.updated"]
