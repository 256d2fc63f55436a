"""`make bench`: migration vs. its floor, API latency at growing table sizes, framework overhead, load.

Scale: ``BENCH_TICKETS`` (default 100,000; ``1000000`` for the full run). Latency is measured at
every size of 10k / 100k / 1M up to it, on one desk that grows. Other knobs: ``BENCH_STAGES``
(``migration,latency,ablation,load``), ``BENCH_REPEAT`` (requests per endpoint),
``BENCH_LOAD_SECONDS``, ``BENCH_CLIENTS`` (32), ``BENCH_CACHE=database`` (default: a throwaway
Redis, the production cache), ``BENCH_MIGRATION_TICKETS`` (the migration data set's size; default
the scale, capped at 100k unless the scale is full), ``BENCH_MIGRATION_RUNS`` (import/floor pairs
per size: 3 below 1M, 1 at 1M; the median pair is reported). Every figure is also printed as a ratio to a
floor measured in the same run: latency to the bare ``SELECT 1`` round trip, the Django list to
the bare psycopg list, the migration to a COPY restore. Results go to
``bench/results/<scale>.json`` (and ``.md``) and the chart to ``docs/performance-latency.png``.
"""

from __future__ import annotations

import contextlib
import datetime
import json
import os
import platform
import random
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

from bench import ablation, app, dataset, measure, migration, report
from bench.pg import PYTHON, ROOT, Database, start_server
from bench.server import THREADS, WORKERS, gunicorn, redis

RESULTS = ROOT / "bench" / "results"
BENCH_USER = "agent7@big.bench"  # an agent of the big tenant, assigned ~2% of its tickets
SIZES = (10_000, 100_000, 1_000_000)
# The framework-overhead requests are taken BENCH_REPEAT times this many (each is a few ms).
OVERHEAD_ROUNDS = 10
LIST_PAGE = "/api/tickets?page=1&limit=10"


def env_int(name: str, default: int) -> int:
    return int(os.environ.get(name, default))


def machine() -> dict[str, Any]:
    cpu = ""
    with contextlib.suppress(OSError, StopIteration):
        cpu = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    mem_kib = 0
    with contextlib.suppress(OSError, ValueError, IndexError):
        mem_kib = int(Path("/proc/meminfo").read_text().split()[1])
    load = os.getloadavg()
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gib": round(mem_kib / 1024 / 1024, 1),
        "load_avg_at_start": [round(x, 2) for x in load],
        "python": platform.python_version(),
        "postgresql": "",
        "gunicorn": f"{WORKERS} workers x {THREADS} threads (gthread)",
        "kernel": platform.release(),
    }


