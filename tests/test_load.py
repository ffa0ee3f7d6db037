"""Reading data files: only regular files of bounded size; terms checked the way Oxigraph takes them.

A FIFO, socket or device among the data files would hang ``validate``, ``build`` and every reader
of ``load_dataset``; each is refused with a message naming the file (exit 2). The commands run in a
child process with a timeout, so that a hang fails the test instead of stopping the suite.
"""

from __future__ import annotations

import json
import os
import socket
import subprocess
import sys
from pathlib import Path

import pytest
from _article_only import copy_article_project
from rdflib import RDF, BNode, Literal, URIRef

from spacecoop.core.errors import DataError
from spacecoop.core.inputs import MAX_INPUT_BYTES, read_input
from spacecoop.core.load import load_dataset
from spacecoop.core.termcheck import MAX_TERM_BYTES, TermCheck


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run spacecoop in a child with 2 GiB of address space: a runaway read fails, a hang times out."""
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    return subprocess.run(
        [sys.executable, "-m", "spacecoop", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=limit,
        check=False,
    )


def make_special(kind: str, path: Path) -> None:
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "socket":
        s = socket.socket(socket.AF_UNIX)
        s.bind(str(path))
    elif kind == "symlink-to-fifo":
        os.mkfifo(path.with_name("pipe"))
        path.symlink_to(path.with_name("pipe"))
    elif kind == "symlink-to-device":
        path.symlink_to("/dev/zero")
    else:
        raise ValueError(kind)


KINDS = {
    "fifo": "a FIFO",
    "socket": "a socket",
    "symlink-to-fifo": "a FIFO",
    "symlink-to-device": "a character device",
}


@pytest.mark.parametrize("kind", sorted(KINDS))
def test_read_input_refuses_what_is_not_a_regular_file(kind, tmp_path):
    path = tmp_path / "x.trig"
    make_special(kind, path)
    with pytest.raises(DataError) as info:
        read_input(path)
    assert (
        str(info.value) == f"{path}: not a regular file ({KINDS[kind]}); spacecoop reads only regular files"
    )


def test_read_input_refuses_a_file_over_the_limit_without_reading_it(tmp_path):
    path = tmp_path / "big.ttl"
    with open(path, "wb") as f:
        f.truncate(MAX_INPUT_BYTES + 1)  # sparse
    with pytest.raises(DataError, match=r"larger than the 64 MiB limit for a data file \(67,108,865 bytes"):
        read_input(path)
    assert MAX_INPUT_BYTES == 64 * 2**20


@pytest.mark.parametrize(
    ("kind", "folder", "name"),
    [
        ("fifo", "sources", "pipe.trig"),
        ("symlink-to-fifo", "reference", "linked.ttl"),
        ("symlink-to-device", "sources", "zero.trig"),
        ("socket", "../ontology", "socket.ttl"),
        ("fifo", "../queries/checks", "pipe-violation.rq"),
    ],
)
@pytest.mark.parametrize("verb", ["validate", "build"])
def test_a_special_file_among_the_data_files_is_refused_not_read(
    verb, kind, folder, name, article_root, tmp_path
):
    project = copy_article_project(article_root, tmp_path / "project")
    path = (project / "graph" / folder / name).resolve()
    make_special(kind, path)
    args = ["--root", str(project), verb] + (["-o", str(tmp_path / "dist")] if verb == "build" else [])
    proc = run_cli(*args, timeout=90)
    assert proc.returncode == 2, proc.stderr
    assert (
        proc.stderr
        == f"error: {path}: not a regular file ({KINDS[kind]}); spacecoop reads only regular files\n"
    )
    assert not (tmp_path / "dist").exists()


def test_load_dataset_refuses_a_fifo(article_root, tmp_path):
    project = copy_article_project(article_root, tmp_path / "project")
    pipe = project / "graph" / "sources" / "pipe.trig"
    os.mkfifo(pipe)
    code = f"from spacecoop.core.load import load_dataset\nload_dataset({str(project)!r})\n"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=90, check=False
    )
    assert proc.returncode == 1 and f"DataError: {pipe}: not a regular file (a FIFO)" in proc.stderr


def test_a_data_file_over_the_limit_is_refused(article_root, tmp_path, capsys):
    from spacecoop.cli.app import main

    project = copy_article_project(article_root, tmp_path / "project")
    big = project / "graph" / "sources" / "big.trig"
    with open(big, "wb") as f:
        f.write(b"# a comment, then nothing but zero bytes\n")
        f.truncate(MAX_INPUT_BYTES + 1)
    assert main(["--root", str(project), "validate"]) == 2
    assert capsys.readouterr().err == (
        f"error: {big}: larger than the 64 MiB limit for a data file "
        "(67,108,865 bytes; spacecoop.core.inputs.MAX_INPUT_BYTES)\n"
    )
    with pytest.raises(DataError):
        load_dataset(project)


# ------------------------------------------------------------------------------------------------
# Terms: what rdflib reads but Oxigraph (serve, load) or build's writers refuse
# ------------------------------------------------------------------------------------------------

REFUSED = [
    (URIRef("http://example.org/a b"), "Invalid IRI code point ' '"),
    (URIRef("http://example.org/a|b"), "Invalid IRI code point '|'"),
    (URIRef("http://example.org/a%zz"), "Invalid IRI percent encoding"),
    (URIRef("http://[::1/x"), "is not valid"),
    (URIRef("http://example.org/a#b#c"), "Invalid IRI code point '#'"),
    (URIRef("http://example.org/\ud800"), "lone surrogate U+D800"),
    (Literal("x\ud800y"), "lone surrogate U+D800 at character 1"),
    (Literal("x\udfff", lang="en"), "lone surrogate U+DFFF"),
    (Literal("x", lang="en-verylongsubtag"), "language tag @en-verylongsubtag is not valid"),
    (Literal("x", datatype=URIRef("http://example.org/a b")), "datatype: the IRI"),
    (Literal("x" * (MAX_TERM_BYTES + 1)), "over the 8 MiB limit for one term"),
    (Literal('"' * (MAX_TERM_BYTES // 2 + 1)), "over the 8 MiB limit for one term"),  # escaped: twice as long
    (URIRef("http://example.org/" + "x" * MAX_TERM_BYTES), "over the 8 MiB limit for one term"),
    (Literal("x" * (16 * 2**20 + 1)), "over the 8 MiB limit for one term"),  # what Oxigraph refuses
]
ACCEPTED = [
    URIRef("http://example.org/a"),
    URIRef("https://w3id.org/spacecoop/id/country/türkiye"),
    Literal("Türkiye", lang="tr"),
    Literal("plain"),
    Literal("\x00 \x01 \ufffe"),
    Literal("5", datatype=URIRef("http://www.w3.org/2001/XMLSchema#integer")),
    Literal("x" * (MAX_TERM_BYTES - 10)),
    BNode("b1"),
]


@pytest.mark.parametrize(("term", "message"), REFUSED, ids=[m[:30] for _, m in REFUSED])
def test_a_term_oxigraph_refuses_is_a_problem(term, message):
    import pyoxigraph

    why = TermCheck().problem(term)
    assert why is not None and message in why
    if "limit" in message and len(str(term)) <= 16 * 2**20:
        return  # the stated limit is half of Oxigraph's, so that escapes cannot push a term over it
    # the premise: Oxigraph's parser refuses the same term
    if isinstance(term, URIRef):
        line = f"<{term}> <http://p> <http://o> .\n"
    else:
        lex = str(term).replace("\\", "\\\\").replace('"', '\\"')
        suffix = f"@{term.language}" if term.language else (f"^^<{term.datatype}>" if term.datatype else "")
        line = f'<http://s> <http://p> "{lex}"{suffix} .\n'
    with pytest.raises((SyntaxError, ValueError, MemoryError, UnicodeEncodeError)):
        list(pyoxigraph.parse(line.encode("utf-8"), format=pyoxigraph.RdfFormat.N_TRIPLES))


@pytest.mark.parametrize("term", ACCEPTED, ids=range(len(ACCEPTED)))
def test_a_term_oxigraph_takes_is_no_problem(term):
    assert TermCheck().problem(term) is None


@pytest.mark.parametrize(
    ("quad", "message"),
    [
        ((Literal("lit"), URIRef("http://p"), URIRef("http://o")), "the subject is a literal"),
        ((URIRef("http://s"), Literal("sc:note"), Literal("x")), 'the predicate "sc:note" is a literal'),
        ((URIRef("http://s"), BNode("b"), Literal("x")), "the predicate _:b is a blank node"),
        (
            (URIRef("http://s"), URIRef("http://p"), Literal("x"), URIRef("http://g h")),
            "the IRI <http://g h> is not valid",
        ),
    ],
)
def test_a_term_out_of_place_is_a_problem(quad, message):
    """rdflib's Turtle and TriG parsers read `"lit" <p> <o>`, `<s> "p" <o>` and `<s> [] <o>`."""
    import pyoxigraph

    problems = TermCheck().quad_problems(*quad)
    assert len(problems) == 1 and message in problems[0]
    line = " ".join(f"<{t}>" if isinstance(t, URIRef) else t.n3() for t in quad) + " .\n"
    with pytest.raises(SyntaxError):
        list(pyoxigraph.parse(line.encode(), format=pyoxigraph.RdfFormat.N_QUADS))


