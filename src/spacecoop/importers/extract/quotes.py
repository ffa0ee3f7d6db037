"""Quotes as pieces of the stored text: how pieces are joined, merged and found again."""

from __future__ import annotations

JOIN = " … "
"""How several verbatim pieces of one quote are joined (space, U+2026, space)."""


def merge_spans(spans, text: str) -> list[tuple[int, int]]:
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
