"""Generated projects' CI pipelines, for the tests that read them: the project variants that
exercise a pipeline's optional parts, and a project of one variant built by one CI tool."""

from __future__ import annotations

from pathlib import Path

import jinja2
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
    # GKE's kustomization next to the overlays, and Chef.
    "gke": ["--set", "containerization=docker,kubernetes,gke", "--set",
            "continuous_deployment=kubernetes", "--set", "configuration_management=chef"],
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


REPO = Path(__file__).resolve().parents[1]


def check_script(*calls: str) -> str:
    """The shell lines of ``calls``, macro calls of templates/_shared/checks.jinja (the tool checks
    every CI pipeline runs), one after the other."""
    env = jinja2.Environment(loader=jinja2.FileSystemLoader(REPO), undefined=jinja2.StrictUndefined,
                             keep_trailing_newline=True)
    names = sorted({call.split("(")[0] for call in calls})
    source = ("{% from 'templates/_shared/checks.jinja' import " + ", ".join(names) + " %}"
              + "\n".join("{{ " + call + " }}" for call in calls))
    return env.from_string(source).render()
