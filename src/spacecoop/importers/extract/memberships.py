"""Membership rows (signatory, member, partner, founder, leader, supporter) and the rules that read
one sentence for them; where an organisation is headquartered."""

from __future__ import annotations

import re

from spacecoop.importers.extract.article import Sentence
from spacecoop.importers.extract.clauses import after_object, clause_bounds
from spacecoop.importers.extract.context import Context
from spacecoop.importers.extract.cues import ORDINAL_WORDS, ordinal
from spacecoop.importers.extract.dates import DateMention
from spacecoop.importers.extract.gazetteer import (
    DEMONYMS,
    GROUP_KINDS,
    ORG_KINDS,
    EntityLink,
    link_entity,
    normalize_name,
)
from spacecoop.importers.extract.mentions import Mention, list_around
from spacecoop.importers.extract.new_entities import propose


def level_of(link: EntityLink) -> str:
    """The level at which an entity takes part: ``national`` for a country, else ``organisation``."""
    return "national" if link.kind == "country" else "organisation"


def relation_for(subject: EntityLink, obj: EntityLink, verb: str, sub_national: bool) -> tuple[str, str, str]:
    """(relation, status, level) for a subject joining or signing an initiative or organisation."""
    v = verb.lower()
    level = "sub-national" if sub_national else level_of(subject)
    if v.startswith(("established", "founded")):
        return "founding_member_of", "founding", level
    if "engaged" in v:
        return "partner_of", "engaged", level
    if "member" in v:
        return "member_of", "full_member", level
    if sub_national:
        return "partner_of", "joined", level
    if subject.kind in ("country", "region"):
        return "signatory_of", "signatory", level
    return "partner_of", "partner", level


def emit_membership(
    ctx: Context,
    s: Sentence,
    subjects: list[Mention],
    obj: Mention | EntityLink,
    verb: str,
    cue: tuple[int, int],
    clause: tuple[int, int],
    *,
    sub_national: bool = False,
    lead: tuple[int, int] | None = None,
    detail: str = "",
    date: DateMention | None = None,
    ordinal: str = "",
    as_of: str = "",
    status: str = "",
    agreement_kind: str = "",
) -> None:
    """Add a membership row for each subject (and an ``entity`` row for each the graph does not know).

    The relation, status and level follow from the verb (:func:`relation_for`); certainty from the
    ``clause``. Two names share one quote over the clause; a list of three or more quotes each name
    with the ``lead`` (or the ``cue``) and is remembered as a group for the dispute check.
    """
    olink = obj.link if isinstance(obj, Mention) else obj
    text = ctx.text[clause[0] : clause[1]]
    certainty, planned, note = ctx.certainty_of(text)
    long_list = len(subjects) >= 3
    for m in subjects:
        if m.link.kind not in ("country", "region", *ORG_KINDS):
            continue
        rel, st, level = relation_for(m.link, olink, verb, sub_national)
        if status:
            st = status
        spans: tuple[tuple[int, int], ...]
        if long_list:
            spans = ((m.start, m.end), lead or cue)
        else:
            a = min(subjects[0].start, cue[0], lead[0] if lead else cue[0])
            b = max(cue[1], subjects[-1].end, lead[1] if lead else 0)
            spans = ((a, b),)
        ctx.add(
            m.link,
            rel,
            olink,
            spans=spans,
            date=date,
            status=st,
            certainty=certainty,
            level=level,
            detail=detail,
            note=note,
            planned=planned,
            ordinal=ordinal,
            as_of=as_of,
            agreement_kind=agreement_kind,
            group=(lead or cue) if long_list else (),
        )
        if not m.link.curie:
            propose(ctx, m.link, (m.start, m.end))


_LED = re.compile(r"(?:the\s+)?\b([A-Z][\w.’']*(?:\s[A-Z][\w’']*)?)-led\s+")


def rule_led(ctx: Context) -> None:
    """Read "the China-led ILRS": the leader of an initiative, mission or organisation."""
    for s in ctx.sentences:
        for m in _LED.finditer(ctx.text, s.start, s.end):
            who = m.group(1)
            lead = link_entity(who) or link_entity(DEMONYMS.get(normalize_name(who), who))
            if lead is None:
                continue
            ms = [x for x in ctx.ments(s) if x.start >= m.end()]
            if (
                not ms
                or ms[0].start != m.end()
                or ms[0].link.kind not in ("initiative", "mission", "international_organization")
            ):
                continue
            objs = list_around(ms, ctx.text, 0, +1)
            objs = [o for o in objs if o.link.kind in ("initiative", "mission", "international_organization")]
            a = m.start()
            for o in objs:
                ctx.add(
                    lead,
                    "partner_of",
                    o.link,
                    spans=((a, objs[-1].end),),
                    status="leader",
                    certainty=ctx.base_certainty,
                    level=level_of(lead),
                )


