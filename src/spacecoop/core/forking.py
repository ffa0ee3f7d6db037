"""Forked processes for pure-Python work that keeps one core busy (pySHACL, rdflib's parser,
``validate``'s SHACL check beside its other checks).

A forked process starts with the parent's memory as it is (the graph, the shapes): nothing is
pickled or parsed again, only the results travel back. Fork is used on Linux only (elsewhere it
is unsafe or missing, and the work runs in the calling process).

Ctrl-C: the forked processes ignore SIGINT, and the command's own process, on its
KeyboardInterrupt, ends them and then reports the interruption. Had they died of the signal at the
moment the command's process cancels its waiting calls, CPython 3.11's pool thread could mark a
cancelled call failed and print a traceback of its own (``InvalidStateError``).
"""

from __future__ import annotations

import contextlib
import os
import sys
import threading
from typing import TYPE_CHECKING, Generic, TypeVar, cast

if TYPE_CHECKING:
    from collections.abc import Callable, Sequence

T = TypeVar("T")
R = TypeVar("R")

END_WAIT = 5.0
"""Seconds a forked process has to end after SIGTERM before it is killed."""

START_WAIT = 10.0
"""Seconds :func:`fork_ahead` waits, at most, for the forked process to start its call."""


def can_fork() -> bool:
    """Whether work may go to forked processes here (Linux)."""
    return sys.platform.startswith("linux")


