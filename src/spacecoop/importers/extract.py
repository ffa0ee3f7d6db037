"""Propose candidate facts from a news article as a fact sheet (``spacecoop extract``).

Rules, not a model: offline, deterministic, nothing downloaded. The stages, one function each:

1. :func:`read_article` finds the article body in a stored page (plain text as scraped, with the
   site's navigation around it, or HTML) and the article's date (given, or the byline date).
2. :func:`split_sentences` splits the body into sentences, keeping character offsets into the
   stored text, so every quote is a slice of that text and verbatim by construction.
3. Mentions are found with a gazetteer built from the project's entities (labels and alternative
   labels), pycountry's country names and a few demonyms; every name is linked through ONE
   adapter, :func:`link_entity`, which uses :func:`spacecoop.core.entities.find_entity` where that
   exists and a small resolver of its own otherwise.
4. Relation cues (signed, joined, memorandum, agreement, member, selected payloads, developed by,
   in partnership with, will carry, supports, headquartered, ``X-led``), lists ("These include A,
   B and C", long signatory lists, payload bullets with their developers in parentheses), hedges
   (understood to, reportedly, expected to, plans to, according to …) and dates (precision, and
   the year inferred from the article's date when none is printed) become rows of the fact sheet
   (see ``notes/sheet.md`` in the project's issue tracker and :data:`SHEET_COLUMNS`).

Quotes are the shortest verbatim span that states the fact. A list member's row does not repeat
the whole list: it quotes the member's own name and the words that carry the relation, joined by
" … " (``"Venezuela … have signed agreements and MoUs regarding the ILRS"``), so a 55-country
list costs the sheet its lead-in once per row plus one name, never 55 copies of 900 characters.

Unknown names become ``entity`` rows (kind and country guessed from the name and its context).
Every row is written with ``review=pending``: nothing here is a fact until an analyst accepts it
(``spacecoop review``) and ``spacecoop add`` writes it.
"""

from __future__ import annotations

import datetime as _dt
import html.parser
import os
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path

from spacecoop.core.atomic import write_atomic
from spacecoop.core.errors import SpacecoopError
from spacecoop.importers.fact_csv import SHEET_COLUMNS, write_sheet

__all__ = [  # noqa: RUF022 - plain sorted(), as tests/test_namespaces.py keeps spacecoop.__all__
    "Article",
    "Candidate",
    "EntityLink",
    "SHEET_COLUMNS",
    "Sentence",
    "article_from_text",
    "extract_candidates",
    "extract_file",
    "link_entity",
    "locate_quote",
    "parse_dates",
    "read_article",
    "split_sentences",
    "to_rows",
    "write_sheet",
    "write_text",
]

JOIN = " … "
"""How several verbatim pieces of one quote are joined (space, U+2026, space)."""

OFFICIAL_HINTS = (
    "state.gov",
    "nasa.gov",
    "sansa.org.za",
    "cnsa.gov.cn",
    ".gov",
    "esa.int",
    "roscosmos",
    "suparco.gov.pk",
    "narit.or.th",
    "apsco.int",
)
OFFICIAL_PUBLISHERS = re.compile(
    r"state department|department of state|\bnasa\b|space agency|space administration|\bministry\b|"
    r"\bcnsa\b|\bsansa\b|\besa\b|government|embassy",
    re.IGNORECASE,
)


class ExtractError(SpacecoopError):
    """The article cannot be read or has no body; nothing was written."""


# --------------------------------------------------------------------------------------------
# Reading the article
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Article:
    """A stored article: its full text, where the body lies in it, and its date."""

    text: str
    body_start: int
    body_end: int
    date: _dt.date | None
    date_source: str = ""
    converted: bool = False  # True when the stored page was HTML and ``text`` is its readable text

    @property
    def body(self) -> str:
        return self.text[self.body_start : self.body_end]


class _TextOfHtml(html.parser.HTMLParser):
    """Collect the text of an HTML page, one line per block, skipping scripts and page chrome."""

    BLOCK = frozenset(
        {
            "p",
            "div",
            "li",
            "h1",
            "h2",
            "h3",
            "h4",
            "h5",
            "h6",
            "br",
            "tr",
            "section",
            "article",
            "blockquote",
            "ul",
            "ol",
            "header",
            "footer",
            "nav",
            "aside",
            "figcaption",
            "table",
        }
    )
    SKIP = frozenset(
        {
            "script",
            "style",
            "noscript",
            "template",
            "svg",
            "nav",
            "header",
            "footer",
            "aside",
            "form",
            "iframe",
        }
    )

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.article: list[str] | None = None
        self._skip = 0
        self._in_article = 0

    def handle_starttag(self, tag, attrs):
        if tag in self.SKIP:
            self._skip += 1
        if tag == "article":
            self._in_article += 1
            if self.article is None:
                self.article = []
        if tag in self.BLOCK:
            self._newline()

    def handle_endtag(self, tag):
        if tag in self.SKIP and self._skip:
            self._skip -= 1
        if tag == "article" and self._in_article:
            self._in_article -= 1
        if tag in self.BLOCK:
            self._newline()

    def _newline(self):
        for target in (self.parts, self.article if self._in_article else None):
            if target is not None:
                target.append("\n\n")

    def handle_data(self, data):
        if self._skip:
            return
        data = re.sub(r"\s+", " ", data)
        self.parts.append(data)
        if self._in_article and self.article is not None:
            self.article.append(data)


def html_to_text(markup: str) -> str:
    """Return the readable text of an HTML page: the ``<article>`` element if there is one.

    Examples
    --------
    >>> html_to_text("<nav>Menu</nav><article><p>A &amp; B signed.</p><script>x()</script></article>")
    'A & B signed.'
    """
    p = _TextOfHtml()
    p.feed(markup)
    p.close()
    parts = p.article if p.article and "".join(p.article).strip() else p.parts
    text = "".join(parts)
    lines = [line.strip() for line in text.split("\n")]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def _looks_like_html(text: str) -> bool:
    head = text[:2000].lower()
    return "<html" in head or "<!doctype html" in head or bool(re.search(r"<(p|div|article|body)[\s>]", head))


_STOP_LINES = re.compile(
    r"^(source link|related posts?|related|share\b.*|leave a reply.*|comments?)$", re.IGNORECASE
)
_PROSE_END = (".", ":", ".)", ")", ".”", '."', "?", "!", "”", ";")


def _line_spans(text: str) -> list[tuple[int, int]]:
    spans, pos = [], 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped:
            start = pos + line.index(stripped[0])
            spans.append((start, start + len(stripped)))
        pos += len(line)
    return spans


def _is_prose(line: str) -> bool:
    words = len(line.split())
    return words >= 14 or (words >= 3 and line.endswith(_PROSE_END) and not line.startswith("©"))


def find_body(text: str) -> tuple[int, int]:
    """Return the start and end offsets of the article body in a scraped page.

    The body is the run of prose lines (long, or ending like a sentence) with the most words,
    allowing one line of other text inside it; it stops at "Source link", "Related" and the like.

    Raises
    ------
    ExtractError
        The text has no prose at all.
    """
    lines = _line_spans(text)
    best: tuple[int, int, int] | None = None  # (words, first line, last line)
    i = 0
    while i < len(lines):
        if not _is_prose(text[slice(*lines[i])]):
            i += 1
            continue
        j, gap, last, words = i, 0, i, 0
        while j < len(lines):
            line = text[slice(*lines[j])]
            if _STOP_LINES.match(line):
                break
            if _is_prose(line):
                words += len(line.split())
                last, gap = j, 0
            else:
                gap += 1
                if gap > 1:
                    break
            j += 1
        if best is None or words > best[0]:
            best = (words, i, last)
        i = max(j, i + 1)
    if best is None:
        raise ExtractError("no article text found (no line reads like prose)")
    return lines[best[1]][0], lines[best[2]][1]


def read_article(path: str | os.PathLike, date: str | None = None) -> Article:
    """Read a stored article (plain text or HTML) and find its body and date.

    Parameters
    ----------
    path
        The stored page. HTML is reduced to its text first (quotes are then verbatim in that text).
    date
        The article's date (ISO ``YYYY-MM-DD``); else the nearest full date printed before the
        body (a byline), else none.

    Raises
    ------
    ExtractError
        The file cannot be read, is not UTF-8, or has no prose.
    """
    p = Path(path)
    try:
        text = p.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ExtractError(f"{p}: no such file") from None
    except UnicodeDecodeError as exc:
        raise ExtractError(f"{p}: not UTF-8 text (byte {exc.start})") from None
    except OSError as exc:
        raise ExtractError(f"{p}: cannot read: {exc.strerror}") from None
    return article_from_text(text, date, name=str(p))


def article_from_text(text: str, date: str | None = None, *, name: str = "text") -> Article:
    """Return the :class:`Article` of a text already read (see :func:`read_article`)."""
    converted = _looks_like_html(text)
    if converted:
        text = html_to_text(text)
    try:
        start, end = find_body(text)
    except ExtractError as exc:
        raise ExtractError(f"{name}: {exc}") from None
    if date:
        try:
            d = _dt.date.fromisoformat(date)
        except ValueError:
            raise ExtractError(f"--date: {date!r} is not an ISO date (YYYY-MM-DD)") from None
        return Article(text, start, end, d, "article date", converted)
    found = [m for m in parse_dates(text[:start]) if m.precision == "day" and not m.inferred]
    if found:
        return Article(text, start, end, _dt.date.fromisoformat(found[-1].value), "byline", converted)
    return Article(text, start, end, None, "", converted)


# --------------------------------------------------------------------------------------------
# Sentences
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Sentence:
    """One sentence of the body, with its offsets in the stored text and its paragraph number."""

    start: int
    end: int
    text: str
    para: int


_ABBREV = {
    "u.s",
    "st",
    "mr",
    "mrs",
    "ms",
    "dr",
    "no",
    "jan",
    "feb",
    "mar",
    "apr",
    "aug",
    "sept",
    "sep",
    "oct",
    "nov",
    "dec",
    "gen",
    "inc",
    "ltd",
    "co",
    "vs",
    "e.g",
    "i.e",
    "prof",
    "u.k",
    "u.n",
}
_BOUNDARY = re.compile(r"(?<=[.!?])[\"”’)]?\s+(?=[\"“‘(]?[A-Z0-9])")


def split_sentences(text: str, start: int = 0, end: int | None = None) -> list[Sentence]:
    """Split ``text[start:end]`` into sentences; each line (paragraph) is split on its own.

    Examples
    --------
    >>> [s.text for s in split_sentences("The U.S. agency signed. It was Sept. 1. Done")]
    ['The U.S. agency signed.', 'It was Sept. 1.', 'Done']
    """
    end = len(text) if end is None else end
    out: list[Sentence] = []
    for para, (a, b) in enumerate(_line_spans(text[start:end])):
        a, b = a + start, b + start
        line = text[a:b]
        cut = 0
        for m in _BOUNDARY.finditer(line):
            before = line[cut : m.start()].rstrip('.!?"”’)')
            last = before.rsplit(None, 1)[-1].lower() if before.split() else ""
            raw = before.rsplit(None, 1)[-1] if before.split() else ""
            if last in _ABBREV or (len(last) == 1 and last.isalpha()) or re.fullmatch(r"[A-Z][a-z]", raw):
                # an initial, a known abbreviation, or a title such as "Md." before a name
                continue
            piece = line[cut : m.start() + len(m.group(0).rstrip())].rstrip()
            if piece:
                out.append(Sentence(a + cut, a + cut + len(piece), piece, para))
            cut = m.end()
        piece = line[cut:].rstrip()
        if piece:
            out.append(Sentence(a + cut, a + cut + len(piece), piece, para))
    return out