def test_the_project_has_no_problem_terms(loaded):
    assert loaded.problems == []


@pytest.mark.slow
def test_rdflib_warnings_about_terms_are_not_printed(article_root, tmp_path):
    """rdflib logs "does not look like a valid URI" while parsing; the rdf-term violation says it."""
    import shutil

    project = copy_article_project(article_root, tmp_path / "project")
    fixture = Path(__file__).parent / "data" / "invalid" / "iri-with-space.trig"
    shutil.copy(fixture, project / "graph" / "sources")
    proc = run_cli("--root", str(project), "validate")
    assert proc.returncode == 1 and "rdf-term" in proc.stdout
    assert proc.stderr == ""


def _ground_quads(loaded) -> set:
    """The quads of a load without blank nodes (whose labels are new on every parse)."""
    return {
        (s, p, o, getattr(g, "identifier", g))
        for s, p, o, g in loaded.ds.quads((None, None, None, None))
        if not any(isinstance(t, BNode) for t in (s, p, o))
    }


def test_parsed_files_are_kept_and_never_stale(article_root, tmp_path, monkeypatch):
    """load keeps each file's parsed quads (core.load._parsed): a second load parses only files
    with blank nodes, gives the same quads, origins and term problems, and an edit is seen."""
    from spacecoop.core import load as loading

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    project = copy_article_project(article_root, tmp_path / "project")
    # terms Oxigraph refuses that come back identical from the kept copy: kept, and still checked
    (project / "graph" / "sources" / "bad-terms.trig").write_text(
        '<https://w3id.org/spacecoop/id/org/a%zz> <https://w3id.org/spacecoop/ns#p> "x"@abcdefghijk .\n',
        encoding="utf-8",
    )

    first = loading.load(project, keep_parsed=True)
    assert list((tmp_path / "cache" / "spacecoop" / "parsed").glob("*.json"))
    parsed: list[Path] = []
    real = loading._parse_bytes
    monkeypatch.setattr(
        loading, "_parse_bytes", lambda path, raw, fmt: parsed.append(path) or real(path, raw, fmt)
    )
    second = loading.load(project, keep_parsed=True)
    assert len(parsed) < len(second.files) / 2
    assert _ground_quads(second) == _ground_quads(first)
    assert {k: v for k, v in second.origins.items() if not isinstance(k, BNode)} == {
        k: v for k, v in first.origins.items() if not isinstance(k, BNode)
    }
    assert second.problems == first.problems

    # one object per term across the files read from kept copies (first: each file's own)
    def objects(loaded) -> int:
        kept = [
            part for path, (part, _) in zip(loaded.files, loaded._parts, strict=True) if path not in parsed
        ]
        return len({id(t) for part in kept for q in part for t in q[:3] if t == RDF.type})

    assert objects(second) == 1 < objects(first)
    assert {p.file for p in second.problems} == {str(project / "graph" / "sources" / "bad-terms.trig")}
    assert len(second.problems) == 2  # the IRI and the language tag
    # made of the kept files' quads and the derived edges: the Dataset's quads, in another order
    assert set(second.quads()) == {
        (s, p, o, getattr(g, "identifier", g)) for s, p, o, g in second.ds.quads((None, None, None, None))
    }
    source = next((project / "graph" / "sources").glob("*.trig"))
    with open(source, "a", encoding="utf-8") as f:
        skos = "http://www.w3.org/2004/02/skos/core#"
        f.write(f'\n<https://w3id.org/spacecoop/id/country/peru> <{skos}altLabel> "Piru"@qu .\n')
    third = loading.load(project, keep_parsed=True)
    assert (
        URIRef("https://w3id.org/spacecoop/id/country/peru"),
        None,
        Literal("Piru", lang="qu"),
    ) in third.ds
    assert parsed[-1] == source  # the edited file, parsed again


