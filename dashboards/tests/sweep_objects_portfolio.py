"""Objects of one organization for the tenancy sweep (see tests/sweep.py): saved portfolio views."""

from dashboards.models import SavedView
from retention.models import Membership
from tests.sweep import registers


@registers("saved_view_id")
def saved_view_id(organization):
    member = Membership.objects.filter(organization=organization).select_related("user").order_by("pk").first()
    return SavedView.objects.create(organization=organization, user=member.user, name=f"{organization.name} view", query="sort=risk").pk
