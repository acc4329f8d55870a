"""What is known about a vendor's customer accounts.

Every table is tenant-owned (``organization`` on every row and in every unique key, so the
schema can later be distributed by tenant) and under row-level security.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone

from retention.models import Organization, TenantModel


class Segment(models.TextChoices):
    SMB = "smb", "SMB"
    MID_MARKET = "mid_market", "Mid-market"
    ENTERPRISE = "enterprise", "Enterprise"


class LifecycleStage(models.TextChoices):
    ONBOARDING = "onboarding", "Onboarding"
    ADOPTING = "adopting", "Adopting"
    MATURE = "mature", "Mature"
    AT_RISK = "at_risk", "At risk"
    CHURNED = "churned", "Churned"


class TouchModel(models.TextChoices):
    TECH = "tech", "Tech-touch"
    HUMAN = "human", "Human-touch"


class Account(TenantModel):
    """A customer of the vendor. ``external_id`` is the vendor's own id, unique per organization."""

    external_id = models.CharField(max_length=100)
    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=200, blank=True)
    segment = models.CharField(max_length=20, choices=Segment.choices, default=Segment.SMB)
    tier = models.CharField(max_length=50, blank=True)
    owner = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="owned_accounts")
    lifecycle_stage = models.CharField(max_length=20, choices=LifecycleStage.choices, default=LifecycleStage.ONBOARDING)
    touch_model = models.CharField(max_length=10, choices=TouchModel.choices, default=TouchModel.TECH)
    start_date = models.DateField(null=True, blank=True)
    churned_on = models.DateField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "external_id"], name="account_unique_external_id")]
        indexes = [models.Index(fields=["organization", "name"]), models.Index(fields=["organization", "updated_at"])]

    def __str__(self) -> str:
        return self.name


class StakeholderRole(models.TextChoices):
    EXECUTIVE_SPONSOR = "executive_sponsor", "Executive sponsor"
    CHAMPION = "champion", "Champion"
    BUDGET_HOLDER = "budget_holder", "Budget holder"
    INFLUENCER = "influencer", "Influencer"
    POWER_USER = "power_user", "Power user"
    USER = "user", "User"


class Contact(TenantModel):
    """A person at the customer, with their role in the stakeholder map."""

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contacts")
    external_id = models.CharField(max_length=100, blank=True)
    name = models.CharField(max_length=200)
    email = models.EmailField(blank=True)
    title = models.CharField(max_length=200, blank=True)
    department = models.CharField(max_length=100, blank=True)
    stakeholder_role = models.CharField(max_length=20, choices=StakeholderRole.choices, default=StakeholderRole.USER)
    last_engaged_at = models.DateTimeField(null=True, blank=True)
    left_on = models.DateField(null=True, blank=True, help_text="The day the person left the customer's company.")
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "external_id"], condition=~Q(external_id=""), name="contact_unique_external_id"),
        ]
        indexes = [models.Index(fields=["organization", "account"]), models.Index(fields=["organization", "updated_at"])]

    def __str__(self) -> str:
        return self.name


class BillingPeriod(models.TextChoices):
    MONTHLY = "monthly", "Monthly"
    ANNUAL = "annual", "Annual"


class ContractLine(TenantModel):
    """One subscription line: a plan or add-on with its MRR and seats over a period.

    MRR movements (new, expansion, contraction, churn, reactivation) are derived from these lines
    (``accounts.mrr``), never stored.
    """

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="contract_lines")
    external_id = models.CharField(max_length=100, blank=True)
    product = models.CharField(max_length=100, help_text="Plan or add-on name.")
    is_addon = models.BooleanField(default=False)
    mrr = models.DecimalField(max_digits=12, decimal_places=2, help_text="Monthly recurring revenue after discount.")
    seats_licensed = models.PositiveIntegerField(default=0)
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Last day of service; empty while the line is running.")
    renewal_date = models.DateField(null=True, blank=True)
    billing_period = models.CharField(max_length=10, choices=BillingPeriod.choices, default=BillingPeriod.ANNUAL)
    discount_percent = models.DecimalField(max_digits=5, decimal_places=2, default=0)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "external_id"], condition=~Q(external_id=""), name="contractline_unique_external_id"),
            models.CheckConstraint(condition=Q(mrr__gte=0), name="contractline_mrr_not_negative"),
            models.CheckConstraint(condition=Q(discount_percent__gte=0) & Q(discount_percent__lte=100), name="contractline_discount_0_100"),
            models.CheckConstraint(condition=Q(end_date__isnull=True) | Q(end_date__gte=models.F("start_date")), name="contractline_end_after_start"),
        ]
        indexes = [models.Index(fields=["organization", "account", "start_date"]), models.Index(fields=["organization", "renewal_date"])]

    def __str__(self) -> str:
        return f"{self.product} ({self.mrr}/mo)"


