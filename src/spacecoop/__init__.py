"""spacecoop: a knowledge graph of international space cooperation, every fact sourced.

The public API is imported lazily so that ``import spacecoop`` (and ``spacecoop --help``) stays
fast; ``dir(spacecoop)`` and ``__all__`` list it.

Examples
--------
>>> import spacecoop
>>> ds = spacecoop.load_dataset()
>>> result = spacecoop.run_query(ds, "SELECT (COUNT(DISTINCT ?p) AS ?n) WHERE { "
...     "<https://w3id.org/spacecoop/id/mission/change-8> <https://w3id.org/spacecoop/ns#carries> ?p . "
...     "?p a <https://w3id.org/spacecoop/ns#Payload> }")
>>> int(result.rows[0][0]) >= 10  # the article names ten; another source may name more
True
"""

from __future__ import annotations

import importlib

_API = {
    "BuildResult": "publish.build",
    "DataError": "core.errors",
    "Loaded": "core.load",
    "NamedQuery": "sparql.query",
    "QueryResult": "store",
    "SC": "core.namespaces",
    "SpacecoopError": "core.errors",
    "Store": "store",
    "Summary": "publish.build",
    "UsageError": "core.errors",
    "ValidationReport": "checks.validate",
    "brokers": "views.analytics",
    "centrality": "views.analytics",
    "communities": "views.analytics",
    "components": "views.analytics",
    "add_sheet": "importers.sheet",
    "export_graph": "views.export",
    "find_entity": "core.entities",
    "page_html": "pages.graph_page",
    "to_networkx": "views.projection",
    "write_html": "pages.graph_page",
    "Violation": "checks.validate",
    "build": "publish.build",
    "entity_iri": "core.namespaces",
    "get_query": "sparql.query",
    "list_queries": "sparql.query",
    "load": "core.load",
    "load_dataset": "core.load",
    "open_store": "store",
    "relationship_iri": "core.namespaces",
    "resolve_param": "sparql.query",
    "resolve_params": "sparql.query",
    "run_named": "sparql.query",
    "run_query": "sparql.query",
    "summarize": "publish.build",
    "validate": "checks.validate",
}

__all__ = sorted(_API)


def __getattr__(name: str):
    if name in _API:
        module = importlib.import_module(f"{__name__}.{_API[name]}")
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'spacecoop' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
