"""Builtin validator of Apache Oozie workflows (tests/orchestration_validation.py registers it).

Oozie needs Java and a Hadoop cluster, which no registry reachable here serves, so the workflow is
checked the way Oozie's own submission does and then run in simulation:

- workflow.xml parses, is a ``uri:oozie:workflow:1.0`` workflow-app whose nodes come in the
  schema's order (parameters, global, credentials, start, the nodes, end), with unique node names
  that are Oozie identifiers;
- every action is one ``uri:oozie:shell-action:1.0`` shell action whose elements come in the
  schema's order, with an ``exec``, a resource manager and a name node (its own or the global
  ones), and an ``ok`` and an ``error`` transition;
- every transition names a node, there is a kill node, every node is reachable from start, end is
  reached, and there is no cycle (Oozie rejects loops);
- every ``${property}`` of the workflow is defined in job.properties (next to it) or in the
  workflow's parameters, and job.properties' ``oozie.wf.application.path`` is the workflow's
  folder;
- the simulation follows the ok transitions from start to end and resolves each command: they
  must be ``PYTHON -m PACKAGE.<module>.pipeline STAGE [--root DIR]``, with exactly the pipeline's
  stages, in order.
"""

from __future__ import annotations

import re
import xml.etree.ElementTree as ET
from dataclasses import dataclass
from pathlib import Path

from orchestrated_pipelines import Pipeline, package_of, pipeline_of

WORKFLOW_NS = "uri:oozie:workflow:1.0"
SHELL_NS = "uri:oozie:shell-action:1.0"
IDENTIFIER = re.compile(r"[a-zA-Z_][\-_a-zA-Z0-9]{0,39}")
# Oozie's workflow-app content, in the schema's order (sla:info may follow end).
HEAD = ("parameters", "global", "credentials")
NODES = ("decision", "fork", "join", "kill", "action")
# The shell action's elements in the order of shell-action-1.0.xsd.
SHELL_ORDER = ("job-tracker", "resource-manager", "name-node", "prepare", "launcher", "job-xml",
               "configuration", "exec", "argument", "env-var", "file", "archive",
               "capture-output")
PYTHON = re.compile(r"(.*/)?python(3(\.\d+)?)?")
PROPERTY = re.compile(r"\$\{([^}]*)\}")
# Properties Oozie defines itself.
BUILTIN_PROPERTIES = frozenset({"user.name"})


def _local(tag: str) -> tuple[str, str]:
    namespace, _, name = tag[1:].partition("}") if tag.startswith("{") else ("", "", tag)
    return namespace, name


@dataclass
class _Node:
    kind: str
    element: ET.Element
    transitions: list[str]


