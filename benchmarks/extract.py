#!/usr/bin/env python3
"""Score ``spacecoop extract`` against gold facts: recall and precision per relation, links, quotes, speed.

Usage::

    python benchmarks/extract.py                  # prints the table, writes benchmarks/RESULTS-extract.md
    python benchmarks/extract.py --out /tmp/r.md  # elsewhere
    python benchmarks/extract.py --json /tmp/r.json

Two kinds of gold:

(a) The founding article. The gold is our curated encoding of it,
    ``graph/sources/spacenews-2025-04-25-change-8-payloads.trig``, turned into fact-sheet terms
    (:func:`gold_from_trig`); the text is ``../shared/sources/000_c3ae7b912933ff82.txt`` (skipped,
    with the reason printed, where ``../shared`` is absent).
(b) Articles annotated by hand for this benchmark, ``tests/data/extract/*.json``. Only the
    annotation and short verbatim spans are stored, never the article: the text scored is the
    file's ``spans`` joined by blank lines, documented in ``tests/data/extract/README.md``.

A fact is the tuple (subject, relation, object, status, certainty), entities compared by CURIE
(a name the graph does not know yet compares as ``new:<slug>``); ``agreement_with`` is symmetric.
Recall = gold facts found / gold facts; precision = extracted facts in the gold / extracted facts
(``entity`` proposals are not facts and are not counted). Entity-link accuracy: for every gold fact
that has an extracted row of the same relation whose quote overlaps the gold quote in the text,
the share of its two entity slots linked to the gold entity. Quotes verbatim: extracted quotes
whose every " … " piece occurs in the text, in order.
"""

from __future__ import annotations

import argparse
import json
import platform
import sys
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "src"))

from spacecoop.importers.extract import (  # noqa: E402  (after the sys.path line above)
    JOIN,
    Candidate,
    article_from_text,
    extract_candidates,
    link_entity,
    locate_quote,
    read_article,
)

FOUNDING_TRIG = ROOT / "graph" / "sources" / "spacenews-2025-04-25-change-8-payloads.trig"
FOUNDING_TEXT = ROOT.parent / "shared" / "sources" / "000_c3ae7b912933ff82.txt"
FOUNDING = {
    "url": "https://spacenews.com/china-selects-international-payloads-for-change-8-lunar-south-pole-mission/",
    "publisher": "SpaceNews",
    "date": "2025-04-25",
}
ANNOTATED = ROOT / "tests" / "data" / "extract"

CERTAINTY_OF_MODEL = {
    "stated": "reported",
    "hedged": "unconfirmed",
    "contradicted": "disputed",
    "confirmed": "confirmed",
    "reported": "reported",
    "disputed": "disputed",
    "unconfirmed": "unconfirmed",
}
"""The curated model's certainty in sheet terms, for a news outlet (cooperation-facts README):
what SpaceNews states is ``reported``, its hedge ``unconfirmed``, its self-contradiction ``disputed``."""

RELATION_OF_STATUS = {
    "signatory": ("signatory_of", "signatory"),
    "member": ("member_of", "full_member"),
    "joined": ("partner_of", "joined"),
    "engaged": ("partner_of", "engaged"),
    "supporter": ("partner_of", "supporter"),
    "leader": ("partner_of", "leader"),
    "partner": ("partner_of", "partner"),
    "founding-member": ("founding_member_of", "founding"),
}
"""A curated participation's status as the sheet's relation and status."""


@dataclass(frozen=True)
class Fact:
    """One gold or extracted fact, entities as CURIEs (or new:<slug>)."""

    subject: str
    relation: str
    object: str
    status: str
    certainty: str

    def key(self):
        if self.relation == "agreement_with":
            return (tuple(sorted((self.subject, self.object))), self.relation, self.status, self.certainty)
        return (self.subject, self.relation, self.object, self.status, self.certainty)


@dataclass
class Gold:
    """The gold of one article: facts with a quote each, and what was left out of the gold, and why."""

    name: str
    text: str
    facts: dict = field(default_factory=dict)  # Fact.key() -> (Fact, quote)
    excluded: Counter = field(default_factory=Counter)
    url: str = ""
    publisher: str = ""
    date: str = ""
    round: int = 0  # 0: the curated founding article; 1, 2: rules written while reading them; 3: held out
    first_pass: dict = field(default_factory=dict)


def _entity_id(label: str, curie: str = "") -> str:
    if curie:
        return curie
    link = link_entity(label)
    if link is not None and link.curie:
        return link.curie
    from spacecoop.core.namespaces import slugify

    return "new:" + slugify(label)


