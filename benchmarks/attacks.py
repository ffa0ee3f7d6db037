#!/usr/bin/env python3
"""Benchmark ``spacecoop serve`` under the attacks of issue 10, side by side with \
``oxigraph serve-read-only``.

Usage::

    python benchmarks/attacks.py            # full run; writes benchmarks/RESULTS-attacks.md
    python benchmarks/attacks.py --quick    # smoke run (under about two minutes), writes nothing unless --out

Every server reads the same data: the project's graph, loaded with ``spacecoop --store oxigraph:DIR
load`` into a folder that ``oxigraph serve-read-only --location DIR`` opens too. The servers:

* ``new disk``: ``spacecoop --store oxigraph:DIR serve`` at this checkout;
* ``new mem``: ``spacecoop serve`` with its default store (Oxigraph in memory) at this checkout;
* ``base disk`` / ``base mem``: the same at the base commit (``--base``, default 55c6cbe), run with
  ``PYTHONPATH=BASE/src`` (``--base-src``; /tmp/base/src when that worktree is at the base commit;
  else a ``git archive`` of it in the work folder); with ``--quick`` or ``--no-base-attacks`` in (d) only;
* ``new-disk-nocache`` / ``base-disk-nocache``: ``--cache-mb 0``, in (d) only (the engine path);
* ``oxigraph``: ``oxigraph serve-read-only --timeout-s T`` (the PyPI package ``oxigraph``).

Each spacecoop server gets ``--workers W --timeout T`` (defaults 2 and 10 s; ``--quick``: 5 s), the
Oxigraph server ``--timeout-s T``. The attacks, each on a fresh server (``--quick``: one server per
target), all on 127.0.0.1 with ``http.client`` and threads:

(a) slow clients: N clients (N = W, then W + 1) loop a slow query (a triple cross join, which runs
    until the time limit stops it; each request carries a nonce so no cache answers it) without
    honouring ``Retry-After``; meanwhile one client sends a cheap ``ASK`` (a nonce, so no cache)
    every 0.1 s. Reported: the cheap client's p50 / p95 / max latency and its share of 503s,
    median over ``--windows`` measuring windows.
(b) cache attack: thousands of distinct ~200 KB queries (a FILTER on a long string literal),
    4 clients at once. Reported: RSS of the server's process tree (parent + every descendant,
    summed from /proc), before, halfway, at the end and at peak, and whether it still grows.
(c) large answers: two clients at once ask for one row whose GROUP_CONCAT is ~150 MB (``--big-mb``),
    ``--runs`` times. Reported: status codes, bytes answered, peak RSS of the tree (median, max).
(d) throughput, no attack, measured first: 8 keep-alive clients loop the named queries of
    ``queries/`` (spacecoop: ``GET /queries/NAME``; Oxigraph: the same text POSTed) for a fixed
    time; queries/s (200s only), median over ``--runs``; and the ratio this checkout / base (target:
    no more than 10 % below). Ours and the base's server on the same store run side by side (the
    base's on a copy of the folder) and are measured in turn, run after run, so that the load of the
    shared machine falls on both alike.

Every step has a time limit and prints "> limit" rather than hanging. Figures come from a shared
2-core machine: compare columns, not decimals.
"""

from __future__ import annotations

import argparse
import contextlib
import http.client
import json
import os
import platform
import selectors
import shutil
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Self
from urllib.parse import quote, urlsplit

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
BASE_COMMIT = "55c6cbe"
MiB = 2**20

# (a) A triple cross join: 5.6k triples cubed, far past any time limit; the nonce defeats caches.
SLOW = 'SELECT (COUNT(*) AS ?n) WHERE {{ ?a ?b ?c . ?d ?e ?f . ?g ?h ?i FILTER(?i != "{nonce}") }}'
# (a) Cheap: one index look-up for a literal that is not there.
CHEAP = 'ASK {{ ?s ?p "cheap {nonce}" }}'
# (b) A query padded by a long string literal in a FILTER (the shape the guard lets through).
PADDED = 'ASK {{ FILTER("{pad}" != "") }}'
# (c) One row, one GROUP_CONCAT of ROWS strings of ~2 KB (an IRI and the padding): 150 MB at 72k rows,
# computed in well under a second by Oxigraph, so the time limit does not stop it.
BIG = (
    "SELECT (GROUP_CONCAT(?x) AS ?big) WHERE {{ {{ SELECT ?x WHERE {{ ?a ?b ?c . ?d ?e ?f "
    'BIND(CONCAT(STR(?a), "{pad}") AS ?x) }} LIMIT {rows} }} }}'
)
BIG_PAD = 2000

ACCEPT_JSON = "application/sparql-results+json"


# ================================================================================================
# Servers
# ================================================================================================


@dataclass
class Target:
    """One server to measure: how to start it and where it answers."""

    key: str  # new-disk, new-mem, base-disk, base-mem, oxigraph
    label: str
    kind: str  # "spacecoop" or "oxigraph"
    store: str | None = None  # spacecoop --store (None: the serve default)
    src: str | None = None  # PYTHONPATH for the base commit
    extra: tuple[str, ...] = ()  # more spacecoop serve options
    parts: str = "abcd"  # the attacks this server takes part in


@dataclass
class Server:
    target: Target
    proc: subprocess.Popen
    port: int
    sparql_path: str
    log: Path
    info: dict = field(default_factory=dict)

    def named_request(self, name: str, text: str) -> tuple[str, str, bytes | None, dict]:
        """Method, path, body and headers that run the named query ``name`` on this server."""
        if self.target.kind == "spacecoop":
            return "GET", f"/queries/{quote(name)}", None, {"Accept": ACCEPT_JSON}
        return (
            "POST",
            self.sparql_path,
            text.encode(),
            {"Content-Type": "application/sparql-query", "Accept": ACCEPT_JSON},
        )