def endpoints(db: Database) -> dict[str, str]:
    """Name -> path of every request measured, with ids picked from the data."""
    big = db.scalar("SELECT id FROM accounts_tenant WHERE slug = 'big'")
    # The big tenant's biggest company, group and category: the lists whose totals cost the most.
    company, group, category = (
        db.scalar(
            f"SELECT {column} FROM tickets_ticket WHERE tenant_id = %s AND {column} IS NOT NULL "
            "GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
            (big,),
        )
        for column in ("company_id", "group_id", "category_id")
    )
    # ... and the parent company with the most tickets.
    parent = db.scalar(
        "SELECT c.parent_id FROM tickets_ticket t JOIN companies_company c ON c.id = t.company_id "
        "WHERE t.tenant_id = %s AND c.parent_id IS NOT NULL GROUP BY 1 ORDER BY count(*) DESC LIMIT 1",
        (big,),
    )
    ticket_id, number = 0, 0
    with db.connect() as conn:
        row = conn.execute(
            "SELECT t.id, t.number FROM tickets_ticket t WHERE t.tenant_id = %s AND t.number %% 5 = 4 "
            "ORDER BY t.number DESC LIMIT 1",
            (big,),
        ).fetchone()
        if row:
            ticket_id, number = row
    t = "/api/tickets"
    nothing = dataset.filters_matching_nothing(db, big)
    apart = dataset.tag_and_group_never_together(db, big)
    # The 10,000th page where the big tenant has that many (1M); else its last full page.
    deep_page = max(
        1,
        min(
            9_999,
            int(db.scalar("SELECT count(*) FROM tickets_ticket WHERE tenant_id = %s", (big,)) or 0) // 10 - 1,
        ),
    )  # type: ignore[call-overload]
    return {
        "list page 1": f"{t}?page=1&limit=10",
        "status=open": f"{t}?status=open",
        "priority=urgent": f"{t}?priority=urgent",
        "assignedTo=me": f"{t}?assignedTo=me",
        "assignedTo=none": f"{t}?assignedTo=none",
        "tag popular": f"{t}?tag={dataset.POPULAR_TAG}",
        "tag rare": f"{t}?tag={dataset.RARE_TAG}",
        "company": f"{t}?company={company}",
        "group": f"{t}?group={group}",
        "q common word": f"{t}?q={dataset.COMMON_WORD}",
        "q rare word": f"{t}?q={dataset.RARE_WORD}",
        "q word common in comments": f"{t}?q={dataset.COMMENT_WORD}",
        "q common word, urgent": f"{t}?q={dataset.COMMON_WORD}&priority=urgent",
        "q word common in comments, urgent": f"{t}?q={dataset.COMMENT_WORD}&priority=urgent",
        "status+priority": f"{t}?status=open,pending&priority=high",
        "status+priority+tag": f"{t}?status=open,pending&priority=high&tag={dataset.POPULAR_TAG}",
        # Columns that go together (a team and its channel): estimated at thousands, none match.
        **({"group+status+channel, none match": f"{t}?{urlencode(nothing)}"} if nothing else {}),
        "offset page 5000": f"{t}?page=5000&limit=10",
        "cursor page 10000": f"cursor:{t}?page={deep_page}&limit=10",
        # Sorted by another column (the inbox's column headers): read along its index, as the cursor.
        "ordering=-updated_at": f"{t}?ordering=-updated_at",
        "ordering=priority": f"{t}?ordering=priority",
        "cursor page 10000 by priority": f"cursor:{t}?ordering=priority&page={deep_page}&limit=10",
        "cursor page 10000 by due date": f"cursor:{t}?ordering=due_at&page={deep_page}&limit=10",
        # By status, then last update: no index has that order; read a status at a time.
        "ordering=status,-updated_at": f"{t}?ordering=status,-updated_at",
        "ordering=-priority,created_at, unassigned": f"{t}?ordering=-priority,created_at&assignedTo=none",
        "cursor page 10000 by status, update": (
            f"cursor:{t}?ordering=status,-updated_at&page={deep_page}&limit=10"
        ),
        "ticket detail": f"{t}/{ticket_id}",
        "ticket thread": f"{t}/{ticket_id}/comments",
        "contacts list": "/api/contacts?page=1&limit=10",
        "inbox (HTML)": "/tickets",
        **(
            {"inbox (HTML), a tag and a team that never meet": f"/tickets?{urlencode(apart)}"}
            if apart
            else {}
        ),
        "ticket page (HTML)": f"/tickets/{number}",
        "dashboard (HTML)": "/dashboard",
        # The first request after a ticket write, when the cached totals are stale.
        "list page 1 after a write": f"afterwrite:{t}?page=1&limit=10",
        "status=open after a write": f"afterwrite:{t}?status=open",
        "tag popular after a write": f"afterwrite:{t}?tag={dataset.POPULAR_TAG}",
        "status+priority+tag after a write": (
            f"afterwrite:{t}?status=open,pending&priority=high&tag={dataset.POPULAR_TAG}"
        ),
        "company after a write": f"afterwrite:{t}?company={company}",
        "parent company after a write": f"afterwrite:{t}?parent_company={parent}",
        "channel after a write": f"afterwrite:{t}?channel=email",
        "group after a write": f"afterwrite:{t}?group={group}",
        "group unassigned after a write": f"afterwrite:{t}?group={group}&assignedTo=none",
        "category+status after a write": f"afterwrite:{t}?category={category}&status=open,pending",
        "q common word after a write": f"afterwrite:{t}?q={dataset.COMMON_WORD}",
        "q word common in comments after a write": f"afterwrite:{t}?q={dataset.COMMENT_WORD}",
        "q common word, urgent, after a write": f"afterwrite:{t}?q={dataset.COMMON_WORD}&priority=urgent",
        "q word common in comments, urgent, after a write": (
            f"afterwrite:{t}?q={dataset.COMMENT_WORD}&priority=urgent"
        ),
        # Full text with two more filters: a company and a priority; a popular tag and a priority.
        "q common word, company, low, after a write": (
            f"afterwrite:{t}?q={dataset.COMMON_WORD}&company={company}&priority=low"
        ),
        "q word common in comments, tag popular, high, after a write": (
            f"afterwrite:{t}?q={dataset.COMMENT_WORD}&tag={dataset.POPULAR_TAG}&priority=high"
        ),
        # An agent's own tickets about a word their comments use.
        "q word common in comments, mine, after a write": (
            f"afterwrite:{t}?q={dataset.COMMENT_WORD}&assignedTo=me"
        ),
        # The worst case of the rows above: the new ticket is in the list, its text holding the words.
        "q common word after a new ticket in the list": f"afterlisted:{t}?q={dataset.COMMON_WORD}",
        "q word common in comments after a new ticket in the list": (
            f"afterlisted:{t}?q={dataset.COMMENT_WORD}"
        ),
        "q word common in comments, mine, after a new ticket in the list": (
            f"afterlisted:{t}?q={dataset.COMMENT_WORD}&assignedTo=me"
        ),
        "q word common in comments, tag popular, high, after a new ticket in the list": (
            f"afterlisted:{t}?q={dataset.COMMENT_WORD}&tag={dataset.POPULAR_TAG}&priority=high"
        ),
        "q word common in comments, mine, after another ticket's priority change": (
            f"afterpriority:{t}?q={dataset.COMMENT_WORD}&assignedTo=me"
        ),
        "status=open after another ticket's priority change": f"afterpriority:{t}?status=open",
    }


