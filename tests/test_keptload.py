"""The kept load (spacecoop.core.keptload): after every kind of edit, the load made from the kept
one is the load a fresh ``load`` gives; a kept load that is not the user's own, damaged, of other
code or of files that moved is never used."""

from __future__ import annotations

import json
import os
import pickle
import re
import shutil
import time
from pathlib import Path

import pytest
from rdflib import BNode

from spacecoop.core import keptload
from spacecoop.core.errors import DataError
from spacecoop.core.keptload import load_kept
from spacecoop.core.load import load

ROOT = Path(__file__).resolve().parents[1]
ID = "https://w3id.org/spacecoop/id/"
SC = "https://w3id.org/spacecoop/ns#"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    from spacecoop.importers.synth import write_corpus

    out = tmp_path_factory.mktemp("kept-load") / "corpus"
    write_corpus(out, 12, 0, root=ROOT)
    return out


@pytest.fixture
def root(corpus, tmp_path, monkeypatch) -> Path:
    """A copy of the corpus whose loads are kept (however small), written at once in this process."""
    out = tmp_path / "corpus"
    shutil.copytree(corpus, out)
    monkeypatch.setattr(keptload, "KEEP_BYTES", 0)
    monkeypatch.setattr(keptload, "_write_detached", keptload._write)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return out


def fresh(root: Path):
    """The load of ``root`` with no kept load (read nor written): ``load`` itself."""
    return load(root, keep_parsed=True)


def ground(quads) -> set:
    return {q for q in quads if not any(isinstance(t, BNode) for t in q)}


def state(loaded) -> dict:
    """Everything a load gives that a reader reads, blank nodes aside (named anew by each parse)."""
    ds = loaded.ds
    quads = [(s, p, o, getattr(g, "identifier", g)) for s, p, o, g in ds.quads((None, None, None, None))]
    return {
        "quads": ground(quads),
        "blank quads": sorted(
            str(q[3]) for q in quads if any(isinstance(t, BNode) for t in q)
        ),  # graph of each
        "graphs": sorted(str(g.identifier) for g in ds.graphs()),
        "size": len(ds),
        "origins": {s: sorted(v) for s, v in loaded.origins.items() if not isinstance(s, BNode)},
        "files": [str(f) for f in loaded.files],
        "problems": [(p.file, p.node, p.message) for p in loaded.problems],
        "sources": [key for key, _ in loaded.sources],
        "quads()": ground(loaded.quads()),
        "derived": ground(loaded.derived_quads()),
        "namespaces": sorted(ds.namespaces()),
    }


def assert_same(got, want) -> None:
    a, b = state(got), state(want)
    for key in a:
        if key in ("quads", "quads()", "derived"):
            assert a[key] == b[key], (
                f"{key}: only kept {sorted(a[key] - b[key])[:4]}, only fresh {sorted(b[key] - a[key])[:4]}"
            )
        else:
            assert a[key] == b[key], key


def kept_and_fresh(root: Path):
    """Load (from the kept load, which must exist), then load afresh."""
    assert keptload.kept_path(root.resolve()).is_file(), "no kept load was written"
    kept = keptload.KeptLoad(root.resolve(), _plan(root))
    assert kept._file is not None, "the kept load is not used"
    kept.close()
    got = load_kept(root)
    return got, fresh(root)


def _plan(root: Path):
    from spacecoop.core.layout import Layout
    from spacecoop.core.load import files_plan

    return files_plan(Layout(root.resolve()))


def sources(root: Path) -> list[Path]:
    return sorted((root / "graph" / "sources").glob("*.trig"))


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), "utf-8")


def test_a_load_after_an_edit_is_made_from_the_kept_one_and_is_the_fresh_load(root, monkeypatch):
    first = load_kept(root)
    assert_same(first, fresh(root))
    path = sources(root)[0]
    edit(path, 'sc:quote "', 'sc:quote "(corrected) ')
    calls = []
    real = keptload._apply
    monkeypatch.setattr(keptload, "_apply", lambda kept, st: calls.append(1) or real(kept, st))
    got, want = kept_and_fresh(root)
    assert calls == [1], "the load was not made from the kept one"
    assert_same(got, want)

    # what was returned is the kept load: its blank nodes (the ontology's) keep the labels of the
    # load that was kept, where every parse names them anew
    def blank(loaded) -> set:
        return {t for q in loaded.quads() for t in q if isinstance(t, BNode)}

    assert blank(first) and blank(got) == blank(first)
    assert blank(want).isdisjoint(blank(first))
    quotes = {str(o) for o in got.ds.objects(None, None) if str(o).startswith("(corrected) ")}
    assert len(quotes) == 1
    # the old quote is gone from the Dataset (no other file states it)
    assert not [o for o in got.ds.objects(None, None) if str(o) == next(iter(quotes))[len("(corrected) ") :]]


