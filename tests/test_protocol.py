"""The SPARQL 1.1 Protocol as a read-only endpoint must speak it, against the REAL server.

Each test that maps onto a test of the W3C protocol suite
(``http://www.w3.org/2009/sparql/docs/tests/data-sparql11/protocol/manifest#…``) carries its name:
``test_query_get``, ``test_query_dataset_default_graphs_get``, ``test_bad_multiple_queries``, … The
suite's ``update_*`` tests do not apply (the endpoint is read-only: every update is refused, which
``test_update_*_is_refused`` check), and its ``kasei.us`` graphs are replaced by the endpoint's own:
the Chang'e-8 article's source graph and the ontology graph. The default graph of the service is
the union of all graphs, which the service description names :data:`spacecoop.endpoint.guard.UNION_GRAPH`.

Both engines are served (Oxigraph, with its answer cache on, and rdflib, ``--store memory``), with
the workers' network isolation OFF: the query check is all that keeps a graph from being fetched,
and a canary HTTP server on 127.0.0.1 counts the requests that reach it (none may).

Clients: urllib and http.client for the raw protocol, rdflib's ``SPARQLStore`` for its named-graph
views (a ``Graph`` on it with a graph IRI sends ``default-graph-uri``), and SPARQLWrapper.
"""

from __future__ import annotations

import json
import sys
import urllib.parse
from pathlib import Path

import pytest
from rdflib import BNode, Graph, Literal, Namespace, URIRef
from rdflib.namespace import OWL, RDF, SKOS

sys.path.insert(0, str(Path(__file__).resolve().parent))
from _servers import _Canary, fetch, start_server, stop_server
from test_serve import SD

from spacecoop.endpoint.guard import UNION_GRAPH

pytestmark = [
    pytest.mark.server,
    pytest.mark.filterwarnings("ignore:ConjunctiveGraph is deprecated:DeprecationWarning"),
]

SC = Namespace("https://w3id.org/spacecoop/ns#")
SOURCE = "https://w3id.org/spacecoop/id/source/spacenews-2025-04-25-change-8-payloads"
ONTOLOGY = "https://w3id.org/spacecoop/ns"
PREFIXES = (
    "PREFIX sc: <https://w3id.org/spacecoop/ns#> PREFIX owl: <http://www.w3.org/2002/07/owl#> "
    "PREFIX skos: <http://www.w3.org/2004/02/skos/core#> "
)
# What each graph says: the ontology declares the classes; the article's source graph says who
# develops each payload; the curated reference entities (Turkey's label) sit in the default graph
# only, so only the union holds them.
IN_ONTOLOGY = PREFIXES + "ASK { sc:Payload a owl:Class }"
IN_SOURCE = PREFIXES + "ASK { ?payload sc:developer ?organization }"
IN_BOTH = PREFIXES + "ASK { sc:Payload a owl:Class . ?payload sc:developer ?organization }"
IN_REFERENCE = PREFIXES + 'ASK { <https://w3id.org/spacecoop/id/country/turkey> skos:prefLabel "Turkey"@en }'
RESULT_TYPES = ("application/sparql-results+xml", "application/sparql-results+json")


@pytest.fixture(scope="module", params=["oxigraph", "memory"])
def endpoint(request, tmp_path_factory, article_root):
    """``spacecoop serve`` on each engine, isolation off (the check alone must keep graphs local)."""
    store = None if request.param == "oxigraph" else "memory"
    s = start_server(
        tmp_path_factory.mktemp(f"protocol-{request.param}") / "stderr.log",
        "--no-isolation",
        "--timeout",
        "10",
        "--workers",
        "1",
        store=store,
        root=article_root,
    )
    yield s
    log = stop_server(s)
    assert "Traceback" not in log, log


def sparql_url(server, **params) -> str:
    """The endpoint's URL with protocol parameters (lists repeat the parameter)."""
    pairs = []
    for k, v in params.items():
        for item in v if isinstance(v, (list, tuple)) else [v]:
            pairs.append((k.replace("_", "-"), item))
    return server.url + "sparql" + ("?" + urllib.parse.urlencode(pairs) if pairs else "")


