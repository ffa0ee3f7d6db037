"""Fill a pyoxigraph store straight from the project's files, with Oxigraph's own parsers.

:func:`load_project` puts into a ``pyoxigraph.Store`` exactly the quads that
:meth:`OxigraphStore.load <spacecoop.store.oxigraph.OxigraphStore.load>` writes for
:func:`spacecoop.core.load.load_dataset` (see :mod:`spacecoop.store` for the layout), without an
rdflib copy of the data (``benchmarks/load.py`` compares the two, and Oxigraph parsing the files
alone).

What goes where mirrors :func:`spacecoop.core.load.load`:

* the ontology files (``shapes.ttl`` aside) into the graph :data:`ONTOLOGY_GRAPH`;
* the reference files (``graph/reference``, ``graph/imported``) into the default graph;
* each source ``.trig`` with its named graphs, its default-graph part into the default graph
  (a graph named by a ``file:`` IRI, relative to the file, counts as the default graph too);
* a workspace's own files after the shipped ones (:class:`~spacecoop.core.layout.Layout`).

Then what :mod:`spacecoop.core.derive` adds is derived in Oxigraph: the shortcut edges by SPARQL
UPDATE, inside the graph that states them (the files' default graph included); the merge of every
graph added to the default graph, graph by graph (``ADD g TO DEFAULT``: a third less peak memory
than one ``INSERT`` of everything, and blank nodes stay the same nodes); ``sc:developerCountry``,
read in the merge, into the graph of each source and the merge at once; the ISO 3166 codes
computed by pycountry from the labels queried out of the merge (a few hundred nodes) and added to
the default graph.

Terms. Oxigraph's parsers refuse what :class:`~spacecoop.core.termcheck.TermCheck` flags (a bad
IRI, an escaped lone surrogate, a bad language tag, a literal in subject or predicate place): the
error is a :class:`DataError` naming the file and line. Three things its parsers take that the
check refuses are looked for in the file bytes first, cheaply: a space character outside ASCII (an
IRI may hold U+00A0 or U+2028 for Oxigraph, not for the check), the same as a ``\\u`` escape, and
a file over 1 MiB (that may hold a term over the size limit); only such a file is parsed a second
time, term by term. A file written in what rdflib cannot parse but Oxigraph can (RDF 1.2 triple
terms ``<<``, base directions ``--ltr``, ``VERSION``) is the one doubt left: then the whole
project is loaded the old way (rdflib, then N-Quads), which refuses or accepts it as every other
command does, and a warning says so.
"""

from __future__ import annotations

import logging
import os
import re
from collections.abc import Callable, Collection, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

from spacecoop.core.errors import DataError
from spacecoop.core.load import RDF12_MARKS
from spacecoop.core.namespaces import JOINING_STATUSES, ONTOLOGY_GRAPH, ORG, SC, concept
from spacecoop.core.termcheck import MAX_TERM_BYTES

if TYPE_CHECKING:
    import pyoxigraph

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class NativeLoad:
    """What :func:`load_project` read, and whether it had to take the rdflib path."""

    files: tuple[Path, ...]
    fallback: str | None = None
    """Why the project was loaded through rdflib instead (see the module notes), or None."""


_SUSPECT_SIZE = MAX_TERM_BYTES // 8
"""A file this big may hold a term over the check's limit (a term never has more characters than
its file has bytes): such a file is checked term by term."""

_WIDE_SPACES = "".join(chr(c) for c in range(0x80, 0x3001) if chr(c).isspace())
_WIDE_SPACE_BYTES = re.compile(b"|".join(re.escape(c.encode("utf-8")) for c in _WIDE_SPACES))
_WIDE_SPACE_LEADS = tuple(sorted({c.encode("utf-8")[:1] for c in _WIDE_SPACES}))
"""The lead bytes of the space characters outside ASCII: one byte is looked for by memchr, ten times
faster than the regex (or than looking for two bytes), which then runs only on a file with one."""
_ESCAPE = re.compile(rb"\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8}))")
_SPACE = re.compile(r"\s")
_RDF12 = RDF12_MARKS
"""Bytes of syntax rdflib cannot parse and Oxigraph can; a file with any of them is a doubt."""


