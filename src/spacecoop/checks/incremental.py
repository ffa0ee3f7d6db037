"""SHACL results kept per focus node, so that a validation after an edit runs pySHACL only on the
nodes whose results the edit can change.

Why this is exact: with the constraints the shapes of ``ontology/shapes.ttl`` use (paths of one
predicate or its inverse, ``sh:class``, ``sh:node``, ``sh:or`` …, value tests), what pySHACL reads
to report on a focus node is bounded, and :func:`shape_reads` works it out from the shapes graph:
at level 0 the focus node's triples with the predicates of the paths (forward, or inverse for
``sh:inversePath``) and its ``rdf:type``; at level ``k + 1`` the triples of the values reached at
level ``k`` that nested shapes read (their ``rdf:type`` for ``sh:class``, ``skos:inScheme`` for the
concept shapes); and the ``rdfs:subClassOf`` triples, for targets and ``sh:class``. A focus node's
*fingerprint* (:class:`Reads`) hashes exactly those triples. Its results are a function of the
fingerprint, the shapes, the subclass triples and the versions of the code; so a result kept under
an equal fingerprint and an equal global key is the result a full run would give, and a node whose
fingerprint moved is validated again on a graph of just what it reads (:func:`validate_nodes`).
Shapes that use anything else (SPARQL constraints, ``sh:closed``, longer paths, implicit class
targets …) make :func:`shape_reads` answer None: then every validation runs in full.

Results are kept as N3 terms in ``shacl.json`` beside the compiled store, written atomically; a
kept entry is keyed by its node and fingerprint, so an entry written by another process for other
data never matches (never stale), and two processes writing at once leave one complete file.

Where the data comes as files, each with a key naming its path and bytes (what
:func:`spacecoop.core.load.load` keeps: ``Loaded.sources``), no fingerprint is computed (0.6 s of
1 s at 100k triples): the run keeps, with the results, what each file's triples touch (the
``(level, node)`` whose reads or steps hold them) and a hash per ``(level, node)`` of the derived
triples; the next run validates again the focus nodes whose reads lead to what the changed files
touch, old version and new, or to derived triples that moved (:func:`_changed_roots` says why that
is exact). Such a run keeps the focus nodes with results only: a focus node none of whose reads
changed was a focus node of the kept run (what makes a node one, its ``rdf:type`` or a triple of
a target predicate, is read at level 0), so one the file does not list had none. The file holds
the results of one whole run, so what it records of the files is what those results were
computed from. A file that is not what a run writes (cut short, a field missing or malformed) is
not used; one that is well formed is trusted, as the kept copies of parsed files are.
"""

from __future__ import annotations

import ast
import contextlib
import hashlib
import itertools
import json
import re
from collections.abc import Collection, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from rdflib import RDF, RDFS, BNode, Graph, Literal, URIRef
from rdflib.namespace import SH
from rdflib.term import Node

FORMAT = 3
"""Version of the layout of ``shacl.json`` (2: the files' touched nodes and the derived triples'
hashes; 3: a run on files keeps the nodes with results only, ``"sparse": true``)."""

MAX_LEVELS = 4
"""Deepest nesting of shapes (``sh:node`` in ``sh:node`` …) modelled; deeper shapes: full runs."""

_VALUE_ONLY = {
    SH[name]
    for name in (
        "datatype",
        "nodeKind",
        "minCount",
        "maxCount",
        "minLength",
        "maxLength",
        "pattern",
        "flags",
        "in",
        "hasValue",
        "languageIn",
        "uniqueLang",
        "minInclusive",
        "maxInclusive",
        "minExclusive",
        "maxExclusive",
        "qualifiedMinCount",
        "qualifiedMaxCount",
        "message",
        "name",
        "description",
        "severity",
        "deactivated",
        "order",
        "group",
        "defaultValue",
    )
}
"""Parameters that test the value nodes alone (or count them, or only label a result)."""

_SHAPE_LISTS = {SH["or"], SH["and"], SH.xone}
_SHAPE_REFS = {SH.node, SH["not"], SH.qualifiedValueShape}
_PAIRS = {SH.equals, SH.disjoint, SH.lessThan, SH.lessThanOrEquals}
_TARGETS = {SH.targetClass, SH.targetNode, SH.targetSubjectsOf, SH.targetObjectsOf}
_STRUCTURE = {SH.property, SH.path, SH.inversePath, SH["class"]}
_KNOWN = _VALUE_ONLY | _SHAPE_LISTS | _SHAPE_REFS | _PAIRS | _TARGETS | _STRUCTURE
"""Every ``sh:`` predicate a shapes graph may use for results to be kept (anything else: full runs)."""


def _targeted(shapes: Graph) -> set[Node]:
    """The shapes with targets of their own (``sh:targetClass`` …): the top-level shapes."""
    return {s for p in _TARGETS for s in shapes.subjects(p, None)}


def _classes_in(shapes: Graph) -> bool:
    """Whether any node of ``shapes`` is a class: a shape that is also a class targets its
    instances implicitly, with no target triple to read."""
    from rdflib.namespace import OWL

    return any((None, RDF.type, c) in shapes for c in (RDFS.Class, OWL.Class))


@dataclass(frozen=True)
class ShapeReads:
    """What pySHACL reads around a focus node, level by level (level 0: the node itself)."""

    reads: tuple[frozenset[tuple[URIRef, bool]], ...]
    """Per level: (predicate, inverse) of the triples read on each node of that level."""
    steps: tuple[frozenset[tuple[URIRef, bool]], ...]
    """Per level: (predicate, inverse) of the paths that lead to the next level's nodes."""
    target_classes: frozenset[URIRef]
    target_nodes: frozenset[Node]
    target_subjects_of: frozenset[URIRef]
    target_objects_of: frozenset[URIRef]

    def describe(self) -> str:
        """A stable text of the model (part of the global key)."""

        def terms(items) -> str:
            return ",".join(sorted(f"{'^' if inv else ''}{p.n3()}" for p, inv in items))

        lines = [
            f"{k}: {terms(r)} | {terms(s)}"
            for k, (r, s) in enumerate(zip(self.reads, self.steps, strict=True))
        ]
        for name in ("target_classes", "target_nodes", "target_subjects_of", "target_objects_of"):
            lines.append(f"{name}: " + ",".join(sorted(t.n3() for t in getattr(self, name))))
        return "\n".join(lines)


