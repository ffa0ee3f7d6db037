"""Write Turtle and TriG the way the project's files are written: readable and byte-stable.

One writer for every file the package generates (``import-table``, ``add``, ``synth``): an
``@base`` under which entity IRIs are written relative (``<country/peru>``), the house prefixes,
one block per subject (predicates in the order given, a repeated triple written once), short
blocks on one line. The caller chooses the order of the triples, so the same input gives the same
bytes; :func:`graph_text`, :func:`dataset_text` and :func:`graphs_text` sort them first, for whole
graphs that come in no order of their own (``spacecoop build``).

See Also
--------
spacecoop.sparql.results.term_turtle : one RDF term in the one-line syntax of SPARQL TSV results.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from functools import lru_cache

from rdflib import RDF, RDFS, SKOS, XSD, BNode, Literal, URIRef
from rdflib.namespace import DCTERMS, PROV

from spacecoop.core.namespaces import ID, ORG, SC, SCHEMA, VOCAB
from spacecoop.core.rdfterms import turtle_string as string  # where rdflib is not imported

BASE = str(ID)
"""The ``@base`` of generated files: entity IRIs are written relative to it."""

PREFIXES: tuple[tuple[str, str], ...] = (
    ("sc", str(SC)),
    ("org", str(ORG)),
    ("prov", str(PROV)),
    ("schema", str(SCHEMA)),
    ("skos", str(SKOS)),
    ("rdfs", str(RDFS)),
    ("xsd", str(XSD)),
    ("dcterms", str(DCTERMS)),
    ("kind", f"{VOCAB}org-kind/"),
    ("certainty", f"{VOCAB}certainty/"),
    ("status", f"{VOCAB}status/"),
    ("level", f"{VOCAB}level/"),
    ("precision", f"{VOCAB}date-precision/"),
    ("agreement-kind", f"{VOCAB}agreement-kind/"),
)
"""The prefixes every generated file declares, in the order it declares them."""

ROLE_PREFIX: tuple[tuple[str, str], ...] = (("role", f"{VOCAB}role/"),)
"""The role scheme's prefix: declared only by the files that use it (fact sheets, synth), so the
table's files stay as they were; always used to abbreviate."""

_ALL = PREFIXES + ROLE_PREFIX
_LOCAL = re.compile(r"^[A-Za-z][A-Za-z0-9_-]*$")
_BOOLEAN = XSD.boolean  # a DefinedNamespace look-up costs a Python call: done once


def header(prefixes: Sequence[tuple[str, str]] = PREFIXES, base: str = BASE) -> str:
    """Return the ``@base`` (unless ``base`` is empty) and ``@prefix`` lines of a file, names
    padded into one column.

    Examples
    --------
    >>> print(header((("sc", "https://w3id.org/spacecoop/ns#"),)), end="")
    @base <https://w3id.org/spacecoop/id/> .
    @prefix sc:        <https://w3id.org/spacecoop/ns#> .
    """
    lines = [f"@base <{base}> ."] if base else []
    lines += [f"@prefix {p + ':':<10} <{ns}> ." for p, ns in prefixes]
    return "\n".join(lines) + "\n"


class _Terms:
    """Writes terms for one set of prefixes and one base, remembering the IRIs it wrote."""

    def __init__(self, prefixes: tuple[tuple[str, str], ...], base: str) -> None:
        self.prefixes = tuple(sorted(prefixes, key=lambda x: -len(x[1])))  # longest namespace first
        self.base = base
        self.iris: dict[str, str] = {}

    def iri(self, value: str) -> str:
        written = self.iris.get(value)
        if written is None:
            if len(self.iris) > 200_000:  # a memo, not a leak: start afresh
                self.iris.clear()
            written = self.iris[value] = self._iri(value)
        return written

    def _iri(self, value: str) -> str:
        if self.base and value.startswith(self.base):
            return f"<{value[len(self.base) :]}>"
        for prefix, ns in self.prefixes:
            if value.startswith(ns) and _LOCAL.match(value[len(ns) :]):
                return f"{prefix}:{value[len(ns) :]}"
        return f"<{value}>"

    def term(self, t) -> str:
        if isinstance(t, URIRef):
            return self.iri(t)
        if isinstance(t, Literal):
            if t.datatype == _BOOLEAN:
                return "true" if t.value else "false"
            body = string(str(t))
            if t.language:
                return f"{body}@{t.language}"
            if t.datatype:
                return f"{body}^^{self.iri(t.datatype)}"
            return body
        if isinstance(t, BNode):
            return f"_:{t}"
        raise TypeError(f"cannot write {t!r} as Turtle")


@lru_cache(maxsize=8)
def _terms(prefixes: tuple[tuple[str, str], ...], base: str) -> _Terms:
    return _Terms(prefixes, base)


def iri(value: str, prefixes: Sequence[tuple[str, str]] = _ALL, base: str = BASE) -> str:
    """Return an IRI as written in a file: relative to ``base``, else a CURIE, else ``<…>``.

    Examples
    --------
    >>> iri("https://w3id.org/spacecoop/id/country/peru"), iri(str(SC.Claim)), iri("urn:x")
    ('<country/peru>', 'sc:Claim', '<urn:x>')
    """
    return _terms(tuple(prefixes), base).iri(str(value))


def term(t, prefixes: Sequence[tuple[str, str]] = _ALL, base: str = BASE) -> str:
    """Return an RDF term in Turtle: an IRI as :func:`iri` writes it, ``true``/``false`` for
    booleans, other literals as :func:`string` with their language or datatype.

    Examples
    --------
    >>> term(Literal("Peru", lang="en")), term(Literal("2020", datatype=XSD.gYear)), term(Literal(True))
    ('"Peru"@en', '"2020"^^xsd:gYear', 'true')
    """
    return _terms(tuple(prefixes), base).term(t)


