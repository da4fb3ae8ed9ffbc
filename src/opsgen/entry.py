"""The ``opsgen`` command's entry point (and ``python -m opsgen``'s).

Loading opsgen's CLI and its libraries takes a noticeable part of a short run, and a Ctrl-C
then arrives before :func:`opsgen.cli.main` watches for it. Nothing has been written yet, so it
is reported like any other interrupt rather than as a traceback.
"""

from __future__ import annotations

from collections.abc import Sequence

from opsgen.interrupts import report_interrupted


def run(argv: Sequence[str] | None = None) -> int:
    """Load the CLI and run it; exit code 130 if Ctrl-C came while loading."""
    try:
        from opsgen.cli import main
    except KeyboardInterrupt:
        return report_interrupted()
    return main(argv)
