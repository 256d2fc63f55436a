"""migrate_mock_data, verify_migration, generate_mock_data and load_demo_data through call_command."""

from __future__ import annotations

import codecs
import json
from pathlib import Path

import pytest
from django.contrib.auth.hashers import check_password
from django.core.files.storage import default_storage

from accounts.models import Department, Group, Tenant, User
from audit.models import AuditLog
from catalog.models import Tag
from companies.models import Contact
from supportdesk.mockdata.generator import DEMO_PASSWORD
from supportdesk.models import ImportedRecord
from tests.mockdata.conftest import edit, fingerprint, record, run
from tickets.models import Attachment, Ticket, TicketComment, TicketTag

pytestmark = pytest.mark.django_db


def source_records(source: Path, entity: str) -> list[dict]:
    return json.loads((source / f"{entity}.json").read_text())


def test_clean_load_transforms_every_entity(source: Path) -> None:
    result = run("migrate_mock_data", "--source", str(source))
    assert result.ok, result

    tickets = source_records(source, "tickets")
    assert Ticket.all_objects.count() == len(tickets)
    assert TicketComment.all_objects.count() == len(source_records(source, "ticket_comments"))
    assert TicketTag.objects.count() == len(source_records(source, "ticket_tags"))
    assert Tenant.objects.filter(legacy_id__isnull=False).count() == 2

    # a ticket keeps its number, gets its relationships, normalised enums and a new UUID
    src = tickets[0]
    ticket = Ticket.all_objects.select_related("requester", "tenant").get(legacy_id=src["id"])
    assert ticket.number == src["number"]
    assert ticket.requester.legacy_id == src["requesterId"]
    assert ticket.status == src["status"].lower().replace(" ", "_").replace("-", "_")
    assert ticket.tenant.legacy_id == src["tenantId"]
    assert str(ticket.id) != src["id"]

    # messy users: mixed-case email with spaces, capitalised role, department given by name
    users = source_records(source, "users")
    messy = next(u for u in users if u["email"] != u["email"].strip().lower())
    assert User.all_objects.get(legacy_id=messy["id"]).email == messy["email"].strip().lower()
    by_name = next(u for u in users if not u["department"].startswith("dep_"))
    user = User.all_objects.select_related("department").get(legacy_id=by_name["id"])
    assert user.department is not None and user.department.name == by_name["department"]
    assert check_password(DEMO_PASSWORD, user.password)
    assert User.all_objects.filter(is_deleted=True).count() == sum(1 for u in users if u.get("isDeleted"))

    # group members, soft-deleted tags, attachments in storage with their sha256
    assert Group.objects.first().members.exists()
    assert Tag.all_objects.filter(is_deleted=True).exists()
    attachment = Attachment.objects.first()
    assert attachment is not None and default_storage.exists(attachment.file.name)
    assert len(attachment.sha256) == 64

    # one audit entry per tenant and entity type changed, plus the tenant itself
    entries = AuditLog.objects.filter(actor_label="migrate_mock_data")
    assert entries.filter(action="import.applied", entity_type="tickets").count() == 2
    per_tenant = entries.filter(action="import.applied", entity_type="tickets")
    assert sorted(e.changes["created"] for e in per_tenant) == sorted(
        sum(1 for t in tickets if t["tenantId"] == tenant) for tenant in {t["tenantId"] for t in tickets}
    )
    assert entries.filter(action="import.created", entity_type="tenant").count() == 2
    # the old audit log is imported as history
    assert AuditLog.objects.filter(legacy_id__startswith="aud_").count() == len(
        source_records(source, "audit_logs")
    )
    assert "Migration complete." in result.out
    assert "reading tickets\n" in result.out  # not a terminal: plain progress lines, no bar
    assert "tickets" in result.out and "created" in result.out


def test_second_run_changes_nothing(source: Path) -> None:
    assert run("migrate_mock_data", "--source", str(source)).ok
    before = fingerprint()
    audit_before = AuditLog.objects.count()

    result = run("migrate_mock_data", "--source", str(source))

    assert result.ok, result
    assert fingerprint() == before
    assert AuditLog.objects.count() == audit_before
    assert "tickets: 0 created, 0 updated" in result.out


