"""Export a projected graph for Gephi, Cytoscape, scripts and spreadsheets.

Formats: ``graphml`` and ``gexf`` (open in Gephi and Cytoscape), ``json`` (networkx node-link
JSON, edges under ``"edges"``), ``cytoscape`` (Cytoscape.js / Cytoscape desktop ``elements`` JSON,
suffix ``.cyjs``) and ``csv``: a folder holding ``nodes.csv`` (``id`` then the node
attributes) and ``edges.csv`` (``source``, ``target``, ``key`` for multigraphs, then the edge
attributes), UTF-8, one header row, booleans as ``true``/``false``, missing values empty.

Every node carries its ``degree``, ``degree_centrality``, ``betweenness`` and ``community`` (the
number of its community by modularity, largest first: :mod:`spacecoop.analytics`), so Gephi,
Cytoscape or a script can size and colour by them. Every writer works on the graph as given and leaves it unchanged; files are written next to their
destination and moved into place, so a failure leaves no half-written file.
"""

from __future__ import annotations

import contextlib
import csv
import json
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
    from .analytics import centrality, communities

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
    """A copy of ``G`` with centrality and community on its nodes (for csv: keys and empty cells kept)."""
    H = G.copy()
    _add_measures(G, H)
    return H


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
    H = G.__class__()
    H.graph.update({k: v for k, v in G.graph.items() if v not in ("", None)})
    H.add_nodes_from((n, {k: v for k, v in d.items() if v not in ("", None)}) for n, d in G.nodes(data=True))
    _add_measures(G, H)
    if G.is_multigraph():
        for u, v, k, d in G.edges(keys=True, data=True):
            H.add_edge(u, v, key=f"{u}|{v}|{k}", **{a: b for a, b in d.items() if b not in ("", None)})
    else:
        H.add_edges_from(
            (u, v, {a: b for a, b in d.items() if b not in ("", None)}) for u, v, d in G.edges(data=True)
        )
    return H


def _write_one(G, path: Path, fmt: str) -> None:
    import networkx as nx

    G = _exportable(G)
    if fmt == "graphml":
        nx.write_graphml(G, path, encoding="utf-8", prettyprint=True)
    elif fmt == "gexf":
        nx.write_gexf(G, path, encoding="utf-8", prettyprint=True)
    elif fmt == "json":
        data = nx.node_link_data(G, edges="edges")
        path.write_text(
            json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )
    elif fmt == "cytoscape":
        data = nx.cytoscape_data(G)
        for i, edge in enumerate(data["elements"]["edges"]):  # Cytoscape.js wants an id on every element
            edge["data"].setdefault("id", f"e{i}")
        path.write_text(
            json.dumps(data, ensure_ascii=False, indent=1, sort_keys=True) + "\n", encoding="utf-8"
        )


def export_graph(G, path: str | os.PathLike, fmt: str | None = None) -> list[Path]:
    """Write ``G`` to ``path`` as GraphML, GEXF, node-link JSON or CSV; return the files written.

    Parameters
    ----------
    G : networkx graph
        Attributes must be plain ``str``, ``int``, ``float`` or ``bool`` (as
        :func:`spacecoop.project.to_networkx` makes them).
    path : path
        The file to write; for ``csv`` the folder that receives ``nodes.csv`` and ``edges.csv``
        (created if needed).
    fmt : {"graphml", "gexf", "json", "csv"}, optional
        Default: from the file's suffix (``.graphml``, ``.gexf``, ``.json``); ``csv`` must be
        named.

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

    from .errors import SpacecoopError, UsageError

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


__all__ = ["FORMATS", "export_graph", "read_csv_graph"]
