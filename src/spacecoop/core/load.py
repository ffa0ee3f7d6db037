"""Read the ontology, the reference entities and every source into one rdflib Dataset.

Layout of the loaded dataset:

* named graph ``<https://w3id.org/spacecoop/ns>``: the ontology and its SKOS concept schemes;
* default graph: reference entities (``graph/reference/*.ttl``), what is known about each source
  (the default-graph part of ``graph/sources/*.trig``), and ISO 3166 codes added from pycountry;
* one named graph per source, named by the source's IRI: what that source asserts, plus the
  shortcut edges (``sc:develops``, ``sc:carries``, ``sc:participatesIn``, ``sc:involvedIn``,
  and ``sc:developerCountry`` from the claims that cite it) derived from it.

The files come from the project root (:func:`find_root`): a checkout, the data shipped inside
the installed package, or a workspace (``spacecoop init``) whose own ``graph/`` is read on top of
the shipped data (:class:`Layout`).

Every file is read with :func:`read_input`: only regular files of at most
:data:`MAX_INPUT_BYTES` (64 MiB), so a FIFO, a socket or a device among the data files is refused
with a message naming it instead of hanging the reader. While loading, every term is checked the
way Oxigraph takes it (:class:`TermCheck`); what it would refuse is kept in ``Loaded.problems``
with its file, and ``validate`` reports it (rule ``rdf-term``).
"""

from __future__ import annotations

import gc
import logging
import os
import re
from collections.abc import Iterator
from dataclasses import dataclass, field
from operator import itemgetter
from pathlib import Path
from typing import cast

from rdflib import Dataset, Graph, Literal, URIRef
from rdflib.term import Node

from spacecoop.core.derive import DeriveInput, add_iso_codes, add_shortcuts
from spacecoop.core.errors import DataError
from spacecoop.core.gcpause import collector_paused
from spacecoop.core.inputs import read_input
from spacecoop.core.layout import (
    Layout,
    find_root,
)
from spacecoop.core.namespaces import ONTOLOGY_GRAPH, bind_prefixes
from spacecoop.core.rdfbulk import add_all
from spacecoop.core.rdfterms import term_makers
from spacecoop.core.termcheck import TermCheck, TermProblem, printable


