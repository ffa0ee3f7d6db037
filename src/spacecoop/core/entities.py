"""Find the entity a name means: labels, alternative labels, ISO 3166 codes and pycountry's names.

One look-up for every place that turns a name into an IRI (``spacecoop entity find``, the fact
sheet importer ``spacecoop add``, ``import-table``, query parameters), so that "Czechia", "the
Czech Republic", "CZ", "CZE" and "203" all reach ``country:czech-republic`` and a typo such as
"South Afrika" is answered with "did you mean South Africa (country:south-africa, 96)?" instead of
a new node.

Names are compared after :func:`normalise`: accents, case, punctuation and a leading article
("the", "la", "le", "l'") are ignored. Exact matches come first (label, alternative label, ISO
code, pycountry official or common name); when none fits, close names are suggested with a score
from 0 to 100 (:func:`similarity`).
"""

from __future__ import annotations

import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass

from rdflib import RDF, SKOS, Graph, URIRef

from spacecoop.core.errors import SpacecoopError
from spacecoop.core.labels import shown_label_of
from spacecoop.core.namespaces import SC, curie

ENTITY_CLASSES = {
    SC.Country: "country",
    SC.Region: "region",
    SC.Place: "place",
    SC.Organization: "organisation",
    SC.Initiative: "initiative",
    SC.Mission: "mission",
    SC.Payload: "payload",
    SC.Rover: "rover",
    SC.Event: "event",
    SC.TechnologyTest: "test",
}
"""Classes whose instances are looked up, and the kind printed for each."""

_ARTICLES = re.compile(r"^(?:the|la|le|les|el|l)\s+")
SUGGESTION_CUTOFF = 70.0
"""Lowest rapidfuzz score (0–100) for a close name to be suggested."""


def normalise(name: str) -> str:
    """Return the form in which names are compared: no accents, lower case, words joined by one
    space, a leading article dropped.

    Examples
    --------
    >>> normalise("the Republic of Korea")
    'republic of korea'
    >>> normalise("  Türkiye ") == normalise("TURKIYE")
    True
    >>> normalise("Chang’e-8")
    'change 8'
    """
    text = unicodedata.normalize("NFKD", name)
    text = "".join(c for c in text if not unicodedata.combining(c)).casefold()
    text = text.replace("’", "").replace("'", " ").replace("&", " and ")
    text = re.sub(r"[^a-z0-9]+", " ", text).strip()
    # "l'" became "l ": drop a leading article, but never the whole name
    stripped = _ARTICLES.sub("", text)
    return stripped or text


def similarity(a: str, b: str, **_kwargs) -> float:
    """Return how close two normalised names are, 0–100: the edit-distance ratio, or 0.9 times the
    token-set ratio (one name's words all in the other: "czech" and "czech republic"), whichever is
    higher. rapidfuzz's WRatio scores a short name inside a long one too high ("china" in a ministry's
    name), so it is not used.

    Examples
    --------
    >>> round(similarity("south afrika", "south africa"))
    92
    >>> similarity("china", "ministry of higher education") < SUGGESTION_CUTOFF
    True
    """
    from rapidfuzz import fuzz

    return max(fuzz.ratio(a, b), 0.9 * fuzz.token_set_ratio(a, b))


@dataclass(frozen=True)
class Match:
    """One entity a name may mean."""

    iri: str
    curie: str
    label: str
    kind: str
    country: str = ""
    score: float = 100.0
    via: str = "label"

    def __str__(self) -> str:
        country = f", {self.country}" if self.country and self.country != self.curie else ""
        return f"{self.curie} ({self.kind}{country}): {self.label}"


@dataclass(frozen=True)
class Lookup:
    """The outcome of :func:`find_entity` for one name."""

    name: str
    matches: tuple[Match, ...] = ()
    suggestions: tuple[Match, ...] = ()
    pycountry: str = ""

    @property
    def found(self) -> bool:
        return bool(self.matches)

    @property
    def unique(self) -> Match | None:
        """The one match, if exactly one entity fits."""
        return self.matches[0] if len(self.matches) == 1 else None

    def did_you_mean(self) -> str:
        """Return a one-line hint: ``did you mean A (curie, 91), B (curie, 80)?`` or a fallback."""
        if self.suggestions:
            items = ", ".join(f"{m.label} ({m.curie}, {m.score:.0f})" for m in self.suggestions)
            return f"did you mean {items}?"
        if self.pycountry:
            return f"no entity in the graph; pycountry knows it as {self.pycountry}"
        return "no entity in the graph has a close name"


