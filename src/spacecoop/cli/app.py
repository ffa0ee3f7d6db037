"""The ``spacecoop`` command: one thin function per verb, each calling one public function.

Exit codes follow pySHACL: 0 success or conforms, 1 the data does not conform (or a check found
rows), 2 usage or runtime error. Errors are one line unless ``--debug`` is given. Heavy libraries
are imported inside the verbs, so ``spacecoop --help`` stays instant.
"""

from __future__ import annotations

import importlib
import importlib.util
import sys
from pathlib import Path
from typing import NoReturn

import click

from spacecoop.cli.options import out_folder_option, verbose_option, view_option

# Verbs that live in their own modules, imported only when used (or when --help lists them), so
# that each stage's command sits beside its code and start-up stays fast.
LAZY_COMMANDS = {
    "query": "spacecoop.cli.query:query",
    "queries": "spacecoop.cli.query:queries",
    "serve": "spacecoop.cli.serve:serve",
    "viz": "spacecoop.cli.views:viz",
    "export": "spacecoop.cli.views:export",
    "import-table": "spacecoop.cli.table:import_table",
    "entity": "spacecoop.cli.entities:entity",
    "add": "spacecoop.cli.table:add",
    "load": "spacecoop.cli.corpus:load",
    "synth": "spacecoop.cli.corpus:synth",
    "extract": "spacecoop.cli.extract:extract",
    "review": "spacecoop.cli.extract:review",
    "init": "spacecoop.cli.workspace:init",
}


class LazyGroup(click.Group):
    """A click group that imports a verb's module only when the verb is used or listed."""

    def list_commands(self, ctx: click.Context) -> list[str]:
        lazy = [n for n, target in LAZY_COMMANDS.items() if _module_exists(target.split(":")[0])]
        return sorted(set(super().list_commands(ctx)) | set(lazy))

    def get_command(self, ctx: click.Context, name: str) -> click.Command | None:
        if name in LAZY_COMMANDS and _module_exists(LAZY_COMMANDS[name].split(":")[0]):
            module, attr = LAZY_COMMANDS[name].split(":")
            return getattr(importlib.import_module(module), attr)
        return super().get_command(ctx, name)


def _module_exists(name: str) -> bool:
    return importlib.util.find_spec(name) is not None


class GlobalOptions:
    """What the group's options (--root, --debug, --store) give every verb, as ``ctx.obj``.

    Named apart from :class:`click.Context`, which holds it.
    """

    def __init__(self, root: Path | None, debug: bool, store: str | None) -> None:
        self.root = root
        self.debug = debug
        self.store_given = store is not None
        """True when --store (or $SPACECOOP_STORE) named a store; else each use gets its default."""
        self.store = store if store is not None else "memory"

    def open_store(self, ds=None):
        """Open the store chosen with --store, ready to query (:func:`spacecoop.store.engine.open_engine`).

        The rule: with no --store, the compiled store of the project's files (built or rebuilt
        first when a file changed; ``ds``, when given, is queried in memory instead).
        ``memory`` and ``oxigraph`` (in memory) start empty, so they are loaded with
        ``ds`` (default: the project's files under --root). A persistent store, ``oxigraph:PATH``
        or ``sparql:URL``, is queried as it stands: ``ds`` and the project files are not read, and
        nothing is written to it (``spacecoop load`` fills it). An empty persistent store is an
        error that says how to fill it.

        Raises
        ------
        SpacecoopError
            The store cannot be opened or reached, or a persistent store is empty.
        """
        from spacecoop.store.engine import open_engine

        return open_engine("query", self.store if self.store_given else None, ds, root=self.root)


@click.group(cls=LazyGroup, context_settings={"help_option_names": ["-h", "--help"]})
@click.option(
    "--root",
    type=click.Path(file_okay=False, path_type=Path),
    default=None,
    help="Workspace (made by `spacecoop init`) or checkout to use. Default: $SPACECOOP_ROOT, else "
    "the nearest workspace or checkout upward from the current folder, else the data shipped "
    "with the package (read-only).",
)
@click.option(
    "--store",
    default=None,
    envvar="SPACECOOP_STORE",
    help="Where the data is queried: compiled (default: the project's files compiled once into "
    "Oxigraph on disk, in .spacecoop/ of a workspace or the user's cache, rebuilt when a file "
    "changes), memory (rdflib), oxigraph (pyoxigraph in memory), "
    "oxigraph:PATH (pyoxigraph on disk, filled by `load`), sparql:URL[,gsp=URL][,timeout=S] "
    "(any SPARQL 1.1 store; sparql:http://HOST:PORT means Oxigraph server's /query and /store). "
    "Persistent stores are queried as they stand.",
)
@click.option("--debug", is_flag=True, help="Show the full traceback on errors.")
@click.version_option(package_name="spacecoop")
@click.pass_context
def cli(ctx: click.Context, root: Path | None, store: str | None, debug: bool) -> None:
    """spacecoop: a knowledge graph of international space cooperation, every fact sourced."""
    if root is not None:
        from spacecoop.core.layout import check_root

        root = check_root(root, "--root ")
    ctx.obj = GlobalOptions(root, debug, store)


