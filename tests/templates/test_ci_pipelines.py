"""Every CI tool's pipeline runs the project's real commands: `make lint` and `make test`."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
import yaml
from clirun import opsgen
from pipelines import CI, VARIANTS, check_script, pipeline_of
from validation import matching_files

from opsgen.catalog import default_catalog
from opsgen.config import Overrides, ProjectConfig, resolve
from opsgen.errors import ConfigError

CATALOG = default_catalog()


def ci_choices() -> list[object]:
    params: list[object] = []
    for tool in CI.tools:
        sets = [f"continuous_integration={tool.id}"]
        try:
            resolve(CATALOG, {"name": "x"}, Overrides(sets=tuple(sets)))
        except ConfigError as error:
            params.append(pytest.param(tool.id, sets, marks=pytest.mark.skip(reason=str(error))))
            continue
        params.append(pytest.param(tool.id, sets, id=tool.id))
    return params


@pytest.mark.parametrize(("tool_id", "sets"), ci_choices())
def test_pipeline_runs_the_projects_lint_and_tests(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, tool_id: str, sets: list[str]
) -> None:
    dest = tmp_path / "svc"
    args = [arg for item in sets for arg in ("--set", item)]
    assert opsgen(capsys, "new", dest, "--defaults", *args).code == 0
    globs = [check.files for check in CI.tool(tool_id).checks]
    files = sorted({name for pattern in globs for name in matching_files(dest, pattern)})
    assert files, f"{tool_id}: its checks match no pipeline file"
    text = "\n".join((dest / name).read_text(encoding="utf-8") for name in files)
    assert "make test" in text, f"{tool_id}: no pipeline step runs `make test` ({files})"
    assert "make lint" in text, f"{tool_id}: no pipeline step runs `make lint` ({files})"


TORCH_CPU_INDEX = "https://download.pytorch.org/whl/cpu"


@pytest.mark.parametrize(("tool_id", "sets"), ci_choices())
def test_pipeline_installs_pytorch_from_its_cpu_index(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, tool_id: str, sets: list[str]
) -> None:
    """PyPI's Linux PyTorch wheels bundle CUDA (gigabytes no CI job uses): every pipeline of a
    PyTorch project points pip at the CPU wheels, and only a PyTorch project's does."""
    texts = {}
    for framework in ("pytorch", "scikit_learn"):
        dest = tmp_path / framework.replace("_", "-")
        args = [arg for item in [*sets, f"ml_frameworks={framework}"] for arg in ("--set", item)]
        assert opsgen(capsys, "new", dest, "--defaults", "--layer", "mlops", *args).code == 0
        globs = [check.files for check in CI.tool(tool_id).checks]
        files = sorted({name for pattern in globs for name in matching_files(dest, pattern)})
        texts[framework] = "\n".join((dest / name).read_text(encoding="utf-8") for name in files)
    assert TORCH_CPU_INDEX in texts["pytorch"], f"{tool_id}: no CPU index for PyTorch"
    assert TORCH_CPU_INDEX not in texts["scikit_learn"], f"{tool_id}: CPU index without PyTorch"


# Azure Pipelines runs a `script` step with `bash --noprofile --norc FILE` and Bamboo a script
# task as one shell script, both without `-e`: only the last command's failure would count.
SHELL_STEP_KEYS = {"azure_pipelines": ("script", "bash"), "bamboo": ("scripts",)}
def shell_bodies(node: object, keys: tuple[str, ...]) -> list[str]:
    """Every shell script under ``keys`` anywhere in a parsed pipeline (lists joined)."""
    found: list[str] = []
    if isinstance(node, dict):
        for key, value in node.items():
            if key in keys and isinstance(value, str | list):
                found.append(value if isinstance(value, str) else "\n".join(map(str, value)))
            else:
                found.extend(shell_bodies(value, keys))
    elif isinstance(node, list):
        for item in node:
            found.extend(shell_bodies(item, keys))
    return found


def commands(body: str) -> list[str]:
    joined = re.sub(r"\\\n", " ", body)
    return [line.strip() for line in joined.splitlines()
            if line.strip() and not line.strip().startswith("#")]


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("tool_id", sorted(SHELL_STEP_KEYS))
def test_a_multi_command_step_stops_at_the_first_failure(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, tool_id: str, variant: str
) -> None:
    dest, files = pipeline_of(capsys, tmp_path, tool_id, variant)
    bodies = [body for name in files
              for document in yaml.safe_load_all((dest / name).read_text(encoding="utf-8"))
              for body in shell_bodies(document, SHELL_STEP_KEYS[tool_id])]
    several = [commands(body) for body in bodies if len(commands(body)) > 1]
    assert several, f"{tool_id}: no step runs several commands; the test checks nothing"
    for lines in several:
        assert lines[0].startswith("set -e"), f"{tool_id}: no `set -e` before {lines}"