def block(
    triples: Iterable[tuple],
    indent: str = "",
    prefixes: Sequence[tuple[str, str]] = _ALL,
    base: str = BASE,
    *,
    memo: dict | None = None,
) -> list[str]:
    """Return the lines of ``triples`` written subject by subject, in first-seen order.

    A subject with at most three predicates and under 60 characters of them goes on one line;
    otherwise one predicate per line. A repeated triple is written once. ``memo`` is the memo of
    :func:`n3_of`, for a caller that writes many blocks of the same terms.

    Examples
    --------
    >>> peru = ID["country/peru"]
    >>> block([(peru, RDF.type, SC.Country), (peru, SKOS.prefLabel, Literal("Peru", lang="en"))])
    ['<country/peru> a sc:Country ; skos:prefLabel "Peru"@en .']
    """
    props: dict = {}
    seen = set()
    n3 = n3_of({} if memo is None else memo)
    for s, p, o in triples:
        key = (n3(s), n3(p), n3(o))  # as written: an rdf:HTML literal's hash is not stable
        if key in seen:
            continue
        seen.add(key)
        props.setdefault(s, {}).setdefault(p, []).append(o)
    w = _terms(tuple(prefixes), base).term
    rdf_type = w(RDF.type)
    out = []
    for s, preds in props.items():
        parts = []
        for p, objs in preds.items():
            written = w(p)
            parts.append(f"{'a' if written == rdf_type else written} {' , '.join(w(o) for o in objs)}")
        if len(parts) == 1 or (len(parts) <= 3 and sum(len(x) for x in parts) < 60):
            out.append(f"{indent}{w(s)} {' ; '.join(parts)} .")
        else:
            out.append(f"{indent}{w(s)} {parts[0]} ;")
            out += [f"{indent}    {part} ;" for part in parts[1:-1]]
            out.append(f"{indent}    {parts[-1]} .")
    return out


def n3_of(memo: dict):
    """Return ``term.n3()`` as a function that remembers it in ``memo`` for IRIs (an IRI's N3 form
    is checked and built again on every call, a fifth of writing a large graph) and for literals,
    under their text, language and datatype (a literal is not a key of its own: an rdf:HTML
    literal's hash is not stable); blank nodes are written every time."""
    from rdflib import URIRef

    def n3(term) -> str:
        kind = type(term)
        if kind is URIRef:
            text = memo.get(term)
            if text is None:
                text = memo[term] = term.n3()
            return text
        if kind is Literal:
            key = (str(term), term.language, term.datatype)
            text = memo.get(key)
            if text is None:
                text = memo[key] = term.n3()
            return text
        return term.n3()

    return n3


def _sort_key_with(memo: dict):
    """The sort key of triples in Turtle and TriG: subject, ``rdf:type`` first, predicate, object."""
    n3 = n3_of(memo)
    rdf_type = RDF.type

    def key(t):
        s, p, o = t
        return (n3(s), p != rdf_type, n3(p), n3(o))

    return key


def graph(
    name, lines: Sequence[str], prefixes: Sequence[tuple[str, str]] = _ALL, base: str = BASE
) -> list[str]:
    """Return the lines of a named graph in TriG: ``NAME {``, ``lines`` (already indented), ``}``."""
    return [f"{term(name, prefixes, base)} {{", *lines, "}"]


def graph_text(triples: Iterable[tuple], prefixes: Sequence[tuple[str, str]] = _ALL, base: str = BASE) -> str:
    """Return ``triples`` as a Turtle document, sorted (subjects, then ``rdf:type`` first, then
    predicates and objects, by their N-Triples form), so that any order of input gives one text."""
    memo: dict = {}
    lines = [
        header(prefixes, base),
        *block(sorted(triples, key=_sort_key_with(memo)), "", prefixes, base, memo=memo),
    ]
    return "\n".join(lines) + "\n"


def dataset_text(ds, prefixes: Sequence[tuple[str, str]] = _ALL, base: str = BASE) -> str:
    """Return every graph of the :class:`~rdflib.Dataset` ``ds`` as one TriG document, sorted as
    :func:`graph_text` sorts: the default graph first, then the named graphs by name."""
    default = ds.default_graph.identifier
    by_graph: dict = {}
    for s, p, o, g in ds.quads((None, None, None, None)):
        gid = g.identifier if hasattr(g, "identifier") else g
        by_graph.setdefault(None if gid == default else gid, []).append((s, p, o))
    return graphs_text(by_graph, prefixes, base)


def graphs_text(graphs: Mapping, prefixes: Sequence[tuple[str, str]] = _ALL, base: str = BASE) -> str:
    """Return ``graphs`` (graph name, None for the default graph, to its triples, each triple
    once) as one TriG document, as :func:`dataset_text` writes a dataset: for a caller that holds
    the triples already and need not build a :class:`~rdflib.Dataset` to write them."""
    lines = [header(prefixes, base)]
    memo: dict = {}  # one for every graph: the same terms recur in each
    key = _sort_key_with(memo)
    for gid in sorted(graphs, key=lambda g: (g is not None, "" if g is None else g.n3())):
        body = block(sorted(graphs[gid], key=key), "" if gid is None else "    ", prefixes, base, memo=memo)
        lines += body if gid is None else graph(gid, body, prefixes, base)
        lines.append("")
    return "\n".join(lines)
