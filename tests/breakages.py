"""Deliberately broken copies of generated files: each must make its check fail.

Keyed by the glob of the files a breakage breaks (project paths, not tools), so a check of any
tool that covers those files is proven to bite.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Callable
from pathlib import Path
from typing import Any

import yaml

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


def _misspelled_kind(root: Path, files: list[str]) -> None:
    """A kind no schema has: kubernetes-validate only warns about it."""
    deployment = root / next(name for name in files if name.endswith("deployment.yaml"))
    text = deployment.read_text(encoding="utf-8")
    assert "kind: Deployment\n" in text, "breakage: the deployment has no kind: Deployment"
    deployment.write_text(text.replace("kind: Deployment\n", "kind: Deploymnt\n", 1),
                          encoding="utf-8")


def _missing_kustomize_resource(root: Path, files: list[str]) -> None:
    _edit_yaml(root / files[0] / "kustomization.yaml",
               lambda d: d["resources"].append("no-such-manifest.yaml"))


def _tighter_objective(root: Path, files: list[str]) -> None:
    """An objective changed without its alerts: they still burn the old budget."""
    _edit_yaml(root / files[0], lambda d: d["slos"][0].update(objective=99.9))


def _escalating_container(root: Path, files: list[str]) -> None:
    """The base every kustomization builds on lets the container gain privileges."""
    path = root / "deploy/k8s/base/deployment.yaml"
    text = path.read_text(encoding="utf-8")
    assert "allowPrivilegeEscalation: false" in text, "breakage: no allowPrivilegeEscalation"
    path.write_text(text.replace("allowPrivilegeEscalation: false",
                                 "allowPrivilegeEscalation: true"), encoding="utf-8")


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


def _gate_without_threshold(root: Path, files: list[str]) -> None:
    _edit_yaml(root / files[0], lambda d: d["evaluate"].pop("min_accuracy"))


def _unused_import(root: Path, files: list[str]) -> None:
    (root / files[0] / "extra.py").write_text('"""Extra."""\n\nimport os\n', encoding="utf-8")


def _unformatted(root: Path, files: list[str]) -> None:
    """Lint-clean code that `ruff format --check` (in `make lint`) rejects."""
    target = root / files[0]
    module = next(target.rglob("*.py")) if target.is_dir() else target
    _append(module, "\n\nBADLY_SPACED = [1,2,\n    3]\n")


def _dvc_misspelled_stage_key(root: Path, files: list[str]) -> None:
    _edit_yaml(root / files[0], lambda d: d["stages"]["train"].update(
        command=d["stages"]["train"].pop("cmd")))


def _dvc_dangling_dependency(root: Path, files: list[str]) -> None:
    _edit_yaml(root / files[0], lambda d: d["stages"]["train"]["deps"].append("src/nowhere.py"))


def _dvc_unknown_param(root: Path, files: list[str]) -> None:
    _edit_yaml(root / files[0], lambda d: d["stages"]["train"]["params"].append("nosuch"))


def _entry_point_to_nowhere(root: Path, files: list[str]) -> None:
    _edit_yaml(root / files[0], lambda d: d["entry_points"]["main"].update(
        command="python -m nosuch.pipeline all"))


def _dvc_artifact_to_nowhere(root: Path, files: list[str]) -> None:
    _edit_yaml(root / files[0], lambda d: d.update(
        artifacts={"model": {"path": "outputs/nowhere", "type": "model"}}))


def _contract_unknown_type(root: Path, files: list[str]) -> None:
    _edit_yaml(root / files[0], lambda d: d["columns"][0].update(type="int"))


def _contract_unprotected_pii(root: Path, files: list[str]) -> None:
    def edit(data: Any) -> None:
        for contract_column in data["columns"]:
            contract_column.update(pii=True)
            contract_column.pop("privacy", None)
    _edit_yaml(root / files[0], edit)


def _contract_column_not_in_landing(root: Path, files: list[str]) -> None:
    _edit_yaml(root / files[0], lambda d: d["columns"].append(
        {"name": "loyalty_tier", "type": "string"}))


def _data_dvc_dangling_dependency(root: Path, files: list[str]) -> None:
    _edit_yaml(root / files[0], lambda d: d["stages"]["transform"]["deps"].append("sql/nowhere"))


def _data_dvc_missing_stage(root: Path, files: list[str]) -> None:
    _edit_yaml(root / files[0], lambda d: d["stages"].pop("validate"))


def _data_quality_accepts_everything(root: Path, files: list[str]) -> None:
    """The contracts' checks check nothing: the project's own quarantine tests must fail."""
    quality = next(root.glob("src/*/data/quality.py"))
    _append(quality, "\n\ndef failures(typed, contract):\n    return {}\n")


def _dbt_failing_test(root: Path, files: list[str]) -> None:
    """A dbt test the built model cannot pass: only DE is an accepted country."""
    schema = root / Path(files[0]).parent / "models" / "schema.yml"

    def edit(data: Any) -> None:
        for model in data["models"]:
            for column in model.get("columns", []):
                for test in column.get("data_tests", []):
                    if isinstance(test, dict) and "accepted_values" in test:
                        test["accepted_values"]["arguments"]["values"] = ["DE"]
    _edit_yaml(schema, edit)


def _quality_accepts_everything(root: Path, files: list[str]) -> None:
    """The data contract checks nothing: the project's own tests of bad data must fail."""
    quality = next(root.glob("src/*/ml/quality.py"))
    _append(quality, "\n\ndef validate(frame):\n    return frame\n")


