"""Benchmark data sets: simulated customer bases in dedicated PostgreSQL databases. Not a test.

    .venv/bin/python bench/datasets.py large           # 10,000 accounts, >= 20 million events, one year
    .venv/bin/python bench/datasets.py medium          # 1,000 accounts
    .venv/bin/python bench/datasets.py large --force   # drop and generate again

Each data set lives in its own database (``retention_bench_<name>``), created through the admin
connection (``POSTGRES_ADMIN_URL``, default ``postgres://postgres@127.0.0.1:5432/postgres``) and
owned by ``retention_app``, migrated, then filled by the simulator (``accounts.simulation``) with
a fixed seed. A row in the table ``bench_dataset`` marks it complete, so a second run (or any
benchmark calling ``require``) reuses it without regenerating; an incomplete one (an interrupted
run) is dropped and generated again. Prints the generation time.

Benchmarks use it like this (before Django is set up)::

    from bench.datasets import require
    info = require("large")          # raises with the command to run if it is missing
    os.environ["DATABASE_URL"] = info["database_url"]
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ADMIN_URL = os.environ.get("POSTGRES_ADMIN_URL", "postgres://postgres@127.0.0.1:5432/postgres")
APP_ROLE = "retention_app"
APP_URL = f"postgres://{APP_ROLE}@127.0.0.1:5432"

DATASETS = {
    # name: organization slug, accounts, days, seed, simulation profile
    "large": {"org": "bench-large", "accounts": 10_000, "days": 365, "seed": 20261, "profile": "large"},
    "medium": {"org": "bench-medium", "accounts": 1_000, "days": 365, "seed": 20262, "profile": "large"},
    "small": {"org": "bench-small", "accounts": 100, "days": 365, "seed": 20263, "profile": "large"},
}
MARKER_TABLE = "bench_dataset"


def database_name(name: str) -> str:
    return f"retention_bench_{name}"


def database_url(name: str) -> str:
    return f"{APP_URL}/{database_name(name)}"


def _admin():
    import psycopg2

    conn = psycopg2.connect(ADMIN_URL)
    conn.autocommit = True
    return conn


def checkpoint(purpose: str) -> None:
    """Write every dirty page out now (a CHECKPOINT through the admin connection; the
    application's role may not run one), so that one timed phase does not pay for flushing the
    previous phase's writes. Without an admin connection it says so and carries on."""
    try:
        conn = _admin()
    except Exception as exc:  # noqa: BLE001 - any failure to connect: carry on without
        print(f"(no CHECKPOINT {purpose}: {str(exc).strip()})", flush=True)
        return
    try:
        with conn.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    finally:
        conn.close()


def marker(name: str) -> dict | None:
    """The completion record of a data set, or None when it is missing or incomplete."""
    import psycopg2

    try:
        conn = psycopg2.connect(database_url(name))
    except psycopg2.OperationalError:
        return None
    try:
        with conn.cursor() as cursor:
            cursor.execute("SELECT to_regclass(%s)", [MARKER_TABLE])
            if cursor.fetchone()[0] is None:
                return None
            cursor.execute(f"SELECT info FROM {MARKER_TABLE} WHERE name = %s", [name])
            row = cursor.fetchone()
            return json.loads(row[0]) if row else None
    finally:
        conn.close()


def require(name: str) -> dict:
    """The marker of a complete data set (with ``database_url``); raises if it is not there."""
    info = marker(name)
    if info is None:
        raise RuntimeError(f"Benchmark data set '{name}' is missing; generate it with: .venv/bin/python bench/datasets.py {name}")
    return info | {"database_url": database_url(name)}


def _recreate_database(name: str) -> None:
    from psycopg2 import sql

    conn = _admin()
    with conn.cursor() as cursor:
        cursor.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = %s AND pid <> pg_backend_pid()", [database_name(name)])
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(database_name(name))))
        cursor.execute(sql.SQL("CREATE DATABASE {} OWNER {}").format(sql.Identifier(database_name(name)), sql.Identifier(APP_ROLE)))
    conn.close()


