"""Builtin validators of the workflow orchestrators: each orchestrator runs the generated pipeline
file for real, in its own virtual environment (.ci/run), on a stand-in of the project's pipeline
module: ``PACKAGE.ml.pipeline`` for the ML training pipeline (``ml_train``), ``PACKAGE.data.pipeline``
for the data pipeline (``data_pipeline``), told apart by the file's name. The stand-in needs
nothing but the standard library: it fails a stage that is unknown, that runs before the stages it
follows, or that is not given the project root, and records the stages it ran, which must be all
of them, in order. Oozie, which cannot run here, is checked and simulated in
tests/oozie_validation.py. The real pipelines run through each orchestrator in
tests/e2e/test_mlops_orchestrators.py and tests/e2e/test_dataops_orchestrators.py."""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable
from pathlib import Path

from oozie_validation import validate_oozie
from orchestrated_pipelines import PIPELINES, Pipeline, package_of, pipeline_of
from toolrun import missing, run

STAND_IN = '''"""Stand-in of the project's pipeline module (opsgen's orchestration checks)."""
import os
from pathlib import Path

STAGES = {stages!r}


def run(stage, root=None):
    if stage not in STAGES:
        raise ValueError(f"unknown stage {{stage!r}}")
    if root is None or Path(root).resolve() != Path(os.environ["{root_env}"]).resolve():
        raise ValueError(f"stage {{stage!r}} got root {{root!r}}, not the project root")
    log = Path(root) / "stages.log"
    done = log.read_text().split() if log.exists() else []
    expected = list(STAGES[: STAGES.index(stage)])
    if done != expected:
        raise RuntimeError(f"stage {{stage!r}} ran after {{done}}, not after {{expected}}")
    log.write_text(" ".join([*done, stage]))
'''

# Airflow: DagBag parses the DAG folder without a database; it never raises, so the script fails
# on its import errors, a missing DAG and a missing edge of the stage chain.
AIRFLOW_DAGBAG = '''import sys
from airflow.dag_processing.dagbag import DagBag

folder, dag_id, chain = sys.argv[1], sys.argv[2], sys.argv[3].split(",")
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

# Kubeflow: the compiled YAML reloads with kfp, every stage is a task after the one before that
# runs `python -m PACKAGE.<module>.pipeline STAGE`, every image is pinned and every stage mounts
# the workspace volume it shares with the others.
KFP_CHECK = '''import sys
import yaml
from kfp import components

path, chain, module = sys.argv[1], sys.argv[2].split(","), sys.argv[3]
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
for stage in chain:
    component = spec["components"][tasks.get(stage, {}).get("componentRef", {}).get("name", "")]
    container = executors[component["executorLabel"]]["container"]
    command = [*container.get("command", []), *container.get("args", [])]
    if module not in command or stage not in command[command.index(module):]:
        errors.append(f"{stage}: runs {command}, not `python -m {module} {stage}`")
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


class _Scratch:
    """A scratch folder with the stand-in package (every pipeline's module, so that a folder
    holding both pipelines imports), and the environment that uses it."""

    def __init__(self, project_dir: Path, tmp: Path, python: Path, pipeline: Pipeline) -> None:
        self.package = package_of(project_dir, pipeline)
        self.pipeline = pipeline
        top = tmp / "stand-in" / self.package
        top.mkdir(parents=True)
        (top / "__init__.py").write_text("", encoding="utf-8")
        for each in PIPELINES.values():
            (top / each.module).mkdir()
            (top / each.module / "__init__.py").write_text("", encoding="utf-8")
            (top / each.module / "pipeline.py").write_text(
                STAND_IN.format(stages=each.stages, root_env=each.root_env), encoding="utf-8")
        self.tmp = tmp
        self.root = tmp / "root"
        self.root.mkdir()
        self.env = {
            **os.environ,
            "PATH": f"{python.parent}{os.pathsep}{os.environ.get('PATH', '')}",
            "PYTHONPATH": str(tmp / "stand-in"),
            pipeline.root_env: str(self.root),
            "HOME": str(tmp),
        }

    def script(self, name: str, text: str) -> str:
        path = self.tmp / name
        path.write_text(text, encoding="utf-8")
        return str(path)

    def assert_all_stages_ran(self, validator_id: str, name: str) -> None:
        log = self.root / "stages.log"
        ran = log.read_text(encoding="utf-8").split() if log.exists() else []
        if ran != list(self.pipeline.stages):
            raise AssertionError(
                f"{validator_id}: {name} ran the stages {ran}, not {list(self.pipeline.stages)}")


