"""spacecoop.core.derive: the shortcut edges derived from what the files say, inside the graph that
says it; the same edges whether :func:`load` feeds the index as it merges the files, the index is
read from a loaded Dataset (``spacecoop add``), or Oxigraph derives them by SPARQL UPDATE."""

from __future__ import annotations

import shutil
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import Dataset, URIRef
from rdflib.compare import isomorphic
from test_native_load import assert_same_quads, filled_by_rdflib, filled_natively

from spacecoop.core.derive import add_iso_codes, add_shortcuts
from spacecoop.core.load import load
from spacecoop.core.namespaces import SC

E = "https://example.org/"

# Cases where the graph that says a thing decides the edge (written for this test):
# - e:p is a participation typed in e:a only; a member stated of it in e:b gives no edge from e:b;
# - e:agency is typed an organisation in the default graph (not in e:a): a claim at level
#   organisation with a joining status makes it a member (sc:participatesIn), and e:a already
#   states that edge (not added twice, not counted);
# - e:dev, a development in the default graph, gives sc:develops there, and sc:developerCountry in
#   the graph of the source its claim cites, e:unnamed, which no file names: the graph is made;
# - a claim whose prov:wasDerivedFrom is a literal cites no source: no graph for it.
EDGE_CASES = f"""@prefix sc: <https://w3id.org/spacecoop/ns#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@prefix e: <{E}> .
@prefix st: <https://w3id.org/spacecoop/vocab/status/> .
@prefix lv: <https://w3id.org/spacecoop/vocab/level/> .

e:a {{
  e:p a sc:Participation ; org:member e:agency ; org:organization e:bloc .
  e:c1 sc:about e:p ; sc:status st:member ; sc:level lv:organization ; prov:wasDerivedFrom e:a .
  e:agency sc:participatesIn e:bloc .
}}
e:b {{
  e:p org:member e:country .
  e:c2 sc:about e:p ; sc:status st:member ; sc:level lv:national ; prov:wasDerivedFrom e:b .
}}
e:agency a sc:Organization ; sc:basedIn e:country .
e:dev a sc:PayloadDevelopment ; sc:developer e:agency ; sc:payload e:pl .
e:pl a sc:Payload .
e:c3 sc:about e:dev ; prov:wasDerivedFrom e:unnamed , "a literal, not a source" .
"""


def project_with_edge_cases(article_root: Path, tmp_path: Path) -> Path:
    root = shutil.copytree(article_root, tmp_path / "p")
    (root / "graph" / "sources" / "zz-derive-edge-cases.trig").write_text(EDGE_CASES, encoding="utf-8")
    return root


def graphs(ds: Dataset) -> dict[str, set]:
    return {str(g.identifier): set(g) for g in ds.graphs()}


def test_the_edges_are_derived_in_the_graph_that_says_it(article_root, tmp_path):
    ds = load(project_with_edge_cases(article_root, tmp_path)).ds
    a, default = ds.graph(URIRef(E + "a")), ds.default_graph
    agency, bloc, country = URIRef(E + "agency"), URIRef(E + "bloc"), URIRef(E + "country")
    assert (agency, SC.participatesIn, bloc) in a
    assert not list(ds.triples((country, None, bloc))), "no edge from a graph that does not type e:p"
    assert (agency, SC.develops, URIRef(E + "pl")) in default
    unnamed = ds.graph(URIRef(E + "unnamed"))
    assert set(unnamed) == {(URIRef(E + "pl"), SC.developerCountry, country)}
    assert URIRef(E + "b") in {g.identifier for g in ds.graphs()}
    assert not [g for g in ds.graphs() if "a literal" in str(g.identifier)]


def test_the_index_fed_by_load_and_the_one_read_from_a_dataset_give_the_same_edges(article_root, tmp_path):
    root = project_with_edge_cases(article_root, tmp_path)
    fed = load(root).ds
    read = load(root, derive=False).ds
    before = len(read)
    add_iso_codes(read)
    with_codes = len(read)
    added = add_shortcuts(read)  # no index given: read from the Dataset
    assert added == len(read) - with_codes > 0, "the count is of the edges that were not there"
    assert before < with_codes
    got, want = graphs(read), graphs(fed)
    assert sorted(got) == sorted(want)
    for name, triples in want.items():
        g_got, g_want = read.graph(URIRef(name)), fed.graph(URIRef(name))
        assert triples == got[name] or isomorphic(g_got, g_want), name


