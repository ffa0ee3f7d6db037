"""Check the loaded dataset: SHACL shapes, known terms, verbatim quotes and consistency queries.

Four kinds of check, each reported per offending node with the rule it broke and the files that
mention the node:

* ``shacl``: the shapes of ``ontology/shapes.ttl`` (pySHACL), on all graphs merged;
* ``unknown-term``: an IRI in our ontology or vocabulary namespace that the ontology does not
  declare (a misspelt property mints a new term silently otherwise);
* ``quote``: every ``sc:quote`` must appear verbatim in its source's stored text, where that text
  is at hand (``../shared/sources/``); otherwise the check is skipped with a reason;
* ``check``: every ``queries/checks/*-violation.rq`` must return zero rows;
* ``rdf-term``: every IRI, literal, language tag and datatype must be one that Oxigraph takes and
  the writers of ``build`` can write, in a place RDF allows it (rdflib reads ``<http://a b>``, a
  lone surrogate ``\\uD800``, a literal over 16 MiB and a literal or blank node as predicate,
  which ``serve``, ``load`` or ``build`` then refuse); reported with the file that holds the term
  (see :class:`spacecoop.core.termcheck.TermCheck`).

* ``entities`` (:func:`check_entities`): two entities of one kind sharing an ISO 3166 code, or
  one's label being the other's label or alternative label once normalised (``org/cnsa`` beside
  ``org/china-national-space-administration``; two alternative labels alone may be a shared
  acronym of two bodies and are not reported);
  an entity IRI used but defined nowhere (a typo), answered with "did you mean";
* ``agreement-iri``: every agreement's IRI is the one :func:`spacecoop.core.namespaces.agreement_iri`
  mints from its parties, kind, date and title;
* ``sources``: two sources with one URL.

Checks that cannot run are reported in ``skipped``, never silently: a stored text not at hand, a
source that quotes nothing (a compiled table's page), and, named apart, a quoted source with no
stored text (``sc:localCopy``), whose quotes can never be checked.

So whatever ``validate`` passes, ``build``, ``viz`` and ``serve`` accept. Files that are not
regular files (a FIFO, a device) or are larger than :data:`spacecoop.core.inputs.MAX_INPUT_BYTES` are
refused before any check runs (:class:`~spacecoop.core.errors.DataError`, exit 2).
"""

from __future__ import annotations

import functools
import os
import re
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from operator import itemgetter
from pathlib import Path
from typing import TYPE_CHECKING, cast

from rdflib import RDF, BNode, Dataset, Graph, URIRef

from spacecoop.core.cache import installed_version
from spacecoop.core.errors import SpacecoopError
from spacecoop.core.forking import fork_beside
from spacecoop.core.inputs import read_input
from spacecoop.core.keptload import load_kept
from spacecoop.core.layout import Layout, find_root
from spacecoop.core.load import Loaded, load
from spacecoop.core.namespaces import NS, ONTOLOGY_GRAPH, PREFIXES, SC, VOCAB, curie
from spacecoop.core.rdfbulk import merged_view
from spacecoop.core.rdfterms import as_iri, sorted_iris
from spacecoop.core.terminal import printable

if TYPE_CHECKING:
    from collections.abc import Callable

    from rdflib.term import Node

    from spacecoop.core.forking import Later


@dataclass(frozen=True)
class Violation:
    """One broken rule on one node."""

    node: str
    rule: str
    message: str
    files: tuple[str, ...] = ()
    value: str = ""

    def __str__(self) -> str:
        where = f" [{', '.join(self.files)}]" if self.files else ""
        value = f" (value: {self.value})" if self.value else ""
        return f"{self.node}: {self.rule}: {self.message}{value}{where}"


@dataclass(frozen=True)
class ValidationReport:
    """The outcome of :func:`validate`."""

    violations: tuple[Violation, ...]
    skipped: tuple[str, ...] = ()
    checked: tuple[str, ...] = ()

    @property
    def conforms(self) -> bool:
        return not self.violations

    def refuse_unless_conforms(self, what: str) -> None:
        """Raise, listing every violation, unless the data conforms: what a writer says before it
        writes nothing (``what`` names the data: "the imported table", "PATH: the project with
        this source").

        Raises
        ------
        SpacecoopError
            Exit code 1 (the data does not conform).
        """
        if self.conforms:
            return
        from spacecoop.core.errors import SpacecoopError

        lines = "\n".join(f"  {v}" for v in self.violations)
        raise SpacecoopError(
            f"{what} does not validate ({len(self.violations)} violations); nothing was written:\n{lines}",
            exit_code=1,
        )


def validate(
    root: str | os.PathLike | None = None,
    *,
    loaded: Loaded | None = None,
    texts_dir: str | os.PathLike | None = None,
    shacl_cache: str | os.PathLike | None = None,
    query_rows: Callable[[], QueryRows | None] | None = None,
) -> ValidationReport:
    """Validate the project's dataset.

    Parameters
    ----------
    root : path, optional
        Project root (see :func:`spacecoop.core.layout.find_root`).
    loaded : Loaded, optional
        An already loaded dataset (from :func:`spacecoop.core.load.load`), to avoid loading twice.
    texts_dir : path, optional
        Folder of stored source texts (default: the layout's, ``../shared/sources``).
    shacl_cache : path, optional
        A file of SHACL results kept per node: pySHACL then runs only on the nodes whose inputs
        changed since the run that wrote it, with the same report (see
        :mod:`spacecoop.checks.incremental`); :func:`validate_cached` keeps it beside the
        compiled store.
    query_rows : callable, optional
        Gives the rows of the check queries (:func:`check_rows_of_files`) for the files
        ``loaded`` was read from, or None when it cannot; then, and when ``loaded`` holds terms
        Oxigraph refuses, they are asked here. Every check runs in this process
        (:func:`validate_cached` has a forked process answer the check queries while this one
        loads the data).

    Returns
    -------
    ValidationReport
        ``conforms`` is true when no rule is broken.

    Raises
    ------
    DataError
        A data file cannot be parsed.

    Examples
    --------
    >>> validate().conforms
    True
    """
    root_path = find_root() if root is None else Path(root).resolve()
    layout = Layout(root_path)
    loaded = loaded or load(root_path)
    violations: list[Violation] = []
    skipped: list[str] = []
    checked: list[str] = []

    cache = Path(shacl_cache) if shacl_cache is not None else None
    # On a large dataset: with the check queries answered ahead (validate_cached), SHACL in a
    # forked process while this one runs the checks of terms, quotes and entities (0.6 and 0.4 s
    # at 100k triples after an edit); else SHACL and those checks in a forked process while this
    # one runs the check queries on an Oxigraph copy and the rest (about 1.3 s each)
    text = functools.partial(_shacl_and_text_checks, loaded, layout, cache, texts_dir)
    graph = functools.partial(_graph_checks, loaded, layout)
    if query_rows is not None:
        # SHACL forked beside the checks of text, once the data is loaded (the forked process
        # that answers the check queries ends about then)
        if _shacl_beside(loaded):
            (found, skips, checks), shacl = fork_beside(
                functools.partial(_text_checks, loaded, layout, texts_dir),
                functools.partial(check_shacl, loaded, layout, cache),
            )
            text_part = (shacl + found, skips, ["shacl", *checks])
        else:
            text_part = text()
        rows = query_rows()  # the forked process answered meanwhile
        graph_part = _graph_checks(loaded, layout, rows if rows is not None and not loaded.problems else None)
    elif _shacl_beside(loaded):
        graph_part, text_part = fork_beside(graph, text)
    else:
        text_part, graph_part = text(), graph()
    for found, skips, checks in (text_part, graph_part):
        violations += found
        skipped += skips
        checked += checks
    # A term with a lone surrogate cannot be printed or written as UTF-8: escape it in the report.
    violations = [_printable(v) for v in violations]
    violations.sort(key=lambda v: (v.rule, v.node, v.message, v.value))
    checked.sort(key=lambda c: CHECKS.index(c) if c in CHECKS else len(CHECKS))  # whichever ran where
    return ValidationReport(tuple(violations), tuple(skipped), tuple(checked))