def test_changed_source_updates_what_changed_and_keeps_desk_edits(source: Path) -> None:
    assert run("migrate_mock_data", "--source", str(source)).ok
    tickets = source_records(source, "tickets")
    changed, edited = tickets[0]["id"], tickets[1]["id"]
    # an agent edits the second ticket in the desk after the import
    Ticket.all_objects.filter(legacy_id=edited).update(subject="Edited in the desk")

    def change(records: list[dict]) -> None:
        record(records, changed)["subject"] = "Changed in the old app"
        record(records, edited)["subject"] = "Also changed in the old app"

    edit(source, "tickets", change)
    audit_before = set(AuditLog.objects.values_list("pk", flat=True))

    result = run("migrate_mock_data", "--source", str(source))

    assert result.ok, result
    assert Ticket.all_objects.get(legacy_id=changed).subject == "Changed in the old app"
    assert Ticket.all_objects.get(legacy_id=edited).subject == "Edited in the desk"
    assert f"conflict: tickets {edited}" in result.err
    assert "tickets: 0 created, 1 updated" in result.out
    new_entries = AuditLog.objects.exclude(pk__in=audit_before)
    assert {(e.entity_type, e.changes["updated"]) for e in new_entries} == {("tickets", 1)}
    stored = ImportedRecord.objects.get(entity="tickets", legacy_id=changed)
    assert stored.source_hash


def test_changed_audit_record_is_reported_never_updated(source: Path) -> None:
    assert run("migrate_mock_data", "--source", str(source)).ok
    audit_id = source_records(source, "audit_logs")[0]["id"]
    edit(source, "audit_logs", lambda records: record(records, audit_id).update(action="ticket.rewritten"))

    result = run("migrate_mock_data", "--source", str(source))

    assert result.ok, result
    assert AuditLog.objects.get(legacy_id=audit_id).action == "ticket.updated"
    assert f"conflict: audit_logs {audit_id}" in result.err


def _truncate(source: Path) -> tuple[str, str | None]:
    path = source / "ticket_comments.json"
    path.write_text(path.read_text()[:-200])
    return "ticket_comments.json", None


def _set(entity: str, field: str, value: object, index: int = 0):  # type: ignore[no-untyped-def]
    def damage(source: Path) -> tuple[str, str | None]:
        records = source_records(source, entity)
        rid = records[index]["id"]
        edit(source, entity, lambda rs: record(rs, rid).__setitem__(field, value))
        return f"{entity}.json", rid

    return damage


def _drop(entity: str, field: str):  # type: ignore[no-untyped-def]
    def damage(source: Path) -> tuple[str, str | None]:
        rid = source_records(source, entity)[0]["id"]
        edit(source, entity, lambda rs: record(rs, rid).pop(field))
        return f"{entity}.json", rid

    return damage


def _duplicate_id(source: Path) -> tuple[str, str | None]:
    rid = source_records(source, "tags")[0]["id"]
    edit(source, "tags", lambda rs: rs.append({**rs[1], "id": rid}))
    return "tags.json", rid


def _other_tenant(source: Path) -> tuple[str, str | None]:
    tickets = source_records(source, "tickets")
    contacts = source_records(source, "contacts")
    foreign = next(c for c in contacts if c["tenantId"] != tickets[0]["tenantId"])
    return _set("tickets", "requesterId", foreign["id"])(source)


def _missing_file(source: Path) -> tuple[str, str | None]:
    attachment = source_records(source, "attachments")[0]
    (source / attachment["fileName"]).unlink()
    return "attachments.json", attachment["id"]


def _same_email(source: Path) -> tuple[str, str | None]:
    users = source_records(source, "users")
    return _set("users", "email", users[0]["email"].upper(), 1)(source)


def _tag_twice(source: Path) -> tuple[str, str | None]:
    edit(source, "ticket_tags", lambda rs: rs.append({**rs[0], "id": "ttg_again"}))
    return "ticket_tags.json", "ttg_again"


def _lone_surrogate(source: Path) -> tuple[str, str | None]:
    # Half of an escaped emoji ("\ud83d\ude00" is one character): no character at all.
    _set("ticket_comments", "body", "half \ud800 an emoji; whole: \U0001f600")(source)
    return "ticket_comments.json", None


