"""Benchmark adding one source: `spacecoop add` of a fact sheet, then `spacecoop validate`, on the full graph.

Copies the project (ontology, queries, graph) and the stored texts into a temporary folder, then
runs the two commands as an analyst does, each in a fresh process, several times (the added file
removed between runs), and prints the median, fastest and slowest of each step. Target: add plus
validate under 5 s. Nothing is written into the repository.

    .venv/bin/python benchmarks/add.py              # 5 runs
    .venv/bin/python benchmarks/add.py --repeats 9
"""

from __future__ import annotations

import argparse
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHEET = ROOT / "tests" / "data" / "sheets" / "spacenews-2023-09-south-africa-ilrs.csv"
TEXT = SHEET.with_suffix(".txt")


def run(args: list[str], env: dict[str, str]) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        [sys.executable, "-m", "spacecoop", *args], env=env, capture_output=True, text=True, check=False
    )
    took = time.perf_counter() - start
    if done.returncode != 0:
        raise SystemExit(
            f"spacecoop {' '.join(args)} failed ({done.returncode}):\n{done.stdout}{done.stderr}"
        )
    return took


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=5)
    opts = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="spacecoop-bench-add-") as tmp:
        project = Path(tmp) / "project"
        for folder in ("ontology", "queries", "graph"):
            shutil.copytree(ROOT / folder, project / folder)
        texts = Path(tmp) / "texts"
        shared = ROOT.parent / "shared" / "sources"
        shutil.copytree(shared, texts) if shared.is_dir() else texts.mkdir()
        shutil.copy(TEXT, texts / TEXT.name)
        env = {**os.environ, "SPACECOOP_SOURCES": str(texts)}
        added = project / "graph" / "sources" / f"{SHEET.stem}.trig"
        add = ["--root", str(project), "add", str(SHEET), "--text", str(texts / TEXT.name)]
        times: dict[str, list[float]] = {
            "add": [],
            "add again (unchanged)": [],
            "validate": [],
            "add + validate": [],
        }
        for _ in range(opts.repeats):
            added.unlink(missing_ok=True)
            a = run(add, env)
            v = run(["--root", str(project), "validate"], env)
            times["add"].append(a)
            times["validate"].append(v)
            times["add + validate"].append(a + v)
            times["add again (unchanged)"].append(run(add, env))
        sources = len(list((project / "graph" / "sources").glob("*.trig")))
    print(
        f"spacecoop add + validate of one source on the full graph ({sources} sources), "
        f"{opts.repeats} runs, each command a fresh process (seconds)\n"
    )
    print(f"| {'step':<22} | median | fastest | slowest |")
    print(f"|{'-' * 24}|-------:|--------:|--------:|")
    for step, values in times.items():
        print(f"| {step:<22} | {statistics.median(values):6.2f} | {min(values):7.2f} | {max(values):7.2f} |")


if __name__ == "__main__":
    main()