def test_nothing_changed_gives_the_kept_load_as_it_was(root, monkeypatch):
    load_kept(root)
    written = keptload.kept_path(root.resolve()).stat().st_mtime_ns
    got, want = kept_and_fresh(root)
    assert_same(got, want)
    assert keptload.kept_path(root.resolve()).stat().st_mtime_ns == written, "written again for nothing"


def test_a_removed_source_takes_its_quads_and_its_derived_edges_along(root, monkeypatch):
    load_kept(root)
    gone = sources(root)[1]
    before = fresh(root)
    gone.unlink()
    got, want = kept_and_fresh(root)
    assert_same(got, want)
    graph = next(g for g in before.ds.graphs() if str(g.identifier).endswith(gone.stem))
    assert str(graph.identifier) not in state(got)["graphs"]
    assert len(state(got)["derived"]) < len(state(before)["derived"])


def test_a_new_source_is_merged_and_derived(root, monkeypatch):
    load_kept(root)
    text = sources(root)[2].read_text("utf-8")
    stem = sources(root)[2].stem
    (root / "graph" / "sources" / "zz-new.trig").write_text(
        text.replace(f"source/{stem}", "source/zz-new").replace(f"claim/{stem}/", "claim/zz-new/"), "utf-8"
    )
    got, want = kept_and_fresh(root)
    assert_same(got, want)
    assert f"{ID}source/zz-new" in state(got)["graphs"]


def test_an_edit_in_one_file_changes_the_edges_derived_in_another(root, monkeypatch):
    """A member's kind is read in every graph: a new file that types a member as an organisation
    turns its participations in other sources' graphs from sc:participatesIn to sc:involvedIn."""
    from spacecoop.core.namespaces import SC

    before = load_kept(root)
    member, _, bloc, graph = next(
        (s, p, o, getattr(g, "identifier", g))
        for s, p, o, g in before.ds.quads((None, SC.participatesIn, None, None))
        if str(s).startswith(ID + "country/")
        and getattr(g, "identifier", g) != before.ds.default_graph.identifier
    )
    (root / "graph" / "sources" / "zz-typed.trig").write_text(
        f"<{ID}source/zz-typed> a <{SC}Source> .\n"
        f"<{ID}source/zz-typed> {{ <{member}> a <{SC}Organization> . }}\n",
        "utf-8",
    )
    got, want = kept_and_fresh(root)
    assert_same(got, want)
    assert (member, SC.participatesIn, bloc) not in got.ds.graph(graph)
    assert (member, SC.involvedIn, bloc) in got.ds.graph(graph)


@pytest.fixture
def derivations(monkeypatch) -> list[int]:
    """One entry per derivation of the shortcut edges."""
    from spacecoop.core import derive

    calls: list[int] = []
    real = derive.add_shortcuts
    monkeypatch.setattr(derive, "add_shortcuts", lambda *a, **k: calls.append(1) or real(*a, **k))
    return calls


def test_an_edit_of_no_triple_a_derivation_reads_derives_nothing_again(root, derivations):
    load_kept(root)
    derivations.clear()
    edit(sources(root)[0], 'sc:quote "', 'sc:quote "(corrected) ')
    got = load_kept(root)
    assert derivations == []
    assert_same(got, fresh(root))  # the edges derived before are the ones a fresh load derives
    assert state(got)["derived"]
    # an edit of a triple a derivation reads (a claim's status) derives again
    derivations.clear()
    edit(sources(root)[0], "sc:status status:", "sc:status status:not-")
    got = load_kept(root)
    assert derivations == [1]
    assert_same(got, fresh(root))


