"""`spacecoop build`: outputs parse back to the loaded dataset, are deterministic and atomic."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from _article_only import article_ds, article_root, copy_article_project  # noqa: F401  (fixtures)
from rdflib import Dataset, Graph
from rdflib.compare import isomorphic

from spacecoop.build import OUTPUT_FILES, build, summarize
from spacecoop.cli import main
from spacecoop.errors import SpacecoopError


def test_build_writes_every_format_and_each_parses_back(root, ds, tmp_path):
    result = build(tmp_path / "out", root)
    names = {p.name for p in result.files}
    assert set(OUTPUT_FILES) <= names
    expected = {str(g.identifier): g for g in ds.graphs() if len(g)}
    for name, fmt in (("spacecoop.trig", "trig"), ("spacecoop.nq", "nquads"), ("spacecoop.jsonld", "json-ld")):
        back = Dataset()
        back.parse(tmp_path / "out" / name, format=fmt)
        got = {str(g.identifier): g for g in back.graphs() if len(g)}
        # the default graph comes back under rdflib's default id; compare named graphs by name
        assert len(got) == len(expected), name
        for gid, g in expected.items():
            if gid.startswith("urn:x-rdflib"):
                other = back.default_graph
            else:
                other = got[gid]
            assert isomorphic(g, other), (name, gid)
    merged = Graph().parse(tmp_path / "out" / "spacecoop.ttl")
    union = Graph()
    for s, p, o, _ in ds.quads((None, None, None, None)):
        union.add((s, p, o))
    assert isomorphic(merged, union)


def test_build_is_byte_identical_across_processes(article_root, tmp_path):
    outs = []
    for seed in ("1", "2"):
        out = tmp_path / f"out{seed}"
        env = dict(os.environ, PYTHONHASHSEED=seed)
        subprocess.run([sys.executable, "-m", "spacecoop", "--root", str(article_root), "build", "-o", str(out)],
                       check=True, env=env, capture_output=True)
        outs.append(out)
    for name in OUTPUT_FILES:
        assert (outs[0] / name).read_bytes() == (outs[1] / name).read_bytes(), name


def copy_project(root: Path, dest: Path) -> Path:
    """Copy the article-only project (no imported table: smaller, and what the fixtures are about)."""
    return copy_article_project(root, dest)


def test_failed_validation_writes_nothing_and_keeps_previous_outputs(root, tmp_path, capsys):
    project = copy_project(root, tmp_path / "project")
    out = tmp_path / "out"
    assert main(["--root", str(project), "build", "-o", str(out)]) == 0
    before = {p.name: p.read_bytes() for p in out.iterdir()}
    shutil.copy(Path(__file__).parent / "data" / "invalid" / "entity-without-label.trig", project / "graph" / "sources")
    capsys.readouterr()
    assert main(["--root", str(project), "build", "-o", str(out)]) == 1
    err = capsys.readouterr().err
    assert "does not conform" in err and "mission:change-99" in err and "nothing was written" in err
    assert {p.name: p.read_bytes() for p in out.iterdir()} == before


def test_unwritable_output_is_a_clean_error(article_root, tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main(["--root", str(article_root), "build", "-o", str(blocker / "out")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot write to") and "Traceback" not in err


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
    assert (rels["sc:Participation"], rels["sc:PayloadDevelopment"], rels["sc:PayloadCarriage"]) == (32, 17, 11)
    assert dict(s.claims_by_certainty) == {"stated": 85, "hedged": 1, "contradicted": 2}
    assert s.sources[0][2] == 88


def test_build_command_prints_a_summary(article_root, tmp_path, capsys):
    assert main(["--root", str(article_root), "build", "-o", str(tmp_path / "d")]) == 0
    out = capsys.readouterr().out
    assert "sc:PayloadDevelopment" in out and "17" in out
    assert "wrote" in out and "spacecoop.trig" in out
