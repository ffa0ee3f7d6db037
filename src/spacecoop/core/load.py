"""Read the ontology, the reference entities and every source into one rdflib Dataset.

Layout of the loaded dataset:

* named graph ``<https://w3id.org/spacecoop/ns>``: the ontology and its SKOS concept schemes;
* default graph: reference entities (``graph/reference/*.ttl``), what is known about each source
  (the default-graph part of ``graph/sources/*.trig``), and ISO 3166 codes added from pycountry;
* one named graph per source, named by the source's IRI: what that source asserts, plus the
  shortcut edges (``sc:develops``, ``sc:carries``, ``sc:participatesIn``, ``sc:involvedIn``)
  derived from it.

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

import logging
import os
import re
import stat
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, SKOS, BNode, Dataset, Graph, Literal, URIRef

from spacecoop.core.errors import DataError, SpacecoopError
from spacecoop.core.namespaces import NS, ORG, SC, bind_prefixes, concept

ONTOLOGY_GRAPH = URIRef(NS.rstrip("#"))
"""Name of the graph that holds the ontology and concept schemes."""

MAX_INPUT_BYTES = 64 * 1024 * 1024
"""Largest data file (ontology, graph, shapes) or table that is read: 64 MiB. A bigger one is
refused before it is read, so a runaway file cannot take the machine's memory."""

_FILE_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _kind_of(mode: int) -> str:
    return next((name for test, name in _FILE_KINDS if test(mode)), "not a regular file")


def read_input(path: str | os.PathLike, *, limit: int = MAX_INPUT_BYTES) -> bytes:
    """Return the bytes of a data file, refusing anything but a regular file of at most ``limit`` bytes.

    A FIFO, socket or device (or a symlink to one) would block the reader or never end, so it is
    refused without being read: the file is opened non-blocking and checked with ``fstat`` on the
    open descriptor, so a file swapped in after the first check is caught too.

    Parameters
    ----------
    path : path
        The file to read.
    limit : int
        Largest size accepted, in bytes (default :data:`MAX_INPUT_BYTES`).

    Returns
    -------
    bytes

    Raises
    ------
    DataError
        The file is missing, unreadable, not a regular file, or larger than ``limit``; the message
        names the file.

    Examples
    --------
    >>> read_input("/dev/zero")
    Traceback (most recent call last):
    ...
    spacecoop.core.errors.DataError: /dev/zero: not a regular file (a character device); spacecoop reads only regular files
    """
    p = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        try:
            mode = os.stat(path).st_mode
        except OSError:
            mode = None
        if mode is not None and not stat.S_ISREG(mode):  # a socket cannot even be opened (ENXIO)
            raise DataError(
                p, f"not a regular file ({_kind_of(mode)}); spacecoop reads only regular files"
            ) from exc
        raise DataError(p, f"cannot read: {exc.strerror or exc}") from exc
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise DataError(
                p, f"not a regular file ({_kind_of(st.st_mode)}); spacecoop reads only regular files"
            )
        if st.st_size > limit:
            raise DataError(p, _too_large(st.st_size, limit))
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as f:
        try:
            data = f.read(limit + 1)
        except OSError as exc:
            raise DataError(p, f"cannot read: {exc.strerror or exc}") from exc
    if len(data) > limit:  # grew while being read
        raise DataError(p, _too_large(len(data), limit))
    return data


def _too_large(size: int, limit: int) -> str:
    amount = f"{limit / 2**20:g} MiB" if limit >= 2**20 else f"{limit:,} bytes"
    return f"larger than the {amount} limit for a data file ({size:,} bytes; spacecoop.core.load.MAX_INPUT_BYTES)"


WORKSPACE_MARKER = "spacecoop-workspace.toml"
"""The file that makes a folder a workspace (written by ``spacecoop init``)."""

DATA_FOLDERS = ("ontology", "graph", "queries")
"""The folders of shipped data: at the top of a checkout, under ``spacecoop/data/`` in a wheel."""


def is_workspace(folder: str | os.PathLike) -> bool:
    """Return whether ``folder`` is a workspace: it holds the marker file ``spacecoop-workspace.toml``."""
    return (Path(folder) / WORKSPACE_MARKER).is_file()


