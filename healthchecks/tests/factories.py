"""Helpers that build health-check data through the real services. Pass ``organization=`` explicitly."""

from __future__ import annotations

from datetime import datetime

from healthchecks import definitions, selectors, services
from healthchecks.models import Kind, Questionnaire, Response


def default_questionnaire(organization, kind: str = Kind.ADOPTION) -> Questionnaire:
    services.questionnaire_ensure_defaults(organization=organization)
    return Questionnaire.objects.get(organization=organization, kind=kind, is_default=True)


def healthcheck_link(*, organization, account, kind: str = Kind.ADOPTION, expires_in_days: int = 30, respondent_limit: int | None = None, by=None):
    questionnaire = default_questionnaire(organization, kind)
    return services.healthcheck_link_create(
        organization=organization,
        account_id=account.id,
        questionnaire_id=questionnaire.id,
        expires_in_days=expires_in_days,
        respondent_limit=respondent_limit,
        by=by,
    )


def all_answers(definition: dict, value: int = 4, overrides: dict | None = None) -> dict[str, int]:
    answers = {q["key"]: value for g in definition["groups"] for q in g["questions"] if q["type"] == "likert"}
    answers.update(overrides or {})
    return answers


def submit_response(
    *,
    organization,
    account,
    kind: str = Kind.ADOPTION,
    value: int = 4,
    overrides: dict | None = None,
    barrier_text: str = "",
    respondent_name: str = "",
    submitted_at: datetime | None = None,
    link=None,
) -> Response:
    """A submitted response through a fresh link (or ``link``), optionally back-dated."""
    link = link or healthcheck_link(organization=organization, account=account, kind=kind).link
    version = selectors.published_version(organization_id=organization.id, version_id=link.target_id)
    response = services.response_submit(
        link=link,
        version=version,
        answers=all_answers(version.definition, value, overrides),
        barrier_text=barrier_text,
        respondent={"name": respondent_name},
    )
    if submitted_at is not None:
        Response.objects.filter(pk=response.pk).update(submitted_at=submitted_at)
        response.submitted_at = submitted_at
    return response


__all__ = ["definitions", "default_questionnaire", "healthcheck_link", "all_answers", "submit_response"]