def _long_id(source: Path) -> tuple[str, str | None]:
    edit(source, "tags", lambda rs: rs.append({**rs[0], "id": "tag_" + "x" * 70}))
    return "tags.json", None


BAD_INPUTS = {
    "truncated json": (_truncate, "unreadable or truncated JSON"),
    "missing required field": (_drop("tickets", "subject"), "missing required field"),
    "unknown enum value": (_set("tickets", "priority", "whenever"), "unknown value 'whenever'"),
    "malformed date": (_set("tickets", "createdAt", "last tuesday"), "malformed date"),
    "malformed email": (_set("users", "email", "not-an-email", 3), "malformed email"),
    "duplicate id": (_duplicate_id, "duplicate id"),
    "reference to a missing id": (
        _set("tickets", "requesterId", "con_9_999999"),
        "which is not in contacts.json",
    ),
    "reference to another tenant": (_other_tenant, "a record of another tenant"),
    "attachment file missing": (_missing_file, "file missing"),
    # What the database would refuse, found while reading and named like every other problem.
    "NUL character in a text": (_set("tickets", "subject", "Printer\x00jam"), "NUL character (\\u0000)"),
    "NUL character in a JSON value": (
        _set("audit_logs", "changes", {"status": {"before": "a\x00", "after": "b"}}),
        "NUL character",
    ),
    "unpaired surrogate": (_lone_surrogate, "an unpaired UTF-16 surrogate (\\ud800) at byte"),
    "email of another user of the source": (_same_email, "is used by 2 live records"),
    "comment author left empty": (_set("ticket_comments", "authorId", ""), "missing required field"),
    "the same tag twice on a ticket": (_tag_twice, "is used by 2 records of this tenant"),
    "scoped IPv6 address": (_set("audit_logs", "ip", "fe80::1%eth0"), "no %zone suffix"),
    "date out of range": (_set("tickets", "createdAt", "0001-01-01T00:00:00+01:00"), "out of range"),
    "text longer than its column": (_set("contacts", "phone", "5" * 65), "longer than 64 characters"),
    "id longer than its column": (_long_id, "is longer than 64 characters"),
    "tenant id that is not a string": (_set("tickets", "tenantId", 7), "expected a tenant id"),
}


@pytest.mark.parametrize("kind", BAD_INPUTS)
def test_bad_input_stops_the_run_and_changes_nothing(source: Path, tmp_path: Path, kind: str) -> None:
    assert run("migrate_mock_data", "--source", str(source)).ok  # a previous import is there
    damage, message = BAD_INPUTS[kind]
    file, rid = damage(source)
    before = fingerprint()
    rejects = tmp_path / "rejects.jsonl"

    result = run("migrate_mock_data", "--source", str(source), "--rejects", str(rejects))

    assert not result.ok, result
    assert "nothing was written" in str(result.error)
    assert fingerprint() == before
    problem_lines = [line for line in result.err.splitlines() if line.startswith(f"problem: {file}")]
    assert any(message in line and (rid is None or rid in line) for line in problem_lines), result
    written = [json.loads(line) for line in rejects.read_text().splitlines()]
    assert any(p["file"] == file and p["record"] == rid and message in p["problem"] for p in written), written


def test_a_nul_character_is_fine_in_a_key_that_is_not_stored(source: Path) -> None:
    edit(source, "tickets", lambda rs: rs[0].__setitem__("legacyNote", "a\x00b"))
    assert run("migrate_mock_data", "--source", str(source)).ok
    assert "unchanged" in run("migrate_mock_data", "--source", str(source)).out  # its hash is stable
    assert run("verify_migration", "--source", str(source)).ok


@pytest.mark.parametrize(
    ("encode", "message"),
    [
        (lambda text: codecs.BOM_UTF8 + text.encode(), None),  # some Windows tools write one
        (lambda text: text.encode("utf-16"), "the file is UTF-16 or UTF-32 text; save it as UTF-8"),
        (
            lambda text: text.replace("Printer", "Pr\udc80nter").encode("utf-8", "surrogateescape"),
            "invalid bytes in UTF8 string",
        ),
    ],
    ids=["utf-8 with a byte order mark", "utf-16", "bytes that are not utf-8"],
)
def test_a_file_in_another_encoding_is_named_or_read(source: Path, encode, message) -> None:  # type: ignore[no-untyped-def]
    path = source / "tickets.json"
    records = json.loads(path.read_text())
    records[-1]["subject"] = "Printer jam"
    path.write_bytes(encode(json.dumps(records, ensure_ascii=False)))

    result = run("migrate_mock_data", "--source", str(source))

    if message is None:
        assert result.ok, result
        assert Ticket.all_objects.count() == len(records)
    else:
        assert not result.ok
        assert message in next(line for line in result.err.splitlines() if "tickets.json:" in line), result
        assert not Ticket.all_objects.exists()