def post_raw(server, body: bytes, headers: dict, path: str = "sparql"):
    """POST with exactly these headers (urllib would add a form Content-Type)."""
    import http.client

    conn = http.client.HTTPConnection("127.0.0.1", server.port, timeout=30)
    try:
        conn.request("POST", "/" + path, body, headers)
        r = conn.getresponse()
        return r.status, r.headers, r.read()
    finally:
        conn.close()


def get(server, query: str, accept: str | None = "application/sparql-results+json", **params):
    return fetch(
        "GET", sparql_url(server, query=query, **params), headers={"Accept": accept} if accept else {}
    )


def post_direct(server, query: str, accept: str | None = "application/sparql-results+json", **params):
    headers = {"Content-Type": "application/sparql-query"}
    if accept:
        headers["Accept"] = accept
    return fetch("POST", sparql_url(server, **params), query.encode(), headers)


def post_form(server, query: str, accept: str | None = "application/sparql-results+json", **params):
    pairs = [("query", query)]
    for k, v in params.items():
        for item in v if isinstance(v, (list, tuple)) else [v]:
            pairs.append((k.replace("_", "-"), item))
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if accept:
        headers["Accept"] = accept
    return fetch("POST", server.url + "sparql", urllib.parse.urlencode(pairs).encode(), headers)


def boolean(reply) -> bool:
    status, headers, body = reply
    assert status == 200, body
    assert headers["Content-Type"].split(";")[0] in RESULT_TYPES
    if "json" in headers["Content-Type"]:
        return json.loads(body)["boolean"]
    return b"<boolean>true</boolean>" in body


def rows(reply) -> list[dict]:
    status, _, body = reply
    assert status == 200, body
    return [{k: v["value"] for k, v in b.items()} for b in json.loads(body)["results"]["bindings"]]


def refused(reply, status: int = 400) -> str:
    got, headers, body = reply
    assert got == status, body
    assert headers["Content-Type"] == "text/plain; charset=utf-8"
    text = body.decode()
    assert "Traceback" not in text
    return text


# ---------------------------------------------------------------------------------------------
# The W3C suite's positive tests


def test_query_get(endpoint):
    assert boolean(get(endpoint, "ASK {}", accept=None)) is True


def test_query_post_form(endpoint):
    assert boolean(post_form(endpoint, "ASK {}", accept=None)) is True


def test_query_post_direct(endpoint):
    assert boolean(post_direct(endpoint, "ASK {}", accept=None)) is True


def test_query_dataset_default_graph(endpoint):
    # POST direct, the dataset in the URL: the default graph is the ontology graph alone
    assert boolean(post_direct(endpoint, IN_ONTOLOGY, default_graph_uri=ONTOLOGY)) is True
    assert boolean(post_direct(endpoint, IN_SOURCE, default_graph_uri=ONTOLOGY)) is False
    assert boolean(post_direct(endpoint, IN_REFERENCE, default_graph_uri=ONTOLOGY)) is False
    assert boolean(post_direct(endpoint, IN_SOURCE, default_graph_uri=SOURCE)) is True
    assert boolean(post_direct(endpoint, IN_ONTOLOGY, default_graph_uri=SOURCE)) is False


def test_query_dataset_default_graphs_get(endpoint):
    # two default-graph-uri: their merge, which neither graph alone answers
    assert boolean(get(endpoint, IN_BOTH, default_graph_uri=[SOURCE, ONTOLOGY])) is True
    assert boolean(get(endpoint, IN_BOTH, default_graph_uri=[SOURCE])) is False
    assert boolean(get(endpoint, IN_BOTH, default_graph_uri=[ONTOLOGY])) is False
    # and the merge holds nothing of the graphs it does not name
    assert boolean(get(endpoint, IN_REFERENCE, default_graph_uri=[SOURCE, ONTOLOGY])) is False


def test_query_dataset_default_graphs_post(endpoint):
    assert boolean(post_direct(endpoint, IN_BOTH, default_graph_uri=[ONTOLOGY, SOURCE])) is True
    assert boolean(post_form(endpoint, IN_BOTH, default_graph_uri=[ONTOLOGY, SOURCE])) is True
    assert boolean(post_form(endpoint, IN_BOTH, default_graph_uri=[ONTOLOGY])) is False


NAMED = "SELECT DISTINCT ?g WHERE { GRAPH ?g { ?s ?p ?o } } ORDER BY ?g"


