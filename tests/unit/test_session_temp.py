"""Every pytest this suite runs keeps its temporary folders in the run's own folder, away from the
system's pytest-of-<user>, whose older folders a pytest deletes when it exits (see conftest)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

INNER_TEST = """
def test_uses_a_temporary_folder(tmp_path):
    print("TMP", tmp_path)
"""


def test_this_runs_temporary_folders_are_its_own(tmp_path: Path) -> None:
    root = Path(os.environ["PYTEST_DEBUG_TEMPROOT"])
    assert root.is_relative_to(Path(os.environ["OPSGEN_TEST_SHARED"]))
    assert tmp_path.resolve().is_relative_to(root.resolve())


def test_a_pytest_it_starts_does_not_touch_the_systems_folder(tmp_path: Path) -> None:
    (tmp_path / "test_inner.py").write_text(INNER_TEST, encoding="utf-8")
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-s", "-p", "no:cacheprovider", "-p", "no:xdist",
         "test_inner.py"],
        cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    inner = Path(done.stdout.split("TMP ", 1)[1].split()[0])
    assert inner.resolve().is_relative_to(Path(os.environ["PYTEST_DEBUG_TEMPROOT"]).resolve())
