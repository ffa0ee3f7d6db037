"""The last load of a large project kept whole, so that the next load reads only the files that
changed since (what ``validate`` and ``build`` do after an edit).

:func:`spacecoop.core.load.load` with ``keep_parsed`` already takes each file's quads from a copy
kept when its bytes were last parsed; what is left of a load is building rdflib's Dataset of
them: at 100k triples about 0.8 s, most of ``validate`` after a one-claim edit. Here the whole
load (the Dataset's store, where each subject was read from, each file's quads, what was
derived) is kept in one file, and the next load takes it and applies what changed:

* a file whose bytes did not change (its SHA-256, reused while its size, times and inode hold,
  as the compiled store's manifest does) keeps its quads as kept;
* an edited, new or removed file: its old quads leave the Dataset, unless another file states
  them too, and its new quads are merged as :func:`~spacecoop.core.load.load` merges them;
* the edges (ISO codes, shortcut edges) are derived again over the whole Dataset, as a load
  derives them (an edit of one file can change edges derived in another file's graph: a member's
  type is read in every graph), and those derived before and not now leave, unless a file states
  them; unless no triple a derivation reads (:data:`spacecoop.core.derive.READS`) came or went
  (a quote edit): then the edges derived before stand, as they are what a load derives.

The result is the load a fresh :func:`~spacecoop.core.load.load` gives (the tests compare every
part of both after edits of every kind, and the files ``build`` writes); only the order in which
rdflib iterates its triples can differ, which no output follows. After a one-claim edit, the
load at 100k triples 0.80 -> 0.58 s (0.3 s of it reading the kept load), at 1M 8.5 -> 5.5-6 s.

Where it lives: ``loaded/`` in the user's cache folder (:func:`spacecoop.core.cache.cache_home`),
one file per project root, readable and writable by its owner only, as the parsed copies are. A
kept load is Python's pickle, which runs code of the writer's choosing when read: one is read
only when it is a regular file that the user owns and nobody else may write, in a folder of the
same kind. It starts with a header (the format, the code that made it, the root, the files'
stamps) checked before the body is read.

It is written by a process forked once the load is complete, at the lowest priority, which
writes nothing to the command's output and is not waited for: the command goes on with the
load, and the next load finds the file (or the one before, and applies a larger change). It is
written only when no input file moved between the stamps taken before the load and the moment
it is written, so that it never holds the quads of other bytes than its stamps say.

Only projects of :data:`KEEP_BYTES` or more keep their load: below it a load takes less than the
kept load saves.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import stat
import sys
from operator import itemgetter
from pathlib import Path
from typing import IO, TYPE_CHECKING, NamedTuple

if TYPE_CHECKING:
    from collections.abc import Iterator

    from rdflib.term import Node

    from spacecoop.core.load import Loaded, Quad
    from spacecoop.core.termcheck import TermProblem

FORMAT = 2
"""Version of the layout of a kept load."""

MAGIC = b"spacecoop-kept-load\n"

KEEP_BYTES = 1 << 20
"""From this many bytes of input files, a project's load is kept (see the module's text)."""

KEEP_MEMORY = 20
"""A kept load is written only when the free memory is this many times the input files' bytes:
the writing process shares the command's memory, and pages both touch are copied (a load at 1M
triples holds about 20 times its files' bytes)."""

KEPT_LOADS = 8
"""Kept loads (one per project root) kept at most; beyond it the oldest are removed."""

MAX_PROBLEMS = 1000
""":func:`~spacecoop.core.load.load` keeps this many term problems at most; a load that reached
it is not kept (the problems of the files after the limit were not recorded)."""

MAX_HEADER = 1 << 28
"""Bytes of a kept load's header (the files' stamps, a few hundred bytes a file) read at most."""

_CODE = (
    "core/keptload.py",
    "core/rdfbulk.py",
    "core/termcheck.py",
    "core/rdfterms.py",
)
"""The package's files besides those of the compiled store's key (the loader, the derivations)
whose code decides what a kept load holds."""


def load_kept(root: str | os.PathLike | None = None) -> Loaded:
    """:func:`~spacecoop.core.load.load` the project with ``keep_parsed``, made from its kept
    load where there is one (and kept for the next load): what ``validate`` and ``build`` load.

    Raises
    ------
    DataError
        A file cannot be read or parsed (as :func:`~spacecoop.core.load.load`).
    """
    from spacecoop.core.layout import Layout, find_root
    from spacecoop.core.load import files_plan, load

    layout = Layout(find_root() if root is None else Path(root).resolve())
    kept = KeptLoad(layout.root, files_plan(layout))
    loaded = kept.loaded()
    if loaded is None:
        loaded = load(layout.root, keep_parsed=True)
    kept.keep(loaded)
    return loaded


