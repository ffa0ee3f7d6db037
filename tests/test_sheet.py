"""Fact sheets and `spacecoop add`: one source added without writing TriG, into a copy of the project."""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import pytest
from rdflib import Dataset, URIRef

from spacecoop.checks.validate import validate
from spacecoop.cli.app import main
from spacecoop.importers.sheet import SHEET_COLUMNS

DATA = Path(__file__).parent / "data" / "sheets"
SHEET = DATA / "spacenews-2023-09-south-africa-ilrs.csv"
TEXT = DATA / "spacenews-2023-09-south-africa-ilrs.txt"
NAME = "spacenews-2023-09-south-africa-ilrs"
SANSA = DATA / "sansa-2023-09-08-ilrs.csv"  # a page the compiled table already has
ID = "https://w3id.org/spacecoop/id/"
URL = "https://spacenews.com/south-africa-joins-chinas-moon-base-project"


@pytest.fixture
def project(root, tmp_path, monkeypatch):
    """A full copy of the project, with the stored texts the sheet needs in its own folder."""
    target = tmp_path / "project"
    for folder in ("ontology", "queries", "graph"):
        shutil.copytree(root / folder, target / folder)
    texts = tmp_path / "texts"
    shared = root.parent / "shared" / "sources"
    shutil.copytree(shared, texts) if shared.is_dir() else texts.mkdir()
    shutil.copy(TEXT, texts / TEXT.name)
    shutil.copy(SANSA.with_suffix(".txt"), texts / SANSA.with_suffix(".txt").name)
    monkeypatch.setenv("SPACECOOP_SOURCES", str(texts))
    return target


def write_sheet(path: Path, rows: list[dict]) -> Path:
    with path.open("w", newline="", encoding="utf-8") as f:
        w = csv.DictWriter(f, fieldnames=SHEET_COLUMNS, lineterminator="\n")
        w.writeheader()
        for r in rows:
            w.writerow(
                {c: "" for c in SHEET_COLUMNS}
                | {
                    "source_url": URL,
                    "source_publisher": "SpaceNews",
                    "source_date": "2023-09",
                    "certainty": "confirmed",
                }
                | r
            )
    return path


def snapshot(folder: Path) -> dict[str, bytes]:
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}


@pytest.mark.slow
def test_add_writes_one_source_that_validates_and_reruns_byte_identical(project, tmp_path, capsys):
    before = snapshot(project / "graph")
    text = tmp_path / "texts" / TEXT.name  # where validate looks for it
    assert main(["--root", str(project), "add", str(SHEET), "--text", str(text)]) == 0
    out, err = capsys.readouterr()
    assert err == ""  # no note: the stored text is where validate finds it
    assert "3 facts, 1 new entities, 2 people; left out 1 pending row(s)" in out
    target = project / "graph" / "sources" / f"{NAME}.trig"
    assert f"wrote graph/sources/{NAME}.trig" in out
    after = snapshot(project / "graph")
    assert set(after) - set(before) == {f"sources/{NAME}.trig"}
    assert all(after[k] == v for k, v in before.items())  # nothing else touched
    first = target.read_bytes()
    # every graph-wide check on the project with the new source: shapes, terms, quotes, checks
    report = validate(project)
    assert report.violations == ()
    assert not any(NAME in s for s in report.skipped)  # its quotes were checked
    assert main(["--root", str(project), "add", str(SHEET), "--text", str(text)]) == 0
    assert "is unchanged" in capsys.readouterr().out
    assert target.read_bytes() == first


def test_add_mints_what_the_article_says(project):
    assert main(["--root", str(project), "add", str(SHEET), "--text", str(TEXT)]) == 0
    ds = Dataset(default_union=True)
    ds.parse(project / "graph" / "sources" / f"{NAME}.trig", format="trig")
    rows = list(
        ds.query("""
        PREFIX sc: <https://w3id.org/spacecoop/ns#> PREFIX dcterms: <http://purl.org/dc/terms/>
        PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
        SELECT ?a ?kind ?title ?name ?role ?for WHERE {
          ?a a sc:Agreement ; sc:agreementKind ?kind ; dcterms:title ?title .
          ?c sc:about ?a ; sc:signature ?s . ?s sc:signer ?p ; sc:signerRole ?role ; sc:onBehalfOf ?for .
          ?p skos:prefLabel ?name } ORDER BY ?name""")
    )
    assert [(str(r.name), str(r.role)) for r in rows] == [
        ("Chen Xiaodong", "Chinese Ambassador to South Africa"),
        ("Humbulani Mudau", "CEO of the South African National Space Agency (SANSA)"),
    ]
    assert str(rows[0].kind).endswith("agreement-kind/mou")
    assert str(rows[0].a).startswith(
        ID
        + (
            "agreement/org/china-national-space-administration/org/south-african-national-space-agency/"
            "mou/2023-09-01/"
        )
    )
    # "the Republic of South Africa" is a name no label had: found through pycountry, not minted anew
    assert (
        URIRef(ID + "participation/country/south-africa/initiative/international-lunar-research-station"),
        None,
        None,
    ) in ds


