"""Oxigraph through pyoxigraph: in memory (``oxigraph``) or on disk (``oxigraph:PATH``), reloaded by
swapping folders so a reader never sees half a load."""

from __future__ import annotations

import contextlib
import os
import re
from collections.abc import Callable, Iterable, Mapping
from typing import IO, TYPE_CHECKING, cast

from spacecoop.core.atomic import exchange_paths
from spacecoop.core.errors import SpacecoopError, UsageError, _one_line
from spacecoop.core.gcpause import collector_paused
from spacecoop.store.base import (
    _COUNT_QUADS,
    QueryResult,
    Store,
    TextTerm,
    TooManyRows,
    _graph_form,
    convert_cells,
)

if TYPE_CHECKING:
    import pyoxigraph
    from rdflib import Dataset, Literal
    from rdflib.term import Node

    from spacecoop.store.native import NativeLoad


def _nquads_input(ds: Dataset, quads: Iterable[tuple] | None = None) -> IO[bytes]:
    """Return the N-Quads of ``ds`` (see :func:`layout_nquads`) as a byte stream for ``bulk_load``.

    Its readers parse it with ``lenient=True``: every term of it was written by a pyoxigraph term,
    which checked the IRI, language tag or blank node label when it was made (a refused term never
    reaches the text), so checking them again on reading changes nothing and cost a third of the
    load (0.62 -> 0.43 s for 200k quads)."""
    from spacecoop.store.terms import _ByteLines, layout_nquads

    # a RawIOBase is a binary file that pyoxigraph reads; typeshed does not count it as an IO[bytes]
    return cast("IO[bytes]", _ByteLines(layout_nquads(ds, quads)))


