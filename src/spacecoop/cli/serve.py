"""``spacecoop serve``: the SPARQL endpoint and query page (:mod:`spacecoop.endpoint.server`)."""

from __future__ import annotations

import sys

import click

from spacecoop.cli.options import setting_option
from spacecoop.endpoint.config import DEFAULT_MAX_BODY, DEFAULT_MAX_BYTES, DEFAULT_MAX_ROWS, DEFAULT_TIMEOUT


@click.command()
@setting_option(
    "--host",
    default="127.0.0.1",
    type=str,
    help="Address to listen on. Anything but a loopback address exposes the endpoint to the network.",
)
@setting_option(
    "--port", default=8000, type=click.IntRange(0, 65535), help="Port to listen on; 0 picks a free one."
)
@setting_option(
    "--timeout",
    default=DEFAULT_TIMEOUT,
    type=click.FloatRange(min=0.01),
    help="Seconds a query may run before it is stopped (the client gets 504).",
)
@setting_option(
    "--max-rows",
    default=DEFAULT_MAX_ROWS,
    type=click.IntRange(min=1),
    help="Most rows (or triples) a result may have; a larger result is refused with 400.",
)
@setting_option(
    "--max-body",
    default=DEFAULT_MAX_BODY,
    type=click.IntRange(min=1),
    help="Largest request body accepted, in bytes (larger: 413).",
)
@setting_option(
    "--max-bytes",
    default=DEFAULT_MAX_BYTES,
    type=click.IntRange(min=1),
    help="Largest answer, in bytes; a larger one is refused with 400 (as --max-rows).",
)
@setting_option(
    "--workers",
    default=2,
    type=click.IntRange(min=1),
    help="Worker processes, each with its own copy of the dataset; one per core is right.",
)
@setting_option(
    "--cache-mb",
    default=64.0,
    type=click.FloatRange(min=0),
    help="Megabytes of answers, query texts included, kept in all to answer repeated requests at once "
    "(0: none). Safe because the dataset is read-only while the server runs.",
)
@click.option(
    "--no-isolation",
    is_flag=True,
    help="Let the query workers use the network (by default each runs in a network namespace of its "
    "own, so no query can connect anywhere). For debugging only.",
)
@click.option("--access-log", is_flag=True, help="Print one line per request to stderr.")
@click.pass_context
def serve(
    ctx: click.Context,
    host: str,
    port: int,
    timeout: float,
    max_rows: int,
    max_body: int,
    max_bytes: int,
    workers: int,
    cache_mb: float,
    no_isolation: bool,
    access_log: bool,
) -> int:
    """Serve the dataset: SPARQL 1.1 endpoint at /sparql, query page at /, named queries at /queries.

    Read-only and safe by default: SPARQL Update, SERVICE, LOAD and FROM / FROM NAMED are refused
    before any engine runs; each query has a time limit. The engine is Oxigraph on the compiled store
    (the project's files compiled once on disk, rebuilt when one changes) unless --store names
    another. Prints "listening on http://HOST:PORT/" once ready; stop with Ctrl-C.
    """
    from spacecoop.endpoint.config import ServeConfig
    from spacecoop.endpoint.server import serve as run_serve
    from spacecoop.store.engine import choose_engine

    obj = ctx.obj
    source = ctx.parent.get_parameter_source("store") if ctx.parent is not None else None
    given = source is not None and source.name != "DEFAULT"
    spec = choose_engine("serve", obj.store if given else None)
    config = ServeConfig(
        host=host,
        port=port,
        store=spec,
        timeout=timeout,
        max_rows=max_rows,
        max_body=max_body,
        workers=workers,
        root=obj.root,
        access_log=access_log,
        cache_mb=cache_mb,
        max_bytes=max_bytes,
        isolate=not no_isolation,
    )

    if not (host.startswith("127.") or host in ("localhost", "::1")):
        click.echo(
            f"warning: listening on {host}, not loopback: anyone who can reach this machine can query it",
            err=True,
        )

    def ready(server) -> None:
        from spacecoop.store import redact

        click.echo(f"store {redact(spec)}; Ctrl-C stops", err=True)
        for line in server.safety():
            click.echo(line, err=True)
        sys.stderr.flush()  # click.echo flushes too; get_text_stream is deprecated in click 8.2+
        click.echo(f"listening on {server.url}", nl=True)
        sys.stdout.flush()

    run_serve(config, ready=ready)
    return 0
