"""The review page of ``spacecoop review``: a fact sheet checked against its article, on 127.0.0.1.

A small stdlib HTTP server (like :mod:`spacecoop.endpoint.server`, nothing to install) serves one offline page
and a JSON API:

* ``GET /`` the page (inline CSS and JS, no CDN, no remote URL);
* ``GET /api/state`` the article text, the body's bounds, the sheet's columns and rows, and where
  each row's quote lies in the text (its " … " pieces located in order);
* ``GET /api/entities?q=NAME`` the graph's entities that fit a name (exact links first, then close
  names from issue 12's look-up when present, then names containing the text);
* ``POST /api/save`` writes the rows back to the sheet (validated, atomic);
* ``POST /api/add`` saves, then runs ``spacecoop add SHEET --text TEXT`` and returns its exit code
  and output.

Every text from the article or the sheet reaches the page as JSON and is put into the document
with ``textContent``: a hostile article runs nothing. POSTs must carry the page's per-run token
(a header a page from another origin cannot send without a CORS pre-flight, which this server
never grants), and requests whose ``Host`` is not this server are refused.
"""

from __future__ import annotations

import csv
import functools
import io
import json
import os
import secrets
import subprocess
import sys
import threading
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from spacecoop.core.errors import SpacecoopError
from spacecoop.importers.extract import article_from_text, locate_quote, project_gazetteer
from spacecoop.importers.fact_csv import SHEET_COLUMNS, write_sheet

REVIEW_VALUES = ("pending", "accepted", "rejected", "")
MAX_BODY = 8 * 1024 * 1024


class ReviewError(SpacecoopError):
    """The sheet or the text cannot be read, or a saved sheet is malformed."""


@dataclass
class Sheet:
    """A fact sheet as read: its columns in file order and its rows."""

    path: Path
    columns: list[str]
    rows: list[dict]


def read_sheet(path: str | os.PathLike) -> Sheet:
    """Read a fact sheet (CSV, header row). Unknown columns are an error that names them.

    Raises
    ------
    ReviewError
        No such file, not UTF-8, no header, or columns the sheet contract does not have.
    """
    from spacecoop.core.inputs import read_text_input

    p = Path(path)
    text = read_text_input(p, encoding="utf-8-sig", error=ReviewError)
    reader = csv.DictReader(io.StringIO(text, newline=""))
    if not reader.fieldnames:
        raise ReviewError(f"{p}:1: no header row")
    unknown = [c for c in reader.fieldnames if c not in SHEET_COLUMNS]
    if unknown:
        raise ReviewError(
            f"{p}:1: unknown column(s) {', '.join(unknown)} (allowed: {', '.join(SHEET_COLUMNS)})"
        )
    rows = []
    for n, row in enumerate(reader, start=2):
        if None in row:
            raise ReviewError(f"{p}:{n}: more fields than the header has columns")
        rows.append({k: (v or "") for k, v in row.items()})
    return Sheet(p, list(reader.fieldnames), rows)


def clean_rows(rows, columns: list[str]) -> list[dict]:
    """Check rows sent by the page: a list of objects of strings over known columns, review values known."""
    if not isinstance(rows, list):
        raise ReviewError("rows: expected a list")
    out = []
    for i, row in enumerate(rows, start=2):
        if not isinstance(row, dict):
            raise ReviewError(f"row {i}: expected an object")
        bad = [k for k in row if k not in SHEET_COLUMNS]
        if bad:
            raise ReviewError(f"row {i}: unknown column(s) {', '.join(map(str, bad))}")
        if any(not isinstance(v, str) for v in row.values()):
            raise ReviewError(f"row {i}: every value must be a string")
        if row.get("review", "") not in REVIEW_VALUES:
            raise ReviewError(f"row {i}: review: {row['review']!r} is not one of pending, accepted, rejected")
        out.append(
            {
                c: row.get(c, "").replace("\r", " ").replace("\n", " ") if c != "quote" else row.get(c, "")
                for c in columns
            }
        )
    return out


