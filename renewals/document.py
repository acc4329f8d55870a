"""The business-case document built from frozen content: display strings and SVG charts.

``document_context(content)`` is the only input of the document templates (the PDF, the
builder's preview and the champion page), and it reads nothing but ``content``; that is what
makes a published snapshot render the same document forever.
"""

from __future__ import annotations

import datetime as dt

from django.utils.safestring import mark_safe

from . import svg_charts
from .sections import long_date, money, multiple, number, percent

NEUTRAL = "#8a94a3"
STATUS_BADGE = {"achieved": "good", "on_track": "ok", "behind": "bad"}

DEFINITIONS = {
    "value": "Value delivered: value-driver totals since the start — hours saved × money per hour, plus revenue influenced and cost saved.",
    "spend": "Spend: Σ over contract lines of MRR × days since the start × 12 ÷ 365.",
    "roi": "ROI = (value − spend) ÷ spend; value multiple = value ÷ spend.",
    "progress": "Progress = (current − baseline) ÷ (target − baseline): 0% at the baseline, 100% at the target.",
    "mau": "Monthly active users: distinct users with at least one event in the calendar month.",
    "events": "Monthly events: all usage events recorded in the calendar month.",
}


def css_string(text: str) -> str:
    """``text`` safe inside a double-quoted CSS string in a ``<style>`` element."""
    out = []
    for char in text:
        if char in '\\"<>&' or ord(char) < 32:
            out.append(f"\\{ord(char):x} ")
        else:
            out.append(char)
    return mark_safe("".join(out))


def _month_label(ym: str, *, with_year: bool) -> str:
    day = dt.date.fromisoformat(ym + "-01")
    return f"{day:%b %y}" if with_year else f"{day:%b}"


def _paragraphs(text: str) -> list[str]:
    return [p.strip() for p in (text or "").split("\n\n") if p.strip()]


def _kpi_rows(goals: list[dict]) -> list[dict]:
    rows = []
    for goal in goals:
        for kpi in goal["kpis"]:
            unit = f" {kpi['unit']}" if kpi["unit"] and kpi["unit"] != "%" else (kpi["unit"] or "")
            fmt = lambda v, u=unit: "—" if v is None else f"{number(v, 0 if abs(v) >= 100 else 1)}{u}"  # noqa: E731
            rows.append(
                {
                    "goal": goal["title"],
                    "name": kpi["name"],
                    "baseline": fmt(kpi["baseline"]),
                    "target": fmt(kpi["target"]),
                    "current": fmt(kpi["current"]),
                    "progress": percent(kpi["progress"]),
                    "status": kpi["status_label"],
                    "badge": STATUS_BADGE.get(kpi["status"], "none"),
                    "target_date": long_date(kpi["target_date"]),
                }
            )
    return rows


def charts(content: dict) -> dict:
    """The four charts of the document (SVG strings), from the frozen content only."""
    accent = content.get("accent") or "#2d5bd7"
    adoption = content["adoption"]
    with_year = len(adoption["months"]) > 12 or len({m[:4] for m in adoption["months"]}) > 1
    months = [_month_label(m, with_year=with_year) for m in adoption["months"]]
    kpis = [(k["name"], k["progress"], k["status_label"]) for g in content["goals"] for k in g["kpis"]]
    value = content["value"]
    drivers = value["drivers"][:5]
    categories = [d["name"] for d in drivers] + ["Spend to date"]
    values = [d["money"] or 0 for d in drivers] + [value["spend"] or 0]
    return {
        "progress": svg_charts.progress_chart(title="Progress towards each target (% of the way from baseline to target)", rows=kpis, color=accent),
        "users": svg_charts.line_chart(
            title="Monthly active users",
            categories=months,
            values=adoption["active_users"],
            color=accent,
            y_label="users",
            empty_reason="No usage recorded yet.",
        ),
        "events": svg_charts.bar_chart(
            title="Monthly product activity",
            categories=months,
            series=[("events", adoption["events"], accent)],
            y_label="events per month",
            empty_reason="No usage recorded yet.",
        ),
        "value": svg_charts.bar_chart(
            title="Value delivered by driver, and subscription spend (USD)",
            categories=categories,
            series=[("USD", values, accent)],
            y_label="USD",
            prefix="$",
            bar_colors=[accent] * len(drivers) + [NEUTRAL],
            empty_reason="No value recorded yet.",
        ),
    }


def document_context(content: dict) -> dict:
    """Everything the document templates show, derived from ``content`` alone."""
    value, contract, head = content["value"], content["contract"], content["headline"]
    sections = [{**s, "paragraphs": _paragraphs(s["body"])} for s in content["sections"]]
    return {
        "c": content,
        "footer_css": css_string(f"{content['vendor']['name']} · {content['account']['name']} · Renewal business case"),
        "accent": content.get("accent") or "#2d5bd7",
        "sections": sections,
        "charts": charts(content),
        "kpi_rows": _kpi_rows(content["goals"]),
        "definitions": DEFINITIONS,
        "published_on": long_date(content.get("published_on")),
        "customer_since": long_date(content["account"]["start_date"]),
        "renewal_on": long_date(contract["next_renewal"]),
        "stats": [
            {"label": "Value delivered", "value": money(value["money"]), "help": DEFINITIONS["value"]},
            {"label": "Return on spend", "value": multiple(value["multiple"]), "help": DEFINITIONS["roi"]},
            {"label": "Results at target", "value": f"{head['kpis_achieved']} of {head['kpis']}" if head["kpis"] else "—", "help": DEFINITIONS["progress"]},
            {
                "label": "Milestones complete",
                "value": f"{head['milestones_done']} of {head['milestones_total']}" if head["milestones_total"] else "—",
                "help": "Success-plan milestones marked done.",
            },
        ],
        "value_rows": [
            {
                "name": d["name"],
                "kind": d["kind_label"],
                "units": number(d["units"], 0 if (d["units"] or 0) >= 100 else 1),
                "hours": number(d["hours"]) if d["hours"] else "—",
                "money": money(d["money"]),
            }
            for d in value["drivers"]
        ],
        "value_total": money(value["money"]),
        "hours_total": number(value["hours"]) if value["hours"] else "—",
        "spend": money(value["spend"]),
        "roi": percent(value["roi"]),
        "multiple": multiple(value["multiple"]),
        "arr": money(contract["arr"]),
        "milestones_done": [{**m, "completed": long_date(m["completed_on"])} for m in content["milestones"]["done"]],
        "risks_resolved": [{**r, "opened": long_date(r["opened_on"]), "closed": long_date(r["closed_on"])} for r in content["risks"]["resolved"]],
        "saves": [{**s, "closed": long_date(s["closed_on"])} for s in content["risks"]["saves"]],
        "quotes": [{**q, "date": long_date(q["on"])} for q in content["quotes"]],
    }