def _label_of(g: Graph, node: URIRef) -> str:
    """The name an entity is shown by (:func:`~spacecoop.core.labels.shown_label_of`), else its
    CURIE, as the views choose it."""
    return shown_label_of(g, node) or curie(str(node))


# What EntityFinder reads of each entity besides its type: its names, ISO code and the place it
# belongs to (EntityFinder.of_store asks a store for these alone).
_ENTITY_FACTS = (SC.iso3166Alpha2, SC.basedIn, SC.partOf, SC.missionOf, SKOS.prefLabel, SKOS.altLabel)


class EntityFinder:
    """An index of the graph's entities by normalised name and ISO code.

    Parameters
    ----------
    g : rdflib.Graph or Dataset
        A graph holding the entities (with ``default_union``, a loaded dataset will do).
    """

    def __init__(self, g: Graph) -> None:
        import pycountry

        self.g = g
        self.entities: dict[URIRef, tuple[str, str, str]] = {}  # iri -> (label, kind, country)
        self.by_key: dict[str, dict[URIRef, str]] = {}  # key -> {iri: via}
        self.codes: dict[str, URIRef] = {}
        for cls, kind in ENTITY_CLASSES.items():
            for node in g.subjects(RDF.type, cls):
                if not isinstance(node, URIRef) or node in self.entities:
                    continue
                label = _label_of(g, node)
                self.entities[node] = (label, kind, self._country_of(node, cls))
                for lab in g.objects(node, SKOS.prefLabel):
                    self._add(str(lab), node, "label")
                for lab in g.objects(node, SKOS.altLabel):
                    self._add(str(lab), node, "alternative label")
                if cls == SC.Country:
                    self._add_country_codes(node, pycountry)

    @classmethod
    def of_store(cls, store) -> EntityFinder:
        """The finder of the entities ``store`` (a :class:`~spacecoop.store.Store`) holds.

        rdflib's store is read where it is. Any other store (Oxigraph, a SPARQL server) is asked
        what the finder reads, in one CONSTRUCT: the type of every entity of its classes, and of
        those entities the facts it looks at (:data:`_ENTITY_FACTS`); not a copy of every quad (on
        Oxigraph at 100k triples, hundredths of a second against seconds).
        """
        held = store.held_dataset()
        if held is not None:
            return cls(held)
        classes = " ".join(f"<{c}>" for c in ENTITY_CLASSES)
        facts = " ".join(f"<{p}>" for p in _ENTITY_FACTS)
        text = (
            "CONSTRUCT { ?e a ?class . ?e ?p ?o } WHERE {\n"
            f"  VALUES ?class {{ {classes} }}\n"
            "  ?e a ?class .\n"
            f"  OPTIONAL {{ VALUES ?p {{ {facts} }} ?e ?p ?o }}\n"
            "}"
        )
        graph = store.query(text).graph
        if graph is None:  # a CONSTRUCT answers with a graph
            raise SpacecoopError("the store did not answer a CONSTRUCT with a graph")
        return cls(graph)

    def _add(self, name: str, node: URIRef, via: str) -> None:
        key = normalise(name)
        if key:
            self.by_key.setdefault(key, {}).setdefault(node, via)

    def _add_country_codes(self, node: URIRef, pycountry) -> None:
        code = self.g.value(node, SC.iso3166Alpha2)
        record = None
        if code is not None:
            record = pycountry.countries.get(alpha_2=str(code))
        if record is None:
            for lab in self.g.objects(node, SKOS.prefLabel):
                try:
                    record = pycountry.countries.lookup(str(lab))
                    break
                except LookupError:
                    continue
        if record is None:
            return
        for attr in ("alpha_2", "alpha_3", "numeric"):
            self.codes.setdefault(getattr(record, attr).upper(), node)
        for attr in ("name", "official_name", "common_name"):
            value = getattr(record, attr, None)
            if value:
                self._add(value, node, f"pycountry {attr.replace('_', ' ')}")
                if ", " in value:  # "Korea, Republic of" -> "Republic of Korea"
                    head, tail = value.split(", ", 1)
                    self._add(f"{tail} {head}", node, f"pycountry {attr.replace('_', ' ')}")

    def _country_of(self, node: URIRef, cls: URIRef) -> str:
        if cls == SC.Country:
            return curie(str(node))
        for prop in (SC.basedIn, SC.partOf, SC.missionOf):
            value = self.g.value(node, prop)
            if value is not None:
                return curie(str(value))
        return ""

    def _match(self, node: URIRef, score: float, via: str) -> Match:
        label, kind, country = self.entities[node]
        return Match(str(node), curie(str(node)), label, kind, country, score, via)

    def find(self, name: str, kinds: Iterable[str] | None = None, *, limit: int = 5) -> Lookup:
        """Return the entities ``name`` means (``kinds``: restrict to these kinds, see
        :data:`ENTITY_CLASSES`), or close names when none fits exactly."""
        wanted = set(kinds) if kinds is not None else None

        def ok(node: URIRef) -> bool:
            return wanted is None or self.entities[node][1] in wanted

        text = name.strip()
        key = normalise(text)
        hits: dict[URIRef, str] = {n: v for n, v in self.by_key.get(key, {}).items() if ok(n)}
        code = text.upper()
        if re.fullmatch(r"[A-Za-z]{2,3}|\d{3}", text) and code in self.codes and ok(self.codes[code]):
            hits.setdefault(self.codes[code], "ISO 3166 code")
        if hits:
            matches = tuple(self._match(n, 100.0, v) for n, v in sorted(hits.items()))
            return Lookup(name, matches)
        return Lookup(name, (), self.suggest(key, ok, limit), self._pycountry_name(text))

    def suggest(self, key: str, ok=lambda n: True, limit: int = 5) -> tuple[Match, ...]:
        """Return up to ``limit`` entities with a name close to the normalised ``key``, best first."""
        from rapidfuzz import process

        if not key:
            return ()
        keys = [k for k, nodes in self.by_key.items() if any(ok(n) for n in nodes)]
        best: dict[URIRef, float] = {}
        for k, score, _ in process.extract(
            key, keys, scorer=similarity, limit=limit * 4, score_cutoff=SUGGESTION_CUTOFF
        ):
            for node in self.by_key[k]:
                if ok(node) and score > best.get(node, -1):
                    best[node] = score
        ranked = sorted(best.items(), key=lambda x: (-x[1], str(x[0])))[:limit]
        return tuple(self._match(n, round(s, 1), "close name") for n, s in ranked)

    @staticmethod
    def _pycountry_name(text: str) -> str:
        import pycountry

        try:
            record = pycountry.countries.lookup(text)
        except LookupError:
            try:
                record = pycountry.countries.lookup(re.sub(r"^the\s+", "", text, flags=re.IGNORECASE))
            except LookupError:
                return ""
        return f"{record.name} ({record.alpha_2})"


def find_entity(
    name: str,
    root: str | os.PathLike | None = None,
    *,
    graph: Graph | None = None,
    kinds: Iterable[str] | None = None,
) -> Lookup:
    """Return what entity ``name`` means in the project's graph.

    Parameters
    ----------
    name : str
        A label, alternative label, ISO 3166 code, or a country name pycountry knows.
    root : path, optional
        Project root, loaded when ``graph`` is not given.
    graph : rdflib.Graph or Dataset, optional
        Look in this graph instead of loading the project.
    kinds : iterable of str, optional
        Only entities of these kinds (values of :data:`ENTITY_CLASSES`).

    Returns
    -------
    Lookup
        ``matches`` (exact) or ``suggestions`` (close names with scores).

    Examples
    --------
    >>> find_entity("Czechia").unique.curie
    'country:czech-republic'
    >>> find_entity("the Republic of Korea").unique.curie
    'country:south-korea'
    >>> find_entity("South Afrika").suggestions[0].curie
    'country:south-africa'
    """
    if graph is None:
        from spacecoop.core.load import load

        graph = load(root).ds
    return EntityFinder(graph).find(name, kinds)
