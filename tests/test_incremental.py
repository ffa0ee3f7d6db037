"""SHACL results kept per node (checks.incremental): after any edit, a validation that reuses them
reports exactly what a full validation reports, and runs pySHACL on less than everything."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from _article_only import copy_article_project, pad_project
from _forked import beside_on_any_machine, pids_in, record_pids
from rdflib import Graph

from spacecoop.checks import incremental
from spacecoop.checks.incremental import shape_reads
from spacecoop.checks.validate import validate

INVALID = Path(__file__).parent / "data" / "invalid"
# Violations in several sources; two of them share a claim node (claim/fixture/c1).
FIXTURES = (
    "relationship-without-claim",
    "development-by-a-country",
    "entity-without-label",
    "organization-based-in-a-place",
    "claim-without-certainty",
)
PREFIXES = """@base <https://w3id.org/spacecoop/id/> .
@prefix sc: <https://w3id.org/spacecoop/ns#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix schema: <https://schema.org/> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix kind: <https://w3id.org/spacecoop/vocab/org-kind/> .
@prefix certainty: <https://w3id.org/spacecoop/vocab/certainty/> .
"""


@pytest.fixture
def runs(monkeypatch):
    """The number of triples of each graph pySHACL is run on, in order."""
    sizes: list[int] = []
    real = incremental.run_pyshacl

    def counting(data, shapes):
        sizes.append(len(data))
        return real(data, shapes)

    monkeypatch.setattr(incremental, "run_pyshacl", counting)
    return sizes


def _write(project: Path, name: str, body: str) -> Path:
    path = project / "graph" / "sources" / name
    path.write_text(PREFIXES + body, encoding="utf-8")
    return path


@pytest.mark.slow
@pytest.mark.parametrize("route", ["fingerprints", "files"])
def test_kept_results_give_the_full_report_after_every_edit(root, tmp_path, runs, monkeypatch, route):
    """Edits of the files, one at a time: the kept results give the full report. What changed is
    found by a fingerprint of every node (a dataset loaded without the files' quads kept) or from
    the files that changed (loaded as ``validate_cached`` and ``build`` load)."""
    from spacecoop.core.load import load

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    project = copy_article_project(root, tmp_path / "project")
    sources = project / "graph" / "sources"
    for name in FIXTURES:
        shutil.copy(INVALID / f"{name}.trig", sources / f"{name}.trig")
    cache = tmp_path / "shacl.json"

    def validate_kept():
        loaded = load(project, keep_parsed=True) if route == "files" else None
        assert (loaded is not None and loaded.sources is not None) == (route == "files")
        return validate(project, loaded=loaded, shacl_cache=cache)

    def check(edit: str, *, incremental_run: bool = True) -> None:
        runs.clear()
        full = validate(project)
        everything = runs[-1]
        runs.clear()
        kept = validate_kept()
        assert kept == full, edit
        assert not kept.conforms, edit
        if incremental_run:  # pySHACL ran on what the edit touches, not on everything
            assert max(runs, default=0) * 4 < everything, (edit, runs, everything)

    check("cold", incremental_run=False)
    runs.clear()
    assert validate_kept() == validate(project)
    assert runs[:1] != [] and len(runs) == 1  # unchanged: only the full run ran pySHACL

    # a new violation in one source
    with open(sources / "entity-without-label.trig", "a", encoding="utf-8") as f:
        f.write("\n<mission/change-98> a sc:Mission .\n")
        f.write('<org/nowhere-agency> a sc:Organization ; skos:prefLabel "N"@en .\n')
    check("add a violation")
    # a violation fixed: the organisation gets its kind and country in another file
    _write(
        project, "fix.trig", "<org/nowhere-agency> sc:kind kind:space-agency ; sc:basedIn <country/iran> .\n"
    )
    check("fix from another source")
    # a source removed: its violations go, and the shared claim loses one of its two relationships
    (sources / "claim-without-certainty.trig").unlink()
    check("remove a source")
    # a shared entity changes: the country typed an organisation too, so the development's
    # developer becomes one (sh:class on a value node read through another source)
    _write(project, "shared.trig", "<country/iran> a sc:Organization .\n")
    check("touch a shared entity")
    # a claim in another source about the relationship that had none (an inverse path)
    _write(
        project,
        "claim.trig",
        "<source/fixture> { <claim/fixture/c9> a sc:Claim ; "
        "sc:about <participation/country/croatia/initiative/artemis-accords> ; "
        'sc:quote "q" ; sc:certainty certainty:stated ; prov:wasDerivedFrom <source/fixture> . }\n',
    )
    check("claim through an inverse path")
    # harmless edits: labels on a reference entity, one that no shape reads and one that a shape reads
    _write(project, "label.trig", '<org/elon-musk-monitor> skos:altLabel "EMM"@en .\n')
    check("a label no shape reads")
    assert runs == []
    _write(project, "label.trig", '<org/elon-musk-monitor> skos:prefLabel "Monitor"@fr .\n')
    check("a label")
    assert runs
    # a subclass declared in a source changes what the shapes target: everything again
    _write(project, "subclass.trig", "sc:Rumour rdfs:subClassOf sc:Claim .\n<claim/x> a sc:Rumour .\n")
    check("a subclass", incremental_run=False)
    assert any("claim/x" in v.node for v in validate_kept().violations)


def test_the_shapes_are_modelled(root):
    g = Graph().parse(root / "ontology" / "shapes.ttl", format="turtle")
    model = shape_reads(g)
    assert model is not None
    assert len(model.reads) == 2  # the focus node, and the values its nested shapes read


def test_shapes_it_cannot_model_run_in_full(tmp_path):
    g = Graph().parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S sh:targetClass ex:C ; sh:closed true ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .""",
        format="turtle",
    )
    assert shape_reads(g) is None
    g = Graph().parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S sh:targetClass ex:C ; sh:property [ sh:path ( ex:p ex:q ) ; sh:minCount 1 ] .""",
        format="turtle",
    )
    assert shape_reads(g) is None


def test_a_node_is_found_again_from_its_text_without_writing_every_nodes_text(monkeypatch):
    """``Reads.node_of`` finds each kind of node from its kept text (an IRI, one rdflib will not
    write, a literal, a blank node) and nothing for a text no node has; an IRI or a blank node is
    found without the text of every node being written (that map cost 40-70 ms at 100k triples,
    and the texts kept of files with blank nodes asked for it after every edit)."""
    from rdflib import BNode, Literal, URIRef

    shapes = Graph().parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:minCount 1 ] ;
            sh:property [ sh:path [ sh:inversePath ex:q ] ; sh:maxCount 3 ] .""",
        format="turtle",
    )
    model = shape_reads(shapes)
    assert model is not None
    ex = "http://example.org/"
    a, c, d = URIRef(ex + "a"), URIRef(ex + "c"), URIRef(ex + "d")
    spaced, blank = URIRef("urn:x:a b"), BNode()
    tagged, typed = Literal("Hong Kong", lang="en"), Literal(7)
    triples = [
        (a, URIRef(ex + "p"), tagged),
        (blank, URIRef(ex + "q"), a),
        (c, URIRef(ex + "q"), tagged),
        (d, URIRef(ex + "q"), typed),
        (spaced, URIRef(ex + "p"), a),
        (a, URIRef(ex + "q"), spaced),
    ]
    index = incremental.Reads(model, triples)
    written: list = []
    real = incremental.n3_text
    monkeypatch.setattr(incremental, "n3_text", lambda t: written.append(t) or real(t))
    for node in (a, c, spaced, blank):
        assert index.node_of(real(node)) == node
    assert len(written) <= 4  # each node's own text, and no other node's
    # the texts a run keeps of files with blank nodes (new labels on every load): no map either
    assert index.node_of("_:gone") is None and index.node_of("<urn:x:gone>") is None
    assert len(written) <= 4
    for node in (tagged, typed, blank, a, spaced):
        found = index.node_of(real(node))
        assert found == node and type(found) is type(node)
    for text in (
        "<urn:x:nowhere>",
        "_:nowhere",
        "<urn:x:a b>",  # the spaced IRI's text is not this
        real(URIRef("urn:x:a c")),
        real(Literal("Hong Kong")),
        "!('URIRef', ",
        "!('URIRef', 'urn:x:a b')",
        "!('URIRef', {}, None, '')",
        "!('URIRef', " + "(" * 500 + ")" * 500 + ", None, '')",
    ):
        assert index.node_of(text) is None, text


