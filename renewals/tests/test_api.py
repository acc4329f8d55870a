"""API of published business cases: list (read scope), detail, PDF download, tenancy."""

from __future__ import annotations

import io

import pytest
from pypdf import PdfReader

from renewals import services
from renewals.tests.factories import case_account
from retention import services as kernel_services

LIST = "/api/v1/renewal-cases/"


@pytest.fixture
def snapshot(acme):
    account = case_account(organization=acme, history_days=120)
    return services.case_publish(organization=acme, case=services.business_case_get_or_create(organization=acme, account=account, user=None), user=None)


def test_it_lists_snapshots_with_a_read_only_key(acme, snapshot):
    from rest_framework.test import APIClient

    key = kernel_services.api_key_create(organization=acme, name="Reader", scopes=["read"]).raw
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {key}")

    response = client.get(LIST)

    assert response.status_code == 200
    (row,) = response.json()["results"]
    assert row["id"] == snapshot.pk and row["version"] == 1 and row["account_name"] == "Northwind Traders"
    assert row["pdf_ready"] is False and "content" not in row


def test_it_filters_by_account(acme_api, acme, snapshot):
    other = case_account(organization=acme, name="Other account", history_days=40)
    services.case_publish(organization=acme, case=services.business_case_get_or_create(organization=acme, account=other, user=None), user=None)

    response = acme_api.get(LIST, {"account": snapshot.account_id})

    assert [r["id"] for r in response.json()["results"]] == [snapshot.pk]


def test_the_detail_carries_the_frozen_content(acme_api, snapshot):
    response = acme_api.get(f"{LIST}{snapshot.pk}/")

    assert response.status_code == 200
    assert response.json()["content"]["value"] == snapshot.content["value"]


def test_it_downloads_the_pdf(acme_api, snapshot):
    response = acme_api.get(f"{LIST}{snapshot.pk}/pdf/", HTTP_ACCEPT="application/pdf")

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert "Northwind Traders" in PdfReader(io.BytesIO(response.content)).pages[0].extract_text()
    assert acme_api.get(LIST).json()["results"][0]["pdf_ready"] is True


def test_another_organizations_key_gets_404(globex_api, snapshot):
    assert globex_api.get(f"{LIST}{snapshot.pk}/").status_code == 404
    assert globex_api.get(f"{LIST}{snapshot.pk}/pdf/").status_code == 404
    assert globex_api.get(LIST).json()["results"] == []


def test_the_list_query_count_does_not_grow_with_rows(acme, acme_api, snapshot, django_assert_max_num_queries):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    acme_api.get(LIST)  # the key's first use records its last-used time once
    with CaptureQueriesContext(connection) as one:
        acme_api.get(LIST)
    for i in range(4):
        account = case_account(organization=acme, name=f"More {i}", history_days=40)
        services.case_publish(organization=acme, case=services.business_case_get_or_create(organization=acme, account=account, user=None), user=None)
    with CaptureQueriesContext(connection) as many:
        assert len(acme_api.get(LIST).json()["results"]) == 5
    assert len(many) == len(one)


def test_a_missing_pdf_is_a_json_404(acme_api):
    response = acme_api.get(f"{LIST}999999/pdf/", HTTP_ACCEPT="application/pdf")
    assert response.status_code == 404
    assert response["Content-Type"].startswith("application/json") and response.json()["code"] == "not_found"
