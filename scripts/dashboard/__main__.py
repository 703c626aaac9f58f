"""python -m scripts.dashboard: build the dashboard of a serving file."""

import sys

from scripts.dashboard.cli import main

sys.exit(main())
