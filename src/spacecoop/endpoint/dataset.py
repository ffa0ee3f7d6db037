"""Answering over a dataset a request names (FROM / FROM NAMED, ``default-graph-uri`` /
``named-graph-uri``, already checked by :mod:`spacecoop.endpoint.guard`): the graphs a worker's store
holds, and a view of the store that answers over just the named graphs (Oxigraph or rdflib)."""

from __future__ import annotations

from spacecoop.endpoint.guard import UNION_GRAPH, QueryDataset, QueryRefused

__all__ = ["query_over", "store_graphs"]


def store_graphs(store) -> frozenset[str]:
    """Return the IRIs of the named graphs a worker's store holds (empty for a ``sparql:`` store,
    which answers no request that names graphs)."""
    from spacecoop.store import MemoryStore, OxigraphStore

    if isinstance(store, MemoryStore):
        names = (str(g.identifier) for g in store.ds.graphs())
        return frozenset(n for n in names if not n.startswith("urn:x-rdflib:"))
    if isinstance(store, OxigraphStore):
        import pyoxigraph

        return frozenset(n.value for n in store.store.named_graphs() if isinstance(n, pyoxigraph.NamedNode))
    return frozenset()


class _OxigraphDatasetView:
    """A pyoxigraph Store that answers every query over one dataset: its ``query`` passes
    ``default_graph`` and ``named_graphs``, which replace whatever FROM / FROM NAMED the text says."""

    def __init__(self, store, dataset: QueryDataset) -> None:
        import pyoxigraph as ox

        self._store = store
        if UNION_GRAPH in dataset.default:  # the store's default graph holds the union (load's layout)
            self._default: object = ox.DefaultGraph()
        else:
            self._default = [ox.NamedNode(iri) for iri in dataset.default]
        self._named = [ox.NamedNode(iri) for iri in dataset.named]

    def query(self, query, *args, **kwargs):
        kwargs.pop("use_default_graph_as_union", None)
        kwargs["default_graph"] = self._default
        kwargs["named_graphs"] = self._named
        return self._store.query(query, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._store, name)


def _memory_view(store, dataset: QueryDataset):
    """A MemoryStore over a copy of the graphs ``dataset`` names: the default graph is their merge
    (default_union off), the named graphs those listed. The copy's ``query`` drops the dataset
    clause of every query, so rdflib neither loads a graph (it would for an empty FROM graph) nor
    overrides what the protocol parameters said."""
    from rdflib import Dataset, Graph, URIRef

    from spacecoop.store import MemoryStore

    src = store.ds
    view = Dataset(default_union=False)
    for prefix, ns in src.namespaces():
        view.bind(prefix, ns, override=True, replace=True)
    default = view.default_graph
    for iri in dataset.default:
        part = src if iri == UNION_GRAPH else Graph(store=src.store, identifier=URIRef(iri))
        default.addN((s, p, o, default) for s, p, o in part.triples((None, None, None)))
    for iri in dataset.named:
        g = view.graph(URIRef(iri))
        g.addN((s, p, o, g) for s, p, o in Graph(store=src.store, identifier=URIRef(iri)))

    def query(query_object, *args, **kwargs):
        algebra = getattr(query_object, "algebra", None)
        if algebra is None:  # MemoryStore hands over a translated query; anything else is not run
            raise QueryRefused("internal: a query over a named dataset must be translated first", 500)
        algebra["datasetClause"] = None
        return Dataset.query(view, query_object, *args, **kwargs)

    view.query = query  # type: ignore[method-assign]
    out = MemoryStore(view)
    view.default_union = False  # MemoryStore turns it on: here the default graph is the merge above
    return out


_VIEWS: dict = {}  # (id of the store, dataset) -> the store to query; a few per worker


def query_over(store, text: str, dataset: QueryDataset):
    """Run ``text`` on ``store`` over ``dataset`` (rdflib or Oxigraph)."""
    import copy

    from spacecoop.store import MemoryStore, OxigraphStore

    if isinstance(store, OxigraphStore):
        view = copy.copy(store)
        view.store = _OxigraphDatasetView(store.store, dataset)  # type: ignore[assignment]
        return view.query(text)
    if isinstance(store, MemoryStore):
        key = (id(store), dataset)
        target = _VIEWS.get(key)
        if target is None:
            if len(_VIEWS) >= 8:
                _VIEWS.clear()
            target = _VIEWS[key] = _memory_view(store, dataset)
        return target.query(text)
    raise QueryRefused(
        "default-graph-uri, named-graph-uri, FROM and FROM NAMED are not supported when the endpoint "
        "fronts a sparql: store; name a graph with GRAPH <name> { … } instead"
    )