def test_files_parsed_ahead_by_forked_processes_load_alike(article_root, tmp_path, monkeypatch):
    """A first load with many bytes to parse has them parsed ahead by forked processes, which keep
    the quads; the load then reads the kept copies and gets what parsing here gives. A file that
    cannot be kept (blank nodes) says so, and a file that does not parse is still reported."""
    from spacecoop.core import load as loading

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(loading, "PARSE_AHEAD_BYTES", 1)
    project = copy_article_project(article_root, tmp_path / "project")
    sources = project / "graph" / "sources"
    (sources / "blank.trig").write_text(
        "<https://w3id.org/spacecoop/id/org/x> <https://w3id.org/spacecoop/ns#p> [ a <urn:x:C> ] .\n",
        encoding="utf-8",
    )

    here = loading.load(project)  # parsed in this process, nothing kept
    files = [(p, "trig") for p in sorted(sources.glob("*.trig"))]
    loading._parse_ahead(files)
    for path, fmt in files:  # each one written by a forked process: kept, or a note that it is not
        kept = json.loads(loading._kept_path(path, fmt).read_text("utf-8"))
        assert ("terms" in kept) == (path.name != "blank.trig"), path
    parsed: list[Path] = []
    real = loading._parse_bytes
    monkeypatch.setattr(
        loading, "_parse_bytes", lambda path, raw, fmt: parsed.append(path) or real(path, raw, fmt)
    )
    ahead = loading.load(project, keep_parsed=True)
    # parsed here: only what cannot be kept (blank nodes: this file, the ontology's restrictions)
    unkept = {
        path
        for path in ahead.files
        if "terms"
        not in json.loads(
            loading._kept_path(path, "trig" if path.suffix == ".trig" else "turtle").read_text()
        )
    }
    assert sources / "blank.trig" in unkept and len(unkept) < len(ahead.files) / 2
    assert set(parsed) == unkept
    assert _ground_quads(ahead) == _ground_quads(here)
    assert {k: v for k, v in ahead.origins.items() if not isinstance(k, BNode)} == {
        k: v for k, v in here.origins.items() if not isinstance(k, BNode)
    }
    assert ahead.problems == here.problems
    (sources / "broken.trig").write_text("<urn:x:a> <urn:x:b> .\n", encoding="utf-8")
    with pytest.raises(DataError) as caught:
        loading.load(project, keep_parsed=True)
    assert "broken.trig" in str(caught.value) and caught.value.line == 1


