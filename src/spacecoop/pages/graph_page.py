"""Render a projected graph as one self-contained, offline, interactive HTML page.

The page is our own template around vis-network (the standalone build that pyvis ships, inlined),
not pyvis's: pyvis's templates load Bootstrap from a CDN and set tooltips with ``innerHTML``.
Here:

* nothing is fetched: vis-network and its CSS are inlined, a Content-Security-Policy allows no
  network at all and runs only our two scripts (by hash), and a test checks the HTML has no
  remote URL;
* every string from the data (labels, quotes, sources) travels as JSON in a
  ``<script type="application/json">`` block (``<``, ``>`` and ``&`` escaped) and is put on the
  page with ``textContent`` or DOM nodes, never as HTML;
* positions are computed here (igraph's grid Fruchterman-Reingold), physics is off, so a page of
  thousands of nodes is still the moment it opens;
* colour and shape say the kind of node, size its degree centrality, colour of an edge its
  relation; hedged links are dashed, contradicted ones red and dashed;
* a search box, filters by kind of link and by bloc (initiative), and an "as of" date filter
  that shows each bloc as it grew.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import html
import json
import math
import os
from pathlib import Path

KIND_STYLE: dict[str, tuple[str, str, str]] = {
    # kind: (colour, vis-network shape, legend label)
    "country": ("#4e79a7", "dot", "country"),
    "region": ("#76b7b2", "dot", "region"),
    "international-organization": ("#f28e2b", "diamond", "international organisation"),
    "organization": ("#59a14f", "square", "organisation"),
    "initiative": ("#e15759", "star", "initiative"),
    "mission": ("#b07aa1", "triangle", "mission"),
    "payload": ("#edc948", "triangleDown", "payload"),
    "rover": ("#ff9da7", "hexagon", "rover"),
}
OTHER_KIND = ("#9d9d9d", "dot", "other")

RELATION_COLOURS: dict[str, str] = {
    "co-development": "#2f8f2f",
    "membership": "#7b68a6",
    "involvement": "#e8a33d",
    "co-membership": "#b8b8b8",
    "agreement": "#9c755f",
    "develops": "#2f8f2f",
    "participates-in": "#7b68a6",
    "involved-in": "#e8a33d",
    "based-in": "#9aa5b1",
    "part-of": "#76b7b2",
    "carries": "#b07aa1",
}
OTHER_RELATION = "#8c8c8c"
CONTRADICTED_COLOUR = "#d62728"

_VIS_DIR = "templates/lib/vis-9.1.2"


def _vis_assets() -> tuple[str, str]:
    """Return vis-network's standalone JS and CSS as shipped by pyvis, made URL-free.

    URLs in vis-network appear only inside string literals and comments (licence notes, the SVG
    namespace); writing ``://`` as ``:\\/\\/`` leaves every string's value unchanged and the page
    free of anything that looks like a remote URL.
    """
    from importlib.resources import files

    lib = files("pyvis").joinpath(_VIS_DIR)
    js = lib.joinpath("vis-network.min.js").read_text(encoding="utf-8")
    css = lib.joinpath("vis-network.css").read_text(encoding="utf-8")
    js = js.replace("://", ":\\/\\/")
    if "</script" in js.lower():  # pragma: no cover - a guard for a future vis-network
        raise RuntimeError("vis-network.min.js contains </script and cannot be inlined")
    return js, css


def _json_for_script(obj) -> str:
    """JSON that is safe inside a <script> element: no <, >, & or line separators as such, and
    ``/`` written ``\\/`` so identifiers such as IRIs never read as links in the file."""
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"), sort_keys=True)
    return (
        text.replace("/", "\\/")
        .replace("<", "\\u003c")
        .replace(">", "\\u003e")
        .replace("&", "\\u0026")
        .replace("\u2028", "\\u2028")
        .replace("\u2029", "\\u2029")
    )


def layout_positions(G, *, seed: int = 0, scale: float | None = None, edges=None) -> dict:
    """Return ``{node: (x, y)}`` for ``G`` with a force-directed layout, deterministically.

    igraph's Fruchterman-Reingold (with its grid approximation above 200 nodes) lays out 5,000
    nodes in under a second; networkx's ``spring_layout`` took about a minute.

    Examples
    --------
    >>> import networkx as nx
    >>> pos = layout_positions(nx.path_graph(3))
    >>> sorted(pos), all(isinstance(c, float) for xy in pos.values() for c in xy)
    ([0, 1, 2], True)
    """
    import random

    import igraph as ig

    nodes = list(G.nodes)
    n = len(nodes)
    if n == 0:
        return {}
    index = {v: i for i, v in enumerate(nodes)}
    pairs = {
        (min(index[u], index[v]), max(index[u], index[v]))
        for u, v in (G.edges() if edges is None else edges)
        if u != v
    }
    g = ig.Graph(n=n, edges=sorted(pairs))
    rng = random.Random(seed)
    start = [[rng.uniform(-1, 1) * math.sqrt(n), rng.uniform(-1, 1) * math.sqrt(n)] for _ in range(n)]
    ig.set_random_number_generator(random.Random(seed))
    try:
        coords = g.layout_fruchterman_reingold(seed=start, niter=500, grid="grid" if n > 200 else "nogrid")
    finally:
        ig.set_random_number_generator(random)
    xs = [c[0] for c in coords]
    ys = [c[1] for c in coords]
    span = max(max(xs) - min(xs), max(ys) - min(ys), 1e-9)
    target = scale if scale is not None else 110.0 * math.sqrt(n) + 250.0
    cx, cy = (max(xs) + min(xs)) / 2, (max(ys) + min(ys)) / 2
    return {
        v: (round((coords[i][0] - cx) / span * target, 2), round((coords[i][1] - cy) / span * target, 2))
        for i, v in enumerate(nodes)
    }


def _loads(text, default):
    if not text:
        return default
    try:
        return json.loads(text)
    except (TypeError, ValueError):
        return default


def _plain(value):
    if isinstance(value, (str, int, float, bool)) or value is None:
        return value
    return str(value)


_WORDS = {
    "relation": "Tie",
    "level": "Level",
    "status": "Status",
    "certainty": "Least certain claim",
    "certainties": "Certainties",
    "since": "Member since",
    "via_label": "Through",
    "n_sources": "Sources",
    "n_claims": "Claims",
    "role": "Role",
    "org_kind": "Kind of organisation",
    "country": "Country",
    "iso": "ISO code",
    "aliases": "Also called",
    "kind": "Kind",
}
_RELATION_WORDS = {
    "membership": "national member",
    "participates-in": "member",
    "involvement": "other tie (not a member)",
    "involved-in": "other tie (not a member)",
    "co-development": "co-develop a payload",
    "co-membership": "members of the same bloc",
    "develops": "develops",
    "carries": "carries",
    "based-in": "based in",
    "part-of": "part of",
    "agreement": "agreement",
}


def _words(value) -> str:
    """A field value in plain words: lists joined with commas, concept names with spaces."""
    text = str(value)
    parts = [p for p in text.split(";") if p]
    return ", ".join(p.replace("-", " ") if ":" not in p else p for p in parts) if parts else text


def _plain_pairs(d: dict, keys: tuple[str, ...]) -> list[list]:
    """``[label, text]`` pairs for a panel: plain words, no field names, nothing empty or zero."""
    out = []
    for k in keys:
        v = d.get(k)
        if v in ("", None, False, 0):
            continue
        if k == "relation":
            text = _RELATION_WORDS.get(str(v), _words(v))
        elif k in ("n_sources", "n_claims", "iso", "country"):
            text = str(v)
        elif k == "via_label":
            text = ", ".join(p for p in str(v).split(";") if p)
        elif k == "since" and d.get("relation") not in ("membership", "participates-in"):
            k, text = "since_other", str(v)
        else:
            text = _words(v)
        out.append([_WORDS.get(k, "Since" if k == "since_other" else k.replace("_", " ")), text])
    return out


class _Claims:
    """The evidence on a page, each claim's once: ``used`` maps a claim id to its entries (one per
    source, empty fields left out) and nodes and edges list claim ids (:func:`page_data`)."""

    def __init__(self, table: dict) -> None:
        self.table = table if isinstance(table, dict) else {}
        self.used: dict[str, list[dict]] = {}

    def ids_of(self, d: dict) -> list[str]:
        """The ids of the claims behind a node or an edge: its ``claims`` (keys of the view's
        ``claims`` table) or, for a graph that carries evidence itself, its entries' ``claim``."""
        ids: list[str] = []
        if d.get("claims") and self.table:
            for c in str(d["claims"]).split(";"):
                if c and c in self.table:
                    self._use(c, self.table[c])
                    ids.append(c)
            return ids
        grouped: dict[str, list[dict]] = {}
        for ev in _loads(d.get("evidence"), []):
            if isinstance(ev, dict):
                grouped.setdefault(str(ev.get("claim") or f"#{len(self.used)}-{len(grouped)}"), []).append(ev)
        for c, entries in grouped.items():
            self._use(c, entries)
            ids.append(c)
        return ids

    def _use(self, c: str, entries: list[dict]) -> None:
        if c not in self.used:
            self.used[c] = [{k: v for k, v in ev.items() if v not in ("", None, False)} for ev in entries]


