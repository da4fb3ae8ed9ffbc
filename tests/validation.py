"""Run the catalog's validators on a generated project.

Which validator checks which files, and how it runs, is data in ``catalog.yaml``; this module only
interprets it, so no tool is named here. The exceptions are the ``builtin`` validators, Python
checks implemented below. A check whose glob matches nothing fails: a check that cannot fail is a
defect.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import tempfile
import tomllib
from collections.abc import Callable, Iterable, Iterator, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
import yaml
from vcs_validation import VCS_BUILTINS

from opsgen.catalog import Catalog, Check, Validator, default_catalog
from opsgen.config import ProjectConfig

REQUIRE_ENV = "OPSGEN_REQUIRE_VALIDATORS"
TIMEOUT_SECONDS = 600


# --- Which checks a project gets -----------------------------------------------------------------


def checks_for(catalog: Catalog, config: ProjectConfig) -> list[Check]:
    """The checks of a project: its layers' checks, then those of every chosen tool, once each."""
    checks: list[Check] = []
    for layer_id in config.layers:
        checks.extend(catalog.layer(layer_id).checks)
    for aspect_id, choice in config.tools.items():
        aspect = catalog.aspect(aspect_id)
        for tool_id in choice if isinstance(choice, tuple) else (choice,):
            checks.extend(aspect.tool(tool_id).checks)
    return list(dict.fromkeys(checks))


def check_id(check: Check) -> str:
    """A readable test id part for a check, e.g. ``hadolint-Dockerfile``."""
    return f"{check.validator}-{check.files}"


def slow_validators() -> frozenset[str]:
    """Validators marked ``slow: true`` in the shipped catalog (heavy tools; CI still runs them)."""
    return frozenset(v.id for v in default_catalog().validators.values() if v.slow)


# --- Running one check ---------------------------------------------------------------------------


def matching_files(project_dir: Path, pattern: str) -> list[str]:
    """Project-relative POSIX paths matching ``pattern`` (files or folders), outside ``.git``."""
    found = []
    for path in project_dir.glob(pattern):
        relative = path.relative_to(project_dir)
        if relative.parts and relative.parts[0] != ".git":
            found.append(relative.as_posix())
    return sorted(found)


def tracked_files(project_dir: Path) -> list[str]:
    """Every file git tracks in the project (every file, where the project is no git repo)."""
    if not (project_dir / ".git").exists():
        return sorted(p.relative_to(project_dir).as_posix() for p in project_dir.rglob("*")
                      if p.is_file() and p.relative_to(project_dir).parts[0] not in (".hg", ".svn"))
    result = subprocess.run(
        ["git", "-C", str(project_dir), "ls-files", "-z"],
        capture_output=True, text=True, check=True,
    )
    return [name for name in result.stdout.split("\0") if name]


def run_check(project_dir: Path, check: Check, catalog: Catalog) -> None:
    """Run one check on a project; AssertionError (with the tool's output) if it fails."""
    validator = catalog.validators[check.validator]
    files = matching_files(project_dir, check.files)
    if not files:
        raise AssertionError(
            f"{check.validator}: {check.files!r} matches no file in the project, so this check "
            "cannot fail; fix the glob in catalog.yaml or generate the file"
        )
    if validator.builtin is not None:
        builtin = BUILTINS.get(validator.builtin)
        if builtin is None:
            raise AssertionError(f"{check.validator}: no builtin named {validator.builtin!r}")
        if validator.needs:
            _require(validator, validator.needs)
        builtin(project_dir, files)
        return
    if not validator.command:
        raise AssertionError(f"{check.validator}: has neither a command nor a builtin")
    _require(validator, validator.needs or validator.command[0])
    for argv in expand_command(validator, files, project_dir):
        _run(project_dir, validator.id, argv)


