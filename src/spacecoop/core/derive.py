"""What loading adds to the sources: ISO 3166 codes from pycountry, and the shortcut edges
(``sc:develops``, ``sc:carries``, ``sc:participatesIn``, ``sc:involvedIn``,
``sc:developerCountry``) derived from each claim."""

from __future__ import annotations

import functools

from rdflib import PROV, RDF, SKOS, Dataset, Graph, Literal, URIRef

from spacecoop.core.namespaces import ONTOLOGY_GRAPH, ORG, SC, concept


def _labels(g: Graph, node) -> list[str]:
    pref = sorted(str(o) for o in g.objects(node, SKOS.prefLabel))
    alt = sorted(str(o) for o in g.objects(node, SKOS.altLabel))
    return pref + alt


def add_iso_codes(ds: Dataset, *, remember: bool = False, added: list | None = None) -> int:
    """Add ISO 3166 codes from pycountry to every country and region, looked up by its labels
    (:func:`iso_codes`, ``remember`` passed on). Nodes that match nothing get no code, which
    validation reports.

    ``added``: each triple added is appended to it as a quad ``(s, p, o, graph name)``, so
    that a caller knows what was derived without reading the Dataset again.

    Returns
    -------
    int
        The number of triples added.
    """

    g = ds.default_graph
    count = 0
    nodes = set(ds.subjects(RDF.type, SC.Country)) | set(ds.subjects(RDF.type, SC.Region))
    for node in sorted(nodes, key=lambda n: (type(n).__name__, str(n))):  # IRIs, in IRI order
        is_region = (node, RDF.type, SC.Region) in ds
        parents = sorted(ds.objects(node, SC.partOf), key=str) if is_region else []
        parent_labels = [_labels(ds, p) for p in parents]
        for name, value in iso_codes(_labels(ds, node), is_region, parent_labels, remember=remember):
            triple = (node, SC[name], Literal(value))
            g.add(triple)
            count += 1
            if added is not None:
                added.append((*triple, g.identifier))
    return count


def iso_codes(
    labels: list[str], is_region: bool, parent_labels: list[list[str]], *, remember: bool = False
) -> list[list[str]]:
    """The ISO 3166 codes of a country or region, as ``[name, code]`` pairs (``name`` the local
    name of the ``sc:`` property), looked up with pycountry by its labels (``labels``) and, for a
    region, those of what it is part of (``parent_labels``, each a node's labels).

    A country is looked up among ISO 3166-1 entries; a region first among ISO 3166-1 entries (Hong
    Kong has its own alpha-2 code) and then among the subdivisions of the country it is part of
    (Hawaii is US-HI). A region takes an ISO 3166-1 code only when ISO also lists it as a
    subdivision of its country under the same letters (Hong Kong: HK and CN-HK), never by name
    alone (the US state of Georgia is not the country Georgia).

    With ``remember``, the answer is remembered across processes
    (:func:`~spacecoop.core.cache.remembered`, in the user's cache, where the load that passes it
    keeps its parsed copies of the files), keyed by the labels, pycountry's version and this
    module's code: importing pycountry and looking up 259 nodes took about 35 ms of each such
    load at 100k triples (``validate`` after an edit). Without, nothing is written
    (``--store memory``, a workspace's compiled store).

    Examples
    --------
    >>> iso_codes(["Hawaii"], True, [["United States"]])
    [['iso3166Subdivision', 'US-HI']]
    >>> iso_codes(["Peru"], False, [])
    [['iso3166Alpha2', 'PE'], ['iso3166Alpha3', 'PER'], ['iso3166Numeric', '604']]
    """
    if not remember:
        return _iso_codes(labels, is_region, parent_labels)
    import json

    from spacecoop.core.cache import installed_version, remembered

    code = [_code_digest(), installed_version("pycountry")]
    key = json.dumps(["iso3166", *code, labels, is_region, parent_labels])
    return remembered("iso3166.json", key, lambda: _iso_codes(labels, is_region, parent_labels))


@functools.cache
def _code_digest() -> str:
    """The SHA-256 of this module's code, which decides the codes :func:`iso_codes` remembers."""
    import hashlib
    from pathlib import Path

    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()


def _iso_codes(labels: list[str], is_region: bool, parent_labels: list[list[str]]) -> list[list[str]]:
    country = _country(labels)
    sub = _subdivision(labels, parent_labels) if is_region else None
    if is_region and (sub is None or country is None or sub.code.split("-")[1] != country.alpha_2):
        country = None
    codes = []
    if country is not None:
        codes += [
            ["iso3166Alpha2", country.alpha_2],
            ["iso3166Alpha3", country.alpha_3],
            ["iso3166Numeric", country.numeric],
        ]
    if sub is not None:
        codes.append(["iso3166Subdivision", sub.code])
    return codes


