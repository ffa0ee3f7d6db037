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

  1. Every query is screened as text (:func:`screen_query_text` refuses the escapes, line breaks
     and characters on which rdflib's parser and Oxigraph's read a text differently), then parsed
     with rdflib's SPARQL parser and its parse tree and algebra inspected *before* any engine sees
     it; SERVICE (anywhere, nested too) is refused with 400. A dataset (FROM, FROM NAMED, or the
     protocol's ``default-graph-uri`` / ``named-graph-uri``, which override them) may name the
     endpoint's own graphs only: its named graphs, and :data:`UNION_GRAPH` for the union of all
     (the service description's default graph). Any other IRI is refused with 400 naming it, and
     no graph is ever fetched: the engines get the dataset as a list of graphs they hold
     (Oxigraph's ``default_graph`` / ``named_graphs``; for rdflib a copy of those graphs, with
     the query's dataset clause dropped and graph loading turned off in the workers).
  2. The query workers run in a network namespace of their own (:func:`isolate_network`, Linux):
     whatever a query says, the engine in a worker cannot open a connection. Start-up says which
     layers are active (:meth:`EndpointServer.safety`). A ``sparql:`` store needs the network, so
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
  under one cap.
* Strict HTTP framing: two Content-Length headers, a Content-Length with Transfer-Encoding, a
  malformed or folded header, or a body shorter than announced get 400 and the connection is
  closed; nothing of such a request runs. A body the handler does not read closes the
  connection, so it is never read as the next request.
* The network pages' Content-Security-Policy allows their inline scripts by SHA-256 only (no
  ``unsafe-inline``, no ``unsafe-eval``).
* Binds 127.0.0.1 unless told otherwise; CORS allows any origin but never credentials.
* Errors are one plain-text line; no traceback ever reaches a client.
"""

from __future__ import annotations

import json
import mimetypes
import multiprocessing
import os
import re
import sys
import threading
import time
from collections.abc import Callable, Container, Mapping
from dataclasses import dataclass, field
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, unquote, urlsplit

from spacecoop.core.errors import SpacecoopError, UsageError

__all__ = [
    "EndpointServer",
    "QueryDataset",
    "QueryRefused",
    "ServeConfig",
    "WorkerPool",
    "check_dataset_clauses",
    "check_query",
    "inspect_query",
    "make_server",
    "negotiate",
    "request_dataset",
    "serve",
    "service_description",
    "worker_payload",
]

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_ROWS = 10_000
DEFAULT_MAX_BODY = 256 * 1024
DEFAULT_MAX_BYTES = 32 * 2**20  # an answer larger than this is refused (--max-bytes)
DEFAULT_BUSY_TIMEOUT = 2.0  # seconds on a spare worker, and the longest wait for a worker
STATIC_DIR = Path(__file__).resolve().parents[1] / "static"

# Media types offered for each kind of result, in our order of preference (first = default).
TABULAR_TYPES = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_TYPES = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "text/n3": "turtle",  # Turtle is a subset of N3, so a Turtle document is valid N3
    "application/n-triples": "nt",
    "text/plain": "nt",
    "application/ld+json": "jsonld",
    "application/json": "jsonld",
    "application/rdf+xml": "rdfxml",
    "application/xml": "rdfxml",
}
GRAPH_MEDIA = {
    "turtle": "text/turtle; charset=utf-8",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
# Values of the ``format`` parameter (SPARQLWrapper sends json, xml, csv, tsv, turtle, n3, json-ld).
FORMAT_NAMES = {
    "tabular": {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv"},
    "graph": {
        "turtle": "turtle",
        "ttl": "turtle",
        "n3": "turtle",
        "nt": "nt",
        "ntriples": "nt",
        "n-triples": "nt",
        "jsonld": "jsonld",
        "json-ld": "jsonld",
        "json": "jsonld",
        "rdfxml": "rdfxml",
        "rdf+xml": "rdfxml",
        "xml": "rdfxml",
    },
}
ALL_FORMAT_NAMES = sorted(set(FORMAT_NAMES["tabular"]) | set(FORMAT_NAMES["graph"]))


class QueryRefused(UsageError):
    """A request the endpoint will not run; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


@dataclass(frozen=True)
class ServeConfig:
    """How to run the endpoint.

    Parameters
    ----------
    host, port : where to listen (``port=0`` picks a free port).
    store : the store spec of each worker (``memory``, ``oxigraph``, ``oxigraph:PATH``).
    timeout : seconds a query may run before its worker is killed.
    max_rows : the most rows (SELECT) or triples (CONSTRUCT, DESCRIBE) a result may have.
    max_body : the largest request body accepted, in bytes.
    workers : number of worker processes.
    root : the project root (default: found upward from the working directory).
    access_log : print one line per request to stderr.
    cache_mb : megabytes of answers (and their query texts) kept for repeated requests, in all (0: none).
    max_bytes : the largest answer, in bytes; a larger one is refused with 400.
    isolate : run the query workers in a network namespace of their own (Linux), so no query can
        open a connection even if it got past the query check.
    spare : workers that take queries only while all others are busy, with ``busy_timeout`` as limit.
    busy_timeout : seconds a query may run on a spare worker.
    """

    host: str = "127.0.0.1"
    port: int = 8000
    store: str = "oxigraph"
    timeout: float = DEFAULT_TIMEOUT
    max_rows: int = DEFAULT_MAX_ROWS
    max_body: int = DEFAULT_MAX_BODY
    workers: int = 2
    root: Path | None = None
    access_log: bool = False
    cache_mb: float = 64.0
    max_bytes: int = DEFAULT_MAX_BYTES
    isolate: bool = True
    spare: int = 1
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT


# --------------------------------------------------------------------------------------------
# Checking a query before any engine runs it


def _walk(node, seen=None):
    """Yield every CompValue in a parse tree or algebra (nested subqueries, filters, EXISTS)."""
    from rdflib.plugins.sparql.parserutils import CompValue

    if seen is None:
        seen = set()
    stack = [node]
    while stack:
        item = stack.pop()
        if id(item) in seen:
            continue
        seen.add(id(item))
        if isinstance(item, CompValue):
            yield item
            stack.extend(item.values())
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple, set)) or type(item).__name__ == "ParseResults":
            stack.extend(list(item))


# Characters the two SPARQL readers (rdflib's parser, which judges, and Oxigraph's, which runs) may
# read differently, found by tests/test_serve_guard.py: rdflib expands \\u / \\U escapes over the
# whole text before lexing, Oxigraph only inside strings and IRIs; a ``#`` comment ends at a lone CR
# for Oxigraph but not for rdflib; the readers differ on which other line breaks, spaces and escapes
# they know. Refusing them all costs nothing a real query needs: write the character itself.
_ESCAPE_RE = re.compile(r"\\(?:[uU]|(?![tbnrf\"'\\]))")
_LONE_CR_RE = re.compile(r"\r(?!\n)")
_ODD_CATEGORIES = {"Cc", "Cf", "Cs", "Co", "Cn", "Zl", "Zp", "Zs"}


def screen_query_text(text: str) -> None:
    """Refuse a query text on which the checking parser and the engine might disagree.

    Raises
    ------
    QueryRefused
        The text holds a ``\\u``/``\\U`` escape, a backslash escape other than the string escapes
        ``\\t \\b \\n \\r \\f \\" \\' \\\\``, a carriage return not followed by a line feed, or a
        control, format, private-use, unassigned or separator character other than space, tab and
        line feed.

    Examples
    --------
    >>> screen_query_text('SELECT * WHERE { ?s ?p "a\\tb" }')
    >>> screen_query_text('SELECT * WHERE { # note\\r ?s ?p ?o }')
    Traceback (most recent call last):
    ...
    spacecoop.endpoint.server.QueryRefused: a carriage return not followed by a line feed at character 23: end lines with LF or CRLF
    """
    import unicodedata

    m = _ESCAPE_RE.search(text)
    if m is not None:
        shown = text[m.start() : m.start() + 2]
        raise QueryRefused(
            f"the escape {shown} at character {m.start()} is not accepted: the SPARQL readers here "
            "disagree on escapes outside \\t \\b \\n \\r \\f \\\" \\' \\\\; write the character itself"
        )
    m = _LONE_CR_RE.search(text)
    if m is not None:
        raise QueryRefused(
            f"a carriage return not followed by a line feed at character {m.start()}: "
            "end lines with LF or CRLF"
        )
    for i, ch in enumerate(text):
        if ch in " \t\n\r" or ch.isalnum():
            continue
        if ord(ch) >= 0x80 or ord(ch) < 0x20 or ord(ch) == 0x7F:
            category = unicodedata.category(ch)
            if category in _ODD_CATEGORIES:
                name = unicodedata.name(ch, "")
                raise QueryRefused(
                    f"character U+{ord(ch):04X}{' ' + name if name else ''} at character {i} is not "
                    "accepted in a query (control, format and separator characters other than space, "
                    "tab and line feed are refused)"
                )


_checked: dict[str, str] = {}  # the named queries' kinds, filled by the workers at start

