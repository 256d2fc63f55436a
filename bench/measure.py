"""Latency over repeated requests (p50/p95/p99) and a bounded loopback load test."""

from __future__ import annotations

import http.client
import random
import statistics
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field


def percentile(samples: list[float], pct: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    k = (len(ordered) - 1) * pct / 100
    lo, hi = int(k), min(int(k) + 1, len(ordered) - 1)
    return ordered[lo] + (ordered[hi] - ordered[lo]) * (k - lo)


def summary(samples_s: list[float]) -> dict[str, float]:
    ms = [s * 1000 for s in samples_s]
    return {
        "n": len(ms),
        "p50_ms": round(percentile(ms, 50), 2),
        "p95_ms": round(percentile(ms, 95), 2),
        "p99_ms": round(percentile(ms, 99), 2),
        "mean_ms": round(statistics.fmean(ms), 2) if ms else float("nan"),
    }


class Client:
    """One keep-alive HTTP/1.1 connection to the server, with fixed headers (auth)."""

    def __init__(self, port: int, headers: dict[str, str]) -> None:
        self.port = port
        self.headers = headers
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)

    def request(self, method: str, path: str, body: bytes | None = None) -> tuple[int, bytes, float]:
        headers = dict(self.headers)
        if body is not None:
            headers["Content-Type"] = "application/json"
        for attempt in range(2):
            start = time.perf_counter()
            try:
                self.conn.request(method, path, body=body, headers=headers)
                resp = self.conn.getresponse()
                data = resp.read()
                return resp.status, data, time.perf_counter() - start
            except (http.client.RemoteDisconnected, ConnectionResetError, BrokenPipeError):
                # The server closed an idle keep-alive connection: reconnect once, untimed.
                self.conn.close()
                self.conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=60)
                if attempt:
                    raise
        raise AssertionError("unreachable")


class BadResponse(Exception):
    pass


def latency(
    client: Client,
    path: str,
    repeat: int,
    warmup: int = 3,
    write: Callable[[int], tuple[str, str, bytes]] | None = None,
) -> dict[str, float]:
    """p50/p95/p99 of ``repeat`` sequential GETs of ``path`` after ``warmup`` untimed ones.

    With ``write``, each GET follows an untimed write (``write(i)``: method, path, body) that
    invalidates what the tenant's lists have cached: the first request after a change.
    """
    samples = []
    for i in range(warmup + repeat):
        if write is not None:
            method, target, payload = write(i)
            status, body, _ = client.request(method, target, payload)
            if status >= 400:
                raise BadResponse(f"{method} {target} -> {status}: {body[:300]!r}")
        status, body, seconds = client.request("GET", path)
        if status != 200:
            raise BadResponse(f"GET {path} -> {status}: {body[:300]!r}")
        if i >= warmup:
            samples.append(seconds)
    return {**summary(samples), "bytes": len(body)}


def interleaved(
    targets: dict[str, tuple[Client, str]], repeat: int, warmup: int = 3
) -> dict[str, dict[str, float]]:
    """``latency`` of several GETs (name -> client, path) taken in turn, one of each per round.

    A ratio of two of them is then not skewed by the machine getting slower or faster between
    two separate runs (shared machines drift by tens of percent within minutes). The order changes
    every round: a request right after a heavier one shares the cores with its server's
    after-response work (the access log, returning the connection).
    """
    samples: dict[str, list[float]] = {name: [] for name in targets}
    sizes: dict[str, int] = {}
    order = list(targets)
    rng = random.Random(0)
    for i in range(warmup + repeat):
        rng.shuffle(order)
        for name in order:
            client, path = targets[name]
            status, body, seconds = client.request("GET", path)
            if status != 200:
                raise BadResponse(f"GET {path} -> {status}: {body[:300]!r}")
            if i >= warmup:
                samples[name].append(seconds)
            sizes[name] = len(body)
    return {name: {**summary(samples[name]), "bytes": sizes[name]} for name in targets}


@dataclass
class LoadResult:
    seconds: float
    requests: int = 0
    errors: int = 0
    writes_ok: int = 0
    by_kind: dict[str, list[float]] = field(default_factory=dict)
    error_samples: list[str] = field(default_factory=list)


Action = tuple[str, str, str, bytes | None]  # kind, method, path, body


def load(
    port: int,
    headers: dict[str, str],
    next_action: Callable[[random.Random], Action],
    clients: int,
    seconds: float,
) -> LoadResult:
    """``clients`` threads, each on its own keep-alive connection, for ``seconds``; count every error."""
    result = LoadResult(seconds=seconds)
    lock = threading.Lock()
    stop_at = time.monotonic() + seconds

    def worker(seed: int) -> None:
        rng = random.Random(seed)
        client = Client(port, headers)
        local: dict[str, list[float]] = {}
        requests = errors = writes_ok = 0
        samples: list[str] = []
        while time.monotonic() < stop_at:
            kind, method, path, body = next_action(rng)
            try:
                status, data, took = client.request(method, path, body)
            except OSError as exc:
                errors += 1
                samples.append(f"{method} {path}: {exc!r}")
                continue
            requests += 1
            if status >= 400:
                errors += 1
                samples.append(f"{method} {path} -> {status}: {data[:200]!r}")
                continue
            if method != "GET":
                writes_ok += 1
            local.setdefault(kind, []).append(took)
        with lock:
            result.requests += requests
            result.errors += errors
            result.writes_ok += writes_ok
            result.error_samples.extend(samples[:3])
            for kind, values in local.items():
                result.by_kind.setdefault(kind, []).extend(values)

    threads = [threading.Thread(target=worker, args=(i,)) for i in range(clients)]
    started = time.monotonic()
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    result.seconds = time.monotonic() - started
    return result