class _Workflow:
    """A parsed workflow.xml; ``errors`` lists what Oozie would reject."""

    def __init__(self, name: str, text: str) -> None:
        self.name = name
        self.errors: list[str] = []
        self.nodes: dict[str, _Node] = {}
        self.start = ""
        try:
            self.root = ET.fromstring(text)
        except ET.ParseError as error:
            raise AssertionError(f"oozie_workflow: {name}: not XML: {error}") from None
        if self.root.tag != f"{{{WORKFLOW_NS}}}workflow-app":
            raise AssertionError(f"oozie_workflow: {name}: the root is {self.root.tag}, not "
                                 f"{{{WORKFLOW_NS}}}workflow-app")
        if not self.root.get("name"):
            self.errors.append("the workflow-app has no name")
        self._read_nodes()

    def _read_nodes(self) -> None:
        order: list[str] = []
        for child in self.root:
            namespace, kind = _local(child.tag)
            if namespace != WORKFLOW_NS:
                if namespace.startswith("uri:oozie:sla:") and order and order[-1] == "end":
                    continue
                self.errors.append(f"unexpected element {child.tag}")
                continue
            order.append(kind)
            if kind in HEAD:
                continue
            if kind == "start":
                self.start = child.get("to", "")
                continue
            if kind not in (*NODES, "end"):
                self.errors.append(f"unknown node <{kind}>")
                continue
            self._add_node(kind, child)
        expected = [k for k in HEAD if k in order] + ["start"]
        if order[: len(expected)] != expected or order[-1:] != ["end"] or order.count("end") != 1:
            self.errors.append(f"nodes out of the schema's order (parameters?, global?, "
                               f"credentials?, start, nodes, end): {order}")

    def _add_node(self, kind: str, element: ET.Element) -> None:
        name = element.get("name", "")
        if not IDENTIFIER.fullmatch(name):
            self.errors.append(f"<{kind}> has no valid name: {name!r}")
        if name in self.nodes:
            self.errors.append(f"two nodes named {name!r}")
        transitions: list[str] = []
        if kind == "action":
            transitions = self._action_transitions(name, element)
        elif kind == "decision":
            switch = element.find(f"{{{WORKFLOW_NS}}}switch")
            cases = [] if switch is None else list(switch)
            transitions = [case.get("to", "") for case in cases]
        elif kind == "fork":
            transitions = [path.get("start", "") for path in element]
        elif kind == "join":
            transitions = [element.get("to", "")]
        self.nodes[name] = _Node(kind, element, transitions)

    def _action_transitions(self, name: str, action: ET.Element) -> list[str]:
        children = [_local(child.tag) for child in action]
        kinds = [kind for _, kind in children]
        if kinds[:1] == ["ok"] or len(kinds) < 3 or kinds[1:3] != ["ok", "error"]:
            self.errors.append(f"action {name}: needs one action element, then ok and error "
                               f"(has {kinds})")
            return [t.get("to", "") for t in action if _local(t.tag)[1] in ("ok", "error")]
        if children[0] != (SHELL_NS, "shell"):
            self.errors.append(f"action {name}: {action[0].tag} is not a "
                               f"{{{SHELL_NS}}}shell action")
        else:
            self._check_shell(name, action[0])
        return [action[1].get("to", ""), action[2].get("to", "")]

    def _check_shell(self, name: str, shell: ET.Element) -> None:
        kinds = []
        for child in shell:
            namespace, kind = _local(child.tag)
            if namespace != SHELL_NS or kind not in SHELL_ORDER:
                self.errors.append(f"action {name}: unknown shell element {child.tag}")
                return
            kinds.append(kind)
        ranks = [SHELL_ORDER.index(kind) for kind in kinds]
        if ranks != sorted(ranks):
            self.errors.append(f"action {name}: shell elements out of the schema's order: {kinds}")
        if kinds.count("exec") != 1:
            self.errors.append(f"action {name}: needs exactly one <exec>")
        for needed in ("resource-manager", "name-node"):
            if needed not in kinds and not self._global(needed):
                self.errors.append(f"action {name}: no {needed} (neither its own nor global)")

    def _global(self, kind: str) -> bool:
        found = self.root.find(f"{{{WORKFLOW_NS}}}global/{{{WORKFLOW_NS}}}{kind}")
        return found is not None and bool((found.text or "").strip())

    def check_graph(self) -> None:
        targets = {"start": [self.start]} | {n: node.transitions for n, node in self.nodes.items()}
        for source, names in targets.items():
            for target in names:
                if target not in self.nodes:
                    self.errors.append(f"{source} goes to {target!r}, which is no node")
        if not any(node.kind == "kill" for node in self.nodes.values()):
            self.errors.append("no kill node: a failed action has nowhere to end")
        reached: set[str] = set()
        self._walk(self.start, [], reached)
        unreachable = sorted(set(self.nodes) - reached)
        if unreachable:
            self.errors.append(f"nodes not reachable from start: {unreachable}")
        if not any(self.nodes[n].kind == "end" for n in reached if n in self.nodes):
            self.errors.append("end is not reachable from start")

    def _walk(self, name: str, path: list[str], reached: set[str]) -> None:
        if name in path:
            self.errors.append(f"cycle: {' -> '.join([*path[path.index(name):], name])}")
            return
        if name not in self.nodes or name in reached:
            return
        reached.add(name)
        for target in self.nodes[name].transitions:
            self._walk(target, [*path, name], reached)

    def properties_used(self) -> set[str]:
        text = ET.tostring(self.root, encoding="unicode")
        return {name for name in PROPERTY.findall(text) if not re.search(r"[:(]", name)}

    def parameters(self) -> set[str]:
        found = self.root.findall(f"{{{WORKFLOW_NS}}}parameters/{{{WORKFLOW_NS}}}property/"
                                  f"{{{WORKFLOW_NS}}}name")
        return {(element.text or "").strip() for element in found}

    def simulate(self) -> list[list[str]]:
        """The commands of the actions met following the ok transitions from start to end."""
        commands: list[list[str]] = []
        name, seen = self.start, set()
        while name in self.nodes and self.nodes[name].kind == "action" and name not in seen:
            seen.add(name)
            node = self.nodes[name]
            shell = node.element[0]
            commands.append([(child.text or "").strip() for child in shell
                             if _local(child.tag)[1] in ("exec", "argument")])
            name = node.transitions[0]
        if name not in self.nodes or self.nodes[name].kind != "end":
            kind = self.nodes[name].kind if name in self.nodes else "no node"
            self.errors.append(f"following ok from start ends at {name!r} ({kind}), not at end")
        return commands


