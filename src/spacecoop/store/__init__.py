"""The storage seam: one small interface, several SPARQL engines behind it.

Callers hold a :class:`Store` and call :meth:`Store.query`; they never touch rdflib's or
pyoxigraph's query APIs directly, so a backend can be swapped without touching them. Results come
back as :class:`QueryResult` holding rdflib terms, whatever the engine, so results from different
backends compare equal.

Store specs (``--store`` on the command line, ``$SPACECOOP_STORE``, :func:`open_store`):

``memory``
    rdflib in this process (the default).
``oxigraph``
    pyoxigraph in this process, in memory.
``oxigraph:PATH``
    pyoxigraph persistent in the folder ``PATH`` (created if missing). Reopening it reads what is
    there; nothing is reloaded. Loading again builds the new store in a sibling folder
    (``PATH.new-…``) and swaps the two with one atomic exchange of names (two renames where the
    system has no exchange), so a load killed at any moment leaves the old store or the new one,
    complete; stale siblings are removed by the next load.
``sparql:URL[,gsp=URL][,timeout=SECONDS]``
    Any store that speaks SPARQL 1.1 Query and the Graph Store Protocol (Oxigraph server, Fuseki,
    GraphDB, Virtuoso ...). ``URL`` is its query endpoint; ``gsp=`` its Graph Store endpoint
    (needed only to load). A URL with no path, such as ``sparql:http://127.0.0.1:7878``, means
    Oxigraph server's layout: queries at ``/query``, Graph Store at ``/store``. ``timeout``
    (default 60, at most 1,000,000) bounds every request. ``user:password@`` in a URL is sent as
    HTTP Basic authentication and shown as ``***`` in every message.

What a store holds. Each named graph of the dataset is stored as it is (the ontology graph and one
graph per source). Beside them the store holds the RDF merge of every graph, the dataset's own
default graph included: rdflib's ``default_union`` view, written out. Engines disagree on what
the default graph of a query is (rdflib: the union as a set; Oxigraph: its own default graph, or
with ``union-default-graph`` a union *with duplicates*; Fuseki, GraphDB, Virtuoso: per store
configuration), so writing the merge once at load time makes every engine answer as rdflib does,
with no vendor flag, at the cost of storing each triple about twice. In-process stores keep the
merge in their default graph.

A ``sparql:`` store keeps the merge in a named graph of ours, :data:`UNION_GRAPH`, and never
writes the server's default graph (Virtuoso refuses Graph Store writes to it). Beside it sits the
manifest, :data:`MANIFEST_GRAPH`: the dataset's graphs (``dcterms:hasPart``), the merge
(``sd:defaultGraph``) and the state of the load (``schema:actionStatus``). Every query is sent
with the dataset named in the protocol (``default-graph-uri`` = the merge and, when the query
says ``GRAPH``, one ``named-graph-uri`` per graph of the manifest), so queries see exactly the
dataset: neither the manifest nor other graphs on the server. Loading first marks the store
incomplete (listing every graph it may write), writes the graphs, drops the graphs of the
previous manifest that the new dataset lacks (never a graph it did not write), and only then
marks it complete. Reading a store marked incomplete, or one that holds data but no manifest,
is a clear error.

Parameters (``bindings``) are bound as RDF terms and never pasted into query text (see
:mod:`spacecoop.sparql.parse`, the front door every query passes): rdflib takes them as
``initBindings``; pyoxigraph and a remote store as one ``VALUES`` clause that the parser places
at the start of the query's outermost WHERE group (:func:`bind_values`; why not pyoxigraph's
``substitutions``: :meth:`OxigraphStore.query`), each term written by pyoxigraph's N-Triples
serialiser after its IRI or language tag has been checked (an invalid IRI is refused, so a value
cannot close the clause and add text). There every pattern, FILTER and EXISTS of the group sees
the parameter bound, as with substitution.
"""

from __future__ import annotations

import io
import itertools
import re
from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from spacecoop.core.errors import SpacecoopError, UsageError
from spacecoop.sparql.parse import (
    bind_values,
    parse_query,
    query_form,
    values_clause,  # noqa: F401  (re-exported: callers import it from here)
)

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


@dataclass(frozen=True)
class QueryResult:
    """The result of a SPARQL query, engine-independent.

    ``kind`` is ``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``. SELECT fills ``vars`` and
    ``rows`` (tuples of rdflib terms, ``None`` where unbound); ASK fills ``boolean``; CONSTRUCT and
    DESCRIBE fill ``graph``.
    """

    kind: str
    vars: tuple[str, ...] = ()
    rows: tuple[tuple[Node | None, ...], ...] = ()
    boolean: bool | None = None
    graph: Graph | None = field(default=None, compare=False)

    def __len__(self) -> int:
        return len(self.rows)

    def dicts(self) -> list[dict[str, Node]]:
        """Return the rows as dicts of bound variables."""
        return [{v: t for v, t in zip(self.vars, row) if t is not None} for row in self.rows]

    def column(self, var: str) -> list[Node | None]:
        """Return the values of one variable, in row order."""
        i = self.vars.index(var)
        return [row[i] for row in self.rows]