def free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def oxigraph_binary() -> str:
    here = Path(sys.executable).parent / "oxigraph"
    found = str(here) if here.is_file() else shutil.which("oxigraph")
    if not found:
        sys.exit("error: the Oxigraph server is not installed: pip install oxigraph (a test extra)")
    return found


def spacecoop_env(src: str | None) -> dict:
    env = {k: v for k, v in os.environ.items() if k not in ("SPACECOOP_STORE", "PYTHONPATH")}
    if src:
        env["PYTHONPATH"] = src
    return env


def base_root(workdir: Path) -> Path:
    """A project root for the base commit's code: this checkout's data and named queries, without
    the engine variants (``NAME.oxigraph.rq``), which the base code would read as queries lacking
    a header."""
    root = workdir / "base-root"
    if not root.is_dir():
        for part in ("ontology", "graph"):
            shutil.copytree(REPO / part, root / part)
        shutil.copytree(REPO / "queries", root / "queries", ignore=shutil.ignore_patterns("*.*.rq"))
    return root


def start(target: Target, args, workdir: Path, limit: float = 120.0) -> Server:
    """Start ``target`` on a free port of 127.0.0.1 and wait until it answers (at most ``limit`` s)."""
    log = workdir / f"{target.key}.log"
    if target.kind == "oxigraph":
        port = free_port()
        cmd = [
            oxigraph_binary(),
            "serve-read-only",
            "--location",
            str(args.store_dir),
            "--bind",
            f"127.0.0.1:{port}",
            "--timeout-s",
            str(max(1, round(args.timeout))),
        ]
        proc = subprocess.Popen(cmd, stdout=subprocess.DEVNULL, stderr=log.open("wb"), start_new_session=True)
        server = Server(target, proc, port, "/query", log)
        deadline = time.monotonic() + limit
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                raise RuntimeError(f"oxigraph exited: {log.read_text(errors='replace')[-300:]}")
            status, _, _ = request(port, "GET", "/query?query=" + quote("ASK {}"), limit=2)
            if isinstance(status, int):
                return server
            time.sleep(0.1)
        stop(server)
        raise RuntimeError(f"oxigraph did not answer within {limit:g} s")
    root = base_root(workdir) if target.key.startswith("base") else REPO
    cmd = [sys.executable, "-m", "spacecoop", "--root", str(root)]
    if target.store:
        cmd += ["--store", target.store]
    cmd += [
        "serve",
        "--port",
        "0",
        "--workers",
        str(args.workers),
        "--timeout",
        str(args.timeout),
        *target.extra,
    ]
    proc = subprocess.Popen(
        cmd,
        cwd=REPO,
        env=spacecoop_env(target.src),
        stdout=subprocess.PIPE,
        stderr=log.open("wb"),
        text=True,
        start_new_session=True,
    )
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    line = proc.stdout.readline() if sel.select(timeout=limit) else ""
    if not line.startswith("listening on "):
        proc.kill()
        proc.wait()
        raise RuntimeError(
            f"{target.label} did not start within {limit:g} s: {line!r} "
            f"{log.read_text(errors='replace')[-300:]!r}"
        )
    port = urlsplit(line.split()[-1]).port
    server = Server(target, proc, port, "/sparql", log)
    time.sleep(0.3)
    server.info["startup"] = log.read_text(errors="replace").strip().splitlines()[:8]
    return server


def stop(server: Server | None) -> None:
    """Stop a server and every process it started (by pid, all of them ours)."""
    if server is None:
        return
    tree = descendants(server.proc.pid)
    if server.proc.poll() is None:
        server.proc.send_signal(signal.SIGINT if server.target.kind == "spacecoop" else signal.SIGTERM)
        try:
            server.proc.wait(15)
        except subprocess.TimeoutExpired:
            server.proc.kill()
            server.proc.wait()
    for pid in tree:
        if pid != server.proc.pid:
            with contextlib.suppress(ProcessLookupError, PermissionError):
                os.kill(pid, signal.SIGKILL)
    if server.proc.stdout:
        server.proc.stdout.close()


# ================================================================================================
# Memory of a process tree, from /proc
# ================================================================================================


def descendants(pid: int) -> list[int]:
    """``pid`` and every process below it (from /proc/*/stat)."""
    children: dict[int, list[int]] = {}
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry.name}/stat").read_text()
        except OSError:
            continue
        ppid = int(stat.rsplit(")", 1)[1].split()[1])
        children.setdefault(ppid, []).append(int(entry.name))
    out, todo = [], [pid]
    while todo:
        p = todo.pop()
        out.append(p)
        todo.extend(children.get(p, []))
    return out


def tree_rss(pid: int) -> int:
    """Resident bytes of ``pid`` and all its descendants, summed (VmRSS of each)."""
    total = 0
    for p in descendants(pid):
        try:
            for line in Path(f"/proc/{p}/status").read_text().splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
                    break
        except OSError:
            pass
    return total


class RssSampler:
    """Samples the tree's RSS every ``every`` seconds in a thread; ``peak`` is the largest seen."""

    def __init__(self, pid: int, every: float = 0.2) -> None:
        self.pid, self.every = pid, every
        self.samples: list[tuple[float, int]] = []
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, daemon=True)

    def _run(self) -> None:
        while not self._stop.is_set():
            self.samples.append((time.monotonic(), tree_rss(self.pid)))
            self._stop.wait(self.every)

    def __enter__(self) -> Self:
        self._thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self._stop.set()
        self._thread.join()
        self.samples.append((time.monotonic(), tree_rss(self.pid)))

    @property
    def peak(self) -> int:
        return max((r for _, r in self.samples), default=0)


# ================================================================================================
# HTTP
# ================================================================================================


