"""Streaming reader: one record at a time from each file, checked and normalised to our schema.

Nothing here holds a whole file: ``ijson`` yields records one by one and each becomes a staging
row (or a problem). Checks that need other records (duplicate ids, references, uniqueness) run
later in PostgreSQL over the staging tables (see ``staging.py``).
"""

from __future__ import annotations

import codecs
import datetime
import hashlib
import ipaddress
import json
import re
from collections.abc import Callable, Iterator
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

import ijson

from supportdesk.ids import new_id_text
from supportdesk.mockdata.spec import (
    BOOL,
    DATETIME,
    EMAIL,
    ENUM,
    INT,
    IP,
    JSON,
    REF,
    TEXT,
    URL,
    Entity,
    Field,
)

EMAIL_RE = re.compile(r"^[^@\s]+@[^@\s]+\.[^@\s.]+$")
# A timestamp PostgreSQL reads as the same instant as Python does: date, "T", time (microseconds at
# most) and an explicit offset. Once it parses, COPY gets it as it is, not re-written by isoformat.
COPYABLE_DATETIME = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(?:\.\d{1,6})?(?:Z|[+-]\d{2}:\d{2})")
AUTHOR_TYPES = ("user", "contact")
# Ids (a record's own and its tenant's) are stored in columns of this length.
ID_LENGTH = 64
# Keys of a record that are stored somewhere besides the entity's fields.
STORED_KEYS = ("id", "tenantId", "memberIds", "authorType")
NUL = "\x00"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with the source: which file, which record, which field, what."""

    file: str
    record: str | None
    field: str | None
    problem: str
    index: int | None = None  # position of the record in its file (0-based)

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)

    def __str__(self) -> str:
        where = self.file
        if self.record is not None:
            where += f" {self.record}"
        elif self.index is not None:
            where += f" [record {self.index}]"
        if self.field:
            where += f" {self.field}"
        return f"{where}: {self.problem}"


class SourceUnreadable(Exception):
    """A file is missing, not JSON, not an array, or truncated: nothing in it can be trusted."""

    def __init__(self, problem: Problem) -> None:
        super().__init__(str(problem))
        self.problem = problem


@dataclass
class Row:
    """A normalised record: staging values in ``staging_columns`` order, or problems."""

    legacy_id: str | None
    values: tuple[Any, ...]
    problems: list[Problem]
    members: list[str]


def normalise_enum(value: str) -> str:
    """``"On Hold"``, ``"ON-HOLD"`` and ``" on_hold "`` all mean ``on_hold``."""
    return re.sub(r"[\s\-]+", "_", value.strip()).lower()


def parse_datetime(value: str) -> datetime.datetime:
    """ISO-8601; a timestamp without an offset is taken as UTC (the old app stored UTC)."""
    parsed = datetime.datetime.fromisoformat(value.strip())
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=datetime.UTC)
    return parsed


# What ``json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)``
# builds, without building a new encoder for every record.
_CANONICAL = json.JSONEncoder(sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)


def source_hash(record: Any, extra: str = "") -> str:
    """A stable hash of one source record, to tell on the next run whether it changed.

    Stored in ``ImportedRecord.source_hash``: changing what it hashes makes every record of every
    earlier import look changed.
    """
    return _md5(_CANONICAL.encode(record), extra)


def _md5(text: str, extra: str) -> str:
    return hashlib.md5((text + extra).encode(), usedforsecurity=False).hexdigest()


def has_nul(value: Any) -> bool:
    """Whether ``value`` holds a NUL character anywhere (PostgreSQL stores none in text or jsonb)."""
    if isinstance(value, str):
        return NUL in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    return isinstance(value, list) and any(map(has_nul, value))


def file_digest(path: Path) -> tuple[str, int]:
    digest = hashlib.sha256()
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(1 << 16):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


class RecordReader:
    """Turns the records of one entity's file into staging rows."""

    def __init__(self, entity: Entity, source: Path) -> None:
        self.entity = entity
        self.source = source.resolve()
        # Per field: the key to look up, whether "" counts as missing, and the longest plain string
        # that needs no conversion (text and references; 0 when every value goes through _convert).
        self._plan = [
            (
                f.column if f.key == "authorId" else f.key,
                f,
                f.kind not in (TEXT, URL) or f.required,
                (f.max_length or 1 << 62) if f.kind in (TEXT, REF) else 0,
            )
            for f in entity.fields
        ]
        self._columns = [f.column for f in entity.fields]
        self._keys = list(dict.fromkeys(f.key for f in entity.fields if f.key not in STORED_KEYS))

    def _problem(self, rid: str | None, index: int, field: str | None, message: str) -> Problem:
        if rid is not None and NUL in rid:  # shown (and kept in the problems table) escaped
            rid = rid.replace(NUL, "\\u0000")
        return Problem(self.entity.file, rid, field, message, index)

    def _convert(self, f: Field, raw: Any) -> Any:
        """The normalised value of ``raw`` for field ``f``; raises ValueError with what is wrong."""
        if f.kind in (TEXT, REF, URL):
            if not isinstance(raw, str):
                raise ValueError(f"expected a string, got {json.dumps(raw)[:40]}")
            if f.kind == URL and raw and not raw.startswith(("http://", "https://", "/")):
                raise ValueError(f"malformed URL {raw!r}")
            if f.max_length and len(raw) > f.max_length:
                raise ValueError(f"longer than {f.max_length} characters")
            return raw
        if f.kind == EMAIL:
            if not isinstance(raw, str):
                raise ValueError("expected a string")
            email = raw.strip().lower()
            if not EMAIL_RE.match(email) or len(email) > 254:
                raise ValueError(f"malformed email {raw!r}")
            return email
        if f.kind == ENUM:
            if raw in f.choices:  # already in its normal form, as exports mostly are
                return raw
            value = normalise_enum(raw) if isinstance(raw, str) else raw
            if value not in f.choices:
                raise ValueError(f"unknown value {raw!r} (expected one of: {', '.join(f.choices)})")
            return value
        if f.kind == DATETIME:
            if not isinstance(raw, str):
                raise ValueError("expected an ISO-8601 timestamp string")
            try:
                parsed = parse_datetime(raw)
            except ValueError:
                raise ValueError(f"malformed date {raw!r}") from None
            if parsed.year in (1, 9999):
                # Python (and so the desk) reads years 1 to 9999 only; at the edges an offset can
                # move the instant out of them, though PostgreSQL would store it.
                try:
                    parsed.astimezone(datetime.UTC)
                except OverflowError:
                    raise ValueError(f"date {raw!r} is out of range (years 1 to 9999 in UTC)") from None
            return raw if COPYABLE_DATETIME.fullmatch(raw) else parsed
        if f.kind == BOOL:
            if not isinstance(raw, bool):
                raise ValueError(f"expected true or false, got {json.dumps(raw)[:40]}")
            return raw
        if f.kind == INT:
            if isinstance(raw, bool) or not isinstance(raw, int) or raw < 0 or raw > 2**31 - 1:
                raise ValueError(f"expected a non-negative integer, got {json.dumps(raw, default=str)[:40]}")
            return raw
        if f.kind == JSON:
            if not isinstance(raw, dict | list):
                raise ValueError("expected an object or array")
            return json.dumps(raw, default=str)
        if f.kind == IP:
            if "%" in str(raw):  # a scoped IPv6 address (fe80::1%eth0): Python reads it, PostgreSQL not
                raise ValueError(f"malformed IP address {raw!r} (no %zone suffix)")
            try:
                return str(ipaddress.ip_address(str(raw).strip()))
            except ValueError:
                raise ValueError(f"malformed IP address {raw!r}") from None
        raise AssertionError(f.kind)

    def row(self, record: Any, index: int) -> Row:
        entity = self.entity
        problems: list[Problem] = []
        if not isinstance(record, dict):
            problems.append(self._problem(None, index, None, "record is not a JSON object"))
            return Row(None, (), problems, [])
        rid = record.get("id")
        if not isinstance(rid, str) or not rid.strip():
            problems.append(self._problem(None, index, "id", "missing or malformed id"))
            return Row(None, (), problems, [])
        if len(rid) > ID_LENGTH:
            message = f"id {rid[:ID_LENGTH]!r}... is longer than {ID_LENGTH} characters"
            problems.append(self._problem(None, index, "id", message))
            return Row(None, (), problems, [])
        tenant = record.get("tenantId")
        if tenant is None or tenant == "":
            problems.append(self._problem(rid, index, "tenantId", "missing required field"))
            return Row(rid, (), problems, [])
        if not isinstance(tenant, str) or not tenant.strip() or len(tenant) > ID_LENGTH:
            message = (
                f"expected a tenant id (a string of at most {ID_LENGTH} characters), "
                f"got {json.dumps(tenant)[:40]}"
            )
            problems.append(self._problem(rid, index, "tenantId", message))
            return Row(rid, (), problems, [])

        raw_values = record
        extra_hash = ""
        if entity.name == "ticket_comments":
            raw_values = dict(record)
            self._split_author(raw_values, rid, index, problems)
        get = raw_values.get
        values: dict[str, Any] = {}
        for key, f, blank_is_missing, plain_up_to in self._plan:
            raw = get(key)
            if raw is None or (raw == "" and blank_is_missing):
                if f.required:
                    problems.append(self._problem(rid, index, f.key, "missing required field"))
                values[f.column] = f.default
            elif type(raw) is str and len(raw) <= plain_up_to:
                values[f.column] = raw  # what _convert returns for it, without the checks it passes
            else:
                try:
                    values[f.column] = self._convert(f, raw)
                except ValueError as exc:
                    problems.append(self._problem(rid, index, f.key, str(exc)))
                    values[f.column] = None

        if "updated_at" in values and values["updated_at"] is None:
            values["updated_at"] = values["created_at"]
        if entity.name == "tickets":
            self._check_ticket(values, rid, index, problems)
        if entity.name == "ticket_comments" and values["is_internal"] and values["author_contact"]:
            problems.append(self._problem(rid, index, "isInternal", "an internal note must be by a user"))
        if entity.name == "attachments":
            extra_hash = self._attach_file(values, rid, index, problems)
        members: list[str] = []
        if entity.name == "groups":
            members = self._members(record.get("memberIds"), rid, index, problems)

        text = _CANONICAL.encode(record)
        if "\\u0000" in text:  # JSON writes a NUL as \u0000: rare, then looked at
            stored = self._storable(record, values, members, index, problems)
            if stored is None:
                return Row(None, (), problems, [])
            members = stored
        row = (
            index,
            new_id_text(),
            rid,
            tenant,
            *[values[column] for column in self._columns],
            _md5(text, extra_hash),
            not problems,
        )
        return Row(rid, row, problems, members)

    def _storable(
        self,
        record: dict[str, Any],
        values: dict[str, Any],
        members: list[str],
        index: int,
        problems: list[Problem],
    ) -> list[str] | None:
        """Report each stored key holding a NUL character and leave its value out of the staging
        row; the group members left, or None when the id or tenant holds one (the record then has
        no staging row)."""
        staged = True
        for key in (*STORED_KEYS, *self._keys):
            if not has_nul(record.get(key)):
                continue
            message = "contains a NUL character (\\u0000), which the database cannot store"
            problems.append(self._problem(record["id"], index, key, message))
            staged = staged and key not in ("id", "tenantId")
            if key == "memberIds":
                members = []
            for f in self.entity.fields:
                if f.key == key or (key == "authorType" and f.key == "authorId"):
                    values[f.column] = None
        return members if staged else None

    def _split_author(self, raw: dict[str, Any], rid: str, index: int, problems: list[Problem]) -> None:
        kind = raw.get("authorType")
        author = raw.get("authorId")
        if kind is None or author is None or author == "":
            field = "authorType" if kind is None else "authorId"
            problems.append(self._problem(rid, index, field, "missing required field"))
            return
        if kind not in AUTHOR_TYPES:
            kind = normalise_enum(kind) if isinstance(kind, str) else kind
        if kind not in AUTHOR_TYPES:
            problems.append(
                self._problem(
                    rid, index, "authorType", f"unknown value {kind!r} (expected one of: user, contact)"
                )
            )
            return
        raw[f"author_{kind}"] = author

    def _check_ticket(self, v: dict[str, Any], rid: str, index: int, problems: list[Problem]) -> None:
        if v["number"] == 0:
            problems.append(self._problem(rid, index, "number", "ticket numbers start at 1"))
        solved = v["status"] in ("resolved", "closed")
        if v["status"] is not None and solved != (v["resolved_at"] is not None):
            message = (
                "required when status is resolved or closed" if solved else "must be empty unless solved"
            )
            problems.append(self._problem(rid, index, "resolvedAt", message))
        closed = v["status"] == "closed"
        if v["status"] is not None and closed != (v["closed_at"] is not None):
            message = "required when status is closed" if closed else "must be empty unless closed"
            problems.append(self._problem(rid, index, "closedAt", message))
        if v["subcategory"] and not v["category"]:
            problems.append(self._problem(rid, index, "subcategoryId", "a subcategory needs a categoryId"))

    def _attach_file(self, v: dict[str, Any], rid: str, index: int, problems: list[Problem]) -> str:
        name = v["file"]
        if not name:
            return ""
        path = (self.source / name).resolve()
        if not path.is_relative_to(self.source):
            problems.append(
                self._problem(rid, index, "fileName", f"{name!r} is outside the source directory")
            )
            return ""
        if not path.is_file():
            problems.append(self._problem(rid, index, "fileName", f"file missing: {name}"))
            return ""
        sha, size = file_digest(path)
        if v["sha256"] not in (None, sha):
            problems.append(self._problem(rid, index, "sha256", f"does not match the file ({sha})"))
        if v["size"] not in (None, size):
            problems.append(self._problem(rid, index, "size", f"does not match the file ({size} bytes)"))
        v["sha256"], v["size"] = sha, size
        v["original_filename"] = v["original_filename"] or path.name
        return sha

    def _members(self, raw: Any, rid: str, index: int, problems: list[Problem]) -> list[str]:
        if raw is None:
            return []
        if not isinstance(raw, list) or not all(isinstance(m, str) for m in raw):
            problems.append(self._problem(rid, index, "memberIds", "expected a list of user ids"))
            return []
        return list(dict.fromkeys(raw))

    def rows(self, progress: Callable[[int, int], None] | None = None) -> Iterator[Row]:
        """Every record of the file, in order. Raises SourceUnreadable if the file cannot be read whole."""
        path = self.source / self.entity.file
        yield from read_array(path, self.entity.file, self.row, progress)


