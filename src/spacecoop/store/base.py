"""The storage seam: :class:`Store` (the interface every engine implements), :class:`QueryResult` (what every
engine answers, as rdflib terms) and the names of the graphs a store keeps for itself."""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

from spacecoop.core.errors import StoreCannot, UsageError

if TYPE_CHECKING:
    from rdflib import Dataset, Graph, URIRef
    from rdflib.term import Node

    from spacecoop.core.rdfbulk import MergedView

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

TextTerm = tuple[str, str, str, str]
"""An RDF term as text: ``(type, value, language, datatype)``, ``type`` one of ``uri``,
``bnode`` and ``literal`` (as in SPARQL JSON results); ``language`` and ``datatype`` are ``""``
where absent, and ``datatype`` is ``""`` for a plain (``xsd:string``) or language-tagged literal,
as for the rdflib literal :func:`spacecoop.core.rdfterms.from_oxigraph` makes."""


def convert_cells(
    cells: Iterable[Iterable[Any]], convert: Callable[[Any], Any]
) -> tuple[tuple[Any, ...], ...]:
    """Return ``cells`` (rows of an engine's terms, ``None`` where unbound) with every term made
    ``convert(term)``; ``None`` stays ``None``.

    Answers repeat terms (sources, relationships, blocs): each distinct term is converted once. A
    row is converted by ``map`` over a memo's ``__getitem__`` (a miss converts), with no Python
    call per cell, and with the garbage collector paused (:mod:`spacecoop.core.gcpause`): 49,000
    rows of 11 cells took 124 ms through a function per cell, 73 ms so. An exception ``convert``
    raises leaves as it is.

    Examples
    --------
    >>> convert_cells([("a", None), ("a", "b")], str.upper)
    (('A', None), ('A', 'B'))
    """
    from spacecoop.core.gcpause import collector_paused

    term = _Converted(convert).__getitem__
    with collector_paused():
        return tuple(tuple(map(term, row)) for row in cells)


class TooManyRows(Exception):
    """An answer holds more rows (or triples) than a caller allows (:meth:`Store.query_at_most`)."""

    def __init__(self, count: int, *, exact: bool, triples: bool = False) -> None:
        super().__init__(count)
        self.count = count
        """The rows counted: all of them when ``exact``, else as many as were read (at least)."""
        self.exact = exact
        self.triples = triples
        """True for a CONSTRUCT or DESCRIBE answer (triples, not rows)."""


class _Converted(dict):
    """Term → ``convert(term)``, converted when first asked; ``None`` → ``None``."""

    __slots__ = ("_convert",)

    def __init__(self, convert: Callable[[Any], Any]) -> None:
        super().__init__()
        self._convert = convert
        self[None] = None

    def __missing__(self, key: Any) -> Any:
        out = self[key] = self._convert(key)
        return out


@dataclass(frozen=True)
class QueryResult:
    """The result of a SPARQL query, engine-independent.

    ``kind`` is ``SELECT``, ``ASK``, ``CONSTRUCT`` or ``DESCRIBE``. SELECT fills ``vars`` and
    ``rows`` (tuples of rdflib terms, ``None`` where unbound); ASK fills ``boolean``; CONSTRUCT and
    DESCRIBE fill ``graph``.
    """

    kind: str
    vars: tuple[str, ...] = ()
    rows: tuple[tuple[Node | None, ...], ...] = field(default_factory=tuple)
    boolean: bool | None = None
    graph: Graph | None = field(default=None, compare=False)

    @classmethod
    def from_engine(
        cls,
        vars: tuple[str, ...],
        cells: tuple[tuple[Any, ...], ...],
        to_rows: Callable[[tuple[tuple[Any, ...], ...]], tuple[tuple[Node | None, ...], ...]],
        to_text: Callable[[tuple[tuple[Any, ...], ...]], tuple[tuple[TextTerm | None, ...], ...] | None],
    ) -> QueryResult:
        """Return a SELECT result whose rows are an engine's own terms (``cells``), made rdflib
        terms by ``to_rows`` only when ``rows`` is first read.

        A writer that needs only text asks :meth:`text_rows` instead (``to_text``), so that
        ``spacecoop query`` prints a table, CSV or JSON without importing rdflib (a tenth of a
        second) or making a term per cell. Everything else sees an ordinary result: equality,
        ``repr``, pickling and :func:`dataclasses.replace` read ``rows``.
        """
        out = cls.__new__(cls)
        for name, value in (("kind", "SELECT"), ("vars", vars), ("boolean", None), ("graph", None)):
            object.__setattr__(out, name, value)
        object.__setattr__(out, "_engine", (cells, to_rows, to_text))
        return out

    def __getattr__(self, name: str) -> Any:
        # Reached only when ``name`` is not set: ``rows`` of a result from from_engine, not read yet
        # (``rows`` has no class attribute: its default is a factory).
        engine = self.__dict__.get("_engine")
        if name != "rows" or engine is None:
            raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")
        rows = engine[1](engine[0])
        object.__setattr__(self, "rows", rows)
        return rows

    def __reduce__(self):
        # a plain result on the other side: the engine's terms and converters stay in this process
        return (type(self), (self.kind, self.vars, self.rows, self.boolean, self.graph))

    def text_rows(self) -> tuple[tuple[TextTerm | None, ...], ...] | None:
        """Return the rows as :data:`TextTerm` tuples without making rdflib terms, or None.

        None when the result did not come from an engine that can say (then read ``rows``), or
        when some cell's text would differ from the text of its rdflib term (rdflib rewrites the
        lexical form of some typed literals, ``"01"^^xsd:integer`` as ``1``), so that writers give
        the same bytes either way.
        """
        engine = self.__dict__.get("_engine")
        if engine is None or "rows" in self.__dict__:
            return None
        if "_text" not in self.__dict__:  # made once: a size check and a writer may both ask
            object.__setattr__(self, "_text", engine[2](engine[0]))
        return self.__dict__["_text"]

    def __len__(self) -> int:
        engine = self.__dict__.get("_engine")
        if engine is not None and "rows" not in self.__dict__:
            return len(engine[0])
        return len(self.rows)

    def dicts(self) -> list[dict[str, Node]]:
        """Return the rows as dicts of bound variables."""
        return [{v: t for v, t in zip(self.vars, row, strict=True) if t is not None} for row in self.rows]

    def column(self, var: str) -> list[Node | None]:
        """Return the values of one variable, in row order."""
        i = self.vars.index(var)
        return [row[i] for row in self.rows]