def request(
    port: int,
    method: str,
    path: str,
    body: bytes | None = None,
    headers: dict | None = None,
    limit: float = 30.0,
    conn: http.client.HTTPConnection | None = None,
) -> tuple[int | str, int, float]:
    """Send one request; return (status or "> limit" or "error", bytes of body read, seconds).

    The body is read in chunks and dropped; past ``limit`` seconds in all the request is abandoned.
    """
    t0 = time.monotonic()
    own = conn is None
    c = conn or http.client.HTTPConnection("127.0.0.1", port, timeout=limit)
    try:
        c.request(method, path, body=body, headers=headers or {})
        resp = c.getresponse()
        n = 0
        while True:
            if time.monotonic() - t0 > limit:
                c.close()
                return "> limit", n, time.monotonic() - t0
            chunk = resp.read(1 << 20)
            if not chunk:
                break
            n += len(chunk)
        return resp.status, n, time.monotonic() - t0
    except TimeoutError:
        c.close()
        return "> limit", 0, time.monotonic() - t0
    except (OSError, http.client.HTTPException):
        c.close()
        return "error", 0, time.monotonic() - t0
    finally:
        if own:
            c.close()


def sparql_post(server: Server, text: str, limit: float) -> tuple[int | str, int, float]:
    return request(
        server.port,
        "POST",
        server.sparql_path,
        text.encode("utf-8"),
        {"Content-Type": "application/sparql-query", "Accept": ACCEPT_JSON},
        limit,
    )


def nonce() -> str:
    return uuid.uuid4().hex


def pct(values: list[float], p: float) -> float | None:
    """Nearest-rank percentile (``p`` in 0..100)."""
    if not values:
        return None
    s = sorted(values)
    return s[min(len(s) - 1, max(0, round(p / 100 * len(s) + 0.5) - 1))]


def med(values) -> float | None:
    values = [v for v in values if v is not None]
    return statistics.median(values) if values else None


# ================================================================================================
# The attacks
# ================================================================================================


def attack_slow_clients(server: Server, args) -> dict:
    """(a) N slow loopers (N = W, W + 1) and one cheap client; the cheap client's latencies."""
    halt = threading.Event()
    looper_statuses: Counter = Counter()
    cheap_limit = args.timeout + 5

    def looper() -> None:
        while not halt.is_set():
            status, _, secs = sparql_post(server, SLOW.format(nonce=nonce()), limit=args.timeout + 20)
            looper_statuses[str(status)] += 1
            if secs < 0.5:
                halt.wait(0.05)  # turned away at once: ask again (an abuser ignores Retry-After)

    out: dict = {}
    threads: list[threading.Thread] = []
    for n in (args.workers, args.workers + 1):
        while len(threads) < n:
            t = threading.Thread(target=looper, daemon=True)
            t.start()
            threads.append(t)
        time.sleep(args.warm)
        windows = []
        for _ in range(args.windows):
            lat, statuses = [], Counter()
            end = time.monotonic() + args.window
            while time.monotonic() < end:
                status, _, secs = sparql_post(server, CHEAP.format(nonce=nonce()), limit=cheap_limit)
                lat.append(secs)
                statuses[str(status)] += 1
                time.sleep(0.1)
            total = sum(statuses.values())
            windows.append(
                {
                    "n": total,
                    "p50": pct(lat, 50),
                    "p95": pct(lat, 95),
                    "max": max(lat),
                    "share_503": statuses["503"] / total,
                    "share_200": statuses["200"] / total,
                    "statuses": dict(statuses),
                }
            )
        out[str(n)] = {
            "windows": windows,
            "p50": med(w["p50"] for w in windows),
            "p95": med(w["p95"] for w in windows),
            "max": med(w["max"] for w in windows),
            "share_503": med(w["share_503"] for w in windows),
            "share_200": med(w["share_200"] for w in windows),
            "requests": sum(w["n"] for w in windows),
            "over_limit": sum(w["statuses"].get("> limit", 0) for w in windows),
            "limit": cheap_limit,
        }
        print(
            f"    (a) {n} slow clients: cheap p50 {fmt_s(out[str(n)]['p50'])}, "
            f"p95 {fmt_s(out[str(n)]['p95'])}, "
            f"max {fmt_s(out[str(n)]['max'])}, 503 {out[str(n)]['share_503']:.0%} "
            f"({out[str(n)]['requests']} requests)",
            flush=True,
        )
    halt.set()
    out["slow_statuses"] = dict(looper_statuses)
    return out


