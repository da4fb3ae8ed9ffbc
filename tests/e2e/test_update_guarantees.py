"""`opsgen update` across two template versions keeps the user's work and reports every file.

Version 1 is this checkout's opsgen, released; version 2 is a copy whose templates changed a
file in several places, added, removed and renamed files, changed a default and asked a new
question. A project with two layers is generated at
version 1, edited and committed by its user, then updated by version 2: for real, and as a plan.
"""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from clirun import (
    INTERRUPTED,
    Run,
    copy_source,
    ctrl_c,
    git_commit,
    opsgen_process,
    release,
    set_version,
    sh,
    snapshot,
    spawn_foreground_job,
    spawn_opsgen,
    tree,
)

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

OLD, NEW = "9.0.0", "9.1.0"
USER_NOTE = "<!-- team notes: the on-call rota lives in the wiki -->"
UPGRADING = "## Upgrading"
MY_TEST = "\n\ndef test_our_own_case() -> None:\n    assert True\n"
CONFLICTS = [".editorconfig", "tests/test_logs.py"]

# What version 2 does to each file, seen from the project the user edited.
EXPECTED = {
    ".copier-answers.yml": "updated",
    ".copier-answers.mlops.yml": "updated",
    ".dockerignore": "updated",  # changed by the templates, untouched by the user
    "README.md": "merged",  # the user wrote at the top, the templates at the bottom
    ".editorconfig": "conflict",  # both changed the same line
    "tests/test_logs.py": "conflict",  # the user added a test, the templates dropped the file
    "UPGRADING.md": "new",
    "docs/ml-upgrading.md": "new",  # the ML layer is updated too
    "mk/README.md": "removed",
    "docs/postmortem-template.md": "kept-deleted",  # deleted by the user, changed by the templates
    "tests/__init__.py": "kept-deleted",  # deleted by the user, unchanged by the templates
    ".github/pull_request_template.md": "removed",  # renamed by the templates
    ".github/PULL_REQUEST_TEMPLATE.md": "new",
}
# Version 2's new question, its default, and where a template uses it.
NEW_QUESTION, NEW_DEFAULT = "oncall_channel", "#ops-oncall"
ONCALL_LINE = "On call: " + NEW_DEFAULT


