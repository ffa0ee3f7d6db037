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
from _article_only import copy_article_project, pad_project
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


def pad_to_background_size(project: Path) -> None:
    """Make the project large: its stores are built by a process of their own."""
    from spacecoop.store.compiled import BACKGROUND_BYTES

    pad_project(project, BACKGROUND_BYTES)


def wait_for_store(env: dict, project: Path, timeout: float = 120.0) -> bool:
    from spacecoop.store.compiled import wait_for_build

    old = os.environ.get("XDG_CACHE_HOME")
    os.environ["XDG_CACHE_HOME"] = env["XDG_CACHE_HOME"]
    try:
        return wait_for_build(project, timeout)
    finally:
        if old is None:
            del os.environ["XDG_CACHE_HOME"]
        else:
            os.environ["XDG_CACHE_HOME"] = old


def ask_process(project: Path, env: dict) -> tuple[list[str], str, int]:
    """As :func:`ask`, with the process id of the command."""
    proc = spacecoop(project, env, "query", "-", "-f", "csv")
    out, err = proc.communicate(ASK_VALUE, timeout=300)
    assert proc.returncode == 0, err
    return [row["o"] for row in csv.DictReader(io.StringIO(out))], err, proc.pid


def test_a_large_project_answers_from_its_files_while_a_process_of_its_own_builds_the_store(project, env):
    pad_to_background_size(project)
    folder = cache_folder(env, project)
    values, err, pid = ask_process(project, env)
    assert values == ["alpha"] and err == ""  # no store yet: answered from the files, no note
    assert wait_for_store(env, project)
    [line] = builds(folder)
    assert f"pid={pid} " not in line  # built by another process than the command
    # the store built is the project's, and the next command reads it
    from spacecoop.store.compiled import open_compiled

    os.environ["XDG_CACHE_HOME"], old = env["XDG_CACHE_HOME"], os.environ.get("XDG_CACHE_HOME")
    try:
        store = open_compiled(project)
        try:
            assert [str(r[0]) for r in store.query(ASK_VALUE).rows] == ["alpha"]
        finally:
            store.close()
    finally:
        if old is None:
            del os.environ["XDG_CACHE_HOME"]
        else:
            os.environ["XDG_CACHE_HOME"] = old
    assert ask(project, env)[0] == ["alpha"]
    assert len(builds(folder)) == 1
    # an edit: the very next command answers the new value (never the old store's), and the
    # store is built again beside it
    write_source(project, "beta")
    assert ask(project, env) == (["beta"], "")
    assert wait_for_store(env, project)
    assert len(builds(folder)) == 2
    assert ask(project, env)[0] == ["beta"]
    assert len([p for p in folder.glob("store-*") if p.is_dir()]) == 1


def test_a_command_started_while_the_store_is_built_answers_without_waiting_for_it(project, env):
    import fcntl

    pad_to_background_size(project)
    assert ask(project, env)[0] == ["alpha"]
    assert wait_for_store(env, project)
    folder = cache_folder(env, project)
    # the builder ends after a last look at the inputs (it builds again when they moved): let it
    # end before the edit, or it would build "gamma" as soon as the lock below is released
    builder = int(builds(folder)[-1].split("pid=")[1].split()[0])
    deadline = time.monotonic() + 60
    while Path(f"/proc/{builder}").exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    write_source(project, "gamma")
    fd = os.open(folder / "lock", os.O_RDWR)
    fcntl.flock(fd, fcntl.LOCK_EX)  # as a builder holds it
    try:
        started = time.monotonic()
        assert ask(project, env) == (["gamma"], "")
        assert time.monotonic() - started < 60  # it did not wait for the lock (held until below)
        assert len(builds(folder)) == 1  # and started no build beside the one that runs
    finally:
        os.close(fd)
    assert not wait_for_store(env, project, timeout=1.0)  # the "builder" built nothing
    assert ask(project, env)[0] == ["gamma"]  # this one starts a build
    assert wait_for_store(env, project)
    assert len(builds(folder)) == 2


