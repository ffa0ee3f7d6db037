"""The compiled store: the project's files loaded once into an Oxigraph store on disk, reused by
every command until an input file changes (``--store compiled``, the default of ``query``).

Where it lives (:func:`compiled_dir`): in a workspace, ``.spacecoop/compiled/`` under it; for a
checkout or the data shipped with the package, the user's cache folder
(``$XDG_CACHE_HOME/spacecoop/``, by default ``~/.cache/spacecoop/``), one folder per project root.

What it holds::

    lock                 taken (exclusively) by the one process that builds
    current.json         the manifest of the store in use (see below), replaced atomically
    store-KEY/           a complete Oxigraph store, named after the key of its inputs
    store-KEY.lock       held (shared) by every process reading store-KEY
    .building-PID-RAND/  a store being built; renamed to store-KEY only once complete
    derived/store-KEY-NAME.json  what commands derive from store-KEY alone (:func:`derived`; of a
                         family such as the viz pages, only the last few used are kept)
    builds.log           one line per build (time, process, store)

The manifest lists every input file (exactly those :func:`spacecoop.core.load.load` reads: the
ontology but its shapes, the reference entities and the sources, shipped and the workspace's
own) with its size, times, inode and SHA-256, and the identity of the code that turns them into
quads (the source of the loader, of the derivation of shortcut edges and ISO codes, the versions
of rdflib, pyoxigraph and pycountry). The key is the SHA-256 of the hashes and that identity.

Every open checks the manifest: a file whose stamp (size, mtime, ctime, inode) is unchanged keeps
its recorded hash; any other is hashed again (so an edit that keeps the size and the mtime is
still seen: its ctime moved, and a stamp recorded less than :data:`RACY_SECONDS` after the file
last changed is never trusted). The store is used only when every hash and the code identity
match; otherwise it is rebuilt under the build lock, by the first process to get it: a second
process waits, then finds the store built. The new store is filled beside the old (``.building-…``),
then renamed into place and only then named by the manifest; a build killed at any moment leaves
the old store, complete, and the next build removes what it left. Readers open the store
read-only and hold a shared lock on its folder, so a rebuild removes an old folder only once no
process reads it.

A large project (inputs of :data:`BACKGROUND_BYTES` or more) is not rebuilt inside the command
that finds it changed, when that command only asks (``open_compiled(..., background=True)``:
``query``, ``viz``, ``export``, ``stats``): a process of its own builds the store, as above, and
the command answers from the files loaded into Oxigraph in memory (:class:`CompiledBuilding`),
which is what the new store will hold. At 100k triples that is about a second against four for
the rebuild, and the next command finds the store built. A command that starts while the build
runs answers from memory too, instead of waiting for it; the builder builds again when the inputs
moved while it built. Below that size the build is quicker than a second process's start-up and
happens in the command, as before.

When the folder cannot be written (a read-only cache, a full disk) or the data holds a term
Oxigraph refuses, :func:`open_compiled` raises :class:`CompiledUnavailable` and
:func:`spacecoop.store.engine.open_engine` answers from memory instead, with one line on
standard error.
"""

from __future__ import annotations

import contextlib
import hashlib
import itertools
import json
import os
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, cast

from spacecoop.core.cache import cache_home, installed_version
from spacecoop.core.errors import SpacecoopError
from spacecoop.store.oxigraph import OxigraphStore

if TYPE_CHECKING:
    from collections.abc import Callable, Mapping

    from rdflib.term import Node

    from spacecoop.store.base import QueryResult

FORMAT = 1
"""Version of the layout of the compiled folder and its manifest."""

RACY_SECONDS = 2.0
"""A file changed less than this before its stamp was recorded is hashed again next time (its
stamp could hide a later edit within the file system's time resolution)."""

MANIFEST = "current.json"

_CODE = (
    "core/load.py",
    "core/derive.py",
    "core/namespaces.py",
    "core/inputs.py",
    "core/layout.py",
    "store/terms.py",
    "store/native.py",
    "store/compiled.py",
)
"""The package's files that decide which quads a store holds (``store/native.py`` when present)."""

_DISTRIBUTIONS = ("rdflib", "pyoxigraph", "pycountry")


class CompiledUnavailable(SpacecoopError):
    """The compiled store cannot be built or opened here; the caller answers from memory."""


class CompiledBuilding(CompiledUnavailable):
    """The store is out of date and is being built by a process of its own (see the module notes):
    the caller answers from the files meanwhile, without a note."""


