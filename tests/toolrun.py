"""Running a validator's tool: its output, a clear AssertionError when it fails, and a skip (a
failure in CI, where OPSGEN_REQUIRE_VALIDATORS=1) when it is not installed."""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
from watchrun import Hung, run_watched

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
        missing(validator_id, name)
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


def pytest_options(copy: Path) -> list[str]:
    """Options for a generated project's own pytest run in a scratch copy: quiet, no cache, and
    its temporary folders beside the copy, so the run never lists or deletes the numbered
    folders under the system's pytest folder that this suite's other runs are using."""
    return ["-q", "-p", "no:cacheprovider", f"--basetemp={copy.parent / 'pytest-tmp'}"]


def run(
    project_dir: Path, validator_id: str, argv: list[str], stdin: str | None = None,
    env: dict[str, str] | None = None,
) -> str:
    """Run a validator's command in the project (in ``env``, default this process's environment);
    its stdout, or AssertionError if it fails or hangs (saying where: see watchrun)."""
    env = {**(os.environ if env is None else env), "NO_COLOR": "1"}
    try:
        done = run_watched(argv, project_dir, TIMEOUT_SECONDS, env, stdin)
    except Hung as hung:
        raise AssertionError(f"{validator_id}: {hung}") from None
    if done.returncode != 0:
        output = "\n".join(s.strip() for s in (done.stdout, done.stderr) if s.strip())
        raise AssertionError(
            f"{validator_id}: `{' '.join(argv)}` exited {done.returncode} in {project_dir}:\n"
            f"{output}"
        )
    return done.stdout