def kept_path(root: Path) -> Path:
    """The file of the kept load of ``root`` (resolved)."""
    from spacecoop.core.cache import cache_home

    digest = hashlib.sha256(f"kept-load {root}".encode()).hexdigest()[:32]
    return cache_home() / "loaded" / f"{digest}.pickle"


class KeptLoad:
    """The kept load of one project, read before :func:`~spacecoop.core.load.load` reads any file.

    ``plan``: the files the load reads, in its order, each with its format and the name of the
    graph its default part goes to (None: the default graph), as
    :func:`~spacecoop.core.load.files_plan` gives them. :meth:`loaded` gives the load made from
    the kept one (None when there is none to use); after a load made otherwise, :meth:`keep` has
    it kept (:func:`load_kept` does both).
    """

    def __init__(self, root: Path, plan: list[tuple[Path, str, Node | None]]) -> None:
        self.root = root
        self.plan = plan
        self.path = kept_path(root)
        self.entries: dict[str, dict] = {}
        self._file: IO[bytes] | None = None
        """The kept load, open after its header: the body is read from the very file whose
        header was checked (a writer replaces the file, never changes it)."""
        self.unchanged = False
        """Whether the load :meth:`loaded` gave is the kept one as it was (nothing to keep again)."""
        size = 0
        for path, _, _ in plan:
            with contextlib.suppress(OSError):
                size += os.stat(path).st_size
        self.size = size
        self.wanted = size >= KEEP_BYTES and sys.platform.startswith("linux")
        if not self.wanted:
            return
        from spacecoop.store.compiled import check_files

        self.code = _code()
        self._file = _open_own(self.path)
        header = _header(self._file) if self._file is not None else None
        if header is None or (
            header.get("format") != FORMAT
            or header.get("code") != self.code
            or header.get("root") != str(root)
        ):
            header = None
            self.close()
        known = header.get("files") if header is not None else None
        # the stamps before any file is read: a kept load is written only if they still hold
        files = [path for path, _, _ in plan]
        self.entries = check_files(files, known if isinstance(known, dict) else None)[0]

    def close(self) -> None:
        """Close the kept load's file (:meth:`loaded` does once it has read it)."""
        if self._file is not None:
            self._file.close()
            self._file = None

    def loaded(self) -> Loaded | None:
        """The load of the files as they are now, made from the kept one; None when there is no
        kept load to use (none, another format or code, unreadable)."""
        if self._file is None:
            return None
        import pickle

        from spacecoop.core.gcpause import collector_paused

        try:
            with collector_paused():  # many objects made and kept (see spacecoop.core.gcpause)
                state = pickle.load(self._file)  # read as it is unpickled: no copy of the bytes
        except Exception:  # a damaged file: load as if there were none
            return None
        finally:
            self.close()
        if not isinstance(state, dict) or not {"store", "origins", "files", "derived"} <= state.keys():
            return None
        return _apply(self, state)

    def keep(self, loaded: Loaded) -> None:
        """Have ``loaded`` (the load of the files of the plan) kept, by a forked process, unless
        it is the kept load unchanged, the project is small, the memory short, or fork missing."""
        if not self.wanted or self.unchanged or loaded._parts is None or loaded.sources is None:
            return
        if len(loaded.problems) >= MAX_PROBLEMS:
            return
        from spacecoop.core.forking import memory_available

        available = memory_available()
        if available is not None and available < KEEP_MEMORY * self.size:
            return
        per_file = _problems_by_file(loaded, self.plan)
        state = {
            "files": {
                str(path): _File(fmt, graph, self.entries[str(path)]["sha256"], key, quads, problems_of)
                for (path, fmt, _), (quads, graph), (key, _), problems_of in zip(
                    self.plan, loaded._parts, loaded.sources, per_file, strict=True
                )
            },
            "origins": loaded.origins,
            "derived": loaded._derived_made,
            "store": loaded.ds.store,
        }
        _write_detached(self, state)


def _code() -> str:
    from spacecoop.store.compiled import code_identity

    return code_identity(_CODE)


def _problems_by_file(loaded: Loaded, plan: list) -> list[list[TermProblem]]:
    by_file: dict[str, list] = {}
    for problem in loaded.problems:
        by_file.setdefault(problem.file, []).append(problem)
    return [by_file.get(str(path), []) for path, _, _ in plan]


