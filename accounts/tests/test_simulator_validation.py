"""Simulated data passes the same validation as API input.

A sample of every kind of stored record is read back, shaped by the API serializers, validated
by them, and created through the same services the API calls, in a second organization. A sample
of the stored events goes through the ingestion service again, into that organization.
"""

from __future__ import annotations

import datetime as dt

import pytest

from accounts import services
from accounts.ingest import event_batch_ingest
from accounts.models import Account, Contact, ContractLine, Note, SupportTicket, SurveyAnswer, Touchpoint, UsageEvent
from accounts.serializers import AccountSerializer, ContactSerializer, ContractLineSerializer, SurveyAnswerSerializer, TicketSerializer, TouchpointSerializer
from accounts.simulation import simulate
from retention import rls
from retention.models import Membership, Organization, Role
from retention.tests.factories import OrganizationFactory

READ_ONLY = {"id", "created_at", "updated_at"}


@pytest.fixture(autouse=True)
def _simulation_dir(settings, tmp_path):
    settings.SIMULATION_DIR = tmp_path


def _payload(serializer_class, instance) -> dict:
    return {k: v for k, v in serializer_class(instance).data.items() if k not in READ_ONLY}


def _through_api_rules(serializer_class, payload: dict, create, *, organization):
    serializer = serializer_class(data=payload)
    assert serializer.is_valid(), (payload, serializer.errors)
    return create(organization=organization, actor=None, data=dict(serializer.validated_data))


@pytest.mark.django_db(transaction=True)
def test_a_sample_of_every_simulated_record_passes_the_api_validation():
    # given a simulated organization
    simulate(organization_slug="sim-valid", accounts=25, days=200, seed=31, end_date=dt.date(2026, 6, 1), profile="test", progress=False)
    source = Organization.objects.get(slug="sim-valid")
    target = OrganizationFactory(slug="sim-valid-copy")
    for membership in Membership.objects.filter(organization=source, role=Role.CSM):
        Membership.objects.create(organization=target, user=membership.user, role=Role.CSM)

    with rls.tenant_context(source.id):
        accounts = list(Account.objects.filter(organization=source).select_related("owner").order_by("external_id")[:8])
        chosen = [a.id for a in accounts]
        contacts = list(Contact.objects.filter(organization=source, account_id__in=chosen).select_related("account").order_by("external_id"))
        lines = list(ContractLine.objects.filter(organization=source, account_id__in=chosen).select_related("account").order_by("external_id"))
        tickets = list(SupportTicket.objects.filter(organization=source, account_id__in=chosen).select_related("account").order_by("external_id")[:40])
        answers = list(
            SurveyAnswer.objects.filter(organization=source, account_id__in=chosen).select_related("account", "contact").order_by("external_id")[:40]
        )
        touchpoints = list(
            Touchpoint.objects.filter(organization=source, account_id__in=chosen)
            .select_related("account")
            .prefetch_related("contacts")
            .order_by("external_id")[:40]
        )
        notes = list(Note.objects.filter(organization=source, account_id__in=chosen).select_related("account", "author").order_by("id")[:20])
        events = list(UsageEvent.objects.filter(organization=source, account_id__in=chosen).select_related("account").order_by("message_id")[:2000])
    # (every kind is represented in the sample)
    assert all([contacts, lines, tickets, answers, touchpoints, notes, events])

    # when each record goes through the API serializer and the service behind the API
    with rls.tenant_context(target.id):
        for a in accounts:
            _through_api_rules(AccountSerializer, _payload(AccountSerializer, a), services.account_create, organization=target)
        for c in contacts:
            _through_api_rules(ContactSerializer, _payload(ContactSerializer, c), services.contact_create, organization=target)
        for ln in lines:
            _through_api_rules(ContractLineSerializer, _payload(ContractLineSerializer, ln), services.contract_line_create, organization=target)
        for t in tickets:
            _through_api_rules(TicketSerializer, _payload(TicketSerializer, t), services.ticket_create, organization=target)
        for s in answers:
            _through_api_rules(SurveyAnswerSerializer, _payload(SurveyAnswerSerializer, s), services.survey_answer_create, organization=target)
        for tp in touchpoints:
            copy = _through_api_rules(TouchpointSerializer, _payload(TouchpointSerializer, tp), services.touchpoint_create, organization=target)
            # an executive sponsor present makes it an executive touchpoint: the simulator agrees
            assert copy.executive_present == tp.executive_present
        for n in notes:
            services.note_create(organization=target, account=n.account.external_id, author=n.author, body=n.body, sentiment=n.sentiment)
        result = event_batch_ingest(
            organization=target,
            events=[
                {
                    "account": e.account.external_id,
                    "user": e.user_external_id,
                    "event": e.event,
                    "timestamp": e.timestamp.isoformat(),
                    "properties": e.properties,
                    "value": e.value,
                    "message_id": e.message_id,
                }
                for e in events
            ],
        )

    # then everything was accepted
    assert result.rejected == 0 and result.accepted == len(events)
    with rls.tenant_context(target.id):
        assert Account.objects.filter(organization=target).count() == len(accounts)
        assert ContractLine.objects.filter(organization=target).count() == len(lines)
        assert SurveyAnswer.objects.filter(organization=target).count() == len(answers)
