"""`opsgen update`, `add` and `set` refuse, in one line and exit 2, what they must not change."""

from __future__ import annotations

import shutil
from collections.abc import Callable
from pathlib import Path

import pytest
from clirun import git_commit, opsgen, sh, snapshot

from opsgen import __version__

COMMANDS = [
    ("update",),
    ("update", "--plan", "--json"),
    ("add", "mlops"),
    ("set", "incident_management=slack"),
]


def edited_readme(project: Path) -> str:
    (project / "README.md").write_text("mine\n", encoding="utf-8")
    return f"{project}: has uncommitted changes; commit or stash them first"


def untracked_file(project: Path) -> str:
    (project / "notes.txt").write_text("mine\n", encoding="utf-8")
    return f"{project}: has uncommitted changes; commit or stash them first"


def no_answers(project: Path) -> str:
    sh("git", "rm", "-q", ".copier-answers.yml", cwd=project)
    git_commit(project, "Not a generated project any more")
    return f"{project}: no .copier-answers.yml; not a project made by opsgen"


def newer_answers(project: Path) -> str:
    answers = project / ".copier-answers.yml"
    text = answers.read_text(encoding="utf-8")
    answers.write_text(text.replace(f"_commit: v{__version__}", "_commit: v99.0.0"),
                       encoding="utf-8")
    git_commit(project, "As if made by a future opsgen")
    return (f"{project} was made by opsgen 99.0.0, newer than this opsgen {__version__}; "
            "upgrade opsgen")


def inside_a_larger_repository(project: Path) -> str:
    shutil.rmtree(project / ".git")
    outer = project.parent
    sh("git", "init", "-q", cwd=outer)
    sh("git", "add", "-A", cwd=outer)
    git_commit(outer, "A monorepo holding the project")
    return (f"{project}: is a folder of the git repository {outer}; opsgen changes a project "
            "that is a git repository of its own")


def a_folder_of_the_project(project: Path) -> str:
    return f"{project / 'docs'}: no .copier-answers.yml; it is a folder of the project {project}: give that"


@pytest.mark.parametrize("spoil", [edited_readme, untracked_file, no_answers, newer_answers,
                                   inside_a_larger_repository])
@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_refusals_change_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: tuple[str, ...],
    spoil: Callable[[Path], str],
) -> None:
    project = tmp_path / "svc"
    assert opsgen(capsys, "new", project, "--defaults").code == 0
    message = spoil(project)
    before = snapshot(project)
    run = opsgen(capsys, command[0], project, *command[1:])
    assert run.code == 2
    assert run.err == f"opsgen: error: {message}\n"
    assert run.out == ""
    assert snapshot(project) == before


def test_add_takes_a_project_and_one_layer(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run = opsgen(capsys, "add", tmp_path, "mlops", "dataops")
    assert run.code == 2
    assert run.err == "opsgen: error: add: takes [PROJECT] LAYER, not 3 arguments\n"


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_a_folder_of_a_project_names_the_project(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: tuple[str, ...]
) -> None:
    project = tmp_path / "svc"
    assert opsgen(capsys, "new", project, "--defaults").code == 0
    before = snapshot(project)
    run = opsgen(capsys, command[0], project / "docs", *command[1:])
    assert (run.code, run.out) == (2, "")
    assert run.err == f"opsgen: error: {a_folder_of_the_project(project)}\n"
    assert snapshot(project) == before


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
@pytest.mark.parametrize(("make", "problem"), [(None, "no such folder"),
                                               ("file", "is not a folder")])
def test_a_missing_project_or_a_file_is_named_as_such(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: tuple[str, ...],
    make: str | None, problem: str,
) -> None:
    path = tmp_path / "svc"
    if make == "file":
        path.write_text("mine\n", encoding="utf-8")
    before = snapshot(tmp_path)
    run = opsgen(capsys, command[0], path, *command[1:])
    assert (run.code, run.out) == (2, "")
    assert run.err == f"opsgen: error: {path}: {problem}\n"
    assert snapshot(tmp_path) == before
