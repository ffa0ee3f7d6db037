"""``spacecoop query`` and ``spacecoop queries``, run in-process through ``spacecoop.cli.app.main``."""

from __future__ import annotations

import csv
import io
import json
import xml.etree.ElementTree as ET

import pytest

# The expected values are read off the Chang'e-8 article: the commands run on the project without
# the imported table (tests/_article_only.py), found through $SPACECOOP_ROOT.
from rdflib import Graph

from spacecoop.cli.app import main
from spacecoop.cli.query import parse_param_options
from spacecoop.core.errors import UsageError


@pytest.fixture(autouse=True)
def _article_project(article_root, monkeypatch):
    monkeypatch.setenv("SPACECOOP_ROOT", str(article_root))


PARTNER_COLUMNS = [
    "payload",
    "payloadLabel",
    "organization",
    "organizationLabel",
    "country",
    "countryLabel",
    "role",
    "kind",
    "mission",
]
SRX = "{http://www.w3.org/2005/sparql-results#}"


def run(capsys, *argv):
    """Run the CLI; return (exit code, stdout, stderr)."""
    code = main(list(argv))
    out = capsys.readouterr()
    return code, out.out, out.err


def partners(capsys, fmt, *extra):
    code, out, err = run(
        capsys, *extra, "query", "payload-partners", "--param", "mission=Chang'e-8", "--format", fmt
    )
    assert code == 0, err
    return out


# --------------------------------------------------------------------------- listing


def test_queries_lists_names_params_and_questions(capsys):
    code, out, _ = run(capsys, "queries")
    assert code == 0
    for name in (
        "payload-partners",
        "country-partners",
        "initiative-participants",
        "payload-countries-and-initiative",
        "evidence",
        "hedged-and-contradicted",
    ):
        assert name in out
    assert "mission, initiative" in out
    from spacecoop.sparql.query import list_queries

    assert f"{len(list_queries())} queries" in out


def test_queries_checks(capsys):
    code, out, _ = run(capsys, "queries", "--checks")
    assert code == 0
    assert "payload-without-carriage-violation" in out
    assert "16 checks" in out


def test_help_comes_from_the_docstring(capsys):
    code, out, _ = run(capsys, "query", "--help")
    assert code == 0
    assert "Run a named query from queries/" in out
    assert "--param" in out and "NAME|FILE.rq" in out


# --------------------------------------------------------------------------- formats


def test_table(capsys):
    out = partners(capsys, "table")
    assert "17 rows" in out
    assert "agent:roscosmos" in out and "region:hong-kong" in out
    assert "Star.Vision" in out


def _rich_layout(result, monkeypatch) -> str:
    """What print_table prints when Rich lays the table out (the fast path turned off)."""
    from spacecoop.cli import query as cli_query

    buf = io.StringIO()
    with monkeypatch.context() as m:
        m.setattr(cli_query, "plain_table", lambda *a: None)
        m.setattr("sys.stdout", buf)
        cli_query.print_table(result)
    return buf.getvalue()


def _printed(result, monkeypatch) -> str:
    from spacecoop.cli.query import print_table

    buf = io.StringIO()
    with monkeypatch.context() as m:
        m.setattr("sys.stdout", buf)
        print_table(result)
    return buf.getvalue()


def test_piped_table_is_rich_layout_character_for_character(monkeypatch, article_root, article_ds):
    """The fast piped table (no Rich layout engine) prints exactly what Rich prints: every named
    query's answer, wide and narrow, empty, one row, CJK and markup-like text, a true ASK."""
    from rdflib import Literal, URIRef

    from spacecoop import open_store
    from spacecoop.sparql.query import list_queries
    from spacecoop.store import QueryResult

    store = open_store("memory", article_ds)
    peru = URIRef("https://w3id.org/spacecoop/id/country/peru")
    results = [store.query(nq.text) for nq in list_queries(article_root)]
    results += [
        QueryResult("SELECT", ("x",), ((Literal("a"),),)),
        QueryResult("SELECT", ("x", "y"), ()),
        QueryResult("SELECT", ("x", "n"), ((peru, Literal("嫦娥六号 [bold]x[/]")), (None, Literal("é")))),
        QueryResult("ASK", (), (), boolean=True),
        QueryResult("SELECT", (), ((), ())),  # `SELECT * {}`-like: rows without columns
        QueryResult("SELECT", ("x", "y"), ((peru, Literal("y")), (peru, Literal("a long y")), (peru, None))),
    ]
    assert any(len(r) > 5 for r in results)
    for r in results:
        fast = _printed(r, monkeypatch)
        assert fast == _rich_layout(r, monkeypatch), r.vars


