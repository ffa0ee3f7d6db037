"""Entity look-up: labels, alternative labels, ISO codes, pycountry names, close names."""

from __future__ import annotations

import pytest
from rdflib import Graph

from spacecoop.cli.app import main
from spacecoop.core.entities import EntityFinder, find_entity, normalise


@pytest.fixture(scope="module")
def finder(loaded):
    return EntityFinder(loaded.ds)


@pytest.mark.parametrize(
    "name, expected",
    [
        ("Czechia", "country:czech-republic"),  # pycountry name
        ("the Czech Republic", "country:czech-republic"),  # leading article
        ("CZ", "country:czech-republic"),
        ("cze", "country:czech-republic"),
        ("203", "country:czech-republic"),
        ("the Republic of Korea", "country:south-korea"),  # pycountry "Korea, Republic of" turned round
        ("Türkiye", "country:turkey"),
        ("the Republic of Cyprus", "country:cyprus"),  # pycountry official name
        ("cnsa", "agent:china-national-space-administration"),
        ("ILRS", "initiative:international-lunar-research-station"),
    ],
)
def test_names_that_matched_no_label_before_are_found(finder, name, expected):
    lookup = finder.find(name)
    assert [m.curie for m in lookup.matches] == [expected]


def test_a_typo_gets_close_names_with_scores(finder):
    lookup = finder.find("South Afrika")
    assert not lookup.found
    assert lookup.suggestions[0].curie == "country:south-africa"
    assert 85 < lookup.suggestions[0].score < 100
    assert lookup.did_you_mean().startswith("did you mean South Africa (country:south-africa, ")


def test_kind_restricts_the_look_up(finder):
    assert not finder.find("China", ["organisation"]).found
    assert finder.find("China", ["country"]).unique.curie == "country:china"


def test_an_organisation_prints_its_country(finder):
    m = finder.find("SANSA").unique
    assert (m.kind, m.country) == ("organisation", "country:south-africa")


def test_names_that_normalise_alike():
    assert normalise("L'Agence") == normalise("agence")
    assert normalise("The") == "the"  # never the empty string


def test_find_entity_on_a_small_graph():
    g = Graph().parse(
        data="""
        @prefix sc: <https://w3id.org/spacecoop/ns#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
        <https://w3id.org/spacecoop/id/org/x> a sc:Organization ; skos:prefLabel "Xenon Institute"@en .
    """,
        format="turtle",
    )
    assert find_entity("xenon institute", graph=g).unique.label == "Xenon Institute"
    assert find_entity("Xenon Institut", graph=g).suggestions[0].curie == "agent:x"


def test_entity_find_command(root, capsys):
    assert main(["--root", str(root), "entity", "find", "Czechia", "CNSA"]) == 0
    out = capsys.readouterr().out.splitlines()
    assert out[0].startswith("Czechia: country:czech-republic\tcountry")
    assert "\tcountry:china\t" in out[1]


def test_entity_find_exits_1_with_did_you_mean(root, capsys):
    assert main(["--root", str(root), "entity", "find", "south-afrika"]) == 1
    out = capsys.readouterr().out
    assert "south-afrika: not found; did you mean South Africa (country:south-africa" in out


def test_entity_find_writes_out_an_escape_sequence_of_a_label(capsys, monkeypatch):
    """A label holding an escape sequence is printed written out, found or suggested, not sent
    to the terminal (which would hide what follows it)."""
    from spacecoop.core.entities import EntityFinder

    g = Graph().parse(
        data="""
        @prefix sc: <https://w3id.org/spacecoop/ns#> . @prefix skos: <http://www.w3.org/2004/02/skos/core#> .
        <https://w3id.org/spacecoop/id/org/x> a sc:Organization ;
            skos:prefLabel "Xenon\\u001B[8m Institute"@en .
    """,
        format="turtle",
    )
    monkeypatch.setattr(EntityFinder, "of_store", classmethod(lambda cls, store: cls(g)))
    assert main(["--store", "memory", "entity", "find", "Xenon\x1b[8m Institute", "Xenon Instit"]) == 1
    out = capsys.readouterr().out
    assert "\x1b" not in out
    assert "agent:x\torganisation\t-\tXenon\\x1b[8m Institute (by " in out
    assert "Xenon Instit: not found; did you mean Xenon\\x1b[8m Institute" in out


NAMES = ["Czechia", "CZ", "203", "cnsa", "ILRS", "the Republic of Korea", "south-afrika", "Atlantis"]


def test_entity_find_reads_the_store_and_says_what_rdflib_says(root, capsys, monkeypatch):
    """``entity find`` asks the compiled store (Oxigraph) what the finder reads, not a load of
    every file into rdflib: the same lines as the finder on the loaded dataset, and as ``--store
    memory``."""
    from spacecoop.store import OxigraphStore

    def copy_refused(self):
        raise AssertionError("the whole store was copied into rdflib")

    monkeypatch.setattr(OxigraphStore, "to_dataset", copy_refused)
    outputs = []
    for store in ([], ["--store", "memory"], ["--store", "oxigraph"]):
        assert main(["--root", str(root), *store, "entity", "find", *NAMES]) == 1  # two are not found
        outputs.append(capsys.readouterr().out)
    assert outputs[0] == outputs[1] == outputs[2]
    assert "Atlantis: not found" in outputs[0] and "CZ: country:czech-republic\tcountry" in outputs[0]


def test_an_entity_with_several_labels_is_shown_by_the_least_english_one():
    """Not whichever label the store yields first: the same name from every store and order."""
    head = (
        "@prefix sc: <https://w3id.org/spacecoop/ns#> .\n"
        "@prefix skos: <http://www.w3.org/2004/02/skos/core#> .\n"
        "<https://w3id.org/spacecoop/id/org/x> a sc:Organization ; skos:prefLabel "
    )
    names = ['"Zeta Institute"@en', '"Alpha"@zh', '"Beta Institute"']
    shown = set()
    for order in (names, names[::-1], names[1:] + names[:1]):
        g = Graph().parse(data=head + ", ".join(order) + " .", format="turtle")
        shown.add(find_entity("Zeta Institute", graph=g).unique.label)
    assert shown == {"Beta Institute"}