@dataclass
class Loaded:
    """A loaded dataset and where each of its subjects was read from."""

    ds: Dataset
    origins: dict[Node, set[str]] = field(default_factory=dict)  # subject -> files it is in
    files: list[Path] = field(default_factory=list)
    problems: list[TermProblem] = field(default_factory=list)
    """Terms that Oxigraph or the writers of ``build`` would refuse, with the file each is in
    (see :class:`TermCheck`); :func:`spacecoop.checks.validate.validate` reports them."""

    _quads: list[tuple[Node, Node, Node, Node | None]] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _parts: list[tuple[list[Quad], Node]] | None = field(default=None, init=False, repr=False, compare=False)
    """Each file's quads as merged, with the graph its default part went to (kept by :func:`load`
    with ``keep_parsed``), from which :meth:`quads` is made without walking ``ds``."""
    _derived: list[tuple[Node, Node, Node, Node | None]] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    _derived_made: list[tuple[Node, Node, Node, Node]] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    """What :func:`load` derived (ISO codes, shortcut edges), as quads, kept with ``_parts``:
    with the files' quads of the derived predicates, every quad :meth:`derived_quads` gives."""
    sources: list[tuple[str | None, list[Quad]]] | None = field(
        default=None, init=False, repr=False, compare=False
    )
    """Each file's quads with the key of its kept copy (:func:`_parsed`: the file's path and bytes,
    the parser's code), or None for a file whose quads are new on every load (blank nodes): what
    :mod:`spacecoop.checks.incremental` compares with the files of its last run, to find what an
    edit changed. Set by :func:`load` with ``keep_parsed``, None otherwise; :func:`merge_source`
    adds the merged file. With :meth:`derived_quads`, every quad of :meth:`quads`."""
    derive_input: DeriveInput | None = field(default=None, init=False, repr=False, compare=False)
    """What the shortcut edges are derived from, read as the files were merged, kept by a load
    with ``keep_parsed`` and ``derive=False`` for :func:`merge_source` (which then walks no
    Dataset to derive them)."""

    def files_of(self, node) -> list[str]:
        """Return the files that mention ``node`` as a subject, sorted."""
        return sorted(self.origins.get(node, ()))

    def quads(self) -> list[tuple[Node, Node, Node, Node | None]]:
        """Return every quad of ``ds`` as ``(s, p, o, graph name)``, made once; a quad may be there
        more than once (a triple two files state in the default graph), the order is not
        ``ds.quads``'s. Every reader of the list makes sets or indexes of it.

        Walking an rdflib Dataset is slow (every triple looks up its graphs: about 0.5 s at 100k
        triples) and ``validate`` walked it four times (SHACL, terms, entities, the Oxigraph copy
        of the checks). Where :func:`load` kept the files' quads, the list is made of them and of
        the derived edges (:meth:`derived_quads`); else ``ds`` is walked. :func:`merge_source`,
        which adds to ``ds``, drops both.
        """
        if self._quads is None:
            with collector_paused():  # a tuple per quad, made and kept
                self._quads = self._make_quads()
        return self._quads

    def derived_quads(self) -> list[tuple[Node, Node, Node, Node | None]]:
        """The quads of ``ds`` with a predicate :mod:`spacecoop.core.derive` writes
        (:data:`~spacecoop.core.derive.DERIVED`), wherever they came from, made once (SHACL's
        kept results and :meth:`quads` both read them); a quad may be there more than once.

        Where :func:`load` kept the files' quads and what it derived, made of those: the
        files' quads of those predicates and the derived ones (about 5 ms at 100k triples);
        else read from ``ds``, whose index looks up each triple's graphs (33 ms, and twice
        that beside another process, in each of the two processes of a validation).
        """
        from spacecoop.core.derive import DERIVED

        if self._derived is None:
            if self._parts is not None and self._derived_made is not None:
                wanted = frozenset(DERIVED)
                self._derived = [
                    q if q[3] is not None else (q[0], q[1], q[2], graph)
                    for part, graph in self._parts
                    for q in part
                    if q[1] in wanted
                ]
                self._derived += self._derived_made
            else:
                self._derived = [
                    (s, p, o, getattr(g, "identifier", g))
                    for predicate in DERIVED
                    for s, p, o, g in self.ds.quads((None, predicate, None, None))
                ]
        return self._derived

    def _make_quads(self) -> list[tuple[Node, Node, Node, Node | None]]:
        quads: list[tuple[Node, Node, Node, Node | None]]
        if self._parts is not None:
            # a quad of a named graph is the very tuple the file's quads hold (no copy)
            quads = [
                q if q[3] is not None else (q[0], q[1], q[2], graph)
                for part, graph in self._parts
                for q in part
            ]
            quads += self.derived_quads()
            self._parts = None
        else:
            every = self.ds.quads((None, None, None, None))
            quads = [(s, p, o, getattr(g, "identifier", g)) for s, p, o, g in every]
        return quads


_LINE = re.compile(r"(?:line|at line)\s*(\d+)", re.IGNORECASE)


def _syntax_error(path: Path, exc: Exception) -> DataError:
    """Turn a parser exception into a one-line DataError naming the file and line.

    rdflib's Turtle/TriG errors read ``at line N of <...>:\nBad syntax (WHY) at ^ in: "...CONTEXT..."``;
    keep WHY and a short stretch of the text after the caret.
    """
    text = str(exc)
    m = _LINE.search(text)
    why = re.search(r"Bad syntax \((.*?)\) at \^", text, re.DOTALL)
    if why:
        detail = why.group(1)
        after = re.search(r"\^b?'(.*?)'?\.\.\.", text, re.DOTALL)
        if after:
            near = after.group(1).replace("\\n", " ").strip()
            near = re.sub(r"\s+", " ", near)[:40]
            if near:
                detail += f", before {near!r}"
    else:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        lines = [re.sub(r"^at line \d+ of <[^>]*>:\s*", "", line) for line in lines]
        detail = next((line for line in lines if line), type(exc).__name__)
    detail = re.sub(r"\s+", " ", detail).strip()
    return DataError(str(path), f"syntax error: {detail}", line=int(m.group(1)) if m else None)