class _Doubt(Exception):
    """A file may hold what Oxigraph and rdflib read differently: load through rdflib instead."""


def load_project(
    store: pyoxigraph.Store,
    root: str | os.PathLike | None = None,
    *,
    remember: bool = False,
    derive: bool = True,
    exclude: Collection[str | os.PathLike] = (),
    extra: Sequence[tuple[Path, bytes]] | Callable[[], Sequence[tuple[Path, bytes]]] = (),
) -> NativeLoad:
    """Fill ``store`` with the project's files as :meth:`OxigraphStore.load` fills it from rdflib.

    The store is emptied first. Files are parsed by Oxigraph (``load``, file by file), the
    shortcut edges, the merge of every graph into the default graph and the ISO codes then
    derived in the store (see the module notes).

    Parameters
    ----------
    store : pyoxigraph.Store
        In memory or on disk (where :func:`load_project_on_disk` is many times faster: a
        transaction per file and per graph there). On failure it is left empty; to keep an old
        store on disk, fill a new one beside it and swap (:meth:`OxigraphStore.load_project` does).
    root : path, optional
        Project root (see :func:`~spacecoop.core.layout.find_root`).
    remember : bool
        The ISO 3166 codes remembered across processes (:func:`spacecoop.core.derive.iso_codes`),
        in the user's cache, as a load that keeps parsed copies remembers them (``validate``'s
        forked process of the check queries): no pycountry when nothing changed.
    derive : bool
        False: the files' quads and their merge only, without what :mod:`spacecoop.core.derive`
        adds (its :data:`~spacecoop.core.derive.DERIVED` predicates): for readers that read none
        of them (``validate``'s check queries, see
        :func:`spacecoop.checks.validate.check_rows_of_files`, which says what it saves).
    exclude : paths
        Source files to leave out, as :func:`spacecoop.core.load.load` leaves them out.
    extra : (path, bytes) pairs
        Source files not yet written: each loaded as the TriG file ``path`` holding these bytes
        would be, after the project's files (what ``spacecoop add`` merges with
        :func:`spacecoop.core.load.merge_source` before it writes the file); or a callable that
        gives them, called once the project's files are parsed (a forked process that loads the
        files while its parent makes the new one, :class:`spacecoop.core.forking.Later`).

    Returns
    -------
    NativeLoad
        The files read, and why the rdflib path was taken if it was.

    Raises
    ------
    DataError
        A file cannot be read or parsed, or holds a term Oxigraph or the writers of ``build``
        refuse; the message names the file and, where the parser gives it, the line.

    Examples
    --------
    >>> import pyoxigraph
    >>> store = pyoxigraph.Store()
    >>> load_project(store).fallback is None
    True
    >>> bool(store.query("ASK { GRAPH ?g { ?m <https://w3id.org/spacecoop/ns#carries> ?p } }"))
    True

    See Also
    --------
    spacecoop.core.load.load_dataset : the same files into an rdflib Dataset.
    """
    from spacecoop.core.layout import Layout, find_root

    layout = Layout(find_root() if root is None else Path(root).resolve())
    plan = _plan(layout, exclude)
    files = tuple(p for p, _, _ in plan)
    try:
        store.clear()
        try:
            resolved_dirs: dict[Path, Path] = {}
            for path, fmt, graph in plan:
                _load_file(store, path, fmt, graph, resolved_dirs)
            if callable(extra):
                extra = extra()
            files += tuple(Path(p) for p, _ in extra)
            for path, raw in extra:
                _load_file(store, Path(path), "trig", None, resolved_dirs, raw)
        except _Doubt as doubt:
            reason = str(doubt)
            log.warning("%s; loading the project through rdflib instead", reason)
            store.clear()
            if callable(extra):  # the doubt came before the files not yet written
                extra = extra()
            _load_through_rdflib(store, layout.root, exclude, extra)
            return NativeLoad(files, fallback=reason)
        graphs = _move_file_graphs(store)
        if derive:
            _add_shortcuts(store)
        _add_to_default(store, graphs)
        if derive:
            _add_developer_countries(store)
            _add_iso_codes(store, remember=remember)
    except BaseException:
        store.clear()
        raise
    return NativeLoad(files)


