"""The git operations opsgen does itself (copier ``_tasks`` would need ``--trust``)."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

from opsgen.errors import GenerationError

_FALLBACK_IDENTITY = {
    "GIT_AUTHOR_NAME": "opsgen",
    "GIT_AUTHOR_EMAIL": "opsgen@users.noreply.invalid",
    "GIT_COMMITTER_NAME": "opsgen",
    "GIT_COMMITTER_EMAIL": "opsgen@users.noreply.invalid",
}


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


def _identity_env(repo: Path) -> dict[str, str]:
    # Use the user's identity when git has one; otherwise commit as opsgen rather than fail.
    probe = subprocess.run(
        ["git", "-C", str(repo), "var", "GIT_COMMITTER_IDENT"], capture_output=True, check=False
    )
    return {} if probe.returncode == 0 else dict(_FALLBACK_IDENTITY)


def init_and_commit(repo: Path, message: str) -> None:
    """Make ``repo`` a git repository whose one commit holds every file in it."""
    git(repo, "init", "-q", "-b", "main")
    commit_all(repo, message)


def commit_all(repo: Path, message: str) -> None:
    """Commit every change in ``repo`` (no-op when nothing changed)."""
    git(repo, "add", "-A")
    if git(repo, "status", "--porcelain"):
        git(repo, "-c", "commit.gpgsign=false", "commit", "-q", "--no-verify", "-m", message,
            env=_identity_env(repo))


def is_clean(repo: Path) -> bool:
    """Whether the work tree has no uncommitted changes (untracked files count)."""
    return not git(repo, "status", "--porcelain")


def changed_files(repo: Path) -> list[tuple[str, str]]:
    """``(status, path)`` for every change in the work tree against HEAD, untracked included."""
    status = git(repo, "status", "--porcelain", "--untracked-files=all", strip=False)
    return [(line[:2], line[3:]) for line in status.splitlines()]
