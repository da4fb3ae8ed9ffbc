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
import subprocess
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
import yaml
from validation import (
    check_id,
    checks_for,
    matching_files,
    run_check,
    slow_validators,
)

from opsgen.catalog import BASE_LAYER, Catalog, Check, default_catalog
from opsgen.cli import main
from opsgen.config import Choice, Overrides, ProjectConfig, chosen, resolve
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

    def config(self) -> ProjectConfig:
        overrides = Overrides(layers=self.layers, sets=self.sets)
        return resolve(CATALOG, {"name": self.name}, overrides)


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
            dest = tmp_path_factory.mktemp("generated") / setup.name
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

Breakage = Callable[[Path, list[str]], None]


def _edit_yaml(path: Path, edit: Callable[[Any], None]) -> None:
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(yaml.safe_dump(data, sort_keys=False, allow_unicode=True), encoding="utf-8")


def _edit_workflow(path: Path, edit: Callable[[Any], None]) -> None:
    """Edit a workflow as YAML, keeping its ``on:`` key (YAML 1.1 loads it as ``True``)."""
    def edit_keeping_on(data: Any) -> None:
        if True in data:
            data["on"] = data.pop(True)
        edit(data)
    _edit_yaml(path, edit_keeping_on)


def _append(path: Path, text: str) -> None:
    path.write_text(path.read_text(encoding="utf-8") + text, encoding="utf-8")


def _first_alert(data: Any) -> Any:
    return next(r for g in data["groups"] for r in g["rules"] if "alert" in r)


def _break_promql(root: Path, files: list[str]) -> None:
    _edit_yaml(root / files[0], lambda d: _first_alert(d).update(expr="rate(up[5m]"))


def _drop_runbook(root: Path, files: list[str]) -> None:
    _edit_yaml(root / files[0],
               lambda d: _first_alert(d).get("annotations", {}).pop("runbook_url", None))


def _orphan_runbook(root: Path, files: list[str]) -> None:
    runbooks = root / "docs" / "runbooks"
    runbooks.mkdir(parents=True, exist_ok=True)
    (runbooks / "NoSuchAlert.md").write_text("# NoSuchAlert\n", encoding="utf-8")


def _expect_no_alert(root: Path, files: list[str]) -> None:
    def edit(data: Any) -> None:
        for case in data["tests"]:
            for alert_test in case.get("alert_rule_test") or ():
                if alert_test.get("exp_alerts"):
                    alert_test["exp_alerts"] = []
                    return
        raise AssertionError("breakage: no alert_rule_test expects an alert")
    _edit_yaml(root / files[0], edit)


def _duplicate_scrape_job(root: Path, files: list[str]) -> None:
    _edit_yaml(root / files[0],
               lambda d: d["scrape_configs"].append(dict(d["scrape_configs"][0])))


def _undefined_receiver(root: Path, files: list[str]) -> None:
    _edit_yaml(root / files[0], lambda d: d["route"].update(receiver="nobody-here"))


def _unknown_service_key(root: Path, files: list[str]) -> None:
    def edit(data: Any) -> None:
        next(iter(data["services"].values()))["no_such_compose_key"] = True
    _edit_yaml(root / files[0], edit)


def _unpinned_apt(root: Path, files: list[str]) -> None:
    _append(root / files[0], "\nRUN apt-get update && apt-get install curl\n")


def _root_user(root: Path, files: list[str]) -> None:
    _append(root / files[0], "\nUSER root\n")


def _ssh_open_to_the_world(root: Path, files: list[str]) -> None:
    _append(root / files[0], (
        '\nresource "aws_security_group" "opsgen_broken" {\n'
        '  description = "broken on purpose"\n'
        '  ingress {\n'
        '    description = "ssh from anywhere"\n'
        '    from_port   = 22\n'
        '    to_port     = 22\n'
        '    protocol    = "tcp"\n'
        '    cidr_blocks = ["0.0.0.0/0"]\n'
        '  }\n'
        '}\n'
    ))


def _unbalanced_groovy(root: Path, files: list[str]) -> None:
    _append(root / files[0], "\nstage('Broken') {\n    steps {\n")


def _misspelled_job_key(root: Path, files: list[str]) -> None:
    def edit(data: Any) -> None:
        job = next(iter(data["jobs"].values()))
        job["runs-onn"] = job.pop("runs-on")
    _edit_workflow(root / files[0], edit)


