"""The combination matrix's configurations, and its report (docs/matrix.md).

The configurations come from the catalog (tests/pairwise.py): each layer's defaults, everything
at once, and a pairwise-covering set over every aspect of every ready layer. Every one is
generated as a project named ``matrix``, so that configurations sharing tools share bytes and the
validators' verdicts on them (tests/verdicts.py). Each test writes its outcome as JSON into a
folder; the report is written from that folder once every configuration has one, so it works
whichever worker ran which configuration.
"""

from __future__ import annotations

import json
from dataclasses import asdict, dataclass, field
from pathlib import Path

from pairwise import Matrix, aspect_values, pairwise
from setups import CATALOG
from validation import checks_for

from opsgen.catalog import BASE_LAYER, Check
from opsgen.config import Overrides, ProjectConfig, resolve

READY = tuple(layer.id for layer in CATALOG.layers if layer.ready)
PROJECT = "matrix"
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


# Each configuration's name is its test id; its project is generated as PROJECT.
CONFIGS: list[ProjectConfig] = [*_layer_defaults(), _everything(), *MATRIX.configs]

# The ML frameworks whose projects' own tests (ml_tests) need the frameworks venv (~4 GB), which
# .ci/run installs only for OPSGEN_MATRIX_FULL=1: CI's mode leaves those runs out.
FULL_ONLY_FRAMEWORKS = frozenset({"pytorch", "tensorflow"})


def _home_layers(check: Check) -> frozenset[str]:
    """The layers whose tools shape what a check runs: its layer's, or its tool's aspect's."""
    for layer in CATALOG.layers:
        if check in layer.checks:
            return frozenset({layer.id})
    if check.layer is not None:
        return frozenset({check.layer})
    return frozenset(layer for a in CATALOG.aspects for t in a.tools if check in t.checks
                     for layer in a.layers)


def _tools_in(config: ProjectConfig, layers: frozenset[str]) -> set[tuple[str, str]]:
    values = set()
    for aspect_id, choice in config.tools.items():
        if layers & set(CATALOG.aspect(aspect_id).layers):
            values |= {(aspect_id, tool) for tool in (choice if isinstance(choice, tuple)
                                                      else (choice,))}
    return values


def project_running_checks() -> dict[Check, list[ProjectConfig]]:
    """Each check of a validator that runs the project, with the configurations having it."""
    having: dict[Check, list[ProjectConfig]] = {}
    for config in CONFIGS:
        for check in checks_for(CATALOG, config):
            if CATALOG.validators[check.validator].runs_project:
                having.setdefault(check, []).append(config)
    return having


def runs_in_ci_mode(check: Check, config: ProjectConfig) -> bool:
    """Whether CI's tools can run ``check`` on ``config``'s project (see FULL_ONLY_FRAMEWORKS)."""
    return not (check.validator == "ml_tests"
                and config.tools.get("ml_frameworks") in FULL_ONLY_FRAMEWORKS)


def project_run_sample() -> dict[str, set[Check]]:
    """Where CI's mode runs the checks of the validators that run the project: for each such
    check, configurations having it (that CI's tools can run it on), taken in turn by how many
    tools of its layers they add, until together they have every tool that any of them has.
    Configuration name -> its checks to run."""
    sample: dict[str, set[Check]] = {}
    for check, having in project_running_checks().items():
        configs = [c for c in having if runs_in_ci_mode(check, c)]
        tools = {c.name: _tools_in(c, _home_layers(check)) for c in configs}
        missing = set().union(*tools.values())
        while missing:
            best = max(configs, key=lambda c: len(tools[c.name] & missing))
            sample.setdefault(best.name, set()).add(check)
            missing -= tools[best.name]
    return sample


def sample_tools(check: Check, configs: list[ProjectConfig]) -> set[tuple[str, str]]:
    """The tools of ``check``'s layers that ``configs`` have, as (aspect, tool) pairs."""
    return set().union(*(_tools_in(c, _home_layers(check)) for c in configs))


@dataclass
class Outcome:
    """What one configuration's test found."""

    config: str
    files: int = 0
    checks: int = 0  # the catalog's checks of the configuration
    reused: int = 0  # of which passed on the same bytes earlier in the session
    deferred: int = 0  # checks of validators that run the project, left out without FULL
    skipped: list[str] = field(default_factory=list)  # a tool absent here, with the reason
    problems: list[str] = field(default_factory=list)
    seconds: dict[str, float] = field(default_factory=dict)  # per validator, the runs' time
    started: float = 0.0  # wall-clock seconds (time.time()) when its test began and ended
    ended: float = 0.0

    def save(self, folder: Path) -> None:
        folder.mkdir(parents=True, exist_ok=True)
        (folder / f"{self.config}.json").write_text(json.dumps(asdict(self)), encoding="utf-8")