def test_a_large_project_is_built_in_the_command_where_no_process_can_be_started(
    project, tmp_path, monkeypatch
):
    from spacecoop.store import engine
    from spacecoop.store.compiled import CompiledStore

    pad_to_background_size(project)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))

    def cannot(*args, **kwargs):
        raise OSError(11, "Resource temporarily unavailable")

    monkeypatch.setattr(os, "posix_spawn", cannot)
    store = engine.open_engine("query", root=project)
    try:
        assert isinstance(store, CompiledStore)  # built here, and read
        assert [str(r[0]) for r in store.query(ASK_VALUE).rows] == ["alpha"]
    finally:
        store.close()
    [line] = builds(cache_folder({"XDG_CACHE_HOME": str(tmp_path / "cache")}, project))
    assert f"pid={os.getpid()} " in line


def test_a_large_project_with_a_broken_file_says_which_file_as_before(project, env):
    pad_to_background_size(project)
    bad = project / "graph" / "sources" / "zz-compiled-test.trig"
    bad.write_text(SOURCE.format(value="alpha").replace(" .", " ;;"), encoding="utf-8")
    proc = spacecoop(project, env, "query", "-", "-f", "csv")
    out, err = proc.communicate(ASK_VALUE, timeout=300)
    assert proc.returncode != 0 and out == ""
    assert "zz-compiled-test.trig" in err and "Traceback" not in err


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


def _open_for_query(project: Path, cache: Path, monkeypatch):
    from spacecoop.store.engine import open_engine

    monkeypatch.setenv("XDG_CACHE_HOME", str(cache))
    monkeypatch.delenv("SPACECOOP_STORE", raising=False)
    return open_engine("query", root=project)


def test_where_the_cache_cannot_be_written_oxigraph_answers_from_the_files(
    project, tmp_path, monkeypatch, capsys
):
    blocker = tmp_path / "not-a-folder"
    blocker.write_text("")  # no cache folder can be made under a file
    store = _open_for_query(project, blocker, monkeypatch)
    try:
        # the engine the compiled store would have been, not rdflib (half a minute at 100k triples)
        assert store.name == "oxigraph" and not store.path
        assert [str(row[0]) for row in store.query(ASK_VALUE).rows] == ["alpha"]
    finally:
        store.close()
    [line] = capsys.readouterr().err.strip().splitlines()
    assert line.startswith("note:") and "memory" in line


@pytest.mark.parametrize("writable", [True, False], ids=["cache-writable", "cache-unwritable"])
def test_a_term_oxigraph_refuses_is_answered_by_rdflib_with_one_note(
    project, tmp_path, monkeypatch, capsys, writable
):
    # an IRI rdflib reads and Oxigraph refuses (RFC 3987: "%zz" is no percent-encoding)
    (project / "graph" / "sources" / "zz-compiled-test.trig").write_text(
        SOURCE.format(value="alpha").replace("}", "    ex:s ex:p <https://example.org/x/%zz> .\n}"),
        encoding="utf-8",
    )
    cache = tmp_path / "cache"
    if not writable:
        cache.write_text("")
    store = _open_for_query(project, cache, monkeypatch)
    try:
        assert store.name == "memory"
        values = sorted(str(row[0]) for row in store.query(ASK_VALUE).rows)
        assert values == ["alpha", "https://example.org/x/%zz"]
    finally:
        store.close()
    err = capsys.readouterr().err
    assert len(err.strip().splitlines()) == 1 and err.startswith("note:"), err


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


def test_a_source_edited_while_the_store_is_filled_is_never_served_under_the_old_key(
    project, env, monkeypatch
):
    """A store is named and recorded by the key of its inputs, computed before it is filled. A
    source edited while it is filled may have been read in its new version: such a store is
    dropped and built again from the files as they are, so that when the edit is undone later,
    no store holding the edited value is taken for the original files."""
    import spacecoop.store.compiled as c

    monkeypatch.setenv("XDG_CACHE_HOME", env["XDG_CACHE_HOME"])
    real_fill = c._fill
    fills: list[str] = []

    def edit_then_fill(path: str, root: Path) -> None:
        if not fills:
            write_source(project, "beta")  # saved after the key was computed, before it was read
        fills.append(path)
        real_fill(path, root)

    monkeypatch.setattr(c, "_fill", edit_then_fill)
    store = c.open_compiled(project)
    try:
        assert [str(r[0]) for r in store.query(ASK_VALUE).rows] == ["beta"]
    finally:
        store.close()
    monkeypatch.setattr(c, "_fill", real_fill)
    write_source(project, "alpha")  # the edit undone
    store = c.open_compiled(project)
    try:
        assert [str(r[0]) for r in store.query(ASK_VALUE).rows] == ["alpha"]
    finally:
        store.close()
    assert len(fills) == 2  # the store filled across the edit was dropped, not kept


