"""Which engine answers: the one place that decides.

Every part that queries the dataset asks here which store to use (:func:`choose_engine`) and
opens it here (:func:`open_engine`), so the rule is written once:

``query``
    The command's verbs (``query``, ``viz``, ``export``, ``stats``) and the library: the store
    given with ``--store`` (or ``$SPACECOOP_STORE``), else ``compiled``: the project's files
    compiled once into Oxigraph on disk and reused until one of them changes
    (:mod:`spacecoop.store.compiled`; a query answers in tens of milliseconds where parsing the
    files took hundreds). A dataset already in this process (the library's ``run_query(ds, …)``)
    is queried where it is, on ``memory``, rdflib's engine, the reference the others are tested
    against. When the compiled store cannot be built here (a read-only cache folder, a full disk)
    the project's files are loaded into Oxigraph in memory, the engine the compiled store would
    have been (``spacecoop query country-partners`` at 100k triples, whole process: 1.7 s,
    against 55 s on rdflib), and where Oxigraph refuses a term of them, into rdflib: either way
    with one line on standard error. While a process of its own rebuilds a large project's
    compiled store (:class:`~spacecoop.store.compiled.CompiledBuilding`), ``query`` answers from
    the files loaded into Oxigraph in memory, with no note.
``serve``
    The endpoint: the store given with ``--store``, else ``compiled``: its workers open the
    compiled store read-only (:func:`spacecoop.endpoint.server.make_server`), so it is ready in
    well under a second where loading the files into each worker's memory took seconds; the
    engine is Oxigraph either way (milliseconds for every named query, ``benchmarks/endpoint.py``).
    A dataset given in this process is served from ``oxigraph`` in memory.
``page``
    A graph page projected from a dataset already in this process (``build``'s pages, ``serve``'s
    when its workers do not read the compiled store): rdflib on the dataset itself, whatever store
    is served, as its views read rdflib's indexes and no copy is made (the countries view at 100k
    triples 0.42 s there, against 0.48 s on Oxigraph after 1.2 s to copy the dataset into it).
``checks``
    The check queries of ``validate`` and ``build``: Oxigraph in memory (0.4 s for all checks at
    100k triples against minutes on rdflib); the caller falls back to rdflib when the data holds a
    term Oxigraph refuses, which ``validate`` reports as an ``rdf-term`` violation.

Opening follows one rule for every use: a store held in this process (``memory``,
``oxigraph``) starts empty, so it is loaded with the dataset given (default: the project's
files; an ``oxigraph`` store given no dataset has Oxigraph parse them itself, see
:func:`spacecoop.store.native.load_project`); a persistent store (``oxigraph:PATH``,
``sparql:URL``) is queried as it stands, and an empty one is an error that says how to fill it.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rdflib import Dataset

    from spacecoop.store import Store

USES = ("query", "serve", "page", "checks")

DEFAULT_ENGINE = {"query": "compiled", "serve": "compiled", "page": "memory", "checks": "oxigraph"}
"""The store spec each use gets when none is given."""

IN_PROCESS_ENGINE = {"query": "memory", "serve": "oxigraph", "page": "memory", "checks": "oxigraph"}
"""The store spec each use gets for a dataset already in this process, where ``compiled`` (a
store of the project's files) cannot hold it, and when the compiled store is unavailable."""


def choose_engine(use: str, spec: str | None = None) -> str:
    """Return the store spec that answers for ``use`` (see the module notes for the rule).

    Parameters
    ----------
    use : {"query", "serve", "page", "checks"}
    spec : str, optional
        The spec the user gave (``--store``); None when none was given. A page does not read it:
        it is drawn from the dataset in this process whatever store is served.

    Raises
    ------
    ValueError
        ``use`` is not one of :data:`USES`.

    Examples
    --------
    >>> choose_engine("query"), choose_engine("serve"), choose_engine("serve", "memory")
    ('compiled', 'compiled', 'memory')
    >>> choose_engine("page", "oxigraph:./store"), choose_engine("page", "sparql:http://127.0.0.1:7878")
    ('memory', 'memory')
    """
    if use not in DEFAULT_ENGINE:
        raise ValueError(f"unknown use {use!r}; expected one of {', '.join(USES)}")
    if use == "page":  # the dataset in this process, whichever store is served
        return DEFAULT_ENGINE["page"]
    return spec or DEFAULT_ENGINE[use]


def open_engine(
    use: str,
    spec: str | None = None,
    ds: Dataset | None = None,
    *,
    root: str | Path | None = None,
) -> Store:
    """Open the store that answers for ``use``, ready to query.

    Parameters
    ----------
    use : {"query", "serve", "page", "checks"}
    spec : str, optional
        As for :func:`choose_engine`.
    ds : rdflib.Dataset, optional
        The data for a store held in this process (``memory`` wraps it, not a copy); default:
        the project's files under ``root``. Never read for a persistent store. Given with
        ``compiled`` (the default of ``query``), the dataset is queried in this process instead
        (:data:`IN_PROCESS_ENGINE`).
    root : path, optional
        The project root whose files are read when ``ds`` is not given.

    Raises
    ------
    UsageError
        The spec names no known backend.
    SpacecoopError
        The store cannot be opened or reached, or a persistent store is empty.

    Examples
    --------
    >>> from spacecoop import load_dataset
    >>> open_engine("page", "oxigraph", load_dataset()).name
    'memory'
    >>> open_engine("checks", None, load_dataset()).name
    'oxigraph'
    """
    from spacecoop.store import open_store, parse_store_spec, redact

    chosen = choose_engine(use, spec)
    if chosen == "compiled":
        if ds is None:
            from spacecoop.store.compiled import CompiledUnavailable, note

            try:
                return _open_compiled(use, root)
            except CompiledUnavailable as exc:
                note(f"{exc}; answering from memory")
            if use == "query":  # Oxigraph in memory where it takes the files, else rdflib
                in_memory = _files_in_oxigraph(root)
                if in_memory is not None:
                    return in_memory
        chosen = IN_PROCESS_ENGINE[use]
    parsed = parse_store_spec(chosen)
    if not parsed.persistent:
        if ds is None and parsed.kind == "oxigraph":
            from spacecoop.store import OxigraphStore

            oxi = OxigraphStore()
            oxi.load_project(root)  # Oxigraph parses the files: no rdflib copy of the data
            return oxi
        if ds is None:
            from spacecoop.core.load import load_dataset

            ds = load_dataset(root)
        return open_store(chosen, ds)
    store = open_store(chosen)
    if store.is_empty():
        from spacecoop.core.errors import SpacecoopError

        store.close()
        raise SpacecoopError(
            f"the store {redact(chosen)} holds no data; "
            f"fill it first: spacecoop --store {redact(chosen)} load"
        )
    return store


def _open_compiled(use: str, root: str | Path | None) -> Store:
    """The compiled store; for ``query`` on a large project whose store is being rebuilt by a
    process of its own (:class:`~spacecoop.store.compiled.CompiledBuilding`), the files loaded
    into Oxigraph in memory by its own parsers, the quads the new store will hold. Where that load
    refuses a file, the store is built here instead, which tells a bad file (:class:`DataError`)
    from a term Oxigraph refuses (:class:`CompiledUnavailable`: rdflib answers)."""
    from spacecoop.store.compiled import CompiledBuilding, open_compiled

    try:
        return open_compiled(root, background=use == "query")
    except CompiledBuilding:
        in_memory = _files_in_oxigraph(root)
        return in_memory if in_memory is not None else open_compiled(root)


def _files_in_oxigraph(root: str | Path | None) -> Store | None:
    """The project's files loaded into Oxigraph in memory by its own parsers, or None where that
    load refuses a file (a term Oxigraph refuses, or a file that cannot be parsed: the caller's
    other way says which)."""
    from spacecoop.core.errors import DataError
    from spacecoop.store import OxigraphStore

    oxi = OxigraphStore()
    try:
        oxi.load_project(root)
    except (DataError, ValueError):
        oxi.close()
        return None
    return oxi


def engine_copy(loaded) -> Store:
    """Return an Oxigraph copy of a :class:`~spacecoop.core.load.Loaded` dataset for its check
    queries, filled from the quads the load read (``Loaded.quads``: the dataset is not walked
    again; filling it costs about a second at 100k triples). The caller closes it."""
    from spacecoop.store import OxigraphStore

    copy = OxigraphStore()
    copy.load(loaded.ds, loaded.quads())
    return copy


__all__ = ["DEFAULT_ENGINE", "IN_PROCESS_ENGINE", "USES", "choose_engine", "engine_copy", "open_engine"]
