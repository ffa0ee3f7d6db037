"""The library of named SPARQL queries in ``queries/`` and running them on a store.

Each ``.rq`` file asks one analyst question. Its header is comment lines starting with ``#+ ``
that form YAML once the prefix is stripped (grlc's format): ``summary`` (the question) and
``columns`` (the SELECT variables, in order) are required; ``description``, ``params`` and
``tags`` are optional.

A query may have a variant for one engine beside it, ``NAME.ENGINE.rq`` (``ENGINE`` a store name
such as ``oxigraph``), where one text cannot be fast on every engine: its planner needs another
shape of the same question. The variant carries no header of its own (the question, columns and
parameters are the base file's) and must give exactly the rows of the base on every engine, which
``tests/test_store.py`` checks for every variant. :meth:`NamedQuery.text_for` picks the text for a
store; every other engine (rdflib, a ``sparql:`` server of unknown make) runs the base text.

Parameters arrive as strings (from the command line, a URL or a notebook) and are resolved to RDF
terms by :func:`resolve_param`: a CURIE, an IRI, or a label that names exactly one entity. The
term is then bound by the store, never pasted into the query text.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from spacecoop.core.errors import DataError, SpacecoopError, UsageError
from spacecoop.core.iri import is_iri
from spacecoop.core.labels import shown_labels_by
from spacecoop.store import QueryResult, Store

if TYPE_CHECKING:  # rdflib is imported where terms are made: a named query on Oxigraph needs none
    from rdflib import Dataset, URIRef
    from rdflib.term import Node


@dataclass(frozen=True)
class NamedQuery:
    """One query file of the library."""

    name: str
    path: Path
    text: str
    summary: str
    columns: tuple[str, ...]
    params: tuple[str, ...] = ()
    description: str = ""
    tags: tuple[str, ...] = ()
    declared: bool = True
    """False for an ad-hoc file without a ``#+`` header: it then accepts any parameter."""
    variants: tuple[tuple[str, str], ...] = ()
    """Per-engine texts of the same question, as ``(engine, text)`` pairs (see the module notes)."""

    def text_for(self, store: Store | str) -> str:
        """The text to run on ``store`` (a store, or a store name such as ``"oxigraph"``): its
        engine's variant where there is one, else the base text."""
        engine = store if isinstance(store, str) else store.engine
        return dict(self.variants).get(engine, self.text)


ENGINES_WITH_VARIANTS = ("oxigraph",)
"""The store names a ``NAME.ENGINE.rq`` variant may be written for."""


def _variant_of(path: Path) -> tuple[str, str] | None:
    """``(base name, engine)`` when ``path`` is a variant file (``NAME.ENGINE.rq``), else None."""
    stem, dot, engine = path.stem.rpartition(".")
    return (stem, engine) if dot and engine in ENGINES_WITH_VARIANTS else None


def parse_query_file(path: Path, *, strict: bool = True) -> NamedQuery:
    """Read a ``.rq`` file and its ``#+`` header.

    With ``strict=False`` a file with no ``#+`` line at all is accepted as an ad-hoc query
    (empty summary and columns, ``declared=False``). A file read before is not read again while
    its size, modification and change times stay the same (and are more than two seconds old, so
    that a rewrite within the clock's resolution is never missed).

    Raises
    ------
    DataError
        The header is not valid YAML or lacks ``summary`` or ``columns``.
    """
    import contextlib
    import os
    import time

    try:
        stats = [os.stat(path)]
    except OSError:
        return _read_query_file(path, strict=strict)  # which names the problem
    for engine in ENGINES_WITH_VARIANTS:  # a variant's change is a change of the query
        with contextlib.suppress(OSError):
            stats.append(os.stat(path.with_name(f"{path.stem}.{engine}.rq")))
    key = (str(path), strict)
    stamp = tuple((st.st_dev, st.st_ino, st.st_size, st.st_mtime_ns, st.st_ctime_ns) for st in stats)
    known = _READ.get(key)
    if known is not None and known[0] == stamp:
        return known[1]
    nq = _read_query_file(path, strict=strict)
    variants = _read_variants(path)
    if variants:
        from dataclasses import replace

        nq = replace(nq, variants=variants)
    newest = max(max(st.st_mtime_ns, st.st_ctime_ns) for st in stats)
    if time.time_ns() - newest > 2_000_000_000:  # settled
        if len(_READ) >= 4096:
            _READ.clear()
        _READ[key] = (stamp, nq)
    return nq


