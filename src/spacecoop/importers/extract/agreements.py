"""Agreements between two parties (MoUs, roadmaps, joint statements), their signers and witnesses."""

from __future__ import annotations

import re
from dataclasses import replace

from spacecoop.importers.extract.article import Sentence
from spacecoop.importers.extract.clauses import after_object
from spacecoop.importers.extract.context import Context
from spacecoop.importers.extract.cues import INSTRUMENT, agreement_kind
from spacecoop.importers.extract.gazetteer import ORG_KINDS, EntityLink, link_entity
from spacecoop.importers.extract.memberships import emit_membership
from spacecoop.importers.extract.mentions import LIST_GAP, Mention, country_in, resolve_name
from spacecoop.importers.extract.new_entities import new_org, propose


def _initiative_in(ctx: Context, s: Sentence, a: int, b: int) -> Mention | None:
    """The first initiative named in ``s`` from ``a`` up to ``b``."""
    return next((m for m in ctx.ments(s) if m.link.kind == "initiative" and a <= m.start < b), None)


def agreement_from(
    ctx: Context, i: int, s: Sentence, subjects: list[Mention], vm: re.Match, clause: tuple[int, int]
) -> None:
    """Read the instrument after a signing verb (``vm``) in sentence ``i``: an agreement between two
    parties (named before the verb, after "with" or "between", or as signers with their titles),
    or, for an initiative's MoU or joint statement, the subjects joining that initiative."""
    ca, cb = clause
    im = INSTRUMENT.search(ctx.text, vm.end(), cb)
    if im is None:  # never: the caller read the instrument right after the verb
        return
    kind = agreement_kind(im.group("kind"))
    title_m = re.match(r"\s+(?:on|regarding|for)\s+([^,;]*?)(?=\s+with\b|,|;|\.|$)", ctx.text[im.end() : cb])
    title = title_m.group(1) if title_m else ""
    partner = None
    wm = re.search(r"\bwith\s+", ctx.text[im.end() : cb])
    if wm:
        at = im.end() + wm.end()
        partner = next(
            (
                m
                for m in ctx.ments(s)
                if m.start >= at
                and ctx.text[at : m.start].strip() in ("", "the")
                and m.link.kind not in ("initiative", "mission")
            ),
            None,
        )
    parties = [m for m in subjects if m.link.kind != "initiative"]
    if partner is not None:
        parties = [*parties[:1], partner]
    signers = _signers_before(ctx, s, vm.start())
    if partner is None and len({lk.label for _, _, lk, _ in signers}) >= 2:
        certainty, planned, note = ctx.certainty_of(ctx.text[ca:cb])
        d = ctx.date_near(s, vm.start(), ca, cb) or ctx.date_of_signing(i)
        (_, _, xlink, xspan), (_, _, ylink, _) = (
            signers[0],
            next(t for t in signers[1:] if t[2].label != signers[0][2].label),
        )
        topic = _initiative_in(ctx, s, im.start(), cb)
        end = after_object(ctx.text, topic.end, cb) if topic else im.end()
        for who, role, org, _span in signers:
            ctx.add(
                xlink,
                "agreement_with",
                ylink,
                spans=((xspan[0], end),),
                date=d,
                certainty=certainty,
                agreement_kind=kind,
                planned=planned,
                note=note,
                detail=f"concerns {topic.link.label}" if topic else "",
                signer=who,
                signer_role=role,
                on_behalf_of=org.label,
            )
        for _w, _r, org, span in signers:
            if not org.curie:
                propose(ctx, org, span)
        return
    if not subjects:
        return
    # "China and Russia presented a joint roadmap": an instrument between the two of them. Not so for
    # "Russia and Belarus have signed agreements regarding the ILRS as national-level participants".
    topic = _initiative_in(ctx, s, im.start(), cb)
    singular = (im.group("n") or "").lower() in ("a", "an", "the", "one")
    as_members = re.search(
        r"\bas\s+(?:[\w-]+\s+)?(?:participants|members|signatories|partners)\b", ctx.text[ca:cb]
    )
    pair = (
        len(subjects) == 2
        and bool(re.fullmatch(r"\s+and\s+(?:the\s+)?", ctx.text[subjects[0].end : subjects[1].start]))
        and (topic is None or singular)
        and not as_members
    )
    if partner is None and pair:  # "China and Russia presented a joint roadmap": between the two of them
        parties = list(subjects)
    bm = re.search(r"\b[Bb]etween\s+", ctx.text[im.end() : cb])
    if bm:  # "The Memorandum of Understanding … Between CNSA and SANSA": the parties are named
        named = [
            m
            for m in ctx.ments(s)
            if m.start >= im.end() + bm.end() and m.link.kind in (*ORG_KINDS, "country")
        ]
        if len(named) >= 2 and LIST_GAP.match(ctx.text[named[0].end : named[1].start]):
            parties, partner = named[:2], named[1]
            b_end = named[1].end
            q = re.match(r"[”\"’]", ctx.text[b_end : b_end + 1])
            title_end = b_end + (1 if q else 0)
            title = ""
            tq = re.search(r"[“\"]([^”\"]+)[”\"]", ctx.text[vm.end() : title_end])
            if tq:
                title = tq.group(1)
    certainty, planned, note = ctx.certainty_of(ctx.text[ca:cb])
    d = ctx.date_near(s, vm.start(), ca, cb) or ctx.date_of_signing(i)
    a, b = (
        min(m.start for m in subjects),
        max(im.end() + (title_m.end() if title_m else 0), partner.end if partner else 0),
    )
    if bm and partner is not None:
        a = vm.start("verb")
        b = partner.end + (1 if ctx.text[partner.end : partner.end + 1] in '”"' else 0)
    if (
        len(parties) == 2
        and (partner is not None or topic is None or pair)
        and parties[0].link != parties[1].link
    ):
        x, y = parties
        ctx.add(
            x.link,
            "agreement_with",
            y.link,
            spans=((a, b),),
            date=d,
            certainty=certainty,
            agreement_kind=kind,
            agreement_title=title,
            planned=planned,
            note=note,
            detail=f"concerns {topic.link.label}" if topic else "",
        )
    # "Thailand has signed a memorandum of understanding on cooperation on the ILRS", "A, B and C have
    # signed agreements and MoUs regarding the ILRS": joining the initiative
    if (
        topic is None
        and partner is None
        and len(parties) != 2
        and kind in ("joint-statement", "mou", "letter-of-intent")
        and not wm
    ):  # "… inked memoranda with 10 organizations from …": those are the partners, not the signer
        topic = ctx.topic_group(i)  # "… have also signed joint statements": with the initiative in view
        if topic is not None and topic.link.kind != "initiative":
            topic = None
        orgs = [m for m in subjects if m.link.kind in ORG_KINDS]
        if topic is not None and orgs:
            emit_membership(
                ctx,
                s,
                orgs,
                topic,
                "signed",
                (vm.start("verb"), im.end()),
                (ca, cb),
                lead=(vm.start("verb"), im.end()) if len(orgs) >= 3 else None,
                date=d,
                detail=f"by {im.group('kind')}",
            )
    if topic is not None and partner is None and not pair:
        countries = [m for m in subjects if m.link.kind in ("country", "region")]
        lead = None
        if len(countries) >= 3:
            lead = (vm.start("verb"), after_object(ctx.text, topic.end, cb))
        emit_membership(
            ctx,
            s,
            countries,
            topic,
            "signed",
            (vm.start("verb"), after_object(ctx.text, topic.end, cb)),
            (ca, cb),
            lead=lead,
            date=d,
            detail=f"by {im.group('kind')}",
        )


