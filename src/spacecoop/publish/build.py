"""Build the dataset: load, validate, write it in several formats, and summarise it.

Outputs are deterministic (re-running gives byte-identical files) and published all at once
(:func:`publish`). The contract, for a build into ``dist``:

* ``dist`` is a symbolic link to ``.dist.spacecoop/v-<8 random characters>/``, a folder that holds the
  complete outputs of one build and nothing else. A build writes every file into a new version
  folder there, flushes it to disk, and then switches the link with a single ``rename``. A reader
  therefore sees all old or all new outputs, whenever the build is interrupted (even by SIGKILL
  or a power cut): every path opened through ``dist/`` belongs to one complete build.
* A reader that needs several files from the same build resolves the link once
  (``os.path.realpath("dist")``) and reads them from that folder: it stays in place until the
  start of the build after the next one.
* At its start, each build removes every version folder except the one ``dist`` points to:
  leftovers of killed builds, and the previous version. Two builds into the same folder take turns
  (a lock file in ``.dist.spacecoop/``).
* A ``dist`` that is still a real folder (written before this contract) is switched to the link
  in one step (``renameat2`` with ``RENAME_EXCHANGE`` on Linux; elsewhere two renames, so ``dist``
  is absent for an instant but never mixed), and only if it holds nothing but build outputs: any
  other file in it is named in an error and nothing is touched. A ``dist`` that is a link made by
  someone else is followed, and the folder it points to is published to.
"""

from __future__ import annotations

import contextlib
import errno
import functools
import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rdflib import RDF, BNode, Dataset, Graph, Literal, URIRef
from rdflib.term import IdentifiedNode, Node

from spacecoop.core import turtle
from spacecoop.core.atomic import exchange_paths, fsync_path
from spacecoop.core.errors import SpacecoopError
from spacecoop.core.forking import beside_pays, fork_beside
from spacecoop.core.keptload import load_kept
from spacecoop.core.labels import shown_label_of, shown_labels_by
from spacecoop.core.layout import find_root
from spacecoop.core.namespaces import PREFIXES, SC, curie
from spacecoop.core.rdfterms import sorted_iris

OUTPUT_FILES = ("spacecoop.trig", "spacecoop.nq", "spacecoop.ttl", "spacecoop.jsonld")
"""Files of the dataset that :func:`build` writes (made by :func:`serialize_all`)."""

DATA_LICENSE_FILE = "LICENSE-data.txt"
"""The data licence (CC BY 4.0) that :func:`build` copies into its output folder from the shipped data."""

DATA_LICENSE = "https://creativecommons.org/licenses/by/4.0/"
"""The licence of the dataset: Creative Commons Attribution 4.0 International (SPDX CC-BY-4.0)."""

DESCRIPTION_FILE = "void.ttl"
"""The VoID and DCAT description of the dataset that :func:`build` writes (:func:`describe_dataset`)."""


@dataclass(frozen=True)
class Summary:
    """Counts that describe a dataset."""

    triples: int
    quads: int
    graphs: int
    entities: tuple[tuple[str, int], ...]
    relationships: tuple[tuple[str, int], ...]
    claims_by_certainty: tuple[tuple[str, int], ...]
    sources: tuple[tuple[str, str, int], ...]
    """(source CURIE, label, number of claims)."""


ENTITY_CLASSES = (
    SC.Country,
    SC.Region,
    SC.Place,
    SC.Organization,
    SC.Initiative,
    SC.Mission,
    SC.Payload,
    SC.Rover,
    SC.Event,
    SC.Source,
)
RELATIONSHIP_CLASSES = (
    SC.Participation,
    SC.PayloadDevelopment,
    SC.PayloadContribution,
    SC.PayloadCarriage,
    SC.Agreement,
)