def _with_scratch(
    validator_id: str, exe: str, check: Callable[[Path, str, _Scratch, Path], None]
) -> Callable[[Path, list[str]], None]:
    def validate(project_dir: Path, files: list[str]) -> None:
        python = _tool_python(validator_id, exe)
        for name in files:
            with tempfile.TemporaryDirectory(prefix=f"opsgen-{validator_id}-") as tmp:
                scratch = _Scratch(project_dir, Path(tmp), python, pipeline_of(validator_id, name))
                check(project_dir, name, scratch, python)
                scratch.assert_all_stages_ran(validator_id, name)
    return validate


def _run(project_dir: Path, validator_id: str, argv: list[str], env: dict[str, str]) -> str:
    return run(project_dir, validator_id, argv, env=env)


def _airflow(project_dir: Path, name: str, scratch: _Scratch, python: Path) -> None:
    folder = str((project_dir / name).parent)
    env = {**scratch.env, "AIRFLOW_HOME": str(scratch.tmp / "airflow"),
           "AIRFLOW__CORE__LOAD_EXAMPLES": "False", "AIRFLOW__CORE__DAGS_FOLDER": folder}
    dag_id = f"{scratch.package}_{scratch.pipeline.name}"
    _run(project_dir, "airflow_dag",
         [str(python), scratch.script("dagbag.py", AIRFLOW_DAGBAG), folder, dag_id,
          ",".join(scratch.pipeline.stages)], env)
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
         [str(python), scratch.script("execute.py", DAGSTER_EXECUTE), name,
          scratch.pipeline.name], env)


def _luigi(project_dir: Path, name: str, scratch: _Scratch, python: Path) -> None:
    module = Path(name)
    env = {**scratch.env, "LUIGI_CONFIG_PATH": os.devnull,
           "PYTHONPATH": f"{scratch.env['PYTHONPATH']}{os.pathsep}{project_dir / module.parent}"}
    _run(project_dir, "luigi_tasks",
         [str(python.parent / "luigi"), "--module", module.stem, scratch.pipeline.last_task,
          "--local-scheduler", "--retcode-task-failed", "3", "--retcode-scheduling-error", "4",
          "--retcode-missing-data", "5", "--retcode-not-run", "6",
          "--retcode-unhandled-exception", "7"], env)


def _kfp(project_dir: Path, files: list[str]) -> None:
    python = _tool_python("kfp_pipeline", "kfp")
    for name in files:
        pipeline = pipeline_of("kfp_pipeline", name)
        module = f"{package_of(project_dir, pipeline)}.{pipeline.module}.pipeline"
        with tempfile.TemporaryDirectory(prefix="opsgen-kfp-") as tmp:
            compiled = Path(tmp) / "pipeline.yaml"
            check = Path(tmp) / "check.py"
            check.write_text(KFP_CHECK, encoding="utf-8")
            env = {**os.environ, "HOME": tmp}
            _run(project_dir, "kfp_pipeline", [str(python), name, str(compiled)], env)
            _run(project_dir, "kfp_pipeline", [str(python), str(check), str(compiled),
                                               ",".join(pipeline.stages), module], env)


ORCHESTRATION_BUILTINS: dict[str, Callable[[Path, list[str]], None]] = {
    "airflow_dag": _with_scratch("airflow_dag", "airflow", _airflow),
    "prefect_flow": _with_scratch("prefect_flow", "prefect", _prefect),
    "dagster_job": _with_scratch("dagster_job", "dagster", _dagster),
    "luigi_tasks": _with_scratch("luigi_tasks", "luigi", _luigi),
    "kfp_pipeline": _kfp,
    "oozie_workflow": validate_oozie,
}
