"""Shared test setup."""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import pytest

# === Session environment: validator tools on PATH, an isolated HOME ==============================
# .ci/run installs the validators under $OPSGEN_TOOLS (default ~/.cache/opsgen-tools, resolved
# with the real HOME before it is replaced) and links them into $OPSGEN_TOOLS/bin, which goes first
# on PATH. Every session then gets a HOME of its own, so opsgen's per-user template store
# (~/.local/share/opsgen), its dev-bundle cache and git's identity never touch the real ones.

_SAVED_ENV: dict[str, str | None] = {}
_SESSION_HOME: Path | None = None


def _set_env(name: str, value: str) -> None:
    _SAVED_ENV.setdefault(name, os.environ.get(name))
    os.environ[name] = value


def pytest_configure(config: pytest.Config) -> None:
    global _SESSION_HOME
    tools = Path(os.environ.get("OPSGEN_TOOLS") or Path.home() / ".cache" / "opsgen-tools")
    _set_env("OPSGEN_TOOLS", str(tools))
    tools_bin = tools / "bin"
    if tools_bin.is_dir():
        _set_env("PATH", os.pathsep.join([str(tools_bin), os.environ.get("PATH", "")]))

    # Subprocesses (`python -m opsgen`, the wizard in a pty) import this checkout's opsgen too,
    # whatever opsgen the interpreter has installed.
    source = str(Path(__file__).resolve().parents[1] / "src")
    _set_env("PYTHONPATH", os.pathsep.join(filter(None, [source, os.environ.get("PYTHONPATH")])))

    _SESSION_HOME = Path(tempfile.mkdtemp(prefix="opsgen-test-home-"))
    _set_env("HOME", str(_SESSION_HOME))
    _set_env("XDG_CACHE_HOME", str(_SESSION_HOME / ".cache"))
    _set_env("XDG_CONFIG_HOME", str(_SESSION_HOME / ".config"))
    _set_env("XDG_DATA_HOME", str(_SESSION_HOME / ".local" / "share"))
    for role in ("AUTHOR", "COMMITTER"):
        _set_env(f"GIT_{role}_NAME", "opsgen tests")
        _set_env(f"GIT_{role}_EMAIL", "opsgen-tests@users.noreply.invalid")
    # copier runs git through plumbum, whose environment is a copy of os.environ taken when it is
    # first imported, not a view: import it now, so that copy is this session's environment and
    # never the one a test happened to monkeypatch when it first used copier in this process.
    import plumbum  # noqa: F401


def pytest_unconfigure(config: pytest.Config) -> None:
    for name, value in _SAVED_ENV.items():
        if value is None:
            os.environ.pop(name, None)
        else:
            os.environ[name] = value
    _SAVED_ENV.clear()
    if _SESSION_HOME is not None:
        shutil.rmtree(_SESSION_HOME, ignore_errors=True)


# === End of session environment ===================================================================