_READ: dict[tuple[str, bool], tuple[tuple, NamedQuery]] = {}
"""Query files read before, by path: their stat stamp and what they held."""


def _read_variants(path: Path) -> tuple[tuple[str, str], ...]:
    """The engine variants found beside the query file ``path`` (see the module notes).

    Raises
    ------
    DataError
        A variant holds a ``#+`` header (it would disagree with the base's) or is not UTF-8.
    """
    from spacecoop.core.inputs import read_input

    found = []
    for engine in ENGINES_WITH_VARIANTS:
        other = path.with_name(f"{path.stem}.{engine}.rq")
        if not other.is_file():
            continue
        try:
            text = read_input(other).decode("utf-8")
        except UnicodeDecodeError as exc:
            raise DataError(str(other), f"cannot read: {exc}") from exc
        if any(line.startswith("#+") for line in text.splitlines()):
            raise DataError(
                str(other), f"an engine variant has no #+ header; the header of {path.name} is used"
            )
        found.append((engine, text))
    return tuple(found)


def _parse_header(header: str, path: Path):
    """Return the YAML of a ``#+`` header, parsed once per content across processes
    (:func:`spacecoop.core.cache.remembered`: a command then reads a small JSON file instead
    of importing and running a YAML parser, tens of milliseconds).

    Raises
    ------
    DataError
        The header is not valid YAML.
    """
    from spacecoop.core.cache import remembered

    def parse():
        import yaml

        try:
            return yaml.safe_load(header) or {}
        except yaml.YAMLError as exc:
            raise DataError(str(path), f"header is not valid YAML: {exc}") from exc

    return remembered("query-headers.json", header, parse)


def _read_query_file(path: Path, *, strict: bool) -> NamedQuery:
    from spacecoop.core.inputs import read_input

    try:
        text = read_input(path).decode("utf-8")
    except UnicodeDecodeError as exc:
        raise DataError(str(path), f"cannot read: {exc}") from exc
    header = [
        line[3:] if line.startswith("#+ ") else line[2:]
        for line in text.splitlines()
        if line.startswith("#+")
    ]
    if not header and not strict:
        return NamedQuery(name=path.stem, path=path, text=text, summary="", columns=(), declared=False)
    meta = _parse_header("\n".join(header), path)
    if not isinstance(meta, dict):
        raise DataError(str(path), "header must be a YAML mapping of #+ key: value lines")
    missing = [k for k in ("summary", "columns") if k not in meta]
    if missing:
        raise DataError(str(path), f"header lacks {', '.join(missing)}")
    return NamedQuery(
        name=path.stem,
        path=path,
        text=text,
        summary=str(meta["summary"]).strip(),
        columns=tuple(str(c) for c in meta.get("columns") or ()),
        params=tuple(str(p) for p in meta.get("params") or ()),
        description=str(meta.get("description") or "").strip(),
        tags=tuple(str(t) for t in meta.get("tags") or ()),
    )


def list_queries(root: str | Path | None = None, *, checks: bool = False) -> list[NamedQuery]:
    """Return the named queries of ``queries/`` (or of ``queries/checks/`` with ``checks=True``),
    sorted by name."""
    from spacecoop.core.layout import Layout, find_root

    layout = Layout(find_root() if root is None else Path(root))
    folder = layout.queries_dir / "checks" if checks else layout.queries_dir
    return [parse_query_file(p) for p in sorted(folder.glob("*.rq")) if _variant_of(p) is None]


