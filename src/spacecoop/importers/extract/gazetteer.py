"""Names the extractor knows and what they link to: the gazetteer and THE one linking adapter,
:func:`link_entity`."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

from spacecoop.core.errors import SpacecoopError
from spacecoop.core.labels import shown_literal


@dataclass(frozen=True)
class EntityLink:
    """What a name links to: canonical label, sheet kind, CURIE (empty when new), country."""

    label: str
    kind: str
    curie: str = ""
    country: str = ""
    score: float = 1.0


_KIND_OF_CLASS = {
    "Country": "country",
    "Region": "region",
    "Place": "place",
    "Initiative": "initiative",
    "Mission": "mission",
    "Payload": "payload",
    "Rover": "payload",
}
_KIND_OF_ORG_KIND = {
    "space-agency": "space_agency",
    "ministry": "government_body",
    "government-body": "government_body",
    "university": "university",
    "research-institute": "research_institute",
    "company": "company",
    "international-organization": "international_organization",
    "publisher": "company",
}

DEMONYMS = {
    "chinese": "China",
    "russian": "Russia",
    "turkish": "Turkey",
    "pakistani": "Pakistan",
    "thai": "Thailand",
    "egyptian": "Egypt",
    "iranian": "Iran",
    "south african": "South Africa",
    "bahraini": "Bahrain",
    "italian": "Italy",
    "peruvian": "Peru",
    "senegalese": "Senegal",
    "u.s.": "United States",
    "us": "United States",
    "american": "United States",
    "emirati": "United Arab Emirates",
    "indian": "India",
    "japanese": "Japan",
    "french": "France",
    "german": "Germany",
    "brazilian": "Brazil",
    "saudi": "Saudi Arabia",
    "venezuelan": "Venezuela",
    "belarusian": "Belarus",
    "azerbaijani": "Azerbaijan",
    "serbian": "Serbia",
    "kazakh": "Kazakhstan",
    "nicaraguan": "Nicaragua",
    "british": "United Kingdom",
    "korean": "South Korea",
    "swiss": "Switzerland",
    "kenyan": "Kenya",
    "nigerian": "Nigeria",
    "mexican": "Mexico",
}


def normalize_name(name: str) -> str:
    """Return the lookup key of a name: case, apostrophes, dashes, spaces and a leading article ignored.

    Examples
    --------
    >>> normalize_name("the Chang’e-8 ")
    "chang'e-8"
    """
    s = unicodedata.normalize("NFKC", name).replace("’", "'").replace("‘", "'")
    s = re.sub(r"[‐-―−]", "-", s)
    s = re.sub(r"\s+", " ", s).strip().strip(".,;:").casefold()
    return re.sub(r"^(the|a|an) ", "", s)


@dataclass
class Gazetteer:
    """Names the extractor can see in a text, each with what it links to."""

    names: dict[str, EntityLink] = field(default_factory=dict)
    by_curie: dict[str, EntityLink] = field(default_factory=dict)
    _pattern: re.Pattern | None = None

    def add(self, surface: str, link: EntityLink, *, override: bool = False) -> None:
        key = normalize_name(surface)
        if len(key) < 2:
            return
        if override or key not in self.names:
            self.names[key] = link
            self._pattern = None
        if link.curie:
            self.by_curie.setdefault(link.curie, link)

    def lookup(self, name: str) -> EntityLink | None:
        return self.names.get(normalize_name(name))

    @property
    def pattern(self) -> re.Pattern:
        if self._pattern is None:
            alts = sorted(self.names, key=len, reverse=True)
            body = "|".join(re.escape(a).replace("'", "['’]").replace(r"\-", "[-‐-―]") for a in alts)
            self._pattern = re.compile(r"(?<![\w.-])(?:the\s+)?(" + body + r")(?![\w-])", re.IGNORECASE)
        return self._pattern


def _country_names() -> Iterable[tuple[str, str]]:
    """(surface, canonical) pairs for every country pycountry knows."""
    import pycountry

    for c in pycountry.countries:
        canon = getattr(c, "common_name", None) or c.name
        for attr in ("name", "common_name", "official_name"):
            v = getattr(c, attr, None)
            if v:
                yield v, canon
        yield c.alpha_3, canon


_CANONICAL_COUNTRY = {
    # the project's canonical short names where pycountry's differ (see the table's README)
    "Russian Federation": "Russia",
    "Türkiye": "Turkey",
    "Korea, Republic of": "South Korea",
    "Iran, Islamic Republic of": "Iran",
    "Venezuela, Bolivarian Republic of": "Venezuela",
    "Czechia": "Czech Republic",
    "Viet Nam": "Vietnam",
    "Bolivia, Plurinational State of": "Bolivia",
    "Syrian Arab Republic": "Syria",
    "Tanzania, United Republic of": "Tanzania",
    "Moldova, Republic of": "Moldova",
    "Lao People's Democratic Republic": "Laos",
    "Korea, Democratic People's Republic of": "North Korea",
}


def _kind_of_node(g, node) -> tuple[str, str]:
    from rdflib import RDF, SKOS

    from spacecoop.core.namespaces import SC

    kind, country = "", ""
    for t in g.objects(node, RDF.type):
        name = str(t).rsplit("#", 1)[-1]
        if name in _KIND_OF_CLASS:
            kind = kind or _KIND_OF_CLASS[name]
        if name == "Organization":
            k = g.value(node, SC.kind)
            kind = (
                _KIND_OF_ORG_KIND.get(str(k).rsplit("/", 1)[-1], "international_organization")
                if k
                else "international_organization"
            )
    based = g.value(node, SC.basedIn)
    if based is not None:
        country = shown_literal(g.objects(based, SKOS.prefLabel))
    return kind, country


@lru_cache(maxsize=4)
def project_gazetteer(root: str | None = None) -> Gazetteer:
    """Build the gazetteer of the project's entities (graph/reference) plus every country.

    Project entities come first (their labels and alternative labels); pycountry's names add
    countries the graph does not have yet (linked with an empty CURIE: a new entity).
    """
    from rdflib import RDFS, SKOS

    from spacecoop.core.namespaces import curie

    gaz = Gazetteer()
    g = _reference_graph(root)
    # every name a node is given, its preferred labels first (rdfs:label where it has none); the
    # link is named by the one every surface shows (core.labels), each name is seen in a text
    preferred: dict = {}
    for s, o in g.subject_objects(SKOS.prefLabel):
        preferred.setdefault(s, []).append(o)
    plain: dict = {}
    for s, o in g.subject_objects(RDFS.label):
        plain.setdefault(s, []).append(o)
    names = {**plain, **preferred}
    for node, labels in sorted(names.items(), key=lambda kv: str(kv[0])):
        kind, country = _kind_of_node(g, node)
        if not kind:
            continue
        label = shown_literal(labels)
        link = EntityLink(label, kind, curie(str(node)), "" if kind == "country" else country)
        for name in [label, *sorted({str(lab) for lab in labels} - {label})]:
            gaz.add(name, link)
        for alt in g.objects(node, SKOS.altLabel):
            gaz.add(str(alt), link)
        # "National Space Science Agency (Bahrain)": the project's bracketed country is not printed
        bare = re.sub(r"\s*\([^()]*\)$", "", label)
        if bare != label and kind != "country":
            gaz.add(bare, link)
    country_links = {lk.label: lk for lk in gaz.names.values() if lk.kind == "country"}
    for surface, canon in _country_names():
        canon = _CANONICAL_COUNTRY.get(canon, canon)
        link = country_links.get(canon) or EntityLink(canon, "country")
        if len(surface) == 3 and surface.isupper():
            if surface in {"USA", "UAE"}:
                gaz.add(surface, link)
            continue
        gaz.add(surface, link)
    extra = {
        "UAE": "United Arab Emirates",
        "U.S.": "United States",
        "US": "United States",
        "United States of America": "United States",
        "Republic of Korea": "South Korea",
        "Korea": "South Korea",
        "Türkiye": "Turkey",
        "Czechia": "Czech Republic",
    }
    for surface, canon in extra.items():
        gaz.add(surface, country_links.get(canon) or EntityLink(canon, "country"), override=True)
    return gaz


@lru_cache(maxsize=4)
def _reference_graph(root: str | None = None):
    """The project's curated entities (graph/reference/*.ttl) as one rdflib Graph, parsed once."""
    from rdflib import Graph

    from spacecoop.core.layout import Layout, find_root

    g = Graph()
    try:
        files = Layout(find_root() if root is None else Path(root)).reference_files
    except SpacecoopError:
        files = []
    for f in files:
        g.parse(f, format="turtle")
    return g


