"""factory-boy factories: each builds a valid row of one tenant (the tenant of its parent rows)."""

from __future__ import annotations

import hashlib

import factory
from django.core.files.base import ContentFile

from accounts.choices import Role
from accounts.models import Department, Group, GroupMembership, Tenant, User
from audit.models import AuditLog
from catalog.models import Category, Subcategory, Tag
from companies.models import Company, Contact, ParentCompany
from tickets.models import Attachment, Ticket, TicketComment, TicketTag


class TenantFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tenant

    name = factory.Sequence(lambda n: f"Tenant {n}")
    slug = factory.Sequence(lambda n: f"tenant-{n}")


class DepartmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Department

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Department {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Agent {n}")
    email = factory.Sequence(lambda n: f"agent{n}@example.com")
    role = Role.AGENT
    password = factory.django.Password("correct horse battery staple")


class GroupFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Group

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Group {n}")


class GroupMembershipFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = GroupMembership

    group = factory.SubFactory(GroupFactory)
    tenant = factory.SelfAttribute("group.tenant")
    user = factory.SubFactory(UserFactory, tenant=factory.SelfAttribute("..tenant"))


class ParentCompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = ParentCompany

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Holding {n}")


class CompanyFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Company

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Company {n}")


class ContactFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Contact

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Contact {n}")
    email = factory.Sequence(lambda n: f"contact{n}@customer.example")


class CategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Category

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"Category {n}")


class SubcategoryFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Subcategory

    category = factory.SubFactory(CategoryFactory)
    tenant = factory.SelfAttribute("category.tenant")
    name = factory.Sequence(lambda n: f"Subcategory {n}")


class TagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Tag

    tenant = factory.SubFactory(TenantFactory)
    name = factory.Sequence(lambda n: f"tag-{n}")


class TicketFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Ticket

    tenant = factory.SubFactory(TenantFactory)
    subject = factory.Sequence(lambda n: f"Printer {n} is on fire")
    description = "It was fine yesterday."
    requester = factory.SubFactory(ContactFactory, tenant=factory.SelfAttribute("..tenant"))


class TicketCommentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TicketComment

    ticket = factory.SubFactory(TicketFactory)
    tenant = factory.SelfAttribute("ticket.tenant")
    author_user = factory.SubFactory(UserFactory, tenant=factory.SelfAttribute("..tenant"))
    body = "Thanks, we are looking into it."


class TicketTagFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TicketTag

    ticket = factory.SubFactory(TicketFactory)
    tenant = factory.SelfAttribute("ticket.tenant")
    tag = factory.SubFactory(TagFactory, tenant=factory.SelfAttribute("..tenant"))


class AttachmentFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Attachment

    class Params:
        content = b"hello attachment\n"

    ticket = factory.SubFactory(TicketFactory)
    tenant = factory.SelfAttribute("ticket.tenant")
    original_filename = "notes.txt"
    content_type = "text/plain"
    file = factory.LazyAttribute(lambda o: ContentFile(o.content, name="upload"))
    size = factory.LazyAttribute(lambda o: len(o.content))
    sha256 = factory.LazyAttribute(lambda o: hashlib.sha256(o.content).hexdigest())


class AuditLogFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = AuditLog

    tenant = factory.SubFactory(TenantFactory)
    action = "ticket.updated"
    entity_type = "ticket"
    entity_id = "00000000-0000-0000-0000-000000000000"
    changes = factory.LazyFunction(lambda: {"status": {"before": "new", "after": "open"}})