def endpoints_ticket(db: Database) -> str:
    """The ticket the detail rows read (and the after-a-write rows change)."""
    return endpoints(db)["ticket detail"].rsplit("/", 1)[-1]


def resolve(client: measure.Client, path: str) -> str:
    """``cursor:<path>``: the next_cursor of ``path`` (an untimed OFFSET request) as a cursor URL.

    The cursor URL keeps the path's other parameters (its ordering, its filters), as a client must.
    """
    if not path.startswith("cursor:"):
        return path
    offset_path = path.removeprefix("cursor:")
    status, body, _ = client.request("GET", offset_path)
    if status != 200:
        raise measure.BadResponse(f"{path} -> {status}: {body[:200]!r}")
    cursor = json.loads(body)["pagination"]["next_cursor"]
    base, _, query = offset_path.partition("?")
    kept = [part for part in query.split("&") if part and not part.startswith("page=")]
    return f"{base}?{'&'.join([*kept, f'cursor={cursor}'])}"


def latency_at(
    db: Database,
    size: int,
    headers: dict[str, str],
    ports: dict[str, int],
    repeat: int,
) -> dict[str, Any]:
    """Every endpoint's latency through the app; the floors beside it (``ports``: app, bare, django)."""
    client = measure.Client(ports["app"], headers)
    bare = measure.Client(ports["bare"], {"Authorization": headers["Authorization"]})
    floor = measure.latency(bare, "/ping", repeat * 2)
    # Framework overhead: the list and its floors in turn, many rounds (they are cheap), so their
    # ratios see the same machine. The bare handler runs the page's statements alone, and every
    # statement Django ran (the token's lookup too), prepared after the fifth time as psycopg does
    # by default, or parsed and planned every time as Django's cursor has them; Django alone runs
    # the same through Django.
    token = {"Authorization": headers["Authorization"]}
    targets = {
        "list": (client, LIST_PAGE),
        "bare_list": (bare, "/tickets"),
        "bare_same_sql": (bare, "/tickets/same-sql"),
        "bare_planned": (bare, "/tickets/same-sql-planned"),
        "django_floor": (measure.Client(ports["django"], token), "/bench/floor"),
    }
    same_json(targets)
    overhead = measure.interleaved(targets, repeat * OVERHEAD_ROUNDS)
    out: dict[str, Any] = {"floor_ping": floor, **overhead}
    rows: dict[str, Any] = {}
    ticket = endpoints_ticket(db)

    requester = json.loads(client.request("GET", f"/api/tickets/{ticket}")[1])["requester"]

    def new_ticket(i: int) -> tuple[str, str, bytes]:
        # A new ticket, as most arrive: unassigned, untagged, new, of medium priority, about none
        # of the words searched. It changes the total of every list it could be in: every list
        # not filtered by another value of those (a list of open tickets, an agent's own) or by
        # words it does not hold counts again.
        body = json.dumps({"subject": f"Bench write {i}", "requester": requester}).encode()
        return "POST", "/api/tickets", body

    mine = json.loads(client.request("GET", "/api/tickets?assignedTo=me&limit=1")[1])["data"][0]["assignee"]

    def listed_ticket(i: int) -> tuple[str, str, bytes]:
        # A new ticket in the lists of the rows that write it: the agent's, tagged, of high priority,
        # about the words they search.
        fields = {"assignee": mine, "tags": [dataset.POPULAR_TAG], "priority": "high"}
        subject = f"Bench write {i}: {dataset.COMMON_WORD} {dataset.COMMENT_WORD}"
        body = json.dumps({"subject": subject, "requester": requester, **fields}).encode()
        return "POST", "/api/tickets", body

    def priority_change(i: int) -> tuple[str, str, bytes]:
        # Another priority each time: only the totals of lists filtered by priority are stale.
        body = json.dumps({"priority": ("high", "low")[i % 2]}).encode()
        return "PATCH", f"/api/tickets/{ticket}", body

    writes = {"afterwrite:": new_ticket, "afterlisted:": listed_ticket, "afterpriority:": priority_change}
    for name, path in endpoints(db).items():
        try:
            prefix = next((prefix for prefix in writes if path.startswith(prefix)), None)
            if prefix is not None:
                real = path.removeprefix(prefix)
                rows[name] = {"path": real, **measure.latency(client, real, repeat, write=writes[prefix])}
            else:
                real = resolve(client, path)
                rows[name] = {"path": real, **measure.latency(client, real, repeat)}
            rows[name]["x_floor_p95"] = round(rows[name]["p95_ms"] / floor["p50_ms"], 1)
        except (measure.BadResponse, KeyError, ValueError, TypeError) as exc:
            rows[name] = {"path": path, "error": str(exc)[:300]}
        line = rows[name]
        if "error" in line:
            print(f"  {size:>9,}  {name:<22} ERROR {line['error'][:90]}", flush=True)
        else:
            print(
                f"  {size:>9,}  {name:<22} p50 {line['p50_ms']:7.1f}  p95 {line['p95_ms']:7.1f}  "
                f"p99 {line['p99_ms']:7.1f} ms  = {line['x_floor_p95']:6.1f}x floor",
                flush=True,
            )
    out["endpoints"] = rows
    listed, same, page, planned, django = (
        out[k]["p95_ms"] for k in ("list", "bare_same_sql", "bare_list", "bare_planned", "django_floor")
    )
    # The measure: the same SQL (every statement the app ran), the same JSON.
    out["framework_overhead_p95"] = round(listed / same, 2)
    out["framework_overhead_page_sql_p95"] = round(listed / page, 2)
    out["framework_overhead_planned_p95"] = round(listed / planned, 2)
    out["django_floor_vs_bare_p95"] = round(django / same, 2)
    print(
        f"  {size:>9,}  framework overhead, p95 of {out['list']['n']} rounds: the list {listed:.1f} ms, "
        f"bare psycopg {same:.1f} ms (the page's SQL alone {page:.1f} ms, planned every time "
        f"{planned:.1f} ms), Django alone {django:.1f} ms; "
        f"Django+DRF / bare = {out['framework_overhead_p95']}x (the page's SQL alone: "
        f"{out['framework_overhead_page_sql_p95']}x, planned every time: "
        f"{out['framework_overhead_planned_p95']}x); Django alone / bare = "
        f"{out['django_floor_vs_bare_p95']}x; floor (SELECT 1 round trip) p50 {floor['p50_ms']:.2f} ms",
        flush=True,
    )
    return out


