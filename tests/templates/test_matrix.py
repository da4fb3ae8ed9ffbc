"""The combination matrix: every pair of tools, across all layers, in some generated project.

The configurations come from the catalog (tests/combinations.py, tests/pairwise.py): a
pairwise-covering set over every aspect of every ready layer, each layer's defaults, and
everything at once. Each is generated from a config file; then every YAML, JSON and TOML file
must parse, every Python file compile, the project's own linter (`ruff check`, `ruff format
--check`, with its pyproject.toml) pass, and every validator the catalog gives the
configuration's layers and tools pass (see FULL). A check whose inputs were already judged in the session
is not run twice (tests/verdicts.py). The configurations are independent tests, spread over the
test workers.

Without ``OPSGEN_MATRIX_FULL=1`` (CI's mode, for its time), each check of a validator that runs
the generated project's code (the catalog's ``runs_project``: its tests, pipeline, DAGs, catalog
ingestion) runs in configurations that together have every tool of its layers
(``project_run_sample``; the tests of PyTorch and TensorFlow projects need a venv only the full
run installs), and is left out of the others. ``OPSGEN_MATRIX_FULL=1 OPSGEN_MATRIX_REPORT=docs/matrix.md python -m pytest
tests/templates/test_matrix.py`` runs them all and writes the report of the run (which
configurations, which pairs, what passed).
"""

from __future__ import annotations

import contextlib
import dataclasses
import io
import json
import os
import subprocess
import time
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from combinations import (
    CONFIGS,
    MATRIX,
    PROJECT,
    FULL_ONLY_FRAMEWORKS,
    READY,
    Outcome,
    configuration_cells,
    covered_pairs_total,
    pairs_left_out,
    project_run_sample,
    project_running_checks,
    runs_in_ci_mode,
    sample_tools,
)
from setups import CATALOG
from validation import check_id, checks_for, tracked_files
from verdicts import run_once, session_store

from opsgen.catalog import Check
from opsgen.cli import main
from opsgen.config import Overrides, ProjectConfig, dump_config, resolve


class _AnyTag(yaml.SafeLoader):
    """YAML 1.1 with any application tag (CloudFormation's !Ref, !Sub...) read as plain data."""


def _untagged(loader: yaml.SafeLoader, _suffix: str, node: yaml.Node) -> Any:
    if isinstance(node, yaml.ScalarNode):
        return loader.construct_scalar(node)
    if isinstance(node, yaml.SequenceNode):
        return loader.construct_sequence(node)
    return loader.construct_mapping(node)  # type: ignore[arg-type]


_AnyTag.add_multi_constructor("!", _untagged)


def parse_problems(project: Path) -> list[str]:
    """Every data file that does not parse and every Python file that does not compile."""
    problems = []
    for name in tracked_files(project):
        path = project / name
        try:
            if path.suffix in (".yaml", ".yml"):
                list(yaml.load_all(path.read_text(encoding="utf-8"), Loader=_AnyTag))  # noqa: S506
            elif path.suffix == ".json":
                json.loads(path.read_text(encoding="utf-8"))
            elif path.suffix == ".toml":
                tomllib.loads(path.read_text(encoding="utf-8"))
            elif path.suffix == ".py":
                compile(path.read_bytes(), name, "exec", dont_inherit=True)
        except (yaml.YAMLError, ValueError, SyntaxError, UnicodeDecodeError) as error:
            problems.append(f"{name}: {type(error).__name__}: {error}")
    return problems


def lint_problems(project: Path) -> list[str]:
    """The generated project's own `make lint`: ruff, configured by its pyproject.toml."""
    problems = []
    for argv in (["ruff", "check", "--no-cache", "."], ["ruff", "format", "--check", "--no-cache", "."]):
        result = subprocess.run(argv, cwd=project, capture_output=True, text=True, check=False)
        if result.returncode != 0:
            problems.append(f"`{' '.join(argv)}`:\n{result.stdout}{result.stderr}")
    return problems


# The validators that run the project (its own tests, the orchestrators, the catalogs) cost
# about 45 minutes over the 86 configurations, more than CI's time allows beside the rest of the
# suite: CI runs every other validator (the slow linters too: checkov, zizmor, groovy-lint,
# ansible-lint) everywhere and these in a sample that tries each with every tool of its layers; OPSGEN_MATRIX_FULL=1 runs them all everywhere.
FULL = os.environ.get("OPSGEN_MATRIX_FULL") == "1"
SAMPLE = {} if FULL else project_run_sample()


def shared_folder(name: str) -> Path:
    """A folder of this test session shared by its workers (tests/conftest.py)."""
    return Path(os.environ["OPSGEN_TEST_SHARED"]) / name


