"""Any SPARQL 1.1 server (``sparql:URL``): queries over HTTP, loads through the Graph Store Protocol,
and a manifest graph that says whether the last load finished."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass, replace
from typing import cast

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.term import IdentifiedNode, Node

from spacecoop.core.errors import SpacecoopError, UsageError
from spacecoop.core.rdfterms import _one_line, as_iri, from_text
from spacecoop.sparql.parse import (
    bind_values,
)
from spacecoop.store.base import (
    _COUNT_QUADS,
    MANIFEST_GRAPH,
    UNION_GRAPH,
    QueryResult,
    Store,
    _graph_form,
)
from spacecoop.store.spec import MAX_TIMEOUT, check_url
from spacecoop.store.terms import _nt, _triple_line

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


_LOAD_ID = URIRef("http://purl.org/dc/terms/identifier")


def _new_load_id() -> str:
    """A name of one load, written in its manifest, that no other load shares."""
    import secrets

    return secrets.token_hex(16)


@dataclass(frozen=True)
class Manifest:
    """What the manifest graph of a ``sparql:`` store says.

    ``complete`` is False from the moment a load starts until its last step; ``graphs`` are the
    dataset's named graphs (while loading: every graph the load may write, the previous ones
    included); ``default_graph`` holds their merge. ``load_id`` names the load that wrote it
    (``dct:identifier``; None in a manifest written before loads were named): two manifests with
    one ``load_id`` list the same graphs.
    """

    complete: bool
    graphs: tuple[URIRef, ...] = ()
    default_graph: URIRef = UNION_GRAPH
    started: str | None = None
    ended: str | None = None
    load_id: str | None = None

    def to_ntriples(self) -> bytes:
        """Return the manifest graph as N-Triples."""
        m = MANIFEST_GRAPH
        memo: dict[Node, str] = {}
        triples: list[tuple[Node, Node, Node]] = [
            (m, _RDF_TYPE, URIRef(_SD + "Dataset")),
            (m, _DEFAULT_GRAPH, self.default_graph),
            (m, _STATUS, _COMPLETE if self.complete else _ACTIVE),
        ]
        triples += [(m, _DCT_HAS_PART, g) for g in self.graphs]
        if self.started:
            triples.append((m, _STARTED, Literal(self.started, datatype=_XSD_DATETIME)))
        if self.ended:
            triples.append((m, _ENDED, Literal(self.ended, datatype=_XSD_DATETIME)))
        if self.load_id:
            triples.append((m, _LOAD_ID, Literal(self.load_id)))
        return "".join(_triple_line(s, p, o, memo) for s, p, o in triples).encode("utf-8")

    @classmethod
    def from_pairs(cls, pairs) -> Manifest:
        """Read a manifest from its ``(predicate, object)`` pairs; anything unclear is incomplete."""
        graphs, default, status, started, ended, load_id = [], UNION_GRAPH, None, None, None, None
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
            elif p == _LOAD_ID and isinstance(o, Literal):
                load_id = str(o)
        graphs_ = tuple(sorted(set(graphs), key=str))
        return cls(status == _COMPLETE, graphs_, default, started, ended, load_id)


MANIFEST_TTL = 0.0
"""Seconds a reader trusts the manifest it read before reading it again. Zero: every query reads
its head first (one small request more: see ``SparqlStore._ready``), so a reader sees a load start
or end at once."""


_GRAPHISH = re.compile(r"graph|\\[uU]", re.IGNORECASE)  # may name a graph (or escape the keyword)


_EOL = re.compile(r"\r\n|\r|\n")  # SPARQL's ends of line: a comment runs to the next


def _may_name_graph(text: str) -> bool:
    r"""Whether ``text`` may use the dataset's named graphs (a ``GRAPH`` pattern), so that the
    request must list them (``named-graph-uri``); when unsure, True.

    Whole comment lines (first character after spaces and tabs is ``#``) are not read: the named
    queries' headers and notes say "graph" often, and a listed dataset costs Oxigraph time per
    named graph (``benchmarks/named_graphs.py``). Only where no token can span lines: with a long
    string (three quotes) a line may start inside one, and a ``\u`` escape may write a line end
    (SPARQL reads escapes before anything else), so then the whole text is read.

    Examples
    --------
    >>> _may_name_graph("# the graphs of the sources\nSELECT * WHERE { ?s ?p ?o }")
    False
    >>> _may_name_graph("# sources\nSELECT * WHERE { GRAPH ?g { ?s ?p ?o } }")
    True
    >>> _may_name_graph("SELECT * WHERE { ?s ?p '''\n# graph''' }")  # a line inside a string
    True
    """
    if "'''" not in text and '"""' not in text and "\\u" not in text and "\\U" not in text:
        text = "\n".join(line for line in _EOL.split(text) if not line.lstrip(" \t").startswith("#"))
    return _GRAPHISH.search(text) is not None


def _now() -> str:
    from datetime import UTC, datetime

    return datetime.now(UTC).isoformat(timespec="seconds")


_HEADER_BLOCK = "100 KiB"
"""The largest response header block that httpx reads (httpcore's limit on h11's buffer).

Virtuoso answers each ``default-graph-uri`` and ``named-graph-uri`` with one
``X-SPARQL-default-graph`` / ``X-SPARQL-named-graph`` header. :mod:`http.client` refused more than
100 headers, so the client this store used before dropped those lines while reading; h11 counts no
headers, only bytes: about a thousand graphs with IRIs of 60 characters fit (tests/test_store_http.py
sends 150 such headers, and a block past the limit gets a one-line error that says why)."""


def _client(verify_tls: bool):
    """Return a keep-alive HTTP/1.1 client that never follows redirects nor reads the environment."""
    import ssl

    import httpx

    return httpx.Client(
        http1=True,
        http2=False,
        follow_redirects=False,
        # no proxies, .netrc or SSL_CERT_FILE from the environment, as http.client did: the store is
        # the URL given, and TLS trusts the system's certificates (not certifi's bundle)
        trust_env=False,
        verify=ssl.create_default_context() if verify_tls else False,
    )


def _caused_by(exc: BaseException, kind: type[BaseException]) -> bool:
    """Whether ``kind`` is in the chain of exceptions that led to ``exc`` (httpx wraps the OSError)."""
    seen: BaseException | None = exc
    for _ in range(8):
        if seen is None:
            return False
        if isinstance(seen, kind):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


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
    engine : str, optional
        The server's engine, which picks the text of a named query that has engine variants
        (``"oxigraph"``: ``NAME.oxigraph.rq``; ``"other"``: the base text). By default it is read
        from the ``Server`` header of the server's first answer (Oxigraph server sends
        ``Oxigraph/VERSION``). Every variant gives its base's rows, so a wrong guess costs speed,
        never an answer.

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
    merge_keeps_blank_nodes = False  # each graph, and the merge, is written by a PUT of its own

    def __init__(
        self, query_url: str, *, gsp_url: str | None = None, timeout: float = 60.0, engine: str | None = None
    ) -> None:
        import math
        import threading

        self._engine = engine
        self._server: str | None = None  # the Server header of the last answer

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
        # TLS context only if a URL needs one (making it reads the system's certificates)
        self._tls = any(u is not None and u.startswith("https:") for u in (self.query_url, self.gsp_url))
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
        shown = f"SparqlStore({self.query_url!r}, gsp_url={self.gsp_url!r}, timeout={self.timeout:g}"
        return shown + (f", engine={self._engine!r})" if self._engine is not None else ")")

    @property
    def engine(self) -> str:
        """``"oxigraph"`` for an Oxigraph server (or ``engine=oxigraph``), else ``"sparql"``.

        Unless ``engine=`` was given, the ``Server`` header says: the first call reads the
        manifest, which any query reads first, so no request is added. A server that cannot be
        reached is not reported here but by the query that follows."""
        if self._engine is not None:
            return "oxigraph" if self._engine == "oxigraph" else self.name
        if self._server is None:
            try:
                self._ready()
            except SpacecoopError:
                return self.name
        return "oxigraph" if (self._server or "").lower().startswith("oxigraph/") else self.name

    # -- HTTP ----------------------------------------------------------------------------------
    def _request(
        self,
        method: str,
        url: str,
        *,
        params: Mapping[str, str] | None = None,
        body: bytes | None = None,
        headers: Mapping[str, str] | None = None,
    ):
        """Send one request on this thread's keep-alive client; return the :class:`httpx.Response`.

        Raises
        ------
        SpacecoopError
            The server cannot be reached, did not answer within the timeout, or broke the exchange;
            the message names the server (without credentials) in one line.
        """
        import httpx

        headers = dict(headers or {})
        if url in self._auth:
            headers["Authorization"] = self._auth[url]
        client = getattr(self._local, "client", None)
        if client is None:
            client = self._local.client = _client(self._tls)
        for attempt in (1, 2):
            try:
                resp = client.request(
                    method, url, params=params, content=body, headers=headers, timeout=self.timeout
                )
                self._server = resp.headers.get("Server", "")
                return resp
            except httpx.TimeoutException as exc:
                raise SpacecoopError(
                    f"the SPARQL store at {url} did not answer within {self.timeout:g} s"
                ) from exc
            except httpx.ConnectError as exc:
                if _caused_by(exc, ConnectionRefusedError):
                    raise SpacecoopError(
                        f"cannot reach the SPARQL store at {url}: connection refused (is the server running?)"
                    ) from exc
                raise SpacecoopError(f"cannot reach the SPARQL store at {url}: {_one_line(exc)}") from exc
            except (httpx.RemoteProtocolError, httpx.ReadError, httpx.WriteError) as exc:
                if "buffer too long" in str(exc).lower():  # h11's words for a header block too big
                    raise SpacecoopError(
                        f"the SPARQL store at {url} sent more than {_HEADER_BLOCK} of response headers "
                        "(Virtuoso echoes one per graph named: fewer graphs, or a server that echoes none)"
                    ) from exc
                if attempt == 2:  # a dropped keep-alive connection is retried once, then reported
                    raise SpacecoopError(
                        f"the SPARQL store at {url} closed the connection: "
                        f"{_one_line(exc) or type(exc).__name__}"
                    ) from exc
            except httpx.HTTPError as exc:
                raise SpacecoopError(f"cannot reach the SPARQL store at {url}: {_one_line(exc)}") from exc
        raise AssertionError("unreachable")  # pragma: no cover

    def _post_query(self, sent: str, dataset: list[tuple[str, str]], form: str) -> QueryResult:
        """Send one query as it stands, with protocol dataset parameters; parse the answer."""
        from urllib.parse import urlencode

        resp = self._request(
            "POST",
            self.query_url,
            body=urlencode([("query", sent), *dataset]).encode("ascii"),
            headers={
                "Content-Type": "application/x-www-form-urlencoded",
                "Accept": "application/sparql-results+json, application/n-triples;q=0.9",
            },
        )
        status, ctype, data = resp.status_code, resp.headers.get("Content-Type", ""), resp.content
        if status >= 400:
            message = _one_line(data.decode("utf-8", "replace")) or f"HTTP {status}"
            if 400 <= status < 500:
                raise UsageError(f"the SPARQL store refused the query (HTTP {status}): {message}")
            raise SpacecoopError(f"the SPARQL store failed on the query (HTTP {status}): {message}")
        mime = ctype.split(";")[0].strip().lower()
        # Virtuoso caps answers silently but for this header: such an answer is refused below
        cap = resp.headers.get("X-SPARQL-MaxRows")
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

    def _read_manifest_head(self) -> Manifest | None:
        """Return the manifest without its list of graphs (``graphs`` empty), or None when there is
        none: a few index look-ups, where the whole manifest lists every graph (7,000 rows over
        HTTP at 1M triples, 60 ms before each query)."""
        values = " ".join(f"<{p}>" for p in (_STATUS, _DEFAULT_GRAPH, _STARTED, _ENDED, _LOAD_ID, _RDF_TYPE))
        res = self._post_query(
            f"SELECT ?p ?o WHERE {{ VALUES ?p {{ {values} }} "
            f"GRAPH <{MANIFEST_GRAPH}> {{ <{MANIFEST_GRAPH}> ?p ?o }} }}",
            [],
            "SELECT",
        )
        return Manifest.from_pairs(res.rows) if res.rows else None

    def _holds_any_triple(self) -> bool:
        """True when the server holds any triple at all, in any graph (ours or not)."""
        return bool(
            self._post_query("ASK { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }", [], "ASK").boolean
        )

    def _ready(self, graphs: bool = True) -> Manifest | None:
        """Return the manifest of a store fit to read (None: an empty store with no manifest).

        ``graphs``: whether the caller reads the manifest's list of graphs. Every call asks the
        manifest's head (:meth:`_read_manifest_head`: its status, its load's name …), so that a
        load started or ended is seen at once. The list of graphs is read again only when the head
        names another load than the list kept from before, or names none (a manifest written
        before loads were named): a load's list never changes once it is complete. Without
        ``graphs``, a manifest is returned whose ``graphs`` may be empty.

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
        manifest = self._read_manifest_head()
        kept = state[1] if state is not None else None
        if manifest is not None and manifest.complete:
            if kept is not None and kept.load_id and kept == replace(manifest, graphs=kept.graphs):
                manifest = kept  # the same load: its list of graphs as read before
            elif graphs:
                manifest = self.read_manifest()
            else:  # not kept: the list is read by the next caller that needs it
                return manifest
        elif manifest is None:  # no head: judged on the whole graph, whatever it holds
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
        named = _may_name_graph(text)
        manifest = self._ready(graphs=named)
        if manifest is None:
            return []
        params = [("default-graph-uri", str(manifest.default_graph))]
        if named:
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
        assert self.gsp_url is not None  # load() checked it before any write
        resp = self._request(
            "PUT",
            self.gsp_url,
            params={"graph": str(graph)},
            body=body,
            headers={"Content-Type": "application/n-triples"},
        )
        status, data = resp.status_code, resp.content
        if status not in (200, 201, 204):
            raise SpacecoopError(
                f"the Graph Store at {self.gsp_url} refused graph <{graph}> (HTTP {status}): "
                f"{_one_line(data.decode('utf-8', 'replace'))}"
            )

    def _delete(self, graph: URIRef) -> None:
        assert self.gsp_url is not None  # load() checked it before any write
        resp = self._request("DELETE", self.gsp_url, params={"graph": str(graph)})
        status, data = resp.status_code, resp.content
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
        started, load_id = _now(), _new_load_id()
        self._state = None
        marking = Manifest(
            False, tuple(sorted(before | set(named), key=str)), UNION_GRAPH, started, None, load_id
        )
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
            done = Manifest(True, tuple(named), UNION_GRAPH, started, _now(), load_id)
            self._put(MANIFEST_GRAPH, done.to_ntriples())
        except SpacecoopError as exc:
            raise SpacecoopError(
                f"{exc}; the store stays marked incomplete until a load completes", exit_code=exc.exit_code
            ) from exc
        except ValueError as exc:  # pyoxigraph refused to write a term (an IRI with a space)
            raise SpacecoopError(
                f"cannot load into the SPARQL store at {self.query_url}: {_one_line(exc)}; "
                "the store stays marked incomplete until a load completes"
            ) from exc
        self._state = (time.monotonic(), done)

    def to_dataset(self) -> Dataset:
        out = Dataset(default_union=True)
        named: set = set()
        res = self.query("SELECT ?g ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } }")
        for g, s, p, o in res.rows:
            # the pattern binds every variable; ?g names a graph (an IRI or a blank node)
            t = cast("tuple[Node, Node, Node]", (s, p, o))
            out.graph(cast(IdentifiedNode, g)).add(t)
            named.add(t)
        merged = [
            cast("tuple[Node, Node, Node]", tuple(row))
            for row in self.query("SELECT ?s ?p ?o WHERE { ?s ?p ?o }").rows
        ]
        # The merge was written by a request of its own (see load), so a triple with a blank node
        # is there under another label than in its graph: it is one of the graphs' own unless the
        # merge holds more such triples than the graphs do (then the dataset's default graph had
        # some, which cannot be told from the copies: all are kept, as no triple may be lost)
        blank = [t for t in merged if _has_blank(t)]
        copies_only = len(blank) <= sum(1 for t in named if _has_blank(t))
        for t in merged:
            if t not in named and not (copies_only and _has_blank(t)):
                out.default_graph.add(t)
        return out

    def __len__(self) -> int:
        return int(cast(Literal, self.query(_COUNT_QUADS).rows[0][0]))  # COUNT binds a literal

    def close(self) -> None:
        client = getattr(self._local, "client", None)
        if client is not None:
            client.close()
        self._local.client = None


def _has_blank(triple: tuple[Node, Node, Node]) -> bool:
    return isinstance(triple[0], BNode) or isinstance(triple[2], BNode)


def parse_sparql_json(data: bytes) -> QueryResult:
    """Parse a SPARQL 1.1 Query Results JSON document into a :class:`QueryResult` of rdflib terms.

    Not rdflib's ``Result.parse(..., format="json")``: it gives the same IRIs, blank nodes,
    language-tagged literals and unbound ``None``, but keeps ``^^xsd:string`` on a literal that a
    server (Virtuoso) types so, and ``Literal("x", datatype=XSD.string) != Literal("x")`` in rdflib,
    so the same answer from two stores would compare unequal. Here such a literal is plain, as
    the other backends give it (tests/test_store_http.py holds the two parsers to this).

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
    kind = "literal" if b["type"] == "typed-literal" else b["type"]  # the older name of a typed one
    return from_text(kind, b["value"], b.get("xml:lang") or "", b.get("datatype") or "")