_NODE_FIELDS = ("org_kind", "country", "iso", "aliases")
_EDGE_FIELDS = (
    "relation",
    "level",
    "status",
    "role",
    "since",
    "certainty",
    "certainties",
    "via_label",
    "n_sources",
    "n_claims",
)


def page_data(G, *, title: str = "spacecoop", positions: dict | None = None) -> dict:
    """Return the JSON-ready data the page draws: nodes, edges, kinds, relations, blocs, dates.

    ``G`` is only read. Node and edge ids on the page are strings; edge ids are ``e0, e1, ...``
    in ``G.edges`` order.
    """
    import networkx as nx

    view = str(G.graph.get("view") or "")
    hidden_by_default = {"co-membership"} if view == "countries" else set()
    # lay out and size on the links shown on opening, so a clique of co-members does not crush the rest
    shown = [
        (u, v)
        for u, v, d in G.edges(data=True)
        if not hidden_by_default
        or any(lk.get("kind") not in hidden_by_default for lk in _loads(d.get("links"), [{}]))
    ]
    pos = positions if positions is not None else layout_positions(G, edges=shown)
    n = G.number_of_nodes()
    degree = dict.fromkeys(G.nodes, 0)
    for u, v in shown:
        degree[u] += 1
        degree[v] += 1
    max_deg = max(degree.values(), default=0) or 1
    blocs = _loads(G.graph.get("blocs"), [])
    bloc_ids = {b["id"] for b in blocs}
    claims = _Claims(_loads(G.graph.get("claims"), {}))

    nodes = []
    kinds_seen: dict[str, int] = {}
    for v, d in G.nodes(data=True):
        kind = str(d.get("kind") or "other")
        kinds_seen[kind] = kinds_seen.get(kind, 0) + 1
        colour, shape, _ = KIND_STYLE.get(kind, OTHER_KIND)
        node_blocs = [b for b in str(d.get("blocs") or "").split(";") if b]
        since = {b: str(d.get(f"since:{b}", "")) for b in node_blocs}
        info = _plain_pairs(d, _NODE_FIELDS)
        x, y = pos.get(v, (0.0, 0.0))
        nodes.append(
            {
                "id": str(v),
                "label": str(d.get("label") or v),
                "kind": kind,
                "color": colour,
                "shape": shape,
                "size": round(
                    (14 if str(v) in bloc_ids else 8) + 26 * math.sqrt(degree.get(v, 0) / max_deg), 2
                ),
                "x": x,
                "y": y,
                "bloc": str(v) in bloc_ids,
                "blocs": node_blocs,
                "since": since,
                "aliases": str(d.get("aliases") or ""),
                "info": info,
                "claims": claims.ids_of(d),
            }
        )

    edges = []
    relations_seen: dict[str, int] = {}
    link_kinds: dict[str, int] = {}
    dates: set[str] = set()
    multi = G.is_multigraph()
    edge_iter = (
        G.edges(keys=True, data=True) if multi else ((u, v, None, d) for u, v, d in G.edges(data=True))
    )
    for i, (u, v, _key, d) in enumerate(edge_iter):
        relation = str(d.get("relation") or "link")
        relations_seen[relation] = relations_seen.get(relation, 0) + 1
        links = _loads(d.get("links"), None) or [
            {
                "kind": relation,
                "via": "",
                "date": str(d.get("date") or ""),
                "certainty": str(d.get("certainty") or ""),
                "detail": "",
            }
        ]
        for lk in links:
            link_kinds[lk.get("kind") or relation] = 1
            if lk.get("date"):
                dates.add(lk["date"])
        info = _plain_pairs(d, _EDGE_FIELDS)
        edges.append(
            {
                "id": f"e{i}",
                "from": str(u),
                "to": str(v),
                "relation": relation,
                "certainty": str(d.get("certainty") or ""),
                "weight": d.get("weight", 1) if isinstance(d.get("weight", 1), (int, float)) else 1,
                "links": links,
                "info": info,
                "claims": claims.ids_of(d),
            }
        )
    for node in nodes:
        for since in node["since"].values():
            if since:
                dates.add(since)
    kinds = [
        {
            "kind": k,
            "color": KIND_STYLE.get(k, OTHER_KIND)[0],
            "shape": KIND_STYLE.get(k, OTHER_KIND)[1],
            "label": KIND_STYLE.get(k, OTHER_KIND)[2] if k in KIND_STYLE else k,
            "count": c,
        }
        for k, c in sorted(kinds_seen.items(), key=lambda kc: (_kind_rank(kc[0]), kc[0]))
    ]
    relations = [
        {"name": r, "color": RELATION_COLOURS.get(r, OTHER_RELATION)}
        for r in sorted(set(relations_seen) | set(link_kinds))
    ]
    return {
        "title": title,
        "view": view,
        "directed": bool(G.is_directed()),
        "nodeCount": n,
        "edgeCount": G.number_of_edges(),
        "components": nx.number_connected_components(G.to_undirected(as_view=True)) if n else 0,
        "kinds": kinds,
        "relations": relations,
        "linkKinds": sorted(link_kinds),
        "hiddenKinds": sorted(k for k in hidden_by_default if k in link_kinds),
        "blocs": blocs,
        "dates": sorted(dates),
        "contradictedColor": CONTRADICTED_COLOUR,
        "nodes": nodes,
        "edges": edges,
        "claims": claims.used,
    }


