"""Benchmark of the CSM and leader pages through the real server (gunicorn). Not a test.

    .venv/bin/python bench/pages.py                       # the "large" data set (bench/datasets.py)
    .venv/bin/python bench/pages.py --dataset medium
    .venv/bin/python bench/pages.py --database-url postgres://retention_app@127.0.0.1:5432/mydb --org acme

It migrates the database (the data set may predate newer migrations), collects static files,
makes sure the organization has ``--score-days`` days of nightly scores (running the real
pipeline, ``backfill_scores``, for the missing days), creates a bench user with an owner
membership and a session, then starts gunicorn serving ``bench.pages:application`` — the
project's WSGI application wrapped so that each response carries ``X-Bench-Server-Ms`` (time in
Django) and ``X-Bench-Queries`` (SQL statements run). It requests the portfolio (sorts, filters,
pages), the leader overview and the account pages of many accounts (the page and its three htmx
sections), and prints p50/p95 server time and the query counts per page. Target: p95 ≤ 150 ms
with 10,000 accounts, and query counts that do not depend on the number of accounts.
"""

from __future__ import annotations

import argparse
import datetime as dt
import http.client
import os
import random
import signal
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.server import start_gunicorn  # noqa: E402

BENCH_EMAIL = "bench-pages@bench.test"


# --- The server side: query counting around the project's WSGI application --------------------


class QueryCountingApp:
    """WSGI wrapper adding ``X-Bench-Server-Ms`` and ``X-Bench-Queries`` to every response.

    Django's handler renders the whole (non-streaming) response inside ``__call__``, so the
    queries counted there are the request's; ``start_response`` is deferred until then.
    """

    def __init__(self, app):
        self.app = app

    def __call__(self, environ, start_response):
        from django.db import connection

        count = 0

        def counter(execute, sql, params, many, context):
            nonlocal count
            count += 1
            return execute(sql, params, many, context)

        captured = {}

        def deferred(status, headers, exc_info=None):
            captured.update(status=status, headers=headers, exc_info=exc_info)
            return lambda data: None  # the legacy write() callable is not used by Django

        started = time.perf_counter()
        with connection.execute_wrapper(counter):
            body = self.app(environ, deferred)
        elapsed = (time.perf_counter() - started) * 1000
        headers = [*captured["headers"], ("X-Bench-Server-Ms", f"{elapsed:.2f}"), ("X-Bench-Queries", str(count))]
        start_response(captured["status"], headers, captured["exc_info"])
        return body


def __getattr__(name: str):
    # ``application`` is built lazily, only in the gunicorn workers (PEP 562).
    if name == "application":
        from django.core.wsgi import get_wsgi_application

        return QueryCountingApp(get_wsgi_application())
    raise AttributeError(name)


# --- Set-up -----------------------------------------------------------------------------------


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="large", help="a data set of bench/datasets.py (default: large)")
    parser.add_argument("--database-url", help="use this database instead of a data set")
    parser.add_argument("--org", help="organization slug (default: the data set's)")
    parser.add_argument("--score-days", type=int, default=8, help="make sure this many days ending yesterday are scored (default 8)")
    parser.add_argument("--accounts", type=int, default=200, help="account pages to request (default 200)")
    parser.add_argument("--rounds", type=int, default=20, help="requests of each portfolio/overview variant (default 20)")
    parser.add_argument("--workers", type=int, default=2, help="gunicorn workers (default 2: the machine has 2 cores)")
    parser.add_argument("--port", type=int, default=8765)
    parser.add_argument("--redis", default=os.environ.get("REDIS_URL", "redis://127.0.0.1:6379/0"))
    return parser.parse_args()


def _resolve(args: argparse.Namespace) -> tuple[str, str]:
    if args.database_url:
        if not args.org:
            raise SystemExit("--org is required with --database-url")
        return args.database_url, args.org
    sys.path.insert(0, str(ROOT))
    from bench.datasets import require

    try:
        info = require(args.dataset)
    except RuntimeError as exc:
        raise SystemExit(f"{exc}\n(or pass --database-url and --org to run on any database)") from exc
    return info["database_url"], args.org or info["organization_slug"]