class _Unsupported(Exception):
    pass


def shape_reads(shapes: Graph) -> ShapeReads | None:
    """Return what the shapes read around a focus node, or None when they use a constraint whose
    reads are not modelled here (then results cannot be kept; see the module notes).

    Examples
    --------
    >>> from rdflib import Graph
    >>> g = Graph().parse(data='''
    ...   @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
    ...   ex:S sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:class ex:D ] .''', format="turtle")
    >>> model = shape_reads(g)
    >>> sorted(str(p).rsplit("/", 1)[1] for p, _ in model.reads[0]), len(model.reads)
    (['22-rdf-syntax-ns#type', 'p'], 2)
    """
    for _, p, _ in shapes:
        if isinstance(p, URIRef) and str(p).startswith(str(SH)) and p not in _KNOWN:
            return None
    # implicit class targets: a shape that is also a class targets its instances
    for kind in (RDFS.Class, URIRef("http://www.w3.org/2002/07/owl#Class")):
        if any((s, RDF.type, kind) in shapes for s in shapes.subjects(SH.property, None)):
            return None
    reads: list[set[tuple[URIRef, bool]]] = [set() for _ in range(MAX_LEVELS + 2)]
    steps: list[set[tuple[URIRef, bool]]] = [set() for _ in range(MAX_LEVELS + 2)]
    seen: set[tuple[Node, int]] = set()

    def path_of(shape: Node) -> tuple[URIRef, bool]:
        path = shapes.value(shape, SH.path)
        if isinstance(path, URIRef):
            return path, False
        inverse = shapes.value(path, SH.inversePath) if path is not None else None
        if (
            isinstance(path, BNode)
            and isinstance(inverse, URIRef)
            and len(set(shapes.triples((path, None, None)))) == 1
        ):
            return inverse, True
        raise _Unsupported(f"path {path!r}")

    def members(shape: Node, preds: set[URIRef]) -> list[Node]:
        out: list[Node] = []
        for p in preds:
            for ref in shapes.objects(shape, p):
                if p in _SHAPE_LISTS:
                    out.extend(shapes.items(ref))
                else:
                    out.append(ref)
        return out

    def walk(shape: Node, level: int) -> None:
        if level > MAX_LEVELS:
            raise _Unsupported("shapes nested too deep")
        if (shape, level) in seen:
            return
        seen.add((shape, level))
        if (shape, SH.path, None) in shapes:  # a property shape on the node of this level
            step = path_of(shape)
            reads[level].add(step)
            steps[level].add(step)
            values = level + 1
        else:
            values = level
        for p in _PAIRS:
            for other in shapes.objects(shape, p):
                if not isinstance(other, URIRef):
                    raise _Unsupported("pair constraint on a path")
                reads[level].add((other, False))
        if (shape, SH["class"], None) in shapes:
            reads[values].add((RDF.type, False))
        for nested in members(shape, _SHAPE_LISTS | _SHAPE_REFS):
            walk(nested, values)
        for prop in shapes.objects(shape, SH.property):
            walk(prop, values)

    try:
        for shape in _targeted(shapes):
            walk(shape, 0)
    except _Unsupported:
        return None
    reads[0].add((RDF.type, False))
    subjects_of = frozenset(o for o in shapes.objects(None, SH.targetSubjectsOf) if isinstance(o, URIRef))
    objects_of = frozenset(o for o in shapes.objects(None, SH.targetObjectsOf) if isinstance(o, URIRef))
    reads[0].update((p, False) for p in subjects_of)
    reads[0].update((p, True) for p in objects_of)
    depth = max(k for k in range(len(reads)) if reads[k] or k == 0) + 1
    return ShapeReads(
        tuple(frozenset(r) for r in reads[:depth]),
        tuple(frozenset(s) for s in steps[:depth]),
        frozenset(o for o in shapes.objects(None, SH.targetClass) if isinstance(o, URIRef)),
        frozenset(shapes.objects(None, SH.targetNode)),
        subjects_of,
        objects_of,
    )