def search_entities(q: str, root: str | None = None, limit: int = 12) -> list[dict]:
    """Entities whose names fit ``q``: exact links, then close names, then names containing it."""
    from spacecoop.importers.extract import link_entity, normalize_name

    q = q.strip()
    if not q:
        return []
    seen: set[object] = set()
    out: list[dict] = []

    def push(label, kind, curie, country, how):
        key = curie or ("new", label)
        if key in seen or len(out) >= limit:
            return
        seen.add(key)
        out.append({"label": label, "kind": kind, "curie": curie, "country": country, "how": how})

    exact = link_entity(q, root=root)
    if exact is not None:
        push(exact.label, exact.kind, exact.curie, exact.country, "exact")
    from spacecoop.importers.extract.gazetteer import entity_finder

    finder = entity_finder(root)
    if finder is not None:  # issue 12's look-up: close names with scores
        gaz = project_gazetteer(root)
        for m in finder.find(q).suggestions:
            known = gaz.by_curie.get(m.curie)
            push(
                m.label,
                known.kind if known else m.kind,
                m.curie,
                known.country if known else "",
                f"close name ({m.score:.0f})",
            )
    key = normalize_name(q)
    for name, link in sorted(project_gazetteer(root).names.items()):
        if key in name and link.curie:
            push(link.label, link.kind, link.curie, link.country, "contains")
    return out


class ReviewServer:
    """The review page's HTTP server; ``serve_forever`` in the foreground or ``start`` in a thread."""

    def __init__(
        self,
        sheet: str | os.PathLike,
        text: str | os.PathLike,
        *,
        port: int = 0,
        root: str | os.PathLike | None = None,
        host: str = "127.0.0.1",
    ) -> None:
        self.sheet = read_sheet(sheet)
        self.text_path = Path(text)
        try:
            raw = self.text_path.read_text(encoding="utf-8")
        except FileNotFoundError:
            raise ReviewError(f"{self.text_path}: no such file") from None
        except UnicodeDecodeError as exc:
            raise ReviewError(f"{self.text_path}: not UTF-8 (byte {exc.start})") from None
        article = article_from_text(raw, "1970-01-01", name=str(self.text_path))
        self.text, self.body = article.text, (article.body_start, article.body_end)
        self.root = str(root) if root else None
        self.token = secrets.token_urlsafe(24)
        self.lock = threading.Lock()
        try:
            self.httpd = ThreadingHTTPServer((host, port), _handler(self))
        except OSError as exc:
            raise ReviewError(
                f"cannot listen on {host}:{port}: {exc.strerror} (give --port 0 for any free port)"
            ) from None
        self.httpd.daemon_threads = True
        self.port = self.httpd.server_address[1]
        self._thread: threading.Thread | None = None

    def summary(self) -> str:
        n = len(self.sheet.rows)
        by: dict[str, int] = {}
        for r in self.sheet.rows:
            by[r.get("review") or "empty"] = by.get(r.get("review") or "empty", 0) + 1
        return f"{n} rows (" + ", ".join(f"{v} {k}" for k, v in sorted(by.items())) + ")"

    def state(self) -> dict:
        rows = self.sheet.rows
        return {
            "token": self.token,
            "sheet": str(self.sheet.path),
            "text_path": str(self.text_path),
            "text": self.text,
            "body": list(self.body),
            "columns": self.sheet.columns,
            "rows": rows,
            "spans": [locate_quote(self.text, r.get("quote", "")) for r in rows],
        }

    def save(self, rows) -> dict:
        with self.lock:
            columns = list(dict.fromkeys([*self.sheet.columns, "review"]))
            rows = clean_rows(rows, columns)
            write_sheet(rows, self.sheet.path, columns)  # the writer of `spacecoop extract`
            self.sheet = Sheet(self.sheet.path, columns, rows)
        counts: dict[str, int] = {}
        for r in rows:
            counts[r.get("review") or "empty"] = counts.get(r.get("review") or "empty", 0) + 1
        return {"ok": True, "saved": str(self.sheet.path), "counts": counts}

    def add(self) -> dict:
        cmd = [sys.executable, "-m", "spacecoop"]
        if self.root:
            cmd += ["--root", self.root]
        cmd += ["add", str(self.sheet.path), "--text", str(self.text_path)]
        try:
            proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, check=False)
        except subprocess.TimeoutExpired:
            return {
                "ok": False,
                "exit": None,
                "stdout": "",
                "stderr": "spacecoop add took more than 300 s",
                "command": cmd,
            }
        return {
            "ok": proc.returncode == 0,
            "exit": proc.returncode,
            "stdout": proc.stdout[-20000:],
            "stderr": proc.stderr[-20000:],
            "command": cmd,
        }

    def start(self) -> ReviewServer:
        self._thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self._thread.start()
        return self

    def serve_forever(self) -> None:
        self.httpd.serve_forever()

    def close(self) -> None:
        if self._thread is not None:
            self.httpd.shutdown()
        self.httpd.server_close()


