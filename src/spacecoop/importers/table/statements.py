"""One row, one fact: the triples of a row's relationship and claim, in its source's graph.

The one code path of both importers (:func:`row_statement`): a compiled table's row and a fact
sheet's row, whose extra columns arrive as :class:`Qualifiers`.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from rdflib import RDF, RDFS, SKOS, XSD, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV

from spacecoop.core.iri import is_iri
from spacecoop.core.namespaces import (
    ORG,
    SC,
    SCHEMA,
    agreement_iri,
    agreement_kind,
    concept,
    relationship_iri,
)
from spacecoop.importers.contract import PRECISION_OF_LENGTH
from spacecoop.importers.table.rows import MEMBERSHIP, STATUSES, Row

_URL_IN_TEXT = re.compile(r"https?://[^\s)\"<>]+")
_DATATYPE = {"year": XSD.gYear, "month": XSD.gYearMonth, "day": XSD.date}


@dataclass
class Statement:
    """Triples in one source graph, grouped under a comment (the fact_id)."""

    comment: str
    triples: list[tuple[URIRef, URIRef, object]] = field(default_factory=list)


def literal_date(value: str) -> Literal:
    return Literal(value, datatype=_DATATYPE[PRECISION_OF_LENGTH[len(value)]])


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
) -> tuple[Statement, URIRef | None]:
    """Return the triples of one fact (relationship, claim) and the relationship it is about.

    The one code path of both importers: a compiled table's row (``compilation`` given, no
    ``qualifiers``: the claim carries the compiler's detail) and a fact sheet's row (quote,
    level, role, signers, agreement kind and title ... in ``qualifiers``). Contradictions the
    row's note names are appended to ``contradictions`` as (other fact_id, this claim).
    """
    q = qualifiers or Qualifiers()
    st = Statement(r.fact_id)
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
        t.append((claim, SC.date, literal_date(r.date)))
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
            t.append((about, SC.date, literal_date(r.date)))
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
        t.append((claim, SC.asOf, literal_date(q.as_of)))
    if q.date_inferred_from:
        t.append((claim, SC.dateInferredFrom, Literal(q.date_inferred_from)))
    if q.planned:
        t.append((claim, SC.planned, Literal(True)))
    return t


def source_triples(
    source: URIRef, r: Row, publisher: URIRef, original: URIRef | None, *, republication: bool
) -> list[tuple[URIRef, URIRef, object]]:
    """Return what the default graph says about a source page: its types, label, URL, publisher
    (and the original publisher of a republished text), date; both importers' first lines."""
    t: list[tuple[URIRef, URIRef, object]] = [
        (source, RDF.type, SC.Source),
        (source, RDF.type, SCHEMA.WebPage),
        (source, SKOS.prefLabel, Literal(source_label(r), lang="en")),
        (source, SCHEMA.url, Literal(r.source_url, datatype=XSD.anyURI)),
        (source, SCHEMA.publisher, publisher),
    ]
    if original is not None:
        t.append((source, SC.originalPublisher, original))
    if republication:
        t.append((source, SC.isRepublication, Literal(True)))
    if r.source_date:
        t.append((source, SCHEMA.datePublished, literal_date(r.source_date)))
    return t


def source_label(r: Row) -> str:
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
        node = agreement_node(r, subject, obj)
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


def agreement_node(r: Row, subject: URIRef, obj: URIRef) -> URIRef:
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
