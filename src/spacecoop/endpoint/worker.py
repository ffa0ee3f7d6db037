"""One query worker process: cut off the network, open its copy of the store, answer jobs.

:func:`worker_main` is the target of each worker process (started with ``spawn`` by
:class:`spacecoop.endpoint.pool.WorkerPool`, so it is imported by this module path);
:func:`worker_payload` is what the server does once before, and :func:`open_worker_store` decides
how each worker opens its store from it.
"""

from __future__ import annotations

import os
import sys
from collections.abc import Container, Mapping

from spacecoop.core.errors import SpacecoopError
from spacecoop.endpoint import guard
from spacecoop.endpoint.config import DEFAULT_MAX_BYTES, DEFAULT_MAX_ROWS
from spacecoop.endpoint.dataset import query_over
from spacecoop.endpoint.guard import (
    QUERY_KINDS,
    QueryRefused,
    check_dataset_clauses,
    check_query,
    inspect_query,
    request_dataset,
)
from spacecoop.endpoint.negotiate import negotiate, serialize
from spacecoop.store.base import TooManyRows

__all__ = ["isolate_network", "open_worker_store", "run_job", "worker_main", "worker_payload"]

# --------------------------------------------------------------------------------------------
# Worker processes

_CLONE_NEWUSER = 0x10000000
_CLONE_NEWNET = 0x40000000


def isolate_network() -> str | None:
    """Move this process into a network namespace of its own, so nothing in it can connect out.

    The new namespace has only a loopback interface, and it is down: SERVICE requests (Oxigraph's
    own HTTP client, rdflib's urllib) and any other connection fail with "network unreachable",
    whatever the query parsers made of the text. Linux only; as root a plain network namespace,
    otherwise inside an unprivileged user namespace where the kernel allows one.

    Returns
    -------
    str or None
        None when the process is isolated (checked by trying a connection), else why not.
    """
    import socket

    if not sys.platform.startswith("linux"):
        return f"network namespaces need Linux (this is {sys.platform})"
    import ctypes

    try:
        libc = ctypes.CDLL(None, use_errno=True)
    except OSError as exc:
        return f"cannot load the C library: {exc}"
    uid, gid = os.getuid(), os.getgid()
    if libc.unshare(_CLONE_NEWNET) != 0:
        first = ctypes.get_errno()
        if libc.unshare(_CLONE_NEWUSER | _CLONE_NEWNET) != 0:
            return f"unshare(CLONE_NEWNET) failed: {os.strerror(first)}"
        try:  # keep our own uid and gid inside the user namespace, so files stay readable
            for name, text in (
                ("setgroups", "deny"),
                ("uid_map", f"{uid} {uid} 1"),
                ("gid_map", f"{gid} {gid} 1"),
            ):
                with open(f"/proc/self/{name}", "w") as fh:
                    fh.write(text)
        except OSError:
            pass
    probe = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    probe.settimeout(1.0)
    try:
        probe.connect(("127.0.0.1", 9))
    except OSError as exc:
        import errno

        if exc.errno in (errno.ENETUNREACH, errno.EHOSTUNREACH, errno.EADDRNOTAVAIL):
            return None
        return f"the namespace still reaches 127.0.0.1 ({exc.strerror or exc})"
    finally:
        probe.close()
    return "the namespace still reaches 127.0.0.1"


def open_worker_store(spec: str, payload: bytes):
    """Open a worker's store (see :func:`worker_payload` for what ``payload`` holds)."""
    from spacecoop.store import open_store, parse_store_spec

    if parse_store_spec(spec).persistent:
        # loaded once by the server; the workers share an Oxigraph folder, so none takes its lock
        return open_store(spec, read_only=True)
    store = open_store(spec)  # in this process, empty: a copy of the server's from its dump
    store.load_nquads(payload)
    return store


def worker_payload(spec: str, ds) -> bytes:
    """Do what must happen once before the workers open their stores; return what they need.

    A store held in each worker (``memory``, ``oxigraph`` in memory): the server loads one with
    ``ds`` and hands the workers its dump (:meth:`~spacecoop.store.Store.dump_nquads`), so every
    copy holds exactly what that store's loader writes. A persistent store (``oxigraph:PATH``,
    ``sparql:``): the server loads the dataset into it once and each worker opens it (read-only for
    a folder); the payload is empty.
    """
    import gc

    from spacecoop.store import open_store, parse_store_spec

    store = open_store(spec, ds)
    try:
        return b"" if parse_store_spec(spec).persistent else store.dump_nquads()
    finally:
        store.close()
        del store
        gc.collect()  # drop pyoxigraph's handle (and its lock on a folder) before the workers start


