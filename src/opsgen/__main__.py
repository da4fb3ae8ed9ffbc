"""Run opsgen as ``python -m opsgen``."""

from opsgen.cli import main

raise SystemExit(main())
