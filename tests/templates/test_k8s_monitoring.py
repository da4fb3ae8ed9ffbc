"""A Prometheus in the cluster watches what deploy/k8s runs under the job names its rules and
dashboards use: monitoring/prometheus/kubernetes/prometheus.yml finds the service's and the model
server's pods through headless Services of the production overlay, on their containers' ports."""

from __future__ import annotations

import re
import subprocess
from pathlib import Path
from typing import Any

import pytest
import yaml
from k8s_validation import needs_kubectl
from pipelines import CI, pipeline_of


@pytest.fixture(scope="module")
def project(tmp_path_factory: pytest.TempPathFactory) -> Path:
    from opsgen.cli import main

    dest = tmp_path_factory.mktemp("k8s-monitoring") / "svc"
    sets = ["containerization=docker,kubernetes", "continuous_deployment=kubernetes",
            "infrastructure_as_code=none", "monitoring_logging=prometheus_grafana"]
    args = ["new", str(dest), "--defaults", "--layer", "mlops"]
    assert main([*args, *(a for s in sets for a in ("--set", s))]) == 0
    return dest


def production(project: Path) -> list[dict[str, Any]]:
    rendered = subprocess.run(["kubectl", "kustomize", "deploy/k8s/overlays/production"],
                              cwd=project, capture_output=True, text=True, check=True).stdout
    return [doc for doc in yaml.safe_load_all(rendered) if doc]


def jobs_used(project: Path) -> set[str]:
    """The job names the rules and dashboards select (job="...")."""
    texts = [path.read_text(encoding="utf-8") for pattern in
             ("monitoring/prometheus/rules/*.yml", "monitoring/grafana/dashboards/*.json")
             for path in project.glob(pattern)]
    return {name for text in texts for name in re.findall(r'job=\\?"([a-z-]+)\\?"', text)}


def test_the_in_cluster_config_scrapes_every_job_the_rules_use(project: Path) -> None:
    config = yaml.safe_load((project / "monitoring/prometheus/kubernetes/prometheus.yml")
                            .read_text(encoding="utf-8"))
    used = jobs_used(project)
    assert used == {"service", "model"}, used
    assert used <= {job["job_name"] for job in config["scrape_configs"]}
    assert config["rule_files"] == ["../rules/*.yml"]


@needs_kubectl
def test_each_job_finds_the_pods_of_its_deployment(project: Path) -> None:
    config = yaml.safe_load((project / "monitoring/prometheus/kubernetes/prometheus.yml")
                            .read_text(encoding="utf-8"))
    objects = production(project)
    services = {(o["metadata"]["namespace"], o["metadata"]["name"]): o
                for o in objects if o["kind"] == "Service"}
    deployments = [o for o in objects if o["kind"] == "Deployment"]
    found = {}
    for job in config["scrape_configs"]:
        if job["job_name"] not in ("service", "model"):
            continue
        ((sd,),) = [job["dns_sd_configs"]]
        (dns_name,) = sd["names"]
        service_name, namespace, *_ = dns_name.split(".")
        # No cluster domain: Prometheus's DNS discovery completes SERVICE.NAMESPACE.svc with
        # the pod's search path, whatever the domain (cluster.local is only the default).
        assert dns_name.count(".") == 2 and dns_name.endswith(".svc") and sd["type"] == "A"
        service = services[(namespace, service_name)]
        assert service["spec"]["clusterIP"] == "None", "DNS of a headless Service lists the pods"
        selector = service["spec"]["selector"]
        (deployment,) = [d for d in deployments
                         if selector.items() <= d["spec"]["template"]["metadata"]["labels"].items()]
        ports = {port["name"]: port["containerPort"]
                 for container in deployment["spec"]["template"]["spec"]["containers"]
                 for port in container.get("ports", [])}
        assert sd["port"] == ports["http"], (job["job_name"], ports)
        assert {p["port"] for p in service["spec"]["ports"]} == {ports["http"]}
        found[job["job_name"]] = deployment["metadata"]["name"]
    assert found == {"service": "svc", "model": "svc-model"}


@pytest.mark.parametrize("tool_id", CI.tool_ids)
def test_every_ci_checks_the_in_cluster_config(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, tool_id: str
) -> None:
    dest, files = pipeline_of(capsys, tmp_path, tool_id, "kubernetes")
    text = "\n".join((dest / name).read_text(encoding="utf-8") for name in files)
    assert "promtool check config prometheus.yml kubernetes/prometheus.yml" in text, tool_id
