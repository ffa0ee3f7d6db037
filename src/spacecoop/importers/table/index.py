"""Entities by kind and name: the project's reference entities matched, new ones minted."""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

from rdflib import RDF, SKOS, Graph, URIRef

from spacecoop.core.namespaces import ID, SC, entity_iri, slugify
from spacecoop.core.rdfterms import sorted_iris
from spacecoop.importers.table.rows import ORG_KINDS

if TYPE_CHECKING:  # for the annotation only: EntityIndex._find imports it when first needed
    from spacecoop.core.entities import EntityFinder

CLASS_OF_KIND = {
    "country": SC.Country,
    "region": SC.Region,
    "place": SC.Place,
    "initiative": SC.Initiative,
    "mission": SC.Mission,
    "payload": SC.Payload,
    **{k: SC.Organization for k in ORG_KINDS},
}
IRI_KIND = {
    "country": "country",
    "region": "region",
    "place": "place",
    "initiative": "initiative",
    "mission": "mission",
    "payload": "payload",
    **{k: "org" for k in ORG_KINDS},
}


def name_key(label: str) -> str:
    try:
        return slugify(label)
    except ValueError:
        return ""


def country_code(labels: Iterable[str]) -> str | None:
    import pycountry

    for label in labels:
        try:
            return pycountry.countries.lookup(label).alpha_2
        except LookupError:
            continue
    return None


@dataclass
class _Entity:
    iri: URIRef
    cls: URIRef
    label: str
    kind: str | None = None  # org-kind concept name
    based_in: URIRef | None = None
    alt: tuple[str, ...] = ()


class EntityIndex:
    """Existing entities by class and name, plus the new ones the import mints."""

    def __init__(self, g: Graph) -> None:
        self.g = g
        self.by_name: dict[tuple[URIRef, str], URIRef] = {}
        self.by_alpha2: dict[str, URIRef] = {}
        self.existing: set[URIRef] = set()
        self.new: dict[URIRef, _Entity] = {}
        self.finder: EntityFinder | None = None
        for cls in set(CLASS_OF_KIND.values()) | {SC.Rover}:
            for node in sorted_iris(g.subjects(RDF.type, cls)):
                self.existing.add(node)
                labels = [str(o) for o in g.objects(node, SKOS.prefLabel)]
                labels += sorted(str(o) for o in g.objects(node, SKOS.altLabel))
                for label in labels:
                    self.by_name.setdefault((cls, self._scoped(node, cls, label)), node)
                if cls == SC.Country:
                    code = country_code(labels)
                    if code:
                        self.by_alpha2.setdefault(code, node)

    @staticmethod
    def _scoped(node: URIRef, cls: URIRef, label: str) -> str:
        # Payload names repeat across missions: a payload is found by (mission slug, name).
        if cls == SC.Payload:
            path = str(node)[len(str(ID)) :].split("/")
            return f"{path[1] if len(path) > 2 else ''}/{name_key(label)}"
        return name_key(label)

    def classes_of(self, name: str) -> list[URIRef]:
        return sorted({cls for (cls, k) in self.by_name if k == name_key(name)})

    def resolve(self, name: str, kind: str, *, mission: str | None = None) -> URIRef:
        """Return the IRI of the entity ``name`` of table kind ``kind``, minting it if new.

        Raises
        ------
        ValueError
            The name is a different kind of entity, or a new country that pycountry does not know.
        """
        cls = CLASS_OF_KIND[kind]
        if cls == SC.Payload:
            if mission is None:  # the callers find a payload's mission first
                raise ValueError(f"payload {name!r} is on no mission: no payload_on row names it")
            key = f"{name_key(mission)}/{name_key(name)}"
        else:
            key = name_key(name)
        found = self.by_name.get((cls, key))
        if found is not None:
            return found
        if cls == SC.Country:
            code = country_code([name])
            if code and code in self.by_alpha2:
                return self.by_alpha2[code]
            if code is None:
                raise ValueError(
                    f"{name!r} is not a country pycountry knows; add it to graph/reference with the name "
                    "pycountry uses as a skos:altLabel"
                )
        if cls != SC.Payload:
            other = [c for c in self.classes_of(name) if c != cls]
            if other:
                from spacecoop.core.namespaces import curie

                raise ValueError(f"{name!r} is a {curie(str(other[0]))} in the graph, not a {kind}")
        if cls != SC.Payload:
            found = self._find(name, cls)
            if found is not None:
                return found
        if cls == SC.Region:
            raise ValueError(
                f"{name!r} is not a known region; regions need sc:partOf, add it to graph/reference"
            )
        iri = entity_iri(IRI_KIND[kind], name, within=mission if cls == SC.Payload else None)
        if iri in self.existing:  # same slug, other spelling: the same entity
            return iri
        entity = _Entity(iri, cls, name)
        if cls == SC.Organization:
            entity.kind = ORG_KINDS[kind]
            entity.based_in = self._bracketed_country(name)
        self.new[iri] = entity
        self.by_name[(cls, key)] = iri
        if cls == SC.Country and code:
            self.by_alpha2[code] = iri
        return iri

    def _find(self, name: str, cls: URIRef) -> URIRef | None:
        """The one existing entity of class ``cls`` that :mod:`spacecoop.core.entities` finds for
        ``name`` (pycountry names, a leading article, ISO codes), before a new one is minted."""
        from spacecoop.core.entities import ENTITY_CLASSES, EntityFinder

        if self.finder is None:
            self.finder = EntityFinder(self.g)
        m = self.finder.find(name, [ENTITY_CLASSES[cls]]).unique
        return URIRef(m.iri) if m is not None else None

    def _bracketed_country(self, name: str) -> URIRef | None:
        """The country in brackets after an organisation's name ("... (Peru)"), if it is one."""
        m = re.search(r"\(([^()]+)\)\s*$", name)
        if not m:
            return None
        try:
            return self.resolve(m.group(1), "country")
        except ValueError:
            return None

    def resolve_org(self, name: str, *, country: URIRef | None = None, alt: str | None = None) -> URIRef:
        """Return the organisation named ``name`` (any kind), minting a publisher if it is new."""
        found = self.by_name.get((SC.Organization, name_key(name)))
        if found is None and alt:
            found = self.by_name.get((SC.Organization, name_key(alt)))
        if found is not None:
            return found
        iri = entity_iri("org", name)
        if iri in self.existing:
            return iri
        self.new[iri] = _Entity(
            iri, SC.Organization, name, kind="publisher", based_in=country, alt=(alt,) if alt else ()
        )
        self.by_name[(SC.Organization, name_key(name))] = iri
        return iri
