"""rdfbulk.add_all leaves rdflib's in-memory store exactly as graph.add for each triple does."""

from __future__ import annotations

import random

import pytest
from rdflib import BNode, Dataset, Graph, Literal, URIRef
from rdflib.events import Dispatcher
from rdflib.graph import DATASET_DEFAULT_GRAPH_ID, QuotedGraph
from rdflib.store import TripleAddedEvent

from spacecoop.core import rdfbulk
from spacecoop.core.namespaces import SC
from spacecoop.core.rdfbulk import add_all

pytestmark = pytest.mark.skipif(
    not rdfbulk.applies(Dataset()), reason="add_all writes into rdflib's store only on the versions it names"
)

X = "urn:x:"


def _state(ds: Dataset) -> dict:
    """Everything rdflib's Memory store holds, each graph object named by its identifier (which
    object a context's name points to is compared by :func:`_same`)."""
    st = ds.store
    return {
        "spo": st._Memory__spo,
        "pos": st._Memory__pos,
        "osp": st._Memory__osp,
        "triple_contexts": st._Memory__tripleContexts,
        "context_triples": st._Memory__contextTriples,
        "default_contexts": st._Memory__defaultContexts,
        "all_contexts": sorted(str(g.identifier) for g in st._Memory__all_contexts),
        "context_objects": {k: str(g.identifier) for k, g in st._Memory__context_obj_map.items()},
    }


def _both(make_quads) -> tuple[Dataset, Dataset, list, list]:
    """Two datasets filled with the same quads (made by ``make_quads(ds)``): one through
    graph.add, one through add_all."""
    one, two = Dataset(), Dataset()
    quads_one, quads_two = make_quads(one), make_quads(two)
    for s, p, o, g in quads_one:
        g.add((s, p, o))
    add_all(two, quads_two)
    return one, two, quads_one, quads_two


def _same(one: Dataset, two: Dataset, quads_one: list, quads_two: list) -> None:
    assert _state(one) == _state(two)
    # a context's name points to the last graph object a triple was added through
    objects_one = one.store._Memory__context_obj_map
    objects_two = two.store._Memory__context_obj_map
    for (*_, g1), (*_, g2) in zip(quads_one, quads_two, strict=True):
        name = f"{g1.identifier.__class__.__name__}:{g1.identifier}"
        assert (objects_one[name] is g1) == (objects_two[name] is g2)
    assert set(one.quads()) == set(two.quads())


def _iri(name: str) -> URIRef:
    return URIRef(X + name)


def test_the_same_state_for_triples_repeated_within_across_and_outside_graphs():
    a, b, c = _iri("a"), _iri("b"), _iri("c")
    lit = Literal("x", lang="en")

    def quads(ds):
        g, h = ds.graph(_iri("g")), ds.graph(_iri("h"))
        blank = ds.graph(BNode("graph1"))
        d = ds.default_graph
        return [
            (a, b, c, g),  # first triple: its contexts become the store's default ones
            (a, b, c, g),  # repeated in its graph
            (a, b, c, h),  # in a second graph
            (a, b, lit, d),  # in the default graph only
            (a, b, lit, g),  # then in a named graph too
            (b, b, b, h),
            (b, b, b, d),
            (c, a, Literal(1), blank),
            (c, a, Literal("1", datatype=_iri("dt")), blank),
            (a, b, c, d),  # the first triple in the default graph too
            (c, c, c, g),
        ]

    _same(*_both(quads))


def test_two_graph_objects_of_one_name_and_removals_afterwards():
    a, b = _iri("a"), _iri("b")

    def quads(ds):
        first, second = ds.graph(_iri("g")), ds.graph(_iri("g"))  # two objects, one graph
        return [(a, a, a, first), (a, a, b, second), (b, b, b, first), (b, a, a, second)]

    one, two, q1, q2 = _both(quads)
    _same(one, two, q1, q2)
    # The store reads what add_all wrote as it reads what add wrote.
    for ds in (one, two):
        ds.remove((a, a, b, None))
        ds.remove_graph(ds.graph(_iri("g")))
        ds.graph(_iri("h")).add((b, b, a))
    assert _state(one) == _state(two)
    assert set(one.quads()) == set(two.quads()) == {(b, b, a, _iri("h"))}


