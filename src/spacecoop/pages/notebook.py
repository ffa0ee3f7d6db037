"""Helpers for analysts' notebooks: tables, an inline graph and a static plot, all offline.

The notebooks in ``notebooks/`` are thin clients of the package; what they need beyond the
query, view and analytics modules lives here, so it is tested like the rest:

* :func:`show_table` renders a query result, or a list of records (the dataclasses that
  :mod:`spacecoop.views.analytics` returns, or dicts), as an HTML and markdown table, without pandas;
* :func:`select_rows` and :func:`group_rows` filter and summarise a result, keeping it a
  :class:`~spacecoop.store.QueryResult`;
* :func:`show_graph` embeds the self-contained graph page of :func:`spacecoop.pages.graph_page.page_html`
  in an ``<iframe srcdoc>``, so it draws inside Jupyter with no server and no internet, with a
  static fallback (a drawing, the blocs and their members) for a notebook opened untrusted;
* :func:`plot_network` draws a graph with matplotlib's Agg canvas (no GUI, no pyplot state) and
  :func:`figure_png` turns the figure into PNG bytes;
* :func:`plural`, :func:`join_labels` build sentences from computed numbers and names, so the
  prose of a notebook never states a number the graph does not give;
* :func:`output_folder` gives a folder outside the repository for files a notebook writes.

Nothing here imports IPython: the objects returned carry ``_repr_html_`` / ``_repr_markdown_``,
which Jupyter displays and plain Python ignores.
"""

from __future__ import annotations

import html
import math
import os
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields, is_dataclass
from pathlib import Path

from rdflib import Literal

from spacecoop.core.errors import UsageError
from spacecoop.store import QueryResult

# ------------------------------------------------------------------------------------ tables


def cell_text(value) -> str:
    """Return one table cell as text.

    IRIs become CURIEs and literals their text (:func:`spacecoop.sparql.results.plain`); floats get
    three decimals; tuples, lists and sets are joined with ", "; ``None`` is empty.

    Examples
    --------
    >>> from rdflib import URIRef
    >>> peru = URIRef("https://w3id.org/spacecoop/id/country/peru")
    >>> cell_text(peru), cell_text(0.25), cell_text(("a", "b"))
    ('country:peru', '0.250', 'a, b')
    """
    from rdflib.term import Node

    from spacecoop.sparql.results import plain

    if value is None:
        return ""
    if isinstance(value, Node):
        return plain(value)
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, float):
        return f"{value:.3f}"
    if isinstance(value, (tuple, list, set, frozenset)):
        items = sorted(value, key=str) if isinstance(value, (set, frozenset)) else value
        return ", ".join(cell_text(v) for v in items)
    return str(value)


@dataclass(frozen=True, repr=False)
class Table:
    """A rendered table: text cells, shown as HTML in Jupyter and as markdown elsewhere."""

    columns: tuple[str, ...]
    rows: tuple[tuple[str, ...], ...]
    caption: str = ""
    total: int = 0
    """Rows before ``max_rows`` cut the table short."""

    def __len__(self) -> int:
        return len(self.rows)

    def column(self, name: str) -> list[str]:
        """Return the cells of one column, in row order."""
        return [row[self.columns.index(name)] for row in self.rows]

    def _footer(self) -> str:
        n = self.total
        shown = len(self.rows)
        if shown < n:
            return f"showing {shown} of {plural(n, 'row')}"
        return plural(n, "row")

    def to_markdown(self) -> str:
        """Return a GitHub-flavoured markdown table (``|`` and ``<`` escaped), caption and row count."""

        def cell(text: str) -> str:
            text = text.replace("\\", "\\\\").replace("|", "\\|").replace("<", "\\<")
            return text.replace("\r", " ").replace("\n", " ")

        lines = [f"**{cell(self.caption)}**", ""] if self.caption else []
        lines.append("| " + " | ".join(cell(c) for c in self.columns) + " |")
        lines.append("|" + "|".join("---" for _ in self.columns) + "|")
        lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in self.rows]
        lines += ["", f"_{self._footer()}_"]
        return "\n".join(lines) + "\n"

    def to_html(self) -> str:
        """Return an HTML ``<table>``; every cell is escaped."""
        e = html.escape
        parts = ['<table class="spacecoop-table" style="border-collapse:collapse;text-align:left">']
        if self.caption:
            parts.append(f'<caption style="text-align:left;font-weight:bold">{e(self.caption)}</caption>')
        cell_style = 'style="text-align:left;vertical-align:top;border-bottom:1px solid #ddd;padding:2px 8px"'
        parts.append(
            "<thead><tr>" + "".join(f"<th {cell_style}>{e(c)}</th>" for c in self.columns) + "</tr></thead>"
        )
        parts.append("<tbody>")
        for row in self.rows:
            parts.append("<tr>" + "".join(f"<td {cell_style}>{e(c)}</td>" for c in row) + "</tr>")
        parts.append("</tbody></table>")
        parts.append(f'<p style="color:#666;font-size:smaller">{e(self._footer())}</p>')
        return "".join(parts)

    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def __str__(self) -> str:
        return self.to_markdown()

    def __repr__(self) -> str:
        return self.to_markdown()


