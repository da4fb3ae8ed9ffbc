"""Builtin validators of the version control files: the real hg and svn on a scratch copy.

Perforce has no server a registry serves, so its ignore file and trigger table are parsed here
and its trigger script goes through shellcheck (a catalog command check); p4 itself never runs.
"""

from __future__ import annotations

import os
import re
import shlex
import shutil
import subprocess
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

METADATA = {".git", ".hg", ".svn"}
# Paths every ignore file must ignore: secrets, virtualenvs, caches and Terraform state.
MUST_IGNORE = ("secrets/grafana_admin_password", ".venv/bin/python", "src/__pycache__/app.pyc",
               "infra/terraform/terraform.tfstate", ".env")
HG_HOOK_TYPES = {"changegroup", "commit", "incoming", "outgoing", "prechangegroup", "precommit",
                 "prelistkeys", "preoutgoing", "prepushkey", "pretag", "pretxnopen",
                 "pretxnclose", "pretxncommit", "pretxnchangegroup", "preupdate", "listkeys",
                 "pushkey", "tag", "txnclose", "txnabort", "update"}
P4_TRIGGER_TYPES = {"change-submit", "change-content", "change-commit", "change-failed",
                    "shelve-submit", "shelve-commit", "form-in", "form-out", "form-save"}
P4_VARIABLES = {"change", "changelist", "client", "clienthost", "clientip", "serverport",
                "serverhost", "serverroot", "user", "quote", "oldchangelist", "formfile",
                "formname", "formtype"}


def _require(validator_id: str, exe: str) -> None:
    if shutil.which(exe) is not None:
        return
    message = f"{validator_id}: {exe} not installed (see .ci/run)"
    if os.environ.get("OPSGEN_REQUIRE_VALIDATORS") == "1":
        pytest.fail(message, pytrace=False)
    pytest.skip(message)


def _project_files(root: Path) -> list[str]:
    return sorted(p.relative_to(root).as_posix() for p in root.rglob("*")
                  if p.is_file() and not METADATA & set(p.relative_to(root).parts))


@contextmanager
def _scratch_copy(project_dir: Path) -> Iterator[Path]:
    """A copy of the project without any version control metadata."""
    with tempfile.TemporaryDirectory(prefix="opsgen-vcs-") as tmp:
        copy = Path(tmp) / "project"
        shutil.copytree(project_dir, copy, symlinks=True,
                        ignore=lambda _d, names: [n for n in names if n in METADATA])
        yield copy


def _run(validator_id: str, argv: list[str], cwd: Path, *, ok: bool = True) -> str:
    env = {**os.environ, "HGPLAIN": "1", "EMAIL": "opsgen-test@users.noreply.invalid",
           "LC_ALL": "C"}
    result = subprocess.run(argv, cwd=cwd, capture_output=True, text=True, env=env, check=False,
                            stdin=subprocess.DEVNULL, timeout=300)
    if ok and (result.returncode != 0 or result.stderr.strip()):
        raise AssertionError(f"{validator_id}: `{' '.join(argv)}` exited {result.returncode}:\n"
                             f"{result.stdout}{result.stderr}".strip())
    return result.stdout if ok else result.stdout + result.stderr


def must_ignore(root: Path, generated: list[str]) -> list[str]:
    """Paths the ignore rules must ignore: MUST_IGNORE, and a file in each folder that the
    project keeps by a .gitignore ignoring all else (the ML pipeline's outputs/, the governance
    exports)."""
    kept = [name.removesuffix("/.gitignore") for name in generated
            if name.endswith("/.gitignore")
            and "*" in (root / name).read_text(encoding="utf-8").splitlines()]
    return [*MUST_IGNORE, *(f"{folder}/opsgen-probe.out" for folder in kept)]


def _write_probes(root: Path, probes: list[str]) -> None:
    for name in probes:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("probe\n", encoding="utf-8")


# --- Mercurial ------------------------------------------------------------------------------------


def _hg_repo(project_dir: Path, files: list[str]) -> None:
    """hg parses .hgignore, ignores every MUST_IGNORE path and no generated file."""
    _require("hg_repo", "hg")
    with _scratch_copy(project_dir) as copy:
        generated = _project_files(copy)
        _run("hg_repo", ["hg", "init", "-q"], copy)
        probes = must_ignore(copy, generated)
        _write_probes(copy, probes)
        unknown = set(_run("hg_repo", ["hg", "status", "--unknown", "--no-status"], copy)
                      .splitlines())
    _compare_ignored("hg_repo", generated, unknown, probes)


