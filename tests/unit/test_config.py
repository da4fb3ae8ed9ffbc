"""Config validation: every rule, with errors that name the key."""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

import pytest

from opsgen.catalog import Catalog, default_catalog, parse_catalog
from opsgen.config import (
    Overrides,
    config_from_answers,
    dump_config,
    preset_tools,
    read_config_file,
    resolve,
)
from opsgen.errors import ConfigError

# A tiny catalog built inline: an mlops-only aspect lets us test layer rules before the real
# mlops layer ships, and a rule lets us test compatibility independently of the real data.
TINY: dict[str, Any] = {
    "layers": [
        {"id": "devops", "title": "DevOps", "ready": True, "checks": []},
        {"id": "mlops", "title": "MLOps", "ready": True, "checks": []},
        {"id": "dataops", "title": "DataOps", "ready": False, "checks": []},
    ],
    "aspects": [
        {"id": "ci", "title": "CI", "layers": ["devops", "mlops"],
         "tools": [{"id": "gha", "title": "GHA"}, {"id": "gitlab", "title": "GitLab"}]},
        {"id": "boxes", "title": "Boxes", "layers": ["devops"], "multiple": True,
         "tools": [{"id": "docker", "title": "Docker"}, {"id": "k8s", "title": "K8s"}]},
        {"id": "ml", "title": "ML", "layers": ["mlops"],
         "tools": [{"id": "sklearn", "title": "sklearn"}]},
    ],
    "rules": [{"when": {"ci": "gitlab"}, "requires": {"boxes": ["k8s"]}, "reason": "demo rule"}],
}


@pytest.fixture(scope="module")
def tiny() -> Catalog:
    return parse_catalog(TINY)


def error_of(catalog: Catalog, raw: dict[str, Any], overrides: Overrides = Overrides()) -> str:
    with pytest.raises(ConfigError) as info:
        resolve(catalog, raw, overrides)
    message = str(info.value)
    assert "\n" not in message
    return message


def test_defaults_fill_every_applicable_aspect(tiny: Catalog) -> None:
    config = resolve(tiny, {"name": "acme"}, Overrides())
    assert config.layers == ("devops",)
    assert dict(config.tools) == {"ci": "gha", "boxes": ("docker",)}


def test_layers_add_their_aspects_and_keep_catalog_order(tiny: Catalog) -> None:
    config = resolve(tiny, {"name": "acme", "layers": ["mlops"]}, Overrides())
    assert config.layers == ("devops", "mlops")
    assert config.tools["ml"] == "sklearn"


def test_flags_override_the_file(tiny: Catalog) -> None:
    raw = {"name": "acme", "tools": {"ci": "gitlab", "boxes": ["k8s"]}}
    config = resolve(tiny, raw, Overrides(sets=("boxes=docker,k8s",)))
    assert config.tools["boxes"] == ("docker", "k8s")
    assert config.tools["ci"] == "gitlab"


