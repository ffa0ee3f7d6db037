"""Whole-process command times before and after the compiled store (issue 15), medians of N runs.

Usage::

    python benchmarks/compiled_commands.py --before SRC --after SRC --root DIR [--root DIR ...]

``--before`` and ``--after`` are ``src/`` folders of two checkouts of spacecoop (put first on
``PYTHONPATH``); each command runs as a fresh ``python -m spacecoop`` process on a warm disk,
after one untimed run (which builds the compiled store and the validate report of ``--after``).
Prints a markdown table of wall-clock medians and of CPU (user + system) medians, the CPU time
being the steadier figure on a shared machine.

Measured for the compiled serve and build (main at 7e5a881 before; 2 cores shared with other
agents, load 5-9, so wall times are 1.5-3x the CPU; ``--runs 3``, ``--slow-runs`` 2 / 1)::

    | root | command | before wall | after wall | before CPU | after CPU |
    | real graph | serve (ready) | 8.47 s | 1.21 s | | |
    | real graph | build (unchanged) | 8.66 s | 0.75 s | 7.13 s | 0.34 s |
    | real graph | query | 1.01 s | 0.47 s | 0.47 s | 0.40 s |
    | real graph | validate (unchanged) | 0.32 s | 0.31 s | 0.27 s | 0.28 s |
    | s100k | serve (ready) | 64.38 s | 1.98 s | | |
    | s100k | build (unchanged) | 123.6 s | 0.52 s | 123.7 s | 0.45 s |
    | s100k | validate (unchanged) | 0.64 s | 0.94 s | 0.39 s | 0.46 s |

(The 100k "before" build is a full build timed alone, ``/usr/bin/time``, one run: main's work
tree changed while the table's own run of it went, which then exited 2. Its dataset files were
byte-identical to main's full build; the graph pages differed only by main's newer page code.)
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import subprocess
import sys
import tempfile
import time


def run_once(src: str, args: list[str], cache: str, timeout: float) -> tuple[float, float, int]:
    env = dict(os.environ, PYTHONPATH=src, XDG_CACHE_HOME=cache)
    env.pop("SPACECOOP_STORE", None)
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    proc = subprocess.run(
        [sys.executable, "-m", "spacecoop", *args],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        timeout=timeout,
        check=False,
    )
    wall = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu, proc.returncode


def serve_ready(src: str, root: str, cache: str, timeout: float) -> tuple[float, float, int]:
    """Seconds from start until ``spacecoop serve`` prints its ``listening on`` line."""
    env = dict(os.environ, PYTHONPATH=src, XDG_CACHE_HOME=cache)
    started = time.perf_counter()
    proc = subprocess.Popen(
        [sys.executable, "-m", "spacecoop", "--root", root, "serve", "--port", "0"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        assert proc.stdout is not None
        line = proc.stdout.readline()
        wall = time.perf_counter() - started
        return wall, float("nan"), 0 if "listening" in line else 1
    finally:
        proc.terminate()
        proc.wait(timeout=timeout)


def measure(label, fn, runs: int) -> dict:
    fn()  # warm: disk, compiled store, report cache
    walls, cpus, codes = [], [], set()
    for _ in range(runs):
        wall, cpu, code = fn()
        walls.append(wall)
        cpus.append(cpu)
        codes.add(code)
    return {"label": label, "wall": statistics.median(walls), "cpu": statistics.median(cpus), "codes": codes}


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--before", required=True)
    ap.add_argument("--after", required=True)
    ap.add_argument("--root", action="append", required=True)
    ap.add_argument("--runs", type=int, default=7)
    ap.add_argument("--slow-runs", type=int, default=3, help="runs of the commands that load the files")
    ap.add_argument("--timeout", type=float, default=900)
    ap.add_argument("--commands", default="query,query-entity,validate,viz,build,serve")
    opts = ap.parse_args(argv)
    wanted = opts.commands.split(",")
    cache = tempfile.mkdtemp(prefix="spacecoop-bench-cache-")
    out_dir = tempfile.mkdtemp(prefix="spacecoop-bench-out-")
    print("| root | command | before wall | after wall | before CPU | after CPU |")
    print("|---|---|---|---|---|---|")
    for root in opts.root:
        commands = {
            "query": ["query", "country-partners"],
            "query-entity": ["query", "evidence", "-p", "entity=country:china"],
            "query-light": ["query", "agreements"],
            "validate": ["validate"],
            "viz": ["viz", "-o", os.path.join(out_dir, "viz.html")],
            "build": ["build", "-o", os.path.join(out_dir, "dist")],
        }
        for name in wanted:
            rows = []
            for side, src in (("before", opts.before), ("after", opts.after)):
                slow = side == "before" or name == "build"
                runs = opts.slow_runs if slow else opts.runs
                if name == "serve":

                    def fn(src=src, root=root):
                        return serve_ready(src, root, cache, opts.timeout)
                else:

                    def fn(src=src, args=("--root", root, *commands[name])):
                        return run_once(src, list(args), cache, opts.timeout)

                rows.append(measure(side, fn, runs))
            b, a = rows
            print(
                f"| {os.path.basename(root.rstrip('/'))} | {name} | {b['wall']:.2f} s | {a['wall']:.2f} s "
                f"| {b['cpu']:.2f} s | {a['cpu']:.2f} s |"
                + (f" exit codes {b['codes']} / {a['codes']}" if (b["codes"] | a["codes"]) - {0, 1} else ""),
                flush=True,
            )
    return 0


if __name__ == "__main__":
    sys.exit(main())