class Reads:
    """The merged data graph indexed for what :class:`ShapeReads` reads, and the fingerprints of
    focus nodes computed from it."""

    def __init__(self, model: ShapeReads, triples) -> None:
        self._setup(model)
        preds = {p for level in (*model.reads, *model.steps) for p, _ in level}
        inverse = self._inverse
        # subject -> predicate -> objects (the predicates the shapes read; of_dataset: all), and
        # object -> predicate -> subjects for the predicates of _inverse
        fwd: dict[Node, dict[URIRef, set[Node]]] = {}
        rev: dict[Node, dict[URIRef, set[Node]]] = {}
        self.fwd: Mapping[Node, Mapping[Any, Collection[Node]]] = fwd
        self.inv: Mapping[Node, Mapping[Any, Collection[Node]]] = rev
        self.subclass: set[tuple[Node, Node]] = set()
        # What each predicate is to the index, asked once per predicate: the sets above hold the
        # shapes graph's terms, so a look-up of a data term in them compared the two in Python
        # (rdflib's __eq__: 200,000 calls at 100k triples); a data predicate is mostly one object
        # for all of its triples, found here by identity.
        roles: dict[URIRef, int] = {}
        for s, p, o in triples:
            role = roles.get(p)
            if role is None:
                role = roles[p] = (p in preds) | (p in inverse) << 1 | (p == RDFS.subClassOf) << 2
            if role & 1:
                fwd.setdefault(s, {}).setdefault(p, set()).add(o)
                if role & 2:
                    rev.setdefault(o, {}).setdefault(p, set()).add(s)
            if role & 4:
                self.subclass.add((s, o))
        # each predicate of the data as the data's own object, for look-ups by identity
        self._predicates: dict[URIRef, URIRef] = {p: p for p in roles}

    @classmethod
    def of_dataset(cls, model: ShapeReads, ds) -> Reads | None:
        """The index of ``ds``'s triples, every graph merged, read from its in-memory store's
        own indexes (:func:`spacecoop.core.rdfbulk.merged_view`: rdflib's plain ``Memory``
        store of a checked version); else None.

        The store's subject index (subject -> predicate -> {object: 1}) is :attr:`fwd` as it
        is, read and never written; :attr:`inv` is made from its predicate index for the
        predicates read inversely. Building the index from the triples took 113-174 ms at 100k
        triples, in the process whose SHACL ends a validation after an edit; this takes 20 ms.
        :attr:`fwd` then holds every predicate, not only those the shapes read: each reader
        filters by the predicates of its level, and a node found by :meth:`node_of` through a
        predicate no shape reads only makes more nodes validated again.
        """
        from spacecoop.core.rdfbulk import merged_view

        view = merged_view(ds)
        if view is None:
            return None
        pos = view.pos
        self = cls.__new__(cls)
        self._setup(model)
        own: dict[URIRef, URIRef] = {p: p for p in pos}
        self._predicates = own
        self.fwd = view.spo
        rev: dict[Node, dict[Any, Collection[Node]]] = {}
        for p in self._inverse:
            data_p = own.get(p)
            for o, subjects in pos.get(data_p, {}).items() if data_p is not None else ():
                here = rev.get(o)
                if here is None:
                    here = rev[o] = {}
                here[data_p] = subjects
        self.inv = rev
        subclass = own.get(RDFS.subClassOf)
        found = pos.get(subclass, {}) if subclass is not None else {}
        self.subclass = {(s, o) for o, subjects in found.items() for s in subjects}
        return self

    def _setup(self, model: ShapeReads) -> None:
        """What every index holds besides the data: the model and what is made of it."""
        self.model = model
        # indexed object -> subjects too: the inverse reads, and the forward steps (a node's
        # parents, for :meth:`stale_roots`)
        inverse = {p for level in (*model.reads, *model.steps) for p, inv in level if inv}
        inverse |= {p for level in model.steps for p, inv in level if not inv}
        self._inverse = inverse
        self._n3: dict[Node, str] = {}
        self._local: list[dict[Node, str]] = [{} for _ in model.reads]
        self._fwd_reads = [frozenset(p for p, inv in level if not inv) for level in model.reads]
        self._inv_reads = [frozenset(p for p, inv in level if inv) for level in model.reads]
        self._fwd_steps = [frozenset(p for p, inv in level if not inv) for level in model.steps]
        self._inv_steps = [frozenset(p for p, inv in level if inv) for level in model.steps]
        # predicate -> (levels a triple of it counts for its subject, levels it counts for its object)
        touch: dict[URIRef, tuple[list[int], list[int]]] = {}
        for k, (reads, steps) in enumerate(zip(model.reads, model.steps, strict=True)):
            for p, inv in reads | steps:
                levels = touch.setdefault(p, ([], []))[1 if inv else 0]
                if k not in levels:
                    levels.append(k)
        self._touch = {p: (tuple(a), tuple(b)) for p, (a, b) in touch.items()}
        self._by_n3: dict[str, Node] | None = None

    def n3(self, term: Node) -> str:
        text = self._n3.get(term)
        if text is None:
            text = self._n3[term] = n3_text(term)
        return text

    def subclass_key(self) -> str:
        """A hash of every ``rdfs:subClassOf`` triple (targets and ``sh:class`` follow them)."""
        h = hashlib.sha256()
        for line in sorted(f"{self.n3(s)} {self.n3(o)}" for s, o in self.subclass):
            h.update(line.encode("utf-8", "surrogatepass") + b"\n")
        return h.hexdigest()

    def targets(self) -> set[Node]:
        """The focus nodes of the shapes, found as pySHACL finds them."""
        m = self.model
        classes: set[Node] = set(m.target_classes)
        grew = True
        while grew:  # transitive subclasses
            more = {s for s, o in self.subclass if o in classes and s not in classes}
            classes |= more
            grew = bool(more)
        out: set[Node] = set(m.target_nodes)
        # the data's own objects for the predicates, and each class asked once (see __init__)
        own = self._predicates
        rdf_type = own.get(RDF.type, RDF.type)
        subjects_of = {own.get(p, p) for p in m.target_subjects_of}
        objects_of = {own.get(p, p) for p in m.target_objects_of}
        targeted: dict[Node, bool] = {}
        for s, by_pred in self.fwd.items():
            for t in by_pred.get(rdf_type, ()):
                found = targeted.get(t)
                if found is None:
                    found = targeted[t] = t in classes
                if found:
                    out.add(s)
                    break
            if subjects_of and not subjects_of.isdisjoint(by_pred):
                out.add(s)
        if objects_of:
            for o, by_pred in self.inv.items():
                if not objects_of.isdisjoint(by_pred):
                    out.add(o)
        return out

    def _values(self, level: int, node: Node) -> set[Node]:
        out: set[Node] = set()
        for index, steps in ((self.fwd, self._fwd_steps[level]), (self.inv, self._inv_steps[level])):
            for p, found in index.get(node, {}).items():
                if p in steps:
                    out.update(found)
        return out

    def _local_of(self, level: int, node: Node) -> str:
        memo = self._local[level]
        text = memo.get(node)
        if text is None:
            lines: list[str] = []
            n3 = self.n3
            for index, reads, tag in (
                (self.fwd, self._fwd_reads[level], ""),
                (self.inv, self._inv_reads[level], "^"),
            ):
                for p, found in index.get(node, {}).items():
                    if p in reads:
                        head = f"{tag}{n3(p)} "
                        lines.extend(head + n3(o) for o in found)
            lines.sort()
            text = memo[node] = hashlib.sha1(
                "\n".join(lines).encode("utf-8", "surrogatepass"), usedforsecurity=False
            ).hexdigest()
        return text

    def levels(self, nodes: set[Node]) -> list[set[Node]]:
        """The nodes of each level reached from ``nodes`` (level 0)."""
        out = [set(nodes)]
        for k in range(1, len(self.model.reads)):
            reached: set[Node] = set()
            for x in out[k - 1]:
                reached |= self._values(k - 1, x)
            out.append(reached)
        return out

    def fingerprint(self, node: Node) -> str:
        """A hash of every triple pySHACL reads to report on ``node`` (see the module notes)."""
        h = hashlib.sha1(usedforsecurity=False)
        for k, nodes in enumerate(self.levels({node})):
            h.update(f"level {k}\n".encode())
            for line in sorted(f"{self.n3(x)} {self._local_of(k, x)}" for x in nodes):
                h.update(line.encode("utf-8", "surrogatepass") + b"\n")
        return h.hexdigest()

    def _touches(self, triples) -> Iterator[tuple[tuple[int, Node], str, Node, Node]]:
        """For each of ``triples`` (or quads) and each ``(level, node)`` it touches, that key with
        the triple as the node reads it: ``(key, tag, predicate, other end)``, tag "^" when read
        inversely (see :meth:`touched`)."""
        touch = self._touch
        for t in triples:
            found = touch.get(t[1])
            if found is not None:
                for k in found[0]:
                    yield (k, t[0]), "", t[1], t[2]
                for k in found[1]:
                    yield (k, t[2]), "^", t[1], t[0]

    def touched(self, triples) -> set[tuple[int, Node]]:
        """The ``(level, node)`` whose reads or steps hold any of ``triples`` (present or not): a
        triple ``s p o`` that a node reads at level ``k`` (its own, or one of the steps to the
        next level) counts for ``(k, s)``, or for ``(k, o)`` when ``p`` is read inversely."""
        return {key for key, *_ in self._touches(triples)}

    def touched_texts(self, touched: set[tuple[int, Node]]) -> list[str]:
        """``touched`` as texts that stay the same across processes (``"level n3"``, sorted)."""
        return sorted(f"{k} {self.n3(x)}" for k, x in touched)

    def touched_digests(self, triples) -> dict[str, str]:
        """For each ``(level, node)`` that ``triples`` touch (as text, see :meth:`touched_texts`),
        a hash of the distinct triples that touch it: two sets of triples give the same hash for a
        ``(level, node)`` exactly when they hold the same triples for it."""
        n3 = self.n3
        lines: dict[tuple[int, Node], list[str]] = {}
        for key, tag, p, other in self._touches({(t[0], t[1], t[2]) for t in triples}):
            lines.setdefault(key, []).append(f"{tag}{n3(p)} {n3(other)}")
        return {
            f"{k} {n3(x)}": hashlib.sha1(
                "\n".join(sorted(found)).encode("utf-8", "surrogatepass"), usedforsecurity=False
            ).hexdigest()
            for (k, x), found in lines.items()
        }

    def node_of(self, text: str) -> Node | None:
        """The node of this graph whose :meth:`n3` is ``text``, or None if no triple the shapes
        read holds it (read from a Dataset, :meth:`of_dataset`: no triple at all).

        An IRI or a blank node is made from its text (``<iri>``, ``_:label``, or :func:`n3_text`'s
        own text for an IRI rdflib will not write) and checked by writing it back; only the other
        nodes (literals) are looked up in a map of their texts, made once. A map of every node
        took 40-70 ms at 100k triples, and every validation after an edit of a file with blank
        nodes asked for it.
        """
        named: Node | None = None
        if text.startswith("<") and text.endswith(">"):
            named = URIRef(text[1:-1])
        elif text.startswith("_:"):
            named = BNode(text[2:])
        elif text.startswith("!('URIRef', "):
            with contextlib.suppress(ValueError, SyntaxError, MemoryError, RecursionError):
                told = ast.literal_eval(text[1:])
                if isinstance(told, tuple) and len(told) == 4 and isinstance(told[1], str):
                    named = URIRef(told[1])
        if named is not None:  # a literal's text starts otherwise ('"', or n3_text's "!('Literal'")
            found = named in self.fwd or named in self.inv
            return named if found and self.n3(named) == text else None
        if self._by_n3 is None:
            self._by_n3 = {
                self.n3(x): x
                for index in (self.fwd, self.inv)
                for x in index
                if type(x) is not URIRef and type(x) is not BNode
            }
        return self._by_n3.get(text)

    def stale_roots(self, touched: set[tuple[int, Node]]) -> set[Node]:
        """The nodes whose reads at level 0 lead, level by level, to a touched ``(level, node)``:
        the focus nodes whose results an edit of the touched nodes' reads or steps can change."""
        depth = len(self.model.reads)
        at: list[set[Node]] = [set() for _ in range(depth)]
        for k, x in touched:
            if k < depth:
                at[k].add(x)
        for k in range(depth - 1, 0, -1):  # parents at level k - 1 of the nodes at level k
            fwd_steps, inv_steps = self._fwd_steps[k - 1], self._inv_steps[k - 1]
            up = at[k - 1]
            for x in at[k]:
                for index, steps in ((self.inv, fwd_steps), (self.fwd, inv_steps)):
                    for p, found in index.get(x, {}).items():
                        if p in steps:
                            up.update(found)
        return at[0]

    def subgraph(self, nodes: set[Node]) -> Graph:
        """The triples pySHACL reads to report on ``nodes``, and every ``rdfs:subClassOf``."""
        g = Graph()
        for s, o in self.subclass:
            g.add((s, RDFS.subClassOf, o))
        for k, level in enumerate(self.levels(nodes)):
            for x in level:
                for p, inv in self.model.reads[k]:
                    found = (self.inv if inv else self.fwd).get(x, {}).get(p)
                    for o in found or ():
                        g.add((o, p, x) if inv else (x, p, o))
        return g