def test_the_focus_nodes_are_those_pyshacl_validates():
    """``Reads.targets`` finds the focus nodes of every kind of target (a class and its
    subclasses, a node, the subjects and the objects of a predicate) as pySHACL finds them: each
    shape here fails on every focus node, so pySHACL's results name them all."""
    from rdflib import URIRef

    shapes = Graph().parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:ByClass sh:targetClass ex:C ; sh:property [ sh:path ex:never ; sh:minCount 1 ] .
        ex:ByNode sh:targetNode ex:lone ; sh:property [ sh:path ex:never ; sh:minCount 1 ] .
        ex:BySubject sh:targetSubjectsOf ex:s ; sh:property [ sh:path ex:never ; sh:minCount 1 ] .
        ex:ByObject sh:targetObjectsOf ex:o ; sh:property [ sh:path ex:never ; sh:minCount 1 ] .""",
        format="turtle",
    )
    data = Graph().parse(
        data="""@prefix ex: <http://example.org/> . @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
        ex:D rdfs:subClassOf ex:C . ex:E rdfs:subClassOf ex:D .
        ex:a a ex:C . ex:b a ex:E . ex:c a ex:F , ex:D . ex:d a ex:F .
        ex:lone ex:p ex:q . ex:e ex:s ex:f . ex:g ex:o ex:h . ex:i ex:o ex:j .
        ex:k ex:unrelated ex:l .""",
        format="turtle",
    )
    model = shape_reads(shapes)
    assert model is not None
    index = incremental.Reads(model, data)
    found = {n for n, _ in incremental.pyshacl_raw(data, shapes, processes=1)}
    ex = "http://example.org/"
    assert index.targets() == found == {URIRef(ex + n) for n in ("a", "b", "c", "lone", "e", "h", "j")}


def _project_with_violations(root: Path, tmp_path: Path) -> Path:
    """The article-only project with every invalid fixture that loads."""
    from spacecoop.core.errors import SpacecoopError
    from spacecoop.core.load import load

    project = copy_article_project(root, tmp_path / "project")
    for fixture in sorted(INVALID.glob("*.trig")):
        shutil.copy(fixture, project / "graph" / "sources" / fixture.name)
        try:
            load(project)
        except SpacecoopError:  # a fixture that does not parse: not SHACL's to report
            (project / "graph" / "sources" / fixture.name).unlink()
    return project


def _data_with_violations(root: Path, tmp_path: Path) -> tuple[Graph, Graph]:
    """The article-only graph with every invalid fixture that loads, merged as check_shacl does,
    and the shapes."""
    from spacecoop.checks.validate import _merged
    from spacecoop.core.load import load

    project = _project_with_violations(root, tmp_path)
    shapes = Graph().parse(root / "ontology" / "shapes.ttl", format="turtle")
    return _merged(load(project)), shapes


def test_shapes_shared_out_among_processes_report_what_one_run_reports(root, tmp_path):
    data, shapes = _data_with_violations(root, tmp_path)
    one = sorted(incremental.pyshacl_raw(data, shapes, processes=1), key=lambda x: (x[1], x[0]))
    groups = incremental._shape_groups(data, shapes, 3)
    assert len(groups) == 3
    tops = {
        s for p in (incremental.SH.targetClass, incremental.SH.targetNode) for s in shapes.subjects(p, None)
    }
    assert sorted(s for g in groups for s in g if s in tops) == sorted(tops)  # every shape with targets, once
    # with the named shapes it uses (pySHACL checks nothing through a named shape it was not given)
    label = incremental.URIRef("https://w3id.org/spacecoop/shapes#LabelShape")
    users = {s for s in shapes.subjects(incremental.SH.property, label)}
    assert users and all(label in g for g in groups if users & set(g))
    # the violations come from shapes in more than one group, so the union is what is tested
    per_group = [incremental.raw_results(incremental.run_pyshacl(data, shapes, use_shapes=g)) for g in groups]
    assert sum(1 for found in per_group if found) >= 2
    many = sorted(incremental.pyshacl_raw(data, shapes, processes=3), key=lambda x: (x[1], x[0]))
    assert len(one) > 20
    assert many == one


def _raw_sorted(data: Graph, shapes: Graph) -> list:
    """pySHACL's top-level results on a copy of ``data`` (run_pyshacl validates in place)."""
    copy = Graph()
    for t in data:
        copy.add(t)
    return sorted(r for _, r in incremental.raw_results(incremental.run_pyshacl(copy, shapes)))


def test_hoisted_shapes_report_what_the_shapes_report(root, tmp_path):
    """Each sh:property of a targeted node shape made a shape of its own: the same results on
    the article-only graph with every invalid fixture (property shapes and node-level
    constraints alike break), and the node shapes lose their targets, not their properties."""
    data, shapes = _data_with_violations(root, tmp_path)
    hoisted = incremental.hoisted_shapes(shapes)
    scs = "https://w3id.org/spacecoop/shapes#"
    claim = incremental.URIRef(scs + "ClaimShape")
    assert (claim, incremental.SH.targetClass, None) not in hoisted
    sh = incremental.SH
    assert set(hoisted.objects(claim, sh.property)) == set(shapes.objects(claim, sh.property))
    new = {s for s in hoisted.subjects(sh.targetClass, None) if str(s).startswith(incremental.HOISTED)}
    assert len(new) > len(set(shapes.subjects(sh.property, None)))
    assert (claim, incremental.SH.targetClass, None) in shapes  # the shapes given are not changed
    before = _raw_sorted(data, shapes)
    assert len(before) > 20
    assert {r[1] for r in before} > {""}  # results with a path (property shapes) and without
    assert _raw_sorted(data, hoisted) == before


HOIST_SHAPES = """@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
ex:Label sh:path ex:label ; sh:minCount 1 ; sh:message "no label" .
ex:S sh:targetClass ex:C ; sh:property ex:Label ;
    sh:property [ sh:path ex:size ; sh:datatype xsd:integer ; sh:maxCount 1 ] ;
    sh:property [ sh:path ex:part ; sh:node ex:U ] ;
    sh:or ( [ sh:path ex:a ; sh:minCount 1 ] [ sh:path ex:b ; sh:minCount 1 ] ) ;
    sh:message "needs ex:a or ex:b" .
ex:U sh:targetNode ex:lonely ; sh:property ex:Label ; sh:property [ sh:path ex:q ; sh:minCount 1 ] .
ex:Own sh:targetClass ex:D ; sh:path ex:r ; sh:minCount 1 ; sh:property [ sh:path ex:t ; sh:minCount 1 ] .
ex:Closed sh:targetClass ex:E ; sh:closed true ;
    sh:ignoredProperties ( <http://www.w3.org/1999/02/22-rdf-syntax-ns#type> ) ;
    sh:property [ sh:path ex:label ; sh:minCount 1 ] .
ex:Off sh:targetClass ex:E ; sh:deactivated true ; sh:property ex:Label .
"""
HOIST_DATA = """@prefix ex: <http://example.org/> .
ex:c1 a ex:C ; ex:size "big" , 2 ; ex:part ex:u1 .
ex:c2 a ex:C ; ex:label "two" ; ex:a 1 ; ex:part ex:u2 .
ex:u1 ex:label "u" .
ex:u2 ex:q 1 .
ex:lonely ex:q 2 .
ex:d1 a ex:D ; ex:r ex:x .
ex:d2 a ex:D .
ex:x ex:t 1 .
ex:e1 a ex:E ; ex:label "e" ; ex:other 1 .
ex:e2 a ex:E .
"""