class Store(ABC):
    """A place that holds the dataset and answers SPARQL over it (default graph = union)."""

    name: str = "store"
    persistent: bool = False
    """True when the store outlives this process (on disk or on a server): commands then query
    what it holds instead of loading the project's files into it."""

    @abstractmethod
    def load(self, ds: Dataset) -> None:
        """Replace the store's contents with the quads of ``ds``, named graphs intact."""

    @abstractmethod
    def query(self, text: str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        """Run a SPARQL query; ``bindings`` binds variables to RDF terms (never pasted as text).

        Raises
        ------
        UsageError
            The query is malformed.
        """

    @abstractmethod
    def __len__(self) -> int:
        """Return the number of quads."""

    def is_empty(self) -> bool:
        """Return True when the store holds no triple at all."""
        return not self.query("ASK { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }").boolean

    def mentions(self, term: Node) -> bool:
        """Return True when ``term`` is the subject or object of a triple of the default graph
        (the union of the dataset's graphs)."""
        return bool(self.query(_MENTIONS, {"term": term}).boolean)

    @abstractmethod
    def to_dataset(self) -> Dataset:
        """Return the store's contents as an rdflib Dataset (default graph = union).

        The default graph of the result holds the stored default-graph triples that no named
        graph holds, which gives back the dataset that was loaded.
        """

    def close(self) -> None:
        """Release resources."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class MemoryStore(Store):
    """rdflib in memory: the embedded default."""

    name = "memory"

    def __init__(self, ds: Dataset | None = None) -> None:
        self.ds = ds if ds is not None else Dataset(default_union=True)
        self.ds.default_union = True

    def load(self, ds: Dataset) -> None:
        new = Dataset(default_union=True)
        for prefix, ns in ds.namespaces():
            new.bind(prefix, ns, override=True, replace=True)
        for s, p, o, g in ds.quads((None, None, None, None)):
            new.graph(g.identifier if hasattr(g, "identifier") else g).add((s, p, o))
        self.ds = new

    def query(self, text: str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        """Run a SPARQL query with rdflib's engine; answer as Oxigraph does where rdflib differs.

        The query is parsed and translated once by the front door (:func:`spacecoop.sparql.parse_query`,
        which also corrects how rdflib reads a constant false filter and a CONSTRUCT without a
        template); ``bindings`` are rdflib's ``initBindings``. rdflib drops solutions that bind no
        variable (``SELECT * WHERE {}`` has one such row, so it gave none; kept where the query has
        a GROUP BY, to hide rdflib's empty group); that is corrected here. Everything else is
        rdflib's own evaluation.
        """
        pq = parse_query(text)
        if pq.empty_template:
            return QueryResult("CONSTRUCT", graph=Graph())  # CONSTRUCT {} WHERE … and CONSTRUCT WHERE {}
        prepared, grouped = pq.rdflib_query(self.ds.namespaces)
        res = self.ds.query(prepared, initBindings=dict(bindings or {}))
        if res.type == "SELECT":
            names = tuple(str(v) for v in res.vars)
            if grouped:
                # rdflib answers a GROUP BY over no solutions with one empty group, which iterating
                # its result drops (with any solution that binds nothing): keep that here
                return QueryResult("SELECT", names, tuple(tuple(row) for row in res))
            # res.bindings keeps the solutions that bind nothing (SELECT * WHERE {} has one)
            return QueryResult(
                "SELECT", names, tuple(tuple(b.get(v) for v in res.vars) for b in res.bindings)
            )
        if res.type == "ASK":
            return QueryResult("ASK", boolean=bool(res.askAnswer))
        g = Graph()
        for t in res:
            g.add(t)
        return QueryResult(res.type, graph=g)

    def mentions(self, term: Node) -> bool:
        if next(iter(self.ds.triples((term, None, None))), None) is not None:
            return True
        return next(iter(self.ds.triples((None, None, term))), None) is not None

    def to_dataset(self) -> Dataset:
        return self.ds

    def __len__(self) -> int:
        return sum(1 for _ in self.ds.quads((None, None, None, None)))


class OxigraphStore(Store):
    """pyoxigraph: in memory, or persistent in a folder on disk.

    One process at a time may open a folder (RocksDB's lock); a second gets a clear error. Opening
    with ``read_only=True`` takes no lock, for a folder no process is writing.
    """

    name = "oxigraph"

    def __init__(self, path: str | None = None, *, read_only: bool = False) -> None:
        import pyoxigraph

        self.path = path
        self.persistent = bool(path)
        self.read_only = read_only
        if path:
            _restore_if_missing(path)
        try:
            if not path:
                self.store = pyoxigraph.Store()
            elif read_only:
                self.store = pyoxigraph.Store.read_only(path)
            else:
                self.store = pyoxigraph.Store(path)
        except (OSError, RuntimeError) as exc:
            if path and "lock" in str(exc).lower():
                raise SpacecoopError(
                    f"the Oxigraph store at {path} is in use by another process (RocksDB allows one); "
                    "stop it, or query that process's endpoint with --store sparql:URL"
                ) from exc
            raise SpacecoopError(f"cannot open the Oxigraph store at {path}: {_one_line(exc)}") from exc

    def load(self, ds: Dataset) -> None:
        """Replace the contents with ``ds``: named graphs as they are, default graph = their merge.

        In memory the store is cleared and filled. On disk the new store is built in a sibling
        folder and the two folders then swap names (see :func:`swap_folders`): killed at any
        moment, the folder holds the old store or the new one, complete. Stale siblings left by
        killed loads are removed first.

        Raises
        ------
        SpacecoopError
            The store was opened read-only, or loading failed (the old contents are then kept on
            disk).
        """
        import pyoxigraph

        if self.read_only:
            raise SpacecoopError(
                f"the Oxigraph store at {self.path} was opened read-only; open it writable to load"
            )
        if self.path:
            self._load_beside(ds)
            return
        try:
            self.store.clear()
            self.store.bulk_load(_ByteLines(layout_nquads(ds)), format=pyoxigraph.RdfFormat.N_QUADS)
        except (OSError, SyntaxError, ValueError) as exc:
            raise SpacecoopError(f"cannot load into the Oxigraph store: {_one_line(exc)}") from exc

    def _load_beside(self, ds: Dataset) -> None:
        import gc
        import os
        import secrets
        import shutil

        import pyoxigraph

        path = os.path.realpath(self.path)  # a link to the folder stays a link, to the new folder
        remove_stale_siblings(path)
        staging = f"{path}.new-{os.getpid()}-{secrets.token_hex(4)}"
        try:
            new = pyoxigraph.Store(staging)
            new.bulk_load(_ByteLines(layout_nquads(ds)), format=pyoxigraph.RdfFormat.N_QUADS)
            new.optimize()
            new.flush()
            del new
            gc.collect()  # release RocksDB's lock on the new folder before it is renamed
        except (OSError, RuntimeError, SyntaxError, ValueError) as exc:
            shutil.rmtree(staging, ignore_errors=True)
            raise SpacecoopError(
                f"cannot load into the Oxigraph store at {self.path}: {_one_line(exc)} (the store is unchanged)"
            ) from exc
        except BaseException:
            shutil.rmtree(staging, ignore_errors=True)
            raise
        self.store = None  # type: ignore[assignment]
        gc.collect()  # release our lock on the old folder
        try:
            swap_folders(staging, path)  # now ``staging`` holds the old store
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            self.store = pyoxigraph.Store(path)
            raise SpacecoopError(
                f"cannot swap the new Oxigraph store into {self.path}: {_one_line(exc)}"
            ) from exc
        self.store = pyoxigraph.Store(path)
        shutil.rmtree(staging, ignore_errors=True)

    def query(self, text: str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        """Run a SPARQL query with Oxigraph's engine.

        ``bindings`` travel as a VALUES clause that opens the outermost WHERE group (see
        :func:`bind_values`), as for a remote store, not as pyoxigraph's ``substitutions``.
        Those gave the same rows on every named query, but pyoxigraph 0.5.13 refuses a variable
        the SELECT does not project (and every variable of an ASK), evaluates ``BOUND(?v)`` as
        false for a substituted ``?v``, and does not narrow the search with the value:
        ``payload-partners`` for one mission took 10 ms substituted, as long as unbound, and
        2 ms with VALUES; ``bloc-timeline`` 110 ms against 24 ms.
        """
        import pyoxigraph as ox

        sent = bind_values(text, bindings) if bindings else text
        try:
            res = self.store.query(sent)
        except SyntaxError as exc:
            raise UsageError(f"malformed SPARQL: {_one_line(exc)}") from exc
        except OSError as exc:
            raise SpacecoopError(f"the query failed: {_one_line(exc)}") from exc
        if isinstance(res, ox.QueryBoolean):
            return QueryResult("ASK", boolean=bool(res))
        if isinstance(res, ox.QuerySolutions):
            names = tuple(v.value for v in res.variables)
            width = range(len(names))
            memo: dict = {}  # answers repeat terms (sources, relationships): convert each once

            def term(t):
                if t is None:
                    return None
                out = memo.get(t)
                if out is None:
                    out = memo[t] = from_oxigraph(t)
                return out

            rows = tuple(tuple(term(sol[i]) for i in width) for sol in res)
            return QueryResult("SELECT", names, rows)
        g = Graph()
        for t in res:
            g.add((from_oxigraph(t.subject), from_oxigraph(t.predicate), from_oxigraph(t.object)))
        return QueryResult(_graph_form(text), graph=g)

    def mentions(self, term: Node) -> bool:
        import pyoxigraph as ox

        node, default = to_oxigraph(term), ox.DefaultGraph()
        if next(iter(self.store.quads_for_pattern(node, None, None, default)), None) is not None:
            return True
        return next(iter(self.store.quads_for_pattern(None, None, node, default)), None) is not None

    def to_dataset(self) -> Dataset:
        import pyoxigraph as ox

        out = Dataset(default_union=True)
        default: set = set()
        named: set = set()
        for q in self.store.quads_for_pattern(None, None, None, None):
            t = (from_oxigraph(q.subject), from_oxigraph(q.predicate), from_oxigraph(q.object))
            if isinstance(q.graph_name, ox.DefaultGraph):
                default.add(t)
            else:
                out.graph(from_oxigraph(q.graph_name)).add(t)
                named.add(t)
        for t in default - named:
            out.default_graph.add(t)
        return out

    def __len__(self) -> int:
        return int(self.query(_COUNT_QUADS).rows[0][0])

    def close(self) -> None:
        if self.path and not self.read_only:
            try:
                self.store.flush()
            except OSError:
                pass
        self.store = None  # type: ignore[assignment]


STORE_BASE = "https://w3id.org/spacecoop/store/"
MANIFEST_GRAPH = URIRef(STORE_BASE + "manifest")
"""The named graph in which ``load`` describes what a ``sparql:`` store holds (see module notes)."""
UNION_GRAPH = URIRef(STORE_BASE + "default")
"""The named graph that holds the merge of the dataset's graphs in a ``sparql:`` store."""

_SD = "http://www.w3.org/ns/sparql-service-description#"
_DCT_HAS_PART = URIRef("http://purl.org/dc/terms/hasPart")
_SCHEMA = "https://schema.org/"
_PROV = "http://www.w3.org/ns/prov#"
_RDF_TYPE = URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type")
_XSD_DATETIME = URIRef("http://www.w3.org/2001/XMLSchema#dateTime")
_STATUS = URIRef(_SCHEMA + "actionStatus")
_COMPLETE = URIRef(_SCHEMA + "CompletedActionStatus")
_ACTIVE = URIRef(_SCHEMA + "ActiveActionStatus")
_STARTED = URIRef(_PROV + "startedAtTime")
_ENDED = URIRef(_PROV + "endedAtTime")
_DEFAULT_GRAPH = URIRef(_SD + "defaultGraph")


@dataclass(frozen=True)
class Manifest:
    """What the manifest graph of a ``sparql:`` store says.

    ``complete`` is False from the moment a load starts until its last step; ``graphs`` are the
    dataset's named graphs (while loading: every graph the load may write, the previous ones
    included); ``default_graph`` holds their merge.
    """

    complete: bool
    graphs: tuple[URIRef, ...] = ()
    default_graph: URIRef = UNION_GRAPH
    started: str | None = None
    ended: str | None = None

    def to_ntriples(self) -> bytes:
        """Return the manifest graph as N-Triples."""
        m, memo = MANIFEST_GRAPH, {}
        triples = [
            (m, _RDF_TYPE, URIRef(_SD + "Dataset")),
            (m, _DEFAULT_GRAPH, self.default_graph),
            (m, _STATUS, _COMPLETE if self.complete else _ACTIVE),
        ]
        triples += [(m, _DCT_HAS_PART, g) for g in self.graphs]
        if self.started:
            triples.append((m, _STARTED, Literal(self.started, datatype=_XSD_DATETIME)))
        if self.ended:
            triples.append((m, _ENDED, Literal(self.ended, datatype=_XSD_DATETIME)))
        return "".join(_triple_line(s, p, o, memo) for s, p, o in triples).encode("utf-8")

    @classmethod
    def from_pairs(cls, pairs) -> Manifest:
        """Read a manifest from its ``(predicate, object)`` pairs; anything unclear is incomplete."""
        graphs, default, status, started, ended = [], UNION_GRAPH, None, None, None
        for p, o in pairs:
            if p == _DCT_HAS_PART and isinstance(o, URIRef):
                graphs.append(o)
            elif p == _DEFAULT_GRAPH and isinstance(o, URIRef):
                default = o
            elif p == _STATUS:
                status = o
            elif p == _STARTED:
                started = str(o)
            elif p == _ENDED:
                ended = str(o)
        return cls(status == _COMPLETE, tuple(sorted(set(graphs), key=str)), default, started, ended)


MANIFEST_TTL = 0.0
"""Seconds a reader trusts the manifest it read before reading it again. Zero: every query reads
it first (one small request more), so a reader sees a load start or end at once."""

_GRAPHISH = re.compile(r"graph|\\[uU]", re.IGNORECASE)  # may name a graph (or escape the keyword)


def _now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="seconds")


class SparqlStore(Store):
    """Any store that speaks SPARQL 1.1 Query and the Graph Store Protocol, over HTTP.

    Parameters
    ----------
    query_url : str
        The SPARQL query endpoint (``http://127.0.0.1:7878/query`` for Oxigraph server).
        ``user:password@`` before the host is sent as HTTP Basic authentication.
    gsp_url : str, optional
        The Graph Store Protocol endpoint (``http://127.0.0.1:7878/store``); needed only by
        :meth:`load`.
    timeout : float
        Seconds to wait for any one request; past it a clear error is raised.

    Raises
    ------
    UsageError
        A URL is not http(s), has no host or a bad port; the timeout is not a positive finite
        number of seconds.

    Notes
    -----
    Queries are sent as ``POST`` forms asking for ``application/sparql-results+json`` (SELECT, ASK)
    or N-Triples (CONSTRUCT, DESCRIBE), with the dataset named by the manifest (see the module
    notes); results are parsed into rdflib terms. Bindings are sent as a ``VALUES`` clause (see
    :func:`bind_values`). One keep-alive connection per thread. Credentials never appear in a
    message or in ``repr``.
    """

    name = "sparql"
    persistent = True

    def __init__(self, query_url: str, *, gsp_url: str | None = None, timeout: float = 60.0) -> None:
        import math
        import threading

        self._auth: dict[str, str] = {}
        self.query_url = self._without_credentials(query_url, "query URL")
        self.gsp_url = self._without_credentials(gsp_url, "gsp= URL") if gsp_url is not None else None
        try:
            self.timeout = float(timeout)
        except (TypeError, ValueError):
            self.timeout = math.nan
        if not (math.isfinite(self.timeout) and 0 < self.timeout <= MAX_TIMEOUT):
            raise UsageError(
                f"timeout must be a number of seconds above 0 and at most {MAX_TIMEOUT:,.0f}; got {timeout!r}"
            )
        self._local = threading.local()
        self._state: tuple[float, Manifest | None] | None = None

    def _without_credentials(self, url: str, what: str) -> str:
        """Check ``url``; return it without ``user:password@``, kept aside as a Basic header."""
        import base64
        from urllib.parse import unquote

        parts = check_url(url, what)
        if "@" not in parts.netloc:
            return url
        userinfo, _, hostport = parts.netloc.rpartition("@")
        user, _, password = userinfo.partition(":")
        clean = parts._replace(netloc=hostport).geturl()
        token = base64.b64encode(f"{unquote(user)}:{unquote(password)}".encode()).decode("ascii")
        self._auth[clean] = "Basic " + token
        return clean

    def __repr__(self) -> str:
        return f"SparqlStore({self.query_url!r}, gsp_url={self.gsp_url!r}, timeout={self.timeout:g})"

    # -- HTTP ----------------------------------------------------------------------------------
    def _connection(self, url: str):
        import http.client
        from urllib.parse import urlsplit

        parts = urlsplit(url)
        key = (parts.scheme, parts.hostname, parts.port)
        conns = getattr(self._local, "conns", None)
        if conns is None:
            conns = self._local.conns = {}
        conn = conns.get(key)
        if conn is None:
            cls = http.client.HTTPSConnection if parts.scheme == "https" else http.client.HTTPConnection
            conn = conns[key] = cls(parts.hostname, parts.port, timeout=self.timeout)
        return key, conn

    def _request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ) -> tuple[int, str, bytes]:
        import http.client
        from urllib.parse import urlencode, urlsplit

        parts = urlsplit(url)
        target = (parts.path or "/") + ("?" + parts.query if parts.query else "")
        if params:
            target += ("&" if parts.query else "?") + urlencode(params)
        headers = dict(headers or {})
        if url in self._auth:
            headers["Authorization"] = self._auth[url]
        for attempt in (1, 2):
            key, conn = self._connection(url)
            try:
                conn.request(method, target, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                # Virtuoso caps answers silently but for this header: _post_query refuses such an answer
                self._local.max_rows = resp.getheader("X-SPARQL-MaxRows")
                if resp.getheader("Connection", "").lower() == "close":
                    conn.close()
                    self._local.conns.pop(key, None)
                return resp.status, resp.getheader("Content-Type", "") or "", data
            except (http.client.RemoteDisconnected, BrokenPipeError, ConnectionResetError) as exc:
                conn.close()
                self._local.conns.pop(key, None)
                if attempt == 2:  # a stale keep-alive connection is retried once, then reported
                    raise SpacecoopError(
                        f"the SPARQL store at {url} closed the connection: {_one_line(exc)}"
                    ) from exc
            except TimeoutError as exc:
                conn.close()
                self._local.conns.pop(key, None)
                raise SpacecoopError(
                    f"the SPARQL store at {url} did not answer within {self.timeout:g} s"
                ) from exc
            except ConnectionRefusedError as exc:
                conn.close()
                self._local.conns.pop(key, None)
                raise SpacecoopError(
                    f"cannot reach the SPARQL store at {url}: connection refused (is the server running?)"
                ) from exc
            except (OSError, http.client.HTTPException) as exc:
                conn.close()
                self._local.conns.pop(key, None)
                raise SpacecoopError(f"cannot reach the SPARQL store at {url}: {_one_line(exc)}") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _post_query(self, sent: str, dataset: list[tuple[str, str]], form: str) -> QueryResult:
        """Send one query as it stands, with protocol dataset parameters; parse the answer."""
        from urllib.parse import urlencode

        status, ctype, data = self._request(
            "POST",
            self.query_url,
            body=urlencode([("query", sent), *dataset]).encode("ascii"),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/sparql-results+json, application/n-triples;q=0.9",
            },
        )
        if status >= 400:
            message = _one_line(data.decode("utf-8", "replace")) or f"HTTP {status}"
            if 400 <= status < 500:
                raise UsageError(f"the SPARQL store refused the query (HTTP {status}): {message}")
            raise SpacecoopError(f"the SPARQL store failed on the query (HTTP {status}): {message}")
        mime = ctype.split(";")[0].strip().lower()
        cap = getattr(self._local, "max_rows", None)
        if mime in ("application/sparql-results+json", "application/json"):
            result = parse_sparql_json(data)
        else:
            g = Graph()
            fmt = {"application/n-triples": "nt", "text/turtle": "turtle", "application/rdf+xml": "xml"}.get(
                mime
            )
            if fmt is None:
                raise SpacecoopError(f"the SPARQL store answered with an unexpected media type {ctype!r}")
            g.parse(data=data.decode("utf-8"), format=fmt)
            result = QueryResult(form, graph=g)
        size = len(result.graph) if result.graph is not None else len(result.rows)
        if cap is not None and cap.strip().isdigit() and size >= int(cap):
            raise SpacecoopError(
                f"the SPARQL store cut its answer at {int(cap):,} rows (X-SPARQL-MaxRows), so it may be "
                "short: narrow the query, or raise the store's result limit (Virtuoso: ResultSetMaxRows)"
            )
        return result

    # -- the manifest ----------------------------------------------------------------------------
    def read_manifest(self) -> Manifest | None:
        """Return what the store's manifest graph says, or None when there is none."""
        res = self._post_query(
            f"SELECT ?p ?o WHERE {{ GRAPH <{MANIFEST_GRAPH}> {{ <{MANIFEST_GRAPH}> ?p ?o }} }}", [], "SELECT"
        )
        return Manifest.from_pairs(res.rows) if res.rows else None

    def _holds_any_triple(self) -> bool:
        """True when the server holds any triple at all, in any graph (ours or not)."""
        return bool(
            self._post_query("ASK { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }", [], "ASK").boolean
        )

    def _ready(self) -> Manifest | None:
        """Return the manifest of a store fit to read (None: an empty store with no manifest).

        Raises
        ------
        SpacecoopError
            The store holds an incomplete load, or data but no manifest.
        """
        import time

        state = self._state
        if state is not None and MANIFEST_TTL and time.monotonic() - state[0] < MANIFEST_TTL:
            return state[1]
        checked = time.monotonic()
        manifest = self.read_manifest()
        if manifest is None:
            if self._holds_any_triple():
                raise SpacecoopError(
                    f"the SPARQL store at {self.query_url} holds data but no spacecoop manifest "
                    f"<{MANIFEST_GRAPH}>: it was not filled by spacecoop load (or by an older version); "
                    "run spacecoop load"
                )
        elif not manifest.complete:
            raise SpacecoopError(
                f"the SPARQL store at {self.query_url} holds an incomplete load (started "
                f"{manifest.started or 'at an unknown time'} and never marked complete: interrupted, or "
                "still running); run spacecoop load again"
            )
        self._state = (checked, manifest)
        return manifest

    def _dataset(self, text: str) -> list[tuple[str, str]]:
        """The protocol parameters that name the dataset for ``text`` (see the module notes)."""
        manifest = self._ready()
        if manifest is None:
            return []
        params = [("default-graph-uri", str(manifest.default_graph))]
        if _GRAPHISH.search(text):
            params += [("named-graph-uri", str(g)) for g in manifest.graphs]
        return params

    # -- Store API -----------------------------------------------------------------------------
    def query(self, text: str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        """Run a query over the dataset the manifest names.

        Raises
        ------
        UsageError
            The store refused the query (malformed).
        SpacecoopError
            The store cannot be reached, or holds an incomplete load or data with no manifest.
        """
        sent = bind_values(text, bindings) if bindings else text
        return self._post_query(sent, self._dataset(text), _graph_form(text))

    def is_empty(self) -> bool:
        self._state = None  # read the manifest now
        if self._ready() is None:
            return True
        return super().is_empty()

    def named_graphs(self) -> list[URIRef]:
        """Return the names of the dataset's named graphs that hold triples, sorted."""
        res = self.query("SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } }")
        return sorted(row[0] for row in res.rows if isinstance(row[0], URIRef))

    def _put(self, graph: URIRef, body: bytes) -> None:
        status, _, data = self._request(
            "PUT",
            self.gsp_url,
            params={"graph": str(graph)},
            body=body,
            headers={"Content-Type": "application/n-triples"},
        )
        if status not in (200, 201, 204):
            raise SpacecoopError(
                f"the Graph Store at {self.gsp_url} refused graph <{graph}> (HTTP {status}): "
                f"{_one_line(data.decode('utf-8', 'replace'))}"
            )

    def _delete(self, graph: URIRef) -> None:
        status, _, data = self._request("DELETE", self.gsp_url, params={"graph": str(graph)})
        if status not in (200, 204, 404):
            raise SpacecoopError(
                f"the Graph Store at {self.gsp_url} refused to drop <{graph}> (HTTP {status}): "
                f"{_one_line(data.decode('utf-8', 'replace'))}"
            )

    def load(self, ds: Dataset) -> None:
        """Replace the dataset the store holds with ``ds``, graph by graph (Graph Store ``PUT``).

        In order: the manifest is marked incomplete, listing the graphs of the previous manifest
        and those of ``ds``; each named graph of ``ds`` replaces the graph of that name; the merge
        of all graphs replaces :data:`UNION_GRAPH`; the graphs of the previous manifest that ``ds``
        lacks are dropped; the manifest is marked complete. A graph the previous manifest does not
        list is never dropped, and the server's default graph is never written. Interrupted at
        any step, the store stays marked incomplete (readers refuse it) until a load completes.

        Raises
        ------
        UsageError
            No Graph Store endpoint, or ``ds`` names a graph that the store layout reserves.
        SpacecoopError
            A request failed; the message says the store stays marked incomplete.
        """
        import time

        if not self.gsp_url:
            raise UsageError(
                f"loading needs the store's Graph Store endpoint: use sparql:{self.query_url},gsp=URL"
            )
        named = _named_graphs(ds)
        for reserved in (MANIFEST_GRAPH, UNION_GRAPH):
            if reserved in named:
                raise UsageError(
                    f"the dataset has a graph named <{reserved}>, which the store layout reserves"
                )
        previous = self.read_manifest()
        before = set(previous.graphs) if previous is not None else set()
        started = _now()
        self._state = None
        marking = Manifest(False, tuple(sorted(before | set(named), key=str)), UNION_GRAPH, started)
        self._put(MANIFEST_GRAPH, marking.to_ntriples())
        try:
            memo: dict = {}
            for gid in named:
                lines = (_triple_line(s, p, o, memo) for s, p, o in ds.graph(gid).triples((None, None, None)))
                self._put(gid, "".join(lines).encode("utf-8"))
            lines = (_triple_line(s, p, o, memo) for s, p, o, _ in ds.quads((None, None, None, None)))
            self._put(UNION_GRAPH, "".join(lines).encode("utf-8"))
            for gid in sorted(before - set(named), key=str):
                self._delete(gid)
            done = Manifest(True, tuple(named), UNION_GRAPH, started, _now())
            self._put(MANIFEST_GRAPH, done.to_ntriples())
        except SpacecoopError as exc:
            raise SpacecoopError(
                f"{exc}; the store stays marked incomplete until a load completes", exit_code=exc.exit_code
            ) from exc
        self._state = (time.monotonic(), done)

    def to_dataset(self) -> Dataset:
        out = Dataset(default_union=True)
        named: set = set()
        res = self.query("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }")
        for g, s, p, o in res.rows:
            out.graph(g).add((s, p, o))
            named.add((s, p, o))
        for s, p, o in self.query("SELECT ?s ?p ?o WHERE { ?s ?p ?o }").rows:
            if (s, p, o) not in named:
                out.default_graph.add((s, p, o))
        return out

    def __len__(self) -> int:
        return int(self.query(_COUNT_QUADS).rows[0][0])

    def close(self) -> None:
        for conn in (getattr(self._local, "conns", None) or {}).values():
            conn.close()
        self._local.conns = {}


def swap_folders(new: str, path: str) -> None:
    """Put the folder ``new`` at ``path``; the old ``path`` is left at ``new`` (to be removed).

    On Linux one ``renameat2(RENAME_EXCHANGE)`` swaps the two names atomically: at every moment
    ``path`` names a complete folder. Elsewhere (or on a file system without it) two renames are
    used, ``path`` → ``path.old-…`` then ``new`` → ``path``; a crash between them leaves no
    ``path``, and :func:`remove_stale_siblings` (run by the next load, and by opening the store)
    puts the old folder back.

    Raises
    ------
    OSError
        A rename failed.
    """
    import os

    if not os.path.exists(path):
        os.rename(new, path)
        os.makedirs(new)  # an empty "old" folder, so that the caller's clean-up finds one
        return
    if _exchange(new, path):
        return
    import secrets

    old = f"{path}.old-{os.getpid()}-{secrets.token_hex(4)}"
    os.rename(path, old)
    os.rename(new, path)
    os.rename(old, new)


def _exchange(a: str, b: str) -> bool:
    """Swap two paths atomically with Linux's renameat2; False where that is not available."""
    import sys

    if not sys.platform.startswith("linux"):
        return False
    import ctypes
    import errno
    import os

    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), b)


