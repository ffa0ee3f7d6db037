"""The SPARQL endpoint (``spacecoop serve``), tested as a client sees it.

The fixtures start the REAL server as a subprocess (``python -m spacecoop serve --port 0``) on
127.0.0.1 and stop it afterwards; the tests talk to it with SPARQLWrapper (a real SPARQL client),
with plain HTTP (urllib, http.client) and with Chromium through Playwright. Nothing here touches any
address but 127.0.0.1: the "remote" IRIs in refused queries point at a canary server on 127.0.0.1
that counts the requests it gets, and the test asserts it got none.
"""

from __future__ import annotations

import http.client
import json
import os
import re
import statistics
import subprocess
import sys
import threading
import time
import urllib.error
import urllib.parse
import urllib.request
from html.parser import HTMLParser
from pathlib import Path

import pytest

# The server helpers live in tests/_servers.py; other modules import them from there.
from _servers import Server, _Canary, fetch, start_server, stop_server
from rdflib import Graph, Namespace, URIRef

from spacecoop.endpoint.guard import QueryRefused, check_query
from spacecoop.endpoint.negotiate import negotiate
from spacecoop.pages.chromium import has_chromium, launch_chromium

sys.path.insert(0, str(Path(__file__).resolve().parent))
# The expected answers below are read off the Chang'e-8 article: the servers serve the project
# without the imported table (tests/_article_only.py); tests/test_table.py covers the table.


# SPARQLWrapper 2.0 builds ConjunctiveGraphs when it parses RDF results (its code, not ours).
pytestmark = [
    pytest.mark.server,
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
    pytest.mark.filterwarnings("ignore:update operations MUST be done by POST:UserWarning"),
]

ROOT = Path(__file__).resolve().parents[1]
SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
TIMEOUT = 3  # the fixture server's per-query time limit, seconds
MAX_ROWS = 1000  # the fixture server's row cap (the dataset has about 1,800 quads)

CHEAP = "SELECT (COUNT(*) AS ?n) WHERE { ?p a <https://w3id.org/spacecoop/ns#Payload> }"
# A triple cross join: about 1,800^3 = 5.7e9 solutions, minutes on either engine.
EXPENSIVE = "SELECT (COUNT(*) AS ?n) WHERE { ?a ?b ?c . ?d ?e ?f . ?g ?h ?i }"


# ---------------------------------------------------------------------------------------------
# Fixtures: the real server, and a canary that counts requests that should never come


@pytest.fixture(scope="module")
def server(tmp_path_factory, article_root):
    """The endpoint with its default engine (Oxigraph), 2 workers, a 3 s limit and a 1,000-row cap."""
    s = start_server(
        tmp_path_factory.mktemp("serve") / "stderr.log",
        "--timeout",
        str(TIMEOUT),
        "--max-rows",
        str(MAX_ROWS),
        "--workers",
        "2",
        root=article_root,
    )
    yield s
    log = stop_server(s)
    assert "Traceback" not in log, log
    assert s.proc.returncode == 0, log


@pytest.fixture(scope="module")
def memory_server(tmp_path_factory, article_root):
    """The same endpoint over rdflib's engine (``--store memory``), with no answer cache."""
    s = start_server(
        tmp_path_factory.mktemp("serve-memory") / "stderr.log",
        "--timeout",
        str(TIMEOUT),
        "--workers",
        "2",
        "--cache-mb",
        "0",
        store="memory",
        root=article_root,
    )
    yield s
    log = stop_server(s)
    assert "Traceback" not in log, log


def get_query(server: Server, query: str, accept: str | None = None, **params):
    qs = urllib.parse.urlencode({"query": query, **params})
    return fetch("GET", f"{server.url}sparql?{qs}", headers={"Accept": accept} if accept else {})


def post_form(server: Server, data: dict, accept: str | None = None):
    body = urllib.parse.urlencode(data).encode()
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if accept:
        headers["Accept"] = accept
    return fetch("POST", f"{server.url}sparql", body, headers)


# ---------------------------------------------------------------------------------------------
# Checking and negotiation, in-process (no server)


REFUSED = {
    "update": ("INSERT DATA { <http://a> <http://b> <http://c> }", "read-only"),
    "load": ("LOAD <http://127.0.0.1:9/data.ttl>", "read-only"),
    "clear": ("CLEAR ALL", "read-only"),
    "service": ("SELECT * WHERE { SERVICE <http://127.0.0.1:9/sparql> { ?s ?p ?o } }", "SERVICE"),
    "service-silent": (
        "SELECT * WHERE { SERVICE SILENT <http://127.0.0.1:9/sparql> { ?s ?p ?o } }",
        "SERVICE",
    ),
    "service-in-subquery": (
        "SELECT * WHERE { ?x ?y ?z OPTIONAL { { SELECT ?s WHERE { "
        "SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } } } } }",
        "SERVICE",
    ),
    "service-in-exists": (
        "SELECT * WHERE { ?s ?p ?o FILTER EXISTS { SERVICE <http://127.0.0.1:9/> { ?s ?q ?r } } }",
        "SERVICE",
    ),
    "service-in-union-graph": (
        "ASK { { ?s ?p ?o } UNION { GRAPH ?g { SERVICE ?g { ?s ?p ?o } } } }",
        "SERVICE",
    ),
    "service-in-construct": (
        "CONSTRUCT { ?s ?p ?o } WHERE { SERVICE <http://127.0.0.1:9/> { ?s ?p ?o } }",
        "SERVICE",
    ),
    "from-file": ("SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }", "FROM"),
    "from-named": ("SELECT * FROM NAMED <http://127.0.0.1:9/g> WHERE { GRAPH ?g { ?s ?p ?o } }", "FROM"),
    "from-in-ask": ("ASK FROM <http://127.0.0.1:9/g> { ?s ?p ?o }", "FROM"),
    "from-in-describe": ("DESCRIBE ?s FROM <http://127.0.0.1:9/g> WHERE { ?s ?p ?o }", "FROM"),
    "malformed": ("SELECT * WHERE { ?s ?p }", "malformed SPARQL query: Expected"),
    "empty": ("", "malformed"),
}