def is_checkout(folder: str | os.PathLike) -> bool:
    """Return whether ``folder`` holds the project's data itself (``ontology/spacecoop.ttl``)."""
    return (Path(folder) / "ontology" / "spacecoop.ttl").is_file()


_SHIPPED: list[Path] = []


def shipped_root() -> Path:
    """Return the folder of the data this package ships: ``ontology/``, ``graph/`` and ``queries/``.

    That is the checkout the package runs from (an editable install), else ``spacecoop/data``
    inside the installed package (a wheel), read through :mod:`importlib.resources`.

    Raises
    ------
    SpacecoopError
        Neither holds ``ontology/spacecoop.ttl``.
    """
    if _SHIPPED:
        return _SHIPPED[0]
    checkout = Path(__file__).resolve().parents[3]
    if is_checkout(checkout) and (checkout / "pyproject.toml").is_file():
        found = checkout
    else:
        from importlib.resources import files

        data = files("spacecoop") / "data"
        if not isinstance(data, Path):  # imported from a zip: give the files a real folder
            import atexit
            import contextlib
            from importlib.resources import as_file

            stack = contextlib.ExitStack()
            atexit.register(stack.close)
            data = stack.enter_context(as_file(data))
        found = Path(data)
        if not is_checkout(found):
            raise SpacecoopError(
                f"the data shipped with spacecoop is missing ({found / 'ontology' / 'spacecoop.ttl'}); "
                "reinstall the package"
            )
    _SHIPPED.append(found)
    return found


def inside_package(folder: str | os.PathLike) -> bool:
    """Return whether ``folder`` is inside the installed package (its shipped data included),
    where nothing is ever written: an upgrade replaces it."""
    pkg = Path(__file__).resolve().parents[1]
    p = Path(folder).resolve()
    return p == pkg or pkg in p.parents


def locate_root(start: str | os.PathLike | None = None) -> Path | None:
    """Return the project root chosen by the user, or None: ``$SPACECOOP_ROOT``, else the nearest
    folder upward from ``start`` (default: the working directory) that is a workspace or a checkout.

    Raises
    ------
    SpacecoopError
        ``$SPACECOOP_ROOT`` names a folder that is neither a workspace nor a checkout.
    """
    env = os.environ.get("SPACECOOP_ROOT")
    if env:
        return check_root(env, "SPACECOOP_ROOT=")
    here = Path(start or Path.cwd()).resolve()
    for c in (here, *here.parents):
        if is_workspace(c) or is_checkout(c):
            return c
    return None


def check_root(root: str | os.PathLike, what: str = "") -> Path:
    """Return ``root`` resolved, if it is a workspace or a checkout.

    Raises
    ------
    SpacecoopError
        It is neither; the message says how to make a workspace there.
    """
    p = Path(root).expanduser().resolve()
    if is_workspace(p) or is_checkout(p):
        return p
    why = "does not exist" if not p.exists() else "is neither a workspace nor a checkout"
    raise SpacecoopError(
        f"{what}{root}: {why} (a workspace holds {WORKSPACE_MARKER}; make one with: spacecoop init {root})"
    )


def find_root(start: str | os.PathLike | None = None) -> Path:
    """Return the project root: ``$SPACECOOP_ROOT``, else the nearest workspace or checkout upward
    from ``start`` (default: the working directory), else the data shipped with the package
    (:func:`shipped_root`).

    A workspace (``spacecoop init``) is read on top of the shipped data; see :class:`Layout`.

    Raises
    ------
    SpacecoopError
        ``$SPACECOOP_ROOT`` is not a workspace or checkout, or the shipped data is missing.
    """
    return locate_root(start) or shipped_root()


def writable_root(root: str | os.PathLike | None = None) -> Path:
    """Return the root that commands which write data (``add``, ``import-table``) write into.

    ``root`` if given (a workspace or checkout), else :func:`locate_root`. The data shipped inside
    the installed package, or the checkout it runs from when no folder was chosen, is never
    written to.

    Raises
    ------
    SpacecoopError
        No workspace or checkout was chosen, or ``root`` is the shipped data of an installed package.
    """
    found = check_root(root) if root is not None else locate_root()
    if found is None or inside_package(found):
        raise SpacecoopError(
            "no workspace here to write into (the data shipped with spacecoop is read-only): "
            "make one with `spacecoop init DIR`, then run from DIR or pass --root DIR"
        )
    return found


