"""TicketFilterSet: the ticket list's filters, shared by the API and the UI."""

from __future__ import annotations

import dataclasses
import functools
import hashlib
import json
import re
import uuid
from collections.abc import Callable, Mapping
from typing import Any

import django_filters
from django import forms
from django.contrib.postgres.search import SearchQuery, SearchRank, SearchVector
from django.db import connection
from django.db.models import BooleanField, Exists, F, OuterRef, Q, QuerySet, Subquery, Value
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field

from catalog.selectors import tag_ids
from supportdesk.caching import cached_for_fields
from supportdesk.filters import (
    ChoiceListFilter,
    DateTimeFilter,
    IntListFilter,
    ListField,
    NullsLastOrderingFilter,
    TenantFilterSet,
    UUIDListFilter,
    parse_uuid,
)
from supportdesk.selectors import count_from_bitmaps
from tickets.arrivals import ArrivalGrowth
from tickets.choices import PRIORITY_RANK, Channel, Priority, Status
from tickets.models import Ticket, TicketComment, TicketTag

# The same expression as the tickets' GIN index in tickets.models, so PostgreSQL can use it.
# Comments store theirs (TicketComment.search_document, the column their GIN index is on).
SEARCH_CONFIG = "english"
TEXT_FIELDS = ("subject", "description")
TICKET_SEARCH_VECTOR = SearchVector(*TEXT_FIELDS, config=SEARCH_CONFIG)
# A search matching more tickets than this lists them newest first instead of by rank.
RANKED_MATCHES = 1000
# Above this many estimated matches a search is broad: not counted exactly to decide on ranking.
BROAD_MATCHES = 5 * RANKED_MATCHES
# PostgreSQL expecting this many text matches in the tenant (the lexeme is in the GIN index's
# statistics: 79,743 estimated for 80,000 at 1M) makes a search broad without counting; a lexeme
# outside the statistics is guessed at about half the rarest one's frequency (4,007 at 1M).
SURELY_BROAD = 10 * BROAD_MATCHES
# A broad search reads the newest tickets in index order when a page is expected within this many
# (each costs a to_tsvector of its text, ~25 us).
WALK_ROWS = 4000
# ... or within this share of the tenant's text matches (testing a row costs ~2.5x collecting one).
WALK_VS_UNION = 0.4
# Query parameters that choose a page or an order, not which tickets match.
PAGING_PARAMETERS = frozenset({"page", "limit", "cursor", "ordering", "expand"})
# A list searched with no other filter counts the tenant's text matches this far, once: past
# BROAD_MATCHES the search is broad, and its total (capped at FULL_TEXT_COUNT_CAP + 1) is the same
# count. With other filters the search counts only to BROAD_MATCHES + 1.
TEXT_MATCHES_CAP = 10_001
# A word whose comments name at most this many tickets has those ticket ids collected once, so the
# walk and the count test a ticket against them instead of probing its comments (~6 us a ticket:
# an index probe, its comments' stored documents read). Only tried when PostgreSQL expects at
# most COMMENTS_EXPECTED_MAX comment matches: a word outside the index's statistics is guessed at
# ~8,000 at 1M, one in it close to its count (199k for a word in an eighth of the comments), whose
# ids are never few.
COMMENT_TICKETS_COLLECTED = RANKED_MATCHES
COMMENTS_EXPECTED_MAX = SURELY_BROAD


# The ticket fields each filter reads: what is cached per filter set (its total, its full-text
# decisions) is dropped by a write that changes one of them (supportdesk.caching.cached_for_fields).
# "tags" and "comments" are the ticket's tag and comment rows. What filters read beyond the ticket
# (a tag's name, a company's parent) is written with no fields named, which drops every such value.
FILTER_FIELDS: dict[str, tuple[str, ...]] = {
    "status": ("status",),
    "priority": ("priority",),  # and priority_rank, generated from it
    "channel": ("channel",),
    "assignedTo": ("assignee",),
    "assignee": ("assignee",),
    "requester": ("requester",),
    "company": ("company",),
    "parent_company": ("company",),
    "group": ("group",),
    "category": ("category",),
    "subcategory": ("subcategory",),
    "department": ("department",),
    "number": ("number",),
    "tag": ("tags",),
    "created_after": ("created_at",),
    "created_before": ("created_at",),
    "updated_after": ("updated_at",),
    "updated_before": ("updated_at",),
    "due_after": ("due_at",),
    "due_before": ("due_at",),
    "q": (*TEXT_FIELDS, "comments"),
    "ordering": (),
}