def test_a_tenant_listed_twice_is_a_problem(source: Path) -> None:
    edit(source, "tenants", lambda rs: rs.append({**rs[0], "name": "Someone Else"}))
    result = run("migrate_mock_data", "--source", str(source))
    assert not result.ok
    assert "tenants.json" in result.err and "duplicate id (the tenant is listed twice)" in result.err
    assert not Tenant.objects.exists()


def test_an_unwritable_rejects_file_stops_the_run_before_it_starts(source: Path, tmp_path: Path) -> None:
    result = run("migrate_mock_data", "--source", str(source), "--rejects", str(tmp_path / "no" / "r.jsonl"))
    assert not result.ok
    assert "cannot write the rejects file" in str(result.error) and "No such file" in str(result.error)
    assert not Tenant.objects.exists()


def test_only_refuses_references_to_a_step_left_out_that_are_not_in_the_database(source: Path) -> None:
    before = fingerprint()
    result = run("migrate_mock_data", "--source", str(source), "--only", "users,contacts")
    assert not result.ok
    contact = next(c for c in source_records(source, "contacts") if c.get("companyId"))
    assert (
        f"problem: contacts.json {contact['id']} companyId: refers to {contact['companyId']}, which is not "
        "in the database (companies is not a step of this run)" in result.err
    ), result
    assert "departments is not a step of this run" in result.err
    assert fingerprint() == before

    # What they refer to loaded first (departments and users refer to each other: one run).
    steps = "departments,users,parent_companies,companies"
    assert run("migrate_mock_data", "--source", str(source), "--only", steps).ok
    assert run("migrate_mock_data", "--source", str(source), "--only", "contacts").ok
    assert not Contact.all_objects.filter(company__isnull=True, legacy_id=contact["id"]).exists()


def test_an_id_used_in_two_files_is_reported_in_both_naming_both(source: Path) -> None:
    rid = source_records(source, "users")[0]["id"]
    edit(source, "tags", lambda rs: rs.__setitem__(0, {**rs[0], "id": rid}))

    result = run("migrate_mock_data", "--source", str(source))

    assert not result.ok
    lines = [line for line in result.err.splitlines() if "duplicate id" in line]
    assert sorted(line.split()[1] for line in lines) == ["tags.json", "users.json"], lines
    assert all(f"{rid} id: duplicate id (2 records with this id in: users, tags)" in line for line in lines)


def test_every_problem_is_reported_not_just_the_first(source: Path) -> None:
    _set("tickets", "priority", "whenever", 0)(source)
    _set("tickets", "status", "lost", 1)(source)
    _set("contacts", "email", "nope", 2)(source)

    result = run("migrate_mock_data", "--source", str(source))

    assert not result.ok
    assert "whenever" in result.err and "'lost'" in result.err and "'nope'" in result.err
    assert Ticket.all_objects.count() == 0


def test_each_bad_reference_of_a_record_is_its_own_problem(source: Path, tmp_path: Path) -> None:
    tickets = source_records(source, "tickets")
    ticket = tickets[0]
    foreign = next(u for u in source_records(source, "users") if u["tenantId"] != ticket["tenantId"])
    edit(
        source,
        "tickets",
        lambda rs: record(rs, ticket["id"]).update(requesterId="con_9_999999", assigneeId=foreign["id"]),
    )
    rejects = tmp_path / "rejects.jsonl"

    result = run("migrate_mock_data", "--source", str(source), "--rejects", str(rejects))

    assert not result.ok
    found = [p for p in map(json.loads, rejects.read_text().splitlines()) if p["file"] == "tickets.json"]
    assert sorted((p["record"], p["field"], p["problem"]) for p in found) == [
        (
            ticket["id"],
            "assigneeId",
            f"refers to {foreign['id']}, a record of another tenant ({foreign['tenantId']})",
        ),
        (ticket["id"], "requesterId", "refers to con_9_999999, which is not in contacts.json"),
    ]


