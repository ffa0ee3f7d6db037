"""The check queries' copy of a large project, kept on disk and brought up to date by the delta of
the files that changed (what ``validate`` asks its check queries of after an edit).

``validate`` has a forked process answer the check queries on Oxigraph's own parse of the files
(:func:`spacecoop.checks.validate.check_rows_of_files`) while it loads them with rdflib. At 100k
triples that process spent 0.6 s parsing every file into a store in memory and merging its graphs
into the default graph, then 0.3-0.4 s on the queries, and ended last. Here the copy it made is
kept in an Oxigraph store on disk, with each file's quads as they went in, and the next run
applies only what changed:

* a file whose bytes did not change (its SHA-256, reused while its size, times and inode hold,
  as the compiled store's manifest does) is not read;
* an edited, new or removed file: its old quads leave their named graph unless another file
  states them there, its new quads go in; then a triple leaves the default graph (the merge of
  every graph, and the files' own default-graph parts) only when no named graph holds it any
  more and no other file's default-graph part states it.

What the copy holds is what :func:`spacecoop.store.native.load_project` puts in a store with
``derive=False`` (no check query reads a derived edge; those that would are not asked of the
copy): the same quads, blank nodes aside, which get labels of their own in each parse (a label
written in a file, ``_:b1``, names one node per file, as in every load). The tests compare the
copy after edits of every kind with a fresh load, graph by graph, up to blank-node labels.

Where it lives: ``native/KEY/`` in the user's cache folder
(:func:`spacecoop.core.cache.cache_home`), one folder per project root, used only when it and its
parents up to ``native/`` are the user's own and nobody else may write them (a copy changed by
someone else could make ``validate`` pass what it should fail)::

    lock           taken (exclusively, without waiting) by the one process using or building
                   the copy; a second ``validate`` started meanwhile parses the files as before
    copy/index.json  the format, the code that made the copy, the root, its generation (one
                   more per delta applied), each file's stamp, SHA-256 and the named graphs it
                   fills
    copy/parts/    each file's quads as they went in (N-Quads, blank-node labels as stored)
    copy/defaults.nq  every file's default-graph part, each quad's graph naming the file's part:
                   read only when a triple may leave the default graph
    copy/memo.json   what the asker kept for the copy of one generation (``validate``: each
                   check's rows; see :func:`ask_kept`)
    copy/store/    the Oxigraph store
    copy/dirty     written (and flushed to disk) before the store is changed, removed once the
                   store, parts and index agree again: a copy found dirty (a kill or a power cut
                   in between) is never used, and is built again
    .building-*/   a copy being built; renamed to ``copy`` only once complete

When there is no copy to use (none yet, another format or code, dirty, more than a quarter of
the bytes changed, a file holding what only the rdflib path reads), the caller parses the files
as before, and a process of its own, started once the caller is done with the lock, builds the
copy at the lowest priority, not waited for: the next run finds it.

RocksDB and fork: a process that opened a store on disk runs RocksDB's threads, which a process
forked from it does not have; RocksDB there waits for them forever. ``validate`` asks the copy in
a forked process only when it runs no such thread
(:func:`spacecoop.core.forking.rocksdb_started`), and the builder is a new interpreter, not a
fork.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import shutil
import stat
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spacecoop.core.cache import cache_home
from spacecoop.core.errors import DataError

if TYPE_CHECKING:
    from collections.abc import Callable, Iterable

    import pyoxigraph

FORMAT = 1
"""Version of the layout of a kept copy's folder and index."""

MAX_CHANGED_SHARE = 0.25
"""A delta of more than this share of the files' bytes is not applied: the copy is built again
(parsing everything, as without a copy, is then about as quick)."""

KEPT_COPIES = 4
"""Copies of this many project roots are kept (the last used); older ones are removed."""

_CODE = ("store/keptnative.py", "store/native.py", "core/inputs.py")
"""The package's files besides those of the compiled store's key whose code decides what a copy
holds."""

INDEX = "index.json"
DIRTY = "dirty"
DEFAULTS = "defaults.nq"
MEMO = "memo.json"


def kept_folder(root: Path) -> Path:
    """The folder of the kept copy of the project at ``root`` (resolved)."""
    digest = hashlib.sha256(f"kept-native {root}".encode()).hexdigest()[:32]
    return cache_home() / "native" / digest