def same_json(targets: dict[str, tuple[measure.Client, str]]) -> None:
    """Stop unless every floor answers what the app answers for the list, byte for byte."""
    answers: dict[str, bytes] = {}
    for name, (client, path) in targets.items():
        status, body, _ = client.request("GET", path)
        if status != 200:
            raise measure.BadResponse(f"GET {path} -> {status}: {body[:300]!r}")
        answers[name] = body
    for name, answer in answers.items():
        if answer != answers["list"]:
            raise RuntimeError(f"the {name} floor does not answer the list's JSON: {answer[:300]!r}")


def explain_plans(db: Database, size: int) -> dict[str, Any]:
    """Per endpoint: query count, and the slowest statement with its EXPLAIN (ANALYZE, BUFFERS)."""
    plans: dict[str, Any] = {}
    text = []
    for name, path in endpoints(db).items():
        if path.startswith(("cursor:", "afterwrite:", "afterlisted:", "afterpriority:")) or "(HTML)" in name:
            continue
        try:
            statements = app.captured_sql(BENCH_USER, path)
        except Exception as exc:
            plans[name] = {"error": str(exc)[:300]}
            continue
        slowest = max(statements, key=lambda s: s["ms"])
        plans[name] = {"queries": len(statements), "slowest_ms": slowest["ms"]}
        text.append(f"### {name} ({size:,} tickets): {len(statements)} queries\n{slowest['sql']}\n")
        text.append(app.explain(db, slowest["sql"]) + "\n")
    (RESULTS / f"explain-{size}.txt").write_text("\n".join(text))
    return plans