def _records(data) -> tuple[list[str], list[list]]:
    """Return (columns, rows of raw values) of a QueryResult, dataclass records or mappings."""
    if isinstance(data, QueryResult):
        if data.kind == "ASK":
            return ["boolean"], [[data.boolean]]
        if data.kind != "SELECT":
            raise UsageError(f"show_table shows SELECT and ASK results, not {data.kind}")
        return list(data.vars), [list(row) for row in data.rows]
    if isinstance(data, (str, bytes)) or not isinstance(data, Iterable):
        raise UsageError(f"show_table expects a query result or a list of records, not {type(data).__name__}")
    items = list(data)
    columns: list[str] = []
    rows: list[dict] = []
    for item in items:
        if is_dataclass(item) and not isinstance(item, type):
            names = [f.name for f in fields(item)]
            names += [p for p in ("size",) if isinstance(getattr(type(item), p, None), property)]
            record = {n: getattr(item, n) for n in names}
        elif isinstance(item, Mapping):
            record = dict(item)
        else:
            raise UsageError(f"show_table cannot show a record of type {type(item).__name__}")
        for k in record:
            if k not in columns:
                columns.append(k)
        rows.append(record)
    return columns, [[r.get(c) for c in columns] for r in rows]


def show_table(
    data,
    columns: Sequence[str] | None = None,
    *,
    max_rows: int | None = None,
    caption: str = "",
) -> Table:
    """Return a table of a query result or of records, to display in a notebook.

    Parameters
    ----------
    data : QueryResult, or an iterable of dataclass instances or of mappings
        A SELECT (or ASK) result, or records such as those of :func:`spacecoop.views.analytics.centrality`.
    columns : sequence of str, optional
        Which columns to show, in this order (default: all).
    max_rows : int, optional
        Show at most this many rows; the footer says how many there are.
    caption : str
        A title above the table.

    Returns
    -------
    Table
        Displays as HTML in Jupyter (``_repr_html_``), as markdown with ``str()``.

    Raises
    ------
    UsageError
        A column that the data does not have (the message lists those it has), or data that is
        not a table (a CONSTRUCT result, a string).

    Examples
    --------
    >>> from spacecoop import load_dataset
    >>> from spacecoop.sparql.query import run_named
    >>> t = show_table(run_named(load_dataset(), "country-partners"), ["aLabel", "bLabel"])
    >>> t.columns, ("China", "Turkey") in t.rows
    (('aLabel', 'bLabel'), True)

    See Also
    --------
    select_rows, group_rows
    """
    all_columns, raw = _records(data)
    chosen = list(all_columns) if columns is None else list(columns)
    unknown = [c for c in chosen if c not in all_columns]
    if unknown:
        raise UsageError(
            f"no column {', '.join(unknown)}; the columns are: {', '.join(all_columns) or 'none'}"
        )
    if max_rows is not None and max_rows < 0:
        raise UsageError(f"max_rows must be 0 or more, not {max_rows}")
    index = [all_columns.index(c) for c in chosen]
    kept = raw if max_rows is None else raw[:max_rows]
    rows = tuple(tuple(cell_text(row[i]) for i in index) for row in kept)
    return Table(tuple(chosen), rows, caption=caption, total=len(raw))


def _check_columns(result: QueryResult, names: Iterable[str]) -> None:
    if not isinstance(result, QueryResult) or result.kind != "SELECT":
        raise UsageError("expected the result of a SELECT query")
    unknown = [n for n in names if n not in result.vars]
    if unknown:
        raise UsageError(f"no column {', '.join(unknown)}; the columns are: {', '.join(result.vars)}")


