"""Build the dataset: load, validate, write it in several formats, and summarise it.

Outputs are deterministic (re-running gives byte-identical files) and written atomically: every
file is first written into a temporary folder beside the output folder and only moved into place
when all of them are ready, so a failure leaves the previous outputs intact.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections import Counter
from dataclasses import dataclass
from pathlib import Path

from rdflib import RDF, Dataset, Graph, URIRef

from .errors import SpacecoopError
from .load import ONTOLOGY_GRAPH, Loaded, find_root, load
from .namespaces import PREFIXES, SC, bind_prefixes, curie

OUTPUT_FILES = ("spacecoop.trig", "spacecoop.nq", "spacecoop.ttl", "spacecoop.jsonld")
"""Files that :func:`write_dataset` writes."""


@dataclass(frozen=True)
class Summary:
    """Counts that describe a dataset."""

    triples: int
    quads: int
    graphs: int
    entities: tuple[tuple[str, int], ...]
    relationships: tuple[tuple[str, int], ...]
    claims_by_certainty: tuple[tuple[str, int], ...]
    sources: tuple[tuple[str, str, int], ...]
    """(source CURIE, label, number of claims)."""


ENTITY_CLASSES = (
    SC.Country,
    SC.Region,
    SC.Place,
    SC.Organization,
    SC.Initiative,
    SC.Mission,
    SC.Payload,
    SC.Rover,
    SC.Event,
    SC.Source,
)
RELATIONSHIP_CLASSES = (SC.Participation, SC.PayloadDevelopment, SC.PayloadContribution, SC.PayloadCarriage, SC.Agreement)


def summarize(ds: Dataset) -> Summary:
    """Count triples, entities by class, relationships by kind, claims by certainty and sources.

    Examples
    --------
    >>> from spacecoop import load_dataset
    >>> dict(summarize(load_dataset()).relationships)["sc:PayloadDevelopment"]
    35
    """
    quads = sum(1 for _ in ds.quads((None, None, None, None)))
    triples = len({(s, p, o) for s, p, o, _ in ds.quads((None, None, None, None))})
    graphs = sum(1 for g in ds.graphs() if len(g))
    from rdflib.namespace import RDFS

    def count(cls: URIRef) -> int:
        subclasses = {cls} | {s for s in ds.transitive_subjects(RDFS.subClassOf, cls)}
        return len({s for c in subclasses for s in ds.subjects(RDF.type, c)})

    entities = tuple((curie(str(c)), count(c)) for c in ENTITY_CLASSES)
    relationships = tuple((curie(str(c)), count(c)) for c in RELATIONSHIP_CLASSES)
    certainty = Counter(
        str(ds.value(o, SKOS_PREF) or curie(str(o))) for _, o in set(ds.subject_objects(SC.certainty))
    )
    claims_by_certainty = tuple(sorted((str(k), v) for k, v in certainty.items()))
    sources = []
    prov_from = URIRef(PREFIXES["prov"] + "wasDerivedFrom")
    for s in sorted(set(ds.subjects(RDF.type, SC.Source))):
        label = str(ds.value(s, SKOS_PREF) or "")
        n = len(set(ds.subjects(prov_from, s)))
        sources.append((curie(str(s)), label, n))
    return Summary(triples, quads, graphs, entities, relationships, claims_by_certainty, tuple(sources))


SKOS_PREF = URIRef("http://www.w3.org/2004/02/skos/core#prefLabel")


def _sorted_dataset(ds: Dataset) -> Dataset:
    """Return a copy of ``ds`` with quads inserted in sorted order, so serialisers are stable."""
    out = Dataset()
    bind_prefixes(out)
    quads = []
    for s, p, o, g in ds.quads((None, None, None, None)):
        gid = g.identifier if hasattr(g, "identifier") else g
        quads.append((gid, s, p, o))
    for gid, s, p, o in sorted(quads, key=lambda q: tuple(x.n3() for x in q)):
        if gid == ds.default_graph.identifier:
            out.default_graph.add((s, p, o))
        else:
            out.graph(gid).add((s, p, o))
    return out


def serialize_all(ds: Dataset) -> dict[str, bytes]:
    """Serialise ``ds`` as TriG, N-Quads, merged Turtle and JSON-LD, deterministically."""
    ds = _sorted_dataset(ds)
    out: dict[str, bytes] = {}
    out["spacecoop.trig"] = _trig(ds).encode("utf-8")
    nq = ds.serialize(format="nquads")
    out["spacecoop.nq"] = ("\n".join(sorted(line for line in nq.splitlines() if line.strip())) + "\n").encode()
    merged = Graph()
    bind_prefixes(merged)
    for s, p, o, _ in ds.quads((None, None, None, None)):
        merged.add((s, p, o))
    out["spacecoop.ttl"] = merged.serialize(format="turtle").encode("utf-8")
    out["spacecoop.jsonld"] = _jsonld(ds).encode("utf-8")
    return out


def _graphs_in_order(ds: Dataset) -> list[tuple[URIRef | None, Graph]]:
    """Default graph first, then named graphs sorted by name; each as a plain Graph."""
    default_id = ds.default_graph.identifier
    out = []
    for g in sorted(ds.graphs(), key=lambda g: (g.identifier != default_id, str(g.identifier))):
        if not len(g):
            continue
        plain = Graph()
        bind_prefixes(plain)
        for t in g:
            plain.add(t)
        out.append((None if g.identifier == default_id else g.identifier, plain))
    return out


def _trig(ds: Dataset) -> str:
    """TriG with graphs in a fixed order (rdflib's own TriG writer orders graphs by hash)."""
    prefixes: set[str] = set()
    blocks = []
    for gid, g in _graphs_in_order(ds):
        body = g.serialize(format="turtle")
        lines = body.splitlines()
        prefixes.update(line for line in lines if line.startswith("@prefix"))
        content = "\n".join("    " + line if line else "" for line in lines if not line.startswith("@prefix")).strip("\n")
        name = "" if gid is None else f"<{gid}> "
        blocks.append(f"{name}{{\n{content}\n}}\n")
    return "\n".join(sorted(prefixes)) + "\n\n" + "\n".join(blocks)


def _jsonld(ds: Dataset) -> str:
    """JSON-LD with graphs and nodes sorted by @id."""
    import json

    data = json.loads(ds.serialize(format="json-ld", context=dict(PREFIXES), sort_keys=True))

    def order(node):
        if isinstance(node, dict):
            return {k: order(v) for k, v in node.items()}
        if isinstance(node, list):
            items = [order(v) for v in node]
            return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, ensure_ascii=False))
        return node

    return json.dumps(order(data), indent=1, sort_keys=True, ensure_ascii=False) + "\n"


