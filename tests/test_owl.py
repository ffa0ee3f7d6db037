"""The ontology as OWL 2 DL tools read it: declared terms, ranges in the datatype map, HermiT, the
OWL API's OWL 2 DL profile checker.

Fast lane (pure rdflib): every term that ontology/ and graph/ use as a predicate, a type or in an
axiom is declared in the ontology with one kind only and used as that kind; data ranges are in the
OWL 2 datatype map or defined datatypes; every value in the graph lies in its property's range.

Tools lane: HermiT (bundled with owlready2, run with Java) finds the ontology, and the ontology with
the data, consistent; the OWL API (Debian's libowlapi-java; a small Java class compiled here with
javac) finds them inside the OWL 2 DL profile. ``scripts/test`` installs the JDK and the jars. Each
check also runs on a broken copy (a gYear range, an undeclared term, a punned property, a malformed
year) and must report it.

The data carry dates as xsd:date, xsd:gYearMonth and xsd:gYear literals (``ontology/shapes.ttl``
demands them); those datatypes are not in the OWL 2 datatype map, so for the OWL tools each such
value is given as its lexical form, a string: what ``sc:Year`` defines (see its definition).
"""

from __future__ import annotations

import re
import shutil
import subprocess
from collections import defaultdict
from decimal import Decimal, InvalidOperation
from pathlib import Path

import pytest
from rdflib import OWL, RDF, RDFS, XSD, BNode, Graph, Literal, Namespace, URIRef

from spacecoop.core.namespaces import NS

SC = Namespace(NS)
SCHEMA = Namespace("https://schema.org/")
PROV = Namespace("http://www.w3.org/ns/prov#")

RESERVED = (str(RDF), str(RDFS), str(OWL), str(XSD))
"""Namespaces of the OWL 2 reserved vocabulary: built in, never declared."""

KINDS = (OWL.Class, OWL.ObjectProperty, OWL.DatatypeProperty, OWL.AnnotationProperty, RDFS.Datatype)

OWL2_DATATYPES = frozenset(
    [RDF.PlainLiteral, RDF.XMLLiteral, RDF.langString, RDFS.Literal, OWL.real, OWL.rational]
    + [
        XSD[n]
        for n in [
            "decimal",
            "integer",
            "nonNegativeInteger",
            "nonPositiveInteger",
            "positiveInteger",
            "negativeInteger",
            "long",
            "int",
            "short",
            "byte",
            "unsignedLong",
            "unsignedInt",
            "unsignedShort",
            "unsignedByte",
            "double",
            "float",
            "string",
            "normalizedString",
            "token",
            "language",
            "Name",
            "NCName",
            "NMTOKEN",
            "boolean",
            "hexBinary",
            "base64Binary",
            "anyURI",
            "dateTime",
            "dateTimeStamp",
        ]
    ]
)
"""The OWL 2 datatype map (OWL 2 Structural Specification, section 4), plus rdf:langString of RDF 1.1."""

DATES_OUTSIDE_THE_MAP = frozenset([XSD.date, XSD.gYearMonth, XSD.gYear])
"""The date datatypes the data use (by precision) that OWL 2 DL does not know."""


# ---------------------------------------------------------------------------------------------------
# Shared helpers


def ontology_graph(root: Path) -> Graph:
    """The OWL ontology: every ``ontology/*.ttl`` except the SHACL shapes."""
    g = Graph()
    for path in sorted((root / "ontology").glob("*.ttl")):
        if path.name != "shapes.ttl":
            g.parse(path, format="turtle")
    return g


def flat(ds) -> Graph:
    """Every triple of every graph of a dataset in one graph (OWL has no named graphs)."""
    g = Graph()
    for s, p, o, _ in ds.quads((None, None, None, None)):
        g.add((s, p, o))
    return g


def with_lexical_dates(g: Graph) -> Graph:
    """A copy of ``g`` in which each literal of a datatype outside the OWL 2 datatype map is its
    lexical form (an xsd:string); fails on a datatype that is neither in the map nor a date."""
    out = Graph()
    for s, p, o in g:
        if isinstance(o, Literal) and o.datatype is not None and o.datatype not in OWL2_DATATYPES:
            assert o.datatype in DATES_OUTSIDE_THE_MAP, (
                f"{s} {p} has a {o.datatype} value: a datatype outside the OWL 2 datatype map; "
                "say in ontology/spacecoop.ttl how OWL tools read it"
            )
            o = Literal(str(o))
        out.add((s, p, o))
    return out


