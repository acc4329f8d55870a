"""The figures of a renewal business case, read live from the account's data.

``case_facts`` gathers everything a case shows into plain JSON-serializable values (numbers,
strings, ISO dates), so that publishing can freeze them unchanged into a snapshot and the PDF can
be rendered from the snapshot alone. Definitions (the same words appear in the document):

- **Value delivered**: the value-driver totals since the account's start
  (``accounts.plans.value``): hours saved × money per hour, plus revenue influenced and cost saved.
- **Spend**: Σ over contract lines of MRR × days of the line since the start × 12 ÷ 365.
- **ROI** = (value − spend) ÷ spend; **value multiple** = value ÷ spend.
- **Monthly active users**: distinct users with at least one event in the calendar month.
- **Monthly events**: all usage events of the month (the daily rollups).
- **Risks avoided**: risk indicators that were open and have since closed, and save plans closed
  as saved.
"""

from __future__ import annotations

import datetime as dt

from django.db.models import Count, Sum
from django.db.models.functions import TruncMonth

from accounts import mrr
from accounts.models import Account, DailyActiveUser, DailyEventCount, Note, SurveyAnswer
from accounts.plans.models import ExpansionSignal, MilestoneStatus
from accounts.plans.selectors import plan_detail
from accounts.plans.value import value_totals_for_account
from accounts.selectors import accounts_with_figures

HISTORY_MONTHS = 24  # at most two years of monthly adoption figures
QUOTE_MAX_CHARS = 600


def _months(first: dt.date, last: dt.date) -> list[dt.date]:
    return mrr.month_range(mrr.month_start(first), mrr.month_start(last))


def _round(value: float | None, digits: int = 2) -> float | None:
    return None if value is None else round(float(value), digits)


def contract_facts(*, organization, account: Account, today: dt.date) -> dict:
    row = accounts_with_figures(organization=organization, today=today).filter(pk=account.pk).values("arr", "mrr", "seats", "next_renewal").first()
    row = row or {"arr": 0, "mrr": 0, "seats": 0, "next_renewal": None}
    return {
        "arr": _round(row["arr"]),
        "mrr": _round(row["mrr"]),
        "seats": int(row["seats"] or 0),
        "next_renewal": row["next_renewal"].isoformat() if row["next_renewal"] else None,
    }


def goal_facts(detail) -> list[dict]:
    goals = []
    for goal_view in detail.goals:
        kpis = []
        for kpi_view in goal_view.kpis:
            kpi, progress = kpi_view.kpi, kpi_view.progress
            kpis.append(
                {
                    "name": kpi.name,
                    "unit": kpi.unit,
                    "baseline": _round(kpi.baseline),
                    "target": _round(kpi.target),
                    "current": _round(progress.current),
                    "progress": _round(progress.progress, 4),
                    "status": progress.status,
                    "status_label": progress.label,
                    "start_date": kpi.start_date.isoformat(),
                    "target_date": kpi.target_date.isoformat(),
                }
            )
        goals.append({"title": goal_view.goal.title, "description": goal_view.goal.description, "kpis": kpis})
    return goals


def milestone_facts(detail) -> dict:
    done = sorted(
        (m for m in detail.milestones if m.status == MilestoneStatus.DONE),
        key=lambda m: (m.completed_on or m.due_date or dt.date.max, m.position, m.pk),
    )
    return {
        "total": len(detail.milestones),
        "done_count": len(done),
        "done": [
            {
                "title": m.title,
                "phase": m.get_phase_display(),
                "completed_on": (m.completed_on or m.due_date).isoformat() if (m.completed_on or m.due_date) else None,
            }
            for m in done
        ],
    }