BACKGROUND_BYTES = 1 << 20
"""Inputs this large in all (bytes) are compiled by a process of their own (see the module notes):
the real graph (0.6 MB) is rebuilt in 0.6 s inside a command, against 0.3 s loaded in memory; a
100k-triple project (6.8 MB) in 4 s, against 1.1 s."""


class _InputsMoved(Exception):
    """An input changed while a store was filled: what it holds may not be the inputs of its key."""


@dataclass(frozen=True)
class Inputs:
    """The input files of a project root and what they hash to, checked against a manifest."""

    root: Path
    files: dict[str, dict]
    """Absolute path → ``{"size", "mtime_ns", "ctime_ns", "ino", "sha256"}``."""
    code: str
    """The identity of the code and libraries that turn the files into quads."""
    rehashed: bool
    """True when some file's stamp differed from the manifest's (its hash was computed again)."""

    @property
    def key(self) -> str:
        h = hashlib.sha256(f"spacecoop-compiled {FORMAT}\n{self.code}\n".encode())
        for path in sorted(self.files):
            h.update(f"{path}\0{self.files[path]['sha256']}\n".encode())
        return h.hexdigest()


def compiled_dir(root: str | os.PathLike | None = None) -> Path:
    """Return the folder of the compiled store of a project root (see the module notes).

    Examples
    --------
    >>> compiled_dir().parent == cache_home()
    True
    """
    from spacecoop.core.layout import find_root, is_workspace

    found = find_root() if root is None else Path(root).resolve()
    if is_workspace(found):
        return found / ".spacecoop" / "compiled"
    tag = hashlib.sha256(os.fsencode(str(found))).hexdigest()[:16]
    name = "".join(c if c.isalnum() or c in "-_." else "-" for c in found.name)[:40] or "root"
    return cache_home() / f"{name}-{tag}"


def input_files(root: str | os.PathLike | None = None) -> list[Path]:
    """Return the files :func:`spacecoop.core.load.load` reads for ``root``, in its order."""
    from spacecoop.core.layout import Layout, find_root

    layout = Layout(find_root() if root is None else Path(root).resolve())
    onto = [p for p in layout.ontology_files if p.name != "shapes.ttl"]
    return [*onto, *layout.reference_files, *layout.source_files]


def hash_file(path: str | os.PathLike) -> str:
    """Return the SHA-256 of a regular file's bytes, in hex.

    Raises
    ------
    OSError
        The file cannot be opened, or is not a regular file: a FIFO or a device would block or
        never end, so it is refused unread (opened non-blocking and checked on the descriptor, as
        :func:`spacecoop.core.inputs.read_input` does; loading then names the problem).
    """
    import stat

    fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with open(fd, "rb") as f:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(f"{os.fspath(path)}: not a regular file")
        h = hashlib.sha256()
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def _stamp(st: os.stat_result) -> dict:
    return {"size": st.st_size, "mtime_ns": st.st_mtime_ns, "ctime_ns": st.st_ctime_ns, "ino": st.st_ino}


def check_files(files: list[Path], known: dict[str, dict] | None = None) -> tuple[dict[str, dict], bool]:
    """Stamp and hash ``files``, reusing the hash recorded in ``known`` where the stamp is unchanged.

    Returns the entries and whether any file was hashed again. A missing or unreadable file is
    hashed as ``missing`` (so a manifest never matches it).
    """
    known = known or {}
    out: dict[str, dict] = {}
    rehashed = False
    for p in files:
        path = str(p)
        try:
            st = os.stat(path)
        except OSError:
            out[path] = {"sha256": "missing"}
            rehashed = True
            continue
        entry = _stamp(st)
        old = known.get(path)
        if old is not None and old.get("trusted") and all(old.get(k) == v for k, v in entry.items()):
            entry["sha256"] = old["sha256"]
        else:
            try:
                entry["sha256"] = hash_file(path)
            except OSError:
                entry["sha256"] = "missing"
            rehashed = True
        out[path] = entry
    return out, rehashed


def code_identity(extra: tuple[str, ...] = ()) -> str:
    """Return a hash of the package files that turn input files into quads (``_CODE`` and
    ``extra``, relative to the package) and of the versions of the libraries involved."""
    pkg = Path(__file__).resolve().parents[1]
    h = hashlib.sha256()
    for rel in (*_CODE, *extra):
        try:
            h.update(rel.encode() + b"\0" + (pkg / rel).read_bytes() + b"\0")
        except OSError:
            h.update(rel.encode() + b"\0absent\0")
    for name in _DISTRIBUTIONS:
        h.update(f"{name}={installed_version(name)}\n".encode())
    return h.hexdigest()


