"""Markdown tables of a bench run (``python -m bench.report bench/results/full.json``)."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any


def _size(n: int | str) -> str:
    n = int(n)
    return f"{n // 1_000_000}M" if n >= 1_000_000 else f"{n // 1000}k"


def latency_table(results: dict[str, Any]) -> str:
    runs = sorted(results.get("latency", {}).items(), key=lambda kv: int(kv[0]))
    if not runs:
        return ""
    sizes = [size for size, _ in runs]
    head = "| request | " + " | ".join(f"p50 / p95 / p99 at {_size(s)} (ms)" for s in sizes)
    head += f" | p95 / floor at {_size(sizes[-1])} |"
    lines = [head, "|---" * (len(sizes) + 2) + "|"]
    names = list(runs[-1][1]["endpoints"])
    for name in names:
        cells = []
        for _, run in runs:
            row = run["endpoints"].get(name, {})
            cells.append(
                f"{row['p50_ms']:.1f} / {row['p95_ms']:.1f} / {row['p99_ms']:.1f}"
                if "p95_ms" in row
                else "error"
            )
        last = runs[-1][1]["endpoints"].get(name, {})
        lines.append(f"| {name} | " + " | ".join(cells) + f" | {last.get('x_floor_p95', '-')}x |")

    def timings(key: str) -> str:
        return " | ".join(
            "{p50_ms:.1f} / {p95_ms:.1f} / {p99_ms:.1f}".format(**run[key]) if key in run else "-"
            for _, run in runs
        )

    def ratio(key: str) -> str:
        return " | ".join(f"{run[key]}x" if key in run else "-" for _, run in runs)

    rows = [
        ("*the list, taken in turn with the floors below*", timings("list")),
        (
            "*bare psycopg list, same SQL (the token's lookup and the page), same JSON*",
            timings("bare_same_sql"),
        ),
        ("*bare psycopg list, the page's SQL alone*", timings("bare_list")),
        (
            "*bare psycopg list, same SQL, parsed and planned on every request as the app's are*",
            timings("bare_planned"),
        ),
        (
            "*Django alone: its middleware, the token's lookup, the page's SQL, the same JSON*",
            timings("django_floor"),
        ),
    ]
    lines += [f"| {name} | {cells} | |" for name, cells in rows]
    floor = " | ".join(f"{run['floor_ping']['p50_ms']:.2f} (p50)" for _, run in runs)
    lines.append(f"| *floor: HTTP round trip + SELECT 1* | {floor} | 1x |")
    ratios = [
        ("**Django+DRF / bare (same SQL), list p95**", "framework_overhead_p95"),
        ("Django+DRF / bare (the page's SQL alone), list p95", "framework_overhead_page_sql_p95"),
        ("Django+DRF / bare (same SQL, planned every time), list p95", "framework_overhead_planned_p95"),
        ("Django alone / bare (same SQL), p95", "django_floor_vs_bare_p95"),
    ]
    lines += [f"| {name} | {ratio(key)} | |" for name, key in ratios]
    return "\n".join(lines)


def _pairs(run: dict[str, Any]) -> str:
    """Every import/floor pair's ratio when there were several (the cell shows the median pair)."""
    pairs = run.get("runs") or []
    if len(pairs) < 2:
        return ""
    return " (pairs: " + ", ".join(f"{p['migrate_vs_floor']}x" for p in pairs) + ")"


def migration_table(results: dict[str, Any]) -> str:
    rows = results.get("migration") or []
    lines = [
        "| tickets | rows written | migrate_mock_data | peak RSS | COPY restore (floor) | migrate / floor "
        "| verify_migration | verify / migrate |",
        "|---|---|---|---|---|---|---|---|",
    ]
    for run in rows:
        if "skipped" in run:
            lines.append(f"| {run['tickets']:,} | {run['skipped']} | | | | | | |")
            continue
        lines.append(
            f"| {run['tickets']:,} | {run['rows']:,} | {run['migrate']['seconds']} s | "
            f"{run['migrate']['peak_rss_mib']} MiB | {run['floor_restore']['seconds']} s | "
            f"{run['migrate_vs_floor']}x{_pairs(run)} | {run['verify']['seconds']} s "
            f"({run['verify']['peak_rss_mib']} MiB) | {run['verify_vs_migrate']}x |"
        )
    return "\n".join(lines)


def ablation_table(results: dict[str, Any]) -> str:
    ab = results.get("ablation")
    if not ab:
        return ""
    lines = [
        f"At {_size(ab['tickets'])} tickets, PostgreSQL planning + execution time (median of 3):",
        "",
        "| optimisation | before | after | gain |",
        "|---|---|---|---|",
    ]
    for row in ab["rows"]:
        lines.append(
            f"| {row['optimisation']} | {row['before_ms']} ms | {row['after_ms']} ms | {row['speedup']}x |"
        )
    return "\n".join(lines)


def load_table(results: dict[str, Any]) -> str:
    load = results.get("load")
    if not load:
        return ""
    kinds = ", ".join(
        f"{kind} p95 {v['p95_ms']} ms (n={v['n']})" for kind, v in sorted(load.get("by_kind", {}).items())
    )
    return (
        f"{load['clients']} clients for {load['seconds']} s at {_size(load['tickets'])} tickets: "
        f"**{load['throughput_rps']} requests/s**, p50 {load['all']['p50_ms']} ms, "
        f"p95 {load['all']['p95_ms']} ms, "
        f"**{load['errors']} errors**; writes acknowledged {load['writes_acknowledged']}, stored "
        f"{load['writes_stored']} (**{load['lost_writes']} lost**). By kind: {kinds}."
    )


def render(results: dict[str, Any]) -> str:
    m = results["machine"]
    parts = [
        f"Run {results['started_at']} at commit {results['git']}"
        + (
            f" (the checkout moved to {results['git_at_end']} during the run: each stage ran the code "
            "of when it started)"
            if results.get("git_at_end")
            else ""
        )
        + f", scale {results['scale']:,} tickets. "
        f"Machine: {m['cpu']}, {m['cores']} cores, {m['memory_gib']} GiB, load average at start "
        f"{m['load_avg_at_start']}; PostgreSQL {m['postgresql']} (pgserver); Python {m['python']}; "
        f"gunicorn {m['gunicorn']}; cache {m.get('cache', 'database')}.",
        "### Migration vs. the floor",
        migration_table(results),
        "### API and page latency (through gunicorn, auth, tenant scoping, serialisation)",
        latency_table(results),
        "### What each optimisation bought",
        ablation_table(results),
        "### Load",
        load_table(results),
    ]
    return "\n\n".join(p for p in parts if p) + "\n"


def merge(runs: list[dict[str, Any]]) -> dict[str, Any]:
    """Several runs as one: the last run's fields, every run's latency sizes and migrations."""
    merged = dict(runs[-1])
    merged["latency"] = {k: v for run in runs for k, v in run.get("latency", {}).items()}
    merged["migration"] = [m for run in runs for m in run.get("migration", [])]
    merged["started_at"] = " and ".join(run["started_at"] for run in runs)
    merged["git"] = " / ".join(run["git"] for run in runs)
    return merged


if __name__ == "__main__":
    # python -m bench.report RESULT.json [MORE.json ...]: tables (and the chart) of the runs merged.
    from bench.__main__ import write_chart

    results = merge([json.loads(Path(name).read_text()) for name in sys.argv[1:]])
    write_chart(results)
    print(render(results))
