"""The library of named SPARQL queries in ``queries/`` and running them on a store.

Each ``.rq`` file asks one analyst question. Its header is comment lines starting with ``#+ ``
that form YAML once the prefix is stripped (grlc's format): ``summary`` (the question) and
``columns`` (the SELECT variables, in order) are required; ``description``, ``params`` and
``tags`` are optional.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

from rdflib import Dataset
from rdflib.term import Node

from .errors import DataError, UsageError
from .store import MemoryStore, QueryResult, Store


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


def parse_query_file(path: Path) -> NamedQuery:
    """Read a ``.rq`` file and its ``#+`` header.

    Raises
    ------
    DataError
        The header is not valid YAML or lacks ``summary`` or ``columns``.
    """
    import yaml

    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(str(path), f"cannot read: {exc}") from exc
    header = [line[3:] if line.startswith("#+ ") else line[2:] for line in text.splitlines() if line.startswith("#+")]
    try:
        meta = yaml.safe_load("\n".join(header)) or {}
    except yaml.YAMLError as exc:
        raise DataError(str(path), f"header is not valid YAML: {exc}") from exc
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
    from .load import Layout, find_root

    layout = Layout(find_root() if root is None else Path(root))
    folder = layout.queries_dir / "checks" if checks else layout.queries_dir
    return [parse_query_file(p) for p in sorted(folder.glob("*.rq"))]


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
        return parse_query_file(p)
    known = {q.name: q for q in list_queries(root)}
    if name_or_path not in known:
        raise UsageError(
            f"unknown query {name_or_path!r}; known queries: {', '.join(sorted(known))}"
        )
    return known[name_or_path]


def as_store(target: Store | Dataset) -> Store:
    """Return ``target`` as a :class:`Store` (an rdflib Dataset is wrapped, not copied)."""
    if isinstance(target, Store):
        return target
    if isinstance(target, Dataset):
        return MemoryStore(target)
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
    if isinstance(query, str) and _looks_like_sparql(query):
        text = query
    else:
        nq = query if isinstance(query, NamedQuery) else get_query(query, root)
        unknown = sorted(set(params or {}) - set(nq.params))
        if unknown:
            raise UsageError(
                f"query {nq.name!r} has no parameter {', '.join(unknown)}; "
                f"its parameters: {', '.join(nq.params) or 'none'}"
            )
        text = nq.text
    return as_store(target).query(text, params)


def _looks_like_sparql(text: str) -> bool:
    return "\n" in text or "{" in text