def n3_text(term: Node) -> str:
    """``term.n3()``, or, for a term rdflib will not write, a text of its own that no N3 text is.

    rdflib reads an IRI with a space (``<country/thai land>``) with a warning and then refuses to
    write it; ``validate`` reports such a term as an ``rdf-term`` violation naming its file. Its
    SHACL results are found, kept and compared like any other node's: the fingerprints and the
    kept results need a text for every term, not only for those rdflib writes.

    Examples
    --------
    >>> from rdflib import URIRef
    >>> n3_text(URIRef("urn:x:a"))
    '<urn:x:a>'
    >>> n3_text(URIRef("urn:x:a b"))
    "!('URIRef', 'urn:x:a b', None, '')"
    """
    try:
        return term.n3()
    except Exception:  # rdflib raises a bare Exception for an IRI it will not write
        language = getattr(term, "language", None)
        datatype = getattr(term, "datatype", None)
        return "!" + repr((type(term).__name__, str(term), language, str(datatype or "")))


Raw = tuple[str, str, str, str, str, str, tuple[str, ...], str]
"""One top-level result: (focus node in N3, path IRI, value as kind, text, datatype, language,
messages, constraint component); "" where pySHACL gives none. A path that is not an IRI (an
inverse path, a blank node of the shapes graph, new on every parse) is kept as "^"."""


