"""The web shell: /healthz, static assets served locally, security headers, error pages, admin."""

import pytest
from django.conf import settings

pytestmark = pytest.mark.django_db


def test_healthz_reports_database_and_broker(client):
    response = client.get("/healthz")
    assert response.status_code == 200
    assert response.json() == {"status": "ok", "checks": {"database": "ok", "broker": "ok"}}


def test_healthz_reports_an_unreachable_broker_as_503(client, settings):
    settings.CELERY_BROKER_URL = "redis://127.0.0.1:1/0"
    response = client.get("/healthz")
    assert response.status_code == 503
    assert response.json()["checks"]["broker"].startswith("error")


def test_pages_load_htmx_from_our_own_static_files_and_no_cdn(alice_client):
    page = alice_client.get("/o/acme/").content.decode()
    assert "/static/js/htmx.min.js" in page
    assert "https://" not in page and "http://" not in page.replace("http://www.w3.org", "")
    assert (settings.BASE_DIR / "static/js/htmx.min.js").stat().st_size > 10_000
    assert (settings.BASE_DIR / "static/js/plotly.min.js").stat().st_size > 1_000_000


def test_pages_send_a_content_security_policy(alice_client):
    assert "default-src 'self'" in alice_client.get("/o/acme/")["Content-Security-Policy"]


def test_an_unknown_organization_is_a_plain_404(alice_client):
    response = alice_client.get("/o/does-not-exist/")
    assert response.status_code == 404
    assert "does not exist, or you do not have access" in response.content.decode()


def test_api_404s_are_json(acme_api):
    response = acme_api.get("/api/v1/nothing-here/")
    assert response.status_code == 404 and response.json()["code"] == "not_found"


def test_the_api_schema_and_docs_are_served_without_a_cdn(client):
    schema = client.get("/api/v1/schema/")
    assert schema.status_code == 200 and b"openapi: 3" in schema.content
    docs = client.get("/api/v1/docs/").content.decode()
    assert "cdn" not in docs.lower() and "/static/drf_spectacular_sidecar/" in docs


def test_staff_can_use_the_admin_across_organizations(client, alice, globex):
    alice.is_staff = alice.is_superuser = True
    alice.save()
    client.force_login(alice)
    assert client.get("/admin/retention/organization/").status_code == 200
    assert client.get("/admin/retention/auditlogentry/").status_code == 200
