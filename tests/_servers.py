"""Helpers that start and stop the real ``spacecoop serve`` process, and a canary HTTP server.

The canary stands for "somewhere else": a server on 127.0.0.1 that records every request it gets;
the fixture ``canary`` in conftest.py starts it. Nothing here reaches beyond 127.0.0.1.
"""

from __future__ import annotations

import os
import selectors
import signal
import subprocess
import sys
import time
import urllib.error
import urllib.parse
import urllib.request
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler
from pathlib import Path
from typing import ClassVar

ROOT = Path(__file__).resolve().parents[1]


def interruptible() -> None:
    """``preexec_fn`` of a server the tests stop with SIGINT, as Ctrl-C in a terminal would: a
    command started in the background by a non-interactive shell (a CI script, ``cmd &``)
    inherits SIGINT ignored, Python then installs no KeyboardInterrupt handler, and the server
    would never see the signal; here SIGINT is back to its default in the child."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def children(pid: int) -> set[int]:
    """The process ids whose parent is ``pid`` (read from /proc)."""
    out = set()
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.add(int(stat.parent.name))
    return out


def running(pid: int) -> bool:
    """Whether process ``pid`` exists and is not a zombie (one ended, not yet reaped)."""
    try:
        state = Path(f"/proc/{pid}/status").read_text().split("State:", 1)[1].split("\n", 1)[0]
    except (OSError, IndexError):
        return False
    return "zombie" not in state.lower()


@dataclass
class Server:
    url: str
    proc: subprocess.Popen
    log: Path

    @property
    def port(self) -> int:
        return urllib.parse.urlsplit(self.url).port


def start_server(log: Path, *args: str, store: str | None = None, root: Path | None = None) -> Server:
    env = {k: v for k, v in os.environ.items() if k != "SPACECOOP_STORE"}
    cmd = [sys.executable, "-m", "spacecoop"]
    if root:
        cmd += ["--root", str(root)]
    if store:
        cmd += ["--store", store]
    cmd += ["serve", "--port", "0", *args]
    proc = subprocess.Popen(
        cmd,
        cwd=ROOT,
        env=env,
        stdout=subprocess.PIPE,
        stderr=log.open("w"),
        text=True,
        preexec_fn=interruptible,
    )
    sel = selectors.DefaultSelector()
    sel.register(proc.stdout, selectors.EVENT_READ)
    deadline = time.monotonic() + 90
    line = ""
    while time.monotonic() < deadline and not line:
        if sel.select(timeout=1):
            line = proc.stdout.readline()
            if not line:
                break
    if not line.startswith("listening on http://127.0.0.1:"):
        proc.kill()
        raise RuntimeError(f"server did not start: {line!r}\n{log.read_text()}")
    return Server(line.split()[-1], proc, log)


def stop_server(server: Server) -> str:
    server.proc.send_signal(signal.SIGINT)
    try:
        server.proc.wait(15)
    except subprocess.TimeoutExpired:
        server.proc.kill()
        server.proc.wait(5)
    return server.log.read_text()


class _Canary(BaseHTTPRequestHandler):
    hits: ClassVar[list[str]] = []

    def do_GET(self):
        _Canary.hits.append(self.path)
        body = b"<http://canary/s> <http://canary/p> <http://canary/o> .\n"
        self.send_response(200)
        self.send_header("Content-Type", "application/n-triples")
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    do_POST = do_GET

    def log_message(self, *args):
        pass


def fetch(method: str, url: str, body: bytes | None = None, headers: dict | None = None, timeout: float = 60):
    """Return (status, headers, body) of one request; HTTP errors are returned, not raised."""
    req = urllib.request.Request(url, data=body, method=method, headers=headers or {})
    try:
        with urllib.request.urlopen(req, timeout=timeout) as r:
            return r.status, r.headers, r.read()
    except urllib.error.HTTPError as exc:
        return exc.code, exc.headers, exc.read()
