"""The verb rule: a list of names before "signed", "joined", "became", "is a member of" … and what
follows the verb (an initiative, an instrument, "the 56th signatory")."""

from __future__ import annotations

import re

from spacecoop.importers.extract.agreements import agreement_from
from spacecoop.importers.extract.clauses import after_object, clause_bounds, strip_end, verb_phrase_end
from spacecoop.importers.extract.context import Context
from spacecoop.importers.extract.cues import INSTRUMENT, ORDINAL_WORDS, ordinal
from spacecoop.importers.extract.dates import DATE_LEAD
from spacecoop.importers.extract.gazetteer import ORG_KINDS
from spacecoop.importers.extract.memberships import emit_membership
from spacecoop.importers.extract.mentions import LIST_GAP, Mention, list_around
from spacecoop.importers.extract.new_entities import propose, unknown_org_before

_AUX = (
    r"(?:\s+(?:have|has|had|also|already|formally|officially|now|recently|both|all|each|to|been|"
    r"understood|reportedly|thought|believed|said|reported|is|are|was|were|later|previously|jointly|expected|"
    r"set|due|poised|likely|"
    r"plans|plan|planning|intends|will|would|could|may|in\s+\w+|[a-z]+ly))*"
)
_VERB = re.compile(
    r"\s*,?" + _AUX + r"\s+(?P<verb>signed up to|signed up|signed|sign|joined|join|became|become|becomes|"
    r"presented|unveiled|issued|inked|concluded|"
    r"are engaged with|is engaged with|engaged with|are members of|is a member of|are partners in|"
    r"established|founded)\b",
    re.IGNORECASE,
)


_SUBJECT_GAP = re.compile(
    r"^(?:\s*,\s*(?:which|who)\b[^,;]*)?"  # "Egypt, which is expected to launch a probe, has"
    r"(?:\s+and\s+(?:\w+\s+)?other\s+(?:countries|nations|states|partners))?\s*[,—–]?\s*$"
)


