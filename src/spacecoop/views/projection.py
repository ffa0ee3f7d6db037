"""Project the RDF graph onto networkx graphs that analysts can measure, draw and export.

Three views, all read through SPARQL on a :class:`~spacecoop.store.Store` (so any backend works):

``countries`` (:class:`networkx.MultiGraph`, undirected, keyed by relation)
    Countries, regions and international organisations, plus the blocs (initiatives and
    international organisations) that have members. An organisation stands for the country or
    region it is based in (an international organisation stands for itself; one with no stated
    country, such as Star.Vision, stands for nothing). A tie to a bloc is one edge per member,
    bloc and level (``national``, ``sub-national``, ``organisation``): ``membership`` (key
    ``membership``) when a national-level claim gives a joining status
    (:func:`spacecoop.core.namespaces.is_membership`, the one meaning of membership), else
    ``involvement`` (key ``involvement-LEVEL``: groups or firms from the country, an organisation
    of it, an engagement through another organisation, an applicant or observer). Each tie edge
    carries its ``level``, ``certainty`` (the least certain claim's) and ``since`` (the earliest
    date of a joining claim, "" when none dates it). Two nodes are also linked when their
    organisations co-develop a payload (``co-development``), when both are national members of
    one bloc (``co-membership``) or by an agreement: one edge per pair (keyed by its first kind)
    aggregates those, ``weight`` counts them, ``kinds`` and ``via`` say how, ``links`` lists
    them one by one (JSON).
``actors`` (:class:`networkx.MultiDiGraph`, keyed by relation)
    Organisations, countries, regions, initiatives, missions, payloads and rovers; edges
    ``develops`` (organisation to payload), ``based-in`` (organisation to country or region),
    ``part-of`` (region to country), ``participates-in`` (a member in its own name, as
    ``sc:participatesIn``) and ``involved-in`` (key ``involved-in-LEVEL``, any other tie, as
    ``sc:involvedIn``) from a member to an organisation or initiative, ``carries`` (mission to
    payload) and ``agreement`` (between parties). Publishers of sources that nothing in the view
    links to are left out.
``full`` (:class:`networkx.MultiDiGraph`, keyed by property CURIE)
    Every typed entity and every relationship node (no literal nodes, no claim nodes: what the
    claims say about a node or edge is folded into its attributes), one edge per triple between
    two of them, except ``rdf:type``.

Nodes are keyed by readable CURIEs (:func:`spacecoop.core.namespaces.curie`). Every attribute is a
plain ``str``, ``int``, ``float`` or ``bool`` (GraphML and GEXF refuse anything else), so lists
are joined with ``;`` and structured evidence is a JSON string.

Node attributes: ``label``, ``kind`` (country, region, international-organization, organization,
initiative, mission, payload, rover, ...), ``org_kind``, ``country`` (label) and ``country_id``,
``iso`` (ISO 3166 alpha-2 or subdivision code), ``iri``, ``aliases``, ``bloc`` (the node is a bloc
with members), ``blocs`` (CURIEs of the blocs the node belongs to) and, per bloc,
``since:<bloc CURIE>`` (the earliest date a joining claim gives for the membership, ``""`` when
none dates it; ``blocs`` and ``since:`` count national membership only). Edge attributes:
``relation``, ``kinds``, ``via``, ``via_label``, ``certainty`` (the least certain claim's: a link
any claim doubts is flagged), ``certainties``, ``status``,
``level``, ``date`` (earliest claimed date, ``""`` if none), ``sources`` (CURIEs), ``n_sources``,
``n_claims``, ``weight``, ``since``, ``claims``, ``ties`` (countries view) and ``links`` (JSON
list of ``{kind, via, date, certainty, detail, level}``).

Evidence is stored once per claim: ``G.graph["claims"]`` is a JSON object from claim CURIE to
what the claim says, one entry per source (``{quote, detail, note, status, level, date,
date_inferred_from, planned, as_of, ordinal, source, source_label, certainty, claim}``), and
every node or edge names the claims behind it in ``claims`` (CURIEs joined with ``;``, in
order). :func:`evidence_of` resolves them. (A claim that two countries are members of a bloc
stands behind every co-membership of either: copied onto each edge, the evidence of a large
graph would be many times the graph.) Nodes of the actors and full views also carry their own
claims' evidence as ``evidence`` (a JSON list; a claim is about one node), and
``to_networkx(..., inline_evidence=True)`` puts it on every edge too, for files read one edge at
a time.

A co-membership stands on its members' membership claims, which their tie edges already name:
the pair edge of the countries view names those tie edges in ``ties`` (``member|bloc|membership``
for each member of each shared bloc, ``""`` on other edges) and lists in ``claims`` only its own
links' claims (co-development, agreement); :func:`claims_of` gives all of them, in the order of
their IRIs, and :func:`evidence_of` and the page resolve them so. Every summary (``n_claims``,
``sources``, ``n_sources``, ``certainty``, ``certainties``, ``status``, ``date``, ...) counts
them all. Copied onto the pair edges, the members' claims made 2.3M claim references at 1M
triples (each bloc of n members has n(n-1)/2 pairs) and most of the time of the view. A file
is another reader: an analyst opens one edge of a GraphML, GEXF, JSON, Cytoscape or CSV export
(or of ``inline_evidence``) in Gephi, a spreadsheet or a script without this module, and should
not have to join it with the tie edges to learn on whose word it stands; so the exports write
each co-membership's ``claims`` in full (:func:`with_claims_in_full`), ``ties`` beside them.
"""

from __future__ import annotations

import functools
import json
from collections import defaultdict
from collections.abc import Callable, Generator, Iterable
from collections.abc import Set as AbstractSet
from dataclasses import dataclass, field

from rdflib import Literal
from rdflib.term import Node

from spacecoop.core.gcpause import collector_paused
from spacecoop.core.labels import shown_label
from spacecoop.core.namespaces import JOINING_STATUSES, PREFIXES, curie, expand_curie, tie_level
from spacecoop.sparql.query import as_store
from spacecoop.store import Store

VIEWS = ("countries", "actors", "full")
"""The views :func:`to_networkx` knows."""

CERTAINTY_ORDER = ("contradicted", "disputed", "hedged", "unconfirmed", "reported", "stated", "confirmed")
"""Certainties from the least to the most certain; an aggregate takes the first that occurs."""

_json_str = json.encoder.encode_basestring  # a str as json.dumps(..., ensure_ascii=False) writes it
_PREFIX_LINES = "\n".join(f"PREFIX {p}: <{iri}>" for p, iri in PREFIXES.items()) + "\n"
_ORG_KIND_INTL = "international-organization"


def _q(store: Store, body: str) -> list[tuple[str, ...]]:
    """Rows of a SELECT as plain text, ``""`` where unbound (:meth:`Store.select_strings`: on
    Oxigraph no rdflib term is made, which took most of the time of a large view)."""
    return store.select_strings(_PREFIX_LINES + body)


def _local(term: str | Node | None) -> str:
    """Last path segment of a concept IRI (``.../certainty/stated`` -> ``stated``)."""
    if term is None:
        return ""
    return str(term).rstrip("/").rsplit("/", 1)[-1].rsplit("#", 1)[-1]


@functools.lru_cache(maxsize=1024)
def _concept(iri: str) -> str:
    """:func:`_local` of a concept's IRI, read from a claim: a few concepts (certainties,
    statuses, levels, roles) stand on every claim (190k of them at 1M triples)."""
    return _local(iri)


def normalize_date(term: Node | None) -> str:
    """Return a claimed date as sortable text: ``YYYY``, ``YYYY-MM`` or ``YYYY-MM-DD`` (else "").

    Examples
    --------
    >>> from rdflib import Literal, XSD
    >>> normalize_date(Literal("2021-06", datatype=XSD.gYearMonth))
    '2021-06'
    >>> normalize_date(None)
    ''
    """
    if term is None:
        return ""
    text = str(term).strip()
    if isinstance(term, Literal) and term.datatype is not None and str(term.datatype).endswith("dateTime"):
        text = text[:10]
    return text[:10]


def least_certain(certainties: Iterable[str]) -> str:
    """Return the least certain of some certainties (see :data:`CERTAINTY_ORDER`).

    Examples
    --------
    >>> least_certain(["stated", "hedged"])
    'hedged'
    >>> least_certain([])
    ''
    """
    found = {c for c in certainties if c}
    for c in CERTAINTY_ORDER:
        if c in found:
            return c
    return min(found) if found else ""


# --------------------------------------------------------------------------------------- reading