def parse_file(path: Path, fmt: str) -> Dataset:
    """Parse one Turtle or TriG file into a fresh Dataset, turning syntax errors into DataError."""
    return _parse_bytes(path, read_input(path), fmt)


def _parse_bytes(path: Path, raw: bytes, fmt: str) -> Dataset:
    ds = Dataset()
    try:
        data = raw.decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(str(path), f"cannot read: {exc}") from exc
    base = path.resolve().as_uri()
    # rdflib logs "does not look like a valid URI" (and ill-typed literals) on stderr while it
    # parses; validate reports those terms with their file (rules rdf-term and shacl) instead.
    term_log = logging.getLogger("rdflib.term")
    level = term_log.level
    term_log.setLevel(logging.ERROR)
    try:
        if fmt == "trig":
            ds.parse(data=data, format="trig", publicID=base)
        else:
            ds.default_graph.parse(data=data, format="turtle", publicID=base)
    except Exception as exc:  # rdflib raises many types (BadSyntax, ParserError, ValueError)
        raise _syntax_error(path, exc) from exc
    finally:
        term_log.setLevel(level)
    return ds


_PARSES = 0
"""Files parsed in this process (:func:`_parsed_quads`): :func:`load` collects the young objects
only after a parse, which is what leaves reference cycles behind."""

RDF12_MARKS = (b"<<", b"--ltr", b"--rtl", b'VERSION "', b"@version")
"""Bytes of RDF 1.2 syntax, which rdflib cannot parse and Oxigraph can (triple terms, base
directions, the version directive): a file with any of them is never read by Oxigraph's parser
alone (here, and in :mod:`spacecoop.store.native`)."""

_RDFLIB_ONLY = re.compile(
    b"|".join(re.escape(mark) for mark in RDF12_MARKS)  # Oxigraph would drop a direction
    + rb"|(?i:version)"  # the directive in any case
    + rb"|\\[uU]"  # an escape, which could spell any of the below
    rb"|[#:]string\b"  # "x"^^xsd:string, which Oxigraph makes the plain "x"
    rb"|@[a-zA-Z0-9-]*[A-Z]"  # a language tag with a capital, which Oxigraph lowercases
    # relative references that rdflib resolves otherwise than RFC 3986 (?q, #f, <>) or may
    # (dot segments, /paths, //authority, ;params); a base with a query or a fragment, or not
    # hierarchical (urn:…, against which rdflib resolves nothing)
    rb"|<(?![a-zA-Z][a-zA-Z0-9+.-]*:)(?:[/.?#>]|[^>]*(?:/\.|;))"
    rb"|(?i:base)\s*<(?:[^>]*[?#]|(?![^>]*://))"
)
"""Bytes of a file that Oxigraph's parser may read otherwise than rdflib's (see :func:`_oxigraph_quads`)."""


class _Decline(Exception):
    pass


def _parsed_quads(path: Path, raw: bytes, fmt: str) -> list[Quad]:
    """The quads of one data file: Oxigraph's parse where it gives exactly rdflib's quads
    (:func:`_oxigraph_quads`), else rdflib's."""
    global _PARSES
    _PARSES += 1
    quads = _oxigraph_quads(path, raw, fmt)
    return quads if quads is not None else _quads_of(_parse_bytes(path, raw, fmt))


