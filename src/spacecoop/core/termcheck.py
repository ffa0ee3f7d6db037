"""Terms checked the way Oxigraph takes them, while loading: what it would refuse is kept in
``Loaded.problems`` with its file, and ``validate`` reports it (rule ``rdf-term``)."""

from __future__ import annotations

import re
from dataclasses import dataclass

from rdflib import BNode, Literal, URIRef

from spacecoop.core.terminal import printable

MAX_TERM_BYTES = 8 * 1024 * 1024
"""Largest IRI or literal accepted, in UTF-8 bytes of its N-Triples form: 8 MiB. Oxigraph's parsers
(``serve``, ``load``) refuse a term over 16 MiB ("Reached the buffer maximal size"); half of it
leaves room for whatever surrounds the term in their buffer."""


@dataclass(frozen=True)
class TermProblem:
    """A term in a data file that Oxigraph or the writers of ``build`` would refuse."""

    file: str
    node: str
    """The subject of the triple that holds the term (surrogates escaped, long IRIs shortened)."""
    message: str


class TermCheck:
    """Check terms the way pyoxigraph takes them: every IRI, literal, language tag and datatype.

    rdflib parses some terms that Oxigraph refuses (an IRI with a space or a bad percent escape,
    a lone surrogate from ``\\uD800``, a language subtag over eight letters, a term over
    :data:`MAX_TERM_BYTES`); ``build`` (whose writers refuse bad IRIs and cannot encode
    surrogates), ``viz`` and ``serve`` would then fail where ``validate`` passed. Each distinct
    IRI, language tag and datatype is converted once with pyoxigraph's own constructors.
    """

    def __init__(self) -> None:
        import pyoxigraph

        self._ox = pyoxigraph
        self._iris: dict[str, str | None] = {}
        self._langs: dict[str, str | None] = {}

    def quad_problems(self, s, p, o, g=None) -> list[str]:
        """Return why Oxigraph or the writers would refuse the quad: its terms, and a term out of
        place (rdflib's Turtle and TriG parsers take a literal or a blank node as predicate, and
        a literal as subject; RDF has neither)."""
        out = []
        if not isinstance(s, (URIRef, BNode)):
            out.append(f"the subject is {_a(s)}; RDF takes only an IRI or a blank node there")
        if not isinstance(p, URIRef):
            out.append(
                f"the predicate {printable(p.n3() if hasattr(p, 'n3') else str(p), 80)} is {_a(p)}; "
                "RDF takes only an IRI there"
            )
        for term in (s, p, o, g):
            why = self.problem(term) if term is not None else None
            if why:
                out.append(why)
        return out

    def problem(self, term) -> str | None:
        """Return why pyoxigraph or the writers would refuse ``term``, or None if they take it."""
        if isinstance(term, URIRef):
            return self._iri(str(term))
        if isinstance(term, Literal):
            return self._literal(term)
        if isinstance(term, BNode):
            return (
                None
                if str(term).isascii() or _utf8(str(term)) is None
                else "a blank node label that UTF-8 cannot encode"
            )
        return None

    def _iri(self, iri: str) -> str | None:
        if iri in self._iris:
            return self._iris[iri]
        why = None
        bad = _utf8(iri)
        if bad is not None:
            why = f"the IRI <{printable(iri, 80)}> holds {bad}"
        else:
            try:
                node = self._ox.NamedNode(iri)
            except ValueError as exc:  # from Oxigraph's IRI parser
                why = f"the IRI <{printable(iri, 80)}> is not valid: {exc}"
            else:
                space = _IRI_SPACE.search(iri)
                if space:  # Oxigraph takes U+2028 or U+0085 in an IRI, rdflib cannot read it back
                    why = (
                        f"the IRI <{printable(iri, 80)}> holds the space character "
                        f"U+{ord(space.group()):04X}, "
                        "which rdflib cannot read back from build's N-Quads"
                    )
                elif len(iri) > MAX_TERM_BYTES // 8:
                    why = _too_big("IRI", str(node))
        if len(self._iris) < 200_000:  # bounded: at 1M distinct IRIs the cache would cost ~100 MB
            self._iris[iri] = why
        return why

    def _literal(self, term: Literal) -> str | None:
        text = str(term)
        bad = None if text.isascii() else _utf8(text)
        if bad is not None:
            return f"the literal {printable(repr(text), 80)} holds {bad}"
        if term.language:
            lang = term.language
            if lang not in self._langs:
                try:
                    self._ox.Literal("", language=lang)
                    self._langs[lang] = None
                except ValueError as exc:
                    self._langs[lang] = f"the language tag @{printable(lang, 40)} is not valid: {exc}"
            if self._langs[lang]:
                return self._langs[lang]
        if term.datatype is not None:
            why = self._iri(str(term.datatype))
            if why:
                return f"datatype: {why}"
        if len(text) > MAX_TERM_BYTES // 8:
            lit = (
                self._ox.Literal(text, language=term.language)
                if term.language
                else self._ox.Literal(
                    text, datatype=self._ox.NamedNode(str(term.datatype)) if term.datatype else None
                )
            )
            return _too_big("literal", str(lit))
        return None


_IRI_SPACE = re.compile(r"\s")


_ARTICLES: dict[type, str] = {Literal: "a literal", BNode: "a blank node", URIRef: "an IRI"}


def _a(term) -> str:
    return _ARTICLES.get(type(term), type(term).__name__)


def _utf8(text: str) -> str | None:
    """Return what in ``text`` UTF-8 cannot encode (a lone surrogate), or None."""
    try:
        text.encode("utf-8")
    except UnicodeEncodeError as exc:
        return (
            f"a lone surrogate U+{ord(text[exc.start]):04X} at character {exc.start}, "
            "which UTF-8 cannot encode"
        )
    return None


def _too_big(what: str, ntriples: str) -> str | None:
    size = len(ntriples.encode("utf-8"))
    if size <= MAX_TERM_BYTES:
        return None
    return (
        f"a {what} of {size:,} bytes, over the {MAX_TERM_BYTES // 2**20} MiB limit for one term "
        "(spacecoop.core.termcheck.MAX_TERM_BYTES; Oxigraph refuses terms over 16 MiB)"
    )
