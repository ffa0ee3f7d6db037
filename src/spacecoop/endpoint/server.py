"""A safe, read-only SPARQL 1.1 endpoint over the dataset, with an offline query page.

``spacecoop serve`` runs :func:`serve`: a threaded HTTP server (the standard library's) in front of
a pool of worker processes, each holding its own loaded copy of the dataset in a :class:`Store`.

Routes
------
``/sparql``
    The SPARQL 1.1 Protocol: ``GET ?query=``, ``POST`` form (``application/x-www-form-urlencoded``)
    and ``POST`` direct (``application/sparql-query``), with ``default-graph-uri`` and
    ``named-graph-uri`` naming the endpoint's own graphs. SELECT and ASK answer in JSON, XML, CSV or
    TSV, CONSTRUCT and DESCRIBE in Turtle, N-Triples, JSON-LD or RDF/XML, chosen by ``Accept`` or
    a ``format`` parameter (406 when nothing fits). ``GET /sparql`` without a query returns the
    SPARQL Service Description (``sd:`` vocabulary, Turtle by default); with a dataset parameter
    but no query it is a query request missing its query (400). A body in a charset other than
    UTF-8, or of another type, gets 415; two ``query`` parameters, a syntax error (with the
    parser's message) or any SPARQL Update (the protocol's update operation is not offered here)
    get 400. ``tests/test_protocol.py`` runs the W3C protocol tests that apply.
``/``
    A page to write and run queries: YASGUI (the npm package ``@zazuko/yasgui``, vendored in
    ``static/yasgui/``), the named queries offered as examples. Every asset is served from here.
``/queries``, ``/queries/NAME?param=value``
    The named queries of ``queries/`` as a small API: the list (JSON, or HTML for a browser) and
    one query's results, negotiated like ``/sparql``.
``/graph/countries``, ``/graph/actors``
    Network pages drawn by :mod:`spacecoop.pages.graph_page`, when that module is installed.

Safety
------
* Read-only: SPARQL Update (including LOAD) is refused with 400, whichever way it is sent.
* Nothing reaches out, by two layers that do not depend on each other:

  1. Every query is screened as text (:func:`~spacecoop.endpoint.guard.screen_query_text`
     refuses the escapes, line breaks and characters on which rdflib's parser and Oxigraph's read
     a text differently), then parsed with rdflib's SPARQL parser and its parse tree and algebra
     inspected *before* any engine sees it; SERVICE (anywhere, nested too) is refused with 400. A
     dataset (FROM, FROM NAMED, or the protocol's ``default-graph-uri`` / ``named-graph-uri``,
     which override them) may name the endpoint's own graphs only: its named graphs, and
     :data:`~spacecoop.endpoint.guard.UNION_GRAPH` for the union of all (the service
     description's default graph). Any other IRI is refused with 400 naming it, and no graph is
     ever fetched: the engines get the dataset as a list of graphs they hold (Oxigraph's
     ``default_graph`` / ``named_graphs``; for rdflib a copy of those graphs, with the query's
     dataset clause dropped and graph loading turned off in the workers).
  2. The query workers run in a network namespace of their own
     (:func:`~spacecoop.endpoint.worker.isolate_network`, Linux): whatever a query says, the
     engine in a worker cannot open a connection. Start-up says which layers are active
     (:meth:`EndpointServer.safety`). A ``sparql:`` store needs the network, so
     there only the first layer holds.
* Time limit: queries run in worker processes; a query still running after ``timeout`` seconds
  gets its worker killed (a thread cannot stop rdflib or Oxigraph) and a fresh worker is started
  in the background, while the other workers keep answering. The client gets 504.
* Caps: a result with more than ``max_rows`` rows (or triples), or more than ``max_bytes`` bytes,
  is refused with 400 and a message asking for a LIMIT (refused, not truncated, so no client
  mistakes part of an answer for all of it); a request body over ``max_body`` bytes gets 413.
* Fair under load: a spare worker takes queries only while the others are busy; while each of
  them has run its query for over ``busy_timeout``, the spare stops any query that runs longer
  than that (503 with ``Retry-After``), so clients looping slow
  queries cannot keep a cheap query from anyone else waiting; 503 when no worker frees up
  within the time limit. A loaded standby worker replaces a stopped one at once, so the pool
  never shrinks while a replacement loads. The answer cache counts query texts and answers
  under one cap; it also keeps the refusal of an answer over a cap (the same every time for the
  same request), and no other error.
* Strict HTTP framing: two Content-Length headers, a Content-Length with Transfer-Encoding, a
  malformed or folded header, or a body shorter than announced get 400 and the connection is
  closed; nothing of such a request runs. A body the handler does not read closes the
  connection, so it is never read as the next request.
* The network pages' Content-Security-Policy allows their inline scripts by SHA-256 only (no
  ``unsafe-inline``, no ``unsafe-eval``).
* Binds 127.0.0.1 unless told otherwise; CORS allows any origin but never credentials.
* Errors are one plain-text line; no traceback ever reaches a client.

Modules
-------
Each part of the endpoint is a module of its own; dependencies point one way (down this list):

* :mod:`~spacecoop.endpoint.config` -- :class:`ServeConfig` and the default limits.
* :mod:`~spacecoop.endpoint.guard` -- the query check (:func:`check_query`, :class:`QueryRefused`,
  the protocol's dataset parameters).
* :mod:`~spacecoop.endpoint.negotiate` -- the result format from ``Accept`` / ``format``, and the
  answer written in it (:mod:`spacecoop.sparql.results`).
* :mod:`~spacecoop.endpoint.cache` -- the answer cache.
* :mod:`~spacecoop.endpoint.description` -- the service description.
* :mod:`~spacecoop.endpoint.dataset` -- answering over the graphs a request names.
* :mod:`~spacecoop.endpoint.worker` -- one query worker process (network namespace, store, jobs).
* :mod:`~spacecoop.endpoint.pool` -- the worker processes: time limits, spare and standby workers.
* :mod:`~spacecoop.endpoint.webpages` -- the network pages and the list of named queries.
* :mod:`~spacecoop.endpoint.http` -- the request handler.
* this module -- the server and its start-up (:func:`serve`, :class:`EndpointServer`).
"""

