"""The ``load`` and ``synth`` verbs: fill a persistent store, write a synthetic corpus."""

from __future__ import annotations

import time
from pathlib import Path

import click

from spacecoop.cli.options import out_folder_option, setting_option


def _stderr():
    from rich.console import Console

    return Console(stderr=True)


def _status(message: str):
    """A Rich spinner on stderr (silent when stderr is not a terminal)."""
    return _stderr().status(message)


@click.command()
@click.pass_obj
def load(obj) -> int:
    """Load the project's dataset into the store given with --store, replacing what it holds.

    The ontology graph, the default graph and every source's named graph are written as they
    are; loading again replaces the dataset, so nothing is ever duplicated. The store must
    outlive this command: oxigraph:PATH or sparql:URL[,gsp=URL]. A load killed midway leaves no
    mix: oxigraph:PATH keeps the old store (the new one is built beside it, then swapped in); a
    sparql: store is marked incomplete until the last step, and queries refuse it until a load
    completes. On a sparql: store only the graphs of the previous load are ever dropped.

    Example: spacecoop --store oxigraph:./store load
    """
    from spacecoop.core.errors import UsageError
    from spacecoop.core.load import load_dataset
    from spacecoop.store import open_store, parse_store_spec, redact

    spec = parse_store_spec(obj.store)
    shown = redact(obj.store)
    if not spec.persistent:
        raise UsageError(
            f"--store {shown} keeps nothing after this command; "
            "load into oxigraph:PATH or sparql:URL (see spacecoop --help)"
        )
    if spec.kind == "oxigraph":  # Oxigraph parses the files itself (spacecoop.store.native)
        return _load_oxigraph(obj.store, obj.root)
    started = time.perf_counter()
    with _status("reading the project's files"):
        ds = load_dataset(obj.root)
    read = time.perf_counter() - started
    graphs = sum(1 for g in ds.graphs() if g.identifier != ds.default_graph.identifier and len(g))
    quads = len(ds)
    started = time.perf_counter()
    with _status(f"loading {quads:,} quads into {shown}"):
        store = open_store(obj.store)
        try:
            store.load(ds)
        finally:
            store.close()
    click.echo(
        f"loaded {quads:,} quads ({graphs} named graphs and the default graph) into {shown} "
        f"in {time.perf_counter() - started:.1f} s (files read in {read:.1f} s)"
    )
    return 0


def _load_oxigraph(spec: str, root) -> int:
    """``load`` into ``oxigraph:PATH``: Oxigraph parses the files, built beside the old store."""
    from spacecoop.store import OxigraphStore, parse_store_spec

    path = parse_store_spec(spec).path
    started = time.perf_counter()
    with _status(f"loading the project's files into {spec}"):
        store = OxigraphStore(path)
        try:
            store.load_project(root)
            graphs = sum(1 for _ in store.store.named_graphs())
            quads = len(store.store)
        finally:
            store.close()
    click.echo(
        f"loaded {quads:,} quads ({graphs} named graphs and the default graph, the merge of them all) "
        f"into {spec} in {time.perf_counter() - started:.1f} s"
    )
    return 0


@click.command()
@click.option(
    "--sources",
    "-n",
    type=click.IntRange(min=1),
    required=True,
    help="Number of synthetic sources (one .trig file and named graph each; about 145 triples each).",
)
@setting_option(
    "--seed",
    "-s",
    default=0,
    type=int,
    help="Seed of the random choices; one seed gives byte-identical files.",
)
@out_folder_option(
    "Folder to write the synthetic project root into.", default=Path("synth"), show_default=True
)
@click.pass_obj
def synth(obj, sources: int, seed: int, out_dir: Path) -> int:
    """Write a synthetic corpus shaped like the real data, for tests and benchmarks at scale.

    The folder is a project root (ontology/ and queries/ copied, graph/reference/*.ttl,
    graph/sources/*.trig) that spacecoop --root DIR validate accepts. Made-up names, dates and
    quotes; countries and codes are real (pycountry).
    """
    from rich.progress import Progress

    from spacecoop.importers.synth import FIXED_TRIPLES, TRIPLES_PER_SOURCE, write_corpus

    started = time.perf_counter()
    with Progress(transient=True, console=_stderr()) as bar:
        task = bar.add_task("generating sources", total=sources)
        result = write_corpus(
            out_dir,
            sources,
            seed,
            root=obj.root,
            progress=lambda done, total: bar.update(task, completed=done),
        )
    click.echo(
        f"wrote {result.files} files to {out_dir}/ in {time.perf_counter() - started:.1f} s: "
        f"{result.sources} sources, {result.organizations} organisations, {result.missions} missions, "
        f"{result.payloads} payloads, {result.relationships} relationship statements, {result.claims} claims "
        f"(about {FIXED_TRIPLES + TRIPLES_PER_SOURCE * sources:,} triples once loaded)"
    )
    return 0
