"""Every generated file passes the real validator of its tool, as the catalog says.

The test matrix is derived from the catalog: the default project, then one project per
non-default tool of every aspect (the rest on defaults; a tool that a rule rejects next to the
defaults gets the choices the rule pairs it with). Each (project, check) is one test. The
negative tests break a generated file the way a template bug would and prove the check catches it.

Every project is generated under one name, the combination matrix's, so that a check whose
inputs are byte-identical to ones already judged in the session passes without running again
(tests/verdicts.py), whichever test judged them; one more project, every layer on defaults, has
the longest name allowed, so that every default tool's validator also sees such a name.
"""

from __future__ import annotations

import contextlib
import io
import json
import shutil
import tomllib
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import yaml
from breakages import BREAKAGES, EVERY_BREAKAGE_BITES
from combinations import PROJECT
from setups import CATALOG, DEFAULTS, Setup, layers_for, with_companion, with_requirements
from validation import (
    check_id,
    checks_for,
    matching_files,
    run_check,
    slow_validators,
)
from verdicts import run_once, session_store

from opsgen.catalog import BASE_LAYER, Check
from opsgen.cli import main
from opsgen.config import NAME_MAX, Choice
from opsgen.errors import ConfigError

SLOW = slow_validators()


# --- The configs under test, from the catalog ----------------------------------------------------


def tool_setups() -> Iterator[tuple[str, Setup, str | None]]:
    """``(id, setup, reason to skip or None)`` for every non-default tool of every aspect, then for
    every multi-choice aspect with all its tools at once."""
    for aspect in CATALOG.aspects:
        layers = layers_for(aspect.layers)
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
            yield _judged(choice, with_companion(Setup(
                name=name, layers=layers, sets=with_requirements(layers, aspect.id, value))))
            for layer in _other_scoped_layers(aspect.id, tools.split(","), layers):
                yield _judged(f"{layer}+{choice}", with_companion(Setup(
                    name=f"{layer}-{name}", layers=(layer,),
                    sets=with_requirements((layer,), aspect.id, value))))
    yield from pairing_setups()
    yield from cross_layer_setups()


def _other_scoped_layers(aspect_id: str, tools: list[str], tested: tuple[str, ...]) -> list[str]:
    """The ready layers, other than those tested already, that some check of these tools is
    scoped to: Airflow's data DAG is checked in a DataOps project of its own."""
    aspect = CATALOG.aspect(aspect_id)
    scoped = {check.layer for tool in tools for check in aspect.tool(tool).checks}
    return [layer.id for layer in CATALOG.layers
            if layer.id in scoped and layer.ready and layer.id not in tested]


def cross_layer_setups() -> Iterator[tuple[str, Setup, str | None]]:
    """Base-layer tools that write more files in another layer's project: the MLOps layer's
    model server gets a Deployment (deploy/k8s/model) and an image (serving/Dockerfile) on
    Kubernetes, which the Kubernetes and Docker checks must cover too; a data quality tool
    checks the DataOps layer's datasets as well as the MLOps layer's training data."""
    sets = with_requirements(("mlops",), "containerization", ("kubernetes",))
    yield _judged("mlops+containerization=kubernetes",
                  Setup(name="mlops-kubernetes", layers=("mlops",), sets=sets))
    # Great Expectations checks the DataOps layer's data too (src/*/data/quality.py), run by the
    # layer's data tests.
    sets = with_requirements(("dataops",), "data_quality", "great_expectations")
    yield _judged("dataops+data_quality=great_expectations",
                  Setup(name="dataops-great-expectations", layers=("dataops",), sets=sets))


def _judged(choice: str, setup: Setup) -> tuple[str, Setup, str | None]:
    """``(choice, setup, reason to skip or None)``: the reason is the config's rejection."""
    try:
        setup.config()
    except ConfigError as error:
        return choice, setup, f"{choice} is rejected with the defaults: {error}"
    return choice, setup, None


