"""Exports read back with networkx (or the csv module) give the same nodes, edges and attributes."""

from __future__ import annotations

import copy
import csv
import json

import networkx as nx
import pytest

from spacecoop.core.errors import SpacecoopError, UsageError
from spacecoop.views.export import FORMATS, export_graph, read_csv_graph
from spacecoop.views.projection import claims_of, evidence_of, to_networkx, with_claims_in_full


@pytest.fixture(scope="module", params=["countries", "actors", "full"])
def graph(request, full_ds):
    return to_networkx(full_ds, request.param)


def _edge_table(G):
    """{(u, v, relation): attrs}, comparable across graph classes (keys are relations)."""
    out = {}
    for u, v, d in G.edges(data=True):
        a, b = (u, v) if G.is_directed() else tuple(sorted((u, v)))
        key = (a, b, d.get("relation"), d.get("level") or "")
        assert key not in out, key
        out[key] = {
            k: val for k, val in d.items() if k not in ("id", "viz", "spells") and val not in ("", None)
        }
    return out


def _read(fmt, path, G):
    if fmt == "graphml":
        return nx.read_graphml(path, force_multigraph=G.is_multigraph())
    if fmt == "gexf":
        return nx.read_gexf(path)
    return nx.node_link_graph(json.loads(path.read_text(encoding="utf-8")), edges="edges")


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json"])
def test_round_trip(graph, fmt, tmp_path):
    before = copy.deepcopy(graph)
    [path] = export_graph(graph, tmp_path / f"g.{fmt}")
    assert nx.utils.graphs_equal(before, graph)  # the export changed nothing
    H = _read(fmt, path, graph)
    assert H.is_directed() == graph.is_directed()
    assert set(H.nodes) == set(graph.nodes)
    measures = {"degree", "degree_centrality", "betweenness", "community"}
    for n, d in graph.nodes(data=True):
        got = {k: v for k, v in H.nodes[n].items() if k not in ("id", "viz", "spells")}  # gexf adds these
        assert measures <= set(got), n  # centrality and community travel with every node
        got = {k: v for k, v in got.items() if k not in measures}
        assert got == {k: v for k, v in d.items() if v not in ("", None)}, n  # absent values absent
    assert H.number_of_edges() == graph.number_of_edges()
    # a file's edge names every claim behind it: a co-membership's members' claims too
    assert _edge_table(H) == _edge_table(with_claims_in_full(copy.deepcopy(graph)))


def test_json_keeps_graph_attributes(graph, tmp_path):
    [path] = export_graph(graph, tmp_path / "g.json")
    data = json.loads(path.read_text(encoding="utf-8"))
    assert data["graph"]["view"] == graph.graph["view"]
    assert json.loads(data["graph"]["blocs"]) == json.loads(graph.graph["blocs"])


def test_csv_round_trip(graph, tmp_path):
    files = export_graph(graph, tmp_path / "out", "csv")
    assert [p.name for p in files] == ["nodes.csv", "edges.csv"]
    nodes, edges = read_csv_graph(tmp_path / "out")
    assert {r["id"] for r in nodes} == set(graph.nodes)
    assert all(r["betweenness"] != "" and r["community"].isdigit() for r in nodes)
    for r in nodes:
        d = graph.nodes[r["id"]]
        for k, v in d.items():
            assert r[k] == (("true" if v else "false") if isinstance(v, bool) else str(v)), (r["id"], k)
    assert len(edges) == graph.number_of_edges()
    graph = with_claims_in_full(copy.deepcopy(graph))  # the file's edges name all their claims
    got = {}
    for r in edges:
        got[(r["source"], r["target"], r["relation"], r.get("level", ""))] = r
    for u, v, d in graph.edges(data=True):
        r = got[(u, v, d["relation"], d.get("level", ""))]
        for k, val in d.items():
            assert r[k] == str(val), (u, v, k)
    # the csv module reads it as any spreadsheet would: one header row, same width everywhere
    with (tmp_path / "out" / "edges.csv").open(encoding="utf-8", newline="") as fh:
        rows = list(csv.reader(fh))
    assert len({len(r) for r in rows}) == 1


def test_csv_keeps_hostile_text(tmp_path):
    G = nx.Graph()
    G.add_node("a", label='comma, "quote"\nnew line =1+1')
    G.add_edge("a", "b", relation="x")
    export_graph(G, tmp_path, "csv")
    nodes, _ = read_csv_graph(tmp_path)
    assert next(r for r in nodes if r["id"] == "a")["label"] == 'comma, "quote"\nnew line =1+1'


