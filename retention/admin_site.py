"""Django admin for staff. It spans organizations, so it runs with row-level security bypassed."""

from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as BaseUserAdmin

from . import rls
from .models import ApiKey, AuditLogEntry, Invitation, Membership, Organization, User


class RetentionAdminSite(admin.AdminSite):
    site_header = "Retention administration"
    site_title = "Retention admin"

    def admin_view(self, view, cacheable=False):
        inner = super().admin_view(view, cacheable)

        def wrapped(request, *args, **kwargs):
            if request.user.is_active and request.user.is_staff:
                with rls.bypass():
                    return inner(request, *args, **kwargs)
            return inner(request, *args, **kwargs)

        wrapped.__name__ = getattr(view, "__name__", "admin_view")
        wrapped.admin_site = True
        return wrapped


admin_site = RetentionAdminSite(name="admin")


class UserAdmin(BaseUserAdmin):
    ordering = ["email"]
    list_display = ["email", "full_name", "is_staff", "is_active", "date_joined"]
    search_fields = ["email", "full_name"]
    fieldsets = [
        (None, {"fields": ["email", "password"]}),
        ("Profile", {"fields": ["full_name"]}),
        ("Permissions", {"fields": ["is_active", "is_staff", "is_superuser", "groups", "user_permissions"]}),
        ("Dates", {"fields": ["last_login", "date_joined"]}),
    ]
    add_fieldsets = [(None, {"classes": ["wide"], "fields": ["email", "password1", "password2"]})]


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    raw_id_fields = ["user"]


class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "slug", "created_at"]
    search_fields = ["name", "slug"]
    inlines = [MembershipInline]


class ApiKeyAdmin(admin.ModelAdmin):
    list_display = ["name", "organization", "prefix", "scopes", "last_used_at", "revoked_at"]
    list_filter = ["organization"]
    readonly_fields = ["prefix", "key_hash", "created_at", "last_used_at"]


class AuditLogEntryAdmin(admin.ModelAdmin):
    list_display = ["created_at", "organization", "action", "object_type", "object_repr"]
    list_filter = ["organization", "action"]
    readonly_fields = [f.name for f in AuditLogEntry._meta.fields]


admin_site.register(User, UserAdmin)
admin_site.register(Organization, OrganizationAdmin)
admin_site.register(ApiKey, ApiKeyAdmin)
admin_site.register(Invitation)
admin_site.register(AuditLogEntry, AuditLogEntryAdmin)