_SIBLING = re.compile(r"\.(new|old)-(\d+)-[0-9a-f]+")


def remove_stale_siblings(path: str) -> list[str]:
    """Remove the ``PATH.new-*`` and ``PATH.old-*`` folders that no running load owns.

    A sibling belongs to the process whose id it carries; it is stale once that process has gone
    (or is this one). When ``path`` itself is missing (a crash between the two renames of
    :func:`swap_folders`), the old store is first renamed back into place. Return the names of
    the folders removed.
    """
    import os
    import shutil

    _restore_if_missing(path)
    removed = []
    for _, pid, folder in _siblings(path):
        if pid == os.getpid() or not _alive(pid):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _siblings(path: str) -> list[tuple[str, int, str]]:
    """Return ``(kind, pid, folder)`` for each ``PATH.new-*`` and ``PATH.old-*`` folder."""
    import os

    parent, name = os.path.split(os.path.abspath(path))
    try:
        entries = sorted(os.listdir(parent))
    except OSError:
        return []
    out = []
    for entry in entries:
        m = _SIBLING.fullmatch(entry[len(name) :]) if entry.startswith(name) else None
        if m and os.path.isdir(os.path.join(parent, entry)):
            out.append((m.group(1), int(m.group(2)), os.path.join(parent, entry)))
    return out


