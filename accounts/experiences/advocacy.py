"""Advocacy story builder: drafts from recorded outcomes (KPI results, value totals, milestones
reached, customer quotes) and promoter signals — a testimonial, a case-study outline, a referral
note and an internal win summary. Drafts are starting points the CSM edits (``StoryDraft``);
nothing here invents a number that is not recorded.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from accounts.models import Account, SurveyAnswer
from accounts.plans.selectors import plan_detail

PROMOTER_FROM = 9


@dataclass
class Story:
    account: Account
    results: list[str] = field(default_factory=list)  # "KPI: baseline → current unit (target …)"
    milestones: list[str] = field(default_factory=list)
    hours: float = 0.0
    money: float = 0.0
    value_multiple: float | None = None
    quotes: list[str] = field(default_factory=list)
    latest_nps: int | None = None
    drafts: dict[str, str] = field(default_factory=dict)

    @property
    def is_promoter(self) -> bool:
        return self.latest_nps is not None and self.latest_nps >= PROMOTER_FROM

    @property
    def has_outcomes(self) -> bool:
        return bool(self.results or self.money or self.hours)


def _num(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 10 else f"{value:,.1f}"


def story_for_account(*, organization, account: Account, as_of: dt.date) -> Story:
    detail = plan_detail(organization=organization, account=account, as_of=as_of, with_history=False)
    story = Story(account=account)
    for view in detail.kpis:
        k, p = view.kpi, view.progress
        if p.current is not None and p.progress is not None and p.progress > 0:
            story.results.append(f"{k.name}: from {_num(k.baseline)} to {_num(p.current)} {k.unit}".rstrip() + f" (target {_num(k.target)})")
    story.milestones = [m.title for m in detail.milestones if m.status == "done"]
    from accounts.plans.value import value_totals_for_account

    value = value_totals_for_account(organization=organization, account=account, end=as_of)
    story.hours, story.money, story.value_multiple = value.hours, value.money, value.value_multiple
    answers = list(SurveyAnswer.objects.filter(organization=organization, account=account, kind=SurveyAnswer.Kind.NPS).order_by("-answered_at", "-id")[:20])
    story.latest_nps = answers[0].score if answers else None
    story.quotes = [a.comment.strip() for a in answers if a.score >= PROMOTER_FROM and a.comment.strip()][:3]
    story.drafts = _drafts(story)
    return story


def _drafts(s: Story) -> dict[str, str]:
    name = s.account.name
    results = "\n".join(f"- {r}" for r in s.results) or "- (record KPI results on the success plan first)"
    value = []
    if s.hours:
        value.append(f"{_num(s.hours)} hours saved")
    if s.money:
        value.append(f"{_num(s.money)} in value delivered")
    if s.value_multiple:
        value.append(f"{s.value_multiple:.1f}× the spend")
    value_line = ", ".join(value) or "value not yet quantified"
    quote = f"“{s.quotes[0]}”" if s.quotes else "(add a quote from the champion)"
    headline = s.results[0] if s.results else value_line
    return {
        "testimonial": f"{quote}\n\n— {name}. Results so far: " + (f"{headline}; {value_line}." if s.results else f"{value_line}."),
        "case_study": (
            f"Case study outline: {name}\n\n1. The challenge: what {name} set out to change.\n2. The approach: "
            f"{'; '.join(s.milestones[:4]) or 'the milestones reached'}.\n3. The results:\n{results}\n   Value: {value_line}.\n4. In their words: {quote}\n"
            "5. What comes next."
        ),
        "referral": f"Would you be open to a short call with a peer considering us? Your results — {headline} — are exactly what they hope to achieve.",
        "win_summary": f"Win: {name}\nResults:\n{results}\nValue: {value_line}.\nMilestones reached: {len(s.milestones)}."
        + (f"\nPromoter (latest NPS {s.latest_nps})." if s.is_promoter else ""),
    }
