"""Versioned template source: a project made by one wheel updates with plain `copier update`
after opsgen is upgraded to a newer wheel whose templates changed, offline, also from a fresh HOME.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
import yaml
from clirun import copy_source, release, set_version, sh

pytestmark = [pytest.mark.e2e, pytest.mark.slow]

OLD, NEW = "9.0.0", "9.1.0"
MARKER = "# template change shipped in 9.1.0"


def build_wheel(src: Path, out: Path) -> Path:
    sh(sys.executable, "-m", "pip", "wheel", "-q", "--no-deps", "--no-build-isolation",
       "-w", out, src)
    return next(out.glob("opsgen-*.whl"))


@pytest.fixture(scope="module")
def wheels(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    work = tmp_path_factory.mktemp("wheels")
    src = copy_source(work / "src")
    set_version(src, OLD)
    old = build_wheel(src, work / "old")
    # Release OLD: its templates join the released history that every later wheel ships.
    release(src)
    makefile = next((src / "templates" / "devops").glob("Makefile*"))
    makefile.write_text(makefile.read_text(encoding="utf-8") + f"\n{MARKER}\n", encoding="utf-8")
    (src / "templates" / "devops" / "UPGRADING.md").write_text("# Upgrading\n", encoding="utf-8")
    set_version(src, NEW)
    new = build_wheel(src, work / "new")
    return old, new


def user_env(home: Path, venv: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items()
           if not k.startswith(("OPSGEN", "XDG_")) and k != "PYTHONPATH"}
    env.update(HOME=str(home), PATH=f"{venv / 'bin'}{os.pathsep}{env['PATH']}")
    return env


def new_user(tmp_path: Path, wheel: Path) -> tuple[Path, dict[str, str]]:
    """A virtualenv with ``wheel`` installed and a fresh HOME: (venv, environment)."""
    venv = tmp_path / "venv"
    sh(sys.executable, "-m", "venv", "--system-site-packages", venv)
    home = tmp_path / "home"
    home.mkdir()
    env = user_env(home, venv)
    install(venv, wheel, env)
    return venv, env


def install(venv: Path, wheel: Path, env: dict[str, str]) -> None:
    sh(venv / "bin" / "pip", "install", "-q", "--no-deps", "--force-reinstall", wheel, env=env)


def test_plain_copier_update_across_wheels(tmp_path: Path, wheels: tuple[Path, Path]) -> None:
    old, new = wheels
    venv, env = new_user(tmp_path, old)
    assert sh("opsgen", "--version", env=env).strip() == f"opsgen {OLD}"
    project = tmp_path / "acme-web"
    sh("opsgen", "new", project, "--defaults", env=env)
    clone = tmp_path / "acme-web-elsewhere"
    sh("git", "clone", "-q", project, clone)
    makefile = project / "Makefile"
    makefile.write_text("# My own notes.\n" + makefile.read_text(encoding="utf-8"), encoding="utf-8")
    sh("git", "-c", "user.name=Dev", "-c", "user.email=dev@example.invalid", "commit", "-qam",
       "my notes", cwd=project, env=env)

    # Upgrade: the next opsgen command refreshes the store, then plain copier takes over.
    install(venv, new, env)
    sh("opsgen", "catalog", env=env)
    sh("copier", "update", "--defaults", cwd=project, env=env)
    text = makefile.read_text(encoding="utf-8")
    assert text.startswith("# My own notes.")
    assert MARKER in text
    assert (project / "UPGRADING.md").is_file()
    answers = yaml.safe_load((project / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert answers["_commit"] == f"v{NEW}"

    # Another user on another machine: a fresh HOME seeded only by the new wheel.
    fresh = tmp_path / "fresh-home"
    fresh.mkdir()
    env2 = user_env(fresh, venv)
    sh("opsgen", "catalog", env=env2)
    sh("copier", "update", "--defaults", cwd=clone, env=env2)
    assert MARKER in (clone / "Makefile").read_text(encoding="utf-8")
    answers = yaml.safe_load((clone / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert answers["_commit"] == f"v{NEW}"


def test_an_older_opsgen_does_not_shrink_a_newer_store(
    tmp_path: Path, wheels: tuple[Path, Path]
) -> None:
    old, new = wheels
    venv, env = new_user(tmp_path, new)
    sh("opsgen", "catalog", env=env)
    install(venv, old, env)
    sh("opsgen", "new", tmp_path / "svc", "--defaults", env=env)
    heads = (Path(env["HOME"]) / ".local/share/opsgen/templates.heads").read_text(encoding="utf-8")
    assert f"refs/tags/v{NEW}" in heads
    answers = yaml.safe_load((tmp_path / "svc/.copier-answers.yml").read_text(encoding="utf-8"))
    assert answers["_commit"] == f"v{OLD}"
    assert MARKER not in (tmp_path / "svc/Makefile").read_text(encoding="utf-8")


def test_opsgen_update_reports_each_file_and_exits_1_on_conflicts(
    tmp_path: Path, wheels: tuple[Path, Path]
) -> None:
    old, new = wheels
    venv, env = new_user(tmp_path, old)
    project = tmp_path / "svc"
    sh("opsgen", "new", project, "--defaults", env=env)
    makefile = project / "Makefile"
    # The user appends where the new template appends too: a real conflict.
    makefile.write_text(makefile.read_text(encoding="utf-8") + "# mine at the end\n",
                        encoding="utf-8")
    dirty = subprocess.run(["opsgen", "update", project], env=env, capture_output=True, text=True,
                           check=False)
    assert dirty.returncode == 2
    assert "uncommitted changes" in dirty.stderr
    sh("git", "-c", "user.name=Dev", "-c", "user.email=dev@example.invalid", "commit", "-qam",
       "mine", cwd=project, env=env)

    install(venv, new, env)
    result = subprocess.run(["opsgen", "update", project], env=env, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = {tuple(line.split()) for line in result.stdout.splitlines() if line.startswith("  ")}
    assert ("conflict", "Makefile") in lines
    assert ("new", "UPGRADING.md") in lines
    assert "# mine at the end" in makefile.read_text(encoding="utf-8")
    assert MARKER in makefile.read_text(encoding="utf-8")
