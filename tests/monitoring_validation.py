"""Builtin validators of the monitoring files: Grafana dashboards, a runbook for every alert, the
Logstash pipeline and the Filebeat config."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import yaml
from toolrun import load_json
from toolrun import missing as _missing


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
        data = load_json("grafana_dashboard", project_dir / name)
        problems = _dashboard_problems(data, uids)
        if problems:
            raise AssertionError(f"grafana_dashboard: {name}:\n  " + "\n  ".join(problems))


RUNBOOK_DIR = "docs/runbooks"
RUNBOOK_INDEXES = {"README.md", "index.md"}


def _alert_rules(project_dir: Path, files: Iterable[str]) -> list[tuple[str, Mapping[str, Any]]]:
    """``(file, rule)`` for every alerting rule in Prometheus rule files."""
    rules = []
    for name in files:
        data = yaml.safe_load((project_dir / name).read_text(encoding="utf-8")) or {}
        for group in data.get("groups") or ():
            rules += [(name, rule) for rule in group.get("rules") or () if "alert" in rule]
    return rules


def _alerts(project_dir: Path, files: Iterable[str]) -> list[tuple[str, str, Mapping[str, Any]]]:
    """``(file, alert name, annotations)`` for every alerting rule in Prometheus rule files."""
    return [(name, str(rule["alert"]), rule.get("annotations") or {})
            for name, rule in _alert_rules(project_dir, files)]


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

# Multi-window burn rates (Google SRE workbook): a page at 14.4x, a ticket at 6x the budget.
BURN_FACTORS = {14.4, 6.0}
THRESHOLD = re.compile(r"\(\s*([0-9.]+)\s*\*\s*([0-9.]+)\s*\)")
RULES_GLOB = "monitoring/prometheus/rules/*.yml"


def _slo_problems(slo: Any, rules: Mapping[str, list[str]]) -> list[str]:
    if not isinstance(slo, dict) or not isinstance(slo.get("objective"), int | float):
        return [f"an SLO without a numeric objective: {slo!r}"]
    name, budget = slo.get("name"), round(1 - slo["objective"] / 100, 6)
    alert = (slo.get("alerting") or {}).get("name")
    exprs = rules.get(str(alert), [])
    if not exprs:
        return [f"SLO {name}: no alert rule named {alert!r} in {RULES_GLOB}"]
    thresholds = [(float(f), float(b)) for expr in exprs for f, b in THRESHOLD.findall(expr)]
    problems = [f"SLO {name}: {alert} burns a budget of {b}, not {budget} (objective "
                f"{slo['objective']})" for _, b in thresholds if abs(b - budget) > 1e-9]
    missing = BURN_FACTORS - {f for f, _ in thresholds}
    if missing:
        problems.append(f"SLO {name}: {alert} has no burn-rate alert at {sorted(missing)}x")
    return problems


def _slo_alerts(project_dir: Path, files: list[str]) -> None:
    """Every SLO (Sloth's prometheus/v1 format) has page and ticket burn-rate alerts, named by
    its ``alerting.name``, whose thresholds are multiples of exactly its error budget."""
    rule_files = sorted(str(p.relative_to(project_dir)) for p in project_dir.glob(RULES_GLOB))
    rules: dict[str, list[str]] = {}
    for _, rule in _alert_rules(project_dir, rule_files):
        rules.setdefault(str(rule["alert"]), []).append(str(rule.get("expr", "")))
    problems = []
    for name in files:
        spec = yaml.safe_load((project_dir / name).read_text(encoding="utf-8")) or {}
        slos = spec.get("slos") if isinstance(spec, dict) else None
        if spec.get("version") != "prometheus/v1" or not slos:
            problems.append(f"{name}: not a prometheus/v1 spec with slos")
            continue
        problems += [f"{name}: {problem}" for slo in slos for problem in _slo_problems(slo, rules)]
    if problems:
        raise AssertionError("slo_alerts: " + "; ".join(problems))


MONITORING_BUILTINS: dict[str, Callable[[Path, list[str]], None]] = {
    "grafana_dashboard": _grafana_dashboard,
    "runbooks": _runbooks,
    "slo_alerts": _slo_alerts,
    "logstash_pipeline": _logstash_pipeline,
    "filebeat_config": _filebeat_config,
}