def select_rows(result: QueryResult, **equals: str | Iterable[str]) -> QueryResult:
    """Return the rows of ``result`` whose columns have the given values, as a new result.

    A cell matches a value when its text (a literal's lexical form, an IRI) or its CURIE equals
    it, so ``aLabel="China"`` and ``a="country:china"`` both work. A list (or other collection)
    of values matches any of them: ``certainty=["certainty:hedged", "certainty:disputed"]``.

    Raises
    ------
    UsageError
        A column the result does not have.

    Examples
    --------
    >>> from spacecoop import load_dataset
    >>> from spacecoop.sparql.query import run_named
    >>> partners = run_named(load_dataset(), "country-partners")
    >>> [str(t) for t in select_rows(partners, aLabel="China", b="country:turkey").column("bLabel")]
    ['Turkey']
    """
    from spacecoop.sparql.results import plain

    _check_columns(result, equals)
    where = [
        (result.vars.index(k), {v} if isinstance(v, str) else {str(x) for x in v}) for k, v in equals.items()
    ]

    def matches(cell, values: set[str]) -> bool:
        return cell is not None and (str(cell) in values or plain(cell) in values)

    rows = tuple(row for row in result.rows if all(matches(row[i], vs) for i, vs in where))
    return QueryResult("SELECT", result.vars, rows)


def group_rows(result: QueryResult, by: Sequence[str], collect: str, *, count: str = "n") -> QueryResult:
    """Return one row per distinct value of the ``by`` columns, counting and listing ``collect``.

    The new result has the ``by`` columns, then ``count`` (the number of distinct non-empty
    values of ``collect`` in the group, an ``xsd:integer``), then ``collect`` (those values as
    text, sorted, joined with ", "). Groups are sorted by their ``by`` values as text.

    Raises
    ------
    UsageError
        A column the result does not have.

    Examples
    --------
    >>> from spacecoop import load_dataset
    >>> from spacecoop.sparql.query import run_named
    >>> ilrs = run_named(load_dataset(), "initiative-participants", initiative="ILRS")
    >>> groups = group_rows(ilrs, ["certainty"], "participantLabel")
    >>> ("hedged", "Turkey") in [(str(r[0]).rsplit("/", 1)[-1], str(r[2])) for r in groups.rows]
    True
    """
    from spacecoop.sparql.results import plain

    by = list(by)
    _check_columns(result, [*by, collect])
    if count in by or count == collect:
        raise UsageError(f"the count column {count!r} would hide a column of the same name")
    key_idx = [result.vars.index(c) for c in by]
    val_idx = result.vars.index(collect)
    groups: dict[tuple, set[str]] = {}
    for row in result.rows:
        key = tuple(row[i] for i in key_idx)
        values = groups.setdefault(key, set())
        if row[val_idx] is not None and plain(row[val_idx]):
            values.add(plain(row[val_idx]))
    ordered = sorted(groups.items(), key=lambda kv: tuple(plain(t) for t in kv[0]))
    rows = tuple((*key, Literal(len(values)), Literal(", ".join(sorted(values)))) for key, values in ordered)
    return QueryResult("SELECT", (*by, count, collect), rows)


@dataclass(frozen=True, repr=False)
class Quotes:
    """Verbatim quotes with their sources, shown as block quotes."""

    items: tuple[tuple[str, str, str], ...]
    """``(quote, source, about)`` triples, in order, without repeats."""

    def __len__(self) -> int:
        return len(self.items)

    def to_markdown(self) -> str:
        """Return the quotes as markdown block quotes (markdown characters in them escaped)."""

        def esc(text: str) -> str:
            out = "".join("\\" + ch if ch in "\\`*_[]<>#|~" else ch for ch in text)
            return out.replace("\r", " ").replace("\n", " ")

        parts = []
        for quote, source, about in self.items:
            head = f"**{esc(about)}**\n>\n" if about else ""
            parts.append(f"{head}> “{esc(quote)}”\n>\n> — {esc(source)}\n")
        return "\n".join(parts) if parts else "_no quotes_\n"

    def to_html(self) -> str:
        """Return the quotes as HTML ``<blockquote>`` elements; every string is escaped."""
        e = html.escape
        parts = []
        for quote, source, about in self.items:
            head = f"<p><b>{e(about)}</b></p>" if about else ""
            parts.append(
                f'{head}<blockquote style="margin:0 0 1em 1em;border-left:3px solid #ccc;'
                f'padding-left:0.8em">“{e(quote)}”<br><small>— {e(source)}</small></blockquote>'
            )
        return "".join(parts) if parts else "<p><i>no quotes</i></p>"

    def _repr_html_(self) -> str:
        return self.to_html()

    def _repr_markdown_(self) -> str:
        return self.to_markdown()

    def __repr__(self) -> str:
        return self.to_markdown()


