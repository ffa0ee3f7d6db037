"""A workspace of one's own: a folder for an analyst's sources, read on top of the shipped data.

``spacecoop init DIR`` makes it::

    DIR/
      spacecoop-workspace.toml   the marker: commands run in DIR (or given --root DIR) use it
      README.md                  how to add sources
      graph/sources/             your sources (*.trig), written by `spacecoop add` and `import-table`
      graph/reference/           entities of your own (import-table writes table-entities.ttl here)
      texts/                     stored texts of your sources, against which quotes are checked
      .gitignore                 build outputs (dist/) are not sources

Every command reads the ontology, the queries and the curated graph shipped with the package,
then the workspace's own ``graph/``. Commands that write data (``add``, ``import-table``) and
``build``'s default output folder write into the workspace only, never into the installed
package, so upgrading the package keeps a workspace as it is and brings the new curated data.
"""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from spacecoop.core.errors import SpacecoopError
from spacecoop.core.layout import WORKSPACE_MARKER, inside_package, is_checkout, is_workspace

MARKER_TEXT = """\
# This folder is a spacecoop workspace (made by `spacecoop init`). spacecoop commands run in it,
# or given `--root` with it or SPACECOOP_ROOT set to it, read the data shipped with the package
# and then this folder's own graph/reference and graph/sources. Do not delete this file.
format = 1
"""

README_TEXT = """\
# A spacecoop workspace

Your own sources live here, apart from the curated ones shipped with the `spacecoop` package.
Every command run in this folder (or with `spacecoop --root THIS-FOLDER ...`, or with
`SPACECOOP_ROOT` set to it) reads the shipped ontology, queries and graph, and then this
folder's `graph/`. Upgrading the package changes the shipped data, never this folder.

## Adding a source

1. Store the source's text as `texts/NAME.txt` (the article's words, as published): every quote
   is checked verbatim against it.
2. Write a fact sheet, one row per fact, with names instead of IRIs (the columns are described in
   the spacecoop README, "Adding a new source"). `spacecoop extract texts/NAME.txt --url URL
   -o NAME.csv` drafts one from the stored article, and `spacecoop review NAME.csv --text
   texts/NAME.txt` lets you go through it in the browser.
3. Add it:

   ```sh
   spacecoop add NAME.csv --text texts/NAME.txt
   ```

   It is written as `graph/sources/NAME.trig` only when the project with it validates.

A table of facts (CSV) goes in with `spacecoop import-table TABLE.csv`: it writes
`graph/imported/table-*.trig` and `graph/imported/table-entities.ttl`. A TriG file written by
hand may go into `graph/sources/` as well (see the shipped sources for the model); check it with
`spacecoop validate`.

## Using it

```sh
spacecoop validate                   # the shipped data and yours, together
spacecoop query evidence --param entity=NAME
spacecoop build                      # writes dist/ here: the dataset, pages, licence, void.ttl
spacecoop serve
```

Keep this folder under version control if you like: `dist/` and `.dist.spacecoop/` are build
outputs, `.spacecoop/` the compiled store that commands query (see `.gitignore`).
"""

GITIGNORE_TEXT = "dist\n.dist.spacecoop/\n.spacecoop/\n"

FOLDERS = ("graph/sources", "graph/reference", "texts")
FILES = {WORKSPACE_MARKER: MARKER_TEXT, "README.md": README_TEXT, ".gitignore": GITIGNORE_TEXT}


@dataclass(frozen=True)
class InitResult:
    """What :func:`init_workspace` did."""

    root: Path
    created: tuple[str, ...]
    """Files and folders made, relative to ``root`` (empty when the workspace was complete)."""
    existed: bool
    """The folder was already a workspace."""


def init_workspace(folder: str | os.PathLike) -> InitResult:
    """Make ``folder`` a workspace for one's own sources, read on top of the shipped data.

    A new or empty folder gets the marker file, a README, ``graph/sources``, ``graph/reference``
    and ``texts``. On a folder that is already a workspace, only what is missing is added. No file
    is ever overwritten.

    Parameters
    ----------
    folder : path
        The workspace to make.

    Returns
    -------
    InitResult

    Raises
    ------
    SpacecoopError
        ``folder`` is a file, a folder that holds other things and is not a workspace, a checkout,
        or inside the installed package; nothing is written then.

    Examples
    --------
    >>> import tempfile
    >>> r = init_workspace(tempfile.mkdtemp() + "/ws")
    >>> sorted(r.created)[:3]
    ['.gitignore', 'README.md', 'graph/reference']
    >>> init_workspace(r.root).created
    ()
    """
    root = Path(folder).expanduser()
    shown = str(folder)
    if root.exists() and not root.is_dir():
        raise SpacecoopError(
            f"{shown}: is a file, not a folder; init makes a workspace in a new or empty folder"
        )
    if inside_package(root):
        raise SpacecoopError(
            f"{shown}: is inside the installed spacecoop package, which an upgrade replaces; "
            "choose a folder of your own"
        )
    existed = is_workspace(root)
    if root.is_dir() and not existed:
        if is_checkout(root):
            raise SpacecoopError(
                f"{shown}: is a checkout of the project (it holds ontology/spacecoop.ttl); "
                "a workspace keeps your sources apart from it: choose a new or empty folder"
            )
        others = sorted(p.name for p in root.iterdir())
        if others:
            raise SpacecoopError(
                f"{shown}: is not empty ({', '.join(others[:3])}{', ...' if len(others) > 3 else ''}) "
                "and not a workspace; init makes a workspace only in a new or empty folder, "
                "and never overwrites a file"
            )
    created: list[str] = []
    try:
        if not root.is_dir():
            root.mkdir(parents=True)
        for sub in FOLDERS:
            if not (root / sub).is_dir():
                (root / sub).mkdir(parents=True)
                created.append(sub)
        # the marker last, so that a failure before it leaves no half-made workspace behind it
        for name, text in sorted(FILES.items(), key=lambda kv: kv[0] == WORKSPACE_MARKER):
            try:
                with open(root / name, "x", encoding="utf-8", newline="\n") as f:
                    f.write(text)
            except FileExistsError:
                continue
            created.append(name)
    except OSError as exc:
        raise SpacecoopError(f"{shown}: cannot make the workspace: {exc.strerror or exc}") from exc
    return InitResult(root.resolve(), tuple(created), existed)