def test_two_instruments_between_the_same_parties_on_one_day_stay_apart(project, tmp_path):
    text = tmp_path / "texts" / "two.txt"
    text.write_text("They signed an MoU on lunar exploration and an MoU on data sharing.", encoding="utf-8")
    common = {
        "subject": "Thailand",
        "subject_kind": "country",
        "relation": "agreement_with",
        "object": "CNSA",
        "object_kind": "space_agency",
        "date": "2025-04-24",
        "date_precision": "day",
        "agreement_kind": "mou",
    }
    sheet = write_sheet(
        tmp_path / "two-mous.csv",
        [
            common
            | {
                "fact_id": "mou-a",
                "agreement_title": "lunar exploration",
                "quote": "an MoU on lunar exploration",
            },
            common
            | {"fact_id": "mou-b", "agreement_title": "data sharing", "quote": "an MoU on data sharing"},
        ],
    )
    assert main(["--root", str(project), "add", str(sheet), "--text", str(text)]) == 0
    g = Dataset(default_union=True)
    g.parse(project / "graph" / "sources" / "two-mous.trig", format="trig")
    agreements = {
        s
        for s, _, _ in g.triples(
            (
                None,
                URIRef("http://www.w3.org/1999/02/22-rdf-syntax-ns#type"),
                URIRef("https://w3id.org/spacecoop/ns#Agreement"),
            )
        )
    }
    assert len(agreements) == 2


@pytest.mark.parametrize(
    "row, field, fragment",
    [
        (
            {"relation": "agreement_with", "agreement_kind": "treaty"},
            "agreement_kind",
            "unknown kind 'treaty'; expected one of mou, intergovernmental-agreement",
        ),
        (
            {"level": "federal"},
            "level",
            "unknown level 'federal'; expected one of national, sub-national, organisation",
        ),
        ({"quote": "South Africa joined the ISS"}, "quote", f"not verbatim in {TEXT.name}"),
        (
            {
                "object": "South Afrika",
                "object_kind": "country",
                "relation": "agreement_with",
                "subject": "CNSA",
                "subject_kind": "space_agency",
            },
            "object",
            "did you mean South Africa (country:south-africa",
        ),
        ({"ordinal": "56th"}, "ordinal", "is not a positive whole number"),
        ({"review": "maybe"}, "review", "expected one of pending, accepted, rejected"),
        ({"planned": "yes"}, "planned", "expected one of true, false"),
        (
            {"role": "chair"},
            "role",
            "unknown role 'chair'; expected one of contributor, developer, partner, signatory",
        ),
        (
            {"role": "contributor"},
            "role",
            "role 'contributor' goes with the relations provided_by_country, not member_of",
        ),
    ],
)
def test_a_bad_row_is_one_line_naming_file_row_field_and_nothing_is_written(
    project, tmp_path, capsys, row, field, fragment
):
    good = {
        "fact_id": "sa-ilrs",
        "subject": "South Africa",
        "subject_kind": "country",
        "relation": "member_of",
        "object": "ILRS",
        "object_kind": "initiative",
        "quote": "South Africa has formally joined the China-led ILRS project",
    }
    sheet = write_sheet(tmp_path / "bad.csv", [good | {"fact_id": "ok"}, good | row])
    before = snapshot(project / "graph")
    assert main(["--root", str(project), "add", str(sheet), "--text", str(TEXT)]) == 2
    err = capsys.readouterr().err
    assert f"{sheet}:3: {field}: " in err and fragment in err, err
    assert "Traceback" not in err and "nothing was written" in err
    assert snapshot(project / "graph") == before


