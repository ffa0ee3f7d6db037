"""Add one source from a fact sheet: ``spacecoop add SHEET.csv [--text STORED_TEXT]``.

A fact sheet is one CSV file per source, one fact per row, in the columns of the compiled table
(:data:`spacecoop.importers.table.COLUMNS`) plus :data:`EXTRA_COLUMNS` (README, "Adding a new source",
describes each; ``spacecoop extract`` writes the same columns). The analyst writes names, never IRIs:
every name is resolved with
:mod:`spacecoop.core.entities` (labels, alternative labels, ISO codes, pycountry names), and every
IRI is minted here with the project's own functions.

``add`` writes ``graph/sources/NAME.trig`` (NAME: the sheet's file name, slugified): in the
default graph the source (URL, publisher, date, stored text) and the entities and people the
sheet introduces; in the source's named graph one block per fact. Facts are built by
:func:`spacecoop.importers.table.statements.row_statement`, the code path ``import-table`` uses:
a compiled table is a fact sheet without quotes.

Every quote is checked verbatim against the stored text, the whole project is validated with the
new file in place, and only then is the file written (atomically). Bad rows are reported as
``FILE:ROW: field: message`` with the allowed values and nothing is written. Re-running on the
same sheet writes the same bytes.

The row contract is pydantic's (:mod:`spacecoop.importers.contract`): a fact row is a
:class:`SheetRow` (the table's :class:`~spacecoop.importers.table.rows.Row` plus
:class:`SheetColumns`), a row with relation ``entity`` an :class:`EntityRow`; both are read as they
stand and checked by :func:`check_sheet` once the stored text and the role scheme are known.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Annotated, Any

from pydantic import AfterValidator, ValidationInfo
from rdflib import RDF, SKOS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS
from rdflib.namespace import ORG as _ORG

from spacecoop.core.errors import SpacecoopError
from spacecoop.core.namespaces import AGREEMENT_KINDS, ID, SC, SCHEMA, concept, curie, entity_iri, slugify
from spacecoop.core.rdfterms import sorted_iris
from spacecoop.importers.contract import (
    IsoDate,
    Ordinal,
    Problems,
    RowModel,
    column_errors,
    control_errors,
    is_ordinal,
    not_one_of,
    one_of,
    precision_of_date,
    problem,
    required,
)
from spacecoop.importers.fact_csv import (
    COLUMNS,
    EXTRA_COLUMNS,  # noqa: F401 - part of this module's contract (see the docstring)
    SHEET_COLUMNS,
    RowError,
    TableError,
    field_count_error,
    read_csv,
)
from spacecoop.importers.table.index import CLASS_OF_KIND, IRI_KIND
from spacecoop.importers.table.publisher import parse_publisher
from spacecoop.importers.table.rows import CERTAINTIES, MEMBERSHIP, ORG_KINDS, Kind, Row, check_rows
from spacecoop.importers.table.statements import (
    Qualifiers,
    Statement,
    agreement_node,
    row_statement,
    source_triples,
)
from spacecoop.importers.table.write import SOURCE_PREFIX, SourceGraph, source_text

LEVELS = ("national", "sub-national", "organisation")
REVIEWS = ("pending", "accepted", "rejected")
PLANNED = ("true", "false")
IMPLIED_ROLES = {
    "signatory": (*MEMBERSHIP, "agreement_with"),
    "contributor": ("provided_by_country",),
}
"""Roles a sheet may name that its relation already says (so nothing more is written for them);
other roles are the concepts of the ontology's role scheme, on developed_by rows."""
SIGNER_COLUMNS = ("signer", "signer_role", "on_behalf_of", "witness")
"""Columns in which rows repeating a fact_id may differ: one row per signer."""

ENTITY_RELATION = "entity"
_SOURCE_DIR = "sources"

# --------------------------------------------------------------------------------------------
# The sheet's row contract: a fact row is a table row plus the sheet's columns; an entity row
# (relation ``entity``) introduces a new entity. Checked in a context (check_sheet): the stored
# text, the role scheme's concepts, the fact_ids that have signers and that are agreements.
# --------------------------------------------------------------------------------------------


def _known_role(value: str, info: ValidationInfo) -> str:
    roles = (info.context or {}).get("roles", ())
    if value and value not in roles and value not in IMPLIED_ROLES:
        raise problem(not_one_of(value, sorted({*roles, *IMPLIED_ROLES}), "role", empty=True))
    return value