def _oxigraph_quads(path: Path, raw: bytes, fmt: str) -> list[Quad] | None:
    """The quads of one Turtle or TriG file as rdflib's parser gives them (:func:`_quads_of`),
    read by Oxigraph's parser (Rust: at 100k triples 0.66 s against rdflib's 3.1 s), or None
    where that could give other quads or other errors, so that rdflib parses the file.

    The two parsers agree on the quads of a file but where one of them normalises or invents:
    Oxigraph lowercases language tags and makes ``"x"^^xsd:string`` the plain ``"x"``; the two
    resolve relative IRIs by different code; a blank node is labelled anew by each parse (and
    its label must not meet another file's). A file with any of those (an escape ``\\u``, which
    could spell any of them, included), or with RDF 1.2 syntax (:data:`RDF12_MARKS`: rdflib does
    not read it, and a base direction has no rdflib term), is read by rdflib, as is one that
    Oxigraph refuses: its error then is rdflib's, as before, with its line, and a term only
    rdflib takes is checked as before (:class:`TermCheck`). A triple term (RDF 1.2) cannot be an
    rdflib term: rdflib again. The quads are in the file's order, each once (rdflib's graph
    keeps a repeated triple once). An IRI of the ``file:`` scheme sends the file to rdflib too
    (a graph of such a name is the default graph in :func:`_quads_of`). ``tests/test_load.py``
    holds every data file of the project to it.
    """
    if _RDFLIB_ONLY.search(raw):
        return None
    import pyoxigraph as ox

    from spacecoop.core.rdfterms import from_oxigraph
    from spacecoop.store.base import convert_cells

    def term(t):
        if isinstance(t, ox.BlankNode):
            raise _Decline
        if isinstance(t, ox.NamedNode) and t.value.startswith("file:"):
            raise _Decline  # (rare) a graph of such a name is the default graph: rdflib reads it
        return from_oxigraph(t)

    try:
        parsed = ox.parse(
            raw,
            format=ox.RdfFormat.TRIG if fmt == "trig" else ox.RdfFormat.TURTLE,
            base_iri=path.resolve().as_uri(),
        )
        cells = [
            (
                q.subject,
                q.predicate,
                q.object,
                None if isinstance(q.graph_name, ox.DefaultGraph) else q.graph_name,
            )
            for q in parsed
        ]
        quads = convert_cells(cells, term)
    except Exception:  # _Decline, a syntax error, a term over its buffer (MemoryError) …: rdflib
        return None
    return cast("list[Quad]", list(dict.fromkeys(quads)))


def load_dataset(root: str | os.PathLike | None = None, *, derive: bool = True) -> Dataset:
    """Load the ontology, reference entities and every source into a new Dataset.

    Parameters
    ----------
    root : path, optional
        Project root (see :func:`find_root`).
    derive : bool
        Add ISO codes and shortcut edges (default). Without it the dataset holds exactly what the
        files say.

    Returns
    -------
    rdflib.Dataset
        With ``default_union=True``, so a query without ``GRAPH`` sees every graph.

    Raises
    ------
    DataError
        A file cannot be read or parsed; the message names the file and line.

    Examples
    --------
    >>> ds = load_dataset()
    >>> len(ds) > 1000
    True

    See Also
    --------
    spacecoop.publish.build.serialize_all : the loaded dataset in several formats.
    """
    return load(root, derive=derive).ds


