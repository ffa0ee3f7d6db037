"""spacecoop.pages.notebook: tables, quotes, the inline graph, the static plot and the output folder."""

from __future__ import annotations

import html
import re
from dataclasses import dataclass
from html.parser import HTMLParser

import networkx as nx
import pytest
from rdflib import Graph, Literal, URIRef

import spacecoop.pages.notebook as nbmod
from spacecoop.core.errors import UsageError
from spacecoop.pages.chromium import has_chromium, launch_chromium
from spacecoop.pages.graph_page import CONTRADICTED_COLOUR, KIND_STYLE, page_html
from spacecoop.pages.notebook import (
    InlineGraph,
    Quotes,
    Table,
    cell_text,
    describe_graph,
    figure_png,
    group_rows,
    join_labels,
    output_folder,
    plot_network,
    plural,
    select_rows,
    show_graph,
    show_quotes,
    show_table,
)
from spacecoop.sparql.query import run_named
from spacecoop.store import QueryResult
from spacecoop.views.analytics import brokers, communities

# As in tests/test_render.py: anything that could make a browser fetch.
REMOTE = re.compile(
    r"""(?:\b(?:https?|wss?|ftp)://)|(?:\b(?:src|href|action)\s*=\s*["']?//)|(?:(?<![\w$.])url\(\s*(?!["']?data:))|@import""",
    re.IGNORECASE,
)
ID = "https://w3id.org/spacecoop/id/"
HOSTILE = '<script>alert("x")</script> | *bold* `code`'


@pytest.fixture(scope="module")
def partners(full_ds):
    return run_named(full_ds, "country-partners")


def _result(*rows, vars=("x", "label")):
    return QueryResult("SELECT", vars, tuple(rows))


def test_all_is_sorted_and_public():
    assert nbmod.__all__ == sorted(nbmod.__all__)
    assert all(hasattr(nbmod, name) for name in nbmod.__all__)


# ------------------------------------------------------------------------------------ tables


def test_show_table_of_a_query_result(partners):
    t = show_table(partners, ["a", "aLabel", "bLabel", "sources"], caption="country-partners")
    assert isinstance(t, Table)
    assert t.columns == ("a", "aLabel", "bLabel", "sources")
    assert len(t) == len(partners) == t.total
    assert ("country:china", "China", "Turkey", "1") in t.rows  # IRIs as CURIEs, numbers as text
    page = t._repr_html_()
    assert "<caption" in page and "country-partners" in page
    assert page.count("<tr>") == len(partners) + 1
    assert f"{len(partners)} rows" in page
    md = t._repr_markdown_()
    assert md.splitlines()[2] == "| a | aLabel | bLabel | sources |"
    assert "| country:china | China | Turkey | 1 |" in md
    assert str(t) == repr(t) == md


def test_show_table_defaults_to_every_column_in_query_order(partners):
    assert show_table(partners).columns == partners.vars


def test_show_table_escapes_html_and_markdown():
    t = show_table(_result((URIRef(ID + "country/peru"), Literal(HOSTILE))))
    page = t.to_html()
    assert "<script>" not in page and html.escape(HOSTILE) in page
    md = t.to_markdown()
    assert "\\| *bold*" in md  # the pipe cannot open a new cell
    assert "\\<script>" in md  # nor the markup a tag
    assert len([line for line in md.splitlines() if line.startswith("|")]) == 3  # header, rule, one row


def test_show_table_cuts_long_tables_and_says_so():
    rows = [(Literal(i), Literal(f"n{i}")) for i in range(7)]
    t = show_table(_result(*rows), max_rows=3)
    assert len(t) == 3 and t.total == 7
    assert "showing 3 of 7 rows" in t.to_html() and "showing 3 of 7 rows" in t.to_markdown()
    assert show_table(_result(rows[0])).to_markdown().rstrip().endswith("_1 row_")
    assert len(show_table(_result(*rows), max_rows=0)) == 0
    with pytest.raises(UsageError, match="max_rows"):
        show_table(_result(*rows), max_rows=-1)


def test_show_table_names_the_columns_it_has(partners):
    with pytest.raises(UsageError, match=r"no column nope; the columns are: a, aLabel, b"):
        show_table(partners, ["aLabel", "nope"])