class UsageEvent(TenantModel):
    """One thing a user of the customer did in the vendor's product. Append-only.

    ``message_id`` is the client's idempotency key: a re-sent event is acknowledged, never stored
    twice.

    The highest-volume table, so it carries no database-level foreign keys and no index beyond
    its primary key and the unique (organization, message_id): a per-row key check locks the
    account and organization rows (half the cost of an insert, measured by ``bench/ingest.py``),
    and every index is one more random page written per event. Nothing reads events by account
    or time -- reports read the rollups below -- so the (organization, account, timestamp) index
    went (migration 0006: 8 us less PostgreSQL CPU per ingested event, and 47 MB per million
    events less to keep in memory). Integrity holds without
    them: the only writer, ``accounts.ingest``, inserts through a join with the organization's
    accounts, accounts and organizations are never deleted by the product, and a deletion through
    the ORM still cascades to the events (``on_delete`` is applied by Django, not the database).
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    user_external_id = models.CharField(max_length=100, blank=True)
    event = models.CharField(max_length=100)
    timestamp = models.DateTimeField()
    properties = models.JSONField(default=dict, blank=True)
    value = models.FloatField(null=True, blank=True)
    message_id = models.CharField(max_length=100)
    received_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "message_id"], name="usageevent_unique_message_id")]

    def __str__(self) -> str:
        return f"{self.event} at {self.timestamp:%Y-%m-%d %H:%M}"


class DailyEventCount(TenantModel):
    """Rollup: how many times an account's users did one event on one day (UTC), and its value sum.

    Maintained in the same transaction as the event insert; nightly work reads this, never the
    raw events.

    Like the event table, the rollups carry no database-level foreign keys: their only writer is
    ingestion, which takes account ids from a join with the organization's accounts, and a key
    check per written row (on update too, to see whether the key changed) cost about 1 us per
    ingested event. Deleting through the ORM still cascades here (``on_delete`` is Django's).
    The identity sequences hand out ids from a per-connection cache of 1,000 (migration 0007):
    an upsert draws an id for every row, even those that only update a count.
    """

    # The unique key starts with organization: no separate index to maintain on every insert.
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    day = models.DateField()
    event = models.CharField(max_length=100)
    count = models.PositiveIntegerField(default=0)
    value_sum = models.FloatField(default=0)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "account", "day", "event"], name="dailyeventcount_unique")]
        indexes = [models.Index(fields=["organization", "day"])]


class DailyActiveUser(TenantModel):
    """Rollup: each distinct user of an account active on a day. Counting rows per (account, day)
    gives distinct active users; being a set, it is maintained incrementally without rescans."""

    # The unique key starts with organization: no separate index to maintain on every insert.
    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    day = models.DateField()
    user_external_id = models.CharField(max_length=100)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "account", "day", "user_external_id"], name="dailyactiveuser_unique")]
        indexes = [models.Index(fields=["organization", "day"])]


class UserLastActive(TenantModel):
    """Rollup: the latest two days each user of an account was active (UTC).

    One row per (account, user) however long the history, kept with ``DailyActiveUser`` in the
    same transaction from the daily rows it adds (a user's first event of a day; a late event
    lands in the right place). Distinct active users over a trailing window ending on a day are
    then a range read on ``last_day`` instead of a pass over every daily row of the window. When
    the user has been active again since that day (the nightly run scores yesterday while today's
    events arrive), ``previous_day`` is the answer unless both days are later.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="+", db_index=False, db_constraint=False)
    user_external_id = models.CharField(max_length=100)
    last_day = models.DateField()
    previous_day = models.DateField(null=True, blank=True)  # the latest active day before last_day

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "account", "user_external_id"], name="userlastactive_unique")]
        indexes = [models.Index(fields=["organization", "last_day"], name="userlastactive_org_day")]