def _restore_if_missing(path: str) -> None:
    """Put the old store back at ``path`` after a crash between the two renames of a swap."""
    import os

    if os.path.lexists(path):
        return
    olds = [folder for kind, _, folder in _siblings(path) if kind == "old"]
    if olds:
        try:
            os.rename(olds[0], path)
        except OSError:
            pass


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, owned by someone else
        return True
    return True


def to_oxigraph(term: Node):
    """Convert an rdflib term to a pyoxigraph term.

    Raises
    ------
    UsageError
        The term is not a valid RDF term (an IRI with a space or ``>``, a bad language tag).
    """
    import pyoxigraph as ox

    try:
        if isinstance(term, URIRef):
            return ox.NamedNode(str(term))
        if isinstance(term, BNode):
            return ox.BlankNode(str(term))
        if isinstance(term, Literal):
            if term.language:
                return ox.Literal(str(term), language=term.language)
            if term.datatype:
                return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
            return ox.Literal(str(term))
    except ValueError as exc:
        raise UsageError(f"not a valid RDF term: {str(term)[:80]!r} ({_one_line(exc)})") from exc
    raise TypeError(f"cannot convert {term!r} to a pyoxigraph term")


def from_oxigraph(term) -> Node | None:
    """Convert a pyoxigraph term to an rdflib term (plain literals stay plain)."""
    ox = _pyoxigraph()
    if term is None:
        return None
    if isinstance(term, ox.NamedNode):
        return URIRef(term.value)
    if isinstance(term, ox.BlankNode):
        return BNode(term.value)
    if isinstance(term, ox.Literal):
        if term.language:
            return Literal(term.value, lang=term.language)
        dt = term.datatype.value
        if dt == _XSD_STRING:
            return Literal(term.value)
        return Literal(term.value, datatype=URIRef(dt))
    if isinstance(term, ox.DefaultGraph):
        return None
    raise TypeError(f"cannot convert {term!r} to an rdflib term")


