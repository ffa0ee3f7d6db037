"""Export a projected graph for Gephi, Cytoscape, scripts and spreadsheets; the dataset as JSON-LD.

Formats: ``graphml`` (networkx, igraph, graphology, Cytoscape desktop), ``gexf`` (GEXF 1.3 for Gephi
and graphology), ``json`` (networkx node-link JSON, edges under ``"edges"``), ``cytoscape``
(Cytoscape.js / Cytoscape desktop ``elements`` JSON, suffix ``.cyjs``) and ``csv``: a folder holding
``nodes.csv`` (``id`` then the node attributes) and ``edges.csv`` (``source``, ``target``, ``key``
for multigraphs, then the edge attributes), UTF-8, one header row, booleans as ``true``/``false``,
missing values empty.

Every node carries its ``degree``, ``degree_centrality``, ``betweenness`` and ``community`` (the
number of its community by modularity, largest first: :mod:`spacecoop.views.analytics`), so Gephi,
Cytoscape or a script can size and colour by them. A value the view leaves empty (an undated
``since``) is absent, never ``""``; edge ids are unique (``source|target|key`` in a multigraph), and
the same in GraphML and ``.cyjs``.

GEXF is written here (networkx writes 1.2draft, with an empty ``name`` the schema refuses): version
1.3, each node with the colour, size, shape and position the page gives it
(:func:`spacecoop.pages.graph_page.page_data`,
y turned upwards as Gephi draws), each edge with the page's colour, thickness and dash, the graph's
own attributes (``view``, ``blocs``) as JSON in ``meta/description``, and ``mode="dynamic"`` with
spells (``timeformat="date"``) read from the bloc dates as the page's "as of" filter reads them:
an edge appears on the day of its earliest dated link (a membership on the day its member joined),
a node on the day of its first edge when every edge of it is dated; an element no claim dates has
no spell (Gephi shows it at every date unless its timeline's "keep null" is off).

Every writer works on the graph as given and leaves it unchanged; files are written next to their
destination and moved into place, so a failure leaves no half-written file.

JSON-LD (:func:`dataset_jsonld`, the build's ``spacecoop.jsonld``) uses the context shipped as
``ontology/context.jsonld`` (:func:`make_jsonld_context` makes it from the ontology), inline.
"""

from __future__ import annotations

import contextlib
import csv
import json
import math
import os
import shutil
import tempfile
from pathlib import Path

FORMATS = ("graphml", "gexf", "json", "cytoscape", "csv")
"""Formats :func:`export_graph` writes."""

_NODE_FIRST = ("label", "kind", "country", "iso")
_EDGE_FIRST = ("relation", "kinds", "certainty", "weight")


def _columns(dicts, first) -> list[str]:
    keys: set[str] = set()
    for d in dicts:
        keys.update(d)
    return [k for k in first if k in keys] + sorted(keys - set(first))


