"""The networkx projections, on the project's graph and on the synthetic blocs fixture."""

from __future__ import annotations

import json
from pathlib import Path

import networkx as nx
import pytest
from rdflib import Dataset

from spacecoop.errors import UsageError
from spacecoop.project import VIEWS, bloc_list, least_certain, normalize_date, to_networkx
from spacecoop.store import open_store


# These tests read their expected values off the Chang'e-8 article: they run on the project without
# the imported table (tests/_article_only.py); tests/test_table.py covers the views of the table.
from _article_only import article_ds, article_root  # noqa: E402,F401  (fixtures)


@pytest.fixture(scope="module")
def ds(article_ds):
    return article_ds


BLOCS = Path(__file__).parent / "data" / "views" / "blocs.trig"
ILRS = "initiative:international-lunar-research-station"
APSCO = "agent:asia-pacific-space-cooperation-organization"


@pytest.fixture(scope="module")
def countries(ds):
    return to_networkx(ds, "countries")


@pytest.fixture(scope="module")
def actors(ds):
    return to_networkx(ds, "actors")


@pytest.fixture(scope="module")
def full(ds):
    return to_networkx(ds, "full")


@pytest.fixture(scope="module")
def blocs_ds():
    d = Dataset(default_union=True)
    d.parse(BLOCS, format="trig")
    return d


def _kinds(G, u, v):
    return set(G.edges[u, v]["kinds"].split(";"))


def test_view_types(countries, actors, full):
    assert type(countries) is nx.Graph
    assert type(actors) is nx.MultiDiGraph
    assert type(full) is nx.MultiDiGraph
    assert countries.graph["view"] == "countries" and full.graph["view"] == "full"


def test_unknown_view_is_a_usage_error(ds):
    with pytest.raises(UsageError, match="unknown view 'planets'"):
        to_networkx(ds, "planets")


@pytest.mark.parametrize("view", VIEWS)
def test_attributes_are_plain(ds, view):
    G = to_networkx(ds, view)
    plain = (str, int, float, bool)
    for n, d in G.nodes(data=True):
        assert isinstance(n, str)
        assert all(isinstance(v, plain) for v in d.values()), (n, d)
    for *_, d in G.edges(data=True):
        assert all(isinstance(v, plain) for v in d.values()), d
    assert all(isinstance(v, plain) for v in G.graph.values())


@pytest.mark.parametrize("view", VIEWS)
def test_same_graph_from_every_backend(ds, view):
    G = to_networkx(ds, view)
    H = to_networkx(open_store("oxigraph", ds), view)
    assert nx.utils.graphs_equal(G, H)
    assert dict(G.nodes(data=True)) == dict(H.nodes(data=True))


def test_reading_does_not_change_the_dataset(ds):
    before = len(ds)
    to_networkx(ds, "full")
    assert len(ds) == before


def test_countries_nodes(countries):
    labels = [d["label"] for _, d in countries.nodes(data=True)]
    assert labels.count("Hong Kong") == 1
    assert countries.nodes["region:hong-kong"]["kind"] == "region"
    assert countries.nodes["region:hong-kong"]["country"] == "China"
    assert countries.nodes["region:hong-kong"]["iso"] == "HK"
    # organisations stand for their countries; one with no stated country adds nothing
    assert "Star.Vision" not in labels
    assert not [n for n, d in countries.nodes(data=True) if d["kind"] == "organization"]
    assert countries.nodes[APSCO]["kind"] == "international-organization"
    assert countries.nodes[ILRS]["bloc"] is True
    assert countries.nodes["country:thailand"]["iso"] == "TH"


def test_turkey_china_codevelop_the_micro_rovers(countries):
    e = countries.edges["country:turkey", "country:china"]
    assert "co-development" in e["kinds"].split(";")
    assert "payload:change-8/intelligent-exploration-robot-for-challenging-environments" in e["via"].split(";")
    assert "Intelligent exploration robot for challenging environments" in e["via_label"]
    links = json.loads(e["links"])
    assert {lk["kind"] for lk in links} == {"co-development", "co-membership"}
    assert e["weight"] == len(links) == 2
    quotes = [ev["quote"] for ev in json.loads(e["evidence"])]
    assert any("Middle East Technical University of Turkey" in q for q in quotes)


def test_thailand_links(countries):
    # MHESI and NARIT are both Thai: their co-development is no link between two places
    direct = {v for v in countries["country:thailand"] if _kinds(countries, "country:thailand", v) != {"co-membership"}}
    assert direct == {ILRS}
    assert _kinds(countries, "country:thailand", ILRS) == {"membership"}
    assert countries.edges["country:thailand", ILRS]["certainty"] == "stated"
    assert countries.edges["country:thailand", ILRS]["n_sources"] == 1


def test_iran_and_peru_linked_via_apsco(countries):
    e = countries.edges["country:iran", "country:peru"]
    assert e["kinds"] == "co-membership"
    assert APSCO in e["via"].split(";") and ILRS in e["via"].split(";")
    assert "Asia-Pacific Space Cooperation Organization" in e["via_label"]
    assert _kinds(countries, "country:iran", APSCO) >= {"membership"}


