"""Offsets inside a sentence: the clause around a cue, and where a quote's span should end."""

from __future__ import annotations

import re

from spacecoop.importers.extract.article import Sentence


def clause_bounds(s: Sentence, text: str, pos: int) -> tuple[int, int]:
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


def strip_end(text: str, a: int, b: int) -> tuple[int, int]:
    """``(a, b)`` without the spaces and punctuation at either end of ``text[a:b]``."""
    while b > a and text[b - 1] in " .,;:":
        b -= 1
    while a < b and text[a] in " ,;:":
        a += 1
    return a, b


def verb_phrase_end(text: str, pos: int, end: int) -> int:
    """Where the phrase from ``pos`` ends: at the next comma, semicolon or full stop (before ``end``)."""
    m = re.match(r"[^,;.]*", text[pos:end])
    return strip_end(text, pos, pos + m.end())[1] if m else pos


def after_object(text: str, pos: int, end: int) -> int:
    """Extend a quote past the object over a short qualifier: 'as national-level participants'."""
    m = re.match(
        r"\s+(?:as|in|efforts|initiative|program|programme|project)\b(?:(?!\sand\s)[^,;.])*", text[pos:end]
    )
    return pos + m.end() if m else pos