def summarize(ds: Dataset, quads: list[tuple] | None = None) -> Summary:
    """Count triples, entities by class, relationships by kind, claims by certainty and sources.

    ``quads``: the quads of ``ds`` already read (:meth:`spacecoop.core.load.Loaded.quads`, where
    a quad may repeat), instead of walking ``ds`` once more (0.3 s at 100k triples).

    Examples
    --------
    >>> from spacecoop import load_dataset
    >>> dict(summarize(load_dataset()).relationships)["sc:PayloadDevelopment"] > 0
    True
    """
    # one pass over the quads: rdflib finds the graphs of every triple it yields (a second pass
    # cost 0.7 s at 100k triples)
    if quads is None:
        every = ds.quads((None, None, None, None))
        distinct_quads = {(s, p, o, getattr(g, "identifier", g)) for s, p, o, g in every}
    else:
        distinct_quads = set(quads)
    triples = len({(s, p, o) for s, p, o, _ in distinct_quads})
    graphs = sum(1 for g in ds.graphs() if len(g))
    from rdflib.namespace import RDFS

    def count(cls: URIRef) -> int:
        subclasses = {cls} | {s for s in ds.transitive_subjects(RDFS.subClassOf, cls)}
        return len({s for c in subclasses for s in ds.subjects(RDF.type, c)})

    entities = tuple((curie(str(c)), count(c)) for c in ENTITY_CLASSES)
    relationships = tuple((curie(str(c)), count(c)) for c in RELATIONSHIP_CLASSES)
    certainty: Counter[str] = Counter()
    # claims per certainty value, then each value's label once (not once per claim)
    for o, n in Counter(o for _, o in set(ds.subject_objects(SC.certainty))).items():
        certainty[shown_label_of(ds, o) or curie(str(o))] += n
    claims_by_certainty = tuple(sorted((str(k), v) for k, v in certainty.items()))
    sources = []
    prov_from = URIRef(PREFIXES["prov"] + "wasDerivedFrom")
    for s in sorted_iris(set(ds.subjects(RDF.type, SC.Source))):
        label = shown_label_of(ds, s)
        n = len(set(ds.subjects(prov_from, s)))
        sources.append((curie(str(s)), label, n))
    return Summary(
        triples, len(distinct_quads), graphs, entities, relationships, claims_by_certainty, tuple(sources)
    )


_SUMMARY_PREFIXES = (
    "PREFIX sc: <https://w3id.org/spacecoop/ns#>\n"
    "PREFIX rdfs: <http://www.w3.org/2000/01/rdf-schema#>\n"
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
    "PREFIX prov: <http://www.w3.org/ns/prov#>\n"
)
# What summarize counts, asked of a store (summarize_store): the quads of the named graphs and the
# graphs that hold them (one scan), their distinct triples, every distinct triple
_SUMMARY_COUNTS = (
    "SELECT (COUNT(*) AS ?n) (COUNT(DISTINCT ?g) AS ?graphs) WHERE { GRAPH ?g { ?s ?p ?o } }",
    "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE { GRAPH ?g { ?s ?p ?o } } }",
    "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE {"
    " { ?s ?p ?o } UNION { GRAPH ?g { ?s ?p ?o } } } }",
)
# the named graphs' distinct triples that hold a blank node (asked of a store whose merge has
# other blank nodes than its graphs: Store.merge_keeps_blank_nodes)
_SUMMARY_NAMED_BLANK = (
    "SELECT (COUNT(*) AS ?n) WHERE { SELECT DISTINCT ?s ?p ?o WHERE {"
    " GRAPH ?g { ?s ?p ?o } FILTER(isBlank(?s) || isBlank(?o)) } }"
)
_SUMMARY_SUBCLASSES = "SELECT ?a ?b WHERE { ?a rdfs:subClassOf ?b }"
_SUMMARY_TYPED = "SELECT (COUNT(DISTINCT ?s) AS ?n) WHERE { VALUES ?t { TYPES } ?s a ?t }"
# claims per certainty value, then each value's labels and each source's (the shown one picked in
# Python by the one rule: SPARQL's MIN cannot prefer English)
# (the labels joined to the values counted, one row per label: a blank-node value keeps its own)
_SUMMARY_CERTAINTY = """SELECT ?o ?n ?label WHERE {
  { SELECT ?o (COUNT(DISTINCT ?c) AS ?n) WHERE { ?c sc:certainty ?o } GROUP BY ?o }
  OPTIONAL { ?o skos:prefLabel ?label }
}"""
_SUMMARY_SOURCES = "SELECT ?s ?label WHERE { ?s a sc:Source . OPTIONAL { ?s skos:prefLabel ?label } }"
_SUMMARY_CLAIMS = (
    "SELECT ?s (COUNT(DISTINCT ?c) AS ?n) WHERE { ?s a sc:Source . ?c prov:wasDerivedFrom ?s } GROUP BY ?s"
)


