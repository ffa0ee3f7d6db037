"""The compiled store (spacecoop.store.compiled): built once, rebuilt when an input's content
changes, safe under concurrent starts and kills, and out of the way when it cannot be written.

The hard cases run real ``spacecoop`` processes on a small copy of the project (the Chang'e-8
article's source and a source of this test's own), with ``$XDG_CACHE_HOME`` in ``tmp_path``.
"""

from __future__ import annotations

import csv
import io
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
from _article_only import copy_article_project
from _servers import interruptible

pytestmark = [pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]

S = "https://example.org/compiled-test/s"
P = "https://example.org/compiled-test/p"
ASK_VALUE = f"SELECT ?o WHERE {{ <{S}> <{P}> ?o }}"

SOURCE = """@prefix ex: <https://example.org/compiled-test/> .
ex:graph {{
    ex:s ex:p "{value}" .
}}
"""


def write_source(project: Path, value: str) -> Path:
    path = project / "graph" / "sources" / "zz-compiled-test.trig"
    path.write_text(SOURCE.format(value=value), encoding="utf-8")
    return path


@pytest.fixture
def project(tmp_path) -> Path:
    """A small checkout: the article's source, plus one source holding ``ex:s ex:p "alpha"``."""
    root = copy_article_project(ROOT, tmp_path / "project")
    write_source(root, "alpha")
    return root


@pytest.fixture
def env(tmp_path) -> dict[str, str]:
    out = dict(os.environ)
    out["XDG_CACHE_HOME"] = str(tmp_path / "cache")
    out.pop("SPACECOOP_STORE", None)
    out.pop("SPACECOOP_ROOT", None)
    src = str(ROOT / "src")
    out["PYTHONPATH"] = src + os.pathsep + out["PYTHONPATH"] if out.get("PYTHONPATH") else src
    return out


def spacecoop(project: Path, env: dict, *args: str, stdin: str = ASK_VALUE) -> subprocess.Popen:
    return subprocess.Popen(
        [sys.executable, "-m", "spacecoop", "--root", str(project), *args],
        env=env,
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=interruptible,  # `serve` is stopped with SIGINT
    )


def ask(project: Path, env: dict, *store: str) -> tuple[list[str], str]:
    """Return the values of ``ex:s ex:p ?o`` answered by a ``spacecoop query -`` process, and its stderr."""
    proc = spacecoop(project, env, *store, "query", "-", "-f", "csv")
    out, err = proc.communicate(ASK_VALUE, timeout=300)
    assert proc.returncode == 0, err
    return [row["o"] for row in csv.DictReader(io.StringIO(out))], err


def cache_folder(env: dict, project: Path) -> Path:
    from spacecoop.store.compiled import compiled_dir

    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = env["XDG_CACHE_HOME"]
    try:
        return compiled_dir(project)
    finally:
        if old is None:
            del os.environ["XDG_CACHE_HOME"]
        else:
            os.environ["XDG_CACHE_HOME"] = old


def builds(folder: Path) -> list[str]:
    log = folder / "builds.log"
    return log.read_text().splitlines() if log.exists() else []


