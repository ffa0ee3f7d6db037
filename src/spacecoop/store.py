"""The storage seam: one small interface, several SPARQL engines behind it.

Callers hold a :class:`Store` and call :meth:`Store.query`; they never touch rdflib's or
pyoxigraph's query APIs directly, so a backend can be swapped without touching them. Results come
back as :class:`QueryResult` holding rdflib terms, whatever the engine, so results from different
backends compare equal.

``memory`` (rdflib, the embedded default) and ``oxigraph[:PATH]`` (pyoxigraph, in memory or on
disk) are built in.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Mapping
from dataclasses import dataclass, field

from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from .errors import SpacecoopError, UsageError


@dataclass(frozen=True)
class QueryResult:
    """The result of a SPARQL query, engine-independent.

    ``kind`` is ``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``. SELECT fills ``vars`` and
    ``rows`` (tuples of rdflib terms, ``None`` where unbound); ASK fills ``boolean``; CONSTRUCT and
    DESCRIBE fill ``graph``.
    """

    kind: str
    vars: tuple[str, ...] = ()
    rows: tuple[tuple[Node | None, ...], ...] = ()
    boolean: bool | None = None
    graph: Graph | None = field(default=None, compare=False)

    def __len__(self) -> int:
        return len(self.rows)

    def dicts(self) -> list[dict[str, Node]]:
        """Return the rows as dicts of bound variables."""
        return [{v: t for v, t in zip(self.vars, row) if t is not None} for row in self.rows]

    def column(self, var: str) -> list[Node | None]:
        """Return the values of one variable, in row order."""
        i = self.vars.index(var)
        return [row[i] for row in self.rows]


class Store(ABC):
    """A place that holds the dataset and answers SPARQL over it (default graph = union)."""

    name: str = "store"

    @abstractmethod
    def load(self, ds: Dataset) -> None:
        """Replace the store's contents with the quads of ``ds``, named graphs intact."""

    @abstractmethod
    def query(self, text: str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        """Run a SPARQL query; ``bindings`` binds variables to RDF terms (never pasted as text).

        Raises
        ------
        UsageError
            The query is malformed.
        """

    @abstractmethod
    def __len__(self) -> int:
        """Return the number of quads."""

    def close(self) -> None:  # noqa: B027 - optional hook
        """Release resources."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


class MemoryStore(Store):
    """rdflib in memory: the embedded default."""

    name = "memory"

    def __init__(self, ds: Dataset | None = None) -> None:
        self.ds = ds if ds is not None else Dataset(default_union=True)
        self.ds.default_union = True

    def load(self, ds: Dataset) -> None:
        new = Dataset(default_union=True)
        for prefix, ns in ds.namespaces():
            new.bind(prefix, ns, override=True, replace=True)
        for s, p, o, g in ds.quads((None, None, None, None)):
            new.graph(g.identifier if hasattr(g, "identifier") else g).add((s, p, o))
        self.ds = new

    def query(self, text: str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        from pyparsing import ParseException

        try:
            res = self.ds.query(text, initBindings=dict(bindings or {}))
        except ParseException as exc:
            raise UsageError(f"malformed SPARQL: {exc}") from exc
        if res.type == "SELECT":
            names = tuple(str(v) for v in res.vars)
            return QueryResult("SELECT", names, tuple(tuple(row) for row in res))
        if res.type == "ASK":
            return QueryResult("ASK", boolean=bool(res.askAnswer))
        g = Graph()
        for t in res:
            g.add(t)
        return QueryResult(res.type, graph=g)

    def __len__(self) -> int:
        return sum(1 for _ in self.ds.quads((None, None, None, None)))


class OxigraphStore(Store):
    """pyoxigraph: in memory, or persistent in a folder on disk."""

    name = "oxigraph"

    def __init__(self, path: str | None = None) -> None:
        import pyoxigraph

        self.path = path
        try:
            self.store = pyoxigraph.Store(path) if path else pyoxigraph.Store()
        except OSError as exc:
            raise SpacecoopError(f"cannot open Oxigraph store at {path}: {exc}") from exc

    def load(self, ds: Dataset) -> None:
        import pyoxigraph

        data = ds.serialize(format="nquads").encode("utf-8")
        self.store.clear()
        self.store.bulk_load(data, format=pyoxigraph.RdfFormat.N_QUADS)
        self.store.optimize()

    def query(self, text: str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        import pyoxigraph as ox

        subs = {ox.Variable(k): to_oxigraph(v) for k, v in (bindings or {}).items()}
        try:
            res = self.store.query(text, use_default_graph_as_union=True, substitutions=subs or None)
        except SyntaxError as exc:
            raise UsageError(f"malformed SPARQL: {exc}") from exc
        if isinstance(res, ox.QueryBoolean):
            return QueryResult("ASK", boolean=bool(res))
        if isinstance(res, ox.QuerySolutions):
            names = tuple(v.value for v in res.variables)
            rows = tuple(tuple(from_oxigraph(sol[i]) for i in range(len(names))) for sol in res)
            return QueryResult("SELECT", names, rows)
        g = Graph()
        for t in res:
            g.add((from_oxigraph(t.subject), from_oxigraph(t.predicate), from_oxigraph(t.object)))
        kind = "DESCRIBE" if text.lstrip().upper().find("DESCRIBE") != -1 else "CONSTRUCT"
        return QueryResult(kind, graph=g)

    def __len__(self) -> int:
        return len(self.store)


def to_oxigraph(term: Node):
    """Convert an rdflib term to a pyoxigraph term."""
    import pyoxigraph as ox

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
    raise TypeError(f"cannot convert {term!r} to a pyoxigraph term")


_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"


def from_oxigraph(term) -> Node | None:
    """Convert a pyoxigraph term to an rdflib term (plain literals stay plain)."""
    import pyoxigraph as ox

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


STORE_KINDS = ("memory", "oxigraph")


def open_store(spec: str = "memory", ds: Dataset | None = None) -> Store:
    """Open a store from a spec and, if ``ds`` is given, load it.

    Parameters
    ----------
    spec : str
        ``memory`` (rdflib), ``oxigraph`` (pyoxigraph in memory) or ``oxigraph:PATH`` (on disk).
    ds : rdflib.Dataset, optional
        Data to load. For ``memory`` the dataset itself is used, not copied.

    Raises
    ------
    UsageError
        The spec names no known backend.

    Examples
    --------
    >>> from spacecoop import load_dataset
    >>> store = open_store("oxigraph", load_dataset())
    >>> store.query("ASK { ?s ?p ?o }").boolean
    True
    """
    kind, _, arg = spec.partition(":")
    if kind == "memory" and not arg:
        return MemoryStore(ds) if ds is not None else MemoryStore()
    if kind == "oxigraph":
        store: Store = OxigraphStore(arg or None)
    else:
        raise UsageError(
            f"unknown store {spec!r}; expected memory, oxigraph or oxigraph:PATH"
        )
    if ds is not None:
        store.load(ds)
    return store