@pytest.mark.parametrize("case", sorted(REFUSED))
def test_check_query_refuses(case):
    text, message = REFUSED[case]
    with pytest.raises(QueryRefused, match=re.escape(message)) as info:
        check_query(text)
    assert info.value.status == 400


def test_refusal_cases_are_all_there():
    assert len(REFUSED) == 15


@pytest.mark.parametrize(
    "text, kind",
    [
        ("SELECT * WHERE { ?s ?p ?o }", "SELECT"),
        ("PREFIX sc: <https://w3id.org/spacecoop/ns#> ASK { ?p a sc:Payload }", "ASK"),
        ("CONSTRUCT WHERE { ?s ?p ?o }", "CONSTRUCT"),
        ("DESCRIBE <https://w3id.org/spacecoop/id/country/china>", "DESCRIBE"),
        ("SELECT ?g WHERE { GRAPH ?g { ?s ?p ?o } }", "SELECT"),
        # a string that merely mentions SERVICE or FROM is fine
        ('SELECT * WHERE { ?s ?p "SERVICE <http://x> FROM <file:///etc/passwd>" }', "SELECT"),
    ],
)
def test_check_query_accepts(text, kind):
    assert check_query(text) == kind


@pytest.mark.parametrize(
    "kind, accept, fmt, expected",
    [
        ("SELECT", None, None, "json"),
        ("SELECT", "*/*", None, "json"),
        ("SELECT", "application/sparql-results+xml", None, "xml"),
        ("SELECT", "text/csv", None, "csv"),
        ("SELECT", "text/tab-separated-values", None, "tsv"),
        ("SELECT", "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8", None, "xml"),
        ("SELECT", "text/csv;q=0.5, text/tab-separated-values", None, "tsv"),
        ("SELECT", "text/*", None, "csv"),  # CSV/TSV are the text/* results; text/xml is an alias
        ("SELECT", "application/sparql-results+json;q=0, */*;q=0.1, application/*;q=0", None, "csv"),
        ("ASK", "application/sparql-results+json", None, "json"),
        ("SELECT", "text/csv", "json", "json"),
        ("SELECT", None, "application/sparql-results+xml", "xml"),
        ("CONSTRUCT", None, None, "turtle"),
        ("CONSTRUCT", "application/n-triples", None, "nt"),
        ("CONSTRUCT", "application/ld+json", None, "jsonld"),
        ("CONSTRUCT", "application/rdf+xml", None, "rdfxml"),
        ("DESCRIBE", "text/plain", None, "nt"),
        ("CONSTRUCT", None, "json-ld", "jsonld"),
        ("CONSTRUCT", None, "xml", "rdfxml"),
    ],
)
def test_negotiate(kind, accept, fmt, expected):
    assert negotiate(kind, accept, fmt) == expected


@pytest.mark.parametrize(
    "kind, accept, fmt, status",
    [
        ("SELECT", "text/turtle", None, 406),
        ("SELECT", "image/png", None, 406),
        ("SELECT", "text/csv;q=0", None, 406),
        ("CONSTRUCT", "text/csv;q=0", None, 406),
        ("CONSTRUCT", None, "csv", 406),
        ("SELECT", None, "yaml", 400),
    ],
)
def test_negotiate_refuses(kind, accept, fmt, status):
    with pytest.raises(QueryRefused) as info:
        negotiate(kind, accept, fmt)
    assert info.value.status == status


# ---------------------------------------------------------------------------------------------
# The SPARQL protocol over HTTP


def test_get_post_form_and_post_direct_agree(server):
    results = []
    s1, h1, b1 = get_query(server, CHEAP)
    s2, h2, b2 = post_form(server, {"query": CHEAP})
    s3, h3, b3 = fetch(
        "POST", f"{server.url}sparql", CHEAP.encode(), {"Content-Type": "application/sparql-query"}
    )
    for status, headers, body in ((s1, h1, b1), (s2, h2, b2), (s3, h3, b3)):
        assert status == 200, body
        assert headers["Content-Type"] == "application/sparql-results+json"
        results.append(json.loads(body)["results"]["bindings"][0]["n"]["value"])
    assert results == ["10", "10", "10"]


@pytest.mark.parametrize(
    "accept, media, check",
    [
        (
            "application/sparql-results+json",
            "application/sparql-results+json",
            lambda b: json.loads(b)["head"]["vars"] == ["payload", "label"],
        ),
        (
            "application/sparql-results+xml",
            "application/sparql-results+xml",
            lambda b: b'<variable name="payload"/>' in b and b.count(b"<result>") == 10,
        ),
        (
            "text/csv",
            "text/csv; charset=utf-8",
            lambda b: b.splitlines()[0] == b"payload,label" and len(b.splitlines()) == 11,
        ),
        (
            "text/tab-separated-values",
            "text/tab-separated-values; charset=utf-8",
            lambda b: b.splitlines()[0] == b"?payload\t?label" and b.splitlines()[1].startswith(b"<https://"),
        ),
    ],
)
def test_select_formats(server, accept, media, check):
    q = (
        "PREFIX sc: <https://w3id.org/spacecoop/ns#> PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
        "SELECT ?payload ?label WHERE { ?payload a sc:Payload ; skos:prefLabel ?label } ORDER BY ?payload"
    )
    status, headers, body = get_query(server, q, accept)
    assert status == 200, body
    assert headers["Content-Type"] == media
    assert headers["Vary"].split(", ")[0] == "Accept"
    assert check(body)


