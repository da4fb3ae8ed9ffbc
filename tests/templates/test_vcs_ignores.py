"""A Mercurial or Subversion project ignores every path its git twin ignores, and no file it ships.

A git project relies on its .gitignore files, the nested ones too (.dvc/, data/, transform/,
deploy/<tool>/, outputs/, governance/); .hgignore and .svnignore have to say the same for the
other systems. Every entry of every .gitignore of the git twin becomes a path it ignores (checked
with ``git check-ignore``), to which DVC's real state (``.dvc/cache/...``, ``.dvc/tmp/lock``,
``.dvc/config.local``) is added; those paths are then written into the same project generated for
hg or svn: the real hg must not list them, the real svn must not add them once the commands the
generated README gives svn users have run. The twins are the same configuration but for
version control; they are chosen so that every .gitignore the templates hold is rendered in one.
"""

from __future__ import annotations

import contextlib
import io
import os
import re
import shlex
import shutil
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from setups import Setup, valid
from vcs_validation import MUST_IGNORE, _p4_ignored, _p4ignore_rule

from opsgen.cli import main

TEMPLATES = Path(__file__).resolve().parents[2] / "templates"
# Layers and tools that render every nested .gitignore between them: DVC's (.dvc/), the data
# pipeline's (data/), dbt's (transform/, DuckDB), the governance exports' (not data contracts), the
# ML pipeline's (outputs/), and one per configuration management tool's folder (deploy/<tool>/).
SETUPS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "dataops-saltstack": (("dataops",), ("configuration_management=saltstack",)),
    "all-layers-chef": (("mlops", "dataops"),
                        ("configuration_management=chef", "data_governance=apache_atlas")),
    "mlops-puppet": (("mlops",), ("configuration_management=puppet",)),
}
# What DVC itself keeps in .dvc/ (its .gitignore names the folders, DVC fills them).
DVC_STATE = (".dvc/cache/files/md5/aa/bb", ".dvc/tmp/lock", ".dvc/config.local")
PROBE = "opsgen-probe"
# Subversion's own default global-ignores (*.pyc, __pycache__, .DS_Store...) are switched off: the
# checks are of .svnignore alone.
SVN = ["svn", "--non-interactive", "--config-option", "config:miscellany:global-ignores="]


def _run(argv: list[str | Path], cwd: Path, *, ok_codes: tuple[int, ...] = (0,),
         stdin: str = "") -> str:
    env = {**os.environ, "HGPLAIN": "1", "LC_ALL": "C",
           "EMAIL": "opsgen-tests@users.noreply.invalid"}
    result = subprocess.run([str(a) for a in argv], cwd=cwd, capture_output=True, text=True,
                            env=env, check=False, input=stdin, timeout=120)
    assert result.returncode in ok_codes, (
        f"`{' '.join(map(str, argv))}` in {cwd} exited {result.returncode}:\n"
        f"{result.stdout}{result.stderr}")
    return result.stdout


def _require(*exes: str) -> None:
    missing = [exe for exe in exes if shutil.which(exe) is None]
    if missing:
        pytest.skip(f"{', '.join(missing)} not on PATH (.ci/run installs them)")


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str, str], Path]:
    """``project(setup_id, vcs)``: that setup generated for that version control, once."""
    made: dict[tuple[str, str], Path] = {}

    def generate(setup_id: str, vcs: str) -> Path:
        if (setup_id, vcs) not in made:
            layers, sets = SETUPS[setup_id]
            setup = Setup(name=f"vcs-ignores-{setup_id}", layers=layers,
                          sets=(*sets, "continuous_integration=jenkins", f"version_control={vcs}"))
            assert valid(setup), setup
            dest = tmp_path_factory.mktemp(f"{setup_id}-{vcs}") / setup.project_name
            out = io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                code = main(["new", str(dest), *setup.args])
            assert code == 0, f"opsgen new {' '.join(setup.args)}:\n{out.getvalue()}"
            made[setup_id, vcs] = dest
        return made[setup_id, vcs]

    return generate


# --- What the git twin ignores --------------------------------------------------------------------


def _example(glob: str) -> str:
    """One name a .gitignore glob matches."""
    def one_of(match: re.Match[str]) -> str:
        chars = match.group(1)
        if chars[:1] in ("!", "^"):
            return next(c for c in "xyz_0" if c not in chars[1:])
        return chars[0]

    name = re.sub(r"\[([^\]]+)\]", one_of, glob)
    name = re.sub(r"\\(.)", r"\1", name)
    return name.replace("**", "opsgen").replace("*", "opsgen").replace("?", "x")


