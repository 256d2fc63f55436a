"""Customers in the browser: parent companies -> companies -> contacts, each with its tickets."""

from __future__ import annotations

from typing import Any

from django.db.models import Prefetch
from django.http import Http404
from django.views.generic import TemplateView

from companies.models import Company, Contact, ParentCompany
from companies.selectors import company_list, contact_list, parent_company_list
from supportdesk.errors import NotFound, ServiceError
from supportdesk.selectors import get_row, tenant_rows
from supportdesk.views import TenantScopedMixin, service_error_lines
from tickets.selectors import ticket_list

TICKETS_SHOWN = 25


class CustomerListView(TenantScopedMixin, TemplateView):
    """Parent companies with their companies, companies on their own, and a search over both and contacts."""

    template_name = "companies/list.html"
    nav = "customers"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        q = self.request.GET.get("q", "").strip()
        filters = {"q": q} if q else {}
        try:
            companies = Prefetch("companies", queryset=tenant_rows(Company, self.tenant_id))
            context.update(
                q=q,
                parents=parent_company_list(tenant=self.tenant_id, filters=filters).prefetch_related(
                    companies
                ),
                loose=company_list(tenant=self.tenant_id, filters=filters).filter(parent__isnull=True),
                contacts=contact_list(tenant=self.tenant_id, filters=filters).select_related("company")[:50]
                if q
                else [],
            )
        except ServiceError as exc:
            context.update(q=q, errors=service_error_lines(exc), parents=[], loose=[], contacts=[])
        return context


class _CustomerDetailView(TenantScopedMixin, TemplateView):
    nav = "customers"
    model: type[ParentCompany | Company | Contact]
    label: str
    ticket_filter: str

    def get_object(self, pk: Any) -> Any:
        try:
            return get_row(tenant_rows(self.model, self.tenant_id), pk, self.label)
        except NotFound as exc:
            raise Http404(exc.message) from exc

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        obj = self.get_object(kwargs["pk"])
        tickets = ticket_list(
            tenant=self.tenant_id, user=self.user, filters={self.ticket_filter: str(obj.pk)}
        )
        context.update(
            object=obj,
            tickets=tickets[:TICKETS_SHOWN],
            more_tickets_at=f"/tickets?{self.ticket_filter}={obj.pk}",
        )
        return context


class ParentCompanyDetailView(_CustomerDetailView):
    template_name = "companies/parent_company.html"
    model = ParentCompany
    label = "Parent company"
    ticket_filter = "parent_company"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["companies"] = company_list(
            tenant=self.tenant_id, filters={"parent": str(context["object"].pk)}
        )
        return context


class CompanyDetailView(_CustomerDetailView):
    template_name = "companies/company.html"
    model = Company
    label = "Company"
    ticket_filter = "company"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["contacts"] = contact_list(
            tenant=self.tenant_id, filters={"company": str(context["object"].pk)}
        )
        return context


class ContactDetailView(_CustomerDetailView):
    template_name = "companies/contact.html"
    model = Contact
    label = "Contact"
    ticket_filter = "requester"