@pytest.mark.parametrize(
    "fmt, media",
    [
        ("json", "application/sparql-results+json"),
        ("xml", "application/sparql-results+xml"),
        ("csv", "text/csv; charset=utf-8"),
        ("tsv", "text/tab-separated-values; charset=utf-8"),
    ],
)
def test_ask_formats_by_format_param(server, fmt, media):
    status, headers, body = get_query(server, "ASK { ?s ?p ?o }", format=fmt)
    assert status == 200, body
    assert headers["Content-Type"] == media
    assert b"true" in body


@pytest.mark.parametrize(
    "accept, media, rdflib_format",
    [
        ("text/turtle", "text/turtle; charset=utf-8", "turtle"),
        ("application/n-triples", "application/n-triples", "nt"),
        ("application/ld+json", "application/ld+json", "json-ld"),
        ("application/rdf+xml", "application/rdf+xml", "xml"),
    ],
)
@pytest.mark.parametrize("form", ["CONSTRUCT", "DESCRIBE"])
def test_graph_formats(server, article_ds, accept, media, rdflib_format, form):
    china = URIRef("https://w3id.org/spacecoop/id/country/china")
    q = (
        f"CONSTRUCT {{ <{china}> ?p ?o }} WHERE {{ <{china}> ?p ?o }}"
        if form == "CONSTRUCT"
        else f"DESCRIBE <{china}>"
    )
    status, headers, body = get_query(server, q, accept)
    assert status == 200, body
    assert headers["Content-Type"] == media
    g = Graph().parse(data=body, format=rdflib_format)
    expected = {(p, o) for p, o in article_ds.predicate_objects(china)}
    assert expected <= {(p, o) for p, o in g.predicate_objects(china)}
    assert len(g) >= len(expected) > 5


def test_not_acceptable(server):
    status, _, body = get_query(server, CHEAP, "image/png")
    assert status == 406
    assert b"JSON, XML, CSV, TSV" in body
    # a graph asked for with only result-set types (as roqet asks) gets the graph default, Turtle
    status, headers, body = get_query(server, "CONSTRUCT WHERE { ?s ?p ?o } LIMIT 1", "text/csv")
    assert status == 200 and headers["Content-Type"].startswith("text/turtle")
    # a format refused outright is never chosen through a wildcard
    status, headers, _ = get_query(server, CHEAP, "application/sparql-results+json;q=0, */*;q=0.1")
    assert status == 200 and "json" not in headers["Content-Type"]
    status, _, body = get_query(server, CHEAP, format="yaml")
    assert status == 400


def test_service_description(server):
    status, headers, body = fetch("GET", f"{server.url}sparql")
    assert status == 200
    assert headers["Content-Type"].startswith("text/turtle")
    g = Graph().parse(data=body, format="turtle")
    svc = g.value(predicate=SD.endpoint, object=URIRef(server.url + "sparql"), any=False)
    assert svc is not None
    assert (svc, SD.supportedLanguage, SD.SPARQL11Query) in g
    assert (svc, SD.feature, SD.UnionDefaultGraph) in g
    formats = set(g.objects(svc, SD.resultFormat))
    assert URIRef("http://www.w3.org/ns/formats/SPARQL_Results_JSON") in formats and len(formats) == 8
    names = {str(n) for n in g.objects(None, SD.name)}
    assert "https://w3id.org/spacecoop/id/source/spacenews-2025-04-25-change-8-payloads" in names
    status, headers, body = fetch("GET", f"{server.url}sparql", headers={"Accept": "application/ld+json"})
    assert status == 200 and headers["Content-Type"] == "application/ld+json"
    json.loads(body)
    # sd:endpoint is where the client reached the endpoint (its Host header) ...
    _, _, body = fetch("GET", f"{server.url}sparql", headers={"Host": f"localhost:{server.port}"})
    g = Graph().parse(data=body, format="turtle")
    assert set(g.objects(None, SD.endpoint)) == {URIRef(f"http://localhost:{server.port}/sparql")}
    # ... unless the header is not a plain host: then the bound address, never the header's text
    _, _, body = fetch("GET", f"{server.url}sparql", headers={"Host": "evil> <x"})
    g = Graph().parse(data=body, format="turtle")
    assert set(g.objects(None, SD.endpoint)) == {URIRef(server.url + "sparql")}


def test_cors(server):
    status, headers, _ = fetch(
        "OPTIONS",
        f"{server.url}sparql",
        headers={
            "Origin": "http://example.invalid",
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "content-type",
        },
    )
    assert status == 204
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "POST" in headers["Access-Control-Allow-Methods"]
    assert "content-type" in headers["Access-Control-Allow-Headers"].lower()
    assert "Access-Control-Allow-Credentials" not in headers
    status, headers, _ = get_query(server, CHEAP)
    assert headers["Access-Control-Allow-Origin"] == "*"
    assert "Access-Control-Allow-Credentials" not in headers
    status, headers, _ = get_query(server, "SELECT * WHERE { SERVICE <http://x/> { ?s ?p ?o } }")
    assert status == 400 and headers["Access-Control-Allow-Origin"] == "*"