def _answer_size(result) -> int:
    """Roughly the bytes of a result's terms: a lower bound on any serialisation of it.

    Read from the engine's text rows when it gives them: reading ``rows`` would make an rdflib
    term per cell, and the writer would then write from those terms (at 100k triples, 3,700 rows
    took 70 ms to convert and 340 ms to write, against 130 ms written from text).
    """
    if result.graph is not None:
        return sum(len(s) + len(p) + len(o) for s, p, o in result.graph)
    text = result.text_rows()
    if text is not None:
        return sum(len(t[1]) for row in text for t in row if t is not None)
    return sum(len(t) for row in result.rows for t in row if t is not None)


class _OverCap(QueryRefused):
    """An answer over the endpoint's byte cap (over its row cap: :class:`TooManyRows`, replied
    to alike): the same for the same request while the
    server runs (the dataset is read-only and the caps are part of the cache's key), so its reply
    is marked ``"kept"`` and the answer cache keeps it as it keeps answers (a client repeating
    it would otherwise have the query run again each time: a 51,000-row answer at 100k triples
    took 1 s of a worker per request)."""


def _too_big(size: int, cap: int) -> QueryRefused:
    return _OverCap(
        f"the answer is more than {cap:,} bytes ({size:,} at least), this endpoint's limit (--max-bytes); "
        "narrow the query, add a LIMIT, or shorten long values (GROUP_CONCAT, STR of big literals)"
    )


def run_job(store, named: Mapping, job: Mapping, graphs: Container[str] = frozenset()) -> dict:
    """Run one job in a worker; always return a reply dict, never raise.

    A SPARQL text the guard passed without a dataset clause is said so in the reply
    (``"passed"``: its kind), whatever became of the query then, so that the pool can hand the
    verdict to the other workers; a job that brings such a verdict (``"passed"``, set by the
    pool only) is not parsed again here.
    """
    verdict: list[str] = []
    reply = _run_job(store, named, job, graphs, verdict)
    if verdict:
        reply["passed"] = verdict[0]
    return reply


def _run_job(store, named: Mapping, job: Mapping, graphs: Container[str], verdict: list[str]) -> dict:
    cap = job.get("max_rows", DEFAULT_MAX_ROWS)
    try:
        if job["op"] == "sparql":
            text = job["query"]
            if job.get("passed") in QUERY_KINDS:  # another worker's verdict on this very text
                kind, dataset = job["passed"], None
            else:
                kind, dataset = inspect_query(text)
                if dataset is None:
                    verdict.append(kind)
            if dataset is not None:  # FROM / FROM NAMED: only the endpoint's own graphs, ever
                check_dataset_clauses(dataset, graphs)
            if job.get("dataset") is not None:  # the protocol's parameters, which override FROM
                default, named_graphs = job["dataset"]
                dataset = request_dataset(list(default), list(named_graphs), graphs)
            fmt = negotiate(kind, job.get("accept"), job.get("format"))
            if dataset is None:  # an answer far over the cap is not read in full to be refused
                result = store.query_at_most(text, rows=cap)
            else:
                result = query_over(store, text, dataset)
        elif job["op"] == "named":
            nq = named[job["name"]]
            kind = check_query(nq.text_for(store))
            fmt = negotiate(kind, job.get("accept"), job.get("format"))
            from spacecoop.sparql.query import resolve_params

            # as spacecoop.sparql.query.run_named does: each value a CURIE, an IRI or a label, bound as a term
            bindings = resolve_params(store, nq, job["params"])
            result = store.query_at_most(nq.text_for(store), bindings, rows=cap)
        elif job["op"] == "ping":
            return {"status": 200, "body": b"pong", "type": "text/plain; charset=utf-8"}
        else:
            return {"status": 400, "error": f"unknown operation {job['op']!r}"}
        if result.kind != kind and kind in ("CONSTRUCT", "DESCRIBE"):
            result = type(result)(kind, graph=result.graph)
        size = len(result.graph) if result.graph is not None else len(result)  # no term made
        if size > cap:  # the answer of a request that names its dataset, read in full
            raise TooManyRows(size, exact=True, triples=result.graph is not None)
        byte_cap = job.get("max_bytes", DEFAULT_MAX_BYTES)
        estimate = _answer_size(result)
        if estimate > byte_cap:  # refused before writing it: the writer would double the memory
            raise _too_big(estimate, byte_cap)
        body, media = serialize(result, fmt)
        if len(body) > byte_cap:
            raise _too_big(len(body), byte_cap)
        return {"status": 200, "body": body, "type": media, "rows": size}
    except TooManyRows as exc:
        what = "triples" if exc.triples else "rows"
        has = (
            f"the result has {exc.count:,} {what}, more than this endpoint's limit of {cap}"
            if exc.exact  # counted in full
            else f"the result has more than this endpoint's limit of {cap} {what}"  # read no further
        )
        # the same for the same request while the server runs, as for _OverCap
        return {
            "status": 400,
            "error": f"{has}; add a LIMIT (at most {cap}) or narrow the query",
            "kept": True,
        }
    except _OverCap as exc:
        return {"status": exc.status, "error": str(exc), "kept": True}
    except QueryRefused as exc:
        return {"status": exc.status, "error": str(exc)}
    except SpacecoopError as exc:
        return {"status": 400, "error": str(exc)}
    except MemoryError:
        return {
            "status": 503,
            "error": "the query ran out of memory; narrow it or add a LIMIT",
            "restart": True,
        }
    except RecursionError:
        return {"status": 400, "error": "the query is nested too deeply"}
    except Exception as exc:
        return {
            "status": 400 if "rror" in type(exc).__name__ else 500,
            "error": f"query failed: {type(exc).__name__}: {exc}",
        }


