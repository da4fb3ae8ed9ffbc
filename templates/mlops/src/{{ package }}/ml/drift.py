"""Drift check: compares what the model is asked about with what it was trained on.

Two measures per feature, against the reference that `prepare` saves from the training set:
the population stability index (PSI) over the reference's quintiles, and the two-sample
Kolmogorov-Smirnov test. A feature drifts when both agree: the PSI is over its threshold and
the test rejects "same distribution" (either alone is noisy on small windows). The model
server exports both as Prometheus metrics.
"""

from __future__ import annotations

import json
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.stats import ks_2samp

BINS = 5  # quintiles: finer bins make the PSI of a few hundred requests mostly noise
EPSILON = 1e-4  # stands in for an empty bin, so the PSI stays finite


@dataclass(frozen=True)
class FeatureReference:
    """One feature in the training data: its quintile edges, their shares and the values."""

    edges: tuple[float, ...]
    shares: tuple[float, ...]
    values: tuple[float, ...]


@dataclass(frozen=True)
class FeatureDrift:
    """How far one feature has moved from the training data."""

    psi: float
    ks_pvalue: float
    drifted: bool


def _shares(values: np.ndarray, edges: np.ndarray) -> np.ndarray:
    inner = edges[1:-1]
    counts = np.bincount(np.searchsorted(inner, values, side="right"), minlength=len(edges) - 1)
    shares = counts / max(len(values), 1)
    return np.clip(shares, EPSILON, None)


def reference_of(frame: pd.DataFrame, features: Iterable[str]) -> dict[str, FeatureReference]:
    """The reference of each feature of ``frame`` (the training set)."""
    reference = {}
    for name in features:
        values = frame[name].to_numpy(dtype=float)
        edges = np.unique(np.quantile(values, np.linspace(0, 1, BINS + 1)))
        edges[0], edges[-1] = -np.inf, np.inf
        reference[name] = FeatureReference(
            edges=tuple(float(e) for e in edges),
            shares=tuple(float(s) for s in _shares(values, edges)),
            values=tuple(float(v) for v in values),
        )
    return reference


def psi(reference: FeatureReference, values: np.ndarray) -> float:
    """Population stability index of ``values`` against the reference (0: same distribution)."""
    expected = np.asarray(reference.shares)
    actual = _shares(np.asarray(values, dtype=float), np.asarray(reference.edges))
    return float(np.sum((actual - expected) * np.log(actual / expected)))


def assess(
    reference: dict[str, FeatureReference],
    frame: pd.DataFrame,
    psi_threshold: float,
    ks_pvalue: float,
) -> dict[str, FeatureDrift]:
    """The drift of each feature of ``frame``: drifted when the PSI and the KS test agree."""
    result = {}
    for name, ref in reference.items():
        values = frame[name].to_numpy(dtype=float)
        index = psi(ref, values)
        pvalue = float(ks_2samp(np.asarray(ref.values), values).pvalue)
        result[name] = FeatureDrift(
            psi=index, ks_pvalue=pvalue, drifted=index > psi_threshold and pvalue < ks_pvalue
        )
    return result


def save(reference: dict[str, FeatureReference], path: Path) -> None:
    """Write the reference as JSON (infinite edges as null)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    data = {
        name: {
            "edges": [e if np.isfinite(e) else None for e in ref.edges],
            "shares": list(ref.shares),
            "values": list(ref.values),
        }
        for name, ref in reference.items()
    }
    path.write_text(json.dumps(data, indent=1) + "\n", encoding="utf-8")


def load(path: Path) -> dict[str, FeatureReference]:
    """Read what :func:`save` wrote."""
    data = json.loads(path.read_text(encoding="utf-8"))
    reference = {}
    for name, ref in data.items():
        edges = [float(e) for e in ref["edges"][1:-1]]
        reference[name] = FeatureReference(
            edges=(-np.inf, *edges, np.inf),
            shares=tuple(ref["shares"]),
            values=tuple(ref["values"]),
        )
    return reference
