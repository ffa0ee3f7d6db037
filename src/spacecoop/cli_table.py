"""The ``spacecoop import-table`` verb (see :mod:`spacecoop.table`)."""

from __future__ import annotations

from pathlib import Path

import click

from .cli import Context


@click.command("import-table")
@click.argument("table", type=click.Path(dir_okay=False, path_type=Path))
@click.option("--out", "-o", "out_dir", type=click.Path(file_okay=False, path_type=Path), default=None,
              help="Folder to write into (default: the project's graph/).")
@click.option("--dry-run", is_flag=True, help="Check, build and validate, but write nothing.")
@click.option("--no-validate", is_flag=True, help="Write without validating the result first.")
@click.pass_obj
@click.pass_context
def import_table(ctx: click.Context, obj: Context, table: Path, out_dir: Path | None, dry_run: bool,
                 no_validate: bool) -> int:
    """Import a table of sourced facts (CSV) as one source graph per source page.

    Rows are grouped by source_url into graph/sources/table-*.trig; entities the project does not
    have yet go into graph/reference/table-entities.ttl. Every bad row is reported as
    FILE:ROW: field: message and nothing is written (exit 2), as is a table with no data rows, a
    field holding a control character (other than tab and line breaks), and a TABLE that is not a
    regular file (a FIFO, /dev/zero) or is over 64 MiB; a result that does not validate is not
    written either (exit 1). Re-running on the same table changes nothing.
    """
    from .table import TableError
    from .table import import_table as run_import

    try:
        result = run_import(table, out_dir, obj.root, dry_run=dry_run, check=not no_validate)
    except TableError as exc:
        for e in exc.errors:
            click.echo(str(e), err=True)
        click.echo(f"{len(exc.errors)} bad row(s) in {table}; nothing was written", err=True)
        ctx.exit(2)
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
