"""Read the ontology, the reference entities and every source into one rdflib Dataset.

Layout of the loaded dataset:

* named graph ``<https://w3id.org/spacecoop/ns>``: the ontology and its SKOS concept schemes;
* default graph: reference entities (``graph/reference/*.ttl``), what is known about each source
  (the default-graph part of ``graph/sources/*.trig``), and ISO 3166 codes added from pycountry;
* one named graph per source, named by the source's IRI: what that source asserts, plus the
  shortcut edges (``sc:develops``, ``sc:carries``, ``sc:participatesIn``) derived from it.
"""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, field
from pathlib import Path

from rdflib import RDF, SKOS, Dataset, Graph, Literal, URIRef

from .errors import DataError, SpacecoopError
from .namespaces import NS, ORG, SC, bind_prefixes

ONTOLOGY_GRAPH = URIRef(NS.rstrip("#"))
"""Name of the graph that holds the ontology and concept schemes."""


def find_root(start: str | os.PathLike | None = None) -> Path:
    """Return the project root: ``$SPACECOOP_ROOT``, else the nearest folder upward from ``start``
    (default: the working directory) holding ``ontology/spacecoop.ttl``, else the checkout this
    package was installed from.

    Raises
    ------
    SpacecoopError
        If no such folder exists.
    """
    env = os.environ.get("SPACECOOP_ROOT")
    candidates: list[Path] = []
    if env:
        candidates.append(Path(env))
    here = Path(start or Path.cwd()).resolve()
    candidates += [here, *here.parents]
    candidates.append(Path(__file__).resolve().parents[2])
    for c in candidates:
        if (c / "ontology" / "spacecoop.ttl").is_file():
            return c
    raise SpacecoopError(
        "cannot find the project root (a folder with ontology/spacecoop.ttl); "
        "run inside the checkout or set SPACECOOP_ROOT"
    )


@dataclass(frozen=True)
class Layout:
    """Where the project's data files are, below a root folder."""

    root: Path

    @property
    def ontology_files(self) -> list[Path]:
        return sorted((self.root / "ontology").glob("*.ttl"), key=_shapes_last)

    @property
    def shapes_file(self) -> Path:
        return self.root / "ontology" / "shapes.ttl"

    @property
    def reference_files(self) -> list[Path]:
        return sorted((self.root / "graph" / "reference").glob("*.ttl"))

    @property
    def source_files(self) -> list[Path]:
        return sorted((self.root / "graph" / "sources").glob("*.trig"))

    @property
    def queries_dir(self) -> Path:
        return self.root / "queries"

    @property
    def texts_dir(self) -> Path:
        """Folder of stored source texts (``../shared/sources`` or ``$SPACECOOP_SOURCES``)."""
        env = os.environ.get("SPACECOOP_SOURCES")
        return Path(env) if env else self.root.parent / "shared" / "sources"


def _shapes_last(p: Path) -> tuple[bool, str]:
    return (p.name == "shapes.ttl", p.name)


@dataclass
class Loaded:
    """A loaded dataset and where each of its subjects was read from."""

    ds: Dataset
    origins: dict[URIRef, set[str]] = field(default_factory=dict)
    files: list[Path] = field(default_factory=list)

    def files_of(self, node) -> list[str]:
        """Return the files that mention ``node`` as a subject, sorted."""
        return sorted(self.origins.get(node, ()))


_LINE = re.compile(r"(?:line|at line)\s*(\d+)", re.I)


def _syntax_error(path: Path, exc: Exception) -> DataError:
    """Turn a parser exception into a one-line DataError naming the file and line.

    rdflib's Turtle/TriG errors read ``at line N of <...>:\nBad syntax (WHY) at ^ in: "...CONTEXT..."``;
    keep WHY and a short stretch of the text after the caret.
    """
    text = str(exc)
    m = _LINE.search(text)
    why = re.search(r"Bad syntax \((.*?)\) at \^", text, re.S)
    if why:
        detail = why.group(1)
        after = re.search(r"\^b?'(.*?)'?\.\.\.", text, re.S)
        if after:
            near = after.group(1).replace("\\n", " ").strip()
            near = re.sub(r"\s+", " ", near)[:40]
            if near:
                detail += f", before {near!r}"
    else:
        lines = [line.strip() for line in text.splitlines() if line.strip()]
        lines = [re.sub(r"^at line \d+ of <[^>]*>:\s*", "", line) for line in lines]
        detail = next((line for line in lines if line), type(exc).__name__)
    detail = re.sub(r"\s+", " ", detail).strip()
    return DataError(str(path), f"syntax error: {detail}", line=int(m.group(1)) if m else None)


