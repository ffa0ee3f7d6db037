"""Smoke tests of benchmarks/run.py (the quick run at 10k triples completes and writes its tables) and
of benchmarks/attacks.py (the quick run prints its tables, with the cheap-query and RSS numbers).

No timing is asserted (speed belongs to the benchmark's own report); this only checks that every
backend was opened, every query measured on every backend, and the report has its sections.
"""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest

pytestmark = [pytest.mark.slow, pytest.mark.server]

ROOT = Path(__file__).resolve().parents[1]


def bench_module():
    """benchmarks/run.py, imported as a module (it is a script, not part of the package)."""
    import importlib.util

    spec = importlib.util.spec_from_file_location("bench_run", ROOT / "benchmarks" / "run.py")
    assert spec is not None and spec.loader is not None
    bench = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(bench)
    return bench


def test_quick_benchmark_runs_at_10k(tmp_path):
    out, raw = tmp_path / "RESULTS.md", tmp_path / "raw.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "run.py"),
            "--quick",
            "--sizes",
            "10k",
            "--repeat",
            "1",
            "--tp-seconds",
            "0.5",
            "--cli-sizes",
            "none",
            "--cli-repeat",
            "1",
            "--out",
            str(out),
            "--json",
            str(raw),
            "--workdir",
            str(tmp_path / "work"),
        ],
        capture_output=True,
        text=True,
        timeout=600,
        cwd=ROOT,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    text = out.read_text()
    for heading in (
        "## Machine",
        "## Corpora",
        "## Load and memory per backend",
        "## The project's files into Oxigraph",
        "## Query latency (median)",
        "## Our overhead over pyoxigraph",
        "## Endpoint throughput",
        "## Views and HTML pages",
        "## Whole-process commands",
        "## Targets",
    ):
        assert heading in text
    data = json.loads(raw.read_text())
    # Every command an analyst types was timed whole-process on the real graph, serve until ready.
    timed = {
        "query country-partners",
        "validate",
        "viz",
        "build",
        "stats",
        "entity find",
        "export full (gexf)",
        "serve (ready)",
    }
    assert set(data["cli"]) == timed
    for name, entry in data["cli"].items():
        assert len(entry.get("times", ())) == 1, (name, entry)
    (size,) = data["sizes"]
    assert 7_000 < size["quads"] < 13_000
    # The files were loaded both ways, each in its own process; the native load holds more quads
    # than the files (the default graph is the merge of the sources' graphs, plus derived edges).
    raw, native = size["native_load"]["raw"], size["native_load"]["native"]
    assert len(raw["times"]) == len(native["times"]) == 1 and raw["rss"] and native["rss"]
    assert 7_000 < raw["quads"] < native["quads"]
    names = {q for b in size["backends"].values() for q in b["queries"]}
    assert (
        "lookup:evidence (typical)" in names
        and "lookup:partners (busiest)" in names
        and any(n.startswith("checks/") for n in names)
    )
    # A query whose parameters are optional is timed bound and unbound ("NAME (all)"), and
    # unbound it answers for every mission, so with more rows; evidence needs its entity.
    assert "payload-partners (all)" in names and "evidence (all)" not in names
    queries = size["backends"]["oxigraph"]["queries"]
    assert queries["payload-partners (all)"]["rows"] > queries["payload-partners"]["rows"] > 0
    for backend, entry in size["backends"].items():
        assert "error" not in entry, (backend, entry.get("error"))
        assert set(entry["queries"]) == names, backend
        for name, q in entry["queries"].items():
            # rdflib may run out of time on an unbound query (it is then reported as "> limit")
            if not (backend == "memory" and name.endswith(" (all)")):
                assert "times" in q, (backend, name, q)
    # Every backend counted the same rows for every query.
    for name in names:
        entries = [e["queries"][name] for e in size["backends"].values()]
        counted = {q["rows"] for q in entries if "rows" in q}
        assert len(counted) == 1, name
    # Both endpoints answered the mix from the one compiled store, spacecoop with and without its
    # answer cache, and without an error.
    tp = size["throughput"]
    assert set(tp) == {
        "oxigraph serve-read-only",
        "spacecoop serve (no answer cache)",
        "spacecoop serve (answer cache, the default)",
    }
    for name, r in tp.items():
        assert r.get("qps", 0) > 0 and r["errors"] == 0, (name, r)
    # Every view projected on both in-process engines, and each page written.
    for backend in ("memory", "oxigraph"):
        stages = size["backends"][backend]["stages"]
        for view in ("countries", "actors", "full"):
            assert stages[f"project {view}"]["edges"] > 0, (backend, view)
            assert stages[f"html {view}"]["bytes"] > 0, (backend, view)