def _paths_of_rule(folder: str, line: str) -> list[str]:
    """Paths one line of ``folder``'s .gitignore ignores: where it names something, and, for a
    name without a slash (which git matches at any depth), one folder deeper too."""
    rule = line.strip()
    if not rule or rule.startswith(("#", "!")):
        return []
    directory = rule.endswith("/")
    rule = rule.rstrip("/")
    name = _example(rule.lstrip("/"))
    prefix = f"{folder}/" if folder else ""
    places = [prefix + name] if "/" in rule else [prefix + name, f"{prefix}{PROBE}-deeper/{name}"]
    return [f"{place}/{PROBE}" if directory else place for place in places]


def _gitignore_files(root: Path) -> list[str]:
    listed = _run(["git", "ls-files"], root).splitlines()
    return sorted(name for name in listed if name.rpartition("/")[2] == ".gitignore")


def _candidates(root: Path) -> list[str]:
    paths = {*MUST_IGNORE, *(DVC_STATE if (root / ".dvc").is_dir() else ())}
    for name in _gitignore_files(root):
        folder = name.rpartition("/")[0]
        for line in (root / name).read_text(encoding="utf-8").splitlines():
            paths.update(_paths_of_rule(folder, line))
    # A rule's file that is another rule's folder (`.dvc/cache`, `.dvc/cache/files/...`): the
    # folder form, which is what the tool writes.
    return sorted(p for p in paths if not any(q.startswith(p + "/") for q in paths))


def _write(root: Path, paths: list[str]) -> None:
    for name in paths:
        (root / name).parent.mkdir(parents=True, exist_ok=True)
        (root / name).write_text("probe\n", encoding="utf-8")


@pytest.fixture(scope="module")
def git_ignored(project: Callable[[str, str], Path]) -> Callable[[str], list[str]]:
    """``git_ignored(setup_id)``: paths the git twin's ignore files ignore, per ``git check-ignore``."""
    found: dict[str, list[str]] = {}

    def ignored(setup_id: str) -> list[str]:
        if setup_id not in found:
            _require("git")
            root = project(setup_id, "git")
            paths = _candidates(root)
            _write(root, paths)
            out = _run(["git", "check-ignore", "--stdin", "-z"], root, ok_codes=(0, 1),
                       stdin="\0".join(paths))
            # Instantiated from the rules, every path must be ignored: if one is not, the rule was
            # read wrong here (or a negation undoes it), and checking the twin for it would be moot.
            missed = sorted(set(paths) - set(filter(None, out.split("\0"))))
            assert not missed, f"{setup_id}: git does not ignore, though its rules name them: {missed}"
            found[setup_id] = paths
        return found[setup_id]

    return ignored


def test_every_gitignore_of_the_templates_is_in_a_git_twin(
    project: Callable[[str, str], Path]
) -> None:
    """The setups render every .gitignore the templates hold (the folder names without their
    Jinja conditions), so a new nested one is checked as soon as it is added."""
    _require("git")
    templated = {re.sub(r"\{%.*?%\}", "", "/".join(p.relative_to(TEMPLATES).parts[1:]))
                 .removesuffix(".jinja") for p in TEMPLATES.glob("*/**/*.gitignore*")}
    rendered = {name for setup_id in SETUPS for name in _gitignore_files(project(setup_id, "git"))}
    assert templated == rendered


# --- Mercurial ------------------------------------------------------------------------------------


@pytest.mark.parametrize("setup_id", SETUPS)
def test_mercurial_ignores_what_git_ignores(
    setup_id: str, project: Callable[[str, str], Path], git_ignored: Callable[[str], list[str]]
) -> None:
    """hg lists none of the paths git ignores, and the generated files are all committed."""
    _require("hg")
    paths = git_ignored(setup_id)
    root = project(setup_id, "mercurial")
    if not (root / ".hg").is_dir():  # opsgen inits the repository where hg is on PATH
        _run(["hg", "init", "-q"], root)
        _run(["hg", "commit", "-q", "--addremove", "-m", "Initial commit"], root)
    # Every generated file was committed: none of them is ignored.
    assert _run(["hg", "status", "--ignored", "--unknown"], root) == ""
    _write(root, paths)
    listed = set(_run(["hg", "status", "--unknown", "--no-status"], root).splitlines())
    leaked = sorted(listed & set(paths))
    assert not leaked, f"{setup_id}: git ignores these, hg would commit them: {leaked}"


# --- Subversion -----------------------------------------------------------------------------------


def _readme_ignore_commands(root: Path) -> list[list[str]]:
    """The `svn propset` commands the generated README tells svn users to run in a checkout."""
    readme = (root / "README.md").read_text(encoding="utf-8")
    commands = [shlex.split(c) for c in re.findall(r"`(svn propset [^`]+)`", readme)]
    assert ["svn", "propset", "svn:global-ignores", "-F", ".svnignore", "."] in commands, commands
    return commands