def write_files(out_dir: str | os.PathLike, files: dict[str, bytes]) -> list[Path]:
    """Write ``files`` into ``out_dir`` atomically: all are staged first, then moved into place.

    Raises
    ------
    SpacecoopError
        The folder cannot be created or written; earlier outputs stay as they were.
    """
    out = Path(out_dir)
    try:
        out.mkdir(parents=True, exist_ok=True)
        stage = Path(tempfile.mkdtemp(prefix=".spacecoop-", dir=out))
    except OSError as exc:
        raise SpacecoopError(f"cannot write to {out}: {exc}") from exc
    try:
        for name, data in files.items():
            (stage / name).parent.mkdir(parents=True, exist_ok=True)
            (stage / name).write_bytes(data)
        written = []
        for name in files:
            target = out / name
            target.parent.mkdir(parents=True, exist_ok=True)
            os.replace(stage / name, target)
            written.append(target)
        return written
    except OSError as exc:
        raise SpacecoopError(f"cannot write to {out}: {exc}") from exc
    finally:
        shutil.rmtree(stage, ignore_errors=True)


@dataclass(frozen=True)
class BuildResult:
    """What :func:`build` did."""

    summary: Summary
    files: tuple[Path, ...]


def build(out_dir: str | os.PathLike = "dist", root: str | os.PathLike | None = None, *, extra=None) -> BuildResult:
    """Load every source, validate, and write the dataset to ``out_dir``.

    Parameters
    ----------
    out_dir : path
        Output folder (created if needed).
    root : path, optional
        Project root.
    extra : callable, optional
        ``extra(loaded) -> dict[str, bytes]``: more files to write with the dataset (for example
        the graph pages), staged and moved with the rest.

    Raises
    ------
    SpacecoopError
        With exit code 1 when the data does not conform; nothing is written then.
    DataError
        A data file cannot be parsed.
    """
    from .validate import validate

    root_path = find_root() if root is None else Path(root).resolve()
    loaded: Loaded = load(root_path)
    report = validate(root_path, loaded=loaded)
    if not report.conforms:
        lines = "\n".join(f"  {v}" for v in report.violations)
        raise SpacecoopError(
            f"the data does not conform ({len(report.violations)} violations); nothing was written:\n{lines}",
            exit_code=1,
        )
    files = serialize_all(loaded.ds)
    if extra is not None:
        files.update(extra(loaded))
    written = write_files(out_dir, files)
    return BuildResult(summarize(loaded.ds), tuple(written))