def _country(labels: list[str]):
    import pycountry

    for label in labels:
        try:
            return pycountry.countries.lookup(label)
        except LookupError:
            continue
    return None


def _subdivision(labels: list[str], parent_labels: list[list[str]]):
    import pycountry

    for plabels in parent_labels:
        country = _country(plabels)
        if country is None:
            continue
        for sub in pycountry.subdivisions.get(country_code=country.alpha_2) or ():
            if sub.name in labels:
                return sub
    return None


DERIVED = (
    SC.iso3166Alpha2,
    SC.iso3166Alpha3,
    SC.iso3166Numeric,
    SC.iso3166Subdivision,
    SC.develops,
    SC.carries,
    SC.participatesIn,
    SC.involvedIn,
    SC.developerCountry,
)
"""Every predicate :func:`add_iso_codes` and :func:`add_shortcuts` write
(:meth:`spacecoop.core.load.Loaded.quads` reads them from the Dataset)."""

_SHORTCUTS = {
    SC.PayloadDevelopment: (SC.developer, SC.develops, SC.payload),
    SC.PayloadCarriage: (SC.mission, SC.carries, SC.payload),
}


_ORG_CLASSES = (SC.Organization, SC.Initiative)


def _put(index: dict, key, value) -> None:
    """Add ``value`` to those of ``key``: a first value is kept as itself, more in a list (most keys
    have one value, and a set or dict per key held 0.2 GB more at 1M triples)."""
    have = index.get(key)
    if have is None:
        index[key] = value
    elif type(have) is list:
        have.append(value)
    else:
        index[key] = [have, value]


def _values(index: dict, key) -> list:
    """The values of ``key`` put by :func:`_put` (a value put twice is there twice)."""
    have = index.get(key)
    return [] if have is None else have if type(have) is list else [have]


