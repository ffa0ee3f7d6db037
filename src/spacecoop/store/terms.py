"""rdflib terms as Oxigraph terms, and the N-Quads a store is loaded from (the dataset's layout: every
named-graph quad also in the default graph), each term written by pyoxigraph."""

from __future__ import annotations

import io
import itertools
from collections.abc import Iterable, Iterator

from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.term import Node

_CHUNK = 4096
"""Lines encoded at a time by :class:`_ByteLines`: one chunk is all that is held, whatever the size."""

_MEMO_SIZE = 2_000_000
"""Terms remembered while converting one dataset (repeats are common: predicates, classes, graphs)."""


def blank_label(node: BNode) -> str:
    """A blank-node label every N-Quads reader accepts: ``b`` and the rdflib label, non-ASCII-alphanumeric
    characters written as ``x`` and their code point (distinct labels stay distinct)."""
    return "b" + "".join(c if c.isascii() and c.isalnum() else f"x{ord(c):x}" for c in str(node))


def _ox_term(term: Node):
    """Return ``term`` as a pyoxigraph term.

    Raises
    ------
    ValueError
        Oxigraph refuses the term (an IRI with a space, a bad language tag); the message says why.
    """
    import pyoxigraph as ox

    if isinstance(term, URIRef):
        return ox.NamedNode(str(term))
    if isinstance(term, Literal):
        if term.language:
            return ox.Literal(str(term), language=term.language)
        if term.datatype is not None:
            return ox.Literal(str(term), datatype=ox.NamedNode(str(term.datatype)))
        return ox.Literal(str(term))
    if isinstance(term, BNode):
        return ox.BlankNode(blank_label(term))
    raise TypeError(f"cannot write {term!r} as N-Quads")


def _nt(term: Node, memo: dict) -> str:
    """Return the N-Triples text of ``term`` as pyoxigraph writes it, remembered in ``memo``.

    ``str()`` of a pyoxigraph term is the text its N-Triples and N-Quads serialisers write (the same
    escaping: tests/test_store_http.py holds lines built from it to ``pyoxigraph.serialize``). Lines are
    joined from these texts rather than from ``pyoxigraph.Quad`` objects: a Quad costs 6 to 9 us to
    build here, two per quad of the layout, which made the writer 2.5 times slower.

    Raises
    ------
    ValueError
        Oxigraph refuses the term (see :func:`_ox_term`).
    """
    out = memo.get(term)
    if out is None:
        out = str(_ox_term(term))
        if len(memo) < _MEMO_SIZE:
            memo[term] = out
    return out


def _triple_line(s: Node, p: Node, o: Node, memo: dict) -> str:
    return f"{_nt(s, memo)} {_nt(p, memo)} {_nt(o, memo)} .\n"


def layout_nquads(ds: Dataset, quads: Iterable[tuple] | None = None) -> Iterator[str]:
    """Yield the N-Quads lines that a store holds for ``ds``, in ``ds.quads`` order.

    ``quads``: the quads of ``ds`` as ``(s, p, o, graph name)`` already read
    (:meth:`spacecoop.core.load.Loaded.quads`), instead of walking ``ds`` again.

    Every quad of a named graph is written twice, in its graph and in the default graph; the
    dataset's own default-graph triples once. Stores hold sets, so repeats collapse on loading.
    Terms are written by pyoxigraph (see :func:`_nt`).

    Raises
    ------
    ValueError
        Oxigraph refuses a term of ``ds`` (an IRI with a space, a bad language tag).
    """
    memo: dict = {}
    default = ds.default_graph.identifier
    for s, p, o, g in ds.quads((None, None, None, None)) if quads is None else quads:
        gid = getattr(g, "identifier", g)
        triple = _triple_line(s, p, o, memo)
        yield triple
        if gid is not None and gid != default:
            yield triple[:-2] + _nt(gid, memo) + " .\n"


class _ByteLines(io.RawIOBase):
    """A read-only byte stream over an iterator of text lines (so nothing is held whole)."""

    def __init__(self, lines: Iterable[str]) -> None:
        self._lines = iter(lines)
        self._buf = b""
        self._pos = 0

    def readable(self) -> bool:
        return True

    def readinto(self, b) -> int:
        if self._pos >= len(self._buf):
            self._buf = "".join(itertools.islice(self._lines, _CHUNK)).encode("utf-8")
            self._pos = 0
            if not self._buf:
                return 0
        n = min(len(b), len(self._buf) - self._pos)
        b[:n] = self._buf[self._pos : self._pos + n]
        self._pos += n
        return n