UNION_GRAPH = "https://w3id.org/spacecoop/store/default"
"""The IRI the service description gives the default graph (the union of all graphs): the same IRI
as :data:`spacecoop.store.UNION_GRAPH`, the named graph that holds this union in a ``sparql:`` store.
``default-graph-uri`` and ``FROM`` may name it."""


@dataclass(frozen=True)
class QueryDataset:
    """The RDF dataset a request names (SPARQL 1.1 Protocol section 2.1.4, Query section 13.2).

    ``default`` lists the graphs whose merge is the default graph (:data:`UNION_GRAPH` for the
    union of all); ``named`` lists the named graphs available to ``GRAPH``. A request that names
    only named graphs has an empty default graph, and one that names only default graphs has no
    named graph, as the specifications say.
    """

    default: tuple[str, ...] = ()
    named: tuple[str, ...] = ()


def _shown_iri(iri: str) -> str:
    """An IRI as an error message shows it: in angle brackets, cut at 200 characters, and quoted
    when it holds anything unprintable."""
    if len(iri) <= 200 and iri.isprintable() and not any(c in iri for c in "<> "):
        return f"<{iri}>"
    return repr(iri[:200] + ("…" if len(iri) > 200 else ""))


def request_dataset(
    default: list[str] | None, named: list[str] | None, graphs: Container[str]
) -> QueryDataset | None:
    """Build the dataset of the ``default-graph-uri`` / ``named-graph-uri`` parameters.

    Parameters
    ----------
    default, named : list of str or None
        The values of the parameters, in the order given (repeats are dropped).
    graphs : container of str
        The endpoint's named graphs.

    Returns
    -------
    QueryDataset or None
        None when neither parameter is given (the endpoint's own dataset answers).

    Raises
    ------
    QueryRefused
        A value names no graph of the endpoint (nothing is ever fetched), or ``named-graph-uri``
        names the union.

    Examples
    --------
    >>> request_dataset(["http://g/a", "http://g/a"], None, {"http://g/a"})
    QueryDataset(default=('http://g/a',), named=())
    >>> request_dataset(None, ["file:///etc/passwd"], {"http://g/a"})
    Traceback (most recent call last):
    ...
    spacecoop.endpoint.server.QueryRefused: named-graph-uri <file:///etc/passwd> is not supported: ...
    """
    if not default and not named:
        return None
    for param, values in (("default-graph-uri", default or []), ("named-graph-uri", named or [])):
        for iri in values:
            if iri == UNION_GRAPH and param == "named-graph-uri":
                raise QueryRefused(
                    f"named-graph-uri {_shown_iri(iri)} is not supported: it names the union of all "
                    "graphs, which is this endpoint's default graph; give it as default-graph-uri"
                )
            if iri != UNION_GRAPH and iri not in graphs:
                raise QueryRefused(
                    f"{param} {_shown_iri(iri)} is not supported: this endpoint answers from its own "
                    "graphs only and never fetches one; name one of its named graphs (listed in the "
                    f"service description, GET /sparql) or <{UNION_GRAPH}> for the union of all"
                )
    return QueryDataset(tuple(dict.fromkeys(default or [])), tuple(dict.fromkeys(named or [])))


def inspect_query(text: str) -> tuple[str, QueryDataset | None]:
    """Parse a query and refuse what the endpoint never runs; return its kind and its dataset.

    Like :func:`check_query`, except that FROM and FROM NAMED are returned (resolved against the
    query's BASE and PREFIXes) instead of refused: the caller decides which graphs may be named.

    Returns
    -------
    tuple
        ``(kind, dataset)``: ``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``, and the
        :class:`QueryDataset` of the query's FROM / FROM NAMED clauses, or None when it has none.

    Examples
    --------
    >>> inspect_query("PREFIX g: <http://g/> ASK FROM g:a FROM NAMED <http://g/b> { ?s ?p ?o }")
    ('ASK', QueryDataset(default=('http://g/a',), named=('http://g/b',)))
    """
    from pyparsing import ParseBaseException
    from rdflib import URIRef
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

    known = _checked.get(text)  # only texts without a dataset clause are kept there
    if known is not None:
        return known, None
    screen_query_text(text)
    try:
        parsed = parseQuery(text)
    except ParseBaseException as exc:
        try:
            update = parseUpdate(text)
        except ParseBaseException:
            raise QueryRefused(f"malformed SPARQL query: {exc}") from None
        if "request" not in update:  # only a prologue, or nothing at all
            raise QueryRefused(
                "malformed SPARQL query: no SELECT, ASK, CONSTRUCT or DESCRIBE in it"
            ) from None
        raise QueryRefused(
            "SPARQL Update (INSERT, DELETE, LOAD, CLEAR, …) is not allowed: this endpoint is read-only"
        ) from None
    except RecursionError:
        raise QueryRefused("malformed SPARQL query: nested too deeply") from None
    query = parsed[1]
    clauses = 0
    for node in _walk(parsed):
        if node.name == "ServiceGraphPattern":
            raise QueryRefused("SERVICE is not allowed: this endpoint never queries other services")
        if node.name == "DatasetClause":
            clauses += 1
    try:
        algebra = translateQuery(parsed)
    except Exception as exc:  # noqa: BLE001 - rdflib raises plain Exceptions, e.g. for bad GROUP BY
        raise QueryRefused(f"malformed SPARQL query: {exc}") from None
    for node in _walk(algebra.algebra):
        if node.name == "ServiceGraphPattern":
            raise QueryRefused("SERVICE is not allowed: this endpoint never queries other services")
    kind = query.name.replace("Query", "").upper()
    if kind not in ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE"):
        raise QueryRefused(f"unsupported query form {query.name}")
    found = list(algebra.algebra.get("datasetClause") or [])
    if len(found) != clauses:  # a clause the translation lost or made up: judge nothing by it
        raise QueryRefused("FROM and FROM NAMED are not allowed here: the query's dataset could not be read")
    if not found:
        return kind, None
    default: list[str] = []
    named: list[str] = []
    for clause in found:
        iri = clause.default if clause.default is not None else clause.named  # None when absent
        if not isinstance(iri, URIRef):
            raise QueryRefused("FROM and FROM NAMED are not allowed here: a clause names no IRI")
        (default if clause.default is not None else named).append(str(iri))
    return kind, QueryDataset(tuple(dict.fromkeys(default)), tuple(dict.fromkeys(named)))


def check_query(text: str, graphs: Container[str] = ()) -> str:
    """Parse a query and refuse what the endpoint does not run; return its kind.

    Parameters
    ----------
    text : str
        SPARQL query text.
    graphs : container of str
        The named graphs FROM and FROM NAMED may name (with :data:`UNION_GRAPH` in FROM); none
        by default.

    Returns
    -------
    str
        ``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``.

    Raises
    ------
    QueryRefused
        The text is SPARQL Update (LOAD, INSERT, …), holds a SERVICE pattern anywhere or a
        dataset clause (FROM, FROM NAMED) that names anything but ``graphs``, or does not parse
        (the parser's message is kept).

    Examples
    --------
    >>> check_query("SELECT * WHERE { ?s ?p ?o }")
    'SELECT'
    >>> check_query("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }")
    Traceback (most recent call last):
    ...
    spacecoop.endpoint.server.QueryRefused: FROM and FROM NAMED are not allowed to name <file:///etc/passwd>: ...
    >>> check_query("ASK FROM <http://g/a> { ?s ?p ?o }", {"http://g/a"})
    'ASK'
    """
    kind, dataset = inspect_query(text)
    if dataset is not None:
        check_dataset_clauses(dataset, graphs)
    return kind


def check_dataset_clauses(dataset: QueryDataset, graphs: Container[str]) -> None:
    """Refuse FROM / FROM NAMED clauses that name anything but the endpoint's own graphs.

    Raises
    ------
    QueryRefused
        Naming the first IRI that is not one of ``graphs`` (or :data:`UNION_GRAPH` in FROM).
    """
    for iri in dataset.default:
        if iri != UNION_GRAPH and iri not in graphs:
            raise QueryRefused(
                f"FROM and FROM NAMED are not allowed to name {_shown_iri(iri)}: the endpoint answers "
                "from its own graphs only and never fetches one (name one of the graphs of the service "
                f"description at GET /sparql, or <{UNION_GRAPH}> for the union of all; or use GRAPH <name> "
                "{ … } for one source)"
            )
    for iri in dataset.named:
        if iri not in graphs:
            raise QueryRefused(
                f"FROM and FROM NAMED are not allowed to name {_shown_iri(iri)}"
                + (
                    ": FROM NAMED takes a named graph, and this one is the union of all (use FROM)"
                    if iri == UNION_GRAPH
                    else ": the endpoint answers from its own graphs only and never fetches one (name one "
                    "of the graphs of the service description at GET /sparql)"
                )
            )


# --------------------------------------------------------------------------------------------
# Content negotiation


def _parse_accept(accept: str) -> list[tuple[str, float, int]]:
    """Return ``(media range, q, position)`` for each entry of an Accept header."""
    out = []
    for i, part in enumerate(accept.split(",")):
        bits = [b.strip() for b in part.split(";")]
        media = bits[0].lower()
        if not media:
            continue
        q = 1.0
        for b in bits[1:]:
            k, _, v = b.partition("=")
            if k.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(v)))
                except ValueError:
                    q = 0.0
        out.append((media, q, i))
    return out


