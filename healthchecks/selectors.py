"""Reads of the healthchecks app: aggregated results per account, over time, across the portfolio.

**The latest-period rule** (used by every aggregate here and by other apps through
``latest_results_for_accounts`` and ``zone_answers_for_accounts``): for each account, the latest
period is the ``LATEST_PERIOD_DAYS`` (90) days ending at its most recent response submitted on
or before ``as_of``. Within it:
- a dimension's score is the mean, over the respondents who have a score for it, of their
  dimension score (each respondent counts once, however many statements they answered);
- the overall score is the mean of those dimension scores (each dimension weighs the same);
- ``taken_at`` is the most recent response's submission time; ``respondents`` the count.
Responses to every version and copy of the same kind of questionnaire are pooled by dimension key.
"""

from __future__ import annotations

from collections import defaultdict
from datetime import datetime, timedelta

from django.db.models import Count, Max

from accounts.models import Account, Segment
from retention.models import Organization, SharedLink

from . import definitions
from .models import Kind, Questionnaire, QuestionnaireVersion, Response

LATEST_PERIOD_DAYS = 90

_published_cache: dict[tuple[int, int], QuestionnaireVersion] = {}
_CACHE_MAX = 512


def published_version(*, organization_id: int, version_id: int | None) -> QuestionnaireVersion | None:
    """A published version (with its questionnaire). Published versions never change, so they are
    kept in a small per-process cache: the respondent flow reads one on every request."""
    if version_id is None:
        return None
    key = (organization_id, version_id)
    version = _published_cache.get(key)
    if version is None:
        version = (
            QuestionnaireVersion.objects.select_related("questionnaire")
            .filter(organization_id=organization_id, pk=version_id, status=QuestionnaireVersion.Status.PUBLISHED)
            .first()
        )
        if version is None:
            return None
        if len(_published_cache) >= _CACHE_MAX:
            _published_cache.clear()
        _published_cache[key] = version
    return version


def _mean(values: list[float]) -> float | None:
    return round(sum(values) / len(values), 2) if values else None


def aggregate(responses: list[Response]) -> dict:
    """Combine respondents' scores: see the module docstring."""
    per_dimension: dict[str, list[float]] = defaultdict(list)
    for response in responses:
        for key, score in (response.dimension_scores or {}).items():
            per_dimension[key].append(float(score))
    dimensions = {key: _mean(values) for key, values in per_dimension.items()}
    overall = _mean(list(dimensions.values()))
    return {
        "overall": overall,
        "dimensions": dimensions,
        "taken_at": max(r.submitted_at for r in responses) if responses else None,
        "respondents": len(responses),
    }


def _latest_period_responses(*, organization: Organization, account_ids, as_of: datetime, kind: str) -> dict[int, list[Response]]:
    base = Response.objects.filter(organization=organization, account_id__any=list(account_ids), kind=kind, submitted_at__lte=as_of)
    latest = dict(base.values("account_id").annotate(last=Max("submitted_at")).values_list("account_id", "last"))
    if not latest:
        return {}
    window = timedelta(days=LATEST_PERIOD_DAYS)
    earliest = min(latest.values()) - window
    grouped: dict[int, list[Response]] = defaultdict(list)
    rows = base.filter(submitted_at__gt=earliest).only("id", "account_id", "dimension_scores", "submitted_at")
    for response in rows:
        if response.submitted_at > latest[response.account_id] - window:
            grouped[response.account_id].append(response)
    return grouped


def latest_results_for_accounts(*, organization: Organization, account_ids, as_of: datetime) -> dict[int, dict]:
    """Adoption health-check results per account for the latest period (rule in the module docstring).

    ``{account_id: {"overall": 0–100, "dimensions": {key: 0–100}, "taken_at": datetime, "respondents": n}}``;
    accounts without a response on or before ``as_of`` are absent. Dimension keys are those of the
    definitions (``usage_frequency``, ``team_engagement``, … see ``definitions.ADOPTION_DIMENSIONS``).
    """
    grouped = _latest_period_responses(organization=organization, account_ids=account_ids, as_of=as_of, kind=Kind.ADOPTION)
    return {account_id: aggregate(responses) for account_id, responses in grouped.items()}


def zone_answers_for_accounts(*, organization: Organization, account_ids, as_of: datetime) -> dict[int, dict[str, float]]:
    """Zone → 0–100 per account from retention-architecture assessments (latest-period rule).

    Each assessment dimension maps to a zone (``belief`` … ``recognition``) or layer (``trust``,
    ``intelligence``) in its definition; a zone's score is the mean of its dimensions' aggregated
    scores. Accounts without an assessment are absent.
    """
    grouped = _latest_period_responses(organization=organization, account_ids=account_ids, as_of=as_of, kind=Kind.RETENTION)
    if not grouped:
        return {}
    mapping = _dimension_zone_mapping(organization=organization, kind=Kind.RETENTION)
    result = {}
    for account_id, responses in grouped.items():
        dims = aggregate(responses)["dimensions"]
        collected: dict[str, list[float]] = defaultdict(list)
        for key, score in dims.items():
            zone = mapping.get(key)
            if zone and score is not None:
                collected[zone].append(score)
        result[account_id] = {zone: _mean(values) for zone, values in collected.items()}
    return result


