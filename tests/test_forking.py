"""Forked processes (core.forking.fork_map): results in order, the first failure raised, and
nothing left running, whether a call fails, a process dies, or Ctrl-C comes at any moment."""

from __future__ import annotations

import multiprocessing
import os
import signal
import subprocess
import sys
import textwrap
import time
from concurrent.futures.process import BrokenProcessPool

import pytest
from _servers import children, interruptible, running

from spacecoop.core.forking import can_fork, fork_beside, fork_map

pytestmark = pytest.mark.skipif(not can_fork(), reason="fork is used on Linux only")


def _square(x: int) -> int:
    return x * x


def _fails_on_three(x: int) -> int:
    if x == 3:
        raise ValueError("three")
    time.sleep(0.05)
    return x


def _dies_on_two(x: int) -> int:
    if x == 2:
        os.kill(os.getpid(), signal.SIGKILL)  # as the kernel does to a process out of memory
    return x


@pytest.mark.parametrize("chunksize", [1, 3, 50])
def test_results_come_back_in_the_order_of_the_items(chunksize):
    assert fork_map(2, _square, list(range(20)), chunksize=chunksize) == [x * x for x in range(20)]
    assert not multiprocessing.active_children()


def test_an_exception_of_a_call_is_raised_and_every_process_ends():
    with pytest.raises(ValueError, match="three"):
        fork_map(2, _fails_on_three, list(range(10)))
    assert not multiprocessing.active_children()


def test_a_process_that_dies_raises_broken_process_pool_and_the_others_end():
    with pytest.raises(BrokenProcessPool):
        fork_map(2, _dies_on_two, list(range(10)))
    assert not multiprocessing.active_children()


SLEEPER = textwrap.dedent(
    """
    import sys, time
    from spacecoop.core.forking import fork_map

    def slow(x):
        time.sleep(120)
        return x

    try:
        fork_map(2, slow, list(range(6)))
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        sys.exit(130)
    print("finished", flush=True)
    """
)


def _interrupt_while_forked(script: str, forks: int, to: str, after: float) -> None:
    """Run ``script`` (which prints "interrupted" and exits 130 on KeyboardInterrupt), wait until
    it has forked ``forks`` processes, send SIGINT ``after`` seconds later to its process group or
    to it alone (``to``), and check: it ends within seconds, prints nothing else, writes nothing to
    stderr, and leaves none of the forked processes running."""
    proc = subprocess.Popen(
        [sys.executable, "-c", script],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
        preexec_fn=interruptible,
    )
    forked: set[int] = set()
    deadline = time.monotonic() + 60
    while len(forked) < forks and proc.poll() is None and time.monotonic() < deadline:
        forked |= children(proc.pid)
        time.sleep(0.002)
    assert forked, "the processes were never forked"
    time.sleep(after)
    (os.killpg if to == "group" else os.kill)(proc.pid, signal.SIGINT)
    start = time.monotonic()
    out, err = proc.communicate(timeout=60)
    assert time.monotonic() - start < 30
    assert (proc.returncode, out, err) == (130, "interrupted\n", "")
    time.sleep(0.2)
    assert not [pid for pid in forked if running(pid)]


@pytest.mark.parametrize(
    ("to", "after"),
    [
        ("group", 0.0),  # Ctrl-C in a terminal, the moment the processes are forked
        ("group", 0.3),  # ... and while they work
        ("group", 0.0),
        ("parent", 0.3),  # `kill -INT` of the command's process only
    ],
)
def test_ctrl_c_ends_every_process_and_prints_nothing_but_the_commands_own_words(to, after):
    """SIGINT at once after the fork (the race of CPython 3.11's pool thread, which printed an
    ``InvalidStateError`` traceback under load) or later, to the whole process group or to the
    command's process only: KeyboardInterrupt reaches the caller within seconds (not after the
    two-minute calls), stderr stays empty, and none of the forked processes is left."""
    _interrupt_while_forked(SLEEPER, 2, to, after)


# -- fork_beside: two halves of the work at once, one of them in a forked process ---------------
PARENT = os.getpid()


def _pid() -> int:
    return os.getpid()


def _data_error() -> int:
    from spacecoop.core.errors import DataError

    raise DataError("graph/sources/x.trig", "syntax error: expected '.'", line=7)  # cannot be unpickled


def _dies_when_forked() -> str:
    if os.getpid() != PARENT:
        os.kill(os.getpid(), signal.SIGKILL)  # as the kernel does to a process out of memory
    return "here"


def _sleeps() -> int:
    time.sleep(120)
    return 0


def _fails_here() -> int:
    raise ValueError("here failed")


def test_fork_beside_runs_there_in_another_process_at_the_same_time():
    here_pid, there_pid = fork_beside(_pid, _pid)
    assert here_pid == os.getpid() and there_pid != os.getpid()
    assert not multiprocessing.active_children()


def _holds_the_lock() -> tuple[float, float]:
    """A few tenths of a second in C that never lets go of the interpreter's lock (as igraph's
    betweenness does): (start, end) on the clock every process shares."""
    start = time.monotonic()
    sum(range(40_000_000))
    return start, time.monotonic()


def test_fork_beside_runs_there_while_here_holds_the_interpreter_lock():
    """The forked process has its call before ``here`` starts: the pool's threads that hand it
    over need the lock, which ``here`` (igraph's C code) may hold to its end, and the two halves
    then ran one after the other (the betweenness of the full view at 100k triples as slow as in
    one process)."""
    (here_start, here_end), there_start = fork_beside(_holds_the_lock, time.monotonic)
    assert here_end - here_start > 0.1  # long enough to tell
    assert there_start < here_end
    assert not multiprocessing.active_children()