@dataclass
class _Part:
    """One file as it goes into the copy."""

    stamp: dict[str, Any]
    """Its size, times and inode, taken before it was read, and the SHA-256 of the bytes read."""
    quads: list
    """Its quads, each in the graph it goes to (see :func:`_parse`)."""
    graphs: list[str] = field(default_factory=list)
    """The named graphs it fills (N-Triples form)."""


@dataclass(frozen=True)
class Since:
    """What an asker of the copy kept the last time (:func:`ask_kept` with ``memo=True``), and what
    changed in the copy since."""

    kept: Any
    """What the asker kept (JSON), or None when nothing was kept for the copy as it was before
    this call's delta (none yet, or a call that failed after a delta)."""
    touched: frozenset[str] | None
    """The IRIs of the predicates of every quad that left or entered the copy since ``kept`` was
    kept (empty: nothing changed), or None when not known (``kept`` is then None too)."""


def ask_kept(
    root: str | os.PathLike,
    ask: Callable[..., Any],
    entries: dict[str, dict] | None = None,
    *,
    memo: bool = False,
) -> Any:
    """``ask(store)`` of the kept copy of the project at ``root``, brought up to date with its
    files first; None when there is no copy to use: then a process of its own builds one
    (:func:`build_detached`), unless another process holds the copy.

    ``entries``: the stamps and SHA-256 of the files taken by the caller
    (:func:`spacecoop.store.compiled.check_files`), reused for the files they list. The store is
    closed before the copy is let go (RocksDB allows one process at a time).

    ``memo``: ``ask(store, since)`` is called instead, with a :class:`Since`, and returns
    ``(answer, kept)``: ``kept`` (JSON) is written beside the copy, tied to the copy as it now is,
    and given back as ``since.kept`` next time with the predicates changed meanwhile (what
    ``validate`` uses to answer again only the check queries that read one of them).

    Raises
    ------
    DataError
        An edited file cannot be read or parsed (the copy is left as it was).
    """
    from spacecoop.core.layout import Layout
    from spacecoop.store.native import _plan

    if not sys.platform.startswith("linux"):
        return None
    root = Path(root).resolve()
    folder = kept_folder(root)
    lock = _take_lock(folder)
    if lock is None:  # another process uses or builds the copy, or the cache is not ours
        return None
    try:
        try:
            delta = _update(folder / "copy", root, _plan(Layout(root)), entries or {})
        except (_NoDelta, OSError):
            delta = None
        if delta is not None:
            store = delta.store
            delta.store = None
            if not memo:
                answer = ask(store)
            else:
                answer, kept = ask(store, _since(folder / "copy", delta))
                if kept is not None:
                    from spacecoop.core.atomic import write_atomic

                    with contextlib.suppress(OSError):  # not kept: the next call asks everything
                        write_atomic(
                            folder / "copy" / MEMO, json.dumps({"generation": delta.generation, "kept": kept})
                        )
            # closed once nothing refers to it: the asker's frames may outlive the call, kept by a
            # cycle (rdflib's parser keeps the tracebacks of what it tried), till it is collected
            held = sys.getrefcount(store) > 2  # this name and the call's own argument
            del store
            if held:
                import gc

                gc.collect()
            return answer
    finally:
        os.close(lock)  # the lock goes with the descriptor
    build_detached(root)
    return None


@dataclass
class _Delta:
    """The copy's store brought up to date (:func:`_update`), and what changed in it."""

    store: Any
    generation: int
    """The copy's generation now: one more for each delta applied since it was built."""
    touched: frozenset[str]
    """The predicates of the quads that left or entered it in this call (empty: none)."""


def _since(copy: Path, delta: _Delta) -> Since:
    try:
        memo = json.loads((copy / MEMO).read_text("utf-8"))
        generation = memo["generation"]
        kept = memo["kept"]
    except (OSError, ValueError, TypeError, KeyError):
        return Since(None, None)
    if generation == delta.generation:  # kept for the copy as it is
        return Since(kept, frozenset())
    if generation == delta.generation - 1 and delta.touched:  # for the copy before this delta
        return Since(kept, delta.touched)
    return Since(None, None)


class _NoDelta(Exception):
    """The copy cannot be brought up to date by a delta: build it again."""


