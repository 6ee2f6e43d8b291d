"""Run the command line as ``python -m refsite``."""

import sys

from refsite.cli.main import main

sys.exit(main())