# --------------------------------------------------------------------------------------------
# Dates
# --------------------------------------------------------------------------------------------

MONTHS = {
    m.lower(): i
    for i, m in enumerate(
        [
            "January",
            "February",
            "March",
            "April",
            "May",
            "June",
            "July",
            "August",
            "September",
            "October",
            "November",
            "December",
        ],
        1,
    )
}
MONTHS.update(
    {
        "jan": 1,
        "feb": 2,
        "mar": 3,
        "apr": 4,
        "jun": 6,
        "jul": 7,
        "aug": 8,
        "sep": 9,
        "sept": 9,
        "oct": 10,
        "nov": 11,
        "dec": 12,
    }
)
_MON = (
    r"(?P<mon>January|February|March|April|May|June|July|August|September|October|November|December|"
    r"Jan\.?|Feb\.?|Mar\.?|Apr\.?|Jun\.?|Jul\.?|Aug\.?|Sept\.?|Sep\.?|Oct\.?|Nov\.?|Dec\.?)"
)
_WEEKDAYS = ["monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"]
_DATE_PATTERNS = [
    re.compile(r"\b(?P<day>\d{1,2})(?:st|nd|rd|th)?\s+" + _MON + r"(?:,?\s+(?P<year>\d{4}))?\b"),
    re.compile(
        r"(?:\b|(?<=[a-z]))" + _MON + r"\s+(?P<day>\d{1,2})(?:st|nd|rd|th)?(?:,\s*(?P<year>\d{4}))?(?!\d)"
    ),
    re.compile(r"\b" + _MON + r"\s+(?P<year>\d{4})\b"),
    re.compile(
        r"\b(?:in|during|since|from|of|by)\s+(?P<mon>January|February|March|April|May|June|July|"
        r"August|September|October|November|December)\b(?!\s+\d)"
    ),
    re.compile(r"\b(?:in|during|since|from|of)\s+(?:early\s+|late\s+|mid-)?(?P<year>(?:19|20)\d{2})\b(?!s)"),
    re.compile(r"\b(?P<rel>today|yesterday)\b", re.IGNORECASE),
    re.compile(
        r"\b(?:(?:on|last)\s+)?(?P<wd>Monday|Tuesday|Wednesday|Thursday|Friday|Saturday|Sunday)\b(?![’']s)"
    ),
]


@dataclass(frozen=True)
class DateMention:
    """A date printed in the text: ISO value, precision, offsets, and whether the year was inferred."""

    start: int
    end: int
    value: str
    precision: str
    inferred: bool = False


def parse_dates(text: str, article_date: _dt.date | None = None, offset: int = 0) -> list[DateMention]:
    """Find the dates printed in ``text``, in order; missing years come from ``article_date``.

    A day or month printed without a year takes the article's year, or the year before when that
    would put it more than a week after the article. ``today`` and weekdays ("on Friday") count
    back from the article's date. Without an article date such mentions are left out.

    Examples
    --------
    >>> [(d.value, d.precision, d.inferred) for d in parse_dates("signed April 5 and in 2023",
    ...                                                           _dt.date(2024, 4, 8))]
    [('2024-04-05', 'day', True), ('2023', 'year', False)]
    >>> [d.value for d in parse_dates("in December", _dt.date(2025, 1, 10))]
    ['2024-12']
    """
    found: list[DateMention] = []
    taken: list[tuple[int, int]] = []
    for pat in _DATE_PATTERNS:
        for m in pat.finditer(text):
            if any(a < m.end() and m.start() < b for a, b in taken):
                continue
            gd = m.groupdict()
            year = int(gd["year"]) if gd.get("year") else None
            mon = MONTHS[gd["mon"].rstrip(".").lower()] if gd.get("mon") else None
            day = int(gd["day"]) if gd.get("day") else None
            inferred = False
            if gd.get("rel") or gd.get("wd"):
                if article_date is None:
                    continue
                if gd.get("rel"):
                    d = article_date - _dt.timedelta(days=0 if gd["rel"].lower() == "today" else 1)
                else:
                    back = (article_date.weekday() - _WEEKDAYS.index(gd["wd"].lower())) % 7
                    d = article_date - _dt.timedelta(days=back)
                found.append(DateMention(m.start() + offset, m.end() + offset, d.isoformat(), "day", True))
                taken.append(m.span())
                continue
            if year is None:
                if article_date is None:
                    continue
                year, inferred = article_date.year, True
                probe = _dt.date(year, mon or 1, min(day or 1, 28))
                if probe > article_date + _dt.timedelta(days=7):
                    year -= 1
            if day and mon is None:
                continue  # no pattern has a day without its month
            try:
                if day and mon:
                    value, precision = _dt.date(year, mon, day).isoformat(), "day"
                elif mon:
                    value, precision = f"{year:04d}-{mon:02d}", "month"
                else:
                    value, precision = f"{year:04d}", "year"
            except (ValueError, TypeError):
                continue
            found.append(DateMention(m.start() + offset, m.end() + offset, value, precision, inferred))
            taken.append(m.span())
    return sorted(found, key=lambda d: d.start)


# --------------------------------------------------------------------------------------------
# Entities: the gazetteer and the ONE linking adapter
# --------------------------------------------------------------------------------------------


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
    from rdflib import RDF

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
        lab = g.value(based, __import__("rdflib").SKOS.prefLabel)
        country = str(lab) if lab is not None else ""
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
    labels: dict = {}
    for pred in (SKOS.prefLabel, RDFS.label):
        for s, o in g.subject_objects(pred):
            labels.setdefault(s, str(o))
    for node, label in sorted(labels.items(), key=lambda kv: str(kv[0])):
        kind, country = _kind_of_node(g, node)
        if not kind:
            continue
        link = EntityLink(label, kind, curie(str(node)), "" if kind == "country" else country)
        gaz.add(label, link)
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
def _entity_finder(root: str | None = None):
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
    finder = _entity_finder(root)
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


