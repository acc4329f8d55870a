"""The capability mapping (admins edit, everyone reads) and the public roadmap's query count."""

from __future__ import annotations

import pytest
from django.urls import reverse

from accounts.experiences import links
from accounts.experiences.models import CapabilityMapping, RoadmapItem

from .builders import seed_account

pytestmark = pytest.mark.django_db


def test_an_admin_maps_a_capability_and_bad_input_is_a_400_with_the_reason(acme, alice_client):
    path = reverse("experiences:capabilities", kwargs={"org_slug": acme.slug})
    good = {
        "kind": "addon",
        "name": "Advanced analytics",
        "event_name": "report_generated",
        "product": "Analytics add-on",
        "threshold": 100,
        "estimated_mrr": "200",
    }
    assert alice_client.post(path, good).status_code == 302
    duplicate = alice_client.post(path, good)
    assert duplicate.status_code == 400 and "already mapped" in duplicate.content.decode()
    no_product = alice_client.post(path, {**good, "event_name": "automation_run", "product": ""})
    assert no_product.status_code == 400 and "Name the add-on" in no_product.content.decode()
    assert CapabilityMapping.objects.count() == 1


def test_a_csm_reads_the_mapping_but_cannot_change_it(acme, bob_client):
    mapping = CapabilityMapping.objects.create(organization=acme, name="SSO", event_name="user_invited", product="SSO add-on")
    assert "SSO" in bob_client.get(reverse("experiences:capabilities", kwargs={"org_slug": acme.slug})).content.decode()
    assert bob_client.post(reverse("experiences:capability_delete", kwargs={"org_slug": acme.slug, "mapping_id": mapping.pk})).status_code == 403
    assert CapabilityMapping.objects.filter(pk=mapping.pk).exists()


def test_the_public_roadmap_page_query_count_does_not_grow_with_items(acme, client, django_assert_max_num_queries):
    account = seed_account(acme)
    token = links.experience_link_create(organization=acme, account=account, purpose=links.ROADMAP, created_by=None).token
    RoadmapItem.objects.create(organization=acme, account=account, title="One")
    with django_assert_max_num_queries(10) as few:
        client.get(f"/s/{token}/")
    for n in range(10):
        RoadmapItem.objects.create(organization=acme, account=account, title=f"More {n}", phase="day_90")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert "More 9" in client.get(f"/s/{token}/").content.decode()
