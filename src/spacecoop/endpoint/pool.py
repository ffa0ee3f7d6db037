"""The worker pool: query worker processes, each with its own store, with a time limit per query
(a worker over it is killed and replaced), spare workers for fairness under load, a loaded standby,
and the answer cache in front."""

from __future__ import annotations

import contextlib
import multiprocessing
import sys
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from spacecoop.core.errors import SpacecoopError, UsageError
from spacecoop.endpoint.cache import ResultCache
from spacecoop.endpoint.config import DEFAULT_BUSY_TIMEOUT
from spacecoop.endpoint.guard import QUERY_KINDS, Verdicts
from spacecoop.endpoint.worker import worker_main

__all__ = ["PoolStats", "WorkerPool"]


class _Worker:
    def __init__(self, ctx, spec, payload, root, memory_limit, isolate: bool, spare: bool) -> None:
        parent, child = ctx.Pipe()
        self.conn = parent
        self.spare = spare
        self.busy_since: float | None = None  # when the job it runs was sent, while it runs one
        self.ready = False
        self.isolation: str | None = None
        self.process = ctx.Process(
            target=worker_main,
            args=(child, spec, payload, root, memory_limit, isolate),
            daemon=True,
            name="spacecoop-worker",
        )
        self.process.start()
        child.close()

    def wait_ready(self, timeout: float) -> dict:
        try:
            started = self.conn.poll(timeout)
        except OSError:  # the pool was closed (and this worker killed) while it loaded
            raise SpacecoopError("a query worker was stopped while loading the dataset") from None
        if not started:
            self.kill()
            raise SpacecoopError(f"a query worker did not start within {timeout:.0f} s")
        try:
            msg = self.conn.recv()
        except (EOFError, OSError):
            self.kill()
            raise SpacecoopError("a query worker died while loading the dataset") from None
        if not msg.get("ready"):
            self.kill()
            raise SpacecoopError(f"a query worker could not load the dataset: {msg.get('error')}")
        self.isolation = msg.get("isolation")
        return msg

    def kill(self) -> None:
        with contextlib.suppress(OSError):
            self.conn.close()
        if self.process.is_alive():
            self.process.terminate()
            self.process.join(1.0)
            if self.process.is_alive():
                self.process.kill()
        self.process.join(1.0)


@dataclass
class PoolStats:
    """Counters of a :class:`WorkerPool` (read by the tests)."""

    started: int = 0
    killed: int = 0
    timeouts: int = 0
    busy: int = 0
    preempted: int = 0
    cached: int = 0
    shared: int = 0
    """SPARQL texts sent to a worker with the guard's verdict another worker reached (not parsed
    again there)."""
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False)


