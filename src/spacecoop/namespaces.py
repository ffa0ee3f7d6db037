"""Namespaces, controlled vocabularies and IRI minting.

Our own terms live in :class:`SC`, an rdflib ``DefinedNamespace`` with ``_fail = True``: a
misspelt term raises ``AttributeError`` instead of minting a new IRI. A test keeps it equal to
``ontology/spacecoop.ttl``.

Entity and relationship IRIs are minted from canonical names (never from the source), so two
sources that report the same link describe the same node.
"""

from __future__ import annotations

import re
import unicodedata

from rdflib import Namespace, URIRef
from rdflib.namespace import DefinedNamespace

BASE = "https://w3id.org/spacecoop/"
NS = BASE + "ns#"
ID = Namespace(BASE + "id/")
VOCAB = Namespace(BASE + "vocab/")
ORG = Namespace("http://www.w3.org/ns/org#")
SCHEMA = Namespace("https://schema.org/")
OA = Namespace("http://www.w3.org/ns/oa#")

# Kinds of entity, as the first path segment of an entity IRI.
ENTITY_KINDS = (
    "country",
    "region",
    "place",
    "org",
    "initiative",
    "mission",
    "payload",
    "rover",
    "event",
    "test",
    "source",
    "person",
)
# Kinds of relationship, as the first path segment of a relationship IRI.
RELATIONSHIP_KINDS = ("participation", "development", "carriage", "agreement", "contribution", "signing")


class SC(DefinedNamespace):
    """The spacecoop ontology (``ontology/spacecoop.ttl``)."""

    _NS = Namespace(NS)
    _fail = True

    # classes
    Agreement: URIRef
    AnnouncementOfOpportunity: URIRef
    Claim: URIRef
    Compilation: URIRef
    Country: URIRef
    Event: URIRef
    Initiative: URIRef
    Mission: URIRef
    Organization: URIRef
    Participation: URIRef
    Payload: URIRef
    PayloadCarriage: URIRef
    PayloadContribution: URIRef
    PayloadDevelopment: URIRef
    Place: URIRef
    Region: URIRef
    Relationship: URIRef
    Report: URIRef
    Rover: URIRef
    SelectionAnnouncement: URIRef
    Source: URIRef
    Signing: URIRef
    TechnologyTest: URIRef
    # properties
    about: URIRef
    agreementKind: URIRef
    aim: URIRef
    asOf: URIRef
    alternativeTo: URIRef
    announcedBy: URIRef
    basedIn: URIRef
    carries: URIRef
    certainty: URIRef
    citing: URIRef
    compiledIn: URIRef
    constructionStart: URIRef
    contradicts: URIRef
    contributor: URIRef
    countryAndOrganizationCount: URIRef
    countryAndRegionCount: URIRef
    countryNotStated: URIRef
    date: URIRef
    dateInferredFrom: URIRef
    datePrecision: URIRef
    dateline: URIRef
    establishedUnder: URIRef
    destination: URIRef
    detail: URIRef
    developer: URIRef
    develops: URIRef
    distinction: URIRef
    factId: URIRef
    example: URIRef
    feature: URIRef
    framing: URIRef
    headquarteredIn: URIRef
    internationalOrganizationCount: URIRef
    isRepublication: URIRef
    inauguratedIn: URIRef
    iso3166Alpha2: URIRef
    iso3166Alpha3: URIRef
    iso3166Numeric: URIRef
    iso3166Subdivision: URIRef
    kind: URIRef
    landingSite: URIRef
    launchSite: URIRef
    level: URIRef
    localCopy: URIRef
    mission: URIRef
    missionOf: URIRef
    namesParticipants: URIRef
    note: URIRef
    near: URIRef
    onBehalfOf: URIRef
    ordinal: URIRef
    operator: URIRef
    originalPublisher: URIRef
    partOf: URIRef
    participatesIn: URIRef
    party: URIRef
    payload: URIRef
    payloadMassKg: URIRef
    planned: URIRef
    plannedLaunch: URIRef
    plannedLaunchEarliest: URIRef
    plannedYear: URIRef
    plannedLaunchLatest: URIRef
    precursorOf: URIRef
    programme: URIRef
    projectCount: URIRef
    purpose: URIRef
    quantity: URIRef
    quote: URIRef
    reportedBy: URIRef
    researchInstitutionCountMoreThan: URIRef
    role: URIRef
    signature: URIRef
    signer: URIRef
    signerRole: URIRef
    status: URIRef
    subject: URIRef
    targetCountryCount: URIRef
    targetLandingSite: URIRef
    technologyTest: URIRef
    via: URIRef
    witness: URIRef


