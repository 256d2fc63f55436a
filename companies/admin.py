from django.contrib import admin

from companies.models import Company, Contact, ParentCompany
from supportdesk.admin import TenantScopedAdmin


@admin.register(ParentCompany)
class ParentCompanyAdmin(TenantScopedAdmin):
    list_display = ("name", "domain", "tenant", "updated_at")
    list_select_related = ("tenant",)
    search_fields = ("name", "domain")


@admin.register(Company)
class CompanyAdmin(TenantScopedAdmin):
    list_display = ("name", "parent", "domain", "tenant", "updated_at")
    list_select_related = ("tenant", "parent")
    search_fields = ("name", "domain")
    raw_id_fields = ("parent",)


@admin.register(Contact)
class ContactAdmin(TenantScopedAdmin):
    list_display = ("name", "email", "company", "tenant", "updated_at")
    list_select_related = ("tenant", "company")
    search_fields = ("name", "email")
    raw_id_fields = ("company",)