def _spark_model_not_registered(root: Path, files: list[str]) -> None:
    """A built model is not registered as a view: a model that reads it no longer runs."""
    _replace(root / files[0], "    built.createOrReplaceTempView(model.name)\n", "")


def _drift_report_without_preset(root: Path, files: list[str]) -> None:
    path = root / files[0]
    text = path.read_text(encoding="utf-8")
    assert "[DataDriftPreset()]" in text, "breakage: no DataDriftPreset in the report"
    path.write_text(text.replace("[DataDriftPreset()]", "[]"), encoding="utf-8")


def _seldon_model_without_uri(root: Path, files: list[str]) -> None:
    _edit_yaml(root / files[0], lambda d: d["spec"]["predictors"][0]["graph"].pop("modelUri"))


def _seldon_root_container(root: Path, files: list[str]) -> None:
    def edit(data: Any) -> None:
        spec = data["spec"]["predictors"][0]["componentSpecs"][0]["spec"]
        spec["securityContext"]["runAsNonRoot"] = False
    _edit_yaml(root / files[0], edit)


def _seldon_misspelled_pod_field(root: Path, files: list[str]) -> None:
    def edit(data: Any) -> None:
        container = data["spec"]["predictors"][0]["componentSpecs"][0]["spec"]["containers"][0]
        container["resource"] = container.pop("resources")
    _edit_yaml(root / files[0], edit)


def _renamed_framework_function(root: Path, files: list[str]) -> None:
    path = root / files[0]
    path.write_text(path.read_text(encoding="utf-8").replace("def predict(", "def classify("),
                    encoding="utf-8")


def _unknown_hyperparameter(root: Path, files: list[str]) -> None:
    _append(root / files[0], '\n\ndef _extra(params: dict) -> int:\n    return params["nosuch"]\n')


def _tfserving_misspelled_field(root: Path, files: list[str]) -> None:
    path = root / files[0]
    text = path.read_text(encoding="utf-8")
    assert "model_version_policy" in text, "nothing to misspell"
    path.write_text(text.replace("model_version_policy", "model_version_polcy"), encoding="utf-8")


def _tfserving_unbalanced_brace(root: Path, files: list[str]) -> None:
    path = root / files[0]
    text = path.read_text(encoding="utf-8").rstrip()
    assert text.endswith("}"), "nothing to unbalance"
    path.write_text(text[:-1] + "\n", encoding="utf-8")


def _replace(path: Path, old: str, new: str) -> None:
    text = path.read_text(encoding="utf-8")
    assert old in text, f"breakage: {path.name} has no {old!r}"
    path.write_text(text.replace(old, new, 1), encoding="utf-8")


def _unused_import_in_file(root: Path, files: list[str]) -> None:
    _replace(root / files[0], "\nimport ", "\nimport sys\nimport ")


# Each orchestrator's pipeline loses an edge, as a template bug would: register no longer waits
# for evaluate (or evaluate is not run at all).
def _airflow_lost_edge(root: Path, files: list[str]) -> None:
    _replace(root / files[0], "prepare() >> train() >> evaluate() >> register()",
             "prepare() >> train()\n    evaluate() >> register()")


def _prefect_skipped_stage(root: Path, files: list[str]) -> None:
    _replace(root / files[0], "register(evaluate(train(prepare())))",
             "register(train(prepare()))")


def _dagster_skipped_stage(root: Path, files: list[str]) -> None:
    _replace(root / files[0], "register(after=evaluate(after=train(after=prepare())))",
             "register(after=train(after=prepare()))")


