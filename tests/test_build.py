"""`spacecoop build`: outputs parse back to the loaded dataset, are deterministic and atomic."""

from __future__ import annotations

import io
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _article_only import copy_article_project
from _forked import beside_on_any_machine, pids_in, record_pids
from rdflib import Dataset, Graph, URIRef
from rdflib.compare import isomorphic

from spacecoop.cli.app import main
from spacecoop.core.errors import SpacecoopError
from spacecoop.publish.build import OUTPUT_FILES, Summary, build, summarize, summarize_store
from spacecoop.store.compiled import RACY_SECONDS

ROOT_DIR = Path(__file__).resolve().parents[1]


@pytest.mark.slow
def test_build_writes_every_format_and_each_parses_back(root, full_ds, tmp_path):
    result = build(tmp_path / "out", root)
    names = {p.name for p in result.files}
    assert set(OUTPUT_FILES) <= names
    expected = {str(g.identifier): g for g in full_ds.graphs() if len(g)}
    for name, fmt in (
        ("spacecoop.trig", "trig"),
        ("spacecoop.nq", "nquads"),
        ("spacecoop.jsonld", "json-ld"),
    ):
        back = Dataset()
        back.parse(tmp_path / "out" / name, format=fmt)
        got = {str(g.identifier): g for g in back.graphs() if len(g)}
        # the default graph comes back under rdflib's default id; compare named graphs by name
        assert len(got) == len(expected), name
        for gid, g in expected.items():
            other = back.default_graph if gid.startswith("urn:x-rdflib") else got[gid]
            assert isomorphic(g, other), (name, gid)
    merged = Graph().parse(tmp_path / "out" / "spacecoop.ttl")
    union = Graph()
    for s, p, o, _ in full_ds.quads((None, None, None, None)):
        union.add((s, p, o))
    assert isomorphic(merged, union)


def test_jsonld_keeps_the_default_graph_for_json_ld_1_1_processors(article_root, tmp_path):
    """pyoxigraph reads JSON-LD as JSON-LD 1.1 does (as jsonld.js): an id-less graph object would
    become a blank-node named graph and take the default graph's triples (source metadata,
    reference entities) out of it."""
    import pyoxigraph as ox

    build(tmp_path / "out", article_root)
    store = ox.Store()
    store.load((tmp_path / "out" / "spacecoop.jsonld").read_bytes(), format=ox.RdfFormat.JSON_LD)
    assert not [g for g in store.named_graphs() if isinstance(g, ox.BlankNode)]
    trig = ox.Store()
    trig.load((tmp_path / "out" / "spacecoop.trig").read_bytes(), format=ox.RdfFormat.TRIG)
    for graph in [ox.DefaultGraph(), *trig.named_graphs()]:
        want = len(list(trig.quads_for_pattern(None, None, None, graph)))
        assert want and len(list(store.quads_for_pattern(None, None, None, graph))) == want, graph


def test_nquads_are_the_lines_rdflib_writes(article_ds):
    """The N-Quads are written line by line without rdflib's writer (and the Dataset it needs):
    the same lines as it writes for the same (canonically named) triples, sorted."""
    from spacecoop.publish.build import canonical_graphs, serialize_all

    ds = Dataset()
    for gid, triples in canonical_graphs(article_ds).items():
        g = ds.default_graph if gid is None else ds.graph(gid)
        for t in triples:
            g.add(t)
    lines = sorted(line for line in ds.serialize(format="nquads").split("\n") if line.strip())
    assert serialize_all(article_ds)["spacecoop.nq"] == ("\n".join(lines) + "\n").encode("utf-8")


@pytest.mark.slow
def test_build_is_byte_identical_across_processes(article_root, tmp_path):
    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"out{seed}"
        # a cache of its own each: both build in full (an unchanged build is otherwise reused)
        env = dict(os.environ, PYTHONHASHSEED=seed, XDG_CACHE_HOME=str(tmp_path / f"cache{seed}"))
        subprocess.run(
            [sys.executable, "-m", "spacecoop", "--root", str(article_root), "build", "-o", str(out)],
            check=True,
            env=env,
            capture_output=True,
        )
        outs.append(out)
    for name in OUTPUT_FILES:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name