# ---------------------------------------------------------------------------------------------
# Refusals: read-only, no reaching out, caps


def _refusal_requests(canary: str) -> dict:
    svc = canary + "sparql"
    return {
        "update-param-get": (
            "GET",
            "sparql?" + urllib.parse.urlencode({"update": f"LOAD <{canary}x.ttl>"}),
            None,
            {},
        ),
        "update-form": (
            "POST",
            "sparql",
            urllib.parse.urlencode({"update": f"LOAD <{canary}x.ttl>"}).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        ),
        "update-direct": (
            "POST",
            "sparql",
            b"INSERT DATA { <http://a> <http://b> <http://c> }",
            {"Content-Type": "application/sparql-update"},
        ),
        "update-as-query": (
            "GET",
            "sparql?" + urllib.parse.urlencode({"query": "DELETE WHERE { ?s ?p ?o }"}),
            None,
            {},
        ),
        "load-as-query": (
            "POST",
            "sparql",
            f"LOAD <{canary}x.ttl>".encode(),
            {"Content-Type": "application/sparql-query"},
        ),
        "service": (
            "GET",
            "sparql?"
            + urllib.parse.urlencode({"query": f"SELECT * WHERE {{ SERVICE <{svc}> {{ ?s ?p ?o }} }}"}),
            None,
            {},
        ),
        "service-nested": (
            "POST",
            "sparql",
            urllib.parse.urlencode(
                {
                    "query": (
                        "SELECT * WHERE { ?a ?b ?c OPTIONAL { { SELECT ?s WHERE { { ?s ?p ?o } UNION "
                        f"{{ SERVICE SILENT <{svc}> {{ ?s ?p ?o }} }} }} }} }} }}"
                    )
                }
            ).encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        ),
        "service-in-filter": (
            "GET",
            "sparql?"
            + urllib.parse.urlencode(
                {"query": f"ASK {{ ?s ?p ?o FILTER NOT EXISTS {{ SERVICE <{svc}> {{ ?s ?p ?o }} }} }}"}
            ),
            None,
            {},
        ),
        "from-file": (
            "GET",
            "sparql?"
            + urllib.parse.urlencode({"query": "SELECT * FROM <file:///etc/passwd> WHERE { ?s ?p ?o }"}),
            None,
            {},
        ),
        "from-remote": (
            "GET",
            "sparql?"
            + urllib.parse.urlencode({"query": f"SELECT * FROM <{canary}g.nt> WHERE {{ ?s ?p ?o }}"}),
            None,
            {},
        ),
        "from-named": (
            "GET",
            "sparql?"
            + urllib.parse.urlencode(
                {"query": f"SELECT * FROM NAMED <{canary}g.nt> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"}
            ),
            None,
            {},
        ),
        "default-graph-uri": (
            "GET",
            "sparql?" + urllib.parse.urlencode({"query": CHEAP, "default-graph-uri": f"{canary}g.nt"}),
            None,
            {},
        ),
        "named-graph-uri": (
            "POST",
            "sparql?" + urllib.parse.urlencode({"named-graph-uri": "file:///etc/passwd"}),
            CHEAP.encode(),
            {"Content-Type": "application/sparql-query"},
        ),
    }


REFUSAL_MESSAGES = {
    "update": "read-only",
    "load": "read-only",
    "service": "SERVICE is not allowed",
    "from": "FROM and FROM NAMED are not allowed",
    "default": "not supported",
    "named-graph": "not supported",
}


@pytest.mark.parametrize("case", sorted(_refusal_requests("http://127.0.0.1:1/")))
@pytest.mark.parametrize("which", ["server", "memory_server"])
def test_refusals(request, canary, case, which):
    server = request.getfixturevalue(which)
    method, path, body, headers = _refusal_requests(canary)[case]
    hits_before = len(_Canary.hits)
    status, _, reply = fetch(method, server.url + path, body, headers)
    assert status == 400, reply
    text = reply.decode()
    key = next(k for k in REFUSAL_MESSAGES if case.startswith(k))
    assert REFUSAL_MESSAGES[key] in text
    assert "Traceback" not in text and "root:" not in text
    assert len(_Canary.hits) == hits_before  # nothing was fetched


def test_refusal_requests_are_all_there():
    assert len(_refusal_requests("http://127.0.0.1:1/")) == 13


def test_malformed_query_gives_parser_message(server):
    status, headers, body = get_query(server, "SELECT * WHERE { ?s ?p }")
    assert status == 400
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    assert body.startswith(b"malformed SPARQL query: Expected") and b"line:1" in body


def test_row_cap(server):
    status, _, body = get_query(server, "SELECT * WHERE { ?s ?p ?o }")
    assert status == 400
    assert f"more than this endpoint's limit of {MAX_ROWS}".encode() in body and b"LIMIT" in body
    status, _, body = get_query(server, "CONSTRUCT WHERE { ?s ?p ?o }", "text/turtle")
    assert status == 400 and b"triples" in body
    status, _, body = get_query(server, f"SELECT * WHERE {{ ?s ?p ?o }} LIMIT {MAX_ROWS}")
    assert status == 200
    assert len(json.loads(body)["results"]["bindings"]) == MAX_ROWS


