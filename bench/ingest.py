"""Benchmark: usage events through the real API vs a raw COPY of the same rows. Not a test.

    .venv/bin/python bench/ingest.py                 # 1,000,000 events (the issue's figure)
    .venv/bin/python bench/ingest.py --events 50000  # a quick run

It (re)creates its own PostgreSQL database (``retention_bench_ingest``), migrates it, creates an
organization, a write API key and 1,000 accounts, and starts gunicorn on loopback with
production settings. Concurrent clients post the events in 1,000-event batches to
``/api/v1/events/batch`` (idempotency and rollups on, every response checked). Then the same rows
are loaded with one raw ``COPY`` into a bare table that has only the same unique index, three
times, and the median is compared (each timed phase starts after a CHECKPOINT, so none pays for
flushing another's writes). It prints
events/s for both, their ratio, and the peak memory of the server (sum of the gunicorn processes'
VmHWM).
"""

from __future__ import annotations

import argparse
import csv
import http.client
import io
import json
import os
import random
import signal
import statistics
import subprocess
import sys
import threading
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import orjson

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.datasets import checkpoint  # noqa: E402  (each timed phase starts with no dirty pages left by the one before, untimed)
from bench.server import start_gunicorn  # noqa: E402

PG = "postgres://retention_app@127.0.0.1:5432"


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--events", type=int, default=1_000_000, help="events to send (default 1,000,000)")
    parser.add_argument("--batch", type=int, default=1000, help="events per request (at most 1,000)")
    parser.add_argument("--accounts", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=4, help="concurrent client connections")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=2, help="threads per gunicorn worker")
    parser.add_argument("--port", type=int, default=8719)
    parser.add_argument("--database", default="retention_bench_ingest")
    parser.add_argument("--raw-repeat", type=int, default=3, help="raw COPY loads (each into a new bare table); the median is compared")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/3", help="cache for the per-key throttle")
    what_if = parser.add_argument_group("what-if schema changes (applied to the bench database only, to size proposed migrations)")
    what_if.add_argument("--rollup-fillfactor", type=int, default=0, help="another fillfactor for accounts_dailyeventcount (the migration sets 70)")
    what_if.add_argument("--without-foreign-keys", action="store_true", help="drop the rollup tables' foreign keys too (the event table has none)")
    return parser.parse_args()


def _recreate_database(name: str) -> None:
    import psycopg2
    from psycopg2 import sql

    conn = psycopg2.connect(f"{PG}/postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    conn.close()


def _server_env(args: argparse.Namespace) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "retention.settings.production",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-not-for-production-use-0123456789",
        "DJANGO_SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback
        "DATABASE_URL": f"{PG}/{args.database}",
        "DATABASE_CONN_MAX_AGE": "600",  # persistent connections, as a deployment would configure
        "REDIS_URL": args.redis,
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "EVENTS_THROTTLE_RATE": "100000/min",  # the benchmark measures throughput, not the throttle
        "LOG_LEVEL": "WARNING",
    }


def _setup_tenant(args: argparse.Namespace) -> tuple[int, str, dict[str, int]]:
    """Migrate, then create the organization, a write key and the accounts (as system work)."""
    os.environ.update(_server_env(args))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.models import Account
    from retention import rls, services
    from retention.models import Organization

    call_command("migrate", verbosity=0)
    _apply_what_ifs(args)
    with rls.bypass():
        organization = Organization.objects.create(name="Bench Vendor", slug="bench")
        raw_key = services.api_key_create(organization=organization, name="bench", scopes=["read", "write"]).raw
        Account.objects.bulk_create(
            [Account(organization=organization, external_id=f"acct-{n:04d}", name=f"Customer {n}") for n in range(args.accounts)], batch_size=1000
        )
        account_ids = dict(Account.objects.filter(organization=organization).values_list("external_id", "id"))
    from django.db import connections

    connections.close_all()
    return organization.id, raw_key, account_ids


