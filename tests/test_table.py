"""The table importer (spacecoop import-table) and the bloc queries over what it imported.

Expected answers are read off ``../shared/reference/cooperation-facts.csv`` by hand and written
out here; they are not copied from the graph.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from rdflib import RDF, SKOS, XSD, Literal, URIRef
from rdflib.namespace import PROV

from spacecoop.cli.app import main
from spacecoop.core.errors import SpacecoopError
from spacecoop.core.namespaces import ID, SC, concept, entity_iri, relationship_iri
from spacecoop.importers.table import (
    COLUMNS,
    TableError,
    build_table,
    find_table,
    import_table,
    parse_publisher,
    read_table,
    source_slug,
)
from spacecoop.sparql.query import list_queries, run_query
from spacecoop.store import open_store

DATA = Path(__file__).resolve().parent / "data" / "table"
ILRS = entity_iri("initiative", "International Lunar Research Station")
APSCO = entity_iri("org", "Asia-Pacific Space Cooperation Organization")
ARTEMIS = entity_iri("initiative", "Artemis Accords")
ARTICLE = ID["source/spacenews-2025-04-25-change-8-payloads"]
# Pages the table cites, as (URL, publisher as the table gives it): the source IRI is made of both.
SPACENEWS_THAILAND = (
    "https://spacenews.com/thailand-joins-china-led-ilrs-moon-base-initiative/",
    "SpaceNews",
)
STRAITS_TIMES = (
    "https://www.straitstimes.com/asia/partner-nations-on-chinas-lunar-research-station-programme",
    "Reuters via Straits Times",
)
SPACEWATCH_SERBIA = (
    "https://spacewatch.global/2024/05/serbia-becomes-the-latest-country-to-join-ilrs-program/",
    "SpaceWatch.Global",
)
AFRICAFLYING_CHANGE_8 = (
    "https://africaflying.com/china-selects-international-payloads-for-change-8-lunar-south-pole-mission",
    "SpaceNews (repost on africaflying.com)",
)
TABLE_QUERIES = (
    "bloc-overlap",
    "bloc-timeline",
    "disputed-claims",
    "source-coverage",
    "payload-countries-by-bloc",
)


@pytest.fixture(scope="module")
def table() -> Path:
    try:
        path = find_table()
    except SpacecoopError:
        pytest.skip("../shared/reference/cooperation-facts.csv is not at hand")
    if not path.is_file():
        pytest.skip("../shared/reference/cooperation-facts.csv is not at hand")
    return path


@pytest.fixture(scope="module")
def table_ds(tmp_path_factory, root):
    """The article and the imported table only, not sources added since with `spacecoop add`: the
    numbers below are the table's, and adding a source must not change them."""
    from _article_only import copy_table_project

    from spacecoop.core.load import load_dataset

    return load_dataset(copy_table_project(root, tmp_path_factory.mktemp("table") / "project"))


@pytest.fixture(scope="module")
def stores(table_ds):
    """The project's dataset in both engines; every query answer is asserted on both."""
    return {"memory": open_store("memory", table_ds), "oxigraph": open_store("oxigraph", table_ds)}


def answer(stores, name, **params):
    """Run a named query on both engines, check they agree, and return plain rows."""
    results = {n: run_query(s, name, params) for n, s in stores.items()}
    memory, oxigraph = results["memory"], results["oxigraph"]
    assert memory.vars == oxigraph.vars
    assert memory.rows == oxigraph.rows, f"{name}: rdflib and Oxigraph disagree"
    return [
        {k: (str(v) if v is not None else None) for k, v in zip(memory.vars, row, strict=False)}
        for row in memory.rows
    ]


def label(ds, node) -> str:
    return str(ds.value(node, SKOS.prefLabel))


# ------------------------------------------------------------------------------------------------
# Reading the table
# ------------------------------------------------------------------------------------------------


def test_the_table_reads_as_its_readme_says(table):
    rows = read_table(table)
    assert len(rows) == 179
    assert len({r.fact_id for r in rows}) == 179
    assert rows[0].line == 2 and rows[-1].line == 180
    assert sum(r.certainty == "disputed" for r in rows) == 5


def test_the_package_exports_its_public_names_in_order():
    """``spacecoop.importers.table`` is a package of one-job modules; its ``__all__`` is the API the
    CLI, ``spacecoop add`` and these tests import from it."""
    import spacecoop.importers.table as table

    def isort_style(name: str) -> tuple[int, str]:  # ruff's RUF022 order: CONSTANTS, Classes, functions
        return (0 if name.isupper() else 1 if name[0].isupper() else 2, name)

    assert table.__all__ == sorted(table.__all__, key=isort_style)
    assert all(hasattr(table, n) for n in table.__all__)
    assert table.read_table.__module__ == "spacecoop.importers.table.rows"
    assert table.import_table.__module__ == "spacecoop.importers.table.importing"


