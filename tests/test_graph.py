"""Facts of the founding article (SpaceNews, 25 April 2025), asserted on the loaded graph.

Expected values are read off the article text by hand, not copied from the graph.
"""

from __future__ import annotations

import pycountry
import pytest
from rdflib import RDF, SKOS, URIRef
from rdflib.namespace import PROV

from spacecoop.core.namespaces import ID, SC, concept, entity_iri, relationship_iri

SOURCE = ID["source/spacenews-2025-04-25-change-8-payloads"]
CE8 = entity_iri("mission", "Chang'e-8")
ILRS = entity_iri("initiative", "International Lunar Research Station")
APSCO = entity_iri("org", "Asia-Pacific Space Cooperation Organization")

# Payload -> developers (canonical names) and each developer's country or region.
PAYLOADS = {
    "Lunar surface multi-functional operation robot and mobile charging station": {
        "Hong Kong University of Science and Technology": "Hong Kong",
        "Hong Kong Polytechnic University": "Hong Kong",
    },
    "Pakistan lunar rover": {
        "Pakistan Space and Upper Atmosphere Research Commission": "Pakistan",
        "International Society for Terrain-Vehicle Systems": None,
    },
    "Intelligent exploration robot for challenging environments": {
        "Middle East Technical University": "Turkey",
        "Zhejiang University": "China",
        "Star.Vision": None,
    },
    "Radio astronomy array": {
        "South African Radio Astronomy Observatory": "South Africa",
        "National Commission for Aerospace Research and Development": "Peru",
    },
    "Laser corner reflector array": {"INFN Frascati National Laboratories": "Italy"},
    "Lunar plasma-dust environment sensor": {"Roscosmos": "Russia"},
    "Lunar ion and high-energy neutral particle analyzer": {"Roscosmos": "Russia"},
    "Lunar neutron analyzer": {
        "Ministry of Higher Education, Science, Research and Innovation (Thailand)": "Thailand",
        "National Astronomical Research Institute of Thailand": "Thailand",
    },
    "Visible and infrared imaging system for the lunar surface": {
        "National Space Science Agency (Bahrain)": "Bahrain",
        "Egyptian Space Agency": "Egypt",
    },
    "Lunar potential monitor": {"Iranian Space Agency": "Iran"},
}

KINDS = {
    "Hong Kong University of Science and Technology": "university",
    "Hong Kong Polytechnic University": "university",
    "Pakistan Space and Upper Atmosphere Research Commission": "space-agency",
    "International Society for Terrain-Vehicle Systems": "international-organization",
    "Middle East Technical University": "university",
    "Zhejiang University": "university",
    "Star.Vision": "company",
    "South African Radio Astronomy Observatory": "research-institute",
    "National Commission for Aerospace Research and Development": "space-agency",
    "INFN Frascati National Laboratories": "research-institute",
    "Roscosmos": "space-agency",
    "Ministry of Higher Education, Science, Research and Innovation (Thailand)": "ministry",
    "National Astronomical Research Institute of Thailand": "research-institute",
    "National Space Science Agency (Bahrain)": "space-agency",
    "Egyptian Space Agency": "space-agency",
    "Iranian Space Agency": "space-agency",
}


def label(ds, node) -> str:
    return str(ds.value(node, SKOS.prefLabel))


def claims_about(ds, node):
    # The article's claims only: other sources (the imported table) say more about the same nodes.
    return sorted(ds.graph(SOURCE).subjects(SC.about, node))


def test_the_source_is_described_in_the_default_graph(full_ds):
    g = full_ds.default_graph
    assert (SOURCE, RDF.type, URIRef("https://schema.org/NewsArticle")) in g
    assert str(g.value(SOURCE, URIRef("https://schema.org/headline"))).startswith(
        "China selects international payloads"
    )
    assert g.value(SOURCE, SC.originalPublisher) == entity_iri("org", "SpaceNews")
    assert g.value(SOURCE, URIRef("https://schema.org/publisher")) == entity_iri("org", "Elon Musk Monitor")
    assert g.value(SOURCE, SC.isRepublication).toPython() is True
    assert str(g.value(SOURCE, URIRef("https://schema.org/datePublished"))) == "2025-04-25"
    assert str(g.value(SOURCE, SC.dateline)) == "HELSINKI"