# --------------------------------------------------------------------------------------------
# Mentions and lists
# --------------------------------------------------------------------------------------------


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
_LIST_GAP = re.compile(
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
    if _LIST_GAP.match(gap):
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


# --------------------------------------------------------------------------------------------
# Candidates
# --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Candidate:
    """One proposed row of the fact sheet; ``spans`` are the quote's pieces as text offsets."""

    subject: str
    subject_kind: str
    relation: str
    object: str = ""
    object_kind: str = ""
    spans: tuple[tuple[int, int], ...] = ()
    status: str = ""
    certainty: str = "reported"
    date: str = ""
    date_precision: str = "unknown"
    date_inferred_from: str = ""
    level: str = ""
    role: str = ""
    detail: str = ""
    note: str = ""
    agreement_kind: str = ""
    agreement_title: str = ""
    signer: str = ""
    signer_role: str = ""
    on_behalf_of: str = ""
    witness: str = ""
    ordinal: str = ""
    as_of: str = ""
    planned: str = ""
    parent: str = ""
    subject_curie: str = ""
    object_curie: str = ""
    group: tuple = ()  # the list a member row came from (its lead-in span), for the dispute check

    def quote(self, text: str) -> str:
        return JOIN.join(text[a:b] for a, b in _merge_spans(self.spans, text))

    def key(self) -> tuple:
        if self.relation == "agreement_with":
            pair = tuple(sorted((self.subject, self.object)))
            return (pair, self.relation, self.agreement_title, self.certainty, self.signer)
        return (self.subject, self.relation, self.object, self.status, self.certainty)


def _merge_spans(spans, text: str) -> list[tuple[int, int]]:
    """Sort quote pieces and merge those that touch or are separated by spaces only."""
    out: list[list[int]] = []
    for a, b in sorted(set(spans)):
        if out and (
            a <= out[-1][1] or (text[out[-1][1] : a].strip() == "" and "\n" not in text[out[-1][1] : a])
        ):
            out[-1][1] = max(out[-1][1], b)
        else:
            out.append([a, b])
    return [(a, b) for a, b in out]


HEDGES = re.compile(
    r"\b(understood to|reportedly|reported to|said to|believed to|thought to|appears? to|"
    r"apparently|allegedly|is expected to|are expected to|expected to|may have|might)\b",
    re.IGNORECASE,
)
PLANNED = re.compile(
    r"\b(plans? to|planned|intends? to|aims? to|expected to|will|is set to|are set to|"
    r"scheduled to|to be signed)\b",
    re.IGNORECASE,
)
ACCORDING = re.compile(r"\baccording to ((?:an? |the )?[^,.;]+)", re.IGNORECASE)
_MISSIONISH = ("mission", "payload")


@dataclass
class _Ctx:
    text: str
    article: Article
    gaz: Gazetteer
    sentences: list[Sentence]
    base_certainty: str
    mentions: dict[int, list[Mention]] = field(default_factory=dict)
    out: list[Candidate] = field(default_factory=list)

    def ments(self, s: Sentence) -> list[Mention]:
        if s.start not in self.mentions:
            self.mentions[s.start] = find_mentions(self.text, s.start, s.end, self.gaz)
        return self.mentions[s.start]

    def topic(self, before: int, kinds: tuple[str, ...]) -> Mention | None:
        """The nearest mention of one of ``kinds`` at or before sentence ``before``."""
        for s in reversed(self.sentences[: before + 1]):
            for m in reversed(self.ments(s)):
                if m.link.kind in kinds:
                    return m
        return None


def _certainty_of(ctx: _Ctx, clause: str) -> tuple[str, str, str]:
    """(certainty, planned, note) of a clause, from its hedges and attributions."""
    certainty, planned, note = ctx.base_certainty, "", ""
    # a relative clause says something about a name, not about the fact: "… the ILRS, an initiative that
    # seeks to establish a robotic moon base which will eventually host visiting astronauts"
    clause = re.sub(r",\s*(?:which|who|that)\b[^,]*,", ",", clause)
    clause = re.sub(r"(?:,\s*|\s+)(?:which|who|that)\s+(?:will|would|seeks?|aims?)\b.*$", "", clause)
    hedge = HEDGES.search(clause)
    if hedge:
        certainty = "unconfirmed"
        note = f"hedged in the source: {hedge.group(1)!r}"
    plan = PLANNED.search(clause)
    if plan and not re.search(r"\b(signed|joined|became|have|has)\b", clause[: plan.start()][-40:]):
        planned = "true"
    acc = ACCORDING.search(clause)
    if acc:
        note = (note + "; " if note else "") + f"according to {acc.group(1).strip()}"
    return certainty, planned, note


def _date_near(ctx: _Ctx, s: Sentence, pos: int, lo: int | None = None, hi: int | None = None):
    ds = parse_dates(
        ctx.text[lo if lo is not None else s.start : hi if hi is not None else s.end],
        ctx.article.date,
        lo if lo is not None else s.start,
    )
    if not ds:
        return None
    return min(ds, key=lambda d: abs(d.start - pos))


def _with_date(c: Candidate, ctx: _Ctx, d) -> Candidate:
    if d is None:
        return c
    inferred = f"article date {ctx.article.date.isoformat()}" if d.inferred and ctx.article.date else ""
    return replace(c, date=d.value, date_precision=d.precision, date_inferred_from=inferred)


def _clause_bounds(s: Sentence, text: str, pos: int) -> tuple[int, int]:
    """The clause around ``pos``: cut at ';', ' — ', ', with ' and ', while '."""
    a, b = s.start, s.end
    seg = text[s.start : s.end]
    # "Thirteen countries — A, B, …, and M — have joined": dashes around a list are brackets, not breaks
    seg = re.sub(r"\s[—–]\s([^—–;]*,[^—–;]*,[^—–;]*)\s[—–]\s", lambda m: "   " + m.group(1) + "   ", seg)
    for sep in re.finditer(r";|\s—\s|,\s+(?:with|while|whereas|but)\s+", seg):
        at = s.start + sep.start()
        if at < pos:
            a = s.start + sep.end()
        elif at > pos:
            b = min(b, at)
            break
    return a, b


def _strip_end(text: str, a: int, b: int) -> tuple[int, int]:
    while b > a and text[b - 1] in " .,;:":
        b -= 1
    while a < b and text[a] in " ,;:":
        a += 1
    return a, b


# ---- rule: payload bullets ----------------------------------------------------------------

_PAYLOAD_LEAD = re.compile(
    r"\b(payloads?|instruments?|experiments?)\b.*\b(selected|chosen|are|include|will carry)\b.*:\s*$|"
    r"\bwill carry\b.*:\s*$",
    re.IGNORECASE,
)
_ORG_HEAD = re.compile(
    r"\b(University|Universities|Agency|Administration|Institute|Institution|Commission|"
    r"Observatory|Corporation|Laboratory|Laboratories|Society|Ministry|Center|Centre|"
    r"Organization|Organisation|Academy|Company|Inc|Ltd|Council|Foundation|Department|"
    r"Office|School|College|Lab|Labs)\b"
)
_DESCRIBED_ORG = re.compile(
    r"(?:(?:commercial|private|state-owned|the)\s+)*(?:company|firm|start-?up|business)\s+[A-Z]"
)


def _last_paren_group(line: str) -> tuple[int, int] | None:
    """(start, end) of the last balanced top-level parenthesised group of a line, inside the parens."""
    end = line.rstrip(" .;").rstrip()
    if not end.endswith(")"):
        return None
    depth = 0
    for i in range(len(end) - 1, -1, -1):
        if end[i] == ")":
            depth += 1
        elif end[i] == "(":
            depth -= 1
            if depth == 0:
                return i + 1, len(end) - 1
    return None


def _org_kind_of(name: str) -> str:
    n = name.lower()
    if re.search(r"\buniversit", n):
        return "university"
    if re.search(r"\bministry\b|\bdepartment\b|\bgovernment\b|\bembassy\b", n):
        return "government_body"
    if re.search(
        r"space (agency|administration)|\baerospace\b.*\bcommission\b|space research commission|"
        r"\bspace studies agency\b|space corporation",
        n,
    ):
        return "space_agency"
    if re.search(r"\binstitut|\blaborator|\bobservatory\b|\bacademy\b|\bcent(er|re)\b", n):
        return "research_institute"
    if re.search(r"\bsociety\b|\borgani[sz]ation\b|\bassociation\b|\bunion\b|\bfederation\b", n):
        return "international_organization"
    if re.search(r"\bcompany\b|\binc\b|\bltd\b|\bcorp\b|\.vision|\bgroup\b|\btechnolog", n):
        return "company"
    if re.search(r"\bagency\b|\bcommission\b|\badministration\b", n):
        return "space_agency"
    return "company"


def _country_in(ctx: _Ctx, name: str) -> str:
    for m in ctx.gaz.pattern.finditer(name):
        lk = ctx.gaz.lookup(m.group(1))
        if lk and lk.kind == "country":
            return lk.label
    dm = _DEMONYM_RE.search(name)
    return DEMONYMS.get(dm.group(1).lower(), "") if dm else ""


def _split_parties(ctx: _Ctx, a: int, b: int) -> list[tuple[int, int, str]]:
    """Split a developer list into (start, end, role) parties: ', in partnership with' → partner."""
    text = ctx.text
    parts: list[tuple[int, int, str]] = []
    seg = text[a:b]
    m = re.search(r",?\s+in partnership with\s+", seg)
    chunks = [(a, a + m.start(), "developer"), (a + m.end(), b, "partner")] if m else [(a, b, "developer")]
    for ca, cb, role in chunks:
        pieces = [(ca, cb)]
        for sep in (r"\s+and the\s+", r",\s+and\s+", r"\s+and\s+", r",\s+"):
            nxt = []
            for pa, pb in pieces:
                if _resolve_span(ctx, pa, pb):
                    nxt.append((pa, pb))
                    continue
                cut = [(pa, pa)]
                for sm in re.finditer(sep, text[pa:pb]):
                    left = text[cut[-1][1] : pa + sm.start()]
                    right = text[pa + sm.end() : pb]
                    right_link = _resolve_text(ctx, right)
                    if (
                        sep == r",\s+"
                        and right_link is not None
                        and right_link.kind == "country"
                        and pa + sm.end() + len(right) == pb
                    ):
                        continue  # "Kyoto Institute, Japan": a country after a comma says where, not who
                    if sep == r"\s+and the\s+" or (
                        (_ORG_HEAD.search(left) or _resolve_text(ctx, left))
                        and (
                            _ORG_HEAD.search(right)
                            or right_link
                            or _DESCRIBED_ORG.match(right)
                            or (re.match(r"[A-Z]", right) and sep != r",\s+")
                        )
                    ):
                        if sep == r",\s+" and not (right_link or _ORG_HEAD.search(right)):
                            continue
                        cut.append((pa + sm.start(), pa + sm.end()))
                bounds = [pa] + [x for c in cut[1:] for x in c] + [pb]
                nxt.extend((bounds[i], bounds[i + 1]) for i in range(0, len(bounds), 2))
            pieces = nxt
        for pa, pb in pieces:
            pa, pb = _strip_end(text, pa, pb)
            d = re.match(r"(?:the\s+|commercial company\s+|private company\s+|company\s+)+", text[pa:pb])
            if d:
                pa += d.end()
            if pb > pa:
                parts.append((pa, pb, role))
    return parts


def _resolve_text(ctx: _Ctx, name: str) -> EntityLink | None:
    name = re.sub(r"\s*\([A-Z][A-Za-z.-]{1,12}\)$", "", name.strip(" ,.;"))
    if not name:
        return None
    link = link_entity(name)
    if link is None:
        m = re.match(r"(.*?),\s*([A-Z][\w ]+)$", name)  # "X, Italy"
        if m and _country_in(ctx, m.group(2)):
            link = link_entity(m.group(1))
    return link


def _resolve_span(ctx: _Ctx, a: int, b: int) -> EntityLink | None:
    return _resolve_text(ctx, ctx.text[a:b])


def _new_org(ctx: _Ctx, name: str, context: str = "") -> EntityLink:
    m = re.match(r"(.*?)\s*,\s*([A-Z][\w ]+)$", name)
    country = ""
    if m and _country_in(ctx, m.group(2)):
        name, country = m.group(1), _country_in(ctx, m.group(2))
    country = country or _country_in(ctx, name) or _country_in(ctx, context)
    name = re.sub(r"\s*\(([A-Z][A-Za-z.-]+)\)$", "", name)
    return EntityLink(name, _org_kind_of(name), "", country)


def _rule_payload_bullets(ctx: _Ctx) -> None:
    sents = ctx.sentences
    for i, s in enumerate(sents):
        if not _PAYLOAD_LEAD.search(s.text):
            continue
        mission = next((m for m in ctx.ments(s) if m.link.kind == "mission"), None) or ctx.topic(
            i, ("mission",)
        )
        if mission is None:
            continue
        j = i + 1
        while j < len(sents) and sents[j].para > s.para:
            item = sents[j]
            grp = _last_paren_group(item.text)
            if grp is None:
                break
            head_end = item.start + grp[0] - 1
            head = ctx.text[item.start : head_end].rstrip()
            # "(two micro-rovers)": a description in parentheses, not developers
            extra = ""
            em = re.search(r"\s*\(([^()]*)\)\s*$", head)
            if em:
                extra = em.group(1)
                head = head[: em.start()]
            names = re.split(r"\s+and the\s+", head)
            pos = item.start
            payload_spans = []
            for n in names:
                at = ctx.text.index(n, pos, item.end)
                payload_spans.append((at, at + len(n)))
                pos = at + len(n)
            dev_a, dev_b = item.start + grp[0], item.start + grp[1]
            parties = _split_parties(ctx, dev_a, dev_b)
            item_a, item_b = _strip_end(ctx.text, item.start, item.end)
            sel = _selection_date(ctx)
            for pa, pb in payload_spans:
                pname = ctx.text[pa:pb]
                plink = link_entity(pname) or EntityLink(pname[0].upper() + pname[1:], "payload")
                if not plink.curie:
                    _propose(ctx, plink, (pa, pb), detail=extra, within=mission.link.label)
                c = Candidate(
                    plink.label,
                    "payload",
                    "payload_on",
                    mission.link.label,
                    "mission",
                    spans=((s.start, s.end), (pa, pb)),
                    certainty=ctx.base_certainty,
                    subject_curie=plink.curie,
                    object_curie=mission.link.curie,
                    detail=f"selected for {mission.link.label}" + (f"; {extra}" if extra else ""),
                )
                ctx.out.append(_with_date(c, ctx, sel))
                for da, db, role in parties:
                    dname = ctx.text[da:db]
                    dlink = _resolve_span(ctx, da, db) or _new_org(ctx, dname, head)
                    if not dlink.curie:
                        _propose(ctx, dlink, (da, db))
                    # "(Thailand)": no organisation named, the payload is a country's contribution
                    rel = "provided_by_country" if dlink.kind in ("country", "region") else "developed_by"
                    ctx.out.append(
                        Candidate(
                            plink.label,
                            "payload",
                            rel,
                            dlink.label,
                            dlink.kind,
                            spans=((item_a, item_b),),
                            certainty=ctx.base_certainty,
                            role=role if rel == "developed_by" else "contributor",
                            subject_curie=plink.curie,
                            object_curie=dlink.curie,
                        )
                    )
            j += 1


def _selection_date(ctx: _Ctx):
    for s in ctx.sentences:
        cue = re.search(r"\bselect(ion|ed)\b|\bchose\b|\bannounced\b", s.text)
        if cue:
            d = _date_near(ctx, s, s.start + cue.start())
            if d is not None and d.precision == "day":
                return d
    return None


# ---- proposals for unknown names ----------------------------------------------------------


def _close_names(name: str, limit: int = 3) -> list[str]:
    """'Label (curie, score)' of the graph's entities closest to a name (issue 12's look-up), if it is
    here."""
    finder = _entity_finder(None)
    if finder is None:
        return []
    return [f"{m.label} ({m.curie}, {m.score:.0f})" for m in finder.find(name).suggestions[:limit]]


def _propose(ctx: _Ctx, link: EntityLink, span: tuple[int, int], detail: str = "", within: str = "") -> None:
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
    ctx.out.append(
        Candidate(
            link.label,
            link.kind,
            "entity",
            link.country,
            "country" if link.country else "",
            spans=(span,),
            certainty="",
            date_precision="",
            detail=det,
            note=note,
        )
    )


# ---- rule: "X-led Y" ------------------------------------------------------------------------

_LED = re.compile(r"(?:the\s+)?\b([A-Z][\w.’']*(?:\s[A-Z][\w’']*)?)-led\s+")


def _rule_led(ctx: _Ctx) -> None:
    for s in ctx.sentences:
        for m in _LED.finditer(ctx.text, s.start, s.end):
            who = m.group(1)
            lead = link_entity(who) or link_entity(DEMONYMS.get(normalize_name(who), who))
            if lead is None:
                continue
            ms = [x for x in ctx.ments(s) if x.start >= m.end()]
            if (
                not ms
                or ms[0].start != m.end()
                or ms[0].link.kind not in ("initiative", "mission", "international_organization")
            ):
                continue
            objs = list_around(ms, ctx.text, 0, +1)
            objs = [o for o in objs if o.link.kind in ("initiative", "mission", "international_organization")]
            a = m.start()
            for o in objs:
                c = Candidate(
                    lead.label,
                    lead.kind,
                    "partner_of",
                    o.link.label,
                    o.link.kind,
                    spans=((a, objs[-1].end),),
                    status="leader",
                    certainty=ctx.base_certainty,
                    level="national" if lead.kind == "country" else "organisation",
                    subject_curie=lead.curie,
                    object_curie=o.link.curie,
                )
                ctx.out.append(c)


# ---- rule: verb cues with a list of subjects --------------------------------------------------

_AUX = (
    r"(?:\s+(?:have|has|had|also|already|formally|officially|now|recently|both|all|each|to|been|"
    r"understood|reportedly|thought|believed|said|reported|is|are|was|were|later|previously|jointly|expected|"
    r"set|due|poised|likely|"
    r"plans|plan|planning|intends|will|would|could|may|in\s+\w+|[a-z]+ly))*"
)
_VERB = re.compile(
    r"\s*,?" + _AUX + r"\s+(?P<verb>signed up to|signed up|signed|sign|joined|join|became|become|becomes|"
    r"presented|unveiled|issued|inked|concluded|"
    r"are engaged with|is engaged with|engaged with|are members of|is a member of|are partners in|"
    r"established|founded)\b",
    re.IGNORECASE,
)
_INSTRUMENT = re.compile(
    r"\b(?:(?P<n>a|an|two|three|the|another|the two)\s+)?(?:(?:joint|initial|bilateral|"
    r"cooperation|framework|new)\s+)*(?:(?-i:[A-Z]{2,})\s+)?"
    r"(?P<kind>memorand(?:um|a|ums) of understanding|MoUs?|MOUs?|"
    r"agreements?|letters? of intent|joint statements?|statements?|roadmaps?|pacts?|"
    r"intergovernmental agreements?|conventions?)\b(?:\s*\((?:MoUs?|MOUs?)\))?",
    re.IGNORECASE,
)


def _agreement_kind(word: str) -> str:
    w = word.lower()
    if w.startswith(("memorand", "mou")):
        return "mou"
    if "letter" in w:
        return "letter-of-intent"
    if "statement" in w:
        return "joint-statement"
    if "intergovernmental" in w:
        return "intergovernmental-agreement"
    if "roadmap" in w:
        return "roadmap"
    if "convention" in w:
        return "convention"
    return "agreement"


def _relation_for(
    subject: EntityLink, obj: EntityLink, verb: str, sub_national: bool
) -> tuple[str, str, str]:
    """(relation, status, level) for a subject joining or signing an initiative or organisation."""
    v = verb.lower()
    level = "sub-national" if sub_national else ("national" if subject.kind == "country" else "organisation")
    if v.startswith(("established", "founded")):
        return "founding_member_of", "founding", level
    if "engaged" in v:
        return "partner_of", "engaged", level
    if "member" in v:
        return "member_of", "full_member", level
    if sub_national:
        return "partner_of", "joined", level
    if subject.kind in ("country", "region"):
        return "signatory_of", "signatory", level
    return "partner_of", "partner", level


def _emit_membership(
    ctx: _Ctx,
    s: Sentence,
    subjects: list[Mention],
    obj: Mention | EntityLink,
    verb: str,
    cue: tuple[int, int],
    clause: tuple[int, int],
    *,
    sub_national: bool = False,
    lead: tuple[int, int] | None = None,
    detail: str = "",
    date=None,
    ordinal: str = "",
    as_of: str = "",
    status: str = "",
    agreement_kind: str = "",
) -> None:
    olink = obj.link if isinstance(obj, Mention) else obj
    text = ctx.text[clause[0] : clause[1]]
    certainty, planned, note = _certainty_of(ctx, text)
    long_list = len(subjects) >= 3
    for m in subjects:
        if m.link.kind not in ("country", "region", *_ORG_KINDS):
            continue
        rel, st, level = _relation_for(m.link, olink, verb, sub_national)
        if status:
            st = status
        spans: tuple[tuple[int, int], ...]
        if long_list:
            spans = ((m.start, m.end), lead or cue)
        else:
            a = min(subjects[0].start, cue[0], lead[0] if lead else cue[0])
            b = max(cue[1], subjects[-1].end, lead[1] if lead else 0)
            spans = ((a, b),)
        c = Candidate(
            m.link.label,
            m.link.kind,
            rel,
            olink.label,
            olink.kind,
            spans=spans,
            status=st,
            certainty=certainty,
            level=level,
            detail=detail,
            note=note,
            planned=planned,
            ordinal=ordinal,
            as_of=as_of,
            agreement_kind=agreement_kind,
            subject_curie=m.link.curie,
            object_curie=olink.curie,
            group=(lead or cue) if long_list else (),
        )
        ctx.out.append(_with_date(c, ctx, date))
        if not m.link.curie:
            _propose(ctx, m.link, (m.start, m.end))


_SUBJECT_GAP = re.compile(
    r"^(?:\s*,\s*(?:which|who)\b[^,;]*)?"  # "Egypt, which is expected to launch a probe, has"
    r"(?:\s+and\s+(?:\w+\s+)?other\s+(?:countries|nations|states|partners))?\s*[,—–]?\s*$"
)
_ORG_KINDS = (
    "space_agency",
    "government_body",
    "university",
    "research_institute",
    "company",
    "international_organization",
)
_GROUPS = ("initiative", "international_organization")


def _object_after(ctx: _Ctx, s: Sentence, pos: int, end: int) -> Mention | None:
    for m in ctx.ments(s):
        if pos <= m.start < end and m.link.kind in _GROUPS:
            return m
    return None


def _rule_verbs(ctx: _Ctx) -> None:
    for i, s in enumerate(ctx.sentences):
        ms = ctx.ments(s)
        for vm in _VERB.finditer(ctx.text, s.start, s.end):
            verb = vm.group("verb")
            vstart = vm.start("verb")
            ca, cb = _clause_bounds(s, ctx.text, vstart)
            # the subjects: a list of names ending right before the verb
            before = [
                k
                for k, m in enumerate(ms)
                if ca <= m.start
                and m.end <= vm.start() + 1
                and _SUBJECT_GAP.match(ctx.text[m.end : vm.start()])
            ]
            subjects: list[Mention] = []
            sub_national = False
            lead = None
            if before:
                subjects = list_around(ms, ctx.text, before[-1], -1)
            else:
                inc = re.search(
                    r"\bincluding\s+(?:groups(?: and firms)?|firms|companies|entities|"
                    r"institutions|universities)?\s*(?:from\s+)?",
                    ctx.text[vm.end() : cb],
                )
                if inc and re.search(
                    r"subnational|sub-national|companies|firms|universities", ctx.text[ca:cb], re.IGNORECASE
                ):
                    start = vm.end() + inc.end()
                    after = [k for k, m in enumerate(ms) if m.start >= start]
                    if after and ctx.text[start : ms[after[0]].start].strip() in ("", "the"):
                        subjects = list_around(ms, ctx.text, after[0], +1)
                        sub_national = True
                        lead = (ca, start)
                        lead = _strip_end(ctx.text, lead[0], lead[1])
                        lead = (lead[0], start - 1 if ctx.text[start - 1] == " " else start)
            if not subjects and re.search(r"\b(?:it|they)\s*$", ctx.text[ca : vm.start()]):
                # "SANSA has announced that it has signed …": the pronoun is the sentence's first actor
                actor = next(
                    (m for m in ms if m.start < vm.start() and m.link.kind in ("country", *_ORG_KINDS)), None
                )
                subjects = [actor] if actor else []
            subjects = [m for m in subjects if m.link.kind in ("country", "region", *_ORG_KINDS)]
            after_verb = _DATE_LEAD.sub("", ctx.text[vm.end() : cb].lstrip(' “"‘')).lstrip(' “"‘')
            is_signing = re.match(
                r"sign|present|unveil|issue|ink|conclude", verb, re.IGNORECASE
            ) and _INSTRUMENT.match(after_verb)
            if not subjects and is_signing:
                unknown, full_start = _unknown_org_before(ctx, ca, vm.start())
                if (
                    unknown is not None
                ):  # "Serbia’s Ministry of Science, … signed a memorandum … with the CNSA"
                    _propose(ctx, unknown.link, (unknown.start, unknown.end))
                    prev = next(
                        (x for x in reversed(ms) if x.end <= full_start and x.link.kind in _ORG_KINDS), None
                    )
                    subjects = (
                        [prev, unknown]
                        if prev is not None and _LIST_GAP.match(ctx.text[prev.end : full_start])
                        else [unknown]
                    )
                else:
                    _agreement_from(ctx, i, s, [], vm, (ca, cb))  # the signers may be named with their titles
                    continue
            if not subjects:
                continue
            if is_signing:
                _agreement_from(ctx, i, s, subjects, vm, (ca, cb))
                continue
            if verb.lower() in ("presented", "unveiled", "issued", "inked", "concluded"):
                continue  # only with an instrument (above)
            if verb.lower().startswith("became") or verb.lower().startswith("become"):
                om = re.match(
                    r"\s+the\s+(?P<n>\d+(?:st|nd|rd|th)|" + _ORDINAL_WORDS + r"|latest|newest|most recent)"
                    r"\s+(?:country|nation|signatory|state|member)"
                    r"(?:\s+to\s+(?P<v>sign|join))?",
                    ctx.text[vm.end() : cb],
                )
                if not om:
                    continue
                obj = _object_after(ctx, s, vm.end(), cb) or _topic_group(ctx, i)
                if obj is None:
                    continue
                cue = (
                    vm.start("verb"),
                    obj.end if isinstance(obj, Mention) and obj.start < cb else vm.end() + om.end(),
                )
                _emit_membership(
                    ctx,
                    s,
                    subjects,
                    obj,
                    om.group("v") or "signed",
                    cue,
                    (ca, cb),
                    ordinal=_ordinal(om.group("n")),
                    date=_date_near(ctx, s, vstart, ca, cb),
                )
                continue
            if verb.lower().startswith(("established", "founded")):
                obj = _object_after(ctx, s, vm.end(), cb)
                if obj is None or obj.start - vm.end() > 5:
                    continue
                _emit_membership(
                    ctx,
                    s,
                    subjects[:1],
                    obj,
                    verb,
                    (vstart, obj.end),
                    (ca, cb),
                    date=_date_near(ctx, s, vstart, ca, cb),
                )
                continue
            obj = _object_after(ctx, s, vm.end(), cb)
            if "engaged" in verb.lower():
                cue_end = obj.end if obj else vm.end()
                mem = re.search(r"through (?:their|its) membership (?:in|of)\s+", ctx.text[cue_end:cb])
                org = _object_after(ctx, s, cue_end + mem.end(), cb) if mem else None
                if obj is not None:
                    _emit_membership(
                        ctx,
                        s,
                        subjects,
                        obj,
                        verb,
                        (vstart, org.end if org else obj.end),
                        (ca, cb),
                        detail=f"through membership in {org.link.label}" if org else "",
                    )
                if org is not None:
                    _emit_membership(ctx, s, subjects, org, "are members of", (vstart, org.end), (ca, cb))
                continue
            if obj is None:
                if re.search(r"\bto\s*$", ctx.text[ca:vstart]) and not re.search(
                    r"(understood|said|believed|"
                    r"reported) to\s*$",
                    ctx.text[ca:vstart],
                ):
                    continue  # "aims to attract 50 countries to join": not a joining
                obj = _topic_group(ctx, i)
                if obj is None:
                    continue
                cue = (vstart, _verb_phrase_end(ctx.text, vm.end(), cb))
            else:
                cue = (vstart, _after_object(ctx.text, obj.end, cb))
            if lead is None and len(subjects) >= 3:
                lead = _strip_end(ctx.text, vstart, cb)
                lead = (vstart, lead[1])
            _emit_membership(
                ctx,
                s,
                subjects,
                obj,
                verb,
                cue,
                (ca, cb),
                sub_national=sub_national,
                lead=lead,
                date=_date_near(ctx, s, vstart, ca, cb),
            )


def _verb_phrase_end(text: str, pos: int, end: int) -> int:
    m = re.match(r"[^,;.]*", text[pos:end])
    return _strip_end(text, pos, pos + m.end())[1] if m else pos


def _after_object(text: str, pos: int, end: int) -> int:
    """Extend a quote past the object over a short qualifier: 'as national-level participants'."""
    m = re.match(
        r"\s+(?:as|in|efforts|initiative|program|programme|project)\b(?:(?!\sand\s)[^,;.])*", text[pos:end]
    )
    return pos + m.end() if m else pos


def _topic_group(ctx: _Ctx, i: int) -> Mention | None:
    return ctx.topic(i, ("initiative",)) or ctx.topic(i, ("international_organization",))


# ---- rule: agreements -----------------------------------------------------------------------


_ORG_WORD = r"[A-Z][\w.-]*(?:[’'](?!s\b)\w+)?"  # "O'Neill" yes, "China's" no: a possessive says whose
_UNKNOWN_ORG = re.compile(
    r"(?:(?P<c>[A-Z][\w]+(?:\s+[A-Z][\w]+)?)[’']s\s+)?(?P<org>" + _ORG_WORD + r"(?:(?:\s+|,\s+)"
    r"(?:" + _ORG_WORD + r"|of|and|for|the|on))*)\s*$"
)


def _unknown_org_before(ctx: _Ctx, a: int, b: int) -> tuple[Mention | None, int]:
    """A name the graph does not know, ending right before ``b``, that reads as an organisation's
    ("Serbia’s Ministry of Science, Technological Development and Innovation"), as a new-entity mention."""
    m = _UNKNOWN_ORG.search(ctx.text, a, b)
    if not m or not _ORG_HEAD.search(m.group("org")) or link_entity(m.group("org")) is not None:
        return None, b
    country = _country_in(ctx, m.group("c")) if m.group("c") else ""
    link = _new_org(ctx, m.group("org"))
    link = EntityLink(link.label, link.kind, "", country or link.country)
    return Mention(m.start("org"), m.end("org"), m.group("org"), link), m.start()


def _agreement_from(ctx: _Ctx, i: int, s: Sentence, subjects: list[Mention], vm: re.Match, clause) -> None:
    ca, cb = clause
    im = _INSTRUMENT.search(ctx.text, vm.end(), cb)
    if im is None:  # never: the caller read the instrument right after the verb
        return
    kind = _agreement_kind(im.group("kind"))
    title_m = re.match(r"\s+(?:on|regarding|for)\s+([^,;]*?)(?=\s+with\b|,|;|\.|$)", ctx.text[im.end() : cb])
    title = title_m.group(1) if title_m else ""
    partner = None
    wm = re.search(r"\bwith\s+", ctx.text[im.end() : cb])
    if wm:
        at = im.end() + wm.end()
        partner = next(
            (
                m
                for m in ctx.ments(s)
                if m.start >= at
                and ctx.text[at : m.start].strip() in ("", "the")
                and m.link.kind not in ("initiative", "mission")
            ),
            None,
        )
    parties = [m for m in subjects if m.link.kind != "initiative"]
    if partner is not None:
        parties = [*parties[:1], partner]
    signers = _signers_before(ctx, s, vm.start())
    if partner is None and len({lk.label for _, _, lk, _ in signers}) >= 2:
        certainty, planned, note = _certainty_of(ctx, ctx.text[ca:cb])
        d = _date_near(ctx, s, vm.start(), ca, cb) or _date_of_signing(ctx, i)
        (_, _, xlink, xspan), (_, _, ylink, _) = (
            signers[0],
            next(t for t in signers[1:] if t[2].label != signers[0][2].label),
        )
        topic = next(
            (m for m in ctx.ments(s) if m.link.kind == "initiative" and im.start() <= m.start < cb), None
        )
        end = _after_object(ctx.text, topic.end, cb) if topic else im.end()
        for who, role, org, _span in signers:
            c = Candidate(
                xlink.label,
                xlink.kind,
                "agreement_with",
                ylink.label,
                ylink.kind,
                spans=((xspan[0], end),),
                certainty=certainty,
                agreement_kind=kind,
                planned=planned,
                note=note,
                detail=f"concerns {topic.link.label}" if topic else "",
                subject_curie=xlink.curie,
                object_curie=ylink.curie,
                signer=who,
                signer_role=role,
                on_behalf_of=org.label,
            )
            ctx.out.append(_with_date(c, ctx, d))
        for _w, _r, org, span in signers:
            if not org.curie:
                _propose(ctx, org, span)
        return
    if not subjects:
        return
    # "China and Russia presented a joint roadmap": an instrument between the two of them. Not so for
    # "Russia and Belarus have signed agreements regarding the ILRS as national-level participants".
    topic0 = next(
        (m for m in ctx.ments(s) if m.link.kind == "initiative" and im.start() <= m.start < cb), None
    )
    singular = (im.group("n") or "").lower() in ("a", "an", "the", "one")
    as_members = re.search(
        r"\bas\s+(?:[\w-]+\s+)?(?:participants|members|signatories|partners)\b", ctx.text[ca:cb]
    )
    pair = (
        len(subjects) == 2
        and bool(re.fullmatch(r"\s+and\s+(?:the\s+)?", ctx.text[subjects[0].end : subjects[1].start]))
        and (topic0 is None or singular)
        and not as_members
    )
    if partner is None and pair:  # "China and Russia presented a joint roadmap": between the two of them
        parties = list(subjects)
    bm = re.search(r"\b[Bb]etween\s+", ctx.text[im.end() : cb])
    if bm:  # "The Memorandum of Understanding … Between CNSA and SANSA": the parties are named
        named = [
            m
            for m in ctx.ments(s)
            if m.start >= im.end() + bm.end() and m.link.kind in (*_ORG_KINDS, "country")
        ]
        if len(named) >= 2 and _LIST_GAP.match(ctx.text[named[0].end : named[1].start]):
            parties, partner = named[:2], named[1]
            b_end = named[1].end
            q = re.match(r"[”\"’]", ctx.text[b_end : b_end + 1])
            title_end = b_end + (1 if q else 0)
            title = ""
            tq = re.search(r"[“\"]([^”\"]+)[”\"]", ctx.text[vm.end() : title_end])
            if tq:
                title = tq.group(1)
    certainty, planned, note = _certainty_of(ctx, ctx.text[ca:cb])
    d = _date_near(ctx, s, vm.start(), ca, cb) or _date_of_signing(ctx, i)
    a, b = (
        min(m.start for m in subjects),
        max(im.end() + (title_m.end() if title_m else 0), partner.end if partner else 0),
    )
    if bm and partner is not None:
        a = vm.start("verb")
        b = partner.end + (1 if ctx.text[partner.end : partner.end + 1] in '”"' else 0)
    topic = next(
        (m for m in ctx.ments(s) if m.link.kind == "initiative" and im.start() <= m.start < cb), None
    )
    if (
        len(parties) == 2
        and (partner is not None or topic is None or pair)
        and parties[0].link != parties[1].link
    ):
        x, y = parties
        c = Candidate(
            x.link.label,
            x.link.kind,
            "agreement_with",
            y.link.label,
            y.link.kind,
            spans=((a, b),),
            certainty=certainty,
            agreement_kind=kind,
            agreement_title=title,
            planned=planned,
            note=note,
            detail=f"concerns {topic.link.label}" if topic else "",
            subject_curie=x.link.curie,
            object_curie=y.link.curie,
        )
        ctx.out.append(_with_date(c, ctx, d))
    # "Thailand has signed a memorandum of understanding on cooperation on the ILRS", "A, B and C have
    # signed agreements and MoUs regarding the ILRS": joining the initiative
    if (
        topic is None
        and partner is None
        and len(parties) != 2
        and kind in ("joint-statement", "mou", "letter-of-intent")
        and not wm
    ):  # "… inked memoranda with 10 organizations from …": those are the partners, not the signer
        topic = _topic_group(ctx, i)  # "… have also signed joint statements": with the initiative in view
        if topic is not None and topic.link.kind != "initiative":
            topic = None
        orgs = [m for m in subjects if m.link.kind in _ORG_KINDS]
        if topic is not None and orgs:
            _emit_membership(
                ctx,
                s,
                orgs,
                topic,
                "signed",
                (vm.start("verb"), im.end()),
                (ca, cb),
                lead=(vm.start("verb"), im.end()) if len(orgs) >= 3 else None,
                date=d,
                detail=f"by {im.group('kind')}",
            )
    if topic is not None and partner is None and not pair:
        countries = [m for m in subjects if m.link.kind in ("country", "region")]
        lead = None
        if len(countries) >= 3:
            lead = (vm.start("verb"), _after_object(ctx.text, topic.end, cb))
        _emit_membership(
            ctx,
            s,
            countries,
            topic,
            "signed",
            (vm.start("verb"), _after_object(ctx.text, topic.end, cb)),
            (ca, cb),
            lead=lead,
            date=d,
            detail=f"by {im.group('kind')}",
        )


_PERSON = r"(?:(?:Mr|Ms|Mrs|Dr|Prof)\.?\s+)?[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+){1,2}"
_ORG_CHUNK = r"[A-Z][\w.’'-]*(?:\s+(?:[A-Z][\w.’'-]*|of|and|for|the|on))*(?:\s*\([A-Z][\w-]*\))?"
_SIGNER = re.compile(
    r"(?P<name>" + _PERSON + r"),\s+(?:(?P<role>[a-z][^,]{1,60}?)\s+of|on behalf of)\s+(?:the\s+)?"
    r"(?P<org>" + _ORG_CHUNK + r")"
)


def _signers_before(ctx: _Ctx, s: Sentence, end: int) -> list[tuple[str, str, EntityLink, tuple[int, int]]]:
    """(person, title, organisation, span) for each 'Name, title of ORG' or 'Name, on behalf of ORG'
    before ``end``."""
    out = []
    for m in _SIGNER.finditer(ctx.text, s.start, end):
        role, org_a = (m.group("role") or ""), m.start("org")
        org = re.sub(r"\s+(?:and|of|for|the|on)$", "", m.group("org"))
        board = re.match(r"(?:Board|Council|Office|Secretariat|Presidium) of (?:the )?", org)
        if board:  # "chairman of the Board of Azercosmos": the body is Azercosmos
            role, org, org_a = (
                f"{role} of the {board.group(0).split(' of')[0]}".strip(),
                org[board.end() :],
                org_a + board.end(),
            )
        mention = next((x for x in ctx.ments(s) if x.start == org_a and x.link.kind in _ORG_KINDS), None)
        link: EntityLink | None
        if mention is not None:
            link, span = mention.link, (mention.start, mention.end)
        else:
            link, span = _resolve_text(ctx, org), (org_a, org_a + len(org))
            if link is None:
                link = _new_org(ctx, org)
                app = re.match(
                    r",\s+(?P<c>[A-Z][\w ]+?)[’']s\s+(?:national\s+)?space agency", ctx.text[span[1] : end]
                )
                if app and _country_in(ctx, app.group("c")):
                    link = EntityLink(link.label, "space_agency", "", _country_in(ctx, app.group("c")))
        if link.kind not in _ORG_KINDS:
            continue
        out.append((m.group("name").strip(), role.strip() if m.group("role") else "", link, span))
    return out


def _date_of_signing(ctx: _Ctx, i: int):
    for s in ctx.sentences[i : i + 3]:
        cue = re.search(r"\bsigned\b", s.text)
        if cue:
            d = _date_near(ctx, s, s.start + cue.start())
            if d is not None:
                return d
    return None


_SIGNED_BY = re.compile(r"\bsigned\s+(?:on\s+)?(?:[^,]*?\s+)?by\s+", re.IGNORECASE)


def _rule_signed_by(ctx: _Ctx) -> None:
    """'The MoU was signed April 5 by P1, ROLE of ORG1 and P2, ROLE of ORG2' → the parties."""
    for _i, s in enumerate(ctx.sentences):
        m = _SIGNED_BY.search(s.text)
        im = _INSTRUMENT.search(s.text[: m.start()]) if m else None
        if not m or not im:
            continue
        orgs = [x for x in ctx.ments(s) if x.start >= s.start + m.end() and x.link.kind in _ORG_KINDS]
        if len(orgs) < 2:
            continue
        x = orgs[0]
        y = next((o for o in orgs[1:] if o.link != x.link), None)
        if y is None:
            continue
        d = _date_near(ctx, s, s.start + m.start())
        a, b = s.start + im.start(), max(x.end, y.end)
        certainty, planned, note = _certainty_of(ctx, s.text)
        kind = _agreement_kind(im.group("kind"))
        for (who, role), org in (
            (_signer_at(ctx.text, s.start + m.end(), x.start), x),
            (_signer_at(ctx.text, x.end, y.start), y),
        ):
            c = Candidate(
                x.link.label,
                x.link.kind,
                "agreement_with",
                y.link.label,
                y.link.kind,
                spans=((a, b),),
                certainty=certainty,
                agreement_kind=kind,
                note=note,
                planned=planned,
                subject_curie=x.link.curie,
                object_curie=y.link.curie,
                signer=who,
                signer_role=role,
                on_behalf_of=org.link.label if who else "",
            )
            ctx.out.append(_with_date(c, ctx, d))


def _signer_at(text: str, a: int, b: int) -> tuple[str, str]:
    """The person and their title in 'Xu Zhanbin, deputy administrator of the ORG' (text[a:b] ends at ORG)."""
    m = re.match(
        r"\s*(?:,\s*)?(?:and\s+)?(?P<name>(?:Mr\.?|Ms\.?|Dr\.?)?\s*[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+){1,2}),"
        r"\s+(?P<role>[^,]*?)\s+(?:of|at)\s+(?:the\s+)?$",
        text[a:b],
    )
    if not m:
        return "", ""
    return m.group("name").strip(), m.group("role").strip()


# ---- rule: "These include A, B and C" -------------------------------------------------------

_THESE = re.compile(r"^(?:These|They|Those)\s+(?:include|includes|are|were)\s+", re.IGNORECASE)


def _rule_these_include(ctx: _Ctx) -> None:
    for i, s in enumerate(ctx.sentences):
        m = _THESE.match(s.text)
        if not m or i == 0:
            continue
        ms = [x for x in ctx.ments(s) if x.start >= s.start + m.end()]
        if not ms or ms[0].start != s.start + m.end():
            continue
        members = list_around(ms, ctx.text, 0, +1)
        prev = ctx.sentences[i - 1]
        vm = re.search(
            r"\b(?:have|has)?\s*(?:already\s+)?(signed up to|signed|joined|are members of)\s+", prev.text
        )
        if not vm:
            continue
        obj = _object_after(ctx, prev, prev.start + vm.end(), prev.end)
        if obj is None:
            continue
        cue = (prev.start + vm.start(), obj.end)
        certainty, planned, note = _certainty_of(ctx, ctx.text[prev.start : cue[1]])
        for mem in members:
            rel, st, level = _relation_for(mem.link, obj.link, vm.group(1), False)
            spans = (
                ((cue[0], cue[1]), (mem.start, mem.end)) if len(members) >= 3 else (cue, (s.start, mem.end))
            )
            ctx.out.append(
                Candidate(
                    mem.link.label,
                    mem.link.kind,
                    rel,
                    obj.link.label,
                    obj.link.kind,
                    spans=spans,
                    status=st,
                    certainty=certainty,
                    level=level,
                    note=note,
                    planned=planned,
                    subject_curie=mem.link.curie,
                    object_curie=obj.link.curie,
                    group=cue if len(members) >= 3 else (),
                )
            )


# ---- rule: "N other nations - A, B, ... - " (a signatory list) ----------------------------------

_OTHERS = re.compile(
    r"\b(?:joins|join|joined|and)\s+(?:the\s+)?(?P<first>[A-Z][\w .]+?)\s+and\s+(?P<n>\d+)\s+other\s+"
    r"(?:nations|countries|signatories|states)\s*[-–—:,]\s*",
    re.IGNORECASE,
)


def _rule_signatory_list(ctx: _Ctx) -> None:
    for i, s in enumerate(ctx.sentences):
        m = _OTHERS.search(s.text)
        if not m:
            continue
        obj = _topic_group(ctx, i)
        if obj is None:
            continue
        ms = [x for x in ctx.ments(s) if x.start >= s.start + m.start("first")]
        if not ms:
            continue
        first = ms[0]
        rest = [x for x in ms if x.start >= s.start + m.end()]
        if not rest:
            continue
        members = [first, *list_around(rest, ctx.text, 0, +1)]
        lead = (s.start + m.start(), s.start + m.end())
        lead = _strip_end(ctx.text, *lead)
        as_of = ctx.article.date.isoformat() if ctx.article.date else ""
        certainty, planned, note = _certainty_of(ctx, s.text)
        for mem in members:
            ctx.out.append(
                Candidate(
                    mem.link.label,
                    mem.link.kind,
                    "signatory_of",
                    obj.link.label,
                    obj.link.kind,
                    spans=(lead, (mem.start, mem.end)),
                    status="signatory",
                    certainty=certainty,
                    level="national" if mem.link.kind == "country" else "organisation",
                    as_of=as_of,
                    detail=f"listed as a signatory as of {as_of}" if as_of else "",
                    note=note,
                    planned=planned,
                    subject_curie=mem.link.curie,
                    object_curie=obj.link.curie,
                    group=lead,
                )
            )
            if not mem.link.curie:
                _propose(ctx, mem.link, (mem.start, mem.end))


# ---- rule: "the Nth signatory of X" ----------------------------------------------------------


_DATE_LEAD = re.compile(
    r"^(?:on\s+)?(?:" + _MON.replace("?P<mon>", "?:") + r"\s+\d{1,2}(?:st|nd|rd|th)?(?:,\s*\d{4})?|"
    r"\d{1,2}(?:st|nd|rd|th)?\s+" + _MON.replace("?P<mon>", "?:") + r"(?:\s+\d{4})?)\s+"
)
_ORDINALS = [
    "first",
    "second",
    "third",
    "fourth",
    "fifth",
    "sixth",
    "seventh",
    "eighth",
    "ninth",
    "tenth",
    "eleventh",
    "twelfth",
    "thirteenth",
    "fourteenth",
    "fifteenth",
    "sixteenth",
    "seventeenth",
    "eighteenth",
    "nineteenth",
    "twentieth",
]
_ORDINAL_WORDS = "|".join(_ORDINALS)


def _ordinal(word: str) -> str:
    """'56th' → '56', 'ninth' → '9'."""
    w = word.lower()
    return str(_ORDINALS.index(w) + 1) if w in _ORDINALS else re.sub(r"\D", "", w)  # 'latest' → ''


def _rule_nth(ctx: _Ctx) -> None:
    pat = re.compile(
        r"\b(?:became|becomes|become|is|as)\s+the\s+(?P<n>\d+(?:st|nd|rd|th)|"
        + _ORDINAL_WORDS
        + r")\s+(?:signatory|member|"
        r"country|nation|state)\s+(?:of|to\s+(?:sign|join))\s+(?:the\s+)?",
        re.IGNORECASE,
    )
    for _i, s in enumerate(ctx.sentences):
        for m in pat.finditer(ctx.text, s.start, s.end):
            ms = ctx.ments(s)
            subj = [x for x in ms if x.end <= m.start() and x.link.kind in ("country", *_ORG_KINDS)]
            obj = next((x for x in ms if x.start >= m.end() - 1 and x.link.kind in _GROUPS), None)
            if not subj or obj is None or obj.start - m.end() > 2:
                continue
            sub = subj[0]
            if ctx.text[sub.end : m.start()].strip() and not re.fullmatch(
                r"\s*(?:has\s+|have\s+|officially\s+|in\s+"
                r"\w+\s+|[a-z]+ly\s+)*",
                ctx.text[sub.end : m.start()],
            ):
                continue
            d = _date_near(ctx, s, m.start())
            certainty, planned, note = _certainty_of(ctx, s.text)
            c = Candidate(
                sub.link.label,
                sub.link.kind,
                "signatory_of",
                obj.link.label,
                obj.link.kind,
                spans=((sub.start, obj.end),),
                status="signatory",
                certainty=certainty,
                level="national" if sub.link.kind == "country" else "organisation",
                note=note,
                planned=planned,
                ordinal=_ordinal(m.group("n")),
                subject_curie=sub.link.curie,
                object_curie=obj.link.curie,
            )
            ctx.out.append(_with_date(c, ctx, d))


# ---- rule: relative clauses: "X, which supports Y and is headquartered in Z" -------------------


def _rule_which(ctx: _Ctx) -> None:
    for s in ctx.sentences:
        ms = ctx.ments(s)
        for m in re.finditer(r",\s+which\s+", ctx.text[s.start : s.end]):
            at = s.start + m.start()
            ante = [x for x in ms if x.end == at]
            if not ante or ante[0].link.kind not in (*_ORG_KINDS, "initiative"):
                continue
            a = ante[0]
            rest_a, rest_b = s.start + m.end(), s.end
            sup = re.match(r"supports\s+", ctx.text[rest_a:rest_b])
            if sup:
                obj = next((x for x in ms if x.start == rest_a + sup.end()), None)
                if obj and obj.link.kind in _GROUPS:
                    end = _after_object(ctx.text, obj.end, rest_b)
                    ctx.out.append(
                        Candidate(
                            a.link.label,
                            a.link.kind,
                            "partner_of",
                            obj.link.label,
                            obj.link.kind,
                            spans=((a.start, end),),
                            status="supporter",
                            certainty=ctx.base_certainty,
                            level="organisation",
                            subject_curie=a.link.curie,
                            object_curie=obj.link.curie,
                        )
                    )
            hq = re.search(r"\b(?:is\s+)?headquartered in\s+", ctx.text[rest_a:rest_b])
            if hq:
                place = _place_at(ctx, rest_a + hq.end(), rest_b)
                if place:
                    _pa, pb, plink = place
                    ctx.out.append(
                        Candidate(
                            a.link.label,
                            a.link.kind,
                            "headquartered_in",
                            plink.label,
                            plink.kind,
                            spans=((a.start, a.end), (rest_a + hq.start(), pb)),
                            certainty=ctx.base_certainty,
                            subject_curie=a.link.curie,
                            object_curie=plink.curie,
                        )
                    )


def _place_at(ctx: _Ctx, a: int, b: int):
    m = re.match(r"(?:the\s+)?([A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*)", ctx.text[a:b])
    if not m:
        return None
    name = m.group(1)
    link = link_entity(name) or EntityLink(name, "place")
    if not link.curie and link.kind == "place":
        _propose(ctx, link, (a + m.start(1), a + m.end(1)))
    return a + m.start(1), a + m.end(1), link


# ---- rule: the mission will include / carry ----------------------------------------------------


def _rule_will_carry(ctx: _Ctx) -> None:
    pat = re.compile(r"\b(?P<subj>[Tt]he mission|[A-Z][\w’'-]*(?:-\d+)?)\s+will\s+(?:include|carry)\s+")
    for i, s in enumerate(ctx.sentences):
        m = pat.search(ctx.text, s.start, s.end)
        if not m:
            continue
        mission = next(
            (x for x in ctx.ments(s) if x.start == m.start("subj") and x.link.kind == "mission"), None
        ) or (ctx.topic(i, ("mission",)) if m.group("subj").lower() == "the mission" else None)
        if mission is None:
            continue
        for chunk in re.finditer(r"[^,;.]+", ctx.text[m.end() : s.end]):
            words = re.search(r"(?:[A-Z][a-z]+\s+)?[\w-]+$", chunk.group(0).strip())
            if not words:
                continue
            d = words.group(0)
            for cand in (f"{mission.link.label} {d}", d):
                link = link_entity(cand)
                if link is not None and link.kind == "payload":
                    end = m.end() + chunk.start() + len(chunk.group(0).rstrip())
                    ctx.out.append(
                        Candidate(
                            link.label,
                            "payload",
                            "payload_on",
                            mission.link.label,
                            "mission",
                            spans=((m.start(), end),),
                            certainty=ctx.base_certainty,
                            subject_curie=link.curie,
                            object_curie=mission.link.curie,
                        )
                    )
                    break


# ---- rule: landing site ------------------------------------------------------------------------


def _rule_landing(ctx: _Ctx) -> None:
    pat = re.compile(
        r"\bwill\s+(?:target\s+a\s+landing|land)\s+(?:on|at|near)\s+(?P<p>(?:an?\s+|the\s+)?[^,.;]+)"
    )
    for _i, s in enumerate(ctx.sentences):
        m = pat.search(ctx.text, s.start, s.end)
        if not m:
            continue
        mission = next((x for x in ctx.ments(s) if x.end <= m.start() and x.link.kind == "mission"), None)
        if mission is None:
            continue
        name = re.sub(r"^(an?|the)\s+", "", m.group("p"))
        link = link_entity(name) or EntityLink(name, "place")
        ctx.out.append(
            Candidate(
                mission.link.label,
                "mission",
                "lands_at",
                link.label,
                "place",
                spans=((mission.start, m.end("p")),),
                certainty=ctx.base_certainty,
                planned="true",
                subject_curie=mission.link.curie,
                object_curie=link.curie,
            )
        )
        if not link.curie:
            _propose(ctx, link, (m.start("p"), m.end("p")))


# ---- rule: "marks X's formal entry into Y" ------------------------------------------------------


def _rule_entry(ctx: _Ctx) -> None:
    pat = re.compile(r"[’']s\s+(?:formal\s+|official\s+)?(?:entry|accession)\s+(?:into|to)\s+")
    for i, s in enumerate(ctx.sentences):
        ms = ctx.ments(s)
        for m in pat.finditer(ctx.text, s.start, s.end):
            who = next((x for x in ms if x.end == m.start() and x.link.kind == "country"), None)
            obj = next((x for x in ms if m.end() <= x.start <= m.end() + 12 and x.link.kind in _GROUPS), None)
            if who is None or obj is None:
                continue
            d = _date_of_signing(ctx, max(0, i - 1))
            certainty, planned, note = _certainty_of(ctx, s.text)
            end = _after_object(ctx.text, obj.end, s.end)
            c = Candidate(
                who.link.label,
                "country",
                "signatory_of",
                obj.link.label,
                obj.link.kind,
                spans=((who.start, end),),
                status="signatory",
                certainty=certainty,
                level="national",
                note=note,
                planned=planned,
                subject_curie=who.link.curie,
                object_curie=obj.link.curie,
            )
            ctx.out.append(_with_date(c, ctx, d))


# ---- rule: "the (other) partners in X are A, B and C" --------------------------------------------


def _rule_members_are(ctx: _Ctx) -> None:
    pat = re.compile(
        r"\b(?:other\s+)?(?P<what>partners|members|participants|signatories|member states)\s+"
        r"(?:in|of)\s+",
        re.IGNORECASE,
    )
    for _i, s in enumerate(ctx.sentences):
        ms = ctx.ments(s)
        for m in pat.finditer(ctx.text, s.start, s.end):
            obj = next((x for x in ms if x.start in (m.end(), m.end() + 4) and x.link.kind in _GROUPS), None)
            if obj is None:
                continue
            are = re.match(r"\s+(?:are|include|were)\s+", ctx.text[obj.end : s.end])
            if not are:
                continue
            first = next((k for k, x in enumerate(ms) if x.start >= obj.end + are.end()), None)
            if first is None or ctx.text[obj.end + are.end() : ms[first].start].strip() not in ("", "the"):
                continue
            members = list_around(ms, ctx.text, first, +1)
            what = m.group("what").lower()
            rel, st = {
                "partners": ("partner_of", "partner"),
                "members": ("member_of", "full_member"),
                "member states": ("member_of", "full_member"),
            }.get(what, ("signatory_of", "signatory"))
            certainty, planned, note = _certainty_of(ctx, s.text)
            lead = (s.start, obj.end + are.end())
            lead = (lead[0], _strip_end(ctx.text, *lead)[1])
            for mem in members:
                spans = (lead, (mem.start, mem.end))
                ctx.out.append(
                    Candidate(
                        mem.link.label,
                        mem.link.kind,
                        rel,
                        obj.link.label,
                        obj.link.kind,
                        spans=spans,
                        status=st,
                        certainty=certainty,
                        note=note,
                        planned=planned,
                        level="national" if mem.link.kind == "country" else "organisation",
                        subject_curie=mem.link.curie,
                        object_curie=obj.link.curie,
                        group=lead if len(members) >= 3 else (),
                    )
                )


# ---- rule: "A and B (formally) announced / launched the joint project" ---------------------------


def _rule_founded(ctx: _Ctx) -> None:
    pat = re.compile(
        r"\s+(?:formally\s+|jointly\s+|officially\s+)?(?:announced|launched|initiated|proposed)\s+"
        r"(?:the|this)\s+(?:joint\s+)?(?:project|initiative|programme|program|station)\b",
        re.IGNORECASE,
    )
    for i, s in enumerate(ctx.sentences):
        ms = ctx.ments(s)
        for m in pat.finditer(ctx.text, s.start, s.end):
            last = next((k for k in range(len(ms) - 1, -1, -1) if ms[k].end == m.start()), None)
            if last is None:
                continue
            founders = [
                x for x in list_around(ms, ctx.text, last, -1) if x.link.kind in ("country", *_ORG_KINDS)
            ]
            obj = _topic_group(ctx, i)
            if not founders or obj is None or obj.link.kind != "initiative":
                continue
            certainty, planned, note = _certainty_of(ctx, s.text)
            a, b = _clause_bounds(s, ctx.text, m.start())
            d = _date_near(ctx, s, m.end(), a, b)
            end = max(m.end(), d.end if d else 0)
            for f in founders:
                c = Candidate(
                    f.link.label,
                    f.link.kind,
                    "founding_member_of",
                    obj.link.label,
                    obj.link.kind,
                    spans=((founders[0].start, end),),
                    status="founding",
                    certainty=certainty,
                    note=note,
                    level="national" if f.link.kind == "country" else "organisation",
                    detail=f"announced {obj.link.label}",
                    planned=planned,
                    subject_curie=f.link.curie,
                    object_curie=obj.link.curie,
                )
                ctx.out.append(_with_date(c, ctx, d))


# ---- disagreement inside one article -----------------------------------------------------------


def _mark_disputes(ctx: _Ctx) -> None:
    """A name in a shorter list that a longer list of the same relation and object leaves out → disputed.

    Only when the article names it nowhere else for that relation and object (a hedged mention
    elsewhere is a mention: it is kept as it is).
    """
    lists: dict[tuple, dict[tuple, set[str]]] = {}
    named: dict[tuple, list[Candidate]] = {}
    for c in ctx.out:
        key = (c.relation, c.object)
        named.setdefault(key, []).append(c)
        if c.group:
            lists.setdefault(key, {}).setdefault(c.group, set()).add(c.subject)
    for key, by_list in lists.items():
        if len(by_list) < 2:
            continue
        longest_group, longest = max(by_list.items(), key=lambda kv: len(kv[1]))
        for i, c in enumerate(ctx.out):
            if (
                (c.relation, c.object) != key
                or not c.group
                or c.group == longest_group
                or c.subject in longest
            ):
                continue
            if any(o.subject == c.subject and o.group != c.group for o in named[key]):
                continue
            ctx.out[i] = replace(
                c,
                certainty="disputed",
                note=(c.note + "; " if c.note else "")
                + f"named in a list of {len(by_list[c.group])}, but not in this article's longer "
                f"list of {len(longest)} for the same {c.object}",
            )


# --------------------------------------------------------------------------------------------
# Putting it together
# --------------------------------------------------------------------------------------------

# ---- rule: "X (was) (jointly) developed by A and B (, in partnership with C)" ----------------------


def _rule_developed_by(ctx: _Ctx) -> None:
    pat = re.compile(
        r"(?:,\s*|\s+)(?:(?:is|was|were|are|being|been)\s+)?(?:jointly\s+|mainly\s+)?"
        r"(?:developed|built|designed|provided|contributed)\s+by\s+"
    )
    for _i, s in enumerate(ctx.sentences):
        ms = ctx.ments(s)
        for m in pat.finditer(ctx.text, s.start, s.end):
            payload = next((x for x in ms if x.end == m.start() and x.link.kind == "payload"), None)
            if payload is None:  # "The Lunar dust counter, developed by …": the payload right before the cue
                continue
            first = next((k for k, x in enumerate(ms) if x.start >= m.end()), None)
            if first is None or ctx.text[m.end() : ms[first].start].strip() not in ("", "the"):
                continue
            makers = list_around(ms, ctx.text, first, +1)
            partner_at = re.search(r",?\s+in partnership with\s+", ctx.text[m.end() : s.end])
            certainty, planned, note = _certainty_of(ctx, s.text)
            end = _strip_end(ctx.text, payload.start, makers[-1].end)[1]
            for mk in makers:
                if mk.link.kind in ("country", "region"):
                    rel, role = "provided_by_country", "contributor"
                elif mk.link.kind in _ORG_KINDS:
                    rel = "developed_by"
                    role = "partner" if partner_at and mk.start >= m.end() + partner_at.end() else "developer"
                else:
                    continue
                ctx.out.append(
                    Candidate(
                        payload.link.label,
                        "payload",
                        rel,
                        mk.link.label,
                        mk.link.kind,
                        spans=((payload.start, end),),
                        certainty=certainty,
                        role=role,
                        note=note,
                        planned=planned,
                        subject_curie=payload.link.curie,
                        object_curie=mk.link.curie,
                    )
                )


# ---- rule: "… memoranda with 10 organizations from countries including A, B and C" -------------


def _rule_organisations_from(ctx: _Ctx) -> None:
    pat = re.compile(
        r"\bwith\s+(?:\d+|several|many|a number of|some|other)\s+(?:organi[sz]ations|institutions|entities|"
        r"companies|universities|institutes)\s+from\s+(?:countries\s+)?(?:including\s+|such as\s+)?"
    )
    for i, s in enumerate(ctx.sentences):
        ms = ctx.ments(s)
        for m in pat.finditer(ctx.text, s.start, s.end):
            if not _INSTRUMENT.search(ctx.text, s.start, m.start()):
                continue
            first = next((k for k, x in enumerate(ms) if x.start >= m.end()), None)
            if first is None or ctx.text[m.end() : ms[first].start].strip() not in ("", "the"):
                continue
            members = [
                x for x in list_around(ms, ctx.text, first, +1) if x.link.kind in ("country", "region")
            ]
            obj = _topic_group(ctx, i)
            if not members or obj is None or obj.link.kind != "initiative":
                continue
            certainty, planned, note = _certainty_of(ctx, s.text)
            lead = _strip_end(ctx.text, s.start, m.end())
            for mem in members:
                ctx.out.append(
                    Candidate(
                        mem.link.label,
                        mem.link.kind,
                        "partner_of",
                        obj.link.label,
                        obj.link.kind,
                        spans=(lead, (mem.start, mem.end)),
                        status="partner",
                        certainty=certainty,
                        level="organisation",
                        note=note,
                        planned=planned,
                        detail=f"unnamed organisations from {mem.link.label}",
                        subject_curie=mem.link.curie,
                        object_curie=obj.link.curie,
                        group=lead,
                    )
                )


# ---- signers and witnesses of an accession ------------------------------------------------------

_SIGNED_ON_BEHALF = re.compile(
    r"(?P<who>[A-Z][^;]*?)\s+signed\s+(?:the\s+)?(?P<what>[A-Z][\w’' -]*?)\s+on behalf of\s+(?:the\s+)?"
    r"(?:(?:Government|Republic|Kingdom|State)\s+of\s+(?:the\s+)?)?(?P<for>[A-Z][\w’' -]*?)"
    r"(?:\s+in the presence of\s+(?P<wit>[^;]+?))?\s*(?:\.\s*$|;|$)"
)
_NAME_TAIL = re.compile(r"(?P<name>(?:[A-Z][a-z]{0,3}\.\s+)?[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)?)\s*$")


def _split_person(text: str) -> tuple[str, str]:
    """'Director General of the Senegalese Space Studies Agency Maram Kaïré' → (name, title)."""
    text = text.strip(" ,")
    m = _NAME_TAIL.search(text)
    if not m:
        return "", ""
    return m.group("name"), text[: m.start()].strip(" ,")


def _attach_signers(ctx: _Ctx) -> None:
    """'ROLE NAME signed the Accords on behalf of the Government of X in the presence of A and B': put the
    signer, their title, the party and the witnesses on X's row for that instrument or initiative."""
    for s in ctx.sentences:
        for m in _SIGNED_ON_BEHALF.finditer(ctx.text, s.start, s.end):
            what, party = link_entity(m.group("what")), link_entity(m.group("for"))
            name, role = _split_person(m.group("who"))
            if what is None or party is None or not name:
                continue
            witnesses = []
            if m.group("wit"):
                for part in re.split(r"\s+and\s+|,\s+", m.group("wit")):
                    wname, _ = _split_person(part)
                    if wname:
                        witnesses.append(wname)
            for i, c in enumerate(ctx.out):
                if c.subject == party.label and c.object == what.label and not c.signer:
                    ctx.out[i] = replace(
                        c,
                        signer=name,
                        signer_role=role,
                        on_behalf_of=party.label,
                        witness="; ".join(witnesses),
                    )


RULES = (
    _rule_payload_bullets,
    _rule_led,
    _rule_these_include,
    _rule_signatory_list,
    _rule_nth,
    _rule_verbs,
    _rule_signed_by,
    _rule_which,
    _rule_will_carry,
    _rule_landing,
    _rule_entry,
    _rule_members_are,
    _rule_founded,
    _rule_developed_by,
    _rule_organisations_from,
)


def is_official(url: str = "", publisher: str = "") -> bool:
    """True when the source is the body involved or a government (certainty ``confirmed``)."""
    host = re.sub(r"^https?://", "", url or "").split("/")[0].lower()
    return any(h in host for h in OFFICIAL_HINTS) or bool(OFFICIAL_PUBLISHERS.search(publisher or ""))


def extract_candidates(
    article: Article, *, url: str = "", publisher: str = "", root: str | None = None
) -> list[Candidate]:
    """Return the candidate facts of an article, in text order, duplicates merged.

    Examples
    --------
    >>> a = article_from_text("HELSINKI — Kenya and Peru have signed up to the ILRS, a lunar base plan.",
    ...                       "2025-01-02")
    >>> found = [(c.subject, c.relation, c.object, c.certainty) for c in extract_candidates(a)]
    >>> found  # doctest: +NORMALIZE_WHITESPACE
    [('Kenya', 'signatory_of', 'International Lunar Research Station', 'reported'),
     ('Peru', 'signatory_of', 'International Lunar Research Station', 'reported')]
    """
    gaz = project_gazetteer(root)
    sents = split_sentences(article.text, article.body_start, article.body_end)
    base = "confirmed" if is_official(url, publisher) else "reported"
    ctx = _Ctx(article.text, article, gaz, sents, base)
    for rule in RULES:
        rule(ctx)
    _attach_signers(ctx)
    _mark_disputes(ctx)
    seen: dict[tuple, int] = {}
    out: list[Candidate] = []
    for c in sorted(
        ctx.out, key=lambda c: (min(a for a, _ in c.spans) if c.spans else 0, c.relation == "entity")
    ):
        k = ("entity", normalize_name(c.subject)) if c.relation == "entity" else c.key()
        if k in seen:
            prev = out[seen[k]]
            if len(c.quote(article.text)) < len(prev.quote(article.text)) and c.relation != "entity":
                out[seen[k]] = replace(
                    c,
                    date=c.date or prev.date,
                    date_precision=c.date_precision if c.date else prev.date_precision,
                    date_inferred_from=c.date_inferred_from or prev.date_inferred_from,
                )
            continue
        seen[k] = len(out)
        out.append(c)
    return out


def _slug(s: str) -> str:
    from spacecoop.core.namespaces import slugify

    try:
        return slugify(s)[:40].strip("-")
    except ValueError:
        return "x"


_SHORT = {
    "signatory_of": "signed",
    "partner_of": "partner",
    "member_of": "member",
    "developed_by": "dev",
    "payload_on": "carries",
    "agreement_with": "agreement",
    "headquartered_in": "hq",
    "entity": "entity",
    "founding_member_of": "founding",
    "lands_at": "lands",
}


def to_rows(cands: list[Candidate], article: Article, *, url: str = "", publisher: str = "") -> list[dict]:
    """Turn candidates into sheet rows (dicts over :data:`SHEET_COLUMNS`), with unique fact ids."""
    rows, ids = [], set()
    src_date = article.date.isoformat() if article.date else ""
    for c in cands:
        base = f"{_SHORT.get(c.relation, c.relation)}-{_slug(c.subject)}"
        if c.object and c.relation != "entity":
            base += f"-{_slug(c.object)}"
        fid, n = base, 2
        while fid in ids:
            fid, n = f"{base}-{n}", n + 1
        ids.add(fid)
        row = {k: "" for k in SHEET_COLUMNS}
        row.update(
            fact_id=fid,
            subject=c.subject,
            subject_kind=c.subject_kind,
            relation=c.relation,
            object=c.object,
            object_kind=c.object_kind,
            date=c.date,
            date_precision=c.date_precision if c.relation != "entity" else "",
            status=c.status,
            certainty=c.certainty,
            detail=c.detail,
            source_url=url,
            source_publisher=publisher,
            source_date=src_date,
            note=c.note,
            quote=c.quote(article.text),
            level=c.level,
            role=c.role,
            agreement_kind=c.agreement_kind,
            agreement_title=c.agreement_title,
            signer=c.signer,
            signer_role=c.signer_role,
            on_behalf_of=c.on_behalf_of,
            witness=c.witness,
            ordinal=c.ordinal,
            as_of=c.as_of,
            date_inferred_from=c.date_inferred_from,
            planned=c.planned,
            parent=c.parent,
            review="pending",
        )
        if c.relation == "entity":
            row["certainty"] = ""
        rows.append(row)
    return rows


def write_text(text: str, out: str | os.PathLike) -> Path:
    """Write the text quotes are taken from (UTF-8, ending in a line feed, atomically)."""
    return write_atomic(out, text if text.endswith("\n") else text + "\n")


@dataclass(frozen=True)
class ExtractResult:
    """What :func:`extract_file` did: the rows, and counts for the summary line."""

    rows: tuple[dict, ...]
    article: Article
    sentences: int


def extract_file(
    text_path: str | os.PathLike,
    *,
    url: str = "",
    publisher: str = "",
    date: str | None = None,
    root: str | None = None,
) -> ExtractResult:
    """Read a stored article and return its candidate rows (see :func:`extract_candidates`)."""
    article = read_article(text_path, date)
    cands = extract_candidates(article, url=url, publisher=publisher, root=root)
    rows = to_rows(cands, article, url=url, publisher=publisher)
    n = len(split_sentences(article.text, article.body_start, article.body_end))
    return ExtractResult(tuple(rows), article, n)


def locate_quote(text: str, quote: str) -> list[tuple[int, int]]:
    """Find a quote's pieces in the text: the tightest run of occurrences, in order. [] if any is missing.

    Examples
    --------
    >>> locate_quote("A and B signed. Later B left.", "B … left")
    [(22, 23), (24, 28)]
    """
    pieces = [p for p in quote.split(JOIN) if p]
    if not pieces:
        return []
    best: list[tuple[int, int]] | None = None
    start = 0
    while True:
        i = text.find(pieces[0], start)
        if i < 0:
            break
        spans, pos, ok = [(i, i + len(pieces[0]))], i + len(pieces[0]), True
        for p in pieces[1:]:
            j = text.find(p, pos)
            if j < 0:
                ok = False
                break
            spans.append((j, j + len(p)))
            pos = j + len(p)
        if not ok:
            break
        if best is None or spans[-1][1] - spans[0][0] < best[-1][1] - best[0][0]:
            best = spans
        start = i + 1
    if best is None:
        # pieces in text order may not start with the first piece found: try each order's last piece
        return []
    return best
