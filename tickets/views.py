"""The agent's pages for tickets: inbox, ticket, new ticket, history, dashboard.

Reads go through ``tickets.selectors``, writes through ``tickets.services``; the views only parse
input with forms, call those, and choose what to render.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import TemplateView

from accounts.selectors import agent_choices, group_choices
from audit.models import AuditLog
from catalog.models import Subcategory
from catalog.selectors import category_choices, tag_choices
from companies.models import Contact
from companies.selectors import contact_list
from supportdesk.errors import NotFound, ServiceError, StaleVersion
from supportdesk.selectors import FOUND_WHOLE_MAX, found_whole, in_written_join_order
from supportdesk.views import TenantScopedMixin, page_number, query_string, service_error_lines
from tickets import reports
from tickets.charts import daily_chart
from tickets.choices import OPEN_STATUSES, SOLVED_STATUSES, Priority, Status
from tickets.forms import BulkUpdateForm, TicketCreateForm, TicketFieldsForm
from tickets.models import Ticket
from tickets.selectors import (
    RECENTLY_SOLVED,
    inbox_rows,
    ticket_attachments,
    ticket_etag,
    ticket_get,
    ticket_history,
    ticket_list,
    ticket_list_total,
    ticket_thread,
    ticket_view_counts,
)
from tickets.services import attachment_add, comment_add, ticket_create, ticket_update, tickets_bulk_update

PAGE_SIZE = 25
OPEN = ",".join(OPEN_STATUSES)
# The sidebar views: key -> (label, preset filters, key in ticket_view_counts).
VIEWS: dict[str, tuple[str, dict[str, str], str]] = {
    "mine": ("My open tickets", {"assignee": "me", "status": OPEN}, "my_open"),
    "unassigned": ("Unassigned", {"assignee": "none", "status": OPEN}, "unassigned"),
    "open": ("All open", {"status": OPEN}, "all_open"),
    "solved": ("Recently solved", {"status": ",".join(SOLVED_STATUSES)}, "recently_solved"),
}
DEFAULT_VIEW = "open"
FILTERS = ("status", "priority", "assignee", "group", "tag", "category", "q")
# Column -> the TicketFilterSet ordering name; the first click sorts the way agents usually want.
SORTABLE = {
    "number": "-number",
    "status": "status",
    "priority": "-priority",
    "updated": "-updated_at",
}


def _ticket_or_404(view: TenantScopedMixin, number: int) -> Ticket:
    try:
        return ticket_get(tenant=view.tenant_id, number=number)
    except NotFound as exc:
        raise Http404(exc.message) from exc


class TicketListView(TenantScopedMixin, TemplateView):
    """The inbox: filters, search, sort, sidebar views with counts, pagination, bulk actions."""

    template_name = "tickets/list.html"
    nav = "tickets"

    def filters(self) -> tuple[str | None, dict[str, str]]:
        params = self.request.GET
        chosen = {key: params[key] for key in FILTERS if params.get(key)}
        view = params.get("view") or (None if chosen else DEFAULT_VIEW)
        if view not in VIEWS:
            view = None
        preset = dict(VIEWS[view][1]) if view else {}
        ordering = params.get("ordering")
        return view, {**preset, **chosen, **({"ordering": ordering} if ordering else {})}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        params = self.request.GET
        view, filters = self.filters()
        page = page_number(params)
        errors: list[str] = []
        try:
            listed = ticket_list(tenant=self.tenant_id, user=self.user, filters=filters)
            qs = inbox_rows(listed)
            # One row more than a page tells whether there is a next page, without counting them all.
            page_of = slice((page - 1) * PAGE_SIZE, page * PAGE_SIZE + 1)
            if view == "solved":
                qs = qs.filter(resolved_at__gte=timezone.now() - RECENTLY_SOLVED)
            elif not filters.get("q") and self.reaches_the_end(listed, filters, page):
                # The page's ids first, found whole without the joins (which, in written join order,
                # come before a tag's or any other semi-join: every ticket of a group joined to
                # find none, 220 ms at 1M), then those rows joined.
                ids = found_whole(listed.select_related(None).prefetch_related(None)).values_list("pk")
                qs, page_of = found_whole(qs).filter(pk__in=[pk for (pk,) in ids[page_of]]), slice(None)
            rows = in_written_join_order(qs[page_of])
        except ServiceError as exc:
            errors, rows = service_error_lines(exc), []
        counts = ticket_view_counts(tenant=self.tenant_id, user=self.user)
        ordering = filters.get("ordering", "")
        context.update(
            tickets=rows[:PAGE_SIZE],
            errors=errors,
            current=filters,
            view=view,
            views=[(key, label, counts[count_key]) for key, (label, _, count_key) in VIEWS.items()],
            page=page,
            previous_url=query_string(params, page=str(page - 1)) if page > 1 else None,
            next_url=query_string(params, page=str(page + 1)) if len(rows) > PAGE_SIZE else None,
            sort_links=self.sort_links(ordering),
            statuses=Status.choices,
            priorities=Priority.choices,
            # Lists, because the filters and the bulk bar both show them.
            agents=agent_choices(tenant=self.tenant_id),
            groups=group_choices(tenant=self.tenant_id),
            categories=category_choices(tenant=self.tenant_id),
            tags=tag_choices(tenant=self.tenant_id),
            here=self.request.get_full_path(),
        )
        return context

    def reaches_the_end(self, listed: Any, filters: dict[str, str], page: int) -> bool:
        """Whether the page reaches the end of a short list.

        Such a page is found whole and sorted (``found_whole``): filters PostgreSQL overestimates
        (a tag and a team that never meet, expected in hundreds of tickets) had the page walk the
        tenant's newest-first index to its end, 500 ms at 1M. The inbox shows no total, so the
        list is counted only as far as ``FOUND_WHOLE_MAX`` (an exact COUNT after each ticket write
        cost 50 ms for a popular tag's unassigned tickets), from the kept counts when they know it,
        cached until the next write. A search is left out: its page is planned by the search.
        """
        upto = FOUND_WHOLE_MAX + 1
        total = ticket_list_total(
            tenant=self.tenant_id,
            user=self.user,
            filters=filters,
            count=lambda: listed.order_by()[:upto].count(),
            upto=upto,
        )
        return total <= min(page * PAGE_SIZE, FOUND_WHOLE_MAX)

    def sort_links(self, ordering: str) -> dict[str, tuple[str, str]]:
        """Column -> (url, aria-sort); clicking the sorted column again reverses it."""
        links = {}
        for column, first in SORTABLE.items():
            field = first.lstrip("-")
            if ordering.lstrip("-") == field:
                state = "descending" if ordering.startswith("-") else "ascending"
                target = field if ordering.startswith("-") else f"-{field}"
            else:
                state, target = "", first
            links[column] = (query_string(self.request.GET, ordering=target, page=None), state)
        return links


class TicketBulkUpdateView(TenantScopedMixin, View):
    """Apply one set of changes to the selected inbox rows (all or nothing), then back to the inbox."""

    def post(self, request: HttpRequest) -> HttpResponse:
        back = request.POST.get("next", "")
        if not url_has_allowed_host_and_scheme(back, allowed_hosts={request.get_host()}):
            back = reverse("tickets:list")
        form = BulkUpdateForm(request.POST, tenant=self.tenant_id)
        if not form.is_valid():
            for problems in form.errors.values():
                for problem in problems:
                    messages.error(request, problem)
            return HttpResponseRedirect(back)
        data = form.cleaned_data
        changes = form.changes()
        if not (changes or data["add_tags"] or data["remove_tags"]):
            messages.error(request, "Choose at least one change to apply.")
            return HttpResponseRedirect(back)
        try:
            updated = tickets_bulk_update(
                tenant=self.tenant,
                actor=self.user,
                ids=data["ids"],
                changes=changes,
                add_tags=list(data["add_tags"]),
                remove_tags=list(data["remove_tags"]),
            )
        except ServiceError as exc:
            for line in service_error_lines(exc):
                messages.error(request, line)
        else:
            messages.success(request, f"Updated {len(updated)} ticket{'s' if len(updated) != 1 else ''}.")
        return HttpResponseRedirect(back)


class TicketDetailView(TenantScopedMixin, TemplateView):
    """One ticket: header, thread, reply box, side panel."""

    template_name = "tickets/detail.html"
    nav = "tickets"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        ticket = kwargs.get("ticket") or _ticket_or_404(self, kwargs["number"])
        context.update(
            ticket=ticket,
            thread=ticket_thread(ticket=ticket),
            loose_attachments=ticket_attachments(ticket=ticket).filter(comment__isnull=True),
            panel=panel_context(self, ticket),
            reply_errors=kwargs.get("reply_errors", []),
            reply_body=kwargs.get("reply_body", ""),
            reply_internal=kwargs.get("reply_internal", False),
        )
        return context


def panel_context(
    view: TenantScopedMixin, ticket: Ticket, form: TicketFieldsForm | None = None
) -> dict[str, Any]:
    """What the side panel shows: a form on the ticket's current state and its version."""
    if form is None:
        form = TicketFieldsForm(
            tenant=view.tenant_id,
            category=ticket.category,
            initial={
                "status": ticket.status,
                "priority": ticket.priority,
                "assignee": ticket.assignee_id,
                "group": ticket.group_id,
                "category": ticket.category_id,
                "subcategory": ticket.subcategory_id,
                "tags": [t.pk for t in ticket.tags.all()],
                "if_match": ticket_etag(ticket),
            },
        )
    # When the page saw the ticket: later audit entries are what others changed meanwhile. (Not
    # the ticket's updated_at: the entry of the change the page shows is written just after it.)
    return {"form": form, "ticket": ticket, "seen_at": timezone.now().isoformat()}


class TicketFieldsView(TenantScopedMixin, View):
    """The side panel's endpoint: save the fields, answer with the panel in its saved state.

    Without htmx (no JavaScript) it answers like any form: a redirect to the ticket with a message.

    A refusal answers 400 / 403 / 412 with the panel as the server has it (which rolls back the
    optimistic change in the browser) and a message; for 412 the message lists what others changed.
    """

    def post(self, request: HttpRequest, number: int) -> HttpResponse:
        ticket = _ticket_or_404(self, number)
        form = TicketFieldsForm(request.POST, tenant=self.tenant_id)
        if not form.is_valid():
            return self.refused(
                ticket,
                ["The change was not saved."]
                + [
                    f"{name.capitalize()}: {problem}"
                    for name, problems in form.errors.items()
                    for problem in problems
                ],
                400,
            )
        try:
            ticket = ticket_update(
                ticket=ticket,
                actor=self.user,
                data=form.changes(),
                if_match=form.cleaned_data["if_match"] or None,
            )
        except StaleVersion:
            return self.refused(
                ticket,
                ["Someone else changed this ticket meanwhile; your change was not saved."],
                412,
                since=request.POST.get("seen_at"),
            )
        except ServiceError as exc:
            return self.refused(ticket, service_error_lines(exc), exc.status_code)
        if not request.htmx:  # type: ignore[attr-defined]
            messages.success(request, "Saved.")
            return HttpResponseRedirect(reverse("tickets:detail", args=[number]))
        fresh = ticket_get(tenant=self.tenant_id, pk=ticket.pk)
        return render(
            request,
            "tickets/partials/panel_response.html",
            {"panel": panel_context(self, fresh), "ticket": fresh, "saved": True},
        )

    def refused(
        self, ticket: Ticket, lines: list[str], status: int, since: str | None = None
    ) -> HttpResponse:
        current = ticket_get(tenant=self.tenant_id, pk=ticket.pk)
        panel = panel_context(self, current)
        seen_at = parse_datetime(since or "")
        others = []
        if seen_at is not None:
            entries = ticket_history(ticket=current).filter(created_at__gt=seen_at).order_by("created_at")
            others = changes_by_others(entries, panel["form"])
        if not self.request.htmx:  # type: ignore[attr-defined]
            # Without JavaScript the panel was a plain form: say why on the ticket page.
            for line in [*lines, *others]:
                messages.error(self.request, line)
            return HttpResponseRedirect(reverse("tickets:detail", args=[current.number]))
        return render(
            self.request,
            "tickets/partials/panel_response.html",
            {"panel": panel, "ticket": current, "refusal": lines, "others": others},
            status=status,
        )


def changes_by_others(entries: Iterable[AuditLog], form: TicketFieldsForm) -> list[str]:
    """Audit entries as sentences, with ids of users, groups, categories ... shown by name."""
    names: dict[str, str] = {}
    for field in form.fields.values():
        for value, label in getattr(field, "choices", ()):
            if value:
                names[str(value)] = str(label)

    def shown(value: Any) -> str:
        if value in (None, "", []):
            return "—"
        if isinstance(value, list):
            return ", ".join(shown(v) for v in value)
        return names.get(str(value), str(value))

    return [
        f"{entry.actor.name if entry.actor else entry.actor_label}: {field.replace('_', ' ')} "
        f"{shown(change.get('before'))} → {shown(change.get('after'))}"
        for entry in entries
        for field, change in entry.changes.items()
        if isinstance(change, dict)
    ]


class TicketReplyView(TenantScopedMixin, View):
    """Add a public reply or an internal note, with files; then back to the ticket."""

    def post(self, request: HttpRequest, number: int) -> HttpResponse:
        ticket = _ticket_or_404(self, number)
        body = request.POST.get("body", "")
        is_internal = request.POST.get("is_internal") == "on"
        try:
            with transaction.atomic():
                comment = comment_add(ticket=ticket, actor=self.user, body=body, is_internal=is_internal)
                for upload in request.FILES.getlist("files"):
                    attachment_add(ticket=ticket, actor=self.user, upload=upload, comment=comment)
        except ServiceError as exc:
            page = TicketDetailView()
            page.setup(request, number=number)
            context = page.get_context_data(
                ticket=ticket,
                reply_errors=service_error_lines(exc),
                reply_body=body,
                reply_internal=is_internal,
            )
            return render(request, "tickets/detail.html", context, status=exc.status_code)
        messages.success(request, "Internal note added." if is_internal else "Reply sent.")
        return HttpResponseRedirect(f"{reverse('tickets:detail', args=[number])}#comment-{comment.pk}")


class TicketHistoryView(TenantScopedMixin, TemplateView):
    """The ticket's audit entries, newest first."""

    template_name = "tickets/history.html"
    nav = "tickets"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        ticket = _ticket_or_404(self, kwargs["number"])
        context.update(ticket=ticket, entries=ticket_history(ticket=ticket))
        return context


class TicketCreateView(TenantScopedMixin, TemplateView):
    """The new ticket form."""

    template_name = "tickets/create.html"
    nav = "new"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("form", kwargs.get("form") or TicketCreateForm(tenant=self.tenant_id))
        form = context["form"]
        requester = form["requester"].value()
        context["requester"] = (
            Contact.objects.for_tenant(self.tenant_id).filter(pk=requester).first()
            if form.is_bound and requester
            else None
        )
        return context

    def post(self, request: HttpRequest) -> HttpResponse:
        form = TicketCreateForm(request.POST, tenant=self.tenant_id)
        if form.is_valid():
            try:
                ticket = ticket_create(tenant=self.tenant, actor=self.user, data=form.cleaned_data)
            except ServiceError as exc:
                for field, problems in exc.details.items():
                    target = field if field in form.fields else None
                    for problem in problems if isinstance(problems, list) else [problems]:
                        form.add_error(target, problem)
                if not exc.details:
                    form.add_error(None, exc.message)
            else:
                messages.success(request, f"Ticket #{ticket.number} created.")
                return HttpResponseRedirect(reverse("tickets:detail", args=[ticket.number]))
        return self.render_to_response(self.get_context_data(form=form), status=400)


class RequesterSearchView(TenantScopedMixin, TemplateView):
    """Search-as-you-type for the requester of a new ticket: contacts by name or email."""

    template_name = "tickets/partials/requester_options.html"
    LIMIT = 10

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        q = self.request.GET.get("requester_search", "").strip().replace("\x00", "")
        contacts = (
            contact_list(tenant=self.tenant_id, filters={"q": q}).select_related("company")[: self.LIMIT]
            if len(q) >= 2
            else []
        )
        context.update(contacts=contacts, q=q)
        return context


class SubcategoryOptionsView(TenantScopedMixin, TemplateView):
    """The subcategory ``<option>``s of one category (category -> subcategory narrowing)."""

    template_name = "tickets/partials/subcategory_options.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        try:
            category = uuid.UUID(self.request.GET.get("category", ""))
        except ValueError:
            context["subcategories"] = Subcategory.objects.none()
        else:
            context["subcategories"] = Subcategory.objects.for_tenant(self.tenant_id).filter(
                category_id=category
            )
        return context


class DashboardView(TenantScopedMixin, TemplateView):
    """Open work at a glance: counts, the 30-day trend, the oldest open tickets."""

    template_name = "tickets/dashboard.html"
    nav = "dashboard"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        days, series = reports.created_and_resolved(tenant=self.tenant_id)
        context.update(
            summary=reports.open_summary(tenant=self.tenant_id),
            chart=daily_chart(days, series),
            oldest=reports.oldest_open(tenant=self.tenant_id),
        )
        return context


class AttachmentDownloadView(TenantScopedMixin, View):
    """Download an attachment of a ticket of the user's tenant, under its original name."""

    def get(self, request: HttpRequest, number: int, pk: uuid.UUID) -> FileResponse:
        ticket = _ticket_or_404(self, number)
        attachment = ticket_attachments(ticket=ticket).filter(pk=pk).first()
        if attachment is None:
            raise Http404("Attachment not found.")
        return FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.original_filename,
            content_type=attachment.content_type,
        )
