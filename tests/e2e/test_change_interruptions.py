"""`opsgen add` and `opsgen set` killed at any moment, stopped by Ctrl-C, or out of disk space:
the user's commits stay, and git takes the project back to the last one.

(`opsgen new`: tests/e2e/test_interruptions.py; `opsgen update`, which changes a project the
same way: tests/e2e/test_update_guarantees.py.)

A change renders and merges in a scratch clone, then applies the result to the project's work
tree as one patch, leaving it uncommitted for review. Until then nothing in the project changes;
after, only the work tree may, never a commit. The tests kill real processes at delays spread over
a whole run, measured first on this machine, and fill real (tmpfs) disks.
"""

from __future__ import annotations

import os
import shutil
import signal
import time
from dataclasses import dataclass
from pathlib import Path

import pytest
from clirun import (
    INTERRUPTED,
    Run,
    ctrl_c,
    git_commit,
    opsgen_process,
    sh,
    snapshot,
    spawn_foreground_job,
    spawn_opsgen,
    tree,
)
from disks import fill, small_disk

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

# Each change with its arguments after the project: a layer added, two tools swapped.
CHANGES = {
    "add": ("add", "mlops"),
    "set": ("set", "continuous_integration=gitlab_ci", "configuration_management=saltstack"),
}
KILL_POINTS = 4  # per change, spread evenly over one run's duration
CTRL_C_POINTS = 4
# The way back after a change stopped half-way, as the README and opsgen's error both say.
RESTORE = "rm -f .git/index.lock; git reset --hard; git clean -fd"


def change_args(change: str, project: Path) -> tuple[str | Path, ...]:
    command, *rest = CHANGES[change]
    return (command, project, *rest)


@dataclass(frozen=True)
class Finished:
    """A change run to its end without interruption: the project's files, and its duration."""

    files: dict[str, bytes]
    seconds: float


@pytest.fixture(scope="module")
def committed_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A DevOps project on the defaults, with a commit of its team's own on top."""
    project = tmp_path_factory.mktemp("made") / "svc"
    made = opsgen_process("new", project, "--defaults")
    assert made.code == 0, made.err
    (project / "NOTES.md").write_text("# Team notes\n\nOn-call rota: see the wiki.\n",
                                      encoding="utf-8")
    git_commit(project, "Team notes")
    return project


def fresh_copy(committed_project: Path, tmp_path: Path) -> Path:
    project = tmp_path / "svc"
    shutil.copytree(committed_project, project, symlinks=True)
    return project


@pytest.fixture(scope="module")
def finished(committed_project: Path, tmp_path_factory: pytest.TempPathFactory
             ) -> dict[str, Finished]:
    """Each change run whole. The second run of each is timed: the first fills the render
    cache, as any earlier opsgen run on the machine does for the tests' later runs."""
    outcomes = {}
    for change in CHANGES:
        for _ in range(2):
            project = fresh_copy(committed_project, tmp_path_factory.mktemp(change))
            started = time.monotonic()
            run = opsgen_process(*change_args(change, project))
            seconds = time.monotonic() - started
            assert run.code == 0, run.err
        outcomes[change] = Finished(tree(project), seconds)
    return outcomes


def head(project: Path) -> str:
    return sh("git", "rev-parse", "HEAD", cwd=project)


def restore(project: Path) -> None:
    sh("sh", "-c", RESTORE, cwd=project)


def test_the_readme_gives_the_way_back_the_tests_take() -> None:
    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    assert f"`{RESTORE}`" in readme


@pytest.mark.parametrize("point", range(KILL_POINTS))
@pytest.mark.parametrize("change", CHANGES)
def test_a_killed_change_loses_no_commit_and_git_restores_the_project(
    tmp_path: Path, committed_project: Path, finished: dict[str, Finished], change: str,
    point: int,
) -> None:
    project = fresh_copy(committed_project, tmp_path)
    commit, committed = head(project), tree(project)
    process = spawn_opsgen(*change_args(change, project))
    time.sleep(finished[change].seconds * (point + 0.5) / KILL_POINTS)
    process.kill()
    process.wait(timeout=30)
    # No commit is lost or added, and the repository is sound.
    assert head(project) == commit
    sh("git", "fsck", "--no-progress", cwd=project)
    restore(project)
    assert tree(project) == committed
    # And the change then runs to its end as if nothing had happened.
    again = opsgen_process(*change_args(change, project))
    assert again.code == 0, again.err
    assert tree(project) == finished[change].files
    assert head(project) == commit


