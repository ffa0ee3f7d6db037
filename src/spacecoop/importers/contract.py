"""The row contract of fact tables and fact sheets, in pydantic: column types and row rules whose
problems read ``FILE:ROW: field: message``.

A contract is a frozen :class:`RowModel`: one ``str`` field per column, typed with the validators
below (:func:`one_of`, :data:`IsoDate`, :func:`required` …), and the rules that span columns in
its :meth:`RowModel.rules`. Every problem of a row is reported, not only the first: a column's own
check and a rule about the same column both speak.
:func:`row_errors` turns pydantic's :class:`~pydantic.ValidationError` into
:class:`~spacecoop.importers.fact_csv.RowError` s with the messages word for word.

A control character is a property of the file's text, checked before any contract
(:func:`control_errors`): such a row is reported for it alone.

:mod:`spacecoop.importers.fact_csv` (columns, reading CSV) imports none of this, so ``spacecoop
extract`` starts without pydantic.
"""

from __future__ import annotations

import datetime as _dt
import re
from collections.abc import Callable, Iterable, Mapping
from typing import Annotated, Any, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    TypeAdapter,
    ValidationError,
    ValidationInfo,
    model_validator,
)
from pydantic_core import InitErrorDetails, PydanticCustomError

from spacecoop.core.iri import is_http_url
from spacecoop.importers.fact_csv import RowError

Problems = Iterable[tuple[str, str]]
"""What a row rule finds: (column, message) pairs."""

_DATE = re.compile(r"^(\d{4})(?:-(\d{2})(?:-(\d{2}))?)?$")
_FACT_ID = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_ORDINAL = re.compile(r"^[1-9][0-9]*$")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")  # C0 controls and DEL, but tab and line feed

PRECISION_OF_LENGTH = {4: "year", 7: "month", 10: "day"}
"""The precision of an ISO 8601 date by its length (``YYYY``, ``YYYY-MM``, ``YYYY-MM-DD``)."""


def problem(message: str) -> PydanticCustomError:
    """Return the pydantic error that carries ``message`` word for word (no ``{}`` formatting)."""
    return PydanticCustomError("row", "{message}", {"message": message})


def is_fact_id(value: str) -> bool:
    """Whether ``value`` is a slug (lowercase letters, digits, single hyphens), as a fact_id is."""
    return _FACT_ID.match(value) is not None


def is_ordinal(value: str) -> bool:
    """Whether ``value`` is a positive whole number written plainly ("56", not "056" or "56th")."""
    return _ORDINAL.match(value) is not None


def precision_of_date(value: str) -> str | None:
    """Return the precision of an ISO 8601 date (day, month, year), or None if it is not one.

    Examples
    --------
    >>> precision_of_date("2024-02"), precision_of_date("2024-02-30"), precision_of_date("24")
    ('month', None, None)
    """
    m = _DATE.match(value)
    if not m:
        return None
    year, month, day = m.groups()
    try:
        _dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return None
    return PRECISION_OF_LENGTH[len(value)]


# --------------------------------------------------------------------------------------------
# Column types
# --------------------------------------------------------------------------------------------


def _check(test: Callable[[str], bool], message: Callable[[str], str]) -> AfterValidator:
    def validate(value: str) -> str:
        if not test(value):
            raise problem(message(value))
        return value

    return AfterValidator(validate)


def not_one_of(value: str, allowed: Iterable[str], what: str, *, empty: bool = False) -> str:
    """The message for a value that is not among the ``allowed`` ones (listed, in order)."""
    return f"unknown {what} {value!r}; expected one of {', '.join(allowed)}{' or empty' if empty else ''}"


def one_of(values: Iterable[str], what: str, *, empty: bool = False) -> AfterValidator:
    """A column whose value is one of ``values`` (or empty, with ``empty``); the message lists them.

    Examples
    --------
    >>> Certainty = Annotated[str, one_of(("confirmed", "reported"), "certainty")]
    >>> try:
    ...     TypeAdapter(Certainty).validate_python("rumoured")
    ... except ValidationError as exc:
    ...     print(exc.errors()[0]["msg"])
    unknown certainty 'rumoured'; expected one of confirmed, reported
    """
    allowed = tuple(values)
    return _check(
        lambda v: v in allowed or (empty and not v), lambda v: not_one_of(v, allowed, what, empty=empty)
    )


def required(message: str = "missing") -> AfterValidator:
    """A column that may not be empty."""
    return _check(bool, lambda v: message)


FactId = Annotated[
    str, _check(is_fact_id, lambda v: f"{v!r} is not a slug (lowercase letters, digits, hyphens)")
]
"""A ``fact_id``: a slug."""

IsoDate = Annotated[
    str,
    _check(
        lambda v: not v or precision_of_date(v) is not None,
        lambda v: f"{v!r} is not a valid ISO 8601 date (YYYY-MM-DD, YYYY-MM or YYYY)",
    ),
]
"""An ISO 8601 date of any precision (``YYYY-MM-DD``, ``YYYY-MM``, ``YYYY``), or empty."""

SourceUrl = Annotated[
    str,
    required("missing: every fact needs the page it was read from"),
    _check(is_http_url, lambda v: f"{v!r} is not an http(s) URL"),
]
"""The page a fact was read from: an http(s) URL."""

