"""The HTTP side of the endpoint: the request handler (routes, strict framing, gzip, CORS), which
checks the protocol's dataset parameters, then hands each query to the server's worker pool."""

from __future__ import annotations

import contextlib
import json
import mimetypes
import sys
from collections.abc import Mapping
from http import HTTPStatus
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import parse_qs, unquote, urlsplit

from spacecoop.endpoint.guard import QueryRefused, request_dataset
from spacecoop.endpoint.negotiate import negotiate, parse_accept, serialize
from spacecoop.endpoint.webpages import PAGE_CSP, graph_csp, queries_html

if TYPE_CHECKING:
    from spacecoop.endpoint.server import EndpointServer

__all__ = ["EndpointHandler"]

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
UTF8_NAMES = ("utf-8", "utf8", "us-ascii", "ascii")  # the charsets of a request body read as UTF-8
ALLOW = "GET, HEAD, POST, OPTIONS"  # the methods every route answers (HEAD as GET without the body)
GZIP_MIN = 1024  # bodies smaller than this go uncompressed even when the client accepts gzip
CORS_HEADERS = {
    "Access-Control-Allow-Origin": "*",
    "Access-Control-Allow-Methods": "GET, POST, OPTIONS",
    "Access-Control-Allow-Headers": "Accept, Content-Type",
    "Access-Control-Max-Age": "600",
}


def _accepts_gzip(header: str | None) -> bool:
    """Whether an Accept-Encoding header accepts gzip (by name or ``*``, with q > 0).

    Examples
    --------
    >>> _accepts_gzip("gzip, deflate"), _accepts_gzip("gzip;q=0"), _accepts_gzip("*"), _accepts_gzip(None)
    (True, False, True, False)
    """
    if not header:
        return False
    named = {rng: q for rng, q, _pos in parse_accept(header)}
    if "gzip" in named:
        return named["gzip"] > 0
    return named.get("*", 0.0) > 0