def test_a_source_of_no_triple_a_derivation_reads_comes_and_goes_without_deriving(root, derivations):
    load_kept(root)
    derivations.clear()
    quotes = root / "graph" / "sources" / "zz-quotes.trig"
    quotes.write_text(
        f'<{ID}source/zz-quotes> {{ <{ID}claim/zz-quotes/c1> <{SC}quote> "words" . }}\n',
        "utf-8",
    )
    got = load_kept(root)
    assert_same(got, fresh(root))
    assert f"{ID}source/zz-quotes" in state(got)["graphs"]
    quotes.unlink()
    got, want = kept_and_fresh(root)
    assert_same(got, want)  # its graph gone with it
    assert f"{ID}source/zz-quotes" not in state(got)["graphs"]
    assert derivations == []


def test_an_edge_no_longer_derived_stays_where_a_file_states_it(root, monkeypatch):
    """As above, where the source's own file also states the edge the load derived there: it is
    no longer derived, and stays, stated."""
    from spacecoop.core.namespaces import SC

    first = fresh(root)
    member, _, bloc, graph = next(
        (s, p, o, getattr(g, "identifier", g))
        for s, p, o, g in first.ds.quads((None, SC.participatesIn, None, None))
        if str(s).startswith(ID + "country/")
        and getattr(g, "identifier", g) != first.ds.default_graph.identifier
    )
    path = next(p for p in sources(root) if f"{ID}source/{p.stem}" == str(graph))
    path.write_text(
        path.read_text("utf-8") + f"<{graph}> {{ <{member}> <{SC.participatesIn}> <{bloc}> . }}\n", "utf-8"
    )
    load_kept(root)
    (root / "graph" / "sources" / "zz-typed.trig").write_text(
        f"<{ID}source/zz-typed> a <{SC}Source> .\n"
        f"<{ID}source/zz-typed> {{ <{member}> a <{SC}Organization> . }}\n",
        "utf-8",
    )
    got, want = kept_and_fresh(root)
    assert_same(got, want)
    assert (member, SC.participatesIn, bloc) in got.ds.graph(graph)  # stated
    assert (member, SC.involvedIn, bloc) in got.ds.graph(graph)  # derived now


def test_a_triple_two_files_state_stays_when_one_no_longer_does(root, monkeypatch):
    from rdflib import Literal, URIRef
    from rdflib.namespace import SKOS

    first, second = sources(root)[:2]
    line = f'<{ID}org/zz-shared> <{SKOS.prefLabel}> "Shared" .\n'
    for path in (first, second):
        path.write_text(path.read_text("utf-8") + line, "utf-8")
    load_kept(root)
    edit(first, line, "")
    got, want = kept_and_fresh(root)
    assert_same(got, want)
    assert (URIRef(f"{ID}org/zz-shared"), SKOS.prefLabel, Literal("Shared")) in got.ds.default_graph
    assert state(got)["origins"][URIRef(f"{ID}org/zz-shared")] == [str(second)]


def test_a_reference_edit_changes_the_codes_derived_from_labels(root, monkeypatch):
    from spacecoop.core.namespaces import SC

    before = load_kept(root)
    country, code = next(
        (s, o) for s, o in before.ds.subject_objects(SC.iso3166Alpha2) if str(s).startswith(ID + "country/")
    )
    name = str(country).rsplit("/", 1)[-1]  # the Turtle names it country/NAME
    path = next(p for p in (root / "graph" / "reference").glob("*.ttl") if name in p.read_text("utf-8"))
    text = path.read_text("utf-8")
    label = re.search(r'skos:prefLabel\s+"([^"]+)"', text[text.find(name) :])
    assert label is not None
    edit(path, f'"{label.group(1)}"', '"Nowhere at all"')
    got, want = kept_and_fresh(root)
    assert_same(got, want)
    assert (country, SC.iso3166Alpha2, code) not in got.ds


def test_term_problems_are_those_of_a_fresh_load(root, monkeypatch):
    load_kept(root)
    path = sources(root)[3]
    path.write_text(path.read_text("utf-8") + f'<{ID}org/zz-odd> <{ID}p> "odd"@en-abcdefghijk .\n', "utf-8")
    got, want = kept_and_fresh(root)
    assert want.problems, "the edit should leave a term problem"
    assert_same(got, want)