def test_ten_projects_as_the_article_counts_them(full_ds):
    payloads = {
        label(full_ds, p)
        for p in full_ds.subjects(RDF.type, SC.Payload)
        if str(p).startswith(str(ID["payload/change-8/"]))
    }
    assert payloads == set(PAYLOADS)
    carried = {
        label(full_ds, p) for p in full_ds.objects(CE8, SC.carries) if (p, RDF.type, SC.Payload) in full_ds
    }
    assert carried == set(PAYLOADS)
    selection = entity_iri("event", "Chang'e-8 payload selection")
    assert full_ds.value(selection, SC.projectCount).toPython() == len(PAYLOADS) == 10


def test_eleven_countries_and_regions_and_one_international_organisation(full_ds):
    places, intl = set(), set()
    for p in full_ds.objects(CE8, SC.carries):
        for org in full_ds.subjects(SC.develops, p):
            if full_ds.value(org, SC.kind) == concept("org-kind", "international-organization"):
                intl.add(label(full_ds, org))
            elif full_ds.value(org, SC.basedIn) is not None:
                places.add(label(full_ds, full_ds.value(org, SC.basedIn)))
    # The count is of partners: China, the host, is not among the eleven.
    assert sorted(places - {"China"}) == sorted(
        [
            "Hong Kong",
            "Pakistan",
            "Turkey",
            "South Africa",
            "Peru",
            "Italy",
            "Russia",
            "Thailand",
            "Bahrain",
            "Egypt",
            "Iran",
        ]
    )
    selection = entity_iri("event", "Chang'e-8 payload selection")
    assert full_ds.value(selection, SC.countryAndRegionCount).toPython() == len(places - {"China"}) == 11
    assert intl == {"International Society for Terrain-Vehicle Systems"}
    assert full_ds.value(selection, SC.internationalOrganizationCount).toPython() == 1


@pytest.mark.parametrize("payload", sorted(PAYLOADS))
def test_developers_and_their_countries(full_ds, payload):
    node = entity_iri("payload", payload, within="Chang'e-8")
    developers = {
        label(full_ds, o): full_ds.value(o, SC.basedIn) for o in full_ds.subjects(SC.develops, node)
    }
    assert {k: (label(full_ds, v) if v is not None else None) for k, v in developers.items()} == PAYLOADS[
        payload
    ]
    for org in developers:
        rel = relationship_iri("development", node, entity_iri("org", org))
        assert (rel, RDF.type, SC.PayloadDevelopment) in full_ds
        assert claims_about(full_ds, rel), f"no claim for {org} developing {payload}"


def test_organisation_kinds(full_ds):
    for name, kind in KINDS.items():
        assert full_ds.value(entity_iri("org", name), SC.kind) == concept("org-kind", kind), name


def test_star_vision_has_no_country_because_the_article_gives_none(full_ds):
    star = entity_iri("org", "Star.Vision")
    assert full_ds.value(star, SC.basedIn) is None
    assert full_ds.value(star, SC.countryNotStated).toPython() is True


def test_micro_rover_roles(full_ds):
    payload = entity_iri(
        "payload", "Intelligent exploration robot for challenging environments", within="Chang'e-8"
    )
    roles = {}
    for org in ("Middle East Technical University", "Zhejiang University", "Star.Vision"):
        rel = relationship_iri("development", payload, entity_iri("org", org))
        roles[org] = {full_ds.value(c, SC.role) for c in claims_about(full_ds, rel)} - {None}
    assert roles == {
        "Middle East Technical University": {concept("role", "developer")},
        "Zhejiang University": {concept("role", "partner")},
        "Star.Vision": {concept("role", "partner")},
    }
    assert full_ds.value(payload, SC.quantity).toPython() == 2