def test_the_engine_rule_names_compiled_for_the_commands_only():
    from spacecoop import load_dataset
    from spacecoop.store.engine import choose_engine, open_engine

    assert choose_engine("query") == "compiled"
    assert choose_engine("query", "memory") == "memory"
    assert choose_engine("page", "compiled") == "memory"  # a page: the dataset in this process
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


def kept_answers(env: dict, project: Path) -> list[Path]:
    return sorted((cache_folder(env, project) / "derived").glob("store-*-answer-*.json"))


def test_a_kept_answer_is_the_stores_and_an_edit_asks_the_new_store(project, env):
    """A compiled store keeps its answers (``derived/STORE-answer-*.json``); the next command
    with the same text reads the kept one. An edit makes a new store, whose answers are asked
    again: a kept answer never outlives its store's data."""
    import json

    assert ask(project, env)[0] == ["alpha"]
    (kept,) = kept_answers(env, project)
    # what the next command reads is the kept answer: made to say something else, it is answered
    value = json.loads(kept.read_text())
    assert value["value"]["terms"] == [["literal", "alpha", "", ""]]
    value["value"]["terms"] = [["literal", "kept", "", ""]]
    kept.write_text(json.dumps(value))
    assert ask(project, env)[0] == ["kept"]
    time.sleep(0.01)
    write_source(project, "beta")
    assert ask(project, env)[0] == ["beta"]
    (now,) = kept_answers(env, project)  # the old store's answers went with it
    assert now != kept and not kept.exists()


@pytest.mark.parametrize(
    "damage",
    [
        b"",
        b"{not json",
        b'{"value": {"kind": "SELECT", "vars": ["o"], "terms": [], "rows": [[0]]}}',
        b'{"value": {"kind": "SELECT", "vars": ["o"], "terms": [["literal", "x"]], "rows": [[0]]}}',
        b'{"value": {"kind": "SELECT", "vars": ["o", "p"], "terms": [], "rows": [[-1]]}}',
        b'{"value": {"kind": "SELECT", "vars": ["o"], "terms": [], "rows": [[-2]]}}',
        b'{"value": {"kind": "SELECT", "vars": ["o"], "terms": [["literal", "x", "", ""]], '
        b'"rows": [[false]]}}',
        b'{"value": {"kind": "SELECT", "vars": ["o"], "terms": [["literal", "x", "", ""]], "rows": [["0"]]}}',
        b'{"value": {"kind": "SELECT", "vars": ["o"], "terms": [["literal", "x", "", ""]], "rows": [0]}}',
        b'{"value": {"kind": "SELECT", "vars": ["o"], "terms": [["literal", "x", "", ""]], "rows": [[0.0]]}}',
        b'{"value": {"kind": "CONSTRUCT"}}',
        b'{"value": {"kind": "ASK", "boolean": "no"}}',
        b'{"value": [1, 2]}',
    ],
)
def test_a_damaged_kept_answer_is_asked_again_and_kept_anew(project, env, damage):
    """A kept answer cut short by a power cut, or of another layout, is never answered: the
    store is asked again, and its answer replaces the file."""
    assert ask(project, env)[0] == ["alpha"]
    (kept,) = kept_answers(env, project)
    kept.write_bytes(damage)
    values, err = ask(project, env)
    assert values == ["alpha"] and "Traceback" not in err
    assert ask(project, env)[0] == ["alpha"]
    assert kept.read_bytes() != damage


