"""The SPARQL 1.1 Service Description of the endpoint (``GET /sparql`` without a query)."""

from __future__ import annotations

from collections.abc import Mapping

from spacecoop.endpoint.guard import UNION_GRAPH

__all__ = ["service_description"]

# --------------------------------------------------------------------------------------------
# The service description


def service_description(endpoint: str, graphs: Mapping[str, int], default_triples: int):
    """Return the SPARQL Service Description of the endpoint as an rdflib Graph.

    Parameters
    ----------
    endpoint : str
        The endpoint's URL (``http://127.0.0.1:8000/sparql``).
    graphs : mapping of str to int
        Named graph IRI -> number of triples.
    default_triples : int
        Triples in the default graph (the union of all graphs).
    """
    from rdflib import BNode, Graph, Literal, Namespace, URIRef
    from rdflib.namespace import DCTERMS, RDF, VOID

    SD = Namespace("http://www.w3.org/ns/sparql-service-description#")
    FORMATS = Namespace("http://www.w3.org/ns/formats/")
    g = Graph()
    g.bind("sd", SD)
    g.bind("formats", FORMATS)
    g.bind("void", VOID)
    g.bind("dcterms", DCTERMS)
    svc = BNode("service")
    g.add((svc, RDF.type, SD.Service))
    g.add((svc, SD.endpoint, URIRef(endpoint)))
    g.add((svc, DCTERMS.title, Literal("spacecoop: international space cooperation, every fact sourced")))
    g.add((svc, SD.supportedLanguage, SD.SPARQL11Query))
    g.add((svc, SD.feature, SD.UnionDefaultGraph))
    g.add((svc, SD.defaultEntailmentRegime, URIRef("http://www.w3.org/ns/entailment/Simple")))
    for fmt in (
        "SPARQL_Results_JSON",
        "SPARQL_Results_XML",
        "SPARQL_Results_CSV",
        "SPARQL_Results_TSV",
        "Turtle",
        "N-Triples",
        "JSON-LD",
        "RDF_XML",
    ):
        g.add((svc, SD.resultFormat, FORMATS[fmt]))
    dataset = BNode("dataset")
    g.add((svc, SD.defaultDataset, dataset))
    g.add((dataset, RDF.type, SD.Dataset))
    default = URIRef(UNION_GRAPH)  # its name for default-graph-uri and FROM
    g.add((dataset, SD.defaultGraph, default))
    g.add((default, RDF.type, SD.Graph))
    g.add((default, VOID.triples, Literal(default_triples)))
    for i, (name, n) in enumerate(sorted(graphs.items())):
        ng, gr = BNode(f"ng{i}"), BNode(f"g{i}")
        g.add((dataset, SD.namedGraph, ng))
        g.add((ng, RDF.type, SD.NamedGraph))
        g.add((ng, SD.name, URIRef(name)))
        g.add((ng, SD.graph, gr))
        g.add((gr, RDF.type, SD.Graph))
        g.add((gr, VOID.triples, Literal(n)))
    return g