def attack_cache(server: Server, args) -> dict:
    """(b) Distinct ~200 KB queries from 4 clients; the tree's RSS as they go."""
    lock = threading.Lock()
    sent = [0]
    statuses: Counter = Counter()
    checkpoints: list[tuple[int, int]] = []  # (queries answered, RSS of the tree)
    every = max(1, args.cache_queries // 20)
    deadline = time.monotonic() + args.cache_limit
    half = args.pad // 2

    def client() -> None:
        while time.monotonic() < deadline:
            with lock:
                if sent[0] >= args.cache_queries:
                    return
                sent[0] += 1
            text = PADDED.format(pad=nonce() + os.urandom(half).hex())
            status, _, _ = sparql_post(server, text, limit=args.timeout + 10)
            with lock:
                statuses[str(status)] += 1
                done = sum(statuses.values())
                if done % every == 0:
                    checkpoints.append((done, tree_rss(server.proc.pid)))

    before = tree_rss(server.proc.pid)
    t0 = time.monotonic()
    with RssSampler(server.proc.pid, 0.25) as sampler:
        threads = [threading.Thread(target=client, daemon=True) for _ in range(4)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(args.cache_limit + args.timeout + 15)
    elapsed = time.monotonic() - t0
    done = sum(statuses.values())
    end = tree_rss(server.proc.pid)
    time.sleep(1.0)
    after = tree_rss(server.proc.pid)
    pts = [*sorted(checkpoints), (done, end)]
    mid = next(r for k, r in pts if k >= done / 2)
    growing = mid is not None and end - mid > max(20 * MiB, 0.05 * mid)
    res = {
        "queries": done,
        "planned": args.cache_queries,
        "over_limit": done < args.cache_queries,
        "seconds": elapsed,
        "pad_bytes": args.pad,
        "statuses": dict(statuses),
        "before": before,
        "mid": mid,
        "end": end,
        "after": after,
        "peak": sampler.peak,
        "growing": growing,
        "checkpoints": pts,
    }
    print(
        f"    (b) {done} queries of {args.pad // 1000} KB in {elapsed:.0f} s"
        f"{' (> limit: stopped early)' if res['over_limit'] else ''}: "
        f"RSS {mb(before)} -> {mb(mid)} (half) -> "
        f"{mb(end)}, peak {mb(res['peak'])}, {'still growing' if growing else 'flat'}; {dict(statuses)}",
        flush=True,
    )
    return res


def attack_large_answers(server: Server, args) -> dict:
    """(c) Two one-row GROUP_CONCAT answers of ~140 MB at once; statuses, bytes, peak RSS."""
    runs = []
    for _ in range(args.runs):
        before = tree_rss(server.proc.pid)
        got: list[tuple] = []

        def client(got=got) -> None:
            text = BIG.format(pad=nonce() + "x" * (BIG_PAD - 32), rows=args.big_rows)
            got.append(sparql_post(server, text, limit=args.timeout + 60))

        with RssSampler(server.proc.pid, 0.1) as sampler:
            threads = [threading.Thread(target=client, daemon=True) for _ in range(2)]
            for t in threads:
                t.start()
            for t in threads:
                t.join(args.timeout + 70)
        runs.append(
            {
                "before": before,
                "peak": sampler.peak,
                "statuses": [str(s) for s, _, _ in got],
                "bytes": [n for _, n, _ in got],
                "seconds": [s for _, _, s in got],
            }
        )
        time.sleep(0.5)
    res = {
        "runs": runs,
        "peak": med(r["peak"] for r in runs),
        "before": runs[0]["before"],
        "peak_max": max(r["peak"] for r in runs),
        "statuses": dict(Counter(s for r in runs for s in r["statuses"])),
        "bytes": med(n for r in runs for n in r["bytes"]),
        "max_bytes": max(n for r in runs for n in r["bytes"]),
        "rows": args.big_rows,
    }
    print(
        f"    (c) two GROUP_CONCAT answers at once: {res['statuses']}, "
        f"{mb(res['bytes'])} answered each (median), "
        f"peak RSS {mb(res['peak'])} (before {mb(res['before'])})",
        flush=True,
    )
    return res


def warm_up(server: Server, args, named: list[tuple[str, str]]) -> dict:
    """Run each named query once (parsing caches, answer caches), so that steady state is measured."""
    warm = Counter()
    for name, text in named:
        method, path, body, headers = server.named_request(name, text)
        status, _, _ = request(server.port, method, path, body, headers, limit=args.timeout + 5)
        warm[str(status)] += 1
    return dict(warm)


def throughput_run(server: Server, args, named: list[tuple[str, str]], seconds: float) -> dict:
    """(d) One run: ``args.clients`` keep-alive clients loop the named queries for ``seconds``."""
    counts, errors = [0] * args.clients, [Counter() for _ in range(args.clients)]
    stop_at = time.monotonic() + seconds

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=args.timeout + 5)
        j = i
        while time.monotonic() < stop_at:
            name, text = named[j % len(named)]
            j += 1
            method, path, body, headers = server.named_request(name, text)
            status, _, _ = request(server.port, method, path, body, headers, args.timeout + 5, conn=conn)
            if status == 200:
                counts[i] += 1
            else:
                errors[i][str(status)] += 1
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=args.timeout + 5)
        conn.close()

    t0 = time.monotonic()
    threads = [threading.Thread(target=client, args=(i,), daemon=True) for i in range(args.clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(seconds + args.timeout + 10)
    elapsed = time.monotonic() - t0
    return {"qps": sum(counts) / elapsed, "ok": sum(counts), "errors": dict(sum(errors, Counter()))}


def phase_throughput(group: list[Target], args, workdir: Path, named, out: dict) -> None:
    """(d) for a group of servers (this checkout and the base commit, same store), all started at once
    and measured in turn, run after run, so that the load of the shared machine hits both alike."""
    servers: dict[str, Server] = {}
    runs: dict[str, list] = {t.key: [] for t in group}
    # Without a cache every answer costs the engine (up to ~0.7 s for a named query): runs twice as long.
    seconds = args.tp_seconds * (2 if any("--cache-mb" in t.extra for t in group) else 1)
    print("  (d) " + " vs ".join(t.label for t in group), flush=True)
    try:
        for t in group:
            res = out["targets"].setdefault(t.key, {"label": t.label})
            try:
                servers[t.key] = start(t, args, workdir)
            except RuntimeError as exc:
                res["d"] = {"error": str(exc)[:300]}
                print(f"    {t.key} failed to start: {res['d']['error']}", flush=True)
                continue
            res["startup"] = servers[t.key].info.get("startup")
            res["d_warm"] = warm_up(servers[t.key], args, named)
        for _ in range(args.runs):
            for key, server in servers.items():
                runs[key].append(throughput_run(server, args, named, seconds))
    finally:
        for server in servers.values():
            stop(server)
    for key in servers:
        rs = runs[key]
        res = {
            "runs": rs,
            "qps": med(r["qps"] for r in rs),
            "seconds": seconds,
            "errors": sum(sum(r["errors"].values()) for r in rs),
            "error_statuses": dict(sum((Counter(r["errors"]) for r in rs), Counter())),
        }
        out["targets"][key]["d"] = res
        each = ", ".join(f"{r['qps']:.0f}" for r in rs)
        print(f"    {key}: {res['qps']:.0f} queries/s (runs: {each}), {res['errors']} non-200", flush=True)


# ================================================================================================
# Driver
# ================================================================================================


def fmt_s(x: float | None) -> str:
    if x is None:
        return "–"
    return f"{x * 1000:.0f} ms" if x < 1 else f"{x:.2f} s"


def mb(x: float | None) -> str:
    return "–" if x is None else f"{x / MiB:.0f} MiB"


def git(*a: str) -> str:
    try:
        return subprocess.run(
            ["git", "-C", str(REPO), *a], capture_output=True, text=True, timeout=30, check=False
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        return ""


def base_source(args, workdir: Path) -> str | None:
    """The ``src`` folder of the base commit: ``--base-src``, /tmp/base/src if that worktree is at the
    base commit, else a ``git archive`` of the commit unpacked in the work folder."""
    if args.base_src:
        return str(Path(args.base_src).resolve())
    want = git("rev-parse", args.base)
    try:
        head = subprocess.run(
            ["git", "-C", "/tmp/base", "rev-parse", "HEAD"],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        ).stdout.strip()
    except (OSError, subprocess.TimeoutExpired):
        head = ""
    if want and head == want and Path("/tmp/base/src/spacecoop/serve.py").is_file():
        return "/tmp/base/src"
    dest = workdir / "base"
    dest.mkdir(parents=True, exist_ok=True)
    try:
        archive = subprocess.run(
            ["git", "-C", str(REPO), "archive", args.base, "src"], capture_output=True, timeout=60, check=True
        ).stdout
        subprocess.run(["tar", "-x", "-C", str(dest)], input=archive, check=True, timeout=60)
    except (OSError, subprocess.SubprocessError) as exc:
        print(f"  base commit {args.base} not available ({exc}); measured without it", flush=True)
        return None
    return str(dest / "src")


def machine() -> dict:
    import importlib.metadata as md

    cpu = platform.processor() or "?"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    try:
        ram = f"{int(Path('/proc/meminfo').read_text().split()[1]) / 2**20:.1f} GiB"
    except (OSError, ValueError, IndexError):
        ram = "?"
    versions = {}
    for pkg in ("spacecoop", "rdflib", "pyoxigraph", "oxigraph"):
        try:
            versions[pkg] = md.version(pkg)
        except md.PackageNotFoundError:
            versions[pkg] = "not installed"
    dirty = bool(git("status", "--porcelain", "--untracked-files=no"))
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "ram": ram,
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "versions": versions,
        "commit": git("rev-parse", "--short", "HEAD") + (" (with uncommitted changes)" if dirty else ""),
        "subject": git("log", "-1", "--format=%s"),
    }


def run_target(target: Target, parts: str, args, workdir: Path, named, out: dict) -> None:
    """Run attacks (a), (b), (c) on ``target``: a fresh server per attack (``--quick``: one server)."""
    res = out["targets"].setdefault(target.key, {"label": target.label})
    print(f"  {target.label}", flush=True)
    steps = [
        (p, fn)
        for p, fn in (
            ("c", lambda s: attack_large_answers(s, args)),
            ("a", lambda s: attack_slow_clients(s, args)),
            ("b", lambda s: attack_cache(s, args)),
        )
        if p in parts
    ]
    server = None
    try:
        for part, fn in steps:
            if server is None or not args.quick:
                stop(server)
                server = None
                t = time.monotonic()
                server = start(target, args, workdir)
                res.setdefault("start_seconds", time.monotonic() - t)
                res["startup"] = server.info.get("startup")
                res["idle_rss"] = tree_rss(server.proc.pid)
            try:
                t = time.monotonic()
                res[part] = fn(server)
                res[part]["step_seconds"] = time.monotonic() - t
            except Exception as exc:
                res[part] = {"error": f"{type(exc).__name__}: {exc}"}
                print(f"    ({part}) failed: {res[part]['error']}", flush=True)
    except RuntimeError as exc:
        res["error"] = str(exc)[:300]
        print(f"    failed to start: {res['error']}", flush=True)
    finally:
        stop(server)


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument(
        "--quick", action="store_true", help="smoke run: short windows, fewer queries, one run each"
    )
    ap.add_argument("--parts", default="abcd", help="which attacks: any of a, b, c, d (default abcd)")
    ap.add_argument(
        "--workers", type=int, default=2, help="spacecoop serve --workers (default 2, the serve default)"
    )
    ap.add_argument(
        "--timeout", type=float, default=None, help="query time limit of every server (default 10; --quick 5)"
    )
    ap.add_argument(
        "--windows", type=int, default=None, help="(a) measuring windows per N (default 3; --quick 1)"
    )
    ap.add_argument(
        "--window", type=float, default=None, help="(a) seconds per window (default 10; --quick 4)"
    )
    ap.add_argument(
        "--cache-queries", type=int, default=None, help="(b) distinct queries (default 3000; --quick 150)"
    )
    ap.add_argument(
        "--cache-limit", type=float, default=None, help="(b) seconds allowed (default 90; --quick 15)"
    )
    ap.add_argument("--pad", type=int, default=200_000, help="(b) characters of padding per query")
    ap.add_argument(
        "--big-mb",
        type=float,
        default=None,
        help="(c) megabytes in the one-row answer (default 150; "
        "--quick 40, still over the 32 MiB --max-bytes default)",
    )
    ap.add_argument("--runs", type=int, default=None, help="(c), (d) repeated runs (default 3; --quick 1)")
    ap.add_argument(
        "--tp-seconds", type=float, default=None, help="(d) seconds per run (default 6; --quick 2)"
    )
    ap.add_argument("--clients", type=int, default=8, help="(d) concurrent clients")
    ap.add_argument(
        "--base", default=BASE_COMMIT, help=f"base commit for the comparison (default {BASE_COMMIT})"
    )
    ap.add_argument(
        "--base-src",
        default=None,
        help="src/ folder of the base commit (default /tmp/base/src if it "
        "holds that commit, else a git archive in the work folder)",
    )
    ap.add_argument(
        "--no-base-attacks",
        action="store_true",
        help="measure the base commit in (d) only (--quick does so too)",
    )
    ap.add_argument(
        "--targets",
        default=None,
        help="comma-separated servers to measure (default all): new-disk, "
        "new-mem, base-disk, base-mem, new-disk-nocache, base-disk-nocache, oxigraph",
    )
    ap.add_argument("--workdir", default=None, help="scratch folder (default: a temporary one, removed)")
    ap.add_argument(
        "--out", default=None, help="Markdown report (default benchmarks/RESULTS-attacks.md; --quick: none)"
    )
    ap.add_argument("--json", default=None, help="also write the raw measurements as JSON")
    args = ap.parse_args(argv)
    q = args.quick
    args.timeout = args.timeout or (5.0 if q else 10.0)
    args.windows = args.windows or (1 if q else 3)
    args.window = args.window or (4.0 if q else 10.0)
    args.warm = 1.5 if q else 3.0
    args.cache_queries = args.cache_queries or (150 if q else 3000)
    args.cache_limit = args.cache_limit or (15.0 if q else 90.0)
    args.big_mb = args.big_mb or (40.0 if q else 150.0)
    args.big_rows = round(args.big_mb * 1e6 / (BIG_PAD + 78))  # an IRI is ~77 characters, plus the separator
    args.runs = args.runs or (1 if q else 3)
    args.tp_seconds = args.tp_seconds or (2.0 if q else 6.0)
    if set(args.parts) - set("abcd") or not args.parts:
        ap.error(f"--parts takes letters among a, b, c, d, not {args.parts!r}")
    out_path = Path(args.out) if args.out else (None if q else HERE / "RESULTS-attacks.md")

    tmp = None
    if args.workdir:
        workdir = Path(args.workdir)
        workdir.mkdir(parents=True, exist_ok=True)
    else:
        workdir = Path(tmp := tempfile.mkdtemp(prefix="spacecoop-attacks-"))
    started = time.monotonic()
    out: dict = {
        "machine": machine(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "argv": argv if argv is not None else sys.argv[1:],
        "load_before": os.getloadavg()[0],
        "settings": {k: v for k, v in vars(args).items() if k not in ("store_dir",)},
        "targets": {},
    }
    try:
        args.store_dir = workdir / "store"
        r = subprocess.run(
            [
                sys.executable,
                "-m",
                "spacecoop",
                "--root",
                str(REPO),
                "--store",
                f"oxigraph:{args.store_dir}",
                "load",
            ],
            capture_output=True,
            text=True,
            timeout=300,
            cwd=REPO,
            env=spacecoop_env(None),
            check=False,
        )
        if r.returncode != 0:
            print(f"error: spacecoop load failed: {r.stderr.strip()[-300:]}", file=sys.stderr)
            return 2
        out["data"] = (r.stdout + r.stderr).strip().splitlines()[-1]
        print(f"data: {out['data']}", flush=True)
        sys.path.insert(0, str(REPO / "src"))
        from spacecoop.sparql.query import list_queries

        # the text goes to Oxigraph's server only (ours is asked by name): its engine's variant
        named = [(nq.name, nq.text_for("oxigraph")) for nq in list_queries(REPO)]
        base_src = base_source(args, workdir)
        out["base_src"] = base_src
        disk = f"oxigraph:{args.store_dir}"
        targets = [
            Target("new-disk", "spacecoop serve (oxigraph:DIR)", "spacecoop", disk),
            Target("new-mem", "spacecoop serve (default store)", "spacecoop", None),
        ]
        # The base commit's server runs beside ours in (d), so it gets a copy of the folder (same data).
        base_disk = f"oxigraph:{workdir / 'store-base'}"
        shutil.copytree(args.store_dir, workdir / "store-base", dirs_exist_ok=True)
        if base_src:
            targets += [
                Target(
                    "base-disk",
                    f"spacecoop serve @{args.base} (oxigraph:DIR)",
                    "spacecoop",
                    base_disk,
                    base_src,
                ),
                Target(
                    "base-mem", f"spacecoop serve @{args.base} (default store)", "spacecoop", None, base_src
                ),
            ]
        # Throughput with no answer cache: the engine path, as Oxigraph (which keeps none) is measured.
        targets.append(
            Target(
                "new-disk-nocache",
                "spacecoop serve (oxigraph:DIR) --cache-mb 0",
                "spacecoop",
                disk,
                extra=("--cache-mb", "0"),
                parts="d",
            )
        )
        if base_src:
            targets.append(
                Target(
                    "base-disk-nocache",
                    f"spacecoop serve @{args.base} (oxigraph:DIR) --cache-mb 0",
                    "spacecoop",
                    base_disk,
                    base_src,
                    extra=("--cache-mb", "0"),
                    parts="d",
                )
            )
        targets.append(Target("oxigraph", "oxigraph serve-read-only", "oxigraph"))
        if q:  # the smoke run: one spacecoop store, the base in (d) only
            targets = [t for t in targets if t.key in ("new-disk", "base-disk", "oxigraph")]
        if args.targets:
            targets = [t for t in targets if t.key in args.targets.split(",")]
        if "d" in args.parts:  # first, on quiet servers: each checkout paired with the base on the same store
            groups: dict[str, list[Target]] = {}
            for t in targets:
                if "d" in t.parts:
                    groups.setdefault(t.key.replace("base-", "new-", 1), []).append(t)
            for group in groups.values():
                phase_throughput(group, args, workdir, named, out)
        for t in targets:
            parts = "".join(p for p in args.parts if p in t.parts and p != "d")
            if t.key.startswith("base") and (args.no_base_attacks or q):
                parts = ""
            if parts:
                run_target(t, parts, args, workdir, named, out)
    finally:
        if tmp:
            shutil.rmtree(tmp, ignore_errors=True)
    out["load_after"] = os.getloadavg()[0]
    out["total"] = time.monotonic() - started
    text = report(out)
    print()
    print(text)
    if out_path:
        out_path.write_text(text, encoding="utf-8")
        print(f"wrote {out_path}")
    if args.json:
        Path(args.json).write_text(json.dumps(out, indent=1, default=str))
    return 0


# ================================================================================================
# The report
# ================================================================================================


def report(out: dict) -> str:
    m, s = out["machine"], out["settings"]
    T = out["targets"]
    lines = [
        "# spacecoop serve under attack, beside oxigraph serve-read-only",
        "",
        f"Written by `python benchmarks/attacks.py {' '.join(out['argv'])}`".rstrip()
        + f" on {out['date']} (total {out['total']:.0f} s), at commit {m['commit']} ({m['subject']}).",
        "",
        "## Machine",
        "",
        (
            f"- CPU: {m['cpu']}, {m['cores']} cores; RAM {m['ram']}; {m['os']}; load average "
            f"{out['load_before']:.1f} before, {out['load_after']:.1f} after (the cores are shared)"
        ),
        f"- Python {m['python']}; " + ", ".join(f"{k} {v}" for k, v in m["versions"].items()),
        f"- Data: the project's graph ({out.get('data', '?')})",
        (
            f"- Every server: {s['workers']} workers (spacecoop), query time limit {s['timeout']:g} s "
            "(`--timeout`; Oxigraph `--timeout-s`), other options at their defaults; all on 127.0.0.1"
        ),
        "",
    ]
    lines += ["Servers: " + "; ".join(f"`{k}` = {v['label']}" for k, v in T.items()) + ".", ""]

    def get(key, part, *path):
        v = T.get(key, {}).get(part)
        if not isinstance(v, dict) or "error" in v:
            return None
        for p in path:
            v = v.get(p) if isinstance(v, dict) else None
        return v

    def err(key, part):
        e = T.get(key, {}).get("error") or (T.get(key, {}).get(part) or {}).get("error")
        return f"failed: {e[:80]}" if e else None

    keys = list(T)
    if "a" in s["parts"]:
        w = s["workers"]
        lines += [
            "## (a) A cheap query while N clients loop a slow query",
            "",
            (
                f"N clients loop a triple cross join (runs until the {s['timeout']:g} s limit) without "
                'honouring Retry-After; one client sends `ASK { ?s ?p "…" }` (a nonce each time, so no '
                f"cache answers it) every 0.1 s. Median of {s['windows']} windows of {s['window']:g} s; a "
                f'request past {s["timeout"] + 5:g} s counts as "> limit". Target: under 1 s while N = {w}.'
            ),
            "",
            "| server | N slow | cheap p50 | cheap p95 | cheap max | 503 share | answered (200) | requests |",
            "|---|---:|---:|---:|---:|---:|---:|---:|",
        ]
        for k in keys:
            if "a" not in T[k] and "error" not in T[k]:
                continue
            for n in (w, w + 1):
                r = get(k, "a", str(n))
                if r is None:
                    lines.append(f"| {k} | {n} | {err(k, 'a') or '–'} | | | | | |")
                    continue
                lines.append(
                    f"| {k} | {n} | {fmt_s(r['p50'])} | {fmt_s(r['p95'])} | "
                    f"{fmt_s(r['max'])}{' (> limit)' if r['over_limit'] else ''} | {r['share_503']:.0%} | "
                    f"{r['share_200']:.0%} | {r['requests']} |"
                )
        lines.append("")
    if "b" in s["parts"]:
        lines += [
            "## (b) Memory under the cache attack",
            "",
            (
                f"4 clients send up to {s['cache_queries']:,} distinct queries of {s['pad'] // 1000} KB each "
                f'(`ASK {{ FILTER("<{s["pad"] // 1000} KB>" != "") }}`), within {s["cache_limit"]:g} s. '
                'RSS is the server\'s whole process tree (parent + workers, summed from /proc); "growing" = '
                "the second half of the queries added more than max(20 MiB, 5 %)."
            ),
            "",
            (
                "| server | queries sent | statuses | RSS idle | RSS halfway | RSS at end | peak RSS | "
                "second half | still growing? |"
            ),
            "|---|---:|---|---:|---:|---:|---:|---:|---|",
        ]
        for k in keys:
            if "b" not in T[k] and "error" not in T[k]:
                continue
            r = get(k, "b")
            if r is None:
                lines.append(f"| {k} | {err(k, 'b') or '–'} | | | | | | | |")
                continue
            sent = (
                f"{r['queries']:,}" + (" (> limit)" if r["over_limit"] else "") + f" in {r['seconds']:.0f} s"
            )
            st = ", ".join(f"{c}×{n}" for c, n in sorted(r["statuses"].items()))
            lines.append(
                f"| {k} | {sent} | {st} | {mb(r['before'])} | {mb(r['mid'])} | {mb(r['end'])} | "
                f"{mb(r['peak'])} | {(r['end'] - r['mid']) / MiB:+.0f} MiB | "
                f"{'yes' if r['growing'] else 'no'} |"
            )
        lines.append("")
    if "c" in s["parts"]:
        lines += [
            "## (c) Memory under large answers",
            "",
            (
                f"Two clients at once ask for one row: a GROUP_CONCAT of {s['big_rows']:,} strings of ~2 KB "
                f"(~{s['big_mb']:g} MB of JSON), {s['runs']} times on the same server. RSS before = before "
                "the first run; peak = of the whole process tree."
            ),
            "",
            "| server | statuses | bytes answered (median, max) | RSS before | peak RSS (median, max) |",
            "|---|---|---:|---:|---:|",
        ]
        for k in keys:
            if "c" not in T[k] and "error" not in T[k]:
                continue
            r = get(k, "c")
            if r is None:
                lines.append(f"| {k} | {err(k, 'c') or '–'} | | | |")
                continue
            st = ", ".join(f"{c}×{n}" for c, n in sorted(r["statuses"].items()))
            lines.append(
                f"| {k} | {st} | {r['bytes'] / 1e6:,.1f} MB, {r['max_bytes'] / 1e6:,.1f} MB | "
                f"{mb(r['before'])} | {mb(r['peak'])}, {mb(r.get('peak_max'))} |"
            )
        lines.append("")
    if "d" in s["parts"]:
        lines += [
            "## (d) Throughput, no attack",
            "",
            (
                f"{s['clients']} keep-alive clients loop the {len(list_named())} named queries of `queries/` "
                f"(spacecoop: `GET /queries/NAME`; Oxigraph: the same text POSTed) "
                f"for {s['tp_seconds']:g} s; answers with 200 per second, median of {s['runs']} runs, after "
                "one warm-up pass. Answer caches at their defaults (so repeated queries mostly measure the "
                "HTTP path); `nocache` rows: `--cache-mb 0`, runs twice as long, every answer from the "
                "engine: engine-bound on two shared cores, so noisy."
            ),
            "",
            "| server | queries/s | runs | non-200 | vs base |",
            "|---|---:|---|---:|---:|",
        ]
        for k in keys:
            r = get(k, "d")
            if r is None:
                if "d" in T[k] or "error" in T[k]:
                    lines.append(f"| {k} | {err(k, 'd') or '–'} | | | |")
                continue
            ratio = ""
            if k.startswith("new"):
                b = get(k.replace("new", "base", 1), "d", "qps")
                if b:
                    ratio = f"{r['qps'] / b:.2f}× ({'meets' if r['qps'] >= 0.9 * b else 'MISSES'} ≥ 0.90×)"
            each = ", ".join(f"{x['qps']:.0f}" for x in r["runs"])
            bad = ", ".join(f"{c}×{n}" for c, n in sorted((r.get("error_statuses") or {}).items())) or "0"
            lines.append(f"| {k} | {r['qps']:,.0f} | {each} | {bad} | {ratio} |")
        lines.append("")
    lines += targets(T, s)
    starts = [f"`{k}`: " + " / ".join(v["startup"]) for k, v in T.items() if v.get("startup")]
    if starts:
        lines += ["## What each spacecoop server said at start-up", ""] + [f"- {x}" for x in starts] + [""]
    return "\n".join(lines)


def targets(T: dict, s: dict) -> list[str]:
    """The issue's targets, each met or missed by this checkout, in a few lines."""
    rows = []
    w = s["workers"]

    def part(key, p):
        v = T.get(key, {}).get(p)
        return v if isinstance(v, dict) and "error" not in v else None

    for key in ("new-disk", "new-mem"):
        a = part(key, "a")
        if a and str(w) in a:
            r = a[str(w)]
            ok = r["max"] is not None and r["max"] < 1 and r["share_200"] == 1
            rows.append(
                f"| cheap query < 1 s while {w} clients loop slow queries ({key}) | p95 {fmt_s(r['p95'])}, "
                f"max {fmt_s(r['max'])}, {r['share_503']:.0%} got 503 | {'met' if ok else 'MISSED'} |"
            )
        if a and str(w + 1) in a:
            r = a[str(w + 1)]
            ok = r["max"] is not None and r["max"] < 1 and r["share_200"] == 1
            rows.append(
                f"| (beyond the target) the same with {w + 1} slow clients ({key}) | p95 {fmt_s(r['p95'])}, "
                f"{r['share_503']:.0%} got 503 | {'met' if ok else 'missed'} |"
            )
        b = part(key, "b")
        if b:
            rows.append(
                f"| cache attack: memory levels off ({key}) | {mb(b['before'])} idle → {mb(b['mid'])} "
                f"halfway → {mb(b['end'])} after {b['queries']:,} queries "
                f"({(b['end'] - b['before']) / MiB:+.0f} MiB in all) | "
                f"{'MISSED' if b['growing'] else 'met'} |"
            )
        c = part(key, "c")
        if c:
            ok = set(c["statuses"]) <= {"400"} and c["max_bytes"] < 64 * MiB
            rows.append(
                f"| large answers refused by the byte cap ({key}) | statuses "
                f"{', '.join(f'{x}×{n}' for x, n in sorted(c['statuses'].items()))}; "
                f"peak RSS {mb(c['peak'])} | "
                f"{'met' if ok else 'MISSED'} |"
            )
    for key in ("new-disk", "new-mem", "new-disk-nocache"):
        d, base = part(key, "d"), part(key.replace("new", "base", 1), "d")
        if d and base and base["qps"]:
            ratio = d["qps"] / base["qps"]
            verdict = "met" if ratio >= 0.9 else "MISSED"
            if key.endswith("nocache"):
                verdict += " (noisy)"
            bad = sum((d.get("error_statuses") or {}).values())
            rows.append(
                f"| throughput no more than 10 % below the base commit ({key}) | {d['qps']:,.0f} vs "
                f"{base['qps']:,.0f} queries/s = {ratio:.2f}×"
                + (f"; {bad} non-200" if bad else "")
                + f" | {verdict} |"
            )
    if not rows:
        return []
    return [
        "## Targets (issue 10) at this checkout",
        "",
        "| target | measured | |",
        "|---|---|---|",
        *rows,
        "",
    ]


def list_named() -> list[str]:
    return sorted(p.stem for p in (REPO / "queries").glob("*.rq"))


if __name__ == "__main__":
    sys.exit(main())
