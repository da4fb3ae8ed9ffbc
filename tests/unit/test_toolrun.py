"""A validator's command that hangs fails its test with where it hung, and leaves no process."""

from __future__ import annotations

import os
import sys
from pathlib import Path

import pytest
import toolrun

HANGS = """
import os, sys, time
print("started", flush=True)
print(os.getpid(), file=open(sys.argv[1], "w"), flush=True)
def waiting_for_a_lock_that_never_comes():
    time.sleep(3600)
waiting_for_a_lock_that_never_comes()
"""


def test_a_hung_command_reports_its_stack_and_is_stopped(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(toolrun, "TIMEOUT_SECONDS", 2)
    pid_file = tmp_path / "pid"
    with pytest.raises(AssertionError) as failure:
        toolrun.run(tmp_path, "hangs", [sys.executable, "-c", HANGS, str(pid_file)])
    message = str(failure.value)
    assert message.startswith("hangs: `")
    assert "timed out after 2s" in message
    assert "started" in message
    assert "waiting_for_a_lock_that_never_comes" in message  # the stack faulthandler printed
    with pytest.raises(ProcessLookupError):
        os.kill(int(pid_file.read_text(encoding="utf-8")), 0)


def test_a_failing_command_reports_its_output(tmp_path: Path) -> None:
    with pytest.raises(AssertionError, match=r"exited 3 in .*\n.*broken"):
        toolrun.run(tmp_path, "fails", [sys.executable, "-c",
                                        "import sys; print('broken'); sys.exit(3)"])


def test_a_passing_command_gives_its_stdout_and_reads_stdin(tmp_path: Path) -> None:
    echo = [sys.executable, "-c", "import sys; print(sys.stdin.read().upper())"]
    assert toolrun.run(tmp_path, "echo", echo, stdin="yes") == "YES\n"