def test_piped_table_leaves_multi_line_cells_to_rich(monkeypatch):
    from rdflib import Literal

    from spacecoop.cli.query import plain_table
    from spacecoop.store import QueryResult

    r = QueryResult("SELECT", ("quote",), ((Literal("one line\nand another"),),))
    assert plain_table(["quote"], [["one line\nand another"]], None) is None
    out = _printed(r, monkeypatch)
    assert out == _rich_layout(r, monkeypatch) and "and another" in out


def test_a_table_writes_out_an_escape_sequence_of_the_data(monkeypatch):
    """A literal holding an escape sequence is printed written out, piped and laid out by Rich
    alike (Rich passed ESC on to the terminal, which hid what followed); CSV keeps the data."""
    from rdflib import Literal

    from spacecoop.store import QueryResult

    r = QueryResult("SELECT", ("label",), ((Literal("Agency\x1b[8m hidden\x07"),),))
    for out in (_printed(r, monkeypatch), _rich_layout(r, monkeypatch)):
        assert "Agency\\x1b[8m hidden\\x07" in out and "\x1b" not in out and "\x07" not in out
    from spacecoop.sparql.results import serialize_result

    assert "\x1b[8m" in serialize_result(r, "csv").decode("utf-8")


def test_csv_parses_back(capsys):
    table = list(csv.reader(io.StringIO(partners(capsys, "csv"), newline="")))
    assert table[0] == PARTNER_COLUMNS
    assert len(table) == 18
    by_org = {r[2].rsplit("/", 1)[1]: r for r in table[1:]}
    assert by_org["roscosmos"][4] == "https://w3id.org/spacecoop/id/country/russia"
    assert by_org["star-vision"][4] == ""  # unbound: the source does not say where it is from


def test_tsv_parses_back(capsys):
    lines = partners(capsys, "tsv").rstrip("\n").split("\n")
    assert lines[0].split("\t") == [f"?{c}" for c in PARTNER_COLUMNS]
    assert len(lines) == 18
    cells = [line.split("\t") for line in lines[1:]]
    assert all(len(c) == len(PARTNER_COLUMNS) for c in cells)
    assert '"Roscosmos"@en' in {c[3] for c in cells}
    assert "<https://w3id.org/spacecoop/id/country/russia>" in {c[4] for c in cells}


def test_json_parses_back(capsys):
    doc = json.loads(partners(capsys, "json"))
    assert doc["head"]["vars"] == PARTNER_COLUMNS
    bindings = doc["results"]["bindings"]
    assert len(bindings) == 17
    roscosmos = [b for b in bindings if b["organization"]["value"].endswith("/roscosmos")]
    assert roscosmos[0]["organizationLabel"] == {"type": "literal", "value": "Roscosmos", "xml:lang": "en"}
    star = next(b for b in bindings if b["organization"]["value"].endswith("/star-vision"))
    assert "country" not in star


def test_xml_parses_back(capsys):
    root = ET.fromstring(partners(capsys, "xml").encode("utf-8"))
    assert [v.get("name") for v in root.iter(f"{SRX}variable")] == PARTNER_COLUMNS
    results = list(root.iter(f"{SRX}result"))
    assert len(results) == 17
    uris = {u.text for u in root.iter(f"{SRX}uri")}
    assert "https://w3id.org/spacecoop/id/org/roscosmos" in uris


