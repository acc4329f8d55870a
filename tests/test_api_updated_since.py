"""Every integration read endpoint takes ``updated_since`` and pages with a stable cursor."""

from __future__ import annotations

import pytest

pytestmark = pytest.mark.django_db

ENDPOINTS = [
    "/api/v1/scores/",
    "/api/v1/zones/",
    "/api/v1/risks/",
    "/api/v1/save-plans/",
    "/api/v1/healthcheck-results/",
    "/api/v1/healthcheck-responses/",
    "/api/v1/success-plans/",
    "/api/v1/renewal-cases/",
]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_bad_updated_since_is_a_clear_400(acme_api, path):
    response = acme_api.get(path, {"updated_since": "last tuesday"})
    assert response.status_code == 400
    assert "updated_since" in response.json()["errors"]


@pytest.mark.parametrize("path", ENDPOINTS)
def test_a_future_updated_since_returns_nothing_and_a_cursor_page(acme_api, path):
    response = acme_api.get(path, {"updated_since": "2100-01-01T00:00:00Z"})
    assert response.status_code == 200
    body = response.json()
    assert body["results"] == [] and set(body) >= {"next", "previous", "results"}
