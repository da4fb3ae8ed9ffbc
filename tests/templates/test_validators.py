"""Every generated file passes the real validator of its tool, as the catalog says.

The test matrix is derived from the catalog: the default project, then one project per
non-default tool of every aspect (the rest on defaults; a tool that a rule rejects next to the
defaults gets the choices the rule pairs it with). Each (project, check) is one test. The
negative tests break a generated file the way a template bug would and prove the check catches it.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path

import pytest
import yaml
from breakages import BREAKAGES, EVERY_BREAKAGE_BITES
from validation import (
    check_id,
    checks_for,
    matching_files,
    run_check,
    slow_validators,
)

from opsgen.catalog import BASE_LAYER, Catalog, Check, default_catalog
from opsgen.cli import main
from opsgen.config import NAME_MAX, Choice, Overrides, ProjectConfig, chosen, resolve
from opsgen.errors import ConfigError

CATALOG: Catalog = default_catalog()
SLOW = slow_validators()


# --- The configs under test, from the catalog ----------------------------------------------------


@dataclass(frozen=True)
class Setup:
    """A project to generate: its name (the folder, hence the project name) and its flags."""

    name: str
    layers: tuple[str, ...] = ()
    sets: tuple[str, ...] = ()

    @property
    def args(self) -> tuple[str, ...]:
        flags = [f for layer in self.layers for f in ("--layer", layer)]
        flags += [f for item in self.sets for f in ("--set", item)]
        return ("--defaults", *flags)

    @property
    def project_name(self) -> str:
        """The setup's name cut to the longest project name allowed: long names get tested."""
        return self.name[:NAME_MAX].rstrip("-")

    def config(self) -> ProjectConfig:
        overrides = Overrides(layers=self.layers, sets=self.sets)
        return resolve(CATALOG, {"name": self.project_name}, overrides)


DEFAULTS = Setup(name=f"{BASE_LAYER}-defaults")


def _layers_for(aspect_layers: tuple[str, ...]) -> tuple[str, ...] | None:
    """The extra layers a project needs to offer an aspect, or None if no such layer is ready."""
    if BASE_LAYER in aspect_layers:
        return ()
    ready = [layer for layer in aspect_layers if CATALOG.layer(layer).ready]
    return (ready[0],) if ready else None


def _valid(setup: Setup) -> bool:
    try:
        setup.config()
    except ConfigError:
        return False
    return True


def _with_companion(setup: Setup) -> Setup:
    """The setup, or, if a rule rejects it next to the defaults, the same plus the first other
    ``--set`` (in catalog order) that a rule allows: ELK alone needs ``incident_management=none``."""
    if _valid(setup):
        return setup
    chosen = {item.partition("=")[0] for item in setup.sets}
    for aspect in CATALOG.aspects:
        if aspect.id in chosen or not set(aspect.layers) & {BASE_LAYER, *setup.layers}:
            continue
        for tool in aspect.tools[1:]:
            extra = f"{aspect.id}={tool.id}"
            candidate = Setup(name=f"{setup.name}-{aspect.id}-{tool.id}".replace("_", "-"),
                              layers=setup.layers, sets=(*setup.sets, extra))
            if _valid(candidate):
                return candidate
    return setup
def _with_requirements(layers: tuple[str, ...], aspect_id: str, choice: Choice) -> tuple[str, ...]:
    """``--set`` flags choosing a tool, plus what the catalog's rules need along with it.

    A rule's requirement is met by adding the first allowed tool to a multi-choice aspect, or by
    choosing it for another single-choice aspect; the aspect under test is only ever added to.
    Where that is not enough, the flags are returned as they stand and the config is rejected.
    """
    defaults = dict(resolve(CATALOG, {"name": "x"}, Overrides(layers=layers)).tools)
    aspect = CATALOG.aspect(aspect_id)
    if aspect.multiple and not isinstance(choice, tuple):
        choice = (choice,)
    tools: dict[str, Choice] = {**defaults, aspect_id: choice}
    changed = True
    while changed:
        changed = False
        for rule in CATALOG.rules:
            if not all(chosen(tools, a, t) for a, t in rule.when):
                continue
            for required, allowed in rule.requires:
                if required not in tools or any(chosen(tools, required, t) for t in allowed):
                    continue
                current = tools[required]
                if isinstance(current, tuple):
                    tools[required] = (*current, allowed[0])
                elif required != aspect_id:
                    tools[required] = allowed[0]
                else:
                    continue
                changed = True
    return tuple(
        f"{a}={','.join(v) if isinstance(v, tuple) else v}"
        for a, v in tools.items() if a == aspect_id or v != defaults.get(a)
    )


