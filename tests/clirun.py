"""Drive opsgen through its public entry points: in-process ``main`` or the installed command."""

from __future__ import annotations

import contextlib
import io
import os
import shutil
import signal
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

import opsgen.cli as opsgen_cli
from opsgen.cli import main


def child_env(base: dict[str, str] | None = None) -> dict[str, str]:
    """The environment for a child ``python -m opsgen``: it runs the opsgen these tests import
    (this checkout's ``src/``), not whichever one is installed."""
    env = dict(os.environ if base is None else base)
    package_root = str(Path(opsgen_cli.__file__).resolve().parents[1])
    env["PYTHONPATH"] = os.pathsep.join(p for p in (package_root, env.get("PYTHONPATH")) if p)
    return env


@dataclass(frozen=True)
class Run:
    code: int
    out: str
    err: str


def opsgen(capsys: pytest.CaptureFixture[str], *args: str | Path) -> Run:
    """Run opsgen in this process (fast); output is captured."""
    capsys.readouterr()
    try:
        code = main([str(a) for a in args])
    except SystemExit as exit_:  # --help / --version
        code = int(exit_.code or 0)
    captured = capsys.readouterr()
    return Run(code, captured.out, captured.err)


def new_project(dest: Path, layers: tuple[str, ...] = (), sets: tuple[str, ...] = ()) -> Path:
    """``opsgen new DEST --defaults`` with ``layers`` and ``--set`` values, in this process and
    quietly (for fixtures wider than a test, which have no capsys); its output if it fails."""
    args = ["new", str(dest), "--defaults", *(f for layer in layers for f in ("--layer", layer)),
            *(f for value in sets for f in ("--set", value))]
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(args)
    assert code == 0, out.getvalue()
    return dest


def opsgen_process(
    *args: str | Path, cwd: Path | None = None, stdin: int | None = None,
    source: Path | None = None, env: dict[str, str] | None = None,
) -> Run:
    """Run opsgen as a real process, the way a user does.

    ``source`` runs the opsgen of another source checkout (see :func:`copy_source`) instead of
    this one; ``env`` adds to the environment (e.g. a HOME of its own).
    """
    result = subprocess.run(
        [sys.executable, "-m", "opsgen", *map(str, args)],
        capture_output=True, text=True, cwd=cwd, check=False, env=_process_env(source, env),
        stdin=subprocess.DEVNULL if stdin is None else stdin,
    )
    return Run(result.returncode, result.stdout, result.stderr)


def spawn_opsgen(
    *args: str | Path, source: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """Start opsgen as a real process and return at once (to kill it mid-way); output dropped."""
    return subprocess.Popen(
        [sys.executable, "-m", "opsgen", *map(str, args)], env=_process_env(source, env),
        stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )


def spawn_foreground_job(
    *args: str | Path, source: Path | None = None, env: dict[str, str] | None = None
) -> subprocess.Popen[str]:
    """Start opsgen the way a terminal runs a command: in a process group of its own, which
    :func:`ctrl_c` interrupts as a terminal's Ctrl-C does; its output kept."""
    return subprocess.Popen(
        [sys.executable, "-m", "opsgen", *map(str, args)], env=_process_env(source, env),
        stdin=subprocess.DEVNULL, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
        start_new_session=True, preexec_fn=as_terminal_job,
    )


def as_terminal_job() -> None:
    """In a child before it runs its command: SIGINT as a terminal's foreground job has it.

    Where this suite itself was started in the background by a non-interactive shell, it
    inherits SIGINT ignored, and so would every process it starts, deaf to a Ctrl-C."""
    signal.signal(signal.SIGINT, signal.SIG_DFL)


def ctrl_c(job: subprocess.Popen[str]) -> Run:
    """SIGINT to the job's whole process group (opsgen and the git or copier processes it runs
    then), as a terminal sends on Ctrl-C; how the job ended."""
    with contextlib.suppress(ProcessLookupError):
        os.killpg(job.pid, signal.SIGINT)
    out, err = job.communicate(timeout=120)
    return Run(job.returncode, out, err)


INTERRUPTED = "opsgen: interrupted; nothing was written\n"


def _process_env(source: Path | None, env: dict[str, str] | None) -> dict[str, str]:
    child = child_env()
    if source is not None:
        child["PYTHONPATH"] = os.pathsep.join([str(source / "src"), child["PYTHONPATH"]])
    return {**child, **(env or {})}


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file below ``folder`` (hidden ones too) with its content, to prove nothing changed."""
    if not folder.exists():
        return {}
    return {
        p.relative_to(folder).as_posix(): p.read_bytes()
        for p in sorted(folder.rglob("*")) if p.is_file()
    }


def tree(project: Path) -> dict[str, bytes]:
    """A project's files and contents, without its repository: what two ways of making it share."""
    return {k: v for k, v in snapshot(project).items() if not k.startswith(".git/")}


def sh(*args: str | Path, cwd: Path | None = None, env: dict[str, str] | None = None) -> str:
    """Run a command that must succeed; its output."""
    result = subprocess.run([str(a) for a in args], cwd=cwd, env=env, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, f"{args}\n{result.stdout}\n{result.stderr}"
    return result.stdout


def git_commit(repo: Path, message: str) -> None:
    """Commit every change in ``repo``, as its user would."""
    sh("git", "add", "-A", cwd=repo)
    sh("git", "commit", "-q", "--no-verify", "-m", message, cwd=repo)


ROOT = Path(__file__).resolve().parents[1]


def copy_source(dest: Path) -> Path:
    """A copy of this checkout's opsgen (without its tests), to change and release on its own."""
    files = sh("git", "ls-files", "-co", "--exclude-standard", cwd=ROOT).splitlines()
    for name in files:
        source = ROOT / name
        if source.is_file() and not name.startswith("tests/"):
            target = dest / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    return dest


def set_version(src: Path, version: str) -> None:
    """Give the opsgen of source checkout ``src`` another version."""
    init = src / "src" / "opsgen" / "__init__.py"
    text = init.read_text(encoding="utf-8")
    start = text.index('__version__ = "')
    end = text.index('"', start + 15)
    init.write_text(text[:start] + f'__version__ = "{version}"' + text[end + 1:], encoding="utf-8")


def release(src: Path) -> None:
    """Record the templates of source checkout ``src`` as a released version, as a release does."""
    sh(sys.executable, "-m", "opsgen.bundle", "release", cwd=src,
       env={**os.environ, "PYTHONPATH": str(src / "src")})
