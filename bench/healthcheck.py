"""Benchmark: customers completing adoption health checks through shared links. Not a test.

    .venv/bin/python bench/healthcheck.py                      # 6,000 respondents, 24 at a time
    .venv/bin/python bench/healthcheck.py --respondents 1000   # a quick run

It (re)creates its own PostgreSQL database (``retention_bench_hc``), migrates it, collects the
static files (production settings serve them through the manifest), creates one vendor with
``--accounts`` customer accounts and one health-check link each, and starts gunicorn on
loopback with production settings. Concurrent simulated respondents then do what a browser does:

1. ``GET /s/<token>/`` — the landing page (sets the CSRF cookie and the resumable draft);
2. ``POST /s/<token>/step/<last>/`` — the final step with every answer and the CSRF token:
   full validation, scoring, the respondent-limit compare-and-swap, one stored response;
3. ``GET /s/<token>/result/`` — the result page with scores and recommendations.

The three requests run as three timed phases over all respondents (every landing page, then
every submission, then every result page), so each kind of request gets its own throughput,
latency (p50/p95/p99) and server CPU per request: the CPU of the gunicorn processes plus the
PostgreSQL backends of the bench database, read from /proc. That CPU figure gives the rate the
server would sustain with both cores to itself, which matters on this shared 2-core machine,
where other work competes for the cores. Every response is checked (200 / 302 to the result /
the result's heading); at the end the number of stored responses must equal the number of
completed submissions, and the exit status says whether it did.

Rate limiting stays on, at its production defaults (per address and per link). Each simulated
respondent comes from its own address: the server is told that 127.0.0.1 is a trusted reverse
proxy (``SHARED_LINK_TRUSTED_PROXIES``) and the client sends ``X-Forwarded-For``, exactly as a
proxy in front of the app would. Without that, all respondents would share one address and the
per-address limit (a defence against token guessing) would rightly stop the run. The in-app
draft steps (one POST per question group) are not repeated here: the final POST validates the
whole questionnaire whichever way the answers arrived.
"""

from __future__ import annotations

import argparse
import http.client
import os
import random
import re
import statistics
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlencode

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
from bench.server import start_gunicorn  # noqa: E402

PG = "postgres://retention_app@127.0.0.1:5432"
CSRF_RE = re.compile(r'name="csrfmiddlewaretoken" value="([^"]+)"')


def _parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--respondents", type=int, default=6000, help="simulated respondents (each does GET, POST, GET)")
    parser.add_argument("--concurrency", type=int, default=24, help="respondents in flight at once (client threads)")
    parser.add_argument("--accounts", type=int, default=300, help="customer accounts, one shared link each")
    parser.add_argument("--workers", type=int, default=4, help="gunicorn worker processes")
    parser.add_argument("--threads", type=int, default=1, help="threads per gunicorn worker")
    parser.add_argument("--port", type=int, default=8729)
    parser.add_argument("--database", default="retention_bench_hc")
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/4", help="cache for drafts and rate limits")
    parser.add_argument("--timeout", type=float, default=600, help="stop after this many seconds whatever happens")
    return parser.parse_args()


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
        "SHARED_LINK_TRUSTED_PROXIES": "127.0.0.1",  # the client plays the reverse proxy (see above)
        "LOG_LEVEL": "WARNING",
    }


def _recreate_database(name: str) -> None:
    import psycopg2
    from psycopg2 import sql

    conn = psycopg2.connect(f"{PG}/postgres")
    conn.autocommit = True
    with conn.cursor() as cursor:
        cursor.execute(sql.SQL("DROP DATABASE IF EXISTS {}").format(sql.Identifier(name)))
        cursor.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    conn.close()


def _setup(args: argparse.Namespace) -> list[str]:
    """Migrate, collect static files, create the vendor, accounts and links; return link paths."""
    os.environ.update(_server_env(args))
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    from accounts.models import Account
    from healthchecks import services
    from healthchecks.models import Questionnaire
    from retention import rls
    from retention.models import Organization

    call_command("migrate", verbosity=0)
    call_command("collectstatic", verbosity=0, interactive=False)
    paths = []
    with rls.bypass():
        organization = Organization.objects.create(name="Bench Vendor", slug="bench")
        Account.objects.bulk_create([Account(organization=organization, external_id=f"acct-{n:04d}", name=f"Customer {n}") for n in range(args.accounts)])
        services.questionnaire_ensure_defaults(organization=organization)
        questionnaire = Questionnaire.objects.get(organization=organization, kind="adoption", is_default=True)
        for account in Account.objects.filter(organization=organization):
            issued = services.healthcheck_link_create(
                organization=organization, account_id=account.id, questionnaire_id=questionnaire.id, expires_in_days=30, respondent_limit=None, by=None
            )
            paths.append(issued.path)
    from django.db import connections

    connections.close_all()
    return paths


