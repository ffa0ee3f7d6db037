"""The query library (queries/*.rq, queries/checks/*.rq) and parameter resolution.

Expected rows are written out from the source article
(../shared/sources/000_c3ae7b912933ff82.txt), not copied from the output: the nine listed payload
items (ten payloads, the Russian item naming two instruments) and their developers; the ILRS
paragraphs (signed up: Russia, South Africa, Thailand, Turkey, Pakistan, Bahrain, Egypt; national
level: Russia, Venezuela, Belarus, Pakistan, Azerbaijan, South Africa, Egypt, Nicaragua, Thailand,
Serbia, Kazakhstan, Senegal, Turkey "understood to"; sub-national: ten places; Iran and Peru
through APSCO; APSCO supports the ILRS; China leads it).
"""

from __future__ import annotations

from pathlib import Path

import pytest

# The expected rows are read off the Chang'e-8 article: these tests run on the project without the
# imported table (tests/_article_only.py), whose facts would add rows.
from rdflib import Dataset, Literal, URIRef

from spacecoop.core.errors import DataError, UsageError
from spacecoop.core.namespaces import PREFIXES
from spacecoop.sparql.query import (
    get_query,
    list_queries,
    parse_query_file,
    resolve_param,
    resolve_params,
    run_named,
    run_query,
)
from spacecoop.sparql.results import plain
from spacecoop.store import MemoryStore, open_store

DATA = Path(__file__).resolve().parent / "data" / "queries"
ID = "https://w3id.org/spacecoop/id/"
CHANGE_8 = URIRef(ID + "mission/change-8")
ILRS = URIRef(ID + "initiative/international-lunar-research-station")
APSCO = URIRef(ID + "org/asia-pacific-space-cooperation-organization")
APSCO_CURIE = "agent:asia-pacific-space-cooperation-organization"
CLAIM = "id:claim/spacenews-2025-04-25-change-8-payloads/"

NAMED = {
    "payload-partners",
    "country-partners",
    "initiative-participants",
    "payload-countries-and-initiative",
    "evidence",
    "hedged-and-contradicted",
}

# Verbatim from the article.
Q_SIGNED_UP = (
    "The selection includes a number of countries that have already signed up to the China-led "
    "International Lunar Research Station (ILRS) … These include Russia, South Africa, Thailand, "
    "Turkey, Pakistan, Bahrain and Egypt."
)
Q_NATIONAL = (
    "Previous reporting notes that Russia, Venezuela, Belarus, Pakistan, Azerbaijan, South Africa, "
    "Egypt, Nicaragua, Thailand, Serbia and Kazakhstan and Senegal have signed agreements and MoUs "
    "regarding the ILRS as national-level participants"
)
Q_SUBNATIONAL = (
    "A range of subnational entities, such as companies, associations and universities, have also "
    "joined, including groups and firms from Switzerland, the United Arab Emirates, Panama, "
    "Indonesia, Kenya, Ethiopia, Kyrgyzstan, Croatia, Sri Lanka and Hawaii."
)
Q_VIA_APSCO = (
    "Iran and Peru are engaged with the ILRS initiative through their membership in the "
    "Asia-Pacific Space Cooperation Organization (APSCO)"
)
Q_TURKEY = "with Turkey understood to have signed up also"
Q_LEADS = "the China-led International Lunar Research Station (ILRS)"
Q_SUPPORTS = "Asia-Pacific Space Cooperation Organization (APSCO), which supports ILRS efforts"


@pytest.fixture(scope="module")
def memory(article_ds):
    return MemoryStore(article_ds)


@pytest.fixture(scope="module")
def oxigraph(article_ds):
    return open_store("oxigraph", article_ds)


@pytest.fixture(scope="module", params=["memory", "oxigraph"])
def store(request, memory, oxigraph):
    return memory if request.param == "memory" else oxigraph


def rows(result, *cols):
    """The result's rows as tuples of plain strings (IRIs as CURIEs), restricted to ``cols``."""
    idx = [result.vars.index(c) for c in cols] if cols else range(len(result.vars))
    return [tuple(plain(row[i]) for i in idx) for row in result.rows]


# Every named query with the parameter values it is pinned with (and unbound, where it allows it).
RUNS = [
    ("payload-partners", {"mission": CHANGE_8}),
    ("payload-partners", {}),
    ("country-partners", {}),
    ("initiative-participants", {"initiative": ILRS}),
    ("initiative-participants", {"initiative": APSCO}),
    ("initiative-participants", {}),
    ("payload-countries-and-initiative", {"mission": CHANGE_8, "initiative": ILRS}),
    ("payload-countries-and-initiative", {"mission": CHANGE_8, "initiative": APSCO}),
    ("payload-countries-and-initiative", {}),
    ("evidence", {"entity": URIRef(ID + "country/turkey")}),
    ("evidence", {"entity": CHANGE_8}),
    ("evidence", {"entity": APSCO}),
    ("hedged-and-contradicted", {}),
]


# --------------------------------------------------------------------------- the library itself


def test_the_named_queries_are_all_there(root):
    names = {q.name for q in list_queries(root)}
    assert names >= NAMED
    assert {name for name, _ in RUNS} == NAMED, "every query of this module is exercised by RUNS"


@pytest.mark.parametrize("q", list_queries(Path(__file__).resolve().parents[1]), ids=lambda q: q.name)
def test_header_is_complete_and_text_follows_the_house_rules(q):
    assert q.summary and q.columns
    text = q.text
    assert "ORDER BY" in text
    assert "PREFIX sc:" in text
    for param in q.params:
        assert f"?{param}" in text
        # Oxigraph only substitutes projected variables; params are never given VALUES defaults.
        assert param in q.columns
        assert f"VALUES ?{param}" not in text


@pytest.mark.parametrize("name,params", RUNS, ids=lambda x: x if isinstance(x, str) else "-".join(x))
def test_columns_match_the_result_and_engines_agree(name, params, memory, oxigraph):
    q = get_query(name)
    a = run_query(memory, q, params)
    b = run_query(oxigraph, q, params)
    assert a.vars == q.columns
    assert b.vars == q.columns
    assert a.rows == b.rows, f"{name}: rdflib and Oxigraph disagree"
    assert len(a) > 0


