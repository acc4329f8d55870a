"""Writes of the healthchecks app: default questionnaires, copies and versions, links, responses."""

from __future__ import annotations

import copy
from dataclasses import dataclass
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone

from accounts.models import Account
from retention import sharing
from retention.models import Organization, SharedLink, User
from retention.services import audit_record

from . import definitions
from .models import Kind, Questionnaire, QuestionnaireVersion, Response

TARGET_TYPE = "healthchecks.questionnaireversion"


class RespondentLimitReached(Exception):
    """The link has accepted as many responses as its respondent limit allows."""


# --- Questionnaires ----------------------------------------------------------------------------


def questionnaire_ensure_defaults(*, organization: Organization) -> None:
    """Create the built-in adoption health check and retention assessment (published v1) once."""
    existing = set(Questionnaire.objects.filter(organization=organization, is_default=True).values_list("kind", flat=True))
    for kind in Kind.values:
        if kind in existing:
            continue
        definition = definitions.default_definition(kind)
        try:
            with transaction.atomic():
                questionnaire = Questionnaire.objects.create(organization=organization, name=definition["title"], kind=kind, is_default=True)
                QuestionnaireVersion.objects.create(
                    organization=organization,
                    questionnaire=questionnaire,
                    number=1,
                    status=QuestionnaireVersion.Status.PUBLISHED,
                    definition=definition,
                    published_at=timezone.now(),
                )
        except IntegrityError:  # created concurrently by another request
            continue


def _latest_published(questionnaire: Questionnaire) -> QuestionnaireVersion | None:
    return questionnaire.versions.filter(status=QuestionnaireVersion.Status.PUBLISHED).order_by("-number").first()


@transaction.atomic
def questionnaire_copy(*, organization: Organization, questionnaire_id: int, name: str, by: User) -> Questionnaire:
    """A new questionnaire whose draft v1 starts from the source's latest version."""
    source = Questionnaire.objects.get(organization=organization, pk=questionnaire_id)
    name = name.strip()[:120]
    if not name:
        raise ValidationError({"name": "Give the copy a name."})
    if Questionnaire.objects.filter(organization=organization, name__iexact=name).exists():
        raise ValidationError({"name": "A questionnaire with this name already exists."})
    latest = source.versions.order_by("-number").first()
    definition = copy.deepcopy(latest.definition)
    definition["title"] = name
    questionnaire = Questionnaire.objects.create(organization=organization, name=name, kind=source.kind, copied_from=source)
    QuestionnaireVersion.objects.create(organization=organization, questionnaire=questionnaire, number=1, definition=definition, created_by=by)
    audit_record(organization=organization, actor=by, action="questionnaire.copied", target=questionnaire, after={"from": source.name})
    return questionnaire


@transaction.atomic
def version_draft_for_edit(*, organization: Organization, questionnaire_id: int, by: User) -> QuestionnaireVersion:
    """The questionnaire's draft; when all versions are published, a new draft copied from the latest."""
    questionnaire = Questionnaire.objects.select_for_update().get(organization=organization, pk=questionnaire_id)
    draft = questionnaire.versions.filter(status=QuestionnaireVersion.Status.DRAFT).first()
    if draft is not None:
        return draft
    latest = questionnaire.versions.order_by("-number").first()
    return QuestionnaireVersion.objects.create(
        organization=organization,
        questionnaire=questionnaire,
        number=latest.number + 1,
        definition=copy.deepcopy(latest.definition),
        created_by=by,
    )


@transaction.atomic
def version_update_draft(*, organization: Organization, version_id: int, definition: dict, by: User) -> QuestionnaireVersion:
    """Save an edited definition into a draft. Published versions are immutable."""
    version = QuestionnaireVersion.objects.select_for_update().get(organization=organization, pk=version_id)
    if version.status != QuestionnaireVersion.Status.DRAFT:
        raise ValidationError("A published version cannot change; edit a new draft instead.")
    errors = definitions.validate_definition(definition)
    if errors:
        raise ValidationError(errors)
    version.definition = definition
    version.save(update_fields=["definition"])
    return version


@transaction.atomic
def version_publish(*, organization: Organization, questionnaire_id: int, by: User) -> QuestionnaireVersion:
    version = (
        QuestionnaireVersion.objects.select_for_update()
        .filter(organization=organization, questionnaire_id=questionnaire_id, status=QuestionnaireVersion.Status.DRAFT)
        .first()
    )
    if version is None:
        raise ValidationError("There is no draft to publish.")
    errors = definitions.validate_definition(version.definition)
    if errors:
        raise ValidationError(errors)
    version.status = QuestionnaireVersion.Status.PUBLISHED
    version.published_at = timezone.now()
    version.save(update_fields=["status", "published_at"])
    audit_record(organization=organization, actor=by, action="questionnaire.published", target=version, after={"number": version.number})
    return version


# --- Links -------------------------------------------------------------------------------------