Review = Annotated[str, one_of(REVIEWS, "value", empty=True)]
"""A row's ``review``: empty or accepted rows are added, pending and rejected ones left out."""


class SheetColumns(RowModel):
    """The columns a fact sheet adds to the table's (empty when absent), and their rules."""

    quote: str = ""
    level: Annotated[str, one_of(LEVELS, "level", empty=True)] = ""
    role: Annotated[str, AfterValidator(_known_role)] = ""
    agreement_kind: Annotated[str, one_of(AGREEMENT_KINDS, "kind", empty=True)] = ""
    agreement_title: str = ""
    place: str = ""
    programme: str = ""
    signer: str = ""
    signer_role: str = ""
    on_behalf_of: str = ""
    witness: str = ""
    ordinal: Ordinal = ""
    as_of: IsoDate = ""
    date_inferred_from: str = ""
    planned: Annotated[str, one_of(PLANNED, "value", empty=True)] = ""
    parent: str = ""
    established_under: str = ""
    review: Review = ""

    @classmethod
    def rules(cls, r: Mapping[str, str], context: Mapping[str, Any]) -> Problems:
        yield from super().rules(r, context)
        yield from sheet_rules(r, context)


class SheetRow(SheetColumns, Row):
    """One fact of a fact sheet: a table row (:class:`~spacecoop.importers.table.rows.Row`, its
    contract too) plus the sheet's own columns."""


class EntityRow(SheetColumns, Row):
    """A row with relation ``entity``: a new entity, its kind, its country or region
    (``object``), its aliases (``detail``, ``;``-separated). A row of the table's columns, but no
    fact: its own rules take the place of the table's."""

    fact_id: str
    subject: Annotated[str, required("missing: the canonical name of the new entity")]
    subject_kind: Kind
    relation: str
    object: str
    object_kind: str
    date: str
    date_precision: str
    status: str
    certainty: str
    detail: str
    source_url: Annotated[str, required("missing: every fact needs the page it was read from")]
    source_publisher: str
    source_date: str
    note: str

    @classmethod
    def rules(cls, r: Mapping[str, str], context: Mapping[str, Any]) -> Problems:
        yield from sheet_rules(r, context)  # not the table's: an entity row states no fact
        yield from entity_rules(r, context)


def sheet_rules(r: Mapping[str, str], context: Mapping[str, Any]) -> Problems:
    """The rules between the columns of any sheet row (raw values), as (column, message)."""
    relation = r["relation"]
    membership = relation in MEMBERSHIP
    text, text_name = context.get("text"), context.get("text_name", "")
    if text is None and r["quote"]:
        yield "quote", "given, but there is no stored text to check it against (add --text STORED_TEXT)"
    elif text is not None:
        if not r["quote"] and relation != ENTITY_RELATION:
            yield "quote", f"missing: every fact needs the words of {text_name} that state it"
        elif r["quote"]:
            from spacecoop.checks.validate import missing_quote_pieces

            missing = missing_quote_pieces(r["quote"], text)
            if missing:
                yield "quote", f"not verbatim in {text_name}: {missing[0][:70]!r}"
    if r["level"] in LEVELS and not membership:
        yield "level", f"only membership-like relations take a level; {relation} does not"
    role, implied = r["role"], IMPLIED_ROLES.get(r["role"])
    if implied is not None and relation not in implied:
        yield "role", f"role {role!r} goes with the relations {', '.join(implied)}, not {relation}"
    elif role in context.get("roles", ()) and implied is None and relation != "developed_by":
        yield "role", f"only developed_by takes the role {role!r}; {relation} does not"
    if r["agreement_kind"] in AGREEMENT_KINDS and not (membership or relation == "agreement_with"):
        yield (
            "agreement_kind",
            f"only agreement_with and membership-like relations take an agreement_kind; {relation} does not",
        )
    for name in ("agreement_title", "place", "programme"):
        if r[name] and relation != "agreement_with":
            yield name, f"only agreement_with rows take a {name}; {relation} does not"
    if r["fact_id"] in context.get("signed", ()) and not (membership or relation == "agreement_with"):
        yield (
            "signer",
            f"only agreement_with and membership-like rows have signers or witnesses; {relation} does not",
        )
    if is_ordinal(r["ordinal"]) and not membership:
        yield "ordinal", f"only membership-like relations take an ordinal; {relation} does not"
    if r["date_inferred_from"] and not r["date"]:
        yield "date_inferred_from", "given, but the row has no date"
    if relation != ENTITY_RELATION:
        for name in ("parent", "established_under"):
            if r[name]:
                yield name, f"only rows with relation {ENTITY_RELATION} take a {name}"