from __future__ import annotations

import os
import re
import threading
from collections.abc import Callable
from http.server import ThreadingHTTPServer
from typing import Any

from spacecoop.core.errors import SpacecoopError, UsageError
from spacecoop.endpoint.config import ServeConfig
from spacecoop.endpoint.description import service_description
from spacecoop.endpoint.guard import check_query
from spacecoop.endpoint.http import EndpointHandler
from spacecoop.endpoint.pool import WorkerPool
from spacecoop.endpoint.webpages import build_graph_page
from spacecoop.endpoint.worker import worker_payload

# ServeConfig is serve()'s argument; check_query is re-exported for benchmarks/endpoint.py.
__all__ = [
    "EndpointServer",
    "ServeConfig",
    "check_query",
    "graph_sizes",
    "make_server",
    "page_store",
    "serve",
    "store_graph_sizes",
]

_HOST_RE = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?"
)


class EndpointServer(ThreadingHTTPServer):
    """The HTTP server: routes in :class:`~spacecoop.endpoint.http.EndpointHandler`, queries in a
    :class:`~spacecoop.endpoint.pool.WorkerPool`."""

    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True

    def __init__(self, config: ServeConfig, pool: WorkerPool, ds, named: list, store=None) -> None:
        self.config = config
        self.pool = pool
        self.ds = ds
        self.named = {q.name: q for q in named}
        self._pages: dict[str, tuple[int, bytes, str]] = {}
        self._pages_lock = threading.Lock()
        # the store the network pages are drawn from: the compiled store the workers read, when
        # they read one (nothing to load), else opened from ``ds`` on first use
        self._projection: Any = store
        super().__init__((config.host, config.port), EndpointHandler)
        host, port = self.socket.getsockname()[:2]  # what server_bind set server_address to
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{port}/"
        graphs, total = graph_sizes(ds) if ds is not None else store_graph_sizes(store)
        self._graph_sizes = graphs
        self.graph_names = frozenset(graphs)  # what default-graph-uri / named-graph-uri may name
        self._default_triples = total
        self._description: object = None  # drawn on first request (thousands of triples at 100k)
        self._descriptions: dict[str, object] = {}

    @property
    def description(self):
        """The service description with ``sd:endpoint`` at the bound address."""
        with self._pages_lock:
            if self._description is None:
                self._description = service_description(
                    self.url + "sparql", self._graph_sizes, self._default_triples
                )
            return self._description

    def describe(self, host: str | None):
        """The service description with ``sd:endpoint`` at the address the client used (its Host
        header, when that is a plain host name or address with a port), else at the bound address."""
        if not host or not _HOST_RE.fullmatch(host):
            return self.description
        with self._pages_lock:
            if host not in self._descriptions:
                if len(self._descriptions) > 64:  # a client cycling Host values cannot grow this
                    self._descriptions.clear()
                self._descriptions[host] = service_description(
                    f"http://{host}/sparql", self._graph_sizes, self._default_triples
                )
            return self._descriptions[host]

    def safety(self) -> list[str]:
        """Say which of the endpoint's protections are active, one line each (printed at start)."""
        pool, config = self.pool, self.config
        iso = pool.isolation
        return [
            (
                "query check: on (text screen, then rdflib's parse: no SERVICE, LOAD or Update; "
                "FROM only of its own graphs)"
            ),
            "outbound connections from query workers: "
            + (
                "blocked (each worker in a network namespace of its own)"
                if iso is None
                else f"NOT blocked: {iso}"
            ),
            (
                f"fairness: {pool.size} workers and {pool.spare} spare (while every worker runs a long "
                f"query, a query on the spare may run {pool.busy_timeout:g} s)"
            ),
            (
                f"limits: {config.timeout:g} s a query, {config.max_rows:,} rows, {config.max_bytes:,} "
                f"bytes an answer, {config.cache_mb:g} MB of cache"
            ),
        ]

    def graph_page(self, view: str) -> tuple[int, bytes, str]:
        """Return (status, body, media type) of the network page of ``view``, built once."""
        with self._pages_lock:
            if view not in self._pages:
                if self._projection is None:
                    self._projection = page_store(self.ds)
                self._pages[view] = build_graph_page(self._projection, view)
            return self._pages[view]

    def close(self) -> None:
        """Stop listening and stop the workers (then release the compiled store they read)."""
        self.server_close()
        self.pool.close()
        if self.ds is None and self._projection is not None:
            self._projection.close()


