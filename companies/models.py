"""Customers: parent companies, their companies, and the contacts who raise tickets."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower

from supportdesk.models import TenantModel


class ParentCompany(TenantModel):
    """A group of companies (a holding or a customer with several subsidiaries)."""

    name = models.CharField(max_length=200)
    domain = models.CharField(max_length=253, blank=True, default="")
    notes = models.TextField(blank=True, default="")

    class Meta(TenantModel.Meta):
        ordering = ["name"]
        verbose_name_plural = "parent companies"
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(
                "tenant",
                Lower("name"),
                condition=Q(is_deleted=False),
                name="companies_parentcompany_name_live_key",
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Company(TenantModel):
    """A customer company, optionally part of a parent company."""

    name = models.CharField(max_length=200)
    parent = models.ForeignKey(
        ParentCompany, null=True, blank=True, on_delete=models.SET_NULL, related_name="companies"
    )
    domain = models.CharField(max_length=253, blank=True, default="")
    phone = models.CharField(max_length=64, blank=True, default="")
    notes = models.TextField(blank=True, default="")

    class Meta(TenantModel.Meta):
        ordering = ["name"]
        verbose_name_plural = "companies"
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(
                "tenant", Lower("name"), condition=Q(is_deleted=False), name="companies_company_name_live_key"
            ),
        ]

    def __str__(self) -> str:
        return self.name


class Contact(TenantModel):
    """A customer person who raises tickets; optionally works for a company."""

    name = models.CharField(max_length=200)
    email = models.EmailField(max_length=254, blank=True, default="")
    phone = models.CharField(max_length=64, blank=True, default="")
    title = models.CharField(max_length=200, blank=True, default="")
    company = models.ForeignKey(
        Company, null=True, blank=True, on_delete=models.SET_NULL, related_name="contacts"
    )

    class Meta(TenantModel.Meta):
        ordering = ["name"]
        constraints = [
            *TenantModel.Meta.constraints,
            models.UniqueConstraint(
                "tenant",
                Lower("email"),
                condition=Q(is_deleted=False) & ~Q(email=""),
                name="companies_contact_email_live_key",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} <{self.email}>" if self.email else self.name
