"""Builtin validators of the DataOps layer: the data contracts (what the generated pipeline reads
from them, and that each dataset's landing files have exactly its columns), the project's own
data tests in the data venv, and the dbt project built and tested by dbt itself."""

from __future__ import annotations

import csv
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from spark_validation import is_spark_project
from toolrun import executable, pytest_options, run, scratch_copy

CONTRACT_KEYS = {"dataset", "description", "owner", "classification", "sla", "retention",
                 "source", "primary_key", "columns"}
COLUMN_KEYS = {"name", "type", "description", "nullable", "unique", "min", "max", "allowed",
               "pattern", "pii", "privacy"}
TYPES = {"integer", "float", "string", "date", "timestamp", "boolean"}
CLASSIFICATIONS = {"public", "internal", "confidential", "restricted"}
ENV = ["DVC_NO_ANALYTICS=1", "DO_NOT_TRACK=1", "GX_ANALYTICS_ENABLED=false",
       "PII_HASH_KEY=opsgen-validation"]


def _column_problems(where: str, column: Any) -> list[str]:
    if not isinstance(column, dict):
        return [f"{where}: must be a mapping"]
    problems = [f"{where}: unknown key {key!r}" for key in sorted(set(column) - COLUMN_KEYS)]
    if column.get("type") not in TYPES:
        problems.append(f"{where}.type: {column.get('type')!r} is not one of {sorted(TYPES)}")
    if column.get("pii") and column.get("privacy") not in ("hash", "mask"):
        problems.append(f"{where}: a PII column needs privacy: hash or mask")
    if column.get("pattern") is not None:
        try:
            re.compile(str(column["pattern"]))
        except re.error as error:
            problems.append(f"{where}.pattern: {error}")
    return problems


def _landing_problems(project_dir: Path, name: str, contract: dict[str, Any]) -> list[str]:
    if "model" in contract["source"]:
        # A curated model's contract: the model's SQL must exist and select every column.
        model = project_dir / str(contract["source"]["model"])
        if not model.is_file():
            return [f"{name}: source.model {contract['source']['model']} does not exist"]
        sql = model.read_text(encoding="utf-8")
        return [f"{name}: {model.name} selects no column {column.get('name')!r}"
                for column in contract["columns"]
                if not re.search(rf"\b{re.escape(str(column.get('name')))}\b", sql)]
    columns = [c.get("name") for c in contract["columns"] if isinstance(c, dict)]
    folder = project_dir / str(contract["source"].get("path", ""))
    files = sorted(folder.glob("*.csv")) if folder.is_dir() else []
    if not files:
        return [f"{name}: source.path {folder.relative_to(project_dir)} has no landing files"]
    problems = []
    for file in files:
        with file.open(encoding="utf-8", newline="") as handle:
            header = next(csv.reader(handle), [])
        if header != columns:
            problems.append(f"{name}: {file.relative_to(project_dir)} has columns {header}, "
                            f"the contract {columns}")
    return problems


def _contract_problems(project_dir: Path, name: str) -> list[str]:
    try:
        contract = yaml.safe_load((project_dir / name).read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        return [f"{name}: {error}"]
    if not isinstance(contract, dict):
        return [f"{name}: must be a mapping"]
    absent = CONTRACT_KEYS - set(contract)
    if absent:
        return [f"{name}: missing keys {sorted(absent)}"]
    problems = []
    if contract["dataset"] != Path(name).stem:
        problems.append(f"{name}: dataset {contract['dataset']!r} is not the file's name")
    if contract["classification"] not in CLASSIFICATIONS:
        problems.append(f"{name}: classification {contract['classification']!r}")
    if not contract["owner"].get("team") or not contract["owner"].get("email"):
        problems.append(f"{name}: owner needs a team and an email")
    for index, column in enumerate(contract["columns"]):
        problems += _column_problems(f"{name}: columns[{index}]", column)
    names = {c.get("name") for c in contract["columns"] if isinstance(c, dict)}
    if not set(contract["primary_key"]) <= names or not contract["primary_key"]:
        problems.append(f"{name}: primary_key {contract['primary_key']} is not among the columns")
    return problems or _landing_problems(project_dir, name, contract)


def _data_contracts(project_dir: Path, files: list[str]) -> None:
    problems = [p for name in files for p in _contract_problems(project_dir, name)]
    if problems:
        raise AssertionError("data_contracts: " + "; ".join(problems))


def _data_tests(project_dir: Path, files: list[str]) -> None:
    """The project's own data tests (warnings are errors there) in the data venv, or in the
    spark venv where the transform stage runs on Spark."""
    spark = is_spark_project(project_dir)
    python = executable("data_tests", "spark-python" if spark else "data-python")
    local_spark = ["SPARK_MASTER=local[2]", "SPARK_LOCAL_IP=127.0.0.1"] if spark else []
    with scratch_copy(project_dir, "opsgen-data-") as copy:
        run(copy, "data_tests", ["env", f"PYTHONPATH={copy / 'src'}", *ENV, *local_spark, python,
                                 "-m", "pytest", *pytest_options(copy), *files])


def _dbt_build(project_dir: Path, files: list[str]) -> None:
    """The pipeline ingests and validates the sample (data venv), then `dbt build` builds every
    model and runs the tests of models/schema.yml against the warehouse."""
    python = executable("dbt_build", "data-python")
    dbt = executable("dbt_build", "dbt")
    with scratch_copy(project_dir, "opsgen-dbt-") as copy:
        package = next(p.parents[1].name for p in (copy / "src").glob("*/data/pipeline.py"))
        for stage in ("ingest", "validate"):
            run(copy, "dbt_build", ["env", f"PYTHONPATH={copy / 'src'}", *ENV, python, "-m",
                                    f"{package}.data.pipeline", stage])
        for name in files:
            folder = (copy / name).parent
            run(folder, "dbt_build", ["env", f"DBT_PROFILES_DIR={folder}", "DO_NOT_TRACK=1",
                                      dbt, "build", "--no-version-check", "--no-use-colors"])


DATA_BUILTINS: dict[str, Callable[[Path, list[str]], None]] = {
    "data_contracts": _data_contracts,
    "data_tests": _data_tests,
    "dbt_build": _dbt_build,
}
