"""The tenancy kernel's data: users, organizations, memberships, invitations, API keys, audit log."""

from __future__ import annotations

from django.conf import settings
from django.contrib.auth.models import AbstractBaseUser, BaseUserManager, PermissionsMixin
from django.db import models
from django.utils import timezone


class UserManager(BaseUserManager["User"]):
    use_in_migrations = True

    def create_user(self, email: str, password: str | None = None, **extra) -> User:
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email).lower(), **extra)
        user.set_password(password)
        user.save(using=self._db)
        return user

    def create_superuser(self, email: str, password: str | None = None, **extra) -> User:
        extra.setdefault("is_staff", True)
        extra.setdefault("is_superuser", True)
        return self.create_user(email, password, **extra)


class User(AbstractBaseUser, PermissionsMixin):
    """A person who logs in with an email address. Belongs to organizations through Membership."""

    email = models.EmailField(unique=True)
    full_name = models.CharField(max_length=150, blank=True)
    is_active = models.BooleanField(default=True)
    is_staff = models.BooleanField(default=False)
    date_joined = models.DateTimeField(default=timezone.now)

    objects = UserManager()

    USERNAME_FIELD = "email"
    EMAIL_FIELD = "email"
    REQUIRED_FIELDS: list[str] = []

    def __str__(self) -> str:
        return self.display_name

    @property
    def display_name(self) -> str:
        return self.full_name or self.email

    def get_full_name(self) -> str:
        return self.display_name

    def get_short_name(self) -> str:
        return self.full_name.split(" ")[0] if self.full_name else self.email