def default_output(root: str | os.PathLike | None, name: str) -> Path:
    """Return where a command writes ``name`` when not told: in the workspace when the root is one
    (so outputs stay with its sources, wherever the command runs), else in the working directory."""
    found = find_root() if root is None else Path(root).resolve()
    return found / name if is_workspace(found) else Path(name)


@dataclass(frozen=True)
class Layout:
    """Where the project's data files are, below a root folder.

    A root is a checkout (it holds ``ontology/``, ``graph/``, ``queries/`` itself) or a workspace
    (``spacecoop init``). A workspace is read on top of the shipped data (``base``, see
    :func:`shipped_root`): the ontology, shapes and queries are the shipped ones; the reference
    entities and sources are the shipped ones followed by the workspace's own ``graph/reference``
    and ``graph/sources``. Writes go to ``root`` only.
    """

    root: Path
    base: Path = field(default=None)  # type: ignore[assignment]
    """The folder of ontology, queries and the shipped graph: ``root`` itself unless it is a workspace."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))
        if self.base is None:
            object.__setattr__(self, "base", shipped_root() if self.is_workspace else self.root)

    @property
    def is_workspace(self) -> bool:
        return is_workspace(self.root)

    @property
    def ontology_files(self) -> list[Path]:
        return sorted((self.base / "ontology").glob("*.ttl"), key=_shapes_last)

    @property
    def shapes_file(self) -> Path:
        return self.base / "ontology" / "shapes.ttl"

    def _graph_files(self, sub: str, pattern: str) -> list[Path]:
        files = sorted((self.base / "graph" / sub).glob(pattern))
        if self.base != self.root:
            files += sorted((self.root / "graph" / sub).glob(pattern))
        return files

    @property
    def reference_files(self) -> list[Path]:
        return self._graph_files("reference", "*.ttl")

    @property
    def source_files(self) -> list[Path]:
        return self._graph_files("sources", "*.trig")

    @property
    def queries_dir(self) -> Path:
        return self.base / "queries"

    @property
    def texts_dir(self) -> Path:
        """Folder of stored source texts: ``$SPACECOOP_SOURCES``, else ``texts/`` in a workspace,
        else ``../shared/sources`` beside a checkout."""
        env = os.environ.get("SPACECOOP_SOURCES")
        if env:
            return Path(env)
        return self.root / "texts" if self.is_workspace else self.root.parent / "shared" / "sources"


def _shapes_last(p: Path) -> tuple[bool, str]:
    return (p.name == "shapes.ttl", p.name)


MAX_TERM_BYTES = 8 * 1024 * 1024
"""Largest IRI or literal accepted, in UTF-8 bytes of its N-Triples form: 8 MiB. Oxigraph's parsers
(``serve``, ``load``) refuse a term over 16 MiB ("Reached the buffer maximal size"); half of it
leaves room for whatever surrounds the term in their buffer."""


@dataclass(frozen=True)
class TermProblem:
    """A term in a data file that Oxigraph or the writers of ``build`` would refuse."""

    file: str
    node: str
    """The subject of the triple that holds the term (surrogates escaped, long IRIs shortened)."""
    message: str


def printable(text: str, limit: int = 0) -> str:
    """Return ``text`` with lone surrogates as ``\\ud800``-style escapes, shortened to ``limit`` characters."""
    out = text.encode("utf-8", "backslashreplace").decode("utf-8")
    if limit and len(out) > limit:
        out = out[:limit] + f"... ({len(text):,} characters)"
    return out


class TermCheck:
    """Check terms the way pyoxigraph takes them: every IRI, literal, language tag and datatype.

    rdflib parses some terms that Oxigraph refuses (an IRI with a space or a bad percent escape,
    a lone surrogate from ``\\uD800``, a language subtag over eight letters, a term over
    :data:`MAX_TERM_BYTES`); ``build`` (whose writers refuse bad IRIs and cannot encode
    surrogates), ``viz`` and ``serve`` would then fail where ``validate`` passed. Each distinct
    IRI, language tag and datatype is converted once with pyoxigraph's own constructors.
    """

    def __init__(self) -> None:
        import pyoxigraph

        self._ox = pyoxigraph
        self._iris: dict[str, str | None] = {}
        self._langs: dict[str, str | None] = {}

    def quad_problems(self, s, p, o, g=None) -> list[str]:
        """Return why Oxigraph or the writers would refuse the quad: its terms, and a term out of
        place (rdflib's Turtle and TriG parsers take a literal or a blank node as predicate, and
        a literal as subject; RDF has neither)."""
        out = []
        if not isinstance(s, (URIRef, BNode)):
            out.append(f"the subject is {_a(s)}; RDF takes only an IRI or a blank node there")
        if not isinstance(p, URIRef):
            out.append(
                f"the predicate {printable(p.n3() if hasattr(p, 'n3') else str(p), 80)} is {_a(p)}; "
                "RDF takes only an IRI there"
            )
        for term in (s, p, o, g):
            why = self.problem(term) if term is not None else None
            if why:
                out.append(why)
        return out

    def problem(self, term) -> str | None:
        """Return why pyoxigraph or the writers would refuse ``term``, or None if they take it."""
        if isinstance(term, URIRef):
            return self._iri(str(term))
        if isinstance(term, Literal):
            return self._literal(term)
        if isinstance(term, BNode):
            return (
                None
                if str(term).isascii() or _utf8(str(term)) is None
                else "a blank node label that UTF-8 cannot encode"
            )
        return None

    def _iri(self, iri: str) -> str | None:
        if iri in self._iris:
            return self._iris[iri]
        why = None
        bad = _utf8(iri)
        if bad is not None:
            why = f"the IRI <{printable(iri, 80)}> holds {bad}"
        else:
            try:
                node = self._ox.NamedNode(iri)
            except ValueError as exc:  # from Oxigraph's IRI parser
                why = f"the IRI <{printable(iri, 80)}> is not valid: {exc}"
            else:
                space = _IRI_SPACE.search(iri)
                if space:  # Oxigraph takes U+2028 or U+0085 in an IRI, rdflib cannot read it back
                    why = (
                        f"the IRI <{printable(iri, 80)}> holds the space character U+{ord(space.group()):04X}, "
                        "which rdflib cannot read back from build's N-Quads"
                    )
                elif len(iri) > MAX_TERM_BYTES // 8:
                    why = _too_big("IRI", str(node))
        if len(self._iris) < 200_000:  # bounded: at 1M distinct IRIs the cache would cost ~100 MB
            self._iris[iri] = why
        return why

    def _literal(self, term: Literal) -> str | None:
        text = str(term)
        bad = None if text.isascii() else _utf8(text)
        if bad is not None:
            return f"the literal {printable(repr(text), 80)} holds {bad}"
        if term.language:
            lang = term.language
            if lang not in self._langs:
                try:
                    self._ox.Literal("", language=lang)
                    self._langs[lang] = None
                except ValueError as exc:
                    self._langs[lang] = f"the language tag @{printable(lang, 40)} is not valid: {exc}"
            if self._langs[lang]:
                return self._langs[lang]
        if term.datatype is not None:
            why = self._iri(str(term.datatype))
            if why:
                return f"datatype: {why}"
        if len(text) > MAX_TERM_BYTES // 8:
            lit = (
                self._ox.Literal(text, language=term.language)
                if term.language
                else self._ox.Literal(
                    text, datatype=self._ox.NamedNode(str(term.datatype)) if term.datatype else None
                )
            )
            return _too_big("literal", str(lit))
        return None


_IRI_SPACE = re.compile(r"\s")


def _a(term) -> str:
    return {Literal: "a literal", BNode: "a blank node", URIRef: "an IRI"}.get(
        type(term), type(term).__name__
    )


def _utf8(text: str) -> str | None:
    """Return what in ``text`` UTF-8 cannot encode (a lone surrogate), or None."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return f"a lone surrogate U+{ord(text[exc.start]):04X} at character {exc.start}, which UTF-8 cannot encode"
    return None


