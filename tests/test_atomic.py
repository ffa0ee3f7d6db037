"""The one atomic writer (spacecoop.core.atomic): all of the new file or all of the old."""

from __future__ import annotations

import os
import stat

import pytest

from spacecoop.core.atomic import write_atomic


def test_writes_text_as_utf8_and_bytes_as_they_are(tmp_path):
    assert write_atomic(tmp_path / "new" / "a.csv", "é,\r\nx\n").read_bytes() == "é,\r\nx\n".encode()
    assert write_atomic(tmp_path / "b.bin", b"\x00\xff").read_bytes() == b"\x00\xff"


def test_a_failed_write_leaves_the_old_file_and_no_temporary_file(tmp_path, monkeypatch):
    target = tmp_path / "sheet.csv"
    target.write_text("old\n", encoding="utf-8")

    def fail(*args):
        raise OSError(28, "No space left on device")

    monkeypatch.setattr(os, "replace", fail)
    with pytest.raises(OSError, match="No space left"):
        write_atomic(target, "new\n")
    assert target.read_text(encoding="utf-8") == "old\n"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["sheet.csv"]


def test_keeps_the_permissions_of_the_file_it_replaces_and_gives_new_files_the_umask(tmp_path):
    target = tmp_path / "kept.csv"
    target.write_text("old\n", encoding="utf-8")
    target.chmod(0o640)
    write_atomic(target, "new\n")
    assert stat.S_IMODE(target.stat().st_mode) == 0o640
    umask = os.umask(0o022)
    try:
        assert stat.S_IMODE(write_atomic(tmp_path / "fresh.csv", "x").stat().st_mode) == 0o644
    finally:
        os.umask(umask)
