"""Workspaces (``spacecoop init``) and where commands find their data: the project root's
precedence (--root, SPACECOOP_ROOT, the current folder, the shipped data), a workspace read on
top of the shipped data, init's refusals, writes that never go into the shipped data, and the
VoID description that build writes. The installed-wheel round trip is in tests/test_wheel.py."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import pytest
from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCAT, DCTERMS, RDF, VOID

from spacecoop.cli.app import main
from spacecoop.core.errors import SpacecoopError
from spacecoop.core.layout import WORKSPACE_MARKER, Layout, find_root, shipped_root, writable_root
from spacecoop.core.load import load
from spacecoop.core.workspace import init_workspace
from spacecoop.publish.build import DATA_LICENSE, describe_dataset, summarize

FIXTURE = Path(__file__).parent / "data" / "workspace"
OWN_SOURCE = FIXTURE / "analyst-note-mongolia-ilrs.trig"
OWN_TEXT = FIXTURE / "workspace-fixture-note.txt"
MONGOLIA = URIRef("https://w3id.org/spacecoop/id/country/mongolia")
OWN_CLAIM = URIRef("https://w3id.org/spacecoop/id/claim/workspace-fixture-note/mongolia-observer")


@pytest.fixture
def nowhere(tmp_path, monkeypatch):
    """An empty folder with no workspace or checkout above it, as the working directory."""
    monkeypatch.delenv("SPACECOOP_ROOT", raising=False)
    monkeypatch.delenv("SPACECOOP_SOURCES", raising=False)
    folder = tmp_path / "empty"
    folder.mkdir()
    monkeypatch.chdir(folder)
    return folder


def make_workspace(path: Path, own_source: bool = True) -> Path:
    init_workspace(path)
    if own_source:
        shutil.copy(OWN_SOURCE, path / "graph" / "sources")
        shutil.copy(OWN_TEXT, path / "texts")
    return path


def tree_digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file()
    }


# --- where the root is found ---------------------------------------------------------------------


def test_no_workspace_reads_the_shipped_data(nowhere):
    assert find_root() == shipped_root()
    assert Layout(find_root()).ontology_files[0].parent == shipped_root() / "ontology"


def test_current_folder_and_its_subfolders_find_the_workspace(nowhere, tmp_path, monkeypatch):
    ws = make_workspace(tmp_path / "ws")
    (ws / "graph" / "sources" / "deep").mkdir()
    monkeypatch.chdir(ws / "graph" / "sources" / "deep")
    assert find_root() == ws.resolve()


def test_environment_beats_the_current_folder(nowhere, tmp_path, monkeypatch):
    here, there = make_workspace(tmp_path / "here"), make_workspace(tmp_path / "there")
    monkeypatch.chdir(here)
    monkeypatch.setenv("SPACECOOP_ROOT", str(there))
    assert find_root() == there.resolve()


def test_environment_naming_no_workspace_is_refused(nowhere, monkeypatch):
    monkeypatch.setenv("SPACECOOP_ROOT", str(nowhere))
    with pytest.raises(SpacecoopError, match=r"SPACECOOP_ROOT=.*neither a workspace nor a checkout.*init"):
        find_root()


def test_root_option_beats_the_environment(nowhere, tmp_path, monkeypatch, capsys):
    good = make_workspace(tmp_path / "good")
    broken = make_workspace(tmp_path / "broken", own_source=False)
    (broken / "graph" / "sources" / "bad.trig").write_text("<a> <b> .\n<oops\n")
    monkeypatch.setenv("SPACECOOP_ROOT", str(broken))
    assert main(["entity", "find", "Mongolia"]) == 2
    assert "bad.trig" in capsys.readouterr().err
    assert main(["--root", str(good), "entity", "find", "Mongolia"]) == 0
    assert "country:mongolia" in capsys.readouterr().out


def test_root_option_naming_no_workspace_says_how_to_make_one(nowhere, capsys):
    assert main(["--root", str(nowhere), "queries"]) == 2
    err = capsys.readouterr().err
    assert "neither a workspace nor a checkout" in err and f"spacecoop init {nowhere}" in err
    assert "Traceback" not in err


# --- a workspace on top of the shipped data ------------------------------------------------------


def test_workspace_is_read_on_top_of_the_shipped_data(nowhere, tmp_path):
    ws = make_workspace(tmp_path / "ws")
    layout = Layout(ws)
    assert layout.base == shipped_root()
    own = ws / "graph" / "sources" / OWN_SOURCE.name
    assert layout.source_files[-1] == own
    assert all(p.is_relative_to(shipped_root()) for p in layout.source_files[:-1])
    assert layout.queries_dir == shipped_root() / "queries"
    assert layout.texts_dir == ws / "texts"
    loaded = load(ws)
    ds = loaded.ds
    # the own fact, and shipped facts beside it
    assert (OWN_CLAIM, None, None) in ds
    assert loaded.files_of(OWN_CLAIM) == [str(own)]
    china = URIRef("https://w3id.org/spacecoop/id/country/china")
    assert any(ds.triples((china, None, None)))


@pytest.mark.slow
def test_own_source_is_answerable(nowhere, tmp_path, capsys):
    ws = make_workspace(tmp_path / "ws")
    assert main(["--root", str(ws), "query", "initiative-participants", "--param", "initiative=ILRS"]) == 0
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if "Mongolia" in line)
    assert "observer" in row and "workspace-fixture-note" in row


def test_writes_need_a_workspace(nowhere):
    with pytest.raises(SpacecoopError, match=r"spacecoop init DIR"):
        writable_root()


def test_add_outside_a_workspace_is_refused(nowhere, capsys):
    sheet = Path(__file__).parent / "data" / "sheets" / "spacenews-2023-09-south-africa-ilrs.csv"
    before = tree_digest(shipped_root() / "graph")
    assert main(["add", str(sheet)]) == 2
    err = capsys.readouterr().err
    assert "no workspace here" in err and "spacecoop init DIR" in err
    assert tree_digest(shipped_root() / "graph") == before


def test_writes_go_to_the_workspace(nowhere, tmp_path):
    ws = make_workspace(tmp_path / "ws")
    assert writable_root(ws) == ws.resolve()
    from spacecoop.publish.build import default_out_dir

    assert default_out_dir(ws) == ws.resolve() / "dist"
    assert default_out_dir() == Path("dist")  # no workspace: the working directory, as before
    from spacecoop.core.layout import default_output

    assert default_output(ws, "spacecoop-countries.html") == ws.resolve() / "spacecoop-countries.html"
    assert default_output(None, "spacecoop-countries.html") == Path("spacecoop-countries.html")


@pytest.mark.slow
def test_import_table_writes_into_the_workspace(nowhere, tmp_path, capsys):
    ws = make_workspace(tmp_path / "ws", own_source=False)
    shipped = tree_digest(shipped_root() / "graph")
    assert main(["--root", str(ws), "import-table", str(FIXTURE / "own-table.csv")]) == 0
    written = sorted(str(p.relative_to(ws)) for p in (ws / "graph").rglob("*") if p.is_file())
    assert "graph/imported/table-entities.ttl" in written
    (source,) = [w for w in written if w.startswith("graph/imported/table-example-")]
    assert "ws-mongolia-ilrs" in (ws / source).read_text()
    assert tree_digest(shipped_root() / "graph") == shipped
    # the shipped table's files are still read: the workspace adds, never replaces
    loaded = load(ws)
    assert any("table-" in str(f) and f.is_relative_to(shipped_root()) for f in loaded.files)
    assert any(str(f).startswith(str(ws)) for f in loaded.files)


# --- init ----------------------------------------------------------------------------------------


def test_init_makes_a_workspace(nowhere, capsys):
    assert main(["init", "ws"]) == 0
    ws = nowhere / "ws"
    assert (ws / WORKSPACE_MARKER).is_file()
    assert (ws / "graph" / "sources").is_dir() and (ws / "texts").is_dir()
    readme = (ws / "README.md").read_text()
    assert "spacecoop add" in readme and "graph/sources" in readme
    assert "made the workspace" in capsys.readouterr().err


def test_init_on_a_workspace_adds_only_what_is_missing(nowhere, capsys):
    ws = make_workspace(nowhere / "ws")
    (ws / "README.md").write_text("my notes\n")
    shutil.rmtree(ws / "texts")
    assert main(["init", str(ws)]) == 0
    assert (ws / "README.md").read_text() == "my notes\n"  # never overwritten
    assert (ws / "texts").is_dir()
    assert (ws / "graph" / "sources" / OWN_SOURCE.name).read_bytes() == OWN_SOURCE.read_bytes()
    assert "already a workspace; added texts" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["non-empty", "file", "checkout", "package"])
def test_init_refuses(nowhere, capsys, kind):
    if kind == "non-empty":
        target = nowhere / "notes"
        target.mkdir()
        (target / "mine.txt").write_text("keep me\n")
        expected = "is not empty (mine.txt) and not a workspace"
    elif kind == "file":
        target = nowhere / "a-file"
        target.write_text("keep me\n")
        expected = "is a file, not a folder"
    elif kind == "checkout":
        target = nowhere / "checkout"
        (target / "ontology").mkdir(parents=True)
        (target / "ontology" / "spacecoop.ttl").write_text("")
        expected = "is a checkout"
    else:
        import spacecoop

        target = Path(spacecoop.__file__).parent / "no-workspace-here"
        expected = "inside the installed spacecoop package"
    before = sorted(p.name for p in target.iterdir()) if target.is_dir() else None
    assert main(["init", str(target)]) == 2
    err = capsys.readouterr().err
    assert expected in err and "Traceback" not in err
    assert not (target / WORKSPACE_MARKER).exists()
    if kind == "package":
        assert not target.exists()
    elif before is not None:
        assert sorted(p.name for p in target.iterdir()) == before
    if kind in ("non-empty", "file"):
        assert (target if kind == "file" else target / "mine.txt").read_text() == "keep me\n"


# --- the dataset description ---------------------------------------------------------------------


def test_void_description_counts_and_names_the_files(nowhere, tmp_path):
    ws = make_workspace(tmp_path / "ws")
    ds = load(ws).ds
    files = {
        "spacecoop.nq": b"<a> <b> <c> .\n",
        "countries.html": b"<html></html>",
        "LICENSE-data.txt": b"CC",
    }
    ttl = describe_dataset(ds, summarize(ds), files)
    where = "https://example.org/published/dist/"
    g = Graph().parse(data=ttl, format="turtle", publicID=where)
    d = URIRef(where + "#dataset")
    assert (d, RDF.type, VOID.Dataset) in g and (d, RDF.type, DCAT.Dataset) in g
    assert g.value(d, DCTERMS.license) == URIRef(DATA_LICENSE)
    assert g.value(d, DCTERMS.rights) == URIRef(where + "LICENSE-data.txt")
    # the count is computed: distinct triples over all graphs, the own source's included
    triples = {(s, p, o) for s, p, o, _ in ds.quads((None, None, None, None))}
    assert g.value(d, VOID.triples).toPython() == len(triples)
    dists = {str(g.value(x, DCAT.downloadURL)): x for x in g.objects(d, DCAT.distribution)}
    assert set(dists) == {where + "spacecoop.nq", where + "countries.html"}
    nq = dists[where + "spacecoop.nq"]
    assert g.value(nq, DCAT.byteSize).toPython() == len(files["spacecoop.nq"])
    assert g.value(nq, DCAT.mediaType) == URIRef(
        "https://www.iana.org/assignments/media-types/application/n-quads"
    )
    assert set(g.objects(d, VOID.dataDump)) == {URIRef(where + "spacecoop.nq")}
    spdx = "http://spdx.org/rdf/terms#"
    checksum = g.value(nq, URIRef(spdx + "checksum"))
    assert (
        str(g.value(checksum, URIRef(spdx + "checksumValue")))
        == hashlib.sha256(files["spacecoop.nq"]).hexdigest()
    )
    assert not list(g.objects(d, VOID.sparqlEndpoint))
    assert (None, None, Literal("spacecoop contributors")) in g


def test_a_workspace_reads_the_shipped_json_ld_context(nowhere, tmp_path):
    """build writes JSON-LD with the context of the ontology a workspace is read on top of (a
    workspace has no ontology/ of its own)."""
    from spacecoop.views.export import jsonld_context

    ws = make_workspace(tmp_path / "ws")
    assert not (ws / "ontology").exists()
    assert jsonld_context(ws) == jsonld_context(shipped_root())
    assert jsonld_context(ws)["participatesIn"]