def _needs_unknown_job(root: Path, files: list[str]) -> None:
    def edit(data: Any) -> None:
        next(iter(data["jobs"].values()))["needs"] = ["no-such-job"]
    _edit_workflow(root / files[0], edit)


def _script_injection(root: Path, files: list[str]) -> None:
    def edit(data: Any) -> None:
        data["on"] = {"pull_request_target": None}
        data["jobs"]["injected"] = {
            "runs-on": "ubuntu-24.04",
            "permissions": {"contents": "write"},
            "steps": [
                {"uses": "actions/checkout@11bd71901bbe5b1630ceea73d27597364c9af683",
                 "with": {"ref": "${{ github.event.pull_request.head.sha }}"}},
                {"run": 'echo "${{ github.event.pull_request.title }}"'},
            ],
        }
    _edit_workflow(root / files[0], edit)


def _gitlab_jobs(data: Any) -> list[Any]:
    """The visible jobs of a GitLab pipeline (not hidden templates, not global keywords)."""
    keywords = {"include", "workflow", "stages", "variables", "default", "image", "services",
                "cache", "before_script", "after_script"}
    return [job for name, job in data.items()
            if name not in keywords and not name.startswith(".") and isinstance(job, dict)]


def _gitlab_misspelled_job_key(root: Path, files: list[str]) -> None:
    def edit(data: Any) -> None:
        job = next(j for j in _gitlab_jobs(data) if "stage" in j)
        job["stagee"] = job.pop("stage")
    _edit_yaml(root / files[0], edit)


def _gitlab_needs_unknown_job(root: Path, files: list[str]) -> None:
    _edit_yaml(root / files[0], lambda d: _gitlab_jobs(d)[-1].update(needs=["no-such-job"]))


def _gitlab_broken_included_template(root: Path, files: list[str]) -> None:
    # A bug in an included file: only the expanded pipeline shows it (hidden templates are not
    # jobs, so a schema check of the file alone passes).
    def edit(data: Any) -> None:
        template = next(v for k, v in data.items() if k.startswith(".") and isinstance(v, dict))
        template["interruptible"] = "sometimes"
    for included in sorted((root / ".gitlab" / "ci").glob("*.yml")):
        _edit_yaml(included, edit)
        return
    raise AssertionError("breakage: no .gitlab/ci/*.yml to break")


def _gitlab_included_job_typo(root: Path, files: list[str]) -> None:
    # As a layer's file next to base.yml would have it: a job with a misspelled keyword.
    _edit_yaml(root / files[0], lambda d: d.update(
        {"opsgen-broken": {"stage": "test", "script": ["true"], "need": []}}))


def _circleci_misspelled_job_key(root: Path, files: list[str]) -> None:
    def edit(data: Any) -> None:
        job = next(iter(data["jobs"].values()))
        job["executorr"] = job.pop("executor")
    _edit_yaml(root / files[0], edit)


def _azure_misspelled_job_key(root: Path, files: list[str]) -> None:
    def edit(data: Any) -> None:
        job = data["stages"][0]["jobs"][0]
        job["stepss"] = job.pop("steps")
    _edit_yaml(root / files[0], edit)


def _travis_unknown_dist(root: Path, files: list[str]) -> None:
    _edit_yaml(root / files[0], lambda d: d.update(dist="noble-numbat"))


def _bamboo_misspelled_stage_key(root: Path, files: list[str]) -> None:
    def edit(data: Any) -> None:
        stage = next(iter(data["stages"][0].values()))
        stage["job"] = stage.pop("jobs")
    _edit_yaml(root / files[0], edit)


def _broken_toml(root: Path, files: list[str]) -> None:
    _append(root / files[0], '\n[project\nname = "x"\n')


def _broken_python(root: Path, files: list[str]) -> None:
    _append(root / files[0], "\ndef broken(:\n    pass\n")


def _unformatted_terraform(root: Path, files: list[str]) -> None:
    tf = sorted((root / files[0]).glob("*.tf"))[0]
    _append(tf, '\nvariable "opsgen_broken" {\ndefault="x"\n}\n')


def _unbalanced_hcl(root: Path, files: list[str]) -> None:
    _append(root / files[0], '\nresource "null_resource" "broken" {\n')


def _dashboard_without_grid(root: Path, files: list[str]) -> None:
    path = root / files[0]
    data = json.loads(path.read_text(encoding="utf-8"))
    del data["panels"][0]["gridPos"]
    data["panels"][-1]["targets"] = []
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


