"""`opsgen new` per version control system, and `opsgen update`/`set` where copier cannot work."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest
from clirun import opsgen, snapshot

JENKINS = ("--set", "continuous_integration=jenkins")


def new(capsys: pytest.CaptureFixture[str], dest: Path, vcs: str) -> str:
    run = opsgen(capsys, "new", dest, "--defaults", "--set", f"version_control={vcs}", *JENKINS)
    assert run.code == 0, run.err
    return run.out


@pytest.mark.skipif(shutil.which("hg") is None,
                    reason="hg is not on PATH (.ci/run installs mercurial)")
def test_mercurial_makes_an_hg_repo_with_one_clean_commit(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    dest = tmp_path / "hg-svc"
    out = new(capsys, dest, "mercurial")

    def hg(*args: str) -> str:
        return subprocess.run(["hg", "--cwd", str(dest), *args], capture_output=True, text=True,
                              check=True, env={"HGPLAIN": "1", "PATH": os.environ["PATH"]}
                              ).stdout

    assert hg("log", "--template", "{desc}\n").splitlines() == ["Generate hg-svc with opsgen"]
    assert hg("status") == ""
    assert not (dest / ".git").exists()
    assert {".hgignore", "hooks/hgrc", "Makefile"} <= set(hg("files").splitlines())
    assert "  .hg/" not in out and "not a repository" not in out


def test_mercurial_without_hg_writes_the_files_and_says_how_to_init(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("opsgen.vcs.shutil.which", lambda _name: None)
    dest = tmp_path / "svc"
    out = new(capsys, dest, "mercurial")
    assert not (dest / ".hg").exists() and not (dest / ".git").exists()
    assert (dest / ".hgignore").is_file()
    assert "run `hg init && hg commit -A" in out


@pytest.mark.parametrize(("vcs", "hint", "files"), [
    ("subversion", "svn import", {".svnignore", "svn/hooks/pre-commit"}),
    ("perforce", "p4 add", {".p4ignore", "p4/triggers.txt", "p4/triggers/check-secrets.sh"}),
])
def test_centralized_systems_get_no_repository_but_a_hint(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, vcs: str, hint: str, files: set[str]
) -> None:
    dest = tmp_path / "svc"
    out = new(capsys, dest, vcs)
    written = set(snapshot(dest))
    assert files <= written
    assert not {".gitignore", ".pre-commit-config.yaml", ".github/CODEOWNERS",
                ".github/pull_request_template.md"} & written
    assert not (dest / ".git").exists() and not (dest / ".hg").exists()
    assert sum(hint in line for line in out.splitlines()) == 1


def test_git_keeps_its_own_files(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    dest = tmp_path / "svc"
    assert opsgen(capsys, "new", dest, "--defaults").code == 0
    written = set(snapshot(dest))
    assert {".gitignore", ".pre-commit-config.yaml", ".github/CODEOWNERS",
            ".github/pull_request_template.md"} <= written
    assert not {".hgignore", ".svnignore", ".p4ignore"} & written


def test_gitlab_gets_its_review_files_where_gitlab_reads_them(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    # GitLab reads code owners from .gitlab/ (or the root, or docs/) and merge-request templates
    # from .gitlab/merge_request_templates/, never from .github/.
    dest = tmp_path / "svc"
    assert opsgen(capsys, "new", dest, "--defaults",
                  "--set", "continuous_integration=gitlab_ci").code == 0
    written = set(snapshot(dest))
    assert {".gitlab/CODEOWNERS", ".gitlab/merge_request_templates/Default.md"} <= written
    assert not any(path.startswith(".github/") for path in written), sorted(written)
    owners = (dest / ".gitlab" / "CODEOWNERS").read_text(encoding="utf-8").splitlines()
    assert "/.gitlab-ci.yml      @svc-maintainers" in owners
    assert "/.gitlab/            @svc-maintainers" in owners
    readme = (dest / "README.md").read_text(encoding="utf-8")
    assert "`.gitlab/CODEOWNERS`" in readme and ".github/" not in readme


@pytest.mark.parametrize("command", [("update",), ("set", "incident_management=slack")])
def test_update_and_set_on_subversion_say_copier_needs_git(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, command: tuple[str, ...]
) -> None:
    dest = tmp_path / "svc"
    new(capsys, dest, "subversion")
    before = snapshot(dest)
    args = (command[0], dest, *command[1:])
    run = opsgen(capsys, *args)
    assert run.code == 2
    lines = run.err.strip().splitlines()
    assert len(lines) == 1, run.err
    assert f"{dest} uses subversion: copier update needs git; " in lines[0]
    assert "opsgen new" in lines[0]
    assert snapshot(dest) == before


def test_github_actions_needs_git(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    dest = tmp_path / "svc"
    run = opsgen(capsys, "new", dest, "--defaults", "--set", "version_control=perforce")
    assert run.code == 2
    assert "GitHub hosts git repositories only" in run.err
    assert not dest.exists()


def test_set_refuses_to_change_the_version_control_of_a_project(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    dest = tmp_path / "svc"
    assert opsgen(capsys, "new", dest, "--defaults").code == 0
    before = snapshot(dest)
    run = opsgen(capsys, "set", dest, "version_control=mercurial",
                 "continuous_integration=jenkins")
    assert run.code == 2
    assert "version_control cannot change on an existing project" in run.err
    assert snapshot(dest) == before
