"""The HTTP client of the `sparql:` store (httpx) and the N-Quads that pyoxigraph writes for a store.

Servers are real sockets on 127.0.0.1 that misbehave on purpose: echoing one header per graph as
Virtuoso does, dropping a keep-alive connection as a request arrives, answering 500. Each checks
what the user sees: the answer, or one clear line that names the server and never its password."""

from __future__ import annotations

import contextlib
import io
import itertools
import json
import socket
import threading
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pyoxigraph as ox
import pytest
from rdflib import XSD, BNode, Dataset, Literal, URIRef
from rdflib.compare import isomorphic

from spacecoop.core.errors import SpacecoopError
from spacecoop.store import SparqlStore, layout_nquads, sparql_layout_nquads
from spacecoop.store.remote import parse_sparql_json

pytestmark = [pytest.mark.server]

SECRET = "s3cret-pw"
ROWS = {"head": {"vars": ["n"]}, "results": {"bindings": [{"n": {"type": "literal", "value": "1"}}]}}


class Handler(BaseHTTPRequestHandler):
    """A keep-alive SPARQL endpoint; ``behave(handler, n)`` may answer request ``n`` (from 1) itself."""

    protocol_version = "HTTP/1.1"
    behave: Callable[[BaseHTTPRequestHandler, int], bool] | None = None

    def log_message(self, *args):
        pass

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        srv = self.server
        with srv.lock:  # type: ignore[attr-defined]
            srv.seen.append((self.client_address, self.headers.get("Authorization")))  # type: ignore[attr-defined]
            n = len(srv.seen)  # type: ignore[attr-defined]
        if type(self).behave is not None and type(self).behave(self, n):
            return
        self.answer(200, json.dumps(ROWS).encode())

    def answer(self, status: int, body: bytes, headers: tuple[tuple[str, str], ...] = ()) -> None:
        self.send_response(status)
        self.send_header("Content-Type", "application/sparql-results+json")
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def drop(self) -> None:
        """Close the connection without a word, the request read (a keep-alive timeout's race)."""
        self.close_connection = True
        with contextlib.suppress(OSError):
            self.connection.shutdown(socket.SHUT_RDWR)


@contextlib.contextmanager
def endpoint(behave=None) -> Iterator[tuple[str, list]]:
    """Serve :class:`Handler` on 127.0.0.1; yield the query URL with credentials and the requests seen."""
    srv = ThreadingHTTPServer(("127.0.0.1", 0), type("H", (Handler,), {"behave": staticmethod(behave)}))
    srv.daemon_threads = True
    srv.lock, srv.seen = threading.Lock(), []  # type: ignore[attr-defined]
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        yield f"http://alice:{SECRET}@127.0.0.1:{srv.server_address[1]}/sparql", srv.seen  # type: ignore[attr-defined]
    finally:
        srv.shutdown()
        srv.server_close()


def ask(store: SparqlStore):
    return store._post_query("SELECT ?n WHERE { ?s ?p ?n }", [], "SELECT").rows


def one_clear_line(exc: pytest.ExceptionInfo, store: SparqlStore) -> str:
    text = str(exc.value)
    assert "\n" not in text and SECRET not in text and SECRET not in repr(store), text
    assert store.query_url in text, text  # names the server (without its credentials)
    return text


# -- the HTTP client -------------------------------------------------------------------------------


def echo(count: int, width: int = 60):
    """Answer every query with ``count`` X-SPARQL-named-graph headers, as Virtuoso does."""

    def behave(h: Handler, n: int) -> bool:
        graphs = [
            ("X-SPARQL-named-graph", f"https://w3id.org/spacecoop/id/source/{i:0{width}d}")
            for i in range(count)
        ]
        h.answer(200, json.dumps(ROWS).encode(), (("X-SPARQL-default-graph", "urn:x:u"), *graphs))
        return True

    return behave


def test_a_server_that_echoes_150_graph_headers_is_read():
    """http.client refused more than 100 headers (the old client filtered the echoes out); httpx
    counts none: 150 graphs, the echo of a corpus of 150 sources, read as an answer."""
    with endpoint(echo(150)) as (url, seen):
        store = SparqlStore(url)
        assert ask(store) == ((Literal("1"),),)
        assert ask(store) == ((Literal("1"),),)
        assert len({addr for addr, _ in seen}) == 1  # one keep-alive connection for both
        store.close()


