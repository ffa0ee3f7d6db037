"""A synthetic corpus shaped like the real data, for tests and benchmarks at scale.

:func:`write_corpus` writes a project root that ``spacecoop validate --root DIR`` accepts:

* ``ontology/`` and ``queries/`` copied from the project (so shapes, checks and named queries are
  the real ones);
* ``graph/reference/``: countries (every ISO 3166-1 country pycountry knows, by its ISO name, so
  the loader finds their codes), a few regions (ISO 3166-2 subdivisions), organisations of every
  kind (space agencies, ministries, universities, research institutes, companies, international
  organisations, publishers), initiatives (blocs), missions and their payloads;
* ``graph/sources/synth-NNNNN.trig``: one file per source, one named graph each, with the source's
  description in the default graph and, in its graph, relationship nodes (participations in blocs
  and international organisations, payload developments, payload carriages) and the claims that
  carry them: certainty (mostly stated; some hedged, reported, confirmed, unconfirmed, disputed,
  and contradicted pairs that name each other), status, level, role, dates with their precision,
  and quotes.

Everything is drawn from one ``random.Random(seed)`` and written as text in a fixed order, so one
seed gives byte-identical files. Sources have no ``sc:localCopy`` (there is no text to check quotes
against), so validation skips the verbatim-quote check for them and says so.

Size: about :data:`TRIPLES_PER_SOURCE` triples per source once loaded (shortcut edges and ISO
codes included), plus about 3,000 for the ontology, the countries and the first organisations:
``--sources 48`` gives about 10k triples, ``670`` about 100k, ``6900`` about 1M
(:func:`sources_for_triples`).
"""

from __future__ import annotations

import random
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from rdflib import RDF, SKOS, XSD, Literal, URIRef
from rdflib.namespace import PROV

from spacecoop.core import turtle
from spacecoop.core.errors import UsageError
from spacecoop.core.namespaces import ID, ORG, SC, SCHEMA, concept, entity_iri, relationship_iri

TRIPLES_PER_SOURCE = 145
"""Loaded triples per synthetic source, measured (the benchmark prints the exact figure)."""

FIXED_TRIPLES = 3_000
"""Loaded triples that do not grow with the number of sources (ontology, vocabularies, countries)."""

MARKER = "SYNTHETIC"
"""File that marks a folder as written by :func:`write_corpus` (and safe to overwrite)."""


def sources_for_triples(triples: int) -> int:
    """Return the number of sources that gives about ``triples`` loaded triples.

    Examples
    --------
    >>> sources_for_triples(1_000_000)
    6876
    """
    return max(1, round((triples - FIXED_TRIPLES) / TRIPLES_PER_SOURCE))


@dataclass(frozen=True)
class SynthResult:
    """What :func:`write_corpus` wrote."""

    root: Path
    sources: int
    files: int
    organizations: int
    missions: int
    payloads: int
    relationships: int
    claims: int


_PREFIXES = turtle.header(turtle.PREFIXES + turtle.ROLE_PREFIX)

# (ISO 3166-2 code, name) of regions: special administrative regions and states whose names
# pycountry lists as subdivisions of their country.
_REGIONS = ("US-HI", "US-TX", "US-CA", "US-FL", "DE-BY", "IN-KA", "BR-SP", "AU-NSW", "CA-QC", "ES-CT")