CHECKS = ("shacl", "unknown-term", "quote", "check", "entities", "agreement-iri", "sources", "rdf-term")
"""The checks :func:`validate` runs, in the order its report lists them."""


def _shacl_beside(loaded: Loaded) -> bool:
    """Whether :func:`validate` runs SHACL (with the checks of terms, quotes and entities) in a forked
    process beside the other checks (:func:`spacecoop.core.forking.beside_pays`), unless
    ``$SPACECOOP_SHACL_PROCESSES`` is 1 (which keeps all of SHACL in this process)."""
    from spacecoop.core.forking import beside_pays

    if os.environ.get("SPACECOOP_SHACL_PROCESSES", "").strip() == "1":
        return False
    # its triples, counted at once (each half makes Loaded.quads itself, from the files' quads
    # load kept: 0.04 s at 100k triples)
    return beside_pays(len(loaded.ds.store))


def _shacl_and_text_checks(
    loaded: Loaded, layout: Layout, cache: Path | None, texts_dir: str | os.PathLike | None
) -> tuple[list[Violation], list[str], list[str]]:
    """SHACL, then :func:`_text_checks`: (violations, skipped, checks run)."""
    violations = check_shacl(loaded, layout, cache)
    more, skipped, checks = _text_checks(loaded, layout, texts_dir)
    return violations + more, skipped, ["shacl", *checks]


def _text_checks(
    loaded: Loaded, layout: Layout, texts_dir: str | os.PathLike | None
) -> tuple[list[Violation], list[str], list[str]]:
    """Unknown terms, quotes and entities: (violations, skipped, checks run).

    The collector is paused while they make lists and indexes of the whole dataset (see
    :mod:`spacecoop.core.gcpause`)."""
    from spacecoop.core.gcpause import collector_paused

    with collector_paused():
        violations = check_terms(loaded)
        quote_violations, skipped = check_quotes(loaded, layout, texts_dir)
        violations += check_entities(loaded)
    return violations + quote_violations, skipped, ["unknown-term", "quote", "entities"]


def _graph_checks(
    loaded: Loaded, layout: Layout, rows: QueryRows | None = None
) -> tuple[list[Violation], list[str], list[str]]:
    """The check queries (their ``rows`` when already answered), agreement IRIs, sources and RDF
    terms: (violations, skipped, checks run).

    The collector is paused while they make lists and indexes of the whole dataset, but for the
    check queries, which rdflib's engine answers where Oxigraph cannot (its evaluation leaves
    reference cycles behind)."""
    from spacecoop.core.gcpause import collector_paused

    violations = check_queries(loaded, layout) if rows is None else _query_violations(loaded, rows)
    with collector_paused():
        violations += check_agreement_iris(loaded)
        violations += check_sources(loaded)
        violations += check_rdf_terms(loaded)
    return violations, [], ["check", "agreement-iri", "sources", "rdf-term"]


def _printable(v: Violation) -> Violation:
    return Violation(
        printable(v.node, 200), v.rule, printable(v.message, 2000), v.files, printable(v.value, 200)
    )


def shown_node(loaded: Loaded, node) -> str:
    """How a report names ``node``: an IRI as its CURIE; a blank node, whose label is new on every
    parse and says nothing, by what the data says of it, Turtle-like: its types and shown label
    (``[ a sc:Organization ; skos:prefLabel "Nameless Office"@en ]``), ``[ ]`` if neither.

    Examples
    --------
    >>> from rdflib import Dataset
    >>> from spacecoop.core.namespaces import SC
    >>> ds = Dataset(default_union=True)
    >>> b = BNode()
    >>> _ = ds.add((b, RDF.type, SC.Organization))
    >>> shown_node(Loaded(ds), b), shown_node(Loaded(ds), BNode()), shown_node(Loaded(ds), SC.Country)
    ('[ a sc:Organization ]', '[ ]', 'sc:Country')
    """
    if not isinstance(node, BNode):
        return curie(str(node))
    from spacecoop.core.labels import shown_label_term

    ds = loaded.ds
    said = []
    types = sorted({curie(str(t)) for t in ds.objects(node, RDF.type)})
    if types:
        said.append("a " + ", ".join(types))
    label = shown_label_term(ds, node)
    if label is not None:
        said.append(f"skos:prefLabel {label.n3()}")
    return f"[ {' ; '.join(said)} ]" if said else "[ ]"


def check_rdf_terms(loaded: Loaded) -> list[Violation]:
    """Report terms that Oxigraph or the writers of ``build`` refuse, each with the file it is in.

    The terms were checked while loading (:class:`spacecoop.core.termcheck.TermCheck`); one violation per
    subject, file and reason.
    """
    seen: dict[tuple[str, str, str], Violation] = {}
    for problem in loaded.problems:
        key = (problem.node, problem.file, problem.message)
        node = curie(problem.node)
        why = (
            problem.message
            if "MAX_TERM_BYTES" in problem.message
            else (f"{problem.message}; Oxigraph (serve, load) or build would refuse it")
        )
        seen.setdefault(key, Violation(node=node, rule="rdf-term", message=why, files=(problem.file,)))
    return list(seen.values())


def _merged(loaded: Loaded) -> Graph:
    g = Graph()
    for s, p, o, _ in loaded.quads():
        g.add((s, p, o))
    return g


def check_shacl(loaded: Loaded, layout: Layout, cache: Path | None = None) -> list[Violation]:
    """Run pySHACL with ``ontology/shapes.ttl`` on all graphs merged.

    With ``cache`` (a file), the results of nodes whose inputs did not change since the run that
    wrote it are taken from it and pySHACL runs on the others only: the same results, see
    :mod:`spacecoop.checks.incremental`. What changed is found from the files that changed when
    the load kept each file's quads (``Loaded.sources``), else from a fingerprint of every node.
    """
    import hashlib

    from spacecoop.checks.incremental import shacl_results, value_of
    from spacecoop.core.load import parse_file
    from spacecoop.store.compiled import code_identity

    shapes = parse_file(layout.shapes_file, "turtle").default_graph
    shapes_id = ""
    if cache is not None:
        digest = hashlib.sha256(read_input(layout.shapes_file)).hexdigest()
        shapes_id = f"{digest} {code_identity(_VALIDATE_CODE)} pyshacl={installed_version('pyshacl')}"

    def triples():
        return ((s, p, o) for s, p, o, _ in loaded.quads())

    sources = loaded.sources if cache is not None else None
    try:
        found = shacl_results(
            triples,
            shapes,
            lambda: _merged(loaded),
            cache,
            shapes_id,
            sources,
            loaded.derived_quads,
            dataset=loaded.ds,
        )
    except SpacecoopError:  # ours (e.g. a bad SPACECOOP_SHACL_PROCESSES): as it is
        raise
    except Exception as exc:  # pySHACL reports broken shapes with many exception types
        raise SpacecoopError(f"{layout.shapes_file}: SHACL validation could not run: {exc}") from exc
    out = []
    for node, raw in found:
        path = URIRef(raw[1]) if raw[1] not in ("", "^") else None
        value = value_of(raw)
        msgs = raw[6]
        message = msgs[0] if msgs else f"breaks {curie(raw[7] or 'None')}"
        if path is not None:
            message = f"{curie(str(path))}: {message}"
        out.append(
            Violation(
                node=shown_node(loaded, node),
                rule="shacl",
                message=message,
                files=files_at_fault(loaded, node, path, value),
                value=shown_node(loaded, value) if value is not None and value != node else "",
            )
        )
    return out


