"""What loading adds to the sources: ISO 3166 codes from pycountry, and the shortcut edges
(``sc:develops``, ``sc:carries``, ``sc:participatesIn``, ``sc:involvedIn``,
``sc:developerCountry``) derived from each claim."""

from __future__ import annotations

from rdflib import PROV, RDF, SKOS, Dataset, Graph, Literal, URIRef

from spacecoop.core.namespaces import ONTOLOGY_GRAPH, ORG, SC, concept


def _labels(g: Graph, node) -> list[str]:
    pref = [str(o) for o in g.objects(node, SKOS.prefLabel)]
    alt = sorted(str(o) for o in g.objects(node, SKOS.altLabel))
    return pref + alt


def add_iso_codes(ds: Dataset) -> int:
    """Add ISO 3166 codes from pycountry to every country and region, looked up by its labels.

    A country is looked up among ISO 3166-1 entries; a region first among ISO 3166-1 entries (Hong
    Kong has its own alpha-2 code) and then among the subdivisions of the country it is part of
    (Hawaii is US-HI). Nodes that match nothing get no code, which validation reports.

    Returns
    -------
    int
        The number of triples added.
    """

    g = ds.default_graph
    added = 0
    nodes = set(ds.subjects(RDF.type, SC.Country)) | set(ds.subjects(RDF.type, SC.Region))
    for node in sorted(nodes, key=lambda n: (type(n).__name__, str(n))):  # IRIs, in IRI order
        labels = _labels(ds, node)
        is_region = (node, RDF.type, SC.Region) in ds
        country = _country(labels)
        sub = _subdivision(ds, node, labels) if is_region else None
        # A region takes an ISO 3166-1 code only when ISO also lists it as a subdivision of its
        # country under the same letters (Hong Kong: HK and CN-HK), never by name alone (the US
        # state of Georgia is not the country Georgia).
        if is_region and (sub is None or country is None or sub.code.split("-")[1] != country.alpha_2):
            country = None
        if country is not None:
            for p, v in (
                (SC.iso3166Alpha2, country.alpha_2),
                (SC.iso3166Alpha3, country.alpha_3),
                (SC.iso3166Numeric, country.numeric),
            ):
                g.add((node, p, Literal(v)))
                added += 1
        if sub is not None:
            g.add((node, SC.iso3166Subdivision, Literal(sub.code)))
            added += 1
    return added


def _country(labels: list[str]):
    import pycountry

    for label in labels:
        try:
            return pycountry.countries.lookup(label)
        except LookupError:
            continue
    return None


def _subdivision(ds: Dataset, node, labels: list[str]):
    import pycountry

    for parent in ds.objects(node, SC.partOf):
        country = _country(_labels(ds, parent))
        codes = [country.alpha_2] if country is not None else []
        for code in codes:
            for sub in pycountry.subdivisions.get(country_code=code) or ():
                if sub.name in labels:
                    return sub
    return None


_SHORTCUTS = {
    SC.PayloadDevelopment: (SC.developer, SC.develops, SC.payload),
    SC.PayloadCarriage: (SC.mission, SC.carries, SC.payload),
}


_ORG_CLASSES = (SC.Organization, SC.Initiative)


def add_shortcuts(ds: Dataset) -> int:
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

    Returns
    -------
    int
        The number of triples added.
    """
    from spacecoop.core.namespaces import JOINING_STATUSES

    added = 0
    # One pass over the typed relationship nodes with the graph each sits in: asking every graph
    # for its typed nodes instead scans all graphs' type triples per graph (quadratic: 40 s at
    # 100k triples, about an hour at 1M).
    for cls, (subj_p, short, obj_p) in _SHORTCUTS.items():
        for rel, _, _, ctx in list(ds.quads((None, RDF.type, cls, None))):
            gid = getattr(ctx, "identifier", ctx)
            if gid == ONTOLOGY_GRAPH:
                continue
            g = ds.graph(gid)
            for s in list(g.objects(rel, subj_p)):
                for o in list(g.objects(rel, obj_p)):
                    if (s, short, o) not in g:
                        g.add((s, short, o))
                        added += 1
    joining = {concept("status", s) for s in JOINING_STATUSES}
    not_listed = concept("status", "not-listed")
    national, organisation = concept("level", "national"), concept("level", "organization")
    for rel, _, _, ctx in list(ds.quads((None, RDF.type, SC.Participation, None))):
        gid = getattr(ctx, "identifier", ctx)
        if gid == ONTOLOGY_GRAPH:
            continue
        g = ds.graph(gid)
        members = list(g.objects(rel, ORG.member))
        targets = list(g.objects(rel, ORG.organization))
        for m in members:
            is_org = any((m, RDF.type, c) in ds for c in _ORG_CLASSES)
            own_level = organisation if is_org else national
            for claim in list(g.subjects(SC.about, rel)):
                statuses = set(g.objects(claim, SC.status))
                levels = set(g.objects(claim, SC.level))
                if statuses and statuses <= {not_listed}:
                    continue
                member = own_level in levels and bool(statuses & joining)
                short = SC.participatesIn if member else SC.involvedIn
                for o in targets:
                    if (m, short, o) not in g:
                        g.add((m, short, o))
                        added += 1
    return added + add_developer_countries(ds)


def add_developer_countries(ds: Dataset) -> int:
    """Derive ``?payload sc:developerCountry ?party`` in the graph of each source that names a developer.

    For every claim (``sc:about`` a development, ``prov:wasDerivedFrom`` a source IRI) about a
    development (``sc:developer``, ``sc:payload``) of a typed ``sc:Payload``, the edge goes into
    the named graph of the source the claim cites (a claim sits in that graph: the check
    ``claim-outside-its-source-graph``), to the party the developer stands for: the country or
    region it is ``sc:basedIn``, else the organisation itself when it is an international
    organisation, else none. Everything is read in the union, as ``country-partners`` reads it;
    the graphs that hold one edge are then the sources behind it, which lets that query pair two
    developers by the payload alone (:mod:`spacecoop.store.native` derives the same edges).

    Returns
    -------
    int
        The number of triples added.
    """
    international = concept("org-kind", "international-organization")
    payloads = set(ds.subjects(RDF.type, SC.Payload))
    # Indexes built in one pass each: asking the union Dataset per development is slower.
    cited: dict = {}
    for claim, source in ds.subject_objects(PROV.wasDerivedFrom):
        if isinstance(source, URIRef):
            cited.setdefault(claim, set()).add(source)
    sources_of: dict = {}
    for claim, about in ds.subject_objects(SC.about):
        if claim in cited:
            sources_of.setdefault(about, set()).update(cited[claim])
    added = 0
    for dev, org in set(ds.subject_objects(SC.developer)):
        sources = sources_of.get(dev)
        targets = [p for p in set(ds.objects(dev, SC.payload)) if p in payloads] if sources else []
        if not targets:
            continue
        parties = set(ds.objects(org, SC.basedIn))
        if not parties and (org, SC.kind, international) in ds:
            parties = {org}
        for source in sources or ():
            g = ds.graph(source)
            for p in targets:
                for party in parties:
                    if (p, SC.developerCountry, party) not in g:
                        g.add((p, SC.developerCountry, party))
                        added += 1
    return added