def entity_rules(r: Mapping[str, str], context: Mapping[str, Any]) -> Problems:
    """The rules between the columns of an entity row (raw values), as (column, message)."""
    if r["object"] and r["object_kind"] not in ("country", "region"):
        yield "object_kind", f"the object of an entity row is its country or region, not {r['object_kind']!r}"
    under = r["established_under"]
    if under and under not in context.get("agreements", ()):
        yield "established_under", f"{under!r} is not the fact_id of an agreement_with row of this sheet"
    if under and not r["quote"]:
        yield "quote", "an organisation established under an agreement needs the words that say so"
    if (r["quote"] or under) and r["certainty"] not in CERTAINTIES:
        yield "certainty", not_one_of(r["certainty"], CERTAINTIES, "certainty")
    if r["parent"] and r["subject_kind"] not in ORG_KINDS:
        yield "parent", f"only organisations have a parent organisation; {r['subject_kind']} does not"


@dataclass(frozen=True)
class Sheet:
    """A fact sheet read and checked: the rows to add and what was left out."""

    path: Path
    rows: tuple[SheetRow, ...]
    entities: tuple[EntityRow, ...]
    signers: dict[str, tuple[tuple[str, str, str], ...]]
    witnesses: dict[str, tuple[str, ...]]
    pending: int = 0
    rejected: int = 0


@dataclass(frozen=True)
class AddResult:
    """What :func:`add_sheet` did (or, with ``dry_run``, would do)."""

    path: Path
    name: str
    data: bytes
    facts: int
    new_entities: int
    people: int
    pending: int
    rejected: int
    changed: bool
    dry_run: bool = False


def _roles(root: Path) -> tuple[str, ...]:
    """The concepts of the role scheme, read from the ontology (the allowed values of ``role``)."""
    from spacecoop.core.layout import Layout

    g = Graph().parse(Layout(root).base / "ontology" / "vocabularies.ttl")
    scheme = URIRef(f"{concept('role', 'x')}"[: -len("/x")])
    return tuple(sorted(str(c).rsplit("/", 1)[1] for c in g.subjects(SKOS.inScheme, scheme)))


def read_sheet(path: str | os.PathLike) -> Sheet:
    """Read a fact sheet and check its shape: columns, review values, repeated fact_ids.

    Rows whose ``review`` is ``pending`` or ``rejected`` are left out (and counted); rows that
    repeat a fact_id must agree in every column but :data:`SIGNER_COLUMNS` and add a signer.

    Raises
    ------
    TableError
        Every problem as ``FILE:ROW: field: message``.
    """
    data = read_csv(path, refuse_nul=True)
    p = data.path
    header = [h.strip() for h in data.header]
    unknown = [h for h in header if h not in SHEET_COLUMNS]
    missing = [c for c in COLUMNS if c not in header]
    twice = sorted({h for h in header if header.count(h) > 1})
    if unknown or missing or twice:
        parts = []
        if unknown:
            parts.append(f"unknown column(s) {', '.join(unknown)}")
        if missing:
            parts.append(f"missing column(s) {', '.join(missing)}")
        if twice:
            parts.append(f"repeated column(s) {', '.join(twice)}")
        raise TableError(
            [RowError(1, "header", "; ".join(parts) + f"; allowed columns: {', '.join(SHEET_COLUMNS)}", p)]
        )
    errors = list(data.errors)
    raw: list[SheetRow | EntityRow] = []
    for line, values in data.rows:
        if not any(v.strip() for v in values):
            continue
        count = field_count_error(line, values, len(header), p)
        if count is not None:
            errors.append(count)
            continue
        cells = {h: v.strip() for h, v in zip(header, values, strict=True)}
        bad = control_errors(line, cells.items(), p, position=False)
        errors += bad
        if bad:
            continue
        if not cells.get("date_precision"):  # a sheet may leave it to the date's own precision
            cells["date_precision"] = precision_of_date(cells.get("date", "")) or (
                "unknown" if not cells.get("date") else ""
            )
        model = EntityRow if cells.get("relation") == ENTITY_RELATION else SheetRow
        raw.append(model.unchecked(line, cells))  # values checked by check_sheet
    if not raw and not errors:
        errors.append(RowError(1, "file", "the sheet has a header but no rows", p))

    pending = rejected = 0
    kept: list[SheetRow | EntityRow] = []
    for r in raw:
        bad = column_errors(Review, "review", r.review, r.line, p)
        errors += bad
        if bad:
            continue
        elif r.review == "pending":
            pending += 1
        elif r.review == "rejected":
            rejected += 1
        else:
            kept.append(r)

    first: dict[str, SheetRow | EntityRow] = {}
    signers: dict[str, list[tuple[str, str, str]]] = {}
    witnesses: dict[str, list[str]] = {}
    rows: list[SheetRow] = []
    entities: list[EntityRow] = []
    same = [c for c in SHEET_COLUMNS if c not in ("review", *SIGNER_COLUMNS)]
    for r in kept:
        if r.fact_id in first:
            f = first[r.fact_id]
            differ = [n for n in same if getattr(r, n) != getattr(f, n)]
            if differ:
                errors.append(
                    RowError(
                        r.line,
                        differ[0],
                        f"repeats the fact_id {r.fact_id!r} of row {f.line} with "
                        f"another {differ[0]}: rows of one fact differ only in {', '.join(SIGNER_COLUMNS)}",
                        p,
                    )
                )
                continue
        else:
            first[r.fact_id] = r
            if isinstance(r, EntityRow):
                entities.append(r)
            else:
                rows.append(r)
        if r.signer:
            signers.setdefault(r.fact_id, []).append((r.signer, r.signer_role, r.on_behalf_of))
        elif r.signer_role or r.on_behalf_of:
            errors.append(RowError(r.line, "signer", "signer_role or on_behalf_of given without a signer", p))
        for w in (x.strip() for x in r.witness.split(";")):
            if w and w not in witnesses.setdefault(r.fact_id, []):
                witnesses[r.fact_id].append(w)
    if errors:
        raise TableError(errors)
    return Sheet(
        Path(path),
        tuple(rows),
        tuple(entities),
        {k: tuple(v) for k, v in signers.items()},
        {k: tuple(v) for k, v in witnesses.items()},
        pending,
        rejected,
    )


