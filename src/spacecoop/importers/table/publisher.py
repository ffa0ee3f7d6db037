"""What a ``source_publisher`` value says: who published the page, whose text it carries."""

from __future__ import annotations

import re
from dataclasses import dataclass
from urllib.parse import urlsplit

from spacecoop.importers.table.index import country_code


@dataclass(frozen=True)
class Publisher:
    """What a ``source_publisher`` value says: who published the page, whose text it carries."""

    name: str
    original: str | None = None
    republication: bool = False
    acronym: str | None = None
    country: str | None = None


_REPOST = re.compile(r"\b(repost|mirror|snapshot)\b", re.IGNORECASE)
_ACRONYM = re.compile(r"^[A-Z][A-Z0-9&.\-]*[A-Z0-9]$")


def _host(url: str) -> str:
    host = urlsplit(url).hostname or ""
    return host.removeprefix("www.")


def parse_publisher(text: str, url: str) -> Publisher:
    """Read a ``source_publisher`` value (see the table's README) against the page's URL.

    * ``A via B`` and ``A (via B)``: B published the page, carrying A's text.
    * ``A (repost on B)``: B published a copy of A's text.
    * ``A (repost)``, ``(mirror)``, ``(snapshot)``: a copy; if A is not the site itself (its name is
      not part of the URL's host), the host published the copy of A's text.
    * ``A (ACRONYM)``: A, also known by the acronym; ``A (Country)``: A, based in that country.
    * Anything else in brackets or after a comma is left in the source's ``sc:detail``.

    Examples
    --------
    >>> parse_publisher("Reuters via Straits Times", "https://www.straitstimes.com/x")
    Publisher(name='Straits Times', original='Reuters', republication=True, acronym=None, country=None)
    >>> parse_publisher("NASA (repost)", "https://helium3.space/x").name
    'helium3.space'
    >>> parse_publisher("Copernical (repost)", "https://copernical.com/x").original is None
    True
    """
    text = " ".join(text.split())
    m = re.match(r"^(.*?) \(via (.+)\)$", text) or re.match(r"^(.*?) via (.+)$", text)
    if m:
        return Publisher(m.group(2).strip(), m.group(1).strip(), True)
    m = re.match(r"^(.*?) \(repost on ([^)]+)\)", text)
    if m:
        return Publisher(m.group(2).strip(), m.group(1).strip(), True)
    m = re.match(r"^(.*?)\s*\(([^)]*)\)", text)
    name = (m.group(1) if m else text.split(",")[0]).strip()
    paren = m.group(2).strip() if m else ""
    if paren and _REPOST.search(paren):
        host = _host(url)
        own = re.sub(r"[^a-z0-9]", "", name.lower())
        if own and own in re.sub(r"[^a-z0-9]", "", host):
            return Publisher(name, None, True)
        return Publisher(host, name, True)
    acronym = paren if paren and _ACRONYM.match(paren) and sum(c.isupper() for c in paren) >= 2 else None
    country = None
    if paren and not acronym and country_code([paren]):
        country = paren
    return Publisher(name, None, False, acronym, country)