def copy_project(root: Path, dest: Path) -> Path:
    """Copy the article-only project (no imported table: smaller, and what the fixtures are about)."""
    return copy_article_project(root, dest)


@pytest.mark.slow
def test_failed_validation_writes_nothing_and_keeps_previous_outputs(root, tmp_path, capsys):
    project = copy_project(root, tmp_path / "project")
    out = tmp_path / "out"
    assert main(["--root", str(project), "build", "-o", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    shutil.copy(
        Path(__file__).parent / "data" / "invalid" / "entity-without-label.trig",
        project / "graph" / "sources",
    )
    capsys.readouterr()
    assert main(["--root", str(project), "build", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "does not conform" in err and "mission:change-99" in err and "nothing was written" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


@pytest.mark.slow
def test_a_source_edited_while_build_loads_leaves_no_report_under_the_new_files(root, tmp_path, monkeypatch):
    """``build`` takes the report of the last ``validate`` of the same inputs. A source edited
    while build loads (after the report's key was computed) must not make it keep the report of
    what it loaded under the key of the edited files: the next ``validate`` would then call
    invalid data valid. The build writes what it loaded, with that data's own report."""
    import spacecoop.checks.validate as v
    import spacecoop.publish.build as b

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    project = copy_project(root, tmp_path / "project")
    assert v.validate_cached(project).conforms  # the report build will find
    invalid = (Path(__file__).parent / "data" / "invalid" / "entity-without-label.trig").read_bytes()
    edited = project / "graph" / "sources" / "zz-edited-meanwhile.trig"
    real_load = b.load_kept

    def load_then_edit(*args, **kwargs):
        loaded = real_load(*args, **kwargs)
        edited.write_bytes(invalid)  # the analyst saves a file while the build runs
        return loaded

    monkeypatch.setattr(b, "load_kept", load_then_edit)
    result = b.build(tmp_path / "out", project)
    monkeypatch.setattr(b, "load_kept", real_load)
    assert result.summary.triples > 0
    assert b"change-99" not in (tmp_path / "out" / "spacecoop.nq").read_bytes()  # what was loaded
    report = v.validate_cached(project)
    assert not report.conforms
    assert any("change-99" in x.node for x in report.violations), report.violations
    with pytest.raises(SpacecoopError, match="does not conform"):
        b.build(tmp_path / "out2", project)


def test_a_kept_report_is_not_taken_for_data_edited_before_it_loaded(root, tmp_path, monkeypatch):
    """``load_validated`` returns the kept report only when no input moved from its key to the
    end of the load: a source that turns invalid in between is validated as loaded."""
    import spacecoop.checks.validate as v

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    project = copy_project(root, tmp_path / "project")
    assert v.validate_cached(project).conforms
    invalid = (Path(__file__).parent / "data" / "invalid" / "entity-without-label.trig").read_bytes()
    edited = project / "graph" / "sources" / "zz-edited-meanwhile.trig"

    def edit_then_load():
        edited.write_bytes(invalid)
        return v.load(project, keep_parsed=True)

    loaded, report = v.load_validated(project, load_data=edit_then_load)
    assert any("change-99" in str(s) for s in loaded.ds.subjects())
    assert not report.conforms and any("change-99" in x.node for x in report.violations)


@pytest.mark.slow
def test_unwritable_output_is_a_clean_error(article_root, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main(["--root", str(article_root), "build", "-o", str(blocker / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot write to") and "Traceback" not in err


@pytest.mark.slow
def test_a_write_failure_midway_leaves_previous_outputs(article_root, tmp_path, monkeypatch):
    root = article_root
    out = tmp_path / "out"
    build(out, root)
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    real = Path.write_bytes
    calls = {"n": 0}

    def failing(self, data):
        calls["n"] += 1
        if calls["n"] == 3:
            raise OSError(28, "No space left on device")
        return real(self, data)

    monkeypatch.setattr(Path, "write_bytes", failing)
    with pytest.raises(SpacecoopError, match="No space left"):
        build(out, root)
    monkeypatch.undo()
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before
    assert not [p for p in out.iterdir() if p.name.startswith(".spacecoop-")]


def test_summary_counts(article_ds):
    # Pinned on the article-only project (a fixture: adding a source to the live graph must break
    # no test): 10 Chang'e-8 payloads, 32 participations, 17 developments, 11 carriages, 88 claims.
    # tests/test_table.py pins the imported table's own numbers.
    s = summarize(article_ds)
    entities = dict(s.entities)
    assert entities["sc:Payload"] == 10
    assert entities["sc:Source"] == 1
    rels = dict(s.relationships)
    assert (rels["sc:Participation"], rels["sc:PayloadDevelopment"], rels["sc:PayloadCarriage"]) == (
        32,
        17,
        11,
    )
    assert dict(s.claims_by_certainty) == {"stated": 85, "hedged": 1, "contradicted": 2}
    assert s.sources[0][2] == 88


def test_summary_of_the_quads_load_read_is_the_summary_of_the_dataset(article_root, tmp_path):
    """build counts from Loaded.quads, where a quad may repeat (a triple two files state in the
    default graph): the counts are those of the Dataset walked, triples and quads each once."""
    from spacecoop.core.load import load

    project = copy_article_project(article_root, tmp_path / "project")
    reference = project / "graph" / "reference"
    stated_twice = next(reference.glob("*.ttl")).read_text(encoding="utf-8")
    (reference / "zz-the-same-again.ttl").write_text(stated_twice, encoding="utf-8")
    loaded = load(project, keep_parsed=True)
    quads = loaded.quads()
    assert len(quads) > len(set(quads)), "the fixture states some quads twice"
    from_quads = summarize(loaded.ds, quads)
    assert from_quads == summarize(loaded.ds)
    assert from_quads.quads == len(set(quads)) and from_quads.triples == len({q[:3] for q in quads})
    assert dict(from_quads.claims_by_certainty) == {"stated": 85, "hedged": 1, "contradicted": 2}


def _stores_of(ds):
    """The dataset in rdflib and in Oxigraph (in memory, and on disk as the compiled store holds it)."""
    from spacecoop.store import OxigraphStore, open_store

    memory = open_store("memory", ds)
    oxi = OxigraphStore()
    oxi.load(ds)
    return memory, oxi


@pytest.mark.parametrize("which", ["article", "full"])
def test_the_summary_asked_of_oxigraph_is_what_the_copy_into_rdflib_counts(which, article_ds, full_ds):
    """``spacecoop stats`` asks the store's engine (a few queries) instead of copying every quad
    into rdflib: the same summary, on the article-only graph and on the full graph."""
    ds = article_ds if which == "article" else full_ds
    memory, oxi = _stores_of(ds)
    try:
        asked = summarize_store(oxi)
        assert asked == summarize(oxi.to_dataset())
        assert summarize_store(memory) == summarize(ds)  # rdflib's own store: summarised where it is
        # what it says: every source with the claims derived from it, every claim by certainty
        claims = {str(c) for c, _ in ds.subject_objects(URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"))}
        assert sum(n for _, _, n in asked.sources) >= len(claims) > 0
        assert sum(n for _, n in asked.claims_by_certainty) == len(
            {c for c, _ in ds.subject_objects(URIRef("https://w3id.org/spacecoop/ns#certainty"))}
        )
    finally:
        oxi.close()
    if which == "article":
        assert dict(asked.claims_by_certainty) == {"stated": 85, "hedged": 1, "contradicted": 2}
        assert dict(asked.relationships)["sc:Participation"] == 32 and asked.sources[0][2] == 88


_SUMMARY_FIXTURE = """
@prefix ex: <https://example.org/summary/> .
@prefix sc: <https://w3id.org/spacecoop/ns#> .
@prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
ex:Agency rdfs:subClassOf ex:Body . ex:Body rdfs:subClassOf sc:Organization .
ex:only-here ex:p "said in no named graph" .
ex:sure skos:prefLabel "zz sure", "aa sure", "a sûr"@fr .
ex:g1 {
    ex:a a ex:Agency . ex:b a sc:Organization .
    ex:src a sc:Source ; skos:prefLabel "a page" .
    ex:src2 a sc:Source ; skos:prefLabel "Seite zwei"@de, "page two"@en .
    ex:c1 sc:certainty ex:sure ; prov:wasDerivedFrom ex:src .
    ex:c2 sc:certainty ex:sure ; prov:wasDerivedFrom ex:src .
    ex:c3 sc:certainty [ skos:prefLabel "vague"@en, "flou"@fr ] .
}
ex:g2 { ex:a a ex:Agency . ex:quiet a sc:Source . }
"""


def test_the_summary_asked_of_a_store_counts_as_rdflib_on_the_edges():
    """Subclasses two steps down, a triple in two graphs, a triple in the default graph only, a
    concept with three labels (the least English or untagged names it, not the least of all), a
    concept that is a blank node (named by its label on both engines), a source no claim cites, a
    source named in German and in English."""
    ds = Dataset(default_union=True)
    ds.parse(data=_SUMMARY_FIXTURE, format="trig")
    memory, oxi = _stores_of(ds)
    try:
        asked = summarize_store(oxi)
        assert asked == summarize(oxi.to_dataset())
        assert summarize_store(memory) == asked  # no triple of the fixture is in a graph and the default
    finally:
        oxi.close()
    assert dict(asked.entities)["sc:Organization"] == 2  # ex:a through two subclass steps, ex:b
    assert dict(asked.entities)["sc:Source"] == 3
    assert asked.claims_by_certainty == (("aa sure", 2), ("vague", 1))
    assert asked.sources == (
        ("https://example.org/summary/quiet", "", 0),
        ("https://example.org/summary/src", "a page", 2),
        ("https://example.org/summary/src2", "page two", 0),
    )
    # 14 triples in ex:g1 and 2 in ex:g2 (ex:a's type in both), 6 in the default graph only
    assert (asked.triples, asked.quads, asked.graphs) == (21, 22, 3)


def _summary_printed(summary, monkeypatch, *, rich_only: bool = False) -> str:
    """What ``spacecoop stats`` prints of ``summary`` to a pipe; with ``rich_only``, laid out by
    Rich (the fast layout turned off)."""
    from spacecoop.cli import query as cli_query
    from spacecoop.cli.report import print_summary

    buf = io.StringIO()
    with monkeypatch.context() as m:
        if rich_only:
            m.setattr(cli_query, "plain_table", lambda *a, **k: None)
        m.setattr("sys.stdout", buf)
        print_summary(summary)
    return buf.getvalue()


_LONG_SOURCE = "source:table-a-very-long-name-of-a-publisher-relaying-a-statement-3f68f818"
_ODD_SUMMARY = Summary(
    3,
    4,
    2,
    (("sc:Organization", 2),),
    (("sc:Participation", 1),),
    (("ok", 1), ("sûr [bold]x[/bold]", 2)),
    (
        (_LONG_SOURCE, "Un éditeur, 2024: https://example.org/a/long/path/to/the/page.html", 7),
        ("source:b", "A [/] label [bold]not bold[/bold]", 1),
        ("source:c", "嫦娥六号 payloads", 12),
        ("source:d", "Agency\x1b]0;retitled\x07 and \x1b[8mhidden", 0),
        ("source:e", "lone " + chr(0xD800) + " surrogate", 0),  # from TriG's \uD800: no UTF-8 form
    ),
)


def test_stats_prints_every_cell_as_the_data_says(monkeypatch):
    """A label is printed as it is: never read as Rich markup (``[/]`` stopped ``stats`` with
    Rich's MarkupError), an escape sequence written out rather than sent to the terminal, and a
    source's CURIE never cut with an ellipsis (piped, Rich fitted the table to 80 columns)."""
    out = _summary_printed(_ODD_SUMMARY, monkeypatch)
    assert "A [/] label [bold]not bold[/bold]" in out and "sûr [bold]x[/bold]" in out
    assert "\x1b" not in out and "\x07" not in out
    assert "Agency\\x1b]0;retitled\\x07 and \\x1b[8mhidden" in out
    assert "lone \\ud800 surrogate" in out and chr(0xD800) not in out
    assert _LONG_SOURCE in out and "…" not in out
    assert "https://example.org/a/long/path/to/the/page.html" in out
    assert out.startswith("3 triples (4 quads in 2 graphs)\nEntities by class\n")


def test_stats_piped_is_rich_layout_character_for_character(monkeypatch, article_ds):
    """The piped tables of ``stats`` (no Rich layout engine: 2 s for the sources of a million
    triples) print exactly what Rich prints at their natural width: the article's summary, labels
    with CJK, accents and brackets, titles wider than their tables, a label on two lines."""
    # empty tables narrower than their titles (Rich prints such a title whole on a console that
    # soft-wraps), a label on two lines
    two_lines = Summary(1, 1, 1, (), (), (), (("source:e", "first line\nsecond line", 1),))
    for summary in (summarize(article_ds), _ODD_SUMMARY, two_lines):
        fast = _summary_printed(summary, monkeypatch)
        assert fast == _summary_printed(summary, monkeypatch, rich_only=True)
    assert "second line" in _summary_printed(two_lines, monkeypatch)
    with monkeypatch.context() as m:  # the article's tables were laid out without Rich's engine
        m.setattr("rich.table.Table", lambda *a, **k: pytest.fail("laid out by Rich"))
        assert _summary_printed(summarize(article_ds), monkeypatch).count("┏") == 4


@pytest.mark.slow
def test_build_command_prints_a_summary(article_root, tmp_path, capsys):
    assert main(["--root", str(article_root), "build", "-o", str(tmp_path / "d")]) == 0
    captured = capsys.readouterr()
    assert captured.out == ""  # status goes to stderr, in a few lines, not a 276-line table
    assert len(captured.err.strip().splitlines()) == 2
    assert "1 sources, 88 claims" in captured.err
    assert "wrote" in captured.err and "spacecoop.trig" in captured.err
    # the tables with --verbose
    assert main(["--root", str(article_root), "build", "-o", str(tmp_path / "d"), "--verbose"]) == 0
    out = capsys.readouterr().out
    assert "sc:PayloadDevelopment" in out and "17" in out


# ------------------------------------------------------------------------------------------------
# Publishing: a reader sees all old or all new outputs, whenever the build is killed
# ------------------------------------------------------------------------------------------------

KILL_AT = Path(__file__).parent / "_kill_at.py"


def snapshot(folder: Path) -> dict[str, str]:
    """Hash of every file a reader finds in ``folder`` (through the link, as a reader would)."""
    import hashlib

    return {
        p.name: hashlib.sha256(p.read_bytes()).hexdigest() for p in sorted(folder.iterdir()) if p.is_file()
    }


def run_killed(watch: Path, n: int, log: Path, *args: str) -> subprocess.CompletedProcess:
    return subprocess.run(
        [sys.executable, str(KILL_AT), str(watch), str(n), str(log), "--", *args],
        check=False,
        capture_output=True,
        text=True,
        timeout=300,
    )


def kill_points(log: Path) -> list[tuple[int, str, str]]:
    return [
        (int(i), event, path)
        for i, event, path in (line.split("\t") for line in log.read_text(encoding="utf-8").splitlines())
    ]


@pytest.mark.slow
def test_a_build_killed_during_its_publish_step_leaves_all_old_or_all_new(article_root, tmp_path):
    project = copy_project(article_root, tmp_path / "project")
    site = tmp_path / "site"
    dist = site / "dist"
    assert main(["--root", str(project), "build", "-o", str(dist)]) == 0
    old = snapshot(dist)
    # a valid change that touches every dataset file: one more name for Thailand
    ref = project / "graph" / "reference" / "places.ttl"
    ref.write_text(
        ref.read_text(encoding="utf-8") + '\n<country/thailand> skos:altLabel "Siam"@en .\n', encoding="utf-8"
    )
    assert main(["--root", str(project), "build", "-o", str(tmp_path / "new")]) == 0
    new = snapshot(tmp_path / "new")
    assert old != new and set(old) == set(new)
    # a first run lists the file-system changes the build makes in site/; then kill at each switch
    log = tmp_path / "points.log"
    args = ("--root", str(project), "build", "-o", str(dist))
    plain = tmp_path / "plain"
    shutil.copytree(site, plain, symlinks=True)
    assert (
        run_killed(plain, 0, log, "--root", str(project), "build", "-o", str(plain / "dist")).returncode == 0
    )
    points = kill_points(log)
    writes = [i for i, event, _ in points if event == "open" and not _.endswith("lock")]
    switches = [i for i, event, _ in points if event in ("os.rename", "os.symlink")]
    assert writes and switches
    pristine = tmp_path / "pristine"
    shutil.copytree(site, pristine, symlinks=True)
    for n in sorted({writes[0], writes[-1], *switches}):
        shutil.rmtree(site)
        shutil.copytree(pristine, site, symlinks=True)  # the same start, so the points line up
        proc = run_killed(site, n, tmp_path / "kill.log", *args)
        assert proc.returncode == -9, f"not killed at {points[n - 1]}: {proc.stderr[-300:]}"
        now = snapshot(dist)
        assert now in (old, new), (
            f"killed before change {n} of {points[n - 1]}: dist/ mixes old and new outputs"
        )
    # The last kill came just before the switch: its staging is left over. The next build removes
    # it and publishes the new outputs.
    leftovers = [p for p in site.rglob("*") if ".spacecoop-" in p.name or p.name.startswith(("v-", "link-"))]
    current = Path(os.path.realpath(dist))
    assert [p for p in leftovers if p != current]
    assert main(["--root", str(project), "build", "-o", str(dist)]) == 0
    assert snapshot(dist) == new
    assert not [p for p in dist.iterdir() if p.name.startswith(".spacecoop-")]
    kept = {p.name for p in (site / ".dist.spacecoop").iterdir()}
    assert kept == {"lock", Path(os.path.realpath(dist)).name, current.name}  # current and previous


def publish_points(tmp_path: Path, folder: Path) -> list[tuple[int, str, str]]:
    log = tmp_path / "points.log"
    log.unlink(missing_ok=True)
    probe = tmp_path / "probe"
    shutil.rmtree(probe, ignore_errors=True)
    shutil.copytree(folder.parent, probe, symlinks=True)
    proc = run_killed(probe, 0, log, "--publish", "new", str(probe / folder.name))
    assert proc.returncode == 0, proc.stderr
    return kill_points(log)


@pytest.mark.slow
@pytest.mark.parametrize("start", ["link", "folder"])
def test_publish_killed_at_any_point_leaves_all_old_or_all_new(start, tmp_path):
    """Every file-system change of the publish step, one kill each; also from a dist/ that is
    still a real folder (as builds before the switch to a link left it)."""
    site = tmp_path / "site"
    dist = site / "dist"
    old_files = {"a.txt": b"old" * 1000, "b.txt": b"old" * 2000}
    new = {"a.txt": b"new" * 1000, "b.txt": b"new" * 2000}

    def reset() -> None:
        shutil.rmtree(site, ignore_errors=True)
        if start == "folder":
            dist.mkdir(parents=True)
            for name, data in old_files.items():
                (dist / name).write_bytes(data)
            (dist / ".spacecoop-leftover").mkdir()  # a staging folder of an older build
        else:
            from spacecoop.publish.build import publish

            publish(dist, old_files)

    reset()
    points = publish_points(tmp_path, dist)
    assert len(points) >= 5
    for n in range(1, len(points) + 1):
        reset()
        proc = run_killed(site, n, tmp_path / "kill.log", "--publish", "new", str(dist))
        assert proc.returncode == -9, proc.stderr
        got = {p.name: p.read_bytes() for p in dist.iterdir() if p.is_file()}
        assert got in (old_files, new), f"killed before {points[n - 1]}: a mix"
        # and a build after the kill cleans up and publishes
        from spacecoop.publish.build import publish

        publish(dist, new)
        assert {p.name: p.read_bytes() for p in dist.iterdir()} == new
        assert len(list((site / ".dist.spacecoop").iterdir())) <= 3  # lock, current, previous


def test_a_reader_that_resolves_the_link_once_reads_one_build(tmp_path):
    from spacecoop.publish.build import publish

    dist = tmp_path / "dist"
    publish(dist, {"a.txt": b"1", "b.txt": b"1"})
    pinned = Path(os.path.realpath(dist))
    assert (pinned / "a.txt").read_bytes() == b"1"
    publish(dist, {"a.txt": b"2", "b.txt": b"2"})
    second = Path(os.path.realpath(dist))
    assert (dist / "a.txt").read_bytes() == b"2"
    assert (pinned / "b.txt").read_bytes() == b"1"  # the previous build stays until the next one
    publish(dist, {"a.txt": b"3", "b.txt": b"3"})
    assert not pinned.exists()
    third = Path(os.path.realpath(dist))
    assert sorted(p.name for p in (tmp_path / ".dist.spacecoop").iterdir()) == sorted(
        ["lock", second.name, third.name]
    )


def test_a_folder_with_other_files_is_not_taken_over(article_root, tmp_path, capsys):
    out = tmp_path / "mine"
    out.mkdir()
    (out / "notes.txt").write_text("mine")
    assert main(["--root", str(article_root), "build", "-o", str(out)]) == 2
    err = capsys.readouterr().err
    assert "notes.txt" in err and "other files than build outputs" in err
    assert [p.name for p in out.iterdir()] == ["notes.txt"] and out.is_dir() and not out.is_symlink()


def test_builds_into_the_same_folder_at_once_take_turns(tmp_path):
    dist = tmp_path / "site" / "dist"
    log = tmp_path / "log"
    procs = [
        subprocess.Popen(
            [
                sys.executable,
                str(KILL_AT),
                str(tmp_path / "elsewhere"),
                "0",
                str(log),
                "--",
                "--publish",
                text,
                str(dist),
            ],
            stderr=subprocess.PIPE,
        )
        for text in ("one", "two", "three", "four")
    ]
    for p in procs:
        assert p.wait(timeout=120) == 0, p.stderr.read()
    got = {p.name: p.read_bytes() for p in dist.iterdir()}
    assert got in [
        {"a.txt": t.encode() * 1000, "b.txt": t.encode() * 2000} for t in ("one", "two", "three", "four")
    ]
    assert len(list((tmp_path / "site" / ".dist.spacecoop").iterdir())) == 3  # lock, current, previous


@pytest.mark.slow
def test_an_unchanged_build_is_reused_byte_for_byte_and_an_edit_builds_anew(tmp_path, monkeypatch):
    """The files kept by a build are published again while no input changes (nothing is loaded
    then), identical to a full build's; once a source changes, the build is made anew."""
    import spacecoop.publish.build as b
    from spacecoop.pages.graph_page import build_pages

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    project = copy_project(ROOT_DIR, tmp_path / "project")

    def files(out: Path) -> dict[str, bytes]:
        return {p.name: p.read_bytes() for p in out.iterdir()}

    first = b.build(tmp_path / "out1", project, extra=build_pages)
    real_load = b.load_kept
    monkeypatch.setattr(b, "load_kept", lambda root: pytest.fail("an unchanged build loaded the data"))
    again = b.build(tmp_path / "out2", project, extra=build_pages)
    assert again.summary == first.summary
    assert [p.name for p in again.files] == [p.name for p in first.files]
    assert files(tmp_path / "out2") == files(tmp_path / "out1")
    monkeypatch.setattr(b, "load_kept", real_load)
    b.build(tmp_path / "full", project, extra=build_pages, reuse=False)
    assert files(tmp_path / "out2") == files(tmp_path / "full")

    source = project / "graph" / "sources" / "zz-build-test.trig"
    source.write_text(
        '@prefix ex: <https://example.org/build-test/> .\nex:graph { ex:s ex:p "added" . }\n', "utf-8"
    )
    # validate, then build: the build takes the report of the same inputs instead of validating
    import spacecoop.checks.validate as v

    assert v.validate_cached(project).conforms
    real_validate = v.validate
    monkeypatch.setattr(v, "validate", lambda *a, **k: pytest.fail("build validated what validate had"))
    edited = b.build(tmp_path / "out3", project, extra=build_pages)
    monkeypatch.setattr(v, "validate", real_validate)
    assert edited.summary.triples == first.summary.triples + 1
    assert b"added" in (tmp_path / "out3" / "spacecoop.nq").read_bytes()
    b.build(tmp_path / "full2", project, extra=build_pages, reuse=False)
    assert files(tmp_path / "out3") == files(tmp_path / "full2")
    # a build made with a function of no stable name is never kept
    assert b.build_key(project, lambda loaded: {}) is None


@pytest.mark.slow
def test_a_build_killed_while_keeping_its_files_leaves_nothing_half_kept(article_root, tmp_path, monkeypatch):
    """A build killed at any step of keeping its files for the next build (staging folder, a
    file, the marker written last, the rename) leaves no kept build that the next one would
    publish half: that one publishes exactly a full build's files."""
    from spacecoop.store.compiled import compiled_dir

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    project = copy_project(article_root, tmp_path / "project")
    # Let the copied files settle: a stamp taken within RACY_SECONDS of a file's change is not
    # trusted, so the probe below would hash it again and rewrite the stamps (three more points
    # than the killed runs make, which then end before the point they are to be killed at).
    time.sleep(RACY_SECONDS + 0.2)
    full = tmp_path / "full"
    from spacecoop.pages.graph_page import build_pages

    build(full, project, extra=build_pages, reuse=False)
    want = snapshot(full)
    folder = compiled_dir(project)

    def forget_kept() -> None:
        for entry in folder.glob("build-*"):
            if entry.is_dir():
                shutil.rmtree(entry)  # as before the first build: nothing kept

    assert main(["--root", str(project), "build", "-o", str(tmp_path / "primed")]) == 0
    forget_kept()  # the stamps and the validation report stay: every run below starts from here
    log = tmp_path / "points.log"
    probe = run_killed(folder, 0, log, "--root", str(project), "build", "-o", str(tmp_path / "probe"))
    assert probe.returncode == 0, probe.stderr
    keeping = [i for i, event, path in kill_points(log) if ".keeping-" in path]
    assert keeping, kill_points(log)
    for n in sorted({keeping[0], keeping[1], keeping[-2], keeping[-1]}):
        forget_kept()
        killed = run_killed(
            folder, n, tmp_path / "kill.log", "--root", str(project), "build", "-o", str(tmp_path / f"k{n}")
        )
        assert killed.returncode == -9, (n, killed.stderr)
        out = tmp_path / f"after{n}"
        assert main(["--root", str(project), "build", "-o", str(out)]) == 0
        assert snapshot(out) == want, n


def test_a_build_with_its_dataset_files_written_beside_the_pages_is_the_same(
    article_root, tmp_path, monkeypatch
):
    """On a large dataset ``build`` writes the dataset's files in a forked process while this one
    makes the pages (core.forking.fork_beside): every file is byte for byte the one of a build in
    one process."""
    from spacecoop.core.forking import can_fork
    from spacecoop.pages.graph_page import build_pages
    from spacecoop.publish import build as build_module

    if not can_fork():
        pytest.skip("fork is used on Linux only")
    pids = tmp_path / "serialize-pids"
    record_pids(monkeypatch, build_module, "serialize_all", pids)
    beside_on_any_machine(monkeypatch)
    outs = {}
    for label, minimum in (("alone", 10**12), ("beside", 0)):
        monkeypatch.setattr("spacecoop.core.forking.BESIDE_MIN_QUADS", minimum)
        out = tmp_path / label
        build(out, article_root, extra=build_pages, reuse=False)
        outs[label] = {p.name: p.read_bytes() for p in out.iterdir()}
    ran = pids_in(pids)
    assert (
        ran[0] == os.getpid() and ran[1] != os.getpid()
    )  # the second build wrote them in the forked process
    assert set(outs["alone"]) >= {*OUTPUT_FILES, "countries.html"}
    assert outs["beside"] == outs["alone"]