def tool_setups() -> Iterator[tuple[str, Setup, str | None]]:
    """``(id, setup, reason to skip or None)`` for every non-default tool of every aspect, then for
    every multi-choice aspect with all its tools at once."""
    for aspect in CATALOG.aspects:
        layers = _layers_for(aspect.layers)
        choices = [tool.id for tool in aspect.tools[1:]]
        if aspect.multiple and len(aspect.tools) > 1:
            choices.append(",".join(aspect.tool_ids))
        for tools in choices:
            choice = f"{aspect.id}={tools}"
            if layers is None:
                yield choice, DEFAULTS, f"{choice}: none of its layers has templates yet"
                continue
            name = f"{aspect.id}-{'all' if ',' in tools else tools}".replace("_", "-")
            value: Choice = tuple(tools.split(",")) if "," in tools else tools
            # First what the rules require along with the choice (kubernetes for openshift), then,
            # if that is not enough, one more choice elsewhere (incident_management=none for ELK).
            setup = _with_companion(Setup(name=name, layers=layers,
                                          sets=_with_requirements(layers, aspect.id, value)))
            try:
                setup.config()
            except ConfigError as error:
                yield choice, setup, f"{choice} is rejected with the defaults: {error}"
            else:
                yield choice, setup, None


def default_setups() -> list[Setup]:
    """The base layer on defaults, then each other ready layer added to it on defaults."""
    others = [layer.id for layer in CATALOG.layers if layer.ready and layer.id != BASE_LAYER]
    return [DEFAULTS, *(Setup(name=f"{layer}-defaults", layers=(layer,)) for layer in others)]


def default_check_params() -> list[object]:
    params: list[object] = []
    for setup in default_setups():
        for check in checks_for(CATALOG, setup.config()):
            marks = [pytest.mark.slow] if check.validator in SLOW else []
            params.append(pytest.param(setup, check, marks=marks,
                                       id=f"{setup.name}-{check_id(check)}"))
    return params


def tool_check_params() -> list[object]:
    params: list[object] = []
    tested: dict[Setup, str] = {}
    for choice, setup, skip in tool_setups():
        if skip is None and setup in tested:
            skip = f"{choice}: same project as {tested[setup]}, tested there"
        if skip is not None:
            params.append(pytest.param(setup, None, id=choice,
                                       marks=[pytest.mark.slow, pytest.mark.skip(reason=skip)]))
            continue
        tested[setup] = choice
        for check in checks_for(CATALOG, setup.config()):
            params.append(pytest.param(setup, check, marks=[pytest.mark.slow],
                                       id=f"{choice}-{check_id(check)}"))
    return params


# --- Generated projects, once per setup per session ----------------------------------------------


@pytest.fixture(scope="session")
def project_for(
    tmp_path_factory: pytest.TempPathFactory,
) -> Callable[[Setup], Path]:
    """Generate (once per session) the project of a setup; returns its folder."""
    made: dict[Setup, Path | str] = {}

    def generate(setup: Setup) -> Path:
        if setup not in made:
            dest = tmp_path_factory.mktemp("generated") / setup.project_name
            out = io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                code = main(["new", str(dest), *setup.args])
            made[setup] = (
                dest if code == 0
                else f"`opsgen new DEST {' '.join(setup.args)}` exited {code}:\n{out.getvalue()}"
            )
        result = made[setup]
        if isinstance(result, str):
            raise AssertionError(result)
        return result

    return generate


@pytest.mark.parametrize(("setup", "check"), default_check_params())
def test_default_project_passes(
    project_for: Callable[[Setup], Path], setup: Setup, check: Check
) -> None:
    run_check(project_for(setup), check, CATALOG)


@pytest.mark.parametrize(("setup", "check"), tool_check_params())
def test_every_tool_passes(
    project_for: Callable[[Setup], Path], setup: Setup, check: Check
) -> None:
    run_check(project_for(setup), check, CATALOG)


def test_the_default_project_has_checks() -> None:  # the parametrized tests could be vacuous
    assert checks_for(CATALOG, DEFAULTS.config()), "the catalog gives the default project no check"


# --- A description that quoting, Jinja and encodings could trip on -------------------------------