def test_show_table_refuses_what_is_not_a_table():
    with pytest.raises(UsageError, match="CONSTRUCT"):
        show_table(QueryResult("CONSTRUCT", graph=Graph()))
    with pytest.raises(UsageError, match="not str"):
        show_table("SELECT * WHERE {}")
    with pytest.raises(UsageError, match="record of type int"):
        show_table([1, 2])
    assert show_table(QueryResult("ASK", boolean=False)).rows == (("no",),)


def test_show_table_of_records(full_countries):
    comms = communities(full_countries)
    t = show_table(comms, ["index", "size", "labels"])
    assert t.rows[0] == ("1", str(comms[0].size), ", ".join(comms[0].labels))  # property and tuple
    bs = show_table(brokers(full_countries))
    assert bs.columns == ("node", "label", "kind", "blocs", "betweenness")
    assert all(re.fullmatch(r"\d\.\d{3}", b) for b in bs.column("betweenness"))  # floats, three decimals

    @dataclass(frozen=True)
    class R:
        name: str
        ok: bool

    assert show_table([R("a", True), R("b", False)]).rows == (("a", "yes"), ("b", "no"))
    mixed = show_table([{"a": 1}, {"b": None, "a": 2}])
    assert mixed.columns == ("a", "b") and mixed.rows == (("1", ""), ("2", ""))
    assert show_table([]).rows == ()


def test_cell_text():
    assert cell_text(None) == ""
    assert cell_text(Literal("Türkiye", lang="tr")) == "Türkiye"
    assert cell_text(URIRef("https://example.org/x")) == "https://example.org/x"
    assert cell_text({"b", "a"}) == "a, b"
    assert cell_text(2) == "2"


def test_select_rows(partners):
    by_label = select_rows(partners, aLabel="China", bLabel="Turkey")
    by_curie = select_rows(partners, a="country:china", b=ID + "country/turkey")
    assert by_label == by_curie and len(by_label) == 1
    assert by_label.vars == partners.vars
    assert len(select_rows(partners, aLabel="Atlantis")) == 0
    either = select_rows(partners, bLabel=["Turkey", "Atlantis"])
    assert either.rows and {str(t) for t in either.column("bLabel")} == {"Turkey"}
    assert len(select_rows(partners, bLabel=("Turkey", "Egypt"))) == len(
        select_rows(partners, bLabel="Turkey")
    ) + len(select_rows(partners, bLabel="Egypt"))
    assert len(select_rows(partners, bLabel=[])) == 0
    assert select_rows(partners) == partners
    with pytest.raises(UsageError, match="no column country"):
        select_rows(partners, country="China")
    with pytest.raises(UsageError, match="SELECT"):
        select_rows(QueryResult("ASK", boolean=True), x="1")


def test_group_rows_counts_distinct_values(full_ds):
    ilrs = run_named(full_ds, "initiative-participants", initiative="ILRS")
    groups = group_rows(ilrs, ["level", "certainty"], "participantLabel", count="participants")
    assert groups.vars == ("level", "certainty", "participants", "participantLabel")
    total = {}
    for row in ilrs.dicts():
        total.setdefault((row.get("level"), row.get("certainty")), set()).add(str(row["participantLabel"]))
    assert len(groups) == len(total)
    for level, certainty, n, names in groups.rows:
        expected = sorted(total[(level, certainty)])
        assert int(n) == len(expected) and str(names) == ", ".join(expected)
    assert [tuple(map(str, r[:2])) for r in groups.rows] == sorted(
        tuple(map(str, r[:2])) for r in groups.rows
    )


def test_group_rows_bad_columns():
    r = _result((Literal("a"), None), (Literal("a"), Literal("z")))
    assert [int(row[1]) for row in group_rows(r, ["x"], "label").rows] == [1]  # None is not counted
    with pytest.raises(UsageError, match="no column y"):
        group_rows(r, ["y"], "label")
    with pytest.raises(UsageError, match="count column"):
        group_rows(r, ["x"], "label", count="x")


