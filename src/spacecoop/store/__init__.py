"""The storage seam: one small interface, several SPARQL engines behind it.

Callers hold a :class:`Store` and call :meth:`Store.query`; they never touch rdflib's or
pyoxigraph's query APIs directly, so a backend can be swapped without touching them. Results come
back as :class:`QueryResult` holding rdflib terms, whatever the engine, so results from different
backends compare equal.

Store specs (``--store`` on the command line, ``$SPACECOOP_STORE``, :func:`open_store`):

``compiled``
    The project's files compiled once into an Oxigraph store on disk, rebuilt only when one of
    them changes (:mod:`spacecoop.store.compiled`); the default of the command's queries.
``memory``
    rdflib in this process (the default of the library).
``oxigraph``
    pyoxigraph in this process, in memory. Opened with no dataset
    (:func:`~spacecoop.store.engine.open_engine`), it is filled by Oxigraph's own parsers from the
    project's files, with no rdflib copy (:func:`spacecoop.store.native.load_project`; so is
    ``oxigraph:PATH`` by ``spacecoop load``).
``oxigraph:PATH``
    pyoxigraph persistent in the folder ``PATH`` (created if missing). Reopening it reads what is
    there; nothing is reloaded. Loading again builds the new store in a sibling folder
    (``PATH.new-…``) and swaps the two with one atomic exchange of names (two renames where the
    system has no exchange), so a load killed at any moment leaves the old store or the new one,
    complete; stale siblings are removed by the next load.
``sparql:URL[,gsp=URL][,timeout=SECONDS]``
    Any store that speaks SPARQL 1.1 Query and the Graph Store Protocol (Oxigraph server, Fuseki,
    GraphDB, Virtuoso ...). ``URL`` is its query endpoint; ``gsp=`` its Graph Store endpoint
    (needed only to load). A URL with no path, such as ``sparql:http://127.0.0.1:7878``, means
    Oxigraph server's layout: queries at ``/query``, Graph Store at ``/store``. ``timeout``
    (default 60, at most 1,000,000) bounds every request. ``user:password@`` in a URL is sent as
    HTTP Basic authentication and shown as ``***`` in every message.

What a store holds. Each named graph of the dataset is stored as it is (the ontology graph and one
graph per source). Beside them the store holds the RDF merge of every graph, the dataset's own
default graph included: rdflib's ``default_union`` view, written out. Engines disagree on what
the default graph of a query is (rdflib: the union as a set; Oxigraph: its own default graph, or
with ``union-default-graph`` a union *with duplicates*; Fuseki, GraphDB, Virtuoso: per store
configuration), so writing the merge once at load time makes every engine answer as rdflib does,
with no vendor flag, at the cost of storing each triple about twice. In-process stores keep the
merge in their default graph.

A ``sparql:`` store keeps the merge in a named graph of ours, :data:`UNION_GRAPH`, and never
writes the server's default graph (Virtuoso refuses Graph Store writes to it). Beside it sits the
manifest, :data:`MANIFEST_GRAPH`: the dataset's graphs (``dcterms:hasPart``), the merge
(``sd:defaultGraph``) and the state of the load (``schema:actionStatus``). Every query is sent
with the dataset named in the protocol (``default-graph-uri`` = the merge and, when the query
says ``GRAPH``, one ``named-graph-uri`` per graph of the manifest), so queries see exactly the
dataset: neither the manifest nor other graphs on the server. Loading first marks the store
incomplete (listing every graph it may write), writes the graphs, drops the graphs of the
previous manifest that the new dataset lacks (never a graph it did not write), and only then
marks it complete. Reading a store marked incomplete, or one that holds data but no manifest,
is a clear error.

Parameters (``bindings``) are bound as RDF terms and never pasted into query text (see
:mod:`spacecoop.sparql.parse`, the front door every query passes): rdflib takes them as
``initBindings``; pyoxigraph and a remote store as one ``VALUES`` clause that the parser places
at the start of the query's outermost WHERE group (:func:`bind_values`; why not pyoxigraph's
``substitutions``: :meth:`OxigraphStore.query`), each term written by pyoxigraph's N-Triples
serialiser after its IRI or language tag has been checked (an invalid IRI is refused, so a value
cannot close the clause and add text). There every pattern, FILTER and EXISTS of the group sees
the parameter bound, as with substitution.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from spacecoop.store.base import QueryResult, Store
from spacecoop.store.spec import SPEC_HELP, STORE_KINDS, StoreSpec, parse_store_spec, redact

if TYPE_CHECKING:
    from rdflib import Dataset

    from spacecoop.core.rdfterms import to_oxigraph
    from spacecoop.store.base import MANIFEST_GRAPH, UNION_GRAPH
    from spacecoop.store.memory import MemoryStore
    from spacecoop.store.oxigraph import OxigraphStore, remove_stale_siblings
    from spacecoop.store.remote import SparqlStore, sparql_layout_nquads
    from spacecoop.store.terms import layout_nquads

_LAZY = {
    "MANIFEST_GRAPH": "spacecoop.store.base",
    "UNION_GRAPH": "spacecoop.store.base",
    "MemoryStore": "spacecoop.store.memory",
    "OxigraphStore": "spacecoop.store.oxigraph",
    "SparqlStore": "spacecoop.store.remote",
    "layout_nquads": "spacecoop.store.terms",
    "remove_stale_siblings": "spacecoop.store.oxigraph",
    "sparql_layout_nquads": "spacecoop.store.remote",
    "to_oxigraph": "spacecoop.core.rdfterms",
}
"""Names imported from their modules when first asked for: the engines (and rdflib, which most of
them need) load only when used, so ``spacecoop query`` on the compiled store never imports rdflib
or the remote store's HTTP client."""