def _dimension_zone_mapping(*, organization: Organization, kind: str) -> dict[str, str]:
    """Dimension key → zone, from every published version of that kind (newest wins)."""
    mapping: dict[str, str] = {}
    versions = QuestionnaireVersion.objects.filter(organization=organization, questionnaire__kind=kind, status=QuestionnaireVersion.Status.PUBLISHED).order_by(
        "published_at", "id"
    )
    for version in versions.only("definition"):
        for dimension in version.definition.get("dimensions", []):
            if dimension.get("zone"):
                mapping[dimension["key"]] = dimension["zone"]
    return mapping


def dimension_labels(*, organization: Organization, kind: str) -> dict[str, str]:
    """Dimension key → display name (the built-in names, overridden by published edits)."""
    labels = definitions.dimension_names(definitions.default_definition(kind))
    versions = QuestionnaireVersion.objects.filter(organization=organization, questionnaire__kind=kind, status=QuestionnaireVersion.Status.PUBLISHED)
    for version in versions.order_by("published_at", "id").only("definition"):
        labels.update(definitions.dimension_names(version.definition))
    return labels


# --- CSM pages ---------------------------------------------------------------------------------


def questionnaire_list(*, organization: Organization) -> list[Questionnaire]:
    questionnaires = list(Questionnaire.objects.filter(organization=organization).order_by("-is_default", "kind", "name"))
    versions = (
        QuestionnaireVersion.objects.filter(organization=organization).order_by("-number").only("id", "questionnaire_id", "number", "status", "published_at")
    )
    by_q: dict[int, list] = defaultdict(list)
    for version in versions:
        by_q[version.questionnaire_id].append(version)
    counts = dict(
        Response.objects.filter(organization=organization)
        .values("version__questionnaire_id")
        .annotate(n=Count("id"))
        .values_list("version__questionnaire_id", "n")
    )
    for q in questionnaires:
        q.version_list = by_q.get(q.id, [])
        q.latest_published = next((v for v in q.version_list if v.status == "published"), None)
        q.draft = next((v for v in q.version_list if v.status == "draft"), None)
        q.response_count = counts.get(q.id, 0)
    return questionnaires


def healthcheck_links(*, organization: Organization, account_id: int | None = None, limit: int = 100) -> list[SharedLink]:
    links = SharedLink.objects.filter(organization=organization, purpose=SharedLink.Purpose.HEALTHCHECK).select_related("created_by", "account")
    if account_id is not None:
        links = links.filter(account_id=account_id)
    links = list(links.order_by("-created_at", "-id")[:limit])
    version_ids = {link.target_id for link in links if link.target_id}
    versions = {
        v.id: v
        for v in QuestionnaireVersion.objects.filter(organization=organization, pk__in=version_ids)
        .select_related("questionnaire")
        .only("id", "number", "questionnaire__name")
    }
    for link in links:
        link.version = versions.get(link.target_id)
    return links


def account_history(*, organization: Organization, account_id: int, kind: str) -> list[dict]:
    """Aggregates per calendar quarter (oldest first) for the trend table and chart."""
    responses = list(
        Response.objects.filter(organization=organization, account_id=account_id, kind=kind)
        .only("id", "dimension_scores", "submitted_at")
        .order_by("submitted_at")
    )
    quarters: dict[str, list[Response]] = defaultdict(list)
    for response in responses:
        quarters[f"{response.submitted_at.year} Q{(response.submitted_at.month - 1) // 3 + 1}"].append(response)
    return [{"period": period, **aggregate(items)} for period, items in quarters.items()]


def account_responses(*, organization: Organization, account_id: int, limit: int = 50) -> list[Response]:
    return list(
        Response.objects.filter(organization=organization, account_id=account_id)
        .select_related("version__questionnaire")
        .order_by("-submitted_at", "-id")[:limit]
    )


def portfolio_insights(*, organization: Organization, as_of: datetime) -> dict:
    """Which adoption dimensions are weakest across the customer base, overall and by segment.

    Each account contributes its latest-period result (one vote per account, however many
    respondents). Per segment and dimension: the mean account score, and how many accounts
    have that dimension as their weakest.
    """
    accounts = list(Account.objects.filter(organization=organization).only("id", "segment"))
    results = latest_results_for_accounts(organization=organization, account_ids=[a.id for a in accounts], as_of=as_of)
    segment_of = {a.id: a.segment for a in accounts}
    labels = dimension_labels(organization=organization, kind=Kind.ADOPTION)
    segments = [s for s in Segment.values if any(segment_of[a] == s for a in results)]
    scores: dict[str, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    weakest_count: dict[str, int] = defaultdict(int)
    for account_id, result in results.items():
        dims = {k: v for k, v in result["dimensions"].items() if v is not None}
        for key, value in dims.items():
            scores[key][segment_of[account_id]].append(value)
            scores[key]["all"].append(value)
        if dims:
            weakest_count[min(dims, key=lambda k: (dims[k], k))] += 1
    rows = []
    for key in scores:
        rows.append(
            {
                "key": key,
                "name": labels.get(key, key.replace("_", " ").capitalize()),
                "all": _mean(scores[key]["all"]),
                "accounts": len(scores[key]["all"]),
                "by_segment": [_mean(scores[key].get(s, [])) for s in segments],
                "weakest_for": weakest_count.get(key, 0),
            }
        )
    rows.sort(key=lambda r: (r["all"] if r["all"] is not None else 101, r["key"]))
    return {"rows": rows, "segments": [(s, Segment(s).label) for s in segments], "accounts": len(results), "total_accounts": len(accounts)}
