"""The one rule that picks the name a thing is shown by among its ``skos:prefLabel`` texts.

An entity, a certainty value or a source may carry several preferred labels (a name in English and
in Chinese; two sources that spell it apart). Every surface (the entity look-up, the views and
pages, ``spacecoop stats``) shows the same one, whichever the order a store keeps them in.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any


def shown_label(labels: Iterable[tuple[str, str]]) -> str:
    """The least of the English or untagged texts of ``labels`` (``(text, language)`` pairs, the
    language "" where untagged), else the least of any, else "".

    Examples
    --------
    >>> shown_label([("中华人民共和国", "zh"), ("People's Republic of China", "en"), ("China", "")])
    'China'
    >>> shown_label([("中国", "zh"), ("中华人民共和国", "zh")])
    '中华人民共和国'
    >>> shown_label([])
    ''
    """
    shown = _shown([(text, lang, text) for text, lang in labels])
    return "" if shown is None else shown


def _shown(labels: list[tuple[str, str, Any]]) -> Any:
    """The rule of :func:`shown_label`, over ``(text, language, item)`` triples: the item of the
    least English or untagged text (the untagged one where a text is both), else of the least of
    any; None if there is none."""
    english = [label for label in labels if label[1] in ("", "en")]
    shown = min(english or labels, key=lambda label: label[:2], default=None)
    return None if shown is None else shown[2]


def shown_literal(labels: Iterable[object]) -> str:
    """:func:`shown_label` of RDF literals (rdflib's, as a graph or a query answer yields them).

    Examples
    --------
    >>> from rdflib import Literal
    >>> shown_literal([Literal("Chine", lang="fr"), Literal("China", lang="en")])
    'China'
    """
    return shown_label((str(lab), getattr(lab, "language", None) or "") for lab in labels)


def shown_labels_by(rows: Iterable[tuple[object, object]]) -> dict:
    """The shown label (:func:`shown_literal`) of each node of ``(node, label)`` rows, as a query
    answers them (the label None where a node has none: its shown label is "").

    Examples
    --------
    >>> from rdflib import Literal
    >>> shown_labels_by([("a", Literal("Chine", lang="fr")), ("a", Literal("China")), ("b", None)])
    {'a': 'China', 'b': ''}
    """
    labels: dict = {}
    for node, label in rows:
        labels.setdefault(node, []).extend(() if label is None else (label,))
    return {node: shown_literal(texts) for node, texts in labels.items()}


_PREF_LABEL = "http://www.w3.org/2004/02/skos/core#prefLabel"


def shown_label_term(graph: Any, node: Any) -> Any:
    """The literal :func:`shown_label_of` shows, itself (with its language tag), None if ``node``
    has no ``skos:prefLabel``: where one text is given both untagged and in English, the
    untagged one, whatever the order the store keeps them in.

    Examples
    --------
    >>> from rdflib import Graph, Literal, URIRef
    >>> g, cn = Graph(), URIRef("https://example.org/cn")
    >>> pref = URIRef("http://www.w3.org/2004/02/skos/core#prefLabel")
    >>> for text, lang in (("Chine", "fr"), ("China", "en"), ("China", None)):
    ...     _ = g.add((cn, pref, Literal(text, lang=lang)))
    >>> shown_label_term(g, cn).n3(), shown_label_term(g, URIRef("https://example.org/x"))
    ('"China"', None)
    """
    from rdflib import URIRef

    return _shown(
        [
            (str(lab), getattr(lab, "language", None) or "", lab)
            for lab in graph.objects(node, URIRef(_PREF_LABEL))
        ]
    )


def shown_label_of(graph: Any, node: Any) -> str:
    """The shown label (:func:`shown_literal`) of ``node``'s ``skos:prefLabel`` texts in ``graph``
    (an rdflib graph or dataset), "" if it has none: one name whichever the order the store keeps
    them in (``graph.value`` gives any one).

    Examples
    --------
    >>> from rdflib import Graph, Literal, URIRef
    >>> g = Graph()
    >>> pref = URIRef("http://www.w3.org/2004/02/skos/core#prefLabel")
    >>> for text, lang in (("Chine", "fr"), ("China", "en")):
    ...     _ = g.add((URIRef("https://example.org/cn"), pref, Literal(text, lang=lang)))
    >>> shown_label_of(g, URIRef("https://example.org/cn")), shown_label_of(g, URIRef("https://example.org/x"))
    ('China', '')
    """
    from rdflib import URIRef

    return shown_literal(graph.objects(node, URIRef(_PREF_LABEL)))