def _compare_ignored(validator_id: str, generated: list[str], listed: set[str],
                     probes: list[str]) -> None:
    problems = [f"{name}: generated, but ignored" for name in generated if name not in listed]
    problems += [f"{name}: must be ignored, but is not" for name in probes if name in listed]
    if problems:
        raise AssertionError(f"{validator_id}:\n  " + "\n  ".join(problems))


def _hg_hooks(project_dir: Path, files: list[str]) -> None:
    """hooks/hgrc parses when %include-d as `make hooks` does, and names real hg hook types.

    Then its secret scan runs for real (``make lint`` is switched off: it would install ruff): the
    first commit of the project passes, a commit adding an AWS key is refused.
    """
    for exe in ("hg", "detect-secrets-hook"):
        _require("hg_hooks", exe)
    include = "%include ../hooks/hgrc"
    makefile = (project_dir / "Makefile").read_text(encoding="utf-8")
    if include.replace("%", "%%") not in makefile:
        raise AssertionError(f"hg_hooks: the Makefile's `hooks` target does not add {include!r}")
    with _scratch_copy(project_dir) as copy:
        _run("hg_hooks", ["hg", "init", "-q"], copy)
        (copy / ".hg" / "hgrc").write_text(include + "\n", encoding="utf-8")
        shown = _run("hg_hooks", ["hg", "showconfig", "hooks"], copy).splitlines()
        _hg_scan_hook_bites(copy)
    hooks = {line.split("=", 1)[0].removeprefix("hooks.") for line in shown if "=" in line}
    unknown = sorted(h for h in hooks if h.split(".", 1)[0] not in HG_HOOK_TYPES)
    if len(hooks) < 2 or unknown:
        raise AssertionError(f"hg_hooks: hooks {sorted(hooks)}; not hg hook types: {unknown}")


def _hg_scan_hook_bites(copy: Path) -> None:
    venv_bin = copy / ".venv" / "bin"
    venv_bin.mkdir(parents=True)
    (venv_bin / "detect-secrets-hook").symlink_to(shutil.which("detect-secrets-hook") or "")
    commit = ["hg", "commit", "-q", "--config", "hooks.precommit.lint=true", "--addremove", "-m"]
    _run("hg_hooks", [*commit, "Initial commit"], copy)
    (copy / "settings.py").write_text(
        'AWS_ACCESS_KEY_ID = "AKIAZ3MSJV2WQPLXN4TB"\n', encoding="utf-8")  # pragma: allowlist secret
    output = _run("hg_hooks", [*commit, "Add settings"], copy, ok=False)
    if "precommit" not in output or "abort" not in output:
        raise AssertionError(f"hg_hooks: a commit adding an AWS key was not refused:\n{output}")


# --- Subversion -----------------------------------------------------------------------------------


def _svn_hook(project_dir: Path, files: list[str]) -> None:
    """Commit the project through the hook; an empty message and a private key are refused."""
    for exe in ("svnadmin", "svn"):
        _require("svn_hook", exe)
    with _scratch_copy(project_dir) as copy, tempfile.TemporaryDirectory() as tmp:
        repo, work = Path(tmp) / "repo", Path(tmp) / "wc"
        _run("svn_hook", ["svnadmin", "create", str(repo)], Path(tmp))
        hook = repo / "hooks" / "pre-commit"
        shutil.copyfile(project_dir / files[0], hook)
        hook.chmod(0o755)
        url = repo.as_uri() + "/trunk"
        svn = ["svn", "--non-interactive", "-q"]
        _run("svn_hook", [*svn, "import", str(copy), url, "-m", "Initial import"], Path(tmp))
        _run("svn_hook", [*svn, "checkout", url, str(work)], Path(tmp))
        (work / "notes.txt").write_text("a note\n", encoding="utf-8")
        (work / "id_ed25519").write_text("not really a key\n", encoding="utf-8")
        _run("svn_hook", [*svn, "add", "notes.txt"], work)
        refusals = {
            "an empty log message": ["notes.txt", "-m", ""],
            "a private key file": ["notes.txt", "id_ed25519", "-m", "Add a key"],
        }
        accepted = []
        for what, args in refusals.items():
            if what == "a private key file":
                _run("svn_hook", [*svn, "add", "id_ed25519"], work)
            output = _run("svn_hook", [*svn, "commit", *args], work, ok=False)
            if "Commit rejected" not in output:
                accepted.append(f"{what} was committed:\n{output}".strip())
    if accepted:
        raise AssertionError("svn_hook: the pre-commit hook let through " + "\n".join(accepted))


