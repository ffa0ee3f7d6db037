"""Many triples added to an rdflib Dataset at once (:func:`add_all`), with the state
``graph.add`` leaves, in half the time.

Loading fills an rdflib ``Dataset`` triple by triple: at 100k triples that was about 1 s, the
largest part of a load from the kept copies of parsed files (so of every ``validate`` after an
edit). Each ``Graph.add`` goes through three layers that do nothing for a load: ``Graph.add``
(type assertions), ``Store.add`` (an event with no subscriber) and rdflib's in-memory store,
which writes the context's name (``"URIRef:<iri>"``) again for every triple. :func:`add_all`
writes the same entries straight into the in-memory store's indexes (a triple's subject,
predicate and object indexes; the contexts each triple is in; the triples of each context),
each context's name written once: 109k quads, 1.04 → 0.54 s.

It does so only where it was checked against the store's code (:func:`applies`): rdflib's
``Memory`` store of the versions in :data:`CHECKED_VERSIONS`, with no subscriber to its
events, every graph backed by that store and no formula (quoted graph); anywhere else each
triple goes through ``graph.add`` as before. The tests compare the store's whole state after
both ways, for triples repeated within a graph, across graphs and in the default graph.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rdflib import Dataset, Graph
    from rdflib.term import Node

CHECKED_VERSIONS = frozenset({"7.6.0"})
"""rdflib versions whose ``Memory.add`` (and the ``Store.add`` and ``Graph.add`` it is reached
through) :func:`add_all` was read and tested against."""


def applies(ds: Dataset) -> bool:
    """Whether :func:`add_all` writes into ``ds``'s store itself: rdflib is of a checked version,
    the store is rdflib's plain ``Memory`` store and nothing subscribed to its events."""
    import rdflib
    from rdflib.plugins.stores.memory import Memory

    store = ds.store
    return (
        rdflib.__version__ in CHECKED_VERSIONS
        and type(store) is Memory
        and getattr(store.dispatcher, "_dispatch_map", None) is None
    )


