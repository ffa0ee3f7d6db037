"""Terms read back from an rdflib graph, typed as what the caller knows them to be.

rdflib types every graph lookup (``subjects``, ``objects``, ``value``...) as ``Node``, which
declares no ordering and is not ``URIRef``; every term it actually returns is an ``Identifier``
(a ``str``), so sorting works and an IRI-valued property gives ``URIRef``. These two helpers say so
to the type checker in one place instead of a cast at each call. They change nothing at run time.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from rdflib import BNode, Literal, URIRef
from rdflib.term import Identifier, Node

from spacecoop.core.errors import UsageError

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
    return cast(URIRef, node)


# -- rdflib terms <-> Oxigraph terms -----------------------------------------------------------------

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


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


def _triple_from_oxigraph(t) -> tuple[Node, Node, Node]:
    """Convert the subject, predicate and object of a pyoxigraph triple or quad to rdflib terms."""
    # none of the three is a default graph, the one term that converts to None
    return cast(
        "tuple[Node, Node, Node]",
        (from_oxigraph(t.subject), from_oxigraph(t.predicate), from_oxigraph(t.object)),
    )


_OX = None


def _pyoxigraph():
    global _OX
    if _OX is None:
        import pyoxigraph

        _OX = pyoxigraph
    return _OX


def _one_line(exc: object) -> str:
    text = str(exc).strip()
    return text.splitlines()[0].strip() if text else type(exc).__name__