def test_merging_a_source_drops_the_quads_read_before(article_root, tmp_path):
    """Loaded.quads is read once and shared by the checks; merge_source adds to the dataset, so
    what the checks read next includes the merged source (spacecoop add validates that way)."""
    from spacecoop.core.load import load, merge_source

    project = copy_article_project(article_root, tmp_path / "project")
    loaded = load(project, derive=False)
    before = loaded.quads()
    assert before is loaded.quads()  # read once
    peru = URIRef("https://w3id.org/spacecoop/id/country/peru")
    skos = "http://www.w3.org/2004/02/skos/core#"
    data = f'<{peru}> <{skos}altLabel> "Piru"@qu .\n'.encode()
    merge_source(loaded, project / "graph" / "sources" / "new.trig", data)
    after = loaded.quads()
    assert (peru, Literal("Piru", lang="qu")) in {(s, o) for s, _, o, _ in after}
    assert after == [
        (s, p, o, getattr(g, "identifier", g)) for s, p, o, g in loaded.ds.quads((None, None, None, None))
    ]


def test_merging_a_source_before_the_quads_are_read_drops_the_files_quads_kept_by_load(
    article_root, tmp_path
):
    """With keep_parsed, load keeps each file's quads for Loaded.quads; a source merged before the
    quads are read is in them (the kept files' quads alone would leave it out)."""
    from spacecoop.core.load import load, merge_source

    project = copy_article_project(article_root, tmp_path / "project")
    loaded = load(project, derive=False, keep_parsed=True)
    peru = URIRef("https://w3id.org/spacecoop/id/country/peru")
    data = f'<{peru}> <http://www.w3.org/2004/02/skos/core#altLabel> "Piru"@qu .\n'.encode()
    merge_source(loaded, project / "graph" / "sources" / "new.trig", data)
    assert (peru, Literal("Piru", lang="qu")) in {(s, o) for s, _, o, _ in loaded.quads()}


_PERU = "https://w3id.org/spacecoop/id/country/peru"
_CNSA = "https://w3id.org/spacecoop/id/org/china-national-space-administration"
# a second kind for CNSA (at most one): no derived edge moves with it
_UNIVERSITY = "https://w3id.org/spacecoop/vocab/org-kind/university"
_SECOND_KIND = f"<{_CNSA}> <https://w3id.org/spacecoop/ns#kind> <{_UNIVERSITY}> .\n".encode()


@pytest.mark.parametrize("data", [_SECOND_KIND, b"_:b <urn:x:p> <urn:x:o> .\n" + _SECOND_KIND])
def test_a_merged_source_is_validated_against_the_kept_shacl_results_as_in_full(data, article_root, tmp_path):
    """``spacecoop add`` validates the project with the new source merged in, SHACL running only
    on the nodes the source can change (the results kept by the last validation for the rest):
    the report is the one a full run gives. The source gives CNSA, whose results are kept, a second
    kind; once with a blank node, whose file's quads have no key (touched on every run)."""
    from spacecoop.checks.validate import validate
    from spacecoop.core.load import load, merge_source

    project = copy_article_project(article_root, tmp_path / "project")
    cache = tmp_path / "shacl.json"
    assert validate(project, loaded=load(project, keep_parsed=True), shacl_cache=cache).conforms
    kept = json.loads(cache.read_text("utf-8"))
    # CNSA's results kept (the edge is real): none, which a run on files keeps by leaving it out
    assert kept["sparse"] is True and not any(_CNSA in node for node in kept["nodes"])

    new = project / "graph" / "sources" / "new.trig"
    loaded = load(project, derive=False, exclude=[new], keep_parsed=True)
    merge_source(loaded, new, data)
    assert loaded.sources is not None and loaded.sources[-1][1]  # the new file among the files
    incremental = validate(project, loaded=loaded, shacl_cache=cache)
    full = load(project, derive=False)
    merge_source(full, new, data)
    assert incremental == validate(project, loaded=full)
    found = [v for v in incremental.violations if v.rule == "shacl" and "china-national-space" in v.node]
    assert found and "sc:kind" in found[0].message, incremental.violations