def _svn_status(wc: Path) -> dict[str, set[str]]:
    """``svn add`` everything new the way a user would, then the paths per status letter (`A`
    added, `I` ignored, `?` neither: `svn add --force .` does not go into a versioned folder whose
    name a pattern matches, but svn does not ignore what is in it)."""
    _run([*SVN, "add", "-q", "--force", "."], wc)
    by_letter: dict[str, set[str]] = {}
    for line in _run([*SVN, "status", "--no-ignore"], wc).splitlines():
        by_letter.setdefault(line[0], set()).add(line[8:])
    return by_letter


def _svn_not_ignored(wc: Path, paths: list[str]) -> list[str]:
    """The paths neither svn:ignore nor svn:global-ignores ignore, themselves or a folder above."""
    ignored = _svn_status(wc).get("I", set())
    return sorted(p for p in paths
                  if not any("/".join(p.split("/")[:n]) in ignored
                             for n in range(1, p.count("/") + 2)))


@pytest.mark.parametrize("setup_id", SETUPS)
def test_subversion_ignores_what_git_ignores(
    setup_id: str, project: Callable[[str, str], Path], git_ignored: Callable[[str], list[str]],
    tmp_path: Path,
) -> None:
    """As the README says: import, check out, run its `svn propset` commands; then svn ignores
    every path git ignores."""
    _require("svn", "svnadmin")
    paths = git_ignored(setup_id)
    root = project(setup_id, "subversion")
    repo, wc = tmp_path / "repo", tmp_path / "wc"
    _run(["svnadmin", "create", repo], tmp_path)
    url = repo.as_uri() + "/trunk"
    _run([*SVN, "import", "-q", root, url, "-m", "Initial import"], tmp_path)
    _run([*SVN, "checkout", "-q", url, wc], tmp_path)
    for command in _readme_ignore_commands(root):
        _run([*SVN, *command[1:]], wc)
    _write(wc, paths)
    leaked = _svn_not_ignored(wc, paths)
    assert not leaked, f"{setup_id}: git ignores these, svn does not: {leaked}"


@pytest.mark.parametrize("setup_id", SETUPS)
def test_subversion_ignores_no_generated_file(
    setup_id: str, project: Callable[[str, str], Path], tmp_path: Path
) -> None:
    """.svnignore's names apply in every folder: none of them may be a generated file's or
    folder's, or `svn add` would leave it out (here each file is added anew to an empty trunk)."""
    _require("svn", "svnadmin")
    root = project(setup_id, "subversion")
    generated = {p.relative_to(root).as_posix() for p in root.rglob("*")
                 if p.is_file() and ".svn" not in p.relative_to(root).parts}
    repo, wc = tmp_path / "repo", tmp_path / "wc"
    shutil.copytree(root, wc, symlinks=True)
    _run(["svnadmin", "create", repo], tmp_path)
    url = repo.as_uri() + "/trunk"
    _run([*SVN, "mkdir", "-q", url, "-m", "Empty trunk"], tmp_path)
    _run([*SVN, "checkout", "-q", "--force", url, wc], tmp_path)
    _run([*SVN, "propset", "-q", "svn:global-ignores", "-F", ".svnignore", "."], wc)
    left_out = sorted(generated - _svn_status(wc).get("A", set()))
    assert not left_out, f"{setup_id}: generated, but .svnignore ignores them: {left_out}"


# --- Perforce -------------------------------------------------------------------------------------


@pytest.mark.parametrize("setup_id", SETUPS)
def test_perforce_ignores_what_git_ignores_and_no_generated_file(
    setup_id: str, project: Callable[[str, str], Path], git_ignored: Callable[[str], list[str]]
) -> None:
    """No p4 here (Perforce ships outside the package registries): .p4ignore is read as P4IGNORE
    reads it, by the p4ignore validator's rules (tests/vcs_validation.py)."""
    paths = git_ignored(setup_id)
    root = project(setup_id, "perforce")
    text = (root / ".p4ignore").read_text(encoding="utf-8")
    rules = [_p4ignore_rule(line) for line in text.splitlines()
             if line.strip() and not line.startswith("#")]
    leaked = [path for path in paths if not _p4_ignored(rules, path)]
    assert not leaked, f"{setup_id}: git ignores these, p4 would add them: {leaked}"
    generated = [p.relative_to(root).as_posix() for p in root.rglob("*") if p.is_file()]
    hidden = [name for name in generated if _p4_ignored(rules, name)]
    assert not hidden, f"{setup_id}: generated, but .p4ignore ignores them: {hidden}"
