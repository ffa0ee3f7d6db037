"""Terms between rdflib and Oxigraph, and the N-Quads a store is loaded from (the dataset's layout: every
named-graph quad also in the default graph)."""

from __future__ import annotations

import io
import itertools

from rdflib import BNode, Dataset, Literal, URIRef
from rdflib.term import Node

from spacecoop.core.iri import NOT_IN_IRI
from spacecoop.store.base import _XSD_STRING


def _iri(value: str) -> str:
    if NOT_IN_IRI.search(value):
        value = NOT_IN_IRI.sub(lambda m: f"\\u{ord(m.group()):04X}", value)
    return f"<{value}>"


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