def rule_verbs(ctx: Context) -> None:
    """Read a list of names before a verb ("A, B and C have signed / joined …") and what follows it."""
    for i, s in enumerate(ctx.sentences):
        ms = ctx.ments(s)
        for vm in _VERB.finditer(ctx.text, s.start, s.end):
            verb = vm.group("verb")
            vstart = vm.start("verb")
            ca, cb = clause_bounds(s, ctx.text, vstart)
            # the subjects: a list of names ending right before the verb
            before = [
                k
                for k, m in enumerate(ms)
                if ca <= m.start
                and m.end <= vm.start() + 1
                and _SUBJECT_GAP.match(ctx.text[m.end : vm.start()])
            ]
            subjects: list[Mention] = []
            sub_national = False
            lead = None
            if before:
                subjects = list_around(ms, ctx.text, before[-1], -1)
            else:
                inc = re.search(
                    r"\bincluding\s+(?:groups(?: and firms)?|firms|companies|entities|"
                    r"institutions|universities)?\s*(?:from\s+)?",
                    ctx.text[vm.end() : cb],
                )
                if inc and re.search(
                    r"subnational|sub-national|companies|firms|universities", ctx.text[ca:cb], re.IGNORECASE
                ):
                    start = vm.end() + inc.end()
                    subjects = ctx.list_from(s, start)
                    if subjects:
                        sub_national = True
                        lead = (ca, start)
                        lead = strip_end(ctx.text, lead[0], lead[1])
                        lead = (lead[0], start - 1 if ctx.text[start - 1] == " " else start)
            if not subjects and re.search(r"\b(?:it|they)\s*$", ctx.text[ca : vm.start()]):
                # "SANSA has announced that it has signed …": the pronoun is the sentence's first actor
                actor = next(
                    (m for m in ms if m.start < vm.start() and m.link.kind in ("country", *ORG_KINDS)), None
                )
                subjects = [actor] if actor else []
            subjects = [m for m in subjects if m.link.kind in ("country", "region", *ORG_KINDS)]
            after_verb = DATE_LEAD.sub("", ctx.text[vm.end() : cb].lstrip(' “"‘')).lstrip(' “"‘')
            is_signing = re.match(
                r"sign|present|unveil|issue|ink|conclude", verb, re.IGNORECASE
            ) and INSTRUMENT.match(after_verb)
            if not subjects and is_signing:
                unknown, full_start = unknown_org_before(ctx, ca, vm.start())
                if (
                    unknown is not None
                ):  # "Serbia’s Ministry of Science, … signed a memorandum … with the CNSA"
                    propose(ctx, unknown.link, (unknown.start, unknown.end))
                    prev = next(
                        (x for x in reversed(ms) if x.end <= full_start and x.link.kind in ORG_KINDS), None
                    )
                    subjects = (
                        [prev, unknown]
                        if prev is not None and LIST_GAP.match(ctx.text[prev.end : full_start])
                        else [unknown]
                    )
                else:
                    agreement_from(ctx, i, s, [], vm, (ca, cb))  # the signers may be named with their titles
                    continue
            if not subjects:
                continue
            if is_signing:
                agreement_from(ctx, i, s, subjects, vm, (ca, cb))
                continue
            if verb.lower() in ("presented", "unveiled", "issued", "inked", "concluded"):
                continue  # only with an instrument (above)
            if verb.lower().startswith("became") or verb.lower().startswith("become"):
                om = re.match(
                    r"\s+the\s+(?P<n>\d+(?:st|nd|rd|th)|" + ORDINAL_WORDS + r"|latest|newest|most recent)"
                    r"\s+(?:country|nation|signatory|state|member)"
                    r"(?:\s+to\s+(?P<v>sign|join))?",
                    ctx.text[vm.end() : cb],
                )
                if not om:
                    continue
                obj = ctx.object_after(s, vm.end(), cb) or ctx.topic_group(i)
                if obj is None:
                    continue
                cue = (
                    vm.start("verb"),
                    obj.end if isinstance(obj, Mention) and obj.start < cb else vm.end() + om.end(),
                )
                emit_membership(
                    ctx,
                    s,
                    subjects,
                    obj,
                    om.group("v") or "signed",
                    cue,
                    (ca, cb),
                    ordinal=ordinal(om.group("n")),
                    date=ctx.date_near(s, vstart, ca, cb),
                )
                continue
            if verb.lower().startswith(("established", "founded")):
                obj = ctx.object_after(s, vm.end(), cb)
                if obj is None or obj.start - vm.end() > 5:
                    continue
                emit_membership(
                    ctx,
                    s,
                    subjects[:1],
                    obj,
                    verb,
                    (vstart, obj.end),
                    (ca, cb),
                    date=ctx.date_near(s, vstart, ca, cb),
                )
                continue
            obj = ctx.object_after(s, vm.end(), cb)
            if "engaged" in verb.lower():
                cue_end = obj.end if obj else vm.end()
                mem = re.search(r"through (?:their|its) membership (?:in|of)\s+", ctx.text[cue_end:cb])
                org = ctx.object_after(s, cue_end + mem.end(), cb) if mem else None
                if obj is not None:
                    emit_membership(
                        ctx,
                        s,
                        subjects,
                        obj,
                        verb,
                        (vstart, org.end if org else obj.end),
                        (ca, cb),
                        detail=f"through membership in {org.link.label}" if org else "",
                    )
                if org is not None:
                    emit_membership(ctx, s, subjects, org, "are members of", (vstart, org.end), (ca, cb))
                continue
            if obj is None:
                if re.search(r"\bto\s*$", ctx.text[ca:vstart]) and not re.search(
                    r"(understood|said|believed|"
                    r"reported) to\s*$",
                    ctx.text[ca:vstart],
                ):
                    continue  # "aims to attract 50 countries to join": not a joining
                obj = ctx.topic_group(i)
                if obj is None:
                    continue
                cue = (vstart, verb_phrase_end(ctx.text, vm.end(), cb))
            else:
                cue = (vstart, after_object(ctx.text, obj.end, cb))
            if lead is None and len(subjects) >= 3:
                lead = strip_end(ctx.text, vstart, cb)
                lead = (vstart, lead[1])
            emit_membership(
                ctx,
                s,
                subjects,
                obj,
                verb,
                cue,
                (ca, cb),
                sub_national=sub_national,
                lead=lead,
                date=ctx.date_near(s, vstart, ca, cb),
            )
