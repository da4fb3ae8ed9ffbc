"""deploy/deploy.sh, which every CI's deploy stages and `make deploy`/`make plan` run, for every
continuous_deployment tool: it refuses bad input and missing settings with one clear line (exit 2)
before touching anything, and (Kubernetes, which needs no cluster to plan) renders exactly what it
would apply, with the image CI hands it pinned."""

from __future__ import annotations

import contextlib
import io
import os
import stat
import subprocess
from collections.abc import Callable
from pathlib import Path

import pytest
from clirun import opsgen
from k8s_validation import needs_kubectl
from setups import CATALOG, Setup, with_requirements

from opsgen.cli import main

CD = CATALOG.aspect("continuous_deployment")
# Settings that would let a deploy reach a real account or cluster: never inherited by these tests.
SETTINGS = ("AWS_", "TF_", "KUBECONFIG", "KUBE_CONFIG", "IMAGE", "SSH_", "ANSIBLE_")
DIGEST = "sha256:" + "0123456789abcdef" * 4


def cd_setup(tool_id: str) -> Setup:
    return Setup(name=f"cd-{tool_id}", sets=with_requirements((), CD.id, tool_id))


@pytest.fixture(scope="module")
def project_of(tmp_path_factory: pytest.TempPathFactory) -> Callable[[str], Path]:
    made: dict[str, Path] = {}

    def generate(tool_id: str) -> Path:
        if tool_id not in made:
            setup = cd_setup(tool_id)
            dest = tmp_path_factory.mktemp("deploy") / setup.project_name
            out = io.StringIO()
            with contextlib.redirect_stdout(out), contextlib.redirect_stderr(out):
                code = main(["new", str(dest), *setup.args])
            assert code == 0, f"opsgen new {' '.join(setup.args)}:\n{out.getvalue()}"
            made[tool_id] = dest
        return made[tool_id]

    return generate


def deploy(project: Path, *args: str, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(SETTINGS)}
    env.update(settings)
    return subprocess.run(["deploy/deploy.sh", *args], cwd=project, env=env, text=True,
                          capture_output=True, timeout=300, check=False)


def git_status(project: Path) -> str:
    return subprocess.run(["git", "status", "--porcelain", "--ignored"], cwd=project, text=True,
                          capture_output=True, check=True).stdout


CD_IDS = [tool.id for tool in CD.tools]


def test_every_deployment_tool_is_covered() -> None:
    assert CD_IDS, "the catalog offers no continuous_deployment tool"


@pytest.mark.parametrize("tool_id", CD_IDS)
def test_the_script_is_executable(project_of: Callable[[str], Path], tool_id: str) -> None:
    script = project_of(tool_id) / "deploy" / "deploy.sh"
    assert script.stat().st_mode & stat.S_IXUSR, f"{script} is not executable"
    assert script.read_text(encoding="utf-8").startswith("#!/bin/sh\n")


@pytest.mark.parametrize("tool_id", CD_IDS)
@pytest.mark.parametrize("args", [(), ("qa",), ("staging", "--apply"), ("staging", "--plan", "x")])
def test_bad_arguments_get_the_usage_line(
    project_of: Callable[[str], Path], tool_id: str, args: tuple[str, ...]
) -> None:
    project = project_of(tool_id)
    result = deploy(project, *args)
    assert result.returncode == 2, result
    assert result.stderr == "usage: deploy/deploy.sh staging|production [--plan]\n"
    assert result.stdout == ""


@pytest.mark.parametrize("tool_id", CD_IDS)
def test_missing_settings_stop_before_anything_runs(
    project_of: Callable[[str], Path], tool_id: str
) -> None:
    """Without settings (or without the tool) the script names what is missing in one line."""
    project = project_of(tool_id)
    before = git_status(project)
    result = deploy(project, "staging")
    assert result.returncode == 2, result
    lines = result.stderr.splitlines()
    assert len(lines) == 1 and lines[0].startswith("deploy: "), result.stderr
    expected = {
        "terraform": ("deploy: set AWS_REGION", "deploy: terraform is not installed"),
        "cloudformation": ("deploy: set AWS_REGION", "deploy: aws is not installed"),
        "kubernetes": ("deploy: set KUBECONFIG", "deploy: kubectl is not installed"),
        "ansible": ("deploy: no hosts in the [staging] group", "deploy: ansible-playbook is not"),
    }.get(tool_id)
    assert expected is not None, f"{tool_id}: no expectation for its missing settings"
    assert lines[0].startswith(expected), lines[0]
    assert git_status(project) == before, "the refused deploy changed the working tree"


@needs_kubectl
@pytest.mark.parametrize(("image", "pinned"), [
    (f"registry.example.com/team/app@{DIGEST}", f"registry.example.com/team/app@{DIGEST}"),
    ("registry.example.com:5000/app:1.2.3", "registry.example.com:5000/app:1.2.3"),
    ("", "0.1.0"),  # unset: the overlay's own images: entry
])
def test_kubernetes_plan_renders_the_overlay_with_the_image_pinned(
    project_of: Callable[[str], Path], image: str, pinned: str
) -> None:
    project = project_of("kubernetes")
    name = project.name
    for env in ("staging", "production"):
        result = deploy(project, env, "--plan", **({"IMAGE": image} if image else {}))
        assert result.returncode == 0, result.stderr
        images = [line.split("image:", 1)[1].strip()
                  for line in result.stdout.splitlines() if line.strip().startswith("image:")]
        assert images, result.stdout
        assert all(found.endswith(pinned) for found in images), images
        assert f"namespace: {name}-{env}" in result.stdout
    assert git_status(project) == "", "planning left files behind"


@needs_kubectl
@pytest.mark.parametrize("image", ["registry.example.com:5000/app", "app:", "app@sha256:"])
def test_kubernetes_refuses_an_image_without_tag_or_digest(
    project_of: Callable[[str], Path], image: str
) -> None:
    project = project_of("kubernetes")
    result = deploy(project, "staging", "--plan", IMAGE=image)
    assert result.returncode == 2, result
    assert result.stderr.startswith("deploy: IMAGE must be REGISTRY/NAME:TAG"), result.stderr
    assert git_status(project) == ""


@needs_kubectl
def test_make_plan_runs_the_script(project_of: Callable[[str], Path]) -> None:
    project = project_of("kubernetes")
    env = {k: v for k, v in os.environ.items() if not k.startswith(SETTINGS)}
    result = subprocess.run(["make", "--no-print-directory", "plan", "ENV=production"],
                            cwd=project, env=env, text=True, capture_output=True, check=False,
                            timeout=300)
    assert result.returncode == 0, result.stderr
    assert f"namespace: {project.name}-production" in result.stdout


def test_opsgen_rejects_ansible_deploys_without_the_ansible_playbook(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    run = opsgen(capsys, "new", tmp_path / "svc", "--defaults",
                 "--set", "continuous_deployment=ansible", "--set", "configuration_management=none")
    assert run.code == 2
    assert "continuous_deployment" in run.err and "deploy/ansible" in run.err
    assert not (tmp_path / "svc").exists()
