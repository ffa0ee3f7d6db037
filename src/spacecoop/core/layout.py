"""Where the project's files are: the checkout, the data shipped in the package, or a workspace
(``spacecoop init``) read on top of it; which folder a command reads and where it may write."""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from spacecoop.core.errors import SpacecoopError

WORKSPACE_MARKER = "spacecoop-workspace.toml"
"""The file that makes a folder a workspace (written by ``spacecoop init``)."""


DATA_FOLDERS = ("ontology", "graph", "queries")
"""The folders of shipped data: at the top of a checkout, under ``spacecoop/data/`` in a wheel."""


def is_workspace(folder: str | os.PathLike) -> bool:
    """Return whether ``folder`` is a workspace: it holds the marker file ``spacecoop-workspace.toml``."""
    return (Path(folder) / WORKSPACE_MARKER).is_file()


def is_checkout(folder: str | os.PathLike) -> bool:
    """Return whether ``folder`` holds the project's data itself (``ontology/spacecoop.ttl``)."""
    return (Path(folder) / "ontology" / "spacecoop.ttl").is_file()


_SHIPPED: list[Path] = []


def shipped_root() -> Path:
    """Return the folder of the data this package ships: ``ontology/``, ``graph/`` and ``queries/``.

    That is the checkout the package runs from (an editable install), else ``spacecoop/data``
    inside the installed package (a wheel), read through :mod:`importlib.resources`.

    Raises
    ------
    SpacecoopError
        Neither holds ``ontology/spacecoop.ttl``.
    """
    if _SHIPPED:
        return _SHIPPED[0]
    checkout = Path(__file__).resolve().parents[3]
    if is_checkout(checkout) and (checkout / "pyproject.toml").is_file():
        found = checkout
    else:
        from importlib.resources import files

        data = files("spacecoop") / "data"
        if not isinstance(data, Path):  # imported from a zip: give the files a real folder
            import atexit
            import contextlib
            from importlib.resources import as_file

            stack = contextlib.ExitStack()
            atexit.register(stack.close)
            data = stack.enter_context(as_file(data))
        found = Path(data)
        if not is_checkout(found):
            raise SpacecoopError(
                f"the data shipped with spacecoop is missing ({found / 'ontology' / 'spacecoop.ttl'}); "
                "reinstall the package"
            )
    _SHIPPED.append(found)
    return found


def inside_package(folder: str | os.PathLike) -> bool:
    """Return whether ``folder`` is inside the installed package (its shipped data included),
    where nothing is ever written: an upgrade replaces it."""
    pkg = Path(__file__).resolve().parents[1]
    p = Path(folder).resolve()
    return p == pkg or pkg in p.parents


def locate_root(start: str | os.PathLike | None = None) -> Path | None:
    """Return the project root chosen by the user, or None: ``$SPACECOOP_ROOT``, else the nearest
    folder upward from ``start`` (default: the working directory) that is a workspace or a checkout.

    Raises
    ------
    SpacecoopError
        ``$SPACECOOP_ROOT`` names a folder that is neither a workspace nor a checkout.
    """
    env = os.environ.get("SPACECOOP_ROOT")
    if env:
        return check_root(env, "SPACECOOP_ROOT=")
    here = Path(start or Path.cwd()).resolve()
    for c in (here, *here.parents):
        if is_workspace(c) or is_checkout(c):
            return c
    return None


def check_root(root: str | os.PathLike, what: str = "") -> Path:
    """Return ``root`` resolved, if it is a workspace or a checkout.

    Raises
    ------
    SpacecoopError
        It is neither; the message says how to make a workspace there.
    """
    p = Path(root).expanduser().resolve()
    if is_workspace(p) or is_checkout(p):
        return p
    why = "does not exist" if not p.exists() else "is neither a workspace nor a checkout"
    raise SpacecoopError(
        f"{what}{root}: {why} (a workspace holds {WORKSPACE_MARKER}; make one with: spacecoop init {root})"
    )


