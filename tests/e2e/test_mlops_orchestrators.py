"""Each workflow orchestrator of the MLOps layer works end to end, as the generated README says:
the project's `make test` passes, and `make orchestrate` installs the orchestrator into the
project's .venv and runs the real pipeline through it, registering the model. Kubeflow runs
pipelines on a cluster only: there, `make orchestrate` compiles the pipeline, which is checked."""

from __future__ import annotations

import json
import time
from pathlib import Path

import pytest
import yaml
from projectrun import make
from setups import CATALOG

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# Oozie runs only on a Hadoop cluster (Java), which no registry here serves: its workflow is
# checked by the oozie_workflow validator (Oozie's structure rules and a simulated run).
CLUSTER_ONLY = {"oozie": "Apache Oozie needs a Hadoop cluster; tests/oozie_validation.py checks "
                         "the workflow and simulates its run"}
ORCHESTRATORS = [
    pytest.param(tool.id, marks=[pytest.mark.skip(reason=CLUSTER_ONLY[tool.id])])
    if tool.id in CLUSTER_ONLY else tool.id
    for tool in CATALOG.aspect("workflow_orchestration").tools[1:]
]


def _output(result: object) -> str:
    return str(getattr(result, "stdout", ""))[-4000:] + str(getattr(result, "stderr", ""))[-4000:]


@pytest.mark.parametrize("orchestrator", ORCHESTRATORS)
def test_make_test_and_orchestrate(tmp_path: Path, orchestrator: str) -> None:
    from opsgen.cli import main

    project = tmp_path / "acme-ml"
    assert main(["new", str(project), "--defaults", "--layer", "mlops",
                 "--set", f"workflow_orchestration={orchestrator}"]) == 0

    started = time.monotonic()
    result = make(project, "test")
    assert result.returncode == 0, _output(result)
    assert " passed" in result.stdout and "failed" not in result.stdout
    tested = time.monotonic()

    result = make(project, "orchestrate", timeout=1500)
    assert result.returncode == 0, _output(result)
    print(f"{orchestrator}: make test {tested - started:.0f}s, "
          f"make orchestrate {time.monotonic() - tested:.0f}s")

    if orchestrator == "kubeflow":
        compiled = list(yaml.safe_load_all(
            (project / "outputs" / "kubeflow" / "ml_train.yaml").read_text(encoding="utf-8")))
        tasks = compiled[0]["root"]["dag"]["tasks"]
        for up, down in [("prepare", "train"), ("train", "evaluate"), ("evaluate", "register")]:
            assert tasks[down]["dependentTasks"] == [up]
        images = {e["container"]["image"]
                  for e in compiled[0]["deploymentSpec"]["executors"].values()}
        assert images == {"acme-ml:0.1.0"}
        return
    record = json.loads((project / "outputs" / "registered.json").read_text(encoding="utf-8"))
    assert record["version"] == "1" and record["stage"] == "staging", record
    metrics = json.loads((project / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["accuracy"] >= 0.85
