"""Changing a tool later (`opsgen set`) gives the same files as choosing it at the start."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest
from clirun import opsgen, snapshot, tree

from opsgen.catalog import default_catalog
from opsgen.config import Overrides, resolve
from opsgen.errors import ConfigError

pytestmark = pytest.mark.e2e


# Choices a rule forbids next to the defaults, made valid by a second change in the same `set`.
COMBINED = [
    ("monitoring_logging=elk", "incident_management=none"),
    ("monitoring_logging=prometheus_grafana,elk",),
]


def non_default_choices() -> list[tuple[str, ...]]:
    catalog = default_catalog()
    cases: list[tuple[str, ...]] = []
    for aspect in catalog.aspects:
        for tool in aspect.tools[1:]:
            # A multi-choice aspect's tools add to its default ones (kubernetes runs the docker image).
            value = ",".join((*aspect.default, tool.id)) if aspect.multiple else tool.id
            choice = f"{aspect.id}={value}"
            try:
                resolve(catalog, {"name": "x"}, Overrides(sets=(choice,)))
            except ConfigError:
                continue  # a rule forbids it next to the defaults; tested in unit tests
            cases.append((choice,))
    return cases + COMBINED


@pytest.mark.parametrize("choices", non_default_choices(), ids=" ".join)
def test_set_later_equals_choosing_at_start(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, choices: tuple[str, ...]
) -> None:
    at_start = tmp_path / "a" / "svc"
    later = tmp_path / "b" / "svc"
    sets = [arg for choice in choices for arg in ("--set", choice)]
    assert opsgen(capsys, "new", at_start, "--defaults", *sets).code == 0
    assert opsgen(capsys, "new", later, "--defaults").code == 0
    run = opsgen(capsys, "set", later, *choices)
    assert run.code == 0, run.err
    states = {line.split()[0] for line in run.out.splitlines() if line.startswith("  ")}
    assert states & {"updated", "merged", "new", "removed"}, run.out
    assert tree(later) == tree(at_start)


def test_set_rejects_what_new_rejects(capsys: pytest.CaptureFixture[str], tmp_path: Path) -> None:
    dest = tmp_path / "svc"
    assert opsgen(capsys, "new", dest, "--defaults").code == 0
    before = snapshot(dest)
    run = opsgen(capsys, "set", dest, "continuous_integration=jenkinz")
    assert run.code == 2
    assert run.err.startswith("opsgen: error: tools.continuous_integration:")
    assert snapshot(dest) == before


def test_set_plan_changes_nothing_and_predicts_the_set(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    dest = tmp_path / "svc"
    assert opsgen(capsys, "new", dest, "--defaults", "--layer", "mlops").code == 0
    before = snapshot(dest)
    choice = "continuous_integration=gitlab_ci"
    plan = opsgen(capsys, "set", dest, choice, "--plan", "--json")
    assert plan.code == 0, plan.err
    assert snapshot(dest) == before
    done = opsgen(capsys, "set", dest, choice, "--json")
    assert done.code == 0, done.err
    report = json.loads(done.out)
    assert json.loads(plan.out) == report
    assert report["files"][".github/workflows/ci.yml"] == "removed"
    assert report["files"][".gitlab-ci.yml"] == "new"


def test_switching_on_pii_masking_keeps_an_edit_of_the_logging_module(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    dest = tmp_path / "svc"
    assert opsgen(capsys, "new", dest, "--defaults",
                  "--set", "data_privacy_security=secret_scanning").code == 0
    logs = dest / "src" / "svc" / "logs.py"
    edit = '\n\ndef quiet(name: str) -> None:\n    logging.getLogger(name).setLevel("WARNING")\n'
    logs.write_text(logs.read_text(encoding="utf-8") + edit, encoding="utf-8")
    subprocess.run(["git", "commit", "-qam", "quiet loggers"], cwd=dest, check=True)
    run = opsgen(capsys, "set", dest, "data_privacy_security=pii_masking")
    assert run.code == 0, run.err
    assert "merged" in run.out and "src/svc/privacy.py" in run.out, run.out
    text = logs.read_text(encoding="utf-8")
    assert text.endswith(edit) and "from . import privacy" in text
    assert "privacy.redact(fields)" in text
    compile(text, str(logs), "exec")
