"""The viz, export, stats --network and build verbs, run in-process through spacecoop.cli.app.main."""

from __future__ import annotations

import json
import re

import networkx as nx
import pytest

# These tests read their expected values off the Chang'e-8 article: they run on the project without
# the imported table (tests/_article_only.py); tests/test_table.py covers the views of the table.
from spacecoop.cli.app import main


@pytest.fixture(autouse=True)
def _article_project(article_root, monkeypatch):
    # The verbs find the project through $SPACECOOP_ROOT when no --root is given.
    monkeypatch.setenv("SPACECOOP_ROOT", str(article_root))


REMOTE = re.compile(r"\b(?:https?|wss?|ftp)://", re.IGNORECASE)


def test_viz_writes_an_offline_page(tmp_path, capsys):
    out = tmp_path / "c.html"
    assert main(["viz", "--view", "countries", "-o", str(out)]) == 0
    text = out.read_text(encoding="utf-8")
    assert REMOTE.findall(text) == []
    assert "Space cooperation: countries" in text
    assert re.search(r"wrote .*c\.html \(35 nodes, \d+ edges", capsys.readouterr().err)  # status: stderr


def test_viz_draws_a_page_once_per_compiled_store_and_code(tmp_path, capsys, monkeypatch):
    """A second viz of unchanged data reads the page kept beside the compiled store; a change
    of the code that draws it (its identity) or of the title draws it again, the same page."""
    from spacecoop.pages import graph_page

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))  # a compiled store of its own
    drawn = []
    page_html = graph_page.page_html
    monkeypatch.setattr(graph_page, "page_html", lambda G, **kw: drawn.append(1) or page_html(G, **kw))
    out = [tmp_path / f"{i}.html" for i in range(4)]
    assert main(["viz", "-o", str(out[0])]) == 0
    assert main(["viz", "-o", str(out[1])]) == 0
    assert len(drawn) == 1
    assert out[0].read_bytes() == out[1].read_bytes()
    monkeypatch.setattr(graph_page, "_page_code", lambda: "another version of the code")
    assert main(["viz", "-o", str(out[2])]) == 0
    assert len(drawn) == 2 and out[2].read_bytes() == out[0].read_bytes()
    assert main(["viz", "-o", str(out[3]), "--title", "Other"]) == 0
    assert len(drawn) == 3 and "<title>Other</title>" in out[3].read_text(encoding="utf-8")
    assert all(
        re.search(r"\(35 nodes, \d+ edges", line)
        for line in capsys.readouterr().err.splitlines()
        if "wrote" in line
    )


def test_viz_keeps_only_the_pages_last_used(tmp_path, capsys, monkeypatch):
    """Pages kept beside a compiled store are pruned to the KEPT_PAGES last drawn or read (each
    title draws another, 38 MB at 1M triples); a pruned page is drawn again, the same."""
    import os

    from spacecoop.pages import graph_page

    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.setattr(graph_page, "KEPT_PAGES", 2)

    def kept() -> set[str]:
        return {p.name for p in (tmp_path / "cache").rglob("derived/*-page-*.json")}

    def viz(title: str) -> bytes:
        out = tmp_path / "page.html"
        assert main(["viz", "-o", str(out), "--title", title]) == 0
        return out.read_bytes()

    first = viz("A")
    (page_a,) = kept()
    viz("B")
    assert len(kept()) == 2
    old = 1_000_000_000  # a long time ago: reading A again must make it the newest
    for p in (tmp_path / "cache").rglob("derived/*-page-*.json"):
        os.utime(p, (old, old))
    assert viz("A") == first
    viz("C")  # B, the least recently used, goes
    assert page_a in kept() and len(kept()) == 2
    assert not any(n.startswith(".") for n in os.listdir(next((tmp_path / "cache").rglob("derived"))))
    monkeypatch.setattr(graph_page, "KEPT_PAGES", 4)
    assert viz("A") == first  # still kept: read back
    capsys.readouterr()


def test_viz_actors_with_oxigraph(tmp_path, capsys):
    out = tmp_path / "a.html"
    assert main(["--store", "oxigraph", "viz", "--view", "actors", "-o", str(out), "--title", "A <b>"]) == 0
    assert "<title>A &lt;b&gt;</title>" in out.read_text(encoding="utf-8")


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json"])
def test_export_formats(tmp_path, fmt, capsys):
    out = tmp_path / f"g.{fmt}"
    assert main(["export", "--view", "countries", "--format", fmt, "-o", str(out)]) == 0
    if fmt == "graphml":
        G = nx.read_graphml(out)
    elif fmt == "gexf":
        G = nx.read_gexf(out)
    else:
        G = nx.node_link_graph(json.loads(out.read_text(encoding="utf-8")), edges="edges")
    assert G.has_edge("country:turkey", "country:china")
    captured = capsys.readouterr()
    assert "35 nodes" in captured.err and captured.out == ""  # status on stderr, stdout free for data


