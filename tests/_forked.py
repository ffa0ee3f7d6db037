"""Helpers for tests of work shared out to forked processes (spacecoop.core.forking)."""

from __future__ import annotations

import os
from pathlib import Path


def record_pids(monkeypatch, module, name: str, path: Path) -> None:
    """Replace ``module.name`` by a wrapper that appends the calling process's id to ``path``
    (a forked process inherits the wrapper, and its line lands in the same file)."""
    real = getattr(module, name)

    def recording(*args, **kwargs):
        with open(path, "a", encoding="ascii") as f:
            f.write(f"{os.getpid()}\n")
        return real(*args, **kwargs)

    monkeypatch.setattr(module, name, recording)


def pids_in(path: Path) -> list[int]:
    """The process ids :func:`record_pids` wrote, in call order."""
    return [int(p) for p in path.read_text(encoding="ascii").split()]


def beside_on_any_machine(monkeypatch) -> None:
    """Two cores and room for a copy, whatever this machine has (so that
    :func:`spacecoop.core.forking.beside_pays` turns on ``BESIDE_MIN_QUADS`` alone)."""
    monkeypatch.setattr("spacecoop.core.forking.cores", lambda: 2)
    monkeypatch.setattr("spacecoop.core.forking.copies_that_fit", lambda wanted: wanted)
