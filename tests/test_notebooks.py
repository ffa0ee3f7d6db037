"""The analysts' notebooks in notebooks/: stored clean, run top to bottom, say only what the graph says.

Each notebook runs once per session on a fresh ``python3`` kernel with nbclient, working directory
the notebooks folder (as in Jupyter), a 60-second limit per cell, and ``$SPACECOOP_OUTPUT``
pointing at a temporary folder. The tests then read the executed copy; the files in git are
never rewritten.
"""

from __future__ import annotations

import ast
import base64
import html
import os
import re
from pathlib import Path

import nbformat
import networkx as nx
import pytest

from spacecoop.sparql.query import run_named
from spacecoop.views.analytics import brokers, centrality, components
from spacecoop.views.projection import to_networkx

pytestmark = [pytest.mark.notebook, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
NOTEBOOKS = ROOT / "notebooks"
EXPECTED = ("01-who-partners-with-whom", "02-ilrs-and-apsco", "03-network-analysis")
CELL_TIMEOUT = 60  # seconds per cell: each notebook must run in under a minute

# Digits allowed in prose: they are parts of names, not claims about the graph.
ALLOWED_NAMES = re.compile(
    r"Chang['’]e-\d+"  # mission names: Chang'e-8, Chang'e-7
    r"|ISO 3166(?:-\d)?"  # the standard
    r"|\b0\d-[a-z][a-z-]*(?:\.ipynb)?"  # notebook names: 01-who-partners-with-whom
)
REMOTE = re.compile(
    r"""(?:\b(?:https?|wss?|ftp)://)|(?:\b(?:src|href|action)\s*=\s*["']?//)|(?:(?<![\w$.])url\(\s*(?!["']?data:))|@import""",
    re.IGNORECASE,
)


def _snapshot(root: Path) -> dict[str, tuple[int, int]]:
    """Every file of the checkout (but .git, virtualenvs and caches) with its size and mtime."""
    skip = {".git", ".venv", "venv", "__pycache__", ".pytest_cache", ".ruff_cache"}
    out = {}
    for dirpath, dirnames, filenames in os.walk(root):
        dirnames[:] = [d for d in dirnames if d not in skip and not d.endswith(".egg-info")]
        for name in filenames:
            p = Path(dirpath) / name
            st = p.stat()
            out[str(p.relative_to(root))] = (st.st_size, st.st_mtime_ns)
    return out


@pytest.fixture(scope="session")
def stored() -> dict[str, nbformat.NotebookNode]:
    return {p.stem: nbformat.read(p, as_version=4) for p in sorted(NOTEBOOKS.glob("*.ipynb"))}


@pytest.fixture(scope="session")
def run(tmp_path_factory):
    """Execute the notebooks; return (executed notebooks, export folder, files changed in the repo)."""
    from nbclient import NotebookClient

    out = tmp_path_factory.mktemp("notebook-output")
    before = _snapshot(ROOT)
    saved = os.environ.get("SPACECOOP_OUTPUT")
    os.environ["SPACECOOP_OUTPUT"] = str(out)
    executed = {}
    try:
        for name in EXPECTED:
            nb = nbformat.read(NOTEBOOKS / f"{name}.ipynb", as_version=4)
            client = NotebookClient(
                nb,
                timeout=CELL_TIMEOUT,
                kernel_name="python3",
                resources={"metadata": {"path": str(NOTEBOOKS)}},
            )
            client.execute()
            executed[name] = nb
    finally:
        if saved is None:
            os.environ.pop("SPACECOOP_OUTPUT", None)
        else:
            os.environ["SPACECOOP_OUTPUT"] = saved
    after = _snapshot(ROOT)
    changed = sorted(k for k in before.keys() | after.keys() if before.get(k) != after.get(k))
    return executed, out, changed


def _outputs(nb, mime: str) -> list[str]:
    texts = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if mime == "stream" and o.get("output_type") == "stream":
                texts.append(o["text"])
            elif mime in o.get("data", {}):
                texts.append(o["data"][mime])
    return texts


def _text(nb) -> str:
    """Everything the executed notebook shows, as text (HTML unescaped)."""
    return "\n".join(
        html.unescape(t)
        for mime in ("text/html", "text/markdown", "text/plain", "stream")
        for t in _outputs(nb, mime)
    )


# ------------------------------------------------------------------------------------ as stored


def test_the_three_notebooks_are_there(stored):
    assert tuple(stored) == EXPECTED


STRIP = (
    "jupyter nbconvert --clear-output --ClearMetadataPreprocessor.enabled=True "
    "--ClearMetadataPreprocessor.clear_notebook_metadata=False --inplace notebooks/*.ipynb"
)


def test_stored_without_outputs(stored):
    """Outputs, execution counts and run timings stay out of git (``STRIP`` removes them)."""
    for name, nb in stored.items():
        nbformat.validate(nb)
        assert nb.metadata["kernelspec"]["name"] == "python3", name
        code = [c for c in nb.cells if c.cell_type == "code"]
        assert code, name
        for cell in code:
            assert cell.outputs == [] and cell.execution_count is None, f"{name}: run `{STRIP}`"
            assert "execution" not in cell.metadata, f"{name}: run `{STRIP}`"
        assert all(
            "outputs" not in c and "execution_count" not in c for c in nb.cells if c.cell_type != "code"
        )


def _digits_outside_names(text: str) -> list[str]:
    return re.findall(r"\S*\d\S*", ALLOWED_NAMES.sub("", text))


def test_prose_states_no_number(stored):
    """Every number a notebook tells its reader is computed from the graph when it runs.

    Rather than parse claims such as "28 participants" out of the prose and check each against
    the graph, the notebooks compute every number and print it from code (``Markdown`` built from
    query results), and this test fails on any digit in a markdown cell that is not part of a
    name (Chang'e-8, ISO 3166, a notebook's file name). A number stated in prose could drift from
    the data when a source is added; a computed one cannot. The next test extends the rule to the
    string constants of code cells, so a number cannot hide in an f-string either.
    """
    found = {}
    for name, nb in stored.items():
        for i, cell in enumerate(nb.cells):
            if cell.cell_type == "markdown" and (bad := _digits_outside_names(cell.source)):
                found[f"{name} cell {i}"] = bad
    assert found == {}
    # the check does catch a stated number
    assert _digits_outside_names("ILRS has 28 participants, Chang'e-8 carries payloads") == ["28"]


def _string_constants(source: str) -> list[str]:
    """The string constants of a code cell, leaving out format specs such as ``:.3f``."""
    tree = ast.parse(source)
    specs = {
        id(c)
        for node in ast.walk(tree)
        if isinstance(node, ast.FormattedValue) and node.format_spec
        for c in ast.walk(node.format_spec)
    }
    return [
        n.value
        for n in ast.walk(tree)
        if isinstance(n, ast.Constant) and isinstance(n.value, str) and id(n) not in specs
    ]


def test_code_states_no_number_in_text(stored):
    found = {}
    for name, nb in stored.items():
        for i, cell in enumerate(nb.cells):
            if cell.cell_type != "code":
                continue
            bad = [s for s in _string_constants(cell.source) if _digits_outside_names(s)]
            if bad:
                found[f"{name} cell {i}"] = bad
    assert found == {}
    assert _string_constants('x = f"{n:.3f} and 4 more"') == [" and 4 more"]


# ------------------------------------------------------------------------------------ executed


def test_run_clean_and_write_nothing_into_the_repo(run):
    executed, _, changed = run
    assert tuple(executed) == EXPECTED
    for name, nb in executed.items():
        for cell in nb.cells:
            if cell.cell_type != "code":
                continue
            assert cell.execution_count is not None, name
            for o in cell.outputs:
                assert o.output_type != "error", (name, o)
                assert not (o.output_type == "stream" and o.name == "stderr"), (name, o["text"][:500])
    assert changed == []


def test_01_shows_the_partners_table_the_graph_gives(run, full_ds):
    nb = run[0]["01-who-partners-with-whom"]
    tables = [
        html.unescape(t) for t in _outputs(nb, "text/html") if "<caption" in t and "country-partners" in t
    ]
    assert len(tables) == 1
    partners = run_named(full_ds, "country-partners")
    assert tables[0].count("<tr>") == len(partners) + 1
    for a, b, via in zip(
        partners.column("aLabel"), partners.column("bLabel"), partners.column("viaLabel"), strict=False
    ):
        assert re.search(
            rf"<td[^>]*>{re.escape(str(a))}</td><td[^>]*>{re.escape(str(b))}</td>"
            rf"<td[^>]*>{re.escape(str(via))}</td>",
            tables[0],
        ), (a, b)
    assert "Turkey" in tables[0] and "China" in tables[0]
    payloads = run_named(full_ds, "payload-partners", mission="Chang'e-8")
    text = _text(nb)
    assert f"carries {len(set(payloads.column('payload')))} payloads" in text


def test_01_shows_the_graph_inline_and_offline(run, full_ds):
    nb = run[0]["01-who-partners-with-whom"]
    frames = [t for t in _outputs(nb, "text/html") if "<iframe" in t]
    assert len(frames) == 1
    assert not re.search(r"(?:https?|wss?|ftp)://", frames[0])
    page = html.unescape(re.search(r'srcdoc="([^"]*)"', frames[0]).group(1))
    assert page.startswith("<!DOCTYPE html>") and "Content-Security-Policy" in page
    assert REMOTE.findall(page) == []
    G = to_networkx(full_ds, "countries")
    assert f'"nodeCount":{G.number_of_nodes()}' in page.replace(" ", "")
    # and nothing else the notebook shows points outside
    assert not re.search(
        r"(?:https?|wss?|ftp)://", "\n".join(_outputs(nb, "text/html") + _outputs(nb, "text/markdown"))
    )


def test_01_reads_the_evidence_behind_turkey_and_china(run, full_ds):
    nb = run[0]["01-who-partners-with-whom"]
    partners = run_named(full_ds, "country-partners")
    via = [r["via"] for r in partners.dicts() if {str(r["aLabel"]), str(r["bLabel"])} == {"China", "Turkey"}]
    assert len(via) == 1
    evidence = run_named(full_ds, "evidence", entity=str(via[0]))
    quotes = {str(r["quote"]) for r in evidence.dicts() if str(r["kind"]) == "development"}
    assert quotes
    text = _text(nb)
    for quote in quotes:
        assert quote in text
    assert "micro-rovers jointly developed by a Turkish university, a Chinese university" in text
    assert {str(s) for s in evidence.column("sourceLabel")} and all(
        str(s) in text for s in evidence.column("sourceLabel")
    )


def test_02_shows_participants_ties_and_doubts(run, full_ds):
    nb = run[0]["02-ilrs-and-apsco"]
    text = _text(nb)
    for name in ("ILRS", "APSCO"):
        result = run_named(full_ds, "initiative-participants", initiative=name)
        who = {str(p) for p in result.column("participantLabel")}
        assert f"{len(who)} participants in {len(result)} claims" in text, name
        assert f"{name}: participants by level and certainty" in text
        assert all(p in text for p in who)
    ties = run_named(full_ds, "payload-countries-and-initiative", mission="Chang'e-8", initiative="ILRS")
    none = sorted(str(r["countryLabel"]) for r in ties.dicts() if str(r["tie"]) == "none")
    assert none and f"no tie in the graph: {', '.join(none[:-1])}" in text
    overlap = run_named(full_ds, "bloc-overlap")
    assert f"{len(set(overlap.column('country')))} countries belong to more than one bloc" in text
    doubtful = ("hedged", "contradicted", "disputed", "unconfirmed")
    doubts = [
        r
        for r in run_named(full_ds, "hedged-and-contradicted").dicts()
        if str(r["certainty"]).rsplit("/", 1)[-1] in doubtful
    ]
    assert doubts
    for r in doubts:
        if "evidence" in r:
            assert str(r["evidence"]) in text
    assert "with Turkey understood to have signed up also" in text
    assert "certainty:hedged" in text and "certainty:contradicted" in text


def test_03_measures_plots_and_exports(run, full_ds):
    executed, out, _ = run
    nb = executed["03-network-analysis"]
    text = _text(nb)
    G = to_networkx(full_ds, "countries")
    assert (
        f"{G.number_of_nodes()} nodes, {G.number_of_edges()} links and "
        f"{len(components(G))} connected components" in text
    )
    assert f"Most between: **{centrality(G)[0].label}**" in text
    for b in brokers(G):
        assert b.label in text
    pngs = [base64.b64decode(p) for p in _outputs(nb, "image/png")]
    assert len(pngs) == 1 and pngs[0].startswith(b"\x89PNG\r\n\x1a\n") and len(pngs[0]) > 20_000
    files = sorted(p.name for p in out.rglob("*") if p.is_file())
    assert files == ["countries.gexf", "countries.graphml"]
    for path, read in ((out / "countries.graphml", nx.read_graphml), (out / "countries.gexf", nx.read_gexf)):
        H = read(path)
        assert sorted(map(str, H.nodes)) == sorted(G.nodes)
        assert H.number_of_edges() == G.number_of_edges()
        assert H.nodes["country:turkey"]["label"] == "Turkey"
    assert str(out) in text


@pytest.mark.notebook
def test_01_saved_and_opened_untrusted_still_shows_the_graph(run, full_ds, tmp_path):
    """Save the executed notebook, open it again as JupyterLab opens a notebook it has no
    signature for (untrusted: the frame is sanitised away), and read what is left where the
    graph was: the drawing, the summary and every bloc's members, as the graph has them."""
    import json

    from nbformat.sign import NotebookNotary
    from test_notebook import _members, _picture, _shows_colour, untrusted_view

    from spacecoop.pages.graph_page import KIND_STYLE

    path = tmp_path / "01.ipynb"
    nbformat.write(run[0]["01-who-partners-with-whom"], path)
    opened = nbformat.read(path, as_version=4)
    notary = NotebookNotary(db_file=":memory:", secret=b"a secret of this test")
    assert notary.check_signature(opened) is False
    notary.mark_cells(opened, False)
    graph = [view for view in untrusted_view(opened) if view[2]]  # the outputs that show a picture
    assert len(graph) == 1
    mime, text, (png,), tags = graph[0]
    assert mime == "text/html" and "iframe" not in tags
    G = to_networkx(full_ds, "countries")
    n_countries = sum(1 for _, d in G.nodes(data=True) if d.get("kind") == "country")
    assert f"{n_countries} countries" in text
    for bloc in json.loads(G.graph["blocs"]):
        members = _members(G, bloc["id"])
        if members:
            assert f"{bloc['short']} members ({len(members)}): " in text, bloc["short"]
            assert ", ".join(members) in text, bloc["short"]
    assert "Turkey" in text and "China" in text
    picture = _picture(png)
    assert picture.shape[1] > 300 and _shows_colour(picture, KIND_STYLE["country"][0])
    # the plain-text form says the same, for front ends that show no HTML
    (plain,) = [
        o["data"]["text/plain"]
        for c in opened.cells
        for o in c.get("outputs", [])
        if "<iframe" in o.get("data", {}).get("text/html", "")
    ]
    assert f": {n_countries} countries, " in plain
    ilrs = _members(G, "initiative:international-lunar-research-station")
    assert f"ILRS members ({len(ilrs)}): " in plain
