"""The review page (``spacecoop review``) in a real Chromium, against a real server on 127.0.0.1.

The article is a few lines of our own words with hostile markup in it. The page is driven as an
analyst would: accept three candidates, reject one, edit one, save, add; then the sheet on disk and
the graph that ``spacecoop add`` wrote (in a copy of the project) hold exactly those.
"""

from __future__ import annotations

import csv
import importlib.util
import json
import shutil
import urllib.error
import urllib.request
from pathlib import Path

import pytest

from spacecoop.importers.extract import extract_file, write_sheet
from spacecoop.importers.review import ReviewServer
from spacecoop.pages.chromium import has_chromium, launch_chromium

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [
    pytest.mark.browser,
    pytest.mark.server,
    pytest.mark.skipif(not has_chromium(), reason="Debian's chromium is not installed"),
]

ARTICLE = (
    "Site menu\n  • Home\n  • Space\n\n"
    "HELSINKI — Kenya and Peru have joined the International Lunar Research Station as national-level "
    "participants, officials said.\n\n"
    "Serbia is understood to have signed up to the ILRS also.\n\n"
    "The Egyptian Space Agency signed a memorandum of understanding with the China National Space "
    "Administration (CNSA) on March 3.\n\n"
    'Readers wrote in <script>window.__pwned = 1</script> and <img src=x onerror="window.__pwned = 2"> '
    "while Nicaragua has joined the ILRS as a national-level participant.\n\n"
    "Source link\n"
)


def _has_add() -> bool:
    from spacecoop.cli.app import LAZY_COMMANDS, cli

    return (
        "add" in LAZY_COMMANDS
        or "add" in cli.commands
        or importlib.util.find_spec("spacecoop.cli_add") is not None
    )


@pytest.fixture()
def project(tmp_path):
    """A copy of the project to add into (never the repository itself)."""
    root = tmp_path / "project"
    for name in ("ontology", "graph", "queries"):
        shutil.copytree(ROOT / name, root / name)
    return root


@pytest.fixture()
def sheet(tmp_path):
    text = tmp_path / "article.txt"
    text.write_text(ARTICLE, encoding="utf-8")
    result = extract_file(
        text, url="https://example.org/ilrs-news", publisher="Example News", date="2025-04-02"
    )
    path = write_sheet(list(result.rows), tmp_path / "sheet.csv")
    return path, text


@pytest.fixture()
def server(sheet, project):
    path, text = sheet
    s = ReviewServer(path, text, port=0, root=project).start()
    yield s
    s.close()


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = launch_chromium(pw)
        yield b
        b.close()


def read_rows(path):
    with open(path, encoding="utf-8", newline="") as f:
        return list(csv.DictReader(f))


def index_of(rows, subject, relation):
    return next(i for i, r in enumerate(rows) if r["subject"] == subject and r["relation"] == relation)


