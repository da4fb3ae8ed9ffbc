"""Architecture rules that keep opsgen honest: one module per third-party UI/engine library,
a fast `--help`, templates that never need `--trust`, and clean lint/types.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGE = ROOT / "src" / "opsgen"


def importers(library: str) -> set[str]:
    pattern = re.compile(rf"^\s*(from|import)\s+{library}\b", re.MULTILINE)
    return {p.name for p in PACKAGE.glob("*.py") if pattern.search(p.read_text(encoding="utf-8"))}


def test_only_engine_imports_copier() -> None:
    assert importers("copier") == {"engine.py"}


def test_only_wizard_imports_questionary() -> None:
    assert importers("questionary") == {"wizard.py"}


def test_help_and_catalog_do_not_import_copier_or_questionary() -> None:
    code = (
        "import sys\n"
        "from opsgen.cli import main\n"
        "import contextlib, io\n"
        "with contextlib.redirect_stdout(io.StringIO()):\n"
        "    main(['catalog', '--json'])\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('copier', 'questionary')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"


def test_templates_need_no_trust() -> None:
    text = (ROOT / "copier.yml").read_text(encoding="utf-8")
    for unsafe in ("_tasks", "_migrations", "_jinja_extensions"):
        assert unsafe not in text


def test_template_paths_have_no_awkward_characters() -> None:
    for path in (ROOT / "templates").rglob("*"):
        name = re.sub(r"\{[{%].*?[%}]\}", "", path.name)
        assert re.fullmatch(r"[A-Za-z0-9._-]*", name), path


@pytest.mark.skipif(shutil.which("ruff") is None, reason="ruff not installed (pip install -e '.[test]')")
def test_ruff_is_clean() -> None:
    result = subprocess.run(["ruff", "check", "src", "tests", "benchmarks", "hatch_build.py"],
                            cwd=ROOT, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stdout


@pytest.mark.skipif(shutil.which("mypy") is None, reason="mypy not installed (pip install -e '.[test]')")
def test_mypy_strict_is_clean() -> None:
    result = subprocess.run([sys.executable, "-m", "mypy"], cwd=ROOT, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, result.stdout


def test_ci_script_passes_shellcheck() -> None:
    if shutil.which("shellcheck") is None:
        from toolrun import missing

        missing("shellcheck", "shellcheck")
    result = subprocess.run(["shellcheck", ".ci/run"], cwd=ROOT, capture_output=True, text=True,
                            check=False)
    assert result.returncode == 0, result.stdout
