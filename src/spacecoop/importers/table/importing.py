"""Importing a table into the project: build, validate with the project, write atomically."""

from __future__ import annotations

import os
import shutil
import tempfile
from dataclasses import dataclass
from pathlib import Path

from spacecoop.core.errors import SpacecoopError
from spacecoop.importers.table.build import TableImport, build_table
from spacecoop.importers.table.write import ENTITIES_FILE, SOURCE_PREFIX


@dataclass(frozen=True)
class ImportResult:
    """What :func:`import_table` did (or, with ``dry_run``, would do)."""

    table: TableImport
    out_dir: Path
    changed: tuple[str, ...]
    unchanged: tuple[str, ...]
    removed: tuple[str, ...]
    dry_run: bool = False


def _stale(out: Path, files: dict[str, bytes]) -> list[str]:
    folder = out / "imported"
    if not folder.is_dir():
        return []
    return sorted(
        f"imported/{p.name}"
        for p in folder.glob(f"{SOURCE_PREFIX}*.trig")
        if f"imported/{p.name}" not in files
    )


def validate_import(files: dict[str, bytes], root: str | os.PathLike | None = None):
    """Validate the project with ``files`` in place of its imported table files.

    The project's ontology, queries and graph are copied into a temporary folder, the previous
    table files left out and ``files`` written in their place; then :func:`spacecoop.checks.validate`
    runs there, exactly as ``spacecoop validate`` would after the import (stored texts looked up
    where the project's own are).

    Returns
    -------
    ValidationReport
    """
    from spacecoop.checks.validate import validate
    from spacecoop.core.inputs import read_input
    from spacecoop.core.layout import WORKSPACE_MARKER, find_root, is_workspace

    root_path = find_root() if root is None else Path(root).resolve()
    with tempfile.TemporaryDirectory(prefix="spacecoop-import-") as tmp:
        t = Path(tmp)

        # copied through read_input, so a FIFO or a device among them is refused, naming the file
        def copy(src, dst):
            return Path(dst).write_bytes(read_input(src))

        if is_workspace(root_path):  # the copy is a workspace too, read over the same shipped data
            (t / WORKSPACE_MARKER).write_bytes(read_input(root_path / WORKSPACE_MARKER))
        else:
            shutil.copytree(root_path / "ontology", t / "ontology", copy_function=copy)
        if (root_path / "queries").is_dir():
            shutil.copytree(root_path / "queries", t / "queries", copy_function=copy)
        shutil.copytree(
            root_path / "graph",
            t / "graph",
            copy_function=copy,
            ignore=lambda d, names: [
                n
                for n in names
                if n == Path(ENTITIES_FILE).name or (n.startswith(SOURCE_PREFIX) and n.endswith(".trig"))
            ],
        )
        for name, data in files.items():
            (t / "graph" / name).parent.mkdir(parents=True, exist_ok=True)
            (t / "graph" / name).write_bytes(data)
        from spacecoop.core.layout import Layout

        report = validate(t, texts_dir=Layout(root_path).texts_dir)

    def fix(s):
        return s.replace(str(t / "graph"), "graph")

    from spacecoop.checks.validate import ValidationReport, Violation

    return ValidationReport(
        tuple(
            Violation(v.node, v.rule, v.message, tuple(fix(f) for f in v.files), v.value)
            for v in report.violations
        ),
        tuple(fix(s) for s in report.skipped),
        report.checked,
    )


def import_table(
    path: str | os.PathLike,
    out_dir: str | os.PathLike | None = None,
    root: str | os.PathLike | None = None,
    *,
    dry_run: bool = False,
    check: bool = True,
) -> ImportResult:
    """Import a table of facts: build every file in memory, validate, then write atomically.

    Parameters
    ----------
    path : path
        The CSV table.
    out_dir : path, optional
        Folder to write into (default: the project's ``graph/``): ``imported/table-*.trig`` and
        ``imported/table-entities.ttl``. Earlier ``imported/table-*.trig`` files that the table no
        longer produces are removed.
    root : path, optional
        Project root: entities are matched against its ``graph/reference``, and the result is
        validated with its ontology, shapes and checks.
    dry_run : bool
        Build and validate, but write nothing.
    check : bool
        Validate before writing (default). Without it the files are written unvalidated.

    Returns
    -------
    ImportResult

    Raises
    ------
    TableError
        Bad rows (exit code 2); nothing is written.
    SpacecoopError
        The result does not validate (exit code 1) or cannot be written; nothing is written.
    """
    from spacecoop.core.layout import find_root, writable_root
    from spacecoop.publish.build import write_files

    root_path = find_root() if root is None else Path(root).resolve()
    out = Path(out_dir) if out_dir is not None else writable_root(root) / "graph"
    table = build_table(path, root_path)
    if check:
        validate_import(table.files, root_path).refuse_unless_conforms("the imported table")
    changed, unchanged = [], []
    for name, data in table.files.items():
        target = out / name
        if target.is_file() and target.read_bytes() == data:
            unchanged.append(name)
        else:
            changed.append(name)
    removed = _stale(out, table.files)
    if not dry_run:
        write_files(out, {n: table.files[n] for n in changed})
        for name in removed:
            try:
                (out / name).unlink()
            except OSError as exc:
                raise SpacecoopError(f"cannot remove {out / name}: {exc}") from exc
    return ImportResult(table, out, tuple(sorted(changed)), tuple(sorted(unchanged)), tuple(removed), dry_run)


def find_table(root: str | os.PathLike | None = None) -> Path:
    """Return the shared table: ``$SPACECOOP_TABLE``, else ``shared/reference/cooperation-facts.csv``
    in the nearest folder upward from the project root.

    Raises
    ------
    SpacecoopError
        No such file.
    """
    from spacecoop.core.layout import find_root

    env = os.environ.get("SPACECOOP_TABLE")
    if env:
        return Path(env)
    start = find_root() if root is None else Path(root).resolve()
    for folder in start.parents:
        candidate = folder / "shared" / "reference" / "cooperation-facts.csv"
        if candidate.is_file():
            return candidate
    raise SpacecoopError(
        "cannot find shared/reference/cooperation-facts.csv above the project root; set SPACECOOP_TABLE"
    )