def show_quotes(
    result: QueryResult,
    quote: str = "quote",
    source: str = "sourceLabel",
    about: str | Sequence[str] | None = None,
) -> Quotes:
    """Return the distinct quotes of a result with their sources, to read as block quotes.

    Parameters
    ----------
    result : QueryResult
        E.g. of the ``evidence``, ``initiative-participants`` or ``hedged-and-contradicted``
        query.
    quote, source : str
        The columns holding the quote and naming its source.
    about : str or sequence of str, optional
        The column(s) saying what each quote is evidence of, written above it (several are
        joined with " · ", empty cells left out).

    Raises
    ------
    UsageError
        A column the result does not have.

    Examples
    --------
    >>> from spacecoop import load_dataset
    >>> from spacecoop.sparql.query import run_named
    >>> q = show_quotes(run_named(load_dataset(), "evidence", entity="Lunar neutron analyzer"))
    >>> any("National Astronomical Research Institute of Thailand" in text for text, _, _ in q.items)
    True
    """
    from spacecoop.sparql.results import plain

    about_columns = [about] if isinstance(about, str) else list(about or ())
    _check_columns(result, [quote, source, *about_columns])
    qi, si = result.vars.index(quote), result.vars.index(source)
    ai = [result.vars.index(c) for c in about_columns]
    seen: dict[tuple[str, str, str], None] = {}
    for row in result.rows:
        if row[qi] is None:
            continue
        heading = " · ".join(plain(row[i]) for i in ai if row[i] is not None and plain(row[i]))
        seen.setdefault((plain(row[qi]), plain(row[si]), heading), None)
    return Quotes(tuple(seen))


# ------------------------------------------------------------------------------------ prose


def plural(n: int, singular: str, plural_form: str | None = None) -> str:
    """Return ``n`` with the noun in the right number: ``"1 payload"``, ``"3 countries"``.

    Examples
    --------
    >>> plural(1, "payload"), plural(3, "country"), plural(0, "claim"), plural(2, "bus", "buses")
    ('1 payload', '3 countries', '0 claims', '2 buses')
    """
    if n == 1:
        return f"{n} {singular}"
    if plural_form is None:
        if singular.endswith("y") and singular[-2:-1] not in tuple("aeiou"):
            plural_form = singular[:-1] + "ies"
        elif singular.endswith(("s", "x", "ch", "sh")):
            plural_form = singular + "es"
        else:
            plural_form = singular + "s"
    return f"{n} {plural_form}"


def join_labels(labels: Iterable[str], conjunction: str = "and") -> str:
    """Return labels as an English list: ``"A"``, ``"A and B"``, ``"A, B and C"``; ``""`` if none.

    Examples
    --------
    >>> join_labels(["Iran", "Peru"]), join_labels(["A", "B", "C"], "or"), join_labels([])
    ('Iran and Peru', 'A, B or C', '')
    """
    items = [str(x) for x in labels]
    if len(items) <= 1:
        return "".join(items)
    return f"{', '.join(items[:-1])} {conjunction} {items[-1]}"


# ------------------------------------------------------------------------------------ graphs