def test_hoisting_keeps_what_a_node_shape_means_where_it_is_used():
    """Shared named property shapes, a node shape used by sh:node (it keeps its properties), a
    property shape with its own targets and properties of its own, sh:closed and sh:deactivated
    (left as they are): the same results, each of them there."""
    shapes = Graph().parse(data=HOIST_SHAPES, format="turtle")
    data = Graph().parse(data=HOIST_DATA, format="turtle")
    hoisted = incremental.hoisted_shapes(shapes)
    ex = "http://example.org/"
    for kept in ("Own", "Closed", "Off"):  # not moved: their targets stay
        assert (incremental.URIRef(ex + kept), incremental.SH.targetClass, None) in hoisted, kept
    assert (incremental.URIRef(ex + "S"), incremental.SH.targetClass, None) not in hoisted
    before = _raw_sorted(data, shapes)
    found = {(r[0], r[1].rsplit("/", 1)[-1], r[7].rsplit("#", 1)[-1]) for r in before}
    assert found >= {
        ("<http://example.org/c1>", "label", "MinCountConstraintComponent"),  # ex:Label through ex:S
        ("<http://example.org/c1>", "size", "DatatypeConstraintComponent"),
        ("<http://example.org/c1>", "size", "MaxCountConstraintComponent"),
        ("<http://example.org/c1>", "", "OrConstraintComponent"),  # S's own constraint, its message
        ("<http://example.org/c1>", "part", "NodeConstraintComponent"),  # u1 breaks ex:U (no ex:q)
        ("<http://example.org/c2>", "part", "NodeConstraintComponent"),  # u2 breaks ex:U (no label)
        ("<http://example.org/lonely>", "label", "MinCountConstraintComponent"),
        ("<http://example.org/d2>", "r", "MinCountConstraintComponent"),
        ("<http://example.org/e1>", "other", "ClosedConstraintComponent"),
        ("<http://example.org/e2>", "label", "MinCountConstraintComponent"),
    }, found
    assert not any(r[0] == "<http://example.org/x>" for r in before)  # ex:Own's property shape
    assert _raw_sorted(data, hoisted) == before