class DeriveInput:
    """The triples the shortcut edges are derived from, indexed as they are read.

    :func:`spacecoop.core.load.load` feeds it each file's quads as it merges them (:meth:`feed`),
    so deriving walks no rdflib Dataset: asking a Dataset graph by graph and node by node cost
    about 0.8 s at 100k triples, these dictionaries a third of it. :meth:`of_dataset` fills one
    from a Dataset that is already loaded (:func:`spacecoop.core.load.merge_source`).

    Only what :func:`add_shortcuts` reads is kept: the nodes of the types it looks for, per graph
    the predicates it follows from a relationship node and its claims, and in the union the
    sources cited, developers, payloads, ``sc:basedIn`` and ``sc:kind``.
    """

    _LOCAL = frozenset(
        {ORG.member, ORG.organization, SC.status, SC.level, SC.about}
        | {p for subj_p, _, obj_p in _SHORTCUTS.values() for p in (subj_p, obj_p)}
    )
    """Predicates read inside one graph (from a relationship node or a claim)."""
    PREDICATES = frozenset(
        _LOCAL | {RDF.type, PROV.wasDerivedFrom, SC.developer, SC.payload, SC.basedIn, SC.kind}
    )
    """Every predicate :meth:`feed` keeps a triple of."""

    def __init__(self) -> None:
        self.typed: dict[URIRef, dict[tuple, None]] = {c: {} for c in (*_SHORTCUTS, SC.Participation)}
        """relationship class -> (node, graph) it is typed in, in the order read"""
        self.orgs: set = set()
        """nodes typed an organisation or initiative, in any graph"""
        self.payloads: set = set()
        """nodes typed sc:Payload, in any graph"""
        self.local: dict[tuple, object] = {}
        """(graph, subject, predicate) -> objects (see :func:`_put`)"""
        self.claims_in: dict[tuple, object] = {}
        """(graph, relationship) -> the claims that are sc:about it there"""
        self.union: dict[URIRef, dict] = {
            p: {} for p in (PROV.wasDerivedFrom, SC.about, SC.payload, SC.basedIn, SC.kind)
        }
        """predicate -> subject -> objects, in any graph (sources: IRIs only)"""
        self.developers: dict[tuple, None] = {}
        """(development, developer), in any graph"""
        # what to do with each predicate and each class, decided once (feed asks for each
        # distinct one of every file: 12,000 times at 100k triples, each asking rdflib's
        # namespaces for terms and comparing them in Python, about 30 ms)
        self._whats: dict[URIRef, tuple] = {p: self._decide(p) for p in self.PREDICATES}
        self._classes = {c: self._class_action(c) for c in (*self.typed, *_ORG_CLASSES, SC.Payload)}

    def feed(self, quads, graph) -> None:
        """Read ``(s, p, o, graph name)`` quads; a quad whose graph name is None is in ``graph``
        (the identifier of the graph its file's default part goes to)."""
        # What to do with a predicate (or a class), looked up by the object's id: hashing or
        # comparing an rdflib term runs Python code (a set lookup per quad cost 4 us), and a
        # file's quads share their term objects. Each entry holds its term, so no id is reused
        # while it is kept.
        todo: dict[int, tuple] = {}
        classes: dict[int, tuple] = {}
        local, claims_in = self.local, self.claims_in
        for s, p, o, gid in quads:
            entry = todo.get(id(p))
            if entry is None or entry[0] is not p:
                entry = todo[id(p)] = (p, self._what(p))
            what = entry[1]
            if what is None:
                continue
            is_type, is_local, is_about, is_developer, union = what
            g = graph if gid is None else gid
            if is_type:
                entry = classes.get(id(o))
                if entry is None or entry[0] is not o:
                    entry = classes[id(o)] = (o, self._class(o))
                if entry[1] is not None:
                    entry[1](s, g)
                continue
            if is_local:
                _put(local, (g, s, p), o)
            if is_about:
                _put(claims_in, (g, o), s)
            if is_developer:
                self.developers[(s, o)] = None
            if union is not None and (isinstance(o, URIRef) or not union[1]):
                _put(union[0], s, o)

    def _what(self, p) -> tuple | None:
        """(type?, read per graph?, sc:about?, sc:developer?, (union index, IRIs only?) or None),
        or None when nothing is kept of ``p``."""
        return self._whats.get(p)

    def _decide(self, p) -> tuple:
        """:meth:`_what` of a predicate of :data:`PREDICATES`."""
        union = self.union.get(p)
        # a source is an IRI (a literal or blank node there cites no source)
        kept = None if union is None else (union, p == PROV.wasDerivedFrom)
        return (p == RDF.type, p in self._LOCAL, p == SC.about, p == SC.developer, kept)

    def _class(self, c):
        """What to do with a node typed ``c`` in a graph: a callable of (node, graph), or None."""
        return self._classes.get(c)

    def _class_action(self, c):
        """:meth:`_class` of a class that has an action."""
        typed = self.typed.get(c)
        if typed is not None:
            return lambda s, g: typed.__setitem__((s, g), None)
        if c in _ORG_CLASSES:
            return lambda s, g: self.orgs.add(s)
        if c == SC.Payload:
            return lambda s, g: self.payloads.add(s)
        return None

    @classmethod
    def of_dataset(cls, ds: Dataset) -> DeriveInput:
        """The input of a loaded Dataset, read predicate by predicate."""
        fed = cls()
        for p in sorted(cls.PREDICATES):
            fed.feed(
                ((s, p_, o, getattr(g, "identifier", g)) for s, p_, o, g in ds.quads((None, p, None, None))),
                ds.default_graph.identifier,
            )
        return fed

    def objects(self, graph, subject, predicate) -> list:
        """The objects of ``subject predicate`` in ``graph``, each once, in the order read."""
        return list(dict.fromkeys(_values(self.local, (graph, subject, predicate))))


READS = frozenset(DeriveInput.PREDICATES | {SKOS.prefLabel, SKOS.altLabel, SC.partOf} | set(DERIVED))
"""Every predicate what :func:`add_iso_codes` and :func:`add_shortcuts` derive depends on (those
they read, and the derived ones themselves, which a file may state): an edit that adds or
removes no triple of these changes nothing derived (the kept load then
derives nothing again, :mod:`spacecoop.core.keptload`; ``tests/test_derive.py`` derives from the
graph cut down to these and finds the same edges)."""