def raw_results(results: Graph) -> list[tuple[Node, Raw]]:
    """The top-level results of a pySHACL results graph, with their focus node (nested
    ``sh:detail`` results of ``sh:node`` repeat what their parent says)."""
    out = []
    for r in results.objects(None, SH.result):
        node = results.value(r, SH.focusNode)
        if node is None:
            continue
        path = results.value(r, SH.resultPath)
        msgs = tuple(sorted(str(m) for m in results.objects(r, SH.resultMessage)))
        comp = results.value(r, SH.sourceConstraintComponent)
        raw = (
            n3_text(node),
            "" if path is None else str(path) if isinstance(path, URIRef) else "^",
            *_term_fields(results.value(r, SH.value)),
            msgs,
            "" if comp is None else str(comp),
        )
        out.append((node, raw))
    return out


def _term_fields(term) -> tuple[str, str, str, str]:
    if term is None:
        return ("", "", "", "")
    if isinstance(term, Literal):
        return ("l", str(term), str(term.datatype or ""), term.language or "")
    return ("b" if isinstance(term, BNode) else "u", str(term), "", "")


def value_of(raw: Raw) -> Node | None:
    """The value term of a result (None when it has none)."""
    kind, text, datatype, lang = raw[2:6]
    if kind == "l":
        if lang:
            return Literal(text, lang=lang)
        return Literal(text, datatype=URIRef(datatype) if datatype else None)
    if kind == "b":
        return BNode(text)
    return URIRef(text) if kind == "u" else None


def run_pyshacl(data: Graph, shapes: Graph, use_shapes: list[URIRef] | None = None) -> Graph:
    """Run pySHACL as :func:`spacecoop.checks.validate.check_shacl` does; return the results graph.

    ``data`` is always a graph made for this run (the merge, or a node's subgraph), so pySHACL
    validates it in place: in advanced mode it otherwise copies the whole data graph first, in
    case SHACL rules add to it (about 3.5 s at 100k triples, and no rule is in our shapes).
    Its ``sh:or`` stops at the first member that conforms (:mod:`spacecoop.checks.shacl_or`).
    ``use_shapes``: only these top-level shapes (see :func:`pyshacl_raw`).
    """
    import pyshacl

    from spacecoop.checks.shacl_or import or_stops_at_first

    only: list[str | URIRef] | None = list(use_shapes) if use_shapes else None
    with or_stops_at_first():
        _, results, _ = pyshacl.validate(
            data,
            shacl_graph=shapes,
            inference="none",
            advanced=True,
            allow_warnings=True,
            inplace=True,
            use_shapes=only,
        )
    return results


PARALLEL_MIN_TRIPLES = 20_000
"""Below this many triples of data, pySHACL runs in this process (a fork costs more than it saves)."""

MAX_PROCESSES = 4
"""At most this many processes share out the shapes (each may come to copy most of the data)."""

TASKS_PER_PROCESS = 3
"""The shapes go into this many groups per process, handed out largest first as processes come
free: the estimate of a shape's work is rough (at 100k triples one shape with few constraints
took twice as long as one with twice as many), and a spare group evens the ends out (a group
costs one more pySHACL setup, a fraction of a second)."""

_FORKED: list[tuple[Graph, Graph]] = []  # the data and shapes a forked process validates


HOISTED = "urn:x-spacecoop:shacl:hoisted:"
"""The start of the IRIs :func:`hoisted_shapes` gives the shapes it makes (never in results)."""


def hoisted_shapes(shapes: Graph) -> Graph:
    """Return ``shapes`` with each ``sh:property`` of a targeted node shape made a shape of its
    own with the same targets: the same results from pySHACL, in about half the time.

    Why faster: pySHACL validates a node shape's property shapes one focus node at a time, and
    each call starts over (it reads the shape's parameters from the shapes graph, scans a list of
    every constraint parameter for each, and builds each constraint again): at 100k triples, the
    13 property shapes of ``scs:ClaimShape`` made 104k such calls for 8k claims. A property shape
    with targets of its own is validated once for all its focus nodes.

    Why the same: in SHACL, a node shape's results on a focus node are its own constraints'
    results plus the results of each ``sh:property`` shape validated with that node as focus
    (the property constraint adds no result of its own). So for a node shape ``S`` with targets
    (an IRI, not ``sh:deactivated``, using no ``sh:`` term outside :data:`_KNOWN`, such as
    ``sh:closed``, which reads the property shapes), the copy has:

    - ``S`` as it is, but without its targets (``sh:node S`` elsewhere still checks everything);
    - a new shape with ``S``'s targets and every triple of ``S`` but ``sh:property``;
    - for each property shape ``P`` of ``S`` (one with a ``sh:path``), a new shape with ``S``'s
      targets and every triple of ``P`` but its own targets.

    The new shapes are IRIs (so that :func:`pyshacl_raw` can share them out among processes)
    starting with :data:`HOISTED`; no result names its shape (:data:`Raw`). Shapes where any of
    this does not hold (implicit class targets anywhere, a property shape without a path, which
    pySHACL refuses) are left as they are. ``shapes`` is not changed.

    Examples
    --------
    >>> g = Graph().parse(data='''
    ...   @prefix sh: <http://www.w3.org/ns/shacl#> . @prefix ex: <http://example.org/> .
    ...   ex:S sh:targetClass ex:C ; sh:property [ sh:path ex:p ; sh:minCount 1 ] .''', format="turtle")
    >>> h = hoisted_shapes(g)
    >>> len(set(h.subjects(SH.targetClass, None))), (None, SH.targetClass, None) in g
    (2, True)
    >>> sum(1 for s in h.subjects(SH.targetClass, None) if (s, SH.path, None) in h)
    1
    """
    if _classes_in(shapes):
        return shapes  # implicit class targets: a shape's targets are not all in its triples
    movable: list[URIRef] = []
    for s in sorted(_targeted(shapes), key=str):
        preds = set(shapes.predicates(s, None))
        props = set(shapes.objects(s, SH.property))
        if (
            not isinstance(s, URIRef)
            or not props
            or SH.path in preds  # a property shape's properties read its values, not its focus
            or SH.deactivated in preds
            or any(str(p).startswith(str(SH)) and p not in _KNOWN for p in preds)
            or s in props
            or any((p, SH.path, None) not in shapes for p in props)
        ):
            continue
        movable.append(s)
    if not movable:
        return shapes
    out = Graph()
    for prefix, namespace in shapes.namespaces():
        out.bind(prefix, namespace, override=True, replace=True)
    for t in shapes:
        out.add(t)

    made = (URIRef(f"{HOISTED}{k}") for k in itertools.count(1))
    for s in movable:
        targets = [(p, o) for p in sorted(_TARGETS) for o in shapes.objects(s, p)]
        for p, o in targets:
            out.remove((s, p, o))
        core = next(made)
        for pred, o in shapes.predicate_objects(s):
            if pred != SH.property:
                out.add((core, pred, o))
        for prop in shapes.objects(s, SH.property):
            copy = next(made)
            for pred, o in shapes.predicate_objects(prop):
                if pred not in _TARGETS:
                    out.add((copy, pred, o))
            for p, o in targets:
                out.add((copy, p, o))
    return out


