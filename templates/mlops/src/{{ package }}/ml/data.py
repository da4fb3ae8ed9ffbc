"""Training data: the wine recognition dataset bundled with scikit-learn (nothing is downloaded).

178 wines from three cultivars, 13 chemical measurements each; the task is to tell the cultivar.
"""

from __future__ import annotations

import pandas as pd
from sklearn.datasets import load_wine
from sklearn.model_selection import train_test_split

TARGET = "cultivar"
CLASSES = (0, 1, 2)
# The dataset's column names, made valid identifiers (they are also the API's field names).
FEATURES = (
    "alcohol",
    "malic_acid",
    "ash",
    "alcalinity_of_ash",
    "magnesium",
    "total_phenols",
    "flavanoids",
    "nonflavanoid_phenols",
    "proanthocyanins",
    "color_intensity",
    "hue",
    "od280_od315_of_diluted_wines",
    "proline",
)


def load_raw() -> pd.DataFrame:
    """The whole dataset: one row per wine, the features then the target."""
    bunch = load_wine(as_frame=True)
    frame = bunch.frame.copy()
    frame.columns = [*FEATURES, TARGET]
    frame[list(FEATURES)] = frame[list(FEATURES)].astype("float64")
    return frame


def sample(frame: pd.DataFrame, fraction: float, seed: int) -> pd.DataFrame:
    """A stratified share of ``frame`` (all of it for 1.0), so every class stays represented."""
    if not 0 < fraction <= 1:
        raise ValueError(f"sample_fraction must be in (0, 1], got {fraction}")
    if fraction == 1:
        return frame.reset_index(drop=True)
    kept, _ = train_test_split(
        frame, train_size=fraction, stratify=frame[TARGET], random_state=seed
    )
    return kept.sort_index().reset_index(drop=True)


def split(frame: pd.DataFrame, test_size: float, seed: int) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Stratified train and test sets."""
    train, test = train_test_split(
        frame, test_size=test_size, stratify=frame[TARGET], random_state=seed
    )
    return train.reset_index(drop=True), test.reset_index(drop=True)


def features_and_target(frame: pd.DataFrame) -> tuple[pd.DataFrame, pd.Series]:
    """The feature columns (in the model's order) and the target."""
    return frame[list(FEATURES)], frame[TARGET]
