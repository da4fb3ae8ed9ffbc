"""The wizard's reading of the rules: what it disables, what it ticks, and how it lays out files.

The pty tests (tests/e2e/test_wizard.py) prove these on screen; here each rule shape is
covered directly, on a tiny catalog.
"""

from __future__ import annotations

from typing import Any

import pytest

from opsgen.catalog import Catalog, parse_catalog
from opsgen.wizard import disabled_reason, in_columns, required_tools

TINY: dict[str, Any] = {
    "layers": [{"id": "devops", "title": "DevOps", "ready": True, "checks": []}],
    "aspects": [
        {"id": "vcs", "title": "VCS", "layers": ["devops"],
         "tools": [{"id": "git", "title": "Git"}, {"id": "hg", "title": "Hg"}]},
        {"id": "ci", "title": "CI", "layers": ["devops"],
         "tools": [{"id": "gha", "title": "GHA"}, {"id": "jenkins", "title": "Jenkins"}]},
        {"id": "boxes", "title": "Boxes", "layers": ["devops"], "multiple": True,
         "tools": [{"id": "docker", "title": "Docker"}, {"id": "k8s", "title": "K8s"}]},
        {"id": "serve", "title": "Serve", "layers": ["devops"],
         "tools": [{"id": "api", "title": "API"}, {"id": "seldon", "title": "Seldon"}]},
    ],
    "rules": [
        {"when": {"ci": "gha"}, "requires": {"vcs": ["git"]}, "reason": "GHA needs git"},
        {"when": {"boxes": "k8s"}, "requires": {"boxes": ["docker"]}, "reason": "k8s runs docker"},
        {"when": {"serve": "seldon"}, "requires": {"boxes": ["k8s"]}, "reason": "Seldon on k8s"},
    ],
}


@pytest.fixture(scope="module")
def tiny() -> Catalog:
    return parse_catalog(TINY)


def test_a_later_choice_an_earlier_answer_rules_out_is_disabled(tiny: Catalog) -> None:
    ci = tiny.aspect("ci")
    assert disabled_reason(tiny, {"vcs": "hg"}, ci, "gha") == "GHA needs git"
    assert disabled_reason(tiny, {"vcs": "hg"}, ci, "jenkins") == ""
    assert disabled_reason(tiny, {"vcs": "git"}, ci, "gha") == ""


def test_an_earlier_choice_a_later_answer_rules_out_is_disabled(tiny: Catalog) -> None:
    vcs = tiny.aspect("vcs")
    assert disabled_reason(tiny, {"ci": "gha"}, vcs, "hg") == "GHA needs git"
    assert disabled_reason(tiny, {"ci": "jenkins"}, vcs, "hg") == ""


def test_a_rule_broken_elsewhere_does_not_disable_an_unrelated_aspect(tiny: Catalog) -> None:
    # Seldon without Kubernetes breaks a rule, but not one about CI: CI stays free.
    picked: dict[str, Any] = {"serve": "seldon", "boxes": ("docker",)}
    ci = tiny.aspect("ci")
    assert [disabled_reason(tiny, picked, ci, t) for t in ci.tool_ids] == ["", ""]


def test_tools_ticked_together_are_left_to_the_checkbox(tiny: Catalog) -> None:
    boxes = tiny.aspect("boxes")
    assert disabled_reason(tiny, {}, boxes, "k8s") == ""


def test_a_checkbox_ticks_what_other_answers_need(tiny: Catalog) -> None:
    boxes = tiny.aspect("boxes")
    assert required_tools(tiny, {"serve": "seldon"}, boxes) == ("k8s",)
    assert required_tools(tiny, {"serve": "api"}, boxes) == ()


def test_files_are_listed_down_columns_that_fit() -> None:
    names = ("a", "bb", "ccc", "dddd", "e")
    text = in_columns(names, width=14)
    assert text.splitlines() == ["  a     dddd", "  bb    e", "  ccc"]
    assert all(len(line) <= 14 for line in text.splitlines())
    assert in_columns(names, width=1).splitlines() == [f"  {n}" for n in names]
    assert in_columns((), width=80) == ""
