"""Is the health score predictive? Replays scoring at past dates and measures how well it separated
the accounts that churned (or contracted) in the following 90 days from the others; proposes
re-fitted weights (L2-regularized logistic regression over the same normalized measures) and shows
the AUC they would have had on a later hold-out period.

Definitions (shown on the page with the figures):
- ROC AUC: the probability that a randomly chosen account that churned had a lower score than a
  randomly chosen one that did not (0.5 = no better than chance, 1 = perfect).
- Top-decile lift: churn rate among the 10% lowest-scored observations divided by the overall rate.
- Churn rate per band: the share of observations of that band whose account churned within 90 days.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass

from django.db.models import Q, Sum
from django.utils import timezone

from accounts.models import Account, ContractLine
from retention.models import Organization, User

from . import facts as facts_module
from .models import BacktestRun, Band, Scorecard
from .scorecards import MEASURES, scorecard_create_version
from .scoring import OK, composite, compute_measures, depth_raw_values, percentile_ranks

HORIZON_DAYS = 90
CHUNK = 500


@dataclass
class Observation:
    account_id: int
    day: dt.date
    score: float | None
    band: str
    normalized: dict[str, float | None]  # None where the measure was stale or missing
    churned: bool
    contracted: bool


def default_dates(*, today: dt.date | None = None, periods: int = 12, step_days: int = 30) -> list[dt.date]:
    """Monthly replay dates ending 90 days ago (so every outcome window has closed)."""
    last = (today or timezone.now().date()) - dt.timedelta(days=HORIZON_DAYS)
    return [last - dt.timedelta(days=step_days * i) for i in reversed(range(periods))]


def _mrr_at(*, organization: Organization, account_ids: list[int], day: dt.date) -> dict[int, float]:
    running = Q(start_date__lte=day) & (Q(end_date__isnull=True) | Q(end_date__gte=day))
    rows = ContractLine.objects.filter(running, organization=organization, account_id__in=account_ids).values("account_id").annotate(m=Sum("mrr"))
    return {r["account_id"]: float(r["m"] or 0) for r in rows}


def replay(*, organization: Organization, definition: dict, dates: list[dt.date]) -> list[Observation]:
    """Scores computed in memory (nothing stored) at each date, with what happened next."""
    observations: list[Observation] = []
    for day in dates:
        ids = facts_module.population(organization=organization, day=day)
        if not ids:
            continue
        org_facts = facts_module.load_org_facts(organization=organization, day=day, definition=definition)
        pct = percentile_ranks(depth_raw_values(org_facts, ids))
        horizon = day + dt.timedelta(days=HORIZON_DAYS)
        for start in range(0, len(ids), CHUNK):
            chunk = ids[start : start + CHUNK]
            facts = facts_module.load_account_facts(organization=organization, day=day, account_ids=chunk, org_facts=org_facts)
            churned = set(
                Account.objects.filter(organization=organization, id__in=chunk, churned_on__gt=day, churned_on__lte=horizon).values_list("id", flat=True)
            )
            mrr_later = _mrr_at(organization=organization, account_ids=chunk, day=horizon)
            for aid in chunk:
                measures = compute_measures(aid=aid, day=day, org_facts=org_facts, facts=facts, definition=definition, depth_percentile=pct)
                result = composite(measures, definition)
                now_mrr = facts.mrr.get(aid, 0.0)
                observations.append(
                    Observation(
                        account_id=aid,
                        day=day,
                        score=result.score,
                        band=result.band,
                        normalized={k: (m.normalized if m.status == OK else None) for k, m in measures.items()},
                        churned=aid in churned,
                        contracted=aid in churned or (now_mrr > 0 and mrr_later.get(aid, 0.0) < now_mrr - 0.005),
                    )
                )
    return observations


def auc(labels: list[bool], scores: list[float]) -> float | None:
    """ROC AUC of ``scores`` where a LOWER score should mean ``True`` (churn); None if one class."""
    from sklearn.metrics import roc_auc_score

    if len(set(labels)) < 2:
        return None
    return float(roc_auc_score(labels, [-s for s in scores]))


def separation(observations: list[Observation], outcome: str) -> dict:
    """AUC, top-decile lift and the rate per band for one outcome ('churned' or 'contracted')."""
    scored = [o for o in observations if o.score is not None]
    labels = [getattr(o, outcome) for o in scored]
    n, positives = len(scored), sum(labels)
    overall = positives / n if n else None
    lift = None
    if n and positives:
        k = max(1, math.ceil(n / 10))
        lowest = sorted(scored, key=lambda o: (o.score, o.account_id))[:k]
        lift = (sum(getattr(o, outcome) for o in lowest) / k) / overall
    bands = {}
    for band in (Band.GREEN, Band.YELLOW, Band.RED):
        rows = [getattr(o, outcome) for o in scored if o.band == band]
        bands[band.value] = {"observations": len(rows), "events": sum(rows), "rate": (sum(rows) / len(rows)) if rows else None}
    return {
        "observations": n,
        "events": positives,
        "rate": overall,
        "auc": auc(labels, [o.score for o in scored]),
        "top_decile_lift": lift,
        "bands": bands,
    }


def _features(observations: list[Observation], keys: list[str]) -> list[list[float]]:
    # A stale or missing measure is put at the middle (50) so it pushes neither way.
    return [[(o.normalized.get(k) if o.normalized.get(k) is not None else 50.0) / 100.0 for k in keys] for o in observations]


def _rescore(observations: list[Observation], weights: dict[str, float]) -> list[float | None]:
    """The composite each observation would have had with ``weights`` (same missing-data rule)."""
    out = []
    for o in observations:
        fresh = {k: v for k, v in o.normalized.items() if v is not None and weights.get(k, 0) > 0}
        total = sum(weights[k] for k in fresh)
        out.append(sum(weights[k] * v for k, v in fresh.items()) / total if total else None)
    return out


def refit(observations: list[Observation], definition: dict, *, outcome: str = "churned", holdout_share: float = 1 / 3) -> dict | None:
    """Weights from a logistic regression on the earlier dates, judged on the later (hold-out) dates."""
    from sklearn.linear_model import LogisticRegression

    dates = sorted({o.day for o in observations})
    if len(dates) < 2:
        return None
    cut = dates[max(1, int(len(dates) * (1 - holdout_share)))] if len(dates) > 2 else dates[-1]
    train = [o for o in observations if o.day < cut]
    holdout = [o for o in observations if o.day >= cut]
    train_labels = [getattr(o, outcome) for o in train]
    if len(set(train_labels)) < 2:
        return None
    keys = list(MEASURES)
    model = LogisticRegression(C=1.0, class_weight="balanced", max_iter=1000)
    model.fit(_features(train, keys), train_labels)
    # A measure that protects against churn has a negative coefficient; its weight is its size.
    raw = {k: max(0.0, -float(c)) for k, c in zip(keys, model.coef_[0], strict=True)}
    total = sum(raw.values())
    if total <= 0:
        return None
    weights = {k: round(100 * v / total, 1) for k, v in raw.items()}
    current = {k: float(definition["measures"][k]["weight"]) for k in keys}
    holdout_labels = [getattr(o, outcome) for o in holdout]

    def holdout_auc(w):
        pairs = [(label, s) for label, s in zip(holdout_labels, _rescore(holdout, w), strict=True) if s is not None]
        return auc([p[0] for p in pairs], [p[1] for p in pairs]) if pairs else None

    return {
        "outcome": outcome,
        "train_dates": [d.isoformat() for d in dates if d < cut],
        "holdout_dates": [d.isoformat() for d in dates if d >= cut],
        "train_observations": len(train),
        "holdout_observations": len(holdout),
        "weights": weights,
        "coefficients": {k: round(float(c), 4) for k, c in zip(keys, model.coef_[0], strict=True)},
        "holdout_auc_current": holdout_auc(current),
        "holdout_auc_proposed": holdout_auc(weights),
    }


def usable_dates(*, organization: Organization, dates: list[dt.date]) -> list[dt.date]:
    """The dates with a full usage history behind them (two 28-day windows after the first
    rollup day): earlier replays would score accounts without their usage measures."""
    from django.db.models import Min

    from accounts.models import DailyEventCount

    first = DailyEventCount.objects.filter(organization=organization).aggregate(m=Min("day"))["m"]
    if first is None:
        return dates
    return [d for d in dates if d >= first + dt.timedelta(days=2 * facts_module.WINDOW)]


def run_backtest(*, organization: Organization, scorecard: Scorecard, dates: list[dt.date] | None = None, by: User | None = None) -> BacktestRun:
    """Replay, measure and propose; the report is stored for the validation page."""
    dates = usable_dates(organization=organization, dates=dates or default_dates())
    observations = replay(organization=organization, definition=scorecard.definition, dates=dates)
    report = {
        "scorecard_version": scorecard.version,
        "dates": [d.isoformat() for d in dates],
        "horizon_days": HORIZON_DAYS,
        "churn": separation(observations, "churned"),
        "churn_or_contraction": separation(observations, "contracted"),
        "proposal": refit(observations, scorecard.definition),
    }
    return BacktestRun.objects.create(organization=organization, scorecard=scorecard, created_by=by, report=report)


def backtest_accept_weights(*, organization: Organization, run: BacktestRun, by: User | None) -> Scorecard:
    """Make the run's proposed weights a new scorecard version (thresholds and bands unchanged)."""
    proposal = run.report.get("proposal")
    if not proposal:
        from django.core.exceptions import ValidationError

        raise ValidationError("This backtest has no proposed weights.")
    definition = Scorecard.objects.get(organization=organization, is_active=True).definition
    for key, weight in proposal["weights"].items():
        definition["measures"][key]["weight"] = weight
    note = f"Re-fitted weights from the backtest of {run.created_at:%Y-%m-%d} (hold-out AUC {proposal['holdout_auc_proposed'] or 0:.2f})"
    return scorecard_create_version(organization=organization, definition=definition, by=by, note=note)
