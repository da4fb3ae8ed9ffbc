"""Builtin validators of the MLOps layer: params.yaml's contract, and the DVC pipeline as DVC
itself parses it (on a scratch copy of the project) plus what `dvc dag` does not check: every
dependency exists or is an earlier stage's output, and every parameter a stage names exists."""

from __future__ import annotations

import ast
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from toolrun import missing, run

# The keys each params.yaml section must have (the generated code reads them), with the
# interval each number must lie in.
PARAMS: dict[str, dict[str, tuple[float, float]]] = {
    "data": {"sample_fraction": (0.0, 1.0), "test_size": (0.0, 1.0), "seed": (0, 2**32)},
    "evaluate": {"min_accuracy": (0.0, 1.0)},
    "ci": {"sample_fraction": (0.0, 1.0)},
    "drift": {"psi_threshold": (0.0, 10.0), "ks_pvalue": (0.0, 1.0), "window": (1, 10**6),
              "min_samples": (1, 10**6)},
}
PIPELINE_STAGES = ("prepare", "train", "evaluate")


def _load(project_dir: Path, name: str) -> Any:
    try:
        return yaml.safe_load((project_dir / name).read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        raise AssertionError(f"{name}: not YAML: {error}") from None


def _ml_params(project_dir: Path, files: list[str]) -> None:
    for name in files:
        params = _load(project_dir, name)
        for section, keys in PARAMS.items():
            values = params.get(section)
            if not isinstance(values, dict):
                raise AssertionError(f"ml_params: {name}: no section {section!r}")
            for key, (low, high) in keys.items():
                value = values.get(key)
                if isinstance(value, bool) or not isinstance(value, int | float):
                    raise AssertionError(f"ml_params: {name}: {section}.{key} is not a number")
                if not low <= value <= high:
                    raise AssertionError(
                        f"ml_params: {name}: {section}.{key}={value} is outside [{low}, {high}]")
        if not isinstance(params.get("train"), dict) or not params["train"]:
            raise AssertionError(f"ml_params: {name}: no hyperparameters in section 'train'")
        if not isinstance(params.get("register", {}).get("stage"), str):
            raise AssertionError(f"ml_params: {name}: register.stage must name a stage")
        if params["drift"]["min_samples"] > params["drift"]["window"]:
            raise AssertionError(f"ml_params: {name}: drift.min_samples exceeds drift.window")


def _entries(items: list[Any]) -> list[str]:
    """Paths or keys of a stage's deps/outs/params list (each a string or a one-key mapping)."""
    return [item if isinstance(item, str) else next(iter(item)) for item in items or ()]


def _dvc_references(project_dir: Path, name: str) -> None:
    stages = _load(project_dir, name)["stages"]
    missing_stages = [s for s in PIPELINE_STAGES if s not in stages]
    if missing_stages:
        raise AssertionError(f"dvc_pipeline: {name}: no stage {missing_stages}")
    params = _load(project_dir, "params.yaml")
    outputs = [out for stage in stages.values()
               for key in ("outs", "metrics") for out in _entries(stage.get(key))]
    for stage_name, stage in stages.items():
        for dep in _entries(stage.get("deps")):
            produced = any(dep == out or dep.startswith(out.rstrip("/") + "/") for out in outputs)
            if not produced and not (project_dir / dep).exists():
                raise AssertionError(
                    f"dvc_pipeline: {name}: stage {stage_name} depends on {dep}, which neither "
                    "exists nor is a stage's output")
        for key in _entries(stage.get("params")):
            if key.split(".")[0] not in params:
                raise AssertionError(
                    f"dvc_pipeline: {name}: stage {stage_name} reads parameter {key!r}, which "
                    "params.yaml lacks")


def _dvc_pipeline(project_dir: Path, files: list[str]) -> None:
    if shutil.which("dvc") is None:
        missing("dvc_pipeline", "dvc")
    for name in files:
        with tempfile.TemporaryDirectory(prefix="opsgen-dvc-") as tmp:
            copy = Path(tmp) / "project"
            shutil.copytree(project_dir, copy, symlinks=True)
            # DVC parses dvc.yaml against its schema and builds the graph: unknown keys,
            # cycles and overlapping outputs fail here.
            run(copy, "dvc_pipeline", ["dvc", "dag"])
        _dvc_references(project_dir, name)


def _mlflow_project(project_dir: Path, files: list[str]) -> None:
    """MLflow's MLproject schema (name, entry_points with a command each), and each command's
    `python -m MODULE` is a module of the project."""
    for name in files:
        project = _load(project_dir, name)
        points = project.get("entry_points") if isinstance(project, dict) else None
        if not isinstance(project.get("name"), str) or not isinstance(points, dict) or not points:
            raise AssertionError(f"mlflow_project: {name}: needs a name and entry_points")
        if "main" not in points:
            raise AssertionError(f"mlflow_project: {name}: no `main` entry point")
        for point, spec in points.items():
            command = spec.get("command") if isinstance(spec, dict) else None
            if not isinstance(command, str):
                raise AssertionError(f"mlflow_project: {name}: entry point {point} has no command")
            words = command.split()
            if words[:2] == ["python", "-m"]:
                module = Path("src", *words[2].split("."))
                if not (project_dir / module.with_suffix(".py")).exists():
                    raise AssertionError(
                        f"mlflow_project: {name}: {point} runs {words[2]}, not in the project")


# What pipeline.py (and serve.py) call in framework.py, with the parameters they pass.
FRAMEWORK_FUNCTIONS = {
    "train": ["features", "target", "params"],
    "predict": ["model", "features"],
    "save": ["model", "directory"],
    "load": ["directory"],
}


def _hyperparameters_read(tree: ast.Module) -> set[str]:
    """The keys of every ``params["KEY"]`` in the module."""
    return {node.slice.value for node in ast.walk(tree)
            if isinstance(node, ast.Subscript) and isinstance(node.value, ast.Name)
            and node.value.id == "params" and isinstance(node.slice, ast.Constant)
            and isinstance(node.slice.value, str)}


def _ml_framework(project_dir: Path, files: list[str]) -> None:
    """framework.py has the interface every framework module shares, and reads only
    hyperparameters that params.yaml's train section has."""
    train_params = _load(project_dir, "params.yaml").get("train") or {}
    for name in files:
        tree = ast.parse((project_dir / name).read_text(encoding="utf-8"), name)
        functions = {node.name: [a.arg for a in node.args.args] for node in tree.body
                     if isinstance(node, ast.FunctionDef)}
        for function, arguments in FRAMEWORK_FUNCTIONS.items():
            if function not in functions:
                raise AssertionError(f"ml_framework: {name}: no function {function}()")
            if functions[function] != arguments:
                raise AssertionError(
                    f"ml_framework: {name}: {function}({', '.join(functions[function])}), the "
                    f"pipeline calls {function}({', '.join(arguments)})")
        names = {target.id for node in tree.body if isinstance(node, ast.Assign)
                 for target in node.targets if isinstance(target, ast.Name)}
        if "NAME" not in names:
            raise AssertionError(f"ml_framework: {name}: no NAME (tracking logs it)")
        unknown = sorted(_hyperparameters_read(tree) - set(train_params))
        if unknown:
            raise AssertionError(
                f"ml_framework: {name}: reads params {unknown}, which params.yaml's train "
                "section lacks")


# Run by the `tfserving-python` interpreter (.ci/run: tensorflow-serving-api's config protos and
# protobuf, without TensorFlow): parses each file as a ModelServerConfig text proto, then checks
# what TF Serving needs to load a model from each config entry.
TFSERVING_CHECK = """
import sys
from google.protobuf import text_format
from tensorflow_serving.config import model_server_config_pb2

failed = False
for path in sys.argv[1:]:
    config = model_server_config_pb2.ModelServerConfig()
    try:
        with open(path, encoding="utf-8") as f:
            text_format.Parse(f.read(), config)
    except text_format.ParseError as error:
        print(f"{path}: {error}")
        failed = True
        continue
    models = config.model_config_list.config
    if not models:
        print(f"{path}: model_config_list names no model")
        failed = True
    for model in models:
        problems = [
            "no name" if not model.name else "",
            "base_path is not absolute" if not model.base_path.startswith("/") else "",
            "model_platform is not tensorflow" if model.model_platform != "tensorflow" else "",
        ]
        for problem in filter(None, problems):
            print(f"{path}: model {model.name!r}: {problem}")
            failed = True
sys.exit(1 if failed else 0)
"""


def _tfserving_config(project_dir: Path, files: list[str]) -> None:
    if shutil.which("tfserving-python") is None:
        missing("tfserving_config", "tfserving-python")
    run(project_dir, "tfserving_config", ["tfserving-python", "-c", TFSERVING_CHECK, *files])


ML_BUILTINS: dict[str, Callable[[Path, list[str]], None]] = {
    "ml_params": _ml_params,
    "dvc_pipeline": _dvc_pipeline,
    "mlflow_project": _mlflow_project,
    "ml_framework": _ml_framework,
    "tfserving_config": _tfserving_config,
}
