"""The prefixes of our CURIEs, and IRIs written as CURIEs and back, with no RDF library.

Apart from :mod:`spacecoop.core.namespaces` (which re-exports them) so that what only prints
IRIs as CURIEs (the tables of ``spacecoop query``) starts without importing rdflib.
"""

from __future__ import annotations

import functools

BASE = "https://w3id.org/spacecoop/"
NS = BASE + "ns#"
ID = BASE + "id/"
VOCAB = BASE + "vocab/"

PREFIXES: dict[str, str] = {
    "sc": NS,
    "id": ID,
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
    "org": "http://www.w3.org/ns/org#",
    "prov": "http://www.w3.org/ns/prov#",
    "schema": "https://schema.org/",
    "skos": "http://www.w3.org/2004/02/skos/core#",
    "dcterms": "http://purl.org/dc/terms/",
    "rdfs": "http://www.w3.org/2000/01/rdf-schema#",
    "xsd": "http://www.w3.org/2001/XMLSchema#",
}
"""Prefixes bound on every graph we write and offered to every query."""


def _namespace_index() -> tuple[dict[str, str], bool]:
    """``{namespace: prefix}`` of :data:`PREFIXES`, and whether every namespace ends in ``/`` or ``#``."""
    return {ns: p for p, ns in PREFIXES.items()}, all(ns.endswith(("/", "#")) for ns in PREFIXES.values())


_NAMESPACES, _SEPARATED = _namespace_index()


@functools.lru_cache(maxsize=1 << 17)
def curie(iri: str) -> str:
    """Return a readable CURIE for an IRI, using the longest matching prefix; else the IRI.

    Every namespace of :data:`PREFIXES` ends in ``/`` or ``#``, so the longest one an IRI starts
    with ends at one of its separators: a few dictionary look-ups, right to left, instead of a
    loop over every prefix (the views call this for every node, edge, claim and source), and
    the last answers cached.

    Examples
    --------
    >>> curie("https://w3id.org/spacecoop/id/country/thailand")
    'country:thailand'
    >>> curie("https://w3id.org/spacecoop/id/payload/change-8/lunar-neutron-analyzer")
    'payload:change-8/lunar-neutron-analyzer'
    >>> curie("https://example.org/elsewhere")
    'https://example.org/elsewhere'
    """
    text = str(iri)
    if not _SEPARATED:  # a namespace ending elsewhere: the plain scan
        return _curie_by_scan(text)
    end = len(text)
    while end > 0:
        cut = max(text.rfind("/", 0, end), text.rfind("#", 0, end))
        if cut < 0:
            break
        prefix = _NAMESPACES.get(text[: cut + 1])
        if prefix is not None:
            return f"{prefix}:{text[cut + 1 :]}"
        end = cut
    return text


def expand_curie(text: str) -> str:
    """Return the IRI a CURIE of :func:`curie` stands for; text with no known prefix as it is.

    Examples
    --------
    >>> expand_curie("country:thailand")
    'https://w3id.org/spacecoop/id/country/thailand'
    >>> expand_curie("https://example.org/elsewhere")
    'https://example.org/elsewhere'
    """
    prefix, _, rest = text.partition(":")
    return PREFIXES[prefix] + rest if prefix in PREFIXES else text


def _curie_by_scan(text: str) -> str:
    best = ""
    for prefix, ns in PREFIXES.items():
        if text.startswith(ns) and len(ns) > len(PREFIXES.get(best, "")):
            best = prefix
    if not best:
        return text
    return f"{best}:{text[len(PREFIXES[best]) :]}"
