"""Format negotiation: which format answers a request (``Accept`` or ``format``), and the answer
written in it (:mod:`spacecoop.sparql.results` writes every format but RDF/XML)."""

from __future__ import annotations

from collections.abc import Mapping

from spacecoop.endpoint.guard import QueryRefused

__all__ = [
    "ALL_FORMAT_NAMES",
    "FORMAT_NAMES",
    "GRAPH_MEDIA",
    "GRAPH_TYPES",
    "TABULAR_TYPES",
    "negotiate",
    "parse_accept",
    "serialize",
]


# Media types offered for each kind of result, in our order of preference (first = default).
TABULAR_TYPES = {
    "application/sparql-results+json": "json",
    "application/json": "json",
    "application/sparql-results+xml": "xml",
    "application/xml": "xml",
    "text/xml": "xml",
    "text/csv": "csv",
    "text/tab-separated-values": "tsv",
}
GRAPH_TYPES = {
    "text/turtle": "turtle",
    "application/x-turtle": "turtle",
    "text/n3": "turtle",  # Turtle is a subset of N3, so a Turtle document is valid N3
    "application/n-triples": "nt",
    "text/plain": "nt",
    "application/ld+json": "jsonld",
    "application/json": "jsonld",
    "application/rdf+xml": "rdfxml",
    "application/xml": "rdfxml",
}
GRAPH_MEDIA = {
    "turtle": "text/turtle; charset=utf-8",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
    "rdfxml": "application/rdf+xml",
}
# Values of the ``format`` parameter (SPARQLWrapper sends json, xml, csv, tsv, turtle, n3, json-ld).
FORMAT_NAMES = {
    "tabular": {"json": "json", "xml": "xml", "csv": "csv", "tsv": "tsv"},
    "graph": {
        "turtle": "turtle",
        "ttl": "turtle",
        "n3": "turtle",
        "nt": "nt",
        "ntriples": "nt",
        "n-triples": "nt",
        "jsonld": "jsonld",
        "json-ld": "jsonld",
        "json": "jsonld",
        "rdfxml": "rdfxml",
        "rdf+xml": "rdfxml",
        "xml": "rdfxml",
    },
}
ALL_FORMAT_NAMES = sorted(set(FORMAT_NAMES["tabular"]) | set(FORMAT_NAMES["graph"]))


def parse_accept(accept: str) -> list[tuple[str, float, int]]:
    """Return ``(media range, q, position)`` for each entry of an Accept header."""
    out = []
    for i, part in enumerate(accept.split(",")):
        bits = [b.strip() for b in part.split(";")]
        media = bits[0].lower()
        if not media:
            continue
        q = 1.0
        for b in bits[1:]:
            k, _, v = b.partition("=")
            if k.strip().lower() == "q":
                try:
                    q = max(0.0, min(1.0, float(v)))
                except ValueError:
                    q = 0.0
        out.append((media, q, i))
    return out