BROKEN = {
    "unknown-relation.csv": (2, "3: relation: unknown relation 'friend_of'"),
    "bad-date.csv": (2, "3: date: '2024-02-30' is not a valid ISO 8601 date"),
    "date-precision-mismatch.csv": (
        2,
        "3: date_precision: 'day' does not match the date '2024-02' (precision month)",
    ),
    "missing-source-url.csv": (2, "3: source_url: missing"),
    "unknown-kind.csv": (2, "3: subject_kind: unknown kind 'nation'"),
    "wrong-column-count.csv": (2, "3: row: expected 15 fields, found 13"),
    "unknown-country.csv": (2, "3: subject: 'Atlantis' is not a country pycountry knows"),
    "payload-without-developer.csv": (1, "a payload needs at least one developer"),
    "header-only.csv": (2, "2: table: no data rows after the header"),
    "control-character.csv": (2, "3: detail: holds the control character U+0000 at character 5"),
}


def test_every_broken_fixture_is_found():
    assert sorted(p.name for p in DATA.glob("*.csv")) == sorted([*BROKEN, "good.csv"])


@pytest.mark.parametrize("name", sorted(BROKEN))
def test_a_broken_table_is_reported_and_nothing_is_written(name, root, tmp_path, capsys):
    code, message = BROKEN[name]
    out = tmp_path / "graph"
    fixture = DATA / name
    assert main(["--root", str(root), "import-table", str(fixture), "--out", str(out)]) == code
    err = capsys.readouterr().err
    assert message in err
    if code == 2:
        assert f"{fixture}:{message}" in err  # FILE:ROW: field: message
        assert "Traceback" not in err
    assert not out.exists() or not any(out.rglob("*"))


def imported_folder(root: Path, tmp_path: Path) -> tuple[Path, dict[Path, bytes]]:
    """A graph/ folder as a previous import left it (the good table), and its files' bytes."""
    out = tmp_path / "graph"
    import_table(DATA / "good.csv", out, root, check=False)
    files = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert len(files) == 3
    return out, files


