"""Import a compiled table of sourced facts (``cooperation-facts.csv``) as source graphs.

Each row of the table is one fact as one source states it. The importer turns the table into the
same shape as the hand-curated sources, with the same ontology, IRIs and validation:

* one named graph per source page (rows grouped by ``source_url``), one ``.trig`` file per source
  under ``graph/sources/`` named ``table-<publisher slug>-<8 hex digits of sha256(url)>.trig``; the
  default-graph part of the file describes the page (``sc:Source``, ``schema:WebPage``,
  ``schema:url``, ``schema:publisher``, ``schema:datePublished`` typed by its precision);
* one ``sc:Claim`` per row, in its source's graph, ``sc:about`` a relationship (participation,
  agreement, carriage, development, contribution) or an entity (a mission's launch or landing site,
  an organisation's seat or inauguration), with ``sc:factId`` (the row's ``fact_id``),
  ``sc:compiledIn`` (the table, a ``sc:Compilation``), ``sc:certainty``, ``sc:status``,
  ``sc:level``, ``sc:date`` + ``sc:datePrecision``, ``sc:detail`` (the compiler's words: the table
  has no verbatim quotes, so a table claim carries no ``sc:quote``) and ``sc:note``;
* entities matched to the existing ones by kind and name (``skos:prefLabel`` or ``skos:altLabel``,
  compared as IRI slugs; countries also by their ISO 3166 code from pycountry), new ones minted
  with :func:`spacecoop.core.namespaces.entity_iri` into ``graph/imported/table-entities.ttl``;
* disagreements kept: a ``disputed`` row whose ``note`` names another ``fact_id`` gets
  ``sc:contradicts`` that row's claim; other ``fact_id``\\ s and URLs in a note become
  ``rdfs:seeAlso`` links (to the claim, to the table's source for that URL, or to the URL).

A bad row is reported as ``FILE:ROW: field: message`` (row numbers as in the file, the header is
row 1), every bad row at once, and nothing is written. So is a field that holds a control
character other than tab and line breaks (a NUL byte would go raw into the TriG), and a table with
no data rows (importing nothing would remove every imported source). The table must be a regular
file of at most :data:`spacecoop.core.inputs.MAX_INPUT_BYTES` (64 MiB): a FIFO or ``/dev/zero`` is refused
before anything is read. The output is built in memory, validated
together with the rest of the project, and only then written atomically; re-running gives
byte-identical files.
"""

from __future__ import annotations

import datetime as _dt
import hashlib
import os
import re
import shutil
import tempfile
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from rdflib import RDF, RDFS, SKOS, XSD, Graph, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV

from spacecoop.core import turtle
from spacecoop.core.errors import SpacecoopError
from spacecoop.core.iri import is_http_url, is_iri
from spacecoop.core.namespaces import (
    ID,
    ORG,
    SC,
    SCHEMA,
    agreement_iri,
    agreement_kind,
    concept,
    entity_iri,
    relationship_iri,
    slugify,
)
from spacecoop.core.rdfterms import sorted_iris
from spacecoop.importers.fact_csv import (
    COLUMNS,
    RowError,
    TableError,
    control_errors,
    field_count_error,
    read_csv,
)

if TYPE_CHECKING:  # for the annotation only: EntityIndex._find imports it when first needed
    from spacecoop.core.entities import EntityFinder

ENTITIES_FILE = "imported/table-entities.ttl"
"""Where new entities go, relative to the output folder (``graph/``)."""

SOURCE_PREFIX = "table-"
"""File-name prefix of the source graphs the importer writes into ``sources/``."""

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

_CLASS_OF_KIND = {
    "country": SC.Country,
    "region": SC.Region,
    "place": SC.Place,
    "initiative": SC.Initiative,
    "mission": SC.Mission,
    "payload": SC.Payload,
    **{k: SC.Organization for k in ORG_KINDS},
}
_IRI_KIND = {
    "country": "country",
    "region": "region",
    "place": "place",
    "initiative": "initiative",
    "mission": "mission",
    "payload": "payload",
    **{k: "org" for k in ORG_KINDS},
}

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
_URL_IN_TEXT = re.compile(r"https?://[^\s)\"<>]+")
_PRECISION_OF_LENGTH = {4: "year", 7: "month", 10: "day"}
_DATATYPE = {"year": XSD.gYear, "month": XSD.gYearMonth, "day": XSD.date}