def load_project_on_disk(store: pyoxigraph.Store, root: str | os.PathLike | None = None) -> NativeLoad:
    """:func:`load_project` for a store on disk: the project is loaded into a store in memory,
    which is then written into ``store`` by one ``bulk_load`` of its N-Quads.

    On disk every write is a RocksDB transaction and every ``bulk_load`` ingests files of its
    own: the hundreds of per-file loads and per-graph ``ADD``s of :func:`load_project` took a
    100k-triple project 30 s on disk (a store of 2,700 files), against a few seconds in memory
    and one load. The N-Quads go through an unnamed temporary file, not memory; the store in
    memory is dropped before the disk load, so the peak is the store in memory. Blank nodes get
    new names in the copy (one parse: the same node stays one node).

    Raises
    ------
    DataError
        As :func:`load_project`, before ``store`` is written: it is then left as it was.
    """
    import tempfile

    import pyoxigraph as ox

    memory = ox.Store()
    done = load_project(memory, root)
    with tempfile.TemporaryFile() as nquads:
        memory.dump(nquads, ox.RdfFormat.N_QUADS)
        del memory
        nquads.seek(0)
        store.clear()
        store.bulk_load(nquads, ox.RdfFormat.N_QUADS)
    return done


def _plan(layout, exclude: Collection[str | os.PathLike] = ()) -> list[tuple[Path, str, str | None]]:
    """Return ``(file, format, graph)`` in the order :func:`spacecoop.core.load.load` reads them,
    without the source files in ``exclude`` (as it leaves them out); ``graph`` is the ontology
    graph, ``""`` for the default graph, None for a TriG file's own."""
    plan: list[tuple[Path, str, str | None]] = [
        (p, "turtle", str(ONTOLOGY_GRAPH)) for p in layout.ontology_files if p.name != "shapes.ttl"
    ]
    plan += [(p, "turtle", "") for p in layout.reference_files]
    skip = {Path(p).resolve() for p in exclude}
    plan += [(p, "trig", None) for p in layout.source_files if not (skip and p.resolve() in skip)]
    return plan


def _load_file(
    store: pyoxigraph.Store,
    path: Path,
    fmt: str,
    graph: str | None,
    resolved_dirs: dict[Path, Path],
    raw: bytes | None = None,
) -> None:
    """Parse one file into the store with Oxigraph's parser (after the checks of the module notes);
    ``resolved_dirs`` caches :func:`_base_iri`'s folders across the files of one load. ``raw``:
    the file's bytes when they are not (yet) in the file."""
    import pyoxigraph as ox

    from spacecoop.core.inputs import read_input

    if raw is None:
        raw = read_input(path)
    for mark in _RDF12:
        if mark in raw:
            raise _Doubt(f"{path} holds {mark.decode().strip()!r}, which may be RDF 1.2 syntax")
    base = _base_iri(path, resolved_dirs)
    rdf_format = ox.RdfFormat.TRIG if fmt == "trig" else ox.RdfFormat.TURTLE
    to_graph = None if graph is None else (ox.NamedNode(graph) if graph else ox.DefaultGraph())
    wide = not raw.isascii() and _has_wide_space(raw)
    try:
        # inside the try: the check parses first, so it meets a syntax error first
        if len(raw) > _SUSPECT_SIZE or wide or _suspect_escapes(raw):
            _check_terms(path, raw, rdf_format, base)
        # load, not bulk_load: the bulk loader's setup per call cost more than the parse of a
        # source file (674 files at 100k triples: 531 -> 410 ms); the same parser and errors
        store.load(raw, rdf_format, base_iri=base, to_graph=to_graph)
    except SyntaxError as exc:
        raise _syntax_error(path, exc) from None
    except (OSError, ValueError) as exc:
        raise DataError(str(path), f"cannot load: {exc}") from None


