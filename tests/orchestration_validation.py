"""Builtin validators of the workflow orchestrators: each orchestrator runs the generated pipeline
file for real, in its own virtual environment (.ci/run), on a stand-in of the project's
``PACKAGE.ml.pipeline`` module. The stand-in needs nothing but the standard library: it fails a
stage that is unknown, that runs before the stages it follows, or that is not given the project
root, and records the stages it ran, which must be all four, in order. The real pipeline runs
through each orchestrator in tests/e2e/test_mlops_orchestrators.py."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from toolrun import missing, run

STAGES = ("prepare", "train", "evaluate", "register")

STAND_IN = '''"""Stand-in of the project's pipeline module (opsgen's orchestration checks)."""
import os
from pathlib import Path

STAGES = ("prepare", "train", "evaluate", "register")


def run(stage, root=None):
    if stage not in STAGES:
        raise ValueError(f"unknown stage {stage!r}")
    if root is None or Path(root).resolve() != Path(os.environ["ML_PIPELINE_ROOT"]).resolve():
        raise ValueError(f"stage {stage!r} got root {root!r}, not the project root")
    log = Path(root) / "stages.log"
    done = log.read_text().split() if log.exists() else []
    expected = list(STAGES[: STAGES.index(stage)])
    if done != expected:
        raise RuntimeError(f"stage {stage!r} ran after {done}, not after {expected}")
    log.write_text(" ".join([*done, stage]))
'''

# Airflow: DagBag parses the DAG folder without a database; it never raises, so the script fails
# on its import errors, a missing DAG and a missing edge of the stage chain.
AIRFLOW_DAGBAG = '''import sys
from airflow.dag_processing.dagbag import DagBag

folder, dag_id = sys.argv[1], sys.argv[2]
chain = ["prepare", "train", "evaluate", "register"]
bag = DagBag(dag_folder=folder)
for path, error in bag.import_errors.items():
    sys.exit(f"import error in {path}:\\n{error}")
dag = bag.dags.get(dag_id)
if dag is None:
    sys.exit(f"no DAG {dag_id} in {folder} (found {sorted(bag.dags)})")
edges = {(t.task_id, d) for t in dag.tasks for d in t.downstream_task_ids}
if set(dag.task_ids) != set(chain):
    sys.exit(f"DAG {dag_id} has tasks {sorted(dag.task_ids)}, not {chain}")
for up, down in zip(chain, chain[1:]):
    if (up, down) not in edges:
        sys.exit(f"DAG {dag_id}: {down} does not follow {up} (edges: {sorted(edges)})")
print(f"DAG {dag_id}: {sorted(edges)}")
'''

DAGSTER_EXECUTE = '''import runpy
import sys

definitions = runpy.run_path(sys.argv[1])["defs"]
result = definitions.get_job_def(sys.argv[2]).execute_in_process(raise_on_error=False)
if not result.success:
    for event in result.all_events:
        if event.is_failure:
            print(event.message, file=sys.stderr)
    sys.exit(f"job {sys.argv[2]} failed")
'''

# Kubeflow: the compiled YAML reloads with kfp, every stage is a task after the one before,
# every image is pinned and every stage mounts the workspace volume it shares with the others.
KFP_CHECK = '''import sys
import yaml
from kfp import components

path = sys.argv[1]
chain = ["prepare", "train", "evaluate", "register"]
components.load_component_from_file(path)
documents = list(yaml.safe_load_all(open(path, encoding="utf-8")))
spec = documents[0]
platform = documents[1]["platforms"]["kubernetes"] if len(documents) > 1 else {}
tasks = spec["root"]["dag"]["tasks"]
errors = [f"no task {stage}" for stage in chain if stage not in tasks]
for up, down in zip(chain, chain[1:]):
    if up not in tasks.get(down, {}).get("dependentTasks", []):
        errors.append(f"{down} does not run after {up}")
executors = spec["deploymentSpec"]["executors"]
mounts = platform.get("deploymentSpec", {}).get("executors", {})
for name, executor in executors.items():
    image = executor.get("container", {}).get("image", "")
    tag = image.rsplit("/", 1)[-1]
    if "@sha256:" not in image and (":" not in tag or tag.endswith(":latest")):
        errors.append(f"{name}: image {image!r} is not pinned")
    if not mounts.get(name, {}).get("pvcMount"):
        errors.append(f"{name}: mounts no workspace volume")
if errors:
    sys.exit("\\n".join(errors))
print(f"{path}: {len(tasks)} tasks")
'''


def _tool_python(validator_id: str, exe: str) -> Path:
    """The Python of the virtual environment an executable on PATH belongs to."""
    found = shutil.which(exe)
    if found is None:
        missing(validator_id, exe)
        raise AssertionError("unreachable")
    python = Path(os.path.realpath(found)).parent / "python"
    if not python.exists():
        raise AssertionError(f"{validator_id}: {found} is not in a virtual environment")
    return python


def _package(project_dir: Path) -> str:
    found = sorted(project_dir.glob("src/*/ml/pipeline.py"))
    if not found:
        raise AssertionError("no src/PACKAGE/ml/pipeline.py in the project")
    return found[0].parents[1].name


class _Scratch:
    """A scratch folder with the stand-in package, and the environment that uses it."""

    def __init__(self, project_dir: Path, tmp: Path, python: Path) -> None:
        stand_in = tmp / "stand-in" / _package(project_dir) / "ml"
        stand_in.mkdir(parents=True)
        (stand_in.parent / "__init__.py").write_text("", encoding="utf-8")
        (stand_in / "__init__.py").write_text("", encoding="utf-8")
        (stand_in / "pipeline.py").write_text(STAND_IN, encoding="utf-8")
        self.tmp = tmp
        self.root = tmp / "root"
        self.root.mkdir()
        self.env = {
            **os.environ,
            "PATH": f"{python.parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "PYTHONPATH": str(tmp / "stand-in"),
            "ML_PIPELINE_ROOT": str(self.root),
            "HOME": str(tmp),
        }

    def script(self, name: str, text: str) -> str:
        path = self.tmp / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    def assert_all_stages_ran(self, validator_id: str, name: str) -> None:
        log = self.root / "stages.log"
        ran = log.read_text(encoding="utf-8").split() if log.exists() else []
        if ran != list(STAGES):
            raise AssertionError(f"{validator_id}: {name} ran the stages {ran}, not {list(STAGES)}")


def _with_scratch(
    validator_id: str, exe: str, check: Callable[[Path, str, _Scratch, Path], None]
) -> Callable[[Path, list[str]], None]:
    def validate(project_dir: Path, files: list[str]) -> None:
        python = _tool_python(validator_id, exe)
        for name in files:
            with tempfile.TemporaryDirectory(prefix=f"opsgen-{validator_id}-") as tmp:
                scratch = _Scratch(project_dir, Path(tmp), python)
                check(project_dir, name, scratch, python)
                scratch.assert_all_stages_ran(validator_id, name)
    return validate


def _run(project_dir: Path, validator_id: str, argv: list[str], env: dict[str, str]) -> str:
    return run(project_dir, validator_id, argv, env=env)


def _airflow(project_dir: Path, name: str, scratch: _Scratch, python: Path) -> None:
    folder = str((project_dir / name).parent)
    package = _package(project_dir)
    env = {**scratch.env, "AIRFLOW_HOME": str(scratch.tmp / "airflow"),
           "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "AIRFLOW__CORE__DAGS_FOLDER": folder}
    dag_id = f"{package}_ml_train"
    _run(project_dir, "airflow_dag",
         [str(python), scratch.script("dagbag.py", AIRFLOW_DAGBAG), folder, dag_id], env)
    airflow = str(python.parent / "airflow")
    _run(project_dir, "airflow_dag", [airflow, "db", "migrate"], env)
    _run(project_dir, "airflow_dag", [airflow, "dags", "test", dag_id], env)


def _prefect(project_dir: Path, name: str, scratch: _Scratch, python: Path) -> None:
    env = {**scratch.env, "PREFECT_HOME": str(scratch.tmp / "prefect"),
           "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
           "PREFECT_SERVER_EPHEMERAL_STARTUP_TIMEOUT_SECONDS": "120"}
    env.pop("PREFECT_API_URL", None)
    _run(project_dir, "prefect_flow", [str(python), name], env)


def _dagster(project_dir: Path, name: str, scratch: _Scratch, python: Path) -> None:
    home = scratch.tmp / "dagster"
    home.mkdir()
    (home / "dagster.yaml").write_text("", encoding="utf-8")
    env = {**scratch.env, "DAGSTER_HOME": str(home)}
    _run(project_dir, "dagster_job",
         [str(python.parent / "dagster"), "definitions", "validate", "-f", name], env)
    _run(project_dir, "dagster_job",
         [str(python), scratch.script("execute.py", DAGSTER_EXECUTE), name, "ml_train"], env)


def _luigi(project_dir: Path, name: str, scratch: _Scratch, python: Path) -> None:
    module = Path(name)
    env = {**scratch.env, "LUIGI_CONFIG_PATH": os.devnull,
           "PYTHONPATH": f"{scratch.env['PYTHONPATH']}{os.pathsep}{project_dir / module.parent}"}
    _run(project_dir, "luigi_tasks",
         [str(python.parent / "luigi"), "--module", module.stem, "MlRegister", "--local-scheduler",
          "--retcode-task-failed", "3", "--retcode-scheduling-error", "4",
          "--retcode-missing-data", "5", "--retcode-not-run", "6",
          "--retcode-unhandled-exception", "7"], env)


def _kfp(project_dir: Path, files: list[str]) -> None:
    python = _tool_python("kfp_pipeline", "kfp")
    for name in files:
        with tempfile.TemporaryDirectory(prefix="opsgen-kfp-") as tmp:
            compiled = Path(tmp) / "pipeline.yaml"
            check = Path(tmp) / "check.py"
            check.write_text(KFP_CHECK, encoding="utf-8")
            env = {**os.environ, "HOME": tmp}
            _run(project_dir, "kfp_pipeline", [str(python), name, str(compiled)], env)
            _run(project_dir, "kfp_pipeline", [str(python), str(check), str(compiled)], env)


ORCHESTRATION_BUILTINS: dict[str, Callable[[Path, list[str]], None]] = {
    "airflow_dag": _with_scratch("airflow_dag", "airflow", _airflow),
    "prefect_flow": _with_scratch("prefect_flow", "prefect", _prefect),
    "dagster_job": _with_scratch("dagster_job", "dagster", _dagster),
    "luigi_tasks": _with_scratch("luigi_tasks", "luigi", _luigi),
    "kfp_pipeline": _kfp,
}