# --- Perforce -------------------------------------------------------------------------------------


def _p4ignore_rule(line: str) -> tuple[re.Pattern[str], bool, bool]:
    """``(regex, negated, directories only)`` for one P4IGNORE rule, or ValueError."""
    if line != line.rstrip() or re.search(r"[\[\]{}]", line):
        raise ValueError("trailing blanks or [] {} (P4IGNORE has no character classes)")
    negated = line.startswith("!")
    rule = line.removeprefix("!").removeprefix("\\")
    dirs_only = rule.endswith("/")
    rule = rule.rstrip("/")
    anchored = rule.startswith("/") or "/" in rule
    if not rule.strip("/"):
        raise ValueError("empty pattern")
    parts = re.split(r"(\.\.\.|\*)", rule.lstrip("/"))
    body = "".join({"...": ".*", "*": "[^/]*"}.get(p, re.escape(p)) for p in parts)
    prefix = "^" if anchored else "^(?:.*/)?"
    return re.compile(prefix + body + "$"), negated, dirs_only


def _p4_ignored(rules: list[tuple[re.Pattern[str], bool, bool]], path: str) -> bool:
    parts = path.split("/")
    ignored = False
    for depth in range(1, len(parts) + 1):
        prefix, is_dir = "/".join(parts[:depth]), depth < len(parts)
        for regex, negated, dirs_only in rules:
            if regex.match(prefix) and (is_dir or not dirs_only):
                ignored = not negated
        if ignored:
            return True
    return False


def _p4ignore(project_dir: Path, files: list[str]) -> None:
    """Every rule parses; the rules ignore each MUST_IGNORE path and no generated file."""
    rules, problems = [], []
    text = (project_dir / files[0]).read_text(encoding="utf-8")
    for number, line in enumerate(text.splitlines(), 1):
        if line.strip() and not line.startswith("#"):
            try:
                rules.append(_p4ignore_rule(line))
            except ValueError as error:
                problems.append(f"line {number}: {line!r}: {error}")
    generated = _project_files(project_dir)
    problems += [f"{n}: generated, but ignored" for n in generated if _p4_ignored(rules, n)]
    problems += [f"{n}: must be ignored, but is not" for n in must_ignore(project_dir, generated)
                 if not _p4_ignored(rules, n)]
    if problems:
        raise AssertionError(f"p4ignore: {files[0]}:\n  " + "\n  ".join(problems))


def _p4_triggers(project_dir: Path, files: list[str]) -> None:
    """The trigger table: `Triggers:` then tab-indented `name type //path "command"` lines."""
    lines = [line for line in (project_dir / files[0]).read_text(encoding="utf-8").splitlines()
             if line.strip() and not line.startswith("#")]
    problems = [] if lines[:1] == ["Triggers:"] else ["the table must start with `Triggers:`"]
    for line in lines[1:]:
        fields = shlex.split(line) if line.startswith("\t") else []
        if len(fields) != 4:
            problems.append(f"{line!r}: want a tab, then name, type, depot path, quoted command")
            continue
        _name, kind, path, command = fields
        script = Path(command.split()[0]).name
        problems += [f"{line!r}: {p}" for p in (
            f"unknown trigger type {kind!r}" if kind not in P4_TRIGGER_TYPES else "",
            f"path {path!r} is not a depot path" if not path.startswith("//") else "",
            f"{script} is not in p4/triggers/" if not (project_dir / "p4/triggers" / script)
            .is_file() else "",
            *(f"unknown variable %{v}%" for v in re.findall(r"%(\w+)%", command)
              if v not in P4_VARIABLES),
        ) if p]
    if len(lines) < 2:
        problems.append("no trigger in the table")
    if problems:
        raise AssertionError(f"p4_triggers: {files[0]}:\n  " + "\n  ".join(problems))


VCS_BUILTINS: dict[str, Callable[[Path, list[str]], None]] = {
    "hg_repo": _hg_repo,
    "hg_hooks": _hg_hooks,
    "svn_hook": _svn_hook,
    "p4ignore": _p4ignore,
    "p4_triggers": _p4_triggers,
}
