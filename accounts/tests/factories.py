"""factory_boy factories for customer data. Pass ``organization=`` (and ``account=``) explicitly."""

import datetime as dt
from decimal import Decimal

import factory
from django.utils import timezone

from accounts.models import Account, Contact, ContractLine, Note, SupportTicket, SurveyAnswer, Touchpoint
from retention.tests.factories import OrganizationFactory


class AccountFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Account

    organization = factory.SubFactory(OrganizationFactory)
    external_id = factory.Sequence(lambda n: f"acct-{n}")
    name = factory.Sequence(lambda n: f"Customer {n}")
    segment = "mid_market"
    start_date = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=200))


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    account = factory.SubFactory(AccountFactory)
    organization = factory.SelfAttribute("account.organization")
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"contact{n}@customer.test")
    stakeholder_role = "user"


class ContractLineFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ContractLine

    account = factory.SubFactory(AccountFactory)
    organization = factory.SelfAttribute("account.organization")
    product = "Growth plan"
    mrr = Decimal("1000.00")
    seats_licensed = 20
    start_date = factory.LazyFunction(lambda: dt.date.today() - dt.timedelta(days=200))
    renewal_date = factory.LazyAttribute(lambda o: o.start_date + dt.timedelta(days=365))
    billing_period = "annual"


class SupportTicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SupportTicket

    account = factory.SubFactory(AccountFactory)
    organization = factory.SelfAttribute("account.organization")
    subject = "Export fails"
    opened_at = factory.LazyFunction(timezone.now)


class SurveyAnswerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = SurveyAnswer

    account = factory.SubFactory(AccountFactory)
    organization = factory.SelfAttribute("account.organization")
    kind = "nps"
    score = 9
    answered_at = factory.LazyFunction(timezone.now)


class TouchpointFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Touchpoint

    account = factory.SubFactory(AccountFactory)
    organization = factory.SelfAttribute("account.organization")
    kind = "qbr"
    occurred_at = factory.LazyFunction(timezone.now)


class NoteFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Note

    account = factory.SubFactory(AccountFactory)
    organization = factory.SelfAttribute("account.organization")
    body = "Good call with the champion."
    sentiment = "positive"
