"""What every rule reads and writes: the article, its sentences and their names, the rows so far."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

from spacecoop.importers.extract.article import Article, Sentence
from spacecoop.importers.extract.candidates import Candidate, candidate
from spacecoop.importers.extract.certainty import certainty_of
from spacecoop.importers.extract.dates import DateMention, parse_dates
from spacecoop.importers.extract.gazetteer import GROUP_KINDS, EntityLink, Gazetteer
from spacecoop.importers.extract.mentions import Mention, find_mentions, list_around


@dataclass
class Context:
    """One article being read: its text, sentences, names per sentence (found once), the rows so far."""

    text: str
    article: Article
    gaz: Gazetteer
    sentences: list[Sentence]
    base_certainty: str
    mentions: dict[int, list[Mention]] = field(default_factory=dict)
    out: list[Candidate] = field(default_factory=list)

    def ments(self, s: Sentence) -> list[Mention]:
        """The names in sentence ``s`` (found on first asking)."""
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

    def list_from(self, s: Sentence, pos: int) -> list[Mention]:
        """The list of names ("A, B and C") that starts at ``pos`` in ``s`` ("the" may come first), or []."""
        ms = self.ments(s)
        first = next((k for k, x in enumerate(ms) if x.start >= pos), None)
        if first is None or self.text[pos : ms[first].start].strip() not in ("", "the"):
            return []
        return list_around(ms, self.text, first, +1)

    def topic_group(self, before: int) -> Mention | None:
        """The nearest initiative at or before sentence ``before``, else the nearest organisation."""
        return self.topic(before, ("initiative",)) or self.topic(before, ("international_organization",))

    def object_after(self, s: Sentence, pos: int, end: int) -> Mention | None:
        """The first initiative or international organisation named in ``s`` between ``pos`` and ``end``."""
        for m in self.ments(s):
            if pos <= m.start < end and m.link.kind in GROUP_KINDS:
                return m
        return None

    def certainty_of(self, clause: str) -> tuple[str, str, str]:
        """(certainty, planned, note) of a clause of this article (see :func:`.certainty.certainty_of`)."""
        return certainty_of(self.base_certainty, clause)

    def date_near(
        self, s: Sentence, pos: int, lo: int | None = None, hi: int | None = None
    ) -> DateMention | None:
        """The date printed in ``s`` (or in ``text[lo:hi]``) nearest to ``pos``, if any."""
        ds = parse_dates(
            self.text[lo if lo is not None else s.start : hi if hi is not None else s.end],
            self.article.date,
            lo if lo is not None else s.start,
        )
        if not ds:
            return None
        return min(ds, key=lambda d: abs(d.start - pos))

    def date_of_signing(self, i: int) -> DateMention | None:
        """The date next to "signed" in sentence ``i`` or the two after it."""
        for s in self.sentences[i : i + 3]:
            cue = re.search(r"\bsigned\b", s.text)
            if cue:
                d = self.date_near(s, s.start + cue.start())
                if d is not None:
                    return d
        return None

    def add(
        self,
        subject: EntityLink,
        relation: str,
        obj: EntityLink | None = None,
        *,
        spans: tuple[tuple[int, int], ...],
        date: DateMention | None = None,
        **fields: Any,
    ) -> None:
        """Add a row (see :func:`.candidates.candidate`); a year not printed comes from the article's date."""
        self.out.append(
            candidate(
                subject, relation, obj, spans=spans, date=date, article_date=self.article.date, **fields
            )
        )
