"""The extractor from end to end: the rules in order, the passes over what they found, duplicates
merged; :func:`extract_file` from a stored page to sheet rows."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass, replace

from spacecoop.importers.extract.agreements import attach_signers, rule_signed_by
from spacecoop.importers.extract.article import Article, read_article, split_sentences
from spacecoop.importers.extract.candidates import Candidate
from spacecoop.importers.extract.certainty import mark_disputes
from spacecoop.importers.extract.context import Context
from spacecoop.importers.extract.gazetteer import normalize_name, project_gazetteer
from spacecoop.importers.extract.lists import (
    rule_members_are,
    rule_organisations_from,
    rule_signatory_list,
    rule_these_include,
)
from spacecoop.importers.extract.memberships import rule_entry, rule_founded, rule_led, rule_nth, rule_which
from spacecoop.importers.extract.output import to_rows
from spacecoop.importers.extract.payloads import (
    rule_developed_by,
    rule_landing,
    rule_payload_bullets,
    rule_will_carry,
)
from spacecoop.importers.extract.verbs import rule_verbs

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


RULES = (
    rule_payload_bullets,
    rule_led,
    rule_these_include,
    rule_signatory_list,
    rule_nth,
    rule_verbs,
    rule_signed_by,
    rule_which,
    rule_will_carry,
    rule_landing,
    rule_entry,
    rule_members_are,
    rule_founded,
    rule_developed_by,
    rule_organisations_from,
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
    >>> from spacecoop.importers.extract.article import article_from_text
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
    ctx = Context(article.text, article, gaz, sents, base)
    for rule in RULES:
        rule(ctx)
    attach_signers(ctx)
    mark_disputes(ctx.out)
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