def parse_file(path: Path, fmt: str) -> Dataset:
    """Parse one Turtle or TriG file into a fresh Dataset, turning syntax errors into DataError."""
    ds = Dataset()
    try:
        data = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise DataError(str(path), f"cannot read: {exc}") from exc
    base = path.resolve().as_uri()
    try:
        if fmt == "trig":
            ds.parse(data=data, format="trig", publicID=base)
        else:
            ds.default_graph.parse(data=data, format="turtle", publicID=base)
    except Exception as exc:  # rdflib raises many types (BadSyntax, ParserError, ValueError)
        raise _syntax_error(path, exc) from exc
    return ds


def load_dataset(root: str | os.PathLike | None = None, *, derive: bool = True) -> Dataset:
    """Load the ontology, reference entities and every source into a new Dataset.

    Parameters
    ----------
    root : path, optional
        Project root (see :func:`find_root`).
    derive : bool
        Add ISO codes and shortcut edges (default). Without it the dataset holds exactly what the
        files say.

    Returns
    -------
    rdflib.Dataset
        With ``default_union=True``, so a query without ``GRAPH`` sees every graph.

    Raises
    ------
    DataError
        A file cannot be read or parsed; the message names the file and line.

    Examples
    --------
    >>> ds = load_dataset()
    >>> len(ds) > 1000
    True

    See Also
    --------
    spacecoop.build.write_dataset : write the loaded dataset in several formats.
    """
    return load(root, derive=derive).ds


def load(root: str | os.PathLike | None = None, *, derive: bool = True, exclude=()) -> Loaded:
    """Like :func:`load_dataset`, but also return where each subject was read from.

    ``exclude``: source files to leave out (``spacecoop add`` loads the project without the
    previous version of the file it is about to write, then merges the new one with
    :func:`merge_source`).
    """
    layout = Layout(find_root() if root is None else Path(root).resolve())
    ds = Dataset(default_union=True)
    bind_prefixes(ds)
    loaded = Loaded(ds)
    onto = ds.graph(ONTOLOGY_GRAPH)
    for path in layout.ontology_files:
        if path.name == "shapes.ttl":
            continue
        _merge(loaded, path, parse_file(path, "turtle"), into_default=onto)
    for path in layout.reference_files:
        _merge(loaded, path, parse_file(path, "turtle"))
    skip = {Path(p).resolve() for p in exclude}
    for path in layout.source_files:
        if skip and path.resolve() in skip:
            continue
        _merge(loaded, path, parse_file(path, "trig"))
    if derive:
        add_iso_codes(ds)
        add_shortcuts(ds)
    return loaded


def merge_source(loaded: Loaded, path: Path, data: bytes) -> None:
    """Merge a source file's content, not yet written to ``path``, into a dataset loaded with
    ``derive=False``, then derive ISO codes and shortcut edges as :func:`load` does.

    Raises
    ------
    DataError
        The content does not parse.
    """
    part = Dataset()
    try:
        part.parse(data=data.decode("utf-8"), format="trig", publicID=Path(path).resolve().as_uri())
    except Exception as exc:  # rdflib raises many types
        raise _syntax_error(Path(path), exc) from exc
    _merge(loaded, Path(path), part)
    add_iso_codes(loaded.ds)
    add_shortcuts(loaded.ds)


