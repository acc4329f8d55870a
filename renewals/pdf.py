"""The business-case PDF: WeasyPrint over the document template, cached once per snapshot.

- Rendering reads only the snapshot's frozen ``content`` (``renewals.document``), so the PDF of a
  snapshot is the same document whenever it is rendered.
- ``StaticOnlyFetcher`` refuses every URL except files under the project's ``static/``
  directory: no network, no ``data:`` tricks, no local file outside the assets. Fonts come from
  the system (fontconfig: Liberation and DejaVu, installed by ``scripts/system_deps.sh``).
- ``case_pdf_get_or_render`` is idempotent: a unique (organization, snapshot) row holds the bytes;
  a concurrent second renderer finds the first one's row and returns it.
"""

from __future__ import annotations

import hashlib
import io
import time
from pathlib import Path

from django.conf import settings
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string

from .document import document_context
from .models import CasePdf, CaseSnapshot


class RefusedUrl(ValueError):
    """A resource the document may not load (WeasyPrint skips it and logs a warning)."""


def _static_root() -> Path:
    return (Path(settings.BASE_DIR) / "static").resolve()


def _weasyprint():
    # Imported on first use: WeasyPrint loads Pango and fonts, which pages that never render a
    # PDF should not pay for.
    import weasyprint

    return weasyprint


def make_fetcher():
    weasyprint = _weasyprint()
    from urllib.parse import unquote, urlsplit

    class StaticOnlyFetcher(weasyprint.urls.URLFetcher):
        """Serves ``file://`` URLs inside ``static/``; refuses everything else."""

        def fetch(self, url, headers=None):
            parts = urlsplit(url)
            if parts.scheme != "file" or parts.netloc not in ("", "localhost"):
                raise RefusedUrl(f"Refused to fetch {url!r}: only the project's static files are allowed.")
            root = _static_root()
            path = Path(unquote(parts.path)).resolve()
            if not path.is_relative_to(root) or not path.is_file():
                raise RefusedUrl(f"Refused to fetch {url!r}: outside the project's static files.")
            return weasyprint.urls.URLFetcherResponse(url=path.as_uri(), body=path.read_bytes(), headers={})

    return StaticOnlyFetcher(allowed_protocols=("file",), allow_redirects=False)


def document_html(content: dict) -> str:
    return render_to_string("renewals/document/case.html", document_context(content))


def render_pdf(content: dict) -> tuple[bytes, int]:
    """(PDF bytes, page count) of a business case's frozen content."""
    weasyprint = _weasyprint()
    html = weasyprint.HTML(string=document_html(content), base_url=_static_root().as_uri() + "/", url_fetcher=make_fetcher())
    document = html.render()
    buffer = io.BytesIO()
    document.write_pdf(buffer)
    return buffer.getvalue(), len(document.pages)


def case_pdf_get_or_render(*, snapshot: CaseSnapshot) -> CasePdf:
    """The snapshot's PDF, rendering and storing it the first time (idempotent)."""
    existing = CasePdf.objects.filter(organization_id=snapshot.organization_id, snapshot=snapshot).first()
    if existing is not None:
        return existing
    started = time.perf_counter()
    data, pages = render_pdf(snapshot.content)
    elapsed = time.perf_counter() - started
    try:
        with transaction.atomic():
            return CasePdf.objects.create(
                organization_id=snapshot.organization_id,
                snapshot=snapshot,
                data=data,
                sha256=hashlib.sha256(data).hexdigest(),
                size=len(data),
                page_count=pages,
                render_seconds=round(elapsed, 3),
            )
    except IntegrityError:  # another worker stored it first: theirs is the same document
        return CasePdf.objects.get(organization_id=snapshot.organization_id, snapshot=snapshot)


def pdf_filename(snapshot: CaseSnapshot) -> str:
    from django.utils.text import slugify

    return f"{slugify(snapshot.content['account']['name']) or 'account'}-business-case-v{snapshot.version}.pdf"