class EndpointHandler(BaseHTTPRequestHandler):
    server: EndpointServer
    protocol_version = "HTTP/1.1"
    server_version = "spacecoop"
    sys_version = ""
    timeout = 60  # seconds a client may take to send its request
    disable_nagle_algorithm = True  # TCP_NODELAY: a reply leaves at once, not after the client's ACK
    ONE_WRITE = 256 * 1024  # a body up to this size leaves in the same write as its headers

    def version_string(self) -> str:
        return self.server_version

    # -- plumbing --------------------------------------------------------------------------

    def log_message(self, format: str, *args) -> None:
        if self.server.config.access_log:
            super().log_message(format, *args)

    def _send(self, status: int, body: bytes, media: str, headers: Mapping[str, str] | None = None) -> None:
        headers = dict(headers or {})
        if getattr(self, "_unread_body", False):
            self.close_connection = True
        if self.close_connection and "Connection" not in headers:
            headers["Connection"] = "close"  # tell the client, so it does not send on into a closed socket
        if status == 200 and len(body) >= GZIP_MIN:  # an answer that may be sent compressed
            vary = [v.strip() for v in headers.get("Vary", "").split(",") if v.strip()]
            headers["Vary"] = ", ".join([*vary, "Accept-Encoding"])
            if _accepts_gzip(self.headers.get("Accept-Encoding")):
                import gzip

                body = gzip.compress(body, compresslevel=5, mtime=0)
                headers["Content-Encoding"] = "gzip"
        self.send_response(status)
        self.send_header("Content-Type", media)
        self.send_header("Content-Length", str(len(body)))
        self.send_header("X-Content-Type-Options", "nosniff")
        for k, v in CORS_HEADERS.items():
            self.send_header(k, v)
        for k, v in headers.items():
            self.send_header(k, v)
        # end_headers() writes the headers alone: a second small write for the body then waits
        # for the client's delayed ACK (about 40 ms a request on a kept-alive connection)
        if not hasattr(self, "_headers_buffer"):  # HTTP/0.9: no headers at all
            self.wfile.write(body)
            return
        self._headers_buffer.append(b"\r\n")
        if self.command != "HEAD" and len(body) <= self.ONE_WRITE:
            self._headers_buffer.append(body)
            self.flush_headers()
        else:
            self.flush_headers()
            if self.command != "HEAD":
                self.wfile.write(body)

    def _error(self, status: int, message: str, headers: Mapping[str, str] | None = None) -> None:
        self._send(status, (message.rstrip() + "\n").encode("utf-8"), "text/plain; charset=utf-8", headers)

    def send_error(self, code, message=None, explain=None):  # the stdlib's, but plain text and CORS
        self.close_connection = True
        with contextlib.suppress(OSError):
            self._error(code, message or HTTPStatus(code).phrase, {"Connection": "close"})

    def parse_request(self) -> bool:
        """The stdlib's, then refuse any framing two readers could take differently (400, close)."""
        if not super().parse_request():
            return False
        problem = self._framing_problem()
        if problem:
            self.send_error(400, problem)
            return False
        length = self.headers.get("Content-Length", "0").strip(" \t")
        # a body that is not read (a GET with a body, a POST to the wrong path, a refusal) must
        # not be taken for the next request: _send closes the connection while this is set
        self._unread_body = self.headers.get("Transfer-Encoding") is not None or int(length or "0") > 0
        return True

    def _framing_problem(self) -> str | None:
        """Say why the request's Content-Length / Transfer-Encoding are ambiguous, or None."""
        import re
        from email.errors import MissingHeaderBodySeparatorDefect

        rest = self.headers.get_payload()
        rest = rest if isinstance(rest, str) else ""
        if rest or any(isinstance(d, MissingHeaderBodySeparatorDefect) for d in self.headers.defects):
            # the stdlib's parser stops at a line that is no header ("Content-Length : 5", no
            # colon) and drops every header after it, Content-Length included
            line = rest.splitlines()[0][:60] if rest.strip() else ""
            return (
                f"malformed header line {line!r}: every header line is NAME: VALUE, no space before the colon"
            )
        for name, value in self.headers.items():
            if "\r" in value or "\n" in value:
                return f"header {name[:40]} is folded over several lines, which this endpoint does not accept"
        lengths = self.headers.get_all("Content-Length") or []
        if lengths and self.headers.get_all("Transfer-Encoding"):
            return (
                "a request with both Transfer-Encoding and Content-Length is ambiguous; "
                "send only Content-Length"
            )
        if len(lengths) > 1:
            shown = ", ".join(repr(v[:20]) for v in lengths[:4])
            return f"{len(lengths)} Content-Length headers ({shown}); send exactly one"
        if lengths and not re.fullmatch(r"[0-9]{1,15}", lengths[0].strip(" \t")):
            return (
                f"bad Content-Length {lengths[0][:40]!r}: it must be a decimal number of bytes, digits only"
            )
        return None

    def handle_one_request(self) -> None:
        try:
            super().handle_one_request()
        except (ConnectionError, TimeoutError):
            self.close_connection = True
        except Exception as exc:
            print(
                f"spacecoop serve: internal error on {self.path!r}: {type(exc).__name__}: {exc}",
                file=sys.stderr,
                flush=True,
            )
            self.close_connection = True
            with contextlib.suppress(OSError):
                self._error(500, "internal server error")

    def _read_body(self) -> bytes | None:
        if self.headers.get("Transfer-Encoding", "").lower() not in ("", "identity"):
            self.close_connection = True
            self._error(411, "send the request body with a Content-Length (chunked bodies are not accepted)")
            return None
        length = self.headers.get("Content-Length")
        if length is None:
            self.close_connection = True  # whatever follows is its body: never read it as a request
            self._error(411, "a POST needs a Content-Length")
            return None
        try:
            n = int(length)
            if n < 0:
                raise ValueError
        except ValueError:
            self.close_connection = True
            self._error(400, f"bad Content-Length {length!r}")
            return None
        if n > self.server.config.max_body:
            self.close_connection = True
            if n <= 4 * 2**20:  # a modest body is read and dropped, so the client surely sees the 413
                remaining = n
                while remaining > 0:
                    chunk = self.rfile.read(min(remaining, 65536))
                    if not chunk:
                        break
                    remaining -= len(chunk)
            self._error(
                413,
                f"request body of {n} bytes is larger than this endpoint's limit of "
                f"{self.server.config.max_body} bytes",
            )
            return None
        body = self.rfile.read(n)  # a client that stalls mid-body runs into the socket timeout: closed
        if len(body) < n:
            self.close_connection = True
            self._error(
                400,
                f"the request body ended after {len(body)} of {n} bytes (Content-Length); nothing was run",
            )
            return None
        self._unread_body = False
        return body

    # -- verbs -----------------------------------------------------------------------------

    def do_OPTIONS(self) -> None:
        self._send(204, b"", "text/plain; charset=utf-8", {"Allow": ALLOW})

    def do_HEAD(self) -> None:
        self.do_GET()

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        path = url.path
        try:
            args = parse_qs(url.query, keep_blank_values=True, strict_parsing=False, errors="strict")
        except UnicodeDecodeError:
            self._error(400, "the query string is not valid UTF-8")
            return
        if path == "/sparql":
            self._sparql(args)
        elif path in ("/", "/index.html"):
            self._static("index.html")
        elif path.startswith("/static/"):
            self._static(_unquote_path(path[len("/static/") :]))
        elif path in ("/queries", "/queries/"):
            self._list_queries(args)
        elif path.startswith("/queries/"):
            name = _unquote_path(path[len("/queries/") :])
            if name is None:
                self._error(404, "unknown query: the name is not valid UTF-8 or holds a NUL")
            else:
                self._named_query(name, args)
        elif path in ("/graph/countries", "/graph/actors"):
            status, body, media = self.server.graph_page(path.rsplit("/", 1)[1])
            self._send(
                status, body, media, {"Content-Security-Policy": graph_csp(body)} if status == 200 else None
            )
        elif path == "/favicon.ico":
            self._send(204, b"", "image/x-icon")
        else:
            shown = path if len(path) <= 200 else path[:200] + "…"
            self._error(404, f"nothing at {shown}; see / for the query page, /sparql, /queries")

    def do_POST(self) -> None:
        url = urlsplit(self.path)
        if url.path != "/sparql":
            self._error(
                405 if url.path in ("/", "/queries") or url.path.startswith("/queries/") else 404,
                f"POST goes to /sparql, not {url.path}",
                {"Allow": ALLOW},
            )
            return
        media = self.headers.get_content_type()
        charset = self.headers.get_content_charset() or "utf-8"
        body = self._read_body()
        if body is None:
            return
        if (
            media in ("application/x-www-form-urlencoded", "application/sparql-query")
            and charset.lower() not in UTF8_NAMES
        ):
            self._error(
                415,
                f"charset {charset[:40]!r} is not accepted: send the request body in UTF-8, as the SPARQL "
                "1.1 Protocol says",
            )
            return
        try:
            args = parse_qs(url.query, keep_blank_values=True, errors="strict")
            if media == "application/x-www-form-urlencoded":
                text = body.decode(charset)
                for k, v in parse_qs(text, keep_blank_values=True, errors="strict").items():
                    args.setdefault(k, []).extend(v)
            elif media == "application/sparql-query":
                if "query" in args:
                    self._error(400, "a direct POST carries the query in its body, not in a query parameter")
                    return
                args["query"] = [body.decode(charset)]
            elif media == "application/sparql-update":
                self._error(400, "SPARQL Update is not allowed: this endpoint is read-only")
                return
            else:
                self._error(
                    415,
                    f"unsupported Content-Type {media!r}; POST application/sparql-query or "
                    "application/x-www-form-urlencoded",
                )
                return
        except (UnicodeDecodeError, LookupError):
            self._error(400, f"the request body is not valid {charset}")
            return
        self._sparql(args)

    def do_PUT(self) -> None:
        self._error(405, "this endpoint is read-only", {"Allow": ALLOW})

    do_DELETE = do_PATCH = do_PUT

    # -- routes ----------------------------------------------------------------------------

    def _reply(self, reply: Mapping) -> None:
        if reply["status"] == 200:
            headers: dict[str, str] | None = {"Vary": "Accept"}
            self._send(200, reply["body"], reply["type"], headers)
        else:
            headers = {"Retry-After": "5"} if reply.get("retry") else None
            self._error(reply["status"], reply["error"], headers)

    def _sparql(self, args: Mapping[str, list[str]]) -> None:
        if "update" in args:
            self._error(400, "SPARQL Update is not allowed: this endpoint is read-only")
            return
        try:  # the protocol's dataset: the endpoint's own graphs only, checked before any worker
            dataset = request_dataset(
                args.get("default-graph-uri"), args.get("named-graph-uri"), self.server.graph_names
            )
        except QueryRefused as exc:
            self._error(exc.status, str(exc))
            return
        queries = args.get("query")
        if not queries:
            if self.command == "POST" or dataset is not None:
                self._error(400, "no query given: send query=… (form) or a SPARQL query body")
                return
            self._description(args)
            return
        if len(queries) > 1:
            self._error(400, "give exactly one query parameter")
            return
        fmt = _first(args.get("format") or args.get("output"))
        job = {
            "op": "sparql",
            "query": queries[0],
            "accept": self.headers.get("Accept"),
            "format": fmt,
            "max_rows": self.server.config.max_rows,
            "max_bytes": self.server.config.max_bytes,
            "dataset": None if dataset is None else (dataset.default, dataset.named),
        }
        self._reply(self.server.pool.run(job, self.server.config.timeout))

    def _description(self, args: Mapping[str, list[str]]) -> None:
        asked = _first(args.get("format"))
        accept = self.headers.get("Accept") or ""
        if asked is None and "text/html" in accept:
            asked = "turtle"  # a browser following the page's link: Turtle reads best
        try:
            fmt = negotiate("CONSTRUCT", accept, asked)
        except QueryRefused as exc:
            self._error(exc.status, str(exc))
            return
        from spacecoop.store import QueryResult

        body, media = serialize(
            QueryResult("CONSTRUCT", graph=self.server.describe(self.headers.get("Host"))), fmt
        )
        self._send(200, body, media, {"Vary": "Accept, Host"})

    def _static(self, rel: str | None) -> None:
        base = STATIC_DIR.resolve()
        try:  # NUL bytes, names too long, undecodable escapes: no such file either
            if not rel or "\x00" in rel or len(rel) > 1024:
                raise ValueError(rel)
            target = (base / rel).resolve()
            found = base in target.parents and target.is_file()
        except (ValueError, OSError):
            found = False
        if not found:
            shown = repr(rel[:100]) if rel else "(this name)"
            self._error(404, f"no such file: {shown}")
            return
        media = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if media.startswith("text/") or media in ("application/javascript", "application/json"):
            media += "; charset=utf-8"
        headers = {"Cache-Control": "no-cache"}
        if target.suffix == ".html":
            headers["Content-Security-Policy"] = PAGE_CSP
        self._send(200, target.read_bytes(), media, headers)

    def _query_list(self) -> list[dict]:
        return [
            {
                "name": q.name,
                "summary": q.summary,
                "description": q.description,
                "params": list(q.params),
                "columns": list(q.columns),
                "tags": list(q.tags),
                "url": f"/queries/{q.name}",
                "query": q.text,
            }
            for q in self.server.named.values()
        ]

    def _list_queries(self, args: Mapping[str, list[str]]) -> None:
        items = self._query_list()
        fmt = (args.get("format") or [""])[0].lower()
        accept = parse_accept(self.headers.get("Accept") or "")
        q_html = max((q for m, q, _ in accept if m == "text/html"), default=0.0)
        q_json = max(
            (q for m, q, _ in accept if m in ("application/json", "*/*", "application/*")), default=0.0
        )
        if fmt == "html" or (fmt != "json" and q_html > q_json):
            self._send(
                200,
                queries_html(items).encode("utf-8"),
                "text/html; charset=utf-8",
                {"Content-Security-Policy": PAGE_CSP, "Vary": "Accept"},
            )
        else:
            body = json.dumps(items, ensure_ascii=False, indent=1).encode("utf-8")
            self._send(200, body, "application/json", {"Vary": "Accept"})

    def _named_query(self, name: str, args: dict[str, list[str]]) -> None:
        if name not in self.server.named:
            self._error(404, f"unknown query {name!r}; known queries: {', '.join(sorted(self.server.named))}")
            return
        fmt = _first(args.pop("format", None))
        params = {}
        for k, v in args.items():
            if len(v) != 1:
                self._error(400, f"give parameter {k} once")
                return
            params[k] = v[0]
        job = {
            "op": "named",
            "name": name,
            "params": params,
            "accept": self.headers.get("Accept"),
            "format": fmt,
            "max_rows": self.server.config.max_rows,
            "max_bytes": self.server.config.max_bytes,
        }
        self._reply(self.server.pool.run(job, self.server.config.timeout))


def _first(values: list[str] | None) -> str | None:
    """The first value of a query parameter, or None when it is not given."""
    return values[0] if values else None


def _unquote_path(part: str) -> str | None:
    """Decode %-escapes of a path segment; None when they are not UTF-8 or give a NUL."""
    try:
        text = unquote(part, errors="strict")
    except UnicodeDecodeError:
        return None
    return None if "\x00" in text else text
