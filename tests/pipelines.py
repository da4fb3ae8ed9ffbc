"""Generated projects' CI pipelines, for the tests that read them: the project variants that
exercise a pipeline's optional parts, and a project of one variant built by one CI tool."""

from __future__ import annotations

from pathlib import Path

import pytest
from clirun import opsgen
from validation import matching_files

from opsgen.catalog import default_catalog

CI = default_catalog().aspect("continuous_integration")

VARIANTS = {
    "defaults": ["--layer", "mlops", "--layer", "dataops"],
    "kubernetes": ["--set", "containerization=docker,kubernetes", "--set",
                   "continuous_deployment=kubernetes", "--set", "infrastructure_as_code=none",
                   "--set", "monitoring_logging=prometheus_grafana,elk",
                   "--set", "configuration_management=saltstack"],
    # The model server (serving/Dockerfile) deployed next to the service.
    "model": ["--layer", "mlops", "--set", "containerization=docker,kubernetes",
              "--set", "continuous_deployment=kubernetes", "--set", "infrastructure_as_code=none"],
    "cloudformation": ["--set", "continuous_deployment=cloudformation",
                       "--set", "infrastructure_as_code=cloudformation",
                       "--set", "configuration_management=puppet"],
}


def pipeline_of(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, tool_id: str, variant: str
) -> tuple[Path, list[str]]:
    """A project of ``variant`` built by the CI ``tool_id``, and its pipeline files."""
    dest = tmp_path / "svc"
    args = ["--set", f"continuous_integration={tool_id}", *VARIANTS[variant]]
    assert opsgen(capsys, "new", dest, "--defaults", *args).code == 0
    globs = [check.files for check in CI.tool(tool_id).checks]
    return dest, sorted({name for pattern in globs for name in matching_files(dest, pattern)})
