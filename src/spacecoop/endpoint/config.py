"""How to run the endpoint: :class:`ServeConfig` and the default limits (``spacecoop serve``'s options)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

__all__ = [
    "DEFAULT_BUSY_TIMEOUT",
    "DEFAULT_MAX_BODY",
    "DEFAULT_MAX_BYTES",
    "DEFAULT_MAX_ROWS",
    "DEFAULT_TIMEOUT",
    "ServeConfig",
]

DEFAULT_TIMEOUT = 10.0
DEFAULT_MAX_ROWS = 10_000
DEFAULT_MAX_BODY = 256 * 1024
DEFAULT_MAX_BYTES = 32 * 2**20  # an answer larger than this is refused (--max-bytes)
DEFAULT_BUSY_TIMEOUT = 2.0  # seconds on a spare worker, and the longest wait for a worker


@dataclass(frozen=True)
class ServeConfig:
    """How to run the endpoint.

    Parameters
    ----------
    host, port : where to listen (``port=0`` picks a free port).
    store : the store spec of each worker (``memory``, ``oxigraph``, ``oxigraph:PATH``).
    timeout : seconds a query may run before its worker is killed.
    max_rows : the most rows (SELECT) or triples (CONSTRUCT, DESCRIBE) a result may have.
    max_body : the largest request body accepted, in bytes.
    workers : number of worker processes.
    root : the project root (default: found upward from the working directory).
    access_log : print one line per request to stderr.
    cache_mb : megabytes of answers (and their query texts) kept for repeated requests, in all (0: none).
    max_bytes : the largest answer, in bytes; a larger one is refused with 400.
    isolate : run the query workers in a network namespace of their own (Linux), so no query can
        open a connection even if it got past the query check.
    spare : workers that take queries only while all others are busy, with ``busy_timeout`` as limit.
    busy_timeout : seconds a query may run on a spare worker.
    """

    host: str = "127.0.0.1"
    port: int = 8000
    store: str = "oxigraph"
    timeout: float = DEFAULT_TIMEOUT
    max_rows: int = DEFAULT_MAX_ROWS
    max_body: int = DEFAULT_MAX_BODY
    workers: int = 2
    root: Path | None = None
    access_log: bool = False
    cache_mb: float = 64.0
    max_bytes: int = DEFAULT_MAX_BYTES
    isolate: bool = True
    spare: int = 1
    busy_timeout: float = DEFAULT_BUSY_TIMEOUT
