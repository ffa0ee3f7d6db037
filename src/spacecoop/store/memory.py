"""rdflib's own SPARQL engine over the dataset in memory (``--store memory``)."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, cast

from rdflib import Dataset, Graph, URIRef
from rdflib.query import ResultRow
from rdflib.term import Identifier, Node

from spacecoop.core.errors import SpacecoopError
from spacecoop.sparql.parse import (
    parse_query,
)
from spacecoop.store.base import UNION_GRAPH, QueryResult, Store, check_predicate

if TYPE_CHECKING:
    from spacecoop.core.rdfbulk import MergedView


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
            new.graph(getattr(g, "identifier", g)).add((s, p, o))
        self.ds = new

    def query(self, text: str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        """Run a SPARQL query with rdflib's engine; answer as Oxigraph does where rdflib differs.

        The query is parsed and translated once by the front door (:func:`spacecoop.sparql.parse_query`,
        which also corrects how rdflib reads a constant false filter and a CONSTRUCT without a
        template); ``bindings`` are rdflib's ``initBindings``. rdflib drops solutions that bind no
        variable (``SELECT * WHERE {}`` has one such row, so it gave none; kept where the query has
        a GROUP BY, to hide rdflib's empty group); that is corrected here. Everything else is
        rdflib's own evaluation.
        """
        pq = parse_query(text)
        if pq.empty_template:
            return QueryResult("CONSTRUCT", graph=Graph())  # CONSTRUCT {} WHERE … and CONSTRUCT WHERE {}
        prepared, grouped = pq.rdflib_query(self.ds.namespaces)
        # the bound terms are rdflib Identifiers (every term is); the Store seam types them as Node
        init = cast("dict[str, Identifier]", dict(bindings or {}))
        res = self.ds.query(prepared, initBindings=init)
        if res.type == "SELECT":
            assert res.vars is not None  # rdflib sets the variables of every SELECT result
            variables = res.vars
            names = tuple(str(v) for v in variables)
            if grouped:
                # rdflib answers a GROUP BY over no solutions with one empty group, which iterating
                # its result drops (with any solution that binds nothing): keep that here
                # (iterating a SELECT result yields ResultRows; rdflib types the items as any form's)
                rows = tuple(tuple(cast(ResultRow, row)) for row in res)
                return QueryResult("SELECT", names, rows)
            # res.bindings keeps the solutions that bind nothing (SELECT * WHERE {} has one)
            return QueryResult(
                "SELECT", names, tuple(tuple(b.get(v) for v in variables) for b in res.bindings)
            )
        if res.type == "ASK":
            return QueryResult("ASK", boolean=bool(res.askAnswer))
        g = Graph()
        for t in res:
            # a CONSTRUCT or DESCRIBE result yields triples; rdflib types the items as any form's
            g.add(cast("tuple[Node, Node, Node]", t))
        return QueryResult(res.type, graph=g)

    def index_view(self) -> MergedView | None:
        """rdflib's indexes (:func:`~spacecoop.core.rdfbulk.merged_view`), where the default graph
        is the union; a dataset view (:meth:`dataset_view`), whose default graph is not, has
        none."""
        from spacecoop.core.rdfbulk import merged_view

        return merged_view(self.ds) if self.ds.default_union else None

    def subject_objects(self, predicate: str) -> list[tuple[str, str]]:
        """Read the triples of one predicate (see :meth:`Store.subject_objects`) from rdflib's
        indexes (:meth:`index_view`), without its SPARQL engine (which makes a solution, a dict of
        bindings, for each triple): the claims of the countries view at 100k triples 2.1 s -> 50
        ms, the whole view 3.3 -> 1.9 s (medians of three, side by side in one process). Without
        an index view, with a query."""
        check_predicate(predicate)
        view = self.index_view()
        if view is None:
            return super().subject_objects(predicate)
        return [(str(s), str(o)) for s, o in view.subject_objects(URIRef(predicate))]

    def mentions(self, term: Node) -> bool:
        if next(iter(self.ds.triples((term, None, None))), None) is not None:
            return True
        return next(iter(self.ds.triples((None, None, term))), None) is not None

    def to_dataset(self) -> Dataset:
        return self.ds

    def held_dataset(self) -> Dataset:
        return self.ds

    def __len__(self) -> int:
        return sum(1 for _ in self.ds.quads((None, None, None, None)))

    # ---------------------------------------------------------------------------------------
    # Copies and views (what the endpoint's workers use)

    def graph_names(self) -> frozenset[str]:
        names = (str(g.identifier) for g in self.ds.graphs())
        return frozenset(n for n in names if not n.startswith("urn:x-rdflib:"))

    def load_nquads(self, payload: bytes) -> None:
        ds = Dataset(default_union=True)
        ds.parse(data=payload, format="nquads")
        self.ds = ds

    def dump_nquads(self) -> bytes:
        return self.ds.serialize(format="nquads").encode("utf-8")

    def dataset_view(self, default: Iterable[str], named: Iterable[str]) -> MemoryStore:
        """Return a MemoryStore over a copy of the graphs named (see :meth:`Store.dataset_view`).

        The copy's default graph is the merge of the ``default`` graphs (default_union off), its
        named graphs the ``named`` ones. Its ``query`` drops the dataset clause of every query, so
        rdflib neither loads a graph (it would for an empty FROM graph) nor overrides the graphs
        chosen here.
        """
        src = self.ds
        view = Dataset(default_union=False)
        for prefix, ns in src.namespaces():
            view.bind(prefix, ns, override=True, replace=True)
        merged = view.default_graph
        for iri in default:
            part = src if str(iri) == str(UNION_GRAPH) else Graph(store=src.store, identifier=URIRef(iri))
            merged.addN((s, p, o, merged) for s, p, o in part.triples((None, None, None)))
        for iri in named:
            g = view.graph(URIRef(iri))
            g.addN((s, p, o, g) for s, p, o in Graph(store=src.store, identifier=URIRef(iri)))

        def query(query_object, *args, **kwargs):
            algebra = getattr(query_object, "algebra", None)
            if algebra is None:  # MemoryStore.query hands over a translated query; nothing else runs
                raise SpacecoopError("internal: a query over a chosen dataset must be translated first")
            algebra["datasetClause"] = None
            return Dataset.query(view, query_object, *args, **kwargs)

        view.query = query  # type: ignore[method-assign]
        out = MemoryStore(view)
        view.default_union = False  # MemoryStore turns it on: here the default graph is the merge above
        return out
