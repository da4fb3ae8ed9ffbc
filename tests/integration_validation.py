"""Builtin validators of the DataOps layer's data integrations.

NiFi: no NiFi runs here (a JVM server of ~1.5 GB that no package registry serves), so the flow
definition (the JSON that NiFi's "Download flow definition" writes and "Upload flow definition"
reads, a RegisteredFlowSnapshot) is checked structurally against facts of NiFi itself: processor
classes and their relationships as NiFi's standard bundle declares them, connections between
components that exist, every relationship either connected or auto-terminated (NiFi refuses to
start a processor otherwise), parameters that the flow's parameter context defines, and a PutFile
into the landing folder of every dataset the flow is for: each dataset that has a contract
(DataOps's nifi/flow.json), the training data (MLOps's nifi/training-flow.json).

Glue: a job script runs only inside Glue (awsglue), so what can drift is checked instead: the
Glue jobs that the infrastructure code defines for the script (GLUE_SCRIPTS: DataOps's ingest.py
in glue.tf or glue.yaml, MLOps's training.py in glue_training.tf or glue-training.yaml) pass every
argument the script reads (its ARGUMENTS) and run that script; there is one job per dataset with a
contract (ingest) or exactly one (training), and the training job writes the columns the ML
pipeline reads (data.py's LANDING_COLUMNS).
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml
from toolrun import load_json, missing

# The processors the generated flows use, with the relationships each declares (NiFi 2.x,
# nifi-standard-nar: ListFile.REL_SUCCESS; FetchFile.REL_SUCCESS/REL_NOT_FOUND/
# REL_PERMISSION_DENIED/REL_FAILURE; PutFile.REL_SUCCESS/REL_FAILURE; GetFile.REL_SUCCESS;
# LogAttribute.REL_SUCCESS; UpdateAttribute (nifi-update-attribute-nar) REL_SUCCESS). A flow
# using another class fails: extend this table from NiFi's documentation of that processor.
NIFI_PROCESSORS: dict[str, tuple[str, frozenset[str]]] = {
    "org.apache.nifi.processors.standard.ListFile": ("nifi-standard-nar", frozenset({"success"})),
    "org.apache.nifi.processors.standard.FetchFile": (
        "nifi-standard-nar", frozenset({"success", "not.found", "permission.denied", "failure"})),
    "org.apache.nifi.processors.standard.PutFile": (
        "nifi-standard-nar", frozenset({"success", "failure"})),
    "org.apache.nifi.processors.standard.GetFile": ("nifi-standard-nar", frozenset({"success"})),
    "org.apache.nifi.processors.standard.LogAttribute": (
        "nifi-standard-nar", frozenset({"success"})),
    "org.apache.nifi.processors.attributes.UpdateAttribute": (
        "nifi-update-attribute-nar", frozenset({"success"})),
}
_PUT_FILE = "org.apache.nifi.processors.standard.PutFile"
_PARAMETER = re.compile(r"#\{([^}]+)\}")


def _groups(group: dict[str, Any]) -> Iterator[dict[str, Any]]:
    yield group
    for child in group.get("processGroups") or []:
        yield from _groups(child)


def _processor_problems(processor: dict[str, Any], connected: set[str]) -> list[str]:
    name = processor.get("name", processor.get("identifier"))
    known = NIFI_PROCESSORS.get(processor.get("type", ""))
    if known is None:
        return [f"processor {name!r}: {processor.get('type')!r} is not a known NiFi processor class"]
    artifact, relationships = known
    problems = []
    if (processor.get("bundle") or {}).get("artifact") != artifact:
        problems.append(f"processor {name!r}: bundle artifact is not {artifact}")
    auto = set(processor.get("autoTerminatedRelationships") or [])
    for relationship in sorted(auto - relationships):
        problems.append(f"processor {name!r}: auto-terminates unknown relationship {relationship!r}")
    for relationship in sorted(relationships - auto - connected):
        problems.append(f"processor {name!r}: relationship {relationship!r} is neither "
                        "connected nor auto-terminated (NiFi will not start it)")
    return problems


def _connection_problems(group: dict[str, Any], ids: dict[str, str],
                         connected: dict[str, set[str]]) -> list[str]:
    problems = []
    for connection in group.get("connections") or []:
        label = connection.get("identifier")
        for end in ("source", "destination"):
            target = connection.get(end) or {}
            kind = ids.get(target.get("id", ""))
            if kind is None:
                problems.append(f"connection {label}: {end} {target.get('id')!r} is no component")
            elif kind != target.get("type"):
                problems.append(f"connection {label}: {end} is a {kind}, not a {target.get('type')}")
        source = (connection.get("source") or {}).get("id", "")
        selected = set(connection.get("selectedRelationships") or [])
        if ids.get(source) == "PROCESSOR":
            if not selected:
                problems.append(f"connection {label}: selects no relationship of its source")
            connected.setdefault(source, set()).update(selected)
    return problems


def _landing_problems(processors: list[dict[str, Any]], datasets: set[str]) -> list[str]:
    landed = set()
    problems = []
    for processor in processors:
        if processor.get("type") != _PUT_FILE:
            continue
        directory = (processor.get("properties") or {}).get("Directory", "")
        match = re.search(r"(?:^|/)data/landing/([^/]+)/?$", directory)
        if match is None or match.group(1) not in datasets:
            problems.append(f"PutFile {processor.get('name')!r} writes to {directory!r}, not "
                            f"data/landing/<dataset> for one of {sorted(datasets)}")
        else:
            landed.add(match.group(1))
    problems.extend(f"no PutFile lands dataset {d!r} in data/landing/{d}"
                    for d in sorted(datasets - landed))
    return problems


def _parameter_problems(flow: dict[str, Any], processors: list[dict[str, Any]]) -> list[str]:
    context_name = flow["flowContents"].get("parameterContextName")
    context = (flow.get("parameterContexts") or {}).get(context_name) or {}
    defined = {p.get("name") for p in context.get("parameters") or []}
    problems = []
    for processor in processors:
        for key, value in (processor.get("properties") or {}).items():
            for name in _PARAMETER.findall(str(value)):
                if name not in defined:
                    problems.append(f"processor {processor.get('name')!r}: {key} uses parameter "
                                    f"#{{{name}}}, which context {context_name!r} lacks")
    return problems


def flow_problems(flow: Any, datasets: set[str]) -> list[str]:
    """What is wrong with a NiFi flow definition; empty when nothing is."""
    if not isinstance(flow, dict) or not isinstance(flow.get("flowContents"), dict):
        return ["not a flow definition: no flowContents process group"]
    groups = list(_groups(flow["flowContents"]))
    processors = [p for g in groups for p in g.get("processors") or []]
    ids = {item["identifier"]: kind for g in groups
           for kind, key in (("PROCESSOR", "processors"), ("INPUT_PORT", "inputPorts"),
                             ("OUTPUT_PORT", "outputPorts"), ("FUNNEL", "funnels"))
           for item in g.get(key) or []}
    connected: dict[str, set[str]] = {}
    problems = [p for g in groups for p in _connection_problems(g, ids, connected)]
    for processor in processors:
        problems.extend(_processor_problems(processor, connected.get(processor["identifier"], set())))
    problems.extend(_landing_problems(processors, datasets))
    problems.extend(_parameter_problems(flow, processors))
    return problems


def _contract_datasets(project_dir: Path) -> set[str]:
    datasets = set()
    for path in sorted((project_dir / "contracts").glob("*.yaml")):
        contract = yaml.safe_load(path.read_text(encoding="utf-8"))
        if isinstance(contract, dict) and contract.get("dataset"):
            datasets.add(str(contract["dataset"]))
    return datasets


# The datasets each flow must land, by flow file: the DataOps flow one per contract, the MLOps
# flow the training data (data/landing/training, every CSV of which the ML pipeline reads).
FLOW_DATASETS: dict[str, Callable[[Path], set[str]]] = {
    "nifi/flow.json": _contract_datasets,
    "nifi/training-flow.json": lambda _project_dir: {"training"},
}


def _nifi_flow(project_dir: Path, files: list[str]) -> None:
    for name in files:
        expected = FLOW_DATASETS.get(name)
        if expected is None:
            raise AssertionError(f"nifi_flow: {name}: not a flow of FLOW_DATASETS "
                                 f"({sorted(FLOW_DATASETS)}), so its datasets are unknown")
        flow = load_json("nifi_flow", project_dir / name)
        problems = flow_problems(flow, expected(project_dir))
        if problems:
            raise AssertionError(f"nifi_flow: {name}: " + "; ".join(problems))


# --- AWS Glue ----------------------------------------------------------------------------------

# Glue passes JOB_NAME to every job itself; the others must be job arguments.
_GLUE_OWN_ARGUMENTS = frozenset({"JOB_NAME"})


@dataclass(frozen=True)
class GlueJobs:
    """Where the Glue jobs that run a script are defined, and which jobs there must be."""

    terraform: str
    cloudformation: str
    # The datasets with a job each (its --dataset); None: one job runs the script.
    datasets: Callable[[Path], set[str]] | None = None
    # A module (a glob) whose LANDING_COLUMNS the script's must equal: it reads what the job writes.
    columns_of: str | None = None


# By script: DataOps's ingest job per contract; MLOps's one training data job, whose output the
# ML pipeline reads from data/landing/training.
GLUE_SCRIPTS: dict[str, GlueJobs] = {
    "glue/jobs/ingest.py": GlueJobs("infra/terraform/glue.tf", "infra/cloudformation/glue.yaml",
                                    datasets=_contract_datasets),
    "glue/jobs/training.py": GlueJobs("infra/terraform/glue_training.tf",
                                      "infra/cloudformation/glue-training.yaml",
                                      columns_of="src/*/ml/data.py"),
}


def _constant(module: Path, name: str) -> Any:
    """The value of the module's ``name = ...``, made of literals and of its other such constants
    (``LANDING_COLUMNS = (*FEATURES, TARGET)``)."""
    values = {target.id: node.value for node in ast.parse(module.read_text(encoding="utf-8")).body
              if isinstance(node, ast.Assign | ast.AnnAssign) and node.value is not None
              for target in (node.targets if isinstance(node, ast.Assign) else [node.target])
              if isinstance(target, ast.Name)}

    def resolve(node: ast.expr) -> Any:
        if isinstance(node, ast.Name):
            return resolve(values[node.id])
        if isinstance(node, ast.Tuple | ast.List):
            return tuple(value for item in node.elts for value in (
                resolve(item.value) if isinstance(item, ast.Starred) else (resolve(item),)))
        return ast.literal_eval(node)

    try:
        return resolve(values[name])
    except (KeyError, ValueError):
        raise AssertionError(f"glue_jobs: {module.name} has no constant {name}") from None


def _column_problems(project_dir: Path, script: str, jobs: GlueJobs) -> list[str]:
    if jobs.columns_of is None:
        return []
    modules = sorted(project_dir.glob(jobs.columns_of))
    if len(modules) != 1:
        return [f"{jobs.columns_of} matches {len(modules)} files, not one"]
    wanted = _constant(modules[0], "LANDING_COLUMNS")
    written = _constant(project_dir / script, "LANDING_COLUMNS")
    if written == wanted:
        return []
    return [f"{script} writes the columns {list(written)}, but "
            f"{modules[0].relative_to(project_dir)} reads {list(wanted)} (its LANDING_COLUMNS)"]


def unquote(value: Any) -> Any:
    """python-hcl2 8 keeps the quotes of HCL strings and keys (a list's items too)."""
    if isinstance(value, str) and len(value) > 1 and value[0] == value[-1] == '"':
        return value[1:-1]
    if isinstance(value, list):
        return [unquote(item) for item in value]
    return value


def _terraform_tree(path: Path) -> dict[str, Any]:
    try:
        import hcl2  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        missing("glue_jobs", "python-hcl2 (import hcl2)")
        raise
    with path.open(encoding="utf-8") as handle:
        tree: dict[str, Any] = hcl2.load(handle)
    return tree


def _resources(tree: dict[str, Any], type_: str) -> dict[str, dict[str, Any]]:
    """The ``resource`` blocks of this type, by name, their keys unquoted."""
    return {unquote(name): {unquote(k): v for k, v in body.items()}
            for resource in tree.get("resource", []) for kind, named in resource.items()
            if unquote(kind) == type_ for name, body in named.items()}


def _terraform_count_problems(relative: str, tree: dict[str, Any], jobs: dict[str, Any],
                              datasets: set[str] | None) -> list[str]:
    if datasets is None:
        if len(jobs) == 1 and not {"for_each", "count"} & set(next(iter(jobs.values()))):
            return []
        return [f"{relative}: {len(jobs)} aws_glue_job blocks (or one with for_each or count), "
                "not the one job that runs the script"]
    declared = {unquote(d) for variable in tree.get("variable", [])
                for name, body in variable.items() if unquote(name) == "glue_datasets"
                for d in body.get("default", [])}
    if declared == datasets:
        return []
    return [f"{relative}: glue_datasets {sorted(declared)} are not the contracts' datasets "
            f"{sorted(datasets)}"]


def _terraform_problems(path: Path, relative: str, script: str, needed: set[str],
                        datasets: set[str] | None) -> list[str]:
    tree = _terraform_tree(path)
    jobs = _resources(tree, "aws_glue_job")
    if not jobs:
        return [f"{relative}: no aws_glue_job"]
    sources = {name: str(unquote(body.get("source", "")))
               for name, body in _resources(tree, "aws_s3_object").items()}
    problems = _terraform_count_problems(relative, tree, jobs, datasets)
    for name, job in jobs.items():
        given = {unquote(k) for k in job.get("default_arguments", {})}
        problems.extend(f"{relative}: aws_glue_job.{name} passes no {a} (the script reads it)"
                        for a in sorted(needed - given))
        location = str(unquote((job.get("command") or [{}])[0].get("script_location", "")))
        if not any(sources.get(uploaded, "").endswith(f"/{script}")
                   for uploaded in re.findall(r"aws_s3_object\.(\w+)\.", location)):
            problems.append(f"{relative}: aws_glue_job.{name} does not run {script} (its "
                            "script_location is no aws_s3_object uploading it)")
    return problems


class CloudFormationLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form tags (!Ref, !Sub, ...) read as plain values."""


CloudFormationLoader.add_multi_constructor(
    "!", lambda loader, suffix, node: (
        loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode)
        else loader.construct_sequence(node) if isinstance(node, yaml.SequenceNode)
        else loader.construct_mapping(node)))


def _cloudformation_problems(path: Path, relative: str, script: str, needed: set[str],
                             datasets: set[str] | None) -> list[str]:
    template = yaml.load(path.read_text(encoding="utf-8"), Loader=CloudFormationLoader)
    jobs = {name: resource.get("Properties", {})
            for name, resource in (template.get("Resources") or {}).items()
            if resource.get("Type") == "AWS::Glue::Job"}
    if not jobs:
        return [f"{relative}: no AWS::Glue::Job"]
    problems = []
    found = {str(job.get("DefaultArguments", {}).get("--dataset")) for job in jobs.values()}
    if datasets is not None and found != datasets:
        problems.append(f"{relative}: the jobs' --dataset {sorted(found)} are not the "
                        f"contracts' datasets {sorted(datasets)}")
    if datasets is None and len(jobs) != 1:
        problems.append(f"{relative}: {len(jobs)} AWS::Glue::Job, not the one that runs {script}")
    file_name = Path(script).name
    for name, job in jobs.items():
        given = set(job.get("DefaultArguments", {}))
        problems.extend(f"{relative}: {name} passes no {a} (the script reads it)"
                        for a in sorted(needed - given))
        if not str(job.get("Command", {}).get("ScriptLocation", "")).endswith(f"/{file_name}"):
            problems.append(f"{relative}: {name} does not run {file_name}")
    return problems


def _glue_jobs(project_dir: Path, files: list[str]) -> None:
    for name in files:
        jobs = GLUE_SCRIPTS.get(name)
        if jobs is None:
            raise AssertionError(f"glue_jobs: {name}: not a script of GLUE_SCRIPTS "
                                 f"({sorted(GLUE_SCRIPTS)}), so its jobs are unknown")
        arguments = set(_constant(project_dir / name, "ARGUMENTS")) - _GLUE_OWN_ARGUMENTS
        needed = {f"--{a}" for a in arguments}
        datasets = None if jobs.datasets is None else jobs.datasets(project_dir)
        problems = _column_problems(project_dir, name, jobs)
        defined = [(relative, check) for relative, check in (
            (jobs.terraform, _terraform_problems), (jobs.cloudformation, _cloudformation_problems))
            if (project_dir / relative).is_file()]
        for relative, check in defined:
            problems.extend(check(project_dir / relative, relative, name, needed, datasets))
        if not defined:
            problems.append(f"no Glue job runs {name}: neither {jobs.terraform} nor "
                            f"{jobs.cloudformation} exists")
        if problems:
            raise AssertionError("glue_jobs: " + "; ".join(problems))


INTEGRATION_BUILTINS: dict[str, Callable[[Path, list[str]], None]] = {
    "nifi_flow": _nifi_flow,
    "glue_jobs": _glue_jobs,
}
