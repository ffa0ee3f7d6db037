"""The ``viz`` and ``export`` verbs: draw a view of the graph as a page, or export it."""

from __future__ import annotations

import sys
from pathlib import Path

import click

from spacecoop.cli.options import out_file_option, view_option

FORMAT_CHOICES = ("graphml", "gexf", "json", "cytoscape", "csv")

_TITLES = {
    "countries": "Space cooperation: countries, regions and blocs",
    "actors": "Space cooperation: organisations, missions and payloads",
    "full": "Space cooperation: every entity and relationship",
}


def _project(obj, view: str, *, inline_evidence: bool = False):
    from rich.console import Console

    from spacecoop.views.projection import to_networkx

    console = Console(stderr=True)
    with console.status(f"projecting the {view} view"):
        store = obj.open_store()
        return to_networkx(store, view, inline_evidence=inline_evidence)


@click.command()
@view_option("Which projection to draw.")
@out_file_option(
    "HTML file to write (default: spacecoop-VIEW.html, in the workspace when there is one).", default=None
)
@click.option("--title", default=None, help="Page title (default: names the view).")
@click.pass_obj
def viz(obj, view: str, out: Path | None, title: str | None) -> int:
    """Write an interactive graph page: one self-contained HTML file that works offline.

    Colour and shape show the kind of node, size its centrality; hover or click for the evidence
    quotes and their sources; search, filter by kind of link and by bloc, and move the "as of"
    date to watch the blocs grow.
    """
    from rich.console import Console

    from spacecoop.core.layout import default_output
    from spacecoop.pages.graph_page import view_page, write_page

    out = out or default_output(obj.root, f"spacecoop-{view}.html")  # in the workspace if any
    # drawn once per compiled store and read back while neither the data nor the code changes
    with Console(stderr=True).status(f"projecting, laying out and drawing the {view} view"):
        page = view_page(obj.open_store(), view, title or _TITLES[view])
    write_page(page.html, out)
    click.echo(
        f"wrote {out} ({page.nodes} nodes, {page.edges} edges, {out.stat().st_size // 1024} KiB)", err=True
    )
    return 0


@click.command()
@view_option("Which projection to export.")
@click.option(
    "--format",
    "fmt",
    type=click.Choice(FORMAT_CHOICES),
    default=None,
    help="Output format (default: from the file suffix; csv must be named).",
)
@click.option(
    "--out",
    "-o",
    "out",
    type=click.Path(path_type=Path),
    required=True,
    help="File to write, or - for standard output (then --format is needed, and not csv); "
    "for csv, a folder that receives nodes.csv and edges.csv.",
)
@click.pass_obj
def export(obj, view: str, fmt: str | None, out: Path) -> int:
    """Export a view of the graph as GraphML, GEXF (Gephi, Cytoscape), node-link JSON, Cytoscape.js
    JSON (.cyjs) or CSV; every node carries its degree, betweenness and community. GEXF 1.3 keeps
    the page's colours, sizes and layout, and the bloc dates as a timeline Gephi replays."""
    import tempfile

    from spacecoop.core.errors import UsageError
    from spacecoop.views.export import export_graph

    to_stdout = str(out) == "-"
    if to_stdout and fmt in (None, "csv"):
        raise UsageError(
            "-o - writes one document to standard output: name its --format (graphml, gexf, json "
            "or cytoscape)"
        )
    # files keep each edge's evidence on the edge (a CSV row has no room for a shared table)
    G = _project(obj, view, inline_evidence=True)
    if to_stdout:
        with tempfile.TemporaryDirectory(prefix="spacecoop-export-") as tmp:
            (written,) = export_graph(G, Path(tmp) / f"export.{fmt}", fmt)
            stdout = sys.stdout.buffer
            stdout.write(written.read_bytes())
            stdout.flush()
        click.echo(
            f"wrote {fmt} to standard output ({G.number_of_nodes()} nodes, {G.number_of_edges()} edges)",
            err=True,
        )
        return 0
    files = export_graph(G, out, fmt)
    click.echo(
        f"wrote {', '.join(str(p) for p in files)} ({G.number_of_nodes()} nodes, "
        f"{G.number_of_edges()} edges)",
        err=True,
    )
    return 0