# The filters that select tickets by a value a ticket write names (supportdesk.caching.VALUE_FIELDS),
# and that value's field: what is cached for a list is also kept through writes to tickets holding
# none of the values one of its filters selects (``filter_values``).
VALUE_FILTERS: dict[str, str] = {
    "status": "status",
    "priority": "priority",
    "assignedTo": "assignee",
    "assignee": "assignee",
    "group": "group",
    "company": "company",
    "tag": "tags",
}


def parameter_values(filters: Mapping[str, Any], name: str) -> list[Any]:
    """Every value of the parameter ``name``: a query string's repeated ones, else the one."""
    return filters.getlist(name) if hasattr(filters, "getlist") else [filters[name]]


def given_filters(filters: Mapping[str, Any]) -> set[str]:
    """The parameters of ``filters`` given a value: any of a repeated one's (``tag=vip&tag=``
    filters by a tag, though a query string's ``get`` answers its last value, empty)."""
    return {name for name in filters if any(parameter_values(filters, name))}


def filter_fields(filters: Mapping[str, Any]) -> set[str]:
    """The ticket fields that the filters given in ``filters`` read (``FILTER_FIELDS``)."""
    return {field for name in given_filters(filters) for field in FILTER_FIELDS.get(name, ())}


def cleaned_parameter(filters: Mapping[str, Any], name: str) -> Any:
    """The filter ``name``'s value in ``filters`` as its form field cleans it (the list's own
    reading: ``status=open&status=`` is empty); ``ValidationError`` when the list refuses it."""
    form_field = TicketFilterSet.base_filters[name].field
    return form_field.clean(form_field.widget.value_from_datadict(filters, {}, name))


def filter_values(tenant: Any, user: Any, filters: Mapping[str, Any]) -> list[list[tuple[str, Any]]]:
    """Per filter of ``filters`` in ``VALUE_FILTERS``, the (field, value) pairs of which every
    ticket it lets through holds one, read from its parameter as the filter's own form field
    reads it (``status=open&status=`` filters by nothing). Nothing for parameters the list refuses.
    """
    groups = []
    for name, field in VALUE_FILTERS.items():
        if name not in filters:
            continue
        try:
            cleaned = cleaned_parameter(filters, name)
        except forms.ValidationError:
            return []  # the list answers 400
        if not cleaned:
            continue
        if name == "tag":
            # A ticket carries every tag named: one of each name's ids (none: the list is empty).
            for item in cleaned:
                ids = tag_ids(tenant=tenant, name_or_id=item)
                if ids:
                    groups.append([(field, pk) for pk in ids])
            continue
        if field == "assignee":
            me = getattr(user, "pk", None)
            cleaned = [None if item == "none" else me if item == "me" else item for item in cleaned]
        groups.append([(field, value) for value in cleaned])
    return groups


def filters_digest(filters: Mapping[str, Any], user: Any) -> str:
    """The filters of a ticket list (not its page or order) as a cache key; ``me`` adds the user."""
    items = sorted(
        (key, ",".join(sorted(str(v) for v in parameter_values(filters, key))))
        for key in filters
        if key not in PAGING_PARAMETERS
    )
    if any("me" in value.split(",") for _, value in items):
        items.append(("user", str(getattr(user, "pk", user))))
    return hashlib.sha256(repr(items).encode()).hexdigest()[:32]


@dataclasses.dataclass(frozen=True)
class SearchEstimate:
    matches: int  # the list's tickets whose text matches
    listed: int  # the list's tickets, without the search
    in_tenant_matches: int  # the tenant's tickets whose text matches, without the other filters

    def walk_is_cheaper(self, wanted: int) -> bool:
        """Reading the list in index order to find ``wanted`` matches beats collecting every match.

        A walk tests ``wanted`` / density tickets (~25 us each); the UNION collects every text
        match of the tenant (~10 us each, 800 ms for 80k).
        """
        if self.matches <= 0:
            return False
        to_walk = wanted * max(self.listed, 1) / self.matches
        return to_walk <= max(WALK_ROWS, WALK_VS_UNION * self.in_tenant_matches)


