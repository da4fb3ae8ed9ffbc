"""A validator's ``reads`` in the catalog hold everything it reads: a copy of the project with only
a check's inputs (tests/verdicts.py) gives the validator the same material as the whole project.
Were a read missing, the combination matrix would reuse a pass on inputs that had changed."""

from __future__ import annotations

import contextlib
import dataclasses
import io
import shutil
import subprocess
from pathlib import Path

import pytest
from combinations import CONFIGS, PROJECT
from setups import CATALOG
from validation import checks_for
from verdicts import inputs

from opsgen.cli import main
from opsgen.config import dump_config


@pytest.fixture(scope="module")
def everything(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """The matrix's everything-at-once configuration: every containerization tool at once."""
    config = dataclasses.replace(next(c for c in CONFIGS if c.name == "matrix-everything"),
                                 name=PROJECT)
    folder = tmp_path_factory.mktemp("everything")
    (folder / "opsgen.yaml").write_text(dump_config(config), encoding="utf-8")
    with contextlib.redirect_stdout(io.StringIO()):
        assert main(["new", str(folder / PROJECT), "--config", str(folder / "opsgen.yaml")]) == 0
    return folder / PROJECT


def _kustomize(root: Path, name: str) -> str:
    result = subprocess.run(["kubectl", "kustomize", name], cwd=root, capture_output=True,
                            text=True, check=False)
    assert result.returncode == 0, f"kubectl kustomize {name} in {root}:\n{result.stderr}"
    return result.stdout


def test_checkov_kustomize_reads_all_its_kustomizations_reach(everything: Path,
                                                              tmp_path: Path) -> None:
    if shutil.which("kubectl") is None:
        pytest.skip("kubectl is not on this machine")
    validator = CATALOG.validators["checkov_kustomize"]
    config = dataclasses.replace(next(c for c in CONFIGS if c.name == "matrix-everything"),
                                 name=PROJECT)
    checks = [c for c in checks_for(CATALOG, config) if c.validator == validator.id]
    assert len(checks) == 3, checks  # kubernetes, openshift and gke: all three are chosen
    for check in checks:
        copy = tmp_path / check.files.replace("/", "-").replace("*", "all")
        for name in inputs(everything, check, validator):
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(everything / name, copy / name)
        for name in sorted(p.relative_to(everything).as_posix()
                           for p in everything.glob(check.files)):
            assert _kustomize(copy, name) == _kustomize(everything, name), name