def expand_command(validator: Validator, files: list[str], project_dir: Path) -> list[list[str]]:
    """The command lines to run: one per file with ``{file}``, else one with all files."""
    def expand(file: str | None) -> list[str]:
        argv: list[str] = []
        for part in validator.command:
            if part == "{files}":
                argv.extend(files)
            elif part == "{tracked}":
                argv.extend(tracked_files(project_dir))
            elif file is not None:
                argv.append(part.replace("{file}", file))
            else:
                argv.append(part)
        return argv

    if any("{file}" in part for part in validator.command):
        return [expand(file) for file in files]
    return [expand(None)]


def _require(validator: Validator, exe: str) -> None:
    if shutil.which(exe) is not None:
        return
    if validator.preinstalled:
        pytest.skip(f"{validator.id}: {exe} is not on this machine and no package registry "
                    "reachable here serves it")
    _missing(validator.id, exe)


def _missing(validator_id: str, what: str) -> None:
    message = f"{validator_id}: {what} not installed (see .ci/run)"
    if os.environ.get(REQUIRE_ENV) == "1":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _run(
    project_dir: Path, validator_id: str, argv: list[str], stdin: str | None = None
) -> str:
    """Run a validator's command in the project; its stdout, or AssertionError if it fails."""
    env = {**os.environ, "NO_COLOR": "1"}
    try:
        result = subprocess.run(
            argv, cwd=project_dir, capture_output=True, text=True, env=env,
            input=stdin, stdin=None if stdin is not None else subprocess.DEVNULL,
            timeout=TIMEOUT_SECONDS, check=False,
        )
    except subprocess.TimeoutExpired as error:
        raise AssertionError(
            f"{validator_id}: `{' '.join(argv)}` timed out after {error.timeout}s"
        ) from None
    if result.returncode != 0:
        output = "\n".join(s.strip() for s in (result.stdout, result.stderr) if s.strip())
        raise AssertionError(
            f"{validator_id}: `{' '.join(argv)}` exited {result.returncode} in {project_dir}:\n"
            f"{output}"
        )
    return result.stdout


# --- Builtin validators --------------------------------------------------------------------------


def _toml(project_dir: Path, files: list[str]) -> None:
    for name in files:
        try:
            tomllib.loads((project_dir / name).read_text(encoding="utf-8"))
        except (tomllib.TOMLDecodeError, UnicodeDecodeError) as error:
            raise AssertionError(f"toml: {name}: {error}") from None


def _python_syntax(project_dir: Path, files: list[str]) -> None:
    for name in files:
        source = (project_dir / name).read_bytes()
        try:
            compile(source, name, "exec", dont_inherit=True)
        except (SyntaxError, ValueError) as error:
            raise AssertionError(f"python_syntax: {name}: {error}") from None


def _hcl2(project_dir: Path, files: list[str]) -> None:
    try:
        import hcl2  # type: ignore[import-not-found,import-untyped,unused-ignore]
    except ImportError:
        _missing("hcl2", "python-hcl2 (import hcl2)")
        return
    for name in files:
        with (project_dir / name).open(encoding="utf-8") as handle:
            try:
                hcl2.load(handle)
            except Exception as error:  # lark raises several unrelated exception types
                raise AssertionError(f"hcl2: {name}: {type(error).__name__}: {error}") from None


# Grafana publishes no offline validator; this is our own structural schema for the dashboards
# opsgen writes (file provisioning, Prometheus targets):
#   {uid: str (1-40 chars), title: str, schemaVersion: int, panels: [panel]}
#   panel: {id: int (unique), type: str, title: str, gridPos: {h, w, x, y: int}, w <= 24,
#           x + w <= 24, datasource: {type, uid} or "${var}" or str, targets: [{refId, expr}]}
#   (a "row" panel needs no datasource or targets)
def _dashboard_problems(data: Any, datasource_uids: set[str]) -> list[str]:
    if not isinstance(data, dict):
        return ["the dashboard must be a JSON object"]
    problems = []
    uid = data.get("uid")
    if not (isinstance(uid, str) and 0 < len(uid) <= 40):
        problems.append(f"uid: must be a string of 1-40 characters, got {uid!r}")
    if not (isinstance(data.get("title"), str) and data["title"].strip()):
        problems.append("title: must be a non-empty string")
    if not (isinstance(data.get("schemaVersion"), int) and data["schemaVersion"] > 0):
        problems.append("schemaVersion: must be a positive integer")
    panels = data.get("panels")
    if not (isinstance(panels, list) and panels):
        return [*problems, "panels: must be a non-empty list"]
    seen: set[Any] = set()
    for index, panel in enumerate(panels):
        problems.extend(f"panels[{index}].{p}" for p in _panel_problems(panel, seen, datasource_uids))
    return problems


