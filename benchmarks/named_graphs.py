"""What a dataset that lists its named graphs costs Oxigraph, query by query.

Usage::

    python benchmarks/named_graphs.py [--sources 669] [--repeat 3] [--queries NAME ...]

A ``sparql:`` store sends one ``named-graph-uri`` per source graph with a query that may use
``GRAPH`` (see ``SparqlStore._dataset``): that keeps its manifest graph, and any other data on a
shared server, out of the answers. Until 2026-12-04 it sent the list with every text that said
"graph" anywhere, comments included, so with nearly every named query. This script measures what
the list costs the engine itself, without HTTP: a synthetic corpus (``spacecoop synth``, about
164 triples per source) is loaded into pyoxigraph in memory as an Oxigraph-backed store loads it;
then each named query that says "graph" (its Oxigraph text) runs on the store's own dataset and on
the same store with every named graph listed, the two interleaved; medians. The rows of the two
must be the same. The last column says whether the store sends the list with that text now.

Measured on 2026-12-04 (2 cores, machine idle), ``--sources 669`` (100k triples, 670 graphs)::

    | query | store's dataset | named graphs listed | ratio | rows | list sent now |
    | bloc-overlap | 51 ms | 51 ms | 1.0x | 52 | no |
    | bloc-timeline | 12 ms | 46 ms | 3.8x | 24 | no |
    | country-partners | 104 ms | 114 ms | 1.1x | 6700 | yes |
    | disputed-claims | 150 ms | 144 ms | 1.0x | 3721 | no |
    | hedged-and-contradicted | 65 ms | 70 ms | 1.1x | 1200 | no |
    | initiative-participants | 94 ms | 358 ms | 3.8x | 3316 | no |
    | payload-countries-and-initiative | 814 ms | 957 ms | 1.2x | 49145 | no |
    | payload-countries-by-bloc | 16 ms | 81 ms | 5.0x | 0 | no |
    | payload-partners | 70 ms | 171 ms | 2.5x | 3433 | no |
    | source-coverage | 100 ms | 101 ms | 1.0x | 5177 | no |

and ``--sources 6876`` (1M triples, 6,877 graphs; ``--queries`` for all but
payload-countries-and-initiative, whose 3.8 million rows take 147 s and 161 s)::

    | query | store's dataset | named graphs listed | ratio | rows | list sent now |
    | bloc-overlap | 667 ms | 729 ms | 1.1x | 251 | no |
    | bloc-timeline | 182 ms | 2607 ms | 14.3x | 34 | no |
    | country-partners | 1704 ms | 2355 ms | 1.4x | 74102 | yes |
    | disputed-claims | 7123 ms | 7269 ms | 1.0x | 262766 | no |
    | hedged-and-contradicted | 889 ms | 1074 ms | 1.2x | 11992 | no |
    | initiative-participants | 1709 ms | 28.1 s | 16.4x | 34361 | no |
    | payload-countries-by-bloc | 266 ms | 11.5 s | 43.1x | 0 | no |
    | payload-partners | 1395 ms | 12.1 s | 8.7x | 36679 | no |
    | source-coverage | 1711 ms | 1801 ms | 1.1x | 52166 | no |
"""

from __future__ import annotations

import argparse
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import pyoxigraph as ox
from run import NEEDS_ITS_PARAMS  # benchmarks/run.py: evidence answers about the entity given

from spacecoop.sparql.query import list_queries
from spacecoop.store.native import load_project
from spacecoop.store.remote import _may_name_graph


def texts(root: Path) -> dict[str, str]:
    """The named queries that say "graph", by name: the text an Oxigraph store runs (its
    ``.oxigraph.rq`` variant where there is one, comments included, as the store sends it)."""
    out = {}
    for nq in list_queries(root):
        text = dict(nq.variants).get("oxigraph", nq.text)
        if nq.name not in NEEDS_ITS_PARAMS and "graph" in text.lower():
            out[nq.name] = text
    return out


def timed(store: ox.Store, text: str, **dataset) -> tuple[float, list]:
    started = time.perf_counter()
    rows = [tuple(str(v) if v is not None else None for v in row) for row in store.query(text, **dataset)]
    return time.perf_counter() - started, rows


def fmt(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms" if seconds < 10 else f"{seconds:.1f} s"


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sources", type=int, default=669, help="synthetic sources (669: 100k triples)")
    parser.add_argument("--repeat", type=int, default=3, help="timed runs of each query on each dataset")
    parser.add_argument("--queries", nargs="+", metavar="NAME", help="only these named queries")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        root = Path(tmp) / "corpus"
        exe = [sys.executable, "-m", "spacecoop", "synth", "-n", str(args.sources), "-o", str(root)]
        subprocess.run(exe, check=True, stdout=subprocess.DEVNULL)
        store = ox.Store()
        load_project(store, root)
        graphs = list(store.named_graphs())
        listed = {"default_graph": ox.DefaultGraph(), "named_graphs": graphs}
        print(f"{args.sources} sources, {len(store):,} quads, {len(graphs)} named graphs listed\n")
        print("| query | store's dataset | named graphs listed | ratio | rows | list sent now |")
        print("|---|---:|---:|---:|---:|---|")
        failed = False
        for name, text in texts(root).items():
            if args.queries and name not in args.queries:
                continue
            plain, withlist = [], []
            rows_plain = rows_listed = []
            for _ in range(args.repeat):  # interleaved, so drift on a shared machine hits both
                t, rows_plain = timed(store, text)
                plain.append(t)
                t, rows_listed = timed(store, text, **listed)
                withlist.append(t)
            a, b = statistics.median(plain), statistics.median(withlist)
            same = sorted(rows_plain, key=repr) == sorted(rows_listed, key=repr)
            failed |= not same
            rows = f"{len(rows_plain)}" if same else f"{len(rows_plain)} vs {len(rows_listed)} (DIFFER)"
            sent = "yes" if _may_name_graph(text) else "no"
            print(f"| {name} | {fmt(a)} | {fmt(b)} | {b / a:.1f}x | {rows} | {sent} |", flush=True)
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