def check_terms(loaded: Loaded) -> list[Violation]:
    """Report IRIs in our ontology or vocabulary namespaces that the ontology does not declare."""
    ds = loaded.ds
    onto = ds.graph(ONTOLOGY_GRAPH)
    declared = set(onto.subjects())
    ours, itself = (NS, str(VOCAB)), URIRef(NS.rstrip("#"))
    starts = str.startswith  # rdflib's own startswith of a term is Python code, 1 µs a call
    quads = loaded.quads()
    # The distinct terms first, in C (a term is on many triples: 327,000 places at 100k triples,
    # 78 ms through a test each, hold about 40,000 terms); the triples are walked only for a term
    # found undeclared. An object is hashed only when it is an IRI (a literal hashes in Python).
    terms = set(map(itemgetter(0), quads))
    terms.update(map(itemgetter(1), quads))
    terms.update([o for o in map(itemgetter(2), quads) if isinstance(o, URIRef)])
    unknown = {
        t for t in terms if isinstance(t, URIRef) and starts(t, ours) and t not in declared and t != itself
    }
    out: dict[tuple[str, str], Violation] = {}
    for s, p, o, _ in quads if unknown else ():
        for term in (s, p, o):
            if isinstance(term, URIRef) and term in unknown:
                key = (curie(str(term)), str(s))
                out.setdefault(
                    key,
                    Violation(
                        node=shown_node(loaded, s),
                        rule="unknown-term",
                        message=f"uses {curie(str(term))}, which the ontology does not declare",
                        files=tuple(loaded.files_of(s)),
                    ),
                )
    return list(out.values())


_WS = re.compile(r"\s+")


def _norm(text: str) -> str:
    return _WS.sub(" ", text).strip()


QUOTE_JOINER = " \u2026 "
"""What joins several verbatim pieces of one quote (space, ellipsis U+2026, space)."""


def missing_quote_pieces(quote: str, text: str) -> list[str]:
    """Return the pieces of ``quote`` (split at :data:`QUOTE_JOINER`) that ``text`` does not
    contain verbatim, whitespace runs counting as one space.

    Examples
    --------
    >>> missing_quote_pieces("South Africa \u2026 the ILRS", "South Africa has joined the ILRS.")
    []
    >>> missing_quote_pieces("South Africa \u2026 the ISS", "South Africa has joined the ILRS.")
    ['the ISS']
    """
    norm = _norm(text)
    return (
        [p for p in (_norm(x) for x in quote.split(QUOTE_JOINER.strip())) if p and p not in norm]
        if QUOTE_JOINER in quote
        else ([] if _norm(quote) in norm else [_norm(quote)])
    )


def validate_cached(root: str | os.PathLike | None = None, *, load_data=None) -> ValidationReport:
    """Validate the project's dataset, or return the report of the last validation when no input
    changed since (by ``validate`` or ``build``, which share it).

    The inputs are every file :func:`validate` reads: the data files
    (:func:`spacecoop.store.compiled.input_files`), the shapes, the check queries and the stored
    source texts, each known by its SHA-256 (a file's hash is computed again only when its size,
    times or inode moved), and the code that validates. The report is kept beside the compiled
    store (``validate.json`` in :func:`spacecoop.store.compiled.compiled_dir`); where that folder
    cannot be written, every call validates. A report is kept only when no input moved while it
    was made (a file edited meanwhile: the next call validates again).

    Parameters
    ----------
    root : path, optional
    load_data : callable, optional
        Called with no argument when the data must be validated, to load it
        (:func:`spacecoop.core.load.load`). Default: :func:`validate` loads it.

    Raises
    ------
    DataError
        A data file cannot be read or parsed (never cached).
    """
    return _validate_cached(root, load_data, want_data=False)[0]


def load_validated(
    root: str | os.PathLike | None = None, *, load_data=None
) -> tuple[Loaded, ValidationReport]:
    """Load the project's dataset and return it with its validation report: the report kept by
    the last validation when no input changed since (as :func:`validate_cached`), else a new one.

    The report is always that of the data returned, even when a file is edited while it loads
    (what ``build`` needs: it writes what it loaded only when that conforms). A kept report is
    returned only when no input moved from the moment its key was computed until the data was
    loaded; otherwise what was loaded is validated, and that report is kept only when no input
    moved while it was made, so a report is never kept under the key of other data.

    Parameters
    ----------
    root : path, optional
    load_data : callable, optional
        Called with no argument to load the data. Default:
        :func:`spacecoop.core.keptload.load_kept` (``load(root, keep_parsed=True)``, made from
        the last load kept whole where there is one).
    """
    report, loaded = _validate_cached(root, load_data, want_data=True)
    assert loaded is not None  # want_data: always loaded
    return loaded, report


def _validate_cached(
    root: str | os.PathLike | None, load_data, *, want_data: bool
) -> tuple[ValidationReport, Loaded | None]:
    """The report of :func:`validate_cached`, with the data loaded (None when it was not needed)."""
    import contextlib
    import json

    from spacecoop.store.compiled import check_files, code_identity, compiled_dir

    root_path = find_root() if root is None else Path(root).resolve()
    layout = Layout(root_path)
    cache = compiled_dir(root_path) / "validate.json"
    try:
        old = json.loads(cache.read_text("utf-8"))
    except (OSError, ValueError):
        old = None
    if not isinstance(old, dict) or not isinstance(old.get("files"), dict):
        old = None
    texts = layout.texts_dir
    files = validation_inputs(root_path)
    known = old["files"] if old else None  # stamps: a file's hash is reused while its stat holds
    entries, _ = check_files(files, known)
    code = code_identity(_VALIDATE_CODE) + f" pyshacl={installed_version('pyshacl')} texts={texts}"
    key = _report_key(entries, code)
    kept: ValidationReport | None = None
    if old is not None and old.get("key") == key and isinstance(old.get("report"), dict):
        with contextlib.suppress(KeyError, TypeError, ValueError):
            kept = _report_from_json(old["report"])
    if kept is not None and not want_data:
        return kept, None

    rows_ahead = CheckRowsAhead(root_path, entries, known)
    moved = rows_ahead.moved

    # Nothing kept: a forked process has Oxigraph parse the files and answer the check queries
    # while this one loads them into rdflib and runs SHACL (see _fork_check_rows).
    if kept is None and load_data is None:
        rows_ahead.start()
    try:
        loaded = load_kept(root_path) if load_data is None else load_data()
        if kept is not None and not moved():
            return kept, loaded  # no input moved since the key: the report is that of what was loaded
        # Nothing kept, or an input moved while loading (then the kept report may not be that of
        # what was loaded): validate what was loaded.
        report = rows_ahead.validate(loaded)
    finally:
        rows_ahead.cancel()  # ended already, unless validate failed first
    from spacecoop.core.atomic import write_atomic
    from spacecoop.store.compiled import stamps_to_keep

    if moved():  # keep nothing
        return report, loaded
    stamped = stamps_to_keep(entries)
    body = {"key": key, "files": stamped, "report": _report_to_json(report)}
    with contextlib.suppress(OSError):  # an unwritable cache: the next call validates again
        write_atomic(cache, json.dumps(body, indent=0))
    return report, loaded


