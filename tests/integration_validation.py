"""Builtin validators of the DataOps layer's data integrations.

NiFi: no NiFi runs here (a JVM server of ~1.5 GB that no package registry serves), so the flow
definition (the JSON that NiFi's "Download flow definition" writes and "Upload flow definition"
reads, a RegisteredFlowSnapshot) is checked structurally against facts of NiFi itself: processor
classes and their relationships as NiFi's standard bundle declares them, connections between
components that exist, every relationship either connected or auto-terminated (NiFi refuses to
start a processor otherwise), parameters that the flow's parameter context defines, and a PutFile
into the landing folder of every dataset that has a contract.

Glue: the job script runs only inside Glue (awsglue), so what can drift is checked instead: the
Glue jobs that the infrastructure code defines (Terraform's glue.tf, CloudFormation's glue.yaml)
pass every argument the script reads (its ARGUMENTS), run that script, and there is one per
dataset with a contract.
"""

from __future__ import annotations

import ast
import re
from collections.abc import Callable, Iterator
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
                            f"data/landing/<dataset> of a contract ({sorted(datasets)})")
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


def _nifi_flow(project_dir: Path, files: list[str]) -> None:
    datasets = _contract_datasets(project_dir)
    for name in files:
        flow = load_json("nifi_flow", project_dir / name)
        problems = flow_problems(flow, datasets)
        if problems:
            raise AssertionError(f"nifi_flow: {name}: " + "; ".join(problems))


# --- AWS Glue ----------------------------------------------------------------------------------

# Glue passes JOB_NAME to every job itself; the others must be job arguments.
_GLUE_OWN_ARGUMENTS = frozenset({"JOB_NAME"})
_TERRAFORM_GLUE = "infra/terraform/glue.tf"
_CLOUDFORMATION_GLUE = "infra/cloudformation/glue.yaml"


def _script_arguments(script: Path) -> set[str]:
    """The names in the script's ``ARGUMENTS = (...)``, what it asks getResolvedOptions for."""
    for node in ast.parse(script.read_text(encoding="utf-8")).body:
        if (isinstance(node, ast.Assign) and any(isinstance(t, ast.Name) and t.id == "ARGUMENTS"
                                                 for t in node.targets)):
            return {str(ast.literal_eval(e)) for e in getattr(node.value, "elts", [])}
    raise AssertionError(f"glue_jobs: {script.name} has no ARGUMENTS tuple")


def unquote(value: Any) -> Any:
    """python-hcl2 8 keeps the quotes of HCL strings and keys (a list's items too)."""
    if isinstance(value, str) and len(value) > 1 and value[0] == value[-1] == '"':
        return value[1:-1]
    if isinstance(value, list):
        return [unquote(item) for item in value]
    return value


def _terraform_jobs(path: Path) -> tuple[list[dict[str, Any]], set[str]]:
    """The aws_glue_job blocks (unquoted keys) and the datasets of var.glue_datasets."""
    try:
        import hcl2  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        missing("glue_jobs", "python-hcl2 (import hcl2)")
        raise
    with path.open(encoding="utf-8") as handle:
        tree = hcl2.load(handle)
    jobs: list[dict[str, Any]] = []
    for resource in tree.get("resource", []):
        for kind, named in resource.items():
            if unquote(kind) == "aws_glue_job":
                jobs.extend({unquote(k): v for k, v in body.items()} for body in named.values())
    datasets: set[str] = set()
    for variable in tree.get("variable", []):
        for name, body in variable.items():
            if unquote(name) == "glue_datasets":
                datasets = {unquote(d) for d in body.get("default", [])}
    return jobs, datasets


def _terraform_problems(path: Path, needed: set[str], contracts: set[str]) -> list[str]:
    jobs, datasets = _terraform_jobs(path)
    if not jobs:
        return [f"{_TERRAFORM_GLUE}: no aws_glue_job"]
    problems = []
    if datasets != contracts:
        problems.append(f"{_TERRAFORM_GLUE}: glue_datasets {sorted(datasets)} are not the "
                        f"contracts' datasets {sorted(contracts)}")
    for job in jobs:
        given = {unquote(k) for k in job.get("default_arguments", {})}
        problems.extend(f"{_TERRAFORM_GLUE}: aws_glue_job passes no {a} (the script reads it)"
                        for a in sorted(needed - given))
    return problems


class _CloudFormationLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form tags (!Ref, !Sub, ...) read as plain values."""


_CloudFormationLoader.add_multi_constructor(
    "!", lambda loader, suffix, node: (
        loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode)
        else loader.construct_sequence(node) if isinstance(node, yaml.SequenceNode)
        else loader.construct_mapping(node)))


def _cloudformation_problems(path: Path, needed: set[str], contracts: set[str]) -> list[str]:
    template = yaml.load(path.read_text(encoding="utf-8"), Loader=_CloudFormationLoader)
    jobs = {name: resource.get("Properties", {})
            for name, resource in (template.get("Resources") or {}).items()
            if resource.get("Type") == "AWS::Glue::Job"}
    if not jobs:
        return [f"{_CLOUDFORMATION_GLUE}: no AWS::Glue::Job"]
    problems = []
    datasets = {str(job.get("DefaultArguments", {}).get("--dataset")) for job in jobs.values()}
    if datasets != contracts:
        problems.append(f"{_CLOUDFORMATION_GLUE}: the jobs' --dataset {sorted(datasets)} are not "
                        f"the contracts' datasets {sorted(contracts)}")
    for name, job in jobs.items():
        given = set(job.get("DefaultArguments", {}))
        problems.extend(f"{_CLOUDFORMATION_GLUE}: {name} passes no {a} (the script reads it)"
                        for a in sorted(needed - given))
        if not str(job.get("Command", {}).get("ScriptLocation", "")).endswith("/ingest.py"):
            problems.append(f"{_CLOUDFORMATION_GLUE}: {name} does not run ingest.py")
    return problems


def _glue_jobs(project_dir: Path, files: list[str]) -> None:
    contracts = _contract_datasets(project_dir)
    for name in files:
        needed = {f"--{a}" for a in _script_arguments(project_dir / name) - _GLUE_OWN_ARGUMENTS}
        problems: list[str] = []
        found = False
        for relative, check in ((_TERRAFORM_GLUE, _terraform_problems),
                                (_CLOUDFORMATION_GLUE, _cloudformation_problems)):
            if (project_dir / relative).is_file():
                found = True
                problems.extend(check(project_dir / relative, needed, contracts))
        if not found:
            problems.append(f"no Glue job runs {name}: neither {_TERRAFORM_GLUE} nor "
                            f"{_CLOUDFORMATION_GLUE} exists")
        if problems:
            raise AssertionError("glue_jobs: " + "; ".join(problems))


INTEGRATION_BUILTINS: dict[str, Callable[[Path, list[str]], None]] = {
    "nifi_flow": _nifi_flow,
    "glue_jobs": _glue_jobs,
}
