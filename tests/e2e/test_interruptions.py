"""`opsgen new` killed at any moment, and a disk that fills up: never half a project.

(`opsgen update` killed at any moment: tests/e2e/test_update_guarantees.py; `opsgen add` and
`opsgen set`, killed or out of space: tests/e2e/test_change_interruptions.py.)

SIGKILL cannot be caught, so the guarantee comes from how generation works: everything is
rendered and committed in a scratch folder beside DEST, which one rename(2) moves into place.
An existing empty DEST is filled in place instead: staged inside it, then its entries moved in,
the repository first, so a kill in that window leaves the first commit, from which git restores
the rest. The tests kill real processes at delays spread over a whole run, measured first on
this machine.
"""

from __future__ import annotations

import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
from clirun import (
    INTERRUPTED,
    Run,
    ctrl_c,
    opsgen_process,
    snapshot,
    spawn_foreground_job,
    spawn_opsgen,
)
from disks import fill, small_disk

pytestmark = pytest.mark.e2e

KILL_POINTS = 12  # kills spread evenly over one run's duration


def project_files(project: Path) -> dict[str, bytes]:
    return {k: v for k, v in snapshot(project).items() if not k.startswith(".git/")}


def new(dest: Path) -> subprocess.Popen[bytes]:
    return spawn_opsgen("new", dest, "--defaults")


@pytest.fixture(scope="module")
def reference(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[dict[str, bytes], float]]:
    """A complete project of the same name, and how long one whole run takes here."""
    root = tmp_path_factory.mktemp("reference")
    assert opsgen_process("new", root / "warm-up", "--defaults").code == 0  # seeds the store
    started = time.monotonic()
    process = new(root / "svc")
    assert process.wait(timeout=120) == 0
    yield project_files(root / "svc"), time.monotonic() - started
    shutil.rmtree(root, ignore_errors=True)


@pytest.mark.parametrize("point", range(KILL_POINTS))
def test_sigkill_leaves_dest_absent_or_complete(
    tmp_path: Path, reference: tuple[dict[str, bytes], float], point: int
) -> None:
    files, duration = reference
    dest = tmp_path / "svc"
    process = new(dest)
    time.sleep(duration * (point + 0.5) / KILL_POINTS)
    process.kill()
    process.wait(timeout=30)
    if dest.exists():  # the rename happened: the project is whole, and committed
        assert project_files(dest) == files
        log = subprocess.run(["git", "-C", str(dest), "log", "--oneline"], capture_output=True,
                             text=True, check=True).stdout.splitlines()
        assert len(log) == 1
        status = subprocess.run(["git", "-C", str(dest), "status", "--porcelain"],
                                capture_output=True, text=True, check=True).stdout
        assert status == ""
    # Whatever the killed run left beside DEST is cleared by the next run in the same folder.
    assert opsgen_process("new", tmp_path / "next", "--defaults").code == 0
    names = sorted(p.name for p in tmp_path.iterdir())
    assert names in (["next"], ["next", "svc"]), names


def outside_scratch(files: dict[str, bytes]) -> dict[str, bytes]:
    return {k: v for k, v in files.items() if not k.startswith(".opsgen-")}


@pytest.mark.parametrize("point", range(KILL_POINTS))
def test_sigkill_leaves_an_empty_dest_empty_or_the_project_or_its_first_commit(
    tmp_path: Path, reference: tuple[dict[str, bytes], float], point: int
) -> None:
    """An existing empty DEST is filled in place; killed, it holds nothing of the project (a
    rerun then makes it), the whole project, or, killed during the moves, the repository with
    the first commit, from which the README's git line completes it."""
    files, duration = reference
    dest = tmp_path / "svc"
    dest.mkdir()
    process = new(dest)
    time.sleep(duration * (point + 0.5) / KILL_POINTS)
    process.kill()
    process.wait(timeout=30)
    landed = sorted(p.name for p in dest.iterdir() if not p.name.startswith(".opsgen-"))
    if not landed:
        again = opsgen_process("new", dest, "--defaults")  # the dead scratch folder is no obstacle
        assert again.code == 0, again.err
        assert sorted(p.name for p in dest.iterdir() if p.name.startswith(".opsgen-")) == []
    elif outside_scratch(project_files(dest)) != files:
        assert ".git" in landed, landed  # the repository moves first
        subprocess.run(["sh", "-c", "git reset -q --hard && git clean -q -fd"], cwd=dest,
                       check=True)
    assert outside_scratch(project_files(dest)) == files
    log = subprocess.run(["git", "-C", str(dest), "log", "--oneline"], capture_output=True,
                         text=True, check=True).stdout.splitlines()
    assert len(log) == 1


