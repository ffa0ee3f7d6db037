"""rdfterms.term_makers makes the terms rdflib's constructors make, attribute for attribute."""

from __future__ import annotations

import pickle

import pyoxigraph as ox
import pytest
from rdflib import Graph, Literal, URIRef

from spacecoop.core import rdfterms
from spacecoop.core.rdfterms import from_oxigraph, from_text

IRIS = [
    "https://w3id.org/spacecoop/id/country/peru",
    "urn:x:a",
    "https://example.org/caf\u00e9/\u6708\u7403?q=1#frag",
    "http://a/%20b",
    "",
]
TEXTS = ["Peru", "", "  spaced\nlines\t", "caf\u00e9 \u6708\u7403 \U0001f680", "07", "true", '"quoted"']
TAGS = [None, "", "en", "EN-gb", "zh-Hans-CN", "x-private", "de-1996"]


def _fields(term) -> tuple:
    """Everything a term is: its type, text, attributes, hash, N3, and how it compares and pickles."""
    out = (type(term), str(term), hash(term), term.n3())
    if isinstance(term, Literal):
        out += (term._language, term._datatype, term._value, term._ill_typed, term.value, term.toPython())
    return (*out, pickle.loads(pickle.dumps(term)))


def _makers_apply() -> bool:
    import rdflib

    return rdflib.__version__ in rdfterms.CHECKED_RDFLIB_VERSIONS


@pytest.mark.parametrize("text", IRIS)
def test_an_iri_is_what_uriref_makes(text):
    made = rdfterms.term_makers()[0](text)
    assert _fields(made) == _fields(URIRef(text))
    assert made == URIRef(text) and made in {URIRef(text)}


@pytest.mark.parametrize("lang", TAGS)
@pytest.mark.parametrize("text", TEXTS)
def test_a_literal_without_datatype_is_what_literal_makes(text, lang):
    made = rdfterms.term_makers()[1](text, lang)
    expected = Literal(text, lang=lang)
    assert _fields(made) == _fields(expected)
    assert made == expected and made.eq(expected)
    g = Graph()  # and rdflib's store and writers take it as they take the constructor's
    g.add((URIRef("urn:x:s"), URIRef("urn:x:p"), made))
    assert (URIRef("urn:x:s"), URIRef("urn:x:p"), expected) in g
    assert g.serialize(format="nt") == Graph().add(
        (URIRef("urn:x:s"), URIRef("urn:x:p"), expected)
    ).serialize(format="nt")


def test_a_tag_rdflib_refuses_is_refused_as_rdflib_refuses_it():
    with pytest.raises(ValueError) as expected:
        Literal("x", lang="not a tag")
    for _ in range(2):  # the second time from the memo of tags
        with pytest.raises(ValueError) as made:
            rdfterms.term_makers()[1]("x", "not a tag")
        assert str(made.value) == str(expected.value)


@pytest.mark.parametrize(
    "term",
    [
        ox.NamedNode("https://w3id.org/spacecoop/id/org/cnsa"),
        ox.Literal("Chang'e-8", language="en"),
        ox.Literal("plain"),
        ox.Literal("typed as string", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#string")),
        ox.Literal("2023-04", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#gYearMonth")),
        ox.Literal("7", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
        ox.Literal("07", datatype=ox.NamedNode("http://www.w3.org/2001/XMLSchema#integer")),
    ],
)
def test_oxigraph_terms_convert_as_the_constructors_make_them(term):
    """from_oxigraph and from_text: the rdflib term the constructors make of the engine's term."""
    if isinstance(term, ox.NamedNode):
        expected = URIRef(term.value)
    elif term.language:
        expected = Literal(term.value, lang=term.language)
    elif term.datatype.value.endswith("#string"):
        expected = Literal(term.value)
    else:
        expected = Literal(term.value, datatype=URIRef(term.datatype.value))
    assert _fields(from_oxigraph(term)) == _fields(expected)
    if isinstance(term, ox.Literal):
        assert _fields(from_text("literal", term.value, term.language or "", term.datatype.value)) == _fields(
            expected
        )


def test_other_oxigraph_terms_convert_as_before():
    from rdflib import BNode

    assert from_oxigraph(ox.BlankNode("b1")) == BNode("b1")
    assert type(from_oxigraph(ox.BlankNode("b1"))) is BNode
    assert from_oxigraph(ox.DefaultGraph()) is None
    assert from_oxigraph(None) is None
    with pytest.raises(TypeError, match="cannot convert"):
        from_oxigraph("not a term")


@pytest.fixture
def fresh_makers():
    """term_makers and oxigraph_converter made anew in the test, and again after it."""
    for made in (rdfterms.term_makers, rdfterms.oxigraph_converter):
        made.cache_clear()
    yield
    for made in (rdfterms.term_makers, rdfterms.oxigraph_converter):
        made.cache_clear()


def test_the_fast_makers_apply_only_on_checked_versions(monkeypatch, fresh_makers):
    """On a version not checked, the makers are rdflib's constructors (no instance made by hand)."""
    made: list = []
    monkeypatch.setattr(rdfterms, "CHECKED_RDFLIB_VERSIONS", frozenset({"0.0"}))

    class Spy(Literal):
        def __new__(cls, *args, **kwargs):
            made.append(args)
            return Literal.__new__(Literal, *args, **kwargs)

    monkeypatch.setattr(rdfterms, "_RDFLIB_TERMS", (URIRef, None, Spy))
    iri, plain = rdfterms.term_makers()
    assert iri is URIRef
    assert plain("x", "en") == Literal("x", lang="en")
    assert made == [("x",)]
    assert from_oxigraph(ox.Literal("y", language="fr")) == Literal("y", lang="fr")  # through them too
    assert made == [("x",), ("y",)]


def test_the_fast_makers_are_in_use_here():
    """The tests above compare the hand-made terms only where they are made (a checked version)."""
    if not _makers_apply():
        pytest.skip("rdflib is not a version term_makers was checked against")
    iri, plain = rdfterms.term_makers()
    assert iri is not URIRef
    assert plain.__name__ == "plain"


_XSD = "http://www.w3.org/2001/XMLSchema#"


@pytest.mark.parametrize(
    ("value", "datatype"),
    [
        ("2024-05-01", "date"),
        ("01", "integer"),  # rdflib writes it "1"
        ("not a date", "date"),  # ill-typed: rdflib keeps the text, no value
        ("2024-05", "gYearMonth"),
        ("true", "boolean"),
    ],
)
def test_a_typed_literal_is_what_literal_makes_and_is_made_once(value, datatype, monkeypatch):
    """A typed literal (rdflib parses its value: about 8 us a date) is made once per process and
    given again, the literal rdflib's constructor makes (an answer repeats its dates and counts)."""
    monkeypatch.setattr(rdfterms, "_TYPED", {})
    first = from_text("literal", value, "", _XSD + datatype)
    again = from_text("literal", value, "", _XSD + datatype)
    expected = Literal(value, datatype=URIRef(_XSD + datatype))
    for made in (first, again):
        assert made == expected and str(made) == str(expected) and made.value == expected.value
    assert again is first
    assert from_oxigraph(ox.Literal(value, datatype=ox.NamedNode(_XSD + datatype))) is first


def test_the_typed_literals_kept_are_bounded(monkeypatch):
    monkeypatch.setattr(rdfterms, "_TYPED", {})
    monkeypatch.setattr(rdfterms, "_TYPED_AT_MOST", 3)
    for n in range(10):
        assert from_text("literal", str(n), "", _XSD + "integer").value == n
        assert len(rdfterms._TYPED) <= 3