def _apply_what_ifs(args: argparse.Namespace) -> None:
    from django.db import connection

    with connection.cursor() as cursor:
        if args.rollup_fillfactor:
            cursor.execute(f"ALTER TABLE accounts_dailyeventcount SET (fillfactor = {int(args.rollup_fillfactor)})")
        if args.without_foreign_keys:
            cursor.execute(
                """SELECT conrelid::regclass::text, conname FROM pg_constraint WHERE contype = 'f'
                   AND conrelid::regclass::text IN ('accounts_usageevent', 'accounts_dailyeventcount', 'accounts_dailyactiveuser')"""
            )
            for table, name in cursor.fetchall():
                cursor.execute(f'ALTER TABLE {table} DROP CONSTRAINT "{name}"')


def _make_events(count: int, accounts: int, seed: int = 7) -> list[dict]:
    rng = random.Random(seed)
    now = datetime.now(UTC)
    names = [f"feature_{n:02d}" for n in range(30)]
    events = []
    for _ in range(count):
        account = rng.randrange(accounts)
        # Live traffic: most events happened in the last hour; 3% arrive late, up to 30 days.
        late = rng.random() < 0.03
        moment = now - timedelta(seconds=rng.randrange(30 * 86400 if late else 3600))
        event = {
            "account": f"acct-{account:04d}",
            "user": f"user-{account}-{rng.randrange(25)}",
            "event": rng.choice(names),
            "timestamp": moment.isoformat(timespec="milliseconds"),
            "properties": {"plan": rng.choice(["starter", "growth", "enterprise"]), "duration_ms": rng.randrange(5000)},
            "message_id": uuid.UUID(int=rng.getrandbits(128), version=4).hex,
        }
        if rng.random() < 0.3:
            event["value"] = rng.randrange(1, 100) / 4
        events.append(event)
    return events


# --- server --------------------------------------------------------------------------------------


def _start_server(args: argparse.Namespace) -> subprocess.Popen:
    return start_gunicorn(app="retention.wsgi", port=args.port, workers=args.workers, env=_server_env(args), extra_args=("--threads", str(args.threads)))


def _gunicorn_pids(master: int) -> list[int]:
    pids = [master]
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit():
            try:
                status = (entry / "status").read_text()
            except OSError:
                continue
            if f"\nPPid:\t{master}\n" in status:
                pids.append(int(entry.name))
    return pids


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time the processes have used so far (from /proc/<pid>/stat)."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _idle_cpu_seconds(master: int) -> float:
    """The server's CPU time once its workers have finished starting (two equal readings)."""
    previous = -1.0
    for _ in range(60):
        current = _cpu_seconds(_gunicorn_pids(master))
        if current - previous < 0.02:
            return current
        previous = current
        time.sleep(0.5)
    return previous


def _backend_pids(args: argparse.Namespace) -> list[int]:
    import psycopg2

    conn = psycopg2.connect(f"{PG}/{args.database}")
    with conn.cursor() as cursor:
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [args.database])
        pids = [pid for (pid,) in cursor.fetchall()]
    conn.close()
    return pids


def _peak_memory_kib(pids: list[int]) -> int:
    total = 0
    for pid in pids:
        try:
            for line in Path(f"/proc/{pid}/status").read_text().splitlines():
                if line.startswith("VmHWM:"):
                    total += int(line.split()[1])
        except OSError:
            pass
    return total


# --- the two loads -------------------------------------------------------------------------------