_OX = None


def _pyoxigraph():
    global _OX
    if _OX is None:
        import pyoxigraph

        _OX = pyoxigraph
    return _OX


# -- results and N-Quads ----------------------------------------------------------------------------


def parse_sparql_json(data: bytes) -> QueryResult:
    """Parse a SPARQL 1.1 Query Results JSON document into a :class:`QueryResult` of rdflib terms.

    Raises
    ------
    SpacecoopError
        The document is not SPARQL results JSON.
    """
    import json

    try:
        doc = json.loads(data)
        if "boolean" in doc:
            return QueryResult("ASK", boolean=bool(doc["boolean"]))
        names = tuple(doc["head"]["vars"])
        rows = tuple(tuple(_json_term(b.get(v)) for v in names) for b in doc["results"]["bindings"])
    except (ValueError, KeyError, TypeError) as exc:
        raise SpacecoopError(f"the SPARQL store sent a malformed JSON result: {_one_line(exc)}") from exc
    return QueryResult("SELECT", names, rows)


def _json_term(b) -> Node | None:
    if b is None:
        return None
    kind, value = b["type"], b["value"]
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if kind in ("literal", "typed-literal"):
        if "xml:lang" in b:
            return Literal(value, lang=b["xml:lang"])
        dt = b.get("datatype")
        if dt and dt != _XSD_STRING:
            return Literal(value, datatype=URIRef(dt))
        return Literal(value)
    raise ValueError(f"unknown term type {kind!r}")


