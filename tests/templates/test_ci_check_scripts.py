"""The tool checks every CI pipeline runs (templates/_shared/checks.jinja), run for real.

Each CI tool wraps the same shell lines in its own syntax, so these lines are the pipelines' only
copy: here each is rendered, run with `sh -eu` in a generated project with the real tool, and
must pass, then fail once the files it checks are broken. A check whose tool this machine lacks
is skipped, naming the tool (Logstash and Filebeat ship as images only).
"""

from __future__ import annotations

import os
import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

import pytest
from breakages import (
    Breakage,
    _broken_ruby,
    _broken_sls_yaml,
    _cfn_bad_property_value,
    _missing_kustomize_resource,
    _misspelled_kind,
    _misspelled_probe,
    _unclosed_block,
    _unclosed_erb_block,
    _unclosed_puppet_class,
    _unlinted_puppet,
)
from clirun import new_project
from pipelines import REPO, check_script
from validation import matching_files

RENDERED = "rendered-manifests"


@dataclass(frozen=True)
class Case:
    calls: tuple[str, ...]
    tools: tuple[str, ...]
    sets: tuple[str, ...]
    breaks: str  # the glob of the files a breakage gets
    breakages: tuple[Breakage, ...]


KUBERNETES = ("containerization=docker,kubernetes,openshift", "continuous_deployment=kubernetes",
              "infrastructure_as_code=none")
CASES = {
    "salt": Case(("salt_render()",), ("salt-call",), ("configuration_management=saltstack",),
                 "deploy/salt/states/top.sls", (_broken_sls_yaml,)),
    "puppet": Case(("puppet_check()",), ("puppet", "puppet-lint"),
                   ("configuration_management=puppet",), "deploy/puppet",
                   (lambda root, files: _unclosed_puppet_class(
                       root, matching_files(root, "deploy/puppet/**/init.pp")),
                    lambda root, files: _unclosed_erb_block(
                        root, matching_files(root, "deploy/puppet/**/*.epp")),
                    _unlinted_puppet)),
    "chef": Case(("chef_syntax()",), ("ruby", "erb"), ("configuration_management=chef",),
                 "deploy/chef/**/*.rb", (_broken_ruby,
                                         lambda root, files: _unclosed_erb_block(
                                             root, matching_files(root, "deploy/chef/**/*.erb")))),
    "kubernetes": Case((f"k8s_render(['docker', 'kubernetes', 'openshift'], '{RENDERED}')",
                        f"k8s_validate('{RENDERED}')"),
                       ("kubectl", "kubernetes-validate"), KUBERNETES, "deploy/k8s/**/[!k]*.yaml",
                       (_misspelled_probe, _misspelled_kind,
                        lambda root, files: _missing_kustomize_resource(root, ["deploy/openshift"]))),
    "gke": Case((f"k8s_render(['docker', 'kubernetes', 'gke'], '{RENDERED}')",
                 f"k8s_validate('{RENDERED}')"), ("kubectl", "kubernetes-validate"),
                ("containerization=docker,kubernetes,gke", "continuous_deployment=kubernetes"),
                "deploy/gke", (_missing_kustomize_resource,)),
    "cloudformation": Case(("cfn_lint()",), ("cfn-lint",),
                           ("infrastructure_as_code=cloudformation",
                            "continuous_deployment=cloudformation"),
                           "infra/cloudformation/template.yaml",
                           (_cfn_bad_property_value,)),
    "elk": Case(("logstash_test()", "filebeat_test()"), ("logstash", "filebeat"),
                ("monitoring_logging=prometheus_grafana,elk",),
                "monitoring/elk/logstash/pipeline/*.conf", (_unclosed_block,)),
}


def run(project: Path, lines: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(["sh", "-euc", lines], cwd=project, capture_output=True, text=True,
                          env={**os.environ, "TMPDIR": str(project.parent)}, check=False,
                          timeout=600)


@pytest.mark.parametrize("name", sorted(CASES))
def test_a_ci_check_passes_the_project_and_fails_it_broken(tmp_path: Path, name: str) -> None:
    case = CASES[name]
    missing = [tool for tool in case.tools if shutil.which(tool) is None]
    if missing:
        pytest.skip(f"{name}: {', '.join(missing)} not installed on this machine")
    lines = check_script(*case.calls)
    project = new_project(tmp_path / "svc", sets=case.sets)
    passed = run(project, lines)
    assert passed.returncode == 0, f"{name}:\n{lines}\n{passed.stdout}{passed.stderr}"
    assert case.breakages, f"{name}: no breakage proves the check can fail"
    for index, breakage in enumerate(case.breakages):
        broken = tmp_path / f"broken-{index}" / "svc"
        shutil.copytree(project, broken, symlinks=True)
        files = matching_files(broken, case.breaks)
        assert files, f"{name}: {case.breaks!r} matches nothing to break"
        breakage(broken, files)
        failed = run(broken, lines)
        assert failed.returncode != 0, f"{name}: passed broken copy {index}:\n{failed.stdout}"


def test_every_macro_of_the_checks_is_run_here() -> None:
    """A check added to checks.jinja gets a case above (installs are the pipelines' business)."""
    text = (REPO / "templates/_shared/checks.jinja").read_text(encoding="utf-8")
    macros = {line.split()[2].split("(")[0] for line in text.splitlines()
              if line.startswith("{% macro ")}
    run_here = {call.split("(")[0] for case in CASES.values() for call in case.calls}
    assert macros - run_here == {"pip_install", "puppet_install"}