@pytest.mark.parametrize("seed", range(8))
def test_the_same_state_for_random_quads(seed):
    """Few terms, few graphs, many quads: every mix of repeats, in random orders."""
    count = random.Random(seed).randrange(1, 400)
    terms = [_iri(f"t{i}") for i in range(5)] + [Literal("v"), Literal("v", lang="fr"), BNode("n")]

    def quads(ds):
        graphs = [ds.default_graph, ds.graph(_iri("g")), ds.graph(_iri("h")), ds.graph(BNode("b"))]
        graphs.append(ds.graph(_iri("g")))  # a second object for graph g
        r = random.Random(seed)
        return [
            (r.choice(terms[:5]), r.choice(terms[:3]), r.choice(terms), r.choice(graphs))
            for _ in range(count)
        ]

    _same(*_both(quads))


def test_graphs_that_are_not_plain_graphs_of_the_store_are_added_to_as_they_add():
    a = _iri("a")
    other = Dataset()

    def quads(ds):
        formula = QuotedGraph(ds.store, _iri("f"))
        g = ds.graph(_iri("g"))
        # a triple in a formula only is in no default context: then in a graph, it is
        return [
            (a, a, a, g),
            (a, a, _iri("q"), formula),
            (a, a, _iri("o"), ds.default_graph),
            (a, a, _iri("q"), g),
        ]

    one, two, q1, q2 = _both(quads)
    _same(one, two, q1, q2)
    elsewhere = Graph(identifier=_iri("elsewhere"))
    ds = Dataset()
    add_all(ds, [(a, a, a, elsewhere), (a, a, a, other.graph(_iri("g")))])
    assert len(ds) == 0
    assert set(elsewhere) == {(a, a, a)}
    assert set(other.quads()) == {(a, a, a, _iri("g"))}


def test_a_subscriber_to_the_store_events_hears_every_triple():
    """With a subscriber, add_all goes through graph.add (the events are sent)."""
    ds = Dataset()
    ds.store.dispatcher = Dispatcher()
    heard = []
    ds.store.dispatcher.subscribe(TripleAddedEvent, lambda event: heard.append(event.triple))
    assert not rdfbulk.applies(ds)
    a = _iri("a")
    add_all(ds, [(a, a, a, ds.graph(_iri("g"))), (a, a, _iri("b"), ds.default_graph)])
    assert heard == [(a, a, a), (a, a, _iri("b"))]


def test_another_rdflib_version_goes_through_graph_add(monkeypatch):
    ds = Dataset()
    calls = []
    monkeypatch.setattr(rdfbulk, "CHECKED_VERSIONS", frozenset({"0.0"}))
    assert not rdfbulk.applies(ds)
    g = ds.graph(_iri("g"))
    monkeypatch.setattr(type(g), "add", lambda self, triple: calls.append(triple) or self)
    add_all(ds, [(_iri("a"), _iri("a"), _iri("a"), g)])
    assert calls == [(_iri("a"), _iri("a"), _iri("a"))]