def test_md_is_a_markdown_table(capsys):
    lines = partners(capsys, "md").rstrip("\n").split("\n")
    assert lines[0] == "| " + " | ".join(PARTNER_COLUMNS) + " |"
    assert lines[1] == "|" + "|".join(["---"] * len(PARTNER_COLUMNS)) + "|"
    assert len(lines) == 19
    assert all(line.startswith("| ") and line.endswith(" |") for line in lines[2:])
    assert any("| agent:roscosmos | Roscosmos | country:russia | Russia |" in line for line in lines)


def test_store_option_gives_the_same_answer(capsys):
    assert partners(capsys, "csv", "--store", "oxigraph") == partners(capsys, "csv")


@pytest.mark.parametrize(
    "argv",
    [
        ["evidence", "-p", "entity=country:turkey"],
        ["evidence", "-p", "entity=<https://w3id.org/spacecoop/id/country/turkey>"],
        ["evidence", "-p", "entity=https://w3id.org/spacecoop/id/country/turkey"],
        ["evidence", "-p", "entity=Turkey"],
        ["bloc-overlap", "-p", "asOf=2024-06-30"],
        ["payload-countries-and-initiative", "-p", "mission=mission:change-8", "-p", "initiative=ILRS"],
    ],
)
def test_parameters_bind_alike_on_every_store(capsys, argv):
    """A CURIE, an IRI or a day is bound on the compiled store as pyoxigraph's own term (no rdflib),
    a label through the label look-up; every store answers alike, and the answer is about the
    entity given (Turkey's evidence names Turkey's memberships)."""
    answers = []
    for store in ((), ("--store", "memory"), ("--store", "oxigraph")):
        code, out, err = run(capsys, *store, "query", *argv, "--format", "tsv")
        assert code == 0, err
        answers.append(out)
    assert answers[0] == answers[1] == answers[2]
    if argv[0] == "evidence":
        assert "country/turkey" in answers[0] and answers[0].count("\n") > 1


@pytest.mark.slow
@pytest.mark.parametrize("fmt", ["csv", "json"])
def test_every_named_query_runs_from_the_command_line(capsys, fmt):
    for argv in (
        ["country-partners"],
        ["hedged-and-contradicted"],
        ["initiative-participants", "-p", "initiative=ILRS"],
        ["payload-countries-and-initiative", "-p", "mission=mission:change-8", "-p", "initiative=ILRS"],
        ["evidence", "-p", "entity=Turkey"],
    ):
        code, out, err = run(capsys, "query", *argv, "--format", fmt)
        assert code == 0, err
        assert out


def test_a_query_file_runs(capsys, tmp_path):
    path = tmp_path / "count.rq"
    path.write_text(
        "PREFIX sc: <https://w3id.org/spacecoop/ns#>\nSELECT (COUNT(*) AS ?n) WHERE { ?p a sc:Payload }\n",
        encoding="utf-8",
    )
    code, out, err = run(capsys, "query", str(path), "--format", "csv")
    assert code == 0, err
    assert list(csv.reader(io.StringIO(out))) == [["n"], ["10"]]


def test_an_ask_file(capsys, tmp_path):
    path = tmp_path / "ask.rq"
    path.write_text("ASK { ?s ?p ?thing }\n", encoding="utf-8")
    code, out, _ = run(capsys, "query", str(path), "-p", "thing=ILRS", "--format", "json")
    assert code == 0
    assert json.loads(out)["boolean"] is True


def test_a_construct_file_as_turtle(capsys, tmp_path):
    path = tmp_path / "labels.rq"
    path.write_text(
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "CONSTRUCT { ?c skos:prefLabel ?l } "
        "WHERE { ?c a <https://w3id.org/spacecoop/ns#Country> ; skos:prefLabel ?l }\n",
        encoding="utf-8",
    )
    code, out, _ = run(capsys, "query", str(path), "--format", "turtle")
    assert code == 0
    g = Graph().parse(data=out, format="turtle")
    assert len(g) == 28
    code, _, err = run(capsys, "query", str(path), "--format", "csv")
    assert code == 2 and "does not fit a CONSTRUCT result" in err


