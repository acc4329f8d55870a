"""Writes of the tenancy kernel: sign-up, organizations, invitations, members, API keys, audit."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.db import IntegrityError, models, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.text import slugify

from .keys import display_prefix, hash_secret, new_api_key, new_secret
from .models import ApiKey, AuditLogEntry, Invitation, Membership, Organization, Role, User

RESERVED_SLUGS = {"new", "admin", "api", "static", "s", "o"}


# --- Audit -----------------------------------------------------------------------------------


def audit_record(
    *,
    organization: Organization,
    actor: User | ApiKey | None,
    action: str,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    before: dict | None = None,
    after: dict | None = None,
) -> AuditLogEntry:
    """Record who changed what. ``actor`` is a user, an API key, or None for the system."""
    if target is not None:
        object_type = object_type or target._meta.model_name
        object_id = object_id or str(target.pk)
        object_repr = object_repr or str(target)[:200]
    return AuditLogEntry.objects.create(
        organization=organization,
        actor_user=actor if isinstance(actor, User) else None,
        actor_api_key=actor if isinstance(actor, ApiKey) else None,
        action=action,
        object_type=object_type,
        object_id=object_id,
        object_repr=object_repr,
        before=before,
        after=after,
    )


# --- Organizations and sign-up ----------------------------------------------------------------


def _unique_slug(name: str) -> str:
    base = slugify(name)[:50] or "org"
    if base in RESERVED_SLUGS:
        base = f"{base}-org"
    slug, n = base, 2
    while Organization.objects.filter(slug=slug).exists():
        slug = f"{base}-{n}"
        n += 1
    return slug


@transaction.atomic
def organization_create(*, name: str, owner: User, slug: str | None = None) -> Organization:
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Give the organization a name."})
    organization = Organization.objects.create(name=name, slug=slug or _unique_slug(name))
    Membership.objects.create(organization=organization, user=owner, role=Role.OWNER)
    audit_record(organization=organization, actor=owner, action="organization.created", target=organization)
    return organization


@transaction.atomic
def user_sign_up(*, email: str, password: str, full_name: str = "", organization_name: str = "") -> tuple[User, Organization | None]:
    """Create a user and, when a name is given, a new organization they own."""
    email = email.strip().lower()
    if User.objects.filter(email__iexact=email).exists():
        raise ValidationError({"email": "An account with this email already exists. Log in instead."})
    user = User.objects.create_user(email=email, password=password, full_name=full_name.strip())
    organization = organization_create(name=organization_name, owner=user) if organization_name.strip() else None
    return user, organization


# --- Invitations -------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedInvitation:
    invitation: Invitation
    token: str

    @property
    def accept_path(self) -> str:
        return reverse("invitation_accept", kwargs={"token": self.token})


@transaction.atomic
def invitation_create(*, organization: Organization, email: str, role: str, invited_by: User) -> IssuedInvitation:
    email = email.strip().lower()
    if role not in Role.values:
        raise ValidationError({"role": "Choose one of owner, admin, CSM or viewer."})
    if role == Role.OWNER and not Membership.objects.filter(organization=organization, user=invited_by, role=Role.OWNER).exists():
        raise ValidationError({"role": "Only an owner can invite another owner."})
    if Membership.objects.filter(organization=organization, user__email__iexact=email).exists():
        raise ValidationError({"email": f"{email} is already a member of {organization.name}."})
    # A new invitation replaces any pending one for the same address.
    Invitation.objects.filter(organization=organization, email=email, accepted_at=None, revoked_at=None).update(revoked_at=timezone.now())
    token = new_secret()
    invitation = Invitation.objects.create(
        organization=organization,
        email=email,
        role=role,
        token_hash=hash_secret(token),
        invited_by=invited_by,
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_MAX_AGE_DAYS),
    )
    issued = IssuedInvitation(invitation=invitation, token=token)
    audit_record(organization=organization, actor=invited_by, action="invitation.created", target=invitation, after={"email": email, "role": role})
    url = settings.SITE_URL.rstrip("/") + issued.accept_path
    context = {
        "organization": organization,
        "invited_by": invited_by,
        "url": url,
        "role": Role(role).label,
        "days": settings.INVITATION_MAX_AGE_DAYS,
    }
    transaction.on_commit(
        lambda: send_mail(
            subject=f"{invited_by.display_name} invited you to {organization.name} on Retention",
            message=render_to_string("retention/email/invitation.txt", context),
            from_email=None,
            recipient_list=[email],
        )
    )
    return issued


def invitation_get_pending(*, token: str) -> Invitation | None:
    invitation = Invitation.objects.select_related("organization", "invited_by").filter(token_hash=hash_secret(token)).first()
    if invitation is None or not invitation.is_pending:
        return None
    return invitation


@transaction.atomic
def invitation_accept(*, token: str, user: User) -> Membership:
    invitation = invitation_get_pending(token=token)
    if invitation is None:
        raise ValidationError("This invitation is no longer valid. Ask an admin for a new one.")
    if invitation.email.lower() != user.email.lower():
        raise ValidationError(f"This invitation was sent to {invitation.email}. Log in with that address to accept it.")
    updated = Invitation.objects.filter(pk=invitation.pk, accepted_at=None, revoked_at=None).update(accepted_at=timezone.now())
    if updated != 1:
        raise ValidationError("This invitation has already been used.")
    try:
        with transaction.atomic():
            membership = Membership.objects.create(organization=invitation.organization, user=user, role=invitation.role)
    except IntegrityError:
        membership = Membership.objects.get(organization=invitation.organization, user=user)
    audit_record(organization=invitation.organization, actor=user, action="member.joined", target=membership, after={"role": membership.role})
    return membership


def invitation_revoke(*, organization: Organization, invitation_id: int, by: User) -> Invitation:
    invitation = Invitation.objects.get(organization=organization, pk=invitation_id)
    if invitation.is_pending:
        invitation.revoked_at = timezone.now()
        invitation.save(update_fields=["revoked_at"])
        audit_record(organization=organization, actor=by, action="invitation.revoked", target=invitation)
    return invitation


# --- Members ---------------------------------------------------------------------------------


def _owner_count(organization: Organization) -> int:
    return Membership.objects.filter(organization=organization, role=Role.OWNER).count()


@transaction.atomic
def member_change_role(*, organization: Organization, membership_id: int, role: str, by: Membership) -> Membership:
    membership = Membership.objects.select_for_update().select_related("user").get(organization=organization, pk=membership_id)
    if role not in Role.values:
        raise ValidationError("Choose one of owner, admin, CSM or viewer.")
    touches_owner = Role.OWNER in (role, membership.role)
    if touches_owner and by.role != Role.OWNER:
        raise ValidationError("Only an owner can grant or take away the owner role.")
    if membership.role == Role.OWNER and role != Role.OWNER and _owner_count(organization) == 1:
        raise ValidationError("An organization needs at least one owner. Make someone else owner first.")
    before = membership.role
    membership.role = role
    membership.save(update_fields=["role"])
    audit_record(
        organization=organization,
        actor=by.user,
        action="member.role_changed",
        target=membership,
        before={"role": before},
        after={"role": role},
    )
    return membership


@transaction.atomic
def member_remove(*, organization: Organization, membership_id: int, by: Membership) -> None:
    """Remove a member. Their next request is refused: access is checked on every request."""
    membership = Membership.objects.select_for_update().select_related("user").get(organization=organization, pk=membership_id)
    if membership.role == Role.OWNER and by.role != Role.OWNER:
        raise ValidationError("Only an owner can remove an owner.")
    if membership.role == Role.OWNER and _owner_count(organization) == 1:
        raise ValidationError("An organization needs at least one owner. Make someone else owner first.")
    audit_record(
        organization=organization,
        actor=by.user,
        action="member.removed",
        object_type="membership",
        object_id=str(membership.pk),
        object_repr=membership.user.email,
        before={"email": membership.user.email, "role": membership.role},
    )
    membership.delete()


# --- API keys --------------------------------------------------------------------------------


@dataclass(frozen=True)
class IssuedApiKey:
    api_key: ApiKey
    raw: str  # shown once, never stored


def _clean_scopes(scopes) -> list[str]:
    cleaned = sorted({s.strip().lower() for s in scopes if s and s.strip()})
    unknown = [s for s in cleaned if s not in ApiKey.Scope.values]
    if unknown or not cleaned:
        raise ValidationError({"scopes": "Scopes must be 'read', 'write' or both."})
    return cleaned


@transaction.atomic
def api_key_create(*, organization: Organization, name: str, scopes, created_by: User | None = None) -> IssuedApiKey:
    name = name.strip()
    if not name:
        raise ValidationError({"name": "Name the key after the integration that will use it."})
    scopes = _clean_scopes(scopes)
    raw = new_api_key()
    api_key = ApiKey.objects.create(
        organization=organization,
        name=name[:100],
        prefix=display_prefix(raw),
        key_hash=hash_secret(raw),
        scopes=scopes,
        created_by=created_by,
    )
    audit_record(organization=organization, actor=created_by, action="api_key.created", target=api_key, after={"name": name, "scopes": scopes})
    return IssuedApiKey(api_key=api_key, raw=raw)


def api_key_revoke(*, organization: Organization, api_key_id: int, by: User | None) -> ApiKey:
    api_key = ApiKey.objects.get(organization=organization, pk=api_key_id)
    if api_key.revoked_at is None:
        api_key.revoked_at = timezone.now()
        api_key.save(update_fields=["revoked_at"])
        audit_record(organization=organization, actor=by, action="api_key.revoked", target=api_key)
    return api_key