@pytest.mark.parametrize("point", range(CTRL_C_POINTS))
@pytest.mark.parametrize("change", CHANGES)
def test_ctrl_c_leaves_the_project_as_committed_or_changes_it_whole(
    tmp_path: Path, committed_project: Path, finished: dict[str, Finished], change: str,
    point: int,
) -> None:
    """Ctrl-C reaches opsgen and the git and copier processes it runs. Until the change writes
    to the project, it stops with nothing written, as it says; once it writes, it finishes."""
    project = fresh_copy(committed_project, tmp_path)
    before = snapshot(project)
    job = spawn_foreground_job(*change_args(change, project))
    time.sleep(finished[change].seconds * (point + 0.5) / CTRL_C_POINTS)
    run = ctrl_c(job)
    if run.code == 130:
        assert run.err == INTERRUPTED
        assert snapshot(project) == before  # the repository too: byte for byte
    else:  # it was writing the project and ran to its end, or had ended and was exiting
        # (Python gives SIGINT back to the system at exit, which then kills it: -SIGINT)
        assert run.code in (0, -signal.SIGINT), run.err
        assert tree(project) == finished[change].files
    if point < CTRL_C_POINTS // 2:  # half-way through, it is still rendering in its scratch clone
        assert run.code == 130


def one_error_line(run: Run) -> str:
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    assert lines[0].startswith("opsgen: error: ")
    return lines[0]


def test_a_disk_filling_up_mid_change_says_what_to_do_and_git_restores_the_project(
    tmp_path: Path, committed_project: Path, finished: dict[str, Finished]
) -> None:
    """The project's disk fills up while the layer's files are written into it: one line says
    so, that the project may be partly changed, and how to take it back."""
    with small_disk(tmp_path / "disk", size="4m") as disk:
        project = fresh_copy(committed_project, disk)
        commit, committed = head(project), tree(project)
        filler = fill(disk, leave_kib=40)
        run = opsgen_process(*change_args("add", project))
        assert run.code == 1, run.out
        line = one_error_line(run)
        assert "No space left on device" in line
        assert f"{project} may be partly changed (your commits are not)" in line
        assert f"`{RESTORE}`" in line
        assert tree(project) != committed  # it did begin to write: the case this is about
        assert head(project) == commit
        filler.unlink()  # the user makes room, and follows the message
        restore(project)
        assert tree(project) == committed
        again = opsgen_process(*change_args("add", project))
        assert again.code == 0, again.err
        assert tree(project) == finished["add"].files


def cache_without_renders(folder: Path, empty: bool) -> Path:
    """A cache folder that remembers no render, so copier must render every layer (cloning the
    templates into the temporary folder); ``empty``: not the templates built from this source
    checkout either, so opsgen builds them first (in the temporary folder too)."""
    folder.mkdir()
    if not empty:
        shutil.copytree(os.environ["XDG_CACHE_HOME"], folder, symlinks=True, dirs_exist_ok=True,
                        ignore=shutil.ignore_patterns("renders"))
    return folder


@pytest.mark.parametrize("empty_cache", [False, True], ids=["copier-clone", "template-build"])
def test_a_full_temporary_folder_is_one_clear_error_and_changes_nothing(
    tmp_path: Path, committed_project: Path, empty_cache: bool
) -> None:
    """A change renders in the temporary folder: out of space there, it stops before it writes
    into the project, and says so without blaming the template source."""
    project = fresh_copy(committed_project, tmp_path)
    before = snapshot(project)
    cache = cache_without_renders(tmp_path / "cache", empty_cache)
    with small_disk(tmp_path / "temp", size="256k") as temp:
        fill(temp, leave_kib=8)
        run = opsgen_process(*change_args("set", project),
                             env={"TMPDIR": str(temp), "XDG_CACHE_HOME": str(cache)})
        assert run.code == 1, run.out
        line = one_error_line(run)
        assert "No space left on device" in line
        assert "damaged" not in line
        assert snapshot(project) == before
        assert [p.name for p in temp.iterdir()] == ["filler"]  # no scratch folder left behind
