"""The RDF graph projected into networkx (countries, actors, full), its analytics and its exports
(GraphML, GEXF, JSON, JSON-LD).

See ARCHITECTURE.md for how the parts fit."""