@dataclass
class _Entity:
    iri: str
    types: set[str] = field(default_factory=set)
    label: str = ""
    org_kind: str = ""
    based_in: str = ""
    part_of: str = ""
    iso: str = ""
    iso3: str = ""
    aliases: set[str] = field(default_factory=set)
    country_not_stated: bool = False
    pref_labels: list[tuple[str, str]] = field(default_factory=list)  # (text, language), then one
    # chosen as ``label``
    kind: str = ""  # _kind's answer, once everything about the entity is read


_NONE: frozenset[str] = frozenset()
"""The empty set every set field of a :class:`_Claim` starts with (see :func:`_add_to`)."""


@dataclass(slots=True)
class _Claim:
    """What the claims say, one claim: each set field is the one shared empty set until a value is
    added (:func:`_add_to`), as most are empty (a claim has no note, detail, role ...): 84k claims
    made a million empty sets at 1M triples, 0.27 s of a view's 5."""

    iri: str
    about: str
    id: str = ""  # its CURIE: the key of its evidence in a view's ``claims`` table
    certainty: str = ""
    status: AbstractSet[str] = _NONE
    level: AbstractSet[str] = _NONE
    via: AbstractSet[str] = _NONE
    role: AbstractSet[str] = _NONE
    dates: AbstractSet[str] = _NONE
    sources: AbstractSet[str] = _NONE
    quotes: AbstractSet[str] = _NONE
    details: AbstractSet[str] = _NONE
    notes: AbstractSet[str] = _NONE
    inferred: AbstractSet[str] = _NONE
    planned: bool = False
    as_of: AbstractSet[str] = _NONE
    ordinal: AbstractSet[str] = _NONE
    source_ranks: frozenset[int] = frozenset()  # its sources' places in _Data.source_curies
    rank: int = 0  # its place among the claims in IRI order (_Data.by_rank)
    flags: int = 0  # its certainty, status, level, role and vias as bits (_Data.flags)


@dataclass
class _Rel:
    iri: str
    kind: str  # participation development carriage agreement
    a: str
    b: str


@dataclass
class _Data:
    entities: dict[str, _Entity]
    claims: dict[str, _Claim]
    claims_about: dict[str, list[_Claim]]
    rels: list[_Rel]
    source_labels: dict[str, str]
    evidence: dict[str, list[dict]] = field(default_factory=dict)  # claim IRI -> its entries
    named: set[str] = field(default_factory=set)  # IRIs of the claims a node or an edge names
    source_curies: list[str] = field(default_factory=list)  # every claim's sources, in IRI order
    source_iris: list[str] = field(default_factory=list)  # the same sources' IRIs
    source_json: list[str] = field(default_factory=list)  # their evidence fields, as JSON
    by_rank: list[_Claim] = field(default_factory=list)  # the claims in IRI order
    flags: _Flags = field(default_factory=lambda: _Flags({}))


class _Flags:
    """The small sets claims say (certainties, statuses, levels, roles, vias) as the bits of one
    int, each (field, value) one bit: the union of the claims behind a pair edge (hundreds of
    them, through its ties, at 1M triples) is an OR, and what a union reads as (sorted, joined,
    the least certainty) is worked out once per distinct set of bits."""

    def __init__(self, entities: dict[str, _Entity]) -> None:
        self.entities = entities
        self.bit: dict[tuple[str, str], int] = {}
        self.values: list[tuple[str, str]] = []  # the (field, value) of each bit
        self.memo: dict[int, _FlagText] = {}
        self.masks: tuple[int, ...] = (0,) * len(self._FIELDS)  # each field's bits, in _FIELDS' order
        self.masks_of = 0  # how many bits there were when the masks were made
        self.parts: dict[tuple[str, int], tuple] = {}  # (field, its bits) -> its words

    def of(self, cl: _Claim) -> int:
        """The bits of what one claim says."""
        bits = 0
        pairs = [("certainty", cl.certainty)] if cl.certainty else []
        pairs += [("status", v) for v in cl.status]
        pairs += [("level", v) for v in cl.level]
        pairs += [("role", v) for v in cl.role]
        pairs += [("via", v) for v in cl.via]
        for pair in pairs:
            b = self.bit.get(pair)
            if b is None:
                b = self.bit[pair] = len(self.values)
                self.values.append(pair)
            bits |= 1 << b
        return bits

    def text(self, bits: int) -> _FlagText:
        """What the claims with these bits say together, as a view's attributes write it.

        Each field's part is worked out once per distinct set of that field's bits: thousands of
        distinct unions (5,000 at 100k triples) share a few hundred of each field's.
        """
        found = self.memo.get(bits)
        if found is not None:
            return found
        if self.masks_of != len(self.values):  # bits were added since the masks were made
            self._make_masks()
        part = self.parts.get
        c, s, lv, r, v = (bits & m for m in self.masks)
        certainty = part(("certainty", c)) or self._part("certainty", c)
        via = part(("via", v)) or self._part("via", v)
        found = self.memo[bits] = _FlagText(
            certainty[0],
            certainty[1],
            (part(("status", s)) or self._part("status", s))[0],
            (part(("level", lv)) or self._part("level", lv))[0],
            (part(("role", r)) or self._part("role", r))[0],
            via[0],
            via[1],
            via[2],
        )
        return found

    _FIELDS = ("certainty", "status", "level", "role", "via")

    def _make_masks(self) -> None:
        masks = dict.fromkeys(self._FIELDS, 0)
        for b, (f, _) in enumerate(self.values):
            masks[f] |= 1 << b
        self.masks = tuple(masks[f] for f in self._FIELDS)
        self.masks_of = len(self.values)
        self.parts.clear()

    def _part(self, f: str, bits: int) -> tuple:
        """The words of one field's bits: ``(least, joined)`` for certainty, ``(CURIEs, labels,
        pairs)`` for via, ``(joined,)`` for the others."""
        values = [self.values[b][1] for b in range(bits.bit_length()) if bits >> b & 1]
        out: tuple
        if f == "certainty":
            certainties = sorted(values, key=lambda c: (_certainty_rank(c), c))
            out = (least_certain(certainties), ";".join(certainties))
        elif f == "via":
            vias = sorted(values)
            ents = self.entities
            out = (
                ";".join(map(curie, vias)),
                ";".join(ents[v].label if v in ents else curie(v) for v in vias),
                frozenset((curie(v), ents[v].label if v in ents else curie(v)) for v in vias),
            )
        else:
            out = (";".join(sorted(values)),)
        self.parts[(f, bits)] = out
        return out


@dataclass(frozen=True)
class _FlagText:
    certainty: str  # the least certain
    certainties: str
    status: str
    level: str
    role: str
    via: str
    via_label: str
    via_pairs: frozenset[tuple[str, str]]  # (CURIE, label) of each via


_TYPE_KIND = {
    "Country": "country",
    "Region": "region",
    "Organization": "organization",
    "Initiative": "initiative",
    "Mission": "mission",
    "Payload": "payload",
    "Rover": "rover",
}
_KIND_PRIORITY = ("country", "region", "organization", "initiative", "mission", "payload", "rover")


def _add_to(cl: _Claim, name: str, value: str) -> None:
    """Add ``value`` to the set field ``name`` of ``cl``, which gets a set of its own first if it
    still holds the shared empty one (:data:`_NONE`)."""
    values = getattr(cl, name)
    if values is _NONE:
        values = set()
        setattr(cl, name, values)
    values.add(value)


def _add_date(cl: _Claim, name: str, text: str) -> None:
    # normalize_date's rule on text: any date or dateTime cut to its first ten characters
    d = text.strip()[:10]
    if d:
        _add_to(cl, name, d)


_TRUE = ("true", "1")  # xsd:boolean's lexical forms of true