def gold_from_trig(trig: Path, text: str) -> Gold:
    """Turn the curated source graph into gold facts in the sheet's terms.

    Claims about relationships map by kind: a payload development → ``developed_by``, a carriage →
    ``payload_on``, a participation → the relation of its status (:data:`RELATION_OF_STATUS`);
    claims about an entity → ``headquartered_in`` (an organisation's seat) or ``lands_at`` (a
    mission's target landing site). What the sheet has no relation for (a mission's launch years,
    an initiative's aim, counts, "not listed") is counted in ``excluded`` by reason.
    """
    from rdflib import RDF, SKOS, Dataset, Graph, URIRef

    from spacecoop.core.namespaces import ORG, SC, curie

    ds = Dataset()
    ds.parse(trig, format="trig")
    for f in sorted((ROOT / "graph" / "reference").glob("*.ttl")):
        ds.default_graph.parse(f, format="turtle") if hasattr(ds, "default_graph") else ds.parse(f)
    g = Graph()
    for q in ds.quads((None, None, None, None)):
        g.add(q[:3])
    gold = Gold("founding article (curated TriG)", text, **FOUNDING)

    def one(graph, s, p):
        """The least value of ``s p ?o`` (``Graph.value`` picks any, which varies with the hash seed)."""
        return min(graph.objects(s, p), key=lambda o: (type(o).__name__, str(o)), default=None)

    def label(n):
        return str(one(g, n, SKOS.prefLabel) or curie(str(n)))

    for claim in sorted(g.subjects(RDF.type, SC.Claim), key=str):
        about = one(g, claim, SC.about)
        cert = CERTAINTY_OF_MODEL[str(one(g, claim, SC.certainty)).rsplit("/", 1)[-1]]
        quotes = sorted(str(q) for q in g.objects(claim, SC.quote))
        quote = JOIN.join(quotes)
        types = set(g.objects(about, RDF.type))
        fact = None
        if SC.PayloadDevelopment in types:
            p, d = one(g, about, SC.payload), one(g, about, SC.developer)
            fact = Fact(curie(str(p)), "developed_by", curie(str(d)), "", cert)
        elif SC.PayloadCarriage in types:
            m, p = one(g, about, SC.mission), one(g, about, SC.payload)
            fact = Fact(curie(str(p)), "payload_on", curie(str(m)), "", cert)
        elif SC.Participation in types:
            status = str(one(g, claim, SC.status)).rsplit("/", 1)[-1]
            if status not in RELATION_OF_STATUS:
                gold.excluded[f"participation with status {status} (no sheet relation)"] += 1
                continue
            rel, st = RELATION_OF_STATUS[status]
            fact = Fact(
                curie(str(one(g, about, ORG.member))),
                rel,
                curie(str(one(g, about, ORG.organization))),
                st,
                cert,
            )
        elif one(g, about, SC.headquarteredIn) is not None and "headquartered" in quote:
            fact = Fact(
                curie(str(about)),
                "headquartered_in",
                curie(str(one(g, about, SC.headquarteredIn))),
                "",
                cert,
            )
        elif one(g, about, SC.targetLandingSite) is not None and "landing" in quote:
            fact = Fact(
                curie(str(about)), "lands_at", curie(str(one(g, about, SC.targetLandingSite))), "", cert
            )
        else:
            kind = min(curie(str(t)) for t in types) if types else "an entity"
            gold.excluded[f"claim about {kind} with no sheet relation"] += 1
            continue
        gold.facts.setdefault(fact.key(), (fact, quote))
    _ = URIRef, label
    return gold


def gold_from_annotation(path: Path) -> Gold:
    """Read one hand annotation (``tests/data/extract/*.json``); its text is its spans, joined."""
    data = json.loads(path.read_text(encoding="utf-8"))
    text = "\n\n".join(data["spans"])
    src = data["source"]
    gold = Gold(
        data.get("title", path.stem),
        text,
        url=src.get("url", ""),
        publisher=src.get("publisher", ""),
        date=src.get("date", ""),
        round=int(data.get("round", 0)),
        first_pass=data.get("first_pass", {}),
    )
    for f in data["facts"]:
        fact = Fact(
            _entity_id(f["subject"]),
            f["relation"],
            _entity_id(f["object"]),
            f.get("status", ""),
            f["certainty"],
        )
        gold.facts.setdefault(fact.key(), (fact, f["quote"]))
    return gold


