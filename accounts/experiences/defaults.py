"""A starting set of learning items and capability mappings for a new organization (and the
demo), in the vocabulary of the demo data. Idempotent: an existing item or mapping is kept."""

from __future__ import annotations

from decimal import Decimal

from .models import CapabilityMapping, LearningItem

LEARNING = [
    # title, role, minutes, dimension, feature event, stage, prerequisite title
    ("Admin essentials: users, roles and settings", "admin", 30, "", "", "onboarding", ""),
    ("Roll out training to your team", "admin", 20, "training_completion", "", "", "Admin essentials: users, roles and settings"),
    ("Connect your data sources", "admin", 25, "process_integration", "integration_synced", "", "Admin essentials: users, roles and settings"),
    ("Set team goals and read the adoption dashboard", "manager", 20, "team_engagement", "", "adopting", ""),
    ("Align stakeholders on outcomes", "manager", 15, "stakeholder_alignment", "", "", ""),
    ("Run a quarterly value review", "manager", 20, "", "", "mature", "Set team goals and read the adoption dashboard"),
    ("Your first report in 10 minutes", "end_user", 10, "usage_frequency", "report_generated", "", ""),
    ("Automate a recurring task", "end_user", 15, "content_adoption", "automation_run", "", "Your first report in 10 minutes"),
    ("Share dashboards with your team", "end_user", 10, "internal_feedback", "dashboard_shared", "", ""),
]

MAPPINGS = [
    # kind, name, event, add-on product, heavy use from (events in 28 days), estimated MRR
    ("addon", "Advanced analytics", "report_generated", "Advanced analytics add-on", 400, Decimal("220")),
    ("addon", "SSO & audit log", "user_invited", "SSO & audit log add-on", 40, Decimal("120")),
    ("integration", "Data integrations", "integration_synced", "", 0, Decimal("0")),
]


def experience_defaults_install(*, organization) -> None:
    by_title = {i.title: i for i in LearningItem.objects.filter(organization=organization)}
    for position, (title, role, minutes, dimension, event, stage, prerequisite) in enumerate(LEARNING):
        if title not in by_title:
            by_title[title] = LearningItem.objects.create(
                organization=organization,
                title=title,
                url=f"https://learn.example.com/{position + 1}",
                role=role,
                duration_minutes=minutes,
                dimension=dimension,
                feature_event=event,
                stage=stage,
                position=position,
                prerequisite=by_title.get(prerequisite),
            )
    for kind, name, event, product, threshold, mrr in MAPPINGS:
        CapabilityMapping.objects.get_or_create(
            organization=organization,
            kind=kind,
            event_name=event,
            defaults={"name": name, "product": product, "threshold": threshold or 1, "estimated_mrr": mrr},
        )