def test_oversize_body_is_refused_unread(server):
    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    conn.putrequest("POST", "/sparql")
    conn.putheader("Content-Type", "application/sparql-query")
    conn.putheader("Content-Length", str(10 * 1024 * 1024))
    conn.endheaders()  # announce 10 MiB but send nothing: the answer must come without the body
    resp = conn.getresponse()
    assert resp.status == 413
    assert b"larger than this endpoint's limit" in resp.read()
    conn.close()
    big = b"SELECT * WHERE { ?s ?p ?o } #" + b"x" * (300 * 1024)
    status, _, body = fetch("POST", f"{server.url}sparql", big, {"Content-Type": "application/sparql-query"})
    assert status == 413 and b"limit of" in body


def test_other_methods_and_paths(server):
    assert fetch("PUT", f"{server.url}sparql", b"x", {"Content-Type": "text/turtle"})[0] == 405
    assert fetch("DELETE", f"{server.url}sparql")[0] == 405
    assert fetch("GET", f"{server.url}nowhere")[0] == 404
    assert fetch("GET", f"{server.url}static/../serve.py")[0] == 404
    assert fetch("GET", f"{server.url}static/%2e%2e/serve.py")[0] == 404
    status, _, body = fetch("POST", f"{server.url}sparql", b"query=x", {"Content-Type": "text/plain"})
    assert status == 415
    status, _, body = fetch(
        "POST", f"{server.url}sparql", b"", {"Content-Type": "application/x-www-form-urlencoded"}
    )
    assert status == 400 and b"no query" in body


def test_time_limit_stops_a_query_while_others_are_served(server):
    outcome = {}

    def expensive():
        outcome["expensive"] = get_query(server, EXPENSIVE)
        outcome["expensive_done"] = time.monotonic()

    t = threading.Thread(target=expensive)
    t.start()
    time.sleep(0.5)  # the expensive query is now running in one worker
    status, _, body = get_query(server, CHEAP)  # a second client
    cheap_done = time.monotonic()
    t.join(60)
    assert status == 200 and json.loads(body)["results"]["bindings"][0]["n"]["value"] == "10"
    assert "expensive_done" in outcome
    assert cheap_done < outcome["expensive_done"]  # answered while the expensive one still ran
    status, headers, body = outcome["expensive"]
    assert status == 504
    assert f"time limit of {TIMEOUT} s".encode() in body
    assert headers["Access-Control-Allow-Origin"] == "*"
    # the killed worker is replaced: both workers answer again
    for _ in range(6):
        assert get_query(server, CHEAP)[0] == 200


def test_time_limit_on_rdflib(memory_server):
    status, _, body = get_query(memory_server, EXPENSIVE)
    assert status == 504 and b"time limit" in body
    assert get_query(memory_server, CHEAP)[0] == 200


def test_engines_agree(server, memory_server):
    q = (
        "PREFIX sc: <https://w3id.org/spacecoop/ns#> SELECT ?member ?org WHERE { ?p a sc:Participation ; "
        "<http://www.w3.org/ns/org#member> ?member ; <http://www.w3.org/ns/org#organization> ?org } "
        "ORDER BY ?member ?org"
    )
    a = get_query(server, q, "text/csv")
    b = get_query(memory_server, q, "text/csv")
    assert a[0] == b[0] == 200
    assert a[2] == b[2]
    assert len(a[2].splitlines()) > 10


def test_worker_pool_survives_a_dead_worker(article_ds):
    """A worker that dies (killed, or out of memory) costs one 503; a fresh one takes its place."""
    from spacecoop.endpoint.pool import WorkerPool
    from spacecoop.endpoint.worker import worker_payload

    pool = WorkerPool(
        "oxigraph", worker_payload("oxigraph", article_ds), size=1, root=ROOT, spare=0, standby=False
    )
    pool.start()
    try:
        job = {"op": "sparql", "query": CHEAP, "accept": "text/csv", "format": None, "max_rows": 10}
        assert pool.run(job, 10)["body"] == b"n\r\n10\r\n"
        (worker,) = list(pool._all)
        worker.process.kill()
        worker.process.join(5)
        reply = pool.run(job, 10)
        assert reply["status"] == 503 and "stopped unexpectedly" in reply["error"]
        reply = pool.run(job, 60)  # waits for the replacement to load the dataset
        assert reply["status"] == 200 and reply["body"] == b"n\r\n10\r\n"
        assert pool.stats.killed == 1 and pool.stats.started == 2
    finally:
        pool.close()
    assert not any(w.process.is_alive() for w in [worker])


def test_a_standby_worker_takes_a_dead_workers_place_at_once(article_ds):
    """With a standby loaded, the pool does not shrink while a replacement loads: the query after
    a worker died is answered at once, and a new standby is loaded in the background."""
    from spacecoop.endpoint.pool import WorkerPool
    from spacecoop.endpoint.worker import worker_payload

    pool = WorkerPool("oxigraph", worker_payload("oxigraph", article_ds), size=1, root=ROOT, spare=0)
    pool.start()
    try:
        job = {"op": "sparql", "query": CHEAP, "accept": "text/csv", "format": None, "max_rows": 10}
        deadline = time.monotonic() + 60
        while not pool._standby and time.monotonic() < deadline:  # the standby loads after start
            time.sleep(0.05)
        assert pool._standby
        (worker,) = pool._idle
        worker.process.kill()
        worker.process.join(5)
        assert pool.run(job, 10)["status"] == 503  # the query the dead worker had
        started = time.perf_counter()
        reply = pool.run(job, 10)
        assert reply["status"] == 200 and time.perf_counter() - started < 1.0
        while not pool._standby and time.monotonic() < deadline:  # and a new standby is loaded
            time.sleep(0.05)
        assert pool._standby and pool.stats.started == 3
    finally:
        pool.close()


# ---------------------------------------------------------------------------------------------
# SPARQLWrapper, a real client