def _panel_problems(panel: Any, seen_ids: set[Any], datasource_uids: set[str]) -> list[str]:
    if not isinstance(panel, dict):
        return ["must be an object"]
    problems = []
    panel_id = panel.get("id")
    if not isinstance(panel_id, int) or isinstance(panel_id, bool):
        problems.append(f"id: must be an integer, got {panel_id!r}")
    elif panel_id in seen_ids:
        problems.append(f"id: {panel_id} is used by another panel")
    seen_ids.add(panel_id)
    for key in ("type", "title"):
        if not (isinstance(panel.get(key), str) and panel[key].strip()):
            problems.append(f"{key}: must be a non-empty string")
    problems.extend(_grid_problems(panel.get("gridPos")))
    if panel.get("type") != "row":
        problems.extend(_datasource_problems(panel.get("datasource"), datasource_uids))
        problems.extend(_targets_problems(panel.get("targets"), datasource_uids))
    return problems


def _targets_problems(targets: Any, datasource_uids: set[str]) -> list[str]:
    if not (isinstance(targets, list) and targets):
        return ["targets: must be a non-empty list"]
    problems = []
    ref_ids: set[Any] = set()
    for index, target in enumerate(targets):
        if not isinstance(target, dict):
            problems.append(f"targets[{index}]: must be an object")
            continue
        if not (isinstance(target.get("expr"), str) and target["expr"].strip()):
            problems.append(f"targets[{index}].expr: must be a non-empty PromQL string")
        ref = target.get("refId")
        if ref is not None and ref in ref_ids:
            problems.append(f"targets[{index}].refId: {ref!r} is used twice")
        ref_ids.add(ref)
        if "datasource" in target:
            problems.extend(
                f"targets[{index}].{p}"
                for p in _datasource_problems(target["datasource"], datasource_uids)
            )
    return problems


def _grid_problems(grid: Any) -> list[str]:
    if not isinstance(grid, dict):
        return ["gridPos: must be an object with h, w, x, y"]
    problems = [
        f"gridPos.{key}: must be a non-negative integer"
        for key in ("h", "w", "x", "y")
        if not (isinstance(grid.get(key), int) and grid[key] >= 0)
    ]
    if not problems and not (grid["h"] > 0 and grid["w"] > 0 and grid["x"] + grid["w"] <= 24):
        problems.append(f"gridPos: {grid} does not fit Grafana's 24-column grid")
    return problems


def _datasource_problems(datasource: Any, datasource_uids: set[str]) -> list[str]:
    if isinstance(datasource, str) and datasource.strip():
        return []
    if not isinstance(datasource, dict):
        return ["datasource: must be {type, uid} or a name"]
    problems = []
    for key in ("type", "uid"):
        if not (isinstance(datasource.get(key), str) and datasource[key].strip()):
            problems.append(f"datasource.{key}: must be a non-empty string")
    uid = datasource.get("uid")
    if (isinstance(uid, str) and not uid.startswith("$") and datasource_uids
            and uid not in datasource_uids):
        problems.append(
            f"datasource.uid: {uid!r} is not a provisioned datasource ({sorted(datasource_uids)})"
        )
    return problems


def _provisioned_datasource_uids(project_dir: Path) -> set[str]:
    """The uids of the Grafana datasources the project provisions (any ``datasources/*.y*ml``)."""
    uids: set[str] = set()
    for path in project_dir.glob("**/provisioning/datasources/*.y*ml"):
        data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
        for source in data.get("datasources") or ():
            if isinstance(source, dict) and isinstance(source.get("uid"), str):
                uids.add(source["uid"])
    return uids


