"""Objects of one organization for the tenancy sweep (see tests/sweep.py): customer data."""

from accounts.models import Account, Contact, ContractLine, Note, SupportTicket, SurveyAnswer, Touchpoint
from accounts.tests.factories import (
    AccountFactory,
    ContactFactory,
    ContractLineFactory,
    NoteFactory,
    SupportTicketFactory,
    SurveyAnswerFactory,
    TouchpointFactory,
)
from tests.sweep import registers, registers_model


def _account(organization):
    return AccountFactory(organization=organization, name=f"{organization.name} customer", external_id=f"{organization.slug}-cust-{Account.objects.count()}")


@registers_model(Account)
def account(organization):
    return _account(organization)


@registers("account_id")
def account_id(organization):
    return _account(organization).pk


@registers_model(Contact)
def contact(organization):
    return ContactFactory(
        account=_account(organization), name=f"{organization.name} contact", external_id=f"{organization.slug}-contact-{Contact.objects.count()}"
    )


@registers("contact_id")
def contact_id(organization):
    return contact(organization).pk


@registers_model(ContractLine)
def contract_line(organization):
    return ContractLineFactory(
        account=_account(organization), product=f"{organization.name} plan", external_id=f"{organization.slug}-line-{ContractLine.objects.count()}"
    )


@registers("contract_line_id")
def contract_line_id(organization):
    return contract_line(organization).pk


@registers_model(SupportTicket)
def ticket(organization):
    return SupportTicketFactory(
        account=_account(organization), subject=f"{organization.name} ticket", external_id=f"{organization.slug}-t-{SupportTicket.objects.count()}"
    )


@registers("ticket_id")
def ticket_id(organization):
    return ticket(organization).pk


@registers_model(SurveyAnswer)
def survey_answer(organization):
    return SurveyAnswerFactory(
        account=_account(organization), comment=f"{organization.name} answer", external_id=f"{organization.slug}-s-{SurveyAnswer.objects.count()}"
    )


@registers("survey_answer_id")
def survey_answer_id(organization):
    return survey_answer(organization).pk


@registers_model(Touchpoint)
def touchpoint(organization):
    return TouchpointFactory(
        account=_account(organization), summary=f"{organization.name} QBR", external_id=f"{organization.slug}-tp-{Touchpoint.objects.count()}"
    )


@registers("touchpoint_id")
def touchpoint_id(organization):
    return touchpoint(organization).pk


@registers_model(Note)
def note(organization):
    return NoteFactory(account=_account(organization), body=f"{organization.name} note")


@registers("note_id")
def note_id(organization):
    return note(organization).pk
