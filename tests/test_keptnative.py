"""The check queries' kept copy (spacecoop.store.keptnative): after every kind of edit, the copy
brought up to date by the files' delta holds what a fresh parse of the files gives (blank-node
labels aside), and the check queries answer the same on both; a copy left half-changed, of other
code, not the user's own or held by another process is never used."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path
from urllib.parse import quote

import pyoxigraph as ox
import pytest
from rdflib import BNode, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from spacecoop.checks.validate import check_rows_of_files
from spacecoop.core.errors import DataError
from spacecoop.core.layout import Layout
from spacecoop.store import keptnative
from spacecoop.store.compiled import check_files
from spacecoop.store.keptnative import ask_kept, kept_folder
from spacecoop.store.native import _plan, load_project

ROOT = Path(__file__).resolve().parents[1]
ID = "https://w3id.org/spacecoop/id/"
SC = "https://w3id.org/spacecoop/ns#"


@pytest.fixture(scope="module")
def corpus(tmp_path_factory) -> Path:
    from spacecoop.importers.synth import write_corpus

    out = tmp_path_factory.mktemp("kept-native") / "corpus"
    write_corpus(out, 12, 0, root=ROOT)
    return out


@pytest.fixture
def built(monkeypatch) -> list[Path]:
    """The copies asked to be built: each is built at once, in this process."""
    calls: list[Path] = []
    monkeypatch.setattr(
        keptnative, "build_detached", lambda root: calls.append(root) or keptnative.build(root)
    )
    return calls


@pytest.fixture
def root(corpus, tmp_path, monkeypatch, built) -> Path:
    """A copy of the corpus with its own cache and its kept copy built."""
    out = tmp_path / "corpus"
    shutil.copytree(corpus, out)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert ask_kept(out, len) is None  # no copy yet: one is built
    assert built == [out.resolve()]
    built.clear()
    return out


@pytest.fixture
def applied(monkeypatch) -> list[int]:
    """One entry per delta applied to a copy."""
    calls: list[int] = []
    real = keptnative._apply
    monkeypatch.setattr(keptnative, "_apply", lambda *a: calls.append(1) or real(*a))
    return calls


def entries(root: Path) -> dict:
    return check_files([p for p, _, _ in _plan(Layout(root.resolve()))])[0]


def as_graph(store) -> Graph:
    """The store's quads as one rdflib graph (each quad's graph folded into its predicate), to
    compare two stores up to the labels of their blank nodes (rdflib.compare.isomorphic)."""
    g = Graph()
    for q in store:
        graph = "default" if isinstance(q.graph_name, ox.DefaultGraph) else quote(str(q.graph_name), safe="")
        g.add((_term(q.subject), URIRef(f"{q.predicate.value}@{graph}"), _term(q.object)))
    return g


def _term(t):
    if isinstance(t, ox.BlankNode):
        return BNode(t.value)
    if isinstance(t, ox.Literal):
        if t.language:
            return Literal(t.value, lang=t.language)
        if t.datatype.value == "http://www.w3.org/2001/XMLSchema#string":
            return Literal(t.value)
        return Literal(t.value, datatype=URIRef(t.datatype.value))
    return URIRef(t.value)


def fresh(root: Path) -> ox.Store:
    store = ox.Store()
    load_project(store, root, derive=False)
    return store


def assert_copy_is_fresh(root: Path) -> Graph:
    """The kept copy (which must be used) holds what a fresh parse gives; return it."""
    got = ask_kept(root, as_graph, entries(root))
    assert got is not None, "the kept copy was not used"
    want = fresh(root)
    assert len(got) == len(want)
    assert isomorphic(got, as_graph(want))
    return got


def holds(g: Graph, s: str, p: str, o, graph: str = "default") -> bool:
    graph = graph if graph == "default" else quote(f"<{graph}>", safe="")
    return (URIRef(s), URIRef(f"{p}@{graph}"), o) in g


def sources(root: Path) -> list[Path]:
    return sorted((root / "graph" / "sources").glob("*.trig"))


def edit(path: Path, old: str, new: str, count: int = 1) -> None:
    text = path.read_text("utf-8")
    assert old in text, f"{old!r} not in {path.name}"
    path.write_text(text.replace(old, new, count), "utf-8")


PREFIXES = f"@prefix sc: <{SC}> .\n@base <{ID}> .\n"


def test_an_edit_is_applied_as_a_delta_and_the_copy_is_the_fresh_parse(root, applied, built):
    path = sources(root)[0]
    edit(path, 'sc:quote "', 'sc:quote "(corrected) ')
    got = assert_copy_is_fresh(root)
    assert applied == [1] and built == []
    quotes = [o for o in got.objects() if str(o).startswith("(corrected) ")]
    assert len(quotes) == 2  # in the source's graph and in the default graph
    old = Literal(str(quotes[0])[len("(corrected) ") :])
    assert not any(o == old for o in got.objects()), "the old quote is still in the copy"


def test_nothing_changed_applies_nothing_and_writes_nothing(root, applied):
    index = kept_folder(root.resolve()) / "copy" / "index.json"
    before = index.stat().st_mtime_ns
    assert ask_kept(root, len, entries(root)) == len(fresh(root))
    assert applied == []
    assert index.stat().st_mtime_ns == before


def test_a_source_removed_and_one_added(root, applied):
    gone = sources(root)[0]
    graph = f"{ID}source/{gone.stem}"
    text = gone.read_text("utf-8")
    gone.unlink()
    # a new file stating another source, under another name
    (gone.parent / "new-source.trig").write_text(text.replace(gone.stem, "new-source"), "utf-8")
    got = assert_copy_is_fresh(root)
    assert applied == [1]
    assert not any(str(p).endswith(quote(f"<{graph}>", safe="")) for p in got.predicates())
    # the removed source's own description (its file's default-graph part) left the default graph
    assert not holds(got, graph, f"{SC}".replace("ns#", "ns#") + "x", Literal("x"))
    assert not list(got.triples((URIRef(graph), None, None)))
    assert list(got.triples((URIRef(f"{ID}source/new-source"), None, None)))


def test_a_triple_stated_elsewhere_stays(root, applied):
    a, b = sources(root)[:2]
    graph_a = f"{ID}source/{a.stem}"
    # another file states, in a's graph, a triple a states; and the reference entities state
    # a triple of a's default-graph part; and b's graph states a triple of a's graph
    shared = f"<claim/{a.stem}/c1> sc:certainty <https://w3id.org/spacecoop/vocab/certainty/stated> ."
    (a.parent / "also.trig").write_text(
        PREFIXES
        + f'<source/{a.stem}> {{ {shared} }}\n<source/{b.stem}> {{ <claim/{a.stem}/c1> sc:note "b" . }}\n',
        "utf-8",
    )
    ref = root / "graph" / "reference" / "organizations.ttl"
    headline = f'<source/{a.stem}> <https://schema.org/headline> "Space cooperation roundup number 1"@en .'
    ref.write_text(ref.read_text("utf-8") + "\n" + headline + "\n", "utf-8")
    edit(a, "<source/", f'<source/{a.stem}> {{ <claim/{a.stem}/c1> sc:note "b" . }}\n<source/')
    assert_copy_is_fresh(root)
    # now a drops all three: each stays where another file states it
    text = a.read_text("utf-8")
    text = text.replace(f'<source/{a.stem}> {{ <claim/{a.stem}/c1> sc:note "b" . }}\n', "")
    text = text.replace("sc:certainty certainty:stated ;", "", 1)
    text = text.replace('schema:headline "Space cooperation roundup number 1"@en ;', "")
    a.write_text(text, "utf-8")
    got = assert_copy_is_fresh(root)
    assert applied == [1, 1]
    claim, certainty = f"{ID}claim/{a.stem}/c1", URIRef("https://w3id.org/spacecoop/vocab/certainty/stated")
    assert holds(got, claim, f"{SC}certainty", certainty, graph_a)
    assert holds(got, claim, f"{SC}note", Literal("b"))  # b's graph holds it
    assert holds(
        got, graph_a, "https://schema.org/headline", Literal("Space cooperation roundup number 1", lang="en")
    )
    # and once no file states them, they leave
    (a.parent / "also.trig").unlink()
    ref.write_text(ref.read_text("utf-8").replace(headline, ""), "utf-8")
    got = assert_copy_is_fresh(root)
    assert not holds(got, claim, f"{SC}certainty", certainty, graph_a)
    assert not holds(got, claim, f"{SC}certainty", certainty)
    assert not holds(got, claim, f"{SC}note", Literal("b"))


def test_a_blank_node_label_names_one_node_per_file(root, applied):
    text = PREFIXES + '<source/x> { _:b1 sc:note "one" . <claim/x> sc:evidence _:b1 . }\n'
    (root / "graph" / "sources" / "x1.trig").write_text(text, "utf-8")
    (root / "graph" / "sources" / "x2.trig").write_text(text.replace('"one"', '"two"'), "utf-8")
    got = assert_copy_is_fresh(root)
    evidence = set(got.objects(URIRef(f"{ID}claim/x"), URIRef(f"{SC}evidence@default")))
    assert len(evidence) == 2  # two nodes, as in a fresh parse
    # an edit of one file leaves the other's node as it was
    edit(root / "graph" / "sources" / "x1.trig", '"one"', '"uno"')
    got = assert_copy_is_fresh(root)
    assert applied == [1, 1]
    notes = {str(o) for o in got.objects(None, URIRef(f"{SC}note@default"))}
    assert notes == {"uno", "two"}


def test_the_ontology_and_reference_files(root, applied):
    onto = next(p for p in sorted((root / "ontology").glob("*.ttl")) if p.name != "shapes.ttl")
    with onto.open("a", encoding="utf-8") as f:
        f.write(f'\n<{SC}Claim> <http://www.w3.org/2000/01/rdf-schema#comment> "edited"@en .\n')
    ref = root / "graph" / "reference" / "places.ttl"
    text = ref.read_text("utf-8")
    ref.write_text(text[: len(text) // 2].rsplit(" .\n", 1)[0] + " .\n", "utf-8")
    got = assert_copy_is_fresh(root)
    assert applied == [1]
    assert any(str(o) == "edited" for o in got.objects())


def test_the_check_queries_answer_the_same_on_the_copy(root, applied, built):
    path = sources(root)[0]
    claim = f"{ID}claim/{path.stem}/c1"
    edit(path, "sc:certainty certainty:stated ;", "")  # a claim without certainty: a violation
    rows = check_rows_of_files(root, kept=entries(root))
    assert applied == [1] and built == []
    assert rows == check_rows_of_files(root)
    named = {name: answers for name, _, answers in rows}
    assert [str(r["node"]) for r in named["claim-without-certainty-or-source-violation"]] == [claim]
    edit(path, "sc:level", "sc:certainty certainty:stated ;\n        sc:level")
    rows = check_rows_of_files(root, kept=entries(root))
    assert applied == [1, 1]
    assert rows == check_rows_of_files(root)
    assert not any(answers for _, _, answers in rows)


def test_an_edit_that_does_not_parse_names_the_file_and_leaves_the_copy(root, applied):
    path = sources(root)[0]
    edit(path, "sc:quote", "sc:quote sc:quote")
    with pytest.raises(DataError) as err:
        ask_kept(root, len, entries(root))
    assert path.name in str(err.value)
    assert applied == []
    assert not (kept_folder(root.resolve()) / "copy" / "dirty").exists()
    edit(path, "sc:quote sc:quote", 'sc:quote "fixed" ; sc:quote')
    assert_copy_is_fresh(root)
    assert applied == [1]


def test_a_large_change_builds_the_copy_again(root, applied, built):
    changed = [*sources(root), *(root / "graph" / "reference").glob("*.ttl")]
    for path in changed:
        path.write_text(path.read_text("utf-8") + "\n# edited\n", "utf-8")
    sizes = {p: e["size"] for p, e in entries(root).items()}
    assert sum(sizes[str(p)] for p in changed) > keptnative.MAX_CHANGED_SHARE * sum(sizes.values())
    assert ask_kept(root, len, entries(root)) is None
    assert applied == [] and built == [root.resolve()]
    assert_copy_is_fresh(root)  # the copy built again


def test_a_copy_of_other_code_is_not_used(root, applied, built, monkeypatch):
    monkeypatch.setattr(keptnative, "_code", lambda: "other code")
    assert ask_kept(root, len, entries(root)) is None
    assert built == [root.resolve()]


@pytest.mark.parametrize("where", ["project", "native"])
def test_a_copy_others_may_write_is_not_used(root, built, where):
    folder = kept_folder(root.resolve())
    target = folder if where == "project" else folder.parent
    target.chmod(0o777)
    try:
        assert ask_kept(root, len, entries(root)) is None
        assert built == []  # nor built again there
    finally:
        target.chmod(0o700)
    assert ask_kept(root, len, entries(root)) is not None  # the counterpart: the same copy, private


KILL_SCRIPT = """
import os, signal, sys
from spacecoop.store import keptnative
real = keptnative._apply
def killed(store, parts, others, old, new, defaults):
    for q in list(store)[:50]:  # the store half changed
        store.remove(q)
    store.flush()
    os.kill(os.getpid(), signal.SIGKILL)
