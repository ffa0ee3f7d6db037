#!/usr/bin/env python3
"""Time and peak memory of filling an in-memory Oxigraph store from a project's files, three ways.

Usage::

    python benchmarks/load.py ROOT                 # ROOT: e.g. spacecoop synth -n 6900 -o ROOT (1M)
    python benchmarks/load.py ROOT --repeat 3 --rdflib-repeat 1

Each run is a subprocess of its own, so its peak memory (``ru_maxrss``) is its own:

``files``
    pyoxigraph ``bulk_load`` of each file alone (ontology into its graph, reference files into the
    default graph, sources with their graphs): Oxigraph parsing the same files, nothing derived.
``files+merge``
    The same, then every named graph added to the default graph (``ADD g TO DEFAULT``): Oxigraph
    parsing the same files into the layout a store holds (see :mod:`spacecoop.store`).
``native``
    :func:`spacecoop.store.native.load_project`: the same parse, then the shortcut edges, the merge
    into the default graph and the ISO codes derived in the store.
``rdflib``
    The path before it: :func:`spacecoop.core.load.load_dataset` (rdflib parses and derives),
    then :func:`spacecoop.store.open_store` writes its N-Quads into pyoxigraph.

Times are of the load alone (imports excluded), medians of ``--repeat`` runs, wall clock and CPU
(user + system: steadier than wall clock on a shared machine); the ratios ``native/files`` are what
issue 15 bounds (time ≤ 1.2×, peak ≤ 1.5×). ``files`` stores each quad once; the others also store
the merge of every graph in the default graph (see :mod:`spacecoop.store`), about 1.85× the quads.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

MODES = ("files", "files+merge", "native", "rdflib")


def _cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def worker(mode: str, root: str) -> None:
    import pyoxigraph as ox

    if mode in ("files", "files+merge"):
        from spacecoop.core.layout import Layout
        from spacecoop.core.namespaces import ONTOLOGY_GRAPH

        layout = Layout(Path(root).resolve())
        onto = ox.NamedNode(str(ONTOLOGY_GRAPH))
        started, cpu = time.perf_counter(), _cpu()
        store = ox.Store()
        for p in layout.ontology_files:
            if p.name != "shapes.ttl":
                store.bulk_load(path=p, format=ox.RdfFormat.TURTLE, base_iri=p.as_uri(), to_graph=onto)
        for p in layout.reference_files:
            store.bulk_load(path=p, format=ox.RdfFormat.TURTLE, base_iri=p.as_uri())
        for p in layout.source_files:
            store.bulk_load(path=p, format=ox.RdfFormat.TRIG, base_iri=p.as_uri())
        if mode == "files+merge":  # the same layout as the other two: every graph also in the default
            for g in list(store.named_graphs()):
                store.update(f"ADD {g} TO DEFAULT")
    elif mode == "native":
        from spacecoop.store.native import load_project

        started, cpu = time.perf_counter(), _cpu()
        store = ox.Store()
        load_project(store, root)
    else:
        from spacecoop.core.load import load_dataset
        from spacecoop.store import open_store

        started, cpu = time.perf_counter(), _cpu()
        store = open_store("oxigraph", load_dataset(root)).store
    seconds, cpu = time.perf_counter() - started, _cpu() - cpu
    quads = len(store)
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"mode": mode, "seconds": seconds, "cpu": cpu, "rss_mb": rss, "quads": quads}))


def run(mode: str, root: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--worker", mode, root], capture_output=True, text=True, check=True
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("root", help="project root (a checkout, a workspace or a synth folder)")
    ap.add_argument("--repeat", type=int, default=3, help="runs of files and native (median)")
    ap.add_argument("--rdflib-repeat", type=int, default=1, help="runs of the rdflib path (median)")
    ap.add_argument("--worker", choices=MODES, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.worker:
        worker(args.worker, args.root)
        return 0
    results: dict[str, list[dict]] = {m: [] for m in MODES}
    for i in range(max(args.repeat, args.rdflib_repeat)):
        for mode in MODES:  # interleaved, so a busy moment of the machine hits every mode alike
            if i < (args.rdflib_repeat if mode == "rdflib" else args.repeat):
                results[mode].append(run(mode, args.root))
                print(f"# {mode} run {i + 1}: {results[mode][-1]}", file=sys.stderr)
    rows = {
        m: {k: statistics.median(r[k] for r in rs) for k in ("seconds", "cpu", "rss_mb")}
        | {"quads": rs[0]["quads"]}
        for m, rs in results.items()
        if rs
    }
    base = rows["files"]
    print(f"Filling an in-memory Oxigraph store from {args.root}\n")
    print("| way | seconds | CPU seconds | peak MB | quads in store | time / files | CPU / files", end="")
    print(" | peak / files |")
    print("|---|---:|---:|---:|---:|---:|---:|---:|")
    for m, r in rows.items():
        print(
            f"| {m} | {r['seconds']:.1f} | {r['cpu']:.1f} | {r['rss_mb']:.0f} | {r['quads']:,} | "
            f"{r['seconds'] / base['seconds']:.2f}× | {r['cpu'] / base['cpu']:.2f}× | "
            f"{r['rss_mb'] / base['rss_mb']:.2f}× |"
        )
    if "files+merge" in rows and "native" in rows:
        same, native = rows["files+merge"], rows["native"]
        print(
            f"\nnative / files+merge (the same layout): time {native['seconds'] / same['seconds']:.2f}×, "
            f"CPU {native['cpu'] / same['cpu']:.2f}×, peak {native['rss_mb'] / same['rss_mb']:.2f}×"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
