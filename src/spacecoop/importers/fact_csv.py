"""The CSV side of fact tables and fact sheets: their columns, reading rows, writing sheets.

``import-table`` (:mod:`spacecoop.importers.table`), ``add`` (:mod:`spacecoop.importers.sheet`),
``extract`` and
``review`` share this contract. Reading gives every data row with the number of the line it starts
on (the header is row 1) and reports a problem as ``FILE:ROW: field: message``. Nothing here
imports rdflib or pydantic, so ``spacecoop extract`` stays quick to start; what a row's values may
be is the row contract's (:mod:`spacecoop.importers.contract`).

See Also
--------
spacecoop.core.atomic.write_atomic : how sheets are written.
"""

from __future__ import annotations

import csv
import io
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from spacecoop.core.errors import SpacecoopError

COLUMNS = (
    "fact_id",
    "subject",
    "subject_kind",
    "relation",
    "object",
    "object_kind",
    "date",
    "date_precision",
    "status",
    "certainty",
    "detail",
    "source_url",
    "source_publisher",
    "source_date",
    "note",
)
"""The compiled table's columns, in order (``../shared/reference/README.md``)."""

EXTRA_COLUMNS = (
    "quote",
    "level",
    "role",
    "agreement_kind",
    "agreement_title",
    "place",
    "programme",
    "signer",
    "signer_role",
    "on_behalf_of",
    "witness",
    "ordinal",
    "as_of",
    "date_inferred_from",
    "planned",
    "parent",
    "established_under",
    "review",
)
"""Columns a fact sheet adds to the compiled table's (README, "Adding a new source")."""

SHEET_COLUMNS = COLUMNS + EXTRA_COLUMNS
"""The fact-sheet columns: the 15 of ``cooperation-facts.csv`` and the sheet's own."""


@dataclass(frozen=True, order=True)
class RowError:
    """One problem in one row of the table."""

    row: int
    field: str
    message: str
    path: str = ""

    def __str__(self) -> str:
        return f"{self.path}:{self.row}: {self.field}: {self.message}"


class TableError(SpacecoopError):
    """The table has bad rows; nothing was written. ``errors`` lists every one of them."""

    def __init__(self, errors: Iterable[RowError]) -> None:
        self.errors = tuple(sorted(errors))
        lines = [str(e) for e in self.errors]
        super().__init__("\n".join(lines) + f"\n{len(lines)} bad row(s); nothing was written", exit_code=2)


@dataclass
class CsvRows:
    """A CSV file as read by :func:`read_csv`."""

    path: str
    header: list[str]
    rows: list[tuple[int, list[str]]]
    """(number of the line the row starts on, its fields), in file order."""
    errors: list[RowError]
    """A row that is not valid CSV (reading stops there)."""


def read_csv(path: str | os.PathLike, *, refuse_nul: bool = False) -> CsvRows:
    """Read a UTF-8 CSV file (RFC 4180, a BOM allowed) into its header and numbered rows.

    The file must be a regular file of at most :data:`spacecoop.core.inputs.MAX_INPUT_BYTES`.

    Raises
    ------
    TableError
        The file is not UTF-8, holds a NUL byte (with ``refuse_nul``), is empty, or its header
        row is not valid CSV.
    SpacecoopError
        The file cannot be read.
    """
    from spacecoop.core.inputs import read_input

    p = str(path)
    raw = read_input(path)  # a regular file of at most MAX_INPUT_BYTES: not a FIFO, not /dev/zero
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise TableError(
            [RowError(1, "file", f"not UTF-8 text ({exc.reason} at byte {exc.start})", p)]
        ) from exc
    if refuse_nul and "\x00" in text:
        raise TableError([RowError(1, "file", "holds a NUL byte: not a text CSV file", p)])
    reader = csv.reader(text.splitlines(keepends=True), strict=True)
    out = CsvRows(p, [], [], [])
    try:
        header = next(reader, None)
        if header is None:
            raise TableError([RowError(1, "header", "the file is empty", p)])
        out.header = header
        start = reader.line_num + 1
        for fields in reader:
            out.rows.append((start, fields))
            start = reader.line_num + 1
    except csv.Error as exc:
        out.errors.append(RowError(reader.line_num or 1, "row", f"not valid CSV: {exc}", p))
        if not out.header:
            raise TableError(out.errors) from None
    return out


def field_count_error(line: int, fields: Sequence[str], expected: int, path: str) -> RowError | None:
    """Return the error of a row that has not ``expected`` fields, or None."""
    if len(fields) == expected:
        return None
    return RowError(line, "row", f"expected {expected} fields, found {len(fields)}", path)


def sheet_text(rows: Iterable[dict], columns: Sequence[str] = SHEET_COLUMNS) -> str:
    """Return the CSV text of a sheet (header and rows, RFC 4180, LF line ends)."""
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(columns), lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: r.get(k, "") for k in columns})
    return buf.getvalue()


def write_sheet(rows: Iterable[dict], out: str | os.PathLike, columns: Sequence[str] = SHEET_COLUMNS) -> Path:
    """Write a sheet atomically (:func:`spacecoop.core.atomic.write_atomic`); return its path."""
    from spacecoop.core.atomic import write_atomic

    return write_atomic(out, sheet_text(rows, columns))