def test_query_dataset_named_graphs_get(endpoint):
    both = rows(get(endpoint, NAMED, named_graph_uri=[SOURCE, ONTOLOGY]))
    assert [r["g"] for r in both] == sorted([SOURCE, ONTOLOGY])
    one = rows(get(endpoint, NAMED, named_graph_uri=SOURCE))
    assert [r["g"] for r in one] == [SOURCE]
    # named graphs only: the default graph is empty (SPARQL 1.1 Query, section 13.2)
    assert boolean(get(endpoint, "ASK { ?s ?p ?o }", named_graph_uri=SOURCE)) is False


def test_query_dataset_named_graphs_post(endpoint):
    reply = post_direct(endpoint, "ASK { GRAPH ?g { ?s ?p ?o } }", named_graph_uri=[SOURCE, ONTOLOGY])
    assert boolean(reply) is True
    one = rows(post_form(endpoint, NAMED, named_graph_uri=ONTOLOGY))
    assert [r["g"] for r in one] == [ONTOLOGY]
    # default graphs only: no named graph at all
    assert rows(post_form(endpoint, NAMED, default_graph_uri=SOURCE)) == []


def test_query_dataset_full(endpoint):
    # the ontology as default graph, the article as named graph: which declared properties does
    # the article use, and where?
    query = (
        PREFIXES + "SELECT DISTINCT ?property ?g WHERE { ?property a owl:ObjectProperty . "
        "GRAPH ?g { ?s ?property ?o } } ORDER BY ?property"
    )
    found = rows(post_direct(endpoint, query, default_graph_uri=ONTOLOGY, named_graph_uri=SOURCE))
    assert str(SC.developer) in {r["property"] for r in found}
    assert {r["g"] for r in found} == {SOURCE}
    # swap them: the article declares no property, so nothing
    swapped = rows(post_direct(endpoint, query, default_graph_uri=SOURCE, named_graph_uri=ONTOLOGY))
    assert swapped == []


def test_query_multiple_dataset(endpoint):
    # the protocol's dataset overrides the query's FROM
    query = f"{PREFIXES} ASK FROM <{SOURCE}> {{ sc:Payload a owl:Class }}"
    assert boolean(post_direct(endpoint, query)) is False  # FROM alone: the article graph
    assert boolean(post_direct(endpoint, query, default_graph_uri=ONTOLOGY)) is True
    query = f"{PREFIXES} SELECT ?g FROM NAMED <{SOURCE}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }} LIMIT 1"
    assert [r["g"] for r in rows(get(endpoint, query))] == [SOURCE]
    assert [r["g"] for r in rows(get(endpoint, query, named_graph_uri=ONTOLOGY))] == [ONTOLOGY]


def test_from_and_from_named_of_own_graphs(endpoint):
    assert boolean(get(endpoint, f"{PREFIXES} ASK FROM <{ONTOLOGY}> {{ sc:Payload a owl:Class }}")) is True
    assert boolean(get(endpoint, f"{PREFIXES} ASK FROM <{ONTOLOGY}> {{ ?p sc:developer ?o }}")) is False
    merged = (
        f"{PREFIXES} ASK FROM <{ONTOLOGY}> FROM <{SOURCE}> {{ sc:Payload a owl:Class . ?p sc:developer ?o }}"
    )
    assert boolean(get(endpoint, merged)) is True
    # FROM NAMED alone leaves the default graph empty
    assert boolean(get(endpoint, f"ASK FROM NAMED <{SOURCE}> {{ ?s ?p ?o }}")) is False
    # a prefixed name is resolved as the query says
    query = (
        f"PREFIX src: <{SOURCE.rsplit('/', 1)[0]}/> {PREFIXES} "
        f"ASK FROM src:{SOURCE.rsplit('/', 1)[1]} {{ ?p sc:developer ?o }}"
    )
    assert boolean(get(endpoint, query)) is True


