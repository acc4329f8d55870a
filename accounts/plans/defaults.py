"""Starter content for a new organization (or the demo and the simulator): a plan template whose
KPIs are computed from usage, so plans started from it move with each account's behaviour, and
two value drivers. Idempotent: existing templates and drivers with the same names are kept.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import transaction

from retention.models import Organization

from . import catalog
from .models import KpiSource, MilestonePhase, PlanTemplate, TemplateMilestone, ValueDriver

ADOPTION_TEMPLATE = "Adoption to outcomes (starter)"

GOALS = [
    (
        "Whole team working in the product",
        [
            # name, unit, baseline (None: measured at the start), target, days, source, event, window
            ("Licensed seats active", "%", None, 80.0, 120, KpiSource.SEAT_ACTIVE_SHARE, "", 28),
        ],
    ),
    (
        "Automation replaces manual work",
        [
            ("Automation runs per active user", "runs/user", None, 12.0, 90, KpiSource.RATE_PER_ACTIVE_USER, "automation_run", 28),
            ("Reports generated (28 days)", "reports", None, 60.0, 120, KpiSource.EVENT_COUNT, "report_generated", 28),
        ],
    ),
]
MILESTONES = [
    # title, phase, due after (days), owner side, onboarding
    ("Kickoff held with the executive sponsor", MilestonePhase.DAY_30, 7, TemplateMilestone.OwnerSide.VENDOR, True),
    ("Admins trained", MilestonePhase.DAY_30, 21, TemplateMilestone.OwnerSide.VENDOR, True),
    ("First automation live", MilestonePhase.DAY_30, 30, TemplateMilestone.OwnerSide.CUSTOMER, True),
    ("Weekly report shared with leadership", MilestonePhase.DAY_60, 60, TemplateMilestone.OwnerSide.CUSTOMER, False),
    ("Value review with the sponsor", MilestonePhase.DAY_90, 90, TemplateMilestone.OwnerSide.VENDOR, False),
    ("Second team onboarded", MilestonePhase.BEYOND, 150, TemplateMilestone.OwnerSide.CUSTOMER, False),
]
DRIVERS = [
    {
        "name": "Automation runs",
        "basis": "event",
        "event_name": "automation_run",
        "kind": "hours_saved",
        "hours_per_unit": Decimal("0.25"),
        "money_per_hour": Decimal("60"),
    },
    {
        "name": "Reports generated",
        "basis": "event",
        "event_name": "report_generated",
        "kind": "hours_saved",
        "hours_per_unit": Decimal("0.5"),
        "money_per_hour": Decimal("60"),
    },
]


@transaction.atomic
def ensure_default_template(*, organization: Organization, actor=None) -> PlanTemplate:
    """The starter template (created once per organization)."""
    existing = PlanTemplate.objects.filter(organization=organization, name=ADOPTION_TEMPLATE).first()
    if existing is not None:
        return existing
    template = catalog.template_create(
        organization=organization,
        actor=actor,
        name=ADOPTION_TEMPLATE,
        description="Get the whole team using the product, then let automation replace manual work.",
    )
    for title, kpis in GOALS:
        goal = catalog.template_goal_add(organization=organization, template=template, actor=actor, title=title)
        for name, unit, baseline, target, days, source, event, window in kpis:
            catalog.template_kpi_add(
                organization=organization,
                goal=goal,
                actor=actor,
                name=name,
                unit=unit,
                baseline=baseline,
                target=target,
                target_offset_days=days,
                source=source,
                event_name=event,
                window_days=window,
            )
    for title, phase, days, side, onboarding in MILESTONES:
        catalog.template_milestone_add(
            organization=organization, template=template, actor=actor, title=title, phase=phase, due_offset_days=days, owner_side=side, is_onboarding=onboarding
        )
    return template


@transaction.atomic
def ensure_default_value_drivers(*, organization: Organization, actor=None) -> list[ValueDriver]:
    names = set(ValueDriver.objects.filter(organization=organization).values_list("name", flat=True))
    created = [catalog.value_driver_create(organization=organization, actor=actor, **spec) for spec in DRIVERS if spec["name"] not in names]
    return created
