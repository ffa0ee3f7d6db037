"""Our vocabulary: SC equals the ontology; every term is labelled and defined; minting is stable."""

from __future__ import annotations

import pytest
from rdflib import OWL, RDF, RDFS, SKOS, Graph, URIRef

import spacecoop
from spacecoop.core.namespaces import NS, SC, curie, entity_iri, relationship_iri, slugify


@pytest.fixture(scope="module")
def ontology(root) -> Graph:
    return Graph().parse(root / "ontology" / "spacecoop.ttl")


def declared_terms(g: Graph) -> set[str]:
    kinds = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
    return {str(s)[len(NS) :] for k in kinds for s in g.subjects(RDF.type, k) if str(s).startswith(NS)}


def test_sc_namespace_equals_the_ontology(ontology):
    names = set(SC.__annotations__)
    assert names == declared_terms(ontology)


def test_misspelt_terms_raise():
    with pytest.raises(AttributeError):
        SC.certanity  # noqa: B018


def test_every_term_has_a_label_and_a_definition(ontology):
    for name in declared_terms(ontology):
        term = URIRef(NS + name)
        assert ontology.value(term, RDFS.label), name
        assert ontology.value(term, SKOS.definition), name


def test_every_concept_has_a_label_and_a_definition(root):
    g = Graph().parse(root / "ontology" / "vocabularies.ttl")
    concepts = list(g.subjects(RDF.type, SKOS.Concept))
    assert len(concepts) > 30
    for c in concepts:
        assert g.value(c, SKOS.prefLabel) and g.value(c, SKOS.definition) and g.value(c, SKOS.inScheme), c


def test_public_api_is_sorted_and_importable():
    assert spacecoop.__all__ == sorted(spacecoop.__all__)
    for name in spacecoop.__all__:
        assert getattr(spacecoop, name) is not None, name
    with pytest.raises(AttributeError):
        spacecoop.no_such_thing  # noqa: B018


@pytest.mark.parametrize(
    "name, slug",
    [
        ("Chang’e-8", "change-8"),
        ("Chang'e-8", "change-8"),
        ("Star.Vision", "star-vision"),
        ("Türkiye", "turkiye"),
        ("R&D Centre", "r-and-d-centre"),
        ("  Sri  Lanka ", "sri-lanka"),
    ],
)
def test_slugify(name, slug):
    assert slugify(name) == slug


def test_slugify_refuses_names_without_letters():
    with pytest.raises(ValueError, match="cannot mint"):
        slugify("’ – ’")


def test_minting_is_independent_of_the_source_spelling():
    assert entity_iri("mission", "Chang’e-8") == entity_iri("mission", "Chang'e-8")
    with pytest.raises(ValueError, match="unknown entity kind"):
        entity_iri("planet", "Mars")
    with pytest.raises(ValueError, match="unknown relationship kind"):
        relationship_iri("friendship", entity_iri("country", "Peru"))


def test_agreement_parties_are_unordered():
    a, b = entity_iri("country", "Russia"), entity_iri("country", "China")
    assert relationship_iri("agreement", a, b) == relationship_iri("agreement", b, a)
    assert relationship_iri("participation", a, b) != relationship_iri("participation", b, a)


def test_curie():
    assert curie("https://w3id.org/spacecoop/id/org/roscosmos") == "agent:roscosmos"
    assert curie("https://w3id.org/spacecoop/vocab/certainty/hedged") == "certainty:hedged"
    assert curie("http://example.org/x") == "http://example.org/x"


def test_functions_named_like_pipeline_steps_stay_functions():
    """build, load and validate are functions of the package; their modules live in subpackages, so
    importing a module never replaces the function (no module shares a name with the API)."""
    import importlib
    import importlib.util

    for name, module in (("build", "publish.build"), ("load", "core.load"), ("validate", "checks.validate")):
        importlib.import_module(f"spacecoop.{module}")
        assert callable(getattr(spacecoop, name)), name
        assert getattr(spacecoop, name) is getattr(importlib.import_module(f"spacecoop.{module}"), name)
    for name in spacecoop.__all__:
        assert importlib.util.find_spec(f"spacecoop.{name}") is None, (
            f"a module spacecoop.{name} shadows the API"
        )


def test_joining_statuses_equal_the_vocabulary_collection(root):
    from spacecoop.core.namespaces import JOINING_STATUSES, concept

    g = Graph().parse(root / "ontology" / "vocabularies.ttl")
    members = set(g.objects(concept("status", "joining"), SKOS.member))
    assert members == {concept("status", s) for s in JOINING_STATUSES}
    assert (concept("status", "joining"), RDF.type, SKOS.Collection) in g


def test_certainty_is_one_hierarchy(root):
    from spacecoop.core.namespaces import concept

    g = Graph().parse(root / "ontology" / "vocabularies.ttl")
    tops = set(g.objects(concept("certainty", ""), SKOS.hasTopConcept)) or set(
        g.objects(URIRef("https://w3id.org/spacecoop/vocab/certainty"), SKOS.hasTopConcept)
    )
    assert tops == {concept("certainty", c) for c in ("stated", "hedged", "disputed", "contradicted")}
    broader = {str(c).rsplit("/", 1)[1]: str(b).rsplit("/", 1)[1] for c, b in g.subject_objects(SKOS.broader)}
    assert broader == {"confirmed": "stated", "reported": "stated", "unconfirmed": "hedged"}
