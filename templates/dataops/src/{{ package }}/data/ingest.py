"""Ingestion: landing files into the raw zone, incrementally and idempotently.

Each landing file is read as text (nothing is coerced or dropped here) and written once to
data/raw/<dataset>/ as parquet, named by its content hash; data/raw/_manifest.json records what
was ingested, so a re-run ingests only new or changed files. Other integrations (Kafka, NiFi,
Glue) feed the raw zone through ``ingest_frame``. Raw batches older than the contract's
retention.raw_days are deleted: the raw zone is the only one with unmasked PII.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import duckdb
import pandas as pd

from .contracts import Contract
from .errors import DataPipelineError
from .paths import Paths

META_COLUMNS = ("_source", "_batch", "_ingested_at")


def read_manifest(paths: Paths) -> dict[str, dict[str, Any]]:
    """Ingested batches by batch id."""
    if not paths.manifest.exists():
        return {}
    return dict(json.loads(paths.manifest.read_text(encoding="utf-8")))


def _write_manifest(paths: Paths, manifest: dict[str, dict[str, Any]]) -> None:
    paths.manifest.parent.mkdir(parents=True, exist_ok=True)
    partial = paths.manifest.with_suffix(".tmp")
    partial.write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    partial.replace(paths.manifest)


def write_parquet(frame: pd.DataFrame, path: Path) -> None:
    """Write ``frame`` to ``path`` atomically (a crash leaves no half-written file)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".tmp")
    with duckdb.connect() as con:
        con.register("frame", frame)
        con.execute(f"COPY frame TO '{partial}' (FORMAT parquet)")
    partial.replace(path)


def parquet_files(path: Path | str) -> str:
    """What DuckDB's read_parquet reads for ``path``: the part files of a folder (as Spark
    writes a dataset), else the path itself."""
    return str(Path(path) / "*.parquet") if Path(path).is_dir() else str(path)


def read_parquet(path: Path | str) -> pd.DataFrame:
    """A parquet file, or a folder of part files, as a DataFrame."""
    with duckdb.connect() as con:
        return con.execute("SELECT * FROM read_parquet(?)", [parquet_files(path)]).df()


def ingest_frame(paths: Paths, dataset: str, frame: pd.DataFrame, source: str) -> Path | None:
    """Write ``frame`` (text columns) as one raw batch of ``dataset``; None if this exact
    content was ingested before."""
    content = frame.to_csv(index=False).encode("utf-8")
    batch = f"{dataset}-{hashlib.sha256(content).hexdigest()[:12]}"
    manifest = read_manifest(paths)
    if batch in manifest:
        return None
    now = datetime.now(UTC).isoformat(timespec="seconds")
    stamped = frame.astype("string").assign(_source=source, _batch=batch, _ingested_at=now)
    target = paths.raw / dataset / f"{batch}.parquet"
    write_parquet(stamped, target)
    sequence = 1 + max((int(entry["sequence"]) for entry in manifest.values()), default=0)
    manifest[batch] = {
        "dataset": dataset,
        "source": source,
        "rows": len(frame),
        "ingested_at": now,
        "sequence": sequence,
        "path": target.relative_to(paths.root).as_posix(),
    }
    _write_manifest(paths, manifest)
    return target


def landing_files(folder: Path) -> list[Path]:
    """The CSV files of a landing folder, in name order. Hidden files are left out: writers
    such as NiFi's PutFile write `.NAME` and then rename it, so a hidden file may be half
    written."""
    return sorted(path for path in folder.glob("*.csv") if not path.name.startswith("."))


def ingest_files(paths: Paths, contract: Contract) -> list[Path]:
    """Ingest the contract's landing files that are new or changed since the last run."""
    folder = paths.root / contract.source["path"]
    if not folder.is_dir():
        raise DataPipelineError(f"{contract.dataset}: no landing folder {folder}")
    written = []
    for file in landing_files(folder):
        frame = pd.read_csv(file, dtype=str, keep_default_na=False)
        missing = set(contract.column_names) - set(frame.columns)
        if missing:
            raise DataPipelineError(f"{file}: missing columns {sorted(missing)} of the contract")
        target = ingest_frame(
            paths, contract.dataset, frame, file.relative_to(paths.root).as_posix()
        )
        if target is not None:
            written.append(target)
    return written


def apply_retention(paths: Paths, contract: Contract, now: datetime | None = None) -> list[str]:
    """Delete the dataset's raw batches older than retention.raw_days; the batch ids deleted."""
    days = int(contract.retention.get("raw_days", 0))
    if days <= 0:
        return []
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    manifest = read_manifest(paths)
    expired = [
        batch
        for batch, entry in manifest.items()
        if entry["dataset"] == contract.dataset
        and datetime.fromisoformat(entry["ingested_at"]) < cutoff
    ]
    for batch in expired:
        (paths.root / manifest.pop(batch)["path"]).unlink(missing_ok=True)
    if expired:
        _write_manifest(paths, manifest)
    return expired


def current_batches(paths: Paths, dataset: str) -> list[Path]:
    """The dataset's raw batches, the latest one per source (a changed file supersedes its
    earlier content)."""
    latest: dict[str, tuple[int, str]] = {}
    for entry in read_manifest(paths).values():
        if entry["dataset"] != dataset:
            continue
        sequence = int(entry["sequence"])
        if entry["source"] not in latest or sequence > latest[entry["source"]][0]:
            latest[entry["source"]] = (sequence, entry["path"])
    return [paths.root / path for _, path in sorted(latest.values())]
