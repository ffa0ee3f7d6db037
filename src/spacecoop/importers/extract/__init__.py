"""Propose candidate facts from a news article as a fact sheet (``spacecoop extract``).

Rules, not a model: offline, deterministic, nothing downloaded. The stages, one module each:

1. :mod:`.article` finds the article body in a stored page (plain text as scraped, with the
   site's navigation around it, or HTML), the article's date (given, or the byline date) and its
   sentences, keeping character offsets into the stored text, so every quote is a slice of that
   text and verbatim by construction (:mod:`.quotes`).
2. :mod:`.gazetteer` and :mod:`.mentions` find names with a gazetteer built from the project's
   entities (labels and alternative labels), pycountry's country names and a few demonyms; every
   name is linked through ONE adapter, :func:`link_entity`, which uses
   :func:`spacecoop.core.entities.find_entity` where that exists and a small resolver of its own
   otherwise. Names it does not know become ``entity`` rows (:mod:`.new_entities`: kind and
   country guessed from the name and its context).
3. Rules read relation cues: :mod:`.verbs` (signed, joined, became, member …),
   :mod:`.agreements` (memorandum, agreement, roadmap, their signers), :mod:`.memberships`
   (``X-led``, "the Nth signatory", supports, headquartered …), :mod:`.lists` ("These include A,
   B and C", long signatory lists) and :mod:`.payloads` (payload bullets with their developers in
   parentheses, developed by, will carry). Each row is a :class:`Candidate` built in one place
   (:mod:`.candidates`); hedges and attributions set its certainty (:mod:`.certainty`), dates
   their precision and the year inferred from the article's date (:mod:`.dates`).
4. :mod:`.pipeline` runs the rules in order and merges duplicates; :mod:`.output` writes the rows
   of the fact sheet (see ``notes/sheet.md`` in the project's issue tracker and
   :data:`SHEET_COLUMNS`).

Every rule reads and writes one :class:`.context.Context` (the article, its sentences and names,
the rows so far); :mod:`.clauses` and :mod:`.cues` hold the offsets and cue words rules share.
Imports point one way: article, dates, quotes, gazetteer → mentions, candidates, certainty →
context → new_entities → the rules → pipeline.

Quotes are the shortest verbatim span that states the fact. A list member's row does not repeat
the whole list: it quotes the member's own name and the words that carry the relation, joined by
" … " (``"Venezuela … have signed agreements and MoUs regarding the ILRS"``), so a 55-country
list costs the sheet its lead-in once per row plus one name, never 55 copies of 900 characters.

Every row is written with ``review=pending``: nothing here is a fact until an analyst accepts it
(``spacecoop review``) and ``spacecoop add`` writes it.
"""

from __future__ import annotations

from spacecoop.importers.extract.article import (
    Article,
    ExtractError,
    Sentence,
    article_from_text,
    read_article,
    split_sentences,
)
from spacecoop.importers.extract.candidates import Candidate
from spacecoop.importers.extract.dates import parse_dates
from spacecoop.importers.extract.gazetteer import EntityLink, link_entity, normalize_name, project_gazetteer
from spacecoop.importers.extract.output import to_rows, write_text
from spacecoop.importers.extract.pipeline import ExtractResult, extract_candidates, extract_file
from spacecoop.importers.extract.quotes import JOIN, locate_quote
from spacecoop.importers.fact_csv import SHEET_COLUMNS, write_sheet

__all__ = [  # noqa: RUF022 - plain sorted(), as tests/test_namespaces.py keeps spacecoop.__all__
    "Article",
    "Candidate",
    "EntityLink",
    "ExtractError",
    "ExtractResult",
    "JOIN",
    "SHEET_COLUMNS",
    "Sentence",
    "article_from_text",
    "extract_candidates",
    "extract_file",
    "link_entity",
    "locate_quote",
    "normalize_name",
    "parse_dates",
    "project_gazetteer",
    "read_article",
    "split_sentences",
    "to_rows",
    "write_sheet",
    "write_text",
]