def append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def replace_once(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, path
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


@pytest.fixture(scope="module")
def sources(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    """Source checkouts of opsgen OLD and NEW; NEW ships OLD's templates as a release."""
    work = tmp_path_factory.mktemp("sources")
    v1 = copy_source(work / "v1")
    set_version(v1, OLD)
    release(v1)
    v2 = work / "v2"
    shutil.copytree(v1, v2, symlinks=True)
    set_version(v2, NEW)
    devops = v2 / "templates" / "devops"
    append(devops / "README.md.jinja", f"\n{UPGRADING}\n\nRun `opsgen update` after upgrading.\n")
    replace_once(devops / ".editorconfig", "indent_size = 4", "indent_size = 2")
    append(devops / "docs" / "postmortem-template.md", "\n## Follow-up owners\n")
    append(next(devops.glob("*.dockerignore*")), "*.log\n")
    (devops / "mk" / "README.md").unlink()
    (devops / "tests" / "test_logs.py.jinja").unlink()
    (devops / "UPGRADING.md").write_text("# Upgrading\n", encoding="utf-8")
    (v2 / "templates" / "mlops" / "docs" / "ml-upgrading.md").write_text(
        "# Upgrading the ML layer\n", encoding="utf-8")
    github = devops / "{% if version_control == 'git' %}.github{% endif %}"
    def when_github(name: str) -> str:
        cond = "version_control == 'git' and continuous_integration != 'gitlab_ci'"
        return "{% if " + cond + " %}" + name + "{% endif %}.jinja"

    (github / when_github("pull_request_template.md")).rename(
        github / when_github("PULL_REQUEST_TEMPLATE.md"))
    # A changed default (projects keep their recorded answer) and a new question (its default).
    questions = yaml.safe_load((v2 / "copier.yml").read_text(encoding="utf-8"))
    assert questions["incident_management"]["default"] == "email"
    questions["incident_management"]["default"] = "slack"
    questions[NEW_QUESTION] = {"type": "str", "help": "Chat channel of the on-call rota",
                               "default": NEW_DEFAULT}
    (v2 / "copier.yml").write_text(yaml.safe_dump(questions, sort_keys=False), encoding="utf-8")
    append(devops / "README.md.jinja", "\nOn call: {{ " + NEW_QUESTION + " }}\n")
    return v1, v2


@dataclass(frozen=True)
class Scenario:
    project: Path
    home: dict[str, str]
    new: Path  # the source checkout of the newer opsgen

    def update(self, *args: str) -> Run:
        return opsgen_process("update", self.project, *args, source=self.new, env=self.home)


def edited_project(tmp_path: Path, sources: tuple[Path, Path]) -> Scenario:
    """A project with two layers made by OLD, with the user's edits and deletions committed."""
    old, new = sources
    home = tmp_path / "home"
    home.mkdir()
    env = {"HOME": str(home)}
    project = tmp_path / "svc"
    made = opsgen_process("new", project, "--defaults", "--layer", "mlops", source=old, env=env)
    assert made.code == 0, made.err
    readme = project / "README.md"
    readme.write_text(f"{USER_NOTE}\n{readme.read_text(encoding='utf-8')}", encoding="utf-8")
    replace_once(project / ".editorconfig", "indent_size = 4", "indent_size = 8")
    append(project / "tests" / "test_logs.py", MY_TEST)
    sh("git", "rm", "-q", "docs/postmortem-template.md", "tests/__init__.py", cwd=project)
    git_commit(project, "Our notes, our indentation; we keep postmortems elsewhere")
    return Scenario(project=project, home=env, new=new)


def listed(run: Run) -> dict[str, str]:
    """The files a text report lists, with their states."""
    rows = [line.split() for line in run.out.splitlines() if line.startswith("  ")]
    return {path: state for state, path in rows}


def test_plan_changes_nothing_and_predicts_the_update(
    tmp_path: Path, sources: tuple[Path, Path]
) -> None:
    scenario = edited_project(tmp_path, sources)
    before = snapshot(scenario.project)  # the work tree, the index, HEAD and every object
    plan = scenario.update("--plan", "--json")
    assert plan.code == 0, plan.err
    assert snapshot(scenario.project) == before

    done = scenario.update("--json")
    assert done.code == 1, done.err
    predicted, happened = json.loads(plan.out), json.loads(done.out)
    assert predicted == happened
    assert happened["project"] == str(scenario.project)
    assert (happened["from_version"], happened["to_version"]) == (f"v{OLD}", f"v{NEW}")
    assert happened["conflicts"] == CONFLICTS
    changed = {p: s for p, s in happened["files"].items() if s != "unchanged"}
    assert changed == EXPECTED
    assert "Makefile" in happened["files"]  # unchanged files are listed for machines


def test_text_plan_lists_the_changes_and_counts_the_rest(
    tmp_path: Path, sources: tuple[Path, Path]
) -> None:
    scenario = edited_project(tmp_path, sources)
    plan = scenario.update("--plan")
    assert plan.code == 0, plan.err
    assert listed(plan) == EXPECTED
    summary = plan.out.splitlines()[-2]
    assert summary.startswith(f"plan for {scenario.project} from v{OLD} to v{NEW}: 2 conflict,")
    assert " unchanged; nothing was changed" in summary
    assert plan.out.splitlines()[-1] == f"would leave conflicts in {', '.join(CONFLICTS)}"


def test_user_edits_survive_and_a_clash_is_a_reported_conflict(
    tmp_path: Path, sources: tuple[Path, Path]
) -> None:
    scenario = edited_project(tmp_path, sources)
    done = scenario.update()
    assert done.code == 1, done.out + done.err
    assert listed(done) == EXPECTED
    assert done.out.splitlines()[-1].startswith(f"conflicts left in {', '.join(CONFLICTS)}:")

    readme = (scenario.project / "README.md").read_text(encoding="utf-8")
    assert readme.startswith(USER_NOTE) and UPGRADING in readme  # both edits kept

    editorconfig = (scenario.project / ".editorconfig").read_text(encoding="utf-8")
    assert "<<<<<<< before updating" in editorconfig
    assert "indent_size = 8" in editorconfig and "indent_size = 2" in editorconfig
    # Recorded as a merge conflict, so `git commit` refuses the markers (the README says so).
    status = sh("git", "status", "--porcelain", cwd=scenario.project).splitlines()
    assert "UU .editorconfig" in status
    refused = subprocess.run(["git", "commit", "-q", "-m", "as it is"], cwd=scenario.project,
                             capture_output=True, text=True, check=False)
    assert refused.returncode != 0 and "unmerged files" in refused.stderr, refused.stderr
    # A file the templates dropped keeps the user's edit, as git's modify/delete conflict.
    test_logs = scenario.project / "tests" / "test_logs.py"
    assert test_logs.read_text(encoding="utf-8").endswith(MY_TEST)
    assert "UD tests/test_logs.py" in status
    assert "*.log" in (scenario.project / ".dockerignore").read_text(encoding="utf-8")
    assert (scenario.project / "UPGRADING.md").is_file()
    assert (scenario.project / "docs" / "ml-upgrading.md").is_file()
    assert not (scenario.project / "mk" / "README.md").exists()


def test_a_new_question_takes_its_default_and_a_changed_default_keeps_the_answer(
    tmp_path: Path, sources: tuple[Path, Path]
) -> None:
    scenario = edited_project(tmp_path, sources)
    assert scenario.update().code == 1
    for name in (".copier-answers.yml", ".copier-answers.mlops.yml"):
        answers = yaml.safe_load((scenario.project / name).read_text(encoding="utf-8"))
        assert answers[NEW_QUESTION] == NEW_DEFAULT
        assert answers["incident_management"] == "email"  # recorded; the new default is slack
    readme = (scenario.project / "README.md").read_text(encoding="utf-8")
    assert ONCALL_LINE in readme
    alertmanager = (scenario.project / "monitoring/alertmanager/alertmanager.yml").read_text(
        encoding="utf-8")
    assert "slack_configs" not in alertmanager and "email_configs" in alertmanager
    github = scenario.project / ".github"
    assert sorted(p.name for p in github.glob("*.md")) == ["PULL_REQUEST_TEMPLATE.md"]


def test_plain_copier_update_works_layer_by_layer(
    tmp_path: Path, sources: tuple[Path, Path]
) -> None:
    scenario = edited_project(tmp_path, sources)
    project, env = scenario.project, {**os.environ, **scenario.home}
    # Any update by the newer opsgen (a plan changes nothing) puts its templates in the store.
    assert scenario.update("--plan").code == 0
    sh("copier", "update", "--defaults", cwd=project, env=env)
    # Unlike opsgen (a conflict, the user's version kept), copier deletes a file the templates
    # dropped even when the user had edited it: the README says so, and git's history keeps it.
    assert not (project / "tests" / "test_logs.py").exists()
    git_commit(project, "Base layer updated by copier")
    # Each layer is its own copier project: the base layer's update leaves the ML layer's alone.
    ml_answers = yaml.safe_load((project / ".copier-answers.mlops.yml").read_text(encoding="utf-8"))
    assert ml_answers["_commit"] == f"v{OLD}"
    sh("copier", "update", "--defaults", "-a", ".copier-answers.mlops.yml", cwd=project, env=env)
    git_commit(project, "ML layer updated by copier")
    readme = (project / "README.md").read_text(encoding="utf-8")
    assert readme.startswith(USER_NOTE) and UPGRADING in readme
    assert (project / "UPGRADING.md").is_file() and (project / "docs/ml-upgrading.md").is_file()
    for name in (".copier-answers.yml", ".copier-answers.mlops.yml"):
        answers = yaml.safe_load((project / name).read_text(encoding="utf-8"))
        assert answers["_commit"] == f"v{NEW}"


def test_a_deleted_file_stays_deleted_and_is_reported(
    tmp_path: Path, sources: tuple[Path, Path]
) -> None:
    scenario = edited_project(tmp_path, sources)
    done = scenario.update()
    states = listed(done)
    for path in ("docs/postmortem-template.md", "tests/__init__.py"):
        assert states[path] == "kept-deleted"
        assert not (scenario.project / path).exists()


def test_an_update_without_template_changes_reports_only_unchanged(
    tmp_path: Path, sources: tuple[Path, Path]
) -> None:
    scenario = edited_project(tmp_path, sources)
    assert scenario.update().code == 1
    sh("git", "checkout", "--theirs", ".editorconfig", cwd=scenario.project)
    git_commit(scenario.project, "Take the new indentation, keep our log test")
    again = scenario.update("--json")
    assert again.code == 0, again.err
    report = json.loads(again.out)
    assert set(report["files"].values()) <= {"unchanged", "kept-deleted"}
    assert sh("git", "status", "--porcelain", cwd=scenario.project) == ""


def test_an_older_opsgen_refuses_a_project_of_a_newer_one(
    tmp_path: Path, sources: tuple[Path, Path]
) -> None:
    old, new = sources
    env = {"HOME": str(tmp_path)}
    project = tmp_path / "svc"
    assert opsgen_process("new", project, "--defaults", source=new, env=env).code == 0
    before = snapshot(project)
    for command in (("update",), ("add", "mlops"), ("set", "incident_management=slack")):
        run = opsgen_process(command[0], project, *command[1:], source=old, env=env)
        assert run.code == 2
        assert run.err == (f"opsgen: error: {project} was made by opsgen {NEW}, newer than this "
                           f"opsgen {OLD}; upgrade opsgen\n")
        assert snapshot(project) == before


KILL_POINTS = 6  # kills spread evenly over one update's duration


@pytest.fixture(scope="module")
def update_seconds(tmp_path_factory: pytest.TempPathFactory, sources: tuple[Path, Path]) -> float:
    """How long the whole update of the scenario takes on this machine."""
    scenario = edited_project(tmp_path_factory.mktemp("timed"), sources)
    started = time.monotonic()
    assert scenario.update().code == 1
    return time.monotonic() - started


@pytest.mark.parametrize("point", range(KILL_POINTS))
def test_a_killed_update_loses_no_commit_and_git_restores_the_project(
    tmp_path: Path, sources: tuple[Path, Path], update_seconds: float, point: int
) -> None:
    scenario = edited_project(tmp_path, sources)
    project = scenario.project
    head = sh("git", "rev-parse", "HEAD", cwd=project)
    committed = tree(project)
    process = spawn_opsgen("update", project, source=scenario.new, env=scenario.home)
    time.sleep(update_seconds * (point + 0.5) / KILL_POINTS)
    process.kill()
    process.wait(timeout=30)
    # No commit is lost or added, and the repository is sound.
    assert sh("git", "rev-parse", "HEAD", cwd=project) == head
    sh("git", "fsck", "--no-progress", cwd=project)
    # The way back, as the README says: drop a lock git may have held, then reset and clean.
    (project / ".git" / "index.lock").unlink(missing_ok=True)
    sh("git", "reset", "-q", "--hard", cwd=project)
    sh("git", "clean", "-fdq", cwd=project)
    assert tree(project) == committed
    # And the update then runs to its end as if nothing had happened.
    done = scenario.update()
    assert done.code == 1, done.err
    assert listed(done) == EXPECTED


@pytest.mark.parametrize("point", range(KILL_POINTS))
def test_ctrl_c_leaves_the_project_as_committed_or_updates_it_whole(
    tmp_path: Path, sources: tuple[Path, Path], update_seconds: float, point: int
) -> None:
    """Ctrl-C reaches opsgen and the git and copier processes it runs. Until the update writes
    to the project, it stops with nothing written, as it says; once it writes, it finishes."""
    scenario = edited_project(tmp_path, sources)
    project = scenario.project
    committed = tree(project)
    job = spawn_foreground_job("update", project, source=scenario.new, env=scenario.home)
    time.sleep(update_seconds * (point + 0.5) / KILL_POINTS)
    run = ctrl_c(job)
    if run.code == 130:
        assert run.err == INTERRUPTED
        assert tree(project) == committed
        assert sh("git", "status", "--porcelain", cwd=project) == ""
    else:  # it was writing the project and ran to its end, or had ended and was exiting
        # (Python gives SIGINT back to the system at exit, which then kills it: -SIGINT)
        assert run.code in (1, -signal.SIGINT), run.err
        assert listed(run) == EXPECTED
    if point < KILL_POINTS // 2:  # half-way through, it is still rendering in its scratch clone
        assert run.code == 130


# --- migrations: a renamed answer and a moved file, without --trust --------------------------------

MIGRATED = "9.0.1"
POSTMORTEM, MOVED_TO = "docs/postmortem-template.md", "docs/incidents/postmortem-template.md"
TEMPLATE_LINE = "> Copy this file for each incident."
USER_LINE = "Our follow-up owner is the on-call lead."


@pytest.fixture(scope="module")
def migrated_source(sources: tuple[Path, Path], tmp_path_factory: pytest.TempPathFactory) -> Path:
    """opsgen MIGRATED: OLD renamed the answer incident_management to alert_routing (in copier.yml,
    the catalog and every template) and moved the postmortem template, with migrations saying so."""
    v3 = tmp_path_factory.mktemp("migrated") / "v3"
    shutil.copytree(sources[0], v3, symlinks=True)
    set_version(v3, MIGRATED)
    for path in [v3 / "copier.yml", v3 / "src/opsgen/catalog.yaml",
                 *(p for p in (v3 / "templates").rglob("*") if p.is_file())]:
        text = path.read_text(encoding="utf-8")
        if "incident_management" in text:
            path.write_text(text.replace("incident_management", "alert_routing"), encoding="utf-8")
    docs = v3 / "templates" / "devops" / "docs"
    (docs / "incidents").mkdir()
    moved = docs / "incidents" / "postmortem-template.md"
    (docs / "postmortem-template.md").rename(moved)
    moved.write_text(f"{TEMPLATE_LINE}\n\n{moved.read_text(encoding='utf-8')}", encoding="utf-8")
    migrations = v3 / "src" / "opsgen" / "migrations.py"
    replace_once(migrations, "MIGRATIONS: tuple[Migration, ...] = ()", (
        "MIGRATIONS: tuple[Migration, ...] = (\n"
        f"    Migration(version={MIGRATED!r}, answers={{'incident_management': 'alert_routing'}},\n"
        f"              files={{{POSTMORTEM!r}: {MOVED_TO!r}}}),\n)"))
    return v3


def slack_project_with_a_note(tmp_path: Path, old: Path) -> tuple[Path, dict[str, str]]:
    """A project made by ``old`` with alerts to Slack, whose postmortem template the user
    extended and committed; and the environment (a HOME of its own) to run opsgen in."""
    env = {"HOME": str(tmp_path / "home")}
    (tmp_path / "home").mkdir()
    project = tmp_path / "svc"
    made = opsgen_process("new", project, "--defaults", "--set", "incident_management=slack",
                          source=old, env=env)
    assert made.code == 0, made.err
    append(project / POSTMORTEM, f"\n{USER_LINE}\n")
    git_commit(project, "Who follows up")
    return project, env


def test_migrations_carry_a_renamed_answer_and_a_moved_files_edits(
    tmp_path: Path, sources: tuple[Path, Path], migrated_source: Path
) -> None:
    project, env = slack_project_with_a_note(tmp_path, sources[0])
    done = opsgen_process("update", project, "--json", source=migrated_source, env=env)
    assert done.code == 0, done.out + done.err
    files = json.loads(done.out)["files"]
    assert (files[POSTMORTEM], files[MOVED_TO]) == ("removed", "new")
    # The user's edit moved with the file, next to the templates' own change to it.
    moved = (project / MOVED_TO).read_text(encoding="utf-8")
    assert moved.startswith(TEMPLATE_LINE) and USER_LINE in moved and "<<<<<<<" not in moved
    assert not (project / POSTMORTEM).exists()
    # The renamed answer kept the user's choice: Slack, not the new key's default (email).
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert answers["alert_routing"] == "slack" and "incident_management" not in answers
    alertmanager = project / "monitoring" / "alertmanager" / "alertmanager.yml"
    assert "slack_configs" in alertmanager.read_text(encoding="utf-8")
    assert files.get("monitoring/alertmanager/alertmanager.yml", "unchanged") == "unchanged"


def test_a_moved_file_whose_edit_clashes_is_an_unmerged_conflict_at_its_new_path(
    tmp_path: Path, sources: tuple[Path, Path], migrated_source: Path
) -> None:
    """The user rewrote the first line, where the release inserts a line before the move: the
    file at its new path holds both, marked as copier marks conflicts, and git knows it."""
    project, env = slack_project_with_a_note(tmp_path, sources[0])
    postmortem = project / POSTMORTEM
    lines = postmortem.read_text(encoding="utf-8").splitlines(keepends=True)
    postmortem.write_text("".join(["# Our own postmortem\n", *lines[1:]]), encoding="utf-8")
    git_commit(project, "Our title")
    done = opsgen_process("update", project, "--json", source=migrated_source, env=env)
    assert done.code == 1, done.out + done.err
    report = json.loads(done.out)
    assert (report["files"][POSTMORTEM], report["files"][MOVED_TO]) == ("removed", "conflict")
    assert report["conflicts"] == [MOVED_TO]
    moved = (project / MOVED_TO).read_text(encoding="utf-8")
    assert moved.index("<<<<<<< before updating") < moved.index("# Our own postmortem")
    assert moved.index("# Our own postmortem") < moved.index(TEMPLATE_LINE)
    assert moved.index(TEMPLATE_LINE) < moved.index(">>>>>>> after updating")
    status = sh("git", "status", "--porcelain", cwd=project).splitlines()
    assert f"UU {MOVED_TO}" in status, status
    refused = subprocess.run(["git", "commit", "-q", "-m", "as it is"], cwd=project,
                             capture_output=True, text=True, check=False)
    assert refused.returncode != 0 and "unmerged files" in refused.stderr, refused.stderr


def test_without_those_migrations_the_choice_and_the_edit_would_not_carry(
    tmp_path: Path, sources: tuple[Path, Path], migrated_source: Path
) -> None:
    # The control: the same release without its migrations loses the rename and the move.
    bare = tmp_path / "bare"
    shutil.copytree(migrated_source, bare, symlinks=True)
    migrations = bare / "src" / "opsgen" / "migrations.py"
    text = migrations.read_text(encoding="utf-8")
    start = text.index("MIGRATIONS: tuple[Migration, ...] = (")
    end = text.index("\n)", start) + 2
    migrations.write_text(text[:start] + "MIGRATIONS: tuple[Migration, ...] = ()" + text[end:],
                          encoding="utf-8")
    project, env = slack_project_with_a_note(tmp_path, sources[0])
    done = opsgen_process("update", project, "--json", source=bare, env=env)
    files = json.loads(done.out)["files"]
    assert files[POSTMORTEM] == "conflict"  # edited, and dropped by the templates
    assert USER_LINE not in (project / MOVED_TO).read_text(encoding="utf-8")
    alertmanager = project / "monitoring" / "alertmanager" / "alertmanager.yml"
    assert "slack_configs" not in alertmanager.read_text(encoding="utf-8")
