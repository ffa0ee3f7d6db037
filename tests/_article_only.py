"""Copies of the project for tests whose answers must not move when sources are added.

The article-only project is the project as it was before the table import: the Chang'e-8 article and
its curated entities (the fixtures ``article_root``/``article_ds`` in conftest.py hold it).

Tests whose expected values were read off the article alone (the networkx views, their pages and
exports) run on this copy, so that importing a table of facts does not change their answers.
tests/test_table.py checks what the views make of the imported table.
"""

from __future__ import annotations

import shutil
from pathlib import Path

# Files the table import added (generated) or needed (curated for it).
TABLE_FILES = ("table-entities.ttl", "institutions.ttl")
# The one source the article-only project keeps. Every other source file, imported from the table
# or added later with `spacecoop add`, is left out: a source added to the live graph (which may
# name entities curated for the table) must change no answer pinned on the article.
ARTICLE_SOURCES = ("spacenews-2025-04-25-change-8-payloads.trig",)


def copy_article_project(root: Path, target: Path) -> Path:
    """Copy ontology/, queries/ and graph/ of ``root`` to ``target``, keeping the article's source only."""
    shutil.copytree(root / "ontology", target / "ontology")
    shutil.copytree(root / "queries", target / "queries")
    shutil.copytree(
        root / "graph",
        target / "graph",
        ignore=lambda d, names: [
            n for n in names if n in TABLE_FILES or (n.endswith(".trig") and n not in ARTICLE_SOURCES)
        ],
    )
    return target


def copy_table_project(root: Path, target: Path) -> Path:
    """Copy the article and the imported table (its sources and entities), and no other source:
    the project whose numbers tests/test_table.py pins, whatever sources are added later."""
    shutil.copytree(root / "ontology", target / "ontology")
    shutil.copytree(root / "queries", target / "queries")
    shutil.copytree(
        root / "graph",
        target / "graph",
        ignore=lambda d, names: [
            n
            for n in names
            if n.endswith(".trig") and n not in ARTICLE_SOURCES and not n.startswith("table-")
        ],
    )
    return target


def pad_project(project: Path, size: int) -> None:
    """Add sources of filler triples (a node of their own, in graphs of their own, breaking no
    rule) until the project's input files reach ``size`` bytes: a "large" project for the
    commands that behave differently from a size on (the compiled store built by a process of
    its own, the check queries answered ahead)."""
    from spacecoop.store.compiled import input_files

    line = '    ex:filler ex:n{i} "a statement that only takes room in this test, number {i}" .\n'
    k = 0
    while sum(p.stat().st_size for p in input_files(project)) < size:
        body = "".join(line.format(i=k * 4000 + i) for i in range(4000))
        text = f"@prefix ex: <https://example.org/filler/> .\nex:filler-graph-{k} {{\n{body}}}\n"
        (project / "graph" / "sources" / f"zz-filler-{k}.trig").write_text(text, encoding="utf-8")
        k += 1