class OxigraphStore(Store):
    """pyoxigraph: in memory, or persistent in a folder on disk.

    One process at a time may open a folder (RocksDB's lock); a second gets a clear error. Opening
    with ``read_only=True`` takes no lock, for a folder no process is writing.
    """

    name = "oxigraph"

    def __init__(self, path: str | None = None, *, read_only: bool = False) -> None:
        import pyoxigraph

        self.path = path
        self.persistent = bool(path)
        self.read_only = read_only
        if path:
            _restore_if_missing(path)
        try:
            if not path:
                self.store = pyoxigraph.Store()
            elif read_only:
                self.store = pyoxigraph.Store.read_only(path)
            else:
                self.store = pyoxigraph.Store(path)
        except (OSError, RuntimeError) as exc:
            if path and "lock" in str(exc).lower():
                raise SpacecoopError(
                    f"the Oxigraph store at {path} is in use by another process (RocksDB allows one); "
                    "stop it, or query that process's endpoint with --store sparql:URL"
                ) from exc
            raise SpacecoopError(f"cannot open the Oxigraph store at {path}: {_one_line(exc)}") from exc

    @classmethod
    def wrapping(cls, store: pyoxigraph.Store, path: str | None = None) -> OxigraphStore:
        """The store over a ``pyoxigraph.Store`` opened elsewhere (``path``: its folder on disk),
        as :mod:`spacecoop.store.keptnative` opens its copy."""
        self = cls.__new__(cls)
        self.path = path
        self.persistent = bool(path)
        self.read_only = False
        self.store = store
        return self

    def load(self, ds: Dataset, quads: Iterable[tuple] | None = None) -> None:
        """Replace the contents with ``ds``: named graphs as they are, default graph = their merge.

        ``quads``: the quads of ``ds`` already read, as :func:`layout_nquads` takes them.

        In memory the store is cleared and filled. On disk the new store is built in a sibling
        folder and the two folders then swap names (see :func:`swap_folders`): killed at any
        moment, the folder holds the old store or the new one, complete. Stale siblings left by
        killed loads are removed first.

        Raises
        ------
        SpacecoopError
            The store was opened read-only, or loading failed (the old contents are then kept on
            disk).
        """
        import pyoxigraph

        if self.read_only:
            raise SpacecoopError(
                f"the Oxigraph store at {self.path} was opened read-only; open it writable to load"
            )
        if self.path:
            self._load_beside(
                lambda new: new.bulk_load(
                    _nquads_input(ds, quads), format=pyoxigraph.RdfFormat.N_QUADS, lenient=True
                )
            )
            return
        try:
            self.store.clear()
            # parsed, then added: a blank node keeps rdflib's label (the store's own loaders give
            # it a new one), so a row of a check on this copy names the node the loaded data holds
            # and its file (0.50 s against 0.44 s at 100k triples)
            nquads = pyoxigraph.parse(_nquads_input(ds, quads), pyoxigraph.RdfFormat.N_QUADS, lenient=True)
            self.store.bulk_extend(nquads)
        except (OSError, SyntaxError, ValueError) as exc:
            raise SpacecoopError(f"cannot load into the Oxigraph store: {_one_line(exc)}") from exc

    def load_project(self, root: str | os.PathLike | None = None) -> NativeLoad:
        """Replace the contents with the project's files, parsed by Oxigraph itself
        (:func:`spacecoop.store.native.load_project`): the quads :meth:`load` writes for
        :func:`~spacecoop.core.load.load_dataset`, with no rdflib copy of the data.

        On disk the new store is built beside the old one and swapped in, as :meth:`load` does.

        Raises
        ------
        DataError
            A file cannot be read or parsed (the message names it; the store is unchanged on disk,
            empty in memory).
        SpacecoopError
            The store was opened read-only, or writing it failed.
        """
        from spacecoop.store.native import load_project, load_project_on_disk

        if self.read_only:
            raise SpacecoopError(
                f"the Oxigraph store at {self.path} was opened read-only; open it writable to load"
            )
        done: list[NativeLoad] = []
        if self.path:
            self._load_beside(lambda new: done.append(load_project_on_disk(new, root)))
            return done[0]
        return load_project(self.store, root)

    def _load_beside(self, fill: Callable[[pyoxigraph.Store], object]) -> None:
        """Fill a new store in a sibling folder with ``fill``, then swap it in (see :meth:`load`)."""
        import gc
        import os
        import secrets
        import shutil

        import pyoxigraph

        assert self.path is not None  # load() comes here only for a store on disk
        path = os.path.realpath(self.path)  # a link to the folder stays a link, to the new folder
        remove_stale_siblings(path)
        staging = f"{path}.new-{os.getpid()}-{secrets.token_hex(4)}"
        held: list[pyoxigraph.Store] = []  # the new store, dropped before its folder is renamed or removed
        try:
            held.append(pyoxigraph.Store(staging))
            fill(held[0])
            held[0].optimize()
            held[0].flush()
            held.clear()
            gc.collect()  # release RocksDB's lock on the new folder before it is renamed
        except (OSError, RuntimeError, SyntaxError, ValueError) as exc:
            held.clear()
            _remove_staging(staging, exc)
            raise SpacecoopError(
                f"cannot load into the Oxigraph store at {self.path}: {_one_line(exc)} "
                "(the store is unchanged)"
            ) from exc
        except BaseException as exc:
            held.clear()
            _remove_staging(staging, exc)
            raise
        self.store = None  # type: ignore[assignment]
        gc.collect()  # release our lock on the old folder
        try:
            swap_folders(staging, path)  # now ``staging`` holds the old store
        except OSError as exc:
            shutil.rmtree(staging, ignore_errors=True)
            self.store = pyoxigraph.Store(path)
            raise SpacecoopError(
                f"cannot swap the new Oxigraph store into {self.path}: {_one_line(exc)}"
            ) from exc
        self.store = pyoxigraph.Store(path)
        shutil.rmtree(staging, ignore_errors=True)

    def query(self, text: str, bindings: Mapping[str, Node] | None = None) -> QueryResult:
        """Run a SPARQL query with Oxigraph's engine.

        ``bindings`` travel as a VALUES clause that opens the outermost WHERE group (see
        :func:`~spacecoop.sparql.parse.bind_values`), as for a remote store, not as pyoxigraph's
        ``substitutions``. Those gave the same rows on every named query, but pyoxigraph 0.5.13
        refuses a variable the SELECT does not project (and every variable of an ASK), evaluates
        ``BOUND(?v)`` as false for a substituted ``?v``, and does not narrow the search with the value:
        ``payload-partners`` for one mission took 10 ms substituted, as long as unbound, and
        2 ms with VALUES; ``bloc-timeline`` 110 ms against 24 ms.
        """
        return self._query(text, bindings, None)

    def query_at_most(
        self, text: str, bindings: Mapping[str, Node] | None = None, *, rows: int
    ) -> QueryResult:
        """:meth:`Store.query_at_most`, reading no more than ``rows + 1`` rows or triples of
        Oxigraph's answer (an answer it can stream, without ORDER BY or aggregates, is then not
        computed further either)."""
        return self._query(text, bindings, rows)

    def _query(self, text: str, bindings: Mapping[str, Node] | None, at_most: int | None) -> QueryResult:
        import itertools

        import pyoxigraph as ox

        if bindings:
            from spacecoop.sparql.parse import bind_values

            sent = bind_values(text, bindings)
        else:
            sent = text
        try:
            res = self.store.query(sent)
        except SyntaxError as exc:
            raise UsageError(f"malformed SPARQL: {_one_line(exc)}") from exc
        except OSError as exc:
            raise SpacecoopError(f"the query failed: {_one_line(exc)}") from exc
        if isinstance(res, ox.QueryBoolean):
            return QueryResult("ASK", boolean=bool(res))
        if isinstance(res, ox.QuerySolutions):
            names = tuple(v.value for v in res.variables)
            read = res if at_most is None else itertools.islice(res, at_most + 1)
            # a solution iterates its values in the order of the variables, None where unbound
            with collector_paused():  # a tuple per row, kept: see spacecoop.core.gcpause
                cells = tuple(map(tuple, read))
            if at_most is not None and len(cells) > at_most:
                raise TooManyRows(len(cells), exact=False)
            # rdflib terms only when the rows are read (see QueryResult.from_engine)
            return QueryResult.from_engine(names, cells, _rdflib_rows, _text_rows)
        from rdflib import Graph

        from spacecoop.core.rdfterms import _triple_from_oxigraph

        g = Graph()
        for t in res:
            g.add(_triple_from_oxigraph(t))
            # a CONSTRUCT may yield a triple twice: count the graph's, not those read
            if at_most is not None and len(g) > at_most:
                raise TooManyRows(len(g), exact=False, triples=True)
        return QueryResult(_graph_form(text), graph=g)

    def select_strings(self, text: str) -> list[tuple[str, ...]]:
        """Run a SELECT query; return its rows as plain text (see :meth:`Store.select_strings`).

        Oxigraph writes the answer as SPARQL CSV (plain lexical forms, ``""`` when unbound) and
        Python's C reader splits it: no term object per cell. Reading a view at 1M triples spent
        30 s making rdflib terms of 1.5M cells through :meth:`query`.
        """
        import csv
        import io

        import pyoxigraph as ox

        try:
            res = self.store.query(text)
        except SyntaxError as exc:
            raise UsageError(f"malformed SPARQL: {_one_line(exc)}") from exc
        except OSError as exc:
            raise SpacecoopError(f"the query failed: {_one_line(exc)}") from exc
        if not isinstance(res, ox.QuerySolutions):
            raise UsageError("select_strings runs a SELECT query")
        width = len(res.variables)
        answer = (res.serialize(format=ox.QueryResultsFormat.CSV) or b"").decode("utf-8")
        _, crlf, body = answer.partition("\r\n")  # the header: the variables' names
        if crlf and answer.endswith("\r\n") and '"' not in answer:
            # No field is quoted, so none holds a comma or a line break: str.split reads the
            # rows exactly, in a fraction of the csv module's time (its rows, then the tuples,
            # were a fifth of a view's reading at 1M triples, by Python's lock held).
            lines = body.split("\r\n")
            lines.pop()  # the empty text after the last line's end
            if width < 2:
                return [(line,) if width else () for line in lines]
            return [tuple(line.split(",")) for line in lines]
        rows = csv.reader(io.StringIO(answer, newline=""))
        next(rows, None)
        blank = ("",) * width  # a row of one unbound cell is an empty line, which reads as []
        return [tuple(row) or blank for row in rows]

    def subject_objects(self, predicate: str) -> list[tuple[str, str]]:
        """Read the triples of one predicate (see :meth:`Store.subject_objects`) from the store's
        default graph, which holds the union (:func:`spacecoop.store.terms.layout_nquads`),
        without a query: no answer written as CSV and split again, 40 % less time for the
        claims of a view at 1M triples in memory. On disk reading the terms from RocksDB takes
        most of the time either way (the query was 5 % faster at 1M), and a store seen through a
        dataset (:meth:`dataset_view`) must answer over that dataset: both ask with a query.
        A view whose reads go two at a time (:data:`spacecoop.views.projection.READ_THREADS`, the
        default) asks each predicate as a query instead: this read is Python's work, which
        threads cannot share, and the queries' answers are written without Python's lock."""
        import pyoxigraph as ox

        if self.path or not isinstance(self.store, ox.Store):
            return super().subject_objects(predicate)
        try:
            pred = ox.NamedNode(predicate)
        except ValueError:
            raise UsageError(f"not an IRI: {predicate!r}") from None
        plain = (ox.NamedNode, ox.Literal)  # their value is the text a CSV cell holds
        return [
            (
                s.value if type(s) is ox.NamedNode else _cell_text(s),
                o.value if type(o) in plain else _cell_text(o),
            )
            for s, _, o, _ in self.store.quads_for_pattern(None, pred, None, ox.DefaultGraph())
        ]

    def mentions(self, term: Node) -> bool:
        import pyoxigraph as ox

        from spacecoop.core.rdfterms import to_oxigraph

        node, default = to_oxigraph(term), ox.DefaultGraph()
        if next(iter(self.store.quads_for_pattern(node, None, None, default)), None) is not None:
            return True
        return next(iter(self.store.quads_for_pattern(None, None, node, default)), None) is not None

    def to_dataset(self) -> Dataset:
        import pyoxigraph as ox
        from rdflib import Dataset
        from rdflib.term import IdentifiedNode

        from spacecoop.core.rdfterms import _triple_from_oxigraph, from_oxigraph

        out = Dataset(default_union=True)
        default: set = set()
        named: set = set()
        for q in self.store.quads_for_pattern(None, None, None, None):
            t = _triple_from_oxigraph(q)
            if isinstance(q.graph_name, ox.DefaultGraph):
                default.add(t)
            else:
                # a graph name other than the default graph is an IRI or a blank node
                out.graph(cast(IdentifiedNode, from_oxigraph(q.graph_name))).add(t)
                named.add(t)
        for t in default - named:
            out.default_graph.add(t)
        return out

    def __len__(self) -> int:
        return int(cast("Literal", self.query(_COUNT_QUADS).rows[0][0]))  # COUNT binds a literal

    def close(self) -> None:
        if self.path and not self.read_only:
            with contextlib.suppress(OSError):
                self.store.flush()
        self.store = None  # type: ignore[assignment]

    # ---------------------------------------------------------------------------------------
    # Copies and views (what the endpoint's workers use)

    def graph_names(self) -> frozenset[str]:
        import pyoxigraph as ox

        return frozenset(n.value for n in self.store.named_graphs() if isinstance(n, ox.NamedNode))

    def load_nquads(self, payload: bytes) -> None:
        """Replace the contents with exactly the quads of ``payload``, as :meth:`dump_nquads` wrote
        them (no layout: a copy answers as the store it was dumped from).

        Raises
        ------
        SpacecoopError
            The store was opened read-only, or the payload is not N-Quads.
        """
        import pyoxigraph as ox

        if self.read_only:
            raise SpacecoopError(
                f"the Oxigraph store at {self.path} was opened read-only; open it writable to load"
            )
        try:
            self.store.clear()
            self.store.bulk_load(payload, format=ox.RdfFormat.N_QUADS)
        except (OSError, SyntaxError, ValueError) as exc:
            raise SpacecoopError(f"cannot load into the Oxigraph store: {_one_line(exc)}") from exc

    def dump_nquads(self) -> bytes:
        import pyoxigraph as ox

        # pyoxigraph's stub says bytes | None; dump() without an output returns the bytes
        return cast(bytes, self.store.dump(format=ox.RdfFormat.N_QUADS))

    def dataset_view(self, default: Iterable[str], named: Iterable[str]) -> OxigraphStore:
        """Return this store seen through one dataset (see :meth:`Store.dataset_view`): the same
        pyoxigraph store, queried with ``default_graph`` and ``named_graphs``, which replace
        whatever FROM / FROM NAMED a query says. The view is read-only."""
        import copy

        view = copy.copy(self)
        view.read_only = True
        view.store = _DatasetView(self.store, default, named)  # type: ignore[assignment]  # a Store's stand-in
        return view