def test_a_new_entity_the_graph_already_knows_is_refused_with_did_you_mean(project, tmp_path, capsys):
    sheet = write_sheet(
        tmp_path / "dup.csv",
        [{"fact_id": "czechia", "subject": "Czechia", "subject_kind": "country", "relation": "entity"}],
    )
    assert main(["--root", str(project), "add", str(sheet)]) == 2
    err = capsys.readouterr().err
    assert (
        f"{sheet}:2: subject: 'Czechia' is already in the graph: "
        "did you mean Czech Republic (country:czech-republic" in err
    )


def test_unknown_columns_are_named(project, tmp_path, capsys):
    sheet = tmp_path / "cols.csv"
    sheet.write_text(",".join((*SHEET_COLUMNS, "colour")) + "\n", encoding="utf-8")
    assert main(["--root", str(project), "add", str(sheet)]) == 2
    assert f"{sheet}:1: header: unknown column(s) colour" in capsys.readouterr().err


@pytest.mark.slow
def test_a_compiled_sheet_without_text_gives_details_not_quotes(project, tmp_path, capsys):
    sheet = write_sheet(
        tmp_path / "compiled-note.csv",
        [
            {
                "fact_id": "sa-ilrs",
                "subject": "South Africa",
                "subject_kind": "country",
                "relation": "member_of",
                "object": "ILRS",
                "object_kind": "initiative",
                "detail": "SANSA says South Africa entered the ILRS.",
                "as_of": "2023-09-08",
                "ordinal": "7",
                "planned": "false",
                "role": "signatory",
            }
        ],
    )
    assert main(["--root", str(project), "add", str(sheet)]) == 0
    assert validate(project).violations == ()
    text = (project / "graph" / "sources" / "compiled-note.trig").read_text(encoding="utf-8")
    assert "sc:compiledIn <source/compiled-note-sheet>" in text
    assert 'sc:ordinal "7"^^xsd:positiveInteger' in text and 'sc:asOf "2023-09-08"^^xsd:date' in text


def test_a_page_already_in_the_graph_is_refused(project, tmp_path, capsys):
    # The compiled table already has SANSA's note: a sheet for it would make one page two sources.
    text = tmp_path / "texts" / SANSA.with_suffix(".txt").name
    assert main(["--root", str(project), "add", str(SANSA), "--text", str(text)]) == 2
    err = capsys.readouterr().err
    assert f"{SANSA}:2: source_url: " in err
    assert "is already source:table-south-african-national-space-agency-f7f308a7" in err


def test_what_has_no_printed_year_and_what_is_planned(project, tmp_path):
    assert (
        main(["--root", str(project), "add", str(SHEET), "--text", str(tmp_path / "texts" / TEXT.name)]) == 0
    )
    text = (project / "graph" / "sources" / f"{NAME}.trig").read_text(encoding="utf-8")
    assert 'sc:dateInferredFrom "year not printed with Sept. 1' in text
    assert "sc:planned true" in text  # ILRSCO: being set up
    assert "<org/ilrsco> a sc:Organization" in text and "kind:international-organization" in text


@pytest.mark.slow
@pytest.mark.parametrize("backend", ["memory", "oxigraph"])
def test_agreements_and_evidence_show_what_the_sheet_said(project, tmp_path, backend):
    from spacecoop.core.load import load_dataset
    from spacecoop.sparql.query import run_named
    from spacecoop.store import open_store

    assert (
        main(["--root", str(project), "add", str(SHEET), "--text", str(tmp_path / "texts" / TEXT.name)]) == 0
    )
    store = open_store(backend, load_dataset(project))
    rows = [r for r in run_named(store, "agreements").dicts() if "/mou/2023-09-01/" in str(r["agreement"])]
    assert len(rows) == 1
    row = {k: str(v) for k, v in rows[0].items()}
    assert row["kind"].endswith("agreement-kind/mou") and row["date"] == "2023-09-01"
    assert row["title"].startswith("Memorandum of Understanding between CNSA and SANSA")
    assert row["parties"] == "China National Space Administration; South African National Space Agency"
    assert row["signers"] == (
        "Chen Xiaodong (Chinese Ambassador to South Africa) for China National Space "
        "Administration; Humbulani Mudau (CEO of the South African National Space Agency "
        "(SANSA)) for South African National Space Agency"
    )
    assert row["programmeLabel"] == "International Lunar Research Station" and row["sources"] == "1"
    evidence = [
        r
        for r in run_named(store, "evidence", entity="SANSA").dicts()
        if str(r["claim"]).endswith("/cnsa-sansa-ilrs-mou")
    ]
    assert str(evidence[0]["signers"]) == row["signers"]
    assert str(evidence[0]["dateInferredFrom"]).startswith("year not printed with Sept. 1")
    assert str(evidence[0]["aboutLabel"]).startswith("Memorandum of Understanding between CNSA and SANSA")