def _add_to_default(store: pyoxigraph.Store, graphs: list) -> None:
    """Add every named graph to the default graph: graph by graph, a third less peak memory than one
    INSERT of everything; graphs named by a blank node (which ``ADD`` cannot name) in one INSERT."""
    import pyoxigraph as ox

    blank = False
    for g in graphs:
        if isinstance(g, ox.NamedNode):
            store.update(f"ADD {g} TO DEFAULT")
        else:
            blank = True
    if blank:
        store.update("INSERT { ?s ?p ?o } WHERE { GRAPH ?g { ?s ?p ?o } FILTER(isBlank(?g)) }")


def _move_file_graphs(store: pyoxigraph.Store) -> list:
    """Move a graph named by a ``file:`` IRI into the default graph, as rdflib's loader does (it
    names the default graph of a TriG file after the file); return the other named graphs."""
    import pyoxigraph as ox

    graphs = []
    for g in list(store.named_graphs()):
        if isinstance(g, ox.NamedNode) and g.value.startswith("file:"):
            store.update(f"ADD {g} TO DEFAULT ; DROP GRAPH {g}")
        else:
            graphs.append(g)
    return graphs


_PARSER_AT = re.compile(r"^Parser error at line (\d+) (?:between columns (\d+) and \d+|column (\d+)): ")


def _syntax_error(path: Path, exc: SyntaxError) -> DataError:
    """Turn pyoxigraph's ``Parser error at line N between columns A and B: WHY`` into a DataError."""
    text = str(exc.args[0] if exc.args else exc)
    m = _PARSER_AT.match(text)
    line = exc.lineno
    if m:
        line = int(m.group(1))
        text = f"{text[m.end() :]} (column {m.group(2) or m.group(3)})"
    text = re.sub(r"\s+", " ", text).strip()
    return DataError(str(path), f"syntax error: {text}", line=line or None)


def _base_iri(path: Path, resolved_dirs: dict[Path, Path]) -> str:
    """Return ``path.resolve().as_uri()`` (the base rdflib's loader gives the file), resolving each
    folder once: a file that is no symlink resolves to its resolved folder plus its name, and
    resolving every file's whole path took a fifth of a second at 1M triples (7,000 files)."""
    if path.is_symlink() or path.name in ("", ".", ".."):
        return path.resolve().as_uri()
    folder = resolved_dirs.get(path.parent)
    if folder is None:
        folder = resolved_dirs[path.parent] = path.parent.resolve()
    return (folder / path.name).as_uri()


def _has_wide_space(raw: bytes) -> bool:
    """Whether ``raw`` holds the UTF-8 bytes of a space character outside ASCII."""
    return any(lead in raw for lead in _WIDE_SPACE_LEADS) and bool(_WIDE_SPACE_BYTES.search(raw))


def _suspect_escapes(raw: bytes) -> bool:
    """Whether a ``\\u`` escape in ``raw`` stands for a space character (see :func:`_check_terms`)."""
    # one byte first: a one-byte "in" is a memchr, ten times faster than looking for two bytes
    if b"\\" not in raw or (b"\\u" not in raw and b"\\U" not in raw):
        return False
    for m in _ESCAPE.finditer(raw):
        code = int(m.group(1) or m.group(2), 16)
        if code < 0x110000 and _SPACE.match(chr(code)):
            return True
    return False


def _check_terms(path: Path, raw: bytes, rdf_format, base: str) -> None:
    """Check each term of a suspect file as :class:`TermCheck` does; raise on the first it refuses."""
    import pyoxigraph as ox

    from spacecoop.core.rdfterms import from_oxigraph
    from spacecoop.core.termcheck import TermCheck, printable

    check = TermCheck()
    limit = MAX_TERM_BYTES // 8
    for quad in ox.parse(raw, rdf_format, base_iri=base):
        for term in (quad.subject, quad.predicate, quad.object, quad.graph_name):
            if isinstance(term, ox.NamedNode):
                flagged = bool(_SPACE.search(term.value)) or len(term.value) > limit
            elif isinstance(term, ox.Literal):
                flagged = len(term.value) > limit or bool(_SPACE.search(term.datatype.value))
            else:
                flagged = False
            if flagged:
                why = check.problem(from_oxigraph(term))
                if why:
                    subject = printable(str(from_oxigraph(quad.subject)), 200)
                    raise DataError(str(path), f"{subject}: {why}")