@pytest.mark.parametrize(
    ("raw", "key"),
    [
        ({}, "name:"),
        ({"name": ""}, "name:"),
        ({"name": "Acme"}, "name:"),
        ({"name": "a/b"}, "name:"),
        ({"name": "../x"}, "name:"),
        ({"name": "a b"}, "name:"),
        ({"name": "a'b"}, "name:"),
        ({"name": 'a"b'}, "name:"),
        ({"name": "-ab"}, "name:"),
        ({"name": "ab-"}, "name:"),
        ({"name": 12}, "name:"),
        ({"name": "a" * 41}, "name:"),
        ({"name": "ok", "colour": "red"}, "colour: unknown key"),
        ({"name": "ok", "tools": {"cd": "x"}}, "tools.cd: unknown aspect"),
        ({"name": "ok", "tools": {"ci": "jenkinz"}}, "tools.ci: 'jenkinz' is not a tool"),
        ({"name": "ok", "tools": {"ml": "sklearn"}}, "tools.ml: belongs to layer mlops"),
        ({"name": "ok", "tools": {"ci": ["gha"]}}, "tools.ci: takes a single tool"),
        ({"name": "ok", "tools": {"boxes": []}}, "tools.boxes: choose at least one"),
        ({"name": "ok", "tools": {"boxes": ["docker", "nope"]}}, "tools.boxes: 'nope'"),
        ({"name": "ok", "tools": "gha"}, "tools: must be a mapping"),
        ({"name": "ok", "layers": ["bogus"]}, "layers: 'bogus' is not a layer"),
        ({"name": "ok", "layers": ["dataops"]}, "layers: 'dataops' has no templates"),
        ({"name": "ok", "description": ["x"]}, "description: must be text"),
        ({"name": "ok", "tools": {"ci": "gitlab"}}, "tools.ci: 'gitlab' needs boxes to include k8s"),
    ],
)
def test_bad_input_names_the_key(tiny: Catalog, raw: dict[str, Any], key: str) -> None:
    assert error_of(tiny, raw).startswith(key)


def test_bad_set_flag_names_the_flag(tiny: Catalog) -> None:
    assert error_of(tiny, {"name": "ok"}, Overrides(sets=("ci",))).startswith("--set:")


def test_compatible_pair_passes_the_rule(tiny: Catalog) -> None:
    config = resolve(tiny, {"name": "ok", "tools": {"ci": "gitlab", "boxes": "k8s"}}, Overrides())
    assert config.tools["boxes"] == ("k8s",)


def test_real_rule_terraform_deploy_needs_terraform_iac() -> None:
    # The user chose no infrastructure code; the deploy tool is the default: the error is about
    # the choice the user made, and says which default to change along with it.
    raw = {"name": "ok", "tools": {"infrastructure_as_code": "none"}}
    message = error_of(default_catalog(), raw)
    assert message.startswith(
        "tools.infrastructure_as_code: 'none' does not go with continuous_deployment 'terraform' "
        "(the default), which needs infrastructure_as_code to be terraform"
    )
    assert message.endswith("; choose another continuous_deployment too")
    both = {"name": "ok", "tools": {"infrastructure_as_code": "none",
                                    "continuous_deployment": "terraform"}}
    assert error_of(default_catalog(), both).startswith(
        "tools.continuous_deployment: 'terraform' needs infrastructure_as_code to be terraform")
    flagged = error_of(default_catalog(), both, Overrides(sets=("infrastructure_as_code=none",)))
    assert flagged.startswith("tools.infrastructure_as_code: 'none' does not go with "
                              "continuous_deployment 'terraform', which needs")


def test_real_rule_cloudformation_deploy_needs_cloudformation_iac() -> None:
    raw = {"name": "ok", "tools": {"continuous_deployment": "cloudformation"}}
    message = error_of(default_catalog(), raw)
    assert message.startswith(
        "tools.continuous_deployment: 'cloudformation' needs infrastructure_as_code to be "
        "cloudformation"
    )


def test_cloudformation_deploy_with_cloudformation_iac_is_accepted() -> None:
    tools = {"continuous_deployment": "cloudformation", "infrastructure_as_code": "cloudformation"}
    config = resolve(default_catalog(), {"name": "ok", "tools": tools}, Overrides())
    assert {k: config.tools[k] for k in tools} == tools
def test_real_rule_alert_routing_needs_prometheus() -> None:
    # ELK alone has no Prometheus alerts for Alertmanager to route: the default email is refused.
    message = error_of(default_catalog(), {"name": "ok", "tools": {"monitoring_logging": ["elk"]}})
    assert message.startswith(
        "tools.monitoring_logging: 'elk' does not go with incident_management 'email' (the "
        "default), which needs monitoring_logging to include prometheus_grafana"
    )


