"""API shapes of customer records. Serializers only check types and shape; the rules live in
``accounts.services``, which the API views call with ``validated_data``.

Cross references are by the vendor's own ids: ``account`` is the account's external id, a
contact is its external id (or its numeric id when it has none), an owner is a member's email.
"""

from __future__ import annotations

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from retention.models import User

from .models import Account, Contact, ContractLine, SupportTicket, SurveyAnswer, Touchpoint

CONTACT_REF_SCHEMA = {
    "oneOf": [{"type": "string", "description": "The contact's external id."}, {"type": "integer", "description": "The contact's id."}],
}


@extend_schema_field(OpenApiTypes.STR)
class AccountRefField(serializers.Field):
    """An account of the organization, named by its external id."""

    def to_representation(self, value: Account) -> str:
        return value.external_id

    def to_internal_value(self, data) -> str:
        if not isinstance(data, str) or not data.strip():
            raise serializers.ValidationError("Give the account's external id as a string.")
        return data.strip()


@extend_schema_field({"type": "string", "format": "email", "nullable": True})
class OwnerField(serializers.Field):
    """A member of the organization, named by email; ``null`` for no owner."""

    def to_representation(self, value: User | None) -> str | None:
        return value.email if value is not None else None

    def to_internal_value(self, data) -> str | None:
        if data in (None, ""):
            return None
        if not isinstance(data, str):
            raise serializers.ValidationError("Give the owner's email address.")
        return data.strip()


@extend_schema_field(CONTACT_REF_SCHEMA)
class ContactRefField(serializers.Field):
    """A contact of the same account: its external id, or its numeric id when it has none."""

    def to_representation(self, value: Contact) -> str | int:
        return value.external_id or value.pk

    def to_internal_value(self, data) -> str | int:
        if isinstance(data, bool) or not isinstance(data, str | int) or (isinstance(data, str) and not data.strip()):
            raise serializers.ValidationError("Give the contact's external id (a string) or id (an integer).")
        return data.strip() if isinstance(data, str) else data


class ContactRefListField(serializers.ListField):
    child = ContactRefField()

    def to_representation(self, data):
        items = data.all() if hasattr(data, "all") else data
        return [self.child.to_representation(item) for item in items]


class _RecordSerializer(serializers.ModelSerializer):
    """Shared options: ids and timestamps are read-only; uniqueness is checked by the services
    (per organization), not by DRF (which would not know the organization)."""

    class Meta:
        read_only_fields = ("id", "created_at", "updated_at")
        validators: list = []


class AccountSerializer(_RecordSerializer):
    owner = OwnerField(required=False, allow_null=True, help_text="Email of the member who owns the account (a CSM).")

    class Meta(_RecordSerializer.Meta):
        model = Account
        fields = (
            "id",
            "external_id",
            "name",
            "domain",
            "segment",
            "tier",
            "owner",
            "lifecycle_stage",
            "touch_model",
            "start_date",
            "churned_on",
            "created_at",
            "updated_at",
        )


class ContactSerializer(_RecordSerializer):
    account = AccountRefField(help_text="External id of the contact's account.")

    class Meta(_RecordSerializer.Meta):
        model = Contact
        fields = (
            "id",
            "external_id",
            "account",
            "name",
            "email",
            "title",
            "department",
            "stakeholder_role",
            "last_engaged_at",
            "left_on",
            "created_at",
            "updated_at",
        )


class ContractLineSerializer(_RecordSerializer):
    account = AccountRefField(help_text="External id of the account.")

    class Meta(_RecordSerializer.Meta):
        model = ContractLine
        fields = (
            "id",
            "external_id",
            "account",
            "product",
            "is_addon",
            "mrr",
            "seats_licensed",
            "start_date",
            "end_date",
            "renewal_date",
            "billing_period",
            "discount_percent",
            "created_at",
            "updated_at",
        )


class TicketSerializer(_RecordSerializer):
    account = AccountRefField(help_text="External id of the account.")

    class Meta(_RecordSerializer.Meta):
        model = SupportTicket
        fields = ("id", "external_id", "account", "subject", "priority", "status", "escalated", "opened_at", "resolved_at", "created_at", "updated_at")


class SurveyAnswerSerializer(_RecordSerializer):
    account = AccountRefField(help_text="External id of the account.")
    contact = ContactRefField(required=False, allow_null=True, help_text="The contact who answered (external id or id); must belong to the account.")

    class Meta(_RecordSerializer.Meta):
        model = SurveyAnswer
        fields = ("id", "external_id", "account", "contact", "kind", "score", "comment", "answered_at", "created_at", "updated_at")
        extra_kwargs = {"score": {"help_text": "NPS: 0–10; CSAT: 1–5."}}


class TouchpointSerializer(_RecordSerializer):
    account = AccountRefField(help_text="External id of the account.")
    contacts = ContactRefListField(required=False, help_text="Contacts present (external ids or ids); all of the same account. Replaces the list.")

    class Meta(_RecordSerializer.Meta):
        model = Touchpoint
        fields = ("id", "external_id", "account", "kind", "occurred_at", "executive_present", "summary", "contacts", "created_at", "updated_at")
        extra_kwargs = {"executive_present": {"help_text": "Set automatically when an executive sponsor is among the contacts."}}