def _kind_rank(kind: str) -> int:
    keys = list(KIND_STYLE)
    return keys.index(kind) if kind in keys else len(keys)


_CSS = """
* { box-sizing: border-box; }
html, body { margin: 0; height: 100%; font: 14px/1.4 system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  color: #1d2733; background: #f7f8fa; }
#app { display: grid; grid-template-columns: 300px 1fr 340px; height: 100vh; }
#side, #panel { overflow: auto; padding: 10px 12px; background: #fff; }
#side { border-right: 1px solid #dde1e6; }
#panel { border-left: 1px solid #dde1e6; }
#graph { position: relative; min-width: 0; }
#network { position: absolute; inset: 0; }
h1 { font-size: 16px; margin: 0 0 4px; }
h2 { font-size: 13px; text-transform: uppercase; letter-spacing: .04em; color: #5b6675; margin: 14px 0 6px; }
#counts { color: #5b6675; font-size: 12px; }
fieldset { border: 0; margin: 0; padding: 0; }
label { display: flex; gap: 6px; align-items: center; cursor: pointer; }
input[type=search] { width: 100%; padding: 5px 7px; border: 1px solid #c5ccd4; border-radius: 4px; }
input[type=range] { width: 100%; }
.row { display: flex; gap: 6px; align-items: center; }
.legend-item { display: flex; gap: 8px; align-items: center; margin: 2px 0; font-size: 13px; }
.swatch { width: 14px; height: 14px; display: inline-block; flex: none; }
.swatch.dot { border-radius: 50%; }
.swatch.diamond { transform: rotate(45deg) scale(.8); }
.swatch.star { clip-path: polygon(50% 0, 61% 35%, 98% 35%, 68% 57%, 79% 91%, 50% 70%, 21% 91%, 32% 57%, 2% 35%, 39% 35%); }
.swatch.triangle { clip-path: polygon(50% 0, 100% 100%, 0 100%); }
.swatch.triangleDown { clip-path: polygon(0 0, 100% 0, 50% 100%); }
.swatch.hexagon { clip-path: polygon(25% 0, 75% 0, 100% 50%, 75% 100%, 25% 100%, 0 50%); }
.line { width: 26px; height: 0; border-top: 3px solid; flex: none; }
.line.dashed { border-top-style: dashed; }
.line.dotted { border-top-style: dotted; }
#panel dl { display: grid; grid-template-columns: max-content 1fr; gap: 2px 8px; margin: 0; font-size: 13px; }
#panel dt { color: #5b6675; }
#panel dd { margin: 0; overflow-wrap: anywhere; }
blockquote { margin: 6px 0; padding: 4px 8px; border-left: 3px solid #c5ccd4; background: #f2f4f7; font-size: 13px; }
.source { font-size: 12px; color: #5b6675; margin: 0 0 8px; overflow-wrap: anywhere; }
.cert-hedged { color: #8a6d00; } .cert-contradicted, .cert-disputed { color: #d62728; font-weight: 600; }
#search-status, #date-label { font-size: 12px; color: #5b6675; }
.hint { font-size: 12px; color: #5b6675; }
"""

