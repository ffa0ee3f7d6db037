"""The package as an analyst installs it: the sdist is built from the checkout, the wheel from the
sdist (so both must carry ontology/, graph/ and queries/), and the wheel is installed into a fresh
venv. From an empty folder, and from a workspace made by ``spacecoop init`` with one source of its
own, the installed ``spacecoop`` runs build, query, serve (one HTTP query) and export; the own
source's fact is answerable, the shipped files are untouched, and a reinstall (an upgrade) keeps
the workspace.

Offline: hatchling (a test extra) builds without build isolation, and the fresh venv gets only
the wheel (``--no-deps --no-index``); its dependencies are read from this test run's own
site-packages through a path line in a ``.pth`` file. That folder's ``.pth`` files are not run, so
an editable install of the checkout there is not seen: the venv imports spacecoop from the wheel
alone, which the first test checks.
"""

from __future__ import annotations

import hashlib
import os
import selectors
import signal
import subprocess
import sys
import sysconfig
import tarfile
import urllib.parse
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import pytest
from _servers import interruptible

pytestmark = [pytest.mark.slow, pytest.mark.server]

ROOT = Path(__file__).resolve().parents[1]
FIXTURE = Path(__file__).parent / "data" / "workspace"
ID = "https://w3id.org/spacecoop/id/"
OWN_QUOTE = "Mongolia has joined the International Lunar Research Station as an observer"


@dataclass(frozen=True)
class Installed:
    venv: Path
    wheel: Path
    package: Path
    """spacecoop/ inside the venv's site-packages."""

    @property
    def bin(self) -> Path:
        return self.venv / "bin"

    def env(self) -> dict[str, str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("SPACECOOP_")}
        env["PATH"] = f"{self.bin}{os.pathsep}{env.get('PATH', '')}"
        env["PYTHONDONTWRITEBYTECODE"] = "1"
        env.pop("PYTHONPATH", None)
        return env

    def run(self, *args: str, cwd: Path, ok: bool = True, timeout: int = 600) -> subprocess.CompletedProcess:
        proc = subprocess.run(
            [str(self.bin / "spacecoop"), *args],
            check=False,
            cwd=cwd,
            env=self.env(),
            capture_output=True,
            text=True,
            timeout=timeout,
        )
        if ok:
            assert proc.returncode == 0, f"spacecoop {' '.join(args)}: {proc.returncode}\n{proc.stderr}"
        return proc


def _run(cmd: list[str], cwd: Path | None = None) -> None:
    proc = subprocess.run(cmd, check=False, cwd=cwd, capture_output=True, text=True, timeout=600)
    assert proc.returncode == 0, f"{cmd}: {proc.stdout}\n{proc.stderr}"


def digest(folder: Path) -> dict[str, str]:
    return {
        str(p.relative_to(folder)): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in sorted(folder.rglob("*"))
        if p.is_file() and "__pycache__" not in p.parts
    }