def declared_kinds(onto: Graph) -> dict[URIRef, set[URIRef]]:
    kinds: dict[URIRef, set[URIRef]] = defaultdict(set)
    for kind in KINDS:
        for s in onto.subjects(RDF.type, kind):
            if isinstance(s, URIRef):
                kinds[s].add(kind)
    return kinds


def reserved(term) -> bool:
    return str(term).startswith(RESERVED)


@pytest.fixture(scope="module")
def onto(root) -> Graph:
    return ontology_graph(root)


@pytest.fixture(scope="module")
def kinds(onto) -> dict[URIRef, set[URIRef]]:
    return declared_kinds(onto)


# ---------------------------------------------------------------------------------------------------
# Fast lane: declarations, kinds, ranges, values (pure rdflib)


def used_terms(g: Graph) -> dict[URIRef, str]:
    """Terms in predicate or type position, or in the class/property position of an axiom, with the
    first triple that uses each (for the message)."""
    axioms = (RDFS.subClassOf, RDFS.domain, RDFS.range, RDFS.subPropertyOf, OWL.equivalentClass)
    out: dict[URIRef, str] = {}
    for s, p, o in g:
        terms = [p]
        if p == RDF.type or p in axioms or (p == OWL.onDatatype):
            terms.append(o)
        if p in (RDFS.subPropertyOf, RDFS.subClassOf):
            terms.append(s)
        for t in terms:
            if isinstance(t, URIRef) and not reserved(t):
                out.setdefault(t, f"{s} {p} {o}")
    return out


def test_every_term_the_ontology_and_the_graph_use_is_declared(full_ds, kinds):
    used = used_terms(flat(full_ds))
    missing = {t: where for t, where in used.items() if t not in kinds}
    assert not missing, "used but not declared in ontology/spacecoop.ttl:\n" + "\n".join(
        f"  {t}  (e.g. {where})" for t, where in sorted(missing.items())
    )


def test_the_check_finds_an_undeclared_term(kinds):
    g = Graph()
    g.add((SC.Mission, RDFS.subClassOf, URIRef("http://xmlns.com/foaf/0.1/Project")))
    g.add((URIRef("https://w3id.org/spacecoop/id/x"), SCHEMA.startDate, Literal("2030")))
    missing = {t for t in used_terms(g) if t not in kinds}
    assert missing == {URIRef("http://xmlns.com/foaf/0.1/Project"), SCHEMA.startDate}


def test_every_declared_term_has_one_kind(kinds):
    # OWL 2 DL allows a class to share its IRI with an individual, never a property of one kind
    # with another (object / data / annotation) nor a class with a datatype.
    clashes = {t: sorted(str(k) for k in ks) for t, ks in kinds.items() if len(ks) > 1}
    assert not clashes


def test_properties_are_used_as_their_kind_says(full_ds, kinds):
    wrong: list[str] = []
    for s, p, o in flat(full_ds):
        ks = kinds.get(p, set())
        if OWL.ObjectProperty in ks and isinstance(o, Literal):
            wrong.append(f"object property {p} has a literal value on {s}: {o!r}")
        elif OWL.DatatypeProperty in ks and not isinstance(o, Literal):
            wrong.append(f"data property {p} has a non-literal value on {s}: {o}")
        if (
            p == RDF.type
            and isinstance(o, URIRef)
            and not reserved(o)
            and OWL.Class not in kinds.get(o, set())
        ):
            wrong.append(f"{s} is typed {o}, which is not declared an owl:Class")
    assert not wrong, "\n".join(wrong[:20])


def test_outside_terms_name_their_vocabulary(onto, kinds):
    for term in kinds:
        if not str(term).startswith(NS) and not reserved(term):
            assert isinstance(onto.value(term, RDFS.isDefinedBy), URIRef), f"{term} has no rdfs:isDefinedBy"


def test_data_ranges_are_in_the_owl2_datatype_map_or_defined(onto, kinds):
    for prop in onto.subjects(RDF.type, OWL.DatatypeProperty):
        for rng in onto.objects(prop, RDFS.range):
            if rng in OWL2_DATATYPES:
                continue
            assert RDFS.Datatype in kinds.get(rng, set()), f"{prop}: range {rng} is outside the OWL 2 map"
            assert isinstance(onto.value(rng, OWL.equivalentClass), BNode), (
                f"{prop}: range {rng} is declared but not defined (HermiT needs a definition)"
            )


def year_pattern(onto: Graph) -> re.Pattern[str]:
    """sc:Year's xsd:pattern, read from its definition in the ontology."""
    restriction = onto.value(SC.Year, OWL.equivalentClass)
    assert onto.value(restriction, OWL.onDatatype) == XSD.string
    facet_list = onto.value(restriction, OWL.withRestrictions)
    assert facet_list is not None, "sc:Year has no owl:withRestrictions"
    facets = list(onto.items(facet_list))
    (pattern,) = [onto.value(f, XSD.pattern) for f in facets]
    return re.compile(str(pattern))