NUMBER_QUERY = re.compile(r"^#?(\d{1,9})$")


def plan_rows(rows: QuerySet[Any]) -> int:
    """PostgreSQL's estimate of how many rows ``rows`` has (its EXPLAIN, nothing run)."""
    plan = json.loads(rows.order_by().explain(format="json"))
    return int(plan[0]["Plan"]["Plan Rows"])


def ids_if_at_most(ids: QuerySet[Any], limit: int) -> list[Any] | None:
    """The values of a one-column queryset ``ids`` if it has at most ``limit`` rows, else None
    (reads ``limit`` + 1 rows at most)."""
    found = list(ids[: limit + 1])
    return found if len(found) <= limit else None


def searched_alone(filters: Mapping[str, Any]) -> bool:
    """Whether ``q`` is the list's only filter (its page, order and the like aside)."""
    return all(key == "q" or key in PAGING_PARAMETERS for key in given_filters(filters))


def search_terms(value: str) -> tuple[SearchQuery, Q, str]:
    """The full-text query of a stripped search ``value``, the condition on the ticket number it
    names (``#1042``; none otherwise), and a digest of it for cache keys."""
    number = NUMBER_QUERY.match(value)
    return (
        SearchQuery(value, search_type="websearch", config=SEARCH_CONFIG),
        Q(number=int(number.group(1))) if number else Q(pk__in=[]),
        hashlib.sha256(value.encode()).hexdigest()[:32],
    )


# A search as PostgreSQL writes its query: words and phrases, each word required (``&``, ``<->``,
# ``<N>``). A word is quoted, a quote in it doubled.
TSQUERY_WORD = r"'((?:[^'\\]|'')+)'"
REQUIRED_WORDS = re.compile(rf"{TSQUERY_WORD}(?:\s*(?:&|<->|<\d+>)\s*{TSQUERY_WORD})*")


def search_words(value: str) -> list[str]:
    """The words (lexemes) that every ticket the search ``value`` finds holds, in its text or in
    one of its comments: all of a query of words and phrases. None (an empty list) for a query
    with ``or`` or ``-word``, of stop words only, or naming a ticket number (``#1042``). Asks
    PostgreSQL, which stems the words as the search does.
    """
    value = value.strip()
    if not value or NUMBER_QUERY.match(value):
        return []
    with connection.cursor() as cursor:
        cursor.execute("SELECT websearch_to_tsquery(%s::regconfig, %s)::text", [SEARCH_CONFIG, value])
        (query,) = cursor.fetchone()
    if not REQUIRED_WORDS.fullmatch(query):
        return []
    return [word.replace("''", "'") for word in re.findall(TSQUERY_WORD, query)]


def filter_words(filters: Mapping[str, Any]) -> Callable[[], list[str]] | None:
    """``search_words`` of the list's ``q`` as its filter reads it, to be worked out when called;
    None when the list is not searched."""
    if "q" not in filters:
        return None
    try:
        value = cleaned_parameter(filters, "q")
    except forms.ValidationError:
        return None
    return functools.partial(search_words, value) if value else None


def tenant_text_matches(tenant: Any, value: str, cap: int) -> int:
    """The tenant's live tickets whose own text matches the search ``value`` (or whose number it
    is), counted up to ``cap`` from the GIN index; cached until a write changes a ticket's text
    or which tickets are live, and raised by new tickets that match (tickets.arrivals).
    """
    query, by_number, words = search_terms(value.strip())
    rows = (
        Ticket.objects.for_tenant(tenant)
        .alias(document=TICKET_SEARCH_VECTOR)
        .filter(Q(document=query) | by_number)
    )
    return cached_for_fields(
        tenant,
        TEXT_FIELDS,
        f"fts_text_matches:{words}:{cap}",
        lambda: count_from_bitmaps(rows.order_by()[:cap]),
        words=functools.partial(search_words, value),
        growth=ArrivalGrowth(tenant, lambda ids: rows.filter(pk__in=ids), cap),
    )


