"""Where the pipeline reads and writes, and its parameters (params.yaml)."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Any

import yaml


@dataclass(frozen=True)
class Paths:
    """The files of one pipeline workspace (the project root, or a scratch folder in CI)."""

    root: Path

    @property
    def params(self) -> Path:
        return self.root / "params.yaml"

    @property
    def landing(self) -> Path:
        """Where the training data lands (data.py reads every CSV file here)."""
        return self.root / "data" / "landing" / "training"

    @property
    def outputs(self) -> Path:
        return self.root / "outputs"

    @property
    def train_csv(self) -> Path:
        return self.outputs / "data" / "train.csv"

    @property
    def test_csv(self) -> Path:
        return self.outputs / "data" / "test.csv"

    @property
    def reference(self) -> Path:
        return self.outputs / "reference.json"

    @property
    def model_dir(self) -> Path:
        return self.outputs / "model"

    @property
    def run(self) -> Path:
        return self.outputs / "run.json"

    @property
    def registered(self) -> Path:
        return self.outputs / "registered.json"

    @property
    def tracking(self) -> Path:
        return self.outputs / "tracking"

    @property
    def metrics(self) -> Path:
        return self.root / "metrics.json"


def load_params(path: Path) -> dict[str, Any]:
    """The parameters in ``path``; a missing section is an error naming it."""
    params = yaml.safe_load(path.read_text(encoding="utf-8"))
    if not isinstance(params, dict):
        raise ValueError(f"{path}: expected a mapping of sections")
    for section in ("data", "train", "evaluate", "ci", "register", "drift"):
        if not isinstance(params.get(section), dict):
            raise ValueError(f"{path}: missing section {section!r}")
    return params