@dataclass(frozen=True, repr=False)
class InlineGraph:
    """The interactive graph page, framed to show inside a notebook, with a static fallback.

    Jupyter shows the richest output it trusts. In a trusted notebook that is the HTML: the
    interactive page in an ``<iframe>``. A notebook someone else saved is untrusted: JupyterLab
    then sanitises the HTML, which removes the frame (and any ``<style>``) but keeps plain markup
    and ``data:`` images. So the HTML carries, after the frame, a static fallback (the summary,
    a PNG drawing of the same graph and the blocs with their members) that a ``<style>`` of its
    own hides while the frame can show: it appears exactly when the frame is stripped. The
    drawing is also offered as ``image/png`` and the summary as ``text/plain`` (``repr``), for
    front ends that show no HTML; without matplotlib the fallback is the text alone, also
    offered as ``text/markdown``.
    """

    page: str
    """The self-contained HTML page (:func:`spacecoop.pages.graph_page.page_html`)."""
    title: str = "spacecoop"
    height: int = 600
    summary: str = ""
    """One line: the graph's size and, per bloc, its members (``text/plain``)."""
    outline: str = ""
    """Markdown: the summary, then each bloc and its members (or each kind of node)."""
    png: bytes | None = None
    """A static drawing (:func:`plot_network`), or None when matplotlib is not installed."""
    bullets: tuple[tuple[str, str], ...] = ()
    """The outline's items as plain text: (bloc or kind, the rest of the line)."""

    def to_html(self) -> str:
        """Return an ``<iframe>`` whose ``srcdoc`` is the page, escaped.

        ``sandbox="allow-scripts"`` lets the page's own scripts run but gives it an opaque
        origin, so it can reach neither the notebook nor the network (the page's
        Content-Security-Policy forbids any fetch as well).
        """
        return (
            f'<iframe title="{html.escape(self.title, quote=True)}" sandbox="allow-scripts" '
            f'style="width:100%;height:{int(self.height)}px;border:1px solid #ccc" '
            f'srcdoc="{html.escape(self.page, quote=True)}"></iframe>'
        )

    def _static_class(self) -> str:
        import hashlib

        digest = hashlib.sha256((self.page + self.summary).encode("utf-8", "surrogatepass")).hexdigest()
        return f"spacecoop-static-{digest[:16]}"

    def static_html(self) -> str:
        """Return the static fallback as plain markup that survives sanitising: a ``<div>`` with
        the summary, the drawing as a ``data:`` image, and the blocs with their members."""
        import base64

        e = html.escape
        parts = [f'<div class="{self._static_class()}">', f"<p><strong>{e(self.summary)}</strong></p>"]
        if self.png:
            data = base64.b64encode(self.png).decode("ascii")
            parts.append(
                f'<img alt="{e(self.summary, quote=True)}" style="max-width:100%" '
                f'src="data:image/png;base64,{data}">'
            )
        if self.bullets:
            items = "".join(f"<li><strong>{e(name)}</strong>{e(rest)}</li>" for name, rest in self.bullets)
            parts.append(f"<ul>{items}</ul>")
        parts.append("</div>")
        return "".join(parts)

    def _repr_html_(self) -> str:
        # The <style> hides the fallback where the frame shows; a sanitiser drops both the
        # <style> and the <iframe>, and the fallback is what is left.
        return f"<style>.{self._static_class()}{{display:none}}</style>" + self.to_html() + self.static_html()

    def _repr_png_(self) -> bytes | None:
        return self.png

    def _repr_markdown_(self) -> str | None:
        return None if self.png else self.outline

    def __repr__(self) -> str:
        return self.summary or f"<InlineGraph {self.title!r}>"


def _md_text(text: str) -> str:
    """Escape text for markdown (``\\ * _ [ ] < | ` `` and line breaks)."""
    for ch in "\\*_[]<|`":
        text = text.replace(ch, "\\" + ch)
    return text.replace("\r", " ").replace("\n", " ")


def describe_graph(G, title: str | None = None) -> tuple[str, str]:
    """Return a one-line summary of a graph and a markdown outline of its blocs and members.

    The summary counts the nodes of each kind and the edges; on a view of
    :func:`spacecoop.views.projection.to_networkx` it then names, for each bloc the view lists
    (``G.graph["blocs"]``), the nodes that belong to it (their ``blocs`` attribute). The outline
    is the summary in bold, then one list item per bloc (or, without blocs, per kind of node).

    Examples
    --------
    >>> import networkx as nx
    >>> G = nx.Graph(blocs='[{"id": "b", "label": "Bloc", "short": "B"}]')
    >>> G.add_node("b", label="Bloc", kind="initiative")
    >>> G.add_node("x", label="Xland", kind="country", blocs="b")
    >>> G.add_edge("x", "b")
    >>> summary, outline = describe_graph(G, "demo")
    >>> summary
    'demo: 1 country, 1 initiative, 1 edge; B members (1): Xland'
    >>> print(outline)
    **demo: 1 country, 1 initiative, 1 edge**
    <BLANKLINE>
    - **B** (Bloc), 1 member: Xland
    <BLANKLINE>
    """
    summary, head, bullets = _outline(G, title)
    items = [f"- **{_md_text(name)}**{_md_text(rest)}" for name, rest in bullets]
    return summary, f"**{_md_text(head)}**\n\n" + "\n".join(items) + "\n"


