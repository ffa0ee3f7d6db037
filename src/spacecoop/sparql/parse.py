"""The SPARQL front door: every query text is parsed here, once, and bound here.

:func:`parse_query` runs rdflib's parser once per text (the result is cached by text) and gives
what every other part needs: the query's form (``SELECT``, ``ASK``, ``CONSTRUCT``, ``DESCRIBE``),
the variables a SELECT projects, and rdflib's algebra, so no caller guesses from the text with a
regular expression.

Parameters are RDF terms, never query text. How they reach an engine (the stores choose):

- rdflib's engine takes them as ``initBindings`` on the algebra parsed here.
- Oxigraph and a remote store get one ``VALUES`` clause placed by the parser at the start of the
  query's outermost WHERE group (:func:`bind_values`). There every pattern, OPTIONAL, FILTER and
  EXISTS of the group sees the parameter bound. (pyoxigraph's own ``substitutions`` gave the same
  rows on every named query but were slower, see :meth:`spacecoop.store.OxigraphStore.query`.)

Engines differ where a parameter is used inside a nested group's FILTER or inside a subquery
that does not project it: rdflib binds it there too, a VALUES clause at the top does not. The
named queries bind their parameters at the top level, where the engines agree
(``tests/test_store.py`` runs every named query, bound, on every engine).
"""

from __future__ import annotations

import functools
import re
import sys
import threading
from collections.abc import Callable, Iterable, Mapping
from typing import TYPE_CHECKING, Any

from spacecoop.core.errors import UsageError

if TYPE_CHECKING:  # rdflib is imported where its terms or parser are used: binding needs neither
    from rdflib.term import Node

FORMS = ("SELECT", "ASK", "CONSTRUCT", "DESCRIBE")

_CACHED_TEXT = 64 * 1024
"""Texts up to this many characters are cached (by text): every named query, most others."""

_VARNAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


class ParsedQuery:
    """A SPARQL query parsed once by rdflib's parser: its form, variables and algebra.

    Get one with :func:`parse_query`, which caches them by text; treat it as read-only (stores
    evaluate its algebra as it is, and other callers share it).

    Attributes
    ----------
    text : str
        The query as given.
    form : str
        ``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``.
    empty_template : bool
        A CONSTRUCT whose template holds no triple (``CONSTRUCT {} WHERE …``, ``CONSTRUCT WHERE
        {}``): its answer is the empty graph.
    undeclared : frozenset of str
        Prefixes the query uses without declaring them. rdflib's engine resolves them with the
        dataset's own prefixes (:meth:`rdflib_query`); other engines refuse them.
    """

    __slots__ = (
        "_error",
        "_query",
        "_translations",
        "_where",
        "empty_template",
        "form",
        "text",
        "undeclared",
    )

    def __init__(self, text: str) -> None:
        from pyparsing import ParseBaseException
        from rdflib.plugins.sparql.parser import parseQuery

        self.text = text
        try:
            tree = parseQuery(text)
        except ParseBaseException as exc:
            raise UsageError(f"malformed SPARQL: {exc}") from None
        except ValueError as exc:  # an invalid \\u escape
            raise UsageError(f"malformed SPARQL: {exc}") from None
        self.form = tree[1].name.replace("Query", "").upper()
        self.undeclared = _undeclared_prefixes(tree)
        self.empty_template = _has_empty_template(tree)
        self._where: int | bool | None = False  # False: not yet looked for
        self._translations: dict[tuple, Any] = {}
        self._query, self._error = _translate(tree, None)
        if self._query is not None and self.form == "CONSTRUCT" and not self._query.algebra.template:
            self.empty_template = True  # CONSTRUCT WHERE { } (the short form, with no triple)

    # -- what the parse gives -----------------------------------------------------------------
    @property
    def algebra(self):
        """rdflib's algebra of the query (prefixes resolved without the dataset's).

        Raises
        ------
        UsageError
            The query does not translate (an undeclared prefix, a misused aggregate …).
        """
        return self.query.algebra

    @property
    def query(self):
        """rdflib's prepared query (:class:`rdflib.plugins.sparql.sparql.Query`), for its engine.

        Raises
        ------
        UsageError
            The query does not translate.
        """
        if self._error is not None:
            raise UsageError(f"malformed SPARQL: {self._error}")
        return self._query

    @property
    def variables(self) -> tuple[str, ...] | None:
        """The variables a SELECT projects, in order; None for the other forms."""
        if self.form != "SELECT":
            return None
        return tuple(str(v) for v in self.algebra["PV"])

    def rdflib_query(self, namespaces: Callable[[], Iterable[tuple[str, Any]]]):
        """Return rdflib's prepared query for a dataset whose prefixes ``namespaces()`` gives,
        and whether it has a GROUP BY (rdflib then answers a grouping over nothing with one
        empty group, which its caller must keep).

        The dataset's prefixes matter only for a query that uses a prefix it does not declare
        (rdflib resolves those with the dataset's bindings); every other query shares the one
        translation made when it was parsed.

        Raises
        ------
        UsageError
            The query does not translate.
        """
        if not self.undeclared:
            key: tuple = ()
        else:
            key = tuple(sorted((str(p), str(u)) for p, u in namespaces()))
        found = self._translations.get(key)
        if found is None:
            if key:
                from rdflib.plugins.sparql.parser import parseQuery

                # translating rewrites the parse tree, so this one needs a parse of its own
                query, error = _translate(parseQuery(self.text), dict(key))
            else:
                query, error = self._query, self._error
            found = (query, error, query is not None and _is_grouped(query.algebra))
            if len(self._translations) < 8:
                self._translations[key] = found
        query, error, grouped = found
        if error is not None:
            raise UsageError(f"malformed SPARQL: {error}")
        return query, grouped

    # -- VALUES, for Oxigraph and remote stores -------------------------------------------------
    @property
    def where_start(self) -> int | None:
        """The index in :attr:`text` of the ``{`` that opens the outermost WHERE group, found by
        the parser; None when the query has none to open (``DESCRIBE <x>``, ``CONSTRUCT WHERE``'s
        template)."""
        if self._where is False:
            self._where = _where_group_start(self.text)
        return self._where

    def with_values(self, bindings: Mapping[str, Node]) -> str:
        """Return the text with ``bindings`` as a VALUES clause opening its outermost WHERE group
        (see :func:`bind_values`)."""
        return _with_values(self.text, self.where_start, bindings)

    def __repr__(self) -> str:
        return f"<ParsedQuery {self.form} {self.text[:40]!r}>"