AHEAD_BYTES = 1 << 20
"""From this many bytes of input files, :func:`validate_cached` has a forked process answer the
check queries on Oxigraph's own parse of the files while this one loads them with rdflib (below
it, the fork costs more than it saves)."""


AHEAD_MEMORY = 40
"""The forked process answers the check queries ahead only when the free memory is this many times
the bytes of the input files (else the check queries run on a copy made after the load, as
before)."""


class CheckRowsAhead:
    """The rows of the check queries answered by a forked process on Oxigraph's own parse of the
    files (:func:`check_rows_of_files`) while this process loads them with rdflib: what
    :func:`validate` takes as ``query_rows``.

    Made before this process reads any file, with the stamps of :func:`validation_inputs` then
    (``entries``, their hashes reused from ``known``; :meth:`now` takes them); :meth:`rows` gives
    the rows only when no input moved since, so that both processes read the same bytes, and when
    no row names a blank node, which Oxigraph's parse labels its own way (such a row is asked
    again of the loaded data, which names its file).

    Examples
    --------
    >>> ahead = CheckRowsAhead.now(find_root())
    >>> ahead.start()  # doctest: +SKIP
    >>> rows = ahead.rows()  # doctest: +SKIP
    >>> ahead.cancel()
    """

    def __init__(self, root: Path, entries: dict[str, dict], known: dict[str, dict] | None) -> None:
        self.root = root
        self.entries = entries
        self.known = known
        self._ahead = None
        self._later: Later[Sequence[tuple[Path, bytes]]] | None = None

    @classmethod
    def now(cls, root: Path) -> CheckRowsAhead:
        """Stamp the inputs now, reusing the hashes the last validation kept for the files whose
        stat did not move (``validate.json``)."""
        from spacecoop.store.compiled import check_files

        known = _kept_stamps(root)
        return cls(root, check_files(validation_inputs(root), known)[0], known)

    @property
    def started(self) -> bool:
        """Whether a forked process answers the check queries."""
        return self._ahead is not None

    def start(self) -> None:
        """Fork the process that answers them on the project's files when it pays (see
        :func:`_fork_check_rows`)."""
        self._ahead = _fork_check_rows(self.root, self.entries)

    def start_before(self, exclude: Collection[str | os.PathLike] = ()) -> None:
        """:meth:`start`, for files not yet made: the forked process loads the project's files
        (less ``exclude``) at once, then waits for :meth:`give` to hand it the files not yet
        written (``spacecoop add`` makes its new file only once it has loaded the project)."""
        from spacecoop.core.forking import Later

        self._later = Later[Sequence[tuple[Path, bytes]]]()
        self._ahead = _fork_check_rows(self.root, self.entries, exclude, self._later.get)
        if self._ahead is None:
            self._later.close()
            self._later = None
        else:
            self._later.forked()

    def give(self, extra: Sequence[tuple[Path, bytes]]) -> None:
        """Hand the process started by :meth:`start_before` the files not yet written."""
        if self._later is not None:
            self._later.give(list(extra))

    def moved(self) -> bool:
        """Whether an input changed, came or went since the stamps were taken."""
        from spacecoop.store.compiled import check_files

        return check_files(validation_inputs(self.root), self.known)[0] != self.entries

    def rows(self) -> QueryRows | None:
        """The rows, or None when they may not be those of the files this process read (or the
        forked process failed): then :func:`validate` asks the check queries itself."""
        if self._ahead is None:
            return None
        out = self._ahead.outcome()
        if out is None or self.moved() or _names_blank_nodes(cast("QueryRows", out[0])):
            return None
        return cast("QueryRows", out[0])

    def validate(self, loaded: Loaded) -> ValidationReport:
        """:func:`validate` the project as this process loaded it, with SHACL's kept results
        (:func:`kept_shacl_results`) and the rows answered ahead where they hold (:meth:`rows`)."""
        return validate(
            self.root,
            loaded=loaded,
            shacl_cache=kept_shacl_results(self.root),
            query_rows=self.rows if self.started else None,
        )

    def cancel(self) -> None:
        """Stop the forked process if it still runs (after :meth:`rows`, it has ended)."""
        if self._ahead is not None:
            self._ahead.cancel()
        if self._later is not None:
            self._later.close()


def _kept_stamps(root: Path) -> dict[str, dict] | None:
    """The files' stamps the last validation kept (``validate.json``): a file whose stat did not
    move is not hashed again."""
    import json

    from spacecoop.store.compiled import compiled_dir

    try:
        old = json.loads((compiled_dir(root) / "validate.json").read_text("utf-8"))
    except (OSError, ValueError):
        return None
    files = old.get("files") if isinstance(old, dict) else None
    return files if isinstance(files, dict) else None


def _names_blank_nodes(rows: QueryRows) -> bool:
    """Whether a row of the check queries holds a blank node (conforming data gives no row)."""
    return any(isinstance(v, BNode) for _, _, answers in rows for row in answers for v in row.values())


def _fork_check_rows(
    root: Path,
    entries: dict[str, dict],
    exclude: Collection[str | os.PathLike] = (),
    extra: Sequence[tuple[Path, bytes]] | Callable[[], Sequence[tuple[Path, bytes]]] = (),
):
    """Start :func:`check_rows_of_files` in a forked process (:func:`~spacecoop.core.forking.fork_ahead`)
    for a project of :data:`AHEAD_BYTES` or more, on a machine of two cores or more with the
    memory for both copies (:data:`AHEAD_MEMORY`), unless ``$SPACECOOP_SHACL_PROCESSES`` is 1
    (everything in this process); else None.

    At 100k triples after a one-claim edit the checks then cost this process nothing: about
    1.1 s of Oxigraph's load and 0.3 s of queries run in the forked process while this one loads
    the data (1.2 s) and runs SHACL and the checks of text (1 s) in turn, instead of copying the
    data into Oxigraph (0.75 s) and forking after the load."""
    from spacecoop.core.forking import cores, fork_ahead, memory_available, rocksdb_started

    if os.environ.get("SPACECOOP_SHACL_PROCESSES", "").strip() == "1" or cores() < 2:
        return None
    size = sum(int(e.get("size", 0)) for e in entries.values())
    if size < AHEAD_BYTES:
        return None
    # Oxigraph in the forked process and rdflib here hold the data at once: about 10 and 20
    # times the files' bytes at 1M triples (691 MB and 1.5 GB for 71 MB of files)
    available = memory_available()
    if available is not None and available < AHEAD_MEMORY * size:
        return None
    # the kept copy is on disk (RocksDB): not in a process forked from one that runs RocksDB
    kept = entries if not exclude and not extra and not rocksdb_started() else None
    return fork_ahead(functools.partial(check_rows_of_files, root, exclude=exclude, extra=extra, kept=kept))


