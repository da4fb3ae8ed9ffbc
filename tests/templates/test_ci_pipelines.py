"""Every CI tool's pipeline runs the project's real commands: `make lint` and `make test`."""

from __future__ import annotations

from pathlib import Path

import pytest
from clirun import opsgen
from validation import matching_files

from opsgen.catalog import default_catalog
from opsgen.config import Overrides, resolve
from opsgen.errors import ConfigError

CATALOG = default_catalog()
CI = CATALOG.aspect("continuous_integration")


def ci_choices() -> list[object]:
    params: list[object] = []
    for tool in CI.tools:
        sets = [f"continuous_integration={tool.id}"]
        try:
            resolve(CATALOG, {"name": "x"}, Overrides(sets=tuple(sets)))
        except ConfigError as error:
            params.append(pytest.param(tool.id, sets, marks=pytest.mark.skip(reason=str(error))))
            continue
        params.append(pytest.param(tool.id, sets, id=tool.id))
    return params


@pytest.mark.parametrize(("tool_id", "sets"), ci_choices())
def test_pipeline_runs_the_projects_lint_and_tests(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, tool_id: str, sets: list[str]
) -> None:
    dest = tmp_path / "svc"
    args = [arg for item in sets for arg in ("--set", item)]
    assert opsgen(capsys, "new", dest, "--defaults", *args).code == 0
    globs = [check.files for check in CI.tool(tool_id).checks]
    files = sorted({name for pattern in globs for name in matching_files(dest, pattern)})
    assert files, f"{tool_id}: its checks match no pipeline file"
    text = "\n".join((dest / name).read_text(encoding="utf-8") for name in files)
    assert "make test" in text, f"{tool_id}: no pipeline step runs `make test` ({files})"
    assert "make lint" in text, f"{tool_id}: no pipeline step runs `make lint` ({files})"


TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"


@pytest.mark.parametrize(("tool_id", "sets"), ci_choices())
def test_pipeline_installs_pytorch_from_its_cpu_index(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, tool_id: str, sets: list[str]
) -> None:
    """PyPI's Linux PyTorch wheels bundle CUDA (gigabytes no CI job uses): every pipeline of a
    PyTorch project points pip at the CPU wheels, and only a PyTorch project's does."""
    texts = {}
    for framework in ("pytorch", "scikit_learn"):
        dest = tmp_path / framework.replace("_", "-")
        args = [arg for item in [*sets, f"ml_frameworks={framework}"] for arg in ("--set", item)]
        assert opsgen(capsys, "new", dest, "--defaults", "--layer", "mlops", *args).code == 0
        globs = [check.files for check in CI.tool(tool_id).checks]
        files = sorted({name for pattern in globs for name in matching_files(dest, pattern)})
        texts[framework] = "\n".join((dest / name).read_text(encoding="utf-8") for name in files)
    assert TORCH_CPU_INDEX in texts["pytorch"], f"{tool_id}: no CPU index for PyTorch"
    assert TORCH_CPU_INDEX not in texts["scikit_learn"], f"{tool_id}: CPU index without PyTorch"