def _handler(app: ReviewServer):
    class Handler(BaseHTTPRequestHandler):
        server_version = "spacecoop-review"

        def log_message(self, fmt, *args):  # quiet: the terminal shows the summary lines only
            pass

        def _send(self, status: int, body: bytes, ctype: str) -> None:
            self.send_response(status)
            self.send_header("Content-Type", ctype)
            self.send_header("Content-Length", str(len(body)))
            self.send_header("Cache-Control", "no-store")
            self.send_header("X-Content-Type-Options", "nosniff")
            self.send_header("Referrer-Policy", "no-referrer")
            self.send_header(
                "Content-Security-Policy",
                "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; "
                "connect-src 'self'; img-src 'none'; base-uri 'none'; form-action 'none'",
            )
            self.end_headers()
            self.wfile.write(body)

        def _json(self, status: int, obj) -> None:
            self._send(
                status, json.dumps(obj, ensure_ascii=False).encode("utf-8"), "application/json; charset=utf-8"
            )

        def _host_ok(self) -> bool:
            host = (self.headers.get("Host") or "").lower()
            return host in (f"127.0.0.1:{app.port}", f"localhost:{app.port}")

        def do_GET(self):
            if not self._host_ok():
                return self._json(403, {"error": "wrong Host header"})
            url = urlsplit(self.path)
            if url.path == "/":
                return self._send(200, page(), "text/html; charset=utf-8")
            if url.path == "/api/state":
                return self._json(200, app.state())
            if url.path == "/api/entities":
                q = parse_qs(url.query).get("q", [""])[0][:200]
                return self._json(200, {"results": search_entities(q, app.root)})
            return self._json(404, {"error": "not found"})

        def do_POST(self):
            if not self._host_ok():
                return self._json(403, {"error": "wrong Host header"})
            if not secrets.compare_digest(self.headers.get("X-Review-Token", ""), app.token):
                return self._json(403, {"error": "missing or wrong X-Review-Token"})
            length = int(self.headers.get("Content-Length") or 0)
            if length > MAX_BODY:
                return self._json(413, {"error": "request too large"})
            try:
                data = json.loads(self.rfile.read(length) or b"{}")
            except ValueError:
                return self._json(400, {"error": "the body is not JSON"})
            path = urlsplit(self.path).path
            try:
                if path == "/api/save":
                    return self._json(200, app.save(data.get("rows")))
                if path == "/api/add":
                    saved = app.save(data.get("rows")) if "rows" in data else None
                    result = app.add()
                    result["saved"] = saved
                    return self._json(200, result)
            except ReviewError as exc:
                return self._json(400, {"error": str(exc)})
            return self._json(404, {"error": "not found"})

    return Handler


@functools.cache
def page() -> bytes:
    """The review page: ``static/review.html`` (HTML, CSS and script in one offline file), read once."""
    from importlib.resources import files

    return (files("spacecoop") / "static" / "review.html").read_bytes()