def add_all(ds: Dataset, quads: Iterable[tuple[Node, Node, Node, Graph]], *, count: bool = False) -> int:
    """Add each ``(s, p, o)`` to its graph (a graph of ``ds``, as ``ds.graph(name)`` or
    ``ds.default_graph`` returns it), in order: what ``graph.add((s, p, o))`` for each does.
    Unlike ``Graph.add``, it does not assert that each term is an rdflib term: give it parsed
    terms.

    Returns the number of triples that were not yet in their graph when ``count``, else 0.

    Examples
    --------
    >>> from rdflib import Dataset, URIRef
    >>> ds = Dataset()
    >>> a, g = URIRef("urn:x:a"), ds.graph(URIRef("urn:x:g"))
    >>> add_all(ds, [(a, a, a, g), (a, a, a, ds.default_graph), (a, a, a, g)], count=True)
    2
    >>> sorted(str(c.identifier) for c in ds.graphs((a, a, a)))
    ['urn:x-rdflib:default', 'urn:x:g']
    """
    added = 0
    if not applies(ds):
        for s, p, o, graph in quads:
            if count and (s, p, o) not in graph:
                added += 1
            graph.add((s, p, o))
        return added
    from rdflib.graph import Graph

    store = ds.store
    # The Memory store's own attributes (names mangled by its double underscores).
    spo = store._Memory__spo  # type: ignore[attr-defined]
    pos = store._Memory__pos  # type: ignore[attr-defined]
    osp = store._Memory__osp  # type: ignore[attr-defined]
    triple_contexts = store._Memory__tripleContexts  # type: ignore[attr-defined]
    context_triples = store._Memory__contextTriples  # type: ignore[attr-defined]
    all_contexts = store._Memory__all_contexts  # type: ignore[attr-defined]
    context_objects = store._Memory__context_obj_map  # type: ignore[attr-defined]
    in_default = context_triples[None]
    names: dict[int, tuple[Graph, str, set]] = {}  # id(graph) -> (graph, its name, its triples)
    for s, p, o, graph in quads:
        known = names.get(id(graph))
        if known is None or known[0] is not graph:
            if type(graph) is not Graph or graph.store is not store:
                # a formula, a dataset, a graph of another store: as it adds (the same entries
                # for a graph of this store, so the two ways mix)
                if count and (s, p, o) not in graph:
                    added += 1
                graph.add((s, p, o))
                continue
            # Memory.__ctx_to_str
            name = f"{graph.identifier.__class__.__name__}:{graph.identifier}"
            all_contexts.add(graph)
            triples = context_triples.setdefault(name, set())
            known = names[id(graph)] = (graph, name, triples)
        _, name, triples = known
        context_objects[name] = graph  # the last graph a triple was added through, as add leaves it
        triple = (s, p, o)
        if count and triple not in triples:
            added += 1
        objects = spo.setdefault(s, {}).setdefault(p, {})
        # Memory.__add_triple_context, for a triple that is not quoted
        if o in objects:
            contexts = triple_contexts.get(triple)
            if contexts is None:  # the triple is in the contexts most triples are in: a copy
                contexts = triple_contexts[triple] = store._Memory__defaultContexts.copy()  # type: ignore[attr-defined]
            contexts[name] = False
            contexts[None] = False
            new = False
        else:
            objects[o] = 1
            contexts = triple_contexts[triple] = {name: False, None: False}
            new = True
        in_default.add(triple)
        triples.add(triple)
        default_contexts = store._Memory__defaultContexts  # type: ignore[attr-defined]
        if default_contexts is None:  # the first triple of the store
            default_contexts = store._Memory__defaultContexts = contexts  # type: ignore[attr-defined]
        if contexts == default_contexts:
            del triple_contexts[triple]
        if new:  # the two other indexes, as Memory.add fills them
            pos.setdefault(p, {}).setdefault(o, {})[s] = 1
            osp.setdefault(o, {}).setdefault(s, {})[p] = 1
    return added


class MergedView:
    """Look-ups of a Dataset's triples, every graph merged, read straight from the indexes of
    its in-memory store (:func:`merged_view`): ``objects``, ``subjects`` and ``value`` give what
    a ``Dataset(default_union=True)``'s give, in the same order (``subject_objects`` the same
    pairs, in an order of its own), without its layers (each call of which looks up the graphs of
    every triple it yields and, on rdflib 7, warns of a deprecation: 100 ms of ``validate``'s
    look-ups of entities at 100k triples, 20 ms so).
    Read only: nothing is written through it, nor through :attr:`spo` and :attr:`pos`."""

    def __init__(self, spo: dict, pos: dict) -> None:
        self.spo = spo
        """The store's subject index: subject -> predicate -> {object: 1}."""
        self.pos = pos
        """The store's predicate index: predicate -> object -> {subject: 1}."""

    def objects(self, subject, predicate) -> Iterator:
        return iter(list(self.spo.get(subject, {}).get(predicate, ())))

    def subjects(self, predicate, obj) -> Iterator:
        return iter(list(self.pos.get(predicate, {}).get(obj, ())))

    def value(self, subject, predicate, default=None):
        return next(iter(self.spo.get(subject, {}).get(predicate, ())), default)

    def subject_objects(self, predicate) -> Iterator:
        """Every ``(subject, object)`` of ``predicate``, each triple once, as a Graph's
        ``subject_objects`` gives them (in an order of its own)."""
        return iter([(s, o) for o, subjects in self.pos.get(predicate, {}).items() for s in subjects])


def merged_view(ds: Dataset) -> MergedView | None:
    """A :class:`MergedView` of ``ds`` where :func:`applies` (its store is rdflib's plain
    ``Memory`` store of a checked version), else None."""
    if not applies(ds):
        return None
    store = ds.store
    return MergedView(store._Memory__spo, store._Memory__pos)  # type: ignore[attr-defined]
