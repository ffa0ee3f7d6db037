"""``spacecoop init``: make a workspace for one's own sources (see :mod:`spacecoop.core.workspace`)."""

from __future__ import annotations

from pathlib import Path

import click


@click.command("init")
@click.argument("folder", type=click.Path(path_type=Path))
def init(folder: Path) -> int:
    """Make FOLDER a workspace for your own sources, read on top of the data shipped with spacecoop.

    It gets graph/sources, graph/reference, texts, a README that says how to add sources, and the
    marker file spacecoop-workspace.toml. Commands run in FOLDER (or with --root FOLDER, or
    SPACECOOP_ROOT=FOLDER) read the shipped data and then FOLDER's own graph; add, import-table and
    build write into FOLDER, never into the installed package. A folder that is not empty and not
    a workspace is refused; on an existing workspace only what is missing is added. Nothing is
    ever overwritten.
    """
    from spacecoop.core.workspace import init_workspace

    result = init_workspace(folder)
    if result.existed and not result.created:
        click.echo(f"{folder} is already a workspace; nothing to do", err=True)
    elif result.existed:
        click.echo(f"{folder} is already a workspace; added {', '.join(result.created)}", err=True)
    else:
        click.echo(f"made the workspace {folder}: {', '.join(result.created)}", err=True)
        click.echo(
            f"next: see {folder / 'README.md'}; run spacecoop in {folder} or with --root {folder}", err=True
        )
    return 0