def get_query(name_or_path: str, root: str | Path | None = None) -> NamedQuery:
    """Return a named query by name (``payload-partners``) or by the path of a ``.rq`` file.

    Raises
    ------
    UsageError
        No query has that name; the message lists the known names.
    """
    p = Path(name_or_path)
    if name_or_path.endswith(".rq") or p.is_file():
        if not p.is_file():
            raise UsageError(f"no such query file: {name_or_path}")
        return parse_query_file(p, strict=False)
    from spacecoop.core.layout import Layout, find_root

    own = Layout(find_root() if root is None else Path(root)).queries_dir / f"{name_or_path}.rq"
    if "/" not in name_or_path and own.is_file() and _variant_of(own) is None:
        return parse_query_file(own)  # only the header asked for is read
    known = {q.name: q for q in list_queries(root)}
    if name_or_path not in known:
        raise UsageError(f"unknown query {name_or_path!r}; known queries: {', '.join(sorted(known))}")
    return known[name_or_path]


def as_store(target: Store | Dataset) -> Store:
    """Return ``target`` as a :class:`Store`: an rdflib Dataset is wrapped, not copied, in the
    store :func:`spacecoop.store.engine.open_engine` gives a query by default (rdflib's engine)."""
    if isinstance(target, Store):
        return target
    from rdflib import Dataset

    if isinstance(target, Dataset):
        from spacecoop.store.engine import open_engine

        return open_engine("query", None, target)
    raise TypeError(f"expected a Store or an rdflib Dataset, got {type(target).__name__}")


def run_query(
    target: Store | Dataset,
    query: str | NamedQuery,
    params: Mapping[str, Node] | None = None,
    *,
    root: str | Path | None = None,
) -> QueryResult:
    """Run a named query, a query file or a query string on a store or dataset.

    Parameters
    ----------
    target : Store or rdflib.Dataset
    query : str or NamedQuery
        A name from ``queries/``, a path to a ``.rq`` file, or SPARQL text.
    params : mapping of str to rdflib term, optional
        Variables to bind, as RDF terms; they are never pasted into the query text.

    Raises
    ------
    UsageError
        Unknown query name, a parameter the query does not declare, or malformed SPARQL.

    Examples
    --------
    >>> from spacecoop import load_dataset
    >>> result = run_query(load_dataset(), "SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }")
    >>> int(result.rows[0][0]) > 1000
    True
    """
    if isinstance(query, str) and _is_query_text(query):
        text = query
    else:
        nq = query if isinstance(query, NamedQuery) else get_query(query, root)
        check_params(nq, params or {})
        store = as_store(target)
        return store.query(nq.text_for(store), params)
    return as_store(target).query(text, params)


def _is_query_text(text: str) -> bool:
    """Whether ``text`` is SPARQL rather than a query name or a file path.

    Names and paths are told apart by the rule that no SPARQL query is made of word characters,
    dots, slashes and hyphens alone (every query needs a brace, a ``<`` or a space): such a
    text, one ending in ``.rq`` and an existing file are names or paths; anything else is SPARQL,
    and the front door reports it if it does not parse."""
    stripped = text.strip()
    if not stripped or stripped.endswith(".rq") or _NAME_OR_PATH.fullmatch(stripped):
        return False
    try:
        if Path(stripped).is_file():
            return False
    except (OSError, ValueError):  # too long for a file name, or a NUL: not a path
        pass
    return True


_NAME_OR_PATH = re.compile(r"[\w./-]+")


# ---------------------------------------------------------------------------------------------
# Parameters: from strings to RDF terms

# Characters that may not appear in an IRI (RFC 3987 excludes them; SPARQL's IRIREF too).
_CURIE = re.compile(r"^([A-Za-z][\w.-]*):(\S*)$")
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")