@pytest.mark.slow
def test_parents_joint_centres_witnesses_and_places(project, tmp_path):
    # Invented wording (a test text, not an article): every column of the new model at once.
    text = tmp_path / "texts" / "joint-lab.txt"
    text.write_text(
        "In Beijing the Chinese Academy of Sciences and SANSA signed an agreement, witnessed by "
        "Ann Example and Bo Example. Under it CAS set up the Joint Laboratory for Lunar Samples.",
        encoding="utf-8",
    )
    sheet = write_sheet(
        tmp_path / "joint-lab.csv",
        [
            {
                "fact_id": "cas",
                "subject": "Chinese Academy of Sciences",
                "subject_kind": "research_institute",
                "relation": "entity",
                "object": "China",
                "object_kind": "country",
                "detail": "CAS",
            },
            {
                "fact_id": "lab",
                "subject": "Joint Laboratory for Lunar Samples",
                "subject_kind": "research_institute",
                "relation": "entity",
                "object": "China",
                "object_kind": "country",
                "parent": "CAS",
                "established_under": "cas-sansa",
                "quote": "CAS set up the Joint Laboratory for Lunar Samples",
            },
            {
                "fact_id": "cas-sansa",
                "subject": "CAS",
                "subject_kind": "research_institute",
                "relation": "agreement_with",
                "object": "SANSA",
                "object_kind": "space_agency",
                "agreement_kind": "agreement",
                "place": "Beijing",
                "witness": "Ann Example; Bo Example",
                "quote": (
                    "In Beijing the Chinese Academy of Sciences and SANSA signed an agreement, "
                    "witnessed by Ann Example and Bo Example"
                ),
            },
        ],
    )
    assert main(["--root", str(project), "add", str(sheet), "--text", str(text)]) == 0
    assert validate(project).violations == ()
    g = Dataset(default_union=True)
    g.parse(project / "graph" / "sources" / "joint-lab.trig", format="trig")
    sc, org = "https://w3id.org/spacecoop/ns#", "http://www.w3.org/ns/org#"
    lab, cas = (
        URIRef(ID + "org/joint-laboratory-for-lunar-samples"),
        URIRef(ID + "org/chinese-academy-of-sciences"),
    )
    agreement = URIRef(
        ID
        + (
            "agreement/org/chinese-academy-of-sciences/org/south-african-national-space-agency/"
            "agreement/undated"
        )
    )
    assert (lab, URIRef(org + "subOrganizationOf"), cas) in g
    assert (lab, URIRef(sc + "establishedUnder"), agreement) in g
    assert (agreement, URIRef("https://schema.org/location"), URIRef(ID + "place/beijing")) in g
    witnesses = set(g.objects(URIRef(ID + "claim/joint-lab/cas-sansa"), URIRef(sc + "witness")))
    assert witnesses == {URIRef(ID + "person/ann-example"), URIRef(ID + "person/bo-example")}


def test_a_fifo_is_refused_without_blocking(project, tmp_path, capsys):
    import os

    fifo = tmp_path / "sheet.csv"
    os.mkfifo(fifo)
    assert main(["--root", str(project), "add", str(fifo)]) == 2
    assert "not a regular file" in capsys.readouterr().err  # refused by read_input, never opened blocking


def test_a_control_character_in_a_field_is_a_bad_row(project, tmp_path, capsys):
    sheet = write_sheet(
        tmp_path / "ctl.csv",
        [
            {
                "fact_id": "sa-ilrs",
                "subject": "South Africa",
                "subject_kind": "country",
                "relation": "member_of",
                "object": "ILRS",
                "object_kind": "initiative",
                "detail": "bell \x07 here",
            }
        ],
    )
    assert main(["--root", str(project), "add", str(sheet)]) == 2
    assert f"{sheet}:2: detail: holds the control character U+0007" in capsys.readouterr().err