def validator_problems(project: Path, config: ProjectConfig, outcome: Outcome) -> list[str]:
    """Run the checks of the configuration (without FULL, those of the validators that run the
    project only where SAMPLE has them), reusing passes on byte-identical inputs."""
    store = session_store()
    problems = []
    sampled = SAMPLE.get(outcome.config, set())
    for check in checks_for(CATALOG, config):
        if (not FULL and CATALOG.validators[check.validator].runs_project
                and check not in sampled):
            outcome.deferred += 1
            continue
        outcome.checks += 1
        started = time.monotonic()
        try:
            if run_once(project, check, CATALOG, store):
                outcome.reused += 1
                continue
        except AssertionError as error:
            problems.append(f"{check_id(check)}: {error}")
        except pytest.skip.Exception as skip:
            outcome.skipped.append(f"{check.validator}: {skip.msg}")
        spent = outcome.seconds.get(check.validator, 0.0) + time.monotonic() - started
        outcome.seconds[check.validator] = round(spent, 2)
    return problems


@pytest.mark.slow
@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: c.name)
def test_every_combination_generates_parses_lints_and_validates(
    tmp_path: Path, config: ProjectConfig
) -> None:
    started = time.time()
    project_config = dataclasses.replace(config, name=PROJECT)
    source = tmp_path / "opsgen.yaml"
    source.write_text(dump_config(project_config), encoding="utf-8")
    dest = tmp_path / PROJECT
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(["new", str(dest), "--config", str(source)])
    assert code == 0, out.getvalue()
    outcome = Outcome(config.name, files=len(tracked_files(dest)), started=started)
    outcome.problems = parse_problems(dest) + lint_problems(dest)
    outcome.problems += validator_problems(dest, project_config, outcome)
    outcome.ended = time.time()
    outcome.save(shared_folder("matrix"))
    assert not outcome.problems, "\n".join(outcome.problems)


def test_the_matrix_covers_every_pair_the_rules_allow() -> None:
    assert len(MATRIX.covered) + len(MATRIX.impossible) == covered_pairs_total()
    for (first, second) in MATRIX.impossible:  # each left-out pair breaks a rule by itself
        tools = {first[0]: first[1], second[0]: second[1]}
        raw = {"name": "x", "layers": list(READY),
               "tools": {k: list(v) if isinstance(v, tuple) else v for k, v in tools.items()}}
        with pytest.raises(Exception, match=r"needs"):
            resolve(CATALOG, raw, Overrides())


REPORT = Path(__file__).parents[2] / "docs" / "matrix.md"


def test_the_committed_report_shows_the_catalogs_configurations() -> None:
    """docs/matrix.md is a run's report: it must list the configurations and left-out pairs the
    catalog gives now, so that a catalog change without a new run of the matrix is caught."""
    rows = [[cell.strip() for cell in line.strip("|").split("|")]
            for line in REPORT.read_text(encoding="utf-8").splitlines()
            if line.startswith("| matrix-")]
    shown = [[row[0], row[1], *row[5:]] for row in rows]  # without the run's figures
    stale = "docs/matrix.md is stale: regenerate it (see this module's docstring)"
    assert shown == [configuration_cells(config) for config in CONFIGS], stale
    _, _, tail = REPORT.read_text(encoding="utf-8").partition("Pairs left out")
    listed = [line for line in tail.splitlines() if line.startswith("- ")]
    assert listed == pairs_left_out(), stale


def test_ci_runs_every_project_running_check_with_every_tool_of_its_layers() -> None:
    """CI's sample leaves no check of a validator that runs the project unrun, nor a tool of its
    layers untried with it: each runs only in configurations having it, and these together have
    every tool that the configurations having it have, the frameworks CI cannot run aside."""
    having = project_running_checks()
    runs: dict[Check, set[str]] = {}
    for name, checks in project_run_sample().items():
        for check in checks:
            runs.setdefault(check, set()).add(name)
    assert set(runs) == set(having)
    for check, names in runs.items():
        chosen = [c for c in having[check] if c.name in names]
        assert len(chosen) == len(names)  # only configurations having the check
        assert all(runs_in_ci_mode(check, c) for c in chosen)
        runnable = [c for c in having[check] if runs_in_ci_mode(check, c)]
        assert sample_tools(check, chosen) == sample_tools(check, runnable), check
    # What CI's mode leaves to the full run: the tests of PyTorch and TensorFlow projects.
    ml_tests = next(check for check in having if check.validator == "ml_tests")
    untried = (sample_tools(ml_tests, having[ml_tests])
               - sample_tools(ml_tests, [c for c in having[ml_tests] if c.name in runs[ml_tests]]))
    assert {tool for aspect, tool in untried if aspect == "ml_frameworks"} == FULL_ONLY_FRAMEWORKS