def _incomplete_hook(root: Path, files: list[str]) -> None:
    _edit_yaml(root / files[0],
               lambda d: d["repos"].append({"repo": "local", "hooks": [{"id": "broken"}]}))


def _committed_secret(root: Path, files: list[str]) -> None:
    leak = root / "leaked_settings.py"
    leak.write_text(
        'AWS_ACCESS_KEY_ID = "AKIAZ3MSJV2WQPLXN4TB"\n'
        'AWS_SECRET_ACCESS_KEY = "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"\n',
        encoding="utf-8",
    )
    subprocess.run(["git", "-C", str(root), "add", leak.name], check=True)


def _unknown_module(root: Path, files: list[str]) -> None:
    # Appended as text: a YAML round trip would re-indent the playbook, which ansible-lint
    # reports on its own.
    _append(root / files[0], "\n- name: Broken play\n  hosts: all\n  tasks:\n"
                             "    - name: Use a module that does not exist\n"
                             "      opsgen_no_such_module:\n        x: 1\n")


def _cfn_insert_resource(path: Path, resource: str) -> None:
    """Insert a resource first under ``Resources:`` (as text: the template uses ``!Ref`` tags)."""
    text = path.read_text(encoding="utf-8")
    assert "\nResources:\n" in text, f"breakage: {path} has no Resources section"
    path.write_text(text.replace("\nResources:\n", "\nResources:\n" + resource, 1),
                    encoding="utf-8")


def _cfn_bad_property_value(root: Path, files: list[str]) -> None:
    _cfn_insert_resource(root / files[0], "  OpsgenBroken:\n    Type: AWS::S3::Bucket\n"
                                          "    Properties:\n      VersioningConfiguration:\n"
                                          "        Status: Sometimes\n")


def _cfn_dangling_ref(root: Path, files: list[str]) -> None:
    _cfn_insert_resource(root / files[0], "  OpsgenBroken:\n    Type: AWS::SNS::Topic\n"
                                          "    Properties:\n"
                                          "      TopicName: !Ref NoSuchParameter\n")


def _edit_cfn_parameters(path: Path, edit: Callable[[list[dict[str, str]]], None]) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


def _cfn_disallowed_parameter_value(root: Path, files: list[str]) -> None:
    def edit(data: list[dict[str, str]]) -> None:
        for parameter in data:
            if parameter["ParameterKey"] == "Environment":
                parameter["ParameterValue"] = "opsgen-no-such-environment"
                return
        raise AssertionError("breakage: the parameter file sets no Environment")
    _edit_cfn_parameters(root / files[0], edit)


def _cfn_unknown_parameter(root: Path, files: list[str]) -> None:
    _edit_cfn_parameters(root / files[0], lambda d: d.append(
        {"ParameterKey": "OpsgenNoSuchParameter", "ParameterValue": "x"}))


def _misspelled_salt_function(root: Path, files: list[str]) -> None:
    init = root / Path(files[0]).parent / "app_service" / "init.sls"
    init.write_text(init.read_text(encoding="utf-8").replace("pkg.installed:", "pkg.instaled:", 1),
                    encoding="utf-8")


def _dangling_salt_requisite(root: Path, files: list[str]) -> None:
    _append(root / Path(files[0]).parent / "app_service" / "init.sls",
            "\nopsgen-broken:\n  cmd.run:\n    - name: 'true'\n    - require:\n"
            "      - file: no-such-state\n")


def _broken_sls_yaml(root: Path, files: list[str]) -> None:
    _append(root / Path(files[0]).parent / "app_service" / "init.sls",
            "\nopsgen-broken:\n  cmd.run:\n    - name: [\n")


def _unclosed_puppet_class(root: Path, files: list[str]) -> None:
    _append(root / files[0], "\nclass opsgen_broken {\n  notify { 'x': }\n")


def _unclosed_epp_block(root: Path, files: list[str]) -> None:
    _append(root / files[0], "\n<% if $facts { -%>\nnever closed\n")


def _unlinted_puppet(root: Path, files: list[str]) -> None:
    # Valid Puppet that breaks the style guide: a double-quoted constant, an unquoted mode.
    _append(root / files[0] / "manifests" / "site.pp",
            '\nnode "opsgen-broken" {\n  file { "/tmp/opsgen-broken":\n    mode => 644,\n'
            "    ensure => file,\n  }\n}\n")