@pytest.mark.parametrize("which", ["article", "live"])
def test_load_leaves_the_same_dataset_either_way(which, article_root, root, monkeypatch):
    """The project loaded with add_all and with graph.add: the same store state. Each file is
    parsed once for both loads (a blank node gets a new label on every parse)."""
    from spacecoop.core import load as loading

    project = article_root if which == "article" else root
    parsed = loading._parsed
    memo: dict = {}

    def parsed_once(path, fmt, keep=True, check=None, made=None, where=None, keys=None):
        if path not in memo:
            memo[path] = parsed(path, fmt, keep, check, made, where, keys)
        elif keys is not None:
            keys.append(None)
        return memo[path]

    monkeypatch.setattr(loading, "_parsed", parsed_once)
    through_add: list = []  # (store, triple) of each graph.add
    add = Graph.add
    monkeypatch.setattr(
        Graph, "add", lambda self, triple: through_add.append((self.store, triple)) or add(self, triple)
    )
    fast = loading.load(project, keep_parsed=True)
    fast_adds = [t for store, t in through_add if store is fast.ds.store]
    through_add.clear()
    monkeypatch.setattr(rdfbulk, "CHECKED_VERSIONS", frozenset())
    slow = loading.load(project, keep_parsed=True)
    slow_adds = [t for store, t in through_add if store is slow.ds.store]
    assert _state(fast.ds) == _state(slow.ds)
    # add_all wrote the files' triples and the derived edges into the store itself (the ISO codes
    # go through graph.add); without it, graph.add wrote every one
    iso = {SC.iso3166Alpha2, SC.iso3166Alpha3, SC.iso3166Numeric, SC.iso3166Subdivision}
    assert {p for _, p, _ in fast_adds} <= iso
    assert len(slow_adds) >= len(fast_adds) + sum(len(part) for part, _ in fast._parts)
    assert fast.origins == slow.origins
    assert len(fast.ds.store) > 0


@pytest.mark.parametrize("bulk", [True, False])
def test_the_count_is_of_triples_new_to_their_graph(bulk, monkeypatch):
    if not bulk:
        monkeypatch.setattr(rdfbulk, "CHECKED_VERSIONS", frozenset())
    rnd = random.Random(7)
    terms = [_iri(f"t{i}") for i in range(3)] + [Literal("v", lang="en")]
    ds = Dataset()
    graphs = [ds.default_graph, ds.graph(_iri("g")), ds.graph(_iri("g")), ds.graph(_iri("h"))]
    expected = 0
    for _ in range(20):
        batch = [(rnd.choice(terms[:3]), terms[0], rnd.choice(terms), rnd.choice(graphs)) for _ in range(10)]
        seen = {(str(g or DATASET_DEFAULT_GRAPH_ID), s, p, o) for s, p, o, g in ds.quads()}
        new = {(str(g.identifier), s, p, o) for s, p, o, g in batch} - seen
        expected += len(new)
        assert add_all(ds, batch, count=True) == len(new)
    assert add_all(ds, batch) == 0  # not counted unless asked
    assert expected == len(set(ds.quads()))


def test_the_merged_view_looks_up_what_the_dataset_looks_up(article_root, monkeypatch):
    """``merged_view`` reads the store's own indexes: each subject's objects of each predicate,
    each predicate and object's subjects, and ``value``, as the loaded Dataset (every graph
    merged) gives them, in the same order; the entities found through it are those found
    through the Dataset. An rdflib it was not checked against gives no view."""
    from spacecoop.core.entities import EntityFinder
    from spacecoop.core.load import load
    from spacecoop.core.rdfbulk import merged_view

    ds = load(article_root).ds
    view = merged_view(ds)
    assert view is not None
    triples = list(ds.triples((None, None, None)))
    assert len(triples) > 1000
    for s, p, o in triples[::7]:
        assert list(view.objects(s, p)) == list(ds.objects(s, p))
        assert list(view.subjects(p, o)) == list(ds.subjects(p, o))
        assert view.value(s, p) == ds.value(s, p)
    nowhere = URIRef("urn:x:nowhere")
    assert list(view.objects(nowhere, nowhere)) == [] and view.value(nowhere, nowhere, "none") == "none"
    through_view, through_ds = EntityFinder(view), EntityFinder(ds)  # type: ignore[arg-type]
    assert through_view.entities == through_ds.entities and through_view.entities
    assert through_view.by_key == through_ds.by_key and through_view.codes == through_ds.codes
    monkeypatch.setattr(rdfbulk, "CHECKED_VERSIONS", frozenset({"0.0"}))
    assert merged_view(ds) is None