def _rdflib_rows(cells: tuple[tuple, ...]) -> tuple[tuple[Node | None, ...], ...]:
    """Oxigraph's answer as rdflib terms (:func:`~spacecoop.core.rdfterms.from_oxigraph`), each
    distinct term converted once (:func:`~spacecoop.store.base.convert_cells`)."""
    from spacecoop.core.rdfterms import oxigraph_converter

    return convert_cells(cells, oxigraph_converter())


def _text_rows(cells: tuple[tuple, ...]) -> tuple[tuple[TextTerm | None, ...], ...] | None:
    """Oxigraph's answer as text (:func:`~spacecoop.core.rdfterms.text_from_oxigraph`), or None
    when a cell's text could differ from its rdflib term's."""
    try:
        return convert_cells(cells, _text_or_stop)
    except _NoText:
        return None


class _NoText(Exception):
    """A term whose text could differ from its rdflib term's."""


def _text_or_stop(term) -> TextTerm:
    """The text of ``term`` (:func:`~spacecoop.core.rdfterms.text_from_oxigraph`), or
    :class:`_NoText` raised when there is none."""
    from spacecoop.core.rdfterms import text_from_oxigraph

    out = text_from_oxigraph(term)
    if out is None:
        raise _NoText
    return out


def _cell_text(term) -> str:
    """A term's text as Oxigraph's SPARQL CSV writes it: a blank node as ``_:label``."""
    import pyoxigraph as ox

    if isinstance(term, ox.BlankNode):
        return f"_:{term.value}"
    return getattr(term, "value", None) or str(term)