def _broken_ruby(root: Path, files: list[str]) -> None:
    _append(root / files[0], "\ndef opsgen_broken(\n")


def _unclosed_erb_block(root: Path, files: list[str]) -> None:
    _append(root / files[0], "\n<% if @opsgen_broken %>\nnever closed\n")


def _unclosed_block(root: Path, files: list[str]) -> None:
    # The classic hand-edit mistake: a closing brace goes missing (here the last one).
    path = root / files[0]
    text = path.read_text(encoding="utf-8").rstrip()
    assert text.endswith("}"), "breakage: the pipeline does not end with a closing brace"
    path.write_text(text[:-1], encoding="utf-8")


def _pipeline_without_output(root: Path, files: list[str]) -> None:
    path = root / files[0]
    text = path.read_text(encoding="utf-8")
    path.write_text(text[: text.index("output {")], encoding="utf-8")


def _filebeat_without_output(root: Path, files: list[str]) -> None:
    _edit_yaml(root / files[0], lambda d: d.pop("output.logstash"))


def _filebeat_input_without_paths(root: Path, files: list[str]) -> None:
    _edit_yaml(root / files[0], lambda d: d["filebeat.inputs"][0].pop("paths"))


def _broken_yaml(root: Path, files: list[str]) -> None:
    _append(root / files[0], "\nsettings: [unclosed\n")
def _misspelled_probe(root: Path, files: list[str]) -> None:
    deployment = next(name for name in files if name.endswith("deployment.yaml"))

    def edit(data: Any) -> None:
        container = data["spec"]["template"]["spec"]["containers"][0]
        container["livenessprobe"] = container.pop("livenessProbe")
    _edit_yaml(root / deployment, edit)


def _missing_kustomize_resource(root: Path, files: list[str]) -> None:
    _edit_yaml(root / files[0] / "kustomization.yaml",
               lambda d: d["resources"].append("no-such-manifest.yaml"))


def _route_to_unknown_port(root: Path, files: list[str]) -> None:
    _edit_yaml(root / files[0], lambda d: d["spec"]["port"].update(targetPort="no-such-port"))


def _route_without_tls(root: Path, files: list[str]) -> None:
    _edit_yaml(root / files[0], lambda d: d["spec"]["tls"].update(termination="edgy"))


def _misspelled_backend(root: Path, files: list[str]) -> None:
    def edit(data: Any) -> None:
        data["spec"]["defaultbackend"] = data["spec"].pop("defaultBackend")
    _edit_yaml(root / files[0], edit)


def _wildcard_certificate(root: Path, files: list[str]) -> None:
    _edit_yaml(root / files[0], lambda d: d["spec"].update(domains=["*.example.com"]))


def _unknown_task_property(root: Path, files: list[str]) -> None:
    # Edited as text: the template's !Ref/!Sub tags do not survive a safe_load round trip.
    path = root / files[0]
    text = path.read_text(encoding="utf-8")
    assert '      Cpu: "256"\n' in text, "breakage: no task Cpu to misspell"
    path.write_text(text.replace('      Cpu: "256"\n', '      CPU: "256"\n'), encoding="utf-8")


def _drop_secrets_rule(root: Path, files: list[str]) -> None:
    path = root / files[0]
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(x for x in lines if x.strip() not in ("secrets", "secrets/")),
                    encoding="utf-8")


def _invalid_hgignore_regexp(root: Path, files: list[str]) -> None:
    _append(root / files[0], "\nsyntax: regexp\n(unclosed\n")


def _unparseable_hgrc(root: Path, files: list[str]) -> None:
    _append(root / files[0], "\nthis line is no setting\n")


def _misspelled_hook_type(root: Path, files: list[str]) -> None:
    path = root / files[0]
    path.write_text(path.read_text(encoding="utf-8").replace("precommit.", "precomit."),
                    encoding="utf-8")


def _hook_accepts_everything(root: Path, files: list[str]) -> None:
    path = root / files[0]
    shebang, rest = path.read_text(encoding="utf-8").split("\n", 1)
    path.write_text(f"{shebang}\nexit 0\n{rest}", encoding="utf-8")


def _unquoted_cd(root: Path, files: list[str]) -> None:
    path = root / files[0]
    text = path.read_text(encoding="utf-8")
    assert "\nset -eu\n" in text, "breakage: the script has no `set -eu` line"
    path.write_text(text.replace("\nset -eu\n", "\nset -eu\ncd $1\n", 1), encoding="utf-8")