def _grafana_dashboard(project_dir: Path, files: list[str]) -> None:
    uids = _provisioned_datasource_uids(project_dir)
    for name in files:
        try:
            data = json.loads((project_dir / name).read_text(encoding="utf-8"))
        except json.JSONDecodeError as error:
            raise AssertionError(f"grafana_dashboard: {name}: not JSON: {error}") from None
        problems = _dashboard_problems(data, uids)
        if problems:
            raise AssertionError(f"grafana_dashboard: {name}:\n  " + "\n  ".join(problems))


RUNBOOK_DIR = "docs/runbooks"
RUNBOOK_INDEXES = {"README.md", "index.md"}


def _alerts(project_dir: Path, files: Iterable[str]) -> list[tuple[str, str, Mapping[str, Any]]]:
    """``(file, alert name, annotations)`` for every alerting rule in Prometheus rule files."""
    alerts = []
    for name in files:
        data = yaml.safe_load((project_dir / name).read_text(encoding="utf-8")) or {}
        for group in data.get("groups") or ():
            for rule in group.get("rules") or ():
                if "alert" in rule:
                    alerts.append((name, str(rule["alert"]), rule.get("annotations") or {}))
    return alerts


def _runbook_target(project_dir: Path, url: str) -> Path | None:
    """The project file a runbook URL points at: a relative path, or a URL ending in one."""
    parts = [p for p in urlsplit(url).path.split("/") if p]
    for start in range(len(parts)):
        candidate = project_dir.joinpath(*parts[start:])
        if candidate.is_file():
            return candidate
    return None


def _runbooks(project_dir: Path, files: list[str]) -> None:
    problems = []
    referenced: set[Path] = set()
    alerts = _alerts(project_dir, files)
    if not alerts:
        problems.append(f"{', '.join(files)}: no alerting rules, so no runbook is checked")
    for name, alert, notes in alerts:
        url = notes.get("runbook_url")
        if not (isinstance(url, str) and url.strip()):
            problems.append(f"{name}: alert {alert} has no annotations.runbook_url")
            continue
        target = _runbook_target(project_dir, url)
        if target is None:
            problems.append(f"{name}: alert {alert}: runbook_url {url!r} names no project file")
        else:
            referenced.add(target.resolve())
    runbook_dir = project_dir / RUNBOOK_DIR
    if runbook_dir.is_dir():
        for path in sorted(runbook_dir.glob("*.md")):
            if path.name not in RUNBOOK_INDEXES and path.resolve() not in referenced:
                problems.append(f"{RUNBOOK_DIR}/{path.name}: no alert links to this runbook")
    if problems:
        raise AssertionError("runbooks:\n  " + "\n  ".join(problems))


def _erb_syntax(project_dir: Path, files: list[str]) -> None:
    """Compile each ERB template to Ruby (``erb -x``) and check that Ruby's syntax (``ruby -c``)."""
    for name in files:
        ruby = _run(project_dir, "erb_syntax", ["erb", "-P", "-x", "-T", "-", name])
        try:
            _run(project_dir, "erb_syntax", ["ruby", "-c"], stdin=ruby)
        except AssertionError as error:
            raise AssertionError(f"erb_syntax: {name}: {error}") from None


# Salt: `state.show_highstate` renders top.sls, every SLS it names and the pillar (Jinja, YAML,
# structure), but a misspelled state function or a requisite naming no state only fails when the
# states are applied. So the highstate Salt renders is also checked against the state functions
# this Salt offers and against itself.
SALT_REQUISITES = frozenset(
    f"{kind}{suffix}"
    for kind in ("require", "watch", "onchanges", "onfail", "prereq", "listen", "use")
    for suffix in ("", "_in", "_any")
)


def _salt_call(project_dir: Path, config_dir: Path, *args: str) -> Any:
    argv = ["salt-call", "--local", "-c", str(config_dir), "--retcode-passthrough",
            "--out", "json", "--log-level", "error", *args]
    return json.loads(_run(project_dir, "salt_states", argv))["local"]


