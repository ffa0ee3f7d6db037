"""Write query results in the SPARQL 1.1 Query Results formats and in RDF formats.

SELECT and ASK: JSON (``application/sparql-results+json``), XML (``application/sparql-results+xml``),
CSV (``text/csv``) and TSV (``text/tab-separated-values``), as the W3C recommendations define them.
CONSTRUCT and DESCRIBE: Turtle, N-Triples and JSON-LD.
"""

from __future__ import annotations

import functools
import re
from typing import TYPE_CHECKING, Any

from spacecoop.core.errors import UsageError, _one_line
from spacecoop.core.prefixes import curie
from spacecoop.core.rdfterms import _rdflib_terms, turtle_string
from spacecoop.store import QueryResult

if TYPE_CHECKING:
    from rdflib import URIRef

    from spacecoop.store.base import TextTerm

TABULAR_FORMATS = {
    "json": "application/sparql-results+json",
    "xml": "application/sparql-results+xml",
    "csv": "text/csv; charset=utf-8",
    "tsv": "text/tab-separated-values; charset=utf-8",
}
GRAPH_FORMATS = {
    "turtle": "text/turtle; charset=utf-8",
    "nt": "application/n-triples",
    "jsonld": "application/ld+json",
}
_RDFLIB_FORMAT = {"turtle": "turtle", "nt": "nt", "jsonld": "json-ld"}
_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"

if TYPE_CHECKING:
    XSD_STRING: URIRef


def __getattr__(name: str) -> Any:
    """:data:`XSD_STRING`, an rdflib term made when first asked for (rdflib is imported only by
    the writers that read rdflib terms)."""
    if name == "XSD_STRING":
        value = globals()[name] = _rdflib_terms()[0](_XSD_STRING)
        return value
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


# Anything but XML 1.0's Char production: #x9 | #xA | #xD | [#x20-#xD7FF] | [#xE000-#xFFFD] |
# [#x10000-#x10FFFF]. Not even a character reference (&#1;) may stand for these.
@functools.cache
def _not_xml_char() -> re.Pattern[str]:
    """A character XML 1.0 refuses (compiled when first needed: 40 ms, paid only by XML output)."""
    return re.compile("[^\t\n\r\x20-\ud7ff\ue000-\ufffd\U00010000-\U0010ffff]")


class NotXmlError(UsageError):
    """A result holds a character that XML 1.0 cannot carry, so it has no XML form."""


class NotWritableError(UsageError):
    """A CONSTRUCT or DESCRIBE answer holds a term rdflib will not write in the format asked for
    (an IRI with a space, read from a source with a warning): another format may take it."""


def check_xml_text(text: str, alternatives: str = "JSON, CSV or TSV") -> None:
    """Refuse a text that an XML 1.0 document cannot hold.

    Parameters
    ----------
    text : str
        The text that would go into the document (a value, or the document itself).
    alternatives : str
        The formats to suggest instead, for the message.

    Raises
    ------
    NotXmlError
        ``text`` holds U+0000, another C0 control other than tab, line feed and carriage return,
        a lone surrogate, U+FFFE or U+FFFF; the message names the first one.

    Examples
    --------
    >>> check_xml_text("tab\\tand é")
    >>> check_xml_text("a\\x01b")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    spacecoop.sparql.results.NotXmlError: the result holds U+0001, a character XML 1.0 cannot carry ...
    """
    m = _not_xml_char().search(text)
    if m is not None:
        raise NotXmlError(
            f"the result holds U+{ord(m.group()):04X}, a character XML 1.0 cannot carry (at position "
            f"{m.start()} of a value), so it has no XML form; ask for {alternatives} instead"
        )


def media_type(result: QueryResult, fmt: str) -> str:
    """Return the media type of ``result`` written as ``fmt``."""
    table = GRAPH_FORMATS if result.graph is not None else TABULAR_FORMATS
    if fmt not in table:
        raise UsageError(f"format {fmt!r} does not fit a {result.kind} result; use one of {', '.join(table)}")
    return table[fmt]


