"""Terms between rdflib and Oxigraph, and the N-Quads a store is loaded from (the dataset's layout: every
named-graph quad also in the default graph)."""

from __future__ import annotations

import io
import itertools
import re
from typing import cast

from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.term import Node

from spacecoop.core.errors import UsageError
from spacecoop.sparql.parse import (
    values_clause,  # noqa: F401  (re-exported: callers import it from here)
)
from spacecoop.store.base import _XSD_STRING


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
        gid = getattr(g, "identifier", g)
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