def comment_probe(tenant: Any, query: Any) -> Subquery:
    """Whether the outer ticket has a live comment matching ``query``: a probe of its comments
    (their stored documents), as a scalar subquery, so PostgreSQL tests each ticket it reads."""
    commented = (
        TicketComment.objects.for_tenant(tenant)
        .filter(ticket_id=OuterRef("pk"), search_document=query)
        .annotate(found=Value(True))
        .order_by()
        .values("found")[:1]
    )
    return Subquery(commented, output_field=BooleanField())


ORDERING_FIELDS = (
    ("created_at", "created_at"),
    ("updated_at", "updated_at"),
    ("priority_rank", "priority"),
    ("status", "status"),
    ("number", "number"),
    ("due_at", "due_at"),
)


class AssigneeField(ListField):
    """``me``, ``none`` or a user id (comma list allowed)."""

    def clean_item(self, item: str) -> str | uuid.UUID:
        if item in ("me", "none"):
            return item
        return parse_uuid(item)


@extend_schema_field(OpenApiTypes.STR)
class AssigneeFilter(django_filters.Filter):
    field_class = AssigneeField

    def filter(self, qs: QuerySet[Any], value: list[Any] | None) -> QuerySet[Any]:
        if not value:
            return qs
        condition = Q()
        ids = [item for item in value if isinstance(item, uuid.UUID)]
        if ids:
            condition |= Q(assignee_id__in=ids)
        if "me" in value:
            user = self.parent.user
            condition |= Q(assignee_id=getattr(user, "pk", None))
        if "none" in value:
            condition |= Q(assignee__isnull=True)
        return qs.filter(condition)


class TagField(forms.Field):
    """Repeatable ``tag=``: names or ids; a ticket must carry every one of them."""

    widget = forms.MultipleHiddenInput

    def clean(self, value: Any) -> list[str] | None:
        values = [value] if isinstance(value, str) else list(value or [])
        items = [str(v).strip() for v in values if str(v).strip()]
        for item in items:
            if "\x00" in item or len(item) > 100:
                raise forms.ValidationError("Not a valid tag name or id.")
        return items or None


@extend_schema_field({"type": "array", "items": {"type": "string"}})
class TagFilter(django_filters.Filter):
    field_class = TagField

    def filter(self, qs: QuerySet[Any], value: list[str] | None) -> QuerySet[Any]:
        # Names are resolved to the tenant's live tag ids first, so the EXISTS below is a probe of
        # the (ticket, tag) / (tag, ticket) indexes with a constant the planner has statistics for —
        # not a join on names (a popular tag at 1M tickets: 2.1 s as a join, milliseconds as ids).
        for item in value or []:
            ids = tag_ids(tenant=self.parent.tenant, name_or_id=item)
            if not ids:
                return qs.none()
            qs = qs.filter(Exists(TicketTag.objects.filter(ticket_id=OuterRef("pk"), tag_id__in=ids)))
        return qs


class PriorityFilter(ChoiceListFilter):
    """``priority=urgent`` (comma list allowed); in a full-text count, by the ticket's priority rank.

    The two columns say the same (``priority_rank`` is generated from ``priority``, which a check
    constraint keeps to the four values), but only the rank leads an index after the tenant
    (``tickets_live_priority_idx``); ``priority`` comes third in ``tickets_status_counts_idx``,
    whose bitmap reads the tenant's whole range of it. Priced that way, PostgreSQL counted a
    common word's urgent tickets from the priority bitmap alone and computed each one's text
    (1M tickets, ``q=payroll&priority=urgent``: 588 ms); by the rank it ANDs that bitmap with the
    GIN index's and reads only the matches (34 ms). With a status beside it, the counts index
    serves both columns (``priority=urgent,high&status=open``: 79 ms by ``priority``, 134 by the
    rank), so ``priority`` stays; lists keep it too, as the bench measured their plans with it.
    """

    def filter(self, qs: QuerySet[Any], value: list[str] | None) -> QuerySet[Any]:
        if value and self.parent.counting and not self.parent.form.cleaned_data.get("status"):
            return qs.filter(priority_rank__in=sorted(PRIORITY_RANK[Priority(item)] for item in value))
        return super().filter(qs, value)