def test_union_graph_is_the_default_graph(endpoint):
    # the service description names the default graph; naming it gives the union, reference included
    status, _, body = fetch("GET", endpoint.url + "sparql")
    assert status == 200
    sd = Graph().parse(data=body, format="turtle")
    assert set(sd.objects(None, SD.defaultGraph)) == {URIRef(UNION_GRAPH)}
    for query in (IN_REFERENCE, IN_BOTH):
        assert boolean(get(endpoint, query)) is True
        assert boolean(get(endpoint, query, default_graph_uri=UNION_GRAPH)) is True
        assert boolean(get(endpoint, f"{query.replace('ASK', f'ASK FROM <{UNION_GRAPH}>', 1)}")) is True
    count = "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }"
    assert rows(get(endpoint, count)) == rows(post_form(endpoint, count, default_graph_uri=UNION_GRAPH))
    # the union names no graph: GRAPH ?g finds nothing unless named-graph-uri says which
    assert rows(get(endpoint, NAMED, default_graph_uri=UNION_GRAPH)) == []


@pytest.mark.parametrize(
    "kind, query, media",
    [
        ("select", "SELECT (1 AS ?value) {}", {*RESULT_TYPES, "text/csv", "text/tab-separated-values"}),
        ("ask", "ASK {}", set(RESULT_TYPES)),
        ("describe", "DESCRIBE <http://example.org/>", {"application/rdf+xml", "text/turtle"}),
        ("construct", "CONSTRUCT { <http://example.org/s> <http://example.org/p> 1 } WHERE {}", None),
    ],
)
def test_query_content_type(endpoint, kind, query, media):
    """query_content_type_select, _ask, _describe, _construct: a fitting type with no Accept."""
    status, headers, body = post_direct(endpoint, query, accept=None)
    assert status == 200, body
    got = headers["Content-Type"].split(";")[0]
    assert got in (media or {"application/rdf+xml", "text/turtle"})
    if kind == "construct":
        g = Graph().parse(data=body, format="turtle")
        assert (URIRef("http://example.org/s"), URIRef("http://example.org/p"), Literal(1)) in g


ACCEPT_CASES = [
    # (query, Accept, media type answered)
    ("SELECT (1 AS ?value) {}", "application/sparql-results+xml", "application/sparql-results+xml"),
    ("SELECT (1 AS ?value) {}", "text/csv", "text/csv"),
    ("SELECT (1 AS ?value) {}", "text/tab-separated-values", "text/tab-separated-values"),
    ("SELECT (1 AS ?value) {}", "application/sparql-results+json;q=0.5, text/csv;q=0.9", "text/csv"),
    ("ASK {}", "application/sparql-results+json", "application/sparql-results+json"),
    ("ASK {}", "application/sparql-results+xml", "application/sparql-results+xml"),
    (
        "CONSTRUCT WHERE { ?s a <https://w3id.org/spacecoop/ns#Payload> }",
        "application/rdf+xml",
        "application/rdf+xml",
    ),
    (
        "CONSTRUCT WHERE { ?s a <https://w3id.org/spacecoop/ns#Payload> }",
        "application/n-triples",
        "application/n-triples",
    ),
    (
        "CONSTRUCT WHERE { ?s a <https://w3id.org/spacecoop/ns#Payload> }",
        "application/ld+json",
        "application/ld+json",
    ),
    ("DESCRIBE <https://w3id.org/spacecoop/id/country/turkey>", "text/turtle", "text/turtle"),
    ("DESCRIBE <https://w3id.org/spacecoop/id/country/turkey>", "application/rdf+xml", "application/rdf+xml"),
    # roqet asks for a graph with result types only: the graph's default, Turtle
    (
        "CONSTRUCT WHERE { ?s a <https://w3id.org/spacecoop/ns#Payload> }",
        ", ".join(RESULT_TYPES),
        "text/turtle",
    ),
]


@pytest.mark.parametrize("query, accept, media", ACCEPT_CASES)
def test_accept_negotiation(endpoint, query, accept, media):
    status, headers, body = get(endpoint, query, accept=accept)
    assert status == 200, body
    assert headers["Content-Type"].split(";")[0] == media
    if media in ("text/turtle", "application/rdf+xml", "application/n-triples", "application/ld+json"):
        fmt = {"text/turtle": "turtle", "application/rdf+xml": "xml", "application/n-triples": "nt"}
        g = Graph().parse(data=body, format=fmt.get(media, "json-ld"))
        assert len(g) > 0 or "DESCRIBE" not in query


def test_accept_nothing_fits_is_406(endpoint):
    status, _, body = get(endpoint, "SELECT (1 AS ?value) {}", accept="image/png")
    assert status == 406 and b"offered" in body
    status, _, body = get(endpoint, "ASK {}", accept="application/sparql-results+json;q=0")
    assert status == 406


