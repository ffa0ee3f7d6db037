"""``spacecoop query`` and ``spacecoop queries``: ask the graph from the shell.

Both verbs are thin: parsing ``--param`` pairs and printing are here, the work is in
:mod:`spacecoop.sparql.query` (:func:`~spacecoop.sparql.query.get_query`,
:func:`~spacecoop.sparql.query.resolve_params`)
and :mod:`spacecoop.sparql.results` (:func:`~spacecoop.sparql.results.serialize_result`).
"""

from __future__ import annotations

import re
import sys
from pathlib import Path

import click

# Formats written with spacecoop.sparql.results.serialize_result (W3C SPARQL 1.1 Query Results formats,
# or RDF for CONSTRUCT/DESCRIBE); "table" and "md" are for people.
RESULT_FORMATS = ("table", "md", "csv", "tsv", "json", "xml", "turtle", "nt", "jsonld")


def parse_param_options(pairs: tuple[str, ...] | list[str]) -> dict[str, str]:
    """Return ``NAME=VALUE`` strings as a dict, splitting at the first ``=``.

    Raises
    ------
    UsageError
        A pair has no ``=``, an empty or malformed name, or a name given twice.

    Examples
    --------
    >>> parse_param_options(["mission=Chang'e-8", "initiative=a=b"])
    {'mission': "Chang'e-8", 'initiative': 'a=b'}
    """
    import re

    from spacecoop.core.errors import UsageError

    out: dict[str, str] = {}
    for pair in pairs:
        name, sep, value = pair.partition("=")
        name = name.strip()
        if not sep or not re.fullmatch(r"[A-Za-z_][A-Za-z0-9_]*", name):
            raise UsageError(
                f"bad --param {pair!r}: expected NAME=VALUE, e.g. --param mission=mission:change-8"
            )
        if name in out:
            raise UsageError(f"bad --param {pair!r}: parameter {name} given twice")
        out[name] = value
    return out


def _stdin_query():
    """The query text on standard input, as an ad-hoc query (any parameter accepted)."""
    from spacecoop.core.errors import UsageError
    from spacecoop.sparql.query import NamedQuery

    raw = getattr(sys.stdin, "buffer", None)
    try:
        text = raw.read().decode("utf-8") if raw is not None else sys.stdin.read()
    except UnicodeDecodeError as exc:
        raise UsageError(f"the query on standard input is not UTF-8: {exc}") from None
    if not text.strip():
        raise UsageError(
            "no query on standard input (spacecoop query - reads one, e.g. echo 'ASK {}' | spacecoop query -)"
        )
    return NamedQuery(name="-", path=Path("-"), text=text, summary="", columns=(), declared=False)


@click.command()
@click.argument("name", metavar="NAME|FILE.rq|-")
@click.option(
    "--param",
    "-p",
    "params",
    multiple=True,
    metavar="NAME=VALUE",
    help="Bind a parameter of the query to a CURIE (mission:change-8), an IRI or a label (ILRS); repeatable.",
)
@click.option(
    "--format",
    "-f",
    "fmt",
    type=click.Choice(RESULT_FORMATS),
    default="table",
    show_default=True,
    help="table (terminal), md (GitHub markdown), csv/tsv/json/xml (SPARQL 1.1 results), "
    "turtle/nt/jsonld (CONSTRUCT and DESCRIBE).",
)
@click.pass_obj
def query(obj, name: str, params: tuple[str, ...], fmt: str) -> int:
    """Run a named query from queries/ (see `spacecoop queries`), a .rq file, or - for a query
    read from standard input.

    Parameters are bound as RDF terms, never pasted into the query text. Exits 2 on an unknown
    query, a bad or undeclared --param, a label that names no entity or several, or malformed
    SPARQL.
    """
    from spacecoop.core.errors import UsageError
    from spacecoop.sparql.query import bindings_for, check_params, check_syntax, get_query

    values = parse_param_options(params)
    nq = _stdin_query() if name == "-" else get_query(name, obj.root)
    check_params(nq, values)
    if name == "-" or name.endswith(".rq") or Path(name).is_file():
        check_syntax(nq.text)  # a query of the user's: report a malformed one before loading
    store = obj.open_store()
    try:
        bindings = bindings_for(store, nq, values)
        # the compiled store keeps its answers: asked again, the same question is read back
        ask = getattr(store, "query_kept", store.query)
        try:
            result = ask(nq.text_for(store), bindings)
        except UsageError as exc:  # engines' messages may span lines; the CLI promises one
            raise UsageError(" ".join(str(exc).split())) from exc
    finally:
        store.close()
    write_result(result, fmt)
    return 0


def write_result(result, fmt: str) -> None:
    """Write a :class:`~spacecoop.store.QueryResult` to standard output in ``fmt``."""
    from spacecoop.sparql.results import serialize_result

    if fmt == "table":
        print_table(result)
        return
    if fmt == "md":
        click.echo(markdown_table(result), nl=False)
        return
    if fmt in ("turtle", "nt", "jsonld") and result.graph is None:
        from spacecoop.core.errors import UsageError

        raise UsageError(f"format {fmt} is for CONSTRUCT and DESCRIBE results; use csv, tsv, json or xml")
    data = serialize_result(result, fmt)
    sys.stdout.flush()
    out = getattr(sys.stdout, "buffer", None)
    if out is None:  # a text-only stream (some notebook front ends): decode, it is UTF-8
        sys.stdout.write(data.decode("utf-8"))
        return
    out.write(data)
    out.flush()


