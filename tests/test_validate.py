"""Validation: the real graph conforms; every broken fixture fails with its declared violation."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from _article_only import copy_article_project
from rdflib import Dataset

from spacecoop.checks.validate import validate
from spacecoop.cli.app import main
from spacecoop.core.errors import DataError

DATA = Path(__file__).parent / "data"
INVALID = sorted((DATA / "invalid").glob("*.trig"))
SYNTAX = sorted((DATA / "syntax").glob("*"))


def copy_project(root: Path, dest: Path) -> Path:
    """Copy the article-only project (no imported table: smaller, and what the fixtures are about)."""
    return copy_article_project(root, dest)


def expectation(path: Path) -> tuple[str, str, str]:
    first = path.read_text(encoding="utf-8").splitlines()[0]
    assert first.startswith("# expect: "), f"{path.name} must declare its violation on line 1"
    rule, node, message = (part.strip() for part in first[len("# expect: ") :].split("|"))
    return rule, node, message


@pytest.mark.slow
def test_the_graph_conforms(root, loaded):
    report = validate(root, loaded=loaded)
    assert report.violations == ()
    assert report.conforms
    assert report.checked == (
        "shacl",
        "unknown-term",
        "quote",
        "check",
        "entities",
        "agreement-iri",
        "sources",
        "rdf-term",
    )


@pytest.mark.slow
def test_quotes_are_checked_when_the_source_text_is_at_hand(root, loaded):
    if not (root.parent / "shared" / "sources" / "000_c3ae7b912933ff82.txt").is_file():
        pytest.skip("../shared/sources is not at hand on this machine")
    report = validate(root, loaded=loaded)
    # Every source with a stored text is checked; only the imported table's sources, which have
    # no text (the table restates, it does not quote), are skipped.
    assert report.skipped
    assert all("source:table-" in s and "has no sc:localCopy" in s for s in report.skipped)


def test_quote_check_is_skipped_with_a_reason_without_the_texts(root, monkeypatch, tmp_path):
    monkeypatch.setenv("SPACECOOP_SOURCES", str(tmp_path / "nowhere"))
    report = validate(root)
    assert report.conforms
    # The article's stored text is missing (and any other source's); the imported table's sources
    # have no text at all. Each is said, none passes silently.
    missing = [s for s in report.skipped if "not at hand" in s]
    assert any("source:spacenews-2025-04-25-change-8-payloads" in s for s in missing)
    assert all("has no sc:localCopy" in s for s in report.skipped if s not in missing)


def test_every_invalid_fixture_is_found():
    # One file per rule; if a fixture goes missing, this count says so.
    assert len(INVALID) == 32


@pytest.mark.slow
@pytest.mark.parametrize("fixture", INVALID, ids=[p.stem for p in INVALID])
def test_invalid_fixture_fails_with_its_violation(fixture, root, tmp_path, monkeypatch):
    if "quote" in fixture.stem and not (root.parent / "shared" / "sources").is_dir():
        pytest.skip("../shared/sources is not at hand: the quote check cannot run")
    monkeypatch.setenv("SPACECOOP_SOURCES", str(root.parent / "shared" / "sources"))
    rule, node, message = expectation(fixture)
    project = copy_project(root, tmp_path / "project")
    target = project / "graph" / "sources" / fixture.name
    shutil.copy(fixture, target)
    report = validate(project)
    assert not report.conforms
    matching = [v for v in report.violations if v.rule == rule and v.node == node and message in v.message]
    assert matching, "\n".join(str(v) for v in report.violations)
    assert str(target) in matching[0].files
    # The fixture breaks nothing else: every violation concerns a node the fixture mentions.
    for v in report.violations:
        assert str(target) in v.files, f"unexpected violation outside the fixture: {v}"


@pytest.mark.parametrize("fixture", INVALID[:3], ids=[p.stem for p in INVALID[:3]])
def test_validate_command_exits_1_and_names_node_rule_file(fixture, root, tmp_path, capsys):
    rule, node, _message = expectation(fixture)
    project = copy_project(root, tmp_path / "project")
    shutil.copy(fixture, project / "graph" / "sources" / fixture.name)
    assert main(["--root", str(project), "validate"]) == 1
    out = capsys.readouterr().out
    assert node in out and rule in out and fixture.name in out
    assert "does not conform" in out


def test_every_offending_node_is_listed(root, tmp_path):
    project = copy_project(root, tmp_path / "project")
    for name in ("entity-without-label", "country-without-iso-code", "organization-without-kind"):
        shutil.copy(DATA / "invalid" / f"{name}.trig", project / "graph" / "sources")
    nodes = {v.node for v in validate(project).violations}
    assert {"mission:change-99", "country:atlantis", "agent:nameless-institute"} <= nodes


def test_syntax_fixtures_are_found():
    assert len(SYNTAX) == 2


@pytest.mark.parametrize("fixture", SYNTAX, ids=[p.name for p in SYNTAX])
def test_syntax_error_names_file_and_line(fixture, root, tmp_path, capsys):
    expected_line = fixture.read_text().splitlines()[0].split("line ")[1].strip()
    project = copy_project(root, tmp_path / "project")
    folder = "sources" if fixture.suffix == ".trig" else "reference"
    target = project / "graph" / folder / fixture.name
    shutil.copy(fixture, target)
    with pytest.raises(DataError) as info:
        validate(project)
    assert info.value.path == str(target)
    assert any(word in str(info.value) for word in ("expected", "Prefix")), str(info.value)
    assert str(info.value.line) == expected_line
    assert main(["--root", str(project), "validate"]) == 2
    err = capsys.readouterr().err
    assert f"{target}:{expected_line}: syntax error: " in err
    # the parser's reason follows, not an empty message
    assert err.split("syntax error: ", 1)[1].strip()
    assert "Traceback" not in err
    assert err.count("\n") == 1


def test_debug_shows_the_traceback(root, tmp_path):
    project = copy_project(root, tmp_path / "project")
    shutil.copy(DATA / "syntax" / "undefined-prefix.ttl", project / "graph" / "reference")
    with pytest.raises(DataError):
        main(["--root", str(project), "--debug", "validate"])


def test_broken_shapes_file_exits_2(root, tmp_path, capsys):
    project = copy_project(root, tmp_path / "project")
    (project / "ontology" / "shapes.ttl").write_text(
        "@prefix sh: <http://www.w3.org/ns/shacl#> .\n<a> sh:path .\n"
    )
    assert main(["--root", str(project), "validate"]) == 2
    assert "shapes.ttl" in capsys.readouterr().err


def test_skipped_checks_are_one_summary_line_and_listed_with_verbose(root, capsys):
    assert main(["--root", str(root), "validate"]) == 0
    out = capsys.readouterr().out.splitlines()
    skipped = [line for line in out if line.startswith("skipped:")]
    assert len(skipped) == 1
    assert "sources not checked" in skipped[0] and "--verbose" in skipped[0]
    assert main(["--root", str(root), "validate", "--verbose"]) == 0
    verbose = [line for line in capsys.readouterr().out.splitlines() if line.startswith("skipped:")]
    assert len(verbose) == len(validate(root).skipped) > 1


def test_a_violation_on_a_shared_node_names_only_the_file_at_fault(root, tmp_path):
    # The article describes this development; a second source gives it a country as developer.
    # The node sits in both files, but only the second states the bad triple.
    project = copy_project(root, tmp_path / "project")
    node = (
        "development/payload/change-8/pakistan-lunar-rover/org/"
        "pakistan-space-and-upper-atmosphere-research-commission"
    )
    bad = project / "graph" / "sources" / "fixture.trig"
    bad.write_text(
        f"""@base <https://w3id.org/spacecoop/id/> .