class _DatasetView:
    """A pyoxigraph Store whose ``query`` answers over one dataset (see
    :meth:`OxigraphStore.dataset_view`); everything else is the store's."""

    def __init__(self, store, default: Iterable[str], named: Iterable[str]) -> None:
        import pyoxigraph as ox

        from spacecoop.store.base import UNION_GRAPH

        self._store = store
        default = [str(iri) for iri in default]  # str: an rdflib URIRef never equals a str
        if str(UNION_GRAPH) in default:  # the store's default graph holds the union (load's layout)
            self._default: object = ox.DefaultGraph()
        else:
            self._default = [ox.NamedNode(iri) for iri in default]
        self._named = [ox.NamedNode(iri) for iri in named]

    def query(self, query, *args, **kwargs):
        kwargs.pop("use_default_graph_as_union", None)
        kwargs["default_graph"] = self._default
        kwargs["named_graphs"] = self._named
        return self._store.query(query, *args, **kwargs)

    def __getattr__(self, name):
        return getattr(self._store, name)


def _remove_staging(staging: str, exc: BaseException) -> None:
    """Remove the folder of a failed load, once no frame of the failure holds its store open (RocksDB
    would write its files again while the folder is being removed)."""
    import gc
    import shutil
    import traceback

    traceback.clear_frames(exc.__traceback__)
    gc.collect()
    shutil.rmtree(staging, ignore_errors=True)