TRICKY_DESCRIPTION = "He said \"hi\" {{ x }} {% if %} 'q'\nünïcode ✓"
PARSERS: dict[str, Callable[[Path], object]] = {
    ".yml": lambda p: list(yaml.safe_load_all(p.read_text(encoding="utf-8"))),
    ".yaml": lambda p: list(yaml.safe_load_all(p.read_text(encoding="utf-8"))),
    ".toml": lambda p: tomllib.loads(p.read_text(encoding="utf-8")),
    ".json": lambda p: json.loads(p.read_text(encoding="utf-8")),
    ".py": lambda p: compile(p.read_bytes(), str(p), "exec", dont_inherit=True),
}


@pytest.fixture(scope="module")
def tricky_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("tricky")
    config = root / "opsgen.yaml"
    config.write_text(
        yaml.safe_dump({"name": "tricky-desc", "description": TRICKY_DESCRIPTION},
                       allow_unicode=True),
        encoding="utf-8",
    )
    dest = root / "tricky-desc"
    assert main(["new", str(dest), "--config", str(config)]) == 0
    return dest


def test_a_tricky_description_keeps_every_file_parseable(tricky_project: Path) -> None:
    failures = []
    parsed = 0
    for path in sorted(tricky_project.rglob("*")):
        parse = PARSERS.get(path.suffix)
        if parse is None or ".git" in path.relative_to(tricky_project).parts:
            continue
        parsed += 1
        try:
            parse(path)
        except Exception as error:  # each parser has its own error type
            failures.append(f"{path.relative_to(tricky_project)}: {type(error).__name__}: {error}")
    assert parsed, "no parseable file was generated"
    assert not failures, "\n".join(failures)


def test_a_tricky_description_is_kept_literally(tricky_project: Path) -> None:
    answers = yaml.safe_load((tricky_project / ".copier-answers.yml").read_text(encoding="utf-8"))
    assert answers["description"] == TRICKY_DESCRIPTION
    readme = tricky_project / "README.md"
    assert readme.is_file(), "the project has no README.md"
    assert TRICKY_DESCRIPTION in readme.read_text(encoding="utf-8")


# --- Negative tests: the runner bites --------------------------------------------------------------
# Each breakage is keyed by the glob of the files it breaks (project paths, not tools). Every check
# the positive tests run (on the first project that has it, see negative_cases) must fail on at
# least one of its breakages; together with the positive tests (the same check passes on the
# unbroken file) that proves it discriminates.


def negative_cases() -> dict[Check, Setup]:
    """Every check of the catalog's test projects, with the first project that has it: the default
    project (and the other layers on defaults), then one project per non-default tool."""
    setups = [*default_setups(), *(setup for _, setup, skip in tool_setups() if skip is None)]
    cases: dict[Check, Setup] = {}
    for setup in setups:
        for check in checks_for(CATALOG, setup.config()):
            cases.setdefault(check, setup)
    return cases


def negative_params() -> list[object]:
    params: list[object] = []
    for check, setup in negative_cases().items():
        if check.files in BREAKAGES:
            slow = check.validator in SLOW or setup not in default_setups()
            params.append(pytest.param(setup, check, marks=[pytest.mark.slow] if slow else [],
                                       id=check_id(check)))
    return params


def test_every_check_has_a_breakage() -> None:
    uncovered = [check_id(c) for c in negative_cases() if c.files not in BREAKAGES]
    assert not uncovered, f"no negative test breaks the files of: {uncovered}"


@pytest.mark.parametrize(("setup", "check"), negative_params())
def test_a_broken_file_fails_its_check(
    project_for: Callable[[Setup], Path], tmp_path: Path, setup: Setup, check: Check
) -> None:
    source = project_for(setup)
    if not matching_files(source, check.files):
        pytest.skip(f"nothing to break: {check.files!r} matches no generated file "
                    "(the positive test of this check fails for it)")
    every = check.files in EVERY_BREAKAGE_BITES
    outcomes = []
    for index, breakage in enumerate(BREAKAGES[check.files]):
        broken = tmp_path / f"broken-{index}"
        shutil.copytree(source, broken, symlinks=True)
        breakage(broken, matching_files(broken, check.files))
        try:
            run_check(broken, check, CATALOG)
        except AssertionError as error:
            first_line = str(error).splitlines()[0]
            outcomes.append(f"{breakage.__name__}: caught ({first_line})")
            if not every:
                return
            continue
        outcomes.append(f"{breakage.__name__}: passed")
    if every and all(": caught" in outcome for outcome in outcomes):
        return
    raise AssertionError(
        f"{check.validator} passed {'a' if every else 'every'} broken copy of {check.files}:\n"
        + "\n".join(outcomes)
    )