# --------------------------------------------------------------------------- bad paths


@pytest.mark.parametrize(
    "argv,message",
    [
        (["query", "nope"], "error: unknown query 'nope'; known queries: "),
        (["query", "missing.rq"], "error: no such query file: missing.rq"),
        (["query", "evidence", "--param", "entity"], "error: bad --param 'entity': expected NAME=VALUE"),
        (["query", "evidence", "--param", "=Turkey"], "error: bad --param '=Turkey': expected NAME=VALUE"),
        (
            ["query", "evidence", "-p", "entity=Turkey", "-p", "entity=Peru"],
            "error: bad --param 'entity=Peru': parameter entity given twice",
        ),
        (
            ["query", "evidence", "--param", "mission=Chang'e-8"],
            "error: query 'evidence' has no parameter mission; its parameters: entity",
        ),
        (
            ["query", "country-partners", "--param", "mission=Chang'e-8"],
            "error: query 'country-partners' has no parameter mission; its parameters: none",
        ),
        (
            ["query", "evidence", "--param", "entity=Atlantis"],
            "error: parameter entity: nothing has the label 'Atlantis'",
        ),
        (
            ["query", "evidence", "--param", "entity=partner"],
            (
                "error: parameter entity: the label 'partner' fits 2 entities: role:partner (partner); "
                "status:partner (partner)"
            ),
        ),
        (
            ["query", "evidence", "--param", "entity=country:atlantis"],
            "error: parameter entity: country:atlantis does not occur in the graph",
        ),
        (
            ["query", "evidence", "--param", 'entity=x" } ; DROP ALL ; #'],
            "error: parameter entity: nothing has the label 'x\" } ; DROP ALL ; #'",
        ),
        (
            ["query", "evidence", "--param", "entity=<https://w3id.org/spacecoop/id/country/at lantis>"],
            "error: parameter entity: '<https://w3id.org/spacecoop/id/country/at lantis>' is not a valid IRI",
        ),
        (  # an IRI by RFC 3987's rules that Oxigraph refuses: as when rdflib made the term
            ["query", "evidence", "--param", "entity=https://w3id.org/spacecoop/id/country/%zz"],
            "error: not a valid RDF term: 'https://w3id.org/spacecoop/id/country/%zz' (Invalid IRI",
        ),
        (
            ["--store", "oxigraph", "query", "evidence", "--param", "entity=https://w3id.org/x/%zz"],
            "error: not a valid RDF term: 'https://w3id.org/x/%zz' (Invalid IRI",
        ),
        (
            ["query", "bloc-overlap", "--param", "asOf=2024-02-30"],
            "error: parameter asOf: '2024-02-30' is not a valid date (YYYY-MM-DD)",
        ),
        (
            ["--store", "memory", "query", "evidence", "--param", "entity=country:atlantis"],
            "error: parameter entity: country:atlantis does not occur in the graph",
        ),
        (
            ["--store", "oxigraph", "query", "evidence", "--param", "entity=Atlantis"],
            "error: parameter entity: nothing has the label 'Atlantis'",
        ),
        (["--store", "nowhere", "query", "country-partners"], "error: unknown store 'nowhere'"),
    ],
)
def test_bad_input_is_one_line_and_exit_2(capsys, argv, message):
    code, out, err = run(capsys, *argv)
    assert code == 2
    assert out == ""
    assert err.startswith(message), err
    assert len(err.strip().splitlines()) == 1
    assert "Traceback" not in err


@pytest.mark.parametrize("store", ["memory", "oxigraph"])
def test_malformed_sparql_in_a_file(capsys, tmp_path, store):
    path = tmp_path / "broken.rq"
    path.write_text("SELECT ?x WHERE { ?x ?p\n", encoding="utf-8")
    code, out, err = run(capsys, "--store", store, "query", str(path))
    assert code == 2
    assert out == ""
    assert err.startswith("error: malformed SPARQL")
    assert "Traceback" not in err