def read_properties(name: str, text: str) -> dict[str, str]:
    """A job.properties file (key=value or key: value lines, # and ! comments)."""
    properties: dict[str, str] = {}
    for number, raw in enumerate(text.splitlines(), 1):
        line = raw.strip()
        if not line or line[0] in "#!":
            continue
        match = re.fullmatch(r"([^=:\s]+)\s*[=:]\s*(.*)", line)
        if match is None or line.endswith("\\"):
            raise AssertionError(f"oozie_workflow: {name}:{number}: not a property: {raw!r}")
        properties[match.group(1)] = match.group(2)
    return properties


def _resolve(text: str, properties: dict[str, str]) -> str:
    for _ in range(10):  # properties may name properties
        text = PROPERTY.sub(lambda m: properties.get(m.group(1), m.group(0)), text)
    return text


def _check_commands(commands: list[list[str]], properties: dict[str, str], module: str,
                    pipeline: Pipeline) -> list[str]:
    errors: list[str] = []
    stages = []
    for command in commands:
        argv = [_resolve(part, properties) for part in command]
        runs_module = len(argv) >= 4 and PYTHON.fullmatch(argv[0]) and argv[1:3] == ["-m", module]
        if not runs_module or not (argv[4:] == [] or (len(argv) == 6 and argv[4] == "--root")):
            errors.append(f"runs {argv}, not `PYTHON -m {module} STAGE [--root DIR]`")
            continue
        stages.append(argv[3])
    if not errors and stages != list(pipeline.stages):
        errors.append(f"runs the stages {stages}, not {list(pipeline.stages)}")
    return errors


def validate_oozie(project_dir: Path, files: list[str]) -> None:
    for name in files:
        pipeline = pipeline_of("oozie_workflow", name)
        workflow = _Workflow(name, (project_dir / name).read_text(encoding="utf-8"))
        workflow.check_graph()
        job = Path(name).parent / "job.properties"
        if not (project_dir / job).is_file():
            raise AssertionError(f"oozie_workflow: no {job.as_posix()} next to {name}")
        properties = read_properties(job.as_posix(),
                                     (project_dir / job).read_text(encoding="utf-8"))
        undefined = workflow.properties_used() - set(properties) - workflow.parameters()
        undefined -= BUILTIN_PROPERTIES
        if undefined:
            workflow.errors.append(f"properties defined neither in {job.as_posix()} nor in the "
                                   f"workflow's parameters: {sorted(undefined)}")
        app = properties.get("oozie.wf.application.path", "").rstrip("/")
        folder = Path(name).parent.as_posix()
        if not (app.endswith(f"/{folder}") or app.endswith(f"/{name}")):
            workflow.errors.append(f"{job.as_posix()}: oozie.wf.application.path {app!r} is not "
                                   f"the workflow's folder ({folder})")
        if not workflow.errors:
            module = f"{package_of(project_dir, pipeline)}.{pipeline.module}.pipeline"
            commands = workflow.simulate()
            workflow.errors += _check_commands(commands, properties, module, pipeline)
        if workflow.errors:
            raise AssertionError(f"oozie_workflow: {name}:\n" + "\n".join(workflow.errors))
