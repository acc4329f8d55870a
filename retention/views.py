"""Pages of the tenancy kernel: sign-up, invitations, the organization home, members, API keys,
the audit log, and the ``/healthz`` probe."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.paginator import Paginator
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_POST

from . import selectors, services
from .forms import ApiKeyForm, InvitationForm, JoinForm, OrganizationForm, RoleForm, SignUpForm
from .models import ApiKey, Invitation, Membership, Role, User
from .tenancy import org_view


def _form_errors(form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, errs in error.error_dict.items():
            for e in errs:
                form.add_error(field if field in form.fields else None, e)
    else:
        for e in error.messages:
            form.add_error(None, e)


def home(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("login")
    membership = Membership.objects.filter(user=request.user).select_related("organization").order_by("organization__name").first()
    if membership is None:
        return redirect("organization_new")
    return redirect("portfolio:portfolio", org_slug=membership.organization.slug)


def signup(request: HttpRequest) -> HttpResponse:
    if request.user.is_authenticated:
        return redirect("home")
    form = SignUpForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user, organization = services.user_sign_up(**form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome to Retention. {organization.name} is ready.")
            return redirect("org_home", org_slug=organization.slug)
    return render(request, "retention/signup.html", {"form": form}, status=400 if form.errors else 200)


@login_required
def organization_new(request: HttpRequest) -> HttpResponse:
    form = OrganizationForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            organization = services.organization_create(name=form.cleaned_data["name"], owner=request.user)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, f"{organization.name} created. You are its owner.")
            return redirect("org_home", org_slug=organization.slug)
    return render(request, "retention/organization_new.html", {"form": form}, status=400 if form.errors else 200)


@never_cache
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    invitation = services.invitation_get_pending(token=token)
    if invitation is None:
        return render(request, "retention/invitation_invalid.html", status=404)
    user = request.user
    if user.is_authenticated:
        if request.method == "POST":
            try:
                membership = services.invitation_accept(token=token, user=user)
            except ValidationError as error:
                messages.error(request, " ".join(error.messages))
            else:
                messages.success(request, f"You joined {membership.organization.name} as {membership.get_role_display()}.")
                return redirect("org_home", org_slug=membership.organization.slug)
        return render(request, "retention/invitation_accept.html", {"invitation": invitation, "wrong_user": user.email.lower() != invitation.email})
    if User.objects.filter(email__iexact=invitation.email).exists():
        messages.info(request, f"Log in as {invitation.email} to accept the invitation.")
        return redirect(f"{reverse('login')}?next={request.path}")
    form = JoinForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            new_user, _ = services.user_sign_up(email=invitation.email, password=form.cleaned_data["password"], full_name=form.cleaned_data["full_name"])
            membership = services.invitation_accept(token=token, user=new_user)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            login(request, new_user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, f"Welcome. You joined {membership.organization.name} as {membership.get_role_display()}.")
            return redirect("org_home", org_slug=membership.organization.slug)
    return render(request, "retention/invitation_join.html", {"invitation": invitation, "form": form}, status=400 if form.errors else 200)


@org_view()
def org_home(request: HttpRequest) -> HttpResponse:
    from .selectors_home import organization_overview

    overview = organization_overview(organization=request.organization)
    return render(request, "retention/org_home.html", {"overview": overview})


@org_view()
def member_list(request: HttpRequest) -> HttpResponse:
    can_manage = request.membership.can_manage
    context = {
        "members": selectors.member_list(organization=request.organization),
        "invitations": selectors.invitation_list_pending(organization=request.organization) if can_manage else [],
        "invite_form": InvitationForm(),
        "roles": Role.choices,
        "can_manage": can_manage,
    }
    return render(request, "retention/members.html", context)


@org_view(min_role=Role.ADMIN)
@require_POST
def member_invite(request: HttpRequest) -> HttpResponse:
    form = InvitationForm(request.POST)
    if form.is_valid():
        try:
            issued = services.invitation_create(organization=request.organization, invited_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            messages.success(request, f"Invitation sent to {issued.invitation.email}.")
            return redirect("member_list", org_slug=request.organization.slug)
    context = {
        "members": selectors.member_list(organization=request.organization),
        "invitations": selectors.invitation_list_pending(organization=request.organization),
        "invite_form": form,
        "roles": Role.choices,
        "can_manage": True,
    }
    return render(request, "retention/members.html", context, status=400)


@org_view(min_role=Role.ADMIN)
@require_POST
def member_change_role(request: HttpRequest, membership_id: int) -> HttpResponse:
    form = RoleForm(request.POST)
    if not Membership.objects.filter(organization=request.organization, pk=membership_id).exists():
        raise Http404
    if not form.is_valid():
        messages.error(request, "Choose one of owner, admin, CSM or viewer.")
        return redirect("member_list", org_slug=request.organization.slug)
    try:
        membership = services.member_change_role(
            organization=request.organization, membership_id=membership_id, role=form.cleaned_data["role"], by=request.membership
        )
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, f"{membership.user.display_name} is now {membership.get_role_display()}.")
    return redirect("member_list", org_slug=request.organization.slug)


@org_view(min_role=Role.ADMIN)
@require_POST
def member_remove(request: HttpRequest, membership_id: int) -> HttpResponse:
    if not Membership.objects.filter(organization=request.organization, pk=membership_id).exists():
        raise Http404
    try:
        services.member_remove(organization=request.organization, membership_id=membership_id, by=request.membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
    else:
        messages.success(request, "Member removed. Their access ended immediately.")
    if membership_id == request.membership.pk:
        return redirect("home")
    return redirect("member_list", org_slug=request.organization.slug)


@org_view(min_role=Role.ADMIN)
@require_POST
def invitation_revoke(request: HttpRequest, invitation_id: int) -> HttpResponse:
    if not Invitation.objects.filter(organization=request.organization, pk=invitation_id).exists():
        raise Http404
    invitation = services.invitation_revoke(organization=request.organization, invitation_id=invitation_id, by=request.user)
    messages.success(request, f"Invitation for {invitation.email} revoked.")
    return redirect("member_list", org_slug=request.organization.slug)


@org_view(min_role=Role.ADMIN)
def api_key_list(request: HttpRequest) -> HttpResponse:
    form = ApiKeyForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.api_key_create(organization=request.organization, created_by=request.user, **form.cleaned_data)
        except ValidationError as error:
            _form_errors(form, error)
        else:
            form = ApiKeyForm()
    context = {"api_keys": selectors.api_key_list(organization=request.organization), "form": form, "issued": issued}
    return render(request, "retention/api_keys.html", context, status=400 if form.errors else 200)


@org_view(min_role=Role.ADMIN)
@require_POST
def api_key_revoke(request: HttpRequest, api_key_id: int) -> HttpResponse:
    if not ApiKey.objects.filter(organization=request.organization, pk=api_key_id).exists():
        raise Http404
    api_key = services.api_key_revoke(organization=request.organization, api_key_id=api_key_id, by=request.user)
    messages.success(request, f"Key “{api_key.name}” revoked. Requests using it are refused from now on.")
    return redirect("api_key_list", org_slug=request.organization.slug)


@org_view(min_role=Role.ADMIN)
def audit_log(request: HttpRequest) -> HttpResponse:
    entries = selectors.audit_log_list(organization=request.organization, object_type=request.GET.get("type", "")[:60])
    page = Paginator(entries, 50).get_page(request.GET.get("page"))
    return render(request, "retention/audit_log.html", {"page": page})


@require_GET
@never_cache
def healthz(request: HttpRequest) -> JsonResponse:
    """Liveness/readiness: the database answers and the broker (if configured) answers."""
    checks: dict[str, str] = {}
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
        checks["database"] = "ok"
    except Exception as exc:  # noqa: BLE001 - a probe reports every failure
        checks["database"] = f"error: {exc.__class__.__name__}"
    broker_url = settings.CELERY_BROKER_URL
    if not broker_url:
        checks["broker"] = "ok (in-process tasks)"
    else:
        from kombu import Connection

        try:
            with Connection(broker_url, connect_timeout=2) as conn:
                conn.ensure_connection(max_retries=1, timeout=2)
            checks["broker"] = "ok"
        except Exception as exc:  # noqa: BLE001
            checks["broker"] = f"error: {exc.__class__.__name__}"
    healthy = all(v.startswith("ok") for v in checks.values())
    return JsonResponse({"status": "ok" if healthy else "error", "checks": checks}, status=200 if healthy else 503)
