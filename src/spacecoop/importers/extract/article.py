"""The article: its body found in a stored page (plain text or HTML), its date, its sentences."""

from __future__ import annotations

import datetime as _dt
import html.parser
import os
import re
from dataclasses import dataclass
from pathlib import Path

from spacecoop.core.errors import SpacecoopError
from spacecoop.importers.extract.dates import parse_dates


class ExtractError(SpacecoopError):
    """The article cannot be read or has no body; nothing was written."""


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
    from spacecoop.core.inputs import read_text_input

    text = read_text_input(path, error=ExtractError)
    return article_from_text(text, date, name=str(Path(path)))


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
