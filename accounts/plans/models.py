"""Success plans and what they are measured with: goals, KPIs, measurements, milestones,
stakeholders, expansion signals, the plan's history, plan templates, value drivers and the
CSM tasks raised at value checkpoints.

Every table is tenant-owned (``organization`` on every row and in every unique key) and under
row-level security. Progress is never stored: it is computed from KPI values, measurements and
the usage rollups (``accounts.plans.progress``).
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from retention.models import ApiKey, TenantModel

__all__ = [
    "CsmTask",
    "ExpansionSignal",
    "Goal",
    "Kpi",
    "KpiSource",
    "Measurement",
    "Milestone",
    "MilestonePhase",
    "MilestoneStatus",
    "PlanActivity",
    "PlanStakeholder",
    "PlanTemplate",
    "SuccessPlan",
    "TemplateGoal",
    "TemplateKpi",
    "TemplateMilestone",
    "ValueDriver",
]


class KpiSource(models.TextChoices):
    """Where a KPI's value comes from. Usage sources are computed from the daily rollups."""

    MANUAL = "manual", "Manual measurements"
    EVENT_COUNT = "event_count", "Count of an event over a window"
    RATE_PER_ACTIVE_USER = "rate_per_active_user", "Events per active user over a window"
    SEAT_ACTIVE_SHARE = "seat_active_share", "Share of licensed seats active over a window (%)"


USAGE_SOURCES = (KpiSource.EVENT_COUNT, KpiSource.RATE_PER_ACTIVE_USER, KpiSource.SEAT_ACTIVE_SHARE)


class MilestonePhase(models.TextChoices):
    DAY_30 = "day_30", "First 30 days"
    DAY_60 = "day_60", "Days 31–60"
    DAY_90 = "day_90", "Days 61–90"
    BEYOND = "beyond", "Beyond 90 days"


class MilestoneStatus(models.TextChoices):
    NOT_STARTED = "not_started", "Not started"
    IN_PROGRESS = "in_progress", "In progress"
    BLOCKED = "blocked", "Blocked"
    DONE = "done", "Done"


class SuccessPlan(TenantModel):
    """The one living success plan of an account: what the customer wants to achieve and how we
    will know. Its history is kept in ``PlanActivity`` (and the audit log)."""

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="success_plans")
    title = models.CharField(max_length=200)
    summary = models.TextField(blank=True, help_text="The business outcome the customer bought for, in their words.")
    start_date = models.DateField(help_text="The day progress is measured from.")
    template = models.ForeignKey("PlanTemplate", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "account"], name="successplan_one_per_account")]

    def __str__(self) -> str:
        return self.title


class Goal(TenantModel):
    plan = models.ForeignKey(SuccessPlan, on_delete=models.CASCADE, related_name="goals")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["organization", "plan"])]

    def __str__(self) -> str:
        return self.title


