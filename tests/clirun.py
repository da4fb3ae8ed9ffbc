"""Drive opsgen through its public entry points: in-process ``main`` or the installed command."""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import opsgen.cli as opsgen_cli
from opsgen.cli import main


def child_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a child ``python -m opsgen``: it runs the opsgen these tests import
    (this checkout's ``src/``), not whichever one is installed."""
    env = dict(os.environ if base is None else base)
    package_root = str(Path(opsgen_cli.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    return env


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
        capture_output=True, text=True, cwd=cwd, check=False, env=child_env(),
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
