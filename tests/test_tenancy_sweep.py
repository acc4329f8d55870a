"""The tenancy sweep: every organization-scoped page and every API endpoint, enumerated from the
URL configuration, answers 404 to a member of another organization — for the other
organization's slug, and for the other organization's objects under their own slug."""

from __future__ import annotations

import pytest
from django.urls import reverse
from rest_framework.test import APIClient

from tests.sweep import OBJECT_FOR_KWARG, OBJECT_FOR_MODEL, PUBLIC_NAMESPACES, PUBLIC_URL_NAMES, has_object_for, iter_urls, load_app_registrations, url_value

load_app_registrations()
ALL_URLS = list(iter_urls())
ORG_URLS = [u for u in ALL_URLS if u.kind == "org"]
API_URLS = [u for u in ALL_URLS if u.kind == "api" and u.name not in PUBLIC_URL_NAMES]
WRITE_METHODS = ("post", "put", "patch", "delete")


def test_every_url_is_named_and_classified():
    problems = []
    for url in ALL_URLS:
        if url.route.startswith("admin/"):
            continue  # Django admin: staff only, across organizations by design
        if url.name.startswith("<unnamed"):
            problems.append(f"{url.route}: give the URL a name so the tenancy sweep can reverse it")
        elif url.kind == "public" and url.name not in PUBLIC_URL_NAMES and url.name.split(":")[0] not in PUBLIC_NAMESPACES:
            problems.append(f"{url.name} ({url.route}) is outside /o/<org_slug>/ and /api/v1/: scope it, or list it in tests/sweep.py PUBLIC_URL_NAMES")
    assert not problems, "\n".join(problems)


def test_every_url_kwarg_has_a_sweep_object():
    missing = sorted({f"{u.name}:{k}" for u in ORG_URLS + API_URLS for k in u.kwargs if k != "org_slug" and not has_object_for(u, k)})
    assert not missing, f"Register objects for these URL kwargs in a <app>/tests/sweep_objects*.py module (see tests/sweep.py): {missing}"


def _kwargs_for(url, organization, slug):
    return {name: slug if name == "org_slug" else url_value(url, name, organization) for name in url.kwargs}


def _call(client, method, path):
    return getattr(client, method)(path)


@pytest.mark.parametrize("url", ORG_URLS, ids=[u.name for u in ORG_URLS])
def test_org_page_is_404_for_a_member_of_another_organization(url, acme, globex, alice_client, charlie_client):
    # Given Acme's objects, addressed under Acme's slug and under Globex's slug
    acme_kwargs = _kwargs_for(url, acme, acme.slug)
    foreign_path = reverse(url.name, kwargs=acme_kwargs)
    own_slug_path = reverse(url.name, kwargs={**acme_kwargs, "org_slug": globex.slug})

    # When charlie (Globex) requests them, Then every method answers 404 under Acme's slug
    for method in ("get", *WRITE_METHODS):
        response = _call(charlie_client, method, foreign_path)
        assert response.status_code == 404, f"{method.upper()} {foreign_path} gave {response.status_code} to another organization's member"

    # ... and Acme's objects under his own slug are 404 wherever the view accepts the method
    has_objects = any(k != "org_slug" for k in url.kwargs)
    served_methods = []
    for method in ("get", "post"):
        response = _call(charlie_client, method, own_slug_path)
        if response.status_code == 405:
            continue
        served_methods.append(method)
        if has_objects:
            assert response.status_code == 404, f"{method.upper()} {own_slug_path} (Acme's objects, Globex's slug) gave {response.status_code}"
    assert served_methods, f"{url.name} answers neither GET nor POST"

    # And the URL is real: the owner of the objects does not get a 404
    response = _call(alice_client, served_methods[0], foreign_path)
    assert response.status_code != 404, f"the sweep's fixtures for {url.name} are wrong: alice got 404 on {foreign_path}"


@pytest.mark.parametrize("url", API_URLS, ids=[u.name for u in API_URLS])
def test_api_endpoint_is_404_for_another_organizations_key(url, acme, globex, acme_key, globex_key):
    acme_kwargs = _kwargs_for(url, acme, acme.slug)
    path = reverse(url.name, kwargs=acme_kwargs)
    globex_client, acme_client = APIClient(), APIClient()
    globex_client.credentials(HTTP_AUTHORIZATION=f"Bearer {globex_key}")
    acme_client.credentials(HTTP_AUTHORIZATION=f"Bearer {acme_key}")

    if acme_kwargs:
        for method in ("get", "put", "patch", "delete"):
            response = getattr(globex_client, method)(path, {}, format="json")
            assert response.status_code in (404, 405), f"{method.upper()} {path} gave {response.status_code} to another organization's key"
        assert acme_client.get(path).status_code != 404, f"the sweep's fixtures for {url.name} are wrong: Acme's own key got 404"
    else:
        for make in [*OBJECT_FOR_KWARG.values(), *OBJECT_FOR_MODEL.values()]:  # Acme has one of everything
            make(acme)
        response = globex_client.get(path)
        if response.status_code != 405:
            assert "acme" not in response.content.decode().lower(), f"GET {path} with Globex's key shows Acme's data"


def test_the_sweep_covers_the_kernels_pages():
    names = {u.name for u in ORG_URLS}
    assert {"org_home", "member_list", "member_remove", "api_key_list", "api_key_revoke", "audit_log"} <= names