def concept(scheme: str, name: str) -> URIRef:
    """Return the IRI of a concept of one of our SKOS schemes.

    Examples
    --------
    >>> concept("certainty", "hedged")
    rdflib.term.URIRef('https://w3id.org/spacecoop/vocab/certainty/hedged')
    """
    return VOCAB[f"{scheme}/{name}"]


def slugify(name: str) -> str:
    """Return the IRI slug of a canonical name: ASCII, lower case, words joined by hyphens.

    Examples
    --------
    >>> slugify("Chang’e-8")
    'change-8'
    >>> slugify("National Institute for Nuclear Physics–Frascati National Laboratories")
    'national-institute-for-nuclear-physics-frascati-national-laboratories'
    >>> slugify("Türkiye")
    'turkiye'
    """
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c))
    text = text.lower().replace("’", "").replace("'", "").replace("&", " and ")
    slug = re.sub(r"[^a-z0-9]+", "-", text).strip("-")
    if not slug:
        raise ValueError(f"cannot mint an IRI from the name {name!r}")
    return slug


def entity_iri(kind: str, name: str, *, within: str | None = None) -> URIRef:
    """Return the IRI of an entity from its kind and canonical name.

    Payloads are named within their mission (``within``), as payload names repeat across missions.

    Examples
    --------
    >>> entity_iri("country", "South Africa")
    rdflib.term.URIRef('https://w3id.org/spacecoop/id/country/south-africa')
    >>> entity_iri("payload", "Lunar neutron analyzer", within="Chang'e-8")
    rdflib.term.URIRef('https://w3id.org/spacecoop/id/payload/change-8/lunar-neutron-analyzer')
    """
    if kind not in ENTITY_KINDS:
        raise ValueError(f"unknown entity kind {kind!r}; expected one of {', '.join(ENTITY_KINDS)}")
    path = f"{slugify(within)}/{slugify(name)}" if within else slugify(name)
    return ID[f"{kind}/{path}"]


def local_path(iri: URIRef) -> str:
    """Return the part of one of our entity IRIs after ``id/``."""
    if not str(iri).startswith(str(ID)):
        raise ValueError(f"{iri} is not a spacecoop entity IRI")
    return str(iri)[len(str(ID)) :]


def relationship_iri(kind: str, *parties: URIRef) -> URIRef:
    """Return the IRI of a relationship from its kind and the IRIs of its parties, in order.

    Participation: (member, organisation); development: (payload, developer); carriage:
    (mission, payload); contribution: (payload, contributor); agreement: the parties in any order
    (they are sorted).

    Examples
    --------
    >>> relationship_iri("participation", entity_iri("country", "Thailand"),
    ...                  entity_iri("initiative", "International Lunar Research Station"))
    rdflib.term.URIRef('https://w3id.org/spacecoop/id/participation/country/thailand/initiative/international-lunar-research-station')
    """
    if kind not in RELATIONSHIP_KINDS:
        raise ValueError(
            f"unknown relationship kind {kind!r}; expected one of {', '.join(RELATIONSHIP_KINDS)}"
        )
    paths = [local_path(p) for p in parties]
    if kind == "agreement":
        paths.sort()
    return ID[f"{kind}/" + "/".join(paths)]