def test_allow_rejects_loads_the_rest_and_lists_every_dependant(source: Path, tmp_path: Path) -> None:
    tickets = source_records(source, "tickets")
    bad = tickets[0]
    contact = bad["requesterId"]
    edit(source, "contacts", lambda rs: record(rs, contact).__setitem__("email", "broken@"))
    rejects = tmp_path / "rejects.jsonl"

    result = run("migrate_mock_data", "--source", str(source), "--allow-rejects", "--rejects", str(rejects))

    assert result.ok, result
    dependants = [t["id"] for t in tickets if t["requesterId"] == contact]
    comments = [c["id"] for c in source_records(source, "ticket_comments") if c["ticketId"] in dependants]
    assert not Contact.all_objects.filter(legacy_id=contact).exists()
    assert not Ticket.all_objects.filter(legacy_id__in=dependants).exists()
    assert not TicketComment.all_objects.filter(legacy_id__in=comments).exists()
    assert Ticket.all_objects.count() == len(tickets) - len(dependants)
    listed = {p["record"] for p in map(json.loads, rejects.read_text().splitlines())}
    assert {contact, *dependants, *comments} <= listed
    for rid in [contact, *dependants, *comments]:
        assert rid in result.err


def test_dry_run_reports_counts_and_writes_nothing(source: Path) -> None:
    before = fingerprint()

    result = run("migrate_mock_data", "--source", str(source), "--dry-run")

    assert result.ok, result
    assert fingerprint() == before
    assert "Dry run: nothing was written." in result.out
    assert f"tickets: {len(source_records(source, 'tickets'))} created" in result.out


def test_only_runs_the_named_steps(source: Path) -> None:
    result = run("migrate_mock_data", "--source", str(source), "--only", "users,departments")
    assert result.ok, result
    assert User.all_objects.exists() and Department.objects.exists()
    assert not Ticket.all_objects.exists()
    assert User.all_objects.filter(department__isnull=False).exists()
    assert not run("migrate_mock_data", "--only", "nonsense").ok


def test_help_explains_every_option() -> None:
    from supportdesk.management.commands.migrate_mock_data import Command

    text = Command().create_parser("manage.py", "migrate_mock_data").format_help()
    for option in ("--source", "--only", "--dry-run", "--rejects", "--allow-rejects"):
        assert option in text


# --- verify_migration -----------------------------------------------------------------------------


def test_verify_passes_after_a_load(source: Path) -> None:
    assert run("migrate_mock_data", "--source", str(source)).ok
    result = run("verify_migration", "--source", str(source), "--json")
    assert result.ok, result
    report = json.loads(result.out)
    assert report["ok"] and not report["mismatches"]
    assert {c["entity"] for c in report["counts"]} >= {"users", "tickets", "ticket_tags"}


def _delete_tag_link(source: Path) -> tuple[str, str]:
    rid = source_records(source, "ticket_tags")[0]["id"]
    TicketTag.objects.filter(legacy_id=rid).delete()
    return "ticket_tags", rid


def _edit_value(source: Path) -> tuple[str, str]:
    rid = source_records(source, "tickets")[0]["id"]
    Ticket.all_objects.filter(legacy_id=rid).update(subject="Tampered")
    return "tickets", rid


def _repoint_fk(source: Path) -> tuple[str, str]:
    src = source_records(source, "ticket_comments")[0]
    ticket = Ticket.all_objects.get(legacy_id=src["ticketId"])
    other = Ticket.all_objects.filter(tenant=ticket.tenant).exclude(pk=ticket.pk).first()
    TicketComment.all_objects.filter(legacy_id=src["id"]).update(ticket=other)
    return "ticket_comments", src["id"]


def _change_password(source: Path) -> tuple[str, str]:
    rid = source_records(source, "users")[0]["id"]
    user = User.all_objects.get(legacy_id=rid)
    user.set_password("something else")
    user.save(update_fields=["password"])
    return "users", rid