_INITIATIVES = (
    ("International Lunar Research Station", "ILRS"),
    ("Artemis Accords", None),
    ("Lunar Gateway Partnership", None),
    ("Mars Sample Science Consortium", None),
    ("Earth Observation Data Alliance", None),
    ("Deep Space Network Compact", None),
    ("Small Satellite Education Initiative", None),
    ("Space Debris Mitigation Charter", None),
)
_FIELDS = (
    "Space",
    "Aerospace",
    "Astronomy",
    "Remote Sensing",
    "Planetary Science",
    "Space Physics",
    "Satellite",
    "Astrophysics",
    "Geodesy",
    "Rocketry",
    "Lunar Science",
    "Space Weather",
)
_COMPANY = (
    "Orbital",
    "Astra",
    "Nova",
    "Stellar",
    "Lunar",
    "Vector",
    "Zenith",
    "Helio",
    "Polar",
    "Aurora",
    "Quasar",
    "Meridian",
    "Apogee",
    "Perigee",
    "Photon",
    "Horizon",
)
_COMPANY_END = ("Systems", "Dynamics", "Robotics", "Space", "Labs", "Technologies", "Instruments", "Works")
_MISSION = (
    "Lunar Pioneer",
    "Sky Lantern",
    "Deep Horizon",
    "Polar Explorer",
    "Red Voyager",
    "Star Ferry",
    "Comet Chaser",
    "Moon Harbor",
    "Sun Sentinel",
    "Asteroid Scout",
)
_PAYLOAD = (
    "Lunar dust analyzer",
    "Neutron spectrometer",
    "Laser retroreflector",
    "Infrared camera",
    "Magnetometer",
    "Seismometer",
    "Radio receiver",
    "Micro-rover",
    "Plasma probe",
    "Radiation monitor",
    "Ground-penetrating radar",
    "Sample drill",
    "Thermal mapper",
    "Particle detector",
    "Star tracker",
)
_STATUS_NATIONAL = (
    "signatory",
    "member",
    "founding-member",
    "signatory-state",
    "associate-member",
    "observer",
    "applicant",
    "partner",
    "engaged",
)
_CERTAINTY = (("stated", 80), ("hedged", 7), ("reported", 5), ("confirmed", 3), ("unconfirmed", 2))
_VERBS = ("signed up to", "joined", "became a member of", "agreed to take part in", "signed a memorandum on")
_HEDGES = ("is understood to have", "is reported to have", "is said to have", "appears to have")


# Terms written for every claim, looked up once (each DefinedNamespace look-up is a Python call).
_T_CLAIM, _T_ABOUT, _T_DATE, _T_PRECISION, _T_CERTAINTY, _T_QUOTE = (
    SC.Claim,
    SC.about,
    SC.date,
    SC.datePrecision,
    SC.certainty,
    SC.quote,
)
_T_DERIVED, _T_TYPE = PROV.wasDerivedFrom, RDF.type


def _date(text: str) -> Literal:
    """A date of the precision its length gives: ``YYYY-MM-DD``, ``YYYY-MM`` or ``YYYY``."""
    return Literal(text, datatype={10: XSD.date, 7: XSD.gYearMonth, 4: XSD.gYear}[len(text)])


def _en(text: str) -> Literal:
    return Literal(text, lang="en")