def test_label_columns_hold_preflabels(store):
    result = run_query(store, "payload-partners", {"mission": CHANGE_8})
    labels = {str(r["organization"]): r["organizationLabel"] for r in result.dicts()}
    assert labels[ID + "org/roscosmos"] == Literal("Roscosmos", lang="en")
    assert labels[ID + "org/hong-kong-polytechnic-university"] == Literal(
        "Hong Kong Polytechnic University", lang="en"
    )
    countries = {r["countryLabel"] for r in result.dicts() if "countryLabel" in r}
    assert Literal("Hong Kong", lang="en") in countries


# --------------------------------------------------------------------------- pinned rows


def test_payload_partners_on_change_8(store):
    result = run_query(store, "payload-partners", {"mission": CHANGE_8})
    robot = "payload:change-8/intelligent-exploration-robot-for-challenging-environments"
    charging = "payload:change-8/lunar-surface-multi-functional-operation-robot-and-mobile-charging-station"
    imaging = "payload:change-8/visible-and-infrared-imaging-system-for-the-lunar-surface"
    assert rows(result, "payload", "organization", "country", "role", "kind") == [
        (
            robot,
            "agent:middle-east-technical-university",
            "country:turkey",
            "role:developer",
            "kind:university",
        ),
        (robot, "agent:star-vision", "", "role:partner", "kind:company"),
        (robot, "agent:zhejiang-university", "country:china", "role:partner", "kind:university"),
        (
            "payload:change-8/laser-corner-reflector-array",
            "agent:infn-frascati-national-laboratories",
            "country:italy",
            "role:developer",
            "kind:research-institute",
        ),
        (
            "payload:change-8/lunar-ion-and-high-energy-neutral-particle-analyzer",
            "agent:roscosmos",
            "country:russia",
            "role:developer",
            "kind:space-agency",
        ),
        (
            "payload:change-8/lunar-neutron-analyzer",
            "agent:ministry-of-higher-education-science-research-and-innovation-thailand",
            "country:thailand",
            "role:developer",
            "kind:ministry",
        ),
        (
            "payload:change-8/lunar-neutron-analyzer",
            "agent:national-astronomical-research-institute-of-thailand",
            "country:thailand",
            "role:developer",
            "kind:research-institute",
        ),
        (
            "payload:change-8/lunar-plasma-dust-environment-sensor",
            "agent:roscosmos",
            "country:russia",
            "role:developer",
            "kind:space-agency",
        ),
        (
            "payload:change-8/lunar-potential-monitor",
            "agent:iranian-space-agency",
            "country:iran",
            "role:developer",
            "kind:space-agency",
        ),
        (
            charging,
            "agent:hong-kong-polytechnic-university",
            "region:hong-kong",
            "role:developer",
            "kind:university",
        ),
        (
            charging,
            "agent:hong-kong-university-of-science-and-technology",
            "region:hong-kong",
            "role:developer",
            "kind:university",
        ),
        (
            "payload:change-8/pakistan-lunar-rover",
            "agent:international-society-for-terrain-vehicle-systems",
            "",
            "role:developer",
            "kind:international-organization",
        ),
        (
            "payload:change-8/pakistan-lunar-rover",
            "agent:pakistan-space-and-upper-atmosphere-research-commission",
            "country:pakistan",
            "role:developer",
            "kind:space-agency",
        ),
        (
            "payload:change-8/radio-astronomy-array",
            "agent:national-commission-for-aerospace-research-and-development",
            "country:peru",
            "role:developer",
            "kind:space-agency",
        ),
        (
            "payload:change-8/radio-astronomy-array",
            "agent:south-african-radio-astronomy-observatory",
            "country:south-africa",
            "role:developer",
            "kind:research-institute",
        ),
        (imaging, "agent:egyptian-space-agency", "country:egypt", "role:developer", "kind:space-agency"),
        (
            imaging,
            "agent:national-space-science-agency-bahrain",
            "country:bahrain",
            "role:developer",
            "kind:space-agency",
        ),
    ]
    assert len({r[0] for r in rows(result, "payload")}) == 10
    assert set(rows(result, "mission")) == {("mission:change-8",)}


def test_payload_partners_unbound_mission_is_every_mission(store):
    bound = run_query(store, "payload-partners", {"mission": CHANGE_8})
    unbound = run_query(store, "payload-partners")
    assert unbound.rows == bound.rows  # Chang'e-8 is the only mission with payloads so far


def test_country_partners(store):
    result = run_query(store, "country-partners")
    assert rows(result, "a", "b", "via", "sources") == [
        (
            "country:bahrain",
            "country:egypt",
            "payload:change-8/visible-and-infrared-imaging-system-for-the-lunar-surface",
            "1",
        ),
        (
            "country:china",
            "country:turkey",
            "payload:change-8/intelligent-exploration-robot-for-challenging-environments",
            "1",
        ),
        (
            "country:pakistan",
            "agent:international-society-for-terrain-vehicle-systems",
            "payload:change-8/pakistan-lunar-rover",
            "1",
        ),
        ("country:peru", "country:south-africa", "payload:change-8/radio-astronomy-array", "1"),
    ]
    for r in result.dicts():
        assert str(r["a"]) < str(r["b"])
        assert int(r["sources"]) == 1


