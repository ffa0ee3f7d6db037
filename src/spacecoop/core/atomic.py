"""Write a file so that readers see the old contents or the new, never a part: one function.

See Also
--------
spacecoop.publish.build.publish : replaces a whole folder of outputs at once.
"""

from __future__ import annotations

import errno
import os
import secrets
from pathlib import Path


def fsync_path(path: str | os.PathLike) -> None:
    """Flush a file or a folder to disk (a folder: the names in it); where the file system cannot
    flush a folder, do nothing."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    except OSError as exc:  # some file systems cannot fsync a folder
        if exc.errno not in (errno.EINVAL, errno.EBADF):
            raise
    finally:
        os.close(fd)


def _create_beside(out: Path) -> tuple[int, Path]:
    """Create a new empty file beside ``out`` (``.`` + its name + ``.`` + eight random characters);
    return its descriptor and path.
    Made with mode 0o666 so that the umask applies (``tempfile.mkstemp`` would make it private)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    for _ in range(100):
        tmp = out.with_name(f".{out.name}.{secrets.token_hex(4)}")
        try:
            return os.open(tmp, flags, 0o666), tmp
        except FileExistsError:
            continue
    raise FileExistsError(errno.EEXIST, "no free temporary name", str(out.parent))


def write_atomic(path: str | os.PathLike, data: str | bytes) -> Path:
    """Write ``data`` (text as UTF-8, line ends as given) to ``path`` atomically; return the path.

    The data goes to a temporary file beside ``path`` (see :func:`_create_beside`), is flushed to disk, and
    the file is renamed over ``path``; then the folder is flushed. A failure or a kill at any point
    leaves ``path`` as it was (and no temporary file, but after a kill). Missing folders are
    created. The file gets the permissions a newly created file gets (the umask's), or keeps those
    ``path`` had.

    Raises
    ------
    OSError
        The folder cannot be created or written.

    Examples
    --------
    >>> import tempfile
    >>> p = write_atomic(Path(tempfile.mkdtemp()) / "a" / "b.txt", "é\\n")
    >>> p.read_bytes()
    b'\\xc3\\xa9\\n'
    """
    out = Path(path)
    out.parent.mkdir(parents=True, exist_ok=True)
    body = data.encode("utf-8") if isinstance(data, str) else data
    try:
        mode: int | None = out.stat().st_mode & 0o7777
    except FileNotFoundError:
        mode = None
    fd, tmp = _create_beside(out)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(body)
            f.flush()
            if mode is not None:
                os.fchmod(f.fileno(), mode)
            os.fsync(f.fileno())
        os.replace(tmp, out)
    except BaseException:
        tmp.unlink(missing_ok=True)
        raise
    fsync_path(out.parent)
    return out


def exchange_paths(a: str | os.PathLike, b: str | os.PathLike) -> bool:
    """Swap two paths in one step (Linux ``renameat2(RENAME_EXCHANGE)``): at every moment each
    name names a complete file or folder. Return False where that is not available (another
    system, a file system without it); the caller then falls back to renames.

    Raises
    ------
    OSError
        The exchange is available but failed (a path is missing, no permission).
    """
    import sys

    if not sys.platform.startswith("linux"):
        return False
    import ctypes

    try:
        renameat2 = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    renameat2.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
    at_fdcwd, rename_exchange = -100, 2
    if renameat2(at_fdcwd, os.fsencode(a), at_fdcwd, os.fsencode(b), rename_exchange) == 0:
        return True
    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(err, os.strerror(err), os.fspath(b))