def summarize_store(store) -> Summary:
    """:func:`summarize` of what ``store`` (a :class:`~spacecoop.store.Store`) holds, as
    ``summarize(store.to_dataset())`` gives it, asked of the store's engine: on Oxigraph at 100k
    triples a few queries instead of copying every quad into rdflib and walking it there (``spacecoop
    stats``, whole process: about 10 s before). rdflib's own store is summarised where it is.

    The store holds the project's layout (:func:`spacecoop.store.terms.layout_nquads`, what every
    named query reads): its default graph is the merge of every graph. A triple of a named graph is
    then counted once more, as a quad, only where it is nowhere but in the default graph, as
    :meth:`~spacecoop.store.Store.to_dataset` puts it back. A certainty or a source with several
    labels is named by the one it is shown by everywhere (:func:`~spacecoop.core.labels.shown_label`).
    """
    dataset = store.held_dataset()
    if dataset is not None:
        return summarize(dataset)

    def ask(text: str) -> list[tuple]:
        return [tuple(row) for row in store.query(_SUMMARY_PREFIXES + text).rows]

    def number(term) -> int:
        return int(term) if term is not None else 0

    named, distinct, every = (ask(q)[0] for q in _SUMMARY_COUNTS)
    named_quads, named_graphs = number(named[0]), number(named[1])
    named_triples, triples = number(distinct[0]), number(every[0])
    if not store.merge_keeps_blank_nodes:
        # The merge holds each triple with a blank node under another label than its graph does
        # (over the SPARQL protocol each graph is written by a request of its own): every such
        # triple of the graphs is counted once more among every distinct triple. stats over HTTP
        # said 5,932 triples of the project's 5,925 (the ontology's seven counted twice).
        triples -= number(ask(_SUMMARY_NAMED_BLANK)[0][0])
    only_default = triples - named_triples  # the default graph's triples in no named graph
    subclasses: dict[Node, set[Node]] = {}
    for a, b in ask(_SUMMARY_SUBCLASSES):
        subclasses.setdefault(b, set()).add(a)

    def count(cls: URIRef) -> int:
        found: set[Node] = {cls}
        todo: list[Node] = [cls]
        while todo:  # the class and its subclasses, transitively (as rdflib's transitive_subjects)
            for sub in subclasses.get(todo.pop(), ()):
                if sub not in found:
                    found.add(sub)
                    todo.append(sub)
        types = " ".join(f"<{c}>" for c in sorted_iris(found) if isinstance(c, URIRef))
        return number(ask(_SUMMARY_TYPED.replace("TYPES", types))[0][0])

    entities = tuple((curie(str(c)), count(c)) for c in ENTITY_CLASSES)
    relationships = tuple((curie(str(c)), count(c)) for c in RELATIONSHIP_CLASSES)
    certainty: Counter[str] = Counter()
    counted = ask(_SUMMARY_CERTAINTY)
    value_names = shown_labels_by((o, label) for o, _, label in counted)
    for o, n in {o: n for o, n, _ in counted}.items():
        certainty[value_names[o] or curie(str(o))] += number(n)
    claims = {s: number(n) for s, n in ask(_SUMMARY_CLAIMS)}
    names = shown_labels_by(ask(_SUMMARY_SOURCES))
    sources = tuple((curie(str(s)), names[s], claims.get(s, 0)) for s in sorted_iris(names))
    return Summary(
        triples,
        named_quads + only_default,
        named_graphs + (1 if only_default else 0),
        entities,
        relationships,
        tuple(sorted((str(k), v) for k, v in certainty.items())),
        sources,
    )


def canonical_graphs(ds: Dataset) -> dict[IdentifiedNode | None, list[tuple[Node, Node, Node]]]:
    """Return the triples of each graph of ``ds`` (None for the default graph), blank nodes named
    the same in every process, for writers whose output must not depend on the run.

    A parser names blank nodes at random: each graph that holds any gets the canonical names of its
    shape (rdflib.compare's hashing). A blank node is local to its file, so to the one named graph
    that file is. The triples come in no particular order: each writer sorts what it writes.
    """
    from rdflib.compare import to_canonical_graph

    default = ds.default_graph.identifier
    by_graph: dict[IdentifiedNode | None, list[tuple[Node, Node, Node]]] = {}
    for s, p, o, g in ds.quads((None, None, None, None)):
        # rdflib types the graph name as optional (None standing for the default graph).
        by_graph.setdefault(None if g is None or g == default else g, []).append((s, p, o))
    for gid, triples in by_graph.items():
        if any(isinstance(t, BNode) for triple in triples for t in triple):
            shape = Graph()
            for t in triples:
                shape.add(t)
            by_graph[gid] = list(to_canonical_graph(shape))
    return by_graph


_DIST_PREFIXES = tuple(sorted(PREFIXES.items()))
"""Prefixes of the Turtle and TriG outputs: entity IRIs as CURIEs (``country:peru``), no @base."""


def serialize_all(ds: Dataset, root: str | os.PathLike | None = None) -> dict[str, bytes]:
    """Serialise ``ds`` as TriG, N-Quads, merged Turtle and JSON-LD, deterministically (the
    JSON-LD with the context of ``root``'s ``ontology/context.jsonld``).

    Every writer reads the triples of :func:`canonical_graphs`, taken from ``ds`` once; none
    needs a second (sorted) Dataset: each sorts what it writes (a copy of a 100k-triple dataset,
    and rdflib's writers reading it, took most of the time of a build's outputs).
    """
    out: dict[str, bytes] = {}
    from spacecoop.core.gcpause import collector_paused

    with collector_paused():
        graphs = canonical_graphs(ds)
        out["spacecoop.trig"] = turtle.graphs_text(graphs, _DIST_PREFIXES, base="").encode("utf-8")
        out["spacecoop.nq"] = _nquads(graphs)
        merged = {t for triples in graphs.values() for t in triples}
        out["spacecoop.ttl"] = turtle.graph_text(merged, _DIST_PREFIXES, base="").encode("utf-8")
        out["spacecoop.jsonld"] = _jsonld(graphs, root).encode("utf-8")
    return out