class WorkerPool:
    """Worker processes, each with its own store; a query over its time limit kills its worker.

    Fairness: besides the ``size`` workers there are ``spare`` ones that take a query only while
    every other worker is busy, and give it ``busy_timeout`` seconds instead of the full time
    limit. So a few clients looping slow queries hold the ordinary workers, but a cheap query from
    anyone else is still answered at once; a slow query that lands on a spare worker is stopped
    early with 503 and ``Retry-After``, turning the heavy user away rather than the others.

    Parameters
    ----------
    spec : str
        Store spec for each worker.
    payload : bytes
        What each worker needs to open its store, from :func:`worker_payload`.
    size : int
        Number of ordinary workers.
    root : path, optional
        Project root, for the named queries.
    memory_limit : int, optional
        Address-space limit of each worker, in bytes (a runaway query then fails in that worker).
    cache_bytes : int
        Answers kept for repeated requests, at most this many bytes of keys and bodies in all
        (0: no cache).
    spare : int
        Number of spare workers (0: none; every query then waits for an ordinary worker).
    busy_timeout : float
        Seconds a query may run on a spare worker. A request waits for a free worker up to the
        time limit it is run with, then gets 503.
    isolate : bool
        Run each worker in a network namespace of its own (see :func:`isolate_network`).
    standby : bool
        Keep one more worker loaded but idle, to replace a killed worker at once.
    """

    def __init__(
        self,
        spec: str,
        payload: bytes,
        size: int = 2,
        root: Path | None = None,
        memory_limit: int | None = None,
        cache_bytes: int = 0,
        spare: int = 1,
        busy_timeout: float = DEFAULT_BUSY_TIMEOUT,
        isolate: bool = True,
        standby: bool = True,
    ) -> None:
        if size < 1:
            raise UsageError("--workers must be at least 1")
        self.spec = spec
        self.payload = payload
        self.size = size
        self.spare = spare
        self.standby = standby
        self.busy_timeout = busy_timeout
        self.isolate = isolate
        self.root = str(root) if root is not None else None
        self.memory_limit = memory_limit
        self.cache = ResultCache(cache_bytes) if cache_bytes > 0 else None
        self.stats = PoolStats()
        # the guard's verdicts the workers report, handed to the others (see run)
        self.verdicts = Verdicts()
        self.isolation: str | None = None  # None: every worker is cut off the network; else why not
        self._ctx = multiprocessing.get_context("spawn")
        self._idle: list[_Worker] = []
        self._idle_spare: list[_Worker] = []
        self._standby: list[_Worker] = []  # loaded, answering nothing: the next killed worker's replacement
        self._cond = threading.Condition()
        self._closed = False
        self._all: set[_Worker] = set()
        self._launched: list[_Worker] = []  # started by launch(), not yet waited for
        self._pending: list[bool] = []  # workers launch() left for later (True: a spare one)

    def _new(self, spare: bool) -> _Worker:
        w = _Worker(self._ctx, self.spec, self.payload, self.root, self.memory_limit, self.isolate, spare)
        with self._cond:
            closed = self._closed
            if not closed:
                self._all.add(w)
        if closed:  # closed while this one started (a worker joining later): close() missed it
            w.kill()
            raise SpacecoopError("the worker pool was closed")
        return w

    def _ready(self, w: _Worker) -> None:
        """Wait for a new worker to load; record its isolation; raise SpacecoopError on failure."""
        try:
            w.wait_ready(120.0)
        except SpacecoopError:
            with self._cond:
                self._all.discard(w)
            raise
        w.ready = True
        if w.isolation is not None:
            self.isolation = w.isolation
        with self.stats.lock:
            self.stats.started += 1

    def _give(self, w: _Worker) -> None:
        with self._cond:
            (self._idle_spare if w.spare else self._idle).append(w)
            self._cond.notify()

    def _held_by_long_queries(self) -> bool:
        """Whether every ordinary worker has been running its query for over ``busy_timeout``:
        then the spare worker is all that is left for everyone else, and gets the short limit.
        (A mere burst of quick queries leaves a query on the spare its full time limit.)"""
        now = time.monotonic()
        with self._cond:
            ordinary = [x for x in self._all if x.ready and not x.spare and x not in self._standby]
        return all(x.busy_since is not None and now - x.busy_since > self.busy_timeout for x in ordinary)

    def _take(self, wait: float) -> _Worker | None:
        deadline = time.monotonic() + wait
        with self._cond:
            while True:
                if self._idle:
                    return self._idle.pop()
                if self._idle_spare:
                    return self._idle_spare.pop()
                left = deadline - time.monotonic()
                if left <= 0 or self._closed:
                    return None
                self._cond.wait(left)

    def start(self) -> None:
        """Start every worker and wait until each has loaded the dataset.

        Raises
        ------
        SpacecoopError
            A worker could not load the dataset.
        """
        self.launch()
        self.wait_ready(all_workers=True)

    def launch(self, *, first_only: bool = False) -> None:
        """Start the worker processes without waiting for any (see :meth:`wait_ready`): the
        server binds its socket meanwhile. With ``first_only``, start one worker now and the
        others once it is ready (:meth:`wait_ready` with ``all_workers=False``): on a machine of
        few cores, workers loading side by side each take as long as all of them."""
        kinds = [False] * self.size + [True] * self.spare
        if first_only:
            self._pending = kinds[1:]
            kinds = kinds[:1]
        self._launched = [self._new(spare) for spare in kinds]

    def wait_ready(self, *, all_workers: bool = True) -> None:
        """Wait until the launched workers have loaded the dataset, or (``all_workers=False``)
        only the first of them: the pool answers from then on, and the others join it as they
        become ready (a request meanwhile waits for a free worker as under load).

        Raises
        ------
        SpacecoopError
            The first worker (every worker, with ``all_workers``) could not load the dataset.
        """
        workers, self._launched = self._launched, []
        pending, self._pending = self._pending, []
        if all_workers:
            workers += [self._new(spare) for spare in pending]
            pending = []
        wait_now = workers if all_workers else workers[:1]
        try:
            for w in wait_now:
                self._ready(w)
        except SpacecoopError:
            self.close()
            raise
        for w in wait_now:
            self._give(w)
        later = workers[len(wait_now) :]

        def join_later() -> None:
            try:
                later.extend(self._new(spare) for spare in pending)
            except SpacecoopError:  # closed meanwhile
                return
            for w in later:
                try:
                    self._ready(w)
                except SpacecoopError as exc:
                    if not self._closed:  # the others answer; say why this one does not
                        print(f"spacecoop serve: {exc}", file=sys.stderr, flush=True)
                    continue
                if self._closed:
                    w.kill()
                else:
                    self._give(w)
            if self.standby and not self._closed:
                self._start_in_background(standby=True)

        if later or pending:
            threading.Thread(target=join_later, name="spacecoop-join", daemon=True).start()
        elif self.standby:
            self._start_in_background(standby=True)

    def _replace(self, w: _Worker) -> None:
        """Kill a worker; a loaded standby takes its place at once (so the pool never shrinks
        while a replacement loads, and a client whose slow query was stopped cannot spill onto
        the spare worker), and a new standby is started in the background."""
        w.kill()
        with self._cond:
            self._all.discard(w)
            standby = self._standby.pop() if self._standby else None
        with self.stats.lock:
            self.stats.killed += 1
        if standby is not None:
            standby.spare = w.spare
            self._give(standby)
        self._start_in_background(standby=standby is not None, spare=w.spare)

    def _start_in_background(self, *, standby: bool, spare: bool = False) -> None:
        """Start a worker in a thread: a standby, or (no standby was ready) the replacement itself."""

        def respawn() -> None:
            for _attempt in range(3):
                if self._closed:
                    return
                try:
                    new = self._new(spare)
                except SpacecoopError:  # closed between the check and the start: nothing to do
                    return
                try:
                    self._ready(new)
                except SpacecoopError as exc:
                    if self._closed:  # the pool was closed while this one loaded
                        return
                    print(f"spacecoop serve: {exc}", file=sys.stderr, flush=True)
                    time.sleep(1.0)
                    continue
                if self._closed:
                    new.kill()
                elif standby:
                    with self._cond:
                        self._standby.append(new)
                else:
                    self._give(new)
                return

        threading.Thread(target=respawn, name="spacecoop-respawn", daemon=True).start()

    def run(self, job: dict, timeout: float) -> dict:
        """Run ``job`` on an idle worker (or answer it from the cache); return the reply (a dict
        with ``status``)."""
        key: tuple = ()
        if self.cache is not None:
            key = ResultCache.key(job)
            cached = self.cache.get(key)
            if cached is not None:
                with self.stats.lock:
                    self.stats.cached += 1
                return cached
        w = self._take(timeout)
        if w is None:
            with self.stats.lock:
                self.stats.busy += 1
            return {
                "status": 503,
                "retry": True,
                "error": f"every query worker stayed busy for {timeout:g} s; try again in a few seconds",
            }
        limit = min(timeout, self.busy_timeout) if w.spare and self._held_by_long_queries() else timeout
        # A text another worker passed (the guard's verdict is a function of the text alone) is
        # sent with that verdict, so this worker does not parse it again: rdflib's parse took
        # 6-50 ms a query at 10k triples, more than most answers, and each worker judged each
        # text once for itself.
        passed = self.verdicts.get(job["query"]) if job.get("op") == "sparql" else None
        if passed is not None:
            job = {**job, "passed": passed}
            with self.stats.lock:
                self.stats.shared += 1
        try:
            w.busy_since = time.monotonic()
            w.conn.send(job)
            if w.conn.poll(limit):
                reply = w.conn.recv()
            else:
                with self.stats.lock:
                    if w.spare and limit < timeout:
                        self.stats.preempted += 1
                    else:
                        self.stats.timeouts += 1
                self._replace(w)
                if w.spare and limit < timeout:
                    return {
                        "status": 503,
                        "retry": True,
                        "error": f"the endpoint is busy with long queries from other clients, and while it "
                        f"is, a query may run {limit:g} s; this one ran longer and was stopped. "
                        "Try again in a few seconds, or narrow it",
                    }
                return {
                    "status": 504,
                    "error": f"the query ran longer than this endpoint's time limit of {timeout:g} s "
                    "and was stopped; narrow it or add a LIMIT",
                }
        except (EOFError, OSError, BrokenPipeError):
            self._replace(w)
            return {
                "status": 503,
                "error": "the query worker stopped unexpectedly (out of memory?); narrow the query",
                "retry": True,
            }
        w.busy_since = None
        if reply.get("restart"):
            self._replace(w)
        else:
            self._give(w)
        found = reply.pop("passed", None)  # set by a worker that judged this job's SPARQL text
        if found in QUERY_KINDS:
            self.verdicts.add(job["query"], found)
        if self.cache is not None:
            self.cache.put(key, reply)
        return reply

    def close(self) -> None:
        """Stop every worker."""
        with self._cond:
            self._closed = True
            workers = list(self._all)
            self._all.clear()
            self._standby.clear()
            self._cond.notify_all()
        for w in workers:
            with contextlib.suppress(OSError, ValueError):
                w.conn.send(None)
        for w in workers:
            w.process.join(0.5)
            w.kill()