def test_a_file_that_no_longer_parses_fails_the_load_naming_it(root, monkeypatch):
    load_kept(root)
    path = sources(root)[0]
    path.write_text(path.read_text("utf-8") + "\n<unclosed", "utf-8")
    with pytest.raises(DataError) as err:
        load_kept(root)
    assert path.name in str(err.value)


def _poisoned(root: Path, marker: Path, *, code: str | None = None) -> bytes:
    """A kept load whose body, unpickled, writes ``marker`` (what a stranger's pickle could do)."""
    kept = keptload.KeptLoad(root.resolve(), _plan(root))
    kept.close()
    header = {"format": keptload.FORMAT, "code": code or kept.code, "root": str(root.resolve()), "files": {}}

    class Poison:
        def __reduce__(self):
            return (Path.write_text, (marker, "ran"))

    return keptload.MAGIC + json.dumps(header).encode() + b"\n" + pickle.dumps({"x": Poison()})


@pytest.mark.parametrize(
    "how", ["file writable by others", "folder writable by others", "other code", "a link"]
)
def test_a_kept_load_that_is_not_the_users_own_is_never_unpickled(root, monkeypatch, tmp_path, how):
    marker = tmp_path / "marker"
    path = keptload.kept_path(root.resolve())
    path.parent.mkdir(parents=True, exist_ok=True)
    body = _poisoned(root, marker, code="other" if how == "other code" else None)
    if how == "a link":
        target = tmp_path / "elsewhere.pickle"
        target.write_bytes(body)
        os.chmod(target, 0o600)
        path.symlink_to(target)
    else:
        path.write_bytes(body)
        os.chmod(path, 0o666 if how == "file writable by others" else 0o600)
        if how == "folder writable by others":
            os.chmod(path.parent, 0o777)
    got = load_kept(root)
    assert not marker.exists(), "the pickle was read"
    assert_same(got, fresh(root))


def test_the_users_own_kept_load_is_what_is_read(root, monkeypatch, tmp_path):
    """The counterpart of the test above: the same poisoned file, the user's own and private,
    is read (so that test's files are refused for what they are, not by accident)."""
    marker = tmp_path / "marker"
    path = keptload.kept_path(root.resolve())
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    os.chmod(path.parent, 0o700)
    path.write_bytes(_poisoned(root, marker))
    os.chmod(path, 0o600)
    got = load_kept(root)  # the body is no load: a fresh one
    assert marker.read_text() == "ran"
    assert_same(got, fresh(root))