_INTEGER_BOUNDS = {
    XSD.integer: (None, None),
    XSD.positiveInteger: (1, None),
    XSD.nonNegativeInteger: (0, None),
    XSD.negativeInteger: (None, -1),
    XSD.nonPositiveInteger: (None, 0),
}
_INTEGERS = set(_INTEGER_BOUNDS) | {
    XSD[n] for n in ["long", "int", "short", "byte", "unsignedLong", "unsignedInt"]
}


def in_range(value: Literal, rng: URIRef, onto: Graph) -> bool:
    """Whether a literal lies in a data range, by value, as an OWL 2 reasoner reads it."""
    dt = value.datatype
    if rng == SC.Year:
        # The data write years as xsd:gYear; OWL tools get the lexical form.
        return (
            dt in (XSD.gYear, XSD.string, None)
            and not value.language
            and bool(year_pattern(onto).fullmatch(str(value)))
        )
    if rng == XSD.string:
        return (dt in (XSD.string, None)) and not value.language
    if rng == XSD.boolean:
        return dt == XSD.boolean and str(value) in ("true", "false", "1", "0")
    if rng in _INTEGER_BOUNDS or rng == XSD.decimal:
        if dt not in _INTEGERS | {XSD.decimal}:
            return False
        try:
            number = Decimal(str(value))
        except InvalidOperation:
            return False
        if rng == XSD.decimal:
            return True
        low, high = _INTEGER_BOUNDS[rng]
        return (
            number == number.to_integral_value()
            and (low is None or number >= low)
            and (high is None or number <= high)
        )
    raise AssertionError(f"no check for range {rng}: add one to in_range")


def test_every_value_lies_in_its_range(full_ds, onto):
    ranges = {
        p: r for p, r in onto.subject_objects(RDFS.range) if (p, RDF.type, OWL.DatatypeProperty) in onto
    }
    out = [
        f"{s} {p} {o!r} is not in {ranges[p]}"
        for s, p, o in flat(full_ds)
        if p in ranges and not in_range(o, ranges[p], onto)
    ]
    assert not out, "\n".join(out[:20])


def test_the_range_check_catches_bad_values(onto):
    assert in_range(Literal("2028", datatype=XSD.gYear), SC.Year, onto)
    assert not in_range(Literal("next year", datatype=XSD.gYear), SC.Year, onto)
    assert not in_range(Literal("28"), SC.Year, onto)
    assert in_range(Literal(56), XSD.positiveInteger, onto)
    assert not in_range(Literal(0), XSD.positiveInteger, onto)
    assert not in_range(Literal("a quote", lang="en"), XSD.string, onto)
    assert in_range(Literal(Decimal("1.5")), XSD.decimal, onto)


def test_planned_years_in_the_graph_are_years(full_ds, onto):
    """Data, shapes and ontology agree: gYear literals (shapes) whose lexical forms are sc:Year."""
    pattern = year_pattern(onto)
    props = [SC.plannedYear, SC.plannedLaunchEarliest, SC.plannedLaunchLatest]
    for p in props:
        assert onto.value(p, RDFS.range) == SC.Year
    values = [o for p in props for o in full_ds.objects(None, p)]
    assert values, "the graph gives no planned year (tests/test_graph.py expects Chang'e-7's and -8's)"
    for o in values:
        assert o.datatype == XSD.gYear and pattern.fullmatch(str(o)), o


def test_the_year_pattern_is_the_lexical_space_of_gyear(onto):
    pattern = year_pattern(onto)
    for ok in ("2028", "0999", "12345", "-0044", "2028Z", "2028+05:30", "2028-14:00"):
        assert pattern.fullmatch(ok), ok
    for bad in ("28", "028", "2028-01", "02028", "2028+15:00", " 2028", "MMXXVIII", ""):
        assert not pattern.fullmatch(bad), bad


# ---------------------------------------------------------------------------------------------------
# Tools lane: HermiT through owlready2, the OWL API's OWL 2 DL profile checker

SETUP = "scripts/test installs it (apt-get install default-jdk-headless libowlapi-java)"


def write(g: Graph, path: Path, fmt: str) -> Path:
    g.serialize(destination=str(path), format=fmt, encoding="utf-8")
    return path


