"""The JSON-LD dataset: a context that names our terms (ontology/context.jsonld), and a document that
rdflib, pyoxigraph and jsonld.js read back as the dataset it came from, default graph included."""

from __future__ import annotations

import json
import re
import shutil
import subprocess
from pathlib import Path

import pyoxigraph as ox
import pytest
from rdflib import OWL, RDF, Dataset, Graph
from rdflib.compare import isomorphic

from spacecoop.core.errors import SpacecoopError
from spacecoop.core.namespaces import NS, PREFIXES
from spacecoop.publish.build import serialize_all
from spacecoop.views.export import CONTEXT_FILE, dataset_jsonld, jsonld_context, make_jsonld_context

ROOT = Path(__file__).resolve().parents[1]
JS = Path(__file__).resolve().parent / "js"


@pytest.fixture(scope="module")
def outputs(loaded):
    """The build's N-Quads (the reference) and JSON-LD, for the live dataset."""
    files = serialize_all(loaded.ds, ROOT)
    return files["spacecoop.nq"], files["spacecoop.jsonld"]


def _canonical(data: bytes, fmt) -> set:
    ds = ox.Dataset(ox.parse(data, format=fmt))
    ds.canonicalize(ox.CanonicalizationAlgorithm.RDFC_1_0)
    return set(ds)


def _graphs(ds: Dataset) -> dict:
    """{graph name or None for the default graph: plain Graph}, empty graphs left out."""
    out: dict = {}
    for s, p, o, g in ds.quads((None, None, None, None)):
        name = g.identifier if hasattr(g, "identifier") else g
        key = None if name is None or name == ds.default_graph.identifier else name
        out.setdefault(key, Graph()).add((s, p, o))
    return out


def test_context_file_is_made_from_the_ontology():
    """ontology/context.jsonld is what :func:`make_jsonld_context` makes of ontology/spacecoop.ttl:
    a term added to the ontology needs the file rewritten (``write_jsonld_context()``)."""
    shipped = json.loads((ROOT / CONTEXT_FILE).read_text(encoding="utf-8"))
    made = make_jsonld_context(Graph().parse(ROOT / "ontology" / "spacecoop.ttl"))
    assert shipped == made, (
        "ontology/context.jsonld is stale: run "
        "python -c 'from spacecoop.views.export import write_jsonld_context; write_jsonld_context()'"
    )


def test_context_names_every_term_of_ours_and_keeps_the_prefixes():
    ctx = jsonld_context(ROOT)
    onto = Graph().parse(ROOT / "ontology" / "spacecoop.ttl")
    for prefix, iri in PREFIXES.items():
        assert ctx[prefix] == iri
    # expand each term as a JSON-LD processor would: the IRI it stands for
    expanded = {}
    for term, dfn in ctx.items():
        target = dfn if isinstance(dfn, str) else dfn.get("@id", term)
        pre, _, local = target.partition(":")
        expanded[term] = ctx[pre] + local if pre in ctx and not local.startswith("//") else target
    named = set(expanded.values())
    ours = {
        str(t)
        for kind in (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty)
        for t in onto.subjects(RDF.type, kind)
        if str(t).startswith(NS)
    }
    assert ours and ours <= named, sorted(ours - named)
    # short names where they cannot be mistaken for a prefix
    assert expanded["Claim"] == NS + "Claim" and expanded["participatesIn"] == NS + "participatesIn"
    assert ctx["participatesIn"]["@type"] == "@id"
    assert ctx["sc:status"] == {"@type": "@id"}  # "status" is the prefix of the status concepts
    assert ctx["date"] == {"@id": "sc:date", "@type": "xsd:date"}
    assert ctx["ordinal"]["@type"] == "xsd:positiveInteger"
    assert ctx["schema:url"] == {"@type": "xsd:anyURI"}