def _character_class(root: Path, files: list[str]) -> None:
    _append(root / files[0], "\n*.py[cod]\n")


def _misspelled_trigger_type(root: Path, files: list[str]) -> None:
    path = root / files[0]
    path.write_text(path.read_text(encoding="utf-8").replace("change-submit", "change-sumbit"),
                    encoding="utf-8")


BREAKAGES: dict[str, list[Breakage]] = {
    "Dockerfile": [_unpinned_apt, _root_user],
    "compose.yaml": [_unknown_service_key],
    "monitoring/prometheus/prometheus.yml": [_duplicate_scrape_job],
    "monitoring/prometheus/rules/*.yml": [_break_promql, _drop_runbook, _orphan_runbook],
    "monitoring/prometheus/tests/*.yml": [_expect_no_alert],
    "monitoring/alertmanager/alertmanager.yml": [_undefined_receiver],
    "monitoring/grafana/dashboards/*.json": [_dashboard_without_grid],
    ".github/workflows/*.yml": [_misspelled_job_key, _needs_unknown_job, _script_injection],
    ".gitlab-ci.yml": [_gitlab_misspelled_job_key, _gitlab_needs_unknown_job,
                       _gitlab_broken_included_template],
    ".gitlab/ci/*.yml": [_gitlab_included_job_typo],
    ".circleci/config.yml": [_circleci_misspelled_job_key],
    "azure-pipelines.yml": [_azure_misspelled_job_key],
    ".travis.yml": [_travis_unknown_dist],
    "bamboo-specs/bamboo.yml": [_bamboo_misspelled_stage_key],
    "pyproject.toml": [_broken_toml],
    "**/*.py": [_broken_python],
    "infra/terraform": [_unformatted_terraform],
    "infra/terraform/*.tf": [_unbalanced_hcl, _ssh_open_to_the_world],
    ".pre-commit-config.yaml": [_incomplete_hook],
    "Jenkinsfile": [_unbalanced_groovy],
    ".secrets.baseline": [_committed_secret],
    "deploy/ansible/site.yml": [_unknown_module],
    "infra/cloudformation/template.yaml": [_cfn_bad_property_value, _cfn_dangling_ref],
    "infra/cloudformation/environments/*.json": [_cfn_disallowed_parameter_value,
                                                 _cfn_unknown_parameter],
    "deploy/salt/states/top.sls": [_misspelled_salt_function, _dangling_salt_requisite,
                                   _broken_sls_yaml],
    "deploy/puppet/**/*.pp": [_unclosed_puppet_class],
    "deploy/puppet/**/*.epp": [_unclosed_epp_block],
    "deploy/puppet": [_unlinted_puppet],
    "deploy/chef/**/*.rb": [_broken_ruby],
    "deploy/chef/**/*.erb": [_unclosed_erb_block],
    "monitoring/elk/logstash/pipeline/*.conf": [_unclosed_block, _pipeline_without_output],
    "monitoring/elk/filebeat/filebeat.yml": [_filebeat_without_output,
                                             _filebeat_input_without_paths],
    "monitoring/elk/logstash/config/logstash.yml": [_broken_yaml],
    "deploy/k8s/**/[!k]*.yaml": [_misspelled_probe],
    "deploy/k8s/overlays/*": [_missing_kustomize_resource],
    "deploy/openshift": [_missing_kustomize_resource],
    "deploy/openshift/route.yaml": [_route_to_unknown_port, _route_without_tls],
    "deploy/gke": [_missing_kustomize_resource],
    "deploy/gke/ingress.yaml": [_misspelled_backend],
    "deploy/gke/managedcertificate.yaml": [_wildcard_certificate],
    "deploy/ecs/service.yaml": [_unknown_task_property],
    ".hgignore": [_invalid_hgignore_regexp, _drop_secrets_rule],
    "hooks/hgrc": [_unparseable_hgrc, _misspelled_hook_type],
    "svn/hooks/pre-commit": [_hook_accepts_everything, _unquoted_cd],
    ".p4ignore": [_drop_secrets_rule, _character_class],
    "p4/triggers.txt": [_misspelled_trigger_type],
    "p4/triggers/*.sh": [_unquoted_cd],
}
# Breakages that each must be caught on their own (not just one of the list): they prove a part
# of a builtin validator that the others do not reach.
EVERY_BREAKAGE_BITES = {"deploy/salt/states/top.sls"}


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
