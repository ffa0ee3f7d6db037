#!/usr/bin/env python3
"""Time the countries view and measure its page on synthetic corpora (``spacecoop synth``).

For each size a corpus is written once (kept in ``--workdir`` and reused by later runs, so two
checkouts can be compared on the same data), read once with rdflib and written as N-Quads; each
repeat then loads those N-Quads into a fresh in-memory Oxigraph store (not timed) and times
``to_networkx(store, "countries")`` and ``page_html(G)``, and measures the page in MiB. Prints a
Markdown table of medians. Nothing is written into the repository.

    .venv/bin/python benchmarks/views.py                          # 100k, 3 repeats
    .venv/bin/python benchmarks/views.py --sizes 100k,1M --label after
    PYTHONPATH=/path/to/other/checkout/src python benchmarks/views.py --label before

Timings are wall-clock on whatever else the machine is doing: compare columns, not decimals.
"""

from __future__ import annotations

import argparse
import gc
import os
import statistics
import sys
import time
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
SIZES = {"10k": 10_000, "100k": 100_000, "1M": 1_000_000}


def corpus_nquads(label: str, workdir: Path, seed: int) -> Path:
    """The N-Quads of the ``label`` corpus, written on first use."""
    from spacecoop.core.load import load_dataset
    from spacecoop.importers.synth import sources_for_triples, write_corpus
    from spacecoop.store import layout_nquads

    folder = workdir / f"{label}-seed{seed}"
    nq = folder / "layout.nq"
    if nq.exists():
        return nq
    folder.mkdir(parents=True, exist_ok=True)
    t = time.perf_counter()
    write_corpus(folder / "corpus", sources_for_triples(SIZES[label]), seed=seed, root=REPO)
    ds = load_dataset(folder / "corpus")
    tmp = nq.with_suffix(".tmp")
    with tmp.open("w", encoding="utf-8") as fh:
        fh.writelines(layout_nquads(ds))
    os.replace(tmp, nq)
    print(f"[{label}] corpus written and read in {time.perf_counter() - t:.0f} s", file=sys.stderr)
    return nq


def measure(nq: Path) -> dict:
    """One repeat: a fresh store, then the view and its page timed."""
    import pyoxigraph

    from spacecoop.pages.graph_page import page_html
    from spacecoop.store import OxigraphStore
    from spacecoop.views.projection import to_networkx

    store = OxigraphStore()
    store.store.bulk_load(path=str(nq), format=pyoxigraph.RdfFormat.N_QUADS)
    gc.collect()
    t = time.perf_counter()
    G = to_networkx(store, "countries")
    view = time.perf_counter() - t
    t = time.perf_counter()
    page = page_html(G)
    html = time.perf_counter() - t
    return {
        "view": view,
        "page": html,
        "mib": len(page.encode("utf-8")) / 2**20,
        "nodes": G.number_of_nodes(),
        "edges": G.number_of_edges(),
        "triples": len(store.store),
    }


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", default="100k", help="comma-separated, of: " + ", ".join(SIZES))
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workdir", default="/tmp/spacecoop-bench-views", type=Path)
    ap.add_argument("--label", default="", help="a name for this checkout in the table")
    args = ap.parse_args(argv)
    import spacecoop

    checkout = args.label or str(Path(spacecoop.__file__).resolve().parent.parent.parent)
    rows = []
    for label in args.sizes.split(","):
        if label not in SIZES:
            ap.error(f"unknown size {label!r}; expected one of {', '.join(SIZES)}")
        nq = corpus_nquads(label, args.workdir, args.seed)
        runs = []
        for i in range(args.repeats):
            r = measure(nq)
            print(
                f"[{label}] run {i + 1}: view {r['view']:.2f} s, page {r['page']:.2f} s, {r['mib']:.2f} MiB",
                file=sys.stderr,
                flush=True,
            )
            runs.append(r)
        rows.append((label, runs))
    load = os.getloadavg()
    print(f"\ncheckout: {checkout}; {args.repeats} repeats, medians; load average {load[0]:.1f} after\n")
    print(
        "| size | triples | nodes | edges | countries view (s) | page_html (s) | page (MiB) | view runs (s) |"
    )
    print("|---|---:|---:|---:|---:|---:|---:|---|")
    for label, runs in rows:
        med = {k: statistics.median(r[k] for r in runs) for k in ("view", "page", "mib")}
        r0 = runs[0]
        spread = ", ".join(f"{r['view']:.2f}" for r in runs)
        print(
            f"| {label} | {r0['triples']:,} | {r0['nodes']:,} | {r0['edges']:,} | {med['view']:.2f} | "
            f"{med['page']:.2f} | {med['mib']:.2f} | {spread} |"
        )
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