# The quads of the dataset a store holds: every named-graph quad, and each default-graph triple that
# no named graph holds (the rest of the stored default graph is the merge, see the module notes).
_COUNT_QUADS = (
    "SELECT (COUNT(*) AS ?n) WHERE { { GRAPH ?g { ?s ?p ?o } } UNION "
    "{ ?s ?p ?o FILTER NOT EXISTS { GRAPH ?h { ?s ?p ?o } } } }"
)

_MENTIONS = "ASK { { ?term ?p ?o } UNION { ?s ?p ?term } }"


def _graph_form(text: str) -> str:
    """The form of a query whose answer is a graph: ``DESCRIBE`` or ``CONSTRUCT`` (also for a
    text rdflib's parser refuses but the engine ran)."""
    try:
        return query_form(text)
    except UsageError:
        return "CONSTRUCT"


def _named_graphs(ds: Dataset) -> list[URIRef]:
    default = ds.default_graph.identifier
    return sorted({g.identifier for g in ds.graphs() if g.identifier != default and len(g)}, key=str)


def _iri(value: str) -> str:
    if _BAD_IRI.search(value):
        value = _BAD_IRI.sub(lambda m: f"\\u{ord(m.group()):04X}", value)
    return f"<{value}>"


_BAD_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')


def _nt(term: Node, memo: dict) -> str:
    out = memo.get(term)
    if out is not None:
        return out
    if isinstance(term, URIRef):
        out = _iri(str(term))
    elif isinstance(term, Literal):
        lex = str(term).replace("\\", "\\\\").replace('"', '\\"').replace("\n", "\\n").replace("\r", "\\r")
        if term.language:
            out = f'"{lex}"@{term.language}'
        elif term.datatype is not None and str(term.datatype) != _XSD_STRING:
            out = f'"{lex}"^^{_iri(str(term.datatype))}'
        else:
            out = f'"{lex}"'
    elif isinstance(term, BNode):
        out = "_:b" + "".join(c if c.isascii() and c.isalnum() else f"x{ord(c):x}" for c in str(term))
    else:
        raise TypeError(f"cannot write {term!r} as N-Triples")
    if len(memo) < 2_000_000:
        memo[term] = out
    return out