def _load_through_rdflib(
    store: pyoxigraph.Store,
    root: Path,
    exclude: Collection[str | os.PathLike] = (),
    extra: Sequence[tuple[Path, bytes]] = (),
) -> None:
    """Load as before this module: rdflib reads the files (and merges ``extra`` as ``spacecoop
    add`` does), N-Quads go into the store."""
    import pyoxigraph as ox

    from spacecoop.core.load import load, merge_source
    from spacecoop.store.terms import _ByteLines, layout_nquads

    loaded = load(root, derive=not extra, exclude=exclude)
    for path, raw in extra:  # each derives what load did not
        merge_source(loaded, Path(path), raw)
    if loaded.problems:
        first = loaded.problems[0]
        raise DataError(first.file, f"{first.node}: {first.message}")
    try:
        store.bulk_load(cast("IO[bytes]", _ByteLines(layout_nquads(loaded.ds))), ox.RdfFormat.N_QUADS)
    except SyntaxError as exc:
        raise DataError(str(root), f"cannot load: {exc}") from None


_PREFIXES = (
    f"PREFIX sc: <{SC}>\nPREFIX org: <{ORG}>\nPREFIX rdf: <http://www.w3.org/1999/02/22-rdf-syntax-ns#>\n"
)

_SHORTCUTS = (
    ("PayloadDevelopment", "developer", "develops", "payload"),
    ("PayloadCarriage", "mission", "carries", "payload"),
)


def _in_graph(named: bool, pattern: str) -> str:
    """``pattern`` in the graph of the relationship: a named graph ``?g``, or the default graph."""
    return f"GRAPH ?g {{ {pattern} }}" if named else f"{{ {pattern} }}"


def _shortcut_updates(named: bool) -> list[str]:
    """The SPARQL UPDATEs of :func:`spacecoop.core.derive.add_shortcuts`, for every named graph but
    the ontology's (``named``), or for the default graph (before it holds the merge)."""
    own = f"FILTER(?g != <{ONTOLOGY_GRAPH}>)" if named else ""
    into = "GRAPH ?g {{ {} }}" if named else "{}"
    out = []
    for cls, subj_p, short, obj_p in _SHORTCUTS:
        out.append(
            _PREFIXES
            + f"INSERT {{ {into.format(f'?s sc:{short} ?o')} }} WHERE {{ "
            + _in_graph(named, f"?rel rdf:type sc:{cls} ; sc:{subj_p} ?s ; sc:{obj_p} ?o")
            + f" {own} }}"
        )
    joining = " ".join(f"<{concept('status', s)}>" for s in JOINING_STATUSES)
    not_listed = concept("status", "not-listed")
    national, organisation = concept("level", "national"), concept("level", "organization")
    org_classes = "VALUES ?c { sc:Organization sc:Initiative }"
    # Per claim about the participation: none when its statuses are all "not listed"; a member in
    # its own name (participatesIn) when the claim has the member's own level and a joining status,
    # else involvedIn. The member's kind is read in every graph, as rdflib reads it in its union.
    out.append(
        _PREFIXES
        + f"INSERT {{ {into.format('?m ?short ?o')} }} WHERE {{ "
        + _in_graph(
            named,
            "?rel rdf:type sc:Participation ; org:member ?m ; org:organization ?o . "
            "?claim sc:about ?rel . "
            "FILTER(NOT EXISTS { ?claim sc:status ?any } "
            f"|| EXISTS {{ ?claim sc:status ?other FILTER(?other != <{not_listed}>) }})",
        )
        + f" {own} "
        + f"BIND(IF(EXISTS {{ ?m rdf:type ?c {org_classes} }} "
        + f"|| EXISTS {{ GRAPH ?anyGraph {{ ?m rdf:type ?c {org_classes} }} }}, "
        + f"<{organisation}>, <{national}>) AS ?own) "
        + "BIND(IF("
        + f"EXISTS {{ {_in_graph(named, '?claim sc:level ?own')} }} && "
        + f"EXISTS {{ {_in_graph(named, f'?claim sc:status ?j VALUES ?j {{ {joining} }}')} }}, "
        + "sc:participatesIn, sc:involvedIn) AS ?short) }"
    )
    return out