def test_get_and_post_give_the_same_results(endpoint):
    query = (
        PREFIXES + "SELECT ?payload ?organization WHERE { ?payload sc:developer ?organization } "
        "ORDER BY ?payload ?organization"
    )
    for params in ({}, {"default_graph_uri": SOURCE}, {"default_graph_uri": [SOURCE, ONTOLOGY]}):
        answers = [rows(f(endpoint, query, **params)) for f in (get, post_form, post_direct)]
        assert answers[0] == answers[1] == answers[2]
        assert answers[0], params  # the article names developers
    assert rows(get(endpoint, query, default_graph_uri=ONTOLOGY)) == []


# ---------------------------------------------------------------------------------------------
# The W3C suite's negative tests, and refusals of what the endpoint never does


def test_bad_query_method(endpoint):
    status, headers, _ = fetch("PUT", sparql_url(endpoint, query="ASK {}"), b"")
    assert status == 405 and "POST" in headers["Allow"]
    status, _, _ = fetch("DELETE", sparql_url(endpoint, query="ASK {}"))
    assert status == 405


def test_bad_multiple_queries(endpoint):
    text = refused(fetch("GET", sparql_url(endpoint, query=["ASK {}", "SELECT * {}"])))
    assert "exactly one query" in text
    # one in the URL, one in the form body
    body = urllib.parse.urlencode({"query": "ASK {}"}).encode()
    status, _, _ = fetch(
        "POST",
        sparql_url(endpoint, query="SELECT * {}"),
        body,
        {"Content-Type": "application/x-www-form-urlencoded"},
    )
    assert status == 400


@pytest.mark.parametrize(
    "case, body, headers",
    [
        ("bad_query_wrong_media_type", b"ASK {}", {"Content-Type": "text/plain"}),
        ("bad_query_missing_form_type", b"query=ASK%20%7B%7D", {}),
        ("bad_query_missing_direct_type", b"ASK {}", {}),
        (
            "bad_query_non_utf8",
            "ASK {}".encode("utf-16"),
            {"Content-Type": "application/sparql-query; charset=UTF-16"},
        ),
        (
            "bad_query_non_utf8_form",
            "query=ASK {}".encode("utf-16"),
            {"Content-Type": "application/x-www-form-urlencoded; charset=UTF-16"},
        ),
    ],
)
def test_bad_query_media_type(endpoint, case, body, headers):
    """bad_query_wrong_media_type, bad_query_missing_form_type, bad_query_missing_direct_type,
    bad_query_non_utf8: 415 (a 4xx, as the suite asks), saying what to send."""
    text = refused(post_raw(endpoint, body, headers), 415)
    assert "UTF-8" in text or "application/sparql-query" in text


def test_bad_query_syntax(endpoint):
    text = refused(get(endpoint, "ASK {"))
    assert text.startswith("malformed SPARQL query:") and "line:1" in text


def test_missing_query_is_400(endpoint):
    assert "no query given" in refused(
        fetch("POST", endpoint.url + "sparql", b"", {"Content-Type": "application/x-www-form-urlencoded"})
    )
    assert "no query given" in refused(
        fetch(
            "POST",
            endpoint.url + "sparql",
            b"default-graph-uri=" + urllib.parse.quote(SOURCE, "").encode(),
            {"Content-Type": "application/x-www-form-urlencoded"},
        )
    )
    # a GET with a dataset but no query is a query request missing its query, not a description
    assert "no query given" in refused(fetch("GET", sparql_url(endpoint, default_graph_uri=SOURCE)))
    # a direct POST with an empty body holds no query either
    assert "malformed" in refused(post_direct(endpoint, ""))


