"""Browser-test fixtures (a pytest plugin, loaded from the root conftest): headless Chromium
through Playwright against Django's live server.

Chromium is the Debian package (``scripts/system_deps.sh``); Playwright's own browser download
is never used. Usage::

    @pytest.mark.browser
    def test_it(live_server, phone_page, artifacts): ...

``page`` is a 1366×768 laptop, ``phone_page`` a 375×812 phone; ``artifacts.screenshot(page, name)``
saves ``artifacts/<name>.png`` (the folder is git-ignored and kept by CI as an artifact).
The live server runs in another thread on a transactional database: data made in the test is
committed so that the server sees it, and the RLS bypass for test set-up is applied per
connection by conftest.py.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

CHROMIUM = os.environ.get("CHROMIUM_PATH", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ARTIFACTS = Path(__file__).resolve().parent.parent / "artifacts"


@pytest.fixture(scope="session")
def browser():
    if not Path(CHROMIUM).exists():
        pytest.fail(f"Chromium is not installed at {CHROMIUM}: run `bash scripts/system_deps.sh` (make test does).")
    from playwright.sync_api import sync_playwright

    # Playwright's sync API keeps an event loop running in this thread; Django would then refuse
    # ORM calls made by the test body. Allowed only while browser tests run.
    previous = os.environ.get("DJANGO_ALLOW_ASYNC_UNSAFE")
    os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = "true"
    with sync_playwright() as playwright:
        instance = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True)
        try:
            yield instance
        finally:
            instance.close()
    if previous is None:
        os.environ.pop("DJANGO_ALLOW_ASYNC_UNSAFE", None)
    else:
        os.environ["DJANGO_ALLOW_ASYNC_UNSAFE"] = previous


def _page(browser, **context_options):
    context = browser.new_context(**context_options)
    context.set_default_timeout(15_000)
    page = context.new_page()
    errors: list[str] = []
    page.on("pageerror", lambda exc: errors.append(str(exc)))
    page.js_errors = errors
    return context, page


@pytest.fixture
def page(browser):
    context, page = _page(browser, viewport={"width": 1366, "height": 768})
    yield page
    context.close()


@pytest.fixture
def phone_page(browser):
    context, page = _page(browser, viewport={"width": 375, "height": 812}, device_scale_factor=2, is_mobile=True, has_touch=True)
    yield page
    context.close()


class Artifacts:
    def __init__(self, folder: Path):
        self.folder = folder

    def screenshot(self, page, name: str, *, full_page: bool = True) -> Path:
        self.folder.mkdir(parents=True, exist_ok=True)
        path = self.folder / f"{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path


@pytest.fixture
def artifacts() -> Artifacts:
    return Artifacts(ARTIFACTS)