@pytest.mark.parametrize("fmt", ["graphml", "gexf", "json"])
def test_export_to_standard_output(tmp_path, fmt, capsys, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert main(["export", "--view", "countries", "--format", fmt, "-o", "-"]) == 0
    captured = capsys.readouterr()
    assert list(tmp_path.iterdir()) == []  # no file named "-"
    out = tmp_path / f"from-stdout.{fmt}"
    out.write_text(captured.out, encoding="utf-8")
    if fmt == "graphml":
        G = nx.read_graphml(out)
    elif fmt == "gexf":
        G = nx.read_gexf(out)
    else:
        G = nx.node_link_graph(json.loads(captured.out), edges="edges")
    assert G.has_edge("country:turkey", "country:china")
    assert "standard output" in captured.err


def test_export_csv_to_a_folder(tmp_path, capsys):
    assert main(["export", "--view", "actors", "--format", "csv", "-o", str(tmp_path / "csv")]) == 0
    assert sorted(p.name for p in (tmp_path / "csv").iterdir()) == ["edges.csv", "nodes.csv"]


def test_export_format_from_suffix(tmp_path, capsys):
    assert main(["export", "-o", str(tmp_path / "g.gexf")]) == 0
    assert (tmp_path / "g.gexf").is_file()


@pytest.mark.parametrize(
    "args, message",
    [
        (["export", "--format", "dot", "-o", "x"], "Invalid value for '--format'"),
        (["export", "-o", "x.txt"], "cannot tell the format"),
        (["viz", "--view", "planets"], "Invalid value for '--view'"),
        (["export", "--format", "graphml"], "Missing option '--out'"),
        (["export", "-o", "-"], "name its --format"),
        (["export", "--format", "csv", "-o", "-"], "name its --format"),
        (["--store", "nosuch", "viz"], "unknown store 'nosuch'"),
    ],
)
def test_bad_usage_exits_2_with_one_line(args, message, tmp_path, monkeypatch, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(args) == 2
    err = capsys.readouterr().err
    assert message in err
    assert "Traceback" not in err


def test_unwritable_output_exits_2(tmp_path, capsys):
    (tmp_path / "taken.html").mkdir()
    assert main(["viz", "-o", str(tmp_path / "taken.html")]) == 2
    assert "is a directory" in capsys.readouterr().err
    (tmp_path / "file").write_text("")
    assert main(["viz", "-o", str(tmp_path / "file" / "x.html")]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: cannot write") and "Traceback" not in err
    assert main(["export", "--format", "csv", "-o", str(tmp_path / "file")]) == 2
    assert "is a file" in capsys.readouterr().err


def test_stats_network(capsys):
    assert main(["stats", "--network"]) == 0
    out = capsys.readouterr().out
    assert "countries view: 35 nodes" in out
    for title in ("Centrality", "Communities", "Brokers", "Connected components"):
        assert title in out
    brokers = out[out.index("Brokers") : out.index("Connected components")]
    # national members of two blocs only: Iran and Peru take part in the ILRS only through APSCO
    assert "United States" in brokers
    assert "Iran" not in brokers and "Peru" not in brokers and "Thailand" not in brokers


def test_stats_network_actors(capsys):
    assert main(["--store", "oxigraph", "stats", "--network", "--view", "actors"]) == 0
    # 67 entities, less the two source publishers that nothing in the view links to
    assert "actors view: 65 nodes" in capsys.readouterr().out


def test_stats_without_network_is_unchanged(capsys):
    assert main(["stats"]) == 0
    out = capsys.readouterr().out
    assert "Relationships by kind" in out and "Brokers" not in out


def test_build_writes_the_pages(tmp_path, capsys):
    assert main(["build", "-o", str(tmp_path)]) == 0
    for name in ("countries.html", "actors.html"):
        text = (tmp_path / name).read_text(encoding="utf-8")
        assert REMOTE.findall(text) == [] and "spacecoop-data" in text
    assert "countries.html" in capsys.readouterr().err  # the "wrote …" status line