def ilrs_expected():
    signed = ("level:national", "status:signatory", "certainty:stated", Q_SIGNED_UP)
    national = ("level:national", "status:signatory", "certainty:stated", Q_NATIONAL)
    sub = ("level:sub-national", "status:joined", "certainty:stated", Q_SUBNATIONAL)
    via = ("level:via-member-organization", "status:engaged", "certainty:stated", Q_VIA_APSCO)
    out = [
        (
            "agent:asia-pacific-space-cooperation-organization",
            "level:organization",
            "status:supporter",
            "certainty:stated",
            Q_SUPPORTS,
            "apsco-supports-ilrs",
        ),
        ("country:azerbaijan", *national, "ilrs-national-azerbaijan"),
        (
            "country:bahrain",
            "level:national",
            "status:not-listed",
            "certainty:contradicted",
            Q_NATIONAL,
            "ilrs-not-listed-bahrain",
        ),
        (
            "country:bahrain",
            "level:national",
            "status:signatory",
            "certainty:contradicted",
            Q_SIGNED_UP,
            "ilrs-signed-up-bahrain",
        ),
        ("country:belarus", *national, "ilrs-national-belarus"),
        ("country:china", "level:national", "status:leader", "certainty:stated", Q_LEADS, "china-leads-ilrs"),
        ("country:croatia", *sub, "ilrs-subnational-croatia"),
        ("country:egypt", *national, "ilrs-national-egypt"),
        ("country:egypt", *signed, "ilrs-signed-up-egypt"),
        ("country:ethiopia", *sub, "ilrs-subnational-ethiopia"),
        ("region:hawaii", *sub, "ilrs-subnational-hawaii"),
        ("country:indonesia", *sub, "ilrs-subnational-indonesia"),
        ("country:iran", *via, "ilrs-via-apsco-iran"),
        ("country:kazakhstan", *national, "ilrs-national-kazakhstan"),
        ("country:kenya", *sub, "ilrs-subnational-kenya"),
        ("country:kyrgyzstan", *sub, "ilrs-subnational-kyrgyzstan"),
        ("country:nicaragua", *national, "ilrs-national-nicaragua"),
        ("country:pakistan", *national, "ilrs-national-pakistan"),
        ("country:pakistan", *signed, "ilrs-signed-up-pakistan"),
        ("country:panama", *sub, "ilrs-subnational-panama"),
        ("country:peru", *via, "ilrs-via-apsco-peru"),
        ("country:russia", *national, "ilrs-national-russia"),
        ("country:russia", *signed, "ilrs-signed-up-russia"),
        ("country:senegal", *national, "ilrs-national-senegal"),
        ("country:serbia", *national, "ilrs-national-serbia"),
        ("country:south-africa", *national, "ilrs-national-south-africa"),
        ("country:south-africa", *signed, "ilrs-signed-up-south-africa"),
        ("country:sri-lanka", *sub, "ilrs-subnational-sri-lanka"),
        ("country:switzerland", *sub, "ilrs-subnational-switzerland"),
        ("country:thailand", *national, "ilrs-national-thailand"),
        ("country:thailand", *signed, "ilrs-signed-up-thailand"),
        (
            "country:turkey",
            "level:national",
            "status:signatory",
            "certainty:hedged",
            Q_TURKEY,
            "ilrs-national-turkey-hedged",
        ),
        ("country:turkey", *signed, "ilrs-signed-up-turkey"),
        ("country:united-arab-emirates", *sub, "ilrs-subnational-united-arab-emirates"),
        ("country:venezuela", *national, "ilrs-national-venezuela"),
    ]
    return [(*r[:5], CLAIM + r[5]) for r in out]


def test_initiative_participants_of_the_ilrs(store):
    result = run_query(store, "initiative-participants", {"initiative": ILRS})
    assert rows(result, "participant", "level", "status", "certainty", "evidence", "claim") == ilrs_expected()
    assert len(result) == 35
    assert set(rows(result, "source")) == {("source:spacenews-2025-04-25-change-8-payloads",)}
    vias = {r[0]: r[1] for r in rows(result, "participant", "via") if r[1]}
    assert vias == {
        "country:iran": "agent:asia-pacific-space-cooperation-organization",
        "country:peru": "agent:asia-pacific-space-cooperation-organization",
    }


def test_initiative_participants_of_apsco(store):
    result = run_query(store, "initiative-participants", {"initiative": APSCO})
    assert rows(result, "participant", "level", "status", "certainty", "evidence") == [
        ("country:iran", "level:national", "status:member", "certainty:stated", Q_VIA_APSCO),
        ("country:peru", "level:national", "status:member", "certainty:stated", Q_VIA_APSCO),
    ]


def test_initiative_participants_unbound_covers_every_participation_claim(store):
    result = run_query(store, "initiative-participants")
    # 35 about the ILRS, 2 about APSCO, 2 about the U.S. leading the Artemis Accords and program.
    assert len(result) == 39
    initiatives = {r[0] for r in rows(result, "initiative")}
    assert initiatives == {
        "initiative:international-lunar-research-station",
        "agent:asia-pacific-space-cooperation-organization",
        "initiative:artemis-accords",
        "initiative:artemis-program",
    }


def test_payload_countries_and_the_ilrs(store):
    result = run_query(store, "payload-countries-and-initiative", {"mission": CHANGE_8, "initiative": ILRS})
    apsco = "agent:asia-pacific-space-cooperation-organization"
    assert rows(result, "country", "tie", "status", "certainty", "via", "claims") == [
        ("country:bahrain", "participant", "status:not-listed", "certainty:contradicted", "", "1"),
        ("country:bahrain", "participant", "status:signatory", "certainty:contradicted", "", "1"),
        ("country:china", "participant", "status:leader", "certainty:stated", "", "1"),
        ("country:egypt", "participant", "status:signatory", "certainty:stated", "", "2"),
        ("region:hong-kong", "none", "", "", "", "0"),
        ("country:iran", "through-organization", "status:engaged", "certainty:stated", apsco, "1"),
        ("country:italy", "none", "", "", "", "0"),
        ("country:pakistan", "participant", "status:signatory", "certainty:stated", "", "2"),
        ("country:peru", "through-organization", "status:engaged", "certainty:stated", apsco, "1"),
        ("country:russia", "participant", "status:signatory", "certainty:stated", "", "2"),
        ("country:south-africa", "participant", "status:signatory", "certainty:stated", "", "2"),
        ("country:thailand", "participant", "status:signatory", "certainty:stated", "", "2"),
        ("country:turkey", "participant", "status:signatory", "certainty:hedged", "", "1"),
        ("country:turkey", "participant", "status:signatory", "certainty:stated", "", "1"),
    ]


def test_payload_countries_unbound_range_over_every_mission_and_initiative(store):
    """Left unbound, the parameters range over every mission and every initiative or
    organisation with participants: the rows of one pair are exactly its bound answer."""
    cols = ("country", "tie", "status", "certainty", "via", "claims", "level")
    name = "payload-countries-and-initiative"
    everything = rows(run_query(store, name, {}), "mission", "initiative", *cols)
    ilrs = "initiative:international-lunar-research-station"
    for initiative, curie in ((ILRS, ilrs), (APSCO, APSCO_CURIE)):
        one = run_query(store, name, {"mission": CHANGE_8, "initiative": initiative})
        picked = [r[2:] for r in everything if r[:2] == ("mission:change-8", curie)]
        assert picked == rows(one, *cols) != []
    # an organisation no one takes part in (Roscosmos develops a payload) is no initiative here
    assert "agent:roscosmos" not in {r[1] for r in everything}