def _rows_as_text(result) -> tuple[list[str], list[list[str]]]:
    """The header and cells of a table of ``result``, each cell printable on a terminal (an
    escape sequence in a literal written out, :func:`~spacecoop.core.terminal.printable`)."""
    from spacecoop.core.terminal import printable_rows

    if result.kind == "ASK":
        return ["boolean"], [["true" if result.boolean else "false"]]
    text = result.text_rows()  # from the engine's terms where it can: no rdflib term per cell
    if text is not None:
        from spacecoop.sparql.results import plain_rows

        return list(result.vars), printable_rows(plain_rows(text))
    from spacecoop.sparql.results import plain

    return list(result.vars), printable_rows([[plain(t) for t in row] for row in result.rows])


def print_table(result) -> None:
    """Print a result as a Rich table (IRIs as CURIEs); a graph result is printed as Turtle."""
    # The common case of a pipe, laid out without importing Rich's console (40 ms); where it is
    # loaded already (a notebook, a test that sets it up), Rich decides, as it always did.
    piped = result.graph is None and "rich.console" not in sys.modules and _surely_piped()
    if piped:
        header, rows = _rows_as_text(result)
        lines = plain_table(header, rows, _PipedConsole(sys.stdout))
        if lines is not None:
            sys.stdout.write(lines)
            sys.stdout.flush()
            return
    from rich.console import Console
    from rich.table import Table

    console = Console(highlight=False, soft_wrap=False)
    if result.graph is not None:
        from spacecoop.sparql.results import serialize_result

        console.print(serialize_result(result, "turtle").decode("utf-8"), markup=False)
        return
    if not piped:
        header, rows = _rows_as_text(result)
    n = len(rows)
    if not piped and not console.is_terminal:
        lines = plain_table(header, rows, console)
        if lines is not None:
            console.file.write(lines)
            console.file.flush()
            return
    table = Table(caption=f"{n} row{'s' if n != 1 else ''}", caption_justify="left")
    # Wrap at word boundaries, never inside a word: each column is at least as wide as its
    # longest word, up to a fair share of the terminal; a longer word (an IRI, say) is cut with an
    # ellipsis rather than split across lines ("participa|tion").
    share = max(4, (console.width - 3 * len(header) - 1) // max(1, len(header)))
    for i, var in enumerate(header):
        longest = max((len(w) for text in [var, *(row[i] for row in rows)] for w in text.split()), default=1)
        table.add_column(var, overflow="ellipsis", min_width=min(longest, share))
    for row in rows:
        table.add_row(*(_escape_markup(c) for c in row))
    fit_to_pipe(console, table)
    console.print(table)


def fit_to_pipe(console, table) -> None:
    """Piped or captured (no terminal to fit): widen ``console`` to ``table``'s natural width,
    up to 1,000 columns, so that every row gets one line where it can."""
    if console.is_terminal:
        return
    from rich.measure import Measurement

    natural = Measurement.get(console, console.options.update_width(1000), table).maximum
    console.width = max(80, min(natural, 1000))


_PLAIN_CELL = re.compile(r"[\x00-\x1f\x7f]")


def _surely_piped() -> bool:
    """True only where Rich's ``Console().is_terminal`` is surely False for standard output, told
    without importing ``rich.console``: ``TTY_COMPATIBLE=0``, an empty ``FORCE_COLOR``, or a
    stream that is no terminal (and no other setting that Rich reads first). Anything else, a
    terminal, Windows or a stream Rich proxies, is left to Rich.
    """
    import os

    out = sys.stdout
    if out is None or sys.platform == "win32" or hasattr(out, "rich_proxied_file"):
        return False
    tty_compatible = os.environ.get("TTY_COMPATIBLE", "")
    if tty_compatible in ("0", "1"):
        return tty_compatible == "0"
    force_color = os.environ.get("FORCE_COLOR")
    if force_color is not None:
        return force_color == ""
    isatty = getattr(out, "isatty", None)
    try:
        return isatty is None or not isatty()
    except ValueError:
        return True


class _PipedConsole:
    """What :func:`plain_table` reads of a Rich console, for a stream :func:`_surely_piped` found
    piped: its options for ``Box.substitute`` (``legacy_windows`` is False off Windows;
    ``ascii_only`` as Rich derives it from the stream's encoding)."""

    def __init__(self, file) -> None:
        encoding = (getattr(file, "encoding", "utf-8") or "utf-8").lower()
        self.options = self  # Box.substitute reads these two attributes of the options only
        self.legacy_windows = False
        self.ascii_only = not encoding.startswith("utf")


def plain_table(
    header: list[str],
    rows: list[list[str]],
    console,
    *,
    title: str | None = None,
    right: frozenset[int] = frozenset(),
    count_rows: bool = True,
) -> str | None:
    """The piped table :func:`print_table` prints, laid out without Rich's layout engine.

    ``title``: a line above the table, as Rich prints a table's left-justified title on a
    console that soft-wraps (``spacecoop stats``); ``right``: the columns justified right;
    ``count_rows``: the caption below that counts the rows (``17 rows``).

    Piped, every row gets one line, so the layout is only column widths: Rich measures every cell
    through its renderables (about 1 ms a cell: 7 s for 6,700 rows of eight columns), this counts
    cells with :func:`rich.cells.cell_len` and draws Rich's own box. The text is Rich's, character
    for character (``tests/test_cli_query.py`` compares the two); returns None where Rich must do
    the layout: a cell holding a line break or other control character, or a table wider than the
    1,000 columns Rich would wrap at, or no column at all.
    """
    from rich.box import HEAVY_HEAD
    from rich.cells import cell_len

    known: dict[str, int] = {}  # answers repeat their cells (a country on many rows)

    def width_of(c: str) -> int:
        w = known.get(c)
        if w is None:  # ASCII is one terminal cell a character
            w = known[c] = len(c) if c.isascii() else cell_len(c)
        return w

    if not header:  # rows of no columns (`SELECT * {}`): Rich prints an empty line
        return None
    columns = [[row[i] for row in rows] for i in range(len(header))]
    distinct = [{h, *column} for h, column in zip(header, columns, strict=True)]
    if _PLAIN_CELL.search(" ".join([c for cells in distinct for c in cells])):  # one pass in C
        return None
    widths = [max(map(width_of, cells)) for cells in distinct]
    width = sum(widths) + 3 * len(widths) + 1
    if width > 1000:
        return None
    box = HEAVY_HEAD.substitute(console.options)
    padded = [w + 2 for w in widths]

    def cell(i: int, c: str) -> str:
        space = " " * (widths[i] - width_of(c))
        return f" {space}{c} " if i in right else f" {c}{space} "

    # Each distinct cell of a column padded once, the rows joined column by column (answers
    # repeat their cells: 6,700 rows of seven columns hold about 1,500 distinct ones)
    padded_columns = []
    for i, column in enumerate(columns):
        made = {c: cell(i, c) for c in distinct[i]}
        padded_columns.append(map(made.__getitem__, column))
    middles = map(box.mid_vertical.join, zip(*padded_columns, strict=True))
    head = box.head_vertical.join([cell(i, c) for i, c in enumerate(header)])
    out = [] if title is None else [title]
    out += [box.get_top(padded), box.head_left + head + box.head_right]
    out.append(box.get_row(padded, "head", edge=True))
    out.extend([box.mid_left + middle + box.mid_right for middle in middles])
    out.append(box.get_bottom(padded))
    if count_rows:
        n = len(rows)
        caption = f"{n} row{'s' if n != 1 else ''}"
        out.append(caption + " " * max(0, width - cell_len(caption)))
    return "\n".join(out) + "\n"


def _escape_markup(text: str) -> str:
    from rich.markup import escape

    return escape(text)


def markdown_table(result) -> str:
    """Return a result as a GitHub-flavoured markdown table (IRIs as CURIEs, ``|`` escaped).

    Examples
    --------
    >>> from rdflib import Literal, URIRef
    >>> from spacecoop.store import QueryResult
    >>> peru = URIRef("https://w3id.org/spacecoop/id/country/peru")
    >>> r = QueryResult("SELECT", ("x", "n"), ((peru, Literal("a|b")),))
    >>> print(markdown_table(r), end="")
    | x | n |
    |---|---|
    | country:peru | a\\|b |
    """
    if result.graph is not None:
        from spacecoop.sparql.results import serialize_result

        return "```turtle\n" + serialize_result(result, "turtle").decode("utf-8") + "```\n"
    header, rows = _rows_as_text(result)

    def cell(text: str) -> str:
        return text.replace("\\", "\\\\").replace("|", "\\|").replace("\r", " ").replace("\n", " ")

    lines = ["| " + " | ".join(header) + " |", "|" + "|".join("---" for _ in header) + "|"]
    lines += ["| " + " | ".join(cell(c) for c in row) + " |" for row in rows]
    return "\n".join(lines) + "\n"


@click.command()
@click.option("--checks", is_flag=True, help="List the consistency checks of queries/checks/ instead.")
@click.pass_obj
def queries(obj, checks: bool) -> int:
    """List the named queries with their questions and parameters."""
    from rich.console import Console
    from rich.table import Table

    from spacecoop.sparql.query import list_queries

    found = list_queries(obj.root, checks=checks)
    table = Table(
        caption=f"{len(found)} {'checks' if checks else 'queries'}; run one with "
        "`spacecoop query NAME --param NAME=VALUE`",
        caption_justify="left",
    )
    table.add_column("name", no_wrap=True)
    table.add_column("params")
    table.add_column("question", overflow="fold")
    for q in found:
        table.add_row(q.name, ", ".join(q.params), _escape_markup(q.summary))
    Console(highlight=False).print(table)
    return 0
