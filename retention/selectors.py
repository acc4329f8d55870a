"""Reads of the tenancy kernel."""

from __future__ import annotations

from django.db.models import QuerySet

from .models import ApiKey, AuditLogEntry, Invitation, Membership, Organization


def member_list(*, organization: Organization) -> QuerySet[Membership]:
    return Membership.objects.filter(organization=organization).select_related("user").order_by("user__email")


def invitation_list_pending(*, organization: Organization) -> list[Invitation]:
    invitations = Invitation.objects.filter(organization=organization, accepted_at=None, revoked_at=None).select_related("invited_by")
    return [i for i in invitations.order_by("-created_at") if i.is_pending]


def api_key_list(*, organization: Organization) -> QuerySet[ApiKey]:
    return ApiKey.objects.filter(organization=organization).select_related("created_by").order_by("revoked_at", "-created_at")


def audit_log_list(*, organization: Organization, object_type: str = "") -> QuerySet[AuditLogEntry]:
    entries = AuditLogEntry.objects.filter(organization=organization).select_related("actor_user", "actor_api_key")
    if object_type:
        entries = entries.filter(object_type=object_type)
    return entries
