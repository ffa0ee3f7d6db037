"""The shape ARCHITECTURE.md promises: no import cycle between modules, and nothing below the
command line and the endpoint imports them. Read from the source with ast, so a new module is
checked the day it is added."""

from __future__ import annotations

import ast
from pathlib import Path

import networkx as nx

SRC = Path(__file__).resolve().parents[1] / "src" / "spacecoop"


def _modules() -> dict[str, Path]:
    out = {}
    for p in SRC.rglob("*.py"):
        parts = ("spacecoop", *p.relative_to(SRC).with_suffix("").parts)
        out[".".join(parts[:-1]) if parts[-1] == "__init__" else ".".join(parts)] = p
    return out


def _imports() -> nx.DiGraph:
    """Module -> module it imports from, at run time (imports under TYPE_CHECKING left out)."""
    mods = _modules()
    G = nx.DiGraph()
    G.add_nodes_from(mods)
    for mod, path in mods.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            if isinstance(node, ast.If) and "TYPE_CHECKING" in ast.unparse(node.test):
                node.body = []
        for node in ast.walk(tree):
            if isinstance(node, ast.ImportFrom) and node.module in mods and node.module != mod:
                G.add_edge(mod, node.module)
            elif isinstance(node, ast.Import):
                for alias in node.names:
                    if alias.name in mods and alias.name != mod:
                        G.add_edge(mod, alias.name)
    return G


def test_no_import_cycle_between_modules():
    G = _imports()
    assert G.number_of_edges() > 50  # the walk found the package's imports
    assert list(nx.simple_cycles(G)) == []


def test_nothing_below_imports_the_command_line_or_the_endpoint():
    G = _imports()
    top = ("spacecoop.cli", "spacecoop.endpoint", "spacecoop.__main__")
    for mod, target in G.edges:
        if target.startswith(top) and not mod.startswith(top):
            raise AssertionError(f"{mod} imports {target}")


def test_the_endpoint_reaches_an_engine_only_through_the_store_seam():
    # Workers open, copy and view their store with Store methods (open_store, load_nquads,
    # dump_nquads, graph_names, dataset_view), never with pyoxigraph itself.
    seen = 0
    for path in sorted((SRC / "endpoint").glob("*.py")):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom):
                names = [node.module or ""]
            else:
                continue
            seen += 1
            assert not any(n.split(".")[0] == "pyoxigraph" for n in names), f"{path.name} imports {names}"
    assert seen > 20  # the walk found the endpoint's imports