class SupportTicket(TenantModel):
    class Priority(models.TextChoices):
        LOW = "low", "Low"
        NORMAL = "normal", "Normal"
        HIGH = "high", "High"
        URGENT = "urgent", "Urgent"

    class Status(models.TextChoices):
        OPEN = "open", "Open"
        PENDING = "pending", "Pending"
        SOLVED = "solved", "Solved"
        CLOSED = "closed", "Closed"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="tickets")
    external_id = models.CharField(max_length=100, blank=True)
    subject = models.CharField(max_length=300)
    priority = models.CharField(max_length=10, choices=Priority.choices, default=Priority.NORMAL)
    status = models.CharField(max_length=10, choices=Status.choices, default=Status.OPEN)
    escalated = models.BooleanField(default=False)
    opened_at = models.DateTimeField()
    resolved_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "external_id"], condition=~Q(external_id=""), name="supportticket_unique_external_id"),
        ]
        indexes = [models.Index(fields=["organization", "account", "opened_at"])]

    def __str__(self) -> str:
        return self.subject


class SurveyAnswer(TenantModel):
    """An NPS (0–10) or CSAT (1–5) answer from someone at the customer."""

    class Kind(models.TextChoices):
        NPS = "nps", "NPS"
        CSAT = "csat", "CSAT"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="survey_answers")
    contact = models.ForeignKey(Contact, null=True, blank=True, on_delete=models.SET_NULL, related_name="survey_answers")
    external_id = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=4, choices=Kind.choices)
    score = models.PositiveSmallIntegerField()
    comment = models.TextField(blank=True)
    answered_at = models.DateTimeField()
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "external_id"], condition=~Q(external_id=""), name="surveyanswer_unique_external_id"),
            models.CheckConstraint(
                condition=(Q(kind="nps") & Q(score__gte=0) & Q(score__lte=10)) | (Q(kind="csat") & Q(score__gte=1) & Q(score__lte=5)),
                name="surveyanswer_score_in_range",
            ),
        ]
        indexes = [models.Index(fields=["organization", "account", "answered_at"])]


class Touchpoint(TenantModel):
    """A meeting with the customer: onboarding call, QBR, executive sync … with who was present."""

    class Kind(models.TextChoices):
        KICKOFF = "kickoff", "Kickoff"
        ONBOARDING_CALL = "onboarding_call", "Onboarding call"
        CHECK_IN = "check_in", "Check-in"
        TRAINING = "training", "Training"
        QBR = "qbr", "QBR"
        EBR = "ebr", "Executive business review"
        EXECUTIVE_SYNC = "executive_sync", "Executive sync"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="touchpoints")
    external_id = models.CharField(max_length=100, blank=True)
    kind = models.CharField(max_length=20, choices=Kind.choices)
    occurred_at = models.DateTimeField()
    executive_present = models.BooleanField(default=False)
    summary = models.TextField(blank=True)
    contacts = models.ManyToManyField(Contact, through="TouchpointAttendee", related_name="touchpoints", blank=True)
    created_at = models.DateTimeField(default=timezone.now)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "external_id"], condition=~Q(external_id=""), name="touchpoint_unique_external_id"),
        ]
        indexes = [models.Index(fields=["organization", "account", "occurred_at"])]


class TouchpointAttendee(TenantModel):
    touchpoint = models.ForeignKey(Touchpoint, on_delete=models.CASCADE)
    contact = models.ForeignKey(Contact, on_delete=models.CASCADE)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["organization", "touchpoint", "contact"], name="touchpointattendee_unique")]


class Note(TenantModel):
    """A CSM's note on an account, with the sentiment it conveys."""

    class Sentiment(models.TextChoices):
        POSITIVE = "positive", "Positive"
        NEUTRAL = "neutral", "Neutral"
        NEGATIVE = "negative", "Negative"

    account = models.ForeignKey(Account, on_delete=models.CASCADE, related_name="notes")
    author = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    body = models.TextField()
    sentiment = models.CharField(max_length=10, choices=Sentiment.choices, default=Sentiment.NEUTRAL)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)
    updated_at = models.DateTimeField(auto_now=True, db_index=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "account", "created_at"])]


from accounts.experiences.models import *  # noqa: E402,F401,F403
from accounts.plans.models import *  # noqa: E402,F401,F403  (success plans live in their own module)