def healthcheck_link_create(
    *, organization: Organization, account_id: int, questionnaire_id: int, expires_in_days: int, respondent_limit: int | None, by: User
) -> sharing.IssuedLink:
    """A shared link to the questionnaire's latest published version for one account."""
    account = Account.objects.filter(organization=organization, pk=account_id).first()
    questionnaire = Questionnaire.objects.filter(organization=organization, pk=questionnaire_id).first()
    if account is None:
        raise ValidationError({"account": "Choose one of your accounts."})
    version = _latest_published(questionnaire) if questionnaire else None
    if version is None:
        raise ValidationError({"questionnaire": "Choose a questionnaire with a published version."})
    return sharing.shared_link_create(
        organization=organization,
        account=account,
        purpose=SharedLink.Purpose.HEALTHCHECK,
        created_by=by,
        expires_at=timezone.now() + timedelta(days=expires_in_days),
        target=version,
        respondent_limit=respondent_limit,
        label=f"{questionnaire.name} for {account.name}",
    )


# --- Respondent answers ------------------------------------------------------------------------


@dataclass
class StepInput:
    answers: dict[str, int]
    barrier_text: str | None
    errors: dict[str, str]


def parse_step(*, group: dict, data, required: bool = True) -> StepInput:
    """Validate one step's answers from POST data. Every rated statement needs an answer
    (with ``required=False`` only the statements present in ``data`` are read)."""
    answers: dict[str, int] = {}
    barrier_text = None
    errors: dict[str, str] = {}
    for question in group["questions"]:
        raw = (data.get(question["key"]) or "").strip()
        if question["type"] == "barrier":
            if not required and question["key"] not in data:
                continue
            if len(raw) > definitions.BARRIER_MAX_LENGTH:
                errors[question["key"]] = f"Please keep this under {definitions.BARRIER_MAX_LENGTH:,} characters."
            else:
                barrier_text = raw
            continue
        if not raw:
            if required:
                errors[question["key"]] = "Choose an answer (or “Don't know”)."
            continue
        try:
            value = int(raw)
        except ValueError:
            value = -1
        if value not in definitions.LIKERT_VALUES:
            errors[question["key"]] = "Choose one of the answers shown."
        else:
            answers[question["key"]] = value
    return StepInput(answers=answers, barrier_text=barrier_text, errors=errors)


def parse_respondent(*, data) -> tuple[dict[str, str], dict[str, str]]:
    """Optional name, email and role; (cleaned, errors)."""
    cleaned = {k: (data.get(k) or "").strip() for k in ("name", "email", "role")}
    errors: dict[str, str] = {}
    for key in ("name", "role"):
        if len(cleaned[key]) > 120:
            errors[key] = "Please keep this under 120 characters."
    if cleaned["email"]:
        try:
            validate_email(cleaned["email"])
        except ValidationError:
            errors["email"] = "Enter an email address like name@company.com, or leave it empty."
    return cleaned, errors


def missing_answers(*, definition: dict, answers: dict[str, int]) -> list[tuple[int, dict]]:
    """(step index, question) of every rated statement not yet answered."""
    return [
        (index, question)
        for index, group in enumerate(definition["groups"])
        for question in group["questions"]
        if question["type"] == "likert" and question["key"] not in answers
    ]


def response_submit(*, link: SharedLink, version: QuestionnaireVersion, answers: dict[str, int], barrier_text: str, respondent: dict[str, str]) -> Response:
    """Store one complete response and its scores; takes a slot of the link's respondent limit.

    Raises ValidationError (nothing stored) when a rated statement is unanswered or invalid, and
    RespondentLimitReached when the link is full.
    """
    definition = version.definition
    missing = missing_answers(definition=definition, answers=answers)
    invalid = [key for key, value in answers.items() if value not in definitions.LIKERT_VALUES]
    if missing or invalid:
        raise ValidationError(
            {q["key"]: "Choose an answer (or “Don't know”)." for _, q in missing} | dict.fromkeys(invalid, "Choose one of the answers shown.")
        )
    known = {q["key"] for g in definition["groups"] for q in g["questions"] if q["type"] == "likert"}
    dimension_scores, overall = definitions.score_answers(definition, answers)
    # No savepoint inside the request's transaction (two round trips saved); nothing in the
    # block raises in the normal course, and a full link is reported after the block.
    created = None
    with transaction.atomic(savepoint=False):
        if sharing.shared_link_claim_response(link=link):
            created = Response.objects.create(
                organization_id=link.organization_id,
                account_id=link.account_id,
                version=version,
                kind=version.questionnaire.kind,
                shared_link=link,
                respondent_name=respondent.get("name", "")[:120],
                respondent_email=respondent.get("email", "")[:254],
                respondent_role=respondent.get("role", "")[:120],
                answers={k: v for k, v in answers.items() if k in known},
                barrier_text=(barrier_text or "")[: definitions.BARRIER_MAX_LENGTH],
                dimension_scores=dimension_scores,
                overall_score=overall,
            )
    if created is None:
        raise RespondentLimitReached
    return created