def graph_sizes(ds) -> tuple[dict[str, int], int]:
    """Return the triples of each named graph of an rdflib Dataset, and of their union (with the
    default graph's own): what the service description states."""
    graphs = {}
    for ctx in ds.graphs():
        ident = str(ctx.identifier)
        if ident.startswith("urn:x-rdflib:"):
            continue
        graphs[ident] = len(ctx)
    total = len({(s, p, o) for s, p, o, _g in ds.quads((None, None, None, None))})
    return graphs, total


_GRAPH_SIZES = "SELECT ?g (COUNT(*) AS ?n) WHERE { GRAPH ?g { ?s ?p ?o } } GROUP BY ?g"
_DEFAULT_SIZE = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"


def store_graph_sizes(store) -> tuple[dict[str, int], int]:
    """:func:`graph_sizes` read from a compiled store, whose default graph holds the union of
    every graph and the default graph's own triples (:func:`spacecoop.store.terms.layout_nquads`):
    two counting queries instead of the rdflib copy of the data, run once per compiled store
    (:func:`spacecoop.store.compiled.derived`)."""
    from spacecoop.store.compiled import derived

    def count() -> dict:
        graphs = {str(row[0]): int(row[1]) for row in store.query(_GRAPH_SIZES).rows}
        return {"graphs": graphs, "total": int(store.query(_DEFAULT_SIZE).rows[0][0])}

    sizes = derived(store, "graph-sizes", count)  # counted once per compiled store
    return {str(k): int(v) for k, v in sizes["graphs"].items()}, int(sizes["total"])