def serialize_result(result: QueryResult, fmt: str) -> bytes:
    """Write ``result`` in ``fmt``.

    Parameters
    ----------
    result : QueryResult
    fmt : str
        ``json``, ``xml``, ``csv`` or ``tsv`` for SELECT and ASK; ``turtle``, ``nt`` or ``jsonld``
        for CONSTRUCT and DESCRIBE.

    Raises
    ------
    UsageError
        The format does not fit the kind of result.
    NotXmlError
        XML was asked for and the result holds a character XML 1.0 cannot carry (U+0001, say):
        written anyway, the document would not be well-formed.
    NotWritableError
        A graph holds a term rdflib will not write as ``fmt`` (an IRI with a space).

    Examples
    --------
    >>> from rdflib import Literal
    >>> r = QueryResult("SELECT", ("n",), ((Literal(1),),))
    >>> serialize_result(r, "csv")
    b'n\\r\\n1\\r\\n'
    """
    media_type(result, fmt)
    if result.graph is not None:
        from spacecoop.core.namespaces import bind_prefixes

        bind_prefixes(result.graph)
        try:
            return result.graph.serialize(format=_RDFLIB_FORMAT[fmt]).encode("utf-8")
        except Exception as exc:  # rdflib raises a bare Exception for an IRI it will not write
            raise NotWritableError(
                f"the answer cannot be written as {fmt}: {_one_line(exc)} "
                "(ask for another format; `spacecoop validate` names the file that holds the term)"
            ) from exc
    return {"json": _json, "xml": _xml, "csv": _csv, "tsv": _tsv}[fmt](result)


def term_json(term) -> dict:
    """Return the SPARQL JSON results encoding of one RDF term."""
    URIRef, BNode, _ = _rdflib_terms()
    if isinstance(term, URIRef):
        return {"type": "uri", "value": str(term)}
    if isinstance(term, BNode):
        return {"type": "bnode", "value": str(term)}
    out = {"type": "literal", "value": str(term)}
    if term.language:
        out["xml:lang"] = term.language
    elif term.datatype and str(term.datatype) != _XSD_STRING:
        out["datatype"] = str(term.datatype)
    return out


def _rdflib_result(result: QueryResult):
    """Return ``result`` as an rdflib :class:`~rdflib.query.Result`, for rdflib's writers.

    A literal typed ``xsd:string`` becomes a plain literal (RDF 1.1 makes them one; rdflib would
    write the datatype, and the rdflib engine keeps it where Oxigraph drops it), so every engine's
    answer is written alike.
    """
    from rdflib import Literal, Variable
    from rdflib.query import Result

    out = Result(result.kind)
    if result.kind == "ASK":
        out.askAnswer = bool(result.boolean)
        return out

    def plain(t):
        return Literal(str(t)) if isinstance(t, Literal) and str(t.datatype) == _XSD_STRING else t

    names = [Variable(v) for v in result.vars]
    out.vars = names
    out.bindings = [
        {v: plain(t) for v, t in zip(names, row, strict=False) if t is not None} for row in result.rows
    ]
    return out


def _json(result: QueryResult) -> bytes:
    # rdflib writes the same document as term_json would (compact, keys in its own order)
    text = result.text_rows()
    if text is not None and _rdflib_writes_json_with_json():
        return _json_text(result.vars, text)
    return _rdflib_result(result).serialize(format="json", encoding="utf-8")


def _rdflib_writes_json_with_json() -> bool:
    """Whether rdflib's JSON results writer uses the standard library (it prefers orjson, whose
    spacing differs) and so writes what :func:`_json_text` writes."""
    import importlib.util

    return importlib.util.find_spec("orjson") is None