def check_sheet(
    sheet: Sheet, text: str | None, roles: tuple[str, ...], text_name: str = ""
) -> list[RowError]:
    """Check the values of a sheet's rows against their contracts (:class:`SheetRow`, the table's
    rules and the sheet's; :class:`EntityRow`), and that the sheet holds one source."""
    p = str(sheet.path)
    context = {
        "text": text,
        "text_name": text_name,
        "roles": roles,
        "signed": {*sheet.signers, *sheet.witnesses},
        "agreements": {r.fact_id for r in sheet.rows if r.relation == "agreement_with"},
    }
    errors = check_rows(sheet.rows, p, context)
    for e in sheet.entities:
        errors += EntityRow.check(e, p, context)
    everything = sorted(sheet.rows + sheet.entities, key=lambda r: r.line)
    for r in everything[1:]:
        if r.source_url != everything[0].source_url:
            errors.append(
                RowError(
                    r.line,
                    "source_url",
                    f"{r.source_url!r} differs from {everything[0].source_url!r} of row "
                    f"{everything[0].line}: one sheet holds one source",
                    p,
                )
            )
    return errors


# --------------------------------------------------------------------------------------------
# Names to IRIs
# --------------------------------------------------------------------------------------------

_FINDER_KIND = {k: "organisation" if v == "org" else v for k, v in IRI_KIND.items()}
"""The kind :class:`spacecoop.core.entities.EntityFinder` looks a table kind up by (classes and IRI
kinds: :mod:`spacecoop.importers.table`)."""