@prefix sc: <https://w3id.org/spacecoop/ns#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix schema: <https://schema.org/> .
<source/fixture> a sc:Source ; skos:prefLabel "Test fixture"@en ; schema:publisher <org/elon-musk-monitor> .
<source/fixture> {{ <{node}> sc:developer <country/pakistan> . }}
""",
        encoding="utf-8",
    )
    report = validate(project)
    wrong = [v for v in report.violations if v.rule == "shacl" and v.value == "country:pakistan"]
    assert wrong, "\n".join(map(str, report.violations))
    assert wrong[0].files == (str(bad),)


# ------------------------------------------------------------------------------------------------
# validate and build agree: what validate passes, build, viz and serve (Oxigraph) accept
# ------------------------------------------------------------------------------------------------

RDF_TERM = [p for p in INVALID if expectation(p)[0] == "rdf-term"]


def test_the_rdf_term_fixtures_are_found():
    assert len(RDF_TERM) == 4


def refusals(ds) -> list[str]:
    """What the consumers of a loaded dataset say about it: build's writers, viz's page, Oxigraph."""
    from spacecoop.pages.graph_page import build_pages
    from spacecoop.publish.build import serialize_all
    from spacecoop.store import open_store

    out = []
    for name, step in (
        ("build", lambda: serialize_all(ds)),
        ("viz", lambda: build_pages(ds)),
        ("serve", lambda: open_store("oxigraph", ds).query("SELECT * WHERE { ?s ?p ?o } LIMIT 1")),
    ):
        try:
            step()
        except Exception as exc:
            out.append(f"{name}: {type(exc).__name__}")
    return out


@pytest.mark.slow
@pytest.mark.parametrize("fixture", RDF_TERM, ids=[p.stem for p in RDF_TERM])
def test_what_build_or_serve_refuses_is_a_violation_and_build_writes_nothing(fixture, root, tmp_path, capsys):
    from spacecoop.core.load import load_dataset

    project = copy_project(root, tmp_path / "project")
    target = project / "graph" / "sources" / fixture.name
    shutil.copy(fixture, target)
    assert refusals(load_dataset(project)), "the premise: build, viz or serve refuses this data"
    out = tmp_path / "dist"
    assert main(["--root", str(project), "build", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "rdf-term" in err and str(target) in err and "nothing was written" in err
    assert not out.exists()


@pytest.mark.slow
def test_a_literal_over_16_mib_is_a_violation(root, tmp_path):
    """Oxigraph refuses a term over 16 MiB ("Reached the buffer maximal size"); rdflib reads it."""
    import pyoxigraph

    project = copy_project(root, tmp_path / "project")
    lines = (DATA / "invalid" / "misspelt-property.trig").read_text(encoding="utf-8").splitlines()[1:]
    text = (
        "\n".join(lines)
        .replace(" sc:certanity certainty:stated ;", "")
        .replace(
            "prov:wasDerivedFrom <source/fixture> .",
            'prov:wasDerivedFrom <source/fixture> ; sc:note "' + "x" * (17 * 2**20) + '"@en .',
        )
    )
    target = project / "graph" / "sources" / "huge-literal.trig"
    target.write_text(text, encoding="utf-8")
    with pytest.raises(MemoryError, match="buffer maximal size"):
        list(
            pyoxigraph.parse(
                path=str(target), format=pyoxigraph.RdfFormat.TRIG, base_iri="https://w3id.org/spacecoop/id/"
            )
        )
    report = validate(project)
    found = [v for v in report.violations if v.rule == "rdf-term"]
    assert len(found) == 1 and found[0].files == (str(target),) and found[0].node == "id:claim/fixture/c1"
    assert "a literal of 17,825,797 bytes, over the 8 MiB limit for one term" in found[0].message
    assert len(str(found[0])) < 1000


XSD_NS = "http://www.w3.org/2001/XMLSchema#"
RDF_NS = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
TRICKY_IRIS = [
    "http://example.org/a'b",
    "http://example.org/~x",
    "urn:x:y",
    "mailto:a@b.c",
    "http://example.org/%20",
    "http://example.org/é",
    "http://example.org/a?b=c&d",
    "tag:a,2020:x",
    "http://example.org/😀",
    "http://ex.org/a(b)",
    "http://ex.org/a*b!$;=,",
    "http://[::1]/x",
    "http://example.org/a%2F",
    "http://example.org/\u2028",
    "http://example.org/\x85",
    "http://example.org/\ufffe",
]
TRICKY_LITERALS = [
    ("\x00", None, None),
    ("\x7f", None, None),
    ("a\u2028b", None, None),
    ("a\x85b\x0cc\x1dd", None, None),
    ("\ufffe", None, None),
    ("\U0010ffff", None, None),
    ("😀", None, None),
    ("\\", None, None),
    ('"""', None, None),
    ("a\nb", None, None),
    ("a\n@prefix x: <y> .\nb", None, None),
    ("a\rb", None, None),
    ("\t", None, None),
    ("'''", None, None),
    ("</script>", None, None),
    ("x", "en-Latn-GB", None),
    ("x", "x-private", None),
    ("x", "EN", None),
    ("abc", None, XSD_NS + "integer"),
    ("2024-02-30", None, XSD_NS + "date"),
    ("x", None, "http://example.org/dt"),
    ("<b>x</b>", None, RDF_NS + "HTML"),
    ("x\ud800", None, None),
    ("x", "en-verylongsubtag", None),
]


