"""Each export loaded by the tools analysts use: networkx (GraphML, GEXF, node-link JSON), igraph
(GraphML), graphology (GraphML, GEXF) and Cytoscape.js (.cyjs) in Node; GEXF checked with xmllint
against the GEXF 1.3 schemas (tests/data/gexf-1.3/), drawn as the page draws it, and its timeline
replaying the growth of the blocs that the ``bloc-timeline`` query counts.

Node packages: tests/js/ (``npm ci`` there; scripts/test does it). xmllint: Debian's libxml2-utils.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import xml.etree.ElementTree as ET
from collections import Counter
from pathlib import Path

import networkx as nx
import pytest
from _article_only import copy_article_project

from spacecoop.views.export import GEXF_NS, GEXF_VIZ_NS, export_graph
from spacecoop.views.projection import to_networkx

pytestmark = [pytest.mark.tools, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
JS = Path(__file__).resolve().parent / "js"
SCHEMAS = Path(__file__).resolve().parent / "data" / "gexf-1.3"
ILRS = "initiative:international-lunar-research-station"
SUFFIX = {"graphml": "graphml", "gexf": "gexf", "json": "json", "cytoscape": "cyjs"}
G_, V_ = f"{{{GEXF_NS}}}", f"{{{GEXF_VIZ_NS}}}"


@pytest.fixture(scope="module")
def live_views(loaded):
    """The live project's views (never pinned: only what holds whatever sources are added)."""
    return {view: to_networkx(loaded.ds, view) for view in ("countries", "actors", "full")}


@pytest.fixture(scope="module")
def article_countries_view(tmp_path_factory):
    """The countries view of the project that holds the Chang'e-8 article's source only."""
    from spacecoop.core.load import load_dataset

    root = copy_article_project(ROOT, tmp_path_factory.mktemp("article-export") / "project")
    return to_networkx(load_dataset(root), "countries")


@pytest.fixture(scope="module")
def exported(live_views, article_countries_view, tmp_path_factory):
    """{(graph name, format): path} for the live countries view and the article-only one."""
    out = tmp_path_factory.mktemp("exports")
    graphs = {"live": live_views["countries"], "article": article_countries_view}
    return {
        (name, fmt): export_graph(G, out / f"{name}.{SUFFIX[fmt]}", fmt)[0]
        for name, G in graphs.items()
        for fmt in SUFFIX
    }


def _xmllint() -> str:
    tool = shutil.which("xmllint")
    if tool is None:
        pytest.fail("xmllint is missing: scripts/test installs it (Debian package libxml2-utils)")
    return tool


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: scripts/test needs Node and npm for the export tools")
    if not (JS / "node_modules").is_dir():
        pytest.fail("tests/js/node_modules is missing: run `npm ci` in tests/js (scripts/test does)")
    return node


