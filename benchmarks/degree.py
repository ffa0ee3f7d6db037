#!/usr/bin/env python3
"""What one look-up of a subject costs Oxigraph, in memory and on disk, as that subject's quads grow.

Usage::

    python benchmarks/degree.py                      # degrees 10, 100, 1,000 and 10,000
    python benchmarks/degree.py --degrees 10 1000 --others 50000 --repeat 7

Why: at 1M triples the busiest country of a synthetic corpus is the subject of about 3,000 quads
(a ``sc:participatesIn`` edge in the graph of each source that names one of its memberships, and
the same in the default graph), and ``evidence`` for it took 1.06 s in memory against 0.48 s
with the one label look-up of its members left out (2,854 rows; medians of five, interleaved).
On disk the same look-ups cost what they cost for any subject.

Each store holds one subject ``S`` with one ``label`` in the default graph and ``DEGREE`` more
quads (``S p oN`` in a named graph ``gN`` each, as a shortcut edge sits in its source's graph),
and ``--others`` other subjects with a ``label`` each, so that ``label`` is a common predicate, as
``skos:prefLabel`` is. The look-up is ``S label ?l`` in the default graph, by
``quads_for_pattern`` and by a SPARQL query, each timed ``--lookups`` times in a row; a row of the
table gives the median over ``--repeat`` such rounds, in microseconds per look-up. The rows with
``--others 0`` make ``label`` a rare predicate: the cost that grows with the degree then goes
away (the timings read as if the in-memory store walked the shorter of the subject's and the
predicate's quads; inferred, not read in Oxigraph's source). Every look-up must find the one
label (else the script exits 1).
"""

from __future__ import annotations

import argparse
import statistics
import sys
import tempfile
import time


def build(where: str, folder: str, degree: int, others: int):
    import pyoxigraph as ox

    store = ox.Store() if where == "memory" else ox.Store(folder)
    s, label, p = ox.NamedNode("urn:s"), ox.NamedNode("urn:label"), ox.NamedNode("urn:p")
    quads = [ox.Quad(s, label, ox.Literal("S"))]
    quads += [ox.Quad(s, p, ox.NamedNode(f"urn:o{i}"), ox.NamedNode(f"urn:g{i}")) for i in range(degree)]
    quads += [ox.Quad(ox.NamedNode(f"urn:x{i}"), label, ox.Literal(f"x{i}")) for i in range(others)]
    store.bulk_extend(quads)
    return store, s, label


def per_lookup(run, lookups: int, repeat: int) -> float:
    """Median over ``repeat`` rounds of the time of one call of ``run``, in microseconds."""
    rounds = []
    for _ in range(repeat):
        started = time.perf_counter()
        for _ in range(lookups):
            run()
        rounds.append((time.perf_counter() - started) / lookups * 1e6)
    return statistics.median(rounds)


def measure(where: str, degree: int, others: int, lookups: int, repeat: int) -> tuple[float, float]:
    with tempfile.TemporaryDirectory() as folder:
        store, s, label = build(where, folder, degree, others)
        try:
            return time_lookups(store, s, label, f"{where}, degree {degree}", lookups, repeat)
        finally:
            del store  # closed before its folder goes


def time_lookups(store, s, label, what: str, lookups: int, repeat: int) -> tuple[float, float]:
    """(pattern, SPARQL) microseconds per look-up of ``s label ?l``, once it finds the one label."""
    import pyoxigraph as ox

    default = ox.DefaultGraph()
    query = "SELECT ?l WHERE { <urn:s> <urn:label> ?l }"
    found = [q.object.value for q in store.quads_for_pattern(s, label, None, default)]
    answered = [row[0].value for row in store.query(query)]
    if found != ["S"] or answered != ["S"]:
        sys.exit(f"{what}: the look-up found {found} and {answered}, not the one label")
    pattern = per_lookup(lambda: list(store.quads_for_pattern(s, label, None, default)), lookups, repeat)
    sparql = per_lookup(lambda: list(store.query(query)), lookups, repeat)
    return pattern, sparql


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--degrees", type=int, nargs="+", default=[10, 100, 1000, 10000])
    ap.add_argument("--others", type=int, nargs="+", default=[50000, 0], help="labelled subjects beside S")
    ap.add_argument("--lookups", type=int, default=200, help="look-ups timed in a row (one round)")
    ap.add_argument("--repeat", type=int, default=5, help="rounds; the median is reported")
    args = ap.parse_args(argv)

    import pyoxigraph as ox

    print(f"pyoxigraph {ox.__version__}; µs per look-up of `S label ?l`, median of {args.repeat} rounds")
    print()
    print("| other labels | quads of S | memory, pattern | disk, pattern | memory, SPARQL | disk, SPARQL |")
    print("|---:|---:|---:|---:|---:|---:|")
    for others in args.others:
        for degree in args.degrees:
            # memory and disk side by side for each row: both see the machine in the same state
            mem = measure("memory", degree, others, args.lookups, args.repeat)
            disk = measure("disk", degree, others, args.lookups, args.repeat)
            times = (mem[0], disk[0], mem[1], disk[1])
            cells = (f"{others:,}", f"{degree + 1:,}", *(f"{t:.1f}" for t in times))
            print("| " + " | ".join(cells) + " |", flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
