"""The one Turtle/TriG writer (spacecoop.core.turtle): what it writes reads back as the same terms."""

from __future__ import annotations

import itertools

import pyoxigraph as ox
import pytest
from rdflib import RDF, SKOS, XSD, Dataset, Graph, Literal, URIRef
from rdflib.compare import isomorphic

from spacecoop.core import turtle
from spacecoop.core.namespaces import ID, SC

# Every text of up to four of these characters: quotes at the end, runs of three, backslashes
# before quotes, line breaks (long strings) and carriage returns.
TEXTS = sorted({"".join(p) for n in range(1, 5) for p in itertools.product('a"\\\n\r', repeat=n)})


@pytest.mark.parametrize("long", [True, False])
def test_every_string_reads_back_as_itself_in_rdflib_and_oxigraph(long):
    doc = "\n".join(f"<urn:s{i}> <urn:p> {turtle.string(t, long=long)} ." for i, t in enumerate(TEXTS))
    g = Graph().parse(data=doc, format="turtle")
    assert [str(g.value(URIRef(f"urn:s{i}"), URIRef("urn:p"))) for i in range(len(TEXTS))] == TEXTS
    got = {q.subject.value: q.object.value for q in ox.parse(doc.encode(), format=ox.RdfFormat.TURTLE)}
    assert [got[f"urn:s{i}"] for i in range(len(TEXTS))] == TEXTS


def test_strings_are_written_as_rdflib_writes_them_where_rdflib_is_right():
    # The committed table files were written with rdflib's Literal.n3(): the same bytes, except
    # where n3() writes a long string that does not parse (it ends in an escaped backslash and a quote).
    for t in TEXTS:
        if "\n" in t and t.endswith('\\"'):
            continue
        assert turtle.string(t) == Literal(t).n3(), repr(t)


def test_a_dataset_is_written_the_same_whatever_the_order_it_was_built_in():
    peru, chile, src = ID["country/peru"], ID["country/chile"], ID["source/a"]
    quads = [
        (peru, RDF.type, SC.Country, None),
        (peru, SKOS.prefLabel, Literal("Peru", lang="en"), None),
        (chile, SKOS.prefLabel, Literal('Chile "CL"\nline two', lang="en"), src),
        (chile, SC.planned, Literal(True), src),
        (chile, SC.date, Literal("2020", datatype=XSD.gYear), src),
        (chile, SKOS.note, Literal("x", datatype=URIRef("urn:dt")), src),
    ]
    texts = set()
    for order in (quads, quads[::-1]):
        ds = Dataset()
        for s, p, o, g in order:
            (ds.default_graph if g is None else ds.graph(g)).add((s, p, o))
        texts.add(turtle.dataset_text(ds))
    (text,) = texts
    back = Dataset().parse(data=text, format="trig")
    assert isomorphic(back.graph(src), ds.graph(src))
    assert isomorphic(back.default_graph, ds.default_graph)
    assert "<country/peru> a sc:Country" in text and "sc:planned true" in text and "^^xsd:gYear" in text
    assert len(list(ox.parse(text.encode(), format=ox.RdfFormat.TRIG))) == len(quads)
