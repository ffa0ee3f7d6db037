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

The page's own CSS, script and HTML template are files, ``static/graph/page.css``, ``page.js``
and ``page.html`` (a :meth:`str.format` template: ``{title}``, ``{csp}``, ``{data}``...), read once
through :mod:`importlib.resources`; this module fills the template.
"""

from __future__ import annotations

import base64
import functools
import hashlib
import html
import json
import math
import os
from dataclasses import dataclass
from importlib.resources import files
from pathlib import Path

from spacecoop.views import lean_igraph

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
    lib = _pyvis_folder() / _VIS_DIR
    js = (lib / "vis-network.min.js").read_text(encoding="utf-8")
    css = (lib / "vis-network.css").read_text(encoding="utf-8")
    js = js.replace("://", ":\\/\\/")
    if "</script" in js.lower():  # pragma: no cover - a guard for a future vis-network
        raise RuntimeError("vis-network.min.js contains </script and cannot be inlined")
    return js, css


def _pyvis_folder() -> Path:
    """The folder of the installed pyvis package, found without importing it: ``import pyvis``
    imports IPython (a third of a second), and only two of its files are read here."""
    import importlib.util

    spec = importlib.util.find_spec("pyvis")
    if spec is None or not spec.submodule_search_locations:  # pragma: no cover - pyvis is required
        raise ModuleNotFoundError("pyvis is not installed: the graph page inlines its vis-network")
    return Path(next(iter(spec.submodule_search_locations)))


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

    ig = lean_igraph.import_igraph()
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
    g = lean_igraph.graph(ig, n, sorted(pairs))
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
    return _words_of(str(value))


@functools.lru_cache(maxsize=4096)
def _words_of(text: str) -> str:
    # the same few values (levels, statuses, certainties) recur on thousands of edges
    parts = [p for p in text.split(";") if p]
    return ", ".join(p.replace("-", " ") if ":" not in p else p for p in parts) if parts else text


def _plain_pairs(d: dict, keys: tuple[str, ...]) -> list[list]:
    """``[label, text]`` pairs for a panel: plain words, no field names, nothing empty or zero."""
    out = []
    member = d.get("relation") in ("membership", "participates-in")
    for k in keys:
        v = d.get(k)
        if v in ("", None, False, 0):
            continue
        try:  # the same few values recur on thousands of edges: each pair's words made once
            label, text = _pair(k, v, member)
        except TypeError:  # a value that cannot be a key (not one of a view's plain attributes)
            label, text = _pair.__wrapped__(k, v, member)
        out.append([label, text])
    return out


@functools.lru_cache(maxsize=1 << 16, typed=True)
def _pair(k: str, v, member: bool) -> tuple[str, str]:
    """The label and the text of one field of a panel (:func:`_plain_pairs`); ``member`` says
    whether the edge is a membership (its ``since`` is "Member since")."""
    if k == "relation":
        text = _RELATION_WORDS.get(str(v)) or _words(v)
    elif k in ("n_sources", "n_claims", "iso", "country"):
        text = str(v)
    elif k == "via_label":
        text = ", ".join(p for p in str(v).split(";") if p)
    elif k == "since" and not member:
        k, text = "since_other", str(v)
    else:
        text = _words(v)
    return _WORDS.get(k, "Since" if k == "since_other" else k.replace("_", " ")), text


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
            table, used = self.table, self.used
            ids = [c for c in str(d["claims"]).split(";") if c and c in table]
            for c in ids:
                if c not in used:
                    self._use(c, table[c])
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

    from spacecoop.core.namespaces import expand_curie

    view = str(G.graph.get("view") or "")
    hidden_by_default = {"co-membership"} if view == "countries" else set()
    multi = G.is_multigraph()
    # every edge with its links, parsed once
    rows = [
        (u, v, key, d, _loads(d.get("links"), None))
        for u, v, key, d in (
            G.edges(keys=True, data=True) if multi else ((u, v, None, d) for u, v, d in G.edges(data=True))
        )
    ]
    # lay out and size on the links shown on opening, so a clique of co-members does not crush the rest
    shown = [
        (u, v)
        for u, v, _, _, lks in rows
        if not hidden_by_default
        or any(lk.get("kind") not in hidden_by_default for lk in (lks if lks is not None else [{}]))
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
    edge_ids: dict[tuple, str] = {}  # (u, v, key) either way round -> the page's id of the edge
    tie_refs: list[tuple[dict, str]] = []
    for i, (u, v, _key, d, lks) in enumerate(rows):
        edge_ids[(u, v, _key)] = edge_ids[(v, u, _key)] = f"e{i}"
        relation = str(d.get("relation") or "link")
        relations_seen[relation] = relations_seen.get(relation, 0) + 1
        links = lks or [
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
        if d.get("ties"):
            tie_refs.append((edges[-1], str(d["ties"])))
    # a co-membership names its members' tie edges, whose claims stand behind it too: the page
    # resolves them (page.js evidenceOf) rather than carrying each claim once per co-member
    for edge, ties in tie_refs:
        # (a graph whose edges were renamed, as an export's copy, holds its claims in full)
        edge["ties"] = [edge_ids[k] for t in ties.split(";") if (k := tuple(t.split("|"))) in edge_ids]
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
        # in the order of the claims' IRIs: the page merges an edge's claims with its ties' by
        # position (page.js evidenceOf), and that gives the order the view gives (claims_of)
        "claims": dict(sorted(claims.used.items(), key=lambda kv: expand_curie(kv[0]))),
    }


def _kind_rank(kind: str) -> int:
    keys = list(KIND_STYLE)
    return keys.index(kind) if kind in keys else len(keys)


_ASSETS = ("page.css", "page.js", "page.html")


@functools.cache
def _asset(name: str) -> str:
    """The text of ``static/graph/<name>`` (the page's CSS, script or HTML template), read once.

    Read as bytes and decoded, so the text is the file's to the byte: the Content-Security-Policy
    names the script by the hash of exactly this text.
    """
    if name not in _ASSETS:  # pragma: no cover - a guard against a typo
        raise ValueError(f"no such page asset: {name}")
    return (files("spacecoop") / "static" / "graph" / name).read_bytes().decode("utf-8")


_LINK_KEYS = ("kind", "via", "date", "certainty", "detail", "level")


class _Positions(dict):
    """Strings to their places in order of first use: ``positions[text]`` gives a new one the
    next place (a plain dict look-up for any string seen before)."""

    def __missing__(self, text: str) -> int:
        i = self[text] = len(self)
        return i


def _packed(data: dict) -> dict:
    """:func:`page_data` as the page carries it, each repeated thing once: the evidence of each
    claim in the list ``claims`` (nodes and edges name claims by position), and every string of a
    link (``[kind, via, date, certainty, detail, level]``) and of a panel's ``[label, text]``
    pairs in ``strings`` (by position too). The page unpacks it before anything reads it.

    ``data`` is consumed: its nodes and edges are packed in place (:func:`page_html` makes it for
    this alone; copying 8,000 edges' dicts was a tenth of the packing at 100k triples).
    """
    strings = _Positions()

    def ref(value) -> int:
        # a string is looked up as it is (most are); anything else as its text, None as ""
        return strings[value if type(value) is str else "" if value is None else str(value)]

    position = {c: i for i, c in enumerate(data["claims"])}
    nodes = data["nodes"]
    for n in nodes:
        n["claims"] = [position[c] for c in n["claims"]]
        # a panel's labels and texts are always strings (_plain_pairs): looked up directly
        n["info"] = [[strings[a], strings[b]] for a, b in n["info"]]
    first_five = _LINK_KEYS[:5]
    for e in data["edges"]:
        links = []
        for lk in e["links"]:
            row = [strings[v] if type(v) is str else ref(v) for v in map(lk.get, first_five)]
            if "level" in lk:
                row.append(ref(lk["level"]))
            links.append(row)
        e["claims"] = [position[c] for c in e["claims"]]
        e["info"] = [[strings[a], strings[b]] for a, b in e["info"]]
        e["links"] = links
    return {
        **data,
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
    from spacecoop.core.gcpause import collector_paused

    with collector_paused():  # as for the view: many small objects, no cycle worth collecting early
        data = _json_for_script(_packed(page_data(G, title=title, positions=positions)))
    vis_js, vis_css = _vis_assets()
    app_js = _asset("page.js")
    csp = (
        "default-src 'none'; script-src "
        + _sha256(vis_js)
        + " "
        + _sha256(app_js)
        + "; style-src 'unsafe-inline'; img-src data:; font-src data:; connect-src 'none'; "
        "form-action 'none'; base-uri 'none'"
    )
    return _asset("page.html").format(
        csp=csp,
        title=html.escape(title, quote=True),
        vis_css=vis_css.replace("</", "<\\/"),
        css=_asset("page.css"),
        data=data,
        vis_js=vis_js,
        app_js=app_js,
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
    return write_page(page_html(G, title=title, positions=positions), path)


def write_page(text: str, path: str | os.PathLike) -> Path:
    """Write a page's text to ``path`` (UTF-8), atomically; return the path.

    Raises
    ------
    SpacecoopError
        The file cannot be written.
    """
    from spacecoop.core.atomic import write_atomic
    from spacecoop.core.errors import SpacecoopError

    out = Path(path)
    try:  # a temporary file of its own beside ``out``, flushed, renamed over it
        return write_atomic(out, text)
    except OSError as exc:
        raise SpacecoopError(f"cannot write {out}: {exc}") from exc


KEPT_PAGES = 4
"""How many pages :func:`view_page` keeps beside a compiled store: the most recently drawn or
read (a page of the countries view is 38 MB at 1M triples, and each title or version of the code
draws another)."""


@dataclass(frozen=True)
class ViewPage:
    """The page of a view (:func:`view_page`) and the size of the graph it draws."""

    html: str
    nodes: int
    edges: int


def view_page(store, view: str, title: str) -> ViewPage:
    """Return the page of a view of ``store``: :func:`page_html` of
    :func:`~spacecoop.views.projection.to_networkx`, drawn once per compiled store.

    On a compiled store the page is kept beside it (:func:`spacecoop.store.compiled.derived`,
    removed with the store) under a name that holds the view, the title and the identity of the
    code that draws it (:func:`_page_code`: every module of the package, the page's own files,
    the versions of networkx, igraph and pyvis), so an edit of the data or of the code draws it
    again; ``spacecoop viz`` on data that did not change reads it back instead of projecting and
    laying out the graph again (seconds at 100k triples). Only the :data:`KEPT_PAGES` pages of
    the store last drawn or read are kept. On any other store it is drawn every time.

    Parameters
    ----------
    store : Store
        Where the view is read from.
    view, title : str
        As for :func:`~spacecoop.views.projection.to_networkx` and :func:`page_html`.
    """
    from spacecoop.store.compiled import derived

    def draw() -> dict:
        from spacecoop.views.projection import to_networkx

        G = to_networkx(store, view)
        return {"html": page_html(G, title=title), "nodes": G.number_of_nodes(), "edges": G.number_of_edges()}

    tag = hashlib.sha256(f"{view}\0{title}\0{_page_code()}".encode()).hexdigest()[:32]
    value = derived(store, f"page-{tag}", draw, keep=KEPT_PAGES)
    return ViewPage(str(value["html"]), int(value["nodes"]), int(value["edges"]))


def _page_code() -> str:
    """The identity of the code that draws a page: every module of the package (the projection
    reads the store through several of them), the page's static files, and the libraries that
    shape the page (networkx's graph order, igraph's layout, pyvis's vis-network)."""
    from spacecoop.core.cache import installed_version
    from spacecoop.store.compiled import code_identity

    pkg = Path(__file__).resolve().parents[1]
    own = [*pkg.rglob("*.py"), *(pkg / "static" / "graph" / name for name in _ASSETS)]
    versions = [f"{name}={installed_version(name)}" for name in ("networkx", "igraph", "pyvis")]
    return ";".join([code_identity(tuple(sorted(str(p.relative_to(pkg)) for p in own))), *versions])


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

    # On rdflib's indexes of the dataset itself, as open_engine chooses for a page, even where
    # the checks of the same build made an Oxigraph copy: the same graphs (tests/test_project.py),
    # a little quicker (the two views at 100k triples 1.00 -> 0.92 s, medians of five), and no
    # copy to make where the checks made none.
    store = open_engine("page", None, loaded.ds if hasattr(loaded, "ds") else loaded)
    return {
        name: page_html(to_networkx(store, view), title=titles[view]).encode("utf-8")
        for name, view in BUILD_PAGES.items()
    }


__all__ = [
    "BUILD_PAGES",
    "KIND_STYLE",
    "RELATION_COLOURS",
    "ViewPage",
    "build_pages",
    "layout_positions",
    "page_data",
    "page_html",
    "view_page",
    "write_html",
    "write_page",
]