class Resolver:
    """Names to IRIs for one sheet: the project's entities (:class:`spacecoop.core.entities.EntityFinder`)
    and the ones the sheet introduces, whose triples it collects for the source file."""

    def __init__(self, g: Graph, path: str) -> None:
        from spacecoop.core.entities import EntityFinder

        self.g = g
        self.finder = EntityFinder(g)
        self.path = path
        self.errors: list[RowError] = []
        self.new: dict[URIRef, list[tuple]] = {}
        self.people = 0
        self.facts = 0
        self.introduced: dict[str, URIRef] = {}  # normalised name or alias -> new entity

    def error(self, r: RowModel, name: str, message: str) -> None:
        self.errors.append(RowError(r.line, name, message, self.path))

    def introduce(self, r: EntityRow) -> None:
        """Mint the entity of a row with relation ``entity``, unless the graph already knows it."""
        from spacecoop.core.entities import normalise

        names = [r.subject] + [a.strip() for a in r.detail.split(";") if a.strip()]
        for name in names:
            lookup = self.finder.find(name)
            if lookup.found:
                known = ", ".join(f"{m.label} ({m.curie}, {m.kind})" for m in lookup.matches)
                self.error(
                    r,
                    "subject",
                    f"{name!r} is already in the graph: did you mean {known}? "
                    "Use that name in the other rows and drop this entity row",
                )
                return
        try:
            iri = entity_iri(IRI_KIND[r.subject_kind], r.subject)
        except ValueError as exc:
            self.error(r, "subject", str(exc))
            return
        if (iri, None, None) in self.g:
            self.error(r, "subject", f"{curie(str(iri))} already exists under another name; use its name")
            return
        cls = CLASS_OF_KIND[r.subject_kind]
        t: list[tuple] = [(iri, RDF.type, cls), (iri, SKOS.prefLabel, Literal(r.subject, lang="en"))]
        t += [(iri, SKOS.altLabel, Literal(a, lang="en")) for a in names[1:]]
        self.new[iri] = t
        for name in names:
            self.introduced[normalise(name)] = iri
        if cls == SC.Organization:
            t.append((iri, SC.kind, concept("org-kind", ORG_KINDS[r.subject_kind])))
            country = self.resolve(r, r.object, r.object_kind, "object") if r.object else None
            if country is not None:
                t.append((iri, SC.basedIn, country))
            elif r.subject_kind != "international_organization":
                t.append((iri, SC.countryNotStated, Literal(True)))
        elif r.object:
            country = self.resolve(r, r.object, r.object_kind, "object")
            if country is not None:
                t.append((iri, SC.partOf, country))

    def link_parent(self, r: EntityRow) -> None:
        iri = self.introduced.get(_norm(r.subject))
        if iri is not None and r.parent:
            parent = self.resolve(r, r.parent, None, "parent", kinds=["organisation", "initiative"])
            if parent is not None:
                self.new[iri].append((iri, _ORG.subOrganizationOf, parent))

    def resolve(
        self,
        r: Row,
        name: str,
        kind: str | None,
        fieldname: str,
        *,
        kinds: list[str] | None = None,
        mission: str | None = None,
    ) -> URIRef | None:
        """Return the entity ``name`` of table kind ``kind`` (or of finder ``kinds``)."""
        from spacecoop.core.entities import ENTITY_CLASSES

        key = _norm(name)
        if key in self.introduced:
            return self.introduced[key]
        wanted = kinds or ([_FINDER_KIND[kind]] if kind else None)
        if kind == "payload" and mission is not None:
            iri = entity_iri("payload", name, within=mission)
            if (iri, RDF.type, SC.Payload) not in self.g and iri not in self.new:
                self.new[iri] = [(iri, RDF.type, SC.Payload), (iri, SKOS.prefLabel, Literal(name, lang="en"))]
            return iri
        lookup = self.finder.find(name, wanted)
        if lookup.unique is not None:
            return URIRef(lookup.unique.iri)
        if len(lookup.matches) > 1:
            listed = ", ".join(f"{m.curie} ({m.kind})" for m in lookup.matches)
            self.error(
                r, fieldname, f"{name!r} fits {len(lookup.matches)} entities: {listed}; use a fuller name"
            )
            return None
        other = self.finder.find(name)
        if other.found:
            m = other.matches[0]
            self.error(
                r, fieldname, f"{name!r} is {m.curie}, a {m.kind}, not a {kind or ' or '.join(wanted or ())}"
            )
            return None
        if kind == "country" and lookup.pycountry:  # a country pycountry knows: safe to mint
            iri = entity_iri("country", name)
            self.new.setdefault(
                iri, [(iri, RDF.type, SC.Country), (iri, SKOS.prefLabel, Literal(name, lang="en"))]
            )
            self.introduced[key] = iri
            return iri
        kinds_said = kind or "/".join(wanted or ENTITY_CLASSES.values())
        self.error(
            r,
            fieldname,
            f"no {kinds_said} named {name!r} in the graph; {lookup.did_you_mean()} "
            f"(a new entity needs a row with relation {ENTITY_RELATION})",
        )
        return None

    def person(self, name: str) -> URIRef:
        """Return the person named ``name``, minting ``person/SLUG`` if the graph has none."""
        m = self.finder.find(name, ["person"]).unique
        if m is not None:
            return URIRef(m.iri)
        iri = entity_iri("person", name)
        if iri not in self.new:
            self.new[iri] = [(iri, RDF.type, SCHEMA.Person), (iri, SKOS.prefLabel, Literal(name, lang="en"))]
            self.people += 1
        return iri

    def publisher(self, name: str, country: URIRef | None = None, alt: str | None = None) -> URIRef:
        """Return the publisher organisation, minting one (kind publisher) if the graph has none."""
        for n in (name, alt):
            if n:
                m = self.finder.find(n, ["organisation"]).unique
                if m is not None:
                    return URIRef(m.iri)
        iri = entity_iri("org", name)
        if (iri, RDF.type, SC.Organization) in self.g:
            return iri
        if iri not in self.new:
            t = [(iri, RDF.type, SC.Organization), (iri, SKOS.prefLabel, Literal(name, lang="en"))]
            if alt:
                t.append((iri, SKOS.altLabel, Literal(alt, lang="en")))
            t.append((iri, SC.kind, concept("org-kind", "publisher")))
            t.append(
                (iri, SC.basedIn, country)
                if country is not None
                else (iri, SC.countryNotStated, Literal(True))
            )
            self.new[iri] = t
        return iri


