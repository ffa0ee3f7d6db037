"""Names found in a sentence, lists of them ("A, B and C"), and the country a name speaks of."""

from __future__ import annotations

import re
from dataclasses import dataclass

from spacecoop.importers.extract.gazetteer import DEMONYMS, EntityLink, Gazetteer, link_entity


@dataclass(frozen=True)
class Mention:
    """A name found in the text (offsets into the stored text) and what it links to."""

    start: int
    end: int
    surface: str
    link: EntityLink


def find_mentions(text: str, start: int, end: int, gaz: Gazetteer) -> list[Mention]:
    """Return the gazetteer names in ``text[start:end]`` (longest first, no overlaps), in order."""
    out: list[Mention] = []
    for m in gaz.pattern.finditer(text, start, end):
        surface = m.group(1)
        if out and m.start(1) < out[-1].end:  # inside the acronym taken in by the previous name
            continue
        link = link_entity(surface) or gaz.lookup(surface)
        if link is None:
            continue
        s, e = m.start(1), m.end(1)
        # "Asia-Pacific Space Cooperation Organization (APSCO)": take the acronym in too
        acr = re.match(r"\s*\(([A-Z][A-Za-z-]{1,10})\)", text[e:end])
        if acr and gaz.lookup(acr.group(1)) in (None, link):
            e += acr.end()
        out.append(Mention(s, e, text[s:e], link))
    return out


_DEMONYM_RE = re.compile(
    r"\b("
    + "|".join(
        re.escape(d.title()) if d not in ("u.s.", "us") else re.escape(d.upper())
        for d in sorted(DEMONYMS, key=len, reverse=True)
    )
    + r")\b"
)
LIST_GAP = re.compile(
    r"^(?:\s*,\s*(?:and\s+|as well as\s+)?|\s+and\s+|\s*,?\s*and also\s+)(?:the\s+)?$", re.IGNORECASE
)


_DESCRIPTOR = re.compile(r"^\s*,\s*(?:and\s+)?(?:the\s+)?(?P<d>(?:[\w’'-]+\s+){1,2})$")
_NOT_DESCRIPTOR = {
    "have",
    "has",
    "had",
    "is",
    "are",
    "was",
    "were",
    "which",
    "who",
    "that",
    "said",
    "signed",
    "joined",
    "will",
    "would",
    "also",
    "with",
    "to",
    "in",
    "on",
    "of",
    "for",
    "by",
    "as",
    "while",
    "but",
}


def _list_gap(gap: str) -> bool:
    """True when the text between two names joins them in a list: ', ', ' and ', ', and the ', or a
    short descriptor such as ', Swiss firm ' or ', the Hawaii-based '."""
    if LIST_GAP.match(gap):
        return True
    m = _DESCRIPTOR.match(gap)
    if not m:
        return False
    words = m.group("d").split()
    return all(
        w.lower() not in _NOT_DESCRIPTOR and (w.islower() or w.endswith("-based") or w.lower() in DEMONYMS)
        for w in words
    )


def list_around(mentions: list[Mention], text: str, index: int, direction: int) -> list[Mention]:
    """Extend a list of names from ``mentions[index]`` forwards (+1) or backwards (-1)."""
    out = [mentions[index]]
    i = index
    while 0 <= i + direction < len(mentions):
        a, b = (
            (mentions[i], mentions[i + direction])
            if direction > 0
            else (mentions[i + direction], mentions[i])
        )
        gap = text[a.end : b.start]
        if not _list_gap(gap):
            break
        i += direction
        out.append(mentions[i])
    return out if direction > 0 else out[::-1]


def country_in(gaz: Gazetteer, name: str) -> str:
    """The country a name speaks of ("Kyoto Institute, Japan", "the Senegalese agency"), or ""."""
    for m in gaz.pattern.finditer(name):
        lk = gaz.lookup(m.group(1))
        if lk and lk.kind == "country":
            return lk.label
    dm = _DEMONYM_RE.search(name)
    return DEMONYMS.get(dm.group(1).lower(), "") if dm else ""


def resolve_name(gaz: Gazetteer, name: str) -> EntityLink | None:
    """Link a name as printed in a list: a trailing acronym and ", Country" left out if need be."""
    name = re.sub(r"\s*\([A-Z][A-Za-z.-]{1,12}\)$", "", name.strip(" ,.;"))
    if not name:
        return None
    link = link_entity(name)
    if link is None:
        m = re.match(r"(.*?),\s*([A-Z][\w ]+)$", name)  # "X, Italy"
        if m and country_in(gaz, m.group(2)):
            link = link_entity(m.group(1))
    return link