@pytest.mark.skipif(
    not Path("/proc/self/status").exists(), reason="reads the servers' memory from Linux /proc"
)
def test_quick_attack_benchmark_prints_its_table(tmp_path):
    """benchmarks/attacks.py --quick: every attack ran on spacecoop serve and on Oxigraph, with numbers."""
    raw = tmp_path / "raw.json"
    proc = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "attacks.py"),
            "--quick",
            "--json",
            str(raw),
            "--workdir",
            str(tmp_path / "work"),
        ],
        capture_output=True,
        text=True,
        timeout=400,
        cwd=ROOT,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr[-2000:]
    for heading in (
        "## (a) A cheap query while N clients loop a slow query",
        "## (b) Memory under the cache attack",
        "## (c) Memory under large answers",
        "## (d) Throughput, no attack",
    ):
        assert heading in proc.stdout
    targets = json.loads(raw.read_text())["targets"]
    for key in ("new-disk", "oxigraph"):
        cheap = targets[key]["a"]["2"]  # N = the default two workers
        assert cheap["requests"] >= 1 and cheap["p50"] > 0 and cheap["max"] >= cheap["p50"], (key, cheap)
        assert targets[key]["b"]["queries"] > 0 and targets[key]["b"]["peak"] > 10 * 2**20, key
        assert targets[key]["c"]["peak"] > 10 * 2**20 and targets[key]["c"]["statuses"], key
        assert f"| {key} | 2 | " in proc.stdout  # its row in table (a)
    assert targets["base-disk"]["d"]["qps"] > 0 and targets["oxigraph"]["d"]["qps"] > 0


def test_the_benchmark_edit_changes_one_quote_of_one_claim(tmp_path):
    """The "after an edit" timings follow a real change to the data: one claim's quote, and
    nothing else (a later edit replaces the earlier one's mark rather than piling up)."""
    from rdflib import Dataset

    from spacecoop.core.namespaces import SC
    from spacecoop.importers.synth import write_corpus

    bench = bench_module()
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 3, 1, root=ROOT)

    def quads(path):
        ds = Dataset()
        ds.parse(path, format="trig")
        return set(ds.quads())

    path = sorted((corpus / "graph" / "sources").glob("*.trig"))[-1]
    before = quads(path)
    assert bench.edit_one_source(corpus, 1) == path
    assert bench.edit_one_source(corpus, 2) == path
    after = quads(path)
    (old,), (new,) = before - after, after - before
    assert old[:2] == new[:2] and old[3] == new[3] and new[1] == SC.quote
    assert str(new[2]) == "(edit 2) " + str(old[2])


def test_the_benchmark_sheet_is_added_to_any_synthetic_corpus(tmp_path):
    """The "add" timing is of a sheet that adds a fact: every synthetic corpus knows its names,
    and the fact it would write is Peru's membership of the Artemis Accords, nothing written."""
    from spacecoop.importers.sheet import add_sheet
    from spacecoop.importers.synth import write_corpus

    bench = bench_module()
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 3, 7, root=ROOT)
    sheet = tmp_path / "one-fact.csv"
    sheet.write_text(bench.ONE_FACT_SHEET, encoding="utf-8")
    before = sorted(p.name for p in (corpus / "graph" / "sources").iterdir())
    res = add_sheet(sheet, corpus, dry_run=True)
    assert res.facts == 1 and res.dry_run
    text = res.data.decode("utf-8")
    assert "<country/peru>" in text and "<initiative/artemis-accords>" in text and "org:member" in text
    assert sorted(p.name for p in (corpus / "graph" / "sources").iterdir()) == before


def test_the_throughput_run_says_what_each_error_was(tmp_path):
    """An endpoint that stops some queries at its time limit: the run counts them as errors by
    their HTTP status, beside the answered ones (the report's note column)."""
    import threading
    import urllib.parse
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    bench = bench_module()

    class Endpoint(BaseHTTPRequestHandler):
        def do_POST(self):
            body = self.rfile.read(int(self.headers["Content-Length"])).decode()
            slow = "slow" in urllib.parse.parse_qs(body)["query"][0]
            answer = b"too long" if slow else b'{"head":{"vars":[]},"results":{"bindings":[]}}'
            self.send_response(504 if slow else 200)
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Endpoint)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        url = f"http://127.0.0.1:{server.server_address[1]}/query"
        r = bench.throughput(url, ["ASK {}", "ASK { slow }"], 0.5, 2)
    finally:
        server.shutdown()
        server.server_close()
    assert r["qps"] > 0 and r["errors"] > 0
    assert r["error_kinds"] == {"HTTP 504": r["errors"]}
    assert bench.error_kinds(r) == f"HTTP 504 ×{r['errors']}"
    assert bench.error_kinds({"errors": 0, "error_kinds": {}}) == ""


