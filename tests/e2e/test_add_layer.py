"""Adding a layer later (`opsgen add`) gives the same files as choosing it at the start."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from clirun import git_commit, opsgen, snapshot, tree

from opsgen.catalog import BASE_LAYER, default_catalog

pytestmark = pytest.mark.e2e


def addable_layers() -> list[str]:
    catalog = default_catalog()
    return [layer for layer in catalog.layer_ids
            if layer != BASE_LAYER and catalog.layer(layer).ready]


# Each layer alone, then all of them one after the other, in both orders.
SEQUENCES = [(layer,) for layer in addable_layers()] + [
    tuple(addable_layers()), tuple(reversed(addable_layers()))
]


@pytest.mark.parametrize("layers", SEQUENCES, ids="+".join)
def test_add_later_equals_choosing_at_start(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, layers: tuple[str, ...]
) -> None:
    at_start = tmp_path / "a" / "svc"
    later = tmp_path / "b" / "svc"
    flags = [arg for layer in layers for arg in ("--layer", layer)]
    assert opsgen(capsys, "new", at_start, "--defaults", *flags).code == 0
    assert opsgen(capsys, "new", later, "--defaults").code == 0
    for layer in layers:
        run = opsgen(capsys, "add", later, layer, "--json")
        assert run.code == 0, run.err
        report = json.loads(run.out)
        assert report["conflicts"] == []
        assert f".copier-answers.{layer}.yml" in report["files"]
        assert report["files"][f".copier-answers.{layer}.yml"] == "new"
        # The base layer's shared files learn of the new layer.
        assert report["files"]["Makefile"] == "updated"
        git_commit(later, f"Add the {layer} layer")
    assert tree(later) == tree(at_start)


@pytest.mark.parametrize(("layer", "message"), [
    ("mlopz", "opsgen: error: add: 'mlopz' is not a layer; choose one of: "),
    (BASE_LAYER, f"already has the {BASE_LAYER} layer"),
    ("mlops", "already has the mlops layer"),
])
def test_add_refuses_an_unknown_or_present_layer(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, layer: str, message: str
) -> None:
    dest = tmp_path / "svc"
    assert opsgen(capsys, "new", dest, "--defaults", "--layer", "mlops").code == 0
    before = snapshot(dest)
    run = opsgen(capsys, "add", dest, layer)
    assert run.code == 2
    assert message in run.err and layer in run.err
    assert len(run.err.splitlines()) == 1
    assert snapshot(dest) == before


def test_add_refuses_to_overwrite_a_file_of_the_users(
    capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    dest = tmp_path / "svc"
    assert opsgen(capsys, "new", dest, "--defaults").code == 0
    (dest / "params.yaml").write_text("mine: true\n", encoding="utf-8")
    git_commit(dest, "my own params")
    before = snapshot(dest)
    run = opsgen(capsys, "add", dest, "mlops")
    assert run.code == 2
    assert "params.yaml exists, and the mlops layer writes it" in run.err
    assert snapshot(dest) == before


@pytest.mark.parametrize("layer", addable_layers())
def test_add_plan_changes_nothing_and_predicts_the_add(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, layer: str
) -> None:
    dest = tmp_path / "svc"
    assert opsgen(capsys, "new", dest, "--defaults").code == 0
    before = snapshot(dest)
    plan = opsgen(capsys, "add", dest, layer, "--plan", "--json")
    assert plan.code == 0, plan.err
    assert snapshot(dest) == before
    done = opsgen(capsys, "add", dest, layer, "--json")
    assert done.code == 0, done.err
    assert json.loads(plan.out) == json.loads(done.out)
