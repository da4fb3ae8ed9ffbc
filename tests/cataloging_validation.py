"""Builtin validators of the DataOps layer's external catalogs (data_cataloging tools).

The DataHub recipe is run by DataHub itself: on a scratch copy of the project the pipeline loads
the warehouse (data venv), dbt builds the models and writes its artifacts (`dbt docs generate`),
then DataHub's own pipeline runs the recipe, its sink swapped for a file (no DataHub server runs
here; the recipe's own sink config is still validated by DataHub's config model, and with no
server to merge with, the source writes whole aspects instead of patches). The check
passes when every model reached DataHub with its lineage from the tables it reads.

The OpenMetadata workflow is validated by OpenMetadata's own config model, and its source (the
project's CustomDatabase connector, as OpenMetadata has no DuckDB one) is imported the way
`metadata ingest` imports it and run on the warehouse the pipeline built; the entities it yields
are OpenMetadata's own request models. No OpenMetadata server runs here, so nothing is sent.
"""

from __future__ import annotations

import json
import re
import shutil
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from toolrun import missing, run, scratch_copy

ENV = ["DO_NOT_TRACK=1", "DATAHUB_TELEMETRY_ENABLED=false", "PII_HASH_KEY=opsgen-validation"]
READS = re.compile(r"\b(?:from|join)\s+(\w+)", re.IGNORECASE)

# Runs in the DataHub venv: validate the recipe as `datahub ingest` does, then run it into a file.
DATAHUB_RUN = """
import sys
from pathlib import Path

from datahub.configuration.config_loader import load_config_file
from datahub.ingestion.run.pipeline import Pipeline
from datahub.ingestion.run.pipeline_config import PipelineConfig
from datahub.ingestion.sink.sink_registry import sink_registry

recipe = load_config_file(Path(sys.argv[1]))
config = PipelineConfig.model_validate(recipe)
sink = sink_registry.get(config.sink.type)
sink.get_config_class().model_validate(config.sink.config or {})
recipe["sink"] = {"type": "file", "config": {"filename": sys.argv[2]}}
# PATCH (the default) merges with what a DataHub server holds; with no server, state it whole.
recipe["source"]["config"]["write_semantics"] = "OVERRIDE"
pipeline = Pipeline.create(recipe)
pipeline.run()
pipeline.raise_from_status()
"""


def _tool(validator: str, exe: str) -> str:
    path = shutil.which(exe)
    if path is None:
        missing(validator, exe)
        raise AssertionError("unreachable")
    return path


def _warehouse(copy: Path, validator: str) -> None:
    """Run the pipeline up to the transform stage, which loads the validated tables into the
    warehouse and builds the models there."""
    python = _tool(validator, "data-python")
    package = next(p.parents[1].name for p in (copy / "src").glob("*/data/pipeline.py"))
    for stage in ("ingest", "validate", "transform"):
        run(copy, validator, ["env", f"PYTHONPATH={copy / 'src'}", *ENV, python, "-m",
                              f"{package}.data.pipeline", stage])


def _dbt_artifacts(copy: Path) -> None:
    """Load the warehouse, let dbt build the models as its nodes and write its artifacts."""
    dbt = _tool("datahub_recipe", "dbt")
    _warehouse(copy, "datahub_recipe")
    transform = copy / "transform"
    for command in (["run"], ["docs", "generate"]):
        run(transform, "datahub_recipe", ["env", f"DBT_PROFILES_DIR={transform}", *ENV, dbt,
                                          *command, "--no-version-check", "--no-use-colors"])


def _snapshot_aspects(records: list[dict[str, Any]], name: str) -> dict[str, dict[str, Any]]:
    """The ``name`` aspect (e.g. ``UpstreamLineage``) of each dataset that DataHub's file sink
    wrote as a metadata change event, by dataset URN."""
    found: dict[str, dict[str, Any]] = {}
    for record in records:
        for snapshot in (record.get("proposedSnapshot") or {}).values():
            for aspect in snapshot.get("aspects") or ():
                for key, value in aspect.items():
                    if key.rsplit(".", 1)[-1] == name:
                        found[snapshot["urn"]] = value
    return found


def _table(urn: str) -> str:
    """The table name of a dataset URN: ``urn:li:dataset:(PLATFORM,db.schema.table,ENV)``."""
    return urn.split(",")[1].split(".")[-1]