def negotiate(kind: str, accept: str | None = None, fmt: str | None = None) -> str:
    """Choose the result format for a query of ``kind`` from a ``format`` value or an Accept header.

    Returns a format name of :func:`spacecoop.sparql.results.serialize_result` (or ``rdfxml``).

    Raises
    ------
    QueryRefused
        Status 406 when no offered format is acceptable; 400 for an unknown ``format`` value.

    Examples
    --------
    >>> negotiate("SELECT", "text/csv")
    'csv'
    >>> negotiate("CONSTRUCT", "application/ld+json, text/turtle;q=0.5")
    'jsonld'
    >>> negotiate("ASK", None, "xml")
    'xml'
    >>> negotiate("SELECT", "application/sparql-results+json;q=0, */*;q=0.1")
    'xml'
    >>> negotiate("SELECT", "text/*")
    'csv'
    >>> negotiate("CONSTRUCT", "application/sparql-results+xml, application/sparql-results+json")
    'turtle'
    """
    graph = kind in ("CONSTRUCT", "DESCRIBE")
    family = "graph" if graph else "tabular"
    types = GRAPH_TYPES if graph else TABULAR_TYPES
    offered = "Turtle, N-Triples, JSON-LD, RDF/XML" if graph else "JSON, XML, CSV, TSV"
    if fmt:
        name = fmt.strip().lower()
        if name in FORMAT_NAMES[family]:
            return FORMAT_NAMES[family][name]
        media = name.split(";")[0].strip()
        if media in types:
            return types[media]
        if name in ALL_FORMAT_NAMES or "/" in name:
            raise QueryRefused(f"format {fmt!r} does not fit a {kind} result; offered: {offered}", 406)
        raise QueryRefused(f"unknown format {fmt!r}; use one of {', '.join(ALL_FORMAT_NAMES)}")
    ranges = parse_accept(accept or "*/*")
    choice = _best_format(types, ranges)
    if (
        choice is None
        and graph
        and any(q > 0 for _rng, q, _pos in ranges)
        and all(rng in TABULAR_TYPES for rng, _q, _pos in ranges)
    ):
        # The client named only result-set types (roqet always asks that way) for a query that
        # answers with a graph: give it the graph's default, Turtle, rather than 406.
        return "turtle"
    if choice is None:
        raise QueryRefused(
            f"no acceptable format for a {kind} result (Accept: {accept}); offered: {offered}", 406
        )
    return choice


def _best_format(types: Mapping[str, str], ranges: list[tuple[str, float, int]]) -> str | None:
    """The format whose media types the Accept ranges like best (RFC 9110 section 12.5.1).

    Each format is judged by its most specific matching range; a format any of whose media types
    is refused outright (``q=0`` on the exact type) is never chosen, whatever a wildcard says.
    Wildcards match a format's first (canonical) media type only, so ``text/*`` means CSV or TSV
    rather than the ``text/xml`` alias of SPARQL XML.
    """
    by_name: dict[str, list[str]] = {}
    for media, name in types.items():
        by_name.setdefault(name, []).append(media)
    best: tuple | None = None
    for rank, (name, medias) in enumerate(by_name.items()):
        refused = any(rng == m and q <= 0 for m in medias for rng, q, _pos in ranges)
        if refused:
            continue
        canonical = medias[0]
        top = canonical.split("/")[0]
        match = None
        for rng, q, pos in ranges:
            if rng in medias:
                spec = 2
            elif rng == f"{top}/*":
                spec = 1
            elif rng in ("*/*", "*"):
                spec = 0
            else:
                continue
            if match is None or spec > match[1]:
                match = (q, spec, pos)
        if match is None or match[0] <= 0:
            continue
        key = (match[0], match[1], -match[2], -rank)
        if best is None or key > best[0]:
            best = (key, name)
    return None if best is None else best[1]


def serialize(result, fmt: str) -> tuple[bytes, str]:
    """Write a :class:`~spacecoop.store.QueryResult` as ``fmt``; return the bytes and media type.

    Raises
    ------
    QueryRefused
        Status 406 when XML is asked for and the result holds a character XML 1.0 cannot carry,
        or when a graph holds a term rdflib will not write in the format asked for.
    """
    from spacecoop.sparql.results import (
        NotWritableError,
        NotXmlError,
        check_xml_text,
        media_type,
        serialize_result,
    )

    if fmt == "rdfxml":
        from spacecoop.core.namespaces import bind_prefixes

        bind_prefixes(result.graph)
        text = result.graph.serialize(format="xml")
        try:
            check_xml_text(text, "Turtle, N-Triples or JSON-LD")
        except NotXmlError as exc:
            raise QueryRefused(str(exc).replace("of a value", "of the document"), 406) from None
        return text.encode("utf-8"), GRAPH_MEDIA["rdfxml"]
    try:
        return serialize_result(result, fmt), media_type(result, fmt)
    except (NotXmlError, NotWritableError) as exc:
        raise QueryRefused(str(exc), 406) from None
