"""Root URLs. Organization-scoped pages live under /o/<org_slug>/; the API under /api/v1/."""

from django.contrib.auth import views as auth_views
from django.urls import include, path

from . import views, webhook_views
from .admin_site import admin_site
from .forms import EmailAuthenticationForm

org_patterns = [
    path("", views.org_home, name="org_home"),
    path("members/", views.member_list, name="member_list"),
    path("members/invite/", views.member_invite, name="member_invite"),
    path("members/<int:membership_id>/role/", views.member_change_role, name="member_change_role"),
    path("members/<int:membership_id>/remove/", views.member_remove, name="member_remove"),
    path("invitations/<int:invitation_id>/revoke/", views.invitation_revoke, name="invitation_revoke"),
    path("settings/api-keys/", views.api_key_list, name="api_key_list"),
    path("settings/api-keys/<int:api_key_id>/revoke/", views.api_key_revoke, name="api_key_revoke"),
    path("audit/", views.audit_log, name="audit_log"),
    path("settings/webhooks/", webhook_views.webhook_list, name="webhook_list"),
    path("settings/webhooks/<int:subscription_id>/", webhook_views.webhook_detail, name="webhook_detail"),
    path("settings/webhooks/<int:subscription_id>/toggle/", webhook_views.webhook_toggle, name="webhook_toggle"),
    path("settings/webhooks/deliveries/<int:delivery_id>/redeliver/", webhook_views.webhook_redeliver, name="webhook_redeliver"),
    path("accounts/", include("accounts.urls")),
    path("plans/", include("accounts.plans.urls")),
    path("dashboards/", include("dashboards.urls")),
    path("portfolio/", include("dashboards.urls_portfolio")),
    path("healthchecks/", include("healthchecks.urls")),
    path("renewals/", include("renewals.urls")),
    path("experiences/", include("accounts.experiences.urls")),
]

auth_patterns = [
    path("login/", auth_views.LoginView.as_view(authentication_form=EmailAuthenticationForm, redirect_authenticated_user=True), name="login"),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("password-reset/", auth_views.PasswordResetView.as_view(), name="password_reset"),
    path("password-reset/sent/", auth_views.PasswordResetDoneView.as_view(), name="password_reset_done"),
    path("password-reset/<uidb64>/<token>/", auth_views.PasswordResetConfirmView.as_view(), name="password_reset_confirm"),
    path("password-reset/done/", auth_views.PasswordResetCompleteView.as_view(), name="password_reset_complete"),
    path("password-change/", auth_views.PasswordChangeView.as_view(), name="password_change"),
    path("password-change/done/", auth_views.PasswordChangeDoneView.as_view(), name="password_change_done"),
]

urlpatterns = [
    path("", views.home, name="home"),
    path("healthz", views.healthz, name="healthz"),
    path("signup/", views.signup, name="signup"),
    path("organizations/new/", views.organization_new, name="organization_new"),
    path("invitations/<str:token>/", views.invitation_accept, name="invitation_accept"),
    path("o/<slug:org_slug>/", include(org_patterns)),
    path("api/v1/", include("retention.api_urls")),
    path("s/", include("healthchecks.public_urls")),
    path("admin/", admin_site.urls),
    *auth_patterns,
]

handler404 = "retention.errors.not_found"
handler403 = "retention.errors.forbidden"
handler500 = "retention.errors.server_error"