def _outline(G, title: str | None) -> tuple[str, str, list[tuple[str, str]]]:
    """The summary, its first part, and the outline's items as plain (name, rest) text pairs."""
    import json

    kinds: dict[str, int] = {}
    for _, d in G.nodes(data=True):
        kind = str(d.get("kind") or "node").replace("-", " ")
        kinds[kind] = kinds.get(kind, 0) + 1
    counts = ", ".join(plural(n, k) for k, n in sorted(kinds.items(), key=lambda kv: (-kv[1], kv[0])))
    head = f"{title or 'Graph'}: {counts or '0 nodes'}, {plural(G.number_of_edges(), 'edge')}"
    try:
        blocs = json.loads(G.graph.get("blocs") or "[]")
    except (TypeError, ValueError):
        blocs = []
    lines: list[str] = []
    bullets: list[tuple[str, str]] = []
    for bloc in blocs if isinstance(blocs, list) else []:
        if not isinstance(bloc, dict) or not bloc.get("id"):
            continue
        bid = str(bloc["id"])
        members = sorted(
            str(d.get("label") or n)
            for n, d in G.nodes(data=True)
            if bid in str(d.get("blocs") or "").split(";")
        )
        if not members:
            continue
        short = str(bloc.get("short") or bloc.get("label") or bid)
        label = str(bloc.get("label") or short)
        lines.append(f"{short} members ({len(members)}): {join_labels(members)}")
        rest = (f" ({label})" if label != short else "") + f", {plural(len(members), 'member')}: "
        bullets.append((short, rest + ", ".join(members)))
    if not bullets:
        for kind, n in sorted(kinds.items()):
            names = sorted(
                str(d.get("label") or node)
                for node, d in G.nodes(data=True)
                if str(d.get("kind") or "node").replace("-", " ") == kind
            )
            shown = ", ".join(names[:30]) + (f" and {len(names) - 30} more" if len(names) > 30 else "")
            bullets.append((plural(n, kind), f": {shown}"))
    return head + "".join(f"; {line}" for line in lines), head, bullets


def show_graph(
    G,
    title: str = "spacecoop",
    *,
    height: int = 600,
    positions: dict | None = None,
    static: bool = True,
) -> InlineGraph:
    """Return the interactive graph page of ``G``, to display inline in Jupyter, offline.

    The page is :func:`spacecoop.pages.graph_page.page_html` (vis-network inlined, no remote URL), put in
    an ``<iframe srcdoc>`` so its scripts and styles do not mix with the notebook's. ``G`` is not
    changed. A static fallback goes with it (see :class:`InlineGraph`): the summary and outline
    of :func:`describe_graph` and a drawing by :func:`plot_network` (when matplotlib is
    installed), shown where the frame cannot be, as in a notebook opened untrusted.

    Parameters
    ----------
    G : networkx graph
        Usually from :func:`spacecoop.views.projection.to_networkx`.
    title : str
        The page's title and heading.
    height : int
        Height of the frame in pixels.
    positions : dict, optional
        ``{node: (x, y)}``, passed to :func:`spacecoop.pages.graph_page.page_html` and :func:`plot_network`.
    static : bool
        Draw the static picture (False: the fallback is the text alone).

    Raises
    ------
    UsageError
        ``height`` is not a positive number of pixels.

    Examples
    --------
    >>> import networkx as nx
    >>> shown = show_graph(nx.Graph([("a", "b")]), title="demo")
    >>> frame = shown._repr_html_()
    >>> "<iframe" in frame and "srcdoc=" in frame and "https://" not in frame
    True
    >>> repr(shown)
    'demo: 2 nodes, 1 edge'

    See Also
    --------
    spacecoop.pages.graph_page.write_html : the same page as a file.
    """
    from spacecoop.pages.graph_page import page_html

    if isinstance(height, bool) or not isinstance(height, int) or height <= 0:
        raise UsageError(f"height must be a positive number of pixels, not {height!r}")
    summary, outline = describe_graph(G, title)
    bullets = tuple(_outline(G, title)[2])
    png = None
    if static:
        try:
            fig = plot_network(G, positions=positions, title=title, figsize=(10.0, 7.0))
        except ImportError:  # matplotlib is an extra: the text fallback stands alone
            fig = None
        if fig is not None:
            png = figure_png(fig, dpi=72)
    return InlineGraph(
        page_html(G, title=title, positions=positions),
        title=title,
        height=height,
        summary=summary,
        outline=outline,
        png=png,
        bullets=bullets,
    )


# As on the interactive page: the least certain claim behind a link sets its line.
_RED = ("contradicted", "disputed")
_DASHED = ("hedged", "unconfirmed")
_MARKERS = {
    "dot": "o",
    "diamond": "D",
    "square": "s",
    "star": "*",
    "triangle": "^",
    "triangleDown": "v",
    "hexagon": "h",
}