keptnative._apply = killed
keptnative.ask_kept(sys.argv[1], len)
"""


def test_a_copy_killed_while_it_changed_is_never_used(root, applied, built):
    edit(sources(root)[0], 'sc:quote "', 'sc:quote "(corrected) ')
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    done = subprocess.run([sys.executable, "-c", KILL_SCRIPT, str(root)], env=env, check=False, timeout=120)
    assert done.returncode == -signal.SIGKILL
    assert (kept_folder(root.resolve()) / "copy" / "dirty").exists()
    assert ask_kept(root, len, entries(root)) is None  # not used: it is built again
    assert built == [root.resolve()] and applied == []
    assert_copy_is_fresh(root)


HOLD_SCRIPT = """
import fcntl, os, sys, time
fd = os.open(sys.argv[1], os.O_RDWR)
fcntl.flock(fd, fcntl.LOCK_EX)
print("held", flush=True)
time.sleep(60)
"""


def test_a_copy_another_process_holds_is_not_waited_for(root, built, applied):
    lock = kept_folder(root.resolve()) / "lock"
    holder = subprocess.Popen(
        [sys.executable, "-c", HOLD_SCRIPT, str(lock)], stdout=subprocess.PIPE, text=True
    )
    try:
        assert holder.stdout is not None and holder.stdout.readline().strip() == "held"
        start = time.monotonic()
        assert ask_kept(root, len, entries(root)) is None
        assert time.monotonic() - start < 5
        assert built == [] and applied == []  # the holder's copy is left to it
    finally:
        holder.kill()
        holder.wait()
    assert ask_kept(root, len, entries(root)) is not None


def test_a_process_of_its_own_builds_the_copy(corpus, tmp_path, monkeypatch):
    out = tmp_path / "corpus"
    shutil.copytree(corpus, out)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert ask_kept(out, len) is None  # starts the real builder, not waited for
    index = kept_folder(out.resolve()) / "copy" / "index.json"
    deadline = time.monotonic() + 120
    while not index.exists() and time.monotonic() < deadline:
        time.sleep(0.1)
    assert index.exists(), "the builder did not build the copy"
    assert json.loads(index.read_text("utf-8"))["root"] == str(out.resolve())
    folder = kept_folder(out.resolve())
    deadline = time.monotonic() + 30
    while ask_kept(out, len) is None and time.monotonic() < deadline:  # the builder lets go
        time.sleep(0.1)
    assert ask_kept(out, len) == len(fresh(out))
    assert folder.stat().st_mode & 0o777 == 0o700


@pytest.fixture
def asked(monkeypatch) -> list[str]:
    """The names of the check queries asked of an engine."""
    from spacecoop.sparql import query as query_module

    names: list[str] = []
    real = query_module.run_query
    monkeypatch.setattr(
        query_module, "run_query", lambda store, q, *a, **k: names.append(q.name) or real(store, q, *a, **k)
    )
    return names


def reading(root: Path, predicate: str) -> set[str]:
    """The check queries that may read ``predicate``."""
    from spacecoop.checks.validate import predicates_read
    from spacecoop.sparql.query import list_queries

    out = set()
    for q in list_queries(root, checks=True):
        reads = predicates_read(q.text_for("oxigraph"))
        if reads is None or predicate in reads:
            out.add(q.name)
    return out


def test_only_the_check_queries_that_read_a_changed_predicate_are_asked_again(root, asked):
    path = sources(root)[0]
    check_rows_of_files(root, kept=entries(root))  # the rows kept for the copy as it is
    everything = set(asked)
    assert len(everything) > 10
    asked.clear()
    assert check_rows_of_files(root, kept=entries(root)) == check_rows_of_files(root)
    assert len(asked) == len(everything)  # only the fresh parse asked them: nothing changed
    asked.clear()
    edit(path, 'sc:quote "', 'sc:quote "(corrected) ')
    rows = check_rows_of_files(root, kept=entries(root))
    quote_readers = reading(root, f"{SC}quote")
    assert set(asked) == quote_readers and quote_readers < everything
    assert rows == check_rows_of_files(root)
    # a claim loses its certainty: the query that reads it is asked again and says so
    asked.clear()
    edit(path, "sc:certainty certainty:stated ;", "")
    rows = check_rows_of_files(root, kept=entries(root))
    assert "claim-without-certainty-or-source-violation" in asked
    assert set(asked) == reading(root, f"{SC}certainty")
    assert rows == check_rows_of_files(root)
    named = {name: answers for name, _, answers in rows}
    assert [str(r["node"]) for r in named["claim-without-certainty-or-source-violation"]] == [
        f"{ID}claim/{path.stem}/c1"
    ]


def test_rows_kept_before_a_delta_they_did_not_see_are_not_used(root, asked):
    path = sources(root)[0]
    check_rows_of_files(root, kept=entries(root))
    # a delta applied by another asker (the rows kept do not follow it): a violation
    edit(path, "sc:certainty certainty:stated ;", "")
    assert ask_kept(root, len, entries(root)) is not None
    # then an edit of a predicate no query of that violation reads
    edit(path, 'schema:headline "', 'schema:headline "(edited) ')
    assert "claim-without-certainty-or-source-violation" not in reading(root, "https://schema.org/headline")
    asked.clear()
    rows = check_rows_of_files(root, kept=entries(root))
    assert "claim-without-certainty-or-source-violation" in asked  # every query asked again
    assert rows == check_rows_of_files(root)
    named = {name: answers for name, _, answers in rows}
    assert named["claim-without-certainty-or-source-violation"]


def test_a_check_query_whose_text_changed_is_asked_again(root, asked):
    check_rows_of_files(root, kept=entries(root))
    query = root / "queries" / "checks" / "date-without-precision-violation.rq"
    variant = query.with_suffix(".oxigraph.rq")
    target = variant if variant.exists() else query
    target.write_text(target.read_text("utf-8") + "\n# edited\n", "utf-8")
    asked.clear()
    check_rows_of_files(root, kept=entries(root))
    assert asked == ["date-without-precision-violation"]


def test_predicates_read_finds_a_variable_predicate_in_the_algebra_too(monkeypatch):
    from spacecoop.checks import validate

    monkeypatch.setattr(validate, "_variable_predicate", lambda text: False)  # the text's check off
    read = validate.predicates_read
    assert read("SELECT ?n WHERE { ?n a <urn:x:C> FILTER NOT EXISTS { ?n <urn:x:p> ?v } }") == sorted(
        ["http://www.w3.org/1999/02/22-rdf-syntax-ns#type", "urn:x:C", "urn:x:p"]
    )
    assert read("SELECT ?n WHERE { ?n a <urn:x:C> FILTER NOT EXISTS { ?n ?p ?v } }") is None
    assert read("SELECT ?n WHERE { ?n ?p ?v }") is None
    assert read("SELECT ?n WHERE { ?n <urn:x:a>/!<urn:x:b> ?v }") is None
    assert read("SELECT ?n WHERE { ?n a <urn:x:C> FILTER EXISTS { ?n <urn:x:a>/!<urn:x:b> ?v } }") is None
    assert read("SELECT ?n WHERE { ?n (<urn:x:a>|^<urn:x:b>)* ?v }") == ["urn:x:a", "urn:x:b"]
    assert read("not SPARQL") is None


def test_an_edit_of_the_default_graph_asks_again_the_queries_that_read_it(root, asked):
    check_rows_of_files(root, kept=entries(root))
    ref = root / "graph" / "reference" / "organizations.ttl"
    text = ref.read_text("utf-8")
    start = text.index("sc:basedIn <country/")
    org = text[:start].rsplit("<org/", 1)[1].split(">", 1)[0]
    ref.write_text(text[:start] + "sc:countryNotKnown true" + text[text.index(" .", start) :], "utf-8")
    edit(sources(root)[0], 'sc:quote "', 'sc:quote "(corrected) ')  # and a named graph in the same delta
    asked.clear()
    rows = check_rows_of_files(root, kept=entries(root))
    assert "organization-without-country-violation" in asked
    assert rows == check_rows_of_files(root)
    named = {name: answers for name, _, answers in rows}
    assert [str(r["node"]) for r in named["organization-without-country-violation"]] == [f"{ID}org/{org}"]