@pytest.mark.parametrize("store", ["memory", "oxigraph"])
@pytest.mark.parametrize(
    "text,message",
    [
        ("#+ summary: s\n#+ columns: [x]\nSELECT ?x WHERE { ?x ?p }\n", "error: malformed SPARQL"),
        ("SELECT ?s WHERE { ?s foo:p ?o }\n", "error: malformed SPARQL: Unknown namespace prefix : foo"),
    ],
)
def test_malformed_sparql_is_one_line_on_every_engine(capsys, tmp_path, store, text, message):
    path = tmp_path / "bad.rq"
    path.write_text(text, encoding="utf-8")
    code, out, err = run(capsys, "--store", store, "query", str(path))
    assert (code, out) == (2, "")
    assert err.startswith(message)
    assert len(err.strip().splitlines()) == 1


@pytest.mark.parametrize("store", ["memory", "oxigraph"])
def test_a_param_must_be_returned_to_be_bound(capsys, tmp_path, store):
    path = tmp_path / "hidden.rq"
    path.write_text("SELECT ?s WHERE { ?s ?p ?thing }\n", encoding="utf-8")
    code, _, err = run(capsys, "--store", store, "query", str(path), "-p", "thing=ILRS")
    assert code == 2
    assert err.startswith("error: query 'hidden' does not return ?thing")
    path.write_text("SELECT ?s ?thing WHERE { ?s ?p ?thing } ORDER BY ?s\n", encoding="utf-8")
    code, out, err = run(capsys, "--store", store, "query", str(path), "-p", "thing=Roscosmos", "-f", "csv")
    assert code == 0, err
    dev = "https://w3id.org/spacecoop/id/development/payload/change-8/{}/org/roscosmos"
    roscosmos = "https://w3id.org/spacecoop/id/org/roscosmos"
    assert out.splitlines()[1:] == [
        f"{dev.format('lunar-ion-and-high-energy-neutral-particle-analyzer')},{roscosmos}",
        f"{dev.format('lunar-plasma-dust-environment-sensor')},{roscosmos}",
    ]


def test_a_bad_header_names_the_file(capsys, tmp_path):
    path = tmp_path / "bad-header.rq"
    path.write_text("#+ summary: [unclosed\nSELECT * WHERE { ?s ?p ?o }\n", encoding="utf-8")
    code, _, err = run(capsys, "query", str(path))
    assert code == 2
    assert str(path) in err and "header is not valid YAML" in err


def test_an_unknown_format_is_refused_by_click(capsys):
    code, _, err = run(capsys, "query", "country-partners", "--format", "html")
    assert code == 2
    assert "Invalid value for '--format'" in err


def test_parse_param_options():
    assert parse_param_options(["a=1", "b=x=y", "c="]) == {"a": "1", "b": "x=y", "c": ""}
    with pytest.raises(UsageError):
        parse_param_options(["1a=x"])


def _stdin_query(monkeypatch, capsys, text: str, *argv: str):
    """Run `spacecoop query -` with ``text`` on standard input, in-process."""
    import sys

    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode("utf-8")), encoding="utf-8"))
    return run(capsys, "query", "-", *argv)


def test_a_query_from_standard_input(monkeypatch, capsys):
    text = "SELECT (COUNT(*) AS ?payloads) WHERE { ?p a <https://w3id.org/spacecoop/ns#Payload> }"
    code, out, err = _stdin_query(monkeypatch, capsys, text, "--format", "csv")
    assert code == 0, err
    assert list(csv.reader(io.StringIO(out))) == [["payloads"], ["10"]]


@pytest.mark.parametrize(
    "text, message",
    [
        ("", "no query on standard input"),
        ("SELEC", "malformed SPARQL"),
    ],
)
def test_a_bad_query_from_standard_input(monkeypatch, capsys, text, message):
    code, out, err = _stdin_query(monkeypatch, capsys, text)
    assert code == 2
    assert message in err and len(err.strip().splitlines()) == 1
    assert out == ""