def parse_query(text: str) -> ParsedQuery:
    """Parse SPARQL text once; return its form, variables and algebra (cached by text).

    Raises
    ------
    UsageError
        The text is not a SPARQL query (the parser's message follows ``malformed SPARQL:``).

    Examples
    --------
    >>> q = parse_query("PREFIX ex: <http://example.org/select#> # ASK?\\nDESCRIBE ex:a")
    >>> q.form
    'DESCRIBE'
    >>> parse_query("SELECT ?b ?a WHERE { ?a ?p ?b }").variables
    ('b', 'a')
    """
    if len(text) > _CACHED_TEXT:
        return ParsedQuery(text)
    return _parse_cached(text)


@functools.lru_cache(maxsize=512)
def _parse_cached(text: str) -> ParsedQuery:
    return ParsedQuery(text)


def query_form(text: str) -> str:
    """Return the form of a SPARQL query: ``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``.

    Raises
    ------
    UsageError
        The text is not a SPARQL query.

    Examples
    --------
    >>> query_form("PREFIX ex: <http://example.org/select#> # ASK?\\nDESCRIBE ex:a")
    'DESCRIBE'
    """
    return parse_query(text).form


def bind_values(text: str, bindings: Mapping[str, Node]) -> str:
    """Return ``text`` with ``bindings`` as a VALUES clause opening its outermost WHERE group.

    The parser finds the group. There every pattern, OPTIONAL, FILTER and EXISTS of the group
    sees the parameters bound, as with rdflib's ``initBindings``; a parameter used only in a
    FILTER is honoured (a trailing VALUES would join after the filters). Without a WHERE group
    the clause goes at the end.

    Raises
    ------
    UsageError
        The text is not a SPARQL query, or a binding cannot be written (see
        :func:`values_clause`).

    Examples
    --------
    >>> from rdflib import Literal
    >>> bind_values("SELECT ?s WHERE { ?s ?p ?v }", {"v": Literal("a")})
    'SELECT ?s WHERE { VALUES (?v) { ("a") }  ?s ?p ?v }'
    """
    if len(text) > _CACHED_TEXT:
        return parse_query(text).with_values(bindings)
    from spacecoop.core.cache import remembered

    # where the WHERE group opens, found by the parser once per text across processes (the
    # parser costs a command 0.1-0.2 s to import), and by the same parser (_parser_key); the
    # clause is written afresh every time
    pos = remembered("where-starts.json", f"{_parser_key()}\n{text}", lambda: parse_query(text).where_start)
    return _with_values(text, pos, bindings)