def tricky_terms():
    from rdflib import Literal, URIRef

    yield from (URIRef(i) for i in TRICKY_IRIS)
    for text, lang, dt in TRICKY_LITERALS:
        yield Literal(text, lang=lang, datatype=URIRef(dt) if dt else None)


@pytest.mark.parametrize("term", list(tricky_terms()), ids=lambda t: repr(t)[:40])
def test_every_term_the_check_accepts_builds_reads_back_draws_and_serves(term):
    """What the rdf-term rule lets through, build writes in a form rdflib and Oxigraph read back,
    viz draws and Oxigraph loads; what it stops, one of them fails on (so the rule is not too wide)."""
    import logging

    import pyoxigraph
    from rdflib import RDF, SKOS, Dataset, Literal, URIRef
    from rdflib.compare import isomorphic

    from spacecoop.core.namespaces import SC
    from spacecoop.core.termcheck import TermCheck
    from spacecoop.publish.build import serialize_all

    logging.getLogger("rdflib").setLevel(logging.CRITICAL)
    ds = Dataset(default_union=True)
    g = ds.graph(URIRef("http://example.org/g"))
    node = term if isinstance(term, URIRef) else URIRef("http://example.org/c")
    g.add((node, RDF.type, SC.Country))
    g.add((node, SKOS.prefLabel, term if isinstance(term, Literal) else Literal("c")))
    g.add((URIRef("http://example.org/s"), URIRef("http://example.org/p"), term))
    problem = TermCheck().problem(term)
    if problem is not None:
        assert refusals(ds) or "rdflib cannot read back" in problem, problem
        return
    assert refusals(ds) == []
    files = serialize_all(ds)
    for name, fmt, ox in (
        ("spacecoop.trig", "trig", pyoxigraph.RdfFormat.TRIG),
        ("spacecoop.nq", "nquads", pyoxigraph.RdfFormat.N_QUADS),
    ):
        back = Dataset()
        back.parse(data=files[name].decode("utf-8"), format=fmt)
        assert isomorphic(back.graph(URIRef("http://example.org/g")), g), name
        assert len(list(pyoxigraph.parse(files[name], format=ox))) == 3, name
    assert len(list(pyoxigraph.parse(files["spacecoop.ttl"], format=pyoxigraph.RdfFormat.TURTLE))) == 3


