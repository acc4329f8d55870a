"""What the organization's home page shows. Grows as the product's parts land."""

from __future__ import annotations

from dataclasses import dataclass

from .models import ApiKey, Membership, Organization


@dataclass(frozen=True)
class OrganizationOverview:
    member_count: int
    active_api_keys: int


def organization_overview(*, organization: Organization) -> OrganizationOverview:
    return OrganizationOverview(
        member_count=Membership.objects.filter(organization=organization).count(),
        active_api_keys=ApiKey.objects.filter(organization=organization, revoked_at=None).count(),
    )