_APP_JS = r"""
(function () {
  "use strict";
  var DATA = JSON.parse(document.getElementById("spacecoop-data").textContent);
  (function unpack() {  // each string and each claim's evidence travel once (render._packed)
    if (!DATA.packed) { return; }
    var S = DATA.strings;
    var pairs = function (list) { return list.map(function (p) { return [S[p[0]], S[p[1]]]; }); };
    DATA.nodes.forEach(function (n) { n.info = pairs(n.info); });
    DATA.edges.forEach(function (e) {
      e.info = pairs(e.info);
      e.links = e.links.map(function (a) {
        var l = { kind: S[a[0]], via: S[a[1]], date: S[a[2]], certainty: S[a[3]], detail: S[a[4]] };
        if (a.length > 5) { l.level = S[a[5]]; }
        return l;
      });
    });
  })();
  var ORDER = ["contradicted", "disputed", "hedged", "unconfirmed", "reported", "stated", "confirmed"];
  var relColor = {};
  DATA.relations.forEach(function (r) { relColor[r.name] = r.color; });

  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined && text !== null) { e.textContent = String(text); }
    if (cls) { e.className = cls; }
    return e;
  }
  function clear(node) { while (node.firstChild) { node.removeChild(node.firstChild); } }
  function leastCertain(list) {
    for (var i = 0; i < ORDER.length; i++) { if (list.indexOf(ORDER[i]) >= 0) { return ORDER[i]; } }
    return list.length ? list[0] : "";
  }
  function startOf(d) {  // a claimed date read as its first day: 2021 -> 2021-01-01
    if (!d) { return ""; }
    if (d.length === 4) { return d + "-01-01"; }
    if (d.length === 7) { return d + "-01"; }
    return d.slice(0, 10);
  }

  document.getElementById("title").textContent = DATA.title;
  document.title = DATA.title;

  // ---------------------------------------------------------------- data sets
  var nodeById = {};
  DATA.nodes.forEach(function (n) { nodeById[n.id] = n; });
  var edgeById = {};
  DATA.edges.forEach(function (e) { edgeById[e.id] = e; });

  function edgeStyle(e, links) {
    var kinds = [], certs = [];
    links.forEach(function (l) { kinds.push(l.kind || e.relation); if (l.certainty) { certs.push(l.certainty); } });
    var cert = leastCertain(certs);
    var kind = kinds.indexOf("membership") >= 0 ? "membership" :
      (kinds.indexOf("co-development") >= 0 ? "co-development" : (kinds[0] || e.relation));
    var color = relColor[kind] || relColor[e.relation] || "#8c8c8c";
    var dashes = false, width = 1 + Math.min(6, Math.log2(1 + links.length));
    var other = e.relation === "involvement" || e.relation === "involved-in";
    if (other) { width = 1; dashes = [2, 3]; }  // a tie that is not national membership
    else if (e.relation === "membership" || e.relation === "participates-in") { width += 1.5; }
    if (cert === "contradicted" || cert === "disputed") { color = DATA.contradictedColor; dashes = [3, 4]; width += 1; }
    else if (cert === "hedged" || cert === "unconfirmed") { dashes = [8, 6]; }
    return { color: { color: color, highlight: color, hover: color, opacity: kind === "co-membership" ? 0.45 : 0.9 },
             dashes: dashes, width: width };
  }

  // On the canvas a bloc goes by its short name (APSCO, not the Asia-Pacific Space Cooperation
  // Organization); the panels, the search and the filters keep the full one.
  var shortOf = {};
  DATA.blocs.forEach(function (b) { if (b.short && b.short.length < b.label.length) { shortOf[b.id] = b.short; } });
  var canvasLabel = {};
  DATA.nodes.forEach(function (n) { canvasLabel[n.id] = shortOf[n.id] || n.label; });
  var visNodes = DATA.nodes.map(function (n) {
    return { id: n.id, label: canvasLabel[n.id], x: n.x, y: n.y, shape: n.shape, size: n.size, value: n.size,
             color: { background: n.color, border: n.bloc ? "#7a1f1f" : "#3a3a3a",
                      highlight: { background: n.color, border: "#000" }, hover: { background: n.color, border: "#000" } },
             borderWidth: n.bloc ? 2 : 1 };
  });
  var visEdges = DATA.edges.map(function (e) {
    var s = edgeStyle(e, e.links);
    return { id: e.id, from: e.from, to: e.to, color: s.color, dashes: s.dashes, width: s.width,
             arrows: DATA.directed ? { to: { enabled: true, scaleFactor: 0.5 } } : undefined };
  });
  var nodes = new vis.DataSet(visNodes);
  var edges = new vis.DataSet(visEdges);
  var big = DATA.nodes.length > 1500;
  var network = new vis.Network(document.getElementById("network"), { nodes: nodes, edges: edges }, {
    physics: { enabled: false },
    layout: { improvedLayout: false, randomSeed: 0 },
    interaction: { hover: true, tooltipDelay: 120, hideEdgesOnDrag: big, hideEdgesOnZoom: big, multiselect: true },
    // Labels grow with the node (blocs and hubs largest) and a label too small to read at the
    // current zoom is not drawn, so the first view shows legible labels, not a heap of them;
    // zooming in brings the rest.
    nodes: { font: { size: 13, face: "system-ui, sans-serif", strokeWidth: 3, strokeColor: "#ffffff" },
             scaling: { min: 8, max: 40, label: { enabled: true, min: 22, max: 44, drawThreshold: 8, maxVisible: 32 } } },
    edges: { smooth: false, selectionWidth: 2 }
  });

  // ---------------------------------------------------------------- legend
  var legend = document.getElementById("legend");
  DATA.kinds.forEach(function (k) {
    var item = el("div", null, "legend-item");
    var sw = el("span", null, "swatch " + k.shape);
    sw.style.background = k.color;
    item.appendChild(sw);
    item.appendChild(el("span", k.label + " (" + k.count + ")"));
    legend.appendChild(item);
  });
  var rlegend = document.getElementById("relation-legend");
  function lineItem(text, color, cls) {
    var item = el("div", null, "legend-item");
    var ln = el("span", null, "line" + (cls ? " " + cls : ""));
    ln.style.borderTopColor = color;
    item.appendChild(ln);
    item.appendChild(el("span", text));
    rlegend.appendChild(item);
  }
  var RELATION_WORDS = {
    "membership": "national member of a bloc (thick)",
    "participates-in": "member in its own name (thick)",
    "involvement": "other tie: sub-national groups, organisations, applicants (thin, dotted)",
    "involved-in": "other tie: sub-national, organisation, applicant (thin, dotted)"
  };
  DATA.relations.forEach(function (r) { lineItem(RELATION_WORDS[r.name] || r.name.replace(/-/g, " "), r.color,
    (r.name === "involvement" || r.name === "involved-in") ? "dotted" : ""); });
  lineItem("hedged or unconfirmed (a claim hedges it)", "#555", "dashed");
  lineItem("contradicted or disputed", DATA.contradictedColor, "dotted");

  // ---------------------------------------------------------------- filters
  var kindBox = document.getElementById("kind-filters");
  var kindOn = {};
  DATA.linkKinds.forEach(function (k) {
    kindOn[k] = DATA.hiddenKinds.indexOf(k) < 0;
    var lab = el("label");
    var cb = el("input"); cb.type = "checkbox"; cb.checked = kindOn[k]; cb.dataset.kind = k;
    cb.addEventListener("change", function () { kindOn[k] = cb.checked; applyFilters(); });
    lab.appendChild(cb); lab.appendChild(el("span", k));
    kindBox.appendChild(lab);
  });
  var blocBox = document.getElementById("bloc-filters");
  var blocOn = {};
  if (!DATA.blocs.length) { blocBox.appendChild(el("div", "no blocs in this view", "hint")); }
  DATA.blocs.forEach(function (b) {
    blocOn[b.id] = true;
    var lab = el("label");
    var cb = el("input"); cb.type = "checkbox"; cb.checked = true; cb.dataset.bloc = b.id;
    cb.addEventListener("change", function () { blocOn[b.id] = cb.checked; applyFilters(); });
    lab.appendChild(cb); lab.appendChild(el("span", b.short === b.label ? b.label : b.short + " — " + b.label));
    blocBox.appendChild(lab);
  });
  var dateInput = document.getElementById("asof");
  var slider = document.getElementById("asof-slider");
  var undated = document.getElementById("undated");
  var hideLonely = document.getElementById("hide-lonely");
  var dateLabel = document.getElementById("date-label");
  slider.min = 0; slider.max = DATA.dates.length; slider.value = DATA.dates.length;
  slider.disabled = DATA.dates.length === 0;
  slider.addEventListener("input", function () {
    var i = parseInt(slider.value, 10);
    dateInput.value = i >= DATA.dates.length ? "" : startOf(DATA.dates[i]);
    applyFilters();
  });
  function moveSlider() {  // the date box moves the slider to the last date on or before it
    var d = dateInput.value || "";
    if (!d) { slider.value = DATA.dates.length; return; }
    var i = 0;
    while (i < DATA.dates.length && startOf(DATA.dates[i]) <= d) { i++; }
    slider.value = Math.max(0, i - 1);
  }
  dateInput.addEventListener("change", function () { moveSlider(); applyFilters(); });
  dateInput.addEventListener("input", function () { moveSlider(); applyFilters(); });
  undated.addEventListener("change", applyFilters);
  hideLonely.addEventListener("change", applyFilters);

  var TIES = ["membership", "involvement", "co-membership", "participates-in", "involved-in"];
  function linkVisible(l, e, asof) {
    if (kindOn[l.kind || e.relation] === false) { return false; }
    if (l.via && blocOn[l.via] === false) { return false; }
    if (asof) {
      // an undated tie to a bloc is never a member on a date: shown only on request (and marked);
      // other undated links (co-development, carriage) are no claim about time and stay
      if (!l.date) { return undated.checked || TIES.indexOf(l.kind || e.relation) < 0; }
      if (startOf(l.date) > asof) { return false; }
    }
    return true;
  }

  var state = { visibleNodes: DATA.nodes.length, visibleEdges: DATA.edges.length, asof: "" };
  function applyFilters() {
    var asof = dateInput.value || "";
    state.asof = asof;
    dateLabel.textContent = asof ? "as of " + asof : "all dates";
    var edgeUpdates = [], shown = {}, hadEdge = {}, visibleEdges = 0;
    DATA.edges.forEach(function (e) {
      hadEdge[e.from] = true; hadEdge[e.to] = true;
      var live = e.links.filter(function (l) { return linkVisible(l, e, asof); });
      var hide = !!(live.length === 0 || (nodeById[e.from].bloc && blocOn[e.from] === false) ||
        (nodeById[e.to].bloc && blocOn[e.to] === false));
      if (!hide) { shown[e.from] = true; shown[e.to] = true; visibleEdges++; }
      var s = edgeStyle(e, live.length ? live : e.links);
      var undatedOnly = !!asof && live.length > 0 && live.every(function (l) {
        return !l.date && TIES.indexOf(l.kind || e.relation) >= 0; });
      if (undatedOnly) { s.dashes = [1, 5]; s.color = { color: "#9d9d9d", highlight: "#555", hover: "#555", opacity: 0.8 }; }
      edgeUpdates.push({ id: e.id, hidden: hide, color: s.color, dashes: s.dashes, width: s.width,
                         label: undatedOnly ? "undated" : undefined, font: { size: 9, color: "#777" } });
    });
    var nodeUpdates = [], visibleNodes = 0;
    DATA.nodes.forEach(function (n) {
      var hide = !!((n.bloc && blocOn[n.id] === false) || (hideLonely.checked && hadEdge[n.id] && !shown[n.id]));
      if (!hide) { visibleNodes++; }
      nodeUpdates.push({ id: n.id, hidden: hide });
    });
    edges.update(edgeUpdates);
    nodes.update(nodeUpdates);
    state.visibleNodes = visibleNodes; state.visibleEdges = visibleEdges;
    document.getElementById("counts").textContent =
      DATA.nodeCount + " nodes, " + DATA.edgeCount + " edges; showing " + visibleNodes + " nodes, " +
      visibleEdges + " edges";
  }

  function fitVisible() {
    // vis-network's own fit() leaves out nodes without edges: name the nodes to fit
    var ids = nodes.getIds({ filter: function (n) { return !n.hidden; } });
    network.fit({ nodes: ids, animation: false });
  }

  // ---------------------------------------------------------------- search
  var search = document.getElementById("search");
  var list = document.getElementById("search-list");
  DATA.nodes.slice(0, 5000).forEach(function (n) { var o = document.createElement("option"); o.value = n.label; list.appendChild(o); });
  function doSearch() {
    var q = search.value.trim().toLowerCase();
    var status = document.getElementById("search-status");
    if (!q) { network.unselectAll(); status.textContent = ""; state.matches = []; return []; }
    var exact = DATA.nodes.filter(function (n) { return n.label.toLowerCase() === q; });
    var hits = exact.length ? exact : DATA.nodes.filter(function (n) {
      return n.label.toLowerCase().indexOf(q) >= 0 || n.id.toLowerCase().indexOf(q) >= 0 ||
        n.aliases.toLowerCase().indexOf(q) >= 0;
    });
    var ids = hits.map(function (n) { return n.id; });
    state.matches = ids;
    status.textContent = ids.length + (ids.length === 1 ? " match" : " matches");
    network.selectNodes(ids, false);
    if (ids.length) {
      network.fit({ nodes: ids, animation: false, maxZoomLevel: 1.0 });
      if (ids.length === 1) { showNode(ids[0]); }
    }
    return ids;
  }
  search.addEventListener("keydown", function (ev) { if (ev.key === "Enter") { doSearch(); } });
  search.addEventListener("change", doSearch);
  document.getElementById("search-go").addEventListener("click", doSearch);

  // ---------------------------------------------------------------- details panel
  var panel = document.getElementById("details");
  function addPairs(dl, pairs) {
    pairs.forEach(function (p) {
      if (p[1] === "" || p[1] === null || p[1] === undefined) { return; }
      dl.appendChild(el("dt", p[0]));
      dl.appendChild(el("dd", p[1]));
    });
  }
  function evidenceOf(item) {  // each claim's evidence is on the page once: DATA.claims[id]
    var list = [];
    (item.claims || []).forEach(function (c) { list = list.concat(DATA.claims[c] || []); });
    return list;
  }
  function addEvidence(list) {
    if (!list || !list.length) { return; }
    panel.appendChild(el("h2", "Evidence (" + list.length + ")"));
    list.forEach(function (ev) {
      if (ev.quote) { panel.appendChild(el("blockquote", "\u201c" + ev.quote + "\u201d")); }
      else if (ev.detail) { panel.appendChild(el("blockquote", "Compiler's words: " + ev.detail)); }
      if (ev.note) { panel.appendChild(el("p", "Compiler's note: " + ev.note, "source")); }
      var what = [];
      if (ev.status) { what.push(ev.status); }
      if (ev.level) { what.push(ev.level.replace(/-/g, " ") + " level"); }
      if (ev.date) { what.push("dated " + ev.date + (ev.date_inferred_from ? " (inferred: " + ev.date_inferred_from + ")" : "")); }
      if (ev.ordinal) { what.push("accession number " + ev.ordinal); }
      if (ev.as_of) { what.push("listed as of " + ev.as_of + " (not a joining date)"); }
      if (ev.planned) { what.push("planned, not yet done"); }
      if (what.length) { panel.appendChild(el("p", what.join(", "), "source")); }
      var src = el("p", null, "source");
      src.appendChild(el("span", "Says: " + (ev.source_label || ev.source || "(no source)")));
      if (ev.certainty) {
        src.appendChild(el("span", " \u00b7 "));
        src.appendChild(el("span", ev.certainty, "cert-" + ev.certainty));
      }
      panel.appendChild(src);
    });
  }
  function showNode(id) {
    var n = nodeById[id];
    if (!n) { return; }
    clear(panel);
    panel.appendChild(el("h1", n.label));
    var dl = el("dl");
    addPairs(dl, [["Kind", n.kind.replace(/-/g, " ")]]);
    addPairs(dl, n.info);
    n.blocs.forEach(function (b) {
      var bl = nodeById[b];
      addPairs(dl, [["Member of", (bl ? bl.label : b) + (n.since[b] ? " (since " + n.since[b] + ")" : " (no joining date claimed)")]]);
    });
    DATA.edges.forEach(function (e) {  // ties that are not membership, in words
      if (e.relation !== "involvement" && e.relation !== "involved-in") { return; }
      if (e.from !== id && e.to !== id) { return; }
      var other = nodeById[e.from === id ? e.to : e.from];
      var lvl = (e.info.filter(function (p) { return p[0] === "Level"; })[0] || [0, ""])[1];
      addPairs(dl, [["Also tied to", (other ? other.label : "") + (lvl ? " (" + lvl + " level, not a member)" : " (not a member)")]]);
    });
    panel.appendChild(dl);
    addEvidence(evidenceOf(n));
    state.shown = id;
  }
  function showEdge(id) {
    var e = edgeById[id];
    if (!e) { return; }
    clear(panel);
    var a = nodeById[e.from], b = nodeById[e.to];
    panel.appendChild(el("h1", a.label + (DATA.directed ? " \u2192 " : " \u2014 ") + b.label));
    var dl = el("dl");
    addPairs(dl, e.info);
    panel.appendChild(dl);
    if (e.links.length > 1 || (e.links[0] && e.links[0].detail)) {
      panel.appendChild(el("h2", "Links (" + e.links.length + ")"));
      var ul = el("ul");
      e.links.forEach(function (l) {
        ul.appendChild(el("li", [(l.kind || "").replace(/-/g, " "), l.detail, l.level ? l.level + " level" : "",
          l.date ? "since " + l.date : "", l.certainty].filter(Boolean).join(" \u00b7 ")));
      });
      panel.appendChild(ul);
    }
    addEvidence(evidenceOf(e));
    state.shown = id;
  }
  // Hover previews; a click opens what is under the pointer (the node clicked, not the one
  // selected or hovered before) and keeps it open until the next click.
  // ---------------------------------------------------------------- legible labels
  // vis-network draws every label big enough to read at the current zoom, also on top of one
  // another. After each change of zoom the labels are placed greedily, biggest node first: a
  // label that would overlap one already placed is left out until zooming in makes room.
  var labelCtx = document.createElement("canvas").getContext("2d");
  var bySize = DATA.nodes.slice().sort(function (a, b) { return b.size - a.size || (a.id < b.id ? -1 : 1); });
  var labelScale = null, labelShown = {};
  function declutter() {
    var scale = network.getScale(), placed = [], updates = [];
    bySize.forEach(function (n) {
      var body = network.body.nodes[n.id];
      if (!body) { return; }
      var lm = body.labelModule, size = lm.fontOptions ? lm.fontOptions.size : 13;
      var readable = !body.options.hidden && size * scale >= 9;  // smaller is not legible
      var show = false;
      if (readable) {
        labelCtx.font = size + "px " + ((lm.fontOptions && lm.fontOptions.face) || "sans-serif");
        var text = canvasLabel[n.id], w = labelCtx.measureText(text).width + 8, h = size * 1.3 + 4;
        var box = { l: body.x - w / 2, t: body.y + (body.shape.height || body.options.size * 2) / 2, w: w, h: h };
        show = placed.every(function (o) {
          return box.l >= o.l + o.w || o.l >= box.l + box.w || box.t >= o.t + o.h || o.t >= box.t + box.h;
        });
        if (show) { placed.push(box); }
      }
      if (labelShown[n.id] !== show) {
        labelShown[n.id] = show;
        updates.push({ id: n.id, label: show ? canvasLabel[n.id] : "" });
      }
    });
    if (updates.length) { nodes.update(updates); }
  }
  network.on("afterDrawing", function () {
    var scale = network.getScale();
    if (labelScale !== null && Math.abs(scale - labelScale) < 1e-9) { return; }
    labelScale = scale;
    declutter();
  });
  network.on("hoverNode", function (p) { if (!state.pinned) { showNode(p.node); } });
  network.on("hoverEdge", function (p) { if (!state.pinned) { showEdge(p.edge); } });
  network.on("click", function (p) {
    var at = p.pointer && p.pointer.DOM ? network.getNodeAt(p.pointer.DOM) : undefined;
    var id = at !== undefined ? at : (p.nodes.length ? p.nodes[0] : undefined);
    state.pinned = false;
    if (id !== undefined) { showNode(id); state.pinned = true; }
    else {
      var eid = p.pointer && p.pointer.DOM ? network.getEdgeAt(p.pointer.DOM) : undefined;
      if (eid === undefined && p.edges.length) { eid = p.edges[0]; }
      if (eid !== undefined) { showEdge(eid); state.pinned = true; }
    }
  });
  document.getElementById("reset-view").addEventListener("click", function () {
    state.pinned = false; network.unselectAll(); fitVisible();
  });

  applyFilters();
  var api = { network: network, nodes: nodes, edges: edges, data: DATA, state: state,
              applyFilters: applyFilters, fit: fitVisible, search: doSearch, showNode: showNode, showEdge: showEdge };
  window.spacecoop = api;
  window.network = network; window.nodes = nodes; window.edges = edges;
  network.once("afterDrawing", function () {
    network.setSize("100%", "100%");
    network.redraw();
    fitVisible();  // once the grid has its final size
    state.drawn = true;
    state.readyMs = performance.now();  // since navigation started
    document.body.dataset.ready = "1";
  });
})();
"""