class Organization(models.Model):
    """A vendor using the product: the tenant."""

    name = models.CharField(max_length=120)
    slug = models.SlugField(max_length=60, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.name


class Role(models.TextChoices):
    OWNER = "owner", "Owner"
    ADMIN = "admin", "Admin"
    CSM = "csm", "CSM"
    VIEWER = "viewer", "Viewer"


# Higher rank includes every permission of the lower ranks.
ROLE_RANK = {Role.VIEWER: 0, Role.CSM: 1, Role.ADMIN: 2, Role.OWNER: 3}


class Membership(models.Model):
    """A user's role in one organization. Deleting it revokes access at once."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="memberships")
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="memberships")
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.CSM)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["organization", "user"], name="membership_unique_user_per_org"),
        ]

    def __str__(self) -> str:
        return f"{self.user} in {self.organization} ({self.role})"

    def has_role(self, minimum: str) -> bool:
        return ROLE_RANK[Role(self.role)] >= ROLE_RANK[Role(minimum)]

    @property
    def can_edit(self) -> bool:
        return self.has_role(Role.CSM)

    @property
    def can_manage(self) -> bool:
        return self.has_role(Role.ADMIN)


class TenantModel(models.Model):
    """Base for every tenant-owned table: carries ``organization`` and gets row-level security."""

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="+")

    class Meta:
        abstract = True


class Invitation(models.Model):
    """An emailed invitation to join an organization with a role chosen by an admin.

    Part of the tenancy kernel (like Membership and ApiKey), so not under row-level security:
    accepting one looks it up by token before any organization is known.
    """

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="invitations")
    email = models.EmailField()
    role = models.CharField(max_length=10, choices=Role.choices, default=Role.CSM)
    token_hash = models.CharField(max_length=64, unique=True)
    invited_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    expires_at = models.DateTimeField()
    accepted_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "email"])]

    def __str__(self) -> str:
        return f"Invitation for {self.email} to {self.organization_id}"

    @property
    def is_pending(self) -> bool:
        return self.accepted_at is None and self.revoked_at is None and self.expires_at > timezone.now()

    @property
    def status(self) -> str:
        if self.accepted_at:
            return "accepted"
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        return "pending"


class ApiKey(models.Model):
    """A key an integration uses. Only a SHA-256 hash of the secret is stored.

    Not under row-level security on purpose: authentication looks the key up by its hash
    before any organization is known. Every other query filters by organization.
    """

    class Scope(models.TextChoices):
        READ = "read", "Read"
        WRITE = "write", "Write"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="api_keys")
    name = models.CharField(max_length=100)
    prefix = models.CharField(max_length=24, db_index=True)
    key_hash = models.CharField(max_length=64, unique=True)
    scopes = models.JSONField(default=list)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…)"

    @property
    def is_active(self) -> bool:
        return self.revoked_at is None

    def has_scope(self, scope: str) -> bool:
        return scope in self.scopes


class AuditLogEntry(TenantModel):
    """Who (a user or an API key) changed what, with the values before and after."""

    actor_user = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    actor_api_key = models.ForeignKey(ApiKey, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    action = models.CharField(max_length=60)
    object_type = models.CharField(max_length=60)
    object_id = models.CharField(max_length=64, blank=True)
    object_repr = models.CharField(max_length=200, blank=True)
    before = models.JSONField(null=True, blank=True)
    after = models.JSONField(null=True, blank=True)
    created_at = models.DateTimeField(default=timezone.now, db_index=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        indexes = [models.Index(fields=["organization", "object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.action} {self.object_type} {self.object_id}"

    @property
    def actor_display(self) -> str:
        if self.actor_user_id:
            return self.actor_user.display_name
        if self.actor_api_key_id:
            return f"API key {self.actor_api_key.name}"
        return "System"

    @property
    def changes(self) -> list[tuple[str, object, object]]:
        before, after = self.before or {}, self.after or {}
        keys = sorted(set(before) | set(after))
        return [(k, before.get(k), after.get(k)) for k in keys if before.get(k) != after.get(k)]


class SharedLink(models.Model):
    """A no-login link (``/s/<token>``) bound to one organization, one account and one purpose.

    Only a SHA-256 hash of the token is stored. Part of the tenancy kernel and, like ApiKey, not
    under row-level security on purpose: a respondent's request is resolved by the token's hash
    before any organization is known (``retention.sharing.shared_link_resolve`` then scopes the
    transaction to the link's organization). Every other query filters by organization in code.
    """

    class Purpose(models.TextChoices):
        HEALTHCHECK = "healthcheck", "Health check"
        VALUE_DASHBOARD = "value_dashboard", "Value dashboard"
        RENEWAL_CASE = "renewal_case", "Renewal business case"
        ROADMAP = "roadmap", "Customer roadmap"
        ENABLEMENT = "enablement", "Enablement path"
        ADVOCACY = "advocacy", "Advocacy story"

    organization = models.ForeignKey(Organization, on_delete=models.CASCADE, related_name="shared_links")
    account = models.ForeignKey("accounts.Account", on_delete=models.CASCADE, related_name="+")
    purpose = models.CharField(max_length=30, choices=Purpose.choices)
    # What the link opens, e.g. ("healthchecks.questionnaireversion", 12); empty when the purpose
    # needs no target (a value dashboard shows the account itself).
    target_type = models.CharField(max_length=60, blank=True)
    target_id = models.BigIntegerField(null=True, blank=True)
    label = models.CharField(max_length=120, blank=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(settings.AUTH_USER_MODEL, null=True, blank=True, on_delete=models.SET_NULL, related_name="+")
    created_at = models.DateTimeField(default=timezone.now)
    expires_at = models.DateTimeField()
    revoked_at = models.DateTimeField(null=True, blank=True)
    respondent_limit = models.PositiveIntegerField(null=True, blank=True, help_text="Most responses the link accepts; empty for no limit.")
    opened_count = models.PositiveIntegerField(default=0)
    response_count = models.PositiveIntegerField(default=0)
    last_opened_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        indexes = [models.Index(fields=["organization", "account", "purpose"]), models.Index(fields=["organization", "created_at"])]
        constraints = [
            models.CheckConstraint(condition=models.Q(respondent_limit__isnull=True) | models.Q(respondent_limit__gte=1), name="sharedlink_limit_positive"),
        ]

    def __str__(self) -> str:
        return self.label or f"{self.get_purpose_display()} link"

    @property
    def status(self) -> str:
        if self.revoked_at:
            return "revoked"
        if self.expires_at <= timezone.now():
            return "expired"
        if self.respondent_limit is not None and self.response_count >= self.respondent_limit:
            return "full"
        return "active"

    @property
    def is_usable(self) -> bool:
        return self.revoked_at is None and self.expires_at > timezone.now()


# Webhook models live in their own module; imported here so Django registers them.
from .webhook_models import WebhookDelivery, WebhookEventType, WebhookSubscription  # noqa: E402, F401
