"""Template context for the navigation: the current organization and the switcher's list."""

from django.utils.functional import SimpleLazyObject

from .models import Membership


def tenancy(request):
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}

    def memberships():
        return list(Membership.objects.filter(user=user).select_related("organization").order_by("organization__name"))

    return {
        "current_organization": getattr(request, "organization", None),
        "current_membership": getattr(request, "membership", None),
        "user_memberships": SimpleLazyObject(memberships),
    }