def test_payload_countries_and_apsco(store):
    result = run_query(store, "payload-countries-and-initiative", {"mission": CHANGE_8, "initiative": APSCO})
    ties = {r[0]: r[1:] for r in rows(result, "country", "tie", "status")}
    assert ties["country:iran"] == ("participant", "status:member")
    assert ties["country:peru"] == ("participant", "status:member")
    assert {c for c, (tie, _) in ties.items() if tie == "none"} == {
        "country:bahrain",
        "country:china",
        "country:egypt",
        "region:hong-kong",
        "country:italy",
        "country:pakistan",
        "country:russia",
        "country:south-africa",
        "country:thailand",
        "country:turkey",
    }


def test_payload_countries_through_an_organization_without_a_direct_claim():
    """A country that is a member of an organisation taking part, with no claim of its own, is
    not tied "through" it: no source says so (issue 16; this test asserted the inference before)."""
    ds = Dataset(default_union=True)
    ds.parse(data=TINY_VIA, format="trig")
    for kind in ("memory", "oxigraph"):
        result = run_query(
            open_store(kind, ds),
            "payload-countries-and-initiative",
            {"mission": URIRef(ID + "mission/m"), "initiative": URIRef(ID + "initiative/i")},
        )
        assert rows(result, "country", "tie", "status", "via", "claims") == [
            ("country:a", "none", "", "", "0"),
        ], kind


TINY_VIA = """
@base <https://w3id.org/spacecoop/id/> .
@prefix sc: <https://w3id.org/spacecoop/ns#> .
@prefix org: <http://www.w3.org/ns/org#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix status: <https://w3id.org/spacecoop/vocab/status/> .
@prefix certainty: <https://w3id.org/spacecoop/vocab/certainty/> .
<initiative/i> a sc:Initiative ; skos:prefLabel "I"@en .
<org/club> a sc:Organization ; skos:prefLabel "Club"@en .
<org/lab> a sc:Organization ; sc:basedIn <country/a> .
<country/a> a sc:Country ; skos:prefLabel "A"@en .
<source/s> {
  <carriage/mission/m/payload/m/p> a sc:PayloadCarriage ; sc:mission <mission/m> ; sc:payload <payload/m/p> .
  <development/payload/m/p/org/lab> a sc:PayloadDevelopment ; sc:payload <payload/m/p> ;
      sc:developer <org/lab> .
  <participation/country/a/org/club> a sc:Participation ; org:member <country/a> ;
      org:organization <org/club> .
  <claim/s/1> a sc:Claim ; sc:about <participation/country/a/org/club> ;
      sc:status status:member ; sc:certainty certainty:stated .
  <participation/org/club/initiative/i> a sc:Participation ; org:member <org/club> ;
      org:organization <initiative/i> .
}
"""


def test_evidence_about_turkey(store):
    result = run_query(store, "evidence", {"entity": URIRef(ID + "country/turkey")})
    assert rows(result, "claim", "kind", "status", "certainty", "quote") == [
        (
            CLAIM + "ilrs-national-turkey-hedged",
            "participation",
            "status:signatory",
            "certainty:hedged",
            Q_TURKEY,
        ),
        (
            CLAIM + "ilrs-signed-up-turkey",
            "participation",
            "status:signatory",
            "certainty:stated",
            Q_SIGNED_UP,
        ),
    ]
    assert {r[0] for r in rows(result, "aboutLabel")} == {"Turkey in International Lunar Research Station"}
    assert {r for r in rows(result, "sourceLabel")} == {
        ("SpaceNews, 25 April 2025: China selects international payloads for Chang'e-8",)
    }


def test_evidence_about_change_8(store):
    result = run_query(store, "evidence", {"entity": CHANGE_8})
    kinds = [r[0] for r in rows(result, "kind")]
    # 10 payloads + the Chinese rover selected or included, the Pakistani rover and the
    # micro-rovers named a second time ("The mission will include a Chinese rover, a Pakistani
    # rover, and, ... micro-rovers"); 2 announcements; 4 claims about the mission itself (aim,
    # launch, landing site, precursor).
    assert (kinds.count("carriage"), kinds.count("event"), kinds.count("mission")) == (13, 2, 4)
    assert len(result) == 19
    labels = {r[0] for r in rows(result, "aboutLabel")}
    assert "Chang'e-8 carries Pakistan lunar rover" in labels
    assert "Chang'e-8 payload selection" in labels


def test_evidence_about_the_ilrs_includes_events_whose_subject_it_is(store):
    result = run_query(store, "evidence", {"entity": ILRS})
    kinds = [r[0] for r in rows(result, "kind")]
    # 35 participation claims (as in initiative-participants), 4 about the initiative itself
    # (aim, construction, target, alternative), and the Xinhua report whose subject it is.
    assert (kinds.count("participation"), kinds.count("initiative"), kinds.count("event")) == (35, 4, 1)
    assert len(result) == 40
    xinhua = [r for r in rows(result, "claim", "quote") if r[0].endswith("/xinhua-report")]
    quote = (
        "It did not name the individual entities that had signed up. … State media Xinhua, citing "
        "a senior CNSA official, reported April 24 that a total of 17 countries and international "
        "organizations, as well as more than 50 international research institutions, had joined "
        "the ILRS project."
    )
    assert xinhua == [(CLAIM + "xinhua-report", quote)]


def test_evidence_about_apsco_includes_claims_naming_it_as_via(store):
    result = run_query(store, "evidence", {"entity": APSCO})
    assert [r[0].rsplit("/", 1)[1] for r in rows(result, "claim")] == [
        "apsco-headquarters",
        "ilrs-via-apsco-iran",
        "apsco-member-iran",
        "ilrs-via-apsco-peru",
        "apsco-member-peru",
        "apsco-supports-ilrs",
    ]


def test_hedged_and_contradicted(store):
    result = run_query(store, "hedged-and-contradicted")
    assert rows(
        result,
        "claim",
        "participant",
        "status",
        "certainty",
        "evidence",
        "contradicts",
        "contradictsStatus",
        "contradictsEvidence",
    ) == [
        (
            CLAIM + "ilrs-not-listed-bahrain",
            "country:bahrain",
            "status:not-listed",
            "certainty:contradicted",
            Q_NATIONAL,
            CLAIM + "ilrs-signed-up-bahrain",
            "status:signatory",
            Q_SIGNED_UP,
        ),
        (
            CLAIM + "ilrs-signed-up-bahrain",
            "country:bahrain",
            "status:signatory",
            "certainty:contradicted",
            Q_SIGNED_UP,
            CLAIM + "ilrs-not-listed-bahrain",
            "status:not-listed",
            Q_NATIONAL,
        ),
        (
            CLAIM + "ilrs-national-turkey-hedged",
            "country:turkey",
            "status:signatory",
            "certainty:hedged",
            Q_TURKEY,
            "",
            "",
            "",
        ),
    ]


