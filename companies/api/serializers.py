"""Parent company, company and contact shapes for the API."""

from __future__ import annotations

from companies.models import Company, Contact, ParentCompany
from supportdesk.api.serializers import StrictModelSerializer, TenantRelatedField

COMMON = ("id", "created_at", "updated_at")


class ParentCompanySerializer(StrictModelSerializer):
    class Meta:
        model = ParentCompany
        fields = ("id", "name", "domain", "notes", "created_at", "updated_at")
        read_only_fields = COMMON


class CompanySerializer(StrictModelSerializer):
    parent = TenantRelatedField(ParentCompany, required=False, allow_null=True)

    class Meta:
        model = Company
        fields = ("id", "name", "parent", "domain", "phone", "notes", "created_at", "updated_at")
        read_only_fields = COMMON


class ContactSerializer(StrictModelSerializer):
    company = TenantRelatedField(Company, required=False, allow_null=True)

    class Meta:
        model = Contact
        fields = ("id", "name", "email", "phone", "title", "company", "created_at", "updated_at")
        read_only_fields = COMMON
