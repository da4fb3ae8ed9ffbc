"""The pipelines of a generated project that the workflow orchestrators run, one task per stage:
the MLOps layer's training pipeline and the DataOps layer's data pipeline. An orchestrator's file
names the pipeline it runs (``ml_train.py``, ``data_pipeline/workflow.xml``)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class Pipeline:
    """A pipeline of the generated project that the orchestrators run, one stage per task."""

    name: str  # the orchestrator file's stem (or folder): the Dagster job, the DAG id's suffix
    module: str  # PACKAGE.<module>.pipeline
    stages: tuple[str, ...]
    root_env: str  # the variable naming the project folder the stages run in
    last_task: str  # the Luigi task that requires all the others


ML = Pipeline("ml_train", "ml", ("prepare", "train", "evaluate", "register"), "ML_PIPELINE_ROOT",
              "MlRegister")
DATA = Pipeline("data_pipeline", "data", ("ingest", "validate", "transform", "catalog"),
                "DATA_PIPELINE_ROOT", "DataCatalog")
PIPELINES = {pipeline.name: pipeline for pipeline in (ML, DATA)}


def pipeline_of(validator_id: str, name: str) -> Pipeline:
    """The pipeline a generated file defines, from its name (``ml_train.py``,
    ``data_pipeline/workflow.xml``)."""
    path = Path(name)
    for part in (path.stem, path.parent.name):
        if part in PIPELINES:
            return PIPELINES[part]
    raise AssertionError(f"{validator_id}: {name} names none of the pipelines {sorted(PIPELINES)}")


def package_of(project_dir: Path, pipeline: Pipeline) -> str:
    """The project's package, the one holding the pipeline's module."""
    found = sorted(project_dir.glob(f"src/*/{pipeline.module}/pipeline.py"))
    if not found:
        raise AssertionError(f"no src/PACKAGE/{pipeline.module}/pipeline.py in the project")
    return found[0].parents[1].name