def _datahub_recipe(project_dir: Path, files: list[str]) -> None:
    datahub = _tool("datahub_recipe", "datahub-python")
    sources = sorted((project_dir / "transform" / "models").glob("*.sql"))
    tables = {p.stem for p in (project_dir / "contracts").glob("*.yaml")} | {p.stem for p in sources}
    models = {p.stem: {m.lower() for m in READS.findall(p.read_text(encoding="utf-8"))} & tables
              for p in sources}
    with scratch_copy(project_dir, "opsgen-catalog-") as copy:
        _dbt_artifacts(copy)
        out = copy / "datahub-out.json"
        run(copy, "datahub_recipe", ["env", *ENV, datahub, "-c", DATAHUB_RUN, files[0], str(out)])
        records = json.loads(out.read_text(encoding="utf-8"))
    described = _snapshot_aspects(records, "DatasetProperties")
    lineage = _snapshot_aspects(records, "UpstreamLineage")
    for model, reads in models.items():
        urns = [urn for urn, properties in described.items()
                if _table(urn) == model and properties.get("description")]
        if not urns:
            raise AssertionError(f"datahub_recipe: model {model} did not reach DataHub with "
                                 "its description")
        upstreams = {_table(u["dataset"])
                     for urn in urns for u in (lineage.get(urn) or {}).get("upstreams", ())}
        if not reads <= upstreams:
            raise AssertionError(f"datahub_recipe: model {model}: DataHub's lineage has "
                                 f"{sorted(upstreams)}, the SQL reads {sorted(reads)}")


# Runs in the OpenMetadata venv: validate the workflow, import its source as `metadata ingest`
# does and print what the source yields (OpenMetadata's request models, as JSON).
OPENMETADATA_RUN = """
import json
import sys
from pathlib import Path

from metadata.config.common import load_config_file
from metadata.generated.schema.metadataIngestion.workflow import OpenMetadataWorkflowConfig
from metadata.utils.importer import import_from_module

raw = load_config_file(Path(sys.argv[1]))
workflow = OpenMetadataWorkflowConfig.model_validate(raw)
source_class = import_from_module(workflow.source.serviceConnection.root.config.sourcePythonClass)
source = source_class.create(raw["source"], metadata=None)
source.test_connection()
entities = []
for either in source._iter():
    if either.left is not None:
        sys.exit(f"the source failed: {either.left}")
    entities.append({"request": type(either.right).__name__,
                     "entity": either.right.model_dump(mode="json", exclude_none=True)})
print(json.dumps(entities))
"""


def _openmetadata_ingestion(project_dir: Path, files: list[str]) -> None:
    python = _tool("openmetadata_ingestion", "openmetadata-python")
    pii = {(path.stem, column["name"]) for path in (project_dir / "contracts").glob("*.yaml")
           for column in yaml.safe_load(path.read_text(encoding="utf-8"))["columns"]
           if column.get("pii")}
    expected = {p.stem for p in (project_dir / "contracts").glob("*.yaml")} | {
        p.stem for p in (project_dir / "transform" / "models").glob("*.sql")}
    with scratch_copy(project_dir, "opsgen-catalog-") as copy:
        _warehouse(copy, "openmetadata_ingestion")
        output = run(copy, "openmetadata_ingestion", [
            "env", f"PYTHONPATH={copy / 'src'}", *ENV, python, "-c", OPENMETADATA_RUN, files[0]])
    tables = {e["entity"]["name"]: e["entity"] for e in json.loads(output)
              if e["request"] == "CreateTableRequest"}
    if not expected <= set(tables):
        raise AssertionError(f"openmetadata_ingestion: no table for {sorted(expected - set(tables))}")
    unknown = [f"{name}.{column['name']}" for name, table in tables.items()
               for column in table["columns"] if column["dataType"] == "UNKNOWN"]
    if unknown:
        raise AssertionError(f"openmetadata_ingestion: no OpenMetadata type for {unknown}")
    tagged = {(name, column["name"]) for name, table in tables.items()
              for column in table["columns"]
              if any(tag["tagFQN"] == "PII.Sensitive" for tag in column.get("tags") or ())}
    if tagged != pii:
        raise AssertionError(f"openmetadata_ingestion: PII.Sensitive on {sorted(tagged)}, the "
                             f"contracts' PII columns are {sorted(pii)}")


CATALOGING_BUILTINS: dict[str, Callable[[Path, list[str]], None]] = {
    "datahub_recipe": _datahub_recipe,
    "openmetadata_ingestion": _openmetadata_ingestion,
}
