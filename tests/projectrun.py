"""Running a generated project as its README says: make targets, a free port, HTTP calls."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

from watchrun import run_watched


def make(project: Path, *targets: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    """Run ``make TARGETS`` in the project; its output, whatever the exit code. If it hangs,
    an AssertionError with the stacks of the Python processes it ran (see watchrun)."""
    return run_watched(["make", *targets], project, timeout)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str) -> tuple[int, str]:
    """GET ``url``: status and body."""
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode()


@dataclass
class Running:
    """A project's `make run`: the port it serves on, and its output once it has stopped."""

    port: int
    output: str = ""

    def url(self, path: str) -> str:
        return f"http://127.0.0.1:{self.port}{path}"


@contextmanager
def make_run(project: Path, ready_path: str, timeout: float) -> Iterator[Running]:
    """Start ``make run PORT=...`` in a session of its own and wait until ``ready_path`` answers;
    on leaving, stop the whole session with SIGTERM and keep its output."""
    running = Running(port=free_port())
    server = subprocess.Popen(
        ["make", "run", f"PORT={running.port}"], cwd=project, stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT, text=True, start_new_session=True,
    )
    try:
        deadline = time.monotonic() + timeout
        while True:
            try:
                get(running.url(ready_path))
                break
            except OSError:
                assert server.poll() is None, server.stdout.read() if server.stdout else ""
                assert time.monotonic() < deadline, f"{ready_path} did not answer in {timeout} s"
                time.sleep(0.3)
        yield running
    finally:
        os.killpg(server.pid, signal.SIGTERM)
        running.output, _ = server.communicate(timeout=60)
