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


def _spark_transform(project_dir: Path, files: list[str]) -> None:
    """The transform stage runs on Spark: transform.py is the Spark engine, and on a scratch copy
    the pipeline ingests and validates the sample, then builds every SQL model with Spark SQL
    into data/curated/<model>.parquet. (The project's own tests/data run on Spark too, in the
    layer's data_tests check, which takes the spark venv for a Spark project.)"""
    python = executable("spark_transform", "spark-python")
    if not is_spark_project(project_dir):
        raise AssertionError(f"spark_transform: {files}: the transform stage does not run on Spark")
    package = Path(files[0]).parts[1]
    models = sorted(p.stem for p in (project_dir / "transform" / "models").glob("*.sql"))
    with scratch_copy(project_dir, "opsgen-spark-") as copy:
        env = ["env", f"PYTHONPATH={copy / 'src'}", "SPARK_MASTER=local[2]",
               # The driver binds to loopback: no lookup of the host name, no network needed.
               "SPARK_LOCAL_IP=127.0.0.1", "GX_ANALYTICS_ENABLED=false",
               "PII_HASH_KEY=opsgen-validation"]
        for stage in ("ingest", "validate", "transform"):
            run(copy, "spark_transform", [*env, python, "-m", f"{package}.data.pipeline", stage])
        built = sorted(p.stem for p in (copy / "data" / "curated").glob("*.parquet"))
    if not models or built != models:
        raise AssertionError(f"spark_transform: the models {models}, data/curated has {built}")


SPARK_BUILTINS: dict[str, Callable[[Path, list[str]], None]] = {
    "spark_transform": _spark_transform,
}
