"""Reading the source in child processes, so Python parses while PostgreSQL ingests.

Parsing and normalising the JSON is pure Python on one core; writing it into the staging tables
is PostgreSQL's work on another. Done in one process they take turns. Here forked reader
processes (two, for two cores) share the files, balanced by estimated cost, and each reads its
files in step order with the same ``RecordReader`` (so the same values, checks and problems). They send
each entity's rows as ready ``COPY … FROM STDIN`` text in chunks of about a megabyte, which the
loader hands to ``copy.write`` unchanged, as soon as any reader has one.

Memory stays flat: a pipe holds one chunk at a time and its reader blocks until it is taken, so per
reader at most a chunk is being built, one is in the pipe, and the loader writes one. Problems and
group members are held per file, as before (bounded by what is wrong, and by groups).

The readers never touch the database: they close their inherited copies of its sockets (the
file descriptors only, without a word to the server, so the loader's session is unaffected) and
leave with ``os._exit`` like every ``multiprocessing`` child. If the loader is killed, its socket
is then really closed and PostgreSQL rolls its transaction back at once; a reader's next send
fails on the closed pipe and it exits. If a reader dies, the loader's next receive fails and the
run stops with an error before anything is written to the desk's tables.
"""

from __future__ import annotations

import codecs
import contextlib
import datetime
import io
import json
import multiprocessing
import multiprocessing.connection
import os
import pickle
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

import ijson
from django.db import connections

from supportdesk.mockdata.reader import Problem, RecordReader, SourceUnreadable
from supportdesk.mockdata.spec import BY_NAME, ENTITIES, ORDER, STEPS

CHUNK_BYTES = 1 << 20
# Two readers keep both cores busy next to PostgreSQL's ingest; more only compete for them.
READERS = min(2, os.cpu_count() or 1)


def _text(value: str) -> str:
    # COPY text format: backslash, tab, newline and carriage return are escaped.
    if "\\" in value:
        value = value.replace("\\", "\\\\")
    if "\t" in value:
        value = value.replace("\t", "\\t")
    if "\n" in value:
        value = value.replace("\n", "\\n")
    if "\r" in value:
        value = value.replace("\r", "\\r")
    return value


def _json(value: Any) -> str:
    return _text(json.dumps(value, default=str))


FORMATS: dict[type, Callable[[Any], str]] = {
    str: _text,
    bool: lambda v: "t" if v else "f",
    int: str,
    datetime.datetime: datetime.datetime.isoformat,
    dict: _json,
    list: _json,
    type(None): lambda v: "\\N",
}


def copy_value(value: Any) -> str:
    """``value`` as a field of a COPY text row (what ``copy.write_row`` would send)."""
    if value is None:
        return "\\N"
    fmt = FORMATS.get(type(value))
    if fmt is not None:
        return fmt(value)
    if isinstance(value, str):  # TextChoices defaults and other str subclasses
        return _text(str.__str__(value))
    if isinstance(value, bool):
        return "t" if value else "f"
    return _text(str(value))  # UUIDs


def copy_line(values: tuple[Any, ...]) -> str:
    get = FORMATS.get
    # Most values are plain strings that need no escaping: a printable string holds no tab,
    # newline or carriage return, so only a backslash is left to look for (two C calls, no Python
    # call per value).
    return (
        "\t".join(
            [
                v if type(v) is str and "\\" not in v and v.isprintable() else get(type(v), copy_value)(v)
                for v in values
            ]
        )
        + "\n"
    )


@dataclass
class FileRead:
    """What the reader found in one file besides its rows."""

    count: int
    problems: list[Problem]
    members: list[tuple[str | None, str, str]]  # (group id, tenant, user id)
    unreadable: Problem | None


class ReaderFailed(RuntimeError):
    """The reader process crashed or vanished: the staging is incomplete, nothing may be written."""


def _read(
    source: Path, names: list[str], out: Connection, loader_ends: list[Connection], sockets: list[int]
) -> None:
    """A child: the files of ``names``, in that order. Chunks start with the entity's index byte."""
    # The fork copied the loader's ends of the pipes: without closing them here, a pipe would stay
    # open when the loader dies, and a full pipe would block this process forever.
    for end in loader_ends:
        end.close()
    # It copied the database sockets too. Closing our copies (without a word to the server) makes
    # a killed loader's socket close at once, so PostgreSQL rolls its transaction back at once.
    for fd in sockets:
        with contextlib.suppress(OSError):
            os.close(fd)
    try:
        for name in names:
            tag = bytes([ORDER[name]])
            reader = RecordReader(BY_NAME[name], source)
            problems: list[Problem] = []
            members: list[tuple[str | None, str, str]] = []
            unreadable = None
            count, lines, size = 0, [], 0

            def tick(done: int, total: int, name: str = name) -> None:
                out.send(("progress", name, done, total))

            try:
                for row in reader.rows(tick):
                    count += 1
                    problems.extend(row.problems)
                    if not row.values:
                        continue
                    line = copy_line(row.values)
                    lines.append(line)
                    size += len(line)
                    if row.members:
                        members.extend((row.legacy_id, row.values[3], user) for user in row.members)
                    if size >= CHUNK_BYTES:
                        out.send_bytes(tag + "".join(lines).encode())
                        lines, size = [], 0
            except SourceUnreadable as exc:
                unreadable = exc.problem
            if lines:
                out.send_bytes(tag + "".join(lines).encode())
            out.send(("end", name, FileRead(count, problems, members, unreadable)))
        out.send(("done",))
    except (BrokenPipeError, ConnectionResetError):  # the loader is gone: nobody to tell
        return
    except BaseException:
        with contextlib.suppress(OSError):
            out.send(("error", traceback.format_exc()))
    finally:
        out.close()


