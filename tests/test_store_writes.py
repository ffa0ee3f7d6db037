"""Writes that never leave a mix (issue 10): `load` into a `sparql:` store keeps a manifest,
marks the dataset incomplete until its last step, drops only graphs it wrote and never writes the
server's default graph; `oxigraph:PATH` reloads build beside and swap; store specs fail as one
clear line and never echo credentials.

Servers are real (`oxigraph serve` on 127.0.0.1); failures are made by a small loopback proxy in
front of it (refusing, dropping or holding requests) or by SIGKILL of a real `spacecoop load`."""

from __future__ import annotations

import base64
import contextlib
import http.client
import json
import os
import signal
import socket
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Self
from urllib.parse import parse_qs, urlsplit

import pytest
from rdflib import BNode, Dataset, Literal, URIRef
from test_store import ROOT, expected_sizes, free_port, named_graph_sizes, oxigraph_server

from spacecoop.cli.app import main
from spacecoop.core.errors import SpacecoopError, UsageError
from spacecoop.core.namespaces import ONTOLOGY_GRAPH
from spacecoop.store import (
    MANIFEST_GRAPH,
    UNION_GRAPH,
    OxigraphStore,
    SparqlStore,
    open_store,
    parse_store_spec,
    remove_stale_siblings,
)

pytestmark = [pytest.mark.server]

FOREIGN = "http://example.org/not-spacecoop/graph"
QUERY = "country-partners"  # a named query with rows on the real data


def run(capsys, *args: str) -> tuple[int, str, str]:
    code = main(["--root", str(ROOT), *args])
    out, err = capsys.readouterr()
    return code, out, err


def put_graph(base: str, graph: str | None, ntriples: str) -> None:
    target = f"{base}/store?" + (
        "default" if graph is None else "graph=" + urllib.request.quote(graph, safe="")
    )
    req = urllib.request.Request(
        target, data=ntriples.encode(), method="PUT", headers={"Content-Type": "application/n-triples"}
    )
    with urllib.request.urlopen(req, timeout=10) as resp:
        assert resp.status in (200, 201, 204)


def get_graph(base: str, graph: str | None) -> tuple[int, str]:
    target = f"{base}/store?" + (
        "default" if graph is None else "graph=" + urllib.request.quote(graph, safe="")
    )
    req = urllib.request.Request(target, headers={"Accept": "application/n-triples"})
    try:
        with urllib.request.urlopen(req, timeout=10) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as exc:
        return exc.code, ""


# -- a loopback proxy in front of the real server -----------------------------------------------------


class Proxy:
    """Forward every request to ``upstream``; optionally refuse default-graph PUTs (403), drop the
    connection on every graph PUT after the first ``drop_after``, or hold those PUTs until
    ``release`` is set. Records each request's method, target and Authorization header."""

    def __init__(
        self,
        upstream: str,
        *,
        refuse_default: bool = False,
        drop_after: int | None = None,
        hold_after: int | None = None,
    ) -> None:
        self.upstream = urlsplit(upstream)
        self.refuse_default = refuse_default
        self.drop_after, self.hold_after = drop_after, hold_after
        self.release = threading.Event()
        self.held = threading.Event()
        self.requests: list[tuple[str, str, str | None]] = []
        self.graph_puts = 0
        self.lock = threading.Lock()
        proxy = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args):
                pass

            def _forward(self):
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else None
                params = parse_qs(urlsplit(self.path).query, keep_blank_values=True)
                with proxy.lock:
                    proxy.requests.append((self.command, self.path, self.headers.get("Authorization")))
                    graph_put = self.command == "PUT" and "graph" in params
                    if graph_put:
                        proxy.graph_puts += 1
                    n = proxy.graph_puts
                if self.command == "PUT" and "default" in params and proxy.refuse_default:
                    self._reply(403, b"writing the default graph is not allowed here", "text/plain")
                    return
                if graph_put and proxy.drop_after is not None and n > proxy.drop_after:
                    self._drop()
                    return
                if graph_put and proxy.hold_after is not None and n > proxy.hold_after:
                    proxy.held.set()
                    proxy.release.wait(60)
                    self._drop()
                    return
                conn = http.client.HTTPConnection(proxy.upstream.hostname, proxy.upstream.port, timeout=30)
                headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept")}
                conn.request(self.command, self.path, body=body, headers=headers)
                resp = conn.getresponse()
                data = resp.read()
                conn.close()
                self._reply(resp.status, data, resp.getheader("Content-Type", "text/plain"))

            def _drop(self):
                self.close_connection = True
                with contextlib.suppress(OSError):
                    self.connection.shutdown(socket.SHUT_RDWR)

            def finish(self):
                with contextlib.suppress(OSError):
                    super().finish()

            def _reply(self, status, data, ctype):
                self.send_response(status)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(data)))
                self.send_header("Connection", "close")
                self.end_headers()
                self.wfile.write(data)
                self.close_connection = True

            do_GET = do_POST = do_PUT = do_DELETE = _forward

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"

    def __enter__(self) -> Self:
        threading.Thread(target=self.server.serve_forever, daemon=True).start()
        return self

    def __exit__(self, *exc) -> None:
        self.release.set()
        self.server.shutdown()
        self.server.server_close()

    def spec(self) -> str:
        return f"sparql:{self.url}/query,gsp={self.url}/store"


