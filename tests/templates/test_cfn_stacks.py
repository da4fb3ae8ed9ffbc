"""GitHub Actions lints every CloudFormation stack the project has (the Glue stacks of the
DataOps and MLOps layers next to template.yaml), as the catalog's cfn_lint check does: the
CloudFormation job's script, run here with the real cfn-lint, passes, and fails once one of the
Glue stacks is broken."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
import yaml
from clirun import opsgen

GLUE_ON_CLOUDFORMATION = [
    "--layer", "mlops", "--layer", "dataops", "--set", "data_integration=files,aws_glue",
    "--set", "infrastructure_as_code=cloudformation", "--set", "continuous_deployment=cloudformation",
]

pytestmark = pytest.mark.skipif(shutil.which("cfn-lint") is None, reason="cfn-lint is not installed")


def lint_script(project: Path) -> str:
    """The CloudFormation job's script, without its install (cfn-lint is on PATH here)."""
    workflow = yaml.safe_load((project / ".github/workflows/ci.yml").read_text(encoding="utf-8"))
    (step,) = [s for s in workflow["jobs"]["cloudformation"]["steps"] if "cfn-lint" in s.get("run", "")]
    lines = [line for line in step["run"].splitlines() if "-venv" not in line]
    return "\n".join(lines)


def run_lint(project: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["bash", "-eo", "pipefail", "-c", lint_script(project)],
                          cwd=project, capture_output=True, text=True,
                          env=os.environ.copy(), check=False, timeout=600)


@pytest.mark.parametrize("stack", ["glue.yaml", "glue-training.yaml"])
def test_github_lints_every_glue_stack(capsys: pytest.CaptureFixture[str], tmp_path: Path,
                                       stack: str) -> None:
    project = tmp_path / "lake"
    assert opsgen(capsys, "new", project, "--defaults", *GLUE_ON_CLOUDFORMATION).code == 0
    assert {"template.yaml", "glue.yaml", "glue-training.yaml"} <= {
        p.name for p in (project / "infra/cloudformation").glob("*.yaml")}
    passed = run_lint(project)
    assert passed.returncode == 0, passed.stdout + passed.stderr
    broken = project / "infra/cloudformation" / stack
    text = broken.read_text(encoding="utf-8")
    # An attribute no AWS::Glue::Job has: cfn-lint's schema check (E3002) refuses it.
    broken.write_text(text.replace("    Type: AWS::Glue::Job\n    Properties:\n",
                                   "    Type: AWS::Glue::Job\n    Properties:\n      Colour: red\n", 1),
                      encoding="utf-8")
    assert broken.read_text(encoding="utf-8") != text
    failed = run_lint(project)
    assert failed.returncode != 0
    assert stack in failed.stdout + failed.stderr
