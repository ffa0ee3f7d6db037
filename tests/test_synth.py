"""The synthetic corpus: deterministic for a seed, shaped like the real data, valid, sized as
documented."""

from __future__ import annotations

from pathlib import Path

import pytest
from rdflib import RDF, URIRef

from spacecoop.checks.validate import validate
from spacecoop.cli.app import main
from spacecoop.core import namespaces as ns
from spacecoop.core.errors import UsageError
from spacecoop.core.load import load_dataset
from spacecoop.core.namespaces import concept
from spacecoop.importers.synth import (
    FIXED_TRIPLES,
    MARKER,
    TRIPLES_PER_SOURCE,
    sources_for_triples,
    write_corpus,
)
from spacecoop.sparql.query import run_query

ROOT = Path(__file__).resolve().parents[1]
PROV_DERIVED = URIRef("http://www.w3.org/ns/prov#wasDerivedFrom")


def files_of(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.fixture(scope="module")
def corpus(tmp_path_factory):
    out = tmp_path_factory.mktemp("synth") / "corpus"
    result = write_corpus(out, sources=40, seed=7, root=ROOT)
    return result, load_dataset(out)


def test_one_seed_gives_byte_identical_files(tmp_path):
    write_corpus(tmp_path / "a", sources=15, seed=3, root=ROOT)
    write_corpus(tmp_path / "b", sources=15, seed=3, root=ROOT)
    write_corpus(tmp_path / "c", sources=15, seed=4, root=ROOT)
    a, b, c = (files_of(tmp_path / x) for x in "abc")
    assert a == b
    assert a.keys() == c.keys()
    assert a != c


@pytest.mark.slow
def test_the_corpus_validates(corpus):
    result, _ = corpus
    report = validate(result.root)
    assert report.conforms, [str(v) for v in report.violations[:5]]
    assert set(report.checked) == {
        "shacl",
        "unknown-term",
        "quote",
        "check",
        "entities",
        "agreement-iri",
        "sources",
        "rdf-term",
    }
    # No stored texts for made-up sources: the quote check says it skipped each one.
    assert sum("has no sc:localCopy" in s for s in report.skipped) == result.sources


def test_one_file_and_one_named_graph_per_source(corpus):
    result, ds = corpus
    files = sorted((result.root / "graph" / "sources").glob("*.trig"))
    assert len(files) == result.sources == 40
    sources = set(ds.subjects(RDF.type, ns.SC.Source))
    assert len(sources) == 40
    graphs = {g.identifier for g in ds.graphs()}
    assert sources <= graphs
    for claim, source in ds.subject_objects(PROV_DERIVED):
        assert (claim, RDF.type, ns.SC.Claim) in ds.graph(source)
    assert (result.root / MARKER).is_file()
    assert (result.root / "ontology" / "shapes.ttl").is_file()
    assert (result.root / "queries" / "checks").is_dir()


def test_the_corpus_is_shaped_like_the_real_data(corpus):
    _, ds = corpus

    def count(cls):
        return len(set(ds.subjects(RDF.type, cls)))

    for cls in (
        ns.SC.Country,
        ns.SC.Region,
        ns.SC.Organization,
        ns.SC.Initiative,
        ns.SC.Mission,
        ns.SC.Payload,
        ns.SC.Participation,
        ns.SC.PayloadDevelopment,
        ns.SC.PayloadCarriage,
        ns.SC.Claim,
    ):
        assert count(cls) > 0, cls
    assert count(ns.SC.Country) > 200  # every ISO 3166-1 country, codes from pycountry at load time
    kinds = set(ds.objects(None, ns.SC.kind))
    for kind in (
        "space-agency",
        "university",
        "research-institute",
        "company",
        "international-organization",
        "publisher",
        "ministry",
    ):
        assert concept("org-kind", kind) in kinds
    certainties = [c for c in ds.objects(None, ns.SC.certainty)]
    stated = certainties.count(concept("certainty", "stated"))
    assert stated / len(certainties) > 0.6
    assert concept("certainty", "hedged") in certainties
    assert {concept("certainty", "contradicted"), concept("certainty", "disputed")} & set(certainties)
    # Contradicting claims name each other, as the Bahrain pair of the real data does.
    for a, b in ds.subject_objects(ns.SC.contradicts):
        assert (b, ns.SC.contradicts, a) in ds
    precisions = set(ds.objects(None, ns.SC.datePrecision))
    assert {concept("date-precision", p) for p in ("day", "month", "year")} <= precisions
    assert set(ds.objects(None, ns.SC.level)) >= {
        concept("level", "national"),
        concept("level", "organization"),
    }
    # Shortcut edges are derived as for real data, and every payload has a developer.
    payloads = set(ds.subjects(RDF.type, ns.SC.Payload))
    assert payloads == {p for p in payloads if (None, ns.SC.develops, p) in ds}


def test_named_queries_run_on_the_corpus(corpus):
    _, ds = corpus
    res = run_query(
        ds,
        "SELECT (COUNT(DISTINCT ?g) AS ?n) WHERE { GRAPH ?g { ?c a <https://w3id.org/spacecoop/ns#Claim> } }",
    )
    assert int(res.rows[0][0]) == 40


def test_size_follows_the_documented_ratio(corpus):
    result, ds = corpus
    expected = FIXED_TRIPLES + TRIPLES_PER_SOURCE * result.sources
    assert 0.75 * expected < len(ds) < 1.25 * expected
    assert sources_for_triples(10_000) < sources_for_triples(100_000) < sources_for_triples(1_000_000)


def test_rewriting_replaces_the_previous_corpus(tmp_path):
    out = tmp_path / "s"
    write_corpus(out, sources=12, seed=1, root=ROOT)
    write_corpus(out, sources=4, seed=1, root=ROOT)
    assert len(list((out / "graph" / "sources").glob("*.trig"))) == 4


def test_refuses_a_folder_it_did_not_write(tmp_path):
    (tmp_path / "notes.txt").write_text("mine")
    with pytest.raises(UsageError, match="not empty"):
        write_corpus(tmp_path, sources=2, seed=1, root=ROOT)
    assert (tmp_path / "notes.txt").read_text() == "mine"


def test_cli(tmp_path, capsys):
    assert (
        main(["--root", str(ROOT), "synth", "--sources", "3", "--seed", "5", "-o", str(tmp_path / "x")]) == 0
    )
    assert "wrote 6 files" in capsys.readouterr().out
    assert main(["--root", str(tmp_path / "x"), "validate"]) == 0
    capsys.readouterr()
    assert main(["synth", "--sources", "0", "-o", str(tmp_path / "y")]) == 2
    assert "--sources" in capsys.readouterr().err
    (tmp_path / "z").mkdir()
    (tmp_path / "z" / "keep.ttl").write_text("")
    assert main(["synth", "--sources", "1", "-o", str(tmp_path / "z")]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("error:") and err.count("\n") == 0
