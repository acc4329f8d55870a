"""Objects of one organization for the tenancy sweep (see tests/sweep.py): health checks."""

from accounts.tests.factories import AccountFactory
from healthchecks.models import Response
from tests.sweep import registers, registers_model


def _account(organization):
    from accounts.models import Account

    return AccountFactory(
        organization=organization, name=f"{organization.name} surveyed customer", external_id=f"{organization.slug}-hc-{Account.objects.count()}"
    )


@registers("questionnaire_id")
def questionnaire_id(organization):
    from healthchecks.tests.factories import default_questionnaire

    return default_questionnaire(organization).pk


@registers("link_id")
def link_id(organization):
    from healthchecks.tests.factories import healthcheck_link

    return healthcheck_link(organization=organization, account=_account(organization)).link.pk


@registers_model(Response)
def response(organization):
    from healthchecks.tests.factories import submit_response

    return submit_response(organization=organization, account=_account(organization), respondent_name=f"{organization.name} respondent")
