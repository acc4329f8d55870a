"""Sentiment KPIs from survey answers: NPS (0–10 answers) and CSAT (1–5 answers)."""

from __future__ import annotations

from collections.abc import Iterable

from .registry import Unit, kpi

PROMOTER_MIN = 9  # 9 and 10
DETRACTOR_MAX = 6  # 0 to 6
CSAT_SATISFIED_MIN = 4  # 4 and 5


def _checked(scores: Iterable[int], low: int, high: int, survey: str) -> list[int]:
    scores = list(scores)
    for score in scores:
        if not low <= score <= high:
            raise ValueError(f"{survey} answers are {low}–{high}; got {score}")
    return scores


@kpi("nps", name="NPS", unit=Unit.NPS, higher_is_better=True)
def net_promoter_score(scores: Iterable[int]) -> float | None:
    """Net Promoter Score: the percentage of promoters (answers 9–10) minus the percentage of detractors (answers 0–6).

    Passives (7–8) count in the total only. Unit: points from −100 (all detractors) to +100 (all
    promoters). No answer: no value.

    Inputs: NPS answers (integers 0–10); an answer outside that range raises ``ValueError``.
    """
    scores = _checked(scores, 0, 10, "NPS")
    if not scores:
        return None
    promoters = sum(1 for s in scores if s >= PROMOTER_MIN)
    detractors = sum(1 for s in scores if s <= DETRACTOR_MAX)
    return 100 * (promoters - detractors) / len(scores)


@kpi("csat", name="CSAT", unit=Unit.RATIO, higher_is_better=True)
def customer_satisfaction(scores: Iterable[int]) -> float | None:
    """Customer satisfaction (CSAT): answers of 4 or 5 on the 1–5 scale ÷ all answers.

    Unit: percent of respondents satisfied. No answer: no value.

    Inputs: CSAT answers (integers 1–5); an answer outside that range raises ``ValueError``.
    """
    scores = _checked(scores, 1, 5, "CSAT")
    if not scores:
        return None
    return sum(1 for s in scores if s >= CSAT_SATISFIED_MIN) / len(scores)