@pytest.fixture
def server(tmp_path):
    with oxigraph_server(tmp_path / "db") as url:
        yield url


# -- sparql: what a reload may drop --------------------------------------------------------------------


def test_a_reload_drops_only_graphs_of_the_previous_load(full_ds, server, capsys):
    put_graph(server, FOREIGN, '<http://example.org/a> <http://example.org/b> "kept" .\n')
    put_graph(server, None, '<http://example.org/a> <http://example.org/b> "kept too" .\n')
    spec = f"sparql:{server}"
    assert run(capsys, "--store", spec, "load")[0] == 0
    store = open_store(spec)
    small = Dataset(default_union=True)
    for t in full_ds.graph(ONTOLOGY_GRAPH):
        small.graph(ONTOLOGY_GRAPH).add(t)
    store.load(small)  # the sources' graphs leave the dataset and are dropped ...
    assert named_graph_sizes(store) == {str(ONTOLOGY_GRAPH): len(full_ds.graph(ONTOLOGY_GRAPH))}
    source = next(g for g in expected_sizes(full_ds) if "/source/" in g)
    assert get_graph(server, source)[0] == 404
    assert run(capsys, "--store", spec, "load")[0] == 0
    # ... but a graph no load wrote, and the server's own default graph, are never touched
    assert get_graph(server, FOREIGN) == (200, '<http://example.org/a> <http://example.org/b> "kept" .\n')
    assert "kept too" in get_graph(server, None)[1]
    # and queries see exactly the dataset: neither the foreign graph nor the manifest nor the merge
    assert named_graph_sizes(store) == expected_sizes(full_ds)
    text = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert store.query(text) == open_store("memory", full_ds).query(text)
    assert not store.query('ASK { ?s ?p "kept too" }').boolean
    manifest = store.read_manifest()
    assert manifest.complete and set(map(str, manifest.graphs)) == set(expected_sizes(full_ds))
    assert MANIFEST_GRAPH not in manifest.graphs and UNION_GRAPH not in manifest.graphs
    store.close()


def test_loading_never_writes_the_default_graph_so_a_server_that_refuses_it_works(full_ds, server, capsys):
    # Virtuoso refuses Graph Store writes to its default graph: the proxy answers 403 to them.
    with Proxy(server, refuse_default=True) as proxy:
        code, _, err = run(capsys, "--store", proxy.spec(), "load")
        assert (code, err) == (0, ""), err
        assert not [
            r
            for r in proxy.requests
            if r[0] == "PUT" and "default" in parse_qs(urlsplit(r[1]).query, keep_blank_values=True)
        ]
        on_proxy = run(capsys, "--store", proxy.spec(), "query", QUERY)
    in_memory = run(capsys, "--store", "memory", "query", QUERY)
    direct = run(capsys, "--store", f"sparql:{server}", "query", QUERY)
    assert on_proxy == in_memory == direct
    assert in_memory[0] == 0 and in_memory[1].count("\n") > 3


# -- sparql: interrupted loads -------------------------------------------------------------------------


def assert_refused_as_incomplete(capsys, spec: str) -> None:
    for verb in (["query", QUERY], ["stats"], ["query", "--format", "csv", "evidence", "-p", "entity=ILRS"]):
        code, out, err = run(capsys, "--store", spec, *verb)
        assert code == 2, (verb, out)
        assert err.count("\n") == 1 and "Traceback" not in err, err
        assert "holds an incomplete load" in err and "run spacecoop load again" in err, err
        assert out == ""


