"""rdflib's own SPARQL engine over the dataset in memory (``--store memory``)."""

from __future__ import annotations

from collections.abc import Mapping

from rdflib import Dataset, Graph
from rdflib.term import Node

from spacecoop.sparql.parse import (
    parse_query,
    values_clause,  # noqa: F401  (re-exported: callers import it from here)
)
from spacecoop.store.base import QueryResult, Store


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
        res = self.ds.query(prepared, initBindings=dict(bindings or {}))
        if res.type == "SELECT":
            names = tuple(str(v) for v in res.vars)
            if grouped:
                # rdflib answers a GROUP BY over no solutions with one empty group, which iterating
                # its result drops (with any solution that binds nothing): keep that here
                return QueryResult("SELECT", names, tuple(tuple(row) for row in res))
            # res.bindings keeps the solutions that bind nothing (SELECT * WHERE {} has one)
            return QueryResult(
                "SELECT", names, tuple(tuple(b.get(v) for v in res.vars) for b in res.bindings)
            )
        if res.type == "ASK":
            return QueryResult("ASK", boolean=bool(res.askAnswer))
        g = Graph()
        for t in res:
            g.add(t)
        return QueryResult(res.type, graph=g)

    def mentions(self, term: Node) -> bool:
        if next(iter(self.ds.triples((term, None, None))), None) is not None:
            return True
        return next(iter(self.ds.triples((None, None, term))), None) is not None

    def to_dataset(self) -> Dataset:
        return self.ds

    def __len__(self) -> int:
        return sum(1 for _ in self.ds.quads((None, None, None, None)))