UPDATE_CASES = {
    # the suite's update tests, sent to the (query) endpoint: every one is refused with 400
    "bad_update_get": ("GET", "sparql?" + urllib.parse.urlencode({"update": "CLEAR ALL"}), None, {}, 400),
    "bad_multiple_updates": (
        "POST",
        "sparql",
        b"update=CLEAR%20NAMED&update=CLEAR%20DEFAULT",
        {"Content-Type": "application/x-www-form-urlencoded"},
        400,
    ),
    "bad_update_wrong_media_type": ("POST", "sparql", b"CLEAR NAMED", {"Content-Type": "text/plain"}, 415),
    "bad_update_missing_form_type": ("POST", "sparql", b"update=CLEAR%20NAMED", {}, 415),
    "bad_update_non_utf8": (
        "POST",
        "sparql",
        "CLEAR NAMED".encode("utf-16"),
        {"Content-Type": "application/sparql-update; charset=UTF-16"},
        400,
    ),
    "bad_update_syntax": (
        "POST",
        "sparql",
        b"update=CLEAR%20XYZ",
        {"Content-Type": "application/x-www-form-urlencoded"},
        400,
    ),
    "bad_update_dataset_conflict": (
        "POST",
        "sparql",
        urllib.parse.urlencode(
            {
                "using-named-graph-uri": "http://example/people",
                "update": "WITH <http://example/addresses> DELETE { ?p ?q 'Bill' } WHERE { ?p ?q 'Bill' }",
            }
        ).encode(),
        {"Content-Type": "application/x-www-form-urlencoded"},
        400,
    ),
    "update_dataset_default_graph": (
        "POST",
        "sparql?" + urllib.parse.urlencode({"using-graph-uri": SOURCE}),
        b"CLEAR ALL",
        {"Content-Type": "application/sparql-update"},
        400,
    ),
    "update_as_query": (
        "POST",
        "sparql",
        b"DELETE WHERE { ?s ?p ?o }",
        {"Content-Type": "application/sparql-query"},
        400,
    ),
}


@pytest.mark.parametrize("case", sorted(UPDATE_CASES))
def test_update_is_refused(endpoint, case):
    """SPARQL Update is an operation of its own, which this read-only service does not offer: 400
    (415 when the body's type is neither a query's nor an update's), and the data is unchanged."""
    method, path, body, headers, status = UPDATE_CASES[case]
    reply = (
        post_raw(endpoint, body, headers, path) if method == "POST" else fetch(method, endpoint.url + path)
    )
    text = refused(reply, status)
    assert "read-only" in text or "Content-Type" in text
    assert boolean(get(endpoint, IN_SOURCE, default_graph_uri=SOURCE)) is True


def test_update_cases_are_all_there():
    assert len(UPDATE_CASES) == 9


def _foreign_requests(base: str) -> dict:
    """Requests naming graphs the endpoint does not hold: (method, url-params, body, headers, IRI named)."""
    g = base + "g.nt"
    form = {"Content-Type": "application/x-www-form-urlencoded"}
    direct = {"Content-Type": "application/sparql-query"}
    return {
        "default-graph-uri-remote": ("GET", {"query": IN_SOURCE, "default-graph-uri": g}, None, {}, g),
        "default-graph-uri-file": (
            "POST",
            {},
            urllib.parse.urlencode({"query": IN_SOURCE, "default-graph-uri": "file:///etc/passwd"}).encode(),
            form,
            "file:///etc/passwd",
        ),
        "named-graph-uri-remote": ("POST", {"named-graph-uri": g}, NAMED.encode(), direct, g),
        "named-among-own": (
            "GET",
            {"query": NAMED, "named-graph-uri": [SOURCE, g], "default-graph-uri": ONTOLOGY},
            None,
            {},
            g,
        ),
        "named-graph-uri-union": (
            "GET",
            {"query": NAMED, "named-graph-uri": UNION_GRAPH},
            None,
            {},
            UNION_GRAPH,
        ),
        "default-graph-uri-empty": ("GET", {"query": IN_SOURCE, "default-graph-uri": ""}, None, {}, "<>"),
        "from-remote": ("GET", {"query": f"ASK FROM <{g}> {{ ?s ?p ?o }}"}, None, {}, g),
        "from-named-remote": (
            "GET",
            {"query": f"SELECT * FROM NAMED <{g}> WHERE {{ GRAPH ?g {{ ?s ?p ?o }} }}"},
            None,
            {},
            g,
        ),
        "from-among-own": ("GET", {"query": f"ASK FROM <{SOURCE}> FROM <{g}> {{ ?s ?p ?o }}"}, None, {}, g),
        "from-overridden-by-own": (
            "POST",
            {"default-graph-uri": SOURCE},
            f"ASK FROM <{g}> {{ ?s ?p ?o }}".encode(),
            direct,
            g,
        ),
        "from-file": (
            "GET",
            {"query": "ASK FROM <file:///etc/passwd> { ?s ?p ?o }"},
            None,
            {},
            "file:///etc/passwd",
        ),
        "from-named-union": (
            "GET",
            {"query": f"ASK FROM NAMED <{UNION_GRAPH}> {{ GRAPH ?g {{ ?s ?p ?o }} }}"},
            None,
            {},
            UNION_GRAPH,
        ),
    }