class _Synth:
    def __init__(self, n_sources: int, seed: int) -> None:
        import pycountry

        self.rng = random.Random(seed)
        self.n = n_sources
        rng = self.rng
        # Countries: every ISO 3166-1 country, by the name pycountry looks it up by.
        self.countries = sorted({c.name: c for c in pycountry.countries}.items())
        self.country_iri = {name: entity_iri("country", name) for name, _ in self.countries}
        by_alpha2 = {c.alpha_2: name for name, c in self.countries}
        self.regions = []  # (name, iri, country name)
        for code in _REGIONS:
            sub = pycountry.subdivisions.get(code=code)
            parent = by_alpha2.get(code.split("-")[0])
            if sub is not None and parent and sub.name not in self.country_iri:
                self.regions.append((sub.name, entity_iri("region", sub.name), parent))
        # The countries that take part in space cooperation: a weighted subset, so some are hubs.
        names = [name for name, _ in self.countries]
        self.active = rng.sample(names, min(len(names), 120))
        self.weights = [1.0 / (i + 1) ** 0.8 for i in range(len(self.active))]
        # Organisations.
        self.orgs: list[tuple] = []  # (iri, label, alt, kind, based_in iri or None, not_stated)
        self._org_names: set[str] = set()
        n_orgs = max(60, n_sources // 2)
        for name in sorted(self.active[:60]):
            self._add_org(f"{name} Space Agency", "space-agency", self.country_iri[name])
        self.publishers = []
        outlets = ("Space News", "Orbit Report", "Launch Wire", "Space Daily", "Satellite Times")
        for _ in range(max(8, min(200, n_sources // 20))):
            country = self._pick_country()
            iri = self._add_org(
                f"{rng.choice(_COMPANY)} {rng.choice(outlets)}",
                "publisher",
                self.country_iri[country],
            )
            self.publishers.append(iri)
        self.intl = []
        for _ in range(max(4, n_orgs // 40)):
            region = rng.choice(
                (
                    "Asia-Pacific",
                    "African",
                    "European",
                    "Latin American",
                    "Arab",
                    "Nordic",
                    "Pacific",
                    "Central Asian",
                    "Caribbean",
                    "Mediterranean",
                )
            )
            iri = self._add_org(
                f"{region} {rng.choice(_FIELDS)} Cooperation Organization", "international-organization", None
            )
            self.intl.append(iri)
        self.developers = []
        while len(self.orgs) < n_orgs + len(self.publishers) + len(self.intl) + 60:
            kind = rng.choices(
                ("university", "research-institute", "company", "ministry", "government-body"),
                (30, 30, 25, 8, 7),
            )[0]
            where = self._pick_place()
            place_label = where[0]
            if kind == "university":
                label = f"{place_label} University of {rng.choice(_FIELDS)}"
            elif kind == "research-institute":
                label = f"{place_label} Institute of {rng.choice(_FIELDS)}"
            elif kind == "company":
                label = f"{rng.choice(_COMPANY)} {rng.choice(_COMPANY_END)}"
            elif kind == "ministry":
                label = f"Ministry of Science and {rng.choice(_FIELDS)} ({place_label})"
            else:
                label = f"{place_label} {rng.choice(_FIELDS)} Office"
            not_stated = kind == "company" and rng.random() < 0.2
            iri = self._add_org(label, kind, None if not_stated else where[1], not_stated=not_stated)
            self.developers.append(iri)
        self.developers += [o[0] for o in self.orgs if o[3] == "space-agency"]
        self.developers.sort()
        self.org_members = self.developers + self.intl
        # Initiatives and missions.
        self.initiatives = [(entity_iri("initiative", name), name, alt) for name, alt in _INITIATIVES]
        self.missions = []
        for i in range(max(5, n_sources // 25)):
            label = f"{rng.choice(_MISSION)} {i + 1}"
            earliest = rng.randint(2026, 2035)
            self.missions.append(
                (entity_iri("mission", label), label, earliest, earliest + rng.choice((0, 1, 2)))
            )
        self.payloads: list[tuple] = []  # (iri, label, mission iri, rover)
        self._payload_names: set = set()

    def _unique(self, label: str, seen: set) -> str:
        base, n = label, 2
        from spacecoop.core.namespaces import slugify

        while slugify(label) in seen:
            label, n = f"{base} {n}", n + 1
        seen.add(slugify(label))
        return label

    def _add_org(self, label: str, kind: str, based_in, *, not_stated: bool = False):
        label = self._unique(label, self._org_names)
        iri = entity_iri("org", label)
        words = [w for w in label.replace("(", " ").replace(")", " ").split() if w[:1].isupper()]
        alt = "".join(w[0] for w in words) if len(words) > 2 else None
        self.orgs.append((iri, label, alt, kind, based_in, not_stated))
        return iri

    def _pick_country(self) -> str:
        return self.rng.choices(self.active, self.weights)[0]

    def _pick_place(self) -> tuple[str, object]:
        if self.regions and self.rng.random() < 0.08:
            name, iri, _ = self.rng.choice(self.regions)
            return name, iri
        name = self._pick_country()
        return name, self.country_iri[name]

    def label_of(self, iri) -> str:
        if not hasattr(self, "_labels"):
            self._labels = {o[0]: o[1] for o in self.orgs}
            self._labels.update({v: k for k, v in self.country_iri.items()})
            self._labels.update({r[1]: r[0] for r in self.regions})
            self._labels.update({i[0]: i[1] for i in self.initiatives})
            self._labels.update({m[0]: m[1] for m in self.missions})
        return self._labels[iri]

    # -- sources -------------------------------------------------------------------------------
    def source(self, i: int) -> tuple[str, str, dict]:
        rng = self.rng
        year = rng.randint(2015, 2026)
        month, day = rng.randint(1, 12), rng.randint(1, 28)
        date = f"{year}-{month:02d}-{day:02d}"
        name = f"synth-{i:05d}"
        src = entity_iri("source", name)
        publisher = rng.choice(self.publishers)
        topic = rng.choice(("payloads", "bloc", "mixed"))
        about = [
            (src, RDF.type, SC.Source),
            (src, RDF.type, SCHEMA.NewsArticle),
            (src, SKOS.prefLabel, _en(f"Synthetic report {i:05d}, {date}")),
            (src, SCHEMA.headline, _en(f"Space cooperation roundup number {i}")),
            (src, SCHEMA.publisher, publisher),
            (src, SCHEMA.datePublished, _date(date)),
        ]
        out: list[tuple] = []
        counts = {"relationships": 0, "claims": 0}
        claim_no = [0]

        def claim(about, quote, *, extra=(), certainty: str | None = None) -> URIRef:
            claim_no[0] += 1
            cid = ID[f"claim/{name}/c{claim_no[0]}"]
            cert = certainty or rng.choices([c for c, _ in _CERTAINTY], [w for _, w in _CERTAINTY])[0]
            t = [(cid, _T_TYPE, _T_CLAIM), (cid, _T_ABOUT, about), *((cid, p, o) for p, o in extra)]
            r = rng.random()
            for limit, when, precision in (
                (0.45, date, "day"),
                (0.7, date[:7], "month"),
                (0.85, date[:4], "year"),
            ):
                if r < limit:
                    t += [
                        (cid, SC.date, _date(when)),
                        (cid, SC.datePrecision, concept("date-precision", precision)),
                    ]
                    break
            counts["claims"] += 1
            t += [
                (cid, _T_CERTAINTY, concept("certainty", cert)),
                (cid, _T_QUOTE, Literal(quote)),
                (cid, _T_DERIVED, src),
            ]
            out.extend(t)
            return cid

        n_rel = rng.randint(5, 11)
        for _ in range(n_rel):
            kind = rng.random()
            if (topic == "payloads" and kind < 0.75) or (topic == "mixed" and kind < 0.4):
                self._development(out, claim, counts)
            else:
                self._participation(out, claim, counts)
        text = [
            _PREFIXES,
            f"# Synthetic source {i} (not a real article).",
            *turtle.block(about),
            "",
            *turtle.graph(src, turtle.block(out, "    ")),
        ]
        return f"{name}.trig", "\n".join(text) + "\n", counts

    def _new_payload(self):
        rng = self.rng
        mission = rng.choice(self.missions)
        label = self._unique(f"{rng.choice(_PAYLOAD)} {len(self.payloads) + 1}", self._payload_names)
        iri = entity_iri("payload", label, within=mission[1])
        p = (iri, label, mission, label.startswith("Micro-rover"))
        self.payloads.append(p)
        return p

    def _development(self, out, claim, counts) -> None:
        rng = self.rng
        if not self.payloads or rng.random() < 0.45:
            payload = self._new_payload()
            new = True
        else:
            payload = rng.choice(self.payloads)
            new = False
        piri, plabel, mission, _ = payload
        developers = rng.sample(self.developers, rng.choice((1, 1, 2, 3)))
        names = " and ".join(self.label_of(d) for d in developers)
        quote = f"{plabel} ({names}), to fly on {mission[1]}"
        for j, dev in enumerate(developers):
            rel = relationship_iri("development", piri, dev)
            counts["relationships"] += 1
            out += [(rel, RDF.type, SC.PayloadDevelopment), (rel, SC.payload, piri), (rel, SC.developer, dev)]
            claim(rel, quote, extra=[(SC.role, concept("role", "developer" if j == 0 else "partner"))])
        if new or rng.random() < 0.3:
            rel = relationship_iri("carriage", mission[0], piri)
            counts["relationships"] += 1
            out += [
                (rel, RDF.type, SC.PayloadCarriage),
                (rel, SC.mission, mission[0]),
                (rel, SC.payload, piri),
            ]
            claim(rel, f"{mission[1]} will carry the {plabel}")

    def _participation(self, out, claim, counts) -> None:
        rng = self.rng
        r = rng.random()
        target = rng.choice(self.initiatives)[0] if r < 0.75 else rng.choice(self.intl)
        target_label = self.label_of(target)
        who = rng.random()
        via = None
        if who < 0.7:
            member = self.country_iri[self._pick_country()]
            level = "national"
            if target in [i[0] for i in self.initiatives] and rng.random() < 0.1:
                via = rng.choice(self.intl)
                level = "via-member-organization"
        elif who < 0.8 and self.regions:
            member, level = rng.choice(self.regions)[1], "sub-national"
        else:
            member, level = rng.choice(self.org_members), "organization"
        if member == target:
            return
        member_label = self.label_of(member)
        rel = relationship_iri("participation", member, target)
        counts["relationships"] += 1
        out += [(rel, RDF.type, SC.Participation), (rel, ORG.member, member), (rel, ORG.organization, target)]
        status = {
            "national": rng.choice(_STATUS_NATIONAL),
            "sub-national": "joined",
            "organization": rng.choice(("member", "supporter", "partner")),
            "via-member-organization": "engaged",
        }[level]
        extra = [(SC.status, concept("status", status)), (SC.level, concept("level", level))]
        if via is not None:
            extra.append((SC.via, via))
        if level == "national" and rng.random() < 0.03:
            # A contradicted pair, as in the real data: one sentence names the member, a list
            # elsewhere in the same source leaves it out; each claim names the other.
            kind = rng.choice(("contradicted", "disputed"))
            first = claim(
                rel, f"{member_label} {rng.choice(_VERBS)} the {target_label}", extra=extra, certainty=kind
            )
            second_extra = [
                (SC.status, concept("status", "not-listed")),
                (SC.level, concept("level", "national")),
            ]
            second = claim(
                rel,
                f"The list of {target_label} participants does not name {member_label}",
                extra=second_extra,
                certainty=kind,
            )
            out += [(first, SC.contradicts, second), (second, SC.contradicts, first)]
            return
        hedge = rng.random() < 0.1
        verb = rng.choice(_VERBS)
        if hedge:
            verb = f"{rng.choice(_HEDGES)} {verb.replace('became', 'become')}"
        claim(
            rel,
            f"{member_label} {verb} the {target_label}",
            extra=extra,
            certainty="hedged" if hedge else None,
        )

    # -- reference files -----------------------------------------------------------------------
    def places_ttl(self) -> str:
        t: list[tuple] = []
        for name, _ in self.countries:
            iri = self.country_iri[name]
            t += [(iri, RDF.type, SC.Country), (iri, SKOS.prefLabel, _en(name))]
        regions: list[tuple] = []
        for name, iri, parent in self.regions:
            regions += [
                (iri, RDF.type, SC.Region),
                (iri, SKOS.prefLabel, _en(name)),
                (iri, SC.partOf, self.country_iri[parent]),
            ]
        return _reference(
            "Synthetic corpus: countries by their ISO 3166 names (codes are added at load).", t, regions
        )

    def organizations_ttl(self) -> str:
        t: list[tuple] = []
        for iri, label, alt, kind, based_in, not_stated in sorted(self.orgs):
            t += [(iri, RDF.type, SC.Organization), (iri, SKOS.prefLabel, _en(label))]
            if alt:
                t.append((iri, SKOS.altLabel, _en(alt)))
            t.append((iri, SC.kind, concept("org-kind", kind)))
            if based_in is not None:
                t.append((iri, SC.basedIn, based_in))
            if not_stated:
                t.append((iri, SC.countryNotStated, Literal(True)))
        return _reference("Synthetic organisations.", t)

    def initiatives_ttl(self) -> str:
        initiatives: list[tuple] = []
        for iri, label, alt in self.initiatives:
            initiatives += [(iri, RDF.type, SC.Initiative), (iri, SKOS.prefLabel, _en(label))]
            if alt:
                initiatives.append((iri, SKOS.altLabel, _en(alt)))
        missions: list[tuple] = []
        for iri, label, earliest, latest in self.missions:
            missions += [
                (iri, RDF.type, SC.Mission),
                (iri, SKOS.prefLabel, _en(label)),
                (iri, SC.plannedLaunchEarliest, _date(str(earliest))),
                (iri, SC.plannedLaunchLatest, _date(str(latest))),
            ]
        payloads: list[tuple] = []
        for iri, label, _mission, rover in sorted(self.payloads):
            payloads += [(iri, RDF.type, SC.Payload)] + ([(iri, RDF.type, SC.Rover)] if rover else [])
            payloads.append((iri, SKOS.prefLabel, _en(label)))
        return _reference("Synthetic initiatives, missions and payloads.", initiatives, missions, payloads)


def _reference(comment: str, *groups: list[tuple]) -> str:
    """A reference file: prefixes, a comment line, then each group of triples after a blank line."""
    lines = [_PREFIXES, f"# {comment}"]
    for triples in groups:
        lines += ["", *turtle.block(triples)]
    return "\n".join(lines) + "\n"


def write_corpus(
    out_dir: str | Path,
    sources: int,
    seed: int = 0,
    *,
    root: str | Path | None = None,
    progress: Callable[[int, int], None] | None = None,
) -> SynthResult:
    """Write a synthetic project root with ``sources`` source files into ``out_dir``.

    Parameters
    ----------
    out_dir : path
        Folder to write; created if missing. A folder that holds anything but an earlier synthetic
        corpus (marked by a ``SYNTHETIC`` file) is refused, so real data is never overwritten.
    sources : int
        Number of sources (one ``.trig`` file and one named graph each); at least 1.
    seed : int
        Seed of the random choices: one seed gives byte-identical files.
    root : path, optional
        Project root whose ``ontology/`` and ``queries/`` are copied (default: this checkout).
    progress : callable, optional
        Called as ``progress(done, total)`` while sources are generated.

    Returns
    -------
    SynthResult

    Raises
    ------
    UsageError
        ``sources`` is below 1, or ``out_dir`` holds other files.

    Examples
    --------
    >>> import tempfile
    >>> r = write_corpus(tempfile.mkdtemp() + "/s", sources=3, seed=1)
    >>> r.sources, r.files
    (3, 6)
    """
    from spacecoop.core.layout import Layout, find_root

    if sources < 1:
        raise UsageError(f"--sources must be at least 1, got {sources}")
    out = Path(out_dir)
    if out.exists():
        if not out.is_dir():
            raise UsageError(f"{out} is a file, not a folder")
        if any(out.iterdir()) and not (out / MARKER).is_file():
            raise UsageError(
                f"{out} is not empty and was not written by `spacecoop synth`; choose an empty or new folder"
            )
    project = Layout(find_root() if root is None else Path(root).resolve())
    synth = _Synth(sources, seed)
    files: dict[str, str] = {}
    totals = {"relationships": 0, "claims": 0}
    for i in range(1, sources + 1):
        fname, text, counts = synth.source(i)
        files[f"graph/sources/{fname}"] = text
        for k in totals:
            totals[k] += counts[k]
        if progress is not None and (i % 100 == 0 or i == sources):
            progress(i, sources)
    files["graph/reference/places.ttl"] = synth.places_ttl()
    files["graph/reference/organizations.ttl"] = synth.organizations_ttl()
    files["graph/reference/initiatives.ttl"] = synth.initiatives_ttl()

    # Replace the previous corpus wholesale (a smaller one must not leave files behind).
    for sub in ("graph", "ontology", "queries"):
        if (out / sub).exists():
            shutil.rmtree(out / sub)
    out.mkdir(parents=True, exist_ok=True)
    (out / "graph" / "sources").mkdir(parents=True)
    (out / "graph" / "reference").mkdir(parents=True)
    shutil.copytree(project.base / "ontology", out / "ontology")
    if project.queries_dir.is_dir():
        shutil.copytree(project.queries_dir, out / "queries")
    for rel, text in files.items():
        (out / rel).write_text(text, encoding="utf-8", newline="\n")
    (out / MARKER).write_text(
        f"Synthetic corpus written by `spacecoop synth --sources {sources} --seed {seed}`.\n"
        "Not real data: every name, date and quote is made up. Safe to delete or overwrite.\n",
        encoding="utf-8",
    )
    return SynthResult(
        root=out,
        sources=sources,
        files=len(files),
        organizations=len(synth.orgs),
        missions=len(synth.missions),
        payloads=len(synth.payloads),
        relationships=totals["relationships"],
        claims=totals["claims"],
    )