def negotiate(kind: str, accept: str | None = None, fmt: str | None = None) -> str:
    """Choose the result format for a query of ``kind`` from a ``format`` value or an Accept header.

    Returns a format name of :func:`spacecoop.sparql.results.serialize_result` (or ``rdfxml``).

    Raises
    ------
    QueryRefused
        Status 406 when no offered format is acceptable; 400 for an unknown ``format`` value.

    Examples
    --------
    >>> negotiate("SELECT", "text/csv")
    'csv'
    >>> negotiate("CONSTRUCT", "application/ld+json, text/turtle;q=0.5")
    'jsonld'
    >>> negotiate("ASK", None, "xml")
    'xml'
    >>> negotiate("SELECT", "application/sparql-results+json;q=0, */*;q=0.1")
    'xml'
    >>> negotiate("SELECT", "text/*")
    'csv'
    >>> negotiate("CONSTRUCT", "application/sparql-results+xml, application/sparql-results+json")
    'turtle'
    """
    graph = kind in ("CONSTRUCT", "DESCRIBE")
    family = "graph" if graph else "tabular"
    types = GRAPH_TYPES if graph else TABULAR_TYPES
    offered = "Turtle, N-Triples, JSON-LD, RDF/XML" if graph else "JSON, XML, CSV, TSV"
    if fmt:
        name = fmt.strip().lower()
        if name in FORMAT_NAMES[family]:
            return FORMAT_NAMES[family][name]
        media = name.split(";")[0].strip()
        if media in types:
            return types[media]
        if name in ALL_FORMAT_NAMES or "/" in name:
            raise QueryRefused(f"format {fmt!r} does not fit a {kind} result; offered: {offered}", 406)
        raise QueryRefused(f"unknown format {fmt!r}; use one of {', '.join(ALL_FORMAT_NAMES)}")
    ranges = _parse_accept(accept or "*/*")
    choice = _best_format(types, ranges)
    if (
        choice is None
        and graph
        and any(q > 0 for _rng, q, _pos in ranges)
        and all(rng in TABULAR_TYPES for rng, _q, _pos in ranges)
    ):
        # The client named only result-set types (roqet always asks that way) for a query that
        # answers with a graph: give it the graph's default, Turtle, rather than 406.
        return "turtle"
    if choice is None:
        raise QueryRefused(
            f"no acceptable format for a {kind} result (Accept: {accept}); offered: {offered}", 406
        )
    return choice


def _best_format(types: Mapping[str, str], ranges: list[tuple[str, float, int]]) -> str | None:
    """The format whose media types the Accept ranges like best (RFC 9110 section 12.5.1).

    Each format is judged by its most specific matching range; a format any of whose media types
    is refused outright (``q=0`` on the exact type) is never chosen, whatever a wildcard says.
    Wildcards match a format's first (canonical) media type only, so ``text/*`` means CSV or TSV
    rather than the ``text/xml`` alias of SPARQL XML.
    """
    by_name: dict[str, list[str]] = {}
    for media, name in types.items():
        by_name.setdefault(name, []).append(media)
    best: tuple | None = None
    for rank, (name, medias) in enumerate(by_name.items()):
        refused = any(rng == m and q <= 0 for m in medias for rng, q, _pos in ranges)
        if refused:
            continue
        canonical = medias[0]
        top = canonical.split("/")[0]
        match = None
        for rng, q, pos in ranges:
            if rng in medias:
                spec = 2
            elif rng == f"{top}/*":
                spec = 1
            elif rng in ("*/*", "*"):
                spec = 0
            else:
                continue
            if match is None or spec > match[1]:
                match = (q, spec, pos)
        if match is None or match[0] <= 0:
            continue
        key = (match[0], match[1], -match[2], -rank)
        if best is None or key > best[0]:
            best = (key, name)
    return None if best is None else best[1]


def serialize(result, fmt: str) -> tuple[bytes, str]:
    """Write a :class:`~spacecoop.store.QueryResult` as ``fmt``; return the bytes and media type.

    Raises
    ------
    QueryRefused
        Status 406 when XML is asked for and the result holds a character XML 1.0 cannot carry.
    """
    from spacecoop.sparql.results import NotXmlError, check_xml_text, media_type, serialize_result

    if fmt == "rdfxml":
        from spacecoop.core.namespaces import bind_prefixes

        bind_prefixes(result.graph)
        text = result.graph.serialize(format="xml")
        try:
            check_xml_text(text, "Turtle, N-Triples or JSON-LD")
        except NotXmlError as exc:
            raise QueryRefused(str(exc).replace("of a value", "of the document"), 406) from None
        return text.encode("utf-8"), GRAPH_MEDIA["rdfxml"]
    if fmt == "json" and result.graph is None:
        # The same document as serialize_result writes, but compact: json.dumps with indent falls
        # back to the pure-Python encoder, which took 30 of 45 ms for 236 rows (evidence).
        from spacecoop.sparql.results import term_json

        if result.kind == "ASK":
            doc: dict = {"head": {}, "boolean": bool(result.boolean)}
        else:
            bindings = [
                {v: term_json(t) for v, t in zip(result.vars, row) if t is not None} for row in result.rows
            ]
            doc = {"head": {"vars": list(result.vars)}, "results": {"bindings": bindings}}
        return json.dumps(doc, ensure_ascii=False, separators=(",", ":")).encode("utf-8"), media_type(
            result, fmt
        )
    try:
        return serialize_result(result, fmt), media_type(result, fmt)
    except NotXmlError as exc:
        raise QueryRefused(str(exc), 406) from None


class _ResultCache:
    """Replies by request, least recently used first out, shared by all workers (kept in the
    server process). Every entry is accounted as the bytes of its key (the query text and
    parameters) plus its body, under one total cap, so neither many long queries nor a few big
    answers grow it past ``max_bytes``. The dataset is read-only while the server runs, so a
    reply never goes stale.

    Examples
    --------
    >>> cache = _ResultCache(10_000)
    >>> job = {"op": "sparql", "query": "ASK {}" + " " * 300}
    >>> cache.put(_ResultCache.key(job), {"status": 200, "body": b"x" * 10, "type": "text/plain"})
    >>> cache.size > 300
    True
    """

    OVERHEAD = 256  # bytes counted per entry for the dict, tuple and reply around key and body

    def __init__(self, max_bytes: int) -> None:
        from collections import OrderedDict

        self.max_bytes = max_bytes
        self.size = 0
        self.entries: OrderedDict = OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def key(job: Mapping) -> tuple:
        return (
            job["op"],
            job.get("query"),
            job.get("name"),
            tuple(sorted((job.get("params") or {}).items())),
            job.get("accept"),
            job.get("format"),
            job.get("max_rows"),
            job.get("max_bytes"),
            job.get("dataset"),
        )

    @staticmethod
    def cost(key: tuple, reply: Mapping) -> int:
        text = sum(len(str(part)) for part in key if part is not None)
        return text + len(reply.get("body", b"")) + _ResultCache.OVERHEAD

    def get(self, key: tuple) -> dict | None:
        with self._lock:
            reply = self.entries.get(key)
            if reply is not None:
                self.entries.move_to_end(key)
            return reply

    def put(self, key: tuple, reply: dict) -> None:
        if reply.get("status") != 200:
            return
        n = self.cost(key, reply)
        if n > self.max_bytes // 8:
            return
        with self._lock:
            if key in self.entries:
                return
            self.entries[key] = reply
            self.size += n
            while self.size > self.max_bytes:
                old_key, old = self.entries.popitem(last=False)
                self.size -= self.cost(old_key, old)


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


def _open_worker_store(spec: str, payload: bytes):
    """Open a worker's store (see :func:`worker_payload` for what ``payload`` holds)."""
    from spacecoop.store import MemoryStore, OxigraphStore, open_store

    kind, _, path = spec.partition(":")
    if kind == "memory":
        from rdflib import Dataset

        ds = Dataset(default_union=True)
        ds.parse(data=payload, format="nquads")
        return MemoryStore(ds)
    if kind == "oxigraph" and not path:
        import pyoxigraph

        store = OxigraphStore()
        # the exact quads of a store loaded by OxigraphStore.load, so this copy answers like it
        store.store.bulk_load(payload, format=pyoxigraph.RdfFormat.N_QUADS)
        return store
    if kind == "oxigraph":
        try:
            return OxigraphStore(path, read_only=True)  # several workers share the folder
        except TypeError:  # an OxigraphStore without read_only
            import pyoxigraph

            store = OxigraphStore.__new__(OxigraphStore)
            store.path = path
            store.store = pyoxigraph.Store.read_only(path)
            return store
    return open_store(spec)  # a store of its own elsewhere (loaded once by the server)