def kept_shacl_results(root: Path) -> Path:
    """The file of SHACL results kept per node for the project at ``root`` (``shacl.json`` beside
    its compiled store, :mod:`spacecoop.checks.incremental`): what ``validate``, ``build`` and
    ``add`` hand :func:`validate` as ``shacl_cache``."""
    from spacecoop.store.compiled import compiled_dir

    return compiled_dir(root) / "shacl.json"


def validation_inputs(root: str | os.PathLike | None = None) -> list[Path]:
    """Return every file :func:`validate` reads: the data files
    (:func:`spacecoop.store.compiled.input_files`), the shapes, the check queries and the stored
    source texts."""
    from spacecoop.store.compiled import input_files

    root_path = find_root() if root is None else Path(root).resolve()
    layout = Layout(root_path)
    texts = layout.texts_dir
    files = [
        *input_files(root_path),
        layout.shapes_file,
        *sorted((layout.queries_dir / "checks").glob("*.rq")),
    ]
    if texts.is_dir():
        files += sorted(p for p in texts.rglob("*") if p.is_file())
    return files


_VALIDATE_CODE = (
    "checks/validate.py",
    "checks/incremental.py",
    "core/termcheck.py",
    "core/entities.py",
    "core/rdfterms.py",
    "sparql/query.py",
    "sparql/parse.py",
    "store/oxigraph.py",
    "store/memory.py",
)
"""Package files, beside the loader's, whose change changes what :func:`validate` reports."""


def _report_key(entries: dict[str, dict], code: str) -> str:
    import hashlib

    h = hashlib.sha256(f"spacecoop-validate 1\n{code}\n".encode())
    for path in sorted(entries):
        h.update(f"{path}\0{entries[path]['sha256']}\n".encode())
    return h.hexdigest()


def _report_to_json(report: ValidationReport) -> dict:
    return {
        "violations": [
            {"node": v.node, "rule": v.rule, "message": v.message, "files": list(v.files), "value": v.value}
            for v in report.violations
        ],
        "skipped": list(report.skipped),
        "checked": list(report.checked),
    }


def _report_from_json(data: dict) -> ValidationReport:
    violations = tuple(
        Violation(
            node=str(v["node"]),
            rule=str(v["rule"]),
            message=str(v["message"]),
            files=tuple(str(f) for f in v["files"]),
            value=str(v["value"]),
        )
        for v in data["violations"]
    )
    return ValidationReport(
        violations, tuple(str(s) for s in data["skipped"]), tuple(str(c) for c in data["checked"])
    )


def check_quotes(
    loaded: Loaded, layout: Layout, texts_dir: str | os.PathLike | None = None
) -> tuple[list[Violation], list[str]]:
    """Check every quote against its source's stored text; skip sources whose text is absent."""
    folder = Path(texts_dir) if texts_dir is not None else layout.texts_dir
    ds = loaded.ds
    out: list[Violation] = []
    skipped: list[str] = []
    texts: dict[URIRef, str | None] = {}
    prov = URIRef(PREFIXES["prov"] + "wasDerivedFrom")
    # Each claim's source and quote read in one pass over the quads (a look-up per claim,
    # ds.value, took 0.2 s of 0.24 s at 100k triples, where claims are in hundreds of graphs;
    # the Dataset's index of the predicate, 55 ms, looking up each triple's graphs); a claim
    # with two sources (a violation of the shapes) is checked against the first by IRI.
    stated: dict[Node, list] = {prov: [], SC.quote: []}
    of_predicate = stated.get
    for quad in loaded.quads():
        found = of_predicate(quad[1])
        if found is not None:
            found.append(quad)
    source_of: dict = {}
    for c, _, src, _ in stated[prov]:
        if c not in source_of or str(src) < str(source_of[c]):
            source_of[c] = src
    quotes = {(c, q) for c, _, q, _ in stated[SC.quote]}  # in any order: validate sorts the report
    quoted_sources: dict[URIRef | None, int] = {}
    for c in {c for c, _ in quotes}:
        src = as_iri(source_of.get(c))
        quoted_sources[src] = quoted_sources.get(src, 0) + 1
    # the sources and their stored texts through the store's indexes where rdfbulk can read
    # them (the Dataset's look-ups find each triple's graphs: ~700 calls, 4 of 25 ms at 100k)
    reads = merged_view(ds) or ds
    for source in sorted_iris(set(reads.subjects(RDF.type, SC.Source))):
        copy = reads.value(source, SC.localCopy)
        if copy is None:
            # Said, never silently passed: a quoted source without a stored text (its quotes can
            # never be checked; a misspelt local-copy property looks like this) apart from one that
            # quotes nothing (a compiled table's page).
            if quoted_sources.get(source):
                skipped.append(
                    f"quotes of {curie(str(source))} not checked: {quoted_sources[source]} claims "
                    "quote it but it has no stored text: the source has no sc:localCopy"
                )
            else:
                skipped.append(f"quotes of {curie(str(source))} not checked: the source has no sc:localCopy")
            texts[source] = None
            continue
        path = folder / str(copy)
        if not path.is_file():
            skipped.append(f"quotes of {curie(str(source))} not checked: {path} is not at hand")
            texts[source] = None
            continue
        texts[source] = _norm(read_input(path).decode("utf-8", "replace"))
    for claim, quote in quotes:
        text = texts.get(as_iri(source_of.get(claim)))
        if text is None:
            continue
        if missing_quote_pieces(str(quote), text):
            out.append(
                Violation(
                    node=shown_node(loaded, claim),
                    rule="quote",
                    message=f"quote does not appear verbatim in the stored text of {curie(str(source))}",
                    files=tuple(loaded.files_of(claim)),
                    value=repr(str(quote)[:80]),
                )
            )
    return out, skipped


def check_queries(loaded: Loaded, layout: Layout) -> list[Violation]:
    """Run every ``queries/checks/*-violation.rq``; each row is a violation.

    The checks run on Oxigraph, loaded once from the dataset: 0.2 s instead of 1.7 s on rdflib's
    engine for the full graph (the checks give the same rows on both engines; tests/test_query.py
    holds them to it). Data with terms Oxigraph refuses (the ``rdf-term`` rule reports them) is
    checked on rdflib's engine instead.
    """
    from spacecoop.core.gcpause import collector_paused
    from spacecoop.store import Store
    from spacecoop.store.engine import engine_copy

    store: Dataset | Store = loaded.ds
    copy = None
    if not getattr(loaded, "problems", None):
        try:
            with collector_paused():  # the quads of the whole dataset, made and kept
                store = copy = engine_copy(loaded)
        except Exception:  # a term Oxigraph refuses: rdflib's engine takes it
            store = loaded.ds
    try:
        return _query_violations(loaded, _rows_of(store, layout.root))
    finally:
        if copy is not None:  # not kept while the rest of a build runs (its pages, its files)
            copy.close()