def _nquads(graphs: dict[IdentifiedNode | None, list[tuple[Node, Node, Node]]]) -> bytes:
    """Return N-Quads, each line as rdflib's N-Quads writer writes it, the lines sorted (by their
    UTF-8 bytes, which is the order of their characters)."""
    n3 = turtle.n3_of({})
    lines = []
    for gid, triples in graphs.items():
        tail = f" {'' if gid is None else gid.n3()} ."  # the default graph's: two spaces and the dot
        for s, p, o in triples:
            if isinstance(o, Literal):
                text = turtle.string(str(o), long=False)
                if o.language:
                    text = f"{text}@{o.language}"
                elif o.datatype:
                    text = f"{text}^^<{o.datatype}>"
            else:
                text = n3(o)
            # "replace", as rdflib's writer: a lone surrogate becomes "?" instead of failing
            lines.append(f"{n3(s)} {n3(p)} {text}{tail}".encode("utf-8", "replace"))
    lines.sort()
    return b"\n".join(lines) + b"\n"


def _jsonld(graphs: dict, root: str | os.PathLike | None = None) -> str:
    """JSON-LD with graphs and nodes sorted by @id, the default graph at the top level."""
    from spacecoop.views.export import graphs_jsonld, jsonld_context

    return graphs_jsonld(graphs, jsonld_context(root))


def write_files(out_dir: str | os.PathLike, files: dict[str, bytes]) -> list[Path]:
    """Write ``files`` into a folder that holds other files too (``graph/`` for ``import-table``).

    Every file is staged first and then renamed into place, so each file is whole and a failure
    while staging leaves every file as it was; a kill during the renames can leave some files new
    and some old (re-running the import mends that). Staging folders that a killed run left
    (``.spacecoop-*``) are removed first. For a folder of outputs that must change all at once,
    use :func:`publish`.

    Raises
    ------
    SpacecoopError
        The folder cannot be created or written; earlier outputs stay as they were.
    """
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        for stale in out.glob(".spacecoop-*"):
            if stale.is_dir() and not stale.is_symlink():
                shutil.rmtree(stale, ignore_errors=True)
        stage = Path(tempfile.mkdtemp(prefix=".spacecoop-", dir=out))
    except OSError as exc:
        raise SpacecoopError(f"cannot write to {out}: {exc}") from exc
    try:
        for name, data in files.items():
            (stage / name).parent.mkdir(parents=True, exist_ok=True)
            (stage / name).write_bytes(data)
        written = []
        for name in files:
            target = out / name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(stage / name, target)
            written.append(target)
        return written
    except OSError as exc:
        raise SpacecoopError(f"cannot write to {out}: {exc}") from exc
    finally:
        shutil.rmtree(stage, ignore_errors=True)


VERSION_PREFIX = "v-"
"""Name prefix of the version folders in ``.OUT.spacecoop/`` (see the module notes)."""


def home_of(out_dir: str | os.PathLike) -> Path:
    """Return the folder that holds the versions of the output folder ``out_dir``: ``.OUT.spacecoop``
    beside it."""
    out = Path(out_dir)
    return out.parent / f".{out.name}.spacecoop"


def publish(out_dir: str | os.PathLike, files: dict[str, bytes]) -> list[Path]:
    """Publish ``files`` as the new contents of ``out_dir``, all at once (see the module notes).

    Parameters
    ----------
    out_dir : path
        The output folder; it becomes a symbolic link to a version folder beside it.
    files : dict
        File name (relative, may contain ``/``) to contents.

    Returns
    -------
    list of Path
        The published files, as paths under ``out_dir``.

    Raises
    ------
    SpacecoopError
        The folder cannot be written, or ``out_dir`` is a folder that holds files other than build
        outputs; the previous outputs are left as they were.
    """
    out = Path(out_dir)
    if out.name in ("", ".", ".."):
        out = Path(os.path.abspath(out))
    if out.is_symlink() and _version_of(out) is None:
        out = Path(os.path.realpath(out))  # a link someone else made: publish where it points
    home = home_of(out)
    try:
        if out.exists() and not out.is_symlink() and not out.is_dir():
            raise NotADirectoryError(errno.ENOTDIR, "exists and is not a folder", str(out))
        home.mkdir(parents=True, exist_ok=True)
        lock = open(home / "lock", "a+b")  # noqa: SIM115 - held until the switch is done
    except OSError as exc:
        raise SpacecoopError(f"cannot write to {out}: {exc.strerror or exc}") from exc
    with lock:
        _lock(lock)
        try:
            _remove_stale(out, home)
            if out.is_dir() and not out.is_symlink():
                _check_migratable(out, files)
            stage = Path(tempfile.mkdtemp(prefix=VERSION_PREFIX, dir=home))
        except OSError as exc:
            raise SpacecoopError(f"cannot write to {out}: {exc.strerror or exc}") from exc
        try:
            for name, data in sorted(files.items()):
                target = stage / name
                target.parent.mkdir(parents=True, exist_ok=True)
                target.write_bytes(data)
                fsync_path(target)
            for folder in sorted({(stage / n).parent for n in files}, key=lambda p: -len(p.parts)):
                fsync_path(folder)
            os.chmod(stage, 0o755)  # mkdtemp makes it private; the outputs are for everyone
            _switch(out, home, stage)
        except OSError as exc:
            if _version_of(out) != stage.name:
                shutil.rmtree(stage, ignore_errors=True)
            raise SpacecoopError(f"cannot write to {out}: {exc.strerror or exc}") from exc
    return [out / name for name in files]