# --------------------------------------------------------------------------------------------
# Reading and checking rows
# --------------------------------------------------------------------------------------------


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
    >>> rows = read_table(Path(__file__).parents[3] / "tests" / "data" / "table" / "good.csv")
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


def _check_date(value: str) -> str | None:
    """Return the precision of an ISO 8601 date (day, month, year), or None if it is not one."""
    m = _DATE.match(value)
    if not m:
        return None
    year, month, day = m.groups()
    try:
        _dt.date(int(year), int(month or 1), int(day or 1))
    except ValueError:
        return None
    return _PRECISION_OF_LENGTH[len(value)]


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
            precision = _check_date(r.date)
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
        if r.source_date and _check_date(r.source_date) is None:
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


# --------------------------------------------------------------------------------------------
# Matching entities
# --------------------------------------------------------------------------------------------


def _key(label: str) -> str:
    try:
        return slugify(label)
    except ValueError:
        return ""


def _alpha2(labels: Iterable[str]) -> str | None:
    import pycountry

    for label in labels:
        try:
            return pycountry.countries.lookup(label).alpha_2
        except LookupError:
            continue
    return None


@dataclass
class _Entity:
    iri: URIRef
    cls: URIRef
    label: str
    kind: str | None = None  # org-kind concept name
    based_in: URIRef | None = None
    alt: tuple[str, ...] = ()


class EntityIndex:
    """Existing entities by class and name, plus the new ones the import mints."""

    def __init__(self, g: Graph) -> None:
        self.g = g
        self.by_name: dict[tuple[URIRef, str], URIRef] = {}
        self.by_alpha2: dict[str, URIRef] = {}
        self.existing: set[URIRef] = set()
        self.new: dict[URIRef, _Entity] = {}
        self.finder: EntityFinder | None = None
        for cls in set(_CLASS_OF_KIND.values()) | {SC.Rover}:
            for node in sorted_iris(g.subjects(RDF.type, cls)):
                self.existing.add(node)
                labels = [str(o) for o in g.objects(node, SKOS.prefLabel)]
                labels += sorted(str(o) for o in g.objects(node, SKOS.altLabel))
                for label in labels:
                    self.by_name.setdefault((cls, self._scoped(node, cls, label)), node)
                if cls == SC.Country:
                    code = _alpha2(labels)
                    if code:
                        self.by_alpha2.setdefault(code, node)

    @staticmethod
    def _scoped(node: URIRef, cls: URIRef, label: str) -> str:
        # Payload names repeat across missions: a payload is found by (mission slug, name).
        if cls == SC.Payload:
            path = str(node)[len(str(ID)) :].split("/")
            return f"{path[1] if len(path) > 2 else ''}/{_key(label)}"
        return _key(label)

    def classes_of(self, name: str) -> list[URIRef]:
        return sorted({cls for (cls, k) in self.by_name if k == _key(name)})

    def resolve(self, name: str, kind: str, *, mission: str | None = None) -> URIRef:
        """Return the IRI of the entity ``name`` of table kind ``kind``, minting it if new.

        Raises
        ------
        ValueError
            The name is a different kind of entity, or a new country that pycountry does not know.
        """
        cls = _CLASS_OF_KIND[kind]
        if cls == SC.Payload:
            if mission is None:  # the callers find a payload's mission first
                raise ValueError(f"payload {name!r} is on no mission: no payload_on row names it")
            key = f"{_key(mission)}/{_key(name)}"
        else:
            key = _key(name)
        found = self.by_name.get((cls, key))
        if found is not None:
            return found
        if cls == SC.Country:
            code = _alpha2([name])
            if code and code in self.by_alpha2:
                return self.by_alpha2[code]
            if code is None:
                raise ValueError(
                    f"{name!r} is not a country pycountry knows; add it to graph/reference with the name "
                    "pycountry uses as a skos:altLabel"
                )
        if cls != SC.Payload:
            other = [c for c in self.classes_of(name) if c != cls]
            if other:
                from spacecoop.core.namespaces import curie

                raise ValueError(f"{name!r} is a {curie(str(other[0]))} in the graph, not a {kind}")
        if cls != SC.Payload:
            found = self._find(name, cls)
            if found is not None:
                return found
        if cls == SC.Region:
            raise ValueError(
                f"{name!r} is not a known region; regions need sc:partOf, add it to graph/reference"
            )
        iri = entity_iri(_IRI_KIND[kind], name, within=mission if cls == SC.Payload else None)
        if iri in self.existing:  # same slug, other spelling: the same entity
            return iri
        entity = _Entity(iri, cls, name)
        if cls == SC.Organization:
            entity.kind = ORG_KINDS[kind]
            entity.based_in = self._bracketed_country(name)
        self.new[iri] = entity
        self.by_name[(cls, key)] = iri
        if cls == SC.Country and code:
            self.by_alpha2[code] = iri
        return iri

    def _find(self, name: str, cls: URIRef) -> URIRef | None:
        """The one existing entity of class ``cls`` that :mod:`spacecoop.core.entities` finds for
        ``name`` (pycountry names, a leading article, ISO codes), before a new one is minted."""
        from spacecoop.core.entities import ENTITY_CLASSES, EntityFinder

        if self.finder is None:
            self.finder = EntityFinder(self.g)
        m = self.finder.find(name, [ENTITY_CLASSES[cls]]).unique
        return URIRef(m.iri) if m is not None else None

    def _bracketed_country(self, name: str) -> URIRef | None:
        """The country in brackets after an organisation's name ("... (Peru)"), if it is one."""
        m = re.search(r"\(([^()]+)\)\s*$", name)
        if not m:
            return None
        try:
            return self.resolve(m.group(1), "country")
        except ValueError:
            return None

    def resolve_org(self, name: str, *, country: URIRef | None = None, alt: str | None = None) -> URIRef:
        """Return the organisation named ``name`` (any kind), minting a publisher if it is new."""
        found = self.by_name.get((SC.Organization, _key(name)))
        if found is None and alt:
            found = self.by_name.get((SC.Organization, _key(alt)))
        if found is not None:
            return found
        iri = entity_iri("org", name)
        if iri in self.existing:
            return iri
        self.new[iri] = _Entity(
            iri, SC.Organization, name, kind="publisher", based_in=country, alt=(alt,) if alt else ()
        )
        self.by_name[(SC.Organization, _key(name))] = iri
        return iri


