"""Errors that the command line turns into a one-line message and an exit code."""

from __future__ import annotations


class SpacecoopError(Exception):
    """An error the user can fix: bad input, unknown name, unreachable store.

    ``exit_code`` follows pySHACL's convention: 1 when data does not conform, 2 when the command
    could not run.
    """

    exit_code = 2

    def __init__(self, message: str, *, exit_code: int | None = None) -> None:
        super().__init__(message)
        if exit_code is not None:
            self.exit_code = exit_code


class DataError(SpacecoopError):
    """A data file cannot be read or parsed; the message names the file and, where known, the line."""

    def __init__(self, path: str, message: str, line: int | None = None) -> None:
        self.path = str(path)
        self.line = line
        where = f"{self.path}:{line}" if line else self.path
        super().__init__(f"{where}: {message}")


class StoreCannot(SpacecoopError):
    """A store that cannot do this by its nature (a ``sparql:`` server cannot be copied into a
    worker or narrowed to a dataset of its graphs); the caller chooses another way or refuses."""


class UsageError(SpacecoopError):
    """A bad argument: unknown query name, malformed parameter, bad option value."""


def _one_line(exc: object) -> str:
    """The first line of an exception's message (engines' messages may span lines), else its type."""
    text = str(exc).strip()
    return text.splitlines()[0].strip() if text else type(exc).__name__