AGREEMENT_KINDS = ("mou", "intergovernmental-agreement", "joint-statement", "letter-of-intent", "roadmap",
                   "convention", "agreement", "other")
"""Kinds of instrument: the concepts of the ``agreement-kind`` scheme (``ontology/vocabularies.ttl``)."""


def agreement_iri(parties, *, kind: str | None = None, date: str | None = None,
                  title: str | None = None) -> URIRef:
    """Return the IRI of an agreement: the ONE place where agreement identity is minted.

    An agreement is identified by its parties (sorted, so their order does not matter) and, where
    the source says, the kind of instrument, the day it was signed and its title or topic. Two
    memoranda between the same parties on the same day differ by title; a compiled table's
    agreement that names no instrument keeps the plain ``agreement/PARTY/PARTY`` IRI of
    :func:`relationship_iri`. The title is slugified and cut to 60 characters at a hyphen.

    Parameters
    ----------
    parties : iterable of URIRef
        Two or more entity IRIs.
    kind : str, optional
        One of :data:`AGREEMENT_KINDS`.
    date : str, optional
        ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``.
    title : str, optional
        The title or topic, as printed.

    Examples
    --------
    >>> th, cn = entity_iri("country", "Thailand"), entity_iri("org", "CNSA")
    >>> agreement_iri([th, cn]) == relationship_iri("agreement", cn, th)
    True
    >>> local_path(agreement_iri([th, cn], kind="mou", date="2025-04-24", title="ILRS cooperation"))
    'agreement/country/thailand/org/cnsa/mou-2025-04-24-ilrs-cooperation'
    """
    base = relationship_iri("agreement", *parties)
    if kind is not None and kind not in AGREEMENT_KINDS:
        raise ValueError(f"unknown agreement kind {kind!r}; expected one of {', '.join(AGREEMENT_KINDS)}")
    slug = slugify(title) if title else ""
    if len(slug) > 60:
        slug = slug[:60].rsplit("-", 1)[0]
    tail = "-".join(x for x in (kind, date, slug) if x)
    return URIRef(f"{base}/{tail}") if tail else base


PREFIXES: dict[str, str] = {
    "sc": NS,
    "id": str(ID),
    "country": f"{ID}country/",
    "region": f"{ID}region/",
    "place": f"{ID}place/",
    "agent": f"{ID}org/",
    "initiative": f"{ID}initiative/",
    "mission": f"{ID}mission/",
    "payload": f"{ID}payload/",
    "source": f"{ID}source/",
    "person": f"{ID}person/",
    "certainty": f"{VOCAB}certainty/",
    "status": f"{VOCAB}status/",
    "level": f"{VOCAB}level/",
    "kind": f"{VOCAB}org-kind/",
    "role": f"{VOCAB}role/",
    "agreement-kind": f"{VOCAB}agreement-kind/",
    "org": str(ORG),
    "prov": "http://www.w3.org/ns/prov#",
    "schema": str(SCHEMA),
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
"""Prefixes bound on every graph we write and offered to every query."""


def bind_prefixes(g) -> None:
    """Bind :data:`PREFIXES` on a graph or dataset (replacing rdflib's defaults)."""
    for prefix, iri in PREFIXES.items():
        g.bind(prefix, iri, override=True, replace=True)


def curie(iri: str) -> str:
    """Return a readable CURIE for an IRI, using the longest matching prefix; else the IRI.

    Examples
    --------
    >>> curie("https://w3id.org/spacecoop/id/country/thailand")
    'country:thailand'
    """
    best = ""
    for prefix, ns in PREFIXES.items():
        if str(iri).startswith(ns) and len(ns) > len(PREFIXES.get(best, "")):
            best = prefix
    if not best:
        return str(iri)
    return f"{best}:{str(iri)[len(PREFIXES[best]):]}"