def _named_graphs(ds: Dataset) -> list[URIRef]:
    default = ds.default_graph.identifier
    # the dataset's graphs are named by IRIs (as_iri says so to the type checker; no check is made)
    return sorted({as_iri(g.identifier) for g in ds.graphs() if g.identifier != default and len(g)}, key=str)


def sparql_layout_nquads(ds: Dataset):
    """Yield the N-Quads that a ``sparql:`` store holds once :meth:`SparqlStore.load` has loaded ``ds``.

    Each named graph as it is, the merge of every graph in :data:`UNION_GRAPH`, and a complete
    manifest in :data:`MANIFEST_GRAPH`. A read-only SPARQL server that serves a file (Comunica's
    ``comunica-sparql-file-http``) can serve these lines, and ``--store sparql:URL`` then queries
    it as a store filled by ``spacecoop load``. The merge is also written to the default graph:
    a server that ignores the protocol's ``default-graph-uri`` in a POST body (Comunica reads it
    only from the URL) then still answers over the merge.

    Raises
    ------
    UsageError
        ``ds`` names a graph that the store layout reserves.

    Examples
    --------
    >>> from rdflib import Dataset, URIRef
    >>> ds = Dataset()
    >>> _ = ds.graph(URIRef("http://example.org/g")).add((URIRef("http://example.org/s"),
    ...     URIRef("http://example.org/p"), URIRef("http://example.org/o")))
    >>> lines = list(sparql_layout_nquads(ds))
    >>> sum(1 for line in lines if line.endswith("<https://w3id.org/spacecoop/store/default> .\\n"))
    1
    >>> sum(1 for line in lines if line.endswith("<http://example.org/o> .\\n"))  # the default graph
    1
    """
    named = _named_graphs(ds)
    for reserved in (MANIFEST_GRAPH, UNION_GRAPH):
        if reserved in named:
            raise UsageError(f"the dataset has a graph named <{reserved}>, which the store layout reserves")
    memo: dict = {}
    for gid in named:
        name = " " + _nt(gid, memo) + " .\n"
        for s, p, o in ds.graph(gid).triples((None, None, None)):
            yield _triple_line(s, p, o, memo)[:-3] + name
    union = " " + _nt(UNION_GRAPH, memo) + " .\n"
    seen: set[str] = set()
    for s, p, o, _ in ds.quads((None, None, None, None)):
        line = _triple_line(s, p, o, memo)
        if line not in seen:
            seen.add(line)
            yield line
            yield line[:-3] + union
    now = _now()
    manifest = (
        Manifest(True, tuple(named), UNION_GRAPH, now, now, _new_load_id()).to_ntriples().decode("utf-8")
    )
    name = " " + _nt(MANIFEST_GRAPH, memo) + " .\n"
    for line in manifest.splitlines():
        yield line[:-2] + name
