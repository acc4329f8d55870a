"""The sections of a business case, and the text each one suggests from the figures.

A draft stores, per section, its title, its wording (empty = the suggestion below) and whether it
is included; the order of the list is the order in the document.
"""

from __future__ import annotations

import datetime as dt

SECTION_KEYS = ["summary", "goals", "adoption", "milestones", "value", "wins", "risks", "next_steps"]
DEFAULT_TITLES = {
    "summary": "Executive summary",
    "goals": "Goals and results against targets",
    "adoption": "Adoption and usage",
    "milestones": "Milestones reached",
    "value": "Value delivered",
    "wins": "In their own words",
    "risks": "Risks avoided",
    "next_steps": "Next steps",
}
MAX_TITLE = 120
MAX_BODY = 4000


def money(value: float | None) -> str:
    if value is None:
        return "—"
    return f"${value:,.0f}"


def number(value: float | None, digits: int = 0) -> str:
    if value is None:
        return "—"
    text = f"{value:,.{digits}f}"
    return text


def multiple(value: float | None) -> str:
    return "—" if value is None else f"{value:,.1f}×"


def percent(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:,.0f}%"


def long_date(iso: str | None) -> str:
    if not iso:
        return "—"
    day = dt.date.fromisoformat(iso)
    return f"{day.day} {day:%B %Y}"


def default_sections() -> list[dict]:
    return [{"key": key, "title": DEFAULT_TITLES[key], "body": "", "included": True} for key in SECTION_KEYS]


def normalized_sections(stored: list[dict]) -> list[dict]:
    """The stored sections, repaired: unknown keys dropped, missing sections appended."""
    seen, result = set(), []
    for section in stored or []:
        key = section.get("key")
        if key in DEFAULT_TITLES and key not in seen:
            seen.add(key)
            result.append(
                {
                    "key": key,
                    "title": str(section.get("title") or DEFAULT_TITLES[key])[:MAX_TITLE],
                    "body": str(section.get("body") or "")[:MAX_BODY],
                    "included": bool(section.get("included", True)),
                }
            )
    result.extend({"key": key, "title": DEFAULT_TITLES[key], "body": "", "included": True} for key in SECTION_KEYS if key not in seen)
    return result


def suggested_text(key: str, facts: dict) -> str:
    """The wording a section starts from, written from the figures."""
    account = facts["account"]["name"]
    head, value, contract = facts["headline"], facts["value"], facts["contract"]
    since = long_date(facts["account"]["start_date"]) if facts["account"]["start_date"] else "the start of the partnership"
    if key == "summary":
        parts = [f"Since {since}, {account} has used {facts['vendor']['name']} to reach the goals agreed in its success plan."]
        if value["money"]:
            line = f"The value delivered so far is estimated at {money(value['money'])}"
            if value["spend"]:
                line += f" against {money(value['spend'])} of subscription spend ({multiple(value['multiple'])} return)"
            parts.append(line + ".")
        if head["kpis"]:
            parts.append(f"{head['kpis_achieved']} of {head['kpis']} measured results have reached their target and {head['kpis_on_track']} more are on track.")
        if head["milestones_total"]:
            parts.append(f"{head['milestones_done']} of {head['milestones_total']} plan milestones are complete.")
        if contract["next_renewal"]:
            parts.append(f"This document supports the renewal on {long_date(contract['next_renewal'])}.")
        return " ".join(parts)
    if key == "goals":
        if not facts["goals"]:
            return "No measurable goals were recorded in the success plan yet."
        return "Each result is measured from the baseline at the start towards the agreed target; progress is the share of that distance covered."
    if key == "adoption":
        users = facts["adoption"]["active_users"]
        if not users or not any(users):
            return "Usage data is not yet flowing for this account."
        peak = max(users)
        return f"Monthly active users reached {number(peak)} at their peak and stood at {number(users[-1])} in the latest month."
    if key == "milestones":
        m = facts["milestones"]
        if not m["total"]:
            return "No milestones were planned yet."
        return f"{m['done_count']} of {m['total']} milestones of the success plan are complete."
    if key == "value":
        if not value["money"]:
            return "No value drivers have recorded value for this account yet."
        hours = f", including {number(value['hours'])} hours saved" if value["hours"] else ""
        return f"Translated into business terms, the results represent {money(value['money'])} of value{hours}."
    if key == "wins":
        return ""  # the chosen quotes speak for themselves; without any, the section is left out
    if key == "risks":
        if not facts["risks"]["resolved"] and not facts["risks"]["saves"]:
            return "No risks needed to be resolved during this period."
        return "Issues that could have put the results at risk were identified early and resolved."
    if key == "next_steps":
        if not facts["next_steps"]:
            return "With the goals above in reach, the next step is to agree the targets for the coming term."
        return "Building on the value realized, these are the natural next steps."
    return ""


def resolved_sections(stored: list[dict], facts: dict, *, included_only: bool = True) -> list[dict]:
    """Sections with their final text: the CSM's wording, or the suggestion when none."""
    result = []
    for section in normalized_sections(stored):
        if included_only and not section["included"]:
            continue
        if section["key"] == "wins" and not facts["quotes"] and not section["body"]:
            continue  # a quotes section without quotes says nothing to the reader
        result.append({**section, "body": section["body"] or suggested_text(section["key"], facts), "edited": bool(section["body"])})
    return result