@pytest.mark.parametrize("case", sorted(_foreign_requests("http://127.0.0.1:1/")))
def test_foreign_graphs_are_refused_never_fetched(endpoint, canary, case):
    method, params, body, headers, iri = _foreign_requests(canary)[case]
    before = len(_Canary.hits)
    url = sparql_url(endpoint, **{k.replace("-", "_"): v for k, v in params.items()})
    text = refused(fetch(method, url, body, headers))
    assert iri in text  # the message names what was refused
    assert len(_Canary.hits) == before  # and nothing was fetched


def test_foreign_requests_are_all_there():
    assert len(_foreign_requests("http://127.0.0.1:1/")) == 12


# ---------------------------------------------------------------------------------------------
# Real clients


@pytest.mark.parametrize("method", ["GET", "POST", "POST_FORM"])
def test_rdflib_sparqlstore_named_graph_views(endpoint, article_ds, method):
    """rdflib's SPARQLStore: a Graph on it named after a graph sees that graph, and only it."""
    from rdflib.plugins.stores.sparqlstore import SPARQLStore

    store = SPARQLStore(endpoint.url + "sparql", method=method, returnFormat="json")
    try:
        source = Graph(store=store, identifier=URIRef(SOURCE))
        ontology = Graph(store=store, identifier=URIRef(ONTOLOGY))
        local = article_ds.graph(URIRef(SOURCE))
        assert len(source) == len(local)

        def ground(triples):
            # triples without blank nodes, literals by value (Oxigraph writes 200.0 as 200)
            return {
                tuple((x.datatype, x.language, x.toPython()) if isinstance(x, Literal) else x for x in t)
                for t in triples
                if not any(isinstance(x, BNode) for x in t)
            }

        assert ground(source.triples((None, None, None))) == ground(local)
        assert set(source.triples((None, SC.developer, None))) == set(
            local.triples((None, SC.developer, None))
        )
        assert (SC.Payload, RDF.type, OWL.Class) in ontology
        assert (SC.Payload, RDF.type, OWL.Class) not in source
        assert not set(ontology.triples((None, SC.developer, None)))
        # a query through a view: its default graph is that graph
        turkey = URIRef("https://w3id.org/spacecoop/id/country/turkey")
        assert not source.query(f"ASK {{ <{turkey}> <{SKOS.prefLabel}> ?l }}").askAnswer
        whole = Graph(store=store)  # no identifier: the endpoint's default graph, the union
        assert whole.query(f"ASK {{ <{turkey}> <{SKOS.prefLabel}> ?l }}").askAnswer
        assert {str(c) for c in store.contexts()} >= {SOURCE, ONTOLOGY}
    finally:
        store.close()


def test_sparqlwrapper_default_and_named_graphs(endpoint):
    from SPARQLWrapper import JSON, POST, SPARQLWrapper

    for method in ("GET", POST):
        sw = SPARQLWrapper(endpoint.url + "sparql")
        sw.setMethod(method)
        sw.setReturnFormat(JSON)
        sw.addDefaultGraph(ONTOLOGY)
        sw.addDefaultGraph(SOURCE)
        sw.setQuery(IN_BOTH)
        assert sw.queryAndConvert()["boolean"] is True
        sw = SPARQLWrapper(endpoint.url + "sparql")
        sw.setMethod(method)
        sw.setReturnFormat(JSON)
        sw.addNamedGraph(ONTOLOGY)
        sw.setQuery(NAMED)
        got = [b["g"]["value"] for b in sw.queryAndConvert()["results"]["bindings"]]
        assert got == [ONTOLOGY]


def test_union_graph_constant_is_the_stores():
    from spacecoop.store import UNION_GRAPH as STORE_UNION

    assert str(STORE_UNION) == UNION_GRAPH