@pytest.mark.parametrize(
    "tools",
    [
        {"monitoring_logging": ["elk"], "incident_management": "none"},
        {"monitoring_logging": ["prometheus_grafana", "elk"], "incident_management": "slack"},
        {"monitoring_logging": ["elk", "prometheus_grafana"]},
    ],
)
def test_elk_with_prometheus_or_without_alert_routing_passes(tools: dict[str, Any]) -> None:
    config = resolve(default_catalog(), {"name": "ok", "tools": tools}, Overrides())
    assert "elk" in config.tools["monitoring_logging"]


def test_the_wizard_disables_alert_routing_without_prometheus() -> None:
    from opsgen.wizard import disabled_reason

    catalog = default_catalog()
    aspect = catalog.aspect("incident_management")
    elk_only = {"monitoring_logging": ("elk",)}
    assert disabled_reason(catalog, elk_only, aspect, "email")
    assert disabled_reason(catalog, elk_only, aspect, "none") == ""
    both = {"monitoring_logging": ("prometheus_grafana", "elk")}
    assert disabled_reason(catalog, both, aspect, "email") == ""


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("name: [unclosed\n", "opsgen.yaml: is not valid YAML at line"),
        ("", "opsgen.yaml: is empty"),
        ("# only a comment\n", "opsgen.yaml: is empty"),
        ("- a\n- b\n", "opsgen.yaml: must be a mapping"),
    ],
)
def test_unreadable_files_name_the_file(tmp_path: Path, text: str, expected: str) -> None:
    path = tmp_path / "opsgen.yaml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        read_config_file(path)
    assert str(info.value).startswith(expected)


def test_missing_file_names_it(tmp_path: Path) -> None:
    with pytest.raises(ConfigError) as info:
        read_config_file(tmp_path / "nope.yaml")
    assert str(info.value) == f"{tmp_path / 'nope.yaml'}: no such file"


def test_answers_round_trip_to_the_same_config() -> None:
    catalog = default_catalog()
    raw = {"name": "acme", "description": 'x {{ y }} "z"', "tools": {"incident_management": "slack"}}
    config = resolve(catalog, raw, Overrides())
    assert config_from_answers(catalog, config.answers()) == config


def test_real_rule_kubernetes_deploy_needs_the_kubernetes_manifests() -> None:
    raw = {"name": "ok", "tools": {"continuous_deployment": "kubernetes"}}
    message = error_of(default_catalog(), raw)
    assert message.startswith(
        "tools.continuous_deployment: 'kubernetes' needs containerization to include kubernetes"
    )
    config = resolve(default_catalog(), {**raw, "tools": {
        "continuous_deployment": "kubernetes", "containerization": ["docker", "kubernetes"],
    }}, Overrides())
    assert config.tools["containerization"] == ("docker", "kubernetes")


@pytest.mark.parametrize(
    ("containerization", "expected"),
    [
        (["kubernetes"], "tools.containerization: 'kubernetes' needs containerization to include docker"),
        (["docker", "openshift"],
         "tools.containerization: 'openshift' needs containerization to include kubernetes"),
        (["docker", "gke"], "tools.containerization: 'gke' needs containerization to include kubernetes"),
        (["aws_ecs"], "tools.containerization: 'aws_ecs' needs containerization to include docker"),
    ],
)
def test_real_rules_within_containerization(containerization: list[str], expected: str) -> None:
    raw = {"name": "ok", "tools": {"containerization": containerization}}
    assert error_of(default_catalog(), raw).startswith(expected)


CLOUDFORMATION = {"infrastructure_as_code": "cloudformation", "continuous_deployment": "cloudformation"}


@pytest.mark.parametrize(
    ("tools", "expected"),
    [
        ({"containerization": ["docker", "kubernetes", "gke"], **CLOUDFORMATION},
         "tools.containerization: 'gke' needs infrastructure_as_code to be terraform"),
        ({"containerization": ["docker", "aws_ecs"], "infrastructure_as_code": "none",
          "continuous_deployment": "ansible"},
         "tools.containerization: 'aws_ecs' needs infrastructure_as_code to be terraform or "
         "cloudformation"),
    ],
)
def test_real_rules_between_containerization_and_iac(tools: dict[str, object], expected: str) -> None:
    assert error_of(default_catalog(), {"name": "ok", "tools": tools}).startswith(expected)


