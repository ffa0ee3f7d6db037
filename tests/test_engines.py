"""The named queries on SPARQL engines other than rdflib and Oxigraph, through `sparql:` stores.

Virtuoso 7 (Debian's virtuoso-opensource) is started on free loopback ports with a database and a
virtuoso.ini of its own in a temporary folder, filled by `spacecoop load` over its Graph Store
endpoint, and queried. Comunica (npm, tests/engines) serves, read-only, the file that
`sparql_layout_nquads` writes: what a loaded `sparql:` store holds. Every named query, with its
parameters unbound, must answer with the same rows as the embedded engines (rdflib, Oxigraph).
scripts/test installs both (apt-get for Virtuoso, `npm ci` in tests/engines for Comunica).
"""

from __future__ import annotations

import contextlib
import os
import shutil
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from pathlib import Path

import pytest
from rdflib import XSD, Literal, URIRef

from spacecoop import open_store
from spacecoop.cli.app import main
from spacecoop.core.errors import SpacecoopError
from spacecoop.sparql.query import list_queries, run_query
from spacecoop.store import sparql_layout_nquads

pytestmark = [pytest.mark.tools, pytest.mark.server, pytest.mark.slow]

ROOT = Path(__file__).resolve().parents[1]
ENGINES = Path(__file__).resolve().parent / "engines"
ID = "https://w3id.org/spacecoop/id/"
MAX_ROWS = 2000  # Virtuoso's ResultSetMaxRows here: above every named query's answer, below the data
NAMES = [q.name for q in list_queries(ROOT)]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_until_answering(url: str, proc: subprocess.Popen, what: str, seconds: float) -> None:
    query = urllib.parse.urlencode({"query": "ASK {}"})
    deadline = time.monotonic() + seconds
    while True:
        try:
            req = urllib.request.Request(
                f"{url}?{query}", headers={"Accept": "application/sparql-results+json"}
            )
            with urllib.request.urlopen(req, timeout=5) as resp:
                if resp.status == 200:
                    return
        except OSError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"{what} exited with {proc.returncode}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"{what} did not answer within {seconds:g} s")
        time.sleep(0.2)


@contextlib.contextmanager
def running(cmd: list[str], url: str, what: str, seconds: float, **kwargs):
    """Run a server process until the block ends; yield once it answers SPARQL at ``url``."""
    log = kwargs.pop("log")
    with open(log, "wb") as out:
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, start_new_session=True, **kwargs)
    try:
        try:
            wait_until_answering(url, proc, what, seconds)
        except RuntimeError as exc:
            raise RuntimeError(f"{exc}: {Path(log).read_text(errors='replace')[-2000:]}") from None
        yield proc
    finally:
        with contextlib.suppress(ProcessLookupError):
            os.killpg(proc.pid, 15)  # its own session: the server and any workers it forked
        try:
            proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(proc.pid, 9)
            proc.wait()


# ------------------------------------------------------------------------------------- Virtuoso

VIRTUOSO_INI = """\
[Database]
DatabaseFile = {d}/virtuoso.db
ErrorLogFile = {d}/virtuoso.log
LockFile = {d}/virtuoso.lck
TransactionFile = {d}/virtuoso.trx
xa_persistent_file = {d}/virtuoso.pxa
[TempDatabase]
DatabaseFile = {d}/virtuoso-temp.db
TransactionFile = {d}/virtuoso-temp.trx
[Parameters]
ServerPort = 127.0.0.1:{sql}
DisableUnixSocket = 1
CaseMode = 2
DirsAllowed = .
NumberOfBuffers = 10000
MaxDirtyBuffers = 6000
ThreadsPerQuery = 2
[HTTPServer]
ServerPort = 127.0.0.1:{http}
ServerRoot = {d}
ServerThreads = 4
MaxKeepAlives = 4
[SPARQL]
ResultSetMaxRows = {max_rows}
MaxQueryExecutionTime = 120
"""


