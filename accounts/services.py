"""Writes of customer data: accounts, contacts, contract lines, tickets, survey answers,
touchpoints and notes.

Every function is keyword-only, validates its whole input before writing (raising
``django.core.exceptions.ValidationError`` with a ``{field: [message]}`` dict a person can act
on), writes inside one transaction, and records an audit entry naming the actor (a user or an
API key). ``data`` dicts use the model's field names; cross references may be given as objects
or by reference:

- ``account``: an ``Account`` of the organization, or its external id;
- ``owner`` (accounts): a ``User`` who is a member of the organization, their id, or their email;
- ``contact`` (survey answers) and ``contacts`` (touchpoint attendees): ``Contact`` objects of
  the same account, their ids (int), or their external ids (str).

Upserts look the row up by ``external_id`` within the organization and return
``(instance, created)``.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError, models, transaction
from django.utils import timezone

from retention.models import ApiKey, Membership, Organization, User
from retention.services import audit_record

from .models import Account, Contact, ContractLine, Note, SupportTicket, SurveyAnswer, Touchpoint, TouchpointAttendee

Actor = User | ApiKey | None

# Events dated further ahead than this are treated as a clock or unit error, not as real data.
FUTURE_TOLERANCE = dt.timedelta(hours=1)


class _Errors(dict):
    """Collects ``{field: [messages]}`` so every problem of one input is reported at once."""

    def add(self, name: str, message: str) -> None:
        self.setdefault(name, []).append(message)

    def merge(self, exc: ValidationError) -> None:
        for name, messages in exc.message_dict.items():
            for message in messages:
                self.add(name, message)

    def raise_if_any(self) -> None:
        if self:
            raise ValidationError(dict(self))


@dataclass(frozen=True)
class _Spec:
    """What one record type accepts in ``data`` and how its references and rules are checked."""

    model: type[models.Model]
    label: str
    fields: tuple[str, ...]
    # Extra rules on the fully assembled instance; add errors to the collector.
    check: Callable[[models.Model, _Errors], None] | None = None


def _has_nul(value: Any) -> bool:
    """NUL cannot be stored in (or even compared with) a PostgreSQL text column."""
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, list | tuple):
        return any(_has_nul(item) for item in value)
    return False


# --- References ------------------------------------------------------------------------------


def _resolve_account(*, organization: Organization, value: Any) -> Account:
    if isinstance(value, Account):
        if value.organization_id != organization.id:
            raise ValidationError({"account": ["This account does not belong to this organization."]})
        return value
    if value is None or (isinstance(value, str) and not value.strip()):
        raise ValidationError({"account": ["Give the account's external id."]})
    account = Account.objects.filter(organization=organization, external_id=str(value).strip()).first()
    if account is None:
        raise ValidationError({"account": [f"No account with external id '{value}' in this organization."]})
    return account


def _resolve_owner(*, organization: Organization, value: Any) -> User | None:
    if value in (None, ""):
        return None
    memberships = Membership.objects.filter(organization=organization).select_related("user")
    if isinstance(value, User):
        membership = memberships.filter(user=value).first()
    elif isinstance(value, int) or (isinstance(value, str) and value.isdigit()):
        membership = memberships.filter(user_id=int(value)).first()
    else:
        membership = memberships.filter(user__email__iexact=str(value).strip()).first()
    if membership is None:
        raise ValidationError({"owner": [f"'{value}' is not a member of this organization; the owner must be one of its members."]})
    return membership.user


def _resolve_contact(*, organization: Organization, account: Account, value: Any, name: str) -> Contact:
    if isinstance(value, Contact):
        contact = value if value.organization_id == organization.id else None
    elif isinstance(value, int) and not isinstance(value, bool):
        contact = Contact.objects.filter(organization=organization, pk=value).first()
    elif isinstance(value, str) and value.strip():
        contact = Contact.objects.filter(organization=organization, external_id=value.strip()).first()
    else:
        raise ValidationError({name: [f"'{value}' is not a contact reference: give a contact's id or external id."]})
    if contact is None:
        raise ValidationError({name: [f"No contact '{value}' in this organization."]})
    if contact.account_id != account.pk:
        raise ValidationError({name: [f"Contact '{contact.name}' belongs to another account than {account.name}."]})
    return contact


# --- Per-type rules --------------------------------------------------------------------------


def _future(value: dt.datetime | None) -> bool:
    return value is not None and value > timezone.now() + FUTURE_TOLERANCE


def _check_account(account: Account, errors: _Errors) -> None:
    if account.start_date and account.churned_on and account.churned_on < account.start_date:
        errors.add("churned_on", "The churn date cannot be before the start date.")


def _check_contract_line(line: ContractLine, errors: _Errors) -> None:
    if line.mrr is not None and line.mrr < 0:
        errors.add("mrr", "MRR cannot be negative.")
    if line.discount_percent is not None and not (0 <= line.discount_percent <= 100):
        errors.add("discount_percent", "The discount is a percentage between 0 and 100.")
    if line.start_date and line.end_date and line.end_date < line.start_date:
        errors.add("end_date", "The end date cannot be before the start date.")
    if line.start_date and line.renewal_date and line.renewal_date < line.start_date:
        errors.add("renewal_date", "The renewal date cannot be before the start date.")


def _check_ticket(ticket: SupportTicket, errors: _Errors) -> None:
    if _future(ticket.opened_at):
        errors.add("opened_at", "A ticket cannot be opened in the future.")
    if ticket.opened_at and ticket.resolved_at and ticket.resolved_at < ticket.opened_at:
        errors.add("resolved_at", "A ticket cannot be resolved before it was opened.")


def _check_survey_answer(answer: SurveyAnswer, errors: _Errors) -> None:
    if answer.score is not None:
        if answer.kind == SurveyAnswer.Kind.NPS and not 0 <= answer.score <= 10:
            errors.add("score", "An NPS score is between 0 and 10.")
        elif answer.kind == SurveyAnswer.Kind.CSAT and not 1 <= answer.score <= 5:
            errors.add("score", "A CSAT score is between 1 and 5.")
    if _future(answer.answered_at):
        errors.add("answered_at", "An answer cannot be dated in the future.")


ACCOUNT = _Spec(
    Account,
    "account",
    ("external_id", "name", "domain", "segment", "tier", "owner", "lifecycle_stage", "touch_model", "start_date", "churned_on"),
    _check_account,
)
CONTACT = _Spec(
    Contact,
    "contact",
    ("account", "external_id", "name", "email", "title", "department", "stakeholder_role", "last_engaged_at", "left_on"),
)
CONTRACT_LINE = _Spec(
    ContractLine,
    "contract_line",
    (
        "account",
        "external_id",
        "product",
        "is_addon",
        "mrr",
        "seats_licensed",
        "start_date",
        "end_date",
        "renewal_date",
        "billing_period",
        "discount_percent",
    ),
    _check_contract_line,
)
TICKET = _Spec(
    SupportTicket,
    "ticket",
    ("account", "external_id", "subject", "priority", "status", "escalated", "opened_at", "resolved_at"),
    _check_ticket,
)
SURVEY_ANSWER = _Spec(
    SurveyAnswer,
    "survey_answer",
    ("account", "contact", "external_id", "kind", "score", "comment", "answered_at"),
    _check_survey_answer,
)
TOUCHPOINT = _Spec(
    Touchpoint,
    "touchpoint",
    ("account", "external_id", "kind", "occurred_at", "executive_present", "summary", "contacts"),
)


# --- The shared write path -------------------------------------------------------------------


def _plain(value: Any) -> Any:
    """A JSON-safe form of a field value for the audit log."""
    if isinstance(value, dt.datetime | dt.date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, Account):
        return value.external_id
    if isinstance(value, User):
        return value.email
    if isinstance(value, Contact):
        return value.external_id or value.pk
    return value


def _snapshot(spec: _Spec, instance: models.Model, attendees: list[Contact] | None = None) -> dict:
    snapshot = {}
    for name in spec.fields:
        if name == "contacts":
            snapshot[name] = sorted((_plain(c) for c in attendees or []), key=str)
        else:
            snapshot[name] = _plain(getattr(instance, name))
    return snapshot


def _current_attendees(touchpoint: Touchpoint) -> list[Contact]:
    if touchpoint.pk is None:
        return []
    return list(touchpoint.contacts.all())


def _resolve_attendees(*, organization: Organization, account: Account, given: Any, errors: _Errors) -> list[Contact]:
    if isinstance(given, str | bytes) or not isinstance(given, Iterable):
        errors.add("contacts", "Give a list of contact ids or external ids.")
        return []
    attendees: list[Contact] = []
    for value in given:
        try:
            contact = _resolve_contact(organization=organization, account=account, value=value, name="contacts")
        except ValidationError as exc:
            errors.merge(exc)
            continue
        if contact not in attendees:
            attendees.append(contact)
    return attendees


def _assign(*, spec: _Spec, organization: Organization, instance: models.Model, data: dict) -> list[Contact] | None:
    """Put ``data`` on ``instance`` and validate the result; return the new attendee list when
    touchpoint contacts were given. Raises ``ValidationError`` with every problem found."""
    unknown = sorted(set(data) - set(spec.fields))
    errors = _Errors()
    for name in unknown:
        errors.add(name, f"Unknown field; a {spec.label.replace('_', ' ')} accepts {', '.join(spec.fields)}.")
    errors.raise_if_any()

    for name, value in data.items():
        if _has_nul(value):
            errors.add(name, "Remove the NUL character (\\x00); it cannot be stored.")
    errors.raise_if_any()

    plain = {k: v for k, v in data.items() if k not in ("account", "owner", "contact", "contacts")}
    for name, value in plain.items():
        model_field = spec.model._meta.get_field(name)
        if isinstance(value, str):
            value = value.strip()
        if value in ("", None) and model_field.null:
            value = None
        elif value is None and isinstance(model_field, models.CharField | models.TextField):
            value = ""
        setattr(instance, name, value)

    # References first: later checks (contact on the same account) need the account.
    if "account" in data:
        try:
            instance.account = _resolve_account(organization=organization, value=data["account"])
        except ValidationError as exc:
            errors.merge(exc)
    elif "account" in spec.fields and instance.account_id is None:
        errors.add("account", "Give the account's external id.")
    if "owner" in data:
        try:
            instance.owner = _resolve_owner(organization=organization, value=data["owner"])
        except ValidationError as exc:
            errors.merge(exc)

    exclude = [f.name for f in spec.model._meta.get_fields() if f.is_relation]
    try:
        instance.clean_fields(exclude=exclude)
    except ValidationError as exc:
        errors.merge(exc)
    for name in plain:
        current = getattr(instance, name)
        if name not in errors and isinstance(current, dt.datetime) and timezone.is_naive(current):
            # A timestamp without an offset is read as UTC, the API's documented convention.
            setattr(instance, name, timezone.make_aware(current, dt.UTC))

    attendees = None
    has_account = getattr(instance, "account_id", None) is not None and "account" not in errors
    if "contact" in spec.fields and has_account:
        contact_value = data.get("contact", instance.contact if instance.contact_id else None)
        if contact_value in (None, ""):
            instance.contact = None
        else:
            try:
                instance.contact = _resolve_contact(organization=organization, account=instance.account, value=contact_value, name="contact")
            except ValidationError as exc:
                errors.merge(exc)
    if "contacts" in spec.fields and has_account:
        given = data.get("contacts")
        if given is None and "account" in data and instance.pk is not None:
            given = _current_attendees(instance)  # re-check existing attendees against a new account
        if given is not None:
            attendees = _resolve_attendees(organization=organization, account=instance.account, given=given, errors=errors)

    if "external_id" in spec.fields and "external_id" not in errors:
        external_id = instance.external_id
        if spec is ACCOUNT and not external_id:
            errors.add("external_id", "Give the account's external id (your own id for this customer).")
        elif external_id:
            clash = spec.model.objects.filter(organization=organization, external_id=external_id).exclude(pk=instance.pk)
            if clash.exists():
                errors.add("external_id", f"Another {spec.label.replace('_', ' ')} already has the external id '{external_id}'.")

    if spec.check is not None and not errors:
        spec.check(instance, errors)
    errors.raise_if_any()
    return attendees


def _save(*, spec: _Spec, organization: Organization, actor: Actor, instance: models.Model, data: dict) -> models.Model:
    created = instance.pk is None
    before = None if created else _snapshot(spec, instance, _current_attendees(instance) if spec is TOUCHPOINT else None)
    attendees = _assign(spec=spec, organization=organization, instance=instance, data=data)
    if spec is TOUCHPOINT and attendees is not None and any(c.stakeholder_role == "executive_sponsor" for c in attendees):
        # An executive sponsor in the room is an executive touchpoint whatever the form said.
        instance.executive_present = True
    instance.save()
    if attendees is not None:
        _set_attendees(organization=organization, touchpoint=instance, contacts=attendees)
    if spec is TOUCHPOINT and attendees is None:
        attendees = _current_attendees(instance)
    after = _snapshot(spec, instance, attendees)
    if before is not None:
        changed = {k for k in after if before.get(k) != after.get(k)}
        before = {k: v for k, v in before.items() if k in changed}
        after = {k: v for k, v in after.items() if k in changed}
    audit_record(
        organization=organization,
        actor=actor,
        action=f"{spec.label}.{'created' if created else 'updated'}",
        target=instance,
        before=before,
        after=after,
    )
    return instance


def _set_attendees(*, organization: Organization, touchpoint: Touchpoint, contacts: list[Contact]) -> None:
    wanted = {c.pk for c in contacts}
    TouchpointAttendee.objects.filter(organization=organization, touchpoint=touchpoint).exclude(contact_id__in=wanted).delete()
    present = set(TouchpointAttendee.objects.filter(organization=organization, touchpoint=touchpoint).values_list("contact_id", flat=True))
    TouchpointAttendee.objects.bulk_create([TouchpointAttendee(organization=organization, touchpoint=touchpoint, contact_id=pk) for pk in wanted - present])


def _check_own(*, spec: _Spec, organization: Organization, instance: models.Model) -> None:
    if not isinstance(instance, spec.model) or instance.organization_id != organization.id or instance.pk is None:
        # A programming error at the edge, not user input: the caller must load objects by organization.
        raise ValueError(f"Expected a saved {spec.model.__name__} of organization {organization.pk}.")


def _conflict(spec: _Spec, exc: IntegrityError, external_id: str) -> ValidationError:
    # Only a concurrent writer gets here: validation has already checked the same rules.
    if "external_id" in str(exc):
        return ValidationError({"external_id": [f"Another {spec.label.replace('_', ' ')} already has the external id '{external_id}'."]})
    return ValidationError({"__all__": ["The record conflicts with a concurrent change; try again."]})


def _create(spec: _Spec, *, organization: Organization, actor: Actor, data: dict) -> models.Model:
    try:
        with transaction.atomic():
            return _save(spec=spec, organization=organization, actor=actor, instance=spec.model(organization=organization), data=data)
    except IntegrityError as exc:
        raise _conflict(spec, exc, data.get("external_id", ""))


def _update(spec: _Spec, *, organization: Organization, instance: models.Model, actor: Actor, data: dict) -> models.Model:
    _check_own(spec=spec, organization=organization, instance=instance)
    try:
        with transaction.atomic():
            locked = spec.model.objects.select_for_update().get(organization=organization, pk=instance.pk)
            saved = _save(spec=spec, organization=organization, actor=actor, instance=locked, data=data)
    except IntegrityError as exc:
        raise _conflict(spec, exc, data.get("external_id", ""))
    for name in spec.fields:  # the caller's object reflects the write
        if name != "contacts":
            setattr(instance, name, getattr(saved, name))
    return saved


def _upsert(spec: _Spec, *, organization: Organization, external_id: str, actor: Actor, data: dict) -> tuple[models.Model, bool]:
    external_id = (external_id or "").strip()
    if not external_id:
        raise ValidationError({"external_id": ["An upsert needs the external id to match on."]})
    if "external_id" in data and str(data["external_id"]).strip() != external_id:
        raise ValidationError({"external_id": ["The external id in the data differs from the one to match on."]})
    data = {**data, "external_id": external_id}
    for attempt in range(2):
        try:
            with transaction.atomic():
                existing = spec.model.objects.select_for_update().filter(organization=organization, external_id=external_id).first()
                instance = existing if existing is not None else spec.model(organization=organization)
                return _save(spec=spec, organization=organization, actor=actor, instance=instance, data=data), existing is None
        except IntegrityError as exc:
            # A concurrent insert of the same external id won the race; the second attempt updates it.
            if attempt or "external_id" not in str(exc):
                raise _conflict(spec, exc, external_id)
    raise AssertionError("unreachable: the second attempt returns or raises")


# --- Public services -------------------------------------------------------------------------


def account_create(*, organization: Organization, actor: Actor, data: dict) -> Account:
    return _create(ACCOUNT, organization=organization, actor=actor, data=data)


def account_update(*, organization: Organization, account: Account, actor: Actor, data: dict) -> Account:
    return _update(ACCOUNT, organization=organization, instance=account, actor=actor, data=data)


def account_upsert(*, organization: Organization, external_id: str, actor: Actor, data: dict) -> tuple[Account, bool]:
    return _upsert(ACCOUNT, organization=organization, external_id=external_id, actor=actor, data=data)


def contact_create(*, organization: Organization, actor: Actor, data: dict) -> Contact:
    return _create(CONTACT, organization=organization, actor=actor, data=data)


def contact_update(*, organization: Organization, contact: Contact, actor: Actor, data: dict) -> Contact:
    return _update(CONTACT, organization=organization, instance=contact, actor=actor, data=data)


def contact_upsert(*, organization: Organization, external_id: str, actor: Actor, data: dict) -> tuple[Contact, bool]:
    return _upsert(CONTACT, organization=organization, external_id=external_id, actor=actor, data=data)


def contract_line_create(*, organization: Organization, actor: Actor, data: dict) -> ContractLine:
    return _create(CONTRACT_LINE, organization=organization, actor=actor, data=data)


def contract_line_update(*, organization: Organization, contract_line: ContractLine, actor: Actor, data: dict) -> ContractLine:
    return _update(CONTRACT_LINE, organization=organization, instance=contract_line, actor=actor, data=data)


def contract_line_upsert(*, organization: Organization, external_id: str, actor: Actor, data: dict) -> tuple[ContractLine, bool]:
    return _upsert(CONTRACT_LINE, organization=organization, external_id=external_id, actor=actor, data=data)


def ticket_create(*, organization: Organization, actor: Actor, data: dict) -> SupportTicket:
    return _create(TICKET, organization=organization, actor=actor, data=data)


def ticket_update(*, organization: Organization, ticket: SupportTicket, actor: Actor, data: dict) -> SupportTicket:
    return _update(TICKET, organization=organization, instance=ticket, actor=actor, data=data)


def ticket_upsert(*, organization: Organization, external_id: str, actor: Actor, data: dict) -> tuple[SupportTicket, bool]:
    return _upsert(TICKET, organization=organization, external_id=external_id, actor=actor, data=data)


def survey_answer_create(*, organization: Organization, actor: Actor, data: dict) -> SurveyAnswer:
    return _create(SURVEY_ANSWER, organization=organization, actor=actor, data=data)


def survey_answer_update(*, organization: Organization, survey_answer: SurveyAnswer, actor: Actor, data: dict) -> SurveyAnswer:
    return _update(SURVEY_ANSWER, organization=organization, instance=survey_answer, actor=actor, data=data)


def survey_answer_upsert(*, organization: Organization, external_id: str, actor: Actor, data: dict) -> tuple[SurveyAnswer, bool]:
    return _upsert(SURVEY_ANSWER, organization=organization, external_id=external_id, actor=actor, data=data)


def touchpoint_create(*, organization: Organization, actor: Actor, data: dict) -> Touchpoint:
    return _create(TOUCHPOINT, organization=organization, actor=actor, data=data)


def touchpoint_update(*, organization: Organization, touchpoint: Touchpoint, actor: Actor, data: dict) -> Touchpoint:
    return _update(TOUCHPOINT, organization=organization, instance=touchpoint, actor=actor, data=data)


def touchpoint_upsert(*, organization: Organization, external_id: str, actor: Actor, data: dict) -> tuple[Touchpoint, bool]:
    return _upsert(TOUCHPOINT, organization=organization, external_id=external_id, actor=actor, data=data)


@transaction.atomic
def note_create(*, organization: Organization, account: Account | str, author: User, body: str, sentiment: str = Note.Sentiment.NEUTRAL) -> Note:
    """A CSM's note on an account. The author must be a member of the organization."""
    errors = _Errors()
    body = (body or "").strip()
    if _has_nul(body):
        errors.add("body", "Remove the NUL character (\\x00); it cannot be stored.")
    elif not body:
        errors.add("body", "Write something in the note.")
    try:
        account = _resolve_account(organization=organization, value="" if _has_nul(account) else account)
    except ValidationError as exc:
        errors.merge(exc)
    if not Membership.objects.filter(organization=organization, user=author).exists():
        errors.add("author", "Only a member of the organization can write a note.")
    if sentiment not in Note.Sentiment.values:
        errors.add("sentiment", "Choose positive, neutral or negative.")
    errors.raise_if_any()
    note = Note.objects.create(organization=organization, account=account, author=author, body=body, sentiment=sentiment)
    audit_record(organization=organization, actor=author, action="note.created", target=note, after={"account": account.external_id, "sentiment": sentiment})
    return note
