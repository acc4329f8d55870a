"""DRF permission that resolves the request's organization (kept apart from views to avoid import cycles)."""

from rest_framework import exceptions, permissions

from . import rls
from .models import ApiKey, Role
from .tenancy import membership_for

ORG_HEADER = "HTTP_X_ORGANIZATION"


class HasOrganizationAccess(permissions.BasePermission):
    """Resolve ``request.organization``; reads need the read scope (or any role), writes need the
    write scope (or the CSM role or higher)."""

    def has_permission(self, request, view) -> bool:
        if getattr(view, "organization_optional", False):
            return True
        is_write = request.method not in permissions.SAFE_METHODS
        if isinstance(request.auth, ApiKey):
            key = request.auth
            needed = ApiKey.Scope.WRITE if is_write else ApiKey.Scope.READ
            if not key.has_scope(needed):
                raise exceptions.PermissionDenied(f"This API key lacks the '{needed}' scope.", code="missing_scope")
            organization = key.organization
        elif request.user and request.user.is_authenticated:
            slug = request.META.get(ORG_HEADER) or request.query_params.get("org")
            if not slug:
                raise exceptions.ParseError("Send the organization's slug in the X-Organization header.")
            membership = membership_for(user=request.user, org_slug=slug)
            if membership is None:
                raise exceptions.NotFound("No such organization.")
            if is_write and not membership.has_role(Role.CSM):
                raise exceptions.PermissionDenied("Viewers cannot change data.", code="role_required")
            organization = membership.organization
            request._request.membership = membership
        else:
            raise exceptions.NotAuthenticated()
        request.organization = organization
        request._request.organization = organization
        rls.activate(organization.id)
        request._request.rls_activated = True
        return True