def load_outcomes(folder: Path) -> dict[str, Outcome]:
    return {path.stem: Outcome(**json.loads(path.read_text(encoding="utf-8")))
            for path in sorted(folder.glob("*.json"))}


def covered_pairs_total() -> int:
    values = {a.id: aspect_values(CATALOG, a) for a in CATALOG.aspects_for(READY)}
    return sum(len(values[a]) * len(values[b]) for i, a in enumerate(values)
               for b in list(values)[i + 1:])


def _shown(choice: object) -> str:
    return "+".join(choice) if isinstance(choice, tuple) else str(choice)


def configuration_cells(config: ProjectConfig) -> list[str]:
    """A configuration's row in the report, without the run's figures: name, layers, tools."""
    tools = [_shown(config.tools.get(a.id, "-")) for a in CATALOG.aspects_for(READY)]
    return [config.name, "+".join(config.layers), *tools]


def pairs_left_out() -> list[str]:
    """The report's list of pairs no configuration has, because a rule forbids each."""
    return [f"- {first[0]}={_shown(first[1])} with {second[0]}={_shown(second[1])}"
            for (first, second) in sorted(MATRIX.impossible, key=repr)]


def markdown(outcomes: dict[str, Outcome]) -> str:
    """The report of a run: the configurations, the pairs, and each result."""
    aspects = CATALOG.aspects_for(READY)
    checks = sum(o.checks for o in outcomes.values())
    reused = sum(o.reused for o in outcomes.values())
    deferred = sum(o.deferred for o in outcomes.values())
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
        "Python file compiles, `ruff check` and `ruff format --check` pass with the project's "
        "own configuration, and the validators the catalog gives its layers and tools pass.",
        f"- Validator checks: {checks}, of which {checks - reused} ran and {reused} were passes "
        "on byte-identical inputs already judged in the run (the validator's files and what it "
        "reads, as the catalog's `reads` says)."
        + (f" Left out: {deferred} checks of the validators that run the generated project's "
           "code (`runs_project` in the catalog: its tests, pipeline, DAGs, catalog ingestion); "
           "this run was without `OPSGEN_MATRIX_FULL=1`, as in CI, which runs each such check "
           "in configurations that together have every tool of its layers, the tests of "
           "PyTorch and TensorFlow projects aside." if deferred else
           " Every validator ran, those that run the project included (`OPSGEN_MATRIX_FULL=1`)."),
        f"- Passed: {sum(not o.problems for o in outcomes.values())} of {len(outcomes)}.",
        "",
        "| config | layers | files | checks (ran) | result | "
        + " | ".join(a.id for a in aspects) + " |",
        "|---|---|---:|---:|---|" + "---|" * len(aspects),
    ]
    for config in CONFIGS:
        outcome = outcomes[config.name]
        result = "pass" if not outcome.problems else "**fail**"
        if outcome.skipped:
            result += f" ({len(outcome.skipped)} skipped)"
        name, layers, *tools = configuration_cells(config)
        lines.append(f"| {name} | {layers} | {outcome.files} | "
                     f"{outcome.checks} ({outcome.checks - outcome.reused}) | {result} | "
                     + " | ".join(tools) + " |")
    skipped = sorted({reason for o in outcomes.values() for reason in o.skipped})
    if skipped:
        lines += ["", "Checks skipped (a tool this machine lacks):", ""]
        lines += [f"- {reason}" for reason in skipped]
    lines += ["", "Pairs left out (a rule forbids each):", ""]
    lines += pairs_left_out()
    return "\n".join(lines) + "\n"


def summary(outcomes: dict[str, Outcome]) -> str:
    """One line on the run: configurations, checks run and reused, wall time."""
    checks = sum(o.checks for o in outcomes.values())
    reused = sum(o.reused for o in outcomes.values())
    failed = sum(bool(o.problems) for o in outcomes.values())
    wall = (max(o.ended for o in outcomes.values()) - min(o.started for o in outcomes.values())
            if outcomes else 0.0)
    busy = sum(o.ended - o.started for o in outcomes.values())
    deferred = sum(o.deferred for o in outcomes.values())
    return (f"combination matrix: {len(outcomes)} of {len(CONFIGS)} configurations, {failed} "
            f"failed; {checks} validator checks, {checks - reused} ran, {reused} reused, "
            f"{deferred} of validators that run the project left out; "
            f"{wall:.0f} s from the first configuration's start to the last one's end, "
            f"{busy:.0f} s of test time")


def write_report(folder: Path, target: Path) -> bool:
    """Write the report if every configuration has an outcome in ``folder``; whether it did."""
    outcomes = load_outcomes(folder)
    if set(outcomes) != {config.name for config in CONFIGS}:
        return False
    target.write_text(markdown(outcomes), encoding="utf-8")
    return True