_PERSON = r"(?:(?:Mr|Ms|Mrs|Dr|Prof)\.?\s+)?[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+){1,2}"
_ORG_CHUNK = r"[A-Z][\w.’'-]*(?:\s+(?:[A-Z][\w.’'-]*|of|and|for|the|on))*(?:\s*\([A-Z][\w-]*\))?"
_SIGNER = re.compile(
    r"(?P<name>" + _PERSON + r"),\s+(?:(?P<role>[a-z][^,]{1,60}?)\s+of|on behalf of)\s+(?:the\s+)?"
    r"(?P<org>" + _ORG_CHUNK + r")"
)


def _signers_before(
    ctx: Context, s: Sentence, end: int
) -> list[tuple[str, str, EntityLink, tuple[int, int]]]:
    """(person, title, organisation, span) for each 'Name, title of ORG' or 'Name, on behalf of ORG'
    before ``end``."""
    out = []
    for m in _SIGNER.finditer(ctx.text, s.start, end):
        role, org_a = (m.group("role") or ""), m.start("org")
        org = re.sub(r"\s+(?:and|of|for|the|on)$", "", m.group("org"))
        board = re.match(r"(?:Board|Council|Office|Secretariat|Presidium) of (?:the )?", org)
        if board:  # "chairman of the Board of Azercosmos": the body is Azercosmos
            role, org, org_a = (
                f"{role} of the {board.group(0).split(' of')[0]}".strip(),
                org[board.end() :],
                org_a + board.end(),
            )
        mention = next((x for x in ctx.ments(s) if x.start == org_a and x.link.kind in ORG_KINDS), None)
        link: EntityLink | None
        if mention is not None:
            link, span = mention.link, (mention.start, mention.end)
        else:
            link, span = resolve_name(ctx.gaz, org), (org_a, org_a + len(org))
            if link is None:
                link = new_org(ctx.gaz, org)
                app = re.match(
                    r",\s+(?P<c>[A-Z][\w ]+?)[’']s\s+(?:national\s+)?space agency", ctx.text[span[1] : end]
                )
                if app and country_in(ctx.gaz, app.group("c")):
                    link = EntityLink(link.label, "space_agency", "", country_in(ctx.gaz, app.group("c")))
        if link.kind not in ORG_KINDS:
            continue
        out.append((m.group("name").strip(), role.strip() if m.group("role") else "", link, span))
    return out


