"""Partner analytics: centrality, communities, brokers, components; none of them changes G."""

from __future__ import annotations

import copy
from pathlib import Path

import networkx as nx
import pytest

# These tests read their expected values off the Chang'e-8 article: they run on the project without
# the imported table (tests/_article_only.py); tests/test_table.py covers the views of the table.
from rdflib import Dataset

from spacecoop.core.errors import UsageError
from spacecoop.views.analytics import (
    betweenness_of,
    brokers,
    centrality,
    communities,
    components,
    modularity,
    print_network_report,
    simple_graph,
)
from spacecoop.views.projection import to_networkx

BLOCS = Path(__file__).parent / "data" / "views" / "blocs.trig"


@pytest.fixture(scope="module")
def synthetic():
    d = Dataset(default_union=True)
    d.parse(BLOCS, format="trig")
    return to_networkx(d, "countries")


def test_centrality_on_a_star():
    G = nx.star_graph(4)
    top = centrality(G)
    assert top[0].node == 0 and top[0].degree == 4 and top[0].betweenness == pytest.approx(1.0)
    assert top[0].degree_centrality == pytest.approx(1.0)
    assert {c.betweenness for c in top[1:]} == {0.0}


@pytest.mark.parametrize("view", ["countries", "actors", "full"])
def test_betweenness_is_networkx_exact_betweenness(view, article_ds):
    """igraph counts the paths; the values are networkx's exact ones, normalised the same way."""
    G = to_networkx(article_ds, view)
    expected = nx.betweenness_centrality(simple_graph(G))
    got = betweenness_of(G)
    assert got.keys() == expected.keys()
    assert all(got[n] == pytest.approx(expected[n], abs=1e-12) for n in expected)
    assert max(got.values()) > 0


def test_betweenness_of_a_large_graph_is_exact_not_estimated():
    """On a path of 2,101 nodes (above the 2,000 where an estimate from 500 pivots was taken),
    node i lies on the paths of i * (n - 1 - i) pairs, of (n - 1)(n - 2) / 2 pairs of others."""
    n = 2101
    btw = betweenness_of(nx.path_graph(n))
    pairs = (n - 1) * (n - 2) / 2
    assert all(
        btw[i] == pytest.approx(i * (n - 1 - i) / pairs, rel=1e-12) for i in (0, 1, 7, 600, 1050, 2100)
    )
    assert btw[0] == 0 and max(btw, key=btw.get) == 1050


@pytest.mark.parametrize("view", ["actors", "full"])
def test_betweenness_counted_in_two_processes_is_counted_in_one(view, article_ds, monkeypatch):
    """Above ``BESIDE_STEPS`` the searches from every other node run in a forked process: the
    two halves add up to networkx's exact values, as one process counts them; below it nothing
    is forked."""
    from spacecoop.core import forking
    from spacecoop.views import analytics

    G = to_networkx(article_ds, view)
    expected = nx.betweenness_centrality(simple_graph(G))
    forks: list[int] = []
    fork_beside = forking.fork_beside

    def counted(here, there):
        forks.append(1)
        return fork_beside(here, there)

    monkeypatch.setattr(forking, "fork_beside", counted)
    monkeypatch.setattr(forking, "cores", lambda: 2)
    monkeypatch.setattr(analytics, "BESIDE_STEPS", 1)
    split = betweenness_of(G)
    assert forks == [1]
    assert split.keys() == expected.keys() and max(split.values()) > 0
    assert all(split[n] == pytest.approx(expected[n], abs=1e-12) for n in expected)
    monkeypatch.setattr(forking, "copies_that_fit", lambda wanted: 1)  # no memory for a copy
    assert betweenness_of(G) == pytest.approx(split, abs=1e-12) and forks == [1]
    monkeypatch.setattr(forking, "copies_that_fit", lambda wanted: wanted)
    monkeypatch.setattr(analytics, "BESIDE_STEPS", G.number_of_nodes() * G.number_of_edges() * 10)
    assert betweenness_of(G) == pytest.approx(split, abs=1e-12) and forks == [1]


def test_the_network_report_and_the_measures_given_agree(article_countries):
    btw = betweenness_of(article_countries)
    assert centrality(article_countries, betweenness=btw) == centrality(article_countries)
    assert brokers(article_countries, betweenness=btw) == brokers(article_countries)


def test_centrality_of_the_countries(article_countries):
    by_node = {c.node: c for c in centrality(article_countries)}
    assert set(by_node) == set(article_countries)
    # The ILRS is the hub: sub-national and organisation ties reach it and go no further (they
    # make no co-members); Pakistan is the only way to ISTVS, so it lies on paths no one else does
    ranked = sorted(by_node.values(), key=lambda c: -c.betweenness)
    assert [c.node for c in ranked[:2]] == [
        "initiative:international-lunar-research-station",
        "country:pakistan",
    ]
    assert by_node["country:italy"].degree == 0