def _post_all(args: argparse.Namespace, raw_key: str, bodies: list[bytes]) -> tuple[float, int]:
    """Post every body from ``args.clients`` keep-alive connections; returns (seconds, accepted)."""
    cursor = iter(range(len(bodies)))
    lock = threading.Lock()
    accepted = [0]
    failures: list[str] = []
    headers = {"Authorization": f"Bearer {raw_key}", "Content-Type": "application/json"}

    def client() -> None:
        conn = http.client.HTTPConnection("127.0.0.1", args.port, timeout=120)
        while not failures:
            with lock:
                index = next(cursor, None)
            if index is None:
                break
            conn.request("POST", "/api/v1/events/batch", body=bodies[index], headers=headers)
            response = conn.getresponse()
            payload = response.read()
            if response.status != 200:
                failures.append(f"batch {index}: HTTP {response.status} {payload[:300]!r}")
                break
            result = orjson.loads(payload)  # the load generator should take as little of the CPU as it can
            if result["rejected"]:
                failures.append(f"batch {index}: {result['rejected']} rejected, e.g. {[r for r in result['results'] if r['status'] == 'rejected'][:1]}")
            with lock:
                accepted[0] += result["accepted"]
        conn.close()

    threads = [threading.Thread(target=client) for _ in range(args.clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit("API load failed: " + "; ".join(failures[:3]))
    return elapsed, accepted[0]


_BARE_TABLE = """
DROP TABLE IF EXISTS bench_raw_events;
CREATE TABLE bench_raw_events (
    organization_id bigint NOT NULL,
    account_id bigint NOT NULL,
    user_external_id varchar(100) NOT NULL,
    event varchar(100) NOT NULL,
    "timestamp" timestamptz NOT NULL,
    properties jsonb NOT NULL,
    value double precision,
    message_id varchar(100) NOT NULL,
    received_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX bench_raw_events_unique ON bench_raw_events (organization_id, message_id);
"""


def _copy_rows(organization_id: int, account_ids: dict[str, int], events: list[dict]) -> str:
    received = datetime.now(UTC).isoformat()
    buffer = io.StringIO()
    csv.writer(buffer).writerows(
        (
            organization_id,
            account_ids[e["account"]],
            e["user"],
            e["event"],
            e["timestamp"],
            json.dumps(e["properties"], separators=(",", ":")),
            e.get("value", ""),
            e["message_id"],
            received,
        )
        for e in events
    )
    return buffer.getvalue()


def _bare_table(args: argparse.Namespace):
    import psycopg2

    conn = psycopg2.connect(f"{PG}/{args.database}")
    with conn.cursor() as cursor:
        cursor.execute(_BARE_TABLE)
    conn.commit()
    return conn


def _count_bare(conn, expected: int) -> None:
    with conn.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM bench_raw_events")
        assert cursor.fetchone()[0] == expected


def _copy_one_stream(args: argparse.Namespace, csv_text: str, expected: int) -> float:
    """One COPY of every row in one transaction: the fastest raw load; returns seconds."""
    conn = _bare_table(args)
    started = time.perf_counter()
    with conn.cursor() as cursor:
        cursor.copy_expert("COPY bench_raw_events FROM STDIN WITH (FORMAT csv)", io.StringIO(csv_text), size=1 << 20)
    conn.commit()
    elapsed = time.perf_counter() - started
    _count_bare(conn, expected)
    conn.close()
    return elapsed


def _copy_batched(args: argparse.Namespace, chunks: list[str], expected: int) -> float:
    """The API's shape without the API: one COPY + commit per batch, from as many connections
    as the API had clients; returns seconds."""
    import psycopg2

    _bare_table(args).close()
    cursor_lock = threading.Lock()
    pending = iter(chunks)

    def loader() -> None:
        conn = psycopg2.connect(f"{PG}/{args.database}")
        while True:
            with cursor_lock:
                chunk = next(pending, None)
            if chunk is None:
                break
            with conn.cursor() as cursor:
                cursor.copy_expert("COPY bench_raw_events FROM STDIN WITH (FORMAT csv)", io.StringIO(chunk))
            conn.commit()
        conn.close()

    threads = [threading.Thread(target=loader) for _ in range(args.clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    conn = psycopg2.connect(f"{PG}/{args.database}")
    _count_bare(conn, expected)
    conn.close()
    return elapsed


def _verify(args: argparse.Namespace, organization_id: int, expected: int) -> None:
    import psycopg2

    conn = psycopg2.connect(f"{PG}/{args.database}")
    with conn.cursor() as cursor:
        cursor.execute("SELECT set_config('app.rls_bypass', 'on', false)")
        cursor.execute("SELECT count(*) FROM accounts_usageevent WHERE organization_id = %s", [organization_id])
        stored = cursor.fetchone()[0]
        cursor.execute("SELECT coalesce(sum(count), 0) FROM accounts_dailyeventcount WHERE organization_id = %s", [organization_id])
        counted = cursor.fetchone()[0]
    conn.close()
    if not stored == counted == expected:
        raise SystemExit(f"verification failed: {expected} sent, {stored} stored, {counted} in the rollups")


def main() -> int:
    args = _parse_args()
    if not 1 <= args.batch <= 1000:
        raise SystemExit("--batch must be between 1 and 1,000")
    print(f"database {args.database}: recreating and migrating …", flush=True)
    _recreate_database(args.database)
    organization_id, raw_key, account_ids = _setup_tenant(args)

    print(f"generating {args.events:,} events over {args.accounts:,} accounts …", flush=True)
    events = _make_events(args.events, args.accounts)
    bodies = [json.dumps({"events": events[i : i + args.batch]}).encode() for i in range(0, len(events), args.batch)]
    print(f"{len(bodies):,} requests, {sum(map(len, bodies)) / len(bodies) / 1024:,.0f} KiB each on average", flush=True)

    server = _start_server(args)
    checkpoint("before the API load")
    try:
        startup_cpu = _idle_cpu_seconds(server.pid)  # Django's start-up in each worker is not request work
        api_seconds, accepted = _post_all(args, raw_key, bodies)
        server_pids = _gunicorn_pids(server.pid)
        peak_kib = _peak_memory_kib(server_pids)
        # Persistent connections: the backends that served the run are still there to be read.
        app_cpu, db_cpu = _cpu_seconds(server_pids) - startup_cpu, _cpu_seconds(_backend_pids(args))
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)
    if accepted != len(events):
        raise SystemExit(f"only {accepted:,} of {len(events):,} events were accepted")
    _verify(args, organization_id, len(events))

    csv_text = _copy_rows(organization_id, account_ids, events)
    chunks = [_copy_rows(organization_id, account_ids, events[i : i + args.batch]) for i in range(0, len(events), args.batch)]
    # The raw load is the noisier figure on a small machine (its WAL flushes wait on the disk),
    # so it runs more than once and the median is compared.
    copy_runs = []
    for _ in range(max(1, args.raw_repeat)):
        checkpoint("before the raw COPY")
        copy_runs.append(_copy_one_stream(args, csv_text, len(events)))
    copy_seconds = statistics.median(copy_runs)
    checkpoint("before the batched raw COPY")
    batched_seconds = _copy_batched(args, chunks, len(events))

    n = len(events)
    api_rate, copy_rate, batched_rate = n / api_seconds, n / copy_seconds, n / batched_seconds
    print()
    print(f"server          gunicorn {args.workers} workers x {args.threads} threads; {args.clients} concurrent clients; batches of {args.batch:,}")
    if args.rollup_fillfactor or args.without_foreign_keys:
        print(f"what-if         rollup fillfactor {args.rollup_fillfactor or 70}; foreign keys {'dropped' if args.without_foreign_keys else 'kept'}")
    print(f"API             {n:>12,} events in {api_seconds:7.1f} s = {api_rate:>9,.0f} events/s (idempotent insert + rollups, verified)")
    print(
        f"raw COPY        {n:>12,} events in {copy_seconds:7.1f} s = {copy_rate:>9,.0f} events/s (one stream, one transaction; bare table, same unique index;"
        f" median of {', '.join(f'{n / seconds:,.0f}' for seconds in copy_runs)})"
    )
    print(
        f"raw COPY/batch  {n:>12,} events in {batched_seconds:7.1f} s = {batched_rate:>9,.0f} events/s (a COPY + commit per {args.batch:,} rows, {args.clients} connections)"
    )
    print(f"ratio           API / raw COPY = {api_rate / copy_rate:.2f}; API / batched raw COPY = {api_rate / batched_rate:.2f} (target >= 0.50)")
    print(f"peak memory     {peak_kib / 1024:,.0f} MiB (sum of VmHWM of the gunicorn master and workers)")
    print(
        f"CPU of the API  {app_cpu:,.1f} s in gunicorn (HTTP, JSON, validation; start-up excluded) + {db_cpu:,.1f} s in its PostgreSQL backends"
        f" = {(app_cpu + db_cpu) / n * 1e6:,.0f} us per event; raw COPY {copy_seconds / n * 1e6:,.1f} us per event on one core"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