def _luigi_skipped_stage(root: Path, files: list[str]) -> None:
    _replace(root / files[0], "        return MlEvaluate()", "        return MlTrain()")


def _kfp_lost_edge(root: Path, files: list[str]) -> None:
    _replace(root / files[0], "stage_component(stage, image)().after(previous)",
             "stage_component(stage, image)()")


def _kfp_unpinned_image(root: Path, files: list[str]) -> None:
    _replace(root / files[0], ':0.1.0"', ':latest"')


# The same for the data pipeline (ingest -> validate -> transform -> catalog).
def _airflow_data_lost_edge(root: Path, files: list[str]) -> None:
    _replace(root / files[0], "ingest() >> validate() >> transform() >> catalog()",
             "ingest() >> validate()\n    transform() >> catalog()")


def _prefect_data_skipped_stage(root: Path, files: list[str]) -> None:
    _replace(root / files[0], "catalog(transform(validate(ingest())))",
             "catalog(validate(ingest()))")


def _dagster_data_skipped_stage(root: Path, files: list[str]) -> None:
    _replace(root / files[0], "catalog(after=transform(after=validate(after=ingest())))",
             "catalog(after=validate(after=ingest()))")


def _luigi_data_skipped_stage(root: Path, files: list[str]) -> None:
    _replace(root / files[0], "        return DataTransform()", "        return DataValidate()")


def _kfp_other_module(root: Path, files: list[str]) -> None:
    _replace(root / files[0], '.pipeline"]', '.pipelines"]')


# Oozie workflows (tests/oozie_validation.py): each breakage must be caught on its own.
def _oozie_dangling_transition(root: Path, files: list[str]) -> None:
    text = (root / files[0]).read_text(encoding="utf-8")
    target = text.split('<ok to="', 1)[1].split('"', 1)[0]
    _replace(root / files[0], f'<ok to="{target}"/>', f'<ok to="{target}-next"/>')


def _oozie_swapped_stages(root: Path, files: list[str]) -> None:
    path = root / files[0]
    text = path.read_text(encoding="utf-8")
    first, second = re.findall(r"\.pipeline</argument>\s*<argument>(\w+)</argument>", text)[:2]
    swapped = re.sub(rf"(\.pipeline</argument>\s*<argument>)({first}|{second})(</argument>)",
                     lambda m: m[1] + (second if m[2] == first else first) + m[3], text)
    path.write_text(swapped, encoding="utf-8")


def _oozie_action_without_error(root: Path, files: list[str]) -> None:
    _replace(root / files[0], '\n        <error to="fail"/>', "")


def _oozie_loop(root: Path, files: list[str]) -> None:
    text = (root / files[0]).read_text(encoding="utf-8")
    first = text.split('<start to="', 1)[1].split('"', 1)[0]
    _replace(root / files[0], '<ok to="end"/>', f'<ok to="{first}"/>')


def _oozie_without_kill(root: Path, files: list[str]) -> None:
    path = root / files[0]
    text = re.sub(r"\s*<kill name=\"fail\">.*?</kill>", "", path.read_text(encoding="utf-8"),
                  flags=re.S)
    path.write_text(text.replace('<error to="fail"/>', '<error to="end"/>'), encoding="utf-8")


def _oozie_undefined_property(root: Path, files: list[str]) -> None:
    _replace(Path(root / files[0]).parent / "job.properties", "\npython=python3", "")


def _oozie_elsewhere(root: Path, files: list[str]) -> None:
    _replace(Path(root / files[0]).parent / "job.properties", "/pipelines/oozie/", "/oozie/")


def _oozie_other_module(root: Path, files: list[str]) -> None:
    _replace(root / files[0], ".pipeline</argument>", ".pipelines</argument>")


def _oozie_shell_out_of_order(root: Path, files: list[str]) -> None:
    path = root / files[0]
    text = path.read_text(encoding="utf-8")
    env = re.search(r"\n\s*<env-var>[^<]*</env-var>", text)
    assert env is not None, f"breakage: {path.name} has no env-var"
    text = text.replace(env[0], "", 1).replace("\n            <exec>", env[0] + "\n            <exec>", 1)
    path.write_text(text, encoding="utf-8")