def _merge(loaded: Loaded, path: Path, part: Dataset, into_default: Graph | None = None) -> None:
    ds = loaded.ds
    rel = str(path)
    loaded.files.append(path)
    for s, p, o, g in part.quads((None, None, None, None)):
        gid = g.identifier if hasattr(g, "identifier") else g
        if gid is None or gid == part.default_graph.identifier or str(gid).startswith("file:"):
            target = into_default if into_default is not None else ds.default_graph
        else:
            target = ds.graph(gid)
        target.add((s, p, o))
        loaded.origins.setdefault(s, set()).add(rel)


def _labels(g: Graph, node) -> list[str]:
    pref = [str(o) for o in g.objects(node, SKOS.prefLabel)]
    alt = sorted(str(o) for o in g.objects(node, SKOS.altLabel))
    return pref + alt


def add_iso_codes(ds: Dataset) -> int:
    """Add ISO 3166 codes from pycountry to every country and region, looked up by its labels.

    A country is looked up among ISO 3166-1 entries; a region first among ISO 3166-1 entries (Hong
    Kong has its own alpha-2 code) and then among the subdivisions of the country it is part of
    (Hawaii is US-HI). Nodes that match nothing get no code, which validation reports.

    Returns
    -------
    int
        The number of triples added.
    """
    import pycountry

    g = ds.default_graph
    added = 0
    for node in sorted(set(ds.subjects(RDF.type, SC.Country)) | set(ds.subjects(RDF.type, SC.Region))):
        labels = _labels(ds, node)
        is_region = (node, RDF.type, SC.Region) in ds
        country = _country(labels)
        sub = _subdivision(ds, node, labels) if is_region else None
        # A region takes an ISO 3166-1 code only when ISO also lists it as a subdivision of its
        # country under the same letters (Hong Kong: HK and CN-HK), never by name alone (the US
        # state of Georgia is not the country Georgia).
        if is_region and (sub is None or country is None or sub.code.split("-")[1] != country.alpha_2):
            country = None
        if country is not None:
            for p, v in (
                (SC.iso3166Alpha2, country.alpha_2),
                (SC.iso3166Alpha3, country.alpha_3),
                (SC.iso3166Numeric, country.numeric),
            ):
                g.add((node, p, Literal(v)))
                added += 1
        if sub is not None:
            g.add((node, SC.iso3166Subdivision, Literal(sub.code)))
            added += 1
    return added


def _country(labels: list[str]):
    import pycountry

    for label in labels:
        try:
            return pycountry.countries.lookup(label)
        except LookupError:
            continue
    return None


def _subdivision(ds: Dataset, node, labels: list[str]):
    import pycountry

    for parent in ds.objects(node, SC.partOf):
        country = _country(_labels(ds, parent))
        codes = [country.alpha_2] if country is not None else []
        for code in codes:
            for sub in pycountry.subdivisions.get(country_code=code) or ():
                if sub.name in labels:
                    return sub
    return None


_SHORTCUTS = {
    SC.PayloadDevelopment: (SC.developer, SC.develops, SC.payload),
    SC.PayloadCarriage: (SC.mission, SC.carries, SC.payload),
    SC.Participation: (ORG.member, SC.participatesIn, ORG.organization),
}


def add_shortcuts(ds: Dataset) -> int:
    """Derive direct edges from relationship nodes, inside the graph that states them.

    ``?org sc:develops ?payload``, ``?mission sc:carries ?payload`` and
    ``?member sc:participatesIn ?organization`` (a sub-property of ``org:memberOf``).

    Returns
    -------
    int
        The number of triples added.
    """
    added = 0
    # One pass over the typed relationship nodes with the graph each sits in: asking every graph
    # for its typed nodes instead scans all graphs' type triples per graph (quadratic: 40 s at
    # 100k triples, about an hour at 1M).
    for cls, (subj_p, short, obj_p) in _SHORTCUTS.items():
        for rel, _, _, ctx in list(ds.quads((None, RDF.type, cls, None))):
            gid = ctx.identifier if hasattr(ctx, "identifier") else ctx
            if gid == ONTOLOGY_GRAPH:
                continue
            g = ds.graph(gid)
            for s in list(g.objects(rel, subj_p)):
                for o in list(g.objects(rel, obj_p)):
                    if (s, short, o) not in g:
                        g.add((s, short, o))
                        added += 1
    return added
