"""Run the catalog's validators on a generated project.

Which validator checks which files, and how it runs, is data in ``catalog.yaml``; this module only
interprets it, so no tool is named here. The exceptions are the ``builtin`` validators, Python
checks implemented below. A check whose glob matches nothing fails: a check that cannot fail is a
defect.
"""

from __future__ import annotations

import shutil
import subprocess
import tomllib
from collections.abc import Callable
from pathlib import Path

import pytest
import yaml
from cataloging_validation import CATALOGING_BUILTINS
from ci_validation import CI_BUILTINS
from cm_validation import CM_BUILTINS
from data_validation import DATA_BUILTINS
from governance_validation import GOVERNANCE_BUILTINS
from integration_validation import INTEGRATION_BUILTINS
from k8s_validation import K8S_BUILTINS
from ml_validation import ML_BUILTINS
from monitoring_validation import MONITORING_BUILTINS
from orchestration_validation import ORCHESTRATION_BUILTINS
from spark_validation import SPARK_BUILTINS
from toolrun import missing as _missing
from toolrun import run as _run
from vcs_validation import VCS_BUILTINS

from opsgen.catalog import Catalog, Check, Validator, default_catalog
from opsgen.config import ProjectConfig

# --- Which checks a project gets -----------------------------------------------------------------


def checks_for(catalog: Catalog, config: ProjectConfig) -> list[Check]:
    """The checks of a project: its layers' checks, then those of every chosen tool, once each."""
    checks: list[Check] = []
    for layer_id in config.layers:
        checks.extend(catalog.layer(layer_id).checks)
    for aspect_id, choice in config.tools.items():
        aspect = catalog.aspect(aspect_id)
        for tool_id in choice if isinstance(choice, tuple) else (choice,):
            checks.extend(c for c in aspect.tool(tool_id).checks
                          if c.layer is None or c.layer in config.layers)
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

BUILTINS: dict[str, Callable[[Path, list[str]], None]] = {
    "toml": _toml,
    "python_syntax": _python_syntax,
    "hcl2": _hcl2,
    "yaml": _yaml,
    **CATALOGING_BUILTINS,
    **CI_BUILTINS,
    **CM_BUILTINS,
    **GOVERNANCE_BUILTINS,
    **INTEGRATION_BUILTINS,
    **K8S_BUILTINS,
    **ML_BUILTINS,
    **DATA_BUILTINS,
    **MONITORING_BUILTINS,
    **ORCHESTRATION_BUILTINS,
    **SPARK_BUILTINS,
    **VCS_BUILTINS,
}
