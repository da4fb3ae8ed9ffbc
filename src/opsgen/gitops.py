"""The git operations opsgen does itself (copier ``_tasks`` would need ``--trust``)."""

from __future__ import annotations

import os
import subprocess
from collections.abc import Callable
from pathlib import Path

from opsgen.errors import GenerationError

# git takes EMAIL only when user.email is not configured, so the user's own identity wins and a
# machine without one (a fresh CI box) still gets a commit, without spending a process to ask.
FALLBACK_EMAIL = "opsgen@users.noreply.invalid"

# Told the name of each step of a generation as it starts (the wizard shows them).
Progress = Callable[[str], None]


def tell(progress: Progress | None, step: str) -> None:
    """Tell ``progress`` (if any) that ``step`` starts."""
    if progress is not None:
        progress(step)


def git(repo: Path, *args: str, env: dict[str, str] | None = None, strip: bool = True) -> str:
    """Run git in ``repo``; a failure becomes a GenerationError quoting git's own message."""
    try:
        result = subprocess.run(
            ["git", "-C", str(repo), *args],
            check=True,
            capture_output=True,
            text=True,
            env={**os.environ, **(env or {})},
        )
    except FileNotFoundError:
        raise GenerationError("git: not found on PATH; opsgen needs git") from None
    except subprocess.CalledProcessError as error:
        detail = (error.stderr or error.stdout).strip().splitlines()
        verb = next((a for a in args if not a.startswith("-") and "=" not in a), "")
        raise GenerationError(f"git {verb}: {detail[-1] if detail else 'failed'}") from None
    return result.stdout.strip() if strip else result.stdout


def init_and_commit(repo: Path, message: str, progress: Progress | None = None) -> None:
    """Make ``repo`` a git repository whose one commit holds every file in it."""
    tell(progress, "git init")
    git(repo, "init", "-q", "-b", "main")
    tell(progress, "first commit")
    git(repo, "add", "-A")
    # A fresh render always has files: no need to ask git whether anything changed.
    git(repo, "-c", "commit.gpgsign=false", "commit", "-q", "--no-verify", "-m", message,
        env={"EMAIL": os.environ.get("EMAIL", FALLBACK_EMAIL)})


def is_clean(repo: Path) -> bool:
    """Whether the work tree has no uncommitted changes (untracked files count)."""
    return not git(repo, "status", "--porcelain")


def changed_files(repo: Path) -> list[tuple[str, str]]:
    """``(status, path)`` for every change in the work tree against HEAD, untracked included."""
    status = git(repo, "status", "--porcelain", "--untracked-files=all", strip=False)
    return [(line[:2], line[3:]) for line in status.splitlines()]
