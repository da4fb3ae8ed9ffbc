"""Kafka in the MLOps layer: `make training-kafka-produce` publishes the landed training rows to
the topic `<project>.training`, `make training-kafka-ingest` lands the topic's new messages as one
more file of data/landing/training. The project's own tests (tests/ml/test_kafka.py, run by the
ml_tests check) prove the module on confluent-kafka's mock cluster; these prove the wiring around
it: confluent-kafka is a dependency once, with one layer or both; the make targets the README
names exist and do not clash with the DataOps layer's; and, end to end, the targets run in the
project's own .venv against a broker in another process."""

from __future__ import annotations

import contextlib
import csv
import json
import os
import re
import subprocess
import tomllib
from collections.abc import Iterator
from pathlib import Path

import pytest
from clirun import new_project
from projectrun import make
from watchrun import run_watched

LAYERS = {"mlops": ("mlops",), "both": ("mlops", "dataops")}
TARGETS = {
    "mlops": {"training-kafka-produce", "training-kafka-ingest"},
    "both": {"training-kafka-produce", "training-kafka-ingest", "kafka-produce", "kafka-ingest"},
}
# A mock Kafka cluster (librdkafka's, inside this process) for other processes to use: it prints
# its bootstrap servers and runs until its stdin is closed.
BROKER = """
import sys
from confluent_kafka import Producer
holder = Producer({"test.mock.num.brokers": 1, "log_level": 0})
brokers = holder.list_topics(timeout=10).brokers.values()
print(",".join(f"{b.host}:{b.port}" for b in brokers), flush=True)
sys.stdin.read()
"""


@pytest.fixture(scope="module")
def projects(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    """An MLOps project with Kafka, and one with the DataOps layer as well."""
    made = {}
    for key, layers in LAYERS.items():
        dest = tmp_path_factory.mktemp("kafka") / f"kafka-{key}"
        made[key] = new_project(dest, layers, ("data_integration=files,kafka",))
    return made


@pytest.mark.parametrize("key", LAYERS)
def test_confluent_kafka_is_a_dependency_once(projects: dict[str, Path], key: str) -> None:
    pyproject = tomllib.loads((projects[key] / "pyproject.toml").read_text(encoding="utf-8"))
    dependencies = pyproject["project"]["dependencies"]
    assert [d for d in dependencies if d.startswith("confluent-kafka")] == ["confluent-kafka>=2.6,<3"]


def test_each_layer_has_its_kafka_module(projects: dict[str, Path]) -> None:
    def modules(project: Path) -> list[str]:
        return sorted(p.relative_to(project / "src").as_posix()
                      for p in project.glob("src/*/*/kafka.py"))

    assert modules(projects["mlops"]) == ["kafka_mlops/ml/kafka.py"]
    assert modules(projects["both"]) == ["kafka_both/data/kafka.py", "kafka_both/ml/kafka.py"]
    assert (projects["mlops"] / "tests/ml/test_kafka.py").is_file()


@pytest.mark.parametrize("key", LAYERS)
def test_the_readme_names_the_make_targets(projects: dict[str, Path], key: str) -> None:
    help_run = make(projects[key], "help", timeout=60)
    assert help_run.returncode == 0, help_run.stderr
    # Two layers defining one target: make keeps the last recipe, with only a warning.
    assert "overriding recipe" not in help_run.stderr
    listed = {line.split()[0] for line in help_run.stdout.splitlines() if line.strip()}
    readme = (projects[key] / "README.md").read_text(encoding="utf-8")
    named = set(re.findall(r"`make\s+([a-z-]*kafka[a-z-]*)`", readme))
    assert named == TARGETS[key]
    assert named <= listed



@pytest.mark.parametrize("key", LAYERS)
def test_compose_starts_one_local_broker(projects: dict[str, Path], key: str) -> None:
    """Either layer's Kafka brings the local broker the README points at (`docker compose up
    kafka`), once, whether the DataOps layer is there or not."""
    project = projects[key]
    assert "compose.kafka.yaml" in (project / "compose.yaml").read_text(encoding="utf-8")
    rendered = subprocess.run(["docker-compose", "-f", "compose.yaml", "config", "--format", "json"],
                              cwd=project, capture_output=True, text=True, check=False, timeout=120)
    if rendered.returncode != 0 and "docker-compose" in rendered.stderr + rendered.stdout:
        pytest.fail(rendered.stderr)
    assert rendered.returncode == 0, rendered.stderr
    services = json.loads(rendered.stdout)["services"]
    assert services["kafka"]["image"].startswith("apache/kafka:")
    assert [p["host_ip"] for p in services["kafka"]["ports"]] == ["127.0.0.1"]
    assert "`docker compose up kafka`" in (project / "README.md").read_text(encoding="utf-8")


@contextlib.contextmanager
def _broker(python: Path) -> Iterator[str]:
    """A mock Kafka cluster in a process of its own; yields its bootstrap servers."""
    process = subprocess.Popen([str(python), "-c", BROKER], stdin=subprocess.PIPE,
                               stdout=subprocess.PIPE, text=True)
    try:
        assert process.stdout is not None
        servers = process.stdout.readline().strip()
        assert servers, "the mock cluster did not start"
        yield servers
    finally:
        if process.stdin is not None:
            process.stdin.close()
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def _rows(path: Path) -> tuple[list[str], set[tuple[float, ...]]]:
    with path.open(encoding="utf-8", newline="") as lines:
        header, *rows = list(csv.reader(lines))
    return header, {tuple(float(value) for value in row) for row in rows}


@pytest.mark.e2e
@pytest.mark.slow
def test_the_make_targets_round_trip_through_a_broker(projects: dict[str, Path]) -> None:
    """In the project's own .venv (so confluent-kafka is installed): publish the shipped
    training rows, land them back as a kafka-*.csv, and pass the project's Kafka tests."""
    project = projects["mlops"]
    setup = make(project, "setup", timeout=1800)
    assert setup.returncode == 0, setup.stdout[-3000:] + setup.stderr[-3000:]
    python = project / ".venv/bin/python"
    landing = project / "data/landing/training"
    header, shipped = _rows(landing / "wine.csv")
    with _broker(python) as servers:
        env = {**os.environ, "KAFKA_BOOTSTRAP_SERVERS": servers}
        produced = run_watched(["make", "training-kafka-produce"], project, 300, env=env)
        assert produced.returncode == 0, produced.stdout + produced.stderr
        assert f"kafka: {len(shipped)} training row(s) -> kafka-mlops.training" in produced.stdout
        ingested = run_watched(["make", "training-kafka-ingest"], project, 300, env=env)
        assert ingested.returncode == 0, ingested.stdout + ingested.stderr
    landed = list(landing.glob("kafka-*.csv"))
    assert len(landed) == 1, sorted(p.name for p in landing.iterdir())
    assert landed[0].name in ingested.stdout
    assert _rows(landed[0]) == (header, shipped)
    tests = run_watched([str(python), "-m", "pytest", "-q", "-p", "no:cacheprovider",
                         "tests/ml/test_kafka.py"], project, 600)
    assert tests.returncode == 0, tests.stdout[-3000:] + tests.stderr[-3000:]