def rule_nth(ctx: Context) -> None:
    """Read "X became the 56th signatory of Y": X signed Y, with its ordinal."""
    pat = re.compile(
        r"\b(?:became|becomes|become|is|as)\s+the\s+(?P<n>\d+(?:st|nd|rd|th)|"
        + ORDINAL_WORDS
        + r")\s+(?:signatory|member|"
        r"country|nation|state)\s+(?:of|to\s+(?:sign|join))\s+(?:the\s+)?",
        re.IGNORECASE,
    )
    for _i, s in enumerate(ctx.sentences):
        for m in pat.finditer(ctx.text, s.start, s.end):
            ms = ctx.ments(s)
            subj = [x for x in ms if x.end <= m.start() and x.link.kind in ("country", *ORG_KINDS)]
            obj = next((x for x in ms if x.start >= m.end() - 1 and x.link.kind in GROUP_KINDS), None)
            if not subj or obj is None or obj.start - m.end() > 2:
                continue
            sub = subj[0]
            if ctx.text[sub.end : m.start()].strip() and not re.fullmatch(
                r"\s*(?:has\s+|have\s+|officially\s+|in\s+"
                r"\w+\s+|[a-z]+ly\s+)*",
                ctx.text[sub.end : m.start()],
            ):
                continue
            d = ctx.date_near(s, m.start())
            certainty, planned, note = ctx.certainty_of(s.text)
            ctx.add(
                sub.link,
                "signatory_of",
                obj.link,
                spans=((sub.start, obj.end),),
                date=d,
                status="signatory",
                certainty=certainty,
                level=level_of(sub.link),
                note=note,
                planned=planned,
                ordinal=ordinal(m.group("n")),
            )


def rule_which(ctx: Context) -> None:
    """Read "X, which supports Y and is headquartered in Z": a relative clause on an organisation."""
    for s in ctx.sentences:
        ms = ctx.ments(s)
        for m in re.finditer(r",\s+which\s+", ctx.text[s.start : s.end]):
            at = s.start + m.start()
            ante = [x for x in ms if x.end == at]
            if not ante or ante[0].link.kind not in (*ORG_KINDS, "initiative"):
                continue
            a = ante[0]
            rest_a, rest_b = s.start + m.end(), s.end
            sup = re.match(r"supports\s+", ctx.text[rest_a:rest_b])
            if sup:
                obj = next((x for x in ms if x.start == rest_a + sup.end()), None)
                if obj and obj.link.kind in GROUP_KINDS:
                    end = after_object(ctx.text, obj.end, rest_b)
                    ctx.add(
                        a.link,
                        "partner_of",
                        obj.link,
                        spans=((a.start, end),),
                        status="supporter",
                        certainty=ctx.base_certainty,
                        level="organisation",
                    )
            hq = re.search(r"\b(?:is\s+)?headquartered in\s+", ctx.text[rest_a:rest_b])
            if hq:
                place = _place_at(ctx, rest_a + hq.end(), rest_b)
                if place:
                    _pa, pb, plink = place
                    ctx.add(
                        a.link,
                        "headquartered_in",
                        plink,
                        spans=((a.start, a.end), (rest_a + hq.start(), pb)),
                        certainty=ctx.base_certainty,
                    )


def _place_at(ctx: Context, a: int, b: int) -> tuple[int, int, EntityLink] | None:
    """The place named at ``a`` (proposed as a new entity when the graph does not know it)."""
    m = re.match(r"(?:the\s+)?([A-Z][\w’'-]*(?:\s+[A-Z][\w’'-]*)*)", ctx.text[a:b])
    if not m:
        return None
    name = m.group(1)
    link = link_entity(name) or EntityLink(name, "place")
    if not link.curie and link.kind == "place":
        propose(ctx, link, (a + m.start(1), a + m.end(1)))
    return a + m.start(1), a + m.end(1), link


def rule_entry(ctx: Context) -> None:
    """Read "… marks X's formal entry into Y": X signed Y, on the date of the signing nearby."""
    pat = re.compile(r"[’']s\s+(?:formal\s+|official\s+)?(?:entry|accession)\s+(?:into|to)\s+")
    for i, s in enumerate(ctx.sentences):
        ms = ctx.ments(s)
        for m in pat.finditer(ctx.text, s.start, s.end):
            who = next((x for x in ms if x.end == m.start() and x.link.kind == "country"), None)
            obj = next(
                (x for x in ms if m.end() <= x.start <= m.end() + 12 and x.link.kind in GROUP_KINDS), None
            )
            if who is None or obj is None:
                continue
            d = ctx.date_of_signing(max(0, i - 1))
            certainty, planned, note = ctx.certainty_of(s.text)
            end = after_object(ctx.text, obj.end, s.end)
            ctx.add(
                who.link,
                "signatory_of",
                obj.link,
                spans=((who.start, end),),
                date=d,
                status="signatory",
                certainty=certainty,
                level="national",
                note=note,
                planned=planned,
            )


def rule_founded(ctx: Context) -> None:
    """Read "A and B (formally) announced the joint project": the founders of the initiative in view."""
    pat = re.compile(
        r"\s+(?:formally\s+|jointly\s+|officially\s+)?(?:announced|launched|initiated|proposed)\s+"
        r"(?:the|this)\s+(?:joint\s+)?(?:project|initiative|programme|program|station)\b",
        re.IGNORECASE,
    )
    for i, s in enumerate(ctx.sentences):
        ms = ctx.ments(s)
        for m in pat.finditer(ctx.text, s.start, s.end):
            last = next((k for k in range(len(ms) - 1, -1, -1) if ms[k].end == m.start()), None)
            if last is None:
                continue
            founders = [
                x for x in list_around(ms, ctx.text, last, -1) if x.link.kind in ("country", *ORG_KINDS)
            ]
            obj = ctx.topic_group(i)
            if not founders or obj is None or obj.link.kind != "initiative":
                continue
            certainty, planned, note = ctx.certainty_of(s.text)
            a, b = clause_bounds(s, ctx.text, m.start())
            d = ctx.date_near(s, m.end(), a, b)
            end = max(m.end(), d.end if d else 0)
            for f in founders:
                ctx.add(
                    f.link,
                    "founding_member_of",
                    obj.link,
                    spans=((founders[0].start, end),),
                    date=d,
                    status="founding",
                    certainty=certainty,
                    note=note,
                    level=level_of(f.link),
                    detail=f"announced {obj.link.label}",
                    planned=planned,
                )