# A JSON escape of a UTF-16 surrogate: a high one with the low one after it (a pair: one character,
# as JSON writers escape emoji), or either alone — no character at all. ijson's C parser turns a
# lone high one into "?" and a lone low one into bytes that are not UTF-8, so they are found here.
SURROGATE_ESCAPE = re.compile(
    rb"\\u[dD][89abAB][0-9a-fA-F]{2}(\\u[dD][c-fC-F][0-9a-fA-F]{2})?|\\u[dD][c-fC-F][0-9a-fA-F]{2}"
)


class SurrogateCheck:
    """A binary file that raises SourceUnreadable, naming the byte, at an unpaired surrogate escape.

    It sits between the file and ijson: a ``find`` per chunk read, and a regular expression only
    over chunks holding a surrogate escape at all.
    """

    def __init__(self, handle: Any, label: str) -> None:
        self.handle, self.label = handle, label
        self.tail = b""  # the last bytes of the previous chunk, where an escape may be cut in two
        self.offset = handle.tell()  # of ``tail`` in the file
        self.skip = 0  # of ``tail`` already taken by the last match

    def read(self, size: int = -1) -> bytes:
        chunk = self.handle.read(size)
        if len(chunk) > 11 and not any(m in chunk or m in self.tail + chunk[:11] for m in (b"\\ud", b"\\uD")):
            self.offset += len(self.tail) + len(chunk) - 11
            self.tail, self.skip = chunk[-11:], 0
            return chunk  # no surrogate escape in it (the usual case): nothing to look at
        text = self.tail + chunk
        # A pair of escapes is 12 bytes: one starting in the last 11 waits for the next chunk.
        done = len(text) - (min(len(text), 11) if chunk else 0)
        pos = self.skip
        if b"\\ud" in text or b"\\uD" in text:
            for match in SURROGATE_ESCAPE.finditer(text, pos):
                if match.start() >= done:
                    break
                pos = match.end()
                if match.group(0)[3:4] not in b"cdefCDEF" and match.group(1) is not None:
                    continue  # a pair
                backslash = match.start() - 1
                while backslash >= 0 and text[backslash] == ord("\\"):
                    backslash -= 1
                if (match.start() - 1 - backslash) % 2 == 0:  # not itself escaped ("\\\\ud800")
                    raise SourceUnreadable(
                        Problem(
                            self.label, None, None,
                            f"an unpaired UTF-16 surrogate ({match.group(0)[:6].decode()}) at byte "
                            f"{self.offset + match.start()}: not valid Unicode text",
                        )
                    )  # fmt: skip
        self.skip = max(0, pos - done)
        self.offset += done
        self.tail = text[done:]
        return chunk


