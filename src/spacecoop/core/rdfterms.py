"""Terms read back from an rdflib graph, typed as what the caller knows them to be.

rdflib types every graph lookup (``subjects``, ``objects``, ``value``...) as ``Node``, which
declares no ordering and is not ``URIRef``; every term it actually returns is an ``Identifier``
(a ``str``), so sorting works and an IRI-valued property gives ``URIRef``. These two helpers say so
to the type checker in one place instead of a cast at each call. They change nothing at run time.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import cast

from rdflib import URIRef
from rdflib.term import Identifier, Node

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
