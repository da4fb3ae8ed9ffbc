"""The catalog: its JSON contract, its consistency, and copier.yml derived from it."""

from __future__ import annotations

from pathlib import Path

import pytest

from opsgen.catalog import Catalog, default_catalog, parse_catalog
from opsgen.copier_yml import render
from opsgen.errors import CatalogError

ROOT = Path(__file__).resolve().parents[2]
BASE_ASPECTS = {
    "version_control", "continuous_integration", "configuration_management", "containerization",
    "monitoring_logging", "continuous_deployment", "infrastructure_as_code", "incident_management",
    "data_privacy_security",
}
BASE_DEFAULTS = {
    "version_control": "git", "continuous_integration": "github_actions",
    "configuration_management": "ansible", "containerization": "docker",
    "monitoring_logging": "prometheus_grafana", "continuous_deployment": "terraform",
    "infrastructure_as_code": "terraform", "data_privacy_security": "pii_masking",
}


@pytest.fixture(scope="module")
def catalog() -> Catalog:
    return default_catalog()


def test_every_base_layer_aspect_is_in_the_catalog(catalog: Catalog) -> None:
    assert {a.id for a in catalog.aspects} >= BASE_ASPECTS


@pytest.mark.parametrize(("aspect_id", "tool_id"), sorted(BASE_DEFAULTS.items()))
def test_base_layer_defaults(catalog: Catalog, aspect_id: str, tool_id: str) -> None:
    aspect = catalog.aspect(aspect_id)
    assert aspect.tools[0].id == tool_id


def test_incident_management_and_both_privacy_tools_exist(catalog: Catalog) -> None:
    assert catalog.aspect("incident_management").tools
    privacy = catalog.aspect("data_privacy_security")
    assert privacy.tool_ids == ("pii_masking", "secret_scanning")
    # Secret scanning is in every project: both tools check the reviewed baseline.
    for tool in privacy.tools:
        assert any(check.validator == "detect_secrets" for check in tool.checks), tool.id


def test_catalog_json_has_exactly_the_documented_shape(catalog: Catalog) -> None:
    data = catalog.to_json()
    assert list(data) == ["aspects"]
    for aspect in data["aspects"]:
        # The documented keys, then the one-line summary opsgen added (contracts only extend).
        assert list(aspect) == ["id", "title", "layers", "multiple", "tools", "summary"]
        assert aspect["summary"]
        assert isinstance(aspect["multiple"], bool)
        assert [t["default"] for t in aspect["tools"]].count(True) == 1
        for tool in aspect["tools"]:
            assert list(tool) == ["id", "title", "default"]
    multiple = {a["id"] for a in data["aspects"] if a["multiple"]}
    assert multiple == {"containerization", "monitoring_logging", "data_integration"}


def test_every_layer_and_aspect_explains_itself_in_one_line(catalog: Catalog) -> None:
    # The wizard shows these next to each question.
    for item in (*catalog.layers, *catalog.aspects):
        assert item.summary and "\n" not in item.summary and len(item.summary) <= 100, item.id


def test_copier_yml_is_derived_from_the_catalog(catalog: Catalog) -> None:
    committed = (ROOT / "copier.yml").read_text(encoding="utf-8")
    assert committed == render(catalog), "regenerate: python -m opsgen.copier_yml > copier.yml"


def test_every_layer_has_a_template_folder(catalog: Catalog) -> None:
    for layer in catalog.layers:
        assert (ROOT / "templates" / layer.id).is_dir()


def test_a_rule_naming_an_unknown_tool_is_rejected() -> None:
    data = {
        "layers": [{"id": "devops", "title": "DevOps", "ready": True, "checks": []}],
        "aspects": [{"id": "a", "title": "A", "layers": ["devops"],
                     "tools": [{"id": "x", "title": "X"}]}],
        "rules": [{"when": {"a": "nope"}, "requires": {"a": ["x"]}, "reason": "r"}],
    }
    with pytest.raises(CatalogError, match="unknown tool"):
        parse_catalog(data)


def test_a_check_naming_an_unknown_validator_is_rejected() -> None:
    data = {
        "layers": [{"id": "devops", "title": "DevOps", "ready": True, "checks": []}],
        "aspects": [{"id": "a", "title": "A", "layers": ["devops"], "tools": [
            {"id": "x", "title": "X", "checks": [{"validator": "nope", "files": "*"}]}]}],
    }
    with pytest.raises(CatalogError, match="unknown validators"):
        parse_catalog(data)


def test_a_validator_that_runs_the_project_must_be_slow() -> None:
    data = {
        "layers": [{"id": "devops", "title": "DevOps", "ready": True, "checks": []}],
        "aspects": [{"id": "a", "title": "A", "layers": ["devops"], "tools": [
            {"id": "x", "title": "X", "checks": [{"validator": "t", "files": "*"}]}]}],
        "validators": {"t": {"builtin": "t", "runs_project": True}},
    }
    with pytest.raises(CatalogError, match=r"\['t'\] run the project but are not slow"):
        parse_catalog(data)
    data["validators"]["t"]["slow"] = True  # type: ignore[index]
    assert parse_catalog(data).validators["t"].runs_project


def test_a_check_scoped_to_a_layer_its_aspect_is_not_in_is_rejected() -> None:
    data = {
        "layers": [{"id": "devops", "title": "DevOps", "ready": True, "checks": []},
                   {"id": "mlops", "title": "MLOps", "ready": True, "checks": []}],
        "aspects": [{"id": "a", "title": "A", "layers": ["devops"], "tools": [
            {"id": "x", "title": "X",
             "checks": [{"validator": "v", "files": "*", "layer": "mlops"}]}]}],
        "validators": {"v": {"builtin": "v"}},
    }
    with pytest.raises(CatalogError, match="checks for other layers"):
        parse_catalog(data)


def test_the_orchestrators_scope_each_pipeline_file_to_its_layer(catalog: Catalog) -> None:
    for tool in catalog.aspect("workflow_orchestration").tools[1:]:
        for check in tool.checks:
            expected = "dataops" if "data_pipeline" in check.files else "mlops"
            assert check.layer == expected, (tool.id, check)
