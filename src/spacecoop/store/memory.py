"""rdflib's own SPARQL engine over the dataset in memory (``--store memory``)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import cast

from rdflib import Dataset, Graph
from rdflib.query import ResultRow
from rdflib.term import Identifier, Node

from spacecoop.sparql.parse import (
    parse_query,
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

    def mentions(self, term: Node) -> bool:
        if next(iter(self.ds.triples((term, None, None))), None) is not None:
            return True
        return next(iter(self.ds.triples((None, None, term))), None) is not None

    def to_dataset(self) -> Dataset:
        return self.ds

    def __len__(self) -> int:
        return sum(1 for _ in self.ds.quads((None, None, None, None)))