def json_start(head: bytes, label: str) -> int:
    """Where the JSON array of a file starting with ``head`` begins: after a UTF-8 byte order mark,
    which some Windows tools write. Raises SourceUnreadable for anything but an array of UTF-8 text."""
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)) or b"\x00" in head[:4]:
        raise SourceUnreadable(
            Problem(label, None, None, "the file is UTF-16 or UTF-32 text; save it as UTF-8")
        )
    start = len(codecs.BOM_UTF8) if head.startswith(codecs.BOM_UTF8) else 0
    if not head[start:].lstrip().startswith(b"["):
        raise SourceUnreadable(Problem(label, None, None, "unreadable JSON: expected an array of records"))
    return start


def read_array(
    path: Path,
    label: str,
    convert: Callable[[Any, int], Any],
    progress: Callable[[int, int], None] | None = None,
) -> Iterator[Any]:
    if not path.is_file():
        raise SourceUnreadable(Problem(label, None, None, "file missing"))
    total = path.stat().st_size
    with path.open("rb") as handle:
        start = json_start(handle.read(64), label)
        handle.seek(start)
        index = 0
        try:
            records = ijson.items(SurrogateCheck(handle, label), "item", use_float=True)
            for index, record in enumerate(records):
                yield convert(record, index)
                if progress is not None and index % 2000 == 0:
                    progress(handle.tell(), total)
        except ijson.JSONError as exc:
            raise SourceUnreadable(
                Problem(label, None, None, f"unreadable or truncated JSON after record {index}: {exc}")
            ) from exc
        if progress is not None:
            progress(total, total)