def test_a_load_cut_off_midway_is_refused_until_a_load_completes(server, capsys):
    spec = f"sparql:{server}"
    assert run(capsys, "--store", spec, "load")[0] == 0
    before = run(capsys, "--store", spec, "query", QUERY)
    assert before[0] == 0 and before[1].count("\n") > 3
    with Proxy(server, drop_after=5) as proxy:  # the connection dies at the sixth graph
        code, _, err = run(capsys, "--store", proxy.spec(), "load")
    assert code == 2 and err.count("\n") == 1, err
    assert "closed the connection" in err and "marked incomplete" in err, err
    assert_refused_as_incomplete(capsys, spec)
    assert run(capsys, "--store", spec, "load")[0] == 0
    assert run(capsys, "--store", spec, "query", QUERY) == before


def test_a_load_killed_with_sigkill_is_refused_until_a_load_completes(server, capsys, tmp_path):
    spec = f"sparql:{server}"
    assert run(capsys, "--store", spec, "load")[0] == 0
    before = run(capsys, "--store", spec, "query", QUERY)
    with Proxy(server, hold_after=3) as proxy:
        proc = subprocess.Popen(
            [sys.executable, "-m", "spacecoop", "--root", str(ROOT), "--store", proxy.spec(), "load"],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        try:
            assert proxy.held.wait(60), "the load never reached its fourth graph"
            proc.send_signal(signal.SIGKILL)
            proc.wait(10)
        finally:
            if proc.poll() is None:
                proc.kill()
                proc.wait()
    assert proc.returncode == -signal.SIGKILL
    assert_refused_as_incomplete(capsys, spec)
    assert run(capsys, "--store", spec, "load")[0] == 0
    assert run(capsys, "--store", spec, "query", QUERY) == before


def test_data_without_a_manifest_is_refused_and_an_empty_server_says_how_to_fill_it(server, capsys):
    spec = f"sparql:{server}"
    code, _, err = run(capsys, "--store", spec, "stats")
    assert code == 2 and "holds no data; fill it first" in err
    # what an older spacecoop, or another program, left there
    put_graph(
        server,
        "https://w3id.org/spacecoop/id/source/x",
        '<http://example.org/a> <http://example.org/b> "1" .\n',
    )
    code, out, err = run(capsys, "--store", spec, "query", QUERY)
    assert (code, out) == (2, "") and err.count("\n") == 1
    assert "holds data but no spacecoop manifest" in err and "run spacecoop load" in err


def test_a_reader_notices_a_load_that_starts_after_it_opened(full_ds, server):
    reader = open_store(f"sparql:{server}", full_ds)
    assert reader.query("ASK { ?s ?p ?o }").boolean
    put_graph(
        server,
        str(MANIFEST_GRAPH),
        (
            f"<{MANIFEST_GRAPH}> <https://schema.org/actionStatus> "
            "<https://schema.org/ActiveActionStatus> .\n"
            f"<{MANIFEST_GRAPH}> <http://www.w3.org/ns/prov#startedAtTime> "
            '"2026-12-02T09:00:00+00:00"^^<http://www.w3.org/2001/XMLSchema#dateTime> .\n'
        ),
    )
    with pytest.raises(SpacecoopError, match=r"incomplete load \(started 2026-12-02T09:00:00\+00:00"):
        reader.query("ASK { ?s ?p ?o }")
    reader.close()


GRAPHS_QUERY = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"


def _graphs_seen(store) -> set[str]:
    return {str(row[0]) for row in store.query(GRAPHS_QUERY).rows}


def test_a_reader_reads_the_list_of_graphs_once_per_load_and_sees_each_new_load(full_ds, server):
    """Each query reads the manifest's head; the list of graphs (7,000 rows at 1M triples) only
    when the head names another load. Two loads in the same second list different graphs."""
    writer = open_store(f"sparql:{server}")
    small = Dataset(default_union=True)
    for t in full_ds.graph(ONTOLOGY_GRAPH):
        small.graph(ONTOLOGY_GRAPH).add(t)
    writer.load(small)
    reader = open_store(f"sparql:{server}")
    full_reads: list[int] = []
    real = reader.read_manifest
    reader.read_manifest = lambda: full_reads.append(1) or real()  # type: ignore[method-assign]
    assert _graphs_seen(reader) == {str(ONTOLOGY_GRAPH)}
    assert _graphs_seen(reader) == {str(ONTOLOGY_GRAPH)}
    assert reader.query("ASK { ?s ?p ?o }").boolean  # no GRAPH: the head is all it reads
    assert len(full_reads) == 1
    writer.load(full_ds)  # another load, within the same second as likely as not
    assert _graphs_seen(reader) == set(expected_sizes(full_ds))  # never the first load's list
    assert _graphs_seen(reader) == set(expected_sizes(full_ds))
    assert len(full_reads) == 2
    writer.load(small)
    assert _graphs_seen(reader) == {str(ONTOLOGY_GRAPH)} and len(full_reads) == 3
    reader.close()
    writer.close()


def test_a_manifest_that_names_no_load_is_read_whole_before_each_query(server):
    """A manifest written before loads were named: its list of graphs is read before every
    query that may name a graph, as it was."""
    graph = "https://w3id.org/spacecoop/id/source/x"
    put_graph(server, graph, '<http://example.org/a> <http://example.org/b> "1" .\n')
    put_graph(
        server,
        str(MANIFEST_GRAPH),
        f"<{MANIFEST_GRAPH}> <https://schema.org/actionStatus> <https://schema.org/CompletedActionStatus> .\n"
        f"<{MANIFEST_GRAPH}> <http://purl.org/dc/terms/hasPart> <{graph}> .\n",
    )
    reader = open_store(f"sparql:{server}")
    full_reads: list[int] = []
    real = reader.read_manifest
    reader.read_manifest = lambda: full_reads.append(1) or real()  # type: ignore[method-assign]
    assert _graphs_seen(reader) == {graph}
    assert _graphs_seen(reader) == {graph}
    assert len(full_reads) == 2
    reader.close()


def test_a_manifest_with_no_head_is_still_an_incomplete_load(server):
    """A manifest graph that holds only its list of graphs (no status): refused as an incomplete
    load, as when the whole manifest was read before each query, not as data with no manifest."""
    graph = "https://w3id.org/spacecoop/id/source/x"
    put_graph(server, graph, '<http://example.org/a> <http://example.org/b> "1" .\n')
    put_graph(
        server, str(MANIFEST_GRAPH), f"<{MANIFEST_GRAPH}> <http://purl.org/dc/terms/hasPart> <{graph}> .\n"
    )
    reader = open_store(f"sparql:{server}")
    with pytest.raises(SpacecoopError, match="incomplete load"):
        reader.query("ASK { ?s ?p ?o }")
    reader.close()


def test_a_dataset_may_not_use_the_reserved_graph_names(server):
    bad = Dataset(default_union=True)
    bad.graph(MANIFEST_GRAPH).add(
        (URIRef("http://example.org/a"), URIRef("http://example.org/b"), Literal(1))
    )
    with pytest.raises(UsageError, match="reserves"):
        open_store(f"sparql:{server}").load(bad)


# -- oxigraph:PATH reloads build beside and swap --------------------------------------------------------


def siblings(path: Path) -> list[str]:
    return sorted(p.name for p in path.parent.iterdir() if p.name.startswith(path.name + "."))


def test_an_oxigraph_reload_that_fails_keeps_the_previous_store(full_ds, tmp_path, capsys):
    path = tmp_path / "store"
    spec = f"oxigraph:{path}"
    assert run(capsys, "--store", spec, "load")[0] == 0
    before = run(capsys, "--store", spec, "query", QUERY)
    assert before[0] == 0 and before[1].count("\n") > 3
    bad = Dataset(default_union=True)
    for q in full_ds.quads((None, None, None, None)):
        bad.add(q)
    bad.graph(URIRef("https://w3id.org/spacecoop/id/source/zz")).add(
        (URIRef("http://example.org/a b"), URIRef("http://example.org/p"), Literal(1))
    )  # Oxigraph refuses it
    store = OxigraphStore(str(path))
    with pytest.raises(SpacecoopError) as failed:
        store.load(bad)
    store.close()
    del store
    assert run(capsys, "--store", spec, "query", QUERY) == before
    assert "Invalid IRI" in str(failed.value) and "the store is unchanged" in str(failed.value)
    assert siblings(path) == []


SLOW_LOAD = """
import sys, time
from rdflib import Dataset
from spacecoop.core.load import load_dataset
from spacecoop.store import OxigraphStore

class Slow(Dataset):
    def quads(self, quad=None):
        for i, q in enumerate(super().quads(quad)):
            if i == 2000:
                open(sys.argv[2], "w").close()  # well into the load: now kill me
                time.sleep(600)
            yield q

ds = Slow(default_union=True)
for q in load_dataset(sys.argv[3]).quads((None, None, None, None)):
    ds.add(q)
OxigraphStore(sys.argv[1]).load(ds)
"""


def test_an_oxigraph_reload_killed_midway_keeps_the_previous_store(tmp_path, capsys):
    path = tmp_path / "store"
    spec = f"oxigraph:{path}"
    assert run(capsys, "--store", spec, "load")[0] == 0
    before = run(capsys, "--store", spec, "query", QUERY)
    marker = tmp_path / "midway"
    proc = subprocess.Popen(
        [sys.executable, "-c", SLOW_LOAD, str(path), str(marker), str(ROOT)],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.PIPE,
    )
    try:
        deadline = time.monotonic() + 120
        while not marker.exists():
            assert proc.poll() is None, proc.stderr.read().decode()[-2000:]
            assert time.monotonic() < deadline, "the load never got midway"
            time.sleep(0.05)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(10)
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
    assert run(capsys, "--store", spec, "query", QUERY) == before
    assert siblings(path), "the new store was not being built beside the old one"
    # the next load removes what the killed one left, and answers as before
    assert run(capsys, "--store", spec, "load")[0] == 0
    assert siblings(path) == []
    assert run(capsys, "--store", spec, "query", QUERY) == before


def test_a_crash_between_the_two_renames_puts_the_old_store_back(full_ds, tmp_path):
    # Where the system cannot exchange two names atomically, a swap is two renames; a crash
    # between them leaves PATH missing, the old store at PATH.old-PID-… and the new at PATH.new-….
    path = tmp_path / "store"
    open_store(f"oxigraph:{path}", full_ds).close()
    dead = 2**22 + 7  # above the default pid_max: no such process
    path.rename(path.with_name(f"store.old-{dead}-ab12"))
    (tmp_path / f"store.new-{dead}-cd34").mkdir()
    store = OxigraphStore(str(path))
    assert len(store) >= len(full_ds) - 1
    store.close()
    del store
    assert siblings(path) == [f"store.new-{dead}-cd34"]
    assert remove_stale_siblings(str(path)) == [str(tmp_path / f"store.new-{dead}-cd34")]
    assert siblings(path) == []


def test_a_sibling_of_a_running_load_is_left_alone(tmp_path):
    path = tmp_path / "store"
    path.mkdir()
    (tmp_path / f"store.new-{os.getppid()}-0a0a").mkdir()  # a live process: perhaps loading
    assert remove_stale_siblings(str(path)) == []
    assert siblings(path) == [f"store.new-{os.getppid()}-0a0a"]


# -- store specs ----------------------------------------------------------------------------------------

BAD_SPECS = [
    ("sparql:http://127.0.0.1:7878/query,timeout=nan", "timeout="),
    ("sparql:http://127.0.0.1:7878/query,timeout=inf", "timeout="),
    ("sparql:http://127.0.0.1:7878/query,timeout=-3", "timeout="),
    ("sparql:http://127.0.0.1:7878/query,timeout=1e300", "timeout="),
    ("sparql:http://127.0.0.1:7878/query,timeout=soon", "timeout="),
    ("sparql:http://127.0.0.1:99999", "port must be a number from 1 to 65535"),
    ("sparql:http://127.0.0.1:0/query", "port must be a number from 1 to 65535"),
    ("sparql:http://127.0.0.1:port/query", "malformed sparql: URL"),
    ("sparql:http://[::1", "Invalid IPv6 URL"),
    ("sparql:http://[::1]:7878/query,gsp=http://[::1", "malformed gsp= URL"),
    ("sparql:http://127.0.0.1:7878/query,gsp=ftp://h/store", "not an http(s) gsp= URL"),
    ("sparql:http://127.0.0.1:7878/query,colour=blue", "unknown option colour="),
    ("sparql:http://127.0.0.1:7878/query,timeout=5,timeout=6", "given twice"),
]


@pytest.mark.parametrize("spec, says", BAD_SPECS)
def test_a_bad_store_spec_is_one_clear_line(spec, says, capsys):
    with pytest.raises(UsageError):
        parse_store_spec(spec)
    code, out, err = run(capsys, "--store", spec, "stats")
    assert code == 2 and out == ""
    assert err.startswith("error: ") and err.count("\n") == 1, err
    assert says in err, err
    for bare in ("ValueError", "OverflowError", "Traceback", "TypeError"):
        assert bare not in err, err


def test_options_still_parse_and_a_comma_in_a_query_string_stays_in_the_url():
    spec = parse_store_spec("sparql:http://[::1]:7878/query,timeout=2.5")
    assert (spec.query_url, spec.timeout) == ("http://[::1]:7878/query", 2.5)
    spec = parse_store_spec("sparql:https://h/sparql?a=1,b=2,gsp=https://h/data")
    assert (spec.query_url, spec.gsp_url) == ("https://h/sparql?a=1,b=2", "https://h/data")
    with pytest.raises(UsageError, match="timeout"):
        SparqlStore("http://127.0.0.1:7878/query", timeout=float("inf"))


SECRET = "s3cret"


def test_credentials_are_never_echoed(server, capsys):
    dead = f"sparql:http://alice:{SECRET}@127.0.0.1:{free_port()}/query"
    port = urlsplit(server).port
    cases = [
        dead,  # cannot reach
        f"sparql:http://alice:{SECRET}@127.0.0.1:{port}",  # an empty store: "fill it first"
        f"sparql:http://alice:{SECRET}@127.0.0.1:99999/query",  # a bad port
        f"sparql:http://alice:{SECRET}@[::1/query",  # a bad IPv6 address
        "sparql:http://alice:s3cret/Pa55@127.0.0.1/query",  # a password with a slash
        f"sparql:http://alice:{SECRET}@127.0.0.1:{port}/query,timeout=nan",
        f"sparql:http://alice:{SECRET}@127.0.0.1:{port}/query,bogus=1",
        f"memory:http://alice:{SECRET}@h/",  # not a store at all
    ]
    for spec in cases:
        code, out, err = run(capsys, "--store", spec, "stats")
        assert code == 2 and err.count("\n") == 1, err
        assert SECRET not in out + err, err
    assert run(capsys, "--store", f"sparql:http://alice:{SECRET}@127.0.0.1:{port}", "load")[0] == 0
    assert SECRET not in capsys.readouterr().out
    spec = parse_store_spec(f"sparql:http://alice:{SECRET}@h/q,gsp=http://bob:{SECRET}@h/s")
    store = SparqlStore(spec.query_url, gsp_url=spec.gsp_url)
    for text in (repr(spec), str(spec), repr(store)):
        assert SECRET not in text, text


def test_credentials_in_the_url_are_sent_as_basic_authentication(server, capsys):
    with Proxy(server) as proxy:
        spec = proxy.spec().replace("http://", f"http://alice:{SECRET}@")
        assert run(capsys, "--store", spec, "load")[0] == 0
        assert run(capsys, "--store", spec, "query", QUERY)[0] == 0
    want = "Basic " + base64.b64encode(f"alice:{SECRET}".encode()).decode()
    assert proxy.requests and {auth for _, _, auth in proxy.requests} == {want}


def test_a_store_folder_behind_a_link_is_swapped_where_it_lives(full_ds, tmp_path):
    real = tmp_path / "real"
    link = tmp_path / "link"
    store = open_store(f"oxigraph:{real}", full_ds)
    store.close()
    del store
    link.symlink_to(real)
    store = OxigraphStore(str(link))
    store.load(full_ds)
    assert store.query("ASK { ?s ?p ?o }").boolean
    store.close()
    del store
    assert link.is_symlink() and link.resolve() == real.resolve()
    assert siblings(real) == [] and siblings(link) == []
    reopened = OxigraphStore(str(link), read_only=True)
    assert len(reopened) >= len(full_ds) - 1


def test_without_an_atomic_exchange_two_renames_swap_the_folders(full_ds, tmp_path, monkeypatch):
    # Where renameat2(RENAME_EXCHANGE) is missing (not Linux, or a file system without it), the
    # swap falls back to two renames; the result must be the same.
    import spacecoop.store.oxigraph as store_module

    monkeypatch.setattr(store_module, "exchange_paths", lambda a, b: False)
    path = tmp_path / "store"
    small = Dataset(default_union=True)
    for t in full_ds.graph(ONTOLOGY_GRAPH):
        small.graph(ONTOLOGY_GRAPH).add(t)
    store = open_store(f"oxigraph:{path}", small)
    assert named_graph_sizes(store) == {str(ONTOLOGY_GRAPH): len(full_ds.graph(ONTOLOGY_GRAPH))}
    store.load(full_ds)
    assert named_graph_sizes(store) == expected_sizes(full_ds)
    store.close()
    del store
    assert siblings(path) == []


class _FakeFront(BaseHTTPRequestHandler):
    """What the fake SPARQL fronts below share: one answer written whole, the cap said (as Virtuoso
    says it) where ``capped``, and no log lines."""

    cap = "3"

    def answer(self, status: int, ctype: str, body: bytes, capped: bool) -> None:
        self.send_response(status)
        self.send_header("Content-Type", ctype)
        if capped:
            self.send_header("X-SPARQL-MaxRows", type(self).cap)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def log_message(self, *args):
        pass


class _CappingStore(_FakeFront):
    """A SPARQL endpoint that answers three rows and says, as Virtuoso does, that it caps answers."""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        rows = [{"n": {"type": "literal", "value": str(i)}} for i in range(3)]
        body = json.dumps({"head": {"vars": ["n"]}, "results": {"bindings": rows}}).encode()
        self.answer(200, "application/sparql-results+json", body, capped=True)


@pytest.mark.parametrize("cap, refused", [("3", True), ("10000", False)])
def test_an_answer_the_store_cut_short_is_refused_not_used(cap, refused):
    """Virtuoso caps answers (10,000 rows by default) and says so only in X-SPARQL-MaxRows:
    `stats` once printed 10000 for a store of 11414. An answer that reaches the cap is refused."""
    from spacecoop.store import SparqlStore

    handler = type("Capping", (_CappingStore,), {"cap": cap})
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        store = SparqlStore(f"http://127.0.0.1:{srv.server_address[1]}/sparql")
        if refused:
            with pytest.raises(SpacecoopError, match="X-SPARQL-MaxRows"):
                store._post_query("SELECT ?n WHERE { ?s ?p ?n }", [], "SELECT")
        else:
            assert len(store._post_query("SELECT ?n WHERE { ?s ?p ?n }", [], "SELECT").rows) == 3
    finally:
        srv.shutdown()
        srv.server_close()


# -- sparql: what stats asks ------------------------------------------------------------------------


def test_stats_asked_over_http_are_what_the_copy_into_rdflib_counts(server, capsys, full_ds):
    """``stats`` asks the store's engine its counts (aggregates, GRAPH ?g, subqueries) instead of
    copying every quad into rdflib: over the SPARQL protocol, of Oxigraph's server, what Oxigraph
    in this process counts, and the triples the project's dataset holds. Each graph is written by
    a request of its own, so a triple with a blank node (the ontology has seven) is in the merge
    under another label: it was counted twice, in its graph and in the merge, and the copy into
    rdflib held it twice."""
    from spacecoop.publish.build import summarize, summarize_store

    spec = f"sparql:{server}"
    assert run(capsys, "--store", spec, "load")[0] == 0
    store, here = open_store(spec), open_store("oxigraph", full_ds)
    try:
        asked = summarize_store(store)
        assert asked == summarize_store(here) == summarize(store.to_dataset())
        assert asked.triples == summarize(full_ds).triples
        assert any(isinstance(t, BNode) for triple in full_ds.triples((None, None, None)) for t in triple)
    finally:
        store.close()
        here.close()
    code, out, err = run(capsys, "--store", spec, "stats")
    assert code == 0 and err == ""
    assert out.startswith(f"{asked.triples} triples ({asked.quads} quads in {asked.graphs} graphs)")
    assert dict(asked.claims_by_certainty)["stated"] > 0 and len(asked.sources) > 1


_BLANK_IN_DEFAULT = """
@prefix ex: <https://example.org/b/> .
ex:note ex:says [ ex:text "only in the default graph" ] .
ex:g1 { ex:a ex:has [ ex:text "in a graph" ] . ex:a ex:has [ ex:text "another" ] . }
ex:g2 { ex:b ex:has [ ex:text "in a graph" ] . ex:b ex:p ex:c . }
"""


def test_blank_nodes_over_http_are_counted_once_and_none_is_lost(server):
    """Blank nodes in named graphs and in the dataset's default graph, loaded over the SPARQL
    protocol: the summary counts each triple once, as the dataset has it, and the copy back into
    rdflib loses none (a default graph's own blank-node triples cannot be told from the copies of
    the graphs' there: they are all kept)."""
    from rdflib.compare import isomorphic

    from spacecoop.publish.build import summarize, summarize_store

    ds = Dataset(default_union=True)
    ds.parse(data=_BLANK_IN_DEFAULT, format="trig")
    store = open_store(f"sparql:{server}")
    try:
        store.load(ds)
        asked = summarize_store(store)
        back = store.to_dataset()
    finally:
        store.close()
    truth = summarize(ds)
    assert (
        (asked.triples, asked.quads, asked.graphs)
        == (truth.triples, truth.quads, truth.graphs)
        == (9, 9, 3)  # 2 triples in the default graph, 4 in ex:g1, 3 in ex:g2
    )
    for name in ("https://example.org/b/g1", "https://example.org/b/g2"):
        assert isomorphic(back.graph(URIRef(name)), ds.graph(URIRef(name)))
    assert len(back.default_graph) >= len(ds.default_graph)
    assert any(str(o) == "only in the default graph" for o in back.default_graph.objects())


def test_a_dataset_with_blank_nodes_in_graphs_only_comes_back_from_http_as_it_went(server):
    ds = Dataset(default_union=True)
    ds.parse(
        data=_BLANK_IN_DEFAULT.replace('ex:note ex:says [ ex:text "only in the default graph" ] .', ""),
        format="trig",
    )
    store = open_store(f"sparql:{server}")
    try:
        store.load(ds)
        back = store.to_dataset()
    finally:
        store.close()
    assert len(back.default_graph) == 0
    assert sorted(len(g) for g in back.graphs() if len(g)) == sorted(len(g) for g in ds.graphs() if len(g))


# -- sparql: a parameter that is no label -------------------------------------------------------------


def test_a_parameter_by_iso_code_or_with_a_typo_resolves_over_http(server, capsys, monkeypatch):
    """A value that is no label (an ISO code, pycountry's name, a typo) is looked up among the
    entities a SPARQL server holds as among rdflib's: the finder asks the server what it reads (one
    CONSTRUCT), never for a copy of every quad. (A remote store once got the label look-up alone:
    "CZ" was "no entity" over HTTP and Czechia on the compiled store.)"""
    from spacecoop.sparql.query import resolve_param

    spec = f"sparql:{server}"
    assert run(capsys, "--store", spec, "load")[0] == 0

    def copy_refused(self):
        raise AssertionError("the whole store was copied into rdflib")

    monkeypatch.setattr(SparqlStore, "to_dataset", copy_refused)
    store = open_store(spec)
    try:
        czech = URIRef("https://w3id.org/spacecoop/id/country/czech-republic")
        assert resolve_param(store, "CZ") == resolve_param(store, "Czechia") == czech
        with pytest.raises(UsageError, match=r"did you mean South Africa \(country:south-africa"):
            resolve_param(store, "South Afrika", name="p")
    finally:
        store.close()
    # and from the command line, a query parameter given by ISO code over the protocol
    code, out, err = run(capsys, "--store", spec, "query", "--format", "csv", "evidence", "-p", "entity=CZE")
    assert code == 0, err
    assert "czech-republic" in out


class _CapsGraphs(_FakeFront):
    """A front to a real Oxigraph server that passes every request on and marks each graph answer
    (CONSTRUCT, DESCRIBE) as cut at ``cap`` triples, as Virtuoso marks an answer at its cap."""

    upstream = ""
    cap = "5"

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0)))
        headers = {k: v for k, v in self.headers.items() if k.lower() in ("content-type", "accept")}
        req = urllib.request.Request(self.upstream + self.path, data=body, headers=headers, method="POST")
        try:
            with urllib.request.urlopen(req, timeout=30) as resp:
                status, ctype, data = resp.status, resp.headers.get("Content-Type", ""), resp.read()
        except urllib.error.HTTPError as err:
            status, ctype, data = err.code, err.headers.get("Content-Type", ""), err.read()
        self.answer(status, ctype, data, capped="triples" in ctype or "turtle" in ctype)


def test_a_parameter_no_label_fits_on_a_capped_store_says_the_other_look_up_was_refused(server, capsys):
    """A value that is no label is looked up by ISO code and close names with one CONSTRUCT of the
    entities; a store that caps answers (Virtuoso) cuts that one. The label look-up still answers
    the rest, and the message says why nothing else was tried: no traceback, no wrong match."""
    from spacecoop.sparql.query import resolve_param

    assert run(capsys, "--store", f"sparql:{server}", "load")[0] == 0
    handler = type("Caps", (_CapsGraphs,), {"upstream": server})
    front = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=front.serve_forever, daemon=True).start()
    try:
        store = open_store(f"sparql:http://127.0.0.1:{front.server_address[1]}/query")
        ilrs = resolve_param(store, "ILRS")  # a label: a SELECT, never capped here
        assert str(ilrs).endswith("/initiative/international-lunar-research-station")
        with pytest.raises(UsageError) as exc:
            resolve_param(store, "CZ", name="p")
        message = str(exc.value)
        assert "nothing has the label 'CZ'" in message
        assert "the look-up by ISO code and close names was refused by the store" in message
        assert "X-SPARQL-MaxRows" in message
        store.close()
    finally:
        front.shutdown()
        front.server_close()
