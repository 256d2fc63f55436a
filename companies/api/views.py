"""Customer endpoints: parent companies, companies, contacts."""

from __future__ import annotations

from companies import selectors, services
from companies.api.serializers import CompanySerializer, ContactSerializer, ParentCompanySerializer
from companies.filters import CompanyFilterSet, ContactFilterSet, ParentCompanyFilterSet
from supportdesk.api.views import ModelViewSet


class ParentCompanyViewSet(ModelViewSet):
    """Groups of companies."""

    resource = "parent_company"
    selector = selectors.parent_company_list
    serializer_class = ParentCompanySerializer
    filterset_class = ParentCompanyFilterSet
    create_service = services.parent_company_create
    update_service = services.parent_company_update
    delete_service = services.parent_company_delete
    restore_service = services.parent_company_restore
    instance_kwarg = "parent_company"


class CompanyViewSet(ModelViewSet):
    """Customer companies."""

    resource = "company"
    selector = selectors.company_list
    serializer_class = CompanySerializer
    filterset_class = CompanyFilterSet
    create_service = services.company_create
    update_service = services.company_update
    delete_service = services.company_delete
    restore_service = services.company_restore
    instance_kwarg = "company"


class ContactViewSet(ModelViewSet):
    """Customer people who raise tickets."""

    resource = "contact"
    selector = selectors.contact_list
    serializer_class = ContactSerializer
    filterset_class = ContactFilterSet
    create_service = services.contact_create
    update_service = services.contact_update
    delete_service = services.contact_delete
    restore_service = services.contact_restore
    instance_kwarg = "contact"