_TEMPLATE = """<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="{csp}">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="generator" content="spacecoop">
<title>{title}</title>
<style>{vis_css}</style>
<style>{css}</style>
</head>
<body>
<div id="app">
 <aside id="side">
  <h1 id="title">{title}</h1>
  <div id="counts"></div>
  <h2>Find</h2>
  <div class="row"><input id="search" type="search" list="search-list" placeholder="country, organisation, payload..." autocomplete="off"><button id="search-go" type="button">Find</button></div>
  <datalist id="search-list"></datalist>
  <div id="search-status"></div>
  <h2>Kinds of link</h2>
  <fieldset id="kind-filters"></fieldset>
  <h2>Blocs and initiatives</h2>
  <fieldset id="bloc-filters"></fieldset>
  <h2>As of date</h2>
  <input id="asof-slider" type="range" step="1" aria-label="as of date">
  <div class="row"><input id="asof" type="date"> <span id="date-label"></span></div>
  <label><input id="undated" type="checkbox"> also show ties no claim dates (marked)</label>
  <label><input id="hide-lonely" type="checkbox" checked> hide nodes whose links are all filtered</label>
  <p><button id="reset-view" type="button">Reset view</button></p>
  <h2>Nodes</h2>
  <div id="legend"></div>
  <h2>Edges</h2>
  <div id="relation-legend"></div>
  <p class="hint">Size: degree centrality. Hover or click a node or an edge for its evidence.</p>
 </aside>
 <main id="graph"><div id="network"></div></main>
 <aside id="panel"><div id="details"><p class="hint">Hover or click a node or an edge to see what the sources say.</p></div></aside>
</div>
<script type="application/json" id="spacecoop-data">{data}</script>
<script>{vis_js}</script>
<script>{app_js}</script>
</body>
</html>
"""