def gyear_range_copy(onto: Graph) -> Graph:
    """The ontology as it was before: sc:plannedYear ranging over xsd:gYear."""
    g = Graph() + onto
    g.remove((SC.plannedYear, RDFS.range, None))
    g.add((SC.plannedYear, RDFS.range, XSD.gYear))
    return g


def undeclared_copy(onto: Graph) -> Graph:
    """The ontology with prov:Entity, a superclass of sc:Source and sc:Claim, undeclared."""
    g = Graph() + onto
    g.remove((PROV.Entity, None, None))
    return g


def punned_copy(onto: Graph) -> Graph:
    """The ontology with schema:url declared both a data and an object property, and used as the
    latter (a page's URL written as an IRI)."""
    g = Graph() + onto
    g.add((SCHEMA.url, RDF.type, OWL.ObjectProperty))
    g.add((URIRef("https://w3id.org/spacecoop/id/source/x"), SCHEMA.url, URIRef("https://example.org/x")))
    return g


# HermiT (owlready2) -------------------------------------------------------------------------------


def require_java() -> None:
    if shutil.which("java") is None:
        pytest.fail(f"no java on PATH: HermiT runs on Java; {SETUP}")


def run_hermit(g: Graph, tmp: Path) -> object:
    """Load ``g`` (as N-Triples) into a fresh owlready2 world and run HermiT on it; return the world."""
    import owlready2

    require_java()
    path = write(g, tmp / "ontology.nt", "nt")
    world = owlready2.World()
    world.get_ontology(path.as_uri()).load(format="ntriples")
    owlready2.sync_reasoner_hermit(world, debug=0)
    return world


@pytest.mark.tools
@pytest.mark.slow
def test_hermit_finds_the_ontology_consistent(onto, tmp_path):
    world = run_hermit(onto, tmp_path)
    # Consistent (sync_reasoner raises otherwise) and no class is unsatisfiable.
    assert list(world.inconsistent_classes()) == []


@pytest.mark.tools
@pytest.mark.slow
def test_hermit_refuses_a_gyear_range(onto, tmp_path):
    import owlready2

    with pytest.raises(owlready2.OwlReadyJavaError, match="gYear"):
        run_hermit(gyear_range_copy(onto), tmp_path)


@pytest.mark.tools
@pytest.mark.slow
def test_hermit_finds_the_ontology_with_the_data_consistent(full_ds, tmp_path):
    world = run_hermit(with_lexical_dates(flat(full_ds)), tmp_path)
    assert list(world.inconsistent_classes()) == []
    # The data came through: the graph's missions are sc:Mission individuals in the reasoned world.
    missions = {str(m) for m in full_ds.subjects(RDF.type, SC.Mission)}
    assert missions and missions <= {i.iri for i in world[str(SC.Mission)].instances()}


@pytest.mark.tools
@pytest.mark.slow
def test_hermit_checks_years_against_sc_year(onto, tmp_path):
    import owlready2

    g = Graph() + onto
    mission = URIRef("https://w3id.org/spacecoop/id/mission/test-mission")
    g.add((mission, RDF.type, SC.Mission))
    g.add((mission, SC.plannedYear, Literal("next year")))
    with pytest.raises(owlready2.OwlReadyInconsistentOntologyError):
        run_hermit(g, tmp_path)


# OWL API OWL 2 DL profile ---------------------------------------------------------------------------

JAVA_CHECKER = r"""
import java.io.File;
import org.semanticweb.owlapi.apibinding.OWLManager;
import org.semanticweb.owlapi.formats.TurtleDocumentFormat;
import org.semanticweb.owlapi.io.FileDocumentSource;
import org.semanticweb.owlapi.model.OWLOntology;
import org.semanticweb.owlapi.model.OWLOntologyManager;
import org.semanticweb.owlapi.profiles.OWL2DLProfile;
import org.semanticweb.owlapi.profiles.OWLProfileViolation;

/** Prints FILE TAB VIOLATION-CLASS TAB TEXT for each OWL 2 DL profile violation of each Turtle file. */
public class DlProfileCheck {
    public static void main(String[] args) throws Exception {
        for (String path : args) {
            OWLOntologyManager manager = OWLManager.createOWLOntologyManager();
            OWLOntology ontology = manager.loadOntologyFromOntologyDocument(
                new FileDocumentSource(new File(path), new TurtleDocumentFormat()));
            for (OWLProfileViolation v : new OWL2DLProfile().checkOntology(ontology).getViolations()) {
                System.out.println(path + "\t" + v.getClass().getSimpleName() + "\t"
                    + v.toString().replace('\n', ' ').replace('\t', ' '));
            }
        }
    }
}
"""