def test_certainty_marks_doubt(countries):
    bahrain = countries.edges["country:bahrain", ILRS]
    assert bahrain["certainty"] == "contradicted"
    assert bahrain["certainties"] == "contradicted"
    assert bahrain["n_claims"] == 2
    turkey = countries.edges["country:turkey", ILRS]
    assert turkey["certainty"] == "hedged"
    assert turkey["certainties"] == "hedged;stated"
    assert countries.edges["country:russia", ILRS]["certainty"] == "stated"


def test_pakistan_istvs_codevelop_the_rover(countries):
    e = countries.edges["country:pakistan", "agent:international-society-for-terrain-vehicle-systems"]
    assert e["kinds"] == "co-development"
    assert e["via_label"] == "Pakistan lunar rover"


def test_bloc_layers(countries):
    blocs = {b["id"]: b for b in bloc_list(countries)}
    assert set(blocs) == {ILRS, APSCO, "initiative:artemis-accords", "initiative:artemis-program"}
    assert blocs[ILRS]["short"] == "ILRS" and blocs[APSCO]["short"] == "APSCO"
    iran = countries.nodes["country:iran"]
    assert set(iran["blocs"].split(";")) == {ILRS, APSCO}
    assert iran[f"since:{APSCO}"] == ""  # no claim dates it


def test_actors_view(actors):
    metu = "agent:middle-east-technical-university"
    rovers = "payload:change-8/intelligent-exploration-robot-for-challenging-environments"
    assert actors.has_edge(metu, rovers, key="develops")
    assert actors.edges[metu, rovers, "develops"]["certainty"] == "stated"
    assert actors.has_edge(metu, "country:turkey", key="based-in")
    assert actors.has_edge("region:hong-kong", "country:china", key="part-of")
    carries = [(u, v) for u, v, k in actors.edges(keys=True) if k == "carries"]
    assert len(carries) == 11 and {u for u, _ in carries} == {"mission:change-8"}
    assert actors.has_edge("country:iran", ILRS, key="participates-in")
    e = actors.edges["country:iran", ILRS, "participates-in"]
    assert e["level"] == "via-member-organization" and e["via"] == APSCO
    assert json.loads(e["links"])[0]["via"] == ILRS
    assert actors.nodes["agent:star-vision"]["country"] == ""
    assert actors.nodes["agent:zhejiang-university"]["country"] == "China"
    assert actors.nodes["agent:hong-kong-polytechnic-university"]["country"] == "China"


def test_full_view_has_entities_and_relationships_no_literals_no_claims(full):
    kinds = [d["kind"] for _, d in full.nodes(data=True)]
    assert kinds.count("participation") == 32
    assert kinds.count("development") == 17
    assert kinds.count("carriage") == 11
    assert all(":" in n and not n.startswith('"') for n in full)
    assert not [n for n in full if n.startswith("id:claim/")]
    rel = "id:participation/country/bahrain/initiative/international-lunar-research-station"
    assert full.nodes[rel]["certainty"] == "contradicted"
    assert full.has_edge(rel, "country:bahrain", key="org:member")
    assert not [k for *_, k in full.edges(keys=True) if k == "rdf:type"]


def test_synthetic_bloc_dates(blocs_ds):
    G = to_networkx(blocs_ds, "countries")
    carpania = G.nodes["country:carpania"]
    assert carpania["since:initiative:artemis-accords"] == "2020-10-13"  # earliest of two claims
    assert carpania["since:initiative:ilrs"] == "2024"
    assert G.nodes["country:borduria"]["since:initiative:ilrs"] == "2023-06"
    # the co-membership holds from when both were members
    links = json.loads(G.edges["country:atlantis", "country:carpania"]["links"])
    assert links == [{"certainty": "stated", "date": "2024", "detail": "International Lunar Research Station",
                      "kind": "co-membership", "via": "initiative:ilrs"}]
    assert G.edges["country:elbonia", "initiative:artemis-accords"]["certainty"] == "hedged"
    assert G.edges["country:carpania", "initiative:artemis-accords"]["certainties"] == "reported;stated"
    assert G.edges["country:atlantis", "agent:apsco"]["certainty"] == "contradicted"
    assert "Nowhere Labs" not in {d["label"] for _, d in G.nodes(data=True)}
    assert G.has_edge("country:atlantis", "region:atlantis-isles")


def test_helpers():
    assert least_certain(["stated", "contradicted", "hedged"]) == "contradicted"
    assert least_certain(["confirmed", "stated"]) == "stated"
    assert normalize_date(None) == ""


@pytest.mark.parametrize("module", ["project", "analytics", "render", "export"])
def test_public_names_are_sorted_and_exist(module):
    import importlib

    mod = importlib.import_module(f"spacecoop.{module}")
    assert mod.__all__ == sorted(mod.__all__)
    assert all(hasattr(mod, name) for name in mod.__all__)