def _guard_identity() -> str:
    """A hash of the guard's code and of the parser it uses: a remembered judgement holds while
    neither changes."""
    import hashlib
    from pathlib import Path

    from spacecoop.core.cache import installed_version

    h = hashlib.sha256(Path(guard.__file__).read_bytes())
    h.update(f"rdflib={installed_version('rdflib')}".encode())
    return h.hexdigest()


def _named_kind(text: str) -> str:
    """The kind of a named query's text as the guard judges it, or "" when the guard would not
    let it pass unparsed (it is refused, or names a dataset, which each request checks)."""
    try:
        kind, dataset = inspect_query(text)
    except QueryRefused:
        return ""
    return kind if dataset is None else ""


def worker_main(
    conn, spec: str, payload: bytes, root: str | None, memory_limit: int | None, isolate: bool = True
) -> None:
    """The loop of one worker process: cut it off the network, load the store, answer jobs."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server stops its workers itself
    # First, while this process is still single-threaded: a network namespace of its own.
    isolation: str | None
    if not isolate:
        isolation = "turned off (--no-isolation)"
    elif spec.startswith("sparql:"):
        isolation = "not possible: the sparql: store is reached over the network"
    else:
        isolation = isolate_network()
    if memory_limit:
        try:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
        except (ImportError, ValueError, OSError):
            pass
    try:
        from spacecoop.core.cache import remembered
        from spacecoop.sparql.query import list_queries

        store = open_worker_store(spec, payload)
        graphs = store.graph_names()
        named = {q.name: q for q in list_queries(root)}
        # Parsing costs 20-400 ms a query: judge each named query once, and remember the judgement
        # across processes (by its text and the guard's code), so a worker starts in milliseconds.
        guard_code = _guard_identity()
        for q in named.values():
            text = q.text_for(store)
            kind = remembered(
                "named-query-kinds.json", guard_code + "\n" + text, lambda text=text: _named_kind(text)
            )
            if kind:
                guard.remember_checked(text, kind)
        # (no count of the quads here: on a store on disk it takes seconds at 100k triples)
        hello = {"ready": True, "isolation": isolation}
    except Exception as exc:
        hello = {"ready": False, "error": f"{type(exc).__name__}: {exc}"}
    try:
        conn.send(hello)
    except (OSError, ValueError):  # the parent stopped waiting (closed while this one loaded)
        return
    if not hello["ready"]:
        return
    # After saying ready (the import takes a few hundred milliseconds, the server waits for no
    # worker's), before the first job: rdflib reads a FROM graph it does not hold from the IRI (a
    # file, another host): never here, even for a query that got past the check (SERVICE is kept
    # out by the check and the namespace).
    import rdflib.plugins.sparql

    rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if job is None:
            return
        reply = run_job(store, named, job, graphs)
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return