def _edge_kinds(d: Mapping) -> list[str]:
    kinds = [k for k in str(d.get("kinds") or "").split(";") if k]
    return kinds or [str(d.get("relation") or "link")]


def _drawn_certainty(d: Mapping, shown: list[str]) -> str:
    """The least certain of the links of the shown kinds (the edge's own when it lists none)."""
    import json

    from spacecoop.views.projection import least_certain

    try:
        links = json.loads(d.get("links") or "[]")
    except (TypeError, ValueError):
        links = []
    if not isinstance(links, list) or not links:
        return str(d.get("certainty") or "")
    return least_certain(
        str(lk.get("certainty") or "") for lk in links if isinstance(lk, dict) and lk.get("kind") in shown
    )


def plot_network(
    G,
    *,
    hide: Iterable[str] | None = None,
    positions: dict | None = None,
    seed: int = 0,
    labels: bool = True,
    title: str | None = None,
    figsize: tuple[float, float] = (11.0, 8.0),
):
    """Return a matplotlib figure drawing ``G``: colour and marker by kind, edges by relation.

    Drawn on the Agg canvas without pyplot, so it needs no display and leaves matplotlib's global
    state alone. Node colours and markers follow :data:`spacecoop.pages.graph_page.KIND_STYLE`, edge colours
    :data:`spacecoop.pages.graph_page.RELATION_COLOURS`; as on the interactive page, the least certain claim
    behind the kinds of link drawn sets the line: dashed when hedged or unconfirmed, red and dotted
    when contradicted or disputed. Node size grows with the number of links drawn.

    Parameters
    ----------
    G : networkx graph
    hide : iterable of str, optional
        Kinds of link not to draw (an edge is drawn when any of its ``kinds`` is not hidden).
        Default: ``co-membership`` on the countries view (its cliques hide everything else, as on
        the interactive page), nothing otherwise.
    positions : dict, optional
        ``{node: (x, y)}``; default :func:`spacecoop.pages.graph_page.layout_positions` on the drawn edges.
    seed : int
        Seed of the layout.
    labels : bool
        Write node labels.
    title : str, optional
        Default: the view and its counts.

    Returns
    -------
    matplotlib.figure.Figure

    Examples
    --------
    >>> import networkx as nx
    >>> fig = plot_network(nx.Graph([("a", "b"), ("b", "c")]), title="demo")
    >>> fig.axes[0].get_title(), figure_png(fig)[:4]
    ('demo', b'\\x89PNG')

    See Also
    --------
    figure_png, show_graph
    """
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.collections import LineCollection
    from matplotlib.figure import Figure
    from matplotlib.lines import Line2D

    from spacecoop.pages.graph_page import (
        CONTRADICTED_COLOUR,
        KIND_STYLE,
        OTHER_KIND,
        OTHER_RELATION,
        RELATION_COLOURS,
        layout_positions,
    )

    view = str(G.graph.get("view") or "")
    hidden = set(hide) if hide is not None else ({"co-membership"} if view == "countries" else set())
    drawn = []
    for u, v, d in G.edges(data=True):
        if u == v:
            continue
        shown = [k for k in _edge_kinds(d) if k not in hidden]
        if shown:
            drawn.append((u, v, shown[0], _drawn_certainty(d, shown)))
    if positions is None:
        positions = layout_positions(G, seed=seed, edges=[(u, v) for u, v, _, _ in drawn])
    missing = [n for n in G.nodes if n not in positions]
    if missing:
        raise UsageError(f"positions lack {plural(len(missing), 'node')}, e.g. {missing[0]!r}")

    fig = Figure(figsize=figsize, layout="constrained")
    FigureCanvasAgg(fig)
    ax = fig.add_subplot()
    ax.set_axis_off()
    ax.set_title(
        title
        if title is not None
        else f"{view or 'graph'} view: {plural(G.number_of_nodes(), 'node')}, "
        f"{plural(len(drawn), 'link')} drawn"
    )

    styles: dict[tuple[str, str], list] = {}
    for u, v, kind, certainty in drawn:
        if certainty in _RED:
            key = (CONTRADICTED_COLOUR, ":")
        else:
            key = (RELATION_COLOURS.get(kind, OTHER_RELATION), "--" if certainty in _DASHED else "-")
        styles.setdefault(key, []).append([positions[u], positions[v]])
    for (colour, style), segments in sorted(styles.items()):
        ax.add_collection(
            LineCollection(segments, colors=colour, linestyles=style, linewidths=1.0, alpha=0.7, zorder=1)
        )

    degree = dict.fromkeys(G.nodes, 0)
    for u, v, _, _ in drawn:
        degree[u] += 1
        degree[v] += 1
    top = max(degree.values(), default=0) or 1
    by_kind: dict[str, list] = {}
    for n, d in G.nodes(data=True):
        by_kind.setdefault(str(d.get("kind") or "other"), []).append(n)
    handles = []
    for kind, nodes in sorted(by_kind.items()):
        colour, shape, legend = KIND_STYLE.get(kind, OTHER_KIND)
        marker = _MARKERS.get(shape, "o")
        ax.scatter(
            [positions[n][0] for n in nodes],
            [positions[n][1] for n in nodes],
            s=[40 + 360 * math.sqrt(degree[n] / top) for n in nodes],
            c=colour,
            marker=marker,
            edgecolors="white",
            linewidths=0.8,
            zorder=2,
        )
        name = legend if kind in KIND_STYLE else kind
        handles.append(
            Line2D(
                [],
                [],
                linestyle="",
                marker=marker,
                color=colour,
                markersize=8,
                label=f"{name} ({len(nodes)})",
            )
        )
    for kind in sorted({k for _, _, k, _ in drawn}):
        handles.append(Line2D([], [], color=RELATION_COLOURS.get(kind, OTHER_RELATION), label=kind))
    if any(c in _DASHED for *_, c in drawn):
        handles.append(Line2D([], [], color="#555555", linestyle="--", label="hedged or unconfirmed"))
    if any(c in _RED for *_, c in drawn):
        handles.append(
            Line2D([], [], color=CONTRADICTED_COLOUR, linestyle=":", label="contradicted or disputed")
        )
    if labels:
        for n, d in G.nodes(data=True):
            x, y = positions[n]
            ax.annotate(
                str(d.get("label") or n),
                (x, y),
                xytext=(0, 7),
                textcoords="offset points",
                ha="center",
                va="bottom",
                fontsize=7,
                zorder=3,
            )
    if handles:
        ax.legend(handles=handles, loc="upper left", bbox_to_anchor=(1.0, 1.0), fontsize=8, frameon=False)
    ax.autoscale_view()
    ax.margins(0.08)
    return fig


