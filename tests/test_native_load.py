"""spacecoop.store.native: Oxigraph parses the project's files itself and the store holds exactly what
the rdflib path (load_dataset, derive, OxigraphStore.load) puts there, on every graph; broken files are
refused naming file and line; an on-disk store is never left half-filled."""

from __future__ import annotations

import os
import shutil
from collections import defaultdict
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph
from rdflib.compare import isomorphic

from spacecoop.core.errors import DataError, SpacecoopError
from spacecoop.core.load import load_dataset
from spacecoop.core.namespaces import ONTOLOGY_GRAPH, SC
from spacecoop.core.rdfterms import from_oxigraph
from spacecoop.store import OxigraphStore, open_store
from spacecoop.store.engine import open_engine
from spacecoop.store.native import load_project, load_project_on_disk

pytestmark = [pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
CHANGE8 = "spacenews-2025-04-25-change-8-payloads.trig"


@pytest.fixture(scope="module")
def synth_root(tmp_path_factory) -> Path:
    from spacecoop.importers.synth import write_corpus

    out = tmp_path_factory.mktemp("native-synth") / "corpus"
    write_corpus(out, 40, 0, root=ROOT)
    return out


def graphs_of(store: ox.Store) -> dict[str, Graph]:
    """Each graph of the store (``""`` the default graph) as an rdflib Graph."""
    out: dict[str, Graph] = defaultdict(Graph)
    for q in store:
        name = "" if isinstance(q.graph_name, ox.DefaultGraph) else str(q.graph_name)
        name = "_:blank" if isinstance(q.graph_name, ox.BlankNode) else name  # one such graph at most
        out[name].add((from_oxigraph(q.subject), from_oxigraph(q.predicate), from_oxigraph(q.object)))
    return dict(out)


def assert_same_quads(native: ox.Store, reference: ox.Store) -> None:
    """Same graph names, and each graph the same triples (isomorphic where it holds blank nodes)."""
    got, want = graphs_of(native), graphs_of(reference)
    assert sorted(got) == sorted(want)
    for name, g in want.items():
        if any(isinstance(t, BNode) for triple in g for t in triple):
            assert isomorphic(got[name], g), f"graph {name or 'default'} differs"
        else:
            assert set(got[name]) == set(g), (
                f"graph {name or 'default'}: only native {sorted(set(got[name]) - set(g))[:5]}, "
                f"only rdflib {sorted(set(g) - set(got[name]))[:5]}"
            )


def filled_by_rdflib(root: Path) -> ox.Store:
    store = open_store("oxigraph", load_dataset(root))
    assert isinstance(store, OxigraphStore)
    return store.store


def filled_natively(root: Path) -> ox.Store:
    store = ox.Store()
    assert load_project(store, root).fallback is None
    return store


class _NoBulkLoader:
    """A pyoxigraph store in memory whose ``bulk_load`` fails the test; all else is the store's."""

    def __init__(self) -> None:
        self.store = ox.Store()

    def bulk_load(self, *args, **kwargs):
        raise AssertionError("bulk_load was called")

    def __getattr__(self, name):
        return getattr(self.store, name)


def test_each_file_is_parsed_by_load_not_by_the_bulk_loader(synth_root):
    """A source file is parsed by ``Store.load``: the bulk loader's setup per call cost more than
    the parse of a small file (the load at 100k triples 0.90 -> 0.77 s, at 1M 10.4 -> 9.4 s,
    side by side); the same quads as the rdflib path."""
    proxy = _NoBulkLoader()
    assert load_project(proxy, synth_root).fallback is None  # type: ignore[arg-type]
    assert_same_quads(proxy.store, filled_by_rdflib(synth_root))


@pytest.mark.parametrize("which", ["real", "article", "synth"])
def test_native_load_holds_what_the_rdflib_path_holds(which, article_root, synth_root):
    root = {"real": ROOT, "article": article_root, "synth": synth_root}[which]
    native = filled_natively(root)
    assert_same_quads(native, filled_by_rdflib(root))
    # the derived parts are there, not just the files: shortcut edges in a source graph and in the
    # merge, ISO codes in the default graph, the ontology in its own graph
    assert native.query(f"ASK {{ GRAPH ?g {{ ?m <{SC.carries}> ?p }} ?m <{SC.carries}> ?p }}")
    assert native.query(f"ASK {{ ?c <{SC.iso3166Alpha2}> ?code }}")
    assert native.query(f"ASK {{ GRAPH <{ONTOLOGY_GRAPH}> {{ <{SC.Country}> ?p ?o }} }}")


def test_workspace_files_are_read_on_top_of_the_shipped_data(tmp_path):
    from spacecoop.core.workspace import init_workspace

    ws = tmp_path / "ws"
    init_workspace(ws)
    shutil.copy(
        ROOT / "tests" / "data" / "workspace" / "analyst-note-mongolia-ilrs.trig", ws / "graph" / "sources"
    )
    native = filled_natively(ws)
    assert_same_quads(native, filled_by_rdflib(ws))
    own = [g for g in native.named_graphs() if "workspace-fixture-note" in str(g)]
    assert own, "the workspace's own source is a named graph of the store"


def test_a_relationship_stated_in_the_default_graph_gets_its_edges_there(tmp_path, article_root):
    root = shutil.copytree(article_root, tmp_path / "p")
    (root / "graph" / "reference" / "zz-default-development.ttl").write_text(
        "@prefix sc: <https://w3id.org/spacecoop/ns#> .\n"
        "<https://example.org/dev> a sc:PayloadDevelopment ; sc:developer <https://example.org/org> ;\n"
        "    sc:payload <https://example.org/payload> .\n",
        encoding="utf-8",
    )
    native = filled_natively(root)
    assert_same_quads(native, filled_by_rdflib(root))
    edge = ox.Quad(
        ox.NamedNode("https://example.org/org"),
        ox.NamedNode(str(SC.develops)),
        ox.NamedNode("https://example.org/payload"),
    )
    assert edge in native


def test_blank_nodes_and_a_graph_named_by_one_stay_one_node_in_the_graph_and_the_merge(
    tmp_path, article_root
):
    root = shutil.copytree(article_root, tmp_path / "p")
    (root / "graph" / "sources" / "zz-blank.trig").write_text(
        '_:g { <https://e.org/a> <https://e.org/b> _:x . _:x <https://e.org/c> "1" }\n'
        '<https://e.org/s> { <https://e.org/a> <https://e.org/b> [ <https://e.org/c> "2" ] }\n',
        encoding="utf-8",
    )
    native = filled_natively(root)
    assert_same_quads(native, filled_by_rdflib(root))
    # the blank node of a named graph is the same node in the merge
    assert native.query(
        "ASK { GRAPH <https://e.org/s> { ?a <https://e.org/b> ?x } "
        "?a <https://e.org/b> ?x FILTER(isBlank(?x)) }"
    )
    # loaded in memory and copied onto disk (as the compiled store is): the same quads, and the
    # blank nodes still one node each in their graph and in the merge
    disk = ox.Store(str(tmp_path / "disk"))
    assert load_project_on_disk(disk, root).fallback is None
    assert_same_quads(disk, native)
    assert disk.query(
        "ASK { GRAPH <https://e.org/s> { ?a <https://e.org/b> ?x } "
        "?a <https://e.org/b> ?x FILTER(isBlank(?x)) }"
    )
    assert disk.query(
        'ASK { GRAPH ?g { ?a <https://e.org/b> ?x . ?x <https://e.org/c> "1" } FILTER(isBlank(?g)) }'
    )


def test_the_load_onto_disk_holds_what_the_load_in_memory_holds(synth_root, tmp_path):
    disk = ox.Store(str(tmp_path / "disk"))
    assert load_project_on_disk(disk, synth_root).fallback is None
    assert_same_quads(disk, filled_natively(synth_root))


def test_the_load_onto_disk_leaves_the_store_untouched_when_a_file_breaks(article_root, tmp_path):
    root = shutil.copytree(article_root, tmp_path / "p")
    (root / "graph" / "sources" / "zz-broken.trig").write_text("<a> <b> .\n", encoding="utf-8")
    disk = ox.Store(str(tmp_path / "disk"))
    disk.add(ox.Quad(ox.NamedNode("https://e.org/kept"), ox.NamedNode("https://e.org/p"), ox.Literal("1")))
    with pytest.raises(DataError, match=r"zz-broken\.trig"):
        load_project_on_disk(disk, root)
    assert len(disk) == 1  # refused before the store was written


# --- broken files --------------------------------------------------------------------------------


def broken_copy(article_root: Path, tmp_path: Path, folder: str, name: str, text: str) -> tuple[Path, Path]:
    root = shutil.copytree(article_root, tmp_path / "p")
    bad = root / "graph" / folder / name
    bad.write_text(text, encoding="utf-8")
    return root, bad


@pytest.mark.parametrize(
    ("folder", "name", "text", "line", "why"),
    [
        (
            "sources",
            "bad.trig",
            "<https://e.org/g> {\n  <https://e.org/a> <https://e.org/b> .\n}\n",
            2,
            "syntax error",
        ),
        ("reference", "bad.ttl", "<https://e.org/a> <https://e.org/b>\n  <https://e.org/c d> .\n", 2, "IRI"),
        ("reference", "bad.ttl", '<https://e.org/a> <https://e.org/b> "x"@abcdefghijk .\n', 1, "subtag"),
        (
            "sources",
            "bad.trig",
            '<https://e.org/g> { <https://e.org/a> <https://e.org/b> "\\uD800" }\n',
            1,
            "D800",
        ),
        (  # a file the term check parses first (a space outside ASCII): its syntax error too
            "reference",
            "bad.ttl",
            '<https://e.org/a> <https://e.org/b> "x\u00a0y" .\n<https://e.org/a> <https://e.org/b> .\n',
            2,
            "syntax error",
        ),
    ],
)
def test_a_broken_file_is_refused_naming_file_and_line(article_root, tmp_path, folder, name, text, line, why):
    root, bad = broken_copy(article_root, tmp_path, folder, name, text)
    store = ox.Store()
    with pytest.raises(DataError, match=why) as err:
        load_project(store, root)
    assert err.value.path == str(bad) and err.value.line == line
    assert str(err.value).startswith(f"{bad}:{line}: ")
    assert len(store) == 0, "nothing half-filled"


def test_an_iri_oxigraph_takes_but_the_term_check_refuses_is_refused(article_root, tmp_path):
    # U+00A0 is an IRI character for Oxigraph; the writers of build and rdflib's reader refuse it
    root, bad = broken_copy(
        article_root,
        tmp_path,
        "reference",
        "nbsp.ttl",
        "<https://e.org/a\u00a0b> <https://e.org/p> <https://e.org/c> .\n",
    )
    with pytest.raises(DataError, match="space character U\\+00A0") as err:
        load_project(ox.Store(), root)
    assert err.value.path == str(bad)


def test_rdf12_syntax_is_a_doubt_and_takes_the_rdflib_path(article_root, tmp_path, caplog):
    # "<<" inside a literal is plain Turtle, but in a file's bytes it may be an RDF 1.2 triple term
    root, quoted = broken_copy(
        article_root, tmp_path, "reference", "quote.ttl", '<https://e.org/a> <https://e.org/p> "a << b" .\n'
    )
    store = ox.Store()
    result = load_project(store, root)
    assert result.fallback and str(quoted) in result.fallback
    assert "through rdflib" in caplog.text
    assert_same_quads(store, filled_by_rdflib(root))


# --- Oxigraph stores ---------------------------------------------------------------------------------


def test_open_engine_fills_an_oxigraph_store_without_rdflib(article_root, monkeypatch):
    import spacecoop.core.load as core_load

    def refuse(*a, **k):
        raise AssertionError("the rdflib loader was called")

    monkeypatch.setattr(core_load, "load_dataset", refuse)
    monkeypatch.setattr(core_load, "load", refuse)
    store = open_engine("query", "oxigraph", root=article_root)
    assert isinstance(store, OxigraphStore)
    monkeypatch.undo()
    assert_same_quads(store.store, filled_by_rdflib(article_root))


def test_on_disk_store_is_swapped_whole_and_kept_when_a_file_breaks(article_root, tmp_path):
    root = shutil.copytree(article_root, tmp_path / "p")
    path = tmp_path / "store"
    store = OxigraphStore(str(path))
    assert store.load_project(root).fallback is None
    assert_same_quads(store.store, filled_by_rdflib(root))
    before = len(store.store)
    (root / "graph" / "sources" / "zz-bad.trig").write_text(
        "<https://e.org/g> { <https://e.org/a> }\n", encoding="utf-8"
    )
    with pytest.raises(DataError, match=r"zz-bad\.trig:1"):
        store.load_project(root)
    assert len(store.store) == before, "the old store is kept whole"
    assert sorted(os.listdir(tmp_path)) == ["p", "store"], "no staging folder left behind"
    store.close()
    reopened = OxigraphStore(str(path))
    assert len(reopened.store) == before
    reopened.close()


def test_read_only_store_refuses_to_load(article_root, tmp_path):
    path = tmp_path / "store"
    OxigraphStore(str(path)).close()
    store = OxigraphStore(str(path), read_only=True)
    with pytest.raises(SpacecoopError, match="read-only"):
        store.load_project(article_root)


def test_load_command_fills_an_on_disk_store_natively(article_root, tmp_path, capsys):
    from spacecoop.cli import main

    path = tmp_path / "store"
    assert main(["--root", str(article_root), "--store", f"oxigraph:{path}", "load"]) == 0
    assert "loaded" in capsys.readouterr().out
    store = OxigraphStore(str(path))
    assert_same_quads(store.store, filled_by_rdflib(article_root))
    store.close()