def adoption_facts(*, organization, account: Account, today: dt.date) -> dict:
    """Monthly active users and events, from the later of the start and 24 months ago."""
    earliest = mrr.add_months(mrr.month_start(today), -(HISTORY_MONTHS - 1))
    first = max(earliest, mrr.month_start(account.start_date)) if account.start_date else earliest
    months = _months(first, today)
    users = dict(
        DailyActiveUser.objects.filter(organization=organization, account=account, day__gte=first, day__lte=today)
        .annotate(month=TruncMonth("day"))
        .values("month")
        .annotate(n=Count("user_external_id", distinct=True))
        .values_list("month", "n")
    )
    events = dict(
        DailyEventCount.objects.filter(organization=organization, account=account, day__gte=first, day__lte=today)
        .annotate(month=TruncMonth("day"))
        .values("month")
        .annotate(n=Sum("count"))
        .values_list("month", "n")
    )
    users = {(k.date() if isinstance(k, dt.datetime) else k): v for k, v in users.items()}
    events = {(k.date() if isinstance(k, dt.datetime) else k): v for k, v in events.items()}
    # The months before the first event are left out, so a late integration does not read as a
    # collapse in adoption.
    while months and not users.get(months[0]) and not events.get(months[0]):
        months.pop(0)
    return {
        "months": [m.strftime("%Y-%m") for m in months],
        "active_users": [int(users.get(m, 0)) for m in months],
        "events": [int(events.get(m, 0) or 0) for m in months],
    }


def value_facts(*, organization, account: Account, today: dt.date) -> dict:
    totals = value_totals_for_account(organization=organization, account=account, end=today)
    return {
        "start": totals.start.isoformat() if totals.start else None,
        "end": totals.end.isoformat(),
        "drivers": [
            {"name": d.name, "kind": d.kind, "kind_label": d.kind_label, "units": _round(d.units), "hours": _round(d.hours), "money": _round(d.money)}
            for d in totals.drivers
            if d.units
        ],
        "money": _round(totals.money),
        "hours": _round(totals.hours),
        "spend": _round(totals.spend),
        "roi": _round(totals.roi, 4),
        "multiple": _round(totals.value_multiple, 4),
    }


def risk_facts(*, organization, account: Account) -> dict:
    from dashboards.models import RiskIndicator, SavePlan

    closed = RiskIndicator.objects.filter(organization=organization, account=account, closed_on__isnull=False).order_by("-closed_on")[:10]
    saves = SavePlan.objects.filter(organization=organization, account=account, status=SavePlan.Status.SAVED).order_by("-closed_on")[:5]
    return {
        "resolved": [{"label": r.get_kind_display(), "opened_on": r.opened_on.isoformat(), "closed_on": r.closed_on.isoformat()} for r in closed],
        "saves": [{"opened_on": s.opened_on.isoformat(), "closed_on": s.closed_on.isoformat() if s.closed_on else None} for s in saves],
    }


def next_step_facts(detail) -> list[dict]:
    if detail.plan is None:
        return []
    signals = ExpansionSignal.objects.filter(organization=detail.plan.organization_id, plan=detail.plan, status=ExpansionSignal.Status.OPEN).order_by(
        "-noted_on"
    )
    return [{"kind_label": s.get_kind_display(), "description": s.description} for s in signals[:8]]


# --- Quotes ------------------------------------------------------------------------------------


def quote_candidates(*, organization, account: Account, limit: int = 30) -> list[dict]:
    """Free text the CSM may quote: positive and neutral notes, survey comments, health-check
    answers. Newest first; each has a ``key`` stored on the draft when chosen."""
    candidates = []
    notes = Note.objects.filter(organization=organization, account=account).exclude(sentiment=Note.Sentiment.NEGATIVE).order_by("-created_at")[:limit]
    for note in notes:
        candidates.append({"key": f"note:{note.pk}", "text": note.body, "who": "Noted by our team", "on": note.created_at.date(), "source": "CSM note"})
    answers = (
        SurveyAnswer.objects.filter(organization=organization, account=account).exclude(comment="").select_related("contact").order_by("-answered_at")[:limit]
    )
    for answer in answers:
        who = (answer.contact.title or answer.contact.get_stakeholder_role_display()) if answer.contact else "Customer respondent"
        candidates.append(
            {
                "key": f"survey:{answer.pk}",
                "text": answer.comment,
                "who": who,
                "on": answer.answered_at.date(),
                "source": f"{answer.get_kind_display()} {answer.score}",
            }
        )
    candidates.extend(_healthcheck_candidates(organization=organization, account=account, limit=limit))
    candidates.sort(key=lambda c: c["on"], reverse=True)
    return candidates


