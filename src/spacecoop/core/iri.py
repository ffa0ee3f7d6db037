"""Tell whether a text can be written as an IRI: one check for the whole package.

See Also
--------
spacecoop.core.turtle.iri : how an IRI is written in the project's files.
"""

from __future__ import annotations

import re
from urllib.parse import urlsplit

NOT_IN_IRI = re.compile(r'[\x00-\x20<>"{}|^`\\]')
"""Characters an IRI may not hold: controls, space and ``<>"{}|^`\\`` (excluded by RFC 3987, and
by the IRIREF of SPARQL, Turtle and N-Triples)."""


def is_iri(text: str) -> bool:
    """Return whether ``text`` holds no character that an IRI may not hold (:data:`NOT_IN_IRI`).

    Examples
    --------
    >>> is_iri("https://example.org/a?b=c#d"), is_iri("https://example.org/a b"), is_iri("urn:x<y>")
    (True, False, False)
    """
    return NOT_IN_IRI.search(text) is None


def is_http_url(text: str) -> bool:
    """Return whether ``text`` is an absolute http(s) URL with a host, fit to be an IRI, and free of
    any white space (a no-break space pasted into a URL is a typo, though an IRI may hold it).

    Examples
    --------
    >>> is_http_url("https://example.org/a"), is_http_url("ftp://example.org/"), is_http_url("https:///a")
    (True, False, False)
    >>> is_http_url("https://example.org/a\\u00a0b")
    False
    """
    parts = urlsplit(text)
    return (
        parts.scheme in ("http", "https")
        and bool(parts.netloc)
        and is_iri(text)
        and not any(ch.isspace() for ch in text)
    )