@pytest.mark.parametrize(
    ("damage", "check"),
    [
        (_delete_tag_link, "missing"),
        (_edit_value, "checksum"),
        (_repoint_fk, "relationship"),
        (_change_password, "password"),
    ],
)
def test_verify_fails_on_damage_and_names_the_record(source: Path, damage, check: str) -> None:  # type: ignore[no-untyped-def]
    assert run("migrate_mock_data", "--source", str(source)).ok
    entity, rid = damage(source)

    result = run("verify_migration", "--source", str(source))
    as_json = run("verify_migration", "--source", str(source), "--json")

    assert not result.ok and not as_json.ok
    assert any(entity in line and rid in line and f"[{check}]" in line for line in result.out.splitlines()), (
        result
    )
    mismatches = json.loads(as_json.out)["mismatches"]
    assert {"entity": entity, "legacy_id": rid, "check": check} in [
        {k: m[k] for k in ("entity", "legacy_id", "check")} for m in mismatches
    ]


def test_verify_ignores_rows_created_in_the_desk_since(source: Path) -> None:
    assert run("migrate_mock_data", "--source", str(source)).ok
    ticket = Ticket.all_objects.filter(legacy_id__isnull=False).first()
    Ticket.objects.create(tenant=ticket.tenant, subject="New in the desk", requester=ticket.requester)
    assert run("verify_migration", "--source", str(source)).ok


# --- generate_mock_data and the round trip -----------------------------------------------------------


def test_generate_is_deterministic(tmp_path: Path) -> None:
    for name in ("a", "b"):
        assert run("generate_mock_data", "--out", str(tmp_path / name), "--tickets", "15", "--seed", "3").ok
    for path in (tmp_path / "a").rglob("*"):
        if path.is_file():
            assert path.read_bytes() == (tmp_path / "b" / path.relative_to(tmp_path / "a")).read_bytes(), path
    assert run("generate_mock_data", "--out", str(tmp_path / "c"), "--tickets", "15", "--seed", "4").ok
    assert (tmp_path / "c" / "tickets.json").read_bytes() != (tmp_path / "a" / "tickets.json").read_bytes()


def test_generate_migrate_verify_round_trip(tmp_path: Path) -> None:
    out = tmp_path / "generated"
    assert run(
        "generate_mock_data", "--out", str(out), "--tickets", "40", "--tenants", "3", "--seed", "11"
    ).ok
    assert run("migrate_mock_data", "--source", str(out)).ok
    result = run("verify_migration", "--source", str(out))
    assert result.ok, result
    assert Tenant.objects.filter(legacy_id__isnull=False).count() == 3


# --- the full demo data set (the only tests that load fixtures/mock) ------------------------------


def test_load_demo_data_fills_an_empty_embedded_database_then_verifies(settings) -> None:  # type: ignore[no-untyped-def]
    settings.EMBEDDED_DATABASE = True
    result = run("load_demo_data")
    assert result.ok, result
    assert Ticket.all_objects.count() >= 3000
    admin = User.objects.get(email="admin@northwind.example")
    assert admin.role == "admin" and admin.is_staff and check_password(DEMO_PASSWORD, admin.password)
    assert "skipped" in run("load_demo_data").out  # not empty any more
    verified = run("verify_migration")
    assert verified.ok, verified


def test_load_demo_data_never_fills_a_configured_database(settings) -> None:  # type: ignore[no-untyped-def]
    settings.EMBEDDED_DATABASE = False
    result = run("load_demo_data")
    assert result.ok and "skipped" in result.out
    assert not Tenant.objects.exists()


def test_passwords_are_hashed_at_the_lowest_cpu_priority(source: Path, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    import os
    import threading

    from supportdesk.mockdata import loader

    priorities = []
    original = loader.make_password

    def observed(plain: str) -> str:
        priorities.append(os.getpriority(os.PRIO_PROCESS, threading.get_native_id()))
        return original(plain)

    monkeypatch.setattr(loader, "make_password", observed)
    assert run("migrate_mock_data", "--source", str(source)).ok
    # The hashes are needed only at the end: they must not take a core from the database's load.
    assert priorities and set(priorities) == {19}
    assert os.getpriority(os.PRIO_PROCESS, threading.get_native_id()) != 19  # only that thread
    user = User.all_objects.exclude(legacy_id=None).first()
    assert check_password(DEMO_PASSWORD, user.password)