def load(
    root: str | os.PathLike | None = None, *, derive: bool = True, exclude=(), keep_parsed: bool = False
) -> Loaded:
    """Like :func:`load_dataset`, but also return where each subject was read from.

    ``keep_parsed``: take each file's quads from the copy kept when its bytes were last parsed,
    and keep a copy of what is parsed (in the user's cache folder, see :func:`_parsed`); what
    ``validate`` and ``build`` do, so a command after an edit parses the edited files only.

    ``exclude``: source files to leave out (``spacecoop add`` loads the project without the
    previous version of the file it is about to write, then merges the new one with
    :func:`merge_source`).
    """
    layout = Layout(find_root() if root is None else Path(root).resolve())
    ds = Dataset(default_union=True)
    bind_prefixes(ds)
    loaded = Loaded(ds)
    check = TermCheck()
    onto = ds.graph(ONTOLOGY_GRAPH)
    plan = [(path, fmt, None if into is None else onto) for path, fmt, into in files_plan(layout, exclude)]
    # each file's resolved path, found once (the kept copy's key and name both hold it)
    where = {path: str(path.resolve()) for path, _, _ in plan} if keep_parsed else {}
    parses = _PARSES  # a file read from its kept copy leaves nothing to collect (see below)
    if keep_parsed:
        _parse_ahead([(path, fmt) for path, fmt, _ in plan], where)
    # What the shortcut edges are derived from, read as the files are merged (no walk of the
    # Dataset afterwards: see DeriveInput).
    fed = DeriveInput() if derive or keep_parsed else None
    default_id = ds.default_graph.identifier
    # Each file's quads, for Loaded.quads (validate and build read every quad).
    parts: list[tuple[list[Quad], Node]] | None = [] if keep_parsed else None
    keys: list[str | None] = []  # the key of each file's kept copy (None: not kept), for Loaded.sources
    made: dict[tuple[str, ...], Node] = {}  # the terms of kept copies, one object per term (_from_table)
    # The dataset is many small objects made and kept: while they are made, no collection walks
    # all of them again and again (see spacecoop.core.gcpause). Only the objects made since the
    # last few files are collected, which frees the reference cycles rdflib's parser leaves
    # behind (1.5 GB of them at 1M triples, were none collected). 1M triples: 66 -> 49 s. Files
    # read from their kept copies leave none: no collection (21 of them, 40 ms at 100k triples).
    with collector_paused():
        for i, (path, fmt, into) in enumerate(plan, 1):
            quads, clean = _parsed(path, fmt, keep_parsed, check, made, where.get(path), keys)
            _merge(loaded, path, quads, clean, check, into_default=into)
            graph = default_id if into is None else into.identifier
            if fed is not None:
                fed.feed(quads, graph)
            if parts is not None:
                parts.append((quads, graph))
            if i % COLLECT_EVERY == 0 and parses != _PARSES:
                gc.collect(1)  # the young generations only
                parses = _PARSES
        _prune_parsed()
        derived: list | None = [] if parts is not None and derive else None  # for derived_quads
        if derive:
            add_iso_codes(ds, remember=keep_parsed, added=derived)
            add_shortcuts(ds, fed, added=derived)
        else:
            loaded.derive_input = fed  # for merge_source, which derives: derived_quads reads ds
    loaded._parts = parts
    loaded._derived_made = derived
    if parts is not None:
        loaded.sources = [(key, quads) for key, (quads, _) in zip(keys, parts, strict=True)]
    return loaded


def files_plan(layout: Layout, exclude=()) -> list[tuple[Path, str, Node | None]]:
    """The files :func:`load` reads, in its order: each with its format and the name of the
    graph its default part goes to (the ontology's; None: the default graph)."""
    ontology = [p for p in layout.ontology_files if p.name != "shapes.ttl"]
    skip = {Path(p).resolve() for p in exclude}
    sources = [p for p in layout.source_files if not (skip and p.resolve() in skip)]
    plan: list[tuple[Path, str, Node | None]] = [(p, "turtle", ONTOLOGY_GRAPH) for p in ontology]
    plan += [(p, "turtle", None) for p in layout.reference_files]
    plan += [(p, "trig", None) for p in sources]
    return plan


COLLECT_EVERY = 32
"""Files :func:`load` merges between two collections of the young objects."""


def merge_source(loaded: Loaded, path: Path, data: bytes) -> None:
    """Merge a source file's content, not yet written to ``path``, into a dataset loaded with
    ``derive=False``, then derive ISO codes and shortcut edges as :func:`load` does. Its terms are
    checked as :func:`load` checks every file's (``loaded.problems``).

    The content is parsed as :func:`load` parses a file (:func:`_parsed_quads`). Where the load
    kept each file's quads (``keep_parsed``), the new file's are added to them under the key its
    bytes will have once written (:func:`_parsed_key`; None where they hold a blank node), so that
    SHACL's kept results are found again for what it did not change
    (:mod:`spacecoop.checks.incremental`), as after an edit.

    Raises
    ------
    DataError
        The content does not parse.
    """
    quads = _parsed_quads(Path(path), data, "trig")
    _merge(loaded, Path(path), quads, False, TermCheck())
    loaded._quads = None
    loaded._derived = None
    loaded._derived_made = None  # derived again below: read from ds
    default_id = loaded.ds.default_graph.identifier
    if loaded._parts is not None:
        loaded._parts.append((quads, default_id))
    if loaded.sources is not None:
        kept = _to_table(quads) is not None  # as _parsed keeps them: None where not kept
        loaded.sources.append((_parsed_key(Path(path), "trig", data) if kept else None, quads))
    fed = loaded.derive_input
    if fed is not None:
        fed.feed(quads, default_id)  # as load feeds a source file
    add_iso_codes(loaded.ds, remember=loaded.sources is not None)
    add_shortcuts(loaded.ds, fed)