def job_names(jobs: list[object]) -> set[str]:
    names: set[str] = set()
    for job in jobs:
        if isinstance(job, str):
            names.add(job)
        else:
            assert isinstance(job, dict)
            ((key, settings),) = job.items()
            names.add(str((settings or {}).get("name", key)))
    return names


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_circleci_deploys_only_once_turned_on(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, variant: str
) -> None:
    # Deploy jobs need contexts a new project does not have: until the README's step turns them
    # on, pushes to main run the checks only, instead of failing in the deploy jobs.
    dest = tmp_path / "svc"
    args = ["--set", "continuous_integration=circleci", *VARIANTS[variant]]
    assert opsgen(capsys, "new", dest, "--defaults", *args).code == 0
    config = yaml.safe_load((dest / ".circleci" / "config.yml").read_text(encoding="utf-8"))
    assert config["parameters"]["deploy"] == {"type": "boolean", "default": False}
    flag = "<< pipeline.parameters.deploy >>"
    workflows = config["workflows"]
    off = [w for w in workflows.values() if w["when"] == {"not": flag}]
    on = [w for w in workflows.values() if w["when"] == flag]
    assert len(off) == len(on) == 1 and len(workflows) == 2, workflows
    deploys = {"deploy-staging", "approve-production", "deploy-production"}
    assert not job_names(off[0]["jobs"]) & deploys
    assert job_names(on[0]["jobs"]) >= deploys | {"lint", "test"}
    assert job_names(off[0]["jobs"]) >= {"lint", "test"}
    readme = (dest / "README.md").read_text(encoding="utf-8")
    assert "pipeline parameter `deploy` to `true` in `.circleci/config.yml`" in readme


# What the README's "What is where" says the pipeline runs -> text that running it needs.
CLAIMS = {
    "promtool/amtool": ("promtool check rules", "alertmanager", "check-config"),
    "Logstash and Filebeat config tests": ("logstash --config.test_and_exit",
                                           "filebeat test config"),
    "ansible-lint": ("ansible-lint",),
    "Salt render": ("state.show_highstate",),
    "puppet validate/lint": ("puppet parser validate", "puppet-lint"),
    "cookbook syntax": ("ruby -c",),
    "image build": ("docker build",),
    "Kubernetes manifests": ("kubectl kustomize", "kubernetes-validate"),
    "terraform validate": ("validate",),
    "cfn-lint": ("cfn-lint", "--parameter-files"),
}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("tool_id", CI.tool_ids)
def test_the_readme_claims_only_checks_the_pipeline_runs(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, tool_id: str, variant: str
) -> None:
    dest, files = pipeline_of(capsys, tmp_path, tool_id, variant)
    pipeline = "\n".join((dest / name).read_text(encoding="utf-8") for name in files).lower()
    title = CI.tool(tool_id).title
    (row,) = [line for line in (dest / "README.md").read_text(encoding="utf-8").splitlines()
              if line.startswith("| `") and f" | {title.split(' (')[0]}: lint" in line]
    claimed = [claim for claim in CLAIMS if claim in row]
    assert "image build" in claimed  # every variant builds the image: the test checks something
    for claim in claimed:
        for needed in CLAIMS[claim]:
            assert needed.lower() in pipeline, f"{tool_id}: the README claims {claim!r}"


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_github_deploys_to_staging_only_after_every_check(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, variant: str
) -> None:
    dest = tmp_path / "svc"
    assert opsgen(capsys, "new", dest, "--defaults", *VARIANTS[variant]).code == 0
    jobs = yaml.safe_load((dest / ".github" / "workflows" / "ci.yml").read_text(encoding="utf-8"))
    jobs = jobs["jobs"]
    checks = set(jobs) - {"deploy-staging", "deploy-production"}
    assert {"lint", "test", "build"} <= checks
    assert set(jobs["deploy-staging"]["needs"]) == checks
    assert "deploy-staging" in jobs["deploy-production"]["needs"]


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_jenkins_production_gate_names_who_may_pass_it(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, variant: str
) -> None:
    # Without `submitter`, anyone who may start a build may also deploy to production.
    dest, files = pipeline_of(capsys, tmp_path, "jenkins", variant)
    assert files == ["Jenkinsfile"]
    text = (dest / "Jenkinsfile").read_text(encoding="utf-8")
    steps = re.findall(r"\binput message:[^\n]*(?:\n\s+[a-zA-Z]+:[^\n]*)*", text)
    assert len(steps) == 1, steps
    group = f"{dest.name}-production-approvers"
    assert f"submitter: env.PRODUCTION_APPROVERS ?: '{group}'" in steps[0], steps[0]
    assert "submitterParameter:" in steps[0]
    readme = (dest / "README.md").read_text(encoding="utf-8")
    assert f"members of the group `{group}`" in readme


