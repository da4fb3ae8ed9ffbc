"""Run opsgen as ``python -m opsgen``."""

from opsgen.entry import run

raise SystemExit(run())