def read_manifest(folder: Path) -> dict | None:
    """Return the manifest of a compiled folder, or None when it is missing or unreadable."""
    try:
        data = json.loads((folder / MANIFEST).read_text("utf-8"))
    except (OSError, ValueError):
        return None
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("files"), dict):
        return None
    return data


def current_inputs(root: Path, manifest: dict | None) -> Inputs:
    """Return the inputs of ``root`` as they are now, hashing only files whose stamp moved."""
    known = manifest.get("files") if manifest else None
    files, rehashed = check_files(input_files(root), known)
    return Inputs(root, files, code_identity(), rehashed)


def stamps_to_keep(entries: dict[str, dict]) -> dict[str, dict]:
    """The stamps of :func:`check_files` as they are kept for its next call (its ``known``): each
    marked trusted only once its file has been still for :data:`RACY_SECONDS`, so that a later
    edit within the file system's time resolution is still hashed."""
    import time

    now = time.time_ns()
    racy = int(RACY_SECONDS * 1e9)
    files = {}
    for path, entry in entries.items():
        e = dict(entry)
        e["trusted"] = "ino" in e and max(e["mtime_ns"], e["ctime_ns"]) < now - racy
        files[path] = e
    return files


def _manifest_for(inputs: Inputs, store: str) -> dict:
    return {
        "format": FORMAT,
        "key": inputs.key,
        "store": store,
        "root": str(inputs.root),
        "code": inputs.code,
        "files": stamps_to_keep(inputs.files),
    }


def _store_name(key: str) -> str:
    return f"store-{key[:32]}"