GITLAB_KEYWORDS = {"include", "workflow", "stages", "variables", "default", "image", "services",
                   "cache", "before_script", "after_script"}


@pytest.mark.parametrize("variant", sorted(VARIANTS))
def test_gitlab_deploys_to_staging_only_after_every_check(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, variant: str
) -> None:
    # `needs:` would start staging as soon as the listed jobs pass, whatever the other checks say.
    dest, files = pipeline_of(capsys, tmp_path, "gitlab_ci", variant)
    documents = [yaml.safe_load((dest / name).read_text(encoding="utf-8")) for name in files]
    stages = documents[0]["stages"]
    jobs = {name: job for document in documents for name, job in document.items()
            if name not in GITLAB_KEYWORDS and not name.startswith(".")}
    staging = jobs.pop("deploy-staging")
    assert "needs" not in staging and staging["stage"] == "deploy-staging"
    checks = {name: job for name, job in jobs.items() if name != "deploy-production"}
    assert {"lint", "test"} <= set(checks), checks
    for name, job in checks.items():
        assert stages.index(job.get("stage", "test")) < stages.index("deploy-staging"), name


DIR = "@DIR@"  # where a pipeline puts the rendered manifests: each picks its own


def shared_checks(config: ProjectConfig) -> list[str]:
    """The checks.jinja macro calls a pipeline of ``config`` must run."""
    tools = config.tools
    calls = []
    if "elk" in tools["monitoring_logging"]:
        calls += ["logstash_test()", "filebeat_test()"]
    calls += {"saltstack": ["salt_render()"], "puppet": ["puppet_check()"],
              "chef": ["chef_syntax()"]}.get(str(tools["configuration_management"]), [])
    if "kubernetes" in tools["containerization"]:
        containerization = list(tools["containerization"])
        calls += [f"k8s_render({containerization}, {DIR!r})", f"k8s_validate({DIR!r})"]
    if tools["infrastructure_as_code"] == "cloudformation":
        calls.append("cfn_lint()")
    return calls


def _runs_in_order(script: str, pipeline: list[str]) -> str | None:
    """The first line of ``script`` missing from ``pipeline`` (in order, indentation aside)."""
    position = 0
    for line in (s.strip() for s in script.splitlines()):
        if not line:
            continue
        pattern = re.compile(re.escape(line).replace(re.escape(DIR), ".+") + "$")
        found = next((i for i in range(position, len(pipeline)) if pattern.match(pipeline[i])),
                     None)
        if found is None:
            return line
        position = found + 1
    return None


@pytest.mark.parametrize("variant", sorted(VARIANTS))
@pytest.mark.parametrize("tool_id", CI.tool_ids)
def test_every_pipeline_runs_the_shared_tool_checks(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, tool_id: str, variant: str
) -> None:
    """Each CI tool runs the tool checks of templates/_shared/checks.jinja that apply, line for
    line, as tests/templates/test_ci_check_scripts.py runs them for real."""
    dest, files = pipeline_of(capsys, tmp_path, tool_id, variant)
    args = ["--set", f"continuous_integration={tool_id}", *VARIANTS[variant]]
    config = resolve(CATALOG, {"name": dest.name}, Overrides(
        layers=tuple(args[i + 1] for i, a in enumerate(args) if a == "--layer"),
        sets=tuple(args[i + 1] for i, a in enumerate(args) if a == "--set")))
    text = "\n".join((dest / name).read_text(encoding="utf-8") for name in files)
    if tool_id == "jenkins":
        text = text.replace("\\\\", "\\")  # Groovy's ''' strings read \\ as one backslash
    pipeline = [line.strip() for line in text.splitlines()]
    calls = shared_checks(config)
    assert calls or variant in {"defaults", "model"}, f"{variant}: exercises no shared check"
    for call in calls:
        missing = _runs_in_order(check_script(call), pipeline)
        assert missing is None, f"{tool_id} ({variant}): {call} is not run: no line {missing!r}"
