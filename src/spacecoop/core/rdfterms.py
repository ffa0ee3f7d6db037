"""Terms read back from an rdflib graph, typed as what the caller knows them to be.

rdflib types every graph lookup (``subjects``, ``objects``, ``value``...) as ``Node``, which
declares no ordering and is not ``URIRef``; every term it actually returns is an ``Identifier``
(a ``str``), so sorting works and an IRI-valued property gives ``URIRef``. These two helpers say so
to the type checker in one place instead of a cast at each call. They change nothing at run time.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable
from typing import TYPE_CHECKING, Any, cast

from spacecoop.core.errors import UsageError
from spacecoop.core.errors import _one_line as _one_line  # re-exported: where it lived first

if TYPE_CHECKING:
    from rdflib import Literal, URIRef
    from rdflib.term import Identifier, Node

    from spacecoop.store.base import TextTerm

__all__ = ["as_iri", "sorted_iris"]


def sorted_iris(nodes: Iterable[Node | None]) -> list[URIRef]:
    """Return ``nodes`` sorted in rdflib's order, typed as the IRIs the caller reads them as.

    The cast only tells mypy what rdflib does not say: every term is an ``Identifier`` (a ``str``).

    Examples
    --------
    >>> from rdflib import Graph, RDF, URIRef
    >>> g = Graph()
    >>> for s in ("urn:b", "urn:a"):
    ...     _ = g.add((URIRef(s), RDF.type, URIRef("urn:T")))
    >>> sorted_iris(g.subjects(RDF.type, URIRef("urn:T")))
    [rdflib.term.URIRef('urn:a'), rdflib.term.URIRef('urn:b')]
    """
    return cast("list[URIRef]", sorted(cast("Iterable[Identifier]", nodes)))


def as_iri(node: Node | None) -> URIRef:
    """Return ``node``, read from the graph, typed as the IRI the caller expects.

    No check is made (see :func:`sorted_iris`); ``None`` passes through unchanged, so use it where
    the caller tolerates ``None`` (a dictionary key) or has already excluded it.
    """
    return cast("URIRef", node)


# -- rdflib terms <-> Oxigraph terms -----------------------------------------------------------------

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def to_oxigraph(term: Node):
    """Convert an rdflib term to a pyoxigraph term (a pyoxigraph term is returned as it is).

    Raises
    ------
    UsageError
        The term is not a valid RDF term (an IRI with a space or ``>``, a bad language tag).
    """
    import pyoxigraph as ox

    if isinstance(term, (ox.NamedNode, ox.Literal, ox.BlankNode)):  # one already (bindings_for)
        return term
    URIRef, BNode, Literal = _rdflib_terms()
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
        raise invalid_term(str(term), exc) from exc
    raise TypeError(f"cannot convert {term!r} to a pyoxigraph term")


def invalid_term(text: str, exc: Exception) -> UsageError:
    """The error for a term pyoxigraph refuses (``exc``): an IRI with a space, a bad ``%`` escape."""
    return UsageError(f"not a valid RDF term: {text[:80]!r} ({_one_line(exc)})")


def from_oxigraph(term) -> Node | None:
    """Convert a pyoxigraph term to an rdflib term (plain literals stay plain)."""
    return oxigraph_converter()(term)


@functools.cache
def oxigraph_converter() -> Callable[[Any], Node | None]:
    """:func:`from_oxigraph` itself, for a caller that converts many terms (an answer's): one
    function that asks a term's exact type and makes its rdflib term inline (see
    :func:`term_makers`). An answer's 5,700 distinct terms: 4.5 -> 2.3 ms."""
    ox = _pyoxigraph()
    iri, plain = term_makers()
    named, literal, blank, default = ox.NamedNode, ox.Literal, ox.BlankNode, ox.DefaultGraph

    def convert(term) -> Node | None:
        kind = type(term)
        if kind is named:
            return iri(term.value)  # Oxigraph checked it
        if kind is literal:
            lang = term.language
            if lang:
                return plain(term.value, lang)
            datatype = term.datatype.value
            if datatype == _XSD_STRING:
                return plain(term.value)
            return from_text("literal", term.value, "", datatype)
        if term is None or kind is default:
            return None
        if kind is blank:
            return _rdflib_terms()[1](term.value)
        raise TypeError(f"cannot convert {term!r} to an rdflib term")

    return convert