# What reading a file costs a reader, measured on generated exports (see estimated_cost).
SECONDS_PER_RECORD = 5.3e-6
SECONDS_PER_BYTE = 28e-3 / (1 << 20)
SECONDS_PER_ATTACHED_FILE = 45e-6  # each attachment's file is opened and hashed
SAMPLE_BYTES = 1 << 20


def estimated_records(path: Path) -> int:
    """How many records ``path`` holds, from how many start in its first megabyte."""
    size = path.stat().st_size
    with path.open("rb") as handle:
        head = handle.read(SAMPLE_BYTES)
    records = 0
    # An estimate: whatever is wrong with the file, its reader reports it.
    with contextlib.suppress(ijson.JSONError, ijson.IncompleteJSONError, UnicodeDecodeError):
        for _ in ijson.items(io.BytesIO(head.removeprefix(codecs.BOM_UTF8)), "item"):
            records += 1
    if len(head) >= size or records == 0:
        return records
    return round(records * size / len(head))


def estimated_cost(source: Path, name: str) -> float:
    """Seconds of a reader's time for one file: per record (checks, hash, COPY text) and per byte."""
    path = source / BY_NAME[name].file
    if not path.is_file():
        return 0.0
    records = estimated_records(path)
    per_record = SECONDS_PER_RECORD + (SECONDS_PER_ATTACHED_FILE if name == "attachments" else 0.0)
    return records * per_record + path.stat().st_size * SECONDS_PER_BYTE


def plan(source: Path, readers: int) -> list[list[str]]:
    """The entities each reader reads (in step order), balanced by estimated cost, costliest first.

    Bytes alone mislead: 75 MB of comments are 2.7 times as many records as 75 MB of tickets,
    and a record costs more than its bytes.
    """
    costs = {entity.name: estimated_cost(source, entity.name) for entity in ENTITIES}
    shares: list[list[str]] = [[] for _ in range(max(1, readers))]
    loads = [0.0] * len(shares)
    for name in sorted(costs, key=lambda n: -costs[n]):
        least = loads.index(min(loads))
        shares[least].append(name)
        loads[least] += costs[name]
    return [sorted(share, key=ORDER.__getitem__) for share in shares if share]


Item = tuple[str, str, Any]


class Feed:
    """The loader's side of the readers: their messages, as each arrives.

    Iterating yields ``("rows", entity, COPY text)``, ``("progress", entity, (done, total))`` and,
    once per entity, ``("end", entity, FileRead)``. Chunks of different entities interleave; each
    is whole lines, so each can be its own ``COPY``.
    """

    def __init__(self, source: Path, readers: int = READERS) -> None:
        context = multiprocessing.get_context("fork")
        self._processes: dict[Connection, Any] = {}
        self._done: set[Connection] = set()
        shares = plan(source, readers)
        sockets = [
            conn.connection.fileno()
            for conn in connections.all(initialized_only=True)
            if conn.connection is not None and not conn.connection.closed
        ]
        pipes = [context.Pipe(duplex=False) for _ in shares]
        loader_ends = [inbound for inbound, _ in pipes]
        for share, (inbound, outbound) in zip(shares, pipes, strict=True):
            process = context.Process(
                target=_read,
                args=(source, share, outbound, loader_ends, sockets),
                name=f"migrate-reader-{len(self._processes)}",
                daemon=True,
            )
            process.start()
            outbound.close()  # only the child writes: its end closing is how we see it die
            self._processes[inbound] = process

    def __iter__(self) -> Iterator[Item]:
        open_ = [conn for conn in self._processes if conn not in self._done]
        while open_:
            for conn in multiprocessing.connection.wait(open_):
                assert isinstance(conn, Connection)
                try:
                    data = conn.recv_bytes()
                except (EOFError, OSError):
                    process = self._processes[conn]
                    process.join(timeout=5)
                    raise ReaderFailed(
                        f"a source reader process ended unexpectedly (exit code {process.exitcode})"
                    ) from None
                # Messages are pickles (b"\x80…"); a chunk starts with its entity's index (< 0x80).
                if data[:1] != b"\x80":
                    yield "rows", STEPS[data[0]], memoryview(data)[1:]
                    continue
                message = pickle.loads(data)
                if message[0] == "progress":
                    yield "progress", message[1], (message[2], message[3])
                elif message[0] == "end":
                    yield "end", message[1], message[2]
                elif message[0] == "done":
                    self._done.add(conn)
                    open_.remove(conn)
                else:
                    raise ReaderFailed(f"the source reader failed:\n{message[1]}")

    def close(self) -> None:
        """Stop the readers (if still running) and wait for them: no process outlives the staging."""
        for conn, process in self._processes.items():
            conn.close()
            if process.is_alive():
                process.join(timeout=1)
            if process.is_alive():
                process.terminate()
                process.join()

    def __enter__(self) -> Feed:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
