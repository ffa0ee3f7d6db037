"""The ``spacecoop import-table`` verb (see :mod:`spacecoop.importers.table`)."""

from __future__ import annotations

from pathlib import Path
from typing import NoReturn

import click

from spacecoop.cli.app import GlobalOptions
from spacecoop.cli.options import dry_run_option, file_argument, out_folder_option, text_option


@click.command("import-table")
@file_argument("table")
@out_folder_option("Folder to write into (default: the project's graph/).")
@dry_run_option()
@click.option("--no-validate", is_flag=True, help="Write without validating the result first.")
@click.pass_obj
@click.pass_context
def import_table(
    ctx: click.Context,
    obj: GlobalOptions,
    table: Path,
    out_dir: Path | None,
    dry_run: bool,
    no_validate: bool,
) -> int:
    """Import a table of sourced facts (CSV) as one source graph per source page.

    Rows are grouped by source_url into graph/imported/table-*.trig; entities the project does not
    have yet go into graph/imported/table-entities.ttl. Every bad row is reported as
    FILE:ROW: field: message and nothing is written (exit 2), as is a table with no data rows, a
    field holding a control character (other than tab and line breaks), and a TABLE that is not a
    regular file (a FIFO, /dev/zero) or is over 64 MiB; a result that does not validate is not
    written either (exit 1). Re-running on the same table changes nothing.
    """
    from spacecoop.importers.table import TableError
    from spacecoop.importers.table import import_table as run_import

    try:
        result = run_import(table, out_dir, obj.root, dry_run=dry_run, check=not no_validate)
    except TableError as exc:
        _bad_rows(ctx, exc, table)
    t = result.table
    click.echo(
        f"read {t.rows} rows from {table}: {t.sources} sources, {t.claims} claims, "
        f"{t.relationships} relationships, {t.new_entities} new entities"
    )
    verb = "would write" if result.dry_run else "wrote"
    click.echo(
        f"{verb} {len(result.changed)} changed files to {result.out_dir}/ "
        f"({len(result.unchanged)} unchanged, {len(result.removed)} stale removed"
        f"{'' if not result.dry_run else ' (not done)'})"
    )
    for name in result.changed:
        click.echo(f"  {name}")
    return 0


@click.command("add")
@file_argument("sheet")
@text_option(
    "The source's stored text (../shared/sources/NAME.txt): every quote is checked verbatim "
    "against it. Without it the sheet is compiled: rows give a detail, no quote.",
    default=None,
)
@dry_run_option()
@click.pass_obj
@click.pass_context
def add(ctx: click.Context, obj: GlobalOptions, sheet: Path, text: Path | None, dry_run: bool) -> int:
    """Add one source from a fact sheet (CSV) as graph/sources/NAME.trig.

    One row per fact, names instead of IRIs (see README, "Adding a new source"). Every name is
    resolved as `spacecoop entity find` does, every quote checked against the stored text, and the
    project validated with the new source in place before anything is written. Bad rows are
    reported as FILE:ROW: field: message and nothing is written (exit 2); a result that does not
    validate is not written either (exit 1). Re-running on the same sheet changes nothing.
    """
    from spacecoop.importers.sheet import add_sheet
    from spacecoop.importers.table import TableError

    try:
        result = add_sheet(sheet, obj.root, text_path=text, dry_run=dry_run)
    except TableError as exc:
        _bad_rows(ctx, exc, sheet)
    left = []
    if result.pending:
        left.append(f"{result.pending} pending")
    if result.rejected:
        left.append(f"{result.rejected} rejected")
    click.echo(
        f"read {sheet}: {result.facts} facts, {result.new_entities} new entities, {result.people} people"
        + (f"; left out {' and '.join(left)} row(s) (review)" if left else "")
    )
    if text is not None:
        from spacecoop.core.layout import Layout, find_root

        texts = Layout(find_root() if obj.root is None else obj.root.resolve()).texts_dir
        if text.resolve().parent != texts.resolve():
            click.echo(
                f"note: {text.name} is not in {texts}/: copy it there, or validate cannot check the quotes",
                err=True,
            )
    verb = "would write" if result.dry_run else "wrote"
    if result.changed:
        click.echo(f"{verb} graph/{result.name}")
    else:
        click.echo(f"graph/{result.name} is unchanged")
    return 0


def _bad_rows(ctx: click.Context, exc, path: Path) -> NoReturn:
    """Print each bad row of a table or sheet (FILE:ROW: field: message), then exit 2."""
    for e in exc.errors:
        click.echo(str(e), err=True)
    click.echo(f"{len(exc.errors)} bad row(s) in {path}; nothing was written", err=True)
    ctx.exit(2)
