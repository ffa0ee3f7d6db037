"""How sure a row is: hedges, plans and attributions in its clause; a list the article contradicts."""

from __future__ import annotations

import re
from dataclasses import replace

from spacecoop.importers.extract.candidates import Candidate

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


def certainty_of(base: str, clause: str) -> tuple[str, str, str]:
    """(certainty, planned, note) of a clause, from its hedges and attributions; ``base`` unless hedged.

    Examples
    --------
    >>> certainty_of("reported", "Egypt is understood to have signed, according to officials")
    ('unconfirmed', '', "hedged in the source: 'understood to'; according to officials")
    """
    certainty, planned, note = base, "", ""
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


def mark_disputes(out: list[Candidate]) -> None:
    """A name in a shorter list that a longer list of the same relation and object leaves out → disputed.

    Only when the article names it nowhere else for that relation and object (a hedged mention
    elsewhere is a mention: it is kept as it is).
    """
    lists: dict[tuple, dict[tuple, set[str]]] = {}
    named: dict[tuple, list[Candidate]] = {}
    for c in out:
        key = (c.relation, c.object)
        named.setdefault(key, []).append(c)
        if c.group:
            lists.setdefault(key, {}).setdefault(c.group, set()).add(c.subject)
    for key, by_list in lists.items():
        if len(by_list) < 2:
            continue
        longest_group, longest = max(by_list.items(), key=lambda kv: len(kv[1]))
        for i, c in enumerate(out):
            if (
                (c.relation, c.object) != key
                or not c.group
                or c.group == longest_group
                or c.subject in longest
            ):
                continue
            if any(o.subject == c.subject and o.group != c.group for o in named[key]):
                continue
            out[i] = replace(
                c,
                certainty="disputed",
                note=(c.note + "; " if c.note else "")
                + f"named in a list of {len(by_list[c.group])}, but not in this article's longer "
                f"list of {len(longest)} for the same {c.object}",
            )