def figure_png(fig, *, dpi: int = 100) -> bytes:
    """Return a matplotlib figure as PNG bytes (rendered on the Agg canvas).

    Examples
    --------
    >>> from matplotlib.figure import Figure
    >>> figure_png(Figure(figsize=(1, 1)))[:8] == b"\\x89PNG\\r\\n\\x1a\\n"
    True
    """
    import io

    from matplotlib.backends.backend_agg import FigureCanvasAgg

    if not isinstance(fig.canvas, FigureCanvasAgg):
        FigureCanvasAgg(fig)
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi)
    return buf.getvalue()


# ------------------------------------------------------------------------------------ files


def output_folder(prefix: str = "spacecoop-") -> Path:
    """Return a folder for the files a notebook writes, never inside the repository.

    ``$SPACECOOP_OUTPUT`` when set (created if needed), else a new temporary folder.

    Raises
    ------
    UsageError
        ``$SPACECOOP_OUTPUT`` names a file, or a folder inside the project's checkout.

    Examples
    --------
    >>> folder = output_folder()
    >>> folder.is_dir()
    True
    """
    import tempfile

    from spacecoop.core.errors import SpacecoopError
    from spacecoop.core.layout import find_root

    env = os.environ.get("SPACECOOP_OUTPUT")
    if not env:
        return Path(tempfile.mkdtemp(prefix=prefix))
    folder = Path(env).expanduser().resolve()
    try:
        root = find_root().resolve()
    except SpacecoopError:  # no checkout around: nothing to protect
        root = None
    if root is not None and (folder == root or root in folder.parents):
        raise UsageError(
            f"SPACECOOP_OUTPUT={env} is inside the project checkout {root}; choose a folder outside it"
        )
    if folder.exists() and not folder.is_dir():
        raise UsageError(f"SPACECOOP_OUTPUT={env} is a file, not a folder")
    folder.mkdir(parents=True, exist_ok=True)
    return folder


__all__ = [
    "InlineGraph",
    "Quotes",
    "Table",
    "cell_text",
    "describe_graph",
    "figure_png",
    "group_rows",
    "join_labels",
    "output_folder",
    "plot_network",
    "plural",
    "select_rows",
    "show_graph",
    "show_quotes",
    "show_table",
]
