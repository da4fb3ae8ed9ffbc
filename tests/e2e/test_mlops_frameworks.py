"""The ML project on PyTorch works out of the box: its own `make test` passes, and `make train`
runs the DVC pipeline (prepare -> train -> evaluate -> register) to a registered model.

torch is pinned to 2.13.0 in the generated pyproject.toml; where that release's CPU wheel is not
on the machine, pip downloads it (the CUDA build from PyPI on Linux: large and slow).
TensorFlow's `make` (a 2.3 GB install per run) is not run here: a TensorFlow project's tests/ml
run through the catalog's ml_tests check in the full combination matrix (OPSGEN_MATRIX_FULL=1).
"""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.slow,
    pytest.mark.skipif(shutil.which("make") is None, reason="make is not installed"),
]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from opsgen.cli import main

    # Not named after a dependency: a project called "torch" could not install torch.
    dest = tmp_path_factory.mktemp("generated") / "wine-mlp"
    args = ["new", str(dest), "--defaults", "--layer", "mlops", "--set", "ml_frameworks=pytorch"]
    assert main(args) == 0
    return dest


@pytest.fixture(scope="module")
def venv(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """One virtualenv for both targets: the project's setup installs into it once."""
    return tmp_path_factory.mktemp("venv") / "venv"


def make(project: Path, venv: Path, *targets: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["make", *targets, f"VENV={venv}"], cwd=project, capture_output=True,
                          text=True, timeout=1800, check=False)


def test_the_project_trains_with_pytorch(project: Path) -> None:
    framework = next(project.glob("src/*/ml/framework.py")).read_text(encoding="utf-8")
    assert "import torch" in framework
    assert '"torch==2.13.0"' in (project / "pyproject.toml").read_text(encoding="utf-8")


def test_make_test_passes(project: Path, venv: Path) -> None:
    result = make(project, venv, "test")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert " passed" in result.stdout


def test_make_train_registers_a_model(project: Path, venv: Path) -> None:
    result = make(project, venv, "train")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    record = json.loads((project / "outputs" / "registered.json").read_text(encoding="utf-8"))
    assert record["stage"] == "staging"
    assert record["version"] == "1"
    assert (project / "outputs" / "model" / "model.pt").is_file()
    metrics = json.loads((project / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["accuracy"] >= 0.85
    # dvc.lock records every stage: a second `make train` has nothing to re-run.
    again = make(project, venv, "train")
    assert again.returncode == 0, again.stdout[-4000:] + again.stderr[-4000:]
    assert "Running stage" not in again.stdout
