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


def test_the_reader_stops_when_the_loader_goes_away(source: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(feeder, "CHUNK_BYTES", 100)
    feed = Feed(source)
    for item in feed.entity():
        assert not isinstance(item, FileRead) or item.count > 0
    feed._in.close()  # as if the loader had been killed: the reader's next send fails

    feed._process.join(timeout=10)

    assert feed._process.exitcode == 0


def test_the_reader_sends_what_the_in_process_reader_reads(source: Path) -> None:
    with Feed(source) as feed:
        chunks = []
        for item in feed.entity():
            if isinstance(item, FileRead):
                found = item
            else:
                chunks.append(item)
    rows = list(RecordReader(ENTITIES[0], source).rows())
    lines = b"".join(chunks).decode().splitlines()
    assert found.count == len(rows) == len(lines)
    for row, line in zip(rows, lines, strict=True):
        fields = line.split("\t")
        assert fields[2:4] == [row.values[2], row.values[3]]  # legacy id, tenant
        assert fields[-2:] == [row.values[-2], "t" if row.values[-1] else "f"]  # src_hash, valid
    assert multiprocessing.active_children() == []


def test_a_vanished_reader_is_an_error_not_a_short_source(
    source: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    original = RecordReader.row
    monkeypatch.setattr(RecordReader, "row", lambda self, r, i: time.sleep(0.01) or original(self, r, i))
    feed = Feed(source)
    feed._process.kill()
    feed._process.join()

    with pytest.raises(ReaderFailed, match="ended unexpectedly"):
        for _ in ENTITIES:
            for _ in feed.entity():
                pass
    feed.close()