def test_a_merged_source_is_kept_under_the_key_of_its_written_file(article_root, tmp_path):
    """The key merge_source gives the new file's quads is the one a load computes once the file is
    written with those bytes: the validation after ``spacecoop add`` finds the source unchanged."""
    from spacecoop.core.load import load, merge_source

    project = copy_article_project(article_root, tmp_path / "project")
    new = project / "graph" / "sources" / "new.trig"
    data = f'<{_PERU}> <http://www.w3.org/2004/02/skos/core#altLabel> "Piru"@qu .\n'.encode()
    loaded = load(project, derive=False, exclude=[new], keep_parsed=True)
    merge_source(loaded, new, data)
    new.write_bytes(data)
    after = load(project, keep_parsed=True)
    assert loaded.sources is not None and after.sources is not None
    assert loaded.sources[-1][0] is not None
    assert dict(loaded.sources).keys() == dict(after.sources).keys()


def test_a_merged_source_gives_the_dataset_a_load_gives_once_it_is_written(article_root, tmp_path):
    """What ``spacecoop add`` validates is what the next load reads once the file is written:
    the same quads, the shortcut edges the new file's developments and claims give included
    (derived from what the load read as it merged the files, plus the new file)."""
    from spacecoop.core.derive import DERIVED
    from spacecoop.core.load import load, merge_source

    project = copy_article_project(article_root, tmp_path / "project")
    article = next((project / "graph" / "sources").glob("*.trig"))
    name = f"source/{article.stem}"
    data = article.read_bytes().replace(name.encode(), b"source/the-same-again")  # a graph of its own
    new = project / "graph" / "sources" / "the-same-again.trig"
    merged = load(project, derive=False, exclude=[new], keep_parsed=True)
    merge_source(merged, new, data)
    new.write_bytes(data)
    written = load(project, keep_parsed=True)
    again = URIRef("https://w3id.org/spacecoop/id/source/the-same-again")
    derived = {q for q in written.derived_quads() if q[3] == again}
    assert {q[1] for q in derived} >= {URIRef(str(p)) for p in DERIVED[4:6]}  # develops, carries
    assert _ground_quads(merged) == _ground_quads(written)  # blank nodes are named anew by each load

    def ground(quads) -> set:
        return {q for q in quads if not any(isinstance(t, BNode) for t in q)}

    assert ground(merged.quads()) == ground(written.quads())  # what the checks read
    assert set(merged.derived_quads()) == set(written.derived_quads())


def _synthetic(tmp_path: Path) -> Path:
    from spacecoop.importers.synth import write_corpus

    write_corpus(tmp_path / "synth", 12, 0, root=Path(__file__).resolve().parents[1])
    return tmp_path / "synth"


@pytest.mark.parametrize("which", ["real", "article", "synthetic"])
def test_the_quads_made_of_the_files_read_are_the_quads_of_the_dataset(which, article_root, tmp_path):
    """Loaded.quads after a load that kept the files' quads (validate's and build's) is made of
    them and of the derived edges, without walking the Dataset: the same quads as the Dataset's
    (each at least once), the derived ones and the files' default graph parts included."""
    from spacecoop.core.derive import DERIVED
    from spacecoop.core.load import load

    root = {"real": Path(__file__).resolve().parents[1], "article": article_root}.get(which)
    loaded = load(root if root is not None else _synthetic(tmp_path), keep_parsed=True)
    assert loaded._parts is not None
    made = loaded.quads()
    every = loaded.ds.quads((None, None, None, None))
    walked = {(s, p, o, getattr(g, "identifier", g)) for s, p, o, g in every}
    assert set(made) == walked
    predicates = {p for _, p, _, _ in made}
    assert {p for p in DERIVED if p in predicates} >= {DERIVED[0], DERIVED[4]}  # ISO codes, sc:develops
    default = loaded.ds.default_graph.identifier
    assert any(g == default for *_, g in made), "the default graph's quads carry its name"


