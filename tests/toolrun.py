"""Running a validator's tool: its output, a clear AssertionError when it fails, and a skip (a
failure in CI, where OPSGEN_REQUIRE_VALIDATORS=1) when it is not installed."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

REQUIRE_ENV = "OPSGEN_REQUIRE_VALIDATORS"
TIMEOUT_SECONDS = 600


def missing(validator_id: str, what: str) -> None:
    message = f"{validator_id}: {what} not installed (see .ci/run)"
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def executable(validator_id: str, name: str) -> str:
    """The path of ``name`` on PATH; a skip (a failure in CI) naming it when it is missing."""
    found = shutil.which(name)
    if found is None:
        missing(validator_id, f"{name} (see .ci/run)")
        raise AssertionError("unreachable")
    return found


def load_json(validator_id: str, path: Path) -> Any:
    """The JSON document in ``path``; AssertionError naming the file if it does not parse."""
    try:
        return json.loads(path.read_text(encoding="utf-8"))
    except json.JSONDecodeError as error:
        raise AssertionError(f"{validator_id}: {path.name}: not JSON: {error}") from None


@contextmanager
def scratch_copy(project_dir: Path, prefix: str) -> Iterator[Path]:
    """A throwaway copy of the project, without .git, that a validator may run and write in."""
    with tempfile.TemporaryDirectory(prefix=prefix) as tmp:
        copy = Path(tmp) / "project"
        shutil.copytree(project_dir, copy, symlinks=True, ignore=shutil.ignore_patterns(".git"))
        yield copy


def run(
    project_dir: Path, validator_id: str, argv: list[str], stdin: str | None = None,
    env: dict[str, str] | None = None,
) -> str:
    """Run a validator's command in the project (in ``env``, default this process's environment);
    its stdout, or AssertionError if it fails."""
    env = {**(os.environ if env is None else env), "NO_COLOR": "1"}
    try:
        result = subprocess.run(
            argv, cwd=project_dir, capture_output=True, text=True, env=env,
            input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL,
            timeout=TIMEOUT_SECONDS, check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise AssertionError(
            f"{validator_id}: `{' '.join(argv)}` timed out after {error.timeout}s"
        ) from None
    if result.returncode != 0:
        output = "\n".join(s.strip() for s in (result.stdout, result.stderr) if s.strip())
        raise AssertionError(
            f"{validator_id}: `{' '.join(argv)}` exited {result.returncode} in {project_dir}:\n"
            f"{output}"
        )
    return result.stdout

