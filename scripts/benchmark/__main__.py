"""python -m scripts.benchmark: see scripts/benchmark/cli.py."""

import sys

from scripts.benchmark.cli import main

sys.exit(main())