def _salt_states_of(highstate: Mapping[str, Any]) -> Iterator[tuple[str, str, list[Any]]]:
    """``(state id, state module, arguments)`` for every state declaration of a highstate."""
    for state_id, body in highstate.items():
        for module, args in body.items():
            if not module.startswith("__"):
                yield state_id, module, args


def _salt_requisites(args: list[Any]) -> Iterator[tuple[str, str, str]]:
    """``(requisite, kind, target)`` for each requisite in a state's arguments."""
    for arg in args:
        if not isinstance(arg, dict):
            continue
        for key, targets in arg.items():
            if key not in SALT_REQUISITES:
                continue
            for target in targets if isinstance(targets, list) else [targets]:
                if isinstance(target, dict):
                    for kind, ref in target.items():
                        yield key, str(kind), str(ref)


def _salt_highstate_problems(highstate: Mapping[str, Any], functions: set[str]) -> list[str]:
    declared: set[tuple[str, str]] = set()
    for state_id, module, args in _salt_states_of(highstate):
        declared.add((module, state_id))
        declared.update((module, str(a["name"])) for a in args
                        if isinstance(a, dict) and "name" in a)
    sls_names = {str(body.get("__sls__")) for body in highstate.values()}
    problems = []
    for state_id, module, args in _salt_states_of(highstate):
        function = next((a for a in args if isinstance(a, str)), None)
        if f"{module}.{function}" not in functions:
            problems.append(f"{state_id}: {module}.{function} is not a Salt state function")
        for key, kind, ref in _salt_requisites(args):
            known = ("*" in ref or (kind == "sls" and ref in sls_names)
                     or (kind == "id" and ref in highstate) or (kind, ref) in declared)
            if not known:
                problems.append(f"{state_id}: {key} {kind}: {ref} names no state")
    return problems


def _salt_states(project_dir: Path, files: list[str]) -> None:
    """Render the highstate of each ``top.sls`` (its folder the file root, ``../pillar`` the
    pillar root) with a throwaway masterless minion config."""
    for name in files:
        states = (project_dir / name).parent.resolve()
        pillar = states.parent / "pillar"
        with tempfile.TemporaryDirectory(prefix="opsgen-salt-") as tmp:
            config_dir = Path(tmp)
            minion = {
                "id": "opsgen-validate",
                "file_client": "local",
                "root_dir": str(config_dir / "root"),
                "log_file": str(config_dir / "minion.log"),
                "file_roots": {"base": [str(states)]},
                "pillar_roots": {"base": [str(pillar)] if pillar.is_dir() else []},
            }
            (config_dir / "minion").write_text(json.dumps(minion), encoding="utf-8")
            highstate = _salt_call(project_dir, config_dir, "state.show_highstate")
            if not isinstance(highstate, dict) or not highstate:
                raise AssertionError(f"salt_states: {name}: the highstate is empty: {highstate!r}")
            functions = set(_salt_call(project_dir, config_dir, "sys.list_state_functions"))
        problems = _salt_highstate_problems(highstate, functions)
        if problems:
            raise AssertionError(f"salt_states: {name}:\n  " + "\n  ".join(problems))
