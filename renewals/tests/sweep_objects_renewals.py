"""Objects of one organization for the tenancy sweep (see tests/sweep.py): published cases."""

from accounts.tests.factories import AccountFactory
from renewals import services
from renewals.models import CaseSnapshot
from tests.sweep import registers, registers_model


def _snapshot(organization) -> CaseSnapshot:
    account = AccountFactory(organization=organization, name=f"{organization.name} renewal customer")
    case = services.business_case_get_or_create(organization=organization, account=account, user=None)
    return services.case_publish(organization=organization, case=case, user=None)


@registers_model(CaseSnapshot)
def snapshot(organization):
    return _snapshot(organization)


@registers("snapshot_id")
def snapshot_id(organization):
    return _snapshot(organization).pk