def check_predicate(predicate: str) -> None:
    """Raise :class:`UsageError` unless ``predicate`` can be written as an IRI in a query (what
    :meth:`Store.subject_objects` takes)."""
    if not predicate or any(c in predicate for c in '<>"{}|^`\\ \t\n\r'):
        raise UsageError(f"not an IRI: {predicate!r}")


class Store(ABC):
    """A place that holds the dataset and answers SPARQL over it (default graph = union)."""

    name: str = "store"
    persistent: bool = False
    """True when the store outlives this process (on disk or on a server): commands then query
    what it holds instead of loading the project's files into it."""
    merge_keeps_blank_nodes: bool = True
    """Whether a blank node of a named graph is the same node in the default graph, the merge of
    every graph: False where the merge was written by a request of its own, whose blank nodes are
    others (a ``sparql:`` store, see :meth:`SparqlStore.load`)."""

    @property
    def engine(self) -> str:
        """The engine that answers this store's queries: it picks a named query's variant
        (``NAME.ENGINE.rq``, see :mod:`spacecoop.sparql.query`). The store's own name, except for
        a ``sparql:`` store, which names the server's engine when it is known."""
        return self.name

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

    def query_at_most(
        self, text: str, bindings: Mapping[str, Node] | None = None, *, rows: int
    ) -> QueryResult:
        """Run a SPARQL query as :meth:`query` does, unless its answer holds more than ``rows``
        rows (SELECT) or triples (CONSTRUCT, DESCRIBE): then raise :class:`TooManyRows`.

        What an endpoint with a row cap asks. This default runs the query in full, then counts;
        an engine that hands its answer over row by row (Oxigraph) stops reading at ``rows + 1``,
        so that an answer far over the cap costs neither the time nor the memory of reading it
        all.
        """
        result = self.query(text, bindings)
        size = len(result.graph) if result.graph is not None else len(result)  # no term made
        if size > rows:
            raise TooManyRows(size, exact=True, triples=result.graph is not None)
        return result

    def select_strings(self, text: str) -> list[tuple[str, ...]]:
        """Run a SELECT query; return its rows with each cell as plain text.

        A cell is an IRI's text, a literal's lexical form (no language tag, no datatype: project
        ``LANG(?x)`` or ``DATATYPE(?x)`` where they matter), a blank node's label or ``""`` where
        the variable is unbound. For readers that only want text (the views), so an engine can skip
        making rdflib terms: this default makes them (:meth:`query`) and takes their text.

        Raises
        ------
        UsageError
            The query is malformed or is not a SELECT.
        """
        result = self.query(text)
        if result.kind != "SELECT":
            raise UsageError(f"select_strings runs a SELECT query, not {result.kind}")
        return [tuple("" if t is None else str(t) for t in row) for row in result.rows]

    def subject_objects(self, predicate: str) -> list[tuple[str, str]]:
        """Return the subject and object of every triple of the default graph (the union of the
        dataset's graphs) whose predicate is the IRI ``predicate``, as plain text (each as
        :meth:`select_strings` writes a cell), in no particular order.

        The views read most of what they read one predicate at a time; this default asks for it
        with a query, and an engine that can read the triples as they are stored answers faster.

        Raises
        ------
        UsageError
            ``predicate`` is not an IRI that can be written in a query.
        """
        check_predicate(predicate)
        return [(s, o) for s, o in self.select_strings(f"SELECT ?s ?o WHERE {{ ?s <{predicate}> ?o }}")]

    def index_view(self) -> MergedView | None:
        """The store's triples as a :class:`~spacecoop.core.rdfbulk.MergedView` of its own
        indexes, where it keeps them in this process as rdflib's in-memory store does (the memory
        store over a Dataset whose default graph is the union): a reader of many triples (a view)
        reads them there instead of asking queries. None for every other store."""
        return None

    def is_empty(self) -> bool:
        """Return True when the store holds no triple at all."""
        return not self.query("ASK { { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } }").boolean

    def mentions(self, term: Node) -> bool:
        """Return True when ``term`` is the subject or object of a triple of the default graph
        (the union of the dataset's graphs)."""
        return bool(self.query(_MENTIONS, {"term": term}).boolean)

    @abstractmethod
    def to_dataset(self) -> Dataset:
        """Return the store's contents as an rdflib Dataset (default graph = union).

        The default graph of the result holds the stored default-graph triples that no named
        graph holds, which gives back the dataset that was loaded.
        """

    def held_dataset(self) -> Dataset | None:
        """The rdflib Dataset this store answers from, where it keeps one (rdflib's store), to be
        read where it is; None for a store of another engine, to be asked by query rather than
        copied with :meth:`to_dataset`."""
        return None

    def graph_names(self) -> frozenset[str]:
        """Return the IRIs of the named graphs the store holds.

        Empty for a store that cannot list them (this default; a ``sparql:`` store).
        """
        return frozenset()

    def dataset_view(self, default: Iterable[str], named: Iterable[str]) -> Store:
        """Return a store that answers every query over one dataset of this store's graphs.

        Its default graph is the merge of the graphs ``default`` names (:data:`UNION_GRAPH`: the
        store's own default graph, the union of all), its named graphs those ``named`` names; the
        FROM and FROM NAMED of a query it runs are ignored (the SPARQL Protocol's
        ``default-graph-uri`` and ``named-graph-uri`` override them).

        Raises
        ------
        StoreCannot
            The store cannot answer over a dataset of its choosing (this default; a ``sparql:``
            store).
        """
        raise StoreCannot(f"a {self.name} store cannot answer over a dataset of its graphs")

    def load_nquads(self, payload: bytes) -> None:
        """Replace the store's contents with exactly the quads of ``payload`` (N-Quads as
        :meth:`dump_nquads` writes them): a copy of a store, not a dataset to lay out as
        :meth:`load` does.

        Raises
        ------
        StoreCannot
            The store cannot take a copy (this default; a ``sparql:`` store).
        """
        raise StoreCannot(f"a {self.name} store cannot load a copy of another")

    def dump_nquads(self) -> bytes:
        """Return every quad the store holds as N-Quads (what :meth:`load_nquads` takes).

        Raises
        ------
        StoreCannot
            The store cannot be copied (this default; a ``sparql:`` store).
        """
        raise StoreCannot(f"a {self.name} store cannot be dumped")

    def close(self) -> None:  # noqa: B027  (a hook: a store that holds nothing keeps it empty)
        """Release resources."""

    def __enter__(self) -> Store:
        return self

    def __exit__(self, *exc) -> None:
        self.close()