# --------------------------------------------------------------------------- text rows


def _engine_results(store, text):
    """The same answer twice: one as the engine gave it (written from its text rows) and one
    whose rdflib rows were read first (written from rdflib terms, as before text rows)."""
    fast, slow = store.query(text), store.query(text)
    assert slow.rows is not None and slow.text_rows() is None
    return fast, slow


def _writes_alike(fast, slow, monkeypatch):
    from spacecoop.cli.query import markdown_table
    from spacecoop.sparql.results import serialize_result

    for fmt in ("csv", "json", "tsv", "xml"):
        assert serialize_result(fast, fmt) == serialize_result(slow, fmt), fmt
    assert markdown_table(fast) == markdown_table(slow)
    assert _printed(fast, monkeypatch) == _printed(slow, monkeypatch)
    assert fast == slow and len(fast) == len(slow)


def test_oxigraph_text_rows_write_what_rdflib_terms_write(monkeypatch, article_root, article_ds):
    """Every named query's answer on Oxigraph, written from its text rows (no rdflib term per
    cell), is byte for byte what its rdflib terms give in every format of ``spacecoop query``."""
    from spacecoop import open_store
    from spacecoop.sparql.query import list_queries

    store = open_store("oxigraph", article_ds)
    texts = 0
    for nq in list_queries(article_root):
        fast, slow = _engine_results(store, nq.text_for(store))
        texts += fast.text_rows() is not None
        _writes_alike(fast, slow, monkeypatch)
    assert texts >= len(list_queries(article_root)) - 2  # most answers need no rdflib term


@pytest.mark.parametrize(
    "values, as_text",
    [
        ('(<urn:a> "plain, \\"quoted\\"\\r\\nline" "é"@en-GB "7"^^xsd:integer)', True),
        ('(UNDEF "2024-06-30"^^xsd:date "-12"^^xsd:integer "true"^^xsd:boolean)', True),
        ('("嫦娥 [bold]x[/]" "2024"^^xsd:gYear "2024-06"^^xsd:gYearMonth UNDEF)', True),
        ('(<urn:a> "07"^^xsd:integer UNDEF UNDEF)', True),  # Oxigraph reads it as 7 already
        # escapes JSON needs (tab, backslash), and U+007F, U+2028 and a character outside the BMP,
        # which it leaves as they are
        ('("tab\\there \\\\ back" "\\u2028 \\U0001F600"@zh "x\\u007Fy" <urn:a#%C3%A9>)', True),
        ('(<urn:a> "2024-02-30"^^xsd:date UNDEF UNDEF)', False),  # rdflib logs it
        ('(<urn:a> "1.50"^^xsd:decimal UNDEF UNDEF)', False),  # a datatype rdflib reads
    ],
)
def test_text_rows_only_where_rdflib_keeps_the_text(monkeypatch, values, as_text):
    import pyoxigraph as ox

    from spacecoop import open_store

    store = open_store("oxigraph")
    store.store.add(ox.Quad(ox.BlankNode("b1"), ox.NamedNode("urn:p"), ox.Literal("x")))
    text = (
        "PREFIX xsd: <http://www.w3.org/2001/XMLSchema#>\n"
        f"SELECT ?a ?b ?c ?d ?n WHERE {{ VALUES (?a ?b ?c ?d) {{ {values} }} ?n <urn:p> ?o }}"
    )
    fast, slow = _engine_results(store, text)
    assert (fast.text_rows() is not None) is as_text
    _writes_alike(fast, slow, monkeypatch)


