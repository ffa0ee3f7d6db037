"""An IRI rdflib reads with a warning and then refuses to write (a space, braces, a bar, a caret,
a backtick: typos in a hand-written source), in every place a source can put one: each command
ends with a report or one line, never a traceback, and validate names the file."""

from __future__ import annotations

import logging

import pytest
from _article_only import copy_article_project

from spacecoop.cli.app import main

pytestmark = pytest.mark.slow

HEAD = """@prefix sc: <https://w3id.org/spacecoop/ns#> .
@prefix skos: <http://www.w3.org/2004/02/skos/core#> .
@prefix prov: <http://www.w3.org/ns/prov#> .
@base <https://w3id.org/spacecoop/id/> .
"""
REL = "<participation/country/china/initiative/international-lunar-research-station>"
PLACES = {
    "graph name": '<source/{bad}> {{ <claim/z/c1> a sc:Claim ; sc:about {rel} ; sc:quote "q" ; '
    "prov:wasDerivedFrom <source/{bad}> . }}",
    "datatype": '<source/z> {{ <claim/z/c1> a sc:Claim ; sc:date "2020"^^<urn:x:{bad}> ; '
    "prov:wasDerivedFrom <source/z> . }}",
    "predicate": '<source/z> {{ <claim/z/c1> a sc:Claim ; <urn:x:{bad}> "v" ; '
    "prov:wasDerivedFrom <source/z> . }}",
    "typed subject": '<country/{bad}> a sc:Country ; skos:prefLabel "T"@en .',
    "claim subject": '<source/z> {{ <claim/z/{bad}> a sc:Claim ; sc:about {rel} ; sc:quote "q" ; '
    "prov:wasDerivedFrom <source/z> . }}",
    "class": "<org/zz> a <urn:x:{bad}> .",
}


@pytest.mark.parametrize("bad", ["a b", "a{b}", "a|b^c`d"])
@pytest.mark.parametrize("place", list(PLACES))
def test_every_command_reports_an_iri_rdflib_will_not_write(
    root, tmp_path, monkeypatch, capsys, caplog, place, bad
):
    caplog.set_level(logging.ERROR, logger="rdflib.term")  # rdflib warns of each IRI it reads; restored after
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    monkeypatch.delenv("SPACECOOP_STORE", raising=False)
    project = copy_article_project(root, tmp_path / "project")
    typo = project / "graph" / "sources" / "typo.trig"
    typo.write_text(HEAD + PLACES[place].format(bad=bad, rel=REL) + "\n", encoding="utf-8")
    outputs = tmp_path / "out"
    runs = {
        "validate": (["validate"], 1),
        "query": (["query", "country-partners"], 0),
        "evidence": (["query", "evidence", "-p", "entity=country:china"], 0),
        "stats": (["stats"], 0),
        "viz": (["viz", "-o", str(outputs / "v.html")], 0),
        "export": (["export", "--format", "graphml", "-o", str(outputs / "g.graphml")], 0),
        "build": (["build", "-o", str(outputs / "dist")], 1),
    }
    for name, (args, expected) in runs.items():
        code = main(["--root", str(project), *args])
        out, err = capsys.readouterr()
        assert code == expected, (name, err[-500:])
        assert "Traceback" not in err and "run with --debug" not in err, (name, err[-500:])
        if name == "validate":  # the term, in its file
            assert "rdf-term" in out and str(typo) in out, out[-2000:]
    assert (outputs / "v.html").stat().st_size > 0 and (outputs / "g.graphml").stat().st_size > 0
    assert not (outputs / "dist").exists()  # build stopped before writing anything
