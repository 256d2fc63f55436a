from django.contrib import admin
from django.contrib.auth.admin import UserAdmin as DjangoUserAdmin

from accounts.backends import AdminLoginForm
from accounts.models import Department, Group, GroupMembership, Tenant, User
from supportdesk.admin import TenantScopedAdmin


@admin.register(Tenant)
class TenantAdmin(admin.ModelAdmin):
    list_display = ("name", "slug", "created_at", "last_ticket_number")
    search_fields = ("name", "slug")
    readonly_fields = ("id", "legacy_id", "created_at", "last_ticket_number")


@admin.register(User)
class UserAdmin(DjangoUserAdmin, TenantScopedAdmin):
    ordering = ("name",)
    list_display = ("name", "email", "tenant", "role", "status", "department", "last_login")
    list_filter = ("tenant", "role", "status", "is_staff")
    list_select_related = ("tenant", "department")
    search_fields = ("name", "email")
    readonly_fields = ("id", "legacy_id", "created_at", "last_login", "is_active")
    fieldsets = (
        (None, {"fields": ("tenant", "email", "password")}),
        ("Profile", {"fields": ("name", "role", "department", "status", "profile_image_url")}),
        ("Admin site", {"fields": ("is_staff", "is_superuser", "groups", "user_permissions")}),
        ("Record", {"fields": ("id", "legacy_id", "created_at", "last_login", "is_active", "is_deleted")}),
    )
    add_fieldsets = (
        (
            None,
            {"classes": ("wide",), "fields": ("tenant", "email", "name", "role", "password1", "password2")},
        ),
    )
    filter_horizontal = ("groups", "user_permissions")


@admin.register(Department)
class DepartmentAdmin(TenantScopedAdmin):
    list_display = ("name", "tenant", "updated_at")
    list_select_related = ("tenant",)
    search_fields = ("name",)


class GroupMembershipInline(admin.TabularInline):
    model = GroupMembership
    extra = 0
    raw_id_fields = ("user",)
    fields = ("user", "tenant")


@admin.register(Group)
class GroupAdmin(TenantScopedAdmin):
    list_display = ("name", "tenant", "updated_at")
    list_select_related = ("tenant",)
    search_fields = ("name",)
    inlines = (GroupMembershipInline,)


@admin.register(GroupMembership)
class GroupMembershipAdmin(TenantScopedAdmin):
    list_display = ("group", "user", "tenant")
    list_select_related = ("group", "user", "tenant")
    raw_id_fields = ("group", "user")


# The admin's sign-in page explains throttled attempts (accounts.backends).
admin.site.login_form = AdminLoginForm
