"""event_batch_ingest: per-item validation, idempotency, tenancy and exact incremental rollups."""

from __future__ import annotations

import datetime as dt

import pytest
from django.conf import settings

from accounts import ingest
from accounts.ingest import event_batch_ingest, rollup_snapshot, rollups_recount
from accounts.models import Account, DailyActiveUser, DailyEventCount, UsageEvent, UserLastActive
from accounts.tests.factories import AccountFactory

NOW = dt.datetime(2026, 5, 10, 12, 0, tzinfo=dt.UTC)


def _event(n: int, **overrides) -> dict:
    event = {
        "account": "cust-1",
        "user": "u-1",
        "event": "report_generated",
        "timestamp": "2026-05-10T09:00:00Z",
        "properties": {"format": "pdf"},
        "value": 2,
        "message_id": f"m-{n}",
    }
    event.update(overrides)
    return event


@pytest.fixture
def customer(acme):
    return AccountFactory(organization=acme, external_id="cust-1")


def test_it_stores_valid_events_and_counts_them_in_the_rollups(acme, customer):
    # Given two events of one user and one of another, on one day
    events = [_event(1), _event(2, value=3.5), _event(3, user="u-2", value=None)]

    # When the batch is ingested
    result = event_batch_ingest(organization=acme, events=events, now=NOW)

    # Then every event is accepted, stored once, and counted in the day's rollups
    assert (result.accepted, result.duplicates, result.rejected) == (3, 0, 0)
    assert [r.status for r in result.results] == ["accepted"] * 3
    stored = UsageEvent.objects.get(organization=acme, message_id="m-1")
    assert (stored.account_id, stored.user_external_id, stored.event, stored.properties, stored.value) == (
        customer.pk,
        "u-1",
        "report_generated",
        {"format": "pdf"},
        2.0,
    )
    assert stored.timestamp == dt.datetime(2026, 5, 10, 9, 0, tzinfo=dt.UTC)
    rollup = DailyEventCount.objects.get(organization=acme, account=customer, day=dt.date(2026, 5, 10), event="report_generated")
    assert (rollup.count, rollup.value_sum) == (3, 5.5)
    assert set(DailyActiveUser.objects.filter(account=customer).values_list("day", "user_external_id")) == {
        (dt.date(2026, 5, 10), "u-1"),
        (dt.date(2026, 5, 10), "u-2"),
    }


def test_it_acknowledges_a_resent_batch_as_duplicates_and_does_not_count_it_twice(acme, customer):
    # Given a batch already ingested
    event_batch_ingest(organization=acme, events=[_event(1), _event(2)], now=NOW)

    # When the same events come again with a new one
    result = event_batch_ingest(organization=acme, events=[_event(1), _event(2), _event(3)], now=NOW)

    # Then only the new one is stored and counted
    assert [r.status for r in result.results] == ["duplicate", "duplicate", "accepted"]
    assert (result.accepted, result.duplicates, result.rejected) == (1, 2, 0)
    assert UsageEvent.objects.filter(organization=acme).count() == 3
    assert DailyEventCount.objects.get(account=customer).count == 3


def test_a_message_id_repeated_within_one_batch_is_a_duplicate(acme, customer):
    result = event_batch_ingest(organization=acme, events=[_event(1), _event(1, event="other"), _event(2)], now=NOW)

    assert [r.status for r in result.results] == ["accepted", "duplicate", "accepted"]
    assert UsageEvent.objects.get(message_id="m-1").event == "report_generated"
    assert DailyEventCount.objects.filter(account=customer).count() == 1


def test_a_rejected_first_copy_does_not_make_a_valid_repeat_a_duplicate(acme, customer):
    result = event_batch_ingest(organization=acme, events=[_event(1, timestamp="yesterday"), _event(1)], now=NOW)

    assert [(r.status, r.code) for r in result.results] == [("rejected", "invalid_value"), ("accepted", None)]


@pytest.mark.parametrize("field", ["account", "event", "timestamp", "message_id"])
@pytest.mark.parametrize("absent", ["missing", None, ""])
def test_it_rejects_an_event_without_a_required_field(acme, customer, field, absent):
    event = _event(1)
    if absent == "missing":
        del event[field]
    else:
        event[field] = absent

    result = event_batch_ingest(organization=acme, events=[event, _event(2)], now=NOW)

    first = result.results[0]
    assert (first.status, first.code) == ("rejected", "missing_field")
    assert field in first.detail
    assert result.results[1].status == "accepted"
    assert UsageEvent.objects.filter(organization=acme).count() == 1


