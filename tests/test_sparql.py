"""The SPARQL front door (spacecoop.sparql.parse), query files read once, and the one place that decides
which engine answers (spacecoop.store.engine).

Small graphs built here; the named queries on every engine are tests/test_store.py's and
tests/test_query.py's."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from rdflib import Dataset, Literal, Namespace, URIRef

from spacecoop.core.errors import SpacecoopError, UsageError
from spacecoop.sparql.parse import bind_values, parse_query, query_form

EX = Namespace("http://example.org/")


@pytest.fixture(scope="module")
def tiny() -> Dataset:
    ds = Dataset(default_union=True)
    g = ds.graph(URIRef("http://example.org/g"))
    g.add((EX.a, EX.p, Literal("1")))
    g.add((EX.b, EX.p, Literal("2")))
    g.add((EX.a, EX.q, EX.c))
    ds.bind("ex", EX)
    return ds


@pytest.fixture(scope="module")
def engines(tiny):
    from spacecoop.store import MemoryStore, open_store

    return {"memory": MemoryStore(tiny), "oxigraph": open_store("oxigraph", tiny)}


# -- one parse --------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, form",
    [
        ("PREFIX ex: <http://example.org/select#> # ASK?\nDESCRIBE ex:a", "DESCRIBE"),
        ('SELECT ("CONSTRUCT" AS ?x) WHERE {}', "SELECT"),
        ("ask {}", "ASK"),
        ("# SELECT\nCONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", "CONSTRUCT"),
        ("DESCRIBE <http://example.org/ASK>", "DESCRIBE"),
    ],
)
def test_the_form_is_read_by_the_parser(text, form):
    assert query_form(text) == form
    assert parse_query(text).form == form


def test_one_parse_gives_form_variables_and_algebra():
    q = parse_query("SELECT ?b (COUNT(*) AS ?n) ?a WHERE { ?a ?p ?b } GROUP BY ?a ?b")
    assert q.variables == ("b", "n", "a")
    assert q.algebra.name == "SelectQuery"
    assert q.rdflib_query(dict)[1]  # grouped
    assert parse_query("ASK { ?s ?p ?o }").variables is None


def test_a_text_is_parsed_once_whatever_runs_it(monkeypatch, tmp_path, tiny):
    """check_params, check_syntax and the rdflib store share one parse of a text."""
    from rdflib.plugins.sparql import parser

    from spacecoop.sparql.query import check_params, check_syntax, get_query
    from spacecoop.store import MemoryStore

    calls = []
    real = parser.parseQuery
    monkeypatch.setattr(parser, "parseQuery", lambda text: calls.append(text) or real(text))
    path = tmp_path / "once.rq"
    path.write_text(f"SELECT ?s ?o WHERE {{ ?s ?p ?o }} ORDER BY ?s # {time.time_ns()}\n", encoding="utf-8")
    nq = get_query(str(path))
    check_params(nq, {"o": "x"})
    check_syntax(nq.text)
    store = MemoryStore(tiny)
    first = store.query(nq.text, {"o": Literal("1")})
    again = store.query(nq.text, {"o": Literal("2")})
    assert calls == [nq.text]
    assert first.column("s") == [EX.a] and again.column("s") == [EX.b]


@pytest.mark.parametrize(
    "text", ["SELECT ?x WHERE { ?x ?p }", "SELEC ?x {}", "SELECT ?s WHERE { ?s foo:p ?o }"]
)
def test_malformed_sparql_is_one_usage_error(text):
    with pytest.raises(UsageError, match=r"^malformed SPARQL"):
        assert parse_query(text).algebra


def test_an_undeclared_prefix_is_the_datasets_on_rdflib_only(engines):
    # rdflib's engine reads a prefix the query does not declare from the dataset's bindings (as it
    # always did); the algebra on its own, like Oxigraph, refuses it.
    text = "SELECT ?o WHERE { ex:a ex:p ?o }"
    assert parse_query(text).undeclared == {"ex"}
    assert engines["memory"].query(text).column("o") == [Literal("1")]
    with pytest.raises(UsageError, match="Unknown namespace prefix"):
        assert parse_query(text).algebra
    with pytest.raises(UsageError, match="malformed SPARQL"):
        engines["oxigraph"].query(text)


# -- VALUES placed by the parser --------------------------------------------------------------------


@pytest.mark.parametrize(
    "text, expected",
    [
        (
            (
                'PREFIX ex: <http://ex.org/ns#>\n# a { comment WHERE {\nSELECT ("}" AS ?x) # {\n'
                "WHERE { ?s ex:p ?v }"
            ),
            (
                'PREFIX ex: <http://ex.org/ns#>\n# a { comment WHERE {\nSELECT ("}" AS ?x) # {\nWHERE '
                '{ VALUES (?v) { ("a") }  ?s ex:p ?v }'
            ),
        ),
        # a \u escape before the group: rdflib reads it as one character, the position is the text's
        (
            'SELECT ("\\u007B" AS ?x) { ?s ?p ?v }',
            'SELECT ("\\u007B" AS ?x) { VALUES (?v) { ("a") }  ?s ?p ?v }',
        ),
        ("ASK { ?s ?p ?v }", 'ASK { VALUES (?v) { ("a") }  ?s ?p ?v }'),
        ("DESCRIBE ?s { ?s ?p ?v }", 'DESCRIBE ?s { VALUES (?v) { ("a") }  ?s ?p ?v }'),
        # no group to open: the template of CONSTRUCT WHERE, a DESCRIBE of an IRI
        ("CONSTRUCT WHERE { ?s ?p ?v }", 'CONSTRUCT WHERE { ?s ?p ?v }\nVALUES (?v) { ("a") }'),
        ("DESCRIBE <http://ex.org/a>", 'DESCRIBE <http://ex.org/a>\nVALUES (?v) { ("a") }'),
    ],
)
def test_values_open_the_outermost_where_group(text, expected):
    out = bind_values(text, {"v": Literal("a")})
    assert out == expected
    assert parse_query(out).algebra.name  # still SPARQL


@pytest.mark.parametrize(
    "text, bindings",
    [
        ("SELECT ?s WHERE { ?s ?p ?o FILTER(?o = ?v) } ORDER BY ?s", {"v": Literal("2")}),  # filter only
        ("SELECT ?s ?o WHERE { ?s ?p ?o OPTIONAL { ?s ?q ?x } } ORDER BY ?s ?o", {"x": EX.c}),
        ("SELECT ?s WHERE { { SELECT ?s ?p WHERE { ?s ?p ?o } } } ORDER BY ?s", {"p": EX.q}),
        ("SELECT ?s WHERE { ?s ?p ?o FILTER NOT EXISTS { ?s ?q ?w } } ORDER BY ?s", {"w": EX.c}),
        ("ASK { ?s ?p ?o }", {"o": Literal("3")}),
        ("CONSTRUCT { ?s ?p ?o } WHERE { ?s ?p ?o }", {"s": EX.b}),
    ],
)
def test_bindings_mean_the_same_on_rdflib_and_oxigraph(engines, text, bindings):
    memory = engines["memory"].query(text, bindings)
    oxigraph = engines["oxigraph"].query(text, bindings)
    assert memory.kind == oxigraph.kind == query_form(text)
    if memory.graph is not None:
        assert set(memory.graph) == set(oxigraph.graph) and len(memory.graph) == 1
    else:
        assert memory == oxigraph


def test_a_binding_that_could_become_text_is_refused(engines):
    from rdflib import BNode

    text = "SELECT ?s WHERE { ?s ?p ?o }"
    with pytest.raises(UsageError, match="not a SPARQL variable name"):
        engines["oxigraph"].query(text, {"x) { } #": EX.a})
    with pytest.raises(UsageError, match="only IRIs and literals"):
        engines["oxigraph"].query(text, {"o": BNode()})
    with pytest.raises(UsageError, match="not a valid RDF term"):
        bind_values(text, {"o": URIRef("http://example.org/a> } . ?s ?p ?o . #")})


# -- in-process stores check an IRI without a query ---------------------------------------------------


def test_mentions_agrees_with_the_sparql_question(engines):
    from spacecoop.store import Store

    for store in engines.values():
        for term in (EX.a, EX.c, EX.p, EX.nothing):
            assert store.mentions(term) == Store.mentions(store, term), (store.name, term)
        assert store.mentions(EX.c) and not store.mentions(EX.p)  # objects count, predicates do not


# -- query files are read once ----------------------------------------------------------------------


def _age(path: Path, seconds: float = 10) -> None:
    old = time.time() - seconds
    os.utime(path, (old, old))


def test_a_query_file_is_read_again_only_when_it_changes(tmp_path, monkeypatch):
    from spacecoop.sparql import query

    path = tmp_path / "q.rq"
    path.write_text("#+ summary: first\n#+ columns: [s]\nSELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s\n", "utf-8")
    first = query.parse_query_file(path)
    assert first.summary == "first"
    # a file written just now is never trusted to the cache (the clock may not have moved)
    assert query.parse_query_file(path) is not first
    # ctime cannot be set back, so an aged file is simulated by ageing the clock the cache reads
    real = time.time_ns
    monkeypatch.setattr(time, "time_ns", lambda: real() + 10_000_000_000)
    settled = query.parse_query_file(path)
    assert query.parse_query_file(path) is settled
    path.write_text(
        "#+ summary: second\n#+ columns: [s]\nSELECT ?s WHERE { ?s ?p ?o } ORDER BY ?s\n", "utf-8"
    )
    assert query.parse_query_file(path).summary == "second"
    path.write_text("#+ summary: [broken\n", "utf-8")
    with pytest.raises(SpacecoopError, match="header is not valid YAML"):
        query.parse_query_file(path)


@pytest.mark.parametrize(
    "text, is_sparql",
    [
        ("payload-partners", False),
        ("queries/payload-partners.rq", False),
        ("my queries/x.rq", False),
        ("no-such-query", False),
        ("DESCRIBE <http://example.org/a>", True),
        ("ASK{}", True),
        ("SELECT ?x WHERE { ?x ?p }", True),  # malformed: the front door says so, not "unknown query"
    ],
)
def test_names_and_paths_are_told_from_sparql_by_a_rule(text, is_sparql):
    from spacecoop.sparql.query import _is_query_text

    assert _is_query_text(text) is is_sparql


# -- which engine answers ---------------------------------------------------------------------------


def test_one_rule_chooses_the_engine():
    from spacecoop.store.engine import choose_engine

    assert choose_engine("query") == "compiled"  # the project's files, compiled (test_compiled.py)
    assert choose_engine("query", "oxigraph:/tmp/x") == "oxigraph:/tmp/x"
    assert choose_engine("serve") == "compiled"  # the workers open the compiled store read-only
    assert choose_engine("serve", "memory") == "memory"
    # a page is drawn from the dataset in this process (rdflib's indexes), whatever is served
    assert choose_engine("page") == "memory"
    assert choose_engine("page", "oxigraph") == choose_engine("page", "oxigraph:/srv/store") == "memory"
    assert choose_engine("page", "compiled") == "memory"
    assert choose_engine("page", "sparql:http://127.0.0.1:7878") == "memory"
    with pytest.raises(ValueError, match="unknown use"):
        choose_engine("render")


def test_open_engine_loads_in_process_stores_and_refuses_an_empty_persistent_one(tiny, tmp_path):
    from spacecoop.store.engine import open_engine

    memory = open_engine("query", None, tiny)
    assert memory.name == "memory" and memory.ds is tiny
    page = open_engine("page", "oxigraph:/anywhere", tiny)  # the dataset itself, not a copy
    assert page.name == "memory" and page.ds is tiny and page.query("ASK { ?s ?p ?o }").boolean
    spec = f"oxigraph:{tmp_path / 'store'}"
    with pytest.raises(
        SpacecoopError, match=r"holds no data; fill it first: spacecoop --store oxigraph:.* load"
    ):
        open_engine("query", spec, tiny)  # the dataset given is not written into a persistent store


@pytest.mark.parametrize("module", ["spacecoop.sparql.parse", "spacecoop.store.engine"])
def test_public_names_are_sorted_and_exist(module):
    import importlib

    mod = importlib.import_module(module)
    assert mod.__all__ == sorted(mod.__all__)
    assert all(hasattr(mod, name) for name in mod.__all__)


def test_where_a_group_opens_is_remembered_for_the_parser_that_found_it(tmp_path, monkeypatch, new_process):
    """``bind_values`` remembers across processes where a text's WHERE group opens; a position
    found by other parser code (this module changed, another rdflib or pyparsing) is not served:
    the text is parsed again."""
    from spacecoop.sparql import parse

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    text = "SELECT ?s WHERE { ?s ?p ?v }"
    bound = bind_values(text, {"v": Literal("a")})
    assert (tmp_path / "spacecoop" / "where-starts.json").is_file()

    def refused(text):
        raise AssertionError("the text was parsed again")

    monkeypatch.setattr(parse, "parse_query", refused)
    new_process()  # a new process: only the file is left
    assert bind_values(text, {"v": Literal("a")}) == bound
    monkeypatch.setattr(parse, "_parser_key", lambda: "another parser", raising=False)
    new_process()
    with pytest.raises(AssertionError, match="parsed again"):
        bind_values(text, {"v": Literal("a")})
