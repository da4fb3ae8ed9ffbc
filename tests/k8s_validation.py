"""Builtin validators of the Kubernetes family: the OpenShift Route and the GKE managed
certificate, checked against the manifests they point at."""

from __future__ import annotations

import re
import shutil
import tempfile
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

import pytest
import yaml
from toolrun import run as _run

# For the tests that render manifests with `kubectl kustomize`.
needs_kubectl = pytest.mark.skipif(shutil.which("kubectl") is None,
                                   reason="kubectl is not installed (no registry serves it)")

ROUTE_SPEC_KEYS = {"host", "subdomain", "path", "to", "alternateBackends", "port", "tls",
                   "wildcardPolicy", "httpHeaders"}
ROUTE_TLS_KEYS = {"termination", "certificate", "key", "caCertificate",
                  "destinationCACertificate", "insecureEdgeTerminationPolicy",
                  "externalCertificate"}


def _project_services(project_dir: Path) -> dict[str, set[Any]]:
    """Every Service in the project's YAML files: name -> its port names and numbers."""
    services: dict[str, set[Any]] = {}
    for path in project_dir.glob("deploy/**/*.y*ml"):
        try:
            documents = list(yaml.safe_load_all(path.read_text(encoding="utf-8")))
        except yaml.YAMLError:
            continue
        for doc in documents:
            if isinstance(doc, dict) and (doc.get("apiVersion"), doc.get("kind")) == ("v1", "Service"):
                ports: set[Any] = set()
                for port in (doc.get("spec") or {}).get("ports") or ():
                    ports.update(port.get(key) for key in ("name", "port", "targetPort"))
                services[str((doc.get("metadata") or {}).get("name"))] = ports - {None}
    return services


def _route_problems(route: Any, services: Mapping[str, set[Any]]) -> list[str]:
    if not isinstance(route, dict):
        return ["a Route must be a mapping"]
    problems = []
    if route.get("apiVersion") != "route.openshift.io/v1" or route.get("kind") != "Route":
        problems.append("must be apiVersion route.openshift.io/v1, kind Route")
    name = (route.get("metadata") or {}).get("name")
    if not (isinstance(name, str) and name):
        problems.append("metadata.name: required")
    spec = route.get("spec")
    if not isinstance(spec, dict):
        return [*problems, "spec: required"]
    problems.extend(f"spec.{key}: unknown field" for key in sorted(set(spec) - ROUTE_SPEC_KEYS))
    if spec.get("wildcardPolicy", "None") not in ("None", "Subdomain"):
        problems.append("spec.wildcardPolicy: must be None or Subdomain")
    return [*problems, *_route_target_problems(spec, services), *_route_tls_problems(spec)]


def _route_target_problems(spec: dict[str, Any], services: Mapping[str, set[Any]]) -> list[str]:
    to = spec.get("to")
    if not (isinstance(to, dict) and to.get("kind") == "Service" and to.get("name")):
        return ["spec.to: must be {kind: Service, name: ...}"]
    problems = []
    weight = to.get("weight", 100)
    if not (isinstance(weight, int) and 0 <= weight <= 256):
        problems.append("spec.to.weight: must be an integer from 0 to 256")
    ports = services.get(to["name"])
    if ports is None:
        problems.append(f"spec.to.name: no Service {to['name']!r} in the project")
    target = (spec.get("port") or {}).get("targetPort")
    if target is None:
        problems.append("spec.port.targetPort: required (the Service port to route to)")
    elif ports is not None and target not in ports:
        problems.append(f"spec.port.targetPort: Service {to['name']!r} has no port {target!r}")
    return problems


def _route_tls_problems(spec: dict[str, Any]) -> list[str]:
    tls = spec.get("tls")
    if not isinstance(tls, dict):
        return ["spec.tls: required (opsgen routes are HTTPS)"]
    problems = [f"spec.tls.{key}: unknown field" for key in sorted(set(tls) - ROUTE_TLS_KEYS)]
    if tls.get("termination") not in ("edge", "passthrough", "reencrypt"):
        problems.append("spec.tls.termination: must be edge, passthrough or reencrypt")
    if tls.get("insecureEdgeTerminationPolicy", "None") not in ("Allow", "None", "Redirect"):
        problems.append("spec.tls.insecureEdgeTerminationPolicy: must be Allow, None or Redirect")
    return problems


def _openshift_route(project_dir: Path, files: list[str]) -> None:
    services = _project_services(project_dir)
    for name in files:
        try:
            documents = [d for d in yaml.safe_load_all((project_dir / name).read_text(
                encoding="utf-8")) if d is not None]
        except yaml.YAMLError as error:
            raise AssertionError(f"openshift_route: {name}: not YAML: {error}") from None
        if not documents:
            raise AssertionError(f"openshift_route: {name}: no Route in the file")
        problems = [p for doc in documents for p in _route_problems(doc, services)]
        if problems:
            raise AssertionError(f"openshift_route: {name}:\n  " + "\n  ".join(problems))