def test_a_fill_stopped_during_the_moves_is_completed_by_git(
    tmp_path: Path, reference: tuple[dict[str, bytes], float]
) -> None:
    """The state a kill between two of those renames leaves (the repository and some entries
    moved, the rest in the scratch folder): the README's git line completes the project."""
    files, _ = reference
    made = tmp_path / "made" / "svc"
    assert opsgen_process("new", made, "--defaults").code == 0
    dest, scratch = tmp_path / "svc", tmp_path / "svc" / ".opsgen-999999999-x" / "project"
    scratch.parent.mkdir(parents=True)
    made.rename(scratch)
    entries = sorted(scratch.iterdir(), key=lambda p: (p.name != ".git", p.name))
    for entry in entries[: len(entries) // 2]:
        entry.rename(dest / entry.name)
    subprocess.run(["sh", "-c", "git reset -q --hard && git clean -q -fd"], cwd=dest, check=True)
    assert project_files(dest) == files


@pytest.fixture(scope="module")
def cold() -> Iterator[tuple[dict[str, str], dict[str, bytes], float]]:
    """An environment whose cache has the template store but no remembered render, so copier
    renders every layer (running git) as on a first run; a complete project made in it, and how
    long one run takes."""
    root = Path(tempfile.mkdtemp(prefix="opsgen-test-cold-"))
    assert opsgen_process("new", root / "warm-up", "--defaults").code == 0  # seeds the store
    cache = root / "cache"
    shutil.copytree(os.environ["XDG_CACHE_HOME"], cache, symlinks=True,
                    ignore=shutil.ignore_patterns("renders"))
    env = {"XDG_CACHE_HOME": str(cache)}
    started = time.monotonic()
    assert opsgen_process("new", root / "svc", "--defaults", env=env).code == 0
    yield env, project_files(root / "svc"), time.monotonic() - started
    shutil.rmtree(root, ignore_errors=True)


def before_opsgen_ran(run: Run) -> bool:
    """Whether a Ctrl-C came while Python was still starting, before any of opsgen's code: a
    KeyboardInterrupt traceback with no frame of opsgen's, and either the SIGINT Python gives
    back to the system or, inside the ``site`` module, Python's fatal start-up error (exit 1).
    (Once opsgen's entry point runs, an interrupt is opsgen's to report:
    tests/cli/test_interrupt_while_loading.py.)"""
    in_site = run.code == 1 and run.err.startswith(SITE_FAILED)
    return ((run.code == -signal.SIGINT or in_site)
            and run.err.rstrip().endswith("KeyboardInterrupt")
            and OPSGEN_FRAME.search(run.err) is None)


SITE_FAILED = "Fatal Python error: init_import_site: Failed to import the site module\n"
OPSGEN_FRAME = re.compile(r'File "[^"]*[/\\]opsgen[/\\]')


@pytest.mark.parametrize("point", range(KILL_POINTS))
def test_ctrl_c_exits_130_and_leaves_nothing_or_the_whole_project(
    tmp_path: Path, cold: tuple[dict[str, str], dict[str, bytes], float], point: int
) -> None:
    """Ctrl-C at a terminal: SIGINT to opsgen and the git and copier processes it runs. Before
    the project lands, it must read as an interrupt, whatever error the killed children raise
    first: exit 130, one line, no trace of DEST or its scratch folder."""
    env, files, duration = cold
    shutil.rmtree(Path(env["XDG_CACHE_HOME"]) / "opsgen" / "renders", ignore_errors=True)
    dest = tmp_path / "svc"
    job = spawn_foreground_job("new", dest, "--defaults", env=env)
    time.sleep(duration * (point + 0.5) / KILL_POINTS)
    run = ctrl_c(job)
    if run.code == 130:
        assert run.err == INTERRUPTED
        assert list(tmp_path.iterdir()) == []
    elif before_opsgen_ran(run):  # Python's own start-up, which opsgen cannot handle
        assert list(tmp_path.iterdir()) == []
    else:  # it was putting the project in place and finished, or had finished and was exiting
        # (Python gives SIGINT back to the system at exit, which then kills it: -SIGINT)
        assert run.code in (0, -signal.SIGINT), run.err
        assert run.err == ""
        assert project_files(dest) == files
    # Early on the project is still being rendered, even if this run goes several times as fast
    # as the measured one (a busy machine's load varies): these must be interrupts.
    if point < KILL_POINTS // 4:
        assert run.code == 130


def test_a_full_disk_is_one_clear_error_and_leaves_nothing(tmp_path: Path) -> None:
    with small_disk(tmp_path / "small", size="256k") as disk:
        run = opsgen_process("new", disk / "svc", "--defaults")
        assert run.code == 1, run.out
        lines = run.err.strip().splitlines()
        assert len(lines) == 1, run.err
        assert lines[0].startswith("opsgen: error: ") and "No space left on device" in lines[0]
        assert list(disk.iterdir()) == []


def test_a_full_temporary_folder_is_one_clear_error_and_leaves_nothing(
    tmp_path: Path, cold: tuple[dict[str, str], dict[str, bytes], float]
) -> None:
    """Copier clones the templates into the temporary folder: out of space there, opsgen says
    so (not that the templates are damaged), and leaves nothing, there or beside DEST."""
    env, _, _ = cold
    shutil.rmtree(Path(env["XDG_CACHE_HOME"]) / "opsgen" / "renders", ignore_errors=True)
    with small_disk(tmp_path / "temp", size="256k") as temp:
        fill(temp, leave_kib=8)
        run = opsgen_process("new", tmp_path / "svc", "--defaults",
                             env={**env, "TMPDIR": str(temp)})
        assert run.code == 1, run.out
        lines = run.err.strip().splitlines()
        assert len(lines) == 1, run.err
        assert lines[0].startswith("opsgen: error: rendering layer devops failed: ")
        assert lines[0].endswith("No space left on device; nothing was written")
        assert [p.name for p in temp.iterdir()] == ["filler"]
    assert [p.name for p in tmp_path.iterdir()] == ["temp"]