def worker_payload(spec: str, ds) -> bytes:
    """Do what must happen once before the workers open their stores; return what they need.

    ``memory``: each worker parses the dataset's N-Quads. ``oxigraph`` (in memory): the server
    loads one store with :meth:`OxigraphStore.load` and hands the workers a dump of it, so every
    copy holds exactly what that loader writes. ``oxigraph:PATH`` and any other spec: the server
    loads the dataset into the store once and each worker opens it (read-only for a folder).
    """
    import gc

    from spacecoop.store import open_store

    kind, _, path = spec.partition(":")
    if kind == "memory" and not path:
        return ds.serialize(format="nquads").encode("utf-8")
    store = open_store(spec, ds)
    try:
        if kind == "oxigraph" and not path:
            import pyoxigraph

            return store.store.dump(format=pyoxigraph.RdfFormat.N_QUADS)
        return b""
    finally:
        store.close()
        del store
        gc.collect()  # drop pyoxigraph's handle (and its lock on a folder) before the workers start


def _answer_size(result) -> int:
    """Roughly the bytes of a result's terms: a lower bound on any serialisation of it."""
    if result.graph is not None:
        return sum(len(s) + len(p) + len(o) for s, p, o in result.graph)
    return sum(len(t) for row in result.rows for t in row if t is not None)


def _too_big(size: int, cap: int) -> QueryRefused:
    return QueryRefused(
        f"the answer is more than {cap:,} bytes ({size:,} at least), this endpoint's limit (--max-bytes); "
        "narrow the query, add a LIMIT, or shorten long values (GROUP_CONCAT, STR of big literals)"
    )


def store_graphs(store) -> frozenset[str]:
    """Return the IRIs of the named graphs a worker's store holds (empty for a ``sparql:`` store,
    which answers no request that names graphs)."""
    from spacecoop.store import MemoryStore, OxigraphStore

    if isinstance(store, MemoryStore):
        names = (str(g.identifier) for g in store.ds.graphs())
        return frozenset(n for n in names if not n.startswith("urn:x-rdflib:"))
    if isinstance(store, OxigraphStore):
        import pyoxigraph

        return frozenset(n.value for n in store.store.named_graphs() if isinstance(n, pyoxigraph.NamedNode))
    return frozenset()


class _OxigraphDatasetView:
    """A pyoxigraph Store that answers every query over one dataset: its ``query`` passes
    ``default_graph`` and ``named_graphs``, which replace whatever FROM / FROM NAMED the text says."""

    def __init__(self, store, dataset: QueryDataset) -> None:
        import pyoxigraph as ox

        self._store = store
        if UNION_GRAPH in dataset.default:  # the store's default graph holds the union (load's layout)
            self._default: object = ox.DefaultGraph()
        else:
            self._default = [ox.NamedNode(iri) for iri in dataset.default]
        self._named = [ox.NamedNode(iri) for iri in dataset.named]

    def query(self, query, *args, **kwargs):
        kwargs.pop("use_default_graph_as_union", None)
        kwargs["default_graph"] = self._default
        kwargs["named_graphs"] = self._named
        return self._store.query(query, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._store, name)


def _memory_view(store, dataset: QueryDataset):
    """A MemoryStore over a copy of the graphs ``dataset`` names: the default graph is their merge
    (default_union off), the named graphs those listed. The copy's ``query`` drops the dataset
    clause of every query, so rdflib neither loads a graph (it would for an empty FROM graph) nor
    overrides what the protocol parameters said."""
    from rdflib import Dataset, Graph, URIRef

    from spacecoop.store import MemoryStore

    src = store.ds
    view = Dataset(default_union=False)
    for prefix, ns in src.namespaces():
        view.bind(prefix, ns, override=True, replace=True)
    default = view.default_graph
    for iri in dataset.default:
        part = src if iri == UNION_GRAPH else Graph(store=src.store, identifier=URIRef(iri))
        default.addN((s, p, o, default) for s, p, o in part.triples((None, None, None)))
    for iri in dataset.named:
        g = view.graph(URIRef(iri))
        g.addN((s, p, o, g) for s, p, o in Graph(store=src.store, identifier=URIRef(iri)))

    def query(query_object, *args, **kwargs):
        algebra = getattr(query_object, "algebra", None)
        if algebra is None:  # MemoryStore hands over a translated query; anything else is not run
            raise QueryRefused("internal: a query over a named dataset must be translated first", 500)
        algebra["datasetClause"] = None
        return Dataset.query(view, query_object, *args, **kwargs)

    view.query = query  # type: ignore[method-assign]
    out = MemoryStore(view)
    view.default_union = False  # MemoryStore turns it on: here the default graph is the merge above
    return out


_VIEWS: dict = {}  # (id of the store, dataset) -> the store to query; a few per worker


def _query_over(store, text: str, dataset: QueryDataset):
    """Run ``text`` on ``store`` over ``dataset`` (rdflib or Oxigraph)."""
    import copy

    from spacecoop.store import MemoryStore, OxigraphStore

    if isinstance(store, OxigraphStore):
        view = copy.copy(store)
        view.store = _OxigraphDatasetView(store.store, dataset)  # type: ignore[assignment]
        return view.query(text)
    if isinstance(store, MemoryStore):
        key = (id(store), dataset)
        target = _VIEWS.get(key)
        if target is None:
            if len(_VIEWS) >= 8:
                _VIEWS.clear()
            target = _VIEWS[key] = _memory_view(store, dataset)
        return target.query(text)
    raise QueryRefused(
        "default-graph-uri, named-graph-uri, FROM and FROM NAMED are not supported when the endpoint "
        "fronts a sparql: store; name a graph with GRAPH <name> { … } instead"
    )


def _run_job(store, named: Mapping, job: Mapping, graphs: Container[str] = frozenset()) -> dict:
    """Run one job in a worker; always return a reply dict, never raise."""
    try:
        if job["op"] == "sparql":
            text = job["query"]
            kind, dataset = inspect_query(text)
            if dataset is not None:  # FROM / FROM NAMED: only the endpoint's own graphs, ever
                check_dataset_clauses(dataset, graphs)
            if job.get("dataset") is not None:  # the protocol's parameters, which override FROM
                default, named_graphs = job["dataset"]
                dataset = request_dataset(list(default), list(named_graphs), graphs)
            fmt = negotiate(kind, job.get("accept"), job.get("format"))
            result = store.query(text) if dataset is None else _query_over(store, text, dataset)
        elif job["op"] == "named":
            nq = named[job["name"]]
            kind = check_query(nq.text)
            fmt = negotiate(kind, job.get("accept"), job.get("format"))
            from spacecoop.sparql.query import resolve_params

            # as spacecoop.sparql.query.run_named does: each value a CURIE, an IRI or a label, bound as a term
            bindings = resolve_params(store, nq, job["params"])
            result = store.query(nq.text, bindings)
        elif job["op"] == "ping":
            return {"status": 200, "body": b"pong", "type": "text/plain; charset=utf-8"}
        else:
            return {"status": 400, "error": f"unknown operation {job['op']!r}"}
        if result.kind != kind and kind in ("CONSTRUCT", "DESCRIBE"):
            result = type(result)(kind, graph=result.graph)
        size = len(result.graph) if result.graph is not None else len(result.rows)
        cap = job.get("max_rows", DEFAULT_MAX_ROWS)
        if size > cap:
            what = "triples" if result.graph is not None else "rows"
            raise QueryRefused(
                f"the result has {size} {what}, more than this endpoint's limit of {cap}; "
                f"add a LIMIT (at most {cap}) or narrow the query"
            )
        byte_cap = job.get("max_bytes", DEFAULT_MAX_BYTES)
        estimate = _answer_size(result)
        if estimate > byte_cap:  # refused before writing it: the writer would double the memory
            raise _too_big(estimate, byte_cap)
        body, media = serialize(result, fmt)
        if len(body) > byte_cap:
            raise _too_big(len(body), byte_cap)
        return {"status": 200, "body": body, "type": media, "rows": size}
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
    except Exception as exc:  # noqa: BLE001 - an engine error: one line, never a traceback
        return {
            "status": 400 if "rror" in type(exc).__name__ else 500,
            "error": f"query failed: {type(exc).__name__}: {exc}",
        }


def _worker_main(
    conn, spec: str, payload: bytes, root: str | None, memory_limit: int | None, isolate: bool = True
) -> None:
    """The loop of one worker process: cut it off the network, load the store, answer jobs."""
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the server stops its workers itself
    # First, while this process is still single-threaded: a network namespace of its own.
    if not isolate:
        isolation = "turned off (--no-isolation)"
    elif spec.startswith("sparql:"):
        isolation = "not possible: the sparql: store is reached over the network"
    else:
        isolation = isolate_network()
    import rdflib.plugins.sparql

    # rdflib reads a FROM graph it does not hold from the IRI (a file, another host): never here,
    # even for a query that got past the check (SERVICE is kept out by the check and the namespace)
    rdflib.plugins.sparql.SPARQL_LOAD_GRAPHS = False
    if memory_limit:
        try:
            import resource

            resource.setrlimit(resource.RLIMIT_AS, (memory_limit, memory_limit))
        except (ImportError, ValueError, OSError):
            pass
    try:
        from spacecoop.sparql.query import list_queries

        store = _open_worker_store(spec, payload)
        graphs = store_graphs(store)
        named = {q.name: q for q in list_queries(root)}
        for q in named.values():  # parsing costs 20-100 ms a query: judge each named query once
            try:
                kind, dataset = inspect_query(q.text)
            except QueryRefused:
                continue
            if dataset is None:
                _checked[q.text] = kind
        hello = {"ready": True, "quads": len(store), "isolation": isolation}
    except Exception as exc:  # noqa: BLE001 - reported to the parent, which fails with a clear message
        hello = {"ready": False, "error": f"{type(exc).__name__}: {exc}"}
    try:
        conn.send(hello)
    except (OSError, ValueError):  # the parent stopped waiting (closed while this one loaded)
        return
    if not hello["ready"]:
        return
    while True:
        try:
            job = conn.recv()
        except (EOFError, OSError, KeyboardInterrupt):
            return
        if job is None:
            return
        reply = _run_job(store, named, job, graphs)
        try:
            conn.send(reply)
        except (OSError, ValueError):
            return