def _stored_responses() -> int:
    from healthchecks.models import Response
    from retention import rls

    with rls.bypass():
        return Response.objects.count()


def _start_server(args: argparse.Namespace) -> subprocess.Popen:
    return start_gunicorn(app="retention.wsgi", port=args.port, workers=args.workers, env=_server_env(args), extra_args=("--threads", str(args.threads)))


# --- the simulated respondents ---------------------------------------------------------------


class Respondent:
    def __init__(self, index: int, path: str, port: int):
        self.index = index
        self.path = path
        # A distinct address per respondent, as the trusted proxy would report it.
        self.headers = {"X-Forwarded-For": f"10.{index // 65536 % 256}.{index // 256 % 256}.{index % 256}", "Host": f"127.0.0.1:{port}"}
        self.cookies: dict[str, str] = {}
        self.csrf = ""

    def keep_cookies(self, response) -> None:
        for header, value in response.getheaders():
            if header.lower() == "set-cookie":
                name, _, rest = value.partition("=")
                self.cookies[name] = rest.split(";", 1)[0]

    def cookie_header(self, *, skip: str = "") -> str:
        return "; ".join(f"{k}={v}" for k, v in self.cookies.items() if not (skip and k.startswith(skip)))


class Phase:
    """Run one kind of request for every respondent, ``concurrency`` at a time, and time it."""

    def __init__(self, name: str, action, respondents: list[Respondent], args: argparse.Namespace, pids: tuple[list[int], list[int]]):
        self.name, self.action, self.respondents, self.args, self.pids = name, action, respondents, args, pids
        self.lock = threading.Lock()
        self.next_index = 0
        self.latencies: list[float] = []
        self.failures: list[str] = []
        self.deadline = time.monotonic() + args.timeout

    def _claim(self) -> Respondent | None:
        with self.lock:
            if self.next_index >= len(self.respondents) or time.monotonic() > self.deadline or len(self.failures) > 20:
                return None
            self.next_index += 1
            return self.respondents[self.next_index - 1]

    def _worker(self) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", self.args.port, timeout=30)
        while (respondent := self._claim()) is not None:
            try:
                started = time.perf_counter()
                self.action(conn, respondent)
                elapsed = time.perf_counter() - started
                with self.lock:
                    self.latencies.append(elapsed)
            except Exception as exc:  # noqa: BLE001 - a bench reports every failure and goes on
                conn.close()
                with self.lock:
                    self.failures.append(f"{self.name} {respondent.index}: {exc!r}")

    def run(self, concurrency: int) -> Phase:
        app_pids, all_pids = self.pids
        app_before, all_before = _cpu_seconds(app_pids), _cpu_seconds(all_pids)
        started = time.perf_counter()
        threads = [threading.Thread(target=self._worker) for _ in range(concurrency)]
        [t.start() for t in threads]
        [t.join() for t in threads]
        self.wall = time.perf_counter() - started
        self.app_cpu = _cpu_seconds(app_pids) - app_before
        self.server_cpu = _cpu_seconds(all_pids) - all_before
        return self

    def report(self, unit: str) -> str:
        done, ms = len(self.latencies), 1000
        per = self.server_cpu / done * ms if done else float("nan")
        return (
            f"{self.name:<8} {done:>6,} in {self.wall:6.1f} s → {done / self.wall:6,.0f} {unit}/s · "
            f"latency p50 {_percentile(self.latencies, 50) * ms:5.0f} ms, p95 {_percentile(self.latencies, 95) * ms:5.0f} ms, p99 {_percentile(self.latencies, 99) * ms:5.0f} ms · "
            f"server CPU {per:4.1f} ms each (gunicorn {self.app_cpu / max(done, 1) * ms:4.1f}) → {2 * ms / per:5,.0f}/s on 2 free cores"
        )


