"""igraph, for its C code alone: the force-directed layout of the graph page
(:mod:`spacecoop.pages.graph_page`) and the exact measures of :mod:`spacecoop.views.analytics`.

igraph imports two large modules it needs only for features of its own that spacecoop does not
use: ``matplotlib.pyplot`` on ``import igraph`` (its plotting) and ``numpy`` in
``Graph.__init__`` (to ask whether the edges are an array). Both are skipped here.
"""

from __future__ import annotations


def import_igraph():
    """Import igraph without the matplotlib it imports for its own plotting.

    ``import igraph`` imports ``matplotlib.pyplot`` when matplotlib is installed (half a second
    of CPU, the larger part of drawing a small graph's page or measuring its view); the layout
    and the measures need only igraph's C core. While igraph is imported for the first time,
    ``matplotlib`` is marked absent in ``sys.modules`` (igraph then falls back to its stand-in)
    and unmarked right after, so a later ``import matplotlib`` works as usual; only igraph's own
    matplotlib plotting is off in this process. When matplotlib is already imported nothing is
    changed.
    """
    import sys

    if "igraph" in sys.modules or "matplotlib" in sys.modules:
        import igraph

        return igraph
    sys.modules["matplotlib"] = None  # type: ignore[assignment]  # makes `import matplotlib` fail
    try:
        import igraph
    finally:
        if sys.modules.get("matplotlib", 0) is None:
            del sys.modules["matplotlib"]
    return igraph


def graph(ig, n: int, edges: list[tuple[int, int]]):
    """``igraph.Graph(n=n, edges=edges)``, without the numpy it imports to ask whether ``edges``
    is an array.

    ``Graph.__init__`` imports numpy when numpy is installed (a tenth of a second of CPU, as
    much as laying out a graph of a hundred nodes and eight thousand edges); ``edges`` here is a
    list. While the graph is made, ``numpy`` is marked absent in ``sys.modules`` (igraph then
    skips the test) and unmarked right after; when numpy is already imported nothing is changed.
    """
    import sys

    if "numpy" in sys.modules:
        return ig.Graph(n=n, edges=edges)
    sys.modules["numpy"] = None  # type: ignore[assignment]  # makes `import numpy` fail
    try:
        return ig.Graph(n=n, edges=edges)
    finally:
        if sys.modules.get("numpy", 0) is None:
            del sys.modules["numpy"]