def test_show_quotes(full_ds):
    evidence = run_named(full_ds, "evidence", entity="Lunar neutron analyzer")
    q = show_quotes(evidence, about=["aboutLabel", "certainty"])
    assert isinstance(q, Quotes)
    quotes = {str(t) for t in evidence.column("quote")}
    assert {text for text, _, _ in q.items} == quotes
    assert len(q) == len({(str(r["quote"]), str(r["aboutLabel"])) for r in evidence.dicts()})  # no repeats
    assert all(" · certainty:" in about for _, _, about in q.items)
    page = q._repr_html_()
    assert page.count("<blockquote") == len(q)
    with pytest.raises(UsageError, match="no column nope"):
        show_quotes(evidence, about="nope")


def test_show_quotes_escapes():
    r = QueryResult("SELECT", ("quote", "sourceLabel"), ((Literal(HOSTILE), Literal("<b>src</b>")),))
    q = show_quotes(r)
    assert "<script>" not in q.to_html() and "<b>src" not in q.to_html()
    md = q.to_markdown()
    assert "\\<script\\>" in md and "\\*bold\\*" in md and "\\`code\\`" in md and "\\<b\\>src" in md
    assert show_quotes(QueryResult("SELECT", ("quote", "sourceLabel"), ())).to_markdown() == "_no quotes_\n"


def test_plural_and_join_labels():
    assert [plural(n, "country") for n in (0, 1, 2)] == ["0 countries", "1 country", "2 countries"]
    assert plural(2, "day") == "2 days" and plural(3, "match") == "3 matches"
    assert plural(2, "country or region", "countries and regions") == "2 countries and regions"
    assert join_labels(iter(["a", "b", "c"])) == "a, b and c" and join_labels(["a"]) == "a"


# ------------------------------------------------------------------------------------ the inline graph


@pytest.mark.slow
def test_show_graph_frames_the_offline_page(full_countries):
    before = (dict(full_countries.nodes(data=True)), list(full_countries.edges(data=True)))
    frame = show_graph(full_countries, title="countries", height=500)
    assert isinstance(frame, InlineGraph)
    assert (dict(full_countries.nodes(data=True)), list(full_countries.edges(data=True))) == before
    out = frame.to_html()
    m = re.fullmatch(
        r'<iframe title="countries" sandbox="allow-scripts" style="[^"]*height:500px[^"]*" '
        r'srcdoc="([^"]*)"></iframe>',
        out,
    )
    assert m, out[:300]
    page = html.unescape(m.group(1))
    assert page == frame.page == page_html(full_countries, title="countries")
    assert REMOTE.findall(page) == []  # what the browser reads
    shown = frame._repr_html_()
    # the display: a <style> that hides the fallback, the frame, then the fallback itself
    m = re.fullmatch(r"<style>\.(spacecoop-static-[0-9a-f]+)\{display:none\}</style>(.*)", shown, re.DOTALL)
    assert m and m.group(2) == out + frame.static_html()
    assert frame.static_html().startswith(f'<div class="{m.group(1)}">')
    assert not re.search(r"(?:https?|wss?|ftp)://", shown)
    assert "allow-same-origin" not in shown
    assert repr(frame) == frame.summary and frame.summary.startswith("countries: ")


def test_show_graph_escapes_the_title():
    out = show_graph(nx.Graph([("a", "b")]), title='"><script>x</script>')._repr_html_()
    head = out.split("srcdoc=")[0]
    assert "<script>" not in head and "&quot;&gt;&lt;script&gt;" in head
    assert "<script>" not in out  # nor in the fallback's summary and alt text


@pytest.mark.parametrize("height", [0, -5, "600", True, 1.5])
def test_show_graph_refuses_a_bad_height(height):
    with pytest.raises(UsageError, match="height"):
        show_graph(nx.Graph(), height=height)