class Kpi(TenantModel):
    """A measurable result of a goal: from ``baseline`` at ``start_date`` to ``target`` by
    ``target_date``. A target below the baseline means "lower is better"."""

    goal = models.ForeignKey(Goal, on_delete=models.CASCADE, related_name="kpis")
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=40, blank=True, help_text="e.g. %, hours, test cases, reports/week")
    baseline = models.FloatField()
    target = models.FloatField()
    start_date = models.DateField()
    target_date = models.DateField()
    source = models.CharField(max_length=30, choices=KpiSource.choices, default=KpiSource.MANUAL)
    event_name = models.CharField(max_length=100, blank=True, help_text="The usage event counted (usage sources only).")
    window_days = models.PositiveSmallIntegerField(default=28, help_text="Trailing window of a usage metric, in days.")
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["position", "id"]
        indexes = [models.Index(fields=["organization", "goal"])]
        constraints = [
            models.CheckConstraint(condition=~Q(target=models.F("baseline")), name="kpi_target_differs_from_baseline"),
            models.CheckConstraint(condition=Q(target_date__gt=models.F("start_date")), name="kpi_target_date_after_start"),
            models.CheckConstraint(condition=Q(window_days__gte=1) & Q(window_days__lte=365), name="kpi_window_1_365"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_usage(self) -> bool:
        return self.source in USAGE_SOURCES


class Measurement(TenantModel):
    """A manual measurement of a KPI on a day, with a note on where the number came from."""

    kpi = models.ForeignKey(Kpi, on_delete=models.CASCADE, related_name="measurements")
    measured_on = models.DateField()
    value = models.FloatField()
    note = models.CharField(max_length=500, blank=True)
    recorded_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["measured_on", "id"]
        constraints = [models.UniqueConstraint(fields=["organization", "kpi", "measured_on"], name="measurement_one_per_kpi_day")]

    def __str__(self) -> str:
        return f"{self.value} on {self.measured_on}"


class Milestone(TenantModel):
    """A step of the plan in the 30-60-90 structure, owned by someone at the vendor or the customer."""

    plan = models.ForeignKey(SuccessPlan, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=200)
    phase = models.CharField(max_length=10, choices=MilestonePhase.choices, default=MilestonePhase.DAY_30)
    owner_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    owner_contact = models.ForeignKey("accounts.Contact", null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=12, choices=MilestoneStatus.choices, default=MilestoneStatus.NOT_STARTED)
    completed_on = models.DateField(null=True, blank=True)
    is_onboarding = models.BooleanField(default=False, help_text="Part of onboarding: when all are done, onboarding has ended.")
    position = models.PositiveIntegerField(default=0)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["due_date", "position", "id"]
        indexes = [models.Index(fields=["organization", "plan"])]
        constraints = [
            models.CheckConstraint(condition=Q(owner_user__isnull=True) | Q(owner_contact__isnull=True), name="milestone_one_owner"),
            models.CheckConstraint(condition=~Q(status="done") | Q(completed_on__isnull=False), name="milestone_done_has_date"),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def owner_display(self) -> str:
        if self.owner_user_id:
            return self.owner_user.display_name
        if self.owner_contact_id:
            return self.owner_contact.name
        return ""


class PlanStakeholder(TenantModel):
    """A customer contact linked to the plan, with what they are in it for."""

    plan = models.ForeignKey(SuccessPlan, on_delete=models.CASCADE, related_name="stakeholders")
    contact = models.ForeignKey("accounts.Contact", on_delete=models.CASCADE, related_name="+")
    responsibility = models.CharField(max_length=200, blank=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "plan", "contact"], name="planstakeholder_unique")]


class ExpansionSignal(TenantModel):
    """Something the CSM noticed that could become the next logical step, once value is realized."""

    class Kind(models.TextChoices):
        SEATS = "seats", "Seats near the limit"
        ADJACENT_TEAM = "adjacent_team", "Adjacent team interested"
        FEATURE = "feature", "Paid feature not yet used"
        USE_CASE = "use_case", "New use case"
        OTHER = "other", "Other"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PURSUED = "pursued", "Pursued"
        DISMISSED = "dismissed", "Dismissed"

    plan = models.ForeignKey(SuccessPlan, on_delete=models.CASCADE, related_name="expansion_signals")
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.OTHER)
    description = models.CharField(max_length=500)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    noted_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    noted_on = models.DateField(default=timezone.localdate)

    class Meta:
        ordering = ["-noted_on", "-id"]


class PlanActivity(TenantModel):
    """The plan's history, newest first: who changed what, in words a CSM reads on the plan page.
    (The audit log keeps the before/after values.)"""

    plan = models.ForeignKey(SuccessPlan, on_delete=models.CASCADE, related_name="activities")
    action = models.CharField(max_length=60)
    summary = models.CharField(max_length=300)
    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_api_key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "plan", "created_at"])]


# --- Templates --------------------------------------------------------------------------------


class PlanTemplate(TenantModel):
    """Goals, KPIs and milestones to start a plan from, for a segment and/or a product."""

    name = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    segment = models.CharField(max_length=20, blank=True, help_text="Empty: any segment.")
    product = models.CharField(max_length=100, blank=True, help_text="Empty: any product.")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [models.UniqueConstraint(fields=["organization", "name"], name="plantemplate_unique_name")]

    def __str__(self) -> str:
        return self.name


class TemplateGoal(TenantModel):
    template = models.ForeignKey(PlanTemplate, on_delete=models.CASCADE, related_name="goals")
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]

    def __str__(self) -> str:
        return self.title


class TemplateKpi(TenantModel):
    """A KPI to start from. Dates are offsets from the plan's start; an empty baseline is measured
    from the usage rollups at the start (usage sources) or taken as 0 (manual). ``lower_is_better``
    says which way a measured baseline must move; one already past the target on day one makes
    the KPI start as achieved."""

    goal = models.ForeignKey(TemplateGoal, on_delete=models.CASCADE, related_name="kpis")
    name = models.CharField(max_length=200)
    unit = models.CharField(max_length=40, blank=True)
    baseline = models.FloatField(null=True, blank=True)
    target = models.FloatField()
    target_offset_days = models.PositiveIntegerField(default=90)
    source = models.CharField(max_length=30, choices=KpiSource.choices, default=KpiSource.MANUAL)
    event_name = models.CharField(max_length=100, blank=True)
    window_days = models.PositiveSmallIntegerField(default=28)
    lower_is_better = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["position", "id"]
        constraints = [models.CheckConstraint(condition=Q(target_offset_days__gte=1), name="templatekpi_offset_positive")]

    def __str__(self) -> str:
        return self.name