@pytest.mark.parametrize(
    ("overrides", "code"),
    [
        ({"account": 42}, "invalid_type"),
        ({"user": ["u"]}, "invalid_type"),
        ({"event": {"name": "x"}}, "invalid_type"),
        ({"message_id": 7}, "invalid_type"),
        ({"timestamp": 1715000000}, "invalid_type"),
        ({"properties": ["a"]}, "invalid_type"),
        ({"properties": "a=b"}, "invalid_type"),
        ({"value": "3"}, "invalid_type"),
        ({"value": True}, "invalid_type"),
        ({"value": float("nan")}, "invalid_value"),
        ({"value": float("inf")}, "invalid_value"),
        ({"timestamp": "10/05/2026"}, "invalid_value"),
        ({"event": "e" * 101}, "invalid_value"),
        ({"message_id": "m" * 101}, "invalid_value"),
        ({"user": "u" * 101}, "invalid_value"),
        ({"event": "nul\x00byte"}, "invalid_value"),
        ({"user": "lone \ud800 surrogate"}, "invalid_value"),
        ({"properties": {"text": "nul\x00byte"}}, "invalid_value"),
        ({"properties": {"text": "lone \udfff"}}, "invalid_value"),
        ({"properties": {"x": float("nan")}}, "invalid_value"),
        ({"properties": {"tags": {"a", "b"}}}, "invalid_value"),
        ({"properties": {"big": 2**70}}, "invalid_value"),
        ({"properties": {"blob": "x" * 40_000}}, "invalid_value"),
    ],
)
def test_it_rejects_bad_types_and_values_one_by_one(acme, customer, overrides, code):
    # Given a bad event between two good ones
    events = [_event(1), _event(2, **overrides), _event(3)]

    result = event_batch_ingest(organization=acme, events=events, now=NOW)

    # Then only the bad one is rejected, with a stable code and a message
    assert [r.status for r in result.results] == ["accepted", "rejected", "accepted"]
    assert result.results[1].code == code
    assert result.results[1].detail
    assert set(UsageEvent.objects.filter(organization=acme).values_list("message_id", flat=True)) == {"m-1", "m-3"}


def test_a_non_object_event_is_rejected_as_invalid_type(acme, customer):
    result = event_batch_ingest(organization=acme, events=["m-1", None, _event(3)], now=NOW)

    assert [(r.status, r.code) for r in result.results] == [("rejected", "invalid_type"), ("rejected", "invalid_type"), ("accepted", None)]


def test_a_literal_backslash_u0000_text_in_properties_is_kept(acme, customer):
    result = event_batch_ingest(organization=acme, events=[_event(1, properties={"path": "C:\\u0000dir", "quote": 'say "hi",\nbye\t\\'})], now=NOW)

    assert result.accepted == 1
    assert UsageEvent.objects.get(message_id="m-1").properties == {"path": "C:\\u0000dir", "quote": 'say "hi",\nbye\t\\'}


def test_awkward_text_survives_the_copy_unchanged(acme):
    # Given an account and names with commas, quotes, newlines, backslashes and non-ASCII text
    AccountFactory(organization=acme, external_id='acct, "quoted"\n\\ ü')
    odd = 'clicked "Export", then\r\nleft \\ 😀'

    result = event_batch_ingest(organization=acme, events=[_event(1, account='acct, "quoted"\n\\ ü', user=odd, event=odd, message_id=odd)], now=NOW)

    assert result.accepted == 1
    stored = UsageEvent.objects.get(organization=acme)
    assert (stored.user_external_id, stored.event, stored.message_id) == (odd, odd, odd)


def test_it_rejects_a_timestamp_more_than_one_hour_in_the_future(acme, customer):
    events = [
        _event(1, timestamp=(NOW + dt.timedelta(hours=1)).isoformat()),
        _event(2, timestamp=(NOW + dt.timedelta(hours=1, seconds=1)).isoformat()),
        _event(3, timestamp="2026-05-10T15:00:00+02:00"),  # 13:00 UTC: within the hour
    ]

    result = event_batch_ingest(organization=acme, events=events, now=NOW)

    assert [(r.status, r.code) for r in result.results] == [("accepted", None), ("rejected", "timestamp_in_future"), ("accepted", None)]


def test_it_rejects_an_unknown_account(acme, customer):
    result = event_batch_ingest(organization=acme, events=[_event(1, account="nobody"), _event(2)], now=NOW)

    assert (result.results[0].status, result.results[0].code) == ("rejected", "unknown_account")
    assert "nobody" in result.results[0].detail
    assert result.results[1].status == "accepted"


def test_an_account_of_another_organization_is_unknown(acme, globex, customer):
    # Given an account "cust-1" only in Acme
    # When Globex ingests an event for "cust-1"
    result = event_batch_ingest(organization=globex, events=[_event(1)], now=NOW)

    # Then it is rejected and nothing is written anywhere
    assert (result.results[0].status, result.results[0].code) == ("rejected", "unknown_account")
    assert UsageEvent.objects.count() == 0
    assert DailyEventCount.objects.count() == 0


