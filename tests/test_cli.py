"""The command line: usage errors, exit codes, no tracebacks, python -m."""

from __future__ import annotations

import subprocess
import sys

import pytest

from spacecoop.cli.app import main


def test_help_lists_the_verbs(capsys):
    assert main(["--help"]) == 0
    out = capsys.readouterr().out
    for verb in ("build", "validate", "stats"):
        assert verb in out


def test_unknown_command_shows_usage_and_exits_2(capsys):
    assert main(["frobnicate"]) == 2
    err = capsys.readouterr().err
    assert "Usage:" in err and "No such command 'frobnicate'" in err


def test_unknown_option_shows_usage_and_exits_2(capsys):
    assert main(["build", "--colour"]) == 2
    err = capsys.readouterr().err
    assert "Usage:" in err and "No such option '--colour'" in err


def test_validate_exits_0_on_the_project(root, capsys):
    assert main(["--root", str(root), "validate"]) == 0
    assert "conforms" in capsys.readouterr().out


def test_missing_root_is_a_clean_error(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("SPACECOOP_ROOT", raising=False)
    assert main(["--root", str(tmp_path / "nowhere"), "validate"]) == 2
    err = capsys.readouterr().err
    assert "Traceback" not in err and err.startswith("error:")


def test_ctrl_c_in_a_command_exits_130_without_a_traceback(root, capsys, monkeypatch):
    """Ctrl-C while a command works: click turns the KeyboardInterrupt into Abort; the command
    line says "aborted" and exits 130 (128 + SIGINT), as a shell reports an interrupted job."""
    import spacecoop.publish.build as build

    def interrupted(*args, **kwargs):
        raise KeyboardInterrupt

    monkeypatch.setattr(build, "summarize", interrupted)
    assert main(["--root", str(root), "--store", "memory", "stats"]) == 130
    err = capsys.readouterr().err
    assert err.strip() == "aborted" and "Traceback" not in err


def test_stats(root, capsys):
    assert main(["--root", str(root), "stats"]) == 0
    out = capsys.readouterr().out
    assert "sc:Payload" in out and "hedged" in out and "contradicted" in out


@pytest.mark.slow
def test_python_dash_m(root):
    proc = subprocess.run(
        [sys.executable, "-m", "spacecoop", "--root", str(root), "validate"], capture_output=True, text=True
    )
    assert proc.returncode == 0, proc.stderr
    assert "conforms" in proc.stdout


def test_console_script_is_installed():
    import importlib.metadata as md

    scripts = {ep.name: ep.value for ep in md.entry_points(group="console_scripts")}
    # run: main, then the process ends without freeing every object (see end_process)
    assert scripts.get("spacecoop") == "spacecoop.cli:run"


@pytest.mark.slow
def test_stats_reads_through_the_chosen_store(root, capsys):
    assert main(["--root", str(root), "stats"]) == 0
    memory = capsys.readouterr().out
    assert main(["--root", str(root), "--store", "oxigraph", "stats"]) == 0
    oxigraph = capsys.readouterr().out
    # the same triples, entities, relationships and claims whichever engine holds them
    assert memory.splitlines()[0].split(" triples")[0] == oxigraph.splitlines()[0].split(" triples")[0]
    assert memory.split("\n", 1)[1] == oxigraph.split("\n", 1)[1]


# -- the end of the command's process (spacecoop.cli.app.end_process) --------------------------------


def _command(*code: str, env: dict | None = None) -> subprocess.CompletedProcess:
    """Run Python lines that end with the command's own ending, in a new process."""
    import os

    return subprocess.run(
        [sys.executable, "-c", "\n".join(code)],
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, **(env or {})},
    )


def test_the_command_writes_its_whole_answer_through_a_pipe_and_says_its_exit_code(root, capsys):
    """The process ends without freeing every object (end_process): what it wrote is all there,
    byte for byte what the same command writes in this process, and the exit code is its own."""
    args = ["--root", str(root), "query", "source-coverage", "--format", "csv"]
    assert main(args) == 0
    here = capsys.readouterr().out
    assert len(here.encode()) > 65536  # more than a pipe holds: written while the reader reads
    done = subprocess.run([sys.executable, "-m", "spacecoop", *args], capture_output=True, timeout=120)
    assert (done.returncode, done.stdout.decode("utf-8")) == (0, here)
    missing = subprocess.run(
        [sys.executable, "-m", "spacecoop", "--root", str(root), "query", "no-such-query"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert missing.returncode == 2 and missing.stderr.startswith("error:"), missing.stderr


def test_the_command_runs_atexit_functions_and_waits_for_a_working_thread():
    """What an interpreter's exit does that matters is still done: the atexit functions run (after
    the answer, before the end), and a thread that is not a daemon finishes its work first."""
    done = _command(
        "import atexit, sys, threading, time",
        "atexit.register(lambda: print('atexit ran', flush=True))",
        "worker = threading.Thread(target=lambda: (time.sleep(0.3), print('thread done', flush=True)))",
        "worker.start()",
        "sys.argv = ['spacecoop', 'queries']",
        "from spacecoop.cli.app import run",
        "run()",
    )
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert "atexit ran" in lines and "thread done" in lines
    assert lines.index("atexit ran") > 0  # after the command's own output
    alone = _command(
        "import atexit, sys",
        "atexit.register(lambda: print('atexit ran'))",  # not flushed by itself: the end flushes it
        "sys.argv = ['spacecoop', 'no-such-verb']",
        "from spacecoop.cli.app import run",
        "run()",
    )
    assert alone.returncode == 2 and alone.stdout.rstrip().endswith("atexit ran"), alone


@pytest.mark.parametrize("error", ["data", "other"])
def test_an_error_quoting_the_data_writes_out_its_escape_sequences(capsys, monkeypatch, error):
    """An error message may quote a data file's line: an escape sequence in it is written out on
    standard error, not obeyed by the terminal (which could clear the screen under it)."""
    from spacecoop.core.entities import EntityFinder
    from spacecoop.core.errors import DataError

    def fail(cls, store):
        if error == "data":
            raise DataError("graph/x.trig", 'bad literal "a\x1b[2J"', line=3)
        raise ValueError("bad literal \x1b]0;retitled\x07")

    monkeypatch.setattr(EntityFinder, "of_store", classmethod(fail))
    assert main(["--store", "memory", "entity", "find", "x"]) != 0
    err = capsys.readouterr().err
    assert "\x1b" not in err and "\x07" not in err
    assert ('graph/x.trig:3: bad literal "a\\x1b[2J"' if error == "data" else "retitled\\x07") in err