def _too_big(what: str, ntriples: str) -> str | None:
    size = len(ntriples.encode("utf-8"))
    if size <= MAX_TERM_BYTES:
        return None
    return (
        f"a {what} of {size:,} bytes, over the {MAX_TERM_BYTES // 2**20} MiB limit for one term "
        "(spacecoop.core.load.MAX_TERM_BYTES; Oxigraph refuses terms over 16 MiB)"
    )


@dataclass
class Loaded:
    """A loaded dataset and where each of its subjects was read from."""

    ds: Dataset
    origins: dict[URIRef, set[str]] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)
    problems: list[TermProblem] = field(default_factory=list)
    """Terms that Oxigraph or the writers of ``build`` would refuse, with the file each is in
    (see :class:`TermCheck`); :func:`spacecoop.checks.validate.validate` reports them."""

    def files_of(self, node) -> list[str]:
        """Return the files that mention ``node`` as a subject, sorted."""
        return sorted(self.origins.get(node, ()))


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
    ds = Dataset()
    raw = read_input(path)
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
    spacecoop.publish.build.write_dataset : write the loaded dataset in several formats.
    """
    return load(root, derive=derive).ds


def load(root: str | os.PathLike | None = None, *, derive: bool = True, exclude=()) -> Loaded:
    """Like :func:`load_dataset`, but also return where each subject was read from.

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
    for path in layout.ontology_files:
        if path.name == "shapes.ttl":
            continue
        _merge(loaded, path, parse_file(path, "turtle"), check, into_default=onto)
    for path in layout.reference_files:
        _merge(loaded, path, parse_file(path, "turtle"), check)
    skip = {Path(p).resolve() for p in exclude}
    for path in layout.source_files:
        if skip and path.resolve() in skip:
            continue
        _merge(loaded, path, parse_file(path, "trig"), check)
    if derive:
        add_iso_codes(ds)
        add_shortcuts(ds)
    return loaded