def test_a_quoted_source_without_stored_text_is_named_in_the_summary(root, tmp_path, capsys):
    # It used to be one "skipped" line among 97 (a misspelt local-copy property looks the same).
    project = copy_project(root, tmp_path / "project")
    (project / "graph" / "sources" / "fixture.trig").write_text(
        """@base <https://w3id.org/spacecoop/id/> .
@prefix sc: <https://w3id.org/spacecoop/ns#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix schema: <https://schema.org/> . @prefix prov: <http://www.w3.org/ns/prov#> .
@prefix org: <http://www.w3.org/ns/org#> .
<source/fixture> a sc:Source ; skos:prefLabel "Test fixture"@en ; schema:publisher <org/elon-musk-monitor> ;
    schema:localcopy "000_c3ae7b912933ff82.txt" .
<source/fixture> {
    <participation/country/china/initiative/international-lunar-research-station> a sc:Participation ;
        org:member <country/china> ; org:organization <initiative/international-lunar-research-station> .
    <claim/fixture/c1> a sc:Claim ;
        sc:about <participation/country/china/initiative/international-lunar-research-station> ;
        sc:status <https://w3id.org/spacecoop/vocab/status/leader> ;
        sc:level <https://w3id.org/spacecoop/vocab/level/national> ;
        sc:quote "The selection includes a number of countries" ;
        sc:certainty <https://w3id.org/spacecoop/vocab/certainty/stated> ;
        prov:wasDerivedFrom <source/fixture> .
}
""",
        encoding="utf-8",
    )
    assert main(["--root", str(project), "validate"]) == 0
    line = next(x for x in capsys.readouterr().out.splitlines() if x.startswith("skipped:"))
    assert "1 QUOTED but without a stored text, so never checked (source:fixture)" in line