def _triple_line(s: Node, p: Node, o: Node, memo: dict) -> str:
    return f"{_nt(s, memo)} {_nt(p, memo)} {_nt(o, memo)} .\n"


def layout_nquads(ds: Dataset):
    """Yield the N-Quads lines that a store holds for ``ds`` (see the module notes).

    Every quad of a named graph is written twice, in its graph and in the default graph; the
    dataset's own default-graph triples once. Stores hold sets, so repeats collapse on loading.
    """
    memo: dict = {}
    default = ds.default_graph.identifier
    for s, p, o, g in ds.quads((None, None, None, None)):
        gid = g.identifier if hasattr(g, "identifier") else g
        triple = _triple_line(s, p, o, memo)
        yield triple
        if gid is not None and gid != default:
            yield triple[:-2] + _nt(gid, memo) + " .\n"


class _ByteLines(io.RawIOBase):
    """A read-only byte stream over an iterator of text lines (so nothing is held whole)."""

    def __init__(self, lines) -> None:
        self._lines = iter(lines)
        self._buf = b""
        self._pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        if self._pos >= len(self._buf):
            self._buf = "".join(itertools.islice(self._lines, 4096)).encode("utf-8")
            self._pos = 0
            if not self._buf:
                return 0
        n = min(len(b), len(self._buf) - self._pos)
        b[:n] = self._buf[self._pos : self._pos + n]
        self._pos += n
        return n


def _one_line(exc: object) -> str:
    text = str(exc).strip()
    return text.splitlines()[0].strip() if text else type(exc).__name__


# -- Specs -----------------------------------------------------------------------------------

STORE_KINDS = ("memory", "oxigraph", "sparql")

SPEC_HELP = (
    "memory (rdflib, default), oxigraph (pyoxigraph in memory), oxigraph:PATH (on disk, "
    "persistent), sparql:URL[,gsp=URL][,timeout=S] (any SPARQL 1.1 store; a URL with no path, "
    "e.g. sparql:http://127.0.0.1:7878, means Oxigraph server's /query and /store)"
)


@dataclass(frozen=True, repr=False)
class StoreSpec:
    """A parsed store spec (see the module notes for the syntax).

    Its ``repr`` shows credentials in URLs as ``***``.
    """

    kind: str
    path: str | None = None
    query_url: str | None = None
    gsp_url: str | None = None
    timeout: float = 60.0

    @property
    def persistent(self) -> bool:
        """True for ``oxigraph:PATH`` and ``sparql:``: the data outlives the process."""
        return self.kind == "sparql" or (self.kind == "oxigraph" and bool(self.path))

    def __repr__(self) -> str:
        return (
            f"StoreSpec(kind={self.kind!r}, path={self.path!r}, query_url={_redacted(self.query_url)!r}, "
            f"gsp_url={_redacted(self.gsp_url)!r}, timeout={self.timeout!r})"
        )