def test_rdflib_and_oxigraph_derive_the_same_edges_on_the_edge_cases(article_root, tmp_path):
    root = project_with_edge_cases(article_root, tmp_path)
    native = filled_natively(root)
    assert_same_quads(native, filled_by_rdflib(root))
    edge = ox.Quad(
        ox.NamedNode(E + "pl"),
        ox.NamedNode(str(SC.developerCountry)),
        ox.NamedNode(E + "country"),
        ox.NamedNode(E + "unnamed"),
    )
    assert edge in native


# A country and a region of it, written for these tests (the codes are ISO's).
ISO_CASE = """@prefix sc: <https://w3id.org/spacecoop/ns#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix e: <https://example.org/> .
e:us a sc:Country ; skos:prefLabel "United States"@en .
e:hi a sc:Region ; skos:prefLabel "Hawaii"@en ; sc:partOf e:us .
"""


def _iso_dataset(text: str = ISO_CASE) -> Dataset:
    ds = Dataset(default_union=True)
    ds.default_graph.parse(data=text, format="turtle")
    return ds


def _codes(ds: Dataset) -> set[tuple[str, str, str]]:
    return {
        (str(s).rsplit("/", 1)[1], str(p).rsplit("#", 1)[1], str(o))
        for s, p, o in ds.default_graph
        if str(p).startswith(str(SC.iso3166Alpha2)[: -len("Alpha2")])
    }


@pytest.fixture
def fresh_cache(tmp_path, monkeypatch, new_process):
    """An empty cache folder and nothing remembered in this process: as a new process on a new
    machine would start."""
    from spacecoop.core import cache

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return cache


def _no_pycountry(monkeypatch) -> None:
    """Any look-up in pycountry fails the test."""
    from spacecoop.core import derive

    def refuse(*args, **kwargs):
        raise AssertionError("pycountry was asked")

    monkeypatch.setattr(derive, "_country", refuse)
    monkeypatch.setattr(derive, "_subdivision", refuse)


EXPECTED = {
    ("us", "iso3166Alpha2", "US"),
    ("us", "iso3166Alpha3", "USA"),
    ("us", "iso3166Numeric", "840"),
    ("hi", "iso3166Subdivision", "US-HI"),
}


def test_iso_codes_are_remembered_across_processes(fresh_cache, monkeypatch, new_process):
    """The codes looked up once are read back by the next process (no pycountry import, no
    look-up: about 35 ms of a load that keeps its parsed copies at 100k triples)."""
    first = _iso_dataset()
    assert add_iso_codes(first, remember=True) == 4 and _codes(first) == EXPECTED
    assert (fresh_cache.cache_home() / "iso3166.json").is_file()
    new_process()  # a new process: only the file is left
    _no_pycountry(monkeypatch)
    again = _iso_dataset()
    assert add_iso_codes(again, remember=True) == 4 and _codes(again) == EXPECTED


def test_iso_codes_are_the_same_on_both_loaders_and_written_nowhere_unasked(fresh_cache):
    """rdflib's loader and Oxigraph's give a node the same codes; without ``remember`` (the
    memory store, a compiled store) nothing is written to the user's cache."""
    ds = _iso_dataset()
    add_iso_codes(ds)
    native = ox.Store()
    native.load(ISO_CASE.encode(), ox.RdfFormat.TURTLE)
    from spacecoop.store.native import _add_iso_codes

    _add_iso_codes(native)
    got = {
        (q.subject.value.rsplit("/", 1)[1], q.predicate.value.rsplit("#", 1)[1], q.object.value)
        for q in native.quads_for_pattern(None, None, None, ox.DefaultGraph())
        if "iso3166" in q.predicate.value
    }
    assert got == _codes(ds) == EXPECTED
    assert not fresh_cache.cache_home().exists()


