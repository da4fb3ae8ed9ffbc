"""Training data: the CSV files landed in data/landing/training/ (Paths.landing).

The project ships one, wine.csv: the wine recognition dataset bundled with scikit-learn (178
wines from three cultivars, 13 chemical measurements each; the task is to tell the cultivar).
More rows land as more files with the same columns, by hand or through the project's data
integrations; the prepare stage reads them all, so a new file retrains on the new data
(`dvc repro` sees the folder change). Rows landed twice count once.
"""

from __future__ import annotations

from pathlib import Path

import pandas as pd
from sklearn.model_selection import train_test_split

from .errors import PipelineError

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
# The columns of every landing file, in this order.
LANDING_COLUMNS = (*FEATURES, TARGET)


def landing_files(landing: Path) -> list[Path]:
    """The landing folder's CSV files, in name order (the order their rows are read in).

    Hidden files are left out: writers such as NiFi's PutFile write `.NAME` and then rename it,
    so a hidden file may be half written.
    """
    return sorted(path for path in landing.glob("*.csv") if not path.name.startswith("."))


def read_landing_file(path: Path) -> pd.DataFrame:
    """One landing file with exactly the landing columns; one clear error otherwise."""
    frame = pd.read_csv(path)
    missing = [column for column in LANDING_COLUMNS if column not in frame.columns]
    if missing:
        raise PipelineError(f"{path}: missing columns {missing}")
    return frame[list(LANDING_COLUMNS)]


def load_raw(landing: Path) -> pd.DataFrame:
    """Every landed row, once: one row per wine, the features then the target.

    The data quality check (quality.py) judges the values; this only reads and deduplicates.
    """
    files = landing_files(landing)
    if not files:
        raise PipelineError(
            f"no training data: land CSV files with columns {list(LANDING_COLUMNS)} in {landing}"
        )
    frame = pd.concat([read_landing_file(path) for path in files], ignore_index=True)
    # A value that is not a number becomes missing, which the quality check refuses by name.
    for column in FEATURES:
        frame[column] = pd.to_numeric(frame[column], errors="coerce").astype("float64")
    return frame.drop_duplicates(ignore_index=True)


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
