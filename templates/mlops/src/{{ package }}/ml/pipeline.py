"""The training pipeline: prepare -> train -> evaluate -> register.

Each stage reads what the previous one wrote under outputs/, so any runner can call them one
at a time: `dvc repro` (dvc.yaml), an orchestrator, or `python -m PACKAGE.ml.pipeline all`.

    python -m PACKAGE.ml.pipeline {prepare,train,evaluate,register,all,gate} [--root DIR]

`gate` is what CI runs: the whole pipeline on a sample (ci.sample_fraction) in a scratch
folder, without tracking or registering, failing when the model scores under the threshold.
"""

from __future__ import annotations

import argparse
import json
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import pandas as pd
import yaml
from sklearn.metrics import accuracy_score, f1_score

from . import data, drift, framework, quality, tracking
from .errors import PipelineError, QualityGateError
from .paths import Paths, load_params

STAGES = ("prepare", "train", "evaluate", "register")


def prepare(paths: Paths, landing: Path | None = None) -> None:
    """Load the landed data (``landing``, by default the workspace's), check its quality,
    split it and save the drift reference."""
    params = load_params(paths.params)["data"]
    raw = data.load_raw(landing or paths.landing)
    frame = data.sample(raw, float(params["sample_fraction"]), int(params["seed"]))
    frame = quality.validate(frame)
    train_set, test_set = data.split(frame, float(params["test_size"]), int(params["seed"]))
    paths.train_csv.parent.mkdir(parents=True, exist_ok=True)
    train_set.to_csv(paths.train_csv, index=False)
    test_set.to_csv(paths.test_csv, index=False)
    drift.save(drift.reference_of(train_set, data.FEATURES), paths.reference)
    print(f"prepare: {len(train_set)} training and {len(test_set)} test rows passed the checks")


def _read(path: Path) -> pd.DataFrame:
    if not path.exists():
        raise PipelineError(f"{path} is missing: run the earlier stages first")
    return pd.read_csv(path)


def _read_text(path: Path) -> str:
    if not path.exists():
        raise PipelineError(f"{path} is missing: run the earlier stages first")
    return path.read_text(encoding="utf-8")


def _score(model: Any, frame: pd.DataFrame) -> dict[str, float]:
    features, target = data.features_and_target(frame)
    predicted = framework.predict(model, features)
    return {
        "accuracy": float(accuracy_score(target, predicted)),
        "f1_macro": float(f1_score(target, predicted, average="macro")),
    }


def train(paths: Paths, *, track: bool = True) -> None:
    """Fit the model on the training set, save it, and log the run."""
    params = load_params(paths.params)["train"]
    frame = quality.validate(_read(paths.train_csv))
    model = framework.train(*data.features_and_target(frame), params)
    shutil.rmtree(paths.model_dir, ignore_errors=True)
    framework.save(model, paths.model_dir)
    scores = {f"train_{k}": v for k, v in _score(model, frame).items()}
    run_id = None
    if track:
        logged = {**params, "framework": framework.NAME, "rows": len(frame)}
        run_id = tracking.log_training(paths, logged, scores, paths.model_dir)
    paths.run.write_text(json.dumps({"run_id": run_id, **scores}) + "\n", encoding="utf-8")
    print(f"train: {framework.NAME} model, training accuracy {scores['train_accuracy']:.3f}")


def evaluate(paths: Paths, *, track: bool = True) -> dict[str, float]:
    """Score the model on the test set; fail under ``evaluate.min_accuracy``."""
    threshold = float(load_params(paths.params)["evaluate"]["min_accuracy"])
    model = framework.load(paths.model_dir)
    scores = _score(model, _read(paths.test_csv))
    paths.metrics.write_text(json.dumps(scores, indent=2) + "\n", encoding="utf-8")
    run_id = json.loads(_read_text(paths.run))["run_id"]
    if track and run_id:
        tracking.log_evaluation(paths, run_id, {f"test_{k}": v for k, v in scores.items()})
    print(f"evaluate: test accuracy {scores['accuracy']:.3f} (gate: {threshold})")
    if scores["accuracy"] < threshold:
        raise QualityGateError(
            f"test accuracy {scores['accuracy']:.3f} is under evaluate.min_accuracy {threshold}"
        )
    return scores


def register(paths: Paths) -> dict[str, Any]:
    """Register the evaluated model with a new version, in the stage params.yaml names."""
    stage = str(load_params(paths.params)["register"]["stage"])
    run_id = json.loads(_read_text(paths.run))["run_id"]
    if not paths.metrics.exists():
        raise PipelineError("the model has not been evaluated: run the evaluate stage first")
    record = tracking.register(paths, run_id, stage)
    paths.registered.write_text(json.dumps(record, indent=2) + "\n", encoding="utf-8")
    print(f"register: {record['name']} version {record['version']} is {record['stage']}")
    return record


def run(stage: str, root: Path | None = None) -> None:
    """Run one stage (or ``all`` of them, or the CI ``gate``) in the workspace ``root``."""
    paths = Paths((root or Path.cwd()).resolve())
    if stage == "gate":
        gate(paths)
        return
    stages = STAGES if stage == "all" else (stage,)
    steps = {"prepare": prepare, "train": train, "evaluate": evaluate, "register": register}
    for name in stages:
        steps[name](paths)


def gate(paths: Paths) -> dict[str, float]:
    """Train and evaluate on the CI sample in a scratch folder; fail under the threshold."""
    params = load_params(paths.params)
    params["data"]["sample_fraction"] = params["ci"]["sample_fraction"]
    with tempfile.TemporaryDirectory(prefix="ml-gate-") as scratch:
        work = Paths(Path(scratch))
        work.params.write_text(yaml.safe_dump(params), encoding="utf-8")
        prepare(work, paths.landing)
        train(work, track=False)
        scores = evaluate(work, track=False)
    paths.outputs.mkdir(parents=True, exist_ok=True)
    (paths.outputs / "gate.json").write_text(json.dumps(scores) + "\n", encoding="utf-8")
    return scores


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="pipeline", description=__doc__.split("\n\n")[0])
    parser.add_argument("stage", choices=(*STAGES, "all", "gate"))
    parser.add_argument("--root", type=Path, default=None, help="workspace (default: here)")
    args = parser.parse_args(argv)
    try:
        run(args.stage, args.root)
    except (PipelineError, ValueError, OSError) as error:
        print(f"pipeline {args.stage}: {error}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
