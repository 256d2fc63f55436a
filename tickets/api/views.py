"""Ticket endpoints: tickets (+ bulk, restore), their comments and attachments."""

from __future__ import annotations

import functools
import logging
from collections.abc import Callable, Mapping
from typing import Any

from django.conf import settings
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_view
from rest_framework import status
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.request import Request
from rest_framework.response import Response

from supportdesk.api.negotiation import IgnoreClientAccept
from supportdesk.api.pagination import FULL_TEXT_COUNT_CAP
from supportdesk.api.views import ModelViewSet, TenantScopedViewSet
from supportdesk.caching import TICKETS, invalidate
from supportdesk.errors import TooLarge, ValidationFailed
from supportdesk.selectors import get_row, tenant_rows
from tickets import services
from tickets.api.serializers import (
    EXPANDABLE,
    AttachmentSerializer,
    CommentSerializer,
    TicketBulkSerializer,
    TicketSerializer,
)
from tickets.filters import TicketFilterSet
from tickets.models import Attachment, Ticket, TicketComment
from tickets.selectors import (
    ticket_attachments,
    ticket_list,
    ticket_list_pieces,
    ticket_list_total,
    ticket_search_count,
    ticket_tag_ids,
    ticket_tags_prefetch,
    ticket_thread,
)

logger = logging.getLogger(__name__)

# Multipart framing around the file; a body bigger than the limit plus this cannot fit.
MULTIPART_OVERHEAD = 64 * 1024

TICKET_FILTER_DOCS = [
    OpenApiParameter("status", str, description="One status or a comma-separated list."),
    OpenApiParameter("priority", str, description="One priority or a comma-separated list."),
    OpenApiParameter("assignedTo", str, description="A user id, `me` or `none` (comma list allowed)."),
    OpenApiParameter("assignee", str, description="Alias of `assignedTo`."),
    OpenApiParameter("requester", OpenApiTypes.UUID, description="Contact id (comma list allowed)."),
    OpenApiParameter("company", OpenApiTypes.UUID, description="Company id (comma list allowed)."),
    OpenApiParameter(
        "parent_company", OpenApiTypes.UUID, description="Parent company id of the ticket's company."
    ),
    OpenApiParameter("group", OpenApiTypes.UUID, description="Group id (comma list allowed)."),
    OpenApiParameter("category", OpenApiTypes.UUID, description="Category id (comma list allowed)."),
    OpenApiParameter("subcategory", OpenApiTypes.UUID, description="Subcategory id (comma list allowed)."),
    OpenApiParameter("department", OpenApiTypes.UUID, description="Department id (comma list allowed)."),
    OpenApiParameter("channel", str, description="email, phone, web or chat (comma list allowed)."),
    OpenApiParameter("number", str, description="Ticket number (`1042` or `#1042`, comma list allowed)."),
    OpenApiParameter("tag", str, many=True, description="Tag name or id; repeat it to require all of them."),
    OpenApiParameter("created_after", OpenApiTypes.DATETIME),
    OpenApiParameter("created_before", OpenApiTypes.DATETIME),
    OpenApiParameter("updated_after", OpenApiTypes.DATETIME),
    OpenApiParameter("updated_before", OpenApiTypes.DATETIME),
    OpenApiParameter("due_after", OpenApiTypes.DATETIME),
    OpenApiParameter("due_before", OpenApiTypes.DATETIME, description="Overdue: `due_before=<now>`."),
    OpenApiParameter(
        "q",
        str,
        description="Full-text search over subject, description and comments; `#1042` finds a number.",
    ),
    OpenApiParameter(
        "ordering",
        str,
        description="created_at, updated_at, priority (by severity), status, number, due_at; "
        "`-` for descending; comma-separated for several.",
    ),
]


EXPAND_DOC = OpenApiParameter(
    "expand",
    str,
    description="Comma-separated related fields to nest as objects instead of ids: " + ", ".join(EXPANDABLE),
)