@pytest.fixture(scope="module")
def virtuoso(tmp_path_factory):
    """Virtuoso on loopback ports, loaded by `spacecoop load`; yield its store spec."""
    for tool in ("virtuoso-t", "isql-vt"):
        if shutil.which(tool) is None:
            pytest.fail(f"{tool} is missing: scripts/test installs Debian's virtuoso-opensource")
    d = tmp_path_factory.mktemp("virtuoso")
    sql, http = free_port(), free_port()
    (d / "virtuoso.ini").write_text(VIRTUOSO_INI.format(d=d, sql=sql, http=http, max_rows=MAX_ROWS))
    base = f"http://127.0.0.1:{http}"
    cmd = ["virtuoso-t", "-f", "+configfile", str(d / "virtuoso.ini")]
    with running(cmd, base + "/sparql", "virtuoso-t", 120, cwd=d, log=d / "stdout.log"):
        # The anonymous Graph Store endpoint (/sparql-graph-crud) writes as the SPARQL user.
        subprocess.run(
            ["isql-vt", f"127.0.0.1:{sql}", "dba", "dba", 'exec=GRANT SPARQL_UPDATE TO "SPARQL";'],
            check=True,
            capture_output=True,
            timeout=60,
        )
        spec = f"sparql:{base}/sparql,gsp={base}/sparql-graph-crud,timeout=300"
        assert main(["--root", str(ROOT), "--store", spec, "load"]) == 0
        yield spec


# ------------------------------------------------------------------------------------- Comunica


@pytest.fixture(scope="module")
def comunica(tmp_path_factory, full_ds):
    """Comunica's endpoint serving the sparql: layout of the dataset, read-only; yield its spec."""
    if shutil.which("node") is None:
        pytest.fail("node is missing: scripts/test needs Debian's nodejs and npm")
    if not (ENGINES / "node_modules" / "@comunica" / "query-sparql-file").is_dir():
        pytest.fail("Comunica is not installed: run `npm ci` in tests/engines (scripts/test does)")
    d = tmp_path_factory.mktemp("comunica")
    data = d / "store.nq"
    with open(data, "w", encoding="utf-8") as out:
        out.writelines(sparql_layout_nquads(full_ds))
    port = free_port()
    url = f"http://127.0.0.1:{port}/sparql"
    cmd = ["node", str(ENGINES / "comunica-loopback.js"), str(data), "-p", str(port), "-t", "300"]
    with running(cmd, url, "comunica-sparql-file-http", 180, cwd=d, log=d / "server.log"):
        yield f"sparql:{url},timeout=300"


@pytest.fixture(scope="module")
def embedded(full_ds):
    return {"memory": open_store("memory", full_ds), "oxigraph": open_store("oxigraph", full_ds)}


@pytest.fixture(scope="module")
def answers(embedded):
    """The embedded engines' answers, computed once per query; they must agree."""
    cache: dict = {}

    def answer(name, params=()):
        key = (name, params)
        if key not in cache:
            a = run_query(embedded["memory"], name, dict(params))
            b = run_query(embedded["oxigraph"], name, dict(params))
            assert a.vars == b.vars and a.rows == b.rows, f"{name}: rdflib and Oxigraph disagree"
            cache[key] = a
        return cache[key]

    return answer


# --------------------------------------------------------------------------------------- tests


@pytest.mark.parametrize("name", NAMES)
def test_virtuoso_answers_every_named_query_as_the_embedded_engines(name, virtuoso, answers):
    expected = answers(name)
    got = run_query(open_store(virtuoso), name)
    assert got.vars == expected.vars
    assert same_rows(got.rows, expected.rows)
    assert len(got) > 0


def same_rows(got, expected) -> bool:
    """The same rows, as many times each. The order is not compared on Virtuoso: on a freshly
    created database Virtuoso 7.2 sometimes returned bloc-overlap's rows in another order than
    its ORDER BY (3 runs of 6, never on a database that had answered before), which is its bug,
    not a difference of meaning."""
    return sorted(got, key=repr) == sorted(expected, key=repr)


# Comunica 5.3 joins each OPTIONAL subquery once per solution: these two ran over 10 minutes
# (agreements unbound, evidence even with ?entity bound) on 2 cores, where the others take
# seconds. Left out here, not hidden: Virtuoso runs them above.
COMUNICA_TOO_SLOW = {"agreements", "evidence"}