def test_the_derived_quads_are_those_of_the_dataset_without_walking_it(article_root, tmp_path, monkeypatch):
    """After a load that kept the files' quads, Loaded.derived_quads is made of what the load
    derived and of the files' own quads of the derived predicates (a source may state an edge
    or a code itself): the Dataset's quads of those predicates, each at least once, read
    without walking the Dataset (33 ms at 100k triples, in each process of a validation)."""
    from rdflib import Dataset

    from spacecoop.core.derive import DERIVED
    from spacecoop.core.load import load

    project = copy_article_project(article_root, tmp_path / "project")
    (project / "graph" / "sources" / "stated.trig").write_text(
        """@base <https://w3id.org/spacecoop/id/> .
@prefix sc: <https://w3id.org/spacecoop/ns#> .
<source/stated> { <org/stated-maker> sc:develops <payload/stated-thing> . }
<country/peru> sc:iso3166Alpha2 "PE" .
""",
        encoding="utf-8",
    )
    loaded = load(project, keep_parsed=True)
    wanted = set(DERIVED)
    walked = {
        (s, p, o, getattr(g, "identifier", g))
        for s, p, o, g in loaded.ds.quads((None, None, None, None))
        if p in wanted
    }

    def no_walk(self, *args, **kwargs):
        raise AssertionError("the Dataset was walked")

    monkeypatch.setattr(Dataset, "quads", no_walk)
    made = loaded.derived_quads()
    assert set(made) == walked
    stated = URIRef("https://w3id.org/spacecoop/id/org/stated-maker")
    assert any(q[0] == stated for q in made), "a file's own quad of a derived predicate"
    assert {q[1] for q in made} >= {DERIVED[0], DERIVED[4], DERIVED[5]}  # ISO codes, develops, carries


@pytest.fixture
def collected(monkeypatch) -> list[int]:
    """The generations ``gc.collect`` is asked for by the loader, which collects every three
    files (``COLLECT_EVERY``) here."""
    import gc

    from spacecoop.core import load as load_module

    asked: list[int] = []
    real = gc.collect

    def counting(generation: int = 2) -> int:
        asked.append(generation)
        return real(generation)

    monkeypatch.setattr(load_module, "COLLECT_EVERY", 3)
    monkeypatch.setattr(load_module.gc, "collect", counting)
    return asked


@pytest.mark.parametrize("enabled", [True, False])
def test_load_collects_the_young_objects_as_it_goes_and_leaves_the_collector_as_it_was(
    article_root, monkeypatch, enabled, collected
):
    """The collector is paused while the dataset is merged (see spacecoop.core.gcpause), the
    young objects are collected every COLLECT_EVERY files (what rdflib's parser leaves behind
    would otherwise pile up: 1.5 GB at 1M triples), and it is left enabled or disabled as the
    caller had it."""
    import gc

    from spacecoop.core import load as load_module

    (gc.enable if enabled else gc.disable)()
    try:
        loaded = load_module.load(article_root)
        assert gc.isenabled() is enabled
    finally:
        gc.enable()
    layout = load_module.Layout(article_root)
    files = sum(1 for p in layout.ontology_files if p.name != "shapes.ttl")
    files += len(layout.reference_files) + len(layout.source_files)
    assert files >= 6
    assert collected.count(1) == files // 3  # young generations, every three files
    assert 2 not in collected  # never a walk of everything
    assert len(loaded.ds) > 0


def test_a_load_collects_only_after_files_it_parsed(article_root, tmp_path, monkeypatch, collected):
    """Files read from their kept copies leave no reference cycles (rdflib's parser does): a
    load collects every third file only when one of the three was parsed (21 collections, 40 ms
    at 100k triples, before every validation: now the one a file with blank nodes asks for); a
    load that parses every file collects as before."""
    from spacecoop.core import load as load_module

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    project = copy_article_project(article_root, tmp_path / "project")
    parsed: list[bool] = []  # per file merged, in order: whether it was parsed
    real_parsed, real_quads = load_module._parsed, load_module._parsed_quads

    def file_read(*args, **kwargs):
        parsed.append(False)
        return real_parsed(*args, **kwargs)

    def file_parsed(*args, **kwargs):
        parsed[-1] = True
        return real_quads(*args, **kwargs)

    monkeypatch.setattr(load_module, "_parsed", file_read)
    monkeypatch.setattr(load_module, "_parsed_quads", file_parsed)

    def expected() -> int:  # every third file, when one of the three was parsed
        return sum(1 for i in range(3, len(parsed) + 1, 3) if any(parsed[i - 3 : i]))

    first = load_module.load(project, keep_parsed=True)  # parses every file and keeps it
    assert all(parsed) and collected.count(1) == expected() >= 2
    collected.clear()
    parsed.clear()
    again = load_module.load(project, keep_parsed=True)
    assert not all(parsed) and collected.count(1) == expected() < len(parsed) // 3
    ground = [{q for q in x.quads() if not any(isinstance(t, BNode) for t in q)} for x in (again, first)]
    assert ground[0] == ground[1]  # blank nodes are named anew by each parse
    collected.clear()
    parsed.clear()
    for source in (project / "graph" / "sources").glob("*.trig"):
        source.write_bytes(source.read_bytes() + b"\n")  # new bytes: parsed again
    load_module.load(project, keep_parsed=True)
    assert collected.count(1) == expected() == len(parsed) // 3


