"""A failed git command becomes one line naming git's verb (not an option) and git's message."""

from __future__ import annotations

import subprocess
from pathlib import Path

import pytest

from opsgen.errors import GenerationError
from opsgen.gitops import failure, git


@pytest.mark.parametrize(
    ("options", "verb"),
    [((), "status"), (("--work-tree=elsewhere",), "status"), (("-c", "core.quotepath=off"), "status")],
)
def test_a_failure_names_the_verb_after_the_options(
    tmp_path: Path, options: tuple[str, ...], verb: str
) -> None:
    outside = tmp_path / "not-a-repository"
    outside.mkdir()
    with pytest.raises(GenerationError) as raised:
        git(outside, "--git-dir=missing.git", *options, verb)
    message = str(raised.value)
    assert message.startswith(f"git {verb}: fatal: "), message
    assert "\n" not in message


def test_a_failure_without_output_says_failed(tmp_path: Path) -> None:
    error = subprocess.CalledProcessError(1, ["git", "-C", str(tmp_path), "add", "-A"], "", "")
    assert failure(error, error.cmd[3:]) == "git add: failed"
