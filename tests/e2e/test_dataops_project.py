"""The DataOps layer on its defaults works out of the box, as its README says: `make test` passes
offline, and `make run` ingests the shipped sample, checks it against the contracts (bad rows
quarantined with their reasons), masks PII, builds the SQL models and the catalog, all with
`dvc repro`; a second run re-runs nothing and the CI's data-quality target passes."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from projectrun import make

pytestmark = [pytest.mark.e2e, pytest.mark.slow]


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from opsgen.cli import main

    dest = tmp_path_factory.mktemp("generated") / "acme-data"
    assert main(["new", str(dest), "--defaults", "--layer", "dataops"]) == 0
    return dest


def _ok(result: subprocess.CompletedProcess[str]) -> str:
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    return result.stdout


def test_readme_gives_the_two_commands_first(project: Path) -> None:
    head = "\n".join((project / "README.md").read_text(encoding="utf-8").splitlines()[:8])
    assert "make run" in head and "ingests" in head
    assert "make test" in head


def test_make_test_passes(project: Path) -> None:
    output = _ok(make(project, "test"))
    assert " passed" in output and "failed" not in output


def test_make_run_runs_the_pipeline_with_dvc(project: Path) -> None:
    output = _ok(make(project, "run"))
    for stage in ("ingest", "validate", "transform", "catalog"):
        assert f"Running stage 'data/dvc.yaml:{stage}'" in output, output[-3000:]
    report = json.loads((project / "data/reports/run.json").read_text(encoding="utf-8"))
    assert report["validate"]["orders"]["quarantined"] == 6
    assert report["validate"]["customers"]["quarantined"] == 2
    assert (project / "data/curated/customer_summary.parquet").is_file()
    assert (project / "data/warehouse.duckdb").is_file()
    page = (project / "docs/catalog/index.html").read_text(encoding="utf-8")
    assert "country_revenue" in page and "data-platform@example.com" in page
    lines = (project / "data/lineage/events.jsonl").read_text(encoding="utf-8").splitlines()
    completed = [json.loads(line)["job"]["name"] for line in lines
                 if json.loads(line)["eventType"] == "COMPLETE"]
    # Two ingest and two validate jobs (one per dataset), one transform job per model.
    assert sorted(completed) == sorted([
        "ingest_customers", "ingest_orders", "validate_customers", "validate_orders",
        "transform_customer_summary", "transform_daily_revenue", "transform_country_revenue"])
    # No raw email reaches anything outside the raw zone.
    assert "ada." not in (project / "docs/catalog/catalog.json").read_text(encoding="utf-8")


def test_a_second_run_reruns_nothing(project: Path) -> None:
    _ok(make(project, "data-pipeline"))  # the first run: whatever ran before, or not
    output = _ok(make(project, "data-pipeline"))
    assert "didn't change, skipping" in output, output[-3000:]
    assert "Running stage" not in output


def test_git_sees_only_the_lock_file_and_the_catalog(project: Path) -> None:
    """The data zones, the warehouse and the PII key are ignored; DVC's lock file (staged by
    DVC) and the catalog's pages are what a team commits."""
    status = subprocess.run(["git", "status", "--porcelain", "--untracked-files=all"],
                            cwd=project, capture_output=True, text=True, check=True).stdout
    paths = sorted(line[3:] for line in status.splitlines())
    assert paths == ["data/dvc.lock", "docs/catalog/catalog.json", "docs/catalog/index.html"]


def test_the_ci_data_quality_target_passes(project: Path) -> None:
    output = _ok(make(project, "data-quality"))
    assert "validate: orders: 1000 rows, 994 valid, 6 quarantined" in output


def test_spark_project_tests_and_pipeline(tmp_path_factory: pytest.TempPathFactory) -> None:
    """With data_processing spark, the project's .venv gets pyspark and its `make test` and
    `make run` build the same models with Spark SQL in local mode (Java from the machine)."""
    from opsgen.cli import main

    dest = tmp_path_factory.mktemp("generated") / "acme-spark"
    assert main(["new", str(dest), "--defaults", "--layer", "dataops",
                 "--set", "data_processing=spark"]) == 0
    output = _ok(make(dest, "test"))
    assert " passed" in output and "failed" not in output
    output = _ok(make(dest, "run"))
    assert "transform: customer_summary: 198 rows (spark), contract met" in output, output[-3000:]
    assert (dest / "data/curated/country_revenue.parquet").is_dir()
    catalog = json.loads((dest / "docs/catalog/catalog.json").read_text(encoding="utf-8"))
    assert {d["name"] for d in catalog["datasets"]} >= {"daily_revenue", "country_revenue"}