# The simulator writes one account's whole history at a time; live ingestion writes day after
# day. The nightly reads rollups by day, so their physical order changes its timings (by about a
# tenth, either way for different queries): the rollups are rewritten in day order, as a
# deployment's would be. The raw event table is left in the simulator's order: the baseline
# aggregation scans all of it whatever the order.
_DAY_ORDERED = ("accounts_dailyeventcount", "accounts_dailyactiveuser")


def _order_rollups_by_day(connection) -> None:
    with connection.cursor() as cursor:
        for table in _DAY_ORDERED:
            cursor.execute(
                "SELECT indexname FROM pg_indexes WHERE tablename = %s AND indexdef LIKE %s",
                [table, "%(organization_id, day)"],
            )
            (index,) = cursor.fetchone()
            cursor.execute(f'CLUSTER {table} USING "{index}"')


def _generate(name: str, *, end_date: dt.date | None) -> dict:
    """Migrate the fresh database and simulate into it (in this process)."""
    spec = DATASETS[name]
    os.environ["DATABASE_URL"] = database_url(name)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "retention.settings.local")
    os.environ["DJANGO_DEBUG"] = "false"  # no query log in memory over millions of statements
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command
    from django.db import connection

    from accounts.simulation import simulate

    started = time.perf_counter()
    call_command("migrate", verbosity=0)
    summary = simulate(
        organization_slug=spec["org"],
        organization_name=f"Bench {name.title()}",
        accounts=spec["accounts"],
        days=spec["days"],
        seed=spec["seed"],
        end_date=end_date,
        profile=spec["profile"],
        progress=True,
    )
    _order_rollups_by_day(connection)
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    seconds = round(time.perf_counter() - started, 1)
    info = {
        "name": name,
        "organization_slug": spec["org"],
        "seed": spec["seed"],
        "accounts": summary.accounts,
        "days": summary.days,
        "start_date": summary.start_date,
        "end_date": summary.end_date,
        "events": summary.events,
        "contract_lines": summary.contract_lines,
        "tickets": summary.tickets,
        "churned": summary.churned,
        "generation_seconds": seconds,
        "simulation_seconds": summary.seconds,
        "completed_at": dt.datetime.now(dt.UTC).isoformat(timespec="seconds"),
    }
    with connection.cursor() as cursor:
        cursor.execute(f"CREATE TABLE IF NOT EXISTS {MARKER_TABLE} (name text PRIMARY KEY, info text NOT NULL)")
        cursor.execute(f"INSERT INTO {MARKER_TABLE} (name, info) VALUES (%s, %s)", [name, json.dumps(info)])
    return info


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("name", choices=sorted(DATASETS))
    parser.add_argument("--force", action="store_true", help="drop the data set and generate it again")
    parser.add_argument("--end-date", type=dt.date.fromisoformat, default=None, help="day after the last simulated day (default today)")
    args = parser.parse_args()

    existing = None if args.force else marker(args.name)
    if existing is not None:
        print(
            f"Data set '{args.name}' is complete in {database_name(args.name)}: {existing['accounts']:,} accounts, {existing['events']:,} events, {existing['start_date']} .. {existing['end_date']} (generated in {existing['generation_seconds']:,.0f} s). Reusing it."
        )
        return 0
    _recreate_database(args.name)
    print(f"Generating '{args.name}' into {database_name(args.name)} …", flush=True)
    info = _generate(args.name, end_date=args.end_date)
    print(
        f"Generated '{args.name}': {info['accounts']:,} accounts, {info['events']:,} events, {info['contract_lines']:,} contract lines, "
        f"{info['tickets']:,} tickets, {info['churned']:,} churned, in {info['generation_seconds']:,.0f} s "
        f"({info['events'] / max(info['simulation_seconds'], 1e-9):,.0f} events/s)."
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