@pytest.mark.slow
def test_validate_after_each_edit_says_what_a_run_from_scratch_says(root, tmp_path, monkeypatch, capsys):
    """``spacecoop validate`` with everything kept from the runs before (the report, the parsed
    files and their term checks, the SHACL results, the quads read once per run) prints and exits
    exactly as a run with an empty cache, through a sequence of edits."""
    texts = root.parent / "shared" / "sources"
    if not texts.is_dir():
        pytest.skip("the stored source texts are not at hand")
    monkeypatch.setenv("SPACECOOP_SOURCES", str(texts))
    project = copy_project(root, tmp_path / "project")
    sources = project / "graph" / "sources"
    warm = tmp_path / "warm"
    fresh = iter(range(100))

    def run(cache: Path) -> tuple[int, str]:
        monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
        capsys.readouterr()
        code = main(["--root", str(project), "validate", "--verbose"])
        return code, capsys.readouterr().out

    def check(edit: str, conforms: bool) -> None:
        kept = run(warm)
        scratch = run(tmp_path / f"fresh-{next(fresh)}")
        assert kept == scratch, edit
        assert (kept[0] == 0) == conforms, (edit, kept)

    check("cold", True)
    check("unchanged", True)
    source = sorted(sources.glob("*.trig"))[0]
    text = source.read_text(encoding="utf-8")
    quoted = text.index('sc:quote "') + len('sc:quote "')
    source.write_text(text[:quoted] + "Reportedly, " + text[quoted:], encoding="utf-8")
    check("a quote edited", False)  # no longer verbatim in the stored text
    source.write_text(text, encoding="utf-8")
    check("the quote back", True)
    for name in ("misspelt-property", "language-tag-oxigraph-refuses", "entity-defined-nowhere"):
        shutil.copy(DATA / "invalid" / f"{name}.trig", sources / f"{name}.trig")
    check("files with violations added", False)
    bad = sources / "language-tag-oxigraph-refuses.trig"
    bad.write_text(bad.read_text(encoding="utf-8") + "\n# edited\n", encoding="utf-8")
    check("a file with a refused term edited", False)
    (sources / "misspelt-property.trig").unlink()
    (sources / "entity-defined-nowhere.trig").unlink()
    check("files removed", False)
    bad.unlink()
    check("the last violation removed", True)
    (sources / "shared.trig").write_text(
        "<https://w3id.org/spacecoop/id/country/iran> a <https://w3id.org/spacecoop/ns#Organization> .\n",
        encoding="utf-8",
    )
    check("a shared entity touched", False)
    check("unchanged again", False)


def test_a_violation_is_printed_with_its_escape_sequences_written_out(capsys):
    """The value that breaks a rule is printed, but an escape sequence in it (which would clear
    the screen, or hide the lines after it) is written out, not sent to the terminal."""
    from spacecoop.checks.validate import ValidationReport, Violation
    from spacecoop.cli.report import print_validation

    bad = Violation("country:x\x1b[8m", "sh:datatype", "not a date", ("graph/a\x07.trig",), "2024\x1b[2J")
    print_validation(ValidationReport((bad,)))
    out = capsys.readouterr().out
    assert "\x1b" not in out and "\x07" not in out
    assert "country:x\\x1b[8m" in out and "(value: 2024\\x1b[2J)" in out and "graph/a\\x07.trig" in out


@pytest.mark.parametrize("tags", [(None, "en"), ("en", None), ("en", "fr", None)])
def test_a_blank_node_is_named_by_one_label_whichever_order_the_store_keeps(tags):
    """A blank node labelled with one text untagged and tagged is named by the untagged literal,
    not by whichever of them the store happens to give first."""
    from rdflib import BNode, Dataset, Literal, URIRef

    from spacecoop.checks.validate import shown_node
    from spacecoop.core.load import Loaded

    ds = Dataset(default_union=True)
    office, pref = BNode(), URIRef("http://www.w3.org/2004/02/skos/core#prefLabel")
    for tag in tags:
        ds.add((office, pref, Literal("Office", lang=tag)))
    assert shown_node(Loaded(ds), office) == '[ skos:prefLabel "Office" ]'