def test_sparqlwrapper_formats(server):
    from SPARQLWrapper import (
        CSV,
        JSON,
        JSONLD,
        N3,
        POST,
        POSTDIRECTLY,
        RDFXML,
        TSV,
        TURTLE,
        XML,
        SPARQLWrapper,
    )

    select = "PREFIX sc: <https://w3id.org/spacecoop/ns#> SELECT ?p WHERE { ?p a sc:Payload } ORDER BY ?p"
    for method in ("GET", POST):
        for request_method in ("urlencoded", POSTDIRECTLY):
            sw = SPARQLWrapper(server.url + "sparql")
            sw.setMethod(method)
            if method == POST:
                sw.setRequestMethod(request_method)
            sw.setQuery(select)
            sw.setReturnFormat(JSON)
            rows = sw.queryAndConvert()["results"]["bindings"]
            assert len(rows) == 10
    sw = SPARQLWrapper(server.url + "sparql")
    sw.setQuery(select)
    sw.setReturnFormat(XML)
    doc = sw.queryAndConvert()
    assert len(doc.getElementsByTagName("result")) == 10
    for fmt, header in ((CSV, b"p\r\n"), (TSV, b"?p\n")):
        sw.setReturnFormat(fmt)
        out = sw.queryAndConvert()
        assert out.startswith(header) and len(out.splitlines()) == 11
    sw.setQuery("ASK { ?s ?p ?o }")
    sw.setReturnFormat(JSON)
    assert sw.queryAndConvert()["boolean"] is True
    construct = (
        "CONSTRUCT { ?p a <https://w3id.org/spacecoop/ns#Payload> } "
        "WHERE { ?p a <https://w3id.org/spacecoop/ns#Payload> }"
    )
    for fmt, parse_as in ((TURTLE, "turtle"), (N3, "turtle"), (JSONLD, None), (RDFXML, None), (XML, None)):
        sw = SPARQLWrapper(server.url + "sparql")
        sw.setQuery(construct)
        sw.setReturnFormat(fmt)
        out = sw.queryAndConvert()
        g = out if isinstance(out, Graph) else Graph().parse(data=out, format=parse_as)
        assert len(g) == 10, fmt


def test_sparqlwrapper_sees_refusals(server):
    from SPARQLWrapper import JSON, SPARQLWrapper
    from SPARQLWrapper.SPARQLExceptions import QueryBadFormed

    sw = SPARQLWrapper(server.url + "sparql")
    sw.setReturnFormat(JSON)
    for q in (
        "INSERT DATA { <http://a> <http://b> <http://c> }",
        "SELECT * WHERE { SERVICE <http://127.0.0.1:1/> { ?s ?p ?o } }",
        "SELECT * WHERE { ?s ?p }",
    ):
        sw.setQuery(q)
        with pytest.raises(QueryBadFormed):
            sw.queryAndConvert()


# ---------------------------------------------------------------------------------------------
# Named queries as an API


def test_queries_list(server, root):
    from spacecoop.sparql.query import list_queries

    status, headers, body = fetch("GET", f"{server.url}queries", headers={"Accept": "application/json"})
    assert status == 200 and headers["Content-Type"] == "application/json"
    items = json.loads(body)
    expected = list_queries(root)
    assert [i["name"] for i in items] == [q.name for q in expected]
    for item, q in zip(items, expected, strict=False):
        assert item["summary"] == q.summary and item["columns"] == list(q.columns)
        assert item["params"] == list(q.params) and item["url"] == f"/queries/{q.name}"
    status, headers, body = fetch("GET", f"{server.url}queries", headers={"Accept": "text/html"})
    assert status == 200 and headers["Content-Type"].startswith("text/html")
    for q in expected:
        assert f'href="/queries/{q.name}"'.encode() in body


def test_named_query_results(server, root):
    from spacecoop.sparql.query import list_queries

    queries = list_queries(root)
    assert queries, "queries/ holds the named queries"
    for q in queries:
        status, headers, body = fetch("GET", f"{server.url}queries/{q.name}")
        assert status == 200, (q.name, body)
        assert json.loads(body)["head"]["vars"] == list(q.columns), q.name
        status, headers, body = fetch("GET", f"{server.url}queries/{q.name}?format=csv")
        assert status == 200 and headers["Content-Type"].startswith("text/csv")
        assert body.splitlines()[0].decode() == ",".join(q.columns)


def test_named_query_with_param(server, root):

    mission = "https://w3id.org/spacecoop/id/mission/change-8"
    status, _, body = fetch(
        "GET", f"{server.url}queries/payload-partners?" + urllib.parse.urlencode({"mission": mission})
    )
    assert status == 200, body
    rows = json.loads(body)["results"]["bindings"]
    assert rows and {r["mission"]["value"] for r in rows if "mission" in r} <= {mission}
    status, _, body = fetch(
        "GET",
        f"{server.url}queries/payload-partners?"
        + urllib.parse.urlencode({"mission": "https://w3id.org/spacecoop/id/mission/no-such-mission"}),
    )
    assert status == 400 and b"does not occur in the graph" in body, body
    status, _, body = fetch("GET", f"{server.url}queries/payload-partners?nonsense=1")
    assert status == 400 and b"no parameter nonsense" in body
    status, _, body = fetch(
        "GET", f"{server.url}queries/payload-partners?mission=" + urllib.parse.quote("no such thing at all")
    )
    assert status == 400


def test_unknown_named_query(server):
    status, _, body = fetch("GET", f"{server.url}queries/no-such-query")
    assert status == 404 and b"unknown query 'no-such-query'" in body