def __getattr__(name: str) -> Any:
    if name in _LAZY:
        import importlib

        value = globals()[name] = getattr(importlib.import_module(_LAZY[name]), name)
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


__all__ = [
    "MANIFEST_GRAPH",
    "SPEC_HELP",
    "STORE_KINDS",
    "UNION_GRAPH",
    "MemoryStore",
    "OxigraphStore",
    "QueryResult",
    "SparqlStore",
    "Store",
    "StoreSpec",
    "layout_nquads",
    "open_store",
    "parse_store_spec",
    "redact",
    "remove_stale_siblings",
    "sparql_layout_nquads",
    "to_oxigraph",
]


def open_store(spec: str = "memory", ds: Dataset | None = None, *, read_only: bool = False) -> Store:
    """Open a store from a spec and, if ``ds`` is given, load it.

    Parameters
    ----------
    spec : str
        ``memory`` (rdflib), ``oxigraph`` (pyoxigraph in memory), ``oxigraph:PATH`` (on disk) or
        ``sparql:URL[,gsp=URL][,timeout=S]`` (any SPARQL 1.1 store); see the module notes.
    ds : rdflib.Dataset, optional
        Data to load, replacing what the store holds. For ``memory`` the dataset itself is used,
        not copied. Without it a persistent store is opened with what it already holds.
    read_only : bool
        Open an Oxigraph folder (``oxigraph:PATH``) without its lock, so that several processes
        may read it while none writes; loading it is then an error. Other stores are opened as
        usual.

    Raises
    ------
    UsageError
        The spec names no known backend.
    SpacecoopError
        The store cannot be opened or reached.

    Examples
    --------
    >>> from spacecoop import load_dataset
    >>> store = open_store("oxigraph", load_dataset())
    >>> store.query("ASK { ?s ?p ?o }").boolean
    True

    See Also
    --------
    parse_store_spec : the spec syntax.
    """
    parsed = parse_store_spec(spec)
    if parsed.kind == "compiled":  # the project's files compiled (spacecoop.store.compiled)
        if ds is None:
            from spacecoop.store.compiled import open_compiled

            return open_compiled()
        parsed = parse_store_spec("oxigraph")  # a dataset of this process: Oxigraph in memory
    if parsed.kind == "memory":
        from spacecoop.store.memory import MemoryStore

        return MemoryStore(ds) if ds is not None else MemoryStore()
    if parsed.kind == "oxigraph":
        from spacecoop.store.oxigraph import OxigraphStore

        store: Store = OxigraphStore(parsed.path, read_only=read_only and bool(parsed.path))
    else:
        from spacecoop.store.remote import SparqlStore

        assert parsed.query_url is not None  # parse_store_spec gives every sparql: spec a query URL
        store = SparqlStore(
            parsed.query_url, gsp_url=parsed.gsp_url, timeout=parsed.timeout, engine=parsed.engine
        )
    if ds is not None:
        store.load(ds)
    return store
