"""Building a table's files in memory: rows grouped into sources, names matched, facts stated."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path

from rdflib import Graph, Literal, URIRef
from rdflib.namespace import DCTERMS

from spacecoop.core.namespaces import ID, SC, entity_iri
from spacecoop.importers.fact_csv import RowError, TableError
from spacecoop.importers.table.index import EntityIndex, name_key
from spacecoop.importers.table.publisher import parse_publisher
from spacecoop.importers.table.rows import Row, read_table
from spacecoop.importers.table.statements import Statement, row_statement, source_triples
from spacecoop.importers.table.write import (
    ENTITIES_FILE,
    SourceGraph,
    entities_text,
    source_slug,
    source_text,
)


@dataclass(frozen=True)
class TableImport:
    """What :func:`build_table` produced, in memory: files relative to the output folder."""

    files: dict[str, bytes]
    rows: int
    sources: int
    claims: int
    relationships: int
    new_entities: int
    compilation: URIRef


def _reference_graph(root: Path) -> Graph:
    from spacecoop.core.layout import Layout
    from spacecoop.core.load import parse_file

    g = Graph()
    for path in Layout(root).reference_files:
        if path.name == Path(ENTITIES_FILE).name:
            continue  # our own previous output: rebuilt from scratch, never matched against
        for t in parse_file(path, "turtle").default_graph:
            g.add(t)
    return g


def build_table(
    path: str | os.PathLike, root: str | os.PathLike | None = None, rows: tuple[Row, ...] | None = None
) -> TableImport:
    """Turn a table of facts into source graphs and new entities, in memory.

    Parameters
    ----------
    path : path
        The CSV table.
    root : path, optional
        Project root whose ``graph/reference`` entities the table's names are matched against.
    rows : tuple of Row, optional
        Rows already read with :func:`read_table`.

    Returns
    -------
    TableImport
        ``files`` maps names relative to ``graph/`` to their bytes.

    Raises
    ------
    TableError
        A row is bad, or names an entity that cannot be matched or minted.
    """
    from spacecoop.core.layout import find_root

    root_path = find_root() if root is None else Path(root).resolve()
    p = str(path)
    rows = rows if rows is not None else read_table(path)
    index = EntityIndex(_reference_graph(root_path))
    errors: list[RowError] = []
    table_name = Path(path).name
    compilation = entity_iri("source", Path(path).stem)

    # Which mission each payload flies on (payload names are scoped by mission).
    missions: dict[str, str] = {}
    for r in rows:
        if r.relation == "payload_on":
            if missions.get(r.subject, r.object) != r.object:
                errors.append(
                    RowError(
                        r.line, "object", f"payload {r.subject!r} is already on {missions[r.subject]!r}", p
                    )
                )
            missions.setdefault(r.subject, r.object)

    def resolve(r: Row, name: str, kind: str, fieldname: str) -> URIRef | None:
        mission = None
        if kind == "payload":
            mission = missions.get(name)
            if mission is None:
                hits = [
                    n
                    for (c, k), n in index.by_name.items()
                    if c == SC.Payload and k.endswith("/" + name_key(name))
                ]
                if len(set(hits)) == 1:
                    return hits[0]
                errors.append(
                    RowError(
                        r.line, fieldname, f"payload {name!r} is on no mission: no payload_on row names it", p
                    )
                )
                return None
        try:
            return index.resolve(name, kind, mission=mission)
        except ValueError as exc:
            errors.append(RowError(r.line, fieldname, str(exc), p))
            return None

    # Sources, in order of first appearance.
    sources: dict[str, SourceGraph] = {}
    publishers: dict[str, URIRef] = {}
    for r in rows:
        if r.source_url in sources:
            sources[r.source_url].rows.append(r)
            continue
        slug = source_slug(r.source_url, r.source_publisher)
        src = SourceGraph(entity_iri("source", slug), slug, r.source_url, [r])
        sources[r.source_url] = src
        pub = parse_publisher(r.source_publisher, r.source_url)
        country = index.resolve(pub.country, "country") if pub.country else None
        publisher = index.resolve_org(pub.name, country=country, alt=pub.acronym)
        original = index.resolve_org(pub.original) if pub.original else None
        about = src.about
        about += source_triples(src.iri, r, publisher, original, republication=pub.republication)
        about.append(
            (
                src.iri,
                SC.detail,
                Literal(f"Publisher as the compiled table records it: {r.source_publisher}", lang="en"),
            )
        )
        about.append((src.iri, DCTERMS.isReferencedBy, compilation))
        publishers[r.source_url] = publisher

    claim_of = {r.fact_id: ID[f"claim/{sources[r.source_url].slug}/{r.fact_id}"] for r in rows}
    url_source = {url: s.iri for url, s in sources.items()}
    relationships: set[URIRef] = set()
    contradictions: list[tuple[str, URIRef]] = []
    statement_of: dict[str, Statement] = {}

    for r in rows:
        src = sources[r.source_url]
        subject = resolve(r, r.subject, r.subject_kind, "subject")
        obj = resolve(r, r.object, r.object_kind, "object")
        if subject is None or obj is None:
            continue
        st, rel = row_statement(
            r,
            subject,
            obj,
            claim_of[r.fact_id],
            src.iri,
            claim_of=claim_of,
            url_source=url_source,
            contradictions=contradictions,
            compilation=compilation,
        )
        if rel is not None:
            relationships.add(rel)
        src.statements.append(st)
        statement_of[r.fact_id] = st

    # sc:contradicts is symmetric: the other claim states it too, in its own source's graph.
    for ref, claim in contradictions:
        if ref in statement_of:
            statement_of[ref].triples.append((claim_of[ref], SC.contradicts, claim))

    if errors:
        raise TableError(errors)

    files: dict[str, bytes] = {}
    for src in sources.values():
        files[f"imported/{src.slug}.trig"] = source_text(src, table_name).encode("utf-8")
    files[ENTITIES_FILE] = entities_text(index, compilation, table_name, len(rows)).encode("utf-8")
    return TableImport(
        files=files,
        rows=len(rows),
        sources=len(sources),
        claims=len(rows),
        relationships=len(relationships),
        new_entities=len(index.new),
        compilation=compilation,
    )