def _add_shortcuts(store: pyoxigraph.Store) -> None:
    """Derive the shortcut edges (:func:`spacecoop.core.derive.add_shortcuts`) in the store, each in
    the graph that states its relationship, before the default graph holds the merge."""
    for named in (True, False):
        for update in _shortcut_updates(named):
            store.update(update)


_DEVELOPER_COUNTRIES = (
    _PREFIXES
    + "PREFIX prov: <http://www.w3.org/ns/prov#>\n"
    + "INSERT { GRAPH ?source { ?p sc:developerCountry ?party } ?p sc:developerCountry ?party } WHERE { "
    + "?dev sc:developer ?org ; sc:payload ?p . ?p rdf:type sc:Payload . "
    + "?claim sc:about ?dev ; prov:wasDerivedFrom ?source . FILTER(isIRI(?source)) "
    + "{ ?org sc:basedIn ?party } UNION { "
    + f"?org sc:kind <{concept('org-kind', 'international-organization')}> "
    + "FILTER NOT EXISTS { ?org sc:basedIn ?place } BIND(?org AS ?party) } }"
)


def _add_developer_countries(store: pyoxigraph.Store) -> None:
    """Derive ``sc:developerCountry`` (:func:`spacecoop.core.derive.add_developer_countries`) once
    the default graph holds the merge: it is read in the union, as rdflib reads it, and each edge
    goes into its source's graph and into the merge."""
    store.update(_DEVELOPER_COUNTRIES)


_SKOS = "http://www.w3.org/2004/02/skos/core#"


def _add_iso_codes(store: pyoxigraph.Store, *, remember: bool = False) -> None:
    """Add ISO 3166 codes as :func:`spacecoop.core.derive.add_iso_codes` does, once the default
    graph holds the merge: labels are queried out, looked up with pycountry, codes added."""
    import pyoxigraph as ox

    from spacecoop.core.derive import iso_codes

    pref_label, alt_label = ox.NamedNode(f"{_SKOS}prefLabel"), ox.NamedNode(f"{_SKOS}altLabel")
    kinds: dict = {}
    for row in _select(
        store, _PREFIXES + "SELECT DISTINCT ?n ?t WHERE { ?n rdf:type ?t VALUES ?t { sc:Country sc:Region } }"
    ):
        kinds.setdefault(row["n"], set()).add(row["t"].value)
    if not kinds:
        return
    parents: dict = {}
    for row in _select(
        store, _PREFIXES + "SELECT ?n ?parent WHERE { ?n rdf:type sc:Region ; sc:partOf ?parent }"
    ):
        parents.setdefault(row["n"], []).append(row["parent"])
    # The labels of the countries, the regions and what a region is part of, node by node: one
    # SELECT of them all (a UNION joined with every label of the store) took half a second at 1M.
    pref: dict = {}
    alt: dict = {}
    default = ox.DefaultGraph()
    for node in set(kinds).union(*parents.values()):
        for into, p in ((pref, pref_label), (alt, alt_label)):
            for q in store.quads_for_pattern(node, p, None, default):
                if not isinstance(q.object, ox.Triple):  # no triple terms: RDF 1.2 takes the rdflib path
                    into.setdefault(node, set()).add(q.object.value)

    def labels(node) -> list[str]:
        return sorted(pref.get(node, ())) + sorted(alt.get(node, ()))

    quads = []
    for node, types in kinds.items():
        is_region = str(SC.Region) in types
        ps = sorted(parents.get(node, ()), key=lambda p: p.value) if is_region else []
        for name, value in iso_codes(labels(node), is_region, [labels(p) for p in ps], remember=remember):
            quads.append(ox.Quad(node, ox.NamedNode(str(SC[name])), ox.Literal(value), default))
    store.extend(quads)


def _select(store: pyoxigraph.Store, text: str) -> pyoxigraph.QuerySolutions:
    import pyoxigraph as ox

    solutions = store.query(text)
    assert isinstance(solutions, ox.QuerySolutions)  # every query here is a SELECT
    return solutions


__all__ = ["NativeLoad", "load_project"]