@pytest.mark.parametrize("damage", ["truncated", "garbage", "no header"])
def test_a_damaged_kept_load_gives_a_fresh_load(root, monkeypatch, damage):
    load_kept(root)
    path = keptload.kept_path(root.resolve())
    raw = path.read_bytes()
    header_end = raw.index(b"\n", len(keptload.MAGIC)) + 1
    path.write_bytes(
        {
            "truncated": raw[: header_end + (len(raw) - header_end) // 2],
            "garbage": raw[:header_end] + b"\x80\x05junk",
            "no header": raw[header_end:],
        }[damage]
    )
    edit(sources(root)[0], 'sc:quote "', 'sc:quote "(corrected) ')
    got = load_kept(root)
    assert_same(got, fresh(root))


def test_a_load_is_not_kept_when_a_file_moved_while_it_was_loaded(root, monkeypatch):
    path = sources(root)[0]
    real = keptload._write

    def edited_meanwhile(kept, st):
        edit(path, 'sc:quote "', 'sc:quote "(meanwhile) ')
        return real(kept, st)

    monkeypatch.setattr(keptload, "_write_detached", edited_meanwhile)
    load_kept(root)
    assert not keptload.kept_path(root.resolve()).exists()


def test_the_kept_load_is_written_by_a_process_the_command_does_not_wait_for(corpus, tmp_path, monkeypatch):
    """The real writer: a forked process writes the file (private to the user) after the load
    returned; the next load after an edit is made from it."""
    root = tmp_path / "corpus"
    shutil.copytree(corpus, root)
    monkeypatch.setattr(keptload, "KEEP_BYTES", 0)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    load_kept(root)
    path = keptload.kept_path(root.resolve())
    deadline = time.monotonic() + 60
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert path.exists()
    assert path.stat().st_mode & 0o077 == 0
    edit(sources(root)[0], 'sc:quote "', 'sc:quote "(corrected) ')
    got, want = kept_and_fresh(root)
    assert_same(got, want)


def test_validate_and_build_after_an_edit_say_and_write_what_a_fresh_load_gives(root, monkeypatch, tmp_path):
    """The commands that load through the kept load: after an edit that breaks a rule, the report
    is that of a validation of a fresh load, and build refuses; after the edit that mends it, the
    files build writes are byte for byte those of a build from a fresh load."""
    from spacecoop.checks.validate import validate, validate_cached
    from spacecoop.core.errors import SpacecoopError
    from spacecoop.publish.build import build

    assert validate_cached(root).conforms
    path = sources(root)[0]
    text = path.read_text("utf-8")
    quote = re.search(r'\n\s*sc:quote "[^"\n]*" ;', text)
    assert quote is not None
    path.write_text(text.replace(quote.group(0), "", 1), "utf-8")  # a claim without its quote
    calls = []
    real = keptload._apply
    monkeypatch.setattr(keptload, "_apply", lambda kept, st: calls.append(1) or real(kept, st))
    report = validate_cached(root)
    assert calls, "validate did not load from the kept load"
    assert not report.conforms
    want = validate(root, loaded=fresh(root))
    assert sorted(map(str, report.violations)) == sorted(map(str, want.violations))
    with pytest.raises(SpacecoopError):
        build(tmp_path / "refused", root, reuse=False)
    assert not (tmp_path / "refused").exists() or not any((tmp_path / "refused").iterdir())
    path.write_text(
        text.replace(quote.group(0), quote.group(0).replace('sc:quote "', 'sc:quote "(mended) '), 1)
    )
    calls.clear()
    build(tmp_path / "kept", root, reuse=False)
    assert calls, "build did not load from the kept load"
    monkeypatch.setattr(keptload, "KEEP_BYTES", 1 << 62)
    build(tmp_path / "fresh", root, reuse=False)
    names = sorted(p.name for p in (tmp_path / "fresh").iterdir())
    assert names == sorted(p.name for p in (tmp_path / "kept").iterdir())
    assert "spacecoop.trig" in names
    for name in names:
        assert (tmp_path / "kept" / name).read_bytes() == (tmp_path / "fresh" / name).read_bytes(), name


def test_the_kept_loads_of_other_projects_are_pruned_to_the_last_few(root, monkeypatch, tmp_path):
    folder = keptload.kept_path(root.resolve()).parent
    folder.mkdir(parents=True, mode=0o700)
    for i in range(keptload.KEPT_LOADS + 3):
        old = folder / f"other-{i:02d}.pickle"
        old.write_bytes(b"x")
        os.utime(old, ns=(i * 10**9, i * 10**9))
    load_kept(root)
    left = sorted(p.name for p in folder.iterdir())
    assert keptload.kept_path(root.resolve()).name in left
    assert len(left) == keptload.KEPT_LOADS
    assert "other-00.pickle" not in left and f"other-{keptload.KEPT_LOADS + 2:02d}.pickle" in left


def test_the_writer_holds_nothing_the_command_holds_open(corpus, tmp_path, monkeypatch):
    """A lock the command holds on an open file (the compiled store's, a build's) is let go when
    the command lets it go, not when the kept load's writer ends."""
    import fcntl

    root = tmp_path / "corpus"
    shutil.copytree(corpus, root)
    monkeypatch.setattr(keptload, "KEEP_BYTES", 0)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    real = keptload._write
    started = tmp_path / "started"

    def slow(kept, st):  # runs in the forked process, once it has closed what it inherited
        started.touch()
        time.sleep(3)
        return real(kept, st)

    monkeypatch.setattr(keptload, "_write", slow)
    held = open(tmp_path / "lock", "w")  # noqa: SIM115
    fcntl.flock(held, fcntl.LOCK_EX)
    load_kept(root)  # forks the writer while the lock is held
    deadline = time.monotonic() + 60
    while not started.exists() and time.monotonic() < deadline:
        time.sleep(0.01)
    assert started.exists(), "the writer did not start"
    held.close()
    with open(tmp_path / "lock", "w") as other:
        fcntl.flock(other, fcntl.LOCK_EX | fcntl.LOCK_NB)  # raises while the writer holds it
    path = keptload.kept_path(root.resolve())
    deadline = time.monotonic() + 60
    while not path.exists() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert path.exists(), "the writer did not write"
