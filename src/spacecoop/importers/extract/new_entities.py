"""Names the graph does not know: what kind of organisation and whose, and the ``entity`` row
that proposes each."""

from __future__ import annotations

import re

from spacecoop.importers.extract.context import Context
from spacecoop.importers.extract.gazetteer import EntityLink, Gazetteer, entity_finder, link_entity
from spacecoop.importers.extract.mentions import Mention, country_in

ORG_HEAD = re.compile(
    r"\b(University|Universities|Agency|Administration|Institute|Institution|Commission|"
    r"Observatory|Corporation|Laboratory|Laboratories|Society|Ministry|Center|Centre|"
    r"Organization|Organisation|Academy|Company|Inc|Ltd|Council|Foundation|Department|"
    r"Office|School|College|Lab|Labs)\b"
)


_ORG_KIND_CUES = (  # the first that matches a lower-cased name decides
    (r"\buniversit", "university"),
    (r"\bministry\b|\bdepartment\b|\bgovernment\b|\bembassy\b", "government_body"),
    (
        r"space (agency|administration)|\baerospace\b.*\bcommission\b|space research commission|"
        r"\bspace studies agency\b|space corporation",
        "space_agency",
    ),
    (r"\binstitut|\blaborator|\bobservatory\b|\bacademy\b|\bcent(er|re)\b", "research_institute"),
    (
        r"\bsociety\b|\borgani[sz]ation\b|\bassociation\b|\bunion\b|\bfederation\b",
        "international_organization",
    ),
    (r"\bcompany\b|\binc\b|\bltd\b|\bcorp\b|\.vision|\bgroup\b|\btechnolog", "company"),
    (r"\bagency\b|\bcommission\b|\badministration\b", "space_agency"),
)


def _org_kind_of(name: str) -> str:
    """The sheet kind an organisation's name suggests ("… University", "… Space Agency" …); else company."""
    n = name.lower()
    return next((kind for cue, kind in _ORG_KIND_CUES if re.search(cue, n)), "company")


def new_org(gaz: Gazetteer, name: str, context: str = "") -> EntityLink:
    """The link of an organisation the graph does not know: its kind guessed from its name, its
    country from ", Italy" after it, from the name itself or from ``context``."""
    m = re.match(r"(.*?)\s*,\s*([A-Z][\w ]+)$", name)
    country = ""
    if m and country_in(gaz, m.group(2)):
        name, country = m.group(1), country_in(gaz, m.group(2))
    country = country or country_in(gaz, name) or country_in(gaz, context)
    name = re.sub(r"\s*\(([A-Z][A-Za-z.-]+)\)$", "", name)
    return EntityLink(name, _org_kind_of(name), "", country)


def _close_names(name: str, limit: int = 3) -> list[str]:
    """'Label (curie, score)' of the graph's entities closest to a name (issue 12's look-up), if it is
    here."""
    finder = entity_finder(None)
    if finder is None:
        return []
    return [f"{m.label} ({m.curie}, {m.score:.0f})" for m in finder.find(name).suggestions[:limit]]


def propose(
    ctx: Context, link: EntityLink, span: tuple[int, int], detail: str = "", within: str = ""
) -> None:
    """Add the ``entity`` row proposing a name the graph does not know, with the close names it has."""
    acr = re.search(r"\(([A-Z][A-Za-z.-]{1,12})\)", ctx.text[span[0] : span[1] + 12])
    alts = [ctx.text[span[0] : span[1]]] if ctx.text[span[0] : span[1]] != link.label else []
    if acr:
        alts.append(acr.group(1))
    det = "; ".join(dict.fromkeys(a for a in alts if a))
    note = f"new entity proposed by extract{(' (payload of ' + within + ')') if within else ''}"
    close = _close_names(link.label)
    if close:
        note += "; close names in the graph: " + ", ".join(close)
    if detail:
        note += f"; {detail}"
    country = EntityLink(link.country, "country") if link.country else None
    ctx.add(link, "entity", country, spans=(span,), certainty="", date_precision="", detail=det, note=note)


_ORG_WORD = r"[A-Z][\w.-]*(?:[’'](?!s\b)\w+)?"  # "O'Neill" yes, "China's" no: a possessive says whose
_UNKNOWN_ORG = re.compile(
    r"(?:(?P<c>[A-Z][\w]+(?:\s+[A-Z][\w]+)?)[’']s\s+)?(?P<org>" + _ORG_WORD + r"(?:(?:\s+|,\s+)"
    r"(?:" + _ORG_WORD + r"|of|and|for|the|on))*)\s*$"
)


def unknown_org_before(ctx: Context, a: int, b: int) -> tuple[Mention | None, int]:
    """A name the graph does not know, ending right before ``b``, that reads as an organisation's
    ("Serbia’s Ministry of Science, Technological Development and Innovation"), as a new-entity mention."""
    m = _UNKNOWN_ORG.search(ctx.text, a, b)
    if not m or not ORG_HEAD.search(m.group("org")) or link_entity(m.group("org")) is not None:
        return None, b
    country = country_in(ctx.gaz, m.group("c")) if m.group("c") else ""
    link = new_org(ctx.gaz, m.group("org"))
    link = EntityLink(link.label, link.kind, "", country or link.country)
    return Mention(m.start("org"), m.end("org"), m.group("org"), link), m.start()
