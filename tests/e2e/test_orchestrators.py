"""Each workflow orchestrator works end to end for both layers, in one project that has both (one
install of the orchestrator serves both pipelines, as in a team's repository): the project's
`make test` passes, `make orchestrate` runs the real ML pipeline through the orchestrator and
registers the model, and `make data-orchestrate` runs the real data pipeline (ingest -> validate
-> transform -> catalog). Kubeflow runs pipelines on a cluster only: there, both targets compile
their pipeline, which is checked. Oozie needs a Hadoop cluster: skipped, saying so."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path
from typing import Any

import pytest
import yaml
from projectrun import make
from setups import CATALOG

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# Oozie runs only on a Hadoop cluster (Java), which no registry here serves: its workflows are
# checked by the oozie_workflow validator (Oozie's structure rules and a simulated run).
CLUSTER_ONLY = {"oozie": "Apache Oozie needs a Hadoop cluster; tests/oozie_validation.py checks "
                         "the workflows and simulates their runs"}
ORCHESTRATORS = [
    pytest.param(tool.id, marks=[pytest.mark.skip(reason=CLUSTER_ONLY[tool.id])])
    if tool.id in CLUSTER_ONLY else tool.id
    for tool in CATALOG.aspect("workflow_orchestration").tools[1:]
]
ML_STAGES = ["prepare", "train", "evaluate", "register"]
DATA_STAGES = ["ingest", "validate", "transform", "catalog"]


def _output(result: object) -> str:
    return str(getattr(result, "stdout", ""))[-4000:] + str(getattr(result, "stderr", ""))[-4000:]


def _compiled(path: Path, stages: list[str], image: str) -> dict[str, Any]:
    compiled = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
    tasks = compiled[0]["root"]["dag"]["tasks"]
    for up, down in itertools.pairwise(stages):
        assert tasks[down]["dependentTasks"] == [up]
    images = {e["container"]["image"] for e in compiled[0]["deploymentSpec"]["executors"].values()}
    assert images == {image}
    return dict(compiled[0])


@pytest.mark.parametrize("orchestrator", ORCHESTRATORS)
def test_make_test_orchestrate_and_data_orchestrate(tmp_path: Path, orchestrator: str) -> None:
    from opsgen.cli import main

    project = tmp_path / "acme-ops"
    assert main(["new", str(project), "--defaults", "--layer", "mlops", "--layer", "dataops",
                 "--set", f"workflow_orchestration={orchestrator}"]) == 0

    started = time.monotonic()
    result = make(project, "test")
    assert result.returncode == 0, _output(result)
    assert " passed" in result.stdout and "failed" not in result.stdout
    tested = time.monotonic()

    result = make(project, "orchestrate", timeout=1500)
    assert result.returncode == 0, _output(result)
    orchestrated = time.monotonic()

    result = make(project, "data-orchestrate", timeout=1500)
    assert result.returncode == 0, _output(result)
    print(f"{orchestrator}: make test {tested - started:.0f}s, make orchestrate "
          f"{orchestrated - tested:.0f}s, make data-orchestrate {time.monotonic() - orchestrated:.0f}s")

    if orchestrator == "kubeflow":
        _compiled(project / "outputs" / "kubeflow" / "ml_train.yaml", ML_STAGES, "acme-ops:0.1.0")
        data = _compiled(project / "data" / "orchestration" / "kubeflow" / "data_pipeline.yaml",
                         DATA_STAGES, "acme-ops:0.1.0")
        files = json.loads(data["root"]["inputDefinitions"]["parameters"]["files"]
                           ["defaultValue"])
        assert "contracts/orders.yaml" in files and any(n.endswith(".sql") for n in files)
        return
    record = json.loads((project / "outputs" / "registered.json").read_text(encoding="utf-8"))
    assert record["version"] == "1" and record["stage"] == "staging", record
    metrics = json.loads((project / "metrics.json").read_text(encoding="utf-8"))
    assert metrics["accuracy"] >= 0.85
    report = json.loads((project / "data" / "reports" / "run.json").read_text(encoding="utf-8"))
    assert set(DATA_STAGES) <= set(report), report
    assert report["validate"]["orders"]["quarantined"] == 6
    assert (project / "docs" / "catalog" / "catalog.json").is_file()