def test_json_of_text_rows_is_json_dumps_of_the_document():
    """The SPARQL JSON writer of text rows, which writes each distinct term once, gives the bytes of
    ``json.dumps`` of the whole document (what rdflib's writer gives), for values with every kind
    of character JSON escapes or leaves (control characters, quotes, U+2028, outside the BMP,
    lone surrogates excepted: they have no UTF-8), unbound cells and empty answers."""
    import random

    from spacecoop.sparql.results import _json_text

    def dumped(names, rows):
        def term(t):
            out = {"type": t[0], "value": t[1]}
            if t[3]:
                out["datatype"] = t[3]
            if t[2]:
                out["xml:lang"] = t[2]
            return out

        bindings = [{v: term(t) for v, t in zip(names, row, strict=True) if t is not None} for row in rows]
        doc = {"results": {"bindings": bindings}, "head": {"vars": list(names)}}
        return json.dumps(doc, ensure_ascii=False).encode("utf-8")

    rnd = random.Random(15)
    chars = ["a", '"', "\\", "\n", "\r", "\t", "\x00", "\x1f", "\x7f", "é", "\u2028", "\U0001f600", "/", " "]

    def text():
        return "".join(rnd.choice(chars) for _ in range(rnd.randint(0, 6)))

    for _ in range(2000):
        names = tuple(dict.fromkeys(text() or "v" for _ in range(rnd.randint(0, 4))))
        kinds = [
            None,
            ("uri", "", "", ""),
            ("bnode", "", "", ""),
            ("literal", "", "x", ""),
            ("literal", "", "", "x"),
        ]
        pool = [None] + [
            (k[0], text(), k[2] and text(), k[3] and text()) for k in kinds[1:] for _ in range(2)
        ]
        rows = tuple(tuple(rnd.choice(pool) for _ in names) for _ in range(rnd.randint(0, 5)))
        assert _json_text(names, rows) == dumped(names, rows), (names, rows)


XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.mark.parametrize(
    "value, datatype, as_text",
    [
        ("0", "integer", True),
        ("-12", "integer", True),
        ("123456789012345678901234567890", "integer", True),
        ("07", "integer", False),
        ("+7", "integer", False),
        ("-0", "integer", False),
        ("true", "boolean", True),
        ("1", "boolean", False),
        ("2024-06-30", "date", True),
        ("0001-01-01", "date", True),
        ("2024-02-30", "date", False),
        ("2024-06-30Z", "date", False),
        ("2024", "gYear", True),
        ("24", "gYear", True),
        ("2024-06", "gYearMonth", True),
        ("1.50", "decimal", False),
        ("1", "double", False),
        ("2024-06-30T00:00:00", "dateTime", False),
    ],
)
def test_text_from_oxigraph_only_where_rdflib_keeps_the_text(value, datatype, as_text):
    """The rules of text_from_oxigraph, checked against the rdflib term from_oxigraph makes (a term
    made here directly: Oxigraph's parsers would already write some of these canonically)."""
    import pyoxigraph as ox

    from spacecoop.core.rdfterms import from_oxigraph, text_from_oxigraph

    term = ox.Literal(value, datatype=ox.NamedNode(XSD + datatype))
    text = text_from_oxigraph(term)
    assert (text is not None) is as_text
    if text is not None:
        rdf = from_oxigraph(term)
        assert text == ("literal", str(rdf), "", str(rdf.datatype))


