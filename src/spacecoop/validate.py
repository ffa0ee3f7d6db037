"""Check the loaded dataset: SHACL shapes, known terms, verbatim quotes and consistency queries.

Four kinds of check, each reported per offending node with the rule it broke and the files that
mention the node:

* ``shacl``: the shapes of ``ontology/shapes.ttl`` (pySHACL), on all graphs merged;
* ``unknown-term``: an IRI in our ontology or vocabulary namespace that the ontology does not
  declare (a misspelt property mints a new term silently otherwise);
* ``quote``: every ``sc:quote`` must appear verbatim in its source's stored text, where that text
  is at hand (``../shared/sources/``); otherwise the check is skipped with a reason;
* ``check``: every ``queries/checks/*-violation.rq`` must return zero rows.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from rdflib import RDF, Dataset, Graph, URIRef
from rdflib.namespace import SH

from .errors import SpacecoopError
from .load import ONTOLOGY_GRAPH, Layout, Loaded, find_root, load
from .namespaces import NS, PREFIXES, SC, VOCAB, curie


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


def validate(root: str | os.PathLike | None = None, *, loaded: Loaded | None = None,
             texts_dir: str | os.PathLike | None = None) -> ValidationReport:
    """Validate the project's dataset.

    Parameters
    ----------
    root : path, optional
        Project root (see :func:`spacecoop.load.find_root`).
    loaded : Loaded, optional
        An already loaded dataset (from :func:`spacecoop.load.load`), to avoid loading twice.
    texts_dir : path, optional
        Folder of stored source texts (default: the layout's, ``../shared/sources``).

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

    violations += check_shacl(loaded, layout)
    checked.append("shacl")
    violations += check_terms(loaded)
    checked.append("unknown-term")
    quote_violations, quote_skipped = check_quotes(loaded, layout, texts_dir)
    violations += quote_violations
    skipped += quote_skipped
    checked.append("quote")
    violations += check_queries(loaded, layout)
    checked.append("check")
    violations.sort(key=lambda v: (v.rule, v.node, v.message, v.value))
    return ValidationReport(tuple(violations), tuple(skipped), tuple(checked))


def _merged(ds: Dataset) -> Graph:
    g = Graph()
    for s, p, o, _ in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


def check_shacl(loaded: Loaded, layout: Layout) -> list[Violation]:
    """Run pySHACL with ``ontology/shapes.ttl`` on all graphs merged."""
    import pyshacl

    from .load import parse_file

    shapes = parse_file(layout.shapes_file, "turtle").default_graph
    data = _merged(loaded.ds)
    try:
        _, results, _ = pyshacl.validate(
            data, shacl_graph=shapes, inference="none", advanced=True, allow_warnings=True
        )
    except Exception as exc:  # pySHACL reports broken shapes with many exception types
        raise SpacecoopError(f"{layout.shapes_file}: SHACL validation could not run: {exc}") from exc
    out = []
    # Only top-level results: nested sh:detail results (of sh:node) repeat what their parent says.
    for r in results.objects(None, SH.result):
        node = results.value(r, SH.focusNode)
        path = results.value(r, SH.resultPath)
        msgs = sorted(str(m) for m in results.objects(r, SH.resultMessage))
        value = results.value(r, SH.value)
        comp = results.value(r, SH.sourceConstraintComponent)
        message = msgs[0] if msgs else f"breaks {curie(str(comp))}"
        if path is not None and isinstance(path, URIRef):
            message = f"{curie(str(path))}: {message}"
        out.append(
            Violation(
                node=curie(str(node)),
                rule="shacl",
                message=message,
                files=tuple(loaded.files_of(node)),
                value=curie(str(value)) if value is not None and value != node else "",
            )
        )
    return out


def check_terms(loaded: Loaded) -> list[Violation]:
    """Report IRIs in our ontology or vocabulary namespaces that the ontology does not declare."""
    ds = loaded.ds
    onto = ds.graph(ONTOLOGY_GRAPH)
    declared = set(onto.subjects())
    out: dict[tuple[str, str], Violation] = {}
    for s, p, o, g in ds.quads((None, None, None, None)):
        for term in (s, p, o):
            if isinstance(term, URIRef) and (str(term).startswith(NS) or str(term).startswith(str(VOCAB))):
                if term not in declared and str(term) != NS.rstrip("#"):
                    key = (curie(str(term)), str(s))
                    out.setdefault(
                        key,
                        Violation(
                            node=curie(str(s)),
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
    return [p for p in (_norm(x) for x in quote.split(QUOTE_JOINER.strip())) if p and p not in norm] \
        if QUOTE_JOINER in quote else ([] if _norm(quote) in norm else [_norm(quote)])


def check_quotes(loaded: Loaded, layout: Layout, texts_dir: str | os.PathLike | None = None
                 ) -> tuple[list[Violation], list[str]]:
    """Check every quote against its source's stored text; skip sources whose text is absent."""
    folder = Path(texts_dir) if texts_dir is not None else layout.texts_dir
    ds = loaded.ds
    out: list[Violation] = []
    skipped: list[str] = []
    texts: dict[URIRef, str | None] = {}
    for source in sorted(set(ds.subjects(RDF.type, SC.Source))):
        copy = ds.value(source, SC.localCopy)
        if copy is None:
            skipped.append(f"quotes of {curie(str(source))} not checked: the source has no sc:localCopy")
            texts[source] = None
            continue
        path = folder / str(copy)
        if not path.is_file():
            skipped.append(f"quotes of {curie(str(source))} not checked: {path} is not at hand")
            texts[source] = None
            continue
        texts[source] = _norm(path.read_text(encoding="utf-8"))
    for claim, quote in sorted(ds.subject_objects(SC.quote)):
        source = ds.value(claim, URIRef(PREFIXES["prov"] + "wasDerivedFrom"))
        text = texts.get(source)
        if text is None:
            continue
        if missing_quote_pieces(str(quote), text):
            out.append(
                Violation(
                    node=curie(str(claim)),
                    rule="quote",
                    message=f"quote does not appear verbatim in the stored text of {curie(str(source))}",
                    files=tuple(loaded.files_of(claim)),
                    value=repr(str(quote)[:80]),
                )
            )
    return out, skipped


def check_queries(loaded: Loaded, layout: Layout) -> list[Violation]:
    """Run every ``queries/checks/*-violation.rq``; each row is a violation."""
    from .query import list_queries, run_query

    out = []
    for q in list_queries(layout.root, checks=True):
        result = run_query(loaded.ds, q)
        for row in result.dicts():
            node = row.get("node") or next(iter(row.values()), None)
            detail = ", ".join(f"{k}={curie(str(v))}" for k, v in row.items() if k != "node")
            out.append(
                Violation(
                    node=curie(str(node)) if node is not None else "?",
                    rule=f"check:{q.name}",
                    message=q.summary + (f" ({detail})" if detail else ""),
                    files=tuple(loaded.files_of(node)) if node is not None else (),
                )
            )
    return out