def cores() -> int:
    """The cores this process may run on (1 where fork is not used)."""
    if not can_fork():
        return 1
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def copies_that_fit(wanted: int) -> int:
    """How many of ``wanted`` forked copies of this process the free memory holds (at least 1;
    1 when it cannot be told): a forked process may come to copy most of this one, as reading an
    object writes its reference count."""
    available = memory_available()
    try:
        with open("/proc/self/statm", encoding="ascii") as f:
            resident = int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError):
        return 1
    if available is None:
        return 1
    return max(1, min(wanted, int(available // max(resident, 1))))


def rocksdb_started() -> bool:
    """Whether this process runs RocksDB's threads (it opened a pyoxigraph store on disk; they
    outlive the store): a process forked from it must not use RocksDB, whose state it inherits
    without those threads, and which then waits for them forever."""
    try:
        tasks = os.listdir("/proc/self/task")
    except OSError:
        return False
    for task in tasks:
        try:
            with open(f"/proc/self/task/{task}/comm", encoding="utf-8", errors="replace") as f:
                if f.read().startswith("rocksdb"):
                    return True
        except OSError:
            continue
    return False


def memory_available() -> int | None:
    """Bytes of memory the system can give without swapping (``MemAvailable``), or None when it
    cannot be told."""
    try:
        with open("/proc/meminfo", encoding="ascii") as f:
            return next(int(line.split()[1]) * 1024 for line in f if line.startswith("MemAvailable:"))
    except (OSError, ValueError, StopIteration):
        return None


def fork_map(processes: int, fn: Callable[[T], R], items: Sequence[T], chunksize: int = 1) -> list[R]:
    """``[fn(item) for item in items]``, run by ``processes`` forked processes; a free process
    takes the next chunk of ``chunksize`` items.

    The first exception ends every process and is raised here: an exception of ``fn``, a
    ``BrokenProcessPool`` when a process died (killed when out of memory), or KeyboardInterrupt.
    Nothing is left running when this returns or raises.
    """
    import multiprocessing
    import signal
    from concurrent.futures import ProcessPoolExecutor

    chunks = [list(items[i : i + chunksize]) for i in range(0, len(items), max(1, chunksize))]
    before = {child.pid for child in multiprocessing.active_children()}
    pool = ProcessPoolExecutor(
        processes, mp_context=multiprocessing.get_context("fork"), initializer=_ignore_interrupt
    )
    try:
        # SIGINT waits while the processes are forked: a process forked with it blocked sets it
        # ignored before it unblocks it, so a Ctrl-C at that moment never reaches its Python code.
        # Calls are submitted and waited for one by one, not by pool.map: on an exception map
        # cancels the calls still waiting, which races with the pool thread failing them.
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})
        try:
            calls = [pool.submit(_run_chunk, fn, chunk) for chunk in chunks]
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        parts = [call.result() for call in calls]
    except BaseException:
        _end([c for c in multiprocessing.active_children() if c.pid not in before])
        pool.shutdown(wait=True)  # the pool thread fails the waiting calls and stops
        raise
    pool.shutdown(wait=True)
    return [result for part in parts for result in part]


BESIDE_MIN_QUADS = 20_000
"""From this many quads of data, :func:`beside_pays` says a forked half pays (below it, a fork
costs more than it saves)."""


def beside_pays(quads: int) -> bool:
    """Whether :func:`fork_beside` pays for work on ``quads`` quads: at least
    :data:`BESIDE_MIN_QUADS` of them, and :func:`beside_possible`."""
    return quads >= BESIDE_MIN_QUADS and beside_possible()


def beside_possible() -> bool:
    """Whether a forked half can run beside this process at all, whatever the size of the work:
    fork, two cores, and memory for a second copy of this process (callers that measure their
    work otherwise than in quads, as the betweenness of a view, ask this)."""
    return can_fork() and cores() >= 2 and copies_that_fit(2) >= 2


_BESIDE: list = []  # the call of the process fork_ahead forks, and the event it sets on starting
_BESIDE_LOCK = threading.Lock()  # held from setting that call until the process is forked


def _free_beside_lock() -> None:
    """In a forked process: a lock of its own. The one inherited was held by the thread that
    forked, which does not run here, so it would never be released (a fork_beside in a forked
    half would wait for ever)."""
    global _BESIDE_LOCK
    _BESIDE_LOCK = threading.Lock()


if hasattr(os, "register_at_fork"):
    os.register_at_fork(after_in_child=_free_beside_lock)


class Ahead:
    """Work started in a forked process by :func:`fork_ahead`; :meth:`outcome` waits for it."""

    def __init__(self, pool, call, before: set[int | None]) -> None:
        self._pool, self._call, self._before = pool, call, before

    def outcome(self) -> tuple[object] | None:
        """``(result,)`` of the work, or None when it failed (an exception, or the process died);
        the process is gone when this returns. A KeyboardInterrupt while waiting ends it."""
        try:
            try:
                out: tuple[object] | None = (self._call.result(),)
            except Exception:  # its exception, or BrokenProcessPool
                out = None
        except BaseException:
            self.cancel()
            raise
        self._pool.shutdown(wait=True)
        return out

    def cancel(self) -> None:
        """End the forked process (if it still runs); nothing is left running."""
        import multiprocessing

        _end([c for c in multiprocessing.active_children() if c.pid not in self._before])
        self._pool.shutdown(wait=True)


class Later(Generic[T]):
    """A value this process gives a process it forks, after the fork: made before
    :func:`fork_ahead`, the forked process's work calls :meth:`get`, which waits for it, and this
    process calls :meth:`give` once it has it (``spacecoop add``'s new file, made while the forked
    process loads the project's files).

    One pipe; the value is pickled and sent with its length first (another process forked
    meanwhile may hold the pipe's writing end: the reader does not wait for its end). Right after
    the fork this process calls :meth:`forked`. :meth:`get` raises :class:`EOFError` when this
    process closed it without a value (:meth:`close`, or it died).

    Examples
    --------
    >>> later = Later()
    >>> later.give([1, 2])
    >>> later.get()
    [1, 2]
    """

    def __init__(self) -> None:
        self._read, self._write = os.pipe()
        self._sender: threading.Thread | None = None

    def forked(self) -> None:
        """In this process, right after the fork: close the reading end here, so that a forked
        process that ended leaves :meth:`give` nobody to wait for."""
        fd, self._read = self._read, -1
        if fd >= 0:
            os.close(fd)

    def give(self, value: T) -> None:
        """Send ``value`` (once), without waiting for the forked process to read it."""
        import pickle

        data = pickle.dumps(value, protocol=pickle.HIGHEST_PROTOCOL)
        message = len(data).to_bytes(8, "big") + data
        fd, self._write = self._write, -1
        if fd < 0:
            raise ValueError("the value was given or the pipe closed already")

        def send() -> None:
            try:
                with os.fdopen(fd, "wb") as out:  # a pipe's buffer holds 64 KiB: not in this thread
                    out.write(message)
            except OSError:  # the forked process ended first (BrokenPipeError): nothing to send
                pass

        self._sender = threading.Thread(target=send, name="spacecoop-later", daemon=True)
        self._sender.start()

    def get(self) -> T:
        """In the forked process: the value given (waiting for it)."""
        import pickle

        if self._write >= 0:
            os.close(self._write)  # the forked copy of the writing end
            self._write = -1
        with os.fdopen(self._read, "rb") as inp:
            head = inp.read(8)
            size = int.from_bytes(head, "big") if len(head) == 8 else -1
            data = inp.read(size) if size >= 0 else b""
            if size < 0 or len(data) != size:
                raise EOFError("no value was given")
        return cast("T", pickle.loads(data))

    def close(self) -> None:
        """In this process, once the forked process has it or is ended: close what is still
        open here (a forked process still waiting then meets the end of the pipe)."""
        for name in ("_read", "_write"):
            fd = getattr(self, name)
            if fd >= 0:
                setattr(self, name, -1)
                with contextlib.suppress(OSError):
                    os.close(fd)
        if self._sender is not None:
            self._sender.join(timeout=END_WAIT)


def fork_ahead(there: Callable[[], object], *, started: bool = False) -> Ahead | None:
    """Start ``there`` in one forked process and return at once (None without fork, see
    :func:`can_fork`): work that needs none of what this process is about to compute (Oxigraph
    loading the files for the check queries while rdflib loads them here). Its result comes back
    pickled, through :meth:`Ahead.outcome`; the caller calls that or :meth:`Ahead.cancel`.

    ``started``: return only once the forked process runs ``there``. The process is forked at
    once, but the pool's threads hand it the call, and they need the interpreter's lock: work
    here that holds it (igraph's C code, for seconds) would keep the forked process waiting
    until it ends, the two halves one after the other."""
    if not can_fork():
        return None
    import multiprocessing
    import signal
    from concurrent.futures import ProcessPoolExecutor

    before = {child.pid for child in multiprocessing.active_children()}
    fork = multiprocessing.get_context("fork")
    pool = ProcessPoolExecutor(1, mp_context=fork, initializer=_ignore_interrupt)
    running = fork.Event() if started else None
    try:
        mask = signal.pthread_sigmask(signal.SIG_BLOCK, {signal.SIGINT})  # as in fork_map
        try:
            with _BESIDE_LOCK:  # another thread's call must not be the one forked
                _BESIDE[:] = [there, running]
                try:
                    call = pool.submit(_call_beside)  # forks the process (CPython 3.11: at once)
                finally:
                    _BESIDE.clear()
        finally:
            signal.pthread_sigmask(signal.SIG_SETMASK, mask)
        if running is not None:
            # waiting lets the pool's threads run; a process that died before it started fails
            # the call; past START_WAIT, here goes on (there then runs when it can, as before)
            import time

            deadline = time.monotonic() + START_WAIT
            while not running.wait(0.005) and not call.done() and time.monotonic() < deadline:
                pass
    except BaseException:
        _end([c for c in multiprocessing.active_children() if c.pid not in before])
        pool.shutdown(wait=True)
        raise
    return Ahead(pool, call, before)


def fork_beside(here: Callable[[], T], there: Callable[[], R]) -> tuple[T, R]:
    """``(here(), there())``, with ``there`` run by one forked process while this process runs
    ``here``: two halves of work on data already in memory, on two cores (Python, or C code that
    holds the interpreter's lock, such as igraph's: ``here`` starts once ``there`` runs).

    The forked process starts with this one's memory, so nothing goes to it and only ``there``'s
    result comes back (pickled). When ``there`` fails in the forked process (an exception, or the
    process died: killed when out of memory), it is called again here, after ``here``, so that
    it raises or returns exactly as in one process (not every exception survives the way back:
    :class:`~spacecoop.core.errors.DataError` does not). An exception of ``here`` or a
    KeyboardInterrupt ends the forked process and is raised; nothing is left running. Without
    fork (see :func:`can_fork`), both run here, one after the other.
    """
    ahead = fork_ahead(there, started=True)  # here may hold the interpreter's lock (igraph)
    if ahead is None:
        return here(), there()
    try:
        mine = here()
    except BaseException:
        ahead.cancel()
        raise
    theirs = ahead.outcome()
    return mine, (cast("R", theirs[0]) if theirs is not None else there())


def _call_beside() -> object:
    there, running = _BESIDE
    if running is not None:
        running.set()
    return there()


def _run_chunk(fn: Callable[[T], R], chunk: list[T]) -> list[R]:
    return [fn(item) for item in chunk]


def _end(children: list) -> None:
    """End forked processes: SIGTERM, then SIGKILL for any still running after :data:`END_WAIT`."""
    import time

    for child in children:
        child.terminate()
    deadline = time.monotonic() + END_WAIT
    for child in children:
        child.join(max(0.0, deadline - time.monotonic()))
        if child.is_alive():
            child.kill()
            child.join()


def _ignore_interrupt() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_IGN)  # a Ctrl-C that came while blocked is dropped
    signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGINT})
