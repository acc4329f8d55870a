"""The business-case PDF: its real content (text extracted with pypdf), its page count, the
restrictive URL fetcher, caching per snapshot, and a page saved as a PNG artifact."""

from __future__ import annotations

import io
import subprocess
from pathlib import Path

import pytest
from django.conf import settings
from pypdf import PdfReader

from renewals import case_data, pdf, services
from renewals.models import CasePdf
from renewals.tasks import render_case_pdf
from renewals.tests.factories import case_account

ARTIFACTS = Path(settings.BASE_DIR) / "artifacts"


def _text(data: bytes) -> tuple[str, int]:
    reader = PdfReader(io.BytesIO(data))
    return "\n".join(page.extract_text() for page in reader.pages), len(reader.pages)


@pytest.fixture
def published(acme, alice):
    account = case_account(organization=acme)
    case = services.business_case_get_or_create(organization=acme, account=account, user=alice)
    services.case_quotes_set(organization=acme, case=case, keys=[c["key"] for c in case_data.quote_candidates(organization=acme, account=account)])
    return services.case_publish(organization=acme, case=case, user=alice)


def test_the_pdf_shows_the_account_goals_and_value_figures(published):
    # Given a published case of an account with goals, KPIs, value drivers and quotes
    value = published.content["value"]

    # When its PDF is rendered
    data, pages = pdf.render_pdf(published.content)
    text, page_count = _text(data)

    # Then the extracted text carries the real content, and the document is 4–7 A4 pages
    assert data.startswith(b"%PDF")
    assert page_count == pages
    assert 4 <= page_count <= 7
    assert "Northwind Traders" in text
    assert "Acme Analytics" in text
    for title in ("Automate regression testing", "Cut release cycle time", "Regression tests automated", "Release cycle time"):
        assert title in text
    assert f"${value['money']:,.0f}" in text  # value delivered, e.g. $260,235
    assert f"${value['spend']:,.0f}" in text  # spend to date
    assert "Reports automated" in text
    assert "Kickoff held with the sponsor" in text
    assert "nobody dreads release day" in text  # the chosen NPS comment
    assert f"Page 2 of {page_count}" in text  # page numbers from the CSS counters
    assert "How the figures are calculated" in text


def test_the_pdf_leaves_out_sections_the_csm_excluded(acme, alice):
    account = case_account(organization=acme, history_days=120)
    case = services.business_case_get_or_create(organization=acme, account=account, user=alice)
    services.case_section_update(case=case, key="milestones", title="Milestones reached", body="", included=False, suggestion="")
    snapshot = services.case_publish(organization=acme, case=case, user=alice)

    text, _ = _text(pdf.render_pdf(snapshot.content)[0])

    assert "Milestones reached" not in text
    assert "Kickoff held with the sponsor" not in text
    assert "Goals and results against targets" in text


def test_the_url_fetcher_refuses_the_network_and_files_outside_static():
    fetcher = pdf.make_fetcher()
    static_css = (Path(settings.BASE_DIR) / "static" / "css" / "renewals.css").resolve()

    assert b".case-builder" in fetcher(static_css.as_uri()).read()
    for url in (
        "http://127.0.0.1:6379/",
        "https://example.com/logo.png",
        "file:///etc/passwd",
        (Path(settings.BASE_DIR) / "manage.py").as_uri(),
        "data:text/plain,hi",
    ):
        with pytest.raises(ValueError):
            fetcher(url)
    traversal = (Path(settings.BASE_DIR) / "static").as_uri() + "/../retention/settings/base.py"
    with pytest.raises(ValueError):
        fetcher(traversal)


def test_a_document_referencing_outside_resources_still_renders_without_them(published):
    # Given content whose text tries to pull a remote image and a local file
    content = {**published.content, "title": '<img src="http://127.0.0.1:9/x.png"><img src="file:///etc/passwd">'}

    # When rendered, Then the markup is escaped text and nothing is fetched
    data, _ = pdf.render_pdf(content)
    text, _ = _text(data)
    assert 'img src="http://127.0.0.1:9/x.png"' in text.replace("\n", "")


def test_the_task_renders_once_and_caches_the_pdf_per_snapshot(acme, published):
    # When the task runs twice (a redelivery)
    first = render_case_pdf.apply(args=(acme.id, published.pk)).get()
    second = render_case_pdf.apply(args=(acme.id, published.pk)).get()

    # Then one PDF row exists, with the same bytes
    assert first == second
    assert CasePdf.objects.filter(snapshot=published).count() == 1
    stored = CasePdf.objects.get(snapshot=published)
    assert stored.page_count == first["pages"] and stored.size == first["bytes"]
    assert pdf.case_pdf_get_or_render(snapshot=published).sha256 == stored.sha256


def test_the_task_ignores_a_snapshot_of_another_organization(acme, globex, published):
    assert render_case_pdf.apply(args=(globex.id, published.pk)).get() is None
    assert not CasePdf.objects.filter(snapshot=published).exists()


def test_pages_of_the_pdf_are_saved_as_png_artifacts(published):
    data, _ = pdf.render_pdf(published.content)
    ARTIFACTS.mkdir(exist_ok=True)
    source = ARTIFACTS / "renewal-case.pdf"
    source.write_bytes(data)
    for page, name in ((1, "renewal-case-cover"), (2, "renewal-case-page-2"), (3, "renewal-case-page-3")):
        subprocess.run(["pdftoppm", "-png", "-r", "80", "-f", str(page), "-l", str(page), "-singlefile", str(source), str(ARTIFACTS / name)], check=True)
        image = ARTIFACTS / f"{name}.png"
        assert image.stat().st_size > 10_000  # a real rendered page, not a blank one