# What each predicate read about an entity or a claim sets on it (the queries ask for these only),
# from the object's text and its language tag ("" for none).
_ENTITY_FIELDS: dict[str, Callable[[_Entity, str, str], None]] = {
    "skos:prefLabel": lambda ent, o, lang: ent.pref_labels.append((o, lang)),
    "skos:altLabel": lambda ent, o, lang: ent.aliases.add(o),
    "sc:kind": lambda ent, o, lang: setattr(ent, "org_kind", _local(o)),
    "sc:basedIn": lambda ent, o, lang: setattr(ent, "based_in", o),
    "sc:partOf": lambda ent, o, lang: setattr(ent, "part_of", o),
    "sc:iso3166Alpha2": lambda ent, o, lang: setattr(ent, "iso", o),
    "sc:iso3166Alpha3": lambda ent, o, lang: setattr(ent, "iso3", o),
    "sc:iso3166Subdivision": lambda ent, o, lang: setattr(ent, "iso", ent.iso or o),
    "sc:countryNotStated": lambda ent, o, lang: setattr(ent, "country_not_stated", o in _TRUE),
}
_CLAIM_FIELDS: dict[str, Callable[[_Claim, str], None]] = {
    "sc:about": lambda cl, o: setattr(cl, "about", min(cl.about, o) if cl.about else o),
    "sc:certainty": lambda cl, o: setattr(
        cl, "certainty", least_certain([cl.certainty, _concept(o)]) if cl.certainty else _concept(o)
    ),
    "prov:wasDerivedFrom": lambda cl, o: _add_to(cl, "sources", o),
    "sc:status": lambda cl, o: _add_to(cl, "status", _concept(o)),
    "sc:level": lambda cl, o: _add_to(cl, "level", _concept(o)),
    "sc:via": lambda cl, o: _add_to(cl, "via", o),
    "sc:role": lambda cl, o: _add_to(cl, "role", _concept(o)),
    "sc:date": lambda cl, o: _add_date(cl, "dates", o),
    "sc:quote": lambda cl, o: _add_to(cl, "quotes", o),
    "sc:detail": lambda cl, o: _add_to(cl, "details", o),
    "sc:note": lambda cl, o: _add_to(cl, "notes", o),
    "sc:dateInferredFrom": lambda cl, o: _add_to(cl, "inferred", o),
    "sc:planned": lambda cl, o: setattr(cl, "planned", cl.planned or o in _TRUE),
    "sc:asOf": lambda cl, o: _add_date(cl, "as_of", o),
    "sc:ordinal": lambda cl, o: _add_to(cl, "ordinal", o),
}
# No DISTINCT and no type pattern: what is read goes into sets, and only onto the entities and
# claims the type queries found (on Oxigraph at 1M triples each halved the time of these reads).
_ENTITY_ATTRIBUTES = """
SELECT ?e ?p ?o ?lang WHERE {
  VALUES ?p { PREDICATES }
  ?e ?p ?o .
  BIND(IF(isLiteral(?o), LANG(?o), "") AS ?lang)
}""".replace("PREDICATES", " ".join(_ENTITY_FIELDS))
# Claims are read one predicate at a time (Store.subject_objects): on Oxigraph faster than one
# query joining them with VALUES (0.36 s against 0.42-0.62 s at 100k triples), and faster still
# read from the store without a query.
# the ends of each kind of relationship; an agreement's parties are paired here, not by the query
_RELATIONSHIP_ENDS = {
    "participation": ("sc:Participation", "org:member", "org:organization"),
    "development": ("sc:PayloadDevelopment", "sc:developer", "sc:payload"),
    "carriage": ("sc:PayloadCarriage", "sc:mission", "sc:payload"),
}
_RELATIONSHIPS = {
    kind: f"SELECT ?rel ?a ?b WHERE {{ ?rel a {cls} ; {a} ?a ; {b} ?b }}"
    for kind, (cls, a, b) in _RELATIONSHIP_ENDS.items()
}


_NAMESPACES_END_AT_SEPARATORS = all(ns.endswith(("/", "#")) for ns in PREFIXES.values())


def _curies(iris: list[str]) -> list[str]:
    """The CURIEs of many IRIs (:func:`curie` of each), one look-up per folder: every namespace
    ends in ``/`` or ``#``, so an IRI whose last segment holds no ``#`` has its folder's CURIE
    and that segment (the claims of one source share ``…/claim/``; 84k of them at 1M triples)."""
    if not _NAMESPACES_END_AT_SEPARATORS:
        return [curie(iri) for iri in iris]
    heads: dict[str, str] = {}
    out = []
    for iri in iris:
        folder, _, last = iri.rpartition("/")
        if not folder or "#" in last:
            out.append(curie(iri))
            continue
        head = heads.get(folder)
        if head is None:
            head = heads[folder] = curie(folder + "/")
        out.append(head + last)
    return out


_VIEW_TYPES = (
    "sc:Country",
    "sc:Region",
    "sc:Organization",
    "sc:Initiative",
    "sc:Mission",
    "sc:Payload",
    "sc:Rover",
)
_TYPES = f"""
SELECT DISTINCT ?e ?type WHERE {{
  VALUES ?type {{ {" ".join(_VIEW_TYPES)} }}
  ?e a ?type .
}}"""
_CLAIMS = "SELECT DISTINCT ?claim WHERE { ?claim a sc:Claim }"
_PARTIES = "SELECT ?rel ?a WHERE { ?rel a sc:Agreement ; sc:party ?a }"
_SOURCES = """
SELECT DISTINCT ?s ?label ?headline WHERE {
  ?s a sc:Source .
  OPTIONAL { ?s skos:prefLabel ?label }
  OPTIONAL { ?s schema:headline ?headline }
}"""

READ_THREADS = 2
"""Reads of a view asked at once of an Oxigraph store (see :func:`_answers`)."""


def _threaded(store: Store) -> bool:
    """Whether :func:`_answers` asks ``store``'s reads :data:`READ_THREADS` at a time."""
    from spacecoop.store.oxigraph import OxigraphStore

    return READ_THREADS >= 2 and isinstance(store, OxigraphStore)


def _answers(store: Store, reads: list[Callable[[], list]]) -> Generator[list, None, None]:
    """The answers of ``reads``, in order.

    On Oxigraph most of a view's reading is the engine's: evaluating each query and writing its
    answer as CSV (:meth:`OxigraphStore.select_strings`), and on disk reading each term from
    RocksDB, all without holding Python's lock. So there the reads are asked
    :data:`READ_THREADS` at a time, while this thread makes the view of the answers already in.
    The countries view at 1M triples, one read at a time against two, side by side in one
    process: on disk 8.1 s → 5.8 s, and 10.4 s → 8.1 s in a noisier run (medians of 3; at 100k
    0.81 s → 0.59 s, median of 5); in memory 6.5 s → 5.1 s (median of 6). Other stores are
    asked one read at a time.
    """
    if not _threaded(store):
        for read in reads:
            yield read()
        return
    from concurrent.futures import ThreadPoolExecutor

    with ThreadPoolExecutor(max_workers=READ_THREADS, thread_name_prefix="view-read") as pool:
        futures = [pool.submit(read) for read in reads]
        try:
            for future in futures:
                yield future.result()
        finally:  # a failed read, or a reader that stopped: ask nothing more
            for future in futures:
                future.cancel()


def _field_read(store: Store, predicate: str, threaded: bool) -> Callable[[], list]:
    """The read of one predicate's subjects and objects (:meth:`Store.subject_objects`). Asked
    in threads, as a query: pyoxigraph in memory answers ``subject_objects`` faster one at a
    time (no CSV written and split again), but by Python's own work, which threads cannot share."""
    if threaded:
        return functools.partial(_q, store, f"SELECT ?s ?o WHERE {{ ?s <{predicate}> ?o }}")
    return functools.partial(store.subject_objects, predicate)


def _index_reads(store: Store) -> dict[str, Callable[[], list]] | None:
    """The reads of :func:`_read` that are queries (:data:`_TYPES`, :data:`_ENTITY_ATTRIBUTES`,
    :data:`_CLAIMS`, each of :data:`_RELATIONSHIPS` by its kind, :data:`_PARTIES`,
    :data:`_SOURCES`) and the full view's (``full-types``: :data:`_FULL_TYPES`, ``full-triples``:
    :data:`_FULL_TRIPLES`), made from the store's own indexes where it has them
    (:meth:`Store.index_view`: the memory store over a notebook's Dataset): the rows each query
    answers, as :meth:`Store.select_strings` writes them, in an order of their own, without
    rdflib's SPARQL engine, which makes a solution for each (at 100k triples 1.3 s of the 1.9 s
    of the countries view, 10 of the 11 s of the full view). None elsewhere: those stores answer
    the queries."""
    from rdflib import RDF, URIRef

    view = store.index_view()
    if view is None:
        return None

    def iri(name: str) -> URIRef:
        return URIRef(expand_curie(name))

    def of_type(name: str) -> list:
        return list(view.subjects(RDF.type, iri(name)))

    def types() -> list:
        return [(str(e), str(t)) for t in map(iri, _VIEW_TYPES) for e in view.subjects(RDF.type, t)]

    def attributes() -> list:
        return [
            (str(e), str(p), str(o), (o.language or "") if isinstance(o, Literal) else "")
            for p in map(iri, _ENTITY_FIELDS)
            for e, o in view.subject_objects(p)
        ]

    def claims() -> list:
        return [(str(c),) for c in of_type("sc:Claim")]

    def relationship(cls: str, a: str, b: str) -> list:
        pa, pb = iri(a), iri(b)
        return [
            (str(r), str(x), str(y))
            for r in of_type(cls)
            for x in view.objects(r, pa)
            for y in view.objects(r, pb)
        ]

    def parties() -> list:
        party = iri("sc:party")
        return [(str(r), str(a)) for r in of_type("sc:Agreement") for a in view.objects(r, party)]

    def full_types() -> list:  # (the filter's STR of a literal is its text, as str gives)
        sc, claim = PREFIXES["sc"], iri("sc:Claim")
        return [
            (str(e), str(t))
            for t, subjects in view.pos.get(RDF.type, {}).items()
            if str(t).startswith(sc) and t != claim
            for e in subjects
            if isinstance(e, URIRef)
        ]

    def full_triples() -> list:
        return [
            (str(s), str(p), str(o))
            for s, objects_of in view.spo.items()
            if isinstance(s, URIRef)
            for p, objects in objects_of.items()
            if p != RDF.type
            for o in objects
            if isinstance(o, URIRef)
        ]

    def sources() -> list:  # each OPTIONAL unbound ("") where nothing matches
        label, headline = iri("skos:prefLabel"), iri("schema:headline")
        # each row of distinct terms: DISTINCT (of terms, not of their text) leaves them all
        return [
            (str(s), str(lab), str(h))
            for s in of_type("sc:Source")
            for lab in list(view.objects(s, label)) or [""]
            for h in list(view.objects(s, headline)) or [""]
        ]

    return {
        "types": types,
        "attributes": attributes,
        "claims": claims,
        **{kind: functools.partial(relationship, *ends) for kind, ends in _RELATIONSHIP_ENDS.items()},
        "parties": parties,
        "sources": sources,
        "full-types": full_types,
        "full-triples": full_triples,
    }


