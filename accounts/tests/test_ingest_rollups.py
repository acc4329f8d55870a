"""Property: after any sequence of batches (late events, re-sent and repeated message ids, bad
items), the incrementally maintained rollups equal a recount from the raw events — and equal
what the accepted events say they should be."""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter, defaultdict

import pytest
from django.conf import settings

from accounts import ingest
from accounts.ingest import event_batch_ingest, rollup_snapshot, rollups_recount
from accounts.models import UsageEvent
from accounts.tests.factories import AccountFactory

NOW = dt.datetime(2026, 5, 10, 12, 0, tzinfo=dt.UTC)
ZONES = [dt.UTC, dt.timezone(dt.timedelta(hours=5, minutes=30)), dt.timezone(dt.timedelta(hours=-8))]


def _random_batches(rng: random.Random, n_batches: int) -> list[list[dict]]:
    sent: list[dict] = []
    batches = []
    for b in range(n_batches):
        batch = []
        for i in range(rng.randint(0, 60)):
            roll = rng.random()
            if roll < 0.15 and sent:
                event = dict(rng.choice(sent))  # re-sent from an earlier batch
            elif roll < 0.22 and batch:
                event = dict(rng.choice(batch))  # repeated within this batch
            else:
                # mostly recent, some up to 60 days late, in several time zones, around midnight
                moment = NOW - dt.timedelta(minutes=rng.choice([rng.randint(0, 600), rng.randint(0, 60 * 24 * 60)]))
                event = {
                    "account": rng.choice(["a", "b", "c", "ghost"]),
                    "user": rng.choice(["u1", "u2", "u3", "", None]),
                    "event": rng.choice(["login", "export", "report"]),
                    "timestamp": moment.astimezone(rng.choice(ZONES)).isoformat(),
                    "value": rng.choice([None, 1, 2.5, -0.25]),
                    "message_id": f"m-{b}-{i}",
                }
                if rng.random() < 0.05:
                    event["timestamp"] = (NOW + dt.timedelta(hours=3)).isoformat()
                if rng.random() < 0.05:
                    del event["event"]
            batch.append(event)
        sent.extend(batch)
        batches.append(batch)
    return batches


def _expected_from(accepted: list[dict], account_ids: dict[str, int]):
    counts: dict = defaultdict(lambda: [0, 0.0])
    users = set()
    for event in accepted:
        day = dt.datetime.fromisoformat(event["timestamp"]).astimezone(dt.UTC).date()
        key = (account_ids[event["account"]], day, event["event"])
        counts[key][0] += 1
        counts[key][1] += event["value"] or 0
        if event["user"]:
            users.add((account_ids[event["account"]], day, event["user"]))
    return {k: (c, round(v, 6)) for k, (c, v) in counts.items()}, users


@pytest.mark.parametrize("seed", range(6))
@pytest.mark.parametrize("path", ["postgres", "portable"])
def test_incremental_rollups_equal_a_recount_after_random_batches(acme, globex, seed, path, monkeypatch):
    # Given three accounts in Acme (and a same-named one in Globex that must stay untouched)
    if path == "portable":
        monkeypatch.setattr(ingest, "_store_postgres", lambda *, in_transaction, **kwargs: ingest._store_portable(**kwargs))
    account_ids = {name: AccountFactory(organization=acme, external_id=name).pk for name in ("a", "b", "c")}
    AccountFactory(organization=globex, external_id="a")
    rng = random.Random(seed)

    # When a random sequence of batches is ingested
    accepted = []
    for batch in _random_batches(rng, 12):
        result = event_batch_ingest(organization=acme, events=batch, now=NOW)
        accepted.extend(batch[item.index] for item in result.results if item.status == "accepted")
        assert result.accepted + result.duplicates + result.rejected == len(batch)

    # Then every accepted event is stored once, and the rollups are exact
    assert len({e["message_id"] for e in accepted}) == len(accepted)
    assert UsageEvent.objects.filter(organization=acme).count() == len(accepted)
    incremental = rollup_snapshot(organization=acme)
    expected_counts, expected_users = _expected_from(accepted, account_ids)
    assert incremental.event_counts == expected_counts
    assert incremental.active_users == expected_users
    assert rollups_recount(organization=acme) == incremental
    assert rollup_snapshot(organization=globex).event_counts == {}


def test_the_random_batches_exercise_every_path(acme):
    # Guard for the property above: the generator really produces late, duplicate and bad events
    for name in ("a", "b", "c"):
        AccountFactory(organization=acme, external_id=name)
    statuses: Counter = Counter()
    for batch in _random_batches(random.Random(0), 12):
        for item in event_batch_ingest(organization=acme, events=batch, now=NOW).results:
            statuses[(item.status, item.code)] += 1
    days = set(UsageEvent.objects.filter(organization=acme).values_list("timestamp__date", flat=True))
    assert statuses[("accepted", None)] > 100
    assert statuses[("duplicate", None)] > 10
    assert {("rejected", "unknown_account"), ("rejected", "timestamp_in_future"), ("rejected", "missing_field")} <= set(statuses)
    assert len(days) > 20


@pytest.mark.skipif(not settings.IS_POSTGRES, reason="row locks between concurrent transactions: PostgreSQL only (SQLite has one writer at a time)")
@pytest.mark.django_db(transaction=True)
def test_concurrent_batches_sharing_message_ids_and_rollup_rows_neither_deadlock_nor_double_count():
    # Given one organization, and four clients whose batches overlap in message ids and in the
    # (account, day, event) rows they update, committing for real on separate connections
    import threading

    from django.db import connection

    from retention.tests.factories import OrganizationFactory

    organization = OrganizationFactory(slug="concurrent")
    for name in ("a", "b"):
        AccountFactory(organization=organization, external_id=name)
    errors: list[BaseException] = []

    def client(seed: int) -> None:
        rng = random.Random(seed)
        try:
            for _ in range(6):
                batch = [
                    {
                        "account": rng.choice("ab"),
                        "user": f"u{rng.randrange(4)}",
                        "event": rng.choice(["login", "export"]),
                        "timestamp": (NOW - dt.timedelta(hours=rng.randrange(72))).isoformat(),
                        "value": 1,
                        "message_id": f"shared-{rng.randrange(400)}",
                    }
                    for _ in range(150)
                ]
                event_batch_ingest(organization=organization, events=batch, now=NOW)
        except BaseException as exc:  # noqa: BLE001  (reported to the main thread below)
            errors.append(exc)
        finally:
            connection.close()

    # When they all send at once
    threads = [threading.Thread(target=client, args=(seed,)) for seed in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    # Then no batch failed, each message id is stored once, and the rollups are exact
    assert not errors, errors
    stored = UsageEvent.objects.filter(organization=organization).count()
    assert 0 < stored <= 400
    incremental = rollup_snapshot(organization=organization)
    assert sum(count for count, _ in incremental.event_counts.values()) == stored
    assert rollups_recount(organization=organization) == incremental
