"""Text from the data, made safe to print on a terminal or in a report."""

from __future__ import annotations

import re

_UNPRINTABLE = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff]")
_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str, limit: int = 0) -> str:
    r"""Return ``text`` with every control character but tab and line feed, and every lone
    surrogate, written as an escape (``\x1b``, ``\ud800``), shortened to ``limit`` characters.

    A label in a data file may hold an escape sequence (TriG's ``\u001B``), which a terminal
    obeys: it can retitle the window, or hide or recolour what follows. Rich strips a few
    control characters from what it prints (BEL, BS, VT, FF, CR) but not ESC. A lone surrogate
    (from ``\uD800``, which rdflib reads) cannot be written as UTF-8 at all. Tab and line feed
    are left to the table, which lays them out.

    Examples
    --------
    >>> print(printable("Agency\x1b[8m hidden"))
    Agency\x1b[8m hidden
    >>> print(printable("bad " + chr(0xD800) + " term"))
    bad \ud800 term
    >>> printable("two\nlines") == "two\nlines"
    True
    >>> printable("a long label", 6)
    'a long... (12 characters)'
    """
    out = text
    if _UNPRINTABLE.search(text) is not None:
        out = out.encode("utf-8", "backslashreplace").decode("utf-8")
        out = _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", out)
    if limit and len(out) > limit:
        out = out[:limit] + f"... ({len(text):,} characters)"
    return out


def printable_rows(rows: list[list[str]]) -> list[list[str]]:
    r"""Return ``rows`` of cells, each :func:`printable`: the same list where no cell holds
    anything it writes out (told in one search of the distinct cells).

    Examples
    --------
    >>> printable_rows([["a", "b\x07"]])
    [['a', 'b\\x07']]
    """
    distinct = {c for row in rows for c in row}  # answers repeat their cells
    if _UNPRINTABLE.search(" ".join(distinct)) is None:
        return rows
    shown = {c: printable(c) for c in distinct}
    return [[shown[c] for c in row] for row in rows]


__all__ = ["printable", "printable_rows"]