def _reads_of(store: Store) -> Callable[[str], Callable[[], list]]:
    """How a view reads ``store``: ``read(name)`` is the read of :func:`_index_reads` named so,
    where the store has its indexes at hand, else the query :data:`_VIEW_QUERIES` names so,
    asked of it."""
    from_indexes = _index_reads(store)

    def read(name: str) -> Callable[[], list]:
        return from_indexes[name] if from_indexes else functools.partial(_q, store, _VIEW_QUERIES[name])

    return read


def _read(store: Store) -> _Data:
    sc = PREFIXES["sc"]
    entities: dict[str, _Entity] = {}
    ent: _Entity | None  # each loop below narrows it
    cl: _Claim | None
    claim_fields = list(_CLAIM_FIELDS.items())
    threaded = _threaded(store)
    read = _reads_of(store)
    answers = _answers(
        store,
        [
            read("types"),
            read("attributes"),
            read("claims"),
            *[_field_read(store, expand_curie(p), threaded) for p, _ in claim_fields],
            *[read(kind) for kind in _RELATIONSHIPS],
            read("parties"),
            read("sources"),
        ],
    )
    rows = next(answers)
    for e, t in rows:
        ent = entities.setdefault(e, _Entity(e))
        ent.types.add(_TYPE_KIND[t[len(sc) :]])
    entity_fields = {PREFIXES[k.split(":")[0]] + k.split(":")[1]: f for k, f in _ENTITY_FIELDS.items()}
    for e, p, o, lang in next(answers):
        ent = entities.get(e)
        if ent is not None:
            entity_fields[p](ent, o, lang)
    for ent in entities.values():
        if ent.pref_labels:
            ent.label = shown_label(ent.pref_labels)
        if not ent.label:
            ent.label = curie(ent.iri)
        ent.aliases.discard(ent.label)
        ent.kind = _kind_of(ent)

    claim_iris = [c for (c,) in next(answers)]
    claims: dict[str, _Claim] = {
        c: _Claim(c, "", i) for c, i in zip(claim_iris, _curies(claim_iris), strict=True)
    }
    for _, set_field in claim_fields:
        for c, o in next(answers):
            cl = claims.get(c)
            if cl is not None:
                set_field(cl, o)
    claims = {c: cl for c, cl in claims.items() if cl.about}  # a claim about nothing stands behind nothing
    claims_about: dict[str, list[_Claim]] = defaultdict(list)
    by_rank = sorted(claims.values(), key=lambda c: c.iri)
    flags = _Flags(entities)
    for i, cl in enumerate(by_rank):
        cl.rank = i
        cl.flags = flags.of(cl)
        claims_about[cl.about].append(cl)

    found: set[tuple[str, str, str, str]] = set()  # (rel, kind, a, b), each once
    for kind in _RELATIONSHIPS:
        found.update((r, kind, a, b) for r, a, b in next(answers))
    parties: dict[str, set[str]] = defaultdict(set)
    for r, a in next(answers):
        parties[r].add(a)
    for r, ps in parties.items():  # each pair of parties once, in the order of their IRIs
        ordered = sorted(ps)
        found.update((r, "agreement", a, b) for i, a in enumerate(ordered) for b in ordered[i + 1 :])
    rels = [_Rel(r, kind, a, b) for r, kind, a, b in found]
    rels.sort(key=lambda r: (r.iri, r.a, r.b))

    source_labels = {}
    for s, label, headline in next(answers):
        source_labels[s] = label or headline or curie(s)
    answers.close()
    # sources by their place in IRI order: a pair edge of the countries view unions and sorts the
    # sources of every claim behind it (38 MB of ``sources`` at 1M triples), faster as numbers
    source_iris = sorted({src for cl in claims.values() for src in cl.sources})
    rank = {src: i for i, src in enumerate(source_iris)}
    for cl in claims.values():
        cl.source_ranks = frozenset([rank[src] for src in cl.sources])
    data = _Data(entities, claims, dict(claims_about), rels, source_labels)
    data.source_curies = [curie(src) for src in source_iris]
    data.source_iris = source_iris
    data.by_rank = by_rank
    data.flags = flags
    return data


# ------------------------------------------------------------------------------------ helpers


def _kind(ent: _Entity) -> str:
    return ent.kind or _kind_of(ent)


def _kind_of(ent: _Entity) -> str:
    for k in _KIND_PRIORITY:
        if k in ent.types:
            if k == "organization" and ent.org_kind == _ORG_KIND_INTL:
                return _ORG_KIND_INTL
            return k
    return "entity"


def _country_of(data: _Data, ent: _Entity) -> _Entity | None:
    """The country (or region) an entity stands in: itself, its base, or nothing."""
    kind = _kind(ent)
    if kind in ("country", "region"):
        return ent
    if ent.based_in and ent.based_in in data.entities:
        return data.entities[ent.based_in]
    return None


def _nation(data: _Data, ent: _Entity) -> _Entity | None:
    """The sovereign country behind an entity (a region's parent country)."""
    c = _country_of(data, ent)
    if c is not None and _kind(c) == "region" and c.part_of in data.entities:
        return data.entities[c.part_of]
    return c


def _node_attrs(data: _Data, ent: _Entity) -> dict:
    nation = _nation(data, ent)
    return {
        "label": ent.label,
        "kind": _kind(ent),
        "org_kind": ent.org_kind,
        "country": nation.label if nation is not None else "",
        "country_id": curie(nation.iri) if nation is not None else "",
        "iso": ent.iso,
        "iso3": ent.iso3,
        "iri": ent.iri,
        "aliases": ";".join(sorted(ent.aliases)),
    }


def _claim_evidence(data: _Data, cl: _Claim) -> list[dict]:
    """What one claim says, one entry per source (status, level, date, certainty), in its own
    words (quote) or, for a compiled table's row, the compiler's (detail, note). Made once per
    claim and shared by every node and edge the claim stands behind."""
    cached = data.evidence.get(cl.iri)
    if cached is not None:
        return cached
    dates = sorted(cl.dates)
    common = {
        "quote": " … ".join(sorted(cl.quotes)),
        "detail": " ".join(sorted(cl.details)),
        "note": " ".join(sorted(cl.notes)),
        "status": ", ".join(s.replace("-", " ") for s in sorted(cl.status)),
        "level": ", ".join(sorted(cl.level)),
        "date": dates[0] if dates else "",
        "date_inferred_from": " ".join(sorted(cl.inferred)),
        "planned": cl.planned,
        "as_of": ", ".join(sorted(cl.as_of)),
        "ordinal": ", ".join(sorted(cl.ordinal)),
        "certainty": cl.certainty,
        "claim": cl.id,
    }
    out = [
        {
            **common,
            "source": curie(src) if src else "",
            "source_label": data.source_labels.get(src, curie(src) if src else ""),
        }
        for src in sorted(cl.sources) or [""]
    ]
    data.evidence[cl.iri] = out
    return out


