"""`opsgen update` of a project already at the installed templates: the shortcut tells the truth.

The shortcut skips the clone, the merges and the renders of the recorded templates; its report
must be the one the whole update gives, for a project its user edited and deleted files from,
and whatever state the render cache is in.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest
import yaml
from clirun import git_commit, opsgen, opsgen_process, sh, snapshot

from opsgen.rendercache import cache_dir
from opsgen.update import UpdateReport, _up_to_date, update_project

pytestmark = pytest.mark.e2e

USER_NOTE = "<!-- our notes -->\n"
DELETED = ("docs/postmortem-template.md", "tests/__init__.py")


@pytest.fixture
def cache(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """A render cache of this test's own, so corrupting it touches no other test."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    return cache_dir()


def edited_project(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> Path:
    """A two-layer project whose user edited one template file and deleted two, committed."""
    project = tmp_path / "svc"
    made = opsgen(capsys, "new", project, "--defaults", "--layer", "mlops")
    assert made.code == 0, made.err
    readme = project / "README.md"
    readme.write_text(USER_NOTE + readme.read_text(encoding="utf-8"), encoding="utf-8")
    sh("git", "rm", "-q", *DELETED, cwd=project)
    git_commit(project, "Our notes; we keep postmortems elsewhere")
    return project


def both_ways(project: Path, *, plan: bool) -> tuple[UpdateReport, UpdateReport]:
    """The report of the shortcut, then of the whole update, of the same project."""
    assert _up_to_date(project, ["devops", "mlops"], plan=plan) is not None, "no shortcut taken"
    return (update_project(project, plan=plan),
            update_project(project, plan=plan, shortcut=False))


@pytest.mark.parametrize("plan", [True, False], ids=["plan", "update"])
def test_the_shortcut_reports_what_the_whole_update_does(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, cache: Path, plan: bool
) -> None:
    project = edited_project(capsys, tmp_path)
    shortcut, whole = both_ways(project, plan=plan)
    assert shortcut.to_json() == whole.to_json()
    assert shortcut == whole  # the text report and exit code follow from these fields
    assert shortcut.files["README.md"] == "unchanged"  # the user's edit stays
    for path in DELETED:
        assert shortcut.files[path] == "kept-deleted"
    assert set(shortcut.files.values()) == {"unchanged", "kept-deleted"}
    assert sh("git", "status", "--porcelain", cwd=project) == ""


def test_the_shortcut_leaves_the_project_byte_identical(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, cache: Path
) -> None:
    project = edited_project(capsys, tmp_path)
    before = snapshot(project)  # the work tree, the index, HEAD and every object
    for args in ((), ("--json",), ("--plan",), ("--plan", "--json")):
        run = opsgen_process("update", project, *args)
        assert run.code == 0, run.err
        assert snapshot(project) == before, args
    report = json.loads(opsgen_process("update", project, "--json").out)
    assert report["files"]["README.md"] == "unchanged"


CORRUPTIONS = {
    "garbage": lambda text: "\x00not json at all",
    "empty": lambda text: "",
    "truncated": lambda text: text[: len(text) // 2],
    "a file forgotten": lambda text: _forget_one(text),
    "another key": lambda text: json.dumps({**json.loads(text), "key": "{}"}),
}


def _forget_one(text: str) -> str:
    stored = json.loads(text)
    stored["entries"].pop(sorted(stored["entries"])[0])
    return json.dumps(stored)


@pytest.mark.parametrize("corrupt", CORRUPTIONS.values(), ids=CORRUPTIONS.keys())
def test_a_corrupt_cache_entry_is_rendered_again(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, cache: Path, corrupt: object
) -> None:
    project = edited_project(capsys, tmp_path)
    sound = update_project(project, plan=True)  # `new` and this update leave one entry
    entries = sorted(cache.glob("*.json"))
    assert len(entries) == 1
    original = entries[0].read_text(encoding="utf-8")
    assert callable(corrupt)
    entries[0].write_text(corrupt(original), encoding="utf-8")
    shortcut, whole = both_ways(project, plan=True)
    assert shortcut == whole == sound
    assert entries[0].read_text(encoding="utf-8") == original  # rendered and written again


def test_a_missing_cache_entry_is_rendered_again(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, cache: Path
) -> None:
    project = edited_project(capsys, tmp_path)
    written_by_new = {p.name: p.read_bytes() for p in cache.glob("*.json")}
    assert written_by_new
    for path in cache.glob("*.json"):
        path.unlink()
    shortcut, whole = both_ways(project, plan=True)
    assert shortcut == whole
    # What `new` remembered is exactly what an update renders.
    assert {p.name: p.read_bytes() for p in cache.glob("*.json")} == written_by_new


def test_other_recorded_templates_take_the_whole_update(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, cache: Path
) -> None:
    """A layer recorded at another name of the templates gets copier's update, which fixes it."""
    project = edited_project(capsys, tmp_path)
    answers_file = project / ".copier-answers.yml"
    answers = yaml.safe_load(answers_file.read_text(encoding="utf-8"))
    commit = str(answers["_commit"])
    answers_file.write_text(answers_file.read_text(encoding="utf-8").replace(
        f"_commit: {commit}", "_commit: main"), encoding="utf-8")
    git_commit(project, "Record the templates by branch")
    assert _up_to_date(project, ["devops", "mlops"], plan=True) is None
    report = update_project(project, plan=True)
    assert report.from_version == "main" and report.to_version == commit
    # The user's edit of the answers file meets copier's rewrite of the same line.
    assert report.files[".copier-answers.yml"] == "merged"