def test_named_graphs_benchmark_gives_the_same_rows_with_and_without_the_list():
    """benchmarks/named_graphs.py exits 1 when a query's rows differ between the two datasets; its
    last column says which texts a sparql: store sends with the named-graph list."""
    proc = subprocess.run(
        [sys.executable, str(ROOT / "benchmarks" / "named_graphs.py"), "--sources", "8", "--repeat", "1"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stdout + proc.stderr
    rows = {
        line.split(" | ")[0].strip("| "): line for line in proc.stdout.splitlines() if line.startswith("| ")
    }
    assert rows["country-partners"].endswith("| yes |")  # the one named query with a GRAPH pattern
    assert rows["bloc-timeline"].endswith("| no |")  # it says "graph" only in its comments
    assert "DIFFER" not in proc.stdout


def test_a_query_past_the_limit_is_reported_and_the_other_steps_still_measured(tmp_path):
    """An Oxigraph query cannot be interrupted in its process: the worker that runs one past the
    limit is stopped, the query reported as "> limit", and another worker measures the queries
    after it, the raw runs and the views (before, the backend's remaining steps went unmeasured:
    at 1M triples 26 of 36 queries and every view on Oxigraph)."""
    from spacecoop.core.load import load_dataset
    from spacecoop.importers.synth import write_corpus
    from spacecoop.store import layout_nquads

    bench = bench_module()
    corpus = tmp_path / "corpus"
    write_corpus(corpus, 3, 1, root=ROOT)
    nquads = tmp_path / "layout.nq"
    nquads.write_text("".join(layout_nquads(load_dataset(corpus))), encoding="utf-8")
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    endless = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i . ?j ?k ?l }"
    names = ("before", "endless", "after")
    job = {
        "backend": "oxigraph",
        "root": str(corpus),
        "nquads": str(nquads),
        "limit": 1.0,
        "runs": 1,
        "queries": [
            {"name": name, "text": text, "variants": {}, "params": {}}
            for name, text in zip(names, (count, endless, count), strict=True)
        ],
        "triples": 0,
    }
    measured: dict = {"queries": {}}
    bench.measure_backend("test", job, measured, 120, tmp_path)
    assert "error" not in measured, measured.get("error")
    queries = measured["queries"]
    assert queries["endless"] == {"name": "endless", "timeout": 1.0}
    for name in ("before", "after"):  # the query after the endless one was measured too
        assert queries[name]["rows"] == 1 and len(queries[name]["times"]) == 1, queries[name]
    # the raw runs of the measured queries, not of the one past the limit
    assert set(measured["raw"]) == {"before", "after"}
    stages = measured["stages"]
    for view in bench.VIEWS:
        assert stages[f"project {view}"]["edges"] > 0 and stages[f"html {view}"]["bytes"] > 0, view


def test_the_endpoint_mix_binds_parameters_as_the_stores_do():
    """The mix sent to both endpoints asks what ``spacecoop query`` asks: the Oxigraph variant,
    parameters bound by a VALUES clause opening the WHERE group (a clause after the query made
    one query of the mix 60x slower at 1M triples and ran into the limit), and no query that took
    over 1 s on pyoxigraph or whose answer the endpoint refuses for its size (400 by design)."""
    from rdflib.util import from_n3

    from spacecoop.endpoint.config import DEFAULT_MAX_ROWS
    from spacecoop.sparql.parse import bind_values, parse_query, values_clause

    bench = bench_module()
    mission = "<https://w3id.org/spacecoop/id/mission/chang-e-7>"
    queries = bench.queries_for(ROOT, {"mission": mission, "entity": mission, "typical": mission})
    by_name = {q["name"]: q for q in queries}
    slow_one, large_one = "payload-countries-and-initiative (all)", "country-partners"
    measured = {q["name"]: {"times": [5.0 if q["name"] == slow_one else 0.01], "rows": 10} for q in queries}
    measured[large_one]["rows"] = DEFAULT_MAX_ROWS + 1
    bodies, slow = bench.mix_bodies(queries, measured)
    assert sorted(slow) == sorted([slow_one, large_one]) and len(bodies) == len(queries) - 2
    measured[large_one]["rows"] = DEFAULT_MAX_ROWS  # the cap itself is served
    assert bench.mix_bodies(queries, measured)[1] == [slow_one]
    bound = by_name["payload-countries-and-initiative"]
    assert bound["params"] == {"mission": mission}
    text = bound["variants"].get("oxigraph", bound["text"])
    body = bind_values(text, {"mission": from_n3(mission)})
    assert body in bodies
    # the clause opens the WHERE group (where the parser finds its brace), not after the query
    clause = values_clause({"mission": from_n3(mission)})
    opens = parse_query(text).where_start
    assert opens is not None and body.index(clause) == opens + 2
    assert body.count(clause) == 1 and not body.rstrip().endswith(clause)


def test_each_raw_run_follows_one_of_ours():
    """The overhead over pyoxigraph compares runs made side by side: each run sent straight to the
    engine right after one of ours (run as two sets, the ratio moved by 20 points with the order),
    each announced under its own name so that the parent stops the right step at the limit."""
    import pyoxigraph as ox

    from spacecoop.store import OxigraphStore

    bench = bench_module()
    store = OxigraphStore()
    for i in range(3):
        store.store.add(ox.Quad(ox.NamedNode(f"urn:s{i}"), ox.NamedNode("urn:p"), ox.Literal(str(i))))
    text = "SELECT ?s ?o WHERE { ?s <urn:p> ?o }"
    announced: list[str] = []
    times, rows, raw_times = bench._time_query(
        store, text, None, 3, True, on_run=announced.append, raw=(store.store, text, "raw:q")
    )
    assert rows == 3 and len(times) == len(raw_times) == 3
    assert announced == ["", "raw:q"] * 4  # the warm-up of each, then three pairs
    # without raw: ours only, as for every other backend
    announced.clear()
    times, rows, raw_times = bench._time_query(store, text, None, 2, False, on_run=announced.append)
    assert (len(times), rows, raw_times, announced) == (2, 3, [], ["", ""])


def test_the_degree_benchmark_looks_up_the_subject_it_describes(tmp_path, capsys):
    """benchmarks/degree.py: the busy subject holds its label and DEGREE quads in named graphs of
    their own, beside OTHERS labelled subjects, in memory and on disk alike; its table has one row
    per (others, degree) with four times."""
    import importlib.util

    import pyoxigraph as ox

    spec = importlib.util.spec_from_file_location("bench_degree", ROOT / "benchmarks" / "degree.py")
    assert spec is not None and spec.loader is not None
    degree = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(degree)
    for where in ("memory", "disk"):
        store, s, label = degree.build(where, str(tmp_path / where), 25, 40)
        mine = list(store.quads_for_pattern(s, None, None, None))
        assert len(mine) == 26
        assert len({q.graph_name for q in mine if q.predicate != label}) == 25  # a graph each
        assert [q.object.value for q in store.quads_for_pattern(s, label, None, ox.DefaultGraph())] == ["S"]
        assert len(list(store.quads_for_pattern(None, label, None, None))) == 41
        del store
    assert degree.main(["--degrees", "5", "30", "--others", "0", "--lookups", "2", "--repeat", "1"]) == 0
    rows = [line for line in capsys.readouterr().out.splitlines() if line.startswith("| 0 |")]
    assert [r.split(" | ")[1] for r in rows] == ["6", "31"]
    for r in rows:
        assert all(float(cell) > 0 for cell in r.strip("| ").split(" | ")[2:])


def test_a_lower_bound_of_a_ratio_is_not_reported_as_a_miss():
    """rdflib past the limit gives a ratio's lower bound: under 20× it leaves the target not
    known (it was reported as missed); a measured ratio under 20× misses it whatever the bounds."""
    bench = bench_module()
    row = bench.speedup_row
    past = {"timeout": 30.0}
    assert row("1M", {"q": past}, {"q": {"times": [8.0, 8.2, 7.9]}}).endswith(
        "slowest ratio >3.8× (q: rdflib past the limit) | not known |"
    )
    # a measured miss is a miss, even beside a lower bound that is smaller still
    both = row("1M", {"q": past, "r": {"times": [1.0]}}, {"q": {"times": [8.0]}, "r": {"times": [0.1]}})
    assert both.endswith("slowest ratio 10.0× (r) | NO |")
    # bounds and measured ratios all over 20×: met, the slowest shown as what it is
    met = row("1M", {"q": past, "r": {"times": [3.0]}}, {"q": {"times": [1.0]}, "r": {"times": [0.1]}})
    assert met.endswith("slowest ratio >30.0× (q: rdflib past the limit) | yes |")
    assert row("1M", {"q": {"times": [2.0]}}, {"q": {"times": [0.05]}}).endswith("40.0× (q) | yes |")
    # nothing measured on both engines: no row
    assert row("1M", {"q": {"error": "x"}}, {"q": {"times": [1.0]}}) == ""
    assert row("1M", {}, {"q": {"times": [1.0]}}) == ""