def test_kept_answers_equal_the_engines_for_every_named_query(project, monkeypatch):
    """Every named query of the article-only project, with and without its parameters: the
    answer read back from the kept file equals the one the store gave (the same rdflib terms in
    the same rows, the same text rows), and the bindings are part of what names an answer."""
    from rdflib import URIRef

    from spacecoop.sparql.query import list_queries
    from spacecoop.store import compiled

    monkeypatch.setenv("XDG_CACHE_HOME", str(project.parent / "cache-inproc"))
    store = compiled.open_compiled(project)
    try:
        asked = 0
        for checks in (False, True):
            for nq in list_queries(project, checks=checks):
                text = nq.text_for(store)
                first = store.query_kept(text)
                again = store.query_kept(text)
                assert again.kind == first.kind and again.vars == first.vars, nq.name
                assert again.boolean == first.boolean and again.rows == first.rows, nq.name
                assert again.text_rows() == first.text_rows(), nq.name
                asked += 1
        assert asked > 10 and len(list((Path(store.path).parent / "derived").glob("*-answer-*"))) > 10
        # one text, two bindings: two answers
        text = "SELECT ?label WHERE { ?x <http://www.w3.org/2004/02/skos/core#prefLabel> ?label }"
        china = URIRef("https://w3id.org/spacecoop/id/country/china")
        russia = URIRef("https://w3id.org/spacecoop/id/country/russia")
        for _ in range(2):
            (c,) = {
                str(r[0]) for r in store.query_kept(text, {"x": china}).rows if r[0].language in (None, "en")
            }
            (r,) = {
                str(r[0]) for r in store.query_kept(text, {"x": russia}).rows if r[0].language in (None, "en")
            }
            assert (c, r) == ("China", "Russia")
    finally:
        store.close()


def test_kept_answers_are_bounded_in_number_and_size(project, monkeypatch):
    """Only the KEPT_ANSWERS last used are kept, and no answer over ANSWER_CELLS cells."""
    from spacecoop.store import compiled

    monkeypatch.setenv("XDG_CACHE_HOME", str(project.parent / "cache-bounds"))
    monkeypatch.setattr(compiled, "KEPT_ANSWERS", 2)
    store = compiled.open_compiled(project)
    derived = Path(store.path).parent / "derived"
    try:
        for n in (1, 2, 3):
            store.query_kept(f"SELECT ?s WHERE {{ ?s ?p ?o }} LIMIT {n}")
        assert len(list(derived.glob("*-answer-*.json"))) == 2
        monkeypatch.setattr(compiled, "ANSWER_CELLS", 5)
        before = set(derived.glob("*-answer-*.json"))
        assert len(store.query_kept("SELECT ?s WHERE { ?s ?p ?o } LIMIT 6")) == 6
        assert set(derived.glob("*-answer-*.json")) == before  # too large: asked, not kept
        assert len(store.query_kept("SELECT ?s WHERE { ?s ?p ?o } LIMIT 5")) == 5
        assert len(set(derived.glob("*-answer-*.json")) - before) == 1
        store.query("SELECT ?s WHERE { ?s ?p ?o } LIMIT 4")  # query itself keeps nothing
        assert len(set(derived.glob("*-answer-*.json")) - before) == 1
    finally:
        store.close()


def test_commands_asking_at_once_keep_one_complete_answer(project, env):
    """Four commands asking the same question at once (after the store is built): each answers,
    and one whole answer is kept, with no temporary file left beside it."""
    import json

    assert ask(project, env)[0] == ["alpha"]
    (kept,) = kept_answers(env, project)
    kept.unlink()
    procs = [spacecoop(project, env, "query", "-", "-f", "csv") for _ in range(4)]
    outs = [p.communicate(ASK_VALUE, timeout=300) for p in procs]
    for p, (out, err) in zip(procs, outs, strict=True):
        assert p.returncode == 0 and "Traceback" not in err, err
        assert [r["o"] for r in csv.DictReader(io.StringIO(out))] == ["alpha"]
    assert kept_answers(env, project) == [kept]
    assert json.loads(kept.read_text())["value"]["terms"] == [["literal", "alpha", "", ""]]
    assert [p.name for p in kept.parent.iterdir() if p.name.startswith(".")] == []