def _json_text(names: tuple[str, ...], rows: tuple[tuple[TextTerm | None, ...], ...]) -> bytes:
    """SPARQL JSON of text rows, byte for byte what rdflib's writer makes of their rdflib terms
    (its keys in its order: ``results`` before ``head``; ``datatype`` before ``xml:lang``), which
    is ``json.dumps`` of that document with its default separators.

    Written piece by piece, each distinct term encoded once: answers repeat their terms (the
    sources, the parties), and building a dict per cell for ``json.dumps`` took two thirds of the
    time (3,700 rows of 11 columns: 130 ms against 45 ms).
    """
    from json.encoder import encode_basestring  # what json.dumps uses with ensure_ascii=False

    cells: dict[TextTerm, str] = {}

    def cell(t: TextTerm) -> str:
        out = cells.get(t)
        if out is None:
            kind, value, lang, datatype = t
            out = f'{{"type": {encode_basestring(kind)}, "value": {encode_basestring(value)}'
            if datatype:
                out += f', "datatype": {encode_basestring(datatype)}'
            if lang:
                out += f', "xml:lang": {encode_basestring(lang)}'
            cells[t] = out = out + "}"
        return out

    keys = [encode_basestring(v) + ": " for v in names]
    bindings = ", ".join(
        "{" + ", ".join(k + cell(t) for k, t in zip(keys, row, strict=False) if t is not None) + "}"
        for row in rows
    )
    head = ", ".join(encode_basestring(v) for v in names)
    return f'{{"results": {{"bindings": [{bindings}]}}, "head": {{"vars": [{head}]}}}}'.encode()


def _text(value: str) -> str:
    # a CR would come back as LF (XML parsers normalise line ends) unless written as a reference
    return _saxutils().escape(value, {"\r": "&#13;"})


@functools.cache
def _saxutils():
    """``xml.sax.saxutils``, imported by the XML writer only (it imports urllib's HTTP client)."""
    import xml.sax.saxutils

    return xml.sax.saxutils


def _xml(result: QueryResult) -> bytes:
    # Our own writer, not rdflib's: rdflib writes a carriage return as itself, which every XML
    # parser reads back as a line feed, and writes characters XML 1.0 cannot carry as they are.
    quoteattr = _saxutils().quoteattr
    out = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<sparql xmlns="http://www.w3.org/2005/sparql-results#">',
        "<head>",
    ]
    out += [f"  <variable name={quoteattr(v)}/>" for v in result.vars]
    out.append("</head>")
    rows: tuple[tuple[TextTerm | None, ...], ...] = ()
    if result.kind == "ASK":
        out.append(f"<boolean>{'true' if result.boolean else 'false'}</boolean>")
    else:
        rows = _texts_of(result)
        out.append("<results>")
        for row in rows:
            out.append("  <result>")
            for v, t in zip(result.vars, row, strict=False):
                if t is None:
                    continue
                kind, text, lang, datatype = t
                if kind == "uri":
                    value = f"<uri>{_text(text)}</uri>"
                elif kind == "bnode":
                    value = f"<bnode>{_text(text)}</bnode>"
                elif lang:
                    value = f"<literal xml:lang={quoteattr(lang)}>{_text(text)}</literal>"
                elif datatype:
                    value = f"<literal datatype={quoteattr(datatype)}>{_text(text)}</literal>"
                else:
                    value = f"<literal>{_text(text)}</literal>"
                out.append(f"    <binding name={quoteattr(v)}>{value}</binding>")
            out.append("  </result>")
        out.append("</results>")
    out.append("</sparql>")
    doc = "\n".join(out) + "\n"
    if _not_xml_char().search(doc):  # one scan of the whole document; then say where
        for row in rows:
            for v, t in zip(result.vars, row, strict=False):
                if t is not None:
                    try:
                        check_xml_text(t[1])
                    except NotXmlError as exc:
                        raise NotXmlError(str(exc).replace("of a value", f"of a value of ?{v}")) from None
        check_xml_text(doc)
    return doc.encode("utf-8")


def _texts_of(result: QueryResult) -> tuple[tuple[TextTerm | None, ...], ...]:
    """A SELECT result's rows as :data:`~spacecoop.store.base.TextTerm` tuples: the engine's text
    rows where it gives them (no rdflib term made, nor rdflib imported), else its rdflib terms'."""
    text = result.text_rows()
    if text is not None:
        return text
    memo: dict = {None: None}

    def term(t) -> TextTerm | None:
        out = memo.get(t, False)
        if out is False:
            out = memo[t] = _term_text(t)
        return out

    return tuple(tuple(term(t) for t in row) for row in result.rows)