def _norm(name: str) -> str:
    from spacecoop.core.entities import normalise

    return normalise(name)


# --------------------------------------------------------------------------------------------
# Building the source file
# --------------------------------------------------------------------------------------------


def sheet_name(path: str | os.PathLike) -> str:
    """Return the name of the source a sheet becomes: its file name without suffix, slugified.

    Examples
    --------
    >>> sheet_name("sheets/SANSA 2025-10-06 ILRS.csv")
    'sansa-2025-10-06-ilrs'
    """
    return slugify(Path(path).stem)


def build_sheet(
    path: str | os.PathLike,
    root: str | os.PathLike | None = None,
    *,
    text_path: str | os.PathLike | None = None,
    loaded=None,
) -> tuple[str, bytes, Sheet, Resolver]:
    """Build the source file of a fact sheet in memory.

    ``loaded``: the project loaded without the sheet's previous file (:func:`spacecoop.core.load.load`
    with ``exclude``); loaded here when not given.

    Returns
    -------
    (name, data, sheet, resolver)
        ``name`` relative to ``graph/`` (``sources/NAME.trig``) and its bytes.

    Raises
    ------
    TableError
        Bad rows (``FILE:ROW: field: message``); nothing is built.
    """
    from spacecoop.core.layout import find_root

    root_path = find_root() if root is None else Path(root).resolve()
    p = str(path)
    name = sheet_name(path)
    if name.startswith(SOURCE_PREFIX):
        raise TableError(
            [
                RowError(
                    1,
                    "file",
                    f"a sheet's name may not start with {SOURCE_PREFIX!r}: "
                    "those files belong to import-table",
                    p,
                )
            ]
        )
    target = root_path / "graph" / _SOURCE_DIR / f"{name}.trig"
    sheet = read_sheet(path)
    text = text_name = None
    if text_path is not None:
        from spacecoop.core.inputs import read_input

        try:
            text = read_input(text_path).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise SpacecoopError(f"{text_path}: cannot read the stored text: {exc}") from exc
        text_name = Path(text_path).name
    errors = check_sheet(sheet, text, _roles(root_path), text_name or "")
    if errors:  # resolve the names of the other rows too, so that every problem is said at once
        bad = {e.row for e in errors}
        sheet = replace(
            sheet,
            rows=tuple(r for r in sheet.rows if r.line not in bad),
            entities=tuple(r for r in sheet.entities if r.line not in bad),
        )

    if loaded is None:
        from spacecoop.core.load import load

        loaded = load(root_path, exclude=[target])
    res = Resolver(loaded.ds, p)
    if not sheet.rows + sheet.entities:
        raise TableError(errors)
    first = (sheet.rows + sheet.entities)[0]
    for other in sorted_iris(res.g.subjects(SCHEMA.url, Literal(first.source_url, datatype=XSD.anyURI))):
        errors.append(
            RowError(
                first.line,
                "source_url",
                f"{first.source_url} is already {curie(str(other))} "
                "in the graph: one page is one source (add the facts to that source's sheet)",
                p,
            )
        )
    for e in sheet.entities:
        res.introduce(e)
    for e in sheet.entities:
        res.link_parent(e)
    missions = {r.subject: r.object for r in sheet.rows if r.relation == "payload_on"}
    src_iri = entity_iri("source", name)
    src = SourceGraph(src_iri, name, first.source_url)
    pub = parse_publisher(first.source_publisher, first.source_url)
    country = res.resolve(first, pub.country, "country", "source_publisher") if pub.country else None
    publisher = res.publisher(pub.name, country, pub.acronym)
    original = res.publisher(pub.original) if pub.original else None
    about = source_triples(src_iri, first, publisher, original, republication=pub.republication)
    compilation = None
    if text_name is not None:
        about.append((src_iri, SC.localCopy, Literal(text_name)))
    else:
        compilation = entity_iri("source", f"{name}-sheet")
        about.append((src_iri, DCTERMS.isReferencedBy, compilation))
        about += [
            (compilation, RDF.type, SC.Compilation),
            (compilation, SKOS.prefLabel, Literal(f"Fact sheet {Path(path).name}", lang="en")),
            (compilation, SCHEMA.name, Literal(Path(path).name)),
        ]

    claim_of = {r.fact_id: ID[f"claim/{name}/{r.fact_id}"] for r in sheet.rows + sheet.entities}
    agreement_of: dict[str, URIRef] = {}
    contradictions: list[tuple[str, URIRef]] = []
    statements: dict[str, Statement] = {}
    facts = 0
    for r in sheet.rows:
        mission = missions.get(r.subject) if r.subject_kind == "payload" else None
        subject = res.resolve(r, r.subject, r.subject_kind, "subject", mission=mission)
        omission = missions.get(r.object) if r.object_kind == "payload" else None
        obj = res.resolve(r, r.object, r.object_kind, "object", mission=omission)
        place = (
            res.resolve(r, r.place, None, "place", kinds=["place", "country", "region"]) if r.place else None
        )
        programme = (
            res.resolve(r, r.programme, None, "programme", kinds=["initiative", "mission", "organisation"])
            if r.programme
            else None
        )
        signings = []
        for who, role, behalf in sheet.signers.get(r.fact_id, ()):
            party = (
                res.resolve(
                    r, behalf, None, "on_behalf_of", kinds=["country", "region", "organisation", "initiative"]
                )
                if behalf
                else None
            )
            signings.append((res.person(who), role, party))
        witnesses = tuple(res.person(w) for w in sheet.witnesses.get(r.fact_id, ()))
        if subject is None or obj is None:
            continue
        q = Qualifiers(
            quote=r.quote,
            role=r.role if r.role not in IMPLIED_ROLES else "",
            signings=tuple(signings),
            witnesses=witnesses,
            place=place,
            programme=programme,
            ordinal=int(r.ordinal) if r.ordinal else None,
            as_of=r.as_of,
            date_inferred_from=r.date_inferred_from,
            planned=r.planned == "true",
        )
        st, _ = row_statement(
            r,
            subject,
            obj,
            claim_of[r.fact_id],
            src_iri,
            claim_of=claim_of,
            url_source={first.source_url: src_iri},
            contradictions=contradictions,
            compilation=compilation,
            qualifiers=q,
        )
        if r.relation == "agreement_with":
            agreement_of[r.fact_id] = agreement_node(r, subject, obj)
        src.statements.append(st)
        statements[r.fact_id] = st
        facts += 1
    for e in sheet.entities:
        iri = res.introduced.get(_norm(e.subject))
        if iri is None or not (e.quote or e.established_under):
            continue
        claim = claim_of[e.fact_id]
        st = Statement(e.fact_id)
        if e.established_under and e.established_under in agreement_of:
            st.triples.append((iri, SC.establishedUnder, agreement_of[e.established_under]))
        st.triples += [
            (claim, RDF.type, SC.Claim),
            (claim, SC.about, iri),
            (claim, SC.factId, Literal(e.fact_id)),
            (claim, SC.certainty, concept("certainty", e.certainty)),
            (claim, SC.quote, Literal(e.quote)),
        ]
        if e.planned == "true":
            st.triples.append((claim, SC.planned, Literal(True)))
        if compilation is not None:
            st.triples.append((claim, SC.compiledIn, compilation))
        st.triples.append((claim, URIRef("http://www.w3.org/ns/prov#wasDerivedFrom"), src_iri))
        src.statements.append(st)
        statements[e.fact_id] = st
        facts += 1
    for ref, claim in contradictions:
        if ref in statements:
            statements[ref].triples.append((claim_of[ref], SC.contradicts, claim))
    if res.errors or errors:
        raise TableError(errors + res.errors)

    entity_triples = [t for iri in sorted(res.new) for t in res.new[iri]]
    src.about = about + entity_triples
    intro = [
        f"# Generated by `spacecoop add {Path(path).name}`: do not edit; edit the sheet and add it again.",
        f"# Source: {first.source_url}",
        (
            f"# Stored text: {text_name}; every sc:quote below is checked verbatim against it."
            if text_name
            else "# No stored text: the claims restate the sheet's details (sc:detail), they quote nothing."
        ),
        "# The default graph also defines the entities and people this source introduces.",
    ]
    data = source_text(src, Path(path).name, intro, sheet=True).encode("utf-8")
    res.facts = facts
    return f"{_SOURCE_DIR}/{name}.trig", data, sheet, res