def pairing_setups() -> Iterator[tuple[str, Setup, str | None]]:
    """A tool that a rule lets go with several tools of a single-choice aspect writes other files
    with each (aws_ecs: Terraform or CloudFormation): one project per pairing that
    :func:`tool_setups` does not make already."""
    for rule in CATALOG.rules:
        if len(rule.when) != 1:
            continue
        (aspect_id, tool_id), = rule.when
        aspect = CATALOG.aspect(aspect_id)
        layers = layers_for(aspect.layers)
        if layers is None:
            continue
        base = with_requirements(layers, aspect_id, (tool_id,) if aspect.multiple else tool_id)
        for required, allowed in rule.requires:
            if len(allowed) < 2 or CATALOG.aspect(required).multiple:
                continue
            made = with_companion(Setup(name="base", layers=layers, sets=base)).config()
            for other in allowed:
                if made.tools.get(required) == other:
                    continue
                choice = f"{aspect_id}={tool_id}+{required}={other}"
                sets = (*(s for s in base if not s.startswith(f"{required}=")),
                        f"{required}={other}")
                name = f"{aspect_id}-{tool_id}-{other}".replace("_", "-")
                yield _judged(choice, with_companion(Setup(name=name, layers=layers, sets=sets)))


_OTHER_LAYERS = tuple(layer.id for layer in CATALOG.layers
                      if layer.ready and layer.id != BASE_LAYER)
# Every layer on defaults, under a project name of the longest length allowed (the only setup
# not generated under the shared name).
LONG_NAME = Setup(name="every-layer-on-defaults-under-the-longest-name", layers=_OTHER_LAYERS)
assert len(LONG_NAME.project_name) == NAME_MAX


def default_setups() -> list[Setup]:
    """The base layer on defaults, then each other ready layer added to it on defaults, then
    all layers under the longest name."""
    layers = [Setup(name=f"{layer}-defaults", layers=(layer,)) for layer in _OTHER_LAYERS]
    return [DEFAULTS, *layers, LONG_NAME]


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
            name = setup.project_name if setup == LONG_NAME else PROJECT
            dest = tmp_path_factory.mktemp("generated") / name
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
    run_once(project_for(setup), check, CATALOG, session_store())


@pytest.mark.parametrize(("setup", "check"), tool_check_params())
def test_every_tool_passes(
    project_for: Callable[[Setup], Path], setup: Setup, check: Check
) -> None:
    run_once(project_for(setup), check, CATALOG, session_store())


# --- Every CI deploys with every deployment tool -------------------------------------------------
# A CI's deploy stages depend on the deployment tool (its image, settings and gates), so each
# pair is generated: the CI's own checks must pass and its pipeline must run deploy/deploy.sh for
# staging and for production.

CI_ASPECT, CD_ASPECT = "continuous_integration", "continuous_deployment"


def _pair_setup(ci: str, cd: str) -> Setup:
    sets = {item.partition("=")[0]: item
            for item in with_requirements((), CD_ASPECT, cd)}
    sets[CI_ASPECT] = f"{CI_ASPECT}={ci}"
    return Setup(name=f"{ci}-{cd}".replace("_", "-"), sets=tuple(sets.values()))


def pair_params() -> list[object]:
    params: list[object] = []
    for ci in CATALOG.aspect(CI_ASPECT).tools:
        for cd in CATALOG.aspect(CD_ASPECT).tools:
            setup = _pair_setup(ci.id, cd.id)
            try:
                setup.config()
            except ConfigError as error:
                params.append(pytest.param(setup, ci.id, id=f"{ci.id}-{cd.id}",
                                           marks=pytest.mark.skip(reason=str(error))))
                continue
            params.append(pytest.param(setup, ci.id, id=f"{ci.id}-{cd.id}",
                                       marks=[pytest.mark.slow]))
    return params


@pytest.mark.parametrize(("setup", "ci"), pair_params())
def test_every_ci_deploys_with_every_deployment_tool(
    project_for: Callable[[Setup], Path], setup: Setup, ci: str
) -> None:
    project = project_for(setup)
    checks = CATALOG.aspect(CI_ASPECT).tool(ci).checks
    files = sorted({name for check in checks for name in matching_files(project, check.files)})
    assert files, f"{ci}: its checks match no pipeline file"
    pipeline = "\n".join((project / name).read_text(encoding="utf-8") for name in files)
    for env in ("staging", "production"):
        assert f"deploy/deploy.sh {env}" in pipeline, f"{ci}: no stage runs deploy/deploy.sh {env}"
    # The deploy settings these pipelines and the README name must not look like secrets.
    scanning = CATALOG.aspect("data_privacy_security").tool("secret_scanning").checks
    for check in (*checks, *scanning):
        run_once(project, check, CATALOG, session_store())


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
