"""The graph page in a real Chromium (Debian's, driven by Playwright; nothing is downloaded).

Each test opens a file:// page and reads what it shows from the page itself.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

# These tests read their expected values off the Chang'e-8 article: they run on the project without
# the imported table (tests/_article_only.py); tests/test_table.py covers the views of the table.
from rdflib import Dataset

from spacecoop.pages.chromium import has_chromium, launch_chromium
from spacecoop.pages.graph_page import write_html
from spacecoop.views.projection import evidence_of, to_networkx

BLOCS = Path(__file__).parent / "data" / "views" / "blocs.trig"
ILRS = "initiative:international-lunar-research-station"

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(not has_chromium(), reason="Debian's chromium is not installed"),
]


@pytest.fixture(scope="module")
def browser():
    from playwright.sync_api import sync_playwright

    with sync_playwright() as pw:
        b = launch_chromium(pw)
        yield b
        b.close()


@pytest.fixture(scope="module")
def graphs(article_ds):
    syn = Dataset(default_union=True)
    syn.parse(BLOCS, format="trig")
    return {
        "countries": to_networkx(article_ds, "countries"),
        "actors": to_networkx(article_ds, "actors"),
        "full": to_networkx(article_ds, "full"),
        "hostile": to_networkx(syn, "countries"),
        "hostile-actors": to_networkx(syn, "actors"),
    }


@pytest.fixture(scope="module")
def pages(graphs, tmp_path_factory):
    folder = tmp_path_factory.mktemp("pages")
    return {
        name: write_html(G, folder / f"{name}.html", title=f"{name} <i>page</i>")
        for name, G in graphs.items()
    }


class Opened:
    """A page opened in a fresh browser context, with what it logged and requested."""

    def __init__(self, browser, path: Path):
        self.context = browser.new_context(viewport={"width": 1400, "height": 850})
        self.page = self.context.new_page()
        self.console: list[tuple[str, str]] = []
        self.errors: list[str] = []
        self.requests: list[str] = []
        self.page.on("console", lambda m: self.console.append((m.type, m.text)))
        self.page.on("pageerror", lambda e: self.errors.append(str(e)))
        self.context.on("request", lambda r: self.requests.append(r.url))
        self.url = path.resolve().as_uri()
        self.page.goto(self.url)
        self.page.wait_for_function("document.body.dataset.ready === '1'", timeout=30_000)

    def js(self, expr, arg=None):
        return self.page.evaluate(expr, arg)

    def edge_id(self, u, v):
        return self.js(
            "([u, v]) => spacecoop.data.edges.find(e => (e.from === u && e.to === v) || "
            "(e.from === v && e.to === u)).id",
            [u, v],
        )

    def edge(self, u, v):
        return self.js("id => edges.get(id)", self.edge_id(u, v))

    def node_point(self, node):
        """Where a node is drawn, in page coordinates."""
        return self.js(
            """id => { const p = network.canvasToDOM(network.getPositions([id])[id]);
            const r = document.querySelector('#network canvas').getBoundingClientRect();
            return [r.left + p.x, r.top + p.y]; }""",
            node,
        )

    def close(self):
        self.context.close()


@pytest.fixture
def opened(browser):
    items = []

    def _open(path):
        o = Opened(browser, path)
        items.append(o)
        return o

    yield _open
    for o in items:
        o.close()


@pytest.mark.parametrize("name", ["countries", "actors", "full", "hostile"])
def test_counts_read_from_the_page(opened, pages, graphs, name):
    o = opened(pages[name])
    G = graphs[name]
    assert o.js("network.body.data.nodes.length") == G.number_of_nodes()
    assert o.js("network.body.data.edges.length") == G.number_of_edges()
    counts = o.js("document.getElementById('counts').textContent")
    assert counts.startswith(f"{G.number_of_nodes()} nodes, {G.number_of_edges()} edges")


@pytest.mark.parametrize("name", ["countries", "actors", "full", "hostile", "hostile-actors"])
def test_no_console_errors_and_no_requests(opened, pages, name):
    o = opened(pages[name])
    o.js("spacecoop.data.nodes.forEach(n => spacecoop.showNode(n.id))")
    o.js("spacecoop.data.edges.forEach(e => spacecoop.showEdge(e.id))")
    o.page.mouse.move(700, 400)
    o.page.mouse.wheel(0, -300)
    o.page.wait_for_timeout(200)
    assert o.errors == []
    assert [m for m in o.console if m[0] in ("error", "warning")] == []
    assert o.requests == [o.url]


def test_title_is_text(opened, pages):
    o = opened(pages["countries"])
    assert o.js("document.title") == "countries <i>page</i>"
    assert o.js("document.getElementById('title').textContent") == "countries <i>page</i>"
    assert o.js("document.querySelectorAll('#side i').length") == 0


def test_hostile_labels_execute_nothing(opened, pages, graphs):
    for name in ("hostile", "hostile-actors"):
        o = opened(pages[name])
        G = graphs[name]
        hostile = [n for n, d in G.nodes(data=True) if "<" in d["label"]]
        assert len(hostile) == (2 if name == "hostile" else 3)
        for node in hostile:
            x, y = o.node_point(node)
            o.page.mouse.move(x, y)
            o.page.wait_for_timeout(150)
            assert o.js("document.querySelector('#details h1').textContent") == G.nodes[node]["label"]
            o.page.mouse.click(x, y)
            o.page.wait_for_timeout(100)
            assert o.js("document.querySelector('#details h1').textContent") == G.nodes[node]["label"]
            o.page.click("#reset-view")  # a click pins the panel; reset view lets hovering show again
        # every node and edge panel, quotes and sources included
        o.js("spacecoop.data.nodes.forEach(n => spacecoop.showNode(n.id))")
        o.js("spacecoop.data.edges.forEach(e => spacecoop.showEdge(e.id))")
        o.page.fill("#search", "<script>")
        o.page.press("#search", "Enter")
        o.page.wait_for_timeout(200)
        assert o.js("typeof window.__pwned") == "undefined"
        assert o.js("document.querySelectorAll('img, a, script[src], iframe').length") == 0
        assert o.requests == [o.url]
    # the quote with an <img> in it is shown as text
    o = opened(pages["hostile"])
    o.js("id => spacecoop.showEdge(id)", o.edge_id("country:borduria", "initiative:ilrs"))
    quotes = o.js("[...document.querySelectorAll('#details blockquote')].map(b => b.textContent)")
    assert "\u201c<img src=x onerror=\"window.__pwned='quote'\">\u201d" in quotes
    sources = o.js("[...document.querySelectorAll('#details .source')].map(p => p.textContent).join(' ')")
    assert "</script><script>window.__pwned='source'</script>" in sources
    assert o.js("typeof window.__pwned") == "undefined"


def test_hover_and_click_show_evidence(opened, pages):
    o = opened(pages["countries"])
    x, y = o.node_point("country:thailand")
    o.page.mouse.click(x, y)
    o.page.wait_for_timeout(150)
    assert o.js("document.querySelector('#details h1').textContent") == "Thailand"
    text = o.js("document.getElementById('details').textContent")
    assert "International Lunar Research Station (no joining date claimed)" in text
    o.js("id => spacecoop.showEdge(id)", o.edge_id("country:bahrain", ILRS))
    text = o.js("document.getElementById('details').textContent")
    assert "These include Russia, South Africa, Thailand, Turkey, Pakistan, Bahrain and Egypt." in text
    assert "contradicted" in text and "SpaceNews, 25 April 2025" in text


def test_hedged_and_contradicted_look_different(opened, pages):
    o = opened(pages["countries"])
    bahrain = o.edge("country:bahrain", ILRS)
    turkey = o.edge("country:turkey", ILRS)
    russia = o.edge("country:russia", ILRS)
    red = o.js("spacecoop.data.contradictedColor")
    assert bahrain["color"]["color"] == red and bahrain["dashes"]
    assert turkey["dashes"] and turkey["color"]["color"] != red
    assert russia["dashes"] is False and russia["color"]["color"] != red


def test_search_finds_and_selects(opened, pages):
    o = opened(pages["countries"])
    o.page.fill("#search", "thailand")
    o.page.press("#search", "Enter")
    assert o.js("network.getSelectedNodes()") == ["country:thailand"]
    assert o.js("document.getElementById('search-status').textContent") == "1 match"
    assert o.js("document.querySelector('#details h1').textContent") == "Thailand"
    o.page.fill("#search", "APSCO")  # an alias
    o.page.click("#search-go")
    assert o.js("network.getSelectedNodes()") == ["agent:asia-pacific-space-cooperation-organization"]
    o.page.fill("#search", "zzzz")
    o.page.press("#search", "Enter")
    assert o.js("network.getSelectedNodes()") == []
    assert o.js("document.getElementById('search-status').textContent") == "0 matches"


def test_kind_filters_change_what_is_shown(opened, pages, graphs):
    o = opened(pages["countries"])
    start = o.js("spacecoop.state.visibleEdges")
    assert o.js("document.querySelector('input[data-kind=\"co-membership\"]').checked") is False
    o.page.check("input[data-kind='co-membership']")
    assert o.js("spacecoop.state.visibleEdges") == graphs["countries"].number_of_edges()
    o.page.uncheck("input[data-kind='co-membership']")
    o.page.uncheck("input[data-kind='membership']")
    after = o.js("spacecoop.state.visibleEdges")
    assert after < start
    assert o.edge("country:russia", ILRS)["hidden"] is True
    assert o.edge("country:turkey", "country:china")["hidden"] is False  # co-development stays
    assert o.js("nodes.get('country:russia').hidden") is True  # all its links are filtered


def test_bloc_filter_hides_a_bloc(opened, pages):
    o = opened(pages["countries"])
    o.page.uncheck(f"input[data-bloc='{ILRS}']")
    assert o.js(f"nodes.get('{ILRS}').hidden") is True
    assert o.js("nodes.get('country:thailand').hidden") is True
    assert o.js("nodes.get('country:turkey').hidden") is False
    assert o.js("nodes.get('country:italy').hidden") is False  # never had a link to hide
    o.page.check(f"input[data-bloc='{ILRS}']")
    assert o.js("nodes.get('country:thailand').hidden") is False


def test_date_filter_shows_blocs_as_they_grew(opened, pages):
    o = opened(pages["hostile"])
    ilrs, artemis = "initiative:ilrs", "initiative:artemis-accords"
    o.page.fill("#asof", "2021-12-31")
    o.page.dispatch_event("#asof", "change")
    assert o.js("spacecoop.state.asof") == "2021-12-31"
    assert o.edge("country:atlantis", ilrs)["hidden"] is False  # 2021-04-28
    assert o.edge("country:borduria", ilrs)["hidden"] is True  # 2023-06
    assert o.edge("country:carpania", artemis)["hidden"] is False  # 2020-10-13
    assert o.edge("country:carpania", ilrs)["hidden"] is True  # 2024
    assert o.edge("country:elbonia", artemis)["hidden"] is True  # 2022-01-05
    # undated: never a member on a date; shown only on request, and marked (issue 16)
    assert o.edge("country:dystopia", "agent:apsco")["hidden"] is True
    assert o.js("nodes.get('country:borduria').hidden") is False  # still co-develops the dust counter
    assert o.js("nodes.get('country:elbonia').hidden") is True
    o.page.check("#undated")
    assert o.edge("country:dystopia", "agent:apsco")["hidden"] is False
    assert o.edge("country:dystopia", "agent:apsco")["label"] == "undated"
    o.page.uncheck("#undated")
    assert o.edge("country:dystopia", "agent:apsco")["hidden"] is True
    # the slider steps through the claimed dates; its first step is the earliest
    o.page.check("#undated")
    dates = o.js("spacecoop.data.dates")
    o.js(
        "() => { const s = document.getElementById('asof-slider'); s.value = 0; "
        "s.dispatchEvent(new Event('input')); }"
    )
    assert o.js("document.getElementById('asof').value") == "2020-10-13" == dates[0]
    assert o.edge("country:carpania", artemis)["hidden"] is False
    assert o.edge("country:atlantis", ilrs)["hidden"] is True
    o.js(
        "() => { const s = document.getElementById('asof-slider'); s.value = s.max; "
        "s.dispatchEvent(new Event('input')); }"
    )
    assert o.js("spacecoop.state.visibleEdges") == o.js(
        "spacecoop.data.edges.filter(e => e.links.some(l => l.kind !== 'co-membership')).length"
    )


def test_screenshot(opened, pages, tmp_path):
    o = opened(pages["countries"])
    out = tmp_path / "graph.png"
    o.page.screenshot(path=str(out))
    assert out.stat().st_size > 20_000
    assert json.loads(json.dumps(o.js("spacecoop.state.drawn"))) is True


def test_a_click_opens_the_node_clicked_and_keeps_it(opened, pages, graphs):
    # Clicking Bahrain opened Thailand: the panel followed the pointer's hover, not the click.
    o = opened(pages["countries"])
    bx, by = o.node_point("country:bahrain")
    tx, ty = o.node_point("country:thailand")
    o.page.mouse.click(bx, by)
    o.page.wait_for_timeout(150)
    assert o.js("document.querySelector('#details h1').textContent") == "Bahrain"
    o.page.mouse.move(tx, ty)
    o.page.wait_for_timeout(150)
    assert o.js("document.querySelector('#details h1').textContent") == "Bahrain"
    o.page.mouse.click(tx, ty)
    o.page.wait_for_timeout(150)
    assert o.js("document.querySelector('#details h1').textContent") == "Thailand"


def test_panels_speak_plain_words(opened, pages):
    o = opened(pages["countries"])
    o.js("spacecoop.showNode('country:turkey')")
    text = o.js("document.getElementById('details').innerText")
    for raw in ("n_claims", "n_sources", "weight", "via", ";"):
        assert raw not in text, raw
    assert "Member of" in text
    o.js(
        "spacecoop.showEdge(spacecoop.data.edges.find("
        "e => e.from === 'country:switzerland' || e.to === 'country:switzerland').id)"
    )
    text = o.js("document.getElementById('details').innerText")
    assert "n_claims" not in text and "weight" not in text


def test_date_box_moves_the_slider_and_hides_undated_ties(opened, pages):
    o = opened(pages["blocs-dated"]) if "blocs-dated" in pages else opened(pages["hostile"])
    o.page.fill("#asof", "2021-12-31")
    o.page.dispatch_event("#asof", "change")
    n = o.js("spacecoop.data.dates.length")
    value = int(o.js("document.getElementById('asof-slider').value"))
    assert value < n
    assert o.js("spacecoop.data.dates")[value] <= "2021-12-31"
    # Dystopia's APSCO membership is undated: hidden as of a date unless asked for, then marked
    hidden = o.js("""spacecoop.data.edges
                     .filter(e => e.from === 'country:dystopia' || e.to === 'country:dystopia')
                     .map(e => edges.get(e.id).hidden)""")
    assert hidden and all(hidden)
    o.page.check("#undated")
    shown = o.js("""spacecoop.data.edges
                    .filter(e => e.from === 'country:dystopia' || e.to === 'country:dystopia')
                    .map(e => [edges.get(e.id).hidden, edges.get(e.id).label])""")
    assert [False, "undated"] in shown


def test_membership_and_other_ties_look_different(opened, pages):
    # Switzerland's ILRS tie is its firms' (sub-national): thin and dotted, not like Russia's.
    o = opened(pages["countries"])
    swiss = o.js(
        """(ilrs) => { const e = spacecoop.data.edges.find(e => e.relation === 'involvement' &&
                   [e.from, e.to].includes('country:switzerland') && [e.from, e.to].includes(ilrs));
                   return edges.get(e.id); }""",
        ILRS,
    )
    russia = o.edge("country:russia", ILRS)
    assert swiss["dashes"] and swiss["width"] == 1
    assert russia["dashes"] is False and russia["width"] > swiss["width"]
    assert swiss["color"]["color"] != russia["color"]["color"]
    legend = o.js("document.getElementById('relation-legend').textContent")
    assert "national member of a bloc" in legend and "other tie" in legend


LABEL_BOXES = """() => {
  const boxes = [];
  for (const id of Object.keys(network.body.nodes)) {
    const n = network.body.nodes[id], lm = n.labelModule;
    if (n.options.hidden || !lm || !lm.elementOptions.label || !lm.visible() || !lm.size.width) { continue; }
    boxes.push({ id: id, label: lm.elementOptions.label, px: lm.fontOptions.size * network.getScale(),
                 l: lm.size.left, t: lm.size.top, w: lm.size.width, h: lm.size.height });
  }
  return boxes;
}"""


def _overlapping(boxes):
    return [
        (a["label"], b["label"])
        for i, a in enumerate(boxes)
        for b in boxes[i + 1 :]
        if a["l"] < b["l"] + b["w"]
        and b["l"] < a["l"] + a["w"]
        and a["t"] < b["t"] + b["h"]
        and b["t"] < a["t"] + a["h"]
    ]


@pytest.mark.parametrize("name", ["countries", "actors"])
def test_labels_are_legible_at_first_view(opened, pages, name):
    """Every label drawn at first view is big enough to read and overlaps no other; zooming in
    brings more. (The full graph once showed ten overlapping pairs, blocs' long names among them.)"""
    o = opened(pages[name])
    o.page.wait_for_timeout(300)  # the first draw and the label placement after it
    boxes = o.js(LABEL_BOXES)
    assert len(boxes) >= 8, boxes
    assert _overlapping(boxes) == []
    assert min(b["px"] for b in boxes) >= 9  # pixels on screen
    if name == "countries":
        drawn = {b["label"] for b in boxes}
        assert {"ILRS", "APSCO"} <= drawn  # blocs by their short names on the canvas
    o.js("network.moveTo({ scale: network.getScale() * 3 })")
    o.page.wait_for_timeout(300)
    more = o.js(LABEL_BOXES)
    assert _overlapping(more) == []
    assert len({b["id"] for b in more}) > 0


_SHOWN_EVIDENCE = """kind => spacecoop.data[kind].map(x => {
  kind === "nodes" ? spacecoop.showNode(x.id) : spacecoop.showEdge(x.id);
  const words = [...document.querySelectorAll("#details blockquote")].map(b => b.textContent);
  const says = [...document.querySelectorAll("#details p.source > span:first-child")].map(s => s.textContent);
  return [words, says];
})"""


def _expected_evidence(G, items) -> list:
    out = []
    for d in items:
        evidence = evidence_of(G, d)
        words = [
            f"\u201c{ev['quote']}\u201d" if ev["quote"] else f"Compiler's words: {ev['detail']}"
            for ev in evidence
            if ev["quote"] or ev["detail"]
        ]
        says = ["Says: " + (ev["source_label"] or ev["source"] or "(no source)") for ev in evidence]
        out.append([words, says])
    return out


@pytest.mark.parametrize("view", ["countries", "actors"])
def test_every_panel_shows_the_evidence_of_its_claims(opened, pages, graphs, view):
    """The page carries each claim's evidence once; every node's and edge's panel shows exactly
    what the view says stands behind it (:func:`spacecoop.views.projection.evidence_of`), in order."""
    G = graphs[view]
    o = opened(pages[view])
    assert o.js("spacecoop.data.edges.length") == G.number_of_edges()
    edges = [d for *_, d in G.edges(keys=True, data=True)]
    assert o.js(_SHOWN_EVIDENCE, "edges") == _expected_evidence(G, edges)
    assert o.js(_SHOWN_EVIDENCE, "nodes") == _expected_evidence(G, [d for _, d in G.nodes(data=True)])
    assert any(says for _, says in _expected_evidence(G, edges))  # the check saw some evidence
    assert o.errors == []
