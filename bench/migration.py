"""Migration against its floor: ``migrate_mock_data`` vs. a COPY restore of exactly the rows it wrote.

Both load into a fresh database that ``manage.py migrate`` built (same indexes, constraints and
triggers). The floor is ``pg_dump --data-only`` of the tables the import filled, restored with
``psql`` (pgserver's PostgreSQL 16 client tools, the server's own version). Users and departments
reference each other, so no table order satisfies every foreign key during a plain COPY: the dump
disables triggers (foreign-key checks) while it loads; every index, UNIQUE and CHECK constraint
is in place. That makes the floor a little faster than a fully checked load — the ratio is
conservative. Peak RSS of each
command is its own (``os.wait4``), not the bench's.
"""

from __future__ import annotations

import os
import resource
import subprocess
import time
from typing import Any

from bench.pg import PYTHON, ROOT, Database, client_bin

WORK = ROOT / ".data" / "bench"


def timed(cmd: list[str], env: dict[str, str] | None = None, stdout: Any = None) -> dict[str, float]:
    """Run ``cmd``; its wall time and its own peak RSS (MiB). Raise with its output when it fails."""
    WORK.mkdir(parents=True, exist_ok=True)
    log = WORK / "command.log"
    with log.open("wb") as err:
        start = time.perf_counter()
        proc = subprocess.Popen(cmd, cwd=ROOT, env=env, stdout=stdout or err, stderr=err)
        _, status, usage = os.wait4(proc.pid, 0)
        seconds = time.perf_counter() - start
    proc.returncode = os.waitstatus_to_exitcode(status)
    if proc.returncode != 0:
        tail = log.read_text(errors="replace")[-3000:]
        raise RuntimeError(f"{' '.join(cmd[:4])} … exited {proc.returncode}\n{tail}")
    # ru_maxrss is in KiB on Linux.
    return {"seconds": round(seconds, 2), "peak_rss_mib": round(usage.ru_maxrss / 1024, 1)}


def _non_empty_tables(db: Database) -> set[str]:
    with db.connect() as conn:
        tables = [
            r[0]
            for r in conn.execute(
                "SELECT tablename FROM pg_tables WHERE schemaname = 'public' ORDER BY tablename"
            ).fetchall()
        ]
        return {t for t in tables if conn.execute(f'SELECT EXISTS (SELECT FROM "{t}")').fetchone()[0]}  # type: ignore[index]


def row_count(db: Database, tables: set[str]) -> int:
    with db.connect() as conn:
        return sum(int(conn.execute(f'SELECT count(*) FROM "{t}"').fetchone()[0]) for t in tables)  # type: ignore[index]


def run(server: dict[str, str], tickets: int) -> dict[str, Any]:
    from django.core.management import get_commands

    missing = {"generate_mock_data", "migrate_mock_data", "verify_migration"} - set(get_commands())
    if missing:
        return {"tickets": tickets, "skipped": f"commands not available yet: {', '.join(sorted(missing))}"}
    source = WORK / f"mock-{tickets}"
    result: dict[str, Any] = {"tickets": tickets}
    if not (source / "tickets.json").exists():
        result["generate"] = timed(
            [PYTHON, "manage.py", "generate_mock_data", "--out", str(source), "--tickets", str(tickets),
             "--tenants", "3", "--seed", "1"]
        )  # fmt: skip

    # Several interleaved pairs (import, then floor) on a shared machine: each pair's ratio cancels
    # most of the drift between them, and the median pair is the figure.
    runs = max(1, int(os.environ.get("BENCH_MIGRATION_RUNS", "3" if tickets < 1_000_000 else "1")))
    dump = WORK / f"floor-{tickets}.sql"
    pairs = []
    for i in range(runs):
        target = Database(server, "bench_migrate").recreate()
        target.migrate()
        baseline = _non_empty_tables(target)
        print(f"  migrate_mock_data ({tickets:,} tickets, run {i + 1} of {runs}) …", flush=True)
        checkpoint(target)
        migrate = timed([PYTHON, "manage.py", "migrate_mock_data", "--source", str(source)], env=target.env())
        if i == 0:
            tables = _non_empty_tables(target) - baseline
            result["rows"] = row_count(target, tables)
            with dump.open("wb") as out:
                timed(
                    [client_bin("pg_dump"), "--data-only", "--no-owner", "--disable-triggers",
                     *(f"--table=public.{t}" for t in sorted(tables)),
                     *_conn_args(target)],
                    stdout=out,
                )  # fmt: skip
        floor = Database(server, "bench_floor").recreate()
        floor.migrate()
        print(f"  floor: COPY restore of the same rows (run {i + 1} of {runs}) …", flush=True)
        checkpoint(floor)
        restore = timed(
            [client_bin("psql"), "-X", "-q", "-v", "ON_ERROR_STOP=1", "--single-transaction", "-f", str(dump),
             *_conn_args(floor)]
        )  # fmt: skip
        floor.drop()
        pairs.append((migrate, restore, round(migrate["seconds"] / restore["seconds"], 2)))
    dump.unlink()
    migrate, restore, ratio = sorted(pairs, key=lambda pair: pair[2])[len(pairs) // 2]
    result["migrate"] = {**migrate, "peak_rss_mib": max(pair[0]["peak_rss_mib"] for pair in pairs)}
    result["floor_restore"] = restore
    result["migrate_vs_floor"] = ratio
    result["runs"] = [
        {"migrate_seconds": m["seconds"], "floor_seconds": f["seconds"], "migrate_vs_floor": r}
        for m, f, r in pairs
    ]
    print("  verify_migration …", flush=True)
    result["verify"] = timed(
        [PYTHON, "manage.py", "verify_migration", "--source", str(source)], env=target.env()
    )
    result["verify_vs_migrate"] = round(result["verify"]["seconds"] / result["migrate"]["seconds"], 2)
    result["bench_self_peak_rss_mib"] = round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1)
    target.drop()
    return result


def checkpoint(db: Database) -> None:
    """Write out what earlier commands left dirty, so that no timed command pays for another's writes."""
    with db.connect(autocommit=True) as conn:
        conn.execute("CHECKPOINT")


def _conn_args(db: Database) -> list[str]:
    info = db.conninfo()
    args = ["-h", info["host"], "-U", info["user"], "-d", info["dbname"]]
    if "port" in info:
        args += ["-p", str(info["port"])]
    return args