@lru_cache(maxsize=4)
def entity_finder(root: str | None = None):
    """Issue 12's :class:`spacecoop.core.entities.EntityFinder` over the reference graph, or None.

    ``find_entity`` loads the whole project on every call unless given a graph; the extractor
    looks up hundreds of names per article, so it builds the finder once on the reference graph.
    """
    try:
        from spacecoop.core.entities import EntityFinder  # issue 12; absent on branches without it
    except ImportError:
        return None
    return EntityFinder(_reference_graph(root))


@lru_cache(maxsize=8192)
def _link_cached(name: str, root: str | None) -> EntityLink | None:
    gaz = project_gazetteer(root)
    finder = entity_finder(root)
    if finder is not None:
        match = finder.find(name).unique
        if match is not None:
            known = gaz.by_curie.get(match.curie)
            if known is not None:
                return known
            kind = {"organisation": "international_organization", "rover": "payload"}.get(
                match.kind, match.kind
            )
            country = match.country.split(":", 1)[1].replace("-", " ").title() if ":" in match.country else ""
            return EntityLink(match.label, kind, match.curie, "" if kind == "country" else country)
    link = gaz.lookup(name)
    if link is None:
        dem = DEMONYMS.get(normalize_name(name))
        if dem:
            link = gaz.lookup(dem)
    return link


def link_entity(name: str, kind: str | None = None, *, root: str | None = None) -> EntityLink | None:
    """Link a name to an entity: THE one place the extractor resolves names.

    Uses issue 12's entity look-up (:class:`spacecoop.core.entities.EntityFinder`, the engine of
    ``find_entity`` and ``spacecoop entity find``) when this checkout has it, on the curated
    reference graph; the sheet kind (``space_agency``, ``university`` …) and country then come from
    the gazetteer. Without it, or when it knows no entity of that name, the gazetteer alone decides
    (labels, alternative labels, every pycountry country name, demonyms). Only exact matches link:
    a close name is a suggestion for a person, on the review page. Returns None when nothing fits
    (the caller proposes a new entity). ``kind`` is advisory and currently unused: a name means
    what the graph says it means.

    Examples
    --------
    >>> link_entity("the Republic of Korea").label
    'South Korea'
    >>> link_entity("Atlantis") is None
    True
    """
    name = name.strip()
    if not name:
        return None
    return _link_cached(name, root)


def clear_caches() -> None:
    """Forget the parsed reference graph, the gazetteer and every look-up (a benchmark's cold start)."""
    for cached in (project_gazetteer, _reference_graph, entity_finder, _link_cached):
        cached.cache_clear()


ORG_KINDS = (
    "space_agency",
    "government_body",
    "university",
    "research_institute",
    "company",
    "international_organization",
)
"""The sheet kinds of an organisation."""
GROUP_KINDS = ("initiative", "international_organization")
"""The kinds one joins, signs or supports."""