QueryRows = list[tuple[str, str, list[dict]]]
"""The answers of the check queries: (name, summary, rows as dicts of rdflib terms) per check."""


def _rows_of(store, root: Path, queries: list | None = None) -> QueryRows:
    from spacecoop.sparql.query import list_queries, run_query

    queries = list_queries(root, checks=True) if queries is None else queries
    return [(q.name, q.summary, run_query(store, q).dicts()) for q in queries]


@functools.cache
def _derived_name() -> re.Pattern[str]:
    """The local names of :data:`spacecoop.core.derive.DERIVED` (in any of its IRIs' forms)."""
    from spacecoop.core.derive import DERIVED

    return re.compile("|".join(re.escape(str(p).rpartition("#")[2]) for p in DERIVED))


_TOKENS = re.compile(
    r"(<[^<>\s]*>)"
    r"""|("{3}(?:[^"\\]|\\.|"(?!""))*"{3}|'{3}(?:[^'\\]|\\.|'(?!''))*'{3}"""
    r"""|"(?:[^"\\\n]|\\.)*"|'(?:[^'\\\n]|\\.)*')"""
    r"|(#[^\n]*)"
)
"""An IRI (group 1), a string, long or short (group 2), or a comment (group 3: a ``#`` outside
both, to the end of its line)."""
_NOT_PATTERNS = re.compile(
    r"\b(?:SELECT|ORDER\s+BY|GROUP\s+BY)\b[^{}]*?(?=\bWHERE\b|[{}]|$)|\bVALUES\s*\([^)]*\)",
    re.IGNORECASE | re.DOTALL,
)
"""What of a query's text is no graph pattern but may list variables side by side: projections,
sort and group keys, the variables of a VALUES block."""
_VARIABLE_PREDICATE = re.compile(
    r"[?$]\w+\s*[?$]\w+"
    r"|[;\[]\s*[?$]\w+"
    r"|(?:<>|[\w-]*:[\w.-]*|[\])])\s*[?$]\w+\s*"
    r"(?:<>|\"\"|[\w-]*:|[?$]\w|[\[(]|[+-]?\.?\d|true\b|false\b)"
    r"|!\s*(?:\(|<|[\w-]*:)"
)
"""A variable where a predicate stands: after a subject variable, after ``;`` or ``[``, or between
a subject term (an IRI, a prefixed name or blank node, a ``]`` or a collection's ``)``) and an
object term (a term never follows an object at once); or a negated property set (``!sc:quote``:
every other predicate; a ``!(`` or ``!<`` in a filter counts too)."""


def reads_derived(text: str) -> bool:
    """Whether a query may read a predicate :mod:`spacecoop.core.derive` adds
    (:data:`~spacecoop.core.derive.DERIVED`): it names one, or has a variable where a predicate
    stands (read from the text, erring towards yes: a variable restricted to other predicates by
    VALUES still counts).

    Examples
    --------
    >>> reads_derived("SELECT ?p WHERE { ?p sc:developerCountry ?c }")
    True
    >>> reads_derived("SELECT ?s ?o WHERE { ?s a sc:Claim ; ?p ?o }")
    True
    >>> reads_derived("SELECT ?s ?o WHERE { ?s !sc:quote ?o }")
    True
    >>> reads_derived("SELECT DISTINCT ?node ?source WHERE { ?node sc:about ?source } ORDER BY ?node ?source")
    False
    >>> reads_derived('SELECT ?s WHERE { ?s sc:quote "select ?x" . ?s ?p ?o }')
    True
    """
    # a derived predicate's name, in an IRI, a prefixed name (or a string: erring towards yes)
    if _derived_name().search(_TOKENS.sub(lambda m: " " if m.group(3) else m.group(0), text)):
        return True
    return _variable_predicate(text)


def _variable_predicate(text: str) -> bool:
    """Whether a query has a variable where a predicate stands, or a negated property set (read
    from the text, erring towards yes; see :func:`reads_derived`)."""
    # the patterns with every IRI written <> and every string "": neither holds a variable
    patterns = _TOKENS.sub(lambda m: "<>" if m.group(1) else '""' if m.group(2) else " ", text)
    return bool(_VARIABLE_PREDICATE.search(_NOT_PATTERNS.sub(" ", patterns)))


def check_rows_of_files(
    root: str | os.PathLike,
    *,
    exclude: Collection[str | os.PathLike] = (),
    extra: Sequence[tuple[Path, bytes]] | Callable[[], Sequence[tuple[Path, bytes]]] = (),
    kept: dict[str, dict] | None = None,
) -> QueryRows:
    """The rows of every check query on the project's files as Oxigraph itself parses them
    (:meth:`~spacecoop.store.OxigraphStore.load_project`: the quads :func:`check_queries` asks,
    blank nodes aside, which get other labels: rows that hold one are asked again of the loaded
    data), without an rdflib copy of the data: what a forked process computes while ``validate``
    loads the data with rdflib.

    The files are loaded without what :mod:`spacecoop.core.derive` adds when no check query
    reads it (:func:`reads_derived`; none of the shipped ones does): the same rows, about 0.13 s
    less of this process's 1 s at 100k triples, so that it ends about when ``validate``'s own
    load does instead of beside SHACL and the checks of text.

    ``exclude`` and ``extra``: source files left out, and source files not yet written given
    with their bytes, as :func:`spacecoop.store.native.load_project` takes them (``spacecoop
    add``'s project with its new source).

    ``kept``: ask the project's kept copy on disk (:func:`spacecoop.store.keptnative.ask_kept`,
    brought up to date with the files' delta: at 100k triples after a one-claim edit, about
    0.08 s instead of 0.6 s of parsing, and only the checks a changed predicate may reach asked
    again, :func:`_rows_since`), with these stamps of the files (their SHA-256 reused); when
    there is none to use (or with ``exclude``, ``extra``, or a query that reads a derived edge),
    the files are parsed as without, and a copy is built for the next call.

    Raises
    ------
    DataError
        A file cannot be parsed or holds a term Oxigraph refuses (the caller asks the loaded data).
    """
    import logging

    from spacecoop.core.gcpause import collector_paused
    from spacecoop.sparql.query import list_queries
    from spacecoop.store import OxigraphStore
    from spacecoop.store.native import load_project

    queries = list_queries(Path(root), checks=True)
    derive = any(reads_derived(q.text_for("oxigraph")) for q in queries)
    if kept is not None and not derive and not exclude and not extra:
        from spacecoop.store.keptnative import ask_kept

        rows = ask_kept(root, functools.partial(_rows_since, queries=queries), kept, memo=True)
        if rows is not None:
            return rows
    # Oxigraph's loader warns when it loads a file through rdflib (RDF 1.2 syntax); validate's
    # own load says what it finds in the files, once
    quiet = logging.getLogger("spacecoop.store.native")
    was = quiet.disabled
    quiet.disabled = True
    try:
        store = OxigraphStore()
        with collector_paused():  # the ISO codes as validate's own load remembers them
            load_project(store.store, root, remember=True, derive=derive, exclude=exclude, extra=extra)
    finally:
        quiet.disabled = was
    return _rows_of(store, Path(root), queries)


