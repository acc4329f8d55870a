"""The ``__any`` lookup: membership in a list of ids, bound as one array on PostgreSQL."""

from __future__ import annotations

import pytest
from django.db import connection

from accounts.models import Account, Contact
from accounts.tests.factories import AccountFactory, ContactFactory

pytestmark = pytest.mark.django_db


def test_any_matches_the_listed_ids_like_in(acme):
    a, b, c = AccountFactory.create_batch(3, organization=acme)
    assert set(Account.objects.filter(id__any=[a.id, c.id])) == {a, c}
    assert set(Account.objects.filter(id__any=[a.id, c.id])) == set(Account.objects.filter(id__in=[a.id, c.id]))
    assert list(Account.objects.filter(id__any=[])) == []
    assert set(Account.objects.exclude(id__any=[a.id])) == {b, c}


def test_any_works_across_a_relation(acme):
    a, b = AccountFactory.create_batch(2, organization=acme)
    kept = ContactFactory(account=a)
    ContactFactory(account=b)
    assert list(Contact.objects.filter(account_id__any=[a.id])) == [kept]
    assert list(Contact.objects.filter(account__id__any=[a.id])) == [kept]


def test_on_postgresql_the_list_is_one_parameter(acme):
    query = Account.objects.filter(id__any=[1, 2, 3]).query
    sql, params = query.sql_with_params()
    if connection.vendor == "postgresql":
        assert "= ANY(%s)" in sql and [1, 2, 3] in params
    else:
        assert "IN (%s, %s, %s)" in sql
