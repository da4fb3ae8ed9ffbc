"""Build the versioned template source: a git bundle of every released version of the templates.

``copier update`` needs the template as a git repository holding both the version a project was
made with and the newer one. A wheel therefore ships a bundle holding the released history
(``releases/templates.bundle``, every version tag) plus the current templates, tagged with the
package version. Commits are made with a fixed identity and date, so the same templates always
give the same commit, whichever machine builds the wheel.

Standard library only: the wheel build hook imports this module in an isolated environment.
Record a release with ``python -m opsgen.bundle release`` after bumping the version.
"""

from __future__ import annotations

import os
import subprocess
import sys
import tempfile
from pathlib import Path

TEMPLATE_PATHS = ("copier.yml", "templates")
RELEASES = Path("releases") / "templates.bundle"
_IGNORED = "__pycache__/\n*.py[co]\n.DS_Store\n"
_FIXED_ENV = {
    "GIT_AUTHOR_NAME": "opsgen",
    "GIT_AUTHOR_EMAIL": "opsgen@users.noreply.invalid",
    "GIT_COMMITTER_NAME": "opsgen",
    "GIT_COMMITTER_EMAIL": "opsgen@users.noreply.invalid",
    "GIT_AUTHOR_DATE": "2000-01-01T00:00:00+0000",
    "GIT_COMMITTER_DATE": "2000-01-01T00:00:00+0000",
    "GIT_CONFIG_NOSYSTEM": "1",
    "GIT_CONFIG_GLOBAL": os.devnull,
}


def _git(repo: Path, *args: str, env: dict[str, str] | None = None) -> str:
    result = subprocess.run(
        ["git", "-C", str(repo), *args],
        check=True,
        capture_output=True,
        text=True,
        env={**os.environ, **_FIXED_ENV, **(env or {})},
    )
    return result.stdout.strip()


def tag_for(version: str) -> str:
    """The git tag of a package version."""
    return f"v{version}"


def build_bundle(source_root: Path, version: str, out: Path) -> str:
    """Write a bundle of the released history plus the templates under ``source_root``.

    Returns the commit id of the current templates (the ref a new project is made from).
    """
    with tempfile.TemporaryDirectory(prefix="opsgen-bundle-") as tmp:
        repo = Path(tmp)
        _git(repo, "init", "-q", "-b", "main")
        (repo / ".git" / "info" / "exclude").write_text(_IGNORED, encoding="utf-8")
        releases = source_root / RELEASES
        parent = ""
        if releases.is_file():
            _git(repo, "fetch", "-q", "--update-head-ok", str(releases.resolve()),
                 "refs/heads/main:refs/heads/main", "refs/tags/*:refs/tags/*")
            parent = _git(repo, "rev-parse", "main")
        head = _commit_templates(repo, source_root, version, parent)
        tag = tag_for(version)
        if not _git(repo, "tag", "--list", tag):
            _git(repo, "tag", tag, head)
        out.parent.mkdir(parents=True, exist_ok=True)
        _git(repo, "bundle", "create", "-q", str(out.resolve()), "--all")
        heads = _git(repo, "show-ref")
        out.with_suffix(".heads").write_text(heads + "\n", encoding="utf-8")
        return head


def _commit_templates(repo: Path, source_root: Path, version: str, parent: str) -> str:
    index_env = {"GIT_INDEX_FILE": str(repo / ".git" / "opsgen-index")}
    worktree = f"--work-tree={source_root.resolve()}"
    _git(repo, worktree, "add", "--", *TEMPLATE_PATHS, env=index_env)
    tree = _git(repo, "write-tree", env=index_env)
    if parent and _git(repo, "rev-parse", f"{parent}^{{tree}}") == tree:
        return parent
    parents = ["-p", parent] if parent else []
    commit = _git(repo, "commit-tree", tree, *parents, "-m", f"opsgen templates {version}")
    _git(repo, "update-ref", "refs/heads/main", commit)
    return commit


def read_heads(path: Path) -> dict[str, str]:
    """The refs of a bundle, from the ``.heads`` file written beside it: ref name -> commit."""
    heads: dict[str, str] = {}
    if path.is_file():
        for line in path.read_text(encoding="utf-8").splitlines():
            commit, _, ref = line.partition(" ")
            if ref:
                heads[ref] = commit
    return heads


def _main(argv: list[str]) -> int:
    from opsgen import __version__

    root = Path.cwd()
    if argv[:1] == ["release"]:
        build_bundle(root, __version__, root / RELEASES)
        print(f"recorded {tag_for(__version__)} in {RELEASES}")
        return 0
    if argv[:1] == ["build"] and len(argv) == 2:
        print(build_bundle(root, __version__, Path(argv[1])))
        return 0
    print("usage: python -m opsgen.bundle release | build OUT.bundle", file=sys.stderr)
    return 2


if __name__ == "__main__":
    raise SystemExit(_main(sys.argv[1:]))
