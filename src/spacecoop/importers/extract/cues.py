"""Cue words several rules read: the instruments of an agreement, ordinals ("the 56th")."""

from __future__ import annotations

import re

INSTRUMENT = re.compile(
    r"\b(?:(?P<n>a|an|two|three|the|another|the two)\s+)?(?:(?:joint|initial|bilateral|"
    r"cooperation|framework|new)\s+)*(?:(?-i:[A-Z]{2,})\s+)?"
    r"(?P<kind>memorand(?:um|a|ums) of understanding|MoUs?|MOUs?|"
    r"agreements?|letters? of intent|joint statements?|statements?|roadmaps?|pacts?|"
    r"intergovernmental agreements?|conventions?)\b(?:\s*\((?:MoUs?|MOUs?)\))?",
    re.IGNORECASE,
)


def agreement_kind(word: str) -> str:
    """The sheet's ``agreement_kind`` of an instrument's name (``mou``, ``roadmap`` …)."""
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
ORDINAL_WORDS = "|".join(_ORDINALS)


def ordinal(word: str) -> str:
    """'56th' → '56', 'ninth' → '9'."""
    w = word.lower()
    return str(_ORDINALS.index(w) + 1) if w in _ORDINALS else re.sub(r"\D", "", w)  # 'latest' → ''