Quad = tuple[Node, Node, Node, "Node | None"]
"""A parsed quad; the graph is None for the file's default graph."""


def _quads_of(part: Dataset) -> list[Quad]:
    out: list[Quad] = []
    default = part.default_graph.identifier
    for s, p, o, g in part.quads((None, None, None, None)):
        gid = getattr(g, "identifier", g)
        if gid is None or gid == default or str(gid).startswith("file:"):
            gid = None
        out.append((s, p, o, gid))
    return out


PARSED_FORMAT = 2
"""Version of the layout of the files of parsed quads (:func:`_parsed`)."""


def _parsed(
    path: Path,
    fmt: str,
    keep: bool = True,
    check: TermCheck | None = None,
    made: dict[tuple[str, ...], Node] | None = None,
    where: str | None = None,
    keys: list[str | None] | None = None,
) -> tuple[list[Quad], bool]:
    """Return the quads of one data file, parsed (by Oxigraph where it reads the file as rdflib
    does, else by rdflib: :func:`_parsed_quads`) or taken from the copy kept when the
    same bytes of the same path were last parsed, and whether they are known to hold no term
    that :class:`TermCheck` flags (then loading need not check them again: checking every quad
    cost about 0.5 s at 100k triples; the copy records it, computed with ``check`` when kept).

    Parsing is most of what loading costs (about 60 % at 100k triples); the kept copy is the
    parser's own terms written as plain strings, one JSON file per data file in
    ``parsed/`` of the user's cache folder, named after the path and holding the SHA-256 of the
    bytes it was parsed from, of this module and the rdflib and pyoxigraph versions: an edited
    file, a moved file or another parser never matches it. A file whose terms do not come back
    identical from the strings (a blank node, whose label is new on every parse; any term that
    would not round-trip) is never kept. Where the folder cannot be written, every load parses.

    ``made``: the terms already made from kept copies (see :func:`_from_table`), shared by the
    files of one load. ``where``: ``path`` resolved, if the caller has it already. ``keys``: the
    kept copy's key is appended to it (None when the quads are not kept: they may differ on the
    next parse), so that a caller can tell the same bytes of the same file parsed by the same code.
    """
    import json

    raw = read_input(path)
    if not keep:
        if keys is not None:
            keys.append(None)
        return _parsed_quads(path, raw, fmt), False
    where = where or str(path.resolve())
    key = _parsed_key(path, fmt, raw, where)
    kept = _kept_path(path, fmt, where)
    try:
        data = json.loads(kept.read_text("utf-8"))
        if isinstance(data, dict) and data.get("key") == key:
            found = _from_table(data["terms"], data["quads"], made), data["clean"] is True
            if keys is not None:
                keys.append(key)
            return found
    except (OSError, ValueError, KeyError, TypeError, IndexError):
        pass
    quads = _parsed_quads(path, raw, fmt)
    table = _to_table(quads)
    body: dict = {"key": key, "kept": False}  # not kept: the file says so (see _parse_ahead)
    if table is not None:
        checker = check or TermCheck()
        clean = not any(checker.quad_problems(*quad) for quad in quads)
        body = {"key": key, "terms": table[0], "quads": table[1], "clean": clean}
    if keys is not None:
        keys.append(key if table is not None else None)
    import contextlib
    import secrets

    with contextlib.suppress(OSError):
        kept.parent.mkdir(parents=True, exist_ok=True)
        tmp = kept.with_name(f".{kept.name}.{os.getpid()}-{secrets.token_hex(4)}")
        try:
            tmp.write_text(json.dumps(body), "utf-8")
            os.replace(tmp, kept)  # whole or absent: a reader checks the key
        finally:
            tmp.unlink(missing_ok=True)
        _WROTE.append(kept.parent)
    return quads, False


def _parsed_key(path: Path, fmt: str, raw: bytes, where: str | None = None) -> str:
    """The key of the kept copy of ``path``'s quads parsed from ``raw`` (see :func:`_parsed`):
    the SHA-256 of the bytes, the path resolved (``where``, if the caller has it) and the code."""
    import hashlib

    where = where or str(path.resolve())
    h = hashlib.sha256(f"spacecoop-parsed {PARSED_FORMAT} {fmt} {_code_identity()}\n{where}\n".encode())
    h.update(raw)
    return h.hexdigest()


