"""The contract between the old app's export and our schema: every file, key, type and reference.

One declarative table drives everything else: the reader validates and normalises with it, the
staging tables are created from it, the loader builds its set-based SQL from it and the verifier
builds its checksums from it. ``docs/mock-data-format.md`` is the human-readable form of this module.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from accounts.choices import Role, UserStatus
from tickets.choices import Channel, Priority, Status

TEXT = "text"
EMAIL = "email"
ENUM = "enum"
DATETIME = "datetime"
BOOL = "bool"
INT = "int"
REF = "ref"
JSON = "json"
URL = "url"
IP = "ip"

SQL_TYPES = {
    TEXT: "text",
    EMAIL: "text",
    ENUM: "text",
    URL: "text",
    DATETIME: "timestamptz",
    BOOL: "boolean",
    INT: "integer",
    REF: "text",
    JSON: "jsonb",
    IP: "text",
}


@dataclass(frozen=True)
class Field:
    """One key of a source record and the column it becomes."""

    key: str  # camelCase key in the source
    column: str  # staging column; the target column is this (or ``<column>_id`` for a reference)
    kind: str = TEXT
    required: bool = False
    default: Any = None
    choices: tuple[str, ...] = ()
    ref: str | None = None  # entity the id names
    # False for values the desk changes by itself (a sign-in) or that are salted (password hashes):
    # they are loaded but neither compared by checksum nor used to detect desk edits.
    checksum: bool = True
    max_length: int | None = None
    # SQL that loads the value from staging row ``s`` (default ``s.<column>``), and SQL that reads
    # it back from target row ``d`` for checksums (default ``d.<target>``).
    load_sql: str | None = None
    read_sql: str | None = None

    @property
    def target(self) -> str:
        return f"{self.column}_id" if self.kind == REF else self.column


@dataclass(frozen=True)
class Entity:
    """One file of the source and the table it loads into."""

    name: str  # file stem and step name
    prefix: str  # what its ids start with (documentation; ids are only required to be unique)
    table: str
    fields: tuple[Field, ...]
    # Columns (staging names) whose lower-cased values are unique among live rows of a tenant.
    unique_live: tuple[tuple[str, ...], ...] = ()
    # Extra NOT NULL columns of the target with no source counterpart: column -> SQL literal.
    constants: dict[str, str] = field(default_factory=dict)
    has_soft_delete: bool = True

    @property
    def file(self) -> str:
        return f"{self.name}.json"

    @property
    def staging(self) -> str:
        return f"mig_stg_{self.name}"

    def refs(self) -> list[Field]:
        return [f for f in self.fields if f.kind == REF]


def _common(*, soft_delete: bool = True) -> tuple[Field, ...]:
    fields = [
        Field("createdAt", "created_at", DATETIME, required=True),
        Field("createdBy", "created_by", REF, ref="users"),
    ]
    if soft_delete:
        fields += [
            Field("updatedAt", "updated_at", DATETIME),  # defaults to createdAt
            Field("updatedBy", "updated_by", REF, ref="users"),
            Field("isDeleted", "is_deleted", BOOL, default=False),
        ]
    return tuple(fields)


def _name(max_length: int = 200) -> Field:
    return Field("name", "name", TEXT, required=True, max_length=max_length)


def _description() -> Field:
    return Field("description", "description", TEXT, default="")


ENTITIES: tuple[Entity, ...] = (
    # Departments first: users and tickets name them, so both link them as they are inserted (one
    # pass); the departments' own createdBy/updatedBy are linked in the users step (a few rows).
    Entity(
        "departments",
        "dep",
        "accounts_department",
        (_name(), _description(), *_common()),
        unique_live=(("name",),),
    ),
    Entity(
        "users",
        "usr",
        "accounts_user",
        (
            _name(),
            Field("email", "email", EMAIL, required=True),
            Field("role", "role", ENUM, required=True, choices=tuple(Role.values)),
            # A department id, or (as some old records have it) a department's name.
            Field("department", "department", REF, ref="departments"),
            Field("status", "status", ENUM, default=UserStatus.ACTIVE, choices=tuple(UserStatus.values)),
            Field("lastLogin", "last_login", DATETIME, checksum=False),
            Field("profileImageUrl", "profile_image_url", URL, default="", max_length=500),
            Field("password", "password", TEXT, required=True, checksum=False),
            # May use the Django admin site (not in the old schema; defaults to false).
            Field("isStaff", "is_staff", BOOL, default=False),
            *_common(),
        ),
        unique_live=(("email",),),
        constants={"is_superuser": "false"},
    ),
    Entity(
        "parent_companies",
        "pco",
        "companies_parentcompany",
        (
            _name(),
            Field("domain", "domain", default="", max_length=253),
            Field("notes", "notes", default=""),
            *_common(),
        ),
        unique_live=(("name",),),
    ),
    Entity(
        "companies",
        "com",
        "companies_company",
        (
            _name(),
            Field("parentCompanyId", "parent", REF, ref="parent_companies"),
            Field("domain", "domain", default="", max_length=253),
            Field("phone", "phone", default="", max_length=64),
            Field("notes", "notes", default=""),
            *_common(),
        ),
        unique_live=(("name",),),
    ),
    Entity(
        "contacts",
        "con",
        "companies_contact",
        (
            _name(),
            Field("email", "email", EMAIL, default=""),
            Field("phone", "phone", default="", max_length=64),
            Field("title", "title", default="", max_length=200),
            Field("companyId", "company", REF, ref="companies"),
            *_common(),
        ),
        unique_live=(("email",),),
    ),
    Entity(
        "categories",
        "cat",
        "catalog_category",
        (_name(), _description(), *_common()),
        unique_live=(("name",),),
    ),
    Entity(
        "subcategories",
        "sub",
        "catalog_subcategory",
        (
            Field("categoryId", "category", REF, required=True, ref="categories"),
            _name(),
            _description(),
            *_common(),
        ),
        unique_live=(("category", "name"),),
    ),
    Entity(
        "groups",
        "grp",
        "accounts_group",
        # memberIds (a list of user ids) is loaded into accounts_groupmembership.
        (_name(), _description(), *_common()),
        unique_live=(("name",),),
    ),
    Entity(
        "tags",
        "tag",
        "catalog_tag",
        (_name(100), Field("color", "color", default="", max_length=7), *_common()),
        unique_live=(("name",),),
    ),
    Entity(
        "tickets",
        "tkt",
        "tickets_ticket",
        (
            Field("number", "number", INT, required=True),
            Field("subject", "subject", TEXT, required=True, max_length=300),
            _description(),
            Field("status", "status", ENUM, required=True, choices=tuple(Status.values)),
            Field("priority", "priority", ENUM, default=Priority.MEDIUM, choices=tuple(Priority.values)),
            Field("requesterId", "requester", REF, required=True, ref="contacts"),
            Field("companyId", "company", REF, ref="companies"),
            Field("assigneeId", "assignee", REF, ref="users"),
            Field("groupId", "group", REF, ref="groups"),
            Field("categoryId", "category", REF, ref="categories"),
            Field("subcategoryId", "subcategory", REF, ref="subcategories"),
            Field("departmentId", "department", REF, ref="departments"),
            Field("channel", "channel", ENUM, default=Channel.WEB, choices=tuple(Channel.values)),
            Field("dueAt", "due_at", DATETIME),
            Field("firstResponseAt", "first_response_at", DATETIME),
            Field("resolvedAt", "resolved_at", DATETIME),
            Field("closedAt", "closed_at", DATETIME),
            *_common(),
        ),
    ),
    Entity(
        "ticket_comments",
        "cmt",
        "tickets_ticketcomment",
        (
            Field("ticketId", "ticket", REF, required=True, ref="tickets"),
            # authorType ("user" | "contact") + authorId in the source become one of these two.
            Field("authorId", "author_user", REF, ref="users"),
            Field("authorId", "author_contact", REF, ref="contacts"),
            Field("body", "body", TEXT, required=True),
            Field("isInternal", "is_internal", BOOL, default=False),
            *_common(),
        ),
    ),
    Entity(
        "ticket_tags",
        "ttg",
        "tickets_tickettag",
        (
            Field("ticketId", "ticket", REF, required=True, ref="tickets"),
            Field("tagId", "tag", REF, required=True, ref="tags"),
            *_common(soft_delete=False),
        ),
        unique_live=(("ticket", "tag"),),
        has_soft_delete=False,
    ),
    Entity(
        "attachments",
        "att",
        "tickets_attachment",
        (
            Field("ticketId", "ticket", REF, required=True, ref="tickets"),
            Field("commentId", "comment", REF, ref="ticket_comments"),
            # fileName is a path relative to the source directory; these three come from the file.
            Field(
                "fileName",
                "file",
                TEXT,
                required=True,
                checksum=False,
                load_sql="'attachments/imported/' || s.tenant || '/' || s.sha256",
            ),
            Field("originalFilename", "original_filename", TEXT, max_length=255),
            Field("contentType", "content_type", TEXT, default="application/octet-stream", max_length=255),
            Field("size", "size", INT),
            Field("sha256", "sha256", TEXT),
            Field("uploadedBy", "uploaded_by", REF, ref="users"),
            *_common(),
        ),
    ),
    Entity(
        "audit_logs",
        "aud",
        "audit_auditlog",
        (
            Field("actorId", "actor", REF, ref="users"),
            Field("actorLabel", "actor_label", TEXT, default="", max_length=254),
            Field("action", "action", TEXT, required=True, max_length=100),
            Field("entityType", "entity_type", TEXT, required=True, max_length=64),
            Field("entityId", "entity_id", TEXT, default="", max_length=64),
            Field("changes", "changes", JSON, default={}),
            Field("requestId", "request_id", TEXT, default="", max_length=64),
            Field("ip", "ip", IP, load_sql="s.ip::inet", read_sql="host(d.ip)"),
            Field("createdAt", "created_at", DATETIME, required=True),
        ),
        has_soft_delete=False,
    ),
)

BY_NAME = {e.name: e for e in ENTITIES}
STEPS = tuple(e.name for e in ENTITIES)
ORDER = {name: i for i, name in enumerate(STEPS)}

# Optional file naming the tenants ({id, name}); without it a tenant is named after its id.
TENANTS_FILE = "tenants.json"
