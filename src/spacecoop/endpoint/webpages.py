"""The HTML pages the endpoint serves besides the query page: the network pages (drawn by
:mod:`spacecoop.pages.graph_page`) with their Content-Security-Policy, and the list of named queries."""

from __future__ import annotations

__all__ = ["GRAPH_CSP", "PAGE_CSP", "build_graph_page", "graph_csp", "queries_html"]


def build_graph_page(target, view: str) -> tuple[int, bytes, str]:
    try:
        from spacecoop.pages.graph_page import page_html
        from spacecoop.views.projection import to_networkx
    except ImportError as exc:
        return (
            404,
            (
                f"the network view {view!r} is not available in this installation "
                f"(spacecoop.views.projection / spacecoop.pages.graph_page missing: {exc})\n"
            ).encode(),
            "text/plain; charset=utf-8",
        )
    try:
        G = to_networkx(target, view=view)
        html = page_html(G, title=f"spacecoop: {view}")
    except Exception as exc:
        return (
            500,
            f"cannot draw the {view} network: {type(exc).__name__}: {exc}\n".encode(),
            "text/plain; charset=utf-8",
        )
    body = html.encode("utf-8") if isinstance(html, str) else bytes(html)
    graph_csp(body)  # hash the page's scripts now, once, for its Content-Security-Policy header
    return 200, body, "text/html; charset=utf-8"


_GRAPH_CSPS: dict[bytes, str] = {}  # page body -> its CSP; one entry per network view built


def graph_csp(body: bytes) -> str:
    """Return the Content-Security-Policy of a network page: its own inline scripts, by hash.

    Each inline ``<script>`` that a browser runs (no ``src``, no data ``type``) is allowed by the
    SHA-256 of its text, so no other script can run on the page: no ``'unsafe-inline'``, no
    ``'unsafe-eval'``.

    Examples
    --------
    >>> graph_csp(b"<script>go()</script><script type='application/json'>{}</script>").split("; ")[1]
    "script-src 'self' 'sha256-5KYv+PUboo5h+0+YAtGRPbwv5d/QxzHslP4YGnUaxRw='"
    """
    import base64
    import hashlib
    import re

    known = _GRAPH_CSPS.get(body)
    if known is not None:
        return known
    hashes: list[str] = []
    for attrs, text in re.findall(rb"<script\b([^>]*)>(.*?)</script\s*>", body, re.DOTALL | re.IGNORECASE):
        if re.search(rb"\bsrc\s*=", attrs, re.IGNORECASE):
            continue
        kind = re.search(rb"""\btype\s*=\s*["']?([^"'\s>]*)""", attrs, re.IGNORECASE)
        if kind and kind.group(1).lower() not in (
            b"",
            b"text/javascript",
            b"application/javascript",
            b"module",
        ):
            continue  # a data block (application/json): never run, so not a script to allow
        text = text.replace(b"\r\n", b"\n").replace(b"\r", b"\n")  # as the HTML parser reads it
        hashes.append("'sha256-" + base64.b64encode(hashlib.sha256(text).digest()).decode("ascii") + "'")
    csp = GRAPH_CSP.format(scripts=" ".join(dict.fromkeys(hashes)))
    if len(_GRAPH_CSPS) < 16:
        _GRAPH_CSPS[body] = csp
    return csp


PAGE_CSP = (
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; "
    "font-src 'self' data:; connect-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'self'"
)
# The network pages' policy; {scripts}: the hashes of the page's inline scripts (graph_csp).
GRAPH_CSP = (
    "default-src 'self'; script-src 'self' {scripts}; style-src 'self' 'unsafe-inline'; "
    "img-src 'self' data: blob:; font-src 'self' data:; connect-src 'self'; object-src 'none'; "
    "base-uri 'none'; form-action 'self'; frame-ancestors 'self'"
)


def queries_html(items: list[dict]) -> str:
    from html import escape

    rows = "\n".join(
        f'<tr><td><a href="{escape(i["url"])}">{escape(i["name"])}</a></td><td>{escape(i["summary"])}</td>'
        f"<td>{escape(', '.join(i['params']))}</td><td>{escape(', '.join(i['columns']))}</td></tr>"
        for i in items
    )
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8"><title>spacecoop: named queries</title>'
        '<link rel="stylesheet" href="/static/app.css"></head><body><main>'
        '<h1>Named queries</h1><p><a href="/">Query page</a> · JSON: <a href="/queries?format=json">'
        '/queries?format=json</a></p><table class="results"><thead><tr><th>name</th><th>question</th>'
        f"<th>params</th><th>columns</th></tr></thead><tbody>\n{rows}\n</tbody></table></main></body></html>\n"
    )