def test_two_names_of_one_agency_are_one_entity(full_ds):
    roscosmos = entity_iri("org", "Roscosmos")
    alt = {str(a) for a in full_ds.objects(roscosmos, SKOS.altLabel)}
    assert {"Russian Federal Space Agency", "Russian State Space Corporation"} <= alt
    for name in ("Russian Federal Space Agency", "Russian State Space Corporation"):
        assert {s for s, o in full_ds.subject_objects(SKOS.altLabel) if str(o) == name} == {roscosmos}
    # Both names in the article's parentheses point at the one agency: each Russian payload has one developer.
    for payload in (
        "Lunar plasma-dust environment sensor",
        "Lunar ion and high-energy neutral particle analyzer",
    ):
        node = entity_iri("payload", payload, within="Chang'e-8")
        assert set(full_ds.subjects(SC.develops, node)) == {roscosmos}


def test_two_names_of_one_place(full_ds):
    mons = entity_iri("place", "Mons Mouton")
    assert "Leibnitz Beta" in {str(a) for a in full_ds.objects(mons, SKOS.altLabel)}
    site = full_ds.value(CE8, SC.targetLandingSite)
    assert full_ds.value(site, SC.near) == mons
    assert "Permanently Shadowed Regions" in str(full_ds.value(site, SC.feature))


def test_the_mission(full_ds):
    assert full_ds.value(CE8, SC.missionOf) == entity_iri("country", "China")
    # the article does not say whose mission Chang'e-7 is (issue 16)
    assert full_ds.value(entity_iri("mission", "Chang'e-7"), SC.missionOf) is None
    assert str(full_ds.value(CE8, SC.plannedLaunch)) == "2028 or 2029"
    assert (
        str(full_ds.value(CE8, SC.plannedLaunchEarliest)),
        str(full_ds.value(CE8, SC.plannedLaunchLatest)),
    ) == (
        "2028",
        "2029",
    )
    assert full_ds.value(CE8, SC.destination) == entity_iri("place", "lunar south pole")
    test = full_ds.value(CE8, SC.technologyTest)
    assert str(full_ds.value(test, SC.example)) == "3D printing of bricks from lunar soil"
    ce7 = entity_iri("mission", "Chang'e-7")
    assert (CE8, SC.precursorOf, ILRS) in full_ds and (ce7, SC.precursorOf, ILRS) in full_ds
    assert str(full_ds.value(ce7, SC.plannedYear)) == "2026"
    ao = entity_iri("event", "Chang'e-8 announcement of opportunity")
    assert str(full_ds.value(ao, SC.date)) == "2023"
    assert full_ds.value(ao, SC.payloadMassKg).toPython() == 200
    selection = entity_iri("event", "Chang'e-8 payload selection")
    assert str(full_ds.value(selection, SC.date)) == "2025-04-24"
    assert full_ds.value(selection, SC.announcedBy) == entity_iri(
        "org", "China National Space Administration"
    )


def test_rovers(full_ds):
    rovers = {
        label(full_ds, r) for r in full_ds.objects(CE8, SC.carries) if (r, RDF.type, SC.Rover) in full_ds
    }
    assert rovers == {
        "Chang'e-8 Chinese rover",
        "Pakistan lunar rover",
        "Intelligent exploration robot for challenging environments",
    }


def test_the_ilrs(full_ds):
    assert str(full_ds.value(ILRS, SC.constructionStart)) == "2030s"
    assert full_ds.value(ILRS, SC.targetCountryCount).toPython() == 50
    assert set(full_ds.objects(ILRS, SC.alternativeTo)) == {
        entity_iri("initiative", "Artemis Accords"),
        entity_iri("initiative", "Artemis program"),
    }
    report = entity_iri("event", "Xinhua ILRS report 2025-04-24")
    assert full_ds.value(report, SC.reportedBy) == entity_iri("org", "Xinhua")
    assert full_ds.value(report, SC.countryAndOrganizationCount).toPython() == 17
    assert full_ds.value(report, SC.researchInstitutionCountMoreThan).toPython() == 50
    assert full_ds.value(report, SC.namesParticipants).toPython() is False


def participation_claims(ds, member, organization=ILRS):
    rel = relationship_iri("participation", member, organization)
    out = []
    for c in claims_about(ds, rel):
        out.append(
            (
                str(ds.value(c, SC.status)).rsplit("/", 1)[-1],
                str(ds.value(c, SC.level)).rsplit("/", 1)[-1],
                str(ds.value(c, SC.certainty)).rsplit("/", 1)[-1],
            )
        )
    return sorted(out)


