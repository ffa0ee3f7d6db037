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

# re-exported: they live in spacecoop.core.prefixes, which imports no rdflib
from spacecoop.core.prefixes import BASE, NS, PREFIXES
from spacecoop.core.prefixes import curie as curie
from spacecoop.core.prefixes import expand_curie as expand_curie

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
    developerCountry: URIRef
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
    involvedIn: URIRef
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


JOINING_STATUSES = (
    "leader",
    "founding-member",
    "signatory",
    "member",
    "signatory-state",
    "associate-member",
    "joined",
)
"""Statuses that make a participant a member, and alone date a membership ("since").

The same list as the ``status:joining`` collection of ``ontology/vocabularies.ttl`` (a test keeps
them equal), which the named queries read. This is the one meaning of membership: a member of a
bloc at national level is a participant with a claim of level ``national`` and one of these
statuses (:func:`tie_level` and :func:`is_membership`); every other participation claim is a tie
of its own level.
"""

TIE_LEVELS = ("national", "sub-national", "organisation")
"""The levels a tie between a participant and a bloc has in every view and export."""


def tie_level(level: str, member_is_organization: bool = False) -> str:
    """Return the tie level (one of :data:`TIE_LEVELS`) of a participation claim.

    ``level`` is the local name of the claim's ``sc:level`` concept. A claim about an
    organisation's own participation is an organisation-level tie of the country it stands for,
    whatever level the claim names; ``via-member-organization`` (a country engaged through an
    organisation it belongs to) is an organisation-level tie too. A claim with no level names no
    level: it is never national.

    Examples
    --------
    >>> tie_level("national"), tie_level("national", True), tie_level("via-member-organization")
    ('national', 'organisation', 'organisation')
    >>> tie_level("sub-national"), tie_level("")
    ('sub-national', 'sub-national')
    """
    if member_is_organization or level in ("organization", "organisation", "via-member-organization"):
        return "organisation"
    if level == "national":
        return "national"
    return "sub-national"


def is_membership(level: str, status: str, member_is_organization: bool = False) -> bool:
    """Return whether a participation claim makes its member a national member of the bloc.

    Examples
    --------
    >>> is_membership("national", "signatory"), is_membership("national", "applicant")
    (True, False)
    >>> is_membership("sub-national", "joined"), is_membership("national", "member", True)
    (False, False)
    """
    return tie_level(level, member_is_organization) == "national" and status in JOINING_STATUSES


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


AGREEMENT_KINDS = (
    "mou",
    "intergovernmental-agreement",
    "joint-statement",
    "letter-of-intent",
    "roadmap",
    "convention",
    "agreement",
    "other",
)
"""Kinds of instrument: the concepts of the ``agreement-kind`` scheme (``ontology/vocabularies.ttl``)."""


def agreement_kind(text: str) -> str:
    """Return the kind of instrument (of :data:`AGREEMENT_KINDS`) a compiled description names:
    roadmap, mou or agreement.

    Examples
    --------
    >>> agreement_kind("Joint ILRS roadmap presented by Chinese and Russian space officials")
    'roadmap'
    >>> agreement_kind("Intergovernmental memorandum of understanding"), agreement_kind("MoU signed")
    ('mou', 'mou')
    >>> agreement_kind("")
    'agreement'
    """
    low = text.lower()
    if "roadmap" in low:
        return "roadmap"
    if "memorandum" in low or re.search(r"\bmous?\b", low):
        return "mou"
    return "agreement"


def agreement_iri(*parties: URIRef, kind: str = "agreement", date: str = "", title: str = "") -> URIRef:
    """Return the IRI of one agreement: the ONE place where agreement identity is minted.

    ``agreement/PARTY/PARTY/KIND/DATE/TITLE``: the parties sorted (their order does not matter),
    the kind of instrument, the date it was signed where the source gives one, and its title or
    topic where the source prints one (slugified, cut to 60 characters at a hyphen); ``undated``
    stands for both when neither is known. So two memoranda of one day between the same parties
    (CNSA and Thailand's ministry) are two nodes, and a source that names the instrument the same
    way lands on the same node. A compiled table's row names its kind through
    :func:`agreement_kind` of its detail.

    Parameters
    ----------
    *parties : URIRef
        Two or more entity IRIs.
    kind : str
        One of :data:`AGREEMENT_KINDS`.
    date : str
        ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD``, or empty.
    title : str
        The title or topic, as printed, or empty.

    Examples
    --------
    >>> th, cn = entity_iri("country", "Thailand"), entity_iri("org", "CNSA")
    >>> local_path(agreement_iri(cn, th, kind="mou", date="2025-04-24", title="ILRS cooperation"))
    'agreement/country/thailand/org/cnsa/mou/2025-04-24/ilrs-cooperation'
    >>> local_path(agreement_iri(th, cn, kind="roadmap", date="2021-06-16"))
    'agreement/country/thailand/org/cnsa/roadmap/2021-06-16'
    >>> local_path(agreement_iri(th, cn))
    'agreement/country/thailand/org/cnsa/agreement/undated'
    """
    if kind not in AGREEMENT_KINDS:
        raise ValueError(f"unknown agreement kind {kind!r}; expected one of {', '.join(AGREEMENT_KINDS)}")
    base = relationship_iri("agreement", *parties)
    slug = slugify(title) if title.strip() else ""
    if len(slug) > 60:
        slug = slug[:60].rsplit("-", 1)[0]
    key = "/".join(x for x in (date.strip(), slug) if x) or "undated"
    return URIRef(f"{base}/{kind}/{key}")


def bind_prefixes(g) -> None:
    """Bind :data:`PREFIXES` on a graph or dataset (replacing rdflib's defaults)."""
    for prefix, iri in PREFIXES.items():
        g.bind(prefix, iri, override=True, replace=True)


ONTOLOGY_GRAPH = URIRef(NS.rstrip("#"))
"""Name of the graph that holds the ontology and concept schemes."""
