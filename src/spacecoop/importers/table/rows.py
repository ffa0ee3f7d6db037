"""The compiled table's row contract: its columns' allowed values, reading and checking rows.

A bad row is reported as ``FILE:ROW: field: message`` (row numbers as in the file, the header is
row 1), every bad row at once.
"""

from __future__ import annotations

import datetime as _dt
import os
import re
from collections.abc import Iterable
from dataclasses import dataclass

from spacecoop.core.iri import is_http_url
from spacecoop.importers.fact_csv import (
    COLUMNS,
    RowError,
    TableError,
    control_errors,
    field_count_error,
    read_csv,
)

ORG_KINDS = {
    "space_agency": "space-agency",
    "government_body": "government-body",
    "university": "university",
    "research_institute": "research-institute",
    "company": "company",
    "international_organization": "international-organization",
}
"""Table kinds that are organisations, and their concept in the org-kind scheme."""

KINDS = ("country", "region", "place", "initiative", "mission", "payload", *ORG_KINDS)
"""Allowed values of ``subject_kind`` and ``object_kind``."""

AGENTS = ("country", "region", *ORG_KINDS)
ORGS = tuple(ORG_KINDS)

MEMBERSHIP = {
    # relation: default status
    "signatory_of": "signatory",
    "founding_member_of": "founding-member",
    "member_of": "member",
    "signatory_state_of": "signatory-state",
    "associate_member_of": "associate-member",
    "observer_of": "observer",
    "partner_of": "partner",
    "applied_to_join": "applicant",
}
"""Relations that become a ``sc:Participation``, with the status they imply."""

STATUSES = {
    "full_member": "member",
    "signatory": "signatory",
    "associate": "associate-member",
    "observer": "observer",
    "applicant": "applicant",
    "partner": "partner",
    "founding": "founding-member",
    # not in cooperation-facts.csv, but concepts of the status scheme that articles need (issue 13:
    # the founding article's "China-led", "have also joined" as sub-national groups, "engaged …
    # through their membership in APSCO", "which supports ILRS efforts")
    "leader": "leader",
    "joined": "joined",
    "engaged": "engaged",
    "supporter": "supporter",
}
"""The table's ``status`` values and the status concepts they refine a relation to."""

CERTAINTIES = ("confirmed", "reported", "disputed", "unconfirmed")
PRECISIONS = ("day", "month", "year", "unknown")

# relation: (allowed subject kinds, allowed object kinds)
RELATIONS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    **{r: ((*AGENTS, "initiative"), ("initiative", *ORGS)) for r in MEMBERSHIP},
    "agreement_with": (AGENTS, AGENTS),
    "payload_on": (("payload",), ("mission",)),
    "developed_by": (("payload",), ORGS),
    "provided_by_country": (("payload",), AGENTS),
    "headquartered_in": ((*ORGS, "initiative"), ("place", "country", "region")),
    "lands_at": (("mission",), ("place",)),
    "launched_on": (("mission", *ORGS), ("place",)),
    "part_of": (("place", "region"), ("place", "region", "country")),
}
"""Allowed values of ``relation``, with the subject and object kinds each accepts."""


_FACT_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
PRECISION_OF_LENGTH = {4: "year", 7: "month", 10: "day"}


@dataclass(frozen=True)
class Row:
    """One data row of the table, with the number of the line it starts on."""

    line: int
    fact_id: str
    subject: str
    subject_kind: str
    relation: str
    object: str
    object_kind: str
    date: str
    date_precision: str
    status: str
    certainty: str
    detail: str
    source_url: str
    source_publisher: str
    source_date: str
    note: str


def read_table(path: str | os.PathLike) -> tuple[Row, ...]:
    """Read and check a table of facts; return its rows.

    Parameters
    ----------
    path : path
        A CSV file with the columns of :data:`COLUMNS` (UTF-8, RFC 4180).

    Returns
    -------
    tuple of Row

    Raises
    ------
    TableError
        Listing every bad row as ``FILE:ROW: field: message``.
    SpacecoopError
        The file cannot be read.

    Examples
    --------
    >>> from pathlib import Path
    >>> rows = read_table(Path(__file__).parents[4] / "tests" / "data" / "table" / "good.csv")
    >>> len(rows), rows[0].fact_id, rows[0].subject
    (2, 'ok-one', 'Thailand')
    """
    data = read_csv(path)
    p = data.path
    if tuple(h.strip() for h in data.header) != COLUMNS:
        raise TableError(
            [
                RowError(
                    1, "header", f"expected the columns {','.join(COLUMNS)}; found {','.join(data.header)}", p
                )
            ]
        )
    errors = list(data.errors)
    rows: list[Row] = []
    for line, fields in data.rows:
        count = field_count_error(line, fields, len(COLUMNS), p)
        if count is not None:
            errors.append(count)
            continue
        bad = control_errors(line, zip(COLUMNS, fields, strict=False), p)
        errors += bad
        if not bad:
            rows.append(Row(line, *(f.strip() for f in fields)))
    if not rows and not errors:
        # Importing no rows would remove every source the previous import wrote.
        raise TableError(
            [
                RowError(
                    2,
                    "table",
                    "no data rows after the header: nothing to import "
                    "(an empty import would remove every imported source)",
                    p,
                )
            ]
        )
    errors += check_rows(rows, p)
    if errors:
        raise TableError(errors)
    return tuple(rows)