# -- Oxigraph's parser where it reads exactly what rdflib's reads ------------------------------------

ROOT_DIR = Path(__file__).resolve().parents[1]
DATA_FILES = sorted(
    p
    for folder in ("graph", "ontology", "tests/data", "src/spacecoop")
    for pattern in ("*.trig", "*.ttl")
    for p in (ROOT_DIR / folder).rglob(pattern)
)


def rdflib_quads(path: Path, raw: bytes, fmt: str):
    from spacecoop.core.load import _parse_bytes, _quads_of

    return set(_quads_of(_parse_bytes(path, raw, fmt)))


def test_every_data_file_oxigraph_reads_gives_rdflib_s_quads():
    """Every Turtle and TriG file of the project (sources, reference, ontology, test data): where
    the fast path reads a file with Oxigraph, its quads are exactly rdflib's, each once."""
    from spacecoop.core.load import _oxigraph_quads

    read = 0
    for path in DATA_FILES:
        fmt = "trig" if path.suffix == ".trig" else "turtle"
        raw = path.read_bytes()
        quads = _oxigraph_quads(path, raw, fmt)
        if quads is None:
            continue
        read += 1
        assert len(quads) == len(set(quads)), path
        assert set(quads) == rdflib_quads(path, raw, fmt), path
    assert read * 2 > len(DATA_FILES)  # the fast path is taken for most files


HEAD = "@prefix xsd: <http://www.w3.org/2001/XMLSchema#> .\n@prefix ex: <https://e.org/> .\n"

SAME_BOTH_WAYS = [
    "ex:s ex:p 1 , +1 , -0 , 01 , 1.0 , .5 , -.5e3 , 1E3 , true , false .",
    'ex:s ex:p "abc"^^xsd:integer , "2020-13-45"^^xsd:date , "2020"^^xsd:gYear , "0001"^^xsd:int .',
    'ex:s ex:p "a\\nb" , "a\\"b" , \'a\\\'b\' , """a "q" \\t b""" , "" , "  x  " , "é😀" .',
    'ex:s ex:p "x"@en , "x"@en-gb , "x"@zh-hans-cn , "x"^^<https://e.org/dt> .',
    "ex:s ex:p ex:a\\-b , ex:a%20b , ex:a.b , ex:_x , ex:1x , ex: , <claim/x> , <x#y> .",
]


@pytest.mark.parametrize("body", SAME_BOTH_WAYS)
def test_oxigraph_reads_literals_names_and_relative_iris_as_rdflib_does(tmp_path, body):
    from spacecoop.core.load import _oxigraph_quads

    path = tmp_path / "s.trig"
    raw = f"{HEAD}@base <https://w3id.org/spacecoop/id/> .\nex:g {{ {body} }}\n".encode()
    quads = _oxigraph_quads(path, raw, "trig")
    assert quads is not None
    assert set(quads) == rdflib_quads(path, raw, "trig")


READ_OTHERWISE = {
    # Oxigraph would lowercase the tag, and make the typed string plain
    "language tag with a capital": 'ex:g { ex:s ex:p "x"@EN }',
    "typed string": 'ex:g { ex:s ex:p "x"^^xsd:string }',
    # rdflib resolves these against the base otherwise than RFC 3986
    "query reference": "ex:g { ex:s ex:p <?q> }",
    "base with a fragment": "@base <https://e.org/a#f> . ex:g { ex:s ex:p <#x> }",
    "base not hierarchical": "@base <urn:x:y> . ex:g { ex:s ex:p <x> }",
    "dot segment": "@base <https://e.org/a/b/> . ex:g { ex:s ex:p <../x> }",
    # a new label on every parse, which must not meet another file's
    "blank node": "ex:g { ex:s ex:p [ ex:q 1 ] }",
    # a graph named by a file: IRI (the file's own, here) is the default graph
    "graph named by the file": "<> { ex:s ex:p 1 }",
    "unicode escape": 'ex:g { ex:s ex:p "\\u0041" }',
    "RDF 1.2 version": 'VERSION "1.2" ex:g { ex:s ex:p 1 }',
    "RDF 1.2 triple term": "ex:g { ex:s ex:p <<( ex:a ex:b ex:c )>> }",
    "RDF 1.2 base direction": 'ex:g { ex:s ex:p "x"@en--ltr }',  # Oxigraph's parse: no rdflib term
    "a term only rdflib takes": "ex:g { ex:s ex:p <https://e.org/a b> }",
    "a syntax error": "ex:g { ex:s ex:p }",
}


