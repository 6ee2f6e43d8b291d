"""Run the command line as ``python -m refsite``."""

import sys

from refsite.cli import main

sys.exit(main())
