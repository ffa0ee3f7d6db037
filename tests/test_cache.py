"""The answers kept across processes (:func:`spacecoop.core.cache.remembered`)."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from spacecoop.core import cache


@pytest.fixture
def own_cache(tmp_path, monkeypatch, new_process):
    """A cache folder of this test's own, and the process's memo emptied (as in a new process)."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path))
    return tmp_path / "spacecoop"


def test_a_value_is_computed_once_across_processes(own_cache, new_process):
    calls = []

    def compute():
        calls.append(1)
        return 41

    assert cache.remembered("answers.json", "some text", compute) == 41
    new_process()  # another process: the file answers
    assert cache.remembered("answers.json", "some text", compute) == 41
    assert calls == [1]
    assert list(json.loads((own_cache / "answers.json").read_text("utf-8")).values()) == [41]


@pytest.fixture
def file_reads(monkeypatch) -> list[Path]:
    """The files read with ``Path.read_text`` from now on, in order."""
    reads: list[Path] = []
    read_text = Path.read_text

    def counted(self, *args, **kwargs):
        reads.append(self)
        return read_text(self, *args, **kwargs)

    monkeypatch.setattr(Path, "read_text", counted)
    return reads


def test_a_second_call_in_the_process_reads_no_file(own_cache, new_process, file_reads):
    """Every query with a parameter asks where its WHERE group opens: reading the file each time
    was most of our time on a small look-up (issue #15)."""
    cache.remembered("answers.json", "some text", lambda: 41)
    file_reads.clear()
    assert cache.remembered("answers.json", "some text", lambda: pytest.fail("computed again")) == 41
    assert file_reads == []
    # a value first read from the file (kept by another process) is remembered too
    new_process()
    assert cache.remembered("answers.json", "some text", lambda: pytest.fail("computed again")) == 41
    assert cache.remembered("answers.json", "some text", lambda: pytest.fail("computed again")) == 41
    assert len(file_reads) == 1


def test_a_process_reads_the_file_once_for_all_its_values(own_cache, new_process, file_reads):
    """Many values of one file (the ISO codes of every country a load derives): the file is read
    once by a new process, not once per value (259 reads, 70 ms at 100k triples); a value another
    process kept meanwhile stays in the file when this one keeps a new value."""
    for i in range(5):
        cache.remembered("answers.json", f"text {i}", lambda i=i: i)
    new_process()
    file_reads.clear()
    got = [cache.remembered("answers.json", f"text {i}", lambda: pytest.fail("computed")) for i in range(5)]
    assert got == [0, 1, 2, 3, 4] and len(file_reads) == 1
    this_process = new_process()  # another process keeps a value meanwhile
    assert cache.remembered("answers.json", "text 6", lambda: 6) == 6
    new_process(back=this_process)
    assert cache.remembered("answers.json", "text 5", lambda: 5) == 5  # new here: computed, kept
    kept = json.loads((own_cache / "answers.json").read_text("utf-8"))
    assert sorted(kept.values()) == [0, 1, 2, 3, 4, 5, 6]


def test_a_remembered_dict_changed_by_a_caller_changes_no_later_answer(own_cache):
    header = {"name": "q", "params": ["a"]}
    first = cache.remembered("headers.json", "text", lambda: json.loads(json.dumps(header)))
    first["params"].append("b")
    first["name"] = "changed"
    assert cache.remembered("headers.json", "text", lambda: pytest.fail("computed again")) == header


def test_the_same_text_under_two_file_names_is_two_answers(own_cache):
    assert cache.remembered("one.json", "text", lambda: 1) == 1
    assert cache.remembered("two.json", "text", lambda: 2) == 2
    assert cache.remembered("one.json", "text", lambda: 3) == 1


def test_a_value_not_kept_is_computed_every_time(own_cache):
    """``keep`` refuses a value (as the endpoint's worker refuses an unknown kind): neither the
    file nor the process remembers it."""
    calls = []

    def compute():
        calls.append(1)
        return None

    for _ in range(2):
        assert cache.remembered("kinds.json", "text", compute, keep=lambda v: v is not None) is None
    assert len(calls) == 2


def test_an_error_is_never_remembered(own_cache):
    def fail():
        raise ValueError("bad header")

    for _ in range(2):
        with pytest.raises(ValueError, match="bad header"):
            cache.remembered("headers.json", "text", fail)
    assert cache.remembered("headers.json", "text", lambda: 5) == 5


def test_the_cache_folder_follows_its_variables_within_a_process(tmp_path, monkeypatch):
    """``cache_home`` is made once per value of ``$XDG_CACHE_HOME`` and ``$HOME``: a change of
    either within a process (a test, a notebook) gives the folder it names, not the first one."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "one"))
    assert cache.cache_home() == tmp_path / "one" / "spacecoop"
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "two"))
    assert cache.cache_home() == tmp_path / "two" / "spacecoop"
    monkeypatch.delenv("XDG_CACHE_HOME")
    monkeypatch.setenv("HOME", str(tmp_path / "home"))
    assert cache.cache_home() == tmp_path / "home" / ".cache" / "spacecoop"
    monkeypatch.setenv("HOME", str(tmp_path / "other"))
    assert cache.cache_home() == tmp_path / "other" / ".cache" / "spacecoop"
    monkeypatch.setenv("XDG_CACHE_HOME", "")  # empty: as if unset, as before
    assert cache.cache_home() == tmp_path / "other" / ".cache" / "spacecoop"