STORE_BASE = "https://w3id.org/spacecoop/store/"


if TYPE_CHECKING:
    MANIFEST_GRAPH: URIRef
    """The named graph in which ``load`` describes what a ``sparql:`` store holds (see module notes)."""

    UNION_GRAPH: URIRef
    """The named graph that holds the merge of the dataset's graphs in a ``sparql:`` store."""

_GRAPHS = {"MANIFEST_GRAPH": STORE_BASE + "manifest", "UNION_GRAPH": STORE_BASE + "default"}


def __getattr__(name: str) -> Any:
    """:data:`MANIFEST_GRAPH` and :data:`UNION_GRAPH`, made rdflib terms when first asked for (so
    that importing the seam does not import rdflib)."""
    if name in _GRAPHS:
        from rdflib import URIRef

        value = globals()[name] = URIRef(_GRAPHS[name])
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# The quads of the dataset a store holds: every named-graph quad, and each default-graph triple that
# no named graph holds (the rest of the stored default graph is the merge, see the module notes).
_COUNT_QUADS = (
    "SELECT (COUNT(*) AS ?n) WHERE { { GRAPH ?g { ?s ?p ?o } } UNION "
    "{ ?s ?p ?o FILTER NOT EXISTS { GRAPH ?h { ?s ?p ?o } } } }"
)


_MENTIONS = "ASK { { ?term ?p ?o } UNION { ?s ?p ?term } }"


def _graph_form(text: str) -> str:
    """The form of a query whose answer is a graph: ``DESCRIBE`` or ``CONSTRUCT`` (also for a
    text rdflib's parser refuses but the engine ran)."""
    from spacecoop.sparql.parse import query_form

    try:
        return query_form(text)
    except UsageError:
        return "CONSTRUCT"