@functools.cache
def _parser_key() -> str:
    """What decides where :func:`_where_group_start` finds a WHERE group besides the text: this
    module's code and the rdflib and pyparsing whose grammar it reads (a position remembered by
    another parser is not served)."""
    import hashlib
    from pathlib import Path

    from spacecoop.core.cache import installed_version

    digest = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()
    return f"{digest} rdflib={installed_version('rdflib')} pyparsing={installed_version('pyparsing')}"


def _with_values(text: str, pos: int | None, bindings: Mapping[str, Node]) -> str:
    """``text`` with the VALUES clause of ``bindings`` just inside the brace at ``pos`` (the
    outermost WHERE group), or at the end when there is none."""
    clause = values_clause(bindings)
    if pos is None:
        return text + "\n" + clause
    return f"{text[: pos + 1]} {clause} {text[pos + 1 :]}"


def check_bindings(bindings: Mapping[str, Node]) -> None:
    """Refuse a binding that no engine outside this process can take.

    Raises
    ------
    UsageError
        A name is not a SPARQL variable name, or a term is neither an IRI nor a literal.
    """
    for name, term in bindings.items():
        if not isinstance(name, str) or not _VARNAME.fullmatch(name):
            raise UsageError(f"not a SPARQL variable name: {name!r}")
        if not _iri_or_literal(term):
            raise UsageError(
                f"cannot bind ?{name} to {term!r}: only IRIs and literals can be sent to a store"
            )


def _iri_or_literal(term) -> bool:
    """Whether ``term`` is an IRI or a literal, as an rdflib or a pyoxigraph term (see
    :func:`spacecoop.sparql.query.bindings_for`); neither module is imported to tell."""
    ox = sys.modules.get("pyoxigraph")
    if ox is not None and isinstance(term, (ox.NamedNode, ox.Literal)):
        return True
    rdflib = sys.modules.get("rdflib")
    return rdflib is not None and isinstance(term, (rdflib.URIRef, rdflib.Literal))


def values_clause(bindings: Mapping[str, Node]) -> str:
    """Return a SPARQL ``VALUES`` clause binding each variable to one RDF term.

    Each term is checked and written by pyoxigraph (an IRI with ``>`` or a space is refused; a
    literal's quotes and line breaks are escaped), so a value cannot end the clause early.

    Raises
    ------
    UsageError
        A variable name is not a SPARQL variable name, or a term is not valid (a blank node cannot
        be sent to another store).

    Examples
    --------
    >>> from rdflib import Literal, URIRef
    >>> values_clause({"x": URIRef("http://example.org/a"), "y": Literal('say "hi"', lang="en")})
    'VALUES (?x ?y) { (<http://example.org/a> "say \\\\"hi\\\\""@en) }'
    """
    from spacecoop.core.rdfterms import to_oxigraph

    check_bindings(bindings)
    names = " ".join("?" + name for name in bindings)
    terms = " ".join(str(to_oxigraph(term)) for term in bindings.values())
    return f"VALUES ({names}) {{ ({terms}) }}"


# -- rdflib's parse, translated once ----------------------------------------------------------------


def _undeclared_prefixes(tree) -> frozenset[str]:
    """The prefixes of the prefixed names in ``tree`` that its prologue does not declare."""
    from rdflib.plugins.sparql.parserutils import CompValue

    declared = {d.prefix or "" for d in tree[0] if getattr(d, "name", None) == "PrefixDecl"}
    used: set[str] = set()
    stack: list = [tree[1]]
    while stack:
        node = stack.pop()
        if isinstance(node, CompValue):
            if node.name == "pname":
                used.add(node.prefix or "")
            stack.extend(node.values())
        elif isinstance(node, (list, tuple)) or type(node).__name__ == "ParseResults":
            stack.extend(node)
    return frozenset(used - declared)


def _is_grouped(algebra) -> bool:
    from rdflib.plugins.sparql.algebra import traverse

    found: list = []
    traverse(
        algebra,
        visitPre=lambda n: (
            found.append(n) if getattr(n, "name", None) == "Group" and n.expr is not None else None
        ),
    )
    return bool(found)


def _has_empty_template(tree) -> bool:
    """``CONSTRUCT {} WHERE …`` or ``CONSTRUCT WHERE {}``: rdflib reads both as the short form."""
    form = tree[1]
    return (
        form.name == "ConstructQuery"
        and not form.template
        and getattr(form.where, "name", None) != "FakeGroupGraphPatten"
    )


