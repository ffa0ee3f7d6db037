"""``python -m spacecoop``."""

from spacecoop.cli.app import run

run()