def pyshacl_raw(data: Graph, shapes: Graph, processes: int | None = None) -> list[tuple[Node, Raw]]:
    """Return :func:`raw_results` of pySHACL on ``data``, sharing the top-level shapes out among
    forked processes on a large graph.

    The shapes are first :func:`hoisted_shapes`. pySHACL is pure Python and runs on one core: at
    100k triples a full run took about 30 s; 7 s on the hoisted shapes with ``sh:or`` shortened
    (:mod:`spacecoop.checks.shacl_or`). A top-level result comes
    from one shape with targets, and validating one shape reads the data only, so the results of
    all shapes are the union of the results of groups of shapes, each validated by its own process
    (forked: it shares this process's graph, nothing is copied or parsed). The groups are balanced
    by an estimate of each shape's work (its focus nodes times its constraints). Any shape this
    cannot see in full (targets by SPARQL ``sh:target``, implicit class targets, a blank-node
    shape) keeps one run in this process, as does a process that dies (out of memory: then the
    shapes run here, one after another).

    ``processes``: how many (default: ``$SPACECOOP_SHACL_PROCESSES`` if set, 1 turning this off;
    else one per core, at most :data:`MAX_PROCESSES`, as memory allows, and 1 below
    :data:`PARALLEL_MIN_TRIPLES` triples).
    """
    from spacecoop.core.forking import can_fork, fork_map

    shapes = hoisted_shapes(shapes)
    if processes is None:
        processes = _processes(data)
    groups = []
    if processes > 1 and can_fork():
        groups = _shape_groups(data, shapes, processes * TASKS_PER_PROCESS)
    if len(groups) < 2:
        return raw_results(run_pyshacl(data, shapes))
    from concurrent.futures.process import BrokenProcessPool

    _FORKED[:] = [(data, shapes)]
    try:
        # a free process takes the next group
        parts = fork_map(min(processes, len(groups)), _run_group, groups)
    except BrokenProcessPool:  # a process was killed (out of memory): one run here
        return raw_results(run_pyshacl(data, shapes))
    finally:
        _FORKED.clear()
    return [found for part in parts for found in part]


def _run_group(group: list[URIRef]) -> list[tuple[Node, Raw]]:
    data, shapes = _FORKED[0]
    return raw_results(run_pyshacl(data, shapes, use_shapes=group))


def _processes(data: Graph) -> int:
    import os

    given = os.environ.get("SPACECOOP_SHACL_PROCESSES", "").strip()
    if given:
        if not given.isdigit() or int(given) < 1:
            from spacecoop.core.errors import UsageError

            raise UsageError(f"SPACECOOP_SHACL_PROCESSES must be a whole number from 1, not {given!r}")
        return int(given)
    if len(data) < PARALLEL_MIN_TRIPLES:
        return 1
    from spacecoop.core.forking import copies_that_fit, cores

    return copies_that_fit(min(cores(), MAX_PROCESSES))