def test_message_ids_are_unique_per_organization_not_globally(acme, globex, customer):
    AccountFactory(organization=globex, external_id="cust-1")
    event_batch_ingest(organization=acme, events=[_event(1)], now=NOW)

    result = event_batch_ingest(organization=globex, events=[_event(1)], now=NOW)

    assert result.accepted == 1
    assert UsageEvent.objects.filter(message_id="m-1").count() == 2


def test_a_late_event_updates_its_own_utc_day(acme, customer):
    # Given today's rollups
    event_batch_ingest(organization=acme, events=[_event(1)], now=NOW)

    # When an event from three days ago arrives, stamped 01:30 at UTC+02:00 (the day before in UTC)
    event_batch_ingest(organization=acme, events=[_event(2, timestamp="2026-05-07T01:30:00+02:00", user="u-9")], now=NOW)

    # Then it lands on the UTC day of its timestamp, and today's count is unchanged
    days = dict(DailyEventCount.objects.filter(account=customer).values_list("day", "count"))
    assert days == {dt.date(2026, 5, 10): 1, dt.date(2026, 5, 6): 1}
    assert DailyActiveUser.objects.filter(account=customer, day=dt.date(2026, 5, 6), user_external_id="u-9").exists()


def test_an_event_without_a_user_counts_but_adds_no_active_user(acme, customer):
    event_batch_ingest(organization=acme, events=[_event(1, user=None), _event(2, user="")], now=NOW)

    assert DailyEventCount.objects.get(account=customer).count == 2
    assert not DailyActiveUser.objects.exists()


def test_a_naive_timestamp_and_a_datetime_are_taken_as_given_in_utc(acme, customer):
    events = [_event(1, timestamp="2026-05-09T23:59:59"), _event(2, timestamp=dt.datetime(2026, 5, 9, 23, 0, tzinfo=dt.UTC))]

    result = event_batch_ingest(organization=acme, events=events, now=NOW)

    assert result.accepted == 2
    assert DailyEventCount.objects.get(account=customer).day == dt.date(2026, 5, 9)


def test_an_empty_batch_is_a_no_op(acme):
    result = event_batch_ingest(organization=acme, events=[], now=NOW)

    assert result == ingest.BatchResult(accepted=0, duplicates=0, rejected=0, results=[])


def test_a_large_batch_in_one_call(acme):
    # Given 20,000 events over 50 accounts and 10 days (as the simulator sends them)
    for n in range(50):
        AccountFactory(organization=acme, external_id=f"big-{n}")
    events = [
        _event(n, account=f"big-{n % 50}", user=f"u-{n % 7}", event=f"e{n % 5}", timestamp=f"2026-05-0{n % 9 + 1}T10:00:00Z", value=1) for n in range(20_000)
    ]

    result = event_batch_ingest(organization=acme, events=events, now=NOW)

    assert result.accepted == 20_000
    assert sum(DailyEventCount.objects.filter(organization=acme).values_list("count", flat=True)) == 20_000
    assert rollup_snapshot(organization=acme) == rollups_recount(organization=acme)


def test_a_bulk_loader_may_pass_decimal_values_and_dict_subclasses(acme, customer):
    from collections import OrderedDict
    from decimal import Decimal

    result = event_batch_ingest(organization=acme, events=[_event(1, value=Decimal("2.25"), properties=OrderedDict(a=1))], now=NOW)

    assert result.accepted == 1
    assert DailyEventCount.objects.get(account=customer).value_sum == 2.25


def test_deleting_an_account_through_the_orm_deletes_its_events_and_rollups(acme, customer):
    # The event and rollup tables have no database-level foreign keys (per-row key checks cost
    # ingestion dearly); Django's on_delete still cascades, so nothing outlives its account.
    other = AccountFactory(organization=acme, external_id="cust-2")
    event_batch_ingest(organization=acme, events=[_event(1), _event(2, account="cust-2")], now=NOW)
    customer.delete()
    assert list(UsageEvent.objects.values_list("account_id", flat=True)) == [other.id]
    assert set(DailyEventCount.objects.values_list("account_id", flat=True)) == {other.id}
    assert set(DailyActiveUser.objects.values_list("account_id", flat=True)) == {other.id}
    assert set(UserLastActive.objects.values_list("account_id", flat=True)) == {other.id}


@pytest.mark.django_db
def test_the_event_count_rollup_leaves_room_for_in_place_updates():
    from django.db import connection

    if connection.vendor != "postgresql":
        pytest.skip("fillfactor is a PostgreSQL storage setting")
    with connection.cursor() as cursor:
        cursor.execute("SELECT reloptions FROM pg_class WHERE relname = 'accounts_dailyeventcount'")
        assert "fillfactor=70" in (cursor.fetchone()[0] or [])


