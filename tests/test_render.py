"""The page as text: self-contained, no remote URL, data escaped, scripts pinned by the CSP."""

from __future__ import annotations

import base64
import copy
import hashlib
import json
import re
from pathlib import Path

import networkx as nx
import pytest
from rdflib import Dataset

from spacecoop.core.errors import SpacecoopError
from spacecoop.pages.graph_page import build_pages, layout_positions, page_data, page_html, write_html
from spacecoop.views.projection import evidence_of, to_networkx

ROOT = Path(__file__).resolve().parents[1]

BLOCS = Path(__file__).parent / "data" / "views" / "blocs.trig"

# Anything that could make a browser fetch: a scheme URL, a protocol-relative src/href, a CSS url()
# that is not a data: URI, @import.
REMOTE = re.compile(
    r"""(?:\b(?:https?|wss?|ftp)://)|(?:\b(?:src|href|action)\s*=\s*["']?//)|(?:(?<![\w$.])url\(\s*(?!["']?data:))|@import""",
    re.IGNORECASE,
)


@pytest.fixture(scope="module")
def hostile():
    d = Dataset(default_union=True)
    d.parse(BLOCS, format="trig")
    return to_networkx(d, "countries")


@pytest.fixture(scope="module")
def page(full_ds):
    return page_html(to_networkx(full_ds, "countries"), title="countries")


def test_no_remote_url(page, hostile):
    assert REMOTE.findall(page) == []
    assert REMOTE.findall(page_html(hostile)) == []
    # the pattern does catch what would fetch
    for bad in (
        '<script src="https://cdn.example/x.js">',
        "<img src=//cdn.example/x.png>",
        "background: url(//cdn.example/a.png)",
        "@import 'x.css';",
        "new WebSocket('wss://x')",
    ):
        assert REMOTE.search(bad), bad
    assert not REMOTE.search('url("data:image/png;base64,AAAA")')


def test_utf8_and_self_contained(page):
    assert page.startswith("<!DOCTYPE html>")
    assert '<meta charset="utf-8">' in page
    assert len(re.findall(r"^<script", page, re.MULTILINE)) == 3  # data, vis-network, ours; none with src=
    assert not re.search(r"<script[^>]*\bsrc=", page)
    assert not re.search(r"<link\b", page)
    page.encode("utf-8")


def test_csp_pins_exactly_our_scripts(page):
    csp = re.search(r'http-equiv="Content-Security-Policy" content="([^"]+)"', page).group(1)
    assert "default-src 'none'" in csp and "connect-src 'none'" in csp
    scripts = re.findall(r"^<script>(.*?)</script>$", page, re.DOTALL | re.MULTILINE)
    assert len(scripts) == 2
    for body in scripts:
        digest = base64.b64encode(hashlib.sha256(body.encode("utf-8")).digest()).decode()
        assert f"'sha256-{digest}'" in csp
    assert "'unsafe-inline'" not in csp.split("script-src")[1].split(";")[0]


def test_page_carries_the_shipped_static_files_verbatim(page):
    """The page's own CSS and script are static/graph/page.css and page.js (read through
    importlib.resources, as an installed wheel reads them), inlined unchanged, and the page is the
    filled page.html template."""
    from importlib.resources import files

    assets = files("spacecoop") / "static" / "graph"
    css = (assets / "page.css").read_text(encoding="utf-8")
    js = (assets / "page.js").read_text(encoding="utf-8")
    template = (assets / "page.html").read_text(encoding="utf-8")
    assert f"<style>{css}</style>" in page
    assert page.endswith(f"<script>{js}</script>\n</body>\n</html>\n")
    assert 'getElementById("spacecoop-data")' in js and "#network" in css
    assert page.startswith(template.split("{", 1)[0])