def test_network_pages(server):
    for view in ("countries", "actors"):
        status, headers, body = fetch("GET", f"{server.url}graph/{view}")
        assert status == 200, body
        assert headers["Content-Type"].startswith("text/html")
        assert not _offhost_refs(body.decode())


@pytest.mark.skipif(not has_chromium(), reason="needs Debian's chromium")
@pytest.mark.browser
def test_network_pages_in_chromium(server):
    from playwright.sync_api import sync_playwright

    requests: list[str] = []
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            context = browser.new_context()
            context.route(lambda url: not url.startswith("http://127.0.0.1:"), lambda route: route.abort())
            page = context.new_page()
            page.on("request", lambda r: requests.append(r.url))
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(server.url)
            page.click("a[href='/graph/countries']")
            page.wait_for_url("**/graph/countries")
            page.wait_for_function(
                "() => window.network && network.body.data.nodes.length > 0", timeout=20000
            )
            assert page.evaluate("() => network.body.data.nodes.length") > 5
            assert not errors, errors
        finally:
            browser.close()
    assert [u for u in requests if not u.startswith(server.url)] == []


# ---------------------------------------------------------------------------------------------
# The offline page


class _Refs(HTMLParser):
    def __init__(self):
        super().__init__()
        self.refs: list[tuple[str, str]] = []

    def handle_starttag(self, tag, attrs):
        a = dict(attrs)
        for attr in ("src", "href"):
            if a.get(attr) and (
                tag in ("script", "link", "img", "iframe", "source", "embed") or attr == "src"
            ):
                self.refs.append((tag, a[attr]))


def _offhost_refs(html: str) -> list[str]:
    p = _Refs()
    p.feed(html)
    return [
        ref
        for _tag, ref in p.refs
        if urllib.parse.urlsplit(ref).netloc not in ("", "127.0.0.1") or ref.startswith("//")
    ]


def test_page_assets_are_all_local(server):
    status, headers, body = fetch("GET", server.url)
    assert status == 200
    assert "default-src 'self'" in headers["Content-Security-Policy"]
    html = body.decode()
    p = _Refs()
    p.feed(html)
    assert {tag for tag, _ in p.refs} >= {"script", "link"}
    assert not _offhost_refs(html)
    assets = [ref for tag, ref in p.refs if tag in ("script", "link")]
    assert len(assets) == 4
    for ref in assets:
        status, headers, asset = fetch("GET", urllib.parse.urljoin(server.url, ref))
        assert status == 200, ref
        if ref.endswith(".css"):
            for url in re.findall(rb"url\(\s*['\"]?([^'\")]+)", asset):
                assert not re.match(rb"(https?:)?//", url.strip()), (ref, url)
            assert not re.search(rb"@import\s+(url\()?['\"]?(https?:)?//", asset)
    app = fetch("GET", server.url + "static/app.js")[2].decode()
    # the page's own script names no other host: its only absolute IRIs are the default query's PREFIXes
    assert [line for line in app.splitlines() if "://" in line and "PREFIX" not in line] == []


@pytest.mark.skipif(not has_chromium(), reason="needs Debian's chromium")
@pytest.mark.browser
def test_page_in_chromium(server, root, tmp_path):
    from playwright.sync_api import sync_playwright

    from spacecoop.sparql.query import list_queries

    named = list_queries(root)
    shot = tmp_path / "page.png"
    requests: list[str] = []
    with sync_playwright() as p:
        browser = launch_chromium(p)
        try:
            context = browser.new_context()
            context.route(lambda url: not url.startswith("http://127.0.0.1:"), lambda route: route.abort())
            page = context.new_page()
            page.on("request", lambda r: requests.append(r.url))
            errors: list[str] = []
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(server.url)
            page.wait_for_selector(".yasqe .CodeMirror")
            assert "sc:carries" in page.evaluate("() => window.spacecoopYasgui.getTab().getQuery()")
            if named:
                page.wait_for_selector(f"#example-list button[data-query='{named[0].name}']")
                assert page.locator("#example-list button").count() == len(named)
                page.click(f"#example-list button[data-query='{named[0].name}']")
                cols = list(named[0].columns)
            else:
                page.evaluate(
                    "() => { window.spacecoopYasgui.getTab().setQuery("
                    "'SELECT ?s ?p ?o WHERE { ?s ?p ?o } LIMIT 5'); }"
                )
                page.click(".yasqe_queryButton")
                cols = ["s", "p", "o"]
            table = page.locator(".yasr table.dataTable:visible")
            table.locator("tbody tr td").first.wait_for(timeout=20000)
            headers = [h.strip() for h in table.locator("thead th").all_inner_texts()]
            assert [h for h in headers if h] == cols
            assert table.locator("tbody tr").count() > 0
            page.screenshot(path=str(shot))
            # typing a class position would ask a remote vocabulary service if that completer were on
            page.locator(".yasqe .CodeMirror:visible").click()
            page.keyboard.press("Control+End")
            page.keyboard.type("\nSELECT ?x WHERE { ?x a sc")
            page.wait_for_timeout(1500)
            assert not errors, errors
        finally:
            browser.close()
    assert requests
    offhost = [u for u in requests if not u.startswith(server.url)]
    assert offhost == []


# ---------------------------------------------------------------------------------------------
# Load: 20 clients x 100 queries each (every request kind several times per client), zero errors


