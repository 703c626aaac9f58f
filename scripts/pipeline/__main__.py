"""python -m scripts.pipeline --help"""

from scripts.pipeline.cli import main

raise SystemExit(main())
