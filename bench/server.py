"""Starting gunicorn for the benchmarks: one shared helper so every bench measures the same server."""

from __future__ import annotations

import http.client
import os
import signal
import subprocess
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def start_gunicorn(*, app: str, port: int, workers: int, env: dict, extra_args: tuple[str, ...] = (), startup_seconds: int = 60) -> subprocess.Popen:
    """Start gunicorn on loopback in its own process group and wait until /healthz answers."""
    command = [
        str(ROOT / ".venv" / "bin" / "gunicorn"),
        app,
        "--bind",
        f"127.0.0.1:{port}",
        "--workers",
        str(workers),
        "--keep-alive",
        "30",
        "--log-level",
        "warning",
        *extra_args,
    ]
    server = subprocess.Popen(command, cwd=ROOT, env=env, start_new_session=True)
    deadline = time.monotonic() + startup_seconds
    while time.monotonic() < deadline:
        try:
            conn = http.client.HTTPConnection("127.0.0.1", port, timeout=2)
            conn.request("GET", "/healthz")
            if conn.getresponse().status < 500:
                return server
        except OSError:
            time.sleep(0.3)
    os.killpg(server.pid, signal.SIGTERM)
    raise SystemExit(f"gunicorn did not start within {startup_seconds} s")