def _load_js(mode: str, path: Path) -> dict:
    proc = subprocess.run(
        [_node(), str(JS / "load.mjs"), mode, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert proc.returncode == 0, proc.stderr
    return json.loads(proc.stdout)


# ------------------------------------------------------------------------------ what each tool read


def _as_read(tool: str, fmt: str, path: Path, G) -> tuple[int, int, list[tuple[str, str, dict]]]:
    """(nodes, edges, [(source, target, attributes)]) as ``tool`` reads the file."""
    if tool == "networkx":
        if fmt == "graphml":
            H = nx.read_graphml(path, force_multigraph=G.is_multigraph())
        elif fmt == "gexf":
            H = nx.read_gexf(path)
        elif fmt == "json":
            H = nx.node_link_graph(json.loads(path.read_text(encoding="utf-8")), edges="edges")
        else:
            H = nx.cytoscape_graph(json.loads(path.read_text(encoding="utf-8")))
        return H.number_of_nodes(), H.number_of_edges(), [(u, v, d) for u, v, d in H.edges(data=True)]
    if tool == "igraph":
        import igraph as ig

        g = ig.Graph.Read_GraphML(str(path))
        ids = g.vs["id"]
        edges = [(ids[e.source], ids[e.target], e.attributes()) for e in g.es]
        return g.vcount(), g.ecount(), edges
    data = _load_js(tool if tool == "cytoscape" else fmt, path)
    return data["order"], data["size"], [(e["source"], e["target"], e["attrs"]) for e in data["edges"]]


READERS = [
    ("networkx", "graphml"),
    ("networkx", "gexf"),
    ("networkx", "json"),
    ("networkx", "cytoscape"),
    ("igraph", "graphml"),
    ("graphology", "graphml"),
    ("graphology", "gexf"),
    ("cytoscape", "cytoscape"),
]


def _membership(edges, member: str, bloc: str) -> list[dict]:
    return [d for u, v, d in edges if {u, v} == {member, bloc} and d.get("relation") == "membership"]


@pytest.mark.parametrize(("tool", "fmt"), READERS, ids=[f"{t}-{f}" for t, f in READERS])
def test_each_tool_reads_the_view_with_its_memberships(
    tool, fmt, exported, live_views, article_countries_view
):
    """Counts equal the networkx view's; Egypt's ILRS membership comes with its level and the date
    the view gives it; the article's hedged Turkey is a national member with no date (absent)."""
    G = live_views["countries"]
    n, m, edges = _as_read(tool, fmt, exported[("live", fmt)], G)
    assert (n, m) == (G.number_of_nodes(), G.number_of_edges())
    [want] = _membership([(u, v, d) for u, v, d in G.edges(data=True)], "country:egypt", ILRS)
    assert want["level"] == "national" and want["since"]  # Egypt: a dated national member
    [got] = _membership(edges, "country:egypt", ILRS)
    assert got["level"] == "national"
    assert got["since"] == want["since"]

    A = article_countries_view
    n, m, edges = _as_read(tool, fmt, exported[("article", fmt)], A)
    assert (n, m) == (A.number_of_nodes(), A.number_of_edges())
    [turkey] = _membership(edges, "country:turkey", ILRS)
    assert turkey["level"] == "national" and turkey["certainty"] == "hedged"
    # absent, not "": igraph alone fills an attribute missing on one edge with "" (it has no "absent")
    assert turkey.get("since") in ((None, "") if tool == "igraph" else (None,))


# ------------------------------------------------------------------------------------------- GEXF


@pytest.mark.parametrize("view", ["countries", "actors", "full"])
def test_gexf_is_valid_against_the_gexf_1_3_schemas(view, live_views, tmp_path):
    """The RELAX NG schema (the normative one, made from gexf.rnc) takes the whole file. The XSD,
    which trang made from it, declares the viz elements in the GEXF namespace instead of
    ``http://gexf.net/1.3/viz`` (where Gephi writes and reads them), so it takes the file once the
    viz elements are left out, and everything else is checked by both."""
    [path] = export_graph(live_views[view], tmp_path / f"{view}.gexf")
    rng = subprocess.run(
        [_xmllint(), "--noout", "--relaxng", str(SCHEMAS / "gexf.rng"), str(path)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert rng.returncode == 0, rng.stderr[-3000:]
    tree = ET.parse(path)
    for parent in tree.getroot().iter():
        for child in list(parent):
            if child.tag.startswith(V_):
                parent.remove(child)
    tree.write(tmp_path / "no-viz.gexf", encoding="utf-8", xml_declaration=True)
    xsd = subprocess.run(
        [_xmllint(), "--noout", "--schema", str(SCHEMAS / "gexf.xsd"), str(tmp_path / "no-viz.gexf")],
        capture_output=True,
        text=True,
        check=False,
    )
    assert xsd.returncode == 0, xsd.stderr[-3000:]
    # no empty attribute anywhere (an empty name="" on <graph> failed the schema)
    root = ET.parse(path).getroot()
    assert root.find(f"{G_}graph").get("name") is None
    assert not [(el.tag, k) for el in root.iter() for k, val in el.attrib.items() if not val.strip()]


def test_gexf_draws_as_the_page_and_keeps_graph_attributes(live_views, tmp_path):
    """Colour, size and position of every node are the page's (y turned upwards, as Gephi draws);
    every edge has a colour and a thickness; the graph's own attributes are in meta/description."""
    from spacecoop.pages.graph_page import page_data

    G = live_views["countries"]
    [path] = export_graph(G, tmp_path / "c.gexf")
    root = ET.parse(path).getroot()
    page = {n["id"]: n for n in page_data(G)["nodes"]}
    nodes = root.findall(f"{G_}graph/{G_}nodes/{G_}node")
    assert len(nodes) == G.number_of_nodes()
    for el in nodes:
        want = page[el.get("id")]
        colour = el.find(f"{V_}color")
        assert "#{:02x}{:02x}{:02x}".format(*(int(colour.get(c)) for c in "rgb")) == want["color"].lower()
        pos = el.find(f"{V_}position")
        assert (float(pos.get("x")), float(pos.get("y"))) == pytest.approx((want["x"], -want["y"]))
        assert float(el.find(f"{V_}size").get("value")) == pytest.approx(want["size"])
        assert el.get("label") == G.nodes[el.get("id")]["label"]
    for el in root.findall(f"{G_}graph/{G_}edges/{G_}edge"):
        assert el.find(f"{V_}color") is not None and float(el.find(f"{V_}thickness").get("value")) > 0
    meta = json.loads(root.find(f"{G_}meta/{G_}description").text)
    assert meta == dict(G.graph)
    assert json.loads(meta["blocs"]) and meta["view"] == "countries"
    graph = root.find(f"{G_}graph")
    assert (graph.get("mode"), graph.get("timeformat")) == ("dynamic", "date")


def _spell(el) -> str | None:
    spell = el.find(f"{G_}spells/{G_}spell")
    return None if spell is None else spell.get("start")


def test_gexf_timeline_replays_the_growth_of_the_blocs(loaded, live_views, tmp_path):
    """Membership edges appear on Gephi's timeline on the day their bloc's members joined: counted by
    bloc and year, they are the joins the ``bloc-timeline`` query counts; an undated membership has
    no spell; a node's spell (when it has one) starts no later than any of its edges'."""
    from spacecoop.sparql.query import run_named

    G = live_views["countries"]
    [path] = export_graph(G, tmp_path / "c.gexf")
    root = ET.parse(path).getroot()
    kind = {
        el.get("id"): el.find(f"{G_}attvalues/{G_}attvalue[@for='kind']") for el in root.iter(f"{G_}node")
    }
    countries = {n for n, el in kind.items() if el is not None and el.get("value") == "country"}
    node_start = {el.get("id"): _spell(el) for el in root.iter(f"{G_}node")}
    rows = run_named(loaded.ds, "bloc-timeline").dicts()
    blocs = {str(r["bloc"]) for r in rows}
    want = Counter({(str(r["bloc"]), str(r["year"])): int(r["joins"]) for r in rows})
    got: Counter = Counter()
    undated = 0
    for el in root.iter(f"{G_}edge"):
        start = _spell(el)
        for end in (el.get("source"), el.get("target")):
            if start and node_start[end]:
                assert node_start[end] <= start, (end, el.get("id"))
        if el.get("kind") != "membership":
            continue
        a, b = el.get("source"), el.get("target")
        member, bloc = (a, b) if a in countries else (b, a)
        iri = G.nodes[bloc]["iri"]
        if iri not in blocs or member not in countries:
            continue
        if start is None:
            undated += 1
            continue
        got[(iri, start[:4])] += 1
    assert got == want
    assert sum(want.values()) > 0
    G_undated = [
        d for _, _, d in G.edges(data=True) if d.get("relation") == "membership" and not d.get("since")
    ]
    assert undated <= len(G_undated)


# --------------------------------------------------------------------------------------- Cytoscape


def test_cytoscape_edges_are_named_by_their_graphml_ids(live_views, tmp_path):
    """One id per edge across formats: the .cyjs edge ids are the GraphML edge ids."""
    G = live_views["countries"]
    [cy] = export_graph(G, tmp_path / "c.cyjs")
    [gm] = export_graph(G, tmp_path / "c.graphml")
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    graphml_ids = {e.get("id") for e in ET.parse(gm).getroot().iterfind(".//g:edge", ns)}
    data = _load_js("cytoscape", cy)
    assert {e["key"] for e in data["edges"]} == graphml_ids
