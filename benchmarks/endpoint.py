"""Benchmark the SPARQL endpoint: each named query on each engine, then the server's throughput.

Run from the project root:

    .venv/bin/python benchmarks/endpoint.py                # engines + endpoint throughput
    .venv/bin/python benchmarks/endpoint.py --repeat 50 --clients 20 --requests 200

Part 1 runs every named query of ``queries/`` (parameters unbound) in-process on rdflib (``memory``)
and on pyoxigraph (``oxigraph``), plus the endpoint's safety check (rdflib's parser + algebra),
and prints the median latency of each in milliseconds. Part 2 starts the real server
(``python -m spacecoop serve --port 0``) for each engine and answer-cache size and sends ``--clients``
concurrent keep-alive clients x ``--requests`` queries each (the named queries in turn, through
``/queries/NAME``; a query that ran past the budget on an engine in part 1 is left out for it), then
prints throughput and latency percentiles. Everything runs on 127.0.0.1.
Figures are single runs on a noisy machine: use them to compare, not as promises.
"""

from __future__ import annotations

import argparse
import http.client
import os
import selectors
import signal
import statistics
import subprocess
import sys
import threading
import time
import urllib.parse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def median_ms(fn, repeat: int) -> float:
    fn()  # warm-up (parsing caches, first-use imports)
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        times.append(time.perf_counter() - t0)
    return statistics.median(times) * 1000


def _measure(conn, store_spec: str, text: str, repeat: int) -> None:
    """In a child process: load the dataset into ``store_spec``, send back (rows, median ms)."""
    from spacecoop.core.load import load_dataset
    from spacecoop.store import open_store

    store = open_store(store_spec, load_dataset(ROOT))
    rows = len(store.query(text))
    conn.send((rows, median_ms(lambda: store.query(text), repeat)))


def measure(store_spec: str, text: str, repeat: int, budget: float) -> tuple[int | None, float | None]:
    """Return (rows, median ms) of ``text`` on a fresh store, or (None, None) past ``budget`` seconds."""
    import multiprocessing

    ctx = multiprocessing.get_context("spawn")
    parent, child = ctx.Pipe()
    proc = ctx.Process(target=_measure, args=(child, store_spec, text, repeat), daemon=True)
    proc.start()
    try:
        if parent.poll(budget):
            return parent.recv()
        return None, None
    finally:
        proc.kill()
        proc.join()


def bench_engines(repeat: int, budget: float) -> dict[str, set[str]]:
    """Print part 1; return, per engine, the named queries that finished within the budget."""
    from spacecoop.endpoint.server import check_query
    from spacecoop.sparql.query import list_queries

    queries = [(q.name, q.text) for q in list_queries(ROOT)]
    queries.append(("(count of all quads)", "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"))
    width = max(len(n) for n, _ in queries)
    finished: dict[str, set[str]] = {"memory": set(), "oxigraph": set()}
    print(
        f"Part 1: median of {repeat} runs in-process (after one warm-up); a run past {budget:g} s is "
        "stopped\n"
    )
    print(
        f"{'query':<{width}}  {'rows':>5}  {'memory ms':>10}  {'oxigraph ms':>11}  "
        f"{'speed-up':>8}  {'check ms':>8}"
    )
    print("-" * (width + 52))
    for name, text in queries:
        rows, oxi = measure("oxigraph", text, repeat, budget)
        mem_rows, mem = measure("memory", text, repeat, budget)
        check = median_ms(lambda text=text: check_query(text), repeat)  # uncached, as for a new text
        for engine, ms in (("memory", mem), ("oxigraph", oxi)):
            if ms is not None:
                finished[engine].add(name)

        def show(ms):
            return f"{ms:.2f}" if ms is not None else f"> {budget * 1000:.0f}"

        ratio = f"{mem / oxi:.1f}x" if mem is not None and oxi else "-"
        print(
            f"{name:<{width}}  {rows if rows is not None else mem_rows or '?':>5}  {show(mem):>10}  "
            f"{show(oxi):>11}  {ratio:>8}  {check:>8.2f}",
            flush=True,
        )
    print()
    return finished