Ordinal = Annotated[
    str,
    _check(
        lambda v: not v or is_ordinal(v),
        lambda v: f'{v!r} is not a positive whole number ("56" for the 56th signatory)',
    ),
]
"""A positive whole number, or empty."""


# --------------------------------------------------------------------------------------------
# Control characters: a property of the text, checked when it is read
# --------------------------------------------------------------------------------------------


def _plain(value: str, info: ValidationInfo) -> str:
    m = _CONTROL.search(value.replace("\r\n", "\n"))
    if m is None:
        return value
    where = f" at character {m.start() + 1}" if (info.context or {}).get("position", True) else ""
    raise problem(
        f"holds the control character U+{ord(m.group()):04X}{where}; only a tab "
        "and LF or CRLF line breaks are allowed"
    )


PlainText = Annotated[str, AfterValidator(_plain)]
"""Text without control characters other than tab and LF/CRLF line breaks (a NUL byte would go
raw into the TriG)."""

_CELLS: TypeAdapter[dict[str, str]] = TypeAdapter(dict[str, PlainText])


def control_errors(
    line: int, cells: Iterable[tuple[str, str]], path: str, *, position: bool = True
) -> list[RowError]:
    """Return an error for each field that is not :data:`PlainText`; ``position`` names the
    character's place."""
    try:
        _CELLS.validate_python(dict(cells), context={"position": position})
    except ValidationError as exc:
        return row_errors(exc, line, path)
    return []


# --------------------------------------------------------------------------------------------
# Rows
# --------------------------------------------------------------------------------------------


class RowModel(BaseModel):
    """A row of a CSV contract: its line in the file (the header is row 1) and its columns.

    ``model_validate`` builds a checked row; :meth:`unchecked` holds a row read but not checked
    yet, for :meth:`check` to report on (a sheet's rows wait for the stored text and the roles).
    """

    model_config = ConfigDict(frozen=True, strict=True, extra="forbid")

    line: int

    @classmethod
    def unchecked(cls, line: int, cells: Mapping[str, str]) -> Self:
        """Return the row read from ``line``, its values not checked yet (:meth:`check`)."""
        return cls.model_construct(None, line=line, **cells)

    @classmethod
    def rules(cls, r: Mapping[str, str], context: Mapping[str, Any]) -> Problems:
        """The rules between the columns of a row (its raw values), as (column, message); a
        contract that adds rules yields its base's (``super().rules``) and its own."""
        return ()

    @model_validator(mode="wrap")
    @classmethod
    def _apply_rules(cls, data: Any, handler: Callable[[Any], Any], info: ValidationInfo) -> Any:
        if isinstance(data, RowModel):
            data = data.model_dump()
        fields = cls.model_fields
        if (
            not isinstance(data, Mapping)
            or any(f.is_required() and n not in data for n, f in fields.items())
            or any(not isinstance(v, str) for n, v in data.items() if n != "line")
        ):
            return handler(data)  # not a row of strings: pydantic says what is missing or wrong
        values = {n: f.default for n, f in fields.items() if not f.is_required()} | dict(data)
        return with_rules(data, handler, cls.rules(values, info.context or {}))

    @classmethod
    def check(cls, row: RowModel, path: str, context: Mapping[str, Any] | None = None) -> list[RowError]:
        """Return the problems of ``row`` (read with :meth:`unchecked`) under this contract, in
        ``context`` (what the rules of a contract need to know beyond the row)."""
        try:
            cls.model_validate(row.model_dump(), context=context)
        except ValidationError as exc:
            return row_errors(exc, row.line, path)
        return []


def _detail(loc: tuple[int | str, ...], message: str, value: object) -> InitErrorDetails:
    return InitErrorDetails(type=problem(message), loc=loc, input=value)


def with_rules(data: Any, handler: Callable[[Any], Any], rules: Problems) -> Any:
    """Validate ``data`` column by column (``handler``), then apply a row's ``rules``; raise
    every problem of both at once.

    The rules read the raw columns, so a rule runs even when another column is bad (and says
    nothing about a column it needs that is bad: it checks what it needs).
    """
    found: list[InitErrorDetails] = []
    try:
        result = handler(data)
    except ValidationError as exc:
        found = [_detail(e["loc"], e["msg"], e["input"]) for e in exc.errors()]
        result = None
    found += [_detail((name,), message, data.get(name)) for name, message in rules]
    if found:
        raise ValidationError.from_exception_data("row", found)
    return result


def row_errors(exc: ValidationError, line: int, path: str) -> list[RowError]:
    """Return the problems of one row as :class:`RowError` s, in ``FILE:ROW: field: message`` form."""
    return [RowError(line, ".".join(str(p) for p in e["loc"]) or "row", e["msg"], path) for e in exc.errors()]


def column_errors(kind: Any, name: str, value: str, line: int, path: str) -> list[RowError]:
    """Return the problems of one column's ``value`` under its type ``kind`` (``Annotated[str, …]``),
    for a check made before the whole row's."""
    try:
        TypeAdapter(kind).validate_python(value)
    except ValidationError as exc:
        return [RowError(line, name, e["msg"], path) for e in exc.errors()]
    return []