def from_text(kind: str, value: str, lang: str = "", datatype: str = "") -> Node:
    """Make the rdflib term of an RDF term given as text: ``kind`` one of ``uri``, ``bnode`` and
    ``literal`` (as in SPARQL JSON results; a :data:`~spacecoop.store.base.TextTerm` unpacked).
    A literal typed ``xsd:string`` or untyped is plain, as :func:`from_oxigraph` makes it.

    Examples
    --------
    >>> from_text("literal", "7", "", "http://www.w3.org/2001/XMLSchema#integer").toPython()
    7
    >>> from_text("literal", "Peru", "en").language
    'en'
    """
    URIRef, BNode, Literal = _rdflib_terms()
    if kind == "uri":
        return URIRef(value)
    if kind == "bnode":
        return BNode(value)
    if kind != "literal":
        raise ValueError(f"unknown term type {kind!r}")
    if lang:
        return term_makers()[1](value, lang)
    if datatype and datatype != _XSD_STRING:
        # rdflib's Literal parses a typed value (a date: about 8 us); answers repeat them (the
        # same dates and counts in every query), so each is made once per process (a term is
        # immutable), up to _TYPED_AT_MOST of them
        key = (value, datatype)
        out = _TYPED.get(key)
        if out is None:
            if len(_TYPED) >= _TYPED_AT_MOST:
                _TYPED.clear()
            out = _TYPED[key] = Literal(value, datatype=URIRef(datatype))
        return out
    return term_makers()[1](value)


_TYPED: dict[tuple[str, str], Node] = {}
"""(lexical form, datatype IRI) -> the rdflib literal :func:`from_text` made of it."""
_TYPED_AT_MOST = 50_000


CHECKED_RDFLIB_VERSIONS = frozenset({"7.6.0"})
"""rdflib versions whose ``URIRef`` and ``Literal`` constructors :func:`term_makers` was read and
tested against."""


@functools.cache
def term_makers() -> tuple[Callable[[str], URIRef], Callable[..., Literal]]:
    """``(iri, plain)``: ``iri(text)`` makes ``URIRef(text)`` of an IRI already checked (by
    Oxigraph, or by reading it back), and ``plain(text, lang=None)`` makes ``Literal(text,
    lang=lang)``, a literal with no datatype.

    rdflib's constructors check what they are given for every term they make: an IRI's
    characters one by one, a literal's value cast to Python and back. Results of queries are
    made of such terms by the thousand (a query's answer, each distinct term once), and rdflib
    took 1.0 us for an IRI, 3.9 us for a literal with a language tag, 3.0 us for a plain one;
    made as the constructors leave them, 0.32, 0.64 and 0.34 us. An IRI is a ``str`` and nothing
    else; a literal is a ``str`` with four attributes, which the constructor sets for these two
    kinds to the language (or None), None, the text itself and None. Each language tag is
    checked by rdflib once; one it refuses is given to ``Literal`` (which raises as it would).

    That is done only with the rdflib versions in :data:`CHECKED_RDFLIB_VERSIONS` (the tests
    compare every attribute with the constructors'); with another, the constructors themselves.
    """
    import rdflib

    uriref, _, literal = _rdflib_terms()
    if rdflib.__version__ not in CHECKED_RDFLIB_VERSIONS:

        def checked_plain(value: str, lang: str | None = None) -> Literal:
            return literal(value, lang=lang or None)

        return uriref, checked_plain
    from rdflib.term import _is_valid_langtag

    new = str.__new__
    tags: dict[str, bool] = {}

    def iri(value: str) -> URIRef:
        return new(uriref, value)

    def plain(value: str, lang: str | None = None) -> Literal:
        if lang:
            ok = tags.get(lang)
            if ok is None:
                ok = tags[lang] = _is_valid_langtag(lang)
            if not ok:
                return literal(value, lang=lang)  # refused: rdflib raises
        inst = new(literal, value)
        inst._language = lang or None
        inst._datatype = None
        inst._value = value
        inst._ill_typed = None
        return inst

    return iri, plain


def _triple_from_oxigraph(t) -> tuple[Node, Node, Node]:
    """Convert the subject, predicate and object of a pyoxigraph triple or quad to rdflib terms."""
    # none of the three is a default graph, the one term that converts to None
    return cast(
        "tuple[Node, Node, Node]",
        (from_oxigraph(t.subject), from_oxigraph(t.predicate), from_oxigraph(t.object)),
    )


_XSD = "http://www.w3.org/2001/XMLSchema#"


