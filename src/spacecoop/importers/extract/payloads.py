"""Rules for missions and payloads: payload lists with developers, "developed by", "will carry",
landing sites."""

from __future__ import annotations

import re

from spacecoop.importers.extract.clauses import strip_end
from spacecoop.importers.extract.context import Context
from spacecoop.importers.extract.dates import DateMention
from spacecoop.importers.extract.gazetteer import ORG_KINDS, EntityLink, link_entity
from spacecoop.importers.extract.mentions import resolve_name
from spacecoop.importers.extract.new_entities import ORG_HEAD, new_org, propose

_PAYLOAD_LEAD = re.compile(
    r"\b(payloads?|instruments?|experiments?)\b.*\b(selected|chosen|are|include|will carry)\b.*:\s*$|"
    r"\bwill carry\b.*:\s*$",
    re.IGNORECASE,
)


_DESCRIBED_ORG = re.compile(
    r"(?:(?:commercial|private|state-owned|the)\s+)*(?:company|firm|start-?up|business)\s+[A-Z]"
)


def _last_paren_group(line: str) -> tuple[int, int] | None:
    """(start, end) of the last balanced top-level parenthesised group of a line, inside the parens."""
    end = line.rstrip(" .;").rstrip()
    if not end.endswith(")"):
        return None
    depth = 0
    for i in range(len(end) - 1, -1, -1):
        if end[i] == ")":
            depth += 1
        elif end[i] == "(":
            depth -= 1
            if depth == 0:
                return i + 1, len(end) - 1
    return None


def _split_parties(ctx: Context, a: int, b: int) -> list[tuple[int, int, str]]:
    """Split a developer list into (start, end, role) parties: ', in partnership with' → partner."""
    text = ctx.text
    parts: list[tuple[int, int, str]] = []
    seg = text[a:b]
    m = re.search(r",?\s+in partnership with\s+", seg)
    chunks = [(a, a + m.start(), "developer"), (a + m.end(), b, "partner")] if m else [(a, b, "developer")]
    for ca, cb, role in chunks:
        pieces = [(ca, cb)]
        for sep in (r"\s+and the\s+", r",\s+and\s+", r"\s+and\s+", r",\s+"):
            nxt = []
            for pa, pb in pieces:
                if _resolve_span(ctx, pa, pb):
                    nxt.append((pa, pb))
                    continue
                cut = [(pa, pa)]
                for sm in re.finditer(sep, text[pa:pb]):
                    left = text[cut[-1][1] : pa + sm.start()]
                    right = text[pa + sm.end() : pb]
                    right_link = resolve_name(ctx.gaz, right)
                    if (
                        sep == r",\s+"
                        and right_link is not None
                        and right_link.kind == "country"
                        and pa + sm.end() + len(right) == pb
                    ):
                        continue  # "Kyoto Institute, Japan": a country after a comma says where, not who
                    if sep == r"\s+and the\s+" or (
                        (ORG_HEAD.search(left) or resolve_name(ctx.gaz, left))
                        and (
                            ORG_HEAD.search(right)
                            or right_link
                            or _DESCRIBED_ORG.match(right)
                            or (re.match(r"[A-Z]", right) and sep != r",\s+")
                        )
                    ):
                        if sep == r",\s+" and not (right_link or ORG_HEAD.search(right)):
                            continue
                        cut.append((pa + sm.start(), pa + sm.end()))
                bounds = [pa] + [x for c in cut[1:] for x in c] + [pb]
                nxt.extend((bounds[i], bounds[i + 1]) for i in range(0, len(bounds), 2))
            pieces = nxt
        for pa, pb in pieces:
            pa, pb = strip_end(text, pa, pb)
            d = re.match(r"(?:the\s+|commercial company\s+|private company\s+|company\s+)+", text[pa:pb])
            if d:
                pa += d.end()
            if pb > pa:
                parts.append((pa, pb, role))
    return parts


def _resolve_span(ctx: Context, a: int, b: int) -> EntityLink | None:
    return resolve_name(ctx.gaz, ctx.text[a:b])


def rule_payload_bullets(ctx: Context) -> None:
    """Read a lead-in ("… selected the following payloads:") then one line a payload, its developers in
    parentheses: the payload on the mission, and who developed it (or which country provided it)."""
    sents = ctx.sentences
    for i, s in enumerate(sents):
        if not _PAYLOAD_LEAD.search(s.text):
            continue
        mission = next((m for m in ctx.ments(s) if m.link.kind == "mission"), None) or ctx.topic(
            i, ("mission",)
        )
        if mission is None:
            continue
        j = i + 1
        while j < len(sents) and sents[j].para > s.para:
            item = sents[j]
            grp = _last_paren_group(item.text)
            if grp is None:
                break
            head_end = item.start + grp[0] - 1
            head = ctx.text[item.start : head_end].rstrip()
            # "(two micro-rovers)": a description in parentheses, not developers
            extra = ""
            em = re.search(r"\s*\(([^()]*)\)\s*$", head)
            if em:
                extra = em.group(1)
                head = head[: em.start()]
            names = re.split(r"\s+and the\s+", head)
            pos = item.start
            payload_spans = []
            for n in names:
                at = ctx.text.index(n, pos, item.end)
                payload_spans.append((at, at + len(n)))
                pos = at + len(n)
            dev_a, dev_b = item.start + grp[0], item.start + grp[1]
            parties = _split_parties(ctx, dev_a, dev_b)
            item_a, item_b = strip_end(ctx.text, item.start, item.end)
            sel = _selection_date(ctx)
            for pa, pb in payload_spans:
                pname = ctx.text[pa:pb]
                plink = link_entity(pname) or EntityLink(pname[0].upper() + pname[1:], "payload")
                if not plink.curie:
                    propose(ctx, plink, (pa, pb), detail=extra, within=mission.link.label)
                ctx.add(
                    plink,
                    "payload_on",
                    mission.link,
                    spans=((s.start, s.end), (pa, pb)),
                    date=sel,
                    subject_kind="payload",
                    certainty=ctx.base_certainty,
                    detail=f"selected for {mission.link.label}" + (f"; {extra}" if extra else ""),
                )
                for da, db, role in parties:
                    dname = ctx.text[da:db]
                    dlink = _resolve_span(ctx, da, db) or new_org(ctx.gaz, dname, head)
                    if not dlink.curie:
                        propose(ctx, dlink, (da, db))
                    # "(Thailand)": no organisation named, the payload is a country's contribution
                    rel = "provided_by_country" if dlink.kind in ("country", "region") else "developed_by"
                    ctx.add(
                        plink,
                        rel,
                        dlink,
                        spans=((item_a, item_b),),
                        subject_kind="payload",
                        certainty=ctx.base_certainty,
                        role=role if rel == "developed_by" else "contributor",
                    )
            j += 1