OOZIE_BREAKAGES: list[Breakage] = [
    _oozie_dangling_transition, _oozie_swapped_stages, _oozie_action_without_error, _oozie_loop,
    _oozie_without_kill, _oozie_undefined_property, _oozie_elsewhere, _oozie_other_module,
    _oozie_shell_out_of_order,
]
# The governance export (src/PACKAGE/data/governance.py) goes wrong the way a template bug would:
# PII is no longer marked, a column goes missing, or the lineage loses the datasets a model reads.
def _export_forgets_pii(root: Path, files: list[str]) -> None:
    path = root / files[0]
    text = path.read_text(encoding="utf-8")
    assert "column.pii" in text, "breakage: the export never reads column.pii"
    path.write_text(text.replace("column.pii", "False"), encoding="utf-8")


def _export_drops_last_column(root: Path, files: list[str]) -> None:
    path = root / files[0]
    text = path.read_text(encoding="utf-8")
    assert "contract.columns" in text, "breakage: the export never reads contract.columns"
    path.write_text(text.replace("contract.columns", "contract.columns[:-1]"), encoding="utf-8")


def _export_loses_lineage(root: Path, files: list[str]) -> None:
    _replace(root / files[0], "inputs = tuple(sorted(_reads(sql) & known - {path.stem}))",
             "inputs = tuple(sorted(_reads(sql) & known - {path.stem}))[:1]")


# The DataHub recipe: a misspelled source key, a sink DataHub cannot configure, and the lineage of
# the tables the models read lost (dbt's own lineage knows only models).
def _datahub_misspelled_source_key(root: Path, files: list[str]) -> None:
    _edit_yaml(root / files[0], lambda d: d["source"]["config"].update(
        manifest_file=d["source"]["config"].pop("manifest_path")))


def _datahub_misspelled_sink_key(root: Path, files: list[str]) -> None:
    _edit_yaml(root / files[0], lambda d: d["sink"]["config"].update(
        server_url=d["sink"]["config"].pop("server")))


def _datahub_dbt_lineage_only(root: Path, files: list[str]) -> None:
    def edit(data: Any) -> None:
        for key in ("prefer_sql_parser_lineage", "skip_sources_in_lineage", "entities_enabled"):
            data["source"]["config"].pop(key)
    _edit_yaml(root / files[0], edit)


# The OpenMetadata workflow: a source class that does not exist, a misspelled server key, and a
# connector that no longer tags PII columns.
def _om_missing_source_class(root: Path, files: list[str]) -> None:
    def edit(data: Any) -> None:
        config = data["source"]["serviceConnection"]["config"]
        config["sourcePythonClass"] += "Typo"
    _edit_yaml(root / files[0], edit)


def _om_misspelled_server_key(root: Path, files: list[str]) -> None:
    def edit(data: Any) -> None:
        server = data["workflowConfig"]["openMetadataServerConfig"]
        server["host_port"] = server.pop("hostPort")
    _edit_yaml(root / files[0], edit)


def _om_source_forgets_pii(root: Path, files: list[str]) -> None:
    source = next(root.glob("src/*/data/openmetadata_source.py"))
    _replace(source, "tags=tags if column and column.pii else None", "tags=None")
def _edit_json(path: Path, edit: Callable[[Any], None]) -> None:
    data = json.loads(path.read_text(encoding="utf-8"))
    edit(data)
    path.write_text(json.dumps(data, indent=2), encoding="utf-8")


def _nifi_processor(data: Any, kind: str) -> Any:
    return next(p for p in data["flowContents"]["processors"] if p["type"].endswith(f".{kind}"))


def _nifi_dangling_connection(root: Path, files: list[str]) -> None:
    """A connection to a processor that was deleted from the flow."""
    _edit_json(root / files[0], lambda d: d["flowContents"]["connections"][0]["destination"]
               .update(id="00000000-0000-0000-0000-000000000000"))


def _nifi_misspelled_processor(root: Path, files: list[str]) -> None:
    _edit_json(root / files[0], lambda d: _nifi_processor(d, "FetchFile")
               .update(type="org.apache.nifi.processors.standard.FetchFiles"))


def _nifi_unhandled_relationship(root: Path, files: list[str]) -> None:
    """FetchFile's not.found goes nowhere: NiFi keeps the processor invalid."""
    _edit_json(root / files[0], lambda d: _nifi_processor(d, "FetchFile")
               .update(autoTerminatedRelationships=["permission.denied"]))


def _nifi_put_outside_landing(root: Path, files: list[str]) -> None:
    _edit_json(root / files[0], lambda d: _nifi_processor(d, "PutFile")["properties"]
               .update(Directory="#{project_root}/data/raw/customers"))


