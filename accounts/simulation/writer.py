"""Store generated accounts: records in bulk, usage events through the ingestion service.

Accounts, contacts, contract lines, tickets, survey answers, touchpoints and notes are
bulk-created (the values already obey the API's rules; ``accounts/tests/test_simulator_validation.py``
proves it by pushing a sample of stored rows back through the API serializers and services).
Usage events go through ``accounts.ingest.event_batch_ingest``, the one write path for events,
which keeps the daily rollups. Everything is written inside ``retention.rls.tenant_context``.
"""

from __future__ import annotations

import datetime as dt
import math
from collections.abc import Iterable
from decimal import Decimal

import numpy as np

from accounts.ingest import event_batch_ingest
from accounts.models import Account, Contact, ContractLine, Note, SupportTicket, SurveyAnswer, Touchpoint, TouchpointAttendee

from .generator import SimAccount, Window
from .profiles import EVENT_NAMES, VALUE_UNITS

# One shared properties dict per event name: events carry where in the product they happened.
_EVENT_PROPERTIES = [{"unit": VALUE_UNITS[name]} if name in VALUE_UNITS else {} for name in EVENT_NAMES]
_EPOCH = dt.datetime(1970, 1, 1, tzinfo=dt.UTC)


class EventIngestError(RuntimeError):
    """The ingestion service refused generated events: a simulator bug, never silently skipped."""


def _ticket_status(ticket: dict, window: Window) -> tuple[str, dt.datetime | None]:
    if ticket["resolved"] is None:
        return ("pending" if ticket["hours"] > 48 else "open"), None
    resolved = window.datetime(0, ticket["resolved"])
    age_days = window.days - ticket["resolved"] / 86400
    return ("closed" if age_days > 7 else "solved"), resolved


def write_records(*, organization, batch: list[SimAccount], window: Window, csm_users: list) -> dict[str, int]:
    """Bulk-create the batch's accounts and everything but events. Returns counts by kind."""
    org = organization
    accounts = Account.objects.bulk_create(
        [
            Account(
                organization=org,
                external_id=a.external_id,
                name=a.name,
                domain=a.domain,
                segment=a.segment,
                tier=a.tier,
                owner=csm_users[a.owner] if a.owner is not None else None,
                lifecycle_stage=a.lifecycle_stage,
                touch_model="human" if a.human else "tech",
                start_date=window.date(a.start_day),
                churned_on=window.date(a.churn_day) if a.churn_day is not None else None,
                created_at=window.datetime(a.start_day, 9 * 3600),
            )
            for a in batch
        ]
    )
    contacts_by_account: list[list[Contact]] = []
    contact_rows: list[Contact] = []
    for sim, account in zip(batch, accounts, strict=True):
        rows = [
            Contact(
                organization=org,
                account=account,
                external_id=f"{sim.external_id}-u{c['user']}",
                name=c["name"],
                email=c["email"],
                title=c["title"],
                department=c["department"],
                stakeholder_role=c["role"],
                last_engaged_at=window.datetime(0, c["last_engaged"]) if c["last_engaged"] is not None else None,
                left_on=window.date(c["left_day"]) if c["left_day"] is not None else None,
                created_at=window.datetime(c["joined_day"], 9 * 3600),
            )
            for c in sim.contacts
        ]
        contacts_by_account.append(rows)
        contact_rows.extend(rows)
    Contact.objects.bulk_create(contact_rows)

    lines, tickets, answers, touchpoints, notes = [], [], [], [], []
    attendee_lists: list[list[Contact]] = []
    for sim, account, contacts in zip(batch, accounts, contacts_by_account, strict=True):
        for ln in sim.lines:
            lines.append(
                ContractLine(
                    organization=org,
                    account=account,
                    external_id=f"{sim.external_id}-L{ln.key}",
                    product=ln.product,
                    is_addon=ln.is_addon,
                    mrr=Decimal(f"{ln.mrr:.2f}"),
                    seats_licensed=ln.seats,
                    start_date=window.date(ln.start),
                    end_date=window.date(ln.end) if ln.end is not None else None,
                    renewal_date=window.date(ln.renewal) if ln.renewal is not None else None,
                    billing_period=ln.billing,
                    discount_percent=Decimal(f"{ln.discount:.2f}"),
                    created_at=window.datetime(ln.start, 9 * 3600),
                )
            )
        for n, t in enumerate(sim.tickets):
            status, resolved = _ticket_status(t, window)
            opened = window.datetime(0, t["opened"])
            tickets.append(
                SupportTicket(
                    organization=org,
                    account=account,
                    external_id=f"{sim.external_id}-T{n + 1}",
                    subject=t["subject"],
                    priority=t["priority"],
                    status=status,
                    escalated=t["escalated"],
                    opened_at=opened,
                    resolved_at=resolved,
                    created_at=opened,
                )
            )
        for n, s in enumerate(sorted(sim.surveys, key=lambda s: (s["day"], s["second"], s["kind"]))):
            answered = window.datetime(s["day"], s["second"])
            answers.append(
                SurveyAnswer(
                    organization=org,
                    account=account,
                    contact=contacts[s["contact"]] if s["contact"] is not None else None,
                    external_id=f"{sim.external_id}-S{n + 1}",
                    kind=s["kind"],
                    score=s["score"],
                    comment=s["comment"],
                    answered_at=answered,
                    created_at=answered,
                )
            )
        for n, tp in enumerate(sorted(sim.touchpoints, key=lambda t: (t["day"], t["second"]))):
            occurred = window.datetime(tp["day"], tp["second"])
            touchpoints.append(
                Touchpoint(
                    organization=org,
                    account=account,
                    external_id=f"{sim.external_id}-M{n + 1}",
                    kind=tp["kind"],
                    occurred_at=occurred,
                    executive_present=tp["executive_present"],
                    summary=tp["summary"],
                    created_at=occurred,
                )
            )
            attendee_lists.append([contacts[i] for i in tp["contacts"]])
        author = csm_users[sim.note_author] if sim.note_author is not None else None
        for note in sorted(sim.notes, key=lambda n: (n["day"], n["second"])):
            notes.append(
                Note(
                    organization=org,
                    account=account,
                    author=author,
                    body=note["body"],
                    sentiment=note["sentiment"],
                    created_at=window.datetime(note["day"], note["second"]),
                )
            )
    ContractLine.objects.bulk_create(lines)
    SupportTicket.objects.bulk_create(tickets)
    SurveyAnswer.objects.bulk_create(answers)
    Touchpoint.objects.bulk_create(touchpoints)
    TouchpointAttendee.objects.bulk_create(
        [TouchpointAttendee(organization=org, touchpoint=tp, contact=c) for tp, people in zip(touchpoints, attendee_lists, strict=True) for c in people]
    )
    Note.objects.bulk_create(notes)
    return {
        "accounts": len(accounts),
        "contacts": len(contact_rows),
        "contract_lines": len(lines),
        "tickets": len(tickets),
        "survey_answers": len(answers),
        "touchpoints": len(touchpoints),
        "notes": len(notes),
    }