def test_china_leads_the_ilrs(full_ds):
    assert participation_claims(full_ds, entity_iri("country", "China")) == [("leader", "national", "stated")]


NATIONAL = [
    "Russia",
    "Venezuela",
    "Belarus",
    "Pakistan",
    "Azerbaijan",
    "South Africa",
    "Egypt",
    "Nicaragua",
    "Thailand",
    "Serbia",
    "Kazakhstan",
    "Senegal",
]


@pytest.mark.parametrize("country", NATIONAL)
def test_national_level_participants(full_ds, country):
    claims = participation_claims(full_ds, entity_iri("country", country))
    assert ("signatory", "national", "stated") in claims


def test_turkey_is_only_understood_to_have_signed(full_ds):
    turkey = entity_iri("country", "Turkey")
    claims = participation_claims(full_ds, turkey)
    # one sentence counts it among countries already signed up; the list only "understood".
    assert claims == [("signatory", "national", "hedged"), ("signatory", "national", "stated")]
    rel = relationship_iri("participation", turkey, ILRS)
    hedged = [
        c
        for c in claims_about(full_ds, rel)
        if full_ds.value(c, SC.certainty) == concept("certainty", "hedged")
    ]
    assert [str(q) for q in full_ds.objects(hedged[0], SC.quote)] == [
        "with Turkey understood to have signed up also"
    ]


def test_bahrain_keeps_both_conflicting_statements(full_ds):
    bahrain = entity_iri("country", "Bahrain")
    rel = relationship_iri("participation", bahrain, ILRS)
    claims = claims_about(full_ds, rel)
    assert participation_claims(full_ds, bahrain) == [
        ("not-listed", "national", "contradicted"),
        ("signatory", "national", "contradicted"),
    ]
    a, b = claims
    assert full_ds.value(a, SC.contradicts) == b and full_ds.value(b, SC.contradicts) == a
    quotes = {str(q) for c in claims for q in full_ds.objects(c, SC.quote)}
    assert "These include Russia, South Africa, Thailand, Turkey, Pakistan, Bahrain and Egypt." in quotes
    assert any(q.startswith("Previous reporting notes that Russia, Venezuela") for q in quotes)


SUBNATIONAL = [
    "Switzerland",
    "United Arab Emirates",
    "Panama",
    "Indonesia",
    "Kenya",
    "Ethiopia",
    "Kyrgyzstan",
    "Croatia",
    "Sri Lanka",
]


def test_subnational_participants_come_from_ten_places(full_ds):
    for country in SUBNATIONAL:
        assert participation_claims(full_ds, entity_iri("country", country)) == [
            ("joined", "sub-national", "stated")
        ]
    hawaii = entity_iri("region", "Hawaii")
    assert participation_claims(full_ds, hawaii) == [("joined", "sub-national", "stated")]
    assert (hawaii, RDF.type, SC.Region) in full_ds and (hawaii, RDF.type, SC.Country) not in full_ds


def test_iran_and_peru_reach_the_ilrs_through_apsco(full_ds):
    for country in ("Iran", "Peru"):
        node = entity_iri("country", country)
        assert participation_claims(full_ds, node) == [("engaged", "via-member-organization", "stated")]
        rel = relationship_iri("participation", node, ILRS)
        assert {full_ds.value(c, SC.via) for c in claims_about(full_ds, rel)} == {APSCO}
        assert participation_claims(full_ds, node, APSCO) == [("member", "national", "stated")]


def test_apsco(full_ds):
    assert str(full_ds.value(APSCO, SKOS.prefLabel)) == "Asia-Pacific Space Cooperation Organization"
    assert "APSCO" in {str(a) for a in full_ds.objects(APSCO, SKOS.altLabel)}
    assert full_ds.value(APSCO, SC.headquarteredIn) == entity_iri("place", "Beijing")
    assert participation_claims(full_ds, APSCO) == [("supporter", "organization", "stated")]


def test_the_us_leads_the_artemis_accords_and_program(full_ds):
    us = entity_iri("country", "United States")
    for name in ("Artemis Accords", "Artemis program"):
        assert participation_claims(full_ds, us, entity_iri("initiative", name)) == [
            ("leader", "national", "stated")
        ]