def _version_of(out: Path) -> str | None:
    """The version folder that ``out`` links to, if it is a link this module made."""
    try:
        target = os.readlink(out)
    except OSError:
        return None
    head, _, tail = target.partition("/")
    if head == f".{out.name}.spacecoop" and tail.startswith(VERSION_PREFIX) and "/" not in tail:
        return tail
    return None


def _lock(f) -> None:
    try:
        import fcntl
    except ImportError:  # not POSIX: no lock, builds must not overlap
        return
    fcntl.flock(f.fileno(), fcntl.LOCK_EX)


def _remove_stale(out: Path, home: Path) -> None:
    """Remove everything in ``home`` but the lock and the version ``out`` links to."""
    current = _version_of(out)
    for entry in home.iterdir():
        if entry.name in ("lock", current):
            continue
        if entry.is_dir() and not entry.is_symlink():
            shutil.rmtree(entry, ignore_errors=True)
        else:
            entry.unlink(missing_ok=True)
    # staging folders that builds before this contract left inside the output folder
    if out.is_dir() and not out.is_symlink():
        for entry in out.glob(".spacecoop-*"):
            shutil.rmtree(entry, ignore_errors=True)


def _check_migratable(out: Path, files: dict[str, bytes]) -> None:
    """Refuse to take over a real folder that holds anything but build outputs."""
    ours = {name.split("/")[0] for name in files} | set(OUTPUT_FILES)
    others = sorted(p.name for p in out.iterdir() if p.name not in ours)
    if others:
        raise SpacecoopError(
            f"{out} is a folder that holds other files than build outputs ({', '.join(others[:3])}"
            f"{', ...' if len(others) > 3 else ''}); a build replaces its output folder as a whole: "
            "move those files away or choose another --out"
        )


def _switch(out: Path, home: Path, stage: Path) -> None:
    """Point ``out`` at ``stage`` with one rename (see the module notes)."""
    link = home / f"link-{stage.name}"
    link.unlink(missing_ok=True)
    os.symlink(f"{home.name}/{stage.name}", link)
    if out.is_dir() and not out.is_symlink():
        # a real folder from before: swap it with the link in one step where the OS allows it
        if not exchange_paths(link, out):
            os.rename(out, home / f"old-{stage.name}")
            os.replace(link, out)
    else:
        os.replace(link, out)
    fsync_path(out.parent)


@dataclass(frozen=True)
class BuildResult:
    """What :func:`build` did."""

    summary: Summary
    files: tuple[Path, ...]


def build(
    out_dir: str | os.PathLike = "dist",
    root: str | os.PathLike | None = None,
    *,
    extra=None,
    reuse: bool = True,
) -> BuildResult:
    """Load every source, validate, and write the dataset to ``out_dir``.

    The files a build writes are a function of its inputs: when none changed since the last
    build of ``root`` (see :func:`build_key`), the files kept then are published again, byte for
    byte, without loading or validating anything.

    Parameters
    ----------
    out_dir : path
        Output folder: published all at once, as the module notes say (a symbolic link to a
        version folder beside it).
    root : path, optional
        Project root.
    extra : callable, optional
        ``extra(loaded) -> dict[str, bytes]``: more files to write with the dataset (for example
        the graph pages), staged and moved with the rest.
    reuse : bool
        Publish the files kept by the last build when no input changed (and keep this build's
        files for the next), and take the validation report of the last ``validate`` of the same
        inputs (:func:`~spacecoop.checks.validate.validate_cached`); False loads, validates and
        builds everything, and keeps nothing.

    Raises
    ------
    SpacecoopError
        With exit code 1 when the data does not conform; nothing is written then.
    DataError
        A data file cannot be parsed.
    """
    from spacecoop.checks.validate import load_validated, validate

    root_path = find_root() if root is None else Path(root).resolve()
    key = build_key(root_path, extra) if reuse else None
    kept = _kept_build(root_path, key) if key is not None else None
    if kept is not None:
        files, summary = kept
        return BuildResult(summary, tuple(publish(out_dir, files)))
    if reuse:
        # The report of the last validate (or build) of these very inputs holds: only what is not
        # known yet is validated, on the data loaded here once; the report is that of the data
        # loaded, even when a file is edited meanwhile.
        loaded, report = load_validated(root_path, load_data=functools.partial(load_kept, root_path))
    else:
        loaded = load_kept(root_path)
        report = validate(root_path, loaded=loaded)
    if not report.conforms:
        lines = "\n".join(f"  {v}" for v in report.violations)
        raise SpacecoopError(
            f"the data does not conform ({len(report.violations)} violations); nothing was written:\n{lines}",
            exit_code=1,
        )
    # the dataset's files in a forked process while this one makes the others (the pages) and
    # counts what the dataset holds
    serialize = functools.partial(serialize_all, loaded.ds, root_path)

    def others() -> tuple[dict[str, bytes], Summary]:
        return (extra(loaded) if extra is not None else {}), summarize(loaded.ds, loaded.quads())

    if beside_pays(len(loaded.ds.store)):  # its triples, counted at once
        (extra_files, summary), files = fork_beside(others, serialize)
    else:
        files = serialize()
        extra_files, summary = others()
    files.update(extra_files)
    files[DATA_LICENSE_FILE] = read_data_license()
    files[DESCRIPTION_FILE] = describe_dataset(loaded.ds, summary, files)
    written = publish(out_dir, files)
    if key is not None and build_key(root_path, extra) == key:  # no input moved while building
        _keep_build(root_path, key, files, summary)
    return BuildResult(summary, tuple(written))