def fact_of(c: Candidate) -> Fact:
    return Fact(
        _entity_id(c.subject, c.subject_curie),
        c.relation,
        _entity_id(c.object, c.object_curie),
        c.status,
        c.certainty,
    )


@dataclass
class Score:
    name: str
    round: int
    first_pass: dict
    per_relation: dict  # relation -> [tp, gold, predicted]
    link_correct: int
    link_total: int
    quotes_ok: int
    quotes_total: int
    seconds: float
    words: int
    missed: list
    spurious: list
    excluded: Counter

    def totals(self):
        tp = sum(v[0] for v in self.per_relation.values())
        g = sum(v[1] for v in self.per_relation.values())
        p = sum(v[2] for v in self.per_relation.values())
        return tp, g, p

    @property
    def recall(self):
        tp, g, _ = self.totals()
        return tp / g if g else 1.0

    @property
    def precision(self):
        tp, _, p = self.totals()
        return tp / p if p else 1.0


def _overlaps(a: list, b: list) -> bool:
    return any(x0 < y1 and y0 < x1 for x0, x1 in a for y0, y1 in b)


def score(gold: Gold) -> Score:
    """Run the extractor on the gold's text and compare."""
    t0 = time.perf_counter()
    article = article_from_text(gold.text, gold.date or None)
    cands = [
        c
        for c in extract_candidates(article, url=gold.url, publisher=gold.publisher)
        if c.relation != "entity"
    ]
    seconds = time.perf_counter() - t0
    pred = {}
    for c in cands:
        pred.setdefault(fact_of(c).key(), (fact_of(c), c))
    per: dict = {}
    for k, (f, _) in gold.facts.items():
        per.setdefault(f.relation, [0, 0, 0])[1] += 1
        if k in pred:
            per[f.relation][0] += 1
    for f, _ in pred.values():
        per.setdefault(f.relation, [0, 0, 0])[2] += 1
    link_ok = link_n = 0
    for f, quote in gold.facts.values():
        where = locate_quote(gold.text, quote)
        near = [c for c in cands if c.relation == f.relation and _overlaps(where, list(c.spans))]
        if not near:
            continue
        best = max((int(fact_of(c).subject == f.subject) + int(fact_of(c).object == f.object)) for c in near)
        if f.relation == "agreement_with":
            best = max(len({f.subject, f.object} & {fact_of(c).subject, fact_of(c).object}) for c in near)
        link_ok += best
        link_n += 2
    q_ok = sum(1 for c in cands if locate_quote(gold.text, c.quote(gold.text)))
    missed = [f for k, (f, _) in gold.facts.items() if k not in pred]
    spurious = [f for k, (f, _) in pred.items() if k not in gold.facts]
    return Score(
        gold.name,
        gold.round,
        gold.first_pass,
        per,
        link_ok,
        link_n,
        q_ok,
        len(cands),
        seconds,
        len(gold.text.split()),
        missed,
        spurious,
        gold.excluded,
    )


def golds() -> tuple[list[Gold], list[str]]:
    out, skipped = [], []
    if FOUNDING_TEXT.exists():
        out.append(gold_from_trig(FOUNDING_TRIG, FOUNDING_TEXT.read_text(encoding="utf-8")))
    else:
        skipped.append(f"founding article: {FOUNDING_TEXT} is absent (../shared is not next to the project)")
    for p in sorted(ANNOTATED.glob("*.json")):
        out.append(gold_from_annotation(p))
    return out, skipped


def time_per_1000_words(path: Path, repeat: int = 5) -> tuple[float, float, int]:
    """(cold seconds, warm median seconds, words) to extract from a stored page, from reading the file on."""
    import statistics

    from spacecoop.importers.extract.gazetteer import clear_caches

    clear_caches()
    t0 = time.perf_counter()
    art = read_article(path, FOUNDING["date"])
    extract_candidates(art, url=FOUNDING["url"], publisher=FOUNDING["publisher"])
    cold = time.perf_counter() - t0
    warm = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        art = read_article(path, FOUNDING["date"])
        extract_candidates(art, url=FOUNDING["url"], publisher=FOUNDING["publisher"])
        warm.append(time.perf_counter() - t0)
    return cold, statistics.median(warm), len(art.text.split())


