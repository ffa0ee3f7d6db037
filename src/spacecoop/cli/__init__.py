"""The ``spacecoop`` command. :mod:`spacecoop.cli.app` holds the group and the core verbs; each other
module holds one family of verbs, imported only when its verb runs (so ``--help`` stays fast)."""

from spacecoop.cli.app import main, run

__all__ = ["main", "run"]