_LINK_KEYS = ("kind", "via", "date", "certainty", "detail", "level")


def _packed(data: dict) -> dict:
    """:func:`page_data` as the page carries it, each repeated thing once: the evidence of each
    claim in the list ``claims`` (nodes and edges name claims by position), and every string of a
    link (``[kind, via, date, certainty, detail, level]``) and of a panel's ``[label, text]``
    pairs in ``strings`` (by position too). The page unpacks it before anything reads it."""
    strings: dict[str, int] = {}

    def ref(value) -> int:
        text = "" if value is None else str(value)
        i = strings.get(text)
        if i is None:
            i = strings[text] = len(strings)
        return i

    position = {c: i for i, c in enumerate(data["claims"])}
    nodes = [
        {**n, "claims": [position[c] for c in n["claims"]], "info": [[ref(a), ref(b)] for a, b in n["info"]]}
        for n in data["nodes"]
    ]
    edges = []
    for e in data["edges"]:
        links = []
        for lk in e["links"]:
            row = [ref(lk.get(k)) for k in _LINK_KEYS[:5]]
            if "level" in lk:
                row.append(ref(lk["level"]))
            links.append(row)
        edges.append(
            {
                **e,
                "claims": [position[c] for c in e["claims"]],
                "info": [[ref(a), ref(b)] for a, b in e["info"]],
                "links": links,
            }
        )
    return {
        **data,
        "nodes": nodes,
        "edges": edges,
        "claims": list(data["claims"].values()),
        "strings": list(strings),
        "packed": True,
    }


