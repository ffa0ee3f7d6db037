"""Rules for lists of members: "These include A, B and C", "N other nations — A, B, …", "the partners in
X are …", "organisations from countries including …"."""

from __future__ import annotations

import re

from spacecoop.importers.extract.clauses import strip_end
from spacecoop.importers.extract.context import Context
from spacecoop.importers.extract.cues import INSTRUMENT
from spacecoop.importers.extract.gazetteer import GROUP_KINDS
from spacecoop.importers.extract.memberships import level_of, relation_for
from spacecoop.importers.extract.mentions import list_around
from spacecoop.importers.extract.new_entities import propose

_THESE = re.compile(r"^(?:These|They|Those)\s+(?:include|includes|are|were)\s+", re.IGNORECASE)


def rule_these_include(ctx: Context) -> None:
    """Read "These include A, B and C" after a sentence saying they signed, joined or are members of X."""
    for i, s in enumerate(ctx.sentences):
        m = _THESE.match(s.text)
        if not m or i == 0:
            continue
        ms = [x for x in ctx.ments(s) if x.start >= s.start + m.end()]
        if not ms or ms[0].start != s.start + m.end():
            continue
        members = list_around(ms, ctx.text, 0, +1)
        prev = ctx.sentences[i - 1]
        vm = re.search(
            r"\b(?:have|has)?\s*(?:already\s+)?(signed up to|signed|joined|are members of)\s+", prev.text
        )
        if not vm:
            continue
        obj = ctx.object_after(prev, prev.start + vm.end(), prev.end)
        if obj is None:
            continue
        cue = (prev.start + vm.start(), obj.end)
        certainty, planned, note = ctx.certainty_of(ctx.text[prev.start : cue[1]])
        for mem in members:
            rel, st, level = relation_for(mem.link, obj.link, vm.group(1), False)
            spans = (
                ((cue[0], cue[1]), (mem.start, mem.end)) if len(members) >= 3 else (cue, (s.start, mem.end))
            )
            ctx.add(
                mem.link,
                rel,
                obj.link,
                spans=spans,
                status=st,
                certainty=certainty,
                level=level,
                note=note,
                planned=planned,
                group=cue if len(members) >= 3 else (),
            )


_OTHERS = re.compile(
    r"\b(?:joins|join|joined|and)\s+(?:the\s+)?(?P<first>[A-Z][\w .]+?)\s+and\s+(?P<n>\d+)\s+other\s+"
    r"(?:nations|countries|signatories|states)\s*[-–—:,]\s*",
    re.IGNORECASE,
)


def rule_signatory_list(ctx: Context) -> None:
    """Read "… joins the US and 52 other nations — A, B, …": every name listed signed the group in view."""
    for i, s in enumerate(ctx.sentences):
        m = _OTHERS.search(s.text)
        if not m:
            continue
        obj = ctx.topic_group(i)
        if obj is None:
            continue
        ms = [x for x in ctx.ments(s) if x.start >= s.start + m.start("first")]
        if not ms:
            continue
        first = ms[0]
        rest = [x for x in ms if x.start >= s.start + m.end()]
        if not rest:
            continue
        members = [first, *list_around(rest, ctx.text, 0, +1)]
        lead = (s.start + m.start(), s.start + m.end())
        lead = strip_end(ctx.text, *lead)
        as_of = ctx.article.date.isoformat() if ctx.article.date else ""
        certainty, planned, note = ctx.certainty_of(s.text)
        for mem in members:
            ctx.add(
                mem.link,
                "signatory_of",
                obj.link,
                spans=(lead, (mem.start, mem.end)),
                status="signatory",
                certainty=certainty,
                level=level_of(mem.link),
                as_of=as_of,
                detail=f"listed as a signatory as of {as_of}" if as_of else "",
                note=note,
                planned=planned,
                group=lead,
            )
            if not mem.link.curie:
                propose(ctx, mem.link, (mem.start, mem.end))


def rule_members_are(ctx: Context) -> None:
    """Read "the (other) partners in X are A, B and C" (members, participants, signatories too)."""
    pat = re.compile(
        r"\b(?:other\s+)?(?P<what>partners|members|participants|signatories|member states)\s+"
        r"(?:in|of)\s+",
        re.IGNORECASE,
    )
    for _i, s in enumerate(ctx.sentences):
        ms = ctx.ments(s)
        for m in pat.finditer(ctx.text, s.start, s.end):
            obj = next(
                (x for x in ms if x.start in (m.end(), m.end() + 4) and x.link.kind in GROUP_KINDS), None
            )
            if obj is None:
                continue
            are = re.match(r"\s+(?:are|include|were)\s+", ctx.text[obj.end : s.end])
            if not are:
                continue
            members = ctx.list_from(s, obj.end + are.end())
            if not members:
                continue
            what = m.group("what").lower()
            rel, st = {
                "partners": ("partner_of", "partner"),
                "members": ("member_of", "full_member"),
                "member states": ("member_of", "full_member"),
            }.get(what, ("signatory_of", "signatory"))
            certainty, planned, note = ctx.certainty_of(s.text)
            lead = (s.start, obj.end + are.end())
            lead = (lead[0], strip_end(ctx.text, *lead)[1])
            for mem in members:
                spans = (lead, (mem.start, mem.end))
                ctx.add(
                    mem.link,
                    rel,
                    obj.link,
                    spans=spans,
                    status=st,
                    certainty=certainty,
                    note=note,
                    planned=planned,
                    level=level_of(mem.link),
                    group=lead if len(members) >= 3 else (),
                )


def rule_organisations_from(ctx: Context) -> None:
    """Read "… memoranda with 10 organizations from countries including A, B and C": partners by country."""
    pat = re.compile(
        r"\bwith\s+(?:\d+|several|many|a number of|some|other)\s+(?:organi[sz]ations|institutions|entities|"
        r"companies|universities|institutes)\s+from\s+(?:countries\s+)?(?:including\s+|such as\s+)?"
    )
    for i, s in enumerate(ctx.sentences):
        for m in pat.finditer(ctx.text, s.start, s.end):
            if not INSTRUMENT.search(ctx.text, s.start, m.start()):
                continue
            members = [x for x in ctx.list_from(s, m.end()) if x.link.kind in ("country", "region")]
            obj = ctx.topic_group(i)
            if not members or obj is None or obj.link.kind != "initiative":
                continue
            certainty, planned, note = ctx.certainty_of(s.text)
            lead = strip_end(ctx.text, s.start, m.end())
            for mem in members:
                ctx.add(
                    mem.link,
                    "partner_of",
                    obj.link,
                    spans=(lead, (mem.start, mem.end)),
                    status="partner",
                    certainty=certainty,
                    level="organisation",
                    note=note,
                    planned=planned,
                    detail=f"unnamed organisations from {mem.link.label}",
                    group=lead,
                )