class _Worker:
    def __init__(self, ctx, spec, payload, root, memory_limit, isolate: bool, spare: bool) -> None:
        parent, child = ctx.Pipe()
        self.conn = parent
        self.spare = spare
        self.busy_since: float | None = None  # when the job it runs was sent, while it runs one
        self.ready = False
        self.isolation: str | None = None
        self.process = ctx.Process(
            target=_worker_main,
            args=(child, spec, payload, root, memory_limit, isolate),
            daemon=True,
            name="spacecoop-worker",
        )
        self.process.start()
        child.close()

    def wait_ready(self, timeout: float) -> dict:
        try:
            started = self.conn.poll(timeout)
        except OSError:  # the pool was closed (and this worker killed) while it loaded
            raise SpacecoopError("a query worker was stopped while loading the dataset") from None
        if not started:
            self.kill()
            raise SpacecoopError(f"a query worker did not start within {timeout:.0f} s")
        try:
            msg = self.conn.recv()
        except (EOFError, OSError):
            self.kill()
            raise SpacecoopError("a query worker died while loading the dataset") from None
        if not msg.get("ready"):
            self.kill()
            raise SpacecoopError(f"a query worker could not load the dataset: {msg.get('error')}")
        self.isolation = msg.get("isolation")
        return msg

    def kill(self) -> None:
        try:
            self.conn.close()
        except OSError:
            pass
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(1.0)
            if self.process.is_alive():
                self.process.kill()
        self.process.join(1.0)


@dataclass
class PoolStats:
    """Counters of a :class:`WorkerPool` (read by ``/stats`` and the tests)."""

    started: int = 0
    killed: int = 0
    timeouts: int = 0
    busy: int = 0
    preempted: int = 0
    cached: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


class WorkerPool:
    """Worker processes, each with its own store; a query over its time limit kills its worker.

    Fairness: besides the ``size`` workers there are ``spare`` ones that take a query only while
    every other worker is busy, and give it ``busy_timeout`` seconds instead of the full time
    limit. So a few clients looping slow queries hold the ordinary workers, but a cheap query from
    anyone else is still answered at once; a slow query that lands on a spare worker is stopped
    early with 503 and ``Retry-After``, turning the heavy user away rather than the others.

    Parameters
    ----------
    spec : str
        Store spec for each worker.
    payload : bytes
        What each worker needs to open its store, from :func:`worker_payload`.
    size : int
        Number of ordinary workers.
    root : path, optional
        Project root, for the named queries.
    memory_limit : int, optional
        Address-space limit of each worker, in bytes (a runaway query then fails in that worker).
    cache_bytes : int
        Answers kept for repeated requests, at most this many bytes of keys and bodies in all
        (0: no cache).
    spare : int
        Number of spare workers (0: none; every query then waits for an ordinary worker).
    busy_timeout : float
        Seconds a query may run on a spare worker. A request waits for a free worker up to the
        time limit it is run with, then gets 503.
    isolate : bool
        Run each worker in a network namespace of its own (see :func:`isolate_network`).
    standby : bool
        Keep one more worker loaded but idle, to replace a killed worker at once.
    """

    def __init__(
        self,
        spec: str,
        payload: bytes,
        size: int = 2,
        root: Path | None = None,
        memory_limit: int | None = None,
        cache_bytes: int = 0,
        spare: int = 1,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        isolate: bool = True,
        standby: bool = True,
    ) -> None:
        if size < 1:
            raise UsageError("--workers must be at least 1")
        self.spec = spec
        self.payload = payload
        self.size = size
        self.spare = spare
        self.standby = standby
        self.busy_timeout = busy_timeout
        self.isolate = isolate
        self.root = str(root) if root is not None else None
        self.memory_limit = memory_limit
        self.cache = _ResultCache(cache_bytes) if cache_bytes > 0 else None
        self.stats = PoolStats()
        self.isolation: str | None = None  # None: every worker is cut off the network; else why not
        self._ctx = multiprocessing.get_context("spawn")
        self._idle: list[_Worker] = []
        self._idle_spare: list[_Worker] = []
        self._standby: list[_Worker] = []  # loaded, answering nothing: the next killed worker's replacement
        self._cond = threading.Condition()
        self._closed = False
        self._all: set[_Worker] = set()

    def _new(self, spare: bool) -> _Worker:
        w = _Worker(self._ctx, self.spec, self.payload, self.root, self.memory_limit, self.isolate, spare)
        with self._cond:
            self._all.add(w)
        return w

    def _ready(self, w: _Worker) -> None:
        """Wait for a new worker to load; record its isolation; raise SpacecoopError on failure."""
        try:
            w.wait_ready(120.0)
        except SpacecoopError:
            with self._cond:
                self._all.discard(w)
            raise
        w.ready = True
        if w.isolation is not None:
            self.isolation = w.isolation
        with self.stats.lock:
            self.stats.started += 1

    def _give(self, w: _Worker) -> None:
        with self._cond:
            (self._idle_spare if w.spare else self._idle).append(w)
            self._cond.notify()

    def _held_by_long_queries(self) -> bool:
        """Whether every ordinary worker has been running its query for over ``busy_timeout``:
        then the spare worker is all that is left for everyone else, and gets the short limit.
        (A mere burst of quick queries leaves a query on the spare its full time limit.)"""
        now = time.monotonic()
        with self._cond:
            ordinary = [x for x in self._all if x.ready and not x.spare and x not in self._standby]
        return all(x.busy_since is not None and now - x.busy_since > self.busy_timeout for x in ordinary)

    def _take(self, wait: float) -> _Worker | None:
        deadline = time.monotonic() + wait
        with self._cond:
            while True:
                if self._idle:
                    return self._idle.pop()
                if self._idle_spare:
                    return self._idle_spare.pop()
                left = deadline - time.monotonic()
                if left <= 0 or self._closed:
                    return None
                self._cond.wait(left)

    def start(self) -> None:
        """Start every worker and wait until each has loaded the dataset.

        Raises
        ------
        SpacecoopError
            A worker could not load the dataset.
        """
        workers = [self._new(False) for _ in range(self.size)] + [self._new(True) for _ in range(self.spare)]
        try:
            for w in workers:
                self._ready(w)
        except SpacecoopError:
            self.close()
            raise
        for w in workers:
            self._give(w)
        if self.standby:
            self._start_in_background(standby=True)

    def _replace(self, w: _Worker) -> None:
        """Kill a worker; a loaded standby takes its place at once (so the pool never shrinks
        while a replacement loads, and a client whose slow query was stopped cannot spill onto
        the spare worker), and a new standby is started in the background."""
        w.kill()
        with self._cond:
            self._all.discard(w)
            standby = self._standby.pop() if self._standby else None
        with self.stats.lock:
            self.stats.killed += 1
        if standby is not None:
            standby.spare = w.spare
            self._give(standby)
        self._start_in_background(standby=standby is not None, spare=w.spare)

    def _start_in_background(self, *, standby: bool, spare: bool = False) -> None:
        """Start a worker in a thread: a standby, or (no standby was ready) the replacement itself."""

        def respawn() -> None:
            for _attempt in range(3):
                if self._closed:
                    return
                new = self._new(spare)
                try:
                    self._ready(new)
                except SpacecoopError as exc:
                    if self._closed:  # the pool was closed while this one loaded
                        return
                    print(f"spacecoop serve: {exc}", file=sys.stderr, flush=True)
                    time.sleep(1.0)
                    continue
                if self._closed:
                    new.kill()
                elif standby:
                    with self._cond:
                        self._standby.append(new)
                else:
                    self._give(new)
                return

        threading.Thread(target=respawn, name="spacecoop-respawn", daemon=True).start()

    def run(self, job: dict, timeout: float) -> dict:
        """Run ``job`` on an idle worker (or answer it from the cache); return the reply (a dict
        with ``status``)."""
        key = _ResultCache.key(job) if self.cache is not None else None
        if self.cache is not None:
            cached = self.cache.get(key)
            if cached is not None:
                with self.stats.lock:
                    self.stats.cached += 1
                return cached
        w = self._take(timeout)
        if w is None:
            with self.stats.lock:
                self.stats.busy += 1
            return {
                "status": 503,
                "retry": True,
                "error": f"every query worker stayed busy for {timeout:g} s; try again in a few seconds",
            }
        limit = min(timeout, self.busy_timeout) if w.spare and self._held_by_long_queries() else timeout
        try:
            w.busy_since = time.monotonic()
            w.conn.send(job)
            if w.conn.poll(limit):
                reply = w.conn.recv()
            else:
                with self.stats.lock:
                    if w.spare and limit < timeout:
                        self.stats.preempted += 1
                    else:
                        self.stats.timeouts += 1
                self._replace(w)
                if w.spare and limit < timeout:
                    return {
                        "status": 503,
                        "retry": True,
                        "error": f"the endpoint is busy with long queries from other clients, and while it "
                        f"is, a query may run {limit:g} s; this one ran longer and was stopped. "
                        "Try again in a few seconds, or narrow it",
                    }
                return {
                    "status": 504,
                    "error": f"the query ran longer than this endpoint's time limit of {timeout:g} s "
                    "and was stopped; narrow it or add a LIMIT",
                }
        except (EOFError, OSError, BrokenPipeError):
            self._replace(w)
            return {
                "status": 503,
                "error": "the query worker stopped unexpectedly (out of memory?); narrow the query",
                "retry": True,
            }
        w.busy_since = None
        if reply.get("restart"):
            self._replace(w)
        else:
            self._give(w)
        if self.cache is not None:
            self.cache.put(key, reply)
        return reply

    def close(self) -> None:
        """Stop every worker."""
        with self._cond:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
            self._standby.clear()
            self._cond.notify_all()
        for w in workers:
            try:
                w.conn.send(None)
            except (OSError, ValueError):
                pass
        for w in workers:
            w.process.join(0.5)
            w.kill()