class Flow:
    """The three requests of a respondent; each checks its answer and raises on anything else."""

    def __init__(self, args: argparse.Namespace):
        from healthchecks import definitions

        definition = definitions.default_definition("adoption")
        self.port = args.port
        self.last_step = len(definition["groups"])
        self.likert_keys = [q["key"] for g in definition["groups"] for q in g["questions"] if q["type"] == "likert"]
        self.barrier_key = next(q["key"] for g in definition["groups"] for q in g["questions"] if q["type"] == "barrier")

    @staticmethod
    def _request(conn, method: str, path: str, headers: dict, body: str | None = None):
        conn.request(method, path, body=body, headers=headers)
        response = conn.getresponse()
        return response, response.read()

    def open(self, conn, r: Respondent) -> None:
        response, content = self._request(conn, "GET", r.path, r.headers)
        if response.status != 200:
            raise RuntimeError(f"landing page answered {response.status}")
        r.keep_cookies(response)
        r.csrf = CSRF_RE.search(content.decode()).group(1)

    def submit(self, conn, r: Respondent) -> None:
        rng = random.Random(r.index)
        answers = {key: rng.choice((1, 2, 3, 4, 4, 5, 5, 0)) for key in self.likert_keys}
        answers[self.barrier_key] = "Our reporting team still exports to spreadsheets." if rng.random() < 0.3 else ""
        headers = {
            **r.headers,
            "Content-Type": "application/x-www-form-urlencoded",
            "Origin": f"http://127.0.0.1:{self.port}",
            "Cookie": r.cookie_header(),
        }
        response, content = self._request(conn, "POST", f"{r.path}step/{self.last_step}/", headers, urlencode({"csrfmiddlewaretoken": r.csrf, **answers}))
        if response.status != 302 or not response.getheader("Location", "").endswith("/result/"):
            raise RuntimeError(f"submission answered {response.status}: {content[:200]!r}")
        r.keep_cookies(response)

    def result(self, conn, r: Respondent) -> None:
        response, content = self._request(conn, "GET", f"{r.path}result/", {**r.headers, "Cookie": r.cookie_header(skip="hc_draft")})
        if response.status != 200 or b"health check results" not in content:
            raise RuntimeError(f"result page answered {response.status}")


def _cpu_seconds(pids: list[int]) -> float:
    """User + system CPU time of these processes (from /proc), in seconds."""
    ticks = os.sysconf("SC_CLK_TCK")
    total = 0
    for pid in pids:
        try:
            fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


def _server_pids(master: int, database: str) -> list[int]:
    """The gunicorn master and workers, and the PostgreSQL backends serving the bench database."""
    pids = [master]
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            status = (entry / "status").read_text()
            cmdline = (entry / "cmdline").read_bytes().decode(errors="replace")
        except OSError:
            continue
        if f"\nPPid:\t{master}\n" in status or (cmdline.startswith("postgres:") and f" {database} " in cmdline):
            pids.append(int(entry.name))
    return pids


def _percentile(values: list[float], q: float) -> float:
    if not values:
        return float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[int(q) - 1] if len(values) > 1 else values[0]


def main() -> int:
    args = _parse_args()
    print(f"Setting up database {args.database} ({args.accounts} accounts, one link each)…", flush=True)
    _recreate_database(args.database)
    paths = _setup(args)
    server = _start_server(args)
    flow = Flow(args)
    phases: list[Phase] = []
    try:
        # Warm-up: every worker loads its templates and opens its database connection.
        warm = [Respondent(1_000_000 + n, paths[n % len(paths)], args.port) for n in range(40)]
        pids = (_server_pids(server.pid, "\0none\0"), _server_pids(server.pid, args.database))
        for action in (flow.open, flow.submit, flow.result):
            Phase("warm-up", action, warm, args, pids).run(4)
        pids = (_server_pids(server.pid, "\0none\0"), _server_pids(server.pid, args.database))

        respondents = [Respondent(n, paths[n % len(paths)], args.port) for n in range(args.respondents)]
        print(
            f"Running {args.respondents:,} respondents, {args.concurrency} at a time, against gunicorn ({args.workers} workers × {args.threads} threads)…",
            flush=True,
        )
        for name, action in (("open", flow.open), ("submit", flow.submit), ("result", flow.result)):
            phase = Phase(name, action, respondents, args, pids).run(args.concurrency)
            phases.append(phase)
            if phase.failures:
                break
        load = os.getloadavg()[0]
    finally:
        os.killpg(server.pid, 15)
        server.wait(timeout=30)

    stored = _stored_responses() - len(warm)
    submitted = len(phases[1].latencies) if len(phases) > 1 else 0
    print()
    print(phases[0].report("pages"))
    if len(phases) > 1:
        print(phases[1].report("submissions"))
    if len(phases) > 2:
        print(phases[2].report("pages"))
    whole = sum(p.wall for p in phases)
    print(f"whole flow  {submitted:,} respondents (landing + submit + result) in {whole:.1f} s → {submitted / whole:,.0f} respondents/s")
    print(
        f"responses stored {stored:,} (must equal the {submitted:,} submissions); machine load average at the end {load:.1f} on 2 cores (other work included)"
    )
    failures = [f for p in phases for f in p.failures]
    print(f"failures {len(failures)}")
    for failure in failures[:10]:
        print("  ", failure)
    return 0 if not failures and stored == submitted else 1


if __name__ == "__main__":
    sys.exit(main())