def _kept_path(path: Path, fmt: str, where: str | None = None) -> Path:
    """The file of the parsed quads of ``path`` kept by :func:`_parsed` (``where``: ``path``
    resolved, if the caller has it already)."""
    import hashlib

    from spacecoop.core.cache import cache_home

    where = where or str(path.resolve())
    return cache_home() / "parsed" / (hashlib.sha256(f"{fmt} {where}".encode()).hexdigest()[:32] + ".json")


PARSE_AHEAD_BYTES = 4 << 20
"""Files not parsed before, this many bytes of them or more: parsed ahead by forked processes."""


def _parse_ahead(files: list[tuple[Path, str]], where: dict[Path, str] | None = None) -> None:
    """Parse the files that have no kept copy of their quads yet, in forked processes (one per
    core, at most 4), which keep them (:func:`_parsed`); the load then reads the copies.

    A first load at 100k triples spent about 10 s parsing with rdflib's parser, which is pure
    Python and uses one core; with Oxigraph's where it reads a file (:func:`_oxigraph_quads`),
    the copies written, 0.8 s in two processes (1.3 s more when the load parses them itself).
    Only files whose kept copy is missing or older than the file are parsed ahead,
    and only when they add up to :data:`PARSE_AHEAD_BYTES` (an edit or two parse here at once).
    What a process cannot parse or keep, the load parses again and reports as always (the kept
    copy is used only when its key, the SHA-256 of the bytes, matches): this changes no result. A
    file whose quads cannot be kept (blank nodes) leaves a note that says so, so it is not parsed
    ahead again on every load. ``where``: the files' resolved paths, where the caller has them.
    """
    from spacecoop.core.forking import cores, fork_map

    workers = min(cores(), 4)
    if workers < 2:
        return
    todo, size = [], 0
    for path, fmt in files:
        try:
            stat = path.stat()
            kept = _kept_path(path, fmt, (where or {}).get(path))
            if kept.exists() and kept.stat().st_mtime_ns >= stat.st_mtime_ns:
                continue
            size += stat.st_size
        except OSError:
            continue  # the load reports it
        todo.append((path, fmt))
    if size < PARSE_AHEAD_BYTES:
        return
    chunk = max(1, len(todo) // (workers * 4))
    try:
        fork_map(workers, _parse_and_keep, todo, chunksize=chunk)
    except Exception:  # a process that died (out of memory): the load parses the rest
        return


def _parse_and_keep(item: tuple[Path, str]) -> None:
    path, fmt = item
    import contextlib

    with contextlib.suppress(Exception):  # the load parses it again and reports the error
        _parsed(path, fmt, True)


PARSED_KEEP = 20_000
"""At most this many files of parsed quads are kept; beyond it the older half is removed."""

_WROTE: list[Path] = []


def _prune_parsed() -> None:
    """Keep the folder of parsed quads under :data:`PARSED_KEEP` files (checked after a load that
    wrote to it: tests and moved projects leave files for paths that are gone)."""
    import contextlib

    if not _WROTE:
        return
    folder = _WROTE[0]
    _WROTE.clear()
    with contextlib.suppress(OSError):
        entries = list(os.scandir(folder))
        if len(entries) <= PARSED_KEEP:
            return
        entries.sort(key=lambda e: e.stat().st_mtime_ns)
        for e in entries[: len(entries) - PARSED_KEEP // 2]:
            with contextlib.suppress(OSError):
                os.unlink(e.path)


_IDENTITY: list[str] = []


def _code_identity() -> str:
    if not _IDENTITY:
        import hashlib

        import pyoxigraph
        import rdflib

        own = Path(__file__).read_bytes()
        versions = f"rdflib={rdflib.__version__} pyoxigraph={pyoxigraph.__version__}"  # both parse
        _IDENTITY.append(f"{hashlib.sha256(own).hexdigest()} {versions}")
    return _IDENTITY[0]


def _term_row(term) -> list[str] | None:
    if isinstance(term, URIRef):
        return ["u", str(term)]
    if isinstance(term, Literal):
        return ["l", str(term), term.language or "", str(term.datatype or "")]
    return None  # a blank node (new label on every parse) or anything else: not kept


def _term_of(row: list[str]):
    iri, plain = term_makers()  # what URIRef and Literal make, sooner (a kept term came back identical)
    if row[0] == "u":
        return iri(row[1])
    if row[2]:
        return plain(row[1], row[2])
    if not row[3]:
        return plain(row[1])
    return Literal(row[1], datatype=URIRef(row[3]))


def _to_table(quads: list[Quad]) -> tuple[list[list[str]], list[list[int]]] | None:
    """The quads as a table of distinct terms and rows of their indexes (-1: the default graph);
    None when some term does not come back identical."""
    index: dict = {}
    terms: list[list[str]] = []
    rows: list[list[int]] = []
    term_log = logging.getLogger("rdflib.term")
    level = term_log.level
    term_log.setLevel(logging.ERROR)
    try:
        for quad in quads:
            row = []
            for term in quad:
                if term is None:
                    row.append(-1)
                    continue
                at = index.get(term)
                if at is None:
                    fields = _term_row(term)
                    if fields is None:
                        return None
                    try:
                        back = _term_of(fields)
                        same = back == term and type(back) is type(term) and back.n3() == term.n3()
                    except Exception:  # a term rdflib cannot write (an IRI with a space): not kept
                        return None
                    if not same or getattr(back, "datatype", None) != getattr(term, "datatype", None):
                        return None
                    at = index[term] = len(terms)
                    terms.append(fields)
                row.append(at)
            rows.append(row)
    finally:
        term_log.setLevel(level)
    return terms, rows


def _from_table(
    terms: list[list[str]], rows: list[list[int]], made: dict[tuple[str, ...], Node] | None = None
) -> list[Quad]:
    """The quads of a table of :func:`_to_table`.

    ``made``: terms already made, by their fields, taken from and added to. Files of one load
    repeat most terms (predicates, classes, entities): one object for each is made once (at 100k
    triples, 67k terms of 674 files are 26k distinct), and the store's indexes then find each
    key by identity instead of calling rdflib's ``__eq__``.
    """
    term_log = logging.getLogger("rdflib.term")
    level = term_log.level
    term_log.setLevel(logging.ERROR)
    try:
        if made is None:
            made = {}
        these = []
        for fields in terms:
            key = tuple(fields)
            term = made.get(key)
            if term is None:
                term = made[key] = _term_of(fields)
            these.append(term)
    finally:
        term_log.setLevel(level)
    return [(these[s], these[p], these[o], these[g] if g >= 0 else None) for s, p, o, g in rows]


def _merge(
    loaded: Loaded,
    path: Path,
    part: list[Quad],
    clean: bool,
    check: TermCheck,
    into_default: Graph | None = None,
) -> None:
    """Add one file's quads to ``loaded``; ``clean``: known to hold no term ``check`` flags."""
    ds = loaded.ds
    rel = str(path)
    loaded.files.append(path)
    graphs: dict[Node, Graph] = {}
    default = into_default if into_default is not None else ds.default_graph
    origins = loaded.origins

    def each() -> Iterator[tuple[Node, Node, Node, Graph]]:
        for s, p, o, gid in part:
            if gid is None:
                target = default
            else:
                target = graphs.get(gid)
                if target is None:
                    target = graphs[gid] = ds.graph(gid)  # type: ignore[arg-type]  # an IRI or blank node
            for why in () if clean else check.quad_problems(s, p, o, gid):
                if len(loaded.problems) < 1000:
                    loaded.problems.append(TermProblem(rel, printable(str(s), 200), why))
            yield s, p, o, target

    add_all(ds, each())  # what target.add((s, p, o)) does for each, in half the time
    # where each subject was read: once per subject of the file, in the order read (per quad,
    # 100,000 times at 100k triples, each making a set to throw away)
    for s in dict.fromkeys(map(itemgetter(0), part)):
        found = origins.get(s)
        if found is None:
            origins[s] = {rel}
        else:
            found.add(rel)
