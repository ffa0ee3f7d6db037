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
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8-sig")
    except FileNotFoundError:
        raise ReviewError(f"{p}: no such file") from None
    except UnicodeDecodeError as exc:
        raise ReviewError(f"{p}: not UTF-8 (byte {exc.start})") from None
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
    seen, out = set(), []

    def push(label, kind, curie, country, how):
        key = curie or ("new", label)
        if key in seen or len(out) >= limit:
            return
        seen.add(key)
        out.append({"label": label, "kind": kind, "curie": curie, "country": country, "how": how})

    exact = link_entity(q, root=root)
    if exact is not None:
        push(exact.label, exact.kind, exact.curie, exact.country, "exact")
    from spacecoop.importers.extract import _entity_finder

    finder = _entity_finder(root)
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
        by = {}
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
            columns = list(dict.fromkeys(self.sheet.columns + ["review"]))
            rows = clean_rows(rows, columns)
            write_sheet(rows, self.sheet.path, columns)  # the writer of `spacecoop extract`
            self.sheet = Sheet(self.sheet.path, columns, rows)
        counts = {}
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
                return self._send(200, PAGE.encode("utf-8"), "text/html; charset=utf-8")
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


PAGE = r"""<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<title>spacecoop review</title>
<meta name="viewport" content="width=device-width, initial-scale=1">
<style>
body{margin:0;font:14px/1.45 system-ui,sans-serif;color:#1d232a;background:#f4f5f7}
header{position:sticky;top:0;z-index:2;background:#1d2b3a;color:#fff;padding:8px 14px;display:flex;gap:10px;align-items:center;flex-wrap:wrap}
header h1{font-size:16px;margin:0 12px 0 0}
header button{font:inherit;padding:4px 12px;border-radius:4px;border:0;cursor:pointer}
#save{background:#e8eef6}#add{background:#ffd36b}
#status{margin-left:auto;font-size:13px;white-space:pre-wrap;max-width:45%}
main{display:grid;grid-template-columns:minmax(0,1fr) minmax(0,1.1fr);gap:12px;padding:12px}
#article{background:#fff;padding:16px 20px;border-radius:6px;white-space:pre-wrap;max-height:calc(100vh - 80px);overflow:auto}
mark{background:#fff1b8;border-bottom:2px solid #e0b000;cursor:pointer}
mark.sel{background:#ffb347}
mark.accepted{background:#c9f2cf;border-color:#2e9b45}mark.rejected{background:#eee;border-color:#bbb;color:#777}
#side{max-height:calc(100vh - 80px);overflow:auto}
.card{background:#fff;border-radius:6px;padding:8px 10px;margin-bottom:8px;border-left:5px solid #e0b000}
.card.accepted{border-color:#2e9b45}.card.rejected{border-color:#bbb;opacity:.65}.card.sel{outline:2px solid #ffb347}
.card .fact{font-weight:600}.card .meta{color:#555;font-size:12.5px}.card .q{font-style:italic;color:#333;margin:3px 0}
.card button{font:inherit;font-size:12.5px;margin-right:4px;padding:2px 8px;border:1px solid #bbb;border-radius:4px;background:#f8f8f8;cursor:pointer}
.card .missing{color:#b00020;font-size:12px}
.editor{display:grid;grid-template-columns:120px 1fr;gap:3px 6px;margin-top:6px}
.editor input{font:inherit;font-size:12.5px;padding:2px 4px}
#tools{background:#fff;border-radius:6px;padding:8px 10px;margin-bottom:8px}
#tools input{font:inherit;padding:2px 5px}#results div{font-size:13px;padding:2px 0}
#results button{font-size:12px;margin-left:4px}
</style></head>
<body>
<header><h1>Review</h1><span id="file"></span>
<button id="save" type="button">Save</button><button id="add" type="button">Add to graph</button>
<span id="status"></span></header>
<main>
<section id="article" aria-label="article"></section>
<section id="side">
<div id="tools">
 <div><label>Search entities <input id="q" type="search" placeholder="name, acronym, country"></label>
 <button id="go" type="button">Search</button> <span class="meta">(results fill the open editor's subject or object)</span></div>
 <div id="results"></div>
 <details><summary>New entity</summary>
 <div class="editor"><label for="ne-name">name</label><input id="ne-name">
 <label for="ne-kind">kind</label><input id="ne-kind" placeholder="university, space_agency, country …">
 <label for="ne-country">country</label><input id="ne-country">
 <label for="ne-alt">other names</label><input id="ne-alt" placeholder="; separated">
 <span></span><button id="ne-make" type="button">Propose entity (accepted)</button></div></details>
</div>
<div id="cards"></div>
</section></main>
<script>
"use strict";
let S = null, sel = -1, editing = -1;
const FIELDS = ["subject","subject_kind","relation","object","object_kind","status","certainty","date","date_precision",
  "date_inferred_from","level","role","agreement_kind","agreement_title","signer","signer_role","on_behalf_of",
  "ordinal","as_of","planned","detail","note","quote"];
function el(tag, attrs, text){const e=document.createElement(tag); if(attrs) for(const k in attrs) e.setAttribute(k, attrs[k]); if(text!==undefined) e.textContent=text; return e;}
function status(msg){document.getElementById("status").textContent = msg;}
async function api(path, body){
  const opt = body===undefined ? {} : {method:"POST", headers:{"Content-Type":"application/json","X-Review-Token":S.token}, body:JSON.stringify(body)};
  const r = await fetch(path, opt); const j = await r.json(); if(!r.ok) throw new Error(j.error||r.status); return j;}
function renderArticle(){
  const box = document.getElementById("article"); box.textContent = "";
  const [b0,b1] = S.body; const byspan = new Map();
  S.spans.forEach((sp,i)=>sp.forEach(([a,b])=>{ if(a>=b0 && b<=b1){ const k=a+"-"+b;
    if(!byspan.has(k)) byspan.set(k, [a,b,[]]); byspan.get(k)[2].push(i); } }));
  const marks = [...byspan.values()].sort((x,y)=>x[0]-y[0]||y[1]-x[1]);
  let pos = b0, last = null;
  for(const [a,b,rows] of marks){
    if(a < pos){  // a piece inside or across the one shown: that mark stands for its rows too
      if(last){ const all = last.dataset.rows.split(" ").concat(rows.map(String));
        last.dataset.rows = [...new Set(all)].join(" ");
        if(rows.includes(sel)) last.classList.add("sel"); }
      continue; }
    box.appendChild(document.createTextNode(S.text.slice(pos,a)));
    const i = rows.includes(sel) ? sel : rows[0];
    const m = el("mark", {"data-row": String(i), "data-rows": rows.join(" ")}, S.text.slice(a,b));
    const rv = S.rows[i].review; if(rv==="accepted"||rv==="rejected") m.classList.add(rv);
    if(rows.includes(sel)) m.classList.add("sel");
    m.addEventListener("click", ()=>{ const rs = m.dataset.rows.split(" ").map(Number);
      const k = rs.indexOf(sel); select(rs[(k + 1) % rs.length], true); });  // clicks cycle through its rows
    box.appendChild(m); pos = b; last = m;
  }
  for(const m of box.querySelectorAll("mark")){
    const n = m.dataset.rows.split(" ").length; m.title = n > 1 ? n + " candidates quote this" : "1 candidate"; }
  box.appendChild(document.createTextNode(S.text.slice(pos,b1)));
}
function factLine(r){
  if(r.relation==="entity") return `new entity: ${r.subject} (${r.subject_kind}${r.object? ", "+r.object:""})`;
  return `${r.subject} — ${r.relation} — ${r.object}`;}
function renderCards(){
  const box = document.getElementById("cards"); box.textContent = "";
  S.rows.forEach((r,i)=>{
    const c = el("div", {"class":"card", "id":"row-"+i, "data-row":String(i)});
    if(r.review==="accepted"||r.review==="rejected") c.classList.add(r.review);
    if(i===sel) c.classList.add("sel");
    c.appendChild(el("div", {"class":"fact"}, factLine(r)));
    const meta = [r.status, r.certainty, r.date && (r.date + (r.date_inferred_from? " (year from "+r.date_inferred_from+")":"")),
      r.level, r.role, r.planned==="true"&&"planned", r.ordinal&&("#"+r.ordinal), r.review||"no review"].filter(Boolean).join(" · ");
    c.appendChild(el("div", {"class":"meta"}, meta + "  [" + r.fact_id + "]"));
    if(r.quote) c.appendChild(el("div", {"class":"q"}, "“" + r.quote + "”"));
    if(r.quote && !S.spans[i].length) c.appendChild(el("div", {"class":"missing"}, "quote not found in the text"));
    if(r.note) c.appendChild(el("div", {"class":"meta"}, "note: " + r.note));
    const bar = el("div");
    for(const [label, cls, fn] of [["Accept","accept",()=>setReview(i,"accepted")],["Reject","reject",()=>setReview(i,"rejected")],
        ["Edit","edit",()=>{editing = editing===i? -1 : i; renderCards();}],["Show","show",()=>select(i,false)]]){
      const b = el("button", {"type":"button","class":cls}, label); b.addEventListener("click", fn); bar.appendChild(b);}
    c.appendChild(bar);
    if(editing===i){
      const f = el("div", {"class":"editor"});
      for(const k of FIELDS){ if(!S.columns.includes(k)) continue;
        f.appendChild(el("label", {"for":"f-"+i+"-"+k}, k));
        const inp = el("input", {"id":"f-"+i+"-"+k, "name":k}); inp.value = r[k]||"";
        inp.addEventListener("input", ()=>{ r[k] = inp.value; }); f.appendChild(inp); }
      const done = el("button", {"type":"button","class":"done"}, "Done (accept)");
      done.addEventListener("click", ()=>{ editing=-1; setReview(i,"accepted"); });
      f.appendChild(el("span")); f.appendChild(done); c.appendChild(f);
    }
    c.addEventListener("click", (ev)=>{ if(ev.target===c) select(i,false); });
    box.appendChild(c);
  });
}
function select(i, fromText){
  sel = i; renderArticle(); renderCards();
  const t = fromText ? document.getElementById("row-"+i) : document.querySelector(`mark[data-row="${i}"]`);
  if(t) t.scrollIntoView({block:"center"});}
function setReview(i, v){ S.rows[i].review = v; renderArticle(); renderCards(); status(`${S.rows[i].fact_id}: ${v} (not saved yet)`); }
let saves = 0;
async function save(){ const j = await api("/api/save", {rows:S.rows});
  status("saved " + j.saved + ": " + JSON.stringify(j.counts)); document.body.setAttribute("data-saved", String(++saves)); return j; }
async function add(){
  status("saving and running spacecoop add …");
  try{ const j = await api("/api/add", {rows:S.rows});
    status((j.ok? "added (exit 0)\n" : "spacecoop add failed (exit "+j.exit+")\n") + (j.stdout||"") + (j.stderr||""));
    document.body.setAttribute("data-add-exit", String(j.exit));
  }catch(e){ status("error: " + e.message); document.body.setAttribute("data-add-exit", "error"); }
}
async function search(){
  const q = document.getElementById("q").value; const box = document.getElementById("results"); box.textContent = "";
  const j = await api("/api/entities?q=" + encodeURIComponent(q));
  if(!j.results.length) box.appendChild(el("div", null, "nothing in the graph has that name; propose it below"));
  for(const r of j.results){
    const d = el("div", {"class":"result"}, `${r.label} — ${r.kind}${r.country? ", "+r.country:""} ${r.curie? "("+r.curie+")":""} · ${r.how}`);
    for(const side of ["subject","object"]){
      const b = el("button", {"type":"button","class":"use-"+side}, "use as " + side);
      b.addEventListener("click", ()=>{ if(editing<0){ status("open a row's editor first"); return; }
        S.rows[editing][side] = r.label; S.rows[editing][side+"_kind"] = r.kind; renderCards(); });
      d.appendChild(b); }
    box.appendChild(d); }
}
function newEntity(){
  const name = document.getElementById("ne-name").value.trim(); if(!name){ status("a new entity needs a name"); return; }
  const row = {}; for(const k of S.columns) row[k] = "";
  const base = S.rows.find(r=>r.source_url||r.source_publisher) || {};
  Object.assign(row, {fact_id: "entity-" + name.toLowerCase().replace(/[^a-z0-9]+/g,"-").replace(/^-|-$/g,""),
    subject: name, subject_kind: document.getElementById("ne-kind").value.trim(), relation: "entity",
    object: document.getElementById("ne-country").value.trim(), detail: document.getElementById("ne-alt").value.trim(),
    source_url: base.source_url||"", source_publisher: base.source_publisher||"", source_date: base.source_date||"",
    review: "accepted"});
  if(row.object) row.object_kind = "country";
  S.rows.push(row); S.spans.push([]); renderCards(); status("proposed " + name + " (not saved yet)");
}
async function load(){
  S = await api("/api/state");
  document.getElementById("file").textContent = S.sheet + "  ·  " + S.text_path;
  renderArticle(); renderCards(); document.body.setAttribute("data-ready", "1");
}
document.getElementById("save").addEventListener("click", ()=>save().catch(e=>status("error: "+e.message)));
document.getElementById("add").addEventListener("click", add);
document.getElementById("go").addEventListener("click", ()=>search().catch(e=>status("error: "+e.message)));
document.getElementById("q").addEventListener("keydown", (e)=>{ if(e.key==="Enter") search(); });
document.getElementById("ne-make").addEventListener("click", newEntity);
load().catch(e=>status("error: " + e.message));
</script></body></html>
"""