def add_sheet(
    path: str | os.PathLike,
    root: str | os.PathLike | None = None,
    *,
    text_path: str | os.PathLike | None = None,
    dry_run: bool = False,
) -> AddResult:
    """Add a fact sheet as ``graph/sources/NAME.trig``: build, check quotes, validate, write.

    Parameters
    ----------
    path : path
        The fact sheet (CSV).
    root : path, optional
        The project root.
    text_path : path, optional
        The source's stored text: every quote must appear in it verbatim. Without it, the sheet is
        compiled: rows carry a detail and no quote.
    dry_run : bool
        Build and validate, write nothing.

    Returns
    -------
    AddResult

    Raises
    ------
    TableError
        Bad rows (exit 2): ``FILE:ROW: field: message``, nothing written.
    SpacecoopError
        The project with the new source does not validate (exit 1), or the file cannot be written
        (exit 2); nothing written.
    """
    from spacecoop.checks.validate import CheckRowsAhead
    from spacecoop.core.layout import writable_root
    from spacecoop.core.load import load, merge_source
    from spacecoop.publish.build import write_files

    root_path = writable_root(root)  # a workspace or checkout, never the installed package's data
    target = root_path / "graph" / _SOURCE_DIR / f"{sheet_name(path)}.trig"
    # One load serves both: names are resolved against the project without the sheet's previous
    # file, then the new file is merged in and the whole project validated, before writing. The
    # files' kept copies are read (as validate reads them) and SHACL's kept results used for what
    # the new file does not change (a one-fact sheet at 100k triples: 8.5 -> 3.4 s, medians of five).
    # The check queries: answered by a forked process on Oxigraph's own parse of the files, which
    # it starts at once, and of the new one, handed to it once made, while this one loads the
    # project, makes the new file, merges it and runs SHACL and the checks of text (at 100k
    # triples the check queries had this process copy the whole dataset into Oxigraph after the
    # load). The stamps are taken before any file is read: the rows count only if none moved.
    rows_ahead = CheckRowsAhead.now(root_path)
    rows_ahead.start_before(exclude=[target])
    try:
        loaded = load(root_path, derive=False, exclude=[target], keep_parsed=True)
        name, data, sheet, res = build_sheet(path, root_path, text_path=text_path, loaded=loaded)
        rows_ahead.give([(target, data)])
        merge_source(loaded, target, data)
        report = rows_ahead.validate(loaded)
    finally:
        rows_ahead.cancel()
    report.refuse_unless_conforms(f"{path}: the project with this source")
    out = root_path / "graph"
    target = out / name
    changed = not (target.is_file() and target.read_bytes() == data)
    if changed and not dry_run:
        write_files(out, {name: data})
    return AddResult(
        target,
        name,
        data,
        res.facts,
        len([i for i in res.new if "/person/" not in str(i)]),
        res.people,
        sheet.pending,
        sheet.rejected,
        changed,
        dry_run,
    )


def sheet_problems(
    path: str | os.PathLike,
    root: str | os.PathLike | None = None,
    *,
    text_path: str | os.PathLike | None = None,
) -> tuple[RowError, ...]:
    """Return every bad row of a fact sheet, as ``spacecoop add`` would report them; ``()`` when
    every row can be added (the project-wide validation ``add`` runs next is not included).

    For a review page or an extractor that wants to show, row by row, what ``add`` would refuse.

    Examples
    --------
    >>> sheet = Path(__file__).parents[3] / "tests" / "data" / "sheets" / "sansa-2023-09-08-ilrs.csv"
    >>> [f"{e.row}: {e.field}" for e in sheet_problems(sheet, text_path=sheet.with_suffix(".txt"))]
    ['2: source_url']
    """
    try:
        build_sheet(path, root, text_path=text_path)
    except TableError as exc:
        return exc.errors
    return ()