def test_quotes_in_results_are_verbatim_from_the_article(root):
    found = [p / "shared" / "sources" / "000_c3ae7b912933ff82.txt" for p in root.parents]
    found = [a for a in found if a.is_file()]
    if not found:
        pytest.skip("the shared source text is not available")
    text = found[0].read_text(encoding="utf-8")
    for quote in (
        Q_NATIONAL,
        Q_SUBNATIONAL,
        Q_VIA_APSCO,
        Q_TURKEY,
        Q_LEADS,
        Q_SUPPORTS,
        *Q_SIGNED_UP.split(" … "),
    ):
        assert quote in text


# --------------------------------------------------------------------------- consistency checks

# For each check, exactly the nodes it must report on tests/data/queries/broken-checks.trig.
CHECK_CASES = {
    "claim-outside-its-source-graph-violation": {"id:claim/t/in-wrong-graph"},
    "claim-without-certainty-or-source-violation": {"id:claim/t/no-certainty", "id:claim/t/no-quote"},
    "contradicting-claim-marked-certain-violation": {"id:claim/t/certain-a"},
    "contradiction-not-mutual-violation": {"id:claim/t/one-sided"},
    "contradiction-without-counterpart-violation": {"id:claim/t/lonely"},
    "date-without-precision-violation": {
        "id:claim/t/date-without-precision",
        "id:event/precision-without-date",
    },
    "organization-without-country-violation": {"agent:nowhere"},
    "participation-claim-without-level-violation": {"id:claim/t/no-level"},
    "participation-claim-without-status-violation": {"id:claim/t/no-status"},
    "payload-without-carriage-violation": {"payload:m/orphan"},
    "payload-without-developer-violation": {"payload:m/orphan"},
    "relationship-iri-not-canonical-violation": {"id:participation/wrong"},
    "relationship-without-claim-violation": {
        "id:carriage/mission/m/payload/m/unclaimed",
        "id:participation/wrong",
    },
    "role-on-non-development-violation": {"id:claim/t/role-on-carriage"},
    "status-on-non-participation-violation": {"id:claim/t/status-on-development"},
    "via-without-via-level-violation": {"id:claim/t/level-without-via", "id:claim/t/via-without-level"},
}


@pytest.fixture(scope="module")
def broken():
    ds = Dataset(default_union=True)
    ds.parse(DATA / "broken-checks.trig", format="trig")
    return {"memory": open_store("memory", ds), "oxigraph": open_store("oxigraph", ds)}


def test_every_check_has_a_case(root):
    names = {q.name for q in list_queries(root, checks=True)}
    assert names == set(CHECK_CASES)
    assert len(names) == 16


@pytest.mark.parametrize("name", sorted(CHECK_CASES))
def test_check_finds_exactly_its_broken_nodes(name, root, broken):
    q = parse_query_file(root / "queries" / "checks" / f"{name}.rq")
    for kind, store in broken.items():
        result = run_query(store, q)
        assert result.vars == q.columns
        assert {plain(r[0]) for r in result.rows} == CHECK_CASES[name], kind


@pytest.mark.parametrize("name", sorted(CHECK_CASES))
def test_check_is_clean_on_the_graph(name, root, memory, oxigraph):
    q = parse_query_file(root / "queries" / "checks" / f"{name}.rq")
    assert run_query(memory, q).rows == ()
    assert run_query(oxigraph, q).rows == ()


# -- checks with an engine variant (NAME.oxigraph.rq): the rows of the base, where there are rows ----
#
# tests/test_store.py runs every variant on the real graph and a synthetic corpus, where a check
# finds nothing: a variant that never reports anything would pass there. Here the variants meet
# broken graphs, and give the rows of their base text on rdflib, on both engines.

SC = "https://w3id.org/spacecoop/ns#"
CHECKS = list_queries(Path(__file__).resolve().parents[1], checks=True)
CHECK_VARIANTS = [
    pytest.param(q, engine, id=f"{q.name}.{engine}") for q in CHECKS for engine, _ in q.variants
]


def seeded_with_violations(ds: Dataset) -> Dataset:
    """Break a copy of ``ds`` so that every check finds something: some triples of the properties
    the checks look for removed (a different fifth of the subjects for each property, a seventh
    of the types), some claims citing another source, a status on development claims, a role on
    participation claims, a via on claims of another level and participations of another member
    than their IRI says."""
    from rdflib import RDF

    prov = "http://www.w3.org/ns/prov#"
    org = "http://www.w3.org/ns/org#"
    out = Dataset(default_union=True)
    for s, p, o, g in ds.quads((None, None, None, None)):
        out.graph(g).add((s, p, o))

    def nodes(kind: str) -> list:
        return sorted(set(out.subjects(RDF.type, URIRef(SC + kind))), key=str)

    def graph_of(node, p: URIRef):
        return next(g for _, _, _, g in out.quads((node, p, None, None)))

    dropped = [SC + p for p in ("certainty", "quote", "about", "date", "datePrecision", "level")]
    dropped += [SC + p for p in ("status", "via", "contradicts", "payload", "basedIn")]
    dropped += [prov + "wasDerivedFrom", org + "member"]
    for k, p in enumerate(map(URIRef, dropped)):
        for i, s in enumerate(sorted(set(out.subjects(p, None)), key=str)):
            if (i + k) % 5 == 0:
                out.remove((s, p, None, None))
    for k, kind in enumerate(("Claim", "Participation", "PayloadDevelopment", "PayloadCarriage", "Payload")):
        for i, node in enumerate(nodes(kind)):
            if (i + k) % 7 == 0:
                out.remove((node, RDF.type, URIRef(SC + kind), None))
    sources = nodes("Source")
    derived = URIRef(prov + "wasDerivedFrom")
    for i, (claim, source) in enumerate(sorted(out.subject_objects(derived), key=str)):
        if i % 11 == 0:
            other = sources[(sources.index(source) + 1) % len(sources)] if source in sources else sources[0]
            out.remove((claim, derived, source, None))
            out.graph(graph_of(claim, RDF.type) if (claim, RDF.type, None) in out else source).add(
                (claim, derived, other)
            )
    about, level = URIRef(SC + "about"), URIRef(SC + "level")
    vocab = "https://w3id.org/spacecoop/vocab/"
    for i, (claim, rel) in enumerate(sorted(out.subject_objects(about), key=str)):
        g = graph_of(claim, about)
        if i % 13 == 0 and (rel, RDF.type, URIRef(SC + "PayloadDevelopment")) in out:
            out.graph(g).add((claim, URIRef(SC + "status"), URIRef(vocab + "status/member")))
        if i % 13 == 1 and (rel, RDF.type, URIRef(SC + "Participation")) in out:
            out.graph(g).add((claim, URIRef(SC + "role"), URIRef(vocab + "role/developer")))
        if i % 13 == 2 and (claim, level, None) in out:
            out.graph(g).add((claim, URIRef(SC + "via"), URIRef(ID + "org/somewhere")))
        if i % 13 == 3:
            out.graph(g).add((claim, level, URIRef(vocab + "level/via-member-organization")))
    certainty = URIRef(SC + "certainty")
    for i, claim in enumerate(sorted(set(out.subjects(URIRef(SC + "contradicts"), None)), key=str)):
        if i % 3 == 0 and (claim, certainty, None) in out:
            g = graph_of(claim, certainty)
            out.remove((claim, certainty, None, None))
            out.graph(g).add((claim, certainty, URIRef(vocab + "certainty/stated")))
    member = URIRef(org + "member")
    for i, (rel, who) in enumerate(sorted(out.subject_objects(member), key=str)):
        if i % 9 == 0:
            out.remove((rel, member, who, None))
            elsewhere = URIRef(ID + "country/elsewhere")
            out.graph(graph_of(rel, URIRef(org + "organization"))).add((rel, member, elsewhere))
    return out