def load_test(db: Database, port: int, headers: dict[str, str], seconds: int, clients: int) -> dict[str, Any]:
    """70% lists, 20% details, 10% writes (comments, each counted back from the database after)."""
    big = db.scalar("SELECT id FROM accounts_tenant WHERE slug = 'big'")
    with db.connect() as conn:
        ids = [
            str(r[0])
            for r in conn.execute(
                "SELECT id FROM tickets_ticket WHERE tenant_id = %s ORDER BY random() LIMIT 500", (big,)
            ).fetchall()
        ]
    lists = [p for n, p in endpoints(db).items() if p.startswith("/api/tickets?") and "q " not in n]
    marker = f"bench-load-{uuid.uuid4().hex[:12]}"

    def action(rng: random.Random) -> measure.Action:
        roll = rng.random()
        if roll < 0.7:
            return "list", "GET", rng.choice(lists), None
        if roll < 0.9:
            return "detail", "GET", f"/api/tickets/{rng.choice(ids)}", None
        body = json.dumps({"body": f"{marker} reply {rng.random()}", "is_internal": False}).encode()
        return "write", "POST", f"/api/tickets/{rng.choice(ids)}/comments", body

    res = measure.load(port, headers, action, clients, seconds)
    stored = int(
        db.scalar("SELECT count(*) FROM tickets_ticketcomment WHERE body LIKE %s", (marker + "%",)) or 0  # type: ignore[call-overload]
    )
    out = {
        "clients": clients,
        "seconds": round(res.seconds, 1),
        "requests": res.requests,
        "throughput_rps": round(res.requests / res.seconds, 1),
        "errors": res.errors,
        "error_samples": res.error_samples[:5],
        "writes_acknowledged": res.writes_ok,
        "writes_stored": stored,
        "lost_writes": res.writes_ok - stored,
        "by_kind": {k: measure.summary(v) for k, v in res.by_kind.items()},
    }
    all_samples = [s for v in res.by_kind.values() for s in v]
    out["all"] = measure.summary(all_samples)
    return out


