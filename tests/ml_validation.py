"""Builtin validators of the MLOps layer: params.yaml's contract, and the DVC pipeline as DVC
itself parses it (on a scratch copy of the project) plus what `dvc dag` does not check: every
dependency exists or is an earlier stage's output, and every parameter a stage names exists."""

from __future__ import annotations

import ast
import re
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml
from toolrun import executable, missing, pytest_options, run, scratch_copy

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
# The stages each layer's DVC pipeline must have, by the file that declares them.
DVC_STAGES = {"dvc.yaml": PIPELINE_STAGES, "data/dvc.yaml": ("ingest", "validate", "transform")}


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
    missing_stages = [s for s in DVC_STAGES[name] if s not in stages]
    if missing_stages:
        raise AssertionError(f"dvc_pipeline: {name}: no stage {missing_stages}")
    folder = (project_dir / name).parent

    def where(stage: dict[str, Any], path: str) -> str:
        """A stage's path relative to the project (stages run in their wdir)."""
        full = (folder / str(stage.get("wdir", ".")) / path).resolve()
        return full.relative_to(project_dir.resolve()).as_posix()

    outputs = [where(stage, out) for stage in stages.values()
               for key in ("outs", "metrics") for out in _entries(stage.get(key))]
    data = _load(project_dir, name)
    for artifact, spec in (data.get("artifacts") or {}).items():
        path = str(spec.get("path", "")) if isinstance(spec, dict) else ""
        produced = any(path == out or path.startswith(out.rstrip("/") + "/") for out in outputs)
        if not produced and not (project_dir / path).exists():
            raise AssertionError(
                f"dvc_pipeline: {name}: artifact {artifact} is {path!r}, which neither exists "
                "nor is a stage's output")
    for stage_name, stage in stages.items():
        for dep in (where(stage, d) for d in _entries(stage.get("deps"))):
            produced = any(dep == out or dep.startswith(out.rstrip("/") + "/") for out in outputs)
            if not produced and not (project_dir / dep).exists():
                raise AssertionError(
                    f"dvc_pipeline: {name}: stage {stage_name} depends on {dep}, which neither "
                    "exists nor is a stage's output")
        keys = _entries(stage.get("params"))
        params = _load(project_dir, "params.yaml") if keys else {}
        for key in keys:
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


DVCLIVE_FILES = {"params": "dvclive/params.yaml", "metrics": "dvclive/metrics.json"}


def _dvclive_dvcyaml(project_dir: Path, files: list[str]) -> None:
    """dvc.yaml as DVC parses it, declaring the files DVCLive writes (tracking.py logs with
    dvcyaml=None, so nothing else declares them) and the model as a `type: model` artifact that
    a stage produces; no stage may own dvclive/ (DVCLive warns, `dvc exp show` loses it)."""
    _dvc_pipeline(project_dir, files)
    for name in files:
        data = _load(project_dir, name)
        for section, path in DVCLIVE_FILES.items():
            if path not in _entries(data.get(section)):
                raise AssertionError(f"dvclive_dvcyaml: {name}: top-level {section} lacks {path}")
        models = [a for a, spec in (data.get("artifacts") or {}).items()
                  if isinstance(spec, dict) and spec.get("type") == "model"]
        if not models:
            raise AssertionError(f"dvclive_dvcyaml: {name}: no artifact of type model")
        for stage_name, stage in data["stages"].items():
            for out in _entries(stage.get("outs")) + _entries(stage.get("metrics")):
                if out == "dvclive" or out.startswith("dvclive/"):
                    raise AssertionError(
                        f"dvclive_dvcyaml: {name}: stage {stage_name} owns {out}")
        tracking = next(project_dir.glob("src/*/ml/tracking.py"), None)
        if tracking is None or "dvcyaml=None" not in tracking.read_text(encoding="utf-8"):
            raise AssertionError(
                "dvclive_dvcyaml: tracking.py must log with Live(dvcyaml=None), or DVCLive "
                "rewrites the committed dvc.yaml on every run")


def _ml_tests(project_dir: Path, files: list[str]) -> None:
    """The generated project's own ML tests (warnings are errors there), in the ml venv (the
    frameworks venv of the full matrix for a PyTorch or TensorFlow project), on a scratch copy:
    the pipeline really validates, trains, tracks, registers and serves."""
    framework = "\n".join(path.read_text(encoding="utf-8")
                          for path in project_dir.glob("src/*/ml/framework.py"))
    deep = "import tensorflow" in framework or "import torch" in framework
    python = executable("ml_tests", "frameworks-python" if deep else "ml-python")
    with scratch_copy(project_dir, "opsgen-ml-") as copy:
        run(copy, "ml_tests", ["env", f"PYTHONPATH={copy / 'src'}", "DVC_NO_ANALYTICS=1",
                               "DO_NOT_TRACK=1", "GX_ANALYTICS_ENABLED=false", python, "-m",
                               "pytest", *pytest_options(copy), *files])


