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
>>> int(result.rows[0][0])
10
"""

from __future__ import annotations

import importlib
import sys
import types

_API = {
    "BuildResult": "build",
    "DataError": "errors",
    "Loaded": "load",
    "NamedQuery": "query",
    "QueryResult": "store",
    "SC": "namespaces",
    "SpacecoopError": "errors",
    "Store": "store",
    "Summary": "build",
    "UsageError": "errors",
    "ValidationReport": "validate",
    "brokers": "analytics",
    "centrality": "analytics",
    "communities": "analytics",
    "components": "analytics",
    "add_sheet": "sheet",
    "export_graph": "export",
    "find_entity": "entities",
    "page_html": "render",
    "to_networkx": "project",
    "write_html": "render",
    "Violation": "validate",
    "build": "build",
    "entity_iri": "namespaces",
    "get_query": "query",
    "list_queries": "query",
    "load": "load",
    "load_dataset": "load",
    "open_store": "store",
    "relationship_iri": "namespaces",
    "resolve_param": "query",
    "resolve_params": "query",
    "run_named": "query",
    "run_query": "query",
    "summarize": "build",
    "validate": "validate",
}

__all__ = sorted(_API)

# Three functions share their name with the module that defines them (build, load, validate).
# Importing such a submodule would make Python set ``spacecoop.validate`` to the module; keep the
# function instead (the module stays reachable as ``sys.modules["spacecoop.validate"]`` and through
# ``from spacecoop.validate import ...``).
_SHADOWED = {name for name, module in _API.items() if name == module}


class _Package(types.ModuleType):
    def __setattr__(self, name: str, value) -> None:
        if name in _SHADOWED and isinstance(value, types.ModuleType):
            return
        super().__setattr__(name, value)


sys.modules[__name__].__class__ = _Package


def __getattr__(name: str):
    if name in _API:
        module = importlib.import_module(f".{_API[name]}", __name__)
        value = getattr(module, name)
        globals()[name] = value
        return value
    raise AttributeError(f"module 'spacecoop' has no attribute {name!r}")


def __dir__() -> list[str]:
    return sorted(set(globals()) | set(__all__))