class TicketFilterSet(TenantFilterSet):
    """Every filter of the ticket list. Parameter names are the API's (``assignedTo`` is the old one)."""

    status = ChoiceListFilter(field_name="status", choices=Status.choices)
    priority = PriorityFilter(field_name="priority", choices=Priority.choices)
    channel = ChoiceListFilter(field_name="channel", choices=Channel.choices)
    assignedTo = AssigneeFilter(field_name="assignee")  # the old frontend's parameter name
    assignee = AssigneeFilter(field_name="assignee")
    requester = UUIDListFilter(field_name="requester_id")
    company = UUIDListFilter(field_name="company_id")
    parent_company = UUIDListFilter(field_name="company__parent_id")
    group = UUIDListFilter(field_name="group_id")
    category = UUIDListFilter(field_name="category_id")
    subcategory = UUIDListFilter(field_name="subcategory_id")
    department = UUIDListFilter(field_name="department_id")
    number = IntListFilter(field_name="number")
    tag = TagFilter()
    created_after = DateTimeFilter(field_name="created_at", lookup_expr="gte")
    created_before = DateTimeFilter(field_name="created_at", lookup_expr="lt")
    updated_after = DateTimeFilter(field_name="updated_at", lookup_expr="gte")
    updated_before = DateTimeFilter(field_name="updated_at", lookup_expr="lt")
    due_after = DateTimeFilter(field_name="due_at", lookup_expr="gte")
    due_before = DateTimeFilter(field_name="due_at", lookup_expr="lt")
    q = django_filters.CharFilter(method="search", max_length=500)
    ordering = NullsLastOrderingFilter(fields=ORDERING_FIELDS)

    class Meta:
        model = Ticket
        fields: list[str] = []

    def __init__(
        self, *args: Any, counting: str | None = None, totalled: bool = False, **kwargs: Any
    ) -> None:
        # The caller counts the matches (never pages through them), in two parts that add up to
        # all of them: counting="text", the tickets whose own text matches (from one GIN index:
        # cheap to count up to a cap), and counting="comments", the others that match by a comment;
        # or counting="arrived", all of them among a few new tickets (tickets.arrivals).
        self.counting = counting
        # totalled: the caller also counts the list's total (ticket_search_count), so a search
        # with no other filter counts the tenant's text matches once, far enough for both.
        self.totalled = totalled
        super().__init__(*args, **kwargs)

    def search(self, qs: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        """Full-text search over subject, description and comment bodies; ``#1042`` finds a number.

        Three shapes, chosen by how many tickets match (counted up to ``BROAD_MATCHES`` from the
        ticket text's GIN index, then estimated by PostgreSQL):

        - specific (up to ``RANKED_MATCHES`` matches): the matches from the two GIN indexes,
          ranked. Ranking reads every match's text again (~55 us a row), so only here; up to
          ``BROAD_MATCHES``, the same matches newest first. When the tenant's matches are that
          few, their ids are collected first and the list reads its tickets by them.
        - broad and dense (a word in, say, 10% of the tickets): the newest tickets are read in
          index order and each is tested, which finds a page after a few hundred rows (3 ms at
          1M), where collecting 80k matches to sort them took 800 ms.
        - broad but sparse, or a page too deep to reach that way: the GIN matches, newest first.
        """
        value = value.strip()
        if not value:
            return qs
        query, by_number, words = search_terms(value)
        in_comments = (
            TicketComment.objects.for_tenant(self.tenant).filter(search_document=query).values("ticket_id")
        )
        # The tenant's tickets whose own text matches, whatever the other filters.
        in_tenant = (
            Ticket.objects.for_tenant(self.tenant).alias(document=TICKET_SEARCH_VECTOR).filter(document=query)
        )
        in_tickets = in_tenant.order_by().values("pk")
        searchable = qs.alias(document=TICKET_SEARCH_VECTOR)
        text_only = searchable.filter(Q(document=query) | by_number)
        if self.counting == "text":
            return text_only
        if self.counting == "arrived":
            # The few new tickets a count is raised by (tickets.arrivals), each tested by its own
            # text, then by a probe of its comments: no index of the tenant's matches is read.
            return searchable.filter(Q(document=query) | Q(comment_probe(self.tenant, query)) | by_number)
        if self.counting == "comments":
            # The comment matches of the list's own tickets, not the tenant's text matches too: a
            # UNION of both counted a common word's 80k text matches for a list of 8k (565 ms).
            # The list's text matches are left out by their ids, one hashed set from the GIN index:
            # testing each ticket's text again costs ~55 us a row (182 ms for a word in the comments
            # of 3,000 tickets at 10k). The caller counts this only once the text matches are fewer
            # than TEXT_MATCHES_CAP, so the limit, which keeps the set's estimate small enough to
            # hash, never cuts it short.
            text_ids = text_only.order_by().values("pk")[:TEXT_MATCHES_CAP]
            commented_ids = self.commented_tickets(words, in_comments)
            if commented_ids is not None:
                return searchable.filter(pk__in=commented_ids).exclude(pk__in=text_ids)
            return searchable.filter(pk__in=in_comments).exclude(pk__in=text_ids)
        # A UNION of two index scans (ticket text, comment text): an OR across the two tables
        # would make PostgreSQL scan every ticket of the tenant.
        union = in_tickets.union(in_comments.order_by())
        matched = qs.filter(Q(pk__in=union) | by_number)
        # The tenant's text matches are what the UNION costs; counted from the GIN index up to a
        # cap only, so cheap either way. Searched alone, the list's total (when the caller counts
        # one) counts the same tickets further: one count serves both.
        if self.totalled and searched_alone(self.data):
            broad = tenant_text_matches(self.tenant_id, value, TEXT_MATCHES_CAP) > BROAD_MATCHES
        else:
            # Else the total, if any, is counted apart, so a word PostgreSQL expects in far
            # more tickets is broad without a count (~50 ms for a common word at 1M). A word
            # outside the index's statistics, a rare one, is guessed at a fraction of that.
            expected = self.estimate(qs, text_only, in_tenant).in_tenant_matches
            broad = expected > SURELY_BROAD or (
                tenant_text_matches(self.tenant_id, value, BROAD_MATCHES + 1) > BROAD_MATCHES
            )
        # A rare word: the tenant's matches are collected first (at most RANKED_MATCHES ids) and
        # the list's tickets read by that list of ids. ``IN (UNION)`` leaves the join to the
        # estimate, and a rare word outside the index's statistics is guessed at thousands of
        # matches: PostgreSQL hashed them and scanned the tenant's tickets (1M tickets, "kerberos"
        # in 800, open and pending unassigned: 136 ms, where collecting the ids takes 11).
        rare = None if broad else self.rare_matches(words, union)
        found = matched if rare is None else qs.filter(Q(pk__in=rare) | by_number)
        # ``ordering`` by one column keeps the shapes below (it replaces their order afterwards): an
        # index serves each such order (tickets_live_*_idx), so a walk reads along it. Several
        # columns have no index: the matches are collected and sorted, never a walk that would test
        # the text of every ticket of the tenant to sort them.
        if "," in str(self.data.get("ordering") or ""):
            return found
        newest_first = (F("created_at").desc(), F("id").desc())
        if rare is not None:
            return found.annotate(rank=SearchRank(TICKET_SEARCH_VECTOR, query)).order_by(
                F("rank").desc(), *newest_first
            )
        if not broad:
            matches = cached_for_fields(
                self.tenant_id,
                filter_fields(self.data),  # comment matches count too: "q" reads the comments
                f"fts_matches:{self.digest}",
                lambda: matched.order_by()[: RANKED_MATCHES + 1].count(),
                values=self.values,
                words=self.required_words,
                growth=ArrivalGrowth(self.tenant, self.arrived_among, RANKED_MATCHES + 1),
            )
            if matches <= RANKED_MATCHES:
                return matched.annotate(rank=SearchRank(TICKET_SEARCH_VECTOR, query)).order_by(
                    F("rank").desc(), *newest_first
                )
            return matched.order_by(*newest_first)
        estimate = self.estimate(qs, text_only, in_tenant)
        if estimate.walk_is_cheaper(self.rows_wanted):
            # Each ticket read is tested by its own text, then by its comments: a probe of its
            # comments (~6 us, their stored documents read), as a scalar subquery. ``IN`` or
            # ``EXISTS`` would be hashed: every comment match of the tenant collected before the
            # first row (a word in 20% of the comments at 1M: 200k of them, 290 ms, where the page
            # takes 3).
            commented_ids = self.commented_tickets(words, in_comments)
            by_comment = (
                Q(comment_probe(self.tenant, query)) if commented_ids is None else Q(pk__in=commented_ids)
            )
            walked = searchable.filter(Q(document=query) | by_comment | by_number)
            return walked.order_by(*newest_first)
        return matched.order_by(*newest_first)

    def rare_matches(self, words: str, union: QuerySet[Any]) -> list[Any] | None:
        """The ids of the tenant's tickets whose text or comments match, if at most RANKED_MATCHES.

        Cached until a write changes a ticket's text or comments, or which tickets are live (a new
        ticket only if it holds the words), as every full-text decision is. More are cached as
        None, not as the ids read to find out: each request would unpickle 1,001 UUIDs (~2 ms) to
        learn that they are too many.
        """

        return cached_for_fields(
            self.tenant_id,
            FILTER_FIELDS["q"],
            f"fts_rare:{RANKED_MATCHES}:{words}",
            lambda: ids_if_at_most(union.values_list("pk", flat=True), RANKED_MATCHES),
            words=self.required_words,
        )

    def commented_tickets(self, words: str, in_comments: QuerySet[Any]) -> list[Any] | None:
        """The ids of the tenant's tickets with a live comment matching, if at most
        COMMENT_TICKETS_COLLECTED (none at all for a word no comment uses); None if more.

        A broad word of the tickets' text is often rare in comments: probing each ticket's
        comments for it finds nothing, at ~6 us a ticket (1M tickets, a company's low-priority
        tickets searched for a word in no comment: 751 probes in the page and again in the count).
        Cached until the tenant's next comment write (or a write that names no fields).
        """

        def collect() -> list[Any] | None:
            if plan_rows(in_comments) > COMMENTS_EXPECTED_MAX:
                return None
            tickets = in_comments.order_by().values_list("ticket_id", flat=True).distinct()
            return ids_if_at_most(tickets, COMMENT_TICKETS_COLLECTED)

        # A new ticket has no comments: new tickets keep it.
        return cached_for_fields(
            self.tenant_id, ("comments",), f"fts_commented:{words}", collect, arriving=False
        )

    def arrived_among(self, ids: Any) -> QuerySet[Any]:
        """The list's tickets among ``ids`` (a few new tickets), with every filter of this one."""
        filterset = type(self)(
            self.data,
            self.queryset.filter(pk__in=ids),
            tenant=self.tenant,
            user=self.user,
            counting="arrived",
        )
        return filterset.qs

    @property
    def tenant_id(self) -> Any:
        return getattr(self.tenant, "pk", self.tenant)

    @functools.cached_property
    def values(self) -> list[list[tuple[str, Any]]]:
        """What is cached for the list is also kept by (``filter_values``)."""
        return filter_values(self.tenant, self.user, self.data)

    @functools.cached_property
    def required_words(self) -> Callable[[], list[str]] | None:
        """The words every ticket the list's search finds holds, worked out when called
        (``filter_words``)."""
        return filter_words(self.data)

    @property
    def digest(self) -> str:
        return filters_digest(self.data, self.user)

    @property
    def rows_wanted(self) -> int:
        """How far into the result the request reads: the page's end (``page`` x ``limit``)."""

        def number(name: str, default: int) -> int:
            raw = str(self.data.get(name) or "")
            return min(int(raw), 10**6) if raw.isdigit() and int(raw) > 0 else default

        limit = number("limit", 25)
        page = 1 if self.data.get("cursor") else number("page", 1)
        return page * limit + 1

    def estimate(self, qs: QuerySet[Any], matched: QuerySet[Any], in_tenant: QuerySet[Any]) -> SearchEstimate:
        """PostgreSQL's row estimates: ``matched``, the list without the search, and the tenant's
        text matches without the other filters (cached until a write changes a field the
        filters read).

        For a common word they are close (its lexeme is in the index's statistics: 81,892
        estimated for 80,000 at 1M tickets), which is when they are used.
        """
        matches, listed, in_tenant_matches = cached_for_fields(
            self.tenant_id,
            filter_fields(self.data),
            f"fts_estimate:{self.digest}",
            # Without the joins the inbox selects: planning them would cost more than the estimate.
            lambda: tuple(plan_rows(rows.select_related(None)) for rows in (matched, qs, in_tenant)),
            values=self.values,
            words=self.required_words,
        )
        return SearchEstimate(matches=matches, listed=listed, in_tenant_matches=in_tenant_matches)