@pytest.mark.parametrize(
    "name",
    [
        pytest.param(name, marks=pytest.mark.skip(reason="over 10 minutes on Comunica 5.3"))
        if name in COMUNICA_TOO_SLOW
        else name
        for name in NAMES
    ],
)
def test_comunica_answers_every_named_query_as_the_embedded_engines(name, comunica, answers):
    expected = answers(name)
    got = run_query(open_store(comunica), name)
    assert got.vars == expected.vars
    assert got.rows == expected.rows


PARAMS = [
    ("bloc-overlap", (("asOf", Literal("2023-01-01", datatype=XSD.date)),)),
    ("bloc-timeline", (("asOf", Literal("2023-01-01", datatype=XSD.date)),)),
    ("payload-countries-by-bloc", (("mission", URIRef(ID + "mission/change-7")),)),
    ("payload-partners", (("mission", URIRef(ID + "mission/change-8")),)),
    (
        "initiative-participants",
        (("initiative", URIRef(ID + "initiative/international-lunar-research-station")),),
    ),
    ("evidence", (("entity", URIRef(ID + "country/bahrain")),)),
]


@pytest.mark.parametrize("name,params", PARAMS, ids=[name for name, _ in PARAMS])
def test_virtuoso_binds_parameters_as_the_embedded_engines(name, params, virtuoso, answers):
    expected = answers(name, params)
    got = run_query(open_store(virtuoso), name, dict(params))
    assert same_rows(got.rows, expected.rows)
    assert len(got) > 0


def test_virtuoso_disputed_membership_reads_as_on_the_embedded_engines(virtuoso):
    """Bahrain's ILRS tie: disputed, with no joining date (the 0/0 and xsd:boolean cases)."""
    rows = run_query(open_store(virtuoso), "bloc-overlap").dicts()
    bahrain = [r for r in rows if r["country"] == URIRef(ID + "country/bahrain")]
    ilrs = [r for r in bahrain if r["bloc"] == URIRef(ID + "initiative/international-lunar-research-station")]
    assert len(ilrs) == 1
    assert "joined" not in ilrs[0]
    assert ilrs[0]["disputed"] == Literal(True) and ilrs[0]["undated"] == Literal(True)


def test_virtuoso_load_keeps_off_the_read_only_default_graph(virtuoso):
    """Virtuoso refuses Graph Store writes to its default graph; load never makes one."""
    store = open_store(virtuoso)
    manifest = store.read_manifest()
    assert manifest is not None and manifest.complete
    assert len(manifest.graphs) > 1
    gsp = virtuoso.split(",gsp=")[1].split(",")[0]
    req = urllib.request.Request(
        gsp + "?default",
        data=b"<http://example.org/s> <http://example.org/p> <http://example.org/o> .\n",
        method="PUT",
        headers={"Content-Type": "application/n-triples"},
    )
    with pytest.raises(urllib.error.HTTPError):
        urllib.request.urlopen(req, timeout=30)
    # A second load replaces the first (the manifest stays one, complete).
    assert main(["--root", str(ROOT), "--store", virtuoso, "load"]) == 0
    again = open_store(virtuoso).read_manifest()
    assert again is not None and again.complete and again.graphs == manifest.graphs


def test_virtuoso_cut_answer_is_refused_not_used_short(virtuoso):
    """Past ResultSetMaxRows Virtuoso cuts the answer and says so only in X-SPARQL-MaxRows."""
    store = open_store(virtuoso)
    with pytest.raises(SpacecoopError, match="X-SPARQL-MaxRows"):
        store.query("SELECT ?s ?p ?o WHERE { ?s ?p ?o }")
    # An answer below the cap is used as it is.
    n = store.query("SELECT (COUNT(*) AS ?n) WHERE { ?s ?p ?o }").rows[0][0]
    assert int(n) > MAX_ROWS


@pytest.mark.parametrize("engine", ["virtuoso", "comunica"])
def test_cli_query_on_the_engine_prints_what_the_embedded_store_prints(engine, request, capsys):
    spec = request.getfixturevalue(engine)
    capsys.readouterr()  # what the fixture printed while loading
    argv = ["query", "payload-partners", "--param", "mission=Chang'e-8", "--format", "csv"]
    assert main(["--root", str(ROOT), *argv]) == 0
    expected = capsys.readouterr().out
    assert main(["--root", str(ROOT), "--store", spec, *argv]) == 0
    got = capsys.readouterr().out
    assert got == expected
    assert "Thailand" in got
