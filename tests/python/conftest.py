"""Shared pytest setup for the Python tests: make the project's `scripts` package importable.

`pytest` (as `make pytest` runs it) puts only the test directory on sys.path, not the project root.
Markers (`slow`) are registered in pyproject.toml.
"""

from __future__ import annotations

import sys
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[2]
if str(PROJECT_ROOT) not in sys.path:
    sys.path.insert(0, str(PROJECT_ROOT))