def _evidently_report(project_dir: Path, files: list[str]) -> None:
    """The drift report on the landed wine data: the training half as reference and the other half,
    with alcohol shifted, as current inputs. The report must write HTML and JSON, name alcohol
    as drifted and no unshifted feature, and fail with --fail-on-drift."""
    python = executable("evidently_report", "ml-python")
    for name in files:
        package = Path(name).parts[1]
        with scratch_copy(project_dir, "opsgen-evidently-") as copy:
            env = ["env", f"PYTHONPATH={copy / 'src'}", "DO_NOT_TRACK=1"]
            # The reference and current inputs, written with the project's own data module.
            run(copy, "evidently_report", [*env, python, "-c", (
                f"from {package}.ml import data; from {package}.ml.paths import Paths\n"
                "p = Paths(__import__('pathlib').Path.cwd())\n"
                "train, test = data.split(data.load_raw(p.landing), 0.5, 7)\n"
                "p.train_csv.parent.mkdir(parents=True)\n"
                "train.to_csv(p.train_csv, index=False)\n"
                "test.assign(alcohol=test['alcohol'] + 1.5).to_csv('current.csv', index=False)")])
            out = run(copy, "evidently_report", [*env, python, "-m", f"{package}.ml.drift_report",
                                                 "--current", "current.csv"])
            for report in ("report.html", "report.json"):
                if not (copy / "outputs/drift" / report).is_file():
                    raise AssertionError(f"evidently_report: no outputs/drift/{report}:\n{out}")
            if "(alcohol)" not in out:
                raise AssertionError(
                    f"evidently_report: alcohol was shifted, the report says otherwise:\n{out}")
            try:
                run(copy, "evidently_report", [*env, python, "-m", f"{package}.ml.drift_report",
                                               "--current", "current.csv", "--fail-on-drift"])
            except AssertionError:
                continue
            raise AssertionError("evidently_report: --fail-on-drift exited 0 on drifted data")


# Seldon Core v1's SeldonDeployment (machinelearning.seldon.io/v1), as its CRD and docs define
# it: no schema ships in any package, so the fields used here are checked structurally, and each
# component's pod spec goes through kubernetes-validate as a Pod.
SELDON_API = "machinelearning.seldon.io/v1"
SELDON_SPEC_KEYS = {"name", "predictors", "protocol", "transport", "annotations", "replicas",
                    "serverType", "oauth_key", "oauth_secret"}
SELDON_PREDICTOR_KEYS = {"name", "graph", "componentSpecs", "replicas", "traffic", "labels",
                         "annotations", "engineResources", "svcOrchSpec", "explainer", "shadow",
                         "ssl", "progressDeadlineSeconds"}
SELDON_GRAPH_KEYS = {"name", "type", "implementation", "modelUri", "envSecretRefName",
                     "serviceAccountName", "parameters", "children", "endpoint", "methods",
                     "logger", "storageInitializerImage"}
SELDON_SERVERS = {"SKLEARN_SERVER", "XGBOOST_SERVER", "TENSORFLOW_SERVER", "MLFLOW_SERVER",
                  "TRITON_SERVER", "HUGGINGFACE_SERVER", "TEMPO_SERVER"}
SELDON_URI_SCHEMES = ("s3://", "gs://", "azure://", "pvc://", "https://")
DNS_LABEL = re.compile(r"^[a-z0-9]([-a-z0-9]{0,61}[a-z0-9])?$")


def _graph_problems(graph: Any, where: str) -> tuple[list[str], set[str]]:
    """Problems of a graph node and its children, and the names of every node."""
    if not isinstance(graph, dict):
        return [f"{where}: graph is not a mapping"], set()
    problems = [f"{where}: unknown graph field {key!r}" for key in graph
                if key not in SELDON_GRAPH_KEYS]
    name = graph.get("name")
    if not isinstance(name, str) or not DNS_LABEL.match(name):
        problems.append(f"{where}: graph name {name!r} is no DNS label")
    implementation = graph.get("implementation")
    if implementation is not None:
        if implementation not in SELDON_SERVERS:
            problems.append(f"{where}: unknown prepackaged server {implementation!r}")
        uri = graph.get("modelUri")
        if not isinstance(uri, str) or not uri.startswith(SELDON_URI_SCHEMES):
            problems.append(f"{where}: {implementation} needs a modelUri ({', '.join(SELDON_URI_SCHEMES)})")
    names = {name} if isinstance(name, str) else set()
    for index, child in enumerate(graph.get("children") or []):
        child_problems, child_names = _graph_problems(child, f"{where}.children[{index}]")
        problems += child_problems
        names |= child_names
    return problems, names


