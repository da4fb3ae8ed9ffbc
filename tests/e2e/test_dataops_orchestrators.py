"""Each workflow orchestrator of the DataOps layer works end to end, as the generated Makefile
says: `make data-orchestrate` installs the orchestrator into the project's .venv and runs the
real data pipeline through it (ingest -> validate -> transform -> catalog), which reports every
stage and builds the catalog. Kubeflow runs pipelines on a cluster only: there, the target
compiles the pipeline, which is checked. Oozie needs a Hadoop cluster: skipped, saying so."""

from __future__ import annotations

import itertools
import json
import time
from pathlib import Path

import pytest
import yaml
from projectrun import make
from setups import CATALOG

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

CLUSTER_ONLY = {"oozie": "Apache Oozie needs a Hadoop cluster; tests/oozie_validation.py checks "
                         "the workflow and simulates its run"}
ORCHESTRATORS = [
    pytest.param(tool.id, marks=[pytest.mark.skip(reason=CLUSTER_ONLY[tool.id])])
    if tool.id in CLUSTER_ONLY else tool.id
    for tool in CATALOG.aspect("workflow_orchestration").tools[1:]
]
STAGES = ["ingest", "validate", "transform", "catalog"]


def _output(result: object) -> str:
    return str(getattr(result, "stdout", ""))[-4000:] + str(getattr(result, "stderr", ""))[-4000:]


@pytest.mark.parametrize("orchestrator", ORCHESTRATORS)
def test_make_data_orchestrate(tmp_path: Path, orchestrator: str) -> None:
    from opsgen.cli import main

    project = tmp_path / "acme-data"
    assert main(["new", str(project), "--defaults", "--layer", "dataops",
                 "--set", f"workflow_orchestration={orchestrator}"]) == 0

    started = time.monotonic()
    result = make(project, "data-orchestrate", timeout=1500)
    assert result.returncode == 0, _output(result)
    print(f"{orchestrator}: make data-orchestrate {time.monotonic() - started:.0f}s")

    if orchestrator == "kubeflow":
        compiled = list(yaml.safe_load_all((project / "data" / "orchestration" / "kubeflow"
                                            / "data_pipeline.yaml").read_text(encoding="utf-8")))
        tasks = compiled[0]["root"]["dag"]["tasks"]
        for up, down in itertools.pairwise(STAGES):
            assert tasks[down]["dependentTasks"] == [up]
        images = {e["container"]["image"]
                  for e in compiled[0]["deploymentSpec"]["executors"].values()}
        assert images == {"acme-data:0.1.0"}
        files = json.loads(compiled[0]["root"]["inputDefinitions"]["parameters"]["files"]
                           ["defaultValue"])
        assert "contracts/orders.yaml" in files and any(n.endswith(".sql") for n in files)
        return
    report = json.loads((project / "data" / "reports" / "run.json").read_text(encoding="utf-8"))
    assert set(STAGES) <= set(report), report
    assert (project / "docs" / "catalog" / "catalog.json").is_file()
