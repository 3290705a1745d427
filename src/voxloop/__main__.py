"""`python -m voxloop` runs the CLI."""

from voxloop.cli import main

raise SystemExit(main())