def test_undeclared_terms_are_found_wherever_they_stand(root, tmp_path):
    """``check_terms`` names each term of our namespaces the ontology does not declare, once per
    subject that uses it, as a subject, a predicate or an object; the ontology's own IRI, other
    namespaces and literals that read like our IRIs are not terms of it."""
    from spacecoop.checks.validate import check_terms
    from spacecoop.core.load import load

    project = copy_project(root, tmp_path / "project")
    (project / "graph" / "sources" / "undeclared.trig").write_text(
        """@base <https://w3id.org/spacecoop/id/> .
@prefix sc: <https://w3id.org/spacecoop/ns#> .
@prefix status: <https://w3id.org/spacecoop/vocab/status/> .
@prefix ex: <http://example.org/> .
<source/undeclared> {
  <claim/u1> sc:certanity sc:Stated ; sc:note "https://w3id.org/spacecoop/ns#Literal" ;
    ex:about <https://w3id.org/spacecoop/ns> ; ex:also ex:Thing .
  <claim/u2> sc:certanity status:dreamt .
  sc:Undeclared ex:p <claim/u1> .
}
""",
        encoding="utf-8",
    )
    found = {(v.node, v.message) for v in check_terms(load(project))}
    assert found == {
        ("id:claim/u1", "uses sc:certanity, which the ontology does not declare"),
        ("id:claim/u1", "uses sc:Stated, which the ontology does not declare"),
        ("id:claim/u2", "uses sc:certanity, which the ontology does not declare"),
        ("id:claim/u2", "uses status:dreamt, which the ontology does not declare"),
        ("sc:Undeclared", "uses sc:Undeclared, which the ontology does not declare"),
    }


def test_quotes_are_checked_against_each_claims_own_source(root, tmp_path, monkeypatch):
    """``check_quotes`` reads each claim's source and quote from every graph: a quote found in
    its source's text passes, one that is not is a violation naming the claim, a claim with two
    sources is checked against the first by IRI, and a quoted source without a text is said."""
    from spacecoop.checks.validate import check_quotes
    from spacecoop.core.layout import Layout
    from spacecoop.core.load import load

    texts = tmp_path / "texts"
    texts.mkdir()
    (texts / "a.txt").write_text("The two agencies agreed\n to share   a rover.", encoding="utf-8")
    (texts / "b.txt").write_text("Nothing about rovers here.", encoding="utf-8")
    monkeypatch.setenv("SPACECOOP_SOURCES", str(texts))
    project = copy_project(root, tmp_path / "project")
    (project / "graph" / "sources" / "quotes.trig").write_text(
        """@base <https://w3id.org/spacecoop/id/> .
@prefix sc: <https://w3id.org/spacecoop/ns#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
<source/qa> a sc:Source ; sc:localCopy "a.txt" .
<source/qb> a sc:Source ; sc:localCopy "b.txt" .
<source/qc> a sc:Source .
<source/qa> {
  <claim/q-found> sc:quote "agreed to share a rover" ; prov:wasDerivedFrom <source/qa> .
  <claim/q-missing> sc:quote "agreed to build a lander" ; prov:wasDerivedFrom <source/qa> .
}
<source/qb> {
  <claim/q-two> sc:quote "to share a rover" ; prov:wasDerivedFrom <source/qb> .
  <claim/q-unchecked> sc:quote "anything at all" ; prov:wasDerivedFrom <source/qc> .
}
<source/qa> { <claim/q-two> prov:wasDerivedFrom <source/qa> . }
""",
        encoding="utf-8",
    )
    loaded = load(project)
    with monkeypatch.context() as refused:  # the sources read from the store's own indexes

        def refuse(*args, **kwargs):
            raise AssertionError("the Dataset's look-ups were asked")

        refused.setattr(Dataset, "value", refuse)
        refused.setattr(Dataset, "subjects", refuse)
        violations, skipped = check_quotes(loaded, Layout(project))
    mine = sorted((v.node, v.value) for v in violations if v.node.startswith("id:claim/q-"))
    assert mine == [("id:claim/q-missing", "'agreed to build a lander'")]
    assert any("source:qc" in s and "1 claims quote it but it has no stored text" in s for s in skipped), (
        skipped
    )
    assert not any("source:qa" in s or "source:qb" in s for s in skipped)
    from spacecoop.core import rdfbulk

    monkeypatch.setattr(rdfbulk, "CHECKED_VERSIONS", frozenset({"0.0"}))  # an rdflib not checked
    assert check_quotes(loaded, Layout(project)) == (violations, skipped)


# ------------------------------------------------------------------------------------------------
# the check queries answered ahead, on the files loaded without derivation
# ------------------------------------------------------------------------------------------------