def _translate(tree, init_ns: Mapping[str, Any] | None):
    """Translate a parse tree into rdflib's prepared query, correcting what rdflib misreads.

    Return ``(query, None)``, or ``(None, error)`` when rdflib cannot translate it. rdflib drops a
    constant false filter (``ASK { FILTER(false) }`` was true): such a filter is kept here as
    ``false && true``. It reads a CONSTRUCT without a template as the short form, then looks for
    its template only right under the projection (``CONSTRUCT WHERE { … } LIMIT 1`` failed): the
    template is set here from the one basic graph pattern of the WHERE clause.
    """
    from rdflib import Literal
    from rdflib.plugins.sparql.algebra import translateQuery, traverse
    from rdflib.plugins.sparql.operators import and_
    from rdflib.plugins.sparql.parserutils import CompValue

    def keep_false_filter(node) -> None:
        # rdflib drops FILTER(false) (and FILTER(0), FILTER("")): its translation tests the
        # expression's truth instead of its presence; a constant (false) && true keeps it
        if getattr(node, "name", None) == "Filter":
            expr = node.expr
            while isinstance(expr, CompValue) and list(expr) == ["expr"]:  # (… (false) …)
                expr = expr.expr
            if (isinstance(expr, Literal) and not expr) or getattr(expr, "name", None) == "literal":
                node["expr"] = and_(node.expr, Literal(True))  # type: ignore[arg-type]  # a constant is an operand too

    try:
        tree[1] = traverse(tree[1], visitPost=keep_false_filter)
        query = translateQuery(tree, initNs=init_ns)
    except RecursionError:
        raise
    except Exception as exc:  # rdflib reports e.g. an undeclared prefix with a bare Exception
        return None, exc
    algebra = query.algebra
    if algebra.name == "ConstructQuery" and algebra.template is None:
        node = algebra.p  # the short form: its template is its one basic graph pattern
        while node is not None and getattr(node, "name", None) != "BGP":
            node = node.p
        algebra["template"] = list(node.triples) if node is not None and node.triples else []
    return query, None


# -- where the outermost WHERE group opens ---------------------------------------------------------

_HEAD = None
_HEAD_LOCK = threading.Lock()


def _head_grammar():
    """rdflib's grammar up to the ``{`` of the outermost WHERE group, which it locates."""
    global _HEAD
    with _HEAD_LOCK:
        if _HEAD is None:
            from pyparsing import CaselessKeyword, Empty, OneOrMore, Optional, ZeroOrMore
            from rdflib.plugins.sparql import parser as p

            datasets = ZeroOrMore(p.DatasetClause)
            head = (
                p.Prologue
                + (
                    p.SelectClause + datasets
                    | CaselessKeyword("ASK") + datasets
                    | CaselessKeyword("CONSTRUCT") + p.ConstructTemplate + datasets
                    | CaselessKeyword("DESCRIBE") + (OneOrMore(p.VarOrIri) | "*") + datasets
                )
                + Optional(CaselessKeyword("WHERE"))
                + Empty().set_parse_action(lambda s, loc, toks: [("where-at", loc)])
            )
            # the very object rdflib's grammar ignores comments with: its own elements keep theirs
            head.ignore(p.QueryUnit.ignoreExprs[0])
            _HEAD = head
    return _HEAD


def _where_group_start(text: str) -> int | None:
    from pyparsing import ParseBaseException
    from rdflib.plugins.sparql.parser import expandUnicodeEscapes, expandUnicodeEscapes_re

    expanded = expandUnicodeEscapes(text)  # what rdflib's parser reads, as parse_query did
    try:
        tokens = _head_grammar().parse_string(expanded, parse_all=False)
    except ParseBaseException:
        return None  # CONSTRUCT WHERE { template }: no group to open
    loc = next(t[1] for t in reversed(tokens.as_list()) if isinstance(t, tuple) and t[0] == "where-at")
    if expanded[loc : loc + 1] != "{":
        return None
    # back to a position in the text as given: each \u escape (four hex digits) before it is one
    # character there
    shift = 0
    for m in expandUnicodeEscapes_re.finditer(text):
        if m.start() - shift >= loc:
            break
        shift += len(m.group(0)) - 1
    pos = loc + shift
    return pos if text[pos : pos + 1] == "{" else None


__all__ = [
    "FORMS",
    "ParsedQuery",
    "bind_values",
    "check_bindings",
    "parse_query",
    "query_form",
    "values_clause",
]