def _sha256(text: str) -> str:
    return "'sha256-" + base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode() + "'"


def page_html(G, title: str = "spacecoop", *, positions: dict | None = None) -> str:
    """Return one self-contained HTML page (UTF-8 text) drawing ``G``; ``G`` is not changed.

    Parameters
    ----------
    G : networkx graph
        Usually from :func:`spacecoop.views.projection.to_networkx`; any graph works (attributes it lacks
        are left out).
    title : str
        Shown as the page title and heading (escaped).
    positions : dict, optional
        ``{node: (x, y)}``; computed with :func:`layout_positions` when not given.

    Examples
    --------
    >>> import networkx as nx
    >>> page = page_html(nx.Graph([("a", "<b>")]), title="<demo>")
    >>> "<title>&lt;demo&gt;</title>" in page, '"label":"\\\\u003cb\\\\u003e"' in page
    (True, True)

    See Also
    --------
    write_html, spacecoop.views.projection.to_networkx
    """
    data = page_data(G, title=title, positions=positions)
    vis_js, vis_css = _vis_assets()
    csp = (
        "default-src 'none'; script-src "
        + _sha256(vis_js)
        + " "
        + _sha256(_APP_JS)
        + "; style-src 'unsafe-inline'; img-src data:; font-src data:; connect-src 'none'; "
        "form-action 'none'; base-uri 'none'"
    )
    return _TEMPLATE.format(
        csp=csp,
        title=html.escape(title, quote=True),
        vis_css=vis_css.replace("</", "<\\/"),
        css=_CSS,
        data=_json_for_script(_packed(data)),
        vis_js=vis_js,
        app_js=_APP_JS,
    )


