"""Running a command that may hang: on timeout, where it hung rather than a bare TimeoutExpired.

A generated project's test suite or a validator that hangs in CI must say where, since it does
not hang here: the command runs in a process group of its own with PYTHONFAULTHANDLER=1, and on
timeout the group gets SIGABRT (every Python process in it prints every thread's stack), then
SIGKILL. The failure quotes the tail of the output, those stacks included.
"""

from __future__ import annotations

import os
import signal
import subprocess
from collections.abc import Mapping, Sequence
from contextlib import suppress
from pathlib import Path


class Hung(AssertionError):
    """A command outlived its timeout; the message holds where it hung."""


def run_watched(
    argv: Sequence[str], cwd: Path, timeout: float, env: Mapping[str, str] | None = None,
    stdin: str | None = None,
) -> subprocess.CompletedProcess[str]:
    """Run ``argv`` in ``cwd`` (in ``env``, default this process's environment); its output
    whatever the exit code, or :class:`Hung` after ``timeout`` seconds."""
    env = {**(os.environ if env is None else env), "PYTHONFAULTHANDLER": "1"}
    with subprocess.Popen(
        list(argv), cwd=cwd, env=env, text=True, start_new_session=True,
        stdin=subprocess.PIPE if stdin is not None else subprocess.DEVNULL,
        stdout=subprocess.PIPE, stderr=subprocess.PIPE,
    ) as process:
        try:
            stdout, stderr = process.communicate(stdin, timeout=timeout)
        except subprocess.TimeoutExpired:
            raise Hung(
                f"`{' '.join(argv)}` timed out after {timeout:g}s; where it hung:\n"
                f"{_stop_hung(process)}"
            ) from None
    return subprocess.CompletedProcess(list(argv), process.returncode, stdout, stderr)


def _stop_hung(process: subprocess.Popen[str]) -> str:
    """Stop a hung command's process group: SIGABRT, then SIGKILL. The tail of its output."""
    for signal_number in (signal.SIGABRT, signal.SIGKILL):
        with suppress(ProcessLookupError):
            os.killpg(process.pid, signal_number)
        try:
            stdout, stderr = process.communicate(timeout=20)
        except subprocess.TimeoutExpired:
            continue
        output = "\n".join(s.strip() for s in (stdout, stderr) if s and s.strip())
        return output[-8000:]
    return "(nothing: a process outside its group kept its output open)"
