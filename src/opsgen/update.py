"""``opsgen update``: every layer of a project to the installed templates, reported per file."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml

from opsgen import __version__
from opsgen.catalog import LAYER_ORDER, default_catalog
from opsgen.config import Overrides, ProjectConfig, config_from_answers, resolve
from opsgen.engine import answers_file, copier_update
from opsgen.errors import UsageError
from opsgen.gitops import changed_files, is_clean

CONFLICT_MARKER = "<<<<<<< before updating"


@dataclass(frozen=True)
class UpdateReport:
    """Each changed file with its state: new, merged, conflict or removed."""

    project: Path
    version: str
    files: dict[str, str]

    @property
    def conflicts(self) -> list[str]:
        """The files left with conflict markers."""
        return sorted(path for path, state in self.files.items() if state == "conflict")


def layer_answer_files(project: Path) -> list[str]:
    """The answers files of the project's layers, base layer first."""
    names = [answers_file(layer) for layer in LAYER_ORDER]
    return [name for name in names if (project / name).is_file()]


def _state(project: Path, status: str, path: str) -> str:
    if "D" in status:
        return "removed"
    if status in ("??", "A "):
        return "new"
    text = (project / path).read_text(encoding="utf-8", errors="replace")
    return "conflict" if CONFLICT_MARKER in text else "merged"


def _updatable(project: Path) -> list[str]:
    layers = layer_answer_files(project)
    if not layers:
        raise UsageError(f"{project}: no .copier-answers.yml; not a project made by opsgen")
    vcs = _version_control(project)
    if vcs != "git":
        raise UsageError(
            f"{project} uses {vcs}: copier update needs git; generate the new version with "
            "`opsgen new` into another folder (same answers) and merge the differences by hand"
        )
    if not (project / ".git").exists():
        raise UsageError(f"{project}: updates need git (copier merges with it); run `git init`")
    if not is_clean(project):
        raise UsageError(f"{project}: has uncommitted changes; commit or stash them first")
    return layers


def _version_control(project: Path) -> str:
    answers = yaml.safe_load((project / answers_file(LAYER_ORDER[0])).read_text(encoding="utf-8"))
    value = answers.get("version_control", "git") if isinstance(answers, dict) else "git"
    return str(value)


def _report(project: Path) -> UpdateReport:
    files = {path: _state(project, status, path) for status, path in changed_files(project)}
    return UpdateReport(project=project, version=__version__, files=files)


def update_project(project: Path) -> UpdateReport:
    """Update every layer; leave the changes uncommitted for review."""
    project = project.resolve()
    for name in _updatable(project):
        copier_update(project, name)
    return _report(project)


def project_config(project: Path) -> ProjectConfig:
    """The config a project was generated with, read back from its base answers file."""
    path = project / answers_file(LAYER_ORDER[0])
    answers: dict[str, Any] = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return config_from_answers(default_catalog(), answers)


def set_tools(project: Path, sets: tuple[str, ...]) -> UpdateReport:
    """Change tool choices of an existing project, validated like a new one, then re-render."""
    project = project.resolve()
    layers = _updatable(project)
    current = project_config(project)
    raw = {"name": current.name, "description": current.description,
           "layers": list(current.layers),
           "tools": {k: list(v) if isinstance(v, tuple) else v for k, v in current.tools.items()}}
    changed = resolve(default_catalog(), raw, Overrides(sets=sets))
    if changed.tools["version_control"] != current.tools["version_control"]:
        raise UsageError(f"{project}: version_control cannot change on an existing project; "
                         "convert the repository with your VCS's own tools instead")
    data = {k: v for k, v in changed.answers().items() if k in dict(changed.tools)}
    for name in layers:
        copier_update(project, name, data=data)
    return _report(project)
