"""Printing summaries and validation reports as Rich tables on the terminal."""

from __future__ import annotations

from spacecoop.checks.validate import ValidationReport
from spacecoop.publish.build import Summary


def _console(stderr: bool = False):
    from rich.console import Console

    return Console(stderr=stderr, highlight=False, soft_wrap=True)


def print_summary(summary: Summary) -> None:
    """Print the counts of a dataset.

    Piped, each table is laid out without Rich's layout engine (:func:`print_rows`): the sources
    table at a million triples (6,876 sources) took Rich about 2 s.
    """
    console = _console()
    console.print(f"{summary.triples} triples ({summary.quads} quads in {summary.graphs} graphs)")
    for title, rows in (
        ("Entities by class", summary.entities),
        ("Relationships by kind", summary.relationships),
        ("Claims by certainty", summary.claims_by_certainty),
    ):
        print_rows(console, title, ["kind", "count"], [[name, str(n)] for name, n in rows], right={1})
    sources = [[iri, label, str(n)] for iri, label, n in summary.sources]
    print_rows(console, "Sources", ["source", "label", "claims"], sources, right={2})


def print_rows(console, title: str, header: list[str], rows: list[list[str]], *, right: set[int]) -> None:
    """Print a titled table of text from the data on ``console`` (a Rich console that soft-wraps).

    Every cell is printed as it is: never read as Rich markup (a label ``[/]`` stopped ``stats``
    with Rich's error; ``[bold]X[/bold]`` printed as a bold ``X``), a control character written
    as an escape (:func:`~spacecoop.core.terminal.printable`). Piped, every row is one line, never
    cut (Rich's width of 80 columns cut the CURIEs of sources with an ellipsis), laid out by
    :func:`~spacecoop.cli.query.plain_table` where it can, else by Rich at the table's natural
    width, as ``spacecoop query`` prints; in a terminal Rich fits the table to it.
    """
    from spacecoop.cli.query import fit_to_pipe, plain_table
    from spacecoop.core.terminal import printable_rows

    rows = printable_rows(rows)
    if not console.is_terminal:
        text = plain_table(header, rows, console, title=title, right=frozenset(right), count_rows=False)
        if text is not None:
            console.file.write(text)
            console.file.flush()
            return
    from rich.table import Table
    from rich.text import Text

    table = Table(title=title, title_justify="left")
    for i, name in enumerate(header):
        table.add_column(name, justify="right" if i in right else "left")
    for row in rows:
        table.add_row(*(Text(c) for c in row))
    fit_to_pipe(console, table)
    console.print(table)


def summarize_skipped(skipped) -> str:
    """Return one line that counts the checks that could not run, by reason.

    Examples
    --------
    >>> skipped = ["quotes of source:a not checked: the source has no sc:localCopy",
    ...            "quotes of source:b not checked: /x/b.txt is not at hand"]
    >>> summarize_skipped(skipped)  # doctest: +ELLIPSIS
    'quotes of 2 sources not checked: 1 quote nothing and have no stored text (sc:localCopy), ...'
    >>> summarize_skipped(["quotes of source:c not checked: 3 claims quote it but it has no stored text: "
    ...                    "the source has no sc:localCopy"])
    'quotes of 1 sources not checked: 1 QUOTED but without a stored text, so never checked (source:c)'
    """
    quoted = [
        s.split(" not checked")[0].removeprefix("quotes of ")
        for s in skipped
        if "quote it but it has no stored text" in s
    ]
    no_copy = sum("has no sc:localCopy" in s and "quote it but" not in s for s in skipped)
    absent = sum("is not at hand" in s for s in skipped)
    other = len(skipped) - len(quoted) - no_copy - absent
    parts = []
    if quoted:
        named = ", ".join(quoted[:3]) + (", …" if len(quoted) > 3 else "")
        parts.append(f"{len(quoted)} QUOTED but without a stored text, so never checked ({named})")
    if no_copy:
        parts.append(f"{no_copy} quote nothing and have no stored text (sc:localCopy)")
    if absent:
        parts.append(f"{absent} stored text{'s' if absent > 1 else ''} not at hand")
    if other:
        parts.append(f"{other} other")
    return f"quotes of {len(skipped)} sources not checked: " + ", ".join(parts)


def print_validation(report: ValidationReport, verbose: bool = False) -> None:
    """Print a validation report: every violation with node, rule and file, then the verdict.

    Plain lines rather than a table, so that long IRIs and paths are never folded and the output
    can be searched in a CI log. Checks that could not run are one summary line, or one line each
    with ``verbose``. What comes from the data (a node, a value, a path) is printed with its
    control characters written out (:func:`~spacecoop.core.terminal.printable`): an escape
    sequence in a literal must not reach the terminal as one.
    """
    import click

    from spacecoop.core.terminal import printable

    def echo(line: str) -> None:
        click.echo(printable(line))

    if verbose:
        for reason in report.skipped:
            echo(f"skipped: {reason}")
    elif report.skipped:
        echo(f"skipped: {summarize_skipped(report.skipped)} (details: spacecoop validate --verbose)")
    if report.conforms:
        echo(f"conforms (checks run: {', '.join(report.checked)})")
        return
    for v in report.violations:
        echo(f"{v.node}")
        echo(f"    rule:    {v.rule}")
        echo(f"    message: {v.message}" + (f" (value: {v.value})" if v.value else ""))
        for f in v.files:
            echo(f"    file:    {f}")
    echo(f"does not conform: {len(report.violations)} violations")
