"""The ``spacecoop extract`` and ``spacecoop review`` verbs (see :mod:`spacecoop.importers.extract`,
:mod:`spacecoop.importers.review`)."""

from __future__ import annotations

from pathlib import Path

import click

from spacecoop.cli.app import GlobalOptions
from spacecoop.cli.options import FILE, file_argument, out_file_option, setting_option, text_option


@click.command("extract")
@file_argument("text")
@out_file_option("The fact sheet to write (CSV; replaced atomically).", required=True)
@click.option("--url", default="", help="The article's URL (source_url of every row).")
@click.option(
    "--publisher",
    default="",
    help="Its publisher (source_publisher). An agency or government "
    "publisher makes rows 'confirmed', a news outlet 'reported'.",
)
@click.option(
    "--date",
    "date",
    default=None,
    help="Its date, YYYY-MM-DD (default: the byline date found in the "
    "page). Dates printed without a year take their year from it.",
)
@click.option(
    "--text-out",
    "text_out",
    type=FILE,
    default=None,
    help="Also write the text the quotes are taken from (for an HTML page: its readable text) here; "
    "give that file to `review` and `add` as --text.",
)
@click.pass_obj
def extract(
    obj: GlobalOptions,
    text: Path,
    out: Path,
    url: str,
    publisher: str,
    date: str | None,
    text_out: Path | None,
) -> int:
    """Propose candidate facts from a stored article (plain text or HTML) as a fact sheet.

    Finds the article body, links names to the graph's entities, reads relation cues, lists,
    hedges and dates, and writes one row per candidate fact with the shortest verbatim quote,
    plus `entity` rows for names the graph does not know. Every row is review=pending: check
    them with `spacecoop review SHEET --text TEXT`, then `spacecoop add SHEET --text TEXT`.
    """
    from spacecoop.importers.extract import extract_file, write_sheet

    result = extract_file(
        text, url=url, publisher=publisher, date=date, root=str(obj.root) if obj.root else None
    )
    write_sheet(list(result.rows), out)
    if text_out is not None:
        from spacecoop.importers.extract import write_text

        write_text(result.article.text, text_out)
    a = result.article
    facts = sum(1 for r in result.rows if r["relation"] != "entity")
    new = len(result.rows) - facts
    when = f"{a.date.isoformat()} ({a.date_source})" if a.date else "not known (give --date)"
    start_line = a.text.count("\n", 0, a.body_start) + 1
    end_line = a.text.count("\n", 0, a.body_end) + 1
    click.echo(
        f"read {text}: body lines {start_line}-{end_line}, {result.sentences} sentences, article date {when}"
    )
    click.echo(f"wrote {out}: {facts} candidate facts and {new} new entities, all review=pending")
    if result.article.converted and text_out is None:
        click.echo(
            "note: the page is HTML; the quotes come from its readable text: write it with --text-out "
            "and give that file to `review` and `add`",
            err=True,
        )
    missing = [
        name for name, value in (("--url", url), ("--publisher", publisher), ("--date", a.date)) if not value
    ]
    if missing:
        click.echo(
            f"note: no {', '.join(missing)} given: fill source_url, source_publisher and source_date in the "
            "sheet (or on the review page) before `spacecoop add`",
            err=True,
        )
    return 0


@click.command("review")
@file_argument("sheet")
@text_option("The stored article the sheet's quotes come from.", required=True)
@setting_option("--port", default=8765, type=int, help="Port on 127.0.0.1 (0: any free port).")
@click.option("--open/--no-open", "open_browser", default=False, help="Open the page in the default browser.")
@click.pass_obj
def review(obj: GlobalOptions, sheet: Path, text: Path, port: int, open_browser: bool) -> int:
    """Review a fact sheet against its article in the browser (offline, on 127.0.0.1).

    The page shows the article with each candidate's quote highlighted, its entities and fields;
    accept, reject or edit each row, search the graph's entities, propose a new one. "Save"
    writes the sheet back (atomically); "Add" saves and runs `spacecoop add SHEET --text TEXT`.
    Ctrl-C stops the server.
    """
    from spacecoop.importers.review import ReviewServer

    server = ReviewServer(sheet, text, port=port, root=obj.root)
    click.echo(f"reviewing {sheet} against {text}: {server.summary()}")
    click.echo(f"open http://127.0.0.1:{server.port}/  (Ctrl-C stops)")
    if open_browser:
        import webbrowser

        webbrowser.open(f"http://127.0.0.1:{server.port}/")
    try:
        server.serve_forever()
    except KeyboardInterrupt:
        pass
    finally:
        server.close()
    return 0