def test_a_load_that_keeps_parsed_copies_remembers_iso_codes(
    fresh_cache, monkeypatch, new_process, article_root, tmp_path
):
    """``load(keep_parsed=True)`` (``validate``, ``add``) remembers the codes: the next load of
    the same files asks pycountry nothing and derives the same codes."""
    root = tmp_path / "p"
    shutil.copytree(article_root, root)
    first = load(root, keep_parsed=True)
    codes = {t for t in first.ds.default_graph if "iso3166" in str(t[1])}
    assert codes and (fresh_cache.cache_home() / "iso3166.json").is_file()
    new_process()
    _no_pycountry(monkeypatch)
    again = load(root, keep_parsed=True)
    assert {t for t in again.ds.default_graph if "iso3166" in str(t[1])} == codes


@pytest.mark.parametrize("change", ["labels", "parent", "version", "code"])
def test_iso_codes_are_looked_up_again_when_what_decides_them_changes(
    fresh_cache, monkeypatch, new_process, change
):
    """A remembered answer serves only the same labels, the same parents' labels and the same
    pycountry and code: a label edited, a region moved, pycountry upgraded or the look-up
    changed is looked up again."""
    add_iso_codes(_iso_dataset(), remember=True)
    new_process()
    _no_pycountry(monkeypatch)
    text = ISO_CASE
    if change == "labels":
        text = text.replace('"Hawaii"', '"Hawai\'i"')
    elif change == "parent":
        text = text.replace("sc:partOf e:us", "sc:partOf e:mx") + 'e:mx skos:prefLabel "Mexico"@en .\n'
    elif change == "version":
        monkeypatch.setattr(fresh_cache, "installed_version", lambda name: "0-other")
    else:
        from spacecoop.core import derive

        monkeypatch.setattr(derive, "_code_digest", lambda: "another look-up")
    with pytest.raises(AssertionError, match="pycountry was asked"):
        add_iso_codes(_iso_dataset(text), remember=True)


def test_the_check_queries_answered_ahead_read_the_iso_codes_validate_remembered(
    fresh_cache, monkeypatch, new_process, article_root, tmp_path
):
    """``validate``'s forked process of the check queries derives the ISO codes, when a check
    reads them (a project's own check here: the shipped ones read nothing derived), as
    validate's own load does, from what that load remembered: no pycountry when nothing
    changed, the same rows, and the codes in them."""
    from spacecoop.checks.validate import check_rows_of_files

    root = tmp_path / "p"
    shutil.copytree(article_root, root)
    (root / "queries" / "checks" / "iso-coded-violation.rq").write_text(
        "#+ summary: Nodes with an ISO 3166 alpha-2 code (a check of this test's own).\n"
        "#+ columns: [node, code]\n#+ tags: [checks]\n"
        "PREFIX sc: <https://w3id.org/spacecoop/ns#>\n"
        "SELECT ?node ?code WHERE { ?node sc:iso3166Alpha2 ?code } ORDER BY ?node\n",
        encoding="utf-8",
    )
    load(root, keep_parsed=True)  # remembers the codes
    asked = check_rows_of_files(root)
    codes = dict((name, answers) for name, _, answers in asked)["iso-coded-violation"]
    assert {str(row["code"]) for row in codes} >= {"CN"}
    new_process()  # a new process: only the file is left
    _no_pycountry(monkeypatch)
    assert check_rows_of_files(root) == asked


@pytest.mark.parametrize("which", ["article", "full", "edge cases"])
def test_what_is_derived_depends_only_on_the_predicates_of_reads(which, root, article_root, tmp_path):
    """derive.READS names every predicate the derivations read: derived from the data cut down to
    the triples of those predicates, the edges (and ISO codes) are those derived from all of it
    (the kept load derives nothing again after an edit of no such triple)."""
    from spacecoop.core.derive import READS

    project = {"article": article_root, "full": root}.get(which) or project_with_edge_cases(
        article_root, tmp_path
    )
    whole = load(project, derive=False).ds
    cut = Dataset(default_union=True)
    kept = dropped = 0
    for s, p, o, g in whole.quads((None, None, None, None)):
        if p in READS:
            cut.graph(g.identifier if hasattr(g, "identifier") else g).add((s, p, o))
            kept += 1
        else:
            dropped += 1
    assert kept and dropped  # the cut leaves out something

    def derived(ds) -> set:
        added: list = []
        add_iso_codes(ds, added=added)
        add_shortcuts(ds, added=added)
        return {(s, p, o, getattr(g, "identifier", g)) for s, p, o, g in added}

    want = derived(whole)
    assert want  # something is derived
    assert derived(cut) == want
