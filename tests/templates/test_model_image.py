"""The model server's image, from `make train` to a Kubernetes deploy: `make model-image` builds
serving/Dockerfile only with a registered model to bake in, every CI builds it next to the
service's image and, when it pushes the service's, pushes it too and hands it to the deploys,
and deploy/deploy.sh pins it (MODEL_IMAGE) like the service's (IMAGE)."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from k8s_validation import needs_kubectl
from pipelines import CI, pipeline_of

DIGEST = "sha256:" + "fedcba9876543210" * 4
KUBERNETES = ["--set", "containerization=docker,kubernetes",
              "--set", "continuous_deployment=kubernetes", "--set", "infrastructure_as_code=none"]
# Settings that would let a deploy reach a real cluster: never inherited by these tests.
SETTINGS = ("KUBECONFIG", "KUBE_CONFIG", "IMAGE", "MODEL_IMAGE")


@pytest.fixture(scope="module")
def model_project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from opsgen.cli import main

    dest = tmp_path_factory.mktemp("model") / "acme-ml"
    assert main(["new", str(dest), "--defaults", "--layer", "mlops", *KUBERNETES]) == 0
    return dest


def run(project: Path, *command: str, **settings: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(SETTINGS)}
    env.update(settings)
    return subprocess.run(list(command), cwd=project, env=env, text=True, capture_output=True,
                          timeout=300, check=False)


def test_make_model_image_refuses_without_a_registered_model(model_project: Path) -> None:
    assert not (model_project / "outputs" / "registered.json").exists()
    result = run(model_project, "make", "model-image")
    assert result.returncode == 2, result
    assert "no registered model in outputs/: run make train first" in result.stderr


def test_make_model_image_names_the_missing_container_tool(tmp_path: Path,
                                                           model_project: Path) -> None:
    project = tmp_path / "trained"
    shutil.copytree(model_project, project)
    # What `make train` registers (the guard looks for the record, the build for the rest).
    (project / "outputs" / "registered.json").write_text("{}\n", encoding="utf-8")
    result = run(project, "make", "model-image", "DOCKER=opsgen-no-such-docker")
    assert result.returncode == 2, result
    assert "building the model image needs Docker (or set DOCKER=podman)" in result.stderr


def images_by_deployment(manifests: str) -> dict[str, list[str]]:
    """Each Deployment's container images in `kubectl kustomize` output."""
    found: dict[str, list[str]] = {}
    for document in manifests.split("\n---\n"):
        if re.search(r"^kind: Deployment$", document, re.MULTILINE):
            name = re.search(r"^  name: (\S+)$", document, re.MULTILINE)
            assert name, document
            found[name.group(1)] = re.findall(r"^\s+image: (\S+)$", document, re.MULTILINE)
    return found


@needs_kubectl
@pytest.mark.parametrize("env", ["staging", "production"])
def test_deploy_plan_pins_the_model_image_ci_hands_it(model_project: Path, env: str) -> None:
    service = f"ghcr.io/acme/acme-ml@sha256:{'0' * 64}"
    model = f"ghcr.io/acme/acme-ml-model@{DIGEST}"
    result = run(model_project, "deploy/deploy.sh", env, "--plan", IMAGE=service,
                 MODEL_IMAGE=model)
    assert result.returncode == 0, result.stderr
    assert images_by_deployment(result.stdout) == {"acme-ml": [service], "acme-ml-model": [model]}
    # Only the model's: the service keeps the overlay's own entry.
    result = run(model_project, "deploy/deploy.sh", env, "--plan",
                 MODEL_IMAGE="registry.example.com:5000/acme-ml-model:1.2.3")
    assert result.returncode == 0, result.stderr
    assert images_by_deployment(result.stdout) == {
        "acme-ml": ["acme-ml:0.1.0"], "acme-ml-model": ["registry.example.com:5000/acme-ml-model:1.2.3"]}
    status = run(model_project, "git", "status", "--porcelain", "--ignored")
    assert status.stdout == "", "planning left files behind"


@needs_kubectl
@pytest.mark.parametrize("image", ["registry.example.com/acme-ml-model", "m:", "m@sha256:abc"])
def test_deploy_refuses_a_model_image_without_tag_or_digest(model_project: Path,
                                                            image: str) -> None:
    result = run(model_project, "deploy/deploy.sh", "staging", "--plan", MODEL_IMAGE=image)
    assert result.returncode == 2, result
    assert result.stderr == ("deploy: MODEL_IMAGE must be REGISTRY/NAME:TAG or "
                             f"REGISTRY/NAME@sha256:DIGEST, not {image}\n")


def pipeline_text(capsys: pytest.CaptureFixture[str], tmp_path: Path, tool_id: str,
                  variant: str) -> str:
    dest, files = pipeline_of(capsys, tmp_path, tool_id, variant)
    return "\n".join((dest / name).read_text(encoding="utf-8") for name in files)


@pytest.mark.parametrize("tool_id", CI.tool_ids)
def test_every_ci_builds_pushes_and_deploys_the_model_image(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, tool_id: str
) -> None:
    text = pipeline_text(capsys, tmp_path, tool_id, "model")
    assert "make train" in text, f"{tool_id}: nothing trains the model the image bakes in"
    assert re.search(r"make model-image|--file serving/Dockerfile|-f serving/Dockerfile", text), (
        f"{tool_id}: the model image (serving/Dockerfile) is not built")
    pushes = re.findall(r"docker push \S+", text)
    assert any(re.search(r"[-/]model:", push) for push in pushes), (
        f"{tool_id}: the model image is not pushed ({pushes})")
    assert len(pushes) == 2, f"{tool_id}: expected the service's and the model's push: {pushes}"
    handed = re.sub(r"make model-image MODEL_IMAGE=", "", text)
    assert re.search(r"\bMODEL_IMAGE\b", handed), f"{tool_id}: no deploy is handed MODEL_IMAGE"


@pytest.mark.parametrize("tool_id", CI.tool_ids)
def test_without_the_model_server_no_ci_builds_a_model_image(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, tool_id: str
) -> None:
    text = pipeline_text(capsys, tmp_path, tool_id, "kubernetes")
    assert "serving/Dockerfile" not in text and "model-image" not in text
    assert "MODEL_IMAGE" not in text
    assert len(re.findall(r"docker push \S+", text)) == 1, f"{tool_id}: the service's push only"