# --------------------------------------------------------------------------------------------
# The service description


def service_description(endpoint: str, graphs: Mapping[str, int], default_triples: int):
    """Return the SPARQL Service Description of the endpoint as an rdflib Graph.

    Parameters
    ----------
    endpoint : str
        The endpoint's URL (``http://127.0.0.1:8000/sparql``).
    graphs : mapping of str to int
        Named graph IRI -> number of triples.
    default_triples : int
        Triples in the default graph (the union of all graphs).
    """
    from rdflib import BNode, Graph, Literal, Namespace, URIRef
    from rdflib.namespace import DCTERMS, RDF, VOID

    SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
    FORMATS = Namespace("http://www.w3.org/ns/formats/")
    g = Graph()
    g.bind("sd", SD)
    g.bind("formats", FORMATS)
    g.bind("void", VOID)
    g.bind("dcterms", DCTERMS)
    svc = BNode("service")
    g.add((svc, RDF.type, SD.Service))
    g.add((svc, SD.endpoint, URIRef(endpoint)))
    g.add((svc, DCTERMS.title, Literal("spacecoop: international space cooperation, every fact sourced")))
    g.add((svc, SD.supportedLanguage, SD.SPARQL11Query))
    g.add((svc, SD.feature, SD.UnionDefaultGraph))
    g.add((svc, SD.defaultEntailmentRegime, URIRef("http://www.w3.org/ns/entailment/Simple")))
    for fmt in (
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "N-Triples",
        "JSON-LD",
        "RDF_XML",
    ):
        g.add((svc, SD.resultFormat, FORMATS[fmt]))
    dataset = BNode("dataset")
    g.add((svc, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    default = URIRef(UNION_GRAPH)  # its name for default-graph-uri and FROM
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    g.add((default, VOID.triples, Literal(default_triples)))
    for i, (name, n) in enumerate(sorted(graphs.items())):
        ng, gr = BNode(f"ng{i}"), BNode(f"g{i}")
        g.add((dataset, SD.namedGraph, ng))
        g.add((ng, RDF.type, SD.NamedGraph))
        g.add((ng, SD.name, URIRef(name)))
        g.add((ng, SD.graph, gr))
        g.add((gr, RDF.type, SD.Graph))
        g.add((gr, VOID.triples, Literal(n)))
    return g


# --------------------------------------------------------------------------------------------
# The HTTP server


_HOST_RE = re.compile(
    r"(?:[A-Za-z0-9](?:[A-Za-z0-9.-]{0,251}[A-Za-z0-9])?|\[[0-9A-Fa-f:.]{2,45}\])(?::[0-9]{1,5})?"
)


class EndpointServer(ThreadingHTTPServer):
    """The HTTP server: routes in :class:`_Handler`, queries in a :class:`WorkerPool`."""

    daemon_threads = True
    request_queue_size = 128
    allow_reuse_address = True

    def __init__(self, config: ServeConfig, pool: WorkerPool, ds, named: list) -> None:
        self.config = config
        self.pool = pool
        self.ds = ds
        self.named = {q.name: q for q in named}
        self._pages: dict[str, tuple[int, bytes, str]] = {}
        self._pages_lock = threading.Lock()
        self._projection = None  # the store the network pages are drawn from, opened on first use
        super().__init__((config.host, config.port), _Handler)
        host, port = self.server_address[:2]
        shown = f"[{host}]" if ":" in host else host
        self.url = f"http://{shown}:{port}/"
        graphs = {}
        for ctx in ds.graphs():
            ident = str(ctx.identifier)
            if ident.startswith("urn:x-rdflib:"):
                continue
            graphs[ident] = len(ctx)
        total = len({(s, p, o) for s, p, o, _g in ds.quads((None, None, None, None))})
        self._graph_sizes = graphs
        self.graph_names = frozenset(graphs)  # what default-graph-uri / named-graph-uri may name
        self._default_triples = total
        self.description = service_description(self.url + "sparql", graphs, total)
        self._descriptions: dict[str, object] = {}

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
                f"fairness: {pool.size} workers and {pool.spare} spare (while every worker runs a long query, a "
                f"query on the spare may run {pool.busy_timeout:g} s)"
            ),
            (
                f"limits: {config.timeout:g} s a query, {config.max_rows:,} rows, {config.max_bytes:,} bytes an "
                f"answer, {config.cache_mb:g} MB of cache"
            ),
        ]

    def graph_page(self, view: str) -> tuple[int, bytes, str]:
        """Return (status, body, media type) of the network page of ``view``, built once."""
        with self._pages_lock:
            if view not in self._pages:
                if self._projection is None:
                    from spacecoop.store.engine import open_engine

                    self._projection = open_engine("page", self.config.store, self.ds)
                self._pages[view] = _build_graph_page(self._projection, view)
            return self._pages[view]

    def close(self) -> None:
        """Stop listening and stop the workers."""
        self.server_close()
        self.pool.close()


def _build_graph_page(target, view: str) -> tuple[int, bytes, str]:
    try:
        from spacecoop.pages.graph_page import page_html
        from spacecoop.views.projection import to_networkx
    except ImportError as exc:
        return (
            404,
            (
                f"the network view {view!r} is not available in this installation "
                f"(spacecoop.views.projection / spacecoop.pages.graph_page missing: {exc})\n"
            ).encode(),
            "text/plain; charset=utf-8",
        )
    try:
        G = to_networkx(target, view=view)
        html = page_html(G, title=f"spacecoop: {view}")
    except Exception as exc:  # noqa: BLE001 - another stage's failure becomes a 500 with its message
        return (
            500,
            f"cannot draw the {view} network: {type(exc).__name__}: {exc}\n".encode(),
            "text/plain; charset=utf-8",
        )
    body = html.encode("utf-8") if isinstance(html, str) else bytes(html)
    _graph_csp(body)  # hash the page's scripts now, once, for its Content-Security-Policy header
    return 200, body, "text/html; charset=utf-8"


_GRAPH_CSPS: dict[bytes, str] = {}  # page body -> its CSP; one entry per network view built


def _graph_csp(body: bytes) -> str:
    """Return the Content-Security-Policy of a network page: its own inline scripts, by hash.

    Each inline ``<script>`` that a browser runs (no ``src``, no data ``type``) is allowed by the
    SHA-256 of its text, so no other script can run on the page: no ``'unsafe-inline'``, no
    ``'unsafe-eval'``.

    Examples
    --------
    >>> _graph_csp(b"<script>go()</script><script type='application/json'>{}</script>").split("; ")[1]
    "script-src 'self' 'sha256-5KYv+PUboo5h+0+YAtGRPbwv5d/QxzHslP4YGnUaxRw='"
    """
    import base64
    import hashlib
    import re

    known = _GRAPH_CSPS.get(body)
    if known is not None:
        return known
    hashes: list[str] = []
    for attrs, text in re.findall(rb"<script\b([^>]*)>(.*?)</script\s*>", body, re.DOTALL | re.IGNORECASE):
        if re.search(rb"\bsrc\s*=", attrs, re.IGNORECASE):
            continue
        kind = re.search(rb"""\btype\s*=\s*["']?([^"'\s>]*)""", attrs, re.IGNORECASE)
        if kind and kind.group(1).lower() not in (
            b"",
            b"text/javascript",
            b"application/javascript",
            b"module",
        ):
            continue  # a data block (application/json): never run, so not a script to allow
        text = text.replace(b"\r\n", b"\n").replace(b"\r", b"\n")  # as the HTML parser reads it
        hashes.append("'sha256-" + base64.b64encode(hashlib.sha256(text).digest()).decode("ascii") + "'")
    csp = GRAPH_CSP.format(scripts=" ".join(dict.fromkeys(hashes)))
    if len(_GRAPH_CSPS) < 16:
        _GRAPH_CSPS[body] = csp
    return csp


PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'self'"
)
# The network pages' policy; {scripts}: the hashes of the page's inline scripts (_graph_csp).
GRAPH_CSP = (
    "default-src 'self'; script-src 'self' {scripts}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)
UTF8_NAMES = ("utf-8", "utf8", "us-ascii", "ascii")  # the charsets of a request body read as UTF-8
ALLOW = "GET, HEAD, POST, OPTIONS"  # the methods every route answers (HEAD as GET without the body)
GZIP_MIN = 1024  # bodies smaller than this go uncompressed even when the client accepts gzip
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Content-Type",
    "Access-Control-Max-Age": "600",
}


def _accepts_gzip(header: str | None) -> bool:
    """Whether an Accept-Encoding header accepts gzip (by name or ``*``, with q > 0).

    Examples
    --------
    >>> _accepts_gzip("gzip, deflate"), _accepts_gzip("gzip;q=0"), _accepts_gzip("*"), _accepts_gzip(None)
    (True, False, True, False)
    """
    if not header:
        return False
    named = {rng: q for rng, q, _pos in _parse_accept(header)}
    if "gzip" in named:
        return named["gzip"] > 0
    return named.get("*", 0.0) > 0


class _Handler(BaseHTTPRequestHandler):
    server: EndpointServer
    protocol_version = "HTTP/1.1"
    server_version = "spacecoop"
    sys_version = ""
    timeout = 60  # seconds a client may take to send its request
    disable_nagle_algorithm = True  # TCP_NODELAY: a reply leaves at once, not after the client's ACK
    ONE_WRITE = 256 * 1024  # a body up to this size leaves in the same write as its headers

    def version_string(self) -> str:
        return self.server_version

    # -- plumbing --------------------------------------------------------------------------

    def log_message(self, format: str, *args) -> None:
        if self.server.config.access_log:
            super().log_message(format, *args)

    def _send(self, status: int, body: bytes, media: str, headers: Mapping[str, str] | None = None) -> None:
        headers = dict(headers or {})
        if getattr(self, "_unread_body", False):
            self.close_connection = True
        if self.close_connection and "Connection" not in headers:
            headers["Connection"] = "close"  # tell the client, so it does not send on into a closed socket
        if status == 200 and len(body) >= GZIP_MIN:  # an answer that may be sent compressed
            vary = [v.strip() for v in headers.get("Vary", "").split(",") if v.strip()]
            headers["Vary"] = ", ".join([*vary, "Accept-Encoding"])
            if _accepts_gzip(self.headers.get("Accept-Encoding")):
                import gzip

                body = gzip.compress(body, compresslevel=5, mtime=0)
                headers["Content-Encoding"] = "gzip"
        self.send_response(status)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for k, v in CORS_HEADERS.items():
            self.send_header(k, v)
        for k, v in headers.items():
            self.send_header(k, v)
        # end_headers() writes the headers alone: a second small write for the body then waits
        # for the client's delayed ACK (about 40 ms a request on a kept-alive connection)
        if not hasattr(self, "_headers_buffer"):  # HTTP/0.9: no headers at all
            self.wfile.write(body)
            return
        self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD" and len(body) <= self.ONE_WRITE:
            self._headers_buffer.append(body)
            self.flush_headers()
        else:
            self.flush_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

    def _error(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        self._send(status, (message.rstrip() + "\n").encode("utf-8"), "text/plain; charset=utf-8", headers)

    def send_error(self, code, message=None, explain=None):  # the stdlib's, but plain text and CORS
        self.close_connection = True
        try:
            self._error(code, message or HTTPStatus(code).phrase, {"Connection": "close"})
        except OSError:
            pass

    def parse_request(self) -> bool:
        """The stdlib's, then refuse any framing two readers could take differently (400, close)."""
        if not super().parse_request():
            return False
        problem = self._framing_problem()
        if problem:
            self.send_error(400, problem)
            return False
        length = self.headers.get("Content-Length", "0").strip(" \t")
        # a body that is not read (a GET with a body, a POST to the wrong path, a refusal) must
        # not be taken for the next request: _send closes the connection while this is set
        self._unread_body = self.headers.get("Transfer-Encoding") is not None or int(length or "0") > 0
        return True

    def _framing_problem(self) -> str | None:
        """Say why the request's Content-Length / Transfer-Encoding are ambiguous, or None."""
        import re
        from email.errors import MissingHeaderBodySeparatorDefect

        rest = self.headers.get_payload()
        rest = rest if isinstance(rest, str) else ""
        if rest or any(isinstance(d, MissingHeaderBodySeparatorDefect) for d in self.headers.defects):
            # the stdlib's parser stops at a line that is no header ("Content-Length : 5", no
            # colon) and drops every header after it, Content-Length included
            line = rest.splitlines()[0][:60] if rest.strip() else ""
            return (
                f"malformed header line {line!r}: every header line is NAME: VALUE, no space before the colon"
            )
        for name, value in self.headers.items():
            if "\r" in value or "\n" in value:
                return f"header {name[:40]} is folded over several lines, which this endpoint does not accept"
        lengths = self.headers.get_all("Content-Length") or []
        if lengths and self.headers.get_all("Transfer-Encoding"):
            return "a request with both Transfer-Encoding and Content-Length is ambiguous; send only Content-Length"
        if len(lengths) > 1:
            shown = ", ".join(repr(v[:20]) for v in lengths[:4])
            return f"{len(lengths)} Content-Length headers ({shown}); send exactly one"
        if lengths and not re.fullmatch(r"[0-9]{1,15}", lengths[0].strip(" \t")):
            return (
                f"bad Content-Length {lengths[0][:40]!r}: it must be a decimal number of bytes, digits only"
            )
        return None

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (ConnectionError, TimeoutError):
            self.close_connection = True
        except Exception as exc:  # noqa: BLE001 - never a traceback to the client; one line on stderr
            print(
                f"spacecoop serve: internal error on {self.path!r}: {type(exc).__name__}: {exc}",
                file=sys.stderr,
                flush=True,
            )
            self.close_connection = True
            try:
                self._error(500, "internal server error")
            except OSError:
                pass

    def _read_body(self) -> bytes | None:
        if self.headers.get("Transfer-Encoding", "").lower() not in ("", "identity"):
            self.close_connection = True
            self._error(411, "send the request body with a Content-Length (chunked bodies are not accepted)")
            return None
        length = self.headers.get("Content-Length")
        if length is None:
            self.close_connection = True  # whatever follows is its body: never read it as a request
            self._error(411, "a POST needs a Content-Length")
            return None
        try:
            n = int(length)
            if n < 0:
                raise ValueError
        except ValueError:
            self.close_connection = True
            self._error(400, f"bad Content-Length {length!r}")
            return None
        if n > self.server.config.max_body:
            self.close_connection = True
            if n <= 4 * 2**20:  # a modest body is read and dropped, so the client surely sees the 413
                remaining = n
                while remaining > 0:
                    chunk = self.rfile.read(min(remaining, 65536))
                    if not chunk:
                        break
                    remaining -= len(chunk)
            self._error(
                413,
                f"request body of {n} bytes is larger than this endpoint's limit of "
                f"{self.server.config.max_body} bytes",
            )
            return None
        body = self.rfile.read(n)  # a client that stalls mid-body runs into the socket timeout: closed
        if len(body) < n:
            self.close_connection = True
            self._error(
                400,
                f"the request body ended after {len(body)} of {n} bytes (Content-Length); nothing was run",
            )
            return None
        self._unread_body = False
        return body

    # -- verbs -----------------------------------------------------------------------------

    def do_OPTIONS(self) -> None:
        self._send(204, b"", "text/plain; charset=utf-8", {"Allow": ALLOW})

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        path = url.path
        try:
            args = parse_qs(url.query, keep_blank_values=True, strict_parsing=False, errors="strict")
        except UnicodeDecodeError:
            self._error(400, "the query string is not valid UTF-8")
            return
        if path == "/sparql":
            self._sparql(args)
        elif path in ("/", "/index.html"):
            self._static("index.html")
        elif path.startswith("/static/"):
            self._static(_unquote_path(path[len("/static/") :]))
        elif path in ("/queries", "/queries/"):
            self._list_queries(args)
        elif path.startswith("/queries/"):
            name = _unquote_path(path[len("/queries/") :])
            if name is None:
                self._error(404, "unknown query: the name is not valid UTF-8 or holds a NUL")
            else:
                self._named_query(name, args)
        elif path in ("/graph/countries", "/graph/actors"):
            status, body, media = self.server.graph_page(path.rsplit("/", 1)[1])
            self._send(
                status, body, media, {"Content-Security-Policy": _graph_csp(body)} if status == 200 else None
            )
        elif path == "/favicon.ico":
            self._send(204, b"", "image/x-icon")
        else:
            shown = path if len(path) <= 200 else path[:200] + "…"
            self._error(404, f"nothing at {shown}; see / for the query page, /sparql, /queries")

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        if url.path != "/sparql":
            self._error(
                405 if url.path in ("/", "/queries") or url.path.startswith("/queries/") else 404,
                f"POST goes to /sparql, not {url.path}",
                {"Allow": ALLOW},
            )
            return
        media = self.headers.get_content_type()
        charset = self.headers.get_content_charset() or "utf-8"
        body = self._read_body()
        if body is None:
            return
        if (
            media in ("application/x-www-form-urlencoded", "application/sparql-query")
            and charset.lower() not in UTF8_NAMES
        ):
            self._error(
                415,
                f"charset {charset[:40]!r} is not accepted: send the request body in UTF-8, as the SPARQL "
                "1.1 Protocol says",
            )
            return
        try:
            args = parse_qs(url.query, keep_blank_values=True, errors="strict")
            if media == "application/x-www-form-urlencoded":
                text = body.decode(charset)
                for k, v in parse_qs(text, keep_blank_values=True, errors="strict").items():
                    args.setdefault(k, []).extend(v)
            elif media == "application/sparql-query":
                if "query" in args:
                    self._error(400, "a direct POST carries the query in its body, not in a query parameter")
                    return
                args["query"] = [body.decode(charset)]
            elif media == "application/sparql-update":
                self._error(400, "SPARQL Update is not allowed: this endpoint is read-only")
                return
            else:
                self._error(
                    415,
                    f"unsupported Content-Type {media!r}; POST application/sparql-query or "
                    "application/x-www-form-urlencoded",
                )
                return
        except (UnicodeDecodeError, LookupError):
            self._error(400, f"the request body is not valid {charset}")
            return
        self._sparql(args)

    def do_PUT(self) -> None:
        self._error(405, "this endpoint is read-only", {"Allow": ALLOW})

    do_DELETE = do_PATCH = do_PUT

    # -- routes ----------------------------------------------------------------------------

    def _reply(self, reply: Mapping) -> None:
        if reply["status"] == 200:
            headers = {"Vary": "Accept"}
            self._send(200, reply["body"], reply["type"], headers)
        else:
            headers = {"Retry-After": "5"} if reply.get("retry") else None
            self._error(reply["status"], reply["error"], headers)

    def _sparql(self, args: Mapping[str, list[str]]) -> None:
        if "update" in args:
            self._error(400, "SPARQL Update is not allowed: this endpoint is read-only")
            return
        try:  # the protocol's dataset: the endpoint's own graphs only, checked before any worker
            dataset = request_dataset(
                args.get("default-graph-uri"), args.get("named-graph-uri"), self.server.graph_names
            )
        except QueryRefused as exc:
            self._error(exc.status, str(exc))
            return
        queries = args.get("query")
        if not queries:
            if self.command == "POST" or dataset is not None:
                self._error(400, "no query given: send query=… (form) or a SPARQL query body")
                return
            self._description(args)
            return
        if len(queries) > 1:
            self._error(400, "give exactly one query parameter")
            return
        fmts = args.get("format") or args.get("output") or [None]
        job = {
            "op": "sparql",
            "query": queries[0],
            "accept": self.headers.get("Accept"),
            "format": fmts[0],
            "max_rows": self.server.config.max_rows,
            "max_bytes": self.server.config.max_bytes,
            "dataset": None if dataset is None else (dataset.default, dataset.named),
        }
        self._reply(self.server.pool.run(job, self.server.config.timeout))

    def _description(self, args: Mapping[str, list[str]]) -> None:
        fmts = args.get("format") or [None]
        accept = self.headers.get("Accept") or ""
        if fmts[0] is None and "text/html" in accept:
            fmts = ["turtle"]  # a browser following the page's link: Turtle reads best
        try:
            fmt = negotiate("CONSTRUCT", accept, fmts[0])
        except QueryRefused as exc:
            self._error(exc.status, str(exc))
            return
        from spacecoop.store import QueryResult

        body, media = serialize(
            QueryResult("CONSTRUCT", graph=self.server.describe(self.headers.get("Host"))), fmt
        )
        self._send(200, body, media, {"Vary": "Accept, Host"})

    def _static(self, rel: str | None) -> None:
        base = STATIC_DIR.resolve()
        try:  # NUL bytes, names too long, undecodable escapes: no such file either
            if not rel or "\x00" in rel or len(rel) > 1024:
                raise ValueError(rel)
            target = (base / rel).resolve()
            found = base in target.parents and target.is_file()
        except (ValueError, OSError):
            found = False
        if not found:
            shown = repr(rel[:100]) if rel else "(this name)"
            self._error(404, f"no such file: {shown}")
            return
        media = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if media.startswith("text/") or media in ("application/javascript", "application/json"):
            media += "; charset=utf-8"
        headers = {"Cache-Control": "no-cache"}
        if target.suffix == ".html":
            headers["Content-Security-Policy"] = PAGE_CSP
        self._send(200, target.read_bytes(), media, headers)

    def _query_list(self) -> list[dict]:
        return [
            {
                "name": q.name,
                "summary": q.summary,
                "description": q.description,
                "params": list(q.params),
                "columns": list(q.columns),
                "tags": list(q.tags),
                "url": f"/queries/{q.name}",
                "query": q.text,
            }
            for q in self.server.named.values()
        ]

    def _list_queries(self, args: Mapping[str, list[str]]) -> None:
        items = self._query_list()
        fmt = (args.get("format") or [""])[0].lower()
        accept = _parse_accept(self.headers.get("Accept") or "")
        q_html = max((q for m, q, _ in accept if m == "text/html"), default=0.0)
        q_json = max(
            (q for m, q, _ in accept if m in ("application/json", "*/*", "application/*")), default=0.0
        )
        if fmt == "html" or (fmt != "json" and q_html > q_json):
            self._send(
                200,
                _queries_html(items).encode("utf-8"),
                "text/html; charset=utf-8",
                {"Content-Security-Policy": PAGE_CSP, "Vary": "Accept"},
            )
        else:
            body = json.dumps(items, ensure_ascii=False, indent=1).encode("utf-8")
            self._send(200, body, "application/json", {"Vary": "Accept"})

    def _named_query(self, name: str, args: Mapping[str, list[str]]) -> None:
        if name not in self.server.named:
            self._error(404, f"unknown query {name!r}; known queries: {', '.join(sorted(self.server.named))}")
            return
        fmts = args.pop("format", None) or [None]
        params = {}
        for k, v in args.items():
            if len(v) != 1:
                self._error(400, f"give parameter {k} once")
                return
            params[k] = v[0]
        job = {
            "op": "named",
            "name": name,
            "params": params,
            "accept": self.headers.get("Accept"),
            "format": fmts[0],
            "max_rows": self.server.config.max_rows,
            "max_bytes": self.server.config.max_bytes,
        }
        self._reply(self.server.pool.run(job, self.server.config.timeout))


def _unquote_path(part: str) -> str | None:
    """Decode %-escapes of a path segment; None when they are not UTF-8 or give a NUL."""
    try:
        text = unquote(part, errors="strict")
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text


def _queries_html(items: list[dict]) -> str:
    from html import escape

    rows = "\n".join(
        f'<tr><td><a href="{escape(i["url"])}">{escape(i["name"])}</a></td><td>{escape(i["summary"])}</td>'
        f"<td>{escape(', '.join(i['params']))}</td><td>{escape(', '.join(i['columns']))}</td></tr>"
        for i in items
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>spacecoop: named queries</title>'
        '<link rel="stylesheet" href="/static/app.css"></head><body><main>'
        '<h1>Named queries</h1><p><a href="/">Query page</a> · JSON: <a href="/queries?format=json">'
        '/queries?format=json</a></p><table class="results"><thead><tr><th>name</th><th>question</th>'
        f"<th>params</th><th>columns</th></tr></thead><tbody>\n{rows}\n</tbody></table></main></body></html>\n"
    )


# --------------------------------------------------------------------------------------------
# Starting it


def make_server(config: ServeConfig, ds=None) -> EndpointServer:
    """Load the dataset, start the workers and bind the socket; return the (not yet serving) server.

    Raises
    ------
    SpacecoopError
        The dataset or the named queries cannot be loaded, a worker cannot start, or the address
        cannot be bound.
    """
    from spacecoop.core.load import load_dataset
    from spacecoop.sparql.query import list_queries

    if config.timeout <= 0:
        raise UsageError("--timeout must be positive")
    if config.max_rows < 1:
        raise UsageError("--max-rows must be at least 1")
    if ds is None:
        ds = load_dataset(config.root)
    named = list_queries(config.root)
    payload = worker_payload(config.store, ds)
    if config.max_bytes < 1:
        raise UsageError("--max-bytes must be at least 1")
    pool = WorkerPool(
        config.store,
        payload,
        size=config.workers,
        root=config.root,
        memory_limit=_memory_limit(config.workers + config.spare),
        cache_bytes=int(config.cache_mb * 2**20),
        spare=config.spare,
        busy_timeout=min(config.busy_timeout, config.timeout),
        isolate=config.isolate,
    )
    pool.start()
    try:
        return EndpointServer(config, pool, ds, named)
    except OSError as exc:
        pool.close()
        raise SpacecoopError(f"cannot listen on {config.host}:{config.port}: {exc.strerror or exc}") from exc


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