def test_regions_are_not_countries(full_ds):
    for region in ("Hong Kong", "Hawaii"):
        node = entity_iri("region", region)
        assert (node, RDF.type, SC.Region) in full_ds
        assert (node, RDF.type, SC.Country) not in full_ds
    assert full_ds.value(entity_iri("region", "Hong Kong"), SC.partOf) == entity_iri("country", "China")


def test_iso_codes_come_from_pycountry(full_ds):
    countries = list(full_ds.subjects(RDF.type, SC.Country))
    assert len(countries) >= 28
    for node in countries:
        alpha2 = str(full_ds.value(node, SC.iso3166Alpha2))
        entry = pycountry.countries.get(alpha_2=alpha2)
        assert entry is not None
        assert str(full_ds.value(node, SC.iso3166Alpha3)) == entry.alpha_3
        assert str(full_ds.value(node, SC.iso3166Numeric)) == entry.numeric
    expected = {
        "Turkey": "TR",
        "Russia": "RU",
        "Iran": "IR",
        "South Africa": "ZA",
        "Peru": "PE",
        "Thailand": "TH",
    }
    for name, code in expected.items():
        assert str(full_ds.value(entity_iri("country", name), SC.iso3166Alpha2)) == code
    hk = entity_iri("region", "Hong Kong")
    assert (str(full_ds.value(hk, SC.iso3166Alpha2)), str(full_ds.value(hk, SC.iso3166Subdivision))) == (
        "HK",
        "CN-HK",
    )
    hawaii = entity_iri("region", "Hawaii")
    assert full_ds.value(hawaii, SC.iso3166Alpha2) is None
    assert str(full_ds.value(hawaii, SC.iso3166Subdivision)) == "US-HI"


def test_every_relationship_has_evidence(full_ds):
    article = full_ds.graph(SOURCE)
    rels = [
        r
        for cls in (SC.Participation, SC.PayloadDevelopment, SC.PayloadCarriage)
        for r in article.subjects(RDF.type, cls)
    ]
    assert len(rels) == 32 + 17 + 11
    for rel in rels:
        claims = claims_about(full_ds, rel)
        assert claims, rel
        for c in claims:
            assert full_ds.value(c, PROV.wasDerivedFrom) == SOURCE
            assert all(str(q).strip() for q in full_ds.objects(c, SC.quote))
            assert list(full_ds.objects(c, SC.quote))


def test_claims_sit_in_their_source_graph(full_ds):
    graph = full_ds.graph(SOURCE)
    claims = set(full_ds.subjects(PROV.wasDerivedFrom, SOURCE))
    assert claims and claims == set(graph.subjects(RDF.type, SC.Claim))


def test_every_entity_iri_is_minted_from_its_canonical_name(full_ds):
    kinds = {
        SC.Country: "country",
        SC.Region: "region",
        SC.Place: "place",
        SC.Organization: "org",
        SC.Initiative: "initiative",
        SC.Mission: "mission",
    }
    checked = 0
    for cls, kind in kinds.items():
        for node in full_ds.subjects(RDF.type, cls):
            assert node == entity_iri(kind, label(full_ds, node)), node
            checked += 1
    for node in full_ds.subjects(RDF.type, SC.Payload):
        mission = next(full_ds.subjects(SC.carries, node))
        assert node == entity_iri("payload", label(full_ds, node), within=label(full_ds, mission))
        checked += 1
    assert checked > 60


def test_quotes_are_verbatim(full_ds, root):
    text_path = root.parent / "shared" / "sources" / "000_c3ae7b912933ff82.txt"
    if not text_path.is_file():
        pytest.skip("../shared/sources is not at hand")
    body = text_path.read_text(encoding="utf-8")
    body = body[body.index("HELSINKI —") : body.index("Source link")]
    # The article's quotes only: other sources quote their own stored texts (validate checks those).
    article = full_ds.graph(
        URIRef("https://w3id.org/spacecoop/id/source/spacenews-2025-04-25-change-8-payloads")
    )
    quotes = [str(q) for q in article.objects(None, SC.quote)]
    assert len(quotes) > 50
    for q in quotes:
        assert q in body, q
