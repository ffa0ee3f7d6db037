"""Text from the data, made safe to print on a terminal."""

from __future__ import annotations

import re

_CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    r"""Return ``text`` with every control character but tab and line feed written as an escape.

    A label in a data file may hold an escape sequence (TriG's ``\u001B``), which a terminal
    obeys: it can retitle the window, or hide or recolour what follows. Rich strips a few
    control characters from what it prints (BEL, BS, VT, FF, CR) but not ESC. Tab and line feed
    are left to the table, which lays them out.

    Examples
    --------
    >>> print(printable("Agency\x1b[8m hidden"))
    Agency\x1b[8m hidden
    >>> printable("two\nlines") == "two\nlines"
    True
    """
    if _CONTROL.search(text) is None:
        return text
    return _CONTROL.sub(lambda m: f"\\x{ord(m.group()):02x}", text)


def printable_rows(rows: list[list[str]]) -> list[list[str]]:
    r"""Return ``rows`` of cells, each :func:`printable`: the same list where no cell holds a
    control character other than tab and line feed (told in one search of all the cells).

    Examples
    --------
    >>> printable_rows([["a", "b\x07"]])
    [['a', 'b\\x07']]
    """
    if _CONTROL.search(" ".join([c for row in rows for c in row])) is None:
        return rows
    return [[printable(c) for c in row] for row in rows]


__all__ = ["printable", "printable_rows"]
