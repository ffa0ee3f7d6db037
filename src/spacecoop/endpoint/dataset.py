"""Answering over a dataset a request names (FROM / FROM NAMED, ``default-graph-uri`` /
``named-graph-uri``, already checked by :mod:`spacecoop.endpoint.guard`): a view of the worker's
store over just the graphs named (:meth:`spacecoop.store.Store.dataset_view`), a few kept per worker."""

from __future__ import annotations

from spacecoop.core.errors import StoreCannot
from spacecoop.endpoint.guard import QueryDataset, QueryRefused

__all__ = ["query_over"]


_VIEWS: dict = {}  # (id of the store, dataset) -> the store to query; a few per worker


def query_over(store, text: str, dataset: QueryDataset):
    """Run ``text`` on ``store`` over ``dataset`` (rdflib or Oxigraph).

    Raises
    ------
    QueryRefused
        The store cannot answer over a dataset of its graphs (a ``sparql:`` store).
    """
    key = (id(store), dataset)
    target = _VIEWS.get(key)
    if target is None:
        try:
            target = store.dataset_view(dataset.default, dataset.named)
        except StoreCannot:
            raise QueryRefused(
                "default-graph-uri, named-graph-uri, FROM and FROM NAMED are not supported when the "
                "endpoint fronts a sparql: store; name a graph with GRAPH <name> { … } instead"
            ) from None
        if len(_VIEWS) >= 8:
            _VIEWS.clear()
        _VIEWS[key] = target
    return target.query(text)
