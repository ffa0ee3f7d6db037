"""The row contracts in pydantic (spacecoop.importers.contract): what a bad value is told, word for
word in ``FILE:ROW: field: message`` form, for the compiled table's rows and a fact sheet's."""

from __future__ import annotations

from typing import Annotated

import pytest
from pydantic import TypeAdapter, ValidationError

from spacecoop.importers.contract import column_errors, control_errors, one_of, precision_of_date
from spacecoop.importers.fact_csv import RowError
from spacecoop.importers.sheet import EntityRow, SheetRow
from spacecoop.importers.table.rows import Row, check_rows

GOOD = {
    "fact_id": "th-ilrs",
    "subject": "Thailand",
    "subject_kind": "country",
    "relation": "member_of",
    "object": "ILRS",
    "object_kind": "initiative",
    "date": "2024-05",
    "date_precision": "month",
    "status": "",
    "certainty": "confirmed",
    "detail": "Thailand joined.",
    "source_url": "https://example.org/a",
    "source_publisher": "Example News",
    "source_date": "2024-05-02",
    "note": "",
}


def problems(model, line: int = 3, **changes: str) -> list[str]:
    return [str(e) for e in model.check(model.unchecked(line, GOOD | changes), "t.csv")]


def test_a_good_row_has_no_problem_and_validates_to_itself():
    assert problems(Row) == []
    assert Row.model_validate({"line": 2, **GOOD}) == Row.unchecked(2, GOOD)


def test_what_is_not_a_row_of_strings_is_refused_by_pydantic_not_a_crash():
    with pytest.raises(ValidationError, match="Field required"):
        Row.model_validate({"line": 2, "fact_id": "x"})
    with pytest.raises(ValidationError, match="Input should be a valid string"):
        Row.model_validate({"line": 2, **GOOD, "date": 2024})
    row = Row.model_validate({"line": 2, **GOOD})
    assert Row.model_validate(row) == row


def test_an_unknown_value_is_told_the_allowed_ones():
    assert problems(Row, certainty="rumoured") == [
        "t.csv:3: certainty: unknown certainty 'rumoured'; expected one of confirmed, reported, "
        "disputed, unconfirmed"
    ]
    Level = Annotated[str, one_of(("national", "organisation"), "level", empty=True)]
    assert TypeAdapter(Level).validate_python("") == ""
    with pytest.raises(ValidationError, match="expected one of national, organisation or empty"):
        TypeAdapter(Level).validate_python("federal")


def test_every_problem_of_a_row_is_told_a_column_check_and_a_rule_on_the_same_column():
    assert problems(
        Row, relation="payload_on", subject_kind="payload", object_kind="mission", status="x"
    ) == [
        "t.csv:3: status: unknown status 'x'; expected one of full_member, signatory, associate, observer, "
        "applicant, partner, founding, leader, joined, engaged, supporter or empty",
        "t.csv:3: status: only membership-like relations take a status; payload_on does not",
    ]


def test_a_rule_says_nothing_about_a_column_it_needs_that_is_bad():
    # the date is no date: its precision is not compared with it
    assert problems(Row, date="2024-13", date_precision="day") == [
        "t.csv:3: date: '2024-13' is not a valid ISO 8601 date (YYYY-MM-DD, YYYY-MM or YYYY)"
    ]
    assert problems(Row, date="2024", date_precision="day") == [
        "t.csv:3: date_precision: 'day' does not match the date '2024' (precision year)"
    ]


def test_braces_in_a_value_are_told_as_given():
    assert problems(Row, relation="{message} of {x}") == [
        "t.csv:3: relation: unknown relation '{message} of {x}'; expected one of signatory_of, "
        "founding_member_of, member_of, signatory_state_of, associate_member_of, observer_of, "
        "partner_of, applied_to_join, agreement_with, payload_on, developed_by, provided_by_country, "
        "headquartered_in, lands_at, launched_on, part_of"
    ]


def test_rows_are_checked_against_each_other():
    rows = [Row.unchecked(2, GOOD), Row.unchecked(3, GOOD | {"source_date": "2024"})]
    assert [str(e) for e in check_rows(rows, "t.csv")] == [
        "t.csv:3: fact_id: 'th-ilrs' repeats the fact_id of row 2",
        "t.csv:3: source_date: '2024' differs from '2024-05-02' given for the same source_url in row 2",
    ]


def test_a_control_character_is_named_with_or_without_its_place():
    cells = [("fact_id", "ok"), ("detail", "bell\x07")]
    at = "holds the control character U+0007 at character 5; only a tab and LF or CRLF line breaks"
    assert str(control_errors(4, cells, "t.csv")[0]).startswith(f"t.csv:4: detail: {at}")
    assert "U+0007; only a tab" in str(control_errors(4, cells, "t.csv", position=False)[0])
    assert control_errors(4, [("detail", "tab\tand\r\nbreak")], "t.csv") == []


def test_a_sheet_fact_row_is_held_to_the_table_rules_and_its_own():
    context = {"roles": ("developer",), "text": None}
    row = SheetRow.unchecked(5, GOOD | {"certainty": "maybe", "level": "federal", "ordinal": "56th"})
    assert sorted(str(e) for e in SheetRow.check(row, "s.csv", context)) == [
        "s.csv:5: certainty: unknown certainty 'maybe'; expected one of confirmed, reported, disputed, "
        "unconfirmed",
        "s.csv:5: level: unknown level 'federal'; expected one of national, sub-national, organisation "
        "or empty",
        "s.csv:5: ordinal: '56th' is not a positive whole number (\"56\" for the 56th signatory)",
    ]
    role = SheetRow.unchecked(5, GOOD | {"role": "developer"})
    assert [str(e) for e in SheetRow.check(role, "s.csv", context)] == [
        "s.csv:5: role: only developed_by takes the role 'developer'; member_of does not"
    ]


def test_an_entity_row_is_held_to_its_own_rules_not_the_tables():
    entity = GOOD | {"fact_id": "Not A Slug", "relation": "entity", "subject": "", "detail": ""}
    row = EntityRow.unchecked(6, entity | {"object_kind": "initiative"})
    assert [str(e) for e in EntityRow.check(row, "s.csv", {})] == [
        "s.csv:6: subject: missing: the canonical name of the new entity",
        "s.csv:6: object_kind: the object of an entity row is its country or region, not 'initiative'",
    ]


def test_one_column_can_be_checked_alone():
    assert column_errors(Annotated[str, one_of(("a",), "value", empty=True)], "review", "b", 7, "s.csv") == [
        RowError(7, "review", "unknown value 'b'; expected one of a or empty", "s.csv")
    ]
    assert precision_of_date("2024-02-29") == "day" and precision_of_date("2023-02-29") is None
