"""Objects of one organization for the tenancy sweep (see tests/sweep.py): roadmap items,
capability mappings and enablement progress of the retention experiences."""

from accounts.experiences.models import CapabilityMapping, LearningItem, LearningProgress, RoadmapItem
from accounts.tests.factories import AccountFactory, ContactFactory
from tests.sweep import registers, registers_model


def _account(organization, label: str):
    n = RoadmapItem.objects.count() + LearningProgress.objects.count() + CapabilityMapping.objects.count()
    return AccountFactory(organization=organization, name=f"{organization.name} {label} customer {n}", external_id=f"{organization.slug}-{label}-{n}")


@registers("roadmap_item_id")
def roadmap_item_id(organization):
    account = _account(organization, "roadmap")
    return RoadmapItem.objects.create(organization=organization, account=account, title=f"{organization.name} priority").pk


@registers("mapping_id")
def mapping_id(organization):
    n = CapabilityMapping.objects.count()
    return CapabilityMapping.objects.create(organization=organization, name=f"{organization.name} add-on", event_name=f"event_{n}", product="Pro").pk


@registers_model(LearningProgress)
def learning_progress(organization):
    contact = ContactFactory(organization=organization, account=_account(organization, "learner"), name=f"{organization.name} learner")
    item = LearningItem.objects.create(organization=organization, title=f"{organization.name} course", url="https://example.test/course")
    return LearningProgress.objects.create(organization=organization, contact=contact, item=item)
