"""Running a generated project as its README says: make targets, a free port, HTTP calls."""

from __future__ import annotations

import socket
import subprocess
import urllib.request
from pathlib import Path


def make(project: Path, *targets: str, timeout: int = 900) -> subprocess.CompletedProcess[str]:
    """Run ``make TARGETS`` in the project; its output, whatever the exit code."""
    return subprocess.run(["make", *targets], cwd=project, capture_output=True, text=True,
                          timeout=timeout, check=False)


def free_port() -> int:
    """A TCP port free on 127.0.0.1 right now."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def get(url: str) -> tuple[int, str]:
    """GET ``url``: status and body."""
    with urllib.request.urlopen(url, timeout=5) as response:
        return response.status, response.read().decode()
