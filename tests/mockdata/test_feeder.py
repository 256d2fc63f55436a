"""The reader process: same rows and problems as reading in-process, and it never outlives a run."""

from __future__ import annotations

import json
import multiprocessing
import time
from pathlib import Path

import pytest

from supportdesk.mockdata import feeder
from supportdesk.mockdata.feeder import Feed, FileRead, ReaderFailed
from supportdesk.mockdata.loader import Migration
from supportdesk.mockdata.reader import RecordReader
from supportdesk.mockdata.spec import ENTITIES
from tests.mockdata.conftest import edit, fingerprint, record, run
from tickets.models import Ticket, TicketComment

pytestmark = pytest.mark.django_db

AWKWARD = "tab\there\nnew line\r\nback\\slash \\N \\. naïve ünïcode 🎫 \x7f end"


def test_copy_text_keeps_every_character(source: Path) -> None:
    cid = json.loads((source / "ticket_comments.json").read_text())[0]["id"]
    tid = json.loads((source / "tickets.json").read_text())[0]["id"]
    edit(source, "ticket_comments", lambda rs: record(rs, cid).update(body=AWKWARD))
    edit(source, "tickets", lambda rs: record(rs, tid).update(subject=AWKWARD[:60]))

    assert run("migrate_mock_data", "--source", str(source)).ok

    assert TicketComment.all_objects.get(legacy_id=cid).body == AWKWARD
    assert Ticket.all_objects.get(legacy_id=tid).subject == AWKWARD[:60]
    assert run("verify_migration", "--source", str(source)).ok
    before = fingerprint()
    assert run("migrate_mock_data", "--source", str(source)).ok
    assert fingerprint() == before  # the source hash of the awkward records is stable


def test_a_copy_line_writes_each_value_as_copy_value_does() -> None:
    # The line's fast path leaves plain strings as they are: only strings that need nothing escaped.
    values = ("plain", AWKWARD, "back\\slash", "\\N", "\x7f", "\u2028", "🎫", "", None, True, False, 7)
    assert feeder.copy_line(values) == "\t".join(feeder.copy_value(v) for v in values) + "\n"