def _term_text(term) -> TextTerm:
    """An rdflib term as the :data:`~spacecoop.store.base.TextTerm` its writers read: a literal
    typed ``xsd:string`` as a plain one (see :func:`_rdflib_result`)."""
    URIRef, BNode, _ = _rdflib_terms()
    if isinstance(term, URIRef):
        return ("uri", str(term), "", "")
    if isinstance(term, BNode):
        return ("bnode", str(term), "", "")
    if term.language:
        return ("literal", str(term), term.language, "")
    datatype = str(term.datatype) if term.datatype and str(term.datatype) != _XSD_STRING else ""
    return ("literal", str(term), "", datatype)


def _csv(result: QueryResult) -> bytes:
    if result.kind == "ASK":  # rdflib's CSV writer takes SELECT results only
        return b"boolean\r\ntrue\r\n" if result.boolean else b"boolean\r\nfalse\r\n"
    text = result.text_rows()
    if text is not None:
        return _csv_text(result.vars, text)
    return _rdflib_result(result).serialize(format="csv", encoding="utf-8")


def _csv_text(names: tuple[str, ...], rows: tuple[tuple[TextTerm | None, ...], ...]) -> bytes:
    """SPARQL CSV of text rows, byte for byte what rdflib's writer makes of their rdflib terms
    (the csv module's default dialect; a blank node as ``_:label``, nothing where unbound)."""
    import csv
    import io

    def cell(t: TextTerm | None) -> str:
        if t is None:
            return ""
        return "_:" + t[1] if t[0] == "bnode" else t[1]

    out = io.StringIO()
    writer = csv.writer(out, delimiter=",")
    writer.writerow(names)
    writer.writerows([cell(t) for t in row] for row in rows)
    return out.getvalue().encode("utf-8")


def term_turtle(term) -> str:
    """Return a term in Turtle/SPARQL syntax (as TSV results need), with escaped specials."""
    return "" if term is None else _turtle_text(_term_text(term))


def _turtle_text(term: TextTerm) -> str:
    """A :data:`~spacecoop.store.base.TextTerm` as :func:`term_turtle` writes its rdflib term."""
    kind, value, lang, datatype = term
    if kind == "uri":
        return f"<{value}>"
    if kind == "bnode":
        return f"_:{value}"
    text = turtle_string(value, long=False).replace("\t", "\\t")  # SPARQL TSV: a term on one line, no tab
    if lang:
        return f"{text}@{lang}"
    if datatype:
        return f"{text}^^<{datatype}>"
    return text


def _tsv(result: QueryResult) -> bytes:
    if result.kind == "ASK":
        return b"?boolean\ntrue\n" if result.boolean else b"?boolean\nfalse\n"
    memo: dict[TextTerm | None, str] = {None: ""}  # answers repeat terms: each written once

    def cell(t: TextTerm | None) -> str:
        out = memo.get(t)
        if out is None:
            out = memo[t] = _turtle_text(t)  # type: ignore[arg-type]  # None is in the memo
        return out

    lines = ["\t".join(f"?{v}" for v in result.vars)]
    lines += ["\t".join([cell(t) for t in row]) for row in _texts_of(result)]
    return ("\n".join(lines) + "\n").encode("utf-8")


def plain(term) -> str:
    """Return a term as plain text for tables: IRIs as CURIEs, literals as their text."""
    URIRef, _, Literal = _rdflib_terms()
    if term is None:
        return ""
    if isinstance(term, URIRef):
        return curie(str(term))
    if isinstance(term, Literal):
        return str(term)
    return f"_:{term}"


def plain_text(term: TextTerm | None) -> str:
    """Return a :data:`~spacecoop.store.base.TextTerm` as :func:`plain` writes its rdflib term."""
    if term is None:
        return ""
    kind, value = term[0], term[1]
    if kind == "uri":
        return curie(value)
    return value if kind == "literal" else f"_:{value}"


def plain_rows(rows: tuple[tuple[TextTerm | None, ...], ...]) -> list[list[str]]:
    """Return text rows as :func:`plain_text` writes each cell, each distinct term written once
    (answers repeat terms: the same country or source on many rows)."""
    memo = {t: plain_text(t) for t in {t for row in rows for t in row}}
    return [list(map(memo.__getitem__, row)) for row in rows]
