"""The ``opsgen`` command's entry point (and ``python -m opsgen``'s).

Loading opsgen's CLI and its libraries takes a noticeable part of a short run, and a Ctrl-C
then arrives before :func:`opsgen.cli.main` watches for it. Nothing has been written yet, so it
is reported like any other interrupt rather than as a traceback.

This module imports nothing until it runs: the few lines Python reads to load it are the last
where a Ctrl-C is Python's to report.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from collections.abc import Sequence
    from typing import NoReturn


def run(argv: Sequence[str] | None = None) -> int:
    """Load the CLI and run it; exit code 130 if Ctrl-C came before the command began."""
    from opsgen.interrupts import EXIT_INTERRUPTED, report_interrupted, watch_process

    watch_process()
    try:
        from opsgen.cli import main

        code = main(argv)
    except KeyboardInterrupt:  # while loading the CLI, or before its command began
        code = report_interrupted()
    if code == EXIT_INTERRUPTED:
        _exit_interrupted(code)
    return code


def _exit_interrupted(code: int) -> NoReturn:
    """End the process with ``code`` once Python's exit handlers have run.

    A KeyboardInterrupt raised inside code run by ``exec`` of a string (dataclasses builds its
    methods so, while copier loads) marks it "unhandled" for CPython even when opsgen catches
    it, and CPython then ends the process by SIGINT instead of with the exit code opsgen
    returns. Leaving through ``os._exit`` keeps the exit code 130 the CLI promises.
    """
    import atexit
    import contextlib
    import os
    import sys

    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(OSError, ValueError):
            stream.flush()
    atexit._run_exitfuncs()
    os._exit(code)
