#!/usr/bin/env python3
"""Regenerate docs/graph.png: the country page of the current graph, as Chromium draws it.

.venv/bin/python scripts/screenshot-graph.py [OUT.png]
"""

from __future__ import annotations

import sys
import tempfile
from pathlib import Path


def main() -> int:
    from playwright.sync_api import sync_playwright

    from spacecoop.core.layout import find_root
    from spacecoop.core.load import load_dataset
    from spacecoop.pages.chromium import launch_chromium
    from spacecoop.pages.graph_page import write_html
    from spacecoop.views.projection import to_networkx

    root = find_root(Path(__file__).resolve().parent)
    out = Path(sys.argv[1]) if len(sys.argv) > 1 else root / "docs" / "graph.png"
    G = to_networkx(load_dataset(root), "countries")
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        page_path = write_html(
            G, Path(tmp) / "countries.html", title="Space cooperation: countries, regions and blocs"
        )
        browser = launch_chromium(pw)
        page = browser.new_page(viewport={"width": 1400, "height": 860})
        page.goto(page_path.as_uri())
        page.wait_for_function("document.body.dataset.ready === '1'", timeout=30_000)
        # show the evidence of one contested link, as an analyst would by clicking it
        page.evaluate("""() => {
            const id = spacecoop.data.edges.find(x => [x.from, x.to].includes('country:bahrain') &&
                [x.from, x.to].includes('initiative:international-lunar-research-station')).id;
            spacecoop.showEdge(id);
        }""")
        out.parent.mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(out))
        browser.close()
    print(f"wrote {out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