@pytest.mark.slow
def test_the_views_show_what_is_planned(project, tmp_path):
    """The graph page's panels read evidence from the views: a planned organisation says so."""
    import json

    from spacecoop.core.load import load_dataset
    from spacecoop.views.projection import to_networkx

    assert (
        main(["--root", str(project), "add", str(SHEET), "--text", str(tmp_path / "texts" / TEXT.name)]) == 0
    )
    G = to_networkx(load_dataset(project), "full")
    evidence = [
        e
        for n, d in G.nodes(data=True)
        if n.endswith(":ilrsco")
        for e in json.loads(d.get("evidence") or "[]")
    ]
    assert evidence and any(e["planned"] is True for e in evidence), evidence
    others = [e for _n, d in G.nodes(data=True) for e in json.loads(d.get("evidence") or "[]")]
    assert any(e["planned"] is False for e in others)


_TRICKY_CELLS = [
    "",
    " ",
    "x" * 3000,
    "a\x01b",
    "line\nbreak",
    '"',
    "<https://example.org/evil>",
    '=HYPERLINK("http://example.org")',
    "2023-13-45",
    "nan",
    "\u202e",
    "ILRS",
    "country",
    "no_such_kind",
    "member_of",
    "year",
    "hedged",
    "a b",
    "-1",
    "\\u0041",
]


@pytest.mark.slow
@pytest.mark.parametrize("seed", [5, 6])
def test_a_mutated_sheet_is_added_whole_or_refused_with_nothing_written(project, tmp_path, capsys, seed):
    """Sheets made from the good one by random damage (cells replaced by control characters,
    long or formula-like text, bad dates, names and kinds in the wrong place; a column dropped,
    a header swapped, the file cut short, a stray byte): every run ends in a line, not a
    traceback; a refused sheet (exit 1 or 2) leaves the graph as it was; an added one leaves a
    project that validates (add checks before it writes). Explored at 28 sheets: no traceback."""
    import random

    rng = random.Random(seed)
    rows = list(csv.reader(SHEET.open(encoding="utf-8", newline="")))
    text = tmp_path / "texts" / TEXT.name
    before = snapshot(project / "graph")
    for case in range(5):
        damaged = [list(r) for r in rows]
        kind = rng.choice(["cell", "cell", "column", "header", "cut", "byte"])
        if kind == "cell":
            for _ in range(rng.randint(1, 3)):
                damaged[rng.randrange(1, len(damaged))][rng.randrange(len(damaged[0]))] = rng.choice(
                    _TRICKY_CELLS
                )
        elif kind == "column":
            gone = rng.randrange(len(damaged[0]))
            damaged = [r[:gone] + r[gone + 1 :] for r in damaged]
        elif kind == "header":
            a, b = rng.sample(range(len(damaged[0])), 2)
            damaged[0][a], damaged[0][b] = damaged[0][b], damaged[0][a]
        sheet = tmp_path / f"{NAME}.csv"
        with sheet.open("w", newline="", encoding="utf-8") as f:
            csv.writer(f, lineterminator="\n").writerows(damaged)
        data = sheet.read_bytes()
        if kind == "cut":
            sheet.write_bytes(data[: rng.randrange(len(data))])
        elif kind == "byte":
            at = rng.randrange(len(data))
            sheet.write_bytes(data[:at] + bytes([rng.choice([0, 0xFF, 0xC3])]) + data[at:])
        code = main(["--root", str(project), "add", str(sheet), "--text", str(text)])
        err = capsys.readouterr().err
        what = (seed, case, kind, err[-300:])
        assert code in (0, 1, 2), what
        assert "Traceback" not in err and "run with --debug" not in err, what
        if code:
            assert snapshot(project / "graph") == before, what
        else:
            assert validate(project).conforms, what
            (project / "graph" / "sources" / f"{NAME}.trig").unlink()
            assert snapshot(project / "graph") == before, what


def _old_version_that_a_check_flags(project: Path) -> Path:
    """The sheet's file as an earlier ``add`` could have left it, holding what one check query
    flags (a payload nobody develops), and nothing SHACL or the other checks see: ``add`` loads
    the project without it and writes the new version over it."""
    fixture = Path(__file__).parent / "data" / "invalid" / "payload-without-developer.trig"
    old = project / "graph" / "sources" / f"{NAME}.trig"
    old.write_bytes(fixture.read_bytes())
    return old