def _rows_since(copy, since, *, queries: list) -> tuple[QueryRows, dict]:
    """The rows of the check queries on the kept copy (:func:`spacecoop.store.keptnative.ask_kept`
    with ``memo``), and what to keep for the next call: each query's rows, with the SHA-256 of its
    text and, once asked for, the predicates it reads (:func:`predicates_read`).

    A query is asked again only when its text changed, or when a predicate it reads is one of
    those of the quads that changed in the copy since its rows were kept (``since.touched``):
    its rows cannot have changed otherwise. After a one-claim edit at 100k triples, one or two of
    the sixteen are asked (0.24 s of queries -> about 0.03 s)."""
    import hashlib

    from spacecoop.sparql.query import run_query
    from spacecoop.store import OxigraphStore

    store = OxigraphStore.wrapping(copy)
    kept = since.kept if isinstance(since.kept, dict) else {}
    out: QueryRows = []
    keep: dict[str, dict] = {}
    for q in queries:
        text = q.text_for("oxigraph")
        entry: dict = {"sha256": hashlib.sha256(text.encode()).hexdigest()}
        old = kept.get(q.name)
        rows = None
        if since.touched is not None and isinstance(old, dict) and old.get("sha256") == entry["sha256"]:
            if "reads" in old:
                entry["reads"] = old["reads"]
            elif since.touched:
                entry["reads"] = predicates_read(text)
            reads = entry.get("reads")
            if not since.touched or (isinstance(reads, list) and since.touched.isdisjoint(reads)):
                rows = _decoded_rows(old.get("rows"))
        if rows is None:
            rows = run_query(store, q).dicts()
        entry["rows"] = [{k: _encoded_term(v) for k, v in row.items()} for row in rows]
        out.append((q.name, q.summary, rows))
        keep[q.name] = entry
    del store, copy  # not kept by the frame, should it outlive the call (see ask_kept)
    return out, keep


def _encoded_term(term) -> list:
    if isinstance(term, URIRef):
        return ["iri", str(term)]
    if isinstance(term, BNode):
        return ["blank", str(term)]
    return ["literal", str(term), term.datatype and str(term.datatype), term.language]


def _decoded_rows(rows) -> list[dict] | None:
    """Rows kept by :func:`_rows_since`, or None when they are not as it keeps them."""
    from rdflib import Literal

    try:
        out = []
        for row in rows:
            decoded: dict[str, Node] = {}
            for name, (kind, value, *rest) in row.items():
                if kind == "iri":
                    decoded[name] = URIRef(value)
                elif kind == "blank":
                    decoded[name] = BNode(value)
                else:
                    datatype, language = rest
                    decoded[name] = Literal(
                        value, lang=language, datatype=URIRef(datatype) if datatype else None
                    )
            out.append(decoded)
    except (TypeError, ValueError, AttributeError):
        return None
    return out


def predicates_read(text: str) -> list[str] | None:
    """The IRIs of every predicate a SPARQL query may read, or None when it may read any (a
    variable where a predicate stands, a negated property set) or cannot be parsed. The IRIs are
    every IRI of the query's algebra (rdflib's parser; the classes and constants too, a superset);
    a variable predicate is looked for both in the text (as :func:`reads_derived` does, erring
    towards yes) and in the algebra's patterns, those of EXISTS (kept as parsed) included. A
    query's rows depend only on the triples whose predicate is one of these.

    Examples
    --------
    >>> predicates_read("SELECT ?c WHERE { ?c a <urn:x:Claim> ; <urn:x:quote> ?q }")
    ['http://www.w3.org/1999/02/22-rdf-syntax-ns#type', 'urn:x:Claim', 'urn:x:quote']
    >>> predicates_read("SELECT ?c WHERE { ?c ?p ?q }") is None
    True
    >>> predicates_read("SELECT ?c WHERE { ?c !<urn:x:p> ?q }") is None
    True
    """
    from rdflib import Variable
    from rdflib.paths import NegatedPath
    from rdflib.paths import Path as PropertyPath
    from rdflib.plugins.sparql.algebra import translateQuery
    from rdflib.plugins.sparql.parser import parseQuery
    from rdflib.plugins.sparql.parserutils import CompValue

    if _variable_predicate(text):
        return None
    try:
        algebra = translateQuery(parseQuery(text)).algebra
    except Exception:  # rdflib's parser raises many kinds: read as "any"
        return None
    iris: set[str] = set()
    stack: list = [algebra]
    while stack:
        node = stack.pop()
        if isinstance(node, URIRef):
            iris.add(str(node))
        elif isinstance(node, NegatedPath):
            return None
        elif isinstance(node, PropertyPath):
            stack.extend(vars(node).values())
        elif isinstance(node, CompValue):
            triples = node.get("triples") or ()
            if node.name == "BGP" and any(isinstance(t[1], Variable) for t in triples):
                return None
            # a block of an EXISTS, as parsed: each item s p o s p o ... flat
            if node.name == "TriplesBlock" and any(isinstance(v, Variable) for t in triples for v in t[1::3]):
                return None
            if node.name == "PathNegatedPropertySet":
                return None
            stack.extend(dict.values(node))
        elif isinstance(node, dict):
            stack.extend(node.values())
        elif isinstance(node, (list, tuple, set, frozenset)):
            stack.extend(node)
    return sorted(iris)


def _query_violations(loaded: Loaded, rows: QueryRows) -> list[Violation]:
    blank: dict[str, BNode] | None = None  # an Oxigraph copy's blank-node label -> the loaded node

    def loaded_node(node):
        # the copy (engine_copy) writes each blank node with a label of its own (store.terms)
        nonlocal blank
        if not isinstance(node, BNode) or node in loaded.origins:
            return node
        if blank is None:
            from spacecoop.store.terms import blank_label

            blank = {blank_label(b): b for b in loaded.origins if isinstance(b, BNode)}
        return blank.get(str(node), node)

    out = []
    for name, summary, answers in rows:
        for row in answers:
            row = {k: loaded_node(v) for k, v in row.items()}
            node = row.get("node") or next(iter(row.values()), None)
            detail = ", ".join(f"{k}={shown_node(loaded, v)}" for k, v in row.items() if k != "node")
            out.append(
                Violation(
                    node=shown_node(loaded, node) if node is not None else "?",
                    rule=f"check:{name}",
                    message=summary + (f" ({detail})" if detail else ""),
                    files=tuple(loaded.files_of(node)) if node is not None else (),
                )
            )
    return out


def files_at_fault(loaded: Loaded, node, path=None, value=None) -> tuple[str, ...]:
    """Return the files that state the offending triple (``node path value``), where that can be
    told; else every file that mentions ``node``.

    A relationship node is shared by every source that reports it: a typo in one new source must
    name that source, not the three others that describe the node correctly.
    """
    everywhere = loaded.files_of(node)
    if path is None or value is None or not isinstance(path, URIRef) or len(everywhere) < 2:
        return tuple(everywhere)
    found: set[str] = set()
    for _, _, _, g in loaded.ds.quads((node, path, value, None)):
        gid = getattr(g, "identifier", g)
        if gid is not None and gid != loaded.ds.default_graph.identifier:
            found.update(loaded.files_of(gid))
    narrowed = sorted(found & set(everywhere))
    return tuple(narrowed or everywhere)