def test_two_commands_started_at_once_both_answer_and_build_the_store_once(project, env):
    procs = [spacecoop(project, env, "query", "-", "-f", "csv") for _ in range(2)]
    outs = [p.communicate(ASK_VALUE, timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0, err
        assert [r["o"] for r in csv.DictReader(io.StringIO(out))] == ["alpha"]
        assert "Traceback" not in err
    folder = cache_folder(env, project)
    assert len(builds(folder)) == 1
    assert [p.name for p in folder.glob("store-*") if p.is_dir()] == [builds(folder)[0].split()[-1]]
    assert ask(project, env)[0] == ["alpha"]
    assert len(builds(folder)) == 1  # nothing changed: reused


def test_an_edit_that_keeps_size_and_mtime_is_seen_by_the_next_query(project, env):
    assert ask(project, env)[0] == ["alpha"]
    folder = cache_folder(env, project)
    time.sleep(2.1)  # past the racy window, so the recorded stamps are trusted
    assert ask(project, env)[0] == ["alpha"]
    path = project / "graph" / "sources" / "zz-compiled-test.trig"
    st = path.stat()
    write_source(project, "gamma")  # same size
    os.utime(path, ns=(st.st_atime_ns, st.st_mtime_ns))  # same mtime, to the nanosecond
    assert path.stat().st_size == st.st_size and path.stat().st_mtime_ns == st.st_mtime_ns
    assert ask(project, env)[0] == ["gamma"]
    assert len(builds(folder)) == 2
    assert len([p for p in folder.glob("store-*") if p.is_dir()]) == 1  # the old one is removed


def test_a_build_killed_midway_leaves_the_old_store_complete(project, env):
    assert ask(project, env)[0] == ["alpha"]
    folder = cache_folder(env, project)
    before = {p.name for p in folder.glob("store-*") if p.is_dir()}
    manifest = (folder / "current.json").read_bytes()
    write_source(project, "delta")
    proc = spacecoop(project, env, "query", "-", "-f", "csv")
    proc.stdin.write(ASK_VALUE)
    proc.stdin.close()
    deadline = time.monotonic() + 120
    while not list(folder.glob(".building-*")):
        assert proc.poll() is None, "the build finished before it could be killed"
        assert time.monotonic() < deadline
        time.sleep(0.002)
    proc.send_signal(signal.SIGKILL)
    proc.wait(timeout=60)
    proc.stdout.close()
    proc.stderr.close()
    # the old store is in force and complete; the half-built one is not a store
    assert (folder / "current.json").read_bytes() == manifest
    assert {p.name for p in folder.glob("store-*") if p.is_dir()} == before
    from spacecoop.store.compiled import CompiledStore

    old = CompiledStore(str(folder / before.pop()), os.open(os.devnull, os.O_RDONLY), "")
    try:
        assert [str(r[0]) for r in old.query(ASK_VALUE).rows] == ["alpha"]
    finally:
        old.close()
    # the next command builds the new store and clears what the killed one left
    assert ask(project, env)[0] == ["delta"]
    assert not list(folder.glob(".building-*"))


def test_an_unwritable_cache_falls_back_to_memory_with_one_line(project, env, tmp_path):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")
    env["XDG_CACHE_HOME"] = str(blocker)  # the cache folder cannot be made under a file
    values, err = ask(project, env)
    assert values == ["alpha"]
    lines = err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("note:") and "memory" in lines[0], err
    assert "Traceback" not in err


@pytest.mark.skipif(os.geteuid() == 0, reason="root writes into a read-only folder")
def test_a_read_only_cache_falls_back_to_memory_with_one_line(project, env, tmp_path):
    cache = tmp_path / "cache"
    cache.mkdir()
    cache.chmod(0o555)
    try:
        values, err = ask(project, env)
    finally:
        cache.chmod(0o755)
    assert values == ["alpha"]
    assert len(err.strip().splitlines()) == 1 and "note:" in err


def test_store_memory_still_answers_and_compiles_nothing(project, env):
    assert ask(project, env, "--store", "memory")[0] == ["alpha"]
    assert not (Path(env["XDG_CACHE_HOME"]) / "spacecoop").exists()


def test_a_workspace_keeps_its_compiled_store_inside(tmp_path, env):
    ws = tmp_path / "ws"
    proc = subprocess.run(
        [sys.executable, "-m", "spacecoop", "init", str(ws)], env=env, capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    write_source(ws, "epsilon")
    assert ask(ws, env)[0] == ["epsilon"]
    assert list((ws / ".spacecoop" / "compiled").glob("store-*"))
    assert not (Path(env["XDG_CACHE_HOME"]) / "spacecoop").exists()


def test_validate_reuses_its_report_until_an_input_changes(project, env, monkeypatch):
    import spacecoop.checks.validate as v

    monkeypatch.setenv("XDG_CACHE_HOME", env["XDG_CACHE_HOME"])
    first = v.validate_cached(project)
    calls = []
    real = v.validate
    monkeypatch.setattr(v, "validate", lambda root, **kw: calls.append(root) or real(root, **kw))
    assert v.validate_cached(project) == first
    assert calls == []
    shapes = project / "ontology" / "shapes.ttl"
    shapes.write_text(shapes.read_text() + "\n# touched\n")
    assert v.validate_cached(project) == first
    assert len(calls) == 1


def test_the_engine_rule_names_compiled_for_the_commands_only():
    from spacecoop import load_dataset
    from spacecoop.store.engine import choose_engine, open_engine

    assert choose_engine("query") == "compiled"
    assert choose_engine("query", "memory") == "memory"
    assert choose_engine("page", "compiled") == "oxigraph"
    # a dataset already in this process is queried where it is, on rdflib's engine
    store = open_engine("query", None, load_dataset(ROOT))
    assert store.name == "memory"


def test_stamps_are_trusted_only_once_settled_and_an_edit_moves_them(tmp_path):
    from spacecoop.store.compiled import Inputs, _manifest_for, check_files

    f = tmp_path / "a.ttl"
    f.write_text("one")
    entries, rehashed = check_files([f])
    assert rehashed
    fresh = _manifest_for(Inputs(tmp_path, entries, "code", rehashed), "store-x")["files"]
    assert not fresh[str(f)]["trusted"]  # just written: hashed again next time
    assert check_files([f], fresh)[1]
    old = time.time_ns() - 10**10
    os.utime(f, ns=(old, old))
    entries, _ = check_files([f])
    settled = _manifest_for(Inputs(tmp_path, entries, "code", True), "store-x")["files"]
    assert settled[str(f)]["trusted"] is False  # ctime moved with utime: still recent
    settled[str(f)]["trusted"] = True
    assert check_files([f], settled) == (entries, False)
    f.write_text("two")
    os.utime(f, ns=(old, old))
    again, rehashed = check_files([f], settled)
    assert rehashed and again[str(f)]["sha256"] != entries[str(f)]["sha256"]


def test_serve_answers_from_the_compiled_store_and_a_rebuild_leaves_its_store_in_place(project, env):
    """``serve`` opens the compiled store (built once, shared with the commands); while it runs,
    an edit makes the next command build a new store, but the one the server reads stays until
    it stops (the data as of its start, as the endpoint always served)."""
    import json
    import urllib.parse
    import urllib.request

    server = spacecoop(project, env, "serve", "--port", "0", "--workers", "1")
    try:
        line = server.stdout.readline()
        assert line.startswith("listening on http://127.0.0.1:"), server.stderr.read()
        url = line.split()[-1] + "sparql?" + urllib.parse.urlencode({"query": ASK_VALUE})

        def served() -> list[str]:
            req = urllib.request.Request(url, headers={"Accept": "application/sparql-results+json"})
            with urllib.request.urlopen(req, timeout=60) as r:
                return [b["o"]["value"] for b in json.load(r)["results"]["bindings"]]

        assert served() == ["alpha"]
        folder = cache_folder(env, project)
        assert len(builds(folder)) == 1  # serve built the store the commands use
        assert ask(project, env)[0] == ["alpha"]
        assert len(builds(folder)) == 1
        write_source(project, "delta")
        assert ask(project, env)[0] == ["delta"]  # a new store for the command
        assert len(builds(folder)) == 2
        assert len([p for p in folder.glob("store-*") if p.is_dir()]) == 2  # the served one is kept
        assert served() == ["alpha"]
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.communicate(timeout=60)
        except subprocess.TimeoutExpired:
            server.kill()  # never left running after the test
            server.communicate()
            raise AssertionError("serve did not stop within 60 s of SIGINT") from None
    write_source(project, "epsilon")
    assert ask(project, env)[0] == ["epsilon"]
    assert len([p for p in folder.glob("store-*") if p.is_dir()]) == 1  # no reader left: removed