def _claim_evidence_json(data: _Data, cl: _Claim) -> str:
    """The entries of :func:`_claim_evidence` as JSON, joined with ``", "``: what
    ``json.dumps(entry, ensure_ascii=False, sort_keys=True)`` writes for each, written without
    the dicts (the table of a view at 1M triples holds 67k claims)."""
    e = '""'  # an empty set's text, written without a call (most of these sets are empty)
    common = (
        f'{{"as_of": {_json_str(_joined(", ", cl.as_of)) if cl.as_of else e}, '
        f'"certainty": {_json_str(cl.certainty)}, '
        f'"claim": {_json_str(cl.id)}, "date": {_json_str(min(cl.dates)) if cl.dates else e}, '
        f'"date_inferred_from": {_json_str(_joined(" ", cl.inferred)) if cl.inferred else e}, '
        f'"detail": {_json_str(_joined(" ", cl.details)) if cl.details else e}, '
        f'"level": {_json_str(_joined(", ", cl.level)) if cl.level else e}, '
        f'"note": {_json_str(_joined(" ", cl.notes)) if cl.notes else e}, '
        f'"ordinal": {_json_str(_joined(", ", cl.ordinal)) if cl.ordinal else e}, '
        f'"planned": {"true" if cl.planned else "false"}, '
        f'"quote": {_json_str(_joined(" … ", cl.quotes)) if cl.quotes else e}, '
    )
    status = ", ".join([s.replace("-", " ") for s in sorted(cl.status)]) if cl.status else ""
    end = f', "status": {_json_str(status)}}}'
    if not cl.source_ranks:
        return common + '"source": "", "source_label": ""' + end
    if not data.source_json:  # "source" and "source_label" of each source, once
        data.source_json = [
            f'"source": {_json_str(c)}, "source_label": {_json_str(data.source_labels.get(iri, c))}'
            for iri, c in zip(data.source_iris, data.source_curies, strict=True)
        ]
    if len(cl.source_ranks) == 1:
        (r,) = cl.source_ranks
        return common + data.source_json[r] + end
    return ", ".join([common + data.source_json[r] + end for r in sorted(cl.source_ranks)])


def _joined(sep: str, values: AbstractSet[str]) -> str:
    """``sep.join(sorted(values))``, without sorting one or none."""
    if len(values) > 1:
        return sep.join(sorted(values))
    return next(iter(values)) if values else ""


def _evidence(data: _Data, claims: Iterable[_Claim]) -> list[dict]:
    """One entry per claim and source (see :func:`_claim_evidence`), each claim once."""
    out: list[dict] = []
    seen: set[str] = set()
    for cl in claims:
        if cl.iri not in seen:
            seen.add(cl.iri)
            out.extend(_claim_evidence(data, cl))
    return out


def _claim_ids(data: _Data, claims: Iterable[_Claim]) -> str:
    """The CURIEs of some claims, each once, in order, joined with ``;``: keys of the view's
    ``claims`` table (``G.graph["claims"]``), where each claim's evidence is stored once."""
    ids = {cl.iri: cl.id for cl in claims}
    data.named.update(ids)
    return ";".join(ids.values())


def _evidence_json(data: _Data, claims: Iterable[_Claim]) -> str:
    return json.dumps(_evidence(data, claims), ensure_ascii=False, sort_keys=True)


def _store_evidence(G, data: _Data, *, inline: bool):
    """Put the evidence of every claim the view names into ``G.graph["claims"]``, once each; or,
    with ``inline``, onto each edge that names it (``evidence``, the shape before the table)."""
    named = sorted([data.claims[i] for i in data.named], key=lambda cl: cl.id)
    if not inline:
        # what json.dumps of {id: entries} gives with sort_keys and its default separators
        G.graph["claims"] = (
            "{" + ", ".join([f"{_json_str(cl.id)}: [{_claim_evidence_json(data, cl)}]" for cl in named]) + "}"
        )
        return G
    # each claim's entries serialised once; an edge's list is their concatenation (what
    # json.dumps of the whole list gives with its default separators)
    text = {cl.id: _claim_evidence_json(data, cl) for cl in named}
    with_claims_in_full(G)  # a file read one edge at a time cannot follow a co-membership's ties
    edges = G.edges(keys=True, data=True) if G.is_multigraph() else G.edges(data=True)
    for *_, d in edges:
        if "claims" in d:
            d["evidence"] = "[" + ", ".join(text[c] for c in d["claims"].split(";") if c) + "]"
    return G


def claims_of(G, attrs: dict) -> list[str]:
    """Return the CURIEs of every claim behind a node or an edge of a view, each once, in order.

    A co-membership edge of the countries view names its own claims in ``claims`` and its
    members' tie edges in ``ties``; their claims stand behind it too, and are read from them.

    Parameters
    ----------
    G : networkx graph
        From :func:`to_networkx`.
    attrs : dict
        The node's or edge's attributes.

    Returns
    -------
    list of str
        ``attrs["claims"]`` and the claims of the tie edges ``attrs["ties"]`` names, in the order
        of their IRIs when ties add any (the order the edge's own claims have).

    Examples
    --------
    >>> from spacecoop import load_dataset
    >>> G = to_networkx(load_dataset(), "countries")
    >>> e = G.edges["country:turkey", "country:china", "co-development"]
    >>> tie = G.edges["country:turkey", "initiative:international-lunar-research-station", "membership"]
    >>> set(tie["claims"].split(";")) <= set(claims_of(G, e))
    True
    >>> len(claims_of(G, e)) == e["n_claims"]
    True
    """
    own = [c for c in str(attrs.get("claims") or "").split(";") if c]
    ties = [t for t in str(attrs.get("ties") or "").split(";") if t]
    if not ties:
        return own
    found = dict.fromkeys(own)
    for t in ties:
        member, bloc, key = t.split(_TIE_SEP)
        found.update(
            dict.fromkeys(c for c in str(G.edges[member, bloc, key].get("claims") or "").split(";") if c)
        )
    return sorted(found, key=_iri_of)


def with_claims_in_full(G):
    """Write onto each co-membership edge of ``G`` every claim behind it (:func:`claims_of`) as its
    ``claims``, in place; return ``G``.

    For files read without this module (GraphML, GEXF, JSON, Cytoscape, CSV, an edge list with
    ``inline_evidence``): an analyst reading one edge of the file sees all its claims there, as
    ``n_claims`` counts them, and need not join it with the tie edges ``ties`` names. In memory,
    and on the page, a co-membership names its members' claims through their ties instead: at
    1M triples copying them made 2.3M claim references and most of the time of the view.
    """
    if not G.is_multigraph():
        return G
    for *_, d in G.edges(keys=True, data=True):
        if d.get("ties"):
            d["claims"] = ";".join(claims_of(G, d))
    return G


def evidence_of(G, attrs: dict) -> list[dict]:
    """Return the evidence behind a node or an edge of a view: one entry per claim and source.

    Parameters
    ----------
    G : networkx graph
        From :func:`to_networkx`.
    attrs : dict
        The node's or edge's attributes (``G.nodes[n]``, ``G.edges[u, v, key]``).

    Returns
    -------
    list of dict
        ``{quote, detail, note, status, level, date, date_inferred_from, planned, as_of, ordinal,
        source, source_label, certainty, claim}`` for each claim (:func:`claims_of`: its
        ``claims`` and those of the ties it names, looked up in ``G.graph["claims"]``) and each
        source it was derived from, in order; the ``evidence`` the node or edge carries itself
        when it has one.

    Examples
    --------
    >>> from spacecoop import load_dataset
    >>> G = to_networkx(load_dataset(), "countries")
    >>> e = G.edges["country:turkey", "initiative:international-lunar-research-station", "membership"]
    >>> {ev["claim"] for ev in evidence_of(G, e)} == set(e["claims"].split(";"))
    True
    >>> any(ev["certainty"] == "hedged" for ev in evidence_of(G, e))
    True
    """
    if "evidence" in attrs:
        return json.loads(attrs["evidence"] or "[]")
    table = _claims_table(str(G.graph.get("claims") or "{}"))
    return [dict(e) for c in claims_of(G, attrs) for e in table.get(c, [])]


@functools.lru_cache(maxsize=2)
def _claims_table(text: str) -> dict[str, list[dict]]:
    """The parsed ``claims`` table of a view (the last two kept: one view is read edge by edge)."""
    return json.loads(text)


class _Group:
    """Some claims and what they say: a member's claims to a bloc stand behind each of its
    co-memberships, a developer's behind each co-development, so they are gathered once."""

    __slots__ = ("date", "flags", "ranks", "sources")

    def __init__(self, ranks: frozenset[int], sources: frozenset[int], date: str, flags: int) -> None:
        self.ranks = ranks  # places in _Data.by_rank
        self.sources = sources  # places in _Data.source_curies
        self.date = date  # the earliest date a claim gives, "" if none
        self.flags = flags  # what they say, as bits of _Data.flags


def _group(claims: Iterable[_Claim]) -> _Group:
    claims = list(claims)
    if len(claims) == 1:  # most developments and ties at 1M triples: nothing to merge
        (c,) = claims
        return _Group(frozenset((c.rank,)), c.source_ranks, min(c.dates) if c.dates else "", c.flags)
    flags = 0
    for c in claims:
        flags |= c.flags
    dates = [d for c in claims for d in c.dates]
    return _Group(
        frozenset([c.rank for c in claims]),
        frozenset().union(*[c.source_ranks for c in claims]),
        min(dates) if dates else "",
        flags,
    )


def _claim_attrs(data: _Data, claims: list[_Claim]) -> dict:
    """Attributes summarising what some claims say (certainty, status, dates, evidence)."""
    return _group_attrs(data, _group(claims), _claim_ids(data, claims), len(claims))


def _group_attrs(data: _Data, g: _Group, ids: str, n_claims: int) -> dict:
    sources = sorted(g.sources)  # places in IRI order (_Data.source_curies)
    says = data.flags.text(g.flags)
    return {
        "certainty": says.certainty,
        "certainties": says.certainties,
        "status": says.status,
        "level": says.level,
        "role": says.role,
        "via": says.via,
        "via_label": says.via_label,
        "date": g.date,
        "sources": ";".join([data.source_curies[i] for i in sources]),
        "n_sources": len(sources),
        "n_claims": n_claims,
        "claims": ids,
    }


def _certainty_rank(c: str) -> int:
    return CERTAINTY_ORDER.index(c) if c in CERTAINTY_ORDER else len(CERTAINTY_ORDER)


_REL_NAME = {
    "participation": "participates-in",
    "development": "develops",
    "carriage": "carries",
    "agreement": "agreement",
}


# ------------------------------------------------------------------------------------ views


def to_networkx(
    target, view: str = "countries", *, unlinked_publishers: bool = False, inline_evidence: bool = False
):
    """Project the knowledge graph onto a new networkx graph.

    Parameters
    ----------
    target : Store or rdflib.Dataset
        Where to read from (a Dataset is wrapped in a :class:`~spacecoop.store.MemoryStore`).
    view : {"countries", "actors", "full"}
        Which projection (see the module docstring).
    unlinked_publishers : bool
        Keep, in the actors view, the publishers of sources that nothing in the view links to
        (left out by default: they only ring the network).
    inline_evidence : bool
        Give every edge its own ``evidence`` (JSON list) instead of the shared ``claims`` table
        in ``G.graph``: for files read one edge at a time (a CSV of edges). Each claim's evidence
        is then copied onto every edge it stands behind, which in the countries view is every
        co-membership of its member: many times the size of the table on a large graph.

    Returns
    -------
    networkx.Graph or networkx.MultiDiGraph
        A fresh graph: ``countries`` is an undirected ``Graph``; ``actors`` and ``full`` are
        ``MultiDiGraph`` s keyed by relation. ``G.graph`` holds ``view``, ``blocs`` (JSON list
        of ``{id, label}``) and ``claims`` (JSON object: the evidence of each claim the graph's
        nodes and edges name; none with ``inline_evidence``). Read a node's or an edge's evidence
        with :func:`evidence_of`.

    Raises
    ------
    UsageError
        ``view`` is not one of :data:`VIEWS`.

    Examples
    --------
    >>> from spacecoop import load_dataset
    >>> G = to_networkx(load_dataset(), "countries")
    >>> G.nodes["country:turkey"]["label"], G.has_edge("country:turkey", "country:china")
    ('Turkey', True)

    See Also
    --------
    spacecoop.views.export.export_graph, spacecoop.pages.graph_page.write_html
    """
    from spacecoop.core.errors import UsageError

    if view not in VIEWS:
        raise UsageError(f"unknown view {view!r}; expected one of {', '.join(VIEWS)}")
    store = as_store(target)
    with collector_paused():  # see spacecoop.core.gcpause
        data = _read(store)
        if view == "countries":
            return _countries(data, inline_evidence=inline_evidence)
        if view == "actors":
            return _actors(data, unlinked_publishers=unlinked_publishers, inline_evidence=inline_evidence)
        return _full(store, data, inline_evidence=inline_evidence)


def _blocs(data: _Data) -> dict[str, list[_Rel]]:
    """Blocs: initiatives and international organisations that have members; their memberships."""
    out: dict[str, list[_Rel]] = defaultdict(list)
    for rel in data.rels:
        if rel.kind != "participation" or rel.b not in data.entities:
            continue
        if _kind(data.entities[rel.b]) in ("initiative", _ORG_KIND_INTL):
            out[rel.b].append(rel)
    return dict(out)


def _bloc_graph_attrs(data: _Data, blocs: Iterable[str]) -> str:
    return json.dumps(
        [
            {
                "id": curie(b),
                "label": data.entities[b].label,
                "short": min([*sorted(data.entities[b].aliases), data.entities[b].label], key=len),
            }
            for b in sorted(blocs, key=lambda b: data.entities[b].label)
        ],
        ensure_ascii=False,
    )


def _set_membership_attrs(G, data: _Data, memberships: dict[str, dict[str, list[_Claim]]]) -> None:
    """memberships[node curie][bloc curie] = claims: set ``blocs`` and ``since:<bloc>``."""
    for n in G.nodes:
        G.nodes[n].setdefault("blocs", "")
    for n, by_bloc in memberships.items():
        if n not in G:
            continue
        G.nodes[n]["blocs"] = ";".join(sorted(by_bloc))
        for bloc, claims in sorted(by_bloc.items()):
            G.nodes[n][f"since:{bloc}"] = _since(claims)


