"""The Apache Spark data processing tool: the generated project's own data tests, whose pipeline
runs the SQL models on a local Spark session, in the spark venv that .ci/run sets up (pyspark on
the machine's Java 17), exposed as ``spark-python``."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

from toolrun import executable, run, scratch_copy

SPARK_ENGINE = 'ENGINE = "spark"'


def is_spark_project(project_dir: Path) -> bool:
    """Whether the project's transform stage runs on Spark (its tests then need pyspark)."""
    return any(SPARK_ENGINE in path.read_text(encoding="utf-8")
               for path in project_dir.glob("src/*/data/transform.py"))


def _spark_tests(project_dir: Path, files: list[str]) -> None:
    """The project's tests/data (warnings are errors there) on a scratch copy: the pipeline
    ingests, validates, builds every model with Spark SQL into data/curated and catalogs it."""
    python = executable("spark_tests", "spark-python")
    if not is_spark_project(project_dir):
        raise AssertionError(f"spark_tests: {files}: the transform stage does not run on Spark")
    with scratch_copy(project_dir, "opsgen-spark-") as copy:
        out = run(copy, "spark_tests", [
            "env", f"PYTHONPATH={copy / 'src'}", "SPARK_MASTER=local[2]",
            # The driver binds to loopback: no lookup of the host name, no network needed.
            "SPARK_LOCAL_IP=127.0.0.1", "GX_ANALYTICS_ENABLED=false",
            python, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/data"])
        if " passed" not in out:
            raise AssertionError(f"spark_tests: no test ran:\n{out}")


SPARK_BUILTINS: dict[str, Callable[[Path, list[str]], None]] = {
    "spark_tests": _spark_tests,
}