@pytest.mark.skipif(not settings.IS_POSTGRES, reason="the staging table and the prepared statement are PostgreSQL's")
@pytest.mark.django_db(transaction=True)
def test_the_prepared_statement_survives_a_rolled_back_first_batch_and_a_reconnect():
    from django.db import connection, transaction

    from retention.tests.factories import OrganizationFactory

    organization = OrganizationFactory(slug="prepared")
    AccountFactory(organization=organization, external_id="cust-1")
    connection.close()

    # Given a first batch on a new connection, rolled back by its caller: the staging table it
    # created is gone, the statement it prepared is not
    class Undo(Exception):
        pass

    with pytest.raises(Undo), transaction.atomic():
        assert event_batch_ingest(organization=organization, events=[_event(1)], now=NOW).accepted == 1
        raise Undo
    # When the next batches arrive on the same connection, and then on a new one
    second = event_batch_ingest(organization=organization, events=[_event(1), _event(2)], now=NOW)
    connection.close()
    third = event_batch_ingest(organization=organization, events=[_event(2), _event(3), _event(4, account="nobody")], now=NOW)

    # Then each is stored once, answered item by item, and counted once
    assert [r.status for r in second.results] == ["accepted", "accepted"]
    assert [(r.status, r.code) for r in third.results] == [("duplicate", None), ("accepted", None), ("rejected", "unknown_account")]
    assert UsageEvent.objects.filter(organization=organization).count() == 3
    assert rollup_snapshot(organization=organization) == rollups_recount(organization=organization)
    assert sum(count for count, _ in rollup_snapshot(organization=organization).event_counts.values()) == 3


_SHAPES = [
    {},
    {"timestamp": "2026-05-10T09:00:00.5+00:00", "value": 2.25},
    {"timestamp": "2026-05-10T09:00:00.123456-00:00", "value": -7, "properties": {}},
    {"user": None, "properties": None, "value": None},
    {"user": "", "properties": {"quote": 'say "hi", then go', "nested": {"list": [1, 2.5, "x"]}, "comma,key": True}},
    {"account": "cust,2", "user": 'u"quoted"', "event": "a,b"},  # ids the CSV must quote
    {"event": "line\nbreak", "user": "carriage\rreturn"},
    {"timestamp": "2026-05-10T11:00:00+02:00"},  # an offset: converted, field by field
    {"timestamp": "2026-05-10T09:00:00"},  # no offset: UTC, field by field
    {"timestamp": "2026-W19-7T09:00:00Z"},  # a week date: PostgreSQL cannot read it, so it is re-rendered
    {"user": "ünïcode", "value": 10**20},
    {"properties": {"big": 2**70}},  # beyond 64 bits: rejected either way
    {"timestamp": "2026-05-10T13:00:01Z"},  # more than an hour ahead of NOW: rejected either way
    {"timestamp": "２０２６-05-10T09:00:00Z"},  # digits, but not ASCII ones: rejected either way
]


def test_the_common_shape_and_the_field_by_field_path_answer_and_store_alike(acme, globex, monkeypatch):
    # Given the same events for two organizations with the same accounts
    for organization in (acme, globex):
        AccountFactory(organization=organization, external_id="cust-1")
        AccountFactory(organization=organization, external_id="cust,2")
    events = [_event(n, **shape) for n, shape in enumerate(_SHAPES)]
    assert ingest._common_row(0, events[0], NOW + ingest.FUTURE_TOLERANCE) is not None  # the fast path is taken

    # When one organization's go through the usual path and the other's field by field only
    fast = event_batch_ingest(organization=acme, events=events, now=NOW)
    monkeypatch.setattr(ingest, "_common_row", lambda index, event, latest: None)
    slow = event_batch_ingest(organization=globex, events=events, now=NOW)

    # Then every answer is the same, and so is every stored row and rollup
    assert [(r.status, r.code, r.detail) for r in fast.results] == [(r.status, r.code, r.detail) for r in slow.results]
    assert fast.accepted == 11 and fast.rejected == 3

    def stored(organization):
        return sorted(
            UsageEvent.objects.filter(organization=organization).values_list(
                "account__external_id", "user_external_id", "event", "timestamp", "properties", "value", "message_id"
            ),
            key=repr,
        )

    assert stored(acme) == stored(globex)
    assert {row[3] for row in stored(acme)} >= {dt.datetime(2026, 5, 10, 9, 0, 0, 500000, tzinfo=dt.UTC), NOW - dt.timedelta(hours=3)}

    def rollups(organization):
        snapshot = rollup_snapshot(organization=organization)
        names = dict(Account.objects.filter(organization=organization).values_list("id", "external_id"))
        return sorted((names[a], d, e, c) for (a, d, e), c in snapshot.event_counts.items())

    assert rollups(acme) == rollups(globex)
