"""The git operations opsgen does itself (copier ``_tasks`` would need ``--trust``)."""

from __future__ import annotations

import os
import subprocess
import tempfile
from collections.abc import Callable, Mapping, Sequence
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
            start_new_session=True,  # see _git_bytes
        )
    except FileNotFoundError:
        raise GenerationError("git: not found on PATH; opsgen needs git") from None
    except subprocess.CalledProcessError as error:
        raise GenerationError(failure(error, args)) from None
    return result.stdout.strip() if strip else result.stdout


def failure(error: subprocess.CalledProcessError, args: Sequence[str]) -> str:
    """``git VERB: <git's last line>`` for a failed ``git [options] VERB ...`` run."""
    detail = (error.stderr or error.stdout or "").strip().splitlines()
    verb = next((a for a in args if not a.startswith("-") and "=" not in a), "")
    return f"git {verb}: {detail[-1] if detail else 'failed'}"


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
    """Whether the work tree has no uncommitted changes (untracked files count).

    Without optional locks, git does not refresh the index on the way: asking leaves the
    repository byte for byte as it was (``opsgen update --plan`` promises that).
    """
    return not git(repo, "--no-optional-locks", "status", "--porcelain")


def enclosing_repository(folder: Path) -> Path | None:
    """The top folder of the git repository ``folder`` lies in, if any (None when it is in none)."""
    try:
        return Path(git(folder, "rev-parse", "--show-toplevel"))
    except GenerationError:
        return None


def clone_head(repo: Path, dest: Path) -> str:
    """Clone ``repo`` into ``dest`` with its HEAD checked out (detached); return HEAD's commit.

    A local clone only reads ``repo``, so whatever happens in ``dest`` leaves it untouched.
    """
    head = git(repo, "rev-parse", "--verify", "HEAD")
    git(dest.parent, "clone", "-q", "--no-checkout", str(repo), dest.name)
    # Large files stay pointers: templates never own them, and fetching them could need a network.
    git(dest, "checkout", "-q", "--detach", head, env={"GIT_LFS_SKIP_SMUDGE": "1"})
    return head


def commit_all(repo: Path, message: str) -> str:
    """Commit every change in the work tree of a scratch clone; return the new commit."""
    git(repo, "add", "-A")
    git(repo, "-c", "commit.gpgsign=false", "-c", f"user.email={FALLBACK_EMAIL}",
        "-c", "user.name=opsgen", "commit", "-q", "--no-verify", "--allow-empty", "-m", message)
    return git(repo, "rev-parse", "HEAD")


def unmerged_paths(repo: Path) -> set[str]:
    """The paths whose index holds merge stages (copier records its conflicts that way)."""
    out = git(repo, "ls-files", "-u", "-z", strip=False)
    return {entry.split("\t", 1)[1] for entry in out.split("\0") if "\t" in entry}


def tree_entries(repo: Path, rev: str) -> dict[str, str]:
    """Every file of commit ``rev``: path -> ``"mode blob"`` (equal strings, equal files)."""
    out = git(repo, "ls-tree", "-r", "-z", rev, strip=False)
    entries = {}
    for entry in filter(None, out.split("\0")):
        meta, path = entry.split("\t", 1)
        mode, _, blob = meta.split()
        entries[path] = f"{mode} {blob}"
    return entries


def folder_entries(folder: Path) -> dict[str, str]:
    """Every file below ``folder`` (a scratch render), identified like :func:`tree_entries`."""
    git(folder, "init", "-q")
    git(folder, "add", "-A", "--force")
    return tree_entries(folder, git(folder, "write-tree"))


def apply_changes(source: Path, base: str, final: str, repo: Path) -> None:
    """Make ``repo``'s work tree (clean, at ``base``) hold ``source``'s commit ``final``.

    The changes stay uncommitted for review. ``git apply`` is all or nothing.
    """
    patch = _git_bytes(source, "diff-tree", "-r", "-p", "--binary", "--no-renames", base, final)
    if patch:
        _git_bytes(repo, "apply", "--whitespace=nowarn", "-", input_=patch)


def _git_bytes(repo: Path, *args: str, input_: bytes | None = None) -> bytes:
    # Patches are bytes: a file in another encoding must reach the project unchanged.
    try:
        # git runs in a session of its own, out of the terminal's reach: Ctrl-C interrupts
        # opsgen alone, which kills git on the way out (subprocess.run does), or once it is
        # writing the user's project (interrupts.hold), lets it finish.
        result = subprocess.run(["git", "-C", str(repo), *args], input=input_, check=True,
                                capture_output=True, start_new_session=True)
    except subprocess.CalledProcessError as error:
        detail = error.stderr.decode("utf-8", "replace").strip().splitlines()
        raise GenerationError(f"git {args[0]}: {detail[-1] if detail else 'failed'}") from None
    return result.stdout


def mark_conflicts(repo: Path, stages: dict[str, tuple[Path | None, Path | None]],
                   came_from: Mapping[str, str] | None = None) -> None:
    """Record conflicts in the index as a merge would, so ``git commit`` refuses them.

    ``stages`` maps each conflicted path to its file in the old and in the new template render
    (stage 1, base, and 3, theirs); stage 2 is the user's committed version: of the path
    itself, or, for a file a migration moved, of the path ``came_from`` names.
    """
    lines = []
    for path, (old, new) in sorted(stages.items()):
        current = git(repo, "ls-files", "-s", "--", path)
        if not current and came_from and path in came_from:
            current = git(repo, "ls-files", "-s", "--", came_from[path])
        if not current:
            continue
        mode, blob, _ = current.split("\t", 1)[0].split()
        lines.append(f"0 {'0' * 40}\t{path}")
        lines.append(f"{mode} {blob} 2\t{path}")
        for stage, render in ((1, old), (3, new)):
            if render is not None and render.is_file():
                written = git(repo, "hash-object", "-w", "--", str(render))
                lines.append(f"{mode} {written} {stage}\t{path}")
    if lines:
        _git_bytes(repo, "update-index", "--index-info", input_=("\n".join(lines) + "\n").encode())


def file_at(repo: Path, rev: str, path: str) -> bytes:
    """The bytes of ``path`` in commit ``rev`` of ``repo``."""
    return _git_bytes(repo, "show", f"{rev}:{path}")


def merge_file(
    current: Path, base: Path | None, other: bytes, labels: tuple[str, str, str]
) -> bool:
    """3-way merge ``other``'s changes from ``base`` into ``current`` (in place), as git does.

    ``labels`` name current, base and other in conflict markers. True if conflicts were left.
    """
    with tempfile.TemporaryDirectory(prefix="opsgen-merge-") as tmp:
        theirs, empty = Path(tmp) / "theirs", Path(tmp) / "base"
        theirs.write_bytes(other)
        empty.write_bytes(b"")
        args = ["git", "merge-file", "-L", labels[0], "-L", labels[1], "-L", labels[2],
                str(current), str(base if base is not None else empty), str(theirs)]
        result = subprocess.run(args, capture_output=True, check=False, start_new_session=True)
    if result.returncode < 0 or result.returncode > 127:
        detail = result.stderr.decode("utf-8", "replace").strip()
        raise GenerationError(f"git merge-file: {detail or 'failed'}")
    return result.returncode > 0