def test_format_from_suffix_and_errors(tmp_path):
    G = nx.Graph([("a", "b")])
    assert export_graph(G, tmp_path / "x.gexf")[0].is_file()
    with pytest.raises(UsageError, match="cannot tell the format"):
        export_graph(G, tmp_path / "x.txt")
    with pytest.raises(UsageError, match="unknown format"):
        export_graph(G, tmp_path / "x.txt", "dot")
    (tmp_path / "file").write_text("")
    with pytest.raises(UsageError, match="is a file"):
        export_graph(G, tmp_path / "file", "csv")
    (tmp_path / "ro").mkdir()
    with pytest.raises(SpacecoopError):
        export_graph(G, tmp_path / "ro" / "sub" / "\0bad.graphml")
    bad = nx.Graph()
    bad.add_node("a", thing=[1, 2])
    with pytest.raises(SpacecoopError, match="cannot export"):
        export_graph(bad, tmp_path / "bad.graphml")
    assert not (tmp_path / "bad.graphml").exists()
    assert set(FORMATS) == {"graphml", "gexf", "json", "cytoscape", "csv"}


@pytest.mark.slow
def test_graphml_edge_ids_are_unique_and_empty_values_absent(graph, tmp_path):
    """graphology (and the GraphML schema) refuse repeated edge ids, which networkx takes from
    multigraph keys such as ``membership``; an undated ``since`` is absent, not ``""``."""
    import xml.etree.ElementTree as ET

    [path] = export_graph(graph, tmp_path / "g.graphml")
    ns = {"g": "http://graphml.graphdrawing.org/xmlns"}
    root = ET.parse(path).getroot()
    ids = [e.get("id") for e in root.iterfind(".//g:edge", ns) if e.get("id") is not None]
    assert len(ids) == len(set(ids))
    assert not [d for d in root.iterfind(".//g:data", ns) if not (d.text or "").strip()]


def test_cytoscape_json_has_elements_with_ids_and_measures(graph, tmp_path):
    """The shape Cytoscape.js loads (``elements.nodes``/``edges`` of ``{data: {id, …}}``), from
    ``--format cytoscape`` or a ``.cyjs`` name; networkx reads it back."""
    [path] = export_graph(graph, tmp_path / "g.cyjs")
    data = json.loads(path.read_text(encoding="utf-8"))
    nodes, edges = data["elements"]["nodes"], data["elements"]["edges"]
    assert {n["data"]["id"] for n in nodes} == set(map(str, graph.nodes))
    assert len(edges) == graph.number_of_edges()
    assert len({e["data"]["id"] for e in edges}) == len(edges)
    assert all({"betweenness", "community"} <= set(n["data"]) for n in nodes)
    H = nx.cytoscape_graph(data)
    assert H.number_of_edges() == graph.number_of_edges()


@pytest.mark.slow
def test_measures_agree_with_the_analytics(graph, tmp_path):
    from spacecoop.views.analytics import centrality

    [path] = export_graph(graph, tmp_path / "g.graphml")
    H = nx.read_graphml(path, force_multigraph=graph.is_multigraph())
    top = centrality(graph)[0]
    assert H.nodes[str(top.node)]["betweenness"] == pytest.approx(top.betweenness, abs=1e-6)
    assert max(d["betweenness"] for _, d in H.nodes(data=True)) == pytest.approx(top.betweenness, abs=1e-6)


def test_a_co_membership_in_a_file_names_the_claims_of_both_memberships(tmp_path):
    """In memory a co-membership names its members' tie edges (``ties``); in a file, read one edge
    at a time, its ``claims`` name every claim behind it: both members' claims to the bloc."""
    from spacecoop import load_dataset

    G = to_networkx(load_dataset(), "countries")
    co = [(u, v, d) for u, v, k, d in G.edges(keys=True, data=True) if d.get("ties")]
    assert co  # the project's graph has co-memberships
    [path] = export_graph(G, tmp_path / "g.graphml")
    H = nx.read_graphml(path, force_multigraph=True)
    for u, v, d in co:
        expected = set()
        for tie in d["ties"].split(";"):
            member, bloc, key = tie.split("|")
            assert {member, bloc} & {u, v} and key == "membership"
            expected |= set(G.edges[member, bloc, key]["claims"].split(";"))
        [written] = [e for a, b, e in H.edges(data=True) if {a, b} == {u, v} and e.get("ties") == d["ties"]]
        names = written["claims"].split(";")
        assert expected <= set(names) and len(names) == d["n_claims"] == len(claims_of(G, d))
        assert {ev["claim"] for ev in evidence_of(G, d)} == set(names)
