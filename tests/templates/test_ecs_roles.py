"""Amazon ECS's execution role, in Terraform and in CloudFormation, may do only what starting the
task needs: log in to ECR, pull from this account's repositories and write to the service's own
log group. No managed policy (AmazonECSTaskExecutionRolePolicy pulls from every repository and
writes every log group)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import hcl2  # type: ignore[import-not-found,import-untyped,unused-ignore]
import pytest
import yaml
from clirun import opsgen
from integration_validation import unquote

ECS = ["--set", "containerization=docker,aws_ecs"]
CLOUDFORMATION = ["--set", "infrastructure_as_code=cloudformation",
                  "--set", "continuous_deployment=cloudformation"]
EXPECTED = {
    "EcrLogin": ({"ecr:GetAuthorizationToken"}, "*"),
    "EcrPull": ({"ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage",
                 "ecr:GetDownloadUrlForLayer"}, "repository/*"),
    "Logs": ({"logs:CreateLogStream", "logs:PutLogEvents"}, "log group"),
}


def blocks(tree: dict[str, Any], kind: str, type_: str) -> dict[str, dict[str, Any]]:
    """Every ``kind`` block (resource, data) of ``type_``, by name, keys unquoted."""
    found = {}
    for entry in tree.get(kind, []):
        for found_type, named in entry.items():
            if unquote(found_type) == type_:
                for name, body in named.items():
                    found[unquote(name)] = {unquote(k): v for k, v in body.items()}
    return found


def test_terraform_execution_role_is_scoped(capsys: pytest.CaptureFixture[str],
                                            tmp_path: Path) -> None:
    dest = tmp_path / "svc"
    assert opsgen(capsys, "new", dest, "--defaults", *ECS).code == 0
    with (dest / "infra" / "terraform" / "ecs.tf").open(encoding="utf-8") as handle:
        tree = hcl2.load(handle)
    attachments = blocks(tree, "resource", "aws_iam_role_policy_attachment")
    assert not [a for a in attachments.values() if "ecs_execution" in str(a.get("role"))]
    policy = blocks(tree, "resource", "aws_iam_role_policy")["ecs_execution"]
    assert "aws_iam_role.ecs_execution" in str(policy["role"])
    assert "data.aws_iam_policy_document.ecs_execution.json" in str(policy["policy"])
    statements = blocks(tree, "data", "aws_iam_policy_document")["ecs_execution"]["statement"]
    by_sid = {unquote(s["sid"]): s for s in statements}
    assert set(by_sid) == set(EXPECTED)
    for sid, (actions, scope) in EXPECTED.items():
        assert set(unquote(by_sid[sid]["actions"])) == actions, sid
        (resource,) = unquote(by_sid[sid]["resources"])
        wanted = "aws_cloudwatch_log_group.ecs.arn" if scope == "log group" else scope
        assert resource.endswith(wanted) or wanted in resource, (sid, resource)


class CloudFormationLoader(yaml.SafeLoader):
    """YAML with CloudFormation's short-form tags read as {tag: value}."""


CloudFormationLoader.add_multi_constructor(
    "!", lambda loader, suffix, node: {suffix: (
        loader.construct_scalar(node) if isinstance(node, yaml.ScalarNode)
        else loader.construct_sequence(node) if isinstance(node, yaml.SequenceNode)
        else loader.construct_mapping(node))})


def test_cloudformation_execution_role_is_scoped(capsys: pytest.CaptureFixture[str],
                                                 tmp_path: Path) -> None:
    dest = tmp_path / "svc"
    assert opsgen(capsys, "new", dest, "--defaults", *ECS, *CLOUDFORMATION).code == 0
    template = yaml.load((dest / "infra" / "cloudformation" / "ecs.yaml").read_text(
        encoding="utf-8"), Loader=CloudFormationLoader)
    role = template["Resources"]["ExecutionRole"]["Properties"]
    assert "ManagedPolicyArns" not in role
    (policy,) = role["Policies"]
    by_sid = {s["Sid"]: s for s in policy["PolicyDocument"]["Statement"]}
    assert set(by_sid) == set(EXPECTED)
    for sid, (actions, scope) in EXPECTED.items():
        statement = by_sid[sid]
        assert statement["Effect"] == "Allow"
        given = statement["Action"]
        assert set([given] if isinstance(given, str) else given) == actions, sid
        resource = statement["Resource"]
        if scope == "log group":
            assert resource == {"GetAtt": "LogGroup.Arn"}, resource
        elif scope == "*":
            assert resource == "*"
        else:
            assert resource["Sub"].endswith(":${AWS::AccountId}:repository/*"), resource
