"""API endpoints of the tenancy kernel."""

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from .api import ApiKeyThrottle
from .models import ApiKey


class OrganizationSerializer(serializers.Serializer):
    name = serializers.CharField()
    slug = serializers.CharField()
    scopes = serializers.ListField(child=serializers.CharField(), help_text="Scopes of the key used (or of the session's role).")


class OrganizationView(APIView):
    """The organization the credentials belong to: a cheap way to check an API key."""

    throttle_classes = [ApiKeyThrottle]

    @extend_schema(responses=OrganizationSerializer)
    def get(self, request):
        organization = request.organization
        if isinstance(request.auth, ApiKey):
            scopes = request.auth.scopes
        else:
            scopes = ["read", "write"] if request._request.membership.can_edit else ["read"]
        return Response(OrganizationSerializer({"name": organization.name, "slug": organization.slug, "scopes": scopes}).data)