_BUILD_DISTRIBUTIONS = ("spacecoop", "rdflib", "pyoxigraph", "pyshacl", "pycountry", "networkx", "pyld")


def build_key(root: str | os.PathLike | None = None, extra=None) -> str | None:
    """Return the key of what :func:`build` writes for ``root``: a SHA-256 of every file it reads
    (the files :func:`spacecoop.checks.validate.validation_inputs` names, the JSON-LD context, the
    data licence), of every file of the package (code, pages' assets), of the versions of the
    libraries involved, and of ``extra``'s name. None when ``extra`` has no stable name (a lambda,
    a local function): such a build is never kept.

    A file's hash is reused while its size, times and inode stay as recorded (as for the compiled
    store, :func:`spacecoop.store.compiled.check_files`).
    """
    import hashlib
    import json

    from spacecoop.checks.validate import validation_inputs
    from spacecoop.core.cache import installed_version
    from spacecoop.core.layout import Layout, shipped_root
    from spacecoop.store.compiled import check_files, compiled_dir

    name = "" if extra is None else f"{getattr(extra, '__module__', '')}.{getattr(extra, '__qualname__', '')}"
    if extra is not None and ("<" in name or name.startswith(".")):
        return None
    root_path = find_root() if root is None else Path(root).resolve()
    from spacecoop.views.export import CONTEXT_FILE

    files = [
        *validation_inputs(root_path),
        Layout(root_path).base / CONTEXT_FILE,
        shipped_root() / DATA_LICENSE_FILE,
    ]
    package = Path(__file__).resolve().parents[1]
    code = sorted(p for p in package.rglob("*") if p.is_file() and "__pycache__" not in p.parts)
    stamps = compiled_dir(root_path) / "build-stamps.json"
    try:
        known = json.loads(stamps.read_text("utf-8"))
    except (OSError, ValueError):
        known = None
    entries, rehashed = check_files([*files, *code], known if isinstance(known, dict) else None)
    if rehashed:
        from spacecoop.core.atomic import write_atomic
        from spacecoop.store.compiled import stamps_to_keep

        settled = stamps_to_keep(entries)
        with contextlib.suppress(OSError):  # unwritable: hashed again next time
            write_atomic(stamps, json.dumps(settled, indent=0))
    h = hashlib.sha256(f"spacecoop-build 1\n{name}\n".encode())
    for dist in _BUILD_DISTRIBUTIONS:
        h.update(f"{dist}={installed_version(dist)}\n".encode())
    for path in files:
        h.update(f"{path}\0{entries[str(path)]['sha256']}\n".encode())
    for path in code:
        h.update(f"{path.relative_to(package)}\0{entries[str(path)]['sha256']}\n".encode())
    return h.hexdigest()


def _kept_folder(root: Path, key: str) -> Path:
    from spacecoop.store.compiled import compiled_dir

    return compiled_dir(root) / f"build-{key[:32]}"


def _kept_build(root: Path, key: str) -> tuple[dict[str, bytes], Summary] | None:
    """The files and summary kept by the build of ``key``, or None (none kept, or removed by a
    newer build while being read: then the caller builds)."""
    import json

    folder = _kept_folder(root, key)
    try:
        meta = json.loads((folder / "build.json").read_text("utf-8"))
        if meta.get("key") != key:
            return None
        files = {name: (folder / "files" / name).read_bytes() for name in meta["files"]}
        s = meta["summary"]
        summary = Summary(
            int(s["triples"]),
            int(s["quads"]),
            int(s["graphs"]),
            tuple((str(c), int(n)) for c, n in s["entities"]),
            tuple((str(c), int(n)) for c, n in s["relationships"]),
            tuple((str(c), int(n)) for c, n in s["claims_by_certainty"]),
            tuple((str(c), str(label), int(n)) for c, label, n in s["sources"]),
        )
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return files, summary