def time_cli(path: Path) -> float:
    """Wall-clock seconds of ``spacecoop extract`` as a fresh process (interpreter start and imports
    included)."""
    import subprocess
    import tempfile

    with tempfile.TemporaryDirectory() as tmp:
        t0 = time.perf_counter()
        subprocess.run(
            [
                sys.executable,
                "-m",
                "spacecoop",
                "--root",
                str(ROOT),
                "extract",
                str(path),
                "--date",
                FOUNDING["date"],
                "-o",
                str(Path(tmp) / "sheet.csv"),
            ],
            check=True,
            capture_output=True,
        )
        return time.perf_counter() - t0


ROUNDS = """Rounds: *curated* is the founding article against our curated TriG (the rules were written
while reading it). Rounds 1 to 5 are articles annotated by hand (``tests/data/extract``), each round
annotated before the extractor ever ran on it. After the first runs of rounds 1 to 4 the rules were
extended, so their current scores say what the rules now cover, and only their first-pass column
measures generality. Round 5 was annotated last and no rule was changed after it: its scores are
the held-out measure of the rules as they stand."""


NOTES = """## Reading these numbers

* The founding article's 100 % meets the targets, but it is not evidence of generality: the rules
  were written while reading it. The evidence is the held-out numbers. Round 5, on the rules as they
  stand: 7 of 30 facts found, nothing wrong proposed. Its misses are kinds of sentence the rules do
  not read yet ("X, an intergovernmental organization with members including agencies from A, B …",
  "Other member states include …", "reached agreements … with", "the host country of") and one
  near miss ("announced the joint ILRS project": an acronym inside the cue). The first passes of
  rounds 3 and 4 tell the same story: 56 of 81 found, but 54 of those from one State Department note
  in the same template as a round-1 note, and 2 of 27 on four articles in new phrasings.
  Precision was 100 % on every held-out first pass: when the rules do not understand a sentence
  they propose nothing, and the analyst adds the fact on the review page. Rules, in short, are
  precise and narrow; each new phrasing met costs a rule (rounds 3 and 4: 24 of 27 recovered).
* A name the graph does not know exactly is never linked to a close one: it becomes a new-entity
  row whose note lists the close names ("Ministry of Higher Education, Research and Innovation" →
  "close names in the graph: Ministry of Higher Education, Science, Research and Innovation
  (Thailand) (…, 90)"), and the reviewer links it.
* Gold in sheet terms. Curated certainty ``stated`` is ``reported`` for a news outlet, ``hedged``
  ``unconfirmed``, ``contradicted`` ``disputed``; a participation's status picks the relation
  (signatory → ``signatory_of``, member → ``member_of``/``full_member``; joined, engaged, supporter
  and leader → ``partner_of`` with that status). ``leader``, ``joined``, ``engaged`` and
  ``supporter`` are concepts of our status scheme that ``cooperation-facts.csv`` has no value for;
  the sheet needs them to say what the founding article says.
* Quotes. A list member's row quotes the words that carry the relation and the member's own name,
  joined by " … " (``Venezuela … signed agreements and MoUs regarding the ILRS as national-level
  participants``); a two-name list quotes the clause. Every quote piece is a slice of the stored
  text, so "verbatim" holds by construction, and is checked anyway.
* Not scored: dates (extracted, with their precision and the inferred year), signers, their
  titles and witnesses, agreement kinds and titles, proposed new entities. The signer and witness
  pass was written after round 3 was scored, from a round-1 and a round-3 sentence ("… signed the
  Artemis Accords on behalf of the Government of …, in the presence of …"); it changes no scored
  fact."""


def pct(a, b):
    return f"{100 * a / b:.1f} %" if b else "–"