def test_fork_beside_raises_there_s_exception_as_one_process_would():
    """A DataError does not survive the way back (its __init__ takes a path): the call is made
    again here and raises the very error, with its path and line."""
    from spacecoop.core.errors import DataError

    with pytest.raises(DataError) as caught:
        fork_beside(_pid, _data_error)
    assert (caught.value.path, caught.value.line) == ("graph/sources/x.trig", 7)
    assert not multiprocessing.active_children()


def test_fork_beside_runs_there_here_when_its_process_dies():
    assert fork_beside(_pid, _dies_when_forked) == (os.getpid(), "here")
    assert not multiprocessing.active_children()


def test_fork_beside_raises_here_s_exception_and_ends_the_forked_process_at_once():
    start = time.monotonic()
    with pytest.raises(ValueError, match="here failed"):
        fork_beside(_fails_here, _sleeps)
    assert time.monotonic() - start < 30  # not after the two-minute call
    assert not multiprocessing.active_children()


def _tagged(tag: str):
    def call() -> tuple[str, int]:
        time.sleep(0.05)
        return tag, os.getpid()

    return call


def test_fork_beside_from_threads_at_once_forks_each_its_own_call():
    """Each process runs the call of the thread that forked it (the call is handed over in a
    module-level slot, taken under a lock until the fork)."""
    import threading

    got: dict[str, tuple] = {}

    def run(tag: str) -> None:
        got[tag] = fork_beside(_pid, _tagged(tag))

    threads = [threading.Thread(target=run, args=(f"t{i}",)) for i in range(6)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert sorted(got) == [f"t{i}" for i in range(6)]
    for tag, (_, (their_tag, their_pid)) in got.items():
        assert their_tag == tag and their_pid != os.getpid()
    assert not multiprocessing.active_children()


NESTED_BESIDE = textwrap.dedent(
    """
    import os
    from spacecoop.core.forking import fork_beside

    def forks_again():
        here, there = fork_beside(os.getpid, os.getpid)
        return here == os.getpid() and there != here

    print(fork_beside(os.getpid, forks_again)[1], flush=True)
    """
)


def test_fork_beside_in_a_forked_half_forks_again():
    """The lock that hands the call over is held while the process forks: the forked process gets
    a free one, so a call it makes to fork_beside forks too, instead of waiting for ever."""
    proc = subprocess.Popen(
        [sys.executable, "-c", NESTED_BESIDE],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        out, err = proc.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # every process it forked, too
        proc.communicate()
        raise AssertionError("fork_beside inside a forked half never returned") from None
    assert (proc.returncode, out.strip()) == (0, "True"), err


BESIDE_SLEEPER = textwrap.dedent(
    """
    import sys, time
    from spacecoop.core.forking import fork_beside

    def slow():
        time.sleep(120)
        return 0

    try:
        fork_beside(slow, slow)
    except KeyboardInterrupt:
        print("interrupted", flush=True)
        sys.exit(130)
    print("finished", flush=True)
    """
)


@pytest.mark.parametrize(("to", "after"), [("group", 0.0), ("group", 0.3), ("parent", 0.3)])
def test_ctrl_c_during_fork_beside_ends_the_forked_process_quietly(to, after):
    """SIGINT while both halves run, to the process group (Ctrl-C in a terminal) or to the
    command's process only: KeyboardInterrupt reaches the caller at once, stderr stays empty, and
    the forked process is not left running."""
    _interrupt_while_forked(BESIDE_SLEEPER, 1, to, after)


def test_a_value_given_later_reaches_the_forked_process_whole_and_give_does_not_wait():
    """``Later``: the forked process waits for what this process makes after the fork; a value
    far over a pipe's buffer comes whole, and :meth:`give` returns before it is read."""
    from spacecoop.core.forking import Later, fork_ahead

    later: Later[bytes] = Later()

    def there() -> tuple[int, bytes, int]:
        time.sleep(0.5)  # busy with its own work first: nobody reads the pipe yet
        value = later.get()
        return os.getpid(), value[:16], len(value)

    ahead = fork_ahead(there)
    assert ahead is not None
    later.forked()
    big = os.urandom(4 << 20)  # 4 MiB: 64 pipe buffers
    t = time.monotonic()
    later.give(big)
    assert time.monotonic() - t < 0.4  # not waiting for the reader
    out = ahead.outcome()
    later.close()
    assert out is not None
    pid, head, size = out[0]
    assert pid != os.getpid() and head == big[:16] and size == len(big)
    assert not multiprocessing.active_children()


def test_a_value_never_given_ends_the_forked_wait_with_an_error():
    """This process closes a ``Later`` without giving (its own work failed): the forked process's
    :meth:`get` raises at once instead of waiting for ever."""
    from spacecoop.core.forking import Later, fork_ahead

    later: Later[int] = Later()
    ahead = fork_ahead(later.get)
    assert ahead is not None
    later.forked()
    t = time.monotonic()
    later.close()
    assert ahead.outcome() is None  # EOFError there
    assert time.monotonic() - t < 10
    assert not multiprocessing.active_children()
    with pytest.raises(ValueError, match="given or the pipe closed"):
        later.give(1)
