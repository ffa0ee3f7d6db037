"""The query guard: what the endpoint refuses before any engine sees a query.

A query text is screened (:func:`screen_query_text`), parsed with rdflib's SPARQL parser, and its
parse tree and algebra inspected (:func:`inspect_query`, :func:`check_query`): SPARQL Update,
SERVICE anywhere, and a dataset (FROM, FROM NAMED, or the protocol's ``default-graph-uri`` /
``named-graph-uri``: :func:`request_dataset`) that names anything but the endpoint's own graphs are
refused with :class:`QueryRefused`. Nothing here knows of HTTP or of the worker processes.
"""

from __future__ import annotations

import collections
import hashlib
import re
import threading
from collections.abc import Container
from dataclasses import dataclass

from spacecoop.core.errors import UsageError

__all__ = [  # noqa: RUF022 - plain sorted(), the order tests/test_serve.py checks
    "QUERY_KINDS",
    "QueryDataset",
    "QueryRefused",
    "UNION_GRAPH",
    "Verdicts",
    "check_dataset_clauses",
    "check_query",
    "inspect_query",
    "remember_checked",
    "request_dataset",
    "screen_query_text",
]


class QueryRefused(UsageError):
    """A request the endpoint will not run; ``status`` is the HTTP status to answer with."""

    def __init__(self, message: str, status: int = 400) -> None:
        super().__init__(message)
        self.status = status


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
    spacecoop.endpoint.guard.QueryRefused: a carriage return not followed by a line feed at character 23: ...
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

PASSED_MEMO = 4096
"""How many of the last client texts that passed the guard :func:`inspect_query` remembers."""

QUERY_KINDS = frozenset({"SELECT", "ASK", "CONSTRUCT", "DESCRIBE"})
"""What :func:`inspect_query` says a text that passed is."""


class Verdicts:
    """The kinds of the last ``size`` query texts that passed the guard without a dataset clause,
    by the SHA-256 of the text (no text kept), least recently asked first; safe across threads.

    Such a verdict is a function of the text alone, so it holds wherever it was reached: each
    worker keeps its own (:func:`inspect_query`), and the pool keeps those its workers report,
    to hand the verdict to a worker that has not judged the text yet
    (:meth:`spacecoop.endpoint.pool.WorkerPool.run`).

    Examples
    --------
    >>> v = Verdicts(1)
    >>> v.add("ASK {}", "ASK"); v.get("ASK {}"), v.get("SELECT * {}")
    ('ASK', None)
    >>> v.add("SELECT * {}", "SELECT"); v.get("ASK {}")  # the older one made room
    """

    def __init__(self, size: int = PASSED_MEMO) -> None:
        self.size = size
        self._kinds: collections.OrderedDict[bytes, str] = collections.OrderedDict()
        self._lock = threading.Lock()

    @staticmethod
    def digest(text: str) -> bytes:
        return hashlib.sha256(text.encode("utf-8", "surrogatepass")).digest()

    def __len__(self) -> int:
        return len(self._kinds)

    def __iter__(self):
        """The digests kept (never a text), least recently asked first."""
        with self._lock:
            return iter(list(self._kinds))

    def get(self, text: str) -> str | None:
        """The kind of ``text`` if it passed, else None."""
        digest = self.digest(text)
        with self._lock:
            kind = self._kinds.get(digest)
            if kind is not None:
                self._kinds.move_to_end(digest)
            return kind

    def add(self, text: str, kind: str) -> None:
        """Remember that ``text`` passed as ``kind`` (one of :data:`QUERY_KINDS`)."""
        if kind not in QUERY_KINDS:
            raise ValueError(f"not a query kind: {kind!r}")
        digest = self.digest(text)
        with self._lock:
            self._kinds[digest] = kind
            self._kinds.move_to_end(digest)
            while len(self._kinds) > self.size:
                self._kinds.popitem(last=False)


_passed = Verdicts(PASSED_MEMO)
"""The texts this process's :func:`inspect_query` passed without a dataset clause."""


def remember_checked(text: str, kind: str) -> None:
    """Keep the kind of a query text already judged (a named query without a dataset clause), so
    :func:`inspect_query` does not parse it again. Only the workers call this, once per named query
    at start: no text a client sends is ever kept."""
    _checked[text] = kind


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
    spacecoop.endpoint.guard.QueryRefused: named-graph-uri <file:///etc/passwd> is not supported: ...
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

    The kinds of the last :data:`PASSED_MEMO` texts that passed without a dataset clause are
    remembered by the SHA-256 of the text (never the text): such a text asked again is not
    parsed again. A refused text is judged again each time; one with a dataset clause too (its
    clauses are returned, and checked against the graphs by the caller, every time).
    """
    known = _checked.get(text)  # only texts without a dataset clause are kept there
    if known is not None:
        return known, None
    # A client's text passed already (its verdict is a function of the text alone): rdflib's
    # parse took 10-130 ms a query, where Oxigraph answers many in 1 ms, and clients repeat
    # their texts (a notebook run again, a page's look-ups, named queries with their values).
    known = _passed.get(text)
    if known is not None:
        return known, None
    kind, dataset = _inspect(text)
    if dataset is None:
        _passed.add(text, kind)
    return kind, dataset


def _inspect(text: str) -> tuple[str, QueryDataset | None]:
    """:func:`inspect_query` itself: screen and parse ``text``, inspect its parse and algebra."""
    from pyparsing import ParseBaseException
    from rdflib import URIRef
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery, parseUpdate

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
    except Exception as exc:
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
    spacecoop.endpoint.guard.QueryRefused: FROM and FROM NAMED are not allowed to name <file:///etc/passwd>...
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