MAX_TIMEOUT = 1_000_000.0
"""The longest ``timeout=`` accepted, in seconds (about 11 days; sockets refuse much more)."""

_OPTIONS = ("gsp", "timeout")
_OPTION = re.compile(r"[A-Za-z][\w-]*=")
_CREDENTIALS = re.compile(r"(?<=//)[^\s,]*@")


def redact(text: str) -> str:
    """Return ``text`` with the credentials of every URL in it replaced by ``***``.

    Examples
    --------
    >>> redact("sparql:http://me:s3cret@example.org/q,gsp=https://me:s3cret@example.org/data")
    'sparql:http://***@example.org/q,gsp=https://***@example.org/data'
    """
    return _CREDENTIALS.sub("***@", text)


def _redacted(url: str | None) -> str | None:
    return None if url is None else redact(url)


def check_url(url: str, what: str = "URL"):
    """Return ``urlsplit(url)`` once the URL is known to be usable: http(s), a host, a valid port.

    Raises
    ------
    UsageError
        One line naming what is wrong; credentials in the URL are shown as ``***``.
    """
    from urllib.parse import urlsplit

    shown = redact(url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:  # "Invalid IPv6 URL", "Port out of range 0-65535", a port not a number
        reason = _one_line(exc)
        if "port" in reason.lower():  # urllib quotes the port text, which may be part of a password
            reason = _BAD_PORT
        raise UsageError(f"malformed {what} {shown!r}: {reason}") from None
    if parts.scheme not in ("http", "https"):
        raise UsageError(f"not an http(s) {what}: {shown!r}")
    if not parts.hostname:
        raise UsageError(f"no host in the {what} {shown!r}")
    if port == 0:
        raise UsageError(f"malformed {what} {shown!r}: {_BAD_PORT}")
    return parts


_BAD_PORT = "the port must be a number from 1 to 65535"


def _parse_timeout(value: str) -> float:
    import math

    try:
        timeout = float(value)
    except ValueError:
        timeout = math.nan
    if not (math.isfinite(timeout) and 0 < timeout <= MAX_TIMEOUT):
        raise UsageError(
            f"timeout= must be a number of seconds above 0 and at most {MAX_TIMEOUT:,.0f}; got {value!r}"
        )
    return timeout


def parse_store_spec(spec: str) -> StoreSpec:
    """Parse a store spec.

    Raises
    ------
    UsageError
        The spec names no known backend or is malformed (an unknown option, a bad URL, port or
        timeout); the message is one line and shows credentials as ``***``.

    Examples
    --------
    >>> parse_store_spec("sparql:http://127.0.0.1:7878")
    StoreSpec(kind='sparql', path=None, query_url='http://127.0.0.1:7878/query', gsp_url='http://127.0.0.1:7878/store', timeout=60.0)
    >>> parse_store_spec("sparql:http://example.org/ds/query,gsp=http://example.org/ds/data,timeout=5").gsp_url
    'http://example.org/ds/data'
    """
    spec = (spec or "").strip()
    kind, sep, arg = spec.partition(":")
    if kind == "memory" and not sep:
        return StoreSpec("memory")
    if kind == "oxigraph":
        if sep and not arg:
            raise UsageError("oxigraph: needs a folder, e.g. --store oxigraph:./store (or plain oxigraph)")
        if "\x00" in arg:
            raise UsageError("oxigraph: the folder name holds a NUL character")
        return StoreSpec("oxigraph", path=arg or None)
    if kind == "sparql":
        parts = arg.split(",")
        url_parts, opts = [parts[0]], {}
        for part in parts[1:]:
            key, eq, value = part.partition("=")
            if eq and key in _OPTIONS:
                if key in opts:
                    raise UsageError(f"sparql: the option {key}= is given twice in {redact(spec)!r}")
                opts[key] = value
            elif _OPTION.match(part) and "?" not in ",".join(url_parts):
                # key=value after a URL with no query string: an option we do not know
                raise UsageError(
                    f"sparql: unknown option {key}= in {redact(spec)!r}; the options are "
                    + ", ".join(o + "=" for o in _OPTIONS)
                )
            else:  # a comma inside the URL's query string
                url_parts.append(part)
        url = ",".join(url_parts)
        if not url:
            raise UsageError(
                f"sparql: needs an http(s) URL, e.g. sparql:http://127.0.0.1:7878; got {redact(spec)!r}"
            )
        split = check_url(url, "sparql: URL")
        gsp = opts.get("gsp") or None
        if gsp is not None:
            check_url(gsp, "gsp= URL")
        if split.path in ("", "/") and not split.query:  # Oxigraph server's layout
            base = url.rstrip("/")
            url, gsp = base + "/query", gsp or base + "/store"
        timeout = _parse_timeout(opts["timeout"]) if "timeout" in opts else 60.0
        return StoreSpec("sparql", query_url=url, gsp_url=gsp, timeout=timeout)
    raise UsageError(f"unknown store {redact(spec)!r}; expected {SPEC_HELP}")


def open_store(spec: str = "memory", ds: Dataset | None = None) -> Store:
    """Open a store from a spec and, if ``ds`` is given, load it.

    Parameters
    ----------
    spec : str
        ``memory`` (rdflib), ``oxigraph`` (pyoxigraph in memory), ``oxigraph:PATH`` (on disk) or
        ``sparql:URL[,gsp=URL][,timeout=S]`` (any SPARQL 1.1 store); see the module notes.
    ds : rdflib.Dataset, optional
        Data to load, replacing what the store holds. For ``memory`` the dataset itself is used,
        not copied. Without it a persistent store is opened with what it already holds.

    Raises
    ------
    UsageError
        The spec names no known backend.
    SpacecoopError
        The store cannot be opened or reached.

    Examples
    --------
    >>> from spacecoop import load_dataset
    >>> store = open_store("oxigraph", load_dataset())
    >>> store.query("ASK { ?s ?p ?o }").boolean
    True

    See Also
    --------
    parse_store_spec : the spec syntax.
    """
    parsed = parse_store_spec(spec)
    if parsed.kind == "memory":
        return MemoryStore(ds) if ds is not None else MemoryStore()
    if parsed.kind == "oxigraph":
        store: Store = OxigraphStore(parsed.path)
    else:
        store = SparqlStore(parsed.query_url, gsp_url=parsed.gsp_url, timeout=parsed.timeout)
    if ds is not None:
        store.load(ds)
    return store
