"""Store specs (``compiled``, ``memory``, ``oxigraph[:PATH]``,
``sparql:URL[,gsp=URL][,timeout=S][,engine=E]``):
parsing, checking and redacting credentials before they are printed."""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacecoop.core.errors import UsageError

STORE_KINDS = ("compiled", "memory", "oxigraph", "sparql")


SPEC_HELP = (
    "compiled (the project's files compiled once into Oxigraph on disk, rebuilt when one changes; "
    "the default of query, viz, stats), memory (rdflib), oxigraph (pyoxigraph in memory), "
    "oxigraph:PATH (on disk, persistent), sparql:URL[,gsp=URL][,timeout=S][,engine=E] (any SPARQL 1.1 "
    "store; a URL with no path, e.g. sparql:http://127.0.0.1:7878, means Oxigraph server's /query and "
    "/store; engine=oxigraph or engine=other says which named-query texts suit the server, by default "
    "read from its Server header)"
)


@dataclass(frozen=True, repr=False)
class StoreSpec:
    """A parsed store spec (see the module notes for the syntax).

    Its ``repr`` shows credentials in URLs as ``***``.
    """

    kind: str
    path: str | None = None
    query_url: str | None = None
    gsp_url: str | None = None
    timeout: float = 60.0
    engine: str | None = None
    """``engine=``: the server's engine as the user named it (None: read from the server)."""

    @property
    def persistent(self) -> bool:
        """True for ``oxigraph:PATH`` and ``sparql:``: the data outlives the process."""
        return self.kind == "sparql" or (self.kind == "oxigraph" and bool(self.path))

    def __repr__(self) -> str:
        return (
            f"StoreSpec(kind={self.kind!r}, path={self.path!r}, query_url={_redacted(self.query_url)!r}, "
            f"gsp_url={_redacted(self.gsp_url)!r}, timeout={self.timeout!r}"
            + (f", engine={self.engine!r})" if self.engine is not None else ")")
        )


MAX_TIMEOUT = 1_000_000.0
"""The longest ``timeout=`` accepted, in seconds (about 11 days; sockets refuse much more)."""


_OPTIONS = ("gsp", "timeout", "engine")

ENGINE_CHOICES = ("auto", "oxigraph", "other")
"""``engine=`` values: ``auto`` (the default) reads the engine from the server's ``Server`` header;
``oxigraph`` runs the Oxigraph texts of named queries (``NAME.oxigraph.rq``); ``other`` the base
texts. Either text gives the same rows: the choice is only which one the server runs fast."""


_OPTION = re.compile(r"[A-Za-z][\w-]*=")


_CREDENTIALS = re.compile(r"(?<=//)[^\s,]*@")


def redact(text: str) -> str:
    """Return ``text`` with the credentials of every URL in it replaced by ``***``.

    Examples
    --------
    >>> redact("sparql:http://me:s3cret@example.org/q,gsp=https://me:s3cret@example.org/data")
    'sparql:http://***@example.org/q,gsp=https://***@example.org/data'
    """
    return _CREDENTIALS.sub("***@", text)


def _redacted(url: str | None) -> str | None:
    return None if url is None else redact(url)


def check_url(url: str, what: str = "URL"):
    """Return ``urlsplit(url)`` once the URL is known to be usable: http(s), a host, a valid port.

    Raises
    ------
    UsageError
        One line naming what is wrong; credentials in the URL are shown as ``***``.
    """
    from urllib.parse import urlsplit

    shown = redact(url)
    try:
        parts = urlsplit(url)
        port = parts.port
    except ValueError as exc:  # "Invalid IPv6 URL", "Port out of range 0-65535", a port not a number
        from spacecoop.core.rdfterms import _one_line

        reason = _one_line(exc)
        if "port" in reason.lower():  # urllib quotes the port text, which may be part of a password
            reason = _BAD_PORT
        raise UsageError(f"malformed {what} {shown!r}: {reason}") from None
    if parts.scheme not in ("http", "https"):
        raise UsageError(f"not an http(s) {what}: {shown!r}")
    if not parts.hostname:
        raise UsageError(f"no host in the {what} {shown!r}")
    if port == 0:
        raise UsageError(f"malformed {what} {shown!r}: {_BAD_PORT}")
    return parts


