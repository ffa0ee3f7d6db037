"""The compiled table's row contract: its columns' allowed values, reading and checking rows.

The contract is :class:`Row`, a pydantic model: each column's type says what it allows
(:mod:`spacecoop.importers.contract`), :func:`table_rules` the rules between columns, and
:func:`check_rows` the rules between rows (a fact_id once; one publisher and date per page). A
bad row is reported as ``FILE:ROW: field: message`` (row numbers as in the file, the header is
row 1), every bad row at once.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from typing import Annotated, Any

from spacecoop.core.iri import is_http_url
from spacecoop.importers.contract import (
    FactId,
    IsoDate,
    Problems,
    RowModel,
    SourceUrl,
    control_errors,
    is_fact_id,
    one_of,
    precision_of_date,
    required,
)
from spacecoop.importers.fact_csv import (
    COLUMNS,
    RowError,
    TableError,
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


Kind = Annotated[str, one_of(KINDS, "kind")]
"""A ``subject_kind`` or ``object_kind``."""


class Row(RowModel):
    """One data row of the table, with the number of the line it starts on: the table's contract.

    Examples
    --------
    >>> good = dict(line=2, fact_id="th-ilrs", subject="Thailand", subject_kind="country",
    ...     relation="member_of", object="ILRS", object_kind="initiative", date="2024",
    ...     date_precision="year", status="", certainty="confirmed", detail="Joined.",
    ...     source_url="https://example.org/a", source_publisher="Example", source_date="", note="")
    >>> Row.model_validate(good).subject
    'Thailand'
    >>> [str(e) for e in Row.check(Row.model_construct(**good | {"date": "2024-13"}), "t.csv")]
    ["t.csv:2: date: '2024-13' is not a valid ISO 8601 date (YYYY-MM-DD, YYYY-MM or YYYY)"]
    """

    fact_id: FactId
    subject: Annotated[str, required()]
    subject_kind: Kind
    relation: Annotated[str, one_of(RELATIONS, "relation")]
    object: Annotated[str, required()]
    object_kind: Kind
    date: IsoDate
    date_precision: Annotated[str, one_of(PRECISIONS, "precision")]
    status: Annotated[str, one_of(STATUSES, "status", empty=True)]
    certainty: Annotated[str, one_of(CERTAINTIES, "certainty")]
    detail: str
    source_url: SourceUrl
    source_publisher: Annotated[str, required("missing: every source needs a publisher")]
    source_date: IsoDate
    note: str

    @classmethod
    def rules(cls, r: Mapping[str, str], context: Mapping[str, Any]) -> Problems:
        yield from super().rules(r, context)
        yield from table_rules(r, context)


def table_rules(r: Mapping[str, str], context: Mapping[str, Any]) -> Problems:
    """The rules of a table row between its columns (raw values), as (column, message)."""
    relation, subject_kind, object_kind = r["relation"], r["subject_kind"], r["object_kind"]
    if relation in RELATIONS:
        subjects, objects = RELATIONS[relation]
        if subject_kind in KINDS and subject_kind not in subjects:
            yield (
                "subject_kind",
                f"{relation} takes a subject of kind {', '.join(subjects)}, not {subject_kind}",
            )
        if object_kind in KINDS and object_kind not in objects:
            kinds = ", ".join(objects)
            yield "object_kind", f"{relation} takes an object of kind {kinds}, not {object_kind}"
        if r["status"] and relation not in MEMBERSHIP:
            yield "status", f"only membership-like relations take a status; {relation} does not"
    date, given = r["date"], r["date_precision"]
    if date:
        precision = precision_of_date(date)
        if precision is not None and given in PRECISIONS and precision != given:
            yield "date_precision", f"{given!r} does not match the date {date!r} (precision {precision})"
    elif given in ("day", "month", "year"):
        yield "date_precision", f"{given!r} given but the date is empty (use 'unknown')"
    if not r["detail"] and not r.get("quote", ""):
        yield "detail", "missing: a table claim has no quote, so it needs the compiler's detail"
    if r["certainty"] == "disputed" and not r["note"]:
        yield "note", "a disputed fact needs a note saying how sources disagree"


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
            cells = dict(zip(COLUMNS, (f.strip() for f in fields), strict=True))
            rows.append(Row.unchecked(line, cells))  # checked below, with the others
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


def check_rows(
    rows: Iterable[Row], path: str = "", context: Mapping[str, Any] | None = None
) -> list[RowError]:
    """Check each row against its contract (:class:`Row`, or the subclass it is, in ``context``)
    and the rows against each other; return the problems found."""
    errors: list[RowError] = []
    seen: dict[str, int] = {}
    by_url: dict[str, Row] = {}

    def err(row: Row, fieldname: str, message: str) -> None:
        errors.append(RowError(row.line, fieldname, message, path))

    for r in rows:
        errors += type(r).check(r, path, context)
        if is_fact_id(r.fact_id):
            if r.fact_id in seen:
                err(r, "fact_id", f"{r.fact_id!r} repeats the fact_id of row {seen[r.fact_id]}")
            else:
                seen[r.fact_id] = r.line
        if is_http_url(r.source_url):
            first = by_url.setdefault(r.source_url, r)
            for name in ("source_publisher", "source_date"):
                if getattr(r, name) != getattr(first, name):
                    err(
                        r,
                        name,
                        f"{getattr(r, name)!r} differs from {getattr(first, name)!r} given for the "
                        f"same source_url in row {first.line}",
                    )
    return errors