# GKE's ManagedCertificate is a CRD too (networking.gke.io/v1), checked after Google's docs:
#   {apiVersion: networking.gke.io/v1, kind: ManagedCertificate, metadata: {name},
#    spec: {domains: 1-100 DNS names, no wildcards, each at most 63 characters}}
# and an Ingress of the project must name it in networking.gke.io/managed-certificates.
DNS_NAME = re.compile(r"^(?=.{1,63}$)([a-z0-9]([a-z0-9-]*[a-z0-9])?\.)+[a-z]{2,63}$")
MANAGED_CERTIFICATES = "networking.gke.io/managed-certificates"


def _yaml_documents(project_dir: Path, pattern: str) -> list[Any]:
    documents: list[Any] = []
    for path in project_dir.glob(pattern):
        try:
            documents.extend(yaml.safe_load_all(path.read_text(encoding="utf-8")))
        except yaml.YAMLError:
            continue
    return [d for d in documents if isinstance(d, dict)]


def _certificate_problems(cert: dict[str, Any], referenced: set[str]) -> list[str]:
    problems = []
    if (cert.get("apiVersion"), cert.get("kind")) != ("networking.gke.io/v1", "ManagedCertificate"):
        problems.append("must be apiVersion networking.gke.io/v1, kind ManagedCertificate")
    name = (cert.get("metadata") or {}).get("name")
    if not (isinstance(name, str) and name):
        problems.append("metadata.name: required")
    elif name not in referenced:
        problems.append(f"no Ingress names {name!r} in its {MANAGED_CERTIFICATES} annotation")
    spec = cert.get("spec")
    if not isinstance(spec, dict) or set(spec) - {"domains"}:
        return [*problems, "spec: must be {domains: [...]} and nothing else"]
    domains = spec.get("domains")
    if not (isinstance(domains, list) and 0 < len(domains) <= 100):
        return [*problems, "spec.domains: must list 1 to 100 domains"]
    problems.extend(
        f"spec.domains: {domain!r} is not a DNS name of at most 63 characters (no wildcards)"
        for domain in domains if not (isinstance(domain, str) and DNS_NAME.match(domain))
    )
    return problems


def _gke_managed_certificate(project_dir: Path, files: list[str]) -> None:
    referenced = {
        name.strip()
        for doc in _yaml_documents(project_dir, "deploy/**/*.y*ml") if doc.get("kind") == "Ingress"
        for name in str(((doc.get("metadata") or {}).get("annotations") or {}).get(
            MANAGED_CERTIFICATES, "")).split(",")
    }
    for name in files:
        documents = _yaml_documents(project_dir, name)
        if not documents:
            raise AssertionError(f"gke_managed_certificate: {name}: no certificate in the file")
        problems = [p for doc in documents for p in _certificate_problems(doc, referenced)]
        if problems:
            raise AssertionError(f"gke_managed_certificate: {name}:\n  " + "\n  ".join(problems))



def _checkov_kustomize(project_dir: Path, files: list[str]) -> None:
    """Render each kustomization with ``kubectl kustomize`` (what a deploy applies) and run
    checkov's Kubernetes checks on the result. A check the manifests do not meet must be skipped
    in them, by a ``checkov.io/skip`` annotation with its reason."""
    if shutil.which("kubectl") is None:
        pytest.skip("checkov_kustomize: kubectl is not on this machine and no package registry "
                    "reachable here serves it")
    with tempfile.TemporaryDirectory(prefix="opsgen-kustomize-") as tmp:
        rendered = []
        for index, name in enumerate(files):
            out = Path(tmp) / f"{index}-{Path(name).name}.yaml"
            out.write_text(_run(project_dir, "checkov_kustomize", ["kubectl", "kustomize", name]),
                           encoding="utf-8")
            rendered.append(str(out))
        _run(project_dir, "checkov_kustomize",
             ["checkov", "--quiet", "--compact", "--skip-download", "--framework", "kubernetes",
              *(arg for path in rendered for arg in ("-f", path))])


def _kubernetes_validate(project_dir: Path, files: list[str]) -> None:
    """``kubernetes-validate --strict`` against the Kubernetes 1.30 schemas, failing on a kind it
    has no schema for too (a misspelled one), which it only warns about."""
    out = _run(project_dir, "kubernetes_validate",
               ["kubernetes-validate", "--strict", "-k", "1.30.0", *files])
    unknown = [line for line in out.splitlines() if "find schema for" in line]
    if unknown:
        raise AssertionError("kubernetes_validate: " + "; ".join(unknown))


K8S_BUILTINS: dict[str, Callable[[Path, list[str]], None]] = {
    "kubernetes_validate": _kubernetes_validate,
    "openshift_route": _openshift_route,
    "gke_managed_certificate": _gke_managed_certificate,
    "checkov_kustomize": _checkov_kustomize,
}
