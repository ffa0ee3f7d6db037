"""pySHACL's sh:or stopping at the first member that conforms (checks.shacl_or): the same results
as pySHACL's own, fewer shapes validated, and pySHACL as it was outside our checks."""

from __future__ import annotations

import os
import signal
import time

import pyshacl.shape
import pytest
from pyshacl.constraints.core.logical_constraints import OrConstraintComponent
from rdflib import Graph
from test_incremental import _data_with_violations, _raw_sorted

from spacecoop.checks import incremental, shacl_or

pytestmark = pytest.mark.skipif(
    not shacl_or.applies(), reason="pySHACL is not a version the replacement was checked with"
)

SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:S sh:targetClass ex:C ;
    sh:property [ sh:path ex:when ;
        sh:or ( [ sh:datatype xsd:date ] [ sh:datatype xsd:gYearMonth ] [ sh:datatype xsd:gYear ] ) ;
        sh:message "a date, month or year" ] ;
    sh:property [ sh:path ex:who ;
        sh:or ( [ sh:class ex:Person ] [ sh:or ( [ sh:class ex:Org ] [ sh:class ex:Team ] ) ] ) ] ;
    sh:or ( [ sh:path ex:quote ; sh:minCount 1 ]
            [ sh:and ( [ sh:path ex:row ; sh:minCount 1 ] [ sh:path ex:table ; sh:minCount 1 ] ) ] ) ;
    sh:message "a quote, or a row of a table" .
"""
DATA = """@prefix ex: <http://example.org/> . @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:c1 a ex:C ; ex:quote "q" ; ex:when "2020-01-02"^^xsd:date , "2020"^^xsd:gYear ; ex:who ex:p .
ex:c2 a ex:C ; ex:row "r" ; ex:table ex:t ; ex:when "2020-13"^^xsd:string ; ex:who ex:o , ex:nobody .
ex:c3 a ex:C ; ex:row "r" ; ex:when 7 ; ex:who ex:team .
ex:c4 a ex:C .
ex:p a ex:Person . ex:o a ex:Org . ex:team a ex:Team .
"""


def _results(data: Graph, shapes: Graph, *, shortcut: bool, monkeypatch) -> list:
    """pySHACL's results with the replacement or without it (then undoes every monkeypatch)."""
    monkeypatch.setattr(shacl_or, "CHECKED_VERSIONS", shacl_or.CHECKED_VERSIONS if shortcut else frozenset())
    try:
        return _raw_sorted(data, shapes)
    finally:
        monkeypatch.undo()


def test_the_same_results_as_pyshacl_where_members_conform_first_later_or_never(monkeypatch):
    shapes = Graph().parse(data=SHAPES, format="turtle")
    data = Graph().parse(data=DATA, format="turtle")
    mine = _results(data, shapes, shortcut=True, monkeypatch=monkeypatch)
    theirs = _results(data, shapes, shortcut=False, monkeypatch=monkeypatch)
    assert mine == theirs
    broken = {(r[0].rsplit("/", 1)[1], r[1].rsplit("/", 1)[-1], r[3].rsplit("/", 1)[-1]) for r in mine}
    assert broken == {
        ("c2>", "when", "2020-13"),  # no member conforms
        ("c3>", "when", "7"),
        ("c2>", "who", "nobody"),  # nor in the nested sh:or
        ("c3>", "", "c3"),  # a row without a table: the sh:and member breaks, the node too
        ("c4>", "", "c4"),
    }, broken


def test_the_same_results_on_the_graph_with_every_invalid_fixture(root, tmp_path, monkeypatch):
    data, shapes = _data_with_violations(root, tmp_path)
    for given in (shapes, incremental.hoisted_shapes(shapes)):
        mine = _results(data, given, shortcut=True, monkeypatch=monkeypatch)
        assert any(r[7].endswith("#OrConstraintComponent") for r in mine)
        assert mine == _results(data, given, shortcut=False, monkeypatch=monkeypatch)


def test_members_after_one_that_conforms_are_not_validated(monkeypatch):
    shapes = Graph().parse(data=SHAPES, format="turtle")
    data = Graph().parse(data=DATA, format="turtle")
    calls = []
    real = pyshacl.shape.Shape.validate

    def counted(self, *args, **kwargs):
        calls.append(1)
        return real(self, *args, **kwargs)

    counts = []
    for shortcut in (True, False):
        monkeypatch.setattr(pyshacl.shape.Shape, "validate", counted)
        calls.clear()
        _results(data, shapes, shortcut=shortcut, monkeypatch=monkeypatch)  # undoes the spy too
        counts.append(len(calls))
    assert 0 < counts[0] < counts[1], counts


def test_pyshacl_is_as_it_was_outside_and_with_other_versions(monkeypatch):
    original = OrConstraintComponent.__dict__["_evaluate_or_constraint"]
    with shacl_or.or_stops_at_first() as outer:
        assert outer
        with shacl_or.or_stops_at_first():
            assert OrConstraintComponent._evaluate_or_constraint is shacl_or._evaluate_or_constraint
        assert OrConstraintComponent._evaluate_or_constraint is shacl_or._evaluate_or_constraint  # still
    assert OrConstraintComponent.__dict__["_evaluate_or_constraint"] is original
    with pytest.raises(RuntimeError), shacl_or.or_stops_at_first():
        raise RuntimeError("an error inside")
    assert OrConstraintComponent.__dict__["_evaluate_or_constraint"] is original
    monkeypatch.setattr(shacl_or, "CHECKED_VERSIONS", frozenset({"0.0.0"}))
    with shacl_or.or_stops_at_first() as replaced:
        assert not replaced
        assert OrConstraintComponent.__dict__["_evaluate_or_constraint"] is original


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
def test_a_process_forked_while_the_lock_is_held_can_still_validate():
    """The lock is held only while pySHACL's method is swapped; a process forked by another thread
    at that moment gets a free lock of its own (it would otherwise wait for ever)."""
    with shacl_or._LOCK:  # as if another thread were swapping the method right now
        pid = os.fork()
        if pid == 0:  # the child: validate, then leave at once with its verdict
            code = 1
            try:
                data = Graph().parse(data=DATA, format="turtle")
                found = incremental.run_pyshacl(data, Graph().parse(data=SHAPES, format="turtle"))
                code = 0 if len(list(found.objects(None, incremental.SH.result))) == 5 else 3
            finally:
                os._exit(code)
    deadline = time.monotonic() + 30
    while True:
        done, status = os.waitpid(pid, os.WNOHANG)
        if done:
            break
        if time.monotonic() > deadline:
            os.kill(pid, signal.SIGKILL)
            os.waitpid(pid, 0)
            pytest.fail("the forked process waited for the lock")
        time.sleep(0.05)
    assert os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0, status
