"""The MLOps layer on its defaults works out of the box, as its README says: `make test` passes
offline, and `make run` checks the data, trains, tracks and registers the model (dvc repro), then
serves it — predictions, health and drift metrics over real HTTP."""

from __future__ import annotations

import json
import urllib.request
from pathlib import Path

import pytest
import yaml
from projectrun import get, make, make_run

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

WINE = {"alcohol": 13.2, "malic_acid": 1.78, "ash": 2.14, "alcalinity_of_ash": 11.2,
        "magnesium": 100.0, "total_phenols": 2.65, "flavanoids": 2.76,
        "nonflavanoid_phenols": 0.26, "proanthocyanins": 1.28, "color_intensity": 4.38,
        "hue": 1.05, "od280_od315_of_diluted_wines": 3.4, "proline": 1050.0}


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from opsgen.cli import main

    dest = tmp_path_factory.mktemp("generated") / "acme-ml"
    assert main(["new", str(dest), "--defaults", "--layer", "mlops"]) == 0
    return dest


def post(url: str, body: object) -> tuple[int, dict[str, object]]:
    request = urllib.request.Request(url, data=json.dumps(body).encode(), method="POST",
                                     headers={"Content-Type": "application/json"})
    try:
        with urllib.request.urlopen(request, timeout=10) as response:
            return response.status, json.loads(response.read())
    except urllib.error.HTTPError as error:
        return error.code, json.loads(error.read())


def test_readme_gives_the_two_commands_first(project: Path) -> None:
    head = "\n".join((project / "README.md").read_text(encoding="utf-8").splitlines()[:12])
    assert "make run" in head and "trains" in head
    assert "make test" in head


def test_make_test_passes(project: Path) -> None:
    result = make(project, "test")
    assert result.returncode == 0, result.stdout[-4000:] + result.stderr[-4000:]
    assert " passed" in result.stdout and "failed" not in result.stdout


def test_make_run_trains_registers_and_serves(project: Path) -> None:
    assert make(project, "setup").returncode == 0
    with make_run(project, "/health", timeout=600) as running:
        status, body = get(running.url("/health"))
        assert status == 200
        assert json.loads(body) == {"status": "ok", "model": "acme-ml-classifier", "version": "1"}

        status, answer = post(running.url("/predict"), {"instances": [WINE] * 60})
        assert status == 200, answer
        assert answer["model_version"] == "1"
        predictions = answer["predictions"]
        assert isinstance(predictions, list) and set(predictions) <= {0, 1, 2}

        status, answer = post(running.url("/predict"), {"instances": [{**WINE, "hue": "pale"}]})
        assert status == 422

        status, metrics = get(running.url("/metrics"))
        assert 'model_info{framework="scikit-learn",name="acme-ml-classifier"' in metrics
        assert 'model_feature_psi{feature="proline"}' in metrics
        # 60 copies of one wine are nothing like the training data.
        drifted = next(float(line.split()[-1]) for line in metrics.splitlines()
                       if line.startswith("model_drifted_features "))
        assert drifted > 0
    output = running.output
    for stage in ("prepare", "train", "evaluate", "register"):
        assert f"Running stage '{stage}'" in output, output[-3000:]
    record = json.loads((project / "outputs" / "registered.json").read_text(encoding="utf-8"))
    assert record["version"] == "1" and record["stage"] == "staging"
    metrics_file = json.loads((project / "metrics.json").read_text(encoding="utf-8"))
    assert metrics_file["accuracy"] >= 0.85
    runs = list((project / "outputs" / "tracking").glob("*/*/meta.yaml"))
    assert runs, "the training run is not in the MLflow store"


def test_a_second_train_reruns_nothing(project: Path) -> None:
    first = make(project, "train")  # the first run: whatever ran before, or not
    assert first.returncode == 0, first.stdout[-3000:] + first.stderr[-3000:]
    result = make(project, "train")
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "Running stage" not in result.stdout
    assert "didn't change, skipping" in result.stdout + result.stderr


def test_a_landed_file_retrains_on_its_rows(project: Path) -> None:
    landing = project / "data/landing/training"
    shipped = (landing / "wine.csv").read_text(encoding="utf-8").splitlines()
    late = landing / "wine-late.csv"
    try:
        assert make(project, "train").returncode == 0
        # Ten shipped rows, one of them changed: nine count once, the changed one is new.
        rows = [shipped[0], *shipped[1:10]]
        rows[1] = rows[1].replace("14.23,", "14.25,", 1)
        late.write_text("\n".join(rows) + "\n", encoding="utf-8")
        result = make(project, "train")
        assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
        assert "Running stage 'prepare'" in result.stdout
        assert "prepare: 134 training and 45 test rows" in result.stdout
    finally:
        late.unlink(missing_ok=True)


def test_the_gate_fails_ci_when_the_model_is_under_the_threshold(project: Path) -> None:
    params_file = project / "params.yaml"
    original = params_file.read_text(encoding="utf-8")
    params = yaml.safe_load(original)
    try:
        assert make(project, "ml-gate").returncode == 0
        params["evaluate"]["min_accuracy"] = 1.01
        params_file.write_text(yaml.safe_dump(params), encoding="utf-8")
        result = make(project, "ml-gate")
        assert result.returncode != 0
        assert "is under evaluate.min_accuracy 1.01" in result.stderr
    finally:
        params_file.write_text(original, encoding="utf-8")