def write_chart(results: dict[str, Any]) -> None:
    from bench.png import line_chart

    # Per kind of request (each against its target), the slowest and the median p95 at each size:
    # fifty lines, one per request, made a legend nobody could read; the tables have each request.
    series: dict[str, list[tuple[float, float]]] = {}
    for size, run in sorted(results.get("latency", {}).items(), key=lambda kv: int(kv[0])):
        kinds: dict[str, list[float]] = {}
        for name, row in run["endpoints"].items():
            if "p95_ms" in row:
                kind = (
                    "HTML pages"
                    if "(HTML)" in name
                    else "full text"
                    if name.startswith("q ")
                    else "lists and detail"
                )
                kinds.setdefault(kind, []).append(row["p95_ms"])
        for kind, p95s in sorted(kinds.items()):
            p95s.sort()
            series.setdefault(f"{kind}: slowest of {len(p95s)}", []).append((int(size), p95s[-1]))
            series.setdefault(f"{kind}: median", []).append((int(size), p95s[len(p95s) // 2]))
        bare = run.get("bare_same_sql", run["bare_list"])
        series.setdefault("bare psycopg list (same SQL)", []).append((int(size), bare["p95_ms"]))
    if series:
        line_chart(
            ROOT / "docs" / "performance-latency.png", "p95 latency vs table size, by kind of request", series
        )


def code_version() -> str:
    """The checkout's commit, with ``+changes`` when tracked code differs from it (the bench's own
    result files aside)."""

    def git(*args: str) -> str:
        return subprocess.run(["git", *args], cwd=ROOT, capture_output=True, text=True).stdout.rstrip()

    changed = [
        line[3:]
        for line in git("status", "--porcelain", "--untracked-files=no").splitlines()
        if not line[3:].startswith(("bench/results/", "docs/performance-latency.png"))
    ]
    return git("rev-parse", "--short", "HEAD") + ("+changes" if changed else "")


def main() -> int:
    with redis(ROOT / ".data" / "bench") as redis_url:
        if redis_url:
            os.environ["REDIS_URL"] = redis_url
        return run(cache_backend="redis" if redis_url else "database")


def run(cache_backend: str) -> int:
    tickets = env_int("BENCH_TICKETS", 100_000)
    stages = set(os.environ.get("BENCH_STAGES", "migration,latency,ablation,load").split(","))
    repeat = env_int("BENCH_REPEAT", 30)
    RESULTS.mkdir(parents=True, exist_ok=True)
    server = start_server()
    results: dict[str, Any] = {
        "started_at": datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds"),
        "scale": tickets,
        "machine": {**machine(), "cache": cache_backend},
        "git": code_version(),
    }
    # BENCH_DESK_DB: measure a desk database filled earlier (by this bench) as it is, at its size.
    reuse = os.environ.get("BENCH_DESK_DB", "")
    desk = Database(server, reuse or "bench_desk")
    app.setup(desk)

    from django.core.cache import cache

    if "migration" in stages:
        sizes = [tickets] if tickets < 1_000_000 else [100_000, tickets]
        sizes = [env_int("BENCH_MIGRATION_TICKETS", s) for s in sizes]
        results["migration"] = []
        for size in sizes:
            print(f"== migration at {size:,} tickets", flush=True)
            run = migration.run(server, size)
            results["migration"].append(run)
            print("  " + json.dumps(run), flush=True)

    if stages & {"latency", "ablation", "load"}:
        if reuse:
            desk.migrate()
            sizes = [dataset.ticket_count(desk)]
        else:
            desk.recreate()
            desk.migrate()
            dataset.seed(desk)
            sizes = sorted({s for s in SIZES if s <= tickets} | {tickets})
        results["machine"]["postgresql"] = str(desk.scalar("SHOW server_version"))
        headers = app.auth_headers(BENCH_USER)
        results["latency"] = {}
        results["explain"] = {}
        for i, size in enumerate(sizes):
            print(f"== desk at {size:,} tickets", flush=True)
            if not reuse:
                start = time.perf_counter()
                dataset.grow(desk, size)
                # The fill writes around the triggers, which keep the live ticket counts.
                subprocess.run([PYTHON, "manage.py", "recount_tickets"], cwd=ROOT, env=desk.env(), check=True)
                desk.vacuum_analyze()
                # The fill writes around the services, which are what invalidates cached totals.
                cache.clear()
                print(f"  filled in {time.perf_counter() - start:.0f} s", flush=True)
            bare_sql = RESULTS / "bare-sql.json.tmp"
            statements, listed = app.captured(BENCH_USER, LIST_PAGE, headers)
            page_sql = app.data_sql(statements)
            sign_in = [sql for sql in app.request_sql(statements) if sql not in page_sql]
            config = app.page_json_config(listed)
            bare_sql.write_text(json.dumps({"sign_in": sign_in, "page": page_sql, "json": config}))
            dsn = " ".join(f"{k}={v}" for k, v in desk.conninfo().items())
            bare_env = dict(os.environ, BENCH_BARE_DSN=dsn,
                            BENCH_BARE_SQL=str(bare_sql))  # fmt: skip
            with (
                gunicorn("bench.bare:application", bare_env, "/ping") as bare_port,
                gunicorn(
                    "bench.django_floor:application",
                    desk.env(**app.BENCH_ENV, BENCH_BARE_SQL=str(bare_sql)),
                    "/healthz",
                ) as django_port,
                gunicorn(
                    "supportdesk.wsgi:application", desk.env(**app.BENCH_ENV), "/admin/login/"
                ) as app_port,
            ):
                ports = {"app": app_port, "bare": bare_port, "django": django_port}
                if "latency" in stages:
                    results["latency"][str(size)] = latency_at(desk, size, headers, ports, repeat)
                    results["explain"][str(size)] = explain_plans(desk, size)
                if "ablation" in stages and i == len(sizes) - 1:
                    print(f"== what each optimisation bought, at {size:,} tickets", flush=True)
                    results["ablation"] = {"tickets": size, "rows": ablation.run(desk, BENCH_USER)}
                if "load" in stages and i == len(sizes) - 1:
                    print(f"== load: {env_int('BENCH_CLIENTS', 32)} clients at {size:,} tickets", flush=True)
                    results["load"] = {
                        "tickets": size,
                        **load_test(
                            desk,
                            app_port,
                            headers,
                            env_int("BENCH_LOAD_SECONDS", 20),
                            env_int("BENCH_CLIENTS", 32),
                        ),
                    }
                    print(
                        "  " + json.dumps({k: v for k, v in results["load"].items() if k != "by_kind"}),
                        flush=True,
                    )
            bare_sql.unlink()

    # Each stage runs the code as it is when its processes start: a run whose checkout moved
    # measured more than one version, and says so.
    at_end = code_version()
    if at_end != results["git"]:
        results["git_at_end"] = at_end
    name = "full" if tickets >= 1_000_000 else "quick"
    out = RESULTS / f"{name}.json"
    out.write_text(json.dumps(results, indent=2) + "\n")
    (RESULTS / f"{name}.md").write_text(report.render(results))
    write_chart(results)
    print(f"results: {out.relative_to(ROOT)}", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