def _shape_groups(data: Graph, shapes: Graph, parts: int) -> list[list[URIRef]]:
    """The top-level shapes (those with targets) in at most ``parts`` groups of about equal work,
    the largest first, each with the named shapes they use, or [] when they cannot be shared out
    (see :func:`pyshacl_raw`).

    pySHACL, given shapes to use, leaves out every shape named by an IRI that is not given (a
    constraint ``sh:property scs:LabelShape`` then checks nothing): each group lists the named
    shapes its top-level shapes reach (they have no targets of their own, so they add no top-level
    result). Top-level shapes that reach one another stay in one group (else a shape's own
    results would come from two groups).
    """
    if parts < 2 or (None, SH.target, None) in shapes or _classes_in(shapes):
        return []  # targets by SPARQL, or implicit class targets
    found = _targeted(shapes)
    top = sorted((s for s in found if isinstance(s, URIRef)), key=str)
    if not top or len(top) != len(found):
        return []  # none, or a blank-node shape (pySHACL picks shapes by IRI)
    reach = {shape: _named_reach(shapes, shape) for shape in top}
    # units: top-level shapes joined when one reaches another
    unit = {shape: {shape} for shape in top}
    for shape in top:
        for other in reach[shape] & unit.keys():
            if unit[other] is not unit[shape]:
                merged = unit[shape] | unit[other]
                for member in merged:
                    unit[member] = merged
    units = sorted({id(u): u for u in unit.values()}.values(), key=lambda u: min(map(str, u)))

    def work(shape: URIRef) -> int:
        nodes = sum(1 for c in shapes.objects(shape, SH.targetClass) for _ in data.subjects(RDF.type, c))
        nodes += sum(1 for _ in shapes.objects(shape, SH.targetNode))
        for p in shapes.objects(shape, SH.targetSubjectsOf):
            nodes += len(set(data.subjects(p, None)))
        for p in shapes.objects(shape, SH.targetObjectsOf):
            nodes += len(set(data.objects(None, p)))
        constraints = sum(1 for _ in shapes.predicate_objects(shape)) + sum(
            1 for prop in shapes.objects(shape, SH.property) for _ in shapes.predicate_objects(prop)
        )
        return (nodes + 1) * constraints

    costs = [sum(work(shape) for shape in u) for u in units]
    bins: list[set[URIRef]] = [set() for _ in range(parts)]
    loads = [0] * parts
    for i in sorted(range(len(units)), key=lambda i: -costs[i]):  # largest first, to the least loaded
        b = loads.index(min(loads))
        bins[b] |= units[i]
        loads[b] += costs[i]
    groups = []
    for b in sorted(range(parts), key=lambda b: -loads[b]):
        if bins[b]:
            named = bins[b].union(*(reach[shape] for shape in bins[b]))
            groups.append(sorted(named, key=str))
    return groups


_SHAPE_VALUED = (SH.property, SH.node, SH["not"], SH.qualifiedValueShape)
_SHAPE_LISTED = (SH["and"], SH["or"], SH.xone)


def _named_reach(shapes: Graph, shape: URIRef) -> set[URIRef]:
    """The shapes named by an IRI that ``shape`` uses, directly or through other shapes."""
    seen: set[Node] = set()
    todo: list[Node] = [shape]
    while todo:
        here = todo.pop()
        for p, o in shapes.predicate_objects(here):
            if p in _SHAPE_VALUED:
                used = [o]
            elif p in _SHAPE_LISTED:
                used = list(shapes.items(o))
            else:
                continue
            for u in used:
                if u not in seen:
                    seen.add(u)
                    todo.append(u)
    return {u for u in seen if isinstance(u, URIRef) and u != shape}


def shacl_results(
    triples,
    shapes: Graph,
    merged,
    cache: Path | None,
    shapes_id: str,
    files: list[tuple[str | None, list]] | None = None,
    derived=None,
    dataset=None,
) -> list[tuple[Node, Raw]]:
    """Return the top-level SHACL results of the merged data, each with its focus node, sorted
    by :data:`Raw`.

    Parameters
    ----------
    triples : callable
        Returns an iterable of the merged data's triples (read once when results can be kept).
    shapes : Graph
    merged : callable
        Returns the merged data as one rdflib Graph (for a full run).
    cache : path or None
        The file of kept results; None runs pySHACL on everything and keeps nothing.
    shapes_id : str
        Identifies the shapes and the code (part of the global key).
    files : list, optional
        The data as files: ``(key, triples)`` each, ``key`` naming the file's path and content
        (None: a file whose triples are new on every load, blank nodes). With ``derived``, every
        triple of ``triples``. Given, what changed is found by comparing the files with those of
        the run that kept the results (:func:`_changed_roots`), instead of a fingerprint of every
        focus node.
    derived : callable, optional
        Returns the triples derived from the files (the shortcut edges): compared as a whole.
    dataset : rdflib.Dataset, optional
        Holds the merged data too: its store's own indexes are read (:meth:`Reads.of_dataset`)
        instead of indexing ``triples`` where they can be.
    """
    from spacecoop.core.gcpause import collector_paused

    def merged_graph() -> Graph:
        with collector_paused():  # many small objects made and kept (see spacecoop.core.gcpause)
            return merged()

    # pySHACL itself runs with the collector as it was: it makes and drops graphs with cycles
    model = shape_reads(shapes) if cache is not None else None
    if model is None or cache is None:
        return sorted(pyshacl_raw(merged_graph(), shapes), key=lambda x: x[1])
    with collector_paused():  # the index and the fingerprints: 100k triples, 0.2 s of 1.1 s
        index = Reads.of_dataset(model, dataset) if dataset is not None else None
        if index is None:
            index = Reads(model, triples())
        key = hashlib.sha256(
            f"spacecoop-shacl {FORMAT}\n{shapes_id}\n{model.describe()}\n{index.subclass_key()}\n".encode()
        ).hexdigest()
        state = _read(cache, key)
        kept = state.nodes
        targets = index.targets()
        file_texts: dict[str, list[str]] | None = None
        derived_now: dict[str, str] | None = None
        if files is not None:  # what changed, from the files; no fingerprint computed
            derived_now = index.touched_digests(derived() if derived is not None else ())
            changed, file_texts = _changed_roots(index, state, files, derived_now)
            prints = dict.fromkeys(targets, "")

            def unchanged(n: Node, kept_print: str) -> bool:  # the kept print is not used
                return changed is not None and n not in changed

        else:
            prints = {n: index.fingerprint(n) for n in targets}

            def unchanged(n: Node, kept_print: str) -> bool:
                return kept_print == prints[n]

        out: dict[Node, list[Raw]] = {}
        stale: set[Node] = set()
        if files is not None and state.sparse:
            # The kept run wrote the focus nodes with results only: every other one it validated
            # had none, and a focus node that is not in `changed` was one of its focus nodes (a
            # node becomes one by a triple of its own, read at level 0: a change that touches it).
            # No text is written per focus node (16,000 at 100k triples) to find its entry.
            results = {index.node_of(text): entry[1] for text, entry in kept.items()}
            for n in targets:
                if changed is None or n in changed or isinstance(n, BNode):
                    stale.add(n)
                else:
                    out[n] = results.get(n, [])
        else:
            for n in targets:
                entry = kept.get(index.n3(n))
                if entry is not None and not isinstance(n, BNode) and unchanged(n, entry[0]):
                    out[n] = entry[1]
                else:
                    stale.add(n)
        del kept
    # the file is written again when a result was found again, or what it records of the files moved
    if stale or (files is not None and (state.files != file_texts or state.derived != derived_now)):
        if len(stale) * 2 > len(targets):  # most nodes changed: one run on everything is cheaper
            found = pyshacl_raw(merged_graph(), shapes)
            if any(n not in prints for n, _ in found):  # a focus node not found as pySHACL finds them
                return sorted(found, key=lambda x: x[1])  # reported as found; nothing kept
        elif stale:
            with collector_paused():
                part = index.subgraph(stale)
            found = pyshacl_raw(part, shapes)
        else:
            found = []
        with collector_paused():
            for n in stale:
                out[n] = []
            for n, raw in found:
                if n in stale:
                    out[n].append(raw)
            sparse = files is not None  # the nodes with results only (see above)
            body = {
                "format": FORMAT,
                "key": key,
                "nodes": {
                    index.n3(n): [prints[n], sorted(raws)]
                    for n, raws in out.items()
                    if (raws or not sparse)
                    and not isinstance(n, BNode)  # a blank node's label is new on every load
                },
            }
            if file_texts is not None:
                body["sparse"] = sparse
                body["files"] = file_texts
                body["derived"] = derived_now
            text = json.dumps(body, separators=(",", ":"))
            del body
        from spacecoop.core.atomic import write_atomic

        with contextlib.suppress(OSError):  # an unwritable cache: the next run validates again
            cache.parent.mkdir(parents=True, exist_ok=True)
            write_atomic(cache, text)
    return sorted(((n, raw) for n, raws in out.items() for raw in raws), key=lambda x: x[1])


