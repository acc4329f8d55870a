"""Distinct active users per account over trailing windows, from the DailyActiveUser rollup."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.models import DailyActiveUser
from accounts.selectors import active_users_by_window, active_users_memo
from accounts.tests.factories import AccountFactory

pytestmark = pytest.mark.django_db
D = dt.date(2026, 6, 30)


def _active(account, days_ago: int, *users: str) -> None:
    DailyActiveUser.objects.bulk_create(
        [DailyActiveUser(organization=account.organization, account=account, day=D - dt.timedelta(days=days_ago), user_external_id=u) for u in users]
    )


@pytest.fixture
def usage(acme, globex):
    a = AccountFactory(organization=acme)
    b = AccountFactory(organization=acme)
    idle = AccountFactory(organization=acme)
    _active(a, 0, "ann", "bob")
    _active(a, 5, "bob")  # bob twice: one user
    _active(a, 20, "cat")
    _active(a, 45, "dan")
    _active(a, -1, "eve")  # after the day: never counted
    _active(b, 27, "zed")  # the first day of a 28-day window
    _active(b, 28, "yan")  # one day before it
    _active(idle, 90, "old")
    foreign = AccountFactory(organization=globex)
    _active(foreign, 0, "ann")
    return {"a": a.id, "b": b.id, "idle": idle.id, "foreign": foreign.id}


def test_distinct_users_per_account_and_window_are_counted_by_hand(acme, usage):
    counts = active_users_by_window(organization=acme, as_of=D, windows=[7, 28, 60])
    a, b = usage["a"], usage["b"]
    assert counts == {(a, 7): 2, (a, 28): 3, (a, 60): 4, (b, 28): 1, (b, 60): 2}
    # Accounts without users in any window, and other organizations' accounts, are absent.
    assert not any(aid in (usage["idle"], usage["foreign"]) for aid, _ in counts)


def test_an_account_filter_narrows_the_answer(acme, usage):
    assert active_users_by_window(organization=acme, as_of=D, windows=[28], account_ids=[usage["b"]]) == {(usage["b"], 28): 1}
    assert active_users_by_window(organization=acme, as_of=D, windows=[28], account_ids=[]) == {}


def test_within_a_memo_the_organization_is_read_once_for_every_narrower_question(acme, usage, django_assert_num_queries):
    with active_users_memo():
        with django_assert_num_queries(1):
            first = active_users_by_window(organization=acme, as_of=D, windows=[28], account_ids=[usage["a"]])
        with django_assert_num_queries(0):
            second = active_users_by_window(organization=acme, as_of=D, windows=[28], account_ids=[usage["b"]])
            whole = active_users_by_window(organization=acme, as_of=D, windows=[28])
    assert first == {(usage["a"], 28): 3} and second == {(usage["b"], 28): 1}
    assert whole == active_users_by_window(organization=acme, as_of=D, windows=[28])
    # Outside the memo every call reads again.
    with django_assert_num_queries(1):
        active_users_by_window(organization=acme, as_of=D, windows=[28], account_ids=[usage["a"]])