JARS = [
    "owlapi-api",
    "owlapi-impl",
    "owlapi-parsers",
    "owlapi-apibinding",
    "guava",
    "caffeine",
    "atinject-jsr330-api",
    "slf4j-api",
    "slf4j-nop",
    "commons-io",
    "hppcrt",
    "commons-rdf-api",
    "jsr305",
    "xz",
]
"""Debian's OWL API 5 and what its Turtle parser and profile checker load (/usr/share/java)."""


@pytest.fixture(scope="module")
def profile_checker(tmp_path_factory):
    """Compile the checker against Debian's OWL API jars; return a function FILES -> violations."""
    if shutil.which("javac") is None:
        pytest.fail(f"no javac on PATH: the OWL 2 DL profile check compiles a Java class; {SETUP}")
    jars = [Path("/usr/share/java") / f"{name}.jar" for name in JARS]
    absent = [str(j) for j in jars if not j.is_file()]
    if absent:
        pytest.fail(f"the OWL API is not installed ({', '.join(absent)} absent); {SETUP}")
    build = tmp_path_factory.mktemp("owlapi")
    (build / "DlProfileCheck.java").write_text(JAVA_CHECKER, encoding="utf-8")
    classpath = ":".join([*map(str, jars), str(build)])
    javac = subprocess.run(
        ["javac", "-cp", classpath, "-d", str(build), str(build / "DlProfileCheck.java")],
        check=False,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert javac.returncode == 0, f"javac against Debian's OWL API failed:\n{javac.stderr[-3000:]}"

    def check(*paths: Path) -> dict[Path, list[tuple[str, str]]]:
        proc = subprocess.run(
            ["java", "-cp", classpath, "DlProfileCheck", *map(str, paths)],
            check=False,
            capture_output=True,
            text=True,
            timeout=300,
        )
        assert proc.returncode == 0, proc.stderr[-3000:]
        out: dict[Path, list[tuple[str, str]]] = {p: [] for p in paths}
        for line in proc.stdout.splitlines():
            path, kind, text = line.split("\t", 2)
            out[Path(path)].append((kind, text))
        return out

    return check


@pytest.fixture(scope="module")
def profile(profile_checker, root, onto, full_ds, tmp_path_factory):
    """Violations of the OWL 2 DL profile, by case: one JVM for every file."""
    d = tmp_path_factory.mktemp("profile")
    data = flat(full_ds)
    cases = {
        "ontology": onto,
        "spacecoop.ttl alone": Graph().parse(root / "ontology" / "spacecoop.ttl"),  # what Protégé opens
        "data": with_lexical_dates(data),
        "data as written": data,
        "gYear range": gyear_range_copy(onto),
        "undeclared": undeclared_copy(onto),
        "punned": punned_copy(onto),
    }
    # N-Triples (a subset of Turtle, which the checker parses): fast to write for the whole graph.
    paths = {name: write(g, d / f"{name.replace(' ', '-')}.nt", "nt") for name, g in cases.items()}
    found = profile_checker(*paths.values())
    return {name: found[path] for name, path in paths.items()}


@pytest.mark.tools
@pytest.mark.slow
def test_the_ontology_is_in_the_owl2_dl_profile(profile):
    assert profile["ontology"] == []
    assert profile["spacecoop.ttl alone"] == []


@pytest.mark.tools
@pytest.mark.slow
def test_the_data_with_dates_as_lexical_forms_is_in_the_owl2_dl_profile(profile):
    assert profile["data"] == []


@pytest.mark.tools
@pytest.mark.slow
def test_the_data_as_written_leaves_the_profile_only_through_its_dates(profile):
    # Literals of xsd:date, xsd:gYearMonth and xsd:gYear (ontology/shapes.ttl asks for them) are
    # outside the OWL 2 datatype map; nothing else in the data is.
    violations = profile["data as written"]
    assert violations
    names = ("xsd:date", "xsd:gYearMonth", "xsd:gYear", *map(str, DATES_OUTSIDE_THE_MAP))
    assert all(any(n in text for n in names) for _, text in violations), violations[:5]


@pytest.mark.tools
@pytest.mark.slow
@pytest.mark.parametrize(
    "case, kinds, term",
    [
        ("gYear range", {"UseOfUndeclaredDatatype", "UseOfUnknownDatatype"}, "gYear"),
        ("undeclared", {"UseOfUndeclaredClass"}, str(PROV.Entity)),
        ("punned", {"IllegalPunning"}, str(SCHEMA.url)),
    ],
)
def test_the_profile_check_reports_a_broken_copy(profile, case, kinds, term):
    assert any(kind in kinds and term in text for kind, text in profile[case]), profile[case][:5]