def _pod_spec_problems(spec: Any, where: str, nodes: set[str], prepackaged: set[str]) -> list[str]:
    if not isinstance(spec, dict):
        return [f"{where}: no pod spec"]
    problems = []
    if (spec.get("securityContext") or {}).get("runAsNonRoot") is not True:
        problems.append(f"{where}: securityContext.runAsNonRoot must be true")
    for container in spec.get("containers") or []:
        name = container.get("name")
        if name not in nodes:
            problems.append(f"{where}: container {name!r} names no graph node")
        if name not in prepackaged and not container.get("image"):
            problems.append(f"{where}: container {name!r} has no image and no prepackaged server")
        context = container.get("securityContext") or {}
        if context.get("allowPrivilegeEscalation") is not False:
            problems.append(f"{where}: container {name!r} must set allowPrivilegeEscalation: false")
        if context.get("runAsNonRoot") is False or context.get("privileged"):
            problems.append(f"{where}: container {name!r} may run as root or privileged")
        if not (container.get("resources") or {}).get("limits"):
            problems.append(f"{where}: container {name!r} has no resource limits")
    return problems


def _predictor_problems(
    predictor: Any, where: str, deployment: str
) -> tuple[list[str], list[dict[str, Any]]]:
    """Problems of one predictor, and its component pod specs wrapped as Pods."""
    problems = [f"{where}: unknown field {k!r}" for k in predictor
                if k not in SELDON_PREDICTOR_KEYS]
    if not isinstance(predictor.get("name"), str):
        problems.append(f"{where}: no name")
    graph_problems, nodes = _graph_problems(predictor.get("graph"), where)
    problems += graph_problems
    graph = predictor.get("graph") or {}
    prepackaged = {graph.get("name")} if graph.get("implementation") else set()
    pods = []
    for j, component in enumerate(predictor.get("componentSpecs") or []):
        pod_spec = (component or {}).get("spec")
        problems += _pod_spec_problems(pod_spec, f"{where}.componentSpecs[{j}].spec", nodes,
                                       prepackaged)
        if isinstance(pod_spec, dict):
            pods.append({"apiVersion": "v1", "kind": "Pod",
                         "metadata": {"name": f"{deployment}-{j}"}, "spec": pod_spec})
    return problems, pods


def _document_problems(doc: Any) -> tuple[list[str], list[dict[str, Any]]]:
    if doc.get("apiVersion") != SELDON_API or doc.get("kind") != "SeldonDeployment":
        return [f"not a {SELDON_API} SeldonDeployment: {doc.get('apiVersion')}/{doc.get('kind')}"], []
    problems: list[str] = []
    pods: list[dict[str, Any]] = []
    name = (doc.get("metadata") or {}).get("name")
    if not isinstance(name, str) or not DNS_LABEL.match(name):
        problems.append(f"metadata.name {name!r} is no DNS label")
    spec = doc.get("spec") or {}
    problems += [f"unknown spec field {k!r}" for k in spec if k not in SELDON_SPEC_KEYS]
    if spec.get("protocol", "seldon") not in ("seldon", "tensorflow", "v2", "kfserving"):
        problems.append(f"unknown protocol {spec.get('protocol')!r}")
    predictors = spec.get("predictors")
    if not isinstance(predictors, list) or not predictors:
        return [*problems, "spec.predictors is empty"], pods
    for i, predictor in enumerate(predictors):
        more, more_pods = _predictor_problems(predictor, f"predictors[{i}]", f"{name}-{i}")
        problems += more
        pods += more_pods
    return problems, pods


def _seldon_deployment(project_dir: Path, files: list[str]) -> None:
    if shutil.which("kubernetes-validate") is None:
        missing("seldon_deployment", "kubernetes-validate")
    for name in files:
        try:
            documents = [d for d in yaml.safe_load_all(
                (project_dir / name).read_text(encoding="utf-8")) if d is not None]
        except yaml.YAMLError as error:
            raise AssertionError(f"seldon_deployment: {name}: not YAML: {error}") from None
        problems: list[str] = []
        pods: list[dict[str, Any]] = []
        for doc in documents:
            more, more_pods = _document_problems(doc)
            problems += more
            pods += more_pods
        if problems:
            raise AssertionError(f"seldon_deployment: {name}: " + "; ".join(problems))
        # The pod specs, as Kubernetes' own schema (strict: unknown fields fail) sees them.
        with tempfile.TemporaryDirectory(prefix="opsgen-seldon-") as tmp:
            pod_file = Path(tmp) / "pods.yaml"
            pod_file.write_text(yaml.safe_dump_all(pods), encoding="utf-8")
            run(Path(tmp), "seldon_deployment",
                ["kubernetes-validate", "--strict", "-k", "1.30.0", str(pod_file)])


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
    "dvclive_dvcyaml": _dvclive_dvcyaml,
    "ml_tests": _ml_tests,
    "evidently_report": _evidently_report,
    "seldon_deployment": _seldon_deployment,
    "ml_framework": _ml_framework,
    "tfserving_config": _tfserving_config,
}