def test_communities_partition_the_nodes(article_countries):
    for method in ("greedy", "louvain"):
        comms = communities(article_countries, method)
        members = [n for c in comms for n in c.nodes]
        assert sorted(members) == sorted(article_countries) and len(members) == len(set(members))
        assert [c.size for c in comms] == sorted((c.size for c in comms), reverse=True)
    us = next(c for c in communities(article_countries) if "country:united-states" in c.nodes)
    assert set(us.nodes) == {
        "country:united-states",
        "initiative:artemis-accords",
        "initiative:artemis-program",
    }


def test_communities_find_two_cliques():
    G = nx.barbell_graph(5, 0)
    comms = communities(G)
    assert [c.size for c in comms] == [5, 5]
    assert modularity(G, comms) > 0.4


def test_unknown_community_method(article_countries):
    with pytest.raises(UsageError, match="unknown community method"):
        communities(article_countries, "astrology")


def test_brokers(article_countries, synthetic):
    # Brokers are national members of two blocs: Iran and Peru are APSCO members engaged in the
    # ILRS only through APSCO, and APSCO is an ILRS partner, not a member, so none is a broker.
    found = {b.node: b for b in brokers(article_countries)}
    assert set(found) == {"country:united-states"}
    assert found["country:united-states"].blocs == ("Artemis Accords", "Artemis program")
    assert "country:thailand" not in found and "country:iran" not in found
    syn = {b.node: b for b in brokers(synthetic)}
    assert set(syn) == {"country:carpania", "country:atlantis"}
    assert syn["country:carpania"].blocs == ("Artemis Accords", "International Lunar Research Station")


def test_components(article_countries):
    comps = components(article_countries)
    assert sum(c.size for c in comps) == article_countries.number_of_nodes()
    assert comps[0].size > comps[-1].size
    singles = {c.nodes[0] for c in comps if c.size == 1}
    assert singles == {"country:italy", "region:hong-kong"}


def test_components_of_a_directed_multigraph(article_ds):
    G = to_networkx(article_ds, "actors")
    comps = components(G)
    assert sum(c.size for c in comps) == G.number_of_nodes()
    assert len(comps) == nx.number_weakly_connected_components(G)


def test_nothing_changes_the_graph(article_countries):
    before = copy.deepcopy(article_countries)
    centrality(article_countries)
    communities(article_countries)
    brokers(article_countries)
    components(article_countries)
    assert nx.utils.graphs_equal(before, article_countries)
    assert dict(before.nodes(data=True)) == dict(article_countries.nodes(data=True))


def test_simple_graph_sums_weights():
    M = nx.MultiDiGraph()
    M.add_edge("a", "b", weight=2)
    M.add_edge("b", "a", weight=3)
    M.add_edge("a", "a")
    S = simple_graph(M)
    assert S["a"]["b"]["weight"] == 5 and not S.has_edge("a", "a")


def test_print_network_report(article_countries):
    from rich.console import Console

    console = Console(record=True, width=160)
    print_network_report(article_countries, console=console)
    text = console.export_text()
    for title in ("Centrality", "Communities", "Brokers", "Connected components"):
        assert title in text
    brokers_part = text[text.index("Brokers") : text.index("Connected components")]
    assert "United States" in brokers_part and "Iran" not in brokers_part


def test_network_report_prints_labels_as_the_data_says(article_countries):
    """A label is not Rich markup (``[/]`` stopped the report with MarkupError; ``[bold]`` made
    the rest bold) and its escape sequence is written out, not sent to the terminal."""
    from rich.console import Console

    G = article_countries.copy()
    odd = {"[/] Agency [bold]x[/bold]": "[/] Agency [bold]x[/bold]", "\x1b[8mhidden": "\\x1b[8mhidden"}
    for top, label in zip(centrality(G)[:2], odd, strict=True):
        G.nodes[top.node]["label"] = label
    console = Console(record=True, width=400)
    print_network_report(G, console=console)
    text = console.export_text()
    for shown in odd.values():
        assert shown in text
    assert "\x1b" not in text


def test_igraph_is_imported_without_matplotlib_and_matplotlib_still_imports_after():
    """igraph imports matplotlib.pyplot for its own plotting (half a second); the measures do not
    need it, and an analyst's own ``import matplotlib`` afterwards works as usual."""
    import subprocess
    import sys

    code = (
        "import sys, networkx as nx\n"
        "from spacecoop.views.analytics import betweenness_of\n"
        "assert betweenness_of(nx.path_graph(3))[1] == 1.0\n"
        "assert 'igraph' in sys.modules and 'matplotlib.pyplot' not in sys.modules\n"
        "import matplotlib\n"
        "print(matplotlib.__name__)\n"
    )
    proc = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert proc.returncode == 0, proc.stderr
    assert proc.stdout.strip() == "matplotlib"