def _countries(data: _Data, *, inline_evidence: bool = False):
    import networkx as nx

    G: nx.MultiGraph[str] = nx.MultiGraph(view="countries")
    blocs = _blocs(data)

    def tie_id(member: str, bloc: str) -> str:
        return f"{member}{_TIE_SEP}{bloc}{_TIE_SEP}membership"

    def unit(iri: str) -> _Entity | None:
        ent = data.entities.get(iri)
        if ent is None:
            return None
        if _kind(ent) in (_ORG_KIND_INTL, "initiative"):
            return ent
        return _country_of(data, ent)

    def add_node(ent: _Entity) -> str:
        key = curie(ent.iri)
        if key not in G:
            G.add_node(key, **_node_attrs(data, ent), bloc=ent.iri in blocs)
        return key

    # links[(u, v)] -> the links between two nodes, in the order they are found:
    # (kind, via, via_label, groups, ties, date, its entry in the edge's ``links`` as JSON)
    links: dict[tuple[str, str], list[tuple]] = defaultdict(list)
    says = data.flags.text
    certainties: dict[int, str] = {}  # the bits of some groups -> their least certainty, as JSON

    def certainty_json(flags: int) -> str:
        found = certainties[flags] = _json_str(says(flags).certainty)
        return found

    def link(
        u: str,
        v: str,
        kind: str,
        via: str,
        via_label: str,
        groups: list[_Group],
        date: str,
        detail: str,
        ties: tuple[str, ...] = (),
    ) -> None:
        if u == v:
            return
        a, b = (u, v) if u < v else (v, u)
        flags = 0
        for x in groups:
            flags |= x.flags
        # what json.dumps(..., ensure_ascii=False, sort_keys=True) writes for the link
        entry = (
            f'{{"certainty": {certainties.get(flags) or certainty_json(flags)}, "date": {_json_str(date)}, '
            f'"detail": {_json_str(detail)}, "kind": {_json_str(kind)}, "via": {_json_str(via)}}}'
        )
        # ties: the tie edges whose claims are the groups' (a co-membership's)
        links[(a, b)].append((kind, via, via_label, groups, ties, date, entry))

    # co-development: developers of one payload, mapped to their countries
    by_payload: dict[str, list[tuple[_Entity, _Group, str]]] = defaultdict(list)
    for rel in data.rels:
        if rel.kind == "development":
            u = unit(rel.a)
            if u is not None:
                dev = _group(data.claims_about.get(rel.iri, []))
                by_payload[rel.b].append((u, dev, dev.date))  # its date: the claims' earliest
    for payload, devs in sorted(by_payload.items()):
        keys = [add_node(ent) for ent, *_ in devs]
        p = data.entities.get(payload)
        plabel = p.label if p else curie(payload)
        pkey = curie(payload)
        # each pair of developers, as link() would add it (at 1M triples 90k pairs): the
        # payload's part of the entry written once
        tail = f', "detail": {_json_str(plabel)}, "kind": "co-development", "via": {_json_str(pkey)}}}'
        for i, (k1, (_, g1, d1)) in enumerate(zip(keys, devs, strict=True)):
            for k2, (_, g2, d2) in zip(keys[i + 1 :], devs[i + 1 :], strict=True):
                if k1 == k2:
                    continue
                date = max(d1, d2) if d1 and d2 else ""  # _later
                flags = g1.flags | g2.flags
                entry = (
                    f'{{"certainty": {certainties.get(flags) or certainty_json(flags)}, '
                    f'"date": {_json_str(date)}{tail}'
                )
                links[(k1, k2) if k1 < k2 else (k2, k1)].append(
                    ("co-development", pkey, plabel, (g1, g2), (), date, entry)
                )

    # ties to blocs: one edge per member, bloc and tie level (membership or other involvement)
    memberships: dict[str, dict[str, list[_Claim]]] = defaultdict(lambda: defaultdict(list))
    tie_edges: list[tuple[str, str, str, dict]] = []
    for bloc, rels in sorted(blocs.items()):
        bent = data.entities[bloc]
        bkey = add_node(bent)
        members: dict[str, list[_Claim]] = {}
        by_tie: dict[tuple[str, str], list[_Claim]] = defaultdict(list)
        for rel in rels:
            m = unit(rel.a)
            ment = data.entities.get(rel.a)
            if m is None or ment is None:
                continue
            mkey = add_node(m)
            for cl in data.claims_about.get(rel.iri, []):
                by_tie[(mkey, _tie_level_of(cl, ment, own=m is ment))].append(cl)
        for (mkey, lvl), claims in sorted(by_tie.items()):
            tie = _tie(data, claims, lvl, bkey, bent.label, own=_is_own(data, mkey, lvl))
            if tie is None:
                continue
            tie_edges.append(
                (
                    mkey,
                    bkey,
                    tie["relation"] if tie["relation"] == "membership" else f"involvement-{lvl}",
                    tie,
                )
            )
            if tie["relation"] == "membership":
                members[mkey] = claims
                memberships[mkey][bkey].extend(claims)
        keys = sorted(members)
        since = {m: _since(members[m]) for m in keys}
        group = {m: _group(members[m]) for m in keys}
        tid = {m: tie_id(m, bkey) for m in keys}
        # each pair of members, as link() would add it (the members in order, the later date):
        # written out here, as a bloc of n members makes n(n-1)/2 of them
        tail = f', "detail": {_json_str(bent.label)}, "kind": "co-membership", "via": {_json_str(bkey)}}}'
        for i, m1 in enumerate(keys):
            g1, s1, t1 = group[m1], since[m1], tid[m1]
            for m2 in keys[i + 1 :]:
                g2, s2 = group[m2], since[m2]
                date = max(s1, s2) if s1 and s2 else ""
                flags = g1.flags | g2.flags
                entry = (
                    f'{{"certainty": {certainties.get(flags) or certainty_json(flags)}, '
                    f'"date": {_json_str(date)}{tail}'
                )
                links[(m1, m2)].append(
                    ("co-membership", bkey, bent.label, (g1, g2), (t1, tid[m2]), date, entry)
                )

    # agreements between parties
    for rel in data.rels:
        if rel.kind == "agreement":
            u, v = unit(rel.a), unit(rel.b)
            if u is None or v is None:
                continue
            agreed = _group(data.claims_about.get(rel.iri, []))
            link(add_node(u), add_node(v), "agreement", "", "", [agreed], agreed.date, "agreement")

    by_rank = data.by_rank
    source_curie = data.source_curies.__getitem__
    for (a, b), ls in sorted(links.items()):
        # one pass over the links: the edge's own claims (co-development, agreement) by id, a
        # co-membership's by its ties; what they all say; their sources
        own_ranks: list[frozenset[int]] = []
        tie_counts: dict[str, int] = {}
        source_sets: list[frozenset[int]] = []
        flags = 0
        for lk in ls:
            gs = lk[3]
            if lk[4]:
                for t, x in zip(lk[4], gs, strict=True):
                    tie_counts[t] = len(x.ranks)
            else:
                own_ranks.extend([x.ranks for x in gs])
            for x in gs:
                flags |= x.flags
                source_sets.append(x.sources)
        own = [by_rank[r] for r in sorted(frozenset().union(*own_ranks))]  # in the order of their IRIs
        data.named.update([cl.iri for cl in own])
        ties = sorted(tie_counts.items())
        said = says(flags)
        sources = sorted(frozenset().union(*source_sets))  # places in IRI order
        kinds = sorted({lk[0] for lk in ls}, key=_LINK_KINDS.index)
        # the links' intermediaries, and those the claims name
        vias = sorted({(lk[1], lk[2]) for lk in ls if lk[1]} | said.via_pairs)
        dates = [lk[5] for lk in ls if lk[5]]
        G.add_edge(
            a,
            b,
            key=kinds[0],
            # in the order of _group_attrs's keys, then the pair's own
            certainty=said.certainty,
            certainties=said.certainties,
            status=said.status,
            level="",
            role=said.role,
            via=";".join(v for v, _ in vias),
            via_label=";".join(lbl for _, lbl in vias),
            date=min(dates) if dates else "",
            sources=";".join(map(source_curie, sources)),
            n_sources=len(sources),
            # a tie's claims are about its member's participation in its bloc: no other tie's,
            # and no co-development's or agreement's, so the count is a sum
            n_claims=len(own) + sum(n for _, n in ties),
            claims=";".join([cl.id for cl in own]),
            ties=";".join(t for t, _ in ties),
            relation=kinds[0],
            kinds=";".join(kinds),
            weight=len(ls),
            since="",
            links="[" + ", ".join([lk[6] for lk in ls]) + "]",
        )
    for mkey, bkey, key, attrs in tie_edges:
        G.add_edge(mkey, bkey, key=key, ties="", **attrs)
    _set_membership_attrs(G, data, memberships)
    G.graph["blocs"] = _bloc_graph_attrs(data, blocs)
    return _store_evidence(G, data, inline=inline_evidence)


_LINK_KINDS = ("co-development", "co-membership", "agreement")
_JOINING = frozenset(JOINING_STATUSES)
_TIE_SEP = "|"  # in a tie's id, ``member|bloc|key``: no CURIE holds it

TIE_RELATIONS = ("membership", "involvement")
"""Relations of a tie between a participant and a bloc in the countries view: ``membership``
(national, a joining status: :func:`spacecoop.core.namespaces.is_membership`) and ``involvement``
(any other level or status). The actors view calls them ``participates-in`` and ``involved-in``,
as the shortcut edges ``sc:participatesIn`` and ``sc:involvedIn``."""


def _tie_level_of(cl: _Claim, member: _Entity, *, own: bool) -> str:
    """The tie level of a participation claim; an organisation standing for its country gives an
    organisation-level tie of that country."""
    is_org = _kind(member) not in ("country", "region")
    level = min(cl.level) if cl.level else ""
    return tie_level(level, is_org or not own)


def _is_own(data: _Data, key: str, lvl: str) -> bool:
    """Whether a tie at ``lvl`` is the node's own membership level (national for a country or
    region, organisation for an international organisation or an initiative)."""
    ent = data.entities.get(_iri_of(key))
    if ent is None:
        return False
    return (lvl == "national") == (_kind(ent) in ("country", "region"))


def _iri_of(key: str) -> str:
    return expand_curie(key)


def _since(claims: Iterable[_Claim]) -> str:
    """The earliest date a joining claim gives ("" if none does): applicant, partner or
    not-listed dates never say since when someone is a member."""
    dates = [d for c in claims if c.status & _JOINING for d in c.dates]
    return min(dates) if dates else ""


def _tie(
    data: _Data,
    claims: list[_Claim],
    lvl: str,
    bkey: str,
    blabel: str,
    *,
    own: bool,
    relation_names: tuple[str, str] = TIE_RELATIONS,
) -> dict | None:
    """Attributes of one tie edge (one member, one bloc, one level), or None for a tie whose only
    claims say the member is not listed."""
    if all(c.status and c.status <= {"not-listed"} for c in claims):
        return None
    member = own and any(c.status & _JOINING for c in claims)
    relation = relation_names[0] if member else relation_names[1]
    since = _since(claims)
    attrs = _claim_attrs(data, claims)
    certainty = attrs["certainty"]
    attrs.update(
        relation=relation,
        kinds=relation,
        level=lvl,
        since=since,
        date=since,
        weight=1,
        # what json.dumps([{...}], ensure_ascii=False, sort_keys=True) writes (7k ties at 1M)
        links=(
            f'[{{"certainty": {_json_str(certainty)}, "date": {_json_str(since)}, '
            f'"detail": {_json_str(blabel)}, "kind": {_json_str(relation)}, "level": {_json_str(lvl)}, '
            f'"via": {_json_str(bkey)}}}]'
        ),
    )
    return attrs