@pytest.mark.browser
@pytest.mark.skipif(not has_chromium(), reason="Debian's chromium is not installed")
def test_inline_graph_draws_in_chromium_with_no_request(full_countries, tmp_path):
    """The frame, put in a page as Jupyter would, draws every node, fetches nothing and cannot
    reach the page around it."""
    from playwright.sync_api import sync_playwright

    wrapper = tmp_path / "notebook.html"
    wrapper.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>nb</title></head><body>"
        + show_graph(full_countries, title="countries")._repr_html_()
        + "</body></html>",
        encoding="utf-8",
    )
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            context = browser.new_context()
            requests, errors = [], []
            context.on("request", lambda r: requests.append(r.url))
            page = context.new_page()
            page.on("pageerror", lambda e: errors.append(str(e)))
            page.goto(wrapper.as_uri())
            frame = next(f for f in page.frames if f != page.main_frame)
            frame.wait_for_function("document.body && document.body.dataset.ready === '1'", timeout=30_000)
            assert frame.evaluate("network.body.data.nodes.length") == full_countries.number_of_nodes()
            assert frame.evaluate("network.body.data.edges.length") == full_countries.number_of_edges()
            reach = frame.evaluate(
                "(() => { try { return window.parent.document.title; } catch (e) { return 'blocked'; } })()"
            )
            hidden = page.evaluate(
                "getComputedStyle(document.querySelector('[class^=spacecoop-static-]')).display"
            )
        finally:
            browser.close()
    assert reach == "blocked"
    assert errors == []
    assert requests == [wrapper.as_uri()]
    assert hidden == "none"  # trusted: the frame shows and the static fallback does not


@pytest.mark.browser
@pytest.mark.skipif(not has_chromium(), reason="Debian's chromium is not installed")
def test_untrusted_display_draws_the_static_graph_in_chromium(full_countries, tmp_path):
    """What JupyterLab makes of the display in an untrusted notebook (sanitised HTML), in a real
    browser: no frame, the drawing loaded and visible, the members listed."""
    from playwright.sync_api import sync_playwright

    shown = show_graph(full_countries, title="countries")
    wrapper = tmp_path / "untrusted.html"
    wrapper.write_text(
        "<!DOCTYPE html><html><head><meta charset='utf-8'><title>nb</title></head><body>"
        + jupyterlab_untrusted_html(shown._repr_html_())
        + "</body></html>",
        encoding="utf-8",
    )
    with sync_playwright() as pw:
        browser = launch_chromium(pw)
        try:
            page = browser.new_page()
            page.goto(wrapper.as_uri())
            assert page.locator("iframe").count() == 0
            img = page.locator("img")
            assert img.count() == 1 and img.is_visible()
            width, height = img.evaluate("i => [i.naturalWidth, i.naturalHeight]")
            assert width > 300 and height > 200
            text = page.inner_text("body")
        finally:
            browser.close()
    ilrs = _members(full_countries, "initiative:international-lunar-research-station")
    assert f"ILRS members ({len(ilrs)}): {join_labels(ilrs)}" in text


# ------------------------------------------------------------------------------------ untrusted notebooks

# JupyterLab's standard renderers in rank order, and whether each may render untrusted output
# (@jupyterlab/rendermime factories.ts): an untrusted output shows the first safe type it holds.
JUPYTERLAB_RENDERERS = (
    ("text/html", True),
    ("text/markdown", True),
    ("text/latex", True),
    ("image/svg+xml", False),
    ("image/bmp", True),
    ("image/png", True),
    ("image/jpeg", True),
    ("image/gif", True),
    ("image/webp", True),
    ("text/javascript", False),
    ("application/javascript", False),
    ("text/plain", True),
)
# The tags and attributes JupyterLab's sanitiser keeps (@jupyterlab/apputils sanitizer.ts, which
# runs sanitize-html: other tags are dropped, their text kept, script/style content dropped too;
# img src may be a data: URL).
JUPYTERLAB_TAGS = set(
    "a abbr acronym address area article aside audio b bdi bdo big blockquote br button canvas "  # noqa: SIM905
    "caption center cite code col colgroup command data datalist dd del details dfn dir div dl dt "
    "em fieldset figcaption figure font footer form h1 h2 h3 h4 h5 h6 header hgroup hr i img input "
    "ins kbd label legend li map mark menu meter nav nobr ol optgroup option output p pre progress "
    "q s samp section select small source span strike strong sub summary sup table tbody td "
    "textarea tfoot th thead time tr track tt u ul var video wbr".split()
)
JUPYTERLAB_ATTRIBUTES = {
    "*": {"class", "dir", "draggable", "hidden", "id", "inert", "itemprop", "itemref", "itemscope", "lang"}
    | {"spellcheck", "style", "title", "translate"},
    "a": {"accesskey", "coords", "href", "hreflang", "name", "shape", "tabindex", "target", "type"},
    "img": {
        "align",
        "alt",
        "border",
        "height",
        "hspace",
        "ismap",
        "name",
        "src",
        "usemap",
        "vspace",
        "width",
    },
    "td": {"colspan", "rowspan", "align", "valign"},
    "th": {"colspan", "rowspan", "align", "valign"},
}


