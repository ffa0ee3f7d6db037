"""Reading input files safely: only regular files of at most :data:`MAX_INPUT_BYTES`, so a FIFO, a
socket or a device among the data files is refused with a message naming it instead of hanging."""

from __future__ import annotations

import os
import stat

from spacecoop.core.errors import DataError, SpacecoopError

MAX_INPUT_BYTES = 64 * 1024 * 1024
"""Largest data file (ontology, graph, shapes) or table that is read: 64 MiB. A bigger one is
refused before it is read, so a runaway file cannot take the machine's memory."""


_FILE_KINDS = (
    (stat.S_ISDIR, "a directory"),
    (stat.S_ISFIFO, "a FIFO"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
)


def _kind_of(mode: int) -> str:
    return next((name for test, name in _FILE_KINDS if test(mode)), "not a regular file")


def read_input(path: str | os.PathLike, *, limit: int = MAX_INPUT_BYTES) -> bytes:
    """Return the bytes of a data file, refusing anything but a regular file of at most ``limit`` bytes.

    A FIFO, socket or device (or a symlink to one) would block the reader or never end, so it is
    refused without being read: the file is opened non-blocking and checked with ``fstat`` on the
    open descriptor, so a file swapped in after the first check is caught too.

    Parameters
    ----------
    path : path
        The file to read.
    limit : int
        Largest size accepted, in bytes (default :data:`MAX_INPUT_BYTES`).

    Returns
    -------
    bytes

    Raises
    ------
    DataError
        The file is missing, unreadable, not a regular file, or larger than ``limit``; the message
        names the file.

    Examples
    --------
    >>> read_input("/dev/zero")  # doctest: +ELLIPSIS
    Traceback (most recent call last):
    ...
    spacecoop.core.errors.DataError: /dev/zero: not a regular file (a character device); ...
    """
    p = str(path)
    try:
        fd = os.open(path, os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_CLOEXEC", 0))
    except OSError as exc:
        try:
            mode = os.stat(path).st_mode
        except OSError:
            mode = None
        if mode is not None and not stat.S_ISREG(mode):  # a socket cannot even be opened (ENXIO)
            raise DataError(
                p, f"not a regular file ({_kind_of(mode)}); spacecoop reads only regular files"
            ) from exc
        raise DataError(p, f"cannot read: {exc.strerror or exc}") from exc
    try:
        st = os.fstat(fd)
        if not stat.S_ISREG(st.st_mode):
            raise DataError(
                p, f"not a regular file ({_kind_of(st.st_mode)}); spacecoop reads only regular files"
            )
        if st.st_size > limit:
            raise DataError(p, _too_large(st.st_size, limit))
    except BaseException:
        os.close(fd)
        raise
    with os.fdopen(fd, "rb") as f:
        try:
            data = f.read(limit + 1)
        except OSError as exc:
            raise DataError(p, f"cannot read: {exc.strerror or exc}") from exc
    if len(data) > limit:  # grew while being read
        raise DataError(p, _too_large(len(data), limit))
    return data


def read_text_input(
    path: str | os.PathLike, *, encoding: str = "utf-8", error: type[SpacecoopError] = DataError
) -> str:
    """Return a text file's contents, read as :func:`read_input` reads (regular files only, size
    capped) and decoded; every problem is one ``error`` naming the file.

    Raises
    ------
    SpacecoopError
        Of class ``error``: "PATH: no such file", "PATH: not UTF-8 text (byte N)", or what
        :func:`read_input` refuses.
    """
    p = str(path)
    if not os.path.lexists(p):
        raise error(f"{p}: no such file")
    try:
        data = read_input(path)
    except DataError as exc:
        raise error(str(exc)) from None
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise error(f"{p}: not UTF-8 text (byte {exc.start})") from None


def _too_large(size: int, limit: int) -> str:
    amount = f"{limit / 2**20:g} MiB" if limit >= 2**20 else f"{limit:,} bytes"
    return (
        f"larger than the {amount} limit for a data file "
        f"({size:,} bytes; spacecoop.core.inputs.MAX_INPUT_BYTES)"
    )
