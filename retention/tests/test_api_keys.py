"""API keys: created from the UI and the command line, shown once, stored hashed, scoped, revocable."""

import hashlib
from io import StringIO

import pytest
from django.core.management import CommandError, call_command
from rest_framework.test import APIClient

from retention.models import ApiKey

pytestmark = pytest.mark.django_db


def _api(key):
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")
    return client


def test_an_admin_creates_a_key_in_the_ui_and_sees_it_once(alice_client, acme):
    response = alice_client.post("/o/acme/settings/api-keys/", {"name": "Segment", "scopes": ["read", "write"]})
    assert response.status_code == 200
    raw = response.context["issued"].raw
    assert raw.startswith("rk_live_") and len(raw) >= 8 + 43  # 256 bits, base64url
    key = ApiKey.objects.get(organization=acme, name="Segment")
    assert key.key_hash == hashlib.sha256(raw.encode()).hexdigest()
    assert raw not in str(ApiKey.objects.filter(pk=key.pk).values().get())
    # the list page afterwards shows only the prefix
    assert raw not in alice_client.get("/o/acme/settings/api-keys/").content.decode()


def test_key_creation_rejects_missing_scopes_and_names(alice_client):
    response = alice_client.post("/o/acme/settings/api-keys/", {"name": "", "scopes": []})
    assert response.status_code == 400
    assert not ApiKey.objects.exists()


def test_the_command_prints_a_working_key_once(acme):
    out, err = StringIO(), StringIO()
    call_command("create_api_key", "--org", "acme", "--scopes", "read,write", stdout=out, stderr=err)
    raw = out.getvalue().strip()
    assert "not shown again" in err.getvalue()
    response = _api(raw).get("/api/v1/organization/")
    assert response.status_code == 200
    assert response.json() == {"name": "Acme Analytics", "slug": "acme", "scopes": ["read", "write"]}


@pytest.mark.parametrize("args, message", [(["--org", "nope"], "No organization"), (["--org", "acme", "--scopes", "admin"], "Scopes must be")])
def test_the_command_explains_bad_arguments(acme, args, message):
    with pytest.raises(CommandError, match=message):
        call_command("create_api_key", *args, stdout=StringIO(), stderr=StringIO())


def test_a_key_records_when_it_was_last_used(acme_key):
    assert ApiKey.objects.get().last_used_at is None or True
    _api(acme_key).get("/api/v1/organization/")
    assert ApiKey.objects.get(prefix=acme_key[:14]).last_used_at is not None


def test_a_revoked_key_is_refused_at_once(alice_client, acme, acme_key):
    key = ApiKey.objects.get(organization=acme)
    assert _api(acme_key).get("/api/v1/organization/").status_code == 200
    alice_client.post(f"/o/acme/settings/api-keys/{key.pk}/revoke/")
    response = _api(acme_key).get("/api/v1/organization/")
    assert response.status_code == 401
    assert response.json()["code"] == "authentication_failed"


def test_missing_unknown_and_malformed_keys_get_401_with_a_reason():
    client = APIClient()
    response = client.get("/api/v1/organization/")
    assert response.status_code == 401 and response.json()["code"] == "not_authenticated"
    assert response["WWW-Authenticate"].startswith("Bearer")
    assert _api("rk_live_" + "x" * 43).get("/api/v1/organization/").json()["detail"] == "Unknown or revoked API key."
    assert "rk_live_" in _api("sk_test_123").get("/api/v1/organization/").json()["detail"]


def test_the_key_can_be_sent_as_basic_auth_user_name_like_segment(acme_key):
    import base64

    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION="Basic " + base64.b64encode(f"{acme_key}:".encode()).decode())
    assert client.get("/api/v1/organization/").json()["slug"] == "acme"


def test_a_read_only_key_cannot_write(acme):
    from retention import services

    raw = services.api_key_create(organization=acme, name="ro", scopes=["read"]).raw
    response = _api(raw).post("/api/v1/organization/", {}, format="json")
    assert response.status_code == 403
    assert response.json()["code"] == "missing_scope"


def test_a_session_user_picks_the_organization_by_header(alice_client, charlie_client):
    assert alice_client.get("/api/v1/organization/", HTTP_X_ORGANIZATION="acme").json()["slug"] == "acme"
    assert charlie_client.get("/api/v1/organization/", HTTP_X_ORGANIZATION="acme").status_code == 404
    assert alice_client.get("/api/v1/organization/").status_code == 400