_SIGNED_BY = re.compile(r"\bsigned\s+(?:on\s+)?(?:[^,]*?\s+)?by\s+", re.IGNORECASE)


def rule_signed_by(ctx: Context) -> None:
    """'The MoU was signed April 5 by P1, ROLE of ORG1 and P2, ROLE of ORG2' → the parties."""
    for _i, s in enumerate(ctx.sentences):
        m = _SIGNED_BY.search(s.text)
        im = INSTRUMENT.search(s.text[: m.start()]) if m else None
        if not m or not im:
            continue
        orgs = [x for x in ctx.ments(s) if x.start >= s.start + m.end() and x.link.kind in ORG_KINDS]
        if len(orgs) < 2:
            continue
        x = orgs[0]
        y = next((o for o in orgs[1:] if o.link != x.link), None)
        if y is None:
            continue
        d = ctx.date_near(s, s.start + m.start())
        a, b = s.start + im.start(), max(x.end, y.end)
        certainty, planned, note = ctx.certainty_of(s.text)
        kind = agreement_kind(im.group("kind"))
        for (who, role), org in (
            (_signer_at(ctx.text, s.start + m.end(), x.start), x),
            (_signer_at(ctx.text, x.end, y.start), y),
        ):
            ctx.add(
                x.link,
                "agreement_with",
                y.link,
                spans=((a, b),),
                date=d,
                certainty=certainty,
                agreement_kind=kind,
                note=note,
                planned=planned,
                signer=who,
                signer_role=role,
                on_behalf_of=org.link.label if who else "",
            )


def _signer_at(text: str, a: int, b: int) -> tuple[str, str]:
    """The person and their title in 'Xu Zhanbin, deputy administrator of the ORG' (text[a:b] ends at ORG)."""
    m = re.match(
        r"\s*(?:,\s*)?(?:and\s+)?(?P<name>(?:Mr\.?|Ms\.?|Dr\.?)?\s*[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+){1,2}),"
        r"\s+(?P<role>[^,]*?)\s+(?:of|at)\s+(?:the\s+)?$",
        text[a:b],
    )
    if not m:
        return "", ""
    return m.group("name").strip(), m.group("role").strip()


_SIGNED_ON_BEHALF = re.compile(
    r"(?P<who>[A-Z][^;]*?)\s+signed\s+(?:the\s+)?(?P<what>[A-Z][\w’' -]*?)\s+on behalf of\s+(?:the\s+)?"
    r"(?:(?:Government|Republic|Kingdom|State)\s+of\s+(?:the\s+)?)?(?P<for>[A-Z][\w’' -]*?)"
    r"(?:\s+in the presence of\s+(?P<wit>[^;]+?))?\s*(?:\.\s*$|;|$)"
)
_NAME_TAIL = re.compile(r"(?P<name>(?:[A-Z][a-z]{0,3}\.\s+)?[A-Z][\w’'-]+(?:\s+[A-Z][\w’'-]+)?)\s*$")


def _split_person(text: str) -> tuple[str, str]:
    """'Director General of the Senegalese Space Studies Agency Maram Kaïré' → (name, title)."""
    text = text.strip(" ,")
    m = _NAME_TAIL.search(text)
    if not m:
        return "", ""
    return m.group("name"), text[: m.start()].strip(" ,")


def attach_signers(ctx: Context) -> None:
    """'ROLE NAME signed the Accords on behalf of the Government of X in the presence of A and B': put the
    signer, their title, the party and the witnesses on X's row for that instrument or initiative."""
    for s in ctx.sentences:
        for m in _SIGNED_ON_BEHALF.finditer(ctx.text, s.start, s.end):
            what, party = link_entity(m.group("what")), link_entity(m.group("for"))
            name, role = _split_person(m.group("who"))
            if what is None or party is None or not name:
                continue
            witnesses = []
            if m.group("wit"):
                for part in re.split(r"\s+and\s+|,\s+", m.group("wit")):
                    wname, _ = _split_person(part)
                    if wname:
                        witnesses.append(wname)
            for i, c in enumerate(ctx.out):
                if c.subject == party.label and c.object == what.label and not c.signer:
                    ctx.out[i] = replace(
                        c,
                        signer=name,
                        signer_role=role,
                        on_behalf_of=party.label,
                        witness="; ".join(witnesses),
                    )