def _nifi_undefined_parameter(root: Path, files: list[str]) -> None:
    _edit_json(root / files[0], lambda d: _nifi_processor(d, "ListFile")["properties"]
               .update({"Input Directory": "#{incoming}/customers"}))


# None depends on the dataset: they break the DataOps flow and the MLOps training flow alike.
NIFI_BREAKAGES: list[Breakage] = [_nifi_dangling_connection, _nifi_misspelled_processor,
                                  _nifi_unhandled_relationship, _nifi_put_outside_landing,
                                  _nifi_undefined_parameter]


def _glue_script_reads_an_unpassed_argument(root: Path, files: list[str]) -> None:
    """The script asks for an argument that no Glue job of the IaC passes."""
    _replace(root / files[0], '"raw_uri")', '"raw_uri", "partition_by")')


def _glue_training_reads_an_unpassed_argument(root: Path, files: list[str]) -> None:
    """The training script asks for an argument that its Glue job does not pass."""
    _replace(root / files[0], '"training_uri")', '"training_uri", "sample_fraction")')


def _glue_training_writes_other_columns(root: Path, files: list[str]) -> None:
    """The training job leaves out a column that the ML pipeline reads (data.LANDING_COLUMNS)."""
    _replace(root / files[0], '    "hue",\n', "")


def _glue_training_job_runs_another_script(root: Path, files: list[str]) -> None:
    """The training job's infrastructure runs another script than glue/jobs/training.py."""
    terraform = root / "infra" / "terraform" / "glue_training.tf"
    if terraform.is_file():
        _replace(terraform, '/../../glue/jobs/training.py"', '/../../glue/jobs/other.py"')
    else:
        _replace(root / "infra" / "cloudformation" / "glue-training.yaml",
                 '/glue/scripts/training.py"\n      DefaultArguments',
                 '/glue/scripts/other.py"\n      DefaultArguments')


def _glue_dataset_without_a_job(root: Path, files: list[str]) -> None:
    """A new contract whose dataset has no Glue job."""
    contracts = root / "contracts"
    text = (contracts / "orders.yaml").read_text(encoding="utf-8")
    (contracts / "payments.yaml").write_text(text.replace("dataset: orders", "dataset: payments"),
                                            encoding="utf-8")