def untrusted_mime(data: dict) -> str | None:
    """The output type JupyterLab renders for an untrusted output holding ``data``."""
    return next((mime for mime, safe in JUPYTERLAB_RENDERERS if safe and mime in data), None)


def jupyterlab_untrusted_html(markup: str) -> str:
    """Sanitise HTML as JupyterLab does for an untrusted output (with nh3, a real sanitiser)."""
    import nh3

    return nh3.clean(
        markup,
        tags=JUPYTERLAB_TAGS,
        clean_content_tags={"script", "style", "noscript"},
        attributes=JUPYTERLAB_ATTRIBUTES,
        url_schemes={"http", "https", "ftp", "mailto", "tel", "data", "attachment"},
        link_rel=None,
    )


class _Shown(HTMLParser):
    """What a page shows: its text and the sources of its images (nothing of script or style)."""

    def __init__(self) -> None:
        super().__init__()
        self.text: list[str] = []
        self.images: list[str] = []
        self.tags: set[str] = set()
        self._skip = 0

    def handle_starttag(self, tag, attrs):
        self.tags.add(tag)
        if tag in ("script", "style"):
            self._skip += 1
        if tag == "img":
            self.images.append(dict(attrs).get("src") or "")

    def handle_endtag(self, tag):
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data):
        if not self._skip:
            self.text.append(data)


def untrusted_view(nb) -> list[tuple[str, str, list[bytes], set[str]]]:
    """Open a notebook as JupyterLab opens one that is not trusted; return, per display output,
    the type rendered, the text shown, the images shown (decoded) and the tags left."""
    import base64

    out = []
    for cell in nb.cells:
        for o in cell.get("outputs", []):
            if o.get("output_type") not in ("display_data", "execute_result"):
                continue
            data = o.get("data", {})
            mime = untrusted_mime(data)
            if mime == "text/html":
                shown = _Shown()
                shown.feed(jupyterlab_untrusted_html(data[mime]))
                pictures = [
                    base64.b64decode(src.split(",", 1)[1])
                    for src in shown.images
                    if src.startswith("data:image/png;base64,")
                ]
                out.append((mime, "".join(shown.text), pictures, shown.tags))
            elif mime in ("image/png",):
                out.append((mime, "", [base64.b64decode(data[mime])], set()))
            elif mime is not None:
                out.append((mime, data[mime], [], set()))
    return out


def _members(G, bloc: str) -> list[str]:
    """The labels of the nodes a membership edge ties to ``bloc`` (the edges, not the node
    attribute the summary reads)."""
    return sorted(
        {
            str(G.nodes[v if u == bloc else u].get("label"))
            for u, v, d in G.edges(data=True)
            if bloc in (u, v) and d.get("relation") == "membership"
        }
    )


def _picture(png: bytes):
    import io

    from matplotlib.image import imread

    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    return imread(io.BytesIO(png), format="png")


def _shows_colour(picture, colour: str) -> bool:
    """Whether a few pixels of ``picture`` have ``colour`` (the markers drawn in it)."""
    import numpy as np
    from matplotlib.colors import to_rgb

    near = np.abs(picture[..., :3] - np.array(to_rgb(colour))).max(axis=-1) < 0.03
    return int(near.sum()) >= 20


def test_describe_graph_names_each_bloc_and_its_members(full_countries):
    summary, outline = describe_graph(full_countries, "countries")
    n_countries = sum(1 for _, d in full_countries.nodes(data=True) if d.get("kind") == "country")
    assert summary.startswith(f"countries: {plural(n_countries, 'country')}, ")
    assert f"{plural(full_countries.number_of_edges(), 'edge')};" in summary
    blocs = {b["short"]: b["id"] for b in __import__("json").loads(full_countries.graph["blocs"])}
    for short in ("ILRS", "APSCO", "Artemis Accords"):
        members = _members(full_countries, blocs[short])
        assert members, short
        assert f"; {short} members ({len(members)}): {join_labels(members)}" in summary
        assert f"{plural(len(members), 'member')}: {', '.join(members)}" in outline
    assert "China" in _members(full_countries, blocs["ILRS"])  # the bloc China leads


