"""Drive opsgen through its public entry points: in-process ``main`` or the installed command."""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

from opsgen.cli import main


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def opsgen(capsys: pytest.CaptureFixture[str], *args: str | Path) -> Run:
    """Run opsgen in this process (fast); output is captured."""
    capsys.readouterr()
    try:
        code = main([str(a) for a in args])
    except SystemExit as exit_:  # --help / --version
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


def opsgen_process(*args: str | Path, cwd: Path | None = None, stdin: int | None = None) -> Run:
    """Run opsgen as a real process, the way a user does."""
    result = subprocess.run(
        [sys.executable, "-m", "opsgen", *map(str, args)],
        capture_output=True, text=True, cwd=cwd, check=False,
        stdin=subprocess.DEVNULL if stdin is None else stdin,
    )
    return Run(result.returncode, result.stdout, result.stderr)


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (hidden ones too) with its content, to prove nothing changed."""
    if not folder.exists():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }
