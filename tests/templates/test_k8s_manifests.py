"""Kubernetes manifests that their validators accept but a cluster would run badly."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from opsgen.cli import main

    dest = tmp_path_factory.mktemp("k8s") / "svc"
    sets = ["containerization=docker,kubernetes,openshift", "continuous_deployment=kubernetes",
            "infrastructure_as_code=none"]
    assert main(["new", str(dest), "--defaults", *(a for s in sets for a in ("--set", s))]) == 0
    return dest


@pytest.mark.parametrize("env", ["staging", "production"])
def test_the_autoscaler_alone_sets_the_replica_count(project: Path, env: str) -> None:
    # A `replicas:` entry would reset the Deployment to it on every apply, undoing the HPA.
    overlay = project / "deploy" / "k8s" / "overlays" / env / "kustomization.yaml"
    kustomization = yaml.safe_load(overlay.read_text(encoding="utf-8"))
    assert "replicas" not in kustomization
    deployment = (project / "deploy" / "k8s" / "base" / "deployment.yaml").read_text(
        encoding="utf-8")
    assert "replicas" not in yaml.safe_load(deployment)["spec"]
    patched = [p["target"]["kind"] for p in kustomization["patches"]]
    assert "HorizontalPodAutoscaler" in patched


def test_openshift_pods_may_reach_openshift_dns(project: Path) -> None:
    kustomization = yaml.safe_load(
        (project / "deploy" / "openshift" / "kustomization.yaml").read_text(encoding="utf-8"))
    (policy,) = [p for p in kustomization["patches"] if p["target"]["kind"] == "NetworkPolicy"]
    added = [op["value"] for op in yaml.safe_load(policy["patch"])
             if op["op"] == "add" and op["path"] == "/spec/egress/-"]
    assert [rule["to"][0]["namespaceSelector"]["matchLabels"] for rule in added] == [
        {"kubernetes.io/metadata.name": "openshift-dns"}]
    assert {(port["port"], port["protocol"]) for port in added[0]["ports"]} == {
        (5353, "UDP"), (5353, "TCP")}

