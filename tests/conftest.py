"""Shared fixtures: the project's dataset, loaded once per session (tests must not mutate it)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DATA = Path(__file__).resolve().parent / "data"
SHARED_SOURCES = ROOT.parent / "shared" / "sources"


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def loaded():
    from spacecoop.load import load

    return load(ROOT)


@pytest.fixture(scope="session")
def ds(loaded):
    """The project's dataset (rdflib.Dataset, default graph = union). Do not mutate."""
    return loaded.ds
