"""``python -m benchmarks``: run the timing suite and write its results."""

from benchmarks.cli import main

raise SystemExit(main())