# Find entities by label, case-insensitively, treating curly and straight apostrophes alike.
# ?value is bound by the store as a literal, never pasted into the text.
_LABEL_QUERY = """
PREFIX skos: <http://www.w3.org/2004/02/skos/core#>
SELECT DISTINCT ?entity ?label ?value WHERE {
  ?entity skos:prefLabel|skos:altLabel ?name .
  FILTER(REPLACE(LCASE(STR(?name)), "\u2019", "'") = REPLACE(LCASE(STR(?value)), "\u2019", "'"))
  OPTIONAL { ?entity skos:prefLabel ?label }
}
ORDER BY ?entity ?label
"""


def resolve_param(store: Store | Dataset, value: str, *, name: str = "param") -> Node:
    """Return the RDF term a parameter string stands for.

    ``value`` may be a CURIE with one of :data:`spacecoop.core.namespaces.PREFIXES`
    (``mission:change-8``), a full IRI (``<https://...>`` or ``https://...``), or a label: a
    ``skos:prefLabel`` or ``skos:altLabel`` of exactly one entity, matched without regard to case
    or to curly versus straight apostrophes (``ILRS``, ``Chang’e-8``, ``thailand``), or a day
    ``YYYY-MM-DD``, bound as an ``xsd:date`` literal (``asOf=2024-06-30``). Labels are
    looked up with a SPARQL query on ``store``, the value bound as a literal, so this works on any
    backend and the value never becomes query text. A CURIE or IRI must occur in the store.

    Parameters
    ----------
    store : Store or rdflib.Dataset
    value : str
    name : str
        The parameter's name, used in error messages.

    Returns
    -------
    rdflib.URIRef or rdflib.Literal
        A literal (``xsd:date``) only for a ``YYYY-MM-DD`` value.

    Raises
    ------
    UsageError
        The value is empty, a malformed IRI or an impossible date, names nothing in the store, or
        its label fits several entities (the message lists them, IRI and label).

    Examples
    --------
    >>> from spacecoop import load_dataset
    >>> ds = load_dataset()
    >>> resolve_param(ds, "ILRS")
    rdflib.term.URIRef('https://w3id.org/spacecoop/id/initiative/international-lunar-research-station')
    >>> resolve_param(ds, "mission:change-8") == resolve_param(ds, "Chang’e-8")
    True
    >>> resolve_param(ds, "2024-06-30")
    rdflib.term.Literal('2024-06-30', datatype=rdflib.term.URIRef('http://www.w3.org/2001/XMLSchema#date'))

    See Also
    --------
    run_named : runs a named query with string parameters resolved this way.
    """
    from rdflib import XSD, Literal, URIRef

    from spacecoop.core.prefixes import curie

    store = as_store(store)
    text = value.strip()
    form = _iri_or_date(text, value, name)
    if form is not None:
        kind, lexical = form
        if kind == "date":
            return Literal(lexical, datatype=XSD.date)
        term = URIRef(lexical)
        _check_mentioned(store, term, lexical, name)
        return term
    rows = store.query(_LABEL_QUERY, {"value": Literal(text)}).rows
    # each entity the label fits, named as every surface names it (the query binds ?entity always)
    found: dict[Node, str] = shown_labels_by((entity, label) for entity, label, _ in rows)
    if not found:
        other = _find_by_other_names(store, text)
        if isinstance(other, URIRef):
            return other
        raise UsageError(
            f"parameter {name}: nothing has the label {text!r} "
            f"(give a label, a CURIE such as mission:change-8, or an IRI){other}"
        )
    if len(found) > 1:
        listed = "; ".join(f"{curie(str(e))} ({lab})" if lab else curie(str(e)) for e, lab in found.items())
        raise UsageError(f"parameter {name}: the label {text!r} fits {len(found)} entities: {listed}")
    return next(iter(found))