def test_hostile_text_never_reaches_the_markup(hostile):
    text = page_html(hostile, title="<script>alert(1)</script>")
    assert "<script>alert(1)</script>" not in text
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in text
    assert "<img src=x" not in text
    assert "window.__pwned='script'</script>" not in text
    assert "</script><script>window.__pwned" not in text
    data = re.search(
        r'<script type="application/json" id="spacecoop-data">(.*?)</script>', text, re.DOTALL
    ).group(1)
    assert "<" not in data and ">" not in data
    parsed = json.loads(data)
    labels = {n["label"] for n in parsed["nodes"]}
    assert "<img src=x onerror=\"window.__pwned='img'\">" in labels  # kept as text, intact


@pytest.mark.slow
def test_page_data_counts_and_layers(full_ds, hostile):
    G = to_networkx(full_ds, "countries")
    data = page_data(G)
    assert data["nodeCount"] == len(data["nodes"]) == G.number_of_nodes()
    assert data["edgeCount"] == len(data["edges"]) == G.number_of_edges()
    assert data["hiddenKinds"] == ["co-membership"]
    assert {b["short"] for b in data["blocs"]} >= {"ILRS", "APSCO"}
    ilrs = next(n for n in data["nodes"] if n["id"] == "initiative:international-lunar-research-station")
    thailand = next(n for n in data["nodes"] if n["id"] == "country:thailand")
    assert ilrs["size"] > thailand["size"] and ilrs["shape"] == "star"
    syn = page_data(hostile)
    assert syn["dates"] == ["2020-10-13", "2021-04-28", "2022-01-05", "2023-06", "2024"]


def test_rendering_does_not_change_the_graph(full_ds):
    G = to_networkx(full_ds, "actors")
    before = copy.deepcopy(G)
    page_html(G)
    assert nx.utils.graphs_equal(before, G)
    assert dict(before.nodes(data=True)) == dict(G.nodes(data=True))


def test_any_graph_renders():
    G = nx.path_graph(4)
    data = page_data(G)
    assert [n["id"] for n in data["nodes"]] == ["0", "1", "2", "3"]
    assert len(re.findall(r"^<script", page_html(nx.Graph()), re.MULTILINE)) == 3


def test_layout_is_deterministic():
    G = nx.barabasi_albert_graph(300, 2, seed=1)
    assert layout_positions(G) == layout_positions(G)
    assert len(layout_positions(G)) == 300


def test_write_html(tmp_path):
    out = write_html(nx.Graph([("a", "b")]), tmp_path / "sub" / "g.html", title="ü")
    assert out.read_text(encoding="utf-8").count("ü") >= 1
    (tmp_path / "taken.html").mkdir()
    with pytest.raises(SpacecoopError, match="cannot write"):
        write_html(nx.Graph(), tmp_path / "taken.html")
    assert not list(tmp_path.glob(".*.tmp"))


@pytest.mark.slow
def test_build_pages(loaded):
    pages = build_pages(loaded)
    assert sorted(pages) == ["actors.html", "countries.html"]
    for body in pages.values():
        assert REMOTE.findall(body.decode("utf-8")) == []


def test_build_pages_are_drawn_from_the_dataset_not_an_oxigraph_copy(monkeypatch):
    """A build's pages read rdflib's indexes of the loaded dataset: no Oxigraph copy is made for
    them (1.2 s at 100k triples, and slower views), and they show what Oxigraph's would."""
    from spacecoop.core.load import load
    from spacecoop.pages.graph_page import BUILD_PAGES
    from spacecoop.store import OxigraphStore

    loaded = load(ROOT)  # a load of its own: the session's is shared
    oxigraph = OxigraphStore()
    oxigraph.load(loaded.ds)

    def refused(*args, **kwargs):
        raise AssertionError("an Oxigraph copy was made for the pages")

    made: list[object] = []
    real_init = OxigraphStore.__init__
    monkeypatch.setattr(OxigraphStore, "load", refused)
    monkeypatch.setattr(
        OxigraphStore, "__init__", lambda self, *a, **k: made.append(self) or real_init(self, *a, **k)
    )
    pages = build_pages(loaded)
    assert made == []  # no Oxigraph store at all, let alone a copy kept with the load
    for name, view in BUILD_PAGES.items():
        drawn = _page_json(pages[name].decode("utf-8"))
        assert drawn == _page_json(page_html(to_networkx(oxigraph, view), title=drawn["title"]))
        assert drawn["nodes"] and drawn["edges"]