def test_no_shipped_check_query_reads_what_derivation_adds(root):
    """``validate``'s forked process loads the files without what core.derive adds when no check
    query reads it (``reads_derived``): none of the shipped ones does; a named query that does
    (``country-partners``: sc:developerCountry) is told."""
    from spacecoop.checks.validate import reads_derived
    from spacecoop.sparql.query import list_queries

    assert [q.name for q in list_queries(root, checks=True) if reads_derived(q.text_for("oxigraph"))] == []
    named = {q.name: q for q in list_queries(root)}
    assert reads_derived(named["country-partners"].text_for("oxigraph"))


@pytest.mark.parametrize(
    ("text", "reads"),
    [
        ("SELECT ?x WHERE { ?x <https://w3id.org/spacecoop/ns#develops> ?y }", True),
        ("SELECT ?x WHERE { ?x sc:iso3166Alpha2 ?code }", True),
        ("# sc:develops, in a comment\nSELECT ?x WHERE { ?x a sc:Payload }", False),
        ('SELECT ?x WHERE { ?x sc:quote """two\nlines # no comment""" ; ?p ?o }', True),
        ('SELECT ?x WHERE { ?x sc:quote """a # b""" . }', False),
        ('SELECT ?s WHERE { ?s sc:quote "select ?x" . ?s ?p ?o }', True),
        ("SELECT ?x ?y WHERE { VALUES (?x ?y) { (1 2) } ?x sc:about ?y } GROUP BY ?x ?y ORDER BY ?y", False),
        ("SELECT ?x WHERE { GRAPH ?g { ?x sc:about ?y } FILTER(!BOUND(?y) && ?x != ?y) }", False),
        ("SELECT ?x WHERE { ?x !(sc:quote|sc:about) ?y }", True),
        ("SELECT ?x WHERE { { SELECT ?x ?y WHERE { ?x sc:about ?y } } ?x ?p ?o }", True),
        # a variable predicate between two terms that are not variables
        ("SELECT ?p WHERE { <urn:a> ?p <urn:b> }", True),
        ('ASK { id:a ?p "x"@en }', True),
        ("ASK { id:a?p 5 }", True),
        ("ASK { [ ?p id:b ] }", True),
        ("ASK { ( id:a ) ?p [] }", True),
        ("ASK { ?c skos:broader* ?top . ?x sc:certainty ?c ; sc:about [ sc:status ?s ] }", False),
    ],
)
def test_what_reads_derived_counts_as_reading_derived_edges(text, reads):
    """A derived predicate named (in an IRI or a prefixed name, not in a comment), or a variable
    or a negated set where a predicate stands (not in projections, keys, VALUES or strings)."""
    from spacecoop.checks.validate import reads_derived

    assert reads_derived(text) is reads


def _comparable(rows) -> list:
    """Check rows with each blank node as one placeholder (two parses label them their own way)."""
    from rdflib import BNode

    return [
        (name, [{k: "_:b" if isinstance(v, BNode) else v for k, v in row.items()} for row in answers])
        for name, _, answers in rows
    ]


@pytest.mark.slow
def test_the_check_rows_of_the_files_underived_are_those_of_the_derived_data(root, tmp_path, monkeypatch):
    """Every invalid fixture Oxigraph can load, in one project: the rows of every check query on
    the files loaded without derivation (the derivations refused) are those on the derived data,
    and several checks find something."""
    from spacecoop.checks.validate import _rows_of, check_rows_of_files
    from spacecoop.store import OxigraphStore, native

    project = copy_project(root, tmp_path / "project")
    for fixture in INVALID:
        if fixture not in RDF_TERM:
            shutil.copy(fixture, project / "graph" / "sources" / fixture.name)
    derived = OxigraphStore()
    native.load_project(derived.store, project)
    want = _comparable(_rows_of(derived, project))

    def refuse(*args, **kwargs):
        raise AssertionError("derived for the check queries")

    for name in ("_add_shortcuts", "_add_developer_countries", "_add_iso_codes"):
        monkeypatch.setattr(native, name, refuse)
    got = _comparable(check_rows_of_files(project))
    assert got == want
    assert len([name for name, answers in got if answers]) >= 5