def _cell(value) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _write_csv(G, folder: Path) -> list[Path]:
    node_cols = _columns((d for _, d in G.nodes(data=True)), _NODE_FIRST)
    multi = G.is_multigraph()
    edges = (
        list(G.edges(keys=True, data=True)) if multi else [(u, v, None, d) for u, v, d in G.edges(data=True)]
    )
    edge_cols = _columns((d for *_, d in edges), _EDGE_FIRST)
    nodes_path, edges_path = folder / "nodes.csv", folder / "edges.csv"
    with nodes_path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["id", *node_cols])
        for n, d in G.nodes(data=True):
            w.writerow([_cell(n), *(_cell(d.get(c)) for c in node_cols)])
    with edges_path.open("w", encoding="utf-8", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(["source", "target", *(["key"] if multi else []), *edge_cols])
        for u, v, k, d in edges:
            w.writerow(
                [_cell(u), _cell(v), *([_cell(k)] if multi else []), *(_cell(d.get(c)) for c in edge_cols)]
            )
    return [nodes_path, edges_path]


def _add_measures(G, H) -> None:
    """Put centrality and community on the nodes of ``H`` (measured on ``G``), unless present."""
    from spacecoop.views.analytics import centrality, communities

    if G.number_of_nodes() == 0:
        return
    for c in centrality(G):
        d = H.nodes[c.node]
        d.setdefault("degree", c.degree)
        d.setdefault("degree_centrality", round(c.degree_centrality, 6))
        d.setdefault("betweenness", round(c.betweenness, 6))
    lookup = {str(n): n for n in G}
    for com in communities(G):
        for n in com.nodes:
            H.nodes[lookup[n]].setdefault("community", com.index)


def _with_measures(G):
    """A copy of ``G`` with centrality and community on its nodes (for csv: keys and empty cells
    kept), each edge with all its claims (:func:`~spacecoop.views.projection.with_claims_in_full`)."""
    from spacecoop.views.projection import with_claims_in_full

    H = G.copy()
    _add_measures(G, H)
    return with_claims_in_full(H)


def _exportable(G):
    """A copy of ``G`` as the file formats want it: every edge id unique (GraphML ids repeat
    across edges when taken from multigraph keys such as ``membership``, which graphology and the
    GraphML schema refuse) and absent values absent (an empty string says "known to be empty").

    Examples
    --------
    >>> import networkx as nx
    >>> M = nx.MultiGraph()
    >>> _ = M.add_edge("a", "b", key="membership", since="")
    >>> _ = M.add_edge("c", "b", key="membership", since="2021")
    >>> [(k, d) for *_, k, d in _exportable(M).edges(keys=True, data=True)]
    [('a|b|membership', {}), ('b|c|membership', {'since': '2021'})]
    """
    from spacecoop.views.projection import claims_of

    H = G.__class__()
    H.graph.update({k: v for k, v in G.graph.items() if v not in ("", None)})
    H.add_nodes_from((n, {k: v for k, v in d.items() if v not in ("", None)}) for n, d in G.nodes(data=True))
    _add_measures(G, H)
    if G.is_multigraph():
        for u, v, k, d in G.edges(keys=True, data=True):
            if d.get("ties"):  # a file's edge carries all its claims, its members' ties' too
                d = {**d, "claims": ";".join(claims_of(G, d))}
            H.add_edge(u, v, key=f"{u}|{v}|{k}", **{a: b for a, b in d.items() if b not in ("", None)})
    else:
        H.add_edges_from(
            (u, v, {a: b for a, b in d.items() if b not in ("", None)}) for u, v, d in G.edges(data=True)
        )
    return H


GEXF_NS = "http://gexf.net/1.3"
GEXF_VIZ_NS = "http://gexf.net/1.3/viz"
_TIES = ("membership", "involvement", "co-membership", "participates-in", "involved-in")
"""Relations the page's "as of" filter hides when no claim dates them (render.py's TIES)."""


_GEXF_SHAPES = {"dot": "disc", "square": "square", "diamond": "diamond", "triangle": "triangle"}
"""The page's node shapes (vis-network) that GEXF has; the others are drawn as discs."""


def _start_of(date: str) -> str:
    """A claimed date read as its first day, as the page reads it: ``2021`` -> ``2021-01-01``."""
    date = str(date or "")
    if len(date) == 4:
        return date + "-01-01"
    if len(date) == 7:
        return date + "-01"
    return date[:10]


def _gexf_type(values: list) -> str:
    if all(isinstance(v, bool) for v in values):
        return "boolean"
    if all(isinstance(v, int) and not isinstance(v, bool) for v in values):
        return "long"
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        return "double"
    return "string"


def _gexf_value(value) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def _rgb(colour: str) -> dict[str, str]:
    colour = colour.lstrip("#")
    return {c: str(int(colour[i : i + 2], 16)) for c, i in (("r", 0), ("g", 2), ("b", 4))}


def _edge_spell(links: list[dict], relation: str) -> str:
    """The day an edge appears on the page's "as of" timeline; "" when it is there at every date.

    As the page: an edge shows from its earliest dated link; a link no claim dates that is not a
    tie to a bloc (co-development, carriage) is no claim about time and shows the edge always; an
    undated tie has no date either (the page hides it on a date unless "undated" is ticked, Gephi
    keeps an element without a spell unless its timeline's "keep null" is off).
    """
    starts = []
    for link in links:
        if not link.get("date"):
            return ""
        starts.append(_start_of(link["date"]))
    return min(starts, default="")


def _edge_style(links: list[dict], relation: str) -> tuple[str, float, float, str]:
    """(colour, alpha, thickness, shape) as the page draws the edge (render.py's edgeStyle)."""
    from spacecoop.pages.graph_page import CONTRADICTED_COLOUR, OTHER_RELATION, RELATION_COLOURS
    from spacecoop.views.projection import least_certain

    kinds = [link.get("kind") or relation for link in links]
    cert = least_certain(link.get("certainty", "") for link in links)
    kind = (
        "membership"
        if "membership" in kinds
        else ("co-development" if "co-development" in kinds else (kinds[0] if kinds else relation))
    )
    colour = RELATION_COLOURS.get(kind) or RELATION_COLOURS.get(relation) or OTHER_RELATION
    width, shape = 1 + min(6.0, math.log2(1 + len(links))), "solid"
    if relation in ("involvement", "involved-in"):
        width, shape = 1.0, "dotted"
    elif relation in ("membership", "participates-in"):
        width += 1.5
    if cert in ("contradicted", "disputed"):
        colour, shape, width = CONTRADICTED_COLOUR, "dashed", width + 1
    elif cert in ("hedged", "unconfirmed"):
        shape = "dashed"
    return colour, (0.45 if kind == "co-membership" else 0.9), round(width, 2), shape


def _write_gexf(G, path: Path) -> None:
    """Write GEXF 1.3 (its RELAX NG schema and, but for the viz elements, its XSD): attributes
    typed, viz colour, size and position as the page draws them, spells from the bloc dates."""
    import xml.etree.ElementTree as ET

    from spacecoop.pages.graph_page import page_data

    page = page_data(G)  # the page's own layout, sizes and colours, and each edge's links
    pnodes = {n["id"]: n for n in page["nodes"]}
    ET.register_namespace("", GEXF_NS)
    ET.register_namespace("viz", GEXF_VIZ_NS)
    q, v = (lambda tag: f"{{{GEXF_NS}}}{tag}"), (lambda tag: f"{{{GEXF_VIZ_NS}}}{tag}")

    root = ET.Element(q("gexf"), {"version": "1.3"})
    meta = ET.SubElement(root, q("meta"))
    ET.SubElement(meta, q("creator")).text = "spacecoop"
    if G.graph:  # the graph's own attributes (view, blocs): the schema gives <graph> no room for them
        ET.SubElement(meta, q("description")).text = json.dumps(
            dict(G.graph), ensure_ascii=False, sort_keys=True
        )
    graph = ET.SubElement(
        root,
        q("graph"),
        {
            "defaultedgetype": "directed" if G.is_directed() else "undirected",
            "mode": "dynamic",
            "timeformat": "date",
        },
    )
    multi = G.is_multigraph()
    edges = (
        list(G.edges(keys=True, data=True)) if multi else [(a, b, None, d) for a, b, d in G.edges(data=True)]
    )

    def declare(cls: str, rows, skip) -> None:
        values: dict[str, list] = {}
        for d in rows:
            for k, val in d.items():
                if k not in skip:
                    values.setdefault(k, []).append(val)
        attrs = ET.SubElement(graph, q("attributes"), {"class": cls, "mode": "static"})
        for k in sorted(values):
            ET.SubElement(attrs, q("attribute"), {"id": k, "title": k, "type": _gexf_type(values[k])})

    declare("node", (d for _, d in G.nodes(data=True)), {"label"})
    declare("edge", (d for *_, d in edges), {"weight"})

    def attvalues(parent, d, skip) -> None:
        items = [(k, val) for k, val in sorted(d.items()) if k not in skip]
        if items:
            box = ET.SubElement(parent, q("attvalues"))
            for k, val in items:
                ET.SubElement(box, q("attvalue"), {"for": k, "value": _gexf_value(val)})

    edge_starts: list[str] = []
    node_starts: dict = {}
    for i, (a, b, _k, d) in enumerate(edges):
        links = page["edges"][i]["links"]
        start = _edge_spell(links, str(d.get("relation") or "link"))
        edge_starts.append(start)
        for n in (a, b):
            node_starts.setdefault(n, []).append(start)

    nodes_el = ET.SubElement(graph, q("nodes"), {"count": str(G.number_of_nodes())})
    for n, d in G.nodes(data=True):
        pn = pnodes[str(n)]
        el = ET.SubElement(nodes_el, q("node"), {"id": str(n), "label": str(d.get("label") or n)})
        attvalues(el, d, {"label"})
        starts = node_starts.get(n, [])
        if starts and all(starts):  # a node shows from its first edge when every edge is dated
            spells = ET.SubElement(el, q("spells"))
            ET.SubElement(spells, q("spell"), {"start": min(starts)})
        ET.SubElement(el, v("color"), _rgb(pn["color"]))
        # the page's y grows downwards, Gephi's upwards
        ET.SubElement(el, v("position"), {"x": f"{pn['x']:g}", "y": f"{-pn['y'] + 0.0:g}"})
        ET.SubElement(el, v("size"), {"value": f"{pn['size']:g}"})
        ET.SubElement(el, v("shape"), {"value": _GEXF_SHAPES.get(pn["shape"], "disc")})

    edges_el = ET.SubElement(graph, q("edges"), {"count": str(len(edges))})
    for i, (a, b, k, d) in enumerate(edges):
        relation = str(d.get("relation") or "link")
        attrs = {"id": str(k) if multi else f"e{i}", "source": str(a), "target": str(b)}
        if d.get("relation"):
            attrs["kind"] = relation
        weight = d.get("weight")
        if isinstance(weight, (int, float)) and not isinstance(weight, bool):
            attrs["weight"] = _gexf_value(weight)
        el = ET.SubElement(edges_el, q("edge"), attrs)
        attvalues(el, d, {"weight"})
        if edge_starts[i]:
            spells = ET.SubElement(el, q("spells"))
            ET.SubElement(spells, q("spell"), {"start": edge_starts[i]})
        colour, alpha, thickness, shape = _edge_style(page["edges"][i]["links"], relation)
        ET.SubElement(el, v("color"), {**_rgb(colour), "a": f"{alpha:g}"})
        ET.SubElement(el, v("thickness"), {"value": f"{thickness:g}"})
        ET.SubElement(el, v("shape"), {"value": shape})

    ET.indent(root, space=" ")
    ET.ElementTree(root).write(path, encoding="utf-8", xml_declaration=True)


def _write_one(G, path: Path, fmt: str) -> None:
    import networkx as nx

    G = _exportable(G)
    if fmt == "graphml":
        nx.write_graphml(G, path, encoding="utf-8", prettyprint=True)
    elif fmt == "gexf":
        _write_gexf(G, path)
    elif fmt == "json":
        data = nx.node_link_data(G, edges="edges")
        path.write_text(
            json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
    elif fmt == "cytoscape":
        data = nx.cytoscape_data(G)
        for i, edge in enumerate(data["elements"]["edges"]):  # Cytoscape.js wants an id on every element
            edge["data"].setdefault("id", str(edge["data"].get("key") or f"e{i}"))
        path.write_text(
            json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )


def export_graph(G, path: str | os.PathLike, fmt: str | None = None) -> list[Path]:
    """Write ``G`` to ``path`` in one of :data:`FORMATS`; return the files written.

    Parameters
    ----------
    G : networkx graph
        Attributes must be plain ``str``, ``int``, ``float`` or ``bool`` (as
        :func:`spacecoop.views.projection.to_networkx` makes them).
    path : path
        The file to write; for ``csv`` the folder that receives ``nodes.csv`` and ``edges.csv``
        (created if needed).
    fmt : {"graphml", "gexf", "json", "cytoscape", "csv"}, optional
        Default: from the file's suffix (``.graphml``, ``.gexf``, ``.json``, ``.cyjs``); ``csv``
        must be named.

    Raises
    ------
    UsageError
        Unknown format, or none given and the suffix names none.
    SpacecoopError
        The file cannot be written, or an attribute has a type the format cannot hold.

    Examples
    --------
    >>> import networkx as nx, tempfile, pathlib
    >>> out = pathlib.Path(tempfile.mkdtemp()) / "g.graphml"
    >>> [p.name for p in export_graph(nx.Graph([("a", "b")]), out)]
    ['g.graphml']
    >>> sorted(nx.read_graphml(out).nodes)
    ['a', 'b']

    See Also
    --------
    networkx.read_graphml, networkx.read_gexf, networkx.node_link_graph
    """
    import networkx as nx

    from spacecoop.core.errors import SpacecoopError, UsageError

    out = Path(path)
    if fmt is None:
        fmt = out.suffix.lstrip(".").lower()
        fmt = {"cyjs": "cytoscape"}.get(fmt, fmt)
        if fmt not in FORMATS or fmt == "csv":
            raise UsageError(f"cannot tell the format from {out.name!r}; give one of {', '.join(FORMATS)}")
    fmt = fmt.lower()
    if fmt not in FORMATS:
        raise UsageError(f"unknown format {fmt!r}; expected one of {', '.join(FORMATS)}")
    try:
        if fmt == "csv":
            if out.exists() and not out.is_dir():
                raise UsageError(f"{out} is a file; csv export writes nodes.csv and edges.csv into a folder")
            out.mkdir(parents=True, exist_ok=True)
            stage = Path(tempfile.mkdtemp(prefix=".spacecoop-csv-", dir=out))
            try:
                staged = _write_csv(_with_measures(G), stage)
                written = []
                for p in staged:
                    os.replace(p, out / p.name)
                    written.append(out / p.name)
                return written
            finally:
                shutil.rmtree(stage, ignore_errors=True)
        out.parent.mkdir(parents=True, exist_ok=True)
        tmp = out.with_name(f".{out.name}.tmp")
        try:
            _write_one(G, tmp, fmt)
            os.replace(tmp, out)
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink(missing_ok=True)
        return [out]
    except OSError as exc:
        raise SpacecoopError(f"cannot write {out}: {exc}") from exc
    except (TypeError, ValueError, KeyError, nx.NetworkXError) as exc:
        raise SpacecoopError(f"cannot export to {fmt}: {exc}") from exc


def read_csv_graph(folder: str | os.PathLike) -> tuple[list[dict], list[dict]]:
    """Read back a csv export: ``(nodes, edges)`` as lists of dicts of strings.

    Examples
    --------
    >>> import networkx as nx, tempfile
    >>> d = tempfile.mkdtemp()
    >>> _ = export_graph(nx.Graph([("a", "b")]), d, "csv")
    >>> nodes, edges = read_csv_graph(d)
    >>> [n["id"] for n in nodes], [(e["source"], e["target"]) for e in edges]
    (['a', 'b'], [('a', 'b')])
    """
    folder = Path(folder)
    with (folder / "nodes.csv").open(encoding="utf-8", newline="") as fh:
        nodes = list(csv.DictReader(fh))
    with (folder / "edges.csv").open(encoding="utf-8", newline="") as fh:
        edges = list(csv.DictReader(fh))
    return nodes, edges


# ------------------------------------------------------------------------------------------ JSON-LD

CONTEXT_FILE = "ontology/context.jsonld"
"""The JSON-LD context, below the project root: prefixes, and a short name for every term of ours."""

# Prefixes the context adds to :data:`spacecoop.core.namespaces.PREFIXES`: the kinds of relationship and
# entity whose IRIs no prefix shortens there, and the W3C vocabularies the ontology graph uses.
_EXTRA_PREFIXES = (
    ("claim", "id/claim/"),
    ("participation", "id/participation/"),
    ("development", "id/development/"),
    ("carriage", "id/carriage/"),
    ("agreement", "id/agreement/"),
    ("contribution", "id/contribution/"),
    ("signing", "id/signing/"),
    ("event", "id/event/"),
    ("rover", "id/rover/"),
    ("test", "id/test/"),
    ("date-precision", "vocab/date-precision/"),
    ("vocab", "vocab/"),
)
# Properties of our namespace with no single datatype in the ontology whose usual value is a date:
# a day-precision date is a plain string under the short name, a year or a month keeps its type.
_DATE_PROPERTIES = ("date", "asOf")
# Terms of other vocabularies, kept under their CURIEs, with the coercion their values take.
_OUTSIDE_COERCIONS = {
    "dcterms:isReferencedBy": "@id",
    "dcterms:license": "@id",
    "org:member": "@id",
    "org:memberOf": "@id",
    "org:organization": "@id",
    "prov:wasDerivedFrom": "@id",
    "rdfs:domain": "@id",
    "rdfs:range": "@id",
    "rdfs:seeAlso": "@id",
    "rdfs:subClassOf": "@id",
    "rdfs:subPropertyOf": "@id",
    "schema:datePublished": "xsd:date",
    "schema:publisher": "@id",
    "schema:url": "xsd:anyURI",
    "skos:broader": "@id",
    "skos:hasTopConcept": "@id",
    "skos:inScheme": "@id",
    "skos:member": "@id",
}


def make_jsonld_context(ontology) -> dict:
    """Return the JSON-LD context document for an ontology graph (what ``ontology/context.jsonld`` holds).

    Every class and property of ``sc:`` gets its local name as a term (``Claim``, ``participatesIn``),
    except a property whose name is also a prefix (``status``, ``level``, ``certainty``, ``kind``,
    ``role``, ``mission``, ``payload``): it keeps its CURIE (``"sc:status": "status:signatory"``), so
    values written with that prefix still expand. Object properties take IRIs (``"@type": "@id"``);
    a datatype property with one XSD datatype as its range (other than ``xsd:string``) takes that
    type, and ``sc:date`` takes ``xsd:date`` (a year or a month keeps an explicit ``@type``).
    Outside terms (ORG, PROV, schema.org, SKOS, Dublin Core) keep their CURIEs, with coercions.

    Examples
    --------
    >>> from rdflib import Graph
    >>> g = Graph().parse(data='''@prefix sc: <https://w3id.org/spacecoop/ns#> .
    ... @prefix owl: <http://www.w3.org/2002/07/owl#> .
    ... @prefix xsd: <http://www.w3.org/2001/XMLSchema#> .
    ... @prefix rdfs: <http://www.w3.org/2000/01/rdf-schema#> .
    ... sc:Claim a owl:Class . sc:status a owl:ObjectProperty .
    ... sc:ordinal a owl:DatatypeProperty ; rdfs:range xsd:positiveInteger .''', format="turtle")
    >>> ctx = make_jsonld_context(g)["@context"]
    >>> ctx["Claim"], ctx["sc:status"], ctx["ordinal"]
    ('sc:Claim', {'@type': '@id'}, {'@id': 'sc:ordinal', '@type': 'xsd:positiveInteger'})
    """
    from rdflib import OWL, RDF, RDFS, XSD

    from spacecoop.core.namespaces import BASE, NS, PREFIXES

    ctx: dict = dict(PREFIXES)
    for name, path in _EXTRA_PREFIXES:
        ctx.setdefault(name, BASE + path)
    ctx.setdefault("rdf", str(RDF))
    ctx.setdefault("owl", str(OWL))
    prefixes = set(ctx)

    def ours(term) -> str | None:
        return str(term)[len(NS) :] if str(term).startswith(NS) else None

    classes = sorted(n for c in ontology.subjects(RDF.type, OWL.Class) if (n := ours(c)))
    for name in classes:
        ctx[name] = f"sc:{name}"
    kinds = (OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDF.Property)
    props = sorted({n for k in kinds for p in ontology.subjects(RDF.type, k) if (n := ours(p))})
    xsd = str(XSD)
    for name in props:
        p = _iri(NS + name)
        coercion = None
        if (p, RDF.type, OWL.ObjectProperty) in ontology:
            coercion = "@id"
        else:
            ranges = [str(r) for r in ontology.objects(p, RDFS.range)]
            if len(ranges) == 1 and ranges[0].startswith(xsd) and ranges[0] != str(XSD.string):
                coercion = "xsd:" + ranges[0][len(xsd) :]
            elif not ranges and name in _DATE_PROPERTIES:
                coercion = "xsd:date"
        if name in prefixes:
            if coercion:  # else the CURIE alone says it all
                ctx[f"sc:{name}"] = {"@type": coercion}
        else:
            ctx[name] = {"@id": f"sc:{name}", "@type": coercion} if coercion else f"sc:{name}"
    for curie_, coercion in sorted(_OUTSIDE_COERCIONS.items()):
        ctx[curie_] = {"@type": coercion}
    return {"@context": ctx}


def _iri(text: str):
    from rdflib import URIRef

    return URIRef(text)


def jsonld_context(root: str | os.PathLike | None = None) -> dict:
    """Return the ``@context`` object of ``ontology/context.jsonld`` of the project at ``root`` (for a
    workspace, the shipped ontology it is read on top of: :attr:`Layout.base`).

    Raises
    ------
    SpacecoopError
        The file is missing or is not a JSON-LD context document.
    """
    from spacecoop.core.errors import SpacecoopError
    from spacecoop.core.layout import Layout, find_root

    path = Layout(find_root() if root is None else Path(root)).base / CONTEXT_FILE
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError) as exc:
        raise SpacecoopError(f"{path}: cannot read the JSON-LD context: {exc}") from exc
    if not isinstance(data, dict) or not isinstance(data.get("@context"), dict):
        raise SpacecoopError(f'{path}: not a JSON-LD context document (no "@context" object)')
    return data["@context"]


def write_jsonld_context(root: str | os.PathLike | None = None) -> Path:
    """(Re)write ``ontology/context.jsonld`` from ``ontology/spacecoop.ttl``; return its path."""
    from rdflib import Graph

    from spacecoop.core.layout import find_root

    base = find_root() if root is None else Path(root)
    ctx = make_jsonld_context(Graph().parse(base / "ontology" / "spacecoop.ttl"))
    path = base / CONTEXT_FILE
    path.write_text(json.dumps(ctx, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    return path


def _iri_compactor(context: dict):
    """Return a function that shortens the IRIs rdflib leaves whole in a node: it uses a prefix
    only when the rest has no ``/``, so ``participation:country/turkey/initiative/...`` stayed a
    full IRI. The longest prefix is used, and only where the text is read as an IRI (``@id``,
    ``@type``, values of terms coerced to ``@id``, keys that name no term), so each shortened IRI
    expands back to itself. The rdflib terms rdflib's converter leaves in (``URIRef``,
    ``Literal``) come out as plain strings. (Made once per document: the prefixes sorted for every
    node took a fifth of writing a 100k-triple JSON-LD.)"""
    prefixes = sorted(
        (
            (iri, name)
            for name, iri in context.items()
            if isinstance(iri, str)
            and ":" not in name
            and not name.startswith("@")
            and iri.endswith(("/", "#"))
        ),
        key=lambda pair: (-len(pair[0]), pair[1]),
    )
    id_terms = {k for k, d in context.items() if isinstance(d, dict) and d.get("@type") == "@id"}

    def shrink(iri):
        if not isinstance(iri, str) or not iri.startswith(("http://", "https://")):
            return iri
        for ns, name in prefixes:
            rest = iri[len(ns) :]
            if iri.startswith(ns) and rest and not rest.startswith("//"):
                return f"{name}:{rest}"
        return iri

    def walk(value, iri_strings: bool = False):
        if isinstance(value, list):
            return [walk(v, iri_strings) for v in value]
        if isinstance(value, str):
            value = str(value)  # a URIRef's startswith takes no tuple
            return shrink(value) if iri_strings else value
        if not isinstance(value, dict):
            return value
        out = {}
        for key, v in value.items():
            key = str(key)
            if key in ("@id", "@type"):
                out[key] = walk(v, True)
                continue
            new_key = key
            if not key.startswith("@"):
                short = shrink(key)
                if short != key and short not in context and short not in value:
                    new_key = short
            out[new_key] = walk(v, key in id_terms)
        return out

    return walk


def dataset_jsonld(ds, context: dict | None = None) -> str:
    """Return ``ds`` as one JSON-LD document, deterministically (graphs and nodes sorted by ``@id``).

    The default graph's nodes stand at the top level of ``@graph`` (an id-less graph object there
    would be a named graph with a blank-node name for JSON-LD 1.1 processors such as jsonld.js
    and pyoxigraph); each named graph is a graph object with its ``@id``. The context (default:
    :func:`jsonld_context`) is written inline, so no processor has to fetch it.

    Examples
    --------
    >>> from rdflib import Dataset, URIRef, Literal
    >>> ds = Dataset()
    >>> s = URIRef("https://w3id.org/spacecoop/id/country/chile")
    >>> p = URIRef("https://w3id.org/spacecoop/ns#iso3166Alpha2")
    >>> ds.add((s, p, Literal("CL")))
    <Graph identifier=...>
    >>> data = json.loads(dataset_jsonld(ds, {"country": "https://w3id.org/spacecoop/id/country/",
    ...     "sc": "https://w3id.org/spacecoop/ns#", "iso3166Alpha2": "sc:iso3166Alpha2"}))
    >>> data["@graph"]
    [{'@id': 'country:chile', 'iso3166Alpha2': 'CL'}]

    See Also
    --------
    graphs_jsonld : the same document from triples grouped by graph, without a Dataset.
    """
    default = ds.default_graph.identifier
    graphs: dict = {}
    for s, p, o, g in ds.quads((None, None, None, None)):
        graphs.setdefault(None if g is None or g == default else g, []).append((s, p, o))
    return graphs_jsonld(graphs, context)


def graphs_jsonld(graphs: dict, context: dict | None = None) -> str:
    """Return ``graphs`` (graph name, None for the default graph, to its triples) as one JSON-LD
    document: the document :func:`dataset_jsonld` writes for the dataset of those graphs.

    rdflib's JSON-LD writer does the work, graph by graph (its ``Converter``, as
    ``Dataset.serialize(format="json-ld")`` runs it), but reads each graph from :class:`_GraphIndex`
    (dictionaries of its triples) rather than from a Dataset: the look-ups it makes for every
    triple are what took most of the time (20 s of a 100k-triple build's 31 s of JSON-LD, profiled).
    """
    from rdflib import BNode, URIRef
    from rdflib.plugins.serializers.jsonld import Converter
    from rdflib.plugins.shared.jsonld.context import Context

    if context is None:
        context = jsonld_context()
    ctx = Context(context)
    # rdflib's serializer passes use_native_types as a one-element tuple, which is always true
    converter = Converter(ctx, True, False)
    # Dataset.serialize's order of graphs: the default graph, then the named ones; a graph named
    # by a blank node is merged into the default graph (Converter.convert)
    merged = dict.fromkeys(graphs.get(None, ()))
    for gid, triples in graphs.items():
        if gid is not None and not isinstance(gid, URIRef):
            merged.update(dict.fromkeys(triples))
    parts: list[tuple[URIRef | None, list]] = [(None, list(merged))]
    parts += [(gid, graphs[gid]) for gid in graphs if isinstance(gid, URIRef)]
    objs: list = []
    for gid, triples in parts:
        obj: dict = {}
        graphname = None
        if gid is not None:
            graphname = ctx.shrink_iri(gid)
            obj[ctx.id_key] = graphname
        # the converter reads a graph through the three look-ups _GraphIndex has
        nodes = converter.from_graph(_GraphIndex(triples, BNode))  # type: ignore[arg-type]
        if not graphname and len(nodes) == 1:
            obj.update(nodes[0])
        else:
            if not nodes:
                continue
            obj[ctx.graph_key] = nodes
        if objs and objs[0].get(ctx.get_key("@id")) == graphname:
            objs[0].update(obj)
        else:
            objs.append(obj)
    data: dict = objs[0] if len(objs) == 1 else {ctx.graph_key: objs}
    if "@graph" not in data:  # one node: rdflib writes it at the top
        node = dict(data)
        data = {"@graph": [node] if node else []}
    top = []
    for item in data.get("@graph", []):
        if isinstance(item, dict) and "@graph" in item and "@id" not in item and len(item) == 1:
            top.extend(item["@graph"])
        else:
            top.append(item)
    compact = _iri_compactor(context)
    data["@graph"] = [compact(n) for n in top]
    data["@context"] = context

    def order(node):
        if isinstance(node, dict):
            return {k: (v if k == "@context" else order(v)) for k, v in node.items()}
        if isinstance(node, list):
            items = [order(v) for v in node]
            return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
        return node

    return json.dumps(order(data), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


class _GraphIndex:
    """One graph's triples, indexed for the look-ups rdflib's JSON-LD ``Converter`` makes of a
    graph (``subjects``, ``predicate_objects``, ``value``), each triple once.

    The two ``subjects`` look-ups the converter makes (every subject; who points to a blank node)
    are read from the index; any other pattern is answered by a scan of the triples.

    Examples
    --------
    >>> from rdflib import BNode, URIRef
    >>> a, p, q, b = URIRef("urn:a"), URIRef("urn:p"), URIRef("urn:q"), BNode("b")
    >>> index = _GraphIndex([(a, p, b), (a, q, a), (b, p, a)], BNode)
    >>> list(index.subjects(None, b)), list(index.subjects(p, a)), list(index.subjects(q))
    ([rdflib.term.URIRef('urn:a')], [rdflib.term.BNode('b')], [rdflib.term.URIRef('urn:a')])
    """

    def __init__(self, triples, bnode_type) -> None:
        self._bnode = bnode_type
        self._by_subject: dict = {}
        self._by_object: dict = {}
        for s, p, o in triples:
            pos = self._by_subject.setdefault(s, {})
            if (p, o) not in pos:
                pos[(p, o)] = None
                if isinstance(o, bnode_type):  # the converter asks who points to a blank node only
                    self._by_object.setdefault(o, []).append(s)

    def subjects(self, predicate=None, object=None):
        if predicate is None and object is None:
            return iter(self._by_subject)
        if predicate is None and isinstance(object, self._bnode):
            return iter(self._by_object.get(object, ()))
        return (
            s
            for s, pos in self._by_subject.items()
            if any((predicate is None or p == predicate) and (object is None or o == object) for p, o in pos)
        )

    def predicate_objects(self, subject):
        return iter(self._by_subject.get(subject, ()))

    def value(self, subject, predicate):
        for p, o in self._by_subject.get(subject, ()):
            if p == predicate:
                return o
        return None


__all__ = [
    "CONTEXT_FILE",
    "FORMATS",
    "dataset_jsonld",
    "export_graph",
    "graphs_jsonld",
    "jsonld_context",
    "make_jsonld_context",
    "read_csv_graph",
    "write_jsonld_context",
]