def test_shapes_that_cannot_be_hoisted_are_given_as_they_are():
    for extra in (
        "ex:T a rdfs:Class, sh:NodeShape .",  # implicit class targets
        "ex:S sh:property ex:NoPath . ex:NoPath sh:minCount 1 .",  # pySHACL refuses it: so be it
    ):
        g = Graph().parse(
            data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
            @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
            ex:S sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:minCount 1 ] ."""
            + extra,
            format="turtle",
        )
        assert incremental.hoisted_shapes(g) is g, extra


def test_shapes_it_cannot_share_out_run_in_one_process():
    data = Graph()
    for extra in (
        "ex:T sh:target [ a ex:Custom ] .",  # a SPARQL-based target: its focus nodes are not known here
        "ex:T a rdfs:Class, sh:NodeShape .",  # an implicit class target
        "[] sh:targetClass ex:D .",  # a blank-node shape: pySHACL picks shapes by IRI
    ):
        g = Graph().parse(
            data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
            @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
            ex:S sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .
            ex:U sh:targetClass ex:E ; sh:property [ sh:path ex:q ; sh:minCount 1 ] ."""
            + extra,
            format="turtle",
        )
        assert incremental._shape_groups(data, g, 2) == [], extra
    assert (
        len(
            incremental._shape_groups(
                data,
                Graph().parse(
                    data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S sh:targetClass ex:C . ex:U sh:targetClass ex:E .""",
                    format="turtle",
                ),
                2,
            )
        )
        == 2
    )


def test_top_level_shapes_that_use_one_another_stay_in_one_group():
    g = Graph().parse(
        data="""@prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
        ex:S sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:node ex:U ] .
        ex:U sh:targetClass ex:E ; sh:property ex:Named .
        ex:Named sh:path ex:q ; sh:minCount 1 .
        ex:V sh:targetClass ex:F ; sh:property ex:Named .""",
        format="turtle",
    )
    ex = "http://example.org/"
    groups = incremental._shape_groups(Graph(), g, 3)
    assert sorted(map(sorted, groups)) == sorted(
        [
            sorted(incremental.URIRef(ex + n) for n in ("Named", "S", "U")),
            sorted(incremental.URIRef(ex + n) for n in ("Named", "V")),
        ]
    )


def test_validate_says_the_same_with_its_shapes_shared_out(root, tmp_path, monkeypatch, capsys):
    """``spacecoop validate`` prints and exits alike whether pySHACL runs in one process or its
    shapes are shared out among three (SPACECOOP_SHACL_PROCESSES), and a bad value is one line."""
    from spacecoop.cli.app import main

    project = _project_with_violations(root, tmp_path)
    caches = iter(range(10))

    def run(processes: str) -> tuple[int, str, str]:
        monkeypatch.setenv("SPACECOOP_SHACL_PROCESSES", processes)
        monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / f"cache-{next(caches)}"))  # nothing kept
        capsys.readouterr()
        code = main(["--root", str(project), "validate", "--verbose"])
        out, err = capsys.readouterr()
        return code, out, err

    one = run("1")
    assert one[0] == 1 and "rule:    shacl" in one[1], one
    assert run("3") == one
    code, _, err = run("two")
    assert code == 2 and "SPACECOOP_SHACL_PROCESSES must be a whole number from 1, not 'two'" in err, err
    assert "Traceback" not in err


def test_validate_reports_the_same_with_shacl_beside_the_other_checks(root, tmp_path, monkeypatch):
    """On a large dataset ``validate`` runs SHACL and the checks of terms, quotes and entities in
    a forked process while it runs the check queries and the rest: the report (violations of SHACL and of
    the other checks, skipped, checks run) is the one of a run in one process
    (SPACECOOP_SHACL_PROCESSES=1), and broken shapes fail alike."""
    import os

    from spacecoop.checks import validate as validate_module
    from spacecoop.core.errors import SpacecoopError
    from spacecoop.core.forking import can_fork

    if not can_fork():
        pytest.skip("fork is used on Linux only")
    project = _project_with_violations(root, tmp_path)
    pids = tmp_path / "shacl-pids"
    record_pids(monkeypatch, validate_module, "check_shacl", pids)
    monkeypatch.setattr("spacecoop.core.forking.BESIDE_MIN_QUADS", 0)  # this small project counts as large
    beside_on_any_machine(monkeypatch)
    monkeypatch.setenv("SPACECOOP_SHACL_PROCESSES", "1")
    alone = validate(project)
    assert pids_in(pids) == [os.getpid()]
    monkeypatch.delenv("SPACECOOP_SHACL_PROCESSES")
    pids.unlink()
    record_pids(monkeypatch, validate_module, "check_quotes", tmp_path / "quote-pids")
    record_pids(monkeypatch, validate_module, "check_entities", tmp_path / "entity-pids")
    record_pids(monkeypatch, validate_module, "check_queries", tmp_path / "query-pids")
    beside = validate(project)
    assert pids_in(pids) != [os.getpid()]  # SHACL ran in the forked process
    assert pids_in(tmp_path / "quote-pids") == pids_in(pids)  # and the quotes with it
    assert pids_in(tmp_path / "entity-pids") == pids_in(pids)  # and the entities
    assert pids_in(tmp_path / "query-pids") == [os.getpid()]  # the check queries here
    assert beside == alone
    rules = {v.rule.split(":")[0] for v in alone.violations}
    assert {"shacl", "check", "unknown-term"} <= rules, rules
    assert alone.checked[0] == "shacl" and len(alone.checked) == 8

    (project / "ontology" / "shapes.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n<https://example.org/S> sh:targetClass "
        "<https://w3id.org/spacecoop/ns#Claim> ;\n"
        '  sh:property [ sh:path <https://example.org/p> ; sh:minCount "x" ] .\n',
        encoding="utf-8",
    )
    errors = []
    for processes in ("1", ""):
        monkeypatch.setenv("SPACECOOP_SHACL_PROCESSES", processes)
        with pytest.raises(SpacecoopError) as caught:
            validate(project)
        errors.append((type(caught.value), str(caught.value), caught.value.exit_code))
    assert errors[0] == errors[1] and "shapes.ttl" in errors[0][1], errors


def _project_oxigraph_reads(root: Path, tmp_path: Path) -> Path:
    """:func:`_project_with_violations` without the fixtures whose terms Oxigraph refuses (their
    check queries are asked of rdflib's engine, never ahead)."""
    from spacecoop.core.load import load

    project = _project_with_violations(root, tmp_path)
    for problem in load(project).problems:
        Path(problem.file).unlink(missing_ok=True)
    assert not load(project).problems
    return project


def _ahead_on_any_machine(monkeypatch) -> None:
    """validate_cached forks the check queries ahead (and SHACL beside) for this small project."""
    monkeypatch.setattr("spacecoop.checks.validate.AHEAD_BYTES", 0)
    monkeypatch.setattr("spacecoop.checks.validate.AHEAD_MEMORY", 0)
    monkeypatch.setattr("spacecoop.core.forking.BESIDE_MIN_QUADS", 0)
    beside_on_any_machine(monkeypatch)


def test_check_queries_answered_ahead_on_oxigraphs_parse_give_the_report_of_one_process(
    root, tmp_path, monkeypatch
):
    """A large project's ``validate`` has a forked process parse the files with Oxigraph and answer
    the check queries while it loads them into rdflib: the report (every violation, with its
    files, what was skipped, the checks run) is the one a run in one process makes."""
    import os

    from spacecoop.checks import validate as validate_module
    from spacecoop.checks.validate import validate_cached
    from spacecoop.core.forking import can_fork

    if not can_fork():
        pytest.skip("fork is used on Linux only")
    project = _project_oxigraph_reads(root, tmp_path)
    monkeypatch.setenv("SPACECOOP_SHACL_PROCESSES", "1")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache-alone"))
    alone = validate_cached(project)
    monkeypatch.delenv("SPACECOOP_SHACL_PROCESSES")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache-ahead"))
    _ahead_on_any_machine(monkeypatch)
    record_pids(monkeypatch, validate_module, "check_rows_of_files", tmp_path / "ahead-pids")
    record_pids(monkeypatch, validate_module, "check_queries", tmp_path / "query-pids")
    ahead = validate_cached(project)
    [pid] = pids_in(tmp_path / "ahead-pids")
    assert pid != os.getpid()  # the rows came from the forked process
    assert not (tmp_path / "query-pids").exists()  # and were not asked again here
    assert ahead == alone


KEPT_COPY_SCRIPT = """
import hashlib, json, os, sys
from pathlib import Path
from spacecoop.checks import validate as V
from spacecoop.core import forking
from spacecoop.store import keptnative

project, tmp = Path(sys.argv[1]), Path(sys.argv[2])
V.AHEAD_BYTES = V.AHEAD_MEMORY = forking.BESIDE_MIN_QUADS = 0  # ahead and beside, however small
forking.cores = lambda: 2
forking.copies_that_fit = lambda wanted: wanted
keptnative.build_detached = keptnative.build  # the copy built at once, by the forked process
os.environ["XDG_CACHE_HOME"] = str(tmp / "cache-ahead")
V.validate_cached(project)  # no copy yet: the files are parsed, and the copy built
index = keptnative.kept_folder(project.resolve()) / "copy" / "index.json"
assert index.exists(), "no copy was built"
source = sorted((project / "graph" / "sources").glob("*.trig"))[0]
text = source.read_text("utf-8")
sc, claim = "https://w3id.org/spacecoop/ns#", "https://w3id.org/spacecoop/id/claim/zz-edit/c1"
uncertain = (  # a claim without its certainty: a violation of a check query
    f"\\n<https://w3id.org/spacecoop/id/source/zz-edit> {{ <{claim}> a <{sc}Claim> ; "
    f'<{sc}about> <{claim}-about> ; <{sc}quote> "words" ; '
    "<http://www.w3.org/ns/prov#wasDerivedFrom> <https://w3id.org/spacecoop/id/source/zz-edit> . }\\n"
)
for step, edited in enumerate((text + uncertain, text)):
    source.write_text(edited, "utf-8")
    os.environ.pop("SPACECOOP_SHACL_PROCESSES", None)
    os.environ["XDG_CACHE_HOME"] = str(tmp / "cache-ahead")
    ahead = V.validate_cached(project)
    # the forked process brought the copy up to date with this very edit
    kept = json.loads(index.read_text("utf-8"))["files"][str(source.resolve())]
    assert kept["sha256"] == hashlib.sha256(edited.encode()).hexdigest(), step
    os.environ["SPACECOOP_SHACL_PROCESSES"] = "1"
    os.environ["XDG_CACHE_HOME"] = str(tmp / f"cache-alone-{step}")
    alone = V.validate_cached(project)
    assert ahead == alone, step
    found = [v for v in ahead.violations if v.rule == "check:claim-without-certainty-or-source-violation"]
    assert any("zz-edit/c1" in v.node and "sc:certainty" in v.message for v in found) == (step == 0), found
print("ok")
"""


def test_check_queries_answered_ahead_on_the_kept_copy_after_edits_give_the_report_of_one_process(
    root, tmp_path
):
    """Once the check queries' copy is kept (spacecoop.store.keptnative), the forked process asks
    it, brought up to date with the edit, instead of parsing every file: the report after an edit
    that adds a violation, and after the one that mends it, is the one a run in one process makes.
    In a process of its own: one that ran RocksDB (this test process may have) forks no process
    that asks the copy (the next test)."""
    import os
    import subprocess
    import sys

    from spacecoop.core.forking import can_fork

    if not can_fork():
        pytest.skip("fork is used on Linux only")
    project = _project_oxigraph_reads(root, tmp_path)
    env = {**os.environ, "PYTHONPATH": str(Path(__file__).resolve().parents[1] / "src")}
    env.pop("SPACECOOP_SHACL_PROCESSES", None)
    done = subprocess.run(
        [sys.executable, "-c", KEPT_COPY_SCRIPT, str(project), str(tmp_path)],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-3000:]


def test_a_process_that_ran_rocksdb_forks_no_process_that_asks_the_kept_copy(root, tmp_path, monkeypatch):
    """RocksDB's threads are not in a forked process, whose RocksDB then waits for them forever:
    a ``validate`` whose process opened a store on disk (a notebook's, a server's) has its forked
    process parse the files, and ends with the report of one process."""
    import pyoxigraph as ox

    from spacecoop.checks.validate import validate_cached
    from spacecoop.core.forking import can_fork, rocksdb_started
    from spacecoop.store import keptnative

    if not can_fork():
        pytest.skip("fork is used on Linux only")
    ox.Store(str(tmp_path / "a-store"))  # RocksDB's threads outlive it
    assert rocksdb_started()
    project = _project_oxigraph_reads(root, tmp_path)
    monkeypatch.setenv("SPACECOOP_SHACL_PROCESSES", "1")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache-alone"))
    alone = validate_cached(project)
    monkeypatch.delenv("SPACECOOP_SHACL_PROCESSES")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache-ahead"))
    _ahead_on_any_machine(monkeypatch)
    assert validate_cached(project) == alone  # and no hang
    assert not keptnative.kept_folder(project.resolve()).exists()


def test_rows_answered_ahead_are_dropped_when_a_file_moved_while_loading(root, tmp_path, monkeypatch):
    """The forked process and this one read the files each on its own: when an input changes
    between the two reads, the rows answered ahead are not those of the data loaded here, and the
    check queries are asked again on it (the report is always that of the data loaded)."""
    from spacecoop.checks import validate as validate_module
    from spacecoop.checks.validate import validate_cached
    from spacecoop.core.forking import can_fork

    if not can_fork():
        pytest.skip("fork is used on Linux only")
    project = _project_oxigraph_reads(root, tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    _ahead_on_any_machine(monkeypatch)
    rule = "check:payload-without-developer-violation"
    assert [v for v in validate_cached(project).violations if v.rule == rule]
    # the forked process may read that fixture; this one loads the project without it
    fixture = project / "graph" / "sources" / "payload-without-developer.trig"
    real_load = validate_module.load_kept

    def load_without(*args, **kwargs):
        fixture.unlink()
        return real_load(*args, **kwargs)

    (project / "graph" / "sources" / "zz-touch.trig").write_text("", encoding="utf-8")  # nothing kept
    monkeypatch.setattr(validate_module, "load_kept", load_without)
    record_pids(monkeypatch, validate_module, "check_queries", tmp_path / "query-pids")
    after = validate_cached(project)
    assert len(pids_in(tmp_path / "query-pids")) == 1  # asked again here
    assert not [v for v in after.violations if v.rule == rule]


def test_no_rows_are_answered_ahead_without_memory_for_both_copies(root, tmp_path, monkeypatch):
    """Oxigraph's copy in the forked process and rdflib's here would not both fit: the check
    queries run here, after the load, as before."""
    from spacecoop.checks import validate as validate_module
    from spacecoop.checks.validate import validate_cached

    project = _project_oxigraph_reads(root, tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    _ahead_on_any_machine(monkeypatch)
    monkeypatch.setattr("spacecoop.checks.validate.AHEAD_MEMORY", 40)
    monkeypatch.setattr("spacecoop.core.forking.memory_available", lambda: 10**6)  # 1 MB free
    record_pids(monkeypatch, validate_module, "check_rows_of_files", tmp_path / "ahead-pids")
    record_pids(monkeypatch, validate_module, "check_queries", tmp_path / "query-pids")
    assert [v for v in validate_cached(project).violations if v.rule.startswith("check:")]
    assert not (tmp_path / "ahead-pids").exists()
    assert len(pids_in(tmp_path / "query-pids")) == 1


def test_rows_not_answered_ahead_are_asked_here(root, tmp_path, monkeypatch):
    """When the forked process cannot answer (Oxigraph refuses what rdflib reads, the process
    dies), the check queries are asked here: the same report."""
    from spacecoop.checks import validate as validate_module
    from spacecoop.checks.validate import validate_cached
    from spacecoop.core.forking import can_fork

    if not can_fork():
        pytest.skip("fork is used on Linux only")
    project = _project_oxigraph_reads(root, tmp_path)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache-alone"))
    monkeypatch.setenv("SPACECOOP_SHACL_PROCESSES", "1")
    alone = validate_cached(project)
    monkeypatch.delenv("SPACECOOP_SHACL_PROCESSES")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache-failed"))
    _ahead_on_any_machine(monkeypatch)

    def fails(root, **files):
        raise RuntimeError("the forked process could not answer")

    monkeypatch.setattr(validate_module, "check_rows_of_files", fails)
    assert validate_cached(project) == alone


@pytest.mark.slow
def test_a_file_oxigraph_loads_through_rdflib_gives_no_warning_from_the_forked_process(root, tmp_path):
    """A quote holding ``<<`` makes Oxigraph's loader take the whole project through rdflib, with a
    warning on standard error: in the process forked to answer the check queries of a large
    project, that warning is not printed (validate's own load reads the file without one)."""
    import os
    import subprocess
    import sys

    from spacecoop.checks.validate import AHEAD_BYTES
    from spacecoop.core.forking import can_fork, cores

    if not can_fork() or cores() < 2:
        pytest.skip("the check queries are answered ahead with fork and two cores only")
    project = copy_article_project(root, tmp_path / "project")
    pad_project(project, AHEAD_BYTES)
    (project / "graph" / "sources" / "zz-arrows.trig").write_text(
        '@prefix ex: <https://example.org/arrows/> .\nex:g { ex:s ex:says "a << b" . }\n', encoding="utf-8"
    )
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("SPACECOOP_SHACL_PROCESSES", None)
    proc = subprocess.run(
        [sys.executable, "-m", "spacecoop", "--root", str(project), "validate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode in (0, 1), proc.stderr
    assert "RDF 1.2" not in proc.stderr and "through rdflib" not in proc.stderr, proc.stderr
    assert "checks run:" in proc.stdout  # it validated


def test_a_broken_file_leaves_no_forked_process_behind(root, tmp_path, monkeypatch):
    """A file that does not parse stops ``validate`` while the forked process still answers the
    check queries: that process is ended, not left running (nor waited for)."""
    import multiprocessing
    import time

    from spacecoop.checks import validate as validate_module
    from spacecoop.checks.validate import validate_cached
    from spacecoop.core.errors import DataError
    from spacecoop.core.forking import can_fork

    if not can_fork():
        pytest.skip("fork is used on Linux only")
    project = copy_article_project(root, tmp_path / "project")
    (project / "graph" / "sources" / "zz-broken.trig").write_text("<a> <b> .", encoding="utf-8")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    _ahead_on_any_machine(monkeypatch)
    monkeypatch.setattr(validate_module, "check_rows_of_files", lambda root, **files: time.sleep(120))
    started = time.monotonic()
    with pytest.raises(DataError, match=r"zz-broken\.trig"):
        validate_cached(project)
    assert not multiprocessing.active_children()  # the forked process, still busy, was ended
    assert time.monotonic() - started < 60


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from Linux /proc")
def test_ctrl_c_while_shapes_run_in_processes_stops_all_of_them_quietly(root, tmp_path):
    """Ctrl-C (SIGINT to the terminal's process group) while pySHACL runs in forked processes:
    the command says "aborted" (exit 130, as on any Ctrl-C) with no traceback, and none of its
    processes is left running."""
    import os

    project = _project_with_violations(root, tmp_path)
    env = {**os.environ, "SPACECOOP_SHACL_PROCESSES": "2", "XDG_CACHE_HOME": str(tmp_path / "cache")}
    _interrupt_validate_once_forked(project, env, "its shapes went to forked processes")


@pytest.mark.slow
@pytest.mark.skipif(not Path("/proc/self/stat").exists(), reason="reads processes from Linux /proc")
def test_ctrl_c_while_the_check_queries_are_answered_ahead_stops_that_process_quietly(root, tmp_path):
    """Ctrl-C while a large project loads, its check queries answered by a process forked before
    the load: "aborted" (exit 130), no traceback, no process left running."""
    import os

    from spacecoop.checks.validate import AHEAD_BYTES

    project = copy_article_project(root, tmp_path / "project")
    pad_project(project, 4 * AHEAD_BYTES)  # a load long enough to be interrupted
    env = {**os.environ, "XDG_CACHE_HOME": str(tmp_path / "cache")}
    env.pop("SPACECOOP_SHACL_PROCESSES", None)
    _interrupt_validate_once_forked(project, env, "it forked the check queries")


def _interrupt_validate_once_forked(project: Path, env: dict, what: str) -> None:
    """Start ``spacecoop validate`` in a process group of its own, send the group SIGINT (as a
    terminal's Ctrl-C) once it has forked, and check that it says "aborted" (exit 130) with no
    traceback and leaves none of its processes running."""
    import os
    import signal
    import subprocess
    import sys
    import time

    from _servers import children, interruptible, running

    proc = subprocess.Popen(
        [sys.executable, "-m", "spacecoop", "--root", str(project), "validate"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,  # its own process group, as a terminal's job
        preexec_fn=interruptible,
    )
    forked: set[int] = set()
    deadline = time.monotonic() + 120
    while not forked and proc.poll() is None and time.monotonic() < deadline:
        forked = children(proc.pid)
        time.sleep(0.005)
    assert forked, f"validate ended before {what}"
    os.killpg(proc.pid, signal.SIGINT)
    _, err = proc.communicate(timeout=60)
    assert proc.returncode == 130 and err.strip() == "aborted", err
    time.sleep(0.5)
    assert not [p for p in forked if running(p)], forked


def _shape_vocabulary(shapes: Graph) -> tuple[list, list, list]:
    """The predicates the shapes read (every IRI ``sh:path`` names, directly or inverted), the
    classes they name (targets, ``sh:class``) and the predicates they read inverted.

    Read from the shapes themselves, not from :func:`shape_reads`: the edits must reach what
    the shapes read even where that model of pySHACL's reads would miss it."""
    from rdflib import URIRef
    from rdflib.namespace import SH

    def named(*predicates) -> set:
        return {o for p in predicates for o in shapes.objects(None, p) if isinstance(o, URIRef)}

    inverse = named(SH.inversePath)
    return sorted(named(SH.path) | inverse), sorted(named(SH.targetClass, SH["class"])), sorted(inverse)


@pytest.mark.slow
@pytest.mark.parametrize("seed", [1, 2, 3])
def test_kept_results_equal_a_full_run_after_random_edits(root, tmp_path, seed):
    """Random edits of the triples the shapes read (added, removed, objects swapped, a type or a
    subclass more), one at a time: after each, the results kept per node and pySHACL on what
    changed give exactly the results of pySHACL on everything. The edits mix the graph's own
    nodes, classes and literals with new ones (tagged, typed, bad dates), so that a read the
    model of pySHACL's reads missed would leave a stale result behind."""
    import random

    from rdflib import RDF, RDFS, XSD, Literal, URIRef

    from spacecoop.checks.incremental import shacl_results

    data, shapes = _data_with_violations(root, tmp_path)
    predicates, classes, inverse = _shape_vocabulary(shapes)
    assert inverse  # sh:inversePath is read: edits below aim at it too
    rng = random.Random(seed)
    nodes = sorted({t for s, _, o in data for t in (s, o) if isinstance(t, URIRef)})
    literals = sorted({o for o in data.objects() if isinstance(o, Literal)}, key=lambda x: x.n3())
    literals += [
        Literal("x"),
        Literal("y", lang="en"),
        Literal("2021-06", datatype=XSD.gYearMonth),
        Literal("2021-13-40", datatype=XSD.date),
        Literal("7", datatype=XSD.integer),
    ]
    cache = tmp_path / f"shacl-{seed}.json"

    def results(kept: bool):
        return shacl_results(
            lambda: iter(list(data)), shapes, lambda: _copy(data), cache if kept else None, "test"
        )

    assert results(kept=True) == results(kept=False)  # the cold run that fills the file
    edits = []
    for step in range(12):
        kind = rng.choice(
            ["add", "remove", "swap", "type", "inverse", "inverse", "subclass" if step == 7 else "add"]
        )
        read = [t for t in data if t[1] in predicates or t[1] == RDF.type]
        if kind == "inverse":  # the node read through an inverse path gains or loses a subject
            p = rng.choice(inverse)
            stated = sorted(data.triples((None, p, None)))
            if stated and rng.random() < 0.6:
                edit = ("remove", rng.choice(stated))
            else:
                target = rng.choice([o for _, _, o in stated] or nodes)
                edit = ("add", (rng.choice(nodes), p, target))
        elif kind == "add":
            obj = rng.choice(nodes + literals + classes)
            edit = ("add", (rng.choice(nodes), rng.choice(predicates), obj))
        elif kind == "remove":
            edit = ("remove", rng.choice(sorted(read)))
        elif kind == "swap":
            s, p, o = rng.choice(sorted(read))
            data.remove((s, p, o))
            edit = ("add", (s, p, rng.choice(nodes + literals)))
        elif kind == "type":
            edit = ("add", (rng.choice(nodes), RDF.type, rng.choice(classes)))
        else:
            edit = ("add", (URIRef("urn:test:Sub"), RDFS.subClassOf, rng.choice(classes)))
        (data.add if edit[0] == "add" else data.remove)(edit[1])
        edits.append(edit)
        assert results(kept=True) == results(kept=False), edits


def test_the_index_read_from_a_dataset_is_the_index_made_of_its_triples(root, tmp_path):
    """``Reads.of_dataset`` (the store's own indexes) holds what ``Reads`` makes of the same
    triples, as each reader sees it: the objects and subjects of each predicate read, the
    subclass triples, the focus nodes, the nodes an edit of any node makes stale, the graph
    pySHACL is given; and reading it leaves the store as it was."""
    from spacecoop.core.load import load

    project = _project_with_violations(root, tmp_path)
    loaded = load(project, keep_parsed=True)
    shapes = Graph().parse(root / "ontology" / "shapes.ttl", format="turtle")
    model = shape_reads(shapes)
    assert model is not None
    before = set(loaded.ds.quads((None, None, None, None)))
    made = incremental.Reads(model, ((s, p, o) for s, p, o, _ in loaded.quads()))
    read = incremental.Reads.of_dataset(model, loaded.ds)
    assert read is not None
    preds = {p for level in (*model.reads, *model.steps) for p, _ in level}

    def sets(index) -> dict:
        out = {x: {p: set(v) for p, v in by.items() if p in preds} for x, by in index.items()}
        return {x: by for x, by in out.items() if by}

    assert sets(read.fwd) == sets(made.fwd)
    assert sets(read.inv) == sets(made.inv) and made.inv
    assert read.subclass == made.subclass and made.subclass
    assert read.subclass_key() == made.subclass_key()
    targets = made.targets()
    assert read.targets() == targets
    depth = len(model.reads)
    for x in sorted({*made.fwd, *made.inv}, key=str):
        for k in range(depth):
            assert read.stale_roots({(k, x)}) == made.stale_roots({(k, x)}), (k, x)
    some = set(sorted(targets, key=str)[::7])
    assert set(read.subgraph(some)) == set(made.subgraph(some))
    assert set(loaded.ds.quads((None, None, None, None))) == before


def _refused(*args, **kwargs):
    raise AssertionError("the index was made of the triples")


@pytest.mark.slow
@pytest.mark.parametrize(("seed", "index"), [(4, "triples"), (5, "dataset"), (6, "triples"), (7, "dataset")])
def test_results_kept_by_file_equal_a_full_run_after_random_edits(root, tmp_path, monkeypatch, seed, index):
    """The same data split into files (a triple may be stated by two of them), some of it
    derived, and one file whose triples are new on every load (no key): random edits of one file
    at a time (a triple added, removed from one file while another still states it, removed from
    all, moved to another file, its object swapped; a type, a subclass, an inverse read; a file
    dropped or added; the derived triples edited). After each, the results kept per node, with
    what changed found from the files (no fingerprint), equal pySHACL on everything; the index
    made of the triples, or read from a Dataset's store that holds them (``Reads.of_dataset``)."""
    import hashlib
    import random

    from rdflib import RDF, RDFS, XSD, Dataset, Literal, URIRef

    from spacecoop.checks.incremental import Reads, n3_text, shacl_results

    data, shapes = _data_with_violations(root, tmp_path)
    predicates, classes, inverse = _shape_vocabulary(shapes)
    rng = random.Random(seed)
    if index == "dataset":  # a test that this route is taken, not the index of the triples
        monkeypatch.setattr(Reads, "__init__", _refused)
    nodes = sorted({t for s, _, o in data for t in (s, o) if isinstance(t, URIRef)})
    literals = sorted({o for o in data.objects() if isinstance(o, Literal)}, key=lambda x: x.n3())
    literals += [Literal("x"), Literal("2021-13-40", datatype=XSD.date), Literal("y", lang="en")]
    derived_predicates = set(rng.sample(predicates, 2))
    files: dict[str, set] = {f"f{i}": set() for i in range(6)}
    derived: set = set()
    for t in sorted(data):
        if t[1] in derived_predicates:
            derived.add(t)
            continue
        for name in rng.sample(sorted(files), 2 if rng.random() < 0.1 else 1):
            files[name].add(t)
    keyless = "f5"  # its key is None: read again on every run
    cache = tmp_path / f"shacl-{seed}.json"

    def everything() -> set:
        return set().union(*files.values(), derived)

    def key(name: str) -> str | None:
        if name == keyless:
            return None
        lines = sorted(" ".join(n3_text(x) for x in t) for t in files[name])
        return hashlib.sha256("\n".join([name, *lines]).encode("utf-8", "surrogatepass")).hexdigest()

    def merged() -> Graph:
        g = Graph()
        for t in everything():
            g.add(t)
        return g

    def dataset() -> Dataset | None:
        if index != "dataset":
            return None
        ds = Dataset()
        for name, stated in files.items():
            graph = ds.graph(URIRef(f"urn:test:file/{name}"))
            for t in stated:
                graph.add(t)
        for t in derived:
            ds.default_graph.add(t)
        return ds

    def results(kept: bool):
        sources = [(key(n), [(*t, None) for t in sorted(files[n])]) for n in sorted(files)]
        return shacl_results(
            lambda: iter(list(everything())),
            shapes,
            merged,
            cache if kept else None,
            "test",
            sources if kept else None,
            lambda: [(*t, None) for t in derived],
            dataset=dataset() if kept else None,
        )

    assert results(kept=True) == results(kept=False)  # the cold run that fills the file
    want = results(kept=False)
    assert results(kept=True) == want  # nothing changed
    edits: list = []
    kinds = ["add", "remove-one", "remove-all", "move", "swap", "type", "inverse", "reach", "derived", "file"]
    for step in range(14):
        kind = "subclass" if step == 9 else rng.choice(kinds)
        name = rng.choice(sorted(files))
        read = sorted(t for t in everything() if t[1] in predicates or t[1] == RDF.type)
        if kind == "add":
            obj = rng.choice(nodes + literals + classes)
            files[name].add((rng.choice(nodes), rng.choice(predicates), obj))
        elif kind == "remove-one" and files[name]:  # another file may still state it
            files[name].discard(rng.choice(sorted(files[name])))
        elif kind == "remove-all":
            t = rng.choice(read)
            for found in (*files.values(), derived):
                found.discard(t)
        elif kind == "move" and files[name]:
            t = rng.choice(sorted(files[name]))
            files[name].discard(t)
            files[rng.choice(sorted(files))].add(t)
        elif kind == "swap":
            s, p, o = rng.choice(read)
            for found in (*files.values(), derived):
                found.discard((s, p, o))
            files[name].add((s, p, rng.choice(nodes + literals)))
        elif kind == "type":
            files[name].add((rng.choice(nodes), RDF.type, rng.choice(classes)))
        elif kind == "inverse":
            p = rng.choice(inverse)
            stated = sorted(t for t in everything() if t[1] == p)
            if stated and rng.random() < 0.5:
                for found in (*files.values(), derived):
                    found.discard(rng.choice(stated))
            else:
                files[name].add((rng.choice(nodes), p, rng.choice([o for _, _, o in stated] or nodes)))
        elif kind == "reach":  # a reported node gains a subject through each inverse path
            target, subject = rng.choice(sorted({n for n, _ in want})), rng.choice(nodes)
            files[name].update((subject, p, target) for p in inverse)
        elif kind == "derived":
            if derived and rng.random() < 0.5:
                derived.discard(rng.choice(sorted(derived)))
            else:
                derived.add((rng.choice(nodes), rng.choice(sorted(derived_predicates)), rng.choice(nodes)))
        elif kind == "file":  # a file dropped with its triples, or a new one
            if rng.random() < 0.5 and len(files) > 2 and name != keyless:
                del files[name]
            else:
                files[f"new{step}"] = set(rng.sample(read, 5))
        elif kind == "subclass":
            files[name].add((URIRef("urn:test:Sub"), RDFS.subClassOf, rng.choice(classes)))
        edits.append((kind, name))
        got, want = results(kept=True), results(kept=False)
        assert got == want, (edits, [x for x in got if x not in want], [x for x in want if x not in got])


@pytest.mark.slow
def test_results_kept_by_file_follow_a_subject_gained_through_an_inverse_path(root, tmp_path):
    """Each reported node in turn gains a subject through every inverse path the shapes read, in
    a new file: the node is validated again (a payload with no developer gets one through
    ``^sc:develops``). The triple touches the node as its object only, so this holds the files
    route to the object side of what a file touches (the random edits seldom reach it)."""
    import hashlib

    from rdflib import URIRef

    from spacecoop.checks.incremental import n3_text, shacl_results

    data, shapes = _data_with_violations(root, tmp_path)
    _, _, inverse = _shape_vocabulary(shapes)
    base = sorted(data)
    cache = tmp_path / "shacl.json"
    subject = URIRef("https://w3id.org/spacecoop/id/org/some-agency")

    def results(extra: list, kept: bool):
        files = {"base": base, "extra": extra}
        everything = [*base, *extra]
        sources = [
            (
                hashlib.sha256(
                    "\n".join(n3_text(x) for t in f for x in t).encode("utf-8", "surrogatepass")
                ).hexdigest(),
                [(*t, None) for t in f],
            )
            for f in files.values()
        ]

        def merged() -> Graph:
            g = Graph()
            for t in everything:
                g.add(t)
            return g

        return shacl_results(
            lambda: iter(everything),
            shapes,
            merged,
            cache if kept else None,
            "test",
            sources if kept else None,
            lambda: [],
        )

    first = results([], kept=False)
    assert results([], kept=True) == first
    changed = 0
    for node in sorted({n for n, _ in first}):
        extra = [(subject, p, node) for p in inverse]
        full = results(extra, kept=False)
        assert results(extra, kept=True) == full, node
        changed += full != first
    assert changed  # some node's results moved (else this would test nothing)


def _copy(g: Graph) -> Graph:
    out = Graph()
    for t in g:
        out.add(t)
    return out


@pytest.mark.parametrize("where", ["a value", "a focus node"])
def test_an_iri_rdflib_will_not_write_is_reported_with_kept_results_as_without(root, tmp_path, caplog, where):
    """An IRI with a space (a typo in a source: rdflib reads it with a warning, then refuses to
    write it) where the shapes read it, as a member or as a typed node of its own: validate
    reports it (an rdf-term violation naming the file) and SHACL's results, the same with results
    kept per node (cold, then warm) as without; before, the kept results' fingerprints stopped
    validate with "SHACL validation could not run", and a focus node with such an IRI stopped it
    without them too."""
    import logging

    project = copy_article_project(root, tmp_path / "project")
    typo = {
        "a value": "org:member <country/thai land>",
        "a focus node": "org:member <country/thai land> . "
        '<country/thai land> a sc:Country ; skos:prefLabel "T"@en',
    }[where]
    text = (INVALID / "iri-with-space.trig").read_text("utf-8")
    assert "org:member <country/thailand>" in text
    (project / "graph" / "sources" / "typo.trig").write_text(
        text.replace("org:member <country/thailand>", typo), encoding="utf-8"
    )
    caplog.set_level(logging.ERROR, logger="rdflib.term")  # rdflib warns of each IRI it reads; restored after
    cache = tmp_path / "shacl.json"
    full = validate(project)
    assert validate(project, shacl_cache=cache) == full  # cold: everything run and kept
    assert validate(project, shacl_cache=cache) == full  # warm: every result read back
    bad = [v for v in full.violations if v.rule == "rdf-term" and "thai land" in v.message]
    assert bad and any(f.endswith("typo.trig") for v in bad for f in v.files)
    if where == "a focus node":
        assert any(v.rule == "shacl" and v.node == "country:thai land" for v in full.violations)


@pytest.mark.slow
@pytest.mark.parametrize(
    "damage",
    [
        "a level that is no number",
        "the edited file's texts not texts",
        "files not a mapping",
        "derived left out",
        "cut short",
    ],
)
def test_a_damaged_file_of_kept_results_gives_the_full_report(root, tmp_path, monkeypatch, damage):
    """``shacl.json`` damaged (by hand, by a disk): never a crash, never a stale report. What the
    run recorded of the files is used only when it is what a run writes; else every node is
    validated again."""
    import json

    from spacecoop.core.load import load

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    project = copy_article_project(root, tmp_path / "project")
    for name in FIXTURES:
        shutil.copy(INVALID / f"{name}.trig", project / "graph" / "sources" / f"{name}.trig")
    cache = tmp_path / "shacl.json"
    full = validate(project)
    assert validate(project, loaded=load(project, keep_parsed=True), shacl_cache=cache) == full
    body = json.loads(cache.read_text("utf-8"))
    assert body["files"] and body["derived"]
    some = sorted(k for k, v in body["files"].items() if v)[0]
    edited = project / "graph" / "sources" / "entity-without-label.trig"
    if damage == "a level that is no number":
        body["files"][some] = ["x " + t.split(" ", 1)[1] for t in body["files"][some]]
    elif damage == "the edited file's texts not texts":  # read only once the file changes
        from spacecoop.core.load import _parsed_key

        texts = body["files"][_parsed_key(edited, "trig", edited.read_bytes())]
        texts[:] = ["x " + t.split(" ", 1)[1] for t in texts] + [7]
    elif damage == "files not a mapping":
        body["files"] = list(body["files"])
    elif damage == "derived left out":
        del body["derived"]
    text = json.dumps(body)
    cache.write_text(text[: len(text) // 2] if damage == "cut short" else text, "utf-8")
    # the damaged file, then an edit of a source
    assert validate(project, loaded=load(project, keep_parsed=True), shacl_cache=cache) == full
    with open(edited, "a", encoding="utf-8") as f:
        f.write("\n<mission/change-97> a sc:Mission .\n")
    full = validate(project)
    assert not full.conforms and any("change-97" in v.node for v in full.violations)
    assert validate(project, loaded=load(project, keep_parsed=True), shacl_cache=cache) == full


def test_a_run_on_files_keeps_the_nodes_with_results_only(root, tmp_path, monkeypatch):
    """Kept by a run on files (a load that kept the files' quads), ``shacl.json`` lists the focus
    nodes with results only (a focus node that did not change had none when it is not there);
    a run with fingerprints keeps every node, with its fingerprint."""
    import json

    from spacecoop.core.load import load

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    project = copy_article_project(root, tmp_path / "project")
    for name in FIXTURES:
        shutil.copy(INVALID / f"{name}.trig", project / "graph" / "sources" / f"{name}.trig")
    on_files, by_print = tmp_path / "files.json", tmp_path / "prints.json"
    full = validate(project)
    assert validate(project, loaded=load(project, keep_parsed=True), shacl_cache=on_files) == full
    assert validate(project, loaded=load(project), shacl_cache=by_print) == full
    sparse, every = (json.loads(f.read_text("utf-8")) for f in (on_files, by_print))
    assert sparse["sparse"] is True and "sparse" not in every
    assert sparse["nodes"] and all(raws for _, raws in sparse["nodes"].values())
    assert {n: v for n, v in every["nodes"].items() if v[1]}.keys() == sparse["nodes"].keys()
    assert len(every["nodes"]) > 10 * len(sparse["nodes"]) and all(p for p, _ in every["nodes"].values())


def test_a_check_row_on_a_blank_node_answered_ahead_still_names_its_file(root, tmp_path, monkeypatch):
    """The forked process's Oxigraph labels blank nodes its own way, so a check row on one (an
    organisation written as ``[]`` with no country) could not be traced to its file: the report
    said the node and no file. Such rows are asked again of the data loaded here, whose Oxigraph
    copy keeps each blank node's label (its loaders gave it a new one: no file either)."""
    from spacecoop.checks.validate import validate_cached
    from spacecoop.core.forking import can_fork

    if not can_fork():
        pytest.skip("fork is used on Linux only")
    project = copy_article_project(root, tmp_path / "project")
    source = project / "graph" / "sources" / "nameless-office.trig"
    source.write_text(
        "@base <https://w3id.org/spacecoop/id/> .\n"
        "@prefix sc: <https://w3id.org/spacecoop/ns#> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "@prefix kind: <https://w3id.org/spacecoop/vocab/org-kind/> .\n"
        "<source/nameless-office> {\n"
        '    [] a sc:Organization ; skos:prefLabel "Nameless Office"@en ; sc:kind kind:space-agency .\n'
        '    [] a sc:Organization ; skos:prefLabel "Kindless Office"@en , "Bureau"@fr .\n'
        "}\n",
        encoding="utf-8",
    )
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    alone = validate(project)  # one process: the check queries asked of an Oxigraph copy
    _ahead_on_any_machine(monkeypatch)
    for report in (alone, validate_cached(project)):
        found = [v for v in report.violations if v.rule == "check:organization-without-country-violation"]
        (blank,) = [v for v in found if "Nameless" in v.node]  # a blank node: no IRI, no CURIE
        assert blank.files == (str(source),), blank
        # named by what the data says of it, not by a label new on every parse
        assert blank.node == '[ a sc:Organization ; skos:prefLabel "Nameless Office"@en ]', blank
        shacl = [v for v in report.violations if v.rule == "shacl" and "sc:kind" in v.message]
        (kindless,) = [v for v in shacl if v.files == (str(source),)]  # SHACL's focus node, too
        assert kindless.node == '[ a sc:Organization ; skos:prefLabel "Kindless Office"@en ]'