def test_add_has_the_check_queries_answered_ahead_on_the_project_it_would_write(
    project, tmp_path, monkeypatch
):
    """A large project's ``add`` has a forked process answer the check queries on Oxigraph's own
    parse of the files, without the sheet's previous file and with the new one (before, it copied
    the whole dataset into Oxigraph after the load): the same result as in one process, the rows
    from the forked process, none asked here."""
    import os

    from _forked import pids_in, record_pids
    from test_incremental import _ahead_on_any_machine

    from spacecoop.checks import validate as validate_module
    from spacecoop.core.forking import can_fork
    from spacecoop.importers.sheet import add_sheet

    if not can_fork():
        pytest.skip("fork is used on Linux only")
    _old_version_that_a_check_flags(project)
    text = tmp_path / "texts" / TEXT.name
    monkeypatch.setenv("SPACECOOP_SHACL_PROCESSES", "1")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache-alone"))
    alone = add_sheet(SHEET, project, text_path=text, dry_run=True)
    monkeypatch.delenv("SPACECOOP_SHACL_PROCESSES")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache-ahead"))
    _ahead_on_any_machine(monkeypatch)
    record_pids(monkeypatch, validate_module, "check_rows_of_files", tmp_path / "ahead-pids")
    record_pids(monkeypatch, validate_module, "check_queries", tmp_path / "query-pids")
    ahead = add_sheet(SHEET, project, text_path=text, dry_run=True)
    [pid] = pids_in(tmp_path / "ahead-pids")
    assert pid != os.getpid()  # the rows came from the forked process
    assert not (tmp_path / "query-pids").exists()  # and were not asked again here
    assert ahead == alone and ahead.facts == 3


def test_add_asks_the_check_queries_itself_when_a_file_moved_meanwhile(project, tmp_path, monkeypatch):
    """The forked process reads the files on its own, beside this one: when a file changes after
    the stamps were taken, its rows may not be those of what this one loaded, and the check
    queries are asked here (the verdict is always that of the data loaded)."""
    from _forked import pids_in, record_pids
    from test_incremental import _ahead_on_any_machine

    from spacecoop.checks import validate as validate_module
    from spacecoop.core import load as load_module
    from spacecoop.core.forking import can_fork
    from spacecoop.importers.sheet import add_sheet

    if not can_fork():
        pytest.skip("fork is used on Linux only")
    text = tmp_path / "texts" / TEXT.name
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    _ahead_on_any_machine(monkeypatch)
    # a file that comes once this process has loaded the project, and that a check query flags
    # (the forked process may read it or not)
    late = project / "graph" / "sources" / "zz-late.trig"
    real_load = load_module.load

    def load_then_change(*args, **kwargs):
        loaded = real_load(*args, **kwargs)
        fixture = Path(__file__).parent / "data" / "invalid" / "payload-without-developer.trig"
        late.write_bytes(fixture.read_bytes())
        return loaded

    monkeypatch.setattr(load_module, "load", load_then_change)
    record_pids(monkeypatch, validate_module, "check_queries", tmp_path / "query-pids")
    result = add_sheet(SHEET, project, text_path=text, dry_run=True)  # conforms: as loaded
    assert result.facts == 3
    assert len(pids_in(tmp_path / "query-pids")) == 1  # asked again here


def test_a_bad_sheet_leaves_no_forked_process_behind(project, tmp_path, monkeypatch):
    """The forked process of the check queries starts before the sheet is read, and waits for the
    new file: a sheet refused before that file is made ends it (no process left, no wait)."""
    import multiprocessing
    import time

    from test_incremental import _ahead_on_any_machine

    from spacecoop.core.forking import can_fork
    from spacecoop.importers.sheet import add_sheet
    from spacecoop.importers.table import TableError

    if not can_fork():
        pytest.skip("fork is used on Linux only")
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    _ahead_on_any_machine(monkeypatch)
    sheet = write_sheet(tmp_path / "bad.csv", [{"fact_id": "x", "subject": "South Africa", "relation": "??"}])
    started = time.monotonic()
    with pytest.raises(TableError):
        add_sheet(sheet, project, text_path=TEXT, dry_run=True)
    assert not multiprocessing.active_children()
    assert time.monotonic() - started < 30