@pytest.mark.parametrize("seed", [7, 8])
def test_random_edits_never_leave_a_stale_answer_or_report(project, tmp_path, monkeypatch, seed):
    """A random run of edits (a value of the same size with its old mtime put back, triples
    appended, a file removed and put back, the same bytes written again, an entity added to a
    reference file, a violation added and taken out), each followed by what a command does in
    this process: the compiled store's answers equal rdflib's on the files as they are now, the
    kept validation report equals a validation from scratch, and the parse kept for each file
    gives the quads a fresh parse gives."""
    import random

    from rdflib.compare import isomorphic
    from test_store import canonical  # the rows of an answer, in an order of their own

    from spacecoop.checks.validate import validate, validate_cached
    from spacecoop.core.load import load
    from spacecoop.sparql.query import run_named
    from spacecoop.store import compiled as compiled_module
    from spacecoop.store import open_store
    from spacecoop.store.compiled import CompiledStore
    from spacecoop.store.engine import open_engine

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("SPACECOOP_STORE", raising=False)
    # stamps trusted at once (every step is far longer than a tick of the file system's clock):
    # the same-size edit with its old mtime is then seen through its ctime alone
    monkeypatch.setattr(compiled_module, "RACY_SECONDS", 0.0)
    rng = random.Random(seed)
    source = project / "graph" / "sources" / "zz-compiled-test.trig"
    reference = sorted((project / "graph" / "reference").glob("*.ttl"))[0]
    extra = project / "graph" / "sources" / "zz-extra.trig"
    words = iter(f"{w}{i:03d}" for i in range(1000) for w in ("beta", "gamm", "delt"))
    for step in range(8):
        kind = rng.choice(["same-size", "append", "remove", "rewrite", "entity", "violation"])
        if kind == "same-size":  # a value of the same length, the old mtime put back
            st = source.stat()
            text = source.read_text("utf-8")
            old = text.split('"')[1]
            source.write_text(text.replace(f'"{old}"', f'"{next(words)[: len(old)]}"', 1), "utf-8")
            os.utime(source, ns=(st.st_atime_ns, st.st_mtime_ns))
        elif kind == "append":
            with open(source, "a", encoding="utf-8") as f:
                f.write(f'<{S}> <{P}> "{next(words)}" .\n')
        elif kind == "remove":
            if extra.exists():
                extra.unlink()
            else:
                extra.write_text(SOURCE.replace("ex:s", "ex:t").format(value=next(words)), "utf-8")
        elif kind == "rewrite":  # the same bytes: new times, same content
            source.write_bytes(source.read_bytes())
        elif kind == "entity":
            with open(reference, "a", encoding="utf-8") as f:
                f.write(
                    f"\n<https://w3id.org/spacecoop/id/org/zz-{next(words)}> "
                    '<http://www.w3.org/2004/02/skos/core#prefLabel> "ZZ"@en .\n'
                )
        else:  # a mission with no label: a SHACL violation, there every other step
            bad = project / "graph" / "sources" / "zz-violation.trig"
            if bad.exists():
                bad.unlink()
            else:
                bad.write_text(
                    "<https://example.org/g> { <https://w3id.org/spacecoop/id/mission/zz> a "
                    "<https://w3id.org/spacecoop/ns#Mission> . }\n",
                    "utf-8",
                )
        what = f"seed {seed}, step {step}: {kind}"
        compiled = open_engine("query", root=project)
        assert isinstance(compiled, CompiledStore), what  # not the fall-back to memory
        fresh = load(project, keep_parsed=False)
        memory = open_store("memory", fresh.ds)
        assert canonical(compiled.query(ASK_VALUE)) == canonical(memory.query(ASK_VALUE)), what
        for name, params in (("country-partners", {}), ("evidence", {"entity": "country:china"})):
            got = run_named(compiled, name, root=project, **params)
            want = run_named(memory, name, root=project, **params)
            assert canonical(got) == canonical(want), (what, name)
        compiled.close()
        kept = load(project, keep_parsed=True)
        names = {g.identifier for g in fresh.ds.graphs()}
        assert {g.identifier for g in kept.ds.graphs()} == names, what
        for name in names:  # the ontology's blank nodes are named anew by each parse
            assert isomorphic(kept.ds.graph(name), fresh.ds.graph(name)), (what, name)
        assert validate_cached(project) == validate(project), what