def _keep_build(root: Path, key: str, files: dict[str, bytes], summary: Summary) -> None:
    """Keep a build's files for the next build of the same inputs: written into a staging folder,
    renamed into place complete (a killed process leaves no half-kept build), older ones removed.
    Best effort: a folder that cannot be written keeps nothing."""
    import json
    import secrets
    import shutil
    from dataclasses import asdict

    folder = _kept_folder(root, key)
    parent = folder.parent
    staging = parent / f".keeping-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        (staging / "files").mkdir(parents=True)
        for name, data in files.items():
            if "/" in name or name.startswith("."):
                raise OSError(f"not a plain file name: {name!r}")
            (staging / "files" / name).write_bytes(data)
        meta = {"key": key, "files": list(files), "summary": asdict(summary)}  # in the order written
        (staging / "build.json").write_text(json.dumps(meta), "utf-8")  # last: marks it complete
        fsync_path(staging / "build.json")
        os.rename(staging, folder)
    except OSError:  # unwritable, or another process kept the same build first
        shutil.rmtree(staging, ignore_errors=True)
        return
    with contextlib.suppress(OSError):
        for entry in os.listdir(parent):
            if (entry.startswith("build-") and entry != folder.name and (parent / entry).is_dir()) or (
                entry.startswith(".keeping-") and _dead(entry)
            ):
                shutil.rmtree(parent / entry, ignore_errors=True)


def _dead(staging_name: str) -> bool:
    """Whether the process that named a ``.keeping-PID-…`` folder is gone (its folder is a leftover)."""
    try:
        pid = int(staging_name.split("-")[1])
    except (IndexError, ValueError):
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:
        return False
    return False


def default_out_dir(root: str | os.PathLike | None = None) -> Path:
    """Return where ``spacecoop build`` writes by default: ``dist`` in the workspace when the root
    is one (so its outputs stay with its sources), else ``dist`` in the working directory."""
    from spacecoop.core.layout import default_output

    return default_output(root, "dist")


def read_data_license() -> bytes:
    """Return the text of the data licence shipped with the package (``LICENSE-data.txt``).

    Raises
    ------
    SpacecoopError
        The file is missing from the installation.
    """
    from spacecoop.core.inputs import read_input
    from spacecoop.core.layout import shipped_root

    return read_input(shipped_root() / DATA_LICENSE_FILE)


_MEDIA_TYPES = {
    ".trig": "application/trig",
    ".nq": "application/n-quads",
    ".ttl": "text/turtle",
    ".jsonld": "application/ld+json",
    ".json": "application/json",
    ".html": "text/html",
    ".txt": "text/plain",
    ".csv": "text/csv",
    ".graphml": "application/graphml+xml",
}
_RDF_DUMPS = (".trig", ".nq", ".ttl", ".jsonld")
_BASE = "https://base.invalid/"  # stands for the folder void.ttl is in; written as relative IRIs