@pytest.mark.parametrize("case", sorted(READ_OTHERWISE))
def test_a_file_oxigraph_could_read_otherwise_is_left_to_rdflib(tmp_path, case):
    """Where the two parsers could give other quads (or Oxigraph refuses the file, whose error is
    then rdflib's, with its line), the fast path declines and the load parses with rdflib."""
    from spacecoop.core.load import _oxigraph_quads, _parsed

    path = tmp_path / "s.trig"
    raw = f"{HEAD}{READ_OTHERWISE[case]}\n".encode()
    path.write_bytes(raw)
    assert _oxigraph_quads(path, raw, "trig") is None
    try:
        expected = rdflib_quads(path, raw, "trig")
    except DataError:  # rdflib refuses it (RDF 1.2, a base it cannot resolve against): as before
        with pytest.raises(DataError) as caught:
            _parsed(path, "trig", keep=False)
        if case == "a syntax error":
            assert caught.value.line == 3
        return
    quads, _ = _parsed(path, "trig", keep=False)
    if case == "blank node":  # labelled anew by each parse
        assert len(set(quads)) == len(expected)
    else:
        assert set(quads) == expected


REFERENCES = ["claim/x", "#x", "?q", "x", "a/b/c", "x#y", "x?y#z", "", "a:b/c", "%41b", "x/", "~x", "x.y"]
REFERENCES += ["x..y", "./x", "../x", "a/../b", "a/./b", "/x", "//h/x", "x;p", "x//y", "x/.", "é", "x y"]
BASES = [None, "https://w3id.org/spacecoop/id/", "https://w3id.org/spacecoop/id", "https://e.org/a/b?q#f"]
BASES += ["https://e.org", "https://e.org/a;p/b", "https://e.org/a/./b/", "urn:x:y", "file:///tmp/", "sub/"]


@pytest.mark.parametrize("base", BASES)
def test_relative_references_oxigraph_reads_resolve_as_rdflib_resolves_them(tmp_path, base):
    """Every reference against every base, under each spelling of the base directive: where the
    fast path reads the file (references rdflib resolves otherwise are sent to rdflib), the
    quads are rdflib's."""
    from spacecoop.core.load import _oxigraph_quads

    path = tmp_path / "s.trig"
    read = 0
    for ref in REFERENCES:
        for directive in ("@base <%s> .\n", "BASE <%s>\n", "base <%s>\n"):
            head = directive % base if base else ""
            raw = f"{head}ex:s ex:p <{ref}> .\nex:g {{ <{ref}> ex:p 1 }}\n"
            raw = HEAD + raw
            quads = _oxigraph_quads(path, raw.encode(), "trig")
            if quads is None:
                continue
            read += 1
            assert set(quads) == rdflib_quads(path, raw.encode(), "trig"), (base, ref, directive)
    if base in ("https://w3id.org/spacecoop/id/", "https://w3id.org/spacecoop/id", "https://e.org"):
        assert read > 0  # plain references against a plain base take the fast path


def test_a_data_file_that_is_not_utf8_is_refused_with_its_name(tmp_path):
    """Bytes that are not UTF-8: Oxigraph refuses them, and the load says which file, as before
    (rdflib's reading of it), with no traceback."""
    from spacecoop.core.load import _oxigraph_quads, _parsed

    path = tmp_path / "latin1.trig"
    raw = f'{HEAD}ex:g {{ ex:s ex:p "caf\xe9" }}\n'.encode("latin-1")
    path.write_bytes(raw)
    assert _oxigraph_quads(path, raw, "trig") is None
    with pytest.raises(DataError) as caught:
        _parsed(path, "trig", keep=False)
    assert caught.value.path == str(path) and "cannot read" in str(caught.value)


def test_a_source_reached_through_a_link_is_kept_under_its_real_path(article_root, tmp_path, monkeypatch):
    """The load resolves each file's path once and hands it to the kept copy's key and name: a
    source that is a symbolic link is kept under the file it points to (as ``_kept_path`` names
    it from the link), and a second load reads that copy instead of parsing."""
    from spacecoop.core import load as loading

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    project = copy_article_project(article_root, tmp_path / "project")
    sources = project / "graph" / "sources"
    first = sorted(sources.glob("*.trig"))[0]
    elsewhere = tmp_path / "elsewhere" / "real.trig"
    elsewhere.parent.mkdir()
    first.rename(elsewhere)
    first.symlink_to(elsewhere)

    fresh = loading.load(project, keep_parsed=True)
    kept = loading._kept_path(first, "trig")
    assert kept == loading._kept_path(elsewhere, "trig") and kept.is_file()
    assert "terms" in json.loads(kept.read_text("utf-8"))
    parsed: list[Path] = []
    real = loading._parse_bytes
    monkeypatch.setattr(
        loading, "_parse_bytes", lambda path, raw, fmt: parsed.append(path) or real(path, raw, fmt)
    )
    again = loading.load(project, keep_parsed=True)
    assert first not in parsed and elsewhere not in parsed
    assert _ground_quads(again) == _ground_quads(fresh)