def test_show_graph_without_matplotlib_falls_back_to_text(monkeypatch):
    import sys

    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.setitem(sys.modules, name, None)  # `import matplotlib…` now raises ImportError
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    G = nx.Graph(blocs='[{"id": "b", "label": "Big Bloc", "short": "BB"}]')
    G.add_node("b", label="Big Bloc", kind="initiative")
    G.add_node("x", label="Xland", kind="country", blocs="b")
    G.add_node("y", label="Yland <i>", kind="country", blocs="b")
    G.add_edges_from([("x", "b"), ("y", "b")])
    shown = show_graph(G, title="demo")
    assert shown.png is None and shown._repr_png_() is None
    md = shown._repr_markdown_()
    assert md == shown.outline and "- **BB** (Big Bloc), 2 members: Xland, Yland \\<i>" in md
    view = jupyterlab_untrusted_html(shown._repr_html_())
    assert "<img" not in view and "<iframe" not in view
    assert "<li><strong>BB</strong> (Big Bloc), 2 members: Xland, Yland &lt;i&gt;</li>" in view
    assert repr(shown) == "demo: 2 countries, 1 initiative, 2 edges; BB members (2): Xland and Yland <i>"


@pytest.mark.notebook
def test_saved_notebook_opened_untrusted_shows_the_static_graph(tmp_path):
    """Run a notebook that shows a graph, save it, open it again untrusted (nbformat's notary),
    and render its outputs as JupyterLab does: the frame is gone, the drawing and the members
    are what is left, and they are this graph's."""
    import nbformat
    from nbclient import NotebookClient
    from nbformat.sign import NotebookNotary

    code = (
        "import networkx as nx\n"
        "from spacecoop.pages.notebook import show_graph\n"
        'G = nx.Graph(view=\'countries\', blocs=\'[{"id": "b", "label": "Lunar Bloc", "short": "LB"}]\')\n'
        "G.add_node('b', label='Lunar Bloc', kind='initiative')\n"
        "for c in ('Atlantis', 'Borduria', 'Syldavia'):\n"
        "    G.add_node(c, label=c, kind='country', blocs='b' if c != 'Atlantis' else '')\n"
        "G.add_edges_from([('Borduria', 'b'), ('Syldavia', 'b'), ('Atlantis', 'Borduria')])\n"
        "show_graph(G, title='demo')"
    )
    nb = nbformat.v4.new_notebook(cells=[nbformat.v4.new_code_cell(code)])
    NotebookClient(nb, timeout=120, kernel_name="python3").execute()
    path = tmp_path / "saved.ipynb"
    nbformat.write(nb, path)

    opened = nbformat.read(path, as_version=4)
    notary = NotebookNotary(db_file=":memory:", secret=b"a secret of this test")
    assert notary.check_signature(opened) is False  # nobody signed it here: untrusted
    notary.mark_cells(opened, False)
    assert opened.cells[0].metadata.get("trusted") is False
    data = opened.cells[0].outputs[0]["data"]
    assert {"text/html", "image/png", "text/plain"} <= set(data)
    assert "<iframe" in data["text/html"]  # trusted, the interactive graph
    ((mime, text, pictures, tags),) = untrusted_view(opened)
    assert mime == "text/html" and "iframe" not in tags and "style" not in tags
    assert "demo: 3 countries, 1 initiative, 3 edges; LB members (2): Borduria and Syldavia" in text
    assert "LB (Lunar Bloc), 2 members: Borduria, Syldavia" in text
    (png,) = pictures
    picture = _picture(png)
    assert picture.shape[0] > 200 and picture.shape[1] > 300
    # a drawing of this graph: its countries and its initiative in their colours on the page
    for kind in ("country", "initiative"):
        assert _shows_colour(picture, KIND_STYLE[kind][0]), kind
    assert png == __import__("base64").b64decode(data["image/png"])  # the same drawing as image/png
    assert (
        data["text/plain"]
        == "demo: 3 countries, 1 initiative, 3 edges; LB members (2): Borduria and Syldavia"
    )
    # a signed (trusted) copy would show the frame: the fallback is for the untrusted case only
    notary.sign(opened)
    assert notary.check_signature(opened) is True


