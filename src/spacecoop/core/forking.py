"""Forked processes for pure-Python work that keeps one core busy (pySHACL, rdflib's parser).

A forked process starts with the parent's memory as it is (the graph, the shapes): nothing is
pickled or parsed again, only the results travel back. Fork is used on Linux only (elsewhere it
is unsafe or missing, and the work runs in the calling process).
"""

from __future__ import annotations

import os
import sys
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from concurrent.futures import ProcessPoolExecutor


def can_fork() -> bool:
    """Whether work may go to forked processes here (Linux)."""
    return sys.platform.startswith("linux")


def cores() -> int:
    """The cores this process may run on (1 where fork is not used)."""
    if not can_fork():
        return 1
    return len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1


def fork_pool(processes: int) -> ProcessPoolExecutor:
    """A pool of ``processes`` forked processes; Ctrl-C ends each quietly (the command's own
    process reports the interruption). A process that dies makes the pool's calls raise
    ``BrokenProcessPool``."""
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(
        processes, mp_context=multiprocessing.get_context("fork"), initializer=_quiet_on_interrupt
    )


def _quiet_on_interrupt() -> None:
    import signal

    signal.signal(signal.SIGINT, signal.SIG_DFL)
