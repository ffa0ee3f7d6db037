"""Candidates as rows of the fact sheet (:data:`SHEET_COLUMNS`, unique fact ids), and the quoted text."""

from __future__ import annotations

import os
from pathlib import Path

from spacecoop.core.atomic import write_atomic
from spacecoop.importers.extract.article import Article
from spacecoop.importers.extract.candidates import Candidate
from spacecoop.importers.fact_csv import SHEET_COLUMNS


def _slug(s: str) -> str:
    from spacecoop.core.namespaces import slugify

    try:
        return slugify(s)[:40].strip("-")
    except ValueError:
        return "x"


_SHORT = {
    "signatory_of": "signed",
    "partner_of": "partner",
    "member_of": "member",
    "developed_by": "dev",
    "payload_on": "carries",
    "agreement_with": "agreement",
    "headquartered_in": "hq",
    "entity": "entity",
    "founding_member_of": "founding",
    "lands_at": "lands",
}


def to_rows(cands: list[Candidate], article: Article, *, url: str = "", publisher: str = "") -> list[dict]:
    """Turn candidates into sheet rows (dicts over :data:`SHEET_COLUMNS`), with unique fact ids."""
    rows, ids = [], set()
    src_date = article.date.isoformat() if article.date else ""
    for c in cands:
        base = f"{_SHORT.get(c.relation, c.relation)}-{_slug(c.subject)}"
        if c.object and c.relation != "entity":
            base += f"-{_slug(c.object)}"
        fid, n = base, 2
        while fid in ids:
            fid, n = f"{base}-{n}", n + 1
        ids.add(fid)
        row = {k: "" for k in SHEET_COLUMNS}
        row.update(
            fact_id=fid,
            subject=c.subject,
            subject_kind=c.subject_kind,
            relation=c.relation,
            object=c.object,
            object_kind=c.object_kind,
            date=c.date,
            date_precision=c.date_precision if c.relation != "entity" else "",
            status=c.status,
            certainty=c.certainty,
            detail=c.detail,
            source_url=url,
            source_publisher=publisher,
            source_date=src_date,
            note=c.note,
            quote=c.quote(article.text),
            level=c.level,
            role=c.role,
            agreement_kind=c.agreement_kind,
            agreement_title=c.agreement_title,
            signer=c.signer,
            signer_role=c.signer_role,
            on_behalf_of=c.on_behalf_of,
            witness=c.witness,
            ordinal=c.ordinal,
            as_of=c.as_of,
            date_inferred_from=c.date_inferred_from,
            planned=c.planned,
            parent=c.parent,
            review="pending",
        )
        if c.relation == "entity":
            row["certainty"] = ""
        rows.append(row)
    return rows


def write_text(text: str, out: str | os.PathLike) -> Path:
    """Write the text quotes are taken from (UTF-8, ending in a line feed, atomically)."""
    return write_atomic(out, text if text.endswith("\n") else text + "\n")