def describe_dataset(ds: Dataset, summary: Summary, files: dict[str, bytes]) -> bytes:
    """Return a VoID and DCAT description of the dataset, in Turtle, computed from what is built.

    The dataset (``<#dataset>``, both ``void:Dataset`` and ``dcat:Dataset``) has its title,
    licence (CC BY 4.0; ``dcterms:rights`` names the licence file), version, triple and entity
    counts, one class partition per entity class, the vocabularies its predicates and classes come
    from, and one ``dcat:Distribution`` per other file in ``files`` with its media type, size and
    SHA-256; RDF files are also its ``void:dataDump``.
    File IRIs are relative, so they resolve to the files beside ``void.ttl`` wherever the folder is
    published. No ``void:sparqlEndpoint``: the built folder is static files, and the address of a
    ``spacecoop serve`` is not known when it is built.

    Examples
    --------
    >>> from rdflib import Graph
    >>> from spacecoop import load_dataset
    >>> ds = load_dataset()
    >>> ttl = describe_dataset(ds, summarize(ds), {"spacecoop.nq": b"..."})
    >>> g = Graph().parse(data=ttl, format="turtle", publicID="https://example.org/dist/")
    >>> from rdflib import URIRef
    >>> str(g.value(URIRef("https://example.org/dist/#dataset"), URIRef("http://rdfs.org/ns/void#dataDump")))
    'https://example.org/dist/spacecoop.nq'
    """
    import hashlib
    from importlib.metadata import PackageNotFoundError, version
    from urllib.parse import quote

    from rdflib import Literal, Namespace
    from rdflib.namespace import DCAT, DCTERMS, FOAF, VOID, XSD

    spdx = Namespace("http://spdx.org/rdf/terms#")
    g = Graph()
    for prefix, ns in (("void", VOID), ("dcat", DCAT), ("dcterms", DCTERMS), ("foaf", FOAF)):
        g.bind(prefix, ns)
    g.bind("spdx", spdx)
    g.bind("sc", PREFIXES["sc"])
    d = URIRef(_BASE + "#dataset")
    licence = URIRef(DATA_LICENSE)
    for t in (VOID.Dataset, DCAT.Dataset):
        g.add((d, RDF.type, t))
    g.add(
        (
            d,
            DCTERMS.title,
            Literal("spacecoop: a knowledge graph of international space cooperation", lang="en"),
        )
    )
    claims = sum(n for _, n in summary.claims_by_certainty)
    g.add(
        (
            d,
            DCTERMS.description,
            Literal(
                "Which agencies, countries, universities, companies and international organisations "
                "cooperate in space, on which missions and payloads, and in which blocs (ILRS, APSCO, "
                f"Artemis Accords), each fact traced to its source: {len(summary.sources)} sources, "
                f"{claims} claims.",
                lang="en",
            ),
        )
    )
    g.add((d, DCTERMS.license, licence))
    creator = URIRef(_BASE + "#contributors")
    g.add((d, DCTERMS.creator, creator))
    g.add((creator, RDF.type, FOAF.Agent))
    g.add((creator, FOAF.name, Literal("spacecoop contributors")))
    with contextlib.suppress(PackageNotFoundError):  # running from a folder that was never installed
        g.add((d, URIRef(str(DCAT) + "version"), Literal(version("spacecoop"))))  # DCAT 3
    g.add((d, DCTERMS.conformsTo, URIRef(PREFIXES["sc"].rstrip("#"))))
    g.add((d, VOID.uriSpace, Literal(PREFIXES["id"])))
    g.add((d, VOID.triples, Literal(summary.triples, datatype=XSD.integer)))
    g.add((d, VOID.entities, Literal(sum(n for _, n in summary.entities), datatype=XSD.integer)))
    for name, n in summary.entities:
        part = URIRef(_BASE + "#class-" + name.replace(":", "-"))
        g.add((d, VOID.classPartition, part))
        g.add((part, VOID["class"], URIRef(_expand(name))))
        g.add((part, VOID.entities, Literal(n, datatype=XSD.integer)))
    used = {str(p) for _, p, _ in ds.triples((None, None, None))} | {
        str(o) for o in ds.objects(None, RDF.type) if isinstance(o, URIRef)
    }
    for vocabulary in sorted({v for v in PREFIXES.values() if any(u.startswith(v) for u in used)}):
        g.add((d, VOID.vocabulary, URIRef(vocabulary)))
    for name in sorted(files):
        data = files[name]
        rel = URIRef(_BASE + quote(name))
        if name == DESCRIPTION_FILE:
            continue
        if name == DATA_LICENSE_FILE:
            g.add((d, DCTERMS.rights, rel))
            g.add((rel, RDF.type, DCTERMS.RightsStatement))
            continue
        dist = URIRef(_BASE + "#file-" + quote(name, safe=""))
        ext = Path(name).suffix.lower()
        g.add((d, DCAT.distribution, dist))
        g.add((dist, RDF.type, DCAT.Distribution))
        g.add((dist, DCTERMS.title, Literal(name)))
        g.add((dist, DCAT.downloadURL, rel))
        g.add((dist, DCAT.accessURL, rel))
        if ext in _MEDIA_TYPES:
            g.add(
                (
                    dist,
                    DCAT.mediaType,
                    URIRef("https://www.iana.org/assignments/media-types/" + _MEDIA_TYPES[ext]),
                )
            )
        g.add((dist, DCAT.byteSize, Literal(len(data), datatype=XSD.nonNegativeInteger)))
        checksum = URIRef(str(dist) + "-sha256")
        g.add((dist, spdx.checksum, checksum))
        g.add((checksum, RDF.type, spdx.Checksum))
        g.add((checksum, spdx.algorithm, spdx.checksumAlgorithm_sha256))
        g.add(
            (checksum, spdx.checksumValue, Literal(hashlib.sha256(data).hexdigest(), datatype=XSD.hexBinary))
        )
        g.add((dist, DCTERMS.license, licence))
        if ext in _RDF_DUMPS:
            g.add((d, VOID.dataDump, rel))
    # rdflib relativises file names against a base but not fragments (#dataset): relative IRIs by hand
    text = g.serialize(format="turtle").replace("<" + _BASE, "<")
    head = (
        "# VoID and DCAT description of the spacecoop dataset, written by `spacecoop build`.\n"
        "# Relative IRIs name the files beside this one.\n"
    )
    return (head + text).encode("utf-8")


def _expand(name: str) -> str:
    prefix, _, local = name.partition(":")
    return PREFIXES[prefix] + local
