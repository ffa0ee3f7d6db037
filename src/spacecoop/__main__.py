"""``python -m spacecoop``."""

import sys

from spacecoop.cli.app import main

sys.exit(main())
