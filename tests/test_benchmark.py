"""Smoke test of benchmarks/run.py: the quick run at 10k triples completes and writes its tables.

No timing is asserted (speed belongs to the benchmark's own report); this only checks that every
backend was opened, every query measured on every backend, and the report has its sections.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_quick_benchmark_runs_at_10k(tmp_path):
    out, raw = tmp_path / "RESULTS.md", tmp_path / "raw.json"
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "run.py"), "--quick", "--sizes", "10k",
         "--out", str(out), "--json", str(raw), "--workdir", str(tmp_path / "work")],
        capture_output=True, text=True, timeout=600, cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = out.read_text()
    for heading in ("## Machine", "## Corpora", "## Load and memory per backend", "## Query latency (median)",
                    "## Our overhead over pyoxigraph", "## Endpoint throughput", "## Targets"):
        assert heading in text
    data = json.loads(raw.read_text())
    (size,) = data["sizes"]
    assert 7_000 < size["quads"] < 13_000
    names = {q for b in size["backends"].values() for q in b["queries"]}
    assert "lookup:evidence (typical)" in names and "lookup:partners (busiest)" in names and any(n.startswith("checks/") for n in names)
    for backend, entry in size["backends"].items():
        assert "error" not in entry, (backend, entry.get("error"))
        assert set(entry["queries"]) == names, backend
        for name, q in entry["queries"].items():
            assert "times" in q, (backend, name, q)
    # Every backend counted the same rows for every query.
    for name in names:
        assert len({size["backends"][b]["queries"][name]["rows"] for b in size["backends"]}) == 1, name
    assert size["throughput"]["oxigraph serve-read-only"]["qps"] > 0