def add_shortcuts(ds: Dataset, fed: DeriveInput | None = None, *, added: list | None = None) -> int:
    """Derive direct edges from relationship nodes, inside the graph that states them.

    ``?org sc:develops ?payload`` and ``?mission sc:carries ?payload`` from every development and
    carriage. From a participation, what its claims in that graph say:

    * ``?member sc:participatesIn ?organization`` (a sub-property of ``org:memberOf``) when a claim
      makes the member a member in its own name: a joining status
      (:data:`~spacecoop.core.namespaces.JOINING_STATUSES`) at level national for a country or region,
      at level organisation for an organisation;
    * ``?member sc:involvedIn ?organization`` (not under ``org:memberOf``) for every other claim
      but a "not listed": sub-national groups, an engagement through a member organisation, an
      applicant, observer, partner or supporter.

    One participation may give both (Pakistan signed the ILRS, and groups from it are partners).

    And ``?payload sc:developerCountry ?party`` (see :func:`add_developer_countries`).

    ``fed``: what the edges are derived from, indexed while the files were read (see
    :class:`DeriveInput`); without it, it is read from ``ds``. ``added``: as for
    :func:`add_iso_codes`, every edge derived (one already there too).

    Returns
    -------
    int
        The number of triples added.
    """
    from spacecoop.core.namespaces import JOINING_STATUSES

    if fed is None:
        fed = DeriveInput.of_dataset(ds)
    edges: list[tuple] = []  # (graph, s, p, o), in the order derived
    for cls, (subj_p, short, obj_p) in _SHORTCUTS.items():
        for rel, gid in fed.typed[cls]:
            if gid == ONTOLOGY_GRAPH:
                continue
            for s in fed.objects(gid, rel, subj_p):
                for o in fed.objects(gid, rel, obj_p):
                    edges.append((gid, s, short, o))
    joining = {concept("status", s) for s in JOINING_STATUSES}
    not_listed = concept("status", "not-listed")
    national, organisation = concept("level", "national"), concept("level", "organization")
    # the terms read once (an rdflib namespace makes a new one per attribute read)
    organization, member_p, status, level = ORG.organization, ORG.member, SC.status, SC.level
    participates, involved = SC.participatesIn, SC.involvedIn
    for rel, gid in fed.typed[SC.Participation]:
        if gid == ONTOLOGY_GRAPH:
            continue
        targets = fed.objects(gid, rel, organization)
        for m in fed.objects(gid, rel, member_p):
            is_org = m in fed.orgs
            own_level = organisation if is_org else national
            for claim in dict.fromkeys(_values(fed.claims_in, (gid, rel))):
                statuses = set(fed.objects(gid, claim, status))
                levels = set(fed.objects(gid, claim, level))
                if statuses and statuses <= {not_listed}:
                    continue
                member = own_level in levels and bool(statuses & joining)
                short = participates if member else involved
                edges += [(gid, m, short, o) for o in targets]
    return _add_edges(ds, edges, added) + add_developer_countries(ds, fed, added=added)


def _add_edges(ds: Dataset, edges: list[tuple], added: list | None = None) -> int:
    """Add ``(graph, s, p, o)`` edges to the graphs named; return how many were not there yet.
    ``added``: each edge is appended to it as ``(s, p, o, graph)``."""
    from spacecoop.core.rdfbulk import add_all

    if added is not None:
        added += [(s, p, o, gid) for gid, s, p, o in edges]

    graphs: dict = {}

    def each():
        for gid, s, p, o in edges:
            g = graphs.get(gid)
            if g is None:
                g = graphs[gid] = ds.graph(gid)
            yield s, p, o, g

    return add_all(ds, each(), count=True)


def add_developer_countries(ds: Dataset, fed: DeriveInput | None = None, *, added: list | None = None) -> int:
    """Derive ``?payload sc:developerCountry ?party`` in the graph of each source that names a developer.

    For every claim (``sc:about`` a development, ``prov:wasDerivedFrom`` a source IRI) about a
    development (``sc:developer``, ``sc:payload``) of a typed ``sc:Payload``, the edge goes into
    the named graph of the source the claim cites (a claim sits in that graph: the check
    ``claim-outside-its-source-graph``), to the party the developer stands for: the country or
    region it is ``sc:basedIn``, else the organisation itself when it is an international
    organisation, else none. Everything is read in the union, as ``country-partners`` reads it;
    the graphs that hold one edge are then the sources behind it, which lets that query pair two
    developers by the payload alone (:mod:`spacecoop.store.native` derives the same edges).
    ``fed`` and ``added`` as in :func:`add_shortcuts`.

    Returns
    -------
    int
        The number of triples added.
    """
    international = concept("org-kind", "international-organization")
    if fed is None:
        fed = DeriveInput.of_dataset(ds)
    # each index read once (an rdflib namespace makes a new term per attribute read: 23,000 of
    # them at 100k triples when they were read per claim)
    derived_from, about, payload_of, based_in, kind_of = (
        fed.union[p] for p in (PROV.wasDerivedFrom, SC.about, SC.payload, SC.basedIn, SC.kind)
    )
    developer_country = SC.developerCountry
    sources_of: dict = {}
    for claim in derived_from:
        for what in _values(about, claim):
            sources_of.setdefault(what, set()).update(_values(derived_from, claim))
    edges: list[tuple] = []
    for dev, org in fed.developers:
        sources = sources_of.get(dev)
        payloads = _values(payload_of, dev) if sources else ()
        targets = [p for p in dict.fromkeys(payloads) if p in fed.payloads]
        if not targets:
            continue
        parties = set(_values(based_in, org))
        if not parties and international in _values(kind_of, org):
            parties = {org}
        for source in sources or ():
            ds.graph(source)  # made even when no edge goes into it, as it always was
            edges += [(source, p, developer_country, party) for p in targets for party in parties]
    return _add_edges(ds, edges, added)