def check_entities(loaded: Loaded) -> list[Violation]:
    """Report entities of one kind that share a normalised name or an ISO 3166 code, and entity
    IRIs that are used but defined nowhere (with "did you mean")."""
    from spacecoop.core.entities import EntityFinder
    from spacecoop.core.namespaces import ENTITY_KINDS, ID

    ds = loaded.ds
    finder = EntityFinder(merged_view(ds) or ds)  # type: ignore[arg-type]  # Graph's look-ups
    out: list[Violation] = []

    def kind_of(node) -> str:
        return finder.entities[node][1]

    def scope(node) -> str:  # payload names repeat across missions: compare within one mission
        parts = str(node)[len(str(ID)) :].split("/")
        return parts[1] if kind_of(node) == "payload" and len(parts) > 2 else ""

    for key, nodes in sorted(finder.by_key.items()):
        named = sorted(n for n, via in nodes.items() if not via.startswith("pycountry"))
        # Two alternative labels alone may be a shared acronym of two bodies (ISA: Iran's and
        # Israel's space agencies): ambiguous, which find_entity says, but not one thing twice.
        # One thing named twice has its canonical name among the other's names.
        if not any(nodes[n] == "label" for n in named):
            continue
        groups: dict[tuple[str, str], list] = {}
        for n in named:
            groups.setdefault((kind_of(n), scope(n)), []).append(n)
        for (kind, _), same in groups.items():
            if len(same) < 2:
                continue
            out.extend(_duplicate_entities(loaded, same, f"shares the name {key!r} with", kind))
    codes: dict[tuple[str, str], set] = {}
    for prop in (SC.iso3166Alpha2, SC.iso3166Subdivision):
        for node, code in ds.subject_objects(prop):
            if node in finder.entities:
                codes.setdefault((kind_of(node), str(code)), set()).add(node)
    for (code_kind, iso), holders in sorted(codes.items()):
        if len(holders) > 1:
            says = f"has the ISO 3166 code {iso} of"
            out.extend(_duplicate_entities(loaded, sorted_iris(holders), says, code_kind))
    # every quad is looked at: the tests of the IRI's text first, with str's own startswith (an
    # rdflib term's is Python code, 1 µs a call), then the set; a term's equality last
    # (the typed subjects too, from the same list: rdflib's index of rdf:type took twice as long)
    prefix, rdf_type, kinds, starts = str(ID), RDF.type, frozenset(ENTITY_KINDS), str.startswith
    quads, is_type = loaded.quads(), str(rdf_type).__eq__  # a predicate is a str (an IRI)
    typed = {s for s, p, _, _ in quads if is_type(p)}
    start = len(prefix)
    unknown: dict[URIRef, set[str]] = {}
    for s, p, o, _ in quads:
        if (
            isinstance(o, URIRef)
            and starts(o, prefix)
            and o[start:].split("/", 1)[0] in kinds
            and o not in typed
            and p != rdf_type
        ):
            unknown.setdefault(o, set()).update(loaded.files_of(s))
    for o, files in sorted(unknown.items()):
        slug = str(o)[len(str(ID)) :].split("/")[-1].replace("-", " ")
        hint = (
            finder.find(slug).did_you_mean()
            if not finder.find(slug).found
            else f"did you mean {finder.find(slug).matches[0].curie}?"
        )
        out.append(
            Violation(
                node=curie(str(o)),
                rule="unknown-entity",
                message=f"is used but defined nowhere (no rdf:type in any file); {hint}",
                files=tuple(sorted(files)),
            )
        )
    return out


def _duplicate_entities(loaded: Loaded, same: list, says: str, kind: str) -> list[Violation]:
    """The ``duplicate-entity`` violations of several nodes for one thing (see :func:`_at_fault`);
    ``says`` is what they share, up to the names of the others."""
    out = []
    for n, files in _at_fault(loaded, same):
        others = ", ".join(shown_node(loaded, o) for o in same if o != n)
        out.append(
            Violation(
                node=shown_node(loaded, n),
                rule="duplicate-entity",
                message=f"{says} {others}: one {kind}, two nodes "
                "(keep one IRI and move the other's names to skos:altLabel)",
                files=files,
            )
        )
    return out


def _at_fault(loaded: Loaded, same: list) -> list[tuple]:
    """Which of several nodes for one thing to report, with their files: the ones defined only in
    source files when another is curated in ``graph/reference`` (the newcomer is the duplicate),
    else every one of them."""

    def curated(n) -> bool:
        return any("/graph/reference/" in f.replace("\\", "/") for f in loaded.files_of(n))

    newcomers = [n for n in same if not curated(n)]
    chosen = newcomers if newcomers and len(newcomers) < len(same) else same
    return [(n, tuple(loaded.files_of(n))) for n in chosen]


def check_agreement_iris(loaded: Loaded) -> list[Violation]:
    """Report agreements whose IRI is not :func:`~spacecoop.core.namespaces.agreement_iri` of their
    parties, kind, date and title (so that two sources of one instrument meet on one node)."""
    from rdflib.namespace import DCTERMS

    from spacecoop.core.namespaces import agreement_iri, relationship_iri

    ds = loaded.ds
    out = []
    for node in sorted_iris(set(ds.subjects(RDF.type, SC.Agreement))):
        parties = sorted_iris(set(ds.objects(node, SC.party)))
        kinds = sorted_iris(set(ds.objects(node, SC.agreementKind)))
        titles = sorted_iris(set(ds.objects(node, DCTERMS.title)))
        dates = sorted_iris(set(ds.objects(node, SC.date)))
        if len(parties) < 2 or len(kinds) > 1 or len(titles) > 1 or len(dates) > 1:
            continue  # the shapes report these
        kind = str(kinds[0]).rsplit("/", 1)[1] if kinds else ""
        title = str(titles[0]) if titles else ""
        try:
            expected = (
                agreement_iri(
                    *parties, kind=kind or "agreement", title=title, date=str(dates[0]) if dates else ""
                )
                if kind or title
                else relationship_iri("agreement", *parties)
            )
        except ValueError as exc:
            out.append(Violation(curie(str(node)), "agreement-iri", str(exc), tuple(loaded.files_of(node))))
            continue
        if expected != node:
            out.append(
                Violation(
                    node=curie(str(node)),
                    rule="agreement-iri",
                    message="is not the IRI minted from its parties, kind, date and title: "
                    f"expected {curie(str(expected))}",
                    files=tuple(loaded.files_of(node)),
                )
            )
    return out


def check_sources(loaded: Loaded) -> list[Violation]:
    """Report two sources with one URL (one page, two sources: its claims would count twice)."""
    from spacecoop.core.namespaces import SCHEMA

    ds = loaded.ds
    out = []
    by_url: dict[str, list] = {}
    for source in sorted_iris(set(ds.subjects(RDF.type, SC.Source))):
        for url in ds.objects(source, SCHEMA.url):
            by_url.setdefault(str(url), []).append(source)
    for page, sources in sorted(by_url.items()):
        if len(sources) > 1:
            files = tuple(sorted({f for src in sources for f in loaded.files_of(src)}))
            for src in sources:
                others = ", ".join(curie(str(o)) for o in sources if o != src)
                out.append(
                    Violation(
                        curie(str(src)),
                        "duplicate-source",
                        f"has the URL {page} of {others}: one page, two sources (keep one file)",
                        files,
                    )
                )
    return out