def open_page(browser, server):
    page = browser.new_page()
    requests, errors = [], []
    page.on("request", lambda r: requests.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.on("console", lambda m: errors.append(m.text) if m.type == "error" else None)
    page.goto(f"http://127.0.0.1:{server.port}/")
    page.wait_for_selector("body[data-ready='1']")
    return page, requests, errors


def review_as_an_analyst(page, rows):
    """Accept Kenya, Peru and the agency MoU; reject Serbia; edit Nicaragua's date (which accepts it)."""
    kenya, peru = index_of(rows, "Kenya", "signatory_of"), index_of(rows, "Peru", "signatory_of")
    mou, serbia = (
        index_of(rows, "Egyptian Space Agency", "agreement_with"),
        index_of(rows, "Serbia", "signatory_of"),
    )
    nica = index_of(rows, "Nicaragua", "signatory_of")
    for i in (kenya, peru, mou):
        page.click(f"#row-{i} button.accept")
    page.click(f"#row-{serbia} button.reject")
    page.click(f"#row-{nica} button.edit")
    page.fill(f"#f-{nica}-date", "2025-03-30")
    page.fill(f"#f-{nica}-date_precision", "day")
    page.click(f"#row-{nica} button.done")
    return {"accepted": [kenya, peru, mou, nica], "rejected": [serbia], "edited": nica}


def test_candidates_are_shown_highlighted_and_hostile_text_runs_nothing(browser, server, sheet):
    page, requests, errors = open_page(browser, server)
    rows = read_rows(sheet[0])
    assert page.locator(".card").count() == len(rows) >= 5
    # every quote is highlighted in the article, and a click on a highlight selects its card
    marked = page.eval_on_selector_all(
        "mark", "ms => new Set(ms.flatMap(m => m.dataset.rows.split(' '))).size"
    )
    assert marked == len([r for r in rows if r["quote"]])
    i = index_of(rows, "Serbia", "signatory_of")
    page.click(f"mark[data-row='{i}']")
    assert "sel" in page.get_attribute(f"#row-{i}", "class")
    article = page.inner_text("#article")
    assert "<img src=x onerror=" in article and "<script>" in article  # shown as text
    assert page.evaluate("window.__pwned") is None
    assert page.locator("#article img, #article script").count() == 0
    nica = index_of(rows, "Nicaragua", "signatory_of")  # a hostile value typed into a field stays text too
    page.click(f"#row-{nica} button.edit")
    page.fill(f"#f-{nica}-subject", '<img src=x onerror="window.__pwned = 3">')
    page.click(f"#row-{nica} button.done")
    assert page.inner_text(f"#row-{nica} .fact").startswith('<img src=x onerror="window.__pwned = 3">')
    assert page.locator("#cards img, #cards script").count() == 0
    assert page.evaluate("window.__pwned") is None
    assert all(u.startswith(f"http://127.0.0.1:{server.port}/") for u in requests), requests
    assert errors == []
    page.close()


def test_search_and_new_entity(browser, server):
    page, _, _ = open_page(browser, server)
    page.fill("#q", "CNSA")
    page.click("#go")
    page.wait_for_selector("#results .result")
    assert "China National Space Administration" in page.inner_text("#results")
    page.fill("#q", "Czechia")
    page.click("#go")
    page.wait_for_selector("#results .result")
    assert "Czech Republic" in page.inner_text("#results")
    page.click("#tools summary")  # open "New entity"
    page.fill("#ne-name", "Kenya Space Agency")
    page.fill("#ne-kind", "space_agency")
    page.fill("#ne-country", "Kenya")
    page.click("#ne-make")
    assert page.locator(".card").last.inner_text().startswith("new entity: Kenya Space Agency")
    page.close()


def test_accept_reject_edit_save_writes_the_sheet(browser, server, sheet):
    path, _ = sheet
    before = read_rows(path)
    page, _, errors = open_page(browser, server)
    done = review_as_an_analyst(page, before)
    page.click("#save")
    page.wait_for_selector("body[data-saved='1']")
    after = read_rows(path)
    assert len(after) == len(before)
    assert [after[i]["review"] for i in done["accepted"]] == ["accepted"] * 4
    assert [after[i]["review"] for i in done["rejected"]] == ["rejected"]
    assert (after[done["edited"]]["date"], after[done["edited"]]["date_precision"]) == ("2025-03-30", "day")
    untouched = [i for i in range(len(before)) if i not in done["accepted"] + done["rejected"]]
    for i in untouched:
        assert after[i] == before[i]
    assert not list(path.parent.glob(".sheet.csv.*"))  # the atomic write left no temporary file
    assert errors == []
    page.close()


def test_posts_need_the_page_token(server):
    req = urllib.request.Request(
        f"http://127.0.0.1:{server.port}/api/save",
        data=b'{"rows": []}',
        method="POST",
        headers={"Content-Type": "application/json"},
    )
    with pytest.raises(urllib.error.HTTPError) as exc:
        urllib.request.urlopen(req, timeout=10)
    assert exc.value.code == 403
    state = json.loads(urllib.request.urlopen(f"http://127.0.0.1:{server.port}/api/state", timeout=10).read())
    assert len(state["rows"]) >= 5  # nothing was emptied


@pytest.mark.skipif(not _has_add(), reason="`spacecoop add` (issue 12) is not on this branch yet")
def test_add_puts_exactly_the_reviewed_rows_in_the_graph(browser, server, sheet, project):
    from rdflib import Dataset

    from spacecoop.core.namespaces import SC

    path, _ = sheet
    rows = read_rows(path)
    before = {p.name for p in (project / "graph" / "sources").glob("*.trig")}
    page, _, _ = open_page(browser, server)
    done = review_as_an_analyst(page, rows)
    page.click("#add")
    page.wait_for_selector("body[data-add-exit]", timeout=120_000)
    assert page.get_attribute("body", "data-add-exit") == "0", page.inner_text("#status")
    page.close()
    new = [p for p in (project / "graph" / "sources").glob("*.trig") if p.name not in before]
    assert len(new) == 1
    ds = Dataset()
    ds.parse(new[0], format="trig")
    claims = {}
    for g in ds.graphs():
        for c in g.subjects(predicate=None, object=SC.Claim):
            claims[c] = [str(q) for q in g.objects(c, SC.quote)]
    quotes = sorted(q for qs in claims.values() for q in qs)
    expected = sorted(rows[i]["quote"] for i in done["accepted"])
    assert quotes == expected  # exactly the accepted and edited rows: none rejected, none pending
    assert not any("Serbia" in q for q in quotes)
    dates = {str(o) for g in ds.graphs() for o in g.objects(None, SC.date)}
    assert "2025-03-30" in dates  # the edit reached the graph


def test_review_refuses_a_bad_sheet_in_one_line(tmp_path, capsys):
    from spacecoop.cli.app import main

    text = tmp_path / "a.txt"
    text.write_text(ARTICLE, encoding="utf-8")
    bad = tmp_path / "bad.csv"
    bad.write_text("fact_id,subject,colour\nx,Kenya,blue\n", encoding="utf-8")
    assert main(["review", str(bad), "--text", str(text), "--port", "0"]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"{bad}:1: unknown column(s) colour" in err[0]
    good = tmp_path / "good.csv"
    good.write_text("fact_id,subject\nx,Kenya\n", encoding="utf-8")
    assert main(["review", str(good), "--text", str(tmp_path / "missing.txt"), "--port", "0"]) == 2
    assert "missing.txt: no such file" in capsys.readouterr().err


def test_a_busy_port_is_one_line(server, sheet, capsys):
    from spacecoop.cli.app import main

    path, text = sheet
    assert main(["review", str(path), "--text", str(text), "--port", str(server.port)]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and f"cannot listen on 127.0.0.1:{server.port}" in err[0] and "--port 0" in err[0]
