"""The user's cache folder, answers computed once per content across processes, and the
installed versions of libraries (which such answers may depend on)."""

from __future__ import annotations

import contextlib
import functools
import hashlib
import json
import os
from pathlib import Path


def cache_home() -> Path:
    """Return the user's cache folder for spacecoop: ``$XDG_CACHE_HOME/spacecoop``, by default
    ``~/.cache/spacecoop``.

    Made once per value of the two variables it follows (a load asks for it for every file:
    10 µs a call, 16 ms of a validation at 100k triples), so that a change of either is followed.
    """
    return _cache_home(os.environ.get("XDG_CACHE_HOME"), os.environ.get("HOME"))


@functools.lru_cache(maxsize=16)
def _cache_home(xdg_cache_home: str | None, home: str | None) -> Path:
    base = xdg_cache_home or os.path.join(os.path.expanduser("~"), ".cache")
    return Path(base) / "spacecoop"


@functools.cache  # read once per process: a loader asks for each node it looks up
def installed_version(name: str) -> str:
    """The installed version of a distribution, read from its ``.dist-info`` folder name beside
    the package (``importlib.metadata`` costs tens of milliseconds to import); ``absent`` where
    it is not installed, its module's path where no such folder is found."""
    import importlib.util

    try:
        spec = importlib.util.find_spec(name)
    except (ImportError, ValueError):
        return "absent"
    if spec is None or not spec.origin:
        return "absent"
    origin = Path(spec.origin)
    folder = origin.parent.parent if origin.name == "__init__.py" else origin.parent
    prefix = name.replace("-", "_").lower() + "-"
    try:
        entries = os.listdir(folder)
    except OSError:
        return "unknown"
    found = sorted(e for e in entries if e.lower().startswith(prefix) and e.endswith(".dist-info"))
    return found[-1][len(prefix) : -len(".dist-info")] if found else str(origin)


def remembered(file_name: str, text: str, compute, *, keep=lambda value: True):
    """Return ``compute()`` for ``text``, computed once per content across processes.

    The answers are kept in the JSON file ``file_name`` of :func:`cache_home`, keyed by the
    SHA-256 of ``text``: what a command would otherwise import a parser for (the YAML header of a
    ``.rq`` file, where a query's WHERE group opens). Only values that JSON gives back unchanged
    and that ``keep`` accepts are kept; an error raised by ``compute`` is never kept. Where the
    cache cannot be read or written, ``compute()`` runs every time.

    A value read or kept is also remembered in the process (:data:`_SEEN`), so a second call for
    the same text reads no file: reading ``where-starts.json`` on every parameterised query cost
    0.19 of a look-up's 0.32 ms. It is kept as its JSON text and read back on every call (a
    microsecond), so a caller that changes a list or dict it was given changes no later answer.
    The file itself is read once per process for what it holds (:data:`_READ`; the ISO codes of
    259 countries read it 259 times, 70 ms) and again before a new value is written into it.
    """
    key = hashlib.sha256(text.encode("utf-8", "surrogatepass")).hexdigest()
    seen = _SEEN.get((file_name, key))
    if seen is not None:
        return json.loads(seen)
    path = cache_home() / file_name
    known = _READ.get(str(path))
    if known is None:
        known = _READ[str(path)] = _read_answers(path)
    if key in known:
        _see(file_name, key, known[key])
        return json.loads(_SEEN[(file_name, key)])
    value = compute()
    try:
        same = json.loads(json.dumps(value)) == value
    except (TypeError, ValueError):
        same = False
    if same and keep(value):
        from spacecoop.core.atomic import write_atomic

        known = _READ[str(path)] = _read_answers(path)  # as it stands: other processes write too
        if len(known) >= 10_000:
            known = _READ[str(path)] = {}
        known[key] = value
        with contextlib.suppress(OSError):
            write_atomic(path, json.dumps(known, sort_keys=True))
        _see(file_name, key, value)
    return value


def _read_answers(path: Path) -> dict:
    try:
        known = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return {}
    return known if isinstance(known, dict) else {}


_READ: dict[str, dict] = {}
"""The answers file of :func:`remembered` by its path, as this process last read or wrote it."""

_SEEN: dict[tuple[str, str], str] = {}
"""(file name, key) -> the JSON text of a value :func:`remembered` read or kept in this process."""
_SEEN_AT_MOST = 10_000


def _see(file_name: str, key: str, value: object) -> None:
    if len(_SEEN) >= _SEEN_AT_MOST:
        _SEEN.clear()
    _SEEN[(file_name, key)] = json.dumps(value)


__all__ = ["cache_home", "installed_version", "remembered"]