def test_a_header_only_table_refuses_and_keeps_the_imported_sources(root, tmp_path, capsys):
    out, before = imported_folder(root, tmp_path)
    table = DATA / "header-only.csv"
    assert main(["--root", str(root), "import-table", str(table), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{table}:2: table: no data rows after the header" in err and "nothing was written" in err
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


@pytest.mark.parametrize("char", ["\x00", "\x01", "\x1b", "\x7f", "\r"])
def test_a_control_character_in_a_field_is_refused(char, root, tmp_path, capsys):
    lines = (DATA / "good.csv").read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("Test row", f'"Test{char}row"' if char == "\r" else f"Test{char}row")
    path = tmp_path / "t.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    out = tmp_path / "graph"
    assert main(["--root", str(root), "import-table", str(path), "--out", str(out)]) == 2
    err = capsys.readouterr().err
    assert f"{path}:2: detail: holds the control character U+{ord(char):04X} at character 5" in err
    assert not out.exists()


def test_line_breaks_and_tabs_in_a_quoted_field_are_kept(tmp_path):
    lines = (DATA / "good.csv").read_text(encoding="utf-8").splitlines()
    lines[1] = lines[1].replace("Test row", '"Test\r\nrow\twith a tab"')
    path = tmp_path / "t.csv"
    path.write_bytes(("\r\n".join(lines) + "\r\n").encode())
    assert read_table(path)[0].detail == "Test\r\nrow\twith a tab"


def run_cli(*args: str, timeout: float = 120) -> subprocess.CompletedProcess:
    """Run spacecoop in a child with 2 GiB of address space, so a runaway read fails instead of
    taking the machine; a hang fails the test by its timeout."""
    import resource

    def limit() -> None:
        resource.setrlimit(resource.RLIMIT_AS, (2 << 30, 2 << 30))

    return subprocess.run(
        [sys.executable, "-m", "spacecoop", *args],
        capture_output=True,
        text=True,
        timeout=timeout,
        preexec_fn=limit,
        check=False,
    )


@pytest.mark.parametrize("kind", ["fifo", "dev-zero", "socket", "directory", "symlink-to-fifo"])
def test_a_table_that_is_not_a_regular_file_is_refused_at_once(kind, root, tmp_path):
    import socket

    path = tmp_path / "table.csv"
    if kind == "fifo":
        os.mkfifo(path)
    elif kind == "dev-zero":
        path = Path("/dev/zero")
    elif kind == "socket":
        sock = socket.socket(socket.AF_UNIX)
        sock.bind(str(path))
    elif kind == "directory":
        path.mkdir()
    else:
        os.mkfifo(tmp_path / "pipe")
        path.symlink_to(tmp_path / "pipe")
    out = tmp_path / "graph"
    proc = run_cli("--root", str(root), "import-table", str(path), "--out", str(out), timeout=60)
    assert proc.returncode == 2 and not out.exists()
    if kind == "directory":  # click's own check of the argument
        assert "is a directory" in proc.stderr
        return
    assert proc.stderr.startswith(f"error: {path}: not a regular file (")
    assert proc.stderr.count("\n") == 1


def test_a_table_over_the_size_limit_is_refused_unread(root, tmp_path):
    from spacecoop.core.inputs import MAX_INPUT_BYTES

    path = tmp_path / "huge.csv"
    with open(path, "wb") as f:
        f.write(",".join(COLUMNS).encode() + b"\r\n")
        f.truncate(MAX_INPUT_BYTES + 1)  # sparse: costs no disk
    out = tmp_path / "graph"
    proc = run_cli("--root", str(root), "import-table", str(path), "--out", str(out), timeout=60)
    assert proc.returncode == 2 and not out.exists()
    assert f"{path}: larger than the 64 MiB limit for a data file" in proc.stderr


def test_all_bad_rows_are_reported_at_once(tmp_path):
    lines = (DATA / "bad-date.csv").read_text(encoding="utf-8").splitlines()
    lines.append(lines[2].replace("bad-date", "bad-date-2").replace("signatory_of", "likes"))
    path = tmp_path / "two.csv"
    path.write_text("\r\n".join(lines) + "\r\n", encoding="utf-8")
    with pytest.raises(TableError) as exc:
        read_table(path)
    assert [(e.row, e.field) for e in exc.value.errors] == [(3, "date"), (5, "date"), (5, "relation")]


def test_a_bad_header_is_row_one(tmp_path):
    path = tmp_path / "h.csv"
    path.write_text("fact_id,subject\r\nx,y\r\n", encoding="utf-8")
    with pytest.raises(TableError, match=r"h.csv:1: header: expected the columns fact_id,subject,"):
        read_table(path)
    assert len(COLUMNS) == 15


def test_a_good_table_imports_into_an_empty_folder(root, tmp_path, capsys):
    out = tmp_path / "graph"
    assert main(["--root", str(root), "import-table", str(DATA / "good.csv"), "--out", str(out)]) == 0
    assert "read 2 rows" in capsys.readouterr().out
    names = sorted(str(p.relative_to(out)) for p in out.rglob("*") if p.is_file())
    assert names == sorted(
        [
            "imported/table-entities.ttl",
            f"imported/{source_slug('https://example.org/a', 'Example News')}.trig",
            f"imported/{source_slug('https://example.org/b', 'Example News')}.trig",
        ]
    )


def test_dry_run_writes_nothing(root, tmp_path, capsys):
    out = tmp_path / "graph"
    assert (
        main(["--root", str(root), "import-table", str(DATA / "good.csv"), "--out", str(out), "--dry-run"])
        == 0
    )
    assert "would write 3 changed files" in capsys.readouterr().out
    assert not out.exists()


# ------------------------------------------------------------------------------------------------
# Idempotence: the committed files are what the importer makes, and re-running changes nothing
# ------------------------------------------------------------------------------------------------


def test_the_committed_graph_files_are_what_the_importer_makes(table, root):
    files = build_table(table, root).files
    assert len(files) == 96 + 1
    for name, data in files.items():
        assert (root / "graph" / name).read_bytes() == data, f"graph/{name} is stale: re-run import-table"
    on_disk = {f"imported/{p.name}" for p in (root / "graph" / "imported").glob("table-*.trig")}
    assert on_disk == {n for n in files if n.startswith("imported/table-") and n.endswith(".trig")}


@pytest.mark.slow
def test_reimport_changes_nothing(table, root, tmp_path):
    out = tmp_path / "graph"
    first = import_table(table, out, root)
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert len(first.changed) == 97 and not first.unchanged
    second = import_table(table, out, root, check=False)
    assert second.changed == () and len(second.unchanged) == 97 and second.removed == ()
    assert {p: p.read_bytes() for p in out.rglob("*") if p.is_file()} == before


def test_a_source_the_table_no_longer_names_is_removed(root, tmp_path):
    out = tmp_path / "graph"
    (out / "sources").mkdir(parents=True)
    (out / "imported").mkdir(parents=True)
    stale = out / "imported" / "table-gone-00000000.trig"
    stale.write_text("# stale\n", encoding="utf-8")
    kept = out / "sources" / "hand-curated.trig"
    kept.write_text("# not ours\n", encoding="utf-8")
    result = import_table(DATA / "good.csv", out, root, check=False)
    assert result.removed == ("imported/table-gone-00000000.trig",)
    assert not stale.exists() and kept.exists()


# ------------------------------------------------------------------------------------------------
# The imported graph
# ------------------------------------------------------------------------------------------------


def test_one_source_per_page_with_its_provenance(table_ds):
    sources = [s for s in table_ds.subjects(RDF.type, SC.Source) if str(s) != str(ARTICLE)]
    assert len(sources) == 96
    page = ID[f"source/{source_slug(*SPACENEWS_THAILAND)}"]
    g = table_ds.default_graph
    assert (page, RDF.type, URIRef("https://schema.org/WebPage")) in g
    assert g.value(page, URIRef("https://schema.org/publisher")) == entity_iri("org", "SpaceNews")
    # "Reuters via Straits Times": the Straits Times page carries Reuters' text; month precision.
    reuters = ID[f"source/{source_slug(*STRAITS_TIMES)}"]
    assert g.value(reuters, URIRef("https://schema.org/publisher")) == entity_iri("org", "Straits Times")
    assert g.value(reuters, SC.originalPublisher) == entity_iri("org", "Reuters")
    spacewatch = ID[f"source/{source_slug(*SPACEWATCH_SERBIA)}"]
    assert g.value(spacewatch, URIRef("https://schema.org/datePublished")) == Literal(
        "2024-05", datatype=XSD.gYearMonth
    )


def test_publishers_are_read_from_the_publisher_column():
    assert (
        parse_publisher("SpaceNews (repost on africaflying.com)", "https://africaflying.com/x").name
        == "africaflying.com"
    )
    assert (
        parse_publisher("US State Department (repost)", "https://menafn.com/x").original
        == "US State Department"
    )
    assert parse_publisher("exbulletin.com (repost)", "https://exbulletin.com/x").original is None
    assert (
        parse_publisher("South African National Space Agency (SANSA)", "https://sansa.org.za").acronym
        == "SANSA"
    )
    assert parse_publisher("Punch (Nigeria)", "https://punchng.com/x").country == "Nigeria"


def test_table_claims_carry_detail_and_fact_id_not_quotes(table_ds, table):
    claims = set(table_ds.subjects(SC.factId, None))
    assert len(claims) == 179
    assert {str(table_ds.value(c, SC.factId)) for c in claims} == {r.fact_id for r in read_table(table)}
    compilation = entity_iri("source", "cooperation-facts")
    assert (compilation, RDF.type, SC.Compilation) in table_ds
    for c in claims:
        assert not list(table_ds.objects(c, SC.quote)), c
        assert str(table_ds.value(c, SC.detail)).strip()
        assert table_ds.value(c, SC.compiledIn) == compilation
        source = table_ds.value(c, PROV.wasDerivedFrom)
        assert (c, RDF.type, SC.Claim) in table_ds.graph(source)


def test_thailand_is_one_node_with_claims_from_the_article_and_the_table(table_ds):
    thailands = [n for n in table_ds.subjects(RDF.type, SC.Country) if label(table_ds, n) == "Thailand"]
    assert thailands == [entity_iri("country", "Thailand")]
    rel = relationship_iri("participation", thailands[0], ILRS)
    sources = {table_ds.value(c, PROV.wasDerivedFrom) for c in table_ds.subjects(SC.about, rel)}
    spacenews = ID[f"source/{source_slug(*SPACENEWS_THAILAND)}"]
    assert sources == {ARTICLE, spacenews}
    # ... and the same node is tied to APSCO and the Artemis Accords.
    assert (thailands[0], SC.participatesIn, APSCO) in table_ds
    assert (thailands[0], SC.participatesIn, ARTEMIS) in table_ds


def test_russia_and_the_ilrs_is_one_participation_for_article_and_table(table_ds):
    rel = relationship_iri("participation", entity_iri("country", "Russia"), ILRS)
    by_source = {table_ds.value(c, PROV.wasDerivedFrom): c for c in table_ds.subjects(SC.about, rel)}
    assert ARTICLE in by_source and len(by_source) == 2
    table_claim = next(c for s, c in by_source.items() if s != ARTICLE)
    assert table_ds.value(table_claim, SC.date) == Literal("2021-03-09", datatype=XSD.date)
    assert table_ds.value(table_claim, SC.datePrecision) == concept("date-precision", "day")


@pytest.mark.parametrize(
    "name, alpha2",
    [
        ("Turkey", "TR"),
        ("Czech Republic", "CZ"),
        ("South Korea", "KR"),
        ("Bolivia", "BO"),
        ("Russia", "RU"),
        ("Iran", "IR"),
    ],
)
def test_countries_resolve_to_iso_codes(table_ds, name, alpha2):
    node = entity_iri("country", name)
    assert (node, RDF.type, SC.Country) in table_ds
    assert str(table_ds.value(node, SC.iso3166Alpha2)) == alpha2


def test_agencies_match_existing_entities_by_name_or_alias(table_ds):
    # Table names that organizations.ttl already has, as prefLabel or altLabel.
    suparco = entity_iri("org", "Pakistan Space and Upper Atmosphere Research Commission")
    icube = entity_iri("payload", "ICUBE-Q", within="Chang'e-6")
    assert (relationship_iri("development", icube, suparco), RDF.type, SC.PayloadDevelopment) in table_ds
    infn = entity_iri("org", "INFN Frascati National Laboratories")
    inrri = entity_iri("payload", "INRRI", within="Chang'e-6")
    assert (infn, SC.develops, inrri) in table_ds
    conida = entity_iri("org", "National Commission for Aerospace Research and Development")
    # an organisation's own joining claim at organisation level: a member in its own name
    assert (conida, SC.participatesIn, APSCO) in table_ds
    assert not list(
        table_ds.subjects(
            SKOS.prefLabel,
            Literal("National Aerospace Research and Development Commission (Peru)", lang="en"),
        )
    )


def test_dates_are_typed_by_their_precision(table_ds):
    def claim(fact_id):
        return next(table_ds.subjects(SC.factId, Literal(fact_id)))

    assert table_ds.value(claim("ilrs-china"), SC.date) == Literal("2021-06", datatype=XSD.gYearMonth)
    assert table_ds.value(claim("ilrs-china"), SC.datePrecision) == concept("date-precision", "month")
    assert table_ds.value(claim("cnes-cnsa-mou-2019"), SC.date) == Literal("2019", datatype=XSD.gYear)
    assert table_ds.value(claim("ilrs-djibouti"), SC.date) is None
    assert table_ds.value(claim("ilrs-djibouti"), SC.datePrecision) is None


def test_statuses_levels_and_relationship_kinds(table_ds):
    def claim(fact_id):
        return next(table_ds.subjects(SC.factId, Literal(fact_id)))

    expected = {
        "artemis-australia": ("founding-member", "national"),
        "artemis-oman": ("signatory", "national"),
        "apsco-convention-indonesia": ("signatory-state", "national"),
        "apsco-associate-egypt": ("associate-member", "national"),
        "apsco-member-turkey": ("member", "national"),
        "ilrs-turkey-application": ("applicant", "national"),
        "apsco-observer-isnet": ("observer", "organization"),
        "ilrs-dsel-mou-panama": ("partner", "sub-national"),
    }
    for fact_id, (status, level) in expected.items():
        c = claim(fact_id)
        assert (table_ds.value(c, SC.status), table_ds.value(c, SC.level)) == (
            concept("status", status),
            concept("level", level),
        ), fact_id
    # Contributions: a country or an organisation provides a payload.
    nils = entity_iri("payload", "NILS", within="Chang'e-6")
    esa = entity_iri("org", "European Space Agency")
    assert (relationship_iri("contribution", nils, esa), SC.contributor, esa) in table_ds
    # Entity facts: launch site, landing site, seat, and APSCO's inauguration (not a launch).
    ce6 = entity_iri("mission", "Chang'e-6")
    assert table_ds.value(ce6, SC.launchSite) == entity_iri("place", "Wenchang Space Launch Site")
    assert table_ds.value(ce6, SC.landingSite) == entity_iri("place", "South Pole-Aitken Basin")
    assert table_ds.value(APSCO, SC.inauguratedIn) == entity_iri("place", "Beijing")
    assert table_ds.value(claim("apsco-inauguration"), SC.date) == Literal("2008-12-16", datatype=XSD.date)
    assert table_ds.value(claim("apsco-inauguration"), SC.about) == APSCO


def test_disputes_are_linked_both_ways(table_ds):
    def claim(fact_id):
        return next(table_ds.subjects(SC.factId, Literal(fact_id)))

    aw, vk = claim("ilrs-russia-china-iga-aviationweek"), claim("ilrs-russia-china-iga-vestnik")
    assert (aw, SC.contradicts, vk) in table_ds and (vk, SC.contradicts, aw) in table_ds
    disputed, application = claim("ilrs-turkey-disputed"), claim("ilrs-turkey-application")
    assert (disputed, SC.contradicts, application) in table_ds and (
        application,
        SC.contradicts,
        disputed,
    ) in table_ds
    # A note naming a fact that does not disagree is a see-also, not a contradiction.
    assert (
        claim("apsco-convention-turkey"),
        URIRef("http://www.w3.org/2000/01/rdf-schema#seeAlso"),
        claim("apsco-member-turkey"),
    ) in table_ds


# ------------------------------------------------------------------------------------------------
# Questions the table answers (both engines)
# ------------------------------------------------------------------------------------------------

ARTEMIS_BY_YEAR = {"2020": 9, "2021": 5, "2022": 9, "2023": 10, "2024": 19, "2025": 7, "2026": 2}
ILRS_BY_YEAR = {"2021": 2, "2023": 6, "2024": 5}
APSCO_BY_YEAR = {"2005": 8, "2006": 1, "2017": 1}


def test_sixty_one_artemis_signatories(stores):
    q = """
    PREFIX sc: <https://w3id.org/spacecoop/ns#>
    PREFIX org: <http://www.w3.org/ns/org#>
    PREFIX status: <https://w3id.org/spacecoop/vocab/status/>
    SELECT (COUNT(DISTINCT ?country) AS ?n) WHERE {
      ?p org:member ?country ; org:organization <https://w3id.org/spacecoop/id/initiative/artemis-accords> .
      ?country a sc:Country .
      ?c sc:about ?p ; sc:factId ?id ; sc:status ?s . FILTER(?s IN (status:signatory, status:founding-member))
    }"""
    for store in stores.values():
        assert int(store.query(q).rows[0][0]) == 61
    timeline = answer(stores, "bloc-timeline")
    artemis = {r["year"]: int(r["joins"]) for r in timeline if r["bloc"] == str(ARTEMIS)}
    assert artemis == ARTEMIS_BY_YEAR and sum(artemis.values()) == 61


def test_bloc_timeline(stores):
    rows = answer(stores, "bloc-timeline")
    assert {r["year"]: int(r["joins"]) for r in rows if r["bloc"] == str(ILRS)} == ILRS_BY_YEAR
    assert {r["year"]: int(r["joins"]) for r in rows if r["bloc"] == str(APSCO)} == APSCO_BY_YEAR
    as_of = answer(stores, "bloc-timeline", asOf=Literal("2022-12-31", datatype=XSD.date))
    assert {r["year"]: int(r["joins"]) for r in as_of if r["bloc"] == str(ARTEMIS)} == {
        "2020": 9,
        "2021": 5,
        "2022": 9,
    }
    assert {r["asOf"] for r in as_of} == {"2022-12-31"}


def overlap(rows):
    return {(r["countryLabel"], r["blocLabel"]): (r["joined"], r["disputed"]) for r in rows}


def test_countries_in_more_than_one_bloc(stores):
    rows = overlap(answer(stores, "bloc-overlap"))
    assert {c for c, _ in rows} == {
        "Bahrain",
        "Bangladesh",
        "China",
        "Egypt",
        "Pakistan",
        "Peru",
        "Senegal",
        "Thailand",
        "Turkey",
    }
    # In both the ILRS and the Artemis Accords, with both dates (Bahrain's ILRS tie is disputed, undated).
    both = {
        c
        for c in {c for c, _ in rows}
        if (c, "International Lunar Research Station") in rows and (c, "Artemis Accords") in rows
    }
    assert both == {"Bahrain", "Senegal", "Thailand"}
    assert rows["Thailand", "International Lunar Research Station"] == ("2024-04-05", "false")
    assert rows["Thailand", "Artemis Accords"] == ("2024-12-16", "false")
    assert rows["Thailand", "Asia-Pacific Space Cooperation Organization"] == ("2005-10-28", "false")
    assert rows["Senegal", "International Lunar Research Station"] == ("2024-09-05", "false")
    assert rows["Senegal", "Artemis Accords"] == ("2025-07-24", "false")
    assert rows["Bahrain", "International Lunar Research Station"] == (None, "true")
    assert rows["Bahrain", "Artemis Accords"] == ("2022-03-02", "false")
    assert rows["Turkey", "International Lunar Research Station"] == (None, "true")
    assert rows["Turkey", "Asia-Pacific Space Cooperation Organization"] == ("2006-06-01", "false")
    assert rows["China", "International Lunar Research Station"] == ("2021-06", "false")


@pytest.mark.slow
def test_bloc_overlap_as_of_a_date(stores):
    rows = answer(stores, "bloc-overlap", asOf=Literal("2024-06-30", datatype=XSD.date))
    mid_2024 = overlap(rows)
    # Bahrain's and Turkey's ILRS ties are dated by no joining claim: they stay, marked undated,
    # never joined on a date (before issue 16 they vanished at every date).
    assert {c for c, _ in mid_2024} == {"Bahrain", "China", "Egypt", "Pakistan", "Peru", "Thailand", "Turkey"}
    undated = {(r["countryLabel"], r["blocLabel"]) for r in rows if r["undated"] == "true"}
    assert undated == {
        ("Bahrain", "International Lunar Research Station"),
        ("Turkey", "International Lunar Research Station"),
    }
    assert all(r["joined"] is None for r in rows if r["undated"] == "true")
    assert ("Thailand", "Artemis Accords") not in mid_2024
    late = answer(stores, "bloc-overlap", asOf=Literal("2026-01-01", datatype=XSD.date))
    assert ("Turkey", "International Lunar Research Station", "true") in {
        (r["countryLabel"], r["blocLabel"], r["undated"]) for r in late
    }
    # China's ILRS date is a month: it counts from 1 June 2021, not before.
    before = overlap(answer(stores, "bloc-overlap", asOf=Literal("2021-05-31", datatype=XSD.date)))
    on = overlap(answer(stores, "bloc-overlap", asOf=Literal("2021-06-01", datatype=XSD.date)))
    assert ("China", "International Lunar Research Station") not in before
    assert on["China", "International Lunar Research Station"] == ("2021-06", "false")


def test_disputed_claims_side_by_side_with_both_sources(stores, table_ds):
    rows = answer(stores, "disputed-claims")
    iga = [r for r in rows if r["aboutLabel"] == "China and Russia"]
    assert {(r["date"], r["otherDate"]) for r in iga} == {("2022-12", "2022-04"), ("2022-04", "2022-12")}
    sides = {
        (
            label(table_ds, URIRef(r["source"])).split(",")[0],
            label(table_ds, URIRef(r["otherSource"])).split(",")[0],
        )
        for r in iga
    }
    assert sides == {("Aviation Week", "Vestnik Kavkaza"), ("Vestnik Kavkaza", "Aviation Week")}
    turkey = [r for r in rows if r["aboutLabel"] == "Turkey in International Lunar Research Station"]
    pairs = {
        (r["status"].rsplit("/", 1)[-1], r["otherStatus"].rsplit("/", 1)[-1], r["otherSource"] == r["source"])
        for r in turkey
    }
    # The article (hedged) and the table's restatement of it (disputed), each against the application.
    assert pairs == {("signatory", "applicant", False)}
    assert {r["source"] for r in turkey} == {
        str(ARTICLE),
        str(ID[f"source/{source_slug(*AFRICAFLYING_CHANGE_8)}"]),
    }
    bahrain = [r for r in rows if r["aboutLabel"] == "Bahrain in International Lunar Research Station"]
    assert len(bahrain) == 4
    kazakhstan = [r for r in rows if r["aboutLabel"] == "Kazakhstan in International Lunar Research Station"]
    assert len(kazakhstan) == 1 and kazakhstan[0]["other"] is None and kazakhstan[0]["date"] == "2024-07-03"


def test_source_coverage(stores):
    rows = answer(stores, "source-coverage")
    facts = {r["fact"]: r for r in rows}
    thailand_ilrs = relationship_iri("participation", entity_iri("country", "Thailand"), ILRS)
    assert str(thailand_ilrs) not in facts  # the article and SpaceNews
    oman = facts[str(relationship_iri("participation", entity_iri("country", "Oman"), ARTEMIS))]
    assert (
        oman["firstLabel"] == "Oman" and oman["sourceLabel"].startswith("Starlust") and oman["claims"] == "1"
    )
    # Two claims, one source: Indonesia's APSCO signature is in two rows of two sources, so it is not here.
    assert str(relationship_iri("participation", entity_iri("country", "Indonesia"), APSCO)) not in facts
    agreements = answer(stores, "source-coverage", kind=SC.Agreement)
    assert {(r["firstLabel"], r["secondLabel"]) for r in agreements} == {
        ("Centre National d'Études Spatiales", "China National Space Administration"),
        ("Deep Space Exploration Laboratory", "National Astronomical Research Institute of Thailand"),
        ("China", "Russia"),
    }
    # Russia and China: a 2021 roadmap, a 2022 memorandum and a 2022 agreement are three
    # instruments, three nodes, each from one source (they shared one node before issue 16)
    russia = sorted(
        r["fact"].rsplit("/", 2)[-2] + "/" + r["fact"].rsplit("/", 1)[-1]
        for r in agreements
        if r["secondLabel"] == "Russia"
    )
    assert russia == ["agreement/2022-12", "mou/2022-04", "roadmap/2021-06-16"]


def test_payload_countries_by_bloc(stores):
    rows = answer(stores, "payload-countries-by-bloc")
    by_mission: dict[str, set] = {}
    for r in rows:
        by_mission.setdefault(r["missionLabel"], set()).add(r["countryLabel"])
    assert by_mission["Chang'e-6"] == {"China", "France", "Italy", "Pakistan", "Sweden"}
    assert by_mission["Chang'e-7"] == {
        "Bahrain",
        "China",
        "Egypt",
        "Hawaii",
        "Italy",
        "Russia",
        "Switzerland",
        "Thailand",
    }
    assert {"Hong Kong", "Turkey", "Iran", "South Africa", "Peru"} <= by_mission["Chang'e-8"]
    thai7 = {
        r["blocLabel"]: r["joined"]
        for r in rows
        if r["missionLabel"] == "Chang'e-7" and r["countryLabel"] == "Thailand"
    }
    assert thai7 == {
        "International Lunar Research Station": "2024-04-05",
        "Artemis Accords": "2024-12-16",
        "Asia-Pacific Space Cooperation Organization": "2005-10-28",
    }
    ce6 = answer(stores, "payload-countries-by-bloc", mission=entity_iri("mission", "Chang'e-6"))
    assert {r["countryLabel"] for r in ce6} == by_mission["Chang'e-6"]


@pytest.mark.parametrize("name", TABLE_QUERIES)
def test_query_columns_match_their_header(name, root, stores):
    q = {q.name: q for q in list_queries(root)}[name]
    result = run_query(stores["memory"], q)
    assert result.vars == q.columns
    assert result.rows


def test_the_views_get_bloc_dates_from_the_table(table_ds):
    # The country view's bloc layers and date filter read sc:date off participation claims.
    from spacecoop.views.projection import to_networkx

    G = to_networkx(table_ds, "countries")
    thailand = G.nodes["country:thailand"]
    assert set(thailand["blocs"].split(";")) >= {
        "initiative:international-lunar-research-station",
        "agent:asia-pacific-space-cooperation-organization",
        "initiative:artemis-accords",
    }
    assert thailand["since:initiative:artemis-accords"] == "2024-12-16"
    assert thailand["since:initiative:international-lunar-research-station"] == "2024-04-05"
    assert G.nodes["country:oman"]["since:initiative:artemis-accords"] == "2026-01-26"


def test_as_of_from_the_command_line(root, capsys):
    assert main(["--root", str(root), "query", "bloc-overlap", "-p", "asOf=2024-06-30", "-f", "csv"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0] == "country,countryLabel,bloc,blocLabel,joined,disputed,undated,asOf"
    assert len(lines) == 1 + 14 and all(line.endswith(",2024-06-30") for line in lines[1:])
    assert main(["--root", str(root), "query", "bloc-overlap", "-p", "asOf=2024-02-30"]) == 2
    assert "not a valid date" in capsys.readouterr().err


def test_an_import_removes_staging_folders_a_killed_import_left(root, tmp_path):
    out = tmp_path / "graph"
    leftover = out / ".spacecoop-killed" / "sources"
    leftover.mkdir(parents=True)
    (leftover / "table-x-00000000.trig").write_text("# half written\n", encoding="utf-8")
    import_table(DATA / "good.csv", out, root, check=False)
    assert not (out / ".spacecoop-killed").exists()
    assert not [p for p in out.iterdir() if p.name.startswith(".spacecoop-")]


def test_names_resolve_through_find_entity_before_a_new_entity_is_minted(root, tmp_path):
    # "the China National Space Administration" matches no label as an IRI slug; the importer used
    # to mint org/the-china-national-space-administration beside the curated CNSA.
    table = tmp_path / "article.csv"
    table.write_text(
        ",".join(COLUMNS) + "\n"
        "cnsa-thai,the China National Space Administration,space_agency,agreement_with,Thailand,country,"
        "2024-04-05,day,,reported,Test row,https://example.org/a,Example News,2024-04-06,\n",
        encoding="utf-8",
    )
    out = tmp_path / "graph"
    assert main(["--root", str(root), "import-table", str(table), "--out", str(out)]) == 0
    entities = (out / "imported" / "table-entities.ttl").read_text(encoding="utf-8")
    assert "the-china-national-space-administration" not in entities
    source = next((out / "imported").glob("*.trig")).read_text(encoding="utf-8")
    assert "<org/china-national-space-administration>" in source