def swap_folders(new: str, path: str) -> None:
    """Put the folder ``new`` at ``path``; the old ``path`` is left at ``new`` (to be removed).

    On Linux one ``renameat2(RENAME_EXCHANGE)`` swaps the two names atomically: at every moment
    ``path`` names a complete folder. Elsewhere (or on a file system without it) two renames are
    used, ``path`` → ``path.old-…`` then ``new`` → ``path``; a crash between them leaves no
    ``path``, and :func:`remove_stale_siblings` (run by the next load, and by opening the store)
    puts the old folder back.

    Raises
    ------
    OSError
        A rename failed.
    """
    import os

    if not os.path.exists(path):
        os.rename(new, path)
        os.makedirs(new)  # an empty "old" folder, so that the caller's clean-up finds one
        return
    if exchange_paths(new, path):
        return
    import secrets

    old = f"{path}.old-{os.getpid()}-{secrets.token_hex(4)}"
    os.rename(path, old)
    os.rename(new, path)
    os.rename(old, new)


_SIBLING = re.compile(r"\.(new|old)-(\d+)-[0-9a-f]+")


def remove_stale_siblings(path: str) -> list[str]:
    """Remove the ``PATH.new-*`` and ``PATH.old-*`` folders that no running load owns.

    A sibling belongs to the process whose id it carries; it is stale once that process has gone
    (or is this one). When ``path`` itself is missing (a crash between the two renames of
    :func:`swap_folders`), the old store is first renamed back into place. Return the names of
    the folders removed.
    """
    import os
    import shutil

    _restore_if_missing(path)
    removed = []
    for _, pid, folder in _siblings(path):
        if pid == os.getpid() or not _alive(pid):
            shutil.rmtree(folder, ignore_errors=True)
            removed.append(folder)
    return removed


def _siblings(path: str) -> list[tuple[str, int, str]]:
    """Return ``(kind, pid, folder)`` for each ``PATH.new-*`` and ``PATH.old-*`` folder."""
    import os

    parent, name = os.path.split(os.path.abspath(path))
    try:
        entries = sorted(os.listdir(parent))
    except OSError:
        return []
    out = []
    for entry in entries:
        m = _SIBLING.fullmatch(entry[len(name) :]) if entry.startswith(name) else None
        if m and os.path.isdir(os.path.join(parent, entry)):
            out.append((m.group(1), int(m.group(2)), os.path.join(parent, entry)))
    return out


def _restore_if_missing(path: str) -> None:
    """Put the old store back at ``path`` after a crash between the two renames of a swap."""
    import os

    if os.path.lexists(path):
        return
    olds = [folder for kind, _, folder in _siblings(path) if kind == "old"]
    if olds:
        with contextlib.suppress(OSError):
            os.rename(olds[0], path)


def _alive(pid: int) -> bool:
    import os

    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, owned by someone else
        return True
    return True