def test_document_uses_the_short_names(outputs):
    _, jsonld = outputs
    data = json.loads(jsonld)
    assert data["@context"] == jsonld_context(ROOT)  # inline: nothing to fetch
    named = [n for n in data["@graph"] if "@graph" in n]
    assert named and all("@id" in n for n in named)  # no id-less graph object (a blank-node graph)
    claims = [c for g in named for c in g["@graph"] if c.get("@type") == "Claim"]
    assert claims
    ctx = data["@context"]
    for c in claims:  # IRIs shortened with the prefixes, values of concepts by their scheme's prefix
        assert c["about"].split(":")[0] in ctx and not c["about"].startswith("https:"), c["about"]
        assert c["sc:certainty"].startswith("certainty:"), c
    # what the article says of Turkey and the ILRS, hedge kept, in the context's words
    turkey = [
        c
        for c in claims
        if c["about"] == "participation:country/turkey/initiative/international-lunar-research-station"
        and c.get("quote") == "with Turkey understood to have signed up also"
    ]
    assert len(turkey) == 1
    assert turkey[0]["sc:status"] == "status:signatory"
    assert turkey[0]["sc:certainty"] == "certainty:hedged"
    assert turkey[0]["prov:wasDerivedFrom"] == "source:spacenews-2025-04-25-change-8-payloads"
    dated = [c["date"] for c in claims if "date" in c]
    assert dated and all(re.fullmatch(r"\d{4}-\d{2}-\d{2}", d) for d in dated)  # xsd:date by coercion
    # a year or a month keeps its datatype under the CURIE
    for c in claims:
        for v in c.get("sc:date", []) if isinstance(c.get("sc:date"), list) else [c.get("sc:date")]:
            if v is not None:
                assert v["@type"] in ("xsd:gYear", "xsd:gYearMonth"), v


@pytest.mark.slow
def test_rdflib_reads_back_every_graph(outputs):
    nq, jsonld = outputs
    want = _graphs(Dataset().parse(data=nq, format="nquads"))
    got = _graphs(Dataset().parse(data=jsonld, format="json-ld"))
    assert set(got) == set(want)
    assert None in got and len(got[None]) == len(want[None])  # the default graph intact
    for name, g in want.items():
        assert isomorphic(got[name], g), name


def test_pyoxigraph_reads_back_the_same_dataset(outputs):
    nq, jsonld = outputs
    want = _canonical(nq, ox.RdfFormat.N_QUADS)
    got = _canonical(jsonld, ox.RdfFormat.JSON_LD)
    assert got == want
    default = [q for q in got if q.graph_name == ox.DefaultGraph()]
    assert default and not [q for q in got if isinstance(q.graph_name, ox.BlankNode)]


def _node() -> str:
    node = shutil.which("node")
    if node is None:
        pytest.fail("node is not installed: scripts/test installs the Node tools these tests need")
    if not (JS / "node_modules").is_dir():
        pytest.fail("tests/js/node_modules is missing: run `npm ci` in tests/js (scripts/test does)")
    return node


def run_node(*args: str) -> str:
    """Run tests/js/load.mjs and return its standard output."""
    proc = subprocess.run(
        [_node(), str(JS / "load.mjs"), *args], capture_output=True, text=True, timeout=120, check=False
    )
    assert proc.returncode == 0, proc.stderr
    return proc.stdout


@pytest.mark.tools
def test_jsonld_js_reads_back_the_same_dataset(outputs, tmp_path):
    """jsonld.js (toRDF, a JSON-LD 1.1 processor) gives the N-Quads of the build, canonicalised."""
    nq, jsonld = outputs
    (tmp_path / "d.jsonld").write_bytes(jsonld)
    js_nq = run_node("nquads", str(tmp_path / "d.jsonld")).encode("utf-8")
    assert _canonical(js_nq, ox.RdfFormat.N_QUADS) == _canonical(nq, ox.RdfFormat.N_QUADS)
    default = [line for line in js_nq.decode().split("\n") if line and line.rstrip(" .").count("> ") < 3]
    assert default  # triples without a graph name: the default graph kept


def test_one_node_and_a_missing_context(tmp_path):
    from rdflib import Literal, URIRef

    ds = Dataset()
    ds.add((URIRef(PREFIXES["country"] + "chile"), URIRef(NS + "iso3166Alpha2"), Literal("CL")))
    data = json.loads(dataset_jsonld(ds, jsonld_context(ROOT)))
    assert data["@graph"] == [{"@id": "country:chile", "iso3166Alpha2": "CL"}]
    (tmp_path / "ontology").mkdir()
    with pytest.raises(SpacecoopError, match=r"context\.jsonld"):
        jsonld_context(tmp_path)
    (tmp_path / "ontology" / "context.jsonld").write_text("[]")
    with pytest.raises(SpacecoopError, match="not a JSON-LD context"):
        jsonld_context(tmp_path)