_BAD_PORT = "the port must be a number from 1 to 65535"


def _parse_timeout(value: str) -> float:
    import math

    try:
        timeout = float(value)
    except ValueError:
        timeout = math.nan
    if not (math.isfinite(timeout) and 0 < timeout <= MAX_TIMEOUT):
        raise UsageError(
            f"timeout= must be a number of seconds above 0 and at most {MAX_TIMEOUT:,.0f}; got {value!r}"
        )
    return timeout


def parse_store_spec(spec: str) -> StoreSpec:
    """Parse a store spec.

    Raises
    ------
    UsageError
        The spec names no known backend or is malformed (an unknown option, a bad URL, port or
        timeout); the message is one line and shows credentials as ``***``.

    Examples
    --------
    >>> parse_store_spec("sparql:http://127.0.0.1:7878")  # doctest: +NORMALIZE_WHITESPACE
    StoreSpec(kind='sparql', path=None, query_url='http://127.0.0.1:7878/query',
              gsp_url='http://127.0.0.1:7878/store', timeout=60.0)
    >>> parse_store_spec("sparql:http://example.org/ds/query,gsp=http://example.org/ds/data,timeout=5").gsp_url
    'http://example.org/ds/data'
    """
    spec = (spec or "").strip()
    kind, sep, arg = spec.partition(":")
    if kind in ("memory", "compiled") and not sep:
        return StoreSpec(kind)
    if kind == "oxigraph":
        if sep and not arg:
            raise UsageError("oxigraph: needs a folder, e.g. --store oxigraph:./store (or plain oxigraph)")
        if "\x00" in arg:
            raise UsageError("oxigraph: the folder name holds a NUL character")
        return StoreSpec("oxigraph", path=arg or None)
    if kind == "sparql":
        parts = arg.split(",")
        url_parts, opts = [parts[0]], {}
        for part in parts[1:]:
            key, eq, value = part.partition("=")
            if eq and key in _OPTIONS:
                if key in opts:
                    raise UsageError(f"sparql: the option {key}= is given twice in {redact(spec)!r}")
                opts[key] = value
            elif _OPTION.match(part) and "?" not in ",".join(url_parts):
                # key=value after a URL with no query string: an option we do not know
                raise UsageError(
                    f"sparql: unknown option {key}= in {redact(spec)!r}; the options are "
                    + ", ".join(o + "=" for o in _OPTIONS)
                )
            else:  # a comma inside the URL's query string
                url_parts.append(part)
        url = ",".join(url_parts)
        if not url:
            raise UsageError(
                f"sparql: needs an http(s) URL, e.g. sparql:http://127.0.0.1:7878; got {redact(spec)!r}"
            )
        split = check_url(url, "sparql: URL")
        gsp = opts.get("gsp") or None
        if gsp is not None:
            check_url(gsp, "gsp= URL")
        if split.path in ("", "/") and not split.query:  # Oxigraph server's layout
            base = url.rstrip("/")
            url, gsp = base + "/query", gsp or base + "/store"
        timeout = _parse_timeout(opts["timeout"]) if "timeout" in opts else 60.0
        engine = opts.get("engine", "auto")
        if engine not in ENGINE_CHOICES:
            raise UsageError(
                f"sparql: engine= must be one of {', '.join(ENGINE_CHOICES)}; "
                f"got {engine!r} in {redact(spec)!r}"
            )
        return StoreSpec(
            "sparql",
            query_url=url,
            gsp_url=gsp,
            timeout=timeout,
            engine=None if engine == "auto" else engine,
        )
    raise UsageError(f"unknown store {redact(spec)!r}; expected {SPEC_HELP}")