def precision_of_date(value: str) -> str | None:
    """Return the precision of an ISO 8601 date (day, month, year), or None if it is not one."""
    m = _DATE.match(value)
    if not m:
        return None
    year, month, day = m.groups()
    try:
        _dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return None
    return PRECISION_OF_LENGTH[len(value)]


def check_rows(rows: Iterable[Row], path: str = "") -> list[RowError]:
    """Check the values of each row against the table's contract; return the problems found."""
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    by_url: dict[str, Row] = {}

    def err(row: Row, fieldname: str, message: str) -> None:
        errors.append(RowError(row.line, fieldname, message, path))

    for r in rows:
        if not _FACT_ID.match(r.fact_id):
            err(r, "fact_id", f"{r.fact_id!r} is not a slug (lowercase letters, digits, hyphens)")
        elif r.fact_id in seen:
            err(r, "fact_id", f"{r.fact_id!r} repeats the fact_id of row {seen[r.fact_id]}")
        else:
            seen[r.fact_id] = r.line
        for name in ("subject", "object"):
            if not getattr(r, name):
                err(r, name, "missing")
        for name in ("subject_kind", "object_kind"):
            if getattr(r, name) not in KINDS:
                err(r, name, f"unknown kind {getattr(r, name)!r}; expected one of {', '.join(KINDS)}")
        if r.relation not in RELATIONS:
            err(r, "relation", f"unknown relation {r.relation!r}; expected one of {', '.join(RELATIONS)}")
        else:
            subjects, objects = RELATIONS[r.relation]
            if r.subject_kind in KINDS and r.subject_kind not in subjects:
                err(
                    r,
                    "subject_kind",
                    f"{r.relation} takes a subject of kind {', '.join(subjects)}, not {r.subject_kind}",
                )
            if r.object_kind in KINDS and r.object_kind not in objects:
                err(
                    r,
                    "object_kind",
                    f"{r.relation} takes an object of kind {', '.join(objects)}, not {r.object_kind}",
                )
            if r.status and r.relation not in MEMBERSHIP:
                err(r, "status", f"only membership-like relations take a status; {r.relation} does not")
        if r.status and r.status not in STATUSES:
            err(r, "status", f"unknown status {r.status!r}; expected one of {', '.join(STATUSES)} or empty")
        if r.certainty not in CERTAINTIES:
            err(
                r, "certainty", f"unknown certainty {r.certainty!r}; expected one of {', '.join(CERTAINTIES)}"
            )
        if r.date_precision not in PRECISIONS:
            err(
                r,
                "date_precision",
                f"unknown precision {r.date_precision!r}; expected one of {', '.join(PRECISIONS)}",
            )
        if r.date:
            precision = precision_of_date(r.date)
            if precision is None:
                err(r, "date", f"{r.date!r} is not a valid ISO 8601 date (YYYY-MM-DD, YYYY-MM or YYYY)")
            elif r.date_precision in PRECISIONS and precision != r.date_precision:
                err(
                    r,
                    "date_precision",
                    f"{r.date_precision!r} does not match the date {r.date!r} (precision {precision})",
                )
        elif r.date_precision in ("day", "month", "year"):
            err(r, "date_precision", f"{r.date_precision!r} given but the date is empty (use 'unknown')")
        if r.source_date and precision_of_date(r.source_date) is None:
            err(
                r,
                "source_date",
                f"{r.source_date!r} is not a valid ISO 8601 date (YYYY-MM-DD, YYYY-MM or YYYY)",
            )
        if not r.source_url:
            err(r, "source_url", "missing: every fact needs the page it was read from")
        else:
            if not is_http_url(r.source_url):
                err(r, "source_url", f"{r.source_url!r} is not an http(s) URL")
            elif r.source_url in by_url:
                first = by_url[r.source_url]
                for name in ("source_publisher", "source_date"):
                    if getattr(r, name) != getattr(first, name):
                        err(
                            r,
                            name,
                            f"{getattr(r, name)!r} differs from {getattr(first, name)!r} given for the "
                            f"same source_url in row {first.line}",
                        )
            else:
                by_url[r.source_url] = r
        if not r.source_publisher:
            err(r, "source_publisher", "missing: every source needs a publisher")
        if not r.detail and not getattr(r, "quote", ""):
            err(r, "detail", "missing: a table claim has no quote, so it needs the compiler's detail")
        if r.certainty == "disputed" and not r.note:
            err(r, "note", "a disputed fact needs a note saying how sources disagree")
    return errors