def _server_env(args: argparse.Namespace, database_url: str) -> dict[str, str]:
    return {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "retention.settings.production",
        "DJANGO_SECRET_KEY": "bench-only-secret-key-not-for-production-use-0123456789",
        "DJANGO_SECURE_SSL_REDIRECT": "false",  # plain HTTP on loopback
        "DATABASE_URL": database_url,
        "DATABASE_CONN_MAX_AGE": "600",  # persistent connections, as a deployment would configure
        "REDIS_URL": args.redis,
        "CELERY_TASK_ALWAYS_EAGER": "true",
        "LOG_LEVEL": "WARNING",
    }


def _setup(args: argparse.Namespace, database_url: str, org_slug: str) -> tuple[str, list[int], dict]:
    """Migrate, collect static files, score, create the bench user's session; return
    (session key, account ids to request, facts about the data)."""
    os.environ.update(_server_env(args, database_url))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.conf import settings
    from django.contrib.auth import BACKEND_SESSION_KEY, HASH_SESSION_KEY, SESSION_KEY
    from django.contrib.sessions.backends.db import SessionStore
    from django.core.management import call_command
    from django.db import connections
    from django.db.models import Max, Min

    from accounts.models import Account
    from dashboards.models import AccountScore
    from dashboards.pipeline import default_day
    from retention import rls
    from retention.models import Membership, Organization, Role, User

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    with rls.bypass():
        organization = Organization.objects.get(slug=org_slug)
        last = default_day()
        first = last - dt.timedelta(days=args.score_days - 1)
        scored = set(AccountScore.objects.filter(organization=organization, day__gte=first, day__lte=last).values_list("day", flat=True).distinct())
        missing = [first + dt.timedelta(days=n) for n in range(args.score_days) if first + dt.timedelta(days=n) not in scored]
        if missing:
            print(f"Scoring {len(missing)} missing day(s) with the nightly pipeline ({missing[0]} to {missing[-1]})…", flush=True)
            started = time.perf_counter()
            call_command("backfill_scores", start=missing[0], end=missing[-1], org=org_slug, no_progress=True)
            print(f"  scored in {time.perf_counter() - started:.0f} s", flush=True)
        user, _ = User.objects.get_or_create(email=BENCH_EMAIL, defaults={"full_name": "Bench Leader"})
        Membership.objects.get_or_create(organization=organization, user=user, defaults={"role": Role.OWNER})
        session = SessionStore()
        session[SESSION_KEY] = str(user.pk)
        session[BACKEND_SESSION_KEY] = (
            settings.AUTHENTICATION_BACKENDS[0] if getattr(settings, "AUTHENTICATION_BACKENDS", None) else "django.contrib.auth.backends.ModelBackend"
        )
        session[HASH_SESSION_KEY] = user.get_session_auth_hash()
        session.create()
        accounts = Account.objects.filter(organization=organization).count()
        ids = list(Account.objects.filter(organization=organization).values_list("pk", flat=True))
        span = AccountScore.objects.filter(organization=organization).aggregate(first=Min("day"), last=Max("day"))
    random.Random(7).shuffle(ids)
    connections.close_all()
    return session.session_key, ids[: args.accounts], {"accounts": accounts, "scores_from": span["first"], "scores_to": span["last"]}


def _start_server(args: argparse.Namespace, database_url: str) -> subprocess.Popen:
    return start_gunicorn(
        app="bench.pages:application", port=args.port, workers=args.workers, env=_server_env(args, database_url), extra_args=("--timeout", "120")
    )


# --- Measuring --------------------------------------------------------------------------------