def test_a_check_query_that_reads_derived_edges_is_answered_on_the_derived_data(root, tmp_path):
    """A project's own check query that reads a derived predicate (sc:developerCountry) gets the
    derived edges: its rows are those of the derived data, not none."""
    from spacecoop.checks.validate import _rows_of, check_rows_of_files
    from spacecoop.store import OxigraphStore, native

    project = copy_project(root, tmp_path / "project")
    (project / "queries" / "checks" / "developer-country-violation.rq").write_text(
        "#+ summary: Payloads and the parties their developers stand for (a check of this test's own).\n"
        "#+ columns: [node, party]\n#+ tags: [checks]\n"
        "PREFIX sc: <https://w3id.org/spacecoop/ns#>\n"
        "SELECT DISTINCT ?node ?party WHERE { ?node sc:developerCountry ?party } ORDER BY ?node ?party\n",
        encoding="utf-8",
    )
    got = dict((name, answers) for name, _, answers in check_rows_of_files(project))
    derived = OxigraphStore()
    native.load_project(derived.store, project)
    want = dict((name, answers) for name, _, answers in _rows_of(derived, project))
    assert got["developer-country-violation"] == want["developer-country-violation"] != []
    assert got == want


def _violating_source() -> tuple[Path, bytes]:
    """A source file of this test's own that one check query flags (a payload nobody develops)."""
    fixture = DATA / "invalid" / "payload-without-developer.trig"
    return fixture, fixture.read_bytes()


def test_check_rows_of_files_take_a_file_not_yet_written_and_leave_one_out(root, tmp_path):
    """What ``spacecoop add`` hands the forked process of the check queries: the project without
    the previous version of the file it writes (``exclude``) and with the new one as bytes
    (``extra``). The rows are those of the project with the files as they would then be."""
    from spacecoop.checks.validate import check_rows_of_files

    project = copy_project(root, tmp_path / "project")
    rule = "payload-without-developer-violation"
    fixture, data = _violating_source()
    target = project / "graph" / "sources" / fixture.name

    def flagged(rows) -> list:
        return next(answers for name, _, answers in rows if name == rule)

    assert flagged(check_rows_of_files(project)) == []
    given = check_rows_of_files(project, extra=[(target, data)])  # not written: given as bytes
    assert not target.exists()
    assert flagged(given) != []
    asked: list[int] = []  # or given by a callable, once the project's files are parsed
    later = check_rows_of_files(project, extra=lambda: asked.append(1) or [(target, data)])
    assert asked == [1] and _comparable(later) == _comparable(given)
    target.write_bytes(data)
    assert _comparable(check_rows_of_files(project)) == _comparable(given)  # as once written
    assert flagged(check_rows_of_files(project, exclude=[target])) == []  # left out
    # the new version of a file replaces the old one (here an empty one): its old rows go with it
    assert flagged(check_rows_of_files(project, exclude=[target], extra=[(target, b"")])) == []


def test_check_rows_of_files_with_a_file_not_yet_written_through_rdflib(root, tmp_path, monkeypatch):
    """A file Oxigraph's loader doubts (``<<``, which may be RDF 1.2) has the project loaded through
    rdflib: a file given as bytes is merged there too, and one left out stays out."""
    from spacecoop.checks.validate import check_rows_of_files
    from spacecoop.store import native

    through: list = []
    real = native._load_through_rdflib
    monkeypatch.setattr(native, "_load_through_rdflib", lambda *a: through.append(a) or real(*a))
    project = copy_project(root, tmp_path / "project")
    (project / "graph" / "sources" / "zz-arrows.trig").write_text(
        '@prefix ex: <https://example.org/arrows/> .\nex:g { ex:s ex:says "a << b" . }\n', encoding="utf-8"
    )
    rule = "payload-without-developer-violation"
    fixture, data = _violating_source()
    target = project / "graph" / "sources" / fixture.name
    shutil.copy(fixture, project / "graph" / "sources" / "zz-old.trig")
    rows = dict(
        (name, answers)
        for name, _, answers in check_rows_of_files(
            project, exclude=[project / "graph" / "sources" / "zz-old.trig"], extra=[(target, data)]
        )
    )
    assert len(through) == 1  # the project went through rdflib
    assert rows[rule] != []
    assert all(str(row["node"]).startswith("https://w3id.org/spacecoop/id/") for row in rows[rule])
    left_out = dict(
        (name, answers)
        for name, _, answers in check_rows_of_files(
            project, exclude=[project / "graph" / "sources" / "zz-old.trig"]
        )
    )
    assert left_out[rule] == [] and len(through) == 2