@pytest.fixture(scope="module")
def seeded(tmp_path_factory, root):
    """A synthetic corpus (``spacecoop synth``, 20 sources) seeded with violations, in rdflib and in
    Oxigraph."""
    from spacecoop.core.load import load_dataset
    from spacecoop.importers.synth import write_corpus

    out = tmp_path_factory.mktemp("seeded") / "corpus"
    write_corpus(out, 20, 7, root=root)
    ds = seeded_with_violations(load_dataset(out))
    stores = {"memory": open_store("memory", ds), "oxigraph": open_store("oxigraph", ds)}
    yield stores
    for store in stores.values():
        store.close()


def sorted_rows(result) -> list:
    return sorted(tuple(plain(t) for t in row) for row in result.rows)


@pytest.mark.parametrize(("nq", "engine"), CHECK_VARIANTS)
def test_every_check_variant_gives_the_rows_of_its_base_on_the_broken_graph(nq, engine, broken):
    expected = sorted_rows(broken["memory"].query(nq.text))
    assert expected, f"{nq.name} finds nothing in broken-checks.trig"
    for kind, store in broken.items():
        assert sorted_rows(store.query(dict(nq.variants)[engine])) == expected, kind


@pytest.mark.slow
@pytest.mark.parametrize("nq", CHECKS, ids=[q.name for q in CHECKS])
def test_every_check_gives_the_same_rows_on_a_corpus_seeded_with_violations(nq, seeded):
    # Every text of the check (the base, its variants) on both engines, against the base on rdflib.
    expected = sorted_rows(seeded["memory"].query(nq.text))
    assert expected, f"the seeded corpus gives {nq.name} no row"
    for kind, store in seeded.items():
        for engine, text in [("base", nq.text), *nq.variants]:
            assert sorted_rows(store.query(text)) == expected, f"{engine} text on {kind}"


def test_there_are_checks_with_variants():
    # Guard against a filter that silently finds no variant to compare.
    assert len(CHECK_VARIANTS) >= 1


# --------------------------------------------------------------------------- parameters


@pytest.mark.parametrize(
    "value,expected",
    [
        ("mission:change-8", "mission/change-8"),
        (
            "initiative:international-lunar-research-station",
            "initiative/international-lunar-research-station",
        ),
        ("<https://w3id.org/spacecoop/id/country/peru>", "country/peru"),
        ("https://w3id.org/spacecoop/id/country/peru", "country/peru"),
        ("ILRS", "initiative/international-lunar-research-station"),
        ("ilrs", "initiative/international-lunar-research-station"),
        ("International Lunar Research Station", "initiative/international-lunar-research-station"),
        ("Chang'e-8", "mission/change-8"),
        ("Chang’e-8", "mission/change-8"),
        ("CHANG'E 8", "mission/change-8"),
        ("Thailand", "country/thailand"),
        ("thailand", "country/thailand"),
        ("Türkiye", "country/turkey"),
        ("APSCO", "org/asia-pacific-space-cooperation-organization"),
        ("  Hong Kong SAR ", "region/hong-kong"),
    ],
)
def test_resolve_param(store, value, expected):
    assert resolve_param(store, value, name="p") == URIRef(ID + expected)


def test_resolve_param_accepts_every_prefix(store):
    assert resolve_param(store, "kind:company") == URIRef(PREFIXES["kind"] + "company")
    assert resolve_param(store, "status:signatory") == URIRef(PREFIXES["status"] + "signatory")


def test_resolve_param_on_a_plain_dataset(article_ds):
    assert resolve_param(article_ds, "ILRS") == ILRS


@pytest.mark.parametrize(
    "value,message",
    [
        ("Atlantis", "parameter p: nothing has the label 'Atlantis'"),
        ("mission:chang-8", "parameter p: mission:chang-8 does not occur in the graph"),
        ("<https://w3id.org/spacecoop/id/country/atlantis>", "country:atlantis does not occur in the graph"),
        ("<not an iri>", "parameter p: '<not an iri>' is not a valid IRI"),
        ("https://example.org/a b", "is not a valid IRI"),
        ("", "parameter p: empty value"),
    ],
)
def test_resolve_param_refuses(store, value, message):
    with pytest.raises(UsageError) as exc:
        resolve_param(store, value, name="p")
    assert message in str(exc.value)


def test_resolve_param_lists_the_candidates_of_an_ambiguous_label(store):
    with pytest.raises(UsageError) as exc:
        resolve_param(store, "partner", name="status")
    msg = str(exc.value)
    assert "parameter status: the label 'partner' fits 2 entities" in msg
    assert "role:partner (partner)" in msg and "status:partner (partner)" in msg


