"""`opsgen new DEST --defaults` and flags: generation, dry runs, refusals and atomicity."""

from __future__ import annotations

import shlex
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from clirun import opsgen, opsgen_process, snapshot
from disks import small_disk


def git_log(repo: Path) -> list[str]:
    out = subprocess.run(["git", "-C", str(repo), "log", "--format=%s"],
                         capture_output=True, text=True, check=True).stdout
    return out.splitlines()


def test_defaults_make_a_git_repo_with_one_clean_commit(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    dest = tmp_path / "acme-web"
    run = opsgen(capsys, "new", dest, "--defaults")
    assert run.code == 0, run.err
    assert len(git_log(dest)) == 1
    status = subprocess.run(["git", "-C", str(dest), "status", "--porcelain"],
                            capture_output=True, text=True, check=True).stdout
    assert status == ""
    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert answers["name"] == "acme-web"
    assert answers["_src_path"] == "~/.local/share/opsgen/templates.bundle"
    assert answers["_commit"].startswith("v")
    assert f"wrote {len(run.out.splitlines()) - 2} files" in run.out
    # No copier tasks: nothing in the template may ever need --trust.
    assert not list(tmp_path.glob(".opsgen-*"))


def test_into_an_existing_empty_folder(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    """The folder is filled, not replaced: a shell in it sees the project, and the folder keeps
    its permissions (here setgid, group-only) and owner."""
    dest = tmp_path / "svc"
    dest.mkdir()
    dest.chmod(0o2770)
    before = dest.stat()
    assert opsgen(capsys, "new", dest, "--defaults").code == 0
    after = dest.stat()
    assert (after.st_ino, after.st_mode, after.st_uid, after.st_gid) == (
        before.st_ino, before.st_mode, before.st_uid, before.st_gid)
    assert (dest / ".copier-answers.yml").is_file()
    assert len(git_log(dest)) == 1
    assert sorted(p.name for p in tmp_path.iterdir()) == ["svc"]
    assert not list(dest.glob(".opsgen-*"))  # its scratch folder is gone


def test_into_the_current_folder(tmp_path: Path) -> None:
    """`opsgen new .` from a shell in a new empty folder: that shell, still in the folder it was
    in, sees the project and can run its make targets (a replaced folder would be a deleted one).
    """
    dest = tmp_path / "acme-web"
    dest.mkdir()
    script = f"{shlex.quote(sys.executable)} -m opsgen new . --defaults >/dev/null && make -n test"
    shell = subprocess.run(["sh", "-c", script], cwd=dest, capture_output=True, text=True,
                           check=False)
    assert shell.returncode == 0, shell.stderr
    answers = yaml.safe_load((dest / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert answers["name"] == "acme-web"


def test_into_an_empty_mount_point(tmp_path: Path) -> None:
    """A mount point cannot be replaced by a rename; it is filled like any empty folder."""
    with small_disk(tmp_path / "workspace", size="64m") as mount:
        run = opsgen_process("new", mount, "--defaults")
        assert run.code == 0, run.err
        assert (mount / ".copier-answers.yml").is_file()
        assert len(git_log(mount)) == 1
        status = subprocess.run(["git", "-C", str(mount), "status", "--porcelain"],
                                capture_output=True, text=True, check=True).stdout
        assert status == ""


def test_non_empty_destination_is_refused(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    dest = tmp_path / "svc"
    dest.mkdir()
    (dest / "notes.txt").write_text("mine", encoding="utf-8")
    run = opsgen(capsys, "new", dest, "--defaults")
    assert run.code == 2
    assert "not empty" in run.err
    assert snapshot(dest) == {"notes.txt": b"mine"}


def test_dry_run_lists_files_and_writes_nothing(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    dest = tmp_path / "svc"
    run = opsgen(capsys, "new", dest, "--defaults", "--dry-run")
    assert run.code == 0, run.err
    assert "Dockerfile" in run.out.split()
    assert "would write" in run.out
    assert not dest.exists()
    assert list(tmp_path.iterdir()) == []


def test_set_changes_a_tool(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    dest = tmp_path / "svc"
    run = opsgen(capsys, "new", dest, "--defaults", "--set", "incident_management=pagerduty")
    assert run.code == 0, run.err
    text = (dest / "monitoring" / "alertmanager" / "alertmanager.yml").read_text(encoding="utf-8")
    assert "pagerduty" in text


@pytest.mark.parametrize(
    ("args", "key"),
    [
        (["--set", "continuous_integration=jenkinz"], "tools.continuous_integration:"),
        (["--set", "nonsense"], "--set:"),
        (["--set", "made_up_aspect=x"], "tools.made_up_aspect:"),
        (["--layer", "quantumops"], "layers:"),
    ],
)
def test_bad_flags_exit_2(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, args: list[str], key: str
) -> None:
    run = opsgen(capsys, "new", tmp_path / "svc", "--defaults", *args)
    assert run.code == 2
    assert run.err.strip().splitlines() == [run.err.strip()]
    assert run.err.startswith(f"opsgen: error: {key}")
    assert list(tmp_path.iterdir()) == []


def test_destination_name_must_be_a_slug_with_defaults(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run = opsgen(capsys, "new", tmp_path / "Not A Slug", "--defaults")
    assert run.code == 2
    assert run.err.startswith("opsgen: error: name:")
    assert list(tmp_path.iterdir()) == []


def test_without_a_terminal_new_explains_how_to_run_non_interactively(tmp_path: Path) -> None:
    run = opsgen_process("new", tmp_path / "svc")
    assert run.code == 2
    assert "--defaults" in run.err and "--config" in run.err
    assert len(run.err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_unknown_option_is_one_line_and_exit_2(tmp_path: Path) -> None:
    run = opsgen_process("new", tmp_path / "svc", "--frobnicate")
    assert run.code == 2
    assert len(run.err.strip().splitlines()) == 1
    assert "--frobnicate" in run.err


# An author date git cannot parse: a real failure of the real git. In a separate process only:
# copier's command runner keeps a copy of the environment from when it was first imported.
BAD_COMMIT_DATE = {"GIT_AUTHOR_DATE": "not a date at all"}


def test_a_failed_commit_leaves_the_destination_as_it_was(tmp_path: Path) -> None:
    # `git commit` fails after every file was rendered, the latest point generation can fail.
    dest = tmp_path / "svc"
    dest.mkdir()
    run = opsgen_process("new", dest, "--defaults", env=BAD_COMMIT_DATE)
    assert run.code == 1
    assert "git commit" in run.err
    assert list(dest.iterdir()) == []
    assert [p.name for p in tmp_path.iterdir()] == ["svc"]


def test_without_dest_or_a_terminal_new_explains_how_to_run_non_interactively(
    tmp_path: Path,
) -> None:
    run = opsgen_process("new", cwd=tmp_path)
    assert run.code == 2
    assert "--defaults" in run.err and "--config" in run.err
    assert len(run.err.strip().splitlines()) == 1
    assert list(tmp_path.iterdir()) == []


def test_defaults_need_a_dest(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    run = opsgen(capsys, "new", "--defaults")
    assert run.code == 2
    assert run.err == "opsgen: error: new: DEST is required with --defaults (the folder to create)\n"


def folders_and_files(root: Path) -> set[str]:
    return {p.relative_to(root).as_posix() for p in root.rglob("*")
            if p.relative_to(root).parts[0] != ".git"}


def test_a_new_project_is_exactly_what_a_clone_of_it_holds(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """No empty folder left over from templates whose files were all left out (the three layers'
    defaults leave out every file of jobs/ and pipelines/): git would not carry it to a clone."""
    dest = tmp_path / "svc"
    assert opsgen(capsys, "new", dest, "--defaults", "--layer", "mlops", "--layer", "dataops").code == 0
    subprocess.run(["git", "clone", "-q", str(dest), str(tmp_path / "clone")], check=True)
    assert folders_and_files(dest) == folders_and_files(tmp_path / "clone")