@cli.command()
@out_folder_option(
    "Folder to write the dataset into. Default: dist/ in the workspace when there is one, "
    "else dist/ in the current folder."
)
@verbose_option("Also print the full tables of counts (as `spacecoop stats`).")
@click.pass_obj
def build(obj: GlobalOptions, out_dir: Path | None, verbose: bool) -> int:
    """Load every source, validate, and write the dataset (TriG, N-Quads, Turtle, JSON-LD).

    Also writes the graph pages, the data licence (LICENSE-data.txt, CC BY 4.0) and void.ttl, a
    VoID and DCAT description of the dataset and its files. Prints a short summary on standard
    error; --verbose adds the tables of counts.
    """
    from spacecoop.cli.report import print_summary
    from spacecoop.pages.graph_page import build_pages
    from spacecoop.publish.build import build as run_build
    from spacecoop.publish.build import default_out_dir

    if out_dir is None:
        out_dir = default_out_dir(obj.root)
    result = run_build(out_dir, obj.root, extra=build_pages)
    s = result.summary
    if verbose:
        print_summary(s)
    claims = sum(n for _, n in s.claims_by_certainty)
    click.echo(
        f"{s.triples:,} triples in {s.graphs} graphs: {len(s.sources)} sources, {claims:,} claims, "
        f"{sum(n for _, n in s.relationships):,} relationships, {sum(n for _, n in s.entities):,} entities",
        err=True,
    )
    click.echo(
        f"wrote {len(result.files)} files to {out_dir}/: " + ", ".join(p.name for p in result.files), err=True
    )
    return 0


@cli.command()
@verbose_option("List every check that could not run, not just their count.")
@click.pass_obj
def validate(obj: GlobalOptions, verbose: bool) -> int:
    """Check the data: SHACL shapes, known terms, verbatim quotes, consistency queries, duplicate
    entities and sources, agreement IRIs, unknown entities.

    Exits 0 when the data conforms, 1 when it does not, 2 when validation could not run. When no
    input file changed since the last run, its report is shown again (see validate_cached).
    """
    from spacecoop.checks.validate import validate_cached
    from spacecoop.cli.report import print_validation

    report = validate_cached(obj.root)
    print_validation(report, verbose=verbose)
    return 0 if report.conforms else 1


@cli.command()
@click.option(
    "--network",
    is_flag=True,
    help="Print network analytics instead: centrality, communities, brokers, components.",
)
@view_option("With --network: the projection to measure.")
@click.pass_obj
def stats(obj: GlobalOptions, network: bool, view: str) -> int:
    """Print counts: triples, entities by class, relationships by kind, claims, sources."""
    from spacecoop.cli.report import print_summary
    from spacecoop.publish.build import summarize_store

    if network:
        from spacecoop.views.analytics import print_network_report
        from spacecoop.views.projection import to_networkx

        print_network_report(to_networkx(obj.open_store(), view))
        return 0
    # asked of the store, so that --store oxigraph:PATH or sparql:URL counts what that store holds
    print_summary(summarize_store(obj.open_store()))
    return 0


def main(argv: list[str] | None = None) -> int:
    """Run the command line with ``argv`` (default: ``sys.argv[1:]``) and return the exit code."""
    from spacecoop.core.errors import SpacecoopError

    args = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in args
    try:
        rv = cli.main(args=args, prog_name="spacecoop", standalone_mode=False)
    except click.exceptions.Exit as exc:
        return exc.exit_code
    except click.exceptions.Abort as exc:
        # click turns Ctrl-C (KeyboardInterrupt) inside a command into Abort: exit 130 (128 +
        # SIGINT), as a shell reports an interrupted command; any other abort is a usage stop.
        click.echo("aborted", err=True)
        return 130 if isinstance(exc.__cause__, KeyboardInterrupt) else 2
    except click.ClickException as exc:
        # click types `message` Final; redacting it in place keeps show()'s usage and hint lines
        exc.message = _redact(exc.message)  # type: ignore[misc]
        exc.show()
        return 2 if exc.exit_code in (1, 2) else exc.exit_code
    except SpacecoopError as exc:
        if debug:
            raise
        click.echo(f"error: {_redact(str(exc))}", err=True)
        return exc.exit_code
    except KeyboardInterrupt:
        return 130
    except Exception as exc:  # last resort: one line, never a traceback without --debug
        if debug:
            raise
        click.echo(
            f"error: {type(exc).__name__}: {_redact(str(exc))} (run with --debug for the traceback)", err=True
        )
        return 2
    return rv if isinstance(rv, int) else 0


def run() -> NoReturn:
    """The ``spacecoop`` command (the console script and ``python -m spacecoop``): :func:`main`,
    then the end of the process (:func:`end_process`)."""
    end_process(main())


def end_process(code: int) -> NoReturn:
    """End the process with ``code`` once what an interpreter's exit does for others is done: the
    ``atexit`` functions run (logging's flush, the shipped data's folder) and the output flushed;
    but not every object freed one by one, which a command that loaded a large dataset would wait
    for (a third of a second after ``validate`` at 100k triples, for nothing the OS does not do).

    Where that could lose something, the interpreter ends as always (``sys.exit``): a thread that
    is not a daemon still runs (the interpreter would wait for it), or the output cannot be
    flushed (a closed pipe: Python reports it, as it always has).
    """
    import atexit
    import os
    import threading

    main_thread = threading.main_thread()
    if any(t is not main_thread and t.is_alive() and not t.daemon for t in threading.enumerate()):
        sys.exit(code)
    atexit._run_exitfuncs()
    atexit._clear()  # run once: sys.exit below would run them again
    try:
        sys.stdout.flush()
        sys.stderr.flush()
    except (OSError, ValueError):  # a closed pipe or stream
        sys.exit(code)
    os._exit(code)


def _redact(message: str) -> str:
    """Hide the credentials of any URL in an error message (a --store spec may carry some), and
    write out its control characters (a message may quote the data: an escape sequence in a
    literal must not reach the terminal as one, see :mod:`spacecoop.core.terminal`)."""
    from spacecoop.core.terminal import printable
    from spacecoop.store import redact

    return printable(redact(message))