@pytest.mark.parametrize("engine", ["memory", "oxigraph"])
def test_an_ambiguous_label_lists_each_entity_by_the_name_it_is_shown_by(engine):
    """The candidates of an ambiguous label are named as every surface names them (the least
    English or untagged preferred label), not by the least of all their labels."""
    ds = Dataset(default_union=True)
    ds.parse(
        format="trig",
        data="""@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
        <https://example.org/g> {
          <https://example.org/a> skos:prefLabel "Agence A"@fr, "The A Agency"@en ; skos:altLabel "AA" .
          <https://example.org/b> skos:prefLabel "B-Amt"@de, "B Office" ; skos:altLabel "AA" .
        }""",
    )
    target = MemoryStore(ds) if engine == "memory" else open_store("oxigraph", ds)
    with pytest.raises(UsageError) as exc:
        resolve_param(target, "AA", name="p")
    msg = str(exc.value)
    assert "fits 2 entities" in msg
    assert "(The A Agency)" in msg and "(B Office)" in msg
    assert "Agence A" not in msg and "B-Amt" not in msg


HOSTILE = 'x" } ; DROP ALL ; INSERT DATA { <a> <b> <c> } #'


def test_a_hostile_value_is_data_not_query_text(store):
    before = len(store)
    with pytest.raises(UsageError) as exc:
        resolve_param(store, HOSTILE, name="entity")
    assert repr(HOSTILE) in str(exc.value)
    with pytest.raises(UsageError):
        run_named(store, "evidence", entity=HOSTILE)
    assert len(store) == before


def test_a_hostile_label_resolves_as_a_label():
    """Bound as a literal, the hostile string matches an entity that carries it as its label."""
    ds = Dataset(default_union=True)
    ds.parse(
        data='<https://example.org/e> <http://www.w3.org/2004/02/skos/core#prefLabel> "{}" .'.format(
            HOSTILE.replace('"', '\\"')
        ),
        format="turtle",
    )
    for kind in ("memory", "oxigraph"):
        assert resolve_param(open_store(kind, ds), HOSTILE) == URIRef("https://example.org/e"), kind


def test_resolve_params_checks_the_declaration_first(memory):
    q = get_query("evidence")
    with pytest.raises(UsageError, match="query 'evidence' has no parameter mission; its parameters: entity"):
        resolve_params(memory, q, {"mission": "Atlantis"})
    assert resolve_params(memory, q, {"entity": "Turkey"}) == {"entity": URIRef(ID + "country/turkey")}


@pytest.mark.slow
def test_run_named_equals_run_query_with_terms(store):
    a = run_named(store, "payload-countries-and-initiative", mission="Chang’e-8", initiative="ILRS")
    b = run_query(store, "payload-countries-and-initiative", {"mission": CHANGE_8, "initiative": ILRS})
    assert a == b


def test_run_named_on_a_dataset(article_ds):
    assert len(run_named(article_ds, "initiative-participants", initiative="APSCO")) == 2


def test_run_named_refuses_unknown_names_and_params(memory):
    with pytest.raises(UsageError, match="unknown query 'nope'"):
        run_named(memory, "nope")
    with pytest.raises(UsageError, match="has no parameter colour"):
        run_named(memory, "country-partners", colour="red")


def test_an_ad_hoc_file_without_header_accepts_any_param(tmp_path, memory):
    path = tmp_path / "adhoc.rq"
    path.write_text(
        "PREFIX skos: <http://www.w3.org/2004/02/skos/core#>\n"
        "SELECT ?thing ?label WHERE { ?thing skos:prefLabel ?label }\n",
        encoding="utf-8",
    )
    q = get_query(str(path))
    assert not q.declared and q.summary == ""
    result = run_named(memory, str(path), thing="ILRS")
    assert rows(result) == [
        ("initiative:international-lunar-research-station", "International Lunar Research Station")
    ]


def test_a_library_file_without_header_is_a_data_error(tmp_path):
    path = tmp_path / "bare.rq"
    path.write_text("SELECT * WHERE { ?s ?p ?o } ORDER BY ?s\n", encoding="utf-8")
    with pytest.raises(DataError, match="header lacks summary, columns"):
        parse_query_file(path)


def test_malformed_sparql_is_a_usage_error(tmp_path, store):
    path = tmp_path / "broken.rq"
    path.write_text("#+ summary: broken\n#+ columns: [x]\nSELECT ?x WHERE { ?x ?p \n", encoding="utf-8")
    with pytest.raises(UsageError, match="malformed SPARQL"):
        run_named(store, str(path))


def test_a_declared_param_must_be_a_column(tmp_path, store):
    path = tmp_path / "hidden.rq"
    path.write_text(
        "#+ summary: s\n#+ params: [thing]\n#+ columns: [s]\nSELECT ?s WHERE { ?s ?p ?thing } ORDER BY ?s\n",
        encoding="utf-8",
    )
    with pytest.raises(UsageError, match=r"query 'hidden' does not return \?thing"):
        run_named(store, str(path), thing="ILRS")


@pytest.mark.slow
def test_validate_runs_the_new_checks(tmp_path, root):
    """End to end: a payload nothing carries or develops is reported by `spacecoop validate`."""
    import shutil

    from spacecoop.checks.validate import validate

    for folder in ("ontology", "graph", "queries"):
        shutil.copytree(root / folder, tmp_path / folder)
    (tmp_path / "graph" / "reference" / "zz-orphan.ttl").write_text(
        "@prefix sc: <https://w3id.org/spacecoop/ns#> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "<https://w3id.org/spacecoop/id/payload/change-8/orphan> a sc:Payload ; "
        'skos:prefLabel "Orphan"@en .\n',
        encoding="utf-8",
    )
    report = validate(tmp_path)
    assert not report.conforms
    rules = {v.rule for v in report.violations if v.node == "payload:change-8/orphan"}
    assert {"check:payload-without-carriage-violation", "check:payload-without-developer-violation"} <= rules


# --------------------------------------------------------------------------- a bigger, made-up graph


@pytest.fixture(scope="module")
def synth(tmp_path_factory, root):
    """The synthetic corpus of tests/data/queries/synth/ loaded with the project's ontology."""
    import shutil

    from spacecoop.core.load import load_dataset

    where = tmp_path_factory.mktemp("synth")
    shutil.copytree(root / "ontology", where / "ontology")
    shutil.copytree(DATA / "synth" / "graph", where / "graph")
    ds = load_dataset(where)
    return open_store("memory", ds), open_store("oxigraph", ds)