def merge_source(loaded: Loaded, path: Path, data: bytes) -> None:
    """Merge a source file's content, not yet written to ``path``, into a dataset loaded with
    ``derive=False``, then derive ISO codes and shortcut edges as :func:`load` does. Its terms are
    checked as :func:`load` checks every file's (``loaded.problems``).

    Raises
    ------
    DataError
        The content does not parse.
    """
    part = Dataset()
    term_log = logging.getLogger("rdflib.term")
    level = term_log.level
    term_log.setLevel(logging.ERROR)
    try:
        part.parse(data=data.decode("utf-8"), format="trig", publicID=Path(path).resolve().as_uri())
    except Exception as exc:  # rdflib raises many types
        raise _syntax_error(Path(path), exc) from exc
    finally:
        term_log.setLevel(level)
    _merge(loaded, Path(path), part, TermCheck())
    add_iso_codes(loaded.ds)
    add_shortcuts(loaded.ds)


def _merge(
    loaded: Loaded, path: Path, part: Dataset, check: TermCheck, into_default: Graph | None = None
) -> None:
    ds = loaded.ds
    rel = str(path)
    loaded.files.append(path)
    for s, p, o, g in part.quads((None, None, None, None)):
        gid = g.identifier if hasattr(g, "identifier") else g
        if gid is None or gid == part.default_graph.identifier or str(gid).startswith("file:"):
            target = into_default if into_default is not None else ds.default_graph
            gid = None
        else:
            target = ds.graph(gid)
        for why in check.quad_problems(s, p, o, gid):
            if len(loaded.problems) < 1000:
                loaded.problems.append(TermProblem(rel, printable(str(s), 200), why))
        target.add((s, p, o))
        loaded.origins.setdefault(s, set()).add(rel)


def _labels(g: Graph, node) -> list[str]:
    pref = [str(o) for o in g.objects(node, SKOS.prefLabel)]
    alt = sorted(str(o) for o in g.objects(node, SKOS.altLabel))
    return pref + alt


def add_iso_codes(ds: Dataset) -> int:
    """Add ISO 3166 codes from pycountry to every country and region, looked up by its labels.

    A country is looked up among ISO 3166-1 entries; a region first among ISO 3166-1 entries (Hong
    Kong has its own alpha-2 code) and then among the subdivisions of the country it is part of
    (Hawaii is US-HI). Nodes that match nothing get no code, which validation reports.

    Returns
    -------
    int
        The number of triples added.
    """

    g = ds.default_graph
    added = 0
    for node in sorted(set(ds.subjects(RDF.type, SC.Country)) | set(ds.subjects(RDF.type, SC.Region))):
        labels = _labels(ds, node)
        is_region = (node, RDF.type, SC.Region) in ds
        country = _country(labels)
        sub = _subdivision(ds, node, labels) if is_region else None
        # A region takes an ISO 3166-1 code only when ISO also lists it as a subdivision of its
        # country under the same letters (Hong Kong: HK and CN-HK), never by name alone (the US
        # state of Georgia is not the country Georgia).
        if is_region and (sub is None or country is None or sub.code.split("-")[1] != country.alpha_2):
            country = None
        if country is not None:
            for p, v in (
                (SC.iso3166Alpha2, country.alpha_2),
                (SC.iso3166Alpha3, country.alpha_3),
                (SC.iso3166Numeric, country.numeric),
            ):
                g.add((node, p, Literal(v)))
                added += 1
        if sub is not None:
            g.add((node, SC.iso3166Subdivision, Literal(sub.code)))
            added += 1
    return added