@pytest.mark.parametrize("iac", [{}, CLOUDFORMATION])
def test_aws_ecs_is_accepted_with_terraform_or_cloudformation(iac: dict[str, str]) -> None:
    tools = {"containerization": ["docker", "aws_ecs"], **iac}
    config = resolve(default_catalog(), {"name": "ok", "tools": tools}, Overrides())
    assert config.tools["containerization"] == ("docker", "aws_ecs")


def test_a_dumped_config_reads_back_as_the_same_config(tmp_path: Path) -> None:
    catalog = default_catalog()
    raw = {"name": "acme-dump", "description": "Quotes ' \" and: colons # and no",
           "layers": ["mlops", "dataops"],
           "tools": {"containerization": ["docker", "kubernetes"], "data_processing": "spark"}}
    config = resolve(catalog, raw, Overrides())
    path = tmp_path / "saved.yaml"
    path.write_text(dump_config(config, path.name), encoding="utf-8")
    assert resolve(catalog, read_config_file(path), Overrides()) == config
    assert "opsgen new DEST --config saved.yaml" in path.read_text(encoding="utf-8")


def test_preset_tools_check_aspect_and_tool_but_not_layers(tiny: Catalog) -> None:
    assert preset_tools(tiny, ["ml=sklearn", "boxes=docker,k8s"]) == {
        "ml": "sklearn", "boxes": ("docker", "k8s")}
    with pytest.raises(ConfigError, match=r"^tools\.ci: 'jenkins' is not a tool"):
        preset_tools(tiny, ["ci=jenkins"])
    with pytest.raises(ConfigError, match=r"^tools\.nope: unknown aspect"):
        preset_tools(tiny, ["nope=x"])


def test_the_schemas_description_pattern_refuses_what_validation_refuses() -> None:
    # Parity: one rule stated twice (Python for opsgen, a regex for the JSON Schema).
    from opsgen.config import DESCRIPTION_SCHEMA_PATTERN, description_problem

    pattern = re.compile(DESCRIPTION_SCHEMA_PATTERN)
    for code in range(0x110000):
        if 0xD800 <= code <= 0xDFFF:  # lone surrogates cannot be in a JSON document's text
            continue
        char = chr(code)
        assert bool(pattern.search(f"a{char}b")) == (description_problem(char) == ""), hex(code)


@pytest.mark.parametrize("name", ["acme\n", "acme\r", "acme\n\n", "\nacme", "a" * 41])
def test_the_name_pattern_is_anchored_for_python_and_the_schema(name: str) -> None:
    from opsgen.config import NAME_PATTERN

    assert NAME_PATTERN.search(name) is None
    assert error_of(default_catalog(), {"name": name}).startswith("name:")


# TensorFlow Serving answers requests without opsgen code in the path, so the built-in drift
# check (it lives in the FastAPI model server) would never see one: Evidently is required.
@pytest.mark.parametrize("serving", ["tensorflow_serving", "tfx", "seldon_core"])
def test_servers_without_the_built_in_drift_check_need_evidently(serving: str) -> None:
    tools: dict[str, object] = {
        "model_serving": serving,
        "ml_frameworks": "scikit_learn" if serving == "seldon_core" else "tensorflow",
        "containerization": ["docker", "kubernetes"],
    }
    raw = {"name": "ok", "layers": ["mlops"], "tools": tools}
    assert error_of(default_catalog(), raw).startswith(
        f"tools.model_serving: '{serving}' needs model_monitoring to be evidently"
    )
    config = resolve(default_catalog(), {
        **raw, "tools": {**tools, "model_monitoring": "evidently"}}, Overrides())
    assert config.tools["model_monitoring"] == "evidently"