def turtle_string(text: str, *, long: bool = True) -> str:
    """Return ``text`` as a Turtle string literal (the quoted part, no language or datatype).

    A text with a line feed becomes a long string (``\"\"\"…\"\"\"``) that keeps its lines, unless
    ``long`` is false (one line, as N-Triples and TSV need). Backslashes, quotes where they would
    end the string, and carriage returns are escaped; every other character is written as it is.
    The same bytes as rdflib's ``Literal.n3()`` wherever that is valid Turtle. Here, not in
    :mod:`spacecoop.core.turtle` (which imports rdflib), so that SPARQL TSV is written without
    rdflib; that module names it ``string``.

    Examples
    --------
    >>> print(turtle_string('say "hi"\\\\'))
    "say \\"hi\\"\\\\"
    >>> print(turtle_string('one\\ntwo "'))
    \"\"\"one
    two \\"\"\"\"
    >>> print(turtle_string("one\\ntwo", long=False))
    "one\\ntwo"
    """
    if long and "\n" in text:
        encoded = text.replace("\\", "\\\\").replace('"""', '\\"\\"\\"')
        quotes = len(text) - len(text.rstrip('"'))
        if quotes % 3:  # a quote left raw at the very end would run into the closing ones
            encoded = encoded[:-1] + '\\"'
        return '"""' + encoded.replace("\r", "\\r") + '"""'
    return (
        '"' + text.replace("\\", "\\\\").replace("\n", "\\n").replace('"', '\\"').replace("\r", "\\r") + '"'
    )


def text_from_oxigraph(term) -> TextTerm | None:
    """Return a pyoxigraph term as a :data:`~spacecoop.store.base.TextTerm`: the text
    :func:`from_oxigraph`'s rdflib term gives, with no rdflib term made (nor rdflib imported).

    Returns None where that text could differ: rdflib rewrites the lexical form of a typed
    literal whose datatype it knows (``"01"^^xsd:integer`` as ``1``, ``"1"^^xsd:boolean`` as
    ``true``, and logs one whose form it cannot read), so a typed literal is taken only with a
    datatype rdflib leaves alone (``xsd:gYear``, ``xsd:gYearMonth``) or in the form rdflib writes
    back unchanged (an integer, a boolean or a date in canonical form; tests/test_query.py checks
    these rules against rdflib).

    Examples
    --------
    >>> import pyoxigraph as ox
    >>> text_from_oxigraph(ox.Literal("7", datatype=ox.NamedNode(_XSD + "integer")))
    ('literal', '7', '', 'http://www.w3.org/2001/XMLSchema#integer')
    >>> text_from_oxigraph(ox.Literal("07", datatype=ox.NamedNode(_XSD + "integer"))) is None
    True
    """
    ox = _pyoxigraph()
    if isinstance(term, ox.NamedNode):
        return ("uri", term.value, "", "")
    if isinstance(term, ox.Literal):
        value = term.value
        if term.language:
            return ("literal", value, term.language, "")
        dt = term.datatype.value
        if dt == _XSD_STRING:
            return ("literal", value, "", "")
        return ("literal", value, "", dt) if _kept_by_rdflib(dt, value) else None
    if isinstance(term, ox.BlankNode):
        return ("bnode", term.value, "", "")
    return None  # a triple term: rdflib has none


def _kept_by_rdflib(datatype: str, value: str) -> bool:
    """Whether rdflib's literal of ``value`` typed ``datatype`` keeps ``value`` as its text."""
    if datatype in (_XSD + "gYear", _XSD + "gYearMonth"):
        return True  # rdflib reads no value from these: the text stays as it is
    form = _canonical_forms().get(datatype)
    if form is None or not form.fullmatch(value):
        return False
    if datatype == _XSD + "date":  # the form of a date, but a day that exists?
        import datetime

        try:
            datetime.date.fromisoformat(value)
        except ValueError:
            return False
    return True


_FORMS: dict | None = None


def _canonical_forms() -> dict:
    """The canonical lexical forms rdflib writes back unchanged, by datatype (compiled once)."""
    global _FORMS
    if _FORMS is None:
        import re

        _FORMS = {
            _XSD + "integer": re.compile(r"0|-?[1-9][0-9]*"),
            _XSD + "boolean": re.compile(r"true|false"),
            _XSD + "date": re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}"),
        }
    return _FORMS


_OX = None
_RDFLIB_TERMS = None


def _rdflib_terms():
    """``(URIRef, BNode, Literal)``, imported when first needed (rdflib takes a tenth of a second)."""
    global _RDFLIB_TERMS
    if _RDFLIB_TERMS is None:
        from rdflib import BNode, Literal, URIRef

        _RDFLIB_TERMS = (URIRef, BNode, Literal)
    return _RDFLIB_TERMS


def _pyoxigraph():
    global _OX
    if _OX is None:
        import pyoxigraph

        _OX = pyoxigraph
    return _OX