def _open_own(path: Path) -> IO[bytes] | None:
    """``path`` opened when it is a regular file that this user owns and no one else may write,
    in a folder of the same kind (a pickle is read only then); else None."""
    try:
        folder = os.stat(path.parent)
        if folder.st_uid != os.getuid() or folder.st_mode & 0o022:
            return None
        fd = os.open(path, os.O_RDONLY | os.O_NOFOLLOW | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    except OSError:
        return None
    f = open(fd, "rb")  # noqa: SIM115  # kept open by KeptLoad, closed by it
    st = os.fstat(fd)
    if not stat.S_ISREG(st.st_mode) or st.st_uid != os.getuid() or st.st_mode & 0o022:
        f.close()
        return None
    return f


def _header(f: IO[bytes]) -> dict | None:
    """The header of a kept load, read from its start (the body follows), or None."""
    try:
        if f.read(len(MAGIC)) != MAGIC:
            return None
        header = json.loads(f.readline(MAX_HEADER))
    except (OSError, ValueError):
        return None
    return header if isinstance(header, dict) else None


class _File(NamedTuple):
    """One file of a kept load, as it was loaded."""

    fmt: str
    graph: Node
    """The graph its default part went to."""
    sha256: str
    key: str | None
    """The key of its kept parsed copy (:attr:`spacecoop.core.load.Loaded.sources`)."""
    quads: list[Quad]
    problems: list[TermProblem]


def _named(quads: list[Quad], graph: Node) -> Iterator[Quad]:
    """The quads with the graph of the file's default part named (as the Dataset holds them)."""
    return (q if q[3] is not None else (q[0], q[1], q[2], graph) for q in quads)


def _apply(kept: KeptLoad, state: dict) -> Loaded:
    """The kept load with the files changed since applied (see the module's text)."""
    from rdflib import Dataset

    from spacecoop.core import load as loading
    from spacecoop.core.derive import DERIVED, READS, DeriveInput, add_iso_codes, add_shortcuts
    from spacecoop.core.gcpause import collector_paused
    from spacecoop.core.namespaces import ONTOLOGY_GRAPH
    from spacecoop.core.termcheck import TermCheck

    ds = Dataset(store=state["store"], default_union=True)
    loaded = loading.Loaded(ds)
    loaded.origins = origins = state["origins"]
    old: dict[str, _File] = state["files"]
    default_id = ds.default_graph.identifier
    names = [str(path) for path, _, _ in kept.plan]
    files: dict[str, _File] = {}
    changed = []
    for path, fmt, into in kept.plan:
        now = _File(
            fmt, default_id if into is None else into, kept.entries[str(path)]["sha256"], None, [], []
        )
        was = old.get(str(path))
        if was is not None and (was.fmt, was.graph, was.sha256) == (now.fmt, now.graph, now.sha256):
            files[str(path)] = was
        else:
            changed.append((path, now, into))
    replaced = [name for name in old if name not in files]  # the old versions of changed and removed files
    derived = state["derived"]
    if not replaced and not changed:
        kept.unchanged = True
    else:
        with collector_paused():
            where = {path: str(path.resolve()) for path, _, _ in changed}
            loading._parse_ahead([(path, now.fmt) for path, now, _ in changed], where)
            check = TermCheck()
            made: dict[tuple[str, ...], Node] = {}
            new: dict[str, tuple[_File, bool]] = {}
            for path, now, _ in changed:
                keys: list[str | None] = []
                quads, clean = loading._parsed(path, now.fmt, True, check, made, where[path], keys)
                new[str(path)] = (now._replace(key=keys[0], quads=quads), clean)
            loading._prune_parsed()
            # The old versions leave, but for what the files state now (the new version of the
            # same file, or another file).
            stated = {q for name in replaced for q in _named(old[name].quads, old[name].graph)}
            arriving = {q for now, _ in new.values() for q in _named(now.quads, now.graph)}
            _remove(ds, stated - arriving, [files[name] for name in names if name in files])
            # what is derived changes only with a triple it reads (a graph emptied held no
            # derived edge, which would have kept it)
            derive_again = any(q[1] in READS for q in stated.symmetric_difference(arriving))
            # where each subject was read: the old versions' files no longer
            for name in replaced:
                for s in dict.fromkeys(map(itemgetter(0), old[name].quads)):
                    found_in = origins.get(s)
                    if found_in is not None:
                        found_in.discard(name)
                        if not found_in:
                            del origins[s]
            onto = ds.graph(ONTOLOGY_GRAPH)
            for path, _, into in changed:
                now, clean = new[str(path)]
                loaded.problems = []
                into_default = onto if into is not None else None
                loading._merge(loaded, path, now.quads, clean, check, into_default=into_default)
                files[str(path)] = now._replace(problems=loaded.problems)
            # Derived again over the whole Dataset (what is derived does not read derived edges,
            # so those already there change nothing); then the edges derived before and not now
            # leave, but for those a file states (a file's quad of a derived predicate, as
            # Loaded.derived_quads reads them: no walk of every quad).
            if derive_again:
                before = derived
                derived = []
                add_iso_codes(ds, remember=True, added=derived)
                fed = DeriveInput()
                for name in names:
                    fed.feed(files[name].quads, files[name].graph)
                add_shortcuts(ds, fed, added=derived)
                stale = set(before).difference(derived)
                if stale:
                    wanted = frozenset(DERIVED)
                    for file in files.values():
                        stale.difference_update(_named([q for q in file.quads if q[1] in wanted], file.graph))
                    _remove(ds, stale, [])
    loaded.files = [path for path, _, _ in kept.plan]
    loaded.problems = [p for name in names for p in files[name].problems][:MAX_PROBLEMS]
    loaded._parts = [(files[name].quads, files[name].graph) for name in names]
    loaded.sources = [(files[name].key, files[name].quads) for name in names]
    loaded._derived_made = derived
    return loaded


def _remove(ds, leaving: set, others: list[_File]) -> None:
    """Remove the quads of ``leaving`` from ``ds``, but for those a file of ``others`` states, and
    the named graphs left empty."""
    from spacecoop.core.namespaces import ONTOLOGY_GRAPH

    if not leaving:
        return
    for file in others:
        leaving.difference_update(_named(file.quads, file.graph))
    default_id = ds.default_graph.identifier
    targets: dict = {default_id: ds.default_graph}
    for s, p, o, g in leaving:
        target = targets.get(g)
        if target is None:
            target = targets[g] = ds.graph(g)
        target.remove((s, p, o))
    for g, target in targets.items():
        if g not in (default_id, ONTOLOGY_GRAPH) and not len(target):
            ds.remove_graph(g)


def _write_detached(kept: KeptLoad, state: dict) -> None:
    """Write ``state`` as the kept load of ``kept``'s project in a forked process, which this
    one does not wait for (a thread reaps it, should this process outlive it)."""
    import pickle  # noqa: F401  # what the forked process imports, imported here (see below)
    import threading
    import warnings

    import spacecoop.core.atomic
    import spacecoop.store.compiled  # noqa: F401

    try:
        with warnings.catch_warnings():
            # Python 3.12 warns of a fork in a process with threads; the forked process runs no
            # code that takes a lock another thread may hold (no logging, no pool, and every
            # module it imports is imported already, above)
            warnings.filterwarnings("ignore", ".*multi-threaded.*fork", DeprecationWarning)
            pid = os.fork()
    except OSError:
        return
    if pid:
        threading.Thread(target=_reap, args=(pid,), name="kept-load-writer-reaper", daemon=True).start()
        return
    try:  # the forked process: nothing of it reaches the command's output or its exit
        import gc

        gc.disable()
        null = os.open(os.devnull, os.O_RDWR)
        for fd in (0, 1, 2):
            os.dup2(null, fd)
        # nor holds what the command holds open: a lock taken on an open file stays taken while
        # any process has it open, and a pipe's reader sees its end only once every writer closed
        os.closerange(3, os.sysconf("SC_OPEN_MAX") if hasattr(os, "sysconf") else 1024)
        with contextlib.suppress(OSError):
            os.nice(19)
        _write(kept, state)
    finally:
        os._exit(0)


def _reap(pid: int) -> None:
    with contextlib.suppress(ChildProcessError, OSError):
        os.waitpid(pid, 0)


def _write(kept: KeptLoad, state: dict) -> bool:
    """Write the kept load unless an input moved since its stamps were taken; return whether
    it was written."""
    import pickle

    from spacecoop.core.atomic import write_atomic
    from spacecoop.store.compiled import check_files, stamps_to_keep

    files = [path for path, _, _ in kept.plan]
    if check_files(files)[0] != kept.entries:
        return False  # a file moved while it was loaded: its quads may be of other bytes
    stamps = stamps_to_keep(kept.entries)
    header = {"format": FORMAT, "code": kept.code, "root": str(kept.root), "files": stamps}
    body = pickle.dumps(state, protocol=pickle.HIGHEST_PROTOCOL)
    folder = kept.path.parent
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        with contextlib.suppress(OSError):  # a folder of ours made by another umask
            os.chmod(folder, 0o700)
        write_atomic(kept.path, MAGIC + json.dumps(header).encode() + b"\n" + body)
        os.chmod(kept.path, 0o600)
    except OSError:
        return False
    _prune(folder, keep=kept.path)
    return True


def _prune(folder: Path, keep: Path) -> None:
    """Keep the last :data:`KEPT_LOADS` kept loads used or written (projects moved or gone,
    tests' temporary copies leave theirs)."""
    with contextlib.suppress(OSError):
        entries = [e for e in os.scandir(folder) if e.name.endswith(".pickle") and e.path != str(keep)]
        entries.sort(key=lambda e: e.stat().st_mtime_ns)
        for e in entries[: max(0, len(entries) - (KEPT_LOADS - 1))]:
            with contextlib.suppress(OSError):
                os.unlink(e.path)