def report(scores: list[Score], skipped: list[str], timing) -> str:
    lines = [
        "# Extraction benchmark (`spacecoop extract`)",
        "",
        (
            f"Run on {platform.platform()}, Python {platform.python_version()}. Produced by "
            "`python benchmarks/extract.py`; method in its docstring."
        ),
        "",
    ]
    if skipped:
        lines += ["Skipped: " + "; ".join(skipped), ""]
    lines += [
        "## Summary",
        "",
        ROUNDS,
        "",
        (
            "| round | article | gold facts | extracted | recall | precision | entity links | "
            "quotes verbatim | seconds | first pass (recall / precision) |"
        ),
        "|---|---|---|---|---|---|---|---|---|---|",
    ]
    for s in sorted(scores, key=lambda s: (s.round, s.name)):
        tp, g, p = s.totals()
        fp = s.first_pass
        first = (
            (
                f"{100 * fp['recall']:.0f} % / "
                + ("–" if fp.get("precision") is None else f"{100 * fp['precision']:.0f} %")
            )
            if fp
            else "–"
        )
        lines.append(
            f"| {s.round or 'curated'} | {s.name} | {g} | {p} | {pct(tp, g)} | {pct(tp, p)} | "
            f"{pct(s.link_correct, s.link_total)} | {pct(s.quotes_ok, s.quotes_total)} | {s.seconds:.3f} | "
            f"{first} |"
        )
    lines += [
        "",
        "Per round (facts pooled):",
        "",
        ("| round | articles | gold facts | recall | precision | first-pass recall | first-pass precision |"),
        "|---|---|---|---|---|---|---|",
    ]
    for rnd in sorted({s.round for s in scores}):
        group = [s for s in scores if s.round == rnd]
        tp = sum(s.totals()[0] for s in group)
        g = sum(s.totals()[1] for s in group)
        p = sum(s.totals()[2] for s in group)
        f_tp = sum(round(s.first_pass.get("recall", 0) * s.totals()[1]) for s in group if s.first_pass)
        f_p = sum(s.first_pass.get("extracted", 0) for s in group if s.first_pass)
        first = (pct(f_tp, g), pct(f_tp, f_p)) if all(s.first_pass for s in group) else ("–", "–")
        lines.append(
            f"| {rnd or 'curated'} | {len(group)} | {g} | {pct(tp, g)} | {pct(tp, p)} | "
            f"{first[0]} | {first[1]} |"
        )
    for s in scores:
        lines += [
            "",
            f"## {s.name}: per relation",
            "",
            "| relation | gold | extracted | found | recall | precision |",
            "|---|---|---|---|---|---|",
        ]
        for rel, (tp, g, p) in sorted(s.per_relation.items()):
            lines.append(f"| {rel} | {g} | {p} | {tp} | {pct(tp, g)} | {pct(tp, p)} |")
        if s.missed:
            lines += [
                "",
                "Missed: "
                + "; ".join(
                    f"{f.subject} {f.relation} {f.object} ({f.status or '–'}, {f.certainty})"
                    for f in s.missed
                ),
            ]
        if s.spurious:
            lines += [
                "",
                "Extracted, not in the gold: "
                + "; ".join(
                    f"{f.subject} {f.relation} {f.object} ({f.status or '–'}, {f.certainty})"
                    for f in s.spurious
                ),
            ]
        if s.excluded:
            lines += [
                "",
                "Left out of the gold (no sheet relation): "
                + "; ".join(f"{n} × {why}" for why, n in sorted(s.excluded.items())),
            ]
    if timing:
        cold, warm, words, cli = timing
        lines += [
            "",
            "## Speed",
            "",
            (
                f"The founding page as stored ({words} words, site chrome included): "
                f"{cold:.2f} s cold in-process (caches emptied: the reference graph parsed, the gazetteer "
                f"and the entity look-up built), {warm:.3f} s warm (median of 5); the whole "
                f"`spacecoop extract` command as a new process, interpreter start and imports included: "
                f"{cli:.2f} s. Per 1,000 words: {cold * 1000 / words:.2f} s cold, "
                f"{cli * 1000 / words:.2f} s for the command. "
                "Target: under 2 s."
            ),
        ]
    lines += [
        "",
        "## Targets (founding article)",
        "",
        (
            "recall ≥ 90 %, precision ≥ 85 % (same relationship, "
            "status and certainty), quotes 100 % verbatim, under 2 s for 1,000 words."
        ),
        "",
        NOTES,
        "",
    ]
    return "\n".join(lines)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--out", type=Path, default=ROOT / "benchmarks" / "RESULTS-extract.md")
    ap.add_argument("--json", type=Path, default=None)
    args = ap.parse_args(argv)
    gs, skipped = golds()
    scores = [score(g) for g in gs]
    timing = (
        (*time_per_1000_words(FOUNDING_TEXT), time_cli(FOUNDING_TEXT)) if FOUNDING_TEXT.exists() else None
    )
    text = report(scores, skipped, timing)
    print(text)
    args.out.write_text(text, encoding="utf-8")
    if args.json:
        args.json.write_text(
            json.dumps(
                [
                    {
                        "name": s.name,
                        "recall": s.recall,
                        "precision": s.precision,
                        "links": [s.link_correct, s.link_total],
                        "quotes": [s.quotes_ok, s.quotes_total],
                        "seconds": s.seconds,
                        "per_relation": s.per_relation,
                    }
                    for s in scores
                ],
                indent=2,
            )
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