def _own_folder(path: Path) -> bool:
    """Whether ``path`` is a folder (no symlink) this user owns and no one else may write."""
    try:
        st = os.lstat(path)
    except OSError:
        return False
    return stat.S_ISDIR(st.st_mode) and st.st_uid == os.getuid() and not st.st_mode & 0o022


def _take_lock(folder: Path) -> int | None:
    """The descriptor of ``folder/lock`` locked exclusively, without waiting; None when another
    process holds it, or the folder cannot be made or is not the user's own (see the module
    notes)."""
    import fcntl

    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
    except OSError:
        return None
    if not (_own_folder(folder) and _own_folder(folder.parent)):
        return None
    try:
        fd = os.open(folder / "lock", os.O_RDWR | os.O_CREAT | os.O_NOFOLLOW | os.O_CLOEXEC, 0o600)
    except OSError:
        return None
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        os.close(fd)
        return None
    return fd


def _code() -> str:
    from spacecoop.store.compiled import code_identity

    return code_identity(_CODE)


def _read_index(copy: Path, root: Path) -> dict | None:
    """The index of a copy made by this code for ``root``, or None."""
    try:
        index = json.loads((copy / INDEX).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if (
        not isinstance(index, dict)
        or index.get("format") != FORMAT
        or index.get("code") != _code()
        or index.get("root") != str(root)
        or not isinstance(index.get("files"), dict)
    ):
        return None
    return index


def _part_name(path: str) -> str:
    return hashlib.sha256(path.encode()).hexdigest()[:32] + ".nq"


def _update(copy: Path, root: Path, plan: list, entries: dict[str, dict]) -> _Delta:
    """The copy's store with the delta of the files that changed applied (see the module notes).

    Raises
    ------
    _NoDelta
        No copy to bring up to date (see :func:`ask_kept`).
    DataError
        An edited file cannot be read or parsed: nothing was written.
    """

    from spacecoop.store.compiled import check_files

    index = _read_index(copy, root)
    if index is None or os.path.lexists(copy / DIRTY) or not _own_folder(copy):
        raise _NoDelta
    kept: dict[str, dict] = index["files"]
    paths = [str(p) for p, _, _ in plan]
    now = {p: entries[p] for p in paths if entries.get(p, {}).get("sha256", "missing") != "missing"}
    rest = [Path(p) for p in paths if p not in now]
    if rest:
        now.update(check_files(rest, kept)[0])
    changed = [p for p in paths if now[p].get("sha256") != kept.get(p, {}).get("sha256")]
    removed = [p for p in kept if p not in now]
    generation = index.get("generation", 0)
    if not isinstance(generation, int):
        raise _NoDelta
    if not changed and not removed:
        return _Delta(_open(copy), generation, frozenset())
    total = sum(int(e.get("size", 0)) for e in now.values())
    if sum(int(now[p].get("size", 0)) for p in changed) > MAX_CHANGED_SHARE * max(total, 1):
        raise _NoDelta
    # every new version parsed, every old one read, before anything is written: a file that
    # fails leaves the copy whole
    how = {str(p): (p, fmt, graph) for p, fmt, graph in plan}
    resolved: dict[Path, Path] = {}
    new = {p: _parse(*how[p], resolved) for p in changed}
    parts = copy / "parts"
    old = {p: _read_part(parts / kept[p]["part"]) for p in (*changed, *removed) if p in kept}
    defaults = _Defaults(copy / DEFAULTS, {kept[p]["part"] for p in old})
    store = _open(copy)
    _mark_dirty(copy)
    others = {p: e for p, e in kept.items() if p not in old}
    touched = _apply(store, parts, others, old, {p: part.quads for p, part in new.items()}, defaults)
    from spacecoop.core.atomic import write_atomic

    files = {p: {**now[p], "part": kept[p]["part"], "graphs": kept[p]["graphs"]} for p in others if p in now}
    for p, part in new.items():
        name = _part_name(p)
        write_atomic(parts / name, _nquads(part.quads))
        files[p] = {**part.stamp, "part": name, "graphs": part.graphs}
    for p in removed:
        with contextlib.suppress(OSError):
            os.unlink(parts / kept[p]["part"])
    defaults.write({files[p]["part"]: part.quads for p, part in new.items()})
    generation += 1
    write_atomic(copy / INDEX, json.dumps({**index, "generation": generation, "files": _kept_entries(files)}))
    store.flush()
    os.unlink(copy / DIRTY)
    return _Delta(store, generation, touched)


def _kept_entries(files: dict[str, dict]) -> dict[str, dict]:
    """The index's entries of ``files``: their stamps as :func:`spacecoop.store.compiled.check_files`
    takes them next time (:func:`~spacecoop.store.compiled.stamps_to_keep`), with their parts."""
    from spacecoop.store.compiled import stamps_to_keep

    own = ("part", "graphs")
    kept = stamps_to_keep({p: {k: v for k, v in e.items() if k not in own} for p, e in files.items()})
    for p, e in kept.items():
        e.update((k, files[p][k]) for k in own)
    return kept


def _nquads(quads: list) -> bytes:
    import pyoxigraph as ox

    return ox.serialize(quads, format=ox.RdfFormat.N_QUADS) or b""


class _Defaults:
    """The default-graph parts of every file, in one file (``defaults.nq``: each quad's graph names
    the part of the file that states the triple), read only when a triple may leave the default
    graph: whether a file left as it is states it there."""

    def __init__(self, path: Path, leaving: set[str], *, new: bool = False) -> None:
        self.path = path
        self.leaving = leaving
        """The parts of the files changed or removed (their old statements do not count)."""
        self._quads: list | None = [] if new else None

    def quads(self) -> list:
        if self._quads is None:
            self._quads = _read_part(self.path)
        return self._quads

    def stated_by_others(self) -> set:
        """The triples the default-graph parts of the files left as they are state."""
        leaving = {_tag(name) for name in self.leaving}
        return {(q.subject, q.predicate, q.object) for q in self.quads() if q.graph_name not in leaving}

    def write(self, new: dict[str, list]) -> None:
        """Replace the old parts' default-graph statements by those of ``new`` (part -> quads)."""
        import pyoxigraph as ox

        from spacecoop.core.atomic import write_atomic

        default = ox.DefaultGraph()
        added = [
            ox.Quad(q.subject, q.predicate, q.object, _tag(name))
            for name, quads in new.items()
            for q in quads
            if q.graph_name == default
        ]
        if not added and not self.leaving:
            return
        leaving = {_tag(name) for name in self.leaving}
        kept = [q for q in self.quads() if q.graph_name not in leaving]
        write_atomic(self.path, _nquads(kept + added))


def _tag(part: str):
    import pyoxigraph as ox

    return ox.NamedNode(f"urn:spacecoop:part:{part}")


def _open(copy: Path) -> pyoxigraph.Store:
    import pyoxigraph as ox

    try:
        return ox.Store(str(copy / "store"))
    except (OSError, RuntimeError) as exc:  # damaged, or opened by a process that broke the lock
        raise _NoDelta from exc


def _mark_dirty(copy: Path) -> None:
    """Write the mark that the store is being changed, flushed to disk before any change is."""
    fd = os.open(copy / DIRTY, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_CLOEXEC, 0o600)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
    dir_fd = os.open(copy, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


def _read_part(path: Path) -> list:
    import pyoxigraph as ox

    try:
        with open(path, "rb") as f:
            return list(ox.parse(f, ox.RdfFormat.N_QUADS))
    except (OSError, SyntaxError) as exc:
        raise _NoDelta from exc


def _apply(
    store,
    parts: Path,
    others: dict[str, dict],
    old: dict[str, list],
    new: dict[str, list],
    defaults: _Defaults,
) -> frozenset[str]:
    """Take the quads of ``old`` out of ``store`` and put those of ``new`` in (per file path),
    where ``others`` are the index entries of the files left as they are (see the module notes);
    return the IRIs of the predicates of the quads that differ between the two (a superset of
    those of the quads that left or entered the store)."""
    import pyoxigraph as ox

    default = ox.DefaultGraph()

    def split(quads: Iterable) -> tuple[set, set]:
        named, triples = set(), set()
        for q in quads:
            if q.graph_name == default:
                triples.add((q.subject, q.predicate, q.object))
            else:
                named.add(q)
        return named, triples

    old_named, old_default = split(q for quads in old.values() for q in quads)
    new_named, new_default = split(q for quads in new.values() for q in quads)
    touched = frozenset(
        [q.predicate.value for q in old_named ^ new_named]
        + [p.value for _, p, _ in old_default ^ new_default]
    )
    # a named graph's quad leaves unless a file left as it is states it in that graph
    leaving = old_named - new_named
    if leaving:
        graphs = {str(q.graph_name) for q in leaving}
        stated: set = set()
        for e in others.values():
            if graphs.intersection(e["graphs"]):
                stated.update(q for q in _read_part(parts / e["part"]) if q in leaving)
        for q in leaving - stated:
            store.remove(q)
    entering = new_named - old_named
    into_default = new_default | {(q.subject, q.predicate, q.object) for q in new_named}
    if entering or into_default:
        store.extend([*entering, *(ox.Quad(s, p, o, default) for s, p, o in into_default)])
    # a triple leaves the default graph when no named graph holds it any more and no file left as
    # it is states it in its default-graph part
    candidates = (old_default | {(q.subject, q.predicate, q.object) for q in old_named}) - into_default
    candidates = {
        t for t in candidates if not any(q.graph_name != default for q in store.quads_for_pattern(*t, None))
    }
    if candidates:
        candidates -= defaults.stated_by_others()
    for s, p, o in candidates:
        store.remove(ox.Quad(s, p, o, default))
    return touched


def _parse(path: Path, fmt: str, graph: str | None, resolved: dict[Path, Path]) -> _Part:
    """Read and parse one file as :func:`spacecoop.store.native.load_project` loads it: each quad
    in the graph it goes to (``graph``: the ontology's graph, ``""`` the default graph, None a
    TriG file's own, a graph named by a ``file:`` IRI being its default graph), each blank node
    given a label of its own (the parse keeps a file's ``_:b1``, which names a node of that file
    only).

    Raises
    ------
    DataError
        As :func:`~spacecoop.store.native.load_project` (the file cannot be read or parsed).
    _NoDelta
        The file may hold what only the rdflib path reads (see :mod:`spacecoop.store.native`).
    """
    import pyoxigraph as ox

    from spacecoop.core.inputs import read_input
    from spacecoop.store import native

    try:
        st = os.stat(path)
    except OSError as exc:
        raise DataError(str(path), f"cannot read: {exc.strerror}") from None
    raw = read_input(path)
    for mark in native._RDF12:
        if mark in raw:
            raise _NoDelta
    base = native._base_iri(path, resolved)
    rdf_format = ox.RdfFormat.TRIG if fmt == "trig" else ox.RdfFormat.TURTLE
    default = ox.DefaultGraph()
    to_graph = None if graph is None else (ox.NamedNode(graph) if graph else default)
    blanks: dict = {}

    def own(term):
        if isinstance(term, ox.BlankNode):
            node = blanks.get(term)
            if node is None:
                node = blanks[term] = ox.BlankNode()
            return node
        return term

    quads = []
    graphs: set[str] = set()
    try:
        if (
            len(raw) > native._SUSPECT_SIZE
            or (not raw.isascii() and native._has_wide_space(raw))
            or native._suspect_escapes(raw)
        ):
            native._check_terms(path, raw, rdf_format, base)
        for q in ox.parse(raw, rdf_format, base_iri=base):
            g = q.graph_name if to_graph is None else to_graph
            if isinstance(g, ox.NamedNode) and g.value.startswith("file:"):
                g = default
            elif isinstance(g, ox.BlankNode):
                g = own(g)
            if g != default:
                graphs.add(str(g))
            quads.append(ox.Quad(own(q.subject), q.predicate, own(q.object), g))
    except SyntaxError as exc:
        raise native._syntax_error(path, exc) from None
    except (OSError, ValueError) as exc:
        raise DataError(str(path), f"cannot load: {exc}") from None
    stamp: dict[str, Any] = {
        "size": st.st_size,
        "mtime_ns": st.st_mtime_ns,
        "ctime_ns": st.st_ctime_ns,
        "ino": st.st_ino,
    }
    stamp["sha256"] = hashlib.sha256(raw).hexdigest()
    return _Part(stamp, quads, sorted(graphs))


def build(root: str | os.PathLike) -> bool:
    """Build the kept copy of the project at ``root`` (waiting for no lock: False when another
    process holds it, or the copy cannot be made); return whether it was built."""
    import pyoxigraph as ox

    from spacecoop.core.atomic import write_atomic
    from spacecoop.core.layout import Layout
    from spacecoop.store.native import _plan

    root = Path(root).resolve()
    folder = kept_folder(root)
    lock = _take_lock(folder)
    if lock is None:
        return False
    try:
        for stale in folder.glob(".building-*"):  # left by a build that was killed
            shutil.rmtree(stale, ignore_errors=True)
        tmp = folder / f".building-{os.getpid()}"
        try:
            tmp.mkdir(mode=0o700)
            parts = tmp / "parts"
            parts.mkdir()
            files: dict[str, dict] = {}
            defaults: dict[str, list] = {}
            resolved: dict[Path, Path] = {}
            default = ox.DefaultGraph()
            store = ox.Store(str(tmp / "store"))
            batch: list = []
            for path, fmt, graph in _plan(Layout(root)):
                part = _parse(path, fmt, graph, resolved)
                name = _part_name(str(path))
                (parts / name).write_bytes(_nquads(part.quads))
                files[str(path)] = {**part.stamp, "part": name, "graphs": part.graphs}
                defaults[name] = [q for q in part.quads if q.graph_name == default]  # not every quad: memory
                batch += part.quads
                batch += (
                    ox.Quad(q.subject, q.predicate, q.object, default)
                    for q in part.quads
                    if q.graph_name != default
                )
                if len(batch) > 200_000:
                    store.bulk_extend(batch)
                    batch = []
            store.bulk_extend(batch)
            store.flush()
            del store, batch
            _Defaults(tmp / DEFAULTS, set(), new=True).write(defaults)
            os.sync()  # the parts and the store on disk before the index says the copy is whole
            write_atomic(
                tmp / INDEX,
                json.dumps(
                    {"format": FORMAT, "code": _code(), "root": str(root), "files": _kept_entries(files)}
                ),
            )
        except (_NoDelta, DataError, OSError, RuntimeError):
            shutil.rmtree(tmp, ignore_errors=True)
            return False
        copy = folder / "copy"
        old = folder / f".building-{os.getpid()}-old"
        with contextlib.suppress(FileNotFoundError):
            os.rename(copy, old)
        os.rename(tmp, copy)
        shutil.rmtree(old, ignore_errors=True)
    finally:
        os.close(lock)
    _prune(folder)
    return True


def _prune(keep: Path) -> None:
    """Keep the copies of the last :data:`KEPT_COPIES` project roots used."""
    with contextlib.suppress(OSError):
        folders = [
            e for e in os.scandir(keep.parent) if e.is_dir(follow_symlinks=False) and e.path != str(keep)
        ]
        folders.sort(key=lambda e: e.stat(follow_symlinks=False).st_mtime_ns)
        for e in folders[: max(0, len(folders) - (KEPT_COPIES - 1))]:
            lock = _take_lock(Path(e.path))
            if lock is not None:  # not while another process uses or builds it
                try:
                    shutil.rmtree(e.path, ignore_errors=True)
                finally:
                    os.close(lock)


def build_detached(root: Path) -> None:
    """:func:`build` the kept copy in a process of its own, which this one does not wait for.

    A new interpreter, not a fork: a process that opened a RocksDB store (the copy it just found
    unusable) has threads of RocksDB's that a forked process would not have, and waits for them
    forever. Started at the lowest priority in a session of its own, its standard streams on
    ``/dev/null``, holding none of this process's descriptors (so none of its locks)."""
    import subprocess

    import spacecoop

    package_parent = str(Path(spacecoop.__file__).resolve().parents[1])
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, (package_parent, env.get("PYTHONPATH"))))
    with contextlib.suppress(OSError):
        subprocess.Popen(
            [sys.executable, "-m", "spacecoop.store.keptnative", str(root)],
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
            close_fds=True,
            start_new_session=True,
            env=env,
        )


def _main(argv: list[str]) -> int:
    """``python -m spacecoop.store.keptnative ROOT``: :func:`build` at the lowest priority."""
    with contextlib.suppress(OSError):
        os.nice(19)
    return 0 if len(argv) == 1 and build(argv[0]) else 1


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