class CompiledStore(OxigraphStore):
    """An Oxigraph store opened read-only from the compiled folder; it answers as ``oxigraph``
    (engine variants of named queries apply). Closing it releases the shared lock on its folder.

    Its SELECT and ASK answers can be kept (:meth:`query_kept`, what ``spacecoop query`` asks
    with): the store never changes, so the same text with the same bindings gets the same answer
    until an input file changes, and then the answer is asked of the new store."""

    def __init__(self, path: str, lock_fd: int, key: str) -> None:
        self._lock_fd: int | None = lock_fd
        self.key = key
        try:
            super().__init__(path, read_only=True)
        except BaseException:
            self._release()
            raise

    def _release(self) -> None:
        if self._lock_fd is not None:
            with contextlib.suppress(OSError):
                os.close(self._lock_fd)
            self._lock_fd = None

    def close(self) -> None:
        super().close()
        self._release()

    def __del__(self) -> None:
        with contextlib.suppress(Exception):  # at interpreter exit the os module may be gone
            self._release()

    def query_kept(self, text: str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        """Answer as :meth:`query` does, from the answers kept for this store where this text was
        asked with these bindings before (by any process), and keep this answer.

        For a command an analyst runs again and again (``spacecoop query``); :meth:`query` itself
        keeps nothing, so that what asks many small or untrusted queries (the endpoint, which
        has a bounded answer cache in memory, and the look-ups that resolve parameters) writes
        nothing to disk.

        An answer is kept (:func:`derived`, ``answer-DIGEST``; the :data:`KEPT_ANSWERS` last used)
        when it is a SELECT of at most :data:`ANSWER_CELLS` cells, each of which has the same
        text as its rdflib term (:meth:`QueryResult.text_rows`), or an ASK. The digest covers the
        text, the bindings (as N-Triples terms) and the code that reads an answer from Oxigraph;
        the store's own name covers the input files and the code that loaded them. So a kept
        answer is the answer the store gives, never one of other data (tests/test_compiled.py).
        A query of the whole project (``spacecoop query country-partners`` at 100k triples) is
        then read from one file instead of asked again (0.1 s of the engine's time, and as long
        again to make the rows).
        """
        digest = _answer_digest(text, bindings)
        if digest is None or not self.path:
            return self.query(text, bindings)
        name = f"answer-{digest}"
        kept = read_derived(self, name, used=True)
        if kept is not None:
            result = _answer_from_json(kept)
            if result is not None:
                return result
        result = self.query(text, bindings)
        value = _answer_to_json(result)
        if value is not None:
            write_derived(self, name, value, keep=KEPT_ANSWERS)
        return result


ANSWER_CELLS = 1_000_000
"""The largest SELECT answer (rows times variables) a compiled store keeps (about 5 MB of JSON)."""

KEPT_ANSWERS = 64
"""Answers kept per compiled store: the most recently used."""

_ANSWER_CODE = ("core/rdfterms.py", "store/oxigraph.py", "store/base.py", "store/compiled.py")
"""The package's files that decide how an answer is read from Oxigraph and kept."""

_answer_code_id: list[str] = []  # computed once per process


def _answer_digest(text: str, bindings: Mapping[str, Node] | None) -> str | None:
    """The name of ``text``'s answer with ``bindings``, or None when a binding has no N-Triples
    form (then the answer is not kept)."""
    if not _answer_code_id:
        _answer_code_id.append(code_identity(_ANSWER_CODE))
    h = hashlib.sha256(f"spacecoop-answer 1\n{_answer_code_id[0]}\n".encode())
    for name, term in sorted((bindings or {}).items()):
        n3 = getattr(term, "n3", None)
        if n3 is None or not isinstance(name, str):
            return None
        h.update(f"{name}\0{n3()}\n".encode("utf-8", "surrogatepass"))
    h.update(b"\0" + text.encode("utf-8", "surrogatepass"))
    return h.hexdigest()[:40]


def _answer_to_json(result: QueryResult) -> dict | None:
    """A result as kept: each distinct term once, rows of their places (-1: unbound); None for a
    result that is not kept (a graph, too large, or a cell whose text rdflib would change)."""
    if result.kind == "ASK":
        return {"kind": "ASK", "boolean": bool(result.boolean)}
    if result.kind != "SELECT" or len(result) * max(1, len(result.vars)) > ANSWER_CELLS:
        return None
    rows = result.text_rows()
    if rows is None:
        return None
    place: dict = {None: -1}
    terms: list = []
    out = []
    for row in rows:
        line = []
        for t in row:
            i = place.get(t)
            if i is None:
                i = place[t] = len(terms)
                terms.append(t)
            line.append(i)
        out.append(line)
    return {"kind": "SELECT", "vars": list(result.vars), "terms": terms, "rows": out}


def _answer_from_json(value) -> QueryResult | None:
    """The result kept as :func:`_answer_to_json` wrote it, or None for anything else (a file
    of another layout or damaged: the answer is then asked again and kept anew)."""
    from spacecoop.store.base import QueryResult

    try:
        if value["kind"] == "ASK":
            boolean = value["boolean"]
            return QueryResult("ASK", boolean=boolean) if type(boolean) is bool else None
        if value["kind"] != "SELECT":
            return None
        names = tuple(value["vars"])
        terms = [tuple(t) for t in value["terms"]]
        if not all(isinstance(n, str) for n in names) or not all(
            len(t) == 4 and all(isinstance(x, str) for x in t) for t in terms
        ):
            return None
        places = value["rows"]
        cells = list(itertools.chain.from_iterable(places))  # each check below one pass in C
        if set(map(len, places)) - {len(names)} or set(map(type, cells)) - {int}:
            return None
        if cells and (min(cells) < -1 or max(cells) >= len(terms)):
            return None
        table = [*terms, None]  # -1: the unbound cell
        rows = tuple([tuple(map(table.__getitem__, row)) for row in places])
    except (KeyError, TypeError, IndexError, ValueError):
        return None
    return QueryResult.from_engine(names, rows, _rdflib_rows_of_text, _same)


def _same(rows):
    return rows


def _rdflib_rows_of_text(rows) -> tuple:
    """Text rows (:data:`~spacecoop.store.base.TextTerm`) as rdflib terms, each distinct term made
    once (:func:`~spacecoop.store.base.convert_cells`): the terms
    :func:`~spacecoop.core.rdfterms.from_oxigraph` makes of the engine's."""
    from spacecoop.core.rdfterms import from_text, term_makers
    from spacecoop.store.base import convert_cells

    iri = term_makers()[0]  # an IRI Oxigraph wrote (see term_makers)
    return convert_cells(rows, lambda t: iri(t[1]) if t[0] == "uri" else from_text(*t))


def open_compiled(root: str | os.PathLike | None = None, *, background: bool = False) -> CompiledStore:
    """Open the compiled store of ``root``, building it first if any input changed.

    Parameters
    ----------
    root : path, optional
        The project root (see :func:`spacecoop.core.layout.find_root`).
    background : bool
        For a project of :data:`BACKGROUND_BYTES` or more whose store is out of date: start a
        process that builds it (unless one runs) and raise :class:`CompiledBuilding` instead of
        building here.

    Returns
    -------
    CompiledStore
        Read-only; close it when done.

    Raises
    ------
    DataError
        A data file cannot be read or parsed (as for ``--store memory``).
    CompiledUnavailable
        The compiled folder cannot be written or the store cannot be built or opened; the
        message says why in one line.
    CompiledBuilding
        With ``background``: the store is being built by another process.
    """
    from spacecoop.core.layout import find_root

    found = find_root() if root is None else Path(root).resolve()
    folder = compiled_dir(found)
    for _ in range(5):  # a rebuild by another process may remove a folder between look and lock
        manifest = read_manifest(folder)
        inputs = current_inputs(found, manifest)
        if manifest is not None and manifest.get("key") == inputs.key:
            store = _open_built(folder, manifest["store"], inputs.key)
            if store is not None:
                if inputs.rehashed:
                    _refresh_stamps(folder, inputs, manifest["store"])
                return store
        big = sum(f["size"] for f in inputs.files.values()) >= BACKGROUND_BYTES
        if background and big and _start_builder(folder, found):
            raise CompiledBuilding(f"the compiled store in {folder} is being built")
        try:
            manifest = _build(folder, found)
        except _InputsMoved:  # the store built is gone: build from the files as they are now
            continue
        store = _open_built(folder, manifest["store"], manifest["key"])
        if store is not None:
            return store
    raise CompiledUnavailable(f"the compiled store in {folder} keeps changing under this command")


def _refresh_stamps(folder: Path, inputs: Inputs, store: str) -> None:
    """Record new stamps of files whose content did not change (a touch), so they are not hashed
    again; best effort, and only while no other process holds the build lock."""
    import fcntl

    from spacecoop.core.atomic import write_atomic

    fd = _lock_file(folder / "lock", fcntl.LOCK_EX | fcntl.LOCK_NB)
    if fd is None:
        return
    try:
        now = read_manifest(folder)
        if now is not None and now.get("key") == inputs.key:
            with contextlib.suppress(OSError):
                write_atomic(folder / MANIFEST, json.dumps(_manifest_for(inputs, store), indent=0))
    finally:
        os.close(fd)


def derived(store, name: str, compute, *, keep: int | None = None):
    """Return ``compute()`` for a compiled store, computed once per store across processes.

    What a command derives from the store alone (the sizes of its graphs, say) is kept as JSON in
    ``derived/STORE-NAME.json`` of the compiled folder, written atomically (a killed process
    leaves the old file or none), and removed with its store. ``compute`` must return what JSON
    gives back unchanged; for any other store, or where the folder cannot be written, it runs
    every time.

    Parameters
    ----------
    keep : int, optional
        For a family of values that grows while the store stands (a page per view, title and
        version of the code, 38 MB each at 1M triples): keep only the ``keep`` most recently
        used values of the store whose name starts as ``name`` does up to its last ``-``
        (:func:`_prune_derived`). Reading a value marks it used.
    """
    if not isinstance(store, CompiledStore) or not store.path:
        return compute()
    value = read_derived(store, name, used=keep is not None)
    if value is not None:
        return value
    value = compute()
    write_derived(store, name, value, keep=keep)
    return value


def _derived_path(store: CompiledStore, name: str) -> Path:
    where = Path(cast(str, store.path))  # a compiled store is always on disk
    return where.parent / "derived" / f"{where.name}-{name}.json"


def read_derived(store: CompiledStore, name: str, *, used: bool = False):
    """The value :func:`derived` keeps as ``name`` for ``store``, or None when there is none
    (or it cannot be read). ``used``: mark it the most recently used of its family."""
    path = _derived_path(store, name)
    try:
        value = json.loads(path.read_text("utf-8"))["value"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    if used:
        with contextlib.suppress(OSError):
            os.utime(path)
    return value


def write_derived(store: CompiledStore, name: str, value, *, keep: int | None = None) -> None:
    """Keep ``value`` as ``name`` for ``store`` (see :func:`derived`); best effort: a folder that
    cannot be written keeps nothing."""
    from spacecoop.core.atomic import write_atomic

    path = _derived_path(store, name)
    with contextlib.suppress(OSError):
        path.parent.mkdir(exist_ok=True)
        write_atomic(path, json.dumps({"value": value}))
        if keep is not None:
            prefix = f"{path.name[: -len('.json')].rpartition('-')[0]}-"
            _prune_derived(path.parent, prefix, keep)


def _prune_derived(folder: Path, prefix: str, keep: int) -> None:
    """Remove the values ``folder/PREFIX*.json`` but the ``keep`` last written or read.

    Safe beside other processes: one reading a value it has opened reads it to the end (an
    unlinked file lives on while it is open, on POSIX); one writing a value writes it to a
    temporary file (``.NAME.json.RAND``, which the pattern does not match) renamed into place
    whole; two pruning at once may both remove a file (the second finds it gone). A value removed
    here is computed again when asked for.
    """
    found = []
    for entry in folder.glob(f"{prefix}*.json"):
        with contextlib.suppress(OSError):
            found.append((entry.stat().st_mtime_ns, entry.name, entry))
    for *_, entry in sorted(found, reverse=True)[keep:]:
        with contextlib.suppress(OSError):
            entry.unlink()


def _lock_file(path: Path, mode: int) -> int | None:
    """Open ``path`` and lock it with ``flock`` (``mode``); return the descriptor, or None when the
    file cannot be opened."""
    import fcntl

    while True:
        try:
            fd = os.open(path, os.O_RDWR | os.O_CREAT | getattr(os, "O_CLOEXEC", 0), 0o666)
        except OSError:
            try:
                fd = os.open(path, os.O_RDONLY | getattr(os, "O_CLOEXEC", 0))
            except OSError:
                return None
        try:
            fcntl.flock(fd, mode)
        except OSError:
            os.close(fd)
            if mode & fcntl.LOCK_NB:
                return None
            raise
        # the file may have been removed (and made again) between open and lock: lock the one in place
        try:
            same = os.stat(path).st_ino == os.fstat(fd).st_ino
        except OSError:
            same = False
        if same:
            return fd
        os.close(fd)
        if mode & fcntl.LOCK_NB:
            return None


def _open_built(folder: Path, name: str, key: str) -> CompiledStore | None:
    """Open a complete store of the compiled folder read-only, holding its shared lock; None when
    it is gone (removed by a rebuild)."""
    import fcntl

    if not name.startswith("store-") or "/" in name:
        return None
    path = folder / name
    fd = _lock_file(folder / f"{name}.lock", fcntl.LOCK_SH)
    if fd is None:
        if not path.is_dir():
            return None
        raise CompiledUnavailable(f"cannot lock the compiled store in {folder}")
    if not path.is_dir():
        os.close(fd)
        return None
    try:
        return CompiledStore(str(path), fd, key)
    except SpacecoopError as exc:
        raise CompiledUnavailable(str(exc)) from exc


def _build(folder: Path, root: Path) -> dict:
    """Build the store of ``root`` under the build lock unless another process just did; return
    the manifest in force."""
    import fcntl

    _writable(folder)
    fd = _lock_file(folder / "lock", fcntl.LOCK_EX)
    if fd is None:
        raise CompiledUnavailable(f"cannot lock the compiled store in {folder}")
    try:
        manifest = read_manifest(folder)
        inputs = current_inputs(root, manifest)  # a process that held the lock may have built it
        key = inputs.key
        if manifest is not None and manifest.get("key") == key and (folder / manifest["store"]).is_dir():
            return manifest
        _remove_leftovers(folder)
        name = _store_name(key)
        if not (folder / name).is_dir():  # a store of these very inputs is complete already
            # An input edited while the store is filled may have been read in either version:
            # such a store is dropped, never kept under the key of the files as they were.
            def unchanged() -> bool:
                return current_inputs(root, _manifest_for(inputs, name)).key == key

            _fill_beside(folder, name, root, unchanged)
            _log_build(folder, name)
        from spacecoop.core.atomic import write_atomic

        manifest = _manifest_for(inputs, name)
        try:
            write_atomic(folder / MANIFEST, json.dumps(manifest, indent=0))
        except OSError as exc:
            raise CompiledUnavailable(f"cannot write {folder / MANIFEST}: {exc.strerror or exc}") from None
        _remove_unused(folder, keep=name)
        return manifest
    finally:
        os.close(fd)


def _writable(folder: Path) -> None:
    """Make the compiled folder if need be; raise :class:`CompiledUnavailable` when it cannot be
    written."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        why = exc.strerror or exc
        raise CompiledUnavailable(f"cannot write the compiled store in {folder}: {why}") from None
    if not os.access(folder, os.W_OK | os.X_OK):
        raise CompiledUnavailable(f"cannot write the compiled store in {folder}: permission denied")


_BUILDER = (
    "import sys; from spacecoop.store.compiled import build_in_background; build_in_background(sys.argv[1])"
)


def _start_builder(folder: Path, root: Path) -> bool:
    """Start a process that builds the store of ``root`` (:func:`build_in_background`), detached
    from this one (its own session, no terminal, standard streams on ``/dev/null``), unless a
    process holds the build lock: that one builds, and builds again if the inputs moved meanwhile.
    Return whether a process builds; False when none can be started here (the caller builds).

    Raises
    ------
    CompiledUnavailable
        The folder cannot be written.
    """
    import fcntl
    import threading

    _writable(folder)
    fd = _lock_file(folder / "lock", fcntl.LOCK_EX | fcntl.LOCK_NB)
    if fd is None:
        return True  # a build runs (two builders at once would be safe: the second finds the store built)
    os.close(fd)
    # posix_spawn's setsid is certain on Linux only (elsewhere the store is built in the command)
    if not sys.platform.startswith("linux") or not sys.executable:
        return False
    null = os.devnull
    streams = [(os.POSIX_SPAWN_OPEN, 0, null, os.O_RDONLY, 0)]
    streams += [(os.POSIX_SPAWN_OPEN, n, null, os.O_WRONLY, 0) for n in (1, 2)]
    try:
        argv = [sys.executable, "-c", _BUILDER, str(root)]
        pid = os.posix_spawn(sys.executable, argv, os.environ, file_actions=streams, setsid=True)
    except OSError:
        return False
    # reaped when it ends, so that a long-lived process (a notebook) keeps no zombie; a command
    # ends first, and the builder is then the init process's to reap
    threading.Thread(target=os.waitpid, args=(pid, 0), name="compiled-builder-reaper", daemon=True).start()
    return True


def build_in_background(root: str | os.PathLike) -> None:
    """Build the compiled store of ``root`` until it holds the inputs as they are (the body of the
    process :func:`_start_builder` starts): a build whose inputs moved meanwhile is done again, up
    to five times. Failures are left to the commands, which meet them on their own load."""
    found = Path(root).resolve()
    folder = compiled_dir(found)
    for _ in range(5):
        try:
            open_compiled(found).close()
        except (SpacecoopError, OSError):  # DataError included
            return
        if _current(folder, found):
            return


def _current(folder: Path, root: Path) -> bool:
    """Whether the manifest in force names the key of ``root``'s inputs as they are now."""
    manifest = read_manifest(folder)
    return manifest is not None and manifest.get("key") == current_inputs(root, manifest).key


def wait_for_build(
    root: str | os.PathLike | None = None, timeout: float = 300.0, *, grace: float = 2.0
) -> bool:
    """Wait while a process builds the compiled store of ``root``; return whether the store then
    holds the inputs as they are. When no process holds the build lock for ``grace`` seconds in a
    row (a builder just started may not hold it yet), none is building: False, as after
    ``timeout`` seconds. For benchmarks and tests, which time or check the store itself after a
    command started its build."""
    import fcntl
    import time

    from spacecoop.core.layout import find_root

    found = find_root() if root is None else Path(root).resolve()
    folder = compiled_dir(found)
    deadline = time.monotonic() + timeout
    free_since: float | None = None
    while True:
        if _current(folder, found):
            return True
        now = time.monotonic()
        if now >= deadline:
            return False
        fd = _lock_file(folder / "lock", fcntl.LOCK_SH | fcntl.LOCK_NB)
        if fd is None:  # held: a build runs
            free_since = None
            time.sleep(0.1)
            continue
        os.close(fd)
        free_since = now if free_since is None else free_since
        if now - free_since >= grace:
            return False
        time.sleep(0.05)


def _fill_beside(folder: Path, name: str, root: Path, unchanged: Callable[[], bool] | None = None) -> None:
    """Fill a new store in ``.building-…`` and rename it to ``name`` once complete; when
    ``unchanged()`` says the inputs moved meanwhile, remove it instead and raise
    :class:`_InputsMoved`."""
    import gc
    import secrets
    import shutil

    from spacecoop.core.atomic import fsync_path
    from spacecoop.core.errors import DataError

    staging = folder / f".building-{os.getpid()}-{secrets.token_hex(4)}"
    try:
        staging.mkdir()
        _fill(str(staging), root)
        gc.collect()  # release RocksDB's lock on the folder before it is renamed
        if unchanged is not None and not unchanged():
            raise _InputsMoved(name)
        os.rename(staging, folder / name)
        fsync_path(folder)
    except DataError:
        shutil.rmtree(staging, ignore_errors=True)
        raise
    except (SpacecoopError, OSError, RuntimeError, SyntaxError, ValueError) as exc:
        shutil.rmtree(staging, ignore_errors=True)
        from spacecoop.core.rdfterms import _one_line

        raise CompiledUnavailable(f"cannot build the compiled store in {folder}: {_one_line(exc)}") from exc
    except BaseException:
        shutil.rmtree(staging, ignore_errors=True)
        raise


def _fill(path: str, root: Path) -> None:
    """Load the project's files into a new Oxigraph store at ``path``: with
    :func:`spacecoop.store.native.load_project_on_disk` (Oxigraph's own parsers, in memory, then
    one load onto disk) where that loader exists,
    else, or when it refuses the files, through rdflib, which says whether a file is at fault
    (:class:`DataError`, as ``--store memory`` would) or holds a term Oxigraph refuses
    (:class:`CompiledUnavailable`: the command answers from memory)."""
    import importlib

    import pyoxigraph

    from spacecoop.core.errors import DataError

    try:
        load_project = importlib.import_module("spacecoop.store.native").load_project_on_disk
    except ModuleNotFoundError as exc:
        if exc.name != "spacecoop.store.native":
            raise
        load_project = None
    ox = pyoxigraph.Store(path)
    try:
        if load_project is not None:
            try:
                load_project(ox, root)
                _compact(ox)
                return
            except DataError:
                ox.clear()  # the rdflib path below tells a bad file from a refused term
        from spacecoop.core.load import load
        from spacecoop.store.terms import _ByteLines, layout_nquads

        loaded = load(root)
        if loaded.problems:  # terms Oxigraph refuses: say which, as validate would
            first = loaded.problems[0]
            raise CompiledUnavailable(f"{first.file}: {first.message} ({first.node}); see spacecoop validate")
        # a RawIOBase is a binary file that pyoxigraph reads; typeshed does not count it as an IO[bytes]
        quads = cast("IO[bytes]", _ByteLines(layout_nquads(loaded.ds)))
        ox.bulk_load(quads, format=pyoxigraph.RdfFormat.N_QUADS)
        _compact(ox)
    finally:
        del ox


def _compact(ox) -> None:
    """Flush the new store and compact it once, as it is read-only from now on. A bulk load
    leaves many small files; compacted, the store is half the size on disk (95 -> 51 MB at 100k
    triples) and a query reads fewer files, for about 1.5 s at 100k triples once per build."""
    ox.flush()
    ox.optimize()


def _log_build(folder: Path, name: str) -> None:
    """Append one line to ``builds.log`` (time, process, store): how often the store is rebuilt."""
    import time

    with contextlib.suppress(OSError), open(folder / "builds.log", "a", encoding="utf-8") as f:
        f.write(f"{time.strftime('%Y-%m-%dT%H:%M:%S')} pid={os.getpid()} {name}\n")


def _remove_leftovers(folder: Path) -> None:
    """Remove the ``.building-…`` folders of builds that were killed (only the holder of the
    build lock builds, so every one found is a leftover)."""
    import shutil

    for entry in os.listdir(folder):
        if entry.startswith(".building-"):
            shutil.rmtree(folder / entry, ignore_errors=True)


def _remove_unused(folder: Path, keep: str) -> None:
    """Remove the stores other than ``keep`` that no process reads (their lock is free)."""
    import fcntl
    import shutil

    for entry in os.listdir(folder):
        if not entry.startswith("store-") or entry.endswith(".lock") or entry == keep:
            continue
        lock = folder / f"{entry}.lock"
        fd = _lock_file(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        if fd is None:
            continue  # read by another process: the next rebuild removes it
        try:
            shutil.rmtree(folder / entry, ignore_errors=True)
            with contextlib.suppress(OSError):
                for kept in (folder / "derived").glob(f"{entry}-*.json"):
                    kept.unlink()
            with contextlib.suppress(OSError):
                lock.unlink()
        finally:
            os.close(fd)


def note(message: str) -> None:
    """Write one line on standard error."""
    sys.stderr.write(f"note: {message}\n")
    sys.stderr.flush()


__all__ = [
    "BACKGROUND_BYTES",
    "CompiledBuilding",
    "CompiledStore",
    "CompiledUnavailable",
    "Inputs",
    "check_files",
    "code_identity",
    "compiled_dir",
    "derived",
    "hash_file",
    "input_files",
    "open_compiled",
    "read_manifest",
    "wait_for_build",
]