def event_dicts(sim: SimAccount, window: Window) -> list[dict]:
    """The account's events in the ingestion service's input shape."""
    ev = sim.events
    if len(ev) == 0:
        return []
    ext = sim.external_id
    users = [f"{ext}-u{k}" for k in range(int(ev.user.max()) + 1)]
    base = (dt.datetime.combine(window.start, dt.time(), tzinfo=dt.UTC) - _EPOCH).total_seconds()
    seconds = (base + ev.day.astype(np.float64) * 86400.0 + ev.second).tolist()
    values = [None if math.isnan(v) else v for v in ev.value.tolist()]
    fromts = dt.datetime.fromtimestamp
    utc = dt.UTC
    return [
        {
            "account": ext,
            "user": users[u],
            "event": EVENT_NAMES[e],
            "timestamp": fromts(s, utc),
            "properties": _EVENT_PROPERTIES[e],
            "value": v,
            "message_id": f"{ext}-{i:07d}",  # zero-padded: sorts in time order
        }
        for i, (u, e, s, v) in enumerate(zip(ev.user.tolist(), ev.event.tolist(), seconds, values, strict=True))
    ]


def ingest_events(*, organization, events: list[dict], now: dt.datetime | None = None) -> int:
    """Feed one chunk to the ingestion service; any rejection is a bug and raises."""
    if not events:
        return 0
    result = event_batch_ingest(organization=organization, events=events, now=now)
    if result.rejected:
        first = next(r for r in result.results if r.status == "rejected")
        raise EventIngestError(f"{result.rejected} generated events were rejected, e.g. {first.message_id}: {first.code} {first.detail}")
    return result.accepted


def chunked_events(batch: Iterable[SimAccount], window: Window, chunk_size: int):
    """Yield lists of about ``chunk_size`` event dicts across the batch's accounts."""
    chunk: list[dict] = []
    for sim in batch:
        chunk.extend(event_dicts(sim, window))
        if len(chunk) >= chunk_size:
            yield chunk
            chunk = []
    if chunk:
        yield chunk