class TemplateMilestone(TenantModel):
    class OwnerSide(models.TextChoices):
        VENDOR = "vendor", "Vendor (the account's CSM)"
        CUSTOMER = "customer", "Customer (the champion)"

    template = models.ForeignKey(PlanTemplate, on_delete=models.CASCADE, related_name="milestones")
    title = models.CharField(max_length=200)
    phase = models.CharField(max_length=10, choices=MilestonePhase.choices, default=MilestonePhase.DAY_30)
    due_offset_days = models.PositiveIntegerField(default=30)
    owner_side = models.CharField(max_length=10, choices=OwnerSide.choices, default=OwnerSide.VENDOR)
    is_onboarding = models.BooleanField(default=False)
    position = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["due_offset_days", "position", "id"]

    def __str__(self) -> str:
        return self.title


# --- Value drivers ----------------------------------------------------------------------------


class ValueDriver(TenantModel):
    """Turns activity or an outcome into business value.

    ``basis=event``: each occurrence of ``event_name`` is one unit. ``basis=kpi``: each unit of
    improvement of every KPI named ``kpi_name`` (case-insensitive) is one unit. A unit is worth
    ``hours_per_unit × money_per_hour`` (hours saved) or ``money_per_unit`` (revenue, cost saved).
    """

    class Basis(models.TextChoices):
        EVENT = "event", "A usage event"
        KPI = "kpi", "A KPI's improvement"

    class Kind(models.TextChoices):
        HOURS_SAVED = "hours_saved", "Hours saved"
        REVENUE = "revenue", "Revenue influenced"
        COST_SAVED = "cost_saved", "Cost saved"

    name = models.CharField(max_length=200)
    basis = models.CharField(max_length=10, choices=Basis.choices, default=Basis.EVENT)
    event_name = models.CharField(max_length=100, blank=True)
    kpi_name = models.CharField(max_length=200, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices, default=Kind.HOURS_SAVED)
    hours_per_unit = models.DecimalField(max_digits=10, decimal_places=4, null=True, blank=True)
    money_per_hour = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    money_per_unit = models.DecimalField(max_digits=12, decimal_places=2, null=True, blank=True)
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "name"], name="valuedriver_unique_name"),
            models.CheckConstraint(condition=~Q(basis="event") | ~Q(event_name=""), name="valuedriver_event_named"),
            models.CheckConstraint(condition=~Q(basis="kpi") | ~Q(kpi_name=""), name="valuedriver_kpi_named"),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def value_per_unit(self) -> float:
        if self.kind == self.Kind.HOURS_SAVED:
            return float(self.hours_per_unit or 0) * float(self.money_per_hour or 0)
        return float(self.money_per_unit or 0)


# --- Value checkpoints ------------------------------------------------------------------------


class CsmTask(TenantModel):
    """A task for the account's CSM raised at a value checkpoint, suggesting the next experience
    to send. ``(account, kind, reference)`` is unique, so each event raises exactly one task."""

    class Kind(models.TextChoices):
        MILESTONE_COMPLETED = "milestone_completed", "Milestone completed"
        KPI_TARGET_REACHED = "kpi_target_reached", "KPI target reached"
        ONBOARDING_ENDED = "onboarding_ended", "Onboarding ended"
        RENEWAL_UPCOMING = "renewal_upcoming", "Renewal in 120 days"

    class Experience(models.TextChoices):
        HEALTH_CHECK = "health_check", "Adoption health check"
        VALUE_DASHBOARD = "value_dashboard", "Value dashboard"
        RENEWAL_CASE = "renewal_case", "Renewal business case"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        DONE = "done", "Done"
        DISMISSED = "dismissed", "Dismissed"

    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="csm_tasks")
    kind = models.CharField(max_length=30, choices=Kind.choices)
    reference = models.CharField(max_length=100, help_text="What raised it, e.g. milestone:12 or renewal:2027-03-01.")
    title = models.CharField(max_length=300)
    suggested_experience = models.CharField(max_length=20, choices=Experience.choices)
    assignee = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    due_date = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    created_at = models.DateTimeField(default=timezone.now)
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["due_date", "-created_at", "id"]
        constraints = [models.UniqueConstraint(fields=["organization", "account", "kind", "reference"], name="csmtask_once_per_event")]
        indexes = [models.Index(fields=["organization", "status", "due_date"])]

    def __str__(self) -> str:
        return self.title