def start_server(store: str, workers: int, cache_mb: float) -> tuple[subprocess.Popen, str]:
    env = {k: v for k, v in os.environ.items() if k != "SPACECOOP_STORE"}
    proc = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "spacecoop",
            "--store",
            store,
            "serve",
            "--port",
            "0",
            "--workers",
            str(workers),
            "--cache-mb",
            str(cache_mb),
        ],
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    if not sel.select(timeout=120):
        proc.kill()
        raise SystemExit("the server did not start within 120 s")
    line = proc.stdout.readline()
    if not line.startswith("listening on "):
        proc.kill()
        raise SystemExit(f"the server did not start: {line!r}")
    return proc, line.split()[-1]


def bench_endpoint(
    store: str, cache_mb: float, workers: int, clients: int, requests: int, names: set[str]
) -> None:
    from spacecoop.sparql.query import list_queries

    paths = [f"/queries/{q.name}" for q in list_queries(ROOT) if q.name in names] or [
        "/sparql?" + urllib.parse.urlencode({"query": "ASK { ?s ?p ?o }"})
    ]
    proc, url = start_server(store, workers, cache_mb)
    port = urllib.parse.urlsplit(url).port
    latencies: list[float] = []
    errors = 0
    lock = threading.Lock()

    def client(i: int) -> None:
        nonlocal errors
        conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
        mine, bad = [], 0
        for j in range(requests):
            t0 = time.perf_counter()
            try:
                conn.request("GET", paths[(i + j) % len(paths)])
                resp = conn.getresponse()
                resp.read()
                bad += resp.status != 200
            except (OSError, http.client.HTTPException):
                bad += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", port, timeout=60)
            mine.append(time.perf_counter() - t0)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors += bad

    try:
        t0 = time.perf_counter()
        threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        elapsed = time.perf_counter() - t0
    finally:
        proc.send_signal(signal.SIGINT)
        proc.wait(30)
    q = statistics.quantiles(latencies, n=100)
    print(
        f"{store:<9} {cache_mb:>8g}  {workers:>7}  {clients:>7}  {len(latencies):>8}  {errors:>6}  "
        f"{len(latencies) / elapsed:>9.0f}  "
        f"{q[49] * 1000:>7.1f}  {q[94] * 1000:>7.1f}  {q[98] * 1000:>7.1f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=30, help="runs per query and engine (part 1)")
    parser.add_argument(
        "--budget",
        type=float,
        default=20.0,
        help="seconds one engine may spend on one query's runs before it is stopped (part 1)",
    )
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (part 2)")
    parser.add_argument("--requests", type=int, default=200, help="requests per client (part 2)")
    parser.add_argument("--workers", type=int, default=2, help="server worker processes (part 2)")
    parser.add_argument(
        "--runs",
        default="oxigraph:0,oxigraph:64,memory:64",
        help="part 2 servers as ENGINE:CACHE_MB, comma-separated (cache 0: every request runs the engine)",
    )
    args = parser.parse_args()
    finished = bench_engines(args.repeat, args.budget)
    print(
        f"Part 2: the endpoint over HTTP (keep-alive clients, named queries through /queries/NAME), "
        f"{os.cpu_count()} cores\n"
    )
    print(
        f"{'store':<9} {'cache MB':>8}  {'workers':>7}  {'clients':>7}  {'requests':>8}  {'errors':>6}  "
        f"{'queries/s':>9}  "
        f"{'p50 ms':>7}  {'p95 ms':>7}  {'p99 ms':>7}"
    )
    print("-" * 94)
    skipped = []
    for run in args.runs.split(","):
        store, _, cache = run.strip().partition(":")
        bench_endpoint(store, float(cache or 0), args.workers, args.clients, args.requests, finished[store])
        skipped += [f"{name} on {store}" for name in sorted(finished["oxigraph"] - finished[store])]
    if skipped:
        print(f"\nleft out of part 2 (past the budget in part 1): {', '.join(sorted(set(skipped)))}")


if __name__ == "__main__":
    main()