def _most_used(store, text):
    return store.query(text).rows[0][0]


@pytest.mark.slow
def test_engines_agree_on_a_bigger_graph(synth, root):
    memory, oxigraph = synth
    params = {
        "mission": _most_used(
            oxigraph,
            "PREFIX sc: <https://w3id.org/spacecoop/ns#> SELECT ?m (COUNT(*) AS ?n) "
            "WHERE { ?c sc:mission ?m ; sc:payload ?p } GROUP BY ?m ORDER BY DESC(?n) ?m LIMIT 1",
        ),
        "initiative": _most_used(
            oxigraph,
            "PREFIX org: <http://www.w3.org/ns/org#> SELECT ?i (COUNT(*) AS ?n) "
            "WHERE { ?p org:organization ?i } GROUP BY ?i ORDER BY DESC(?n) ?i LIMIT 1",
        ),
        "entity": _most_used(
            oxigraph,
            "PREFIX org: <http://www.w3.org/ns/org#> SELECT ?e (COUNT(*) AS ?n) "
            "WHERE { ?p org:member ?e } GROUP BY ?e ORDER BY DESC(?n) ?e LIMIT 1",
        ),
    }
    ran = 0
    for q in list_queries(root) + list_queries(root, checks=True):
        if not (q.name in NAMED or q.name.endswith("-violation")):
            continue  # other modules' queries are tested there
        bound = {k: params[k] for k in q.params}
        a = run_query(memory, q, bound)
        b = run_query(oxigraph, q, bound)
        assert a.vars == q.columns, q.name
        assert a.rows == b.rows, f"{q.name}: rdflib and Oxigraph disagree on the synthetic graph"
        if q.name.endswith("-violation"):
            assert a.rows == (), f"{q.name} finds rows in the synthetic corpus"
        else:
            assert len(a) > 0, q.name
        ran += 1
    assert ran == len(NAMED) + len(CHECK_CASES)


def test_resolve_param_takes_pycountry_names_and_suggests_close_ones(full_ds):
    # "Czechia" is no label in the graph: find_entity knows it as pycountry's name for CZ.
    assert resolve_param(full_ds, "Czechia") == URIRef("https://w3id.org/spacecoop/id/country/czech-republic")
    with pytest.raises(UsageError) as exc:
        resolve_param(full_ds, "South Afrika", name="p")
    assert "did you mean South Africa (country:south-africa" in str(exc.value)


@pytest.mark.parametrize(
    "text",
    ["Czechia", "CZ", "CZE", "the Czech Republic", "South Afrika", "Atlantis", "ZA", "United States"],
)
def test_other_names_resolve_on_oxigraph_as_on_rdflib_without_copying_the_store(full_ds, text, monkeypatch):
    """A value that is no label (a pycountry name, an ISO code, a typo) is looked up among the
    entities; on Oxigraph from what the finder reads (one CONSTRUCT), never a copy of every quad
    into rdflib (9 s at 100k triples): the same entity, or the same hint, as on rdflib."""
    from spacecoop.store import OxigraphStore

    oxi = open_store("oxigraph", full_ds)

    def copy_refused(self):
        raise AssertionError("the whole store was copied into rdflib")

    monkeypatch.setattr(OxigraphStore, "to_dataset", copy_refused)
    answers = []
    for store in (MemoryStore(full_ds), oxi):
        try:
            answers.append(resolve_param(store, text, name="p"))
        except UsageError as exc:
            answers.append(str(exc))
    assert answers[0] == answers[1]
    if text in ("Czechia", "CZ", "CZE"):
        assert answers[1] == URIRef("https://w3id.org/spacecoop/id/country/czech-republic")
    if text == "South Afrika":
        assert "did you mean South Africa (country:south-africa" in answers[1]


# -- engine variants: NAME.ENGINE.rq beside NAME.rq ---------------------------------------------------


def _variant_project(tmp_path: Path, variant: str) -> Path:
    root = tmp_path / "proj"
    (root / "queries").mkdir(parents=True)
    (root / "queries" / "which.rq").write_text(
        "#+ summary: Which text ran?\n#+ columns: [answer]\n"
        + 'SELECT ?answer WHERE { BIND("base" AS ?answer) }\n'
    )
    (root / "queries" / "which.oxigraph.rq").write_text(variant)
    return root


def test_an_engine_variant_runs_on_its_engine_and_the_base_elsewhere(tmp_path, article_ds):
    root = _variant_project(
        tmp_path, '# the Oxigraph text\nSELECT ?answer WHERE { BIND("oxigraph" AS ?answer) }\n'
    )
    # The variant is part of its query, not a query of its own.
    assert [q.name for q in list_queries(root)] == ["which"]
    nq = get_query("which", root)
    assert nq.text_for("oxigraph").startswith("# the Oxigraph text")
    assert nq.text_for("memory") == nq.text_for("sparql") == nq.text
    with open_store("oxigraph", article_ds) as ox:
        assert [str(r[0]) for r in run_named(ox, "which", root=root).rows] == ["oxigraph"]
        assert [str(r[0]) for r in run_query(ox, nq).rows] == ["oxigraph"]
    assert [str(r[0]) for r in run_named(article_ds, "which", root=root).rows] == ["base"]


def test_an_engine_variant_with_a_header_of_its_own_is_refused(tmp_path):
    root = _variant_project(tmp_path, "#+ summary: Another question\nSELECT ?answer WHERE { }\n")
    with pytest.raises(DataError, match=r"which\.oxigraph\.rq.*no #\+ header"):
        list_queries(root)


def test_every_text_of_every_named_query_and_check_passes_the_endpoint_check(root):
    """``spacecoop serve`` answers a named query only if its text passes the query check (the text
    screen refuses, e.g., ``\\U`` escapes: the SPARQL readers disagree on them): every base text
    and every engine variant, of the named queries and of the checks."""
    from spacecoop.endpoint.guard import QueryRefused, inspect_query

    texts = [
        (f"{q.name} ({engine})", text)
        for q in [*list_queries(root), *list_queries(root, checks=True)]
        for engine, text in [("base", q.text), *q.variants]
    ]
    assert any("oxigraph" in name for name, _ in texts)
    refused = []
    for name, text in texts:
        try:
            inspect_query(text)
        except QueryRefused as exc:
            refused.append(f"{name}: {exc}")
    assert refused == []
