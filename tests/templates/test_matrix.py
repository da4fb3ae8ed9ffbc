"""The combination matrix: every pair of tools, across all layers, in some generated project.

The configurations come from the catalog (tests/pairwise.py): a pairwise-covering set over every
aspect of every ready layer, each layer's defaults, and everything at once. Each is generated
from a config file, then every YAML, JSON and TOML file must parse, every Python file compile,
and the project's own linter (`ruff check`, `ruff format --check`, with its pyproject.toml) pass.
The catalog's validators run per tool and per pairing in test_validators.py.

``OPSGEN_MATRIX_REPORT=docs/matrix.md python -m pytest tests/templates/test_matrix.py`` writes
the report of the run (which configurations, which pairs, what passed).
"""

from __future__ import annotations

import contextlib
import io
import json
import os
import subprocess
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from pairwise import Matrix, aspect_values, pairwise
from setups import CATALOG
from validation import tracked_files

from opsgen.catalog import BASE_LAYER
from opsgen.cli import main
from opsgen.config import Overrides, ProjectConfig, dump_config, resolve

READY = tuple(layer.id for layer in CATALOG.layers if layer.ready)
MATRIX: Matrix = pairwise(CATALOG, READY)


def _everything() -> ProjectConfig:
    """All layers; every multi-choice aspect with all its tools; the rest on defaults."""
    tools = {a.id: list(a.tool_ids) for a in CATALOG.aspects_for(READY) if a.multiple}
    return resolve(CATALOG, {"name": "matrix-everything", "layers": list(READY), "tools": tools},
                   Overrides())


def _layer_defaults() -> list[ProjectConfig]:
    return [resolve(CATALOG, {"name": f"matrix-{layer}-defaults",
                              "layers": [BASE_LAYER, layer]}, Overrides())
            for layer in READY]


CONFIGS: list[ProjectConfig] = [*_layer_defaults(), _everything(), *MATRIX.configs]


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


@dataclass
class Outcome:
    config: ProjectConfig
    files: int
    problems: list[str]


OUTCOMES: dict[str, Outcome] = {}


@pytest.fixture(scope="module", autouse=True)
def report() -> Iterator[None]:
    yield
    target = os.environ.get("OPSGEN_MATRIX_REPORT")
    if target and len(OUTCOMES) == len(CONFIGS):
        Path(target).write_text(markdown(), encoding="utf-8")


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: c.name)
def test_every_combination_generates_parses_and_lints(
    tmp_path: Path, config: ProjectConfig
) -> None:
    source = tmp_path / "opsgen.yaml"
    source.write_text(dump_config(config), encoding="utf-8")
    dest = tmp_path / config.name
    out = io.StringIO()
    with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
        code = main(["new", str(dest), "--config", str(source)])
    assert code == 0, out.getvalue()
    problems = parse_problems(dest) + lint_problems(dest)
    OUTCOMES[config.name] = Outcome(config, len(tracked_files(dest)), problems)
    assert not problems, "\n".join(problems)


def test_the_matrix_covers_every_pair_the_rules_allow() -> None:
    values = {a.id: aspect_values(CATALOG, a) for a in CATALOG.aspects_for(READY)}
    total = sum(len(values[a]) * len(values[b]) for i, a in enumerate(values)
                for b in list(values)[i + 1:])
    assert len(MATRIX.covered) + len(MATRIX.impossible) == total
    for (first, second) in MATRIX.impossible:  # each left-out pair breaks a rule by itself
        tools = {first[0]: first[1], second[0]: second[1]}
        raw = {"name": "x", "layers": list(READY),
               "tools": {k: list(v) if isinstance(v, tuple) else v for k, v in tools.items()}}
        with pytest.raises(Exception, match=r"needs"):
            resolve(CATALOG, raw, Overrides())


def _shown(choice: object) -> str:
    return "+".join(choice) if isinstance(choice, tuple) else str(choice)


def markdown() -> str:
    """The report of a run: the configurations, the pairs, and each result."""
    aspects = CATALOG.aspects_for(READY)
    lines = [
        "# The combination matrix",
        "",
        "Generated by `OPSGEN_MATRIX_REPORT=docs/matrix.md python -m pytest "
        "tests/templates/test_matrix.py` from the catalog; do not edit by hand.",
        "",
        f"- Configurations: {len(CONFIGS)} ({len(READY)} layer defaults, everything at once, "
        f"and {len(MATRIX.configs)} pairwise-covering ones over all {len(aspects)} aspects).",
        f"- Pairs of tools of two aspects covered: {len(MATRIX.covered)}; left out because a "
        f"rule forbids them: {len(MATRIX.impossible)}.",
        "- Each: generated from a config file; every YAML, JSON and TOML file parses, every "
        "Python file compiles, and `ruff check` and `ruff format --check` pass with the "
        "project's own configuration.",
        f"- Passed: {sum(not o.problems for o in OUTCOMES.values())} of {len(OUTCOMES)}.",
        "",
        "| config | layers | files | result | " + " | ".join(a.id for a in aspects) + " |",
        "|---|---|---:|---|" + "---|" * len(aspects),
    ]
    for config in CONFIGS:
        outcome = OUTCOMES[config.name]
        result = "pass" if not outcome.problems else "**fail**"
        cells = [_shown(config.tools.get(a.id, "-")) for a in aspects]
        lines.append(f"| {config.name} | {'+'.join(config.layers)} | {outcome.files} | {result} | "
                     + " | ".join(cells) + " |")
    lines += ["", "Pairs left out (a rule forbids each):", ""]
    for (first, second) in sorted(MATRIX.impossible, key=repr):
        lines.append(f"- {first[0]}={_shown(first[1])} with {second[0]}={_shown(second[1])}")
    return "\n".join(lines) + "\n"