def _iri_or_date(text: str, value: str, name: str) -> tuple[str, str] | None:
    """``("date", text)`` for a day, ``("iri", IRI)`` for an IRI or a CURIE of a known prefix, or
    None for a label (see :func:`resolve_param`).

    Raises
    ------
    UsageError
        An empty value, an impossible date, or a malformed IRI.
    """
    from spacecoop.core.prefixes import PREFIXES

    if not text:
        raise UsageError(f"parameter {name}: empty value")
    if _ISO_DATE.match(text):
        # A day (2024-06-30) is a date, not a label: "as of" parameters such as bloc-overlap's asOf.
        import datetime

        try:
            datetime.date.fromisoformat(text)
        except ValueError:
            raise UsageError(f"parameter {name}: {text!r} is not a valid date (YYYY-MM-DD)") from None
        return ("date", text)
    iri: str | None = None
    if text.startswith("<") and text.endswith(">"):
        iri = text[1:-1]
    elif text.startswith(("http://", "https://")):
        iri = text
    else:
        m = _CURIE.match(text)
        if m and m.group(1) in PREFIXES:
            iri = PREFIXES[m.group(1)] + m.group(2)
    if iri is None:
        return None
    if not iri or not is_iri(iri):
        raise UsageError(f"parameter {name}: {value!r} is not a valid IRI")
    return ("iri", iri)


def _check_mentioned(store: Store, term, iri: str, name: str) -> None:
    """Raise :class:`UsageError` unless ``term`` (the IRI ``iri``) occurs in ``store``."""
    from spacecoop.core.prefixes import curie

    if not store.mentions(term):
        raise UsageError(f"parameter {name}: {curie(iri)} does not occur in the graph")


def bindings_for(store: Store, query: NamedQuery, values: Mapping[str, str]) -> dict[str, Any]:
    """Return ``values`` resolved as :func:`resolve_params` resolves them, as terms ``store`` takes:
    on Oxigraph an IRI, a CURIE or a day becomes a pyoxigraph term, with no rdflib term made nor
    rdflib imported (a tenth of a second of a ``spacecoop query --param``). A label, and every
    value on another store, resolves through :func:`resolve_param`. The same terms either way, the
    same errors, and the store binds both alike.
    """
    from spacecoop.store import OxigraphStore

    check_params(query, values)
    if not isinstance(store, OxigraphStore):
        return resolve_params(store, query, values)
    import pyoxigraph as ox

    out: dict[str, Any] = {}
    for key, value in values.items():
        form = _iri_or_date(value.strip(), value, key)
        if form is None:  # a label: looked up with a query
            out[key] = resolve_param(store, value, name=key)
        elif form[0] == "date":
            out[key] = ox.Literal(form[1], datatype=ox.NamedNode(_XSD_DATE))
        else:
            try:
                term = ox.NamedNode(form[1])
            except ValueError as exc:  # in RFC 3987's shape, not in Oxigraph's (a bad % escape)
                from spacecoop.core.rdfterms import invalid_term

                raise invalid_term(form[1], exc) from exc
            _check_mentioned(store, term, form[1], key)
            out[key] = term
    return out


_XSD_DATE = "http://www.w3.org/2001/XMLSchema#date"


def _find_by_other_names(store: Store, text: str) -> URIRef | str:
    """Look ``text`` up with :func:`spacecoop.core.entities.find_entity` (ISO codes, pycountry names,
    a leading article): the one entity it names, else a "; did you mean …" hint (or "").

    The finder reads rdflib's store where it is; any other store, a SPARQL server's too, is asked
    what the finder looks at (:meth:`~spacecoop.core.entities.EntityFinder.of_store`), not for a
    copy of every quad (a country given by its ISO code at 100k triples, whole process: 9.0 s ->
    0.7 s). A server that refuses that question (its row cap, its time limit) leaves the label
    look-up alone, and the hint says so.
    """
    from rdflib import URIRef

    from spacecoop.core.entities import EntityFinder

    try:
        finder = EntityFinder.of_store(store)
    except SpacecoopError as exc:
        return f"; the look-up by ISO code and close names was refused by the store: {exc}"
    lookup = finder.find(text)
    if lookup.unique is not None:
        return URIRef(lookup.unique.iri)
    return f"; {lookup.did_you_mean()}" if lookup.suggestions else ""


