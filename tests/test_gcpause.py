"""The collector pause shared by answers and views: paused while anyone is inside, never left off."""

from __future__ import annotations

import gc
import threading

import pyoxigraph as ox
import pytest

from spacecoop.core.gcpause import collector_paused
from spacecoop.store import OxigraphStore


@pytest.fixture(autouse=True)
def _collector_back_on():
    yield
    gc.enable()  # whatever a failing test left, the others run as usual


def test_nested_pauses_enable_the_collector_only_when_the_outermost_leaves():
    with collector_paused():
        with collector_paused():
            assert not gc.isenabled()
        assert not gc.isenabled()
    assert gc.isenabled()


def test_a_collector_disabled_by_the_caller_stays_disabled():
    gc.disable()
    with collector_paused():
        pass
    assert not gc.isenabled()


def test_an_error_inside_enables_the_collector_again():
    with pytest.raises(KeyError), collector_paused():
        raise KeyError("x")
    assert gc.isenabled()


def test_threads_leaving_in_any_order_leave_the_collector_enabled():
    # The order that left a per-thread disable/enable pair off for good: B comes in while A has
    # the collector paused (so B sees it disabled), A leaves, then B leaves.
    a_in, b_in, a_out = threading.Event(), threading.Event(), threading.Event()
    seen: dict[str, bool] = {}

    def a() -> None:
        with collector_paused():
            a_in.set()
            b_in.wait(5)
        a_out.set()

    def b() -> None:
        a_in.wait(5)
        with collector_paused():
            b_in.set()
            a_out.wait(5)
            seen["b inside after a left"] = gc.isenabled()

    threads = [threading.Thread(target=a), threading.Thread(target=b)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(10)
    assert seen == {"b inside after a left": False}  # still paused: b is inside
    assert gc.isenabled()


def test_many_threads_pausing_at_once_leave_the_collector_enabled():
    barrier = threading.Barrier(8)

    def work() -> None:
        barrier.wait(5)
        for _ in range(500):
            with collector_paused():
                pass

    threads = [threading.Thread(target=work) for _ in range(8)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(30)
    assert gc.isenabled()


def test_an_oxigraph_answer_keeps_unbound_cells_and_the_collector_is_enabled_after():
    store = OxigraphStore()
    store.store.add(ox.Quad(ox.NamedNode("urn:a"), ox.NamedNode("urn:p"), ox.Literal("x", language="en")))
    store.store.add(
        ox.Quad(
            ox.NamedNode("urn:b"),
            ox.NamedNode("urn:p"),
            ox.Literal("1.50", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#decimal")),
        )
    )
    res = store.query("SELECT ?s ?o ?none WHERE { ?s <urn:p> ?o OPTIONAL { ?s <urn:q> ?none } } ORDER BY ?s")
    assert [tuple(map(str, row[:2])) for row in res.rows] == [("urn:a", "x"), ("urn:b", "1.5")]
    assert [row[1].language for row in res.rows] == ["en", None]  # type: ignore[union-attr]
    assert [row[2] for row in res.rows] == [None, None]
    assert gc.isenabled()
    # text rows: none when a cell's text would differ from its rdflib term's ("1.50" read as 1.5)
    assert store.query("SELECT ?o WHERE { ?s <urn:p> ?o }").text_rows() is None
    assert store.query("SELECT ?o ?none WHERE { <urn:a> <urn:p> ?o }").text_rows() == (
        (("literal", "x", "en", ""), None),
    )
