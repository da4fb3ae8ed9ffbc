"""Run the catalog's validators on a generated project.

Which validator checks which files, and how it runs, is data in ``catalog.yaml``; this module only
interprets it, so no tool is named here. The exceptions are the ``builtin`` validators, Python
checks implemented below. A check whose glob matches nothing fails: a check that cannot fail is a
defect.
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import tomllib
from collections.abc import Callable, Iterable, Mapping
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


def _run(project_dir: Path, validator_id: str, argv: list[str]) -> None:
    env = {**os.environ, "NO_COLOR": "1"}
    try:
        result = subprocess.run(
            argv, cwd=project_dir, capture_output=True, text=True, env=env,
            stdin=subprocess.DEVNULL, timeout=TIMEOUT_SECONDS, check=False,
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


BUILTINS: dict[str, Callable[[Path, list[str]], None]] = {
    "toml": _toml,
    "python_syntax": _python_syntax,
    "hcl2": _hcl2,
    "grafana_dashboard": _grafana_dashboard,
    "runbooks": _runbooks,
    **VCS_BUILTINS,
}