# --------------------------------------------------------------------------------------------
# Publishers
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Publisher:
    """What a ``source_publisher`` value says: who published the page, whose text it carries."""

    name: str
    original: str | None = None
    republication: bool = False
    acronym: str | None = None
    country: str | None = None


_REPOST = re.compile(r"\b(repost|mirror|snapshot)\b", re.IGNORECASE)
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9&.\-]*[A-Z0-9]$")


def _host(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def parse_publisher(text: str, url: str) -> Publisher:
    """Read a ``source_publisher`` value (see the table's README) against the page's URL.

    * ``A via B`` and ``A (via B)``: B published the page, carrying A's text.
    * ``A (repost on B)``: B published a copy of A's text.
    * ``A (repost)``, ``(mirror)``, ``(snapshot)``: a copy; if A is not the site itself (its name is
      not part of the URL's host), the host published the copy of A's text.
    * ``A (ACRONYM)``: A, also known by the acronym; ``A (Country)``: A, based in that country.
    * Anything else in brackets or after a comma is left in the source's ``sc:detail``.

    Examples
    --------
    >>> parse_publisher("Reuters via Straits Times", "https://www.straitstimes.com/x")
    Publisher(name='Straits Times', original='Reuters', republication=True, acronym=None, country=None)
    >>> parse_publisher("NASA (repost)", "https://helium3.space/x").name
    'helium3.space'
    >>> parse_publisher("Copernical (repost)", "https://copernical.com/x").original is None
    True
    """
    text = " ".join(text.split())
    m = re.match(r"^(.*?) \(via (.+)\)$", text) or re.match(r"^(.*?) via (.+)$", text)
    if m:
        return Publisher(m.group(2).strip(), m.group(1).strip(), True)
    m = re.match(r"^(.*?) \(repost on ([^)]+)\)", text)
    if m:
        return Publisher(m.group(2).strip(), m.group(1).strip(), True)
    m = re.match(r"^(.*?)\s*\(([^)]*)\)", text)
    name = (m.group(1) if m else text.split(",")[0]).strip()
    paren = m.group(2).strip() if m else ""
    if paren and _REPOST.search(paren):
        host = _host(url)
        own = re.sub(r"[^a-z0-9]", "", name.lower())
        if own and own in re.sub(r"[^a-z0-9]", "", host):
            return Publisher(name, None, True)
        return Publisher(host, name, True)
    acronym = paren if paren and _ACRONYM.match(paren) and sum(c.isupper() for c in paren) >= 2 else None
    country = None
    if paren and not acronym and _alpha2([paren]):
        country = paren
    return Publisher(name, None, False, acronym, country)


# --------------------------------------------------------------------------------------------
# Building the graphs
# --------------------------------------------------------------------------------------------


@dataclass
class _Statement:
    """Triples in one source graph, grouped under a comment (the fact_id)."""

    comment: str
    triples: list[tuple[URIRef, URIRef, object]] = field(default_factory=list)


@dataclass
class _Source:
    iri: URIRef
    slug: str
    url: str
    rows: list[Row] = field(default_factory=list)
    about: list[tuple[URIRef, URIRef, object]] = field(default_factory=list)
    statements: list[_Statement] = field(default_factory=list)


@dataclass(frozen=True)
class TableImport:
    """What :func:`build_table` produced, in memory: files relative to the output folder."""

    files: dict[str, bytes]
    rows: int
    sources: int
    claims: int
    relationships: int
    new_entities: int
    compilation: URIRef


def _literal_date(value: str) -> Literal:
    return Literal(value, datatype=_DATATYPE[_PRECISION_OF_LENGTH[len(value)]])


def source_slug(url: str, publisher: str) -> str:
    """Return the name of a source's file and IRI: ``table-<publisher slug>-<sha256(url)[:8]>``.

    Examples
    --------
    >>> source_slug("https://spacenews.com/x", "SpaceNews")
    'table-spacenews-16300b70'
    """
    slug = _key(publisher) or "source"
    if len(slug) > 40:
        slug = slug[:40].rsplit("-", 1)[0]
    digest = hashlib.sha256(url.encode("utf-8")).hexdigest()[:8]
    return f"{SOURCE_PREFIX}{slug}-{digest}"


def _reference_graph(root: Path) -> Graph:
    from spacecoop.core.layout import Layout
    from spacecoop.core.load import parse_file

    g = Graph()
    for path in Layout(root).reference_files:
        if path.name == Path(ENTITIES_FILE).name:
            continue  # our own previous output: rebuilt from scratch, never matched against
        for t in parse_file(path, "turtle").default_graph:
            g.add(t)
    return g


def build_table(
    path: str | os.PathLike, root: str | os.PathLike | None = None, rows: tuple[Row, ...] | None = None
) -> TableImport:
    """Turn a table of facts into source graphs and new entities, in memory.

    Parameters
    ----------
    path : path
        The CSV table.
    root : path, optional
        Project root whose ``graph/reference`` entities the table's names are matched against.
    rows : tuple of Row, optional
        Rows already read with :func:`read_table`.

    Returns
    -------
    TableImport
        ``files`` maps names relative to ``graph/`` to their bytes.

    Raises
    ------
    TableError
        A row is bad, or names an entity that cannot be matched or minted.
    """
    from spacecoop.core.layout import find_root

    root_path = find_root() if root is None else Path(root).resolve()
    p = str(path)
    rows = rows if rows is not None else read_table(path)
    index = EntityIndex(_reference_graph(root_path))
    errors: list[RowError] = []
    table_name = Path(path).name
    compilation = entity_iri("source", Path(path).stem)

    # Which mission each payload flies on (payload names are scoped by mission).
    missions: dict[str, str] = {}
    for r in rows:
        if r.relation == "payload_on":
            if missions.get(r.subject, r.object) != r.object:
                errors.append(
                    RowError(
                        r.line, "object", f"payload {r.subject!r} is already on {missions[r.subject]!r}", p
                    )
                )
            missions.setdefault(r.subject, r.object)

    def resolve(r: Row, name: str, kind: str, fieldname: str) -> URIRef | None:
        mission = None
        if kind == "payload":
            mission = missions.get(name)
            if mission is None:
                hits = [
                    n
                    for (c, k), n in index.by_name.items()
                    if c == SC.Payload and k.endswith("/" + _key(name))
                ]
                if len(set(hits)) == 1:
                    return hits[0]
                errors.append(
                    RowError(
                        r.line, fieldname, f"payload {name!r} is on no mission: no payload_on row names it", p
                    )
                )
                return None
        try:
            return index.resolve(name, kind, mission=mission)
        except ValueError as exc:
            errors.append(RowError(r.line, fieldname, str(exc), p))
            return None

    # Sources, in order of first appearance.
    sources: dict[str, _Source] = {}
    publishers: dict[str, URIRef] = {}
    for r in rows:
        if r.source_url in sources:
            sources[r.source_url].rows.append(r)
            continue
        slug = source_slug(r.source_url, r.source_publisher)
        src = _Source(entity_iri("source", slug), slug, r.source_url, [r])
        sources[r.source_url] = src
        pub = parse_publisher(r.source_publisher, r.source_url)
        country = index.resolve(pub.country, "country") if pub.country else None
        publisher = index.resolve_org(pub.name, country=country, alt=pub.acronym)
        about = src.about
        about += [
            (src.iri, RDF.type, SC.Source),
            (src.iri, RDF.type, SCHEMA.WebPage),
            (src.iri, SKOS.prefLabel, Literal(_source_label(r), lang="en")),
            (src.iri, SCHEMA.url, Literal(r.source_url, datatype=XSD.anyURI)),
            (src.iri, SCHEMA.publisher, publisher),
        ]
        if pub.original:
            about.append((src.iri, SC.originalPublisher, index.resolve_org(pub.original)))
        if pub.republication:
            about.append((src.iri, SC.isRepublication, Literal(True)))
        if r.source_date:
            about.append((src.iri, SCHEMA.datePublished, _literal_date(r.source_date)))
        about.append(
            (
                src.iri,
                SC.detail,
                Literal(f"Publisher as the compiled table records it: {r.source_publisher}", lang="en"),
            )
        )
        about.append((src.iri, DCTERMS.isReferencedBy, compilation))
        publishers[r.source_url] = publisher

    claim_of = {r.fact_id: ID[f"claim/{sources[r.source_url].slug}/{r.fact_id}"] for r in rows}
    url_source = {url: s.iri for url, s in sources.items()}
    relationships: set[URIRef] = set()
    contradictions: list[tuple[str, URIRef]] = []
    statement_of: dict[str, _Statement] = {}

    for r in rows:
        src = sources[r.source_url]
        subject = resolve(r, r.subject, r.subject_kind, "subject")
        obj = resolve(r, r.object, r.object_kind, "object")
        if subject is None or obj is None:
            continue
        st, rel = row_statement(
            r,
            subject,
            obj,
            claim_of[r.fact_id],
            src.iri,
            claim_of=claim_of,
            url_source=url_source,
            contradictions=contradictions,
            compilation=compilation,
        )
        if rel is not None:
            relationships.add(rel)
        src.statements.append(st)
        statement_of[r.fact_id] = st

    # sc:contradicts is symmetric: the other claim states it too, in its own source's graph.
    for ref, claim in contradictions:
        if ref in statement_of:
            statement_of[ref].triples.append((claim_of[ref], SC.contradicts, claim))

    if errors:
        raise TableError(errors)

    files: dict[str, bytes] = {}
    for src in sources.values():
        files[f"imported/{src.slug}.trig"] = _write_source(src, table_name).encode("utf-8")
    files[ENTITIES_FILE] = _write_entities(index, compilation, table_name, len(rows)).encode("utf-8")
    return TableImport(
        files=files,
        rows=len(rows),
        sources=len(sources),
        claims=len(rows),
        relationships=len(relationships),
        new_entities=len(index.new),
        compilation=compilation,
    )


@dataclass(frozen=True)
class Qualifiers:
    """What a fact-sheet row says beyond a table row (see :mod:`spacecoop.importers.sheet`), names resolved.

    A compiled table's rows have none; :func:`row_statement` then writes exactly what it wrote
    before fact sheets existed.
    """

    quote: str = ""
    role: str = ""
    signings: tuple[tuple[URIRef, str, URIRef | None], ...] = ()  # (person, role as printed, for whom)
    witnesses: tuple[URIRef, ...] = ()
    place: URIRef | None = None
    programme: URIRef | None = None
    ordinal: int | None = None
    as_of: str = ""
    date_inferred_from: str = ""
    planned: bool = False


def row_statement(
    r: Row,
    subject: URIRef,
    obj: URIRef,
    claim: URIRef,
    source: URIRef,
    *,
    claim_of: dict[str, URIRef],
    url_source: dict[str, URIRef],
    contradictions: list[tuple[str, URIRef]],
    compilation: URIRef | None = None,
    qualifiers: Qualifiers | None = None,
) -> tuple[_Statement, URIRef | None]:
    """Return the triples of one fact (relationship, claim) and the relationship it is about.

    The one code path of both importers: a compiled table's row (``compilation`` given, no
    ``qualifiers``: the claim carries the compiler's detail) and a fact sheet's row (quote,
    level, role, signers, agreement kind and title ... in ``qualifiers``). Contradictions the
    row's note names are appended to ``contradictions`` as (other fact_id, this claim).
    """
    q = qualifiers or Qualifiers()
    st = _Statement(r.fact_id)
    rel_triples, about, extra = _relationship(r, subject, obj)
    st.triples += rel_triples + extra
    t = st.triples
    t += [(claim, RDF.type, SC.Claim), (claim, SC.about, about), (claim, SC.factId, Literal(r.fact_id))]
    if r.relation in MEMBERSHIP:
        status = STATUSES[r.status] if r.status else MEMBERSHIP[r.relation]
        if r.relation == "signatory_state_of" and status == "signatory":
            status = "signatory-state"
        t.append((claim, SC.status, concept("status", status)))
        t.append((claim, SC.level, concept("level", _level(r))))
    if r.date:  # an undated claim has neither (precision "unknown" is the absence of a date)
        t.append((claim, SC.date, _literal_date(r.date)))
        t.append((claim, SC.datePrecision, concept("date-precision", r.date_precision)))
    t.append((claim, SC.certainty, concept("certainty", r.certainty)))
    if q.quote:
        t.append((claim, SC.quote, Literal(q.quote)))
    if r.detail:
        t.append((claim, SC.detail, Literal(r.detail, lang="en")))
    if r.note:
        t.append((claim, SC.note, Literal(r.note, lang="en")))
        for ref in _fact_ids_in(r.note, claim_of, r.fact_id):
            if r.certainty == "disputed":
                t.append((claim, SC.contradicts, claim_of[ref]))
                contradictions.append((ref, claim))
            else:
                t.append((claim, RDFS.seeAlso, claim_of[ref]))
        for url in _urls_in(r.note):
            t.append((claim, RDFS.seeAlso, url_source.get(url, URIRef(url))))
    if compilation is not None:
        t.append((claim, SC.compiledIn, compilation))
    t.append((claim, PROV.wasDerivedFrom, source))
    t += _qualifier_triples(r, claim, about, q)
    return st, (about if rel_triples else None)


def _qualifier_triples(r: Row, claim: URIRef, about: URIRef, q: Qualifiers) -> list[tuple]:
    t: list[tuple] = []
    kind = _agreement_kind_of(r)
    if r.relation == "agreement_with":
        if kind:
            t.append((about, SC.agreementKind, concept("agreement-kind", kind)))
        title = getattr(r, "agreement_title", "")  # a column of fact sheets, not of tables
        if title:
            t.append((about, DCTERMS.title, Literal(title, lang="en")))
        if (kind or title) and r.date:  # part of its identity
            t.append((about, SC.date, _literal_date(r.date)))
            t.append((about, SC.datePrecision, concept("date-precision", r.date_precision)))
        if q.place is not None:
            t.append((about, SCHEMA.location, q.place))
        if q.programme is not None:
            t.append((about, SC.programme, q.programme))
    elif kind:
        t.append((claim, SC.agreementKind, concept("agreement-kind", kind)))
    if q.role:
        t.append((claim, SC.role, concept("role", q.role)))
    for person, role, behalf in q.signings:
        signing = relationship_iri("signing", about, person)
        t.append((claim, SC.signature, signing))
        t += [(signing, RDF.type, SC.Signing), (signing, SC.signer, person)]
        if behalf is not None:
            t.append((signing, SC.onBehalfOf, behalf))
        if role:
            t.append((signing, SC.signerRole, Literal(role, lang="en")))
    t += [(claim, SC.witness, w) for w in q.witnesses]
    if q.ordinal is not None:
        t.append((claim, SC.ordinal, Literal(q.ordinal, datatype=XSD.positiveInteger)))
    if q.as_of:
        t.append((claim, SC.asOf, _literal_date(q.as_of)))
    if q.date_inferred_from:
        t.append((claim, SC.dateInferredFrom, Literal(q.date_inferred_from)))
    if q.planned:
        t.append((claim, SC.planned, Literal(True)))
    return t


def _source_label(r: Row) -> str:
    when = r.source_date or "undated"
    return f"{r.source_publisher}, {when}: {r.source_url}"


def _level(r: Row) -> str:
    """The participation level a row implies (see the table's README conventions), or the level a
    fact sheet's ``level`` column gives."""
    given = getattr(r, "level", "")
    if given:
        return "organization" if given == "organisation" else given
    if r.fact_id.startswith("ilrs-dsel-mou-"):
        return "sub-national"  # a country standing in for unnamed organisations from it
    if r.relation == "partner_of":
        return "organization"  # the table defines partner_of as organisation level, whoever it names
    if r.subject_kind == "country":
        return "national"
    if r.subject_kind == "region":
        return "sub-national"
    return "organization"


def _relationship(r: Row, subject: URIRef, obj: URIRef):
    """Return (relationship triples, what the claim is about, triples about entities)."""
    rel = r.relation
    if rel in MEMBERSHIP:
        node = relationship_iri("participation", subject, obj)
        return (
            [(node, RDF.type, SC.Participation), (node, ORG.member, subject), (node, ORG.organization, obj)],
            node,
            [],
        )
    if rel == "agreement_with":
        node = _agreement_node(r, subject, obj)
        parties = sorted((subject, obj))
        return [(node, RDF.type, SC.Agreement)] + [(node, SC.party, p) for p in parties], node, []
    if rel == "payload_on":
        node = relationship_iri("carriage", obj, subject)
        return (
            [(node, RDF.type, SC.PayloadCarriage), (node, SC.mission, obj), (node, SC.payload, subject)],
            node,
            [],
        )
    if rel == "developed_by":
        node = relationship_iri("development", subject, obj)
        return (
            [(node, RDF.type, SC.PayloadDevelopment), (node, SC.payload, subject), (node, SC.developer, obj)],
            node,
            [],
        )
    if rel == "provided_by_country":
        node = relationship_iri("contribution", subject, obj)
        return (
            [
                (node, RDF.type, SC.PayloadContribution),
                (node, SC.payload, subject),
                (node, SC.contributor, obj),
            ],
            node,
            [],
        )
    prop = {
        "headquartered_in": SC.headquarteredIn,
        "lands_at": SC.landingSite,
        "launched_on": SC.launchSite if r.subject_kind == "mission" else SC.inauguratedIn,
        "part_of": SC.partOf,
    }[rel]
    return [], subject, [(subject, prop, obj)]


def _agreement_kind_of(r: Row) -> str:
    """The kind of instrument a row names: a fact sheet's ``agreement_kind``; for a compiled row
    with neither kind nor title, the kind its detail names (roadmap, mou, agreement), so that
    two instruments between the same two parties (Russia and China's 2021 roadmap, 2022
    memorandum and 2022 agreement) are two nodes."""
    given = getattr(r, "agreement_kind", "")
    if given or getattr(r, "agreement_title", ""):
        return given
    return agreement_kind(r.detail) if r.relation == "agreement_with" else ""


def _agreement_node(r: Row, subject: URIRef, obj: URIRef) -> URIRef:
    """The agreement a row is about, named by its instrument (parties, kind, date, title:
    :func:`~spacecoop.core.namespaces.agreement_iri`)."""
    kind, title = _agreement_kind_of(r), getattr(r, "agreement_title", "")
    return agreement_iri(subject, obj, kind=kind or "agreement", date=r.date, title=title)


def _fact_ids_in(text: str, known: dict[str, URIRef], own: str) -> list[str]:
    out = []
    for token in re.findall(r"[a-z0-9]+(?:-[a-z0-9]+)+", text):
        if token in known and token != own and token not in out:
            out.append(token)
    return out


def _urls_in(text: str) -> list[str]:
    out = []
    for url in _URL_IN_TEXT.findall(text):
        url = url.rstrip(".,;:")
        if is_iri(url) and url not in out:
            out.append(url)
    return out


# --------------------------------------------------------------------------------------------
# Writing the files: readable, grouped by fact, byte-stable (spacecoop.core.turtle)
# --------------------------------------------------------------------------------------------

_RELATIONSHIP_CLASSES = (
    SC.Participation,
    SC.Agreement,
    SC.PayloadCarriage,
    SC.PayloadDevelopment,
    SC.PayloadContribution,
)
_DECLARATION = (
    RDF.type,
    ORG.member,
    ORG.organization,
    SC.party,
    SC.mission,
    SC.payload,
    SC.developer,
    SC.contributor,
)


def _write_source(
    src: _Source, table_name: str, intro: list[str] | None = None, *, sheet: bool = False
) -> str:
    """Write one source file: comment lines (``intro``, default: the compiled table's), prefixes,
    the default graph (what is known about the source) and the named graph, one block per fact."""
    if intro is None:
        intro = [
            f"# Generated by `spacecoop import-table {table_name}`: do not edit, re-import instead.",
            f"# Source: {src.url}",
            "# The rows below restate what the compiled table says this page states; the table's",
            "# details are the compiler's words, not quotes, so claims carry sc:detail and sc:factId.",
        ]
    lines = [
        *intro,
        "",
        turtle.header(turtle.PREFIXES + (turtle.ROLE_PREFIX if sheet else ())),
        "# Default graph: what is known about the source.",
        *turtle.block(src.about),
        "",
        "# Named graph: what the source asserts, one block per row of the table (fact_id).",
        f"{turtle.term(src.iri)} {{",
    ]
    # A relationship is declared once per graph, where it first appears.
    declared: set = set()
    for i, st in enumerate(src.statements):
        triples = [t for t in st.triples if not (t[0] in declared and t[1] in _DECLARATION)]
        declared |= {t[0] for t in st.triples if t[1] == RDF.type and t[2] in _RELATIONSHIP_CLASSES}
        if i:
            lines.append("")
        lines.append(f"    # {st.comment}")
        lines += turtle.block(triples, "    ")
    lines.append("}")
    return "\n".join(lines) + "\n"


def _write_entities(index: EntityIndex, compilation: URIRef, table_name: str, n_rows: int) -> str:
    lines = [
        f"# Generated by `spacecoop import-table {table_name}`: do not edit, re-import instead.",
        "# Entities the table names that no other file in graph/reference defines: canonical name as the",
        "# table spells it (skos:prefLabel, also the IRI slug), kind, and for organisations the country",
        "# only where the name states it (else sc:countryNotStated true). ISO codes are added at load time.",
        "# Curate an entity by moving it into another reference file; the importer then matches it.",
        "",
        turtle.header(),
        "# The compiled table that the imported claims were restated from (sc:compiledIn).",
    ]
    lines += turtle.block(
        [
            (compilation, RDF.type, SC.Compilation),
            (
                compilation,
                SKOS.prefLabel,
                Literal(f"Compiled table of cooperation facts ({table_name})", lang="en"),
            ),
            (compilation, SCHEMA.name, Literal(table_name)),
            (
                compilation,
                SC.detail,
                Literal(
                    f"{n_rows} rows, one fact per row as one source states it, "
                    "restated by the compiler from stored "
                    "copies of public web pages; details and notes are the compiler's words, not quotes.",
                    lang="en",
                ),
            ),
        ]
    )
    groups = [
        (SC.Country, "Countries"),
        (SC.Place, "Places"),
        (SC.Initiative, "Initiatives"),
        (SC.Mission, "Missions"),
        (SC.Payload, "Payloads (named within their mission)"),
        (SC.Organization, "Organisations"),
    ]
    for cls, title in groups:
        members = sorted((e for e in index.new.values() if e.cls == cls), key=lambda e: str(e.iri))
        if not members:
            continue
        lines += ["", f"## {title}"]
        for e in members:
            t = [(e.iri, RDF.type, e.cls), (e.iri, SKOS.prefLabel, Literal(e.label, lang="en"))]
            t += [(e.iri, SKOS.altLabel, Literal(a, lang="en")) for a in e.alt]
            if e.kind:
                t.append((e.iri, SC.kind, concept("org-kind", e.kind)))
                if e.based_in is not None:
                    t.append((e.iri, SC.basedIn, e.based_in))
                elif e.kind != "international-organization":
                    t.append((e.iri, SC.countryNotStated, Literal(True)))
            lines += turtle.block(t)
    return "\n".join(lines) + "\n"


# --------------------------------------------------------------------------------------------
# Import: build, validate, write
# --------------------------------------------------------------------------------------------


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
        report = validate_import(table.files, root_path)
        if not report.conforms:
            lines = "\n".join(f"  {v}" for v in report.violations)
            raise SpacecoopError(
                f"the imported table does not validate ({len(report.violations)} violations); "
                f"nothing was written:\n{lines}",
                exit_code=1,
            )
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