def test_a_header_block_past_the_limit_is_one_clear_line_and_not_retried():
    with endpoint(echo(1500, width=80)) as (url, seen):  # about 160 KiB of headers
        store = SparqlStore(url)
        with pytest.raises(SpacecoopError) as exc:
            ask(store)
        assert "response headers" in one_clear_line(exc, store)
        assert len(seen) == 1


def test_credentials_go_as_basic_auth_and_never_into_a_message():
    import base64

    token = "Basic " + base64.b64encode(f"alice:{SECRET}".encode()).decode()

    def fail(h: Handler, n: int) -> bool:
        h.answer(500, f"internal error for {h.headers.get('Authorization')}".encode()[:24])
        return True

    with endpoint() as (url, seen):
        store = SparqlStore(url)
        assert ask(store) and seen[0][1] == token
    with endpoint(fail) as (url, seen):
        store = SparqlStore(url)
        with pytest.raises(SpacecoopError, match="HTTP 500") as exc:
            ask(store)
        assert SECRET not in str(exc.value) and SECRET not in repr(store)
    # unreachable (nothing listens on the port any more)
    store = SparqlStore(url)
    with pytest.raises(SpacecoopError, match="connection refused") as exc:
        ask(store)
    one_clear_line(exc, store)


def test_a_keep_alive_connection_dropped_as_a_request_arrives_is_retried_once():
    """The second request lands on the first connection, which the server closes unanswered (as a
    keep-alive timeout can race a request): the client sends it again on a new connection."""
    with endpoint(lambda h, n: n == 2 and (h.drop() or True)) as (url, seen):
        store = SparqlStore(url)
        assert ask(store) == ask(store) == ((Literal("1"),),)
        assert len(seen) == 3
        assert seen[0][0] == seen[1][0] != seen[2][0]  # the retry came on a new connection
        store.close()


def test_a_server_that_always_drops_is_reported_after_one_retry():
    with endpoint(lambda h, n: h.drop() or True) as (url, seen):
        store = SparqlStore(url)
        with pytest.raises(SpacecoopError, match="closed the connection") as exc:
            ask(store)
        one_clear_line(exc, store)
        assert len(seen) == 2


def test_a_slow_answer_times_out_as_one_clear_line():
    release = threading.Event()

    def stall(h: Handler, n: int) -> bool:
        release.wait(10)
        h.drop()
        return True

    with endpoint(stall) as (url, seen):
        store = SparqlStore(url, timeout=0.3)
        try:
            with pytest.raises(SpacecoopError, match=r"did not answer within 0\.3 s") as exc:
                ask(store)
            one_clear_line(exc, store)
            assert len(seen) == 1  # a timeout is not retried
        finally:
            release.set()


# -- SPARQL JSON results -------------------------------------------------------------------------------


def test_json_results_give_the_terms_rdflib_gives_but_plain_strings():
    """Why parse_sparql_json and not rdflib's Result.parse: the same terms, except that a literal
    typed xsd:string (Virtuoso sends them) is plain, as the other backends give it."""
    from rdflib.query import Result

    string = str(XSD.string)
    b = {
        "iri": {"type": "uri", "value": "http://example.org/a"},
        "lang": {"type": "literal", "value": "Mond", "xml:lang": "de"},
        "int": {"type": "literal", "value": "7", "datatype": str(XSD.integer)},
        "bnode": {"type": "bnode", "value": "b0"},
        "str": {"type": "typed-literal", "value": "x", "datatype": string},
        "str2": {"type": "literal", "value": "y", "datatype": string},
    }
    names = [*b, "unbound"]
    data = json.dumps({"head": {"vars": names}, "results": {"bindings": [b]}}).encode()
    ours = parse_sparql_json(data).rows[0]
    theirs = tuple(next(iter(Result.parse(io.BytesIO(data), format="json"))))
    assert ours == (
        URIRef("http://example.org/a"),
        Literal("Mond", lang="de"),
        Literal("7", datatype=XSD.integer),
        BNode("b0"),
        Literal("x"),
        Literal("y"),
        None,
    )
    assert ours[:4] == theirs[:4] and ours[6] is theirs[6] is None
    assert theirs[4] == Literal("x", datatype=XSD.string) != ours[4]


# -- N-Quads written by pyoxigraph ----------------------------------------------------------------------