def page_store(ds: Any) -> Any:
    """What the network pages are drawn from: the engine :mod:`spacecoop.store.engine` chooses for
    a page (rdflib over ``ds`` itself, whose views read its indexes, whatever the workers run)."""
    from spacecoop.store.engine import open_engine

    return open_engine("page", None, ds)


def make_server(config: ServeConfig, ds=None) -> EndpointServer:
    """Load the dataset, start the workers and bind the socket; return the (not yet serving) server.

    Raises
    ------
    SpacecoopError
        The dataset or the named queries cannot be loaded, a worker cannot start, or the address
        cannot be bound.
    """
    from spacecoop.sparql.query import list_queries

    if config.timeout <= 0:
        raise UsageError("--timeout must be positive")
    if config.max_rows < 1:
        raise UsageError("--max-rows must be at least 1")
    compiled = None
    if ds is None and config.store == "compiled":
        from spacecoop.store.compiled import CompiledUnavailable, note, open_compiled

        try:
            compiled = open_compiled(config.root)  # built here if an input changed, else reused
        except CompiledUnavailable as exc:
            note(f"{exc}; serving from memory")
    spec = config.store
    if compiled is not None:
        # the workers open the compiled folder read-only; this process holds its shared lock (so
        # no rebuild removes it) until the server closes
        spec, payload = f"oxigraph:{compiled.path}", b""
    else:
        if spec == "compiled":
            from spacecoop.store.engine import IN_PROCESS_ENGINE

            spec = IN_PROCESS_ENGINE["serve"]
        if ds is None:
            from spacecoop.core.load import load_dataset

            ds = load_dataset(config.root)
        payload = worker_payload(spec, ds)
    named = list_queries(config.root)
    if config.max_bytes < 1:
        raise UsageError("--max-bytes must be at least 1")
    pool = WorkerPool(
        spec,
        payload,
        size=config.workers,
        root=config.root,
        memory_limit=_memory_limit(config.workers + config.spare),
        cache_bytes=int(config.cache_mb * 2**20),
        spare=config.spare,
        busy_timeout=min(config.busy_timeout, config.timeout),
        isolate=config.isolate,
    )
    # The workers start (a new interpreter each) while this process binds the socket; the server
    # is ready once one worker is, and the others join as they load.
    pool.launch(first_only=True)
    try:
        try:
            server = EndpointServer(config, pool, ds, named, store=compiled)
        except OSError as exc:
            raise SpacecoopError(
                f"cannot listen on {config.host}:{config.port}: {exc.strerror or exc}"
            ) from exc
        try:
            pool.wait_ready(all_workers=False)
        except BaseException:
            server.server_close()
            raise
    except BaseException:
        pool.close()
        if compiled is not None:
            compiled.close()
        raise
    return server


def _memory_limit(workers: int) -> int | None:
    """Address-space cap of each worker: an equal share of the machine's memory with one share
    left for the rest, at least 2 GiB (POSIX only; elsewhere no cap)."""
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError, AttributeError):
        return None
    return max(2 << 30, total // (workers + 1))


def serve(config: ServeConfig, ready: Callable[[EndpointServer], None] | None = None) -> None:
    """Run the endpoint until interrupted (Ctrl-C or SIGTERM).

    Parameters
    ----------
    config : ServeConfig
    ready : callable, optional
        Called with the server once it is listening (its ``url``, its ``safety()`` lines).
    """
    import signal

    server = make_server(config)

    def stop(signum, frame):
        threading.Thread(target=server.shutdown, daemon=True).start()

    previous = (
        signal.signal(signal.SIGTERM, stop) if threading.current_thread() is threading.main_thread() else None
    )
    try:
        if ready is not None:
            ready(server)
        server.serve_forever(poll_interval=0.2)
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
        if previous is not None:
            signal.signal(signal.SIGTERM, previous)
