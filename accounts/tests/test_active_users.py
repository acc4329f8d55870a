"""Distinct active users per account over trailing windows, from the rollups that ingestion keeps
(``UserLastActive``, and ``DailyActiveUser`` when the past is replayed)."""

from __future__ import annotations

import datetime as dt

import pytest

from accounts.ingest import event_batch_ingest
from accounts.models import Account
from accounts.selectors import active_users_by_window, active_users_memo
from accounts.tests.factories import AccountFactory

pytestmark = pytest.mark.django_db
D = dt.date(2026, 6, 30)


def _active(account, days_ago: int, *users: str) -> None:
    moment = dt.datetime.combine(D - dt.timedelta(days=days_ago), dt.time(12), tzinfo=dt.UTC)
    events = [
        {"account": account.external_id, "user": u, "event": "login", "timestamp": moment.isoformat(), "message_id": f"{account.external_id}-{days_ago}-{u}"}
        for u in users
    ]
    result = event_batch_ingest(organization=account.organization, events=events)
    assert result.accepted == len(users)


@pytest.fixture
def usage(acme, globex):
    a = AccountFactory(organization=acme)
    b = AccountFactory(organization=acme)
    idle = AccountFactory(organization=acme)
    back = AccountFactory(organization=acme)  # users active again after the day
    _active(a, 0, "ann", "bob")
    _active(a, 5, "bob")  # bob twice: one user
    _active(a, 20, "cat")
    _active(a, 45, "dan")
    _active(a, -1, "eve")  # after the day: never counted
    _active(b, 27, "zed")  # the first day of a 28-day window
    _active(b, 28, "yan")  # one day before it
    _active(idle, 90, "old")
    _active(back, 3, "fay")
    _active(back, -1, "fay", "gus", "hal")
    _active(back, -2, "fay")  # fay's two latest days are both after the day
    _active(back, 10, "gus")  # gus's latest day before his return
    foreign = AccountFactory(organization=globex)
    _active(foreign, 0, "ann")
    return {"a": a.id, "b": b.id, "idle": idle.id, "back": back.id, "foreign": foreign.id}


def test_distinct_users_per_account_and_window_are_counted_by_hand(acme, usage):
    counts = active_users_by_window(organization=acme, as_of=D, windows=[7, 28, 60])
    a, b, back = usage["a"], usage["b"], usage["back"]
    assert counts == {(a, 7): 2, (a, 28): 3, (a, 60): 4, (b, 28): 1, (b, 60): 2, (back, 7): 1, (back, 28): 2, (back, 60): 2}
    # Accounts without users in any window, and other organizations' accounts, are absent.
    assert not any(aid in (usage["idle"], usage["foreign"]) for aid, _ in counts)


def test_an_account_filter_narrows_the_answer(acme, usage):
    assert active_users_by_window(organization=acme, as_of=D, windows=[28], account_ids=[usage["b"]]) == {(usage["b"], 28): 1}
    assert active_users_by_window(organization=acme, as_of=D, windows=[28], account_ids=[]) == {}


def test_users_active_again_after_the_day_count_by_their_day_before_it(acme, usage, django_assert_num_queries):
    back = usage["back"]
    # Scoring the day before: ann (first seen on D) is not counted, bob (D and D-5) is, by his
    # stored previous day; no daily rows are read.
    with django_assert_num_queries(2):
        assert active_users_by_window(organization=acme, as_of=D - dt.timedelta(days=1), windows=[7, 28], account_ids=[usage["a"]]) == {
            (usage["a"], 7): 1,
            (usage["a"], 28): 2,
        }
    # fay's two latest days both come after the day: her account's daily rows are recounted.
    with django_assert_num_queries(3):
        assert active_users_by_window(organization=acme, as_of=D, windows=[7, 28], account_ids=[back]) == {(back, 7): 1, (back, 28): 2}
    # Replaying an earlier day: only gus (D-10) was active in the windows ending D-4.
    assert active_users_by_window(organization=acme, as_of=D - dt.timedelta(days=4), windows=[7, 28], account_ids=[back]) == {(back, 7): 1, (back, 28): 1}


def test_late_events_never_move_a_users_last_day_back(acme, usage):
    before = active_users_by_window(organization=acme, as_of=D, windows=[7, 28, 60])
    _active(Account.objects.get(pk=usage["a"]), 50, "ann", "zoe")  # late: an older day for ann; zoe is new
    after = active_users_by_window(organization=acme, as_of=D, windows=[7, 28, 60])
    a = usage["a"]
    assert after == before | {(a, 60): before[(a, 60)] + 1}


def test_within_a_memo_the_organization_is_read_once_for_every_narrower_question(acme, usage, django_assert_num_queries):
    with active_users_memo():
        with django_assert_num_queries(3):  # the pairs, the replayed accounts, their daily rows
            first = active_users_by_window(organization=acme, as_of=D, windows=[28], account_ids=[usage["a"]])
        with django_assert_num_queries(0):
            second = active_users_by_window(organization=acme, as_of=D, windows=[28], account_ids=[usage["b"]])
            whole = active_users_by_window(organization=acme, as_of=D, windows=[28])
    assert first == {(usage["a"], 28): 3} and second == {(usage["b"], 28): 1}
    assert whole == active_users_by_window(organization=acme, as_of=D, windows=[28])
    # Outside the memo every call reads again.
    with django_assert_num_queries(2):
        active_users_by_window(organization=acme, as_of=D, windows=[28], account_ids=[usage["a"]])
