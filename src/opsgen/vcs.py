"""The repository a new project starts in, per version control system.

Git and Mercurial get a repository holding every file in one commit. Subversion and Perforce
are centralized: the repository lives on a server, so opsgen only says how to import the files.
"""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

from opsgen.errors import GenerationError
from opsgen.gitops import FALLBACK_EMAIL, Progress, init_and_commit, tell

# Folders that belong to the version control system, not to the project.
METADATA_DIRS = frozenset({".git", ".hg", ".svn"})


def _hg(repo: Path, *args: str) -> None:
    # HGPLAIN ignores the user's aliases and defaults. hg takes EMAIL only when neither HGUSER nor
    # ui.username is configured, so the user's own identity wins, as with git.
    env = {**os.environ, "HGPLAIN": "1", "EMAIL": os.environ.get("EMAIL", FALLBACK_EMAIL)}
    try:
        subprocess.run(["hg", "--cwd", str(repo), *args], check=True, capture_output=True,
                       text=True, env=env, stdin=subprocess.DEVNULL)
    except subprocess.CalledProcessError as error:
        detail = (error.stderr or error.stdout).strip().splitlines()
        raise GenerationError(f"hg {args[0]}: {detail[-1] if detail else 'failed'}") from None


def record(vcs: str, repo: Path, message: str, progress: Progress | None = None) -> bool:
    """Make ``repo`` a repository of ``vcs`` with one commit of every file, where opsgen can.

    False when the user has to do it (no ``hg`` on PATH, or a centralized system).
    """
    if vcs == "git":
        init_and_commit(repo, message, progress)
        return True
    if vcs == "mercurial" and shutil.which("hg") is not None:
        tell(progress, "hg init")
        _hg(repo, "init", "-q")
        tell(progress, "first commit")
        _hg(repo, "commit", "-q", "--addremove", "-m", message)
        return True
    return False


def start_hint(vcs: str, dest: Path) -> str:
    """One line telling the user how to put the project under ``vcs`` themselves."""
    if vcs == "mercurial":
        return (f"hg is not on PATH, so {dest} is not a repository yet: "
                f"run `hg init && hg commit -A -m 'Initial commit'` there, then `make hooks`")
    if vcs == "subversion":
        return (f"Subversion: import it with `svn import {dest} URL/trunk -m 'Initial import'`, "
                "then in a checkout `svn propset svn:global-ignores -F .svnignore .` (and any "
                "other `svn propset` README.md's files table gives) and commit")
    if vcs == "perforce":
        return (f"Perforce: move {dest} into your workspace, `p4 set P4IGNORE=.p4ignore`, "
                "then `p4 add ...` and `p4 submit`")
    return f"{dest} is not under version control yet"