def test_a_parse_error_after_several_chunks_is_reported_and_nothing_is_written(
    source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(feeder, "CHUNK_BYTES", 2000)  # many chunks reach the COPY before the error
    path = source / "ticket_comments.json"
    text = path.read_text()
    path.write_text(text[: len(text) * 3 // 4])
    before = fingerprint()

    result = run("migrate_mock_data", "--source", str(source))

    assert not result.ok
    assert "problem: ticket_comments.json: unreadable or truncated JSON after record" in result.err, result
    assert "nothing was written" in str(result.error)
    assert fingerprint() == before
    assert multiprocessing.active_children() == []


def test_a_crashing_reader_stops_the_run_and_leaves_no_process(
    source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    def crash(self: RecordReader, record: object, index: int) -> None:
        if self.entity.name == "tickets" and index == 5:
            raise MemoryError("simulated")

    original = RecordReader.row
    monkeypatch.setattr(RecordReader, "row", lambda self, r, i: crash(self, r, i) or original(self, r, i))
    before = fingerprint()

    with pytest.raises(ReaderFailed, match="MemoryError: simulated"):
        Migration(source=source).run()

    assert fingerprint() == before
    assert multiprocessing.active_children() == []


def test_the_readers_stop_when_the_loader_goes_away(source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feeder, "CHUNK_BYTES", 100)
    feed = Feed(source, readers=2)
    assert len(feed._processes) == 2
    next(iter(feed))
    for conn in feed._processes:
        conn.close()  # as if the loader had been killed: each reader's next send fails

    for process in feed._processes.values():
        process.join(timeout=10)
        assert process.exitcode == 0


@pytest.mark.parametrize("readers", [1, 2])
def test_the_readers_send_what_the_in_process_reader_reads(source: Path, readers: int) -> None:
    chunks: dict[str, list[bytes]] = {e.name: [] for e in ENTITIES}
    found: dict[str, FileRead] = {}
    with Feed(source, readers=readers) as feed:
        for kind, name, payload in feed:
            if kind == "rows":
                chunks[name].append(bytes(payload))
            elif kind == "end":
                found[name] = payload
    assert multiprocessing.active_children() == []
    for entity in ENTITIES:
        rows = list(RecordReader(entity, source).rows())
        lines = b"".join(chunks[entity.name]).decode().splitlines()
        assert found[entity.name].count == len(rows) == len(lines)
        assert found[entity.name].problems == [p for row in rows for p in row.problems]
        for row, line in zip(rows, lines, strict=True):
            fields = line.split("\t")
            assert fields[2:4] == [row.values[2], row.values[3]]  # legacy id, tenant
            assert fields[-2:] == [row.values[-2], "t" if row.values[-1] else "f"]  # src_hash, valid


def test_a_vanished_reader_is_an_error_not_a_short_source(
    source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = RecordReader.row
    monkeypatch.setattr(RecordReader, "row", lambda self, r, i: time.sleep(0.01) or original(self, r, i))
    feed = Feed(source)
    for process in feed._processes.values():
        process.kill()
        process.join()

    with pytest.raises(ReaderFailed, match="ended unexpectedly"):
        for _ in feed:
            pass
    feed.close()


def test_record_counts_are_estimated_from_the_first_megabyte(source: Path, tmp_path: Path) -> None:
    # A small file is counted exactly.
    tickets = json.loads((source / "tickets.json").read_text())
    assert feeder.estimated_records(source / "tickets.json") == len(tickets)
    # A large one is estimated from its head, close enough to share the work.
    big = tmp_path / "ticket_tags.json"
    big.write_text(
        json.dumps([{"id": f"tt_{i:06}", "tenantId": "t1", "ticketId": f"tkt_{i:06}"} for i in range(60_000)])
    )
    assert big.stat().st_size > 2 * feeder.SAMPLE_BYTES
    assert abs(feeder.estimated_records(big) - 60_000) < 600


def test_the_files_are_shared_by_cost_and_read_in_step_order(source: Path) -> None:
    shares = feeder.plan(source, 2)

    assert sorted(name for share in shares for name in share) == sorted(e.name for e in ENTITIES)
    assert not any({"tickets", "ticket_comments"} <= set(share) for share in shares)
    for share in shares:
        assert share == sorted(share, key=[e.name for e in ENTITIES].index)


def test_progress_is_shown_file_by_file_in_step_order(source: Path) -> None:
    result = run("migrate_mock_data", "--source", str(source))

    assert result.ok, result
    reading = [
        line.removeprefix("reading ") for line in result.out.splitlines() if line.startswith("reading ")
    ]
    assert reading == [e.name for e in ENTITIES]


@pytest.mark.parametrize(
    ("written", "instant"),
    [
        ("2026-01-24T20:47:00Z", "2026-01-24T20:47:00+00:00"),
        ("2026-01-24T22:47:00+02:00", "2026-01-24T20:47:00+00:00"),
        ("2026-01-24T15:17:00.250000-05:30", "2026-01-24T20:47:00.250000+00:00"),
        ("2026-01-24T20:47:00.5Z", "2026-01-24T20:47:00.500000+00:00"),
        ("2026-01-24T20:47:00", "2026-01-24T20:47:00+00:00"),  # no offset: UTC, as the old app stored
        ("2026-01-24 20:47:00+00:00", "2026-01-24T20:47:00+00:00"),
        ("20260124T204700Z", "2026-01-24T20:47:00+00:00"),
    ],
)
def test_every_accepted_timestamp_form_is_stored_as_the_instant_it_names(
    source: Path, written: str, instant: str
) -> None:
    tid = json.loads((source / "tickets.json").read_text())[0]["id"]
    edit(source, "tickets", lambda rs: record(rs, tid).update(createdAt=written, updatedAt=written))

    assert run("migrate_mock_data", "--source", str(source)).ok

    ticket = Ticket.all_objects.get(legacy_id=tid)
    assert ticket.created_at.isoformat() == instant
    assert ticket.updated_at == ticket.created_at
    assert run("verify_migration", "--source", str(source)).ok