def tricky_dataset() -> Dataset:
    ds = Dataset(default_union=True)
    g = ds.graph(URIRef("http://example.org/g"))
    s = URIRef("http://example.org/s")
    for i, text in enumerate(["a\u2028b", "a\x0cb\x85c", 'q"\\\n\r\t', "\x00\x7f", "😀"]):
        g.add((s, URIRef(f"http://example.org/p{i}"), Literal(text)))
    g.add(
        (BNode("x-1.y"), URIRef("http://example.org/p"), BNode("x_1"))
    )  # labels N-Quads cannot hold as they are
    g.add((s, URIRef("http://example.org/lang"), Literal("chat", lang="fr")))
    ds.default_graph.add((s, URIRef("http://example.org/d"), Literal("1", datatype=XSD.integer)))
    return ds


def test_layout_lines_are_whole_quads_that_read_back():
    ds = tricky_dataset()
    lines = list(layout_nquads(ds))
    named = len(ds.graph(URIRef("http://example.org/g")))
    assert len(lines) == 2 * named + 1 and all(line.endswith(" .\n") for line in lines)
    back = Dataset(default_union=True)
    back.parse(data="".join(lines), format="nquads")
    assert isomorphic(back.graph(URIRef("http://example.org/g")), ds.graph(URIRef("http://example.org/g")))
    assert len(list(ox.parse("".join(lines).encode(), format=ox.RdfFormat.N_QUADS))) == len(lines)
    assert len({o for _, p, o in back.graph(URIRef("http://example.org/g")) if isinstance(o, BNode)}) == 1


def test_sparql_layout_lines_read_back():
    ds = tricky_dataset()
    text = "".join(sparql_layout_nquads(ds))
    quads = list(ox.parse(text.encode(), format=ox.RdfFormat.N_QUADS))
    union = [q for q in quads if q.graph_name == ox.NamedNode("https://w3id.org/spacecoop/store/default")]
    triples = {(s, p, o) for s, p, o, _ in ds.quads((None, None, None, None))}
    assert len(union) == len({(q.subject, q.predicate, q.object) for q in union}) == len(triples)


def test_each_line_is_what_pyoxigraph_serialize_writes():
    """The lines are joined from each term's pyoxigraph text (fast); they are byte for byte what
    pyoxigraph.serialize writes for the same quad (escapes included: U+2028, form feed, NUL)."""
    for line in itertools.chain(layout_nquads(tricky_dataset()), sparql_layout_nquads(tricky_dataset())):
        (quad,) = ox.parse(line.encode(), format=ox.RdfFormat.N_QUADS)
        assert ox.serialize([quad], format=ox.RdfFormat.N_QUADS) == line.encode()


@pytest.mark.parametrize("on_disk", [False, True])
def test_oxigraph_store_reads_its_own_lines_leniently_and_holds_what_a_strict_read_holds(on_disk, tmp_path):
    """OxigraphStore.load reads the lines it wrote with lenient=True (every term was checked by
    pyoxigraph when it was written): the same quads as a strict read, language tags, escapes,
    non-ASCII IRIs and blank node labels included; a term Oxigraph refuses still fails the load."""
    from spacecoop.store import OxigraphStore

    ds = tricky_dataset()
    g = ds.graph(URIRef("http://example.org/g"))
    p = URIRef("http://example.org/p")
    g.add((URIRef("http://example.org/é/ü?q=1#f"), p, Literal("x", lang="en-GB")))
    g.add((URIRef("http://example.org/s"), p, Literal("2026", datatype=XSD.gYear)))
    store = OxigraphStore(str(tmp_path / "disk") if on_disk else None)
    store.load(ds)
    strict = ox.Store()
    strict.bulk_load("".join(layout_nquads(ds)).encode(), format=ox.RdfFormat.N_QUADS)

    def ground(quads) -> set:  # a store names the blank nodes it reads anew
        return {q for q in quads if not isinstance(q.subject, ox.BlankNode)}

    assert ground(store.store) == ground(strict) and len(store.store) == len(strict)
    assert ox.Literal("x", language="en-gb") in {q.object for q in store.store}

    bad = Dataset()
    bad.graph(URIRef("http://example.org/g")).add(
        (URIRef("http://example.org/a b"), URIRef("http://example.org/p"), Literal(1))
    )
    with pytest.raises((SpacecoopError, ValueError), match="Invalid IRI"):
        store.load(bad)
    if on_disk:  # the old store is kept
        assert ground(store.store) == ground(strict)


def test_a_term_oxigraph_refuses_is_a_value_error_naming_it():
    ds = Dataset()
    ds.graph(URIRef("http://example.org/g")).add(
        (URIRef("http://example.org/a b"), URIRef("http://example.org/p"), Literal(1))
    )
    with pytest.raises(ValueError, match="Invalid IRI"):
        list(layout_nquads(ds))