def find_root(start: str | os.PathLike | None = None) -> Path:
    """Return the project root: ``$SPACECOOP_ROOT``, else the nearest workspace or checkout upward
    from ``start`` (default: the working directory), else the data shipped with the package
    (:func:`shipped_root`).

    A workspace (``spacecoop init``) is read on top of the shipped data; see :class:`Layout`.

    Raises
    ------
    SpacecoopError
        ``$SPACECOOP_ROOT`` is not a workspace or checkout, or the shipped data is missing.
    """
    return locate_root(start) or shipped_root()


def writable_root(root: str | os.PathLike | None = None) -> Path:
    """Return the root that commands which write data (``add``, ``import-table``) write into.

    ``root`` if given (a workspace or checkout), else :func:`locate_root`. The data shipped inside
    the installed package, or the checkout it runs from when no folder was chosen, is never
    written to.

    Raises
    ------
    SpacecoopError
        No workspace or checkout was chosen, or ``root`` is the shipped data of an installed package.
    """
    found = check_root(root) if root is not None else locate_root()
    if found is None or inside_package(found):
        raise SpacecoopError(
            "no workspace here to write into (the data shipped with spacecoop is read-only): "
            "make one with `spacecoop init DIR`, then run from DIR or pass --root DIR"
        )
    return found


def default_output(root: str | os.PathLike | None, name: str) -> Path:
    """Return where a command writes ``name`` when not told: in the workspace when the root is one
    (so outputs stay with its sources, wherever the command runs), else in the working directory."""
    found = find_root() if root is None else Path(root).resolve()
    return found / name if is_workspace(found) else Path(name)


@dataclass(frozen=True)
class Layout:
    """Where the project's data files are, below a root folder.

    A root is a checkout (it holds ``ontology/``, ``graph/``, ``queries/`` itself) or a workspace
    (``spacecoop init``). A workspace is read on top of the shipped data (``base``, see
    :func:`shipped_root`): the ontology, shapes and queries are the shipped ones; the reference
    entities and sources are the shipped ones followed by the workspace's own ``graph/reference``
    and ``graph/sources``. Writes go to ``root`` only.
    """

    root: Path
    base: Path = field(default=None)  # type: ignore[assignment]
    """The folder of ontology, queries and the shipped graph: ``root`` itself unless it is a workspace."""

    def __post_init__(self) -> None:
        object.__setattr__(self, "root", Path(self.root))
        if self.base is None:
            object.__setattr__(self, "base", shipped_root() if self.is_workspace else self.root)

    @property
    def is_workspace(self) -> bool:
        return is_workspace(self.root)

    @property
    def ontology_files(self) -> list[Path]:
        return sorted((self.base / "ontology").glob("*.ttl"), key=_shapes_last)

    @property
    def shapes_file(self) -> Path:
        return self.base / "ontology" / "shapes.ttl"

    def _graph_files(self, pattern: str, *subs: str) -> list[Path]:
        """The shipped files (``base``) of each folder in ``subs``, then the workspace's own."""
        roots = [self.base] if self.base == self.root else [self.base, self.root]
        return [f for r in roots for sub in subs for f in sorted((r / "graph" / sub).glob(pattern))]

    @property
    def reference_files(self) -> list[Path]:
        """Curated entities (``graph/reference``), then those an import wrote (``graph/imported``)."""
        return self._graph_files("*.ttl", "reference", "imported")

    @property
    def source_files(self) -> list[Path]:
        """Sources written by hand or by ``spacecoop add`` (``graph/sources``), then the sources
        ``spacecoop import-table`` generated (``graph/imported``)."""
        return self._graph_files("*.trig", "sources", "imported")

    @property
    def queries_dir(self) -> Path:
        return self.base / "queries"

    @property
    def texts_dir(self) -> Path:
        """Folder of stored source texts: ``$SPACECOOP_SOURCES``, else ``texts/`` in a workspace,
        else ``../shared/sources`` beside a checkout."""
        env = os.environ.get("SPACECOOP_SOURCES")
        if env:
            return Path(env)
        return self.root / "texts" if self.is_workspace else self.root.parent / "shared" / "sources"


def _shapes_last(p: Path) -> tuple[bool, str]:
    return (p.name == "shapes.ttl", p.name)