def _country(labels: list[str]):
    import pycountry

    for label in labels:
        try:
            return pycountry.countries.lookup(label)
        except LookupError:
            continue
    return None


def _subdivision(ds: Dataset, node, labels: list[str]):
    import pycountry

    for parent in ds.objects(node, SC.partOf):
        country = _country(_labels(ds, parent))
        codes = [country.alpha_2] if country is not None else []
        for code in codes:
            for sub in pycountry.subdivisions.get(country_code=code) or ():
                if sub.name in labels:
                    return sub
    return None


_SHORTCUTS = {
    SC.PayloadDevelopment: (SC.developer, SC.develops, SC.payload),
    SC.PayloadCarriage: (SC.mission, SC.carries, SC.payload),
}

_ORG_CLASSES = (SC.Organization, SC.Initiative)


def add_shortcuts(ds: Dataset) -> int:
    """Derive direct edges from relationship nodes, inside the graph that states them.

    ``?org sc:develops ?payload`` and ``?mission sc:carries ?payload`` from every development and
    carriage. From a participation, what its claims in that graph say:

    * ``?member sc:participatesIn ?organization`` (a sub-property of ``org:memberOf``) when a claim
      makes the member a member in its own name: a joining status
      (:data:`~spacecoop.core.namespaces.JOINING_STATUSES`) at level national for a country or region,
      at level organisation for an organisation;
    * ``?member sc:involvedIn ?organization`` (not under ``org:memberOf``) for every other claim
      but a "not listed": sub-national groups, an engagement through a member organisation, an
      applicant, observer, partner or supporter.

    One participation may give both (Pakistan signed the ILRS, and groups from it are partners).

    Returns
    -------
    int
        The number of triples added.
    """
    from spacecoop.core.namespaces import JOINING_STATUSES

    added = 0
    # One pass over the typed relationship nodes with the graph each sits in: asking every graph
    # for its typed nodes instead scans all graphs' type triples per graph (quadratic: 40 s at
    # 100k triples, about an hour at 1M).
    for cls, (subj_p, short, obj_p) in _SHORTCUTS.items():
        for rel, _, _, ctx in list(ds.quads((None, RDF.type, cls, None))):
            gid = ctx.identifier if hasattr(ctx, "identifier") else ctx
            if gid == ONTOLOGY_GRAPH:
                continue
            g = ds.graph(gid)
            for s in list(g.objects(rel, subj_p)):
                for o in list(g.objects(rel, obj_p)):
                    if (s, short, o) not in g:
                        g.add((s, short, o))
                        added += 1
    joining = {concept("status", s) for s in JOINING_STATUSES}
    not_listed = concept("status", "not-listed")
    national, organisation = concept("level", "national"), concept("level", "organization")
    for rel, _, _, ctx in list(ds.quads((None, RDF.type, SC.Participation, None))):
        gid = ctx.identifier if hasattr(ctx, "identifier") else ctx
        if gid == ONTOLOGY_GRAPH:
            continue
        g = ds.graph(gid)
        members = list(g.objects(rel, ORG.member))
        targets = list(g.objects(rel, ORG.organization))
        for m in members:
            is_org = any((m, RDF.type, c) in ds for c in _ORG_CLASSES)
            own_level = organisation if is_org else national
            for claim in list(g.subjects(SC.about, rel)):
                statuses = set(g.objects(claim, SC.status))
                levels = set(g.objects(claim, SC.level))
                if statuses and statuses <= {not_listed}:
                    continue
                member = own_level in levels and bool(statuses & joining)
                short = SC.participatesIn if member else SC.involvedIn
                for o in targets:
                    if (m, short, o) not in g:
                        g.add((m, short, o))
                        added += 1
    return added