def test_a_named_query_on_the_compiled_store_imports_no_rdflib(article_root, capsys):
    """``spacecoop query`` on the compiled store, printed as a table, CSV, JSON, TSV or XML, and
    with a parameter given as a CURIE or a day, starts without rdflib (a tenth of a second: issue
    #15), nor Rich's console for a piped table, and prints what the command prints in a process
    that has them (as this one).

    Each command runs twice and the second run is checked: the first may build the compiled store,
    and the first with a parameter parses the query text with rdflib to find where its VALUES go
    (remembered across processes, by the text). Checking only the first run of the whole set
    passed only where an earlier test had already run the same query with a parameter."""
    import os
    import subprocess
    import sys

    env = {**os.environ, "SPACECOOP_ROOT": str(article_root)}
    script = (
        "import sys; from spacecoop.cli.app import main; code = main(sys.argv[1:]); "
        "sys.stdout.flush(); print(sorted(m for m in sys.modules if m.split('.')[0] in "
        "('rdflib', 'pyparsing', 'yaml') or m == 'rich.console'), file=sys.stderr); sys.exit(code)"
    )
    runs = [("country-partners", "--format", f) for f in ("json", "csv", "table", "json", "tsv", "xml")]
    runs += [
        ("evidence", "-p", "entity=country:turkey", "--format", "tsv"),  # a CURIE
        ("bloc-overlap", "-p", "asOf=2024-06-30", "--format", "csv"),  # a day
    ]
    for name, *argv in runs:
        fmt = argv[-1]
        for _ in range(2):
            proc = subprocess.run(
                [sys.executable, "-c", script, "query", name, *argv],
                capture_output=True,
                text=True,
                env=env,
                timeout=300,
            )
            assert proc.returncode == 0 and proc.stdout, proc.stderr
        assert proc.stderr.strip().splitlines()[-1] == "[]", (name, fmt)
        if fmt != "csv":  # the same text as in process (text=True turns CSV's CRLF into LF)
            assert run(capsys, "query", name, *argv)[1] == proc.stdout


class _Tty(io.StringIO):
    def isatty(self) -> bool:
        return True


@pytest.mark.parametrize("stream", [io.StringIO, _Tty])
@pytest.mark.parametrize(
    "env",
    [{}, {"FORCE_COLOR": ""}, {"FORCE_COLOR": "1"}, {"TTY_COMPATIBLE": "0"}, {"TTY_COMPATIBLE": "1"}],
)
def test_surely_piped_only_where_rich_sees_no_terminal(monkeypatch, stream, env):
    """The piped table skips Rich's console only where Rich would find no terminal."""
    from rich.console import Console

    from spacecoop.cli.query import _surely_piped

    for name in ("FORCE_COLOR", "TTY_COMPATIBLE"):
        monkeypatch.delenv(name, raising=False)
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    monkeypatch.setattr("sys.stdout", stream())
    if _surely_piped():
        assert not Console(highlight=False, soft_wrap=False).is_terminal
    assert _surely_piped() is (
        (stream is io.StringIO and not env)
        or env.get("FORCE_COLOR") == ""
        or env.get("TTY_COMPATIBLE") == "0"
    )


def test_an_answer_rdflib_will_not_write_as_turtle_is_refused_in_one_line(
    capsys, caplog, root, tmp_path, monkeypatch
):
    """A source with an IRI typo (a space): a CONSTRUCT that returns it cannot be written as
    Turtle or N-Triples; the command says so in one line naming the IRI (exit 2, no traceback,
    not 'error: Exception: ...') and JSON-LD still writes it."""
    import logging

    from _article_only import copy_article_project

    caplog.set_level(logging.ERROR, logger="rdflib.term")  # rdflib warns of each IRI it reads; restored after
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    project = copy_article_project(root, tmp_path / "project")
    (project / "graph" / "sources" / "typo.trig").write_text(
        "@prefix org: <http://www.w3.org/ns/org#> .\n"
        "<https://w3id.org/spacecoop/id/source/typo> { <https://w3id.org/spacecoop/id/participation/x> "
        "org:member <https://w3id.org/spacecoop/id/country/thai land> . }\n",
        encoding="utf-8",
    )
    query = tmp_path / "members.rq"
    query.write_text(
        "PREFIX org: <http://www.w3.org/ns/org#>\n"
        "CONSTRUCT { ?p org:member ?m } WHERE { ?p org:member ?m }\n",
        encoding="utf-8",
    )
    for fmt in ("turtle", "nt"):
        rc, _, err = run(capsys, "--root", str(project), "query", str(query), "--format", fmt)
        assert rc == 2, err
        assert f"error: the answer cannot be written as {fmt}:" in err and "thai land" in err
        assert "Traceback" not in err and "Exception:" not in err
    rc, out, err = run(capsys, "--root", str(project), "query", str(query), "--format", "jsonld")
    assert rc == 0, err
    assert "thai land" in out
