"""Benchmark the graph views at scale: projection, layout, HTML generation, first render in Chromium.

Builds a synthetic dataset in the project's model (countries, blocs with dated memberships,
organisations, missions, payloads, developments, carriages, each relationship with a claim),
sized so the ``actors`` view has about N nodes, then times each stage and prints a table of
medians. Nothing is written into the repository.

    .venv/bin/python benchmarks/viz.py                 # 1,000 and 5,000 nodes, 3 runs each
    .venv/bin/python benchmarks/viz.py --sizes 10000 --repeats 1
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import time
from pathlib import Path

from rdflib import RDF, SKOS, XSD, Dataset, Literal, URIRef
from rdflib.namespace import PROV

from spacecoop.core.namespaces import ORG, SC, concept, entity_iri, relationship_iri


def synthetic_dataset(n: int, seed: int = 0) -> Dataset:
    """Return a Dataset whose actors view has about ``n`` nodes (a fifth countries and missions)."""
    rng = random.Random(seed)
    ds = Dataset(default_union=True)
    g = ds.default_graph
    source = entity_iri("source", "synthetic benchmark")
    sg = ds.graph(source)
    g.add((source, RDF.type, SC.Source))
    g.add((source, SKOS.prefLabel, Literal("Synthetic benchmark source", lang="en")))
    n_countries = max(10, min(200, n // 10))
    n_missions = max(2, n // 100)
    n_payloads = int(n * 0.35)
    n_orgs = n - n_countries - n_missions - n_payloads - 3
    countries = [entity_iri("country", f"Country {i}") for i in range(n_countries)]
    for i, c in enumerate(countries):
        g.add((c, RDF.type, SC.Country))
        g.add((c, SKOS.prefLabel, Literal(f"Country {i}", lang="en")))
    blocs = [entity_iri("initiative", name) for name in ("Bloc ILRS", "Bloc Artemis")]
    apsco = entity_iri("org", "Bloc APSCO")
    for b in blocs:
        g.add((b, RDF.type, SC.Initiative))
        g.add((b, SKOS.prefLabel, Literal(str(b).rsplit("/", 1)[-1], lang="en")))
    g.add((apsco, RDF.type, SC.Organization))
    g.add((apsco, SKOS.prefLabel, Literal("Bloc APSCO", lang="en")))
    g.add((apsco, SC.kind, concept("org-kind", "international-organization")))
    orgs = [entity_iri("org", f"Org {i}") for i in range(n_orgs)]
    for i, o in enumerate(orgs):
        g.add((o, RDF.type, SC.Organization))
        g.add((o, SKOS.prefLabel, Literal(f"Org {i}", lang="en")))
        g.add((o, SC.kind, concept("org-kind", rng.choice(["space-agency", "university", "company"]))))
        g.add((o, SC.basedIn, rng.choice(countries)))
    missions = [entity_iri("mission", f"Mission {i}") for i in range(n_missions)]
    for i, m in enumerate(missions):
        g.add((m, RDF.type, SC.Mission))
        g.add((m, SKOS.prefLabel, Literal(f"Mission {i}", lang="en")))
    k = 0

    def claim(about, quote, date=None):
        nonlocal k
        k += 1
        c = URIRef(f"{entity_iri('source', 'synthetic benchmark')}/claim/{k}")
        sg.add((c, RDF.type, SC.Claim))
        sg.add((c, SC.about, about))
        sg.add(
            (c, SC.certainty, concept("certainty", rng.choice(["stated"] * 8 + ["hedged", "contradicted"])))
        )
        sg.add((c, SC.quote, Literal(quote)))
        sg.add((c, PROV.wasDerivedFrom, source))
        if date:
            sg.add((c, SC.date, Literal(date, datatype=XSD.date)))

    for i in range(n_payloads):
        m = missions[i % n_missions]
        p = entity_iri("payload", f"Payload {i}", within=f"Mission {i % n_missions}")
        g.add((p, RDF.type, SC.Payload))
        g.add((p, SKOS.prefLabel, Literal(f"Payload {i}", lang="en")))
        rel = relationship_iri("carriage", m, p)
        sg.add((rel, RDF.type, SC.PayloadCarriage))
        sg.add((rel, SC.mission, m))
        sg.add((rel, SC.payload, p))
        claim(rel, f"Mission carries payload {i}")
        for o in rng.sample(orgs, rng.choice([1, 2, 2, 3])):
            rel = relationship_iri("development", p, o)
            sg.add((rel, RDF.type, SC.PayloadDevelopment))
            sg.add((rel, SC.payload, p))
            sg.add((rel, SC.developer, o))
            claim(rel, f"Payload {i} built by {o}")
    for c in countries:
        for b in [*blocs, apsco]:
            if rng.random() < 0.4:
                rel = relationship_iri("participation", c, b)
                sg.add((rel, RDF.type, SC.Participation))
                sg.add((rel, ORG.member, c))
                sg.add((rel, ORG.organization, b))
                year = rng.randint(2016, 2025)
                claim(rel, f"{c} joined {b}", f"{year}-{rng.randint(1, 12):02d}-{rng.randint(1, 28):02d}")
    return ds


def _median(xs):
    return statistics.median(xs) if xs else float("nan")


def run(sizes, repeats, view):
    from playwright.sync_api import sync_playwright

    from spacecoop.pages.chromium import launch_chromium
    from spacecoop.pages.graph_page import layout_positions, page_html
    from spacecoop.store import open_store
    from spacecoop.views.projection import to_networkx

    rows = []
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        browser = launch_chromium(pw)
        for n in sizes:
            ds = synthetic_dataset(n)
            store = open_store("oxigraph", ds)
            t = {
                "project (oxigraph)": [],
                "project (rdflib)": [],
                "layout": [],
                "html": [],
                "first render": [],
                "render (wall)": [],
            }
            for r in range(repeats):
                t0 = time.perf_counter()
                G = to_networkx(store, view)
                t["project (oxigraph)"].append(time.perf_counter() - t0)
                if r == 0:  # rdflib's engine is slow at this size: once is enough to report
                    t0 = time.perf_counter()
                    to_networkx(ds, view)
                    t["project (rdflib)"].append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                pos = layout_positions(G)
                t["layout"].append(time.perf_counter() - t0)
                t0 = time.perf_counter()
                html = page_html(G, title=f"benchmark {n}", positions=pos)
                t["html"].append(time.perf_counter() - t0)
                path = Path(tmp) / f"b{n}.html"
                path.write_text(html, encoding="utf-8")
                page = browser.new_page(viewport={"width": 1400, "height": 850})
                t0 = time.perf_counter()
                page.goto(path.as_uri())
                page.wait_for_function("document.body.dataset.ready === '1'", timeout=120_000)
                t["render (wall)"].append(time.perf_counter() - t0)
                t["first render"].append(page.evaluate("spacecoop.state.readyMs") / 1000)
                assert page.evaluate("network.body.data.nodes.length") == G.number_of_nodes()
                page.close()
            rows.append(
                (
                    n,
                    G.number_of_nodes(),
                    G.number_of_edges(),
                    len(html.encode()) / 2**20,
                    {k: _median(v) for k, v in t.items()},
                )
            )
        browser.close()
    cols = ["project (oxigraph)", "project (rdflib)", "layout", "html", "first render", "render (wall)"]
    print(f"view: {view}; medians of {repeats} runs, seconds (project (rdflib): one run)")
    print("| target | nodes | edges | page MiB | " + " | ".join(cols) + " |")
    print("|---:" * (4 + len(cols)) + "|")
    for n, nodes, edges, mib, med in rows:
        print(f"| {n} | {nodes} | {edges} | {mib:.1f} | " + " | ".join(f"{med[c]:.2f}" for c in cols) + " |")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--sizes", type=int, nargs="+", default=[1000, 5000])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--view", default="actors", choices=["countries", "actors", "full"])
    args = ap.parse_args()
    run(args.sizes, args.repeats, args.view)


if __name__ == "__main__":
    main()
