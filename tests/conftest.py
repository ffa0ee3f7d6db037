"""Shared fixtures, each named for what it holds. Datasets are loaded once per session: never mutate them.

- ``root`` / ``full_ds``: the live project (every source in graph/), for tests that must hold
  whatever sources are added (they never pin totals).
- ``article_root`` / ``article_ds``: a copy holding the Chang'e-8 article's source only
  (tests/_article_only.py), for tests whose expected values are read off that article.
- ``article_countries`` / ``full_countries``: the countries view (networkx) of each.
- ``canary``: an HTTP server on 127.0.0.1 that records every request; a test asserts it got none.
- ``new_process``: what :mod:`spacecoop.core.cache` remembered in this process forgotten, as a new
  process starts; call it again for the next "process" (the cache files stay).
"""

from __future__ import annotations

import threading
from http.server import ThreadingHTTPServer
from pathlib import Path

import pytest
from _article_only import copy_article_project
from _servers import _Canary

ROOT = Path(__file__).resolve().parents[1]
# Test lanes (markers registered in pyproject.toml). Whole modules mark themselves with
# ``pytestmark``; a test that uses one of these fixtures starts a server, so it is marked here.
SERVER_FIXTURES = frozenset({"server", "memory_server", "oxi_server", "mem_server", "any_server", "canary"})
DATA = Path(__file__).resolve().parent / "data"
SHARED_SOURCES = ROOT.parent / "shared" / "sources"


def pytest_configure(config):
    """Compiled stores of the projects the tests make go to a cache of this run, never the user's
    ~/.cache/spacecoop (one folder per temporary project would pile up there). A test that sets
    XDG_CACHE_HOME itself still wins; servers and commands the tests start inherit it."""
    import os
    import tempfile

    if not os.environ.get("SPACECOOP_TEST_CACHE"):
        os.environ["SPACECOOP_TEST_CACHE"] = tempfile.mkdtemp(prefix="spacecoop-test-cache-")
        os.environ["XDG_CACHE_HOME"] = os.environ["SPACECOOP_TEST_CACHE"]


def pytest_unconfigure(config):
    import os
    import shutil

    if os.environ.get("XDG_CACHE_HOME") == os.environ.get("SPACECOOP_TEST_CACHE") and not hasattr(
        config, "workerinput"
    ):
        shutil.rmtree(os.environ.pop("SPACECOOP_TEST_CACHE"), ignore_errors=True)


def pytest_collection_modifyitems(items):
    for item in items:
        if SERVER_FIXTURES & set(getattr(item, "fixturenames", ())):
            item.add_marker(pytest.mark.server)


@pytest.fixture(scope="session")
def root() -> Path:
    return ROOT


@pytest.fixture(scope="session")
def loaded():
    from spacecoop.core.load import load

    return load(ROOT)


@pytest.fixture(scope="session")
def full_ds(loaded):
    """The live project's dataset (rdflib.Dataset, default graph = union)."""
    return loaded.ds


@pytest.fixture(scope="session")
def article_root(tmp_path_factory) -> Path:
    """A copy of the project that holds the Chang'e-8 article's source and its curated entities only."""
    return copy_article_project(ROOT, tmp_path_factory.mktemp("article") / "project")


@pytest.fixture(scope="session")
def article_ds(article_root):
    from spacecoop.core.load import load_dataset

    return load_dataset(article_root)


@pytest.fixture(scope="session")
def article_countries(article_ds):
    from spacecoop.views.projection import to_networkx

    return to_networkx(article_ds, "countries")


@pytest.fixture(scope="session")
def full_countries(full_ds):
    from spacecoop.views.projection import to_networkx

    return to_networkx(full_ds, "countries")


@pytest.fixture
def new_process(monkeypatch):
    """Forget what :func:`spacecoop.core.cache.remembered` remembered in this process (its two
    memos, ``_SEEN`` and ``_READ``), as a new process starts: done when the fixture is set up, and
    again at each call. A call returns the memos it replaced; ``new_process(back=memos)`` takes
    them up again (the first process going on after a second one wrote the files)."""
    from spacecoop.core import cache

    def forget(back: tuple[dict, dict] | None = None) -> tuple[dict, dict]:
        replaced = (cache._SEEN, cache._READ)
        seen, read = back if back is not None else ({}, {})
        monkeypatch.setattr(cache, "_SEEN", seen)
        monkeypatch.setattr(cache, "_READ", read)
        return replaced

    forget()
    return forget


@pytest.fixture(scope="module")
def canary():
    """An HTTP server on 127.0.0.1 standing for 'somewhere else': it records every request."""
    _Canary.hits = []
    srv = ThreadingHTTPServer(("127.0.0.1", 0), _Canary)
    t = threading.Thread(target=srv.serve_forever, daemon=True)
    t.start()
    yield f"http://127.0.0.1:{srv.server_address[1]}/"
    srv.shutdown()
    srv.server_close()