@extend_schema_view(
    list=extend_schema(parameters=[*TICKET_FILTER_DOCS, EXPAND_DOC]),
    retrieve=extend_schema(parameters=[EXPAND_DOC]),
)
class TicketViewSet(ModelViewSet):
    """Tickets of the signed-in user's tenant."""

    resource = "ticket"
    selector = ticket_list
    # The related rows are joined below, only those ``?expand=`` nests.
    # The list's total is counted (count_with): a search may count once for both (TicketFilterSet).
    selector_options = {"related": False, "totalled": True}
    serializer_class = TicketSerializer
    filterset_class = TicketFilterSet
    create_service = services.ticket_create
    update_service = services.ticket_update
    delete_service = services.ticket_delete
    restore_service = services.ticket_restore
    instance_kwarg = "ticket"
    extra_matrix_actions = {"bulk": "update"}
    full_text_capped = True

    def count_with(self, count: Callable[[], int]) -> int:
        """The list's total, cached until a write changes what its filters read (ticket_list_total).

        A full-text list is counted by ``ticket_search_count`` (up to the pagination's cap): the
        page of a broad search is read in index order, a shape that is fast to page, not to count.
        """
        params = self.request.query_params
        upto = None
        if str(params.get("q") or "").strip():
            upto = FULL_TEXT_COUNT_CAP + 1
            count = functools.partial(
                ticket_search_count, tenant=self.tenant_id, user=self.request.user, filters=params, cap=upto
            )
        return ticket_list_total(
            tenant=self.tenant_id, user=self.request.user, filters=params, count=count, upto=upto
        )

    def ordering_pieces(
        self, column: str, within: Mapping[str, Any], count: Callable[[Any], int]
    ) -> list[tuple[Any, Callable[[], int]]] | None:
        """The values of an ordering column of few values (status, priority), for the pagination
        to read the list a value at a time (``read_in_pieces``); see ticket_list_pieces."""
        return ticket_list_pieces(
            tenant=self.tenant_id,
            user=self.request.user,
            filters=self.request.query_params,
            column=column,
            within=within,
            count=count,
        )

    def total_disagrees(self, total: int, exact: int) -> None:
        """The page's rows contradicted the list's total; the response carries the exact count.

        Either a write landed between reading the two, or the total is wrong: a write went around
        the counting triggers or the services (which keep the cached totals). The cached totals are
        dropped, and the warning says how to check the kept counts.
        """
        logger.warning(
            "ticket list total %d but %d tickets match (tenant %s); if this repeats, the kept counts "
            "are off: run `manage.py recount_tickets --check`",
            total,
            exact,
            self.tenant_id,
        )
        invalidate(self.tenant_id, TICKETS)

    @property
    def expand(self) -> list[str]:
        raw = self.request.query_params.get("expand", "") if self.request else ""
        names = [name.strip() for name in raw.split(",") if name.strip()]
        unknown = [name[:64] for name in names if name not in EXPANDABLE]
        if unknown:
            raise ValidationFailed.on(
                "expand", f"Cannot expand: {', '.join(unknown)}; use {', '.join(EXPANDABLE)}."
            )
        return names

    def get_queryset(self) -> Any:
        # Related rows are written as ids (requester_id, ...), so joining them only costs planning:
        # the selector's 8 joins took PostgreSQL 100-150 ms to plan at 1M tickets (executing the
        # page: 1 ms). Join only the relations ?expand= nests.
        qs = super().get_queryset()
        joined = [name for name in self.expand if name != "tags"]
        if joined:
            qs = qs.select_related(*joined)
        if "tags" in self.expand:
            return qs.prefetch_related(ticket_tags_prefetch())
        # Tag ids as an array column of the page's query: one query instead of a prefetch.
        return qs.annotate(tag_ids=ticket_tag_ids())

    def get_serializer_context(self) -> dict[str, Any]:
        return {**super().get_serializer_context(), "expand": self.expand}

    @extend_schema(request=TicketBulkSerializer, responses={200: TicketSerializer(many=True)})
    @action(detail=False, methods=["post"])
    def bulk(self, request: Request) -> Response:
        """Update many tickets in one transaction: all or nothing (400 ``details`` keyed by ticket id)."""
        serializer = TicketBulkSerializer(data=request.data, context=self.get_serializer_context())
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        updated = services.tickets_bulk_update(
            tenant=request.user.tenant,
            actor=request.user,
            ids=data["ids"],
            changes=data["changes"],
            add_tags=data["add_tags"],
            remove_tags=data["remove_tags"],
        )
        rows = ticket_list(tenant=self.tenant_id, user=request.user).filter(pk__in=[t.pk for t in updated])
        return Response(TicketSerializer(rows, many=True, context=self.get_serializer_context()).data)


class TicketChildViewSet(TenantScopedViewSet):
    """Rows that live inside one ticket: ``/api/tickets/{ticket_pk}/...``."""

    _ticket: Ticket | None = None

    @property
    def ticket(self) -> Ticket:
        if self._ticket is None:
            # The bare row: children need its id and tenant, not its related rows.
            self._ticket = get_row(tenant_rows(Ticket, self.tenant_id), self.kwargs["ticket_pk"], "Ticket")
        return self._ticket


class CommentViewSet(TicketChildViewSet):
    """The thread of a ticket: public replies and internal notes, oldest first."""

    resource = "comment"
    serializer_class = CommentSerializer
    queryset = TicketComment.objects.none()  # for the schema only; requests use get_queryset

    def get_queryset(self) -> Any:
        return ticket_thread(ticket=self.ticket)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        comment = services.comment_add(
            ticket=self.ticket,
            actor=request.user,
            body=serializer.validated_data["body"],
            is_internal=serializer.validated_data.get("is_internal", False),
        )
        return self.detail_response(self.fresh(comment), status.HTTP_201_CREATED)


class AttachmentViewSet(TicketChildViewSet):
    """Files of a ticket: upload (multipart ``file``), metadata, and a streaming download."""

    resource = "attachment"
    serializer_class = AttachmentSerializer
    queryset = Attachment.objects.none()  # for the schema only; requests use get_queryset
    extra_matrix_actions = {"download": "view"}
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self) -> Any:
        return ticket_attachments(ticket=self.ticket)

    def create(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        limit = settings.ATTACHMENT_MAX_BYTES
        length = request.META.get("CONTENT_LENGTH") or "0"
        if length.isdigit() and int(length) > limit + MULTIPART_OVERHEAD:
            raise TooLarge(
                f"Attachments may be at most {limit} bytes.", {"file": [f"Larger than {limit} bytes."]}
            )
        ticket = self.ticket
        serializer = self.get_serializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        attachment = services.attachment_add(
            ticket=ticket,
            actor=request.user,
            upload=serializer.validated_data["file"],
            comment=serializer.validated_data.get("comment"),
        )
        return self.detail_response(self.fresh(attachment), status.HTTP_201_CREATED)

    @extend_schema(responses={(200, "application/octet-stream"): OpenApiTypes.BINARY})
    @action(detail=True, methods=["get"], content_negotiation_class=IgnoreClientAccept)
    def download(self, request: Request, *args: Any, **kwargs: Any) -> FileResponse:
        """The file's bytes, streamed, as ``Content-Disposition: attachment``."""
        attachment = get_row(self.get_queryset(), kwargs["pk"], "Attachment")
        return FileResponse(
            attachment.file.open("rb"),
            as_attachment=True,
            filename=attachment.original_filename,
            content_type=attachment.content_type,
        )
