"""Publishing: immutable snapshots with version numbers, the webhook, and the draft's editing."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone
from pypdf import PdfReader

from accounts.plans.models import Kpi, Measurement
from renewals import pdf, sections, services
from renewals.models import CaseSnapshot
from renewals.tests.factories import case_account
from retention.webhook_models import WebhookDelivery
from retention.webhooks import webhook_subscription_create


def _text(data: bytes) -> str:
    return "\n".join(page.extract_text() for page in PdfReader(io.BytesIO(data)).pages)


@pytest.fixture
def account(acme):
    return case_account(organization=acme, history_days=200)


@pytest.fixture
def case(acme, alice, account):
    return services.business_case_get_or_create(organization=acme, account=account, user=alice)


def test_a_snapshot_does_not_change_when_the_data_changes(acme, alice, account, case):
    # Given a published version and its PDF
    snapshot = services.case_publish(organization=acme, case=case, user=alice)
    before_content, before_digest = snapshot.content, snapshot.content_sha256
    first_pdf = pdf.case_pdf_get_or_render(snapshot=snapshot)

    # When the account's data changes: a KPI measurement, the name, the draft's wording
    kpi = Kpi.objects.get(organization=acme, name="Release cycle time")
    Measurement.objects.create(organization=acme, kpi=kpi, measured_on=timezone.localdate(), value=7)
    account.name = "Northwind Renamed"
    account.save()
    services.case_section_update(case=case, key="summary", title="Summary", body="Rewritten after publishing.", included=True, suggestion="")

    # Then the snapshot, its digest and its PDF are exactly as published
    snapshot.refresh_from_db()
    assert snapshot.content == before_content
    assert snapshot.content_sha256 == before_digest == services.content_digest(snapshot.content)
    assert snapshot.content["account"]["name"] == "Northwind Traders"
    assert pdf.case_pdf_get_or_render(snapshot=snapshot).sha256 == first_pdf.sha256
    # ... and rendering it again (cache lost) gives the same document: it reads only the frozen content
    assert _text(pdf.render_pdf(snapshot.content)[0]) == _text(bytes(first_pdf.data))

    # And the next publication is a new version with the new data
    second = services.case_publish(organization=acme, case=case, user=alice)
    assert second.version == 2
    assert second.content["account"]["name"] == "Northwind Renamed"
    assert second.content["sections"][0]["body"] == "Rewritten after publishing."
    release = next(k for g in second.content["goals"] for k in g["kpis"] if k["name"] == "Release cycle time")
    assert release["current"] == 7 and release["status"] == "achieved"
    assert list(CaseSnapshot.objects.filter(account=account).values_list("version", flat=True)) == [2, 1]


def test_publishing_emits_the_webhook_after_commit(acme, alice, case, django_capture_on_commit_callbacks):
    webhook_subscription_create(organization=acme, url="https://hooks.example.test/r", event_types=["renewal_case.published"], actor=alice)

    with django_capture_on_commit_callbacks(execute=False) as callbacks:
        snapshot = services.case_publish(organization=acme, case=case, user=alice)

    delivery = WebhookDelivery.objects.get(organization=acme, event_type="renewal_case.published")
    assert delivery.payload["data"]["snapshot_id"] == snapshot.pk
    assert delivery.payload["data"]["version"] == 1
    assert delivery.payload["data"]["value_delivered"] == snapshot.content["value"]["money"]
    assert len(callbacks) == 2  # the webhook's delivery and the PDF rendering wait for the commit


def test_an_untouched_section_follows_the_data_and_an_edited_one_keeps_its_words(acme, case):
    facts = services.snapshot_content(organization=acme, case=case, today=timezone.localdate(), version=None, user=None)
    suggestion = sections.suggested_text("summary", facts)

    services.case_section_update(case=case, key="summary", title="Executive summary", body=suggestion, included=True, suggestion=suggestion)
    assert sections.normalized_sections(case.sections)[0]["body"] == ""  # still following the figures

    services.case_section_update(case=case, key="summary", title="Executive summary", body="Our words.", included=True, suggestion=suggestion)
    assert sections.normalized_sections(case.sections)[0]["body"] == "Our words."


def test_sections_move_up_and_down(case):
    services.case_section_move(case=case, key="value", direction="up")
    keys = [s["key"] for s in case.sections]
    assert keys.index("value") == sections.SECTION_KEYS.index("value") - 1

    services.case_section_move(case=case, key="summary", direction="up")  # already first: stays
    assert case.sections[0]["key"] == "summary"
    with pytest.raises(ValidationError):
        services.case_section_move(case=case, key="nope", direction="up")


def test_only_the_accounts_own_quotes_can_be_chosen(acme, globex, case):
    foreign = case_account(organization=globex, name="Globex customer", history_days=90)
    from accounts.models import Note

    foreign_note = Note.objects.filter(account=foreign).first()
    own_note = Note.objects.filter(account=case.account).first()

    services.case_quotes_set(organization=acme, case=case, keys=[f"note:{foreign_note.pk}", f"note:{own_note.pk}", "bogus"])

    assert case.quote_keys == [f"note:{own_note.pk}"]


def test_bad_settings_are_refused_with_reasons(case):
    with pytest.raises(ValidationError) as exc:
        services.case_settings_update(case=case, title="", accent_color="blue")
    assert set(exc.value.message_dict) == {"title", "accent_color"}


def test_an_account_without_plan_or_usage_still_publishes_a_readable_case(acme, alice):
    from accounts.tests.factories import AccountFactory

    account = AccountFactory(organization=acme, name="Brand New Co", start_date=timezone.localdate() - dt.timedelta(days=3))
    case = services.business_case_get_or_create(organization=acme, account=account, user=alice)
    snapshot = services.case_publish(organization=acme, case=case, user=alice)

    data, pages = pdf.render_pdf(snapshot.content)
    assert pages >= 2 and data.startswith(b"%PDF")
    assert snapshot.content["headline"]["kpis"] == 0
