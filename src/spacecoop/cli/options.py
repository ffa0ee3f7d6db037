"""The arguments and options several verbs share, each defined once so that their types, defaults
and help cannot drift apart. Each function returns a fresh click decorator."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import click

FILE = click.Path(dir_okay=False, path_type=Path)
"""The type of an argument or option that names a file (a folder is refused)."""

FOLDER = click.Path(file_okay=False, path_type=Path)
"""The type of an option that names a folder (a file is refused)."""

VIEW_CHOICES = ("countries", "actors", "full")
"""The projections of :func:`spacecoop.views.projection.to_networkx` (not imported here: the
command line starts without rdflib)."""


def file_argument(name: str):
    """A required argument naming one file."""
    return click.argument(name, type=FILE)


def out_file_option(help: str, dest: str = "out", **attrs: Any):
    """``--out`` / ``-o``: the file to write."""
    return click.option("--out", "-o", dest, type=FILE, help=help, **attrs)


def out_folder_option(help: str, **attrs: Any):
    """``--out`` / ``-o``: the folder to write into, given to the verb as ``out_dir``."""
    attrs.setdefault("default", None)
    return click.option("--out", "-o", "out_dir", type=FOLDER, help=help, **attrs)


def view_option(help: str):
    """``--view``: which projection of the graph (default ``countries``)."""
    return click.option(
        "--view", type=click.Choice(VIEW_CHOICES), default="countries", show_default=True, help=help
    )


def verbose_option(help: str):
    """``--verbose`` / ``-v``: print more."""
    return click.option("--verbose", "-v", is_flag=True, help=help)


def dry_run_option():
    """``--dry-run``: do everything but write."""
    return click.option("--dry-run", is_flag=True, help="Check, build and validate, but write nothing.")


def setting_option(*decls: str, default: Any, type: Any, help: str):
    """A setting with a default, shown in the help (a limit, a port, a seed)."""
    return click.option(*decls, default=default, show_default=True, type=type, help=help)


def text_option(help: str, **attrs: Any):
    """``--text``: the stored text of a source, which quotes are checked against."""
    return click.option("--text", "text", type=FILE, help=help, **attrs)