def _changed_roots(
    index: Reads, state: _State, files: list[tuple[str | None, list]], derived_now: dict[str, str]
) -> tuple[set[Node] | None, dict[str, list[str]]]:
    """The nodes whose results the changes since the kept run can have changed (None: every node,
    when the kept run did not record its files), and the touched ``(level, node)`` texts of every
    file that has a key, to keep for the next run.

    Why this is exact: a triple pySHACL reads for a focus node, at some level, is a triple of the
    merged data that the node of that level reads or steps through (:meth:`Reads.touched`). A
    triple that came or went since the kept run is in a file that changed (its key is new, or its
    key is gone), or among the derived triples, or in a file without a key: so its ``(level,
    node)`` is among what those touch, old version and new. A focus node none of whose reads
    lead to a touched ``(level, node)`` reads the very triples it read then (were a step on the way
    changed, the node taking it would be touched itself, and reached first), and has the results
    it had. The old version of a changed file is known by the texts the kept run recorded for it;
    those of the files without a key, which may change on every load, are recorded together
    under ``""`` and count as gone on every run.
    """
    texts: dict[str, list[str]] = {}
    touched: set[tuple[int, Node]] = set()
    loose: set[tuple[int, Node]] = set()  # what the files without a key touch
    old_files = state.files
    for fkey, quads in files:
        if fkey is not None and old_files is not None and fkey in old_files:
            texts[fkey] = old_files[fkey]  # the same bytes of the same file: the same triples
            continue
        mine = index.touched(quads)
        touched |= mine
        if fkey is not None:
            texts[fkey] = index.touched_texts(mine)
        else:
            loose |= mine
    # under "" (no file's key): touched by the files without a key, which change on every load
    texts[""] = index.touched_texts(loose)
    if old_files is None or state.derived is None:
        return None, texts
    gone: list[str] = []
    for fkey, found in old_files.items():
        if fkey == "" or fkey not in texts:
            if not _well_formed(found):  # not what a run writes: what it touched is not known
                return None, texts
            gone += found
    old_derived = state.derived
    gone += [t for t in derived_now.keys() | old_derived.keys() if derived_now.get(t) != old_derived.get(t)]
    for text in gone:
        level, _, n3 = text.partition(" ")
        node = index.node_of(n3)
        if node is not None:  # else no triple read holds it now: nothing leads to it
            touched.add((int(level), node))
    return index.stale_roots(touched), texts


_LEVELLED = re.compile(r"[0-9]{1,3} ")
"""How a touched text (:meth:`Reads.touched_texts`) starts: its level."""


def _well_formed(texts: object) -> bool:
    """Whether ``texts`` are touched texts as a run writes them (a list of ``"level n3"``)."""
    return isinstance(texts, list) and all(isinstance(t, str) and _LEVELLED.match(t) for t in texts)


@dataclass
class _State:
    """What a run kept: results per node n3 (with the node's fingerprint, "" when not computed),
    and, when it ran on files, the touched texts of each file and the hashes of the derived
    triples (see :func:`_changed_roots`). A file's texts are as the JSON holds them, checked
    (:func:`_well_formed`) where they are read: those of the files that changed."""

    nodes: dict[str, tuple[str, list[Raw]]]
    files: dict[str, list[str]] | None = None
    derived: dict[str, str] | None = None
    sparse: bool = False
    """Whether ``nodes`` holds the nodes with results only (a run on files)."""


def _read(cache: Path, key: str) -> _State:
    try:
        data = json.loads(cache.read_text("utf-8"))
        if data.get("format") != FORMAT or data.get("key") != key:
            return _State({})
        nodes = {str(node): (str(fp), [_raw(r) for r in raws]) for node, (fp, raws) in data["nodes"].items()}
        files, derived = data.get("files"), data.get("derived")
        if not isinstance(files, dict) or not isinstance(derived, dict):
            return _State(nodes)
        hashes = {str(k): str(v) for k, v in derived.items()}
        if not all(_LEVELLED.match(t) for t in hashes):
            return _State(nodes)  # not what a run writes: what changed is not known from it
        # each file's texts are checked where they are read, those of the files that changed
        # only (checking all 40,000 of them at 100k triples took 17 ms of every run)
        return _State(nodes, files, hashes, data.get("sparse") is True)
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return _State({})


def _raw(r: list) -> Raw:
    a, b, c, d, e, f, msgs, comp = r
    return (str(a), str(b), str(c), str(d), str(e), str(f), tuple(str(m) for m in msgs), str(comp))