@pytest.mark.slow
def test_load_20_clients_x_100_queries(server, root, capsys):
    from spacecoop.sparql.query import list_queries

    sparql = [
        CHEAP,
        "ASK { ?s a <https://w3id.org/spacecoop/ns#Payload> }",
        "SELECT ?s ?o WHERE { ?s <http://www.w3.org/2004/02/skos/core#prefLabel> ?o } ORDER BY ?s LIMIT 50",
    ]
    requests = [("GET", "/sparql?" + urllib.parse.urlencode({"query": q}), None, {}) for q in sparql]
    requests += [
        ("POST", "/sparql", q.encode(), {"Content-Type": "application/sparql-query"}) for q in sparql
    ]
    requests += [("GET", f"/queries/{q.name}", None, {}) for q in list_queries(root)]
    clients, per_client = 20, 100
    assert per_client >= 5 * len(requests)
    latencies: list[float] = []
    errors: list[str] = []
    lock = threading.Lock()

    def client(i: int) -> None:
        conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)  # keep-alive
        mine, bad = [], []
        for j in range(per_client):
            method, path, body, headers = requests[(i + j) % len(requests)]
            t0 = time.perf_counter()
            try:
                conn.request(method, path, body=body, headers=headers)
                resp = conn.getresponse()
                reply = resp.read()
                if resp.status != 200 or not reply:
                    bad.append(f"{method} {path}: {resp.status} {reply[:200]!r}")
            except (OSError, http.client.HTTPException) as exc:
                bad.append(f"{method} {path}: {type(exc).__name__}: {exc}")
                conn.close()
                conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
            mine.append(time.perf_counter() - t0)
        conn.close()
        with lock:
            latencies.extend(mine)
            errors.extend(bad)

    t0 = time.perf_counter()
    threads = [threading.Thread(target=client, args=(i,)) for i in range(clients)]
    for t in threads:
        t.start()
    for t in threads:
        t.join(600)
    elapsed = time.perf_counter() - t0
    assert errors == []
    assert len(latencies) == clients * per_client
    q = statistics.quantiles(latencies, n=100)
    with capsys.disabled():
        print(
            f"\nload: {clients} clients x {per_client} queries in {elapsed:.1f} s "
            f"({len(latencies) / elapsed:.0f} queries/s); latency p50 {q[49] * 1000:.1f} ms, "
            f"p95 {q[94] * 1000:.1f} ms, p99 {q[98] * 1000:.1f} ms, max {max(latencies) * 1000:.1f} ms"
        )


# ---------------------------------------------------------------------------------------------
# The command line


def test_cli_bad_options(tmp_path):
    env = {k: v for k, v in os.environ.items() if k != "SPACECOOP_STORE"}
    run = subprocess.run(
        [sys.executable, "-m", "spacecoop", "--store", "nosuch", "serve", "--port", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 2
    assert "unknown store 'nosuch'" in run.stderr and "Traceback" not in run.stderr
    run = subprocess.run(
        [sys.executable, "-m", "spacecoop", "serve", "--workers", "0"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 2 and "Traceback" not in run.stderr


def test_cli_port_in_use(server):
    env = {k: v for k, v in os.environ.items() if k != "SPACECOOP_STORE"}
    run = subprocess.run(
        [sys.executable, "-m", "spacecoop", "serve", "--port", str(server.port), "--workers", "1"],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert run.returncode == 2
    assert f"cannot listen on 127.0.0.1:{server.port}" in run.stderr
    assert "Traceback" not in run.stderr


def test_serve_help_lists_options():
    run = subprocess.run(
        [sys.executable, "-m", "spacecoop", "serve", "--help"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0
    for opt in ("--host", "--port", "--timeout", "--max-rows", "--workers", "--max-body"):
        assert opt in run.stdout


def test_public_names():
    import importlib
    import pkgutil

    import spacecoop.endpoint

    names = [m.name for m in pkgutil.iter_modules(spacecoop.endpoint.__path__)]
    assert "server" in names and len(names) > 5  # the endpoint's modules, one job each
    for name in names:
        mod = importlib.import_module(f"spacecoop.endpoint.{name}")
        assert mod.__all__ == sorted(mod.__all__), name
        assert all(hasattr(mod, n) for n in mod.__all__), name


def test_allow_names_head_and_head_works(server):
    status, headers, _ = fetch("OPTIONS", f"{server.url}sparql")
    assert status == 204 and headers["Allow"] == "GET, HEAD, POST, OPTIONS"
    status, headers, _ = fetch("PUT", f"{server.url}sparql", b"x")
    assert status == 405 and "HEAD" in headers["Allow"]
    status, headers, body = fetch("HEAD", f"{server.url}queries?format=json")
    assert status == 200 and body == b"" and int(headers["Content-Length"]) > 0


def test_gzip_when_asked(server):
    import gzip

    url = f"{server.url}queries?format=json"
    _, plain_headers, plain = fetch("GET", url)
    status, headers, body = fetch("GET", url, headers={"Accept-Encoding": "gzip"})
    assert status == 200 and headers["Content-Encoding"] == "gzip"
    assert gzip.decompress(body) == plain and len(body) < len(plain)
    assert "Accept-Encoding" in headers["Vary"] and "Accept" in headers["Vary"].split(", ")
    assert "Content-Encoding" not in plain_headers
    # refused, or too small to be worth it: sent as it is
    _, headers, body = fetch("GET", url, headers={"Accept-Encoding": "gzip;q=0, *;q=1"})
    assert "Content-Encoding" not in headers and body == plain
    _, headers, _ = fetch("GET", f"{server.url}sparql?query=ASK%7B%7D", headers={"Accept-Encoding": "gzip"})
    assert "Content-Encoding" not in headers
