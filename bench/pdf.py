"""Benchmark: rendering renewal business-case PDFs with WeasyPrint. Not a test.

    .venv/bin/python bench/pdf.py               # typical and large case, 5 renders each
    .venv/bin/python bench/pdf.py --repeat 10

The PDF is rendered from a snapshot's frozen content alone (``renewals.pdf.render_pdf``), so the
benchmark builds that content directly, shaped exactly like ``renewals.services.snapshot_content``:

- **typical**: 12 months of adoption, 2 goals / 4 KPIs, 6 milestones, 3 value drivers, 3 quotes,
  2 resolved risks, 2 next steps → 5–6 pages with the 4 charts;
- **large**: an account with two years of history — 24 months of adoption, 5 goals / 12 KPIs,
  30 milestones, 6 value drivers, 6 quotes, 10 resolved risks, 8 next steps.

Each case runs in its own fresh Python process (Django set up, nothing else loaded), which
renders once to warm up (fontconfig and Pango load the fonts once per worker process; that
first render is reported separately as "cold") and then ``--repeat`` times. It prints, per case:
pages, PDF size, cold seconds, warm median and max seconds (wall clock), the warm median CPU
seconds (``time.process_time``: the render's own work, unaffected by other load), the peak of Python allocations
during one warm render (tracemalloc), and the process's peak resident memory (ru_maxrss, which
includes Django, WeasyPrint, Pango and the fonts). Targets for the typical case: ≤ 1 s and
≤ 150 MiB.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

SHAPES = {
    "typical": {"months": 12, "goals": 2, "kpis_per_goal": 2, "milestones": 6, "drivers": 3, "quotes": 3, "risks": 2, "next_steps": 2},
    "large": {"months": 24, "goals": 5, "kpis_per_goal": 3, "milestones": 30, "drivers": 6, "quotes": 6, "risks": 10, "next_steps": 8},
}


def build_content(shape: dict) -> dict:
    """Snapshot content of the given shape (deterministic)."""
    today = dt.date(2026, 11, 23)
    start = today - dt.timedelta(days=shape["months"] * 30)
    months = []
    month = dt.date(start.year, start.month, 1)
    while len(months) < shape["months"]:
        months.append(month.strftime("%Y-%m"))
        month = (month + dt.timedelta(days=32)).replace(day=1)
    users = [int(40 * min(1, 0.3 + i / (shape["months"] * 0.6))) for i in range(shape["months"])]
    statuses = [("achieved", "Achieved", 1.08), ("on_track", "On track", 0.74), ("behind", "Behind", 0.41)]
    goals = []
    for g in range(shape["goals"]):
        kpis = []
        for k in range(shape["kpis_per_goal"]):
            status, label, progress = statuses[(g + k) % 3]
            kpis.append(
                {
                    "name": f"Outcome measure {g + 1}.{k + 1} for the operations team",
                    "unit": "%",
                    "baseline": 10.0,
                    "target": 80.0,
                    "current": round(10 + 70 * progress, 1),
                    "progress": progress,
                    "status": status,
                    "status_label": label,
                    "start_date": start.isoformat(),
                    "target_date": (today + dt.timedelta(days=30 * k)).isoformat(),
                }
            )
        goals.append({"title": f"Business goal {g + 1}: faster, safer releases", "description": "", "kpis": kpis})
    drivers = [
        {
            "name": f"Value driver {d + 1}",
            "kind": "hours_saved",
            "kind_label": "Hours saved",
            "units": 5000.0 + d * 900,
            "hours": 1250.0 + d * 225,
            "money": 75000.0 + d * 13500,
        }
        for d in range(shape["drivers"])
    ]
    money = sum(d["money"] for d in drivers)
    spend = 30000.0 * shape["months"] / 12
    value = {
        "start": start.isoformat(),
        "end": today.isoformat(),
        "drivers": drivers,
        "money": money,
        "hours": sum(d["hours"] for d in drivers),
        "spend": spend,
        "roi": (money - spend) / spend,
        "multiple": money / spend,
    }
    done = [
        {
            "title": f"Milestone {m + 1} reached with the customer team",
            "phase": "Beyond 90 days",
            "completed_on": (start + dt.timedelta(days=20 * (m + 1))).isoformat(),
        }
        for m in range(shape["milestones"])
    ]
    kpi_count = shape["goals"] * shape["kpis_per_goal"]
    facts = {
        "as_of": today.isoformat(),
        "vendor": {"name": "Acme Analytics"},
        "account": {"name": "Northwind Traders", "segment": "Mid-market", "start_date": start.isoformat()},
        "plan": {"title": "Northwind success plan", "summary": "Ship releases faster with fewer regressions."},
        "contract": {"arr": 30000.0, "mrr": 2500.0, "seats": 40, "next_renewal": (today + dt.timedelta(days=60)).isoformat()},
        "goals": goals,
        "milestones": {"total": shape["milestones"] + 2, "done_count": shape["milestones"], "done": done},
        "adoption": {"months": months, "active_users": users, "events": [u * 90 for u in users]},
        "value": value,
        "risks": {
            "resolved": [
                {"label": "Usage dropped more than 20% month over month", "opened_on": start.isoformat(), "closed_on": today.isoformat()}
                for _ in range(shape["risks"])
            ],
            "saves": [],
        },
        "next_steps": [
            {"kind_label": "Adjacent team interested", "description": f"Team {n + 1} asked for access to the automated reports."}
            for n in range(shape["next_steps"])
        ],
        "quotes": [
            {
                "text": "We ship twice as often and nobody dreads release day any more. " * 2,
                "who": "VP Engineering",
                "on": today.isoformat(),
                "source": "NPS 10",
            }
            for _ in range(shape["quotes"])
        ],
        "headline": {
            "kpis": kpi_count,
            "kpis_achieved": kpi_count // 3,
            "kpis_on_track": kpi_count // 3,
            "milestones_done": shape["milestones"],
            "milestones_total": shape["milestones"] + 2,
            "value": money,
            "hours": value["hours"],
            "multiple": value["multiple"],
        },
    }
    from renewals.sections import default_sections, resolved_sections

    return {
        **facts,
        "schema": 1,
        "title": "The value of our partnership with Northwind Traders",
        "accent": "#2d5bd7",
        "version": 3,
        "published_on": today.isoformat(),
        "prepared_by": "Alice Owner",
        "sections": [{"key": s["key"], "title": s["title"], "body": s["body"]} for s in resolved_sections(default_sections(), facts)],
    }


def child(name: str, repeat: int) -> None:
    """Runs in the fresh subprocess: render, measure, print one JSON line."""
    import resource
    import statistics
    import time
    import tracemalloc

    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "retention.settings.test")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from renewals.pdf import render_pdf

    content = build_content(SHAPES[name])
    started = time.perf_counter()
    data, pages = render_pdf(content)
    cold = time.perf_counter() - started
    times, cpu_times = [], []
    for _ in range(repeat):
        started, cpu_started = time.perf_counter(), time.process_time()
        render_pdf(content)
        times.append(time.perf_counter() - started)
        cpu_times.append(time.process_time() - cpu_started)
    tracemalloc.start()
    render_pdf(content)
    _, python_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rss_kib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
    print(
        json.dumps(
            {
                "case": name,
                "pages": pages,
                "bytes": len(data),
                "cold_s": cold,
                "warm_median_s": statistics.median(times),
                "warm_max_s": max(times),
                "warm_cpu_median_s": statistics.median(cpu_times),
                "load_average": os.getloadavg()[0],
                "python_peak_mib": python_peak / 2**20,
                "peak_rss_mib": rss_kib / 1024,
            }
        )
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--repeat", type=int, default=5, help="warm renders per case")
    parser.add_argument("--child", choices=sorted(SHAPES), help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.child:
        child(args.child, args.repeat)
        return
    print(
        f"{'case':<8} {'pages':>5} {'size':>8} {'cold s':>7} {'warm s (median)':>16} {'warm s (max)':>13} {'CPU s (median)':>15} {'py peak MiB':>12} {'peak RSS MiB':>13}"
    )
    for name in SHAPES:
        out = subprocess.run([sys.executable, __file__, "--child", name, "--repeat", str(args.repeat)], capture_output=True, text=True, cwd=ROOT, check=True)
        r = json.loads(out.stdout.strip().splitlines()[-1])
        print(
            f"{r['case']:<8} {r['pages']:>5} {r['bytes'] / 1024:>6.0f}kB {r['cold_s']:>7.2f} {r['warm_median_s']:>16.2f} {r['warm_max_s']:>13.2f} {r['warm_cpu_median_s']:>15.2f} "
            f"{r['python_peak_mib']:>12.1f} {r['peak_rss_mib']:>13.1f}"
        )
    print(f"targets (typical): warm ≤ 1 s, peak memory ≤ 150 MiB. Load average during the last run: {r['load_average']:.1f} on {os.cpu_count()} CPUs")
    print("(wall time includes waiting for a CPU on a loaded machine; CPU s is the render's own processor time)")


if __name__ == "__main__":
    main()
