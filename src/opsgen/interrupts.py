"""Ctrl-C during a command: the interrupt, however it surfaces, until the work is in place.

A terminal's Ctrl-C sends SIGINT to opsgen and to the git and copier processes it runs. Python
raises KeyboardInterrupt in opsgen, but the children die too, and the error that reaches the CLI
first may be theirs (a closed pipe, EBADF, a failed git command). While :func:`watching`, a
SIGINT is remembered, so the CLI reports such an error as the interrupt it is.

Once a command has put its result in place (:func:`hold`), Ctrl-C no longer raises: the work is
done, and it is reported as done rather than as "nothing was written".
"""

from __future__ import annotations

import signal
import sys
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from types import FrameType


class _State:
    seen = False  # a SIGINT arrived while watching
    held = False  # the result is in place: a SIGINT is only remembered


def _on_sigint(signum: int, frame: FrameType | None) -> None:
    _State.seen = True
    if not _State.held:
        raise KeyboardInterrupt


@contextmanager
def watching() -> Iterator[None]:
    """Within: SIGINT raises KeyboardInterrupt, as by default, and is remembered.

    :func:`interrupted` tells whether one arrived. Only in the main thread, and only where
    SIGINT has Python's default handler (or the one :func:`watch_process` installed); elsewhere
    nothing changes.
    """
    _State.seen = _State.held = False
    installed = _install()
    try:
        yield
    finally:
        if installed and signal.getsignal(signal.SIGINT) is _on_sigint:
            signal.signal(signal.SIGINT, signal.default_int_handler)


def watch_process() -> None:
    """For the rest of the process: SIGINT raises until a command :func:`hold` s its result.

    The ``opsgen`` command's process watches from before it loads the CLI until it exits, so no
    moment is left where Python's default handler would turn a Ctrl-C into a traceback, or into
    "nothing was written" after a command had put its result in place.
    """
    _State.seen = _State.held = False
    _install()


def watch_again() -> None:
    """Watch again after code that gave SIGINT back to Python's default handler.

    prompt_toolkit does, at the end of every prompt.
    """
    _install()


def _install() -> bool:
    """Put :func:`_on_sigint` in place of Python's default handler; whether it did."""
    if (threading.current_thread() is threading.main_thread()
            and signal.getsignal(signal.SIGINT) is signal.default_int_handler):
        signal.signal(signal.SIGINT, _on_sigint)
        return True
    return False


def interrupted() -> bool:
    """Whether a SIGINT arrived in the current :func:`watching` block."""
    return _State.seen


def hold() -> None:
    """The result is in place: from now on a SIGINT is only remembered, not raised.

    Until :func:`watching` ends, or, under :func:`watch_process`, until the process ends.
    """
    _State.held = True


EXIT_INTERRUPTED = 130  # as a shell reports a command that SIGINT ended


def report_interrupted() -> int:
    """Tell the user a command was interrupted before it wrote anything; its exit code (130)."""
    print("opsgen: interrupted; nothing was written", file=sys.stderr)
    return EXIT_INTERRUPTED