@pytest.fixture(scope="module")
def installed(tmp_path_factory) -> Installed:
    tmp = tmp_path_factory.mktemp("wheel")
    _run([sys.executable, "-m", "hatchling", "build", "-t", "sdist", "-d", str(tmp / "sdist")], cwd=ROOT)
    (sdist,) = (tmp / "sdist").glob("spacecoop-*.tar.gz")
    with tarfile.open(sdist) as tar:
        tar.extractall(tmp / "unpacked", filter="data")
    (src,) = (tmp / "unpacked").iterdir()
    _run([sys.executable, "-m", "hatchling", "build", "-t", "wheel", "-d", str(tmp / "wheel")], cwd=src)
    (wheel,) = (tmp / "wheel").glob("spacecoop-*.whl")
    venv = tmp / "venv"
    _run([sys.executable, "-m", "venv", "--without-pip", str(venv)])
    py = venv / "bin" / "python"
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(py),
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            str(wheel),
        ]
    )
    purelib = Path(
        subprocess.run(
            [str(py), "-c", "import sysconfig; print(sysconfig.get_paths()['purelib'])"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout.strip()
    )
    deps = {sysconfig.get_paths()["purelib"], sysconfig.get_paths()["platlib"]}
    (purelib / "zz_spacecoop_test_deps.pth").write_text("".join(f"{d}\n" for d in sorted(deps)))
    return Installed(venv, wheel, purelib / "spacecoop")


def test_the_venv_runs_the_wheel_alone(installed, tmp_path):
    probe = (
        "import importlib, spacecoop; m = importlib.import_module('spacecoop.core.layout'); "
        "print(spacecoop.__file__); print(m.shipped_root())"
    )
    out = subprocess.run(
        [str(installed.bin / "python"), "-c", probe],
        cwd=tmp_path,
        env=installed.env(),
        capture_output=True,
        text=True,
        check=True,
    ).stdout.split("\n")
    assert Path(out[0]).parent == installed.package
    assert Path(out[1]) == installed.package / "data"
    shipped = installed.package / "data"
    for name in (
        "ontology/spacecoop.ttl",
        "ontology/shapes.ttl",
        "queries/bloc-overlap.rq",
        "LICENSE-data.txt",
    ):
        assert (shipped / name).is_file(), name
    assert any((shipped / "graph" / "sources").glob("*.trig"))
    assert (installed.package / "py.typed").is_file()
    assert (installed.package / "static" / "yasgui" / "yasgui.min.js").is_file()
    for name in ("page.css", "page.js", "page.html"):  # the graph page's own files
        assert (installed.package / "static" / "graph" / name).is_file(), name
    licences = {p.name for p in installed.venv.rglob("spacecoop-*.dist-info/licenses/*")}
    assert licences == {"LICENSE", "LICENSE-data.txt"}


def serve_one_query(installed: Installed, cwd: Path, query: str, *root: str) -> str:
    """Start ``spacecoop serve``, ask one SPARQL query (CSV), stop it; return the answer."""
    proc = subprocess.Popen(
        [str(installed.bin / "spacecoop"), *root, "serve", "--port", "0"],
        cwd=cwd,
        env=installed.env(),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=interruptible,  # stopped with SIGINT below
    )
    try:
        sel = selectors.DefaultSelector()
        sel.register(proc.stdout, selectors.EVENT_READ)
        line = proc.stdout.readline() if sel.select(timeout=120) else ""
        assert line.startswith("listening on http://127.0.0.1:"), line + (
            proc.stderr.read() if proc.poll() else ""
        )
        url = line.split()[-1] + "sparql"
        req = urllib.request.Request(
            url,
            data=urllib.parse.urlencode({"query": query}).encode(),
            headers={"Accept": "text/csv"},
        )
        with urllib.request.urlopen(req, timeout=60) as resp:
            return resp.read().decode("utf-8")
    finally:
        proc.send_signal(signal.SIGINT)
        try:
            proc.wait(20)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(5)


def check_build(dist: Path) -> int:
    """The dataset, the data licence and a VoID/DCAT description whose files are all there;
    return the description's triple count."""
    from rdflib import Graph, URIRef
    from rdflib.namespace import DCAT, DCTERMS, VOID

    assert "CC BY 4.0" in (dist / "LICENSE-data.txt").read_text()
    base = dist.resolve().as_uri() + "/"
    g = Graph().parse(dist / "void.ttl", format="turtle", publicID=base)
    d = URIRef(base + "#dataset")
    assert g.value(d, DCTERMS.license) == URIRef("https://creativecommons.org/licenses/by/4.0/")
    names = set()
    for dist_node in g.objects(d, DCAT.distribution):
        url = str(g.value(dist_node, DCAT.downloadURL))
        path = Path(urllib.parse.unquote(urllib.parse.urlsplit(url).path))
        assert path.is_file(), url
        assert g.value(dist_node, DCAT.byteSize).toPython() == path.stat().st_size
        names.add(path.name)
    written = {p.name for p in dist.iterdir()} - {"void.ttl", "LICENSE-data.txt"}
    assert names == written and "spacecoop.nq" in names
    return int(g.value(d, VOID.triples))


def test_from_an_empty_folder(installed, tmp_path):
    import networkx as nx

    shipped = digest(installed.package)
    empty = tmp_path / "empty"
    empty.mkdir()

    installed.run("build", cwd=empty)
    check_build(empty / "dist")

    out = installed.run("query", "bloc-overlap", "--format", "csv", cwd=empty).stdout
    assert any(
        line.startswith(f"{ID}country/china,China,") and "international-lunar-research-station" in line
        for line in out.splitlines()
    )

    answer = serve_one_query(
        installed,
        empty,
        (
            f"SELECT ?label WHERE {{ <{ID}country/china> "
            "<http://www.w3.org/2004/02/skos/core#prefLabel> ?label }"
        ),
    )
    assert answer.split() == ["label", "China"]

    installed.run(
        "export", "--view", "countries", "--format", "graphml", "-o", "countries.graphml", cwd=empty
    )
    G = nx.read_graphml(empty / "countries.graphml")
    assert "country:china" in G
    ilrs = "initiative:international-lunar-research-station"
    assert not G.has_edge("country:mongolia", ilrs) and not G.has_edge(ilrs, "country:mongolia")

    # nowhere to write: add refuses and says how to make a workspace
    sheet = Path(__file__).parent / "data" / "sheets" / "spacenews-2023-09-south-africa-ilrs.csv"
    refused = installed.run("add", str(sheet), cwd=empty, ok=False)
    assert refused.returncode == 2 and "spacecoop init DIR" in refused.stderr

    assert sorted(p.name for p in empty.iterdir()) == [".dist.spacecoop", "countries.graphml", "dist"]
    assert digest(installed.package) == shipped


def test_from_a_workspace(installed, tmp_path):
    import networkx as nx

    shipped = digest(installed.package)
    outside = tmp_path / "elsewhere"
    outside.mkdir()
    installed.run("init", "ws", cwd=tmp_path)
    ws = tmp_path / "ws"
    (ws / "graph" / "sources" / "analyst-note-mongolia-ilrs.trig").write_bytes(
        (FIXTURE / "analyst-note-mongolia-ilrs.trig").read_bytes()
    )
    (ws / "texts" / "workspace-fixture-note.txt").write_bytes(
        (FIXTURE / "workspace-fixture-note.txt").read_bytes()
    )

    # the own source validates with the shipped data (its quote checked against texts/)
    check = installed.run("validate", "--verbose", cwd=ws)
    assert "workspace-fixture-note" not in check.stdout + check.stderr

    installed.run("build", cwd=ws)  # into the workspace's dist/
    check_build(ws / "dist")
    assert "workspace-fixture-note" in (ws / "dist" / "spacecoop.nq").read_text()

    # from elsewhere, through --root: the own claim is answerable beside the shipped ones
    out = installed.run(
        "--root",
        str(ws),
        "query",
        "initiative-participants",
        "--param",
        "initiative=ILRS",
        "--format",
        "csv",
        cwd=outside,
    ).stdout
    rows = [line for line in out.splitlines() if line.startswith(f"{ID}country/mongolia,")]
    assert any("status/observer" in r and "source/workspace-fixture-note" in r for r in rows)
    assert any("source/workspace-fixture-note" not in r for r in out.splitlines()[1:])  # shipped rows too

    claim = f"{ID}claim/workspace-fixture-note/mongolia-observer"
    answer = serve_one_query(
        installed, ws, f"SELECT ?quote WHERE {{ <{claim}> <https://w3id.org/spacecoop/ns#quote> ?quote }}"
    )
    assert OWN_QUOTE in answer

    installed.run(
        "export", "--view", "countries", "--format", "graphml", "-o", str(outside / "c.graphml"), cwd=ws
    )
    G = nx.read_graphml(outside / "c.graphml")
    assert G.has_edge("country:mongolia", "initiative:international-lunar-research-station") or G.has_edge(
        "initiative:international-lunar-research-station", "country:mongolia"
    )

    # nothing was written into the installed package, nor beside it
    assert digest(installed.package) == shipped
    assert sorted(p.name for p in outside.iterdir()) == ["c.graphml"]

    # an upgrade (here: a reinstall of the wheel) keeps the workspace
    mine = digest(ws / "graph") | digest(ws / "texts")
    _run(
        [
            sys.executable,
            "-m",
            "pip",
            "--python",
            str(installed.bin / "python"),
            "install",
            "-q",
            "--no-deps",
            "--no-index",
            "--force-reinstall",
            str(installed.wheel),
        ]
    )
    assert digest(ws / "graph") | digest(ws / "texts") == mine
    out = installed.run("query", "evidence", "--param", "entity=Mongolia", "--format", "csv", cwd=ws).stdout
    assert OWN_QUOTE in out