def _yaml(project_dir: Path, files: list[str]) -> None:
    """Each file is one YAML document holding a mapping (a settings file)."""
    for name in files:
        try:
            data = yaml.safe_load((project_dir / name).read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            raise AssertionError(f"yaml: {name}: {error}") from None
        if not isinstance(data, dict):
            raise AssertionError(f"yaml: {name}: must be a mapping, got {type(data).__name__}")


# Logstash itself (`logstash -t`) needs a JVM and a 400 MB download; offline, the pipeline is parsed
# with logstash-pipeline-parser (a PEG grammar of the pipeline syntax), and then must have an
# input and an output section, each with at least one plugin.
def _logstash_pipeline(project_dir: Path, files: list[str]) -> None:
    try:
        from logstash_pipeline_parser import (  # type: ignore[import-not-found,import-untyped,unused-ignore]
            Pipeline,
        )
    except ImportError:
        _missing("logstash_pipeline", "logstash-pipeline-parser (import logstash_pipeline_parser)")
        return
    for name in files:
        text = (project_dir / name).read_text(encoding="utf-8")
        try:
            tree = Pipeline(text).parse()
        except Exception as error:  # pyparsing's ParseException wrapped in the library's own
            detail = " ".join(str(error).split())
            raise AssertionError(f"logstash_pipeline: {name}: {type(error).__name__}: {detail}") from None
        sections: dict[str, int] = {}
        for section, plugins in tree:
            sections[section] = sections.get(section, 0) + len(plugins)
        missing = [s for s in ("input", "output") if not sections.get(s)]
        if missing:
            raise AssertionError(
                f"logstash_pipeline: {name}: no plugin in the {' and '.join(missing)} section(s)"
            )


# Filebeat has no offline validator outside its own binary (`filebeat test config`, not on a package
# registry); this is a structural check of the keys opsgen's filebeat.yml must have:
#   filebeat.inputs: non-empty list of {type: str, ...} with paths (log/filestream/container)
#   exactly one output.*: output.logstash.hosts / output.elasticsearch.hosts a non-empty list
#   processors (optional): a list of single-key mappings
FILEBEAT_INPUTS_WITH_PATHS = {"log", "filestream", "container"}
FILEBEAT_OUTPUTS = {"logstash", "elasticsearch", "kafka", "redis", "file", "console"}


def _filebeat_problems(data: Any) -> list[str]:
    if not isinstance(data, dict):
        return ["must be a mapping"]
    problems = _filebeat_input_problems(data.get("filebeat.inputs"))
    problems += _filebeat_output_problems(data)
    processors = data.get("processors", [])
    if not (isinstance(processors, list)
            and all(isinstance(p, dict) and len(p) == 1 for p in processors)):
        problems.append("processors: must be a list of single-key mappings")
    return problems


def _filebeat_input_problems(inputs: Any) -> list[str]:
    if not (isinstance(inputs, list) and inputs):
        return ["filebeat.inputs: must be a non-empty list"]
    problems = []
    for index, item in enumerate(inputs):
        if not (isinstance(item, dict) and isinstance(item.get("type"), str)):
            problems.append(f"filebeat.inputs[{index}]: must be a mapping with a type")
            continue
        paths = item.get("paths")
        if item["type"] in FILEBEAT_INPUTS_WITH_PATHS and not (
                isinstance(paths, list) and paths and all(isinstance(p, str) for p in paths)):
            problems.append(f"filebeat.inputs[{index}].paths: must be a non-empty list of globs")
    return problems


def _filebeat_output_problems(data: dict[Any, Any]) -> list[str]:
    problems = []
    outputs = [key for key in data if isinstance(key, str) and key.startswith("output.")]
    unknown = [key for key in outputs if key.split(".")[1] not in FILEBEAT_OUTPUTS]
    if unknown:
        problems.append(f"{', '.join(unknown)}: not a Filebeat output")
    if len(outputs) != 1:
        problems.append(f"exactly one output.* must be set, got {outputs or 'none'}")
    for key in ("output.logstash", "output.elasticsearch"):
        if key in data:
            hosts = data[key].get("hosts") if isinstance(data[key], dict) else None
            if not (isinstance(hosts, list) and hosts):
                problems.append(f"{key}.hosts: must be a non-empty list")
    return problems


def _filebeat_config(project_dir: Path, files: list[str]) -> None:
    for name in files:
        try:
            data = yaml.safe_load((project_dir / name).read_text(encoding="utf-8"))
        except yaml.YAMLError as error:
            raise AssertionError(f"filebeat_config: {name}: {error}") from None
        problems = _filebeat_problems(data)
        if problems:
            raise AssertionError(f"filebeat_config: {name}:\n  " + "\n  ".join(problems))
# kubernetes-validate knows only Kubernetes' own kinds, and no OpenShift schema is installable
# offline, so Routes get a structural check of our own, after route.openshift.io/v1's API docs:
#   {apiVersion: route.openshift.io/v1, kind: Route, metadata: {name}, spec: {to, port, tls, ...}}
#   spec keys: host, subdomain, path, to, alternateBackends, port, tls, wildcardPolicy,
#   httpHeaders; spec.to: {kind: Service, name, weight 0-256}; spec.port.targetPort: a port
#   (name or number) of that Service, which must exist in the project; spec.tls.termination: edge,
#   passthrough or reencrypt; insecureEdgeTerminationPolicy: Allow, None or Redirect.
ROUTE_SPEC_KEYS = {"host", "subdomain", "path", "to", "alternateBackends", "port", "tls",
                   "wildcardPolicy", "httpHeaders"}
ROUTE_TLS_KEYS = {"termination", "certificate", "key", "caCertificate",
                  "destinationCACertificate", "insecureEdgeTerminationPolicy",
                  "externalCertificate"}


def _project_services(project_dir: Path) -> dict[str, set[Any]]:
    """Every Service in the project's YAML files: name -> its port names and numbers."""
    services: dict[str, set[Any]] = {}
    for path in project_dir.glob("deploy/**/*.y*ml"):
        try:
            documents = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
        except yaml.YAMLError:
            continue
        for doc in documents:
            if isinstance(doc, dict) and (doc.get("apiVersion"), doc.get("kind")) == ("v1", "Service"):
                ports: set[Any] = set()
                for port in (doc.get("spec") or {}).get("ports") or ():
                    ports.update(port.get(key) for key in ("name", "port", "targetPort"))
                services[str((doc.get("metadata") or {}).get("name"))] = ports - {None}
    return services


def _route_problems(route: Any, services: Mapping[str, set[Any]]) -> list[str]:
    if not isinstance(route, dict):
        return ["a Route must be a mapping"]
    problems = []
    if route.get("apiVersion") != "route.openshift.io/v1" or route.get("kind") != "Route":
        problems.append("must be apiVersion route.openshift.io/v1, kind Route")
    name = (route.get("metadata") or {}).get("name")
    if not (isinstance(name, str) and name):
        problems.append("metadata.name: required")
    spec = route.get("spec")
    if not isinstance(spec, dict):
        return [*problems, "spec: required"]
    problems.extend(f"spec.{key}: unknown field" for key in sorted(set(spec) - ROUTE_SPEC_KEYS))
    if spec.get("wildcardPolicy", "None") not in ("None", "Subdomain"):
        problems.append("spec.wildcardPolicy: must be None or Subdomain")
    return [*problems, *_route_target_problems(spec, services), *_route_tls_problems(spec)]


def _route_target_problems(spec: dict[str, Any], services: Mapping[str, set[Any]]) -> list[str]:
    to = spec.get("to")
    if not (isinstance(to, dict) and to.get("kind") == "Service" and to.get("name")):
        return ["spec.to: must be {kind: Service, name: ...}"]
    problems = []
    weight = to.get("weight", 100)
    if not (isinstance(weight, int) and 0 <= weight <= 256):
        problems.append("spec.to.weight: must be an integer from 0 to 256")
    ports = services.get(to["name"])
    if ports is None:
        problems.append(f"spec.to.name: no Service {to['name']!r} in the project")
    target = (spec.get("port") or {}).get("targetPort")
    if target is None:
        problems.append("spec.port.targetPort: required (the Service port to route to)")
    elif ports is not None and target not in ports:
        problems.append(f"spec.port.targetPort: Service {to['name']!r} has no port {target!r}")
    return problems


def _route_tls_problems(spec: dict[str, Any]) -> list[str]:
    tls = spec.get("tls")
    if not isinstance(tls, dict):
        return ["spec.tls: required (opsgen routes are HTTPS)"]
    problems = [f"spec.tls.{key}: unknown field" for key in sorted(set(tls) - ROUTE_TLS_KEYS)]
    if tls.get("termination") not in ("edge", "passthrough", "reencrypt"):
        problems.append("spec.tls.termination: must be edge, passthrough or reencrypt")
    if tls.get("insecureEdgeTerminationPolicy", "None") not in ("Allow", "None", "Redirect"):
        problems.append("spec.tls.insecureEdgeTerminationPolicy: must be Allow, None or Redirect")
    return problems


def _openshift_route(project_dir: Path, files: list[str]) -> None:
    services = _project_services(project_dir)
    for name in files:
        try:
            documents = [d for d in yaml.safe_load_all((project_dir / name).read_text(
                encoding="utf-8")) if d is not None]
        except yaml.YAMLError as error:
            raise AssertionError(f"openshift_route: {name}: not YAML: {error}") from None
        if not documents:
            raise AssertionError(f"openshift_route: {name}: no Route in the file")
        problems = [p for doc in documents for p in _route_problems(doc, services)]
        if problems:
            raise AssertionError(f"openshift_route: {name}:\n  " + "\n  ".join(problems))


# GKE's ManagedCertificate is a CRD too (networking.gke.io/v1), checked after Google's docs:
#   {apiVersion: networking.gke.io/v1, kind: ManagedCertificate, metadata: {name},
#    spec: {domains: 1-100 DNS names, no wildcards, each at most 63 characters}}
# and an Ingress of the project must name it in networking.gke.io/managed-certificates.
DNS_NAME = re.compile(r"^(?=.{1,63}$)([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}$")
MANAGED_CERTIFICATES = "networking.gke.io/managed-certificates"


def _yaml_documents(project_dir: Path, pattern: str) -> list[Any]:
    documents: list[Any] = []
    for path in project_dir.glob(pattern):
        try:
            documents.extend(yaml.safe_load_all(path.read_text(encoding="utf-8")))
        except yaml.YAMLError:
            continue
    return [d for d in documents if isinstance(d, dict)]


def _certificate_problems(cert: dict[str, Any], referenced: set[str]) -> list[str]:
    problems = []
    if (cert.get("apiVersion"), cert.get("kind")) != ("networking.gke.io/v1", "ManagedCertificate"):
        problems.append("must be apiVersion networking.gke.io/v1, kind ManagedCertificate")
    name = (cert.get("metadata") or {}).get("name")
    if not (isinstance(name, str) and name):
        problems.append("metadata.name: required")
    elif name not in referenced:
        problems.append(f"no Ingress names {name!r} in its {MANAGED_CERTIFICATES} annotation")
    spec = cert.get("spec")
    if not isinstance(spec, dict) or set(spec) - {"domains"}:
        return [*problems, "spec: must be {domains: [...]} and nothing else"]
    domains = spec.get("domains")
    if not (isinstance(domains, list) and 0 < len(domains) <= 100):
        return [*problems, "spec.domains: must list 1 to 100 domains"]
    problems.extend(
        f"spec.domains: {domain!r} is not a DNS name of at most 63 characters (no wildcards)"
        for domain in domains if not (isinstance(domain, str) and DNS_NAME.match(domain))
    )
    return problems


def _gke_managed_certificate(project_dir: Path, files: list[str]) -> None:
    referenced = {
        name.strip()
        for doc in _yaml_documents(project_dir, "deploy/**/*.y*ml") if doc.get("kind") == "Ingress"
        for name in str(((doc.get("metadata") or {}).get("annotations") or {}).get(
            MANAGED_CERTIFICATES, "")).split(",")
    }
    for name in files:
        documents = _yaml_documents(project_dir, name)
        if not documents:
            raise AssertionError(f"gke_managed_certificate: {name}: no certificate in the file")
        problems = [p for doc in documents for p in _certificate_problems(doc, referenced)]
        if problems:
            raise AssertionError(f"gke_managed_certificate: {name}:\n  " + "\n  ".join(problems))


BUILTINS: dict[str, Callable[[Path, list[str]], None]] = {
    "erb_syntax": _erb_syntax,
    "salt_states": _salt_states,
    "toml": _toml,
    "python_syntax": _python_syntax,
    "hcl2": _hcl2,
    "grafana_dashboard": _grafana_dashboard,
    "runbooks": _runbooks,
    "yaml": _yaml,
    "logstash_pipeline": _logstash_pipeline,
    "filebeat_config": _filebeat_config,
    "openshift_route": _openshift_route,
    "gke_managed_certificate": _gke_managed_certificate,
    **VCS_BUILTINS,
}