def _page_json(text: str) -> dict:
    found = re.search(r'<script type="application/json" id="spacecoop-data">(.*?)</script>', text, re.DOTALL)
    return json.loads(found.group(1))


def test_the_page_carries_each_claims_evidence_once(full_ds):
    G = to_networkx(full_ds, "countries")
    packed = _page_json(page_html(G, positions={n: (0.0, 0.0) for n in G}))
    # one item per claim, and no claim's entries in two items
    owners = [{ev["claim"] for ev in entries} for entries in packed["claims"]]
    assert all(len(o) == 1 for o in owners) and len({c for o in owners for c in o}) == len(owners)
    assert all("evidence" not in x for x in packed["nodes"] + packed["edges"])

    # resolved by position, each edge's evidence is what the view says stands behind it
    def strip(evs):
        return [{k: v for k, v in ev.items() if v not in ("", None, False)} for ev in evs]

    # as page.js resolves them: a co-membership's own claims and its members' tie edges' claims,
    # each once, by position (claims are numbered in the order of their IRIs)
    by_id = {x["id"]: x for x in packed["edges"]}

    def resolved(x):
        ids = set(x["claims"]).union(*(by_id[t]["claims"] for t in x.get("ties", [])))
        return sorted(ids) if x.get("ties") else x["claims"]

    for x, (*_, d) in zip(packed["edges"], G.edges(keys=True, data=True), strict=True):
        assert [ev for i in resolved(x) for ev in packed["claims"][i]] == strip(evidence_of(G, d))
    # a co-membership names its members' ties, whose claims it does not carry
    co = [x for x in packed["edges"] if x.get("ties")]
    assert co and all(
        len(x["ties"]) % 2 == 0 and not set(x["claims"]) & set(resolved(by_id[x["ties"][0]])) for x in co
    )
    # and the strings of links and panels come back whole
    S = packed["strings"]
    plain = page_data(G, positions={n: (0.0, 0.0) for n in G})
    for x, e in zip(packed["edges"], plain["edges"], strict=True):
        assert [[S[a], S[b]] for a, b in x["info"]] == e["info"]
        assert [
            dict(
                zip(("kind", "via", "date", "certainty", "detail", "level"), (S[i] for i in lk), strict=False)
            )
            for lk in x["links"]
        ] == e["links"]


# The page data of each view of blocs.trig, as drawn before the projection and the packing were
# made faster (issue 15): the same data must give the same page to the byte. Positions are fixed,
# so the digest depends on neither igraph's layout nor vis-network. A change that means to change
# the page updates these digests, and says why in its commit.
PAGE_DATA_SHA256 = {
    "countries": "c6d4831b6682c70b3b29b4d0374125dc2419149633469a81a23af8d6498b427a",
    "actors": "6047f964931ba04fb4e39586a2471eb1711bac36104e3a2f3e230fb30600aa6d",
    "full": "42540d53eccfdb94d3bb61973d64308ebaadd150b2cc554707ee2222763b1a2f",
}


@pytest.mark.parametrize("view", sorted(PAGE_DATA_SHA256))
def test_page_data_is_unchanged_to_the_byte(view):
    from spacecoop.pages.graph_page import _json_for_script, _packed

    d = Dataset(default_union=True)
    d.parse(BLOCS, format="trig")
    G = to_networkx(d, view)
    text = _json_for_script(_packed(page_data(G, title="t", positions={n: (0.0, 0.0) for n in G})))
    assert hashlib.sha256(text.encode("utf-8")).hexdigest() == PAGE_DATA_SHA256[view]