# ------------------------------------------------------------------------------------ the static plot


def _segments(fig):
    from matplotlib.collections import LineCollection

    out = {}
    for coll in fig.axes[0].collections:
        if isinstance(coll, LineCollection):
            colour = tuple(round(float(c), 3) for c in coll.get_colors()[0][:3])
            dashed = coll.get_linestyles()[0][0] is not None and bool(coll.get_linestyles()[0][1])
            out[(colour, dashed)] = out.get((colour, dashed), 0) + len(coll.get_segments())
    return out


def test_plot_network_hides_co_membership_on_the_countries_view(full_countries):
    from matplotlib.colors import to_rgba

    before = list(full_countries.edges(data=True))
    fig = plot_network(full_countries)
    assert list(full_countries.edges(data=True)) == before
    drawn = [
        d for _, _, d in full_countries.edges(data=True) if set(d["kinds"].split(";")) - {"co-membership"}
    ]
    segs = _segments(fig)
    assert sum(segs.values()) == len(drawn) < full_countries.number_of_edges()
    # Bahrain's contradicted ILRS membership is red and dotted
    red = tuple(round(c, 3) for c in to_rgba(CONTRADICTED_COLOUR)[:3])
    assert segs.get((red, True), 0) >= 1
    assert sum(_segments(plot_network(full_countries, hide=())).values()) == full_countries.number_of_edges()
    assert str(len(drawn)) in fig.axes[0].get_title()
    labels = {t.get_text() for t in fig.axes[0].texts}
    assert {"Turkey", "China", "International Lunar Research Station"} <= labels


def test_plot_network_dashes_by_the_links_drawn(full_countries):
    """Turkey-China: a stated co-development beside a hedged co-membership; drawn alone, solid."""
    from spacecoop.pages.graph_page import RELATION_COLOURS

    G = full_countries.edge_subgraph([("country:turkey", "country:china", "co-development")]).copy()
    G.graph.update(full_countries.graph)
    from matplotlib.colors import to_rgba

    green = tuple(round(c, 3) for c in to_rgba(RELATION_COLOURS["co-development"])[:3])
    assert _segments(plot_network(G)) == {(green, False): 1}


def test_plot_network_needs_every_position():
    with pytest.raises(UsageError, match="positions lack 1 node"):
        plot_network(nx.Graph([("a", "b")]), positions={"a": (0, 0)})


def test_figure_png_without_pyplot(full_countries):
    import sys

    png = figure_png(plot_network(full_countries, labels=False, title="t"))
    assert png.startswith(b"\x89PNG\r\n\x1a\n") and len(png) > 10_000
    if "matplotlib.pyplot" in sys.modules:  # other code may have imported it; we made no figure there
        assert sys.modules["matplotlib.pyplot"].get_fignums() == []


# ------------------------------------------------------------------------------------ output folder


def test_output_folder_is_temporary_by_default(monkeypatch, root):
    monkeypatch.delenv("SPACECOOP_OUTPUT", raising=False)
    a, b = output_folder("x-"), output_folder("x-")
    assert a != b and a.is_dir() and a.name.startswith("x-")
    assert root.resolve() not in a.resolve().parents


def test_output_folder_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("SPACECOOP_OUTPUT", str(tmp_path / "out" / "deeper"))
    assert output_folder() == (tmp_path / "out" / "deeper").resolve() and output_folder().is_dir()


def test_output_folder_refuses_the_repo_and_files(monkeypatch, root, tmp_path):
    monkeypatch.setenv("SPACECOOP_OUTPUT", str(root / "build-out"))
    with pytest.raises(UsageError, match="inside the project checkout"):
        output_folder()
    assert not (root / "build-out").exists()
    f = tmp_path / "file"
    f.write_text("x")
    monkeypatch.setenv("SPACECOOP_OUTPUT", str(f))
    with pytest.raises(UsageError, match="is a file"):
        output_folder()
