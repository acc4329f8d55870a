"""Request → organization resolution for server-rendered pages.

Every organization-scoped URL starts with ``/o/<org_slug>/``. ``org_view`` resolves the slug
once, checks the membership (a non-member gets 404, exactly as for a missing organization),
checks the role, and scopes the transaction for row-level security. Views then pass
``request.organization`` explicitly to selectors and services.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpRequest, HttpResponse

from . import rls
from .models import Membership, Role

ORG_KWARG = "org_slug"


def membership_for(*, user, org_slug: str) -> Membership | None:
    if not user.is_authenticated:
        return None
    return Membership.objects.select_related("organization").filter(user=user, organization__slug=org_slug).first()


def org_view(min_role: str = Role.VIEWER) -> Callable:
    """Decorate a view taking ``org_slug``; it receives ``request.organization`` instead."""

    def decorator(view: Callable) -> Callable:
        @functools.wraps(view)
        def wrapper(request: HttpRequest, *args, **kwargs) -> HttpResponse:
            org_slug = kwargs.pop(ORG_KWARG)
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            membership = membership_for(user=request.user, org_slug=org_slug)
            if membership is None:
                raise Http404("No such organization.")
            if not membership.has_role(min_role):
                raise PermissionDenied(f"This needs the {Role(min_role).label} role or higher.")
            request.organization = membership.organization
            request.membership = membership
            rls.activate(membership.organization_id)
            request.rls_activated = True
            return view(request, *args, **kwargs)

        wrapper.org_scoped = True  # read by the tenancy sweep
        wrapper.min_role = min_role
        return wrapper

    return decorator
