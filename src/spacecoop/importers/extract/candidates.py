"""A candidate fact (one row of the sheet to be) and THE one way rules build it."""

from __future__ import annotations

import datetime as _dt
from dataclasses import dataclass
from typing import Any

from spacecoop.importers.extract.dates import DateMention
from spacecoop.importers.extract.gazetteer import EntityLink
from spacecoop.importers.extract.quotes import JOIN, merge_spans


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
        """The quote: the pieces of ``text`` at ``spans``, merged where they touch, joined by :data:`JOIN`."""
        return JOIN.join(text[a:b] for a, b in merge_spans(self.spans, text))

    def key(self) -> tuple:
        """What makes two rows the same fact (an agreement's two parties in either order)."""
        if self.relation == "agreement_with":
            pair = tuple(sorted((self.subject, self.object)))
            return (pair, self.relation, self.agreement_title, self.certainty, self.signer)
        return (self.subject, self.relation, self.object, self.status, self.certainty)


def candidate(
    subject: EntityLink,
    relation: str,
    obj: EntityLink | None = None,
    *,
    spans: tuple[tuple[int, int], ...],
    date: DateMention | None = None,
    article_date: _dt.date | None = None,
    **fields: Any,
) -> Candidate:
    """Return the row saying ``subject relation obj``, quoting ``spans``: THE one way rules build rows.

    Labels, kinds and CURIEs come from the two links (``subject_kind=`` or ``object_kind=`` in
    ``fields`` say otherwise); a date found near the cue gives the date, its precision and, when
    its year was not printed, that it was inferred from ``article_date``. ``fields`` are the other
    columns (status, certainty, level, note …).

    Examples
    --------
    >>> c = candidate(EntityLink("Kenya", "country"), "signatory_of",
    ...               EntityLink("Artemis Accords", "initiative", "initiative:artemis-accords"),
    ...               spans=((0, 5),), status="signatory")
    >>> (c.subject, c.subject_kind, c.object, c.object_curie, c.status, c.date_precision)
    ('Kenya', 'country', 'Artemis Accords', 'initiative:artemis-accords', 'signatory', 'unknown')
    """
    fields.setdefault("subject_kind", subject.kind)
    if obj is not None:
        fields.setdefault("object_kind", obj.kind)
        fields.update(object=obj.label, object_curie=obj.curie)
    if date is not None:
        inferred = f"article date {article_date.isoformat()}" if date.inferred and article_date else ""
        fields.update(date=date.value, date_precision=date.precision, date_inferred_from=inferred)
    return Candidate(subject.label, relation=relation, spans=spans, subject_curie=subject.curie, **fields)
