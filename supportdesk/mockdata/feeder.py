"""Reading the source in a child process, so Python parses while PostgreSQL ingests.

Parsing and normalising the JSON is pure Python on one core; writing it into the staging tables
is PostgreSQL's work on another. Done in one process they take turns. Here a forked reader
process walks the files in order (the same ``RecordReader``, so the same values, checks and
problems) and sends each entity's rows as ready ``COPY … FROM STDIN`` text in chunks of about a
megabyte, which the loader hands to ``copy.write`` unchanged.

Memory stays flat: the pipe between the processes holds one chunk at a time and the reader blocks
until it is taken, so at most a chunk is being built, one is in the pipe and one is being written.
Problems and group members are held per file, as before (bounded by what is wrong, and by groups).

The reader never touches the database (it inherits the connection's socket but does not use it,
and leaves with ``os._exit`` like every ``multiprocessing`` child). If the loader dies, the
reader's next send fails on the closed pipe and it exits; if the reader dies, the loader's next
receive fails and the run stops with an error before anything is written to the desk's tables.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import multiprocessing
import pickle
import traceback
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from multiprocessing.connection import Connection
from pathlib import Path
from typing import Any

from supportdesk.mockdata.reader import Problem, RecordReader, SourceUnreadable
from supportdesk.mockdata.spec import ENTITIES

CHUNK_BYTES = 1 << 20


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
    return "\t".join([copy_value(v) for v in values]) + "\n"


@dataclass
class FileRead:
    """What the reader found in one file besides its rows."""

    count: int
    problems: list[Problem]
    members: list[tuple[str | None, str, str]]  # (group id, tenant, user id)
    unreadable: Problem | None


class ReaderFailed(RuntimeError):
    """The reader process crashed or vanished: the staging is incomplete, nothing may be written."""


def _read(source: Path, out: Connection, loader_end: Connection) -> None:
    """The child: every entity's file, in ``ENTITIES`` order."""
    # The fork copied the loader's end of the pipe: without closing it here, the pipe would stay
    # open when the loader dies, and a full pipe would block this process forever.
    loader_end.close()
    try:
        for entity in ENTITIES:
            reader = RecordReader(entity, source)
            problems: list[Problem] = []
            members: list[tuple[str | None, str, str]] = []
            unreadable = None
            count, lines, size = 0, [], 0

            def tick(done: int, total: int) -> None:
                out.send(("progress", done, total))

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
                        out.send_bytes("".join(lines).encode())
                        lines, size = [], 0
            except SourceUnreadable as exc:
                unreadable = exc.problem
            if lines:
                out.send_bytes("".join(lines).encode())
            out.send(("end", FileRead(count, problems, members, unreadable)))
    except (BrokenPipeError, ConnectionResetError):  # the loader is gone: nobody to tell
        return
    except BaseException:
        with contextlib.suppress(OSError):
            out.send(("error", traceback.format_exc()))
    finally:
        out.close()


class Feed:
    """The loader's side: for each entity in order, its COPY chunks, then what else was found."""

    def __init__(self, source: Path) -> None:
        context = multiprocessing.get_context("fork")
        self._in, child_out = context.Pipe(duplex=False)
        self._process = context.Process(
            target=_read, args=(source, child_out, self._in), name="migrate-reader", daemon=True
        )
        self._process.start()
        child_out.close()  # only the child writes: its end closing is how we see it die

    def _recv(self) -> Any:
        try:
            return self._in.recv_bytes()
        except (EOFError, OSError):
            self._process.join(timeout=5)
            raise ReaderFailed(
                f"the source reader process ended unexpectedly (exit code {self._process.exitcode})"
            ) from None

    def entity(self, progress: Callable[[int, int], None] | None = None) -> Iterator[bytes | FileRead]:
        """Yield the next entity's COPY chunks (bytes); the last item is its ``FileRead``."""
        while True:
            data = self._recv()
            # Messages are pickles (b"\x80…"); COPY text starts with the row number, a digit.
            if data[:1] != b"\x80":
                yield data
                continue
            message = pickle.loads(data)
            if message[0] == "progress":
                if progress is not None:
                    progress(message[1], message[2])
            elif message[0] == "end":
                yield message[1]
                return
            else:
                raise ReaderFailed(f"the source reader failed:\n{message[1]}")

    def close(self) -> None:
        """Stop the reader (if still running) and wait for it: no process outlives the staging."""
        self._in.close()
        if self._process.is_alive():
            self._process.join(timeout=1)
        if self._process.is_alive():
            self._process.terminate()
            self._process.join()

    def __enter__(self) -> Feed:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