def _later(d1: str, d2: str) -> str:
    """The date both links hold from: the later of two, or "" if either is undated."""
    if not d1 or not d2:
        return ""
    return max(d1, d2)


_ACTOR_KINDS = (
    "country",
    "region",
    "organization",
    _ORG_KIND_INTL,
    "initiative",
    "mission",
    "payload",
    "rover",
)


def _links_json(kind: str, via: str, date: str, certainty: str) -> str:
    return json.dumps(
        [{"kind": kind, "via": via, "date": date, "certainty": certainty, "detail": ""}], sort_keys=True
    )


def _actors(data: _Data, *, unlinked_publishers: bool = False, inline_evidence: bool = False):
    import networkx as nx

    G: nx.MultiDiGraph[str] = nx.MultiDiGraph(view="actors")
    blocs = _blocs(data)
    for iri, ent in sorted(data.entities.items()):
        if _kind(ent) in _ACTOR_KINDS:
            G.add_node(
                curie(iri), **_node_attrs(data, ent), bloc=iri in blocs, **_node_claim_attrs(data, iri)
            )

    def add(u: str, v: str, relation: str, claims: list[_Claim], via: str = "") -> None:
        cu, cv = curie(u), curie(v)
        if cu not in G or cv not in G:
            return
        attrs = _claim_attrs(data, claims)
        attrs.update(relation=relation, kinds=relation, weight=1)
        # the link's "via" names the bloc it belongs to, so the page can filter by bloc
        attrs["links"] = _links_json(relation, via, attrs["date"], attrs["certainty"])
        if G.has_edge(cu, cv, key=relation):  # the same relation reported twice: merge
            old = G.edges[cu, cv, relation]
            attrs["weight"] = old["weight"] + 1
        G.add_edge(cu, cv, key=relation, **attrs)

    memberships: dict[str, dict[str, list[_Claim]]] = defaultdict(lambda: defaultdict(list))
    for rel in data.rels:
        claims = data.claims_about.get(rel.iri, [])
        if rel.kind != "participation":
            add(rel.a, rel.b, _REL_NAME[rel.kind], claims)
            continue
        ment = data.entities.get(rel.a)
        cu, cv = curie(rel.a), curie(rel.b)
        if ment is None or cu not in G or cv not in G:
            continue
        by_level: dict[str, list[_Claim]] = defaultdict(list)
        for cl in claims:
            by_level[_tie_level_of(cl, ment, own=True)].append(cl)
        blabel = data.entities[rel.b].label if rel.b in data.entities else cv
        for lvl, cls in sorted(by_level.items()):
            tie = _tie(
                data,
                cls,
                lvl,
                cv if rel.b in blocs else "",
                blabel,
                own=_is_own(data, cu, lvl),
                relation_names=("participates-in", "involved-in"),
            )
            if tie is None:
                continue
            key = tie["relation"] if tie["relation"] == "participates-in" else f"involved-in-{lvl}"
            G.add_edge(cu, cv, key=key, **tie)
            if tie["relation"] == "participates-in" and rel.b in blocs:
                memberships[cu][cv].extend(cls)
    for iri, ent in sorted(data.entities.items()):
        if ent.based_in:
            add(iri, ent.based_in, "based-in", [])
        if ent.part_of and _kind(ent) == "region":
            add(iri, ent.part_of, "part-of", [])
    # Publishers of sources are entities too, but tied to nothing in this view: a ring of
    # unlinked nodes around the network. Leave them out.
    if not unlinked_publishers:
        G.remove_nodes_from(
            [n for n, d in G.nodes.items() if d.get("org_kind") == "publisher" and G.degree(n) == 0]
        )
    _set_membership_attrs(G, data, memberships)
    G.graph["blocs"] = _bloc_graph_attrs(data, blocs)
    return _store_evidence(G, data, inline=inline_evidence)


def _node_claim_attrs(data: _Data, iri: str) -> dict:
    claims = data.claims_about.get(iri, [])
    a = _claim_attrs(data, claims)
    return {
        "certainty": a["certainty"],
        "sources": a["sources"],
        "n_sources": a["n_sources"],
        "claims": a["claims"],
        "evidence": _evidence_json(data, claims),
    }


# What the full view reads besides what every view reads: the types of our ontology every IRI
# has, and every link between two IRIs.
_FULL_TYPES = """
SELECT DISTINCT ?e ?type WHERE {
  ?e a ?type . FILTER(isIRI(?e) && STRSTARTS(STR(?type), STR(sc:)) && ?type != sc:Claim)
}"""
_FULL_TRIPLES = """
SELECT DISTINCT ?s ?p ?o WHERE {
  ?s ?p ?o . FILTER(isIRI(?o) && isIRI(?s) && ?p != <http://www.w3.org/1999/02/22-rdf-syntax-ns#type>)
}"""

_VIEW_QUERIES = {
    "types": _TYPES,
    "attributes": _ENTITY_ATTRIBUTES,
    "claims": _CLAIMS,
    **_RELATIONSHIPS,
    "parties": _PARTIES,
    "sources": _SOURCES,
    "full-types": _FULL_TYPES,
    "full-triples": _FULL_TRIPLES,
}
"""The views' reads that are queries, by name: what a store answers, and what
:func:`_index_reads` reads from rdflib's indexes under the same names."""


def _full(store: Store, data: _Data, *, inline_evidence: bool = False):
    import networkx as nx

    G: nx.MultiDiGraph[str] = nx.MultiDiGraph(view="full")
    sc = PREFIXES["sc"]
    types: dict[str, set[str]] = defaultdict(set)
    read = _reads_of(store)
    for e, t in read("full-types")():
        types[str(e)].add(str(t)[len(sc) :])
    rel_by_iri = {r.iri: r for r in data.rels}
    for iri in sorted(types):
        ent = data.entities.get(iri)
        if ent is not None:
            attrs = _node_attrs(data, ent)
        else:
            kind = _rel_kind_name(types[iri]) or min(types[iri])
            label = _label_of(data, iri, rel_by_iri)
            attrs = {
                "label": label,
                "kind": kind,
                "org_kind": "",
                "country": "",
                "country_id": "",
                "iso": "",
                "iso3": "",
                "iri": iri,
                "aliases": "",
            }
        attrs["types"] = ";".join(sorted(types[iri]))
        claims = data.claims_about.get(iri, [])
        ca = _claim_attrs(data, claims)
        for k in (
            "certainty",
            "certainties",
            "status",
            "level",
            "via",
            "date",
            "sources",
            "n_sources",
            "n_claims",
            "claims",
        ):
            attrs[k] = ca[k]
        attrs["evidence"] = _evidence_json(data, claims)
        G.add_node(curie(iri), **attrs)
    triples = read("full-triples")()
    # in IRI order: an engine's DISTINCT gives rows in an order that may vary from run to run, and
    # the edges' order is the order of the page and of every export
    for s, p, o in sorted(triples, key=lambda t: (str(t[0]), str(t[1]), str(t[2]))):
        cs, co = curie(str(s)), curie(str(o))
        if cs in G and co in G and cs != co:
            rel = curie(str(p))
            G.add_edge(
                cs,
                co,
                key=rel,
                relation=rel,
                kinds=rel,
                certainty="",
                weight=1,
                links=_links_json(rel, "", "", ""),
            )
    G.graph["blocs"] = _bloc_graph_attrs(data, _blocs(data))
    return _store_evidence(G, data, inline=inline_evidence)


_REL_TYPES = {
    "Participation": "participation",
    "PayloadDevelopment": "development",
    "PayloadCarriage": "carriage",
    "Agreement": "agreement",
}


def _rel_kind_name(types: set[str]) -> str:
    for t, name in _REL_TYPES.items():
        if t in types:
            return name
    return ""


def _label_of(data: _Data, iri: str, rels: dict[str, _Rel]) -> str:
    rel = rels.get(iri)
    if rel is not None:
        a = data.entities.get(rel.a)
        b = data.entities.get(rel.b)
        return f"{a.label if a else curie(rel.a)} {_REL_NAME[rel.kind]} {b.label if b else curie(rel.b)}"
    if iri in data.source_labels:
        return data.source_labels[iri]
    return curie(iri)


def bloc_list(G) -> list[dict]:
    """Return the blocs a projected graph knows (``G.graph['blocs']``), as ``{id, label, short}``."""
    return json.loads(G.graph.get("blocs") or "[]")


__all__ = [
    "CERTAINTY_ORDER",
    "VIEWS",
    "bloc_list",
    "claims_of",
    "evidence_of",
    "least_certain",
    "normalize_date",
    "to_networkx",
    "with_claims_in_full",
]