def write_html(
    G, path: str | os.PathLike, title: str = "spacecoop", *, positions: dict | None = None
) -> Path:
    """Write :func:`page_html` of ``G`` to ``path`` (UTF-8), atomically; return the path.

    Raises
    ------
    SpacecoopError
        The file cannot be written.
    """
    from spacecoop.core.errors import SpacecoopError

    out = Path(path)
    text = page_html(G, title=title, positions=positions)
    tmp = out.with_name(f".{out.name}.tmp")
    try:
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, out)
    except OSError as exc:
        with contextlib.suppress(OSError):
            tmp.unlink(missing_ok=True)
        raise SpacecoopError(f"cannot write {out}: {exc}") from exc
    return out


BUILD_PAGES = {"countries.html": "countries", "actors.html": "actors"}
"""Pages :func:`build_pages` makes for ``spacecoop build``: file name -> view."""


def build_pages(loaded) -> dict[str, bytes]:
    """Return the country and actor pages of a loaded dataset, for ``spacecoop build``'s ``extra``."""
    from spacecoop.views.projection import to_networkx

    titles = {
        "countries": "Space cooperation: countries, regions and blocs",
        "actors": "Space cooperation: organisations, missions and payloads",
    }
    from spacecoop.store.engine import open_engine

    ds = loaded.ds if hasattr(loaded, "ds") else loaded
    store = open_engine("page", None, ds)
    return {
        name: page_html(to_networkx(store, view), title=titles[view]).encode("utf-8")
        for name, view in BUILD_PAGES.items()
    }


__all__ = [
    "BUILD_PAGES",
    "KIND_STYLE",
    "RELATION_COLOURS",
    "build_pages",
    "layout_positions",
    "page_data",
    "page_html",
    "write_html",
]