def resolve_params(store: Store | Dataset, query: NamedQuery, values: Mapping[str, str]) -> dict[str, Node]:
    """Return ``values`` resolved to RDF terms, after checking that ``query`` declares each one.

    A query file without a ``#+`` header (an ad-hoc ``.rq``) accepts any parameter name.

    Raises
    ------
    UsageError
        A parameter the query does not declare, or a value that does not resolve.
    """
    check_params(query, values)
    return {k: resolve_param(store, v, name=k) for k, v in values.items()}


def check_params(query: NamedQuery, names) -> None:
    """Raise :class:`UsageError` unless every parameter in ``names`` can be bound in ``query``.

    A query with a header must declare the parameter (``params``) and return it as a column;
    an ad-hoc file must, if it is a SELECT, project the variable. Oxigraph binds only projected
    variables, so this keeps both engines answering alike.
    """
    names = sorted(set(names))
    if not names:
        return
    if query.declared:
        unknown = [n for n in names if n not in query.params]
        if unknown:
            raise UsageError(
                f"query {query.name!r} has no parameter {', '.join(unknown)}; "
                f"its parameters: {', '.join(query.params) or 'none'}"
            )
        hidden = [n for n in names if n not in query.columns]
    else:
        projected = _projected_variables(query.text)
        hidden = [] if projected is None else [n for n in names if n not in projected]
    if hidden:
        raise UsageError(
            f"query {query.name!r} does not return ?{', ?'.join(hidden)}: a parameter must be one of "
            "its SELECT variables to be bound"
        )


def check_syntax(text: str):
    """Parse SPARQL text with rdflib's parser and return its algebra, whatever store runs it.

    Gives one clear line for a malformed query on every backend (Oxigraph's own messages span
    several lines). The parse is the front door's (:func:`spacecoop.sparql.parse_query`), so the
    store that runs the query next does not parse it again.

    Raises
    ------
    UsageError
        The text is not valid SPARQL (syntax, or an undeclared prefix).
    """
    from spacecoop.sparql.parse import parse_query

    try:
        return parse_query(text).algebra
    except RecursionError as exc:
        raise UsageError(f"malformed SPARQL: {exc}") from exc


def _projected_variables(text: str) -> set[str] | None:
    """Return the variables a SELECT query projects, or None for other query forms."""
    from spacecoop.sparql.parse import parse_query

    check_syntax(text)
    variables = parse_query(text).variables
    return None if variables is None else set(variables)


def run_named(
    target: Store | Dataset,
    query: str | NamedQuery,
    /,
    *,
    root: str | Path | None = None,
    **params: str,
) -> QueryResult:
    """Run a named query (or a ``.rq`` file) with parameters given as strings.

    The convenience for notebooks: each parameter may be a CURIE, an IRI or a label, and is
    resolved with :func:`resolve_param` before it is bound.

    Parameters
    ----------
    target : Store or rdflib.Dataset
    query : str or NamedQuery
        A name from ``queries/`` or the path of a ``.rq`` file.
    root : path, optional
        Project root whose ``queries/`` to use (default: found from the working directory).
    **params : str
        Parameter values, e.g. ``mission="Chang'e-8"``.

    Raises
    ------
    UsageError
        Unknown query, undeclared parameter, unresolvable value, malformed SPARQL.

    Examples
    --------
    >>> from spacecoop import load_dataset
    >>> result = run_named(load_dataset(), "payload-partners", mission="Chang'e-8")
    >>> len(result), result.vars[:2]
    (17, ('payload', 'payloadLabel'))

    See Also
    --------
    run_query : runs SPARQL text or a named query with parameters already RDF terms.
    """
    store = as_store(target)
    nq = query if isinstance(query, NamedQuery) else get_query(query, root)
    bindings = resolve_params(store, nq, {k: str(v) for k, v in params.items()})
    return store.query(nq.text_for(store), bindings)