BREAKAGES: dict[str, list[Breakage]] = {
    "**/Dockerfile": [_unpinned_apt, _root_user],
    "compose.yaml": [_unknown_service_key],
    "monitoring/prometheus/**/prometheus.yml": [_duplicate_scrape_job],
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
    "infra/cloudformation/*.yaml": [_cfn_bad_property_value, _cfn_dangling_ref],
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
    "deploy/k8s/**/[!k]*.yaml": [_misspelled_probe, _misspelled_kind],
    "deploy/k8s/overlays/*": [_escalating_container, _missing_kustomize_resource],
    "deploy/openshift": [_escalating_container, _missing_kustomize_resource],
    "deploy/openshift/route.yaml": [_route_to_unknown_port, _route_without_tls],
    "deploy/gke": [_escalating_container, _missing_kustomize_resource],
    "deploy/gke/ingress.yaml": [_misspelled_backend],
    "deploy/gke/managedcertificate.yaml": [_wildcard_certificate],
    ".hgignore": [_invalid_hgignore_regexp, _drop_secrets_rule],
    "hooks/hgrc": [_unparseable_hgrc, _misspelled_hook_type],
    "svn/hooks/pre-commit": [_hook_accepts_everything, _unquoted_cd],
    ".p4ignore": [_drop_secrets_rule, _character_class],
    "p4/triggers.txt": [_misspelled_trigger_type],
    "p4/triggers/*.sh": [_unquoted_cd],
    "deploy/deploy.sh": [_unquoted_cd],
    "monitoring/slo/*.yaml": [_tighter_objective],
    "params.yaml": [_broken_yaml, _gate_without_threshold],
    "src": [_unformatted, _unused_import],
    "tests": [_unformatted, _unused_import],
    "src/*/ml": [_unformatted, _unused_import],
    "dvc.yaml": [_dvc_misspelled_stage_key, _dvc_dangling_dependency, _dvc_unknown_param,
                 _dvc_artifact_to_nowhere],
    "tests/ml": [_quality_accepts_everything],
    "contracts/*.yaml": [_contract_unknown_type, _contract_unprotected_pii,
                         _contract_column_not_in_landing, _broken_yaml],
    "contracts/models/*.yaml": [_contract_unknown_type, _contract_column_not_in_landing,
                                _broken_yaml],
    "src/*/data": [_unformatted, _unused_import],
    "data/dvc.yaml": [_data_dvc_dangling_dependency, _data_dvc_missing_stage],
    "tests/data": [_data_quality_accepts_everything],
    "transform/dbt_project.yml": [_dbt_failing_test],
    "src/*/ml/drift_report.py": [_drift_report_without_preset],
    "src/*/data/transform.py": [_spark_model_not_registered],
    "jobs/spark_transform.py": [_unused_import_in_file],
    "deploy/seldon/*.yaml": [_seldon_model_without_uri, _seldon_root_container,
                             _seldon_misspelled_pod_field],
    "MLproject": [_entry_point_to_nowhere, _broken_yaml],
    "src/*/ml/framework.py": [_renamed_framework_function, _unknown_hyperparameter],
    "serving/tfserving/models.config": [_tfserving_misspelled_field,
                                        _tfserving_unbalanced_brace],
    "serving/tfserving/Dockerfile": [_unpinned_apt, _root_user],
    "pipelines/tfx_pipeline.py": [_broken_python],
    "pipelines": [_unformatted, _unused_import],


    "pipelines/airflow/dags/ml_train.py": [_airflow_lost_edge, _unused_import_in_file],
    "pipelines/prefect/ml_train.py": [_prefect_skipped_stage, _unused_import_in_file],
    "pipelines/dagster/ml_train.py": [_dagster_skipped_stage, _unused_import_in_file],
    "pipelines/luigi/ml_train.py": [_luigi_skipped_stage, _unused_import_in_file],
    "pipelines/kubeflow/ml_train.py": [_kfp_lost_edge, _kfp_unpinned_image, _kfp_other_module,
                                       _unused_import_in_file],
    "pipelines/airflow/dags/data_pipeline.py": [_airflow_data_lost_edge, _unused_import_in_file],
    "pipelines/prefect/data_pipeline.py": [_prefect_data_skipped_stage, _unused_import_in_file],
    "pipelines/dagster/data_pipeline.py": [_dagster_data_skipped_stage, _unused_import_in_file],
    "pipelines/luigi/data_pipeline.py": [_luigi_data_skipped_stage, _unused_import_in_file],
    "pipelines/kubeflow/data_pipeline.py": [_kfp_lost_edge, _kfp_unpinned_image,
                                            _kfp_other_module, _unused_import_in_file],
    "pipelines/oozie/ml_train/workflow.xml": OOZIE_BREAKAGES,
    "pipelines/oozie/data_pipeline/workflow.xml": OOZIE_BREAKAGES,
    "src/*/data/governance.py": [_export_forgets_pii, _export_drops_last_column,
                                 _export_loses_lineage],
    "catalog/datahub/recipe.yml": [_datahub_misspelled_source_key, _datahub_misspelled_sink_key,
                                   _datahub_dbt_lineage_only],
    "catalog/openmetadata/ingestion.yml": [_om_missing_source_class, _om_misspelled_server_key,
                                           _om_source_forgets_pii],
    "nifi/flow.json": NIFI_BREAKAGES,
    "nifi/training-flow.json": NIFI_BREAKAGES,
    "src/*/data/kafka.py": [_unused_import_in_file],
    "src/*/ml/kafka.py": [_unused_import_in_file],
    "src/*/privacy.py": [_unused_import_in_file],
    "tests/test_privacy.py": [_unused_import_in_file],
    "glue/jobs": [_unused_import],
    "glue/jobs/ingest.py": [_glue_script_reads_an_unpassed_argument, _glue_dataset_without_a_job],
    "glue/jobs/training.py": [_glue_training_reads_an_unpassed_argument,
                              _glue_training_writes_other_columns,
                              _glue_training_job_runs_another_script],
}
# Breakages that each must be caught on their own (not just one of the list): they prove a part
# of a builtin validator that the others do not reach.
EVERY_BREAKAGE_BITES = {"deploy/salt/states/top.sls", "deploy/k8s/**/[!k]*.yaml", "dvc.yaml", "data/dvc.yaml",
                        "deploy/seldon/*.yaml", "src/*/ml/framework.py",
                        "serving/tfserving/models.config", "catalog/datahub/recipe.yml",
                        "catalog/openmetadata/ingestion.yml",
                        "pipelines/oozie/ml_train/workflow.xml",
                        "pipelines/oozie/data_pipeline/workflow.xml", "nifi/flow.json",
                        "nifi/training-flow.json",
                        "glue/jobs/ingest.py", "glue/jobs/training.py"}