def _healthcheck_candidates(*, organization, account: Account, limit: int) -> list[dict]:
    from healthchecks.models import Response

    responses = Response.objects.filter(organization=organization, account=account).exclude(barrier_text="").order_by("-submitted_at")[:limit]
    return [
        {
            "key": f"response:{r.pk}",
            "text": r.barrier_text,
            "who": r.respondent_role or "Health-check respondent",
            "on": r.submitted_at.date(),
            "source": r.get_kind_display(),
        }
        for r in responses
    ]


def quotes_for_keys(*, organization, account: Account, keys: list[str]) -> list[dict]:
    """The chosen quotes, in the order chosen; keys whose source no longer exists are skipped."""
    wanted = set(keys)
    by_key = {c["key"]: c for c in quote_candidates(organization=organization, account=account, limit=200) if c["key"] in wanted}
    return [
        {"text": by_key[k]["text"][:QUOTE_MAX_CHARS], "who": by_key[k]["who"], "on": by_key[k]["on"].isoformat(), "source": by_key[k]["source"]}
        for k in keys
        if k in by_key
    ]


# --- Everything --------------------------------------------------------------------------------


def headline_facts(*, goals: list[dict], milestones: dict, value: dict) -> dict:
    kpis = [k for g in goals for k in g["kpis"]]
    return {
        "kpis": len(kpis),
        "kpis_achieved": sum(1 for k in kpis if k["status"] == "achieved"),
        "kpis_on_track": sum(1 for k in kpis if k["status"] == "on_track"),
        "milestones_done": milestones["done_count"],
        "milestones_total": milestones["total"],
        "value": value["money"],
        "hours": value["hours"],
        "multiple": value["multiple"],
    }


def case_facts(*, organization, account: Account, today: dt.date, quote_keys: list[str] | None = None) -> dict:
    """Every figure a business case shows, as JSON-serializable values (see the module docstring)."""
    detail = plan_detail(organization=organization, account=account, as_of=today, with_history=False)
    goals = goal_facts(detail)
    milestones = milestone_facts(detail)
    value = value_facts(organization=organization, account=account, today=today)
    return {
        "as_of": today.isoformat(),
        "vendor": {"name": organization.name},
        "account": {
            "name": account.name,
            "segment": account.get_segment_display(),
            "start_date": account.start_date.isoformat() if account.start_date else None,
        },
        "plan": {"title": detail.plan.title, "summary": detail.plan.summary} if detail.plan else None,
        "contract": contract_facts(organization=organization, account=account, today=today),
        "goals": goals,
        "milestones": milestones,
        "adoption": adoption_facts(organization=organization, account=account, today=today),
        "value": value,
        "risks": risk_facts(organization=organization, account=account),
        "next_steps": next_step_facts(detail),
        "quotes": quotes_for_keys(organization=organization, account=account, keys=quote_keys or []),
        "headline": headline_facts(goals=goals, milestones=milestones, value=value),
    }


def champion_facts(*, organization, account: Account, today: dt.date) -> dict:
    """What the champion's live value dashboard shows — adoption, milestones, KPI progress, value
    against spend — and nothing else of the account (no notes, risks, contract terms or quotes)."""
    detail = plan_detail(organization=organization, account=account, as_of=today, with_history=False)
    goals = goal_facts(detail)
    milestones = milestone_facts(detail)
    value = value_facts(organization=organization, account=account, today=today)
    return {
        "as_of": today.isoformat(),
        "vendor": {"name": organization.name},
        "account": {"name": account.name, "segment": "", "start_date": account.start_date.isoformat() if account.start_date else None},
        "plan": None,
        "contract": {"arr": None, "mrr": None, "seats": 0, "next_renewal": None},
        "goals": goals,
        "milestones": milestones,
        "adoption": adoption_facts(organization=organization, account=account, today=today),
        "value": value,
        "risks": {"resolved": [], "saves": []},
        "next_steps": [],
        "quotes": [],
        "headline": headline_facts(goals=goals, milestones=milestones, value=value),
    }