class Client:
    def __init__(self, port: int, session_key: str):
        self.port = port
        self.cookie = f"sessionid={session_key}"
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=120)

    def get(self, path: str, headers: dict | None = None) -> tuple[int, float, int, float]:
        """(status, server ms, queries, wall ms)."""
        started = time.perf_counter()
        for attempt in range(2):
            try:
                self.conn.request("GET", path, headers={"Cookie": self.cookie, **(headers or {})})
                response = self.conn.getresponse()
                response.read()
                break
            except (http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=120)
                if attempt:
                    raise
        wall = (time.perf_counter() - started) * 1000
        return response.status, float(response.getheader("X-Bench-Server-Ms", "nan")), int(response.getheader("X-Bench-Queries", "-1")), wall


def _percentile(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q * (len(ordered) - 1))))]


def _measure(client: Client, label: str, paths: list[str], results: dict, headers: dict | None = None) -> None:
    for path in paths:
        status, server_ms, queries, wall = client.get(path, headers)
        if status != 200:
            raise SystemExit(f"GET {path} answered {status}")
        entry = results.setdefault(label, {"server": [], "wall": [], "queries": []})
        entry["server"].append(server_ms)
        entry["wall"].append(wall)
        entry["queries"].append(queries)


def main() -> int:
    args = _parse_args()
    database_url, org = _resolve(args)
    print(f"Database {database_url.rsplit('/', 1)[-1]}, organization {org}", flush=True)
    session_key, account_ids, facts = _setup(args, database_url, org)
    print(f"{facts['accounts']:,} accounts; scores from {facts['scores_from']} to {facts['scores_to']}", flush=True)
    server = _start_server(args, database_url)
    try:
        client = Client(args.port, session_key)
        base = f"/o/{org}"
        portfolio = {
            "portfolio (risk, page 1)": f"{base}/portfolio/?owner=",
            "portfolio (ARR, page 20)": f"{base}/portfolio/?owner=&sort=-arr&page=20",
            "portfolio (red, renewal ≤ 90 d)": f"{base}/portfolio/?owner=&band=red&renewal=90&sort=renewal",
            "portfolio (zone filter + search)": f"{base}/portfolio/?owner=&zone=activation&q=a",
            "leader overview": f"{base}/portfolio/overview/",
            "leader overview (one segment)": f"{base}/portfolio/overview/?segment=enterprise",
        }
        for path in portfolio.values():  # warm-up: connections, template caches
            client.get(path)
        results: dict[str, dict] = {}
        for label, path in portfolio.items():
            _measure(client, label, [path] * args.rounds, results)
        htmx = {"HX-Request": "true"}
        _measure(client, "account page", [f"{base}/accounts/{pk}/" for pk in account_ids], results)
        _measure(client, "account health section", [f"{base}/portfolio/accounts/{pk}/health/" for pk in account_ids], results, htmx)
        _measure(client, "account timeline section", [f"{base}/portfolio/accounts/{pk}/timeline/" for pk in account_ids], results, htmx)
        _measure(client, "account plan section", [f"{base}/portfolio/accounts/{pk}/plan/" for pk in account_ids], results, htmx)
        started = time.perf_counter()
        csv_status, csv_ms, csv_queries, _ = client.get(f"{base}/portfolio/?owner=&format=csv")
        csv_seconds = time.perf_counter() - started
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        server.wait(timeout=30)

    print()
    print(f"{'page':36} {'n':>4} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'queries':>9}  (server time in Django; gunicorn × {args.workers})")
    worst = 0.0
    for label, entry in results.items():
        server_times = entry["server"]
        q = sorted(set(entry["queries"]))
        queries = f"{q[0]}" if len(q) == 1 else f"{q[0]}–{q[-1]}"
        p95 = _percentile(server_times, 0.95)
        worst = max(worst, p95)
        print(f"{label:36} {len(server_times):>4} {statistics.median(server_times):>8.1f} {p95:>8.1f} {max(server_times):>8.1f} {queries:>9}")
    print(
        f"\nCSV export of all {facts['accounts']:,} accounts: {csv_ms:,.0f} ms in Django, {csv_queries} queries, {csv_seconds:.1f} s end to end (status {csv_status})"
    )
    print(f"Worst p95: {worst:.1f} ms (target ≤ 150 ms)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