def _selection_date(ctx: Context) -> DateMention | None:
    """The day the payloads were selected or announced, where the article prints it."""
    for s in ctx.sentences:
        cue = re.search(r"\bselect(ion|ed)\b|\bchose\b|\bannounced\b", s.text)
        if cue:
            d = ctx.date_near(s, s.start + cue.start())
            if d is not None and d.precision == "day":
                return d
    return None


def rule_will_carry(ctx: Context) -> None:
    """Read "The mission will include / carry A, B …": the payloads the graph already knows."""
    pat = re.compile(r"\b(?P<subj>[Tt]he mission|[A-Z][\w’'-]*(?:-\d+)?)\s+will\s+(?:include|carry)\s+")
    for i, s in enumerate(ctx.sentences):
        m = pat.search(ctx.text, s.start, s.end)
        if not m:
            continue
        mission = next(
            (x for x in ctx.ments(s) if x.start == m.start("subj") and x.link.kind == "mission"), None
        ) or (ctx.topic(i, ("mission",)) if m.group("subj").lower() == "the mission" else None)
        if mission is None:
            continue
        for chunk in re.finditer(r"[^,;.]+", ctx.text[m.end() : s.end]):
            words = re.search(r"(?:[A-Z][a-z]+\s+)?[\w-]+$", chunk.group(0).strip())
            if not words:
                continue
            d = words.group(0)
            for cand in (f"{mission.link.label} {d}", d):
                link = link_entity(cand)
                if link is not None and link.kind == "payload":
                    end = m.end() + chunk.start() + len(chunk.group(0).rstrip())
                    ctx.add(
                        link,
                        "payload_on",
                        mission.link,
                        spans=((m.start(), end),),
                        certainty=ctx.base_certainty,
                    )
                    break


def rule_landing(ctx: Context) -> None:
    """Read "X will land at / target a landing on P": the mission's (planned) landing site."""
    pat = re.compile(
        r"\bwill\s+(?:target\s+a\s+landing|land)\s+(?:on|at|near)\s+(?P<p>(?:an?\s+|the\s+)?[^,.;]+)"
    )
    for _i, s in enumerate(ctx.sentences):
        m = pat.search(ctx.text, s.start, s.end)
        if not m:
            continue
        mission = next((x for x in ctx.ments(s) if x.end <= m.start() and x.link.kind == "mission"), None)
        if mission is None:
            continue
        name = re.sub(r"^(an?|the)\s+", "", m.group("p"))
        link = link_entity(name) or EntityLink(name, "place")
        ctx.add(
            mission.link,
            "lands_at",
            link,
            spans=((mission.start, m.end("p")),),
            object_kind="place",
            certainty=ctx.base_certainty,
            planned="true",
        )
        if not link.curie:
            propose(ctx, link, (m.start("p"), m.end("p")))


def rule_developed_by(ctx: Context) -> None:
    """Read "X (was) (jointly) developed by A and B (, in partnership with C)": who made a payload."""
    pat = re.compile(
        r"(?:,\s*|\s+)(?:(?:is|was|were|are|being|been)\s+)?(?:jointly\s+|mainly\s+)?"
        r"(?:developed|built|designed|provided|contributed)\s+by\s+"
    )
    for _i, s in enumerate(ctx.sentences):
        ms = ctx.ments(s)
        for m in pat.finditer(ctx.text, s.start, s.end):
            payload = next((x for x in ms if x.end == m.start() and x.link.kind == "payload"), None)
            if payload is None:  # "The Lunar dust counter, developed by …": the payload right before the cue
                continue
            makers = ctx.list_from(s, m.end())
            if not makers:
                continue
            partner_at = re.search(r",?\s+in partnership with\s+", ctx.text[m.end() : s.end])
            certainty, planned, note = ctx.certainty_of(s.text)
            end = strip_end(ctx.text, payload.start, makers[-1].end)[1]
            for mk in makers:
                if mk.link.kind in ("country", "region"):
                    rel, role = "provided_by_country", "contributor"
                elif mk.link.kind in ORG_KINDS:
                    rel = "developed_by"
                    role = "partner" if partner_at and mk.start >= m.end() + partner_at.end() else "developer"
                else:
                    continue
                ctx.add(
                    payload.link,
                    rel,
                    mk.link,
                    spans=((payload.start, end),),
                    certainty=certainty,
                    role=role,
                    note=note,
                    planned=planned,
                )
